//! Evaluating atoms against a request's context, three-valued (see the parent module).

use super::{Atom, Base, Operator, SetOperator};
use crate::access::pattern::{self, Language, Variables};
use crate::model::Dialect;
use std::collections::BTreeSet;
use std::net::IpAddr;

/// A three-valued answer: known, or depending on the context keys named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Truth {
    True,
    False,
    Depends(BTreeSet<String>),
}

impl Truth {
    pub fn from_bool(value: bool) -> Truth {
        if value { Truth::True } else { Truth::False }
    }

    pub fn depends(key: &str) -> Truth {
        Truth::Depends(BTreeSet::from([key.to_string()]))
    }

    /// Kleene conjunction.
    pub fn and(self, other: Truth) -> Truth {
        match (self, other) {
            (Truth::False, _) | (_, Truth::False) => Truth::False,
            (Truth::True, other) | (other, Truth::True) => other,
            (Truth::Depends(mut a), Truth::Depends(b)) => {
                a.extend(b);
                Truth::Depends(a)
            }
        }
    }

    /// Kleene disjunction.
    pub fn or(self, other: Truth) -> Truth {
        match (self, other) {
            (Truth::True, _) | (_, Truth::True) => Truth::True,
            (Truth::False, other) | (other, Truth::False) => other,
            (Truth::Depends(mut a), Truth::Depends(b)) => {
                a.extend(b);
                Truth::Depends(a)
            }
        }
    }

    pub fn negate(self) -> Truth {
        match self {
            Truth::True => Truth::False,
            Truth::False => Truth::True,
            depends => depends,
        }
    }

    fn any(items: impl IntoIterator<Item = Truth>) -> Truth {
        items.into_iter().fold(Truth::False, Truth::or)
    }

    fn all(items: impl IntoIterator<Item = Truth>) -> Truth {
        items.into_iter().fold(Truth::True, Truth::and)
    }
}

/// What a request's context says of its keys.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// (key, values); keys compare in any case. A key may have several values.
    pub values: Vec<(String, Vec<String>)>,
    /// Keys the context does not give are absent from the request rather than unknown.
    pub complete: bool,
}

/// What the context holds for a key.
pub enum Lookup<'c> {
    Present(&'c [String]),
    Absent,
    Unknown,
}

impl Context {
    pub fn add(&mut self, key: &str, value: &str) {
        match self
            .values
            .iter_mut()
            .find(|(k, _)| k.to_lowercase() == key.to_lowercase())
        {
            Some((_, values)) => values.push(value.to_string()),
            None => self.values.push((key.to_string(), vec![value.to_string()])),
        }
    }

    pub fn lookup(&self, key: &str) -> Lookup<'_> {
        let folded = key.to_lowercase();
        match self.values.iter().find(|(k, _)| k.to_lowercase() == folded) {
            Some((_, values)) => Lookup::Present(values),
            None if self.complete => Lookup::Absent,
            None => Lookup::Unknown,
        }
    }

    /// The value of a policy variable, or `None` when it depends on the key (or, in a
    /// complete context, the key is absent and there is no default).
    pub fn variable(&self, key: &str, default: Option<&str>) -> Result<String, Truth> {
        match self.lookup(key) {
            Lookup::Present([value, ..]) => Ok(value.clone()),
            Lookup::Present([]) | Lookup::Absent => match default {
                Some(default) => Ok(default.to_string()),
                None => Err(Truth::False),
            },
            Lookup::Unknown => Err(Truth::depends(key)),
        }
    }
}

