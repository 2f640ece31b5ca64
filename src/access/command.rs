//! The commands on the access engine: `policylint can`, `policylint diff`, and what
//! `policylint check --base` adds to linting.

use super::condition::Context;
use super::diff::{AccessDiff, Grant, diff};
use super::eval::{Decision, Request, evaluate};
use super::git::{Change, Repository};
use super::{Document, documents, documents_in_text, output};
use crate::config::{ConfigMode, Overrides, Resolver, Settings};
use crate::discover::{Candidate, Found, discover, path_order};
use crate::rules::RuleSet;
use crate::runner::FileReport;
use clap::{Args, ValueEnum};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CanFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    Text,
    Json,
    /// New access as SARIF results on NEW's lines.
    Sarif,
    /// New access as GitHub annotations on NEW's lines.
    Github,
}

/// Which config the access commands read (for `dialect`, `include`/`exclude` and
/// `fail-on-new-access`).
#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// Use this config file instead of the nearest `policylint.toml` upward.
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Ignore config files.
    #[arg(long)]
    pub no_config: bool,
}

impl ConfigArgs {
    fn resolver(&self) -> Result<Resolver, String> {
        let mode = match (&self.config, self.no_config) {
            (Some(file), _) => ConfigMode::Fixed(file.clone()),
            (None, true) => ConfigMode::Ignore,
            (None, false) => ConfigMode::Discover,
        };
        Resolver::new(mode, Overrides::default()).map_err(|e| e.to_string())
    }
}

#[derive(Debug, Args)]
pub struct CanArgs {
    /// The action asked for, such as `oss:GetObject`.
    pub action: String,
    /// The resource, such as `acs:oss:*:*:reports/2026.csv` (`*` for actions on no resource).
    pub resource: String,
    /// Policy files or folders: every policy found is taken to apply to the request.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// A value of a context key (`acs:SourceIp=10.0.0.1`); repeat a key for several values.
    #[arg(long = "context", value_name = "KEY=VALUE")]
    pub context: Vec<String>,
    /// Keys the context does not give are absent from the request, rather than unknown.
    #[arg(long)]
    pub complete_context: bool,
    /// The principal making the request, matched against the `Principal` of resource and
    /// trust policies (ignored when not given).
    #[arg(long, value_name = "PRINCIPAL")]
    pub principal: Option<String>,
    #[arg(long, value_enum, default_value = "text")]
    pub output_format: CanFormat,
    #[command(flatten)]
    pub config: ConfigArgs,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// OLD and NEW, files or folders (folders are compared file by file, by path); with
    /// `--base`, the files or folders to compare with their versions at that git ref.
    pub paths: Vec<PathBuf>,
    /// Compare the working tree's files with their versions at this git ref.
    #[arg(long, value_name = "GIT_REF")]
    pub base: Option<String>,
    #[arg(long, value_enum, default_value = "text")]
    pub output_format: DiffFormat,
    /// Exit 1 on any new access (not only what the config's `fail-on-new-access` names).
    #[arg(long)]
    pub fail_on_new_access: bool,
    #[command(flatten)]
    pub config: ConfigArgs,
}

fn usage_error(message: &str) -> ExitCode {
    eprintln!("policylint: error: {message}");
    ExitCode::from(2)
}

