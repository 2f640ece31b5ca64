//! A YAML stream read into a tree of nodes with byte spans in the host text.
//!
//! `saphyr-parser` gives every event a span in characters; the spans are moved into bytes
//! once here (`Offsets`), and mended where the parser's differ from what the host needs:
//! a quoted scalar's span runs on over the spaces and comment after its closing quote, a
//! block sequence's starts at its first `-` or just after it, and a block scalar's starts
//! at its tag when it has one and at its content when it does not. The tree is built
//! without recursion, so nesting depth costs memory, never the stack.

use crate::parse::SyntaxError;
use crate::source::Span;
use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Tag};
use std::borrow::Cow;

pub type NodeId = usize;

/// The documents of a YAML stream.
#[derive(Debug, Default)]
pub struct Tree<'t> {
    pub nodes: Vec<Node<'t>>,
    /// The root node of each document, in stream order.
    pub documents: Vec<NodeId>,
}

#[derive(Debug)]
pub struct Node<'t> {
    /// From the node's properties (tag, anchor), or its content when it has none, to the end
    /// of its content.
    pub span: Span,
    /// Where its content starts: a scalar's first character (its opening quote when quoted;
    /// for a block scalar, its first content line after the indentation), a flow
    /// collection's bracket, a block sequence's first `-`, a block mapping's first key.
    pub content_start: usize,
    pub tag: Option<NodeTag>,
    /// Anchored, and named by at least one alias: what it holds shows in several places.
    pub aliased: bool,
    pub kind: NodeKind<'t>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeTag {
    /// A CloudFormation or ROS short form (`!Sub`, `!Ref`, `!GetAtt`...): the function's
    /// long name (`Fn::Sub`, `Ref`, `Fn::GetAtt`).
    Function(String),
    /// A YAML core schema tag (`!!str`): its suffix.
    Core(String),
    /// Any other tag: the node keeps its plain meaning.
    Other,
}

#[derive(Debug)]
pub enum NodeKind<'t> {
    Scalar {
        value: Cow<'t, str>,
        style: ScalarStyle,
    },
    Sequence {
        items: Vec<NodeId>,
        flow: bool,
    },
    Mapping {
        entries: Vec<(NodeId, NodeId)>,
        flow: bool,
    },
    /// `*name`: the anchored node it repeats.
    Alias(NodeId),
}

impl<'t> Node<'t> {
    pub fn scalar(&self) -> Option<(&str, ScalarStyle)> {
        match &self.kind {
            NodeKind::Scalar { value, style } => Some((value, *style)),
            _ => None,
        }
    }

    pub fn is_flow(&self) -> bool {
        matches!(
            self.kind,
            NodeKind::Sequence { flow: true, .. } | NodeKind::Mapping { flow: true, .. }
        )
    }
}

impl Tree<'_> {
    /// The string a mapping key or a scalar holds, when it is a plain or quoted scalar.
    pub fn text_of(&self, id: NodeId) -> Option<&str> {
        self.nodes[id].scalar().map(|(value, _)| value)
    }

    /// The value of the key `key` in the mapping `id`.
    pub fn get(&self, id: NodeId, key: &str) -> Option<NodeId> {
        match &self.nodes[id].kind {
            NodeKind::Mapping { entries, .. } => entries
                .iter()
                .find(|(k, _)| self.text_of(*k) == Some(key))
                .map(|(_, v)| *v),
            _ => None,
        }
    }
}

/// The host's byte offset of a character index of the parser, through a table of every
/// 64th character's offset (a text in ASCII needs none).
struct Offsets<'t> {
    text: &'t str,
    checkpoints: Option<Vec<usize>>,
}

const CHECKPOINT_EVERY: usize = 64;

impl<'t> Offsets<'t> {
    fn new(text: &'t str) -> Self {
        let checkpoints = (!text.is_ascii()).then(|| {
            text.char_indices()
                .step_by(CHECKPOINT_EVERY)
                .map(|(at, _)| at)
                .collect()
        });
        Offsets { text, checkpoints }
    }

    fn byte(&self, char_index: usize) -> usize {
        let Some(checkpoints) = &self.checkpoints else {
            return char_index.min(self.text.len());
        };
        let Some(&from) = checkpoints.get(char_index / CHECKPOINT_EVERY) else {
            return self.text.len();
        };
        self.text[from..]
            .char_indices()
            .nth(char_index % CHECKPOINT_EVERY)
            .map_or(self.text.len(), |(at, _)| from + at)
    }
}

