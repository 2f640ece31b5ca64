//! A function of a declarative rule compiled from its name and its TOML options, each
//! option checked: an unknown function or option, a bad regular expression or a
//! `not-match` that matches the empty string stops the rule file from loading.

use super::{FUNCTIONS, Function, RememberedRegex, TYPES};
use regex::Regex;

impl Function {
    pub fn compile(name: &str, options: &toml::Table) -> Result<Self, String> {
        check_options(name, options)?;
        Ok(match name {
            "defined" => Function::Defined,
            "undefined" => Function::Undefined,
            "unique" => Function::Unique,
            "pattern" => pattern(options)?,
            "enumeration" => Function::Enumeration {
                values: string_list(options, name, "values")?,
                case_fix: options
                    .get("case-fix")
                    .and_then(toml::Value::as_bool)
                    .unwrap_or(false),
            },
            "type" => {
                let types = string_list(options, name, "types")?;
                if let Some(bad) = types.iter().find(|t| !TYPES.contains(&t.as_str())) {
                    return Err(format!("unknown type `{bad}`; known: {}", TYPES.join(", ")));
                }
                Function::Type { types }
            }
            _ => unreachable!("checked above"),
        })
    }

    /// Whether the function needs `field` to mean anything.
    pub fn needs_field(&self) -> bool {
        matches!(self, Function::Defined)
    }
}

/// Checks that `name` is a known function and that `options` holds only keys it takes.
fn check_options(name: &str, options: &toml::Table) -> Result<(), String> {
    let allowed_options: &[&str] = match name {
        "defined" | "undefined" | "unique" => &[],
        "pattern" => &["match", "not-match", "allow", "fix"],
        "enumeration" => &["values", "case-fix"],
        "type" => &["types"],
        _ => {
            return Err(format!(
                "unknown function `{name}`; known: {}",
                FUNCTIONS.join(", ")
            ));
        }
    };
    if let Some(unknown) = options
        .keys()
        .find(|k| !allowed_options.contains(&k.as_str()))
    {
        return Err(format!(
            "function `{name}` has no option `{unknown}`{}",
            if allowed_options.is_empty() {
                String::new()
            } else {
                format!("; it takes {}", allowed_options.join(", "))
            }
        ));
    }
    Ok(())
}

/// The regular expression of option `key`, if given.
fn regex_option(options: &toml::Table, key: &str) -> Result<Option<Regex>, String> {
    match options.get(key) {
        None => Ok(None),
        Some(toml::Value::String(s)) => Regex::new(s)
            .map(Some)
            .map_err(|e| format!("option `{key}` is not a valid regular expression: {e}")),
        Some(_) => Err(format!("option `{key}` must be a string")),
    }
}

/// Option `key` of function `name`: a non-empty list of strings.
fn string_list(options: &toml::Table, name: &str, key: &str) -> Result<Vec<String>, String> {
    match options.get(key) {
        Some(toml::Value::Array(items)) if !items.is_empty() => items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or(format!("option `{key}` must hold strings"))
            })
            .collect(),
        _ => Err(format!(
            "function `{name}` needs option `{key}`, a non-empty list of strings"
        )),
    }
}

/// The `pattern` function: `match` and/or `not-match`, what to `allow`, and whether the
/// fix trims.
fn pattern(options: &toml::Table) -> Result<Function, String> {
    let must_match = regex_option(options, "match")?.map(RememberedRegex::new);
    let must_not_match = regex_option(options, "not-match")?;
    if must_match.is_none() && must_not_match.is_none() {
        return Err("function `pattern` needs option `match` or `not-match`".into());
    }
    if let Some(forbidden) = &must_not_match
        && matches_empty_text(forbidden)
    {
        return Err(format!(
            "option `not-match` (`{}`) matches the empty string, so it would report every position of every string; make it match at least one character",
            forbidden.as_str()
        ));
    }
    let trim_fix = match options.get("fix") {
        None => false,
        Some(toml::Value::String(s)) if s == "trim" => true,
        Some(_) => return Err("option `fix` of `pattern` can only be \"trim\"".into()),
    };
    let scan_whole_text = must_not_match.as_ref().is_some_and(|re| {
        regex_syntax::parse(re.as_str())
            .is_ok_and(|hir| !hir.properties().look_set().contains_anchor())
    });
    Ok(Function::Pattern {
        must_match,
        must_not_match,
        allow: regex_option(options, "allow")?,
        trim_fix,
        scan_whole_text,
    })
}

/// Whether `regex` can match without consuming a character (`""`, `x*`, `^`, `\b`).
fn matches_empty_text(regex: &Regex) -> bool {
    regex_syntax::parse(regex.as_str()).is_ok_and(|hir| hir.properties().minimum_len() == Some(0))
}
