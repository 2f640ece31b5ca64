//! A rule's documentation: the text `policylint rule NAME` prints, and the same sections
//! as Markdown for the language server's hover.

use super::Rule;
use crate::diagnostic::Applicability;
use crate::model::{Dialect, PolicyKind};

/// The sections of a rule's documentation, in the order both renderings show them.
struct Sections<'r> {
    /// `PL201 duplicate-action (warning, redundancy)`
    title: String,
    summary: &'r str,
    explanation: &'r str,
    applies_to: String,
    fix: &'static str,
    bad: &'r str,
    good: &'r str,
}

impl<'r> Sections<'r> {
    fn of(rule: &'r Rule) -> Self {
        let doc = &rule.doc;
        let dialects = doc
            .dialects
            .iter()
            .map(|d| match d {
                Dialect::Ram => "Alibaba Cloud RAM",
                Dialect::Aws => "AWS IAM",
            })
            .collect::<Vec<_>>()
            .join(" and ");
        let kinds = doc
            .kinds
            .iter()
            .map(|k| match k {
                PolicyKind::Identity => "identity",
                PolicyKind::Trust => "trust",
                PolicyKind::Resource => "resource (bucket)",
            })
            .collect::<Vec<_>>()
            .join(", ");
        Sections {
            title: format!(
                "{} {} ({}, {})",
                doc.code, doc.name, rule.severity, doc.category
            ),
            summary: &doc.summary,
            explanation: doc.explanation.trim(),
            applies_to: format!("{dialects}; {kinds} policies"),
            fix: match doc.fix {
                Some(Applicability::Safe) => "safe (applied by `--fix`)",
                Some(Applicability::Unsafe) => "unsafe (applied by `--fix --unsafe-fixes`)",
                None => "none",
            },
            bad: doc.bad.trim_end(),
            good: doc.good.trim_end(),
        }
    }
}

/// The rule's documentation as `policylint rule NAME` prints it: examples indented.
pub fn rule_text(rule: &Rule) -> String {
    let s = Sections::of(rule);
    let indent = |example: &str| {
        example
            .lines()
            .map(|l| format!("    {l}\n"))
            .collect::<String>()
    };
    format!(
        "{}\n\n{}\n\n{}\n\nApplies to: {}\nFix: {}\n\nBad:\n{}\nGood:\n{}",
        s.title,
        s.summary,
        s.explanation,
        s.applies_to,
        s.fix,
        indent(s.bad),
        indent(s.good),
    )
}

/// The same documentation as Markdown: the title in bold, the examples in fenced JSON
/// blocks (fenced longer than any run of backticks inside them).
pub fn rule_markdown(rule: &Rule) -> String {
    let s = Sections::of(rule);
    let fenced = |example: &str| {
        let longest_run = example.split(|c| c != '`').map(str::len).max().unwrap_or(0);
        let fence = "`".repeat(longest_run.max(2) + 1);
        format!("{fence}json\n{example}\n{fence}\n")
    };
    format!(
        "**{}**\n\n{}\n\n{}\n\nApplies to: {}  \nFix: {}\n\nBad:\n\n{}\nGood:\n\n{}",
        s.title,
        s.summary,
        s.explanation,
        s.applies_to,
        s.fix,
        fenced(s.bad),
        fenced(s.good),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RuleSet;

    #[test]
    fn markdown_holds_the_same_sections_as_the_text() {
        let rules = RuleSet::builtin().unwrap();
        for rule in &rules.rules {
            let text = rule_text(rule);
            let markdown = rule_markdown(rule);
            let s = Sections::of(rule);
            for section in [s.summary, s.explanation, s.fix, &s.applies_to] {
                assert!(text.contains(section) && markdown.contains(section));
            }
            assert!(markdown.starts_with(&format!("**{}**\n", s.title)));
            assert!(text.starts_with(&format!("{}\n", s.title)));
            for example in [s.bad, s.good] {
                assert!(
                    markdown.contains(&format!("json\n{example}\n`")),
                    "{markdown}"
                );
            }
        }
    }
}
