//! What the unit tests share.

use std::path::PathBuf;

/// Every readable text file under `fixtures/` (rule fixtures, seeds, the corpus,
/// regressions, hostile inputs), with its path, in walk order.
pub fn fixture_texts() -> Vec<(PathBuf, String)> {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    walkdir::WalkDir::new(fixtures)
        .sort_by_file_name()
        .into_iter()
        .filter_map(|entry| {
            let path = entry.ok()?.into_path();
            let text = std::fs::read_to_string(&path).ok()?;
            Some((path, text))
        })
        .collect()
}

/// `samples` followed by the text of every fixture.
pub fn with_fixture_texts(samples: &[&str]) -> Vec<String> {
    let fixtures = fixture_texts().into_iter().map(|(_, text)| text);
    samples
        .iter()
        .map(|s| s.to_string())
        .chain(fixtures)
        .collect()
}
