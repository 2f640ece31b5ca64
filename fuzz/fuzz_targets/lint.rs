//! Parse and lint arbitrary bytes with every rule: no panic, and every diagnostic's span
//! lies on character boundaries inside the text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use policylint::rules::RuleSet;
use std::sync::LazyLock;

static RULES: LazyLock<RuleSet> = LazyLock::new(|| RuleSet::builtin().expect("built-in rules load"));

fuzz_target!(|data: &[u8]| {
    let (report, _) = policylint::runner::lint_bytes(&RULES, "fuzz.json".into(), data.to_vec());
    let text = report.text.as_deref().unwrap_or("");
    for d in &report.diagnostics {
        assert!(d.span.start <= d.span.end && d.span.end <= text.len(), "{d:?}");
        assert!(text.is_char_boundary(d.span.start) && text.is_char_boundary(d.span.end), "{d:?}");
    }
});
