//! `policylint lsp` as an editor drives it: the real binary on piped standard input and
//! output, JSON-RPC with `Content-Length` framing, every wait bounded so a broken server
//! fails the test instead of hanging it.

mod common;

use common::root;
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

const SEED_OSS: &str = "fixtures/seeds/pai-designer-oss.json";
const TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Units {
    Utf16,
    Utf8,
}

struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    incoming: Receiver<Value>,
    /// Messages read while waiting for something else.
    backlog: VecDeque<Value>,
    next_id: i64,
}

/// Reads framed messages the way an editor does.
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
    Some(serde_json::from_slice(&body).expect("the server sends JSON"))
}

impl Client {
    fn start() -> Self {
        Client::start_in(&root())
    }

    fn start_in(dir: &std::path::Path) -> Self {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("policylint"))
            .arg("lsp")
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("policylint starts");
        let stdout = child.stdout.take().unwrap();
        let (sender, incoming) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_message(&mut reader) {
                if sender.send(message).is_err() {
                    break;
                }
            }
        });
        Client {
            stdin: child.stdin.take(),
            child,
            incoming,
            backlog: VecDeque::new(),
            next_id: 0,
        }
    }

    fn send_raw(&mut self, payload: &str) {
        let stdin = self.stdin.as_mut().expect("stdin still open");
        write!(stdin, "Content-Length: {}\r\n\r\n{payload}", payload.len()).unwrap();
        stdin.flush().unwrap();
    }

    fn send(&mut self, message: Value) {
        self.send_raw(&message.to_string());
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    fn next(&mut self) -> Value {
        self.incoming
            .recv_timeout(TIMEOUT)
            .unwrap_or_else(|e| match e {
                RecvTimeoutError::Timeout => panic!("no message from the server in {TIMEOUT:?}"),
                RecvTimeoutError::Disconnected => panic!("the server closed its output"),
            })
    }

    /// Sends a request and returns its whole response (`result` or `error`); whatever
    /// arrives before it goes to the backlog.
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.response_to(json!(id))
    }

    fn response_to(&mut self, id: Value) -> Value {
        loop {
            let message = self.next();
            if message.get("method").is_none() && message["id"] == id {
                return message;
            }
            self.backlog.push_back(message);
        }
    }

    fn initialize(&mut self, capabilities: Value) -> Value {
        let response = self.request(
            "initialize",
            json!({"processId": null, "rootUri": null, "capabilities": capabilities}),
        );
        self.notify("initialized", json!({}));
        response["result"].clone()
    }

    fn open(&mut self, uri: &str, language: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": language, "version": 1, "text": text}}),
        );
    }

    fn change(&mut self, uri: &str, version: i64, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}),
        );
    }

    /// The next notification of `method`, from the backlog first.
    fn notification(&mut self, method: &str, matches: impl Fn(&Value) -> bool) -> Value {
        let wanted = |m: &Value| m["method"] == method && matches(&m["params"]);
        if let Some(i) = self.backlog.iter().position(wanted) {
            return self.backlog.remove(i).unwrap()["params"].clone();
        }
        loop {
            let message = self.next();
            if wanted(&message) {
                return message["params"].clone();
            }
            self.backlog.push_back(message);
        }
    }

    /// The next diagnostics published for `uri`.
    fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        let params = self.notification("textDocument/publishDiagnostics", |p| p["uri"] == uri);
        params["diagnostics"].as_array().unwrap().clone()
    }

    /// Whether anything was published for `uri` up to now: a request is answered only
    /// after every earlier notification has been handled.
    fn published_anything(&mut self, uri: &str) -> bool {
        self.request(
            "textDocument/codeAction",
            code_action_params(uri, 0, 0, 0, 0),
        );
        self.backlog
            .iter()
            .any(|m| m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri)
    }

    fn code_actions(&mut self, uri: &str, range: &Value, only: Option<&[&str]>) -> Vec<Value> {
        let mut context = json!({"diagnostics": []});
        if let Some(only) = only {
            context["only"] = json!(only);
        }
        let response = self.request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": range, "context": context}),
        );
        response["result"]
            .as_array()
            .unwrap_or_else(|| panic!("code actions: {response}"))
            .clone()
    }

    /// The next request from the server of `method` (from the backlog first), whole.
    fn server_request(&mut self, method: &str) -> Value {
        let wanted = |m: &Value| m["method"] == method && m.get("id").is_some();
        if let Some(i) = self.backlog.iter().position(wanted) {
            return self.backlog.remove(i).unwrap();
        }
        loop {
            let message = self.next();
            if wanted(&message) {
                return message;
            }
            self.backlog.push_back(message);
        }
    }

    fn respond(&mut self, id: &Value, result: Value) {
        self.send(json!({"jsonrpc": "2.0", "id": id, "result": result}));
    }

    fn hover(&mut self, uri: &str, position: &Value) -> Value {
        let response = self.request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": position}),
        );
        assert!(response.get("error").is_none(), "{response}");
        response["result"].clone()
    }

    /// Every publication for `uri` so far (its parameters), once a request about it has
    /// been answered: the server lints a changed document before answering about it.
    fn all_published(&mut self, uri: &str) -> Vec<Value> {
        self.request(
            "textDocument/codeAction",
            code_action_params(uri, 0, 0, 0, 0),
        );
        let mut published = Vec::new();
        self.backlog.retain(|m| {
            let this =
                m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri;
            if this {
                published.push(m["params"].clone());
            }
            !this
        });
        published
    }

    fn shutdown_and_exit(mut self) -> ExitStatus {
        let response = self.request("shutdown", Value::Null);
        assert_eq!(response["result"], Value::Null, "{response}");
        assert!(response.get("error").is_none(), "{response}");
        self.exit()
    }

    fn exit(mut self) -> ExitStatus {
        self.notify("exit", Value::Null);
        drop(self.stdin.take());
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if start.elapsed() > TIMEOUT {
                let _ = self.child.kill();
                panic!("the server did not exit within {TIMEOUT:?}");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        // A failed test must not leave a server running.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn code_action_params(uri: &str, l1: u32, c1: u32, l2: u32, c2: u32) -> Value {
    json!({
        "textDocument": {"uri": uri},
        "range": {"start": {"line": l1, "character": c1}, "end": {"line": l2, "character": c2}},
        "context": {"diagnostics": []},
    })
}

fn file_uri(path: &std::path::Path) -> String {
    let mut uri = String::from("file://");
    for byte in path.to_str().unwrap().bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                uri.push(byte as char)
            }
            _ => uri.push_str(&format!("%{byte:02X}")),
        }
    }
    uri
}

