//! The YAML host: ROS and CloudFormation templates written in YAML, YAML policy files,
//! Kubernetes manifests and any other YAML that holds a policy. A policy is a mapping with
//! a `Statement` key (spelled as `model::is_statement_key` accepts it) at any depth of any
//! document of the stream, or a string scalar that holds a JSON-encoded policy (a block
//! scalar `PolicyDocument: !Sub |` followed by JSON, a quoted one-line policy).
//!
//! A mapping is written as JSON for the rules (`synth`), with a span map into the YAML and
//! a layout that turns a fix into a YAML edit (`edit`); a string is decoded with a map
//! through its quotes, escapes, folds and indentation (`scalar`). YAML means what the
//! YAML 1.2 core schema says: an unquoted `Version: 1` is the number 1 (and `invalid-version`
//! says RAM wants the string `"1"`, with a fix that quotes it), while `Version: 2012-10-17`
//! is the string CloudFormation reads too (YAML 1.1 would have made it a date, which
//! CloudFormation does not).
//!
//! The parser is `saphyr-parser`: maintained (the successor of `yaml-rust` and
//! `yaml-rust2`, by their maintainers), YAML 1.2, tested against the YAML test suite, and
//! an event parser that gives every event a start and an end mark, keys and node
//! properties (tags, anchors) included, and keeps tags such as `!Sub` as written rather
//! than refusing them. Its marks count characters, so they are turned into byte offsets
//! once per file (`tree`). It has two small dependencies and no default features. The
//! others: `yaml-rust2` has the same lineage with an older parser and pulls `encoding_rs`
//! by default; `marked-yaml` builds a DOM on `yaml-rust2` with line and column marks only;
//! `serde_yaml` is deprecated.

mod comments;
mod edit;
mod scalar;
mod synth;
mod tree;
mod write;

use super::span_map::SpanMap;
use super::{Document, Embedding, hints, json};
use crate::diagnostic::Edit;
use crate::model::{HostHints, is_statement_key};
use crate::parse::SyntaxError;
use crate::source::Span;
use saphyr_parser::ScalarStyle;
use std::borrow::Cow;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tree::{NodeId, NodeKind, NodeTag, Tree};

pub use comments::suppressions;

/// Aliases may make the JSON of a file's policies this many times longer than the file
/// (plus a mebibyte): enough for any template that shares parts, and a bound on an alias
/// bomb.
const ALIAS_GROWTH: usize = 4;

/// How many times a document's own length its fixes may re-read while being verified: a
/// document with thousands of fixes gets the first ones verified (and applied), the rest
/// on the fix engine's next pass, never a quadratic wait.
const VERIFY_ROUNDS: usize = 64;

/// How a YAML document sits in its host: what a fix needs to be written there.
#[derive(Debug)]
pub struct Placement {
    kind: PlacementKind,
    /// The host's line break (`\n` or `\r\n`).
    line_break: &'static str,
    /// The characters before the document on its first line (written as spaces when the
    /// document is read again).
    column: usize,
    /// Bytes left for `reextract` to read.
    verify_budget: AtomicUsize,
}

#[derive(Debug)]
enum PlacementKind {
    /// JSON written from a YAML mapping.
    Mapping(synth::Layout),
    /// A JSON text held by a string scalar.
    Scalar {
        style: ScalarStyle,
        /// A block scalar's content indentation.
        indent: usize,
        interpolated: bool,
    },
}

/// A YAML document's placement, shared by the document's clones.
#[derive(Debug, Clone)]
pub struct Embedded(Arc<Placement>);

impl PartialEq for Embedded {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Embedded {}

/// Whether `text` can hold a policy: as for JSON, it says `statement` in some case.
pub fn may_hold_policy(text: &str) -> bool {
    json::mentions_statement(text)
}

/// Whether `text` is YAML.
pub fn check_syntax(text: &str) -> Result<(), SyntaxError> {
    tree::parse(text).map(|_| ())
}

/// The line break the host uses: CRLF if its first one is.
fn line_break_of(text: &str) -> &'static str {
    match memchr::memchr(b'\n', text.as_bytes()) {
        Some(at) if at > 0 && text.as_bytes()[at - 1] == b'\r' => "\r\n",
        _ => "\n",
    }
}

