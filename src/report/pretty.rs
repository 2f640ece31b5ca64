//! miette's graphical report: the source lines, a label under the exact span, the help.

use crate::diagnostic::{Diagnostic, Severity};
use crate::runner::FileReport;
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode};
use std::fmt;
use std::sync::Arc;

struct Rendered<'a> {
    diagnostic: &'a Diagnostic,
    source: &'a NamedSource<Arc<str>>,
    code: String,
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
        let text: Arc<str> = Arc::from(report.text.as_deref().unwrap_or(""));
        let source = NamedSource::new(&report.path, text).with_language("json");
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
