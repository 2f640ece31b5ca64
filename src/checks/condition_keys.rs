//! Condition keys against what the catalogue knows of them: whether the statement's actions
//! support a service key, whether the operator suits the key's type, and whether a value's
//! `*` is a wildcard at all. Unknown operators and keys are `conditions.rs`'s (PL106,
//! PL107); these checks read only blocks whose operator is known.

use super::CheckContext;
use super::conditions::{base_operator, blocks, dialect_of, value_text, values};
use crate::catalogue::{self, Action, Catalogue, KeyType};
use crate::diagnostic::Finding;
use crate::matching::trim;
use crate::model::{Dialect, Statement};
use crate::parse::Member;

/// PL112: a service condition key that none of the statement's actions supports. The key is
/// never in the request of those actions, so the condition never holds (or, negated, always
/// does). Judged only when every action of the statement is in the catalogue and some action
/// of the key's service is documented with the key (a key documented for none is not
/// judged: its service may set it everywhere).
pub fn unsupported_condition_key(ctx: &CheckContext, out: &mut Vec<Finding>) {
    let Some(policy) = ctx.policy else { return };
    let catalogue = catalogue::for_dialect(policy.dialect);
    for statement in policy.statements {
        let Some(keys) = service_keys(statement, catalogue) else {
            continue;
        };
        if keys.is_empty() {
            continue;
        }
        let Some(actions) = known_actions(statement, catalogue) else {
            continue;
        };
        for key in keys {
            if actions.iter().any(|a| a.supports_condition_key(key.key)) {
                continue;
            }
            let Some(service) = key
                .key
                .split_once(':')
                .and_then(|(code, _)| catalogue.service(code))
            else {
                continue;
            };
            let Some(supporting) = service
                .actions()
                .find(|a| a.supports_condition_key(key.key))
            else {
                continue;
            };
            let written: Vec<&str> = statement.actions().map(trim).collect();
            out.push(
                Finding::new(
                    key.key_span,
                    format!(
                        "no action of this statement supports `{}`, so the request never carries it ({})",
                        key.key,
                        catalogue.label()
                    ),
                )
                .help(format!(
                    "`{}` is set for actions such as `{}`, not for {}: move the condition to a statement of those actions, or use a key these actions support (`policylint catalogue ACTION` lists them)",
                    key.key,
                    supporting.qualified_name(),
                    list(&written)
                )),
            );
        }
    }
}

fn list(actions: &[&str]) -> String {
    const SHOWN: usize = 3;
    let mut shown: Vec<String> = actions
        .iter()
        .take(SHOWN)
        .map(|a| format!("`{a}`"))
        .collect();
    if actions.len() > SHOWN {
        shown.push(format!("{} more", actions.len() - SHOWN));
    }
    shown.join(", ")
}

/// The service keys (neither global nor a provider's) of the statement's known condition
/// blocks; `None` when its Condition cannot be read.
fn service_keys<'n>(
    statement: &Statement<'n>,
    catalogue: Catalogue,
) -> Option<Vec<&'n Member<'n>>> {
    let blocks = statement.condition?.value.as_object()?;
    let global = match catalogue.dialect() {
        Dialect::Ram => "acs:",
        Dialect::Aws => "aws:",
    };
    Some(
        blocks
            .iter()
            .filter(|block| base_operator(block.key, catalogue.dialect()).is_some())
            .filter_map(|block| block.value.as_object())
            .flatten()
            .filter(|key| {
                key.key.split_once(':').is_some_and(|(code, _)| {
                    !code.eq_ignore_ascii_case(&global[..3]) && catalogue.service(code).is_some()
                })
            })
            .collect(),
    )
}

/// Every catalogue action the statement's `Action` names; `None` when it has none, uses
/// `NotAction`, holds a template value, or names something the catalogue lacks.
fn known_actions(statement: &Statement, catalogue: Catalogue) -> Option<Vec<Action>> {
    let action = statement.action.as_ref()?;
    if action.has_template_value || action.entries.is_empty() {
        return None;
    }
    let mut known = Vec::new();
    for pattern in action.texts() {
        let before = known.len();
        known.extend(catalogue.matching(pattern));
        if known.len() == before {
            return None;
        }
    }
    Some(known)
}

/// The family of values an operator compares.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Family {
    String,
    Numeric,
    Date,
    Bool,
    Ip,
    Arn,
    Binary,
}

impl Family {
    fn of(operator: &str) -> Option<Family> {
        Some(match operator {
            "Bool" => Family::Bool,
            "IpAddress" | "NotIpAddress" => Family::Ip,
            "Null" => return None,
            _ if operator.starts_with("String") => Family::String,
            _ if operator.starts_with("Numeric") => Family::Numeric,
            _ if operator.starts_with("Date") => Family::Date,
            _ if operator.starts_with("Arn") => Family::Arn,
            _ if operator.starts_with("Binary") => Family::Binary,
            _ => return None,
        })
    }

    fn of_key(key_type: KeyType) -> Option<Family> {
        Some(match key_type {
            KeyType::String | KeyType::ArrayOfString => Family::String,
            KeyType::Numeric | KeyType::ArrayOfNumeric => Family::Numeric,
            KeyType::Date => Family::Date,
            KeyType::Bool | KeyType::ArrayOfBool => Family::Bool,
            KeyType::IpAddress => Family::Ip,
            KeyType::Arn | KeyType::ArrayOfArn => Family::Arn,
            KeyType::Binary => Family::Binary,
            KeyType::Unknown => return None,
        })
    }

