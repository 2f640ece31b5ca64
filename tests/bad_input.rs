//! Hostile or broken input: each file gets a clear diagnostic naming it, nothing panics,
//! and the other files in the same run are still linted.

use assert_cmd::Command;
use std::fs;
use std::path::Path;

const GOOD: &str = r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "oss:ListBuckets", "Resource": "*"}]}"#;
const BAD: &str = r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": ["ecs:DescribeInstances", "ecs:DescribeInstances"], "Resource": "*"}]}"#;

fn lint(paths: &[&Path]) -> (i32, serde_json::Value) {
    let output = Command::cargo_bin("policylint")
        .unwrap()
        .args(paths)
        .args(["--output-format", "json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    let json = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stdout)));
    (output.status.code().unwrap(), json)
}

fn diagnostics_for<'a>(output: &'a serde_json::Value, path: &Path) -> Vec<&'a serde_json::Value> {
    let path = path.to_string_lossy();
    output["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["path"] == *path)
        .collect()
}

/// Lints `bad` next to a known-bad policy and checks both are reported.
fn assert_reported(bad: &Path, code: &str, message_part: &str) -> serde_json::Value {
    let dir = bad.parent().unwrap();
    let neighbour = dir.join("neighbour.json");
    fs::write(&neighbour, BAD).unwrap();
    let (status, output) = lint(&[bad, &neighbour]);
    assert_eq!(status, 1);
    let found = diagnostics_for(&output, bad);
    assert!(
        found
            .iter()
            .any(|d| d["code"] == code && d["message"].as_str().unwrap().contains(message_part)),
        "{bad:?}: expected {code} containing {message_part:?}, got {found:#?}"
    );
    assert!(
        diagnostics_for(&output, &neighbour)
            .iter()
            .any(|d| d["code"] == "PL201"),
        "the neighbour is still linted"
    );
    output
}

#[test]
fn invalid_json_names_the_place() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("trailing.json");
    fs::write(&file, "{\n  \"Version\": \"1\",\n  \"Statement\": [],\n}\n").unwrap();
    let output = assert_reported(&file, "PL001", "trailing comma");
    let d = diagnostics_for(&output, &file)[0].clone();
    assert_eq!(d["start"]["line"], 3);
}

#[test]
fn invalid_utf8_and_utf16() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("latin1.json");
    fs::write(&file, b"{\"Statement\": [\"caf\xe9\"]}").unwrap();
    assert_reported(&file, "PL001", "not valid UTF-8");
    let utf16 = dir.path().join("utf16.json");
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(GOOD.encode_utf16().flat_map(u16::to_le_bytes));
    fs::write(&utf16, bytes).unwrap();
    assert_reported(&utf16, "PL001", "UTF-16");
}

#[test]
fn empty_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("empty.json");
    fs::write(&file, "").unwrap();
    assert_reported(&file, "PL001", "empty");
}

#[test]
fn deep_nesting_does_not_overflow_the_stack() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("deep.json");
    fs::write(
        &file,
        format!(
            "{{\"Statement\": {}{}}}",
            "[".repeat(200_000),
            "]".repeat(200_000)
        ),
    )
    .unwrap();
    assert_reported(&file, "PL001", "nested more than");
}

#[test]
fn fifty_megabyte_single_line_file() {
    // Many small statements on one line, one repeated action at the very end: the
    // diagnostic must still land on the exact column, far past any 32-bit-ish offset
    // a naive line index would mishandle.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("huge.json");
    let mut text = String::with_capacity(50 * 1024 * 1024 + 1024);
    text.push_str("{\"Version\": \"1\", \"Statement\": [");
    let mut bucket = 0;
    while text.len() < 50 * 1024 * 1024 {
        text.push_str(&format!(
            "{{\"Effect\": \"Allow\", \"Action\": [\"oss:GetObject\", \"oss:PutObject\"], \"Resource\": \"acs:oss:*:*:bucket-{bucket}/*\"}}, "
        ));
        bucket += 1;
    }
    text.push_str("{\"Effect\": \"Allow\", \"Action\": [\"oss:GetObject\", ");
    let repeat_column = text.chars().count() + 1;
    text.push_str("\"oss:GetObject\"], \"Resource\": \"acs:oss:*:*:last/*\"}]}");
    fs::write(&file, &text).unwrap();
    let (status, output) = lint(&[&file]);
    assert_eq!(status, 1);
    let diagnostics = diagnostics_for(&output, &file);
    let repeats: Vec<_> = diagnostics
        .iter()
        .filter(|d| d["code"] == "PL201")
        .collect();
    assert_eq!(repeats.len(), 1, "{diagnostics:?}");
    assert_eq!(repeats[0]["start"]["line"], 1);
    assert_eq!(repeats[0]["start"]["column"], repeat_column);
}

