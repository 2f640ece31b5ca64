//! Lints texts: parse each once, build its model, run every applicable rule (a batch of
//! texts rule by rule), sort.

use crate::checks::CheckContext;
use crate::diagnostic::{Diagnostic, Finding, RuleId, Severity};
use crate::model::{Dialect, HostHints, Policy, PolicyKind, TemplateValues, is_statement_key};
use crate::parse::{self, Arena, Node};
use crate::rules::declarative::{Declarative, Document};
use crate::rules::query::QueryTarget;
use crate::rules::{Check, RuleSet};
use crate::source::Span;
use bumpalo::collections::Vec as ArenaVec;
use std::cell::RefCell;
use std::sync::{Arc, LazyLock};

/// What linting one text found.
#[derive(Debug)]
pub struct LintResult {
    /// Whether the text is a policy (or, if it did not parse, looks like one). Directory
    /// walks skip files that are not.
    pub is_policy: bool,
    /// Whether the text is JSON (else its one diagnostic is the syntax error).
    pub parsed: bool,
    /// The dialect and kind the rules took the policy for (the host's hints, when it did
    /// not parse; `None` when neither tells).
    pub dialect: Option<Dialect>,
    pub kind: Option<PolicyKind>,
    pub diagnostics: Vec<Diagnostic>,
}

/// One policy document to lint: its text (JSON), and what its host says about it.
#[derive(Debug, Clone, Copy, Default)]
pub struct DocumentInput<'t> {
    pub text: &'t str,
    pub hints: HostHints,
    /// Spans of `text` holding expressions the host masked as strings (sorted): template
    /// values, never judged (see `model::TemplateValues`).
    pub masked: &'t [Span],
}

impl<'t> DocumentInput<'t> {
    /// A text that is a policy file by itself.
    pub fn plain(text: &'t str) -> Self {
        DocumentInput {
            text,
            ..DocumentInput::default()
        }
    }
}

pub static JSON_SYNTAX: LazyLock<Arc<RuleId>> = LazyLock::new(|| {
    Arc::new(RuleId {
        code: "PL001".into(),
        name: "json-syntax".into(),
        category: "syntax".into(),
    })
});

thread_local! {
    /// Each thread's arena for the trees of the texts it lints, kept from batch to batch
    /// so that its block is allocated once rather than once per batch.
    static ARENA: RefCell<Arena> = RefCell::new(Arena::new());
}

/// An arena grown larger than this by one batch is let go rather than kept for the next.
const ARENA_KEPT_BYTES: usize = 1 << 20;

/// Lints `text` with `rules`.
pub fn lint_text(rules: &RuleSet, text: &str) -> LintResult {
    lint_texts(rules, &[text])
        .pop()
        .expect("one result for one text")
}

/// Lints each of `texts` with `rules`; the results come in the same order.
///
/// The work goes rule by rule across the texts rather than text by text: the code of the
/// whole rule set is larger than a core's instruction cache, so linting one small file
/// after another evicted each check's code (and its branch history) before the next file
/// needed it; run over a batch of files in a row, a check stays warm (about a fifth less
/// CPU time over many small files, `benches/bench.sh`). The trees of all the texts are
/// in memory at once, so callers bound the batch (see `runner::lint_batch`).
pub fn lint_texts(rules: &RuleSet, texts: &[&str]) -> Vec<LintResult> {
    let documents: Vec<DocumentInput> = texts.iter().map(|&t| DocumentInput::plain(t)).collect();
    lint_documents(rules, &documents)
}

/// Lints policy documents as `lint_texts` lints texts, each with its host's hints.
pub fn lint_documents(rules: &RuleSet, documents: &[DocumentInput]) -> Vec<LintResult> {
    ARENA.with_borrow_mut(|arena| {
        arena.reset();
        let results = lint_texts_in(rules, documents, arena);
        if arena.allocated_bytes() > ARENA_KEPT_BYTES {
            *arena = Arena::new();
        }
        results
    })
}

