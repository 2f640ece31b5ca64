//! The server on in-memory queues: every message is queued before it starts, so what it
//! does with a backlog (coalesce changes, find cancellations) is deterministic here. The
//! real binary on pipes is tested in `tests/lsp.rs`.

use super::Server;
use super::transport::{Channels, Incoming};
use crate::config::{ConfigMode, Overrides, Resolver, Settings};
use lsp_server::{Message, Notification, Request, RequestId, Response};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc;

const URI: &str = "untitled:queued.json";

fn request(id: i32, method: &str, params: Value) -> Incoming {
    Incoming::Message(Message::Request(Request::new(
        RequestId::from(id),
        method.to_string(),
        params,
    )))
}

fn notification(method: &str, params: Value) -> Incoming {
    Incoming::Message(Message::Notification(Notification::new(
        method.to_string(),
        params,
    )))
}

fn policy(actions: &[&str]) -> String {
    let actions: Vec<String> = actions.iter().map(|a| format!("\"{a}\"")).collect();
    format!(
        "{{\"Version\": \"1\", \"Statement\": [{{\"Effect\": \"Allow\", \"Action\": [{}], \"Resource\": \"acs:oss:*:*:b/*\"}}]}}",
        actions.join(", ")
    )
}

fn open(text: &str) -> Incoming {
    notification(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": URI, "languageId": "json", "version": 1, "text": text}}),
    )
}

fn change(version: i32, changes: Value) -> Incoming {
    notification(
        "textDocument/didChange",
        json!({"textDocument": {"uri": URI, "version": version}, "contentChanges": changes}),
    )
}

