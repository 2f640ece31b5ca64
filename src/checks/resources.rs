//! Actions against the resources of their statement (PL105): an action whose resource
//! types' ARN templates no resource of the statement can name never applies (`s3:GetObject`
//! on a bucket, `s3:ListAllMyBuckets` scoped to one, `slb:Create*` on an `acs:log:` name).
//!
//! Each answer leans to "it may apply": resources that are not names of the dialect
//! (placeholders, typos PL102 reports, the other cloud's ARNs) may hold anything; actions
//! whose resources no source documents are judged only by the services their service's
//! resources belong to; actions that take only `"*"` accept any name whose resource part
//! is all wildcards (`arn:aws:s3:::*`, `acs:oss:*:*:*`), as the clouds' own examples do;
//! in RAM only OSS's service-level actions are trusted to take nothing but `"*"`.

use super::CheckContext;
use super::actions::{Budget, is_plain};
use super::resolved::Resolved;
use crate::catalogue::{Action, Catalogue, Service, arn};
use crate::diagnostic::Finding;
use crate::matching::{split_once_byte, trim};
use crate::memo::{self, Memory};
use crate::model::Dialect;
use std::cell::RefCell;

/// Whether `resource` is a name this dialect's templates describe (`arn:` or `acs:`).
fn is_own_name(catalogue: Catalogue, resource: &str) -> bool {
    let scheme = match catalogue.dialect() {
        Dialect::Aws => "arn",
        Dialect::Ram => "acs",
    };
    arn::parts(resource).is_some_and(|(own, _, _)| own == scheme)
}

thread_local! {
    /// `may_act_on` answers: the same actions meet the same resources file after file.
    static ANSWERS: RefCell<Memory<bool>> = RefCell::default();
}

/// [`may_act_on`], remembered per thread.
fn remembered_may_act_on(action: Action, resource: &str) -> bool {
    memo::recall(&ANSWERS, action.id(), resource, || {
        may_act_on(action, resource)
    })
}

/// Whether `action` may act on the resource `resource` names.
fn may_act_on(action: Action, resource: &str) -> bool {
    if !is_own_name(action.service().catalogue(), resource) {
        return true;
    }
    match action.resource_types() {
        // It takes only `*`: a name whose resource part is all wildcards may still be it.
        // RAM's per-API pages say "All Resources" for actions Alibaba Cloud's own policies
        // scope (`log:ConsumerGroupUpdateCheckPoint` to a logstore): only OSS's
        // service-level actions are trusted to take nothing else there.
        Some(types) if types.len() == 0 => {
            all_wildcards(resource)
                || (action.service().catalogue().dialect() == Dialect::Ram
                    && action.service().code() != "oss"
                    && in_service_vocabulary(action.service(), resource))
        }
        Some(mut types) => types.any(|t| {
            t.resource_type
                .arn_templates()
                .any(|template| arn::template_may_match(template, resource))
        }),
        None => in_service_vocabulary(action.service(), resource),
    }
}

/// `*`, or a name whose resource part is only wildcards and policy variables.
fn all_wildcards(resource: &str) -> bool {
    if resource.chars().all(|c| c == '*') {
        return true;
    }
    arn::parts(resource).is_some_and(|(_, _, part)| {
        let mut rest = part;
        while let Some(start) = rest.find("${") {
            let Some(len) = rest[start..].find('}') else {
                break;
            };
            if rest[..start].chars().any(|c| c != '*' && c != '?') {
                return false;
            }
            rest = &rest[start + len + 1..];
        }
        !part.is_empty() && rest.chars().all(|c| c == '*' || c == '?')
    })
}

/// For an action whose resources no source documents: whether `resource` belongs to a
/// service its service's resource types belong to (or its own). A service with no
/// documented resource types says nothing.
fn in_service_vocabulary(service: Service, resource: &str) -> bool {
    let Some((_, resource_service, _)) = arn::parts(resource) else {
        return true;
    };
    if resource_service.contains(['*', '?', '$'])
        || resource_service.eq_ignore_ascii_case(service.code())
        || service.resource_types().len() == 0
    {
        return true;
    }
    service.resource_types().any(|t| {
        t.arn_templates().any(|template| {
            arn::parts(template)
                .is_none_or(|(_, own, _)| own.eq_ignore_ascii_case(resource_service))
        })
    })
}

/// The catalogue actions an action entry names: one, or those its pattern matches in one
/// service. Empty for what cannot be judged (unknown services, wildcard services, or past
/// the budget).
fn named_actions(text: &str, resolved: &Resolved, budget: &mut Budget) -> Vec<Action> {
    let text = trim(text);
    let Some((service_text, name)) = split_once_byte(text, b':') else {
        return Vec::new();
    };
    if !is_plain(service_text) {
        return Vec::new();
    }
    let Some(service) = resolved.service else {
        return Vec::new();
    };
    if is_plain(name) {
        return resolved.action.into_iter().collect();
    }
    if !budget.spend(service.actions().len()) {
        return Vec::new();
    }
    resolved.matching(service, name).collect()
}