/// A text that parsed, with what the rules look at and what they found so far.
struct Parsed<'t> {
    text: &'t str,
    root: &'t Node<'t>,
    policy: Option<Policy<'t>>,
    is_policy: bool,
    /// Whether each rule (by index in the set) applies to this text's dialect and kind.
    applicable: &'t [bool],
    target: QueryTarget<'t>,
    document: Document<'t>,
    findings: Vec<(usize, Finding)>,
    /// Rules that could not check the text (PL000 `rule-error`).
    rule_errors: Vec<Diagnostic>,
    /// Its action entries resolved in the catalogue, when a built-in check first asks.
    resolved: std::cell::OnceCell<crate::checks::resolved::ResolvedActions>,
    /// Its statements that repeat an earlier one, when a built-in check first asks.
    repeats: std::cell::OnceCell<Vec<(usize, usize)>>,
    /// The Allows PL503 and PL504 look at, when the first of them asks.
    statement_candidates: std::cell::OnceCell<crate::checks::statements::Candidates>,
}

fn lint_texts_in<'t>(
    rules: &RuleSet,
    documents: &[DocumentInput<'t>],
    arena: &'t Arena,
) -> Vec<LintResult> {
    let mut parsed = Vec::with_capacity(documents.len());
    // The final result of each text that is not JSON; `None` for those that parsed.
    let unparsed: Vec<Option<LintResult>> = documents
        .iter()
        .map(|document| match parse::parse(document.text, arena) {
            Ok(tree) => {
                parsed.push(prepare(rules, document, &arena.alloc(tree).root, arena));
                None
            }
            Err(error) => Some(syntax_error(rules, document, error)),
        })
        .collect();
    run_declarative_checks(rules, &mut parsed, arena);
    run_builtin_checks(rules, &mut parsed);
    let mut parsed = parsed.into_iter();
    unparsed
        .into_iter()
        .map(|result| {
            result.unwrap_or_else(|| {
                let parsed = parsed
                    .next()
                    .expect("one parsed text for each without a result");
                let mut all = parsed.rule_errors;
                all.extend(diagnostics(rules, parsed.findings));
                LintResult {
                    is_policy: parsed.is_policy,
                    parsed: true,
                    dialect: parsed.policy.as_ref().map(|p| p.dialect),
                    kind: parsed.policy.as_ref().map(|p| p.kind),
                    diagnostics: all,
                }
            })
        })
        .collect()
}

fn syntax_error(
    rules: &RuleSet,
    document: &DocumentInput,
    error: parse::SyntaxError,
) -> LintResult {
    let diagnostics = rules
        .find("json-syntax")
        .map(|rule| {
            vec![Diagnostic::from_finding(
                rule.id.clone(),
                rule.severity,
                Finding::new(error.span, error.message).help(error.help),
            )]
        })
        .unwrap_or_default();
    LintResult {
        is_policy: looks_like_a_policy(document.text),
        parsed: false,
        dialect: document.hints.dialect.or(rules.dialect),
        kind: document.hints.kind,
        diagnostics,
    }
}

/// Whether a text that does not parse is reported in a walk: when it has a key named like
/// a policy's (`Statement` or a near miss, `Version`, `Effect`, `Action`), quoted in either
/// quotes or not at all (`'Statement':`, `Effect:`), wherever it is. A broken policy is
/// exactly what must not pass unseen; a broken file of another kind seldom has such a key.
pub(crate) fn looks_like_a_policy(text: &str) -> bool {
    let bytes = text.as_bytes();
    memchr::memchr_iter(b':', bytes).any(|colon| {
        key_before(bytes, colon).is_some_and(|key| {
            matches!(key.trim(), "Version" | "Effect" | "Action") || is_statement_key(key)
        })
    })
}

/// The key written just before the colon at `colon`, if it is one: between quotes (`"` or
/// `'`, at most a few dozen bytes), or a bare word of letters.
fn key_before(bytes: &[u8], colon: usize) -> Option<&str> {
    const LONGEST_KEY: usize = 32;
    let end = colon
        - bytes[..colon]
            .iter()
            .rev()
            .take_while(|b| b.is_ascii_whitespace())
            .count();
    let (start, end) = match end.checked_sub(1).map(|last| bytes[last]) {
        Some(quote @ (b'"' | b'\'')) => {
            let from = end.saturating_sub(LONGEST_KEY + 1);
            let open = memchr::memrchr(quote, &bytes[from..end - 1])?;
            (from + open + 1, end - 1)
        }
        _ => {
            let letters = bytes[..end]
                .iter()
                .rev()
                .take_while(|b| b.is_ascii_alphabetic())
                .count();
            let start = end - letters;
            let bounded = start == 0 || !bytes[start - 1].is_ascii_alphanumeric();
            if letters == 0 || letters > LONGEST_KEY || !bounded {
                return None;
            }
            (start, end)
        }
    };
    std::str::from_utf8(&bytes[start..end]).ok()
}

