//! miette's graphical report: the source lines, a label under the exact span, the help.

use crate::diagnostic::{Diagnostic, Severity};
use crate::runner::FileReport;
use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};
use std::fmt;

struct Rendered<'a> {
    diagnostic: &'a Diagnostic,
    source: &'a Source<'a>,
    code: String,
}

/// A file's text as miette reads it for a snippet. miette's own reading of a `str` counts
/// lines from the start of the text to each span: in a file with thousands of findings
/// (a template holding thousands of policies), that was quadratic, minutes for one file.
/// This hands miette only a window from a few lines before the span, found by looking
/// back from it, and adds the lines before the window: the same snippet, at a cost that
/// does not grow with the offset.
struct Source<'a> {
    name: &'a str,
    text: &'a str,
    /// Where each line break ends, as miette counts them (`\n`, `\r\n`, a lone `\r`).
    line_ends: Vec<usize>,
}

impl<'a> Source<'a> {
    fn new(name: &'a str, text: &'a str) -> Self {
        let bytes = text.as_bytes();
        let line_ends = memchr::memchr2_iter(b'\n', b'\r', bytes)
            .filter(|&at| !(bytes[at] == b'\r' && bytes.get(at + 1) == Some(&b'\n')))
            .map(|at| at + 1)
            .collect();
        Source {
            name,
            text,
            line_ends,
        }
    }

    /// The start of the line `lines_back` lines above the one holding `offset` (or the
    /// start of the text).
    fn window_start(&self, offset: usize, lines_back: usize) -> usize {
        let line = self.line_ends.partition_point(|&end| end <= offset);
        match line.checked_sub(lines_back + 1) {
            Some(line) => self.line_ends[line],
            None => 0,
        }
    }
}

impl SourceCode for Source<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        // One line more than asked: a window that starts early gives the same snippet.
        let start = self.window_start(span.offset().min(self.text.len()), context_lines_before + 1);
        let lines_before = self.line_ends.partition_point(|&end| end <= start);
        let window = &self.text[start..];
        let inner = SourceSpan::new((span.offset() - start).into(), span.len());
        let contents = window.read_span(&inner, context_lines_before, context_lines_after)?;
        let contents_span = SourceSpan::new(
            (contents.span().offset() + start).into(),
            contents.span().len(),
        );
        Ok(Box::new(
            MietteSpanContents::new_named(
                self.name.to_string(),
                contents.data(),
                contents_span,
                contents.line() + lines_before,
                contents.column(),
                contents.line_count() + lines_before,
            )
            .with_language("json"),
        ))
    }
}

impl fmt::Debug for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl std::error::Error for Rendered<'_> {}

impl miette::Diagnostic for Rendered<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(&self.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        let d = self.diagnostic;
        let fix_note = d.fix.as_ref().map(|fix| match fix.applicability {
            crate::diagnostic::Applicability::Safe => {
                format!("fix available with `--fix`: {}", fix.title)
            }
            crate::diagnostic::Applicability::Unsafe => {
                format!("fix available with `--fix --unsafe-fixes`: {}", fix.title)
            }
        });
        match (&d.help, fix_note) {
            (Some(help), Some(note)) => Some(Box::new(format!("{help}\n{note}"))),
            (Some(help), None) => Some(Box::new(help)),
            (None, Some(note)) => Some(Box::new(note)),
            (None, None) => None,
        }
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let d = self.diagnostic;
        let primary = LabeledSpan::new_primary_with_span(
            Some(d.rule.name.clone()),
            (d.span.start, d.span.len()),
        );
        let secondary = d.labels.iter().map(|l| {
            LabeledSpan::new_with_span(Some(l.message.clone()), (l.span.start, l.span.len()))
        });
        Some(Box::new(std::iter::once(primary).chain(secondary)))
    }
}

pub fn render(reports: &[FileReport], color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_links(false)
        .with_width(100);
    let mut out = String::new();
    for report in reports {
        let source = Source::new(&report.path, report.text.as_deref().unwrap_or(""));
        for diagnostic in &report.diagnostics {
            let rendered = Rendered {
                diagnostic,
                source: &source,
                code: format!("{}({})", diagnostic.rule.code, diagnostic.rule.name),
            };
            if report.text.is_none() {
                // Nothing to show a snippet of (the file could not be read).
                out.push_str(&format!(
                    "{}: {} {}\n\n",
                    report.path, rendered.code, diagnostic.message
                ));
                continue;
            }
            let _ = handler.render_report(&mut out, &rendered);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The window gives what miette's own reading of the whole text gives, for every span
    /// of a few texts with every kind of line break, and every context.
    #[test]
    fn a_window_reads_the_snippet_miette_reads() {
        let texts = [
            "",
            "one line",
            "a\nb\nc\n\nd\n",
            "a\r\nb\r\n\r\nc\r\n",
            "a\rb\r\rc",
            "é\n\u{1F600}x\r\n中文\ny",
            "\n\n\n",
        ];
        for text in texts {
            let source = Source::new("f", text);
            let offsets = (0..=text.len()).filter(|&i| text.is_char_boundary(i));
            for start in offsets.clone() {
                for end in offsets.clone().filter(|&end| end >= start) {
                    let span = SourceSpan::new(start.into(), end - start);
                    for (before, after) in [(0, 0), (1, 1), (2, 3), (5, 0)] {
                        let ours = source.read_span(&span, before, after);
                        let theirs = text.read_span(&span, before, after);
                        match (ours, theirs) {
                            (Ok(ours), Ok(theirs)) => {
                                let what = format!("{text:?} {start}..{end} {before}/{after}");
                                assert_eq!(ours.data(), theirs.data(), "{what}");
                                assert_eq!(ours.span(), theirs.span(), "{what}");
                                assert_eq!(ours.line(), theirs.line(), "{what}");
                                assert_eq!(ours.column(), theirs.column(), "{what}");
                                assert_eq!(ours.line_count(), theirs.line_count(), "{what}");
                            }
                            (Err(_), Err(_)) => {}
                            (ours, theirs) => panic!(
                                "{text:?} {start}..{end}: {:?} against {:?}",
                                ours.is_ok(),
                                theirs.is_ok()
                            ),
                        }
                    }
                }
            }
        }
    }
}
