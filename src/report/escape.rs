//! What a policy's text may not do to a terminal, a log or an editor: every human format
//! passes the texts it prints that come from a policy (messages, help, labels, paths, source
//! lines) through [`escape`], and so does the language server (messages, labels, fix titles,
//! hovers, config errors): the one place for the rule, so that no escape sequence (colours, cursor moves, an OSC 52
//! clipboard write, a terminal title) and no bidirectional override (text that reads in
//! another order than it runs, CVE-2021-42574) reaches the reader.
//!
//! How an escaped character looks: a line feed is `\n`, a carriage return `\r`, and every
//! other one is its code point in Rust's notation, `\u{1b}`, `\u{202e}`. A tab stays a tab.

use std::borrow::Cow;

/// Whether `c` is escaped: the C0 controls but tab, DEL, the C1 controls, and the
/// characters that change the direction of the text around them (embeddings, overrides,
/// isolates and marks).
pub fn is_unsafe(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{8}' | '\u{a}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        | '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Whether `bytes` may hold a character [`is_unsafe`] flags: a byte below space but tab,
/// DEL, or the lead byte of a character that might be one (C1 controls start with `0xC2`,
/// U+061C with `0xD8`, the others with `0xE2`). Most texts hold none, and are let through
/// after this one pass over their bytes.
fn may_hold_unsafe(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .any(|&b| (b < 0x20 && b != b'\t') || matches!(b, 0x7f | 0xc2 | 0xd8 | 0xe2))
}

/// `text` with each character [`is_unsafe`] flags written out visibly (see the module's
/// documentation); borrowed when there is none.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !may_hold_unsafe(text.as_bytes()) || !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        push_escaped(&mut escaped, c);
    }
    Cow::Owned(escaped)
}

/// [`escape`] for text of several lines (a hover's Markdown): its line feeds stay.
pub fn escape_keeping_lines(text: &str) -> String {
    text.split('\n').map(escape).collect::<Vec<_>>().join("\n")
}

/// Writes `c` to `out`, escaped if [`is_unsafe`] flags it.
pub fn push_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        c if is_unsafe(c) => {
            use std::fmt::Write;
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
        c => out.push(c),
    }
}

/// How many characters [`push_escaped`] writes for `c`.
pub fn escaped_width(c: char) -> usize {
    match c {
        '\n' | '\r' => 2,
        // `\u{` + hex digits + `}`
        c if is_unsafe(c) => 4 + format!("{:x}", c as u32).len(),
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_direction_changes_are_written_out() {
        assert_eq!(
            escape("a\u{1b}]52;c;aGk=\u{7}b"),
            "a\\u{1b}]52;c;aGk=\\u{7}b"
        );
        assert_eq!(escape("line\r\nnext"), "line\\r\\nnext");
        assert_eq!(
            escape("\u{0}\u{7f}\u{85}\u{9f}"),
            "\\u{0}\\u{7f}\\u{85}\\u{9f}"
        );
        assert_eq!(
            escape("x\u{202e}y\u{2066}z\u{2069}\u{200e}\u{200f}\u{61c}"),
            "x\\u{202e}y\\u{2066}z\\u{2069}\\u{200e}\\u{200f}\\u{61c}"
        );
        for c in ['\u{1b}', '\n', '\u{202e}', '\u{85}', 'a', 'é'] {
            let mut out = String::new();
            push_escaped(&mut out, c);
            assert_eq!(out.chars().count(), escaped_width(c), "{c:?}");
        }
    }

    #[test]
    fn several_lines_keep_their_line_feeds() {
        assert_eq!(
            escape_keeping_lines("# PL101\r\n\nbad \u{1b}[31m\u{202e}"),
            "# PL101\\r\n\nbad \\u{1b}[31m\\u{202e}"
        );
    }

    #[test]
    fn everything_else_is_left_alone_and_borrowed() {
        // Tabs, text in any script, and the neighbours of the escaped ranges that share
        // their lead bytes: the ellipsis, NBSP, U+2070, Arabic letters.
        for text in [
            "plain `oss:GetObject`",
            "tab\there",
            "naïve – “quotes” … \u{a0}\u{2070}\u{2065}\u{202f}\u{200d}",
            "عربي 中文 😀",
            "",
        ] {
            assert!(
                matches!(escape(text), Cow::Borrowed(t) if t == text),
                "{text:?}"
            );
        }
    }

    #[test]
    fn every_unsafe_character_has_a_flagged_lead_byte() {
        for c in (0..=0x10ffff)
            .filter_map(char::from_u32)
            .filter(|&c| is_unsafe(c))
        {
            let mut buffer = [0; 4];
            assert!(
                may_hold_unsafe(c.encode_utf8(&mut buffer).as_bytes()),
                "{c:?}"
            );
        }
    }
}
