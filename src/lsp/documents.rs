//! Open documents: their text as the editor has it, and their diagnostics, linted lazily
//! (see the module documentation of `lsp`).

use super::Server;
use super::convert::{Located, file_path};
use super::position::{Encoding, LineMap};
use super::transport::Incoming;
use crate::config::Settings;
use crate::diagnostic::{Diagnostic, Finding, Severity};
use crate::hosts::{self, HostKind};
use crate::runner::INTERNAL_ERROR;
use crate::source::Span;
use lsp_server::Message;
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, Notification as _,
    PublishDiagnostics,
};
use lsp_types::{
    DidChangeTextDocumentParams, DidCloseTextDocumentParams, DidOpenTextDocumentParams,
    PublishDiagnosticsParams, TextDocumentContentChangeEvent, Uri,
};
use std::cell::OnceCell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::Arc;

/// An open document.
pub(super) struct Document {
    pub text: String,
    pub version: i32,
    pub language_id: String,
    /// Its file, for `file:` URIs.
    pub path: Option<PathBuf>,
    pub settings: Arc<Settings>,
    /// Whether it is linted at all: a JSON document (by the config's include and exclude
    /// for files, as `--force-exclude` does, or by language for unsaved buffers).
    pub lintable: bool,
    /// Whether `text` is what the editor has. After a change the server could not read, it
    /// is not, until the next full text arrives; meanwhile nothing is linted or offered.
    pub in_sync: bool,
    /// Whether `text` (or the settings) changed since the diagnostics were made.
    pub changed: bool,
    /// The diagnostics last published, and their LSP form.
    pub diagnostics: Vec<Diagnostic>,
    pub published: Vec<lsp_types::Diagnostic>,
    /// Positions in `text`, made when first needed after each change.
    map: OnceCell<LineMap>,
}

impl Document {
    pub fn map(&self) -> &LineMap {
        self.map.get_or_init(|| LineMap::new(&self.text))
    }