#[test]
fn unreadable_missing_and_special_paths() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.json");
    assert_reported(&missing, "PL000", "cannot read");
    let folder = dir.path().join("folder.json");
    fs::create_dir(&folder).unwrap();
    fs::write(folder.join("inside.json"), BAD).unwrap();
    // A folder named like a file is walked, not read.
    let (_, output) = lint(&[&folder]);
    assert!(!diagnostics_for(&output, &folder.join("inside.json")).is_empty());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let locked = dir.path().join("locked.json");
        fs::write(&locked, BAD).unwrap();
        fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
        // Root reads anything; only check the diagnostic where the permission bites.
        if fs::read(&locked).is_err() {
            assert_reported(&locked, "PL000", "Permission denied");
        }
        let fifo = dir.path().join("fifo.json");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .is_ok_and(|s| s.success());
        if made {
            assert_reported(&fifo, "PL000", "not a regular file");
        }
    }
}

#[test]
fn ten_thousand_files() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..10_000 {
        let sub = dir.path().join(format!("d{}", i % 50));
        fs::create_dir_all(&sub).unwrap();
        fs::write(
            sub.join(format!("p{i}.json")),
            if i % 100 == 0 { BAD } else { GOOD },
        )
        .unwrap();
    }
    let (status, output) = lint(&[dir.path()]);
    assert_eq!(status, 1);
    assert_eq!(output["summary"]["files"], 10_000);
    assert_eq!(output["diagnostics"].as_array().unwrap().len(), 100);
}

#[test]
fn a_million_actions() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("million.json");
    let actions: Vec<String> = (0..1_000_000)
        .map(|i| format!("\"ecs:Describe{i}\""))
        .collect();
    let text = format!(
        "{{\"Version\": \"1\", \"Statement\": [{{\"Effect\": \"Allow\", \"Action\": [{}, \"ecs:Describe7\"], \"Resource\": \"acs:ecs:*:*:instance/*\"}}]}}",
        actions.join(", ")
    );
    fs::write(&file, &text).unwrap();
    let found = assert_reported(&file, "PL201", "`ecs:Describe7` is already listed");
    // The repeat is the only problem, however long the list.
    let diagnostics = diagnostics_for(&found, &file);
    assert!(
        diagnostics.iter().any(|d| d["code"] == "PL108"),
        "and it is far too large"
    );
    assert_eq!(
        diagnostics.iter().filter(|d| d["code"] == "PL201").count(),
        1
    );
}

#[test]
fn nul_bytes_and_a_byte_order_mark() {
    let dir = tempfile::tempdir().unwrap();
    let nul = dir.path().join("nul.json");
    fs::write(&nul, format!("{}\0", &GOOD[..20])).unwrap();
    assert_reported(&nul, "PL001", "");
    let inside_string = dir.path().join("nul-in-string.json");
    fs::write(&inside_string, GOOD.replace("ListBuckets", "List\0Buckets")).unwrap();
    assert_reported(&inside_string, "PL001", "");
    // A BOM is fine: the policy is linted and positions ignore nothing else.
    let bom = dir.path().join("bom.json");
    fs::write(&bom, format!("\u{feff}{BAD}")).unwrap();
    let output = assert_reported(&bom, "PL201", "already listed");
    let repeat = diagnostics_for(&output, &bom)
        .into_iter()
        .find(|d| d["code"] == "PL201")
        .unwrap()
        .clone();
    assert_eq!(repeat["start"]["line"], 1);
}

