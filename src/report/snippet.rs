//! The snippets of a `pretty` report drawn as miette's graphical handler draws them
//! (`GraphicalReportHandler::render_snippets`, miette 7.6, with `pretty`'s settings: one
//! line of context, tabs four wide, no syntax highlighting), for the shape nearly every
//! diagnostic has: each label within one line, no two at one offset, each label's text one
//! line.
//!
//! miette reads an excerpt four or five times per diagnostic through `SourceCode::read_span`,
//! each read a walk byte by byte, then copies each line into a `String` of its own: on a file
//! of many findings that was most of `pretty`'s time. The [`Excerpt`] knows where its lines
//! break, so here each line is visited once, in place. A diagnostic of any other shape
//! (a label over several lines, say) gets `None` and miette draws it;
//! `tests::drawn_snippets_are_the_ones_miette_draws` holds the two to the same bytes, in
//! colour and without.
//!
//! The layout rules below are miette's, kept in its order so the two can be read side by
//! side: which lines a snippet shows (a line before its first label, a line after its
//! last), when two labels share one snippet, where an underline starts and ends (columns
//! by Unicode width, tabs to the next multiple of four), and the label lines drawn from the
//! rightmost label back.

use super::excerpt::Excerpt;
use miette::GraphicalTheme;
use owo_colors::{OwoColorize, Style};
use std::fmt::Write;
use unicode_width::UnicodeWidthChar;

/// A label as miette is given it: a span of the excerpt and its text.
pub struct Label<'a> {
    pub offset: usize,
    pub len: usize,
    pub text: &'a str,
    pub primary: bool,
}

impl Label<'_> {
    fn end(&self) -> usize {
        self.offset + self.len
    }
}

/// The tab width of miette's handler, which `pretty` does not change.
const TAB_WIDTH: usize = 4;

/// Appends the snippets miette would draw for `labels` (spans of `excerpt`) to `out` and
/// says `true`; says `false`, leaving `out` as it was, when they are not of the shape drawn
/// here.
pub fn draw(out: &mut String, excerpt: &Excerpt, labels: &[Label], theme: &GraphicalTheme) -> bool {
    let start = out.len();
    let drawn = draw_snippets(out, excerpt, labels, theme).is_some();
    if !drawn {
        out.truncate(start);
    }
    drawn
}

/// A line of a snippet, as miette's `get_lines` makes it: where it starts in the excerpt,
/// its length with its line break, its text without.
struct Line<'t> {
    number: usize,
    offset: usize,
    length: usize,
    text: &'t str,
}

impl Line<'_> {
    fn end(&self) -> usize {
        self.offset + self.length
    }

    /// miette's `span_line_only`.
    fn holds(&self, label: &Label) -> bool {
        label.offset >= self.offset && label.end() <= self.end()
    }

    /// miette's `span_applies`: whether `label` shows on this line at all.
    fn shows(&self, label: &Label) -> bool {
        let end = label.offset + label.len.max(1);
        (label.offset >= self.offset && label.offset < self.end())
            || (label.offset < self.offset && end > self.end())
            || (end > self.offset && end <= self.end())
    }
}

fn draw_snippets(
    out: &mut String,
    excerpt: &Excerpt,
    labels: &[Label],
    theme: &GraphicalTheme,
) -> Option<()> {
    let text = excerpt.text();
    let mut sorted: Vec<&Label> = labels.iter().collect();
    // miette sorts unstably by offset: the same order when no two offsets are equal.
    sorted.sort_by_key(|label| label.offset);
    if sorted
        .windows(2)
        .any(|pair| pair[0].offset == pair[1].offset)
        || sorted
            .iter()
            .any(|label| label.text.contains('\n') || label.end() > text.len())
        || memchr::memchr(b'\r', text.as_bytes()).is_some()
    {
        return None;
    }
    for (offset, len) in contexts(excerpt, &sorted) {
        draw_context(out, excerpt, offset, len, &sorted, theme)?;
    }
    Some(())
}

/// miette's snippets (its "contexts"): a label joins the snippet before it when the lines
/// that snippet reads reach the line before the label's; the joined span runs from the
/// first label's start to the furthest end. The excerpt says a read reaches the end of the
/// part of the file it shows (see `Excerpt`'s `SourceCode`).
fn contexts(excerpt: &Excerpt, sorted: &[&Label]) -> Vec<(usize, usize)> {
    // The file line a read of `offset` with a line of context starts at, and how many
    // lines it is said to hold.
    let read = |offset: usize| {
        let first = excerpt.line_of(offset).saturating_sub(1);
        let (file_line, part_end) = excerpt.file_line(first);
        (file_line, part_end.saturating_sub(first) + 1)
    };
    let mut contexts: Vec<((usize, usize), (usize, usize))> = Vec::with_capacity(sorted.len());
    for label in sorted {
        let right = read(label.offset);
        if let Some(((offset, len), (line, count))) = contexts.last_mut()
            && *line + *count >= right.0
        {
            *len = (*offset + *len).max(label.end()) - *offset;
            continue;
        }
        contexts.push(((label.offset, label.len), right));
    }
    contexts.into_iter().map(|(span, _)| span).collect()
}

