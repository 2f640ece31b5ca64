//! Code actions: each diagnostic's fix as a quick fix, "ignore this finding" (an
//! `[[ignore]]` entry appended to the nearest config), and `source.fixAll.policylint`.

use super::Server;
use super::configs::read_small_file;
use super::convert::{FIX_ALL_KIND, changed_lines_edit, fix_title, kind_wanted, path_uri};
use super::documents::Document;
use super::ignore;
use super::position::LineMap;
use crate::config::{CONFIG_NAMES, nearest_config};
use crate::diagnostic::{Applicability, Diagnostic};
use crate::fix::{FixMode, fix_text_ignoring};
use crate::parse::{Arena, Node, parse};
use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, CreateFile,
    CreateFileOptions, DocumentChangeOperation, DocumentChanges, OneOf,
    OptionalVersionedTextDocumentIdentifier, Position, Range, ResourceOp, TextDocumentEdit,
    TextEdit, Uri, WorkspaceEdit,
};
use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

fn workspace_edit(uri: &Uri, edits: Vec<TextEdit>) -> WorkspaceEdit {
    WorkspaceEdit::new(HashMap::from([(uri.clone(), edits)]))
}

impl Server {
    pub(super) fn code_actions(&mut self, params: &CodeActionParams) -> Vec<CodeActionOrCommand> {
        let uri = &params.text_document.uri;
        self.lint_if_changed(uri);
        let Some(document) = self.documents.get(uri) else {
            return Vec::new();
        };
        let only = params.context.only.as_deref();
        let mut actions = Vec::new();
        if kind_wanted(only, CodeActionKind::QUICKFIX.as_str()) {
            let map = document.map();
            let a = map.offset(&document.text, params.range.start, self.encoding);
            let b = map.offset(&document.text, params.range.end, self.encoding);
            let (start, end) = (a.min(b), a.max(b));
            // Touching counts: a cursor at either end of a diagnostic is on it.
            let under: Vec<(&Diagnostic, &lsp_types::Diagnostic)> = document
                .diagnostics
                .iter()
                .zip(&document.published)
                .filter(|(d, _)| d.span.start <= end && d.span.end >= start)
                .collect();
            for &(diagnostic, published) in &under {
                actions.extend(self.quick_fix(uri, document, diagnostic, published));
            }
            actions.extend(self.ignore_actions(document, &under));
        }
        if kind_wanted(only, FIX_ALL_KIND)
            && let Some(edit) = fix_all(document)
        {
            let located = document.located(self.encoding);
            actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: "Fix all safe policylint problems".to_string(),
                kind: Some(CodeActionKind::from(FIX_ALL_KIND)),
                edit: Some(workspace_edit(uri, vec![located.text_edit(&edit)])),
                ..CodeAction::default()
            }));
        }
        actions
    }

    fn quick_fix(
        &self,
        uri: &Uri,
        document: &Document,
        diagnostic: &Diagnostic,
        published: &lsp_types::Diagnostic,
    ) -> Option<CodeActionOrCommand> {
        let fix = diagnostic.fix.as_ref().filter(|f| !f.edits.is_empty())?;
        let located = document.located(self.encoding);
        let edits = fix.edits.iter().map(|e| located.text_edit(e)).collect();
        Some(CodeActionOrCommand::CodeAction(CodeAction {
            title: fix_title(&fix.title, fix.applicability),
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![published.clone()]),
            edit: Some(workspace_edit(uri, edits)),
            is_preferred: Some(fix.applicability == Applicability::Safe),
            ..CodeAction::default()
        }))
    }

    /// "Ignore this finding" for each diagnostic under the cursor of a document on disk.
    /// The tree is parsed only when there is one to ignore.
    fn ignore_actions(
        &self,
        document: &Document,
        under: &[(&Diagnostic, &lsp_types::Diagnostic)],
    ) -> Vec<CodeActionOrCommand> {
        // PL000 and PL001 are about reading and parsing the file, not a finding in it.
        let ignorable: Vec<_> = under
            .iter()
            .filter(|(d, _)| d.rule.code != "PL000" && d.rule.code != "PL001")
            .collect();
        if ignorable.is_empty() {
            return Vec::new();
        }
        let Some(target) = document
            .absolute_path()
            .and_then(|path| self.ignore_target(&path))
        else {
            return Vec::new();
        };
        let arena = Arena::new();
        let Ok(parsed) = parse(&document.text, &arena) else {
            return Vec::new();
        };
        ignorable
            .iter()
            .map(|(diagnostic, published)| {
                self.ignore_action(&target, &parsed.root, diagnostic, published)
            })
            .collect()
    }

    fn ignore_action(
        &self,
        target: &IgnoreTarget,
        root: &Node<'_>,
        diagnostic: &Diagnostic,
        published: &lsp_types::Diagnostic,
    ) -> CodeActionOrCommand {
        let pointer = ignore::pointer_to(root, diagnostic.span);
        let entry = ignore::entry(&diagnostic.rule.name, &target.glob, &pointer);
        let (edit, verb) = match &target.existing {
            Some(text) => {
                let map = LineMap::new(text);
                let end = map.position(text, text.len(), self.encoding);
                let insert = TextEdit::new(Range::new(end, end), ignore::appended(text, &entry));
                (workspace_edit(&target.uri, vec![insert]), "in")
            }
            None => (new_file_edit(&target.uri, entry), "in a new"),
        };
        CodeActionOrCommand::CodeAction(CodeAction {
            title: format!(
                "Ignore this {} finding {verb} {}",
                diagnostic.rule.name, target.shown
            ),
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![published.clone()]),
            edit: Some(edit),
            is_preferred: Some(false),
            ..CodeAction::default()
        })
    }

    /// The config an ignore for the document at `path` goes in: the nearest one, or a new
    /// `policylint.toml` at the root of its workspace folder (its own folder outside any)
    /// when the client can create files. `None` when there is no such place.
    fn ignore_target(&self, path: &Path) -> Option<IgnoreTarget> {
        let folder = path.parent()?;
        let (config, existing) = match nearest_config(folder) {
            Some(config) => {
                let text = self
                    .open_text(&config)
                    .or_else(|| read_small_file(&config))?;
                (config, Some(text))
            }
            None if self.client.create_files => {
                let root = self
                    .workspace_folders
                    .iter()
                    .filter(|root| path.starts_with(root))
                    .max_by_key(|root| root.as_os_str().len())
                    .map_or(folder, PathBuf::as_path);
                (root.join(CONFIG_NAMES[0]), None)
            }
            None => return None,
        };
        let config_folder = config.parent()?;
        let glob = ignore::exact_glob(path.strip_prefix(config_folder).ok()?)?;
        let shown = self
            .workspace_folders
            .iter()
            .find_map(|root| config.strip_prefix(root).ok())
            .unwrap_or(&config)
            .display()
            .to_string();
        Some(IgnoreTarget {
            uri: path_uri(&config)?,
            glob,
            existing,
            shown,
        })
    }

    /// The text of a file open in the editor, which may be ahead of the disk.
    fn open_text(&self, path: &Path) -> Option<String> {
        self.documents
            .values()
            .find(|d| d.absolute_path().as_deref() == Some(path) && d.in_sync)
            .map(|d| d.text.clone())
    }
}

