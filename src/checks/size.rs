//! Limits on the document as a whole.

use super::{CheckContext, opening};
use crate::diagnostic::Finding;
use crate::parse::{Node, NodeKind};
use crate::source::Span;

/// RAM's limit for a custom policy (and AWS's for a managed one).
pub const DEFAULT_MAX_CHARACTERS: usize = 6_144;

/// Characters of the document without the whitespace between tokens: the compact form
/// the service stores. A document longer than the limit in this form is too long however
/// the service counts. Works on bytes: the text parsed as strict JSON, so the only
/// whitespace between tokens is ASCII, and a character is a byte that does not continue a
/// UTF-8 sequence. Characters and whitespace are counted over the whole text in passes the
/// compiler vectorises; the whitespace inside strings, which counts, is added back from
/// the strings' spans in the tree.
pub fn compact_length(text: &str, root: &Node) -> usize {
    let bytes = text.as_bytes();
    let bom = text.len() - text.trim_start_matches('\u{feff}').len();
    let characters = count_where(&bytes[bom..], |b| b & 0xC0 != 0x80);
    characters - whitespace(bytes) + whitespace_in_strings(root, bytes)
}

fn whitespace(bytes: &[u8]) -> usize {
    // `|`, not `||` or `matches!`: no branch, so the count is vectorised.
    count_where(bytes, |b| {
        (b == b' ') | (b == b'\n') | (b == b'\r') | (b == b'\t')
    })
}

/// How many bytes satisfy `pick`, counted in byte-sized sums of up to 255 bytes, which the
/// compiler turns into wide vector additions (a `usize` sum takes eight times the lanes).
fn count_where(bytes: &[u8], pick: impl Fn(u8) -> bool) -> usize {
    bytes
        .chunks(255)
        .map(|chunk| usize::from(chunk.iter().fold(0u8, |n, &b| n + u8::from(pick(b)))))
        .sum()
}

/// Strict JSON escapes every control character in a string, so the only whitespace a
/// string can hold as it is written is the space.
fn whitespace_in_strings(node: &Node, text: &[u8]) -> usize {
    let spaces = |span: Span| memchr::memchr_iter(b' ', &text[span.start..span.end]).count();
    match &node.kind {
        NodeKind::String(_) => spaces(node.span),
        NodeKind::Array(items) => items
            .iter()
            .map(|item| whitespace_in_strings(item, text))
            .sum(),
        NodeKind::Object(members) => members
            .iter()
            .map(|m| spaces(m.key_span) + whitespace_in_strings(&m.value, text))
            .sum(),
        _ => 0,
    }
}

fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// PL108: a document longer than the service accepts. Option `max-characters` sets the limit.
pub fn policy_too_large(ctx: &CheckContext, out: &mut Vec<Finding>) {
    let limit = ctx
        .options
        .get("max-characters")
        .and_then(|v| v.as_integer())
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(DEFAULT_MAX_CHARACTERS);
    // Every character takes at least one byte.
    if ctx.text.len() <= limit {
        return;
    }
    let length = compact_length(ctx.text, ctx.root);
    if length <= limit {
        return;
    }
    out.push(
        Finding::new(
            opening(ctx.root),
            format!(
                "this policy is {} characters long without the whitespace between tokens; a custom policy holds at most {}",
                thousands(length),
                thousands(limit)
            ),
        )
        .help("split it into several policies by service or purpose, or shorten it: merge statements that share Effect and Resource, and use wildcards such as `ecs:Describe*` for long action lists"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compact(text: &str) -> usize {
        compact_length(
            text,
            &crate::parse::parse(text, &crate::parse::Arena::new())
                .expect("test text parses")
                .root,
        )
    }

    #[test]
    fn counts_characters_outside_whitespace_but_keeps_spaces_in_strings() {
        assert_eq!(
            compact("{ \"a b\" :\n\t[1, 2] }"),
            "{\"a b\":[1,2]}".chars().count()
        );
        assert_eq!(
            compact("\u{feff}{\"\\\" x\": \"\u{e9}\"}"),
            "{\"\\\" x\":\"\u{e9}\"}".chars().count()
        );
        assert_eq!(compact("[\"a\\\\\" , \" b \" ]"), 13);
        assert_eq!(thousands(6144), "6,144");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(thousands(12), "12");
    }

    /// The byte-by-byte count the faster one must agree with.
    fn compact_length_byte_by_byte(text: &str) -> usize {
        let is_char_start = |b: u8| b & 0xC0 != 0x80;
        let mut count = 0;
        let (mut in_string, mut escaped) = (false, false);
        for &b in text.trim_start_matches('\u{feff}').as_bytes() {
            if in_string {
                count += usize::from(is_char_start(b));
                match (escaped, b) {
                    (true, _) => escaped = false,
                    (false, b'\\') => escaped = true,
                    (false, b'"') => in_string = false,
                    _ => {}
                }
            } else if !matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
                count += usize::from(is_char_start(b));
                in_string = b == b'"';
            }
        }
        count
    }

    #[test]
    fn counts_as_a_byte_by_byte_walk_does_on_every_fixture() {
        let mut compared = 0;
        for (path, text) in crate::testing::fixture_texts() {
            let arena = crate::parse::Arena::new();
            let Ok(parsed) = crate::parse::parse(&text, &arena) else {
                continue;
            };
            assert_eq!(
                compact_length(&text, &parsed.root),
                compact_length_byte_by_byte(&text),
                "{}",
                path.display()
            );
            compared += 1;
        }
        assert!(compared > 700, "only {compared} fixtures compared");
    }
}
