//! The engine's answer to "do other statements cover this one?" without the engine, where
//! it is plain to see: most statements that are covered at all are covered unit by unit
//! (action entry × resource entry) by one other statement whose patterns each hold one of
//! the unit's, as `oss:*` on `*` holds `oss:GetObject` on `acs:oss:*:*:bucket/*`. Building
//! the engine's automata for a policy cost more than the rest of its checks together.
//!
//! The engine takes, for each unit, the first statement of the pool (in policy order) that
//! covers it. So does this: a statement that does not match a sample request of the unit
//! cannot cover it and is passed over, and so is one under condition clauses when the
//! statement asked about applies always (the engine leaves it out of the pool); the first
//! one that matches must be seen to cover the unit (one of its action patterns holds the
//! unit's action, one of its resource patterns the unit's resource, and no condition or
//! principal decides whether it is in the pool), or the question is left to the engine. A unit whose sample no statement of
//! the pool matches is not covered. Only statements whose patterns read the same here as
//! in the engine take part (ASCII, no `Not` element, policy variable or template value),
//! and a policy with one elsewhere in the pool is left to the engine.

use super::{Coverage, sample_of};
use crate::access::policy::AccessPolicy;
use crate::matching::run_index::INDEXED_FROM;
use crate::matching::{has_segment_star, trim, wildcard_covers, wildcard_match};
use crate::model::{Dialect, Policy, Statement, Values};
use std::borrow::Cow;
use std::collections::BTreeSet;

/// Past this many units × patterns of the policy (or patterns) a question is left to the
/// engine and its indexes: the search here is a plain scan.
const BUDGET: usize = 4_096;

/// The statements the engine reads, as this module reads them.
pub(super) struct PlainStatements<'p> {
    /// By engine index: `None` for a statement this module cannot read.
    statements: Vec<Option<PlainStatement<'p>>>,
    allow: Vec<bool>,
    /// How many patterns the statements hold, all together.
    patterns: usize,
}

struct PlainStatement<'p> {
    actions: Vec<Entry<'p>>,
    resources: Vec<Entry<'p>>,
    applies: Applies,
}

/// When a statement applies, as far as the pool of a question goes: the engine takes a
/// statement into the pool when the statement asked about implies each of its condition
/// clauses and principals (`Implications::entails`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Applies {
    /// Always (no condition clause, no principal): in every pool.
    Always,
    /// Under condition clauses, without a principal: in no pool of a statement that
    /// applies always, which implies no clause; in others, the engine weighs the clauses.
    UnderClauses,
    /// With a principal: the engine weighs it.
    Unclear,
}

/// One action or resource entry, trimmed.
struct Entry<'p> {
    text: &'p str,
    /// Whether every string the engine reads it to match, the matchers here read it to
    /// match too (not so for an AWS resource `*` confined to its ARN segment).
    covers_as_written: bool,
}

/// What one statement looked at in a question is found to do with a unit.
enum Verdict {
    PassedOver,
    Covers,
    Unclear,
}

impl<'p> PlainStatements<'p> {
    /// `statements`: the policy's statements the engine reads, in its order. `None` for a
    /// policy too long for questions to be asked here: the engine's indexes spare each
    /// question most statements, a scan here would not.
    pub(super) fn of(policy: &Policy<'p>, statements: &[&Statement<'p>]) -> Option<Self> {
        if statements.len() >= INDEXED_FROM {
            return None;
        }
        let read: Vec<Option<PlainStatement<'p>>> = statements
            .iter()
            .map(|statement| PlainStatement::of(statement, policy))
            .collect();
        let patterns = read
            .iter()
            .flatten()
            .map(|s| s.actions.len() + s.resources.len())
            .sum();
        (patterns <= BUDGET).then(|| PlainStatements {
            statements: read,
            allow: statements.iter().map(|s| s.is_allow()).collect(),
            patterns,
        })
    }

    /// What `Analysis::coverage` answers about statement `s` (engine index), or `None` when
    /// it is not plain to see. `removed[t]`: statement `t` is out of the pool.
    pub(super) fn coverage(
        &self,
        s: usize,
        removed: &[bool],
        denies_only: bool,
    ) -> Option<Coverage> {
        let own = self.statements[s].as_ref()?;
        if own.actions.is_empty() || own.resources.is_empty() {
            return Some(Coverage::Partial);
        }
        if own.actions.len() * own.resources.len() * self.patterns > BUDGET {
            return None;
        }
        let pool: Vec<usize> = (0..self.statements.len())
            .filter(|&t| t != s && !removed[t] && !(denies_only && self.allow[t]))
            .collect();
        // A request of each entry: one of each unit.
        let samples = |entries: &[Entry<'p>]| -> Vec<Cow<'p, str>> {
            entries.iter().map(|entry| sample_of(entry.text)).collect()
        };
        let (action_samples, resource_samples) = (samples(&own.actions), samples(&own.resources));
        let mut by = BTreeSet::new();
        let mut unclear = false;
        for (action, action_sample) in own.actions.iter().zip(&action_samples) {
            for (resource, resource_sample) in own.resources.iter().zip(&resource_samples) {
                let unit = Unit {
                    action,
                    action_sample,
                    resource,
                    resource_sample,
                };
                match self.first_covering(&pool, &unit, own.applies == Applies::Always) {
                    Some(Some(t)) => {
                        by.insert(t);
                    }
                    // Whatever else is unclear, this unit is not covered.
                    Some(None) => return Some(Coverage::Partial),
                    None => unclear = true,
                }
            }
        }
        (!unclear).then_some(Coverage::Full(by))
    }

    /// The first statement of `pool` that covers the unit, `Some(None)` when none does, or
    /// `None` when that is not plain to see.
    fn first_covering(
        &self,
        pool: &[usize],
        unit: &Unit,
        asked_always: bool,
    ) -> Option<Option<usize>> {
        for &t in pool {
            match self.statements[t].as_ref()?.verdict(unit, asked_always) {
                Verdict::PassedOver => {}
                Verdict::Covers => return Some(Some(t)),
                Verdict::Unclear => return None,
            }
        }
        Some(None)
    }
}

