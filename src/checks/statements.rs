//! Statements that change nothing, found with the access engine (`access::explore`):
//! an Allow whose every grant a Deny of the same policy takes back (PL503
//! `shadowed-statement`), and an Allow whose every grant other Allows already give
//! (PL504 `redundant-statement`). Conditions count: a Deny takes back, and an Allow gives,
//! only where it applies whenever the statement does (its clauses are among the
//! statement's).
//!
//! PL205 `duplicate-statement` keeps the exact repeats (with its safe fix);
//! `redundant-statement` reports the rest, and leaves PL205's repeats out of what covers
//! (they are to be removed). Redundant statements are looked at from the last to the
//! first, each against the statements not yet reported, so the earlier of two statements
//! that cover each other is kept, and removing every reported one together changes
//! nothing the policy grants.
//!
//! Most policies are settled by one cheap test first: a request of each Allow (its first
//! action and resource with `*` read as nothing and `?` as one letter) that no other
//! statement matches shows the Allow is neither shadowed nor redundant.

use super::CheckContext;
use crate::access::automaton::{LINT, SetId, TooComplex};
use crate::access::explore::{AtomSet, Explorer, Implications, Member, Space};
use crate::access::policy::AccessPolicy;
use crate::diagnostic::{Finding, Fix};
use crate::fix::remove_array_element;
use crate::matching::{action_matches, resource_matches};
use crate::model::{Policy, Statement};
use std::collections::BTreeSet;
use std::ops::ControlFlow;

/// Past this many statements the rules are skipped: each statement's region is explored
/// against the others, and a policy this large is beyond any vendor's size limit.
const MAX_STATEMENTS: usize = 10_000;

/// PL503.
pub fn shadowed_statement(ctx: &CheckContext, out: &mut Vec<Finding>) {
    let Some(model) = ctx.policy else { return };
    let has_deny = model
        .statements
        .iter()
        .any(|s| s.effect_text() == Some("Deny"));
    if !has_deny || !needs_engine(model) {
        return;
    }
    let Some(mut analysis) = Analysis::of(model) else {
        return;
    };
    for s in 0..analysis.policy.statements.len() {
        if !analysis.policy.statements[s].is_allow() {
            continue;
        }
        let Ok(Coverage::Full(by)) = analysis.coverage(s, &[], true) else {
            continue;
        };
        let statement = &analysis.policy.statements[s];
        let mut finding = Finding::new(
            statement.span,
            "every access this Allow grants is denied by a Deny of the same policy",
        )
        .help("remove this statement, or narrow the Deny if this access is meant to be granted");
        for d in by {
            finding = finding.label(analysis.policy.statements[d].span, "denied here");
        }
        out.push(finding);
    }
}

/// PL504.
pub fn redundant_statement(ctx: &CheckContext, out: &mut Vec<Finding>) {
    let Some(model) = ctx.policy else { return };
    let allows = model.statements.iter().filter(|s| s.is_allow()).count();
    if allows < 2 || !needs_engine(model) {
        return;
    }
    let repeats = super::redundancy::repeated_statements(model);
    let Some(mut analysis) = Analysis::of(model) else {
        return;
    };
    // Model statement index -> engine statement index.
    let engine_index = |model_index: usize| {
        let index = model.statements[model_index].index;
        analysis_position(&analysis.policy, index)
    };
    let mut removed: Vec<usize> = repeats
        .iter()
        .filter_map(|&(r, _)| engine_index(r))
        .collect();
    let items = model
        .statement_member
        .and_then(|member| member.value.as_array());
    let count = analysis.policy.statements.len();
    for s in (0..count).rev() {
        if !analysis.policy.statements[s].is_allow() || removed.contains(&s) {
            continue;
        }
        // A statement all denied is PL503's.
        if matches!(analysis.coverage(s, &[], true), Ok(Coverage::Full(_))) {
            continue;
        }
        let Ok(Coverage::Full(by)) = analysis.coverage(s, &removed, false) else {
            continue;
        };
        removed.push(s);
        let statement = &analysis.policy.statements[s];
        let fix = items
            .and_then(|items| remove_array_element(items, statement.index))
            .map(|edit| Fix::unsafe_("remove the redundant statement", vec![edit]));
        let mut finding = Finding::new(
            statement.span,
            "every access this Allow grants is already granted by other statements of the policy",
        )
        .help("remove this statement (the policy grants the same without it), or narrow the statements that cover it if they grant more than intended")
        .fix(fix);
        for t in by {
            let label = if analysis.policy.statements[t].is_allow() {
                "also granted here"
            } else {
                "denied here"
            };
            finding = finding.label(analysis.policy.statements[t].span, label);
        }
        out.push(finding);
    }
}

fn analysis_position(policy: &AccessPolicy, index: usize) -> Option<usize> {
    policy.statements.iter().position(|s| s.index == index)
}

/// Whether some Allow may be shadowed or redundant: false when, for every Allow, a
/// request it grants is matched by no other statement.
fn needs_engine(policy: &Policy) -> bool {
    if policy.statements.len() > MAX_STATEMENTS {
        return false;
    }
    policy.statements.iter().enumerate().any(|(i, statement)| {
        statement.is_allow()
            && match sample_request(statement) {
                Some((action, resource)) => policy
                    .statements
                    .iter()
                    .enumerate()
                    .any(|(j, other)| j != i && statement_matches(other, &action, &resource)),
                None => true,
            }
    })
}

