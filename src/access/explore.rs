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

use super::automaton::{GlobSet, Globs, SetId, TooComplex};
use super::condition::Atom;
use super::pattern::{self, Language, Variables};
use super::policy::{AccessStatement, Condition, Element};
use crate::model::Dialect;
use foldhash::{HashMap, HashMapExt};
use std::ops::ControlFlow;
use std::rc::Rc;

/// Interned patterns, pattern sets and condition atoms of one analysis.
pub struct Space {
    pub actions: Globs,
    pub resources: Globs,
    variables: Variables,
    atoms: Vec<Atom>,
    atom_ids: HashMap<Atom, u32>,
    /// The pattern each text compiled to, by language (actions, RAM resources, AWS
    /// resources): a warm space meets the same texts policy after policy.
    compiled: [HashMap<Box<str>, u32>; 3],
}

/// A statement's atoms, as sorted ids.
pub type AtomSet = Rc<[u32]>;

impl Default for Space {
    fn default() -> Self {
        Space {
            actions: Globs::new(),
            resources: Globs::new(),
            variables: Variables::default(),
            atoms: Vec::new(),
            atom_ids: HashMap::new(),
            compiled: Default::default(),
        }
    }
}

/// One unit of a statement's element: an entry, or the whole element when it is a `Not`
/// form (it grants as one). What reports name.
#[derive(Debug, Clone)]
pub struct Unit {
    pub set: SetId,
    /// The pattern as written, or `* except a, b` for a `Not` element.
    pub text: String,
    /// Where it is written (the first entry of a `Not` element).
    pub span: crate::source::Span,
}

impl Space {
    pub fn action_glob(&mut self, text: &str) -> u32 {
        if let Some(&id) = self.compiled[0].get(text) {
            return id;
        }
        let items = pattern::compile(text, Language::Action, &mut self.variables);
        let id = self.actions.intern(items);
        self.compiled[0].insert(text.into(), id);
        id
    }

    pub fn resource_glob(&mut self, text: &str, dialect: Dialect) -> u32 {
        let language = match dialect {
            Dialect::Ram => 1,
            Dialect::Aws => 2,
        };
        if let Some(&id) = self.compiled[language].get(text) {
            return id;
        }
        let items = pattern::compile(text, Language::Resource(dialect), &mut self.variables);
        for item in &items {
            if let pattern::Item::Var(id) = item {
                let key = self.variables.get(*id).key.clone();
                self.resources.note_variable(*id, &key);
            }
        }
        let id = self.resources.intern(items);
        self.compiled[language].insert(text.into(), id);
        id
    }

    pub fn action_set(&mut self, element: &Element) -> SetId {
        let globs = element
            .entries
            .iter()
            .map(|e| self.action_glob(&e.widened()))
            .collect();
        self.actions.intern_set(GlobSet {
            globs,
            negated: element.negated,
        })
    }

    pub fn resource_set(&mut self, element: &Element, dialect: Dialect) -> SetId {
        let globs = element
            .entries
            .iter()
            .map(|e| self.resource_glob(&e.widened(), dialect))
            .collect();
        self.resources.intern_set(GlobSet {
            globs,
            negated: element.negated,
        })
    }

    /// A pattern set of the given patterns (for guardrails and `fail-on-new-access`).
    pub fn action_patterns(&mut self, patterns: &[String]) -> SetId {
        let globs = patterns.iter().map(|p| self.action_glob(p)).collect();
        self.actions.intern_set(GlobSet {
            globs,
            negated: false,
        })
    }

    pub fn resource_patterns(&mut self, patterns: &[String], dialect: Dialect) -> SetId {
        let globs = patterns
            .iter()
            .map(|p| self.resource_glob(p, dialect))
            .collect();
        self.resources.intern_set(GlobSet {
            globs,
            negated: false,
        })
    }

    pub fn action_units(&mut self, element: &Element) -> Vec<Unit> {
        self.units(element, |space, text| space.action_glob(text), true)
    }

    pub fn resource_units(&mut self, element: &Element, dialect: Dialect) -> Vec<Unit> {
        self.units(
            element,
            |space, text| space.resource_glob(text, dialect),
            false,
        )
    }

