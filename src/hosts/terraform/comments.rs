//! `policylint: ignore[RULE] reason` comments in HCL, written `#`, `//` or `/* */`: a
//! comment line (nothing but indentation before the comment, and not inside a heredoc)
//! stands above the element that starts the next line that is neither blank nor a
//! comment: a block, an attribute, an object member (from its key), a list entry, or else
//! that line.

use super::{parse, span_of};
use crate::hosts::suppress::{self, Suppression};
use crate::source::Span;
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Body, Structure};
use memchr::memmem;

pub fn suppressions(text: &str) -> Vec<Suppression> {
    if memmem::find(text.as_bytes(), b"policylint:").is_none() {
        return Vec::new();
    }
    let Ok(body) = parse(text) else {
        return Vec::new();
    };
    let mut parts = Parts::default();
    parts.body(&body, 0);
    parts
        .elements
        .sort_by_key(|e| (e.start, std::cmp::Reverse(e.end)));
    let mut found = Vec::new();
    let mut line_start = 0;
    while line_start < text.len() {
        let line_end = text[line_start..]
            .find('\n')
            .map_or(text.len(), |i| line_start + i);
        let line = &text[line_start..line_end];
        let body = line.trim_start_matches([' ', '\t', '\u{feff}']);
        let at = line_start + (line.len() - body.len());
        let in_string = parts.strings.iter().any(|s| s.start < at && at < s.end);
        if !in_string
            && let Some(comment) = comment_text(body)
            && let Some(directive) = suppress::parse_directive(comment)
        {
            found.push(Suppression {
                comment: Span::new(at, at + body.trim_end().len()),
                target: next_element(text, line_end, &parts.elements),
                directive,
            });
        }
        line_start = line_end + 1;
    }
    found
}

/// What follows a comment's marker, when `line` (from its first non-blank byte) is one.
fn comment_text(line: &str) -> Option<&str> {
    let line = line.trim_end();
    if let Some(rest) = line.strip_prefix('#').or_else(|| line.strip_prefix("//")) {
        return Some(rest);
    }
    let rest = line.strip_prefix("/*")?;
    Some(rest.strip_suffix("*/").unwrap_or(rest))
}

/// The elements a comment can stand above, and the strings and heredocs a `#` may sit in.
#[derive(Default)]
struct Parts {
    elements: Vec<Span>,
    strings: Vec<Span>,
}

impl Parts {
    fn body(&mut self, body: &Body, depth: usize) {
        if depth > super::MAX_BLOCK_DEPTH {
            return;
        }
        for structure in body.iter() {
            self.elements.push(span_of(structure));
            match structure {
                Structure::Attribute(attribute) => self.expression(&attribute.value),
                Structure::Block(block) => self.body(&block.body, depth + 1),
            }
        }
    }

    fn expression(&mut self, expression: &Expression) {
        let span = span_of(expression);
        match expression {
            Expression::StringTemplate(_) | Expression::HeredocTemplate(_) => {
                self.strings.push(span)
            }
            Expression::Array(array) => {
                for item in array.iter() {
                    self.elements.push(span_of(item));
                    self.expression(item);
                }
            }
            Expression::Object(object) => {
                for (key, value) in object.iter() {
                    let start = span_of(key).start;
                    let end = span_of(value.expr()).end.max(start);
                    self.elements.push(Span::new(start, end));
                    self.expression(value.expr());
                }
            }
            Expression::FuncCall(call) => {
                for argument in call.args.iter() {
                    self.expression(argument);
                }
            }
            Expression::Parenthesis(inner) => self.expression(inner.inner()),
            _ => {}
        }
    }
}

/// The element the line after `line_end` (skipping blank and comment lines) starts, or
/// that line when no element starts there.
fn next_element(text: &str, line_end: usize, elements: &[Span]) -> Span {
    let mut at = line_end + 1;
    while at < text.len() {
        let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
        let line = &text[at..end];
        let body = line.trim_start_matches([' ', '\t']);
        if !body.trim().is_empty() && comment_text(body).is_none() {
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
