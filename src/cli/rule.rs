//! `policylint rule NAME|CODE|--all`: a rule's documentation, as text or JSON, and PL000's.

use super::{RuleArgs, RuleFormat, usage_error};
use crate::diagnostic::Severity;
use crate::rules::{Rule, RuleSet};
use std::io::Write;
use std::process::ExitCode;

pub(super) fn run(args: &RuleArgs) -> ExitCode {
    let mut rules = match RuleSet::builtin() {
        Ok(rules) => rules,
        Err(error) => {
            return usage_error(&format!("built-in rule file is broken: {error}"));
        }
    };
    for dir in &args.rules_dirs {
        if let Err(error) = rules.add_rules_dir(dir, None) {
            return usage_error(&error.to_string());
        }
    }
    explain(&rules, args)
}

fn explain(rules: &RuleSet, args: &RuleArgs) -> ExitCode {
    let selected: Vec<&Rule> = if args.all {
        rules.rules.iter().collect()
    } else {
        let name = args.name.as_deref().unwrap_or_default();
        match rules.find(name) {
            Some(rule) => vec![rule],
            None if crate::rules::is_not_a_rule(name) => {
                return explain_not_a_rule(args.output_format);
            }
            None => {
                return usage_error(&format!(
                    "{} (`policylint rule --all` lists the rules)",
                    rules.not_a_rule(name)
                ));
            }
        }
    };
    let text = match args.output_format {
        RuleFormat::Json => {
            let list: Vec<serde_json::Value> = selected.iter().map(|r| rule_json(r)).collect();
            let value = if args.all {
                serde_json::Value::Array(list)
            } else {
                list.into_iter().next().unwrap_or_default()
            };
            serde_json::to_string_pretty(&value).expect("plain data serializes") + "\n"
        }
        RuleFormat::Text if args.all => selected
            .iter()
            .map(|r| {
                format!(
                    "{:<6} {:<26} {:<8} {:<12} {}\n",
                    r.id.code,
                    r.id.name,
                    r.severity.as_str(),
                    r.id.category,
                    r.doc.summary
                )
            })
            .collect(),
        RuleFormat::Text => crate::rules::doc::rule_text(selected[0]),
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    ExitCode::SUCCESS
}

const NOT_A_RULE_SUMMARY: &str = "A file policylint could not check, or not fully, or a fix it did not apply. PL000 is not a rule.";

const NOT_A_RULE_EXPLANATION: &str = "PL000 reports what happened to a file rather than a \
problem in its policy. It is not a rule: `--select`, `--ignore`, a config's `select`, \
`ignore`, `[severity]`, `per-file-ignores` and `[[ignore]]` cannot name it, and no setting \
lowers it: a file policylint did not check is an error, so a run never passes over it.

- io-error (error): the file could not be read (missing, a folder, a FIFO or a device, no \
permission, not a regular file), or under `--fix` could not be written. Nothing in it was \
linted.
- internal-error (error): policylint failed on the file in a way it should not. Please \
report it, with the file.
- rule-error (error): a rule's JSONPath query reached the bound of work a file of this \
size allows (10,000 nodes plus 64 per byte); that rule did not check the file, the other \
findings stand. Write the rule's `given` with fewer nested searches.
- fix-not-applied (info): a fix that `--fix` was asked for was not applied or not \
written, and why; the file's findings are reported as they are.

In SARIF PL000 is a tool execution notification rather than a result, in JUnit an \
`<error>` (a note is a passing test), in GitLab Code Quality a `blocker` (a note is \
`info`).";

fn explain_not_a_rule(format: RuleFormat) -> ExitCode {
    let (code, names) = (
        crate::rules::NOT_A_RULE_CODE,
        crate::rules::NOT_A_RULE_NAMES,
    );
    let text = match format {
        RuleFormat::Json => {
            let value = serde_json::json!({
                "code": code,
                "names": names,
                "severity": {
                    "io-error": Severity::Error,
                    "internal-error": Severity::Error,
                    "rule-error": Severity::Error,
                    "fix-not-applied": Severity::Info,
                },
                "selectable": false,
                "summary": NOT_A_RULE_SUMMARY,
                "explanation": NOT_A_RULE_EXPLANATION,
            });
            serde_json::to_string_pretty(&value).expect("plain data serializes") + "\n"
        }
        RuleFormat::Text => format!(
            "{code} {} (not a rule)\n\n{NOT_A_RULE_SUMMARY}\n\n{NOT_A_RULE_EXPLANATION}\n",
            names.join(", ")
        ),
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    ExitCode::SUCCESS
}

fn rule_json(rule: &Rule) -> serde_json::Value {
    serde_json::json!({
        "code": rule.id.code,
        "name": rule.id.name,
        "severity": rule.severity,
        "category": rule.id.category,
        "summary": rule.doc.summary,
        "explanation": rule.doc.explanation.trim(),
        "fix": rule.doc.fix,
        "dialects": rule.doc.dialects,
        "kinds": rule.doc.kinds,
        "bad": rule.doc.bad,
        "good": rule.doc.good,
    })
}
