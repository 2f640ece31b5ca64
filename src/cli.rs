//! The command line: `policylint [check] PATH...` and `policylint rule NAME|--all`.

use crate::diagnostic::Severity;
use crate::discover::{Candidate, discover};
use crate::engine::count_at_least;
use crate::fix::FixMode;
use crate::model::{Dialect, PolicyKind};
use crate::report::{self, OutputFormat, Summary};
use crate::rules::{Rule, RuleSet};
use crate::runner::{self, FileReport, FixAction, FixRequest, Outcome};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "policylint",
    version,
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
    /// Lowest severity that makes the exit code 1.
    #[arg(long, value_enum, default_value = "warning")]
    pub fail_on: FailOn,
    /// Exit 0 even when there are findings.
    #[arg(long)]
    pub exit_zero: bool,
    /// The path to report for standard input (`-`).
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
}

pub fn run(cli: Cli) -> ExitCode {
    let rules = match RuleSet::builtin() {
        Ok(rules) => rules,
        Err(error) => return usage_error(&format!("built-in rule file is broken: {error}")),
    };
    match cli.command {
        Some(Command::Rule(args)) => explain(&rules, &args),
        Some(Command::Check(args)) => check(rules, &args),
        None => check(rules, &cli.check),
    }
}

fn usage_error(message: &str) -> ExitCode {
    eprintln!("policylint: error: {message}");
    ExitCode::from(2)
}

