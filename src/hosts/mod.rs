//! Hosts: the files policies live in. A policy document found in a host file becomes a
//! JSON text the rules lint unchanged, plus a [`SpanMap`] back into the host; the
//! diagnostics, labels and fix edits are then moved into host byte offsets. Reporters, the
//! fix engine and the language server only ever see the host text and host spans; the
//! rules never see the host.
//!
//! # How to add a host
//!
//! One file under `src/hosts/` per host kind (`yaml.rs`, `terraform.rs`, `markdown.rs`),
//! then three lines here: a [`HostKind`] variant, its entry in [`WALKED`] (the file
//! names a folder walk takes) and in [`HostKind::host`], and a switch in [`HostSwitches`]
//! (the config's `[hosts]` table). The host file implements [`Host`]:
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
//! Tests of a host: fixtures under `fixtures/hosts/<kind>/` with a `SOURCES.md`, snapshots
//! of their diagnostics at host positions, the count of documents per file, fixes that are
//! byte-exact and idempotent (`tests/hosts.rs`), and hostile input (`tests/bad_input.rs`).

pub mod hints;
pub mod json;
mod mapping;
pub mod markdown;
pub mod span_map;
pub mod suppress;
pub mod terraform;
pub mod yaml;

use crate::diagnostic::{Diagnostic, Edit, Finding};
use crate::engine::{self, DocumentInput, JSON_SYNTAX, LintResult};
use crate::model::{Dialect, HostHints, PolicyKind};
use crate::parse::SyntaxError;
use crate::rules::RuleSet;
use crate::source::{LineCursor, Position, Span};
use serde::Deserialize;
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

    fn host(self) -> &'static dyn Host {
        match self {
            HostKind::Json => &json_host::JSON,
            HostKind::JsonTemplate => &json_host::JSON_TEMPLATE,
            HostKind::PlainJson => &json_host::PLAIN_JSON,
            HostKind::Yaml => &yaml_host::YAML,
            HostKind::Markdown => &markdown_host::MARKDOWN,
            HostKind::Terraform => &terraform_host::TERRAFORM,
        }
    }
}

/// How a file name ends, and which host reads it, in a folder walk.
#[derive(Debug, Clone, Copy)]
enum Walked {
    Json,
    JsonTemplate,
    /// JSON when the text starts with `{` (a CloudFormation or ROS template), else YAML.
    JsonIfObject,
    Yaml,
    Markdown,
    Terraform,
}

/// The file names a folder walk takes when the config sets no `include`: one list for
/// every host (ASCII case ignored). Longest first: `.json.tpl` before `.json`.
const WALKED: &[(&str, Walked)] = &[
    (".json.tpl", Walked::JsonTemplate),
    (".template", Walked::JsonIfObject),
    (".policy", Walked::Json),
    (".json", Walked::Json),
    (".yaml", Walked::Yaml),
    (".yml", Walked::Yaml),
    (".markdown", Walked::Markdown),
    (".md", Walked::Markdown),
    (".tf", Walked::Terraform),
];

/// Which hosts are on: the config's `[hosts]` table. Every host is on by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HostSwitches {
    /// Policies inside JSON (templates, API output, encoded strings). Off, a JSON file is
    /// linted only as a policy by itself.
    pub json: bool,
    /// YAML files (`.yaml`, `.yml`, YAML `.template`s). Off, a walk skips them.
    pub yaml: bool,
    /// Markdown files (`.md`, `.markdown`): policies in their code blocks. Off, a walk
    /// skips them.
    pub markdown: bool,
    /// Terraform files (`.tf`). Off, a walk skips them.
    pub terraform: bool,
}

impl Default for HostSwitches {
    fn default() -> Self {
        HostSwitches {
            json: true,
            yaml: true,
            markdown: true,
            terraform: true,
        }
    }
}

impl HostSwitches {
    /// Whether a folder walk takes a file of this name (when no `include` is set).
    pub fn walks(&self, file_name: &str) -> bool {
        match walked(file_name) {
            Some(Walked::Yaml) => self.yaml,
            Some(Walked::Markdown) => self.markdown,
            Some(Walked::Terraform) => self.terraform,
            found => found.is_some(),
        }
    }

