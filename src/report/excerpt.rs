//! The part of a file that `pretty` shows for one diagnostic, as miette reads it: the lines
//! its spans are on and one line either side, each escaped (`super::escape`) and, when
//! long, cut to windows around the spans with `…` for what is left out (as rustc and ruff
//! do), so a diagnostic costs the same on a 50 MB one-line file as on a tidy one.
//!
//! miette sees only this excerpt, with the spans moved into it; the line numbers and the
//! `[path:line:col]` it prints are those of the file.

use super::escape::{escape, push_escaped};
use crate::source::{LineIndex, Span};
use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};
use std::borrow::Cow;

/// A line longer than this (in characters) is shown in windows around the spans on it.
const LONG_LINE_CHARS: usize = 240;
/// Characters shown either side of a span's start or end on a long line.
const WINDOW_CHARS: usize = 60;
/// A span over more lines than this is shown on its first line only, up to its end.
const MAX_SPAN_LINES: usize = 12;
/// Lines of context either side of a span, as miette's handler is set to show.
pub const CONTEXT_LINES: usize = 1;
/// Spans this many lines apart or fewer are shown in one snippet, with the lines between.
const JOINED_GAP_LINES: usize = 10;

const ELLIPSIS: char = '…';

pub struct Excerpt {
    /// The path, escaped.
    name: String,
    text: String,
    /// The line of the file (0-based) each line of `text` shows, and the last line of
    /// `text` (0-based) in the snippet it belongs to.
    file_lines: Vec<(usize, usize)>,
    /// Where each span boundary landed in `text`, with its column in the file (0-based,
    /// in characters): the header names the file's column, not the excerpt's.
    anchors: Vec<(usize, usize)>,
    /// [`break_ends`] of `text`, so that a read starts near its span.
    break_ends: Vec<usize>,
}

impl Excerpt {
    /// The excerpt of `text` for `spans`, and each span moved into it.
    pub fn new(name: &str, text: &str, index: &LineIndex, spans: &[Span]) -> (Self, Vec<Span>) {
        let spans: Vec<Span> = spans
            .iter()
            .map(|&span| shown_part(text, index, span))
            .collect();
        let last_line = index.line_count() - 1;
        // The lines to show, as sorted, merged ranges.
        let mut ranges: Vec<(usize, usize)> = spans
            .iter()
            .map(|span| {
                let first = line_of(index, text, span.start);
                let last = line_of(index, text, span.end);
                (
                    first.saturating_sub(CONTEXT_LINES),
                    (last + CONTEXT_LINES).min(last_line),
                )
            })
            .collect();
        ranges.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::with_capacity(ranges.len());
        for (first, last) in ranges {
            match merged.last_mut() {
                Some((_, end)) if first <= *end + 1 + JOINED_GAP_LINES => *end = (*end).max(last),
                _ => merged.push((first, last)),
            }
        }
        let mut points: Vec<usize> = spans.iter().flat_map(|s| [s.start, s.end]).collect();
        points.sort_unstable();
        points.dedup();
        let mut excerpt = Excerpt {
            name: escape(name).into_owned(),
            text: String::new(),
            file_lines: Vec::new(),
            anchors: Vec::with_capacity(points.len()),
            break_ends: Vec::new(),
        };
        // (offset in the file, offset in the excerpt) of every point.
        let mut moved: Vec<(usize, usize)> = Vec::with_capacity(points.len());
        for (first, last) in merged {
            let snippet_end = excerpt.file_lines.len() + (last - first);
            for line in first..=last {
                if !excerpt.file_lines.is_empty() {
                    excerpt.text.push('\n');
                }
                excerpt.file_lines.push((line, snippet_end));
                let (start, end) = line_bounds(index, text, line);
                let from = points.partition_point(|&p| p < start);
                let to = points.partition_point(|&p| p <= end);
                excerpt.push_line(text, start, end, &points[from..to], &mut moved);
            }
        }
        for &(file, shown) in &moved {
            let column = index.position(text, file).column - 1;
            excerpt.anchors.push((shown, column));
        }
        excerpt.anchors.sort_unstable();
        excerpt.break_ends = break_ends(excerpt.text.as_bytes());
        let shown = |offset: usize| {
            moved
                .binary_search_by_key(&offset, |&(file, _)| file)
                .map_or(0, |i| moved[i].1)
        };
        let spans = spans
            .iter()
            .map(|span| Span::new(shown(span.start), shown(span.end)))
            .collect();
        (excerpt, spans)
    }