/// The byte offset of an LSP position, computed here independently of the server.
fn offset(text: &str, position: &Value, units: Units) -> usize {
    let line = position["line"].as_u64().unwrap() as usize;
    let character = position["character"].as_u64().unwrap() as usize;
    let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
    let mut counted = 0;
    for (i, c) in text[start..].char_indices() {
        if counted >= character || c == '\n' {
            return start + i;
        }
        counted += match units {
            Units::Utf16 => c.len_utf16(),
            Units::Utf8 => c.len_utf8(),
        };
    }
    text.len()
}

/// The LSP range of a byte range, computed here independently of the server.
fn range(text: &str, start: usize, end: usize, units: Units) -> Value {
    let position = |at: usize| {
        let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        let line = text[..at].matches('\n').count();
        let character = match units {
            Units::Utf16 => text[line_start..at].encode_utf16().count(),
            Units::Utf8 => at - line_start,
        };
        json!({"line": line, "character": character})
    };
    json!({"start": position(start), "end": position(end)})
}

/// Applies a code action's edit to `text` as an editor would.
fn apply(text: &str, action: &Value, uri: &str, units: Units) -> String {
    let edits = action["edit"]["changes"][uri]
        .as_array()
        .unwrap_or_else(|| panic!("no edits for {uri} in {action}"));
    let mut spans: Vec<(usize, usize, &str)> = edits
        .iter()
        .map(|e| {
            (
                offset(text, &e["range"]["start"], units),
                offset(text, &e["range"]["end"], units),
                e["newText"].as_str().unwrap(),
            )
        })
        .collect();
    spans.sort_by_key(|s| std::cmp::Reverse(s.0));
    let mut out = text.to_string();
    for (start, end, replacement) in spans {
        out.replace_range(start..end, replacement);
    }
    out
}

fn codes(diagnostics: &[Value]) -> Vec<&str> {
    diagnostics
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect()
}

fn find<'a>(diagnostics: &'a [Value], code: &str) -> &'a Value {
    diagnostics
        .iter()
        .find(|d| d["code"] == code)
        .unwrap_or_else(|| panic!("no {code} in {diagnostics:#?}"))
}

#[test]
fn an_editor_session_fixes_the_repeated_action_and_shuts_down_cleanly() {
    let text = std::fs::read_to_string(root().join(SEED_OSS)).unwrap();
    let uri = file_uri(&root().join(SEED_OSS));
    let mut client = Client::start();
    let result = client.initialize(json!({}));
    assert_eq!(result["capabilities"]["positionEncoding"], "utf-16");
    assert_eq!(result["capabilities"]["textDocumentSync"]["change"], 1);
    let kinds = &result["capabilities"]["codeActionProvider"]["codeActionKinds"];
    assert!(
        kinds
            .as_array()
            .unwrap()
            .contains(&json!("source.fixAll.policylint")),
        "{kinds}"
    );

    client.open(&uri, "json", &text);
    let diagnostics = client.diagnostics(&uri);
    let duplicate = find(&diagnostics, "PL201");
    // The second `"oss:GetBucketCors"`: line 13, columns 9-27 one-based in the file.
    let expected =
        json!({"start": {"line": 12, "character": 8}, "end": {"line": 12, "character": 27}});
    assert_eq!(duplicate["range"], expected);
    let second = text.rfind("\"oss:GetBucketCors\"").unwrap();
    assert_eq!(
        range(
            &text,
            second,
            second + "\"oss:GetBucketCors\"".len(),
            Units::Utf16
        ),
        expected
    );
    assert_eq!(duplicate["severity"], 2);
    assert_eq!(duplicate["source"], "policylint");
    assert_eq!(
        duplicate["message"],
        "`oss:GetBucketCors` is already listed in this statement\nremove the repeated entry; did you mean `oss:PutBucketCors`?"
    );
    assert_eq!(duplicate["data"]["rule"], "duplicate-action");
    assert_eq!(
        duplicate["data"]["explain"],
        "policylint rule duplicate-action"
    );
    // The first listing is related information in the same document.
    let related = &duplicate["relatedInformation"][0];
    assert_eq!(related["location"]["uri"], uri.as_str());
    assert_eq!(related["location"]["range"]["start"]["line"], 11);
    assert!(codes(&diagnostics).contains(&"PL109"), "{diagnostics:#?}");

    let actions = client.code_actions(&uri, &duplicate["range"], None);
    let quickfix = actions
        .iter()
        .find(|a| a["kind"] == "quickfix" && a["diagnostics"][0]["code"] == "PL201")
        .unwrap_or_else(|| panic!("no quick fix for PL201 in {actions:#?}"));
    assert_eq!(quickfix["title"], "remove the repeated action");
    assert_eq!(quickfix["isPreferred"], true);
    assert!(
        actions
            .iter()
            .any(|a| a["kind"] == "source.fixAll.policylint"),
        "{actions:#?}"
    );
    // Quick fixes alone when only quick fixes are asked for.
    let only = client.code_actions(&uri, &duplicate["range"], Some(&["quickfix"]));
    assert!(only.iter().all(|a| a["kind"] == "quickfix") && !only.is_empty());

    let fixed = apply(&text, quickfix, &uri, Units::Utf16);
    assert_eq!(fixed.matches("oss:GetBucketCors").count(), 1, "{fixed}");
    serde_json::from_str::<Value>(&fixed).expect("the fixed text is JSON");
    client.change(&uri, 2, &fixed);
    let after = client.diagnostics(&uri);
    assert!(!codes(&after).contains(&"PL201"), "{after:#?}");
    assert!(codes(&after).contains(&"PL109"), "{after:#?}");

    let status = client.shutdown_and_exit();
    assert_eq!(status.code(), Some(0));
}

