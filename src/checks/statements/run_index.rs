//! An index of patterns by their longest literal run (consecutive characters without a
//! wildcard, which every string a pattern matches holds): the owners whose patterns may
//! match a sample (statements for the pre-test, `acceptance`; the engine's members for
//! its questions, `member_runs`) are found in one pass over the sample (Aho-Corasick),
//! besides those that may match anything.
//!
//! A long policy made every sample meet every statement: 25 million pattern matches at
//! 5,000 statements, each on its own resources.

use aho_corasick::AhoCorasick;
use foldhash::{HashMap, HashMapExt};
use std::borrow::Cow;

/// Below this many owners every sample is tried on them all: building the index costs
/// more than it saves.
pub(super) const INDEXED_FROM: usize = 64;

pub(super) struct RunIndex {
    automaton: AhoCorasick,
    /// The owners with a pattern of each run.
    owners_of_run: Vec<Vec<u32>>,
    /// The owners that may match any sample (a pattern without a literal run, a `Not`
    /// element, a policy variable).
    always: Vec<u32>,
    count: usize,
}

/// A [`RunIndex`] in the making: owners are added in order, each once.
pub(super) struct RunIndexBuilder<'r> {
    runs: Vec<Cow<'r, str>>,
    run_ids: HashMap<Cow<'r, str>, usize>,
    owners_of_run: Vec<Vec<u32>>,
    always: Vec<u32>,
}

impl<'r> RunIndexBuilder<'r> {
    pub(super) fn new() -> Self {
        RunIndexBuilder {
            runs: Vec::new(),
            run_ids: HashMap::new(),
            owners_of_run: Vec::new(),
            always: Vec::new(),
        }
    }

    /// `owner` may match any sample.
    pub(super) fn always(&mut self, owner: u32) {
        self.always.push(owner);
    }

    /// `owner`'s patterns, by their runs.
    pub(super) fn runs(&mut self, owner: u32, runs: impl IntoIterator<Item = Cow<'r, str>>) {
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
    pub(super) fn build(self, count: usize, ascii_case_insensitive: bool) -> Option<RunIndex> {
        let automaton = AhoCorasick::builder()
            .ascii_case_insensitive(ascii_case_insensitive)
            .build(self.runs.iter().map(|run| run.as_bytes()))
            .ok()?;
        Some(RunIndex {
            automaton,
            owners_of_run: self.owners_of_run,
            always: self.always,
            count,
        })
    }
}

impl RunIndex {
    /// The owners that may match `sample`, as a bit set over them.
    pub(super) fn owners(&self, sample: &str) -> Vec<u64> {
        let mut may = vec![0u64; self.count.div_ceil(64)];
        let mut add = |owner: u32| may[owner as usize / 64] |= 1 << (owner % 64);
        self.always.iter().copied().for_each(&mut add);
        for found in self.automaton.find_overlapping_iter(sample) {
            self.owners_of_run[found.pattern().as_usize()]
                .iter()
                .copied()
                .for_each(&mut add);
        }
        may
    }
}

/// Whether bit `owner` of a set from [`RunIndex::owners`] is set.
pub(super) fn holds(set: &[u64], owner: u32) -> bool {
    set[owner as usize / 64] & (1 << (owner % 64)) != 0
}
