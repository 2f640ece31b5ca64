//! Principals: the forms `Principal` and `NotPrincipal` take in each dialect, and where
//! each may appear. Wrong JSON types are PL003's; a wildcard principal is PL306's.

use super::CheckContext;
use crate::diagnostic::Finding;
use crate::matching::trim;
use crate::model::{Dialect, PolicyKind, Statement, TemplateValues};
use crate::parse::{Member, NodeKind};

const AWS_PRINCIPAL_TYPES: &[&str] = &["AWS", "Service", "Federated", "CanonicalUser"];
const RAM_PRINCIPAL_TYPES: &[&str] = &["RAM", "Service", "Federated"];

/// IAM's partitions (`aws`, China, GovCloud, the isolated regions and the European
/// sovereign cloud).
pub const AWS_PARTITIONS: &[&str] = &[
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
];

/// PL110: a principal IAM or RAM cannot read, or one where the policy kind takes none.
pub fn invalid_principal(ctx: &CheckContext, out: &mut Vec<Finding>) {
    let Some(policy) = ctx.policy else { return };
    for statement in policy.statements {
        let members = statement.node.as_object().unwrap_or_default();
        for member in members
            .iter()
            .filter(|m| m.key == "Principal" || m.key == "NotPrincipal")
        {
            if policy.templates.is_template_value(&member.value) {
                continue;
            }
            if policy.kind == PolicyKind::Identity {
                out.push(
                    Finding::new(
                        member.key_span,
                        format!(
                            "an identity policy takes no `{}`: it applies to whoever it is attached to",
                            member.key
                        ),
                    )
                    .help(format!(
                        "remove `{}`; to grant access to other principals, write a resource or trust policy",
                        member.key
                    )),
                );
                continue;
            }
            match policy.dialect {
                Dialect::Aws => {
                    not_principal_use(statement, member, policy.kind, out);
                    aws_principal(&policy.templates, member, out);
                }
                Dialect::Ram => ram_principal(&policy.templates, member, out),
            }
        }
    }
}

/// `NotPrincipal` with `Allow` grants everyone but a few; roles' trust policies refuse it.
fn not_principal_use(
    statement: &Statement,
    member: &Member,
    kind: PolicyKind,
    out: &mut Vec<Finding>,
) {
    if member.key != "NotPrincipal" {
        return;
    }
    if kind == PolicyKind::Trust {
        out.push(
            Finding::new(
                member.key_span,
                "a role's trust policy cannot use `NotPrincipal`",
            )
            .help("name the principals that may assume the role under `Principal`"),
        );
    } else if statement.is_allow() {
        out.push(
            Finding::new(
                member.key_span,
                "`NotPrincipal` with `Allow` grants access to every principal but those listed, anonymous users included",
            )
            .help("name the principals to allow under `Principal`; keep `NotPrincipal` for `Deny` statements"),
        );
    }
}

fn aws_principal(templates: &TemplateValues, member: &Member, out: &mut Vec<Finding>) {
    match &member.value.kind {
        NodeKind::String(s) if trim(s) == "*" => {}
        NodeKind::String(s) => out.push(
            Finding::new(
                member.value.span,
                format!("`{}` is `{s}`, but as a string it can only be `*`", member.key),
            )
            .help(format!(
                "write an object naming the principal's type: `{{\"AWS\": \"{s}\"}}`, `{{\"Service\": ...}}`, `{{\"Federated\": ...}}` or `{{\"CanonicalUser\": ...}}`"
            )),
        ),
        NodeKind::Array(_) => out.push(
            Finding::new(
                member.value.span,
                format!("`{}` is an array, but IAM takes `*` or an object such as `{{\"AWS\": [...]}}`", member.key),
            )
            .help("put the list under the principal's type: `{\"AWS\": [\"123456789012\"]}`"),
        ),
        NodeKind::Object(types) => {
            for principal_type in types.iter() {
                principal_type_values(templates, principal_type, out);
            }
        }
        _ => {}
    }
}

fn principal_type_values(templates: &TemplateValues, member: &Member, out: &mut Vec<Finding>) {
    if templates.key_holds_template_expression(member.key, member.key_span) {
        return;
    }
    let Some(known) = AWS_PRINCIPAL_TYPES.iter().find(|t| **t == member.key) else {
        out.push(unknown_type(member, AWS_PRINCIPAL_TYPES));
        return;
    };
    let items = match &member.value.kind {
        NodeKind::Array(items) => items,
        _ => std::slice::from_ref(&member.value),
    };
    for item in items {
        let Some(value) = item.as_str() else { continue };
        if templates.holds_template_expression(item) || value.contains("${") {
            continue;
        }
        if let Some(expected) = aws_value_problem(known, trim(value)) {
            out.push(
                Finding::new(
                    item.span,
                    format!("`{value}` is not a principal of type `{known}`"),
                )
                .help(expected),
            );
        }
    }
}

