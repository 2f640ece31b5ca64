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

/// xorshift64*, seeded: reproducible random inputs for property tests, without a dependency.
pub struct Rng(pub u64);

impl Rng {
    /// A number below `n` (not 0).
    pub fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}
