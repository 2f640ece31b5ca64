//! A small, deterministic fuzzer in the normal test suite: every fixture is mutated many
//! times (bytes inserted, deleted, swapped; JSON tokens duplicated, dropped, swapped) and
//! each mutant is linted and fixed. Nothing may panic, spans must lie inside the text, and
//! a fix the engine keeps must parse and be stable. The long runs are the cargo-fuzz
//! targets in `fuzz/`; inputs they found are kept in `fixtures/regressions/`.

mod common;

use common::human_formats::check_human_formats;
use common::rng::Rng;
use common::{json_files, root};
use policylint::engine::lint_text;
use policylint::fix::{FixMode, fix_text};
use policylint::rules::RuleSet;

const TOKENS: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b":",
    b"\"",
    b"\\",
    b"*",
    b"\"Statement\"",
    b"\"Action\"",
    b"\"Resource\"",
    b"\"Effect\": \"Allow\"",
    b"\"Condition\": {}",
    b"\"oss:*\"",
    b"null",
    b"\xC3\xA9",
    b"\xF0\x9F\x94\x91",
    b"\r\n",
    b"\t",
    b"\xEF\xBB\xBF",
    b"\x00",
    b"\xFF",
];

/// One random edit of `bytes`.
fn mutate(rng: &mut Rng, bytes: &mut Vec<u8>) {
    let len = bytes.len();
    match rng.below(6) {
        0 => {
            let at = rng.below(len + 1);
            let token = TOKENS[rng.below(TOKENS.len())];
            bytes.splice(at..at, token.iter().copied());
        }
        1 if len > 0 => {
            let at = rng.below(len);
            let end = (at + 1 + rng.below(8)).min(len);
            bytes.drain(at..end);
        }
        2 if len > 1 => {
            let (a, b) = (rng.below(len), rng.below(len));
            bytes.swap(a, b);
        }
        3 if len > 0 => {
            // Duplicate a run, as a copy-paste slip would.
            let at = rng.below(len);
            let end = (at + 1 + rng.below(40)).min(len);
            let run: Vec<u8> = bytes[at..end].to_vec();
            bytes.splice(end..end, run);
        }
        4 if len > 0 => {
            let at = rng.below(len);
            bytes[at] = (rng.next() & 0xFF) as u8;
        }
        _ => {
            // Swap two separators or brackets.
            let structural: Vec<usize> = bytes
                .iter()
                .enumerate()
                .filter(|(_, b)| b"{}[],:".contains(b))
                .map(|(i, _)| i)
                .collect();
            if structural.len() > 1 {
                let a = structural[rng.below(structural.len())];
                let b = structural[rng.below(structural.len())];
                bytes.swap(a, b);
            }
        }
    }
}

/// What a mutant exercised: (it parsed, a fix was kept).
fn check(rules: &RuleSet, name: &str, bytes: Vec<u8>) -> (bool, bool) {
    let (report, _) = policylint::runner::lint_bytes(rules, name.to_string(), bytes);
    let text = report.text.as_deref().unwrap_or("");
    for d in &report.diagnostics {
        assert!(
            d.span.end <= text.len()
                && text.is_char_boundary(d.span.start)
                && text.is_char_boundary(d.span.end),
            "{name}: span outside the text: {d:?}"
        );
    }
    if report
        .diagnostics
        .iter()
        .any(|d| d.rule.name == "json-syntax")
    {
        return (false, false);
    }
    let mut fixed = false;
    for mode in [FixMode::Safe, FixMode::Unsafe] {
        let outcome = fix_text(rules, text, lint_text(rules, text).diagnostics, mode);
        if outcome.text == text {
            continue;
        }
        assert!(
            policylint::parse::check_syntax(&outcome.text).is_ok(),
            "{name} ({mode:?}): fixed text does not parse:\n{}",
            outcome.text
        );
        let again = fix_text(rules, &outcome.text, outcome.diagnostics, mode);
        assert_eq!(
            again.text, outcome.text,
            "{name} ({mode:?}): a second fix changed the text"
        );
        fixed = true;
    }
    (true, fixed)
}

#[test]
fn mutated_fixtures_never_panic_and_fixes_stay_valid() {
    let rules = RuleSet::builtin().unwrap();
    let mut files = json_files("fixtures/rules");
    files.extend(json_files("fixtures/seeds"));
    let mut rng = Rng(0x005E_ED0F_F1C5);
    let (mut mutants, mut parsed, mut fixed) = (0, 0, 0);
    for path in &files {
        let original = std::fs::read(root().join(path)).unwrap();
        for round in 0..100 {
            let mut bytes = original.clone();
            for _ in 0..=rng.below(2) {
                mutate(&mut rng, &mut bytes);
            }
            let (did_parse, did_fix) = check(&rules, &format!("{path} (mutant {round})"), bytes);
            mutants += 1;
            parsed += usize::from(did_parse);
            fixed += usize::from(did_fix);
        }
    }
    // The property must be exercised: many mutants still parse, and many get fixes.
    assert!(
        mutants > 15_000 && parsed > 2_000 && fixed > 1_000,
        "mutants {mutants}, parsed {parsed}, fixed {fixed}"
    );
}

#[test]
fn inputs_the_fuzzers_found_stay_fixed() {
    let rules = RuleSet::builtin().unwrap();
    let dir = root().join("fixtures/regressions");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let (name, bytes) = (path.display().to_string(), std::fs::read(&path).unwrap());
        check(&rules, &name, bytes.clone());
        // The `pretty` target's finds: rendered in every human format.
        let (report, _) = policylint::runner::lint_bytes(&rules, name.clone(), bytes);
        check_human_formats(&name, &[report]);
        seen += 1;
    }
    assert!(seen > 0);
}
