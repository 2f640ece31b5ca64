//! The policies in one code block's text. A block that is JSON (declared so, or starting
//! with `{` or `[`) is read as the JSON host reads a file: a policy itself, or a template
//! or API output that holds policies (JSON-encoded strings included). Any other block (a
//! shell session, a command with `--policy-document '{...}'`, `echo '{...}' > p.json`) is
//! searched for balanced `{...}` objects that mention `statement`, and each that is JSON
//! is read the same way; one that is not has the objects inside it searched in turn. A
//! YAML block goes to the YAML host (see `super`).

use crate::hosts::json::{self, Masked};
use crate::hosts::span_map::SpanMap;
use crate::hosts::{Document, Embedding};
use crate::model::HostHints;
use crate::parse::{self, Arena};
use crate::source::Span;
use std::borrow::Cow;

/// The JSON policies in `text` (a block's text), with maps into `text`. `declared` says
/// the block is marked as JSON; `interpolated` that its `${...}` are a template's
/// (a Terraform block).
pub fn json_documents(text: &str, declared: bool, interpolated: bool) -> Vec<Document<'static>> {
    let body = text.trim_start();
    let body_start = text.len() - body.len();
    if declared || body.starts_with(['{', '[']) {
        let whole = Span::new(body_start, body_start + body.trim_end().len());
        if let Some(found) = read_json(text, whole, interpolated) {
            return found;
        }
        // A block marked as JSON that says `"Statement"` and does not parse is a broken
        // policy: the rules report where it breaks.
        if body.starts_with('{') && text.contains("\"Statement\"") {
            return vec![object_document(text, whole, interpolated)];
        }
    }
    let mut found = Vec::new();
    let mut budget = text.len().saturating_mul(4).saturating_add(4096);
    search(
        text,
        Span::new(0, text.len()),
        interpolated,
        &mut budget,
        &mut found,
    );
    let objects: Vec<Span> = found.iter().map(|d| d.map.host_span()).collect();
    let inside_object = |span: Span| {
        objects
            .iter()
            .any(|o| o.start <= span.start && span.end <= o.end)
    };
    for string in encoded_strings(text) {
        if !inside_object(string)
            && let Some(document) = encoded_document(text, string, interpolated)
        {
            found.push(document);
        }
    }
    found.sort_by_key(|d| d.map.host_span().start);
    found
}

/// The `"{...}"` strings of `text` (quotes included), each on one line, that mention
/// `statement`: a policy JSON-encoded in a Terraform or shell string.
fn encoded_strings(text: &str) -> Vec<Span> {
    let bytes = text.as_bytes();
    let mut strings = Vec::new();
    let mut from = 0;
    while let Some(found) = memchr::memmem::find(&bytes[from..], b"\"{") {
        let start = from + found;
        let mut i = start + 1;
        let end = loop {
            match bytes.get(i) {
                None | Some(b'\n') => break None,
                Some(b'\\') => i += 2,
                Some(b'"') => break Some(i + 1),
                Some(_) => i += 1,
            }
        };
        from = end.unwrap_or(i).max(start + 1).min(bytes.len());
        if let Some(end) = end
            && json::mentions_statement(&text[start..end])
        {
            strings.push(Span::new(start, end));
        }
    }
    strings
}

/// The policy encoded in the string at `span` (quotes included), when it decodes to an
/// object with a `Statement`.
fn encoded_document(text: &str, span: Span, interpolated: bool) -> Option<Document<'static>> {
    let hints = HostHints {
        interpolated,
        ..HostHints::default()
    };
    let document = json::string_document(text, span, hints)?;
    let arena = Arena::new();
    let tree = parse::parse(&document.text, &arena).ok()?;
    let members = tree.root.as_object()?;
    members
        .iter()
        .any(json::holds_statements)
        .then_some(document)
}

/// The policies of the JSON value at `span`: the value itself when it is an object with a
/// `Statement`, else those inside it. `None` when it is not JSON.
fn read_json(text: &str, span: Span, interpolated: bool) -> Option<Vec<Document<'static>>> {
    let value = &text[span.start..span.end];
    let masked = json::mask_expressions(value, interpolated);
    let arena = Arena::new();
    let tree = parse::parse(&masked.text, &arena).ok()?;
    let is_policy = tree
        .root
        .as_object()
        .is_some_and(|members| members.iter().any(json::holds_statements));
    if is_policy {
        return Some(vec![object_document(text, span, interpolated)]);
    }
    let nested = json::nested_documents(value, &masked, interpolated)?;
    Some(
        nested
            .into_iter()
            .map(|document| shifted(document, span.start))
            .collect(),
    )
}

/// The object at `span` of `text`, its `${...}` masked.
fn object_document(text: &str, span: Span, interpolated: bool) -> Document<'static> {
    let Masked {
        text: masked,
        spans,
    } = json::mask_expressions(&text[span.start..span.end], interpolated);
    let absolute: Vec<Span> = spans
        .iter()
        .map(|m| Span::new(m.start + span.start, m.end + span.start))
        .collect();
    Document {
        text: Cow::Owned(masked.into_owned()),
        map: json::masked_map(span, &absolute),
        hints: HostHints {
            interpolated,
            ..HostHints::default()
        },
        masked: spans,
        embedding: Embedding::Verbatim,
    }
}

