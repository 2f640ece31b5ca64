//! The README cannot drift: its rule table is the `rules/` folder, its example output is
//! what the linter prints today, and its quick-start commands are the ones CI runs.

use policylint::rules::RuleSet;
use std::fs;

fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text
        .find(start)
        .unwrap_or_else(|| panic!("README lacks {start}"))
        + start.len();
    let to = text[from..]
        .find(end)
        .unwrap_or_else(|| panic!("README lacks {end}"))
        + from;
    text[from..to].trim()
}

fn rule_table() -> String {
    let rules = RuleSet::builtin().unwrap();
    let mut table = String::from(
        "| Code | Name | Severity | Category | Fix | What it reports |\n|---|---|---|---|---|---|\n",
    );
    for rule in &rules.rules {
        let fix = rule.doc.fix.map_or("".to_string(), |f| f.to_string());
        table.push_str(&format!(
            "| {} | `{}` | {} | {} | {} | {} |\n",
            rule.id.code,
            rule.id.name,
            rule.severity,
            rule.id.category,
            fix,
            rule.doc.summary.trim().replace('|', "\\|")
        ));
    }
    table.trim().to_string()
}

#[test]
fn rule_table_matches_the_rules_folder() {
    let readme = fs::read_to_string("README.md").unwrap();
    let expected = rule_table();
    assert!(
        between(&readme, "<!-- rules:start -->", "<!-- rules:end -->") == expected,
        "README rule table is out of date; put this between the rules markers:\n\n{expected}\n"
    );
}

#[test]
fn example_output_is_what_the_linter_prints() {
    let readme = fs::read_to_string("README.md").unwrap();
    let shown = between(&readme, "<!-- example:start -->", "<!-- example:end -->");
    let shown = shown
        .trim_start_matches("```text")
        .trim_end_matches("```")
        .trim();
    let output = assert_cmd::Command::cargo_bin("policylint")
        .unwrap()
        .args(["check", "fixtures/seeds", "--color", "never"])
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let printed = String::from_utf8(output.stdout).unwrap();
    assert!(
        shown == printed.trim(),
        "README example is out of date; the linter now prints:\n\n{printed}"
    );
}

#[test]
fn quick_start_commands_are_the_ones_ci_runs() {
    let readme = fs::read_to_string("README.md").unwrap();
    let quick_start = between(&readme, "```sh", "```");
    let commands: Vec<&str> = quick_start.lines().collect();
    assert_eq!(
        commands,
        [
            "cargo run --release -- check fixtures/ --output-format concise",
            "cargo test"
        ]
    );
    let ci = fs::read_to_string(".ci/run").unwrap();
    assert!(
        ci.lines().any(|line| line.trim() == commands[1]),
        ".ci/run must run the README's test command"
    );
    assert!(
        ci.contains("cargo fmt --check")
            && ci.contains("cargo clippy --all-targets -- -D warnings")
    );
}