    /// Appends the line `text[start..end]` (without its line break), in windows around
    /// `points` when it is long, recording where each point lands.
    fn push_line(
        &mut self,
        text: &str,
        start: usize,
        end: usize,
        points: &[usize],
        moved: &mut Vec<(usize, usize)>,
    ) {
        let line = &text[start..end];
        let windows =
            if line.len() <= LONG_LINE_CHARS || line.chars().nth(LONG_LINE_CHARS).is_none() {
                vec![(0, line.len())]
            } else {
                windows(line, points.iter().map(|p| p - start))
            };
        let mut points = points.iter().copied().peekable();
        for (i, &(from, to)) in windows.iter().enumerate() {
            if from > 0 || i > 0 {
                self.text.push(ELLIPSIS);
            }
            let window = &line[from..to];
            if let Cow::Borrowed(_) = escape(window) {
                self.push_plain_window(window, start + from, &mut points, moved);
            } else {
                self.push_escaped_window(window, start + from, &mut points, moved);
            }
            while points.next_if(|&p| p <= start + to).is_some() {
                moved.push((start + to, self.text.len()));
            }
        }
        if windows.last().is_some_and(|&(_, to)| to < line.len()) {
            self.text.push(ELLIPSIS);
        }
    }
}

/// What [`super::snippet`] reads of an excerpt to draw it as miette would.
impl Excerpt {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// Where each line break of the text ends.
    pub fn break_ends(&self) -> &[usize] {
        &self.break_ends
    }

    /// The line of the text (0-based) `offset` is on; a line break is on the line it ends.
    pub fn line_of(&self, offset: usize) -> usize {
        self.break_ends.partition_point(|&end| end < offset)
    }

    /// The file's line (0-based) that line `line` of the text shows, and the last line of
    /// the text in its part of the excerpt, as [`SourceCode::read_span`] says them.
    pub fn file_line(&self, line: usize) -> (usize, usize) {
        self.file_lines.get(line).copied().unwrap_or((0, 0))
    }

    /// The file's column (0-based, in characters) of a span boundary at `offset`.
    fn anchor_column(&self, offset: usize) -> Option<usize> {
        let i = self.anchors.binary_search_by_key(&offset, |a| a.0).ok()?;
        Some(self.anchors[i].1)
    }

    /// The file's line and column (0-based) a snippet's header names for a label at
    /// `offset`: what a read of it without context gives.
    pub fn header_position(&self, offset: usize) -> Option<(usize, usize)> {
        let line = self.line_of(offset);
        let column = match self.anchor_column(offset) {
            Some(column) => column,
            None => {
                let start = line.checked_sub(1).map_or(0, |l| self.break_ends[l] + 1);
                offset.checked_sub(start)?
            }
        };
        Some((self.file_line(line).0, column))
    }
}

type Points<'a> = std::iter::Peekable<std::iter::Copied<std::slice::Iter<'a, usize>>>;

impl Excerpt {
    /// Appends `window`, which starts at `window_start` in the file, escaped, recording
    /// where each of `points` in it lands: at the first character that starts there or
    /// after.
    fn push_escaped_window(
        &mut self,
        window: &str,
        window_start: usize,
        points: &mut Points,
        moved: &mut Vec<(usize, usize)>,
    ) {
        for (at, c) in window.char_indices() {
            while points.next_if(|&p| p <= window_start + at).is_some() {
                moved.push((window_start + at, self.text.len()));
            }
            push_escaped(&mut self.text, c);
        }
    }

    /// [`Self::push_escaped_window`] for a window with nothing to escape (nearly every
    /// one): each point lands as far into the window as it lies, in one copy.
    fn push_plain_window(
        &mut self,
        window: &str,
        window_start: usize,
        points: &mut Points,
        moved: &mut Vec<(usize, usize)>,
    ) {
        while let Some(p) = points.next_if(|&p| p < window_start + window.len()) {
            let mut at = p.saturating_sub(window_start);
            while !window.is_char_boundary(at) {
                at += 1;
            }
            moved.push((window_start + at, self.text.len() + at));
        }
        self.text.push_str(window);
    }
}

