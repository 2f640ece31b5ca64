//! JSON written from HCL: an object expression (`jsonencode({...})`, a `locals` map) and
//! the policy-document data sources (`data "aws_iam_policy_document"`,
//! `data "alicloud_ram_policy_document"`), with a span map into the HCL. Written compact, as
//! `jsonencode` and the providers write it, so that a policy's length is the one its cloud
//! counts.
//!
//! Every JSON part stands for the HCL part it comes from as a whole (one `Opaque` piece):
//! a string for the HCL string with its quotes, a key for the attribute name or object
//! key, a statement's braces for its block's first and last bytes. What HCL computes
//! (`var.x`, `local.x`, a function call, a `for` expression, a conditional) is a template
//! value: a JSON string `"${...}"` the model reads as one (the document's `masked`). A
//! data source's defaults (`Effect` Allow, its `Version`) stand for the block's closing
//! brace. Conditions and principals written in several blocks are merged under one key,
//! as the providers merge them; where that takes parts out of host order, the parts in
//! between become one piece (positions there widen to the blocks, never cross them).
//!
//! Fixes are never written back here: an edit of JSON does not say how to edit HCL.

use crate::hosts::span_map::SpanMap;
use crate::source::Span;
use hcl_edit::expr::{Expression, ObjectKey};
use hcl_edit::structure::{Block, Body, Structure};
use hcl_edit::template::{Element, Template};

pub struct Synthesis {
    pub text: String,
    pub map: SpanMap,
    pub masked: Vec<Span>,
}

fn span_of(spanned: &impl hcl_edit::Span) -> Span {
    spanned
        .span()
        .map_or(Span::default(), |r| Span::new(r.start, r.end))
}

fn json_string(value: &str) -> String {
    serde_json::to_string(value).expect("a string serializes")
}

/// The JSON being written, and which host range each part stands for.
struct Writer<'h> {
    host: &'h str,
    text: String,
    /// Document start, document end, host range; in document order.
    pieces: Vec<(usize, usize, Span)>,
    masked: Vec<Span>,
}

impl<'h> Writer<'h> {
    fn new(host: &'h str) -> Self {
        Writer {
            host,
            text: String::new(),
            pieces: Vec::new(),
            masked: Vec::new(),
        }
    }

    fn put(&mut self, text: &str, host: Span) {
        let start = self.text.len();
        self.text.push_str(text);
        self.pieces.push((start, self.text.len(), host));
    }

    /// A one-byte piece at the first byte of `span` (an opening brace).
    fn open(&mut self, text: &str, span: Span) {
        self.put(text, Span::new(span.start, (span.start + 1).min(span.end)));
    }

    /// A one-byte piece at the last byte of `span` (a closing brace).
    fn close(&mut self, text: &str, span: Span) {
        self.put(
            text,
            Span::new(span.end.saturating_sub(1).max(span.start), span.end),
        );
    }

    /// Punctuation standing for no host byte, at `at`.
    fn between(&mut self, text: &str, at: usize) {
        self.put(text, Span::new(at, at));
    }

    /// A value HCL computes: a string the model reads as a template value.
    fn template_value(&mut self, span: Span) {
        let start = self.text.len();
        let raw = &self.host[span.start..span.end];
        self.put(&json_string(&format!("${{{raw}}}")), span);
        self.masked.push(Span::new(start, self.text.len()));
    }

