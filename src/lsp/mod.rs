//! `policylint lsp`: a language server on standard input and output. It lints every open
//! JSON document that is a policy as it is opened, changed and saved, publishes the
//! diagnostics, explains a diagnostic's rule on hover, and offers each fix as a quick fix,
//! "ignore this finding" (an `[[ignore]]` entry in the nearest config), and one
//! `source.fixAll.policylint` action that applies every safe fix. It re-lints when a
//! config changes.
//!
//! Single-threaded, and lazy about linting: a change only updates the document's text;
//! documents are linted when no message is waiting, so a burst of changes to a large
//! document costs one lint of its newest version, and a lint whose document changed while
//! it ran is not published (the next one will be). Requests are answered in order, each
//! after linting its own document if it changed; a request cancelled before its turn is
//! answered as cancelled. Full text sync; positions in UTF-16 (the protocol's default) or
//! UTF-8 when the client offers it.

mod actions;
mod configs;
pub mod convert;
mod documents;
mod hover;
pub mod ignore;
pub mod position;
#[cfg(test)]
mod tests;
pub mod transport;

use crate::config::{ConfigMode, Overrides, Resolver, Settings};
use convert::{FIX_ALL_KIND, escape_controls, file_path};
use documents::Document;
use lsp_server::{ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{
    Cancel, DidChangeTextDocument, DidChangeWatchedFiles, DidCloseTextDocument,
    DidOpenTextDocument, DidSaveTextDocument, Initialized, Notification as _, ShowMessage,
};
use lsp_types::request::{CodeActionRequest, HoverRequest, Initialize, Request as _, Shutdown};
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionProviderCapability, HoverProviderCapability,
    InitializeResult, MessageType, PositionEncodingKind, SaveOptions, ServerCapabilities,
    ServerInfo, ShowMessageParams, TextDocumentSyncCapability, TextDocumentSyncKind,
    TextDocumentSyncOptions, TextDocumentSyncSaveOptions, Uri,
};
use position::Encoding;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::{HashMap, HashSet, VecDeque};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, TryRecvError};
use std::time::Duration;
use transport::{Channels, Incoming, QUEUED_MESSAGES};

/// Runs the server until the client says `exit`: exit code 0 after a `shutdown` request,
/// 1 without one (or when the input ends first), as the protocol asks.
pub fn run() -> ExitCode {
    let defaults = match Settings::defaults(&Overrides::default()) {
        Ok(defaults) => Arc::new(defaults),
        Err(error) => {
            eprintln!("policylint lsp: error: {error}");
            return ExitCode::from(2);
        }
    };
    let resolver = match Resolver::new(ConfigMode::Discover, Overrides::default()) {
        Ok(resolver) => resolver,
        Err(error) => {
            eprintln!("policylint lsp: error: {error}");
            return ExitCode::from(2);
        }
    };
    let (channels, transport) = transport::stdio();
    let code = Server::new(channels, resolver, defaults).serve();
    // The server (and with it its sender) is gone: the writer drains and stops.
    transport.finish();
    code
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before the `initialize` request.
    Uninitialized,
    Running,
    /// After the `shutdown` request: only `exit` is expected.
    ShuttingDown,
}

/// What the client said it can do, of what the server uses.
#[derive(Debug, Default)]
struct ClientSupport {
    /// `workspace/didChangeWatchedFiles` may be registered at run time.
    watch_registration: bool,
    /// Hover text may be Markdown.
    markdown_hover: bool,
    /// A workspace edit may create a file (`documentChanges` with a `create` operation).
    create_files: bool,
}

struct Server {
    incoming: Receiver<Incoming>,
    outgoing: Sender<Message>,
    /// Whether the reader is partway through a message.
    reading: Arc<AtomicBool>,
    /// Messages read ahead of the one being handled (to find cancellations and changes
    /// that make a finished lint stale), at most [`QUEUED_MESSAGES`].
    pending: VecDeque<Incoming>,
    state: State,
    encoding: Encoding,
    client: ClientSupport,
    /// The workspace folders, where a new config for "ignore this finding" goes.
    workspace_folders: Vec<PathBuf>,
    resolver: Resolver,
    defaults: Arc<Settings>,
    /// Config errors already shown, so opening ten files under one broken config shows
    /// it once (until the configs are reloaded).
    shown_errors: HashSet<String>,
    /// Config files with an error published on them.
    broken_configs: HashSet<PathBuf>,
    documents: HashMap<Uri, Document>,
}