fn prepare<'t>(
    rules: &RuleSet,
    document: &DocumentInput<'t>,
    root: &'t Node<'t>,
    arena: &'t Arena,
) -> Parsed<'t> {
    let text = document.text;
    let hints = document.hints;
    let templates = TemplateValues::find(text, root, document.masked, hints.interpolated, arena);
    let mut policy = Policy::from_host(root, arena, hints, templates);
    // The config's dialect beats detection; a host that knows its dialect beats both.
    if let (Some(policy), Some(dialect), None) = (policy.as_mut(), rules.dialect, hints.dialect) {
        policy.dialect = dialect;
    }
    let is_policy = root.as_object().is_some_and(is_a_policy);
    let applicable = arena.alloc_slice_fill_iter(rules.rules.iter().map(|rule| match &policy {
        Some(p) => rule.applies_to(p.dialect, p.kind),
        None => true,
    }));
    Parsed {
        text,
        root,
        policy,
        is_policy,
        applicable,
        target: QueryTarget::new(root),
        document: Document::new(text, root, templates),
        findings: Vec::new(),
        rule_errors: Vec::new(),
        resolved: std::cell::OnceCell::new(),
        repeats: std::cell::OnceCell::new(),
        statement_candidates: std::cell::OnceCell::new(),
    }
}

/// Whether a top-level object is a policy (a walk lints only those): it has a `Statement`
/// (or a near miss, see `is_statement_key`), or it is a lone statement (`Effect` and
/// `Action` or `NotAction`) that lost its policy around it.
fn is_a_policy(members: &[parse::Member]) -> bool {
    members.iter().any(|m| is_statement_key(m.key))
        || (members.iter().any(|m| m.key == "Effect")
            && members
                .iter()
                .any(|m| m.key == "Action" || m.key == "NotAction"))
}

/// The declarative checks, grouped by query (rule order within a query), so that each
/// distinct query is evaluated once per text, for all the rules that share it.
fn run_declarative_checks(rules: &RuleSet, batch: &mut [Parsed], arena: &Arena) {
    let check_count = rules.rules.iter().map(|rule| rule.checks.len()).sum();
    // (order written, rule index, check); in the arena, sized for every check.
    let mut declarative: ArenaVec<(usize, usize, &Declarative)> =
        ArenaVec::with_capacity_in(check_count, arena);
    declarative.extend(
        rules
            .rules
            .iter()
            .enumerate()
            .flat_map(|(i, rule)| {
                rule.checks.iter().filter_map(move |check| match check {
                    Check::Declarative(d) => Some((i, d)),
                    Check::Builtin { .. } => None,
                })
            })
            .enumerate()
            .map(|(order, (rule_index, check))| (order, rule_index, check)),
    );
    // By query, then in the order written: a stable sort's result, without its buffer.
    declarative.sort_unstable_by_key(|&(order, _, check)| (check.query, order));
    let mut scratch = Vec::new();
    let mut hits = Vec::with_capacity(32);
    for users in declarative.chunk_by(|(_, _, a), (_, _, b)| a.query == b.query) {
        let query = &rules.queries[users[0].2.query].1;
        for file in batch.iter_mut() {
            let applicable = file.applicable;
            let checks = users
                .iter()
                .filter(|&&(_, rule_index, _)| applicable[rule_index]);
            if checks
                .clone()
                .all(|(_, _, check)| check.finds_nothing_in(&file.document))
            {
                continue;
            }
            if let Err(bound) = file.target.select_into(query, &mut hits) {
                let rule_indexes = checks.clone().map(|&(_, rule_index, _)| rule_index);
                let error = rules.query_bound_error(users[0].2.query, rule_indexes, bound);
                file.rule_errors.push(error);
                continue;
            }
            for hit in &hits {
                for &(_, rule_index, check) in checks.clone() {
                    check.run(&file.document, hit.node, hit.member, &mut scratch);
                    file.findings
                        .extend(scratch.drain(..).map(|finding| (rule_index, finding)));
                }
            }
        }
    }
}

