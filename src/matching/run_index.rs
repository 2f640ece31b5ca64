//! An index of patterns by a literal run (consecutive characters without a wildcard,
//! which every string a pattern matches holds): the owners whose patterns may match a
//! sample (statements for the pre-test of `shadowed-statement` and `redundant-statement`;
//! the engine's members for their questions; the patterns of one long list, see
//! [`of_patterns`]) are found in one pass over the sample (Aho-Corasick), besides those
//! that may match anything.
//!
//! A long policy made every sample meet every statement: 25 million pattern matches at
//! 5,000 statements, each on its own resources. A long list did the same inside one
//! statement: two statements of 20,000 entries, one covering the other, took 140 s and
//! 6.7 GB.

use aho_corasick::AhoCorasick;
use foldhash::{HashMap, HashMapExt};
use std::borrow::Cow;

/// Below this many owners every sample is tried on them all: building the index costs
/// more than it saves.
pub(crate) const INDEXED_FROM: usize = 64;

pub(crate) struct RunIndex {
    /// `None` without runs.
    automaton: Option<AhoCorasick>,
    /// The owners with a pattern of each run.
    owners_of_run: Vec<Vec<u32>>,
    /// The owners of each pattern without a wildcard, by its text (in ASCII lower case
    /// when the index ignores case): such a pattern matches that text only. Searching
    /// for them as runs would cost more to build than all the rest (Aho-Corasick moves
    /// each pattern's state in a pass quadratic in the number of patterns).
    literals: HashMap<Box<str>, Vec<u32>>,
    /// The owners that may match any sample (a pattern without a literal run, a `Not`
    /// element, a policy variable).
    always: Vec<u32>,
    count: usize,
    ascii_case_insensitive: bool,
}

/// A [`RunIndex`] in the making: owners are added in order, each once.
pub(crate) struct RunIndexBuilder<'r> {
    runs: Vec<Cow<'r, str>>,
    run_ids: HashMap<Cow<'r, str>, usize>,
    owners_of_run: Vec<Vec<u32>>,
    literals: Vec<(Cow<'r, str>, u32)>,
    always: Vec<u32>,
}

impl<'r> RunIndexBuilder<'r> {
    pub(crate) fn new() -> Self {
        RunIndexBuilder {
            runs: Vec::new(),
            run_ids: HashMap::new(),
            owners_of_run: Vec::new(),
            literals: Vec::new(),
            always: Vec::new(),
        }
    }

    /// `owner` has a pattern without a wildcard, `text`.
    pub(crate) fn literal(&mut self, owner: u32, text: Cow<'r, str>) {
        self.literals.push((text, owner));
    }

    /// `owner` may match any sample.
    pub(crate) fn always(&mut self, owner: u32) {
        self.always.push(owner);
    }

    /// `owner`'s patterns, by their runs.
    pub(crate) fn runs(&mut self, owner: u32, runs: impl IntoIterator<Item = Cow<'r, str>>) {
        for run in runs {
            let id = match self.run_ids.get(&run) {
                Some(&id) => id,
                None => {
                    let id = self.runs.len();
                    self.runs.push(run.clone());
                    self.owners_of_run.push(Vec::new());
                    self.run_ids.insert(run, id);
                    id
                }
            };
            if self.owners_of_run[id].last() != Some(&owner) {
                self.owners_of_run[id].push(owner);
            }
        }
    }

    /// The index over `count` owners; runs are found in any ASCII case with
    /// `ascii_case_insensitive`. `None` if the automaton cannot be built.
    pub(crate) fn build(self, count: usize, ascii_case_insensitive: bool) -> Option<RunIndex> {
        let automaton = match self.runs.is_empty() {
            true => None,
            false => Some(
                AhoCorasick::builder()
                    .ascii_case_insensitive(ascii_case_insensitive)
                    .build(self.runs.iter().map(|run| run.as_bytes()))
                    .ok()?,
            ),
        };
        let mut literals: HashMap<Box<str>, Vec<u32>> = HashMap::new();
        for (text, owner) in self.literals {
            let key = match ascii_case_insensitive {
                true => text.to_ascii_lowercase().into(),
                false => text.into(),
            };
            let owners = literals.entry(key).or_default();
            if owners.last() != Some(&owner) {
                owners.push(owner);
            }
        }
        Some(RunIndex {
            automaton,
            literals,
            owners_of_run: self.owners_of_run,
            always: self.always,
            count,
            ascii_case_insensitive,
        })
    }
}

