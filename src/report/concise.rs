//! `path:line:col: CODE [name] message`, one line per diagnostic.

use crate::runner::FileReport;
use crate::source::LineCursor;

pub fn render(reports: &[FileReport]) -> String {
    // Sized up front: growing the string line by line cost more than writing the lines.
    let mut out = String::with_capacity(
        reports
            .iter()
            .flat_map(|r| r.diagnostics.iter().map(|d| (r.path.len(), d)))
            .map(|(path, d)| path + d.rule.code.len() + d.rule.name.len() + d.message.len() + 40)
            .sum(),
    );
    let mut numbers = itoa::Buffer::new();
    for report in reports.iter().filter(|r| !r.diagnostics.is_empty()) {
        let text = report.text.as_deref().unwrap_or("");
        // Diagnostics come sorted by position: one pass finds every line and column.
        let mut cursor = LineCursor::new(text);
        for d in &report.diagnostics {
            let at = cursor.position(d.span.start);
            // As in ruff: `[*]` marks what `--fix` applies; unsafe fixes are not marked.
            let marker = match d.fix.as_ref().map(|f| f.applicability) {
                Some(crate::diagnostic::Applicability::Safe) => " [*]",
                _ => "",
            };
            // One diagnostic per line, whatever the message quotes. (Searched as bytes: as
            // a pattern of chars, the search decoded every character of every message.)
            let message = if memchr::memchr2(b'\r', b'\n', d.message.as_bytes()).is_some() {
                std::borrow::Cow::Owned(d.message.replace('\r', "\\r").replace('\n', "\\n"))
            } else {
                std::borrow::Cow::Borrowed(d.message.as_str())
            };
            // Pieces pushed one by one: the formatting machinery cost more than the rest
            // of the line when every file has a finding.
            out.push_str(&report.path);
            out.push(':');
            out.push_str(numbers.format(at.line));
            out.push(':');
            out.push_str(numbers.format(at.column));
            out.push_str(": ");
            for piece in [
                &d.rule.code,
                " [",
                &d.rule.name,
                "] ",
                &message,
                marker,
                "\n",
            ] {
                out.push_str(piece);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Diagnostic, Finding, RuleId, Severity};
    use crate::source::Span;
    use std::sync::Arc;

    #[test]
    fn a_message_that_quotes_line_breaks_stays_on_one_line() {
        let rule = Arc::new(RuleId {
            code: "PL002".into(),
            name: "duplicate-key".into(),
            category: "structure".into(),
        });
        let text = "{\"a\r\nb\": 1,\n \"a\r\nb\": 2}";
        let diagnostic = |message: &str| {
            Diagnostic::from_finding(
                rule.clone(),
                Severity::Error,
                Finding::new(Span::new(13, 20), message),
            )
        };
        let report = FileReport {
            path: "p.json".into(),
            text: Some(text.into()),
            diagnostics: vec![
                diagnostic("`a\r\nb` appears twice"),
                diagnostic("a\nb"),
                diagnostic("a\rb"),
                diagnostic("plain"),
            ],
            ..FileReport::default()
        };
        assert_eq!(
            render(&[report]),
            "p.json:3:2: PL002 [duplicate-key] `a\\r\\nb` appears twice\n\
             p.json:3:2: PL002 [duplicate-key] a\\nb\n\
             p.json:3:2: PL002 [duplicate-key] a\\rb\n\
             p.json:3:2: PL002 [duplicate-key] plain\n"
        );
    }
}
