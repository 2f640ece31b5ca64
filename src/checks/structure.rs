//! The grammar of a policy document: keys, types, required and known elements.
//! One file per family: the keys of objects (`keys`), the JSON types (`types`), the
//! required elements (`elements`) and the values the grammar takes (`values`).

mod elements;
mod keys;
mod types;
mod values;

pub use elements::{invalid_version, missing_element};
pub use keys::{duplicate_key, unknown_element};
pub use types::invalid_structure;
pub use values::{empty_value, invalid_effect};
