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
            for (at, c) in line[from..to].char_indices() {
                while points.next_if(|&p| p <= start + from + at).is_some() {
                    moved.push((start + from + at, self.text.len()));
                }
                push_escaped(&mut self.text, c);
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

impl SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner =
            self.text
                .as_str()
                .read_span(span, context_lines_before, context_lines_after)?;
        let (line, snippet_end) = self.file_lines.get(inner.line()).copied().unwrap_or((0, 0));
        let column = match self.anchors.binary_search_by_key(&span.offset(), |a| a.0) {
            Ok(i) if context_lines_before == 0 => self.anchors[i].1,
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
}
