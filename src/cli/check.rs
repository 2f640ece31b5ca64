//! The check command: lint the files found (and standard input), then print the report;
//! a run that holds nothing back streams instead (see `stream`).

use super::add_ignores;
use super::args::CheckArgs;
use super::output::{print_diffs, print_report, say_verbose_notes};
use super::plan::{Planned, paths_to_lint, plan, resolver};
use super::stdin::{StandardInput, standard_input};
use super::stream::{could_not_be_read, finish_stream, stream};
use super::usage_error;
use crate::config::{Resolver, Settings};
use crate::discover::{Candidate, discover, path_order};
use crate::report::escape::escape;
use crate::report::sink::say;
use crate::report::{self, OutputFormat, Summary};
use crate::runner::{self, FileReport, Outcome};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

pub(super) fn check(args: &CheckArgs) -> ExitCode {
    let code = match fix_writers(args) {
        Some(pool) => pool.install(|| check_files(args)),
        None => check_files(args),
    };
    crate::fix::write::sync_renamed_folders();
    code
}

fn check_files(args: &CheckArgs) -> ExitCode {
    if args.add_ignores {
        return add_ignores::add_ignores(args);
    }
    let mut resolver = match resolver(args) {
        Ok(resolver) => resolver,
        Err(error) => return usage_error(&error.to_string()),
    };
    let (stdin, files): (Vec<PathBuf>, Vec<PathBuf>) = paths_to_lint(args)
        .into_iter()
        .partition(|p| p.as_os_str() == "-");
    let mut reports: Vec<FileReport> = Vec::new();
    let mut fixed_stdin = None;
    let mut stdin_settings = None;
    if !stdin.is_empty() {
        match standard_input(args, &mut resolver) {
            Err(error) => return usage_error(&error.to_string()),
            Ok(StandardInput::PassedOver(code)) if files.is_empty() => return code,
            Ok(StandardInput::PassedOver(_)) => {}
            Ok(StandardInput::Linted {
                report,
                settings,
                fixed,
            }) => {
                fixed_stdin = fixed;
                reports.push(report);
                stdin_settings = Some(settings);
            }
        }
    }
    let planned = plan(&mut resolver, discover(&files), args.force_exclude);
    let judges_unused_ignores = stdin.is_empty();
    if let Some(spill) = streams(args, fixed_stdin.is_some()) {
        let mut streamed = match stream(args, planned, reports, spill) {
            Ok(streamed) => streamed,
            Err(code) => return code,
        };
        streamed.settings.extend(stdin_settings);
        let unused = if judges_unused_ignores && !streamed.unreadable() {
            unused_ignores(&resolver, &files)
        } else {
            Vec::new()
        };
        return finish_stream(args, streamed, unused);
    }
    let candidates = match lint_planned(args, planned, &mut reports) {
        Ok(candidates) => candidates,
        Err(code) => return code,
    };
    let mut used_settings: Vec<Arc<Settings>> = candidates.iter().map(|(_, s)| s.clone()).collect();
    used_settings.extend(stdin_settings);
    let unreadable = reports.iter().any(could_not_be_read);
    if judges_unused_ignores && !unreadable {
        reports.extend(unused_ignores(&resolver, &files));
    }
    reports.sort_by(|a, b| path_order(&a.path, &b.path));
    let access_summary = match new_access(args, &mut reports, &candidates, &files, &mut resolver) {
        Ok(access_summary) => access_summary,
        Err(message) => return usage_error(&message),
    };
    if args.verbose {
        say_verbose_notes(&reports, &candidates);
    }
    if args.diff {
        return print_diffs(&reports);
    }
    let mut summary = Summary::of(&reports);
    summary.note_fix_flags(args.fix || args.diff, args.unsafe_fixes);
    print_report(
        args,
        &reports,
        &summary,
        &used_settings,
        fixed_stdin,
        &access_summary,
    )
}

