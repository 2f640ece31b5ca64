//! Which of a policy's other statements accept a sample action or resource (the pre-test
//! of `shadowed-statement` and `redundant-statement`), as bit sets over them, remembered by
//! sample: the statements of one policy repeat their actions and resources.
//!
//! A policy of thousands of statements, each on its own resources, made every sample meet
//! every statement: 25 million pattern matches at 5,000 statements. So in a long policy
//! each pattern is indexed by its longest literal run (the text between its wildcards,
//! which every string it matches contains), and a sample meets only the statements whose
//! runs it contains, found in one pass over it (Aho-Corasick), besides those that may
//! accept it whatever it is (a `Not` element, a pattern of wildcards only, a policy
//! variable). The answer is then the same test, on fewer statements.

use crate::matching::run_index::{self, INDEXED_FROM, ListPattern, RunIndex, RunIndexBuilder};
use crate::matching::{has_segment_star, holds_dollar_brace, trim, wildcard_match};
use crate::model::{Dialect, Statement, Values};
use foldhash::{HashMap, HashMapExt};
use std::borrow::Cow;
use std::cell::{Cell, OnceCell};
use std::rc::Rc;

mod prefixes;

use prefixes::{PREFIXED_FROM, Prefixes};

pub(super) struct Acceptance<'s, 'p> {
    others: &'s [&'s Statement<'p>],
    dialect: Dialect,
    actions: HashMap<Cow<'p, str>, StatementSet>,
    resources: HashMap<Cow<'p, str>, StatementSet>,
    /// Each side's judges and index, made when the first sample of the side is asked about.
    action_side: Option<Judging<'p>>,
    resource_side: Option<Judging<'p>>,
}

/// Some of the other statements, as bits over them: one word for the policies of at most
/// 64 statements (nearly all, and then no allocation per sample), shared words past that.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) enum StatementSet {
    Word(u64),
    Words(Rc<[u64]>),
}

impl StatementSet {
    pub(super) fn words(&self) -> &[u64] {
        match self {
            StatementSet::Word(word) => std::slice::from_ref(word),
            StatementSet::Words(words) => words,
        }
    }
}

/// How the other statements decide on the samples of one side.
struct Judging<'p> {
    /// One per other statement.
    judges: Vec<Judge<'p>>,
    index: Option<SideIndex<'p>>,
}

impl<'p> Judging<'p> {
    fn of(others: &[&Statement<'p>], side: Side, dialect: Dialect) -> Self {
        let judges: Vec<Judge<'p>> = others
            .iter()
            .map(|other| Judge::of(other, side, dialect))
            .collect();
        let index = SideIndex::of(&judges, side);
        Judging { judges, index }
    }
}

/// One statement's element of one side, read once for every sample: what
/// `accepts_action` and `accepts_resource` decide, without trimming and classifying its
/// patterns again for each sample.
enum Judge<'p> {
    /// Accepts no sample (the element is missing, or written with its `Not` form too).
    Never,
    /// Accepts every sample (a Resource left out).
    Always,
    /// Accepts a sample one of the patterns matches, or (`negated`, a `Not` element) one
    /// none of them matches.
    Patterns {
        negated: bool,
        patterns: Vec<Prepared<'p>>,
        /// In a long list, the patterns by a literal run: a sample is tried on those whose
        /// run it holds (two statements of 20,000 entries made 400 million matches).
        index: LazyIndex,
    },
}

/// The run index of a long list, built once the judge has been asked about
/// [`SCANS_BEFORE_INDEX`] samples: until then each sample is tried on every pattern. A
/// long list is most often judged on the few samples of a short statement beside it
/// (`ReadOnlyAccess`-style policies), for which building the index cost more than all
/// the scans; past that many samples the index pays, and the scans so far cost at most
/// that many passes over the list.
struct LazyIndex {
    /// Whether the list is long enough to be indexed at all.
    long: bool,
    asked: Cell<u32>,
    built: OnceCell<Option<RunIndex>>,
}

