//! Suppressions written in a host's comments: `# policylint: ignore[RULE] reason` on the
//! line above a statement or element suppresses the findings of `RULE` (a name or a code;
//! several separated by commas) that start inside that element. The reason is required. A
//! comment that suppresses nothing, or cannot be read, is reported where it is under
//! `unused-ignore` (as unused `[[ignore]]` entries of the config are), so that
//! suppressions do not outlive what they were for.
//!
//! The interface is small, for every host with comments (YAML, HCL): a host finds its
//! comment lines and the element each one stands above (`Host::suppressions`), reading
//! each comment's text with [`parse_directive`]; the framework drops what they cover and
//! reports the rest with [`apply`], after the diagnostics are in host coordinates.

use crate::diagnostic::{Diagnostic, Finding, RuleId, Severity};
use crate::rules::RuleSet;
use crate::source::Span;
use std::sync::Arc;

/// One `policylint:` comment of a host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    /// The comment, marker included, in host offsets.
    pub comment: Span,
    /// The host range it covers: the element on the line below it.
    pub target: Span,
    /// What it says, or why it cannot be read.
    pub directive: Result<Directive, String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// Rule names or codes, as written.
    pub rules: Vec<String>,
    pub reason: String,
}

/// The rule and severity an unused suppression is reported with: the `unused-ignore`
/// rule (which also reports unused `[[ignore]]` entries), and so none when `--select`
/// leaves it out.
fn unused_rule(rules: &RuleSet) -> Option<(Arc<RuleId>, Severity)> {
    rules
        .find("unused-ignore")
        .map(|rule| (rule.id.clone(), rule.severity))
}

/// The directive in a comment's text (what follows its `#` or `//`): `None` when the
/// comment is not a `policylint:` one, an error when it is one that cannot be read.
pub fn parse_directive(body: &str) -> Option<Result<Directive, String>> {
    let rest = body.trim_start().strip_prefix("policylint:")?.trim_start();
    let Some(list) = rest.strip_prefix("ignore[") else {
        return Some(Err("it is not `ignore[RULE] reason`".into()));
    };
    let Some((names, reason)) = list.split_once(']') else {
        return Some(Err("its rule list has no closing `]`".into()));
    };
    let rules: Vec<String> = names
        .split(',')
        .map(|name| name.trim().to_string())
        .filter(|name| !name.is_empty())
        .collect();
    if rules.is_empty() {
        return Some(Err("it names no rule".into()));
    }
    let reason = reason.trim().to_string();
    if reason.is_empty() {
        return Some(Err("it gives no reason (write one after the `]`)".into()));
    }
    Some(Ok(Directive { rules, reason }))
}

fn names(diagnostic: &Diagnostic, rule: &str) -> bool {
    diagnostic.rule.name.eq_ignore_ascii_case(rule)
        || diagnostic.rule.code.eq_ignore_ascii_case(rule)
}

fn covers(target: Span, at: usize) -> bool {
    target.start <= at && (at < target.end || at == target.start)
}

/// Drops the diagnostics that `suppressions` cover, and returns the reports of the
/// suppressions that cover none (when every rule they name is in `rules`: a rule left out
/// by `--select` finds nothing to suppress) or cannot be read.
pub fn apply(
    rules: &RuleSet,
    diagnostics: &mut Vec<Diagnostic>,
    suppressions: &[Suppression],
) -> Vec<Diagnostic> {
    let mut used = vec![false; suppressions.len()];
    diagnostics.retain(|diagnostic| {
        let mut kept = true;
        for (i, suppression) in suppressions.iter().enumerate() {
            let Ok(directive) = &suppression.directive else {
                continue;
            };
            if covers(suppression.target, diagnostic.span.start)
                && directive.rules.iter().any(|rule| names(diagnostic, rule))
            {
                used[i] = true;
                kept = false;
            }
        }
        kept
    });
    let Some((rule, severity)) = unused_rule(rules) else {
        return Vec::new();
    };
    let mut reports = Vec::new();
    for (suppression, used) in suppressions.iter().zip(used) {
        let finding = match &suppression.directive {
            Err(why) => Finding::new(
                suppression.comment,
                format!("this `policylint:` comment suppresses nothing: {why}"),
            )
            .help(
                "write `# policylint: ignore[RULE] reason` on the line above the element, \
                 RULE a rule name or code",
            ),
            Ok(directive) if !used && directive.rules.iter().all(|r| rules.find(r).is_some()) => {
                Finding::new(
                    suppression.comment,
                    format!(
                        "`ignore[{}]` suppresses nothing on the element below it",
                        directive.rules.join(", ")
                    ),
                )
                .help("remove the comment, or move it to the line above the element it is for")
            }
            Ok(_) => continue,
        };
        reports.push(Diagnostic::from_finding(rule.clone(), severity, finding));
    }
    reports
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directives_are_read_or_refused_with_a_reason() {
        let ok =
            parse_directive(" policylint: ignore[PL201, wildcard-resource] kept for the console")
                .unwrap()
                .unwrap();
        assert_eq!(ok.rules, ["PL201", "wildcard-resource"]);
        assert_eq!(ok.reason, "kept for the console");
        assert_eq!(parse_directive(" a comment"), None);
        assert_eq!(parse_directive("policy: x"), None);
        for bad in [
            "policylint: ignore[PL201]",
            "policylint: ignore[] why",
            "policylint: ignore[PL201 why",
            "policylint: skip[PL201] why",
        ] {
            assert!(parse_directive(bad).unwrap().is_err(), "{bad}");
        }
    }
}
