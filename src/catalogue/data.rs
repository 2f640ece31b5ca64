//! The embedded tables `build.rs` (`build/catalogue.rs`) makes from `rules/data/`: every
//! name and ARN template in one string, and records of little-endian `u32`s in one byte
//! string. Nothing is parsed or built at start-up; a lookup reads a few records.
//!
//! Records (fields in order; a string is two fields, offset and length in `STRINGS`):
//! - `SERVICES`: code, name, first action, actions, first resource type, resource types,
//!   first key, keys, action-list kind. One dialect's services are one run sorted by code.
//! - `ACTIONS`: name, service, flags (bits 0-7 access level, 8 level inferred from the name,
//!   9 resource types known), first resource ref, resource refs, first key ref, key refs.
//!   A service's actions are one run sorted by ASCII-lower-cased name.
//! - `RESOURCE_TYPES`: name, first ARN, ARNs, first key ref, key refs.
//! - `ARNS`: an ARN template (a string).
//! - `RESOURCE_REFS`: a resource type index, bit 31 set when the type is required.
//! - `KEYS`: name, type. A service's keys are one run sorted by lower-cased name, and so
//!   are a dialect's global keys.
//! - `KEY_REFS`: a key index.
//! - `SERVICE_SLOTS`, `ACTION_SLOTS`: open-addressing hash tables (linear probing, at most
//!   64% full) of `record index + 1` (0: empty), keyed by [`slot_hash`] of the dialect
//!   (0 RAM, 1 AWS) and the code, or of the service index and the action name.
//! - `NAME_SLOTS`: the same, of every action keyed by its dialect and name alone; one name
//!   may have several records (one per service that has it).

/// A run of fixed-width records in `TABLES`.
#[derive(Clone, Copy)]
pub struct Table {
    /// The index of its first word in `TABLES`.
    pub start: usize,
    pub width: usize,
    pub len: usize,
}

/// One dialect's catalogue: where its records are, and what it was made from.
pub struct DialectData {
    pub name: &'static str,
    pub version: &'static str,
    pub date: &'static str,
    pub source: &'static str,
    /// (first record, records) in `SERVICES`.
    pub services: (usize, usize),
    /// (first record, records) in `KEYS`.
    pub globals: (usize, usize),
}

mod generated {
    use super::{DialectData, Table};
    include!(concat!(env!("OUT_DIR"), "/catalogue_data.rs"));
}

pub use generated::*;

/// FNV-1a over `prefix` and the ASCII-lower-cased `name`, spread by a multiply (as
/// `build/catalogue.rs` hashes).
#[inline]
pub fn slot_hash(prefix: &[u8], name: &str) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for &byte in prefix.iter().chain(name.as_bytes()) {
        hash ^= u32::from(byte.to_ascii_lowercase());
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash.wrapping_mul(0x9e37_79b1)
}

/// The record index whose slot `found` accepts, probing a slot table from `hash`.
#[inline]
pub fn probe(slots: Table, hash: u32, found: impl Fn(usize) -> bool) -> Option<usize> {
    let bits = slots.len.trailing_zeros();
    let mut slot = (hash >> (32 - bits)) as usize;
    loop {
        let entry = slots.get(slot, 0);
        if entry == 0 {
            return None;
        }
        let index = entry as usize - 1;
        if found(index) {
            return Some(index);
        }
        slot = (slot + 1) & (slots.len - 1);
    }
}

/// Every record index whose slot `found` accepts, probing a slot table from `hash` to the
/// first empty slot (keys that several records share).
pub fn probe_all(
    slots: Table,
    hash: u32,
    found: impl Fn(usize) -> bool,
) -> impl Iterator<Item = usize> {
    let bits = slots.len.trailing_zeros();
    let mut slot = (hash >> (32 - bits)) as usize;
    std::iter::from_fn(move || {
        loop {
            let entry = slots.get(slot, 0);
            if entry == 0 {
                return None;
            }
            slot = (slot + 1) & (slots.len - 1);
            let index = entry as usize - 1;
            if found(index) {
                return Some(index);
            }
        }
    })
}

impl Table {
    /// Field `field` of record `index`.
    #[inline]
    pub fn get(self, index: usize, field: usize) -> u32 {
        debug_assert!(index < self.len && field < self.width);
        let at = (self.start + index * self.width + field) * 4;
        u32::from_le_bytes(TABLES[at..at + 4].try_into().expect("four bytes"))
    }

    /// The string whose offset and length are fields `field` and `field + 1`.
    #[inline]
    pub fn str(self, index: usize, field: usize) -> &'static str {
        let offset = self.get(index, field) as usize;
        let len = self.get(index, field + 1) as usize;
        &STRINGS[offset..offset + len]
    }
}
