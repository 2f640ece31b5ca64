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
            // One diagnostic per line, whatever the message quotes.
            let message = if d.message.contains(['\r', '\n']) {
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