impl<'p> PlainStatement<'p> {
    fn of(statement: &Statement<'p>, policy: &Policy<'p>) -> Option<Self> {
        if statement.not_action.is_some() || statement.not_resource.is_some() {
            return None;
        }
        let read = |values: &Values<'p>, side: Side| -> Option<Vec<Entry<'p>>> {
            if values.has_template_value {
                return None;
            }
            values
                .entries
                .iter()
                .map(|entry| {
                    if policy.templates.holds_template_expression(entry.node) {
                        return None;
                    }
                    Entry::of(trim(entry.text), side, policy.dialect)
                })
                .collect()
        };
        let actions = read(statement.action.as_ref()?, Side::Action)?;
        let resources = match &statement.resource {
            Some(values) => read(values, Side::Resource)?,
            None => vec![Entry::of("*", Side::Resource, policy.dialect)?],
        };
        Some(PlainStatement {
            actions,
            resources,
            applies: if statement.principal.is_some() || statement.not_principal.is_some() {
                Applies::Unclear
            } else if statement
                .condition
                .is_some_and(|condition| AccessPolicy::has_clauses(&condition.value))
            {
                Applies::UnderClauses
            } else {
                Applies::Always
            },
        })
    }

    /// What this statement does with `unit`, of a statement that applies always or not
    /// (`asked_always`).
    fn verdict(&self, unit: &Unit, asked_always: bool) -> Verdict {
        if self.applies == Applies::UnderClauses && asked_always {
            return Verdict::PassedOver;
        }
        let matches = |entries: &[Entry], sample: &str, ignore_case: bool| {
            entries
                .iter()
                .any(|entry| wildcard_match(entry.text, sample, ignore_case))
        };
        // `wildcard_match` reads an AWS segment `*` as any run: it may match where the
        // engine does not, never the reverse, so "no match" is the engine's answer.
        if !matches(&self.actions, unit.action_sample, true)
            || !matches(&self.resources, unit.resource_sample, false)
        {
            return Verdict::PassedOver;
        }
        let holds = |entries: &[Entry], unit: &Entry, ignore_case: bool| {
            entries.iter().any(|entry| {
                entry.covers_as_written && wildcard_covers(entry.text, unit.text, ignore_case)
            })
        };
        if self.applies == Applies::Always
            && holds(&self.actions, unit.action, true)
            && holds(&self.resources, unit.resource, false)
        {
            Verdict::Covers
        } else {
            Verdict::Unclear
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Action,
    Resource,
}

impl<'p> Entry<'p> {
    /// `None` for text the engine reads otherwise than the matchers here: not ASCII (its
    /// case folding is Unicode's), or holding a `$` (a policy variable, or an escape).
    fn of(text: &'p str, side: Side, dialect: Dialect) -> Option<Self> {
        if !text.is_ascii() || memchr::memchr(b'$', text.as_bytes()).is_some() {
            return None;
        }
        let segment_star =
            side == Side::Resource && dialect == Dialect::Aws && has_segment_star(text);
        Some(Entry {
            text,
            covers_as_written: !segment_star,
        })
    }
}

/// A unit of the statement asked about: an action entry and a resource entry, each with
/// a request it matches.
struct Unit<'u, 'p> {
    action: &'u Entry<'p>,
    action_sample: &'u str,
    resource: &'u Entry<'p>,
    resource_sample: &'u str,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{Arena, parse};

    fn answers(text: &str, s: usize, denies_only: bool) -> Option<Vec<usize>> {
        let arena = Arena::new();
        let parsed = parse(text, &arena).unwrap();
        let policy = Policy::from_root(&parsed.root, &arena).unwrap();
        let statements: Vec<&Statement> = policy
            .statements
            .iter()
            .filter(|s| AccessPolicy::reads(s))
            .collect();
        let plain = PlainStatements::of(&policy, &statements).unwrap();
        let removed = vec![false; statements.len()];
        match plain.coverage(s, &removed, denies_only)? {
            Coverage::Full(by) => Some(by.into_iter().collect()),
            Coverage::Partial => Some(Vec::new()),
        }
    }

    fn policy(version: &str, statements: &[&str]) -> String {
        format!(
            r#"{{"Version": "{version}", "Statement": [{}]}}"#,
            statements.join(", ")
        )
    }

    #[test]
    fn each_unit_takes_the_first_statement_covering_it() {
        let text = policy(
            "1",
            &[
                r#"{"Effect": "Allow", "Action": ["oss:GetObject", "ecs:StartInstance"], "Resource": ["acs:oss:*:*:b/*", "acs:ecs:*:*:instance/i-1"]}"#,
                r#"{"Effect": "Allow", "Action": "ecs:Start*", "Resource": "*"}"#,
                r#"{"Effect": "Allow", "Action": "OSS:get*", "Resource": "acs:oss:*:*:*"}"#,
                r#"{"Effect": "Allow", "Action": "*", "Resource": "*"}"#,
            ],
        );
        // oss:GetObject on the ECS instance: only `*` on `*` covers it.
        assert_eq!(answers(&text, 0, false), Some(vec![1, 2, 3]));
        assert_eq!(answers(&text, 1, false), Some(vec![3]));
        assert_eq!(answers(&text, 0, true), Some(vec![]));
    }

    #[test]
    fn a_unit_no_other_statement_matches_is_not_covered_whatever_else_is_unclear() {
        let text = policy(
            "1",
            &[
                r#"{"Effect": "Allow", "Action": "oss:GetObject", "Resource": ["acs:oss:*:*:a/*", "acs:oss:*:*:b/*"]}"#,
                r#"{"Effect": "Allow", "Action": "oss:*", "Resource": "acs:oss:*:*:a/*", "Condition": {"Bool": {"acs:SecureTransport": "true"}}}"#,
                r#"{"Effect": "Allow", "Action": "ecs:*", "Resource": "*"}"#,
            ],
        );
        // (GetObject, a/*): statement 1 matches it under a condition, which only the engine
        // weighs; (GetObject, b/*): neither 1 nor 2 matches `acs:oss:::b/`.
        assert_eq!(answers(&text, 0, false), Some(vec![]));
    }

    #[test]
    fn what_only_the_engine_can_tell_is_left_to_it() {
        let unclear = [
            // A union of patterns covers what no one of them does.
            r#"{"Effect": "Allow", "Action": ["oss:GetObject", "oss:GetObject?*"], "Resource": "*"}"#,
            // A principal decides whether the statement is in the pool.
            r#"{"Effect": "Allow", "Action": "oss:*", "Resource": "*", "Principal": {"RAM": ["acs:ram::123:root"]}}"#,
            // A `Not` element.
            r#"{"Effect": "Allow", "NotAction": "ecs:*", "Resource": "*"}"#,
            // A policy variable.
            r#"{"Effect": "Allow", "Action": "oss:*", "Resource": "acs:oss:*:*:${ram:UserName}/*"}"#,
        ];
        for other in unclear {
            let text = policy(
                "1",
                &[
                    r#"{"Effect": "Allow", "Action": "oss:GetObject*", "Resource": "*"}"#,
                    other,
                ],
            );
            assert_eq!(answers(&text, 0, false), None, "{other}");
        }
        // Under a condition, a statement covers one under the same or a stronger one, which
        // the engine weighs; it covers none that applies always.
        let guarded = r#"{"Effect": "Allow", "Action": "oss:*", "Resource": "*", "Condition": {"Bool": {"acs:SecureTransport": "true"}}}"#;
        let asked = [
            (
                r#"{"Effect": "Allow", "Action": "oss:GetObject*", "Resource": "*", "Condition": {"Bool": {"acs:SecureTransport": "true"}}}"#,
                None,
            ),
            (
                r#"{"Effect": "Allow", "Action": "oss:GetObject*", "Resource": "*"}"#,
                Some(vec![]),
            ),
            (
                r#"{"Effect": "Allow", "Action": "oss:GetObject*", "Resource": "*", "Condition": {}}"#,
                Some(vec![]),
            ),
        ];
        for (statement, answer) in asked {
            let text = policy("1", &[statement, guarded]);
            assert_eq!(answers(&text, 0, false), answer, "{statement}");
        }
        // A Condition without a clause is no condition.
        let text = policy(
            "1",
            &[
                r#"{"Effect": "Allow", "Action": "oss:GetObject*", "Resource": "*"}"#,
                r#"{"Effect": "Allow", "Action": "oss:*", "Resource": "*", "Condition": {"Bool": {}}}"#,
            ],
        );
        assert_eq!(answers(&text, 0, false), Some(vec![1]));
        // An AWS `*` inside a segment does not hold `arn:aws:s3:::b/x:y`.
        let text = policy(
            "2012-10-17",
            &[
                r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*:y"}"#,
                r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/*y"}"#,
            ],
        );
        assert_eq!(answers(&text, 0, false), None);
    }
}
