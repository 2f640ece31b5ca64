//! GitLab Code Quality (`artifacts:reports:codequality`): a JSON array of issues, each
//! with the fields GitLab reads (https://docs.gitlab.com/ci/testing/code_quality/):
//! `description`, `check_name`, `fingerprint`, `severity` and `location` (`path`, and
//! `lines` with `begin` and `end`). GitLab ignores any other field.
//!
//! - `check_name` is the rule's code, `description` its name and the message.
//! - `fingerprint` tells GitLab which findings of a merge request are new: a hash of the
//!   path, the code, the message and the text of the finding's line (trimmed), so that a
//!   finding keeps its fingerprint when lines above it move; two findings that agree in all
//!   of these are told apart by their order in the file.
//! - `severity`: info → `info`, warning → `minor`, error → `major`, an error of the
//!   `security` category (administrator access, privilege escalation, a public principal)
//!   → `critical`, and a PL000 error (a file that could not be read or checked) →
//!   `blocker`: nothing in it, or not every rule, was checked. A PL000 note (a fix that
//!   was not applied) is `info`.
//! - `location.path` is relative with `/` separators and no leading `./`; an absolute path
//!   inside `$CI_PROJECT_DIR` (set by GitLab's runners) is made relative to it.
//! - PL000, which has no position, is placed on line 1.

use crate::diagnostic::{Diagnostic, Severity};
use crate::runner::FileReport;
use crate::source::LineIndex;
use serde::Serialize;

#[derive(Serialize)]
struct Issue<'a> {
    description: String,
    check_name: &'a str,
    fingerprint: String,
    severity: &'static str,
    location: Location,
}

#[derive(Serialize)]
struct Location {
    path: String,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: usize,
    end: usize,
}

pub fn render(reports: &[FileReport]) -> String {
    let project = std::env::var_os("CI_PROJECT_DIR").map(std::path::PathBuf::from);
    let mut issues = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for report in reports {
        let text = report.text.as_deref().unwrap_or("");
        let index = LineIndex::new(text);
        let path = repository_path(&report.path, project.as_deref());
        for d in &report.diagnostics {
            let start = index.position(text, d.span.start);
            let end = index.position(text, d.span.end);
            let line_text = text[index.line_start(start.line - 1)..]
                .lines()
                .next()
                .unwrap_or("")
                .trim();
            // The n-th finding alike in every part of the fingerprint gets n mixed in.
            let mut fingerprint = fingerprint(&[&path, &d.rule.code, &d.message, line_text], 0);
            let mut occurrence = 0;
            while !seen.insert(fingerprint.clone()) {
                occurrence += 1;
                fingerprint =
                    self::fingerprint(&[&path, &d.rule.code, &d.message, line_text], occurrence);
            }
            issues.push(Issue {
                description: format!("{} {}: {}", d.rule.code, d.rule.name, d.message),
                check_name: &d.rule.code,
                fingerprint,
                severity: severity(d),
                location: Location {
                    path: path.clone(),
                    lines: Lines {
                        begin: start.line,
                        end: end.line.max(start.line),
                    },
                },
            });
        }
    }
    let mut text = serde_json::to_string_pretty(&issues).expect("plain data serializes");
    text.push('\n');
    text
}

fn severity(d: &Diagnostic) -> &'static str {
    match d.severity {
        Severity::Error if d.rule.code == "PL000" => "blocker",
        Severity::Error if d.rule.category == "security" => "critical",
        Severity::Error => "major",
        Severity::Warning => "minor",
        Severity::Info => "info",
    }
}

/// A path as GitLab finds it in the repository.
fn repository_path(path: &str, project: Option<&std::path::Path>) -> String {
    let inside_project = project.and_then(|project| {
        std::path::Path::new(path)
            .strip_prefix(project)
            .ok()
            .map(|relative| relative.to_string_lossy().into_owned())
    });
    let mut path = inside_project.unwrap_or_else(|| path.to_string());
    if std::path::MAIN_SEPARATOR != '/' {
        path = path.replace(std::path::MAIN_SEPARATOR, "/");
    }
    while let Some(rest) = path.strip_prefix("./") {
        path = rest.to_string();
    }
    path
}

/// 128-bit FNV-1a of the parts (each followed by a NUL) and `occurrence`, in hex: a hash
/// fixed by its definition, so that fingerprints stay the same from one version of
/// policylint (and of Rust) to the next.
fn fingerprint(parts: &[&str], occurrence: usize) -> String {
    const OFFSET: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;
    let mut hash = OFFSET;
    let occurrence = occurrence.to_string();
    for part in parts.iter().chain([&occurrence.as_str()]) {
        for &byte in part.as_bytes().iter().chain(&[0]) {
            hash ^= u128::from(byte);
            hash = hash.wrapping_mul(PRIME);
        }
    }
    format!("{hash:032x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_1a_128_is_the_published_function() {
        // FNV-1a 128 of the empty input is its offset basis; of "a", the published value.
        let hash = |bytes: &[u8]| {
            let mut hash: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
            for &byte in bytes {
                hash ^= u128::from(byte);
                hash = hash.wrapping_mul(0x0000_0000_0100_0000_0000_0000_0000_013b);
            }
            hash
        };
        assert_eq!(hash(b"a"), 0xd228cb696f1a8caf78912b704e4a8964);
        assert_eq!(fingerprint(&[], 0).len(), 32);
        assert_ne!(fingerprint(&["a", "b"], 0), fingerprint(&["ab"], 0));
        assert_ne!(fingerprint(&["a"], 0), fingerprint(&["a"], 1));
    }

    #[test]
    fn paths_are_relative_to_the_project() {
        let project = std::path::Path::new("/builds/team/policies");
        assert_eq!(
            repository_path("/builds/team/policies/ram/a.json", Some(project)),
            "ram/a.json"
        );
        assert_eq!(repository_path("././ram/a.json", None), "ram/a.json");
        assert_eq!(
            repository_path("/elsewhere/a.json", Some(project)),
            "/elsewhere/a.json"
        );
    }
}
