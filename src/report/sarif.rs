//! SARIF 2.1.0 (OASIS Static Analysis Results Interchange Format), for GitHub code scanning
//! and other SARIF viewers.
//!
//! - `tool.driver.rules` lists every rule of the run's rule set, whether it fired or not,
//!   with its documentation; results point at it with `ruleId` and `ruleIndex`.
//! - Regions use SARIF's default column kind, UTF-16 code units (stated in `columnKind`);
//!   no `charOffset`/`byteOffset` is emitted.
//! - Paths are reported as given: relative paths stay relative (to `%SRCROOT%`, the folder
//!   policylint ran in, normally the repository root), absolute ones become `file://` URIs;
//!   characters other than letters, digits, `-._~` and `/` are percent-encoded.
//! - PL000 (a file that could not be read, a rule whose query reached its bound on the
//!   file, or a fix that was not applied) is not a rule and has no position: it is a
//!   `toolExecutionNotifications` entry, of level `error` when the file was not fully
//!   checked, which tells consumers the results may be incomplete, as CodeQL does for
//!   files it cannot extract (`note` for a fix not applied).
//! - Each rule carries `properties.security-severity`, the 0.0 to 10.0 score GitHub code
//!   scanning ranks security alerts by (it shows it for rules tagged `security`): see
//!   [`security_severity`]. A built-in rule's `helpUri` is its rule file in policylint's
//!   repository (`Cargo.toml`'s `repository`), on the default branch.
//! - Nothing depends on the clock, the machine or the thread count: same input, same bytes.
//!
//! The document is put together here, whole or in parts for a spill; `rules` holds the
//! tool and its rule descriptors, `results` a file's results and notifications, `uri` the
//! artifact locations.

mod results;
mod rules;
mod uri;

pub use rules::security_severity;
pub use uri::percent_encode;

use super::spill::{Layout, Parts, SEPARATOR, entries};
use crate::diagnostic::Severity;
use crate::rules::Rule;
use crate::runner::FileReport;
use results::{Notification, SarifResult, file_entries};
use serde::Serialize;
use std::collections::HashMap;

/// The published OASIS schema of SARIF 2.1.0 (a copy is in `tests/`).
pub const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/os/schemas/sarif-schema-2.1.0.json";
/// The base that relative artifact URIs are relative to.
pub const SRCROOT: &str = "%SRCROOT%";
/// The code of problems that are not rules (files that could not be read or fixed).
const NOT_A_RULE: &str = "PL000";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: rules::Tool<'a>,
    invocations: [Invocation; 1],
    column_kind: &'static str,
    results: Vec<SarifResult<'a>>,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

impl Text {
    fn new(text: impl Into<String>) -> Self {
        Text { text: text.into() }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification>,
}

/// SARIF's name for a severity.
pub fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// `rules` are the run's rules: with several configs, every rule any of them ran.
pub fn render(reports: &[FileReport], rules: &[&Rule]) -> String {
    let index: HashMap<&str, usize> = rules
        .iter()
        .enumerate()
        .map(|(i, rule)| (rule.id.code.as_str(), i))
        .collect();
    let mut results = Vec::new();
    let mut notifications = Vec::new();
    for report in reports {
        let (notes, found) = file_entries(report, |code| index.get(code).copied());
        notifications.extend(notes);
        results.extend(found);
    }
    let mut text = serde_json::to_string_pretty(&log(rules, notifications, results))
        .expect("plain data serializes");
    text.push('\n');
    text
}

/// The whole document around `notifications` and `results`.
fn log<'a>(
    rules: &[&'a Rule],
    notifications: Vec<Notification>,
    results: Vec<SarifResult<'a>>,
) -> Log<'a> {
    Log {
        schema: SCHEMA_URI,
        version: "2.1.0",
        runs: [Run {
            tool: rules::tool(rules),
            invocations: [Invocation {
                // The run itself completed; a file it could not read is an `error`
                // notification, which marks the results as possibly incomplete.
                execution_successful: true,
                tool_execution_notifications: notifications,
            }],
            column_kind: "utf16CodeUnits",
            results,
        }],
    }
}

/// Where a result's `ruleIndex` goes in its spilled entry: the rule's code between two NUL
/// bytes (which JSON text never holds raw), filled in by [`layout`] once the run's rules
/// are known, since a config met late in the run can add rules that come before it.
const HOLE: char = '\0';
/// Results are entries of `runs[0].results`, notifications of
/// `runs[0].invocations[0].toolExecutionNotifications`.
const RESULT_INDENT: &str = "        ";
const NOTIFICATION_INDENT: &str = "            ";

/// One report's entries of the document's two lists (notifications, results), rendered as
/// `render` places them, each result's `ruleIndex` left as a hole: for `Spill`, so that
/// the text of a file is let go once linted.
pub fn parts(report: &FileReport) -> Parts {
    let (notifications, results) = file_entries(report, |_| None);
    let notifications = entries(notifications, NOTIFICATION_INDENT);
    let mut rendered = String::new();
    for result in results {
        if !rendered.is_empty() {
            rendered.push_str(SEPARATOR);
        }
        let entry = entries([&result], RESULT_INDENT);
        // `"ruleId": "...",` is the entry's second line (strings hold no line break).
        let line_end = entry
            .match_indices('\n')
            .nth(1)
            .map_or(entry.len(), |(at, _)| at);
        rendered.push_str(&entry[..line_end]);
        rendered.extend([HOLE]);
        rendered.push_str(result.rule_id);
        rendered.extend([HOLE]);
        rendered.push_str(&entry[line_end..]);
    }
    Parts {
        path: report.path.clone(),
        lists: vec![notifications, rendered],
    }
}

/// Where the lists go in the document, around the run's rules, and the `ruleIndex` line
/// each result's hole stands for (none for a code that is not among `rules`).
pub fn layout(rules: &[&Rule]) -> Layout {
    let mut text = serde_json::to_string_pretty(&log(rules, Vec::new(), Vec::new()))
        .expect("plain data serializes");
    text.push('\n');
    let notifications_at = text
        .find("\"executionSuccessful\": true")
        .expect("the skeleton has its invocation")
        + "\"executionSuccessful\": true".len();
    let results_key = "\"results\": ";
    let results_at = text
        .rfind(results_key)
        .expect("the skeleton has its results")
        + results_key.len();
    let fills = rules
        .iter()
        .enumerate()
        .map(|(i, rule)| {
            let line = format!("\n{RESULT_INDENT}  \"ruleIndex\": {i},");
            (rule.id.code.as_bytes().to_vec(), line)
        })
        .collect();
    Layout {
        pieces: vec![
            text[..notifications_at].to_string(),
            text[notifications_at..results_at].to_string(),
            text[results_at + "[]".len()..].to_string(),
        ],
        separator: SEPARATOR,
        // An invocation without notifications leaves the key out.
        before: vec![",\n          \"toolExecutionNotifications\": [\n", "[\n"],
        after: vec!["\n          ]", "\n      ]"],
        empty: vec!["", "[]"],
        fills,
    }
}
