//! Reads and lints many files in parallel; results come back sorted by path whatever the
//! thread count.

use crate::config::Settings;
use crate::diagnostic::{Diagnostic, Finding, RuleId, Severity};
use crate::discover::Candidate;
use crate::engine::{JSON_SYNTAX, lint_text};
use crate::fix::write::write_atomically;
use crate::fix::{FixMode, fix_text_keeping};
use crate::rules::RuleSet;
use crate::source::Span;
use rayon::prelude::*;
use std::io::Read;
use std::path::Path;
use std::sync::{Arc, LazyLock};

/// The linted text of one file and what was found in it.
#[derive(Debug, Default)]
pub struct FileReport {
    pub path: String,
    /// The text the spans refer to (lossily decoded if it was not UTF-8), if it was read.
    /// After fixing, the fixed text.
    pub text: Option<String>,
    pub diagnostics: Vec<Diagnostic>,
    /// Problems fixed (or, with `--diff`, that would be).
    pub fixed: usize,
    /// With `--diff`: the unified diff of what fixing would change.
    pub diff: Option<String>,
    /// The lowest severity that fails the run for this file (its config's `fail-on`).
    pub fail_on: Option<Severity>,
}

/// What to do with fixes, when asked to fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixRequest {
    pub mode: FixMode,
    pub action: FixAction,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixAction {
    /// `--fix`: replace the file.
    Write,
    /// `--diff`: show what would change, write nothing.
    Diff,
    /// Standard input: the caller prints the fixed text.
    Return,
}

/// What happened to one candidate.
pub enum Outcome {
    Linted(FileReport),
    /// Found in a walk, but not a policy: skipped silently.
    NotAPolicy(String),
}

/// Problems that are not about the policy (PL000 is not a rule: it cannot be selected
/// or ignored).
pub static IO_ERROR: LazyLock<Arc<RuleId>> = LazyLock::new(|| {
    Arc::new(RuleId {
        code: "PL000".into(),
        name: "io-error".into(),
        category: "io".into(),
    })
});

pub static INTERNAL_ERROR: LazyLock<Arc<RuleId>> = LazyLock::new(|| {
    Arc::new(RuleId {
        code: "PL000".into(),
        name: "internal-error".into(),
        category: "internal".into(),
    })
});

pub fn io_error(path: String, message: String) -> FileReport {
    FileReport {
        path,
        diagnostics: vec![whole_file_error(&IO_ERROR, message)],
        ..FileReport::default()
    }
}

fn whole_file_error(rule: &Arc<RuleId>, message: String) -> Diagnostic {
    Diagnostic::from_finding(
        rule.clone(),
        Severity::Error,
        Finding::new(Span::default(), message),
    )
}

pub fn lint_candidates(
    candidates: &[(Candidate, Arc<Settings>)],
    fix: Option<FixRequest>,
) -> Vec<Outcome> {
    candidates
        .par_iter()
        .map(|(candidate, settings)| lint_candidate(settings, candidate, fix))
        .collect()
}

/// Reads, lints and settles one file.
pub fn lint_candidate(
    settings: &Settings,
    candidate: &Candidate,
    fix: Option<FixRequest>,
) -> Outcome {
    let bytes = match read_regular_file(&candidate.path, !candidate.explicit) {
        Ok(bytes) => bytes,
        Err(message) => return Outcome::Linted(io_error(candidate.display.clone(), message)),
    };
    let (mut report, is_policy) = lint_bytes(&settings.rules, candidate.display.clone(), bytes);
    if !(is_policy || candidate.explicit) {
        return Outcome::NotAPolicy(candidate.display.clone());
    }
    settle(
        settings,
        &mut report,
        &candidate.absolute,
        fix,
        Some(&candidate.path),
    );
    // Reports only need their text to place diagnostics: dropping it for clean files keeps
    // memory flat however many files a run lints.
    if report.diagnostics.is_empty() {
        report.text = None;
    }
    Outcome::Linted(report)
}

/// What every linted report goes through, from a file or standard input: the per-file
/// ignores of its settings, the fixes asked for (written to `write_to`, if any), and its
/// `fail-on`. `absolute` is the path the settings' globs are matched against, made
/// absolute by `std::path::absolute`.
pub fn settle(
    settings: &Settings,
    report: &mut FileReport,
    absolute: &Path,
    fix: Option<FixRequest>,
    write_to: Option<&Path>,
) {
    settings.apply_per_file_ignores(absolute, &mut report.diagnostics);
    if let Some(request) = fix {
        let keep = |d: &Diagnostic| settings.keeps(absolute, d);
        fix_report(&settings.rules, report, request, write_to, &keep);
    }
    report.fail_on = Some(settings.fail_on);
}

