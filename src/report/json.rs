//! The machine-readable contract of DESIGN §4.

use super::Summary;
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
    let mut diagnostics = Vec::new();
    let documents = reports
        .iter()
        .flat_map(|report| {
            report.documents.iter().map(|document| JsonDocument {
                path: &report.path,
                host: document.host.name(),
                dialect: document.dialect,
                kind: document.kind,
                start: document.start,
                end: document.end,
            })
        })
        .collect();
    for report in reports {
        let text = report.text.as_deref().unwrap_or("");
        let index = LineIndex::new(text);
        let at = |offset| index.position(text, offset);
        for d in &report.diagnostics {
            diagnostics.push(JsonDiagnostic {
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
            });
        }
    }
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
