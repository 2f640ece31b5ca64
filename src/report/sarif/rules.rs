//! The run's tool (`runs[0].tool`): the driver with a descriptor for every rule of the run
//! (its documentation, default level, fix and `security-severity`) and for PL000's
//! notifications, and the catalogues as extensions.

use super::{NOT_A_RULE, Text, level};
use crate::diagnostic::{Applicability, Severity};
use crate::rules::Rule;
use serde::Serialize;

#[derive(Serialize)]
pub(super) struct Tool<'a> {
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
struct Markdown {
    text: String,
    markdown: String,
}

/// `runs[0].tool`: policylint, with the run's rules and the notification PL000 is, and the
/// catalogues its rules consult.
pub(super) fn tool<'a>(rules: &[&'a Rule]) -> Tool<'a> {
    Tool {
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
    }
}

/// The crate's homepage or repository, when `Cargo.toml` names one.
fn information_uri() -> Option<&'static str> {
    [env!("CARGO_PKG_HOMEPAGE"), env!("CARGO_PKG_REPOSITORY")]
        .into_iter()
        .find(|uri| !uri.is_empty())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_blocks_outlast_backticks_inside() {
        assert_eq!(code_block("{}"), "```json\n{}\n```");
        assert_eq!(code_block("a ```` b"), "`````json\na ```` b\n`````");
    }
}
