//! A config compiled into the settings files are linted with: the rule set (built-in
//! rules, the config's rule folders confined to its own tree, `--rules`), the rules chosen
//! and their severities, known extra actions, guardrails, and the globs of what to walk,
//! skip and ignore; every mistake reported at its place in the config.

use super::{
    ConfigError, ConfigFile, DialectChoice, Overrides, PerFileIgnore, Settings, error_at, glob_set,
    ignore,
};
use crate::diagnostic::Severity;
use crate::model::Dialect;
use crate::rules::RuleSet;
use globset::GlobSet;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use toml::Spanned;

pub(super) fn compile(
    source: Option<(&str, &str)>,
    root: &Path,
    config: Option<ConfigFile>,
    overrides: &Overrides,
) -> Result<Settings, ConfigError> {
    let (file, text) = source.unwrap_or(("command line", ""));
    let config = config.unwrap_or_default();
    let mut rules = rule_set((file, text), root, config.rules_dirs.as_deref(), overrides)?;
    let (ignore, ignore_entries) = ignore::split_items(config.ignore.unwrap_or_default());
    let ignores = ignore::compile_entries(file, text, root, ignore_entries, &rules)?;
    let per_file_ignores = config.per_file_ignores.unwrap_or_default();
    let chosen = Chosen {
        select: config.select.unwrap_or_default(),
        ignore,
        per_file_ignores: &per_file_ignores,
        severity: config.severity.unwrap_or_default(),
    };
    choose_rules(&mut rules, (file, text), chosen, overrides)?;
    rules.dialect = match config.dialect {
        Some(DialectChoice::Ram) => Some(Dialect::Ram),
        Some(DialectChoice::Aws) => Some(Dialect::Aws),
        Some(DialectChoice::Auto) | None => None,
    };
    add_extra_actions(
        &mut rules,
        (file, text),
        config.extra_actions.iter().flatten(),
    )?;
    let access = crate::access::guardrails::compile(
        config.forbid.unwrap_or_default(),
        config.require.unwrap_or_default(),
        config.fail_on_new_access.unwrap_or_default(),
    )
    .map_err(|(offset, message)| error_at(file, text, offset, message))?;
    rules.access = Arc::new(access);
    let include = match &config.include {
        Some(patterns) => Some(glob_set(file, text, patterns)?),
        None => None,
    };
    let exclude = glob_set(file, text, config.exclude.as_deref().unwrap_or_default())?;
    let per_file_ignores = compile_per_file_ignores((file, text), per_file_ignores)?;
    Ok(Settings {
        source: None,
        root: root.to_path_buf(),
        rules,
        fail_on: overrides
            .fail_on
            .or(config.fail_on)
            .unwrap_or(Severity::Warning),
        hosts: config.hosts.unwrap_or_default(),
        include,
        exclude,
        per_file_ignores,
        ignores,
        source_text: source.map(|(_, text)| text.to_string()),
    })
}

/// What a config says about which rules run and how: the rules it selects and ignores,
/// its per-file ignores, its severity overrides.
struct Chosen<'a> {
    select: Vec<Spanned<String>>,
    ignore: Vec<Spanned<String>>,
    per_file_ignores: &'a [Spanned<PerFileIgnore>],
    severity: BTreeMap<Spanned<String>, Severity>,
}

/// Checks that every rule name the config gives names something (a typo must not pass
/// silently) and that each per-file ignore has a reason, applies its severities, then
/// keeps the rules selected: by the command line's `--select`/`--ignore` when given
/// (they replace the config's choice rather than add to it), else by the config's.
fn choose_rules(
    rules: &mut RuleSet,
    (file, text): (&str, &str),
    chosen: Chosen,
    overrides: &Overrides,
) -> Result<(), ConfigError> {
    let check_selectors = |selectors: &[Spanned<String>], rules: &RuleSet| {
        for selector in selectors {
            if !rules.selects_any(selector.get_ref()) {
                return Err(error_at(
                    file,
                    text,
                    selector.span().start,
                    rules.not_a_selector(selector.get_ref()),
                ));
            }
        }
        Ok(())
    };
    check_selectors(&chosen.select, rules)?;
    check_selectors(&chosen.ignore, rules)?;
    for entry in chosen.per_file_ignores {
        check_selectors(&entry.get_ref().rules, rules)?;
        if entry.get_ref().reason.get_ref().trim().is_empty() {
            return Err(error_at(
                file,
                text,
                entry.get_ref().reason.span().start,
                "a per-file ignore needs a non-empty `reason`",
            ));
        }
    }
    for (name, severity) in &chosen.severity {
        rules
            .override_severity(name.get_ref(), *severity)
            .map_err(|message| error_at(file, text, name.span().start, message))?;
    }
    let either = |from_config: Vec<Spanned<String>>, from_command_line: &Vec<String>| {
        if from_command_line.is_empty() {
            from_config.into_iter().map(Spanned::into_inner).collect()
        } else {
            from_command_line.clone()
        }
    };
    let select: Vec<String> = either(chosen.select, &overrides.select);
    let ignore: Vec<String> = either(chosen.ignore, &overrides.ignore);
    rules
        .retain_selected(&select, &ignore)
        .map_err(|message| ConfigError::of_file(file, format!("--select/--ignore: {message}")))
}