#[test]
fn columns_count_utf16_units_by_default_and_bytes_when_utf8_is_offered() {
    let text = "{\n  \"Version\": \"1\",\n  \"Statement\": [{\"Sid\": \"读写桶😀\", \"Effect\": \"Allow\", \"Action\": [\"oss:GetObject\", \"oss:GetObject\"], \"Resource\": \"acs:oss:*:*:mybucket/*\"}]\n}\n";
    let second = text.rfind("\"oss:GetObject\"").unwrap();
    let end = second + "\"oss:GetObject\"".len();
    let uri = "untitled:Untitled-1";

    let mut client = Client::start();
    client.initialize(json!({"general": {"positionEncodings": ["utf-16"]}}));
    client.open(uri, "json", text);
    let diagnostics = client.diagnostics(uri);
    let utf16 = range(text, second, end, Units::Utf16);
    // Three CJK characters and an emoji (two UTF-16 units) precede it on line 2.
    assert_eq!(
        utf16,
        json!({"start": {"line": 2, "character": 80}, "end": {"line": 2, "character": 95}})
    );
    assert_eq!(find(&diagnostics, "PL201")["range"], utf16);
    let actions = client.code_actions(uri, &utf16, Some(&["quickfix"]));
    let fixed = apply(text, &actions[0], uri, Units::Utf16);
    assert_eq!(fixed.matches("oss:GetObject").count(), 1, "{fixed}");
    assert!(fixed.contains("[\"oss:GetObject\"]"), "{fixed}");
    client.shutdown_and_exit();

    let mut client = Client::start();
    let result = client.initialize(json!({"general": {"positionEncodings": ["utf-8", "utf-16"]}}));
    assert_eq!(result["capabilities"]["positionEncoding"], "utf-8");
    client.open(uri, "json", text);
    let diagnostics = client.diagnostics(uri);
    let utf8 = range(text, second, end, Units::Utf8);
    assert_eq!(
        utf8,
        json!({"start": {"line": 2, "character": 88}, "end": {"line": 2, "character": 103}})
    );
    assert_eq!(find(&diagnostics, "PL201")["range"], utf8);
    let actions = client.code_actions(uri, &utf8, Some(&["quickfix"]));
    let fixed_utf8 = apply(text, &actions[0], uri, Units::Utf8);
    assert_eq!(fixed_utf8, fixed);
    // `exit` without `shutdown` is an abnormal end.
    assert_eq!(client.exit().code(), Some(1));
}

#[test]
fn typing_invalid_json_closing_and_documents_that_are_not_policies() {
    let uri = "untitled:typing.json";
    let mut client = Client::start();
    client.initialize(json!({}));
    let policy = "{\"Version\": \"1\", \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"oss:GetObject\", \"Resource\": \"acs:oss:*:*:b/*\"}]}";
    client.open(uri, "json", policy);
    let clean = client.diagnostics(uri);
    assert!(!codes(&clean).contains(&"PL001"), "{clean:#?}");
    // Halfway through typing a new statement.
    let typing = policy.replace("}]}", "}, {\"Effect\": ]}");
    client.change(uri, 2, &typing);
    let diagnostics = client.diagnostics(uri);
    let syntax = find(&diagnostics, "PL001");
    assert_eq!(syntax["severity"], 1);
    assert_eq!(syntax["range"]["start"]["line"], 0);
    client.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri}}),
    );
    assert_eq!(client.diagnostics(uri), Vec::<Value>::new());

    // JSON without a Statement is not a policy: nothing is published, even when broken.
    let package = "untitled:package.json";
    client.open(package, "json", "{\"name\": \"x\", \"version\": \"1.0.0\"}");
    client.change(package, 2, "{\"name\": \"x\", ");
    assert!(!client.published_anything(package));
    // Neither is a document in another language.
    let notes = "untitled:notes";
    client.open(notes, "markdown", "{\"Statement\": [}");
    assert!(!client.published_anything(notes));
    // A policy that stops being one is cleared once.
    let became = "untitled:became.json";
    client.open(became, "json", "{\"Statement\": 1}");
    assert!(!client.diagnostics(became).is_empty());
    client.change(became, 2, "{\"name\": 1}");
    assert_eq!(client.diagnostics(became), Vec::<Value>::new());
    client.change(became, 3, "{\"name\": 2}");
    assert!(!client.published_anything(became));
    assert_eq!(client.shutdown_and_exit().code(), Some(0));
}

#[test]
fn malformed_messages_get_errors_and_the_server_carries_on() {
    let mut client = Client::start();
    // Before `initialize`, requests are refused.
    let early = client.request("textDocument/codeAction", json!({}));
    assert_eq!(early["error"]["code"], -32002, "{early}");
    client.initialize(json!({}));

    let bad_params = client.request("textDocument/codeAction", json!({"textDocument": 5}));
    assert_eq!(bad_params["error"]["code"], -32602, "{bad_params}");
    let unknown = client.request("textDocument/completion", json!({}));
    assert_eq!(unknown["error"]["code"], -32601, "{unknown}");
    client.send_raw("{this is not json");
    let parse_error = client.response_to(Value::Null);
    assert_eq!(parse_error["error"]["code"], -32700, "{parse_error}");
    client.send_raw(r#"{"jsonrpc": "2.0", "id": 99}"#);
    let invalid = client.response_to(json!(99));
    assert_eq!(invalid["error"]["code"], -32600, "{invalid}");
    // Unknown notifications and notifications with bad parameters are ignored.
    client.notify("$/unknownThing", json!({"x": 1}));
    client.notify("textDocument/didOpen", json!({"textDocument": "nope"}));
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": "untitled:never-opened", "version": 2}, "contentChanges": [{"text": "{}"}]}),
    );

    // Still working.
    let uri = "untitled:still.json";
    client.open(uri, "json", "{\"Version\": \"1\", \"Statement\": [{\"Effect\": \"allow\", \"Action\": \"oss:GetObject\", \"Resource\": \"acs:oss:*:*:b/*\"}]}");
    assert!(codes(&client.diagnostics(uri)).contains(&"PL008"));
    let shutdown = client.request("shutdown", Value::Null);
    assert_eq!(shutdown["result"], Value::Null);
    // After `shutdown`, requests are refused until `exit`.
    let late = client.request("textDocument/codeAction", json!({}));
    assert_eq!(late["error"]["code"], -32600, "{late}");
    assert_eq!(client.exit().code(), Some(0));
}