impl RunIndex {
    /// Whether `test` holds for an owner that may match `sample` (owners are tried in no
    /// particular order, some more than once), without building a set.
    pub(crate) fn any_owner(&self, sample: &str, mut test: impl FnMut(u32) -> bool) -> bool {
        // Unicode case folding reaches past ASCII (the Kelvin sign is a `k`): such a
        // sample is tried on every owner.
        if self.ascii_case_insensitive && !sample.is_ascii() {
            return (0..self.count as u32).any(test);
        }
        self.always.iter().any(|&owner| test(owner))
            || self.literal_owners(sample).iter().any(|&owner| test(owner))
            || self.automaton.as_ref().is_some_and(|automaton| {
                automaton.find_overlapping_iter(sample).any(|found| {
                    self.owners_of_run[found.pattern().as_usize()]
                        .iter()
                        .any(|&owner| test(owner))
                })
            })
    }

    /// The owners of a pattern without a wildcard that is `sample`.
    fn literal_owners(&self, sample: &str) -> &[u32] {
        if self.literals.is_empty() {
            return &[];
        }
        let found = match self.ascii_case_insensitive {
            true => self.literals.get(sample.to_ascii_lowercase().as_str()),
            false => self.literals.get(sample),
        };
        found.map_or(&[], Vec::as_slice)
    }

    /// The owners that may match `sample`, as a bit set over them.
    pub(crate) fn owners(&self, sample: &str) -> Vec<u64> {
        let mut may = vec![0u64; self.count.div_ceil(64)];
        let mut add = |owner: u32| may[owner as usize / 64] |= 1 << (owner % 64);
        self.always.iter().copied().for_each(&mut add);
        self.literal_owners(sample)
            .iter()
            .copied()
            .for_each(&mut add);
        for found in self
            .automaton
            .iter()
            .flat_map(|a| a.find_overlapping_iter(sample))
        {
            self.owners_of_run[found.pattern().as_usize()]
                .iter()
                .copied()
                .for_each(&mut add);
        }
        may
    }
}

/// Whether bit `owner` of a set from [`RunIndex::owners`] is set.
pub(crate) fn holds(set: &[u64], owner: u32) -> bool {
    set[owner as usize / 64] & (1 << (owner % 64)) != 0
}

/// Below this many patterns a list is searched pattern by pattern: building its index
/// costs more than it saves.
pub(crate) const LONG_LIST: usize = 32;

/// A pattern of a list, as [`of_patterns`] indexes it.
pub(crate) enum ListPattern<'r> {
    /// Without a wildcard: it matches this text only.
    Literal(Cow<'r, str>),
    /// With wildcards, between these literal runs.
    Runs(Vec<Cow<'r, str>>),
    /// It may match anything (a policy variable; no literal run).
    Anything,
}

impl<'r> ListPattern<'r> {
    /// A policy's pattern as written (`*` and `?` its wildcards).
    pub(crate) fn of_text(text: &'r str) -> Self {
        if !text.contains(['*', '?']) {
            return ListPattern::Literal(Cow::Borrowed(text));
        }
        let runs = text.split(['*', '?']).filter(|run| !run.is_empty());
        ListPattern::Runs(runs.map(Cow::Borrowed).collect())
    }
}

/// An index of a list of patterns (owner `i` is pattern `i`; found in any case with
/// `ascii_case_insensitive`, where text not in ASCII is left out, its case folding being
/// Unicode's). A pattern with wildcards is indexed by its run that the fewest patterns of
/// the list hold (the longest of those): in a list like `acs:oss:*:*:bucket-i/*` the
/// longest run, `acs:oss:`, is everyone's, and tells nothing. `None` below [`LONG_LIST`]
/// patterns, or if the automaton cannot be built.
pub(crate) fn of_patterns<'r>(
    patterns: Vec<ListPattern<'r>>,
    ascii_case_insensitive: bool,
) -> Option<RunIndex> {
    if patterns.len() < LONG_LIST {
        return None;
    }
    let indexable = |text: &str| !ascii_case_insensitive || text.is_ascii();
    let mut patterns = patterns;
    for pattern in &mut patterns {
        if let ListPattern::Runs(runs) = pattern {
            runs.retain(|run| indexable(run));
        }
    }
    let runs: Vec<&[Cow<str>]> = patterns
        .iter()
        .map(|pattern| match pattern {
            ListPattern::Runs(runs) => runs.as_slice(),
            _ => &[],
        })
        .collect();
    let chosen = least_held_runs(&runs, ascii_case_insensitive);
    drop(runs);
    let mut builder = RunIndexBuilder::new();
    let count = patterns.len();
    for ((owner, pattern), chosen) in patterns.into_iter().enumerate().zip(chosen) {
        let owner = owner as u32;
        match (pattern, chosen) {
            (ListPattern::Literal(text), _) if indexable(&text) => builder.literal(owner, text),
            (ListPattern::Runs(mut runs), Some(i)) => builder.runs(owner, [runs.swap_remove(i)]),
            _ => builder.always(owner),
        }
    }
    builder.build(count, ascii_case_insensitive)
}

