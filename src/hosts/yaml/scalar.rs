//! YAML scalars both ways: what a plain scalar means (the YAML 1.2 core schema), the
//! value of a quoted or block scalar with a span map back into its host bytes, and how a
//! fix's new value is written so that it reads back as that value.

use super::super::span_map::SpanMap;
use crate::source::Span;
use saphyr_parser::ScalarStyle;

/// What a scalar stands for in JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    Null,
    Bool(bool),
    /// A number, as JSON writes it.
    Number(String),
    String,
}

impl Resolved {
    /// The JSON text of a value that is not a string.
    pub fn literal(&self) -> Option<&str> {
        match self {
            Resolved::Null => Some("null"),
            Resolved::Bool(true) => Some("true"),
            Resolved::Bool(false) => Some("false"),
            Resolved::Number(text) => Some(text),
            Resolved::String => None,
        }
    }
}

/// What an untagged plain scalar means in the YAML 1.2 core schema: `null`, `~` and the
/// empty scalar are null; `true`/`false` (three spellings each) booleans; decimal, `0o`
/// and `0x` integers and decimal floats numbers. Anything else, `2012-10-17` and `yes`
/// included (YAML 1.1 read those as a date and a boolean), is a string. `.inf` and
/// `.nan`, which JSON cannot hold, stay strings.
pub fn resolve_plain(value: &str) -> Resolved {
    match value {
        "" | "~" | "null" | "Null" | "NULL" => return Resolved::Null,
        "true" | "True" | "TRUE" => return Resolved::Bool(true),
        "false" | "False" | "FALSE" => return Resolved::Bool(false),
        _ => {}
    }
    let radix = |prefix: &str, radix: u32| {
        value
            .strip_prefix(prefix)
            .filter(|digits| !digits.is_empty())
            .and_then(|digits| u128::from_str_radix(digits, radix).ok())
            .map(|n| Resolved::Number(n.to_string()))
    };
    if let Some(number) = radix("0o", 8).or_else(|| radix("0x", 16)) {
        return number;
    }
    json_number(value).map_or(Resolved::String, Resolved::Number)
}

/// A decimal YAML number (`[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`) as JSON
/// writes it: no `+`, no leading zeros, a digit on each side of the point.
fn json_number(value: &str) -> Option<String> {
    let (sign, rest) = match value.as_bytes().first()? {
        b'-' => ("-", &value[1..]),
        b'+' => ("", &value[1..]),
        _ => ("", value),
    };
    let (mantissa, exponent) = match rest.find(['e', 'E']) {
        Some(at) => (&rest[..at], Some(&rest[at + 1..])),
        None => (rest, None),
    };
    let (whole, fraction) = match mantissa.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (mantissa, None),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole)
        || !fraction.is_none_or(digits)
        || (whole.is_empty() && fraction.is_none_or(str::is_empty))
    {
        return None;
    }
    let mut json = String::from(sign);
    let whole = whole.trim_start_matches('0');
    json.push_str(if whole.is_empty() { "0" } else { whole });
    if let Some(fraction) = fraction {
        json.push('.');
        json.push_str(if fraction.is_empty() { "0" } else { fraction });
    }
    if let Some(exponent) = exponent {
        let unsigned = exponent.strip_prefix(['-', '+']).unwrap_or(exponent);
        if unsigned.is_empty() || !digits(unsigned) {
            return None;
        }
        json.push('e');
        json.push_str(exponent);
    }
    Some(json)
}

/// What a scalar with the core schema tag `tag` (`!!str`, `!!int`...) stands for.
pub fn resolve_tagged(value: &str, tag: &str) -> Resolved {
    match tag {
        "null" | "bool" | "int" | "float" => match resolve_plain(value) {
            Resolved::Null if tag == "null" => Resolved::Null,
            Resolved::Bool(b) if tag == "bool" => Resolved::Bool(b),
            Resolved::Number(n) if tag == "int" || tag == "float" => Resolved::Number(n),
            _ => Resolved::String,
        },
        _ => Resolved::String,
    }
}

/// `c` as a JSON string writes it, when it must be escaped.
pub fn json_escape(c: char) -> Option<String> {
    Some(match c {
        '"' => "\\\"".into(),
        '\\' => "\\\\".into(),
        '\n' => "\\n".into(),
        '\r' => "\\r".into(),
        '\t' => "\\t".into(),
        '\u{8}' => "\\b".into(),
        '\u{c}' => "\\f".into(),
        c if c < ' ' => format!("\\u{:04x}", c as u32),
        _ => return None,
    })
}

