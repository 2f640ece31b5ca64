//! Hostile or broken input: each file gets a clear diagnostic naming it, nothing panics,
//! nothing hangs, and the other files in the same run are still linted.
//!
//! Every run of policylint here goes through [`run_bounded`], which kills it after
//! [`TIME_BOUND`] and fails the test: a hostile input must never hang the linter.
//! [`through_every_path`] runs one input through every output format, `--fix` and
//! standard input, and checks what each must give (no panic, no terminal control from the
//! policy in a human format, a well-formed document in a machine one, output bounded by
//! the findings).
//!
//! Sections, in order: the harness; broken files; hostile inputs through every path; costs
//! that must stay linear; no silent pass; output that cannot be hijacked or lost. Other
//! hostile inputs (team rule files and config, the language server) go in sections of
//! their own at the end of the file.

use assert_cmd::cargo::CommandCargoExt;
use std::ffi::OsStr;
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

// ───────────────────────────── the harness ─────────────────────────────

/// How long one run of policylint may take before it is killed and the test fails: far
/// beyond what any of these inputs needs (a debug build on a busy machine), far below what
/// a quadratic or unbounded cost would take.
pub const TIME_BOUND: Duration = Duration::from_secs(120);

/// Standard output kept per run; what is written past it is only counted.
const KEPT_OUTPUT: usize = 64 << 20;

const GOOD: &str = r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "oss:ListBuckets", "Resource": "*"}]}"#;
const BAD: &str = r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": ["ecs:DescribeInstances", "ecs:DescribeInstances"], "Resource": "*"}]}"#;

/// What one run gave.
pub struct Run {
    pub code: Option<i32>,
    /// Standard output, up to `KEPT_OUTPUT` bytes.
    pub stdout: Vec<u8>,
    /// How many bytes were written to standard output in all.
    pub stdout_len: usize,
    pub stderr: String,
}

impl Run {
    pub fn stdout_text(&self) -> String {
        String::from_utf8(self.stdout.clone()).expect("standard output is UTF-8")
    }
}

/// Runs policylint in `dir` with `args`, writing `stdin` to it if given, and kills it
/// (failing the test) if it runs longer than `TIME_BOUND`. Fails on a panic, whatever
/// the exit code.
pub fn run_bounded<S: AsRef<OsStr>>(dir: &Path, args: &[S], stdin: Option<&[u8]>) -> Run {
    run_bounded_to(dir, args, stdin, None)
}

/// [`run_bounded`], with standard output sent to `stdout` (then `Run::stdout` is empty)
/// rather than read.
pub fn run_bounded_to<S: AsRef<OsStr>>(
    dir: &Path,
    args: &[S],
    stdin: Option<&[u8]>,
    stdout: Option<Stdio>,
) -> Run {
    let read_stdout = stdout.is_none();
    let mut child = Command::cargo_bin("policylint")
        .unwrap()
        .current_dir(dir)
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(stdout.unwrap_or_else(Stdio::piped))
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let writer = stdin.map(|bytes| {
        let mut pipe = child.stdin.take().unwrap();
        let bytes = bytes.to_vec();
        // A closed pipe is the linter's to report, not the test's.
        std::thread::spawn(move || drop(pipe.write_all(&bytes)))
    });
    let out = child.stdout.take().filter(|_| read_stdout);
    let reader = std::thread::spawn(move || {
        let (mut kept, mut total, mut chunk) = (Vec::new(), 0, vec![0; 1 << 16]);
        let Some(mut out) = out else {
            return (kept, total);
        };
        while let Ok(n @ 1..) = out.read(&mut chunk) {
            total += n;
            let room = KEPT_OUTPUT.saturating_sub(kept.len()).min(n);
            kept.extend_from_slice(&chunk[..room]);
        }
        (kept, total)
    });
    let mut err = child.stderr.take().unwrap();
    let err_reader = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = err.read_to_end(&mut text);
        String::from_utf8_lossy(&text).into_owned()
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > TIME_BOUND {
            let _ = child.kill();
            let _ = child.wait();
            let shown: Vec<_> = args.iter().map(|a| a.as_ref().to_string_lossy()).collect();
            panic!("policylint {shown:?} ran longer than {TIME_BOUND:?} and was killed");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    if let Some(writer) = writer {
        writer.join().unwrap();
    }
    let (stdout, stdout_len) = reader.join().unwrap();
    let stderr = err_reader.join().unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    Run {
        code: status.code(),
        stdout,
        stdout_len,
        stderr,
    }
}

fn lint(paths: &[&Path]) -> (i32, serde_json::Value) {
    let mut args: Vec<&OsStr> = paths.iter().map(|p| p.as_os_str()).collect();
    args.extend([OsStr::new("--output-format"), OsStr::new("json")]);
    let run = run_bounded(Path::new("."), &args, None);
    let json = serde_json::from_slice(&run.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&run.stdout)));
    (run.code.unwrap(), json)
}

