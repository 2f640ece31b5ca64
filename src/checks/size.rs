//! Limits on the document as a whole.

use super::{CheckContext, opening};
use crate::diagnostic::Finding;

/// RAM's limit for a custom policy (and AWS's for a managed one).
pub const DEFAULT_MAX_CHARACTERS: usize = 6_144;

/// Characters of the document without the whitespace between tokens: the compact form
/// the service stores. A document longer than the limit in this form is too long however
/// the service counts. Works on bytes: the text parsed as strict JSON, so the only
/// whitespace between tokens is ASCII, and a character is a byte that does not continue a
/// UTF-8 sequence.
pub fn compact_length(text: &str) -> usize {
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
    let length = compact_length(ctx.text);
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

    #[test]
    fn counts_characters_outside_whitespace_but_keeps_spaces_in_strings() {
        assert_eq!(
            compact_length("{ \"a b\" :\n\t[1, 2] }"),
            "{\"a b\":[1,2]}".chars().count()
        );
        assert_eq!(
            compact_length("\u{feff}{\"\\\" x\": \"é\"}"),
            "{\"\\\" x\":\"é\"}".chars().count()
        );
        assert_eq!(thousands(6144), "6,144");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(thousands(12), "12");
    }
}