    /// Whether an operator of this family compares a key of family `key` as meant. String
    /// operators compare ARNs as text, which IAM documents as working.
    fn suits(self, key: Family) -> bool {
        self == key || (self == Family::String && key == Family::Arn)
    }

    fn operators(self) -> &'static str {
        match self {
            Family::String => "a String operator (`StringEquals`, `StringLike`...)",
            Family::Numeric => "a Numeric operator (`NumericLessThan`...)",
            Family::Date => "a Date operator (`DateGreaterThan`...)",
            Family::Bool => "`Bool`",
            Family::Ip => "`IpAddress` or `NotIpAddress`",
            Family::Arn => "an Arn operator (`ArnLike`, `ArnEquals`...) or a String one",
            Family::Binary => "`BinaryEquals`",
        }
    }
}

/// The type the catalogue gives a key as written, if it knows the key, and whether it is a
/// tag key (`aws:ResourceTag/${TagKey}`): tags are strings that may hold numbers or dates,
/// which Numeric and Date operators read as such.
fn key_type(catalogue: Catalogue, name: &str) -> Option<(KeyType, bool)> {
    let key = match catalogue.global_condition_key(name) {
        Some(global) => global,
        None => {
            let (code, _) = name.split_once(':')?;
            catalogue.service(code)?.condition_key(name)?
        }
    };
    Some((key.key_type(), key.name().ends_with(['}', '>'])))
}

/// PL113: an operator of one type on a key of another (`StringEquals` on `aws:CurrentTime`,
/// `Bool` on a string key): the values are compared as the wrong kind and the condition
/// does not test what it reads as.
pub fn condition_type_mismatch(ctx: &CheckContext, out: &mut Vec<Finding>) {
    let dialect = dialect_of(ctx);
    let catalogue = catalogue::for_dialect(dialect);
    for (block, keys) in blocks(ctx) {
        let Some(family) = base_operator(block.key, dialect).and_then(Family::of) else {
            continue;
        };
        for key in keys {
            let Some((key_type, is_tag)) = key_type(catalogue, key.key) else {
                continue;
            };
            let Some(key_family) = Family::of_key(key_type) else {
                continue;
            };
            let reads_tag_as_text = is_tag && matches!(family, Family::Numeric | Family::Date);
            if family.suits(key_family) || reads_tag_as_text {
                continue;
            }
            out.push(
                Finding::new(
                    key.key_span,
                    format!(
                        "`{}` is of type {}, but `{}` compares it as another type",
                        key.key,
                        key_type.name(),
                        block.key
                    ),
                )
                .label(block.key_span, "the operator")
                .help(format!(
                    "test `{}` with {}",
                    key.key,
                    key_family.operators()
                )),
            );
        }
    }
}

const EXACT_STRING_OPERATORS: &[&str] = &[
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
];

/// Whether `value` holds a `*` outside its policy variables (`${aws:username}`, and `${*}`,
/// which is IAM's way to write a literal `*`).
fn has_bare_wildcard(value: &str) -> bool {
    let mut rest = value;
    while let Some(at) = rest.find(['*', '$']) {
        if rest[at..].starts_with('*') {
            return true;
        }
        rest = &rest[at + 1..];
        if rest.starts_with('{') {
            match rest.find('}') {
                Some(close) => rest = &rest[close + 1..],
                None => return false,
            }
        }
    }
    false
}

/// PL114: a `*` in a value of `StringEquals` and its exact siblings, which compare it as a
/// plain character: the condition holds only for a value with a literal `*`.
pub fn wildcard_without_like(ctx: &CheckContext, out: &mut Vec<Finding>) {
    let dialect = dialect_of(ctx);
    for (block, keys) in blocks(ctx) {
        let Some(operator) = base_operator(block.key, dialect) else {
            continue;
        };
        if !EXACT_STRING_OPERATORS.contains(&operator) {
            continue;
        }
        let like = if operator.contains("Not") {
            "StringNotLike"
        } else {
            "StringLike"
        };
        for key in keys {
            for value in values(key) {
                let text = value_text(value);
                if !has_bare_wildcard(text) {
                    continue;
                }
                out.push(
                    Finding::new(
                        value.span,
                        format!("`{operator}` compares `{text}` character for character: its `*` matches only a `*`"),
                    )
                    .label(block.key_span, "an exact-match operator")
                    .help(format!(
                        "to match a pattern, test `{}` under `{like}` instead of `{operator}`",
                        key.key
                    )),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_wildcards() {
        assert!(has_bare_wildcard("arn:aws:iam::*:role/x"));
        assert!(has_bare_wildcard("home/${aws:username}/*"));
        assert!(!has_bare_wildcard("home/${aws:username}"));
        assert!(!has_bare_wildcard("literal-${*}-star"));
        assert!(!has_bare_wildcard("plain"));
    }

    #[test]
    fn families() {
        assert!(Family::String.suits(Family::Arn));
        assert!(!Family::String.suits(Family::Date));
        assert!(!Family::Bool.suits(Family::String));
        assert!(Family::of("Null").is_none());
        assert!(Family::of("ArnLike") == Some(Family::Arn));
    }
}