#[cfg(unix)]
#[test]
fn devices_and_symlink_loops() {
    let dir = tempfile::tempdir().unwrap();
    let neighbour = dir.path().join("neighbour.json");
    fs::write(&neighbour, BAD).unwrap();
    let (_, output) = lint(&[Path::new("/dev/null"), &neighbour]);
    let device = diagnostics_for(&output, Path::new("/dev/null"));
    assert!(
        device.iter().any(|d| d["code"] == "PL000"
            && d["message"]
                .as_str()
                .unwrap()
                .contains("not a regular file")),
        "{device:?}"
    );
    assert!(!diagnostics_for(&output, &neighbour).is_empty());
    let loop_a = dir.path().join("a.json");
    let loop_b = dir.path().join("b.json");
    std::os::unix::fs::symlink(&loop_b, &loop_a).unwrap();
    std::os::unix::fs::symlink(&loop_a, &loop_b).unwrap();
    assert_reported(&loop_a, "PL000", "cannot read");
    // In a walk, a symlink loop is skipped or reported, never followed forever.
    let (status, output) = lint(&[dir.path()]);
    assert_eq!(status, 1);
    assert!(!diagnostics_for(&output, &neighbour).is_empty());
}

// Hostile hosts: policies inside JSON templates, API output and encoded strings (the JSON
// host, `src/hosts/json.rs`). Each run is bounded in time, generously: a hang or a cost
// that grows with the square of the input fails here, not in a user's CI.

/// Lints `paths` and requires the run to finish within a minute.
fn lint_within_a_minute(paths: &[&Path]) -> (i32, serde_json::Value) {
    let started = std::time::Instant::now();
    let result = lint(paths);
    let elapsed = started.elapsed();
    assert!(
        elapsed < std::time::Duration::from_secs(60),
        "took {elapsed:?}"
    );
    result
}