/// The lines of `host[span]`: each line's start, the end of its text and the end of its
/// line break (the next line's start).
fn lines(host: &str, span: Span) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
    let mut at = span.start;
    std::iter::from_fn(move || {
        if at > span.end || (at == span.end && at != span.start) {
            return None;
        }
        let start = at;
        let (text_end, next) = match memchr::memchr(b'\n', &host.as_bytes()[start..span.end]) {
            Some(i) => {
                let newline = start + i;
                let text_end = if newline > start && host.as_bytes()[newline - 1] == b'\r' {
                    newline - 1
                } else {
                    newline
                };
                (text_end, newline + 1)
            }
            None => (span.end, span.end + 1),
        };
        at = next;
        Some((start, text_end, next.min(span.end)))
    })
}

/// A decoded string scalar and its map, built piece by piece.
#[derive(Default)]
struct Decoded {
    text: String,
    map: SpanMap,
}

impl Decoded {
    fn verbatim(&mut self, host: &str, span: Span) {
        self.text.push_str(&host[span.start..span.end]);
        self.map.push_verbatim(span.len(), span.start);
    }

    fn opaque(&mut self, text: &str, host: Span) {
        self.text.push_str(text);
        self.map.push_opaque(text.len(), host);
    }
}

/// How a string scalar holding a document is laid out in its host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockLayout {
    /// The indentation of its content lines (block scalars), in spaces.
    pub indent: usize,
}

/// The value of the string scalar `host[content]` (quotes included) with its map into the
/// host, when reading it here gives the parser's `parsed` value (leading and trailing line
/// breaks aside: they are whitespace to JSON). `None` for a layout not read here.
pub fn decode(
    host: &str,
    content: Span,
    style: ScalarStyle,
    parsed: &str,
) -> Option<(String, SpanMap, BlockLayout)> {
    let (decoded, layout) = match style {
        ScalarStyle::Literal | ScalarStyle::Folded => decode_block(host, content, style)?,
        ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => (
            decode_quoted(host, content, style)?,
            BlockLayout { indent: 0 },
        ),
        ScalarStyle::Plain => return None,
    };
    (decoded.text.trim_matches('\n') == parsed.trim_matches('\n')).then_some((
        decoded.text,
        decoded.map,
        layout,
    ))
}

/// A literal or folded block scalar's lines, their indentation taken off; line breaks
/// between them as the style reads them. `content` starts at its first content character.
/// Each line is a verbatim piece (the indentation before it a gap in the host); a line
/// feed kept as it is is verbatim too, anything else (a folded break, CRLF, blank lines)
/// an opaque piece.
fn decode_block(host: &str, content: Span, style: ScalarStyle) -> Option<(Decoded, BlockLayout)> {
    let bytes = host.as_bytes();
    let line_start = host[..content.start].rfind('\n').map_or(0, |i| i + 1);
    let indent = content.start - line_start;
    if !bytes[line_start..content.start].iter().all(|&b| b == b' ') {
        return None;
    }
    // The last line runs to its line break: trailing spaces are content.
    let end = content.end
        + bytes[content.end..]
            .iter()
            .take_while(|&&b| b == b' ' || b == b'\t')
            .count();
    let mut decoded = Decoded::default();
    // Whether the previous text line was a "normal" one (folded styles join those), and
    // where its text ended.
    let mut previous: Option<(bool, usize)> = None;
    let mut blank_lines = 0;
    for (start, text_end, _) in lines(host, Span::new(line_start, end)) {
        let spaces = bytes[start..text_end]
            .iter()
            .take_while(|&&b| b == b' ')
            .count();
        if start + spaces == text_end && spaces <= indent {
            blank_lines += 1;
            continue;
        }
        if spaces < indent {
            return None;
        }
        let text_start = start + indent;
        let normal = !matches!(bytes[text_start], b' ' | b'\t');
        if let Some((previous_normal, previous_end)) = previous {
            let folded = style == ScalarStyle::Folded && previous_normal && normal;
            let separator = match (folded, blank_lines) {
                (true, 0) => " ".to_string(),
                (true, n) => "\n".repeat(n),
                (false, n) => "\n".repeat(n + 1),
            };
            if separator == "\n" && bytes[previous_end] == b'\n' {
                decoded.verbatim(host, Span::new(previous_end, previous_end + 1));
            } else {
                decoded.opaque(&separator, Span::new(previous_end, text_start));
            }
        }
        decoded.verbatim(host, Span::new(text_start, text_end));
        previous = Some((normal, text_end));
        blank_lines = 0;
    }
    Some((decoded, BlockLayout { indent }))
}