fn unknown_type(member: &Member, known: &[&str]) -> Finding {
    let written = trim(member.key).to_ascii_lowercase();
    let close = known
        .iter()
        .map(|t| {
            let score = strsim::normalized_damerau_levenshtein(&written, &t.to_ascii_lowercase());
            (*t, score)
        })
        .filter(|&(_, score)| score >= 0.7)
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(t, _)| t);
    let message = match close {
        Some(t) => format!(
            "`{}` is not a principal type; did you mean `{t}`?",
            member.key
        ),
        None => format!("`{}` is not a principal type", member.key),
    };
    Finding::new(member.key_span, message).help(format!(
        "a principal is {}; types are case-sensitive",
        known
            .iter()
            .map(|t| format!("`{t}`"))
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// `AIDA...`, `AROA...`: the unique ID IAM shows in place of the ARN of a deleted user or
/// role.
fn is_unique_id(s: &str) -> bool {
    s.len() >= 16
        && s.starts_with('A')
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// `arn:<partition>:<service>::<account>:<resource>` with a known partition and service,
/// the resource starting with one of `resources`.
fn is_principal_arn(s: &str, services: &[&str], resources: &[&str]) -> bool {
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    let [arn, partition, service, region, account, resource] = parts.as_slice() else {
        return false;
    };
    *arn == "arn"
        && AWS_PARTITIONS.contains(partition)
        && services.contains(service)
        && region.is_empty()
        && (is_account_id(account) || *account == "*")
        && resources
            .iter()
            .any(|r| resource.starts_with(r) && resource.len() >= r.len())
}

fn is_host_name(s: &str) -> bool {
    s.contains('.')
        && !s.starts_with('.')
        && !s.ends_with('.')
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
}

/// What a value of `principal_type` must look like, when `value` does not.
fn aws_value_problem(principal_type: &str, value: &str) -> Option<&'static str> {
    let fits = match principal_type {
        "AWS" => {
            value == "*"
                || is_account_id(value)
                || is_unique_id(value)
                || is_principal_arn(
                    value,
                    &["iam"],
                    &["root", "user/", "role/", "federated-user/"],
                )
                || is_principal_arn(value, &["sts"], &["assumed-role/", "federated-user/"])
        }
        "Service" => is_host_name(value) || value == "*",
        "Federated" => {
            is_host_name(value)
                || is_principal_arn(value, &["iam"], &["saml-provider/", "oidc-provider/"])
        }
        "CanonicalUser" => value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit()),
        _ => true,
    };
    (!fits).then_some(match principal_type {
        "AWS" => {
            "write `*`, a 12-digit account ID, or the ARN of an account, user or role, such as `arn:aws:iam::123456789012:role/deploy` (partitions: aws, aws-cn, aws-us-gov, aws-iso*)"
        }
        "Service" => "write the service's principal name, such as `lambda.amazonaws.com`",
        "Federated" => {
            "write an identity provider's name (`cognito-identity.amazonaws.com`, `accounts.google.com`) or the ARN of a SAML or OIDC provider, such as `arn:aws:iam::123456789012:saml-provider/corp`"
        }
        _ => "write the 64-hex-digit canonical user ID of an S3 account",
    })
}

fn ram_principal(templates: &TemplateValues, member: &Member, out: &mut Vec<Finding>) {
    if let NodeKind::Object(types) = &member.value.kind {
        for principal_type in types.iter() {
            if !RAM_PRINCIPAL_TYPES.contains(&principal_type.key)
                && !templates
                    .key_holds_template_expression(principal_type.key, principal_type.key_span)
            {
                out.push(unknown_type(principal_type, RAM_PRINCIPAL_TYPES));
            }
        }
    }
}

/// For each value, whether it is wrong for `principal_type`.
#[cfg(test)]
fn problems(principal_type: &str, values: &[&str]) -> Vec<bool> {
    values
        .iter()
        .map(|v| aws_value_problem(principal_type, v).is_some())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_principal_values() {
        assert_eq!(
            problems(
                "AWS",
                &[
                    "*",
                    "123456789012",
                    "arn:aws:iam::123456789012:root",
                    "arn:aws-cn:iam::123456789012:role/a/b",
                    "arn:aws-us-gov:sts::123456789012:assumed-role/r/s",
                    "AROAEXAMPLEID1234567",
                ]
            ),
            [false; 6]
        );
        assert_eq!(
            problems(
                "AWS",
                &[
                    "12345678901",
                    "arn:aws:iam:us-east-1:123456789012:root",
                    "arn:aws-xx:iam::123456789012:root",
                    "arn:aws:s3:::bucket",
                    "lambda.amazonaws.com",
                ]
            ),
            [true; 5]
        );
        assert_eq!(
            problems("Service", &["lambda.amazonaws.com", "123456789012"]),
            [false, true]
        );
        assert_eq!(
            problems(
                "Federated",
                &[
                    "accounts.google.com",
                    "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",
                    "arn:aws:iam::123456789012:role/x",
                ]
            ),
            [false, false, true]
        );
    }
}
