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
/// same way (one function): `select`, `ignore`, `[severity]`, `per-file-ignores`,
/// `[[ignore]]`.
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
        (
            "[[ignore]]\nrule = \"PL2011\"\npaths = [\"x\"]\nreason = \"r\"\n",
            "policylint.toml:2:",
            "`PL201`",
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

/// A legacy policy: in the statement `LegacyRead`, a repeated action (PL201) and
/// `oss:GetObject` on `*` (PL302); in the second, `oss:PutObject` on `*` (PL302) and a
/// resource that `*` covers (PL204); and no ListBuckets (PL401, info).
const LEGACY: &str = r#"{"Version": "1", "Statement": [
  {"Sid": "LegacyRead", "Effect": "Allow", "Action": ["oss:GetObject", "oss:GetObject"], "Resource": "*"},
  {"Effect": "Allow", "Action": "oss:PutObject", "Resource": ["*", "acs:oss:*:*:b/*"]}
]}
"#;

/// Runs `policylint check` in `dir` with JSON output; returns the exit code, each finding
/// as `path:line CODE`, and stderr.
fn run_lines(dir: &Path, args: &[&str]) -> (i32, Vec<String>, String) {
    let output = Command::cargo_bin("policylint")
        .unwrap()
        .current_dir(dir)
        .args(["check", "--output-format", "json"])
        .args(args)
        .output()
        .unwrap();
    let json: serde_json::Value =
        serde_json::from_slice(&output.stdout).unwrap_or(serde_json::Value::Null);
    let findings = json["diagnostics"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|d| {
                    format!(
                        "{}:{} {}",
                        d["path"].as_str().unwrap(),
                        d["start"]["line"],
                        d["code"].as_str().unwrap()
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.code().unwrap(), findings, stderr)
}

#[test]
fn ignore_entries_silence_one_rule_by_path_statement_or_place() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "legacy/a.json", LEGACY);
    write(dir.path(), "other/a.json", LEGACY);
    write(
        dir.path(),
        "policylint.toml",
        r#"[[ignore]]
rule = "wildcard-resource"
paths = ["legacy/**"]
sid = "LegacyRead"
reason = "SEC-12"

[[ignore]]
rule = "PL204"
paths = ["legacy/*.json"]
pointer = "/Statement/1/Resource/1"
reason = "SEC-13"

[[ignore]]
rule = "missing-list-buckets"
paths = ["legacy/**"]
reason = "no console users"
"#,
    );
    let (status, findings, stderr) = run_lines(dir.path(), &["."]);
    assert_eq!(status, 1, "{stderr}");
    assert_eq!(
        findings,
        [
            // The other statement's PL302 is not in `LegacyRead`.
            "legacy/a.json:2 PL201",
            "legacy/a.json:3 PL302",
            "other/a.json:2 PL401",
            "other/a.json:2 PL201",
            "other/a.json:2 PL302",
            "other/a.json:3 PL302",
            "other/a.json:3 PL204",
        ]
    );
    // An inline table in the `ignore` list works too, next to rules turned off.
    write(
        dir.path(),
        "policylint.toml",
        "ignore = [\"PL401\", {rule = \"duplicate-action\", paths = [\"legacy/a.json\"], pointer = \"/Statement/0/Action/1\", reason = \"r\"}]\n",
    );
    let (_, findings, _) = run_lines(dir.path(), &["legacy"]);
    assert_eq!(
        findings,
        [
            "legacy/a.json:2 PL302",
            "legacy/a.json:3 PL302",
            "legacy/a.json:3 PL204"
        ]
    );
}

