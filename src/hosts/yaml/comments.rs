//! `# policylint: ignore[RULE] reason` comments in YAML: a comment line (nothing but
//! indentation before its `#`, and not inside a scalar) stands above the element that
//! starts the next line that is neither blank nor a comment: a sequence entry (from its
//! `-`), a mapping entry (from its key), or else whatever node starts there.

use super::tree::{self, NodeKind, Tree, dash_before};
use crate::hosts::suppress::{self, Suppression};
use crate::source::Span;
use memchr::memmem;

pub fn suppressions(text: &str) -> Vec<Suppression> {
    if memmem::find(text.as_bytes(), b"policylint:").is_none() {
        return Vec::new();
    }
    let Ok(tree) = tree::parse(text) else {
        return Vec::new();
    };
    let elements = elements(text, &tree);
    let scalars: Vec<Span> = tree
        .nodes
        .iter()
        .filter(|n| n.scalar().is_some() && text[n.span.start..n.span.end].contains('\n'))
        .map(|n| n.span)
        .collect();
    let mut found = Vec::new();
    let mut line_start = 0;
    while line_start < text.len() {
        let line_end = text[line_start..]
            .find('\n')
            .map_or(text.len(), |i| line_start + i);
        let line = &text[line_start..line_end];
        let body = line.trim_start_matches([' ', '\t', '\u{feff}']);
        let hash = line_start + (line.len() - body.len());
        let in_scalar = scalars.iter().any(|s| s.start < hash && hash < s.end);
        if let (Some(comment), false) = (body.strip_prefix('#'), in_scalar)
            && let Some(directive) = suppress::parse_directive(comment)
        {
            let comment = Span::new(hash, hash + body.trim_end().len());
            let target = next_element(text, line_end, &elements);
            found.push(Suppression {
                comment,
                target,
                directive,
            });
        }
        line_start = line_end + 1;
    }
    found
}

/// Where each entry starts (a sequence entry at its `-`, a mapping entry at its key), and
/// where it ends; sorted by start.
fn elements(text: &str, tree: &Tree) -> Vec<Span> {
    let mut elements = Vec::new();
    for node in &tree.nodes {
        match &node.kind {
            NodeKind::Sequence { items, flow } => {
                for &item in items {
                    let span = tree.nodes[item].span;
                    let start = if *flow {
                        span.start
                    } else {
                        dash_before(text, span.start).unwrap_or(span.start)
                    };
                    elements.push(Span::new(start, span.end));
                }
            }
            NodeKind::Mapping { entries, .. } => {
                for &(key, value) in entries {
                    let start = tree.nodes[key].span.start;
                    elements.push(Span::new(start, tree.nodes[value].span.end.max(start)));
                }
            }
            _ => {}
        }
    }
    // Of two entries that start at one place (`- Effect: Allow`: the sequence entry and
    // the mapping's first entry), the sequence entry comes first and wins.
    elements.sort_by_key(|e| (e.start, std::cmp::Reverse(e.end)));
    elements
}

/// The element the line after `line_end` (skipping blank and comment lines) starts, or
/// that line when no element starts there.
fn next_element(text: &str, line_end: usize, elements: &[Span]) -> Span {
    let mut at = line_end + 1;
    while at < text.len() {
        let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
        let line = &text[at..end];
        let body = line.trim_start_matches([' ', '\t']);
        if !body.trim().is_empty() && !body.starts_with('#') {
            let start = at + (line.len() - body.len());
            let index = elements.partition_point(|e| e.start < start);
            return match elements.get(index) {
                Some(element) if element.start == start => *element,
                _ => Span::new(start, end),
            };
        }
        at = end + 1;
    }
    Span::new(text.len(), text.len())
}