/// For each pattern, given by its literal runs, which of them to index it by: the run the
/// fewest patterns hold, the longest of those (`None` for a pattern without runs). Runs
/// compare in ASCII lower case with `ascii_case_insensitive`.
pub(crate) fn least_held_runs<L, S>(
    patterns: &[L],
    ascii_case_insensitive: bool,
) -> Vec<Option<usize>>
where
    L: AsRef<[S]>,
    S: AsRef<str>,
{
    let mut holders: HashMap<Cow<str>, usize> = HashMap::new();
    for runs in patterns {
        let mut own: Vec<Cow<str>> = runs
            .as_ref()
            .iter()
            .map(|run| folded(run.as_ref(), ascii_case_insensitive))
            .collect();
        own.sort_unstable();
        own.dedup();
        for run in own {
            *holders.entry(run).or_default() += 1;
        }
    }
    patterns
        .iter()
        .map(|runs| {
            let runs = runs.as_ref();
            (0..runs.len()).min_by_key(|&i| {
                (
                    holders[&folded(runs[i].as_ref(), ascii_case_insensitive)],
                    std::cmp::Reverse(runs[i].as_ref().len()),
                )
            })
        })
        .collect()
}

/// `run` in ASCII lower case if `ascii_case_insensitive`.
fn folded(run: &str, ascii_case_insensitive: bool) -> Cow<'_, str> {
    if ascii_case_insensitive && run.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(run.to_ascii_lowercase())
    } else {
        Cow::Borrowed(run)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matching::wildcard_match;
    use crate::testing::Rng;

    /// No pattern that matches a sample is left out by the index of its list: random
    /// lists of patterns sharing most of their text, in both case rules.
    #[test]
    fn a_list_index_leaves_out_no_matching_pattern() {
        const PIECES: [&str; 13] = [
            "acs:oss:", "*", "?", ":", "b1", "B1", "/", "x", "logs", "k", "\u{212a}", "É", "é",
        ];
        let mut rng = Rng(0x11_57_1d_e8);
        let mut matched = 0;
        for round in 0..300 {
            let ignore_case = round % 2 == 0;
            let word = |rng: &mut Rng, wild: bool| -> String {
                (0..1 + rng.below(6))
                    .map(|_| rng.pick(&PIECES))
                    .filter(|piece| wild || !piece.contains(['*', '?']))
                    .collect()
            };
            let patterns: Vec<String> = (0..LONG_LIST + rng.below(40))
                .map(|_| word(&mut rng, true))
                .collect();
            let index = of_patterns(
                patterns.iter().map(|p| ListPattern::of_text(p)).collect(),
                ignore_case,
            )
            .expect("a long list is indexed");
            for _ in 0..40 {
                let sample = word(&mut rng, false);
                for (i, pattern) in patterns.iter().enumerate() {
                    if wildcard_match(pattern, &sample, ignore_case) {
                        matched += 1;
                        assert!(
                            index.any_owner(&sample, |owner| owner == i as u32),
                            "{pattern} matches {sample} (ignore case: {ignore_case})"
                        );
                    }
                }
            }
        }
        assert!(matched > 5_000, "{matched}");
    }
}
