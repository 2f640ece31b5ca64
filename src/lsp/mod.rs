//! `policylint lsp`: a language server on standard input and output. It lints every open
//! JSON document that is a policy as it is opened, changed and saved, publishes the
//! diagnostics, and offers each fix as a quick fix plus one `source.fixAll.policylint`
//! action that applies every safe fix.
//!
//! Synchronous and single-threaded: linting a policy takes microseconds, so each message
//! is handled to the end before the next is read. Full text sync; positions in UTF-16
//! (the protocol's default) or UTF-8 when the client offers it.

pub mod convert;
pub mod position;
pub mod transport;

use crate::config::{CONFIG_NAMES, ConfigError, ConfigMode, Overrides, Resolver, Settings};
use crate::diagnostic::{Applicability, Diagnostic, Finding, Severity};
use crate::fix::{FixMode, fix_host_text_keeping};
use crate::hosts::{self, HostKind};
use crate::runner::INTERNAL_ERROR;
use crate::source::Span;
use convert::{FIX_ALL_KIND, Located, changed_lines_edit, file_path, fix_title, kind_wanted};
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, DidSaveTextDocument,
    Notification as _, PublishDiagnostics, ShowMessage,
};
use lsp_types::request::{CodeActionRequest, Initialize, Request as _, Shutdown};
use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOptions, CodeActionOrCommand, CodeActionParams,
    CodeActionProviderCapability, DidChangeTextDocumentParams, DidCloseTextDocumentParams,
    DidOpenTextDocumentParams, DidSaveTextDocumentParams, InitializeResult, MessageType,
    PositionEncodingKind, PublishDiagnosticsParams, SaveOptions, ServerCapabilities, ServerInfo,
    ShowMessageParams, TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions,
    TextDocumentSyncSaveOptions, Uri, WorkspaceEdit,
};
use position::{Encoding, LineMap};
use serde::de::DeserializeOwned;
use std::collections::{HashMap, HashSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

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
    let (connection, transport) = transport::stdio();
    let code = Server::new(connection, resolver, defaults).serve();
    // The server (and with it the connection) is gone: the writer drains and stops.
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

/// An open document.
struct Document {
    text: String,
    version: i32,
    language_id: String,
    /// Its file, for `file:` URIs.
    path: Option<PathBuf>,
    settings: Arc<Settings>,
    /// Whether it is linted at all: a JSON document (by the config's include and exclude
    /// for files, as `--force-exclude` does, or by language for unsaved buffers).
    lintable: bool,
    /// The diagnostics last published for `text`, and their LSP form.
    diagnostics: Vec<Diagnostic>,
    published: Vec<lsp_types::Diagnostic>,
}

struct Server {
    connection: Connection,
    state: State,
    encoding: Encoding,
    resolver: Resolver,
    defaults: Arc<Settings>,
    /// Config errors already shown, so opening ten files under one broken config shows
    /// it once (until a save reloads the configs).
    shown_errors: HashSet<String>,
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

fn params<P: DeserializeOwned>(method: &str, value: serde_json::Value) -> Result<P, Failure> {
    serde_json::from_value(value).map_err(|e| {
        Failure::new(
            ErrorCode::InvalidParams,
            format!("invalid parameters for {method}: {e}"),
        )
    })
}

impl Server {
    fn new(connection: Connection, resolver: Resolver, defaults: Arc<Settings>) -> Self {
        Server {
            connection,
            state: State::Uninitialized,
            encoding: Encoding::Utf16,
            resolver,
            defaults,
            shown_errors: HashSet::new(),
            documents: HashMap::new(),
        }
    }

    fn serve(mut self) -> ExitCode {
        while let Ok(message) = self.connection.receiver.recv() {
            match message {
                Message::Request(request) => {
                    let id = request.id.clone();
                    let outcome = catch_unwind(AssertUnwindSafe(|| self.request(request)));
                    let response = match outcome {
                        Ok(Ok(result)) => Response::new_ok(id, result),
                        Ok(Err(failure)) => {
                            Response::new_err(id, failure.code as i32, failure.message)
                        }
                        Err(_) => Response::new_err(
                            id,
                            ErrorCode::InternalError as i32,
                            "policylint failed on this request (please report this)".to_string(),
                        ),
                    };
                    self.send(response.into());
                }
                Message::Notification(notification) if notification.method == "exit" => {
                    return if self.state == State::ShuttingDown {
                        ExitCode::SUCCESS
                    } else {
                        ExitCode::from(1)
                    };
                }
                Message::Notification(notification) => {
                    let method = notification.method.clone();
                    if catch_unwind(AssertUnwindSafe(|| self.notification(notification))).is_err() {
                        eprintln!("policylint lsp: failed on a {method} notification");
                    }
                }
                // The server sends no requests, so it expects no responses.
                Message::Response(_) => {}
            }
        }
        // The input ended without `exit`.
        ExitCode::from(1)
    }

    fn send(&self, message: Message) {
        // A closed channel means the client is gone; the input ends next.
        let _ = self.connection.sender.send(message);
    }

    fn notify<N: lsp_types::notification::Notification>(&self, params: N::Params) {
        self.send(Notification::new(N::METHOD.to_string(), params).into());
    }

    fn request(&mut self, request: Request) -> Result<serde_json::Value, Failure> {
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
                Ok(serde_json::Value::Null)
            }
            (State::Running, CodeActionRequest::METHOD) => {
                let params: CodeActionParams = params(&request.method, request.params)?;
                let actions = self.code_actions(&params)?;
                Ok(serde_json::to_value(actions).unwrap_or_default())
            }
            (State::Running, method) => Err(Failure::new(
                ErrorCode::MethodNotFound,
                format!("policylint does not handle {method}"),
            )),
        }
    }

    fn initialize(&mut self, params: serde_json::Value) -> Result<serde_json::Value, Failure> {
        if !params.is_object() {
            return Err(Failure::new(
                ErrorCode::InvalidParams,
                "initialize needs an InitializeParams object",
            ));
        }
        // Only this one capability matters; reading just it keeps odd clients working.
        let offered: Vec<PositionEncodingKind> = params
            .pointer("/capabilities/general/positionEncodings")
            .and_then(serde_json::Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|kind| {
                kind.as_str()
                    .map(|k| PositionEncodingKind::from(k.to_string()))
            })
            .collect();
        self.encoding = Encoding::negotiate(&offered);
        self.state = State::Running;
        let capabilities = ServerCapabilities {
            position_encoding: Some(self.encoding.kind()),
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
            ..ServerCapabilities::default()
        };
        let result = InitializeResult {
            capabilities,
            server_info: Some(ServerInfo {
                name: "policylint".to_string(),
                version: Some(env!("CARGO_PKG_VERSION").to_string()),
            }),
        };
        Ok(serde_json::to_value(result).unwrap_or_default())
    }

    fn notification(&mut self, notification: Notification) {
        // Before `initialize` and after `shutdown`, notifications are dropped.
        if self.state != State::Running {
            return;
        }
        let method = notification.method.as_str();
        let outcome = match method {
            DidOpenTextDocument::METHOD => {
                params(method, notification.params).map(|p| self.did_open(p))
            }
            DidChangeTextDocument::METHOD => {
                params(method, notification.params).map(|p| self.did_change(p))
            }
            DidSaveTextDocument::METHOD => {
                params(method, notification.params).map(|p| self.did_save(p))
            }
            DidCloseTextDocument::METHOD => {
                params(method, notification.params).map(|p| self.did_close(p))
            }
            // `initialized`, `$/cancelRequest`, `workspace/didChangeConfiguration`...
            _ => Ok(()),
        };
        // A notification cannot be answered; say why it was ignored where a client's
        // server log shows it.
        if let Err(failure) = outcome {
            eprintln!("policylint lsp: {}", failure.message);
        }
    }

    fn did_open(&mut self, params: DidOpenTextDocumentParams) {
        let item = params.text_document;
        let path = file_path(&item.uri);
        let mut document = Document {
            text: item.text,
            version: item.version,
            language_id: item.language_id,
            path,
            settings: self.defaults.clone(),
            lintable: false,
            diagnostics: Vec::new(),
            published: Vec::new(),
        };
        self.configure(&item.uri, &mut document);
        self.documents.insert(item.uri.clone(), document);
        self.lint_and_publish(&item.uri);
    }

    fn did_change(&mut self, params: DidChangeTextDocumentParams) {
        let uri = params.text_document.uri;
        let encoding = self.encoding;
        let Some(document) = self.documents.get_mut(&uri) else {
            eprintln!(
                "policylint lsp: didChange for a document that is not open: {}",
                uri.as_str()
            );
            return;
        };
        for change in params.content_changes {
            match change.range {
                // Full sync, as advertised.
                None => document.text = change.text,
                // Tolerated, though not asked for.
                Some(range) => {
                    let map = LineMap::new(&document.text);
                    let start = map.offset(&document.text, range.start, encoding);
                    let end = map.offset(&document.text, range.end, encoding);
                    let (start, end) = (start.min(end), start.max(end));
                    document.text.replace_range(start..end, &change.text);
                }
            }
        }
        document.version = params.text_document.version;
        self.lint_and_publish(&uri);
    }

    fn did_save(&mut self, params: DidSaveTextDocumentParams) {
        let uri = params.text_document.uri;
        if let (Some(text), Some(document)) = (params.text, self.documents.get_mut(&uri)) {
            document.text = text;
        }
        // A save may be of a config, or follow one changed outside the editor: load the
        // configs afresh and re-lint every open document with them.
        if let Ok(resolver) = Resolver::new(ConfigMode::Discover, Overrides::default()) {
            self.resolver = resolver;
            self.shown_errors.clear();
        }
        let uris: Vec<Uri> = self.documents.keys().cloned().collect();
        for uri in &uris {
            if let Some(mut document) = self.documents.remove(uri) {
                self.configure(uri, &mut document);
                self.documents.insert(uri.clone(), document);
            }
            self.lint_and_publish(uri);
        }
        let saved_config = file_path(&uri)
            .as_deref()
            .and_then(std::path::Path::file_name)
            .is_some_and(|name| CONFIG_NAMES.iter().any(|c| name == *c));
        if saved_config {
            // Show a broken config right away, even with no policy open under it.
            if let Some(path) = file_path(&uri)
                && let Err(error) = self.resolver.for_path(&path)
            {
                self.show_config_error(&error);
            }
        }
    }

    fn did_close(&mut self, params: DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        self.documents.remove(&uri);
        self.notify::<PublishDiagnostics>(PublishDiagnosticsParams::new(uri, Vec::new(), None));
    }

    /// Finds a document's settings (the nearest config for a file, the built-in defaults
    /// otherwise or when the config is broken) and whether it is linted at all.
    fn configure(&mut self, uri: &Uri, document: &mut Document) {
        match &document.path {
            Some(path) => {
                let absolute = std::path::absolute(path).unwrap_or_else(|_| path.clone());
                document.settings = match self.resolver.for_path(&absolute) {
                    Ok(settings) => settings,
                    Err(error) => {
                        self.show_config_error(&error);
                        self.defaults.clone()
                    }
                };
                document.lintable = document.settings.takes_in_walk(&absolute);
            }
            None => {
                document.settings = self.defaults.clone();
                let language = document.language_id.to_ascii_lowercase();
                let uri = uri.as_str().to_ascii_lowercase();
                document.lintable = matches!(language.as_str(), "json" | "jsonc" | "yaml")
                    || [".json", ".yaml", ".yml"].iter().any(|e| uri.ends_with(e));
            }
        }
    }

    fn show_config_error(&mut self, error: &ConfigError) {
        let message = format!("policylint: {error}; using the built-in defaults");
        if self.shown_errors.insert(message.clone()) {
            self.notify::<ShowMessage>(ShowMessageParams {
                typ: MessageType::ERROR,
                message,
            });
        }
    }

    /// Lints a document and publishes the result. A document that is not a policy gets
    /// nothing, or an empty list when it had diagnostics before.
    fn lint_and_publish(&mut self, uri: &Uri) {
        let encoding = self.encoding;
        let Some(document) = self.documents.get_mut(uri) else {
            return;
        };
        let diagnostics = lint_document(document);
        let had_any = !document.published.is_empty();
        let Some(diagnostics) = diagnostics else {
            document.diagnostics.clear();
            document.published.clear();
            let version = document.version;
            if had_any {
                self.notify::<PublishDiagnostics>(PublishDiagnosticsParams::new(
                    uri.clone(),
                    Vec::new(),
                    Some(version),
                ));
            }
            return;
        };
        let map = LineMap::new(&document.text);
        let located = Located {
            text: &document.text,
            map: &map,
            encoding,
        };
        let published: Vec<lsp_types::Diagnostic> = diagnostics
            .iter()
            .map(|d| located.diagnostic(uri, d))
            .collect();
        document.diagnostics = diagnostics;
        document.published = published.clone();
        let params = PublishDiagnosticsParams::new(uri.clone(), published, Some(document.version));
        self.notify::<PublishDiagnostics>(params);
    }

    fn code_actions(&self, params: &CodeActionParams) -> Result<Vec<CodeActionOrCommand>, Failure> {
        let uri = &params.text_document.uri;
        let Some(document) = self.documents.get(uri) else {
            return Ok(Vec::new());
        };
        let map = LineMap::new(&document.text);
        let located = Located {
            text: &document.text,
            map: &map,
            encoding: self.encoding,
        };
        let only = params.context.only.as_deref();
        let mut actions = Vec::new();
        if kind_wanted(only, CodeActionKind::QUICKFIX.as_str()) {
            let a = map.offset(&document.text, params.range.start, self.encoding);
            let b = map.offset(&document.text, params.range.end, self.encoding);
            let (start, end) = (a.min(b), a.max(b));
            for (diagnostic, published) in document.diagnostics.iter().zip(&document.published) {
                let Some(fix) = &diagnostic.fix else {
                    continue;
                };
                // Touching counts: a cursor at either end of a diagnostic is on it.
                if diagnostic.span.start > end
                    || diagnostic.span.end < start
                    || fix.edits.is_empty()
                {
                    continue;
                }
                let edits = fix.edits.iter().map(|e| located.text_edit(e)).collect();
                actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                    title: fix_title(&fix.title, fix.applicability),
                    kind: Some(CodeActionKind::QUICKFIX),
                    diagnostics: Some(vec![published.clone()]),
                    edit: Some(workspace_edit(uri, edits)),
                    is_preferred: Some(fix.applicability == Applicability::Safe),
                    ..CodeAction::default()
                }));
            }
        }
        if kind_wanted(only, FIX_ALL_KIND)
            && let Some(edit) = fix_all(document)
        {
            actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: "Fix all safe policylint problems".to_string(),
                kind: Some(CodeActionKind::from(FIX_ALL_KIND)),
                edit: Some(workspace_edit(uri, vec![located.text_edit(&edit)])),
                ..CodeAction::default()
            }));
        }
        Ok(actions)
    }
}

