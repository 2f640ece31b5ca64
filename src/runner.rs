//! Reads and lints many files in parallel; results come back sorted by path whatever the
//! thread count.

use crate::diagnostic::{Diagnostic, Finding, RuleId, Severity};
use crate::discover::Candidate;
use crate::engine::{JSON_SYNTAX, lint_text};
use crate::rules::RuleSet;
use crate::source::Span;
use rayon::prelude::*;
use std::io::Read;
use std::sync::{Arc, LazyLock};

/// The linted text of one file and what was found in it.
#[derive(Debug)]
pub struct FileReport {
    pub path: String,
    /// The text the spans refer to (lossily decoded if it was not UTF-8), if it was read.
    pub text: Option<String>,
    pub diagnostics: Vec<Diagnostic>,
}

/// What happened to one candidate.
pub enum Outcome {
    Linted(FileReport),
    /// Found in a walk, but not a policy: skipped silently.
    NotAPolicy(String),
}

pub static IO_ERROR: LazyLock<Arc<RuleId>> = LazyLock::new(|| {
    Arc::new(RuleId {
        code: "PL000".into(),
        name: "io-error".into(),
        category: "io".into(),
    })
});

pub fn io_error(path: String, message: String) -> FileReport {
    FileReport {
        path,
        text: None,
        diagnostics: vec![Diagnostic::from_finding(
            IO_ERROR.clone(),
            Severity::Error,
            Finding::new(Span::default(), message),
        )],
    }
}

pub fn lint_candidates(rules: &RuleSet, candidates: &[Candidate]) -> Vec<Outcome> {
    candidates
        .par_iter()
        .map(|candidate| lint_candidate(rules, candidate))
        .collect()
}

fn lint_candidate(rules: &RuleSet, candidate: &Candidate) -> Outcome {
    let bytes = match read_regular_file(&candidate.path) {
        Ok(bytes) => bytes,
        Err(message) => return Outcome::Linted(io_error(candidate.display.clone(), message)),
    };
    let (report, is_policy) = lint_bytes(rules, candidate.display.clone(), bytes);
    if is_policy || candidate.explicit {
        Outcome::Linted(report)
    } else {
        Outcome::NotAPolicy(candidate.display.clone())
    }
}

fn read_regular_file(path: &std::path::Path) -> Result<Vec<u8>, String> {
    let metadata = std::fs::metadata(path).map_err(|e| format!("cannot read: {e}"))?;
    if metadata.is_dir() {
        return Err("cannot read: it is a directory".into());
    }
    if !metadata.is_file() {
        // Reading a FIFO or a device could block forever or never end.
        return Err("cannot read: not a regular file".into());
    }
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    std::fs::File::open(path)
        .and_then(|mut f| f.read_to_end(&mut bytes))
        .map_err(|e| format!("cannot read: {e}"))?;
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
            };
            (report, true)
        }
    }
}
