//! The Terraform host (`.tf`): policies in heredocs (`<<EOF`, `<<-EOF`), in quoted strings,
//! in HCL object expressions (`jsonencode({...})`, a `locals` map: any object with a
//! `Statement` key), and the policy-document data sources (`data "aws_iam_policy_document"`,
//! `data "alicloud_ram_policy_document"`), wherever they are: a resource's attribute, a
//! `locals` map, a variable's default, an output.
//!
//! The resource type above a policy gives its dialect and the attribute holding it its
//! kind (`rules/data/hosts.toml`, through `hints`). Every `${...}` and `%{...}` of a
//! Terraform string is Terraform's (`interpolated`): a template value, never a mistake.
//!
//! A string or heredoc is read through its escapes and stripped indentation with a map back
//! to each byte (`template`): fixes there are written back, escaped as the string needs,
//! and verified by reading the edited HCL again. An object expression or a data source is
//! written as JSON (`synth`): positions point at the HCL parts, and fixes are shown as help.
//!
//! The parser is `hcl-edit` (with `hcl-primitives`, the parser of `hcl-rs`, maintained):
//! it keeps a byte span on every expression, attribute, block and on each literal part of a
//! template, heredocs included, and bounds nesting (64 levels) so a hostile file is an
//! error, not a stack overflow. It has no default features.

mod comments;
mod synth;
mod template;

use super::{Document, Embedding, hints, json};
use crate::diagnostic::Edit;
use crate::model::{HostHints, is_statement_key};
use crate::parse::SyntaxError;
use crate::source::Span;
use hcl_edit::expr::{Expression, ObjectKey};
use hcl_edit::structure::{Body, Structure};
use std::borrow::Cow;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use template::Style;

pub use comments::suppressions;

/// How many times a document's own length its fixes may re-read while being verified (as
/// in the YAML host): the rest wait for the fix engine's next pass.
const VERIFY_ROUNDS: usize = 64;

/// Blocks nested deeper than this are not searched (hcl-edit bounds expressions, not
/// blocks).
const MAX_BLOCK_DEPTH: usize = 64;

/// How a Terraform document sits in its host.
#[derive(Debug)]
pub struct Placement {
    kind: PlacementKind,
    /// Bytes left for `reextract` to read.
    verify_budget: AtomicUsize,
}

#[derive(Debug)]
enum PlacementKind {
    /// A policy in a quoted string or a heredoc: the host text before and after the
    /// document's range, inside the expression (`<<-EOF\n  ` and `EOF`, or the quotes).
    Template {
        style: Style,
        line_break: &'static str,
        prefix: String,
        suffix: String,
    },
    /// JSON written from HCL: no fix is written back.
    Synthesized,
}

/// A Terraform document's placement, shared by the document's clones.
#[derive(Debug, Clone)]
pub struct Embedded(Arc<Placement>);

impl PartialEq for Embedded {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Embedded {}

/// Whether `text` can hold a policy: it says `statement` in some case (a JSON `Statement`
/// key, a data source's `statement` block).
pub fn may_hold_policy(text: &str) -> bool {
    json::mentions_statement(text)
}

/// `text` parsed as an HCL body; a byte order mark reads as spaces, so that offsets hold.
fn parse(text: &str) -> Result<Body, SyntaxError> {
    let without_bom;
    let input = match text.strip_prefix('\u{feff}') {
        Some(rest) => {
            without_bom = format!("   {rest}");
            without_bom.as_str()
        }
        None => text,
    };
    hcl_edit::parser::parse_body(input).map_err(|error| {
        let mut at = error.location().offset().min(text.len());
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        SyntaxError {
            span: Span::new(at, at),
            message: format!(
                "this Terraform file does not parse: {}",
                error.message().trim()
            ),
            help: "fix the HCL syntax here (`terraform fmt` points at it too)".into(),
        }
    })
}

/// Whether `text` is HCL.
pub fn check_syntax(text: &str) -> Result<(), SyntaxError> {
    parse(text).map(|_| ())
}

fn span_of(spanned: &impl hcl_edit::Span) -> Span {
    spanned
        .span()
        .map_or(Span::default(), |r| Span::new(r.start, r.end))
}

/// The line break the host uses: CRLF if its first one is.
fn line_break_of(text: &str) -> &'static str {
    match memchr::memchr(b'\n', text.as_bytes()) {
        Some(at) if at > 0 && text.as_bytes()[at - 1] == b'\r' => "\r\n",
        _ => "\n",
    }
}

