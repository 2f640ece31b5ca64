//! An action of a catalogue, and what it acts on and is conditioned by: its resource types
//! (with their ARN templates) and condition keys.

use super::data::{ACTIONS, ARNS, KEY_REFS, KEYS, RESOURCE_REFS, RESOURCE_TYPES};
use super::{AccessLevel, KeyType, Service, range};
use crate::model::Dialect;

/// The kind of action ↔ resource type pairing: a type the action may act on.
#[derive(Clone, Copy, Debug)]
pub struct ActionResource {
    pub resource_type: ResourceType,
    /// Whether the action always needs one of this type (AWS's `*` in the reference).
    pub required: bool,
}

/// An action of one catalogue.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Action {
    pub(super) index: usize,
    pub(super) dialect: Dialect,
}

impl std::fmt::Debug for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "Action({})", self.qualified_name())
    }
}

impl Action {
    /// Its name as documented, without the service (`GetObject`).
    pub fn name(self) -> &'static str {
        ACTIONS.str(self.index, 0)
    }

    pub fn service(self) -> Service {
        Service {
            index: ACTIONS.get(self.index, 2) as usize,
            dialect: self.dialect,
        }
    }

    /// A number no other action of either catalogue has (for keys of memories).
    pub fn id(self) -> u64 {
        (self.index as u64) << 1 | u64::from(self.dialect == Dialect::Aws)
    }

    /// `service:Name`, as documented.
    pub fn qualified_name(self) -> String {
        format!("{}:{}", self.service().code(), self.name())
    }

    fn flags(self) -> u32 {
        ACTIONS.get(self.index, 3)
    }

    pub fn access_level(self) -> AccessLevel {
        AccessLevel::ALL[(self.flags() & 0xff) as usize]
    }

    /// Whether the level was read from the action's verb (`Delete…` writes), because no
    /// source documents it.
    pub fn access_level_inferred(self) -> bool {
        self.flags() & (1 << 8) != 0
    }

    /// The resource types it acts on: `None` when no source says (RAM actions known only
    /// by name), empty when it takes only `"*"`.
    pub fn resource_types(self) -> Option<impl ExactSizeIterator<Item = ActionResource>> {
        (self.flags() & (1 << 9) != 0).then(|| {
            range(ACTIONS.get(self.index, 4), ACTIONS.get(self.index, 5)).map(|i| {
                let reference = RESOURCE_REFS.get(i, 0);
                ActionResource {
                    resource_type: ResourceType {
                        index: (reference & !(1 << 31)) as usize,
                    },
                    required: reference & (1 << 31) != 0,
                }
            })
        })
    }

    /// Some when its resources are known: whether it takes only `"*"`.
    pub fn takes_only_star(self) -> Option<bool> {
        self.resource_types()
            .map(|mut types| types.next().is_none())
    }

    /// The condition keys its own entry names (not those of its resource types).
    pub fn condition_keys(self) -> impl ExactSizeIterator<Item = ConditionKey> {
        key_refs(ACTIONS.get(self.index, 6), ACTIONS.get(self.index, 7))
    }

    /// Whether `key` is one its entry or one of its resource types names.
    pub fn supports_condition_key(self, key: &str) -> bool {
        self.condition_keys().any(|k| k.matches(key))
            || self.resource_types().is_some_and(|mut types| {
                types.any(|t| t.resource_type.condition_keys().any(|k| k.matches(key)))
            })
    }
}

fn key_refs(first: u32, count: u32) -> impl ExactSizeIterator<Item = ConditionKey> {
    range(first, count).map(|i| ConditionKey {
        index: KEY_REFS.get(i, 0) as usize,
    })
}

/// A kind of resource an action acts on, with its ARN templates.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ResourceType {
    pub(super) index: usize,
}

impl std::fmt::Debug for ResourceType {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "ResourceType({})", self.name())
    }
}

impl ResourceType {
    pub fn name(self) -> &'static str {
        RESOURCE_TYPES.str(self.index, 0)
    }

    /// Its ARN templates, placeholders as documented (`arn:${Partition}:s3:::${BucketName}`,
    /// `acs:ecs:{RegionId}:{AccountId}:instance/{InstanceId}`); RAM types may have several.
    pub fn arn_templates(self) -> impl ExactSizeIterator<Item = &'static str> {
        range(
            RESOURCE_TYPES.get(self.index, 2),
            RESOURCE_TYPES.get(self.index, 3),
        )
        .map(|i| ARNS.str(i, 0))
    }

    pub fn condition_keys(self) -> impl ExactSizeIterator<Item = ConditionKey> {
        key_refs(
            RESOURCE_TYPES.get(self.index, 4),
            RESOURCE_TYPES.get(self.index, 5),
        )
    }
}

/// A condition key with its type.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ConditionKey {
    pub(super) index: usize,
}

impl std::fmt::Debug for ConditionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "ConditionKey({})", self.name())
    }
}

impl ConditionKey {
    /// As documented: `s3:prefix`, `aws:ResourceTag/${TagKey}`, `ecs:tag/<tag-key>`.
    pub fn name(self) -> &'static str {
        KEYS.str(self.index, 0)
    }

    pub fn key_type(self) -> KeyType {
        KeyType::ALL[KEYS.get(self.index, 2) as usize]
    }

    /// Whether a key as written in a policy is this one: any ASCII case (keys compare
    /// case-insensitively), and a placeholder (`${TagKey}`, `<tag-key>`) at the end takes
    /// any non-empty text.
    pub fn matches(self, key: &str) -> bool {
        let name = self.name();
        match placeholder_start(name) {
            Some(at) => {
                key.len() > at
                    && key.is_char_boundary(at)
                    && key[..at].eq_ignore_ascii_case(&name[..at])
            }
            None => key.eq_ignore_ascii_case(name),
        }
    }
}

/// Where a trailing placeholder starts in a key name (`aws:ResourceTag/${TagKey}`).
pub(super) fn placeholder_start(name: &str) -> Option<usize> {
    // The first `${` or `<`, found in one pass over the bytes: every key a policy names is
    // compared with every global key this way.
    if !name.ends_with(['}', '>']) {
        return None;
    }
    let bytes = name.as_bytes();
    memchr::memchr2_iter(b'$', b'<', bytes)
        .find(|&at| bytes[at] == b'<' || bytes.get(at + 1) == Some(&b'{'))
        .filter(|&at| at > 0)
}
