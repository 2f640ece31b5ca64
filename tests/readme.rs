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
            "cargo run --release -- check fixtures/seeds",
            "cargo run --release -- check fixtures/ --output-format concise",
            "cargo test"
        ]
    );
    // The seeds first: the command whose output the README shows.
    assert!(
        readme.contains("`cargo run --release -- check fixtures/seeds` lints the two policies"),
        "the example below is the first command's output"
    );
    let ci = fs::read_to_string(".ci/run").unwrap();
    assert!(
        ci.lines().any(|line| line.trim() == commands[2]),
        ".ci/run must run the README's test command"
    );
    assert!(
        ci.contains("cargo fmt --check")
            && ci.contains("cargo clippy --all-targets -- -D warnings")
    );
}

/// A `rust-version` string (`1.88` or `1.88.0`) as numbers.
fn rust_version(text: &str) -> (u64, u64, u64) {
    let mut parts = text.split('.').map(|p| p.parse::<u64>().unwrap());
    let major = parts.next().unwrap();
    (major, parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

/// `rust-version` in Cargo.toml is the real minimum: no locked dependency declares a
/// higher one (the code's own needs are let chains, 1.88, and clippy's `incompatible_msrv`
/// checks the standard library items it uses), and the README's quick start says it.
#[test]
fn the_declared_rust_version_covers_every_locked_crate() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let version = std::process::Command::new(&cargo)
        .arg("-vV")
        .output()
        .unwrap();
    let version = String::from_utf8(version.stdout).unwrap();
    let host = version
        .lines()
        .find_map(|line| line.strip_prefix("host: "))
        .expect("cargo -vV names the host");
    // The packages this machine builds (other platforms' crates need not be downloaded).
    let output = std::process::Command::new(&cargo)
        .args(["metadata", "--locked", "--offline", "--format-version", "1"])
        .args(["--filter-platform", host])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let packages = metadata["packages"].as_array().unwrap();
    let ours = packages.iter().find(|p| p["name"] == "policylint").unwrap();
    let declared = ours["rust_version"]
        .as_str()
        .expect("Cargo.toml sets rust-version");
    let (needed, by) = packages
        .iter()
        .filter(|p| p["name"] != "policylint")
        .filter_map(|p| {
            Some((
                rust_version(p["rust_version"].as_str()?),
                p["name"].as_str()?,
            ))
        })
        .max()
        .expect("some dependency declares a rust-version");
    assert!(packages.len() > 100, "{} packages", packages.len());
    assert!(
        rust_version(declared) >= needed,
        "Cargo.toml declares rust-version {declared}, but {by} needs {needed:?}"
    );
    let readme = fs::read_to_string("README.md").unwrap();
    let (major, minor, _) = rust_version(declared);
    assert!(
        readme.contains(&format!("Rust toolchain ({major}.{minor} or newer)")),
        "the README's quick start names another minimum"
    );
}
