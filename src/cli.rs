//! The command line: `policylint [check] PATH...` and `policylint rule NAME|--all`.

mod add_ignores;
mod catalogue_cmd;
mod rule;
mod stream;

use stream::{could_not_be_read, finish_stream, stream};

use crate::config::{ConfigError, ConfigMode, Overrides, Resolver, Settings};
use crate::diagnostic::Severity;
use crate::discover::{Candidate, Found, discover, path_order};
use crate::engine::count_at_least;
use crate::fix::FixMode;
use crate::report::escape::escape;
use crate::report::sink::{Sink, say};
use crate::report::{self, OutputFormat, Summary};
use crate::rules::Rule;
use crate::runner::{self, FileReport, FixAction, FixRequest, Outcome};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Debug, Parser)]
#[command(
    name = "policylint",
    version = crate::catalogue::VERSION,
    about = "A fast linter for cloud access-policy JSON (Alibaba Cloud RAM, AWS IAM)",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub check: CheckArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lint policy files (the default command).
    Check(CheckArgs),
    /// Explain a rule, or list them all.
    Rule(RuleArgs),
    /// Whether policies allow a request, and by which statement (exit 0 when allowed).
    Can(crate::access::command::CanArgs),
    /// The access NEW grants that OLD does not, and the access removed.
    Diff(crate::access::command::DiffArgs),
    /// Run the language server (LSP over standard input and output) for editors.
    Lsp,
    /// What the catalogues know: the actions a pattern matches (`s3:Get*`), their access
    /// level, resource types and condition keys.
    Catalogue(catalogue_cmd::CatalogueArgs),
    /// Print a shell completion script: `policylint completions bash > ~/.local/share/bash-completion/completions/policylint`.
    Completions {
        #[arg(value_enum)]
        shell: CompletionShell,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files or folders to lint; `-` reads standard input. Default: the current folder.
    pub paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value = "pretty")]
    pub output_format: OutputFormat,
    /// Lowest severity that makes the exit code 1 [default: the config's, else warning].
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
    /// Use this config file for every file, instead of the nearest `policylint.toml` or
    /// `.policylint.toml` upward from each.
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Ignore config files: built-in rules and command-line options only.
    #[arg(long)]
    pub no_config: bool,
    /// Treat files named on the command line, and standard input under its
    /// `--stdin-filename`, like files found in a folder walk: the config's include/exclude
    /// apply, and JSON that is not a policy is skipped silently (for pre-commit hooks and
    /// editors, which pass every changed file).
    #[arg(long)]
    pub force_exclude: bool,
    /// Also load the rule files (`*.toml`) of this folder; repeatable.
    #[arg(long = "rules", value_name = "DIR")]
    pub rules_dirs: Vec<PathBuf>,
    /// Exit 0 even when there are findings.
    #[arg(long)]
    pub exit_zero: bool,
    /// Read standard input as the file NAME: its path in reports, and its config. Without
    /// `-`, standard input is read instead of the paths.
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<String>,
    /// Only these rules: names, codes, code prefixes (`PL2`) or categories, comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub select: Vec<String>,
    /// Skip these rules (same forms as --select).
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub ignore: Vec<String>,
    #[arg(long, value_enum, default_value = "auto")]
    pub color: Color,
    /// Print only the diagnostics, no summary.
    #[arg(long, short)]
    pub quiet: bool,
    /// Also say which files were skipped and why.
    #[arg(long, short)]
    pub verbose: bool,
    /// Apply the safe fixes (those that keep what the policy grants), then report what is
    /// left. With `-`, print the fixed text to standard output.
    #[arg(long)]
    pub fix: bool,
    /// With `--fix` or `--diff`, also apply the fixes that change what the policy grants.
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Print a unified diff of what `--fix` would change and write nothing; exit 1 when
    /// something would change.
    #[arg(long)]
    pub diff: bool,
    /// Count the diagnostics per rule. With pretty or concise output the counts replace
    /// the diagnostics; with the other formats they go to standard error.
    #[arg(long)]
    pub statistics: bool,
    /// Also report the access each file grants that its version at this git ref did not
    /// (rule `new-access`), and the access removed.
    #[arg(long, value_name = "GIT_REF", conflicts_with_all = ["fix", "diff"])]
    pub base: Option<String>,
    /// With `--base`: any new access is an error (not only what the config's
    /// `fail-on-new-access` names).
    #[arg(long, requires = "base")]
    pub fail_on_new_access: bool,
    /// Append an `[[ignore]]` entry for every current finding to the nearest config
    /// (a new `policylint.toml` here if there is none), so that only new findings fail.
    #[arg(long, conflicts_with_all = ["fix", "diff", "no_config"])]
    pub add_ignores: bool,
}

