//! Over-broad grants: everything on everything, whole services, unscoped resources,
//! anyone as the principal.

use super::CheckContext;
use super::actions::Budget;
use super::resolved::Resolved;
use crate::catalogue::{self, Action};
use crate::diagnostic::{Finding, Severity};
use crate::matching::{split_once_byte, trim};
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
            let tag_key = resource_tag_condition(statement);
            if is_every_action(action.text) {
                let Some(resource) = unscoped_resource(statement, None) else {
                    continue;
                };
                out.push(weighed_by_tags(
                    Finding::new(action.node.span, "this statement allows every action on every resource: full administrator access")
                        .label(resource.node.span, "on every resource")
                        .help(administrator_example(policy.dialect))
                        .severity(Severity::Error),
                    tag_key,
                ));
            } else if let Some(service) = whole_service(action.text) {
                let Some(resource) = unscoped_resource(statement, Some(&service)) else {
                    continue;
                };
                out.push(weighed_by_tags(
                    Finding::new(
                        action.node.span,
                        format!("this statement allows every `{service}` action on every resource: full access to the service"),
                    )
                    .label(resource.node.span, "on every resource")
                    .help(scoped_example(policy.dialect, &service))
                    .severity(Severity::Warning),
                    tag_key,
                ));
            }
        }
    }
}

/// A condition key of the statement on a resource's tag (`aws:ResourceTag/team`,
/// `acs:ResourceTag/team`, `ecs:tag/team`): attribute-based access control.
fn resource_tag_condition<'n>(statement: &Statement<'n>) -> Option<&'n crate::parse::Member<'n>> {
    let blocks = statement.condition?.value.as_object()?;
    blocks
        .iter()
        .filter_map(|block| block.value.as_object())
        .flatten()
        .find(|test| {
            let key = trim(test.key).to_ascii_lowercase();
            key.contains(":resourcetag/")
                || key
                    .split_once(':')
                    .is_some_and(|(_, k)| k.starts_with("tag/"))
        })
}

/// Full access limited to resources with a tag (ABAC) weighs one step less: administrator
/// access becomes a warning, a whole service a note. The tag still decides everything, and
/// whoever can tag resources can widen it, so it is reported, not passed over.
fn weighed_by_tags(finding: Finding, tag_key: Option<&crate::parse::Member>) -> Finding {
    let Some(key) = tag_key else { return finding };
    let lowered = match finding.severity {
        Some(Severity::Error) => Severity::Warning,
        _ => Severity::Info,
    };
    finding
        .label(
            key.key_span,
            "but only on resources with this tag (ABAC): weighed one step lower",
        )
        .severity(lowered)
}

fn administrator_example(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Ram => {
            "grant only the actions the principal needs, on the resources it needs, e.g. `\"Action\": [\"oss:GetObject\"], \"Resource\": \"acs:oss:*:*:<bucket>/*\"`; keep administrator access for the few who need it, through the managed AdministratorAccess policy"
        }
        Dialect::Aws => {
            "grant only the actions the principal needs, on the resources it needs, e.g. `\"Action\": [\"s3:GetObject\"], \"Resource\": \"arn:aws:s3:::<bucket>/*\"`; keep administrator access for the few who need it, through the AWS managed AdministratorAccess policy"
        }
    }
}

fn scoped_example(dialect: Dialect, service: &str) -> String {
    match (dialect, service) {
        (Dialect::Ram, "oss") => "grant the actions the principal needs on the buckets it needs, e.g. `\"Action\": [\"oss:GetObject\", \"oss:PutObject\"], \"Resource\": \"acs:oss:*:*:<bucket>/*\"`".to_string(),
        (Dialect::Aws, "s3") => "grant the actions the principal needs on the buckets it needs, e.g. `\"Action\": [\"s3:GetObject\", \"s3:PutObject\"], \"Resource\": \"arn:aws:s3:::<bucket>/*\"`".to_string(),
        (Dialect::Ram, _) => format!(
            "grant the `{service}` actions the principal needs, on named resources, e.g. `\"Resource\": \"acs:{service}:*:<account-id>:<resource-type>/<name>\"`"
        ),
        (Dialect::Aws, _) => {
            // Global services (IAM, CloudFront...) name no region in their ARNs.
            let global = catalogue::aws().service(service).is_some_and(|s| {
                s.resource_types()
                    .flat_map(|t| t.arn_templates())
                    .all(|arn| arn.split(':').nth(3) == Some(""))
            });
            let region = if global { "" } else { "<region>" };
            format!(
                "grant the `{service}` actions the principal needs, on named resources, e.g. `\"Resource\": \"arn:aws:{service}:{region}:<account-id>:<resource-type>/<name>\"`"
            )
        }
    }
}