    fn expression(&mut self, expression: &Expression) {
        let span = span_of(expression);
        match expression {
            Expression::Null(_) => self.put("null", span),
            Expression::Bool(value) => {
                self.put(if *value.value() { "true" } else { "false" }, span)
            }
            Expression::Number(_) => {
                let raw = &self.host[span.start..span.end];
                if serde_json::from_str::<serde_json::Number>(raw).is_ok() {
                    self.put(raw, span);
                } else {
                    self.template_value(span);
                }
            }
            Expression::String(value) => self.put(&json_string(value.value()), span),
            Expression::StringTemplate(template) => self.template_string(template, span),
            Expression::HeredocTemplate(heredoc) => self.template_string(&heredoc.template, span),
            Expression::Parenthesis(inner) => self.expression(inner.inner()),
            Expression::Array(array) => {
                self.open("[", span);
                for (i, item) in array.iter().enumerate() {
                    if i > 0 {
                        self.between(",", span_of(item).start);
                    }
                    self.expression(item);
                }
                self.close("]", span);
            }
            Expression::Object(object) => {
                self.open("{", span);
                for (i, (key, value)) in object.iter().enumerate() {
                    let key_span = span_of(key);
                    if i > 0 {
                        self.between(",", key_span.start);
                    }
                    match key {
                        ObjectKey::Ident(ident) => self.put(&json_string(ident.as_str()), key_span),
                        ObjectKey::Expression(Expression::String(name)) => {
                            self.put(&json_string(name.value()), key_span)
                        }
                        ObjectKey::Expression(_) => self.template_value(key_span),
                    }
                    self.between(":", span_of(value.expr()).start);
                    self.expression(value.expr());
                }
                self.close("}", span);
            }
            _ => self.template_value(span),
        }
    }

    /// A string with interpolations: its text, `${...}` kept as written (the document's
    /// strings are the host's interpolation), directives as template values.
    fn template_string(&mut self, template: &Template, span: Span) {
        let mut value = String::new();
        for element in template.iter() {
            match element {
                Element::Literal(literal) => value.push_str(literal.value()),
                Element::Interpolation(_) | Element::Directive(_) => {
                    let part = match element {
                        Element::Interpolation(i) => span_of(i),
                        Element::Directive(d) => span_of(d),
                        Element::Literal(_) => unreachable!(),
                    };
                    let raw = &self.host[part.start..part.end];
                    if raw.starts_with("${") {
                        value.push_str(raw);
                    } else {
                        value.push_str("${");
                        value.push_str(&raw[2..]);
                    }
                }
            }
        }
        self.put(&json_string(&value), span);
    }

    /// The map: pieces in document order; where merging took one out of host order, it
    /// and the pieces before it down to where the order holds become one piece.
    fn finish(self) -> Synthesis {
        let mut merged: Vec<(usize, usize, Span)> = Vec::with_capacity(self.pieces.len());
        for (start, end, host) in self.pieces {
            let mut piece = (start, end, host);
            while let Some(&(last_start, _, last_host)) = merged.last() {
                if piece.2.start >= last_host.end {
                    break;
                }
                merged.pop();
                piece = (
                    last_start,
                    piece.1,
                    Span::new(
                        last_host.start.min(piece.2.start),
                        last_host.end.max(piece.2.end),
                    ),
                );
            }
            merged.push(piece);
        }
        let mut map = SpanMap::default();
        for (start, end, host) in merged {
            map.push_opaque(end - start, host);
        }
        Synthesis {
            text: self.text,
            map,
            masked: self.masked,
        }
    }
}

/// The JSON of an object expression.
pub fn object(host: &str, expression: &Expression) -> Synthesis {
    let mut writer = Writer::new(host);
    writer.expression(expression);
    writer.finish()
}

/// The names a policy-document data source gives a policy's parts.
pub struct DataSource {
    pub type_name: &'static str,
    default_version: &'static str,
    /// Attributes of the data block: HCL name, JSON key.
    top: &'static [(&'static str, &'static str)],
    /// Attributes of a `statement` block.
    statement: &'static [(&'static str, &'static str)],
    /// Principal blocks: HCL name, JSON key.
    principal_blocks: &'static [(&'static str, &'static str)],
    /// A principal block's type attribute (its identifiers are `identifiers`).
    principal_type: &'static str,
    /// A condition block's operator attribute (with `variable` and `values`).
    condition_operator: &'static str,
}

pub static DATA_SOURCES: [DataSource; 2] = [
    DataSource {
        type_name: "aws_iam_policy_document",
        default_version: "2012-10-17",
        top: &[("version", "Version"), ("policy_id", "Id")],
        statement: &[
            ("sid", "Sid"),
            ("effect", "Effect"),
            ("actions", "Action"),
            ("not_actions", "NotAction"),
            ("resources", "Resource"),
            ("not_resources", "NotResource"),
        ],
        principal_blocks: &[
            ("principals", "Principal"),
            ("not_principals", "NotPrincipal"),
        ],
        principal_type: "type",
        condition_operator: "test",
    },
    DataSource {
        type_name: "alicloud_ram_policy_document",
        default_version: "1",
        top: &[("version", "Version")],
        statement: &[
            ("effect", "Effect"),
            ("action", "Action"),
            ("resource", "Resource"),
        ],
        principal_blocks: &[("principal", "Principal")],
        principal_type: "entity",
        condition_operator: "operator",
    },
];

