//! The command line's arguments: the commands and their options, as clap reads them.

use crate::fix::FixMode;
use crate::report::OutputFormat;
use crate::runner::{FixAction, FixRequest};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

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
    Catalogue(super::catalogue_cmd::CatalogueArgs),
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
    pub(super) fn fix_request(&self, for_stdin: bool) -> Option<FixRequest> {
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