/// The lines miette shows for the span `offset..offset + len`: from the line before the
/// span's first through the line after the one its last byte is on (`context_info`'s
/// walk, which stops after the second line break past the span's last byte).
fn lines_around(excerpt: &Excerpt, offset: usize, len: usize) -> Vec<Line<'_>> {
    let text = excerpt.text();
    let breaks = excerpt.break_ends();
    let first = excerpt.line_of(offset).saturating_sub(1);
    let start = match first {
        0 => 0,
        line => breaks[line - 1] + 1,
    };
    let last_byte = (offset + len).saturating_sub(1);
    let after = breaks.partition_point(|&b| b <= last_byte);
    let end = breaks.get(after + 1).map_or(text.len(), |&b| b + 1);
    let first_number = excerpt.file_line(first).0 + 1;
    let mut lines = Vec::with_capacity(3);
    let mut at = start;
    while at < end {
        let (text_end, next) = match memchr::memchr(b'\n', &text.as_bytes()[at..end]) {
            Some(i) => (at + i, at + i + 1),
            None => (end, end),
        };
        lines.push(Line {
            number: first_number + lines.len(),
            offset: at,
            length: next - at,
            text: &text[at..text_end],
        });
        at = next;
    }
    lines
}

fn draw_context(
    out: &mut String,
    excerpt: &Excerpt,
    offset: usize,
    len: usize,
    sorted: &[&Label],
    theme: &GraphicalTheme,
) -> Option<()> {
    let lines = lines_around(excerpt, offset, len);
    let last = lines.last()?;
    // A label over more than one line takes miette's gutter: not drawn here.
    if lines
        .iter()
        .any(|line| sorted.iter().any(|l| line.shows(l) && !line.holds(l)))
    {
        return None;
    }
    let in_context = |l: &&&Label| offset <= l.offset && l.end() <= offset + len;
    let primary = sorted
        .iter()
        .filter(in_context)
        .find(|l| l.primary)
        .or_else(|| sorted.iter().find(in_context))?;
    let styles: Vec<Style> = theme
        .styles
        .highlights
        .iter()
        .copied()
        .cycle()
        .take(sorted.len())
        .collect();
    let chars = &theme.characters;
    let width = last.number.to_string().len();

    let (line, column) = excerpt.header_position(primary.offset)?;
    let _ = writeln!(
        out,
        "{}{}{}[{}]",
        " ".repeat(width + 2),
        chars.ltop,
        chars.hbar,
        format_args!("{}:{}:{}", excerpt.name(), line + 1, column + 1).style(theme.styles.link)
    );
    for line in &lines {
        let _ = write!(
            out,
            " {:width$} {} ",
            line.number.style(theme.styles.linum),
            chars.vbar,
        );
        push_line_text(out, line.text);
        let on_line: Vec<(&Label, Style)> = sorted
            .iter()
            .zip(&styles)
            .filter(|(l, _)| line.shows(l))
            .map(|(l, s)| (*l, *s))
            .collect();
        if !on_line.is_empty() {
            draw_underlines(out, line, width, &on_line, theme);
        }
    }
    let _ = writeln!(
        out,
        "{}{}{}",
        " ".repeat(width + 2),
        chars.lbot,
        chars.hbar.to_string().repeat(4),
    );
    Some(())
}

/// A line's text with its tabs as spaces (miette's `render_line_text`).
fn push_line_text(out: &mut String, text: &str) {
    if !text.contains('\t') {
        out.push_str(text);
    } else {
        for (c, width) in text.chars().zip(char_widths(text)) {
            if c == '\t' {
                out.extend(std::iter::repeat_n(' ', width));
            } else {
                out.push(c);
            }
        }
    }
    out.push('\n');
}

/// The columns each character of `text` takes (miette's `line_visual_char_width`).
fn char_widths(text: &str) -> impl Iterator<Item = usize> + '_ {
    let mut column = 0;
    let mut escaped = false;
    text.chars().map(move |c| {
        let width = match (escaped, c) {
            (false, '\t') => TAB_WIDTH - column % TAB_WIDTH,
            (false, '\x1b') => {
                escaped = true;
                0
            }
            (false, c) => c.width().unwrap_or(0),
            (true, 'm') => {
                escaped = false;
                0
            }
            (true, _) => 0,
        };
        column += width;
        width
    })
}

