//! What a set of statements grants, region by region.
//!
//! A statement covers the requests (action, resource) its Action and Resource elements
//! match, when its condition holds. Two requests that the same statements match are alike
//! for every question about those statements, so the request space splits into finitely
//! many *classes*: for actions, the classes of [`Globs::classes`] over the statements'
//! action sets; within each, the classes of the resource sets of the statements it
//! matched. [`Explorer::explore`] visits the classes of one region (a statement's action
//! entry × resource entry, say) with the statements matching each and a witness request.
//!
//! Conditions are compared structurally: each clause (and each Principal a statement
//! names) is an atom, atoms are independent truths, and a statement applies in the worlds
//! where all its atoms are true. Questions about worlds reduce to subset tests on atom
//! sets: both Allows and Denies apply in more worlds as more atoms hold, so the worlds that
//! decide are the smallest ones, the atoms of a statement or of two together.

use super::automaton::{Globs, SetId, TooComplex};
use foldhash::HashMap;
use std::ops::ControlFlow;
use std::rc::Rc;

mod space;
pub use space::{AtomSet, Space, Unit};

/// Which atoms imply which (see `Atom::implies`), so that a world — the atoms true — makes
/// true the atoms its atoms imply.
pub struct Implications {
    /// For each atom, the atoms that imply it, itself included, sorted.
    implied_by: Vec<Vec<u32>>,
}

impl Implications {
    /// Whether every atom of `needed` holds in a world where the atoms of `world` hold:
    /// a statement with atoms `needed` applies whenever one with atoms `world` does.
    pub fn entails(&self, needed: &[u32], world: &[u32]) -> bool {
        needed.iter().all(|&atom| {
            let by = &self.implied_by[atom as usize];
            world.iter().any(|w| by.binary_search(w).is_ok())
        })
    }
}

/// `a` ∪ `b`, sorted.
pub fn union(a: &[u32], b: &[u32]) -> Vec<u32> {
    let mut out: Vec<u32> = a.iter().chain(b).copied().collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// What one visit sees: the members matching every request of a class, and a witness.
pub struct Point<'a> {
    pub members: &'a [u32],
    pub action: &'a str,
    pub resource: &'a str,
}

/// A pattern-set pair taking part in an analysis: a statement's Action and Resource, or a
/// guardrail's.
#[derive(Debug, Clone, Copy)]
pub struct Member {
    pub actions: SetId,
    pub resources: SetId,
}

/// An action class: the action sets that match its requests, sorted.
struct ActionClass {
    sets: Vec<SetId>,
    witness: String,
}

struct ResourceClass {
    /// The resource sets that match, sorted.
    sets: Vec<SetId>,
    witness: String,
}

/// The classes of the questions asked so far, by pattern sets. They depend only on the
/// sets, not on the members asking, so they outlive an [`Explorer`] when its [`Space`]
/// does (see `warm.rs`).
#[derive(Default)]
pub struct ClassMemo {
    action: HashMap<(SetId, Vec<SetId>), Rc<[ActionClass]>>,
    resource: HashMap<(SetId, Vec<SetId>), Rc<[ResourceClass]>>,
}