#[test]
fn ignore_entry_mistakes_stop_the_run_with_the_line() {
    let entry = |body: &str| format!("fail-on = \"warning\"\n\n[[ignore]]\n{body}");
    let cases = [
        (
            entry("rule = \"PL201\"\npath = [\"x\"]\nreason = \"r\"\n"),
            "policylint.toml:5:1",
            "unknown field `path`",
        ),
        (
            entry("rule = \"wildcard-resorce\"\npaths = [\"x\"]\nreason = \"r\"\n"),
            "policylint.toml:4:8",
            "did you mean `wildcard-resource`?",
        ),
        (
            entry("rule = \"PL2\"\npaths = [\"x\"]\nreason = \"r\"\n"),
            "policylint.toml:4:8",
            "`PL2` is not a rule name or code",
        ),
        (
            entry("rule = \"PL201\"\npaths = [\"x/{\"]\nreason = \"r\"\n"),
            "policylint.toml:5:10",
            "not a valid glob",
        ),
        (
            entry("rule = \"PL201\"\npaths = [\"x\"]\npointer = \"Statement/0\"\nreason = \"r\"\n"),
            "policylint.toml:6:11",
            "not a JSON Pointer",
        ),
        (
            entry("rule = \"PL201\"\npaths = [\"x\"]\npointer = \"/a~2\"\nreason = \"r\"\n"),
            "policylint.toml:6:11",
            "not a JSON Pointer",
        ),
        (
            entry("rule = \"PL201\"\npaths = [\"x\"]\n"),
            "policylint.toml:3:1",
            "missing field `reason`",
        ),
        (
            entry("rule = \"PL201\"\npaths = [\"x\"]\nreason = \" \"\n"),
            "policylint.toml:6:10",
            "non-empty `reason`",
        ),
        (
            entry(
                "rule = \"PL201\"\npaths = [\"x\"]\nsid = \"A\"\npointer = \"/a\"\nreason = \"r\"\n",
            ),
            "policylint.toml:7:11",
            "`sid` or `pointer`, not both",
        ),
        (
            format!(
                "ignore = [\"PL401\"]\n{}",
                entry("rule = \"PL201\"\npaths = [\"x\"]\nreason = \"r\"\n")
            ),
            "policylint.toml:4:3",
            "cannot follow an `ignore = [...]` line",
        ),
    ];
    for (config, place, message) in cases {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "policylint.toml", &config);
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

/// Three entries: one used, one whose pointer misses (the repeat is entry 1, not 0), one
/// for files that are gone.
const ENTRIES_TO_JUDGE: &str = r#"# Legacy findings, tracked in SEC-12.
[[ignore]]
rule = "wildcard-resource"
paths = ["legacy/**"]
reason = "SEC-12"

[[ignore]]
rule = "duplicate-action"
paths = ["legacy/a.json"]
pointer = "/Statement/0/Action/0"
reason = "SEC-13"

[[ignore]]
rule = "full-access"
paths = ["gone/**"]
reason = "SEC-14"
"#;

#[test]
fn unused_ignores_are_reported_when_the_run_saw_every_file_they_cover() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "legacy/a.json", LEGACY);
    write(dir.path(), "other/a.json", REPEATED);
    write(dir.path(), "policylint.toml", ENTRIES_TO_JUDGE);
    let unused = |args: &[&str]| -> Vec<String> {
        let (_, findings, stderr) = run_lines(dir.path(), args);
        assert!(!stderr.contains("error"), "{stderr}");
        findings
            .into_iter()
            .filter(|f| f.starts_with("policylint.toml"))
            .collect()
    };
    // A walk of the whole folder saw everything: both unused entries are reported.
    assert_eq!(
        unused(&["."]),
        ["policylint.toml:7 PL010", "policylint.toml:13 PL010"]
    );
    // A walk of `legacy/` cannot know about `gone/**`.
    assert_eq!(unused(&["legacy"]), ["policylint.toml:7 PL010"]);
    // A pre-commit run over named files judges only the entries that name those files.
    assert_eq!(unused(&["legacy/a.json"]), ["policylint.toml:7 PL010"]);
    assert!(unused(&["other/a.json"]).is_empty());
    // Standard input is a fragment of a run: nothing is judged.
    let output = Command::cargo_bin("policylint")
        .unwrap()
        .current_dir(dir.path())
        .args(["check", "--output-format", "concise"])
        .args(["--stdin-filename", "legacy/a.json", "-", "."])
        .write_stdin(LEGACY)
        .output()
        .unwrap();
    assert!(
        !String::from_utf8_lossy(&output.stdout).contains("PL010"),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    // A rule the run does not check is not judged; the rule itself can be turned off.
    assert_eq!(
        unused(&["--select", "PL2,PL010", "."]),
        ["policylint.toml:7 PL010"]
    );
    assert!(unused(&["--ignore", "unused-ignore", "."]).is_empty());
    // A file that cannot be read may hold what an entry silences: nothing is judged.
    #[cfg(unix)]
    {
        use std::os::unix::fs::symlink;
        symlink("nowhere.json", dir.path().join("legacy/broken.json")).unwrap();
        let (_, findings, _) = run_lines(dir.path(), &["legacy/a.json", "legacy/broken.json"]);
        assert!(findings.iter().any(|f| f.contains("PL000")), "{findings:?}");
        assert!(
            !findings.iter().any(|f| f.contains("PL010")),
            "{findings:?}"
        );
    }
}