/// The column at which `offset` of the excerpt is drawn on `line` (miette's
/// `visual_offset`): a character's first column when `start`, else its last; one past the
/// text for an offset past it.
fn column_of(line: &Line, offset: usize, start: bool) -> usize {
    let text = line.text;
    let mut at = offset - line.offset;
    while at <= text.len() && !text.is_char_boundary(at) {
        if start {
            at -= 1;
        } else {
            at += 1;
        }
    }
    let shown = &text[..at.min(text.len())];
    let width = if shown.is_ascii() && !shown.contains(['\t', '\x1b']) {
        shown.len()
    } else {
        char_widths(shown).sum()
    };
    width + usize::from(at > text.len())
}

/// The underlines of the labels on `line`, then a line per label naming it, from the
/// rightmost back (miette's `render_single_line_highlights` and `write_label_text`).
fn draw_underlines(
    out: &mut String,
    line: &Line,
    width: usize,
    on_line: &[(&Label, Style)],
    theme: &GraphicalTheme,
) {
    let chars = &theme.characters;
    let no_number = |out: &mut String| {
        let _ = write!(out, " {:width$} {} ", "", chars.vbar_break);
    };
    no_number(out);
    let mut highest = 0;
    let mut bars = Vec::with_capacity(on_line.len());
    for &(label, style) in on_line {
        let start = column_of(line, label.offset, true).max(highest);
        let end = if label.len == 0 {
            start + 1
        } else {
            column_of(line, label.end(), false).max(start + 1)
        };
        let bar = (start + end) / 2;
        let middle = if label.len == 0 {
            chars.uarrow
        } else {
            chars.underbar
        };
        let underline = format!(
            "{:pad$}{}{}{}",
            "",
            chars.underline.to_string().repeat(bar - start),
            middle,
            chars.underline.to_string().repeat(end - bar - 1),
            pad = start.saturating_sub(highest),
        );
        let _ = write!(out, "{}", underline.style(style));
        highest = highest.max(end);
        bars.push(bar);
    }
    out.push('\n');
    for (i, &(label, style)) in on_line.iter().enumerate().rev() {
        no_number(out);
        let mut column = 1;
        for (j, (&bar, &(_, other))) in bars.iter().zip(on_line).enumerate() {
            while column < bar + 1 {
                out.push(' ');
                column += 1;
            }
            if j != i {
                let _ = write!(out, "{}", chars.vbar.to_string().style(other));
                column += 1;
            } else {
                // miette styles the label's text, then the line it ends.
                let text = format!(
                    "{}{} {}",
                    chars.lbot,
                    chars.hbar.to_string().repeat(2),
                    label.text.style(style)
                );
                let _ = writeln!(out, "{}", text.style(style));
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::escape::escape;
    use super::super::pretty::{handler, theme};
    use super::*;
    use crate::source::{LineIndex, Span};
    use crate::testing::Rng;
    use miette::{LabeledSpan, SourceCode};
    use std::fmt;

    /// Labels on an excerpt, for miette to draw.
    struct Snippets<'a> {
        excerpt: &'a Excerpt,
        labels: Vec<LabeledSpan>,
    }

    impl fmt::Debug for Snippets<'_> {
        fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
            Ok(())
        }
    }

    impl fmt::Display for Snippets<'_> {
        fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
            Ok(())
        }
    }

    impl std::error::Error for Snippets<'_> {}

    impl miette::Diagnostic for Snippets<'_> {
        fn source_code(&self) -> Option<&dyn SourceCode> {
            Some(self.excerpt as &dyn SourceCode)
        }

        fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
            Some(Box::new(self.labels.clone().into_iter()))
        }
    }

    /// What miette draws for `labels`: its report of them without what it writes for no
    /// labels at all.
    fn miettes(excerpt: &Excerpt, labels: &[Label], color: bool) -> String {
        let handler = handler(theme(color));
        let spans = labels
            .iter()
            .map(|l| {
                let text = Some(l.text.to_string());
                if l.primary {
                    LabeledSpan::new_primary_with_span(text, (l.offset, l.len))
                } else {
                    LabeledSpan::new_with_span(text, (l.offset, l.len))
                }
            })
            .collect();
        let (mut whole, mut bare) = (String::new(), String::new());
        let with = Snippets {
            excerpt,
            labels: spans,
        };
        handler.render_report(&mut whole, &with).unwrap();
        let without = Snippets {
            excerpt,
            labels: Vec::new(),
        };
        handler.render_report(&mut bare, &without).unwrap();
        whole.strip_prefix(bare.as_str()).unwrap().to_string()
    }

    /// How many label sets were drawn here and how many left to miette.
    #[derive(Default, Debug)]
    struct Tally {
        drawn: usize,
        left: usize,
    }

    /// Draws `texts` on `spans` of `text` both ways and compares, in colour and without.
    fn compare(text: &str, spans: &[Span], texts: &[&str], tally: &mut Tally) {
        let (excerpt, moved) = Excerpt::new("p.json", text, &LineIndex::new(text), spans);
        let labels: Vec<Label> = moved
            .iter()
            .zip(texts)
            .enumerate()
            .map(|(i, (span, text))| Label {
                offset: span.start,
                len: span.len(),
                text,
                primary: i == 0,
            })
            .collect();
        for color in [false, true] {
            let mut drawn = String::new();
            if draw(&mut drawn, &excerpt, &labels, &theme(color)) {
                let expected = miettes(&excerpt, &labels, color);
                assert_eq!(
                    drawn, expected,
                    "{text:?} {spans:?} {texts:?} color {color}"
                );
                tally.drawn += 1;
            } else {
                tally.left += 1;
            }
        }
    }

    /// Every diagnostic of the fixtures (rule triggers, the RAM and AWS corpora, hostile
    /// inputs) drawn here is drawn as miette draws it, and nearly all are drawn here.
    #[test]
    fn drawn_snippets_are_the_ones_miette_draws() {
        let rules = crate::rules::RuleSet::builtin().unwrap();
        let mut tally = Tally::default();
        for (path, text) in crate::testing::fixture_texts() {
            if path.extension().is_none_or(|x| x != "json") {
                continue;
            }
            for d in crate::engine::lint_text(&rules, &text).diagnostics {
                let spans: Vec<Span> = std::iter::once(d.span)
                    .chain(d.labels.iter().map(|l| l.span))
                    .collect();
                let texts: Vec<String> = std::iter::once(escape(&d.rule.name))
                    .chain(d.labels.iter().map(|l| escape(&l.message)))
                    .map(|t| t.into_owned())
                    .collect();
                let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
                compare(&text, &spans, &texts, &mut tally);
            }
        }
        assert!(tally.drawn > 2000, "{tally:?}");
        // Left to miette: labels over several lines (a whole statement, say).
        assert!(tally.left * 20 < tally.drawn, "{tally:?}");
    }

    /// Random texts (tabs, wide and combining characters, controls, CRLF, long lines cut
    /// into windows, empty lines) with one to three labels anywhere, of any length, some
    /// on one line, some on several: what is drawn here is miette's drawing.
    #[test]
    fn drawn_snippets_match_miette_on_random_labels() {
        let pieces = [
            "",
            "  \"Action\": \"oss:GetObject\",",
            "\t\"Tab\":\t\"x\",",
            "\t \t",
            "  \"界面\": \"中文字符\",",
            "  \"e\u{301}\": \"😀\",",
            "  \"\u{1b}[31mred\": 1,",
            "  \"\u{202e}txet\": 2,",
            "a\rb",
            "}",
        ];
        let long = format!("  [{}]", "\"x\", ".repeat(80));
        let names = ["duplicate-action", "", "first listed here", "界"];
        let mut rng = Rng(0x5eed_cafe);
        let mut tally = Tally::default();
        for _ in 0..3000 {
            let lines = 1 + rng.below(24);
            let break_ = if rng.below(4) == 0 { "\r\n" } else { "\n" };
            let mut text = String::new();
            for i in 0..lines {
                if i > 0 {
                    text.push_str(break_);
                }
                text.push_str(if rng.below(12) == 0 {
                    &long
                } else {
                    rng.pick(&pieces)
                });
            }
            if rng.below(3) == 0 {
                text.push_str(break_);
            }
            let mut spans = Vec::new();
            for _ in 0..1 + rng.below(3) {
                let mut start = rng.below(text.len() + 1);
                while !text.is_char_boundary(start) {
                    start -= 1;
                }
                let reach = if rng.below(5) == 0 { 200 } else { 12 };
                let mut end = (start + rng.below(reach)).min(text.len());
                while !text.is_char_boundary(end) {
                    end += 1;
                }
                spans.push(Span::new(start, end));
            }
            let texts: Vec<&str> = spans.iter().map(|_| rng.pick(&names)).collect();
            compare(&text, &spans, &texts, &mut tally);
        }
        assert!(tally.drawn > 3000 && tally.left > 100, "{tally:?}");
    }
}