impl ClassMemo {
    pub fn len(&self) -> usize {
        self.action.len() + self.resource.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Visits the classes of regions over a fixed list of members, remembering the classes
/// of each question.
pub struct Explorer {
    members: Vec<Member>,
    memo: ClassMemo,
}

impl Explorer {
    pub fn new(members: Vec<Member>) -> Self {
        Self::with_memo(members, ClassMemo::default())
    }

    /// An explorer reusing the classes `memo` remembers (of the same [`Space`]).
    pub fn with_memo(members: Vec<Member>, memo: ClassMemo) -> Self {
        Explorer { members, memo }
    }

    /// The classes remembered so far, leaving none.
    pub fn take_memo(&mut self) -> ClassMemo {
        std::mem::take(&mut self.memo)
    }

    pub fn member(&self, id: u32) -> Member {
        self.members[id as usize]
    }

    pub fn len(&self) -> usize {
        self.members.len()
    }

    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// The members (among `among`) that may match a request of the region `actions` ×
    /// `resources`: the others never do, and are left out of its questions.
    pub fn relevant(
        &self,
        space: &mut Space,
        actions: SetId,
        resources: SetId,
        among: impl IntoIterator<Item = u32>,
    ) -> Vec<u32> {
        among
            .into_iter()
            .filter(|&m| {
                let member = self.members[m as usize];
                space.actions.sets_meet(actions, member.actions)
                    && space.resources.sets_meet(resources, member.resources)
            })
            .collect()
    }

    /// The members (among `among`) matching a request (`action` lower-cased).
    pub fn matching(
        &self,
        space: &Space,
        action: &str,
        resource: &str,
        among: impl IntoIterator<Item = u32>,
    ) -> Vec<u32> {
        among
            .into_iter()
            .filter(|&m| self.matches(space, m, action, resource))
            .collect()
    }

    /// Whether a member (among `among`) matches a request (`action` lower-cased): the
    /// first that does answers.
    pub fn matches_any(
        &self,
        space: &Space,
        action: &str,
        resource: &str,
        mut among: impl Iterator<Item = u32>,
    ) -> bool {
        among.any(|m| self.matches(space, m, action, resource))
    }

    /// Whether member `m` matches a request (`action` lower-cased).
    pub fn matches(&self, space: &Space, m: u32, action: &str, resource: &str) -> bool {
        let member = self.members[m as usize];
        space.actions.set_matches(member.actions, action)
            && space.resources.set_matches(member.resources, resource)
    }

    /// Whether member `general` matches every request of the region `actions` ×
    /// `resources` (each set of one pattern), judged pattern by pattern.
    pub fn covers(
        &self,
        space: &mut Space,
        general: u32,
        actions: SetId,
        resources: SetId,
    ) -> bool {
        let member = self.members[general as usize];
        space.actions.set_covers(member.actions, actions)
            && space.resources.set_covers(member.resources, resources)
    }

    /// [`Explorer::covers`], and exactly where the member's element is a `Not` form (it
    /// covers an entry no pattern of which meets one it lists).
    pub fn covers_with_not(
        &self,
        space: &mut Space,
        general: u32,
        actions: SetId,
        resources: SetId,
    ) -> bool {
        let member = self.members[general as usize];
        let side = |globs: &mut Globs, general: SetId, specific: SetId| {
            globs.set_covers(general, specific) || globs.negated_set_covers(general, specific)
        };
        side(&mut space.actions, member.actions, actions)
            && side(&mut space.resources, member.resources, resources)
    }

    fn action_classes(
        &mut self,
        space: &mut Space,
        universe: SetId,
        candidates: &[u32],
    ) -> Result<Rc<[ActionClass]>, TooComplex> {
        let mut family: Vec<SetId> = candidates
            .iter()
            .map(|&m| self.members[m as usize].actions)
            .collect();
        family.sort_unstable();
        family.dedup();
        let key = (universe, family);
        if let Some(classes) = self.memo.action.get(&key) {
            return Ok(classes.clone());
        }
        let classes: Rc<[ActionClass]> = space
            .actions
            .classes(universe, &key.1)?
            .into_iter()
            .map(|class| ActionClass {
                sets: class.members.iter().map(|&i| key.1[i as usize]).collect(),
                witness: class.witness,
            })
            .collect();
        self.memo.action.insert(key, classes.clone());
        Ok(classes)
    }

    fn resource_classes(
        &mut self,
        space: &mut Space,
        universe: SetId,
        family: &[SetId],
    ) -> Result<Rc<[ResourceClass]>, TooComplex> {
        let key = (universe, family.to_vec());
        if let Some(classes) = self.memo.resource.get(&key) {
            return Ok(classes.clone());
        }
        let classes: Rc<[ResourceClass]> = space
            .resources
            .classes(universe, family)?
            .into_iter()
            .map(|class| ResourceClass {
                sets: class.members.iter().map(|&i| family[i as usize]).collect(),
                witness: class.witness,
            })
            .collect();
        self.memo.resource.insert(key, classes.clone());
        Ok(classes)
    }

    /// Visits every class of the region `actions` × `resources` (each a pattern set), with
    /// the members among `candidates` matching its requests, until `visit` breaks. The
    /// candidates must include every member that may match a request of the region (see
    /// [`Explorer::relevant`]). Returns whether every class was visited.
    pub fn explore(
        &mut self,
        space: &mut Space,
        actions: SetId,
        resources: SetId,
        candidates: &[u32],
        mut visit: impl FnMut(&Point) -> ControlFlow<()>,
    ) -> Result<bool, TooComplex> {
        let action_classes = self.action_classes(space, actions, candidates)?;
        let mut matched = Vec::new();
        for class in action_classes.iter() {
            let in_class: Vec<u32> = candidates
                .iter()
                .copied()
                .filter(|&m| {
                    class
                        .sets
                        .binary_search(&self.members[m as usize].actions)
                        .is_ok()
                })
                .collect();
            let mut resource_sets: Vec<SetId> = in_class
                .iter()
                .map(|&m| self.members[m as usize].resources)
                .collect();
            resource_sets.sort_unstable();
            resource_sets.dedup();
            let resource_classes = self.resource_classes(space, resources, &resource_sets)?;
            for resource_class in resource_classes.iter() {
                matched.clear();
                matched.extend(in_class.iter().copied().filter(|&m| {
                    resource_class
                        .sets
                        .binary_search(&self.members[m as usize].resources)
                        .is_ok()
                }));
                let point = Point {
                    members: &matched,
                    action: &class.witness,
                    resource: &resource_class.witness,
                };
                if visit(&point).is_break() {
                    return Ok(false);
                }
            }
        }
        Ok(true)
    }
}
