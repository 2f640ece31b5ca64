//! Config files and team rules as users meet them: nested configs, per-file ignores,
//! severity overrides, config errors (exit 2, with the config's line), custom rule
//! folders, and standard input under `--stdin-filename`.

mod common;

use assert_cmd::Command;
use common::root;
use std::fs;
use std::path::Path;

/// A policy with a repeated action (PL201, warning) and OSS access without ListBuckets
/// (PL401, info).
const REPEATED: &str = r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": ["oss:GetObject", "oss:GetObject"], "Resource": "acs:oss:*:*:reports/*"}]}"#;

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

/// Runs in `dir`; returns (exit code, codes per reported path, stderr).
fn run(dir: &Path, args: &[&str]) -> (i32, Vec<(String, String, String)>, String) {
    let output = Command::cargo_bin("policylint")
        .unwrap()
        .current_dir(dir)
        .args(["check", "--output-format", "json"])
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let json: serde_json::Value =
        serde_json::from_slice(&output.stdout).unwrap_or(serde_json::Value::Null);
    let findings = json["diagnostics"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|d| {
                    (
                        d["path"].as_str().unwrap().to_string(),
                        d["code"].as_str().unwrap().to_string(),
                        d["severity"].as_str().unwrap().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    (output.status.code().unwrap(), findings, stderr)
}

/// The codes reported for `path`, sorted.
fn codes_for<'a>(findings: &'a [(String, String, String)], path: &str) -> Vec<&'a str> {
    let mut codes: Vec<&str> = findings
        .iter()
        .filter(|f| f.0 == path)
        .map(|f| f.1.as_str())
        .collect();
    codes.sort();
    codes
}

#[test]
fn the_nearest_config_upward_wins() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "policylint.toml",
        "ignore = [\"missing-list-buckets\"]\n",
    );
    write(dir.path(), "team/.policylint.toml", "select = [\"PL4\"]\n");
    write(dir.path(), "a.json", REPEATED);
    write(dir.path(), "team/b.json", REPEATED);
    write(dir.path(), "team/deeper/c.json", REPEATED);
    let (_, findings, _) = run(dir.path(), &["."]);
    assert_eq!(codes_for(&findings, "a.json"), ["PL201"]);
    assert_eq!(codes_for(&findings, "team/b.json"), ["PL401"]);
    assert_eq!(codes_for(&findings, "team/deeper/c.json"), ["PL401"]);

    // --config applies one file to everything; --no-config ignores them all.
    let (_, findings, _) = run(dir.path(), &["--config", "team/.policylint.toml", "."]);
    assert_eq!(codes_for(&findings, "a.json"), ["PL401"]);
    let (_, findings, _) = run(dir.path(), &["--no-config", "."]);
    assert_eq!(codes_for(&findings, "a.json"), ["PL201", "PL401"]);
    // The command line beats the config.
    let (_, findings, _) = run(dir.path(), &["--select", "PL201", "."]);
    assert_eq!(codes_for(&findings, "team/b.json"), ["PL201"]);
}

#[test]
fn per_file_ignores_and_severity_overrides() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "policylint.toml",
        r#"fail-on = "error"
[severity]
missing-list-buckets = "error"
[[per-file-ignores]]
paths = ["legacy/**"]
rules = ["PL401", "redundancy"]
reason = "legacy buckets, tracked in SEC-12"
"#,
    );
    write(dir.path(), "new.json", REPEATED);
    write(dir.path(), "legacy/old/p.json", REPEATED);
    let (status, findings, _) = run(dir.path(), &["."]);
    assert!(
        findings.contains(&("new.json".into(), "PL401".into(), "error".into())),
        "{findings:?}"
    );
    assert!(findings.contains(&("new.json".into(), "PL201".into(), "warning".into())));
    assert!(
        codes_for(&findings, "legacy/old/p.json").is_empty(),
        "{findings:?}"
    );
    assert_eq!(status, 1, "PL401 is an error now, and fail-on is error");

    // Ignored rules are not fixed either.
    let output = Command::cargo_bin("policylint")
        .unwrap()
        .current_dir(dir.path())
        .args(["check", "--fix", "."])
        .output()
        .unwrap();
    assert!(output.status.code().is_some());
    assert_eq!(
        fs::read_to_string(dir.path().join("legacy/old/p.json")).unwrap(),
        REPEATED
    );
    assert_ne!(
        fs::read_to_string(dir.path().join("new.json")).unwrap(),
        REPEATED
    );
}

#[test]
fn include_and_exclude_shape_folder_walks() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "policylint.toml",
        "include = [\"**/*.json\", \"**/*.policy\"]\nexclude = [\"vendor/**\"]\n",
    );
    write(dir.path(), "a.policy", REPEATED);
    write(dir.path(), "vendor/b.json", REPEATED);
    write(dir.path(), "c.json", REPEATED);
    let (_, findings, _) = run(dir.path(), &["."]);
    let mut paths: Vec<&str> = findings.iter().map(|f| f.0.as_str()).collect();
    paths.dedup();
    assert_eq!(paths, ["a.policy", "c.json"]);
    // A file named on the command line is always linted.
    let (_, findings, _) = run(dir.path(), &["vendor/b.json"]);
    assert!(!findings.is_empty());
}

