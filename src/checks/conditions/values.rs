//! Value formats for PL106: what an operator family that does not take any string
//! expects of a value (a boolean, an IP address or CIDR block, an ISO 8601 date, a number,
//! base64 binary, an ARN), each checked the way the service reads it.

use std::net::IpAddr;

/// The kind of value an operator family compares; string operators take anything.
#[derive(Clone, Copy)]
pub(super) enum ValueKind {
    Bool,
    IpAddress,
    Date,
    Number,
    Binary,
    Arn,
}

impl ValueKind {
    pub(super) fn of(operator: &str) -> Option<Self> {
        if operator == "Bool" || operator == "Null" {
            Some(ValueKind::Bool)
        } else if operator.ends_with("IpAddress") {
            Some(ValueKind::IpAddress)
        } else if operator.starts_with("Date") {
            Some(ValueKind::Date)
        } else if operator.starts_with("Numeric") {
            Some(ValueKind::Number)
        } else if operator.starts_with("Binary") {
            Some(ValueKind::Binary)
        } else if operator.starts_with("Arn") {
            Some(ValueKind::Arn)
        } else {
            None
        }
    }

    pub(super) fn accepts(self, value: &str) -> bool {
        match self {
            ValueKind::Bool => {
                value.eq_ignore_ascii_case("true") || value.eq_ignore_ascii_case("false")
            }
            ValueKind::IpAddress => is_ip_or_cidr(value),
            ValueKind::Date => is_iso8601(value),
            ValueKind::Number => {
                value.trim() == value && value.parse::<f64>().is_ok_and(f64::is_finite)
            }
            ValueKind::Binary => is_base64(value),
            ValueKind::Arn => is_arn_pattern(value),
        }
    }

    /// What the value must be, as an "a ..." phrase.
    pub(super) fn described(self) -> &'static str {
        match self {
            ValueKind::Bool => "`\"true\"` or `\"false\"`",
            ValueKind::IpAddress => "an IP address or CIDR block",
            ValueKind::Date => "an ISO 8601 date and time",
            ValueKind::Number => "a number",
            ValueKind::Binary => "base64-encoded binary data",
            ValueKind::Arn => "an ARN (`arn:<partition>:<service>:<region>:<account>:<resource>`)",
        }
    }

    pub(super) fn help(self) -> &'static str {
        match self {
            ValueKind::Bool => "write `\"true\"` or `\"false\"`",
            ValueKind::IpAddress => {
                "write an IPv4 or IPv6 address or a CIDR block, such as `\"192.168.0.0/16\"`"
            }
            ValueKind::Date => {
                "write a date and time such as `\"2026-01-31T18:00:00+08:00\"` or `\"2026-01-31T10:00:00Z\"`"
            }
            ValueKind::Number => "write a number, such as `\"10\"`",
            ValueKind::Binary => "write the bytes base64-encoded, such as `\"QmluYXJ5VmFsdWU=\"`",
            ValueKind::Arn => {
                "write a full ARN such as `\"arn:aws:sns:us-east-1:123456789012:topic\"` (wildcards may stand for any part), or use a String operator"
            }
        }
    }
}

/// Base64 as IAM decodes it: the standard alphabet, padded to a multiple of four.
fn is_base64(value: &str) -> bool {
    let body = value.trim_end_matches('=');
    value.len().is_multiple_of(4)
        && value.len() - body.len() <= 2
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}

/// What an `Arn*` operator can compare with: an ARN of six colon-separated parts (the
/// resource may hold more colons), or a value that is all wildcards.
fn is_arn_pattern(value: &str) -> bool {
    if !value.is_empty() && value.chars().all(|c| c == '*') {
        return true;
    }
    let mut parts = value.splitn(6, ':');
    let prefix = parts.next();
    matches!(prefix, Some("arn" | "*")) && parts.count() == 5
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
    fn value_types() {
        assert_eq!(value_problem("Bool", "TRUE"), None);
        assert!(value_problem("Bool", "yes").is_some());
        assert_eq!(value_problem("NumericLessThan", "10.5"), None);
        assert!(value_problem("NumericLessThan", "ten").is_some());
        assert_eq!(value_problem("StringLike", "anything*"), None);
        assert_eq!(value_problem("Null", "true"), None);
        assert!(value_problem("Null", "absent").is_some());
        assert_eq!(value_problem("BinaryEquals", "QmluYXJ5VmFsdWU="), None);
        assert!(value_problem("BinaryEquals", "not base64!").is_some());
        assert_eq!(
            value_problem("ArnLike", "arn:aws:sns:*:123456789012:topic/*"),
            None
        );
        assert_eq!(value_problem("ArnEquals", "*"), None);
        assert!(value_problem("ArnLike", "my-topic").is_some());
    }
}
