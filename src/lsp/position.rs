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
}

/// Where each line of a text starts, and how many UTF-16 code units precede each block of
/// [`BLOCK`] bytes: with those, a conversion scans at most one block, so converting every
/// finding of a document costs time linear in their number, however long its lines
/// (counting from the start of the line each time was quadratic on a minified policy).
/// Built once per version of a document.
#[derive(Debug, Clone)]
pub struct LineMap {
    starts: Vec<usize>,
    /// `units_before[j]`: the UTF-16 units of the bytes before `j * BLOCK`; `None` for an
    /// ASCII text, whose units are its bytes.
    units_before: Option<Vec<usize>>,
}

const BLOCK: usize = 128;

/// The UTF-16 units a byte starts: none for a UTF-8 continuation byte, two for the first
/// byte of a four-byte sequence (a surrogate pair), one otherwise. Summed over the bytes of
/// a prefix that ends on a character boundary, that is the prefix's length in UTF-16.
fn utf16_units_of(byte: u8) -> usize {
    if byte & 0xC0 == 0x80 {
        0
    } else if byte >= 0xF0 {
        2
    } else {
        1
    }
}

fn utf16_units(bytes: &[u8]) -> usize {
    bytes.iter().map(|&b| utf16_units_of(b)).sum()
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
        let units_before = (!text.is_ascii()).then(|| {
            let mut total = 0;
            let mut units_before = Vec::with_capacity(bytes.len() / BLOCK + 1);
            units_before.push(0);
            for block in bytes.chunks(BLOCK) {
                total += utf16_units(block);
                units_before.push(total);
            }
            units_before
        });
        LineMap {
            starts,
            units_before,
        }
    }

    /// The UTF-16 units before `offset`, a character boundary.
    fn utf16_before(&self, text: &str, offset: usize) -> usize {
        match &self.units_before {
            None => offset,
            Some(units_before) => {
                let block = offset / BLOCK;
                units_before[block] + utf16_units(&text.as_bytes()[block * BLOCK..offset])
            }
        }
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
            Encoding::Utf16 => self.utf16_before(text, offset) - self.utf16_before(text, start),
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
        match (encoding, &self.units_before) {
            (Encoding::Utf8, _) => floor_boundary(text, start.saturating_add(wanted).min(end)),
            (Encoding::Utf16, None) => start.saturating_add(wanted).min(end),
            (Encoding::Utf16, Some(units_before)) => {
                let target = self.utf16_before(text, start).saturating_add(wanted);
                // The last block that starts at or before the target; the answer lies in
                // it (or the line ends first).
                let block = units_before.partition_point(|&units| units <= target) - 1;
                let (mut at, mut units) = if block * BLOCK > start {
                    (block * BLOCK, units_before[block])
                } else {
                    (start, self.utf16_before(text, start))
                };
                let bytes = text.as_bytes();
                while at < end {
                    let next = units + utf16_units_of(bytes[at]);
                    // A character's first byte (continuation bytes add nothing).
                    if next > target && next > units {
                        return at;
                    }
                    units = next;
                    at += 1;
                }
                end
            }
        }
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

    fn units(c: char, encoding: Encoding) -> usize {
        match encoding {
            Encoding::Utf8 => c.len_utf8(),
            Encoding::Utf16 => c.len_utf16(),
        }
    }

    /// The lines of a text as the protocol splits them: content ranges, line endings out.
    fn naive_lines(text: &str) -> Vec<(usize, usize)> {
        let mut lines = Vec::new();
        let mut start = 0;
        let mut chars = text.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            let ending = match c {
                '\r' if chars.peek().is_some_and(|&(_, n)| n == '\n') => {
                    chars.next();
                    2
                }
                '\r' | '\n' => 1,
                _ => continue,
            };
            lines.push((start, i));
            start = i + ending;
        }
        lines.push((start, text.len()));
        lines
    }

    /// Both conversions one character at a time, as the protocol defines them.
    fn naive_position(text: &str, offset: usize, encoding: Encoding) -> Position {
        let lines = naive_lines(text);
        let line = lines
            .iter()
            .rposition(|&(start, _)| start <= offset)
            .unwrap();
        let start = lines[line].0;
        let character = text[start..offset]
            .chars()
            .map(|c| units(c, encoding))
            .sum::<usize>();
        pos(line as u32, character as u32)
    }

    fn naive_offset(text: &str, position: Position, encoding: Encoding) -> usize {
        let lines = naive_lines(text);
        let Some(&(start, end)) = lines.get(position.line as usize) else {
            return text.len();
        };
        let mut counted = 0;
        for (i, c) in text[start..end].char_indices() {
            counted += units(c, encoding);
            if counted > position.character as usize {
                return start + i;
            }
        }
        end
    }

    #[test]
    fn long_lines_agree_with_counting_each_character() {
        // Lines many blocks long with characters of every width at every alignment to a
        // block boundary, and each kind of line ending.
        let pieces = ["a", "é", "中", "😀", "\r\n", "\n", "\r", "xyz", "\u{fffd}"];
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        for length in [0, 1, 127, 128, 129, 700, 3000] {
            let mut text = String::new();
            while text.len() < length {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                // Line breaks rarely, so that most lines span several blocks.
                let piece = pieces[(seed % pieces.len() as u64) as usize];
                if piece.contains(['\r', '\n']) && !seed.is_multiple_of(16) {
                    continue;
                }
                text.push_str(piece);
            }
            let map = LineMap::new(&text);
            for encoding in [Encoding::Utf8, Encoding::Utf16] {
                for (offset, _) in text.char_indices().chain([(text.len(), ' ')]) {
                    if text[..offset].ends_with('\r') && text[offset..].starts_with('\n') {
                        continue;
                    }
                    let expected = naive_position(&text, offset, encoding);
                    assert_eq!(map.position(&text, offset, encoding), expected);
                }
                for (line, &(start, end)) in naive_lines(&text).iter().enumerate() {
                    let width: usize = text[start..end].chars().map(|c| units(c, encoding)).sum();
                    for character in 0..=width + 2 {
                        let position = pos(line as u32, character as u32);
                        assert_eq!(
                            map.offset(&text, position, encoding),
                            naive_offset(&text, position, encoding),
                            "{encoding:?} {position:?} in a text of {length}"
                        );
                    }
                }
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