#[test]
fn unused_ignores_are_diagnostics_in_the_config_file() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "legacy/a.json", LEGACY);
    write(dir.path(), "policylint.toml", ENTRIES_TO_JUDGE);
    let output = |format: &str| {
        let output = Command::cargo_bin("policylint")
            .unwrap()
            .current_dir(dir.path())
            .args(["check", "--color", "never", "--select", "PL010,PL2,PL3"])
            .args(["--output-format", format, "."])
            .env_remove("NO_COLOR")
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1));
        String::from_utf8(output.stdout).unwrap()
    };
    insta::with_settings!({ snapshot_path => "snapshots/config", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("unused-ignore.pretty", output("pretty"));
        insta::assert_snapshot!("unused-ignore.concise", output("concise"));
        insta::assert_snapshot!("unused-ignore.json", output("json"));
    });
}

/// `json`, `junit` and `sarif` are written as they go (through a temporary file); the unused
/// ignores, known only at the end, still take their place by path among the files'
/// reports, and the document is byte for byte the one built whole (`--verbose` builds it
/// whole).
#[test]
fn streamed_documents_place_late_reports_by_path() {
    let dir = tempfile::tempdir().unwrap();
    for path in ["legacy/a.json", "a.json", "z.json"] {
        write(dir.path(), path, LEGACY);
    }
    write(dir.path(), "policylint.toml", ENTRIES_TO_JUDGE);
    let output = |format: &str, verbose: bool| {
        let mut command = Command::cargo_bin("policylint").unwrap();
        command
            .current_dir(dir.path())
            .args(["check", "--select", "PL010,PL2,PL3"]);
        command.args(["--output-format", format, "."]);
        if verbose {
            command.arg("--verbose");
        }
        String::from_utf8(command.output().unwrap().stdout).unwrap()
    };
    assert_eq!(output("junit", false), output("junit", true));
    assert_eq!(output("sarif", false), output("sarif", true));
    let streamed = output("json", false);
    assert_eq!(streamed, output("json", true));
    let document: serde_json::Value = serde_json::from_str(&streamed).unwrap();
    let paths: Vec<&str> = document["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["path"].as_str().unwrap())
        .collect();
    let first_config = paths.iter().position(|p| *p == "policylint.toml").unwrap();
    assert!(
        paths[..first_config].iter().all(|p| *p != "z.json"),
        "{paths:?}"
    );
    assert!(paths[..first_config].contains(&"a.json"), "{paths:?}");
    assert!(paths[first_config..].contains(&"z.json"), "{paths:?}");
}

fn add_ignores(dir: &Path, args: &[&str]) -> (i32, String) {
    let output = Command::cargo_bin("policylint")
        .unwrap()
        .current_dir(dir)
        .args(["check", "--add-ignores"])
        .args(args)
        .output()
        .unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn add_ignores_baselines_every_finding_so_the_same_check_passes() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "legacy/a.json", LEGACY);
    write(dir.path(), "legacy/b.json", REPEATED);
    // A folder with its own config: its files' entries go there, relative to it.
    write(
        dir.path(),
        "team/policylint.toml",
        "fail-on = \"warning\"\n",
    );
    write(dir.path(), "team/c.json", REPEATED);
    // Kept byte for byte: a comment, CRLF line endings, no final line break.
    let config = "# our config\r\nfail-on = \"info\"";
    write(dir.path(), "policylint.toml", config);
    let (status, findings, _) = run_lines(dir.path(), &[]);
    assert_eq!((status, findings.len()), (1, 9), "{findings:?}");

    let (status, stderr) = add_ignores(dir.path(), &[]);
    assert_eq!(status, 0, "{stderr}");
    assert!(
        stderr.contains("Added 7 `[[ignore]]` entries to policylint.toml.")
            && stderr.contains("Added 2 `[[ignore]]` entries to team/policylint.toml."),
        "{stderr}"
    );
    let written = fs::read_to_string(dir.path().join("policylint.toml")).unwrap();
    assert!(written.starts_with(config), "{written}");
    insta::with_settings!({ snapshot_path => "snapshots/config", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("add-ignores.appended", written[config.len()..].replace("\r\n", "\n"));
    });
    assert!(
        !written[config.len()..].replace("\r\n", "").contains('\n'),
        "CRLF kept"
    );
    let team = fs::read_to_string(dir.path().join("team/policylint.toml")).unwrap();
    assert!(team.contains("paths = [\"c.json\"]"), "{team}");

    // The same check now passes, with no entry unused.
    let (status, findings, stderr) = run_lines(dir.path(), &[]);
    assert_eq!((status, findings), (0, Vec::<String>::new()), "{stderr}");
    // Nothing is added twice.
    let (status, stderr) = add_ignores(dir.path(), &[]);
    assert_eq!(status, 0);
    assert!(stderr.contains("No findings to ignore."), "{stderr}");
    assert_eq!(
        fs::read_to_string(dir.path().join("policylint.toml")).unwrap(),
        written
    );
    // A new finding still fails.
    write(dir.path(), "legacy/new.json", REPEATED);
    let (status, findings, _) = run_lines(dir.path(), &[]);
    assert_eq!(status, 1);
    assert!(
        findings.iter().all(|f| f.starts_with("legacy/new.json")),
        "{findings:?}"
    );
}

