//! One question of [`Globs::classes`]: the patterns it involves, and the breadth-first
//! walk of their product automaton (see the parent module).

use super::{Class, GlobId, Globs, SetId, TooComplex};
use crate::access::pattern::{Item, Symbol};
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::collections::VecDeque;

/// The patterns one question involves, and who uses them.
pub(super) struct Question {
    /// Involved patterns; the universe's come first.
    globs: Vec<GlobId>,
    universe_globs: usize,
    universe_negated: bool,
    /// For each involved pattern, the family members (non-negated) holding it.
    holders: Vec<Vec<u32>>,
    /// Negated family members, with the involved patterns each holds.
    negated_members: Vec<(u32, Vec<u32>)>,
    alphabet: Vec<Symbol>,
}

impl Question {
    pub(super) fn new(globs: &mut Globs, universe: SetId, family: &[SetId]) -> Self {
        let universe_set = globs.set(universe).clone();
        let mut involved: Vec<GlobId> = universe_set.globs.clone();
        let mut index: HashMap<GlobId, u32> = involved
            .iter()
            .enumerate()
            .map(|(i, &g)| (g, i as u32))
            .collect();
        let universe_globs = involved.len();
        let mut holders: Vec<Vec<u32>> = vec![Vec::new(); involved.len()];
        let mut negated_members = Vec::new();
        // A pattern matters if it can meet the universe: every pattern, when the universe
        // is negated (it then holds nearly everything).
        let mut relevant: HashMap<GlobId, bool> = HashMap::new();
        for (member, &set_id) in family.iter().enumerate() {
            let set = globs.set(set_id).clone();
            let mut held = Vec::new();
            for &glob in &set.globs {
                let meets = *relevant.entry(glob).or_insert_with(|| {
                    universe_set.negated
                        || universe_set.globs.iter().any(|&u| globs.may_meet(u, glob))
                });
                if !meets {
                    continue;
                }
                let at = *index.entry(glob).or_insert_with(|| {
                    involved.push(glob);
                    holders.push(Vec::new());
                    (involved.len() - 1) as u32
                });
                held.push(at);
                if !set.negated {
                    holders[at as usize].push(member as u32);
                }
            }
            if set.negated {
                negated_members.push((member as u32, held));
            }
        }
        let mut chars: Vec<char> = involved
            .iter()
            .flat_map(|&g| globs.globs[g as usize].literals.iter().copied())
            .collect();
        chars.sort_unstable();
        chars.dedup();
        let mut variables: Vec<u32> = involved
            .iter()
            .flat_map(|&g| globs.globs[g as usize].items.iter())
            .filter_map(|item| match item {
                Item::Var(v) => Some(*v),
                _ => None,
            })
            .collect();
        variables.sort_unstable();
        variables.dedup();
        let alphabet = chars
            .into_iter()
            .map(Symbol::Char)
            .chain(variables.into_iter().map(Symbol::Var))
            .chain([Symbol::Other])
            .collect();
        Question {
            globs: involved,
            universe_globs,
            universe_negated: universe_set.negated,
            holders,
            negated_members,
            alphabet,
        }
    }

    pub(super) fn explore(&self, globs: &mut Globs) -> Result<Vec<Class>, TooComplex> {
        self.walk(globs, true)
    }

