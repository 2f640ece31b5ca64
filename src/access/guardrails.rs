//! Guardrails a team declares in its config, checked with the access engine:
//!
//! ```toml
//! [[forbid]]
//! actions = ["ram:*", "oss:DeleteBucket"]
//! resources = ["*"]                 # optional, default: every resource
//! reason = "bucket deletion goes through the platform team"
//!
//! [[require]]
//! actions = ["oss:PutObject"]
//! resources = ["acs:oss:*:*:uploads/*"]   # optional
//! condition = { operator = "Bool", key = "acs:SecureTransport", values = ["true"] }
//! reason = "uploads over HTTPS only"
//!
//! fail-on-new-access = ["ram:*", "oss:Delete*"]   # for `diff` and `check --base`
//! ```
//!
//! `forbidden-access` reports each Allow that grants some request a `[[forbid]]` names and
//! that no Deny of the same policy takes back whenever the Allow applies (`oss:*` on `*`
//! grants `oss:DeleteBucket`; a `Deny` of `oss:DeleteBucket` in the same policy removes
//! it). `missing-required-condition` reports each Allow that grants some request a
//! `[[require]]` names without carrying the condition (the same operator and key, values
//! among the required ones), unless a Deny under the opposite condition takes it back
//! (`Bool acs:SecureTransport false` for `Bool acs:SecureTransport true`).

use super::automaton::{LINT, SetId, TooComplex};
use super::condition::{Atom, Operator};
use super::explore::{AtomSet, Explorer, Implications, Member, Space, union};
use super::policy::AccessPolicy;
use crate::checks::CheckContext;
use crate::diagnostic::Finding;
use serde::Deserialize;
use std::ops::ControlFlow;
use toml::Spanned;

/// The access settings of a config.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AccessConfig {
    pub forbid: Vec<Forbid>,
    pub require: Vec<Require>,
    /// Action patterns: new access to one of them fails `diff` and `check --base`.
    pub fail_on_new_access: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Forbid {
    pub actions: Vec<String>,
    pub resources: Vec<String>,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Require {
    pub actions: Vec<String>,
    pub resources: Vec<String>,
    pub condition: Atom,
    pub reason: String,
}

/// `[[forbid]]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForbidEntry {
    actions: Vec<Spanned<String>>,
    resources: Option<Vec<Spanned<String>>>,
    reason: Spanned<String>,
}

/// `[[require]]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequireEntry {
    actions: Vec<Spanned<String>>,
    resources: Option<Vec<Spanned<String>>>,
    condition: Spanned<ConditionEntry>,
    reason: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConditionEntry {
    operator: Spanned<String>,
    key: Spanned<String>,
    values: Vec<Spanned<String>>,
}

/// A problem in the access part of a config: the byte offset it is at, and what it is.
pub type ConfigProblem = (usize, String);

/// Checks and compiles the access keys of a config.
pub fn compile(
    forbid: Vec<ForbidEntry>,
    require: Vec<RequireEntry>,
    fail_on_new_access: Vec<Spanned<String>>,
) -> Result<AccessConfig, ConfigProblem> {
    let mut config = AccessConfig::default();
    for entry in forbid {
        config.forbid.push(Forbid {
            actions: action_patterns(&entry.actions, "forbid")?,
            resources: resource_patterns(entry.resources.as_deref(), "forbid")?,
            reason: reason(&entry.reason, "forbid")?,
        });
    }
    for entry in require {
        let condition = entry.condition.get_ref();
        let operator = condition.operator.get_ref();
        let parsed = Operator::parse(operator).ok_or_else(|| {
            (
                condition.operator.span().start,
                format!("`{operator}` is not a condition operator"),
            )
        })?;
        let key = condition.key.get_ref().trim();
        if key.is_empty() || key.contains(char::is_whitespace) {
            return Err((
                condition.key.span().start,
                format!("`{key}` is not a condition key"),
            ));
        }
        if condition.values.is_empty() {
            return Err((
                entry.condition.span().start,
                "a required condition needs at least one value".to_string(),
            ));
        }
        if parsed.base == super::condition::Base::Bool {
            let [value] = condition.values.as_slice() else {
                return Err((
                    condition.values[1].span().start,
                    "`Bool` takes one value".to_string(),
                ));
            };
            let text = value.get_ref();
            if !(text.eq_ignore_ascii_case("true") || text.eq_ignore_ascii_case("false")) {
                return Err((
                    value.span().start,
                    format!("`{text}` is not `\"true\"` or `\"false\"`, which `Bool` needs"),
                ));
            }
        }
        config.require.push(Require {
            actions: action_patterns(&entry.actions, "require")?,
            resources: resource_patterns(entry.resources.as_deref(), "require")?,
            condition: Atom {
                operator: operator.clone(),
                key: key.to_string(),
                values: condition
                    .values
                    .iter()
                    .map(|v| v.get_ref().clone())
                    .collect(),
            },
            reason: reason(&entry.reason, "require")?,
        });
    }
    config.fail_on_new_access = action_patterns(&fail_on_new_access, "fail-on-new-access")?;
    Ok(config)
}

