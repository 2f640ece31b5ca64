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
    let unknown = client.request("textDocument/hover", json!({}));
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
