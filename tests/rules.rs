//! The `rules/` folder is the rule catalogue: every file in it must load, be embedded in the
//! binary, be named after its rule, and name only built-in checks that exist; and every
//! built-in check must be used by some rule.

use policylint::checks::BUILTINS;
use policylint::rules::{EMBEDDED_RULES, RuleFile, RuleSet};
use std::collections::BTreeSet;
use std::fs;

fn rule_files_on_disk() -> Vec<(String, String)> {
    let mut files: Vec<_> = fs::read_dir("rules")
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .map(|path| {
            let name = path.file_name().unwrap().to_str().unwrap().to_string();
            (name, fs::read_to_string(&path).unwrap())
        })
        .collect();
    files.sort();
    files
}

#[test]
fn every_rule_file_is_embedded_verbatim() {
    let embedded: Vec<(String, String)> = EMBEDDED_RULES
        .iter()
        .map(|(name, text, _)| (name.to_string(), text.to_string()))
        .collect();
    assert_eq!(embedded, rule_files_on_disk());
}

/// The binary reads each built-in rule from the JSON the build made of its file: the
/// JSON must say what the TOML says, field by field.
#[test]
fn every_embedded_rule_reads_from_json_as_from_its_toml() {
    for (name, text, json) in EMBEDDED_RULES {
        let from_toml: RuleFile = toml::from_str(text).unwrap();
        let from_json: RuleFile = serde_json::from_str(json).unwrap();
        assert_eq!(format!("{from_toml:?}"), format!("{from_json:?}"), "{name}");
    }
}

#[test]
fn every_rule_file_loads_on_its_own_and_is_named_after_its_rule() {
    let files = rule_files_on_disk();
    assert!(
        files.len() >= 16,
        "expected the DESIGN §3 rules, found {}",
        files.len()
    );
    for (file, text) in &files {
        let mut set = RuleSet::empty();
        set.add_rule_text(file, text)
            .unwrap_or_else(|e| panic!("{e}"));
        let doc: RuleFile = toml::from_str(text).unwrap();
        assert_eq!(file, &format!("{}-{}.toml", doc.code, doc.name));
        for field in [&doc.summary, &doc.explanation, &doc.bad, &doc.good] {
            assert!(
                !field.trim().is_empty(),
                "{file}: summary, explanation and examples are required"
            );
        }
        assert!(
            doc.summary.trim().ends_with('.'),
            "{file}: the summary is one sentence"
        );
    }
    // Together they load too: codes and names are unique.
    let all = RuleSet::builtin().unwrap();
    assert_eq!(all.rules.len(), files.len());
}

#[test]
fn every_named_builtin_exists_and_every_builtin_is_used() {
    let mut named = BTreeSet::new();
    for (file, text) in rule_files_on_disk() {
        let doc: RuleFile = toml::from_str(&text).unwrap();
        for check in &doc.checks {
            if let Some(builtin) = &check.builtin {
                assert!(
                    BUILTINS.iter().any(|(n, _)| n == builtin),
                    "{file} names unknown built-in `{builtin}`"
                );
                named.insert(builtin.clone());
            }
        }
    }
    let known: BTreeSet<String> = BUILTINS.iter().map(|(n, _)| n.to_string()).collect();
    assert_eq!(
        named, known,
        "every built-in check is used by exactly the rules that name it"
    );
}

/// A team's own rule file: the documentation every rule needs, and `check` (TOML).
fn custom_rule(code: &str, name: &str, check: &str) -> String {
    format!(
        r#"
code = "{code}"
name = "{name}"
severity = "warning"
category = "custom"
summary = "Example."
explanation = "Example."
bad = "{{}}"
good = "{{}}"
[[check]]
{check}
"#
    )
}