/// Object storage: reading every object of every bucket is the data itself, so reads are
/// reported there too.
fn is_object_storage(service: &str) -> bool {
    matches!(service, "oss" | "s3")
}

/// Whether `action`, granted on every resource, is worth a finding: it can be scoped (it
/// has resource types), and it changes something (write, tagging, permissions
/// management), or it is an object-storage action. Reads and lists elsewhere are left
/// alone: granting them on `"*"` is common and seldom harmful.
fn worth_scoping(action: Action) -> bool {
    action.takes_only_star() == Some(false)
        && (action.access_level().changes_something() || is_object_storage(action.service().code()))
}

/// Global condition keys about the caller and the request rather than the resource: a
/// Condition on them alone leaves every resource in reach. A trailing `/` takes any tag.
const REQUEST_KEYS: &[&str] = &[
    "aws:calledvia",
    "aws:calledviafirst",
    "aws:calledvialast",
    "aws:currenttime",
    "aws:epochtime",
    "aws:federatedprovider",
    "aws:multifactorauthage",
    "aws:multifactorauthpresent",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:principalisawsservice",
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalservicename",
    "aws:principalservicenameslist",
    "aws:principaltag/",
    "aws:principaltype",
    "aws:referer",
    "aws:requestedregion",
    "aws:requesttag/",
    "aws:securetransport",
    "aws:sourceidentity",
    "aws:sourceip",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:tagkeys",
    "aws:tokenissuetime",
    "aws:useragent",
    "aws:userid",
    "aws:username",
    "aws:viaawsservice",
    "aws:vpcsourceip",
    "acs:accessid",
    "acs:currenttime",
    "acs:mfaage",
    "acs:mfapresent",
    "acs:principalaccount",
    "acs:principalarn",
    "acs:principalramuserid",
    "acs:principaltype",
    "acs:referer",
    "acs:requesttag/",
    "acs:securetransport",
    "acs:sourceip",
    "acs:sourcevpc",
    "acs:sourcevpcip",
    "acs:tagkeys",
    "acs:tlsversion",
    "acs:useragent",
];

fn is_request_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    REQUEST_KEYS
        .iter()
        .any(|known| match known.strip_suffix('/') {
            Some(prefix) => key.starts_with(prefix) && key.len() > known.len(),
            None => key == *known,
        })
}

/// Whether the statement's Condition may narrow the resources it applies to: it tests a
/// key other than the caller's and the request's (a resource tag, the resource's account,
/// a service key such as `iam:PassedToService` or `ecs:tag/…`).
fn condition_may_narrow(statement: &Statement) -> bool {
    let Some(condition) = statement.condition else {
        return false;
    };
    let blocks = condition.value.as_object().unwrap_or_default();
    blocks.iter().any(|block| {
        block
            .value
            .as_object()
            .unwrap_or_default()
            .iter()
            .any(|key| !is_request_key(key.key.trim()))
    })
}

/// The actions of an entry worth scoping: (the first, how many).
fn scopable_actions(
    text: &str,
    resolved: &Resolved,
    budget: &mut Budget,
) -> Option<(Action, usize)> {
    let text = trim(text);
    let (service, name) = split_once_byte(text, b':')?;
    if service.contains(['*', '?']) {
        return None;
    }
    if !name.contains(['*', '?']) {
        return resolved
            .action
            .filter(|&a| worth_scoping(a))
            .map(|a| (a, 1));
    }
    let service = resolved.service?;
    if !budget.spend(service.actions().len()) {
        return None;
    }
    let mut found = resolved
        .matching(service, name)
        .filter(|&a| worth_scoping(a));
    let first = found.next()?;
    Some((first, 1 + found.count()))
}

/// Whether `resource` names every resource of `service` (every service for `*`): `*`, or
/// a name whose service is `service` or `*` and whose region, account and resource parts
/// are all wildcards or empty (`acs:ecs:*:*:*`, `arn:aws:s3:::*`).
fn unscoped_for(resource: &str, service: &str) -> bool {
    unscoped_for_any(resource, |own| {
        own == "*" || own.eq_ignore_ascii_case(service)
    })
}

/// Whether `resource` is `*`, or a name whose service field `of_service` accepts and
/// whose region, account and resource parts are all wildcards or empty.
fn unscoped_for_any(resource: &str, of_service: impl Fn(&str) -> bool) -> bool {
    let resource = trim(resource);
    if resource == "*" {
        return true;
    }
    // Asked of every resource of every Allow: most name one, and end otherwise.
    if !resource.ends_with('*') {
        return false;
    }
    let Some((scheme, own, _)) = crate::catalogue::arn::parts(resource) else {
        return false;
    };
    // The fields after the service: region, account, resource.
    let before_region = if scheme == "arn" { 3 } else { 2 };
    of_service(own)
        && resource
            .split(':')
            .skip(before_region)
            .all(|field| field.bytes().all(|b| b == b'*'))
}