/// An ARN template of one of the actions, for the help line: the shortest of a required
/// type, else the shortest (`arn:${Partition}:s3:::${BucketName}/${ObjectName}` for
/// `s3:GetObject`, rather than its access-point form).
pub(super) fn example_template(actions: &[Action]) -> Option<&'static str> {
    let types = actions
        .iter()
        .filter_map(|action| action.resource_types())
        .flatten();
    types
        .flat_map(|t| {
            t.resource_type
                .arn_templates()
                .map(move |arn| (!t.required, arn.len(), arn))
        })
        .min()
        .map(|(_, _, arn)| arn)
}

fn describe(action: Action) -> String {
    let name = action.qualified_name();
    match action.resource_types() {
        Some(types) if types.len() == 0 => {
            format!("`{name}` takes only `\"*\"` (it cannot be scoped to a resource)")
        }
        Some(types) => {
            let mut names: Vec<&str> = types.map(|t| t.resource_type.name()).collect();
            names.dedup();
            let mut text = format!("`{name}` acts on ");
            for (i, type_name) in names.iter().take(3).enumerate() {
                if i > 0 {
                    text.push_str(" or ");
                }
                text.push('`');
                text.push_str(type_name);
                text.push('`');
            }
            if names.len() > 3 {
                text.push_str(" or others");
            }
            text.push_str(" resources");
            text
        }
        None => format!("`{name}` acts on `{}` resources", action.service().code()),
    }
}

