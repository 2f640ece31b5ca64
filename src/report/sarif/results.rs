//! What a file's report becomes: a result for each finding (its labels as related
//! locations, its fix as replacements, positions in UTF-16 code units), and a
//! tool-execution notification for each PL000, which is not a rule.

use super::uri::{ArtifactLocation, artifact_location};
use super::{NOT_A_RULE, Text, level};
use crate::diagnostic::{Applicability, Diagnostic};
use crate::report::utf16::{Utf16Position, Utf16Positions};
use crate::runner::FileReport;
use serde::Serialize;

#[derive(Serialize)]
pub(super) struct Notification {
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
pub(super) struct SarifResult<'a> {
    pub(super) rule_id: &'a str,
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

/// A report's notifications (PL000) and results, `rule_index` giving a code's `ruleIndex`.
pub(super) fn file_entries<'a>(
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

/// The message, then the help on its own line.
fn result_message(d: &Diagnostic) -> String {
    match &d.help {
        Some(help) => format!("{}\nhelp: {help}", d.message),
        None => d.message.clone(),
    }
}
