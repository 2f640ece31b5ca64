//! The fix engine: diagnostics carry their fixes as byte-range edits on the original text
//! (`edits` builds them so they look hand-made); `apply` applies the non-overlapping ones,
//! re-lints and repeats until nothing is left to fix, then checks the result; `write`
//! replaces a file atomically.

pub mod apply;
pub mod edits;
mod offsets;
pub mod write;

pub use apply::{
    DropIgnored, FixMode, FixOutcome, Refusal, fix_host_text_keeping, fix_text, fix_text_ignoring,
    fix_text_keeping,
};
pub use edits::*;