// ───────────────────────────── broken files ─────────────────────────────

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

// ─────────────────── hostile inputs through every path ───────────────────

const FORMATS: [&str; 6] = ["pretty", "concise", "json", "sarif", "github", "junit"];
const HUMAN_FORMATS: [&str; 3] = ["pretty", "concise", "github"];

/// The most a human format may print per finding (and per file): a few lines of bounded
/// width each. Printing a minified policy's whole line per finding took 145 KB a finding.
const OUTPUT_PER_FINDING: usize = 16 << 10;
/// And what a run prints whatever it finds (SARIF describes every rule).
const OUTPUT_PER_RUN: usize = 256 << 10;

/// The first character in `text` that a policy must not get to a terminal or a log: a
/// control character but line feed and tab, DEL, a C1 control, a change of direction.
fn terminal_control(text: &str) -> Option<(usize, char)> {
    text.char_indices().find(|&(_, c)| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    })
}

fn assert_no_terminal_control(text: &str, what: &str) {
    if let Some((at, c)) = terminal_control(text) {
        let from = text[..at]
            .char_indices()
            .rev()
            .nth(60)
            .map_or(0, |(i, _)| i);
        panic!("{what}: {c:?} at byte {at}, after {:?}", &text[from..at]);
    }
}

/// Runs the input `name` (made in a fresh folder by `make`, which returns the path to
/// lint, relative to the folder) through every output format, `--fix` on a copy, and
/// standard input (when it is a regular file), each within [`TIME_BOUND`].
fn through_every_path(make: impl Fn(&Path) -> PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let input = make(dir.path());
    let shown = input.display().to_string();
    let lint = |extra: &[&str], stdin: Option<&[u8]>| {
        let mut args: Vec<&OsStr> = vec![input.as_os_str()];
        if stdin.is_some() {
            args[0] = OsStr::new("-");
        }
        args.extend(extra.iter().map(OsStr::new));
        let run = run_bounded(dir.path(), &args, stdin);
        assert!(
            matches!(run.code, Some(0 | 1)),
            "{shown} {extra:?}: exit {:?}\n{}",
            run.code,
            run.stderr
        );
        run
    };
    let json = lint(&["--output-format", "json"], None);
    let document: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let findings = document["diagnostics"].as_array().unwrap().len();
    assert!(
        findings > 0,
        "{shown}: every hostile input here has a finding"
    );
    for format in FORMATS {
        let run = lint(&["--output-format", format, "--color", "never"], None);
        let what = format!("{shown} as {format}");
        assert!(
            run.stdout_len <= OUTPUT_PER_FINDING * findings + OUTPUT_PER_RUN,
            "{what}: {} bytes for {findings} findings",
            run.stdout_len
        );
        let text = run.stdout_text();
        if HUMAN_FORMATS.contains(&format) {
            assert_no_terminal_control(&text, &what);
            assert_no_terminal_control(&run.stderr, &what);
        }
        match format {
            "json" | "sarif" => {
                serde_json::from_str::<serde_json::Value>(&text).unwrap();
            }
            "junit" => assert!(
                text.starts_with("<?xml") && text.trim_end().ends_with("</testsuites>"),
                "{what}"
            ),
            "github" => assert!(text.lines().all(|l| l.starts_with("::")), "{what}"),
            _ => {}
        }
    }
    // `--fix` on a copy, so that every run above saw the same input.
    let path = dir.path().join(&input);
    let bytes = fs::metadata(&path)
        .is_ok_and(|m| m.is_file())
        .then(|| fs::read(&path).unwrap());
    if let Some(bytes) = &bytes {
        let copy = tempfile::tempdir().unwrap();
        let file = copy.path().join("copy.json");
        fs::write(&file, bytes).unwrap();
        let run = run_bounded(
            copy.path(),
            &["copy.json", "--fix", "--output-format", "concise"],
            None,
        );
        assert!(
            matches!(run.code, Some(0 | 1)),
            "{shown} --fix: {}",
            run.stderr
        );
        assert_no_terminal_control(&run.stdout_text(), &format!("{shown} --fix"));
        let fixed = fs::read(&file).unwrap();
        if fixed != *bytes {
            let fixed = String::from_utf8(fixed).expect("a fix writes UTF-8");
            serde_json::from_str::<serde_json::Value>(&fixed)
                .unwrap_or_else(|e| panic!("{shown} --fix wrote what does not parse: {e}"));
        }
        // Standard input, as editors pipe a buffer: linted, and fixed.
        let run = lint(
            &["--output-format", "pretty", "--color", "never"],
            Some(bytes),
        );
        assert_no_terminal_control(&run.stdout_text(), &format!("{shown} from stdin"));
        let run = lint(&["--fix", "--output-format", "concise"], Some(bytes));
        assert_no_terminal_control(&run.stderr, &format!("{shown} --fix from stdin"));
    }
}

