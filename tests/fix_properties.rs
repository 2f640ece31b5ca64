//! What fixes do, checked over every fixture and every RAM policy of the real-policy corpus:
//! the result parses, fixing again changes nothing, and a safe fix never changes what the
//! policy grants. Plus a snapshot of the fixed text for every fixable rule.

mod common;

use common::{json_files, root};
use policylint::engine::lint_text;
use policylint::fix::{FixMode, fix_host_text_keeping, fix_text};
use policylint::hosts::{self, HostKind};
use policylint::rules::RuleSet;
use serde_json::Value;
use std::collections::BTreeSet;

/// One (effect, action element, action, resource element, resource, condition) a policy
/// expresses, read with serde_json independently of the linter's own model. Keys, effects
/// and condition operators compare as the service reads them, exactly (a misspelt
/// `"Statement "`, `"effect"` or `"bool"` is not read, so renaming it changes what is
/// granted), actions case-insensitively, and empty entries and an empty Condition mean
/// nothing. Within one
/// statement's list, an entry that another entry's wildcards already cover adds nothing
/// (`oss:GetObject` next to `oss:Get*`), and a Condition means the same whatever the order
/// of its operators, keys and values.
type Grant = (String, String, String, String, String, String);

fn member<'a>(
    object: &'a serde_json::Map<String, Value>,
    key: &str,
) -> Option<(String, &'a Value)> {
    object.get(key).map(|v| (key.to_string(), v))
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

/// The entries of one list that no other entry covers. Coverage is decided here with a
/// regular expression, independently of the linter's `matching` module: the covered pattern
/// is written with its `*` and `?` as two private-use characters, which the covering
/// pattern's `*` (`.*`) matches and its `?` (`[^*-mark]`) matches only for a `?`.
fn uncovered(list: Vec<String>, ignore_case: bool) -> Vec<String> {
    const STAR: char = '\u{E000}';
    const ONE: char = '\u{E001}';
    // Runs of wildcards as their `?`s then one `*`: equivalent spellings become one.
    let normalise = |pattern: &str| {
        let mut out = String::new();
        let mut run = (0, false);
        for c in pattern.chars().chain(std::iter::once('\0')) {
            match c {
                '?' => run.0 += 1,
                '*' => run.1 = true,
                _ => {
                    out.extend(std::iter::repeat_n('?', run.0));
                    if run.1 {
                        out.push('*');
                    }
                    run = (0, false);
                    if c != '\0' {
                        out.push(c);
                    }
                }
            }
        }
        if ignore_case { out.to_lowercase() } else { out }
    };
    let list: BTreeSet<String> = list.iter().map(|e| normalise(e)).collect();
    let covers = |general: &str, specific: &str| {
        let mut pattern = String::from("(?s)^");
        for c in general.chars() {
            match c {
                '*' => pattern.push_str(".*"),
                '?' => pattern.push_str(&format!("[^{STAR}]")),
                c => pattern.push_str(&regex::escape(&c.to_string())),
            }
        }
        pattern.push('$');
        let marked: String = specific
            .chars()
            .map(|c| match c {
                '*' => STAR,
                '?' => ONE,
                c => c,
            })
            .collect();
        regex::Regex::new(&pattern).unwrap().is_match(&marked)
    };
    list.iter()
        .filter(|x| {
            !list
                .iter()
                .any(|y| y != *x && covers(y, x) && !covers(x, y))
        })
        .cloned()
        .collect()
}

/// A Condition with its operators and keys sorted and each value list as a sorted set
/// (a single string is a one-value list).
fn canonical_condition(value: &Value) -> String {
    fn canonical(value: &Value) -> Value {
        match value {
            Value::Object(map) => {
                let mut members: Vec<(&String, &Value)> = map.iter().collect();
                members.sort_by(|a, b| a.0.cmp(b.0));
                Value::Object(
                    members
                        .into_iter()
                        .map(|(k, v)| (k.clone(), canonical(v)))
                        .collect(),
                )
            }
            Value::Array(items) => set(items),
            scalar => set(std::slice::from_ref(scalar)),
        }
    }
    fn set(items: &[Value]) -> Value {
        let set: BTreeSet<String> = items
            .iter()
            .map(|v| match v {
                Value::Object(_) | Value::Array(_) => canonical(v).to_string(),
                scalar => scalar.to_string(),
            })
            .collect();
        Value::Array(set.into_iter().map(Value::String).collect())
    }
    canonical(value).to_string()
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
            v.as_str().map_or_else(|| v.to_string(), str::to_string)
        });
        let condition = match member(statement, "Condition") {
            Some((_, Value::Object(o))) if o.is_empty() => String::new(),
            Some((_, v)) => canonical_condition(v),
            None => String::new(),
        };
        let actions: Vec<(String, String)> = ["Action", "NotAction"]
            .iter()
            .filter_map(|k| member(statement, k))
            .flat_map(|(k, v)| {
                uncovered(entries(v), true)
                    .into_iter()
                    .map(move |a| (k.clone(), a))
            })
            .collect();
        let resources: Vec<(String, String)> = ["Resource", "NotResource"]
            .iter()
            .filter_map(|k| member(statement, k))
            .flat_map(|(k, v)| {
                uncovered(entries(v), false)
                    .into_iter()
                    .map(move |r| (k.clone(), r))
            })
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
                (Some(refused), FixMode::Unsafe) if refused.reason.contains("new error") => {
                    if !refused.safe_fixes_applied {
                        assert_eq!(
                            outcome.text, text,
                            "{path}: a refused fix must leave the text alone"
                        );
                        continue;
                    }
                    // The safe fixes were applied without the unsafe ones: checked below
                    // like any other result.
                }
                (Some(refused), _) => {
                    panic!("{path} ({mode:?}): a built-in fix was refused: {refused:?}")
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

/// How a policy is embedded in a host for `fixes_in_hosts_...`: the host text, and the
/// host range the policy occupies.
fn embedded(policy: &str, encoded: bool) -> (String, usize, usize) {
    let before = if encoded {
        "{\"Note\": \"caf\u{e9}\",\n  \"Policy\": \""
    } else {
        "{\"Resources\": {\"P\": {\"Type\": \"Custom::Thing\", \"Properties\": {\n        \"PolicyDocument\": "
    };
    let after = if encoded {
        "\",\n  \"After\": 1}\n"
    } else {
        "}}},\n  \"After\": [1]}\n"
    };
    let body = if encoded {
        let quoted = serde_json::to_string(policy).unwrap();
        quoted[1..quoted.len() - 1].to_string()
    } else {
        // Indented as a template indents it: every line after the first.
        policy.trim_end().replace('\n', "\n        ")
    };
    let host = format!("{before}{body}{after}");
    (host, before.len(), before.len() + body.len())
}

/// The policy a host holds in the range between `prefix` and `suffix` bytes of it.
fn policy_in(host: &str, prefix: usize, suffix: usize, encoded: bool) -> Value {
    let region = &host[prefix..host.len() - suffix];
    let text = if encoded {
        serde_json::from_str::<String>(&format!("\"{region}\"")).unwrap()
    } else {
        region.to_string()
    };
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// Every policy of the fixtures and the RAM corpus, nested in a template and encoded in a
/// string: fixing the host edits the document only, means what fixing the policy alone
/// means, leaves a host that parses, and settles.
#[test]
fn fixes_in_hosts_edit_only_the_document_and_mean_what_the_policy_alone_would() {
    let rules = RuleSet::builtin().unwrap();
    let mut changed = 0;
    for path in every_policy_file() {
        let Ok(text) = String::from_utf8(std::fs::read(root().join(&path)).unwrap()) else {
            continue;
        };
        // Strict JSON objects with a top-level `Statement` only: what a template holds.
        let holds_policy = serde_json::from_str::<Value>(&text).is_ok_and(|value| {
            value
                .as_object()
                .is_some_and(|o| o.keys().any(|k| k.trim().eq_ignore_ascii_case("statement")))
        });
        if !holds_policy || text.starts_with('\u{feff}') {
            continue;
        }
        for mode in [FixMode::Safe, FixMode::Unsafe] {
            let alone = fix_text(&rules, &text, lint_text(&rules, &text).diagnostics, mode);
            if alone.refused.is_some() {
                continue;
            }
            for encoded in [false, true] {
                let (host, start, end) = embedded(&text, encoded);
                let lint = |host: &str| hosts::lint_file(&rules, HostKind::Json, host).diagnostics;
                let fix = |host: &str| {
                    fix_host_text_keeping(&rules, HostKind::Json, host, lint(host), mode, &|_| true)
                };
                let outcome = fix(&host);
                let what = format!("{path} ({mode:?}, encoded: {encoded})");
                assert_eq!(outcome.refused, None, "{what}");
                assert!(
                    hosts::check_syntax(HostKind::Json, &outcome.text).is_ok(),
                    "{what}: the fixed host does not parse:\n{}",
                    outcome.text
                );
                let suffix = host.len() - end;
                assert_eq!(
                    outcome.text[..start],
                    host[..start],
                    "{what}: before the policy"
                );
                assert_eq!(
                    outcome.text[outcome.text.len() - suffix..],
                    host[end..],
                    "{what}: after the policy"
                );
                assert_eq!(
                    policy_in(&outcome.text, start, suffix, encoded),
                    serde_json::from_str::<Value>(&alone.text).unwrap(),
                    "{what}: the fix in the host means what the fix of the policy alone does"
                );
                assert_eq!(fix(&outcome.text).text, outcome.text, "{what}: not settled");
                changed += usize::from(outcome.text != host);
            }
        }
    }
    assert!(changed > 200, "hosts changed: {changed}");
}

#[test]
fn the_grant_oracle_sees_real_changes() {
    let base = r#"{"Statement": [{"Effect": "Allow", "Action": ["oss:GetObject", "oss:GetObject"], "Resource": "*"}]}"#;
    let same = r#"{"Statement": [{"Effect": "Allow", "Action": ["oss:getobject"], "Resource": "*", "Condition": {}}]}"#;
    let more = r#"{"Statement": [{"Effect": "Allow", "Action": ["oss:GetObject", "oss:PutObject"], "Resource": "*"}]}"#;
    let scoped = r#"{"Statement": [{"Effect": "Allow", "Action": "oss:GetObject", "Resource": "*", "Condition": {"Bool": {"acs:SecureTransport": "true"}}}]}"#;
    assert_eq!(grants(base), grants(same));
    assert_ne!(grants(base), grants(more));
    assert_ne!(grants(base), grants(scoped));
    // The service reads keys, effects and operators exactly: a misspelt one is not read,
    // so correcting it changes what is granted.
    for misspelt in [
        base.replace("\"Statement\"", "\"Statement \""),
        base.replace("\"Effect\"", "\"effect\""),
        base.replace("\"Allow\"", "\"allow\""),
    ] {
        assert_ne!(grants(base), grants(&misspelt), "{misspelt}");
    }
    assert_ne!(grants(scoped), grants(&scoped.replace("Bool", "bool")));
    // Entries a wildcard of the same list covers, and condition order, mean nothing...
    let wide = r#"{"Statement": [{"Effect": "Allow", "Action": ["oss:Get*", "oss:GetObject"], "Resource": ["acs:oss:*:*:b/*", "acs:oss:*:*:b/a"], "Condition": {"Bool": {"k": "true"}, "IpAddress": {"ip": ["1", "2"]}}}]}"#;
    let narrowed = r#"{"Statement": [{"Effect": "Allow", "Action": ["OSS:get*"], "Resource": "acs:oss:*:*:b/*", "Condition": {"IpAddress": {"ip": ["2", "1"]}, "Bool": {"k": ["true"]}}}]}"#;
    assert_eq!(grants(wide), grants(narrowed));
    // ... but a wildcard that is removed, or one that only overlaps, does.
    let without_wildcard = r#"{"Statement": [{"Effect": "Allow", "Action": ["oss:GetObject"], "Resource": ["acs:oss:*:*:b/*", "acs:oss:*:*:b/a"], "Condition": {"Bool": {"k": "true"}, "IpAddress": {"ip": ["1", "2"]}}}]}"#;
    assert_ne!(grants(wide), grants(without_wildcard));
    let overlapping = r#"{"Statement": [{"Effect": "Allow", "Action": ["oss:Get*", "oss:*Object"], "Resource": "*"}]}"#;
    let one_side =
        r#"{"Statement": [{"Effect": "Allow", "Action": ["oss:Get*"], "Resource": "*"}]}"#;
    assert_ne!(grants(overlapping), grants(one_side));
    let resource_case = r#"{"Statement": [{"Effect": "Allow", "Action": "a:b", "Resource": ["acs:oss:*:*:B/*", "acs:oss:*:*:b/x"]}]}"#;
    let resource_case_fixed =
        r#"{"Statement": [{"Effect": "Allow", "Action": "a:b", "Resource": ["acs:oss:*:*:B/*"]}]}"#;
    assert_ne!(grants(resource_case), grants(resource_case_fixed));
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

// ---------------------------------------------------------------------------------------
// The YAML host: every policy of the fixtures and the RAM corpus written into a YAML
// template three ways (as a YAML mapping in block style, as flow-style JSON, as JSON in a
// `|` block scalar). Fixing the YAML edits the policy only, leaves YAML that parses,
// settles, and means what fixing the policy alone means.

/// `value` as block-style YAML at `indent` spaces, its scalars written as JSON (a
/// double-quoted YAML scalar is a JSON string).
fn block_yaml(value: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    let entry = |head: String, value: &Value, out: &mut String| match value {
        Value::Object(o) if !o.is_empty() => {
            out.push_str(&format!("{pad}{head}\n"));
            block_yaml(value, indent + 2, out);
        }
        Value::Array(a) if !a.is_empty() => {
            out.push_str(&format!("{pad}{head}\n"));
            block_yaml(value, indent + 2, out);
        }
        scalar => out.push_str(&format!("{pad}{head} {scalar}\n")),
    };
    match value {
        Value::Object(members) => {
            for (key, value) in members {
                entry(format!("{}:", Value::String(key.clone())), value, out);
            }
        }
        Value::Array(items) => {
            for item in items {
                entry("-".to_string(), item, out);
            }
        }
        _ => unreachable!("a container"),
    }
}

/// The policy written into a YAML template in the `form`-th way, and the host range
/// before and after it.
fn in_yaml(policy: &str, value: &Value, form: usize) -> (String, usize, usize) {
    let before = match form {
        2 => {
            "# a template\nResources:\n  P:\n    Type: Custom::Thing\n    Properties:\n      PolicyDocument: |\n"
        }
        _ => {
            "# a template\nResources:\n  P:\n    Type: Custom::Thing\n    Properties:\n      PolicyDocument:\n"
        }
    };
    let body = match form {
        0 => {
            let mut out = String::new();
            block_yaml(value, 8, &mut out);
            out
        }
        _ => policy
            .trim_end()
            .lines()
            .map(|line| format!("        {line}\n"))
            .collect(),
    };
    let after = "      After: 1\n";
    (format!("{before}{body}{after}"), before.len(), after.len())
}

#[test]
fn fixes_in_yaml_edit_only_the_policy_and_mean_what_the_policy_alone_would() {
    let rules = RuleSet::builtin().unwrap();
    let mut changed = 0;
    for path in every_policy_file() {
        let Ok(text) = String::from_utf8(std::fs::read(root().join(&path)).unwrap()) else {
            continue;
        };
        let Ok(value) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        let lint = lint_text(&rules, &text);
        // A policy with repeated keys has no YAML mapping, nor tabs a block scalar.
        let repeated_keys = lint.diagnostics.iter().any(|d| d.rule.code == "PL002");
        let holds_policy = value
            .as_object()
            .is_some_and(|o| o.keys().any(|k| k.trim().eq_ignore_ascii_case("statement")));
        if !holds_policy || repeated_keys || text.starts_with('\u{feff}') || text.contains('\t') {
            continue;
        }
        for mode in [FixMode::Safe, FixMode::Unsafe] {
            let alone = fix_text(&rules, &text, lint.diagnostics.clone(), mode);
            if alone.refused.is_some() {
                continue;
            }
            let expected: Value = serde_json::from_str(&alone.text).unwrap();
            for form in 0..3 {
                let (host, start, suffix) = in_yaml(&text, &value, form);
                let what = format!("{path} ({mode:?}, form {form})");
                let lint = |host: &str| hosts::lint_file(&rules, HostKind::Yaml, host).diagnostics;
                let fix = |host: &str| {
                    fix_host_text_keeping(&rules, HostKind::Yaml, host, lint(host), mode, &|_| true)
                };
                let outcome = fix(&host);
                assert_eq!(outcome.refused, None, "{what}");
                assert!(
                    hosts::check_syntax(HostKind::Yaml, &outcome.text).is_ok(),
                    "{what}: the fixed host does not parse:\n{}",
                    outcome.text
                );
                assert_eq!(outcome.text[..start], host[..start], "{what}: before");
                assert_eq!(
                    outcome.text[outcome.text.len() - suffix..],
                    host[host.len() - suffix..],
                    "{what}: after"
                );
                let documents = hosts::yaml::extract(&outcome.text).unwrap();
                let fixed: Value = serde_json::from_str(&documents[0].text).unwrap();
                assert_eq!(
                    fixed, expected,
                    "{what}: the fix in YAML means what the fix of the policy alone does:\n{}",
                    outcome.text
                );
                assert_eq!(fix(&outcome.text).text, outcome.text, "{what}: not settled");
                changed += usize::from(outcome.text != host);
            }
        }
    }
    assert!(changed > 300, "hosts changed: {changed}");
}

/// The policy in a Terraform `<<-EOF` heredoc, or in a Markdown fenced block inside a list
/// item, with the host text before and after it.
fn in_terraform_or_markdown(policy: &str, kind: HostKind) -> (String, usize, usize) {
    let (before, indent, after) = match kind {
        HostKind::Terraform => (
            // A `locals` value: no resource type to tell the dialect, as in a policy file.
            "# a module\nlocals {\n  name   = \"p\"\n  policy = <<-EOF\n",
            "    ",
            "  EOF\n}\n",
        ),
        _ => (
            "# Guide\n\n1. Create the policy:\n\n   ```json\n",
            "   ",
            "   ```\n\n2. Attach it.\n",
        ),
    };
    let body: String = policy
        .trim_end()
        .lines()
        .map(|line| format!("{indent}{line}\n"))
        .collect();
    (format!("{before}{body}{after}"), before.len(), after.len())
}

#[test]
fn fixes_in_heredocs_and_fenced_blocks_edit_only_the_policy_and_mean_what_it_alone_would() {
    let rules = RuleSet::builtin().unwrap();
    let mut changed = 0;
    for path in every_policy_file() {
        let Ok(text) = String::from_utf8(std::fs::read(root().join(&path)).unwrap()) else {
            continue;
        };
        let holds_policy = serde_json::from_str::<Value>(&text).is_ok_and(|value| {
            value
                .as_object()
                .is_some_and(|o| o.keys().any(|k| k.trim().eq_ignore_ascii_case("statement")))
        });
        // Interpolations are Terraform's in a heredoc; a fence inside would end the block;
        // tabs, CRLF and a byte order mark have tests of their own.
        let out_of_scope = ["${", "%{", "```", "EOF", "\t", "\r", "\u{feff}"]
            .iter()
            .any(|s| text.contains(s));
        if !holds_policy || out_of_scope {
            continue;
        }
        let lint = lint_text(&rules, &text);
        for mode in [FixMode::Safe, FixMode::Unsafe] {
            let alone = fix_text(&rules, &text, lint.diagnostics.clone(), mode);
            if alone.refused.is_some() {
                continue;
            }
            let expected: Value = serde_json::from_str(&alone.text).unwrap();
            for kind in [HostKind::Terraform, HostKind::Markdown] {
                let (host, start, suffix) = in_terraform_or_markdown(&text, kind);
                let what = format!("{path} ({mode:?}, {kind:?})");
                let lint = |host: &str| hosts::lint_file(&rules, kind, host).diagnostics;
                let fix = |host: &str| {
                    fix_host_text_keeping(&rules, kind, host, lint(host), mode, &|_| true)
                };
                let outcome = fix(&host);
                assert_eq!(outcome.refused, None, "{what}");
                assert!(
                    hosts::check_syntax(kind, &outcome.text).is_ok(),
                    "{what}: the fixed host does not parse:\n{}",
                    outcome.text
                );
                assert_eq!(outcome.text[..start], host[..start], "{what}: before");
                assert_eq!(
                    outcome.text[outcome.text.len() - suffix..],
                    host[host.len() - suffix..],
                    "{what}: after"
                );
                let documents = hosts::policy_documents(kind, &outcome.text);
                assert_eq!(documents.len(), 1, "{what}:\n{}", outcome.text);
                let fixed: Value = serde_json::from_str(&documents[0].text).unwrap();
                assert_eq!(
                    fixed, expected,
                    "{what}: the fix in the host means what the fix of the policy alone does:\n{}",
                    outcome.text
                );
                assert_eq!(fix(&outcome.text).text, outcome.text, "{what}: not settled");
                changed += usize::from(outcome.text != host);
            }
        }
    }
    assert!(changed > 300, "hosts changed: {changed}");
}
