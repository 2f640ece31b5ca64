//! Parse, lint and fix arbitrary text (safe and unsafe fixes): no panic; when the fix
//! engine keeps a result, it parses, and fixing it again changes nothing. The same for
//! the text read as a JSON host (policies anywhere inside it), and for the text encoded in
//! a string of a host, where every edit is escaped and read back before it is kept, and
//! for the text read as YAML (JSON is YAML), where every edit is written as YAML, and for
//! the text in a Terraform heredoc and in a Markdown fenced block.
#![no_main]

use libfuzzer_sys::fuzz_target;
use policylint::engine::lint_text;
use policylint::fix::{FixMode, fix_host_text_keeping, fix_text};
use policylint::hosts::{self, HostKind};
use policylint::rules::RuleSet;
use std::sync::LazyLock;

static RULES: LazyLock<RuleSet> = LazyLock::new(|| RuleSet::builtin().expect("built-in rules load"));

/// Fixes `host` as a host of `kind` and checks what a kept result must be.
fn check_host(host: &str, mode: FixMode, kind: HostKind) {
    let diagnostics = hosts::lint_file(&RULES, kind, host).diagnostics;
    let outcome = fix_host_text_keeping(&RULES, kind, host, diagnostics, mode, &|_| true);
    if outcome.text == host {
        return;
    }
    assert!(hosts::check_syntax(kind, &outcome.text).is_ok(), "fixed host does not parse:\n{}", outcome.text);
    let again = fix_host_text_keeping(&RULES, kind, &outcome.text, outcome.diagnostics, mode, &|_| true);
    assert_eq!(again.text, outcome.text, "a second fix changed the host again");
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for mode in [FixMode::Safe, FixMode::Unsafe] {
        let outcome = fix_text(&RULES, text, lint_text(&RULES, text).diagnostics, mode);
        if outcome.text != text {
            assert!(policylint::parse::check_syntax(&outcome.text).is_ok(), "fixed text does not parse:\n{}", outcome.text);
            let again = fix_text(&RULES, &outcome.text, outcome.diagnostics, mode);
            assert_eq!(again.text, outcome.text, "a second fix changed the text again");
        }
        check_host(text, mode, HostKind::Json);
        let encoded = hosts::json::escape_for_string(text);
        check_host(&format!("{{\"Policy\": \"{encoded}\"}}"), mode, HostKind::Json);
        check_host(text, mode, HostKind::Yaml);
        if !text.lines().any(|line| line.trim() == "EOF") {
            let heredoc = format!("resource \"aws_iam_policy\" \"p\" {{\n  policy = <<EOF\n{text}\nEOF\n}}\n");
            check_host(&heredoc, mode, HostKind::Terraform);
        }
        if !text.contains("```") {
            check_host(&format!("# Policy\n\n```json\n{text}\n```\n"), mode, HostKind::Markdown);
        }
    }
});