/// `*`, or `service:Name` with wildcards allowed in either part.
pub fn is_action_pattern(text: &str) -> bool {
    text == "*"
        || text.split_once(':').is_some_and(|(service, name)| {
            !service.is_empty() && !name.is_empty() && !text.contains(char::is_whitespace)
        })
}

fn action_patterns(
    patterns: &[Spanned<String>],
    table: &str,
) -> Result<Vec<String>, ConfigProblem> {
    patterns
        .iter()
        .map(|p| {
            let text = p.get_ref().trim();
            if is_action_pattern(text) {
                Ok(text.to_string())
            } else {
                Err((
                    p.span().start,
                    format!("`{text}` in {table} is not an action pattern (`service:Action`, `service:*` or `*`)"),
                ))
            }
        })
        .collect()
}

fn resource_patterns(
    patterns: Option<&[Spanned<String>]>,
    table: &str,
) -> Result<Vec<String>, ConfigProblem> {
    let Some(patterns) = patterns else {
        return Ok(vec!["*".to_string()]);
    };
    patterns
        .iter()
        .map(|p| {
            let text = p.get_ref().trim();
            if text.is_empty() || text.contains(char::is_whitespace) {
                Err((
                    p.span().start,
                    format!("`{text}` in {table} is not a resource pattern"),
                ))
            } else {
                Ok(text.to_string())
            }
        })
        .collect()
}

fn reason(reason: &Spanned<String>, table: &str) -> Result<String, ConfigProblem> {
    let text = reason.get_ref().trim();
    if text.is_empty() {
        Err((
            reason.span().start,
            format!("a [[{table}]] entry needs a non-empty `reason`"),
        ))
    } else {
        Ok(text.to_string())
    }
}

/// One policy's statements and guardrails in one analysis.
struct Guarded<'p> {
    policy: &'p AccessPolicy,
    space: Space,
    explorer: Explorer,
    atoms: Vec<AtomSet>,
    /// The member of the first guardrail (the statements come first).
    first_guardrail: u32,
}

impl<'p> Guarded<'p> {
    fn new(
        policy: &'p AccessPolicy,
        guardrails: &[(&[String], &[String])],
        extra_atoms: &[Atom],
    ) -> (Self, Vec<u32>, Implications) {
        let mut space = Space::default();
        space.actions.set_limits(LINT);
        space.resources.set_limits(LINT);
        // The statements' members serve only as Denies: what they take back for sure,
        // whatever their template values are (a Deny on `Ref Bucket` is no Deny of `*`).
        let mut members: Vec<Member> = policy
            .statements
            .iter()
            .map(|statement| Member {
                actions: space.action_set(&statement.actions.surely()),
                resources: space.resource_set(&statement.resources.surely(), policy.dialect),
            })
            .collect();
        let first_guardrail = members.len() as u32;
        for (actions, resources) in guardrails {
            members.push(Member {
                actions: space.action_patterns(actions),
                resources: space.resource_patterns(resources, policy.dialect),
            });
        }
        // An Allow applies where its template values make it match; a Deny, read for
        // what it takes back for sure, wherever its conditions hold.
        let atoms = policy
            .statements
            .iter()
            .map(|s| match s.is_allow() {
                true => space.atoms_of(s),
                false => space.atoms_of(&s.surely()),
            })
            .collect();
        let extra = extra_atoms
            .iter()
            .map(|atom| space.atom(atom.canonical()))
            .collect();
        let implications = space.implications();
        let guarded = Guarded {
            policy,
            space,
            explorer: Explorer::new(members),
            atoms,
            first_guardrail,
        };
        (guarded, extra, implications)
    }