/// What the blocks and attributes above a value say of it.
#[derive(Clone, Copy, Default)]
struct Context<'b> {
    resource_type: Option<&'b str>,
    /// The attribute or object key above.
    holder: Option<&'b str>,
}

impl Context<'_> {
    fn hints(&self) -> HostHints {
        HostHints {
            dialect: self.resource_type.and_then(hints::type_dialect),
            kind: self
                .holder
                .and_then(|holder| hints::holder_kind(self.resource_type, holder)),
            interpolated: true,
            size_limit: self
                .holder
                .and_then(|holder| hints::size_limit(self.resource_type, holder)),
        }
    }
}

/// The policy documents of a Terraform file, in host order.
pub fn extract(text: &str) -> Result<Vec<Document<'static>>, SyntaxError> {
    let body = parse(text)?;
    let mut walk = Walk {
        host: text,
        line_break: line_break_of(text),
        found: Vec::new(),
    };
    walk.body(&body, Context::default(), 0);
    Ok(walk.found)
}

struct Walk<'h> {
    host: &'h str,
    line_break: &'static str,
    found: Vec<Document<'static>>,
}

impl<'h> Walk<'h> {
    fn body<'b>(&mut self, body: &'b Body, context: Context<'b>, depth: usize) {
        if depth > MAX_BLOCK_DEPTH {
            return;
        }
        for structure in body.iter() {
            match structure {
                Structure::Attribute(attribute) => {
                    let inner = Context {
                        holder: Some(attribute.key.as_str()),
                        ..context
                    };
                    self.expression(&attribute.value, inner);
                }
                Structure::Block(block) => {
                    let kind = block.ident.as_str();
                    let type_label = block.labels.first().map(|l| l.as_str());
                    if kind == "data"
                        && let Some(source) = synth::DATA_SOURCES
                            .iter()
                            .find(|s| Some(s.type_name) == type_label)
                    {
                        if let Some(synthesis) = synth::data_source(self.host, block, source) {
                            let hints = HostHints {
                                dialect: hints::type_dialect(source.type_name),
                                kind: None,
                                interpolated: true,
                                size_limit: None,
                            };
                            self.synthesized(synthesis, hints);
                        }
                        continue;
                    }
                    let inner = match (kind, type_label) {
                        ("resource" | "data", Some(resource_type)) => Context {
                            resource_type: Some(resource_type),
                            holder: None,
                        },
                        _ => context,
                    };
                    self.body(&block.body, inner, depth + 1);
                }
            }
        }
    }

    fn expression<'b>(&mut self, expression: &'b Expression, context: Context<'b>) {
        match expression {
            Expression::String(_)
            | Expression::StringTemplate(_)
            | Expression::HeredocTemplate(_) => {
                let span = span_of(expression);
                if may_hold_policy(&self.host[span.start..span.end])
                    && let Some(document) =
                        template_document(self.host, expression, context.hints(), self.line_break)
                {
                    self.found.push(document);
                }
            }
            Expression::Object(object) => {
                let is_policy = object.iter().any(|(key, _)| match key {
                    ObjectKey::Ident(ident) => is_statement_key(ident.as_str()),
                    ObjectKey::Expression(Expression::String(name)) => {
                        is_statement_key(name.value())
                    }
                    ObjectKey::Expression(_) => false,
                });
                if is_policy {
                    let synthesis = synth::object(self.host, expression);
                    self.synthesized(synthesis, context.hints());
                    return;
                }
                for (key, value) in object.iter() {
                    let holder = match key {
                        ObjectKey::Ident(ident) => Some(ident.as_str()),
                        ObjectKey::Expression(Expression::String(name)) => Some(name.as_str()),
                        ObjectKey::Expression(_) => None,
                    };
                    self.expression(value.expr(), Context { holder, ..context });
                }
            }
            Expression::Array(array) => {
                for item in array.iter() {
                    self.expression(item, context);
                }
            }
            Expression::FuncCall(call) => {
                for argument in call.args.iter() {
                    self.expression(argument, context);
                }
            }
            Expression::Parenthesis(inner) => self.expression(inner.inner(), context),
            Expression::Conditional(conditional) => {
                self.expression(&conditional.true_expr, context);
                self.expression(&conditional.false_expr, context);
            }
            _ => {}
        }
    }

    fn synthesized(&mut self, synthesis: synth::Synthesis, hints: HostHints) {
        self.found.push(Document {
            text: Cow::Owned(synthesis.text),
            map: synthesis.map,
            hints,
            masked: synthesis.masked,
            embedding: Embedding::Terraform(Embedded(Arc::new(Placement {
                kind: PlacementKind::Synthesized,
                verify_budget: AtomicUsize::new(0),
            }))),
        });
    }
}

