//! How `can` and `diff` print their answers: text for people, JSON for scripts, and, for
//! `diff`, the linter's SARIF and GitHub reporters on new access.

use super::Document;
use super::diff::{AccessDiff, Grant};
use super::eval::{Decision, Request, Verdict};
use crate::diagnostic::{Diagnostic, Finding, Severity};
use crate::rules::Rule;
use crate::runner::FileReport;
use serde_json::json;
use std::fmt::Write;

/// `can --output-format json`: `{"decision", "statements": [{"path", "line", "sid",
/// "effect"}], "depends_on"}`.
pub fn can_json(verdict: &Verdict, documents: &[Document]) -> String {
    let statements: Vec<serde_json::Value> = verdict
        .statements
        .iter()
        .map(|&(d, s)| {
            let document = &documents[d];
            let statement = &document.policy.statements[s];
            json!({
                "path": document.path,
                "line": document.line(statement.span.start),
                "sid": statement.sid,
                "effect": statement.effect.as_str(),
            })
        })
        .collect();
    let value = json!({
        "decision": verdict.decision.as_str(),
        "statements": statements,
        "depends_on": verdict.depends_on,
    });
    serde_json::to_string_pretty(&value).expect("plain data serializes") + "\n"
}

pub fn can_text(verdict: &Verdict, documents: &[Document], request: &Request) -> String {
    let asked = format!("`{}` on `{}`", request.action, request.resource);
    let mut out = match verdict.decision {
        Decision::Allow => format!("allowed: {asked}\n"),
        Decision::ExplicitDeny => format!("denied: {asked} (an explicit Deny)\n"),
        Decision::ImplicitDeny => {
            format!("not allowed: {asked} (no statement allows it: an implicit deny)\n")
        }
        Decision::Conditional => {
            let keys: Vec<String> = verdict
                .depends_on
                .iter()
                .map(|k| format!("`{k}`"))
                .collect();
            format!(
                "depends on {}: {asked}\n  give them with `--context KEY=VALUE` (or `--complete-context` if they are absent)\n",
                keys.join(", ")
            )
        }
    };
    for &(d, s) in &verdict.statements {
        let document = &documents[d];
        let statement = &document.policy.statements[s];
        let sid = statement
            .sid
            .as_deref()
            .map_or(String::new(), |sid| format!(" (Sid `{sid}`)"));
        let _ = writeln!(
            out,
            "  {} at {}:{}{sid}",
            statement.effect.as_str(),
            document.path,
            document.line(statement.span.start)
        );
    }
    out
}

fn grant_json(grant: &Grant) -> serde_json::Value {
    json!({
        "action": grant.action,
        "resource": grant.resource,
        "conditional": grant.conditional,
        "path": grant.path,
        "line": grant.line,
    })
}

/// `diff --output-format json`: `{"added": [{"action", "resource", "conditional", "path",
/// "line"}], "removed": [...]}`.
pub fn diff_json(diff: &AccessDiff) -> String {
    let value = json!({
        "added": diff.added.iter().map(grant_json).collect::<Vec<_>>(),
        "removed": diff.removed.iter().map(grant_json).collect::<Vec<_>>(),
    });
    serde_json::to_string_pretty(&value).expect("plain data serializes") + "\n"
}

/// A request as people read it: the empty resource (the shortest any `*` matches) is
/// "any resource".
fn example_text(grant: &Grant) -> String {
    let resource = if grant.example.resource.is_empty() {
        "any resource".to_string()
    } else {
        format!("`{}`", grant.example.resource)
    };
    let mut text = format!("`{}` on {resource}", grant.example.action);
    if !grant.example.conditions.is_empty() {
        let _ = write!(text, " when {}", grant.example.conditions.join(" and "));
    }
    text
}

pub fn diff_text(diff: &AccessDiff) -> String {
    if diff.added.is_empty() && diff.removed.is_empty() {
        return "No change in access.\n".to_string();
    }
    let mut out = String::new();
    for (title, sign, grants) in [
        ("Access added", '+', &diff.added),
        ("Access removed", '-', &diff.removed),
    ] {
        if grants.is_empty() {
            continue;
        }
        let _ = writeln!(out, "{title} ({}):", grants.len());
        for grant in grants {
            let conditional = if grant.conditional {
                " (conditional)"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "  {sign} {}:{}: Allow `{}` on `{}`{conditional}\n      for example {}",
                grant.path,
                grant.line,
                grant.action,
                grant.resource,
                example_text(grant)
            );
        }
    }
    out
}

/// The diagnostic of one added grant, for reports on NEW's lines.
pub fn new_access_diagnostic(rule: &Rule, grant: &Grant, since: &str, fail: bool) -> Diagnostic {
    let conditional = if grant.conditional {
        " under a condition"
    } else {
        ""
    };
    let finding = Finding::new(
        grant.span,
        format!(
            "grants `{}` on `{}`{conditional}, which {since} did not",
            grant.action, grant.resource
        ),
    )
    .help(format!(
        "new access, for example {}: make sure it is meant",
        example_text(grant)
    ));
    let mut diagnostic = Diagnostic::from_finding(rule.id.clone(), rule.severity, finding);
    if fail {
        diagnostic.severity = Severity::Error;
    }
    diagnostic
}

/// One report per NEW file with added access: its text and a diagnostic per grant.
pub fn new_access_reports(
    diff: &AccessDiff,
    documents: &[Document],
    rule: &Rule,
    since: &str,
    fail_any: bool,
) -> Vec<FileReport> {
    let mut reports: Vec<FileReport> = Vec::new();
    for grant in &diff.added {
        let diagnostic = new_access_diagnostic(rule, grant, since, fail_any || grant.fails);
        match reports.iter_mut().find(|r| r.path == grant.path) {
            Some(report) => report.diagnostics.push(diagnostic),
            None => reports.push(FileReport {
                path: grant.path.clone(),
                text: documents
                    .iter()
                    .find(|d| d.path == grant.path)
                    .map(|d| d.text.clone()),
                diagnostics: vec![diagnostic],
                ..FileReport::default()
            }),
        }
    }
    for report in &mut reports {
        crate::engine::sort_diagnostics(&mut report.diagnostics);
    }
    reports.sort_by(|a, b| crate::discover::path_order(&a.path, &b.path));
    reports
}