/// See [`LazyIndex`].
const SCANS_BEFORE_INDEX: u32 = 16;

impl LazyIndex {
    fn of(patterns: &[Prepared]) -> Self {
        LazyIndex {
            long: patterns.len() >= run_index::LONG_LIST && !super::shortcuts_off(),
            asked: Cell::new(0),
            built: OnceCell::new(),
        }
    }

    /// The index, if the list is long and has been asked about enough samples.
    fn get(&self, patterns: &[Prepared], side: Side) -> Option<&RunIndex> {
        if !self.long {
            return None;
        }
        if self.built.get().is_none() {
            let asked = self.asked.get() + 1;
            self.asked.set(asked);
            if asked <= SCANS_BEFORE_INDEX {
                return None;
            }
        }
        self.built
            .get_or_init(|| {
                let runs = patterns.iter().map(|pattern| match pattern.variable {
                    true => ListPattern::Anything,
                    false => ListPattern::of_text(pattern.text),
                });
                run_index::of_patterns(runs.collect(), side == Side::Action)
            })
            .as_ref()
    }
}

/// A pattern, trimmed, with what decides how it is matched.
///
/// A judge may accept a sample the engine's statement does not match (the engine then
/// looks closer), never the reverse: a sample no statement accepts is one the engine finds
/// no statement matching. So a pattern `wildcard_match` may read to match more than the
/// engine does (an AWS `*` confined to its ARN segment) counts as matching in an element,
/// but not in a `Not` element, where only a match the engine makes too excludes a sample.
struct Prepared<'p> {
    text: &'p str,
    /// ASCII without wildcards: it matches an ASCII sample of the same letters only.
    plain_ascii: bool,
    /// ASCII: an action matched in any case folds its letters one by one, as the engine's
    /// lower-casing does (not so for text like a final `Σ`).
    ascii: bool,
    /// A Resource with a policy variable: it may match anything.
    variable: bool,
    /// `wildcard_match` reads it as the engine does: no policy variable, no AWS segment
    /// `*` (which it reads as any run, `:` included).
    exact: bool,
}

impl<'p> Judge<'p> {
    fn of(statement: &Statement<'p>, side: Side, dialect: Dialect) -> Self {
        let prepare = |values: &Values<'p>| -> Vec<Prepared<'p>> {
            values
                .texts()
                .map(|text| {
                    let text = trim(text);
                    let bytes = text.as_bytes();
                    let ascii = text.is_ascii();
                    // `memchr` first: nearly every pattern holds no `$`, and a `*` if any
                    // only at its end.
                    let variable = side == Side::Resource && holds_dollar_brace(text);
                    let segment_star =
                        side == Side::Resource && dialect == Dialect::Aws && has_segment_star(text);
                    Prepared {
                        text,
                        plain_ascii: ascii && memchr::memchr2(b'*', b'?', bytes).is_none(),
                        ascii,
                        variable,
                        exact: !variable && !segment_star,
                    }
                })
                .collect()
        };
        let (element, not_element) = match side {
            Side::Action => (&statement.action, &statement.not_action),
            Side::Resource => (&statement.resource, &statement.not_resource),
        };
        let patterns = |negated: bool, values: &Values<'p>| {
            let patterns = prepare(values);
            let index = LazyIndex::of(&patterns);
            Judge::Patterns {
                negated,
                patterns,
                index,
            }
        };
        match (element, not_element) {
            (Some(values), None) => patterns(false, values),
            (None, Some(values)) => patterns(true, values),
            (None, None) if side == Side::Resource => Judge::Always,
            _ => Judge::Never,
        }
    }

    /// Whether it accepts `sample` (trimmed; `ascii` whether it is ASCII). Actions match
    /// in any case, resources exactly.
    fn accepts(&self, sample: &str, ascii: bool, side: Side) -> bool {
        let ignore_case = side == Side::Action;
        let matches = |pattern: &Prepared| {
            if pattern.plain_ascii && ascii {
                if ignore_case {
                    pattern.text.eq_ignore_ascii_case(sample)
                } else {
                    pattern.text == sample
                }
            } else if ignore_case && !(ascii && pattern.ascii) {
                // The engine lower-cases whole strings (`str::to_lowercase`), which is not
                // always folding letter by letter.
                wildcard_match(&pattern.text.to_lowercase(), &sample.to_lowercase(), false)
            } else {
                wildcard_match(pattern.text, sample, ignore_case)
            }
        };
        let (negated, patterns, index) = match self {
            Judge::Never => return false,
            Judge::Always => return true,
            Judge::Patterns {
                negated,
                patterns,
                index,
            } => (*negated, patterns, index),
        };
        let any = |test: &dyn Fn(&Prepared) -> bool| match index.get(patterns, side) {
            Some(index) => index.any_owner(sample, |i| test(&patterns[i as usize])),
            None => patterns.iter().any(test),
        };
        if negated {
            !any(&|p| p.exact && matches(p))
        } else {
            any(&|p| p.variable || matches(p))
        }
    }
}

