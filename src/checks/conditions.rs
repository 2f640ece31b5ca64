//! Conditions: operators, the values each operator takes, and condition keys. Structural
//! problems (a Condition that is not an object, a block that is not an object, a value
//! that is an object) are PL003's; these checks read what is well-formed enough to read.

use super::CheckContext;
use crate::catalogue;
use crate::diagnostic::{Edit, Finding, Fix};
use crate::model::Dialect;
use crate::parse::{Member, Node, NodeKind};

mod values;
use values::ValueKind;

/// The condition blocks of every statement: `(operator member, its key/value members)`.
pub(super) fn blocks<'n>(ctx: &CheckContext<'n>) -> Vec<(&'n Member<'n>, &'n [Member<'n>])> {
    let Some(policy) = ctx.policy else {
        return Vec::new();
    };
    policy
        .statements
        .iter()
        .filter_map(|s| s.condition)
        .filter(|condition| !policy.templates.is_template_value(&condition.value))
        .filter_map(|condition| condition.value.as_object())
        .flatten()
        .filter_map(|block| Some((block, block.value.as_object()?)))
        .collect()
}

/// The values of a condition key: its array's items, or the one value.
pub(super) fn values<'n>(member: &'n Member<'n>) -> &'n [Node<'n>] {
    match &member.value.kind {
        NodeKind::Array(items) => items,
        _ => std::slice::from_ref(&member.value),
    }
}

fn is_scalar(node: &Node) -> bool {
    matches!(
        node.kind,
        NodeKind::String(_) | NodeKind::Number(_) | NodeKind::Bool(_)
    )
}

/// The value as RAM compares it: strings as written, numbers and booleans as JSON.
pub(super) fn value_text<'n>(node: &'n Node) -> &'n str {
    match &node.kind {
        NodeKind::String(s) => s,
        NodeKind::Number(n) => n,
        NodeKind::Bool(true) => "true",
        NodeKind::Bool(false) => "false",
        _ => "",
    }
}

/// A policy variable (`${acs:CurrentTime}`) is filled in at request time.
pub(super) fn has_variable(value: &str) -> bool {
    value.contains("${")
}

/// PL106: unknown operators, values of the wrong type for their operator.
pub fn invalid_condition(ctx: &CheckContext, out: &mut Vec<Finding>) {
    let is_template_value = |node: &Node| {
        ctx.policy
            .is_some_and(|policy| policy.templates.is_template_value(node))
    };
    let dialect = dialect_of(ctx);
    for (block, keys) in blocks(ctx) {
        let Some(operator) = base_operator(block.key, dialect) else {
            out.push(unknown_operator(block, dialect));
            continue;
        };
        if operator == "Null" && block.key.ends_with("IfExists") {
            out.push(
                Finding::new(
                    block.key_span,
                    format!(
                        "`{}` combines `Null` with `IfExists`, which IAM refuses",
                        block.key
                    ),
                )
                .help("`Null` already tests whether the key is present: write `Null`"),
            );
            continue;
        }
        // String operators take any value.
        let Some(value_kind) = ValueKind::of(operator) else {
            continue;
        };
        for key in keys {
            let entries = values(key);
            if entries.iter().any(|v| !is_scalar(v)) {
                continue;
            }
            if matches!(operator, "Bool" | "Null") && entries.len() > 1 {
                out.push(
                    Finding::new(
                        key.value.span,
                        format!(
                            "`{operator}` takes one value, but `{}` has {}",
                            key.key,
                            entries.len()
                        ),
                    )
                    .help(
                        "keep the one value the condition should test: `\"true\"` or `\"false\"`",
                    ),
                );
                continue;
            }
            for value in entries {
                let text = value_text(value);
                if has_variable(text) || is_masked(text) || is_template_value(value) {
                    continue;
                }
                if !value_kind.accepts(text) {
                    out.push(
                        Finding::new(
                            value.span,
                            format!(
                                "`{text}` is not {}, which `{operator}` needs",
                                value_kind.described()
                            ),
                        )
                        .help(value_kind.help()),
                    );
                }
            }
        }
    }
}

/// The dialect of the policy being checked (RAM when the file is not a policy object).
pub(super) fn dialect_of(ctx: &CheckContext) -> Dialect {
    ctx.policy.map_or(Dialect::Ram, |p| p.dialect)
}

