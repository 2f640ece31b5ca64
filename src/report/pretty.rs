//! miette's graphical report: the source lines, a label under the exact span, the help.
//! miette reads each diagnostic's lines from an [`Excerpt`]: escaped, and cut around the
//! spans on a long line. Messages, help and labels are escaped too (`super::escape`).
//!
//! miette writes a report as its header and message, then its snippets, then its help,
//! each from its own part of the diagnostic. A file with thousands of findings repeats a
//! few messages and helps, and wrapping them (Unicode line breaking) was most of the cost:
//! each part is rendered by miette on its own, and the header-and-message and help parts are
//! kept per text and reused ([`Renderer`]). A file with many findings is rendered in runs
//! on every core.

use super::escape::escape;
use super::excerpt::{CONTEXT_LINES, Excerpt};
use super::snippet;
use crate::diagnostic::{Applicability, Diagnostic, Severity};
use crate::runner::FileReport;
use crate::source::{LineIndex, Span};
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceCode};
use rayon::prelude::*;
use std::collections::HashMap;
use std::fmt;

/// A diagnostic as miette is shown it: texts escaped, spans moved into the excerpt.
struct Rendered<'a> {
    diagnostic: &'a Diagnostic,
    excerpt: Excerpt,
    /// The primary span, then each label's, moved into the excerpt.
    spans: Vec<Span>,
    code: String,
    message: String,
    help: Option<String>,
}

impl<'a> Rendered<'a> {
    fn new(path: &str, text: &str, index: &LineIndex, diagnostic: &'a Diagnostic) -> Self {
        let spans: Vec<Span> = std::iter::once(diagnostic.span)
            .chain(diagnostic.labels.iter().map(|l| l.span))
            .collect();
        let (excerpt, spans) = Excerpt::new(path, text, index, &spans);
        let fix_note = diagnostic.fix.as_ref().map(|fix| {
            let how = match fix.applicability {
                Applicability::Safe => "`--fix`",
                Applicability::Unsafe => "`--fix --unsafe-fixes`",
            };
            format!("fix available with {how}: {}", escape(&fix.title))
        });
        let help = match (diagnostic.help.as_deref().map(escape), fix_note) {
            (Some(help), Some(note)) => Some(format!("{help}\n{note}")),
            (Some(help), None) => Some(help.into_owned()),
            (None, note) => note,
        };
        Rendered {
            diagnostic,
            excerpt,
            spans,
            code: format!(
                "{}({})",
                escape(&diagnostic.rule.code),
                escape(&diagnostic.rule.name)
            ),
            message: escape(&diagnostic.message).into_owned(),
            help,
        }
    }

    fn severity(&self) -> miette::Severity {
        match self.diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        }
    }

    /// The labels' texts, escaped: the primary's (the rule's name), then each label's.
    fn label_texts(&self) -> Vec<std::borrow::Cow<'_, str>> {
        let d = self.diagnostic;
        std::iter::once(escape(&d.rule.name))
            .chain(d.labels.iter().map(|l| escape(&l.message)))
            .collect()
    }

    /// Draws the snippets as miette would, when [`snippet`] draws their shape.
    fn draw_snippets(&self, out: &mut String, theme: &GraphicalTheme) -> bool {
        let texts = self.label_texts();
        let labels: Vec<snippet::Label> = self
            .spans
            .iter()
            .zip(&texts)
            .enumerate()
            .map(|(i, (span, text))| snippet::Label {
                offset: span.start,
                len: span.len(),
                text,
                primary: i == 0,
            })
            .collect();
        snippet::draw(out, &self.excerpt, &labels, theme)
    }

    fn showing(&self, shown: Shown) -> Part<'_> {
        Part {
            rendered: self,
            shown,
        }
    }
}

/// The parts of a report a [`Part`] shows.
#[derive(Clone, Copy)]
struct Shown {
    /// The code (the header), the severity and the message.
    header: bool,
    snippets: bool,
    help: bool,
}

const WHOLE: Shown = Shown {
    header: true,
    snippets: true,
    help: true,
};
const NOTHING: Shown = Shown {
    header: false,
    snippets: false,
    help: false,
};
const HEADER: Shown = Shown {
    header: true,
    ..NOTHING
};
const SNIPPETS: Shown = Shown {
    snippets: true,
    ..NOTHING
};
const HELP: Shown = Shown {
    help: true,
    ..NOTHING
};