/// The blocks `name` of a body, in host order, each with the body that stands for it:
/// `name { ... }`, and `dynamic "name" { content { ... } }` (its values are the
/// iterator's: template values).
fn blocks<'b>(body: &'b Body, name: &str) -> Vec<(Span, &'b Body)> {
    let mut found = Vec::new();
    for block in body.blocks() {
        if block.ident.as_str() == name {
            found.push((span_of(block), &block.body));
        } else if block.ident.as_str() == "dynamic"
            && block.labels.first().is_some_and(|l| l.as_str() == name)
            && let Some(content) = block.body.blocks().find(|b| b.ident.as_str() == "content")
        {
            found.push((span_of(block), &content.body));
        }
    }
    found
}

/// The JSON a policy-document data source makes, or `None` when it has no `statement`.
pub fn data_source(host: &str, block: &Block, source: &DataSource) -> Option<Synthesis> {
    let statements = blocks(&block.body, "statement");
    if statements.is_empty() {
        return None;
    }
    let block_span = span_of(block);
    let mut writer = Writer::new(host);
    writer.open("{", block_span);
    let mut has_version = false;
    for structure in block.body.iter() {
        let Structure::Attribute(attribute) = structure else {
            continue;
        };
        let Some(&(_, key)) = source
            .top
            .iter()
            .find(|(n, _)| attribute.key.as_str() == *n)
        else {
            continue;
        };
        has_version |= key == "Version";
        writer.put(&format!("{}:", json_string(key)), span_of(&attribute.key));
        writer.expression(&attribute.value);
        writer.between(",", span_of(attribute).end);
    }
    writer.between("\"Statement\":", statements[0].0.start);
    writer.open("[", statements[0].0);
    for (i, &(span, body)) in statements.iter().enumerate() {
        if i > 0 {
            writer.between(",", span.start);
        }
        statement(&mut writer, span, body, source);
    }
    writer.close("]", statements[statements.len() - 1].0);
    if !has_version {
        let version = format!(",\"Version\":{}", json_string(source.default_version));
        writer.between(&version, block_span.end.saturating_sub(1));
    }
    writer.close("}", block_span);
    Some(writer.finish())
}

fn statement(writer: &mut Writer, span: Span, body: &Body, source: &DataSource) {
    writer.open("{", span);
    let mut first = true;
    let mut separate = |writer: &mut Writer, at: usize| {
        if !std::mem::take(&mut first) {
            writer.between(",", at);
        }
    };
    let mut has_effect = false;
    for attribute in body.attributes() {
        let Some(&(_, key)) = source
            .statement
            .iter()
            .find(|(n, _)| attribute.key.as_str() == *n)
        else {
            continue;
        };
        has_effect |= key == "Effect";
        let key_span = span_of(&attribute.key);
        separate(writer, key_span.start);
        writer.put(&format!("{}:", json_string(key)), key_span);
        writer.expression(&attribute.value);
    }
    for &(name, key) in source.principal_blocks {
        let principals = blocks(body, name);
        let Some(&(first_span, _)) = principals.first() else {
            continue;
        };
        separate(writer, first_span.start);
        writer.put(
            &format!("{}:", json_string(key)),
            Span::new(first_span.start, first_span.start),
        );
        let everyone = principals.len() == 1
            && matches!(principals[0].1.get_attribute(source.principal_type).map(|a| &a.value),
                Some(Expression::String(t)) if t.value() == "*");
        if everyone {
            writer.put("\"*\"", first_span);
        } else {
            grouped(
                writer,
                &principals,
                source.principal_type,
                None,
                "identifiers",
            );
        }
    }
    let conditions = blocks(body, "condition");
    if let Some(&(first_span, _)) = conditions.first() {
        separate(writer, first_span.start);
        writer.put(
            "\"Condition\":",
            Span::new(first_span.start, first_span.start),
        );
        grouped(
            writer,
            &conditions,
            source.condition_operator,
            Some("variable"),
            "values",
        );
    }
    if !has_effect {
        separate(writer, span.end.saturating_sub(1));
        writer.between("\"Effect\":\"Allow\"", span.end.saturating_sub(1));
    }
    writer.close("}", span);
}

