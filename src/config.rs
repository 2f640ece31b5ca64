//! Configuration: `policylint.toml` (or `.policylint.toml`), the nearest one upward from
//! each linted file, or one file for everything with `--config`. A config picks rules,
//! overrides severities, adds the team's rule folders and known actions, sets which files
//! a folder walk takes, and ignores rules for some paths (with a reason). Anything it does
//! not understand stops the run with the config file's line: a typo in a config must never
//! silently turn a check off.

mod compile;
mod ignore;
mod ignore_entry;

pub use ignore::IgnoreEntries;
pub use ignore_entry::{ADDED_REASON, exact_glob, ignore_entry_for};

use crate::diagnostic::{Diagnostic, Severity};
use crate::hosts::{HostKind, HostSwitches};
use crate::rules::RuleSet;
use crate::source::LineIndex;
use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use toml::Spanned;

/// File names looked for in each folder, in order of preference.
pub const CONFIG_NAMES: [&str; 2] = ["policylint.toml", ".policylint.toml"];

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ConfigFile {
    select: Option<Vec<Spanned<String>>>,
    /// Rules turned off (strings) and `[[ignore]]` entries (tables): see `ignore`.
    ignore: Option<Vec<Spanned<ignore::IgnoreItem>>>,
    fail_on: Option<Severity>,
    dialect: Option<DialectChoice>,
    include: Option<Vec<Spanned<String>>>,
    exclude: Option<Vec<Spanned<String>>>,
    rules_dirs: Option<Vec<Spanned<String>>>,
    severity: Option<BTreeMap<Spanned<String>, Severity>>,
    per_file_ignores: Option<Vec<Spanned<PerFileIgnore>>>,
    extra_actions: Option<Vec<Spanned<String>>>,
    // The access engine's keys (see `access::guardrails`).
    forbid: Option<Vec<crate::access::guardrails::ForbidEntry>>,
    require: Option<Vec<crate::access::guardrails::RequireEntry>>,
    fail_on_new_access: Option<Vec<Spanned<String>>>,
    hosts: Option<HostSwitches>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
enum DialectChoice {
    Auto,
    Ram,
    Aws,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PerFileIgnore {
    paths: Vec<Spanned<String>>,
    rules: Vec<Spanned<String>>,
    /// Required: an ignore without a reason is a finding nobody can review.
    reason: Spanned<String>,
}

/// A config problem, at a place in the config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub file: String,
    /// 1-based; 0 when the problem is not at a place in the file.
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(
                f,
                "{}:{}:{}: {}",
                self.file, self.line, self.column, self.message
            )
        }
    }
}

impl std::error::Error for ConfigError {}

impl ConfigError {
    /// An error about the config `file` as a whole, at no place in it.
    fn of_file(file: &str, message: String) -> Self {
        ConfigError {
            file: file.to_string(),
            line: 0,
            column: 0,
            message,
        }
    }
}

/// What the command line says, which beats any config.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    pub fail_on: Option<Severity>,
    pub rules_dirs: Vec<PathBuf>,
}

/// Everything that decides how one file is linted.
pub struct Settings {
    /// The config file these come from, if any.
    pub source: Option<PathBuf>,
    /// The folder relative paths and globs of the config are relative to (absolute).
    pub root: PathBuf,
    pub rules: RuleSet,
    pub fail_on: Severity,
    /// Which hosts read files (`[hosts]`): also which files a folder walk takes.
    pub hosts: HostSwitches,
    include: Option<GlobSet>,
    exclude: GlobSet,
    per_file_ignores: Vec<(GlobSet, Vec<String>)>,
    /// The config's `[[ignore]]` entries.
    pub ignores: IgnoreEntries,
    /// The config file's text, for reporting its unused `[[ignore]]` entries.
    pub source_text: Option<String>,
}

impl Settings {
    /// Built-in rules, the command line's choices, no config.
    pub fn defaults(overrides: &Overrides) -> Result<Self, ConfigError> {
        let cwd = std::env::current_dir().unwrap_or_default();
        compile::compile(None, &cwd, None, overrides)
    }

