//! JSON written from a YAML node that holds a policy, with its span map into the host and
//! a layout of what each part of the JSON is in the YAML (for fixes).
//!
//! Every scalar's content is `Verbatim` where the YAML bytes are its JSON bytes (a plain or
//! quoted scalar without escapes), `Opaque` otherwise. Punctuation is `Opaque` and stands
//! for the host bytes between the values it separates: `[`/`{` for the bytes from the
//! collection's start to its first entry (a block sequence's `- ` included), `, ` for the
//! bytes from the end of one entry's value to the start of the next entry, `: ` for those
//! between a key and its value, `]`/`}` for those from the last value to the collection's
//! end. Deleting `, "b"` from a document so deletes the YAML from the end of the previous
//! value to the end of `b`, and deleting `"a", ` the YAML from `a` to the next value.
//!
//! Short tags become the functions they abbreviate (`!Sub x` is `{"Fn::Sub": "x"}`, `!GetAtt
//! a.b` is `{"Fn::GetAtt": ["a", "b"]}`); an alias is the JSON of the node it names, one
//! opaque piece standing for `*name`; a merge key (`<<: *base`) brings the members of the
//! mappings it names that the mapping does not set itself. Aliases expand up to a budget:
//! a file whose aliases would grow past it is refused, never expanded exponentially.

use super::scalar::{self, Resolved};
use super::tree::{Node, NodeId, NodeKind, NodeTag, Tree};
use crate::hosts::span_map::SpanMap;
use crate::source::Span;
use saphyr_parser::ScalarStyle;

/// What each part of a synthesized document is in the YAML host: what a fix edits.
#[derive(Debug, Default)]
pub struct Layout {
    /// Every sequence and mapping, in document order.
    pub containers: Vec<Container>,
    /// Every scalar, in document order.
    pub scalars: Vec<ScalarPart>,
    /// Document ranges no fix may touch: alias expansions, merged members, nodes an alias
    /// repeats elsewhere, template functions.
    pub frozen: Vec<Span>,
}

#[derive(Debug)]
pub struct Container {
    pub doc: Span,
    pub mapping: bool,
    pub flow: bool,
    pub items: Vec<Item>,
}

/// An entry of a sequence (its value) or of a mapping (its key and value).
#[derive(Debug, Clone, Copy)]
pub struct Item {
    pub doc: Span,
    /// From the key (or the value, in a sequence) to the end of the value.
    pub host: Span,
}

#[derive(Debug, Clone, Copy)]
pub struct ScalarPart {
    /// The JSON value, quotes included.
    pub doc: Span,
    /// The YAML content without its properties, quotes included.
    pub host: Span,
    pub style: ScalarStyle,
    /// Inside a flow collection, where `,[]{}` end a plain scalar.
    pub in_flow: bool,
    pub is_key: bool,
}

pub struct Synthesis {
    pub text: String,
    pub map: SpanMap,
    pub layout: Layout,
}

/// Why a node could not be written as JSON: an alias that expands past the budget.
#[derive(Debug)]
pub struct TooLarge {
    pub at: Span,
}

enum Task {
    Node {
        id: NodeId,
        in_flow: bool,
        is_key: bool,
    },
    Punctuation(&'static str, Span),
    ItemStart(Option<usize>, Span),
    ItemEnd(Option<usize>),
    ContainerEnd(Option<usize>),
    /// A stretch written without pieces (an alias expansion, merged members) starts...
    StartOpaque(Span),
    /// ...and ends: one opaque piece then stands for the host range it started with.
    EndOpaque,
    /// A node no fix may touch ends; it started at this document offset.
    EndFrozen(usize),
}

struct Writer<'a> {
    host: &'a str,
    tree: &'a Tree<'a>,
    text: String,
    map: SpanMap,
    layout: Layout,
    /// Where each open stretch without pieces started in the document, and its host range.
    opaque: Vec<(usize, Span)>,
    tasks: Vec<Task>,
}

/// The JSON of the node `root`, refused once it grows past `budget` bytes (only aliases
/// can make it much longer than its host range).
pub fn synthesize(
    host: &str,
    tree: &Tree,
    root: NodeId,
    budget: usize,
) -> Result<Synthesis, TooLarge> {
    let mut writer = Writer {
        host,
        tree,
        text: String::new(),
        map: SpanMap::default(),
        layout: Layout::default(),
        opaque: Vec::new(),
        tasks: vec![Task::Node {
            id: root,
            in_flow: false,
            is_key: false,
        }],
    };
    while let Some(task) = writer.tasks.pop() {
        writer.run(task);
        if writer.text.len() > budget {
            let at = writer
                .opaque
                .first()
                .map_or(tree.nodes[root].span, |&(_, host)| host);
            return Err(TooLarge { at });
        }
    }
    writer.layout.frozen.sort_unstable();
    Ok(Synthesis {
        text: writer.text,
        map: writer.map,
        layout: writer.layout,
    })
}

