//! Where a place in a text is after edits: how the fix engine recognises a finding of
//! the original text in the fixed one. Messages cannot tell (`policy-too-large` holds the
//! length the fix changed), nor can positions alone (everything after a removed line
//! moves), but a span carried through the edits lands where the same finding is reported
//! again.

use crate::diagnostic::Edit;
use crate::source::Span;

/// Non-overlapping edits of one pass, with the length change each brings.
pub struct OffsetMap<'e> {
    /// Sorted by span.
    edits: Vec<&'e Edit>,
    /// `shift_before[i]`: how far the edits before `edits[i]` move the text after them.
    shift_before: Vec<isize>,
}

impl<'e> OffsetMap<'e> {
    pub fn new(edits: &'e [Edit]) -> Self {
        let mut edits: Vec<&Edit> = edits.iter().collect();
        edits.sort_by_key(|e| e.span);
        let mut shift_before = Vec::with_capacity(edits.len() + 1);
        let mut shift = 0isize;
        for edit in &edits {
            shift_before.push(shift);
            shift += edit.replacement.len() as isize - edit.span.len() as isize;
        }
        shift_before.push(shift);
        OffsetMap {
            edits,
            shift_before,
        }
    }

    /// The span the text of `span` occupies after the edits. Text inserted at its start
    /// lands inside it; text inserted at its end lands outside (a span covers its bytes);
    /// a span end inside a replaced range takes in the whole replacement.
    pub fn span(&self, span: Span) -> Span {
        let start = self.start(span.start);
        Span::new(start, self.end(span.end).max(start))
    }

    /// Where the byte at `offset` lands: after text inserted there, at the start of the
    /// replacement of a range holding it.
    fn start(&self, offset: usize) -> usize {
        let before = self.edits.partition_point(|e| e.span.end <= offset);
        match self.edits.get(before) {
            Some(edit) if edit.span.start <= offset => self.moved(edit.span.start, before),
            _ => self.moved(offset, before),
        }
    }

    /// Where the end of a range ending at `offset` lands: before text inserted there, at
    /// the end of the replacement of a range it ends inside.
    fn end(&self, offset: usize) -> usize {
        let before = self
            .edits
            .partition_point(|e| e.span.end <= offset && e.span.start < offset);
        match self.edits.get(before) {
            Some(edit) if edit.span.start < offset => {
                self.moved(edit.span.start, before) + edit.replacement.len()
            }
            _ => self.moved(offset, before),
        }
    }

    fn moved(&self, offset: usize, edits_before: usize) -> usize {
        offset.saturating_add_signed(self.shift_before[edits_before])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::apply_edits;

    #[test]
    fn a_span_follows_its_text_through_the_edits() {
        let text = "[\"a\", \"b\", \"c\", \"d\"]";
        let edits = [
            Edit::delete(Span::new(4, 9)),              // `, "b"`
            Edit::replace(Span::new(11, 14), "\"CC\""), // `"c"` -> `"CC"`
            Edit::insert(text.len() - 1, ", \"e\""),    // before the bracket
        ];
        let fixed = apply_edits(text, &edits);
        assert_eq!(fixed, "[\"a\", \"CC\", \"d\", \"e\"]");
        let map = OffsetMap::new(&edits);
        let at = |s: Span| &fixed[s.start..s.end];
        // Untouched text, before and after the edits.
        assert_eq!(at(map.span(Span::new(1, 4))), "\"a\"");
        assert_eq!(at(map.span(Span::new(16, 19))), "\"d\"");
        // A replaced range becomes its replacement; a range around edits keeps its ends.
        assert_eq!(at(map.span(Span::new(11, 14))), "\"CC\"");
        assert_eq!(at(map.span(Span::new(0, text.len()))), fixed);
        // A span ending where text is inserted does not take the insertion in.
        assert_eq!(at(map.span(Span::new(16, text.len() - 1))), "\"d\"");
        // Deleted text collapses to where it was.
        assert!(map.span(Span::new(6, 9)).is_empty());
    }
}
