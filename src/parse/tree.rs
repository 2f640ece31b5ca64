//! The spanned tree of a valid policy, built straight from `jsonc-parser`'s tokens.
//!
//! `jsonc_parser::parse_to_ast` builds its own tree, which `convert` then copies into ours:
//! two trees and two allocations per string, a third of all the work of linting a file.
//! Here the crate's scanner still does the lexing (strings, escapes, numbers) and this
//! module only arranges the tokens, with the grammar of strict JSON. It gives up at the
//! first thing it does not expect, and never explains: `parse::parse` then runs the full
//! parser and its checks, which name the problem. So this must accept exactly what that
//! path accepts and build exactly what it builds; a test checks both on every fixture and
//! thousands of damaged copies.

use super::{MAX_NESTING_DEPTH, Member, Node, NodeKind};
use crate::source::Span;
use jsonc_parser::tokens::Token;
use jsonc_parser::{Scanner, ScannerOptions};
use std::borrow::Cow;

/// Why the tree was not built. Deliberately empty: the slow path says what is wrong.
struct GiveUp;

/// Builds the tree of `body` (the text after any BOM, which is `shift` bytes long), or
/// `None` when `body` is not strict JSON.
pub(super) fn build(body: &str, shift: usize) -> Option<Node<'_>> {
    let mut builder = Builder {
        scanner: Scanner::new(body, &strict_scanner_options()),
        bytes: body.as_bytes(),
        shift,
        previous_end: 0,
        nodes: Vec::new(),
        members: Vec::new(),
    };
    let first = builder.next_token().ok()?;
    let root = builder.value(first, 0).ok()?;
    builder.at_end().then_some(root)
}

/// The lexing half of the full parse's options, so both roads lex alike.
fn strict_scanner_options() -> ScannerOptions {
    let strict = super::strict_options();
    ScannerOptions {
        allow_single_quoted_strings: strict.allow_single_quoted_strings,
        allow_hexadecimal_numbers: strict.allow_hexadecimal_numbers,
        allow_unary_plus_numbers: strict.allow_unary_plus_numbers,
        allow_bare_decimal_point_numbers: strict.allow_bare_decimal_point_numbers,
        allow_non_finite_numbers: strict.allow_non_finite_numbers,
        allow_extended_string_escapes: strict.allow_extended_string_escapes,
    }
}

struct Builder<'a> {
    scanner: Scanner<'a>,
    bytes: &'a [u8],
    shift: usize,
    /// Where the last token ended, to check the whitespace before the next one.
    previous_end: usize,
    /// Children of the arrays and objects being built, innermost last: each container
    /// takes its own off the top when it closes, into a vector of the exact size.
    nodes: Vec<Node<'a>>,
    members: Vec<Member<'a>>,
}

impl<'a> Builder<'a> {
    /// The next token, provided only JSON whitespace comes before it: the scanner also
    /// skips Unicode spaces, vertical tabs and form feeds, which strict JSON forbids.
    fn next_token(&mut self) -> Result<Token<'a>, GiveUp> {
        let token = self.scanner.scan().map_err(|_| GiveUp)?.ok_or(GiveUp)?;
        if !is_json_whitespace(&self.bytes[self.previous_end..self.scanner.token_start()]) {
            return Err(GiveUp);
        }
        self.previous_end = self.scanner.token_end();
        Ok(token)
    }

    fn at_end(&mut self) -> bool {
        matches!(self.scanner.scan(), Ok(None))
            && is_json_whitespace(&self.bytes[self.previous_end..])
    }

    fn span(&self, start: usize) -> Span {
        Span::new(start + self.shift, self.scanner.token_end() + self.shift)
    }

    /// The string token just scanned, if it holds no raw control character (the scanner
    /// lets those through; strict JSON does not).
    fn string(&self, value: Cow<'a, str>) -> Result<Cow<'a, str>, GiveUp> {
        let raw = &self.bytes[self.scanner.token_start()..self.scanner.token_end()];
        if raw.iter().any(|&b| b < 0x20) {
            return Err(GiveUp);
        }
        Ok(value)
    }

    fn value(&mut self, token: Token<'a>, depth: usize) -> Result<Node<'a>, GiveUp> {
        let start = self.scanner.token_start();
        let kind = match token {
            Token::String(value) => NodeKind::String(self.string(value)?),
            Token::Number(raw) => NodeKind::Number(raw),
            Token::Boolean(b) => NodeKind::Bool(b),
            Token::Null => NodeKind::Null,
            Token::OpenBracket if depth < MAX_NESTING_DEPTH => self.array(depth + 1)?,
            Token::OpenBrace if depth < MAX_NESTING_DEPTH => self.object(depth + 1)?,
            _ => return Err(GiveUp),
        };
        Ok(Node {
            span: self.span(start),
            kind,
        })
    }

    /// After the `[`; returns once the `]` is the current token.
    fn array(&mut self, depth: usize) -> Result<NodeKind<'a>, GiveUp> {
        let mark = self.nodes.len();
        let mut token = self.next_token()?;
        if token != Token::CloseBracket {
            loop {
                let item = self.value(token, depth)?;
                self.nodes.push(item);
                match self.next_token()? {
                    Token::Comma => token = self.next_token()?,
                    Token::CloseBracket => break,
                    _ => return Err(GiveUp),
                }
            }
        }
        Ok(NodeKind::Array(self.nodes.drain(mark..).collect()))
    }

    /// After the `{`; returns once the `}` is the current token.
    fn object(&mut self, depth: usize) -> Result<NodeKind<'a>, GiveUp> {
        let mark = self.members.len();
        let mut token = self.next_token()?;
        if token != Token::CloseBrace {
            loop {
                let Token::String(key) = token else {
                    return Err(GiveUp);
                };
                let key_span = self.span(self.scanner.token_start());
                let key = self.string(key)?;
                if self.next_token()? != Token::Colon {
                    return Err(GiveUp);
                }
                let value_token = self.next_token()?;
                let value = self.value(value_token, depth)?;
                self.members.push(Member {
                    key,
                    key_span,
                    value,
                });
                match self.next_token()? {
                    Token::Comma => token = self.next_token()?,
                    Token::CloseBrace => break,
                    _ => return Err(GiveUp),
                }
            }
        }
        Ok(NodeKind::Object(self.members.drain(mark..).collect()))
    }
}