/// Each per-file ignore's paths as a glob set, with the rules it turns off there.
fn compile_per_file_ignores(
    (file, text): (&str, &str),
    per_file_ignores: Vec<Spanned<PerFileIgnore>>,
) -> Result<Vec<(GlobSet, Vec<String>)>, ConfigError> {
    per_file_ignores
        .into_iter()
        .map(|entry| {
            let entry = entry.into_inner();
            let paths = glob_set(file, text, &entry.paths)?;
            Ok((
                paths,
                entry.rules.into_iter().map(Spanned::into_inner).collect(),
            ))
        })
        .collect()
}

/// The built-in rules with those of the config's `rules-dirs` (each confined to the
/// config's folder) and of the command line's `--rules`. `(file, text)` is the config.
fn rule_set(
    (file, text): (&str, &str),
    root: &Path,
    rules_dirs: Option<&[Spanned<String>]>,
    overrides: &Overrides,
) -> Result<RuleSet, ConfigError> {
    let mut rules = RuleSet::builtin()
        .map_err(|e| ConfigError::of_file(file, format!("built-in rule file is broken: {e}")))?;
    for dir in rules_dirs.unwrap_or_default() {
        let in_rules_dirs = |message: String| {
            error_at(
                file,
                text,
                dir.span().start,
                format!("in rules-dirs: {message}"),
            )
        };
        let path = root.join(dir.get_ref());
        let governed = confined_rules_dir(root, &path, dir.get_ref()).map_err(in_rules_dirs)?;
        rules
            .add_rules_dir(&path, Some(&governed))
            .map_err(|e| in_rules_dirs(e.to_string()))?;
    }
    for dir in &overrides.rules_dirs {
        rules.add_rules_dir(dir, None).map_err(|e| ConfigError {
            file: e.file,
            line: e.line.unwrap_or(0),
            column: usize::from(e.line.is_some()),
            message: e.message,
        })?;
    }
    Ok(rules)
}

/// Adds the config's `extra-actions` (each `service:Action` or `service:*`) to the names
/// the action checks take as known.
fn add_extra_actions<'a>(
    rules: &mut RuleSet,
    (file, text): (&str, &str),
    extra_actions: impl Iterator<Item = &'a Spanned<String>>,
) -> Result<(), ConfigError> {
    for action in extra_actions {
        let name = action.get_ref().trim();
        let well_formed = name.split_once(':').is_some_and(|(service, action)| {
            !service.is_empty() && !action.is_empty() && !name.contains(char::is_whitespace)
        });
        if !well_formed {
            return Err(error_at(
                file,
                text,
                action.span().start,
                format!(
                    "`{name}` in extra-actions is not of the form `service:Action` or `service:*`"
                ),
            ));
        }
        rules.extra_actions.insert(name.to_ascii_lowercase());
    }
    Ok(())
}

/// The folder tree a config governs (its own folder, symlinks resolved), after checking
/// that its rule folder `path` (written `written`) resolves inside it: a config, which a
/// pull request can change, must not load rules from `/etc` or `../..`. The command
/// line's `--rules` may name any folder.
fn confined_rules_dir(root: &Path, path: &Path, written: &str) -> Result<PathBuf, String> {
    let governed = root
        .canonicalize()
        .map_err(|e| format!("cannot resolve the config's folder {}: {e}", root.display()))?;
    let resolved = path
        .canonicalize()
        .map_err(|e| format!("cannot read the rules folder {}: {e}", path.display()))?;
    if resolved.starts_with(&governed) {
        Ok(governed)
    } else {
        Err(format!(
            "`{written}` resolves to {}, outside {}, the folder this config governs; a config's rule folders must be inside it (pass `--rules` on the command line for another)",
            resolved.display(),
            governed.display()
        ))
    }
}
