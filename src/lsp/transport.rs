//! `Content-Length`-framed JSON-RPC on standard input and output. lsp-server's own stdio
//! transport stops reading (and so ends the session) at the first payload that is not a
//! well-formed message; this one answers such a payload with the JSON-RPC error it
//! deserves and keeps reading. Only broken framing (no `Content-Length`, a header line over
//! [`MAX_HEADER_LINE`] bytes, a closed pipe) ends the session.
//!
//! Nothing a client sends makes the server hold more than a few messages of at most
//! [`MAX_CONTENT_LENGTH`] bytes: a longer message is read past and dropped, and the reader
//! waits while [`QUEUED_MESSAGES`] decoded messages wait for the server.

use lsp_server::{ErrorCode, Message, Notification, Request, RequestId, Response};
use serde_json::{Value, json};
use std::borrow::Cow;
use std::io::{self, BufRead, Read, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::thread::{self, JoinHandle};

/// The longest header line read; real ones (`Content-Length: 123`, `Content-Type: ...`)
/// are a few dozen bytes.
pub const MAX_HEADER_LINE: usize = 4096;
/// The most header lines one message may have.
pub const MAX_HEADER_LINES: usize = 32;
/// The longest message read: room for a 50 MB document with its JSON escapes.
pub const MAX_CONTENT_LENGTH: u64 = 128 << 20;
/// Decoded messages waiting for the server before the reader stops reading.
pub const QUEUED_MESSAGES: usize = 4;

/// What the reader passes to the server.
#[derive(Debug)]
pub enum Incoming {
    Message(Message),
    /// A message that was lost (too long, or not JSON): it may have changed any document,
    /// so the server can no longer trust its copies. Says what happened.
    Lost(String),
}

/// The server's ends of the two queues.
pub struct Channels {
    pub incoming: Receiver<Incoming>,
    pub outgoing: Sender<Message>,
    /// Set while the reader holds part of a message: it comes before anything the server
    /// would start now, and may be a change that makes that work stale.
    pub reading: Arc<AtomicBool>,
}

/// The writer thread, to wait for once the server has dropped its sender so every
/// message it sent reaches the client.
pub struct Transport {
    writer: JoinHandle<()>,
}

impl Transport {
    pub fn finish(self) {
        let _ = self.writer.join();
    }
}

/// Channels over standard input and output. The reader thread is never joined: it ends at
/// the `exit` notification or at the end of input, whichever comes first.
pub fn stdio() -> (Channels, Transport) {
    let (to_server, incoming) = mpsc::sync_channel(QUEUED_MESSAGES);
    let (outgoing, from_server) = mpsc::channel::<Message>();
    let reading = Arc::new(AtomicBool::new(false));
    let reader_reading = reading.clone();
    thread::spawn(move || {
        let stdin = io::stdin();
        read_all(&mut stdin.lock(), &to_server, &reader_reading);
    });
    let writer = thread::spawn(move || {
        for message in from_server {
            let mut out = io::stdout().lock();
            if message.write(&mut out).is_err() {
                // The client is gone; the reader sees the end of input soon.
                break;
            }
        }
    });
    let channels = Channels {
        incoming,
        outgoing,
        reading,
    };
    (channels, Transport { writer })
}

fn read_all(input: &mut impl BufRead, to_server: &SyncSender<Incoming>, reading: &AtomicBool) {
    loop {
        reading.store(false, Ordering::Release);
        // Waits for the first byte of the next message before saying one is on its way.
        match input.fill_buf() {
            Ok([]) => break,
            Ok(_) => reading.store(true, Ordering::Release),
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => {
                eprintln!("policylint lsp: cannot read from the client: {error}");
                break;
            }
        }
        let incoming = match read_frame(input) {
            Ok(Some(Frame::Payload(payload))) => match decode(&payload) {
                Ok(message) => Incoming::Message(message),
                Err(rejected) => {
                    let mut out = io::stdout().lock();
                    if write_frame(&mut out, &rejected.reply).is_err() {
                        break;
                    }
                    match rejected.lost {
                        Some(what) => Incoming::Lost(what),
                        None => continue,
                    }
                }
            },
            Ok(Some(Frame::Skipped(length))) => Incoming::Lost(format!(
                "a message of {length} bytes was skipped (the limit is {MAX_CONTENT_LENGTH})"
            )),
            Ok(None) => break,
            Err(error) => {
                eprintln!("policylint lsp: cannot read from the client: {error}");
                break;
            }
        };
        let exit =
            matches!(&incoming, Incoming::Message(Message::Notification(n)) if n.method == "exit");
        // Before the server can see the message: once it has, it must not wait for it.
        reading.store(false, Ordering::Release);
        if to_server.send(incoming).is_err() || exit {
            break;
        }
    }
    reading.store(false, Ordering::Release);
}

/// One framed message.
#[derive(Debug, PartialEq, Eq)]
pub enum Frame {
    Payload(Vec<u8>),
    /// A payload over [`MAX_CONTENT_LENGTH`], read past: its length.
    Skipped(u64),
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

/// One framed payload; `None` at the end of input between messages.
pub fn read_frame(input: &mut impl BufRead) -> io::Result<Option<Frame>> {
    let mut length = None;
    let mut line = Vec::new();
    for index in 0.. {
        line.clear();
        // One byte more than allowed tells a line over the limit from one at it.
        let limit = MAX_HEADER_LINE as u64 + 1;
        if input.by_ref().take(limit).read_until(b'\n', &mut line)? == 0 {
            return if index == 0 {
                Ok(None)
            } else {
                Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "input ended inside a message header",
                ))
            };
        }
        if line.len() > MAX_HEADER_LINE {
            return Err(invalid(format!(
                "a message header line is longer than {MAX_HEADER_LINE} bytes"
            )));
        }
        if index >= MAX_HEADER_LINES {
            return Err(invalid(format!(
                "a message header has more than {MAX_HEADER_LINES} lines"
            )));
        }
        let header = String::from_utf8_lossy(&line);
        let header = header.trim_end_matches(['\r', '\n']);
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.trim().eq_ignore_ascii_case("content-length")
        {
            length = Some(
                value
                    .trim()
                    .parse::<u64>()
                    .map_err(|_| invalid(format!("bad Content-Length header: {header:?}")))?,
            );
        }
    }
    let Some(length) = length else {
        return Err(invalid(
            "a message header without Content-Length".to_string(),
        ));
    };
    let ended_inside =
        || io::Error::new(io::ErrorKind::UnexpectedEof, "input ended inside a message");
    if length > MAX_CONTENT_LENGTH {
        eprintln!(
            "policylint lsp: skipping a message of {length} bytes (the limit is {MAX_CONTENT_LENGTH})"
        );
        if io::copy(&mut input.take(length), &mut io::sink())? < length {
            return Err(ended_inside());
        }
        return Ok(Some(Frame::Skipped(length)));
    }
    // Grows as bytes arrive: a long announced length costs only what is sent.
    let mut payload = Vec::new();
    input.take(length).read_to_end(&mut payload)?;
    if (payload.len() as u64) < length {
        return Err(ended_inside());
    }
    Ok(Some(Frame::Payload(payload)))
}

