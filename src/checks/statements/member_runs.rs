//! Which of the engine's members may match a sample resource, in a policy of many
//! statements: each member's resource patterns by their longest literal run (consecutive
//! literal characters, which every string the pattern matches holds), found in a sample
//! in one pass (Aho-Corasick). A member left out matches no request on that resource, so
//! the questions of `Analysis::unit_covered` skip it before any pattern is matched.
//!
//! Without it, a policy of thousands of statements all covered by its last one was
//! quadratic in pattern matches: each covered statement's samples were tried against
//! every other statement in turn.

use crate::access::automaton::{Globs, SetId};
use crate::access::pattern::Item;
use aho_corasick::AhoCorasick;
use foldhash::{HashMap, HashMapExt};

/// Below this many members every sample is tried on them all: building the index costs
/// more than it saves.
pub(super) const INDEXED_FROM: usize = 64;

pub(super) struct MemberRuns {
    automaton: AhoCorasick,
    /// The members with a pattern of each run.
    members_of_run: Vec<Vec<u32>>,
    /// The members that may match any sample: a `NotResource`, or a pattern without a
    /// literal character.
    always: Vec<u32>,
    count: usize,
}

impl MemberRuns {
    /// The index of the members' resource sets (`resources[m]` of member `m`), when there
    /// are enough of them.
    pub(super) fn of(globs: &Globs, resources: &[SetId]) -> Option<MemberRuns> {
        if resources.len() < INDEXED_FROM {
            return None;
        }
        let mut runs: Vec<String> = Vec::new();
        let mut run_ids: HashMap<String, usize> = HashMap::new();
        let mut members_of_run: Vec<Vec<u32>> = Vec::new();
        let mut always = Vec::new();
        for (member, &set) in resources.iter().enumerate() {
            let member = member as u32;
            let set = globs.set(set);
            let own_runs: Option<Vec<String>> = if set.negated {
                None
            } else {
                set.globs
                    .iter()
                    .map(|&glob| longest_literal_run(globs.items(glob)))
                    .collect()
            };
            let Some(own_runs) = own_runs else {
                always.push(member);
                continue;
            };
            for run in own_runs {
                let id = match run_ids.get(&run) {
                    Some(&id) => id,
                    None => {
                        runs.push(run.clone());
                        members_of_run.push(Vec::new());
                        run_ids.insert(run, runs.len() - 1);
                        runs.len() - 1
                    }
                };
                if members_of_run[id].last() != Some(&member) {
                    members_of_run[id].push(member);
                }
            }
        }
        let automaton = AhoCorasick::new(&runs).ok()?;
        Some(MemberRuns {
            automaton,
            members_of_run,
            always,
            count: resources.len(),
        })
    }

    /// The members that may match resource `sample`, as a bit set over the members.
    pub(super) fn may_match(&self, sample: &str) -> Vec<u64> {
        let mut may = vec![0u64; self.count.div_ceil(64)];
        let mut add = |m: u32| may[m as usize / 64] |= 1 << (m % 64);
        self.always.iter().copied().for_each(&mut add);
        for found in self.automaton.find_overlapping_iter(sample) {
            self.members_of_run[found.pattern().as_usize()]
                .iter()
                .copied()
                .for_each(&mut add);
        }
        may
    }
}

/// Whether bit `m` of a set from [`MemberRuns::may_match`] is set.
pub(super) fn holds(set: &[u64], m: u32) -> bool {
    set[m as usize / 64] & (1 << (m % 64)) != 0
}

/// The longest run of consecutive literal characters of a pattern, which every string it
/// matches holds; `None` for a pattern without one (it may match anything).
fn longest_literal_run(items: &[Item]) -> Option<String> {
    let mut longest: &[Item] = &[];
    for run in items.split(|item| !matches!(item, Item::Lit(_))) {
        if run.len() > longest.len() {
            longest = run;
        }
    }
    if longest.is_empty() {
        return None;
    }
    Some(
        longest
            .iter()
            .filter_map(|item| match item {
                Item::Lit(c) => Some(*c),
                _ => None,
            })
            .collect(),
    )
}
