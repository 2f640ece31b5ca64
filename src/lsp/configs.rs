//! Which config applies to each document, and what happens when a config changes: every
//! open document is configured and linted afresh, and a broken config is shown (a message,
//! and a diagnostic on the config file itself) while the built-in rules apply.

use super::convert::{escape_controls, file_path, path_uri};
use super::documents::Document;
use super::position::{Encoding, LineMap};
use super::{Server, to_json};
use crate::config::{self, CONFIG_NAMES, ConfigError, ConfigMode, Overrides, Resolver};
use lsp_server::{Request, RequestId};
use lsp_types::notification::{DidChangeWatchedFiles, Notification as _, PublishDiagnostics};
use lsp_types::request::{RegisterCapability, Request as _};
use lsp_types::{
    DiagnosticSeverity, DidChangeWatchedFilesParams, DidChangeWatchedFilesRegistrationOptions,
    DidSaveTextDocumentParams, FileSystemWatcher, GlobPattern, MessageType, Position,
    PublishDiagnosticsParams, Range, Registration, RegistrationParams, Uri,
};
use std::path::{Path, PathBuf};

/// The id of the request that registers the config watcher.
pub(super) const WATCH_REQUEST: &str = "policylint/watch-configs";

/// The longest config read to place an error in it.
const MAX_CONFIG_BYTES: u64 = 1 << 20;

/// Whether a path names a config file.
fn is_config(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|name| CONFIG_NAMES.iter().any(|c| name == *c))
}

/// The text of a regular file of bounded size (never a FIFO or a device, which could
/// block or never end).
pub(super) fn read_small_file(path: &Path) -> Option<String> {
    let metadata = std::fs::metadata(path).ok()?;
    if !metadata.is_file() || metadata.len() > MAX_CONFIG_BYTES {
        return None;
    }
    std::fs::read_to_string(path).ok()
}

/// Where a config error is: from its line and column (1-based, columns in characters) to
/// the end of that line; the start of the file when it is at no place.
fn error_range(text: &str, error: &ConfigError, encoding: Encoding) -> Range {
    if error.line == 0 {
        return Range::new(Position::new(0, 0), Position::new(0, 0));
    }
    let line_start: usize = text
        .split_inclusive('\n')
        .take(error.line - 1)
        .map(str::len)
        .sum();
    let line = text[line_start..].split('\n').next().unwrap_or_default();
    let line = line.strip_suffix('\r').unwrap_or(line);
    let column = line
        .char_indices()
        .nth(error.column.saturating_sub(1))
        .map_or(line.len(), |(i, _)| i);
    LineMap::new(text).range(text, line_start + column, line_start + line.len(), encoding)
}

impl Server {
    /// Finds a document's settings (the nearest config for a file, the built-in defaults
    /// otherwise or when the config is broken) and whether it is linted at all.
    pub(super) fn configure(&mut self, uri: &Uri, document: &mut Document) {
        document.changed = true;
        match document.absolute_path() {
            Some(absolute) => {
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

    /// Shows a config error once (until the configs are reloaded): as a message, and as a
    /// diagnostic on the file it is in.
    fn show_config_error(&mut self, error: &ConfigError) {
        let message = format!("policylint: {error}; using the built-in defaults");
        if !self.shown_errors.insert(message.clone()) {
            return;
        }
        self.show_message(MessageType::ERROR, &message);
        let path = PathBuf::from(&error.file);
        let Some(uri) = path.is_absolute().then(|| path_uri(&path)).flatten() else {
            return;
        };
        let text = self
            .documents
            .get(&uri)
            .map(|d| d.text.clone())
            .or_else(|| read_small_file(&path))
            .unwrap_or_default();
        let range = error_range(&text, error, self.encoding);
        let diagnostic = lsp_types::Diagnostic {
            range,
            severity: Some(DiagnosticSeverity::ERROR),
            source: Some("policylint".to_string()),
            message: format!(
                "{}; policylint uses the built-in defaults until this is fixed",
                escape_controls(&error.message)
            ),
            ..lsp_types::Diagnostic::default()
        };
        self.notify::<PublishDiagnostics>(PublishDiagnosticsParams::new(
            uri,
            vec![diagnostic],
            None,
        ));
        self.broken_configs.insert(path);
    }

    /// Asks the client to report changes to config files anywhere in the workspace, when
    /// it can be asked.
    pub(super) fn register_config_watcher(&mut self) {
        if !self.client.watch_registration {
            return;
        }
        let watchers = CONFIG_NAMES
            .iter()
            .map(|name| FileSystemWatcher {
                glob_pattern: GlobPattern::String(format!("**/{name}")),
                kind: None,
            })
            .collect();
        let params = RegistrationParams {
            registrations: vec![Registration {
                id: "policylint-configs".to_string(),
                method: DidChangeWatchedFiles::METHOD.to_string(),
                register_options: Some(to_json(DidChangeWatchedFilesRegistrationOptions {
                    watchers,
                })),
            }],
        };
        let id = RequestId::from(WATCH_REQUEST.to_string());
        self.send(Request::new(id, RegisterCapability::METHOD.to_string(), params).into());
    }

    pub(super) fn watched_files_changed(&mut self, params: DidChangeWatchedFilesParams) {
        let changed: Vec<PathBuf> = params
            .changes
            .iter()
            .filter_map(|change| file_path(&change.uri))
            .filter(|path| is_config(path))
            .collect();
        if !changed.is_empty() {
            self.reload_configs(changed);
        }
    }

    pub(super) fn did_save(&mut self, params: DidSaveTextDocumentParams) {
        let uri = params.text_document.uri;
        if let (Some(text), Some(document)) = (params.text, self.documents.get_mut(&uri)) {
            document.text = text;
            document.changed = true;
        }
        let saved = file_path(&uri);
        match saved {
            Some(path) if is_config(&path) => self.reload_configs(vec![path]),
            // Without a watcher, a save is the only sign a config may have changed
            // outside the editor.
            _ if !self.client.watch_registration => self.reload_configs(Vec::new()),
            _ => {}
        }
    }

    /// Loads the configs afresh, checks the ones that changed or were broken, and
    /// configures every open document again (each is linted when its turn comes).
    fn reload_configs(&mut self, changed: Vec<PathBuf>) {
        match Resolver::new(ConfigMode::Discover, Overrides::default()) {
            Ok(resolver) => self.resolver = resolver,
            Err(error) => eprintln!("policylint lsp: cannot reload the configs: {error}"),
        }
        self.shown_errors.clear();
        let mut to_check: Vec<PathBuf> = changed
            .iter()
            .map(|path| std::path::absolute(path).unwrap_or_else(|_| path.clone()))
            .collect();
        let were_broken: Vec<PathBuf> = self.broken_configs.drain().collect();
        to_check.extend(were_broken.iter().cloned());
        to_check.sort();
        to_check.dedup();
        for path in &to_check {
            let error = match read_small_file(path) {
                Some(_) => config::load(path, &Overrides::default()).err(),
                None => None,
            };
            match error {
                Some(error) => self.show_config_error(&error),
                None if were_broken.contains(path) => {
                    if let Some(uri) = path_uri(path) {
                        self.notify::<PublishDiagnostics>(PublishDiagnosticsParams::new(
                            uri,
                            Vec::new(),
                            None,
                        ));
                    }
                }
                None => {}
            }
        }
        let uris: Vec<Uri> = self.documents.keys().cloned().collect();
        for uri in &uris {
            if let Some(mut document) = self.documents.remove(uri) {
                self.configure(uri, &mut document);
                self.documents.insert(uri.clone(), document);
            }
        }
    }
}