/// The JSON text of a string.
fn json_string(value: &str) -> String {
    serde_json::to_string(value).expect("a string serializes")
}

impl Writer<'_> {
    fn recording(&self) -> bool {
        self.opaque.is_empty()
    }

    fn opaque(&mut self, text: &str, host: Span) {
        self.text.push_str(text);
        if self.recording() {
            self.map.push_opaque(text.len(), host);
        }
    }

    fn verbatim(&mut self, host: Span) {
        self.text.push_str(&self.host[host.start..host.end]);
        if self.recording() {
            self.map.push_verbatim(host.len(), host.start);
        }
    }

    fn run(&mut self, task: Task) {
        let recording = self.recording();
        let at = self.text.len();
        match task {
            Task::Node {
                id,
                in_flow,
                is_key,
            } => self.node(id, in_flow, is_key),
            Task::Punctuation(text, host) => self.opaque(text, host),
            Task::ItemStart(Some(container), host) if recording => {
                let doc = Span::new(at, at);
                self.layout.containers[container]
                    .items
                    .push(Item { doc, host });
            }
            Task::ItemEnd(Some(container)) if recording => {
                if let Some(item) = self.layout.containers[container].items.last_mut() {
                    item.doc.end = at;
                }
            }
            Task::ContainerEnd(Some(container)) if recording => {
                self.layout.containers[container].doc.end = at;
            }
            Task::StartOpaque(host) => self.start_opaque(host),
            Task::EndOpaque => {
                let (start, host) = self.opaque.pop().expect("a stretch was started");
                if self.recording() {
                    self.map.push_opaque(at - start, host);
                    self.layout.frozen.push(Span::new(start, at));
                }
            }
            Task::EndFrozen(start) if recording => {
                self.layout.frozen.push(Span::new(start, at));
            }
            Task::ItemStart(..) | Task::ItemEnd(_) | Task::ContainerEnd(_) | Task::EndFrozen(_) => {
            }
        }
    }

    /// Starts a stretch without pieces standing for `host`, ended by `Task::EndOpaque`.
    fn start_opaque(&mut self, host: Span) {
        self.opaque.push((self.text.len(), host));
    }

    fn node(&mut self, id: NodeId, in_flow: bool, is_key: bool) {
        let node = &self.tree.nodes[id];
        let function = match &node.tag {
            Some(NodeTag::Function(name)) if !is_key => Some(name.as_str()),
            _ => None,
        };
        if node.aliased || function.is_some() {
            self.tasks.push(Task::EndFrozen(self.text.len()));
        }
        if let Some(name) = function {
            let opening = format!("{{{}: ", json_string(name));
            self.opaque(&opening, Span::new(node.span.start, node.content_start));
            let end = Span::new(node.span.end, node.span.end);
            self.tasks.push(Task::Punctuation("}", end));
        }
        match &node.kind {
            NodeKind::Scalar { value, style } => {
                self.scalar(id, value, *style, in_flow, is_key, function);
            }
            NodeKind::Alias(target) => {
                self.tasks.push(Task::EndOpaque);
                self.tasks.push(Task::Node {
                    id: *target,
                    in_flow,
                    is_key,
                });
                self.tasks.push(Task::StartOpaque(node.span));
            }
            _ if is_key => {
                // A collection as a key: JSON keys are strings, so its YAML text is one.
                let key = json_string(&self.host[node.span.start..node.span.end]);
                self.opaque(&key, node.span);
            }
            NodeKind::Sequence { items, flow } => {
                let members = items.iter().map(|&v| Member::Entry(None, v)).collect();
                self.collection(
                    (outer_span(node, function), node.content_start),
                    *flow,
                    false,
                    members,
                );
            }
            NodeKind::Mapping { entries, flow } => {
                let members = self.mapping_members(entries);
                self.collection(
                    (outer_span(node, function), node.content_start),
                    *flow,
                    true,
                    members,
                );
            }
        }
    }

    /// A scalar: a string, or (plain and untagged, or with a core schema tag) a number,
    /// boolean or null. A key is always a string; a function's argument too, but for
    /// `!GetAtt a.b`, whose dotted name is the list `["a", "b"]`.
    fn scalar(
        &mut self,
        id: NodeId,
        value: &str,
        style: ScalarStyle,
        in_flow: bool,
        is_key: bool,
        function: Option<&str>,
    ) {
        let node = &self.tree.nodes[id];
        let content = Span::new(node.content_start, node.span.end);
        let outer = outer_span(node, function);
        let doc_start = self.text.len();
        if function == Some("Fn::GetAtt") {
            let (resource, attribute) = value.split_once('.').unwrap_or((value, ""));
            let list = format!("[{}, {}]", json_string(resource), json_string(attribute));
            self.opaque(&list, content);
            return;
        }
        let resolved = match (&node.tag, style) {
            _ if is_key || function.is_some() => Resolved::String,
            (Some(NodeTag::Core(tag)), _) => scalar::resolve_tagged(value, tag),
            (None, ScalarStyle::Plain) => scalar::resolve_plain(value),
            _ => Resolved::String,
        };
        match resolved.literal() {
            Some(literal) if self.host[content.start..content.end] == *literal => {
                self.verbatim(content);
            }
            Some(literal) => self.opaque(literal, outer),
            None => self.string(value, style, outer, content),
        }
        if self.recording() {
            self.layout.scalars.push(ScalarPart {
                doc: Span::new(doc_start, self.text.len()),
                host: content,
                style,
                in_flow,
                is_key,
            });
        }
    }

    /// A string as JSON: its characters verbatim where the YAML holds them as they are (a
    /// plain or quoted scalar without escapes), each character JSON escapes as an opaque
    /// piece; the whole value as one opaque piece otherwise (escapes, folded lines).
    fn string(&mut self, value: &str, style: ScalarStyle, outer: Span, content: Span) {
        let quoted = matches!(style, ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted);
        let inner = if quoted && content.len() >= 2 {
            Span::new(content.start + 1, content.end - 1)
        } else {
            content
        };
        self.opaque("\"", Span::new(outer.start, inner.start));
        let as_written = matches!(
            style,
            ScalarStyle::Plain | ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted
        ) && self.host[inner.start..inner.end] == *value;
        if as_written {
            let mut run_start = inner.start;
            for (offset, c) in value.char_indices() {
                let Some(escaped) = scalar::json_escape(c) else {
                    continue;
                };
                let at = inner.start + offset;
                self.verbatim(Span::new(run_start, at));
                self.opaque(&escaped, Span::new(at, at + c.len_utf8()));
                run_start = at + c.len_utf8();
            }
            self.verbatim(Span::new(run_start, inner.end));
        } else {
            let escaped = json_string(value);
            self.opaque(&escaped[1..escaped.len() - 1], inner);
        }
        self.opaque("\"", Span::new(inner.end, outer.end));
    }

    /// A mapping's members: its entries, each merge key (`<<: *base`, `<<: [*a, *b]`) as
    /// the members of the mappings it names that the mapping does not set itself.
    fn mapping_members(&self, entries: &[(NodeId, NodeId)]) -> Vec<Member> {
        let mut members = Vec::with_capacity(entries.len());
        for &(key, value) in entries {
            match self.merge_sources(key, value) {
                Some(sources) => {
                    let pairs = self.merge_pairs(&sources, entries);
                    // A merge that brings nothing writes nothing.
                    if !pairs.is_empty() {
                        let entry = Span::new(
                            self.tree.nodes[key].span.start,
                            self.tree.nodes[value].span.end,
                        );
                        members.push(Member::Merged(pairs, entry));
                    }
                }
                None => members.push(Member::Entry(Some(key), value)),
            }
        }
        members
    }

    /// The mappings a merge key's value names, when `key` is one.
    fn merge_sources(&self, key: NodeId, value: NodeId) -> Option<Vec<NodeId>> {
        let key_node = &self.tree.nodes[key];
        if key_node.tag.is_some() || key_node.scalar() != Some(("<<", ScalarStyle::Plain)) {
            return None;
        }
        let mapping_of = |id: NodeId| match self.tree.nodes[id].kind {
            NodeKind::Alias(target)
                if matches!(self.tree.nodes[target].kind, NodeKind::Mapping { .. }) =>
            {
                Some(target)
            }
            _ => None,
        };
        match &self.tree.nodes[value].kind {
            NodeKind::Alias(_) => Some(vec![mapping_of(value)?]),
            NodeKind::Sequence { items, .. } => items.iter().map(|&i| mapping_of(i)).collect(),
            _ => None,
        }
    }

    /// The members of `sources`, first one first, whose keys neither the mapping's own
    /// entries nor an earlier source set.
    fn merge_pairs(&self, sources: &[NodeId], own: &[(NodeId, NodeId)]) -> Vec<(NodeId, NodeId)> {
        let mut taken: Vec<&str> = own
            .iter()
            .filter_map(|&(k, _)| self.tree.text_of(k))
            .collect();
        let mut pairs = Vec::new();
        for &source in sources {
            let NodeKind::Mapping { entries, .. } = &self.tree.nodes[source].kind else {
                continue;
            };
            for &(k, v) in entries {
                let Some(name) = self.tree.text_of(k) else {
                    continue;
                };
                if !taken.contains(&name) {
                    taken.push(name);
                    pairs.push((k, v));
                }
            }
        }
        pairs
    }

    /// A sequence or mapping whose host range (its properties included, unless a function
    /// tag's piece stands for them) is `span`, its content starting at `content_start`.
    fn collection(
        &mut self,
        (span, content_start): (Span, usize),
        flow: bool,
        mapping: bool,
        members: Vec<Member>,
    ) {
        let container = self.recording().then(|| {
            let at = self.text.len();
            self.layout.containers.push(Container {
                doc: Span::new(at, at),
                mapping,
                flow,
                items: Vec::new(),
            });
            self.layout.containers.len() - 1
        });
        let nodes = &self.tree.nodes;
        let host_of = |member: &Member| match member {
            Member::Entry(key, value) => Span::new(
                nodes[key.unwrap_or(*value)].span.start,
                nodes[*value].span.end,
            ),
            Member::Merged(_, entry) => *entry,
        };
        let (Some(first), Some(last)) = (members.first(), members.last()) else {
            self.opaque(if mapping { "{}" } else { "[]" }, span);
            self.tasks.push(Task::ContainerEnd(container));
            return;
        };
        let (first, last) = (host_of(first), host_of(last));
        // A flow collection's brackets stand for themselves (and the properties before the
        // opening one); a block collection's for what lies before its first entry (a
        // block sequence's `- `) and nothing after its last.
        let (opening, closing) = if flow {
            let bracket = span.end.saturating_sub(1).max(last.end);
            (
                Span::new(
                    span.start,
                    (content_start + 1).clamp(span.start, first.start),
                ),
                Span::new(bracket, span.end.max(bracket)),
            )
        } else {
            (
                Span::new(span.start, first.start),
                Span::new(last.end, last.end),
            )
        };
        self.opaque(if mapping { "{" } else { "[" }, opening);
        self.tasks.push(Task::ContainerEnd(container));
        self.tasks
            .push(Task::Punctuation(if mapping { "}" } else { "]" }, closing));
        let hosts: Vec<Span> = members.iter().map(host_of).collect();
        for (i, member) in members.into_iter().enumerate().rev() {
            let item = hosts[i];
            self.tasks.push(Task::ItemEnd(container));
            match member {
                Member::Entry(key, value) => self.push_entry(key, value, flow),
                Member::Merged(pairs, entry) => self.push_merged(&pairs, entry, flow),
            }
            self.tasks.push(Task::ItemStart(container, item));
            if i > 0 {
                let previous_end = hosts[i - 1].end;
                let between = Span::new(previous_end, item.start.max(previous_end));
                self.tasks.push(Task::Punctuation(", ", between));
            }
        }
    }

    /// Pushes the tasks that write one entry (its key, if any, then its value).
    fn push_entry(&mut self, key: Option<NodeId>, value: NodeId, in_flow: bool) {
        self.tasks.push(Task::Node {
            id: value,
            in_flow,
            is_key: false,
        });
        if let Some(key) = key {
            let key_end = self.tree.nodes[key].span.end;
            let value_start = self.tree.nodes[value].span.start.max(key_end);
            self.tasks
                .push(Task::Punctuation(": ", Span::new(key_end, value_start)));
            self.tasks.push(Task::Node {
                id: key,
                in_flow,
                is_key: true,
            });
        }
    }

    /// Pushes the tasks that write merged members `"k": v, ...`, with no pieces of their
    /// own: one opaque piece stands for the merge entry.
    fn push_merged(&mut self, pairs: &[(NodeId, NodeId)], entry: Span, in_flow: bool) {
        self.tasks.push(Task::EndOpaque);
        for (i, &(key, value)) in pairs.iter().enumerate().rev() {
            self.push_entry(Some(key), value, in_flow);
            if i > 0 {
                self.tasks.push(Task::Punctuation(", ", entry));
            }
        }
        self.tasks.push(Task::StartOpaque(entry));
    }
}

/// A node's host range, its properties included unless the piece of its function tag
/// (`{"Fn::Sub": `) already stands for them.
fn outer_span(node: &Node, function: Option<&str>) -> Span {
    let start = if function.is_some() {
        node.content_start
    } else {
        node.span.start
    };
    Span::new(start, node.span.end)
}

/// What a collection writes for one of its entries.
enum Member {
    /// A sequence's value, or a mapping's key and value.
    Entry(Option<NodeId>, NodeId),
    /// The members a merge key brings, and the merge entry's host range.
    Merged(Vec<(NodeId, NodeId)>, Span),
}
