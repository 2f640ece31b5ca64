//! What every human format owes its reader, whatever the input: no panic, no control or
//! direction-changing character of the input in the output, and every source line
//! `pretty` shows bounded in width, however long the line in the input (a minified policy
//! printed whole per finding gave hundreds of megabytes). Shared by the `pretty` fuzz
//! target (`fuzz/fuzz_targets/pretty.rs`) and the regression test of what it found
//! (`tests/mutations.rs`).

use policylint::report;
use policylint::report::escape::is_unsafe;
use policylint::runner::FileReport;

/// The widest source line `pretty` may show, in characters of the input and with its
/// gutter: a line of up to 240 is shown whole; a longer one is cut to windows of 60 either
/// side of each span's start and end (a diagnostic has at most two spans), with `…` for
/// what is left out; and miette shows a tab as up to four spaces.
const WIDEST_SOURCE_LINE: usize = 4 * (4 * (2 * 60 + 1) + 5) + 32;

/// The characters of the input a line of output shows: an escape (`\u{1b}`, `\n`) counts
/// as the one character it stands for.
fn shown_width(line: &str) -> usize {
    let mut width = 0;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        width += 1;
        if c == '\\' {
            match chars.peek() {
                Some('n' | 'r') => {
                    chars.next();
                }
                Some('u') => chars.by_ref().take_while(|&c| c != '}').for_each(drop),
                _ => {}
            }
        }
    }
    width
}

/// Whether `line` of `pretty` output shows a source line: `  12 │ text`.
fn is_source_line(line: &str) -> bool {
    line.split_once(" │ ").is_some_and(|(gutter, _)| {
        let gutter = gutter.trim();
        !gutter.is_empty() && gutter.bytes().all(|b| b.is_ascii_digit())
    })
}

/// Renders `reports` as `pretty`, `concise` and `github`, and panics, naming `what`, if an
/// output breaks a promise of the module's documentation.
pub fn check_human_formats(what: &str, reports: &[FileReport]) {
    let pretty = report::pretty::render(reports, false);
    for line in pretty.lines().filter(|l| is_source_line(l)) {
        let width = shown_width(line);
        assert!(
            width <= WIDEST_SOURCE_LINE,
            "{what}: pretty shows a source line of {width} characters:\n{line}"
        );
    }
    for (format, text) in [
        ("pretty", pretty),
        ("concise", report::concise::render(reports)),
        ("github", report::github::render(reports)),
    ] {
        if let Some(c) = text.chars().find(|&c| c != '\n' && is_unsafe(c)) {
            panic!("{what}: {format} output holds {c:?}:\n{text}");
        }
    }
}
