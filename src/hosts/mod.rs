//! Hosts: the files policies live in. A policy document found in a host file becomes a
//! JSON text the rules lint unchanged, plus a [`SpanMap`] back into the host; the
//! diagnostics, labels and fix edits are then moved into host byte offsets. Reporters, the
//! fix engine and the language server only ever see the host text and host spans; the
//! rules never see the host.
//!
//! # How to add a host
//!
//! One file under `src/hosts/` per host kind (`yaml.rs`, `terraform.rs`, `markdown.rs`),
//! then a few lines: a [`HostKind`] variant (here), its entry in `WALKED` (the file names
//! a folder walk takes) and a switch in [`HostSwitches`] (the config's `[hosts]` table),
//! both in `switches.rs`, and its [`Host`] value in `registry.rs` (`HostKind::host`). The
//! host file implements [`Host`]:
//!
//! - **detect**: `may_hold_policy`, a cheap byte search (`memchr`/`memmem`) that rules out a
//!   file before any parse. A file without a policy must cost little more than reading it.
//! - **extract**: `extract` returns every policy document in the text, in host order, each
//!   a [`Document`]: its JSON text (a substring of the host, a decoded string, or JSON
//!   synthesized from YAML or HCL), its span map (pieces of `Verbatim` bytes and `Opaque`
//!   stand-ins: see `span_map`), the hints the host gives (dialect, kind, whether its
//!   `${...}` are the host's interpolation: what means what is data, in
//!   `rules/data/hosts.toml`, read through `hints`), the spans of expressions it masked as
//!   strings, and its [`Embedding`]. A host whose whole text can be a policy by itself also
//!   implements `whole_text` (it is linted first; `extract` runs only when it is not one).
//!   Values the linter cannot know are template values (see `model::TemplateValues`): keep
//!   them as `{"Fn::...": ...}` objects or masked strings, never drop or invent them.
//! - **encode a replacement**: `encode` writes a fix's replacement text as the host holds it
//!   in that document (escaped inside a string, with the line prefix after each newline in
//!   a heredoc or an indented block), or says it cannot.
//! - **re-extract for verification**: `reextract` reads a document back from its host range
//!   after the mapped edits, as `extract` would. A mapped fix is kept only when that reads
//!   to the same JSON value as the document with the fix applied; otherwise it is shown as
//!   help ("fix not applied in this host"), never written. A host range that stands for its
//!   document byte for byte (a shift, no masks) needs no check.
//! - **check the host**: `check_syntax` says whether a fixed host still parses.
//! - **suppressions** (hosts with comments, later): `# policylint: ignore[RULE] reason` on
//!   the line above a statement; the host reads them while extracting and the framework
//!   drops the matching diagnostics after mapping.
//!
//! Linting a host file (`lint.rs`): the documents of a batch of files are linted in two
//! rounds, and what they find is mapped back into the host (`mapping.rs`).
//!
//! Tests of a host: fixtures under `fixtures/hosts/<kind>/` with a `SOURCES.md`, snapshots
//! of their diagnostics at host positions, the count of documents per file, fixes that are
//! byte-exact and idempotent (`tests/hosts.rs`), and hostile input (`tests/bad_input.rs`).

pub mod hints;
pub mod json;
mod lint;
mod mapping;
pub mod markdown;
mod registry;
pub mod span_map;
pub mod suppress;
mod switches;
pub mod terraform;
pub mod yaml;

pub use lint::{DocumentInfo, HostFile, HostLint, lint_file, lint_files};
pub use switches::HostSwitches;

use crate::diagnostic::Edit;
use crate::model::HostHints;
use crate::parse::SyntaxError;
use crate::source::Span;
use span_map::SpanMap;
use std::borrow::Cow;

/// The kinds of host file, by the host name reports give them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HostKind {
    /// JSON: a policy file, or policies at any depth of a template, of API output, or in a
    /// JSON-encoded string.
    #[default]
    Json,
    /// A Terraform `templatefile` template of JSON (`.json.tpl`): as `Json`, and every
    /// `${...}` in its strings is the template's.
    JsonTemplate,
    /// The whole text is one policy and nothing else is looked for: JSON with the JSON host
    /// switched off (`[hosts] json = false`), as before hosts existed.
    PlainJson,
    /// YAML: templates, policy files, manifests (see `yaml`).
    Yaml,
    /// Markdown: policies in the code blocks of documentation (see `markdown`).
    Markdown,
    /// Terraform: heredocs, strings, `jsonencode` objects, policy-document data sources
    /// (see `terraform`).
    Terraform,
}

impl HostKind {
    /// The name reports give the host (`"host"` in the JSON output).
    pub fn name(self) -> &'static str {
        match self {
            HostKind::Json | HostKind::JsonTemplate | HostKind::PlainJson => "json",
            HostKind::Yaml => "yaml",
            HostKind::Markdown => "markdown",
            HostKind::Terraform => "terraform",
        }
    }
}

