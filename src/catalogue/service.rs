//! A service of a catalogue: its actions (by name, by prefix, by pattern), resource types and
//! condition keys.

use super::data::{self, ACTIONS, SERVICES};
use super::{
    Action, ActionList, Catalogue, ConditionKey, ResourceType, compare_ignoring_case, for_dialect,
    partition_point, range,
};
use crate::matching::wildcard_match;
use crate::model::Dialect;
use std::cmp::Ordering;

/// A service of one catalogue.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Service {
    pub(super) index: usize,
    pub(super) dialect: Dialect,
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "Service({})", self.code())
    }
}

impl Service {
    pub fn catalogue(self) -> Catalogue {
        for_dialect(self.dialect)
    }

    /// The code actions start with (`s3`, `oss`, `odps`), lower-case.
    pub fn code(self) -> &'static str {
        SERVICES.str(self.index, 0)
    }

    /// Its name (AWS), or the products whose operations make up its list (RAM); empty for
    /// a RAM code known without a list.
    pub fn name(self) -> &'static str {
        SERVICES.str(self.index, 2)
    }

    pub fn action_list(self) -> ActionList {
        ActionList::ALL[SERVICES.get(self.index, 10) as usize]
    }

    /// Whether every action of the service is listed: a name it lacks does not exist.
    pub fn is_complete(self) -> bool {
        self.action_list() == ActionList::Complete
    }

    /// Its actions, sorted by name ignoring case.
    pub fn actions(self) -> impl ExactSizeIterator<Item = Action> {
        let dialect = self.dialect;
        range(SERVICES.get(self.index, 4), SERVICES.get(self.index, 5))
            .map(move |index| Action { index, dialect })
    }

    /// Its actions whose name starts with `prefix` (ASCII, any case): a binary search of
    /// the run sorted by lower-cased name, where they are contiguous.
    pub fn actions_starting_with(self, prefix: &str) -> ActionRange {
        let all = range(SERVICES.get(self.index, 4), SERVICES.get(self.index, 5));
        let name = |offset: usize| ACTIONS.str(all.start + offset, 0);
        let starts = |offset: usize| {
            let name = name(offset).as_bytes();
            name.len() >= prefix.len()
                && name[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
        };
        let first = partition_point(0..all.len(), |i| {
            compare_ignoring_case(name(i), prefix) == Ordering::Less
        });
        let end = partition_point(first..all.len(), starts);
        ActionRange {
            start: all.start + first,
            end: all.start + end,
            dialect: self.dialect,
        }
    }

    /// Its actions `name_pattern` matches (`*` any run, `?` one character, any case), in
    /// name order. The usual shapes allocate nothing: a plain name is one probe, and
    /// `Get*` a range of the sorted actions.
    pub fn matching(self, name_pattern: &str) -> Matching {
        let Some(wildcard) = name_pattern.find(['*', '?']) else {
            return Matching::One(self.action(name_pattern));
        };
        // Every catalogue name is ASCII, so a match of an ASCII pattern begins with its
        // literal start (`Get` of `Get*`, `List` of `List*Tags`): a range of the service's
        // sorted actions, found by binary search (a list like ReadOnlyAccess's holds
        // thousands of `Get*`, `List*` and `Describe*`).
        let candidates: Box<dyn Iterator<Item = Action>> = if name_pattern.is_ascii() {
            let (start, rest) = name_pattern.split_at(wildcard);
            let range = self.actions_starting_with(start);
            if rest.bytes().all(|b| b == b'*') {
                // `Get*`: the range is the answer, without the matcher.
                return Matching::Range(range);
            }
            Box::new(range)
        } else {
            Box::new(self.actions())
        };
        let name_pattern = name_pattern.to_string();
        Matching::Other(Box::new(
            candidates.filter(move |a| wildcard_match(&name_pattern, a.name(), true)),
        ))
    }

    /// Its action `name` (any case).
    pub fn action(self, name: &str) -> Option<Action> {
        let service = self.index as u32;
        let hash = data::slot_hash(&service.to_le_bytes(), name);
        data::probe(data::ACTION_SLOTS, hash, |index| {
            ACTIONS.get(index, 2) == service && ACTIONS.str(index, 0).eq_ignore_ascii_case(name)
        })
        .map(|index| Action {
            index,
            dialect: self.dialect,
        })
    }

    pub fn resource_types(self) -> impl ExactSizeIterator<Item = ResourceType> {
        range(SERVICES.get(self.index, 6), SERVICES.get(self.index, 7))
            .map(|index| ResourceType { index })
    }

    /// The condition keys it defines (and the global ones its actions name).
    pub fn condition_keys(self) -> impl ExactSizeIterator<Item = ConditionKey> {
        range(SERVICES.get(self.index, 8), SERVICES.get(self.index, 9))
            .map(|index| ConditionKey { index })
    }

    /// Its condition key `name` names (any case, placeholders taking any tag key).
    pub fn condition_key(self, name: &str) -> Option<ConditionKey> {
        self.condition_keys().find(|key| key.matches(name))
    }
}

/// A run of one service's actions, in name order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ActionRange {
    start: usize,
    end: usize,
    dialect: Dialect,
}

impl Iterator for ActionRange {
    type Item = Action;

    fn next(&mut self) -> Option<Action> {
        (self.start < self.end).then(|| {
            self.start += 1;
            Action {
                index: self.start - 1,
                dialect: self.dialect,
            }
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let len = self.end - self.start;
        (len, Some(len))
    }
}

impl ExactSizeIterator for ActionRange {}

/// The actions a pattern matches ([`Catalogue::matching`], [`Service::matching`]).
pub enum Matching {
    /// A plain name: the action, if there is one.
    One(Option<Action>),
    /// A name that is a literal start and `*`s.
    Range(ActionRange),
    /// Any other pattern.
    Other(Box<dyn Iterator<Item = Action>>),
}

impl Iterator for Matching {
    type Item = Action;

    fn next(&mut self) -> Option<Action> {
        match self {
            Matching::One(action) => action.take(),
            Matching::Range(range) => range.next(),
            Matching::Other(actions) => actions.next(),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match self {
            Matching::One(action) => (usize::from(action.is_some()), Some(1)),
            Matching::Range(range) => range.size_hint(),
            Matching::Other(actions) => actions.size_hint(),
        }
    }
}
