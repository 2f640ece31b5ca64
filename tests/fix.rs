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
