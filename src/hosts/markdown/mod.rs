//! The Markdown host: policies in documentation (vendor guides, READMEs). Every fenced or
//! indented code block is read, also one inside list items and block quotes; inline code
//! in prose is not. In a block, a policy is found by its shape: a JSON object with a
//! `Statement` key anywhere (the whole block, a template or API output holding it, a
//! command that quotes it: `--policy-document '{...}'`), or, in a YAML block, what the
//! YAML host finds (a ROS or CloudFormation template, a YAML policy). A block that holds
//! none is skipped without a word.
//!
//! Each document is read by the JSON or YAML host from the block's text (`blocks`: the
//! container prefixes taken off each line), and its map composed with the block's map
//! into the file. A fix is the inner host's edit of the block, moved into the file with
//! the block's line prefix written after each line break, and kept only when the edited
//! file reads back to the fixed policy (`reextract`). `<!-- policylint: ignore[RULE]
//! reason -->` on the line before a block suppresses the findings inside it; in a YAML
//! block, YAML's `# policylint:` comments work as in a YAML file.
//!
//! The parser is `pulldown-cmark` (CommonMark, maintained, no default features: no HTML
//! renderer): its offset iterator gives each line of a code block its byte range in the
//! file with the containers' prefixes already stripped, which is exactly the span map.
//! `comrak` builds a full AST with line and column positions only; `markdown` (markdown-rs)
//! has exact positions too but a larger AST and compile.

mod blocks;
mod find;

use super::span_map::{PieceKind, SpanMap};
use super::suppress::Suppression;
use super::{Document, Embedding, HostKind, yaml};
use crate::diagnostic::Edit;
use crate::source::Span;
use blocks::Block;
use std::borrow::Cow;
use std::sync::Arc;

/// How a document sits in its Markdown file: its code block, and how the host that read
/// it there holds it.
#[derive(Debug)]
struct Placement {
    block: Arc<Block>,
    /// The host that read the document from the block's text (JSON or YAML).
    inner: HostKind,
    /// The document's map into the block's text.
    map: SpanMap,
    embedding: Embedding,
}

/// A Markdown document's placement, shared by the document's clones.
#[derive(Debug, Clone)]
pub struct Embedded(Arc<Placement>);

impl PartialEq for Embedded {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Embedded {}

/// Whether `text` can hold a policy: it says `statement` in some case.
pub fn may_hold_policy(text: &str) -> bool {
    super::json::mentions_statement(text)
}

/// The policy documents in the code blocks of a Markdown file, in file order.
pub fn extract(text: &str) -> Vec<Document<'static>> {
    let mut found = Vec::new();
    for block in blocks::code_blocks(text) {
        let block = Arc::new(block);
        let (inner, documents) = block_documents(&block);
        found.extend(
            documents
                .into_iter()
                .map(|document| placed(&block, inner, document)),
        );
    }
    found
}

/// The documents of one block, read by the host its language (or its text) calls for.
fn block_documents(block: &Block) -> (HostKind, Vec<Document<'static>>) {
    let yaml_documents = || yaml::extract(&block.text).unwrap_or_default();
    match block.language.as_str() {
        "yaml" | "yml" => (HostKind::Yaml, yaml_documents()),
        "json" | "jsonc" | "json5" => (
            HostKind::Json,
            find::json_documents(&block.text, true, false),
        ),
        "hcl" | "terraform" | "tf" => (
            HostKind::Json,
            find::json_documents(&block.text, false, true),
        ),
        language => {
            let documents = find::json_documents(&block.text, false, false);
            if documents.is_empty() && language.is_empty() {
                (HostKind::Yaml, yaml_documents())
            } else {
                (HostKind::Json, documents)
            }
        }
    }
}

