//! Parse, lint and fix arbitrary text (safe and unsafe fixes): no panic; when the fix
//! engine keeps a result, it parses, and fixing it again changes nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use policylint::engine::lint_text;
use policylint::fix::{FixMode, fix_text};
use policylint::rules::RuleSet;
use std::sync::LazyLock;

static RULES: LazyLock<RuleSet> = LazyLock::new(|| RuleSet::builtin().expect("built-in rules load"));

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for mode in [FixMode::Safe, FixMode::Unsafe] {
        let outcome = fix_text(&RULES, text, lint_text(&RULES, text).diagnostics, mode);
        if outcome.text == text {
            continue;
        }
        assert!(policylint::parse::check_syntax(&outcome.text).is_ok(), "fixed text does not parse:\n{}", outcome.text);
        let again = fix_text(&RULES, &outcome.text, outcome.diagnostics, mode);
        assert_eq!(again.text, outcome.text, "a second fix changed the text again");
    }
});
