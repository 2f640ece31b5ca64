//! The machine-readable contract of DESIGN §4.

use super::Summary;
use super::spill::{Layout, Parts, SEPARATOR, entries};
use crate::diagnostic::{Applicability, Severity};
use crate::model::{Dialect, PolicyKind};
use crate::runner::FileReport;
use crate::source::{LineIndex, Position};
use serde::Serialize;

#[derive(Serialize)]
struct Output<'a> {
    version: u32,
    summary: Summary,
    diagnostics: Vec<JsonDiagnostic<'a>>,
    /// The policy documents found, file by file in host order: one for a policy file,
    /// several for a template that holds several.
    documents: Vec<JsonDocument<'a>>,
}

#[derive(Serialize)]
struct JsonDocument<'a> {
    path: &'a str,
    host: &'static str,
    dialect: Option<Dialect>,
    kind: Option<PolicyKind>,
    start: Position,
    end: Position,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    path: &'a str,
    code: &'a str,
    rule: &'a str,
    severity: Severity,
    category: &'a str,
    message: &'a str,
    start: Position,
    end: Position,
    help: Option<&'a str>,
    fix: Option<JsonFix<'a>>,
}

#[derive(Serialize)]
struct JsonFix<'a> {
    applicability: Applicability,
    title: &'a str,
    edits: Vec<JsonEdit<'a>>,
}

#[derive(Serialize)]
struct JsonEdit<'a> {
    start: Position,
    end: Position,
    replacement: &'a str,
}

pub fn render(reports: &[FileReport]) -> String {
    let documents = reports.iter().flat_map(documents).collect();
    let diagnostics = reports
        .iter()
        .flat_map(|report| diagnostics(report, &LineIndex::new(text_of(report))))
        .collect();
    let output = Output {
        version: 1,
        summary: Summary::of(reports),
        diagnostics,
        documents,
    };
    let mut text = serde_json::to_string_pretty(&output).expect("plain data serializes");
    text.push('\n');
    text
}

fn text_of(report: &FileReport) -> &str {
    report.text.as_deref().unwrap_or("")
}

fn documents(report: &FileReport) -> impl Iterator<Item = JsonDocument<'_>> {
    report.documents.iter().map(|document| JsonDocument {
        path: &report.path,
        host: document.host.name(),
        dialect: document.dialect,
        kind: document.kind,
        start: document.start,
        end: document.end,
    })
}

fn diagnostics<'a>(report: &'a FileReport, index: &LineIndex) -> Vec<JsonDiagnostic<'a>> {
    let text = text_of(report);
    let at = |offset| index.position(text, offset);
    report
        .diagnostics
        .iter()
        .map(|d| JsonDiagnostic {
            path: &report.path,
            code: &d.rule.code,
            rule: &d.rule.name,
            severity: d.severity,
            category: &d.rule.category,
            message: &d.message,
            start: at(d.span.start),
            end: at(d.span.end),
            help: d.help.as_deref(),
            fix: d.fix.as_ref().map(|fix| JsonFix {
                applicability: fix.applicability,
                title: &fix.title,
                edits: fix
                    .edits
                    .iter()
                    .map(|e| JsonEdit {
                        start: at(e.span.start),
                        end: at(e.span.end),
                        replacement: &e.replacement,
                    })
                    .collect(),
            }),
        })
        .collect()
}

/// The lists are two levels deep in the document.
const LIST_INDENT: &str = "    ";

/// One report's entries of the document's two lists (diagnostics, documents), rendered as
/// `render` places them: for `Spill`, so that the text of a file is let go once linted.
pub fn parts(report: &FileReport) -> Parts {
    let index = LineIndex::new(text_of(report));
    Parts {
        path: report.path.clone(),
        lists: vec![
            entries(diagnostics(report, &index), LIST_INDENT),
            entries(documents(report), LIST_INDENT),
        ],
    }
}

/// Where the lists go in the document, around a summary of the whole run.
pub fn layout(summary: Summary) -> Layout {
    let skeleton = Output {
        version: 1,
        summary,
        diagnostics: Vec::new(),
        documents: Vec::new(),
    };
    let mut text = serde_json::to_string_pretty(&skeleton).expect("plain data serializes");
    text.push('\n');
    let mut pieces = Vec::new();
    let mut rest = text.as_str();
    for key in ["\"diagnostics\": ", "\"documents\": "] {
        let at = rest.find(key).expect("the skeleton has every list") + key.len();
        pieces.push(rest[..at].to_string());
        rest = &rest[at + "[]".len()..];
    }
    pieces.push(rest.to_string());
    Layout {
        pieces,
        separator: SEPARATOR,
        before: vec!["[\n"; 2],
        after: vec!["\n  ]"; 2],
        empty: vec!["[]"; 2],
        fills: Default::default(),
    }
}
