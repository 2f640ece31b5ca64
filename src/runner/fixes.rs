//! Applying the fixes a run asks for to a linted file: written in place, returned for
//! standard input, or shown as a diff; on any failure the file is left as it was and the
//! report says why.

use super::{FIX_NOT_APPLIED, FileReport, FixAction, FixRequest, IO_ERROR, whole_file_error};
use crate::diagnostic::{Diagnostic, Finding, RuleId, Severity};
use crate::fix::fix_text_ignoring;
use crate::fix::write::{Destination, NotWritten, write_atomically};
use crate::hosts;
use crate::rules::RuleSet;
use crate::source::Span;
use std::sync::Arc;

/// Applies the fixes `request` allows to a linted file: the report then describes the
/// fixed text. `destination` is where to write (`None` for standard input). On any
/// failure the file is left exactly as it was and the report says why.
pub fn fix_report(
    rules: &RuleSet,
    report: &mut FileReport,
    request: FixRequest,
    destination: Option<Destination>,
    drop_ignored: &crate::fix::DropIgnored,
) {
    let fixable = report.diagnostics.iter().any(|d| {
        d.fix
            .as_ref()
            .is_some_and(|f| request.mode.allows(f.applicability))
    });
    if !fixable {
        return;
    }
    let Some(original) = report.text.take() else {
        return;
    };
    let outcome = fix_text_ignoring(
        rules,
        report.host,
        &original,
        std::mem::take(&mut report.diagnostics),
        request.mode,
        drop_ignored,
    );
    report.diagnostics = outcome.diagnostics;
    if let Some(refused) = outcome.refused {
        let message = if refused.safe_fixes_applied {
            format!(
                "unsafe fixes not applied: {}; the safe fixes were",
                refused.reason
            )
        } else {
            format!("fixes not applied: {}; nothing was changed", refused.reason)
        };
        report.diagnostics.push(note(&FIX_NOT_APPLIED, message));
    }
    if outcome.text == original {
        report.text = Some(original);
        return;
    }
    match (request.action, destination) {
        (FixAction::Write, Some(destination)) => {
            if let Err(not_written) = write_atomically(destination, &outcome.text) {
                report.diagnostics = hosts::lint_file(rules, report.host, &original).diagnostics;
                drop_ignored(&original, &mut report.diagnostics);
                report.diagnostics.push(match not_written {
                    NotWritten::Declined(message) => note(&FIX_NOT_APPLIED, message),
                    NotWritten::Failed(message) => whole_file_error(&IO_ERROR, message),
                });
                report.text = Some(original);
                return;
            }
        }
        (FixAction::Diff, _) => {
            report.diff = Some(unified_diff(&report.path, &original, &outcome.text));
        }
        _ => {}
    }
    report.fixed = outcome.fixed;
    // The documents, as the fixed text holds them (the fix engine's last lint was of it).
    report.documents = match outcome.documents {
        Some(documents) => documents,
        None => hosts::lint_file(rules, report.host, &outcome.text).documents,
    };
    report.text = Some(outcome.text);
}

/// A note about the whole file, at its start: information, which fails no run.
fn note(rule: &Arc<RuleId>, message: String) -> Diagnostic {
    Diagnostic::from_finding(
        rule.clone(),
        Severity::Info,
        Finding::new(Span::default(), message),
    )
}

fn unified_diff(path: &str, before: &str, after: &str) -> String {
    similar::TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(3)
        .header(path, path)
        .to_string()
}