impl CheckArgs {
    fn fix_request(&self, for_stdin: bool) -> Option<FixRequest> {
        let mode = if self.unsafe_fixes {
            FixMode::Unsafe
        } else {
            FixMode::Safe
        };
        let action = if self.diff {
            FixAction::Diff
        } else if !self.fix {
            return None;
        } else if for_stdin {
            FixAction::Return
        } else {
            FixAction::Write
        };
        Some(FixRequest { mode, action })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RuleFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct RuleArgs {
    /// A rule name (`duplicate-action`) or code (`PL201`).
    #[arg(required_unless_present = "all")]
    pub name: Option<String>,
    /// List every rule.
    #[arg(long, conflicts_with = "name")]
    pub all: bool,
    #[arg(long, value_enum, default_value = "text")]
    pub output_format: RuleFormat,
    /// Also explain the rule files (`*.toml`) of this folder; repeatable.
    #[arg(long = "rules", value_name = "DIR")]
    pub rules_dirs: Vec<PathBuf>,
}

pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Some(Command::Rule(args)) => rule::run(&args),
        Some(Command::Check(args)) => check(&args),
        Some(Command::Can(args)) => crate::access::command::can(&args),
        Some(Command::Diff(args)) => crate::access::command::diff_command(&args),
        Some(Command::Lsp) => crate::lsp::run(),
        Some(Command::Catalogue(args)) => catalogue_cmd::run(&args),
        Some(Command::Completions { shell }) => {
            let shell = match shell {
                CompletionShell::Bash => clap_complete::Shell::Bash,
                CompletionShell::Zsh => clap_complete::Shell::Zsh,
                CompletionShell::Fish => clap_complete::Shell::Fish,
            };
            let mut command = <Cli as clap::CommandFactory>::command();
            // Into memory first: `generate` panics when its writer fails.
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut command, "policylint", &mut script);
            let mut sink = Sink::stdout();
            sink.write(&script);
            sink.finish(ExitCode::SUCCESS)
        }
        None => check(&cli.check),
    }
}