/// One request a statement grants, if it is easy to name (no `Not` element, no policy
/// variable).
fn sample_request(statement: &Statement) -> Option<(String, String)> {
    let action = statement.action.as_ref()?.entries.first()?.text;
    let resource = match (&statement.resource, &statement.not_resource) {
        (Some(values), None) => values.entries.first()?.text,
        (None, None) => "*",
        _ => return None,
    };
    if resource.contains("${") {
        return None;
    }
    let instance = |pattern: &str| pattern.trim().replace('*', "").replace('?', "x");
    Some((instance(action), instance(resource)))
}

/// Whether a statement's Action and Resource match a request, conditions aside; a
/// statement the check cannot read matches (so the engine looks closer).
fn statement_matches(statement: &Statement, action: &str, resource: &str) -> bool {
    let actions = match (&statement.action, &statement.not_action) {
        (Some(values), None) => values.texts().any(|p| action_matches(p, action)),
        (None, Some(values)) => !values.texts().any(|p| action_matches(p, action)),
        _ => return false,
    };
    let resources = match (&statement.resource, &statement.not_resource) {
        (Some(values), None) => values
            .texts()
            .any(|p| p.contains("${") || resource_matches(p, resource)),
        (None, Some(values)) => !values
            .texts()
            .any(|p| !p.contains("${") && resource_matches(p, resource)),
        (None, None) => true,
        _ => false,
    };
    actions && resources
}

/// How much of a statement's grants others cover.
enum Coverage {
    /// All of it, by these statements (engine indices).
    Full(BTreeSet<usize>),
    Partial,
}

struct Analysis {
    policy: AccessPolicy,
    space: Space,
    explorer: Explorer,
    atoms: Vec<AtomSet>,
    implications: Implications,
}

impl Analysis {
    fn of(model: &Policy) -> Option<Self> {
        let policy = AccessPolicy::from_model(model);
        let mut space = Space::default();
        space.actions.set_limits(LINT);
        space.resources.set_limits(LINT);
        let members = policy
            .statements
            .iter()
            .map(|statement| Member {
                actions: space.action_set(&statement.actions),
                resources: space.resource_set(&statement.resources, policy.dialect),
            })
            .collect();
        let atoms = policy
            .statements
            .iter()
            .map(|s| space.atoms_of(s))
            .collect();
        Some(Analysis {
            policy,
            implications: space.implications(),
            space,
            explorer: Explorer::new(members),
            atoms,
        })
    }

    /// Whether every request statement `s` grants (in every world it applies in) is
    /// denied by a Deny, or (`denies_only` false) also granted by another Allow not in
    /// `removed`. A statement that grants nothing is not covered. Unit by unit (action
    /// entry × resource entry): sample requests first, then one statement covering the
    /// unit pattern by pattern, then the unit's classes.
    fn coverage(
        &mut self,
        s: usize,
        removed: &[usize],
        denies_only: bool,
    ) -> Result<Coverage, TooComplex> {
        let statement = &self.policy.statements[s];
        let pool: Vec<u32> = (0..self.policy.statements.len())
            .filter(|&t| {
                t != s
                    && !removed.contains(&t)
                    && (!denies_only || !self.policy.statements[t].is_allow())
                    && self.implications.entails(&self.atoms[t], &self.atoms[s])
            })
            .map(|t| t as u32)
            .collect();
        let action_units = self.space.action_units(&statement.actions);
        let resource_units = self
            .space
            .resource_units(&statement.resources, self.policy.dialect);
        if action_units.is_empty() || resource_units.is_empty() {
            return Ok(Coverage::Partial);
        }
        let mut by = BTreeSet::new();
        for action in &action_units {
            for resource in &resource_units {
                match self.unit_covered(&pool, action.set, resource.set)? {
                    Some(covering) => by.extend(covering),
                    None => return Ok(Coverage::Partial),
                }
            }
        }
        Ok(Coverage::Full(by))
    }

    /// The statements of `pool` covering every request of a unit, if they do.
    fn unit_covered(
        &mut self,
        pool: &[u32],
        actions: SetId,
        resources: SetId,
    ) -> Result<Option<Vec<usize>>, TooComplex> {
        let (space, explorer) = (&mut self.space, &mut self.explorer);
        for action in space.actions.samples(actions) {
            for resource in space.resources.samples(resources) {
                if explorer
                    .matching(space, &action, &resource, pool.iter().copied())
                    .is_empty()
                {
                    return Ok(None);
                }
            }
        }
        if let Some(&single) = pool
            .iter()
            .find(|&&t| explorer.covers(space, t, actions, resources))
        {
            return Ok(Some(vec![single as usize]));
        }
        let candidates = explorer.relevant(space, actions, resources, pool.iter().copied());
        let mut by = Vec::new();
        let mut visited = false;
        let finished = explorer.explore(space, actions, resources, &candidates, |point| {
            visited = true;
            match point.members.first() {
                Some(&t) => {
                    by.push(t as usize);
                    ControlFlow::Continue(())
                }
                None => ControlFlow::Break(()),
            }
        })?;
        Ok((finished && visited).then_some(by))
    }
}