/// A document of the text from `offset` on, as a document of the whole text.
fn shifted(document: Document<'_>, offset: usize) -> Document<'static> {
    let mut map = SpanMap::default();
    for piece in document.map.pieces() {
        let host = Span::new(piece.host.start + offset, piece.host.end + offset);
        match piece.kind {
            crate::hosts::span_map::PieceKind::Verbatim => {
                map.push_verbatim(piece.doc.len(), host.start)
            }
            crate::hosts::span_map::PieceKind::Opaque => map.push_opaque(piece.doc.len(), host),
        }
    }
    Document {
        map,
        ..document.into_owned()
    }
}

/// Reads each balanced object in `within` that mentions `statement` as JSON, and searches
/// the inside of one that is not. `budget` bounds the bytes scanned: nested braces that are
/// not JSON are scanned again at each depth, so a hostile block stops early.
fn search(
    text: &str,
    within: Span,
    interpolated: bool,
    budget: &mut usize,
    found: &mut Vec<Document<'static>>,
) {
    for object in balanced_objects(text.as_bytes(), within, budget) {
        let inside = &text[object.start..object.end];
        if *budget < inside.len() || !json::mentions_statement(inside) {
            continue;
        }
        *budget -= inside.len();
        match read_json(text, object, interpolated) {
            Some(documents) => found.extend(documents),
            None if object.len() > 2 => search(
                text,
                Span::new(object.start + 1, object.end - 1),
                interpolated,
                budget,
                found,
            ),
            None => {}
        }
    }
}

/// The outermost `{...}` spans of `within` whose braces balance, read as JSON would read
/// them: braces inside a `"..."` string (on one line) do not count.
fn balanced_objects(bytes: &[u8], within: Span, budget: &mut usize) -> Vec<Span> {
    let mut objects = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    let mut in_string = false;
    let mut i = within.start;
    while i < within.end {
        if *budget == 0 {
            break;
        }
        *budget -= 1;
        let byte = bytes[i];
        if in_string {
            match byte {
                b'\\' => i += 1,
                b'"' | b'\n' => in_string = false,
                _ => {}
            }
        } else {
            match byte {
                b'{' => {
                    if depth == 0 {
                        start = i;
                    }
                    depth += 1;
                }
                b'}' if depth > 0 => {
                    depth -= 1;
                    if depth == 0 {
                        objects.push(Span::new(start, i + 1));
                    }
                }
                b'"' if depth > 0 => in_string = true,
                _ => {}
            }
        }
        i += 1;
    }
    objects
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(block: &str) -> Vec<String> {
        json_documents(block, false, false)
            .into_iter()
            .map(|d| {
                let span = d.map.host_span();
                assert_eq!(d.text, &block[span.start..span.end]);
                d.text.into_owned()
            })
            .collect()
    }

    #[test]
    fn shell_quoted_policies_are_found_in_commands() {
        let block = "aws iam create-policy --policy-name p \\\n  --policy-document '{\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": \"Allow\"}]}'\necho '{\"Statement\": []}' > p.json\n";
        assert_eq!(
            texts(block),
            [
                "{\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": \"Allow\"}]}",
                "{\"Statement\": []}"
            ]
        );
    }

    #[test]
    fn policies_encoded_in_strings_are_decoded() {
        let block = "resource \"r\" \"d\" {\n  policy_document = \"{\\\"Statement\\\":[{\\\"Effect\\\":\\\"Allow\\\"}]}\"\n}\n";
        let documents = json_documents(block, false, false);
        assert_eq!(documents.len(), 1, "{block}");
        assert_eq!(
            documents[0].text,
            "{\"Statement\":[{\"Effect\":\"Allow\"}]}"
        );
        assert_eq!(documents[0].embedding, Embedding::JsonString);
        let span = documents[0].map.host_span();
        assert!(block[span.start..span.end].starts_with("{\\\"Statement"));
        // Strings that do not hold a policy, or do not close on their line, are not one.
        assert!(json_documents("echo \"{\\\"statement\\\": 1}\"", false, false).is_empty());
        assert!(json_documents("x = \"{\\\"Statement\\\": []}\n\"", false, false).is_empty());
    }

    #[test]
    fn objects_that_are_not_json_are_searched_inside() {
        let block = "main() {\n  cat <<EOF\n{\"Statement\": [], \"x\": \"}\"}\nEOF\n}\n";
        assert_eq!(texts(block), ["{\"Statement\": [], \"x\": \"}\"}"]);
        assert!(texts("{\"a\": 1}\n").is_empty());
        assert!(texts("if x { y } else { \"statement\" }").is_empty());
        assert!(texts("{{{{{{{{ statement").is_empty());
    }

    #[test]
    fn a_json_block_is_a_policy_a_template_or_a_broken_policy() {
        let template =
            "{\"Resources\": {\"P\": {\"Properties\": {\"PolicyDocument\": {\"Statement\": []}}}}}";
        assert_eq!(texts(template), ["{\"Statement\": []}"]);
        let broken = "{\n  \"Statement\": [ ... ]\n}\n";
        let documents = json_documents(broken, true, false);
        assert_eq!(documents.len(), 1);
        assert!(json_documents("{ \"statement\": 1, ", true, false).is_empty());
        let encoded = r#"{"Policy": {"PolicyDocument": "{\"Statement\": []}"}}"#;
        let documents = json_documents(encoded, true, false);
        assert_eq!(documents[0].text, "{\"Statement\": []}");
        assert_eq!(documents[0].embedding, Embedding::JsonString);
    }
}