/// The characters before `at` on its line, a byte order mark aside.
fn column_of(text: &str, at: usize) -> usize {
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    text[line_start..at]
        .trim_start_matches('\u{feff}')
        .chars()
        .count()
}

/// Where the walk for policies is, and what the nodes above it say.
#[derive(Clone, Copy)]
struct Context<'t> {
    /// The key above (a function passes its own holder on).
    holder: Option<&'t str>,
    resource_type: Option<&'t str>,
    /// Inside a `Fn::Sub`: its strings' `${...}` are the template's.
    in_sub: bool,
}

/// The policy documents of a YAML stream, in host order.
pub fn extract(text: &str) -> Result<Vec<Document<'static>>, SyntaxError> {
    let tree = tree::parse(text)?;
    let mut walk = Walk {
        text,
        tree: &tree,
        budget: text.len().saturating_mul(ALIAS_GROWTH) + (1 << 20),
        line_break: line_break_of(text),
        found: Vec::new(),
    };
    for &root in &tree.documents {
        walk.document(root)?;
    }
    Ok(walk.found)
}

/// The search of a stream for policies.
struct Walk<'a, 't> {
    text: &'t str,
    tree: &'a Tree<'t>,
    /// Bytes aliases may still expand to.
    budget: usize,
    line_break: &'static str,
    found: Vec<Document<'static>>,
}

impl<'a, 't> Walk<'a, 't> {
    /// The policies of the YAML document `root`: its nodes depth first, a mapping with a
    /// `Statement` key or a string holding an encoded policy ending the way down.
    fn document(&mut self, root: NodeId) -> Result<(), SyntaxError> {
        let tree = self.tree;
        let template_dialect = match &tree.nodes[root].kind {
            NodeKind::Mapping { entries, .. } => entries
                .iter()
                .find_map(|&(k, _)| tree.text_of(k).and_then(hints::format_dialect)),
            _ => None,
        };
        let start = Context {
            holder: None,
            resource_type: None,
            in_sub: false,
        };
        let mut stack: Vec<(NodeId, Context)> = vec![(root, start)];
        while let Some((id, mut context)) = stack.pop() {
            let node = &tree.nodes[id];
            let function = match &node.tag {
                Some(NodeTag::Function(name)) => Some(name.as_str()),
                _ => None,
            };
            context.in_sub |= function == Some("Fn::Sub");
            let hints = HostHints {
                dialect: template_dialect.or(context.resource_type.and_then(hints::type_dialect)),
                kind: context
                    .holder
                    .and_then(|h| hints::holder_kind(context.resource_type, h)),
                interpolated: false,
                size_limit: context
                    .holder
                    .and_then(|h| hints::size_limit(context.resource_type, h)),
            };
            match &node.kind {
                NodeKind::Mapping { entries, .. } => {
                    let is_policy = entries
                        .iter()
                        .any(|&(k, _)| tree.text_of(k).is_some_and(is_statement_key));
                    if is_policy {
                        let placement = (self.line_break, column_of(self.text, node.span.start));
                        let document = mapping_document(
                            self.text,
                            tree,
                            id,
                            hints,
                            placement,
                            &mut self.budget,
                        )?;
                        self.found.push(document);
                    } else {
                        self.push_entries(&mut stack, id, context, function.is_some());
                    }
                }
                NodeKind::Sequence { items, .. } => {
                    stack.extend(items.iter().rev().map(|&item| (item, context)));
                }
                NodeKind::Scalar { value, style } => {
                    let is_string = !(node.tag.is_none()
                        && *style == ScalarStyle::Plain
                        && scalar::resolve_plain(value) != scalar::Resolved::String);
                    if is_string && looks_encoded(value) {
                        let hints = HostHints {
                            interpolated: context.in_sub,
                            ..hints
                        };
                        let document = scalar_document(self.text, tree, id, hints, self.line_break);
                        self.found.push(document);
                    }
                }
                NodeKind::Alias(_) => {}
            }
        }
        Ok(())
    }