/// A single- or double-quoted scalar's value: escapes (`''`; `\"`, `\n`, `\u00e9`...) and
/// folded line breaks each stand for their host bytes as a whole.
fn decode_quoted(host: &str, content: Span, style: ScalarStyle) -> Option<Decoded> {
    let bytes = host.as_bytes();
    let inner = Span::new(content.start + 1, content.end.checked_sub(1)?);
    let mut decoded = Decoded::default();
    let mut at = inner.start;
    while at < inner.end {
        let run_end = bytes[at..inner.end]
            .iter()
            .position(|&b| matches!(b, b'\'' | b'\\' | b'\n' | b'\r' | b' ' | b'\t'))
            .map_or(inner.end, |i| at + i);
        if run_end > at {
            decoded.verbatim(host, Span::new(at, run_end));
            at = run_end;
            continue;
        }
        match bytes[at] {
            b'\'' if style == ScalarStyle::SingleQuoted => {
                decoded.opaque("'", Span::new(at, at + 2));
                at += 2;
            }
            b'\\' if style == ScalarStyle::DoubleQuoted => {
                if matches!(bytes.get(at + 1), Some(b'\n' | b'\r')) {
                    // An escaped line break: nothing, nor the next line's indentation.
                    let next = skip_break_and_indentation(bytes, at + 1, inner.end);
                    decoded.map.push_opaque(0, Span::new(at, next));
                    at = next;
                    continue;
                }
                let (c, len) = double_quoted_escape(&host[at..inner.end])?;
                decoded.opaque(c.encode_utf8(&mut [0; 4]), Span::new(at, at + len));
                at += len;
            }
            b' ' | b'\t' => {
                let white_end = bytes[at..inner.end]
                    .iter()
                    .position(|&b| b != b' ' && b != b'\t')
                    .map_or(inner.end, |i| at + i);
                if matches!(bytes.get(white_end), Some(b'\n' | b'\r')) && white_end < inner.end {
                    // Spaces before a line break are folded away with it.
                    let (text, next) = fold_breaks(bytes, white_end, inner.end);
                    decoded.opaque(&text, Span::new(at, next));
                    at = next;
                } else {
                    decoded.verbatim(host, Span::new(at, white_end));
                    at = white_end;
                }
            }
            b'\n' | b'\r' => {
                let (text, next) = fold_breaks(bytes, at, inner.end);
                decoded.opaque(&text, Span::new(at, next));
                at = next;
            }
            _ => {
                decoded.verbatim(host, Span::new(at, at + 1));
                at += 1;
            }
        }
    }
    Some(decoded)
}

/// Past a line break and the spaces and tabs that indent the next line.
fn skip_break_and_indentation(bytes: &[u8], mut at: usize, limit: usize) -> usize {
    if bytes.get(at) == Some(&b'\r') {
        at += 1;
    }
    if bytes.get(at) == Some(&b'\n') {
        at += 1;
    }
    at + bytes[at..limit]
        .iter()
        .take_while(|b| matches!(b, b' ' | b'\t'))
        .count()
}

/// Line folding in a flow scalar: one line break is a space, `n` breaks in a row (blank
/// lines between) are `n - 1` line feeds. Returns the text and where the next line's
/// content starts.
fn fold_breaks(bytes: &[u8], mut at: usize, limit: usize) -> (String, usize) {
    let mut breaks = 0;
    while at < limit && matches!(bytes[at], b'\n' | b'\r') {
        at = skip_break_and_indentation(bytes, at, limit);
        breaks += 1;
    }
    let text = if breaks == 1 {
        " ".to_string()
    } else {
        "\n".repeat(breaks - 1)
    };
    (text, at)
}

