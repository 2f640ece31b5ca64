//! The [`Space`] an analysis works in: the patterns, pattern sets and condition atoms of
//! its statements, each interned once so that questions about them compare ids. Patterns
//! and their automata can serve policy after policy (see `warm.rs`); atoms belong to one.

use super::Implications;
use crate::access::automaton::{GlobSet, Globs, SetId};
use crate::access::condition::Atom;
use crate::access::pattern::{self, Language, Variables};
use crate::access::policy::{AccessStatement, Condition, Element};
use crate::model::Dialect;
use foldhash::{HashMap, HashMapExt};
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
