//! Streamed runs: linting and printing chunk by chunk in path order, so that memory does
//! not grow with the number of files, and machine formats assembled from a spill.

use super::args::CheckArgs;
use super::output::{exit_code, run_rules, use_color, warn_nothing_linted};
use super::plan::Planned;
use super::usage_error;
use crate::config::{ConfigError, Settings};
use crate::diagnostic::Severity;
use crate::discover::{Candidate, path_order};
use crate::engine::count_at_least;
use crate::report::sink::Sink;
use crate::report::{self, OutputFormat, Summary};
use crate::runner::{self, FileReport, Outcome};
use rayon::prelude::*;
use std::process::ExitCode;
use std::sync::Arc;

/// Files linted and printed per chunk: large enough to keep both cores busy, small enough
/// that memory does not grow with the number of files.
const STREAM_CHUNK: usize = 2048;

/// Lints and prints chunk by chunk, in path order, for the formats written file by file:
/// discovery runs one chunk ahead of linting and printing one chunk behind, and a report
/// keeps its text until it is printed, so holding every file until the end would make
/// memory grow with their number. Each report is rendered by the thread that linted it,
/// so printing does not hold up linting. `early` holds the reports made before linting
/// (standard input), merged in by path. A broken config found partway stops the run
/// there, once the chunks before the one it is met in are printed.
pub(super) fn stream(
    args: &CheckArgs,
    mut planned: impl Iterator<Item = Result<Planned, ConfigError>> + Send,
    mut early: Vec<FileReport>,
    spill: Option<report::spill::Spill>,
) -> Result<Streamed, ExitCode> {
    early.sort_by(|a, b| path_order(&b.path, &a.path));
    let color = use_color(args.color);
    let render = |report: FileReport| render_streamed(args, color, report);
    let mut printer = Printer::new(spill);
    let mut settings: Vec<Arc<Settings>> = Vec::new();
    let fix = args.fix_request(false);
    let mut take_chunk =
        || -> Result<Vec<Planned>, ConfigError> { planned.by_ref().take(STREAM_CHUNK).collect() };
    let mut next_chunk = take_chunk();
    // The reports of the chunk linted last, printed while the next one is linted.
    let mut printable = Vec::new();
    loop {
        let chunk = match next_chunk {
            Ok(chunk) => chunk,
            Err(error) => {
                printer.emit(printable);
                let code = usage_error(&error.to_string());
                return Err(printer.sink.finish(code));
            }
        };
        let Some(last) = chunk.last().map(|p| p.display().to_string()) else {
            break;
        };
        note_settings(&mut settings, &chunk);
        // While this chunk is linted, one thread finds the next chunk (a walk) and prints
        // the last one, so the other cores wait for neither.
        let find_and_print = || {
            let following = take_chunk();
            printer.emit(std::mem::take(&mut printable));
            following
        };
        let (following, mut rendered) =
            rayon::join(find_and_print, || lint_chunk(chunk, fix, &render));
        next_chunk = following;
        let linted = rendered.len();
        while early
            .last()
            .is_some_and(|r| path_order(&r.path, &last).is_le())
        {
            rendered.extend(early.pop().map(render));
        }
        // Only reports merged in from before linting can be out of place.
        if rendered.len() > linted {
            rendered.sort_by(|a, b| path_order(&a.path, &b.path));
        }
        printable = rendered;
    }
    printer.emit(printable);
    printer.emit(early.drain(..).rev().map(render).collect());
    if printer.spill_failed {
        eprintln!("policylint: error: cannot write the report to a temporary file");
        return Err(ExitCode::from(2));
    }
    Ok(Streamed { printer, settings })
}

/// Lints one chunk in parallel, a few files a task (see `runner::lint_batch`), each
/// report rendered by the thread that linted it; the reports keep the chunk's order.
fn lint_chunk(
    chunk: Vec<Planned>,
    fix: Option<runner::FixRequest>,
    render: &(impl Fn(FileReport) -> RenderedReport + Sync),
) -> Vec<RenderedReport> {
    let batch_size = runner::batch_size(chunk.len(), rayon::current_num_threads());
    chunk
        .into_par_iter()
        .chunks(batch_size)
        .flat_map_iter(|batch| {
            let lintable: Vec<(&Candidate, &Settings)> = batch
                .iter()
                .filter_map(|planned| match planned {
                    Planned::Lint(candidate, settings) => Some((candidate, &**settings)),
                    Planned::Report(_) => None,
                })
                .collect();
            let mut rendered = runner::lint_batch(&lintable, fix, |outcome| match outcome {
                Outcome::Linted(report) => Some(render(report)),
                Outcome::NotAPolicy(_) => None,
            })
            .into_iter();
            batch
                .into_iter()
                .filter_map(|planned| match planned {
                    Planned::Lint(..) => rendered.next().expect("one outcome a file"),
                    Planned::Report(report) => Some(render(report)),
                })
                .collect::<Vec<RenderedReport>>()
        })
        .collect()
}

/// A report's text this long is written on its own rather than copied into its chunk's.
const WRITTEN_AS_IS: usize = 1 << 16;

/// Prints the reports of a streamed run, chunk by chunk, and keeps their tallies.
struct Printer {
    summary: Summary,
    failing: usize,
    unreadable: bool,
    sink: Sink<std::io::Stdout>,
    spill: Option<report::spill::Spill>,
    spill_failed: bool,
    tallies: [usize; 3],
}

impl Printer {
    fn new(spill: Option<report::spill::Spill>) -> Self {
        Printer {
            summary: Summary::default(),
            failing: 0,
            unreadable: false,
            sink: Sink::stdout(),
            spill,
            spill_failed: false,
            tallies: [0; 3],
        }
    }

