//! Conditions: operators, the values each operator takes, and condition keys. Structural
//! problems (a Condition that is not an object, a block that is not an object, a value
//! that is an object) are PL003's; these checks read what is well-formed enough to read.

use super::CheckContext;
use crate::catalogue;
use crate::diagnostic::{Edit, Finding, Fix};
use crate::parse::{Member, Node, NodeKind};
use std::net::IpAddr;

/// The condition blocks of every statement: `(operator member, its key/value members)`.
fn blocks<'n>(ctx: &CheckContext<'n>) -> Vec<(&'n Member<'n>, &'n [Member<'n>])> {
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
fn values<'n>(member: &'n Member<'n>) -> &'n [Node<'n>] {
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
fn value_text<'n>(node: &'n Node) -> &'n str {
    match &node.kind {
        NodeKind::String(s) => s,
        NodeKind::Number(n) => n,
        NodeKind::Bool(true) => "true",
        NodeKind::Bool(false) => "false",
        _ => "",
    }
}

/// A policy variable (`${acs:CurrentTime}`) is filled in at request time.
fn has_variable(value: &str) -> bool {
    value.contains("${")
}

/// PL106: unknown operators, values of the wrong type for their operator.
pub fn invalid_condition(ctx: &CheckContext, out: &mut Vec<Finding>) {
    let is_template_value = |node: &Node| {
        ctx.policy
            .is_some_and(|policy| policy.templates.is_template_value(node))
    };
    for (block, keys) in blocks(ctx) {
        let Some(operator) = base_operator(block.key) else {
            out.push(unknown_operator(block));
            continue;
        };
        // String operators take any value.
        let Some(value_kind) = ValueKind::of(operator) else {
            continue;
        };
        for key in keys {
            let entries = values(key);
            if entries.iter().any(|v| !is_scalar(v)) {
                continue;
            }
            if operator == "Bool" && entries.len() > 1 {
                out.push(
                    Finding::new(
                        key.value.span,
                        format!(
                            "`Bool` takes one value, but `{}` has {}",
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

/// The operator under the qualifiers RAM and IAM put around it: a set prefix
/// (`ForAllValues:`, `ForAnyValue:`) and an `IfExists` suffix. `None` when it is unknown.
fn base_operator(key: &str) -> Option<&str> {
    let catalogue = catalogue::catalogue();
    let key = key
        .strip_prefix("ForAllValues:")
        .or_else(|| key.strip_prefix("ForAnyValue:"))
        .unwrap_or(key);
    let key = key.strip_suffix("IfExists").unwrap_or(key);
    catalogue.is_condition_operator(key).then_some(key)
}

/// Documentation masks digits (`42.120.XX.X/24`, `xxx.xx.xxx.x/xx`, `10.0.0.****`): a
/// placeholder to replace, not a malformed value.
fn is_masked(value: &str) -> bool {
    value.contains(['x', 'X', '*'])
        && value
            .chars()
            .all(|c| c.is_ascii_digit() || ".:/xX*".contains(c))
}

fn unknown_operator(block: &Member) -> Finding {
    let catalogue = catalogue::catalogue();
    let operators = &catalogue.condition_operators;
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
    let closest = catalogue.closest_condition_operator(operator);
    let help = match closest {
        Some(o) => format!("did you mean `{o}`?"),
        None => format!(
            "RAM condition operators are String*, Numeric*, Date*, `Bool`, `IpAddress` and `NotIpAddress`, such as `{}`",
            operators.first().map_or("StringEquals", String::as_str)
        ),
    };
    Finding::new(
        block.key_span,
        format!("`{operator}` is not a condition operator"),
    )
    .help(help)
}

/// The kind of value an operator family compares; string operators take anything.
#[derive(Clone, Copy)]
enum ValueKind {
    Bool,
    IpAddress,
    Date,
    Number,
}

impl ValueKind {
    fn of(operator: &str) -> Option<Self> {
        if operator == "Bool" {
            Some(ValueKind::Bool)
        } else if operator.ends_with("IpAddress") {
            Some(ValueKind::IpAddress)
        } else if operator.starts_with("Date") {
            Some(ValueKind::Date)
        } else if operator.starts_with("Numeric") {
            Some(ValueKind::Number)
        } else {
            None
        }
    }

    fn accepts(self, value: &str) -> bool {
        match self {
            ValueKind::Bool => {
                value.eq_ignore_ascii_case("true") || value.eq_ignore_ascii_case("false")
            }
            ValueKind::IpAddress => is_ip_or_cidr(value),
            ValueKind::Date => is_iso8601(value),
            ValueKind::Number => {
                value.trim() == value && value.parse::<f64>().is_ok_and(f64::is_finite)
            }
        }
    }

    /// What the value must be, as an "a ..." phrase.
    fn described(self) -> &'static str {
        match self {
            ValueKind::Bool => "`\"true\"` or `\"false\"`",
            ValueKind::IpAddress => "an IP address or CIDR block",
            ValueKind::Date => "an ISO 8601 date and time",
            ValueKind::Number => "a number",
        }
    }

    fn help(self) -> &'static str {
        match self {
            ValueKind::Bool => "write `\"true\"` or `\"false\"`",
            ValueKind::IpAddress => {
                "write an IPv4 or IPv6 address or a CIDR block, such as `\"192.168.0.0/16\"`"
            }
            ValueKind::Date => {
                "write a date and time such as `\"2026-01-31T18:00:00+08:00\"` or `\"2026-01-31T10:00:00Z\"`"
            }
            ValueKind::Number => "write a number, such as `\"10\"`",
        }
    }
}

fn is_ip_or_cidr(value: &str) -> bool {
    let (address, prefix) = match value.split_once('/') {
        Some((address, prefix)) => (address, Some(prefix)),
        None => (value, None),
    };
    let Ok(ip) = address.parse::<IpAddr>() else {
        return false;
    };
    let max = if ip.is_ipv4() { 32 } else { 128 };
    prefix.is_none_or(|p| {
        !p.is_empty()
            && p.chars().all(|c| c.is_ascii_digit())
            && p.parse::<u32>().is_ok_and(|n| n <= max)
    })
}

/// ISO 8601 as RAM takes it: a date, optionally a time with optional fractional seconds,
/// optionally a zone (`Z` or `±hh:mm`). Plain digits (epoch seconds) are accepted too.
fn is_iso8601(value: &str) -> bool {
    if !value.is_empty() && value.len() <= 12 && value.bytes().all(|b| b.is_ascii_digit()) {
        return true;
    }
    let number = |s: &str, low: u32, high: u32| {
        !s.is_empty()
            && s.bytes().all(|b| b.is_ascii_digit())
            && s.parse::<u32>().is_ok_and(|n| (low..=high).contains(&n))
    };
    let (date, time) = match value.split_once(['T', 't', ' ']) {
        Some((date, time)) => (date, Some(time)),
        None => (value, None),
    };
    let date_parts: Vec<&str> = date.split('-').collect();
    let date_ok = matches!(date_parts.as_slice(), [y, m, d] if y.len() == 4 && number(y, 0, 9999) && m.len() == 2 && number(m, 1, 12) && d.len() == 2 && number(d, 1, 31));
    let Some(time) = time else { return date_ok };
    let (clock, zone) = match time.find(['Z', 'z', '+', '-']) {
        Some(i) => time.split_at(i),
        None => (time, ""),
    };
    let zone_ok = match zone {
        "" | "Z" | "z" => true,
        _ => {
            let offset = &zone[1..];
            let (h, m) = offset
                .split_once(':')
                .unwrap_or((offset.get(..2).unwrap_or(""), offset.get(2..).unwrap_or("")));
            h.len() == 2 && number(h, 0, 14) && (m.is_empty() || (m.len() == 2 && number(m, 0, 59)))
        }
    };
    let clock_parts: Vec<&str> = clock.split(':').collect();
    let seconds_ok = |s: &str| {
        let (whole, fraction) = s.split_once('.').unwrap_or((s, "0"));
        whole.len() == 2
            && number(whole, 0, 60)
            && !fraction.is_empty()
            && fraction.bytes().all(|b| b.is_ascii_digit())
    };
    let clock_ok = match clock_parts.as_slice() {
        [h, m] => h.len() == 2 && number(h, 0, 23) && m.len() == 2 && number(m, 0, 59),
        [h, m, s] => {
            h.len() == 2 && number(h, 0, 23) && m.len() == 2 && number(m, 0, 59) && seconds_ok(s)
        }
        _ => false,
    };
    date_ok && clock_ok && zone_ok
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

/// PL107: condition keys that are neither known global keys nor `<service>:<Key>`.
pub fn unknown_condition_key(ctx: &CheckContext, out: &mut Vec<Finding>) {
    let catalogue = catalogue::catalogue();
    for (block, keys) in blocks(ctx) {
        if base_operator(block.key).is_none() {
            continue;
        }
        for key in keys {
            let name = key.key;
            let is_global = name.len() > 4
                && name
                    .get(..4)
                    .is_some_and(|prefix| prefix.eq_ignore_ascii_case("acs:"));
            if is_global {
                if catalogue.is_global_condition_key(name) {
                    continue;
                }
                let help = match catalogue.closest_global_condition_key(name) {
                    Some(known) => format!("did you mean `{known}`?"),
                    None => "global keys include `acs:SourceIp`, `acs:SecureTransport`, `acs:CurrentTime`, `acs:MFAPresent`, `acs:SourceVpc` and `acs:ResourceTag/<key>`".to_string(),
                };
                out.push(
                    Finding::new(
                        key.key_span,
                        format!("`{name}` is not a known global condition key"),
                    )
                    .help(help),
                );
            } else if !is_service_key(name) {
                out.push(
                    Finding::new(key.key_span, format!("`{name}` is not a condition key of the form `<service>:<Key>` or `acs:<Key>`"))
                        .help("write a global key such as `acs:SourceIp`, or a service key such as `oss:Prefix`"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What is wrong with `value` for `operator`, as "a ..." phrase, if anything.
    fn value_problem(operator: &str, value: &str) -> Option<&'static str> {
        let kind = ValueKind::of(operator)?;
        (!kind.accepts(value)).then(|| kind.described())
    }

    #[test]
    fn ip_addresses_and_blocks() {
        for ok in [
            "192.168.0.1",
            "10.0.0.0/8",
            "0.0.0.0/0",
            "2001:db8::/32",
            "::1",
        ] {
            assert!(is_ip_or_cidr(ok), "{ok}");
        }
        for bad in [
            "192.168.0.256",
            "10.0.0.0/33",
            "10.0.0.0/",
            "10.0.0",
            "localhost",
            "10.0.0.0/8 ",
        ] {
            assert!(!is_ip_or_cidr(bad), "{bad}");
        }
    }

    #[test]
    fn dates() {
        for ok in [
            "2019-08-12T17:00:00+08:00",
            "2019-08-12T17:00:00Z",
            "2019-08-12",
            "2019-08-12T17:00Z",
            "2019-08-12T17:00:00.123Z",
            "1565600000",
        ] {
            assert!(is_iso8601(ok), "{ok}");
        }
        for bad in [
            "2019-13-12T17:00:00Z",
            "2019/08/12",
            "12-08-2019",
            "2019-08-12T25:00:00Z",
            "tomorrow",
            "2019-08-12T17:00:00+8",
        ] {
            assert!(!is_iso8601(bad), "{bad}");
        }
    }

    #[test]
    fn qualified_operators_and_masked_values() {
        assert_eq!(
            base_operator("ForAllValues:StringEquals"),
            Some("StringEquals")
        );
        assert_eq!(base_operator("StringLikeIfExists"), Some("StringLike"));
        assert_eq!(base_operator("IpAdress"), None);
        assert!(is_masked("42.120.XX.X/24"));
        assert!(is_masked("xxx.xx.xxx.x/xx"));
        assert!(!is_masked("10.0.0.0/33"));
        assert!(!is_masked("localhost"));
    }

    #[test]
    fn value_types() {
        assert_eq!(value_problem("Bool", "TRUE"), None);
        assert!(value_problem("Bool", "yes").is_some());
        assert_eq!(value_problem("NumericLessThan", "10.5"), None);
        assert!(value_problem("NumericLessThan", "ten").is_some());
        assert_eq!(value_problem("StringLike", "anything*"), None);
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