/// The operator under the qualifiers RAM and IAM put around it: a set prefix
/// (`ForAllValues:`, `ForAnyValue:`) and an `IfExists` suffix. `None` when it is not one of
/// the dialect's operators.
pub(super) fn base_operator(key: &str, dialect: Dialect) -> Option<&str> {
    let key = key
        .strip_prefix("ForAllValues:")
        .or_else(|| key.strip_prefix("ForAnyValue:"))
        .unwrap_or(key);
    let key = key.strip_suffix("IfExists").unwrap_or(key);
    catalogue::condition_operators(dialect)
        .contains(&key)
        .then_some(key)
}

/// Documentation masks digits (`42.120.XX.X/24`, `xxx.xx.xxx.x/xx`, `10.0.0.****`): a
/// placeholder to replace, not a malformed value.
fn is_masked(value: &str) -> bool {
    value.contains(['x', 'X', '*'])
        && value
            .chars()
            .all(|c| c.is_ascii_digit() || ".:/xX*".contains(c))
}

fn unknown_operator(block: &Member, dialect: Dialect) -> Finding {
    let operators = catalogue::condition_operators(dialect);
    let operator = block.key;
    if let Some(right) = operators
        .iter()
        .find(|o| o.eq_ignore_ascii_case(operator.trim()))
    {
        let literal = serde_json::to_string(right).expect("a string serializes");
        return Finding::new(
            block.key_span,
            format!("condition operator `{operator}` must be written `{right}`"),
        )
        .help(format!("operators are case-sensitive: write `{right}`"))
        // Unsafe: the service does not read the misspelt operator, so the condition never
        // held (or the policy was refused); fixing it turns the condition, and with it the
        // statement, on.
        .fix(Some(Fix::unsafe_(
            format!("write `{right}`"),
            vec![Edit::replace(block.key_span, literal)],
        )));
    }
    let closest = catalogue::closest_condition_operator(dialect, operator);
    let help = match (closest, dialect) {
        (Some(o), _) => format!("did you mean `{o}`?"),
        (None, Dialect::Ram) => format!(
            "RAM condition operators are String*, Numeric*, Date*, `Bool`, `IpAddress` and `NotIpAddress`, such as `{}`",
            operators.first().copied().unwrap_or("StringEquals")
        ),
        (None, Dialect::Aws) => "IAM condition operators are String*, Numeric*, Date*, Arn*, `Bool`, `BinaryEquals`, `IpAddress`, `NotIpAddress` and `Null`, optionally with `IfExists` or a `ForAnyValue:`/`ForAllValues:` prefix".to_string(),
    };
    Finding::new(
        block.key_span,
        format!("`{operator}` is not a condition operator"),
    )
    .help(help)
}

/// `<service>:<Key>`: a service code, a colon, and a key name (tag keys may hold `/`).
fn is_service_key(key: &str) -> bool {
    let Some((service, name)) = key.split_once(':') else {
        return false;
    };
    let service_ok = !service.is_empty()
        && service.starts_with(|c: char| c.is_ascii_alphabetic())
        && service
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-');
    // Tag keys may be in any script (`ecs:tag/部门`); spaces and quotes never belong.
    let name_ok = !name.is_empty()
        && name.starts_with(|c: char| c.is_alphanumeric())
        && !name
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "\"'".contains(c));
    service_ok && name_ok
}

/// PL107: condition keys that are neither known global keys nor `<service>:<Key>`; in AWS,
/// whose catalogue is complete, also a key its service does not have.
pub fn unknown_condition_key(ctx: &CheckContext, out: &mut Vec<Finding>) {
    let dialect = dialect_of(ctx);
    for (block, keys) in blocks(ctx) {
        if base_operator(block.key, dialect).is_none() {
            continue;
        }
        for key in keys {
            out.extend(match dialect {
                Dialect::Ram => unknown_ram_key(key),
                Dialect::Aws => unknown_aws_key(key),
            });
        }
    }
}

fn has_prefix(name: &str, prefix: &str) -> bool {
    name.len() > prefix.len()
        && name
            .get(..prefix.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(prefix))
}

