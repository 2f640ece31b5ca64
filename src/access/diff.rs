//! The access one set of policies grants that another does not.
//!
//! A request (action, resource, and the truth of every condition atom) is allowed by a set
//! of policies when an Allow statement applies to it and no Deny does. NEW grants more
//! than OLD where some request is allowed by NEW and not by OLD. That is reported by the
//! NEW statement that allows it, unit by unit (each action entry × each resource entry; a
//! `Not` element is one unit): a unit is *added* when one of its requests, in a world where
//! its statement applies, is allowed by NEW and not by OLD. Removed access is the same
//! question with OLD and NEW swapped. Every request NEW allows and OLD does not lies in an
//! added unit, and every added unit holds such a request (its example).
//!
//! Decided per class of requests (`explore.rs`), in the smallest worlds: with `s` the
//! statement and `S` its atoms, the request is new in world `S` when no NEW Deny and no OLD
//! Allow applies there (every atom of theirs in `S`), or in world `S ∪ D` for an OLD Deny
//! with atoms `D` when no NEW Deny applies there. A unit is *conditional* when its new
//! access needs some condition to hold: none of its requests is new in the world where
//! no condition of either side holds (`s` unconditional, no unconditional NEW Deny
//! matching it, and no unconditional OLD Allow unless an unconditional OLD Deny too).
//! Dropping an Allow's condition is then unconditional new access, and so is making a
//! Deny conditional (it takes nothing back when its condition does not hold).

use super::Document;
use super::automaton::{SetId, TooComplex};
use super::explore::{AtomSet, Explorer, Implications, Member, Point, Space, Unit, union};
use super::index::ActionIndex;
use super::policy::{AccessStatement, Effect};
use crate::model::Dialect;
use crate::source::Span;
use foldhash::{HashMap, HashMapExt};
use std::ops::ControlFlow;

/// A unit of access one side grants and the other does not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// The action entry as written (`* except ...` for NotAction).
    pub action: String,
    pub resource: String,
    /// The change needs some condition of the policies to hold.
    pub conditional: bool,
    pub path: String,
    pub line: usize,
    /// Where the action entry is, in the document's text.
    pub span: Span,
    /// The statement's index in its document.
    pub statement: usize,
    pub example: Example,
    /// An example of it matches a `fail-on-new-access` pattern.
    pub fails: bool,
}

/// One request of a grant that the one side allows and the other does not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    pub action: String,
    pub resource: String,
    /// The condition atoms true in the world it is allowed in (others false).
    pub conditions: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccessDiff {
    pub added: Vec<Grant>,
    pub removed: Vec<Grant>,
}

/// Which side a statement is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Side {
    Old,
    New,
}

impl Side {
    fn other(self) -> Side {
        match self {
            Side::New => Side::Old,
            Side::Old => Side::New,
        }
    }
}

struct Entry<'d> {
    side: Side,
    document: &'d Document,
    statement: &'d AccessStatement,
    atoms: AtomSet,
}

/// The access `new` grants that `old` does not (added), and the reverse (removed).
/// `fail_patterns` are action patterns; an added grant with a request matching one among
/// those it adds is marked `fails`.
pub fn diff(
    old: &[Document],
    new: &[Document],
    fail_patterns: &[String],
) -> Result<AccessDiff, TooComplex> {
    diff_with(old, new, fail_patterns, true)
}

