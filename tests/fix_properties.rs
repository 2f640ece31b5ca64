//! What fixes do, checked over every fixture and every RAM policy of the real-policy corpus:
//! the result parses, fixing again changes nothing, and a safe fix never changes what the
//! policy grants. Plus a snapshot of the fixed text for every fixable rule.

mod common;

use common::{json_files, root};
use policylint::engine::lint_text;
use policylint::fix::{FixMode, fix_text};
use policylint::rules::RuleSet;
use serde_json::Value;
use std::collections::BTreeSet;

/// One (effect, action element, action, resource element, resource, condition) a policy
/// expresses, read with serde_json independently of the linter's own model. Keys and
/// effects compare as RAM reads them (surrounding spaces and case ignored), actions
/// case-insensitively, and empty entries and an empty Condition mean nothing.
type Grant = (String, String, String, String, String, String);

fn member<'a>(
    object: &'a serde_json::Map<String, Value>,
    key: &str,
) -> Option<(String, &'a Value)> {
    object
        .iter()
        .find(|(k, _)| k.trim().eq_ignore_ascii_case(key))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v))
}

fn entries(value: &Value) -> Vec<String> {
    let list = match value {
        Value::Array(items) => items.clone(),
        other => vec![other.clone()],
    };
    list.iter()
        .map(|v| {
            v.as_str()
                .map_or_else(|| v.to_string(), |s| s.trim().to_string())
        })
        .filter(|s| !s.is_empty())
        .collect()
}

fn grants(text: &str) -> Option<BTreeSet<Grant>> {
    let root: Value = serde_json::from_str(text.trim_start_matches('\u{feff}')).ok()?;
    let mut out = BTreeSet::new();
    let Some((_, statements)) = root.as_object().and_then(|o| member(o, "Statement")) else {
        return Some(out);
    };
    let statements = match statements {
        Value::Array(items) => items.clone(),
        other => vec![other.clone()],
    };
    for statement in statements.iter().filter_map(Value::as_object) {
        let effect = member(statement, "Effect").map_or(String::new(), |(_, v)| {
            v.as_str()
                .map_or_else(|| v.to_string(), |s| s.trim().to_ascii_lowercase())
        });
        // Operator names compare case-insensitively: DESIGN §3 makes a case-only operator
        // fix safe.
        let condition = match member(statement, "Condition") {
            Some((_, Value::Object(o))) if o.is_empty() => String::new(),
            Some((_, Value::Object(o))) => {
                let canonical: std::collections::BTreeMap<String, &Value> = o
                    .iter()
                    .map(|(k, v)| (k.trim().to_ascii_lowercase(), v))
                    .collect();
                serde_json::to_string(&canonical).unwrap()
            }
            Some((_, v)) => v.to_string(),
            None => String::new(),
        };
        let actions: Vec<(String, String)> = ["Action", "NotAction"]
            .iter()
            .filter_map(|k| member(statement, k))
            .flat_map(|(k, v)| {
                entries(v)
                    .into_iter()
                    .map(move |a| (k.clone(), a.to_ascii_lowercase()))
            })
            .collect();
        let resources: Vec<(String, String)> = ["Resource", "NotResource"]
            .iter()
            .filter_map(|k| member(statement, k))
            .flat_map(|(k, v)| entries(v).into_iter().map(move |r| (k.clone(), r)))
            .collect();
        for (action_key, action) in &actions {
            for (resource_key, resource) in &resources {
                out.insert((
                    effect.clone(),
                    action_key.clone(),
                    action.clone(),
                    resource_key.clone(),
                    resource.clone(),
                    condition.clone(),
                ));
            }
        }
    }
    Some(out)
}

fn every_policy_file() -> Vec<String> {
    let mut files = json_files("fixtures/rules");
    files.extend(json_files("fixtures/seeds"));
    let corpus = json_files("fixtures/corpus/ram");
    assert!(
        corpus.len() > 600,
        "the RAM corpus is missing: {} files",
        corpus.len()
    );
    files.extend(corpus);
    files
}

