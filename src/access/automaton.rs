//! Exact questions about sets of patterns, answered with automata.
//!
//! A pattern (`pattern.rs`) is a glob: its automaton's states are the positions it can
//! stand at, so one pattern of n items has at most n + 1 positions, and with the positions
//! before the last `*` reached dropped (they match nothing that `*` does not) a state holds
//! one or two positions in practice. The alphabet of a question is symbolic: the literal
//! characters that occur in its patterns, each policy variable, and one symbol for "any
//! other character" (all such characters behave alike in every pattern of the question).
//!
//! The one question asked, [`Globs::classes`]: given a *universe* (a pattern set, possibly
//! negated as NotAction/NotResource are) and a *family* of pattern sets, which subsets of
//! the family can match one same string of the universe? Each such subset is a class,
//! given with a witness string. Inclusion, intersection and emptiness of differences are
//! all read off the classes. It is answered by exploring the product of the patterns'
//! automata from the start, breadth first (subset construction on the fly: a product
//! state is the tuple of each pattern's state), with the states and transitions of single
//! patterns remembered across questions. Only patterns that can meet the universe take
//! part (their literal prefixes and suffixes must agree), and a state from which no string
//! of a non-negated universe can be completed is not explored.
//!
//! Bounds: each question explores at most [`MAX_STATES`] product states and
//! [`MAX_WORK`] pattern steps; past either it answers [`TooComplex`] rather than run on.
//! The product of k patterns is small when they are what policies hold (literal actions,
//! `service:Prefix*`, ARNs with `*` segments): reading a literal universe is a single
//! path; a `*` universe explores the trie of the other patterns' literal parts. Only a
//! family of many patterns with several interleaved `*`s each can make it grow towards
//! the product of their sizes, and that is what the bounds stop.

mod question;
mod set_index;

use super::pattern::{self, Item, Symbol};
use crate::matching::run_index::RunIndex;
use question::Question;
// foldhash: SipHash was most of the time of PL503/PL504 on a large corpus.
use foldhash::{HashMap, HashSet};
use std::collections::VecDeque;

pub type GlobId = u32;
pub type SetId = u32;

/// Product states one question may explore.
pub const MAX_STATES: usize = 200_000;
/// Single-pattern steps one question may take.
pub const MAX_WORK: usize = 20_000_000;

/// How much one question may explore before it answers [`TooComplex`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub states: usize,
    pub work: usize,
}

/// For `diff` and the commands: exact up to the module's bounds.
pub const EXACT: Limits = Limits {
    states: MAX_STATES,
    work: MAX_WORK,
};

/// For the rules run on every file: small, so that a hostile policy costs little (its
/// statements are then left unreported).
pub const LINT: Limits = Limits {
    states: 4_000,
    work: 400_000,
};

/// A question was too large to answer exactly within the bounds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooComplex;

impl std::fmt::Display for TooComplex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the patterns are too complex to compare exactly (more than {MAX_STATES} automaton states)"
        )
    }
}

struct Glob {
    items: Box<[Item]>,
    /// The characters this pattern tells apart (`:` too when a `*` stops at it).
    literals: HashSet<char>,
    prefix: String,
    suffix: String,
}

/// A pattern set as an element holds it: `negated` for NotAction and NotResource.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GlobSet {
    pub globs: Vec<GlobId>,
    pub negated: bool,
}

/// The symbol a pattern reads, in its own terms: a character it names, a variable, or
/// anything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Own {
    Char(char),
    Var(u32),
    Other,
}

/// One class of a question: the family members that all match its witness.
#[derive(Debug, Clone)]
pub struct Class {
    /// Indices into the family, sorted.
    pub members: Vec<u32>,
    pub witness: String,
}

