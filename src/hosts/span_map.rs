//! How a policy document's bytes stand for its host's: sorted pieces, each a document range
//! and the host range it came from. A `Verbatim` piece is the same bytes shifted (a JSON
//! object inside a template, a run of a string without escapes, a line of a heredoc); an
//! `Opaque` piece stands for its host range as a whole (an escape sequence such as `\"`
//! or `\u00e9`, a masked `${...}`, a synthesized quote). Pieces tile the document; in the
//! host they are in order but may leave gaps (a heredoc's stripped indentation).
//!
//! A document range maps to the host range from where its start lies to where its end
//! lies: a position inside a `Verbatim` piece keeps its offset into the piece, one inside
//! an `Opaque` piece widens to the whole piece (to its host start for a start, to its host
//! end for an end). A position on the boundary of two pieces is the later piece's start
//! when it starts a range and the earlier piece's end when it ends one, so a range never
//! takes the host bytes between two pieces that it does not span.

use crate::source::Span;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PieceKind {
    Verbatim,
    Opaque,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Piece {
    pub doc: Span,
    pub host: Span,
    pub kind: PieceKind,
}

/// Document offsets to host offsets. Built piece by piece in document order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SpanMap {
    pieces: Vec<Piece>,
}

impl SpanMap {
    /// The document is the host range `host`, byte for byte.
    pub fn shifted(host: Span) -> Self {
        let mut map = SpanMap::default();
        map.push_verbatim(host.len(), host.start);
        map
    }

    /// The document's length so far (the end of its last piece).
    pub fn doc_len(&self) -> usize {
        self.pieces.last().map_or(0, |p| p.doc.end)
    }

    /// Appends `len` document bytes that are the host bytes from `host_start` on. Joins the
    /// previous piece when that is verbatim and ends where this one starts in both texts.
    pub fn push_verbatim(&mut self, len: usize, host_start: usize) {
        if len == 0 {
            return;
        }
        let doc_start = self.doc_len();
        if let Some(last) = self.pieces.last_mut()
            && last.kind == PieceKind::Verbatim
            && last.host.end == host_start
        {
            last.doc.end += len;
            last.host.end += len;
            return;
        }
        self.push(Piece {
            doc: Span::new(doc_start, doc_start + len),
            host: Span::new(host_start, host_start + len),
            kind: PieceKind::Verbatim,
        });
    }

    /// Appends `len` document bytes standing for the host range `host` as a whole.
    pub fn push_opaque(&mut self, len: usize, host: Span) {
        let doc_start = self.doc_len();
        self.push(Piece {
            doc: Span::new(doc_start, doc_start + len),
            host,
            kind: PieceKind::Opaque,
        });
    }

    fn push(&mut self, piece: Piece) {
        debug_assert!(
            self.pieces
                .last()
                .is_none_or(|last| last.host.end <= piece.host.start),
            "pieces are in host order"
        );
        self.pieces.push(piece);
    }

    pub fn pieces(&self) -> &[Piece] {
        &self.pieces
    }

    /// Whether a document offset is the same host offset everywhere: one verbatim piece
    /// from 0 to 0 (a standalone policy file), or nothing at all.
    pub fn is_identity(&self) -> bool {
        match self.pieces.as_slice() {
            [] => true,
            [only] => only.kind == PieceKind::Verbatim && only.doc == only.host,
            _ => false,
        }
    }

    /// Whether every document byte is a host byte at one fixed shift: edits then map
    /// exactly, whatever they replace.
    pub fn is_shift(&self) -> bool {
        matches!(
            self.pieces.as_slice(),
            [] | [Piece {
                kind: PieceKind::Verbatim,
                ..
            }]
        )
    }

    /// The host range the whole document stands for.
    pub fn host_span(&self) -> Span {
        match (self.pieces.first(), self.pieces.last()) {
            (Some(first), Some(last)) => Span::new(first.host.start, last.host.end),
            _ => Span::default(),
        }
    }

    /// Where a range starting at document offset `at` starts in the host.
    pub fn map_start(&self, at: usize) -> usize {
        // The piece whose document range holds `at` (a boundary belongs to the later one).
        let index = self.pieces.partition_point(|p| p.doc.end <= at);
        match self.pieces.get(index) {
            Some(piece) => match piece.kind {
                PieceKind::Verbatim => piece.host.start + at.saturating_sub(piece.doc.start),
                PieceKind::Opaque => piece.host.start,
            },
            None => self.pieces.last().map_or(at, |p| p.host.end),
        }
    }

    /// Where a range ending at document offset `at` ends in the host.
    pub fn map_end(&self, at: usize) -> usize {
        // The piece whose document range holds `at` as an end (a boundary belongs to the
        // earlier one).
        let index = self.pieces.partition_point(|p| p.doc.end < at);
        match self.pieces.get(index) {
            Some(piece) if piece.doc.start < at => match piece.kind {
                PieceKind::Verbatim => piece.host.start + (at - piece.doc.start),
                PieceKind::Opaque => piece.host.end,
            },
            Some(piece) => piece.host.start,
            None => self.pieces.last().map_or(at, |p| p.host.end),
        }
    }

    /// The host range of a document range. An empty range (an insertion point) stays empty,
    /// at the host position where a range starting there would start.
    pub fn map_span(&self, span: Span) -> Span {
        if self.is_identity() {
            return span;
        }
        let start = self.map_start(span.start);
        if span.is_empty() {
            return Span::new(start, start);
        }
        Span::new(start, self.map_end(span.end).max(start))
    }