/// Every rule the run used, once, by code: with several configs, the union of their rules.
fn run_rules(used: &[Arc<Settings>]) -> Vec<&Rule> {
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

fn severity_of(fail_on: FailOn) -> Severity {
    match fail_on {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
        FailOn::Info => Severity::Info,
    }
}

fn overrides(args: &CheckArgs) -> Overrides {
    Overrides {
        select: args.select.clone(),
        ignore: args.ignore.clone(),
        fail_on: args.fail_on.map(severity_of),
        rules_dirs: args.rules_dirs.clone(),
    }
}

fn resolver(args: &CheckArgs) -> Result<Resolver, ConfigError> {
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
enum Planned {
    Lint(Candidate, Arc<Settings>),
    Report(FileReport),
}

impl Planned {
    fn display(&self) -> &str {
        match self {
            Planned::Lint(candidate, _) => &candidate.display,
            Planned::Report(report) => &report.path,
        }
    }
}

/// Pairs each found file with its settings, dropping walked files the config does not
/// take; `--force-exclude` treats named files like walked ones.
fn plan<'r>(
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

fn usage_error(message: &str) -> ExitCode {
    say(&format!("policylint: error: {message}\n"));
    ExitCode::from(2)
}

fn check(args: &CheckArgs) -> ExitCode {
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
    let plain_run = !args.statistics
        && !args.diff
        && fixed_stdin.is_none()
        && !args.verbose
        && args.base.is_none();
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
    let judges_unused_ignores = stdin.is_empty();
    if streams || spill.is_some() {
        let mut streamed = match stream(args, planned, reports, spill) {
            Ok(streamed) => streamed,
            Err(code) => return code,
        };
        streamed.settings.extend(stdin_settings);
        let unused = if judges_unused_ignores && !streamed.unreadable {
            unused_ignores(&resolver, &files)
        } else {
            Vec::new()
        };
        return finish_stream(args, streamed, unused);
    }
    let mut candidates = Vec::new();
    for planned in planned {
        match planned {
            Ok(Planned::Lint(candidate, settings)) => candidates.push((candidate, settings)),
            Ok(Planned::Report(report)) => reports.push(report),
            Err(error) => return usage_error(&error.to_string()),
        }
    }
    let mut used_settings: Vec<Arc<Settings>> = candidates.iter().map(|(_, s)| s.clone()).collect();
    used_settings.extend(stdin_settings);
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
    let unreadable = reports.iter().any(could_not_be_read);
    if judges_unused_ignores && !unreadable {
        reports.extend(unused_ignores(&resolver, &files));
    }
    reports.sort_by(|a, b| path_order(&a.path, &b.path));
    let mut access_summary = String::new();
    if let Some(base) = &args.base {
        let roots = if files.is_empty() {
            vec![PathBuf::from(".")]
        } else {
            files.clone()
        };
        match crate::access::command::add_new_access(
            &mut reports,
            &candidates,
            &roots,
            base,
            args.fail_on_new_access,
            &mut resolver,
        ) {
            Ok(removed) => access_summary = crate::access::command::removed_summary(&removed, base),
            Err(message) => return usage_error(&message),
        }
    }
    if args.verbose {
        say(&report::document_list(&reports));
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
    if args.diff {
        return print_diffs(&reports);
    }
    let mut summary = Summary::of(&reports);
    summary.note_fix_flags(args.fix || args.diff, args.unsafe_fixes);
    let human = matches!(
        args.output_format,
        OutputFormat::Pretty | OutputFormat::Concise
    );
    if args.statistics && !human {
        // The document on standard output stays whole; the counts go to the log.
        say(&report::statistics::render(&reports));
    }
    let output = match args.output_format {
        OutputFormat::Pretty | OutputFormat::Concise if args.statistics => {
            let mut text = report::statistics::render(&reports);
            if !args.quiet {
                text.push_str(&report::summary_line(&summary));
                text.push('\n');
            }
            text
        }
        OutputFormat::Pretty => {
            let mut text = report::pretty::render(&reports, use_color(args.color));
            if !args.quiet {
                text.push_str(&report::summary_line(&summary));
                text.push('\n');
            }
            text
        }
        OutputFormat::Concise => {
            let mut text = report::concise::render(&reports);
            if !args.quiet {
                text.push_str(&report::summary_line(&summary));
                text.push('\n');
            }
            text
        }
        OutputFormat::Json => report::json::render(&reports),
        OutputFormat::Sarif => report::sarif::render(&reports, &run_rules(&used_settings)),
        OutputFormat::Github => report::github::render(&reports),
        OutputFormat::Junit => report::junit::render(&reports),
        OutputFormat::Gitlab => report::gitlab::render(&reports),
    };
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
                say(&access_summary);
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

fn exit_code(failing: usize, args: &CheckArgs) -> ExitCode {
    if failing > 0 && !args.exit_zero {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// As ruff does: a run over folders that found nothing to lint says so, rather than
/// passing as if every policy were clean. Files named on the command line are always
/// linted, so only `--force-exclude` can leave none of them, and then on purpose.
fn warn_nothing_linted(args: &CheckArgs) {
    if args.paths.is_empty() || args.paths.iter().any(|p| p.is_dir()) {
        say(
            "warning: No policy files found under the given paths (`--verbose` lists the files \
             skipped)\n",
        );
    }
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

/// `--diff`: the diffs on standard output, a count on standard error; exit 1 when
/// fixing would change something.
fn print_diffs(reports: &[FileReport]) -> ExitCode {
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

/// What became of standard input.
enum StandardInput {
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
fn standard_input(args: &CheckArgs, resolver: &mut Resolver) -> Result<StandardInput, ConfigError> {
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

/// What the run reads: `--stdin-filename` without `-` means standard input (as in ruff,
/// for editors that pipe the buffer), and other paths are then left aside with a warning;
/// no path at all means the current folder.
fn paths_to_lint(args: &CheckArgs) -> Vec<PathBuf> {
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

fn use_color(choice: Color) -> bool {
    match choice {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => {
            std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
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