/// Interned patterns and pattern sets, and the remembered states of single patterns.
#[derive(Default)]
pub struct Globs {
    globs: Vec<Glob>,
    glob_ids: HashMap<Box<[Item]>, GlobId>,
    sets: Vec<GlobSet>,
    set_ids: HashMap<GlobSet, SetId>,
    /// For each set, the index of its patterns if it holds many (`set_index`).
    set_indexes: Vec<Option<RunIndex>>,
    /// Set by the tests to answer without the indexes.
    #[cfg(test)]
    set_indexes_off: bool,
    /// State 0 is the dead state of every pattern; others are (pattern, positions).
    states: Vec<(GlobId, Box<[u32]>)>,
    /// For each state, the characters it steps on differently from "any other character"
    /// (sorted): the literals at its positions, and `:` before a segment `*`.
    state_chars: Vec<Box<[char]>>,
    state_ids: HashMap<(GlobId, Box<[u32]>), u32>,
    transitions: HashMap<(u32, Own), u32>,
    /// Variable names for witnesses, by id.
    variable_names: HashMap<u32, String>,
    /// Answers of `meet` (false) and `covers` (true), by pair.
    pairs: HashMap<(GlobId, GlobId, bool), bool>,
    limits: Option<Limits>,
}

impl Globs {
    pub fn new() -> Self {
        Globs {
            states: vec![(0, Box::new([]))],
            state_chars: vec![Box::new([])],
            ..Globs::default()
        }
    }

    pub fn set_limits(&mut self, limits: Limits) {
        self.limits = Some(limits);
    }

    /// About how many entries the tables hold (see `Space::footprint`).
    pub fn footprint(&self) -> usize {
        self.globs.len()
            + self.sets.len()
            + self.states.len()
            + self.transitions.len()
            + self.pairs.len()
    }

    pub fn limits(&self) -> Limits {
        self.limits.unwrap_or(EXACT)
    }

    /// Whether some string matches both patterns.
    pub fn meet(&mut self, a: GlobId, b: GlobId) -> bool {
        self.pair(a, b, false)
    }

    /// Whether `general` matches every string `specific` matches.
    pub fn covers(&mut self, general: GlobId, specific: GlobId) -> bool {
        self.pair(general, specific, true)
    }

    /// A few strings of a set of one pattern, for trying before exploring: each `*` read
    /// as nothing, then as `x`; `?` as `x`. None for a negated set, a set of several
    /// patterns, or a pattern with a policy variable.
    pub fn samples(&self, set: SetId) -> Vec<String> {
        let set = self.set(set);
        let [glob] = set.globs.as_slice() else {
            return Vec::new();
        };
        if set.negated {
            return Vec::new();
        }
        let items = &self.globs[*glob as usize].items;
        if items.iter().any(|item| matches!(item, Item::Var(_))) {
            return Vec::new();
        }
        let sample = |star: &str| {
            let mut text = String::with_capacity(items.len());
            for item in items.iter() {
                match item {
                    Item::Lit(c) => text.push(*c),
                    Item::One => text.push('x'),
                    _ => text.push_str(star),
                }
            }
            text
        };
        let mut samples = vec![sample(""), sample("x")];
        samples.dedup();
        samples
    }

    /// [`Globs::samples`], and for a negated set (a `Not` element's unit) whichever of
    /// `""` and `x` it matches: strings of the set all the same, for trying before
    /// exploring where no sample is to be shown.
    pub fn samples_or_outside(&self, set: SetId) -> Vec<String> {
        if !self.set(set).negated {
            return self.samples(set);
        }
        ["", "x"]
            .into_iter()
            .filter(|text| self.set_matches(set, text))
            .map(String::from)
            .collect()
    }

    /// Whether a set matches `text` (for actions, already lower-cased).
    pub fn set_matches(&self, set: SetId, text: &str) -> bool {
        let negated = self.set(set).negated;
        self.any_pattern_matches(set, text) != negated
    }

    /// Whether a pattern of a set (negated or not) matches `text`.
    fn any_pattern_matches(&self, set: SetId, text: &str) -> bool {
        let globs = &self.set(set).globs;
        let matches = |g: GlobId| pattern::matches(&self.globs[g as usize].items, text);
        match self.set_index(set) {
            Some(index) => index.any_owner(text, |i| matches(globs[i as usize])),
            None => globs.iter().any(|&g| matches(g)),
        }
    }

    /// The index of a long set's patterns.
    fn set_index(&self, set: SetId) -> Option<&RunIndex> {
        #[cfg(test)]
        if self.set_indexes_off {
            return None;
        }
        self.set_indexes[set as usize].as_ref()
    }

