//! GitHub Actions workflow commands: one `::error`, `::warning` or `::notice` line per
//! diagnostic, which the runner turns into annotations on the pull request's diff.
//!
//! `::warning file=P,line=L,col=C,endLine=L2,endColumn=C2,title=CODE name::MESSAGE`, the help
//! on a second line of the message. Columns count UTF-16 code units, as in SARIF. A
//! problem with no position (PL000: the file could not be read) names only the file.
//!
//! What comes from a policy (path, message, help) is first escaped as in every human
//! format (`super::escape`: the log viewer renders terminal escapes), then escaped as the
//! workflow command's syntax needs, so a message cannot end its command and start another.

use super::escape::escape;
use super::utf16::Utf16Positions;
use crate::diagnostic::Severity;
use crate::runner::FileReport;
use std::fmt::Write;

pub fn render(reports: &[FileReport]) -> String {
    let mut out = String::new();
    for report in reports {
        let text = report.text.as_deref().unwrap_or("");
        let positions = Utf16Positions::new(
            text,
            report
                .diagnostics
                .iter()
                .flat_map(|d| [d.span.start, d.span.end]),
        );
        for d in &report.diagnostics {
            let command = match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "notice",
            };
            let mut properties = format!("file={}", escape_property(&escape(&report.path)));
            if d.rule.code != "PL000" {
                let (start, end) = (positions.get(d.span.start), positions.get(d.span.end));
                let _ = write!(
                    properties,
                    ",line={},col={},endLine={},endColumn={}",
                    start.line, start.column, end.line, end.column
                );
            }
            let title = format!("{} {}", d.rule.code, d.rule.name);
            let _ = write!(properties, ",title={}", escape_property(&escape(&title)));
            let message = match &d.help {
                Some(help) => format!("{}\nhelp: {}", escape(&d.message), escape(help)),
                None => escape(&d.message).into_owned(),
            };
            let _ = writeln!(out, "::{command} {properties}::{}", escape_data(&message));
        }
    }
    out
}

/// Escapes a command's message as the runner expects: `%`, CR and LF.
pub fn escape_data(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes a property value: as a message, plus `:` and `,`, which delimit properties.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_follow_the_runner() {
        assert_eq!(
            escape_data("100% sure\r\nnext: a,b"),
            "100%25 sure%0D%0Anext: a,b"
        );
        assert_eq!(
            escape_property("dir,x/a:b%\n.json"),
            "dir%2Cx/a%3Ab%25%0A.json"
        );
        // `%` first: an escape is never escaped twice.
        assert_eq!(escape_property("%3A"), "%253A");
    }

    #[test]
    fn a_policy_can_neither_end_its_command_nor_colour_the_log() {
        use crate::diagnostic::{Diagnostic, Finding, RuleId};
        use crate::source::Span;
        let rule = std::sync::Arc::new(RuleId {
            code: "PL101".into(),
            name: "invalid-action".into(),
            category: "validity".into(),
        });
        let report = FileReport {
            path: "a,b:\u{1b}[31m.json".into(),
            text: Some("{}".into()),
            diagnostics: vec![Diagnostic::from_finding(
                rule,
                Severity::Error,
                Finding::new(
                    Span::new(0, 1),
                    "x\n::error file=forged::owned\u{1b}]0;t\u{7}%0A",
                )
                .help("h\r\u{202e}"),
            )],
            ..FileReport::default()
        };
        assert_eq!(
            render(&[report]),
            "::error file=a%2Cb%3A\\u{1b}[31m.json,line=1,col=1,endLine=1,endColumn=2,\
             title=PL101 invalid-action::x\\n::error file=forged::owned\\u{1b}]0;t\\u{7}%250A\
             %0Ahelp: h\\r\\u{202e}\n"
        );
    }
}