/// A YAML scan or parse error at its host position.
fn syntax_error(offsets: &Offsets, error: &ScanError) -> SyntaxError {
    let at = offsets.byte(error.marker().index());
    SyntaxError {
        span: Span::new(at, at),
        message: format!("not valid YAML: {}", error.info()),
        help: "fix the YAML at this place; the policies in this file are linted once it parses"
            .into(),
    }
}

/// A collection still open while its entries are read.
struct Open {
    id: NodeId,
    /// A mapping's key waiting for its value.
    key: Option<NodeId>,
    /// Where the parser put its start (block sequences: mended at its end).
    reported_start: usize,
}

/// Reads the YAML stream `text` into a tree.
pub fn parse(text: &str) -> Result<Tree<'_>, SyntaxError> {
    let offsets = Offsets::new(text);
    let mut tree = Tree::default();
    let mut open: Vec<Open> = Vec::new();
    // Anchor ids are numbered from 1 in stream order.
    let mut anchors: Vec<NodeId> = Vec::new();
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| syntax_error(&offsets, &e))?;
        let span = Span::new(
            offsets.byte(span.start.index()),
            offsets.byte(span.end.index()),
        );
        let (node, anchor) = match event {
            Event::Scalar(value, style, anchor, tag) => {
                let tag = tag.as_deref().map(node_tag);
                (scalar_node(text, span, value, style, tag, anchor), anchor)
            }
            Event::SequenceStart(anchor, ref tag) | Event::MappingStart(anchor, ref tag) => {
                let is_sequence = matches!(event, Event::SequenceStart(..));
                let node = collection_node(text, span, tag.as_deref().map(node_tag), is_sequence);
                let id = tree.nodes.len();
                tree.nodes.push(node);
                register_anchor(&mut anchors, anchor, id);
                attach(&mut tree, &mut open, id);
                open.push(Open {
                    id,
                    key: None,
                    reported_start: span.start,
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some(closed) = open.pop() {
                    close(text, &mut tree, &closed, span);
                }
                continue;
            }
            Event::Alias(anchor) => {
                let Some(&target) = anchor.checked_sub(1).and_then(|i| anchors.get(i)) else {
                    continue;
                };
                tree.nodes[target].aliased = true;
                let node = Node {
                    span,
                    content_start: span.start,
                    tag: None,
                    aliased: false,
                    kind: NodeKind::Alias(target),
                };
                (node, 0)
            }
            Event::Nothing
            | Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart(_)
            | Event::DocumentEnd => continue,
        };
        let id = tree.nodes.len();
        tree.nodes.push(node);
        register_anchor(&mut anchors, anchor, id);
        attach(&mut tree, &mut open, id);
    }
    Ok(tree)
}

/// A sequence or mapping as its start event reports it: its span runs from its properties
/// to its bracket (and the spaces after it) in flow style, or is empty at its first entry
/// (after its properties, when it has some) in block style.
fn collection_node<'t>(
    text: &str,
    span: Span,
    tag: Option<NodeTag>,
    is_sequence: bool,
) -> Node<'t> {
    let after_properties = skip_properties(text, span.start, span.end);
    let flow = matches!(text.as_bytes().get(after_properties), Some(b'[' | b'{'))
        && after_properties < span.end;
    let kind = if is_sequence {
        NodeKind::Sequence {
            items: Vec::new(),
            flow,
        }
    } else {
        NodeKind::Mapping {
            entries: Vec::new(),
            flow,
        }
    };
    Node {
        span,
        content_start: if flow { after_properties } else { span.end },
        tag,
        aliased: false,
        kind,
    }
}

fn register_anchor(anchors: &mut Vec<NodeId>, anchor: usize, id: NodeId) {
    if anchor > 0 {
        if anchors.len() < anchor {
            anchors.resize(anchor, id);
        }
        anchors[anchor - 1] = id;
    }
}

fn node_tag(tag: &Tag) -> NodeTag {
    if tag.handle == "!" {
        NodeTag::Function(match tag.suffix.as_str() {
            "Ref" | "Condition" => tag.suffix.clone(),
            other => format!("Fn::{other}"),
        })
    } else if tag.is_yaml_core_schema() {
        NodeTag::Core(tag.suffix.clone())
    } else {
        NodeTag::Other
    }
}