/// An error response to send back.
struct Failure {
    code: ErrorCode,
    message: String,
}

impl Failure {
    fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Failure {
            code,
            message: message.into(),
        }
    }
}

fn params<P: DeserializeOwned>(method: &str, value: Value) -> Result<P, Failure> {
    serde_json::from_value(value).map_err(|e| {
        Failure::new(
            ErrorCode::InvalidParams,
            format!("invalid parameters for {method}: {e}"),
        )
    })
}

fn to_json(value: impl serde::Serialize) -> Value {
    serde_json::to_value(value).unwrap_or_default()
}

/// The document a notification is about, if it names one.
fn notification_uri(notification: &Notification) -> Option<&str> {
    notification
        .params
        .pointer("/textDocument/uri")
        .and_then(Value::as_str)
}

impl Server {
    fn new(channels: Channels, resolver: Resolver, defaults: Arc<Settings>) -> Self {
        Server {
            incoming: channels.incoming,
            outgoing: channels.outgoing,
            reading: channels.reading,
            pending: VecDeque::new(),
            state: State::Uninitialized,
            encoding: Encoding::Utf16,
            client: ClientSupport::default(),
            workspace_folders: Vec::new(),
            resolver,
            defaults,
            shown_errors: HashSet::new(),
            broken_configs: HashSet::new(),
            documents: HashMap::new(),
        }
    }

    fn serve(mut self) -> ExitCode {
        while let Some(incoming) = self.next_incoming() {
            match incoming {
                Incoming::Lost(what) => self.lost_message(&what),
                Incoming::Message(Message::Request(request)) => self.answer(request),
                Incoming::Message(Message::Notification(notification))
                    if notification.method == "exit" =>
                {
                    return if self.state == State::ShuttingDown {
                        ExitCode::SUCCESS
                    } else {
                        ExitCode::from(1)
                    };
                }
                Incoming::Message(Message::Notification(notification)) => {
                    let method = notification.method.clone();
                    if catch_unwind(AssertUnwindSafe(|| self.notification(notification))).is_err() {
                        eprintln!("policylint lsp: failed on a {method} notification");
                    }
                }
                Incoming::Message(Message::Response(response)) => self.response(response),
            }
        }
        // The input ended without `exit`.
        ExitCode::from(1)
    }

    /// The answer to the server's only request, registering the config watcher: if the
    /// client refuses, saves are the sign that a config may have changed, as without one.
    fn response(&mut self, response: Response) {
        if let Err(error) = response.response_result {
            eprintln!(
                "policylint lsp: the client refused a request: {}",
                error.message
            );
            if response.id == RequestId::from(configs::WATCH_REQUEST.to_string()) {
                self.client.watch_registration = false;
            }
        }
    }

    /// The next message to handle, read ahead first. When none is waiting (nor on its
    /// way), the documents changed since they were last linted are linted first, one at a
    /// time, so that whatever arrives meanwhile is seen before the next.
    fn next_incoming(&mut self) -> Option<Incoming> {
        loop {
            if let Some(incoming) = self.pending.pop_front() {
                return Some(incoming);
            }
            match self.incoming.try_recv() {
                Ok(incoming) => return Some(incoming),
                Err(TryRecvError::Disconnected) => return None,
                Err(TryRecvError::Empty) => {}
            }
            let Some(changed) = self.changed_document() else {
                return self.incoming.recv().ok();
            };
            if self.reading.load(Ordering::Acquire) {
                // Whatever is on its way comes before any lint, and may change what to
                // lint. (A payload answered with an error never arrives: look again.)
                match self.incoming.recv_timeout(Duration::from_millis(10)) {
                    Ok(incoming) => return Some(incoming),
                    Err(RecvTimeoutError::Timeout) => continue,
                    Err(RecvTimeoutError::Disconnected) => return None,
                }
            }
            self.lint_unless_overtaken(&changed);
        }
    }