/// Whether the clause holds for `context`. `dialect` decides nothing yet but how policy
/// variables in values read (both dialects write them `${key}`).
pub fn evaluate(atom: &Atom, context: &Context, dialect: Dialect) -> Truth {
    let Some(operator) = Operator::parse(&atom.operator) else {
        return Truth::depends(&format!("unknown operator `{}`", atom.operator));
    };
    let present = match context.lookup(&atom.key) {
        Lookup::Unknown => return Truth::depends(&atom.key),
        Lookup::Absent => None,
        Lookup::Present([]) => None,
        Lookup::Present(values) => Some(values),
    };
    if operator.base == Base::Null {
        // `"Null": {"key": "true"}` holds when the key is absent; values are ORed.
        return Truth::any(atom.values.iter().map(|v| {
            let wants_absent = v.eq_ignore_ascii_case("true");
            Truth::from_bool(wants_absent == present.is_none())
        }));
    }
    let Some(request_values) = present else {
        // A set operator decides for a missing key before `IfExists` does: IAM answers
        // `ForAnyValue:StringEqualsIfExists` on a missing key with a denial.
        return Truth::from_bool(match operator.set {
            Some(SetOperator::ForAllValues) => true,
            Some(SetOperator::ForAnyValue) => false,
            None => operator.if_exists || operator.base.is_negated(),
        });
    };
    // Each request value against the policy's values: any matches (positive operators),
    // none matches (negated ones).
    let positive = operator.base.positive();
    let per_value = |value: &String| {
        let matched = Truth::any(
            atom.values
                .iter()
                .map(|policy_value| compare(positive, value, policy_value, context, dialect)),
        );
        if operator.base.is_negated() {
            matched.negate()
        } else {
            matched
        }
    };
    match (operator.set, operator.base.is_negated()) {
        (Some(SetOperator::ForAllValues), _) | (None, true) => {
            Truth::all(request_values.iter().map(per_value))
        }
        (Some(SetOperator::ForAnyValue), _) | (None, false) => {
            Truth::any(request_values.iter().map(per_value))
        }
    }
}

/// One request value against one policy value under a positive operator. Policy values
/// may hold policy variables, filled in from the context.
fn compare(
    base: Base,
    value: &str,
    policy_value: &str,
    context: &Context,
    dialect: Dialect,
) -> Truth {
    let expected = match substitute(policy_value, context) {
        Ok(expected) => expected,
        Err(truth) => return truth,
    };
    let expected = expected.as_str();
    Truth::from_bool(match base {
        Base::StringEquals | Base::BinaryEquals => value == expected,
        Base::StringEqualsIgnoreCase => value.to_lowercase() == expected.to_lowercase(),
        Base::StringLike => string_like(expected, value),
        Base::NumericEquals => numbers(value, expected).is_some_and(|(a, b)| a == b),
        Base::NumericLessThan => numbers(value, expected).is_some_and(|(a, b)| a < b),
        Base::NumericLessThanEquals => numbers(value, expected).is_some_and(|(a, b)| a <= b),
        Base::NumericGreaterThan => numbers(value, expected).is_some_and(|(a, b)| a > b),
        Base::NumericGreaterThanEquals => numbers(value, expected).is_some_and(|(a, b)| a >= b),
        Base::DateEquals => dates(value, expected).is_some_and(|(a, b)| a == b),
        Base::DateLessThan => dates(value, expected).is_some_and(|(a, b)| a < b),
        Base::DateLessThanEquals => dates(value, expected).is_some_and(|(a, b)| a <= b),
        Base::DateGreaterThan => dates(value, expected).is_some_and(|(a, b)| a > b),
        Base::DateGreaterThanEquals => dates(value, expected).is_some_and(|(a, b)| a >= b),
        Base::Bool => value.eq_ignore_ascii_case(expected),
        Base::IpAddress => in_block(value, expected),
        Base::ArnEquals | Base::ArnLike => arn_like(expected, value, dialect),
        _ => false,
    })
}

/// `StringLike`: `*` and `?` wildcards, case-sensitive.
fn string_like(pattern: &str, value: &str) -> bool {
    let mut items = Vec::new();
    for c in pattern.chars() {
        items.push(match c {
            '*' => pattern::Item::Star,
            '?' => pattern::Item::One,
            c => pattern::Item::Lit(c),
        });
    }
    pattern::matches(&items, value)
}

/// `ArnLike`/`ArnEquals`: "Each of the six colon-delimited components of the ARN is
/// checked separately and each can include multi-character match wildcards (*) or
/// single-character match wildcards (?)" (IAM).
fn arn_like(pattern: &str, value: &str, _dialect: Dialect) -> bool {
    let parts: Vec<&str> = pattern.splitn(6, ':').collect();
    let values: Vec<&str> = value.splitn(6, ':').collect();
    parts.len() == values.len() && parts.iter().zip(&values).all(|(p, v)| string_like(p, v))
}

