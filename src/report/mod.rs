//! Reporters: how diagnostics are printed.

pub mod concise;
pub mod escape;
mod excerpt;
pub mod github;
pub mod gitlab;
pub mod json;
pub mod junit;
pub mod pretty;
pub mod sarif;
pub mod sink;
mod snippet;
pub mod spill;
pub mod statistics;
pub mod utf16;

use crate::diagnostic::{Applicability, Severity};
use crate::runner::FileReport;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Source snippets with labels and help (miette).
    Pretty,
    /// One line per diagnostic: `path:line:col: severity CODE [name] message`.
    Concise,
    /// The machine-readable contract (DESIGN §4).
    Json,
    /// SARIF 2.1.0, for GitHub code scanning (`github/codeql-action/upload-sarif`).
    Sarif,
    /// GitHub Actions workflow commands: annotations on the pull request.
    Github,
    /// JUnit XML, one test suite per file, for CI test reports.
    Junit,
    /// GitLab Code Quality JSON (`artifacts:reports:codequality`).
    Gitlab,
}

/// Counts over a whole run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    pub files: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    /// Diagnostics that `--fix` would fix (a safe fix).
    pub fixable: usize,
    /// Diagnostics that only `--unsafe-fixes` would fix.
    #[serde(skip)]
    pub unsafe_fixable: usize,
    /// Problems fixed by `--fix` in this run.
    #[serde(skip)]
    pub fixed: usize,
    /// The run was asked to fix (`--fix` or `--diff`): what is still fixable was refused,
    /// and is not offered again.
    #[serde(skip)]
    pub fixes_asked: bool,
    /// The run was given `--unsafe-fixes`.
    #[serde(skip)]
    pub unsafe_fixes_asked: bool,
}

impl Summary {
    pub fn of(reports: &[FileReport]) -> Self {
        let mut summary = Summary {
            files: reports.len(),
            ..Summary::default()
        };
        summary.fixed = reports.iter().map(|r| r.fixed).sum();
        for d in reports.iter().flat_map(|r| &r.diagnostics) {
            match d.severity {
                Severity::Error => summary.errors += 1,
                Severity::Warning => summary.warnings += 1,
                Severity::Info => summary.infos += 1,
            }
            match d.fix.as_ref().map(|f| f.applicability) {
                Some(Applicability::Safe) => summary.fixable += 1,
                Some(Applicability::Unsafe) => summary.unsafe_fixable += 1,
                None => {}
            }
        }
        summary
    }

    /// Adds the counts of another part of the run.
    pub fn absorb(&mut self, other: &Summary) {
        self.files += other.files;
        self.errors += other.errors;
        self.warnings += other.warnings;
        self.infos += other.infos;
        self.fixable += other.fixable;
        self.unsafe_fixable += other.unsafe_fixable;
        self.fixed += other.fixed;
    }

    /// Records which fixes the run was asked for, so the summary offers only the others.
    pub fn note_fix_flags(&mut self, fixes: bool, unsafe_fixes: bool) {
        self.fixes_asked = fixes;
        self.unsafe_fixes_asked = unsafe_fixes;
    }

    pub fn total(&self) -> usize {
        self.errors + self.warnings + self.infos
    }
}

pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The closing line of the human formats.
pub fn summary_line(summary: &Summary) -> String {
    let files = plural(summary.files, "file", "files");
    if summary.fixed > 0 && summary.total() == 0 {
        return format!("{} fixed, 0 remaining ({files} checked).", summary.fixed);
    }
    if summary.total() == 0 {
        return format!("All checks passed ({files} checked).");
    }
    let mut parts = Vec::new();
    for (n, one, many) in [
        (summary.errors, "error", "errors"),
        (summary.warnings, "warning", "warnings"),
        (summary.infos, "info", "infos"),
    ] {
        if n > 0 {
            parts.push(plural(n, one, many));
        }
    }
    let mut line = if summary.fixed > 0 {
        format!(
            "{} fixed, {} remaining ({}) in {files} checked.",
            summary.fixed,
            summary.total(),
            parts.join(", ")
        )
    } else {
        format!(
            "Found {} ({}) in {files} checked.",
            plural(summary.total(), "problem", "problems"),
            parts.join(", ")
        )
    };
    // After `--fix`, what is still fixable was refused (a note says why): offering it
    // again would send the user round in a circle.
    if summary.fixable > 0 && !summary.fixes_asked {
        line.push_str(&format!(" {} fixable with `--fix`.", summary.fixable));
    }
    if summary.unsafe_fixable > 0 && !summary.unsafe_fixes_asked {
        line.push_str(&format!(
            " {} more with `--unsafe-fixes`.",
            summary.unsafe_fixable
        ));
    }
    line
}

/// `--verbose`: the policy documents found in each file, one line each, for the log.
pub fn document_list(reports: &[FileReport]) -> String {
    use crate::model::{Dialect, PolicyKind};
    let dialect_name = |dialect| match dialect {
        Dialect::Ram => "RAM",
        Dialect::Aws => "AWS",
    };
    let kind_name = |kind| match kind {
        PolicyKind::Identity => "identity",
        PolicyKind::Trust => "trust",
        PolicyKind::Resource => "resource",
    };
    let mut log = String::new();
    for report in reports.iter().filter(|r| !r.documents.is_empty()) {
        log.push_str(&format!(
            "policylint: {}: {}\n",
            escape::escape(&report.path),
            plural(
                report.documents.len(),
                "policy document",
                "policy documents"
            )
        ));
        for document in &report.documents {
            let what = match (document.dialect, document.kind) {
                (Some(dialect), Some(kind)) => {
                    format!("{} {} policy", dialect_name(dialect), kind_name(kind))
                }
                (Some(dialect), None) => {
                    format!("{} policy, not valid JSON", dialect_name(dialect))
                }
                _ => "not valid JSON".to_string(),
            };
            log.push_str(&format!(
                "policylint:   {} {}:{}-{}:{} ({what})\n",
                document.host.name(),
                document.start.line,
                document.start.column,
                document.end.line,
                document.end.column,
            ));
        }
    }
    log
}
