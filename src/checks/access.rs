//! Over-broad grants: everything on everything, whole services, unscoped resources.

use super::CheckContext;
use crate::catalogue::{self, OssLevel};
use crate::diagnostic::{Finding, Severity};
use crate::matching::action_service;
use crate::model::{Entry, Statement};

/// Whether a resource names every resource of `service` (or of every service).
pub(super) fn covers_all_resources(resource: &str, service: Option<&str>) -> bool {
    let resource = resource.trim();
    if resource == "*" || resource == "acs:*:*:*:*" || resource == "arn:aws:*:*:*:*" {
        return true;
    }
    let Some(service) = service else { return false };
    resource == format!("acs:{service}:*:*:*") || resource == format!("arn:aws:{service}:*:*:*")
}

fn unscoped_resource<'n>(statement: &Statement<'n>, service: Option<&str>) -> Option<Entry<'n>> {
    statement
        .resource
        .as_ref()?
        .entries
        .iter()
        .find(|r| covers_all_resources(r.text, service))
        .copied()
}

/// `*` or `*:*`: every action of every service.
pub(super) fn is_every_action(action: &str) -> bool {
    matches!(action.trim(), "*" | "*:*")
}

/// `service:*`: every action of one service.
fn whole_service(action: &str) -> Option<String> {
    let service = action.trim().strip_suffix(":*")?;
    (!service.is_empty() && !service.contains('*')).then(|| service.to_ascii_lowercase())
}

/// PL301: Allow of `*` on `*` (administrator) or `service:*` on `*` (a whole service).
pub fn full_access(ctx: &CheckContext, out: &mut Vec<Finding>) {
    let Some(policy) = ctx.policy else { return };
    for statement in policy.statements.iter().filter(|s| s.is_allow()) {
        let Some(actions) = &statement.action else {
            continue;
        };
        for action in &actions.entries {
            if is_every_action(action.text) {
                let Some(resource) = unscoped_resource(statement, None) else {
                    continue;
                };
                out.push(
                    Finding::new(action.node.span, "this statement allows every action on every resource: full administrator access")
                        .label(resource.node.span, "on every resource")
                        .help("grant only the actions the principal needs, on the resources it needs, e.g. `\"Action\": [\"oss:GetObject\"], \"Resource\": \"acs:oss:*:*:<bucket>/*\"`; keep administrator access for the few who need it, through the managed AdministratorAccess policy")
                        .severity(Severity::Error),
                );
            } else if let Some(service) = whole_service(action.text) {
                let Some(resource) = unscoped_resource(statement, Some(&service)) else {
                    continue;
                };
                out.push(
                    Finding::new(
                        action.node.span,
                        format!("this statement allows every `{service}` action on every resource: full access to the service"),
                    )
                    .label(resource.node.span, "on every resource")
                    .help(scoped_example(&service))
                    .severity(Severity::Warning),
                );
            }
        }
    }
}

fn scoped_example(service: &str) -> String {
    if service == "oss" {
        "grant the actions the principal needs on the buckets it needs, e.g. `\"Action\": [\"oss:GetObject\", \"oss:PutObject\"], \"Resource\": \"acs:oss:*:*:<bucket>/*\"`".to_string()
    } else {
        format!(
            "grant the `{service}` actions the principal needs, on named resources, e.g. `\"Resource\": \"acs:{service}:*:<account-id>:<resource-type>/<name>\"`"
        )
    }
}

/// PL302: Allow of bucket- or object-level OSS actions on every resource.
pub fn wildcard_resource(ctx: &CheckContext, out: &mut Vec<Finding>) {
    let Some(policy) = ctx.policy else { return };
    let oss = catalogue::oss();
    for statement in policy.statements.iter().filter(|s| s.is_allow()) {
        let Some(actions) = &statement.action else {
            continue;
        };
        // Statements granting whole services are full-access findings already.
        if actions
            .texts()
            .any(|a| is_every_action(a) || whole_service(a).is_some())
        {
            continue;
        }
        let scopable = actions.entries.iter().find(|a| {
            action_service(a.text).as_deref() == Some("oss")
                && oss
                    .levels_granted_by(a.text)
                    .any(|level| level != OssLevel::Service)
        });
        let Some(scopable) = scopable else { continue };
        let Some(resources) = &statement.resource else {
            continue;
        };
        for resource in resources
            .entries
            .iter()
            .filter(|r| covers_all_resources(r.text, Some("oss")))
        {
            out.push(
                Finding::new(
                    resource.node.span,
                    format!("`{}` grants `{}` on every bucket and object in the account", resource.text.trim(), scopable.text.trim()),
                )
                .label(scopable.node.span, "this action can be scoped to a bucket")
                .help("name the buckets: `acs:oss:*:*:<bucket>` for bucket actions and `acs:oss:*:*:<bucket>/*` for object actions; keep `oss:ListBuckets` in a statement of its own on `\"*\"`"),
            );
        }
    }
}