fn code_actions(id: i32) -> Incoming {
    request(
        id,
        "textDocument/codeAction",
        json!({"textDocument": {"uri": URI}, "context": {"diagnostics": []},
               "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}}),
    )
}

/// Runs a server over `messages` (after `initialize`), all queued before it starts, and
/// returns what it sent.
fn serve(messages: Vec<Incoming>) -> Vec<Value> {
    serve_client(json!({}), messages)
}

fn serve_client(capabilities: Value, messages: Vec<Incoming>) -> Vec<Value> {
    let mut all = vec![
        request(0, "initialize", json!({"capabilities": capabilities})),
        notification("initialized", json!({})),
    ];
    all.extend(messages);
    let (sender, incoming) = mpsc::sync_channel(all.len());
    for message in all {
        sender.send(message).unwrap();
    }
    drop(sender);
    let (outgoing, sent) = mpsc::channel();
    let channels = Channels {
        incoming,
        outgoing,
        reading: Arc::new(AtomicBool::new(false)),
    };
    let resolver = Resolver::new(ConfigMode::Discover, Overrides::default()).unwrap();
    let defaults = Arc::new(Settings::defaults(&Overrides::default()).unwrap());
    Server::new(channels, resolver, defaults).serve();
    sent.try_iter()
        .map(|m| serde_json::to_value(m).unwrap())
        .collect()
}

fn published(sent: &[Value]) -> Vec<&Value> {
    sent.iter()
        .filter(|m| m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == URI)
        .map(|m| &m["params"])
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

fn response(sent: &[Value], id: i32) -> &Value {
    sent.iter()
        .find(|m| m["id"] == id && m.get("method").is_none())
        .unwrap_or_else(|| panic!("no response to {id} in {sent:#?}"))
}

#[test]
fn queued_changes_are_applied_in_order_and_linted_once() {
    let mut messages = vec![open(&policy(&["oss:GetObject"]))];
    for version in 2..=20 {
        let text = policy(&["oss:GetObject", "oss:GetObject"][..1 + version as usize % 2]);
        messages.push(change(version, json!([{"text": text}])));
    }
    // Ranged changes, several in one notification, each relative to the text the one
    // before left: `"oss:GetObject"]` becomes `"oss:GetObject", "oss:GetObject"]`, then
    // the copy becomes `"oss:PutObject"` and back.
    let text = policy(&["oss:GetObject"]);
    let end = text.find("\"]").unwrap() as u32 + 1;
    let at = |c: u32| json!({"line": 0, "character": c});
    let range = |a: u32, b: u32| json!({"start": at(a), "end": at(b)});
    messages.push(change(21, json!([{"text": text}])));
    messages.push(change(
        22,
        json!([
            {"range": range(end, end), "text": ", \"oss:GetObject\""},
            {"range": range(end + 3, end + 16), "text": "oss:PutObject"},
        ]),
    ));
    messages.push(change(
        23,
        json!([{"range": range(end + 3, end + 16), "text": "oss:GetObject"}]),
    ));
    messages.push(code_actions(1));
    let sent = serve(messages);
    let published = published(&sent);
    assert_eq!(published.len(), 1, "{published:#?}");
    assert_eq!(published[0]["version"], 23);
    assert!(codes(published[0]).contains(&"PL201"), "{published:#?}");
    // The quick fix is for the text the editor has.
    let actions = response(&sent, 1)["result"].as_array().unwrap().clone();
    let kinds: Vec<&Value> = actions.iter().map(|a| &a["kind"]).collect();
    assert_eq!(kinds, ["source.fixAll.policylint"], "{actions:#?}");
}

#[test]
fn a_request_cancelled_while_queued_is_answered_as_cancelled() {
    let mut messages = vec![
        open(&policy(&["oss:GetObject"])),
        code_actions(1),
        code_actions(2),
        notification("$/cancelRequest", json!({"id": 1})),
        code_actions(3),
    ];
    // Past what the server reads ahead: it comes after the answer.
    for _ in 0..super::QUEUED_MESSAGES {
        messages.push(notification("$/unknown", json!({})));
    }
    messages.push(notification("$/cancelRequest", json!({"id": 3})));
    let sent = serve(messages);
    assert_eq!(response(&sent, 1)["error"]["code"], -32800);
    for id in [2, 3] {
        let answered = response(&sent, id);
        assert!(answered["result"].is_array(), "{answered}");
    }
}

#[test]
fn a_lost_message_takes_every_document_out_of_sync_until_its_next_full_text() {
    let text = policy(&["oss:GetObject", "oss:GetObject"]);
    let sent = serve(vec![
        open(&text),
        code_actions(1),
        Incoming::Lost("a message of 999 bytes was skipped".to_string()),
        // Relative to a text the server may not have: ignored.
        change(
            3,
            json!([{"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "text": "x"}]),
        ),
        code_actions(2),
        change(4, json!([{"text": text}])),
        code_actions(3),
    ]);
    let published = published(&sent);
    let versions: Vec<&Value> = published.iter().map(|p| &p["version"]).collect();
    assert_eq!(versions, [1, 1, 4], "{published:#?}");
    assert!(codes(published[0]).contains(&"PL201"));
    assert!(codes(published[1]).is_empty(), "taken back: {published:#?}");
    assert!(codes(published[2]).contains(&"PL201"));
    let warning = sent
        .iter()
        .find(|m| m["method"] == "window/showMessage")
        .unwrap();
    assert!(
        warning["params"]["message"]
            .as_str()
            .unwrap()
            .contains("999 bytes"),
        "{warning}"
    );
    // Nothing is offered for a text the server does not have.
    assert_eq!(response(&sent, 2)["result"], json!([]));
}

#[test]
fn a_change_that_cannot_be_read_takes_its_document_out_of_sync() {
    let text = policy(&["oss:GetObject", "oss:GetObject"]);
    let sent = serve(vec![
        open(&text),
        code_actions(1),
        change(2, json!([{"text": 5}])),
        code_actions(2),
        change(3, json!([{"text": text}])),
        code_actions(3),
    ]);
    let published = published(&sent);
    let versions: Vec<&Value> = published.iter().map(|p| &p["version"]).collect();
    assert_eq!(versions, [1, 1, 3], "{published:#?}");
    assert!(codes(published[1]).is_empty());
    assert!(codes(published[2]).contains(&"PL201"));
}

#[test]
fn saves_reload_the_configs_unless_the_client_watches_them() {
    let watching = json!({"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}});
    let save = || {
        notification(
            "textDocument/didSave",
            json!({"textDocument": {"uri": URI}}),
        )
    };
    let session = |capabilities: Value, answer: Option<Response>| {
        let mut messages = vec![open(&policy(&["oss:GetObject"])), code_actions(1)];
        messages.extend(answer.map(|r| Incoming::Message(Message::Response(r))));
        messages.extend([save(), code_actions(2)]);
        let sent = serve_client(capabilities, messages);
        let registered = sent
            .iter()
            .any(|m| m["method"] == "client/registerCapability");
        (registered, published(&sent).len())
    };
    let id = || RequestId::from(super::configs::WATCH_REQUEST.to_string());
    // No watcher: a save re-lints (publishes again) in case a config changed.
    assert_eq!(session(json!({}), None), (false, 2));
    // A watcher: a save of a policy is only a save.
    let granted = Response::new_ok(id(), Value::Null);
    assert_eq!(session(watching.clone(), Some(granted)), (true, 1));
    // A watcher the client refused: back to saves.
    let refused = Response::new_err(id(), -32601, "no".to_string());
    assert_eq!(session(watching, Some(refused)), (true, 2));
}