/// The two sides a sample is of.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Action,
    Resource,
}

// Samples are passed as `&Cow` so that remembering one borrowed from the policy copies
// nothing (clippy's `ptr_arg` would have them `&str`).
#[allow(clippy::ptr_arg)]
impl<'s, 'p> Acceptance<'s, 'p> {
    pub(super) fn new(others: &'s [&'s Statement<'p>], dialect: Dialect) -> Self {
        Acceptance {
            others,
            dialect,
            actions: HashMap::new(),
            resources: HashMap::new(),
            action_side: None,
            resource_side: None,
        }
    }

    pub(super) fn of_action(&mut self, action: &Cow<'p, str>) -> StatementSet {
        let (others, dialect) = (self.others, self.dialect);
        let judging = self
            .action_side
            .get_or_insert_with(|| Judging::of(others, Side::Action, dialect));
        remembered(&mut self.actions, action, others.len(), || {
            judging.accepting(action, Side::Action)
        })
    }

    pub(super) fn of_resource(&mut self, resource: &Cow<'p, str>) -> StatementSet {
        let (others, dialect) = (self.others, self.dialect);
        let judging = self
            .resource_side
            .get_or_insert_with(|| Judging::of(others, Side::Resource, dialect));
        remembered(&mut self.resources, resource, others.len(), || {
            judging.accepting(resource, Side::Resource)
        })
    }
}

impl Judging<'_> {
    fn accepting(&self, sample: &str, side: Side) -> StatementSet {
        let trimmed = trim(sample);
        let ascii = trimmed.is_ascii();
        accepting(self.judges.len(), self.index.as_ref(), sample, |i| {
            self.judges[i].accepts(trimmed, ascii, side)
        })
    }
}

/// Below this many statements a sample is judged again rather than remembered: asking
/// a few judges costs less than hashing the sample (and copying it when it is made up).
const REMEMBERED_FROM: usize = 8;

#[allow(clippy::ptr_arg)]
fn remembered<'p>(
    memo: &mut HashMap<Cow<'p, str>, StatementSet>,
    sample: &Cow<'p, str>,
    judges: usize,
    compute: impl FnOnce() -> StatementSet,
) -> StatementSet {
    if judges < REMEMBERED_FROM {
        return compute();
    }
    if let Some(bits) = memo.get(&**sample) {
        return bits.clone();
    }
    let bits = compute();
    memo.insert(sample.clone(), bits.clone());
    bits
}