    /// Takes what has arrived into [`Server::pending`], up to its bound.
    fn read_ahead(&mut self) {
        while self.pending.len() < QUEUED_MESSAGES {
            match self.incoming.try_recv() {
                Ok(incoming) => self.pending.push_back(incoming),
                Err(_) => break,
            }
        }
    }

    /// Takes out a `$/cancelRequest` for `id` that is waiting to be handled.
    fn take_cancellation(&mut self, id: &RequestId) -> bool {
        self.read_ahead();
        let cancels = |incoming: &Incoming| match incoming {
            Incoming::Message(Message::Notification(n)) if n.method == Cancel::METHOD => n
                .params
                .get("id")
                .and_then(|wanted| serde_json::from_value::<RequestId>(wanted.clone()).ok())
                .is_some_and(|wanted| wanted == *id),
            _ => false,
        };
        match self.pending.iter().position(cancels) {
            Some(index) => {
                self.pending.remove(index);
                true
            }
            None => false,
        }
    }

    fn send(&self, message: Message) {
        // A closed channel means the client is gone; the input ends next.
        let _ = self.outgoing.send(message);
    }

    fn notify<N: lsp_types::notification::Notification>(&self, params: N::Params) {
        self.send(Notification::new(N::METHOD.to_string(), params).into());
    }

    fn show_message(&self, typ: MessageType, message: &str) {
        self.notify::<ShowMessage>(ShowMessageParams {
            typ,
            message: escape_controls(message).into_owned(),
        });
    }

    fn answer(&mut self, request: Request) {
        let id = request.id.clone();
        let response = if self.take_cancellation(&id) {
            Response::new_err(
                id,
                ErrorCode::RequestCanceled as i32,
                "the request was cancelled".to_string(),
            )
        } else {
            match catch_unwind(AssertUnwindSafe(|| self.request(request))) {
                Ok(Ok(result)) => Response::new_ok(id, result),
                Ok(Err(failure)) => Response::new_err(id, failure.code as i32, failure.message),
                Err(_) => Response::new_err(
                    id,
                    ErrorCode::InternalError as i32,
                    "policylint failed on this request (please report this)".to_string(),
                ),
            }
        };
        self.send(response.into());
    }

    fn request(&mut self, request: Request) -> Result<Value, Failure> {
        match (self.state, request.method.as_str()) {
            (State::Uninitialized, Initialize::METHOD) => self.initialize(request.params),
            (State::Uninitialized, _) => Err(Failure::new(
                ErrorCode::ServerNotInitialized,
                "the server has not been initialized",
            )),
            (State::ShuttingDown, _) => Err(Failure::new(
                ErrorCode::InvalidRequest,
                "the server is shutting down",
            )),
            (State::Running, Initialize::METHOD) => Err(Failure::new(
                ErrorCode::InvalidRequest,
                "the server is already initialized",
            )),
            (State::Running, Shutdown::METHOD) => {
                self.state = State::ShuttingDown;
                Ok(Value::Null)
            }
            (State::Running, CodeActionRequest::METHOD) => {
                let params = params(&request.method, request.params)?;
                Ok(to_json(self.code_actions(&params)))
            }
            (State::Running, HoverRequest::METHOD) => {
                let params = params(&request.method, request.params)?;
                Ok(to_json(self.hover(&params)))
            }
            (State::Running, method) => Err(Failure::new(
                ErrorCode::MethodNotFound,
                format!("policylint does not handle {method}"),
            )),
        }
    }