    /// The Deny statements that apply in every world where the atoms of `world` hold.
    fn denies_in(&self, world: &[u32], implications: &Implications) -> Vec<u32> {
        (0..self.policy.statements.len())
            .filter(|&d| {
                !self.policy.statements[d].is_allow() && implications.entails(&self.atoms[d], world)
            })
            .map(|d| d as u32)
            .collect()
    }

    /// An action of statement `s`'s action unit (on its resources) that guardrail `g`
    /// names and no Deny of `denies` takes back, if there is one: sample requests first,
    /// then the unit's classes.
    fn unguarded(
        &mut self,
        s: usize,
        action: SetId,
        g: usize,
        denies: &[u32],
    ) -> Result<Option<String>, TooComplex> {
        let guardrail = self.first_guardrail + g as u32;
        let region = self.explorer.member(guardrail);
        let (space, explorer) = (&mut self.space, &mut self.explorer);
        if !space.actions.sets_meet(action, region.actions) {
            return Ok(None);
        }
        let mut pool = denies.to_vec();
        pool.push(guardrail);
        let statement = &self.policy.statements[s];
        for resource in space.resource_units(&statement.resources, self.policy.dialect) {
            if !space.resources.sets_meet(resource.set, region.resources) {
                continue;
            }
            for a in space.actions.samples(action) {
                for r in space.resources.samples(resource.set) {
                    let matched = explorer.matching(space, &a, &r, pool.iter().copied());
                    if matched == [guardrail] {
                        return Ok(Some(a));
                    }
                }
            }
            let candidates = explorer.relevant(space, action, resource.set, pool.iter().copied());
            let mut example = None;
            explorer.explore(space, action, resource.set, &candidates, |point| {
                if point.members == [guardrail] {
                    example = Some(point.action.to_string());
                    return ControlFlow::Break(());
                }
                ControlFlow::Continue(())
            })?;
            if example.is_some() {
                return Ok(example);
            }
        }
        Ok(None)
    }
}

/// PL501 `forbidden-access`.
pub fn forbidden_access(ctx: &CheckContext, out: &mut Vec<Finding>) {
    let Some(model) = ctx.policy else { return };
    if ctx.access.forbid.is_empty() || !model.statements.iter().any(|s| s.is_allow()) {
        return;
    }
    let policy = AccessPolicy::from_model(model);
    // A policy too complex to analyse is left alone: better no finding than a wrong one.
    let _ = check_forbid(&policy, &ctx.access.forbid, out);
}

fn check_forbid(
    policy: &AccessPolicy,
    forbid: &[Forbid],
    out: &mut Vec<Finding>,
) -> Result<(), TooComplex> {
    let regions: Vec<(&[String], &[String])> = forbid
        .iter()
        .map(|rule| (rule.actions.as_slice(), rule.resources.as_slice()))
        .collect();
    let (mut guarded, _, implications) = Guarded::new(policy, &regions, &[]);
    for (s, statement) in policy.statements.iter().enumerate() {
        if !statement.is_allow() {
            continue;
        }
        let denies = guarded.denies_in(&guarded.atoms[s].clone(), &implications);
        for (g, rule) in forbid.iter().enumerate() {
            for unit in guarded.space.action_units(&statement.actions) {
                let Some(action) = guarded.unguarded(s, unit.set, g, &denies)? else {
                    continue;
                };
                let granted = granted(&action, &rule.actions, &unit.text);
                let conditional = if guarded.atoms[s].is_empty() {
                    ""
                } else {
                    " (under its condition)"
                };
                out.push(
                    Finding::new(
                        unit.span,
                        format!(
                            "`{}` grants access the config forbids{conditional}: {}",
                            unit.text, rule.reason
                        ),
                    )
                    .help(format!(
                        "it grants {granted}, and the config forbids {} on {}; narrow this statement, or add a Deny of that access to the policy",
                        quoted_list(&rule.actions),
                        quoted_list(&rule.resources)
                    )),
                );
                break;
            }
        }
    }
    Ok(())
}