    /// Whether set questions use the indexes of long sets (the tests compare both ways).
    #[cfg(test)]
    pub fn use_set_indexes(&mut self, on: bool) {
        self.set_indexes_off = !on;
    }

    /// Whether set `general` matches every string set `specific` (of one pattern,
    /// not negated) matches, judged pattern by pattern: some pattern of `general` covers it.
    pub fn set_covers(&mut self, general: SetId, specific: SetId) -> bool {
        let (g, s) = (general as usize, specific as usize);
        if self.sets[g].negated || self.sets[s].negated {
            return false;
        }
        // By index: the sets stay where they are while `covers` remembers answers.
        (0..self.sets[s].globs.len()).all(|i| {
            let specific = self.sets[s].globs[i];
            self.some_pattern_covers(general, specific)
        })
    }

    /// Whether a pattern of set `general` covers pattern `specific`. In a long set, only
    /// the patterns matching a string of `specific` are compared: a pattern that covers it
    /// matches every one.
    fn some_pattern_covers(&mut self, general: SetId, specific: GlobId) -> bool {
        if let Some(index) = self.set_index(general)
            && let Some(sample) = set_index::sample(self.items(specific))
        {
            let globs = &self.sets[general as usize].globs;
            let mut near = Vec::new();
            index.any_owner(&sample, |i| {
                let g = globs[i as usize];
                if pattern::matches(self.items(g), &sample) {
                    near.push(g);
                }
                false
            });
            near.sort_unstable();
            near.dedup();
            return near.into_iter().any(|g| self.covers(g, specific));
        }
        let g = general as usize;
        (0..self.sets[g].globs.len()).any(|j| self.covers(self.sets[g].globs[j], specific))
    }

    /// Whether the negated set `general` (a `Not` element) matches every string the set
    /// `specific` (not negated) matches: exactly when no pattern of `specific` meets one
    /// of `general`'s.
    pub fn negated_set_covers(&mut self, general: SetId, specific: SetId) -> bool {
        let (g, s) = (general as usize, specific as usize);
        if !self.sets[g].negated || self.sets[s].negated {
            return false;
        }
        (0..self.sets[s].globs.len()).all(|i| {
            let specific = self.sets[s].globs[i];
            (0..self.sets[g].globs.len()).all(|j| !self.meet(self.sets[g].globs[j], specific))
        })
    }

    /// Whether two sets can match one same string (always, when either is negated: an
    /// over-approximation, used to leave members out that cannot matter).
    pub fn sets_meet(&mut self, a: SetId, b: SetId) -> bool {
        let (a, b) = (a as usize, b as usize);
        if self.sets[a].negated || self.sets[b].negated {
            return true;
        }
        // Each pattern of one set is asked about the other: the long one, if one is.
        let (a, b) = match (self.set_indexes[a].is_some(), self.set_indexes[b].is_some()) {
            (true, false) => (b, a),
            _ => (a, b),
        };
        (0..self.sets[a].globs.len()).any(|i| {
            let x = self.sets[a].globs[i];
            // A literal meets exactly the patterns that match it.
            if self.set_index(b as SetId).is_some()
                && let Some(text) = pattern::literal_text(self.items(x))
            {
                return self.any_pattern_matches(b as SetId, &text);
            }
            (0..self.sets[b].globs.len()).any(|j| self.meet(x, self.sets[b].globs[j]))
        })
    }

    /// The product of two patterns' automata, at most (n + 1)(m + 1) states: `meet` looks
    /// for a string both accept, `covers` for one the second accepts and the first not.
    fn pair(&mut self, first: GlobId, second: GlobId, covers: bool) -> bool {
        if let Some(&answer) = self.pairs.get(&(first, second, covers)) {
            return answer;
        }
        // A pattern covers another only if they meet (every pattern matches something).
        if !self.may_meet(first, second) {
            self.pairs.insert((first, second, covers), false);
            return false;
        }
        if covers && let Some(answer) = self.covers_by_scan(first, second) {
            self.pairs.insert((first, second, covers), answer);
            return answer;
        }
        let answer = self.product(first, second, covers, true);
        self.pairs.insert((first, second, covers), answer);
        answer
    }

