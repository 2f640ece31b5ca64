//! `policylint check --add-ignores`: adopting the linter on a repository with findings.
//! Every current finding gets an `[[ignore]]` entry (its rule, its file, its place in the
//! policy) appended to the config that governs the file, so the same check then passes
//! and only new findings fail. Fixable findings are covered too, as ruff's `--add-noqa`
//! does: the point is a passing baseline, and `--fix` can still be run on them later.
//!
//! The configs are only appended to: the text before stays byte for byte, and the new
//! text is checked as a config before it is written (atomically), so a config that
//! cannot take `[[ignore]]` tables (one with an `ignore = [...]` line) is left alone with
//! a message.

use super::args::CheckArgs;
use super::plan::{Planned, overrides, plan, resolver};
use super::usage_error;
use crate::config::Settings;
use crate::config::{ADDED_REASON, CONFIG_NAMES, exact_glob, ignore_entry_for, load_text};
use crate::discover::{Candidate, discover};
use crate::fix::line_ending;
use crate::fix::write::{Destination, NotWritten, write_atomically};
use crate::report::escape::escape;
use crate::report::plural;
use crate::report::sink::say;
use crate::runner::{self, Outcome};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

pub(super) fn add_ignores(args: &CheckArgs) -> ExitCode {
    if args.paths.iter().any(|p| p.as_os_str() == "-") {
        return usage_error(
            "--add-ignores writes entries for files; it cannot read standard input",
        );
    }
    let mut resolver = match resolver(args) {
        Ok(resolver) => resolver,
        Err(error) => return usage_error(&error.to_string()),
    };
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let mut candidates = Vec::new();
    for planned in plan(&mut resolver, discover(&paths), args.force_exclude) {
        match planned {
            Ok(Planned::Lint(candidate, settings)) => candidates.push((candidate, settings)),
            Ok(Planned::Report(report)) => warn_unreadable(&report),
            Err(error) => return usage_error(&error.to_string()),
        }
    }
    let outcomes = runner::lint_candidates(&candidates, None);
    let cwd = std::env::current_dir().unwrap_or_default();
    let entries = entries_by_config(&candidates, outcomes, &cwd);
    let overrides = overrides(args);
    let mut added = 0;
    for (config, new_entries) in entries.iter().filter(|(_, e)| !e.is_empty()) {
        if let Err(message) = append_entries(config, new_entries, &overrides) {
            return usage_error(&message);
        }
        added += new_entries.len();
        eprintln!(
            "Added {} to {}.",
            plural(
                new_entries.len(),
                "`[[ignore]]` entry",
                "`[[ignore]]` entries"
            ),
            shown(config, &cwd)
        );
    }
    if added == 0 {
        eprintln!("No findings to ignore.");
    }
    ExitCode::SUCCESS
}

/// The `[[ignore]]` entries each config gains for the findings of the files it governs,
/// each entry once; files no config governs get `policylint.toml` in `cwd`, which then
/// governs every file below it.
fn entries_by_config(
    candidates: &[(Candidate, Arc<Settings>)],
    outcomes: Vec<Outcome>,
    cwd: &Path,
) -> BTreeMap<PathBuf, Vec<String>> {
    let new_config = cwd.join(CONFIG_NAMES[0]);
    let mut entries: BTreeMap<PathBuf, Vec<String>> = BTreeMap::new();
    for ((candidate, settings), outcome) in candidates.iter().zip(outcomes) {
        let Outcome::Linted(report) = outcome else {
            continue;
        };
        warn_unreadable(&report);
        let Some(text) = &report.text else { continue };
        let (config, root) = match &settings.source {
            Some(source) => (source.clone(), settings.root.clone()),
            None => (new_config.clone(), cwd.to_path_buf()),
        };
        let glob = candidate
            .absolute
            .strip_prefix(&root)
            .ok()
            .and_then(exact_glob);
        let Some(relative) = glob else {
            say(&format!(
                "policylint: {}: not under the folder of {}, so no `[[ignore]]` entry there can \
                 name it; its findings are not ignored\n",
                escape(&report.path),
                escape(&config.display().to_string())
            ));
            continue;
        };
        let for_config = entries.entry(config).or_default();
        // PL000 notes are not findings, and an unused ignore is removed, not ignored.
        for diagnostic in report
            .diagnostics
            .iter()
            .filter(|d| d.rule.code != "PL000" && d.rule.name != "unused-ignore")
        {
            let entry = ignore_entry_for(diagnostic, &relative, (report.host, text), ADDED_REASON);
            if !for_config.contains(&entry) {
                for_config.push(entry);
            }
        }
    }
    entries
}

fn warn_unreadable(report: &runner::FileReport) {
    for d in report
        .diagnostics
        .iter()
        .filter(|d| d.rule.name == "io-error")
    {
        say(&format!(
            "policylint: {}: {}; its findings are not ignored\n",
            escape(&report.path),
            escape(&d.message)
        ));
    }
}

fn shown(path: &Path, cwd: &Path) -> String {
    path.strip_prefix(cwd).unwrap_or(path).display().to_string()
}

/// Appends the entries to the config at `path` (creating it if needed), after checking
/// that the result is a config that loads.
fn append_entries(
    path: &Path,
    entries: &[String],
    overrides: &crate::config::Overrides,
) -> Result<(), String> {
    let existing = match std::fs::read_to_string(path) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(format!("{}: cannot read the config: {e}", path.display())),
    };
    let before = existing.as_deref().unwrap_or_default();
    let eol = line_ending(before);
    let mut text = before.to_string();
    if !text.is_empty() && !text.ends_with('\n') {
        text.push_str(eol);
    }
    for entry in entries {
        if !text.is_empty() {
            text.push_str(eol);
        }
        text.push_str(&entry.replace('\n', eol));
    }
    if let Err(error) = load_text(path, &text, overrides) {
        return Err(format!(
            "cannot add `[[ignore]]` entries to {}: the result would not load ({error}); \
             nothing was written",
            path.display()
        ));
    }
    let written = match existing {
        Some(_) => write_atomically(
            Destination {
                path,
                walk_root: None,
            },
            &text,
        )
        .map_err(|e| match e {
            NotWritten::Declined(message) | NotWritten::Failed(message) => message,
        }),
        None => create(path, &text).map_err(|e| format!("cannot create the config: {e}")),
    };
    written.map_err(|message| format!("{}: {message}", path.display()))
}

fn create(path: &Path, text: &str) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}
