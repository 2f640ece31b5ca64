//! The RAM condition vocabulary the condition checks ask about: the 21 operators and the
//! global `acs:` keys, with closest-match searches for the help line.

use super::suggest::{Search, closest_by_edits, remembered_dialect_word, remembered_word};
use crate::model::Dialect;
use std::sync::OnceLock;

pub struct ConditionVocabulary {
    pub condition_operators: Vec<String>,
    /// Global `acs:` keys as documented; `acs:ResourceTag/<tag-key>` takes any tag key.
    pub global_condition_keys: Vec<String>,
}

static VOCABULARY: OnceLock<ConditionVocabulary> = OnceLock::new();

/// The RAM condition vocabulary.
pub fn catalogue() -> &'static ConditionVocabulary {
    VOCABULARY.get_or_init(|| ConditionVocabulary {
        condition_operators: super::data::CONDITION_OPERATORS
            .iter()
            .map(|o| o.to_string())
            .collect(),
        global_condition_keys: super::ram()
            .global_condition_keys()
            .map(|k| k.name().to_string())
            .collect(),
    })
}

impl ConditionVocabulary {
    pub fn is_condition_operator(&self, operator: &str) -> bool {
        self.condition_operators.iter().any(|o| o == operator)
    }

    /// Whether `key` is a known global key. Condition keys compare case-insensitively, as
    /// in IAM; tag keys take any suffix.
    pub fn is_global_condition_key(&self, key: &str) -> bool {
        super::ram().global_condition_key(key).is_some()
    }

    /// The known global key closest to an unknown `acs:` key, for the help line.
    pub fn closest_global_condition_key(&'static self, key: &str) -> Option<&'static str> {
        remembered_word(Search::ConditionKey, key, || {
            closest_by_edits(
                key,
                self.global_condition_keys
                    .iter()
                    .filter(|known| !known.ends_with(['>', '}']))
                    .map(String::as_str),
                3,
            )
        })
    }

    /// The known condition operator closest to an unknown one, for the help line.
    pub fn closest_condition_operator(&'static self, operator: &str) -> Option<&'static str> {
        remembered_word(Search::ConditionOperator, operator, || {
            closest_by_edits(
                operator,
                self.condition_operators.iter().map(String::as_str),
                4,
            )
        })
    }
}

/// IAM's condition operators (AWS IAM User Guide, "IAM JSON policy elements: Condition
/// operators"): RAM's 21 and `BinaryEquals`, the four `Arn` ones and `Null`.
pub const AWS_CONDITION_OPERATORS: &[&str] = &[
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "NotIpAddress",
    "ArnEquals",
    "ArnLike",
    "ArnNotEquals",
    "ArnNotLike",
    "Null",
];

/// The condition operators of a dialect.
pub fn condition_operators(dialect: Dialect) -> &'static [&'static str] {
    match dialect {
        Dialect::Ram => super::data::CONDITION_OPERATORS,
        Dialect::Aws => AWS_CONDITION_OPERATORS,
    }
}

/// The operator of `dialect` closest to an unknown one, for the help line.
pub fn closest_condition_operator(dialect: Dialect, operator: &str) -> Option<&'static str> {
    remembered_dialect_word(Search::ConditionOperator, dialect, operator, || {
        closest_by_edits(operator, condition_operators(dialect).iter().copied(), 4)
    })
}

/// The global key of `dialect` closest to an unknown one (`aws:SourceIP4`), for the help.
pub fn closest_global_condition_key(dialect: Dialect, key: &str) -> Option<&'static str> {
    remembered_dialect_word(Search::ConditionKey, dialect, key, || {
        closest_by_edits(
            key,
            super::for_dialect(dialect)
                .global_condition_keys()
                .map(|k| k.name())
                .filter(|name| !name.ends_with(['>', '}'])),
            3,
        )
    })
}

/// The key of `service` closest to an unknown one (`s3:Prefix` → `s3:prefix` is a match
/// already, keys compare in any case; `s3:prefx` → `s3:prefix`).
pub fn closest_service_condition_key(service: super::Service, key: &str) -> Option<&'static str> {
    closest_by_edits(
        key,
        service
            .condition_keys()
            .map(|k| k.name())
            .filter(|name| !name.ends_with(['>', '}'])),
        3,
    )
}
