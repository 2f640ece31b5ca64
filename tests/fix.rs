//! `--fix`, `--unsafe-fixes` and `--diff` as users run them: exactly the intended bytes
//! change, everything else (line endings, BOM, tabs, final newline, permissions, symlinks)
//! stays as it was, and nothing is written unless asked.

mod common;

use assert_cmd::Command;
use common::root;
use std::fs;
use std::path::{Path, PathBuf};

const SEED_OSS: &str = "fixtures/seeds/pai-designer-oss.json";

fn policylint() -> Command {
    let mut cmd = Command::cargo_bin("policylint").unwrap();
    cmd.env_remove("NO_COLOR");
    cmd
}

fn run(args: &[&str], path: &Path) -> (i32, String, String) {
    let output = policylint()
        .arg("check")
        .args(args)
        .arg(path)
        .output()
        .unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

fn temp_copy(text: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("policy.json");
    fs::write(&file, text).unwrap();
    (dir, file)
}

/// A policy with one safe fix (the repeated `oss:GetObject`), written with `eol` line
/// endings and `indent` indentation.
fn duplicate_policy(eol: &str, indent: &str) -> String {
    let lines = [
        "{",
        &format!("{indent}\"Version\": \"1\","),
        &format!("{indent}\"Statement\": ["),
        &format!("{indent}{indent}{{"),
        &format!("{indent}{indent}{indent}\"Effect\": \"Allow\","),
        &format!("{indent}{indent}{indent}\"Action\": ["),
        &format!("{indent}{indent}{indent}{indent}\"oss:GetObject\","),
        &format!("{indent}{indent}{indent}{indent}\"oss:GetObject\","),
        &format!("{indent}{indent}{indent}{indent}\"oss:PutObject\""),
        &format!("{indent}{indent}{indent}],"),
        &format!("{indent}{indent}{indent}\"Resource\": \"acs:oss:*:*:logs/*\""),
        &format!("{indent}{indent}}}"),
        &format!("{indent}]"),
        "}",
    ];
    lines.join(eol)
}

fn without_repeat(text: &str, eol: &str, indent: &str) -> String {
    let line = format!("{eol}{indent}{indent}{indent}{indent}\"oss:GetObject\",");
    let at = text.find(&line).unwrap();
    format!("{}{}", &text[..at], &text[at + line.len()..])
}

#[test]
fn fix_on_the_seed_removes_exactly_the_repeated_line_and_a_second_run_changes_nothing() {
    let original = fs::read_to_string(root().join(SEED_OSS)).unwrap();
    let (_dir, file) = temp_copy(original.as_bytes());
    let (status, stdout, _) = run(&["--fix", "--output-format", "concise"], &file);
    assert_eq!(status, 1, "the placeholders remain: {stdout}");
    assert!(stdout.contains("1 fixed, 2 remaining"), "{stdout}");
    let mut expected: Vec<&str> = original.split_inclusive('\n').collect();
    assert_eq!(expected[12].trim(), "\"oss:GetBucketCors\",");
    expected.remove(12);
    let fixed = fs::read_to_string(&file).unwrap();
    assert_eq!(fixed, expected.concat());

    let (_, stdout, _) = run(&["--fix", "--output-format", "concise"], &file);
    assert!(stdout.contains("Found 2 problems"), "{stdout}");
    assert_eq!(fs::read_to_string(&file).unwrap(), fixed);
}

#[test]
fn line_endings_bom_tabs_and_final_newline_are_kept() {
    for eol in ["\n", "\r\n"] {
        for indent in ["  ", "\t"] {
            for bom in ["", "\u{feff}"] {
                for final_newline in ["", eol] {
                    let original = format!("{bom}{}{final_newline}", duplicate_policy(eol, indent));
                    let (_dir, file) = temp_copy(original.as_bytes());
                    let (status, stdout, _) = run(&["--fix", "--output-format", "concise"], &file);
                    assert_eq!(status, 0, "{stdout}");
                    let fixed = fs::read_to_string(&file).unwrap();
                    assert_eq!(
                        fixed,
                        without_repeat(&original, eol, indent),
                        "eol {eol:?} indent {indent:?} bom {bom:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn diff_prints_the_change_writes_nothing_and_exits_one() {
    let original = duplicate_policy("\n", "  ");
    let (dir, file) = temp_copy(original.as_bytes());
    let before = fs::metadata(&file).unwrap().modified().unwrap();
    let (status, stdout, stderr) = run(&["--diff"], &file);
    assert_eq!(status, 1);
    assert!(stdout.contains("-        \"oss:GetObject\",\n"), "{stdout}");
    assert_eq!(stdout.matches("\n-").count(), 1, "{stdout}");
    assert!(
        stderr.contains("Would fix 1 problem in 1 file."),
        "{stderr}"
    );
    assert_eq!(fs::read_to_string(&file).unwrap(), original);
    assert_eq!(fs::metadata(&file).unwrap().modified().unwrap(), before);
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temporary file left"
    );

    // Nothing to fix: no diff, exit 0, even with unfixable findings.
    let clean = original.replacen("\"oss:GetObject\",\n", "", 1);
    fs::write(&file, &clean).unwrap();
    let (status, stdout, _) = run(&["--diff"], &file);
    assert_eq!((status, stdout.as_str()), (0, ""));
}

#[test]
fn unsafe_fixes_need_both_flags() {
    let policy = r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "oss:GetObject", "Resource": "acs:oss:*:*:logs/*"}]}"#;
    let (_dir, file) = temp_copy(policy.as_bytes());
    let (status, _, _) = run(&["--fix", "--output-format", "concise"], &file);
    assert_eq!(status, 0, "missing-list-buckets is an info");
    assert_eq!(
        fs::read_to_string(&file).unwrap(),
        policy,
        "its fix is unsafe: --fix alone keeps the file"
    );
    let (_, _, _) = run(&["--unsafe-fixes"], &file);
    assert_eq!(
        fs::read_to_string(&file).unwrap(),
        policy,
        "--unsafe-fixes alone writes nothing"
    );
    let (status, stdout, _) = run(
        &["--fix", "--unsafe-fixes", "--output-format", "concise"],
        &file,
    );
    assert_eq!(status, 0);
    assert!(stdout.contains("1 fixed, 0 remaining"), "{stdout}");
    assert_eq!(
        fs::read_to_string(&file).unwrap(),
        policy.replace(
            "}]}",
            r#"}, {"Effect": "Allow", "Action": "oss:ListBuckets", "Resource": "*"}]}"#
        )
    );
}

#[cfg(unix)]
#[test]
fn permissions_are_kept_and_symlinks_rewrite_their_target() {
    use std::os::unix::fs::{PermissionsExt, symlink};
    let original = duplicate_policy("\n", "  ");
    let (dir, file) = temp_copy(original.as_bytes());
    fs::set_permissions(&file, fs::Permissions::from_mode(0o640)).unwrap();
    let link = dir.path().join("link.json");
    symlink("policy.json", &link).unwrap();
    let (status, _, _) = run(&["--fix"], &link);
    assert_eq!(status, 0);
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink(),
        "the link stays a link"
    );
    assert_eq!(
        fs::read_to_string(&file).unwrap(),
        without_repeat(&original, "\n", "  ")
    );
    assert_eq!(
        fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o640
    );
}

#[cfg(unix)]
#[test]
fn read_only_file_and_folder_get_a_diagnostic_and_lose_nothing() {
    use std::os::unix::fs::PermissionsExt;
    let original = duplicate_policy("\n", "  ");
    let (dir, file) = temp_copy(original.as_bytes());
    fs::set_permissions(&file, fs::Permissions::from_mode(0o444)).unwrap();
    let (status, stdout, _) = run(&["--fix", "--output-format", "concise"], &file);
    assert_eq!(status, 1);
    assert!(
        stdout.contains("PL000 [io-error] cannot fix: the file is read-only"),
        "{stdout}"
    );
    assert!(
        stdout.contains("PL201"),
        "the unfixed problem is still reported: {stdout}"
    );
    assert_eq!(fs::read_to_string(&file).unwrap(), original);

    // A writable file in a read-only folder: the temporary file cannot be created. Root
    // writes anyway, so only check where the permission bites.
    fs::set_permissions(&file, fs::Permissions::from_mode(0o644)).unwrap();
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o555)).unwrap();
    let folder_is_read_only = fs::write(dir.path().join("probe"), "").is_err();
    if folder_is_read_only {
        let (status, stdout, _) = run(&["--fix", "--output-format", "concise"], &file);
        assert_eq!(status, 1);
        assert!(
            stdout.contains("cannot fix: cannot create a file in"),
            "{stdout}"
        );
        assert_eq!(fs::read_to_string(&file).unwrap(), original);
    }
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn stdin_fix_prints_the_fixed_text_only() {
    let original = duplicate_policy("\r\n", "\t");
    let output = policylint()
        .args(["check", "--fix", "--stdin-filename", "policy.json", "-"])
        .write_stdin(original.clone())
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        without_repeat(&original, "\r\n", "\t")
    );
    assert!(
        String::from_utf8(output.stderr)
            .unwrap()
            .contains("1 fixed, 1 remaining")
    );
    assert_eq!(output.status.code(), Some(0));

    // Nothing to fix: the text comes back unchanged, so an editor can always use it.
    let clean = without_repeat(&original, "\r\n", "\t");
    let output = policylint()
        .args(["check", "--fix", "-"])
        .write_stdin(clean.clone())
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(output.stdout).unwrap(), clean);
}