    fn units(
        &mut self,
        element: &Element,
        mut glob: impl FnMut(&mut Space, &str) -> u32,
        actions: bool,
    ) -> Vec<Unit> {
        if element.negated {
            let ids = element
                .entries
                .iter()
                .map(|e| glob(self, &e.widened()))
                .collect();
            let listed: Vec<&str> = element.entries.iter().map(|e| e.text.as_str()).collect();
            let set = globs_of(self, actions).intern_set(GlobSet {
                globs: ids,
                negated: true,
            });
            return vec![Unit {
                set,
                text: format!("* except {}", listed.join(", ")),
                span: element.entries.first().map(|e| e.span).unwrap_or_default(),
            }];
        }
        let mut units: Vec<Unit> = Vec::new();
        // Looking each unit up in those kept made a long element quadratic.
        let mut seen = foldhash::HashSet::default();
        let long = element.entries.len() > 16;
        for entry in &element.entries {
            let id = glob(self, &entry.widened());
            let set = globs_of(self, actions).intern_set(GlobSet {
                globs: vec![id],
                negated: false,
            });
            let new = match long {
                true => seen.insert(set),
                false => !units.iter().any(|u| u.set == set),
            };
            if new {
                units.push(Unit {
                    set,
                    text: entry.text.clone(),
                    span: entry.span,
                });
            }
        }
        units
    }

    /// Forgets the condition atoms, keeping the patterns: atoms belong to one policy's
    /// questions (its implications are computed over all of them), patterns and their
    /// automata can serve the next policy.
    pub fn forget_atoms(&mut self) {
        self.atoms.clear();
        self.atom_ids.clear();
    }

    /// About how many entries the space's tables hold (patterns, sets, states, remembered
    /// answers): what a cache of spaces bounds.
    pub fn footprint(&self) -> usize {
        let compiled: usize = self.compiled.iter().map(HashMap::len).sum();
        self.actions.footprint() + self.resources.footprint() + compiled
    }

    pub fn atom(&mut self, atom: Atom) -> u32 {
        let next = self.atoms.len() as u32;
        *self.atom_ids.entry(atom.clone()).or_insert_with(|| {
            self.atoms.push(atom);
            next
        })
    }

    /// Which of the atoms interned so far imply which.
    pub fn implications(&self) -> Implications {
        let mut groups: HashMap<(&str, &str), Vec<u32>> = HashMap::new();
        for (id, atom) in self.atoms.iter().enumerate() {
            groups
                .entry((atom.operator.as_str(), atom.key.as_str()))
                .or_default()
                .push(id as u32);
        }
        let mut implied_by: Vec<Vec<u32>> = (0..self.atoms.len() as u32).map(|a| vec![a]).collect();
        for group in groups.values().filter(|g| g.len() > 1) {
            for &a in group {
                for &b in group {
                    if a != b && self.atoms[b as usize].implies(&self.atoms[a as usize]) {
                        implied_by[a as usize].push(b);
                    }
                }
            }
        }
        for list in &mut implied_by {
            list.sort_unstable();
        }
        Implications { implied_by }
    }

    pub fn atom_text(&self, id: u32) -> String {
        self.atoms[id as usize].to_string()
    }

    /// The atoms a statement applies under: its condition's clauses (canonical), and the
    /// principals it names. A statement whose Action or Resource holds a template value is
    /// read with each such value as `*` (see `Entry::widened`), and applies only under one
    /// more atom: that its template values make it match. That atom is keyed by the values'
    /// text, so `diff` takes a value written alike in OLD and NEW for the same value: it
    /// compares the policies' texts, and what the template fills in lies outside them.
    pub fn atoms_of(&mut self, statement: &AccessStatement) -> AtomSet {
        let mut ids = Vec::new();
        let templates: Vec<String> = statement
            .actions
            .entries
            .iter()
            .chain(&statement.resources.entries)
            .filter(|entry| entry.template)
            .map(|entry| entry.text.clone())
            .collect();
        if !templates.is_empty() {
            ids.push(self.atom(Atom {
                operator: "Template".into(),
                key: String::new(),
                values: templates,
            }));
        }
        match &statement.condition {
            Condition::Atoms(atoms) => {
                for atom in atoms {
                    ids.push(self.atom(atom.canonical()));
                }
            }
            Condition::Unreadable(text) => ids.push(self.atom(Atom {
                operator: "Condition".into(),
                key: String::new(),
                values: vec![text.clone()],
            })),
        }
        if let Some(principal) = statement.principal.canonical() {
            ids.push(self.atom(Atom {
                operator: "Principal".into(),
                key: String::new(),
                values: vec![principal],
            }));
        }
        ids.sort_unstable();
        ids.dedup();
        ids.into()
    }
}

fn globs_of(space: &mut Space, actions: bool) -> &mut Globs {
    if actions {
        &mut space.actions
    } else {
        &mut space.resources
    }
}

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