/// One policy document of a host: what the rules lint, and how it sits in the host.
#[derive(Debug, Clone)]
pub struct Document<'h> {
    /// The policy's JSON text, as the rules read it.
    pub text: Cow<'h, str>,
    /// Where each byte of `text` comes from in the host.
    pub map: SpanMap,
    pub hints: HostHints,
    /// Spans of `text` (sorted) where the host masked an expression as a string.
    pub masked: Vec<Span>,
    pub embedding: Embedding,
}

impl Document<'_> {
    /// The document with its text owned, free of the host's lifetime.
    pub fn into_owned(self) -> Document<'static> {
        Document {
            text: Cow::Owned(self.text.into_owned()),
            map: self.map,
            hints: self.hints,
            masked: self.masked,
            embedding: self.embedding,
        }
    }
}

/// How a document's text is written in its host: what a replacement must look like there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Embedding {
    /// The host holds the text itself (masked expressions aside): a policy file, a JSON
    /// object inside a template.
    Verbatim,
    /// The host holds the text as the body of a JSON string: replacements are escaped.
    JsonString,
    /// JSON written from YAML, or held by a YAML string: how is the YAML host's business.
    Yaml(yaml::Embedded),
    /// In a Markdown code block, as the JSON or YAML host holds it in the block's text.
    Markdown(markdown::Embedded),
    /// A policy in a Terraform string or heredoc, or JSON written from HCL: how is the
    /// Terraform host's business.
    Terraform(terraform::Embedded),
}

/// What a host kind implements (see the guide above).
trait Host: Sync {
    /// `false` when `text` cannot hold a policy: a folder walk then skips it unparsed.
    fn may_hold_policy(&self, text: &str) -> bool;

    /// The whole text as one policy document, for a host whose text can be a policy by
    /// itself: linted first, and `extract` runs only when it turns out not to be one.
    fn whole_text<'h>(&self, _text: &'h str) -> Option<Document<'h>> {
        None
    }

    /// The policy documents inside `text`, in host order, or the host's syntax error.
    fn extract<'h>(&self, text: &'h str) -> Result<Vec<Document<'h>>, SyntaxError>;

    /// `replacement` as the host writes it inside `document`; `None` when it cannot.
    fn encode(&self, document: &Document, replacement: &str) -> Option<String>;

    /// The host edit for the document edit `edit`, or `None` when it cannot be written
    /// exactly: by default the edit's range through the span map, its replacement
    /// encoded. A host whose structure the JSON does not copy (YAML) writes its own.
    fn host_edit(&self, _host_text: &str, document: &Document, edit: &Edit) -> Option<Edit> {
        let replacement = self.encode(document, &edit.replacement)?;
        Some(Edit::replace(document.map.map_span(edit.span), replacement))
    }

    /// The document text the host range `region` holds (after an edit), read as `extract`
    /// reads it.
    fn reextract(&self, document: &Document, region: &str) -> Option<String>;

    /// Whether a (fixed) host text still parses.
    fn check_syntax(&self, text: &str) -> Result<(), SyntaxError>;

    /// The `# policylint: ignore[...]` comments of a host with comments (see `suppress`).
    fn suppressions(&self, _text: &str) -> Vec<suppress::Suppression> {
        Vec::new()
    }
}

/// Whether a (fixed) host text still parses as its host's format.
pub fn check_syntax(kind: HostKind, text: &str) -> Result<(), SyntaxError> {
    kind.host().check_syntax(text)
}

/// The policy documents of a host file, found as linting finds them but not linted: the
/// whole text when it is a policy by itself (a `Statement` key at its top, or one a slip
/// away, as the linter reads it), else the documents
/// the host extracts that are. For placing a finding inside
/// its policy (`[[ignore]]` entries by `sid` or `pointer`), which reads documents, not
/// host files.
pub fn policy_documents<'h>(kind: HostKind, text: &'h str) -> Vec<Document<'h>> {
    let host = kind.host();
    let is_policy = |document: &Document| {
        let arena = crate::parse::Arena::new();
        crate::parse::parse(&document.text, &arena).is_ok_and(|parsed| {
            parsed.root.as_object().is_some_and(|members| {
                members
                    .iter()
                    .any(|m| crate::model::is_statement_key(m.key))
            })
        })
    };
    if let Some(whole) = host.whole_text(text)
        && is_policy(&whole)
    {
        return vec![whole];
    }
    let mut documents = host.extract(text).unwrap_or_default();
    documents.retain(|document| is_policy(document));
    documents
}

/// The whole of `text` as one policy document, for a host whose text can be one by itself
/// (see [`Host::whole_text`]): for readers of policies other than the linter (the access
/// engine), which decide themselves whether it is a policy.
pub fn whole_document(kind: HostKind, text: &str) -> Option<Document<'_>> {
    kind.host().whole_text(text)
}

/// The policy documents a host finds inside `text` (see [`Host::extract`]), for readers of
/// policies other than the linter. Like the linter, take these only when the whole text
/// is not a policy itself; an extracted text that does not read as a policy is not one.
pub fn extract_documents(kind: HostKind, text: &str) -> Result<Vec<Document<'_>>, SyntaxError> {
    kind.host().extract(text)
}