    /// The host that reads a file of this name whose text is `text`. A name no host
    /// claims reads as JSON (an explicitly named file, an `include` pattern); `None` for a
    /// file whose text is for a host that is switched off (YAML with `yaml = false`).
    pub fn host_for(&self, file_name: &str, text: &str) -> Option<HostKind> {
        let kind = match walked(file_name) {
            None | Some(Walked::Json) => HostKind::Json,
            Some(Walked::JsonTemplate) => HostKind::JsonTemplate,
            Some(Walked::JsonIfObject) => {
                let body = text.trim_start_matches(crate::parse::UTF8_BOM).trim_start();
                if body.starts_with('{') {
                    HostKind::Json
                } else {
                    HostKind::Yaml
                }
            }
            Some(Walked::Yaml) => HostKind::Yaml,
            Some(Walked::Markdown) => HostKind::Markdown,
            Some(Walked::Terraform) if !self.terraform => return None,
            Some(Walked::Terraform) => HostKind::Terraform,
        };
        if (kind == HostKind::Yaml && !self.yaml) || (kind == HostKind::Markdown && !self.markdown)
        {
            return None;
        }
        Some(match kind {
            HostKind::Json | HostKind::JsonTemplate if !self.json => HostKind::PlainJson,
            kind => kind,
        })
    }
}

fn walked(file_name: &str) -> Option<Walked> {
    let name = file_name.as_bytes();
    WALKED.iter().find_map(|&(suffix, walked)| {
        let suffix = suffix.as_bytes();
        (name.len() > suffix.len()
            && name[name.len() - suffix.len()..].eq_ignore_ascii_case(suffix))
        .then_some(walked)
    })
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

/// The JSON host's three readings (see `json.rs` for the reading itself).
mod json_host {
    use super::*;

    pub struct JsonHost {
        /// Whether to look inside the text when it is not a policy itself.
        nested: bool,
        /// Whether every `${...}` in its strings is the host's interpolation.
        interpolated: bool,
    }

    pub static JSON: JsonHost = JsonHost {
        nested: true,
        interpolated: false,
    };
    pub static JSON_TEMPLATE: JsonHost = JsonHost {
        nested: true,
        interpolated: true,
    };
    pub static PLAIN_JSON: JsonHost = JsonHost {
        nested: false,
        interpolated: false,
    };

    impl Host for JsonHost {
        fn may_hold_policy(&self, text: &str) -> bool {
            // No silent pass: a near miss (`Statment`), a lone statement or a broken policy
            // may never say `statement`; the engine decides on the keys it finds.
            json::mentions_statement(text) || crate::engine::looks_like_a_policy(text)
        }

        fn whole_text<'h>(&self, text: &'h str) -> Option<Document<'h>> {
            let masked = json::mask_expressions(text, self.interpolated);
            Some(Document {
                map: json::masked_map(Span::new(0, text.len()), &masked.spans),
                text: masked.text,
                hints: HostHints {
                    interpolated: self.interpolated,
                    ..HostHints::default()
                },
                masked: masked.spans,
                embedding: Embedding::Verbatim,
            })
        }

        fn extract<'h>(&self, text: &'h str) -> Result<Vec<Document<'h>>, SyntaxError> {
            if !self.nested {
                return Ok(Vec::new());
            }
            let masked = json::mask_expressions(text, self.interpolated);
            Ok(json::nested_documents(text, &masked, self.interpolated).unwrap_or_default())
        }

        fn encode(&self, document: &Document, replacement: &str) -> Option<String> {
            Some(match document.embedding {
                Embedding::Verbatim => replacement.to_string(),
                Embedding::JsonString => json::escape_for_string(replacement),
                Embedding::Yaml(_) | Embedding::Markdown(_) | Embedding::Terraform(_) => {
                    return None;
                }
            })
        }

        fn reextract(&self, document: &Document, region: &str) -> Option<String> {
            json::reextract(document, region)
        }

        fn check_syntax(&self, text: &str) -> Result<(), SyntaxError> {
            json::check_syntax(text, self.interpolated)
        }
    }
}

/// The YAML host (see `yaml.rs` for the reading itself).
mod yaml_host {
    use super::*;

    pub struct YamlHost;

    pub static YAML: YamlHost = YamlHost;

    impl Host for YamlHost {
        fn may_hold_policy(&self, text: &str) -> bool {
            yaml::may_hold_policy(text)
        }