    /// `covers` without automata, where both patterns are literals and `*` only (what
    /// nearly every pattern is): `general` covers `specific` exactly when it matches
    /// `specific` written out with each `*` as a character `general` never names. (A
    /// `*` of `general` must take that character, and so takes whatever the `*` of
    /// `specific` stands for; and the written-out text is one of `specific`'s strings.)
    fn covers_by_scan(&self, general: GlobId, specific: GlobId) -> Option<bool> {
        const STAND_IN: char = '\u{10FFFD}';
        let star_only = |items: &[Item]| {
            items
                .iter()
                .all(|item| matches!(item, Item::Lit(_) | Item::Star))
        };
        let (general, specific) = (
            &self.globs[general as usize],
            &self.globs[specific as usize],
        );
        if !star_only(&general.items)
            || !star_only(&specific.items)
            || general.literals.contains(&STAND_IN)
        {
            return None;
        }
        let text: String = specific
            .items
            .iter()
            .map(|item| match item {
                Item::Lit(c) => *c,
                _ => STAND_IN,
            })
            .collect();
        Some(pattern::matches(&general.items, &text))
    }

    /// [`Globs::pair`] by walking the product of the two automata.
    /// `skip_alike` reads, from each pair of states, only the characters one of them
    /// steps on differently from any other character, each variable, and one stand-in for
    /// the remaining characters (the first of the alphabet's): those all lead where the
    /// stand-in does, so the answer is that of reading every symbol (what the tests
    /// compare it with, `skip_alike` false).
    fn product(&mut self, first: GlobId, second: GlobId, covers: bool, skip_alike: bool) -> bool {
        let mut alphabet: Vec<Symbol> = Vec::new();
        for &g in &[first, second] {
            let glob = &self.globs[g as usize];
            alphabet.extend(glob.literals.iter().map(|&c| Symbol::Char(c)));
            alphabet.extend(glob.items.iter().filter_map(|item| match item {
                Item::Var(v) => Some(Symbol::Var(*v)),
                _ => None,
            }));
        }
        alphabet.push(Symbol::Other);
        alphabet.sort_unstable();
        alphabet.dedup();
        let start = (self.start_state(first), self.start_state(second));
        let mut seen: HashSet<(u32, u32)> = HashSet::from_iter([start]);
        let mut queue = VecDeque::from([start]);
        // `covers` holds until a string the second accepts and the first does not;
        // `meet` fails until a string both accept.
        let mut answer = covers;
        let mut reading = Vec::with_capacity(alphabet.len());
        while let Some((a, b)) = queue.pop_front() {
            let (accept_a, accept_b) = (self.accepting(a), self.accepting(b));
            if covers && accept_b && !accept_a {
                answer = false;
                break;
            }
            if !covers && accept_a && accept_b {
                answer = true;
                break;
            }
            reading.clear();
            if skip_alike {
                let (chars_a, chars_b) = (self.distinct_chars(a), self.distinct_chars(b));
                let mut stand_in_taken = false;
                reading.extend(alphabet.iter().copied().filter(|&symbol| match symbol {
                    Symbol::Char(c) if chars_a.contains(&c) || chars_b.contains(&c) => true,
                    Symbol::Var(_) => true,
                    Symbol::Char(_) | Symbol::Other => {
                        !std::mem::replace(&mut stand_in_taken, true)
                    }
                }));
            } else {
                reading.extend_from_slice(&alphabet);
            }
            for &symbol in &reading {
                let next = (self.next_state(a, symbol), self.next_state(b, symbol));
                let hopeless = next.1 == 0 || (!covers && next.0 == 0);
                if !hopeless && seen.insert(next) {
                    queue.push_back(next);
                }
            }
        }
        answer
    }

    pub fn intern(&mut self, items: Vec<Item>) -> GlobId {
        if let Some(&id) = self.glob_ids.get(items.as_slice()) {
            return id;
        }
        let mut literals: HashSet<char> = items
            .iter()
            .filter_map(|item| match item {
                Item::Lit(c) => Some(*c),
                _ => None,
            })
            .collect();
        if items.contains(&Item::SegmentStar) {
            literals.insert(':');
        }
        let id = self.globs.len() as GlobId;
        let items: Box<[Item]> = items.into();
        self.globs.push(Glob {
            prefix: pattern::literal_prefix(&items),
            suffix: pattern::literal_suffix(&items),
            literals,
            items: items.clone(),
        });
        self.glob_ids.insert(items, id);
        id
    }