/// PL502 `missing-required-condition`.
pub fn missing_required_condition(ctx: &CheckContext, out: &mut Vec<Finding>) {
    let Some(model) = ctx.policy else { return };
    if ctx.access.require.is_empty() || !model.statements.iter().any(|s| s.is_allow()) {
        return;
    }
    let policy = AccessPolicy::from_model(model);
    let _ = check_require(&policy, &ctx.access.require, out);
}

fn check_require(
    policy: &AccessPolicy,
    require: &[Require],
    out: &mut Vec<Finding>,
) -> Result<(), TooComplex> {
    let regions: Vec<(&[String], &[String])> = require
        .iter()
        .map(|rule| (rule.actions.as_slice(), rule.resources.as_slice()))
        .collect();
    // The required clauses, then their opposites (where an operator has one).
    let mut extra: Vec<Atom> = require.iter().map(|rule| rule.condition.clone()).collect();
    let opposites: Vec<Option<Atom>> = require
        .iter()
        .map(|rule| rule.condition.negation())
        .collect();
    extra.extend(opposites.iter().flatten().cloned());
    let (mut guarded, extra_ids, implications) = Guarded::new(policy, &regions, &extra);
    let mut opposite_ids = extra_ids[require.len()..].iter();
    let opposite_ids: Vec<Option<u32>> = opposites
        .iter()
        .map(|o| o.as_ref().and_then(|_| opposite_ids.next().copied()))
        .collect();
    for (s, statement) in policy.statements.iter().enumerate() {
        if !statement.is_allow() {
            continue;
        }
        for (g, rule) in require.iter().enumerate() {
            if implications.entails(&[extra_ids[g]], &guarded.atoms[s]) {
                continue;
            }
            // The world where the statement applies and the required condition does not.
            let world = match opposite_ids[g] {
                Some(opposite) => union(&guarded.atoms[s], &[opposite]),
                None => guarded.atoms[s].to_vec(),
            };
            let denies = guarded.denies_in(&world, &implications);
            for unit in guarded.space.action_units(&statement.actions) {
                let Some(action) = guarded.unguarded(s, unit.set, g, &denies)? else {
                    continue;
                };
                let granted = granted(&action, &rule.actions, &unit.text);
                let condition = &rule.condition;
                out.push(
                    Finding::new(
                        unit.span,
                        format!(
                            "`{}` grants access without the condition the config requires ({} `{}` {}): {}",
                            unit.text,
                            condition.operator,
                            condition.key,
                            quoted_list(&condition.values),
                            rule.reason
                        ),
                    )
                    .help(format!(
                        "it grants {granted}; add `\"Condition\": {{\"{}\": {{\"{}\": {}}}}}` to this statement",
                        condition.operator,
                        condition.key,
                        serde_json::to_string(&condition.values).unwrap_or_default()
                    )),
                );
                break;
            }
        }
    }
    Ok(())
}

/// What a statement's action entry `unit` grants of a guardrail, for messages: the example
/// action when a pattern names it without wildcards (`oss:*` grants `oss:DeleteBucket`),
/// else the patterns that meet (`ram:Get*` grants actions `ram:*` names).
fn granted(example: &str, guardrail: &[String], unit: &str) -> String {
    let mut patterns: Vec<&str> = guardrail.iter().map(String::as_str).collect();
    patterns.push(unit);
    let spelt = super::pattern::respell(example, &patterns);
    let literal = patterns
        .iter()
        .any(|p| !p.contains(['*', '?']) && p.eq_ignore_ascii_case(&spelt));
    if literal {
        return format!("`{spelt}`");
    }
    let naming: Vec<String> = guardrail
        .iter()
        .filter(|p| crate::matching::action_matches(p, example))
        .cloned()
        .collect();
    format!("actions that {} names", quoted_list(&naming))
}

fn quoted_list(items: &[String]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
