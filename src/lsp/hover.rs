//! Hover: over a diagnostic, the documentation of its rule, as `policylint rule NAME`
//! prints it (in Markdown when the client shows Markdown); elsewhere in a statement, what
//! the statement grants, in one line (read by the access engine).

use super::Server;
use crate::hosts::HostKind;
use crate::report::escape::escape_keeping_lines;
use crate::rules::doc::{rule_markdown, rule_text};
use crate::source::Span;
use lsp_types::{Hover, HoverContents, HoverParams, MarkupContent, MarkupKind};
use std::collections::HashSet;

impl Server {
    pub(super) fn hover(&mut self, params: &HoverParams) -> Option<Hover> {
        let at = &params.text_document_position_params;
        let uri = &at.text_document.uri;
        self.lint_if_changed(uri);
        let document = self.documents.get(uri)?;
        let offset = document
            .map()
            .offset(&document.text, at.position, self.encoding);
        let markdown = self.client.markdown_hover;
        let mut explained = HashSet::new();
        let mut sections = Vec::new();
        let mut range = None;
        for (diagnostic, published) in document.diagnostics.iter().zip(&document.published) {
            // Touching counts, as for quick fixes: a cursor just after a word is on it.
            let span = diagnostic.span;
            if offset < span.start
                || offset > span.end
                || !explained.insert(diagnostic.rule.code.as_str())
            {
                continue;
            }
            let Some(rule) = document.settings.rules.find(&diagnostic.rule.code) else {
                continue;
            };
            sections.push(if markdown {
                rule_markdown(rule)
            } else {
                rule_text(rule)
            });
            range.get_or_insert(published.range);
        }
        if sections.is_empty() {
            // Away from diagnostics, a statement says what it grants.
            let (summary, span) = statement_at(document, offset)?;
            sections.push(summary);
            range = Some(
                document
                    .map()
                    .range(&document.text, span.start, span.end, self.encoding),
            );
        }
        let separator = if markdown { "\n---\n\n" } else { "\n\n" };
        Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: if markdown {
                    MarkupKind::Markdown
                } else {
                    MarkupKind::PlainText
                },
                // Team rule files are text from a pull request, like policies.
                value: escape_keeping_lines(&sections.join(separator)),
            }),
            range,
        })
    }
}

/// What the statement under `offset` grants, in one line, and the statement's span.
fn statement_at(document: &super::documents::Document, offset: usize) -> Option<(String, Span)> {
    // The access engine picks the host by file name, as the document's own host does.
    let name = match document.host() {
        HostKind::Yaml => "buffer.yaml",
        HostKind::JsonTemplate => "buffer.json.tpl",
        HostKind::Json | HostKind::PlainJson => "buffer.json",
        HostKind::Markdown => "buffer.md",
        HostKind::Terraform => "buffer.tf",
    };
    let settings = &document.settings;
    let found = crate::access::documents_in_text(
        name,
        &document.text,
        settings.rules.dialect,
        &settings.hosts,
        false,
    )
    .ok()?;
    found
        .iter()
        .flat_map(|d| &d.policy.statements)
        .find(|s| s.extent.start <= offset && offset < s.extent.end)
        .map(|s| (s.summary(), s.extent))
}
