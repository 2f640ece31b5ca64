//! policylint: a linter for cloud access-policy JSON.
//!
//! paths → [`discover`] → [`runner`] (read) → [`hosts`] (policy documents in the host file,
//! each with a span map) → [`parse`] (spanned tree) → [`model`] (Policy) → [`rules`] and
//! [`checks`] (diagnostics, mapped back to the host) → [`report`]. [`fix`] builds the text
//! edits.

pub mod access;
pub mod catalogue;
pub mod checks;
pub mod cli;
pub mod config;
pub mod diagnostic;
pub mod discover;
pub mod engine;
pub mod fix;
pub mod hosts;
pub mod lsp;
pub mod matching;
pub mod memo;
pub mod model;
pub mod parse;
pub mod report;
pub mod rules;
pub mod runner;
pub mod source;
#[cfg(test)]
mod testing;