#[test]
fn the_nearest_config_applies_and_a_broken_one_is_shown() {
    let dir = tempfile::tempdir().unwrap();
    let write = |relative: &str, text: &str| {
        let path = dir.path().join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    };
    let policy = std::fs::read_to_string(root().join(SEED_OSS)).unwrap();
    write(
        "team/policylint.toml",
        "[[per-file-ignores]]\npaths = [\"legacy/**\"]\nrules = [\"PL201\"]\nreason = \"tracked in SEC-1\"\n",
    );
    let legacy = write("team/legacy/p.json", &policy);
    let current = write("team/current/p.json", &policy);
    write("broken/policylint.toml", "selct = [\"PL2\"]\n");
    let broken = write("broken/p.json", &policy);

    let mut client = Client::start_in(dir.path());
    client.initialize(json!({}));
    let legacy_uri = file_uri(&legacy);
    client.open(&legacy_uri, "json", &policy);
    let ignored = client.diagnostics(&legacy_uri);
    assert!(!codes(&ignored).contains(&"PL201"), "{ignored:#?}");
    assert!(codes(&ignored).contains(&"PL109"), "{ignored:#?}");
    let current_uri = file_uri(&current);
    client.open(&current_uri, "json", &policy);
    assert!(codes(&client.diagnostics(&current_uri)).contains(&"PL201"));

    let broken_uri = file_uri(&broken);
    client.open(&broken_uri, "json", &policy);
    let shown = client.notification("window/showMessage", |_| true);
    assert_eq!(shown["type"], 1);
    let message = shown["message"].as_str().unwrap();
    assert!(
        message.contains("policylint.toml:1:1") && message.contains("selct"),
        "{message}"
    );
    // The built-in defaults apply meanwhile.
    assert!(codes(&client.diagnostics(&broken_uri)).contains(&"PL201"));
    assert_eq!(client.shutdown_and_exit().code(), Some(0));
}

/// One line of many statements, about `size` bytes, ending with a repeated action.
fn large_policy(size: usize) -> String {
    let mut text = String::from("{\"Version\": \"1\", \"Statement\": [");
    let mut bucket = 0;
    while text.len() < size {
        text.push_str(&format!(
            "{{\"Effect\": \"Allow\", \"Action\": [\"oss:GetObject\"], \"Resource\": \"acs:oss:*:*:b{bucket}/*\"}}, "
        ));
        bucket += 1;
    }
    text.push_str("{\"Effect\": \"Allow\", \"Action\": [\"oss:GetObject\", \"oss:GetObject\"], \"Resource\": \"acs:oss:*:*:last/*\"}]}");
    text
}

#[test]
fn a_burst_of_changes_to_a_large_document_is_linted_for_its_newest_version_only() {
    let uri = "untitled:large.json";
    let text = large_policy(5 << 20);
    let mut client = Client::start();
    client.initialize(json!({}));
    client.open(uri, "json", &text);
    for version in 2..=21 {
        client.change(uri, version, &text);
    }
    let published = client.all_published(uri);
    // One lint per change took seconds each on a 50 MB document; a lint that a newer
    // change overtakes is not published.
    assert!(
        published.len() <= 3,
        "{} publications for 21 versions",
        published.len()
    );
    let last = published.last().expect("the newest version is published");
    assert_eq!(last["version"], 21);
    assert!(codes(last["diagnostics"].as_array().unwrap()).contains(&"PL201"));
    assert_eq!(client.shutdown_and_exit().code(), Some(0));
}

#[test]
fn a_lint_overtaken_by_a_change_is_not_published() {
    let uri = "untitled:overtaken.json";
    let mut client = Client::start();
    client.initialize(json!({}));
    // Linting 10 MB takes far longer than this pause: the change arrives while it runs
    // (or, on a slow start, before it; either way version 1 is gone).
    client.open(uri, "json", &large_policy(10 << 20));
    std::thread::sleep(Duration::from_millis(50));
    let small = "{\"Version\": \"1\", \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"oss:GetObject\", \"Resource\": \"acs:oss:*:*:b/*\"}]}";
    client.change(uri, 2, small);
    let published = client.all_published(uri);
    let versions: Vec<&Value> = published.iter().map(|p| &p["version"]).collect();
    assert_eq!(versions, [2], "{published:#?}");
    assert_eq!(client.shutdown_and_exit().code(), Some(0));
}