/// [`diff`], with each unit compared against the members the index finds near it
/// (`indexed`) or against every member (what the tests hold the index to).
fn diff_with(
    old: &[Document],
    new: &[Document],
    fail_patterns: &[String],
    indexed: bool,
) -> Result<AccessDiff, TooComplex> {
    let mut space = Space::default();
    let mut entries = Vec::new();
    let mut members = Vec::new();
    for (side, documents) in [(Side::Old, old), (Side::New, new)] {
        for document in documents {
            let dialect = document.policy.dialect;
            for statement in &document.policy.statements {
                members.push(Member {
                    actions: space.action_set(&statement.actions),
                    resources: space.resource_set(&statement.resources, dialect),
                });
                entries.push(Entry {
                    side,
                    document,
                    statement,
                    atoms: space.atoms_of(statement),
                });
            }
        }
    }
    let fail_member = (!fail_patterns.is_empty()).then(|| {
        let actions = space.action_patterns(fail_patterns);
        let resources = space.resource_patterns(&["*".to_string()], Dialect::Ram);
        members.push(Member { actions, resources });
        (members.len() - 1) as u32
    });
    let mut units: HashMap<(Side, SetId, SetId), Vec<u32>> = HashMap::new();
    let mut units_of = Vec::with_capacity(entries.len());
    for (e, entry) in entries.iter().enumerate() {
        let dialect = entry.document.policy.dialect;
        let actions = space.action_units(&entry.statement.actions);
        let resources = space.resource_units(&entry.statement.resources, dialect);
        if entry.statement.is_allow() {
            for action in &actions {
                for resource in &resources {
                    units
                        .entry((entry.side, action.set, resource.set))
                        .or_default()
                        .push(e as u32);
                }
            }
        }
        units_of.push((actions, resources));
    }
    let implications = space.implications();
    let mut analysis = Analysis {
        entries: &entries,
        implications: &implications,
        units: &units,
        index: indexed.then(|| ActionIndex::new(&space.actions, &members)),
        members: members.len() as u32,
        fail_member,
    };
    let mut explorer = Explorer::new(members);
    let mut result = AccessDiff::default();
    for (e, entry) in entries.iter().enumerate() {
        if !entry.statement.is_allow() {
            continue;
        }
        let (actions, resources) = &units_of[e];
        for action in actions {
            for resource in resources {
                let gain = analysis.unit_gain(&mut space, &mut explorer, e, action, resource)?;
                if let Some(grant) = gain {
                    match entry.side {
                        Side::New => result.added.push(grant),
                        Side::Old => result.removed.push(Grant {
                            fails: false,
                            ..grant
                        }),
                    }
                }
            }
        }
    }
    Ok(result)
}

struct Analysis<'a, 'd> {
    entries: &'a [Entry<'d>],
    implications: &'a Implications,
    /// Each Allow's units, by (side, action unit, resource unit).
    units: &'a HashMap<(Side, SetId, SetId), Vec<u32>>,
    /// The members a unit may meet: the others are left out of its questions.
    index: Option<ActionIndex>,
    members: u32,
    fail_member: Option<u32>,
}

/// A request of a unit that one side allows and the other does not.
struct Found {
    action: String,
    resource: String,
    world: Vec<u32>,
    unconditional: bool,
    fails: bool,
}

impl Analysis<'_, '_> {
    fn is_deny_of(&self, side: Side, member: u32) -> bool {
        self.entries
            .get(member as usize)
            .is_some_and(|entry| entry.side == side && !entry.statement.is_allow())
    }

    /// Whether the unit `action` × `resource` of entry `e` (an Allow) holds a request its
    /// side allows and the other does not; the grant to report if so. Cheap answers first:
    /// the same unit in an Allow of the other side that applies whenever this one does
    /// (and no Deny of the other side near it); a sample request that shows a gain; an
    /// Allow of the other side that covers the unit pattern by pattern. Else the unit's
    /// classes are explored.
    fn unit_gain(
        &mut self,
        space: &mut Space,
        explorer: &mut Explorer,
        e: usize,
        action: &Unit,
        resource: &Unit,
    ) -> Result<Option<Grant>, TooComplex> {
        let entry = &self.entries[e];
        let other = entry.side.other();
        // Every member that may match a request of the unit, ascending: the others
        // cannot change its answer.
        let near = match &mut self.index {
            Some(index) => index.candidates(&space.actions, action.set),
            None => (0..self.members).collect(),
        };
        let other_denies: Vec<u32> = near
            .iter()
            .copied()
            .filter(|&m| self.is_deny_of(other, m))
            .collect();
        let fail_member = self.fail_member.filter(|_| entry.side == Side::New);
        let may_fail = fail_member.is_some_and(|f| {
            let fail = explorer.member(f);
            space.actions.sets_meet(action.set, fail.actions)
        });
        let no_deny_near = |space: &mut Space, explorer: &Explorer| {
            explorer
                .relevant(
                    space,
                    action.set,
                    resource.set,
                    other_denies.iter().copied(),
                )
                .is_empty()
        };
        let same_unit = self
            .units
            .get(&(other, action.set, resource.set))
            .is_some_and(|list| {
                list.iter().any(|&t| {
                    self.implications
                        .entails(&self.entries[t as usize].atoms, &entry.atoms)
                })
            });
        if same_unit && no_deny_near(space, explorer) {
            return Ok(None);
        }
        let (sample_found, covered) = self.gain_at_samples(
            space,
            explorer,
            entry,
            (action, resource),
            &near,
            fail_member,
        );
        let found = match sample_found {
            Some(found) if found.unconditional && (found.fails || !may_fail) => Some(found),
            None if covered && no_deny_near(space, explorer) => None,
            _ => {
                let candidates = explorer.relevant(space, action.set, resource.set, near);
                self.explore(
                    space,
                    explorer,
                    entry,
                    action,
                    resource,
                    &candidates,
                    fail_member,
                )?
            }
        };
        Ok(found.map(|found| grant(space, entry, action, resource, found)))
    }

