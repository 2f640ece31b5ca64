//! HCL strings and heredocs read as the text Terraform makes of them, with a map back to
//! every host byte: quoted strings through their escapes (`\"`, `\n`, `\u00e9`,
//! `\U0001F600`, `$${`, `%%{`), heredocs through their escapes and, for `<<-`, the
//! indentation Terraform strips from each line (as `hcl-edit` strips it: the least
//! leading whitespace of the lines that start a line, a line after an interpolation
//! excepted). `hcl-edit` gives each literal part's host range; the bytes of each are read
//! again here to map them one by one.
//!
//! An interpolation `${...}` is copied as written (then masked by `json::mask_expressions`
//! where a JSON string cannot hold it), and a directive `%{ if }...%{ endif }` becomes a
//! `${...}` of the same length: both are template values the rules never judge. Where a
//! directive stands for members of an object or entries of a list, the JSON with the
//! directive read as a string does not parse: it is read again with the directive left
//! out (blank), and a text that parses neither way is no document at all.

use crate::hosts::json;
use crate::hosts::span_map::SpanMap;
use crate::source::Span;
use hcl_edit::Span as _;
use hcl_edit::template::{Element, Template};

/// How a template is written in the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Quoted,
    /// A heredoc; `indent` is what `<<-` strips from each line (none for `<<`).
    Heredoc {
        indent: usize,
    },
}

/// A template read as text: what Terraform makes of it, masked for JSON.
pub struct Read {
    pub text: String,
    pub map: SpanMap,
    pub masked: Vec<Span>,
}

/// What a directive becomes in the text.
#[derive(Clone, Copy, PartialEq, Eq)]
enum DirectiveAs {
    Value,
    Blank,
}

/// The text of `template` (whose content is the host range `content`), masked for JSON.
/// `None` when a literal part does not read back as `hcl-edit` read it, or when its
/// directives leave no text that parses as JSON.
pub fn read(host: &str, template: &Template, content: Span, style: Style) -> Option<Read> {
    let has_directive = template.iter().any(Element::is_directive);
    let first = read_as(host, template, content, style, DirectiveAs::Value)?;
    if !has_directive || crate::parse::check_syntax(&first.text).is_ok() {
        return Some(first);
    }
    let blank = read_as(host, template, content, style, DirectiveAs::Blank)?;
    crate::parse::check_syntax(&blank.text)
        .is_ok()
        .then_some(blank)
}

/// The text of a quoted string without interpolations (its content is `content`).
pub fn read_plain(host: &str, content: Span) -> Option<Read> {
    let mut text = String::with_capacity(content.len());
    let mut map = SpanMap::default();
    decode_quoted(host, content, &mut text, &mut map)?;
    Some(masked(text, map))
}

fn masked(text: String, map: SpanMap) -> Read {
    let masked = json::mask_expressions(&text, true);
    let spans = masked.spans;
    let text = match masked.text {
        std::borrow::Cow::Owned(masked) => masked,
        std::borrow::Cow::Borrowed(_) => text,
    };
    Read {
        text,
        map,
        masked: spans,
    }
}

fn read_as(
    host: &str,
    template: &Template,
    content: Span,
    style: Style,
    directives: DirectiveAs,
) -> Option<Read> {
    let mut text = String::with_capacity(content.len());
    let mut map = SpanMap::default();
    // Whether the next literal continues a line an interpolation or directive began: its
    // first line keeps its indentation.
    let mut mid_line = false;
    for element in template.iter() {
        let span = element_span(element)?;
        match element {
            Element::Literal(literal) => {
                let before = text.len();
                match style {
                    Style::Quoted => decode_quoted(host, span, &mut text, &mut map)?,
                    Style::Heredoc { indent } => {
                        decode_heredoc(host, span, indent, mid_line, &mut text, &mut map)
                    }
                }
                // Line breaks aside (a CRLF heredoc's `\r` is kept here, where `hcl-edit`
                // drops it), the text must be what the parser read.
                if !same_text(&text[before..], literal.value()) {
                    return None;
                }
                mid_line = !literal.value().ends_with('\n');
            }
            Element::Interpolation(_) => {
                text.push_str(&host[span.start..span.end]);
                map.push_opaque(span.len(), span);
                mid_line = true;
            }
            Element::Directive(_) => {
                let stand_in = match directives {
                    DirectiveAs::Value => format!("${{{}}}", "_".repeat(span.len() - 3)),
                    DirectiveAs::Blank => " ".repeat(span.len()),
                };
                text.push_str(&stand_in);
                map.push_opaque(stand_in.len(), span);
                mid_line = true;
            }
        }
    }
    Some(masked(text, map))
}

fn element_span(element: &Element) -> Option<Span> {
    let range = match element {
        Element::Literal(literal) => literal.span(),
        Element::Interpolation(interpolation) => interpolation.span(),
        Element::Directive(directive) => directive.span(),
    }?;
    Some(Span::new(range.start, range.end))
}

fn same_text(ours: &str, parsed: &str) -> bool {
    ours == parsed || (ours.contains('\r') && ours.replace("\r\n", "\n") == parsed)
}