#[test]
fn config_errors_stop_the_run_with_the_line() {
    let cases = [
        (
            "select = [\"PL2\"]\nunknown-key = 1\n",
            "policylint.toml:2:1",
            "unknown field `unknown-key`",
        ),
        (
            "ignore = [\"PL201\",\n  \"wildcard-resorce\"]\n",
            "policylint.toml:2:3",
            "matches no rule",
        ),
        (
            "exclude = [\"a/{b\"]\n",
            "policylint.toml:1:12",
            "not a valid glob",
        ),
        (
            "[[per-file-ignores]]\npaths = [\"x/**\"]\nrules = [\"PL201\"]\nreason = \"  \"\n",
            "policylint.toml:4:10",
            "non-empty `reason`",
        ),
    ];
    for (config, place, message) in cases {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "policylint.toml", config);
        write(dir.path(), "a.json", REPEATED);
        let (status, findings, stderr) = run(dir.path(), &["."]);
        assert_eq!(status, 2, "{config:?}: {stderr}");
        assert!(findings.is_empty());
        assert!(
            stderr.contains(place) && stderr.contains(message),
            "{config:?}: {stderr}"
        );
    }
}

/// Every place a config names rules suggests the closest name, code or category, the
/// same way (one function): `select`, `ignore`, `[severity]`, `per-file-ignores`.
#[test]
fn misspelt_rule_names_in_a_config_get_did_you_mean() {
    let cases = [
        ("select = [\"PL2011\"]\n", "policylint.toml:1:", "`PL201`"),
        (
            "ignore = [\"PL201\",\n  \"wildcard-resorce\"]\n",
            "policylint.toml:2:3",
            "`wildcard-resource`",
        ),
        (
            "ignore = [\"securty\"]\n",
            "policylint.toml:1:",
            "`security`",
        ),
        (
            "[severity]\nduplicate-actoin = \"error\"\n",
            "policylint.toml:2:1",
            "`duplicate-action`",
        ),
        (
            "[[per-file-ignores]]\npaths = [\"x/**\"]\nrules = [\"unreplaced-placeholders\"]\nreason = \"x\"\n",
            "policylint.toml:3:",
            "`unreplaced-placeholder`",
        ),
    ];
    for (config, place, suggestion) in cases {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "policylint.toml", config);
        write(dir.path(), "a.json", REPEATED);
        let (status, _, stderr) = run(dir.path(), &["."]);
        assert_eq!(status, 2, "{config:?}: {stderr}");
        assert!(
            stderr.contains(place) && stderr.contains(&format!("did you mean {suggestion}?")),
            "{config:?}: {stderr}"
        );
    }
    // Nothing close: no guess. PL000 is not a rule, and says so.
    for (config, message) in [
        (
            "ignore = [\"PL999\"]\n",
            "`PL999` matches no rule name, code, code prefix or category\n",
        ),
        (
            "ignore = [\"PL000\"]\n",
            "`PL000` is not a rule: PL000 reports files policylint could not check",
        ),
        (
            "[severity]\nio-error = \"info\"\n",
            "`io-error` is not a rule",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "policylint.toml", config);
        let (status, _, stderr) = run(dir.path(), &["."]);
        assert_eq!(status, 2);
        assert!(stderr.contains(message), "{config:?}: {stderr}");
    }
}