        fn extract<'h>(&self, text: &'h str) -> Result<Vec<Document<'h>>, SyntaxError> {
            yaml::extract(text)
        }

        fn encode(&self, document: &Document, replacement: &str) -> Option<String> {
            yaml::encode(document, replacement)
        }

        fn host_edit(&self, host_text: &str, document: &Document, edit: &Edit) -> Option<Edit> {
            yaml::host_edit(host_text, document, edit)
        }

        fn reextract(&self, document: &Document, region: &str) -> Option<String> {
            yaml::reextract(document, region)
        }

        fn check_syntax(&self, text: &str) -> Result<(), SyntaxError> {
            yaml::check_syntax(text)
        }

        fn suppressions(&self, text: &str) -> Vec<suppress::Suppression> {
            yaml::suppressions(text)
        }
    }
}

/// The Markdown host (see `markdown/` for the reading itself).
mod markdown_host {
    use super::*;

    pub struct MarkdownHost;

    pub static MARKDOWN: MarkdownHost = MarkdownHost;

    impl Host for MarkdownHost {
        fn may_hold_policy(&self, text: &str) -> bool {
            markdown::may_hold_policy(text)
        }

        fn extract<'h>(&self, text: &'h str) -> Result<Vec<Document<'h>>, SyntaxError> {
            Ok(markdown::extract(text))
        }

        fn encode(&self, _document: &Document, _replacement: &str) -> Option<String> {
            None
        }

        fn host_edit(&self, _host_text: &str, document: &Document, edit: &Edit) -> Option<Edit> {
            markdown::host_edit(document, edit)
        }

        fn reextract(&self, document: &Document, region: &str) -> Option<String> {
            markdown::reextract(document, region)
        }

        fn check_syntax(&self, _text: &str) -> Result<(), SyntaxError> {
            // Any text is Markdown; what a fix changes inside a block is verified by
            // reading the block back (`reextract`).
            Ok(())
        }

        fn suppressions(&self, text: &str) -> Vec<suppress::Suppression> {
            markdown::suppressions(text)
        }
    }
}

/// The Terraform host (see `terraform/` for the reading itself).
mod terraform_host {
    use super::*;

    pub struct TerraformHost;

    pub static TERRAFORM: TerraformHost = TerraformHost;

    impl Host for TerraformHost {
        fn may_hold_policy(&self, text: &str) -> bool {
            terraform::may_hold_policy(text)
        }

        fn extract<'h>(&self, text: &'h str) -> Result<Vec<Document<'h>>, SyntaxError> {
            terraform::extract(text)
        }

        fn encode(&self, document: &Document, replacement: &str) -> Option<String> {
            terraform::encode(document, replacement)
        }

        fn host_edit(&self, _host_text: &str, document: &Document, edit: &Edit) -> Option<Edit> {
            terraform::host_edit(document, edit)
        }

        fn reextract(&self, document: &Document, region: &str) -> Option<String> {
            terraform::reextract(document, region)
        }

        fn check_syntax(&self, text: &str) -> Result<(), SyntaxError> {
            terraform::check_syntax(text)
        }

        fn suppressions(&self, text: &str) -> Vec<suppress::Suppression> {
            terraform::suppressions(text)
        }
    }
}

/// One policy document found in a host file, as reports list it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentInfo {
    pub host: HostKind,
    /// The dialect and kind the rules took it for; `None` when it did not parse and the
    /// host did not say.
    pub dialect: Option<Dialect>,
    pub kind: Option<PolicyKind>,
    /// Its range in the host.
    pub span: Span,
    pub start: Position,
    pub end: Position,
}

/// What linting one host file found.
#[derive(Debug, Default)]
pub struct HostLint {
    /// Whether the file holds a policy (or, broken, looks like it would). A folder walk
    /// skips files that do not.
    pub is_policy: bool,
    /// In host coordinates, sorted.
    pub diagnostics: Vec<Diagnostic>,
    /// The documents the rules ran on, in host order.
    pub documents: Vec<DocumentInfo>,
}

/// One file to lint.
#[derive(Debug, Clone, Copy)]
pub struct HostFile<'a> {
    pub kind: HostKind,
    pub text: &'a str,
    /// Named on the command line (or an editor's buffer): linted, and its diagnostics kept,
    /// even if it holds no policy. A file a folder walk found is skipped unparsed when its
    /// host's byte search rules it out.
    pub explicit: bool,
}

/// Lints one host file, as an explicitly named file is linted.
pub fn lint_file(rules: &RuleSet, kind: HostKind, text: &str) -> HostLint {
    lint_files(
        rules,
        &[HostFile {
            kind,
            text,
            explicit: true,
        }],
    )
    .pop()
    .expect("one result for one file")
}