fn is_json_whitespace(gap: &[u8]) -> bool {
    gap.iter()
        .all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
}

#[cfg(test)]
mod tests {
    use super::super::{UTF8_BOM, parse_with_explanations};
    use super::*;

    /// The slow path's verdict and tree, for comparison.
    fn slow(text: &str) -> Option<Node<'_>> {
        parse_with_explanations(text).ok().map(|parsed| parsed.root)
    }

    fn fast(text: &str) -> Option<Node<'_>> {
        let shift = if text.starts_with(UTF8_BOM) {
            UTF8_BOM.len()
        } else {
            0
        };
        build(&text[shift..], shift)
    }

    fn assert_same(text: &str, origin: &str) {
        assert_eq!(fast(text), slow(text), "{origin}: {text:?}");
    }

    #[test]
    fn builds_what_the_full_parser_builds_and_rejects_what_it_rejects() {
        for text in [
            r#"{"a":1,"a":[true,false,null,-1.5e3,"x\"\u00e9\\"],"b":{}}"#,
            "\u{feff}{\"a\": []}",
            " \r\n\t[ ] \n",
            "\"lone string\"",
            "{\"a\":1,}",
            "[1,]",
            "[1 2]",
            "{\"a\" 1}",
            "{a:1}",
            "{'a':1}",
            "{\"a\":1} x",
            "{\"a\":1}{}",
            "{// c\n}",
            "{\"a\":\u{a0}1}",
            "{\"a\":\u{b}1}",
            "{\"a\":1}\u{3000}",
            "{\"a\":\"x\ty\"}",
            "{\"a\":\"x\ny\"}",
            "{\"a\":\"\\x41\"}",
            "{\"a\":0x10}",
            "{\"a\":+1}",
            "{\"a\":.5}",
            "{\"a\":NaN}",
            "{\"a\":01}",
            "[",
            "]",
            "{",
            "{\"a\"",
            "{\"a\":",
            "\"open",
            "",
            "   ",
        ] {
            assert_same(text, "sample");
        }
        let deep_enough = format!(
            "{}{}",
            "[".repeat(MAX_NESTING_DEPTH),
            "]".repeat(MAX_NESTING_DEPTH)
        );
        assert!(fast(&deep_enough).is_some());
        assert_same(&deep_enough, "deepest allowed");
        let too_deep = format!("[{deep_enough}]");
        assert_same(&too_deep, "one level too deep");
    }

    /// Every fixture, and damaged copies of each: bytes deleted, inserted and swapped,
    /// with the characters that matter to the grammar and to strictness.
    #[test]
    fn agrees_with_the_full_parser_on_every_fixture_and_damaged_copies() {
        const INSERTS: &[&str] = &[
            ",", ":", "[", "]", "{", "}", "\"", "\\", " ", "\t", "\n", "\u{b}", "\u{a0}",
            "\u{3000}", "\u{feff}", "\u{1}", "0", "-", ".", "e", "/", "//", "'", "t", "x", "é",
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move |bound: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % bound as u64) as usize
        };
        let (mut files, mut accepted) = (0, 0);
        for (path, text) in crate::testing::fixture_texts() {
            if text.len() > 200_000 {
                continue; // the hostile-input fixtures; the samples above cover their shapes
            }
            let origin = path.display().to_string();
            assert_same(&text, &origin);
            files += 1;
            accepted += usize::from(fast(&text).is_some());
            let boundaries: Vec<usize> = (0..=text.len())
                .filter(|&i| text.is_char_boundary(i))
                .collect();
            for _ in 0..40 {
                let at = boundaries[next(boundaries.len())];
                let mut damaged = text.clone();
                match next(3) {
                    0 => damaged.insert_str(at, INSERTS[next(INSERTS.len())]),
                    1 => {
                        if let Some(c) = damaged[at..].chars().next() {
                            damaged.replace_range(at..at + c.len_utf8(), "");
                        }
                    }
                    _ => {
                        let other = boundaries[next(boundaries.len())];
                        let (a, b) = (at.min(other), at.max(other));
                        if let (Some(x), Some(y)) =
                            (damaged[a..].chars().next(), damaged[b..].chars().next())
                            && a + x.len_utf8() <= b
                        {
                            damaged.replace_range(b..b + y.len_utf8(), &x.to_string());
                            damaged.replace_range(a..a + x.len_utf8(), &y.to_string());
                        }
                    }
                }
                assert_same(&damaged, &origin);
            }
        }
        assert!(files > 1_000, "only {files} fixtures read");
        assert!(accepted > 900, "only {accepted} fixtures built");
    }
}