pub fn write_frame(out: &mut impl Write, payload: &str) -> io::Result<()> {
    write!(out, "Content-Length: {}\r\n\r\n{payload}", payload.len())?;
    out.flush()
}

fn error_reply(id: Value, code: ErrorCode, message: String) -> String {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code as i32, "message": message}})
        .to_string()
}

/// A payload the server cannot take: the JSON-RPC error response to send back, and
/// whether (and how) a message was lost with it.
#[derive(Debug)]
pub struct Rejected {
    pub reply: String,
    pub lost: Option<String>,
}

/// A payload as a message, or what to do instead.
pub fn decode(payload: &[u8]) -> Result<Message, Rejected> {
    let value = parse_leniently(payload).map_err(|e| {
        let message = format!("the message is not JSON: {e}");
        Rejected {
            reply: error_reply(Value::Null, ErrorCode::ParseError, message.clone()),
            lost: Some(message),
        }
    })?;
    let id = value.get("id").cloned().unwrap_or(Value::Null);
    let echoed_id = if id.is_number() || id.is_string() {
        id
    } else {
        Value::Null
    };
    message_from_value(value).map_err(|(code, message)| Rejected {
        reply: error_reply(echoed_id, code, message),
        lost: None,
    })
}

/// A JSON-RPC message from its JSON. By hand rather than through `Message`'s untagged
/// deserializer, which buffers (copies) the whole value for each variant it tries: with a
/// 50 MB document in the parameters, that was most of the cost of a message.
fn message_from_value(mut value: Value) -> Result<Message, (ErrorCode, String)> {
    let invalid = |message: &str| (ErrorCode::InvalidRequest, message.to_string());
    let Some(object) = value.as_object_mut() else {
        return Err(invalid("a JSON-RPC message must be an object"));
    };
    let Some(method) = object.get("method") else {
        return serde_json::from_value::<Response>(value)
            .map(Message::Response)
            .map_err(|e| {
                invalid(&format!(
                    "not a JSON-RPC request, response or notification: {e}"
                ))
            });
    };
    let Some(method) = method.as_str().map(str::to_string) else {
        return Err(invalid("a JSON-RPC method must be a string"));
    };
    let params = object.remove("params").unwrap_or(Value::Null);
    match object.remove("id") {
        None | Some(Value::Null) => Ok(Message::Notification(Notification { method, params })),
        Some(id) => match serde_json::from_value::<RequestId>(id) {
            Ok(id) => Ok(Message::Request(Request { id, method, params })),
            Err(_) => Err(invalid("a request id must be a 32-bit integer or a string")),
        },
    }
}