/// Appends `text` standing for the host range `host` as a whole (an escape).
fn push_escape(text: &mut String, map: &mut SpanMap, decoded: &str, host: Span) {
    text.push_str(decoded);
    map.push_opaque(decoded.len(), host);
}

/// Decodes the literal at `span` of a quoted string.
fn decode_quoted(host: &str, span: Span, text: &mut String, map: &mut SpanMap) -> Option<()> {
    let bytes = host.as_bytes();
    let mut i = span.start;
    while i < span.end {
        let run_end =
            memchr::memchr3(b'\\', b'$', b'%', &bytes[i..span.end]).map_or(span.end, |k| i + k);
        if run_end > i {
            text.push_str(&host[i..run_end]);
            map.push_verbatim(run_end - i, i);
            i = run_end;
            continue;
        }
        let (decoded, len) = match bytes[i] {
            b'$' | b'%' => match template_escape(bytes, i, span.end) {
                (sign, 1) => {
                    text.push_str(&sign);
                    map.push_verbatim(1, i);
                    i += 1;
                    continue;
                }
                escape => escape,
            },
            _ => match *bytes.get(i + 1)? {
                b'n' => ('\n'.to_string(), 2),
                b'r' => ('\r'.to_string(), 2),
                b't' => ('\t'.to_string(), 2),
                b'"' => ('"'.to_string(), 2),
                b'\\' => ('\\'.to_string(), 2),
                b'u' => (hex_char(host, i + 2, 4)?.to_string(), 6),
                b'U' => (hex_char(host, i + 2, 8)?.to_string(), 10),
                _ => return None,
            },
        };
        push_escape(text, map, &decoded, Span::new(i, i + len));
        i += len;
    }
    Some(())
}

/// `$${` and `%%{` are a literal `${` and `%{`; any other `$` or `%` is itself.
fn template_escape(bytes: &[u8], at: usize, end: usize) -> (String, usize) {
    let sign = bytes[at];
    if at + 3 <= end && bytes[at + 1] == sign && bytes[at + 2] == b'{' {
        (format!("{}{{", sign as char), 3)
    } else {
        ((sign as char).to_string(), 1)
    }
}

fn hex_char(host: &str, at: usize, digits: usize) -> Option<char> {
    let hex = host.get(at..at + digits)?;
    char::from_u32(u32::from_str_radix(hex, 16).ok()?)
}

/// Decodes the literal at `span` of a heredoc: each line without the `indent` characters
/// `<<-` strips (not the first line when it continues one), `$${` and `%%{` unescaped.
fn decode_heredoc(
    host: &str,
    span: Span,
    indent: usize,
    mid_line: bool,
    text: &mut String,
    map: &mut SpanMap,
) {
    let mut line_start = span.start;
    let mut first = true;
    while line_start < span.end {
        let line_end = memchr::memchr(b'\n', &host.as_bytes()[line_start..span.end])
            .map_or(span.end, |k| line_start + k + 1);
        let line = &host[line_start..line_end];
        let mut from = line_start;
        let content = line.trim_end_matches('\n').trim_end_matches('\r');
        if indent > 0 && !(first && mid_line) && !content.is_empty() {
            from += content
                .char_indices()
                .nth(indent)
                .map_or(content.len(), |(at, _)| at);
        }
        decode_heredoc_run(host, Span::new(from, line_end), text, map);
        line_start = line_end;
        first = false;
    }
}

fn decode_heredoc_run(host: &str, span: Span, text: &mut String, map: &mut SpanMap) {
    let bytes = host.as_bytes();
    let mut i = span.start;
    while i < span.end {
        let run_end = memchr::memchr2(b'$', b'%', &bytes[i..span.end]).map_or(span.end, |k| i + k);
        if run_end > i {
            text.push_str(&host[i..run_end]);
            map.push_verbatim(run_end - i, i);
            i = run_end;
            continue;
        }
        let (decoded, len) = template_escape(bytes, i, span.end);
        if len == 1 {
            text.push_str(&decoded);
            map.push_verbatim(1, i);
        } else {
            push_escape(text, map, &decoded, Span::new(i, i + len));
        }
        i += len;
    }
}

/// `replacement` as the template writes it: escaped for a quoted string; for a heredoc,
/// each line break followed by the indentation `<<-` strips. `None` for text the template
/// cannot hold.
pub fn encode(style: Style, line_break: &str, replacement: &str) -> Option<String> {
    let escaped = replacement.replace("${", "$${").replace("%{", "%%{");
    match style {
        Style::Quoted => {
            let mut out = String::with_capacity(escaped.len());
            for c in escaped.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
                    c => out.push(c),
                }
            }
            Some(out)
        }
        Style::Heredoc { indent } => {
            if escaped
                .chars()
                .any(|c| (c.is_control() && c != '\n' && c != '\t') || c == '\u{feff}')
            {
                return None;
            }
            let prefix = format!("{line_break}{}", " ".repeat(indent));
            Some(escaped.replace('\n', &prefix))
        }
    }
}
