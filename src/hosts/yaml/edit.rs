//! Fixes written into YAML. A fix edits the synthesized JSON; the layout says what each
//! edited range is in the YAML, and the edit is written as YAML would be by hand:
//! - a scalar replaced by a string: the new string in the old one's quoting when that can
//!   hold it, plain when plain reads back as the same string, quoted otherwise;
//! - an entry deleted with its separator: in block style the entry's whole lines (its
//!   trailing comment included), or for the first entry from it to the next one; in flow
//!   style the span map's range (`, b` or `a, `);
//! - a member inserted first in a mapping (`"Version": "1", `): a `Version: '1'` line at the
//!   first key's column, or `Version: '1', ` in flow style;
//! - a value appended to a sequence (`, {...}`): a new `- {...}` entry in flow style.
//!
//! Anything else, and any edit touching an alias, a merged member, a node an alias repeats
//! or a template function, cannot be written exactly: `None`, and the fix is shown as help.
//! Every edit is verified afterwards by reading the YAML again (`reextract`).

use super::synth::{Container, Layout};
use super::tree::dash_before;
use super::write::{write_flow, write_json, write_scalar};
use crate::diagnostic::Edit;
use crate::hosts::Document;
use crate::source::Span;
use saphyr_parser::ScalarStyle;

pub fn host_edit(
    host: &str,
    document: &Document,
    layout: &Layout,
    line_break: &str,
    edit: &Edit,
) -> Option<Edit> {
    let span = edit.span;
    let touches_frozen = layout.frozen.iter().any(|f| {
        if span.is_empty() {
            f.start < span.start && span.start < f.end
        } else {
            span.start < f.end && f.start < span.end
        }
    });
    if touches_frozen {
        return None;
    }
    if edit.replacement.is_empty() {
        delete(host, document, layout, span)
    } else if span.is_empty() {
        insert(host, layout, line_break, span.start, &edit.replacement)
    } else {
        replace(layout, span, &edit.replacement)
    }
}

/// A scalar (a key or a value) replaced by a JSON scalar.
fn replace(layout: &Layout, span: Span, replacement: &str) -> Option<Edit> {
    let index = layout.scalars.partition_point(|s| s.doc.start < span.start);
    let part = layout.scalars.get(index).filter(|s| s.doc == span)?;
    let value: serde_json::Value = serde_json::from_str(replacement).ok()?;
    let text = match value {
        serde_json::Value::String(s) => {
            let style = match part.style {
                ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => part.style,
                _ => ScalarStyle::Plain,
            };
            write_scalar(&s, style, part.in_flow)
        }
        serde_json::Value::Number(_) | serde_json::Value::Bool(_) | serde_json::Value::Null
            if !part.is_key =>
        {
            value.to_string()
        }
        _ => return None,
    };
    Some(Edit::replace(part.host, text))
}

/// The innermost container whose document range holds `span`.
fn container_of(layout: &Layout, span: Span) -> Option<&Container> {
    let after = layout
        .containers
        .partition_point(|c| c.doc.start <= span.start);
    layout.containers[..after]
        .iter()
        .rev()
        .find(|c| c.doc.start <= span.start && span.end <= c.doc.end)
}

/// Where an entry starts in the host: a block sequence entry at its `-`.
fn entry_start(host: &str, container: &Container, item_start: usize) -> usize {
    if container.mapping || container.flow {
        item_start
    } else {
        dash_before(host, item_start).unwrap_or(item_start)
    }
}

/// An entry deleted with one separator: `[previous end, entry end)` or `[first start,
/// second start)` in the document.
fn delete(host: &str, document: &Document, layout: &Layout, span: Span) -> Option<Edit> {
    let container = container_of(layout, span)?;
    let items = &container.items;
    let index =
        if items.len() >= 2 && items[0].doc.start == span.start && items[1].doc.start == span.end {
            0
        } else {
            (1..items.len())
                .find(|&k| items[k - 1].doc.end == span.start && items[k].doc.end == span.end)?
        };
    if container.flow {
        return Some(Edit::delete(document.map.map_span(span)));
    }
    let start = entry_start(host, container, items[index].host.start);
    if index == 0 {
        let next = entry_start(host, container, items[1].host.start);
        return Some(Edit::delete(Span::new(start, next)));
    }
    match whole_lines(host, Span::new(start, items[index].host.end)) {
        Some(lines) => Some(Edit::delete(lines)),
        None => Some(Edit::delete(Span::new(
            items[index - 1].host.end,
            items[index].host.end,
        ))),
    }
}

