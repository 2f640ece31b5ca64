//! Rules: one TOML file per rule in `rules/` (embedded in the binary; users add their own
//! in the same format). A rule's checks are either declarative (a JSONPath `given`, an
//! optional `field` and a function from a small fixed set) or the name of a built-in Rust
//! check. Everything is compiled once per run; queries shared by several rules are
//! evaluated once per file.

pub mod declarative;
pub mod doc;
pub mod query;

use crate::checks::{self, BuiltinCheck};
use crate::diagnostic::{Applicability, Diagnostic, Finding, RuleId, Severity};
use crate::model::{Dialect, PolicyKind};
use declarative::{Declarative, Function};
use query::{Query, QueryBound};
use serde::Deserialize;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock};

include!(concat!(env!("OUT_DIR"), "/embedded_rules.rs"));

/// A rule file as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RuleFile {
    pub code: String,
    pub name: String,
    pub severity: Severity,
    pub category: String,
    /// One sentence: what the rule reports.
    pub summary: String,
    /// One paragraph: why it matters and what to do.
    pub explanation: String,
    pub bad: String,
    pub good: String,
    #[serde(default = "all_dialects")]
    pub dialects: Vec<Dialect>,
    #[serde(default = "all_kinds")]
    pub kinds: Vec<PolicyKind>,
    /// The kind of fix the rule offers, if any (documentation; each finding carries its own).
    pub fix: Option<Applicability>,
    #[serde(rename = "check")]
    pub checks: Vec<CheckSpec>,
}

fn all_dialects() -> Vec<Dialect> {
    vec![Dialect::Ram, Dialect::Aws]
}

fn all_kinds() -> Vec<PolicyKind> {
    vec![
        PolicyKind::Identity,
        PolicyKind::Trust,
        PolicyKind::Resource,
    ]
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct CheckSpec {
    pub builtin: Option<String>,
    pub given: Option<String>,
    pub field: Option<String>,
    pub function: Option<String>,
    #[serde(default)]
    pub options: toml::Table,
    pub message: Option<String>,
    pub help: Option<String>,
}

pub enum Check {
    Builtin {
        check: BuiltinCheck,
        options: toml::Table,
    },
    Declarative(Declarative),
}

pub struct Rule {
    pub id: Arc<RuleId>,
    /// Where the rule was read from: `rules/<code>-<name>.toml` for a built-in rule.
    pub file: String,
    /// Embedded in the binary: its file is `file` in policylint's repository.
    pub builtin: bool,
    pub doc: RuleFile,
    pub severity: Severity,
    /// Set by a `[severity]` override: every diagnostic of the rule takes it, even those
    /// whose check picks its own severity.
    pub forced_severity: Option<Severity>,
    pub checks: Vec<Check>,
}

impl Rule {
    pub fn applies_to(&self, dialect: Dialect, kind: PolicyKind) -> bool {
        self.doc.dialects.contains(&dialect) && self.doc.kinds.contains(&kind)
    }
}

/// Most bytes of a rule file or a config file: a thousand times what any needs.
pub const MAX_SMALL_FILE_BYTES: u64 = 1 << 20;

/// Reads a rule file or a config file, which a pull request can replace with anything: a
/// regular file of at most `MAX_SMALL_FILE_BYTES`, as UTF-8. The file is opened without
/// waiting (a FIFO would wait for a writer) and looked at once open, so a FIFO, a device
/// (`/dev/zero` would be read forever) or a folder is refused whatever the path's name
/// or links say. The error says why, for the caller to put after "cannot read".
pub fn read_small_file(path: &Path) -> Result<String, String> {
    let cannot = |e: std::io::Error| e.to_string();
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(
        &mut options,
        rustix::fs::OFlags::NONBLOCK.bits() as i32,
    );
    let file = options.open(path).map_err(cannot)?;
    let metadata = file.metadata().map_err(cannot)?;
    if metadata.is_dir() {
        return Err("it is a folder".into());
    }
    if !metadata.is_file() {
        return Err("not a regular file (a FIFO, socket or device)".into());
    }
    let too_large = || {
        format!(
            "larger than {} bytes (1 MiB), the most a rule or config file may hold",
            MAX_SMALL_FILE_BYTES
        )
    };
    if metadata.len() > MAX_SMALL_FILE_BYTES {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    // Through `take`: a file that grows while it is read stops at the bound too.
    std::io::Read::read_to_end(
        &mut std::io::Read::take(file, MAX_SMALL_FILE_BYTES + 1),
        &mut bytes,
    )
    .map_err(cannot)?;
    if bytes.len() as u64 > MAX_SMALL_FILE_BYTES {
        return Err(too_large());
    }
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })
}

