//! The RAM condition vocabulary the condition checks ask about: the 21 operators and the
//! global `acs:` keys, with closest-match searches for the help line.

use super::suggest::{Search, closest_by_edits, remembered_word};
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