/// The lines `span` covers, from the start of its first line to past the line break after
/// it, when nothing but indentation comes before it and nothing but spaces and a comment
/// after it.
fn whole_lines(host: &str, span: Span) -> Option<Span> {
    let line_start = host[..span.start].rfind('\n').map_or(0, |i| i + 1);
    if !host[line_start..span.start]
        .bytes()
        .all(|b| b == b' ' || b == b'\t')
    {
        return None;
    }
    let rest = &host[span.end..];
    let line_end = rest.find('\n').map_or(host.len(), |i| span.end + i + 1);
    let tail = host[span.end..line_end].trim_start_matches([' ', '\t']);
    (tail.is_empty() || tail.starts_with('#') || tail.trim_end().is_empty())
        .then_some(Span::new(line_start, line_end))
}

/// A member inserted before a mapping's first one, or a value after a sequence's last.
fn insert(
    host: &str,
    layout: &Layout,
    line_break: &str,
    at: usize,
    replacement: &str,
) -> Option<Edit> {
    let trimmed = replacement.trim();
    match trimmed.strip_suffix(',') {
        Some(member) => insert_member(host, layout, line_break, at, member),
        None => append_value(host, layout, line_break, at, trimmed.strip_prefix(',')?),
    }
}

/// `"key": value` inserted before the first member of the mapping whose first member
/// starts at `at`.
fn insert_member(
    host: &str,
    layout: &Layout,
    line_break: &str,
    at: usize,
    member: &str,
) -> Option<Edit> {
    let container = layout
        .containers
        .iter()
        .find(|c| c.mapping && c.items.first().is_some_and(|i| i.doc.start == at))?;
    let object: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&format!("{{{member}}}")).ok()?;
    let [(key, value)] = object.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    let first = container.items[0].host.start;
    let text = if container.flow && written_as_json(host, first) {
        let member = serde_json::json!({ key: value });
        let member = write_json(&member);
        format!("{}, ", &member[1..member.len() - 1])
    } else if container.flow {
        let key = write_scalar(key, ScalarStyle::Plain, true);
        format!("{key}: {}, ", write_flow(value))
    } else {
        let key = write_scalar(key, ScalarStyle::Plain, false);
        let value = write_flow(value);
        format!(
            "{key}: {value}{line_break}{}",
            " ".repeat(super::column_of(host, first))
        )
    };
    Some(Edit::insert(first, text))
}

/// `value` appended after the last value of the sequence whose last value ends at `at`.
fn append_value(
    host: &str,
    layout: &Layout,
    line_break: &str,
    at: usize,
    value: &str,
) -> Option<Edit> {
    let container = layout
        .containers
        .iter()
        .find(|c| !c.mapping && c.items.last().is_some_and(|i| i.doc.end == at))?;
    let value: serde_json::Value = serde_json::from_str(value).ok()?;
    let last = container.items.last()?;
    let text = if container.flow && written_as_json(host, container.items[0].host.start) {
        format!(", {}", write_json(&value))
    } else if container.flow {
        format!(", {}", write_flow(&value))
    } else {
        let dash = entry_start(host, container, last.host.start);
        format!(
            "{line_break}{}- {}",
            " ".repeat(super::column_of(host, dash)),
            write_flow(&value)
        )
    };
    Some(Edit::insert(last.host.end, text))
}

/// Whether a flow collection is written as JSON: its first entry starts with a
/// double-quoted scalar (`{"Effect": ...`, `"oss:GetObject"`).
fn written_as_json(host: &str, first_entry: usize) -> bool {
    host[first_entry..]
        .trim_start_matches(|c: char| c == '{' || c == '[' || c.is_whitespace())
        .starts_with('"')
}