    /// Whether a folder walk takes this file: by `include` (default: the file names the
    /// hosts read, `hosts::WALKED`) and `exclude`.
    pub fn takes_in_walk(&self, absolute: &Path) -> bool {
        // Most configs set neither: the path is made relative (component by component)
        // and matched only when a pattern needs it.
        let included = match &self.include {
            Some(include) => include.is_match(self.relative(absolute)),
            None => absolute
                .file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| self.hosts.walks(name)),
        };
        included && (self.exclude.is_empty() || !self.exclude.is_match(self.relative(absolute)))
    }

    /// Drops the diagnostics that a `[[per-file-ignores]]` entry covers for this file.
    pub fn apply_per_file_ignores(&self, absolute: &Path, diagnostics: &mut Vec<Diagnostic>) {
        if !self.per_file_ignores.is_empty() {
            diagnostics.retain(|d| self.keeps(absolute, d));
        }
    }

    /// Whether a diagnostic survives this file's per-file ignores.
    pub fn keeps(&self, absolute: &Path, diagnostic: &Diagnostic) -> bool {
        let relative = self.relative(absolute);
        !self.per_file_ignores.iter().any(|(paths, rules)| {
            paths.is_match(relative)
                && rules
                    .iter()
                    .any(|r| RuleSet::selector_picks(r, &diagnostic.rule))
        })
    }

    fn relative<'p>(&self, absolute: &'p Path) -> &'p Path {
        absolute.strip_prefix(&self.root).unwrap_or(absolute)
    }
}

fn error_at(file: &str, text: &str, offset: usize, message: impl Into<String>) -> ConfigError {
    let position = LineIndex::new(text).position(text, offset.min(text.len()));
    ConfigError {
        file: file.to_string(),
        line: position.line,
        column: position.column,
        message: message.into(),
    }
}

fn glob_set(file: &str, text: &str, patterns: &[Spanned<String>]) -> Result<GlobSet, ConfigError> {
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        builder.add(glob(pattern.get_ref()).map_err(|e| {
            error_at(
                file,
                text,
                pattern.span().start,
                format!("`{}` is not a valid glob: {e}", pattern.get_ref()),
            )
        })?);
    }
    builder
        .build()
        .map_err(|e| error_at(file, text, 0, format!("globs do not compile: {e}")))
}

/// gitignore-like: `*` stays within a folder, `**` crosses folders.
fn glob(pattern: &str) -> Result<Glob, globset::Error> {
    GlobBuilder::new(pattern).literal_separator(true).build()
}

/// Loads and compiles one config file.
pub fn load(path: &Path, overrides: &Overrides) -> Result<Settings, ConfigError> {
    let file = path.display().to_string();
    let text = crate::rules::read_small_file(path).map_err(|message| {
        ConfigError::of_file(&file, format!("cannot read the config: {message}"))
    })?;
    load_text(path, &text, overrides)
}

/// Compiles `text` as the config file at `path` (which need not exist yet).
pub fn load_text(path: &Path, text: &str, overrides: &Overrides) -> Result<Settings, ConfigError> {
    let file = path.display().to_string();
    let config: ConfigFile = toml::from_str(text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        let message = ignore::explain_toml_error(text, offset, e.message().trim_end());
        error_at(&file, text, offset, message)
    })?;
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let root = absolute.parent().map(Path::to_path_buf).unwrap_or_default();
    compile::compile(Some((&file, text)), &root, Some(config), overrides).map(|mut settings| {
        settings.source = Some(path.to_path_buf());
        settings
    })
}

/// How configs are found.
pub enum ConfigMode {
    /// The nearest config upward from each file.
    Discover,
    /// `--config FILE` for every file.
    Fixed(PathBuf),
    /// `--no-config`.
    Ignore,
}

/// Finds (and caches, per folder) the settings of each file.
pub struct Resolver {
    overrides: Overrides,
    fixed: Option<Arc<Settings>>,
    by_folder: HashMap<PathBuf, Arc<Settings>>,
    by_config: HashMap<PathBuf, Arc<Settings>>,
    defaults: Option<Arc<Settings>>,
    /// The folder asked about last: a walk asks about each file of a folder in a row.
    last: Option<(PathBuf, Arc<Settings>)>,
}