/// Adds a finished or newly opened node to the collection it is in, or as a document.
fn attach(tree: &mut Tree, open: &mut [Open], id: NodeId) {
    let Some(parent) = open.last_mut() else {
        tree.documents.push(id);
        return;
    };
    match &mut tree.nodes[parent.id].kind {
        NodeKind::Sequence { items, .. } => items.push(id),
        NodeKind::Mapping { entries, .. } => match parent.key.take() {
            Some(key) => entries.push((key, id)),
            None => parent.key = Some(id),
        },
        _ => {}
    }
}

/// Mends a collection's span once its entries are known: a block collection ends with its
/// last entry and starts at the first (a sequence at the `-` before it), its properties
/// included; a flow collection ends after its closing bracket.
fn close(text: &str, tree: &mut Tree, closed: &Open, end_event: Span) {
    let (first, last) = match &tree.nodes[closed.id].kind {
        NodeKind::Sequence { items, .. } => (
            items.first().map(|&i| tree.nodes[i].span.start),
            items.last().map(|&i| tree.nodes[i].span.end),
        ),
        NodeKind::Mapping { entries, .. } => (
            entries.first().map(|&(k, _)| tree.nodes[k].span.start),
            entries.last().map(|&(_, v)| tree.nodes[v].span.end),
        ),
        _ => (None, None),
    };
    let is_sequence = matches!(tree.nodes[closed.id].kind, NodeKind::Sequence { .. });
    let node = &mut tree.nodes[closed.id];
    if node.is_flow() {
        // The end event's span starts at the closing bracket (and may run over the spaces
        // after it).
        let bracket = matches!(text.as_bytes().get(end_event.start), Some(b']' | b'}'));
        let end = if bracket {
            end_event.start + 1
        } else {
            end_event.end
        };
        node.span.end = end.max(node.span.end);
        return;
    }
    if let Some(first) = first {
        let content = if is_sequence {
            dash_before(text, first).unwrap_or(first)
        } else {
            first
        };
        node.content_start = content;
        node.span.start = closed.reported_start.min(content);
    }
    node.span.end = last.unwrap_or(node.span.end).max(node.span.start);
}

/// The `-` of a block sequence entry whose value starts at `value_start`: only spaces and
/// line breaks lie between them.
pub fn dash_before(text: &str, value_start: usize) -> Option<usize> {
    let before = text[..value_start].trim_end_matches([' ', '\t', '\r', '\n']);
    before.ends_with('-').then(|| before.len() - 1)
}

/// A scalar node, its span mended: a quoted scalar ends at its closing quote, a block
/// scalar's content starts on the line after its header and ends at its last character
/// that is not a space or line break, an empty scalar is empty where it starts.
fn scalar_node<'t>(
    text: &str,
    span: Span,
    value: Cow<'t, str>,
    style: ScalarStyle,
    tag: Option<NodeTag>,
    anchor: usize,
) -> Node<'t> {
    let has_properties = tag.is_some() || anchor > 0;
    let content_start = if has_properties {
        skip_properties(text, span.start, span.end)
    } else {
        span.start
    };
    let (content_start, end) = match style {
        ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => {
            let end = closing_quote_end(text, content_start, span.end, style).unwrap_or(span.end);
            (content_start, end)
        }
        ScalarStyle::Literal | ScalarStyle::Folded => {
            let start = block_content_start(text, content_start, span.end);
            let end = start + text[start..span.end.max(start)].trim_end().len();
            (start, end)
        }
        _ if value.is_empty() && !has_properties => (span.start, span.start),
        _ => (content_start, span.end),
    };
    Node {
        span: Span::new(span.start, end.max(content_start)),
        content_start,
        tag,
        aliased: false,
        kind: NodeKind::Scalar { value, style },
    }
}