/// The blocks of one key, in host order.
type Group<'b> = (String, Vec<(Span, &'b Body)>);

/// Blocks grouped by the value of their attribute `outer` (and then `inner`), each group's
/// `list` attributes joined into one list: `{"AWS":[...]}` from `principals` blocks,
/// `{"StringEquals":{"aws:x":[...]}}` from `condition` blocks.
fn grouped(
    writer: &mut Writer,
    blocks: &[(Span, &Body)],
    outer: &str,
    inner: Option<&str>,
    list: &str,
) {
    let key_of = |body: &Body, name: &str| -> String {
        match body.get_attribute(name).map(|a| &a.value) {
            Some(Expression::String(value)) => value.value().to_string(),
            Some(other) => format!("${{{}}}", {
                let s = span_of(other);
                &writer.host[s.start..s.end]
            }),
            None => String::new(),
        }
    };
    // Group keys in order of first appearance, each with its blocks.
    let mut groups: Vec<(String, Vec<Group>)> = Vec::new();
    for &(span, body) in blocks {
        let outer_key = key_of(body, outer);
        let inner_key = inner.map(|name| key_of(body, name)).unwrap_or_default();
        let at = match groups.iter().position(|(k, _)| *k == outer_key) {
            Some(at) => at,
            None => {
                groups.push((outer_key, Vec::new()));
                groups.len() - 1
            }
        };
        let members = &mut groups[at].1;
        match members.iter_mut().find(|(k, _)| *k == inner_key) {
            Some((_, found)) => found.push((span, body)),
            None => members.push((inner_key, vec![(span, body)])),
        }
    }
    let start_of = |group: &[(Span, &Body)]| group[0].0.start;
    let end_of = |group: &[(Span, &Body)]| group[group.len() - 1].0.end;
    let first = start_of(&groups[0].1[0].1);
    writer.between("{", first);
    for (i, (outer_key, members)) in groups.iter().enumerate() {
        let at = start_of(&members[0].1);
        if i > 0 {
            writer.between(",", at);
        }
        writer.put(&format!("{}:", json_string(outer_key)), Span::new(at, at));
        if inner.is_some() {
            writer.between("{", at);
        }
        for (j, (inner_key, group)) in members.iter().enumerate() {
            let at = start_of(group);
            if inner.is_some() {
                if j > 0 {
                    writer.between(",", at);
                }
                writer.put(&format!("{}:", json_string(inner_key)), Span::new(at, at));
            }
            values(writer, group, list);
        }
        if inner.is_some() {
            writer.between("}", end_of(&members[members.len() - 1].1));
        }
    }
    let last = blocks.iter().map(|(s, _)| s.end).max().unwrap_or(first);
    writer.between("}", last);
}

/// The `list` attributes of `group`'s blocks as one JSON value: the one list as written,
/// or the entries of several joined.
fn values(writer: &mut Writer, group: &[(Span, &Body)], list: &str) {
    let lists: Vec<&Expression> = group
        .iter()
        .filter_map(|(_, body)| body.get_attribute(list).map(|a| &a.value))
        .collect();
    match lists.as_slice() {
        [] => writer.between("[]", group[0].0.start),
        [only] => writer.expression(only),
        several => {
            writer.between("[", span_of(several[0]).start);
            let mut first = true;
            for expression in several {
                let items: Vec<&Expression> = match expression {
                    Expression::Array(array) => array.iter().collect(),
                    other => vec![other],
                };
                for item in items {
                    if !std::mem::take(&mut first) {
                        writer.between(",", span_of(item).start);
                    }
                    writer.expression(item);
                }
            }
            writer.between("]", span_of(several[several.len() - 1]).end);
        }
    }
}
