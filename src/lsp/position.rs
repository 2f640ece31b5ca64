//! Byte offsets ⇄ LSP positions. An LSP position is a zero-based line and a character
//! offset within that line counted in the negotiated encoding's code units: UTF-16 (the
//! protocol's default) or UTF-8 (bytes). Lines end at `\n`, `\r\n` or a lone `\r`, as the
//! protocol says; `source::LineIndex` only knows `\n` and counts characters, so the
//! language server has its own map.

use lsp_types::{Position, PositionEncodingKind, Range};

/// The unit of `Position::character` agreed on at initialization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
}

impl Encoding {
    /// UTF-8 when the client offers it (no conversion needed), else the mandatory UTF-16.
    pub fn negotiate(offered: &[PositionEncodingKind]) -> Self {
        if offered.contains(&PositionEncodingKind::UTF8) {
            Encoding::Utf8
        } else {
            Encoding::Utf16
        }
    }

    pub fn kind(self) -> PositionEncodingKind {
        match self {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
        }
    }

    fn units(self, c: char) -> usize {
        match self {
            Encoding::Utf8 => c.len_utf8(),
            Encoding::Utf16 => c.len_utf16(),
        }
    }
}

/// Where each line of a text starts (byte offsets).
#[derive(Debug, Clone)]
pub struct LineMap {
    starts: Vec<usize>,
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The largest character boundary at or before `offset` (clamped to the text).
fn floor_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

impl LineMap {
    pub fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => starts.push(i + 1),
                b'\r' if bytes.get(i + 1) == Some(&b'\n') => {
                    starts.push(i + 2);
                    i += 1;
                }
                b'\r' => starts.push(i + 1),
                _ => {}
            }
            i += 1;
        }
        LineMap { starts }
    }

    /// The byte range of line `line`'s content, without its line ending.
    fn line_content(&self, text: &str, line: usize) -> (usize, usize) {
        let start = self.starts[line];
        let end = match self.starts.get(line + 1) {
            Some(&next) => {
                let bytes = text.as_bytes();
                if next >= 2 && bytes[next - 2] == b'\r' && bytes[next - 1] == b'\n' {
                    next - 2
                } else {
                    next - 1
                }
            }
            None => text.len(),
        };
        (start, end)
    }

    /// The position of byte `offset`. An offset past the end is the end; one inside a
    /// multi-byte character is that character's start.
    pub fn position(&self, text: &str, offset: usize, encoding: Encoding) -> Position {
        let offset = floor_boundary(text, offset);
        let line = self.starts.partition_point(|&start| start <= offset) - 1;
        let start = self.starts[line];
        let character = match encoding {
            Encoding::Utf8 => offset - start,
            Encoding::Utf16 => text[start..offset].encode_utf16().count(),
        };
        Position::new(to_u32(line), to_u32(character))
    }

    pub fn range(&self, text: &str, start: usize, end: usize, encoding: Encoding) -> Range {
        Range::new(
            self.position(text, start, encoding),
            self.position(text, end, encoding),
        )
    }

    /// The byte offset of a client's position. As the protocol asks, a character past the
    /// end of its line means the end of the line, and a line past the end of the text means
    /// the end of the text; a position inside a character (half of a UTF-16 surrogate pair,
    /// or inside a UTF-8 sequence) is that character's start.
    pub fn offset(&self, text: &str, position: Position, encoding: Encoding) -> usize {
        let line = position.line as usize;
        if line >= self.starts.len() {
            return text.len();
        }
        let (start, end) = self.line_content(text, line);
        let wanted = position.character as usize;
        let mut units = 0;
        for (i, c) in text[start..end].char_indices() {
            let next = units + encoding.units(c);
            if next > wanted {
                return start + i;
            }
            units = next;
        }
        end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(line: u32, character: u32) -> Position {
        Position::new(line, character)
    }

    #[test]
    fn ascii_lines() {
        let text = "{\n  \"a\": 1\n}";
        let map = LineMap::new(text);
        let one = text.find('1').unwrap();
        for encoding in [Encoding::Utf8, Encoding::Utf16] {
            assert_eq!(map.position(text, one, encoding), pos(1, 7));
            assert_eq!(map.offset(text, pos(1, 7), encoding), one);
            assert_eq!(map.position(text, 0, encoding), pos(0, 0));
            assert_eq!(map.position(text, text.len(), encoding), pos(2, 1));
        }
    }

    #[test]
    fn non_ascii_counts_code_units() {
        // "中" is 3 bytes and 1 UTF-16 unit; "😀" is 4 bytes and 2 UTF-16 units.
        let text = "{\"Sid\": \"中文😀\", \"Action\": [\"x\"]}";
        let map = LineMap::new(text);
        let x = text.find("\"x\"").unwrap();
        let before = &text[..x];
        assert_eq!(
            map.position(text, x, Encoding::Utf16),
            pos(0, before.encode_utf16().count() as u32)
        );
        assert_eq!(map.position(text, x, Encoding::Utf16), pos(0, 27));
        assert_eq!(map.position(text, x, Encoding::Utf8), pos(0, x as u32));
        assert_eq!(map.position(text, x, Encoding::Utf8), pos(0, 33));
        assert_eq!(map.offset(text, pos(0, 27), Encoding::Utf16), x);
        assert_eq!(map.offset(text, pos(0, 33), Encoding::Utf8), x);
    }

    #[test]
    fn astral_characters_and_split_surrogates() {
        let text = "a😀b";
        let map = LineMap::new(text);
        assert_eq!(map.position(text, 1, Encoding::Utf16), pos(0, 1));
        assert_eq!(map.position(text, 5, Encoding::Utf16), pos(0, 3));
        assert_eq!(map.offset(text, pos(0, 3), Encoding::Utf16), 5);
        // Between the two halves of the surrogate pair: the emoji's start.
        assert_eq!(map.offset(text, pos(0, 2), Encoding::Utf16), 1);
        // Inside the UTF-8 sequence, either way: the emoji's start.
        assert_eq!(map.offset(text, pos(0, 3), Encoding::Utf8), 1);
        assert_eq!(map.position(text, 3, Encoding::Utf16), pos(0, 1));
        assert_eq!(map.position(text, 3, Encoding::Utf8), pos(0, 1));
    }

    #[test]
    fn every_line_ending_the_protocol_knows() {
        let text = "a\r\nb\rc\nd";
        let map = LineMap::new(text);
        for (c, line) in [('a', 0), ('b', 1), ('c', 2), ('d', 3)] {
            let offset = text.find(c).unwrap();
            assert_eq!(map.position(text, offset, Encoding::Utf16), pos(line, 0));
            assert_eq!(map.offset(text, pos(line, 0), Encoding::Utf16), offset);
        }
        // Past the end of a line: the end of its content, before `\r\n`.
        assert_eq!(map.offset(text, pos(0, 99), Encoding::Utf16), 1);
        assert_eq!(map.offset(text, pos(1, 99), Encoding::Utf8), 4);
        // Past the last line: the end of the text.
        assert_eq!(map.offset(text, pos(9, 0), Encoding::Utf16), text.len());
        assert_eq!(map.offset(text, pos(3, 5), Encoding::Utf16), text.len());
    }

    #[test]
    fn offsets_round_trip_on_every_boundary() {
        let text = "{\n  \"Sid\": \"é中😀\",\r\n  \"x\": [\"a\", \"😀\"]\r}\n";
        let map = LineMap::new(text);
        for encoding in [Encoding::Utf8, Encoding::Utf16] {
            for (offset, _) in text.char_indices().chain([(text.len(), ' ')]) {
                // Between `\r` and `\n` is no place a position can name.
                if text[..offset].ends_with('\r') && text[offset..].starts_with('\n') {
                    continue;
                }
                let position = map.position(text, offset, encoding);
                assert_eq!(map.offset(text, position, encoding), offset, "{encoding:?}");
            }
        }
    }

    #[test]
    fn negotiation_prefers_utf8_and_defaults_to_utf16() {
        assert_eq!(Encoding::negotiate(&[]), Encoding::Utf16);
        assert_eq!(
            Encoding::negotiate(&[PositionEncodingKind::UTF32, PositionEncodingKind::UTF16]),
            Encoding::Utf16
        );
        assert_eq!(
            Encoding::negotiate(&[PositionEncodingKind::UTF16, PositionEncodingKind::UTF8]),
            Encoding::Utf8
        );
    }
}