impl Resolver {
    pub fn new(mode: ConfigMode, overrides: Overrides) -> Result<Self, ConfigError> {
        let fixed = match mode {
            ConfigMode::Fixed(path) => Some(Arc::new(load(&path, &overrides)?)),
            ConfigMode::Ignore => Some(Arc::new(Settings::defaults(&overrides)?)),
            ConfigMode::Discover => None,
        };
        Ok(Resolver {
            overrides,
            fixed,
            by_folder: HashMap::new(),
            by_config: HashMap::new(),
            defaults: None,
            last: None,
        })
    }

    /// The settings for a file (or, for standard input, a would-be file) at `path`.
    pub fn for_path(&mut self, path: &Path) -> Result<Arc<Settings>, ConfigError> {
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        self.for_absolute(&absolute)
    }

    /// [`Resolver::for_path`] for a path already made absolute by `std::path::absolute`,
    /// as discovery does once per file.
    pub fn for_absolute(&mut self, absolute: &Path) -> Result<Arc<Settings>, ConfigError> {
        if let Some(fixed) = &self.fixed {
            return Ok(fixed.clone());
        }
        let folder = absolute.parent().unwrap_or(Path::new(""));
        if let Some((last, settings)) = &self.last
            && last == folder
        {
            return Ok(settings.clone());
        }
        let settings = self.for_folder(folder)?;
        self.last = Some((folder.to_path_buf(), settings.clone()));
        Ok(settings)
    }

    fn for_folder(&mut self, folder: &Path) -> Result<Arc<Settings>, ConfigError> {
        if let Some(settings) = self.by_folder.get(folder) {
            return Ok(settings.clone());
        }
        // Anything by a config's name but a folder is loaded, so that a FIFO or a link to a
        // device is refused with an error rather than passed over.
        let here = CONFIG_NAMES
            .iter()
            .map(|name| folder.join(name))
            .find(|p| p.symlink_metadata().is_ok() && !p.is_dir());
        let settings = match (here, folder.parent()) {
            (Some(config), _) => match self.by_config.get(&config) {
                Some(settings) => settings.clone(),
                None => {
                    let settings = Arc::new(load(&config, &self.overrides)?);
                    self.by_config.insert(config, settings.clone());
                    settings
                }
            },
            (None, Some(parent)) if parent != folder => self.for_folder(parent)?,
            (None, _) => match &self.defaults {
                Some(defaults) => defaults.clone(),
                None => {
                    let defaults = Arc::new(Settings::defaults(&self.overrides)?);
                    self.defaults = Some(defaults.clone());
                    defaults
                }
            },
        };
        self.by_folder
            .insert(folder.to_path_buf(), settings.clone());
        Ok(settings)
    }
}

/// The config that applies to files in `folder` (absolute) as [`Resolver`] finds it: the
/// first of [`CONFIG_NAMES`] in the folder or the nearest one above it.
pub fn nearest_config(folder: &Path) -> Option<PathBuf> {
    folder.ancestors().find_map(|dir| {
        CONFIG_NAMES
            .iter()
            .map(|name| dir.join(name))
            .find(|path| path.is_file())
    })
}

/// `[[ignore]]` entries: applied with the file's text, since `sid` and `pointer` place a
/// finding in the policy.
impl Settings {
    /// Drops the diagnostics that a `[[per-file-ignores]]` or `[[ignore]]` entry covers
    /// for this file (`text`: the text the spans refer to). With `record`, the entries
    /// remember what they silenced, for the unused-ignore report: once per file and run,
    /// not in the fix engine's re-lints.
    pub fn apply_ignores(
        &self,
        absolute: &Path,
        text: Option<&str>,
        diagnostics: &mut Vec<Diagnostic>,
        record: bool,
    ) {
        self.apply_per_file_ignores(absolute, diagnostics);
        if !self.ignores.is_empty() {
            let file = text.and_then(|text| Some((self.host_of(absolute, text)?, text)));
            self.ignores
                .apply(self.relative(absolute), file, diagnostics, record);
        }
    }

