//! Linting host files: the documents of a batch of files are linted in two rounds (each
//! text that can be a policy by itself, whole; then the documents inside the others), and
//! what they find is moved into host coordinates, less what suppression comments cover.

use super::{Document, Host, HostKind, mapping, suppress};
use crate::diagnostic::{Diagnostic, Finding};
use crate::engine::{self, DocumentInput, JSON_SYNTAX, LintResult};
use crate::model::{Dialect, PolicyKind};
use crate::parse::SyntaxError;
use crate::rules::RuleSet;
use crate::source::{LineCursor, Position, Span};

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
