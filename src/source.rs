//! Byte spans and their translation to 1-based lines and character columns.

use serde::Serialize;

/// A half-open byte range `[start, end)` into a file's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    pub fn len(&self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }
}

impl From<jsonc_parser::common::Range> for Span {
    fn from(range: jsonc_parser::common::Range) -> Self {
        Span::new(range.start, range.end)
    }
}

/// A position as the JSON contract reports it: 1-based line, 1-based column counted in
/// characters, and the byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Position {
    pub line: usize,
    pub column: usize,
    pub offset: usize,
}

/// Line starts of a text, and running character counts, so offsets map to positions in
/// O(log n) even on a 50 MB single-line file.
#[derive(Debug, Clone)]
pub struct LineIndex {
    line_starts: Vec<usize>,
    /// Characters starting before byte `i * CHECKPOINT`; `None` for an ASCII text (nearly
    /// every policy), where characters are bytes.
    chars_at_checkpoint: Option<Vec<usize>>,
}

const CHECKPOINT: usize = 4096;

/// A character starts at every byte that is not a UTF-8 continuation byte.
fn count_char_starts(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b & 0xC0 != 0x80).count()
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        let chars_at_checkpoint = (!text.is_ascii()).then(|| {
            let mut counts = vec![0];
            let mut total = 0;
            for chunk in text.as_bytes().chunks(CHECKPOINT) {
                total += count_char_starts(chunk);
                counts.push(total);
            }
            counts
        });
        LineIndex {
            line_starts,
            chars_at_checkpoint,
        }
    }

    /// Characters that start before byte `offset`.
    fn chars_before(&self, bytes: &[u8], offset: usize) -> usize {
        let Some(chars_at_checkpoint) = &self.chars_at_checkpoint else {
            return offset;
        };
        let checkpoint = offset / CHECKPOINT;
        chars_at_checkpoint[checkpoint] + count_char_starts(&bytes[checkpoint * CHECKPOINT..offset])
    }

    /// Position of a byte offset. An offset inside a multi-byte character counts as that
    /// character; an offset past the end is clamped to the end.
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let offset = offset.min(text.len());
        let line = self.line_starts.partition_point(|&start| start <= offset) - 1;
        let line_start = self.line_starts[line];
        let bytes = text.as_bytes();
        let column = self.chars_before(bytes, offset) - self.chars_before(bytes, line_start);
        Position {
            line: line + 1,
            column: column + 1,
            offset,
        }
    }

    pub fn line_start(&self, line_zero_based: usize) -> usize {
        self.line_starts[line_zero_based]
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }
}

/// Positions of offsets visited in ascending order, in one pass over the text and without
/// an index: all a reporter that writes diagnostics in order needs, for a fraction of the
/// cost of building a [`LineIndex`] (it gives the same positions; an offset before the
/// last one starts the pass again).
pub struct LineCursor<'t> {
    text: &'t str,
    offset: usize,
    /// 0-based line of `offset`, where it starts, and the characters from there to `offset`.
    line: usize,
    line_start: usize,
    chars_into_line: usize,
}

impl<'t> LineCursor<'t> {
    pub fn new(text: &'t str) -> Self {
        LineCursor {
            text,
            offset: 0,
            line: 0,
            line_start: 0,
            chars_into_line: 0,
        }
    }

    pub fn position(&mut self, offset: usize) -> Position {
        let offset = offset.min(self.text.len());
        if offset < self.offset {
            *self = LineCursor::new(self.text);
        }
        let bytes = self.text.as_bytes();
        let skipped = &bytes[self.offset..offset];
        if let Some(last_newline) = memchr::memrchr(b'\n', skipped) {
            self.line += memchr::memchr_iter(b'\n', skipped).count();
            self.line_start = self.offset + last_newline + 1;
            self.chars_into_line = count_char_starts(&bytes[self.line_start..offset]);
        } else {
            self.chars_into_line += count_char_starts(skipped);
        }
        self.offset = offset;
        Position {
            line: self.line + 1,
            column: self.chars_into_line + 1,
            offset,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cursor gives what the index gives, on every fixture and a few odd texts, at
    /// ascending offsets and after going back.
    #[test]
    fn the_line_cursor_agrees_with_the_index() {
        let texts = crate::testing::with_fixture_texts(&[
            "",
            "\n",
            "\n\n\nx",
            "a\r\nb\rc\n",
            "é\nàb\n\u{1F600}x\n",
            &format!("ab\n{}x\n", "é".repeat(5000)),
        ]);
        for text in &texts {
            let index = LineIndex::new(text);
            let mut cursor = LineCursor::new(text);
            let step = (text.len() / 97).max(1);
            let offsets = (0..=text.len() + 1)
                .step_by(step)
                .chain([text.len(), 3, 0, 5]);
            for offset in offsets {
                assert_eq!(
                    cursor.position(offset),
                    index.position(text, offset),
                    "{offset} in {:?}",
                    &text[..text.len().min(80)]
                );
            }
        }
    }

    #[test]
    fn positions_count_characters_not_bytes() {
        let text = "{\n  \"é\": \"x\"\n}";
        let index = LineIndex::new(text);
        let x = text.find("\"x\"").unwrap();
        assert_eq!(
            index.position(text, x),
            Position {
                line: 2,
                column: 8,
                offset: x
            }
        );
        assert_eq!(
            index.position(text, 0),
            Position {
                line: 1,
                column: 1,
                offset: 0
            }
        );
        let end = text.len();
        assert_eq!(index.position(text, end).line, 3);
    }

    #[test]
    fn columns_stay_exact_across_checkpoints() {
        let line = "é".repeat(3000) + "x";
        let text = format!("ab\n{line}\n");
        let index = LineIndex::new(&text);
        let x = text.find('x').unwrap();
        assert_eq!(
            index.position(&text, x),
            Position {
                line: 2,
                column: 3001,
                offset: x
            }
        );
        // Inside a two-byte character: counted as that character.
        assert_eq!(index.position(&text, 4).column, 2);
    }

    #[test]
    fn ascii_and_non_ascii_texts_agree_on_ascii_lines() {
        let ascii = "{\r\n  \"a\": 1,\n\n  \"b\": [\"x\"]\n}";
        let mixed = format!("{ascii}\n\"é\"");
        let (ascii_index, mixed_index) = (LineIndex::new(ascii), LineIndex::new(&mixed));
        for offset in 0..=ascii.len() {
            assert_eq!(
                ascii_index.position(ascii, offset),
                mixed_index.position(&mixed, offset)
            );
        }
        assert_eq!(
            ascii_index.position(ascii, ascii.find('x').unwrap()).column,
            10
        );
        assert_eq!(mixed_index.line_count(), 6);
    }
}
