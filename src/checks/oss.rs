//! OSS usability: what the OSS console needs to work.

use super::CheckContext;
use super::actions::Budget;
use crate::catalogue;
use crate::diagnostic::{Finding, Fix};
use crate::fix::append_object;
use crate::matching::trim;
use crate::matching::{action_matches, holds_dollar_brace, is_action_of, resource_matches};
use crate::model::{Statement, Values};

const LIST_BUCKETS: &str = "oss:ListBuckets";

/// Whether an OSS action or pattern grants an action on buckets or objects, which a
/// resource can scope (unlike `oss:ListBuckets`, which takes only `"*"`).
fn grants_bucket_access(action: &str, budget: &mut Budget) -> bool {
    let oss = catalogue::ram();
    let scoped = |a: catalogue::Action| a.takes_only_star() == Some(false);
    let action = trim(action);
    if action.contains(['*', '?']) {
        let cost = oss.service("oss").map_or(0, |s| s.actions().len());
        budget.spend(cost) && oss.matching(action).any(scoped)
    } else {
        oss.action(action).is_some_and(scoped)
    }
}

/// PL401: OSS bucket or object access without `oss:ListBuckets` on `"*"`.
pub fn missing_list_buckets(ctx: &CheckContext, out: &mut Vec<Finding>) {
    let Some(policy) = ctx.policy else { return };
    let mut budget = Budget::new();
    let allows = || policy.statements.iter().filter(|s| s.is_allow());
    // The grant first: most policies grant nothing in OSS, and then the (costlier) search
    // for `oss:ListBuckets` is not needed.
    let first_grant = allows().find_map(|s| {
        s.action
            .as_ref()?
            .entries
            .iter()
            .find(|a| is_action_of(a.text, "oss") && grants_bucket_access(a.text, &mut budget))
    });
    let Some(grant) = first_grant else { return };
    // A value a template fills in may be the very grant looked for: an effect, an action
    // or a resource, or a whole statement.
    let templates = &policy.templates;
    let unknown = |values: &Option<Values>| values.as_ref().is_some_and(|v| v.has_template_value);
    let unknown_statement = policy.statement_member.is_some_and(|m| {
        templates.is_template_value(&m.value)
            || m.value
                .as_array()
                .is_some_and(|items| items.iter().any(|i| templates.is_template_value(i)))
    });
    let may_allow = |s: &&Statement| {
        s.is_allow()
            || s.effect
                .is_some_and(|e| templates.is_template_value(&e.value))
    };
    let lists_buckets = unknown_statement
        || policy.statements.iter().filter(may_allow).any(|s| {
            // `oss:${Action}` may be `oss:ListBuckets`.
            (unknown(&s.action)
                || s.actions()
                    .any(|a| holds_dollar_brace(a) || action_matches(a, LIST_BUCKETS)))
                && (unknown(&s.resource)
                    || s.resources().any(|r| resource_matches(r, "acs:oss:*:*:*")))
        });
    if lists_buckets {
        return;
    }
    let fix = policy
        .statement_member
        .and_then(|m| m.value.as_array())
        .and_then(|items| {
            append_object(
                ctx.text,
                items,
                &[
                    "\"Effect\": \"Allow\"",
                    "\"Action\": \"oss:ListBuckets\"",
                    "\"Resource\": \"*\"",
                ],
            )
        })
        .map(|edit| {
            Fix::unsafe_(
                "add a statement allowing `oss:ListBuckets` on `\"*\"`",
                vec![edit],
            )
        });
    out.push(
        Finding::new(grant.node.span, "OSS access is granted, but no statement allows `oss:ListBuckets` on `\"*\"`: console users cannot list buckets")
            .help("add `{\"Effect\": \"Allow\", \"Action\": \"oss:ListBuckets\", \"Resource\": \"*\"}` if the principal uses the OSS console; API users who know the bucket name do not need it")
            .fix(fix),
    );
}