    /// The gain of `entry` at the unit's samples (the first sample gained, if one is), and
    /// whether some sample not gained is covered by an allow of the other side that
    /// entails the entry's conditions.
    fn gain_at_samples(
        &self,
        space: &mut Space,
        explorer: &mut Explorer,
        entry: &Entry,
        (action, resource): (&Unit, &Unit),
        near: &[u32],
        fail_member: Option<u32>,
    ) -> (Option<Found>, bool) {
        let other = entry.side.other();
        let mut sample_found = None;
        let mut covered = false;
        for a in space.actions.samples(action.set) {
            for r in space.resources.samples(resource.set) {
                let matched = explorer.matching(space, &a, &r, near.iter().copied());
                let point = Point {
                    members: &matched,
                    action: &a,
                    resource: &r,
                };
                if let Some(found) = self.gain_at(&point, entry, fail_member) {
                    sample_found.get_or_insert(found);
                    continue;
                }
                covered |= matched.iter().any(|&t| {
                    let other_entry = self.entries.get(t as usize);
                    other_entry.is_some_and(|o| {
                        o.side == other
                            && o.statement.is_allow()
                            && self.implications.entails(&o.atoms, &entry.atoms)
                    }) && explorer.covers(space, t, action.set, resource.set)
                });
            }
        }
        (sample_found, covered)
    }