#[test]
fn fixes_parse_settle_and_safe_ones_keep_every_grant() {
    let rules = RuleSet::builtin().unwrap();
    let mut changed = [0, 0];
    for path in every_policy_file() {
        let Ok(text) = String::from_utf8(std::fs::read(root().join(&path)).unwrap()) else {
            continue;
        };
        for (i, mode) in [FixMode::Safe, FixMode::Unsafe].into_iter().enumerate() {
            let outcome = fix_text(&rules, &text, lint_text(&rules, &text).diagnostics, mode);
            // An unsafe fix that adds text can create a new problem (a statement added to a
            // policy near the size limit): the engine refuses it, which is its job. A safe
            // fix only removes or rewrites, so it is never refused.
            match (&outcome.refused, mode) {
                (None, _) => {}
                (Some(reason), FixMode::Unsafe) if reason.contains("new error") => {
                    assert_eq!(
                        outcome.text, text,
                        "{path}: a refused fix must leave the text alone"
                    );
                    continue;
                }
                (Some(reason), _) => {
                    panic!("{path} ({mode:?}): a built-in fix was refused: {reason}")
                }
            }
            if outcome.text == text {
                continue;
            }
            changed[i] += 1;
            let before =
                grants(&text).unwrap_or_else(|| panic!("{path}: fixed a file that does not parse"));
            let after = grants(&outcome.text).unwrap_or_else(|| {
                panic!(
                    "{path} ({mode:?}): the fixed text does not parse:\n{}",
                    outcome.text
                )
            });
            if mode == FixMode::Safe {
                assert_eq!(
                    before, after,
                    "{path}: a safe fix changed what the policy grants:\n{}",
                    outcome.text
                );
            }
            let again = fix_text(&rules, &outcome.text, outcome.diagnostics, mode);
            assert_eq!(
                again.text, outcome.text,
                "{path} ({mode:?}): a second run changed the text again"
            );
            assert_eq!(again.fixed, 0);
        }
    }
    // The property must have been exercised, not vacuously true.
    assert!(
        changed[0] > 50 && changed[1] > changed[0],
        "files changed (safe, unsafe): {changed:?}"
    );
}

#[test]
fn the_grant_oracle_sees_real_changes() {
    let base = r#"{"Statement": [{"Effect": "Allow", "Action": ["oss:GetObject", "oss:GetObject"], "Resource": "*"}]}"#;
    let same = r#"{"Statement": [{"Effect": "allow", "Action": ["oss:getobject"], "Resource": "*", "Condition": {}}]}"#;
    let more = r#"{"Statement": [{"Effect": "Allow", "Action": ["oss:GetObject", "oss:PutObject"], "Resource": "*"}]}"#;
    let scoped = r#"{"Statement": [{"Effect": "Allow", "Action": "oss:GetObject", "Resource": "*", "Condition": {"Bool": {"acs:SecureTransport": "true"}}}]}"#;
    assert_eq!(grants(base), grants(same));
    assert_ne!(grants(base), grants(more));
    assert_ne!(grants(base), grants(scoped));
}

/// The fixed text of every trigger fixture of every fixable rule, with only that rule
/// running, so each snapshot shows that rule's edits and nothing else.
#[test]
fn fixed_text_snapshots() {
    let all = RuleSet::builtin().unwrap();
    let fixable: Vec<_> = all
        .rules
        .iter()
        .filter_map(|r| r.doc.fix.map(|f| (r.id.clone(), f)))
        .collect();
    assert!(
        fixable.len() >= 8,
        "DESIGN §3 gives fixes to PL004, PL005, PL008, PL009, PL101, PL102, PL201, PL401"
    );
    for (rule, applicability) in fixable {
        let mut rules = RuleSet::builtin().unwrap();
        rules
            .retain_selected(std::slice::from_ref(&rule.code), &[])
            .unwrap();
        let mode = match applicability {
            policylint::diagnostic::Applicability::Safe => FixMode::Safe,
            policylint::diagnostic::Applicability::Unsafe => FixMode::Unsafe,
        };
        let mut fixed_any = false;
        for path in json_files(&format!("fixtures/rules/{}", rule.name)) {
            if !path.rsplit('/').next().unwrap().starts_with("trigger") {
                continue;
            }
            let text = std::fs::read_to_string(root().join(&path)).unwrap();
            let outcome = fix_text(&rules, &text, lint_text(&rules, &text).diagnostics, mode);
            if outcome.fixed == 0 {
                continue;
            }
            fixed_any = true;
            let name = format!("{}__{}", rule.name, path.rsplit('/').next().unwrap());
            insta::with_settings!({ snapshot_path => "snapshots/fix", prepend_module_to_snapshot => false, info => &path }, {
                insta::assert_snapshot!(name, outcome.text);
            });
        }
        assert!(
            fixed_any,
            "{} [{}] offers a fix but no trigger fixture gets one",
            rule.code, rule.name
        );
    }
}