/// A problem in a rule file: which file, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    pub file: String,
    /// 1-based line in the rule file, when the problem is at one.
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// The 1-based line of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// The line of the `index`-th (0-based) `[[check]]` table of a rule file.
fn check_line(text: &str, index: usize) -> Option<usize> {
    let mut offset = 0;
    let mut found = 0;
    for line in text.split_inclusive('\n') {
        if line.trim_start().starts_with("[[check]]") {
            if found == index {
                return Some(line_of(text, offset));
            }
            found += 1;
        }
        offset += line.len();
    }
    None
}

impl std::error::Error for RuleError {}

/// A file a rule could not check: its query reached the bound of the file's size. Like the
/// other PL000 problems it is not a rule, so no config can select, ignore or lower it: a
/// hostile file or rule never passes silently.
pub static RULE_ERROR: LazyLock<Arc<RuleId>> = LazyLock::new(|| {
    Arc::new(RuleId {
        code: "PL000".into(),
        name: "rule-error".into(),
        category: "rule".into(),
    })
});

#[derive(Default)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
    /// Distinct compiled `given` queries; declarative checks refer to them by index.
    pub queries: Vec<(String, Query)>,
    /// Read every policy as this dialect instead of detecting it (config `dialect`).
    pub dialect: Option<Dialect>,
    /// Actions the team knows exist though the catalogue lacks them (config
    /// `extra-actions`), lower-cased `service:action`; `service:*` makes a service known.
    pub extra_actions: std::collections::HashSet<String>,
    /// The config's access settings: guardrails and `fail-on-new-access`.
    pub access: Arc<crate::access::guardrails::AccessConfig>,
}

impl RuleSet {
    /// No rules at all: the start of a set built from rule files.
    pub fn empty() -> Self {
        RuleSet::default()
    }

    /// The rules embedded in the binary.
    pub fn builtin() -> Result<Self, RuleError> {
        let mut set = RuleSet::empty();
        for (file, text, json) in EMBEDDED_RULES {
            let file = format!("rules/{file}");
            let doc: RuleFile = serde_json::from_str(json).map_err(|e| RuleError {
                file: file.clone(),
                line: None,
                message: e.to_string(),
            })?;
            set.add_rule(&file, text, doc)?;
        }
        for rule in &mut set.rules {
            rule.builtin = true;
        }
        Ok(set)
    }

    /// Adds every `*.toml` rule file of a folder, in name order. With `confine_to` (a
    /// canonical folder), a file that resolves outside it (a symlink) is refused.
    pub fn add_rules_dir(
        &mut self,
        dir: &Path,
        confine_to: Option<&Path>,
    ) -> Result<usize, RuleError> {
        let error = |message: String| RuleError {
            file: dir.display().to_string(),
            line: None,
            message,
        };
        let entries = std::fs::read_dir(dir)
            .map_err(|e| error(format!("cannot read the rules folder: {e}")))?;
        let mut files: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
            .collect();
        files.sort();
        for path in &files {
            let file = path.display().to_string();
            let error = |message: String| RuleError {
                file: file.clone(),
                line: None,
                message,
            };
            if let Some(folder) = confine_to {
                let resolved = path
                    .canonicalize()
                    .map_err(|e| error(format!("cannot read: {e}")))?;
                if !resolved.starts_with(folder) {
                    return Err(error(format!(
                        "the rule file resolves to {}, outside {}",
                        resolved.display(),
                        folder.display()
                    )));
                }
            }
            let text = read_small_file(path).map_err(|why| error(format!("cannot read: {why}")))?;
            self.add_rule_text(&file, &text)?;
        }
        Ok(files.len())
    }

    /// Makes every diagnostic of the rule `selector` names (name or code) take `severity`.
    pub fn override_severity(&mut self, selector: &str, severity: Severity) -> Result<(), String> {
        let Some(rule) = self
            .rules
            .iter_mut()
            .find(|r| r.id.name == selector || r.id.code.eq_ignore_ascii_case(selector))
        else {
            return Err(self.not_a_rule(selector));
        };
        rule.severity = severity;
        rule.forced_severity = Some(severity);
        Ok(())
    }

    /// Whether `selector` picks at least one rule (name, code, code prefix, category, `ALL`).
    pub fn selects_any(&self, selector: &str) -> bool {
        selector == "ALL" || self.rules.iter().any(|r| selector_matches(selector, &r.id))
    }

    /// Whether `selector` picks the rule `id` (used by per-file ignores).
    pub fn selector_picks(selector: &str, id: &RuleId) -> bool {
        selector == "ALL" || selector_matches(selector, id)
    }

    /// Parses, validates and compiles one rule file.
    pub fn add_rule_text(&mut self, file: &str, text: &str) -> Result<(), RuleError> {
        let doc: RuleFile = toml::from_str(text).map_err(|e| RuleError {
            file: file.to_string(),
            line: e.span().map(|span| line_of(text, span.start)),
            message: e.message().trim_end().to_string(),
        })?;
        self.add_rule(file, text, doc)
    }

