//! `policylint lsp`: a language server on standard input and output.

pub mod position;
