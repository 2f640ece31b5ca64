//! `path:line:col: severity CODE [name] message`, one line per diagnostic, as JUnit's
//! bodies write it. What comes from a policy (its path and the message) is escaped.

use super::escape::escape;
use crate::runner::FileReport;
use crate::source::LineCursor;

pub fn render(reports: &[FileReport]) -> String {
    // Sized up front: growing the string line by line cost more than writing the lines.
    let mut out = String::with_capacity(
        reports
            .iter()
            .flat_map(|r| r.diagnostics.iter().map(|d| (r.path.len(), d)))
            .map(|(path, d)| path + d.rule.code.len() + d.rule.name.len() + d.message.len() + 48)
            .sum(),
    );
    let mut numbers = itoa::Buffer::new();
    for report in reports.iter().filter(|r| !r.diagnostics.is_empty()) {
        let text = report.text.as_deref().unwrap_or("");
        let path = escape(&report.path);
        // Diagnostics come sorted by position: one pass finds every line and column.
        let mut cursor = LineCursor::new(text);
        for d in &report.diagnostics {
            let at = cursor.position(d.span.start);
            // As in ruff: `[*]` marks what `--fix` applies; unsafe fixes are not marked.
            let marker = match d.fix.as_ref().map(|f| f.applicability) {
                Some(crate::diagnostic::Applicability::Safe) => " [*]",
                _ => "",
            };
            // One diagnostic per line, whatever the message quotes, and nothing the
            // terminal would act on.
            let message = escape(&d.message);
            // Pieces pushed one by one: the formatting machinery cost more than the rest
            // of the line when every file has a finding.
            out.push_str(&path);
            out.push(':');
            out.push_str(numbers.format(at.line));
            out.push(':');
            out.push_str(numbers.format(at.column));
            out.push_str(": ");
            for piece in [
                d.severity.as_str(),
                " ",
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
            "p.json:3:2: error PL002 [duplicate-key] `a\\r\\nb` appears twice\n\
             p.json:3:2: error PL002 [duplicate-key] a\\nb\n\
             p.json:3:2: error PL002 [duplicate-key] a\\rb\n\
             p.json:3:2: error PL002 [duplicate-key] plain\n"
        );
    }

    #[test]
    fn a_path_or_message_cannot_talk_to_the_terminal() {
        let rule = Arc::new(RuleId {
            code: "PL101".into(),
            name: "invalid-action".into(),
            category: "validity".into(),
        });
        let report = FileReport {
            path: "a\u{1b}[2Jb\u{202e}.json".into(),
            text: Some("{}".into()),
            diagnostics: vec![Diagnostic::from_finding(
                rule,
                Severity::Warning,
                Finding::new(Span::new(0, 1), "`\u{1b}]52;c;aGk=\u{7}` \u{9b}1m\u{2067}"),
            )],
            ..FileReport::default()
        };
        assert_eq!(
            render(&[report]),
            "a\\u{1b}[2Jb\\u{202e}.json:1:1: warning PL101 [invalid-action] \
             `\\u{1b}]52;c;aGk=\\u{7}` \\u{9b}1m\\u{2067}\n"
        );
    }
}
