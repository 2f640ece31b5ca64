//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod human_formats;
pub mod rng;

use policylint::rules::RuleSet;
use policylint::runner::{FileReport, lint_bytes};
use std::path::{Path, PathBuf};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Lints a file of the repository, reporting it under its repository-relative path, with
/// the `policylint.toml` of its folder if there is one (the guardrail rules' fixtures
/// need the guardrails they are checked against).
pub fn lint_repo_file(relative: &str) -> FileReport {
    let path = root().join(relative);
    let config = path.with_file_name("policylint.toml");
    let rules = if config.is_file() {
        policylint::config::load(&config, &policylint::config::Overrides::default())
            .expect("fixture config loads")
            .rules
    } else {
        RuleSet::builtin().expect("built-in rules load")
    };
    let bytes = std::fs::read(path).expect("fixture readable");
    lint_bytes(&rules, relative.to_string(), bytes).0
}

/// Every `*.json` file under a repository folder, as sorted repository-relative paths.
pub fn json_files(folder: &str) -> Vec<String> {
    let base = root();
    let mut files: Vec<String> = walkdir::WalkDir::new(base.join(folder))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "json"))
        .map(|e| relative(&base, e.path()))
        .collect();
    files.sort();
    files
}

fn relative(base: &Path, path: &Path) -> String {
    path.strip_prefix(base)
        .unwrap()
        .to_string_lossy()
        .replace('\\', "/")
}
