//! Standard input: read and linted with the config of the file it stands for
//! (`--stdin-filename`), or given back untouched when `--force-exclude` leaves it out.

use super::args::CheckArgs;
use crate::config::{ConfigError, Resolver, Settings};
use crate::report::sink::Sink;
use crate::runner::{self, FileReport, FixAction, FixRequest};
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// What became of standard input.
pub(super) enum StandardInput {
    Linted {
        report: FileReport,
        settings: Arc<Settings>,
        /// With `--fix`: what goes to standard output, the fixed text or, when nothing
        /// was fixed, the input byte for byte (an editor replaces its buffer with it).
        fixed: Option<Vec<u8>>,
    },
    /// `--force-exclude` left it out: the exit code of giving it back (with `--fix`).
    PassedOver(ExitCode),
}

/// Reads and lints standard input with the config of the file it stands for.
pub(super) fn standard_input(
    args: &CheckArgs,
    resolver: &mut Resolver,
) -> Result<StandardInput, ConfigError> {
    let stands_for = PathBuf::from(args.stdin_filename.as_deref().unwrap_or("-"));
    let settings = resolver.for_path(&stands_for)?;
    let absolute = std::path::absolute(&stands_for).unwrap_or_else(|_| stands_for.clone());
    let mut input = Vec::new();
    let read = std::io::stdin()
        .lock()
        .read_to_end(&mut input)
        .map(|_| input);
    let request = args.fix_request(true);
    // `--force-exclude`: the config's include and exclude apply to the file standard input
    // stands for, and JSON that is not a policy is passed over.
    if args.force_exclude && args.stdin_filename.is_some() && !settings.takes_in_walk(&absolute) {
        let code = pass_stdin_over(request, read.as_deref().unwrap_or_default());
        return Ok(StandardInput::PassedOver(code));
    }
    // Kept to give back when nothing is fixed: text that is not UTF-8 is only decoded for
    // the report.
    let original = request
        .is_some_and(|r| r.action == FixAction::Return)
        .then(|| read.as_ref().map(Vec::clone).unwrap_or_default());
    let (mut report, is_policy) = lint_stdin(&settings, args.stdin_filename.clone(), read);
    if args.force_exclude && !is_policy {
        let code = pass_stdin_over(request, original.as_deref().unwrap_or_default());
        return Ok(StandardInput::PassedOver(code));
    }
    runner::settle(&settings, &mut report, &absolute, request, None);
    let fixed = original.map(|original| match &report.text {
        Some(text) if report.fixed > 0 => text.clone().into_bytes(),
        _ => original,
    });
    Ok(StandardInput::Linted {
        report,
        settings,
        fixed,
    })
}

/// The report of standard input, read by the host its `--stdin-filename` names (JSON
/// without one), and whether it is a policy (or looks like one).
fn lint_stdin(
    settings: &Settings,
    name: Option<String>,
    input: std::io::Result<Vec<u8>>,
) -> (FileReport, bool) {
    let path = name.unwrap_or_else(|| "-".to_string());
    match input {
        Ok(bytes) => runner::lint_bytes_with(&settings.rules, &settings.hosts, path, bytes),
        Err(e) => (
            runner::io_error(path, format!("cannot read standard input: {e}")),
            true,
        ),
    }
}

/// Standard input that `--force-exclude` leaves out (the config excludes the file it
/// stands for, or it is not a policy) is not reported, as ruff does; with `--fix`, the
/// text goes back unchanged, so that an editor's format-on-save keeps the buffer (exit 2
/// if it cannot be written).
fn pass_stdin_over(request: Option<FixRequest>, input: &[u8]) -> ExitCode {
    let mut sink = Sink::stdout();
    if request.is_some_and(|r| r.action == FixAction::Return) {
        sink.write(input);
    }
    sink.finish(ExitCode::SUCCESS)
}
