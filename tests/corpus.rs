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