#[test]
fn team_rule_folders_load_and_broken_rules_stop_the_run() {
    let team = root().join("fixtures/custom-rules/team-rules");
    let policy = root().join("fixtures/custom-rules/delete-bucket.json");
    let dir = tempfile::tempdir().unwrap();
    let (status, findings, _) = run(
        dir.path(),
        &["--rules", team.to_str().unwrap(), policy.to_str().unwrap()],
    );
    assert_eq!(status, 1);
    let team_findings: Vec<_> = findings.iter().filter(|f| f.1 == "ACME001").collect();
    assert_eq!(
        team_findings.len(),
        1,
        "only the Allow of `oss:Delete*`, not the Deny: {findings:?}"
    );

    // The same rules from a config's rules-dirs, relative to the config (and inside the
    // folder it governs).
    for entry in fs::read_dir(&team).unwrap() {
        let entry = entry.unwrap();
        let copy = dir.path().join("policy-rules").join(entry.file_name());
        fs::create_dir_all(copy.parent().unwrap()).unwrap();
        fs::copy(entry.path(), copy).unwrap();
    }
    write(
        dir.path(),
        "policylint.toml",
        "rules-dirs = [\"policy-rules\"]\nselect = [\"team\"]\n",
    );
    fs::copy(&policy, dir.path().join("p.json")).unwrap();
    let (_, findings, _) = run(dir.path(), &["p.json"]);
    assert_eq!(codes_for(&findings, "p.json"), ["ACME001"]);

    let broken = root().join("fixtures/custom-rules/broken-rules");
    let (status, findings, stderr) = run(
        dir.path(),
        &["--no-config", "--rules", broken.to_str().unwrap(), "p.json"],
    );
    assert_eq!(status, 2);
    assert!(findings.is_empty());
    assert!(
        stderr.contains("ACME002-bad-path.toml:10:") && stderr.contains("not a valid JSONPath"),
        "{stderr}"
    );
}

#[test]
fn stdin_takes_the_config_of_the_file_it_stands_for() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "strict/policylint.toml",
        "[severity]\nduplicate-action = \"error\"\n",
    );
    let output = Command::cargo_bin("policylint")
        .unwrap()
        .current_dir(dir.path())
        .args([
            "check",
            "--output-format",
            "json",
            "--stdin-filename",
            "strict/p.json",
            "-",
        ])
        .write_stdin(REPEATED)
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let duplicate = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "PL201")
        .unwrap();
    assert_eq!(duplicate["path"], "strict/p.json");
    assert_eq!(duplicate["severity"], "error");
}

#[test]
fn extra_actions_quiet_unknown_action() {
    let dir = tempfile::tempdir().unwrap();
    let policy = r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": ["kms:ListeAliases"], "Resource": "*"}]}"#;
    write(dir.path(), "p.json", policy);
    let (_, findings, _) = run(dir.path(), &["p.json"]);
    assert_eq!(codes_for(&findings, "p.json"), ["PL103"]);
    write(
        dir.path(),
        "policylint.toml",
        "extra-actions = [\"kms:ListeAliases\"]\n",
    );
    let (_, findings, _) = run(dir.path(), &["p.json"]);
    assert!(findings.is_empty(), "{findings:?}");
}

#[test]
fn a_broken_config_in_a_subfolder_stops_the_run_in_every_output_format() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.json", REPEATED);
    write(
        dir.path(),
        "team/policylint.toml",
        "select = [\"PL2\"]\nbogus = 1\n",
    );
    write(dir.path(), "team/b.json", REPEATED);
    for format in ["json", "concise"] {
        let output = Command::cargo_bin("policylint")
            .unwrap()
            .current_dir(dir.path())
            .args(["check", "--output-format", format, "."])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{format}: {stderr}");
        assert!(
            stderr.contains("policylint.toml:2:1") && stderr.contains("bogus"),
            "{format}: {stderr}"
        );
    }
}

#[test]
fn files_printed_before_a_broken_config_found_partway_stay_printed() {
    // More files before the broken config than one chunk of a streamed run holds, so the
    // error is met while earlier files are already linted and waiting to be printed.
    let dir = tempfile::tempdir().unwrap();
    let before = 2_100;
    for i in 0..before {
        write(dir.path(), &format!("a/{i:04}.json"), REPEATED);
    }
    write(dir.path(), "b/policylint.toml", "bogus = 1\n");
    write(dir.path(), "b/x.json", REPEATED);
    let output = Command::cargo_bin("policylint")
        .unwrap()
        .current_dir(dir.path())
        .args(["check", "--output-format", "concise", "."])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("policylint.toml:1:1"), "{stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let printed = stdout.lines().filter(|l| l.contains(" PL201 ")).count();
    assert!(
        (2048..before).contains(&printed),
        "the first chunk's files are printed, the broken folder's are not: {printed}"
    );
    assert!(!stdout.contains("b/x.json"), "{stdout}");
}