/// Fills in `${key}` from the context; `${*}`, `${?}` and `${$}` are their characters.
pub fn substitute(text: &str, context: &Context) -> Result<String, Truth> {
    if !text.contains("${") {
        return Ok(text.to_string());
    }
    let mut variables = Variables::default();
    let items = pattern::compile(text, Language::Resource(Dialect::Ram), &mut variables);
    let mut out = String::new();
    for item in items {
        match item {
            pattern::Item::Lit(c) => out.push(c),
            pattern::Item::One => out.push('?'),
            pattern::Item::Star | pattern::Item::SegmentStar => out.push('*'),
            pattern::Item::Var(id) => {
                let variable = variables.get(id);
                out.push_str(&context.variable(&variable.key, variable.default.as_deref())?);
            }
        }
    }
    Ok(out)
}

fn numbers(a: &str, b: &str) -> Option<(f64, f64)> {
    let number = |s: &str| s.trim().parse::<f64>().ok().filter(|n| n.is_finite());
    Some((number(a)?, number(b)?))
}

fn dates(a: &str, b: &str) -> Option<(f64, f64)> {
    Some((instant(a)?, instant(b)?))
}

/// Seconds since 1970-01-01T00:00:00Z of an ISO 8601 date and time (`2019-08-12`,
/// `2019-08-12T17:00:00+08:00`, `2019-08-12T17:00:00.5Z`) or of plain epoch seconds.
pub fn instant(text: &str) -> Option<f64> {
    let text = text.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().ok();
    }
    let (date, time) = match text.split_once(['T', 't', ' ']) {
        Some((date, time)) => (date, Some(time)),
        None => (text, None),
    };
    let mut parts = date.split('-');
    let year: i64 = parts.next()?.parse().ok()?;
    let month: u32 = parts.next()?.parse().ok()?;
    let day: u32 = parts.next()?.parse().ok()?;
    if parts.next().is_some() || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let mut seconds = days as f64 * 86_400.0;
    if let Some(time) = time {
        let (clock, zone) = match time.find(['Z', 'z', '+', '-']) {
            Some(i) => time.split_at(i),
            None => (time, ""),
        };
        let mut clock_parts = clock.split(':');
        let hours: f64 = clock_parts.next()?.parse().ok()?;
        let minutes: f64 = clock_parts.next()?.parse().ok()?;
        let secs: f64 = clock_parts.next().map_or(Some(0.0), |s| s.parse().ok())?;
        seconds += hours * 3600.0 + minutes * 60.0 + secs;
        let offset = match zone {
            "" | "Z" | "z" => 0.0,
            _ => {
                let sign = if zone.starts_with('-') { -1.0 } else { 1.0 };
                let digits = &zone[1..];
                let (h, m) = digits.split_once(':').unwrap_or((
                    digits.get(..2).unwrap_or(digits),
                    digits.get(2..).unwrap_or(""),
                ));
                let h: f64 = h.parse().ok()?;
                let m: f64 = if m.is_empty() { 0.0 } else { m.parse().ok()? };
                sign * (h * 3600.0 + m * 60.0)
            }
        };
        seconds -= offset;
    }
    Some(seconds)
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year =
        (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// Whether address `value` lies in `block` (an address or CIDR block of the same family).
pub(super) fn in_block(value: &str, block: &str) -> bool {
    let Ok(address) = value.trim().parse::<IpAddr>() else {
        return false;
    };
    let (network, prefix) = match block.trim().split_once('/') {
        Some((network, prefix)) => (network, prefix.parse::<u32>().ok()),
        None => (block.trim(), None),
    };
    let Ok(network) = network.parse::<IpAddr>() else {
        return false;
    };
    match (address, network) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let bits = prefix.unwrap_or(32).min(32);
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let bits = prefix.unwrap_or(128).min(128);
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - bits)
            };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}