fn print(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

/// `policylint can ACTION RESOURCE PATH...`: exit 0 when allowed, 1 otherwise.
pub fn can(args: &CanArgs) -> ExitCode {
    let mut context = Context {
        complete: args.complete_context,
        ..Context::default()
    };
    for pair in &args.context {
        let Some((key, value)) = pair.split_once('=') else {
            return usage_error(&format!("`--context {pair}` is not of the form KEY=VALUE"));
        };
        if key.trim().is_empty() {
            return usage_error(&format!("`--context {pair}` names no key"));
        }
        context.add(key.trim(), value);
    }
    let mut resolver = match args.config.resolver() {
        Ok(resolver) => resolver,
        Err(message) => return usage_error(&message),
    };
    let found = match documents(&args.paths, &mut resolver) {
        Ok(Ok(found)) => found,
        Ok(Err(unreadable)) => return usage_error(&unreadable.to_string()),
        Err(error) => return usage_error(&error.to_string()),
    };
    if found.is_empty() {
        return usage_error("no policy found in the paths given");
    }
    let request = Request {
        action: args.action.clone(),
        resource: args.resource.clone(),
        context,
        principal: args.principal.clone(),
    };
    let policies: Vec<_> = found.iter().map(|d| &d.policy).collect();
    let verdict = evaluate(&policies, &request);
    print(&match args.output_format {
        CanFormat::Text => output::can_text(&verdict, &found, &request),
        CanFormat::Json => output::can_json(&verdict, &found),
    });
    if verdict.decision == Decision::Allow {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// Two versions of one file: its documents then and now.
struct Pair {
    old: Vec<Document>,
    new: Vec<Document>,
    /// The settings of the file's new (or else old) path.
    settings: Arc<Settings>,
}

/// `policylint diff OLD NEW` and `policylint diff --base REF PATH...`.
pub fn diff_command(args: &DiffArgs) -> ExitCode {
    let mut resolver = match args.config.resolver() {
        Ok(resolver) => resolver,
        Err(message) => return usage_error(&message),
    };
    let pairs = match &args.base {
        Some(base) => {
            let paths = if args.paths.is_empty() {
                vec![PathBuf::from(".")]
            } else {
                args.paths.clone()
            };
            pairs_since(base, &paths, &mut resolver, None)
        }
        None => match args.paths.as_slice() {
            [old, new] => pairs_between(old, new, &mut resolver),
            _ => Err(
                "`diff` takes OLD and NEW (files or folders), or `--base GIT_REF` and paths".into(),
            ),
        },
    };
    let pairs = match pairs {
        Ok(pairs) => pairs,
        Err(message) => return usage_error(&message),
    };
    let mut total = AccessDiff::default();
    let mut new_documents = Vec::new();
    for pair in &pairs {
        match diff_pair(pair) {
            Ok(found) => {
                total.added.extend(found.added);
                total.removed.extend(found.removed);
            }
            Err(message) => return usage_error(&message),
        }
        new_documents.extend(pair.new.iter().cloned());
    }
    let since = args
        .base
        .as_deref()
        .map_or("OLD".to_string(), |b| format!("`{b}`"));
    let rules = RuleSet::builtin().expect("built-in rules load");
    let rule = rules
        .find("new-access")
        .expect("new-access is a built-in rule");
    let text = match args.output_format {
        DiffFormat::Text => output::diff_text(&total),
        DiffFormat::Json => output::diff_json(&total),
        DiffFormat::Sarif => crate::report::sarif::render(
            &output::new_access_reports(
                &total,
                &new_documents,
                rule,
                &since,
                args.fail_on_new_access,
            ),
            &[rule],
        ),
        DiffFormat::Github => crate::report::github::render(&output::new_access_reports(
            &total,
            &new_documents,
            rule,
            &since,
            args.fail_on_new_access,
        )),
    };
    print(&text);
    let fails = total
        .added
        .iter()
        .any(|grant| args.fail_on_new_access || grant.fails);
    if fails {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// The access diff of two versions of a file, document by document: each policy document
/// of a template is compared with the one at the same place in the other version (a
/// policy file holds one).
fn diff_pair(pair: &Pair) -> Result<AccessDiff, String> {
    let patterns = &pair.settings.rules.access.fail_on_new_access;
    let mut found = AccessDiff::default();
    for number in 0..pair.old.len().max(pair.new.len()) {
        let old = pair.old.get(number..=number).unwrap_or_default();
        let new = pair.new.get(number..=number).unwrap_or_default();
        let part = diff(old, new, patterns).map_err(|error| {
            let path = new.first().or(old.first()).map_or("", |d| d.path.as_str());
            format!("{path}: {error}")
        })?;
        found.added.extend(part.added);
        found.removed.extend(part.removed);
    }
    Ok(found)
}

/// The documents of one file, or the reason it has none it should have.
fn file_documents(
    display: &str,
    path: &Path,
    settings: &Settings,
    explicit: bool,
) -> Result<Vec<Document>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{display}: cannot read: {e}"))?;
    documents_in_text(
        display,
        &text,
        settings.rules.dialect,
        &settings.hosts,
        explicit,
    )
    .map_err(|e| e.to_string())
}

/// Files under `root`, by their path relative to it, with what the walk found.
fn files_under(
    root: &Path,
    resolver: &mut Resolver,
) -> Result<Vec<(PathBuf, Candidate, Arc<Settings>)>, String> {
    let mut files = Vec::new();
    for found in discover(std::slice::from_ref(&root.to_path_buf())) {
        let candidate = match found {
            Found::File(candidate) => candidate,
            Found::Unwalkable(error) => {
                return Err(format!("{}: {}", error.display, error.message));
            }
        };
        let settings = resolver
            .for_absolute(&candidate.absolute)
            .map_err(|e| e.to_string())?;
        if !(candidate.explicit || settings.takes_in_walk(&candidate.absolute)) {
            continue;
        }
        let relative = candidate
            .path
            .strip_prefix(root)
            .map(Path::to_path_buf)
            .unwrap_or_else(|_| PathBuf::from(candidate.path.file_name().unwrap_or_default()));
        files.push((relative, candidate, settings));
    }
    Ok(files)
}

/// `diff OLD NEW`: two files, or two folders paired file by file.
fn pairs_between(old: &Path, new: &Path, resolver: &mut Resolver) -> Result<Vec<Pair>, String> {
    if old.is_file() && new.is_file() {
        let settings = resolver.for_path(new).map_err(|e| e.to_string())?;
        let old_settings = resolver.for_path(old).map_err(|e| e.to_string())?;
        return Ok(vec![Pair {
            old: file_documents(&super::git::display(old), old, &old_settings, true)?,
            new: file_documents(&super::git::display(new), new, &settings, true)?,
            settings,
        }]);
    }
    if !(old.is_dir() && new.is_dir()) {
        return Err(format!(
            "`{}` and `{}` must both be files or both be folders",
            old.display(),
            new.display()
        ));
    }
    let mut by_path: HashMap<PathBuf, Pair> = HashMap::new();
    for (is_new, root) in [(false, old), (true, new)] {
        for (relative, candidate, settings) in files_under(root, resolver)? {
            let found = file_documents(&candidate.display, &candidate.path, &settings, false)?;
            let pair = by_path.entry(relative).or_insert_with(|| Pair {
                old: Vec::new(),
                new: Vec::new(),
                settings: settings.clone(),
            });
            if is_new {
                pair.new = found;
                pair.settings = settings;
            } else {
                pair.old = found;
            }
        }
    }
    let mut pairs: Vec<(PathBuf, Pair)> = by_path.into_iter().collect();
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(pairs.into_iter().map(|(_, pair)| pair).collect())
}

/// The files under `paths` that changed since `base`, each with its documents then and
/// now. `linted` (absolute path → (display, text, settings)) gives what a lint run read,
/// so files are not read twice; other working-tree files are read here.
fn pairs_since(
    base: &str,
    paths: &[PathBuf],
    resolver: &mut Resolver,
    linted: Option<&HashMap<PathBuf, (String, Arc<Settings>)>>,
) -> Result<Vec<Pair>, String> {
    let repository = Repository::here()?;
    repository.verify(base)?;
    let changes = repository.changes(base, paths)?;
    let kept = changes_to_compare(&repository, changes, paths, resolver, linted)?;
    let old_paths: Vec<&str> = kept
        .iter()
        .filter_map(|(change, _, _)| change.old.as_deref())
        .collect();
    let mut old_texts = repository.read_at(base, &old_paths)?.into_iter();
    let mut pairs = Vec::new();
    for (change, settings, display) in &kept {
        let old = match &change.old {
            Some(path) => {
                let shown = format!("{base}:{path}");
                match old_texts.next().flatten() {
                    // An earlier version that was broken granted nothing.
                    Some(text) => documents_in_text(
                        &shown,
                        &text,
                        settings.rules.dialect,
                        &settings.hosts,
                        false,
                    )
                    .unwrap_or_default(),
                    None => Vec::new(),
                }
            }
            None => Vec::new(),
        };
        let new = match &change.new {
            Some(path) => {
                let absolute = repository.absolute(path);
                let shown = display
                    .clone()
                    .unwrap_or_else(|| super::git::display(&absolute));
                file_documents(&shown, &absolute, settings, false)?
            }
            None => Vec::new(),
        };
        pairs.push(Pair {
            old,
            new,
            settings: settings.clone(),
        });
    }
    pairs.sort_by(|a, b| {
        let path = |p: &Pair| {
            p.new
                .first()
                .or(p.old.first())
                .map_or(String::new(), |d| d.path.clone())
        };
        path_order(&path(a), &path(b))
    });
    Ok(pairs)
}

/// A change, the settings its file is linted with, and the name the lint run showed it by.
type ChangeToCompare = (Change, Arc<Settings>, Option<String>);

/// The changes to compare, each with the settings its file is linted with and, when the
/// lint run read it, the name it showed: a file the run skipped is left out, as is a
/// deleted one that neither a path given names nor a walk would take.
fn changes_to_compare(
    repository: &Repository,
    changes: Vec<Change>,
    paths: &[PathBuf],
    resolver: &mut Resolver,
    linted: Option<&HashMap<PathBuf, (String, Arc<Settings>)>>,
) -> Result<Vec<ChangeToCompare>, String> {
    let mut kept = Vec::new();
    for change in changes {
        let path = change
            .new
            .as_ref()
            .or(change.old.as_ref())
            .expect("a change names a file");
        let absolute = repository.absolute(path);
        let (display, settings) = match linted.map(|linted| linted.get(&absolute)) {
            Some(Some((display, settings))) => (Some(display.clone()), settings.clone()),
            Some(None) if change.new.is_some() => continue,
            _ => (
                None,
                resolver
                    .for_absolute(&absolute)
                    .map_err(|e| e.to_string())?,
            ),
        };
        let named = paths
            .iter()
            .any(|p| std::path::absolute(p).is_ok_and(|p| p == absolute) && !p.is_dir());
        if display.is_none() && !(named || settings.takes_in_walk(&absolute)) {
            continue;
        }
        kept.push((change, settings, display));
    }
    Ok(kept)
}

/// `check --base REF`: adds a `new-access` diagnostic to the linted reports for each grant
/// the change since `base` adds, and returns the grants it removes (for the summary).
pub fn add_new_access(
    reports: &mut [FileReport],
    linted: &[(Candidate, Arc<Settings>)],
    paths: &[PathBuf],
    base: &str,
    fail_any: bool,
    resolver: &mut Resolver,
) -> Result<Vec<Grant>, String> {
    let by_absolute: HashMap<PathBuf, (String, Arc<Settings>)> = linted
        .iter()
        .map(|(candidate, settings)| {
            (
                candidate.absolute.clone(),
                (candidate.display.clone(), settings.clone()),
            )
        })
        .collect();
    let pairs = pairs_since(base, paths, resolver, Some(&by_absolute))?;
    let since = format!("`{base}`");
    let mut removed = Vec::new();
    for pair in pairs {
        let found = diff_pair(&pair)?;
        removed.extend(found.removed);
        let Some(rule) = pair.settings.rules.find("new-access") else {
            continue;
        };
        for grant in &found.added {
            let Some(report) = reports.iter_mut().find(|r| r.path == grant.path) else {
                continue;
            };
            if report.text.is_none() {
                report.text = pair
                    .new
                    .iter()
                    .find(|d| d.path == grant.path)
                    .map(|d| d.text.clone());
            }
            let diagnostic =
                output::new_access_diagnostic(rule, grant, &since, fail_any || grant.fails);
            report.diagnostics.push(diagnostic);
        }
    }
    for report in reports.iter_mut() {
        crate::engine::sort_diagnostics(&mut report.diagnostics);
    }
    Ok(removed)
}

/// What `check --base` prints after the lint output in the human formats.
pub fn removed_summary(removed: &[Grant], base: &str) -> String {
    if removed.is_empty() {
        return String::new();
    }
    let diff = AccessDiff {
        added: Vec::new(),
        removed: removed.to_vec(),
    };
    format!("Since `{base}`:\n{}", output::diff_text(&diff))
}