    pub fn located(&self, encoding: Encoding) -> Located<'_> {
        Located {
            text: &self.text,
            map: self.map(),
            encoding,
        }
    }

    /// Applies one change as the protocol says: a full text replaces everything, a range
    /// replaces that range of the text as it is after the changes before it.
    fn apply(&mut self, change: TextDocumentContentChangeEvent, encoding: Encoding) {
        match change.range {
            None => {
                self.text = change.text;
                self.in_sync = true;
            }
            // Relative to a text the server does not have.
            Some(_) if !self.in_sync => return,
            // Tolerated, though not asked for.
            Some(range) => {
                let map = self.map();
                let start = map.offset(&self.text, range.start, encoding);
                let end = map.offset(&self.text, range.end, encoding);
                let (start, end) = (start.min(end), start.max(end));
                self.text.replace_range(start..end, &change.text);
            }
        }
        self.map = OnceCell::new();
        self.changed = true;
    }

    /// The diagnostics of the text as it is, after its per-file ignores; `None` when it is
    /// not linted (not JSON, JSON that is not a policy, or text out of sync).
    fn lint(&self) -> Option<Vec<Diagnostic>> {
        if !self.lintable || !self.in_sync {
            return None;
        }
        let settings = &self.settings;
        let result = catch_unwind(AssertUnwindSafe(|| {
            hosts::lint_file(&settings.rules, self.host(), &self.text)
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
        if let Some(absolute) = self.absolute_path() {
            settings.apply_ignores(&absolute, Some(&self.text), &mut diagnostics, false);
        }
        Some(diagnostics)
    }

    /// The host that reads the document: by its file's name (an unsaved buffer is JSON).
    pub fn host(&self) -> HostKind {
        let name = self
            .path
            .as_deref()
            .and_then(|path| path.file_name())
            .and_then(|name| name.to_str())
            .unwrap_or_default();
        // An unsaved buffer goes by its language.
        let name = match name {
            "" if self.language_id.eq_ignore_ascii_case("yaml") => "buffer.yaml",
            name => name,
        };
        self.settings
            .hosts
            .host_for(name, &self.text)
            .unwrap_or(HostKind::Json)
    }

    pub fn absolute_path(&self) -> Option<PathBuf> {
        let path = self.path.as_ref()?;
        Some(std::path::absolute(path).unwrap_or_else(|_| path.clone()))
    }
}

impl Server {
    pub(super) fn did_open(&mut self, params: DidOpenTextDocumentParams) {
        let item = params.text_document;
        let path = file_path(&item.uri);
        let mut document = Document {
            text: item.text,
            version: item.version,
            language_id: item.language_id,
            path,
            settings: self.defaults.clone(),
            lintable: false,
            in_sync: true,
            changed: true,
            diagnostics: Vec::new(),
            published: Vec::new(),
            map: OnceCell::new(),
        };
        self.configure(&item.uri, &mut document);
        self.documents.insert(item.uri, document);
    }

    pub(super) fn did_change(&mut self, params: DidChangeTextDocumentParams) {
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
            document.apply(change, encoding);
        }
        document.version = params.text_document.version;
    }

    pub(super) fn did_close(&mut self, params: DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        self.documents.remove(&uri);
        self.notify::<PublishDiagnostics>(PublishDiagnosticsParams::new(uri, Vec::new(), None));
    }

    /// Forgets a document's text until the editor sends it whole again, and takes its
    /// diagnostics back.
    pub(super) fn lose_sync(&mut self, uri: &Uri) {
        let Some(document) = self.documents.get_mut(uri) else {
            return;
        };
        eprintln!(
            "policylint lsp: lost track of {}; waiting for its full text",
            uri.as_str()
        );
        document.in_sync = false;
        document.changed = true;
        self.lint_and_publish(uri);
    }

    /// A document changed since it was last linted, if any.
    pub(super) fn changed_document(&self) -> Option<Uri> {
        self.documents
            .iter()
            .find(|(_, d)| d.changed)
            .map(|(uri, _)| uri.clone())
    }

    /// Lints a document and publishes its diagnostics, unless a message that arrived
    /// meanwhile changes it: then the lint was for a text already gone, and the document
    /// is linted again when its turn comes.
    pub(super) fn lint_unless_overtaken(&mut self, uri: &Uri) {
        let Some(document) = self.documents.get(uri) else {
            return;
        };
        let diagnostics = document.lint();
        self.read_ahead();
        let stale = self.pending.iter().any(|incoming| match incoming {
            Incoming::Lost(_) => true,
            Incoming::Message(Message::Notification(n)) => {
                matches!(
                    n.method.as_str(),
                    DidChangeTextDocument::METHOD
                        | DidOpenTextDocument::METHOD
                        | DidCloseTextDocument::METHOD
                ) && super::notification_uri(n) == Some(uri.as_str())
            }
            _ => false,
        });
        if !stale {
            self.publish(uri, diagnostics);
        }
    }

    /// Lints a document now if it changed since it was last linted (a request about it
    /// needs its diagnostics as they are).
    pub(super) fn lint_if_changed(&mut self, uri: &Uri) {
        if self.documents.get(uri).is_some_and(|d| d.changed) {
            self.lint_and_publish(uri);
        }
    }

    pub(super) fn lint_and_publish(&mut self, uri: &Uri) {
        if let Some(document) = self.documents.get(uri) {
            let diagnostics = document.lint();
            self.publish(uri, diagnostics);
        }
    }

    /// Publishes a document's diagnostics. A document that is not linted gets nothing, or
    /// an empty list when it had diagnostics before.
    fn publish(&mut self, uri: &Uri, diagnostics: Option<Vec<Diagnostic>>) {
        let encoding = self.encoding;
        let Some(document) = self.documents.get_mut(uri) else {
            return;
        };
        document.changed = false;
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
        let located = document.located(encoding);
        let published: Vec<lsp_types::Diagnostic> = diagnostics
            .iter()
            .map(|d| located.diagnostic(uri, d))
            .collect();
        document.diagnostics = diagnostics;
        document.published = published.clone();
        let params = PublishDiagnosticsParams::new(uri.clone(), published, Some(document.version));
        self.notify::<PublishDiagnostics>(params);
    }
}
