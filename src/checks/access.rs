//! Over-broad grants: everything on everything, whole services, unscoped resources,
//! anyone as the principal.

use super::CheckContext;
use crate::catalogue;
use crate::diagnostic::{Finding, Severity};
use crate::matching::{is_action_of, trim};
use crate::model::{Dialect, Entry, PolicyKind, Statement};
use crate::parse::{Node, NodeKind};

/// Whether a resource names every resource of `service` (or of every service).
pub(super) fn covers_all_resources(resource: &str, service: Option<&str>) -> bool {
    let resource = trim(resource);
    if resource == "*" || resource == "acs:*:*:*:*" || resource == "arn:aws:*:*:*:*" {
        return true;
    }
    let Some(service) = service else { return false };
    ["acs:", "arn:aws:"].iter().any(|partition| {
        resource
            .strip_prefix(partition)
            .and_then(|rest| rest.strip_prefix(service))
            == Some(":*:*:*")
    })
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
    matches!(trim(action), "*" | "*:*")
}

/// `service:*`: every action of one service.
fn whole_service(action: &str) -> Option<String> {
    let service = trim(action).strip_suffix(":*")?;
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
        let scopable = actions
            .entries
            .iter()
            .find(|a| is_action_of(a.text, "oss") && oss.grants_scopable_action(a.text));
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

/// Principal keys whose `*` means "anyone of that kind".
const PRINCIPAL_KEYS: [&str; 4] = ["RAM", "Service", "Federated", "AWS"];

/// PL306: a trust or resource policy statement that allows `*` as the principal
/// (`"*"`, `["*"]`, `{"RAM": "*"}`, `{"Service": ["*"]}`...) with no Condition.
/// A resource-policy statement whose only resource is `"*"` is not a bucket policy but an
/// endpoint policy (PrivateLink, VPC gateway endpoints), where `*` means "whoever comes
/// through the endpoint" and every caller still needs its own permissions: it is skipped.
pub fn wildcard_principal(ctx: &CheckContext, out: &mut Vec<Finding>) {
    let Some(policy) = ctx.policy else { return };
    let trust = policy.kind == PolicyKind::Trust;
    for statement in policy.statements.iter().filter(|s| s.is_allow()) {
        let Some(principal) = statement.principal else {
            continue;
        };
        if has_condition(statement) || (!trust && names_no_resource(statement)) {
            continue;
        }
        for (key, node) in wildcard_principals(&principal.value) {
            let (whom, element) = match (trust, key) {
                (true, Some("Service")) => (
                    "lets any cloud service assume this role",
                    "`Principal.Service`".to_string(),
                ),
                (true, Some("Federated")) => (
                    "lets the users of any identity provider assume this role",
                    "`Principal.Federated`".to_string(),
                ),
                (true, key) => (
                    "lets the users and roles of any account assume this role",
                    key.map_or("`Principal`".to_string(), |k| format!("`Principal.{k}`")),
                ),
                (false, key) => (
                    "grants this statement to everyone, anonymous requests included",
                    key.map_or("`Principal`".to_string(), |k| format!("`Principal.{k}`")),
                ),
            };
            let help = if trust {
                "name who may assume the role, e.g. `{\"RAM\": [\"acs:ram::<account-id>:root\"]}` or `{\"Service\": [\"ecs.aliyuncs.com\"]}`, or add a Condition that restricts the callers"
            } else if policy.dialect == Dialect::Aws {
                "name the accounts or users that need access, or add a Condition that restricts the callers, such as `aws:SourceVpc` or `aws:SourceIp`"
            } else {
                "name the accounts or RAM users that need access, e.g. `\"Principal\": [\"<account-id>\"]`, or add a Condition that restricts the callers, such as `acs:SourceVpc` or `acs:SourceIp`"
            };
            out.push(
                Finding::new(
                    node.span,
                    format!("`*` in {element} {whom}, and no Condition narrows it"),
                )
                .help(help),
            );
        }
    }
}

/// `"Resource": "*"` (or no resource at all) and no `NotResource`.
fn names_no_resource(statement: &Statement) -> bool {
    statement.not_resource.is_none() && statement.resources().all(|r| trim(r) == "*")
}

/// A Condition that tests something; an empty `{}` narrows nothing.
fn has_condition(statement: &Statement) -> bool {
    statement.condition.is_some_and(|c| {
        c.value
            .as_object()
            .is_none_or(|members| !members.is_empty())
    })
}

/// The `*` strings of a Principal, with the key they sit under (`None` for a bare string
/// or array).
fn wildcard_principals<'n>(value: &'n Node<'n>) -> Vec<(Option<&'n str>, &'n Node<'n>)> {
    match &value.kind {
        NodeKind::Object(members) => members
            .iter()
            .filter(|m| PRINCIPAL_KEYS.contains(&m.key))
            .flat_map(|m| stars(&m.value).into_iter().map(|n| (Some(m.key), n)))
            .collect(),
        _ => stars(value).into_iter().map(|n| (None, n)).collect(),
    }
}

/// `node` itself if it is the string `*`, or the `*` items of an array.
fn stars<'n>(node: &'n Node<'n>) -> Vec<&'n Node<'n>> {
    match &node.kind {
        NodeKind::String(s) if trim(s) == "*" => vec![node],
        NodeKind::Array(items) => items
            .iter()
            .filter(|item| item.as_str().is_some_and(|s| trim(s) == "*"))
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::covers_all_resources;

    #[test]
    fn all_resources_of_a_service_or_of_every_service() {
        for (resource, service, expected) in [
            ("*", None, true),
            (" acs:*:*:*:* ", None, true),
            ("arn:aws:*:*:*:*", None, true),
            ("acs:oss:*:*:*", None, false),
            ("acs:oss:*:*:*", Some("oss"), true),
            (" acs:oss:*:*:*", Some("oss"), true),
            ("arn:aws:s3:*:*:*", Some("s3"), true),
            ("acs:oss:*:*:bucket", Some("oss"), false),
            ("acs:ossx:*:*:*", Some("oss"), false),
            ("acs:oss:*:*:*:*", Some("oss"), false),
            ("acs:ecs:*:*:*", Some("oss"), false),
        ] {
            assert_eq!(
                covers_all_resources(resource, service),
                expected,
                "{resource:?} {service:?}"
            );
        }
    }
}