    /// Whether the requests of a class (`point`) are gained by `entry`'s statement.
    fn gain_at(&self, point: &Point, entry: &Entry, fail_member: Option<u32>) -> Option<Found> {
        let classes = Classes::of(point, self.entries, entry.side, self.implications);
        let world = classes.new_world(&entry.atoms)?;
        Some(Found {
            action: point.action.to_string(),
            resource: point.resource.to_string(),
            world,
            unconditional: classes.new_without_conditions(&entry.atoms),
            fails: fail_member.is_some_and(|f| point.members.binary_search(&f).is_ok()),
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn explore(
        &self,
        space: &mut Space,
        explorer: &mut Explorer,
        entry: &Entry,
        action: &Unit,
        resource: &Unit,
        candidates: &[u32],
        fail_member: Option<u32>,
    ) -> Result<Option<Found>, TooComplex> {
        let mut first: Option<Found> = None;
        let (mut unconditional, mut fails) = (false, false);
        explorer.explore(space, action.set, resource.set, candidates, |point| {
            if let Some(found) = self.gain_at(point, entry, fail_member) {
                unconditional |= found.unconditional;
                fails |= found.fails;
                first.get_or_insert(found);
            }
            if first.is_some() && unconditional && (fails || fail_member.is_none()) {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })?;
        Ok(first.map(|found| Found {
            unconditional,
            fails,
            ..found
        }))
    }
}

/// The atom sets of the statements matching a class, by role.
struct Classes<'e> {
    implications: &'e Implications,
    /// Denies of the side that gains.
    own_denies: Vec<&'e AtomSet>,
    other_allows: Vec<&'e AtomSet>,
    other_denies: Vec<&'e AtomSet>,
}

impl<'e> Classes<'e> {
    fn of(point: &Point, entries: &'e [Entry], side: Side, implications: &'e Implications) -> Self {
        let mut classes = Classes {
            implications,
            own_denies: Vec::new(),
            other_allows: Vec::new(),
            other_denies: Vec::new(),
        };
        for &m in point.members {
            let Some(entry) = entries.get(m as usize) else {
                continue;
            };
            let list = match (entry.side == side, entry.statement.effect) {
                (true, Effect::Deny) => &mut classes.own_denies,
                (true, Effect::Allow) => continue,
                (false, Effect::Allow) => &mut classes.other_allows,
                (false, Effect::Deny) => &mut classes.other_denies,
            };
            if !list.iter().any(|known| ***known == *entry.atoms) {
                list.push(&entry.atoms);
            }
        }
        classes
    }

    /// A world in which a statement with atoms `own` makes the class's requests allowed
    /// by its side and not by the other, if there is one.
    fn new_world(&self, own: &[u32]) -> Option<Vec<u32>> {
        let entails = |needed: &[u32], world: &[u32]| self.implications.entails(needed, world);
        let denied = |world: &[u32]| self.own_denies.iter().any(|d| entails(d, world));
        if !denied(own) && !self.other_allows.iter().any(|a| entails(a, own)) {
            return Some(own.to_vec());
        }
        self.other_denies
            .iter()
            .map(|d| union(own, d))
            .find(|world| !denied(world))
    }

    /// Whether the requests are gained in the world where no condition holds.
    fn new_without_conditions(&self, own: &[u32]) -> bool {
        let unconditional = |list: &[&AtomSet]| list.iter().any(|atoms| atoms.is_empty());
        own.is_empty()
            && !unconditional(&self.own_denies)
            && (!unconditional(&self.other_allows) || unconditional(&self.other_denies))
    }
}

/// What `entry` grants on the unit `action` × `resource`, shown by `found`.
fn grant(space: &Space, entry: &Entry, action: &Unit, resource: &Unit, found: Found) -> Grant {
    let document = entry.document;
    Grant {
        action: action.text.clone(),
        resource: resource.text.clone(),
        conditional: !found.unconditional,
        path: document.path.clone(),
        line: document.line(action.span.start),
        span: action.span,
        statement: entry.statement.index,
        example: Example {
            action: super::pattern::respell(&found.action, &[&action.text]),
            resource: found.resource,
            conditions: found.world.iter().map(|&a| space.atom_text(a)).collect(),
        },
        fails: found.fails,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hosts::HostSwitches;
    use crate::testing::Rng;

    const ACTIONS: &[&str] = &[
        "oss:GetObject",
        "oss:Get*",
        "oss:*",
        "OSS:PutObject",
        "oss:?etObject",
        "ecs:StartInstance",
        "ecs:*",
        "ecs:Describe*",
        "*",
        "*:Get*",
        "o*",
        "ram:PassRole",
        "ram:*Role",
    ];
    const RESOURCES: &[&str] = &[
        "*",
        "acs:oss:*:*:a/*",
        "acs:oss:*:*:a/b*",
        "acs:oss:*:*:b/*",
        "acs:ecs:*:*:instance/*",
        "acs:*:*:*:*",
        "acs:oss:*:*:a/${acs:userid}",
    ];
    const CONDITIONS: &[&str] = &[
        "",
        r#", "Condition": {"Bool": {"acs:SecureTransport": "true"}}"#,
        r#", "Condition": {"StringLike": {"oss:Prefix": ["a*", "b*"]}}"#,
        r#", "Condition": {"StringLike": {"oss:Prefix": "a*"}}"#,
    ];

    fn random_policy(rng: &mut Rng) -> String {
        let statements: Vec<String> = (0..1 + rng.below(6))
            .map(|_| {
                let effect = if rng.below(4) == 0 { "Deny" } else { "Allow" };
                let element = if rng.below(8) == 0 {
                    "NotAction"
                } else {
                    "Action"
                };
                let actions: Vec<String> = (0..1 + rng.below(3))
                    .map(|_| format!("\"{}\"", rng.pick(ACTIONS)))
                    .collect();
                let resources: Vec<String> = (0..1 + rng.below(2))
                    .map(|_| format!("\"{}\"", rng.pick(RESOURCES)))
                    .collect();
                format!(
                    r#"{{"Effect": "{effect}", "{element}": [{}], "Resource": [{}]{}}}"#,
                    actions.join(", "),
                    resources.join(", "),
                    rng.pick(CONDITIONS)
                )
            })
            .collect();
        format!(
            r#"{{"Version": "1", "Statement": [{}]}}"#,
            statements.join(", ")
        )
    }

    fn documents(path: &str, text: &str) -> Vec<Document> {
        super::super::documents_in_text(path, text, None, &HostSwitches::default(), true).unwrap()
    }

    /// The index only leaves out statements that cannot matter: with it and without it,
    /// every diff is the same, grant for grant (examples and `fails` included).
    #[test]
    fn the_index_changes_no_answer() {
        let mut rng = Rng(0x5EED_1DE5);
        let fail = ["oss:Put*".to_string(), "ram:*".to_string()];
        let mut reported = 0;
        for round in 0..400 {
            let old = documents("old.json", &random_policy(&mut rng));
            let new = documents("new.json", &random_policy(&mut rng));
            let patterns = if round % 2 == 0 { &fail[..] } else { &[] };
            let indexed = diff_with(&old, &new, patterns, true).unwrap();
            let everything = diff_with(&old, &new, patterns, false).unwrap();
            assert_eq!(indexed, everything, "round {round}");
            reported += indexed.added.len() + indexed.removed.len();
        }
        assert!(reported > 200, "{reported}");
    }
}
