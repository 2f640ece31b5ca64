//! What a check run reads, and with which settings: the paths it lints, the config
//! resolver the command line sets up, and the plan that pairs each file found with its
//! settings.

use super::args::{CheckArgs, FailOn};
use crate::config::{ConfigError, ConfigMode, Overrides, Resolver, Settings};
use crate::diagnostic::Severity;
use crate::discover::{Candidate, Found};
use crate::report::escape::escape;
use crate::report::sink::say;
use crate::runner::{self, FileReport};
use std::path::PathBuf;
use std::sync::Arc;

fn severity_of(fail_on: FailOn) -> Severity {
    match fail_on {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
        FailOn::Info => Severity::Info,
    }
}

pub(super) fn overrides(args: &CheckArgs) -> Overrides {
    Overrides {
        select: args.select.clone(),
        ignore: args.ignore.clone(),
        fail_on: args.fail_on.map(severity_of),
        rules_dirs: args.rules_dirs.clone(),
    }
}

pub(super) fn resolver(args: &CheckArgs) -> Result<Resolver, ConfigError> {
    let overrides = overrides(args);
    let mode = match (&args.config, args.no_config) {
        (Some(file), _) => ConfigMode::Fixed(file.clone()),
        (None, true) => ConfigMode::Ignore,
        (None, false) => ConfigMode::Discover,
    };
    Resolver::new(mode, overrides)
}

/// What the run does for each path discovery finds, in output order: lint a file with its
/// settings, or report a path that could not be walked.
pub(super) enum Planned {
    Lint(Candidate, Arc<Settings>),
    Report(FileReport),
}

impl Planned {
    pub(super) fn display(&self) -> &str {
        match self {
            Planned::Lint(candidate, _) => &candidate.display,
            Planned::Report(report) => &report.path,
        }
    }
}

/// Pairs each found file with its settings, dropping walked files the config does not
/// take; `--force-exclude` treats named files like walked ones.
pub(super) fn plan<'r>(
    resolver: &'r mut Resolver,
    found: impl Iterator<Item = Found> + Send + 'r,
    force_exclude: bool,
) -> impl Iterator<Item = Result<Planned, ConfigError>> + Send + 'r {
    found.filter_map(move |found| match found {
        Found::Unwalkable(error) => Some(Ok(Planned::Report(runner::io_error(
            error.display,
            error.message,
        )))),
        Found::File(mut candidate) => {
            candidate.explicit &= !force_exclude;
            match resolver.for_absolute(&candidate.absolute) {
                Err(error) => Some(Err(error)),
                Ok(settings) => (candidate.explicit || settings.takes_in_walk(&candidate.absolute))
                    .then(|| Ok(Planned::Lint(candidate, settings))),
            }
        }
    })
}

/// What the run reads: `--stdin-filename` without `-` means standard input (as in ruff,
/// for editors that pipe the buffer), and other paths are then left aside with a warning;
/// no path at all means the current folder.
pub(super) fn paths_to_lint(args: &CheckArgs) -> Vec<PathBuf> {
    let reads_stdin = args.paths.iter().any(|p| p.as_os_str() == "-");
    if args.stdin_filename.is_some() && !reads_stdin {
        for path in &args.paths {
            say(&format!(
                "policylint: warning: ignoring {} in favour of standard input (--stdin-filename)\n",
                escape(&path.display().to_string())
            ));
        }
        return vec![PathBuf::from("-")];
    }
    if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    }
}