#[test]
fn an_unknown_builtin_is_refused_with_the_known_ones_listed() {
    let mut set = RuleSet::builtin().unwrap();
    let text = custom_rule("ACME001", "acme-check", r#"builtin = "no-such-check""#);
    let error = set
        .add_rule_text("acme.toml", &text)
        .expect_err("unknown built-in must fail")
        .to_string();
    assert!(
        error.contains("acme.toml")
            && error.contains("no-such-check")
            && error.contains("duplicate-action"),
        "{error}"
    );
}

/// A user rule whose `undefined` check has no `field` reports the member its query selected,
/// and `{field}` in its message names that member.
#[test]
fn a_check_without_a_field_names_the_selected_member() {
    let mut set = RuleSet::builtin().unwrap();
    let check = r#"given = "$.Statement[*].NotPrincipal"
function = "undefined"
message = "`{field}` is not allowed here"
help = "remove `{field}`""#;
    let text = custom_rule("ACME002", "acme-no-not-principal", check);
    set.add_rule_text("acme.toml", &text).unwrap();
    let policy = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*", "NotPrincipal": {"AWS": "arn:aws:iam::1:root"}}]}"#;
    let found: Vec<_> = policylint::engine::lint_text(&set, policy)
        .diagnostics
        .into_iter()
        .filter(|d| d.rule.code == "ACME002")
        .collect();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].message, "`NotPrincipal` is not allowed here");
    assert_eq!(found[0].help.as_deref(), Some("remove `NotPrincipal`"));
    assert_eq!(
        &policy[found[0].span.start..found[0].span.end],
        "\"NotPrincipal\""
    );
}

/// DESIGN §3's catalogue, a public contract: every code with its name and severity.
/// (PL301 is an error for `*` on `*` and a warning for one whole service; its default is
/// the error.)
const DESIGN_CATALOGUE: &[(&str, &str, &str)] = &[
    ("PL001", "json-syntax", "error"),
    ("PL002", "duplicate-key", "error"),
    ("PL003", "invalid-structure", "error"),
    ("PL004", "invalid-version", "error"),
    ("PL005", "unknown-element", "error"),
    ("PL006", "missing-element", "error"),
    ("PL007", "conflicting-elements", "error"),
    ("PL008", "invalid-effect", "error"),
    ("PL009", "empty-value", "warning"),
    ("PL010", "unused-ignore", "warning"),
    ("PL101", "invalid-action", "error"),
    ("PL102", "invalid-resource", "error"),
    ("PL103", "unknown-action", "warning"),
    ("PL104", "unknown-service", "warning"),
    ("PL105", "action-resource-mismatch", "warning"),
    ("PL106", "invalid-condition", "error"),
    ("PL107", "unknown-condition-key", "warning"),
    ("PL108", "policy-too-large", "error"),
    ("PL109", "unreplaced-placeholder", "warning"),
    ("PL110", "invalid-principal", "error"),
    ("PL111", "invalid-sid", "error"),
    ("PL112", "unsupported-condition-key", "warning"),
    ("PL113", "condition-type-mismatch", "warning"),
    ("PL114", "wildcard-without-like", "warning"),
    ("PL201", "duplicate-action", "warning"),
    ("PL202", "redundant-action", "warning"),
    ("PL203", "duplicate-resource", "warning"),
    ("PL204", "redundant-resource", "warning"),
    ("PL205", "duplicate-statement", "warning"),
    ("PL206", "duplicate-sid", "warning"),
    ("PL301", "full-access", "error"),
    ("PL302", "wildcard-resource", "warning"),
    ("PL303", "privilege-escalation", "error"),
    ("PL304", "allow-not-action", "warning"),
    ("PL305", "allow-not-resource", "warning"),
    ("PL306", "wildcard-principal", "error"),
    ("PL401", "missing-list-buckets", "info"),
    // The access engine's rules (issue #25).
    ("PL501", "forbidden-access", "error"),
    ("PL502", "missing-required-condition", "error"),
    ("PL503", "shadowed-statement", "warning"),
    ("PL504", "redundant-statement", "warning"),
    ("PL505", "new-access", "info"),
];

#[test]
fn rule_all_json_lists_the_whole_design_catalogue() {
    let output = assert_cmd::Command::cargo_bin("policylint")
        .unwrap()
        .args(["rule", "--all", "--output-format", "json"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let listed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let listed: Vec<(String, String, String)> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            assert!(r["category"].as_str().is_some_and(|c| !c.is_empty()), "{r}");
            (
                r["code"].as_str().unwrap().to_string(),
                r["name"].as_str().unwrap().to_string(),
                r["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected: Vec<(String, String, String)> = DESIGN_CATALOGUE
        .iter()
        .map(|(c, n, s)| (c.to_string(), n.to_string(), s.to_string()))
        .collect();
    assert_eq!(listed, expected);
}
