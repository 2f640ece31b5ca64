//! `[[ignore]]`: silencing one rule for some files, down to one statement (`sid`) or one
//! place in the policy (`pointer`, RFC 6901), always with a reason. Each entry remembers
//! whether it silenced anything, so a run that saw every file an entry covers can report
//! the entry as unused (`unused-ignore`), as ruff reports an unused `noqa`.
//!
//! ```toml
//! [[ignore]]
//! rule = "wildcard-resource"
//! paths = ["legacy/**"]
//! sid = "LegacyRead"                  # or: pointer = "/Statement/2/Action/1"
//! reason = "tracked in SEC-12"
//! ```
//!
//! TOML gives the one key `ignore` two forms: the list of rules a config turns off
//! (`ignore = ["PL401"]`) and these tables. A list may hold both (`ignore = ["PL401",
//! {rule = ..., paths = [...], reason = "..."}]`), but `[[ignore]]` tables cannot follow an
//! `ignore = [...]` line in one file.

use super::{ConfigError, error_at, glob};
use crate::diagnostic::Diagnostic;
use crate::parse::{Arena, Node, NodeKind, parse};
use crate::rules::RuleSet;
use crate::source::Span;
use globset::{GlobSet, GlobSetBuilder};
use serde::Deserialize;
use serde::de::{self, MapAccess, Visitor};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use toml::Spanned;

/// One item of the config's `ignore` list: a rule turned off everywhere, or an entry.
#[derive(Debug)]
pub(super) enum IgnoreItem {
    Rule(String),
    Entry(IgnoreSpec),
}

impl<'de> Deserialize<'de> for IgnoreItem {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ItemVisitor;
        impl<'de> Visitor<'de> for ItemVisitor {
            type Value = IgnoreItem;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a rule name or code, or an `[[ignore]]` table")
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<IgnoreItem, E> {
                Ok(IgnoreItem::Rule(value.to_string()))
            }
            fn visit_map<M: MapAccess<'de>>(self, map: M) -> Result<IgnoreItem, M::Error> {
                IgnoreSpec::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(IgnoreItem::Entry)
            }
        }
        deserializer.deserialize_any(ItemVisitor)
    }
}

/// An `[[ignore]]` entry as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct IgnoreSpec {
    rule: Spanned<String>,
    paths: Vec<Spanned<String>>,
    sid: Option<Spanned<String>>,
    pointer: Option<Spanned<String>>,
    /// Required: an ignore without a reason is a finding nobody can review.
    reason: Spanned<String>,
}

/// Where in a file an entry applies.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Scope {
    Anywhere,
    /// Inside a statement with this `Sid`.
    Sid(String),
    /// At or inside the value at this JSON Pointer (its reference tokens, unescaped).
    Pointer(Vec<String>),
}

/// One glob of an entry's `paths`, with what a run must have seen to know every file it
/// matches.
#[derive(Debug)]
struct PathPattern {
    /// The folder (or, for a pattern without wildcards, the file) it cannot match
    /// outside of, absolute.
    base: PathBuf,
    /// Written without wildcards: it names one file.
    literal: bool,
    /// A pattern without wildcards whose file this run linted.
    linted: AtomicBool,
}

/// An entry's pattern, as the config's one set of globs numbers it.
#[derive(Debug, Clone, Copy)]
struct PatternOf {
    entry: usize,
    pattern: usize,
}

/// A compiled `[[ignore]]` entry.
#[derive(Debug)]
pub struct IgnoreEntry {
    /// The rule's code.
    code: String,
    /// The rule's name, for messages.
    name: String,
    patterns: Vec<PathPattern>,
    scope: Scope,
    /// Where the entry is in its config file.
    span: Span,
    /// A finding was silenced by it in this run.
    used: AtomicBool,
    /// A file its paths match was linted in this run.
    saw_a_file: AtomicBool,
}

/// Splits the config's `ignore` list into the rules it turns off and the entries.
pub(super) fn split_items(
    items: Vec<Spanned<IgnoreItem>>,
) -> (Vec<Spanned<String>>, Vec<Spanned<IgnoreSpec>>) {
    let mut rules = Vec::new();
    let mut entries = Vec::new();
    for item in items {
        let span = item.span();
        match item.into_inner() {
            IgnoreItem::Rule(rule) => rules.push(Spanned::new(span, rule)),
            IgnoreItem::Entry(entry) => entries.push(Spanned::new(span, entry)),
        }
    }
    (rules, entries)
}