    /// Whether the document range `span` covers each `Opaque` piece it touches whole, so
    /// that replacing it replaces exactly what its host range holds.
    pub fn maps_exactly(&self, span: Span) -> bool {
        let from = self.pieces.partition_point(|p| p.doc.end <= span.start);
        self.pieces[from..]
            .iter()
            .take_while(|p| {
                p.doc.start < span.end || (span.is_empty() && p.doc.start == span.start)
            })
            .all(|p| {
                p.kind == PieceKind::Verbatim
                    || (span.start <= p.doc.start && p.doc.end <= span.end)
                    || (span.is_empty() && span.start == p.doc.start)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A map from a document of `"a\"b"`-like escapes: every fourth byte of the document
    /// stands for a two-byte escape; every line of three bytes is indented by two.
    fn sample_maps() -> Vec<SpanMap> {
        let mut escapes = SpanMap::default();
        let mut host = 10;
        for i in 0..20 {
            if i % 4 == 3 {
                escapes.push_opaque(1, Span::new(host, host + 2));
                host += 2;
            } else {
                escapes.push_verbatim(1, host);
                host += 1;
            }
        }
        let mut indented = SpanMap::default();
        let mut host = 0;
        for _ in 0..6 {
            host += 2;
            indented.push_verbatim(3, host);
            host += 3;
        }
        let mut multibyte = SpanMap::default();
        multibyte.push_verbatim(2, 5);
        multibyte.push_opaque(4, Span::new(7, 19)); // a surrogate pair
        multibyte.push_verbatim(3, 19);
        multibyte.push_opaque(0, Span::new(22, 25)); // an escape standing for nothing
        multibyte.push_verbatim(2, 25);
        vec![
            SpanMap::shifted(Span::new(0, 40)),
            SpanMap::shifted(Span::new(7, 30)),
            escapes,
            indented,
            multibyte,
        ]
    }

    #[test]
    fn mapping_is_monotone_and_stays_inside_the_host_range() {
        for map in sample_maps() {
            let host = map.host_span();
            let len = map.doc_len();
            let mut previous = (0, 0);
            for at in 0..=len {
                let (start, end) = (map.map_start(at), map.map_end(at));
                assert!(host.start <= start && start <= host.end, "{at} in {map:?}");
                assert!(host.start <= end && end <= host.end, "{at} in {map:?}");
                assert!(start >= previous.0 && end >= previous.1, "{at} in {map:?}");
                // A range's end never comes after the start of a range that begins there,
                // unless both fall inside one opaque piece.
                let inside_opaque = map
                    .pieces()
                    .iter()
                    .any(|p| p.kind == PieceKind::Opaque && p.doc.start < at && at < p.doc.end);
                assert!(end <= start || inside_opaque, "{at} in {map:?}");
                previous = (start, end);
                for to in at..=len {
                    let span = map.map_span(Span::new(at, to));
                    assert!(span.start <= span.end, "{at}..{to} in {map:?}");
                    assert!(host.start <= span.start && span.end <= host.end);
                }
            }
            assert_eq!(map.map_start(0), host.start);
            assert_eq!(map.map_end(len), host.end);
        }
    }

    #[test]
    fn an_identity_map_maps_every_offset_to_itself() {
        let map = SpanMap::shifted(Span::new(0, 100));
        assert!(map.is_identity() && map.is_shift());
        for at in 0..=100 {
            assert_eq!((map.map_start(at), map.map_end(at)), (at, at));
        }
        let span = Span::new(3, 9);
        assert_eq!(map.map_span(span), span);
        assert!(SpanMap::default().is_identity());
        assert!(!SpanMap::shifted(Span::new(1, 100)).is_identity());
    }

    #[test]
    fn opaque_pieces_widen_and_verbatim_pieces_shift() {
        // Document `ab"cd` from host `ab\"cd` at 10.
        let mut map = SpanMap::default();
        map.push_verbatim(2, 10);
        map.push_opaque(1, Span::new(12, 14));
        map.push_verbatim(2, 14);
        assert!(!map.is_shift());
        assert_eq!(map.map_span(Span::new(0, 2)), Span::new(10, 12));
        assert_eq!(map.map_span(Span::new(2, 3)), Span::new(12, 14));
        assert_eq!(map.map_span(Span::new(1, 4)), Span::new(11, 15));
        assert_eq!(map.map_span(Span::new(3, 3)), Span::new(14, 14));
        assert!(map.maps_exactly(Span::new(1, 4)));
        assert!(map.maps_exactly(Span::new(2, 2)));
        // Joined runs: verbatim pieces that touch in both texts are one.
        let mut joined = SpanMap::default();
        joined.push_verbatim(2, 0);
        joined.push_verbatim(3, 2);
        assert_eq!(joined.pieces().len(), 1);
    }

    #[test]
    fn a_range_never_takes_the_gap_between_two_lines() {
        // Lines `ab\n` and `cd` at host 2 and 7 (two bytes of indentation each).
        let mut map = SpanMap::default();
        map.push_verbatim(3, 2);
        map.push_verbatim(2, 7);
        assert_eq!(map.map_span(Span::new(0, 3)), Span::new(2, 5));
        assert_eq!(map.map_span(Span::new(3, 5)), Span::new(7, 9));
        // An insertion at the start of the second line goes after its indentation.
        assert_eq!(map.map_span(Span::new(3, 3)), Span::new(7, 7));
    }

    #[test]
    fn a_range_inside_an_opaque_piece_is_not_exact() {
        let mut map = SpanMap::default();
        map.push_verbatim(1, 0);
        map.push_opaque(4, Span::new(1, 13));
        assert!(!map.maps_exactly(Span::new(2, 3)));
        assert!(!map.maps_exactly(Span::new(0, 2)));
        assert!(map.maps_exactly(Span::new(0, 5)));
        assert_eq!(map.map_span(Span::new(2, 3)), Span::new(1, 13));
    }
}
