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
use crate::access::pattern::{self, Item};
use crate::matching::run_index::{INDEXED_FROM, RunIndex, RunIndexBuilder};
use std::borrow::Cow;

/// The index of the members' resource sets (`resources[m]` of member `m`), when there are
/// enough of them. A member whose set is negated, or has a pattern without a literal
/// character, may match any sample.
pub(super) fn member_runs(globs: &Globs, resources: &[SetId]) -> Option<RunIndex> {
    if resources.len() < INDEXED_FROM {
        return None;
    }
    let mut builder = RunIndexBuilder::new();
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
        match own_runs {
            Some(runs) => builder.runs(member, runs.into_iter().map(Cow::Owned)),
            None => builder.always(member),
        }
    }
    builder.build(resources.len(), false)
}

/// The longest run of consecutive literal characters of a pattern (the first of the
/// longest), which every string it matches holds; `None` for a pattern without one (it may
/// match anything).
fn longest_literal_run(items: &[Item]) -> Option<String> {
    pattern::literal_runs(items).reduce(|longest, run| {
        match run.chars().count() > longest.chars().count() {
            true => run,
            false => longest,
        }
    })
}
