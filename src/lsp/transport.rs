//! `Content-Length`-framed JSON-RPC on standard input and output, feeding lsp-server's
//! channels. lsp-server's own stdio transport stops reading (and so ends the session) at
//! the first payload that is not a well-formed message; this one answers such a payload
//! with the JSON-RPC error it deserves and keeps reading. Only broken framing (no
//! `Content-Length`, a closed pipe) ends the session.

use lsp_server::{Connection, ErrorCode, Message};
use serde_json::{Value, json};
use std::io::{self, BufRead, Read, Write};
use std::thread::{self, JoinHandle};

/// The writer thread, to wait for once the server has dropped its connection so every
/// message it sent reaches the client.
pub struct Transport {
    writer: JoinHandle<()>,
}

impl Transport {
    pub fn finish(self) {
        let _ = self.writer.join();
    }
}

/// A connection over standard input and output. The reader thread is never joined: it
/// ends at the `exit` notification or at the end of input, whichever comes first.
pub fn stdio() -> (Connection, Transport) {
    let (server, client) = Connection::memory();
    let Connection {
        sender: to_server,
        receiver: from_server,
    } = client;
    thread::spawn(move || {
        let stdin = io::stdin();
        let mut input = stdin.lock();
        loop {
            let payload = match read_frame(&mut input) {
                Ok(Some(payload)) => payload,
                Ok(None) => break,
                Err(error) => {
                    eprintln!("policylint lsp: cannot read from the client: {error}");
                    break;
                }
            };
            match decode(&payload) {
                Ok(message) => {
                    let exit = matches!(&message, Message::Notification(n) if n.method == "exit");
                    if to_server.send(message).is_err() || exit {
                        break;
                    }
                }
                Err(reply) => {
                    let mut out = io::stdout().lock();
                    if write_frame(&mut out, &reply).is_err() {
                        break;
                    }
                }
            }
        }
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
    (server, Transport { writer })
}

/// One framed payload; `None` at the end of input between messages.
pub fn read_frame(input: &mut impl BufRead) -> io::Result<Option<Vec<u8>>> {
    let mut length = None;
    let mut line = String::new();
    let mut first = true;
    loop {
        line.clear();
        if input.read_line(&mut line)? == 0 {
            return if first {
                Ok(None)
            } else {
                Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "input ended inside a message header",
                ))
            };
        }
        first = false;
        let header = line.trim_end_matches(['\r', '\n']);
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.trim().eq_ignore_ascii_case("content-length")
        {
            length = Some(value.trim().parse::<u64>().map_err(|_| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("bad Content-Length header: {header:?}"),
                )
            })?);
        }
    }
    let Some(length) = length else {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "a message header without Content-Length",
        ));
    };
    // Grows as bytes arrive: a huge announced length cannot exhaust memory up front.
    let mut payload = Vec::new();
    input.take(length).read_to_end(&mut payload)?;
    if (payload.len() as u64) < length {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "input ended inside a message",
        ));
    }
    Ok(Some(payload))
}

pub fn write_frame(out: &mut impl Write, payload: &str) -> io::Result<()> {
    write!(out, "Content-Length: {}\r\n\r\n{payload}", payload.len())?;
    out.flush()
}

fn error_reply(id: Value, code: ErrorCode, message: String) -> String {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code as i32, "message": message}})
        .to_string()
}

/// A payload as a message, or the JSON-RPC error response to send back instead.
pub fn decode(payload: &[u8]) -> Result<Message, String> {
    let value: Value = serde_json::from_slice(payload).map_err(|e| {
        error_reply(
            Value::Null,
            ErrorCode::ParseError,
            format!("the message is not JSON: {e}"),
        )
    })?;
    let id = value.get("id").cloned().unwrap_or(Value::Null);
    let echoed_id = if id.is_number() || id.is_string() {
        id.clone()
    } else {
        Value::Null
    };
    match serde_json::from_value::<Message>(value) {
        // A request whose id lsp-server cannot hold (a float, a number beyond 32 bits)
        // reads as a notification; it must still get an answer.
        Ok(Message::Notification(_)) if !id.is_null() => Err(error_reply(
            echoed_id,
            ErrorCode::InvalidRequest,
            "a request id must be a 32-bit integer or a string".to_string(),
        )),
        Ok(message) => Ok(message),
        Err(e) => Err(error_reply(
            echoed_id,
            ErrorCode::InvalidRequest,
            format!("not a JSON-RPC request, response or notification: {e}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(input: &str) -> Vec<io::Result<Option<Vec<u8>>>> {
        let mut reader = io::BufReader::new(input.as_bytes());
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

    #[test]
    fn frames_split_on_content_length() {
        let got =
            frames("Content-Length: 2\r\n\r\n{}content-length: 4\r\nContent-Type: x\r\n\r\nnull");
        assert_eq!(got.len(), 3);
        assert_eq!(got[0].as_ref().unwrap().as_deref(), Some(&b"{}"[..]));
        assert_eq!(got[1].as_ref().unwrap().as_deref(), Some(&b"null"[..]));
        assert!(matches!(got[2], Ok(None)));
    }

    #[test]
    fn broken_framing_is_an_error_not_a_hang() {
        assert!(frames("Content-Type: x\r\n\r\n{}")[0].is_err());
        assert!(frames("Content-Length: 10\r\n\r\n{}")[0].is_err());
        assert!(frames("Content-Length: x\r\n\r\n{}")[0].is_err());
        assert!(frames("Content-Length: 2\r\n")[0].is_err());
    }

    #[test]
    fn bad_payloads_get_json_rpc_errors() {
        let reply = |payload: &str| -> Value {
            serde_json::from_str(&decode(payload.as_bytes()).unwrap_err()).unwrap()
        };
        let not_json = reply("{nope");
        assert_eq!(not_json["id"], Value::Null);
        assert_eq!(not_json["error"]["code"], -32700);
        let no_method = reply(r#"{"jsonrpc":"2.0","id":7}"#);
        assert_eq!(no_method["id"], 7);
        assert_eq!(no_method["error"]["code"], -32600);
        let float_id = reply(r#"{"jsonrpc":"2.0","id":1.5,"method":"shutdown"}"#);
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
}
