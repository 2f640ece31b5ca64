//! A [`Space`] kept by each thread from one policy's lint to the next.
//!
//! The rules run on every file (PL503, PL504, the guardrails) build the automata of each
//! policy's patterns and ask questions about them. Policies of one project repeat the same
//! patterns (`oss:GetObject`, `acs:oss:*:*:bucket/*`), so the patterns, their automata
//! states, the pair answers and the classes of each question are kept for the next policy
//! of the same thread instead of being built again. Every answer depends only on the
//! patterns asked about (interned by content), never on what was asked before, so a warm
//! space answers exactly as a fresh one; the bounds of a question (`LINT`) count its own
//! steps, cached or not. Condition atoms are per policy and are forgotten each time.
//! Past [`MAX_FOOTPRINT`] entries or [`MAX_QUESTIONS`] questions the space is dropped and
//! started afresh, so memory stays bounded whatever the number of files.

use super::automaton::{LINT, Limits};
use super::explore::{ClassMemo, Space};
use std::cell::RefCell;

/// Entries (patterns, sets, states, transitions, pair answers) past which a thread starts
/// a new space: tens of bytes each.
const MAX_FOOTPRINT: usize = 100_000;
/// Questions whose classes are kept, past which the thread starts afresh: an answer holds
/// a witness and a member list per class, so they are bounded more tightly.
const MAX_QUESTIONS: usize = 5_000;

thread_local! {
    static WARM: RefCell<Option<(Space, ClassMemo)>> = const { RefCell::new(None) };
}

/// The thread's space for questions under `limits` (with no atoms) and its class memo,
/// or fresh ones. Give them back with [`give_back`] when done.
pub fn take(limits: Limits) -> (Space, ClassMemo) {
    let kept = if limits == LINT {
        WARM.with_borrow_mut(Option::take)
    } else {
        None
    };
    match kept {
        Some((mut space, memo)) => {
            space.forget_atoms();
            (space, memo)
        }
        None => {
            let mut space = Space::default();
            space.actions.set_limits(limits);
            space.resources.set_limits(limits);
            (space, ClassMemo::default())
        }
    }
}

/// Keeps a space (of `LINT` limits) for the thread's next policy, unless it grew too big.
pub fn give_back(space: Space, memo: ClassMemo) {
    if space.actions.limits() != LINT
        || space.footprint() > MAX_FOOTPRINT
        || memo.len() > MAX_QUESTIONS
    {
        return;
    }
    WARM.with_borrow_mut(|kept| *kept = Some((space, memo)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Dialect;

    /// A space is kept for the thread's next policy, atoms forgotten, until it grows past
    /// the bound; then the next policy starts from nothing.
    #[test]
    fn a_space_is_kept_until_it_grows_too_big() {
        let (mut space, memo) = take(LINT);
        space.resource_glob("acs:oss:*:*:kept/*", Dialect::Ram);
        let kept = space.footprint();
        assert!(kept > 0);
        give_back(space, memo);
        let (mut space, memo) = take(LINT);
        assert_eq!(space.footprint(), kept);
        for i in 0..=MAX_FOOTPRINT {
            space.resource_glob(&format!("acs:oss:*:*:bucket-{i}/*"), Dialect::Ram);
        }
        give_back(space, memo);
        let (space, _) = take(LINT);
        assert_eq!(space.footprint(), Space::default().footprint());
    }
}
