//! The command line: `policylint [check] PATH...` and `policylint rule NAME|--all`.
//!
//! The arguments are in `args`, and [`run`] hands each command to its handler. `check`
//! runs the check command, with what it reads in `plan` and `stdin`, what it prints in
//! `output`, its streamed runs in `stream`, and `--add-ignores` in `add_ignores`; `rule`
//! and `catalogue_cmd` are the commands of the same names (`can`, `diff` and `lsp` live
//! with what they run: `access::command`, `lsp`).

mod add_ignores;
mod args;
mod catalogue_cmd;
mod check;
mod output;
mod plan;
mod rule;
mod stdin;
mod stream;

pub use args::{CheckArgs, Cli, Color, Command, CompletionShell, FailOn, RuleArgs, RuleFormat};

use crate::report::sink::{Sink, say};
use std::process::ExitCode;

pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Some(Command::Rule(args)) => rule::run(&args),
        Some(Command::Check(args)) => check::check(&args),
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
        None => check::check(&cli.check),
    }
}

fn usage_error(message: &str) -> ExitCode {
    say(&format!("policylint: error: {message}\n"));
    ExitCode::from(2)
}