/// A policy statement granting `action` on a bucket of its own.
fn statement(i: usize, action: &str) -> String {
    format!(
        r#"{{"Effect": "Allow", "Action": ["{action}", "oss:PutObject"], "Resource": "acs:oss:*:*:bucket-{i}/*"}}"#
    )
}

#[test]
fn a_huge_file_through_every_path() {
    through_every_path(|dir| {
        let mut text = String::from("{\n  \"Version\": \"1\",\n  \"Statement\": [\n");
        let mut i = 0;
        while text.len() < 8 << 20 {
            text.push_str(&format!("    {},\n", statement(i, "oss:GetObject")));
            i += 1;
        }
        text.push_str(&format!("    {}\n  ]\n}}\n", statement(i, "oss:PutObject")));
        fs::write(dir.join("huge.json"), text).unwrap();
        PathBuf::from("huge.json")
    });
}

#[test]
fn deep_nesting_through_every_path() {
    through_every_path(|dir| {
        let depth = 200_000;
        let text = format!(
            "{{\"Statement\": {}{}}}",
            "[".repeat(depth),
            "]".repeat(depth)
        );
        fs::write(dir.join("deep.json"), text).unwrap();
        PathBuf::from("deep.json")
    });
}

/// A 48 KB one-line policy with a finding every few dozen bytes: printing the whole line
/// for each gave 290 MB of `pretty` output.
#[test]
fn a_minified_policy_through_every_path() {
    through_every_path(|dir| {
        let actions = vec!["\"oss:GetObject\""; 3_200].join(",");
        let text = format!(
            r#"{{"Version":"1","Statement":[{{"Effect":"Allow","Action":[{actions}],"Resource":"acs:oss:*:*:b/*"}}]}}"#
        );
        assert!(text.len() > 48 << 10 && !text.contains('\n'));
        fs::write(dir.join("minified.json"), text).unwrap();
        PathBuf::from("minified.json")
    });
}

/// Findings past column 65,535: `pretty` panicked there (miette pads labels with a
/// formatting width, which cannot exceed `u16::MAX`).
#[test]
fn findings_past_column_65535_through_every_path() {
    through_every_path(|dir| {
        let actions: Vec<String> = (0..8_000).map(|i| format!("\"ecs:Describe{i}\"")).collect();
        let text = format!(
            r#"{{"Version":"1","Statement":[{{"Effect":"Allow","Action":[{},"ecs:Describe7","ecs:Describe7 "],"Resource":"acs:ecs:*:*:instance/*"}}]}}"#,
            actions.join(",")
        );
        assert!(text.len() > 100_000);
        fs::write(dir.join("wide.json"), text).unwrap();
        PathBuf::from("wide.json")
    });
}