fn workspace_edit(uri: &Uri, edits: Vec<lsp_types::TextEdit>) -> WorkspaceEdit {
    WorkspaceEdit::new(HashMap::from([(uri.clone(), edits)]))
}

/// A document's diagnostics, after its per-file ignores; `None` when it is not linted (not
/// JSON, or JSON that is not a policy).
fn lint_document(document: &Document) -> Option<Vec<Diagnostic>> {
    if !document.lintable {
        return None;
    }
    let settings = &document.settings;
    let result = catch_unwind(AssertUnwindSafe(|| {
        hosts::lint_file(&settings.rules, host_of(document), &document.text)
    }));
    let mut diagnostics = match result {
        Ok(result) if !result.is_policy => return None,
        Ok(result) => result.diagnostics,
        Err(_) => vec![Diagnostic::from_finding(
            INTERNAL_ERROR.clone(),
            Severity::Error,
            Finding::new(
                Span::default(),
                "policylint failed on this text (please report this)",
            ),
        )],
    };
    if let Some(path) = &document.path {
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.clone());
        settings.apply_per_file_ignores(&absolute, &mut diagnostics);
    }
    Some(diagnostics)
}

/// The host that reads a document: by its file's name (an unsaved buffer is JSON, or
/// YAML when the editor says it is).
fn host_of(document: &Document) -> HostKind {
    let name = document
        .path
        .as_deref()
        .and_then(|path| path.file_name())
        .and_then(|name| name.to_str())
        .unwrap_or_default();
    // An unsaved buffer goes by its language.
    let name = match name {
        "" if document.language_id.eq_ignore_ascii_case("yaml") => "buffer.yaml",
        name => name,
    };
    document
        .settings
        .hosts
        .host_for(name, &document.text)
        .unwrap_or(HostKind::Json)
}

/// The single edit that applies every safe fix of a document through the fix engine (which
/// re-lints until nothing is left and refuses a result that does not parse), or `None`
/// when there is nothing to fix.
fn fix_all(document: &Document) -> Option<crate::diagnostic::Edit> {
    let any_safe = document.diagnostics.iter().any(|d| {
        d.fix
            .as_ref()
            .is_some_and(|f| f.applicability == Applicability::Safe)
    });
    if !any_safe {
        return None;
    }
    let settings = &document.settings;
    let absolute = document
        .path
        .as_ref()
        .map(|p| std::path::absolute(p).unwrap_or_else(|_| p.clone()));
    let keep = |d: &Diagnostic| match &absolute {
        Some(path) => settings.keeps(path, d),
        None => true,
    };
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        fix_host_text_keeping(
            &settings.rules,
            host_of(document),
            &document.text,
            document.diagnostics.clone(),
            FixMode::Safe,
            &keep,
        )
    }))
    .ok()?;
    if outcome.refused.is_some() {
        return None;
    }
    changed_lines_edit(&document.text, &outcome.text)
}