fn unknown_global_key(key: &Member, dialect: Dialect, examples: &str) -> Option<Finding> {
    let name = key.key;
    if catalogue::for_dialect(dialect)
        .global_condition_key(name)
        .is_some()
    {
        return None;
    }
    let help = match catalogue::closest_global_condition_key(dialect, name) {
        Some(known) => format!("did you mean `{known}`?"),
        None => format!("global keys include {examples}"),
    };
    Some(
        Finding::new(
            key.key_span,
            format!("`{name}` is not a known global condition key"),
        )
        .help(help),
    )
}

fn unknown_ram_key(key: &Member) -> Option<Finding> {
    let name = key.key;
    if has_prefix(name, "acs:") {
        return unknown_global_key(
            key,
            Dialect::Ram,
            "`acs:SourceIp`, `acs:SecureTransport`, `acs:CurrentTime`, `acs:MFAPresent`, `acs:SourceVpc` and `acs:ResourceTag/<key>`",
        );
    }
    (!is_service_key(name)).then(|| {
        Finding::new(
            key.key_span,
            format!("`{name}` is not a condition key of the form `<service>:<Key>` or `acs:<Key>`"),
        )
        .help("write a global key such as `acs:SourceIp`, or a service key such as `oss:Prefix`")
    })
}

/// Keys that identity providers set in trust policies (`accounts.google.com:aud`,
/// `token.actions.githubusercontent.com:sub`, `saml:aud`): no service's catalogue has them.
fn is_provider_key(name: &str) -> bool {
    name.split_once(':').is_some_and(|(provider, _)| {
        provider.contains(['.', '/']) || provider.eq_ignore_ascii_case("saml")
    })
}

fn unknown_aws_key(key: &Member) -> Option<Finding> {
    let name = key.key;
    if has_prefix(name, "aws:") {
        return unknown_global_key(
            key,
            Dialect::Aws,
            "`aws:SourceIp`, `aws:SecureTransport`, `aws:CurrentTime`, `aws:PrincipalArn`, `aws:SourceVpce` and `aws:ResourceTag/${TagKey}`",
        );
    }
    if is_provider_key(name) {
        return None;
    }
    if !is_service_key(name) {
        return Some(
            Finding::new(
                key.key_span,
                format!(
                    "`{name}` is not a condition key of the form `<service>:<key>` or `aws:<key>`"
                ),
            )
            .help(
                "write a global key such as `aws:SourceIp`, or a service key such as `s3:prefix`",
            ),
        );
    }
    let (code, _) = name.split_once(':')?;
    let service = catalogue::aws().service(code)?;
    if service.condition_keys().next().is_none() || service.condition_key(name).is_some() {
        return None;
    }
    let help = match catalogue::closest_service_condition_key(service, name) {
        Some(known) => format!("did you mean `{known}`?"),
        None => format!(
            "`policylint catalogue '{code}:*'` lists the condition keys of each `{code}` action"
        ),
    };
    Some(
        Finding::new(
            key.key_span,
            format!(
                "`{name}` is not a condition key of {} ({})",
                service.name(),
                catalogue::aws().label()
            ),
        )
        .help(help),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qualified_operators_and_masked_values() {
        assert_eq!(
            base_operator("ForAllValues:StringEquals", Dialect::Ram),
            Some("StringEquals")
        );
        assert_eq!(
            base_operator("StringLikeIfExists", Dialect::Ram),
            Some("StringLike")
        );
        assert_eq!(base_operator("IpAdress", Dialect::Ram), None);
        assert_eq!(base_operator("ArnLike", Dialect::Ram), None);
        assert_eq!(
            base_operator("ForAnyValue:ArnLikeIfExists", Dialect::Aws),
            Some("ArnLike")
        );
        assert_eq!(base_operator("NullIfExists", Dialect::Aws), Some("Null"));
        assert!(is_masked("42.120.XX.X/24"));
        assert!(is_masked("xxx.xx.xxx.x/xx"));
        assert!(!is_masked("10.0.0.0/33"));
        assert!(!is_masked("localhost"));
    }

    #[test]
    fn service_keys() {
        assert!(is_service_key("oss:Prefix"));
        assert!(is_service_key("ecs:tag/owner"));
        assert!(!is_service_key("Prefix"));
        assert!(!is_service_key("oss: Prefix"));
        assert!(!is_service_key(":Prefix"));
        assert!(is_service_key("ecs:tag/部门"));
    }
}
