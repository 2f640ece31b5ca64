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
