//! Conditions: each clause of a Condition block as an [`Atom`] (operator, key, values), in
//! a canonical form for comparing statements, and evaluated against a request's context.
//!
//! A Condition block is the conjunction of its atoms: "If your policy statement has
//! multiple condition operators, the condition operators are evaluated using a logical
//! AND", as are several keys under one operator; the values of one key are ORed ("If a
//! single condition operator includes multiple values for a context key, those values are
//! evaluated using a logical OR"), and NORed under a negated operator (IAM, Conditions
//! with multiple context keys or values; RAM states the same for its operators).
//!
//! Evaluation is three-valued: a key the context does not give makes the answer depend on
//! that key, unless the caller says the context is complete, in which case the key is
//! absent and the vendors' rules for missing keys apply ("If the key that you specify in a
//! policy condition is not present in the request context, the values do not match and
//! the condition is false. If the policy condition requires that the key is not matched,
//! such as StringNotLike or ArnNotLike, and the right key is not present, the condition is
//! true. This logic applies to all condition operators except ...IfExists and Null
//! check", IAM condition operators). RAM documents no missing-key rule; the same is used.

use std::net::IpAddr;

/// One clause: `{"StringEquals": {"acs:SourceVpc": ["vpc-1", "vpc-2"]}}` is the atom
/// (`StringEquals`, `acs:SourceVpc`, [`vpc-1`, `vpc-2`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Atom {
    /// As written, qualifiers included (`ForAnyValue:StringLikeIfExists`).
    pub operator: String,
    /// As written.
    pub key: String,
    pub values: Vec<String>,
}

impl Atom {
    /// The form two atoms are compared in: keys in lower case (context key names are not
    /// case-sensitive), the values a sorted set, `Bool` values in lower case.
    pub fn canonical(&self) -> Atom {
        let bool_like = Operator::parse(&self.operator).is_some_and(|o| o.base == Base::Bool);
        let mut values: Vec<String> = self
            .values
            .iter()
            .map(|v| {
                if bool_like {
                    v.to_ascii_lowercase()
                } else {
                    v.clone()
                }
            })
            .collect();
        values.sort();
        values.dedup();
        Atom {
            operator: self.operator.clone(),
            key: self.key.to_lowercase(),
            values,
        }
    }

    /// The clause that holds exactly when this one does not, where the operator has an
    /// opposite (for `[[require]]`: a Deny under the opposite condition enforces it).
    pub fn negation(&self) -> Option<Atom> {
        let operator = Operator::parse(&self.operator)?;
        if operator.set.is_some() || operator.if_exists {
            return None;
        }
        let (base, values) = match operator.base {
            Base::Bool => {
                let [value] = self.values.as_slice() else {
                    return None;
                };
                let opposite = if value.eq_ignore_ascii_case("true") {
                    "false"
                } else {
                    "true"
                };
                ("Bool", vec![opposite.to_string()])
            }
            other => (other.opposite()?, self.values.clone()),
        };
        Some(Atom {
            operator: base.to_string(),
            key: self.key.clone(),
            values,
        })
    }

    /// Whether this clause holds whenever it holds, both in canonical form: the same
    /// operator and key, and values that say no more (a positive operator's values among
    /// the other's, since values are ORed; a negated operator's values including the
    /// other's; address blocks inside the other's blocks; `StringLike` patterns covered by
    /// the other's). Sound, not complete: `NumericLessThan 5` is not found to imply
    /// `NumericLessThan 10`.
    pub fn implies(&self, other: &Atom) -> bool {
        if self.operator != other.operator || self.key != other.key {
            return false;
        }
        if self.values == other.values {
            return true;
        }
        let Some(operator) = Operator::parse(&self.operator) else {
            return false;
        };
        let within = |narrow: &[String], wide: &[String], covers: &dyn Fn(&str, &str) -> bool| {
            narrow.iter().all(|n| wide.iter().any(|w| covers(w, n)))
        };
        let equal = |w: &str, n: &str| w == n;
        let block = |w: &str, n: &str| block_covers(w, n);
        let like = |w: &str, n: &str| crate::matching::wildcard_covers(w, n, false);
        match operator.base {
            Base::Bool | Base::Null => false,
            Base::IpAddress => within(&self.values, &other.values, &block),
            Base::NotIpAddress => within(&other.values, &self.values, &block),
            Base::StringLike => within(&self.values, &other.values, &like),
            Base::StringNotLike => within(&other.values, &self.values, &like),
            base if base.is_negated() => within(&other.values, &self.values, &equal),
            Base::StringEquals
            | Base::StringEqualsIgnoreCase
            | Base::BinaryEquals
            | Base::NumericEquals
            | Base::DateEquals
            | Base::ArnEquals
            | Base::ArnLike => within(&self.values, &other.values, &equal),
            // Ordering operators with several values: left to equality.
            _ => false,
        }
    }
}