/// What a policy could send a terminal or a log: escape sequences (a screen clear, an OSC
/// 52 clipboard write, a window title), C1 controls, DEL, bare carriage returns, and
/// bidirectional overrides, in keys, values, the source lines and the file's name.
const HOSTILE: &str = "\u{1b}[2J\u{1b}]52;c;cm0gLXJmIH4=\u{7}\u{1b}]0;pwned\u{1b}\\\u{9b}31m\u{7f}\u{202e}evil\u{2066}\u{200f}\u{61c}";

#[test]
fn escape_sequences_in_keys_and_values_through_every_path() {
    through_every_path(|dir| {
        let escaped = serde_json::to_string(HOSTILE).unwrap();
        let text = format!(
            "{{\"Version\": \"1\", {escaped}: 1, \"Statement\": [{{\"Effect\": \"Allow\", {escaped}: 2,\n\
             \"Action\": [{escaped}, \"oss:Get{}Object\", \"oss:GetObject\", \"oss:GetObject\"],\n\
             \"Resource\": \"acs:oss:*:*:{}/*\"}}]}}",
            &escaped[1..escaped.len() - 1],
            &escaped[1..escaped.len() - 1],
        );
        serde_json::from_str::<serde_json::Value>(&text).unwrap();
        let name = format!("policy{HOSTILE}.json").replace(['/', '\\'], "_");
        fs::write(dir.join(&name), text).unwrap();
        PathBuf::from(name)
    });
}

/// Raw direction changes, C1 controls and DEL are valid inside JSON strings: the source
/// lines `pretty` shows hold them.
#[test]
fn raw_control_characters_in_a_valid_source_through_every_path() {
    through_every_path(|dir| {
        let text = "{\"Version\": \"1\", \"Statement\": [{\"Effect\": \"Allow\",\r\n\
             \"Action\": [\"oss:GetObject\u{202e}\u{9b}\u{7f}\", \"oss:GetObject\u{202e}\u{9b}\u{7f}\"],\r\n\
             \"Resource\": \"acs:oss:*:*:b/*\"}]}";
        fs::write(dir.join("raw-valid.json"), text).unwrap();
        PathBuf::from("raw-valid.json")
    });
}

/// A raw ESC and a bare carriage return make the text invalid: `json-syntax` points at
/// them, and `pretty` shows their line.
#[test]
fn raw_control_characters_in_a_broken_source_through_every_path() {
    through_every_path(|dir| {
        let text = format!("{{\"Statement\": [\"{HOSTILE}\rX\"]}}\n");
        fs::write(dir.join("raw-broken.json"), text).unwrap();
        PathBuf::from("raw-broken.json")
    });
}