#[test]
fn a_lone_surrogate_from_the_editor_keeps_positions_in_step() {
    // A JavaScript editor's document may hold a lone surrogate, which JSON escapes as
    // `\ud800`; to the editor it is one UTF-16 unit, like the U+FFFD the server reads.
    let uri = "untitled:surrogate.json";
    let with = |text: &str| text.replace('\u{fffd}', "SURROGATE");
    let send_with_surrogate = |client: &mut Client, message: Value| {
        client.send_raw(&message.to_string().replace("SURROGATE", "\\ud800"));
    };
    let text = "{\"Version\": \"1\", \"Statement\": [{\"Sid\": \"a\u{fffd}b\u{fffd}\", \"Effect\": \"Allow\", \"Action\": [\"oss:GetObject\", \"oss:GetObject\"], \"Resource\": \"acs:oss:*:*:b/*\"}]}";
    let mut client = Client::start();
    client.initialize(json!({}));
    send_with_surrogate(
        &mut client,
        json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": uri, "languageId": "json", "version": 1, "text": with(text)}}}),
    );
    let repeat = text.rfind("\"oss:GetObject\"").unwrap();
    let repeat_range = |text: &str, at: usize| range(text, at, at + 15, Units::Utf16);
    let diagnostics = client.diagnostics(uri);
    assert_eq!(
        find(&diagnostics, "PL201")["range"],
        repeat_range(text, repeat)
    );
    // Edits by range after the surrogates, as the editor counts: rename the repeat, then
    // repeat the action again further on.
    let renamed = text.replacen("\"oss:GetObject\"]", "\"oss:PutObject\"]", 1);
    let at = |offset: usize| json!({"line": 0, "character": text[..offset].encode_utf16().count()});
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [
            {"range": {"start": at(repeat + 5), "end": at(repeat + 8)}, "text": "Put"}
        ]}),
    );
    let diagnostics = client.diagnostics(uri);
    assert!(!codes(&diagnostics).contains(&"PL201"), "{diagnostics:#?}");
    let close = renamed.find("\"]").unwrap() + 1;
    let again = format!(
        "{}, \"oss:PutObject\"{}",
        &renamed[..close],
        &renamed[close..]
    );
    send_with_surrogate(
        &mut client,
        json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {"textDocument": {"uri": uri, "version": 3}, "contentChanges": [
            {"range": {"start": at(close), "end": at(close)}, "text": with(", \"oss:PutObject\"")}
        ]}}),
    );
    let diagnostics = client.diagnostics(uri);
    let second_put = again.rfind("\"oss:PutObject\"").unwrap();
    assert_eq!(
        find(&diagnostics, "PL201")["range"],
        repeat_range(&again, second_put)
    );
    assert_eq!(client.shutdown_and_exit().code(), Some(0));
}

/// Whether a display string holds a control or bidirectional character a client would
/// show raw.
fn has_hidden_control(text: &str) -> bool {
    text.chars().any(|c| {
        (c.is_control() && c != '\t' && c != '\n')
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
            || matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}')
    })
}

#[test]
fn control_and_bidirectional_characters_reach_the_editor_escaped() {
    let uri = "untitled:hostile.json";
    // An OSC 52 clipboard write and a right-to-left override, in an action and a Sid.
    let text = "{\"Version\": \"1\", \"Statement\": [{\"Sid\": \"x\", \"Effect\": \"Allow\", \"Action\": [\"oss:Get\\u001b]52;c;aGk=\\u0007Object\\u202e\", \"oss:Get\\u001b]52;c;aGk=\\u0007Object\\u202e\"], \"Resource\": \"acs:oss:*:*:b/*\"}]}";
    let mut client = Client::start();
    client.initialize(json!({"textDocument": {"hover": {"contentFormat": ["markdown"]}}}));
    client.open(uri, "json", text);
    let diagnostics = client.diagnostics(uri);
    assert!(!diagnostics.is_empty());
    let mut shown = Vec::new();
    for d in &diagnostics {
        shown.push(d["message"].as_str().unwrap().to_string());
        for related in d["relatedInformation"].as_array().into_iter().flatten() {
            shown.push(related["message"].as_str().unwrap().to_string());
        }
    }
    let repeat = find(&diagnostics, "PL201");
    for action in client.code_actions(uri, &repeat["range"], None) {
        shown.push(action["title"].as_str().unwrap().to_string());
    }
    let hover = client.hover(uri, &repeat["range"]["start"]);
    shown.push(hover["contents"]["value"].as_str().unwrap().to_string());
    for text in &shown {
        assert!(!has_hidden_control(text), "{text:?}");
    }
    let message = repeat["message"].as_str().unwrap();
    assert!(
        message.contains("oss:Get\\u{1b}]52;c;aGk=\\u{7}Object\\u{202e}"),
        "{message}"
    );
    // The line break between message and help is the server's own.
    assert!(message.contains('\n'), "{message}");
    assert_eq!(client.shutdown_and_exit().code(), Some(0));
}

#[test]
fn hovering_a_diagnostic_explains_its_rule() {
    let text = std::fs::read_to_string(root().join(SEED_OSS)).unwrap();
    let uri = file_uri(&root().join(SEED_OSS));
    let explained = Command::new(assert_cmd::cargo::cargo_bin("policylint"))
        .args(["rule", "duplicate-action"])
        .output()
        .unwrap();
    let explained = String::from_utf8(explained.stdout).unwrap();

    // A client that shows only plain text gets exactly what `policylint rule` prints.
    let mut client = Client::start();
    client.initialize(json!({}));
    client.open(&uri, "json", &text);
    let repeat = find(&client.diagnostics(&uri), "PL201").clone();
    let inside = json!({"line": 12, "character": 12});
    let hover = client.hover(&uri, &inside);
    assert_eq!(hover["contents"]["kind"], "plaintext");
    assert_eq!(hover["contents"]["value"], explained.as_str());
    assert_eq!(hover["range"], repeat["range"]);
    // Away from every diagnostic: nothing.
    assert_eq!(
        client.hover(&uri, &json!({"line": 1, "character": 3})),
        Value::Null
    );
    client.shutdown_and_exit();

    // Markdown when the client takes it: the same sections, the examples fenced.
    let mut client = Client::start();
    client.initialize(
        json!({"textDocument": {"hover": {"contentFormat": ["markdown", "plaintext"]}}}),
    );
    client.open(&uri, "json", &text);
    client.diagnostics(&uri);
    let hover = client.hover(&uri, &repeat["range"]["end"]);
    assert_eq!(hover["contents"]["kind"], "markdown");
    let markdown = hover["contents"]["value"].as_str().unwrap();
    assert!(
        markdown.starts_with("**PL201 duplicate-action (warning, redundancy)**\n"),
        "{markdown}"
    );
    for paragraph in explained.split("\n\n").skip(1).take(2) {
        assert!(
            markdown.contains(paragraph.trim()),
            "{paragraph:?} in {markdown}"
        );
    }
    assert!(markdown.contains("```json\n{\"Effect\""), "{markdown}");
    assert_eq!(client.shutdown_and_exit().code(), Some(0));
}

