//! miette's graphical report: the source lines, a label under the exact span, the help.
//! miette reads each diagnostic's lines from an [`Excerpt`]: escaped, and cut around the
//! spans on a long line. Messages, help and labels are escaped too (`super::escape`).

use super::escape::escape;
use super::excerpt::{CONTEXT_LINES, Excerpt};
use crate::diagnostic::{Applicability, Diagnostic, Severity};
use crate::runner::FileReport;
use crate::source::{LineIndex, Span};
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceCode};
use std::fmt;

struct Rendered<'a> {
    diagnostic: &'a Diagnostic,
    excerpt: Excerpt,
    /// The primary span, then each label's, moved into the excerpt.
    spans: Vec<Span>,
    code: String,
    message: String,
}

impl fmt::Debug for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
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
        let fix_note = d.fix.as_ref().map(|fix| {
            let how = match fix.applicability {
                Applicability::Safe => "`--fix`",
                Applicability::Unsafe => "`--fix --unsafe-fixes`",
            };
            format!("fix available with {how}: {}", escape(&fix.title))
        });
        let help = d.help.as_deref().map(escape);
        match (help, fix_note) {
            (Some(help), Some(note)) => Some(Box::new(format!("{help}\n{note}"))),
            (Some(help), None) => Some(Box::new(help.into_owned())),
            (None, Some(note)) => Some(Box::new(note)),
            (None, None) => None,
        }
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.excerpt)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let d = self.diagnostic;
        let span = |s: &Span| (s.start, s.len());
        let primary = LabeledSpan::new_primary_with_span(
            Some(escape(&d.rule.name).into_owned()),
            span(&self.spans[0]),
        );
        let secondary = d.labels.iter().zip(&self.spans[1..]).map(move |(l, s)| {
            LabeledSpan::new_with_span(Some(escape(&l.message).into_owned()), span(s))
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
        .with_width(100)
        .with_context_lines(CONTEXT_LINES);
    let mut out = String::new();
    for report in reports.iter().filter(|r| !r.diagnostics.is_empty()) {
        let Some(text) = report.text.as_deref() else {
            // Nothing to show a snippet of (the file could not be read).
            for d in &report.diagnostics {
                out.push_str(&format!(
                    "{}: {}({}) {}\n\n",
                    escape(&report.path),
                    d.rule.code,
                    escape(&d.rule.name),
                    escape(&d.message)
                ));
            }
            continue;
        };
        let index = LineIndex::new(text);
        for diagnostic in &report.diagnostics {
            let spans: Vec<Span> = std::iter::once(diagnostic.span)
                .chain(diagnostic.labels.iter().map(|l| l.span))
                .collect();
            let (excerpt, spans) = Excerpt::new(&report.path, text, &index, &spans);
            let rendered = Rendered {
                diagnostic,
                excerpt,
                spans,
                code: format!(
                    "{}({})",
                    escape(&diagnostic.rule.code),
                    escape(&diagnostic.rule.name)
                ),
                message: escape(&diagnostic.message).into_owned(),
            };
            let _ = handler.render_report(&mut out, &rendered);
            out.push('\n');
        }
    }
    out
}