    /// Validates and compiles one rule read from `text`.
    fn add_rule(&mut self, file: &str, text: &str, doc: RuleFile) -> Result<(), RuleError> {
        let error = |message: String| RuleError {
            file: file.to_string(),
            line: None,
            message,
        };
        if !is_rule_code(&doc.code) {
            return Err(error(format!(
                "code `{}` must be two or more capital letters followed by digits, such as `PL201` or `ACME001`",
                doc.code
            )));
        }
        if !is_kebab_case(&doc.name) {
            return Err(error(format!(
                "name `{}` must be kebab-case, such as `duplicate-action`",
                doc.name
            )));
        }
        if let Some(clash) = self
            .rules
            .iter()
            .find(|r| r.id.code == doc.code || r.id.name == doc.name)
        {
            return Err(error(format!(
                "rule {} [{}] clashes with the existing rule {} [{}]",
                doc.code, doc.name, clash.id.code, clash.id.name
            )));
        }
        if doc.checks.is_empty() {
            return Err(error("a rule needs at least one [[check]]".into()));
        }
        let mut checks = Vec::new();
        for (i, spec) in doc.checks.iter().enumerate() {
            let check = self.compile_check(spec).map_err(|m| RuleError {
                file: file.to_string(),
                line: check_line(text, i),
                message: format!("check {}: {m}", i + 1),
            })?;
            checks.push(check);
        }
        self.rules.push(Rule {
            id: Arc::new(RuleId {
                code: doc.code.clone(),
                name: doc.name.clone(),
                category: doc.category.clone(),
            }),
            file: file.to_string(),
            builtin: false,
            severity: doc.severity,
            forced_severity: None,
            doc,
            checks,
        });
        Ok(())
    }