/// Past a node's properties (`!tag`, `&anchor`) and the spaces, comments and line breaks
/// after them.
fn skip_properties(text: &str, from: usize, limit: usize) -> usize {
    let bytes = text.as_bytes();
    let mut at = from;
    while at < limit {
        match bytes[at] {
            b' ' | b'\t' | b'\r' | b'\n' => at += 1,
            b'#' => at = memchr::memchr(b'\n', &bytes[at..limit]).map_or(limit, |i| at + i),
            b'!' | b'&' => {
                at = bytes[at..limit]
                    .iter()
                    .position(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
                    .map_or(limit, |i| at + i);
            }
            _ => break,
        }
    }
    at
}

/// Past the quote that closes the quoted scalar opening at `start`.
fn closing_quote_end(text: &str, start: usize, limit: usize, style: ScalarStyle) -> Option<usize> {
    let bytes = &text.as_bytes()[..limit];
    let quote = *bytes.get(start)?;
    let mut at = start + 1;
    while at < bytes.len() {
        match bytes[at] {
            b'\\' if style == ScalarStyle::DoubleQuoted => at += 2,
            b'\'' if quote == b'\'' && bytes.get(at + 1) == Some(&b'\'') => at += 2,
            b if b == quote => return Some(at + 1),
            _ => at += 1,
        }
    }
    None
}

/// Where a block scalar's content lines start: at the start of the line after its header
/// when the span starts at the header (a tagged scalar), else at the start of the line
/// the span starts on (the parser starts an untagged one at its first content character).
/// The offset is that of the first content character of the first line that has one.
fn block_content_start(text: &str, from: usize, limit: usize) -> usize {
    let bytes = text.as_bytes();
    let line_start = if matches!(bytes.get(from), Some(b'|' | b'>')) {
        memchr::memchr(b'\n', &bytes[from..limit]).map_or(limit, |i| from + i + 1)
    } else {
        text[..from].rfind('\n').map_or(0, |i| i + 1)
    };
    // The first character that is not indentation or an empty line.
    bytes[line_start..limit]
        .iter()
        .position(|b| !matches!(b, b' ' | b'\r' | b'\n'))
        .map_or(limit, |i| line_start + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slice(text: &str, span: Span) -> &str {
        &text[span.start..span.end]
    }

    #[test]
    fn spans_are_bytes_and_mended() {
        let text = "\u{feff}é: 'q' # c\nseq:\n- a\n-   \"b\"  \nblock: !Sub |\n  {\"x\": 1}\n\nflow: &f [x, {k: v}]\nref: *f\n";
        let tree = parse(text).unwrap();
        let root = tree.documents[0];
        let value = |key: &str| tree.get(root, key).unwrap();
        let q = &tree.nodes[value("é")];
        assert_eq!(slice(text, q.span), "'q'");
        let seq = &tree.nodes[value("seq")];
        assert_eq!(slice(text, seq.span), "- a\n-   \"b\"");
        assert_eq!(seq.content_start, text.find("- a").unwrap());
        let block = &tree.nodes[value("block")];
        assert_eq!(slice(text, block.span), "!Sub |\n  {\"x\": 1}");
        assert_eq!(&text[block.content_start..block.span.end], "{\"x\": 1}");
        assert_eq!(block.tag, Some(NodeTag::Function("Fn::Sub".into())));
        let flow = &tree.nodes[value("flow")];
        assert_eq!(slice(text, flow.span), "&f [x, {k: v}]");
        assert!(flow.aliased && flow.is_flow());
        assert_eq!(&text[flow.content_start..flow.content_start + 1], "[");
        assert!(
            matches!(tree.nodes[value("ref")].kind, NodeKind::Alias(id) if id == value("flow"))
        );
        // JSON written as YAML: spaces after the brackets do not make a block collection.
        let text = "{ \"k\" : [ 1 ] , \"m\": { } }\n";
        let tree = parse(text).unwrap();
        let root = &tree.nodes[tree.documents[0]];
        assert!(root.is_flow());
        assert_eq!(slice(text, root.span), text.trim_end());
        let list = &tree.nodes[tree.get(tree.documents[0], "k").unwrap()];
        assert!(list.is_flow());
        assert_eq!(slice(text, list.span), "[ 1 ]");
    }

    #[test]
    fn documents_of_a_stream_and_errors_at_their_place() {
        let tree = parse("a: 1\n---\nb: 2\n--- !Ref x\n").unwrap();
        assert_eq!(tree.documents.len(), 3);
        let error = parse("a: 1\nb:\n\t- x\n").unwrap_err();
        assert_eq!(error.span.start, 9);
        assert!(
            error.message.starts_with("not valid YAML: "),
            "{}",
            error.message
        );
        let error = parse("é: *nope\n").unwrap_err();
        assert_eq!(error.span.start, "é: ".len());
    }

    #[test]
    fn char_offsets_become_byte_offsets_past_every_checkpoint() {
        let text = format!("{}k: v\n", "# é中\u{1F600}\n".repeat(100));
        let tree = parse(&text).unwrap();
        let value = tree.get(tree.documents[0], "k").unwrap();
        assert_eq!(slice(&text, tree.nodes[value].span), "v");
    }
}
