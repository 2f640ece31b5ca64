//! The real-policy corpus (`fixtures/corpus/`, 1,329 files, 73 not valid JSON): linting
//! never panics, every span lies on character boundaries inside its file, and every file
//! that is not strict JSON gets a `json-syntax` diagnostic.

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
        assert_eq!(
            syntax_error, !strict[path],
            "{path}: json-syntax should fire exactly on the non-strict files"
        );
    }
}
