//! Which members of an analysis can possibly match a request of a region, found without
//! the automata: by the literal prefixes of their action patterns.
//!
//! Two patterns can match one same string only if their literal prefixes agree (one is a
//! prefix of the other): every string either matches starts with its prefix. So a member
//! none of whose action patterns has a prefix agreeing with one of the region's cannot
//! match any of its requests, and questions about the region can leave it out. Actions
//! are lower-cased before they are compiled, so the prefixes compare as they are. A
//! member whose actions are a `Not` form, and a region that is one, may meet anything.
//! This keeps `diff` from asking every unit of one side about every statement of the
//! other: a unit meets the statements of its service (and of `*`), not all of them.

use super::automaton::{GlobId, Globs, SetId};
use super::explore::Member;
use super::pattern;
use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;

pub struct ActionIndex {
    /// In an analysis of few members, each member's action patterns, searched in turn:
    /// cheaper than building and walking the prefix tree.
    few: Option<Vec<(GlobId, u32)>>,
    /// Members holding an action pattern of this literal prefix, ascending.
    by_prefix: BTreeMap<String, Vec<u32>>,
    /// Members whose action element is a `Not` form.
    negated: Vec<u32>,
    members: usize,
    /// The prefixes of each action set a question was asked about, each with whether it
    /// is its whole pattern (a literal).
    set_prefixes: HashMap<SetId, Vec<(String, bool)>>,
}

/// Up to this many members, holding up to [`FEW_PATTERNS`] action patterns in all, the
/// index is a list.
const FEW: usize = 64;
const FEW_PATTERNS: usize = 256;

impl ActionIndex {
    pub fn new(globs: &Globs, members: &[Member]) -> Self {
        // Two statements of thousands of actions each are few members, but a list of them
        // made every unit meet every pattern.
        let patterns: usize = members
            .iter()
            .map(|member| globs.set(member.actions).globs.len())
            .sum();
        Self::build(
            globs,
            members,
            members.len() <= FEW && patterns <= FEW_PATTERNS,
        )
    }

    /// The index as a list of patterns (`as_list`) or as a prefix tree.
    fn build(globs: &Globs, members: &[Member], as_list: bool) -> Self {
        if as_list {
            let mut few = Vec::new();
            let mut negated = Vec::new();
            for (m, member) in members.iter().enumerate() {
                let set = globs.set(member.actions);
                if set.negated {
                    negated.push(m as u32);
                } else {
                    few.extend(set.globs.iter().map(|&glob| (glob, m as u32)));
                }
            }
            return ActionIndex {
                few: Some(few),
                by_prefix: BTreeMap::new(),
                negated,
                members: members.len(),
                set_prefixes: HashMap::new(),
            };
        }
        let mut by_prefix: BTreeMap<String, Vec<u32>> = BTreeMap::new();
        let mut negated = Vec::new();
        for (m, member) in members.iter().enumerate() {
            let set = globs.set(member.actions);
            if set.negated {
                negated.push(m as u32);
                continue;
            }
            for &glob in &set.globs {
                let prefix = pattern::literal_prefix(globs.items(glob));
                let list = by_prefix.entry(prefix).or_default();
                if list.last() != Some(&(m as u32)) {
                    list.push(m as u32);
                }
            }
        }
        ActionIndex {
            few: None,
            by_prefix,
            negated,
            members: members.len(),
            set_prefixes: HashMap::new(),
        }
    }