/// Whether address block `wide` contains block (or address) `narrow`.
fn block_covers(wide: &str, narrow: &str) -> bool {
    let parse = |text: &str| -> Option<(IpAddr, u32)> {
        let (address, prefix) = match text.trim().split_once('/') {
            Some((a, p)) => (a, Some(p.parse::<u32>().ok()?)),
            None => (text.trim(), None),
        };
        let address: IpAddr = address.parse().ok()?;
        let full = if address.is_ipv4() { 32 } else { 128 };
        Some((address, prefix.unwrap_or(full).min(full)))
    };
    match (parse(wide), parse(narrow)) {
        (Some((wide_address, wide_bits)), Some((narrow_address, narrow_bits))) => {
            narrow_bits >= wide_bits
                && in_block(
                    &narrow_address.to_string(),
                    &format!("{wide_address}/{wide_bits}"),
                )
        }
        _ => false,
    }
}

impl std::fmt::Display for Atom {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.operator == "Template" {
            return write!(f, "the template values of {:?} match", self.values);
        }
        write!(f, "{} {} {:?}", self.operator, self.key, self.values)
    }
}

/// An operator's family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Null,
}

const BASES: [(&str, Base); 27] = [
    ("StringEquals", Base::StringEquals),
    ("StringNotEquals", Base::StringNotEquals),
    ("StringEqualsIgnoreCase", Base::StringEqualsIgnoreCase),
    ("StringNotEqualsIgnoreCase", Base::StringNotEqualsIgnoreCase),
    ("StringLike", Base::StringLike),
    ("StringNotLike", Base::StringNotLike),
    ("NumericEquals", Base::NumericEquals),
    ("NumericNotEquals", Base::NumericNotEquals),
    ("NumericLessThan", Base::NumericLessThan),
    ("NumericLessThanEquals", Base::NumericLessThanEquals),
    ("NumericGreaterThan", Base::NumericGreaterThan),
    ("NumericGreaterThanEquals", Base::NumericGreaterThanEquals),
    ("DateEquals", Base::DateEquals),
    ("DateNotEquals", Base::DateNotEquals),
    ("DateLessThan", Base::DateLessThan),
    ("DateLessThanEquals", Base::DateLessThanEquals),
    ("DateGreaterThan", Base::DateGreaterThan),
    ("DateGreaterThanEquals", Base::DateGreaterThanEquals),
    ("Bool", Base::Bool),
    ("BinaryEquals", Base::BinaryEquals),
    ("IpAddress", Base::IpAddress),
    ("NotIpAddress", Base::NotIpAddress),
    ("ArnEquals", Base::ArnEquals),
    ("ArnLike", Base::ArnLike),
    ("ArnNotEquals", Base::ArnNotEquals),
    ("ArnNotLike", Base::ArnNotLike),
    ("Null", Base::Null),
];

/// The operators RAM documents (21): the String, Numeric and Date families, `Bool`,
/// `IpAddress` and `NotIpAddress`. The others are IAM's.
pub fn is_ram_operator(base: Base) -> bool {
    !matches!(
        base,
        Base::BinaryEquals
            | Base::ArnEquals
            | Base::ArnLike
            | Base::ArnNotEquals
            | Base::ArnNotLike
            | Base::Null
    )
}

