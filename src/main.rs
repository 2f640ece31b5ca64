use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    policylint::cli::run(policylint::cli::Cli::parse())
}