/// PL302: Allow of actions that can be scoped, on every resource. The rule file limits it
/// to identity policies: in a resource policy `*` is the resource the policy is attached
/// to, and a trust policy names no resource.
pub fn wildcard_resource(ctx: &CheckContext, out: &mut Vec<Finding>) {
    let Some(policy) = ctx.policy else { return };
    let Some(resolved) = ctx.resolved_actions() else {
        return;
    };
    let mut budget = Budget::new();
    for (position, statement) in policy.statements.iter().enumerate() {
        if !statement.is_allow() {
            continue;
        }
        let (Some(actions), Some(resources)) = (&statement.action, &statement.resource) else {
            continue;
        };
        // The statement's `Action` entries come first among its resolved ones.
        let resolved = resolved.statement(position);
        // Most statements name their resources: they are asked first, as naming the
        // actions that could be scoped costs a catalogue search for each pattern.
        // Statements granting whole services are full-access findings already.
        if !resources.texts().any(|r| unscoped_for_any(r, |_| true))
            || actions
                .texts()
                .any(|a| is_every_action(a) || whole_service(a).is_some())
            || condition_may_narrow(statement)
        {
            continue;
        }
        let mut scopable = actions
            .entries
            .iter()
            .zip(resolved)
            .filter_map(|(entry, resolved)| {
                Some((entry, scopable_actions(entry.text, resolved, &mut budget)?))
            });
        let Some((entry, (first, in_first))) = scopable.next() else {
            continue;
        };
        let in_others = scopable.map(|(_, (_, n))| n).sum::<usize>();
        let code = first.service().code();
        for resource in resources
            .entries
            .iter()
            .filter(|r| unscoped_for(r.text, code))
        {
            let grant = Grant {
                entry,
                first,
                in_first,
                in_others,
            };
            out.push(unscoped_finding(resource, &grant));
        }
    }
}

/// What a statement grants that could be scoped: the first entry that names such actions
/// (its first action, how many it names), and how many the other entries name.
struct Grant<'e, 'n> {
    entry: &'e Entry<'n>,
    first: Action,
    in_first: usize,
    in_others: usize,
}

fn unscoped_finding(resource: &Entry, grant: &Grant) -> Finding {
    let first = grant.first;
    let written = trim(grant.entry.text);
    let more = match grant.in_others {
        0 => String::new(),
        1 => " and 1 more action that can be scoped".to_string(),
        n => format!(" and {n} more actions that can be scoped"),
    };
    let label = if grant.in_first > 1 {
        format!("it matches {} actions that can be scoped", grant.in_first)
    } else {
        format!(
            "a {} action that can be scoped",
            first.access_level().name()
        )
    };
    if first.service().code() == "oss" {
        return Finding::new(
            resource.node.span,
            format!(
                "`{}` grants `{written}`{more} on every bucket and object in the account",
                resource.text.trim()
            ),
        )
        .label(grant.entry.node.span, "this action can be scoped to a bucket")
        .help("name the buckets: `acs:oss:*:*:<bucket>` for bucket actions and `acs:oss:*:*:<bucket>/*` for object actions; keep `oss:ListBuckets` in a statement of its own on `\"*\"`");
    }
    let mut kinds: Vec<String> = first
        .resource_types()
        .into_iter()
        .flatten()
        .map(|t| format!("`{}`", t.resource_type.name()))
        .collect();
    kinds.truncate(3);
    let template = super::resources::example_template(&[first]).unwrap_or("*");
    Finding::new(
        resource.node.span,
        format!(
            "`{}` lets `{written}`{more} act on every {} in the account",
            resource.text.trim(),
            kinds.join(" or ")
        ),
    )
    .label(grant.entry.node.span, label)
    .help(format!(
        "name the resources it may act on, such as `{template}`; keep actions that take only `\"*\"` in a statement of their own"
    ))
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
            let help = if trust && policy.dialect == Dialect::Aws {
                "name who may assume the role, e.g. `{\"AWS\": [\"arn:aws:iam::<account-id>:root\"]}` or `{\"Service\": [\"lambda.amazonaws.com\"]}`, or add a Condition that restricts the callers, such as `sts:ExternalId` or `aws:PrincipalOrgID`"
            } else if trust {
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