impl Base {
    pub fn name(self) -> &'static str {
        BASES
            .iter()
            .find(|(_, b)| *b == self)
            .map_or("", |(n, _)| n)
    }

    /// Negated operators hold when no value matches (and when the key is absent).
    fn is_negated(self) -> bool {
        matches!(
            self,
            Base::StringNotEquals
                | Base::StringNotEqualsIgnoreCase
                | Base::StringNotLike
                | Base::NumericNotEquals
                | Base::DateNotEquals
                | Base::NotIpAddress
                | Base::ArnNotEquals
                | Base::ArnNotLike
        )
    }

    /// The positive operator a negated one negates.
    fn positive(self) -> Base {
        match self {
            Base::StringNotEquals => Base::StringEquals,
            Base::StringNotEqualsIgnoreCase => Base::StringEqualsIgnoreCase,
            Base::StringNotLike => Base::StringLike,
            Base::NumericNotEquals => Base::NumericEquals,
            Base::DateNotEquals => Base::DateEquals,
            Base::NotIpAddress => Base::IpAddress,
            Base::ArnNotEquals => Base::ArnEquals,
            Base::ArnNotLike => Base::ArnLike,
            other => other,
        }
    }

    fn opposite(self) -> Option<&'static str> {
        Some(match self {
            Base::StringEquals => "StringNotEquals",
            Base::StringNotEquals => "StringEquals",
            Base::StringEqualsIgnoreCase => "StringNotEqualsIgnoreCase",
            Base::StringNotEqualsIgnoreCase => "StringEqualsIgnoreCase",
            Base::StringLike => "StringNotLike",
            Base::StringNotLike => "StringLike",
            Base::NumericEquals => "NumericNotEquals",
            Base::NumericNotEquals => "NumericEquals",
            Base::NumericLessThan => "NumericGreaterThanEquals",
            Base::NumericGreaterThanEquals => "NumericLessThan",
            Base::NumericLessThanEquals => "NumericGreaterThan",
            Base::NumericGreaterThan => "NumericLessThanEquals",
            Base::DateEquals => "DateNotEquals",
            Base::DateNotEquals => "DateEquals",
            Base::DateLessThan => "DateGreaterThanEquals",
            Base::DateGreaterThanEquals => "DateLessThan",
            Base::DateLessThanEquals => "DateGreaterThan",
            Base::DateGreaterThan => "DateLessThanEquals",
            Base::IpAddress => "NotIpAddress",
            Base::NotIpAddress => "IpAddress",
            Base::ArnEquals | Base::ArnLike => "ArnNotLike",
            Base::ArnNotEquals | Base::ArnNotLike => "ArnLike",
            Base::Bool | Base::BinaryEquals | Base::Null => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetOperator {
    ForAnyValue,
    ForAllValues,
}

/// An operator with its qualifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operator {
    pub set: Option<SetOperator>,
    pub base: Base,
    pub if_exists: bool,
}

impl Operator {
    /// `None` for an operator neither dialect has (operators are case-sensitive).
    pub fn parse(text: &str) -> Option<Operator> {
        let (set, rest) = if let Some(rest) = text.strip_prefix("ForAnyValue:") {
            (Some(SetOperator::ForAnyValue), rest)
        } else if let Some(rest) = text.strip_prefix("ForAllValues:") {
            (Some(SetOperator::ForAllValues), rest)
        } else {
            (None, text)
        };
        let (rest, if_exists) = match rest.strip_suffix("IfExists") {
            Some(base) => (base, true),
            None => (rest, false),
        };
        let base = BASES.iter().find(|(n, _)| *n == rest)?.1;
        if base == Base::Null && (if_exists || set.is_some()) {
            return None;
        }
        Some(Operator {
            set,
            base,
            if_exists,
        })
    }
}

mod evaluate;
use evaluate::in_block;
pub use evaluate::{Context, Lookup, Truth, evaluate, instant, substitute};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Dialect;

    fn atom(operator: &str, key: &str, values: &[&str]) -> Atom {
        Atom {
            operator: operator.into(),
            key: key.into(),
            values: values.iter().map(|v| v.to_string()).collect(),
        }
    }

    fn context(pairs: &[(&str, &str)]) -> Context {
        let mut context = Context::default();
        for (k, v) in pairs {
            context.add(k, v);
        }
        context
    }

    fn eval(a: &Atom, c: &Context) -> Truth {
        evaluate(a, c, Dialect::Aws)
    }

    #[test]
    fn operators() {
        let c = context(&[
            ("aws:SourceIp", "10.1.2.3"),
            ("aws:CurrentTime", "2024-05-01T12:00:00Z"),
            ("s3:max-keys", "10"),
            ("aws:SecureTransport", "TRUE"),
            ("aws:SourceArn", "arn:aws:sns:us-east-1:123:topic"),
        ]);
        assert_eq!(
            eval(&atom("IpAddress", "aws:sourceip", &["10.0.0.0/8"]), &c),
            Truth::True
        );
        assert_eq!(
            eval(&atom("NotIpAddress", "aws:SourceIp", &["10.0.0.0/8"]), &c),
            Truth::False
        );
        assert_eq!(
            eval(
                &atom(
                    "DateLessThan",
                    "aws:CurrentTime",
                    &["2024-05-01T13:00:00+02:00"]
                ),
                &c
            ),
            Truth::False
        );
        assert_eq!(
            eval(
                &atom("DateGreaterThan", "aws:CurrentTime", &["2024-05-01"]),
                &c
            ),
            Truth::True
        );
        assert_eq!(
            eval(&atom("NumericLessThanEquals", "s3:max-keys", &["10"]), &c),
            Truth::True
        );
        assert_eq!(
            eval(&atom("Bool", "aws:SecureTransport", &["true"]), &c),
            Truth::True
        );
        assert_eq!(
            eval(
                &atom("ArnLike", "aws:SourceArn", &["arn:aws:sns:*:123:*"]),
                &c
            ),
            Truth::True
        );
        assert_eq!(
            eval(
                &atom("ArnLike", "aws:SourceArn", &["arn:aws:sns:*:124:*"]),
                &c
            ),
            Truth::False
        );
        assert_eq!(
            eval(&atom("StringLike", "aws:SourceArn", &["arn:*:topic"]), &c),
            Truth::True
        );
    }

    #[test]
    fn missing_keys() {
        let open = Context::default();
        let closed = Context {
            complete: true,
            ..Context::default()
        };
        let positive = atom("StringEquals", "aws:PrincipalTag/team", &["a"]);
        let negated = atom("StringNotEquals", "aws:PrincipalTag/team", &["a"]);
        assert_eq!(
            eval(&positive, &open),
            Truth::depends("aws:PrincipalTag/team")
        );
        assert_eq!(eval(&positive, &closed), Truth::False);
        assert_eq!(eval(&negated, &closed), Truth::True);
        assert_eq!(
            eval(&atom("StringEqualsIfExists", "k", &["a"]), &closed),
            Truth::True
        );
        assert_eq!(eval(&atom("Null", "k", &["true"]), &closed), Truth::True);
        assert_eq!(eval(&atom("Null", "k", &["false"]), &closed), Truth::False);
        assert_eq!(
            eval(&atom("ForAllValues:StringEquals", "k", &["a"]), &closed),
            Truth::True
        );
        assert_eq!(
            eval(&atom("ForAnyValue:StringEquals", "k", &["a"]), &closed),
            Truth::False
        );
    }

    #[test]
    fn multivalued_keys() {
        let c = context(&[("aws:TagKeys", "a"), ("aws:TagKeys", "b")]);
        let all = atom("ForAllValues:StringEquals", "aws:TagKeys", &["a", "b", "c"]);
        let all_fails = atom("ForAllValues:StringEquals", "aws:TagKeys", &["a"]);
        let any = atom("ForAnyValue:StringEquals", "aws:TagKeys", &["b"]);
        let none = atom("ForAllValues:StringNotEquals", "aws:TagKeys", &["c"]);
        assert_eq!(eval(&all, &c), Truth::True);
        assert_eq!(eval(&all_fails, &c), Truth::False);
        assert_eq!(eval(&any, &c), Truth::True);
        assert_eq!(eval(&none, &c), Truth::True);
    }

    #[test]
    fn variables_in_values() {
        let c = context(&[("aws:username", "alice"), ("s3:prefix", "home/alice/x")]);
        let like = atom("StringLike", "s3:prefix", &["home/${aws:username}/*"]);
        assert_eq!(eval(&like, &c), Truth::True);
        let unknown = context(&[("s3:prefix", "home/alice/x")]);
        assert_eq!(eval(&like, &unknown), Truth::depends("aws:username"));
    }

    #[test]
    fn negations_and_requirements() {
        let secure = atom("Bool", "acs:SecureTransport", &["true"]);
        assert_eq!(
            secure.negation(),
            Some(atom("Bool", "acs:SecureTransport", &["false"]))
        );
        assert_eq!(
            atom("IpAddress", "k", &["10.0.0.0/8"]).negation(),
            Some(atom("NotIpAddress", "k", &["10.0.0.0/8"]))
        );
        let implies = |a: Atom, b: &Atom| a.canonical().implies(&b.canonical());
        assert!(implies(
            atom("Bool", "ACS:SecureTransport", &["TRUE"]),
            &secure
        ));
        let blocks = atom(
            "IpAddress",
            "acs:SourceIp",
            &["10.0.0.0/8", "192.168.0.0/16"],
        );
        assert!(implies(
            atom("IpAddress", "acs:SourceIp", &["10.0.0.0/8"]),
            &blocks
        ));
        assert!(implies(
            atom("IpAddress", "acs:SourceIp", &["10.1.0.0/16"]),
            &blocks
        ));
        assert!(!implies(
            atom("IpAddress", "acs:SourceIp", &["0.0.0.0/0"]),
            &blocks
        ));
        assert!(implies(
            atom("NotIpAddress", "acs:SourceIp", &["0.0.0.0/0"]),
            &atom("NotIpAddress", "acs:SourceIp", &["10.0.0.0/8"])
        ));
        assert!(implies(
            atom("StringLike", "oss:Prefix", &["home/a/*"]),
            &atom("StringLike", "oss:Prefix", &["home/*"])
        ));
        assert!(!implies(
            atom("StringEquals", "k", &["a", "b"]),
            &atom("StringEquals", "k", &["a"])
        ));
        assert!(implies(
            atom("StringNotEquals", "k", &["a", "b"]),
            &atom("StringNotEquals", "k", &["a"])
        ));
    }

    #[test]
    fn instants() {
        assert_eq!(instant("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(instant("1970-01-02"), Some(86_400.0));
        assert_eq!(instant("1970-01-01T08:00:00+08:00"), Some(0.0));
        assert_eq!(instant("1565600000"), Some(1_565_600_000.0));
        assert_eq!(instant("2019-08-12T17:00:00+08:00"), Some(1_565_600_400.0));
        assert_eq!(instant("tomorrow"), None);
    }
}