/// Applies the fixes `request` allows to a linted file: the report then describes the
/// fixed text. `path` is where to write (`None` for standard input). On any failure the
/// file is left exactly as it was and the report says why.
pub fn fix_report(
    rules: &RuleSet,
    report: &mut FileReport,
    request: FixRequest,
    path: Option<&Path>,
    keep: &dyn Fn(&Diagnostic) -> bool,
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
    let outcome = fix_text_keeping(
        rules,
        &original,
        std::mem::take(&mut report.diagnostics),
        request.mode,
        keep,
    );
    report.diagnostics = outcome.diagnostics;
    if let Some(reason) = outcome.refused {
        report.diagnostics.push(whole_file_error(
            &INTERNAL_ERROR,
            format!(
                "fixes not applied: {reason}; the file was left untouched (please report this)"
            ),
        ));
    }
    if outcome.text == original {
        report.text = Some(original);
        return;
    }
    match (request.action, path) {
        (FixAction::Write, Some(path)) => {
            if let Err(message) = write_atomically(path, &outcome.text) {
                report.diagnostics = lint_text(rules, &original).diagnostics;
                report.diagnostics.retain(|d| keep(d));
                report
                    .diagnostics
                    .push(whole_file_error(&IO_ERROR, message));
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
    report.text = Some(outcome.text);
}

fn unified_diff(path: &str, before: &str, after: &str) -> String {
    similar::TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(3)
        .header(path, path)
        .to_string()
}

/// Reads a file. One a walk found is a regular file (the walk yields nothing else), and is
/// opened at once; a path given by name is looked at first, because opening a FIFO would
/// wait for a writer and reading a device might never end.
fn read_regular_file(path: &std::path::Path, found_by_walk: bool) -> Result<Vec<u8>, String> {
    let cannot = |e: std::io::Error| format!("cannot read: {e}");
    if !found_by_walk {
        let metadata = std::fs::metadata(path).map_err(cannot)?;
        if metadata.is_dir() {
            return Err("cannot read: it is a directory".into());
        }
        if !metadata.is_file() {
            return Err("cannot read: not a regular file".into());
        }
    }
    let file = std::fs::File::open(path).map_err(cannot)?;
    let length = file.metadata().map_or(0, |metadata| metadata.len());
    let mut bytes = Vec::with_capacity(usize::try_from(length).unwrap_or(0));
    // Through `Take`, `read_to_end` skips the size probe `File` makes of its own (another
    // stat and a seek for every file).
    file.take(u64::MAX)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    Ok(bytes)
}

/// Lints raw bytes: text that is not UTF-8 is a `json-syntax` error at the first bad byte.
pub fn lint_bytes(rules: &RuleSet, path: String, bytes: Vec<u8>) -> (FileReport, bool) {
    match String::from_utf8(bytes) {
        Ok(text) => {
            let result = lint_text(rules, &text);
            (
                FileReport {
                    path,
                    text: Some(text),
                    diagnostics: result.diagnostics,
                    ..FileReport::default()
                },
                result.is_policy,
            )
        }
        Err(error) => {
            let at = error.utf8_error().valid_up_to();
            let bytes = error.into_bytes();
            let utf16 = bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]);
            let message = if utf16 {
                "the file is UTF-16 text; policies are UTF-8 JSON".to_string()
            } else {
                format!("the file is not valid UTF-8 (invalid byte at offset {at})")
            };
            let severity = rules
                .find("json-syntax")
                .map_or(Severity::Error, |r| r.severity);
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let end = (at + 1..=text.len())
                .find(|&i| text.is_char_boundary(i))
                .unwrap_or(at);
            let finding = Finding::new(Span::new(at, end), message)
                .help("save the file as UTF-8 (most editors offer this under \"encoding\")");
            let report = FileReport {
                path,
                text: Some(text),
                diagnostics: vec![Diagnostic::from_finding(
                    JSON_SYNTAX.clone(),
                    severity,
                    finding,
                )],
                ..FileReport::default()
            };
            (report, true)
        }
    }
}
