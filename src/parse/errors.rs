//! Explanations of a file that is not strict JSON. The parser's own messages are terse
//! ("Expected comma") and come with no advice, and it tolerates Unicode whitespace and raw
//! control characters that strict JSON forbids; the scans and translations here name the
//! problem and say how to fix it, and catch nesting too deep for the recursive parser
//! before it runs.

use super::{MAX_NESTING_DEPTH, SyntaxError};
use crate::source::Span;
use jsonc_parser::ParseStringErrorKind;
use jsonc_parser::errors::ParseErrorKind;

/// Finds nesting deeper than [`MAX_NESTING_DEPTH`] with a flat scan, before any recursive
/// code sees the text.
pub(super) fn nesting_error(body: &str, shift: usize) -> Option<SyntaxError> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, b) in body.bytes().enumerate() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_NESTING_DEPTH {
                    return Some(SyntaxError {
                        span: Span::new(i + shift, i + shift + 1),
                        message: format!("JSON nested more than {MAX_NESTING_DEPTH} levels deep"),
                        help:
                            "a policy nests a few levels; this file is not a policy or is damaged"
                                .into(),
                    });
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// What strict JSON forbids but the parser tolerates: Unicode whitespace and vertical tab
/// or form feed between tokens, raw control characters inside strings. Full-width
/// punctuation is named too, since it is a common copy-paste mistake in translated docs.
pub(super) fn leniency_error(body: &str, shift: usize) -> Option<SyntaxError> {
    let bytes = body.as_bytes();
    let mut in_string = false;
    let mut escaped = false;
    // Bytes, not chars: all but the non-ASCII characters between tokens are ASCII, and
    // decoding every character cost more than the rest of this scan.
    for (i, &b) in bytes.iter().enumerate() {
        let at = |len: usize| Span::new(i + shift, i + shift + len);
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                b'\n' | b'\r' => {
                    return Some(SyntaxError {
                        span: at(1),
                        message: "line break inside a string".into(),
                        help: "close the string on the line it starts, or write `\\n` for a line break inside it".into(),
                    });
                }
                0..0x20 => {
                    return Some(SyntaxError {
                        span: at(1),
                        message: format!("raw control character U+{b:04X} inside a string"),
                        help:
                            "JSON strings cannot hold raw control characters; write `\\t` for a tab"
                                .into(),
                    });
                }
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b' ' | b'\t' | b'\n' | b'\r' => {}
            0x0b | 0x0c => return Some(not_json_whitespace(b.into(), at(1))),
            0x80.. => {
                let c = body[i..].chars().next().expect("a character starts here");
                if c.is_whitespace() || c == '\u{feff}' {
                    return Some(not_json_whitespace(c, at(c.len_utf8())));
                }
                return None; // the parser reports it, with the hint below
            }
            _ => {}
        }
    }
    None
}

fn not_json_whitespace(c: char, span: Span) -> SyntaxError {
    SyntaxError {
        span,
        message: format!("{} is not JSON whitespace", describe_char(c)),
        help: "JSON allows only space, tab, line feed and carriage return between tokens: replace it with plain spaces".into(),
    }
}

fn describe_char(c: char) -> String {
    let name = match c {
        '\u{a0}' => " (no-break space)",
        '\u{3000}' => " (ideographic space)",
        '\u{2002}'..='\u{200a}' => " (typographic space)",
        '\u{feff}' => " (byte order mark)",
        '\u{b}' => " (vertical tab)",
        '\u{c}' => " (form feed)",
        '\u{201c}' | '\u{201d}' => " (curly quotation mark)",
        '\u{ff0c}' => " (full-width comma)",
        '\u{ff1a}' => " (full-width colon)",
        _ => "",
    };
    format!("U+{:04X}{name}", c as u32)
}

pub(super) fn describe_parse_error(
    body: &str,
    shift: usize,
    error: &jsonc_parser::errors::ParseError,
) -> SyntaxError {
    let range = error.range();
    let start = range.start.min(body.len());
    let end = range.end.clamp(start, body.len());
    let found = body[start..].chars().next();
    let span = Span::new(
        start + shift,
        end.max(start + found.map_or(0, char::len_utf8)) + shift,
    );
    let (message, help) = match error.kind() {
        ParseErrorKind::CommentsNotAllowed => (
            "comments are not allowed in JSON".to_string(),
            "remove the comment; RAM rejects policies with comments (keep notes in a `Sid` or in a separate file)".to_string(),
        ),
        ParseErrorKind::TrailingCommasNotAllowed => (
            "trailing comma before a closing bracket".to_string(),
            "remove the comma after the last element".to_string(),
        ),
        ParseErrorKind::SingleQuotedStringsNotAllowed => (
            "single-quoted string".to_string(),
            "JSON strings use double quotes: `\"oss:GetObject\"`".to_string(),
        ),
        ParseErrorKind::ExpectedComma => (
            "missing comma between two elements".to_string(),
            "add a comma after the previous element".to_string(),
        ),
        ParseErrorKind::NestingDepthExceeded => (
            format!("JSON nested more than {MAX_NESTING_DEPTH} levels deep"),
            "a policy nests a few levels; this file is not a policy or is damaged".to_string(),
        ),
        ParseErrorKind::String(
            ParseStringErrorKind::InvalidEscape
            | ParseStringErrorKind::InvalidEscapeInDoubleQuoteString
            | ParseStringErrorKind::InvalidEscapeInSingleQuoteString,
        ) => (
            "invalid escape sequence in a string".to_string(),
            "JSON strings allow only `\\\\`, `\\\"`, `\\/`, `\\b`, `\\f`, `\\n`, `\\r`, `\\t` and `\\uXXXX`: double the backslash to keep it"
                .to_string(),
        ),
        ParseErrorKind::String(ParseStringErrorKind::UnterminatedStringLiteral) => (
            "string not closed before the end of the file".to_string(),
            "add the closing `\"`".to_string(),
        ),
        ParseErrorKind::MultipleRootJsonValues => (
            "text after the end of the JSON value".to_string(),
            "a policy file holds exactly one JSON object; remove what follows it".to_string(),
        ),
        kind => {
            let mut message = lowercase_first(&kind.to_string());
            let help = match found {
                Some(c @ ('\u{201c}' | '\u{201d}' | '\u{2018}' | '\u{2019}')) => {
                    message = format!("{} instead of a straight double quote", describe_char(c));
                    "replace curly quotes with `\"`; they often come from word processors".to_string()
                }
                Some(c @ ('\u{ff0c}' | '\u{ff1a}' | '\u{3001}')) => {
                    message = format!("{} instead of ASCII punctuation", describe_char(c));
                    "replace full-width punctuation with `,` or `:`".to_string()
                }
                Some('\\') => "a backslash outside a string: remove it (Markdown escapes such as `\\[` do not belong in JSON)".to_string(),
                Some('$') => "template interpolation such as `${...}` is not JSON; render the template first, or lint the rendered policy".to_string(),
                _ => "check the text just before this point for a missing or extra bracket, quote or comma".to_string(),
            };
            (message, help)
        }
    };
    SyntaxError {
        span,
        message,
        help,
    }
}

fn lowercase_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}