#[test]
fn ignore_entries_place_findings_inside_the_policies_of_templates() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = "Resources:\n  Reader:\n    Type: ALIYUN::RAM::ManagedPolicy\n    Properties:\n      PolicyDocument:\n        Version: '1'\n        Statement:\n          - Effect: Allow\n            Action:\n              - oss:GetObject\n              - oss:GetObject\n            Resource: acs:oss:*:*:b/*\n";
    let template = r#"{"Resources": {"R": {"Type": "ALIYUN::RAM::ManagedPolicy", "Properties": {"PolicyDocument": {"Version": "1", "Statement": [{"Sid": "Read", "Effect": "Allow", "Action": ["oss:GetObject", "oss:GetObject"], "Resource": "acs:oss:*:*:b/*"}]}}}}}"#;
    write(dir.path(), "stack.yaml", yaml);
    write(dir.path(), "stack.template", template);
    let (status, stderr) = add_ignores(dir.path(), &[]);
    assert_eq!(status, 0, "{stderr}");
    let written = fs::read_to_string(dir.path().join("policylint.toml")).unwrap();
    // Placed in the policy document, as in a policy file: not the whole file.
    assert!(
        written.contains("pointer = \"/Statement/0/Action/1\""),
        "{written}"
    );
    let (status, findings, stderr) = run_lines(dir.path(), &[]);
    assert_eq!((status, findings), (0, Vec::<String>::new()), "{stderr}");
    // The same rule elsewhere in the same files still fails.
    write(
        dir.path(),
        "stack.yaml",
        &yaml.replace(
            "            Resource:",
            "              - oss:PutObject\n              - oss:PutObject\n            Resource:",
        ),
    );
    let (status, findings, _) = run_lines(dir.path(), &[]);
    assert_eq!(status, 1);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert!(findings[0].starts_with("stack.yaml:13 "), "{findings:?}");
}