/// The character a double-quoted escape (`text` starts at its backslash) stands for, and
/// the escape's length.
fn double_quoted_escape(text: &str) -> Option<(char, usize)> {
    let hex = |len: usize| {
        let digits = text.get(2..2 + len)?;
        char::from_u32(u32::from_str_radix(digits, 16).ok()?).map(|c| (c, 2 + len))
    };
    let c = match *text.as_bytes().get(1)? {
        b'0' => '\0',
        b'a' => '\u{7}',
        b'b' => '\u{8}',
        b't' | b'\t' => '\t',
        b'n' => '\n',
        b'v' => '\u{b}',
        b'f' => '\u{c}',
        b'r' => '\r',
        b'e' => '\u{1b}',
        b' ' => ' ',
        b'"' => '"',
        b'/' => '/',
        b'\\' => '\\',
        b'N' => '\u{85}',
        b'_' => '\u{a0}',
        b'L' => '\u{2028}',
        b'P' => '\u{2029}',
        b'x' => return hex(2),
        b'u' => return hex(4),
        b'U' => return hex(8),
        _ => return None,
    };
    Some((c, 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_scalars_resolve_as_the_core_schema_says() {
        for (text, json) in [
            ("1", "1"),
            ("-5", "-5"),
            ("+7", "7"),
            ("007", "7"),
            ("1.5", "1.5"),
            (".5", "0.5"),
            ("1.", "1.0"),
            ("2e3", "2e3"),
            ("-1.5E-3", "-1.5e-3"),
            ("0o17", "15"),
            ("0x1F", "31"),
        ] {
            assert_eq!(resolve_plain(text), Resolved::Number(json.into()), "{text}");
            assert!(serde_json::from_str::<f64>(json).is_ok(), "{json}");
        }
        for text in [
            "2012-10-17",
            "yes",
            "on",
            "1.2.3",
            ".inf",
            ".nan",
            "0x",
            "e5",
            "1e",
            "-",
            ".",
        ] {
            assert_eq!(resolve_plain(text), Resolved::String, "{text}");
        }
        assert_eq!(resolve_plain(""), Resolved::Null);
        assert_eq!(resolve_plain("~"), Resolved::Null);
        assert_eq!(resolve_plain("TRUE"), Resolved::Bool(true));
        assert_eq!(resolve_plain("False"), Resolved::Bool(false));
        assert_eq!(resolve_tagged("1", "str"), Resolved::String);
        assert_eq!(resolve_tagged("1", "int"), Resolved::Number("1".into()));
    }

    fn decoded(host: &str, style: ScalarStyle) -> (String, SpanMap) {
        let start = host.find(['\'', '"', '{']).unwrap();
        let content = Span::new(start, host.trim_end().len());
        let (text, map, _) = decode_any(host, content, style).unwrap();
        (text, map)
    }

    fn decode_any(
        host: &str,
        content: Span,
        style: ScalarStyle,
    ) -> Option<(String, SpanMap, BlockLayout)> {
        let (decoded, layout) = match style {
            ScalarStyle::Literal | ScalarStyle::Folded => decode_block(host, content, style)?,
            _ => (
                decode_quoted(host, content, style)?,
                BlockLayout { indent: 0 },
            ),
        };
        Some((decoded.text, decoded.map, layout))
    }

    #[test]
    fn quoted_scalars_decode_with_a_map_through_escapes_and_folds() {
        let host = r#"k: "{\"a\": \"caf\u00e9\",\x20
    \"b\": 1}""#;
        let (text, map) = decoded(host, ScalarStyle::DoubleQuoted);
        assert_eq!(text, "{\"a\": \"café\",  \"b\": 1}");
        let at = |s: &str| text.find(s).unwrap();
        let host_of = |s: &str| {
            let span = map.map_span(Span::new(at(s), at(s) + s.len()));
            &host[span.start..span.end]
        };
        assert_eq!(host_of("é"), "\\u00e9");
        assert_eq!(host_of("\"b\""), "\\\"b\\\"");
        assert_eq!(host_of("1}"), "1}");
        let host = "k: '{\"it''s\":\n\n   1}'";
        let (text, _) = decoded(host, ScalarStyle::SingleQuoted);
        assert_eq!(text, "{\"it's\":\n1}");
    }

    #[test]
    fn block_scalars_decode_line_by_line() {
        let host = "k: |\r\n  {\r\n    \"a\": 1\r\n\r\n  }\r\n";
        let start = host.find('{').unwrap();
        let end = host.rfind('}').unwrap() + 1;
        let (text, map, layout) =
            decode_any(host, Span::new(start, end), ScalarStyle::Literal).unwrap();
        assert_eq!(text, "{\n  \"a\": 1\n\n}");
        assert_eq!(layout.indent, 2);
        let a = text.find("\"a\"").unwrap();
        let span = map.map_span(Span::new(a, a + 3));
        assert_eq!(&host[span.start..span.end], "\"a\"");
        let host = "k: >\n  one\n  two\n\n  three\n    more\n  end\n";
        let start = host.find("one").unwrap();
        let end = host.rfind("end").unwrap() + 3;
        let (text, _, _) = decode_any(host, Span::new(start, end), ScalarStyle::Folded).unwrap();
        assert_eq!(text, "one two\nthree\n  more\nend");
    }
}
