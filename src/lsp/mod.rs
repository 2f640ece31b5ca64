//! `policylint lsp`: a language server on standard input and output.

pub mod convert;
pub mod position;
pub mod transport;