/// The text of a string or heredoc expression: the host range of its content, how it is
/// written, and what Terraform makes of it.
fn read_template(host: &str, expression: &Expression) -> Option<(Style, template::Read)> {
    let span = span_of(expression);
    match expression {
        Expression::String(_) => {
            let content = Span::new(
                span.start + 1,
                span.end.saturating_sub(1).max(span.start + 1),
            );
            Some((Style::Quoted, template::read_plain(host, content)?))
        }
        Expression::StringTemplate(string) => {
            let content = Span::new(
                span.start + 1,
                span.end.saturating_sub(1).max(span.start + 1),
            );
            Some((
                Style::Quoted,
                template::read(host, string, content, Style::Quoted)?,
            ))
        }
        Expression::HeredocTemplate(heredoc) => {
            let content = span_of(&heredoc.template);
            let style = Style::Heredoc {
                indent: heredoc.indent().unwrap_or(0),
            };
            Some((
                style,
                template::read(host, &heredoc.template, content, style)?,
            ))
        }
        _ => None,
    }
}

/// A policy in a string or heredoc, or `None` when its text is not JSON-shaped.
fn template_document(
    host: &str,
    expression: &Expression,
    hints: HostHints,
    line_break: &'static str,
) -> Option<Document<'static>> {
    let (style, read) = read_template(host, expression)?;
    if !(read.text.trim_start().starts_with('{') && json::mentions_statement(&read.text)) {
        return None;
    }
    let span = span_of(expression);
    let inner = read.map.host_span();
    let verify_budget = read.text.len().saturating_mul(VERIFY_ROUNDS) + (64 << 10);
    Some(Document {
        text: Cow::Owned(read.text),
        map: read.map,
        hints,
        masked: read.masked,
        embedding: Embedding::Terraform(Embedded(Arc::new(Placement {
            kind: PlacementKind::Template {
                style,
                line_break,
                prefix: host[span.start..inner.start].to_string(),
                suffix: host[inner.end..span.end].to_string(),
            },
            verify_budget: AtomicUsize::new(verify_budget),
        }))),
    })
}

fn placement<'d>(document: &'d Document) -> Option<&'d Placement> {
    match &document.embedding {
        Embedding::Terraform(Embedded(placement)) => Some(placement),
        _ => None,
    }
}

/// `replacement` as the string or heredoc holding `document` writes it; `None` in JSON
/// written from HCL.
pub fn encode(document: &Document, replacement: &str) -> Option<String> {
    match &placement(document)?.kind {
        PlacementKind::Template {
            style, line_break, ..
        } => template::encode(*style, line_break, replacement),
        PlacementKind::Synthesized => None,
    }
}

/// A document edit as an HCL edit: through the span map, the replacement encoded.
pub fn host_edit(document: &Document, edit: &Edit) -> Option<Edit> {
    Some(Edit::replace(
        document.map.map_span(edit.span),
        encode(document, &edit.replacement)?,
    ))
}

/// The document the host range `region` holds after an edit: put back between the text
/// around it in its expression, parsed, and read as `extract` reads it.
pub fn reextract(document: &Document, region: &str) -> Option<String> {
    let placement = placement(document)?;
    let PlacementKind::Template { prefix, suffix, .. } = &placement.kind else {
        return None;
    };
    let left = placement.verify_budget.load(Ordering::Relaxed);
    if left < region.len() {
        return None;
    }
    placement
        .verify_budget
        .store(left - region.len(), Ordering::Relaxed);
    let snippet = format!("x = {prefix}{region}{suffix}\n");
    let body = hcl_edit::parser::parse_body(&snippet).ok()?;
    let attribute = body.get_attribute("x")?;
    Some(read_template(&snippet, &attribute.value)?.1.text)
}

#[cfg(test)]
mod tests;