/// A document of a block's text as a document of the file.
fn placed(block: &Arc<Block>, inner: HostKind, document: Document<'static>) -> Document<'static> {
    let map = compose(&document.map, &block.map);
    Document {
        text: document.text,
        map,
        hints: document.hints,
        masked: document.masked,
        embedding: Embedding::Markdown(Embedded(Arc::new(Placement {
            block: block.clone(),
            inner,
            map: document.map,
            embedding: document.embedding,
        }))),
    }
}

/// The map of a document through `inner` into a middle text, then through `outer` into
/// the host. A range that falls on part of an opaque piece takes the whole of it (once: a
/// second range on the same piece gets its end), so that pieces stay in host order.
fn compose(inner: &SpanMap, outer: &SpanMap) -> SpanMap {
    let mut composed = SpanMap::default();
    let pieces = outer.pieces();
    let mut floor = 0;
    let opaque = |composed: &mut SpanMap, len: usize, host: Span, floor: &mut usize| {
        let start = host.start.max(*floor);
        let host = Span::new(start, host.end.max(start));
        *floor = host.end;
        composed.push_opaque(len, host);
    };
    for piece in inner.pieces() {
        if piece.kind == PieceKind::Opaque {
            opaque(
                &mut composed,
                piece.doc.len(),
                outer.map_span(piece.host),
                &mut floor,
            );
            continue;
        }
        let mut at = piece.host.start;
        let mut index = pieces.partition_point(|p| p.doc.end <= at);
        while at < piece.host.end {
            let Some(outer_piece) = pieces.get(index) else {
                let end = outer.host_span().end;
                opaque(
                    &mut composed,
                    piece.host.end - at,
                    Span::new(end, end),
                    &mut floor,
                );
                break;
            };
            let stop = piece.host.end.min(outer_piece.doc.end);
            match outer_piece.kind {
                PieceKind::Verbatim => {
                    let host_start = outer_piece.host.start + (at - outer_piece.doc.start);
                    composed.push_verbatim(stop - at, host_start);
                    floor = host_start + (stop - at);
                }
                PieceKind::Opaque => opaque(&mut composed, stop - at, outer_piece.host, &mut floor),
            }
            at = stop;
            index += 1;
        }
    }
    composed
}

fn placement<'d>(document: &'d Document) -> Option<&'d Placement> {
    match &document.embedding {
        Embedding::Markdown(Embedded(placement)) => Some(placement),
        _ => None,
    }
}

/// The document as the host that read it in its block sees it.
fn inner_document<'d>(document: &'d Document, placement: &Placement) -> Document<'d> {
    Document {
        text: Cow::Borrowed(&document.text),
        map: placement.map.clone(),
        hints: document.hints,
        masked: document.masked.clone(),
        embedding: placement.embedding.clone(),
    }
}

/// A document edit as an edit of the Markdown file: the inner host's edit of the block,
/// through the block's map, each line break of the replacement followed by the block's
/// line prefix. `None` when that cannot be written exactly.
pub fn host_edit(document: &Document, edit: &Edit) -> Option<Edit> {
    let placement = placement(document)?;
    let block = &placement.block;
    let inner = inner_document(document, placement);
    let block_edit = placement
        .inner
        .host()
        .host_edit(&block.text, &inner, edit)?;
    let span = block_edit.span;
    if span.end > block.text.len() || !block.map.maps_exactly(span) {
        return None;
    }
    let mut host = block.map.map_span(span);
    // An edit that takes a line break takes the next line's prefix with it.
    if !span.is_empty() && block.text.as_bytes()[span.end - 1] == b'\n' {
        host.end = block.map.map_start(span.end).max(host.end);
    }
    let replacement = if block_edit.replacement.contains('\n') {
        let prefix = block.line_prefix.as_deref()?;
        block_edit
            .replacement
            .replace('\n', &format!("{}{prefix}", block.line_break))
    } else {
        block_edit.replacement
    };
    Some(Edit::replace(host, replacement))
}

/// The document the file range `region` holds after an edit: the block's line prefix
/// taken off each line after the first, then read by the inner host.
pub fn reextract(document: &Document, region: &str) -> Option<String> {
    let placement = placement(document)?;
    let prefix = placement.block.line_prefix.as_deref()?;
    let mut stripped = String::with_capacity(region.len());
    for (i, line) in region.split_inclusive('\n').enumerate() {
        let line = match line.strip_suffix("\r\n") {
            Some(body) => Cow::Owned(format!("{body}\n")),
            None => Cow::Borrowed(line),
        };
        if i == 0 {
            stripped.push_str(&line);
        } else if let Some(rest) = line.strip_prefix(prefix) {
            stripped.push_str(rest);
        } else if line.trim().is_empty() || prefix.trim_end().starts_with(line.trim_end()) {
            // A blank line of the block, with less of the prefix (`>` alone).
            stripped.push_str(if line.ends_with('\n') { "\n" } else { "" });
        } else {
            return None;
        }
    }
    let inner = inner_document(document, placement);
    placement.inner.host().reextract(&inner, &stripped)
}

/// The suppression comments of a Markdown file: `<!-- policylint: ... -->` before a block,
/// and `# policylint: ...` comments inside YAML blocks.
pub fn suppressions(text: &str) -> Vec<Suppression> {
    let mut found = blocks::suppressions(text);
    if !text.contains("policylint:") {
        return found;
    }
    for block in blocks::code_blocks(text) {
        if !matches!(block.language.as_str(), "yaml" | "yml" | "") {
            continue;
        }
        for suppression in yaml::suppressions(&block.text) {
            found.push(Suppression {
                comment: block.map.map_span(suppression.comment),
                target: block.map.map_span(suppression.target),
                directive: suppression.directive,
            });
        }
    }
    found
}

#[cfg(test)]
mod tests;
