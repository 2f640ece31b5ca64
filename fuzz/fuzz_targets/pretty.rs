//! Lint arbitrary bytes, under a file name that may hold escapes, and render them in every
//! human format: the promises `tests/common/human_formats.rs` checks hold for any input.
#![no_main]

#[path = "../../tests/common/human_formats.rs"]
mod human_formats;

use libfuzzer_sys::fuzz_target;
use policylint::rules::RuleSet;
use std::sync::LazyLock;

static RULES: LazyLock<RuleSet> = LazyLock::new(|| RuleSet::builtin().expect("built-in rules load"));

fuzz_target!(|data: &[u8]| {
    // The first byte picks the name the report is under, so that paths are fuzzed too.
    let (name, data) = match data.split_first() {
        Some((&n, rest)) if n < 0x20 => (format!("p{}\u{1b}[0m\u{202e}.json", n as char), rest),
        _ => ("fuzz.json".to_string(), data),
    };
    let (report, _) = policylint::runner::lint_bytes(&RULES, name, data.to_vec());
    human_formats::check_human_formats("fuzz input", &[report]);
});
