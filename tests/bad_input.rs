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

const FORMATS: [&str; 7] = [
    "pretty", "concise", "json", "sarif", "github", "junit", "gitlab",
];
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

/// Taken by the tests that keep both cores busy for long (each input through every path,
/// the language server's 50 MB session), so that their time bounds measure the linter
/// rather than each other: run side by side they starved one another past the bound.
static HEAVY_WORK: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn heavy_work() -> std::sync::MutexGuard<'static, ()> {
    // A test that failed holding it must not fail the others.
    HEAVY_WORK
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Runs the input `name` (made in a fresh folder by `make`, which returns the path to
/// lint, relative to the folder) through every output format, `--fix` on a copy, and
/// standard input (when it is a regular file), each within [`TIME_BOUND`].
fn through_every_path(make: impl Fn(&Path) -> PathBuf) {
    let _heavy = heavy_work();
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
            "json" | "sarif" | "gitlab" => {
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

/// One statement of 100,000 escalation actions against 100,000 scoped RAM resources (the
/// shape of #26): the statement checks built every action × resource request (10 billion
/// pairs, memory without end), and `action-resource-mismatch` compared each entry with
/// every resource until its budget ran out, leaving most entries unchecked. Each entry
/// that names only role or policy actions is reported.
#[test]
fn escalation_actions_against_many_resources_cost_linear_time() {
    let n = 100_000;
    let verbs = [
        "AttachPolicyToUser",
        "AttachPolicyToRole",
        "CreateAccessKey",
        "UpdateRole",
        "AddUserToGroup",
    ];
    let actions: Vec<String> = (0..n)
        .map(|i| format!("\"ram:{}{}\"", verbs[i % 5], if i < 5 { "" } else { "*" }))
        .collect();
    let resources: Vec<String> = (0..n)
        .map(|i| format!("\"acs:ram:*:*:user/team-{i}\""))
        .collect();
    let table = statistics_of(&format!(
        r#"{{"Version": "1", "Statement": [{{"Effect": "Allow", "Action": [{}], "Resource": [{}]}}]}}"#,
        actions.join(", "),
        resources.join(", ")
    ));
    assert!(
        table.contains("40000  PL105  action-resource-mismatch"),
        "{table}"
    );
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
const WRITERS: [&[&str]; 17] = [
    &["p.json", "--output-format", "pretty"],
    &["p.json", "--output-format", "concise"],
    &["p.json", "--output-format", "json"],
    &["p.json", "--output-format", "sarif"],
    &["p.json", "--output-format", "github"],
    &["p.json", "--output-format", "junit"],
    &["p.json", "--output-format", "gitlab"],
    &["p.json", "--statistics"],
    &["p.json", "--verbose"],
    &["p.json", "--diff"],
    &["-", "--fix"],
    &["rule", "duplicate-action"],
    &["rule", "--all", "--output-format", "json"],
    &["rule", "PL000"],
    &["catalogue", "oss:GetObject"],
    // Standard input that is not a policy, given back as it came.
    &[
        "-",
        "--fix",
        "--force-exclude",
        "--stdin-filename",
        "package.json",
    ],
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
        let stdin = if args.contains(&"--force-exclude") {
            r#"{"name": "x"}"#
        } else {
            BAD
        };
        let run = run_bounded_to(dir.path(), args, Some(stdin.as_bytes()), Some(full.into()));
        assert_eq!(run.code, Some(2), "{args:?}: {}", run.stderr);
        assert!(
            run.stderr
                .contains("policylint: error: cannot write the report to standard output: No space left on device"),
            "{args:?}: {}",
            run.stderr
        );
    }
}

/// The language server as the input: a hostile or broken editor on the other end of its
/// pipes. Each session must end within a time bound (the server is killed and the test
/// fails past it), without a panic, and without holding what the client merely announces.
mod language_server {
    use serde_json::{Value, json};
    use std::io::{BufRead, BufReader, Read, Write};
    use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
    use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
    use std::thread::JoinHandle;
    use std::time::{Duration, Instant};

    /// Generous: each of these takes a few seconds in a debug build.
    const BOUND: Duration = Duration::from_secs(60);

    struct Session {
        child: Child,
        stdin: Option<ChildStdin>,
        messages: Receiver<Value>,
        stderr: Option<JoinHandle<String>>,
        deadline: Instant,
        next_id: i64,
    }

    fn read_message(reader: &mut impl BufRead) -> Option<Value> {
        let mut length = None;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).ok()? == 0 {
                return None;
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(value) = line.strip_prefix("Content-Length:") {
                length = value.trim().parse::<usize>().ok();
            }
        }
        let mut body = vec![0; length?];
        reader.read_exact(&mut body).ok()?;
        serde_json::from_slice(&body).ok()
    }

    impl Session {
        fn start(bound: Duration) -> Self {
            let mut child = Command::new(assert_cmd::cargo::cargo_bin("policylint"))
                .arg("lsp")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            let stdout = child.stdout.take().unwrap();
            let mut stderr = child.stderr.take().unwrap();
            let (sender, messages) = channel();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stdout);
                while let Some(message) = read_message(&mut reader) {
                    if sender.send(message).is_err() {
                        break;
                    }
                }
            });
            let stderr = std::thread::spawn(move || {
                let mut text = String::new();
                let _ = stderr.read_to_string(&mut text);
                text
            });
            Session {
                child,
                stdin: None,
                messages,
                stderr: Some(stderr),
                deadline: Instant::now() + bound,
                next_id: 0,
            }
            .with_stdin()
        }

        fn with_stdin(mut self) -> Self {
            self.stdin = self.child.stdin.take();
            self
        }

        /// Writes bytes as they are; a server that has already left is no error here.
        fn write(&mut self, bytes: &[u8]) {
            if let Some(stdin) = self.stdin.as_mut() {
                let _ = stdin.write_all(bytes).and_then(|()| stdin.flush());
            }
        }

        fn send(&mut self, message: &Value) {
            let payload = message.to_string();
            self.write(format!("Content-Length: {}\r\n\r\n", payload.len()).as_bytes());
            self.write(payload.as_bytes());
        }

        fn notify(&mut self, method: &str, params: Value) {
            self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
        }

        fn request(&mut self, method: &str, params: Value) -> i64 {
            self.next_id += 1;
            let id = self.next_id;
            self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
            id
        }

        fn initialize(mut self) -> Self {
            let id = self.request("initialize", json!({"capabilities": {}}));
            self.wait_for(|m| m["id"] == id);
            self.notify("initialized", json!({}));
            self
        }

        fn open(&mut self, uri: &str, text: &str) {
            self.notify(
                "textDocument/didOpen",
                json!({"textDocument": {"uri": uri, "languageId": "json", "version": 1, "text": text}}),
            );
        }

        fn code_actions(&mut self, uri: &str) -> i64 {
            self.request(
                "textDocument/codeAction",
                json!({"textDocument": {"uri": uri}, "context": {"diagnostics": []},
                       "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}}),
            )
        }

        /// The first message that `wanted` takes, and every one before it.
        fn wait_for(&mut self, wanted: impl Fn(&Value) -> bool) -> Vec<Value> {
            let mut seen = Vec::new();
            loop {
                let left = self.deadline.saturating_duration_since(Instant::now());
                match self.messages.recv_timeout(left) {
                    Ok(message) => {
                        let done = wanted(&message);
                        seen.push(message);
                        if done {
                            return seen;
                        }
                    }
                    Err(RecvTimeoutError::Timeout) => {
                        let _ = self.child.kill();
                        panic!("the server took longer than its bound");
                    }
                    Err(RecvTimeoutError::Disconnected) => {
                        panic!("the server stopped: {}", self.stderr_text())
                    }
                }
            }
        }

        fn stderr_text(&mut self) -> String {
            let _ = self.child.kill();
            self.stderr
                .take()
                .map(|h| h.join().unwrap())
                .unwrap_or_default()
        }

        /// Waits for the server to exit, with its input left open (`close` false) or
        /// closed; returns the status and what it wrote on standard error.
        fn exit(mut self, close: bool) -> (ExitStatus, String) {
            if close {
                drop(self.stdin.take());
            }
            loop {
                if let Some(status) = self.child.try_wait().unwrap() {
                    let stderr = self.stderr.take().unwrap().join().unwrap();
                    assert!(!stderr.contains("panicked"), "{stderr}");
                    return (status, stderr);
                }
                if Instant::now() > self.deadline {
                    let _ = self.child.kill();
                    panic!("the server did not exit within its bound");
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }

        fn shut_down(mut self) {
            let id = self.request("shutdown", Value::Null);
            self.wait_for(|m| m["id"] == id);
            self.notify("exit", Value::Null);
            let (status, _) = self.exit(true);
            assert_eq!(status.code(), Some(0));
        }

        /// The peak memory of the server so far, where the system says.
        #[cfg(target_os = "linux")]
        fn peak_memory_bytes(&self) -> Option<u64> {
            let status =
                std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
            let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
            let kilobytes: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(kilobytes * 1024)
        }
    }

    impl Drop for Session {
        fn drop(&mut self) {
            if let Ok(None) = self.child.try_wait() {
                let _ = self.child.kill();
                let _ = self.child.wait();
            }
        }
    }

    fn publications<'a>(messages: &'a [Value], uri: &str) -> Vec<&'a Value> {
        messages
            .iter()
            .filter(|m| {
                m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri
            })
            .map(|m| &m["params"])
            .collect()
    }

    /// The diagnostics of `code` in a publication.
    fn of_code<'a>(params: &'a Value, code: &str) -> Vec<&'a Value> {
        params["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["code"] == code)
            .collect()
    }

    fn codes(params: &Value) -> Vec<&str> {
        params["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["code"].as_str().unwrap())
            .collect()
    }

    /// About `size` bytes of statements, `separator` between them, ending with a
    /// repeated action.
    fn large_policy(size: usize, separator: &str) -> String {
        let mut text = String::from("{\"Version\": \"1\", \"Statement\": [");
        let mut bucket = 0;
        while text.len() < size {
            text.push_str(&format!(
                "{{\"Effect\": \"Allow\", \"Action\": [\"oss:GetObject\", \"oss:PutObject\"], \"Resource\": \"acs:oss:*:*:b{bucket}/*\"}},{separator}"
            ));
            bucket += 1;
        }
        text.push_str("{\"Effect\": \"Allow\", \"Action\": [\"oss:GetObject\", \"oss:GetObject\"], \"Resource\": \"*\"}]}");
        text
    }

    #[test]
    fn a_huge_document() {
        let uri = "untitled:huge.json";
        let text = large_policy(50 << 20, "\n");
        let lines = text.matches('\n').count();
        let mut session = Session::start(BOUND).initialize();
        session.open(uri, &text);
        let id = session.code_actions(uri);
        let seen = session.wait_for(|m| m["id"] == id);
        let published = publications(&seen, uri);
        let repeats = of_code(published[0], "PL201");
        assert_eq!(repeats.len(), 1, "the repeat at the end is found");
        assert_eq!(repeats[0]["range"]["start"]["line"], lines);
        session.shut_down();
    }

    #[test]
    fn fifty_megabytes_on_one_line_changed_twenty_times() {
        let uri = "untitled:one-line.json";
        let text = large_policy(50 << 20, " ");
        let _heavy = super::heavy_work();
        // Twice the usual bound: a busy machine shares its cores with other tests.
        let mut session = Session::start(2 * BOUND).initialize();
        session.open(uri, &text);
        // Encoded once: the client's own work is not what is measured.
        let escaped = serde_json::to_string(&text).unwrap();
        for version in 2..=21 {
            let payload = format!(
                r#"{{"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {{"textDocument": {{"uri": "{uri}", "version": {version}}}, "contentChanges": [{{"text": {escaped}}}]}}}}"#
            );
            session.write(format!("Content-Length: {}\r\n\r\n", payload.len()).as_bytes());
            session.write(payload.as_bytes());
        }
        let id = session.code_actions(uri);
        let seen = session.wait_for(|m| m["id"] == id);
        let published = publications(&seen, uri);
        assert!(published.len() <= 3, "{} lints published", published.len());
        let last = published.last().unwrap();
        assert_eq!(last["version"], 21);
        assert!(codes(last).contains(&"PL201"));
        session.shut_down();
    }

    #[test]
    fn fifty_thousand_findings_on_one_long_line() {
        // One line of 850 KB, not ASCII, every action but the first a repeat.
        let uri = "untitled:findings.json";
        let actions = vec!["\"oss:GetObject\""; 50_001].join(", ");
        let text = format!(
            "{{\"Version\": \"1\", \"Statement\": [{{\"Sid\": \"读写😀\", \"Effect\": \"Allow\", \"Action\": [{actions}], \"Resource\": \"acs:oss:*:*:b/*\"}}]}}"
        );
        let mut session = Session::start(BOUND).initialize();
        session.open(uri, &text);
        let seen = session.wait_for(|m| m["method"] == "textDocument/publishDiagnostics");
        let published = publications(&seen, uri);
        let repeats = of_code(published[0], "PL201");
        assert_eq!(repeats.len(), 50_000);
        let last = text.rfind("\"oss:GetObject\"").unwrap();
        let column = text[..last].encode_utf16().count();
        let last_range = &repeats
            .iter()
            .max_by_key(|d| d["range"]["start"]["character"].as_u64())
            .unwrap()["range"];
        assert_eq!(last_range["start"], json!({"line": 0, "character": column}));
        assert_eq!(
            last_range["end"],
            json!({"line": 0, "character": column + 15})
        );
        session.shut_down();
    }

    #[test]
    fn lone_surrogates() {
        let uri = "untitled:surrogates.json";
        let text = "{\"Version\": \"1\", \"Statement\": [{\"Sid\": \"LONE\", \"Effect\": \"Allow\", \"Action\": [\"oss:GetObject\", \"oss:GetObject\"], \"Resource\": \"*\"}]}";
        let message = json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": uri, "languageId": "json", "version": 1, "text": text}}})
            .to_string()
            // High alone, low alone, low before high, high at the very end of the Sid.
            .replace("LONE", r"\ud800x\udfff\udc00\ud83d\ud800");
        let mut session = Session::start(BOUND).initialize();
        session.write(format!("Content-Length: {}\r\n\r\n{message}", message.len()).as_bytes());
        let seen = session.wait_for(|m| m["method"] == "textDocument/publishDiagnostics");
        let published = publications(&seen, uri);
        let repeat = of_code(published[0], "PL201")[0];
        // Each lone surrogate is one UTF-16 unit, as in the editor.
        let editor_text = text.replace("LONE", "\u{fffd}x\u{fffd}\u{fffd}\u{fffd}\u{fffd}");
        let column = editor_text[..editor_text.rfind("\"oss:GetObject\"").unwrap()]
            .encode_utf16()
            .count();
        assert_eq!(repeat["range"]["start"]["character"], column);
        session.shut_down();
    }

    #[test]
    fn an_endless_header_line() {
        let mut session = Session::start(Duration::from_secs(20));
        // 64 MB of one header line: the server stops reading at its limit and leaves.
        let chunk = vec![b'x'; 1 << 20];
        session.write(b"Content-Length: 2");
        for _ in 0..64 {
            session.write(&chunk);
        }
        let (status, stderr) = session.exit(false);
        assert_eq!(status.code(), Some(1));
        assert!(stderr.contains("header line is longer than"), "{stderr}");
    }

    #[test]
    fn a_content_length_of_two_to_the_sixty() {
        let mut session = Session::start(BOUND).initialize();
        session.write(format!("Content-Length: {}\r\n\r\n", 1u64 << 60).as_bytes());
        // What follows is read past, not kept.
        let chunk = vec![b' '; 1 << 20];
        for _ in 0..160 {
            session.write(&chunk);
        }
        #[cfg(target_os = "linux")]
        if let Some(peak) = session.peak_memory_bytes() {
            assert!(peak < 100 << 20, "the server holds {peak} bytes");
        }
        let (status, stderr) = session.exit(true);
        assert_eq!(status.code(), Some(1));
        assert!(stderr.contains("skipping a message of"), "{stderr}");
        assert!(stderr.contains("input ended inside a message"), "{stderr}");
    }

    #[test]
    fn a_message_over_the_limit_is_skipped_and_the_session_goes_on() {
        use policylint::lsp::transport::MAX_CONTENT_LENGTH;
        let uri = "untitled:skipped.json";
        let text = large_policy(0, "");
        let mut session = Session::start(BOUND).initialize();
        session.open(uri, &text);
        let id = session.code_actions(uri);
        session.wait_for(|m| m["id"] == id);
        let length = MAX_CONTENT_LENGTH + 1;
        session.write(format!("Content-Length: {length}\r\n\r\n").as_bytes());
        let chunk = vec![b' '; 1 << 20];
        let mut left = length as usize;
        while left > 0 {
            let n = left.min(chunk.len());
            session.write(&chunk[..n]);
            left -= n;
        }
        let id = session.code_actions(uri);
        let seen = session.wait_for(|m| m["id"] == id);
        // The skipped message may have changed the document: its diagnostics are taken
        // back until its next full text, and the user is told.
        let warning = seen
            .iter()
            .find(|m| m["method"] == "window/showMessage")
            .expect("a warning");
        assert!(
            warning["params"]["message"]
                .as_str()
                .unwrap()
                .contains("skipped"),
            "{warning}"
        );
        assert_eq!(
            codes(publications(&seen, uri).last().unwrap()),
            Vec::<&str>::new()
        );
        session.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": text}]}),
        );
        let id = session.code_actions(uri);
        let seen = session.wait_for(|m| m["id"] == id);
        assert!(codes(publications(&seen, uri)[0]).contains(&"PL201"));
        session.shut_down();
    }

    #[test]
    fn garbage_bytes() {
        // Framed garbage: a parse error, and the session goes on.
        let garbage: Vec<u8> = (0..4096u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        let mut session = Session::start(BOUND).initialize();
        session.write(format!("Content-Length: {}\r\n\r\n", garbage.len()).as_bytes());
        session.write(&garbage);
        let seen = session.wait_for(|m| m.get("error").is_some());
        assert_eq!(seen.last().unwrap()["error"]["code"], -32700);
        let uri = "untitled:after-garbage.json";
        session.open(uri, &large_policy(0, ""));
        let id = session.code_actions(uri);
        let seen = session.wait_for(|m| m["id"] == id);
        assert!(codes(publications(&seen, uri)[0]).contains(&"PL201"));
        session.shut_down();

        // Unframed garbage: the framing is lost, so the session ends with a message.
        let mut session = Session::start(BOUND);
        session.write(&garbage);
        session.write(b"\r\n\r\n");
        let (status, stderr) = session.exit(false);
        assert_eq!(status.code(), Some(1));
        assert!(stderr.contains("cannot read from the client"), "{stderr}");
    }
}

// ---------------------------------------------------------------------------------------
// Team rule files and configs as hostile input (issue 22). A pull request can change
// them as easily as a policy: a query, a message template, a pattern, the file itself or
// where a config's rule folders point must not exhaust the machine, hang the run or reach
// outside the repository. Self-contained: its own helpers, below.
// ---------------------------------------------------------------------------------------
mod team_rules_and_config {
    use assert_cmd::Command;
    use std::fs;
    use std::path::Path;
    use std::process::Output;
    use std::time::Duration;

    /// Generous: each run takes well under a second. Before the fixes these inputs asked
    /// for 15 GB, printed gigabytes, or waited for ever.
    const TIME_BOUND: Duration = Duration::from_secs(60);

    const FORMATS: [&str; 7] = [
        "pretty", "concise", "json", "sarif", "github", "junit", "gitlab",
    ];

    const POLICY: &str = r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": ["oss:GetObject", "oss:PutObject"], "Resource": "acs:oss:*:*:reports/*"}]}"#;

    /// A complete team rule file with one `[[check]]` of the given lines.
    fn team_rule(code: &str, name: &str, check: &str) -> String {
        format!(
            "code = \"{code}\"\nname = \"{name}\"\nseverity = \"error\"\ncategory = \"team\"\nsummary = \"A team rule.\"\nexplanation = \"Why it matters.\"\nbad = '{{}}'\ngood = '{{}}'\n\n[[check]]\n{check}\n"
        )
    }

    fn write(dir: &Path, name: &str, text: &str) {
        let path = dir.join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    /// Runs policylint in `dir` within the time bound; no panic, no kill.
    fn run(dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
        let mut command = Command::cargo_bin("policylint").unwrap();
        command.current_dir(dir).args(args).timeout(TIME_BOUND);
        if let Some(stdin) = stdin {
            command.write_stdin(stdin);
        }
        let output = command.output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.code().is_some(),
            "{args:?}: killed after {TIME_BOUND:?} (or by a signal); stderr: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        output
    }

    /// Runs `args` through every output format, from files and from standard input, and
    /// with `--fix`; returns the JSON report of the files.
    fn through_every_format(dir: &Path, args: &[&str], stdin: &str) -> serde_json::Value {
        for format in FORMATS {
            let mut with_format = args.to_vec();
            with_format.extend(["--output-format", format]);
            let output = run(dir, &with_format, None);
            assert!(
                matches!(output.status.code(), Some(0 | 1)),
                "{format}: {output:?}"
            );
            let mut from_stdin: Vec<&str> = args
                .iter()
                .copied()
                .filter(|a| !a.ends_with(".json"))
                .collect();
            from_stdin.extend([
                "--output-format",
                format,
                "--stdin-filename",
                "stdin.json",
                "-",
            ]);
            let output = run(dir, &from_stdin, Some(stdin));
            assert!(
                matches!(output.status.code(), Some(0 | 1)),
                "{format} (stdin): {output:?}"
            );
        }
        let mut fix = args.to_vec();
        fix.push("--fix");
        assert!(matches!(run(dir, &fix, None).status.code(), Some(0 | 1)));
        let mut json = args.to_vec();
        json.extend(["--output-format", "json"]);
        serde_json::from_slice(&run(dir, &json, None).stdout).unwrap()
    }

    /// Exit code 2 and the error on standard error.
    fn refused(dir: &Path, args: &[&str]) -> String {
        let output = run(dir, args, None);
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        stderr
    }

    /// A document nested 509 deep in 1 KB.
    fn deep_document() -> String {
        format!("{{\"Statement\": {}{}}}", "[".repeat(508), "]".repeat(508))
    }

    #[test]
    fn chained_descendant_queries_finish_on_a_deep_document() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "deep.json", &deep_document());
        // `undefined` with no field reports each node the query selects: each once.
        for (code, given) in [
            ("ACME001", "$..*..*..*..*"),
            ("ACME002", "$..[0:]..[0:]..[0:]"),
        ] {
            let check =
                format!("given = \"{given}\"\nfunction = \"undefined\"\nmessage = \"selected\"");
            write(
                dir.path(),
                &format!("rules/{code}-deep.toml"),
                &team_rule(code, &format!("deep-{}", code.to_lowercase()), &check),
            );
        }
        let report = through_every_format(
            dir.path(),
            &[
                "check",
                "--no-config",
                "--rules",
                "rules",
                "--select",
                "team",
                "deep.json",
            ],
            &deep_document(),
        );
        let diagnostics = report["diagnostics"].as_array().unwrap();
        for code in ["ACME001", "ACME002"] {
            let count = diagnostics.iter().filter(|d| d["code"] == code).count();
            assert!((500..=508).contains(&count), "{code}: {count}");
        }
    }

    #[test]
    fn a_query_that_reaches_its_bound_names_the_rule_and_the_file_keeps_its_findings() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "deep.json", &deep_document());
        write(dir.path(), "policy.json", POLICY);
        let check =
            "given = \"$..[?@..[?@..[?@..*]]]\"\nfunction = \"undefined\"\nmessage = \"selected\"";
        write(
            dir.path(),
            "rules/ACME003-nested.toml",
            &team_rule("ACME003", "nested-search", check),
        );
        let report = through_every_format(
            dir.path(),
            &[
                "check",
                "--no-config",
                "--rules",
                "rules",
                "deep.json",
                "policy.json",
            ],
            &deep_document(),
        );
        let diagnostics = report["diagnostics"].as_array().unwrap();
        let of = |path: &str| -> Vec<&serde_json::Value> {
            diagnostics.iter().filter(|d| d["path"] == path).collect()
        };
        let deep = of("deep.json");
        let bound = deep
            .iter()
            .find(|d| d["code"] == "PL000")
            .unwrap_or_else(|| panic!("{deep:#?}"));
        assert_eq!(bound["rule"], "rule-error");
        assert_eq!(bound["severity"], "error");
        let message = bound["message"].as_str().unwrap();
        assert!(
            message.contains("ACME003 [nested-search]")
                && message.contains("ACME003-nested.toml")
                && message.contains("$..[?@..[?@..[?@..*]]]"),
            "{message}"
        );
        // The file's other findings stand.
        assert!(deep.iter().any(|d| d["code"] == "PL003"), "{deep:#?}");
        // An ordinary policy is well within the bound: the rule ran, and selected nothing.
        assert!(of("policy.json").iter().all(|d| d["code"] != "PL000"));
    }

    /// A folder with one team rule in `rules/` and `POLICY` in `policy.json`.
    fn folder_with_rule(code: &str, name: &str, check: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let file = format!("rules/{code}-{name}.toml");
        write(dir.path(), &file, &team_rule(code, name, check));
        write(dir.path(), "policy.json", POLICY);
        dir
    }

    /// The error that refuses a team rule when it loads.
    fn rule_refused(code: &str, name: &str, check: &str) -> String {
        let dir = folder_with_rule(code, name, check);
        let args = ["check", "--no-config", "--rules", "rules", "policy.json"];
        refused(dir.path(), &args)
    }

    /// Concise output of `file` in `dir` with only the team's rules.
    fn team_findings(dir: &Path, file: &str) -> Output {
        let args = [
            "check",
            "--no-config",
            "--rules",
            "rules",
            "--select",
            "team",
            "--output-format",
            "concise",
            file,
        ];
        run(dir, &args, None)
    }

    #[test]
    fn message_templates_are_bounded() {
        let huge = format!(
            "given = \"$.Statement[*].Action\"\nfunction = \"pattern\"\noptions = {{ match = '^ecs:' }}\nmessage = \"{}\"",
            "{value}".repeat(20_000)
        );
        let error = rule_refused("ACME004", "huge", &huge);
        assert!(
            error.contains("ACME004-huge.toml:10:") && error.contains("at most"),
            "{error}"
        );

        // A long value is cut in the message: a 1 MB action gives a short line.
        let fine = "given = \"$.Statement[*].Action\"\nfunction = \"pattern\"\noptions = { match = '^ecs:' }\nmessage = \"`{value}` is not ECS; neither is `{value}`\"";
        let dir = folder_with_rule("ACME005", "only-ecs", fine);
        let long = POLICY.replace("oss:GetObject", &"x".repeat(1 << 20));
        write(dir.path(), "long.json", &long);
        let output = team_findings(dir.path(), "long.json");
        assert_eq!(output.status.code(), Some(1));
        assert!(output.stdout.len() < 2_000, "{} bytes", output.stdout.len());
        assert!(String::from_utf8_lossy(&output.stdout).contains("xxx…` is not ECS"));
    }

    #[test]
    fn an_empty_not_match_pattern_is_refused_and_unique_is_linear() {
        let empty = "given = \"$.Statement[*].Action\"\nfunction = \"pattern\"\noptions = { not-match = '' }\nmessage = \"no\"";
        let error = rule_refused("ACME006", "empty", empty);
        assert!(
            error.contains("ACME006-empty.toml:10:") && error.contains("matches the empty string"),
            "{error}"
        );

        // A million distinct actions and one repeat: comparing each with those before it
        // took hours.
        let unique = "given = \"$.Statement[*].Action\"\nfunction = \"unique\"\nmessage = \"`{value}` again\"";
        let dir = folder_with_rule("ACME007", "unique", unique);
        let actions: Vec<String> = (0..1_000_000).map(|i| format!("\"ecs:A{i}\"")).collect();
        let policy = format!(
            "{{\"Version\": \"1\", \"Statement\": [{{\"Effect\": \"Allow\", \"Action\": [{}, \"ecs:A7\"], \"Resource\": \"*\"}}]}}",
            actions.join(",")
        );
        write(dir.path(), "many.json", &policy);
        let output = team_findings(dir.path(), "many.json");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert_eq!(stdout.matches("ACME007").count(), 1, "{stdout}");
        assert!(stdout.contains("`ecs:A7` again"));
    }

    #[test]
    fn deep_or_long_rule_and_config_text_is_refused_in_a_few_lines() {
        let dir = tempfile::tempdir().unwrap();
        let deep = format!("[{}{}]\n", "[".repeat(200_000), "]".repeat(200_000));
        write(dir.path(), "deep.toml", &format!("select = {deep}"));
        write(dir.path(), "policy.json", POLICY);
        let error = refused(
            dir.path(),
            &["check", "--config", "deep.toml", "policy.json"],
        );
        assert!(error.contains("deep.toml:1:"), "{error}");
        let error = rule_refused("ACME012", "deep", &format!("given = {deep}"));
        assert!(error.contains("ACME012-deep.toml:"), "{error}");
        // A query of 200 KB that does not parse: the error quotes its start.
        let long = format!("$.a{}[?shout(@)]", ".b".repeat(100_000));
        let check = format!("given = \"{long}\"\nfunction = \"undefined\"\nmessage = \"x\"");
        let error = rule_refused("ACME013", "long", &check);
        assert!(error.contains("not a valid JSONPath"), "{error}");
        assert!(error.len() < 1_000, "{} bytes", error.len());
    }

    #[cfg(unix)]
    fn mkfifo(path: &Path) -> bool {
        std::process::Command::new("mkfifo")
            .arg(path)
            .status()
            .is_ok_and(|s| s.success())
    }

    #[cfg(unix)]
    #[test]
    fn rule_and_config_files_must_be_regular_files_of_bounded_size() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "policy.json", POLICY);
        symlink("/dev/zero", root.join("zero.toml")).unwrap();
        let check = |args: &[&str], expected: &str| {
            let error = refused(root, args);
            assert!(error.contains(expected), "{args:?}: {error}");
        };
        check(
            &["check", "--config", "zero.toml", "policy.json"],
            "zero.toml: cannot read the config: not a regular file",
        );
        if mkfifo(&root.join("fifo.toml")) {
            check(
                &["check", "--config", "fifo.toml", "policy.json"],
                "fifo.toml: cannot read the config: not a regular file",
            );
            fs::create_dir(root.join("fifo-rules")).unwrap();
            assert!(mkfifo(&root.join("fifo-rules/ACME008-x.toml")));
            check(
                &[
                    "check",
                    "--no-config",
                    "--rules",
                    "fifo-rules",
                    "policy.json",
                ],
                "ACME008-x.toml: cannot read: not a regular file",
            );
            check(
                &["rule", "ACME008", "--rules", "fifo-rules"],
                "ACME008-x.toml: cannot read: not a regular file",
            );
            // A config found next to the policy is no different.
            let nested = root.join("nested");
            fs::create_dir(&nested).unwrap();
            write(&nested, "policy.json", POLICY);
            assert!(mkfifo(&nested.join("policylint.toml")));
            check(&["check", "nested/policy.json"], "not a regular file");
        }
        fs::create_dir(root.join("zero-rules")).unwrap();
        symlink("/dev/zero", root.join("zero-rules/ACME009-zero.toml")).unwrap();
        check(
            &[
                "check",
                "--no-config",
                "--rules",
                "zero-rules",
                "policy.json",
            ],
            "ACME009-zero.toml: cannot read: not a regular file",
        );
        // A large file is refused by its size, whatever it holds.
        let padding = format!("# {}\n", "x".repeat(100));
        write(root, "large/ACME010-large.toml", &padding.repeat(11_000));
        check(
            &["check", "--no-config", "--rules", "large", "policy.json"],
            "larger than 1048576 bytes (1 MiB)",
        );
        write(root, "large.toml", &padding.repeat(11_000));
        check(
            &["check", "--config", "large.toml", "policy.json"],
            "larger than 1048576 bytes (1 MiB)",
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_configs_rule_folders_stay_inside_the_tree_it_governs() {
        let outer = tempfile::tempdir().unwrap();
        let repo = outer.path().join("repo");
        write(&repo, "policy.json", POLICY);
        let rule = team_rule(
            "ACME011",
            "no-put",
            "given = \"$.Statement[*].Action\"\nfunction = \"pattern\"\noptions = { not-match = 'Put' }\nmessage = \"no Put\"",
        );
        write(outer.path(), "elsewhere/ACME011-no-put.toml", &rule);
        write(&repo, "team-rules/ACME011-no-put.toml", &rule);
        std::os::unix::fs::symlink(outer.path().join("elsewhere"), repo.join("linked-rules"))
            .unwrap();
        for (rules_dirs, shown) in [
            ("\"/etc\"", "`/etc` resolves to /etc, outside"),
            ("\"../..\"", "`../..` resolves to"),
            (
                "\"team-rules\", \"../elsewhere\"",
                "`../elsewhere` resolves to",
            ),
            ("\"linked-rules\"", "`linked-rules` resolves to"),
        ] {
            write(
                &repo,
                "policylint.toml",
                &format!("fail-on = \"error\"\nrules-dirs = [{rules_dirs}]\n"),
            );
            let error = refused(&repo, &["check", "policy.json"]);
            assert!(
                error.contains("policylint.toml:2:") && error.contains(shown),
                "{rules_dirs}: {error}"
            );
        }
        // A rule file linked from outside is refused too.
        std::os::unix::fs::symlink(
            outer.path().join("elsewhere/ACME011-no-put.toml"),
            repo.join("team-rules/ACME012-linked.toml"),
        )
        .unwrap();
        write(&repo, "policylint.toml", "rules-dirs = [\"team-rules\"]\n");
        let error = refused(&repo, &["check", "policy.json"]);
        assert!(
            error.contains("ACME012-linked.toml: the rule file resolves to"),
            "{error}"
        );
        fs::remove_file(repo.join("team-rules/ACME012-linked.toml")).unwrap();
        // Inside the tree, the rules load; the command line may point anywhere.
        let output = run(
            &repo,
            &["check", "--output-format", "concise", "policy.json"],
            None,
        );
        assert!(
            String::from_utf8_lossy(&output.stdout).contains("ACME011"),
            "{output:?}"
        );
        let elsewhere = outer.path().join("elsewhere");
        let output = run(
            &repo,
            &[
                "check",
                "--no-config",
                "--rules",
                elsewhere.to_str().unwrap(),
                "--output-format",
                "concise",
                "policy.json",
            ],
            None,
        );
        assert!(
            String::from_utf8_lossy(&output.stdout).contains("ACME011"),
            "{output:?}"
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
        .args(["check", "--fix", "--unsafe-fixes", "--exit-zero"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(fixed.status.success());
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
    let after = fs::read_to_string(&file).unwrap();
    // Every effect corrected (`--unsafe-fixes` also adds `missing-list-buckets`'
    // statements, with effects of their own).
    assert_eq!(after.matches("\"allow\"").count(), 0);
    assert_eq!(after.matches("\"oss:GetObject\"").count(), 5_000);
    // With `--unsafe-fixes` the encoded documents' versions are set to `"1"`, escaped.
    assert_eq!(after.matches("\\\"Version\\\": \\\"1\\\"").count(), 5_000);
    assert!(serde_json::from_str::<serde_json::Value>(&after).is_ok());
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
    // Every policy lacks `oss:ListBuckets`: 100,000 infos would pass the output kept.
    fs::write(
        dir.path().join("policylint.toml"),
        "ignore = [\"missing-list-buckets\"]\n",
    )
    .unwrap();
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

// ---------------------------------------------------------------------------------------
// Hostile Markdown: huge fences, deep nesting, unterminated fences, a policy at the end.

const BAD_BLOCK: &str = "```json\n{\"Version\": \"1\", \"Statement\": [{\"Effect\": \"Allow\", \"Action\": [\"oss:GetObject\", \"oss:GetObject\"], \"Resource\": \"acs:oss:*:*:b/*\"}]}\n```\n";

#[test]
fn a_huge_fence_and_many_blocks_of_markdown() {
    let dir = tempfile::tempdir().unwrap();
    // A twenty-megabyte policy in one fence, its repeat in the last statement.
    let huge = dir.path().join("huge.md");
    let mut text = String::from("# Policy\n\n```json\n{\"Version\": \"1\", \"Statement\": [\n");
    let mut bucket = 0;
    while text.len() < 20 * 1024 * 1024 {
        text.push_str(&format!(
            "  {{\"Effect\": \"Allow\", \"Action\": \"oss:GetObject\", \"Resource\": \"acs:oss:*:*:b{bucket}/*\"}},\n"
        ));
        bucket += 1;
    }
    let last = "  {\"Effect\": \"Allow\", \"Action\": [\"oss:PutObject\", \"oss:PutObject\"], \"Resource\": \"acs:oss:*:*:last/*\"}";
    text.push_str(&format!("{last}\n]}}\n```\n"));
    fs::write(&huge, &text).unwrap();
    let (status, output) = lint_within(&[&huge], 120);
    assert_eq!(status, 1);
    let repeat = diagnostics_for(&output, &huge)
        .into_iter()
        .find(|d| d["code"] == "PL201")
        .unwrap()
        .clone();
    assert_eq!(repeat["start"]["line"], text.lines().count() - 2);
    assert_eq!(
        repeat["start"]["column"],
        last.rfind("\"oss:PutObject\"").unwrap() + 1
    );
    // A hundred thousand blocks of shell that speak of statements and hold no policy,
    // then one that does.
    let many = dir.path().join("many.md");
    let mut text = "```sh\necho '{ \"statement\": ' { { {\n```\n\n".repeat(100_000);
    text.push_str(BAD_BLOCK);
    fs::write(&many, &text).unwrap();
    let (status, output) = lint_within(&[&many], 60);
    assert_eq!(status, 1);
    assert_eq!(output["documents"].as_array().unwrap().len(), 1);
    assert_eq!(diagnostics_for(&output, &many)[0]["start"]["line"], 400_002);
}

#[test]
fn deeply_nested_quotes_and_lists_and_unterminated_fences() {
    let dir = tempfile::tempdir().unwrap();
    // Ten thousand block quotes, and list items nested a thousand deep, around a block.
    let quotes = dir.path().join("quotes.md");
    let prefix = "> ".repeat(10_000);
    let quoted: String = BAD_BLOCK
        .lines()
        .map(|line| format!("{prefix}{line}\n"))
        .collect();
    fs::write(&quotes, &quoted).unwrap();
    let (_, output) = lint_within(&[&quotes], 60);
    assert!(output["diagnostics"].is_array(), "{output:#}");
    let lists = dir.path().join("lists.md");
    let mut text = String::new();
    for depth in 0..1_000 {
        text.push_str(&format!("{}- item\n", "  ".repeat(depth)));
    }
    fs::write(&lists, &text).unwrap();
    let (status, _) = lint_within(&[&lists], 60);
    assert_eq!(status, 0);
    // An unterminated fence runs to the end of the file: its policy is still read.
    let open = dir.path().join("open.md");
    fs::write(&open, BAD_BLOCK.trim_end_matches("```\n")).unwrap();
    let (status, output) = lint_within(&[&open], 60);
    assert_eq!(status, 1);
    assert!(
        diagnostics_for(&output, &open)
            .iter()
            .any(|d| d["code"] == "PL201"),
        "{output:#}"
    );
    // Nested braces that never make JSON, and a broken policy in a `json` block.
    let braces = dir.path().join("braces.md");
    fs::write(
        &braces,
        format!(
            "```\n{}statement{}\n```\n",
            "{".repeat(100_000),
            "}".repeat(100_000)
        ),
    )
    .unwrap();
    let (status, _) = lint_within(&[&braces], 60);
    assert_eq!(status, 0);
    let broken = dir.path().join("broken.md");
    fs::write(&broken, "Text.\n\n```json\n{\"Statement\": [ ... ]}\n```\n").unwrap();
    let output = assert_reported(&broken, "PL001", "");
    assert_eq!(diagnostics_for(&output, &broken)[0]["start"]["line"], 4);
}

#[test]
fn an_unterminated_heredoc_deep_hcl_and_a_huge_terraform_file() {
    let dir = tempfile::tempdir().unwrap();
    // A heredoc whose closing marker never comes: a syntax error at its place, not a hang.
    let open = dir.path().join("open.tf");
    fs::write(
        &open,
        "resource \"alicloud_ram_policy\" \"p\" {\n  policy_document = <<EOF\n{\"Statement\": []}\nEOFX\n",
    )
    .unwrap();
    let output = assert_reported(&open, "PL001", "Terraform");
    assert!(
        diagnostics_for(&output, &open)[0]["start"]["line"]
            .as_u64()
            .unwrap()
            >= 2
    );
    // Ten thousand nested lists inside a policy object, and ten thousand nested blocks.
    let deep = dir.path().join("deep.tf");
    fs::write(
        &deep,
        format!(
            "locals {{\n  p = {{ Statement = {}{} }}\n}}\n",
            "[".repeat(10_000),
            "]".repeat(10_000)
        ),
    )
    .unwrap();
    let (_, output) = lint_within(&[&deep], 60);
    assert_eq!(diagnostics_for(&output, &deep)[0]["code"], "PL001");
    let blocks = dir.path().join("blocks.tf");
    fs::write(
        &blocks,
        format!(
            "{}statement = 1\n{}",
            "a {\n".repeat(10_000),
            "}\n".repeat(10_000)
        ),
    )
    .unwrap();
    let (status, _) = lint_within(&[&blocks], 60);
    assert!(status == 0 || status == 1, "{status}");
    // Twenty megabytes of Terraform, one repeated action in the last heredoc.
    let huge = dir.path().join("huge.tf");
    let mut text = String::new();
    let mut n = 0;
    while text.len() < 20 * 1024 * 1024 {
        text.push_str(&format!(
            "resource \"alicloud_ram_policy\" \"p{n}\" {{\n  policy_document = <<-EOF\n    {{\"Version\": \"1\", \"Statement\": [{{\"Effect\": \"Allow\", \"Action\": \"oss:GetObject\", \"Resource\": \"acs:oss:*:*:b{n}/*\"}}]}}\n  EOF\n}}\n"
        ));
        n += 1;
    }
    text.push_str("resource \"alicloud_ram_policy\" \"last\" {\n  policy_document = <<-EOF\n    {\"Version\": \"1\", \"Statement\": [{\"Effect\": \"Allow\", \"Action\": [\"oss:PutObject\", \"oss:PutObject\"], \"Resource\": \"acs:oss:*:*:last/*\"}]}\n  EOF\n}\n");
    fs::write(&huge, &text).unwrap();
    // Every policy lacks `oss:ListBuckets`: 100,000 infos would pass the output kept.
    fs::write(
        dir.path().join("policylint.toml"),
        "ignore = [\"missing-list-buckets\"]\n",
    )
    .unwrap();
    let (_, output) = lint_within(&[&huge], 120);
    let repeat = diagnostics_for(&output, &huge)
        .into_iter()
        .find(|d| d["code"] == "PL201")
        .unwrap()
        .clone();
    assert_eq!(repeat["start"]["line"], text.lines().count() - 2);
    assert_eq!(repeat["start"]["column"], 84);
    assert_eq!(output["documents"].as_array().unwrap().len(), n + 1);
}

// ───────────────────────────── the access commands ─────────────────────────────

/// `can` and `diff` read policies as `check` does: broken, deep, huge, not UTF-8 and
/// pathological-wildcard inputs end within the bound, without a panic, with exit 0, 1 or 2.
#[test]
fn can_and_diff_take_hostile_policies_within_the_time_bound() {
    let dir = tempfile::tempdir().unwrap();
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    // A thousand statements: `diff` is still quadratic in them (issue #25).
    let many: Vec<String> = (0..1_000)
        .map(|i| format!("{{\"Effect\": \"Allow\", \"Action\": \"oss:Get*{i}*\", \"Resource\": \"acs:oss:*:*:b{i}/*\"}}"))
        .collect();
    let huge = format!(
        "{{\"Version\": \"1\", \"Statement\": [{}]}}",
        many.join(",")
    );
    let stars = format!(
        "{{\"Version\": \"1\", \"Statement\": [{{\"Effect\": \"Allow\", \"Action\": \"{}\", \"Resource\": \"*\"}}]}}",
        "x:*a".repeat(2_000)
    );
    let inputs: [(&str, &[u8]); 5] = [
        ("broken.json", b"{\"Statement\": [{\"Effect\": "),
        ("deep.json", deep.as_bytes()),
        ("huge.json", huge.as_bytes()),
        ("stars.json", stars.as_bytes()),
        (
            "latin1.json",
            b"{\"Version\": \"1\", \"Statement\": [{\"Sid\": \"\xe9\"}]}",
        ),
    ];
    let clean = dir.path().join("clean.json");
    fs::write(&clean, r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "oss:GetObject", "Resource": "*"}]}"#).unwrap();
    for (name, bytes) in inputs {
        let path = dir.path().join(name);
        fs::write(&path, bytes).unwrap();
        let can = run_bounded(
            dir.path(),
            &[
                OsStr::new("can"),
                OsStr::new("oss:GetObject"),
                OsStr::new("acs:oss:*:*:b1/x"),
                path.as_os_str(),
            ],
            None,
        );
        assert!(
            matches!(can.code, Some(0..=2)),
            "can {name}: {:?} {}",
            can.code,
            can.stderr
        );
        for pair in [
            [clean.as_os_str(), path.as_os_str()],
            [path.as_os_str(), clean.as_os_str()],
        ] {
            let mut args = vec![OsStr::new("diff")];
            args.extend(pair);
            let diff = run_bounded(dir.path(), &args, None);
            assert!(
                matches!(diff.code, Some(0..=2)),
                "diff {name}: {:?} {}",
                diff.code,
                diff.stderr
            );
        }
    }
}