#[test]
fn text_that_is_not_utf8_through_every_path() {
    through_every_path(|dir| {
        let mut bytes =
            br#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "oss:Get"#.to_vec();
        bytes.extend_from_slice(b"\xff\x1b[2J\x9b31m\xe2\x80\xae");
        bytes.extend_from_slice(br#"Object", "Resource": "*"}]}"#);
        fs::write(dir.join("latin1.json"), bytes).unwrap();
        PathBuf::from("latin1.json")
    });
}

#[test]
fn a_statement_with_many_keys_through_every_path() {
    through_every_path(|dir| {
        let keys = vec![r#""effect": "Allow""#; 20_000].join(", ");
        let text = format!(
            r#"{{"Version": "1", "Statement": [{{{keys}, "Action": "oss:GetObject", "Resource": "acs:oss:*:*:b/*"}}]}}"#
        );
        fs::write(dir.join("keys.json"), text).unwrap();
        PathBuf::from("keys.json")
    });
}

#[test]
fn a_long_placeholder_run_through_every_path() {
    through_every_path(|dir| {
        let value = format!("{}{}", "<x>".repeat(5_000), "a".repeat(1 << 20));
        let text = format!(
            r#"{{"Version": "1", "Statement": [{{"Effect": "Allow", "Action": "oss:GetObject", "Resource": "acs:oss:*:*:{value}"}}]}}"#
        );
        fs::write(dir.join("placeholders.json"), text).unwrap();
        PathBuf::from("placeholders.json")
    });
}

#[cfg(unix)]
#[test]
fn a_fifo_named_on_the_command_line_through_every_path() {
    through_every_path(|dir| {
        let made = Command::new("mkfifo")
            .arg(dir.join("fifo.json"))
            .status()
            .is_ok_and(|s| s.success());
        assert!(made, "mkfifo");
        PathBuf::from("fifo.json")
    });
}

// ─────────────────── costs that must stay linear ───────────────────

/// Lints `text` counting findings only (`--statistics`: no per-finding output to pay for),
/// within the time bound, and returns the statistics table.
fn statistics_of(text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("p.json"), text).unwrap();
    let run = run_bounded(dir.path(), &["p.json", "--statistics"], None);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    run.stdout_text()
}

/// 200,000 placeholders in a 50 MB value: every match compared the whole value with the
/// text (quadratic: hours). Linear, it takes seconds.
#[test]
fn a_long_placeholder_run_costs_linear_time() {
    let value = format!("{}{}", "<x>".repeat(200_000), "a".repeat(50 << 20));
    let table = statistics_of(&format!(
        r#"{{"Version": "1", "Statement": [{{"Effect": "Allow", "Action": "oss:GetObject", "Resource": "acs:oss:*:*:{value}"}}]}}"#
    ));
    assert!(
        table.contains("200000  PL109  unreplaced-placeholder"),
        "{table}"
    );
}

/// 300,000 misspelt keys in one statement: each looked through the whole statement for
/// the key it should be (quadratic: 23 s at 100,000).
#[test]
fn a_statement_with_many_keys_costs_linear_time() {
    let keys = vec![r#""effect": "Allow""#; 300_000].join(", ");
    let table = statistics_of(&format!(
        r#"{{"Version": "1", "Statement": [{{{keys}, "Action": "oss:GetObject", "Resource": "acs:oss:*:*:b/*"}}]}}"#
    ));
    assert!(table.contains("300000  PL005  unknown-element"), "{table}");
}

// ─────────────────────────── no silent pass ───────────────────────────

/// The paths a walk of `dir` reports something for, and the codes it reports there.
fn walk(dir: &Path) -> (Run, std::collections::BTreeMap<String, Vec<String>>) {
    let run = run_bounded(dir, &[".", "--output-format", "json"], None);
    let document: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    let mut found = std::collections::BTreeMap::<String, Vec<String>>::new();
    for d in document["diagnostics"].as_array().unwrap() {
        found
            .entry(
                d["path"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches("./")
                    .to_string(),
            )
            .or_default()
            .push(d["code"].as_str().unwrap().to_string());
    }
    (run, found)
}

#[test]
fn a_walk_lints_every_file_that_looks_like_a_policy() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [
        // An administrator grant behind a typo in the statement key.
        (
            "typo.json",
            r#"{"Version":"1","Statements":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
        ),
        ("misspelt.json", r#"{"Version": "1", "Statment": []}"#),
        (
            "single-quoted.json",
            "{'Version': '1', 'Statement': [{'Effect': 'Allow'}]}",
        ),
        ("unquoted.json", "{Version: \"1\", Statement: []}"),
        ("broken-typo.json", "{\"Statements\": [,]}"),
        (
            "broken-statement.json",
            "{\"Effect\": \"Allow\", \"Action\": \"*\",}",
        ),
        (
            "lone-statement.json",
            r#"{"Effect": "Allow", "Action": "oss:*", "Resource": "*"}"#,
        ),
        // Not policies, and skipped.
        ("package.json", r#"{"name": "x", "version": "1.0.0"}"#),
        (
            "tsconfig.json",
            "// settings\n{\"compilerOptions\": {\"strict\": true,},}",
        ),
        ("data.json", "[1, 2, 3]"),
    ] {
        fs::write(dir.path().join(name), text).unwrap();
    }
    let (run, found) = walk(dir.path());
    assert_eq!(run.code, Some(1));
    let paths: Vec<&str> = found.keys().map(String::as_str).collect();
    assert_eq!(
        paths,
        [
            "broken-statement.json",
            "broken-typo.json",
            "lone-statement.json",
            "misspelt.json",
            "single-quoted.json",
            "typo.json",
            "unquoted.json",
        ]
    );
    // The key is reported, and what the statements under it grant is linted all the same.
    assert!(
        found["typo.json"].contains(&"PL005".to_string()),
        "{found:?}"
    );
    assert!(
        found["typo.json"].contains(&"PL301".to_string()),
        "{found:?}"
    );
    assert!(
        found["misspelt.json"].contains(&"PL005".to_string()),
        "{found:?}"
    );
    for broken in ["single-quoted.json", "unquoted.json", "broken-typo.json"] {
        assert_eq!(found[broken], ["PL001"], "{broken}");
    }
}

#[test]
fn a_walk_that_finds_nothing_to_lint_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let warning = "warning: No policy files found under the given paths";
    let run = run_bounded(dir.path(), &[] as &[&str], None);
    assert_eq!(run.code, Some(0));
    assert!(run.stderr.contains(warning), "{}", run.stderr);
    fs::write(dir.path().join("package.json"), r#"{"name": "x"}"#).unwrap();
    for format in FORMATS {
        let run = run_bounded(dir.path(), &[".", "--output-format", format], None);
        assert_eq!(run.code, Some(0), "{format}");
        assert!(run.stderr.contains(warning), "{format}: {}", run.stderr);
    }
    // Named files are the user's choice: excluded on purpose, they raise no warning.
    let run = run_bounded(dir.path(), &["package.json", "--force-exclude"], None);
    assert!(!run.stderr.contains(warning), "{}", run.stderr);
    // Nor does a walk that found a policy.
    fs::write(dir.path().join("policy.json"), GOOD).unwrap();
    let run = run_bounded(dir.path(), &["."], None);
    assert_eq!(run.code, Some(0));
    assert!(!run.stderr.contains(warning), "{}", run.stderr);
}

// ─────────────────── output that cannot be hijacked or lost ───────────────────

/// Every way a report is written, and how each is asked for.
const WRITERS: [&[&str]; 13] = [
    &["p.json", "--output-format", "pretty"],
    &["p.json", "--output-format", "concise"],
    &["p.json", "--output-format", "json"],
    &["p.json", "--output-format", "sarif"],
    &["p.json", "--output-format", "github"],
    &["p.json", "--output-format", "junit"],
    &["p.json", "--statistics"],
    &["p.json", "--verbose"],
    &["p.json", "--diff"],
    &["-", "--fix"],
    &["rule", "duplicate-action"],
    &["rule", "--all", "--output-format", "json"],
    &["completions", "bash"],
];

#[cfg(target_os = "linux")]
#[test]
fn a_report_that_cannot_be_written_fails_the_run() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("p.json"), BAD).unwrap();
    for args in WRITERS {
        let full = fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let run = run_bounded_to(dir.path(), args, Some(BAD.as_bytes()), Some(full.into()));
        assert_eq!(run.code, Some(2), "{args:?}: {}", run.stderr);
        assert!(
            run.stderr
                .contains("policylint: error: cannot write the report to standard output: No space left on device"),
            "{args:?}: {}",
            run.stderr
        );
    }
}

#[cfg(unix)]
#[test]
fn a_reader_that_stops_early_ends_the_output_quietly() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..2_000 {
        fs::write(dir.path().join(format!("p{i}.json")), BAD).unwrap();
    }
    for format in ["pretty", "json", "github"] {
        let mut child = Command::cargo_bin("policylint")
            .unwrap()
            .current_dir(dir.path())
            .args([".", "--output-format", format])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // `| head -c 100`: read a little, then close the pipe.
        let mut start = [0; 100];
        child.stdout.take().unwrap().read_exact(&mut start).unwrap();
        let started = Instant::now();
        while child.try_wait().unwrap().is_none() {
            assert!(started.elapsed() < TIME_BOUND, "{format}: still running");
            std::thread::sleep(Duration::from_millis(20));
        }
        let status = child.wait().unwrap();
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        assert_eq!(status.code(), Some(1), "{format}: {stderr}");
        assert_eq!(stderr, "", "{format}");
    }
}

// Further hostile inputs (team rule files and config, the language server) follow, each in
// a section of its own under a banner like those above, using `run_bounded` (or
// `through_every_path` for a policy file) so that every run has the time bound.