/// Parses JSON as an editor means it. JSON may escape a lone UTF-16 surrogate (`"\ud800"`),
/// which a JavaScript editor sends for a lone surrogate in a document, but no Rust string
/// can hold one; such an escape becomes U+FFFD, as a UTF-8 encoder (the editor's own, when
/// it saves the file) writes it. U+FFFD is one UTF-16 unit, like the surrogate, and three
/// UTF-8 bytes, like its WTF-8 form, so every position after it still means what the
/// editor means. Bytes that are not UTF-8 become U+FFFD too. Valid JSON takes the first,
/// strict parse; only a payload that fails it is repaired and parsed again.
fn parse_leniently(payload: &[u8]) -> Result<Value, serde_json::Error> {
    let first = match serde_json::from_slice(payload) {
        Ok(value) => return Ok(value),
        Err(error) => error,
    };
    let mut repaired = match String::from_utf8_lossy(payload) {
        Cow::Borrowed(_) => payload.to_vec(),
        Cow::Owned(text) => text.into_bytes(),
    };
    let replaced = replace_lone_surrogates(&mut repaired);
    if !replaced && repaired == payload {
        return Err(first);
    }
    serde_json::from_slice(&repaired).map_err(|_| first)
}

/// Rewrites each `\uXXXX` escape of a lone surrogate (one not part of a high-low pair) in
/// JSON text as `\ufffd`, in place (both are six bytes). Whether anything changed.
pub fn replace_lone_surrogates(json: &mut [u8]) -> bool {
    fn unit_at(json: &[u8], at: usize) -> Option<u16> {
        let hex = json.get(at..at + 6)?.strip_prefix(b"\\u")?;
        u16::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()
    }
    let mut changed = false;
    let mut at = 0;
    while let Some(found) = json.get(at..).and_then(|rest| memchr::memchr(b'\\', rest)) {
        at += found;
        // Inside a JSON string a backslash always starts an escape (`\\` included), so
        // stepping over whole escapes keeps the scan in step.
        match unit_at(json, at) {
            Some(0xD800..=0xDBFF) if matches!(unit_at(json, at + 6), Some(0xDC00..=0xDFFF)) => {
                at += 12;
            }
            Some(0xD800..=0xDFFF) => {
                json[at + 2..at + 6].copy_from_slice(b"fffd");
                changed = true;
                at += 6;
            }
            Some(_) => at += 6,
            None => at += 2,
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(input: &[u8]) -> Vec<io::Result<Option<Frame>>> {
        let mut reader = io::BufReader::new(input);
        let mut out = Vec::new();
        loop {
            let frame = read_frame(&mut reader);
            let done = !matches!(frame, Ok(Some(_)));
            out.push(frame);
            if done {
                return out;
            }
        }
    }

    fn payload(frame: &io::Result<Option<Frame>>) -> &[u8] {
        match frame {
            Ok(Some(Frame::Payload(payload))) => payload,
            other => panic!("not a payload: {other:?}"),
        }
    }

    #[test]
    fn frames_split_on_content_length() {
        let got =
            frames(b"Content-Length: 2\r\n\r\n{}content-length: 4\r\nContent-Type: x\r\n\r\nnull");
        assert_eq!(got.len(), 3);
        assert_eq!(payload(&got[0]), b"{}");
        assert_eq!(payload(&got[1]), b"null");
        assert!(matches!(got[2], Ok(None)));
    }

    #[test]
    fn broken_framing_is_an_error_not_a_hang() {
        assert!(frames(b"Content-Type: x\r\n\r\n{}")[0].is_err());
        assert!(frames(b"Content-Length: 10\r\n\r\n{}")[0].is_err());
        assert!(frames(b"Content-Length: x\r\n\r\n{}")[0].is_err());
        assert!(frames(b"Content-Length: 2\r\n")[0].is_err());
        assert!(frames(b"Content-Length: 99999999999999999999999\r\n\r\n{}")[0].is_err());
    }

    #[test]
    fn header_lines_are_bounded() {
        // A header line without end: an error once past the limit, not a growing buffer.
        let endless = vec![b'x'; 10 * MAX_HEADER_LINE];
        let error = frames(&endless).remove(0).unwrap_err();
        assert!(error.to_string().contains("longer than"), "{error}");
        let long_value = format!("X-Long: {}\r\n", "y".repeat(MAX_HEADER_LINE));
        let framed = format!("{long_value}Content-Length: 2\r\n\r\n{{}}");
        assert!(frames(framed.as_bytes())[0].is_err());
        // At the limit is fine.
        let at_limit = format!("X-Long: {}\r\n", "y".repeat(MAX_HEADER_LINE - 10));
        let framed = format!("{at_limit}Content-Length: 2\r\n\r\n{{}}");
        assert_eq!(payload(&frames(framed.as_bytes())[0]), b"{}");
        let many = format!("{}Content-Length: 2\r\n\r\n{{}}", "X: y\r\n".repeat(100));
        let error = frames(many.as_bytes()).remove(0).unwrap_err();
        assert!(error.to_string().contains("more than"), "{error}");
    }

    #[test]
    fn an_oversized_message_is_read_past_not_held() {
        let length = MAX_CONTENT_LENGTH + 3;
        // Announced, never sent: an error at the end of input, after reading what came.
        let announced = format!("Content-Length: {}\r\n\r\n{{}}", 1u64 << 60);
        assert!(frames(announced.as_bytes())[0].is_err());
        let mut input = format!("Content-Length: {length}\r\n\r\n").into_bytes();
        input.resize(input.len() + length as usize, b' ');
        input.extend_from_slice(b"Content-Length: 2\r\n\r\n{}");
        let got = frames(&input);
        assert!(matches!(got[0], Ok(Some(Frame::Skipped(l))) if l == length));
        assert_eq!(payload(&got[1]), b"{}");
    }

    #[test]
    fn bad_payloads_get_json_rpc_errors() {
        let rejected = |payload: &[u8]| -> (Value, Option<String>) {
            let rejected = decode(payload).unwrap_err();
            (
                serde_json::from_str(&rejected.reply).unwrap(),
                rejected.lost,
            )
        };
        let (not_json, lost) = rejected(b"{nope");
        assert_eq!(not_json["id"], Value::Null);
        assert_eq!(not_json["error"]["code"], -32700);
        assert!(lost.is_some_and(|l| l.contains("not JSON")));
        let (garbage, lost) = rejected(b"\xff\xfe\x00garbage\x80");
        assert_eq!(garbage["error"]["code"], -32700);
        assert!(lost.is_some());
        let (no_method, lost) = rejected(br#"{"jsonrpc":"2.0","id":7}"#);
        assert_eq!(no_method["id"], 7);
        assert_eq!(no_method["error"]["code"], -32600);
        assert_eq!(lost, None);
        let (float_id, _) = rejected(br#"{"jsonrpc":"2.0","id":1.5,"method":"shutdown"}"#);
        assert_eq!(float_id["id"], 1.5);
        assert_eq!(float_id["error"]["code"], -32600);
        assert!(matches!(
            decode(br#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#),
            Ok(Message::Request(_))
        ));
        assert!(matches!(
            decode(br#"{"jsonrpc":"2.0","method":"exit"}"#),
            Ok(Message::Notification(_))
        ));
    }

    fn text_of(payload: &[u8]) -> String {
        match decode(payload).expect("decodes") {
            Message::Notification(n) => n.params["text"].as_str().unwrap().to_string(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn lone_surrogates_become_replacement_characters() {
        let message = |text: &str| {
            format!(r#"{{"jsonrpc":"2.0","method":"x","params":{{"text":"{text}"}}}}"#)
        };
        // Lone high, lone low, high before something else, low before high: each is one
        // U+FFFD; a real pair and an escaped backslash before `ud800` stay as they are.
        let cases = [
            (r"a\ud800b", "a\u{fffd}b"),
            (r"a\uDC00b", "a\u{fffd}b"),
            (r"\ud800\u0041", "\u{fffd}A"),
            (r"\udc00\ud800", "\u{fffd}\u{fffd}"),
            (r"\ud83d\ude00\ud800", "😀\u{fffd}"),
            (r"\\ud800\ud800", "\\ud800\u{fffd}"),
            (r"end\ud800", "end\u{fffd}"),
        ];
        for (escaped, expected) in cases {
            let text = text_of(message(escaped).as_bytes());
            assert_eq!(text, expected, "{escaped}");
        }
        // Bytes that are not UTF-8, in an otherwise good message.
        let mut latin1 = br#"{"jsonrpc":"2.0","method":"x","params":{"text":"caf"#.to_vec();
        latin1.push(0xe9);
        latin1.extend_from_slice(br#""}}"#);
        assert_eq!(text_of(&latin1), "caf\u{fffd}");
        // A trailing backslash at the very end does not overrun.
        let mut odd = b"\"\\".to_vec();
        assert!(!replace_lone_surrogates(&mut odd));
        let mut short = b"\\ud80".to_vec();
        assert!(!replace_lone_surrogates(&mut short));
    }
}