    fn compile_check(&mut self, spec: &CheckSpec) -> Result<Check, String> {
        match (&spec.builtin, &spec.given) {
            (Some(name), None) => {
                if spec.function.is_some() || spec.field.is_some() {
                    return Err("a built-in check takes no `function` or `field`".into());
                }
                let check = checks::builtin(name).ok_or_else(|| {
                    format!(
                        "unknown built-in check `{name}`; known: {}",
                        checks::BUILTINS
                            .iter()
                            .map(|(n, _)| *n)
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                })?;
                Ok(Check::Builtin {
                    check,
                    options: spec.options.clone(),
                })
            }
            (None, Some(given)) => {
                let function_name = spec
                    .function
                    .as_deref()
                    .ok_or("a declarative check needs a `function`")?;
                let function = Function::compile(function_name, &spec.options)?;
                if function.needs_field() && spec.field.is_none() {
                    return Err(format!(
                        "function `{function_name}` needs a `field` to look for"
                    ));
                }
                let message = spec
                    .message
                    .clone()
                    .ok_or("a declarative check needs a `message`")?;
                declarative::check_template("message", &message)?;
                if let Some(help) = &spec.help {
                    declarative::check_template("help", help)?;
                }
                let query = self.query_index(given)?;
                Ok(Check::Declarative(Declarative::new(
                    query,
                    spec.field.clone(),
                    function,
                    message,
                    spec.help.clone(),
                )))
            }
            (Some(_), Some(_)) => Err("a check has either `builtin` or `given`, not both".into()),
            (None, None) => Err("a check needs `builtin = \"...\"` or `given = \"$...\"`".into()),
        }
    }

    fn query_index(&mut self, given: &str) -> Result<usize, String> {
        if let Some(i) = self.queries.iter().position(|(text, _)| text == given) {
            return Ok(i);
        }
        self.queries.push((given.to_string(), Query::parse(given)?));
        Ok(self.queries.len() - 1)
    }

    /// The diagnostic of a file on which query `query`, used by the rules `users` (indexes
    /// in `rules`), reached its bound: the file's other findings stand.
    pub fn query_bound_error(
        &self,
        query: usize,
        users: impl Iterator<Item = usize>,
        bound: QueryBound,
    ) -> Diagnostic {
        let rules: Vec<String> = users
            .map(|i| {
                let rule = &self.rules[i];
                format!("{} [{}] ({})", rule.id.code, rule.id.name, rule.file)
            })
            .collect();
        let message = format!(
            "rule {} did not check this file: its query `{}` stopped after visiting {} nodes, the most a file of this size allows",
            rules.join(", rule "),
            declarative::cut(&self.queries[query].0, 200),
            bound.visited
        );
        let finding = Finding::new(crate::source::Span::default(), message).help(format!(
            "a query may visit {} nodes of this file (10,000 plus 64 per byte); write the rule's `given` with fewer nested searches (`..`) inside filters",
            bound.bound
        ));
        Diagnostic::from_finding(RULE_ERROR.clone(), Severity::Error, finding)
    }

    /// The error for a rule selector (`--select`, `--ignore`, a config's `select`,
    /// `ignore` or `per-file-ignores`) that picks no rule, with "did you mean".
    pub fn not_a_selector(&self, selector: &str) -> String {
        if let Some(pl000) = not_a_rule_at_all(selector) {
            return pl000;
        }
        format!(
            "`{selector}` matches no rule name, code, code prefix or category{}",
            did_you_mean(self.closest(selector, true))
        )
    }

    /// The error for a name that must be one rule's name or code (`[severity]`,
    /// `policylint rule`) and is not, with "did you mean".
    pub fn not_a_rule(&self, name: &str) -> String {
        if let Some(pl000) = not_a_rule_at_all(name) {
            return pl000;
        }
        format!(
            "`{name}` is not a rule name or code{}",
            did_you_mean(self.closest(name, false))
        )
    }

    /// The rule name or code (or, with `categories`, category) closest to `written`, if
    /// it is a typo away: every place that names rules suggests through this.
    pub fn closest(&self, written: &str, categories: bool) -> Option<&str> {
        let written_lower = written.to_ascii_lowercase();
        // One edit in a short word, two from 6 characters, three from 12.
        let most_edits = (written.chars().count() / 6 + 1).min(3);
        self.rules
            .iter()
            .flat_map(|rule| {
                let category = categories.then_some(rule.id.category.as_str());
                [
                    Some(rule.id.name.as_str()),
                    Some(rule.id.code.as_str()),
                    category,
                ]
            })
            .flatten()
            .map(|candidate| {
                let distance =
                    strsim::osa_distance(&candidate.to_ascii_lowercase(), &written_lower);
                (distance, candidate)
            })
            .filter(|&(distance, _)| distance <= most_edits)
            .min()
            .map(|(_, candidate)| candidate)
    }

    pub fn find(&self, name_or_code: &str) -> Option<&Rule> {
        self.rules
            .iter()
            .find(|r| r.id.name == name_or_code || r.id.code.eq_ignore_ascii_case(name_or_code))
    }

    /// Keeps the rules that `select` (default: all) picks and `ignore` does not. Selectors
    /// are rule names, codes, code prefixes (`PL2`) or categories; `ALL` picks every rule.
    pub fn retain_selected(&mut self, select: &[String], ignore: &[String]) -> Result<(), String> {
        for selector in select.iter().chain(ignore) {
            if !self.rules.iter().any(|r| selector_matches(selector, &r.id)) && selector != "ALL" {
                return Err(self.not_a_selector(selector));
            }
        }
        self.rules.retain(|rule| {
            let selected = select.is_empty()
                || select
                    .iter()
                    .any(|s| s == "ALL" || selector_matches(s, &rule.id));
            let ignored = ignore
                .iter()
                .any(|s| s == "ALL" || selector_matches(s, &rule.id));
            selected && !ignored
        });
        Ok(())
    }
}

/// PL000 and its names: problems that are not rules (files policylint could not check).
pub const NOT_A_RULE_CODE: &str = "PL000";
pub const NOT_A_RULE_NAMES: [&str; 4] = [
    "io-error",
    "internal-error",
    "rule-error",
    "fix-not-applied",
];

/// Whether `name` is PL000 or one of its names.
pub fn is_not_a_rule(name: &str) -> bool {
    name.eq_ignore_ascii_case(NOT_A_RULE_CODE) || NOT_A_RULE_NAMES.contains(&name)
}

/// The error for PL000 where a rule is expected.
fn not_a_rule_at_all(name: &str) -> Option<String> {
    is_not_a_rule(name).then(|| {
        format!(
            "`{name}` is not a rule: PL000 reports files policylint could not check, which no setting can select, ignore or lower (`policylint rule PL000` explains it)"
        )
    })
}

/// "; did you mean `x`?", or nothing.
fn did_you_mean(suggestion: Option<&str>) -> String {
    suggestion
        .map(|s| format!("; did you mean `{s}`?"))
        .unwrap_or_default()
}

fn selector_matches(selector: &str, id: &RuleId) -> bool {
    id.name == selector
        || id.category == selector
        || (!selector.is_empty() && id.code.starts_with(&selector.to_ascii_uppercase()))
}

fn is_rule_code(code: &str) -> bool {
    let letters = code.chars().take_while(|c| c.is_ascii_uppercase()).count();
    let digits = &code[letters..];
    letters >= 2 && !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())
}

fn is_kebab_case(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('-')
        && !name.ends_with('-')
        && !name.contains("--")
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}