    /// The walk of [`Question::explore`]; `skip_alike` false reads every symbol of the
    /// alphabet from every state (what the tests compare the walk with).
    pub(super) fn walk(
        &self,
        globs: &mut Globs,
        skip_alike: bool,
    ) -> Result<Vec<Class>, TooComplex> {
        // A product state: (involved pattern, its state) for the patterns still alive.
        type Product = Box<[(u32, u32)]>;
        let start: Product = self
            .globs
            .iter()
            .enumerate()
            .map(|(i, &g)| (i as u32, globs.start_state(g)))
            .filter(|&(_, state)| state != 0)
            .collect();
        let mut seen: HashMap<Product, u32> = HashMap::new();
        // For each product state: how it was reached (previous state, symbol).
        let mut parents: Vec<Option<(u32, Symbol)>> = vec![None];
        let mut queue: VecDeque<(u32, Product)> = VecDeque::new();
        seen.insert(start.clone(), 0);
        queue.push_back((0, start));
        let mut classes = Vec::new();
        let mut accepted_seen: HashSet<Vec<u32>> = HashSet::new();
        let mut work = 0usize;
        let limits = globs.limits();
        let (mut distinct, mut reading, mut next) = (Vec::new(), Vec::new(), Vec::new());
        while let Some((id, state)) = queue.pop_front() {
            let universe_alive = state
                .iter()
                .any(|&(i, _)| (i as usize) < self.universe_globs);
            if !self.universe_negated && !universe_alive {
                continue;
            }
            let accepted: Vec<u32> = state
                .iter()
                .filter(|&&(_, s)| globs.accepting(s))
                .map(|&(i, _)| i)
                .collect();
            let in_universe = accepted.iter().any(|&i| (i as usize) < self.universe_globs)
                != self.universe_negated;
            if in_universe && accepted_seen.insert(accepted.clone()) {
                classes.push(Class {
                    members: self.members_matching(&accepted),
                    witness: witness(globs, &parents, id, &self.alphabet),
                });
            }
            // Counted as if every symbol were read: the bound does not depend on which
            // symbols the walk can skip.
            work += state.len() * self.alphabet.len();
            if work > limits.work {
                return Err(TooComplex);
            }
            if skip_alike {
                self.symbols_to_read(globs, &state, &mut distinct, &mut reading);
            } else {
                reading.clone_from(&self.alphabet);
            }
            for &symbol in &reading {
                next.clear();
                next.extend(
                    state
                        .iter()
                        .map(|&(i, s)| (i, globs.next_state(s, symbol)))
                        .filter(|&(_, s)| s != 0),
                );
                if seen.contains_key(next.as_slice()) {
                    continue;
                }
                let next_id = parents.len() as u32;
                if parents.len() >= limits.states {
                    return Err(TooComplex);
                }
                parents.push(Some((id, symbol)));
                let next: Product = next.as_slice().into();
                seen.insert(next.clone(), next_id);
                queue.push_back((next_id, next));
            }
        }
        // Distinct accepted sets can still give the same members.
        let mut unique: HashSet<Vec<u32>> = HashSet::new();
        classes.retain(|class| unique.insert(class.members.clone()));
        Ok(classes)
    }

    /// The symbols of the alphabet worth reading from product state `state`, in the
    /// alphabet's order: the characters some of its patterns step on differently from
    /// any other character, every variable, and the first of the remaining characters
    /// (or `Other` when none remains). Each character left out steps every pattern as
    /// that first one does, into a product state it has just discovered, so reading it
    /// would find nothing new: the walk, its witnesses and its classes are those of
    /// reading the whole alphabet.
    fn symbols_to_read(
        &self,
        globs: &Globs,
        state: &[(u32, u32)],
        distinct: &mut Vec<char>,
        reading: &mut Vec<Symbol>,
    ) {
        distinct.clear();
        for &(_, s) in state {
            distinct.extend_from_slice(globs.distinct_chars(s));
        }
        distinct.sort_unstable();
        distinct.dedup();
        reading.clear();
        let mut stand_in_taken = false;
        for &symbol in &self.alphabet {
            let read = match symbol {
                Symbol::Char(c) if distinct.binary_search(&c).is_ok() => true,
                Symbol::Var(_) => true,
                Symbol::Char(_) | Symbol::Other => !std::mem::replace(&mut stand_in_taken, true),
            };
            if read {
                reading.push(symbol);
            }
        }
    }

    /// The family members that match a string which the involved patterns `accepted`
    /// (indices, sorted) match.
    fn members_matching(&self, accepted: &[u32]) -> Vec<u32> {
        let mut members: Vec<u32> = accepted
            .iter()
            .flat_map(|&i| self.holders[i as usize].iter().copied())
            .collect();
        members.extend(
            self.negated_members
                .iter()
                .filter(|(_, held)| !held.iter().any(|g| accepted.binary_search(g).is_ok()))
                .map(|&(member, _)| member),
        );
        members.sort_unstable();
        members.dedup();
        members
    }
}

/// The string that led to product state `id`, with "any other character" written as a
/// character no pattern of the question names.
fn witness(
    globs: &Globs,
    parents: &[Option<(u32, Symbol)>],
    mut id: u32,
    alphabet: &[Symbol],
) -> String {
    let mut symbols = Vec::new();
    while let Some((parent, symbol)) = parents[id as usize] {
        symbols.push(symbol);
        id = parent;
    }
    symbols.reverse();
    let mut other = None;
    let mut out = String::new();
    for symbol in symbols {
        match symbol {
            Symbol::Char(c) => out.push(c),
            Symbol::Var(v) => match globs.variable_names.get(&v) {
                Some(name) => out.push_str(name),
                None => out.push_str("${?}"),
            },
            Symbol::Other => out.push(*other.get_or_insert_with(|| other_character(alphabet))),
        }
    }
    out
}

/// A character that stands for "any other": readable, and named by no pattern of the
/// question (they all treat such characters alike, so any one will do).
fn other_character(alphabet: &[Symbol]) -> char {
    "xyzqwkjv0123456789"
        .chars()
        .chain(('a'..='z').chain('A'..='Z'))
        .chain((0xE000..0xF8FF).filter_map(char::from_u32))
        .find(|c| !alphabet.contains(&Symbol::Char(*c)))
        .unwrap_or('\u{E000}')
}