    /// Adds up what a report says (its text and parts aside).
    fn absorb(&mut self, report: &RenderedReport) {
        self.summary.absorb(&report.summary);
        self.failing += report.failing;
        self.unreadable |= report.unreadable;
        for (sum, tally) in self.tallies.iter_mut().zip(report.tallies) {
            *sum += tally;
        }
    }

    /// Prints `rendered`, which comes in path order (a chunk's reports keep the order of
    /// discovery), and adds up what it says.
    fn emit(&mut self, rendered: Vec<RenderedReport>) {
        // One write per chunk: standard output flushes at every line end, and a write per
        // file was a system call per file. A long report is written as it is, not copied.
        let mut text = String::new();
        for report in rendered {
            self.absorb(&report);
            if report.text.len() >= WRITTEN_AS_IS {
                self.sink.write(text.as_bytes());
                text.clear();
                self.sink.write(report.text.as_bytes());
            } else {
                text.push_str(&report.text);
            }
            if let (Some(spill), Some(parts)) = (&mut self.spill, &report.parts) {
                self.spill_failed |= spill.push(parts).is_err();
            }
        }
        self.sink.write(text.as_bytes());
    }
}

/// Adds the settings `chunk` is linted with to `seen`, each once, in the order first met
/// (as `run_rules` takes them): SARIF lists the rules of every config the run used.
fn note_settings(seen: &mut Vec<Arc<Settings>>, chunk: &[Planned]) {
    for planned in chunk {
        if let Planned::Lint(_, settings) = planned
            && !seen.iter().any(|s| Arc::ptr_eq(s, settings))
        {
            seen.push(settings.clone());
        }
    }
}

/// What a streamed run printed, for its summary and exit code.
pub(super) struct Streamed {
    /// Standard output and what the reports printed added up to (a machine format's
    /// parts in its spill, for `finish_stream` to assemble).
    printer: Printer,
    /// The settings files were linted with, each once, for SARIF's rules.
    pub(super) settings: Vec<Arc<Settings>>,
}

impl Streamed {
    /// Some file could not be read or walked.
    pub(super) fn unreadable(&self) -> bool {
        self.printer.unreadable
    }
}

/// Renders one report of a streamed run (pretty, concise or github).
fn render_streamed(args: &CheckArgs, color: bool, report: FileReport) -> RenderedReport {
    let reports = std::slice::from_ref(&report);
    let mut tallies = [0; 3];
    let (text, parts) = match args.output_format {
        OutputFormat::Pretty => (report::pretty::render(reports, color), None),
        OutputFormat::Github => (report::github::render(reports), None),
        OutputFormat::Json => (String::new(), Some(report::json::parts(&report))),
        OutputFormat::Sarif => (String::new(), Some(report::sarif::parts(&report))),
        OutputFormat::Junit => {
            let (parts, counted) = report::junit::parts(&report);
            tallies = counted;
            (String::new(), Some(parts))
        }
        _ => (report::concise::render(reports), None),
    };
    let failing = count_at_least(
        &report.diagnostics,
        report.fail_on.unwrap_or(Severity::Warning),
    );
    RenderedReport {
        summary: Summary::of(reports),
        unreadable: could_not_be_read(&report),
        path: report.path,
        text,
        parts,
        tallies,
        failing,
    }
}

/// Ends a streamed run: the reports known only at its end (unused ignores, on config
/// files), the summary line, the exit code.
pub(super) fn finish_stream(
    args: &CheckArgs,
    streamed: Streamed,
    late: Vec<FileReport>,
) -> ExitCode {
    let Streamed {
        mut printer,
        settings,
    } = streamed;
    let color = use_color(args.color);
    let mut late_parts = Vec::new();
    for report in late {
        let rendered = render_streamed(args, color, report);
        printer.absorb(&rendered);
        printer.sink.write(rendered.text.as_bytes());
        late_parts.extend(rendered.parts);
    }
    let Printer {
        mut summary,
        failing,
        mut sink,
        spill,
        tallies,
        ..
    } = printer;
    summary.note_fix_flags(args.fix || args.diff, args.unsafe_fixes);
    if let Some(spill) = spill {
        let layout = match args.output_format {
            OutputFormat::Junit => report::junit::layout(tallies),
            OutputFormat::Sarif => report::sarif::layout(&run_rules(&settings)),
            _ => report::json::layout(summary),
        };
        // The sink takes note of a failed write to standard output (and `finish` says so);
        // an error here is the temporary file's, which cannot be read back.
        let mut out = std::io::BufWriter::with_capacity(1 << 16, &mut sink);
        let assembled = spill
            .write_document(late_parts, &layout, &mut out)
            .and_then(|()| std::io::Write::flush(&mut out));
        drop(out);
        if let Err(error) = assembled {
            report::sink::say(&format!(
                "policylint: error: cannot read the report back from its temporary file: {error}\n"
            ));
            return ExitCode::from(2);
        }
    } else if !args.quiet && args.output_format != OutputFormat::Github {
        sink.write(format!("{}\n", report::summary_line(&summary)).as_bytes());
    }
    if summary.files == 0 {
        warn_nothing_linted(args);
    }
    sink.finish(exit_code(failing, args))
}

/// Whether a report is about a file that could not be read (or a folder not walked).
pub(super) fn could_not_be_read(report: &FileReport) -> bool {
    report
        .diagnostics
        .iter()
        .any(|d| Arc::ptr_eq(&d.rule, &runner::IO_ERROR))
}

/// A report as printed, with what the run's summary and exit code need of it.
struct RenderedReport {
    path: String,
    text: String,
    /// A machine format's parts of the document.
    parts: Option<report::spill::Parts>,
    /// JUnit's tests, failures and errors in it.
    tallies: [usize; 3],
    summary: Summary,
    failing: usize,
    unreadable: bool,
}