#[test]
fn add_ignores_creates_a_config_or_leaves_one_it_cannot_extend() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.json", REPEATED);
    let (status, stderr) = add_ignores(dir.path(), &[]);
    assert_eq!(status, 0, "{stderr}");
    assert!(
        stderr.contains("Added 2 `[[ignore]]` entries to policylint.toml."),
        "{stderr}"
    );
    let (status, findings, _) = run_lines(dir.path(), &[]);
    assert_eq!((status, findings), (0, Vec::<String>::new()));

    // `ignore = [...]` and `[[ignore]]` cannot share a file: nothing is written.
    let inline = "ignore = [\"PL401\"]\n";
    write(dir.path(), "policylint.toml", inline);
    let (status, stderr) = add_ignores(dir.path(), &[]);
    assert_eq!(status, 2);
    assert!(
        stderr.contains("cannot add `[[ignore]]` entries to")
            && stderr.contains("cannot follow an `ignore = [...]` line"),
        "{stderr}"
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("policylint.toml")).unwrap(),
        inline
    );
    // Standard input has no file to name.
    let (status, stderr) = add_ignores(dir.path(), &["-"]);
    assert_eq!(status, 2, "{stderr}");
}

/// `unused-ignore` on AWS policies: an entry that silences a finding by `sid` is used, one
/// naming a Sid the policy does not have is reported at its line.
#[test]
fn unused_ignores_of_aws_policies_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "iam/deploy.json",
        r#"{"Version": "2012-10-17", "Statement": [
  {"Sid": "Deploy", "Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}
]}"#,
    );
    write(
        dir.path(),
        "policylint.toml",
        r#"[[ignore]]
rule = "wildcard-resource"
paths = ["iam/*.json"]
sid = "Deploy"
reason = "SEC-20"

[[ignore]]
rule = "wildcard-resource"
paths = ["iam/*.json"]
sid = "Renamed"
reason = "SEC-21"
"#,
    );
    let (_, findings, stderr) = run_lines(dir.path(), &["."]);
    assert!(!stderr.contains("error"), "{stderr}");
    assert_eq!(findings, ["policylint.toml:7 PL010"], "{stderr}");
}

/// `sarif` is written as it goes too, though its `tool.driver.rules` and each result's
/// `ruleIndex` depend on every config of the run: here the config met last (in `z/`)
/// brings a team rule whose code sorts before every built-in one, so the indexes of the
/// results spilled before it was met all move. The document is byte for byte the one
/// built whole (`--verbose`), across streaming chunks, with a PL000 notification.
#[test]
fn streamed_sarif_indexes_rules_of_configs_met_late() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "policylint.toml", "select = [\"PL2\"]\n");
    // More files than one streaming chunk holds.
    for i in 0..2100 {
        write(dir.path(), &format!("a/p{i:04}.json"), REPEATED);
    }
    let team = root().join("fixtures/custom-rules/team-rules");
    for entry in fs::read_dir(&team).unwrap() {
        let entry = entry.unwrap();
        let copy = dir.path().join("z/policy-rules").join(entry.file_name());
        fs::create_dir_all(copy.parent().unwrap()).unwrap();
        fs::copy(entry.path(), copy).unwrap();
    }
    write(
        dir.path(),
        "z/policylint.toml",
        "rules-dirs = [\"policy-rules\"]\nselect = [\"team\", \"PL2\"]\n",
    );
    let policy = root().join("fixtures/custom-rules/delete-bucket.json");
    fs::copy(&policy, dir.path().join("z/p.json")).unwrap();
    let output = |verbose: bool| {
        let mut command = Command::cargo_bin("policylint").unwrap();
        command.current_dir(dir.path()).args([
            "check",
            "--output-format",
            "sarif",
            ".",
            "gone.json",
        ]);
        if verbose {
            command.arg("--verbose");
        }
        String::from_utf8(command.output().unwrap().stdout).unwrap()
    };
    let streamed = output(false);
    assert_eq!(streamed, output(true));
    let document: serde_json::Value = serde_json::from_str(&streamed).unwrap();
    let run = &document["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules[0]["id"], "ACME001");
    let results = run["results"].as_array().unwrap();
    assert!(results.len() > 2100, "{}", results.len());
    assert!(results.iter().any(|r| r["ruleId"] == "ACME001"));
    for result in results {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"], "{result}");
    }
    let notifications = run["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert_eq!(notifications.len(), 1);
}
