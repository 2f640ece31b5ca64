//! JUnit XML, for CI systems that show test reports (GitLab, Jenkins, Azure Pipelines...).
//!
//! One `<testsuite>` per linted file. Each diagnostic is a `<testcase>` with a `<failure>`
//! (type: the rule code; message: the diagnostic's message; text: position, severity,
//! message and help); a file that could not be read (PL000) is an `<error>` instead, as
//! JUnit reports a test that could not run; a clean file is one passing `<testcase>`.
//! A diagnostic below the file's `--fail-on` does not fail the run, so it does not fail
//! its test either: it is a passing `<testcase>` whose `<system-out>` holds the same text
//! (Jenkins and Azure Pipelines show a passed test's output; GitLab lists the test as
//! passed).
//! Lines and columns are those of the concise format (columns count characters). No
//! timestamps or durations: the output depends only on the input.

use super::spill::{Layout, Parts};
use crate::diagnostic::{Diagnostic, Severity};
use crate::runner::FileReport;
use crate::source::LineIndex;
use quick_xml::Writer;
use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::name::QName;
use std::borrow::Cow;

const NOT_A_RULE: &str = "PL000";

/// What a diagnostic is in the report.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// A PL000 error: the file could not be read or checked. (A PL000 note, a fix not
    /// applied, is reported like a finding of its severity.)
    Error,
    /// At or above the file's `--fail-on`.
    Failure,
    /// Below it: reported, not failed.
    Passed,
}

fn outcome(report: &FileReport, d: &Diagnostic) -> Outcome {
    if d.rule.code == NOT_A_RULE && d.severity == Severity::Error {
        Outcome::Error
    } else if d.severity >= report.fail_on.unwrap_or(Severity::Warning) {
        Outcome::Failure
    } else {
        Outcome::Passed
    }
}

pub fn render(reports: &[FileReport]) -> String {
    let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
    write(&mut writer, reports).expect("writing to memory cannot fail");
    let mut text = String::from_utf8(writer.into_inner()).expect("written from UTF-8 strings");
    text.push('\n');
    text
}

fn count(reports: &[&FileReport], wanted: Outcome) -> usize {
    reports
        .iter()
        .flat_map(|r| r.diagnostics.iter().map(move |d| outcome(r, d)))
        .filter(|&found| found == wanted)
        .count()
}

fn write(writer: &mut Writer<Vec<u8>>, reports: &[FileReport]) -> std::io::Result<()> {
    let all: Vec<&FileReport> = reports.iter().collect();
    let tests: usize = reports.iter().map(|r| r.diagnostics.len().max(1)).sum();
    let tallies = [
        tests,
        count(&all, Outcome::Failure),
        count(&all, Outcome::Error),
    ];
    open_suites(writer, tallies)?;
    for report in reports {
        write_suite(writer, report)?;
    }
    writer.write_event(Event::End(BytesEnd::new("testsuites")))?;
    Ok(())
}

/// The declaration and the opening `<testsuites>`, with the run's tests, failures and
/// errors.
fn open_suites(
    writer: &mut Writer<Vec<u8>>,
    [tests, failures, errors]: [usize; 3],
) -> std::io::Result<()> {
    writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    writer.write_event(Event::Start(element(
        "testsuites",
        &[
            ("name", "policylint"),
            ("tests", &tests.to_string()),
            ("failures", &failures.to_string()),
            ("errors", &errors.to_string()),
        ],
    )))?;
    Ok(())
}

fn write_suite(writer: &mut Writer<Vec<u8>>, report: &FileReport) -> std::io::Result<()> {
    let one = [report];
    writer.write_event(Event::Start(element(
        "testsuite",
        &[
            ("name", &report.path),
            ("tests", &report.diagnostics.len().max(1).to_string()),
            ("failures", &count(&one, Outcome::Failure).to_string()),
            ("errors", &count(&one, Outcome::Error).to_string()),
        ],
    )))?;
    if report.diagnostics.is_empty() {
        writer.write_event(Event::Empty(element(
            "testcase",
            &[
                ("name", "policylint"),
                ("classname", &report.path),
                ("file", &report.path),
            ],
        )))?;
    }
    let text = report.text.as_deref().unwrap_or("");
    let index = LineIndex::new(text);
    for d in &report.diagnostics {
        write_case(writer, report, d, &index, text)?;
    }
    writer.write_event(Event::End(BytesEnd::new("testsuite")))?;
    Ok(())
}

