//! Reads and lints many files in parallel; results come back sorted by path whatever the
//! thread count.
//!
//! The file loop is in `batch`, reading a file in `read`, applying fixes in `fixes`; here
//! are the reports, what every linted report goes through (`settle`), and the reports that
//! are not of a walked file (bytes given by the caller, unused ignores).

mod batch;
mod fixes;
mod read;

pub use batch::{batch_size, lint_batch, lint_candidates};
pub use fixes::fix_report;

use crate::config::Settings;
use crate::diagnostic::{Diagnostic, Finding, RuleId, Severity};
use crate::engine::JSON_SYNTAX;
use crate::fix::FixMode;
use crate::fix::write::Destination;
use crate::hosts::{self, DocumentInfo, HostKind, HostSwitches};
use crate::rules::RuleSet;
use crate::source::Span;
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
    /// The host that read the file.
    pub host: HostKind,
    /// The policy documents found in it (one for a policy file), in `text`'s coordinates.
    pub documents: Vec<DocumentInfo>,
}

impl FileReport {
    /// The report of a text that was linted as `host`, with what was found in it.
    fn linted(path: String, text: String, host: HostKind, result: hosts::HostLint) -> Self {
        FileReport {
            path,
            text: Some(text),
            diagnostics: result.diagnostics,
            host,
            documents: result.documents,
            ..FileReport::default()
        }
    }
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

/// A fix that was not applied or not written although it was asked for: a note about the
/// run, not a problem in the policy (whose findings are still reported).
pub static FIX_NOT_APPLIED: LazyLock<Arc<RuleId>> = LazyLock::new(|| {
    Arc::new(RuleId {
        code: "PL000".into(),
        name: "fix-not-applied".into(),
        category: "fix".into(),
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

/// The name of a file, as hosts pick files by it.
fn file_name(path: &Path) -> &str {
    path.file_name()
        .and_then(|name| name.to_str())
        .unwrap_or_default()
}

/// What every linted report goes through, from a file or standard input: the ignores of
/// its settings (`[[per-file-ignores]]`, `[[ignore]]`), the fixes asked for (written to
/// `write_to`, if any), and its `fail-on`. `absolute` is the path the settings' globs are
/// matched against, made absolute by `std::path::absolute`.
pub fn settle(
    settings: &Settings,
    report: &mut FileReport,
    absolute: &Path,
    fix: Option<FixRequest>,
    write_to: Option<Destination>,
) {
    settings.apply_ignores(
        absolute,
        report.text.as_deref(),
        &mut report.diagnostics,
        true,
    );
    if let Some(request) = fix {
        let drop_ignored = |text: &str, diagnostics: &mut Vec<Diagnostic>| {
            settings.apply_ignores(absolute, Some(text), diagnostics, false)
        };
        fix_report(&settings.rules, report, request, write_to, &drop_ignored);
    }
    report.fail_on = Some(settings.fail_on);
}

/// The `unused-ignore` findings of a run: for each config, the `[[ignore]]` entries that
/// silenced nothing although the run saw every file they cover (see
/// `IgnoreEntries::unused`; `walked`: the folders the run walked, absolute). Each is a
/// report on the config file, at the entry's header.
pub fn unused_ignore_reports(
    configs: &[Arc<Settings>],
    walked: &[std::path::PathBuf],
) -> Vec<FileReport> {
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut reports = Vec::new();
    for settings in configs {
        let (Some(source), Some(text)) = (&settings.source, &settings.source_text) else {
            continue;
        };
        let Some(rule) = settings.rules.find("unused-ignore") else {
            continue;
        };
        let diagnostics: Vec<Diagnostic> = settings
            .ignores
            .unused(walked, &settings.rules)
            .into_iter()
            .map(|(span, message)| {
                let finding = Finding::new(span, message)
                    .help("delete the entry, or correct its `paths`, `sid` or `pointer`");
                Diagnostic::from_finding(rule.id.clone(), rule.severity, finding)
            })
            .collect();
        if diagnostics.is_empty() {
            continue;
        }
        let absolute = std::path::absolute(source).unwrap_or_else(|_| source.clone());
        let display = absolute
            .strip_prefix(&cwd)
            .unwrap_or(&absolute)
            .display()
            .to_string();
        // A config file, not a host: no documents.
        reports.push(FileReport {
            path: display,
            text: Some(text.clone()),
            diagnostics,
            fail_on: Some(settings.fail_on),
            ..FileReport::default()
        });
    }
    reports
}

/// Lints raw bytes as the file `path` names (its name picks the host, every host on):
/// text that is not UTF-8 is a `json-syntax` error at the first bad byte.
pub fn lint_bytes(rules: &RuleSet, path: String, bytes: Vec<u8>) -> (FileReport, bool) {
    lint_bytes_with(rules, &HostSwitches::default(), path, bytes)
}

/// Like `lint_bytes`, with the hosts `hosts` switches on (a config's `[hosts]`).
pub fn lint_bytes_with(
    rules: &RuleSet,
    hosts: &HostSwitches,
    path: String,
    bytes: Vec<u8>,
) -> (FileReport, bool) {
    match String::from_utf8(bytes) {
        Ok(text) => {
            let kind = hosts
                .host_for(file_name(Path::new(&path)), &text)
                .unwrap_or(HostKind::Json);
            let result = hosts::lint_file(rules, kind, &text);
            let is_policy = result.is_policy;
            (FileReport::linted(path, text, kind, result), is_policy)
        }
        Err(error) => (not_utf8(rules, path, error), true),
    }
}

/// The report of a file that is not UTF-8: a `json-syntax` error at the first bad byte.
fn not_utf8(rules: &RuleSet, path: String, error: std::string::FromUtf8Error) -> FileReport {
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
    FileReport {
        path,
        text: Some(text),
        diagnostics: vec![Diagnostic::from_finding(
            JSON_SYNTAX.clone(),
            severity,
            finding,
        )],
        ..FileReport::default()
    }
}