    /// Pushes the values of the mapping `id` (not a policy) for the walk, with what the
    /// mapping says of them: the resource type its `Type` names, the key above each (a
    /// function, `!Sub x` or `{Fn::Sub: x}`, passes its own holder on).
    fn push_entries(
        &self,
        stack: &mut Vec<(NodeId, Context<'a>)>,
        id: NodeId,
        mut context: Context<'a>,
        tagged_function: bool,
    ) {
        let tree = self.tree;
        let NodeKind::Mapping { entries, .. } = &tree.nodes[id].kind else {
            return;
        };
        let resource_type = tree
            .get(id, "Type")
            .and_then(|t| tree.text_of(t))
            .filter(|t| t.contains("::"));
        context.resource_type = resource_type.or(context.resource_type);
        let long_function = match entries.as_slice() {
            [(k, _)] => tree
                .text_of(*k)
                .filter(|k| *k == "Ref" || k.starts_with("Fn::")),
            _ => None,
        };
        context.in_sub |= long_function == Some("Fn::Sub");
        for &(key, value) in entries.iter().rev() {
            let mut inner = context;
            if !tagged_function && long_function.is_none() {
                inner.holder = tree.text_of(key);
            }
            stack.push((value, inner));
        }
    }
}

/// A string that looks like a JSON-encoded policy.
fn looks_encoded(value: &str) -> bool {
    value.trim_start().starts_with('{') && json::mentions_statement(value)
}

/// The policy mapping `id`, written as JSON.
fn mapping_document(
    text: &str,
    tree: &Tree,
    id: NodeId,
    hints: HostHints,
    (line_break, column): (&'static str, usize),
    budget: &mut usize,
) -> Result<Document<'static>, SyntaxError> {
    let synthesis =
        synth::synthesize(text, tree, id, *budget).map_err(|too_large| SyntaxError {
            span: too_large.at,
            message: format!(
                "this YAML alias expands past {} bytes inside a policy: aliases are expanded \
             only up to {ALIAS_GROWTH} times the file's length",
                *budget
            ),
            help: "write the policy out, or share smaller parts of it".into(),
        })?;
    *budget -= synthesis.text.len();
    let verify_budget = synthesis.text.len().saturating_mul(VERIFY_ROUNDS) + (64 << 10);
    Ok(Document {
        text: Cow::Owned(synthesis.text),
        map: synthesis.map,
        hints,
        masked: Vec::new(),
        embedding: Embedding::Yaml(Embedded(Arc::new(Placement {
            kind: PlacementKind::Mapping(synthesis.layout),
            line_break,
            column,
            verify_budget: AtomicUsize::new(verify_budget),
        }))),
    })
}

/// The policy a string scalar holds, decoded with a map into its content. A layout read
/// differently here than by the parser (which should not happen) keeps the positions at
/// the whole scalar: one opaque piece.
fn scalar_document(
    text: &str,
    tree: &Tree,
    id: NodeId,
    hints: HostHints,
    line_break: &'static str,
) -> Document<'static> {
    let node = &tree.nodes[id];
    let (value, style) = node.scalar().expect("a scalar");
    let content = Span::new(node.content_start, node.span.end);
    let (decoded, map, indent) = match scalar::decode(text, content, style, value) {
        Some((decoded, map, layout)) => (decoded, map, layout.indent),
        None => {
            let quoted = matches!(style, ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted);
            let inner = if quoted && content.len() >= 2 {
                Span::new(content.start + 1, content.end - 1)
            } else {
                content
            };
            let mut map = SpanMap::default();
            map.push_opaque(value.len(), inner);
            (value.to_string(), map, 0)
        }
    };
    let masked = json::mask_expressions(&decoded, hints.interpolated);
    let spans = masked.spans;
    let document_text = match masked.text {
        Cow::Owned(masked) => masked,
        Cow::Borrowed(_) => decoded,
    };
    let column = column_of(text, map.host_span().start);
    let verify_budget = document_text.len().saturating_mul(VERIFY_ROUNDS) + (64 << 10);
    Document {
        text: Cow::Owned(document_text),
        map,
        hints,
        masked: spans,
        embedding: Embedding::Yaml(Embedded(Arc::new(Placement {
            kind: PlacementKind::Scalar {
                style,
                indent,
                interpolated: hints.interpolated,
            },
            line_break,
            column,
            verify_budget: AtomicUsize::new(verify_budget),
        }))),
    }
}