#[test]
fn config_changes_relint_open_documents_and_a_broken_config_is_shown_on_itself() {
    let dir = tempfile::tempdir().unwrap();
    let policy = std::fs::read_to_string(root().join(SEED_OSS)).unwrap();
    let config = dir.path().join("policylint.toml");
    std::fs::write(&config, "select = [\"PL\"]\n").unwrap();
    let file = dir.path().join("p.json");
    std::fs::write(&file, &policy).unwrap();
    let (uri, config_uri) = (file_uri(&file), file_uri(&config));

    let mut client = Client::start_in(dir.path());
    client
        .initialize(json!({"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}}));
    // The server asks to hear about config files anywhere in the workspace.
    let registration = client.server_request("client/registerCapability");
    let registered = &registration["params"]["registrations"][0];
    assert_eq!(registered["method"], "workspace/didChangeWatchedFiles");
    let globs: Vec<&Value> = registered["registerOptions"]["watchers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| &w["globPattern"])
        .collect();
    assert_eq!(globs, ["**/policylint.toml", "**/.policylint.toml"]);
    client.respond(&registration["id"], Value::Null);

    client.open(&uri, "json", &policy);
    assert!(codes(&client.diagnostics(&uri)).contains(&"PL201"));
    let watched = |client: &mut Client| {
        client.notify(
            "workspace/didChangeWatchedFiles",
            json!({"changes": [{"uri": config_uri, "type": 2}]}),
        );
    };

    std::fs::write(&config, "ignore = [\"duplicate-action\"]\n").unwrap();
    watched(&mut client);
    let after = client.diagnostics(&uri);
    assert!(!codes(&after).contains(&"PL201"), "{after:#?}");
    assert!(codes(&after).contains(&"PL109"), "{after:#?}");

    // Broken: shown as a message and on the config's own line; the defaults apply.
    std::fs::write(
        &config,
        "# team config\nignore = [\"duplicate-action\"]\nselct = [\"PL2\"]\n",
    )
    .unwrap();
    watched(&mut client);
    let shown = client.notification("window/showMessage", |_| true);
    assert_eq!(shown["type"], 1);
    assert!(
        shown["message"].as_str().unwrap().contains("selct"),
        "{shown}"
    );
    let on_config = client.diagnostics(&config_uri);
    assert_eq!(on_config.len(), 1, "{on_config:#?}");
    assert_eq!(on_config[0]["severity"], 1);
    assert_eq!(
        on_config[0]["range"]["start"],
        json!({"line": 2, "character": 0})
    );
    assert_eq!(
        on_config[0]["range"]["end"],
        json!({"line": 2, "character": 15})
    );
    assert!(codes(&client.diagnostics(&uri)).contains(&"PL201"));

    // Mended in the editor and saved: the error goes and the config applies again.
    std::fs::write(&config, "ignore = [\"unreplaced-placeholder\"]\n").unwrap();
    client.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": config_uri}}),
    );
    assert_eq!(client.diagnostics(&config_uri), Vec::<Value>::new());
    let mended = client.diagnostics(&uri);
    assert!(codes(&mended).contains(&"PL201"), "{mended:#?}");
    assert!(!codes(&mended).contains(&"PL109"), "{mended:#?}");
    assert_eq!(client.shutdown_and_exit().code(), Some(0));
}

/// The "ignore this finding" action among those for `range`.
fn ignore_action(client: &mut Client, uri: &str, range: &Value) -> Option<Value> {
    client
        .code_actions(uri, range, Some(&["quickfix"]))
        .into_iter()
        .find(|a| a["title"].as_str().unwrap().starts_with("Ignore this "))
}

#[test]
fn ignore_this_finding_appends_an_entry_to_the_nearest_config() {
    let dir = tempfile::tempdir().unwrap();
    let policy = std::fs::read_to_string(root().join(SEED_OSS)).unwrap();
    let config = dir.path().join("team/policylint.toml");
    std::fs::create_dir_all(dir.path().join("team/legacy")).unwrap();
    // No line break at the end: the entry still starts after a blank line.
    let config_text = "select = [\"PL\"]";
    std::fs::write(&config, config_text).unwrap();
    let file = dir.path().join("team/legacy/p[1].json");
    std::fs::write(&file, &policy).unwrap();
    let uri = file_uri(&file);

    let mut client = Client::start_in(dir.path());
    client.initialize(json!({}));
    client.open(&uri, "json", &policy);
    let repeat = find(&client.diagnostics(&uri), "PL201").clone();
    let action = ignore_action(&mut client, &uri, &repeat["range"]).expect("offered");
    assert_eq!(
        action["title"],
        format!(
            "Ignore this duplicate-action finding in {}",
            config.display()
        )
    );
    assert_eq!(action["kind"], "quickfix");
    assert_eq!(action["diagnostics"][0]["code"], "PL201");
    let config_uri = file_uri(&config);
    let edits = action["edit"]["changes"][&config_uri].as_array().unwrap();
    assert_eq!(edits.len(), 1);
    let end = json!({"line": 0, "character": config_text.len()});
    assert_eq!(edits[0]["range"], json!({"start": end, "end": end}));
    assert_eq!(
        edits[0]["newText"],
        "\n\n[[ignore]]\nrule = \"duplicate-action\"\npaths = [\"legacy/p[[]1[]].json\"]\npointer = \"/Statement/0/Action/7\"\nreason = \"ignored from the editor; replace with the real reason\"\n"
    );
    let with_entry = apply(config_text, &action, &config_uri, Units::Utf16);
    let parsed: toml::Table = toml::from_str(&with_entry).unwrap();
    // The pointer names the repeated action itself.
    let pointer = parsed["ignore"][0]["pointer"].as_str().unwrap();
    let document: Value = serde_json::from_str(&policy).unwrap();
    assert_eq!(document.pointer(pointer).unwrap(), "oss:GetBucketCors");
    assert_eq!(
        policy[..offset(&policy, &repeat["range"]["start"], Units::Utf16)]
            .matches("oss:GetBucketCors")
            .count(),
        1,
        "the pointer is the second listing, where the finding is"
    );
    // Syntax errors are not findings to ignore.
    client.change(&uri, 2, "{\"Statement\": [}");
    let syntax = find(&client.diagnostics(&uri), "PL001").clone();
    assert_eq!(ignore_action(&mut client, &uri, &syntax["range"]), None);
    assert_eq!(client.shutdown_and_exit().code(), Some(0));
}

#[test]
fn ignore_this_finding_creates_a_config_at_the_workspace_root_when_there_is_none() {
    let dir = tempfile::tempdir().unwrap();
    let policy = std::fs::read_to_string(root().join(SEED_OSS)).unwrap();
    std::fs::create_dir_all(dir.path().join("policies")).unwrap();
    let file = dir.path().join("policies/p.json");
    std::fs::write(&file, &policy).unwrap();
    let uri = file_uri(&file);
    let creates = json!({"workspace": {"workspaceEdit": {"documentChanges": true, "resourceOperations": ["create"]}}});

    let mut client = Client::start_in(dir.path());
    client.request(
        "initialize",
        json!({"processId": null, "capabilities": creates,
               "workspaceFolders": [{"uri": file_uri(dir.path()), "name": "w"}]}),
    );
    client.notify("initialized", json!({}));
    client.open(&uri, "json", &policy);
    let repeat = find(&client.diagnostics(&uri), "PL201").clone();
    let action = ignore_action(&mut client, &uri, &repeat["range"]).expect("offered");
    assert_eq!(
        action["title"],
        "Ignore this duplicate-action finding in a new policylint.toml"
    );
    let config_uri = file_uri(&dir.path().join("policylint.toml"));
    let changes = action["edit"]["documentChanges"].as_array().unwrap();
    assert_eq!(changes[0]["kind"], "create");
    assert_eq!(changes[0]["uri"], config_uri.as_str());
    assert_eq!(changes[1]["textDocument"]["uri"], config_uri.as_str());
    let entry = changes[1]["edits"][0]["newText"].as_str().unwrap();
    assert!(
        entry.starts_with(
            "[[ignore]]\nrule = \"duplicate-action\"\npaths = [\"policies/p.json\"]\n"
        ),
        "{entry}"
    );
    client.shutdown_and_exit();

    // A client that cannot create files is not offered what it cannot do.
    let mut client = Client::start_in(dir.path());
    client.initialize(json!({}));
    client.open(&uri, "json", &policy);
    let repeat = find(&client.diagnostics(&uri), "PL201").clone();
    assert_eq!(ignore_action(&mut client, &uri, &repeat["range"]), None);
    assert_eq!(client.shutdown_and_exit().code(), Some(0));
}

/// A policy encoded in a string of a template: the diagnostic covers the escaped text in
/// the editor's buffer, and the quick fix writes the replacement escaped.
#[test]
fn a_policy_inside_a_template_is_linted_and_fixed_where_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stack.template");
    let text = "{\"Resources\": {\"Log\": {\"Type\": \"ALIYUN::RAM::ManagedPolicy\", \"Properties\": {\n  \"PolicyDocument\": \"{\\\"Version\\\": \\\"1\\\", \\\"Statement\\\": [{\\\"Effect\\\": \\\"allow\\\", \\\"Action\\\": \\\"log:GetLogStore\\\", \\\"Resource\\\": \\\"acs:log:*:*:project/p/logstore/é\\\"}]}\"\n}}}}\n";
    std::fs::write(&path, text).unwrap();
    let uri = file_uri(&path);
    let mut client = Client::start_in(dir.path());
    client.initialize(json!({}));
    client.open(&uri, "json", text);
    let diagnostics = client.diagnostics(&uri);
    let effect = find(&diagnostics, "PL008");
    let at = text.find("\\\"allow\\\"").unwrap();
    assert_eq!(
        effect["range"],
        range(text, at, at + "\\\"allow\\\"".len(), Units::Utf16)
    );
    let actions = client.code_actions(&uri, &effect["range"], Some(&["quickfix"]));
    let quickfix = actions
        .iter()
        .find(|a| a["diagnostics"][0]["code"] == "PL008")
        .unwrap_or_else(|| panic!("no quick fix for PL008 in {actions:#?}"));
    let fixed = apply(text, quickfix, &uri, Units::Utf16);
    assert_eq!(fixed, text.replace("\\\"allow\\\"", "\\\"Allow\\\""));
    client.change(&uri, 2, &fixed);
    assert!(!codes(&client.diagnostics(&uri)).contains(&"PL008"));
    assert_eq!(client.shutdown_and_exit().code(), Some(0));
}

#[test]
fn a_yaml_template_is_linted_and_fixed_in_yaml() {
    let text = "Resources:\n  P:\n    Type: ALIYUN::RAM::ManagedPolicy\n    Properties:\n      PolicyDocument:\n        Version: '1'\n        Statement:\n          - Effect: Allow\n            Action:\n              - oss:GetObject   # read\n              - oss:GetObject\n            Resource: acs:oss:*:*:b/*\n";
    let uri = "untitled:stack";
    let mut client = Client::start();
    client.initialize(json!({}));
    client.open(uri, "yaml", text);
    let diagnostics = client.diagnostics(uri);
    let duplicate = find(&diagnostics, "PL201");
    let second = text.rfind("oss:GetObject").unwrap();
    let expected = range(text, second, second + "oss:GetObject".len(), Units::Utf16);
    assert_eq!(duplicate["range"], expected);
    let actions = client.code_actions(uri, &expected, Some(&["quickfix"]));
    let quickfix = actions
        .iter()
        .find(|a| a["diagnostics"][0]["code"] == "PL201")
        .unwrap_or_else(|| panic!("no quick fix in {actions:#?}"));
    let fixed = apply(text, quickfix, uri, Units::Utf16);
    assert_eq!(fixed, text.replace("              - oss:GetObject\n", ""));
    client.change(uri, 2, &fixed);
    assert!(!codes(&client.diagnostics(uri)).contains(&"PL201"));
    // A file named `.yml` is YAML whatever the editor calls it.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stack.yml");
    std::fs::write(&path, text).unwrap();
    let file = file_uri(&path);
    client.open(&file, "plaintext", text);
    assert_eq!(find(&client.diagnostics(&file), "PL201")["range"], expected);
    assert_eq!(client.shutdown_and_exit().code(), Some(0));
}

#[test]
fn a_markdown_buffer_is_linted_and_fixed_in_its_code_block() {
    let text = "# Policy\n\n1. Create it:\n\n   ```json\n   {\n     \"Version\": \"1\",\n     \"Statement\": [{\n       \"Effect\": \"Allow\",\n       \"Action\": [\"oss:GetObject\", \"oss:GetObject\"],\n       \"Resource\": \"acs:oss:*:*:b/*\"\n     }]\n   }\n   ```\n";
    let uri = "untitled:guide";
    let mut client = Client::start();
    client.initialize(json!({}));
    client.open(uri, "markdown", text);
    let diagnostics = client.diagnostics(uri);
    let duplicate = find(&diagnostics, "PL201");
    let second = text.rfind("\"oss:GetObject\"").unwrap();
    let expected = range(
        text,
        second,
        second + "\"oss:GetObject\"".len(),
        Units::Utf16,
    );
    assert_eq!(duplicate["range"], expected);
    let actions = client.code_actions(uri, &expected, Some(&["quickfix"]));
    let quickfix = actions
        .iter()
        .find(|a| a["diagnostics"][0]["code"] == "PL201")
        .unwrap_or_else(|| panic!("no quick fix in {actions:#?}"));
    let fixed = apply(text, quickfix, uri, Units::Utf16);
    assert_eq!(fixed, text.replace(", \"oss:GetObject\"]", "]"));
    client.change(uri, 2, &fixed);
    assert!(!codes(&client.diagnostics(uri)).contains(&"PL201"));
    // A file named `.md` is Markdown whatever the editor calls it.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("README.md");
    std::fs::write(&path, text).unwrap();
    let file = file_uri(&path);
    client.open(&file, "plaintext", text);
    assert_eq!(find(&client.diagnostics(&file), "PL201")["range"], expected);
    assert_eq!(client.shutdown_and_exit().code(), Some(0));
}

#[test]
fn a_terraform_heredoc_is_linted_and_fixed_in_place() {
    let text = "resource \"alicloud_ram_policy\" \"p\" {\n  policy_document = <<-EOF\n    {\n      \"Version\": \"1\",\n      \"Statement\": [{\n        \"Effect\": \"Allow\",\n        \"Action\": [\"oss:GetObject\", \"oss:GetObject\"],\n        \"Resource\": \"acs:oss:*:*:b/*\"\n      }]\n    }\n  EOF\n}\n";
    let uri = "untitled:main";
    let mut client = Client::start();
    client.initialize(json!({}));
    client.open(uri, "terraform", text);
    let diagnostics = client.diagnostics(uri);
    let duplicate = find(&diagnostics, "PL201");
    let second = text.rfind("\"oss:GetObject\"").unwrap();
    let expected = range(
        text,
        second,
        second + "\"oss:GetObject\"".len(),
        Units::Utf16,
    );
    assert_eq!(duplicate["range"], expected);
    let actions = client.code_actions(uri, &expected, Some(&["quickfix"]));
    let quickfix = actions
        .iter()
        .find(|a| a["diagnostics"][0]["code"] == "PL201")
        .unwrap_or_else(|| panic!("no quick fix in {actions:#?}"));
    let fixed = apply(text, quickfix, uri, Units::Utf16);
    assert_eq!(
        fixed,
        text.replace("\"oss:GetObject\", \"oss:GetObject\"", "\"oss:GetObject\"")
    );
    client.change(uri, 2, &fixed);
    assert!(!codes(&client.diagnostics(uri)).contains(&"PL201"));
    // A file named `.tf` is Terraform whatever the editor calls it.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("main.tf");
    std::fs::write(&path, text).unwrap();
    let file = file_uri(&path);
    client.open(&file, "plaintext", text);
    assert_eq!(find(&client.diagnostics(&file), "PL201")["range"], expected);
    assert_eq!(client.shutdown_and_exit().code(), Some(0));
}

#[test]
fn hovering_a_statement_says_what_it_grants() {
    let uri = "untitled:grants.json";
    let text = "{\"Version\": \"1\", \"Statement\": [\n  {\"Effect\": \"Allow\", \"Action\": [\"oss:GetObject\", \"oss:ListObjects\"], \"Resource\": \"acs:oss:*:*:reports/*\", \"Condition\": {\"Bool\": {\"acs:SecureTransport\": \"true\"}}},\n  {\"Effect\": \"Deny\", \"NotAction\": \"oss:Get*\", \"Resource\": \"*\"}\n]}\n";
    let mut client = Client::start();
    client.initialize(json!({}));
    client.open(uri, "json", text);
    client.diagnostics(uri);
    let hover = client.hover(uri, &json!({"line": 1, "character": 5}));
    assert_eq!(
        hover["contents"]["value"],
        "Allows `oss:GetObject`, `oss:ListObjects` on `acs:oss:*:*:reports/*` when Bool acs:SecureTransport [\"true\"]"
    );
    assert_eq!(hover["range"]["start"], json!({"line": 1, "character": 2}));
    let hover = client.hover(uri, &json!({"line": 2, "character": 40}));
    assert_eq!(
        hover["contents"]["value"],
        "Denies every action except `oss:Get*` on `*`"
    );
    // Outside every statement: nothing.
    assert_eq!(
        client.hover(uri, &json!({"line": 0, "character": 3})),
        Value::Null
    );
    assert_eq!(client.shutdown_and_exit().code(), Some(0));
}
