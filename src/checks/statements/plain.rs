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
//! in the engine take part (ASCII, no policy variable or template value), and a policy
//! with one elsewhere in the pool is left to the engine.
//!
//! A statement with a `Not` element (`"NotAction": "ram:*"` on `*`, common beside the
//! statements it makes redundant) is one the engine's first pass never picks: it compares
//! patterns with patterns. When no other statement covers the unit, the engine takes it
//! if it is the only statement of the pool meeting the unit at all, and it covers the
//! unit (none of its `Not` patterns meets the unit's). So does this, with both tests read
//! soundly: two patterns are seen not to meet when their literal starts or ends differ.

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
    actions: Side<'p>,
    resources: Side<'p>,
    applies: Applies,
}

/// A statement's element of one side: its entries, and whether it is the `Not` form.
struct Side<'p> {
    entries: Vec<Entry<'p>>,
    negated: bool,
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
    /// Covers through a `Not` element: the engine takes it only if no other statement of
    /// the pool meets the unit.
    CoversIfAlone,
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
            .map(|s| s.actions.entries.len() + s.resources.entries.len())
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
        if own.actions.negated || own.resources.negated {
            return None;
        }
        let (actions, resources) = (&own.actions.entries, &own.resources.entries);
        if actions.is_empty() || resources.is_empty() {
            return Some(Coverage::Partial);
        }
        if actions.len() * resources.len() * self.patterns > BUDGET {
            return None;
        }
        let pool: Vec<usize> = (0..self.statements.len())
            .filter(|&t| t != s && !removed[t] && !(denies_only && self.allow[t]))
            .collect();
        // A request of each entry: one of each unit.
        let samples = |entries: &[Entry<'p>]| -> Vec<Cow<'p, str>> {
            entries.iter().map(|entry| sample_of(entry.text)).collect()
        };
        let (action_samples, resource_samples) = (samples(actions), samples(resources));
        let mut by = BTreeSet::new();
        let mut unclear = false;
        for (action, action_sample) in actions.iter().zip(&action_samples) {
            for (resource, resource_sample) in resources.iter().zip(&resource_samples) {
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
        // A statement covering through a `Not` element, met on the way.
        let mut alone = None;
        for &t in pool {
            match self.statements[t].as_ref()?.verdict(unit, asked_always) {
                Verdict::PassedOver => {}
                Verdict::Covers => return Some(Some(t)),
                Verdict::CoversIfAlone if alone.is_none() => alone = Some(t),
                Verdict::CoversIfAlone | Verdict::Unclear => return None,
            }
        }
        let Some(alone) = alone else {
            return Some(None);
        };
        // The engine's pool leaves out a statement under clauses when the one asked about
        // applies always; any other must be seen not to meet the unit.
        let others_apart = pool.iter().filter(|&&t| t != alone).all(|&t| {
            self.statements[t].as_ref().is_some_and(|other| {
                (other.applies == Applies::UnderClauses && asked_always) || other.apart_from(unit)
            })
        });
        #[cfg(test)]
        if others_apart {
            super::PLAIN_NOT_COVERS.set(super::PLAIN_NOT_COVERS.get() + 1);
        }
        others_apart.then_some(Some(alone))
    }
}

impl<'p> PlainStatement<'p> {
    fn of(statement: &Statement<'p>, policy: &Policy<'p>) -> Option<Self> {
        let read = |values: &Values<'p>, side: SideKind| -> Option<Vec<Entry<'p>>> {
            if values.has_template_value {
                return None;
            }
            // `Entry::of` refuses text with a `$`, the start of any template expression.
            let mut entries = Vec::with_capacity(values.entries.len());
            for entry in &values.entries {
                let read = Entry::of(trim(entry.text), side, policy.dialect)?;
                if policy.templates.in_template_value(entry.node) {
                    return None;
                }
                entries.push(read);
            }
            Some(entries)
        };
        // An empty `Not` element is left to the engine, as is a statement with both forms.
        let side = |element: &Option<Values<'p>>, not_element: &Option<Values<'p>>, kind| match (
            element,
            not_element,
        ) {
            (Some(values), None) => Some(Side {
                entries: read(values, kind)?,
                negated: false,
            }),
            (None, Some(values)) => Some(Side {
                entries: read(values, kind)?,
                negated: true,
            })
            .filter(|side| !side.entries.is_empty()),
            _ => None,
        };
        let actions = side(&statement.action, &statement.not_action, SideKind::Action)?;
        let resources = match (&statement.resource, &statement.not_resource) {
            (None, None) => Side {
                entries: vec![Entry::of("*", SideKind::Resource, policy.dialect)?],
                negated: false,
            },
            _ => side(
                &statement.resource,
                &statement.not_resource,
                SideKind::Resource,
            )?,
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
        let action = self.actions.matches(unit.action_sample, true);
        let resource = self.resources.matches(unit.resource_sample, false);
        match (action, resource) {
            (Some(false), _) | (_, Some(false)) => return Verdict::PassedOver,
            (Some(true), Some(true)) => {}
            _ => return Verdict::Unclear,
        }
        if self.applies != Applies::Always
            || !self.actions.holds(unit.action, true)
            || !self.resources.holds(unit.resource, false)
        {
            Verdict::Unclear
        } else if self.actions.negated || self.resources.negated {
            Verdict::CoversIfAlone
        } else {
            Verdict::Covers
        }
    }

    /// Whether no request of `unit` is one this statement matches, as far as that is
    /// plain to see: an element without the `Not` form none of whose patterns meets the
    /// unit's (an element with it meets nearly everything).
    fn apart_from(&self, unit: &Unit) -> bool {
        let apart = |side: &Side, entry: &Entry, ignore_case: bool| {
            !side.negated
                && side
                    .entries
                    .iter()
                    .all(|own| cannot_meet(own.text, entry.text, ignore_case))
        };
        apart(&self.actions, unit.action, true) || apart(&self.resources, unit.resource, false)
    }
}

impl Side<'_> {
    /// Whether the element matches `sample`: `Some(false)` as the engine finds it, `None`
    /// when that is not plain to see. `wildcard_match` reads an AWS segment `*` as any
    /// run: it may match where the engine does not, never the reverse, so its "no match"
    /// is the engine's, and so is a match of an entry it reads as written.
    fn matches(&self, sample: &str, ignore_case: bool) -> Option<bool> {
        let matching = |exact_only: bool| {
            self.entries.iter().any(|entry| {
                (entry.covers_as_written || !exact_only)
                    && wildcard_match(entry.text, sample, ignore_case)
            })
        };
        if !self.negated {
            return Some(matching(false));
        }
        if matching(true) {
            Some(false)
        } else if matching(false) {
            None
        } else {
            Some(true)
        }
    }

    /// Whether the element surely matches every string `unit` matches: one of its
    /// patterns holds it, or (the `Not` form) none of them can meet it.
    fn holds(&self, unit: &Entry, ignore_case: bool) -> bool {
        if self.negated {
            return self
                .entries
                .iter()
                .all(|entry| cannot_meet(entry.text, unit.text, ignore_case));
        }
        self.entries.iter().any(|entry| {
            entry.covers_as_written && wildcard_covers(entry.text, unit.text, ignore_case)
        })
    }
}

/// Whether no string matches both patterns, as far as that is plain to see: one without a
/// wildcard that the other does not match, or literal starts (the text before the first
/// wildcard) or ends that differ where both have text. Sound for the engine's reading too,
/// which matches no more than `wildcard_match` (an AWS segment `*` matches less).
fn cannot_meet(a: &str, b: &str, ignore_case: bool) -> bool {
    let wildcards = |text: &str| {
        let bytes = text.as_bytes();
        memchr::memchr2(b'*', b'?', bytes).zip(memchr::memrchr2(b'*', b'?', bytes))
    };
    let (Some((a_first, a_last)), Some((b_first, b_last))) = (wildcards(a), wildcards(b)) else {
        return match wildcards(a) {
            Some(_) => !wildcard_match(a, b, ignore_case),
            None => !wildcard_match(b, a, ignore_case),
        };
    };
    let differ = |(&x, &y): (&u8, &u8)| x != y && !(ignore_case && x.eq_ignore_ascii_case(&y));
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let starts_differ = a[..a_first].iter().zip(&b[..b_first]).any(differ);
    let ends_differ = a[a_last + 1..]
        .iter()
        .rev()
        .zip(b[b_last + 1..].iter().rev())
        .any(differ);
    starts_differ || ends_differ
}

/// Which side an entry is of.
#[derive(Clone, Copy, PartialEq, Eq)]
enum SideKind {
    Action,
    Resource,
}

impl<'p> Entry<'p> {
    /// `None` for text the engine reads otherwise than the matchers here: not ASCII (its
    /// case folding is Unicode's), or holding a `$` (a policy variable, or an escape).
    fn of(text: &'p str, side: SideKind, dialect: Dialect) -> Option<Self> {
        if !text.is_ascii() || memchr::memchr(b'$', text.as_bytes()).is_some() {
            return None;
        }
        let segment_star =
            side == SideKind::Resource && dialect == Dialect::Aws && has_segment_star(text);
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

    /// A statement covering through a `Not` element is the engine's answer only when no
    /// other statement covers the unit and none meets it; one whose `Not` patterns match
    /// the unit's sample does not cover it.
    #[test]
    fn a_not_element_covers_a_unit_it_alone_meets() {
        let asked =
            r#"{"Effect": "Allow", "Action": "oss:GetObject*", "Resource": "acs:oss:*:*:b/*"}"#;
        let cases: [(&[&str], Option<Vec<usize>>); 7] = [
            (
                &[r#"{"Effect": "Allow", "NotAction": "ecs:*", "Resource": "*"}"#],
                Some(vec![1]),
            ),
            // A positive statement later in the policy is the engine's first pick.
            (
                &[
                    r#"{"Effect": "Allow", "NotAction": "ecs:*", "Resource": "*"}"#,
                    r#"{"Effect": "Allow", "Action": "oss:*", "Resource": "*"}"#,
                ],
                Some(vec![2]),
            ),
            // Statements apart from the unit (other actions, other resources) leave it alone.
            (
                &[
                    r#"{"Effect": "Allow", "Action": "ecs:Start*", "Resource": "*"}"#,
                    r#"{"Effect": "Allow", "Action": "oss:*", "NotResource": "acs:ecs:*:*:instance/*"}"#,
                    r#"{"Effect": "Allow", "Action": "oss:*", "Resource": "acs:rds:*:*:*"}"#,
                ],
                Some(vec![2]),
            ),
            // The sample `oss:GetObject` is excluded: the unit is not covered.
            (
                &[r#"{"Effect": "Allow", "NotAction": "OSS:Get*", "Resource": "*"}"#],
                Some(vec![]),
            ),
            // Two `Not` elements: the engine explores.
            (
                &[
                    r#"{"Effect": "Allow", "NotAction": "ecs:*", "Resource": "*"}"#,
                    r#"{"Effect": "Allow", "NotAction": "rds:*", "Resource": "*"}"#,
                ],
                None,
            ),
            // Starts alike and ends alike: whether they meet is the engine's to tell.
            (
                &[r#"{"Effect": "Allow", "NotAction": "oss:*Acl", "Resource": "*"}"#],
                None,
            ),
            (
                &[r#"{"Effect": "Allow", "Action": "*", "NotResource": "acs:oss:*:*:b/x*"}"#],
                None,
            ),
        ];
        for (others, answer) in cases {
            let mut statements = vec![asked];
            statements.extend_from_slice(others);
            let text = policy("1", &statements);
            assert_eq!(answers(&text, 0, false), answer, "{text}");
        }
    }

    #[test]
    fn patterns_cannot_meet_when_their_literal_ends_differ() {
        for (a, b, ignore_case, apart) in [
            ("ram:*", "oss:GetObject", true, true),
            ("ram:*", "RAM:AttachPolicy", true, false),
            ("ram:*", "RAM:AttachPolicy", false, true),
            ("oss:*", "ecs:*", true, true),
            ("oss:*", "o*", true, false),
            ("*Acl", "*Object", true, true),
            ("*Acl", "oss:Get*", true, false),
            ("acs:oss:*:*:b/*", "acs:oss:*:*:c/*", false, false),
            // `acs:oss:1:2:c/3:b/x` is matched by both.
            ("acs:oss:*:*:b/x", "acs:oss:*:*:c/*", false, false),
            ("acs:oss:*:*:b/x", "acs:oss:*:*:c/*y", false, true),
            ("a?c", "abd", false, true),
            ("a?c", "a*", false, false),
            ("", "*", false, false),
            ("", "a", false, true),
        ] {
            assert_eq!(
                cannot_meet(a, b, ignore_case),
                apart,
                "{a} {b} {ignore_case}"
            );
            assert_eq!(
                cannot_meet(b, a, ignore_case),
                apart,
                "{b} {a} {ignore_case}"
            );
        }
    }

    #[test]
    fn what_only_the_engine_can_tell_is_left_to_it() {
        let unclear = [
            // A union of patterns covers what no one of them does.
            r#"{"Effect": "Allow", "Action": ["oss:GetObject", "oss:GetObject?*"], "Resource": "*"}"#,
            // A principal decides whether the statement is in the pool.
            r#"{"Effect": "Allow", "Action": "oss:*", "Resource": "*", "Principal": {"RAM": ["acs:ram::123:root"]}}"#,
            // A `Not` element beside a statement that meets the unit without covering it.
            r#"{"Effect": "Allow", "NotAction": "ecs:*", "Resource": "*"}, {"Effect": "Allow", "Action": "oss:GetObjectAcl", "Resource": "acs:oss:*:*:b/*"}"#,
            // A `Not` element whose patterns may meet the unit's.
            r#"{"Effect": "Allow", "NotAction": "*Acl", "Resource": "*"}"#,
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
