//! What a check run prints: the report in the chosen format, `--diff`'s diffs, the
//! warning when nothing was linted, and the exit code.

use super::args::{CheckArgs, Color};
use crate::config::Settings;
use crate::diagnostic::Severity;
use crate::discover::Candidate;
use crate::engine::count_at_least;
use crate::report::escape::escape;
use crate::report::sink::{Sink, say};
use crate::report::{self, OutputFormat, Summary};
use crate::rules::Rule;
use crate::runner::FileReport;
use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;

/// Prints the report in the chosen format (after the fixed text of standard input, which
/// then has standard output to itself), and the access `--base` removed; the exit code by
/// each file's `fail-on`.
pub(super) fn print_report(
    args: &CheckArgs,
    reports: &[FileReport],
    summary: &Summary,
    used_settings: &[Arc<Settings>],
    fixed_stdin: Option<Vec<u8>>,
    access_summary: &str,
) -> ExitCode {
    let human = matches!(
        args.output_format,
        OutputFormat::Pretty | OutputFormat::Concise
    );
    if args.statistics && !human {
        // The document on standard output stays whole; the counts go to the log.
        say(&report::statistics::render(reports));
    }
    let output = render(args, reports, summary, used_settings);
    let mut sink = Sink::stdout();
    if let Some(fixed) = fixed_stdin {
        // Format-on-save: standard output is the fixed text and nothing else.
        sink.write(&fixed);
        say(&output);
    } else {
        sink.write(output.as_bytes());
        if !access_summary.is_empty() {
            if human {
                sink.write(access_summary.as_bytes());
            } else {
                say(access_summary);
            }
        }
    }
    if summary.files == 0 {
        warn_nothing_linted(args);
    }
    // Each file fails by its own config's `fail-on` (the command line's beats them all).
    let failing: usize = reports
        .iter()
        .map(|r| count_at_least(&r.diagnostics, r.fail_on.unwrap_or(Severity::Warning)))
        .sum();
    sink.finish(exit_code(failing, args))
}

/// The report in the chosen format: with `--statistics`, the counts for the human formats.
fn render(
    args: &CheckArgs,
    reports: &[FileReport],
    summary: &Summary,
    used_settings: &[Arc<Settings>],
) -> String {
    match args.output_format {
        OutputFormat::Pretty | OutputFormat::Concise if args.statistics => {
            let mut text = report::statistics::render(reports);
            if !args.quiet {
                text.push_str(&report::summary_line(summary));
                text.push('\n');
            }
            text
        }
        OutputFormat::Pretty => {
            let mut text = report::pretty::render(reports, use_color(args.color));
            if !args.quiet {
                text.push_str(&report::summary_line(summary));
                text.push('\n');
            }
            text
        }
        OutputFormat::Concise => {
            let mut text = report::concise::render(reports);
            if !args.quiet {
                text.push_str(&report::summary_line(summary));
                text.push('\n');
            }
            text
        }
        OutputFormat::Json => report::json::render(reports),
        OutputFormat::Sarif => report::sarif::render(reports, &run_rules(used_settings)),
        OutputFormat::Github => report::github::render(reports),
        OutputFormat::Junit => report::junit::render(reports),
        OutputFormat::Gitlab => report::gitlab::render(reports),
    }
}

/// `--verbose`: the documents found in each file, how many files were candidates, and
/// the configs their settings came from.
pub(super) fn say_verbose_notes(reports: &[FileReport], candidates: &[(Candidate, Arc<Settings>)]) {
    say(&report::document_list(reports));
    let explicit = candidates.iter().filter(|(c, _)| c.explicit).count();
    let mut configs: Vec<String> = candidates
        .iter()
        .map(|(_, s)| {
            s.source
                .as_ref()
                .map_or("no config".to_string(), |p| p.display().to_string())
        })
        .collect();
    configs.sort();
    configs.dedup();
    say(&format!(
        "policylint: {} candidate files ({explicit} named explicitly); settings from: {}\n",
        candidates.len(),
        escape(&configs.join(", "))
    ));
}

/// Every rule the run used, once, by code: with several configs, the union of their rules.
pub(super) fn run_rules(used: &[Arc<Settings>]) -> Vec<&Rule> {
    let mut seen = std::collections::HashSet::new();
    let mut rules: Vec<&Rule> = Vec::new();
    let mut distinct: Vec<&Arc<Settings>> = Vec::new();
    for settings in used {
        if !distinct.iter().any(|d| Arc::ptr_eq(d, settings)) {
            distinct.push(settings);
        }
    }
    for settings in distinct {
        rules.extend(
            settings
                .rules
                .rules
                .iter()
                .filter(|r| seen.insert(r.id.code.clone())),
        );
    }
    rules.sort_by(|a, b| a.id.code.cmp(&b.id.code));
    rules
}

pub(super) fn exit_code(failing: usize, args: &CheckArgs) -> ExitCode {
    if failing > 0 && !args.exit_zero {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// As ruff does: a run over folders that found nothing to lint says so, rather than
/// passing as if every policy were clean. Files named on the command line are always
/// linted, so only `--force-exclude` can leave none of them, and then on purpose.
pub(super) fn warn_nothing_linted(args: &CheckArgs) {
    if args.paths.is_empty() || args.paths.iter().any(|p| p.is_dir()) {
        say(
            "warning: No policy files found under the given paths (`--verbose` lists the files \
             skipped)\n",
        );
    }
}

/// `--diff`: the diffs on standard output, a count on standard error; exit 1 when
/// fixing would change something.
pub(super) fn print_diffs(reports: &[FileReport]) -> ExitCode {
    let diffs: Vec<&FileReport> = reports.iter().filter(|r| r.diff.is_some()).collect();
    let mut sink = Sink::stdout();
    for report in &diffs {
        sink.write(report.diff.as_deref().unwrap_or_default().as_bytes());
    }
    let problems: usize = diffs.iter().map(|r| r.fixed).sum();
    for report in reports {
        for d in report.diagnostics.iter().filter(|d| d.rule.code == "PL000") {
            say(&format!(
                "policylint: {}: {}\n",
                escape(&report.path),
                escape(&d.message)
            ));
        }
    }
    let code = if diffs.is_empty() {
        say("No fixes to apply.\n");
        ExitCode::SUCCESS
    } else {
        say(&format!(
            "Would fix {} in {}.\n",
            report::plural(problems, "problem", "problems"),
            report::plural(diffs.len(), "file", "files")
        ));
        ExitCode::from(1)
    };
    sink.finish(code)
}

pub(super) fn use_color(choice: Color) -> bool {
    match choice {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => {
            std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}