    pub fn intern_set(&mut self, mut set: GlobSet) -> SetId {
        set.globs.sort_unstable();
        set.globs.dedup();
        if let Some(&id) = self.set_ids.get(&set) {
            return id;
        }
        let id = self.sets.len() as SetId;
        self.set_indexes.push(set_index::of(self, &set));
        self.sets.push(set.clone());
        self.set_ids.insert(set, id);
        id
    }

    pub fn set(&self, id: SetId) -> &GlobSet {
        &self.sets[id as usize]
    }

    /// The literal characters a pattern starts with (up to its first wildcard or variable).
    pub fn prefix(&self, id: GlobId) -> &str {
        &self.globs[id as usize].prefix
    }

    pub fn items(&self, id: GlobId) -> &[Item] {
        &self.globs[id as usize].items
    }

    pub fn note_variable(&mut self, id: u32, name: &str) {
        self.variable_names
            .entry(id)
            .or_insert_with(|| format!("${{{name}}}"));
    }

    /// Whether two patterns can match one same string, judged by their literal ends only
    /// (a necessary condition, cheap enough to ask of every pair).
    fn may_meet(&self, a: GlobId, b: GlobId) -> bool {
        let (a, b) = (&self.globs[a as usize], &self.globs[b as usize]);
        let agree_start = a.prefix.chars().zip(b.prefix.chars()).all(|(x, y)| x == y);
        let agree_end = a
            .suffix
            .chars()
            .rev()
            .zip(b.suffix.chars().rev())
            .all(|(x, y)| x == y);
        agree_start && agree_end
    }

    fn state_id(&mut self, glob: GlobId, positions: Vec<u32>) -> u32 {
        if positions.is_empty() {
            return 0;
        }
        let key = (glob, positions.into_boxed_slice());
        if let Some(&id) = self.state_ids.get(&key) {
            return id;
        }
        let id = self.states.len() as u32;
        self.state_chars.push(pattern::distinct_chars(
            &self.globs[glob as usize].items,
            &key.1,
        ));
        self.states.push(key.clone());
        self.state_ids.insert(key, id);
        id
    }

    fn start_state(&mut self, glob: GlobId) -> u32 {
        let positions = pattern::start(&self.globs[glob as usize].items);
        self.state_id(glob, positions)
    }

    fn accepting(&self, state: u32) -> bool {
        let (glob, positions) = &self.states[state as usize];
        state != 0 && pattern::accepts(&self.globs[*glob as usize].items, positions)
    }

    /// The characters state `state` steps on differently from any other character: every
    /// character not listed takes it where [`Symbol::Other`] does.
    fn distinct_chars(&self, state: u32) -> &[char] {
        &self.state_chars[state as usize]
    }

    fn next_state(&mut self, state: u32, symbol: Symbol) -> u32 {
        if state == 0 {
            return 0;
        }
        let glob = self.states[state as usize].0;
        let own = match symbol {
            Symbol::Char(c) if self.globs[glob as usize].literals.contains(&c) => Own::Char(c),
            Symbol::Var(v) => Own::Var(v),
            _ => Own::Other,
        };
        if let Some(&next) = self.transitions.get(&(state, own)) {
            return next;
        }
        let read = match own {
            Own::Char(c) => Symbol::Char(c),
            Own::Var(v) => Symbol::Var(v),
            Own::Other => Symbol::Other,
        };
        let positions = pattern::step(
            &self.globs[glob as usize].items,
            &self.states[state as usize].1,
            read,
        );
        let next = self.state_id(glob, positions);
        self.transitions.insert((state, own), next);
        next
    }

    /// The classes of `family` within `universe` (see the module documentation): every
    /// distinct set of family members that match one same string of the universe, each with
    /// the shortest such string.
    pub fn classes(&mut self, universe: SetId, family: &[SetId]) -> Result<Vec<Class>, TooComplex> {
        let question = Question::new(self, universe, family);
        question.explore(self)
    }
}

#[cfg(test)]
mod tests;