/// Where an `[[ignore]]` entry goes.
struct IgnoreTarget {
    uri: Uri,
    /// The document's path as a glob relative to the config's folder.
    glob: String,
    /// The config's text; `None` when it is to be created.
    existing: Option<String>,
    /// The config's path for the action's title.
    shown: String,
}

/// Creates a file holding `text` (unless it exists meanwhile: then `text` goes first).
fn new_file_edit(uri: &Uri, text: String) -> WorkspaceEdit {
    let start = Position::new(0, 0);
    WorkspaceEdit {
        document_changes: Some(DocumentChanges::Operations(vec![
            DocumentChangeOperation::Op(ResourceOp::Create(CreateFile {
                uri: uri.clone(),
                options: Some(CreateFileOptions {
                    overwrite: Some(false),
                    ignore_if_exists: Some(true),
                }),
                annotation_id: None,
            })),
            DocumentChangeOperation::Edit(TextDocumentEdit {
                text_document: OptionalVersionedTextDocumentIdentifier {
                    uri: uri.clone(),
                    version: None,
                },
                edits: vec![OneOf::Left(TextEdit::new(Range::new(start, start), text))],
            }),
        ])),
        ..WorkspaceEdit::default()
    }
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
    let absolute = document.absolute_path();
    let drop_ignored = |text: &str, diagnostics: &mut Vec<Diagnostic>| {
        if let Some(path) = &absolute {
            settings.apply_ignores(path, Some(text), diagnostics, false);
        }
    };
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        fix_text_ignoring(
            &settings.rules,
            document.host(),
            &document.text,
            document.diagnostics.clone(),
            FixMode::Safe,
            &drop_ignored,
        )
    }))
    .ok()?;
    if outcome.refused.is_some() {
        return None;
    }
    changed_lines_edit(&document.text, &outcome.text)
}
