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

use super::spill::{Layout, Parts, SEPARATOR, entries};
use super::utf16::{Utf16Position, Utf16Positions};
use crate::diagnostic::{Applicability, Diagnostic, Severity};
use crate::rules::Rule;
use crate::runner::FileReport;
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
    tool: Tool<'a>,
    invocations: [Invocation; 1],
    column_kind: &'static str,
    results: Vec<SarifResult<'a>>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
    /// The catalogues the rules consult (one per cloud), with their version and date.
    extensions: Vec<CatalogueComponent>,
}

/// A catalogue as a SARIF tool component.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CatalogueComponent {
    name: String,
    full_name: String,
    version: &'static str,
    release_date_utc: &'static str,
}

fn catalogue_components() -> Vec<CatalogueComponent> {
    crate::catalogue::all()
        .into_iter()
        .map(|c| CatalogueComponent {
            name: format!("{}-catalogue", c.cloud()),
            full_name: c.source().to_string(),
            version: c.version(),
            release_date_utc: c.date(),
        })
        .collect()
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    information_uri: Option<&'static str>,
    rules: Vec<RuleDescriptor<'a>>,
    notifications: [NotificationDescriptor; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RuleDescriptor<'a> {
    id: &'a str,
    name: &'a str,
    short_description: Text,
    full_description: Text,
    #[serde(skip_serializing_if = "Option::is_none")]
    help_uri: Option<String>,
    help: Markdown,
    default_configuration: Configuration,
    properties: RuleProperties<'a>,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties<'a> {
    category: &'a str,
    /// GitHub code scanning filters alerts by tag; `security` marks security alerts.
    tags: [&'a str; 1],
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<Applicability>,
    #[serde(rename = "security-severity")]
    security_severity: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NotificationDescriptor {
    id: &'static str,
    short_description: Text,
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
struct Markdown {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    descriptor: DescriptorReference,
    level: &'static str,
    message: Text,
    locations: [Location; 1],
    properties: NotificationProperties,
}

#[derive(Serialize)]
struct DescriptorReference {
    id: &'static str,
    index: usize,
}

#[derive(Serialize)]
struct NotificationProperties {
    /// `io-error`, `internal-error`, `rule-error` or `fix-not-applied`.
    name: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
}

impl Region {
    fn new(start: Utf16Position, end: Utf16Position) -> Self {
        Region {
            start_line: start.line,
            start_column: start.column,
            end_line: end.line,
            end_column: end.column,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Text,
    locations: [Location; 1],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fixes: Vec<SarifFix>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifFix {
    description: Text,
    artifact_changes: [ArtifactChange; 1],
    properties: FixProperties,
}

#[derive(Serialize)]
struct FixProperties {
    /// `safe` fixes are applied by `--fix`, `unsafe` ones only with `--unsafe-fixes`.
    applicability: Applicability,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactChange {
    artifact_location: ArtifactLocation,
    replacements: Vec<Replacement>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Replacement {
    deleted_region: Region,
    #[serde(skip_serializing_if = "Option::is_none")]
    inserted_content: Option<Text>,
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

/// A report's notifications (PL000) and results, `rule_index` giving a code's `ruleIndex`.
fn file_entries<'a>(
    report: &'a FileReport,
    rule_index: impl Fn(&str) -> Option<usize>,
) -> (Vec<Notification>, Vec<SarifResult<'a>>) {
    let mut results = Vec::new();
    let mut notifications = Vec::new();
    let artifact = artifact_location(&report.path);
    let text = report.text.as_deref().unwrap_or("");
    let positions = Utf16Positions::new(
        text,
        report.diagnostics.iter().flat_map(|d| {
            let edits = d.fix.iter().flat_map(|f| &f.edits).map(|e| e.span);
            std::iter::once(d.span)
                .chain(d.labels.iter().map(|l| l.span))
                .chain(edits)
                .flat_map(|s| [s.start, s.end])
        }),
    );
    let region =
        |span: crate::source::Span| Region::new(positions.get(span.start), positions.get(span.end));
    for d in &report.diagnostics {
        if d.rule.code == NOT_A_RULE {
            notifications.push(notification(d, artifact.clone()));
            continue;
        }
        let at = |span, id, message: Option<&str>| Location {
            id,
            physical_location: PhysicalLocation {
                artifact_location: artifact.clone(),
                region: Some(region(span)),
            },
            message: message.map(Text::new),
        };
        results.push(SarifResult {
            rule_id: &d.rule.code,
            rule_index: rule_index(&d.rule.code),
            level: level(d.severity),
            message: Text::new(result_message(d)),
            locations: [at(d.span, None, None)],
            related_locations: d
                .labels
                .iter()
                .enumerate()
                .map(|(i, l)| at(l.span, Some(i + 1), Some(&l.message)))
                .collect(),
            fixes: d
                .fix
                .iter()
                .filter(|fix| !fix.edits.is_empty())
                .map(|fix| SarifFix {
                    description: Text::new(&fix.title),
                    artifact_changes: [ArtifactChange {
                        artifact_location: artifact.clone(),
                        replacements: fix
                            .edits
                            .iter()
                            .map(|e| Replacement {
                                deleted_region: region(e.span),
                                inserted_content: (!e.replacement.is_empty())
                                    .then(|| Text::new(&e.replacement)),
                            })
                            .collect(),
                    }],
                    properties: FixProperties {
                        applicability: fix.applicability,
                    },
                })
                .collect(),
        });
    }
    (notifications, results)
}

fn notification(d: &Diagnostic, artifact: ArtifactLocation) -> Notification {
    Notification {
        descriptor: DescriptorReference {
            id: NOT_A_RULE,
            index: 0,
        },
        level: level(d.severity),
        message: Text::new(&d.message),
        locations: [Location {
            id: None,
            physical_location: PhysicalLocation {
                artifact_location: artifact,
                region: None,
            },
            message: None,
        }],
        properties: NotificationProperties {
            name: d.rule.name.clone(),
        },
    }
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
            tool: Tool {
                driver: Driver {
                    name: "policylint",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: information_uri(),
                    rules: rules.iter().map(|rule| rule_descriptor(rule)).collect(),
                    notifications: [NotificationDescriptor {
                        id: NOT_A_RULE,
                        short_description: Text::new(
                            "A file could not be read or a rule's query reached its bound, so it is not fully linted; or a fix was not applied.",
                        ),
                    }],
                },
                extensions: catalogue_components(),
            },
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

/// The crate's homepage or repository, when `Cargo.toml` names one.
fn information_uri() -> Option<&'static str> {
    [env!("CARGO_PKG_HOMEPAGE"), env!("CARGO_PKG_REPOSITORY")]
        .into_iter()
        .find(|uri| !uri.is_empty())
}

/// The message, then the help on its own line.
fn result_message(d: &Diagnostic) -> String {
    match &d.help {
        Some(help) => format!("{}\nhelp: {help}", d.message),
        None => d.message.clone(),
    }
}

fn rule_descriptor(rule: &Rule) -> RuleDescriptor<'_> {
    let doc = &rule.doc;
    let explanation = doc.explanation.trim();
    let (bad, good) = (doc.bad.trim(), doc.good.trim());
    let fix = match doc.fix {
        Some(Applicability::Safe) => "\n\nFix: safe, applied by `--fix`.",
        Some(Applicability::Unsafe) => {
            "\n\nFix: unsafe (it changes what is granted), applied by `--fix --unsafe-fixes`."
        }
        None => "",
    };
    let indent = |s: &str| s.lines().map(|l| format!("    {l}\n")).collect::<String>();
    RuleDescriptor {
        id: &rule.id.code,
        name: &rule.id.name,
        short_description: Text::new(doc.summary.trim()),
        full_description: Text::new(explanation),
        help_uri: help_uri(rule),
        help: Markdown {
            text: format!(
                "{explanation}{fix}\n\nBad:\n{}\nGood:\n{}",
                indent(bad),
                indent(good).trim_end()
            ),
            markdown: format!(
                "{explanation}{fix}\n\nBad:\n\n{}\n\nGood:\n\n{}",
                code_block(bad),
                code_block(good)
            ),
        },
        default_configuration: Configuration {
            level: level(rule.severity),
        },
        properties: RuleProperties {
            category: &rule.id.category,
            tags: [&rule.id.category],
            fix: doc.fix,
            security_severity: security_severity(&rule.id.category, rule.severity),
        },
    }
}

/// The score GitHub code scanning ranks a rule's alerts by (a CVSS-like number: 9.0 and
/// up critical, 7.0 high, 4.0 medium, 0.1 low), by the rule's category and severity:
///
/// | category | error | warning | info |
/// |---|---|---|---|
/// | `security` (grants too much) | 8.8 high | 5.5 medium | 3.0 low |
/// | `syntax`, `structure`, `validity` (the policy is refused, or does not do what it says) | 4.0 medium | 2.0 low | 1.0 low |
/// | any other (`redundancy`, `usability`, a team's own) | 2.0 low | 1.0 low | 0.5 low |
///
/// GitHub shows it only for rules tagged `security`; a team rule of category `security`
/// is ranked like the built-in ones.
pub fn security_severity(category: &str, severity: Severity) -> &'static str {
    let scores = match category {
        "security" => ["8.8", "5.5", "3.0"],
        "syntax" | "structure" | "validity" => ["4.0", "2.0", "1.0"],
        _ => ["2.0", "1.0", "0.5"],
    };
    match severity {
        Severity::Error => scores[0],
        Severity::Warning => scores[1],
        Severity::Info => scores[2],
    }
}

/// Where a built-in rule's documentation lives: its file in policylint's repository.
fn help_uri(rule: &Rule) -> Option<String> {
    let repository = env!("CARGO_PKG_REPOSITORY").trim_end_matches('/');
    (rule.builtin && !repository.is_empty())
        .then(|| format!("{repository}/blob/main/{}", rule.file))
}

/// A fenced Markdown code block, its fence longer than any run of backticks inside.
fn code_block(code: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in code.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest.max(2) + 1);
    format!("{fence}json\n{code}\n{fence}")
}

/// An artifact location for a path as policylint reports it.
fn artifact_location(path: &str) -> ArtifactLocation {
    let path = if cfg!(windows) {
        path.replace('\\', "/")
    } else {
        path.to_string()
    };
    let bytes = path.as_bytes();
    let drive =
        bytes.len() >= 3 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' && bytes[2] == b'/';
    if drive {
        // `C:/x` → `file:///C:/x`: the drive's colon stays.
        return ArtifactLocation {
            uri: format!("file:///{}:{}", &path[..1], percent_encode(&path[2..])),
            uri_base_id: None,
        };
    }
    if path.starts_with('/') {
        // `/x` → `file:///x`, `//host/share` → `file://host/share`.
        return ArtifactLocation {
            uri: format!("file:{}", percent_encode_absolute(&path)),
            uri_base_id: None,
        };
    }
    ArtifactLocation {
        uri: percent_encode(&path),
        uri_base_id: Some(SRCROOT),
    }
}

fn percent_encode_absolute(path: &str) -> String {
    if path.starts_with("//") {
        percent_encode(path)
    } else {
        format!("//{}", percent_encode(path))
    }
}

/// Percent-encodes every byte but unreserved characters (RFC 3986) and `/`, so a path with
/// spaces, `%`, `#`, `?`, `:` or non-ASCII letters is still a valid URI reference.
pub fn percent_encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for &b in path.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(path: &str) -> (String, Option<&'static str>) {
        let location = artifact_location(path);
        (location.uri, location.uri_base_id)
    }

    #[test]
    fn relative_paths_stay_relative_to_the_source_root() {
        assert_eq!(
            uri("fixtures/seeds/a.json"),
            ("fixtures/seeds/a.json".into(), Some(SRCROOT))
        );
        assert_eq!(uri("../up.json"), ("../up.json".into(), Some(SRCROOT)));
        assert_eq!(uri("-"), ("-".into(), Some(SRCROOT)));
        assert_eq!(
            uri("a dir/x,y:z%#?é.json"),
            (
                "a%20dir/x%2Cy%3Az%25%23%3F%C3%A9.json".into(),
                Some(SRCROOT)
            )
        );
    }

    #[test]
    fn absolute_paths_become_file_uris() {
        assert_eq!(
            uri("/tmp/a b.json"),
            ("file:///tmp/a%20b.json".into(), None)
        );
        assert_eq!(
            uri("//host/share/p.json"),
            ("file://host/share/p.json".into(), None)
        );
        assert_eq!(
            uri("C:/policies/p.json"),
            ("file:///C:/policies/p.json".into(), None)
        );
    }

    #[test]
    fn code_blocks_outlast_backticks_inside() {
        assert_eq!(code_block("{}"), "```json\n{}\n```");
        assert_eq!(code_block("a ```` b"), "`````json\na ```` b\n`````");
    }
}
