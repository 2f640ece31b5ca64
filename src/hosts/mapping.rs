//! Moving what the rules found in a document into its host: spans and labels through the
//! span map, fixes through the map and the host's encoding of the replacement, then
//! checked by reading the document back from the edited host. A fix that does not read
//! back to what the rule meant is shown as help and never applied: whatever the map, a fix
//! cannot corrupt a host.

use super::{Document, Embedding, Host};
use crate::diagnostic::{Diagnostic, Edit, Fix};
use crate::fix::apply_edits;
use crate::source::Span;

/// `diagnostics` of `document` in host coordinates. A document that is its host byte for
/// byte (a policy file) keeps them as they are.
pub fn to_host(
    host: &dyn Host,
    host_text: &str,
    document: &Document,
    mut diagnostics: Vec<Diagnostic>,
) -> Vec<Diagnostic> {
    if document.map.is_identity() && document.masked.is_empty() {
        return diagnostics;
    }
    for diagnostic in &mut diagnostics {
        diagnostic.span = document.map.map_span(diagnostic.span);
        for label in &mut diagnostic.labels {
            label.span = document.map.map_span(label.span);
        }
        if let Some(fix) = diagnostic.fix.take() {
            match host_fix(host, host_text, document, &fix) {
                Ok(mapped) => diagnostic.fix = Some(mapped),
                Err(reason) => {
                    let note = format!("fix not applied in this host: {} ({reason})", fix.title);
                    diagnostic.help = Some(match diagnostic.help.take() {
                        Some(help) => format!("{help}; {note}"),
                        None => note,
                    });
                }
            }
        }
    }
    diagnostics
}

/// `fix` as edits of the host, or why it cannot be written there exactly.
fn host_fix(
    host: &dyn Host,
    host_text: &str,
    document: &Document,
    fix: &Fix,
) -> Result<Fix, &'static str> {
    let map = &document.map;
    let mut edits = Vec::with_capacity(fix.edits.len());
    for edit in &fix.edits {
        let edit = host
            .host_edit(host_text, document, edit)
            .ok_or("the host cannot hold the new text there")?;
        edits.push(edit);
    }
    let overlapping = edits.windows(2).any(|pair| {
        let (a, b) = (pair[0].span, pair[1].span);
        a.end > b.start || (a.end == b.start && (a.is_empty() || b.is_empty()))
    });
    if overlapping {
        return Err("two of its edits fall on one escape or expression");
    }
    let exact = map.is_shift() && document.masked.is_empty();
    if !(exact && document.embedding == Embedding::Verbatim) {
        verify(host, host_text, document, fix, &edits)?;
    }
    Ok(Fix {
        applicability: fix.applicability,
        title: fix.title.clone(),
        edits,
    })
}

/// Reads the document back from its host range with `edits` applied, and requires the same
/// JSON value as the document with the fix applied.
fn verify(
    host: &dyn Host,
    host_text: &str,
    document: &Document,
    fix: &Fix,
    edits: &[Edit],
) -> Result<(), &'static str> {
    // A host edit may take a line past the document's end (a YAML entry's line break).
    let span = document.map.host_span();
    let end = edits.iter().map(|e| e.span.end).fold(span.end, usize::max);
    if edits.iter().any(|e| e.span.start < span.start) {
        return Err("an edit falls before the policy");
    }
    let range = Span::new(span.start, end);
    let shifted: Vec<Edit> = edits
        .iter()
        .map(|e| {
            Edit::replace(
                Span::new(e.span.start - range.start, e.span.end - range.start),
                e.replacement.clone(),
            )
        })
        .collect();
    let region = apply_edits(&host_text[range.start..range.end], &shifted);
    let reread = host
        .reextract(document, &region)
        .ok_or("the edited host would not read back")?;
    let expected = apply_edits(&document.text, &fix.edits);
    let value = |text: &str| serde_json::from_str::<serde_json::Value>(text).ok();
    match (value(&reread), value(&expected)) {
        (Some(reread), Some(expected)) if reread == expected => Ok(()),
        _ => Err("the edited host would not hold the fixed policy"),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{HostKind, json};
    use super::*;
    use crate::diagnostic::{Applicability, Finding, RuleId};
    use std::sync::Arc;

    fn diagnostic(span: Span, fix: Fix) -> Diagnostic {
        let rule = Arc::new(RuleId {
            code: "PL999".into(),
            name: "test".into(),
            category: "test".into(),
        });
        Diagnostic::from_finding(
            rule,
            crate::diagnostic::Severity::Warning,
            Finding::new(span, "m").fix(Some(fix)),
        )
    }

    /// The encoded policy of `host`'s `"P"` string.
    fn encoded_document(host: &str) -> Document<'static> {
        let masked = json::mask_expressions(host, false);
        json::nested_documents(host, &masked, false)
            .unwrap()
            .into_iter()
            .next()
            .unwrap()
            .into_owned()
    }

    #[test]
    fn a_fix_inside_an_encoded_string_is_escaped_and_verified() {
        let host = r#"{"P": "{\"Statement\": [{\"Effect\": \"allow\"}]}"}"#;
        let document = encoded_document(host);
        assert_eq!(document.text, r#"{"Statement": [{"Effect": "allow"}]}"#);
        let at = document.text.find("\"allow\"").unwrap();
        let fix = Fix::new(
            Applicability::Safe,
            "write Allow",
            vec![Edit::replace(Span::new(at, at + 7), "\"Allow\"")],
        );
        let mapped = to_host(
            HostKind::Json.host(),
            host,
            &document,
            vec![diagnostic(Span::new(at, at + 7), fix)],
        );
        let edit = &mapped[0].fix.as_ref().unwrap().edits[0];
        assert_eq!(&host[edit.span.start..edit.span.end], r#"\"allow\""#);
        assert_eq!(edit.replacement, r#"\"Allow\""#);
        assert_eq!(
            apply_edits(host, std::slice::from_ref(edit)),
            r#"{"P": "{\"Statement\": [{\"Effect\": \"Allow\"}]}"}"#
        );
    }

    #[test]
    fn a_fix_that_would_not_read_back_is_shown_as_help() {
        let host = r#"{"P": "{\"Statement\": [{\"Effect\": \"allow\"}]}"}"#;
        let document = encoded_document(host);
        // An edit splitting the escape `\"` in two cannot be written in the host.
        let quote = document.text.find("\"allow").unwrap();
        let fix = Fix::new(
            Applicability::Safe,
            "bad",
            vec![Edit::replace(Span::new(quote, quote + 2), "\"A")],
        );
        let broken = Fix::new(
            Applicability::Safe,
            "worse",
            vec![
                Edit::replace(Span::new(quote, quote + 1), "'"),
                Edit::insert(quote + 1, "x"),
            ],
        );
        let mapped = to_host(
            HostKind::Json.host(),
            host,
            &document,
            vec![
                diagnostic(Span::new(quote, quote + 2), fix),
                diagnostic(Span::new(quote, quote + 1), broken),
            ],
        );
        // The first maps exactly (its range covers the escape whole) and is kept.
        assert!(mapped[0].fix.is_some());
        assert!(mapped[1].fix.is_none());
        assert!(
            mapped[1]
                .help
                .as_deref()
                .unwrap()
                .starts_with("fix not applied in this host: worse")
        );
    }
}