    /// The members that may match a request whose action is in the set `actions`: a
    /// superset of those that do, ascending.
    pub fn candidates(&mut self, globs: &Globs, actions: SetId) -> Vec<u32> {
        let set = globs.set(actions);
        if set.negated {
            return (0..self.members as u32).collect();
        }
        if let Some(few) = &self.few {
            let mut found = self.negated.clone();
            for &query in &set.globs {
                let prefix = globs.prefix(query);
                let literal = pattern::is_literal(globs.items(query));
                found.extend(
                    few.iter()
                        .filter(|&&(glob, _)| {
                            let other = globs.prefix(glob);
                            (!literal && other.starts_with(prefix)) || prefix.starts_with(other)
                        })
                        .map(|&(_, m)| m),
                );
            }
            found.sort_unstable();
            found.dedup();
            return found;
        }
        let prefixes = self.set_prefixes.entry(actions).or_insert_with(|| {
            set.globs
                .iter()
                .map(|&glob| {
                    let items = globs.items(glob);
                    (pattern::literal_prefix(items), pattern::is_literal(items))
                })
                .collect()
        });
        let mut found = self.negated.clone();
        for (prefix, literal) in prefixes.iter() {
            // Members whose prefix is a prefix of this one (itself included)...
            for (end, _) in prefix.char_indices().chain([(prefix.len(), ' ')]) {
                if let Some(list) = self.by_prefix.get(&prefix[..end]) {
                    found.extend_from_slice(list);
                }
            }
            // ... and those whose prefix extends it, unless it is a literal: a pattern
            // whose prefix is longer than the one string a literal is matches nothing it does.
            if *literal {
                continue;
            }
            let longer = self
                .by_prefix
                .range::<str, _>((Bound::Excluded(prefix.as_str()), Bound::Unbounded))
                .take_while(|(key, _)| key.starts_with(prefix.as_str()));
            for (_, list) in longer {
                found.extend_from_slice(list);
            }
        }
        found.sort_unstable();
        found.dedup();
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::explore::Space;
    use crate::access::policy::{Element, Entry};
    use crate::model::Dialect;

    fn element(patterns: &[&str], negated: bool) -> Element {
        Element {
            negated,
            entries: patterns
                .iter()
                .map(|p| Entry {
                    text: p.to_string(),
                    span: Default::default(),
                    template: false,
                })
                .collect(),
        }
    }

    /// The index leaves out exactly members that cannot meet: compared with asking the
    /// automata about every member.
    #[test]
    fn candidates_include_every_member_that_meets() {
        let patterns: &[&[&str]] = &[
            &["oss:GetObject"],
            &["oss:Get*"],
            &["OSS:*"],
            &["*"],
            &["ecs:Describe*", "oss:PutObject"],
            &["o*:GetObject"],
            &["?ss:GetObject"],
            &["ecs:StartInstance"],
            &["oss:GetObjectAcl"],
            &["oss:G?tObject"],
            &[""],
            &["é:*"],
        ];
        let mut space = Space::default();
        let resources = space.resource_set(&element(&["*"], false), Dialect::Ram);
        let mut members: Vec<Member> = patterns
            .iter()
            .map(|p| Member {
                actions: space.action_set(&element(p, false)),
                resources,
            })
            .collect();
        members.push(Member {
            actions: space.action_set(&element(&["oss:*"], true)),
            resources,
        });
        let mut index = ActionIndex::new(&space.actions, &members);
        let mut tree = ActionIndex::build(&space.actions, &members, false);
        assert!(index.few.is_some() && tree.few.is_none());
        let mut left_out = 0;
        for query in patterns.iter().map(|p| element(p, false)).chain([
            element(&["oss:Get"], false),
            element(&["ecs:*"], true),
            element(&["ram:*"], false),
        ]) {
            let set = space.action_set(&query);
            let candidates = index.candidates(&space.actions, set);
            assert!(candidates.windows(2).all(|w| w[0] < w[1]));
            // The list and the tree find the same members.
            assert_eq!(
                candidates,
                tree.candidates(&space.actions, set),
                "{query:?}"
            );
            for (m, member) in members.iter().enumerate() {
                let meets = space.actions.sets_meet(set, member.actions);
                if meets {
                    assert!(
                        candidates.contains(&(m as u32)),
                        "{query:?} meets member {m} but the index left it out"
                    );
                } else if !candidates.contains(&(m as u32)) {
                    left_out += 1;
                }
            }
        }
        // It does leave members out (`oss:GetObject` never meets `ecs:StartInstance`).
        assert!(left_out > 20, "{left_out}");
    }
}