/// Whether the run streams (see `stream`): `Some` with the spill a machine format streams
/// through, `None` when the run holds every report until the end.
fn streams(args: &CheckArgs, fixes_stdin: bool) -> Option<Option<report::spill::Spill>> {
    let plain_run =
        !args.statistics && !args.diff && !fixes_stdin && !args.verbose && args.base.is_none();
    let streams = plain_run
        && matches!(
            args.output_format,
            OutputFormat::Pretty | OutputFormat::Concise | OutputFormat::Github
        );
    // Machine formats stream too, through a temporary file (see `report::spill`).
    let lists = match args.output_format {
        OutputFormat::Json => 2,
        OutputFormat::Junit => 1,
        OutputFormat::Sarif => 2,
        _ => 0,
    };
    let spill = (plain_run && lists > 0)
        .then(|| report::spill::Spill::new(lists).ok())
        .flatten();
    (streams || spill.is_some()).then_some(spill)
}

/// Lints the planned files, adding their reports (and those of the paths that could not be
/// walked) to `reports`; the files linted, with their settings, or the exit code of a
/// broken config.
fn lint_planned(
    args: &CheckArgs,
    planned: impl Iterator<Item = Result<Planned, crate::config::ConfigError>>,
    reports: &mut Vec<FileReport>,
) -> Result<Vec<(Candidate, Arc<Settings>)>, ExitCode> {
    let mut candidates = Vec::new();
    for planned in planned {
        match planned {
            Ok(Planned::Lint(candidate, settings)) => candidates.push((candidate, settings)),
            Ok(Planned::Report(report)) => reports.push(report),
            Err(error) => return Err(usage_error(&error.to_string())),
        }
    }
    for outcome in runner::lint_candidates(&candidates, args.fix_request(false)) {
        match outcome {
            Outcome::Linted(report) => reports.push(report),
            Outcome::NotAPolicy(path) if args.verbose => {
                say(&format!(
                    "policylint: skipped {}: not a policy (no policy document found)\n",
                    escape(&path)
                ));
            }
            Outcome::NotAPolicy(_) => {}
        }
    }
    Ok(candidates)
}

/// `--base`: adds the access each file grants that its version at the base did not (rule
/// `new-access`) to `reports`; the summary of the access removed (empty without `--base`).
fn new_access(
    args: &CheckArgs,
    reports: &mut [FileReport],
    candidates: &[(Candidate, Arc<Settings>)],
    files: &[PathBuf],
    resolver: &mut Resolver,
) -> Result<String, String> {
    let Some(base) = &args.base else {
        return Ok(String::new());
    };
    let roots = if files.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        files.to_vec()
    };
    let removed = crate::access::command::add_new_access(
        reports,
        candidates,
        &roots,
        base,
        args.fail_on_new_access,
        resolver,
    )?;
    Ok(crate::access::command::removed_summary(&removed, base))
}

/// The unused `[[ignore]]` entries of the configs this run used (see
/// `IgnoreEntries::unused`), judged against the folders it walked.
fn unused_ignores(resolver: &Resolver, files: &[PathBuf]) -> Vec<FileReport> {
    let walked: Vec<PathBuf> = files
        .iter()
        .filter(|p| p.is_dir())
        .map(|p| std::path::absolute(p).unwrap_or_else(|_| p.clone()))
        .collect();
    runner::unused_ignore_reports(&resolver.loaded_configs(), &walked)
}

/// `--fix` writes each file through a temporary file it syncs to disk before the rename
/// (`fix::write`; the folders are synced once each at the end): a wait on the disk a file, which
/// threads as many as the cores spent idle. A run that writes lints on more threads, so
/// that other files are linted and written during those waits, and the file system
/// commits the syncs of many files together. `RAYON_NUM_THREADS` still decides if set.
fn fix_writers(args: &CheckArgs) -> Option<rayon::ThreadPool> {
    const THREADS_PER_CORE: usize = 8;
    if !args.fix || args.diff || std::env::var_os("RAYON_NUM_THREADS").is_some() {
        return None;
    }
    let threads = (rayon::current_num_threads() * THREADS_PER_CORE).clamp(16, 64);
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .ok()
}