/// PL105: actions that no resource of their statement can ever match.
pub fn action_resource_mismatch(ctx: &CheckContext, out: &mut Vec<Finding>) {
    let (Some(policy), Some(resolved)) = (ctx.policy, ctx.resolved_actions()) else {
        return;
    };
    let mut budget = Budget::new();
    // Cleared for each statement, kept grown for the next.
    let mut named_by_text: foldhash::HashMap<&str, Vec<Action>> = Default::default();
    let mut fits: foldhash::HashMap<Action, bool> = Default::default();
    for (position, statement) in policy.statements.iter().enumerate() {
        let (Some(actions), Some(resources)) = (&statement.action, &statement.resource) else {
            continue;
        };
        // The statement's `Action` entries come first among its resolved ones.
        let resolved = resolved.statement(position);
        // A resource a template fills in may be the one that fits.
        if resources.entries.is_empty() || resources.has_template_value {
            continue;
        }
        let mut texts: Vec<&str> = resources.texts().map(trim).collect();
        if texts.contains(&"*") {
            continue;
        }
        texts.sort_unstable();
        texts.dedup();
        // A long list repeats its entries and the actions they name: each entry is
        // expanded, and each action compared with the resources, once a statement, so the
        // work grows with the list rather than with the list times the resources.
        named_by_text.clear();
        fits.clear();
        for (entry, resolved) in actions.entries.iter().zip(resolved) {
            let named = named_by_text
                .entry(trim(entry.text))
                .or_insert_with(|| named_actions(entry.text, resolved, &mut budget));
            let named = named.as_slice();
            let unknown = named.iter().filter(|a| !fits.contains_key(a)).count();
            if named.is_empty()
                || !budget.spend(unknown * texts.len())
                || named.iter().any(|&action| {
                    *fits
                        .entry(action)
                        .or_insert_with(|| texts.iter().any(|r| remembered_may_act_on(action, r)))
                })
            {
                continue;
            }
            let text = trim(entry.text);
            let takes_star = named.iter().all(|a| a.takes_only_star() == Some(true));
            let message = match named {
                [action] if takes_star => format!(
                    "{}, but no resource of this statement is `\"*\"`: it never applies",
                    describe(*action)
                ),
                [action] => format!(
                    "{}, but no resource of this statement can name one: it never applies",
                    describe(*action)
                ),
                _ => format!(
                    "none of the {} actions `{text}` matches can act on a resource of this statement: it never applies",
                    named.len()
                ),
            };
            let help = if takes_star {
                "grant it in a statement of its own with `\"Resource\": \"*\"`".to_string()
            } else {
                match example_template(named) {
                    Some(template) => format!(
                        "add a resource such as `{template}`, or move the action to a statement that has one"
                    ),
                    None => "move the action to a statement whose resources it acts on".to_string(),
                }
            };
            out.push(
                Finding::new(entry.node.span, message)
                    .label(resources.member.value.span, "the statement's resources")
                    .help(help),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue;
    use std::collections::HashMap;

    fn action(name: &str) -> Action {
        let (dialect, name) = name.split_once(' ').unwrap();
        let catalogue = if dialect == "aws" {
            catalogue::aws()
        } else {
            catalogue::ram()
        };
        catalogue.action(name).unwrap_or_else(|| panic!("{name}"))
    }

    #[test]
    fn actions_on_resources() {
        for (name, resource, expected) in [
            ("aws s3:ListAllMyBuckets", "arn:aws:s3:::logs", false),
            ("aws s3:ListAllMyBuckets", "arn:aws:s3:::*", true),
            ("aws s3:GetObject", "arn:aws:s3:::logs", false),
            ("aws s3:GetObject", "arn:aws:s3:::logs/*", true),
            ("aws s3:ListBucket", "arn:aws:s3:::logs", true),
            ("aws s3:GetObject", "acs:oss:*:*:logs", true),
            ("aws s3:GetObject", "<bucket>", true),
            ("ram oss:ListBuckets", "acs:oss:*:*:*", true),
            ("ram oss:ListBuckets", "acs:oss:*:*:logs", false),
            ("ram oss:ListObjects", "acs:oss:*:*:logs", true),
            ("ram oss:ListObjects", "acs:oss:*:*:logs*", true),
            ("ram oss:ListObjects", "acs:oss:*:*:logs/*", false),
            ("ram oss:GetObject", "acs:oss:*:*:logs/*", true),
            ("ram oss:GetObject", "acs:oss:*:*:logs*", true),
            ("ram oss:GetObject", "acs:oss:*:*:logs", false),
            ("ram oss:GetObject", "acs:ecs:*:*:instance/*", false),
            ("ram oss:GetObject", "arn:aws:s3:::logs", true),
            ("ram ecs:DeleteInstance", "acs:ecs:*:*:instance/i-1", true),
            ("ram ecs:DeleteInstance", "acs:ecs:*:*:disk/d-1", false),
            ("ram slb:CreateRules", "acs:log:*:*:project/p", false),
            ("ram slb:CreateRules", "acs:slb:*:*:loadbalancer/x", true),
            (
                "ram log:ConsumerGroupUpdateCheckPoint",
                "acs:log:*:*:project/p/logstore/l",
                true,
            ),
            (
                "ram log:ConsumerGroupUpdateCheckPoint",
                "acs:ecs:*:*:instance/i-1",
                false,
            ),
        ] {
            assert_eq!(
                may_act_on(action(name), resource),
                expected,
                "{name} on {resource}"
            );
        }
    }

    #[test]
    fn remembered_answers_are_the_answers() {
        let resources = [
            "*",
            "arn:aws:s3:::logs",
            "arn:aws:s3:::logs/*",
            "arn:aws:s3:::*",
            "arn:aws:iam::1:role/r",
            "arn:aws:dynamodb:us-east-1:1:table/t",
            "arn:aws:lambda:*:1:function:f",
            "arn:aws:sqs:eu-west-1:1:q",
            "arn:aws:ec2:*:*:instance/*",
            "acs:oss:*:*:logs",
            "acs:oss:*:*:logs/*",
            "acs:oss:*:*:*",
            "acs:ecs:*:*:instance/i-1",
            "acs:rds:*:*:dbinstance/i-1",
            "acs:log:*:*:project/p/logstore/l",
            "acs:ram:*:*:role/r",
            "acs:slb:*:*:loadbalancer/x",
            "<bucket>",
            "acs:ecs:*:*:disk/*",
        ];
        // Actions of both catalogues (the same index names an action in each).
        let actions: Vec<Action> = catalogue::all()
            .into_iter()
            .flat_map(|c| c.services())
            .flat_map(|s| s.actions().step_by(7))
            .collect();
        let mut rng = crate::testing::Rng(26);
        let mut answers: HashMap<(Action, &str), bool> = HashMap::new();
        for _ in 0..60_000 {
            let action = actions[rng.below(actions.len())];
            let resource = rng.pick(&resources);
            let direct = may_act_on(action, resource);
            assert_eq!(
                remembered_may_act_on(action, resource),
                direct,
                "{action:?} on {resource}"
            );
            answers.insert((action, resource), direct);
        }
        // The memory was asked, again and again, of the same resource for actions that
        // answer differently, and of the same action for resources that do.
        type Question<'a> = (Action, &'a str);
        let differs = |same: &dyn Fn(&Question, &Question) -> bool| {
            answers
                .iter()
                .any(|(a, &x)| answers.iter().any(|(b, &y)| a != b && same(a, b) && x != y))
        };
        assert!(differs(&|a, b| a.1 == b.1));
        assert!(differs(&|a, b| a.0 == b.0));
        assert!(differs(&|a, b| a.0.name() == b.0.name() && a.1 == b.1));
    }

    #[test]
    fn resource_parts_of_wildcards() {
        assert!(all_wildcards("*"));
        assert!(all_wildcards("arn:aws:s3:::*"));
        assert!(all_wildcards("acs:oss:*:*:*"));
        assert!(all_wildcards("arn:aws:iam::*:${aws:username}"));
        assert!(!all_wildcards("arn:aws:s3:::logs"));
        assert!(!all_wildcards("acs:oss:*:*:"));
    }
}