#[test]
fn without_fix_flags_nothing_is_written() {
    let original = duplicate_policy("\n", "  ");
    let (dir, file) = temp_copy(original.as_bytes());
    let (status, _, _) = run(&[], &file);
    assert_eq!(status, 1);
    assert_eq!(fs::read_to_string(&file).unwrap(), original);
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
}

/// A policy with `actions` listed in one statement, compact or indented.
fn policy_with(actions: &[String], resources: &[String]) -> String {
    let list = |items: &[String]| {
        items
            .iter()
            .map(|a| format!("\"{a}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "{{\"Version\": \"1\", \"Statement\": [{{\"Effect\": \"Allow\", \"Action\": [{}], \"Resource\": [{}]}}]}}\n",
        list(actions),
        list(resources)
    )
}

#[test]
fn a_policy_over_the_size_limit_is_still_fixed() {
    // Its size message holds the length, which the fix changes: still the same finding.
    let mut actions = vec!["oss:GetObject".to_string(), "oss:GetObject".to_string()];
    actions.extend((0..300).map(|i| format!("ecs:Describe{i:04}Thing")));
    let original = policy_with(&actions, &["acs:oss:*:*:b/*".to_string()]);
    let (_dir, file) = temp_copy(original.as_bytes());
    let (status, stdout, _) = run(&["--fix", "--output-format", "concise"], &file);
    assert_eq!(status, 1, "policy-too-large remains: {stdout}");
    assert!(!stdout.contains("PL000"), "{stdout}");
    assert!(stdout.contains("PL108 [policy-too-large]"), "{stdout}");
    assert!(stdout.contains("1 fixed, "), "{stdout}");
    assert_eq!(
        fs::read_to_string(&file).unwrap(),
        original.replacen("\"oss:GetObject\", ", "", 1)
    );
}

#[test]
fn a_refused_fix_is_a_note_and_the_summary_offers_no_flag_already_given() {
    // Just under the limit: adding the `oss:ListBuckets` statement (PL401's unsafe fix)
    // would take the policy over it, so that fix is refused and the safe one applied.
    let mut resources = Vec::new();
    let actions = vec!["oss:GetObject".to_string(), "oss:GetObject".to_string()];
    while policy_with(&actions, &resources).replace(", ", ",").len() < 6_100 {
        resources.push(format!("acs:oss:*:*:bucket/{:05}/*", resources.len()));
    }
    let original = policy_with(&actions, &resources);
    let (_dir, file) = temp_copy(original.as_bytes());
    let (status, stdout, _) = run(
        &["--fix", "--unsafe-fixes", "--output-format", "concise"],
        &file,
    );
    assert_eq!(status, 0, "only notes and infos remain: {stdout}");
    assert!(
        stdout.contains(
            "PL000 [fix-not-applied] unsafe fixes not applied: the fixed text would have a new error (PL108"
        ),
        "{stdout}"
    );
    assert!(!stdout.contains("internal-error"), "{stdout}");
    assert!(!stdout.contains("please report"), "{stdout}");
    assert!(!stdout.contains("--unsafe-fixes`"), "{stdout}");
    assert!(
        stdout.contains("1 fixed, 2 remaining (2 infos)"),
        "{stdout}"
    );
    assert_eq!(
        fs::read_to_string(&file).unwrap(),
        original.replacen("\"oss:GetObject\", ", "", 1),
        "the safe fix is applied without the unsafe one"
    );
    // Without the flag, the unsafe fix is still offered.
    fs::write(&file, &original).unwrap();
    let (_, stdout, _) = run(&["--fix", "--output-format", "concise"], &file);
    assert!(
        stdout.ends_with("1 more with `--unsafe-fixes`.\n"),
        "{stdout}"
    );
}

#[test]
fn stdin_that_cannot_be_fixed_comes_back_byte_for_byte() {
    // Not UTF-8: Latin-1 `é` in a Sid, and a repeated action that could be fixed if it were.
    let mut original = duplicate_policy("\n", "  ").into_bytes();
    let at = original.windows(6).position(|w| w == b"Effect").unwrap();
    original.splice(at..at, b"Sid\": \"caf\xe9\", \"".iter().copied());
    assert!(String::from_utf8(original.clone()).is_err());
    let output = policylint()
        .args(["check", "--fix", "--stdin-filename", "policy.json", "-"])
        .write_stdin(original.clone())
        .output()
        .unwrap();
    assert_eq!(output.stdout, original);
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("not valid UTF-8"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn a_rename_that_turns_something_on_waits_for_unsafe_fixes() {
    // In the corpus: `"Statement "` is not read, so this policy grants nothing; renaming
    // it grants `elasticsearch:*`.
    let corpus =
        fs::read_to_string(root().join("fixtures/corpus/ram/elasticsearch/0015.json")).unwrap();
    assert!(corpus.contains("\"Statement \""));
    let misspelt = [
        corpus.clone(),
        r#"{"Version": "1", "Statement": [{"effect": "Allow", "Action": "ecs:DescribeInstances", "Resource": "*"}]}"#.to_string(),
        r#"{"Version": "1", "Statement": [{"Effect": "allow", "Action": "ecs:DescribeInstances", "Resource": "*"}]}"#.to_string(),
        r#"{"Version": "1", "Statement": [{"Effect": "Deny ", "Action": "ecs:DeleteInstance", "Resource": "*"}]}"#.to_string(),
        r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:DescribeInstances", "Resource": "*", "Condition": {"bool": {"acs:MFAPresent": "true"}}}]}"#.to_string(),
    ];
    for original in misspelt {
        let (_dir, file) = temp_copy(original.as_bytes());
        let (_, stdout, _) = run(&["--fix", "--output-format", "concise"], &file);
        assert_eq!(fs::read_to_string(&file).unwrap(), original, "{stdout}");
        assert!(stdout.contains("1 more with `--unsafe-fixes`"), "{stdout}");
        run(&["--fix", "--unsafe-fixes"], &file);
        assert_ne!(fs::read_to_string(&file).unwrap(), original);
    }
    // A key that grants nothing is still renamed by `--fix`.
    let sid = r#"{"Version": "1", "Statement": [{"sid": "Read", "Effect": "Allow", "Action": "ecs:DescribeInstances", "Resource": "*"}]}"#;
    let (_dir, file) = temp_copy(sid.as_bytes());
    run(&["--fix"], &file);
    assert_eq!(
        fs::read_to_string(&file).unwrap(),
        sid.replace("\"sid\"", "\"Sid\"")
    );
}

#[cfg(unix)]
#[test]
fn a_file_with_hard_links_is_not_split() {
    use std::os::unix::fs::MetadataExt;
    let original = duplicate_policy("\n", "  ");
    let (dir, file) = temp_copy(original.as_bytes());
    let other = dir.path().join("other-name.json");
    fs::hard_link(&file, &other).unwrap();
    let (status, stdout, _) = run(&["--fix", "--output-format", "concise"], &file);
    assert_eq!(status, 1, "the finding remains: {stdout}");
    assert!(
        stdout.contains("PL000 [fix-not-applied] fix not written: the file has 2 hard links"),
        "{stdout}"
    );
    assert!(stdout.contains("PL201"), "{stdout}");
    assert_eq!(fs::read_to_string(&file).unwrap(), original);
    assert_eq!(
        fs::metadata(&file).unwrap().ino(),
        fs::metadata(&other).unwrap().ino()
    );
}

#[cfg(unix)]
#[test]
fn a_walked_symlink_is_fixed_through_only_inside_the_walked_folder() {
    use std::os::unix::fs::symlink;
    let original = duplicate_policy("\n", "  ");
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    fs::create_dir_all(tree.join("real")).unwrap();
    let inside = tree.join("real/inside.json");
    let outside = dir.path().join("outside.json");
    fs::write(&inside, &original).unwrap();
    fs::write(&outside, &original).unwrap();
    symlink("../outside.json", tree.join("out-link.json")).unwrap();
    symlink("real/inside.json", tree.join("in-link.json")).unwrap();
    let (status, stdout, _) = run(&["--fix", "--output-format", "concise"], &tree);
    assert_eq!(status, 1, "{stdout}");
    assert!(
        stdout.contains(
            "out-link.json:1:1: info PL000 [fix-not-applied] fix not written: this is a symbolic link to"
        ),
        "{stdout}"
    );
    assert_eq!(fs::read_to_string(&outside).unwrap(), original);
    let fixed = without_repeat(&original, "\n", "  ");
    assert_eq!(fs::read_to_string(&inside).unwrap(), fixed);
    // Named on the command line, the link is fixed through.
    let (status, _, _) = run(&["--fix"], &tree.join("out-link.json"));
    assert_eq!(status, 0);
    assert_eq!(fs::read_to_string(&outside).unwrap(), fixed);
}

/// Root can give files away and act as another user: the checks of ownership and of
/// the system's own permission verdict need it (CI runs them in its root container).
#[cfg(unix)]
fn running_as_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    let probe = tempfile::NamedTempFile::new().unwrap();
    fs::metadata(probe.path()).unwrap().uid() == 0
}

#[cfg(unix)]
#[test]
fn a_rewritten_file_keeps_its_owner_and_group() {
    use std::os::unix::fs::MetadataExt;
    if !running_as_root() {
        eprintln!("skipped: only root can make a file owned by someone else");
        return;
    }
    let original = duplicate_policy("\n", "  ");
    let (_dir, file) = temp_copy(original.as_bytes());
    std::os::unix::fs::chown(&file, Some(65534), Some(65534)).unwrap();
    let (status, stdout, _) = run(&["--fix"], &file);
    assert_eq!(status, 0, "{stdout}");
    assert_eq!(
        fs::read_to_string(&file).unwrap(),
        without_repeat(&original, "\n", "  ")
    );
    let metadata = fs::metadata(&file).unwrap();
    assert_eq!((metadata.uid(), metadata.gid()), (65534, 65534));
}

#[cfg(unix)]
#[test]
fn a_file_the_user_may_not_write_is_not_replaced_though_the_folder_allows_it() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    if !running_as_root() {
        eprintln!("skipped: running the linter as another user needs root");
        return;
    }
    // Root's file, readable by all, in a folder anyone may write: another user may rename
    // over it (the mode bits say it is not read-only), but not write it.
    let original = duplicate_policy("\n", "  ");
    let (dir, file) = temp_copy(original.as_bytes());
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o777)).unwrap();
    fs::set_permissions(&file, fs::Permissions::from_mode(0o644)).unwrap();
    let output = match std::process::Command::new(assert_cmd::cargo::cargo_bin("policylint"))
        .args(["check", "--fix", "--output-format", "concise"])
        .arg(&file)
        .uid(65534)
        .gid(65534)
        .output()
    {
        Ok(output) => output,
        // The build lives under a folder only its owner may enter (a checkout in a
        // `mktemp -d` folder): the other user cannot start the linter at all.
        Err(error) if error.kind() == std::io::ErrorKind::PermissionDenied => {
            eprintln!("skipped: user 65534 may not run the linter where it is built");
            return;
        }
        Err(error) => panic!("{error}"),
    };
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("PL000 [io-error] cannot fix: you may not write this file"),
        "{stdout}"
    );
    assert_eq!(fs::read_to_string(&file).unwrap(), original);
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
}

/// A `--fix` run's JSON report describes the fixed file exactly as a `check` of it does:
/// the documents (moved by the fix of the one before) and the findings left.
#[test]
fn the_report_of_a_fix_run_places_the_documents_in_the_fixed_text() {
    let policy = |actions: &str| {
        format!(
            "```json\n{{\n  \"Version\": \"1\",\n  \"Statement\": [\n    {{\n      \
             \"Effect\": \"Allow\",\n      \"Action\": [{actions}],\n      \
             \"Resource\": \"*\"\n    }}\n  ]\n}}\n```\n"
        )
    };
    let text = format!(
        "# Two policies\n\nThe first:\n\n{}\nThe second:\n\n{}",
        policy("\n        \"oss:GetObject\",\n        \"oss:GetObject\"\n      "),
        policy("\"oss:PutObject\", \"oss:PutObject\"")
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("README.md");
    fs::write(&file, &text).unwrap();
    let report =
        |args: &[&str]| -> serde_json::Value { serde_json::from_str(&run(args, &file).1).unwrap() };
    let fixed = report(&["--fix", "--output-format", "json"]);
    assert_ne!(
        fs::read_to_string(&file).unwrap(),
        text,
        "nothing was fixed"
    );
    let checked = report(&["--output-format", "json"]);
    assert_eq!(fixed["documents"], checked["documents"]);
    assert_eq!(fixed["documents"].as_array().unwrap().len(), 2);
    assert_eq!(fixed["diagnostics"], checked["diagnostics"]);
}