    fn initialize(&mut self, params: Value) -> Result<Value, Failure> {
        if !params.is_object() {
            return Err(Failure::new(
                ErrorCode::InvalidParams,
                "initialize needs an InitializeParams object",
            ));
        }
        // Only these few capabilities matter; reading just them keeps odd clients working.
        let strings = |pointer: &str| -> Vec<String> {
            params
                .pointer(pointer)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        };
        let flag = |pointer: &str| params.pointer(pointer) == Some(&Value::Bool(true));
        let offered: Vec<PositionEncodingKind> = strings("/capabilities/general/positionEncodings")
            .into_iter()
            .map(PositionEncodingKind::from)
            .collect();
        self.encoding = Encoding::negotiate(&offered);
        self.client = ClientSupport {
            watch_registration: flag(
                "/capabilities/workspace/didChangeWatchedFiles/dynamicRegistration",
            ),
            markdown_hover: strings("/capabilities/textDocument/hover/contentFormat")
                .iter()
                .any(|f| f == "markdown"),
            create_files: flag("/capabilities/workspace/workspaceEdit/documentChanges")
                && strings("/capabilities/workspace/workspaceEdit/resourceOperations")
                    .iter()
                    .any(|op| op == "create"),
        };
        self.workspace_folders = workspace_folders(&params);
        self.state = State::Running;
        let result = InitializeResult {
            capabilities: capabilities(self.encoding),
            server_info: Some(ServerInfo {
                name: "policylint".to_string(),
                version: Some(env!("CARGO_PKG_VERSION").to_string()),
            }),
        };
        Ok(to_json(result))
    }

    fn notification(&mut self, notification: Notification) {
        // Before `initialize` and after `shutdown`, notifications are dropped.
        if self.state != State::Running {
            return;
        }
        let method = notification.method.as_str();
        let uri = notification_uri(&notification).map(str::to_string);
        let outcome = match method {
            Initialized::METHOD => {
                self.register_config_watcher();
                Ok(())
            }
            DidOpenTextDocument::METHOD => {
                params(method, notification.params).map(|p| self.did_open(p))
            }
            DidChangeTextDocument::METHOD => {
                let outcome = params(method, notification.params).map(|p| self.did_change(p));
                if outcome.is_err()
                    && let Some(uri) = uri.and_then(|u| u.parse::<Uri>().ok())
                {
                    // A change that cannot be read leaves the server's copy behind the
                    // editor's: forget it until the next full text.
                    self.lose_sync(&uri);
                }
                outcome
            }
            DidSaveTextDocument::METHOD => {
                params(method, notification.params).map(|p| self.did_save(p))
            }
            DidCloseTextDocument::METHOD => {
                params(method, notification.params).map(|p| self.did_close(p))
            }
            DidChangeWatchedFiles::METHOD => {
                params(method, notification.params).map(|p| self.watched_files_changed(p))
            }
            // `$/cancelRequest` for a request already answered,
            // `workspace/didChangeConfiguration`...
            _ => Ok(()),
        };
        // A notification cannot be answered; say why it was ignored where a client's
        // server log shows it.
        if let Err(failure) = outcome {
            eprintln!("policylint lsp: {}", failure.message);
        }
    }

    /// A message was lost before it could be read: it may have been a change to any open
    /// document. Rather than lint (and offer fixes for) text the editor no longer has,
    /// every document waits for its next full text.
    fn lost_message(&mut self, what: &str) {
        eprintln!("policylint lsp: {what}");
        if self.state != State::Running || self.documents.is_empty() {
            return;
        }
        let uris: Vec<Uri> = self.documents.keys().cloned().collect();
        for uri in &uris {
            self.lose_sync(uri);
        }
        self.show_message(
            MessageType::WARNING,
            &format!("policylint: {what}; diagnostics come back with each document's next change"),
        );
    }
}

fn capabilities(encoding: Encoding) -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(encoding.kind()),
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::FULL),
                save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                    include_text: Some(false),
                })),
                ..TextDocumentSyncOptions::default()
            },
        )),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![
                CodeActionKind::QUICKFIX,
                CodeActionKind::from(FIX_ALL_KIND),
            ]),
            resolve_provider: Some(false),
            ..CodeActionOptions::default()
        })),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        ..ServerCapabilities::default()
    }
}

/// The folders of the workspace: `workspaceFolders`, else `rootUri`, else `rootPath`.
fn workspace_folders(params: &Value) -> Vec<PathBuf> {
    let uri_path = |uri: &Value| {
        uri.as_str()?
            .parse::<Uri>()
            .ok()
            .and_then(|u| file_path(&u))
    };
    let folders: Vec<PathBuf> = params
        .get("workspaceFolders")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|folder| uri_path(&folder["uri"]))
        .collect();
    if !folders.is_empty() {
        return folders;
    }
    params
        .get("rootUri")
        .and_then(uri_path)
        .or_else(|| params.get("rootPath")?.as_str().map(PathBuf::from))
        .into_iter()
        .collect()
}