/// A TOML error, with a hint when it is the clash of `ignore = [...]` with an `[[ignore]]`
/// table, which TOML reports only as a duplicate key.
pub(super) fn explain_toml_error(text: &str, offset: usize, message: &str) -> String {
    let line_start = text[..offset.min(text.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    if message == "duplicate key" && text[line_start..].trim_start().starts_with("[[ignore]]") {
        return "`[[ignore]]` tables cannot follow an `ignore = [...]` line (TOML forbids adding \
                to a list written inline): write those rules as entries of the list, or move \
                these entries into it as inline tables (`{rule = ..., paths = [...], reason = ...}`)"
            .into();
    }
    message.to_string()
}

/// Checks and compiles the entries of the config `file` (text `text`, folder `root`)
/// against every rule the config knows (before `select` and `ignore` narrow them).
pub(super) fn compile_entries(
    file: &str,
    text: &str,
    root: &Path,
    specs: Vec<Spanned<IgnoreSpec>>,
    rules: &RuleSet,
) -> Result<IgnoreEntries, ConfigError> {
    let at = |offset: usize, message: String| error_at(file, text, offset, message);
    let mut entries = Vec::with_capacity(specs.len());
    // One set for the globs of every entry: a baseline of thousands of entries is matched
    // against each file in one pass, not entry by entry.
    let mut globs = GlobSetBuilder::new();
    let mut owners = Vec::new();
    for spec in specs {
        let span = entry_span(text, spec.span());
        let spec = spec.into_inner();
        let rule_name = spec.rule.get_ref();
        let rule = rules
            .find(rule_name)
            .ok_or_else(|| at(spec.rule.span().start, unknown_rule(rule_name, rules)))?;
        if spec.reason.get_ref().trim().is_empty() {
            return Err(at(
                spec.reason.span().start,
                "an `[[ignore]]` entry needs a non-empty `reason`".into(),
            ));
        }
        if spec.paths.is_empty() {
            return Err(at(
                span.start,
                "an `[[ignore]]` entry needs at least one glob in `paths`".into(),
            ));
        }
        let mut patterns = Vec::with_capacity(spec.paths.len());
        for pattern in &spec.paths {
            globs.add(glob(pattern.get_ref()).map_err(|e| {
                at(
                    pattern.span().start,
                    format!("`{}` is not a valid glob: {e}", pattern.get_ref()),
                )
            })?);
            owners.push(PatternOf {
                entry: entries.len(),
                pattern: patterns.len(),
            });
            patterns.push(path_pattern(root, pattern.get_ref()));
        }
        let scope = match (spec.sid, spec.pointer) {
            (Some(_), Some(pointer)) => {
                return Err(at(
                    pointer.span().start,
                    "an `[[ignore]]` entry takes `sid` or `pointer`, not both".into(),
                ));
            }
            (Some(sid), None) => Scope::Sid(sid.into_inner()),
            (None, Some(pointer)) => Scope::Pointer(
                parse_pointer(pointer.get_ref())
                    .map_err(|message| at(pointer.span().start, message))?,
            ),
            (None, None) => Scope::Anywhere,
        };
        entries.push(IgnoreEntry {
            code: rule.id.code.clone(),
            name: rule.id.name.clone(),
            patterns,
            scope,
            span,
            used: AtomicBool::new(false),
            saw_a_file: AtomicBool::new(false),
        });
    }
    let globs = globs
        .build()
        .map_err(|e| at(0, format!("the `[[ignore]]` globs do not compile: {e}")))?;
    Ok(IgnoreEntries {
        entries,
        globs,
        owners,
    })
}

/// The error for an entry's rule that is not one, with "did you mean" as everywhere else
/// rules are named (`RuleSet::not_a_rule`).
fn unknown_rule(name: &str, rules: &RuleSet) -> String {
    format!(
        "{} (an `[[ignore]]` entry names one rule; `policylint rule --all` lists them)",
        rules.not_a_rule(name)
    )
}

/// Where an entry is: TOML gives an `[[ignore]]` table's header, or an inline table
/// (`{rule = ...}`); a report shows its first line.
fn entry_span(text: &str, span: std::ops::Range<usize>) -> Span {
    let start = span.start.min(text.len());
    let end = span.end.clamp(start, text.len());
    let line_end = text[start..end].find('\n').map_or(end, |i| start + i);
    Span::new(start, line_end)
}

/// The folder a glob cannot match outside of: its leading components without wildcards.
fn path_pattern(root: &Path, pattern: &str) -> PathPattern {
    let is_wild = |component: &str| component.contains(['*', '?', '[', ']', '{', '}', '\\']);
    let components: Vec<&str> = pattern.split('/').collect();
    let literal_len = components.iter().take_while(|c| !is_wild(c)).count();
    let mut base = root.to_path_buf();
    for component in components[..literal_len].iter().filter(|c| !c.is_empty()) {
        base.push(component);
    }
    PathPattern {
        base,
        literal: literal_len == components.len(),
        linted: AtomicBool::new(false),
    }
}

/// An RFC 6901 JSON Pointer's reference tokens: `""` is the whole document, and every
/// token follows a `/`, with `~1` for `/` and `~0` for `~`.
fn parse_pointer(pointer: &str) -> Result<Vec<String>, String> {
    if pointer.is_empty() {
        return Ok(Vec::new());
    }
    let Some(rest) = pointer.strip_prefix('/') else {
        return Err(format!(
            "`{pointer}` is not a JSON Pointer: it starts with `/`, such as `/Statement/0/Action`"
        ));
    };
    rest.split('/')
        .map(|token| {
            let mut out = String::with_capacity(token.len());
            let mut chars = token.chars();
            while let Some(c) = chars.next() {
                match (c, c == '~') {
                    (_, false) => out.push(c),
                    (_, true) => match chars.next() {
                        Some('0') => out.push('~'),
                        Some('1') => out.push('/'),
                        _ => {
                            return Err(format!(
                                "`{pointer}` is not a JSON Pointer: `~` is written `~0` and `/` \
                                 inside a key `~1`"
                            ));
                        }
                    },
                }
            }
            Ok(out)
        })
        .collect()
}

/// Writes reference tokens as a JSON Pointer.
pub(super) fn pointer_text(tokens: &[String]) -> String {
    tokens
        .iter()
        .map(|t| format!("/{}", t.replace('~', "~0").replace('/', "~1")))
        .collect()
}

/// The spans the pointer `tokens` reaches in `root`: a member (key and value) or an
/// array entry. Several when a key is repeated.
fn pointer_spans(root: &Node, tokens: &[String], out: &mut Vec<Span>) {
    let Some((first, rest)) = tokens.split_first() else {
        out.push(root.span);
        return;
    };
    match &root.kind {
        NodeKind::Object(members) => {
            for member in members.iter().filter(|m| m.key == first) {
                if rest.is_empty() {
                    out.push(member.span());
                } else {
                    pointer_spans(&member.value, rest, out);
                }
            }
        }
        NodeKind::Array(items) => {
            let index = first
                .parse::<usize>()
                .ok()
                .filter(|_| first == "0" || !first.starts_with('0'));
            if let Some(item) = index.and_then(|i| items.get(i)) {
                pointer_spans(item, rest, out);
            }
        }
        _ => {}
    }
}

/// The statements of a policy tree (an array of objects, or AWS's lone object).
pub(super) fn statements<'n>(root: &'n Node<'n>) -> impl Iterator<Item = (usize, &'n Node<'n>)> {
    let value = root.get("Statement").map(|m| &m.value);
    let list: &[Node] = match value.map(|v| &v.kind) {
        Some(NodeKind::Array(items)) => items,
        Some(NodeKind::Object(_)) => std::slice::from_ref(value.expect("matched above")),
        _ => &[],
    };
    list.iter()
        .enumerate()
        .filter(|(_, s)| s.as_object().is_some())
}

pub(super) fn contains(outer: Span, inner: Span) -> bool {
    outer.start <= inner.start && inner.end <= outer.end
}

/// The entries of one config.
#[derive(Debug, Default)]
pub struct IgnoreEntries {
    entries: Vec<IgnoreEntry>,
    /// Every pattern of every entry.
    globs: GlobSet,
    /// Whose each glob of `globs` is.
    owners: Vec<PatternOf>,
}

impl IgnoreEntries {
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Drops the diagnostics of a file (at `relative`, text `text`) that an entry covers.
    /// With `record`, remembers which entries silenced something and which files were
    /// seen, for [`IgnoreEntries::unused`]; the fix engine's re-lints do not record.
    pub fn apply(
        &self,
        relative: &Path,
        text: Option<&str>,
        diagnostics: &mut Vec<Diagnostic>,
        record: bool,
    ) {
        if self.entries.is_empty() {
            return;
        }
        let matched: Vec<PatternOf> = self
            .globs
            .matches(relative)
            .into_iter()
            .map(|i| self.owners[i])
            .collect();
        let mut applicable: Vec<&IgnoreEntry> =
            matched.iter().map(|m| &self.entries[m.entry]).collect();
        applicable.dedup_by(|a, b| std::ptr::eq(*a, *b));
        if record {
            for m in &matched {
                let entry = &self.entries[m.entry];
                entry.saw_a_file.store(true, Ordering::Relaxed);
                // A pattern without wildcards matches only the file it names.
                let pattern = &entry.patterns[m.pattern];
                if pattern.literal {
                    pattern.linted.store(true, Ordering::Relaxed);
                }
            }
        }
        if applicable.is_empty() || diagnostics.is_empty() {
            return;
        }
        // Parsed only when an entry needs to place a finding in the policy.
        let needs_tree = applicable.iter().any(|e| {
            e.scope != Scope::Anywhere && diagnostics.iter().any(|d| d.rule.code == e.code)
        });
        let arena = Arena::new();
        let root = text
            .filter(|_| needs_tree)
            .and_then(|text| parse(text, &arena).ok())
            .map(|parsed| parsed.root);
        diagnostics.retain(|d| {
            let covering = applicable.iter().find(|entry| {
                entry.code == d.rule.code
                    && match (&entry.scope, &root) {
                        (Scope::Anywhere, _) => true,
                        (_, None) => false,
                        (Scope::Sid(sid), Some(root)) => statements(root).any(|(_, s)| {
                            s.get("Sid").and_then(|m| m.value.as_str()) == Some(sid)
                                && contains(s.span, d.span)
                        }),
                        (Scope::Pointer(tokens), Some(root)) => {
                            let mut spans = Vec::new();
                            pointer_spans(root, tokens, &mut spans);
                            spans.iter().any(|s| contains(*s, d.span))
                        }
                    }
            });
            match covering {
                Some(entry) => {
                    if record {
                        entry.used.store(true, Ordering::Relaxed);
                    }
                    false
                }
                None => true,
            }
        });
    }

    /// The entries of this run that silenced nothing, as (span in the config, message),
    /// when the run saw every file the entry could cover: each of its globs lies in a
    /// folder the run walked (`walked`: absolute, as given), or names one file that the
    /// run linted. Entries of rules the run did not check (`--select`) are not judged.
    pub fn unused(&self, walked: &[PathBuf], rules: &RuleSet) -> Vec<(Span, String)> {
        self.entries
            .iter()
            .filter(|e| !e.used.load(Ordering::Relaxed) && rules.find(&e.code).is_some())
            .filter(|e| {
                e.patterns.iter().all(|p| {
                    (p.literal && p.linted.load(Ordering::Relaxed))
                        || walked.iter().any(|root| p.base.starts_with(root))
                })
            })
            .map(|e| {
                let message = if e.saw_a_file.load(Ordering::Relaxed) {
                    format!(
                        "this ignore is unused: no `{}` finding in the files it covers{}",
                        e.name,
                        match &e.scope {
                            Scope::Anywhere => String::new(),
                            Scope::Sid(sid) => format!(" is in a statement with Sid `{sid}`"),
                            Scope::Pointer(tokens) => format!(" is at `{}`", pointer_text(tokens)),
                        }
                    )
                } else {
                    "this ignore is unused: its `paths` match no file that was checked".into()
                };
                (e.span, message)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_follow_rfc_6901() {
        assert_eq!(parse_pointer(""), Ok(vec![]));
        assert_eq!(
            parse_pointer("/Statement/0/a~1b~0c"),
            Ok(vec!["Statement".into(), "0".into(), "a/b~c".into()])
        );
        assert!(parse_pointer("Statement/0").is_err());
        assert!(parse_pointer("/a~2").is_err());
        let tokens = parse_pointer("/x~1y/~0").unwrap();
        assert_eq!(pointer_text(&tokens), "/x~1y/~0");
    }

    #[test]
    fn a_pointer_reaches_members_and_entries_but_not_leading_zero_indexes() {
        let text = r#"{"Statement": [{"Action": ["a", "b"]}]}"#;
        let arena = Arena::new();
        let root = parse(text, &arena).unwrap().root;
        let spans = |pointer: &str| {
            let mut out = Vec::new();
            pointer_spans(&root, &parse_pointer(pointer).unwrap(), &mut out);
            out.iter()
                .map(|s| text[s.start..s.end].to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(spans("/Statement/0/Action/1"), ["\"b\""]);
        assert_eq!(spans("/Statement/0/Action"), ["\"Action\": [\"a\", \"b\"]"]);
        assert!(spans("/Statement/00").is_empty());
        assert!(spans("/Statement/0/Resource").is_empty());
    }
}