/// Some parts of a diagnostic, for miette. Without its header a part has no code, an
/// empty message and the same severity as [`NOTHING`], so that miette writes the same
/// empty message before it: what follows that is the part.
struct Part<'a> {
    rendered: &'a Rendered<'a>,
    shown: Shown,
}

impl fmt::Debug for Part<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for Part<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.shown.header {
            f.write_str(&self.rendered.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for Part<'_> {}

impl miette::Diagnostic for Part<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.shown
            .header
            .then(|| Box::new(&self.rendered.code) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(if self.shown.header {
            self.rendered.severity()
        } else {
            miette::Severity::Error
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        let help = self.rendered.help.as_ref().filter(|_| self.shown.help)?;
        Some(Box::new(help))
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.shown
            .snippets
            .then_some(&self.rendered.excerpt as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if !self.shown.snippets {
            return None;
        }
        let r = self.rendered;
        let span = |s: &Span| (s.start, s.len());
        let labels =
            r.label_texts()
                .into_iter()
                .zip(&r.spans)
                .enumerate()
                .map(move |(i, (text, s))| {
                    let text = Some(text.into_owned());
                    if i == 0 {
                        LabeledSpan::new_primary_with_span(text, span(s))
                    } else {
                        LabeledSpan::new_with_span(text, span(s))
                    }
                });
        Some(Box::new(labels.collect::<Vec<_>>().into_iter()))
    }
}

/// Texts kept by [`Renderer`] before it starts again, so that a file whose messages all
/// differ does not hold them all.
const KEPT_TEXTS: usize = 4096;

/// miette's handler, with the header-and-message and help parts it rendered, by text.
struct Renderer {
    handler: GraphicalReportHandler,
    /// The handler's theme, for the snippets drawn without it ([`snippet`]).
    theme: GraphicalTheme,
    /// What miette writes for a part that shows nothing: the start of every other part
    /// without its header (known once a diagnostic is at hand to render).
    nothing: Option<String>,
    headers: HashMap<(Severity, String, String), String>,
    /// Each help's part, `None` when miette's output did not start as expected.
    helps: HashMap<String, Option<String>>,
    scratch: String,
}

impl Renderer {
    fn new(color: bool) -> Self {
        let theme = theme(color);
        Renderer {
            handler: handler(theme.clone()),
            theme,
            nothing: None,
            headers: HashMap::new(),
            helps: HashMap::new(),
            scratch: String::new(),
        }
    }

    fn write(&self, out: &mut String, part: &Part) {
        let _ = self.handler.render_report(out, part);
    }

    /// Appends `rendered`'s report to `out`, as miette writes it whole.
    fn push(&mut self, out: &mut String, rendered: &Rendered) {
        if self.nothing.is_none() {
            let mut nothing = String::new();
            self.write(&mut nothing, &rendered.showing(NOTHING));
            self.nothing = Some(nothing);
        }
        let nothing = self.nothing.clone().unwrap_or_default();
        if self.headers.len() >= KEPT_TEXTS || self.helps.len() >= KEPT_TEXTS {
            self.headers.clear();
            self.helps.clear();
        }
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        let drawn = rendered.draw_snippets(&mut scratch, &self.theme);
        if !drawn {
            self.write(&mut scratch, &rendered.showing(SNIPPETS));
        }
        let snippets = if drawn {
            Some(scratch.as_str())
        } else {
            scratch.strip_prefix(nothing.as_str())
        };
        let help = match &rendered.help {
            None => Some(""),
            Some(help) => {
                if !self.helps.contains_key(help) {
                    let part = self.part_after(&nothing, &rendered.showing(HELP));
                    self.helps.insert(help.clone(), part);
                }
                self.helps[help].as_deref()
            }
        };
        match (snippets, help) {
            (Some(snippets), Some(help)) => {
                let key = (
                    rendered.diagnostic.severity,
                    rendered.code.clone(),
                    rendered.message.clone(),
                );
                if !self.headers.contains_key(&key) {
                    let mut header = String::new();
                    self.write(&mut header, &rendered.showing(HEADER));
                    self.headers.insert(key.clone(), header);
                }
                out.push_str(&self.headers[&key]);
                out.push_str(snippets);
                out.push_str(help);
            }
            _ => self.write(out, &rendered.showing(WHOLE)),
        }
        self.scratch = scratch;
    }

    /// What miette writes for `part` after `nothing`.
    fn part_after(&self, nothing: &str, part: &Part) -> Option<String> {
        let mut text = String::new();
        self.write(&mut text, part);
        text.strip_prefix(nothing).map(str::to_string)
    }
}

pub(super) fn theme(color: bool) -> GraphicalTheme {
    if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    }
}

/// miette's handler as `pretty` sets it.
pub(super) fn handler(theme: GraphicalTheme) -> GraphicalReportHandler {
    GraphicalReportHandler::new_themed(theme)
        .with_links(false)
        .with_width(100)
        .with_context_lines(CONTEXT_LINES)
}

/// Diagnostics of one file rendered in a row by one thread: a file with more is rendered
/// in runs of this many, in parallel (one file of 50,000 findings was one core's work).
const RUN: usize = 512;
/// Runs rendered in parallel before their texts are appended (enough for every core).
const WINDOW_RUNS: usize = 8;

pub fn render(reports: &[FileReport], color: bool) -> String {
    let mut renderer = Renderer::new(color);
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
        let render_run = |renderer: &mut Renderer, out: &mut String, run: &[Diagnostic]| {
            for diagnostic in run {
                let rendered = Rendered::new(&report.path, text, &index, diagnostic);
                renderer.push(out, &rendered);
                out.push('\n');
            }
        };
        if report.diagnostics.len() <= 2 * RUN {
            render_run(&mut renderer, &mut out, &report.diagnostics);
            continue;
        }
        // A window of runs at a time, so that the runs' texts waiting to be appended stay
        // few however many findings the file has.
        for window in report.diagnostics.chunks(RUN * WINDOW_RUNS) {
            let runs: Vec<String> = window
                .par_chunks(RUN)
                .map(|run| {
                    let mut out = String::new();
                    render_run(&mut Renderer::new(color), &mut out, run);
                    out
                })
                .collect();
            runs.iter().for_each(|run| out.push_str(run));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RuleSet;

    /// Every report of the fixtures (rule triggers, the RAM and AWS corpora) rendered in
    /// parts, kept texts reused, is what miette writes for the whole diagnostic, in colour
    /// and without.
    #[test]
    fn reports_rendered_in_parts_are_the_whole_reports() {
        let rules = RuleSet::builtin().unwrap();
        let mut diagnostics = 0;
        for color in [false, true] {
            let mut renderer = Renderer::new(color);
            let files = walkdir::WalkDir::new(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures"))
                .sort_by_file_name()
                .into_iter()
                .filter_map(Result::ok)
                .filter(|e| e.path().extension().is_some_and(|x| x == "json"));
            for entry in files {
                let Ok(text) = std::fs::read_to_string(entry.path()) else {
                    continue;
                };
                let index = LineIndex::new(&text);
                let result = crate::engine::lint_text(&rules, &text);
                for diagnostic in &result.diagnostics {
                    let rendered = Rendered::new("p.json", &text, &index, diagnostic);
                    let (mut parts, mut whole) = (String::new(), String::new());
                    renderer.push(&mut parts, &rendered);
                    renderer.write(&mut whole, &rendered.showing(WHOLE));
                    assert_eq!(parts, whole, "{}", entry.path().display());
                    diagnostics += 1;
                }
            }
        }
        assert!(diagnostics > 1000, "{diagnostics}");
    }

    /// A file of more findings than one window of runs holds is rendered in runs on
    /// several threads, each with its own kept texts: the output is the one-thread
    /// rendering, in order.
    #[test]
    fn a_file_of_many_findings_renders_as_one_run_would() {
        let rules = RuleSet::builtin().unwrap();
        let statement =
            r#"{"Sid": "S", "Effect": "Allow", "Action": "oss:GetObject", "Resource": "*"}"#;
        let statements = vec![statement; WINDOW_RUNS * RUN + RUN / 2 + 7].join(",\n  ");
        let text = format!("{{\"Version\": \"1\", \"Statement\": [\n  {statements}\n]}}\n");
        let diagnostics = crate::engine::lint_text(&rules, &text).diagnostics;
        assert!(
            diagnostics.len() > WINDOW_RUNS * RUN,
            "{}",
            diagnostics.len()
        );
        let report = FileReport {
            path: "many.json".to_string(),
            text: Some(text.clone()),
            diagnostics,
            ..FileReport::default()
        };
        for color in [false, true] {
            let renderer = Renderer::new(color);
            let index = LineIndex::new(&text);
            let mut one_run = String::new();
            for diagnostic in &report.diagnostics {
                let rendered = Rendered::new(&report.path, &text, &index, diagnostic);
                renderer.write(&mut one_run, &rendered.showing(WHOLE));
                one_run.push('\n');
            }
            assert_eq!(render(std::slice::from_ref(&report), color), one_run);
        }
    }
}
