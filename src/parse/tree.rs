//! The spanned tree of a valid policy, built with the `jiter` JSON iterator.
//!
//! `jsonc_parser::parse_to_ast` builds its own tree, which `convert` then copies into ours:
//! two trees and two allocations per string. jiter walks strict JSON a value at a time and
//! says where it stands, which is all a spanned tree needs: on the benchmark corpus this
//! takes about a quarter less than building the tree from jsonc-parser's own tokens did.
//! It gives up at the first thing it does not expect, and never explains: `parse::parse`
//! then runs the full parser and its checks, which name the problem. So this must accept
//! exactly what that path accepts and build exactly what it builds; a test checks both on
//! every fixture and thousands of damaged copies.

use super::{Arena, MAX_NESTING_DEPTH, Member, Node, NodeKind};
use crate::source::Span;
use jiter::{Jiter, Peek};

/// Why the tree was not built. Deliberately empty: the slow path says what is wrong.
struct GiveUp;

impl From<jiter::JiterError> for GiveUp {
    fn from(_: jiter::JiterError) -> Self {
        GiveUp
    }
}

/// The stacks' first capacities: room for a usual policy's open containers, so they are
/// seldom grown, and under 1 KB each, since glibc's per-thread cache serves blocks up to
/// that size without its slow path (32 of each took four times the instructions).
const NODE_STACK: usize = 24;
const MEMBER_STACK: usize = 12;
const _: () =
    assert!(NODE_STACK * size_of::<Node>() <= 1024 && MEMBER_STACK * size_of::<Member>() <= 1024);

/// Builds the tree of `body` (the text after any BOM, which is `shift` bytes long) in
/// `arena`, or `None` when `body` is not strict JSON.
pub(super) fn build<'a>(body: &'a str, shift: usize, arena: &'a Arena) -> Option<Node<'a>> {
    let mut builder = Builder {
        jiter: Jiter::new(body.as_bytes()),
        text: body,
        shift,
        has_backslash: memchr::memchr(b'\\', body.as_bytes()).is_some(),
        arena,
        nodes: Vec::with_capacity(NODE_STACK),
        members: Vec::with_capacity(MEMBER_STACK),
    };
    let first = builder.jiter.peek().ok()?;
    let root = builder.value(first, 0).ok()?;
    builder.jiter.finish().ok()?;
    Some(root)
}

struct Builder<'a> {
    jiter: Jiter<'a>,
    text: &'a str,
    shift: usize,
    /// Whether any string can hold an escape at all (one search of the text is cheaper
    /// than one per string).
    has_backslash: bool,
    arena: &'a Arena,
    /// Children of the arrays and objects being built, innermost last: each container
    /// moves its own off the top into the arena when it closes. Outside the arena, so
    /// that what a stack outgrows is freed, not kept until the file is done.
    nodes: Vec<Node<'a>>,
    members: Vec<Member<'a>>,
}