/// The windows of a long `line` to show: `WINDOW_CHARS` either side of each point (byte
/// offsets into the line), merged where they meet; the line's start when it has none.
fn windows(line: &str, points: impl Iterator<Item = usize>) -> Vec<(usize, usize)> {
    let back = |p: usize| {
        line[..p]
            .char_indices()
            .rev()
            .take(WINDOW_CHARS)
            .last()
            .map_or(p, |(i, _)| i)
    };
    let ahead = |p: usize| {
        line[p..]
            .char_indices()
            .nth(WINDOW_CHARS)
            .map_or(line.len(), |(i, _)| p + i)
    };
    let mut windows: Vec<(usize, usize)> = Vec::new();
    for p in points {
        let (from, to) = (back(p), ahead(p));
        match windows.last_mut() {
            Some((_, end)) if from <= *end => *end = (*end).max(to),
            _ => windows.push((from, to)),
        }
    }
    if windows.is_empty() {
        let to = line
            .char_indices()
            .nth(2 * WINDOW_CHARS)
            .map_or(line.len(), |(i, _)| i);
        windows.push((0, to));
    }
    windows
}

/// The part of `span` the excerpt shows, on character boundaries and never inside a
/// line break (an end just past one is the end of the line before): a span over many
/// lines is cut at the end of its first.
fn shown_part(text: &str, index: &LineIndex, span: Span) -> Span {
    let inside_a_line = |mut at: usize| {
        at = at.min(text.len());
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        at.min(line_bounds(index, text, line_of(index, text, at)).1)
    };
    let start = inside_a_line(span.start);
    let mut end = span.end.max(start);
    let end_line = line_of(index, text, end.min(text.len()));
    if end > start && end_line > 0 && end == index.line_start(end_line) {
        end = line_bounds(index, text, end_line - 1).1.max(start);
    }
    let end = inside_a_line(end);
    let first = line_of(index, text, start);
    if line_of(index, text, end) - first > MAX_SPAN_LINES {
        return Span::new(start, line_bounds(index, text, first).1);
    }
    Span::new(start, end)
}

/// The line (0-based) `offset` is on.
fn line_of(index: &LineIndex, text: &str, offset: usize) -> usize {
    index.position(text, offset).line - 1
}

/// The start and end of line `line` (0-based), without its `\n` or `\r\n`.
fn line_bounds(index: &LineIndex, text: &str, line: usize) -> (usize, usize) {
    let start = index.line_start(line);
    let mut end = if line + 1 < index.line_count() {
        index.line_start(line + 1) - 1
    } else {
        text.len()
    };
    if end > start && text.as_bytes()[end - 1] == b'\r' && end < text.len() {
        end -= 1;
    }
    (start, end)
}

/// Where each line break of `text` ends, as miette's reader counts them: a `\n`, a `\r\n`
/// (once, at its `\n`) and a lone `\r`.
fn break_ends(text: &[u8]) -> Vec<usize> {
    memchr::memchr2_iter(b'\n', b'\r', text)
        .filter(|&i| !(text[i] == b'\r' && text.get(i + 1) == Some(&b'\n')))
        .collect()
}

/// What miette's reader of a whole text gives for `span` (`<[u8] as SourceCode>::read_span`,
/// which walks the text from its first byte), from a walk that starts at the line
/// `before + 1` lines above the span's: the walk meets the same bytes in the same state
/// there (no line of context collected yet, the span not reached), so only the line
/// numbers and offsets are moved by where it starts.
fn read_near<'a>(
    text: &'a [u8],
    break_ends: &[usize],
    span: &SourceSpan,
    before: usize,
    after: usize,
) -> Result<MietteSpanContents<'a>, MietteError> {
    let span_line = break_ends.partition_point(|&end| end < span.offset());
    let first_line = span_line.saturating_sub(before + 1);
    let start = match first_line {
        0 => 0,
        line => break_ends[line - 1] + 1,
    };
    let near = SourceSpan::new((span.offset() - start).into(), span.len());
    let inner = text[start..].read_span(&near, before, after)?;
    Ok(MietteSpanContents::new(
        inner.data(),
        SourceSpan::new((inner.span().offset() + start).into(), inner.span().len()),
        inner.line() + first_line,
        inner.column(),
        inner.line_count() + first_line,
    ))
}

