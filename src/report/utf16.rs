//! Positions as SARIF and GitHub count them: 1-based lines, and 1-based columns in UTF-16
//! code units (SARIF's default `columnKind`, and what JavaScript front ends index by).
//!
//! The JSON contract counts columns in characters (`source::LineIndex`); the two differ only
//! after a character outside the Basic Multilingual Plane (an emoji counts 1 there, 2 here)
//! and on the first line of a file that starts with a UTF-8 byte order mark, which is not
//! text as editors and SARIF viewers see it, so it is not counted here.

/// A 1-based line and a 1-based column counted in UTF-16 code units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Utf16Position {
    pub line: usize,
    pub column: usize,
}

/// The positions of a known set of byte offsets in one text, computed in a single pass, so
/// many diagnostics on one 50 MB line cost one scan of it, not one scan each.
#[derive(Debug, Clone)]
pub struct Utf16Positions {
    offsets: Vec<usize>,
    positions: Vec<Utf16Position>,
}

impl Utf16Positions {
    /// Positions of `offsets` in `text`. An offset inside a multi-byte character is that
    /// character's position; an offset past the end is the end's.
    pub fn new(text: &str, offsets: impl IntoIterator<Item = usize>) -> Self {
        let mut offsets: Vec<usize> = offsets.into_iter().collect();
        offsets.sort_unstable();
        offsets.dedup();
        let mut positions = Vec::with_capacity(offsets.len());
        let mut chars = text.char_indices().peekable();
        let (mut line, mut column) = (1, 1);
        for &offset in &offsets {
            let target = offset.min(text.len());
            while let Some(&(at, c)) = chars.peek() {
                if at + c.len_utf8() > target {
                    break;
                }
                chars.next();
                if c == '\n' {
                    line += 1;
                    column = 1;
                } else if !(at == 0 && c == '\u{feff}') {
                    column += c.len_utf16();
                }
            }
            positions.push(Utf16Position { line, column });
        }
        Utf16Positions { offsets, positions }
    }

    /// The position of an offset given to [`Utf16Positions::new`].
    pub fn get(&self, offset: usize) -> Utf16Position {
        match self.offsets.binary_search(&offset) {
            Ok(i) => self.positions[i],
            Err(i) => {
                debug_assert!(false, "offset {offset} was not registered");
                // The nearest registered offset before it: never a panic in a reporter.
                self.positions
                    .get(i.saturating_sub(1))
                    .copied()
                    .unwrap_or(Utf16Position { line: 1, column: 1 })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str, offset: usize) -> (usize, usize) {
        let p = Utf16Positions::new(text, [offset]).get(offset);
        (p.line, p.column)
    }

    #[test]
    fn columns_count_utf16_code_units() {
        // `é` is one code unit, `😀` (U+1F600) two: a surrogate pair.
        let text = "{\"é😀\": \"x\"}";
        let x = text.find("\"x\"").unwrap();
        assert_eq!(at(text, x), (1, 9));
        assert_eq!(at(text, 0), (1, 1));
        // Inside the emoji's four bytes: the emoji's own column.
        let emoji = text.find('😀').unwrap();
        assert_eq!(at(text, emoji + 2), (1, 4));
        assert_eq!(at(text, emoji + 4), (1, 6));
    }

    #[test]
    fn lines_end_at_line_feeds_and_crlf_counts_the_carriage_return() {
        let text = "a\r\nbc\n\nd";
        assert_eq!(at(text, 1), (1, 2));
        assert_eq!(at(text, 2), (1, 3));
        assert_eq!(at(text, 3), (2, 1));
        assert_eq!(at(text, 5), (2, 3));
        assert_eq!(at(text, 6), (3, 1));
        assert_eq!(at(text, 7), (4, 1));
        // Past the end: clamped to it.
        assert_eq!(at(text, 100), (4, 2));
    }

    #[test]
    fn a_leading_byte_order_mark_is_not_a_column() {
        let text = "\u{feff}{\"a\": 1}";
        assert_eq!(at(text, 3), (1, 1));
        assert_eq!(at(text, text.find('1').unwrap()), (1, 7));
        // Anywhere else U+FEFF is a character like any other.
        let text = "a\u{feff}b";
        assert_eq!(at(text, text.find('b').unwrap()), (1, 3));
    }

    #[test]
    fn many_offsets_in_any_order() {
        let text = "ab\n😀c\n";
        let offsets = [8, 0, 3, 7, 3, 1];
        let positions = Utf16Positions::new(text, offsets);
        let got: Vec<(usize, usize)> = offsets
            .iter()
            .map(|&o| {
                let p = positions.get(o);
                (p.line, p.column)
            })
            .collect();
        assert_eq!(got, [(2, 4), (1, 1), (2, 1), (2, 3), (2, 1), (1, 2)]);
    }
}