#[test]
fn a_template_nested_to_the_limit_and_past_it() {
    let dir = tempfile::tempdir().unwrap();
    let policy = r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": ["oss:GetObject", "oss:GetObject"], "Resource": "acs:oss:*:*:b/*"}]}"#;
    // The policy at depth 500 is found; the file nested past the parser's limit is
    // a syntax error at the place it goes too deep, and nothing overflows.
    let deep = dir.path().join("deep.json");
    fs::write(
        &deep,
        format!("{}{policy}{}", "{\"a\": ".repeat(500), "}".repeat(500)),
    )
    .unwrap();
    let too_deep = dir.path().join("too-deep.json");
    fs::write(
        &too_deep,
        format!("{}{policy}{}", "{\"a\": [".repeat(300), "]}".repeat(300)),
    )
    .unwrap();
    let (status, output) = lint_within_a_minute(&[&deep, &too_deep]);
    assert_eq!(status, 1);
    let found = diagnostics_for(&output, &deep);
    assert!(found.iter().any(|d| d["code"] == "PL201"), "{found:#?}");
    assert_eq!(output["documents"][0]["start"]["column"], 6 * 500 + 1);
    let too_deep_found = diagnostics_for(&output, &too_deep);
    assert!(
        too_deep_found
            .iter()
            .any(|d| d["message"].as_str().unwrap().contains("nested more than")),
        "{too_deep_found:#?}"
    );
}

#[test]
fn a_huge_encoded_policy_and_a_string_of_escapes() {
    let dir = tempfile::tempdir().unwrap();
    // Eight megabytes of statements, JSON-encoded in one string, a repeat at the end.
    let mut document = String::from("{\"Version\": \"1\", \"Statement\": [");
    let mut i = 0;
    while document.len() < 8 << 20 {
        document.push_str(&format!(
            "{{\"Effect\": \"Allow\", \"Action\": \"oss:GetObject\", \"Resource\": \"acs:oss:*:*:b{i}/*\"}}, "
        ));
        i += 1;
    }
    document.push_str("{\"Effect\": \"Allow\", \"Action\": [\"oss:PutObject\", \"oss:PutObject\"], \"Resource\": \"acs:oss:*:*:last/*\"}]}");
    let huge = dir.path().join("huge-output.json");
    let host = format!(
        "{{\"Policy\": {}}}",
        serde_json::to_string(&document).unwrap()
    );
    fs::write(&huge, &host).unwrap();
    // A million `\u0041` escapes in a string that says `Statement`.
    let escapes = dir.path().join("escapes.json");
    fs::write(
        &escapes,
        format!(
            "{{\"P\": \"{{\\\"Statement\\\": [], \\\"Version\\\": \\\"{}\\\"}}\"}}",
            "\\\\u0041".repeat(1_000_000)
        ),
    )
    .unwrap();
    let (status, output) = lint_within_a_minute(&[&huge, &escapes]);
    assert_eq!(status, 1);
    let repeat = diagnostics_for(&output, &huge)
        .into_iter()
        .find(|d| d["code"] == "PL201")
        .expect("the repeat at the end is found");
    let at = host.rfind("\\\"oss:PutObject\\\"").unwrap();
    assert_eq!(repeat["start"]["offset"], at);
    assert_eq!(repeat["start"]["column"], at + 1);
    assert!(
        diagnostics_for(&output, &escapes)
            .iter()
            .any(|d| d["code"] == "PL004"),
        "the escaped version is read and judged"
    );
}

#[test]
fn thousands_of_documents_in_one_template_are_linted_and_fixed() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("stack.json");
    let resources: Vec<String> = (0..5_000)
        .map(|i| {
            format!(
                "\"R{i}\": {{\"Type\": \"ALIYUN::RAM::ManagedPolicy\", \"Properties\": {{\"PolicyDocument\": {{\"Version\": \"1\", \"Statement\": [{{\"Effect\": \"allow\", \"Action\": [\"oss:GetObject\", \"oss:GetObject\"], \"Resource\": \"acs:oss:*:*:b{i}/*\"}}]}}, \"Doc\": \"{{\\\"Statement\\\": [], \\\"Version\\\": \\\"{i}\\\"}}\"}}}}"
            )
        })
        .collect();
    let text = format!("{{\"Resources\": {{{}}}}}", resources.join(",\n"));
    fs::write(&file, &text).unwrap();
    let (status, output) = lint_within_a_minute(&[&file]);
    assert_eq!(status, 1);
    // A policy object and an encoded one in each resource.
    assert_eq!(output["documents"].as_array().unwrap().len(), 10_000);
    let started = std::time::Instant::now();
    let fixed = Command::cargo_bin("policylint")
        .unwrap()
        .args(["check", "--fix", "--exit-zero"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(fixed.status.success());
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
    let after = fs::read_to_string(&file).unwrap();
    assert_eq!(after.matches("\"Allow\"").count(), 5_000);
    assert_eq!(after.matches("\"oss:GetObject\"").count(), 5_000);
    // The encoded documents' versions were not fixable (`"7"` is not `"1"` in meaning).
    assert_eq!(after.matches("\\\"Version\\\": \\\"1\\\"").count(), 1);
}

#[test]
fn many_unclosed_template_expressions() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("unclosed.json.tpl");
    fs::write(
        &file,
        format!("{{\"Statement\": [{}]}}", "${ {\"x\": ".repeat(200_000)),
    )
    .unwrap();
    assert_reported(&file, "PL001", "");
    lint_within_a_minute(&[&file]);
}

// ---------------------------------------------------------------------------------------
// Hostile YAML: every case gets its diagnostic (or none) within a generous time bound.

/// Lints `paths` and checks the run took less than `seconds`.
fn lint_within(paths: &[&Path], seconds: u64) -> (i32, serde_json::Value) {
    let started = std::time::Instant::now();
    let result = lint(paths);
    let took = started.elapsed();
    assert!(
        took < std::time::Duration::from_secs(seconds),
        "took {took:?} for {paths:?}"
    );
    result
}

const BAD_YAML: &str = "Version: '1'\nStatement:\n  - Effect: Allow\n    Action: [oss:GetObject, oss:GetObject]\n    Resource: acs:oss:*:*:b/*\n";

#[test]
fn a_yaml_alias_bomb_is_refused_not_expanded() {
    let dir = tempfile::tempdir().unwrap();
    // Ten aliases to the level below on each of twelve levels: 10^12 leaves if expanded.
    let mut bomb = String::from("a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for level in 1..12u8 {
        let (previous, name) = ((b'a' + level - 1) as char, (b'a' + level) as char);
        let aliases = vec![format!("*{previous}"); 10].join(", ");
        bomb.push_str(&format!("{name}: &{name} [{aliases}]\n"));
    }
    let in_policy = dir.path().join("bomb.yaml");
    fs::write(&in_policy, format!("{bomb}Policy:\n  Statement: *l\n")).unwrap();
    let (status, output) = lint_within(&[&in_policy], 60);
    assert_eq!(status, 1);
    let found = diagnostics_for(&output, &in_policy);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0]["code"], "PL001");
    assert!(
        found[0]["message"]
            .as_str()
            .unwrap()
            .contains("alias expands past"),
        "{found:#?}"
    );
    assert_eq!(found[0]["start"]["line"], 14);
    // Outside a policy, aliases are never expanded at all.
    let beside = dir.path().join("beside.yaml");
    fs::write(
        &beside,
        format!("{bomb}Policy:\n  Statement: []\n  Version: '1'\n"),
    )
    .unwrap();
    let (_, output) = lint_within(&[&beside], 60);
    assert!(
        diagnostics_for(&output, &beside)
            .iter()
            .all(|d| d["code"] != "PL001"),
        "{output:#}"
    );
}

#[test]
fn ten_thousand_deep_yaml_and_a_stream_of_a_hundred_thousand_documents() {
    let dir = tempfile::tempdir().unwrap();
    // Block sequences nested ten thousand deep on one line; flow ones past the parser's
    // 255 levels.
    let block = dir.path().join("block.yaml");
    fs::write(&block, format!("Statement:\n{}x\n", "- ".repeat(10_000))).unwrap();
    let (_, output) = lint_within(&[&block], 60);
    let found = diagnostics_for(&output, &block);
    assert!(
        found[0]["message"]
            .as_str()
            .unwrap()
            .contains("nested more than"),
        "{found:#?}"
    );
    let flow = dir.path().join("flow.yaml");
    fs::write(
        &flow,
        format!("Statement: {}{}\n", "[".repeat(10_000), "]".repeat(10_000)),
    )
    .unwrap();
    let (_, output) = lint_within(&[&flow], 60);
    let found = diagnostics_for(&output, &flow);
    assert_eq!(found[0]["code"], "PL001");
    assert_eq!(found[0]["start"]["line"], 1);
    // A stream of 100,000 documents, the policy in the last one.
    let stream = dir.path().join("stream.yaml");
    let mut text = "---\nkind: ConfigMap\ndata: {a: b}\n".repeat(100_000);
    text.push_str("---\n");
    text.push_str(BAD_YAML);
    fs::write(&stream, &text).unwrap();
    let (status, output) = lint_within(&[&stream], 60);
    assert_eq!(status, 1);
    let repeat = diagnostics_for(&output, &stream)
        .into_iter()
        .find(|d| d["code"] == "PL201")
        .unwrap()
        .clone();
    assert_eq!(repeat["start"]["line"], 300_005);
    assert_eq!(output["documents"].as_array().unwrap().len(), 1);
}

#[test]
fn a_huge_yaml_file_tabs_and_bytes_that_are_not_utf8() {
    let dir = tempfile::tempdir().unwrap();
    // Twenty megabytes of statements, one repeat in the very last: found at its column.
    let huge = dir.path().join("huge.yaml");
    let mut text = String::from("Version: '1'\nStatement:\n");
    let mut bucket = 0;
    while text.len() < 20 * 1024 * 1024 {
        text.push_str(&format!(
            "  - {{Effect: Allow, Action: [oss:GetObject], Resource: 'acs:oss:*:*:b{bucket}/*'}}\n"
        ));
        bucket += 1;
    }
    text.push_str("  - Effect: Allow\n    Action: [oss:PutObject, oss:PutObject]\n    Resource: acs:oss:*:*:last/*\n");
    fs::write(&huge, &text).unwrap();
    let (_, output) = lint_within(&[&huge], 120);
    let repeat = diagnostics_for(&output, &huge)
        .into_iter()
        .find(|d| d["code"] == "PL201")
        .unwrap()
        .clone();
    assert_eq!(repeat["start"]["line"], text.lines().count() - 1);
    assert_eq!(repeat["start"]["column"], 29);
    // Tabs as indentation: YAML forbids them, and says where.
    let tabs = dir.path().join("tabs.yaml");
    fs::write(&tabs, "Statement:\n\t- Effect: Allow\n").unwrap();
    let output = assert_reported(&tabs, "PL001", "tabs");
    assert_eq!(diagnostics_for(&output, &tabs)[0]["start"]["line"], 2);
    // Not UTF-8.
    let latin1 = dir.path().join("latin1.yml");
    fs::write(&latin1, b"Statement:\n  - Sid: caf\xe9\n").unwrap();
    assert_reported(&latin1, "PL001", "not valid UTF-8");
    // Broken YAML that looks like a policy is reported where it breaks.
    let broken = dir.path().join("broken.yaml");
    fs::write(&broken, "Statement:\n  - Effect: Allow\n   Action: [x\n").unwrap();
    let output = assert_reported(&broken, "PL001", "not valid YAML");
    assert_eq!(diagnostics_for(&output, &broken)[0]["start"]["line"], 3);
}