impl SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = read_near(
            self.text.as_bytes(),
            &self.break_ends,
            span,
            context_lines_before,
            context_lines_after,
        )?;
        let (line, snippet_end) = self.file_lines.get(inner.line()).copied().unwrap_or((0, 0));
        let column = match self.anchor_column(span.offset()) {
            Some(column) if context_lines_before == 0 => column,
            _ => inner.column(),
        };
        // miette joins two snippets when the first reaches the line before the second:
        // said to reach the end of its snippet here, a read joins what lies in the same
        // snippet and nothing else (the next lies more than a line further in the file).
        let lines = snippet_end.saturating_sub(inner.line()) + 1;
        let data = inner.data();
        Ok(Box::new(
            MietteSpanContents::new_named(
                self.name.clone(),
                data,
                *inner.span(),
                line,
                column,
                lines,
            )
            .with_language("json"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn excerpt(text: &str, spans: &[Span]) -> (Excerpt, Vec<Span>) {
        Excerpt::new("p.json", text, &LineIndex::new(text), spans)
    }

    #[test]
    fn short_lines_are_shown_whole_with_a_line_either_side() {
        let text = "{\n  \"a\": 1,\n  \"b\": 2,\n  \"c\": 3,\n  \"d\": 4\n}";
        let b = text.find("\"b\"").unwrap();
        let (shown, spans) = excerpt(text, &[Span::new(b, b + 3)]);
        assert_eq!(shown.text, "  \"a\": 1,\n  \"b\": 2,\n  \"c\": 3,");
        assert_eq!(shown.file_lines, [(1, 2), (2, 2), (3, 2)]);
        assert_eq!(&shown.text[spans[0].start..spans[0].end], "\"b\"");
    }

    #[test]
    fn long_lines_are_cut_around_each_span() {
        let text = format!(
            "{{\"a\": [{}\"x\", {}\"y\"]}}",
            "1, ".repeat(30_000),
            "2, ".repeat(30_000)
        );
        let (x, y) = (text.find("\"x\"").unwrap(), text.find("\"y\"").unwrap());
        let (shown, spans) = excerpt(&text, &[Span::new(y, y + 3), Span::new(x, x + 3)]);
        assert!(
            shown.text.chars().count() < 4 * WINDOW_CHARS + 10,
            "{}",
            shown.text
        );
        assert!(shown.text.starts_with("…1, 1, "));
        assert_eq!(shown.text.matches('…').count(), 2, "{}", shown.text);
        assert_eq!(&shown.text[spans[0].start..spans[0].end], "\"y\"");
        assert_eq!(&shown.text[spans[1].start..spans[1].end], "\"x\"");
        // The header's column is the file's.
        let column = shown
            .anchors
            .iter()
            .find(|a| a.0 == spans[0].start)
            .unwrap()
            .1;
        assert_eq!(column, text[..y].chars().count());
    }

    #[test]
    fn controls_in_the_source_are_escaped_and_spans_follow() {
        let text = "{\"a\u{1b}[2J\": \"\u{202e}x\"}";
        let x = text.find('x').unwrap();
        let (shown, spans) = excerpt(text, &[Span::new(x, x + 1)]);
        assert_eq!(shown.text, "{\"a\\u{1b}[2J\": \"\\u{202e}x\"}");
        assert_eq!(&shown.text[spans[0].start..spans[0].end], "x");
    }

    #[test]
    fn a_span_over_many_lines_is_cut_to_its_first() {
        let text = format!("{{\"Statement\": {{\n{}}}}}", "\"k\": 1,\n".repeat(100));
        let open = text.find("{\n").unwrap();
        let (shown, spans) = excerpt(&text, &[Span::new(open, text.len() - 1)]);
        assert_eq!(shown.file_lines, [(0, 1), (1, 1)]);
        assert_eq!(&shown.text[spans[0].start..spans[0].end], "{");
    }

    #[test]
    fn spans_at_line_ends_and_past_the_text_stay_inside_it() {
        for text in ["", "\n", "{\r\n}\r\n", "{}", "\u{e9}\u{e9}"] {
            let spans: Vec<Span> = (0..=text.len() + 2)
                .flat_map(|a| (a..=text.len() + 2).map(move |b| Span::new(a, b)))
                .collect();
            let (shown, moved) = excerpt(text, &spans);
            for span in moved {
                assert!(
                    span.start <= span.end && span.end <= shown.text.len(),
                    "{text:?}"
                );
                assert!(shown.text.is_char_boundary(span.start), "{text:?}");
                assert!(shown.text.is_char_boundary(span.end), "{text:?}");
            }
        }
    }

    type Seen<'a> = Result<(&'a [u8], SourceSpan, usize, usize, usize), String>;

    fn seen<'a>(read: Result<Box<dyn SpanContents<'a> + 'a>, MietteError>) -> Seen<'a> {
        read.map(|c| (c.data(), *c.span(), c.line(), c.column(), c.line_count()))
            .map_err(|e| e.to_string())
    }

    /// The read that starts near its span gives what a read of the whole text gives, on
    /// random texts of `\n`, `\r\n` and lone `\r` breaks, multi-byte characters and no
    /// final break, for every kind of span (empty, at a break, over several lines, at the
    /// end of the text) and context.
    #[test]
    fn a_read_near_the_span_is_a_read_of_the_whole_text() {
        let pieces = [
            "a", "bc", " ", "\n", "\r\n", "\r", "\u{e9}", "\u{20ac}", "\n\n",
        ];
        let mut rng = crate::testing::Rng(0x5eed_1e55);
        for _ in 0..20_000 {
            let text: String = (0..rng.below(24)).map(|_| rng.pick(&pieces)).collect();
            let text = text.as_bytes();
            let ends = break_ends(text);
            // Inside the text: miette's reader panics on a span past its end.
            let offset = rng.below(text.len() + 1);
            let len = rng.below(text.len() + 1 - offset);
            let span = SourceSpan::new(offset.into(), len);
            let (before, after) = (rng.below(4), rng.below(4));
            let whole = text.read_span(&span, before, after);
            let near = read_near(text, &ends, &span, before, after)
                .map(|c| Box::new(c) as Box<dyn SpanContents>);
            assert_eq!(
                seen(near),
                seen(whole),
                "{:?} {span:?} {before} {after}",
                String::from_utf8_lossy(text)
            );
        }
    }

    fn empty() -> Excerpt {
        Excerpt {
            name: String::new(),
            text: "…".to_string(),
            file_lines: Vec::new(),
            anchors: Vec::new(),
            break_ends: Vec::new(),
        }
    }

    /// A window with nothing to escape, copied whole, takes its points where the walk over
    /// its characters puts them: points before, inside and after it, inside multi-byte
    /// characters and at its ends.
    #[test]
    fn a_plain_window_places_points_as_the_escaping_walk_does() {
        let pieces = ["a", "bc", " ", "\t", "\u{e9}", "\u{20ac}", "\u{1f600}"];
        let mut rng = crate::testing::Rng(0xc0ff_ee42);
        for _ in 0..20_000 {
            let window: String = (0..rng.below(12)).map(|_| rng.pick(&pieces)).collect();
            let window_start = 5 + rng.below(4);
            let mut points: Vec<usize> = (0..rng.below(6))
                .map(|_| window_start - 3 + rng.below(window.len() + 7))
                .collect();
            points.sort_unstable();
            points.dedup();
            let (mut plain, mut walked) = (empty(), empty());
            let (mut plain_moved, mut walked_moved) = (Vec::new(), Vec::new());
            let mut plain_points = points.iter().copied().peekable();
            let mut walked_points = points.iter().copied().peekable();
            plain.push_plain_window(&window, window_start, &mut plain_points, &mut plain_moved);
            walked.push_escaped_window(
                &window,
                window_start,
                &mut walked_points,
                &mut walked_moved,
            );
            // What the walk leaves at the window's end, the line's walk places at its end.
            for (excerpt, rest, moved) in [
                (&plain, &mut plain_points, &mut plain_moved),
                (&walked, &mut walked_points, &mut walked_moved),
            ] {
                while rest
                    .next_if(|&p| p <= window_start + window.len())
                    .is_some()
                {
                    moved.push((window_start + window.len(), excerpt.text.len()));
                }
            }
            assert_eq!(plain.text, walked.text);
            assert_eq!(plain_moved, walked_moved, "{window:?} {points:?}");
            assert_eq!(
                plain_points.collect::<Vec<_>>(),
                walked_points.collect::<Vec<_>>()
            );
        }
    }
}