/// The statements of `others` that accept `sample`, as a bit set: those the index leaves
/// for it, or all of them without one.
fn accepting(
    count: usize,
    index: Option<&SideIndex>,
    sample: &str,
    accepts: impl Fn(usize) -> bool,
) -> StatementSet {
    // Nearly every policy has at most 64 statements: one word.
    if count <= 64 {
        let may = match index.and_then(|index| index.may_accept(sample)) {
            Some(May::Word(may)) => may,
            Some(May::Words(may)) => may.first().copied().unwrap_or_default(),
            None => u64::MAX >> (64 - count.max(1)),
        };
        let (mut bits, mut set) = (may, 0u64);
        while bits != 0 {
            let i = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            if i < count && accepts(i) {
                set |= 1 << i;
            }
        }
        return StatementSet::Word(set);
    }
    let mut set = vec![0u64; count.div_ceil(64)];
    match index.and_then(|index| index.may_accept(sample)) {
        Some(may) => {
            for (word, bits) in may.words().iter().enumerate() {
                let mut bits = *bits;
                while bits != 0 {
                    let i = word * 64 + bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    if accepts(i) {
                        set[i / 64] |= 1 << (i % 64);
                    }
                }
            }
        }
        None => {
            for i in 0..count {
                if accepts(i) {
                    set[i / 64] |= 1 << (i % 64);
                }
            }
        }
    }
    StatementSet::Words(set.into())
}

/// The other statements' patterns of one side, by what a sample must start with or
/// hold for them to accept it.
enum SideIndex<'p> {
    /// A dozen statements or more: by prefix.
    Prefixes(Prefixes<'p>),
    /// Many statements: by literal run.
    Runs { side: Side, runs: RunIndex },
}

impl<'p> SideIndex<'p> {
    /// The index of the judges' patterns of `side`, when there are enough of them.
    fn of(judges: &[Judge<'p>], side: Side) -> Option<SideIndex<'p>> {
        if judges.len() < PREFIXED_FROM || super::shortcuts_off() {
            return None;
        }
        if judges.len() < INDEXED_FROM {
            return Prefixes::of(judges, side).map(SideIndex::Prefixes);
        }
        let mut builder = RunIndexBuilder::new();
        for (i, judge) in judges.iter().enumerate() {
            let i = i as u32;
            let patterns = match judge {
                Judge::Never => continue,
                // A `Not` element may accept a sample none of its patterns matches.
                Judge::Always | Judge::Patterns { negated: true, .. } => {
                    builder.always(i);
                    continue;
                }
                Judge::Patterns {
                    negated: false,
                    patterns,
                    ..
                } => patterns,
            };
            let own_runs: Option<Vec<&str>> = patterns
                .iter()
                .map(|pattern| literal_run(pattern.text, side))
                .collect();
            match own_runs {
                Some(runs) => builder.runs(i, runs.into_iter().map(Cow::Borrowed)),
                None => builder.always(i),
            }
        }
        let runs = builder.build(judges.len(), side == Side::Action)?;
        Some(SideIndex::Runs { side, runs })
    }

    /// The statements that may accept `sample`, as a bit set over them; `None` when the
    /// index cannot tell (an action not in ASCII, whose case folding reaches past it).
    fn may_accept(&self, sample: &str) -> Option<May> {
        let sample = trim(sample);
        match self {
            SideIndex::Prefixes(prefixes) => prefixes.may_accept(sample).map(May::Word),
            SideIndex::Runs { side, .. } if *side == Side::Action && !sample.is_ascii() => None,
            SideIndex::Runs { runs, .. } => Some(May::Words(runs.owners(sample))),
        }
    }
}

/// The statements that may accept a sample, as a bit set.
enum May {
    /// Of at most 64 statements.
    Word(u64),
    Words(Vec<u64>),
}

impl May {
    fn words(&self) -> &[u64] {
        match self {
            May::Word(word) => std::slice::from_ref(word),
            May::Words(words) => words,
        }
    }
}

/// The longest run of `pattern` without a wildcard, which every string it matches holds;
/// `None` when the pattern has no such run that the index can look for: only wildcards,
/// a policy variable (a Resource may match anything then), or for an action, text not in
/// ASCII (its case folding is Unicode's).
fn literal_run(pattern: &str, side: Side) -> Option<&str> {
    if side == Side::Resource && holds_dollar_brace(pattern) {
        return None;
    }
    let run = pattern
        .split(['*', '?'])
        .max_by_key(|run| run.len())
        .filter(|run| !run.is_empty())?;
    (side == Side::Resource || run.is_ascii()).then_some(run)
}

#[cfg(test)]
mod tests;