fn run_builtin_checks(rules: &RuleSet, batch: &mut [Parsed]) {
    let mut scratch = Vec::new();
    for (rule_index, rule) in rules.rules.iter().enumerate() {
        for check in &rule.checks {
            let Check::Builtin { check, options } = check else {
                continue;
            };
            for file in batch.iter_mut().filter(|file| file.applicable[rule_index]) {
                let ctx = CheckContext {
                    text: file.text,
                    root: file.root,
                    policy: file.policy.as_ref(),
                    options,
                    extra_actions: &rules.extra_actions,
                    access: &rules.access,
                    resolved: &file.resolved,
                    repeats: &file.repeats,
                    statement_candidates: &file.statement_candidates,
                };
                check(&ctx, &mut scratch);
                file.findings
                    .extend(scratch.drain(..).map(|finding| (rule_index, finding)));
            }
        }
    }
}

/// Findings as diagnostics in reporting order, each once.
fn diagnostics(rules: &RuleSet, findings: Vec<(usize, Finding)>) -> Vec<Diagnostic> {
    let mut diagnostics: Vec<Diagnostic> = findings
        .into_iter()
        .map(|(i, finding)| {
            let rule = &rules.rules[i];
            let mut diagnostic = Diagnostic::from_finding(rule.id.clone(), rule.severity, finding);
            if let Some(severity) = rule.forced_severity {
                diagnostic.severity = severity;
            }
            diagnostic
        })
        .collect();
    sort_diagnostics(&mut diagnostics);
    // A string inside an array is reached both as itself and through its array when a
    // rule's `given` selects both; one finding per rule and place is enough.
    diagnostics
        .dedup_by(|a, b| a.rule.code == b.rule.code && a.span == b.span && a.message == b.message);
    diagnostics
}

/// By position, then code: the order every reporter shows.
pub fn sort_diagnostics(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        (a.span.start, a.span.end, &a.rule.code, &a.message).cmp(&(
            b.span.start,
            b.span.end,
            &b.rule.code,
            &b.message,
        ))
    });
}

/// The count of diagnostics at or above `threshold`.
pub fn count_at_least(diagnostics: &[Diagnostic], threshold: Severity) -> usize {
    diagnostics
        .iter()
        .filter(|d| d.severity >= threshold)
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broken_text_looks_like_a_policy_by_its_keys_in_any_quoting() {
        for text in [
            // The `json-syntax` rule's own fixture: single quotes.
            "{'Version': '1', 'Statement': [{'Effect': 'Allow'}]}",
            "{Version: \"1\", Statement: []}",
            "{\"Statements\": [}",
            "{ \"statment\" : [",
            "{'Effect':'Allow','Action':'*'",
            "  Action :",
            "{\"Version\":\"1\",}",
        ] {
            assert!(looks_like_a_policy(text), "{text:?}");
        }
        for text in [
            "{ not json",
            "{\"name\": \"x\", \"version\": \"1.0.0\",}",
            "// comment\n{\"compilerOptions\": {\"strict\": true,}}",
            "{\"description\": \"Reaction: no\", ]",
            "{\"MyAction\": 1,]",
            "",
            ":",
            "\":",
        ] {
            assert!(!looks_like_a_policy(text), "{text:?}");
        }
    }

    #[test]
    fn a_parsed_object_is_a_policy_by_a_statement_or_a_lone_statement() {
        let rules = RuleSet::builtin().unwrap();
        for (text, is_policy) in [
            (
                r#"{"Version":"1","Statements":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
                true,
            ),
            (r#"{" statement ":[]}"#, true),
            (r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#, true),
            (
                r#"{"Effect":"Allow","NotAction":"ram:*","Resource":"*"}"#,
                true,
            ),
            (r#"{"name":"x","version":"1.0.0"}"#, false),
            (r#"{"Effect":"fade-in"}"#, false),
            (r#"[{"Statement":[]}]"#, false),
        ] {
            assert_eq!(lint_text(&rules, text).is_policy, is_policy, "{text}");
        }
    }
}