/// Whether a (fixed) host text still parses as its host's format.
pub fn check_syntax(kind: HostKind, text: &str) -> Result<(), SyntaxError> {
    kind.host().check_syntax(text)
}

/// Where each file of a batch stands between the two rounds of linting.
enum Stage<'h> {
    /// Nothing to lint: not a policy (ruled out by the byte search).
    Skipped,
    /// Linted whole: the result stands.
    Whole(Document<'h>, LintResult),
    /// Its documents, and what linting it whole found (kept for an explicit file that
    /// holds none).
    Extracted(Vec<Document<'h>>, Option<(Document<'h>, LintResult)>),
    /// The host did not parse.
    Broken(SyntaxError),
}

/// Lints host files; the results come in the same order. The documents of all the files
/// are linted together, in two rounds of `engine::lint_documents`: first each text that
/// can be a policy by itself, whole (every plain policy file ends there, at the cost it
/// had before hosts); then the documents inside the others.
pub fn lint_files(rules: &RuleSet, files: &[HostFile]) -> Vec<HostLint> {
    let stages = first_round(rules, files);
    let inputs: Vec<DocumentInput> = stages
        .iter()
        .flat_map(|stage| match stage {
            Stage::Extracted(documents, _) => documents.as_slice(),
            _ => &[],
        })
        .map(input)
        .collect();
    let mut nested_results = engine::lint_documents(rules, &inputs).into_iter();
    files
        .iter()
        .zip(stages)
        .map(|(file, stage)| {
            let host = file.kind.host();
            let mut linted = Vec::new();
            let is_policy = match stage {
                Stage::Skipped => false,
                Stage::Broken(error) => return broken_host(rules, host, file, error),
                Stage::Whole(document, result) => {
                    let is_policy = result.is_policy;
                    linted.push((document, result));
                    is_policy
                }
                Stage::Extracted(documents, fallback) => {
                    // A string that only looked encoded (it decodes to JSON without a
                    // `Statement`) is not a document after all.
                    linted.extend(
                        documents
                            .into_iter()
                            .map(|document| {
                                let result =
                                    nested_results.next().expect("a result for each document");
                                (document, result)
                            })
                            .filter(|(_, result)| result.is_policy),
                    );
                    if linted.is_empty() {
                        linted.extend(fallback);
                    }
                    linted.iter().any(|(_, result)| result.is_policy)
                }
            };
            settle(rules, host, file, is_policy, linted)
        })
        .collect()
}

/// The first round: each file that can hold a policy and can be one by itself is linted
/// whole; the others, and those that turn out not to be one, have their documents
/// extracted for the second round. Files the byte search rules out are skipped, unless
/// they were named.
fn first_round<'h>(rules: &RuleSet, files: &[HostFile<'h>]) -> Vec<Stage<'h>> {
    let candidate: Vec<bool> = files
        .iter()
        .map(|file| file.explicit || file.kind.host().may_hold_policy(file.text))
        .collect();
    let mut whole: Vec<Option<Document>> = files
        .iter()
        .zip(&candidate)
        .map(|(file, &candidate)| {
            candidate
                .then(|| file.kind.host().whole_text(file.text))
                .flatten()
        })
        .collect();
    let inputs: Vec<DocumentInput> = whole.iter().flatten().map(input).collect();
    let mut whole_results = engine::lint_documents(rules, &inputs).into_iter();
    let extract = |file: &HostFile<'h>, fallback| match file.kind.host().extract(file.text) {
        Ok(documents) => Stage::Extracted(documents, fallback),
        Err(error) => Stage::Broken(error),
    };
    files
        .iter()
        .zip(whole.iter_mut().zip(candidate))
        .map(|(file, (whole, candidate))| match whole.take() {
            Some(document) => {
                let result = whole_results.next().expect("a result for each whole text");
                if result.is_policy || !result.parsed {
                    Stage::Whole(document, result)
                } else {
                    extract(file, Some((document, result)))
                }
            }
            None if !candidate => Stage::Skipped,
            None => extract(file, None),
        })
        .collect()
}

fn input<'d>(document: &'d Document) -> DocumentInput<'d> {
    DocumentInput {
        text: &document.text,
        hints: document.hints,
        masked: &document.masked,
    }
}

