//! Lints one text: parse once, build the model, run every applicable rule, sort.

use crate::checks::CheckContext;
use crate::diagnostic::{Diagnostic, Finding, RuleId, Severity};
use crate::model::{Policy, is_statement_key};
use crate::parse::{self, Arena, ParsedFile};
use crate::rules::declarative::{Declarative, Document};
use crate::rules::query::QueryTarget;
use crate::rules::{Check, RuleSet};
use bumpalo::collections::Vec as ArenaVec;
use std::cell::RefCell;
use std::sync::{Arc, LazyLock};

/// What linting one text found.
#[derive(Debug)]
pub struct LintResult {
    /// Whether the text is a policy (or, if it did not parse, looks like one). Directory
    /// walks skip files that are not.
    pub is_policy: bool,
    pub diagnostics: Vec<Diagnostic>,
}

pub static JSON_SYNTAX: LazyLock<Arc<RuleId>> = LazyLock::new(|| {
    Arc::new(RuleId {
        code: "PL001".into(),
        name: "json-syntax".into(),
        category: "syntax".into(),
    })
});

thread_local! {
    /// Each thread's arena for the trees of the files it lints, kept from file to file so
    /// that its block is allocated once rather than once per file.
    static ARENA: RefCell<Arena> = RefCell::new(Arena::new());
}

/// An arena grown larger than this by one file is let go rather than kept for the next.
const ARENA_KEPT_BYTES: usize = 1 << 20;

/// Lints `text` with `rules`.
pub fn lint_text(rules: &RuleSet, text: &str) -> LintResult {
    ARENA.with_borrow_mut(|arena| {
        arena.reset();
        let result = lint_text_in(rules, text, arena);
        if arena.allocated_bytes() > ARENA_KEPT_BYTES {
            *arena = Arena::new();
        }
        result
    })
}

fn lint_text_in(rules: &RuleSet, text: &str, arena: &Arena) -> LintResult {
    match parse::parse(text, arena) {
        Ok(parsed) => lint_parsed(rules, text, &parsed, arena),
        Err(error) => {
            let rule = rules.find("json-syntax");
            let diagnostics = rule
                .map(|rule| {
                    vec![Diagnostic::from_finding(
                        rule.id.clone(),
                        rule.severity,
                        Finding::new(error.span, error.message).help(error.help),
                    )]
                })
                .unwrap_or_default();
            LintResult {
                is_policy: mentions_statement(text),
                diagnostics,
            }
        }
    }
}

/// A file that does not parse is still reported in a walk when it mentions `"Statement"`.
fn mentions_statement(text: &str) -> bool {
    text.as_bytes()
        .windows(10)
        .any(|w| w[0] == b'"' && w[1..].eq_ignore_ascii_case(b"statement"))
}

fn lint_parsed<'t>(
    rules: &RuleSet,
    text: &str,
    parsed: &ParsedFile<'t>,
    arena: &'t Arena,
) -> LintResult {
    let mut policy = Policy::from_root(&parsed.root, arena);
    if let (Some(policy), Some(dialect)) = (policy.as_mut(), rules.dialect) {
        policy.dialect = dialect;
    }
    let is_policy = parsed
        .root
        .as_object()
        .is_some_and(|members| members.iter().any(|m| is_statement_key(m.key)));
    let applicable = |rule: &crate::rules::Rule| match &policy {
        Some(p) => rule.applies_to(p.dialect, p.kind),
        None => true,
    };
    let target = QueryTarget::new(&parsed.root);
    let document = Document::new(text, &parsed.root);
    let mut findings: Vec<(usize, Finding)> = Vec::new();
    let mut scratch = Vec::new();
    let mut hits = Vec::with_capacity(32);
    // The applicable declarative checks grouped by query (rule order within a query), so
    // that each distinct query is evaluated once, for all the rules that share it.
    // In the arena, sized for every check: no allocation per file.
    let check_count = rules.rules.iter().map(|rule| rule.checks.len()).sum();
    let mut declarative: ArenaVec<(usize, usize, &Declarative)> =
        ArenaVec::with_capacity_in(check_count, arena);
    declarative.extend(
        rules
            .rules
            .iter()
            .enumerate()
            .filter(|(_, rule)| applicable(rule))
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
    for users in declarative.chunk_by(|(_, _, a), (_, _, b)| a.query == b.query) {
        if users
            .iter()
            .all(|(_, _, check)| check.finds_nothing_in(&document))
        {
            continue;
        }
        target.select_into(&rules.queries[users[0].2.query].1, &mut hits);
        for hit in &hits {
            for (_, rule_index, check) in users {
                check.run(text, hit.node, hit.member, &mut scratch);
                findings.extend(scratch.drain(..).map(|f| (*rule_index, f)));
            }
        }
    }
    for (rule_index, rule) in rules
        .rules
        .iter()
        .enumerate()
        .filter(|(_, r)| applicable(r))
    {
        for check in &rule.checks {
            if let Check::Builtin { check, options } = check {
                let ctx = CheckContext {
                    text,
                    root: &parsed.root,
                    policy: policy.as_ref(),
                    options,
                    extra_actions: &rules.extra_actions,
                };
                check(&ctx, &mut scratch);
                findings.extend(scratch.drain(..).map(|f| (rule_index, f)));
            }
        }
    }
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
    LintResult {
        is_policy,
        diagnostics,
    }
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