    /// The host that reads the file at `path` whose text is `text`, under `[hosts]`.
    pub fn host_of(&self, path: &Path, text: &str) -> Option<HostKind> {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        self.hosts.host_for(name, text)
    }

    /// A file's path relative to the config's folder (`absolute` itself when outside it).
    pub fn relative_path<'p>(&self, absolute: &'p Path) -> &'p Path {
        self.relative(absolute)
    }
}

/// Every config the resolver loaded (each once), in the order they were first met.
impl Resolver {
    pub fn loaded_configs(&self) -> Vec<Arc<Settings>> {
        let mut configs: Vec<Arc<Settings>> = self.fixed.iter().cloned().collect();
        configs.extend(self.by_config.values().cloned());
        configs.retain(|s| s.source.is_some());
        configs.sort_by(|a, b| a.source.cmp(&b.source));
        configs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }

    fn error(text: &str) -> ConfigError {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "policylint.toml", text);
        load(&path, &Overrides::default())
            .err()
            .expect("config should be refused")
    }

    #[test]
    fn every_config_error_names_the_line() {
        let cases = [
            (
                "select = [\"PL\"]\nfail-on = \"warning\"\nselct = [\"PL2\"]\n",
                3,
                "unknown field `selct`",
            ),
            (
                "ignore = [\n  \"missing-list-bucket\",\n]\n",
                2,
                "`missing-list-bucket` matches no rule",
            ),
            ("exclude = [\"vendor/[\"]\n", 1, "not a valid glob"),
            (
                "[severity]\nwildcard-resorce = \"error\"\n",
                2,
                "not a rule name or code",
            ),
            (
                "[severity]\nwildcard-resource = \"fatal\"\n",
                2,
                "unknown variant `fatal`",
            ),
            (
                "\n[[per-file-ignores]]\npaths = [\"legacy/**\"]\nrules = [\"PL302\"]\n",
                2,
                "missing field `reason`",
            ),
            (
                "[[per-file-ignores]]\npaths = [\"legacy/**\"]\nrules = [\"PL999\"]\nreason = \"x\"\n",
                3,
                "`PL999` matches no rule",
            ),
            ("dialect = \"gcp\"\n", 1, "unknown variant `gcp`"),
            ("extra-actions = [\"oss GetThing\"]\n", 1, "not of the form"),
            (
                "rules-dirs = [\"no-such-folder\"]\n",
                1,
                "cannot read the rules folder",
            ),
        ];
        for (text, line, message) in cases {
            let e = error(text);
            assert_eq!(e.line, line, "{text:?}: {e}");
            assert!(e.message.contains(message), "{text:?}: {e}");
            assert!(e.to_string().contains("policylint.toml:"), "{e}");
        }
    }

    #[test]
    fn the_nearest_config_wins_and_is_cached() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "policylint.toml", "ignore = [\"PL401\"]\n");
        write(dir.path(), "team/.policylint.toml", "select = [\"PL2\"]\n");
        let mut resolver = Resolver::new(ConfigMode::Discover, Overrides::default()).unwrap();
        let outer = resolver.for_path(&dir.path().join("a.json")).unwrap();
        let inner = resolver
            .for_path(&dir.path().join("team/deep/b.json"))
            .unwrap();
        assert!(outer.rules.find("PL401").is_none() && outer.rules.find("PL201").is_some());
        assert!(
            inner
                .rules
                .rules
                .iter()
                .all(|r| r.id.code.starts_with("PL2"))
        );
        let again = resolver.for_path(&dir.path().join("team/c.json")).unwrap();
        assert!(Arc::ptr_eq(&inner, &again));
    }

    #[test]
    fn command_line_beats_config() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "policylint.toml",
            "select = [\"PL2\"]\nfail-on = \"error\"\n",
        );
        let overrides = Overrides {
            select: vec!["PL401".into()],
            fail_on: Some(Severity::Info),
            ..Overrides::default()
        };
        let settings = load(&path, &overrides).unwrap();
        assert_eq!(settings.rules.rules.len(), 1);
        assert_eq!(settings.fail_on, Severity::Info);
    }
}