/// The diagnostics and documents of one file, in host coordinates, less what the host's
/// suppression comments cover.
fn settle(
    rules: &RuleSet,
    host: &dyn Host,
    file: &HostFile,
    is_policy: bool,
    linted: Vec<(Document, LintResult)>,
) -> HostLint {
    let mut diagnostics = Vec::new();
    let mut documents = Vec::with_capacity(linted.len());
    let mut cursor = LineCursor::new(file.text);
    for (document, result) in linted {
        let span = trimmed(file.text, document.map.host_span());
        documents.push(DocumentInfo {
            host: file.kind,
            dialect: result.dialect,
            kind: result.kind,
            span,
            start: cursor.position(span.start),
            end: cursor.position(span.end),
        });
        if diagnostics.is_empty() {
            diagnostics = mapping::to_host(host, file.text, &document, result.diagnostics);
        } else {
            diagnostics.extend(mapping::to_host(
                host,
                file.text,
                &document,
                result.diagnostics,
            ));
        }
    }
    let suppressions = host.suppressions(file.text);
    let reports = suppress::apply(rules, &mut diagnostics, &suppressions);
    let reported = !reports.is_empty();
    diagnostics.extend(reports);
    if documents.len() > 1 || reported {
        engine::sort_diagnostics(&mut diagnostics);
    }
    HostLint {
        is_policy,
        diagnostics,
        documents,
    }
}

/// `span` without the whitespace (and byte order mark) at its ends: a policy file's
/// document is its JSON value, not the line breaks around it.
fn trimmed(text: &str, span: Span) -> Span {
    let inner = &text[span.start..span.end];
    let start_trimmed =
        inner.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '\u{feff}');
    let both_trimmed = start_trimmed.trim_end_matches(|c: char| c.is_ascii_whitespace());
    let start = span.start + (inner.len() - start_trimmed.len());
    Span::new(start, start + both_trimmed.len())
}

/// A host that does not parse: its syntax error, under `json-syntax`.
fn broken_host(rules: &RuleSet, host: &dyn Host, file: &HostFile, error: SyntaxError) -> HostLint {
    let severity = rules.find("json-syntax").map(|rule| rule.severity);
    HostLint {
        is_policy: host.may_hold_policy(file.text),
        diagnostics: severity
            .map(|severity| {
                vec![Diagnostic::from_finding(
                    JSON_SYNTAX.clone(),
                    severity,
                    Finding::new(error.span, error.message).help(error.help),
                )]
            })
            .unwrap_or_default(),
        documents: Vec::new(),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_pick_the_host() {
        let on = HostSwitches::default();
        let off = HostSwitches {
            json: false,
            ..HostSwitches::default()
        };
        let no_yaml = HostSwitches {
            yaml: false,
            ..HostSwitches::default()
        };
        for name in [
            "a.json",
            "A.JSON",
            "x/b.policy",
            "c.json.tpl",
            "d.template",
            "e.yaml",
            "f.YML",
        ] {
            assert!(on.walks(name), "{name}");
        }
        for name in [
            "b.txt", "json", ".json", "c.tpl", "d.jsonx", ".yaml", "e.yamlx",
        ] {
            assert!(!on.walks(name), "{name}");
        }
        assert!(!no_yaml.walks("e.yaml") && no_yaml.walks("d.template"));
        assert_eq!(on.host_for("a.json", "{}"), Some(HostKind::Json));
        assert_eq!(on.host_for("a.txt", "x"), Some(HostKind::Json));
        assert_eq!(
            on.host_for("a.json.tpl", "{}"),
            Some(HostKind::JsonTemplate)
        );
        assert_eq!(
            on.host_for("t.template", "\u{feff}\n {\"Resources\": {}}"),
            Some(HostKind::Json)
        );
        assert_eq!(
            on.host_for("t.template", "Resources:\n"),
            Some(HostKind::Yaml)
        );
        assert_eq!(on.host_for("t.yml", "{}"), Some(HostKind::Yaml));
        assert_eq!(no_yaml.host_for("t.template", "Resources:\n"), None);
        assert_eq!(no_yaml.host_for("t.yaml", "a: 1\n"), None);
        assert_eq!(off.host_for("a.json", "{}"), Some(HostKind::PlainJson));
        assert_eq!(off.host_for("a.json.tpl", "{}"), Some(HostKind::PlainJson));
        assert_eq!(HostKind::JsonTemplate.name(), "json");
        assert_eq!(HostKind::Yaml.name(), "yaml");
    }
}