fn check(mut rules: RuleSet, args: &CheckArgs) -> ExitCode {
    if let Err(message) = rules.retain_selected(&args.select, &args.ignore) {
        return usage_error(&message);
    }
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let (stdin, files): (Vec<PathBuf>, Vec<PathBuf>) =
        paths.into_iter().partition(|p| p.as_os_str() == "-");
    let (candidates, walk_errors) = discover(&files);
    let mut reports: Vec<FileReport> = walk_errors
        .into_iter()
        .map(|e| runner::io_error(e.display, e.message))
        .collect();
    let mut fixed_stdin = None;
    if !stdin.is_empty() {
        let mut report = lint_stdin(&rules, args.stdin_filename.clone());
        if let Some(request) = args.fix_request(true) {
            runner::fix_report(&rules, &mut report, request, None);
            if request.action == FixAction::Return {
                fixed_stdin = report.text.clone();
            }
        }
        reports.push(report);
    }
    for outcome in runner::lint_candidates(&rules, &candidates, args.fix_request(false)) {
        match outcome {
            Outcome::Linted(report) => reports.push(report),
            Outcome::NotAPolicy(path) if args.verbose => {
                eprintln!("policylint: skipped {path}: not a policy (no top-level `Statement`)");
            }
            Outcome::NotAPolicy(_) => {}
        }
    }
    reports.sort_by(|a, b| a.path.cmp(&b.path));
    if args.verbose {
        let explicit = candidates
            .iter()
            .filter(|c: &&Candidate| c.explicit)
            .count();
        eprintln!(
            "policylint: {} candidate files ({explicit} named explicitly), {} rules",
            candidates.len(),
            rules.rules.len()
        );
    }
    if args.diff {
        return print_diffs(&reports);
    }
    let summary = Summary::of(&reports);
    let human = matches!(
        args.output_format,
        OutputFormat::Pretty | OutputFormat::Concise
    );
    if args.statistics && !human {
        // The document on standard output stays whole; the counts go to the log.
        let _ = std::io::stderr()
            .lock()
            .write_all(report::statistics::render(&reports).as_bytes());
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
        OutputFormat::Sarif => report::sarif::render(&reports, &rules),
        OutputFormat::Github => report::github::render(&reports),
        OutputFormat::Junit => report::junit::render(&reports),
    };
    // A closed pipe (`policylint | head`) is not an error worth a panic.
    if let Some(fixed) = fixed_stdin {
        // Format-on-save: standard output is the fixed text and nothing else.
        let _ = std::io::stdout().lock().write_all(fixed.as_bytes());
        let _ = std::io::stderr().lock().write_all(output.as_bytes());
    } else {
        let mut stdout = std::io::stdout().lock();
        let _ = stdout.write_all(output.as_bytes());
        let _ = stdout.flush();
    }
    let threshold = match args.fail_on {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
        FailOn::Info => Severity::Info,
    };
    let failing: usize = reports
        .iter()
        .map(|r| count_at_least(&r.diagnostics, threshold))
        .sum();
    if failing > 0 && !args.exit_zero {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// `--diff`: the diffs on standard output, a count on standard error; exit 1 when
/// fixing would change something.
fn print_diffs(reports: &[FileReport]) -> ExitCode {
    let diffs: Vec<&FileReport> = reports.iter().filter(|r| r.diff.is_some()).collect();
    let mut stdout = std::io::stdout().lock();
    for report in &diffs {
        let _ = stdout.write_all(report.diff.as_deref().unwrap_or_default().as_bytes());
    }
    let _ = stdout.flush();
    let problems: usize = diffs.iter().map(|r| r.fixed).sum();
    for report in reports {
        for d in report.diagnostics.iter().filter(|d| d.rule.code == "PL000") {
            eprintln!("policylint: {}: {}", report.path, d.message);
        }
    }
    if diffs.is_empty() {
        eprintln!("No fixes to apply.");
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "Would fix {} in {}.",
            report::plural(problems, "problem", "problems"),
            report::plural(diffs.len(), "file", "files")
        );
        ExitCode::from(1)
    }
}

fn lint_stdin(rules: &RuleSet, name: Option<String>) -> FileReport {
    let path = name.unwrap_or_else(|| "-".to_string());
    let mut bytes = Vec::new();
    match std::io::stdin().lock().read_to_end(&mut bytes) {
        Ok(_) => runner::lint_bytes(rules, path, bytes).0,
        Err(e) => runner::io_error(path, format!("cannot read standard input: {e}")),
    }
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

fn explain(rules: &RuleSet, args: &RuleArgs) -> ExitCode {
    let selected: Vec<&Rule> = if args.all {
        rules.rules.iter().collect()
    } else {
        let name = args.name.as_deref().unwrap_or_default();
        match rules.find(name) {
            Some(rule) => vec![rule],
            None => {
                return usage_error(&format!(
                    "no rule is named `{name}`; `policylint rule --all` lists them"
                ));
            }
        }
    };
    let text = match args.output_format {
        RuleFormat::Json => {
            let list: Vec<serde_json::Value> = selected.iter().map(|r| rule_json(r)).collect();
            let value = if args.all {
                serde_json::Value::Array(list)
            } else {
                list.into_iter().next().unwrap_or_default()
            };
            serde_json::to_string_pretty(&value).expect("plain data serializes") + "\n"
        }
        RuleFormat::Text if args.all => selected
            .iter()
            .map(|r| {
                format!(
                    "{:<6} {:<26} {:<8} {:<12} {}\n",
                    r.id.code,
                    r.id.name,
                    r.severity.as_str(),
                    r.id.category,
                    r.doc.summary
                )
            })
            .collect(),
        RuleFormat::Text => rule_text(selected[0]),
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    ExitCode::SUCCESS
}

fn rule_json(rule: &Rule) -> serde_json::Value {
    serde_json::json!({
        "code": rule.id.code,
        "name": rule.id.name,
        "severity": rule.severity,
        "category": rule.id.category,
        "summary": rule.doc.summary,
        "explanation": rule.doc.explanation.trim(),
        "fix": rule.doc.fix,
        "dialects": rule.doc.dialects,
        "kinds": rule.doc.kinds,
        "bad": rule.doc.bad,
        "good": rule.doc.good,
    })
}

fn rule_text(rule: &Rule) -> String {
    let doc = &rule.doc;
    let indent = |s: &str| {
        s.trim_end()
            .lines()
            .map(|l| format!("    {l}\n"))
            .collect::<String>()
    };
    let fix = match doc.fix {
        Some(crate::diagnostic::Applicability::Safe) => "safe (applied by `--fix`)",
        Some(crate::diagnostic::Applicability::Unsafe) => {
            "unsafe (applied by `--fix --unsafe-fixes`)"
        }
        None => "none",
    };
    let dialects = doc
        .dialects
        .iter()
        .map(|d| match d {
            Dialect::Ram => "Alibaba Cloud RAM",
            Dialect::Aws => "AWS IAM",
        })
        .collect::<Vec<_>>()
        .join(" and ");
    let kinds = doc
        .kinds
        .iter()
        .map(|k| match k {
            PolicyKind::Identity => "identity",
            PolicyKind::Trust => "trust",
            PolicyKind::Resource => "resource (bucket)",
        })
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "{} {} ({}, {})\n\n{}\n\n{}\n\nApplies to: {dialects}; {kinds} policies\nFix: {fix}\n\nBad:\n{}\nGood:\n{}",
        doc.code,
        doc.name,
        rule.severity,
        doc.category,
        doc.summary,
        doc.explanation.trim(),
        indent(&doc.bad),
        indent(&doc.good),
    )
}
