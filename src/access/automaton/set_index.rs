//! Long pattern sets, indexed: a set of many patterns (a statement listing thousands of
//! actions or resources) answers `set_matches`, `set_covers` and `sets_meet` by trying
//! only the patterns whose literal run (see `matching::run_index`) the string in question
//! holds. Each answer is the one of trying every pattern: a pattern that matches a string
//! holds each of its literal runs; one that covers a pattern matches each string of it,
//! [`sample`] among them; and a literal meets exactly the patterns that match it.
//!
//! Without it, each unit of a long statement was compared with every pattern of every
//! other: two statements of 20,000 entries, one covering the other, took 140 s and 6.7 GB
//! (the answers of 400 million pattern pairs, remembered).

use super::super::pattern::{Item, literal_runs, literal_text};
use super::{GlobSet, Globs};
use crate::matching::run_index::{self, ListPattern, RunIndex};
use std::borrow::Cow;

/// The index of a set's patterns (`None` for a short set).
pub(super) fn of(globs: &Globs, set: &GlobSet) -> Option<RunIndex> {
    if set.globs.len() < run_index::LONG_LIST {
        return None;
    }
    let runs = set
        .globs
        .iter()
        .map(|&glob| globs.items(glob))
        .map(|items| match literal_text(items) {
            Some(text) => ListPattern::Literal(Cow::Owned(text)),
            None => ListPattern::Runs(literal_runs(items).map(Cow::Owned).collect()),
        })
        .collect();
    // Actions are lower-cased when compiled, and the strings asked about with them.
    run_index::of_patterns(runs, false)
}

/// One string the pattern matches: each `*` read as nothing, each `?` as `x`. `None` for
/// a pattern with a policy variable (which no string of characters spells).
pub(super) fn sample(items: &[Item]) -> Option<String> {
    let mut text = String::with_capacity(items.len());
    for item in items {
        match item {
            Item::Lit(c) => text.push(*c),
            Item::One => text.push('x'),
            Item::Star | Item::SegmentStar => {}
            Item::Var(_) => return None,
        }
    }
    Some(text)
}