/// One report's `<testsuite>`, as `render` writes it inside `<testsuites>` (for `Spill`),
/// and its tests, failures and errors, which the opening `<testsuites>` adds up.
pub fn parts(report: &FileReport) -> (Parts, [usize; 3]) {
    let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
    let suite = writer
        .write_event(Event::Start(BytesStart::new("testsuites")))
        .map(|()| writer.get_ref().len())
        .and_then(|start| write_suite(&mut writer, report).map(|()| start))
        .expect("writing to memory cannot fail");
    let suite = String::from_utf8(writer.into_inner().split_off(suite))
        .expect("written from UTF-8 strings");
    let one = [report];
    let tallies = [
        report.diagnostics.len().max(1),
        count(&one, Outcome::Failure),
        count(&one, Outcome::Error),
    ];
    let parts = Parts {
        path: report.path.clone(),
        lists: vec![suite],
    };
    (parts, tallies)
}

/// Where the suites go in the document, given the run's tests, failures and errors.
pub fn layout(tallies: [usize; 3]) -> Layout {
    let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
    let head = open_suites(&mut writer, tallies)
        .map(|()| writer.get_ref().len())
        .and_then(|head| {
            writer
                .write_event(Event::End(BytesEnd::new("testsuites")))
                .map(|()| head)
        })
        .expect("writing to memory cannot fail");
    let mut text = String::from_utf8(writer.into_inner()).expect("written from UTF-8 strings");
    text.push('\n');
    let tail = text.split_off(head);
    Layout {
        pieces: vec![text, tail],
        separator: "",
        before: vec![""],
        after: vec![""],
        empty: vec![""],
        fills: Default::default(),
    }
}

fn write_case(
    writer: &mut Writer<Vec<u8>>,
    report: &FileReport,
    d: &Diagnostic,
    index: &LineIndex,
    text: &str,
) -> std::io::Result<()> {
    let path = &report.path;
    let outcome = outcome(report, d);
    let (kind, name, body, line) = if outcome == Outcome::Error {
        (
            "error",
            format!("{} {}", d.rule.code, d.rule.name),
            format!("{path}: {} [{}] {}", d.rule.code, d.rule.name, d.message),
            None,
        )
    } else {
        let at = index.position(text, d.span.start);
        let mut body = format!(
            "{path}:{}:{}: {} {} [{}] {}",
            at.line, at.column, d.severity, d.rule.code, d.rule.name, d.message
        );
        if let Some(help) = &d.help {
            body.push_str("\nhelp: ");
            body.push_str(help);
        }
        (
            "failure",
            format!(
                "{} {} at {}:{}",
                d.rule.code, d.rule.name, at.line, at.column
            ),
            body,
            Some(at.line.to_string()),
        )
    };
    let mut case = element(
        "testcase",
        &[("name", &name), ("classname", path), ("file", path)],
    );
    if let Some(line) = &line {
        case.push_attribute(attribute("line", line));
    }
    writer.write_event(Event::Start(case))?;
    let kind = if outcome == Outcome::Passed {
        writer.write_event(Event::Start(BytesStart::new("system-out")))?;
        "system-out"
    } else {
        writer.write_event(Event::Start(element(
            kind,
            &[("message", &d.message), ("type", &d.rule.code)],
        )))?;
        kind
    };
    writer.write_event(Event::Text(BytesText::from_escaped(escape(&body, false))))?;
    writer.write_event(Event::End(BytesEnd::new(kind)))?;
    writer.write_event(Event::End(BytesEnd::new("testcase")))?;
    Ok(())
}

fn element<'a>(name: &'a str, attributes: &[(&str, &str)]) -> BytesStart<'a> {
    let mut start = BytesStart::new(name);
    for (key, value) in attributes {
        start.push_attribute(attribute(key, value));
    }
    start
}

/// An attribute escaped by [`escape`]: quick-xml's own escaping keeps line breaks, which
/// parsers turn into spaces inside attribute values.
fn attribute<'a>(key: &'a str, value: &str) -> Attribute<'a> {
    Attribute {
        key: QName(key),
        value: Cow::Owned(escape(value, true)),
    }
}

/// Escapes text for XML 1.0: markup characters become entities; in attributes, tabs and
/// line breaks become character references so they survive parsing; in text, a carriage
/// return does too (parsers would turn CRLF into LF). Characters XML 1.0 cannot carry at
/// all, even as references (most C0 controls, unpaired surrogates cannot occur in `str`,
/// U+FFFE and U+FFFF), become U+FFFD.
pub fn escape(text: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\'' if attribute => out.push_str("&apos;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\r' => out.push_str("&#13;"),
            '\t' | '\n' => out.push(c),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_breaks_and_forbidden_characters() {
        assert_eq!(
            escape("a<b>&\"c\"\n'd'\r\u{1}\u{ffff}", true),
            "a&lt;b&gt;&amp;&quot;c&quot;&#10;&apos;d&apos;&#13;\u{fffd}\u{fffd}"
        );
        assert_eq!(escape("a<b\n\"c\"\td\r", false), "a&lt;b\n\"c\"\td&#13;");
    }
}