impl<'a> Builder<'a> {
    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(start + self.shift, end + self.shift)
    }

    /// The string whose quotes are at `start` and `end - 1`: borrowed from the text unless
    /// it holds an escape (jiter has checked the escapes; decoding them is rare enough to
    /// leave to serde_json).
    fn string(&self, start: usize, end: usize) -> Result<&'a str, GiveUp> {
        let quoted = &self.text[start..end];
        let raw = &quoted[1..quoted.len() - 1];
        if self.has_backslash && memchr::memchr(b'\\', raw.as_bytes()).is_some() {
            let decoded: String = serde_json::from_str(quoted).map_err(|_| GiveUp)?;
            Ok(self.arena.alloc_str(&decoded))
        } else {
            Ok(raw)
        }
    }

    /// The value `peek` announced; jiter stands at its first byte.
    fn value(&mut self, peek: Peek, depth: usize) -> Result<Node<'a>, GiveUp> {
        let start = self.jiter.current_index();
        let kind = match peek {
            Peek::String => {
                self.jiter.known_bytes()?;
                NodeKind::String(self.string(start, self.jiter.current_index())?)
            }
            Peek::True | Peek::False => NodeKind::Bool(self.jiter.known_bool(peek)?),
            Peek::Null => {
                self.jiter.known_null()?;
                NodeKind::Null
            }
            Peek::Array if depth < MAX_NESTING_DEPTH => self.array(depth + 1)?,
            Peek::Object if depth < MAX_NESTING_DEPTH => self.object(depth + 1)?,
            Peek::Array | Peek::Object => return Err(GiveUp),
            _ => {
                self.jiter.known_number_bytes(peek)?;
                NodeKind::Number(&self.text[start..self.jiter.current_index()])
            }
        };
        Ok(Node {
            span: self.span(start, self.jiter.current_index()),
            kind,
        })
    }

    /// jiter stands at the `[`; returns once past the `]`.
    fn array(&mut self, depth: usize) -> Result<NodeKind<'a>, GiveUp> {
        let mark = self.nodes.len();
        let mut next = self.jiter.known_array()?;
        while let Some(peek) = next {
            let item = self.value(peek, depth)?;
            self.nodes.push(item);
            next = self.jiter.array_step()?;
        }
        Ok(NodeKind::Array(
            self.arena.alloc_slice_fill_iter(self.nodes.drain(mark..)),
        ))
    }

    /// jiter stands at the `{`; returns once past the `}`.
    fn object(&mut self, depth: usize) -> Result<NodeKind<'a>, GiveUp> {
        let mark = self.members.len();
        let text_start = self.text.as_ptr() as usize;
        // jiter hands a key back as the slice of the text between its quotes (escapes
        // undecoded), so where the slice starts is where the key is.
        let quoted = |key: &[u8]| {
            let start = key.as_ptr() as usize - text_start - 1;
            (start, start + key.len() + 2)
        };
        let mut next = self.jiter.next_object_bytes()?.map(quoted);
        while let Some((start, end)) = next {
            let key = self.string(start, end)?;
            let peek = self.jiter.peek()?;
            let value = self.value(peek, depth)?;
            self.members.push(Member {
                key,
                key_span: self.span(start, end),
                value,
            });
            next = self.jiter.next_key_bytes()?.map(quoted);
        }
        Ok(NodeKind::Object(
            self.arena.alloc_slice_fill_iter(self.members.drain(mark..)),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::super::{UTF8_BOM, parse_with_explanations};
    use super::*;

    /// The slow path's verdict and tree, for comparison.
    fn slow<'t>(text: &'t str, arena: &'t Arena) -> Option<Node<'t>> {
        parse_with_explanations(text, arena)
            .ok()
            .map(|parsed| parsed.root)
    }

    fn fast<'t>(text: &'t str, arena: &'t Arena) -> Option<Node<'t>> {
        let shift = if text.starts_with(UTF8_BOM) {
            UTF8_BOM.len()
        } else {
            0
        };
        build(&text[shift..], shift, arena)
    }

    fn assert_same(text: &str, origin: &str) {
        let (fast_arena, slow_arena) = (Arena::new(), Arena::new());
        assert_eq!(
            fast(text, &fast_arena),
            slow(text, &slow_arena),
            "{origin}: {text:?}"
        );
    }

    #[test]
    fn builds_what_the_full_parser_builds_and_rejects_what_it_rejects() {
        for text in [
            r#"{"a":1,"a":[true,false,null,-1.5e3,"x\"\u00e9\\"],"b":{}}"#,
            "\u{feff}{\"a\": []}",
            " \r\n\t[ ] \n",
            "\"lone string\"",
            r#"{"\u0041ction" : "\u00e9\ud83d\ude00\/", "a\":b"  :  1, "k":"v"}"#,
            r#"["\ud800", "x"]"#,
            r#"["\udc00"]"#,
            r#"["\ud800\u0041"]"#,
            r#"["\u12", "\u12G4"]"#,
            "[-0, 1E+5, 1e-7, 0.5, -12.25e2]",
            "[-]",
            "[1.]",
            "[1e]",
            "[--1]",
            "[1.5.5]",
            "[tru]",
            "[nul, fals]",
            "{\"a\":{\"b\":[{\"c\":\"d\"},[],{}]}}",
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
        assert!(fast(&deep_enough, &Arena::new()).is_some());
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
            accepted += usize::from(fast(&text, &Arena::new()).is_some());
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