fn placement<'d>(document: &'d Document) -> Option<&'d Placement> {
    match &document.embedding {
        Embedding::Yaml(Embedded(placement)) => Some(placement),
        _ => None,
    }
}

/// A document edit as a YAML edit: through the layout for JSON written from a mapping,
/// through the span map and `encode` for a JSON text in a string.
pub fn host_edit(host: &str, document: &Document, edit: &Edit) -> Option<Edit> {
    let placement = placement(document)?;
    match &placement.kind {
        PlacementKind::Mapping(layout) => {
            edit::host_edit(host, document, layout, placement.line_break, edit)
        }
        PlacementKind::Scalar { .. } => Some(Edit::replace(
            document.map.map_span(edit.span),
            encode(document, &edit.replacement)?,
        )),
    }
}

/// `replacement` (JSON text) as the string scalar holding `document` writes it: each line
/// break followed by the block's indentation in a block scalar, escaped in a quoted one.
pub fn encode(document: &Document, replacement: &str) -> Option<String> {
    let placement = placement(document)?;
    let PlacementKind::Scalar { style, indent, .. } = placement.kind else {
        return None;
    };
    if replacement
        .chars()
        .any(|c| (c.is_control() && c != '\n' && c != '\t') || c == '\u{feff}')
    {
        return None;
    }
    Some(match style {
        ScalarStyle::Literal | ScalarStyle::Folded => {
            let prefix = format!("{}{}", placement.line_break, " ".repeat(indent));
            replacement.replace('\n', &prefix)
        }
        ScalarStyle::DoubleQuoted => json::escape_for_string(replacement),
        ScalarStyle::SingleQuoted => {
            // A line break in a flow scalar folds to a space: the same to JSON.
            let spaced: Vec<&str> = replacement.split('\n').map(str::trim_start).collect();
            spaced.join(" ").replace('\'', "''")
        }
        ScalarStyle::Plain => return None,
    })
}

/// The document the host range `region` holds after an edit, read again by the YAML parser:
/// `region` is put back at its column (a block scalar under a header like its own), parsed,
/// and written as `extract` writes it.
pub fn reextract(document: &Document, region: &str) -> Option<String> {
    let placement = placement(document)?;
    let left = placement.verify_budget.load(Ordering::Relaxed);
    if left < region.len() {
        return None;
    }
    placement
        .verify_budget
        .store(left - region.len(), Ordering::Relaxed);
    let indentation = " ".repeat(placement.column);
    match &placement.kind {
        PlacementKind::Mapping(_) => {
            let snippet = format!("{indentation}{region}");
            let tree = tree::parse(&snippet).ok()?;
            let root = *tree.documents.first()?;
            let budget = snippet.len().saturating_mul(ALIAS_GROWTH) + (1 << 20);
            Some(synth::synthesize(&snippet, &tree, root, budget).ok()?.text)
        }
        PlacementKind::Scalar {
            style,
            indent,
            interpolated,
        } => {
            let snippet = match style {
                ScalarStyle::Literal | ScalarStyle::Folded => {
                    let header = if *style == ScalarStyle::Literal {
                        '|'
                    } else {
                        '>'
                    };
                    let indicator = if (1..=9).contains(indent) {
                        indent.to_string()
                    } else {
                        String::new()
                    };
                    format!("x: {header}{indicator}\n{indentation}{region}\n")
                }
                ScalarStyle::SingleQuoted => format!("x: '{region}'\n"),
                ScalarStyle::DoubleQuoted => format!("x: \"{region}\"\n"),
                ScalarStyle::Plain => return None,
            };
            let tree = tree::parse(&snippet).ok()?;
            let value = tree.get(*tree.documents.first()?, "x")?;
            // As `scalar::decode` reads it: without the line breaks around the text.
            let value = tree.text_of(value)?.trim_matches('\n');
            Some(
                json::mask_expressions(value, *interpolated)
                    .text
                    .into_owned(),
            )
        }
    }
}

#[cfg(test)]
mod tests;
