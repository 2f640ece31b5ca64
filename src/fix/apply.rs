//! Applying fixes: one pass applies every fix whose edits do not overlap an earlier one's,
//! then the text is linted again, so fixes that had to wait (or that the first edits made
//! possible) get their turn. The result is only kept if it parses and brings no error that
//! the original did not have.

use super::edits::apply_edits;
use super::offsets::OffsetMap;
use crate::diagnostic::{Applicability, Diagnostic, Edit, RuleId, Severity};
use crate::hosts::{self, DocumentInfo, HostKind};
use crate::rules::RuleSet;
use crate::source::Span;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// Passes before the engine gives up on reaching a fixed point. Each pass applies every
/// non-overlapping fix, so real files settle in two or three.
pub const MAX_PASSES: usize = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixMode {
    /// `--fix`: fixes that keep what the policy grants.
    Safe,
    /// `--fix --unsafe-fixes`: also fixes that change it.
    Unsafe,
}

impl FixMode {
    pub fn allows(self, applicability: Applicability) -> bool {
        match self {
            FixMode::Safe => applicability == Applicability::Safe,
            FixMode::Unsafe => true,
        }
    }
}

#[derive(Debug)]
pub struct FixOutcome {
    /// The fixed text; the original when nothing applied or the result was refused.
    pub text: String,
    /// How many fixes were applied (0 when the result was refused).
    pub fixed: usize,
    /// The diagnostics of `text`.
    pub diagnostics: Vec<Diagnostic>,
    /// The documents of `text` the rules ran on, when the engine linted `text` here (it
    /// did whenever a fix was tried), so that a caller need not lint it again for them.
    pub documents: Option<Vec<DocumentInfo>>,
    /// Why fixes were thrown away, if some were.
    pub refused: Option<Refusal>,
}

/// Fixes the engine would not apply: all of them, or (when the unsafe ones would have
/// left an error) the unsafe ones, the safe ones being applied alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub reason: String,
    pub safe_fixes_applied: bool,
}

/// Fixes `text`, whose diagnostics are `diagnostics` (as `lint_text` gave them).
pub fn fix_text(
    rules: &RuleSet,
    text: &str,
    diagnostics: Vec<Diagnostic>,
    mode: FixMode,
) -> FixOutcome {
    fix_text_ignoring(
        rules,
        HostKind::PlainJson,
        text,
        diagnostics,
        mode,
        &|_, _| {},
    )
}

/// Like `fix_text`, for a file where only the diagnostics `keep` accepts count: the others
/// are neither fixed nor reported, in every pass.
pub fn fix_text_keeping(
    rules: &RuleSet,
    text: &str,
    diagnostics: Vec<Diagnostic>,
    mode: FixMode,
    keep: &dyn Fn(&Diagnostic) -> bool,
) -> FixOutcome {
    fix_host_text_keeping(rules, HostKind::PlainJson, text, diagnostics, mode, keep)
}

/// Like `fix_text_keeping`, for a host file of kind `host` (whose diagnostics, as
/// `hosts::lint_file` gave them, are in host coordinates).
pub fn fix_host_text_keeping(
    rules: &RuleSet,
    host: HostKind,
    text: &str,
    diagnostics: Vec<Diagnostic>,
    mode: FixMode,
    keep: &dyn Fn(&Diagnostic) -> bool,
) -> FixOutcome {
    fix_text_ignoring(rules, host, text, diagnostics, mode, &|_, diagnostics| {
        diagnostics.retain(|d| keep(d))
    })
}

/// Drops, from the diagnostics of a text, those the settings ignore (per-file ignores,
/// `[[ignore]]` entries, which may need the text to place a finding in a statement).
pub type DropIgnored<'a> = dyn Fn(&str, &mut Vec<Diagnostic>) + 'a;

/// Like `fix_text`, for a file where some diagnostics are ignored (`drop_ignored`): those
/// are neither fixed nor reported, in every pass. When the unsafe fixes are refused, the
/// safe ones are tried alone.
pub fn fix_text_ignoring(
    rules: &RuleSet,
    host: HostKind,
    text: &str,
    mut diagnostics: Vec<Diagnostic>,
    mode: FixMode,
    drop_ignored: &DropIgnored,
) -> FixOutcome {
    drop_ignored(text, &mut diagnostics);
    let outcome = attempt(rules, host, text, diagnostics.clone(), mode, drop_ignored);
    let Some(refused) = outcome.refused.clone().filter(|_| mode == FixMode::Unsafe) else {
        return outcome;
    };
    let safe_only = attempt(rules, host, text, diagnostics, FixMode::Safe, drop_ignored);
    let refused = match safe_only.refused {
        Some(safe_refused) => safe_refused,
        // Nothing safe to apply either: the unsafe fixes' reason is the one to give.
        None if safe_only.fixed == 0 => refused,
        None => Refusal {
            safe_fixes_applied: true,
            ..refused
        },
    };
    FixOutcome {
        refused: Some(refused),
        ..safe_only
    }
}

/// One try at fixing with the fixes `mode` allows: all of them, or none.
fn attempt(
    rules: &RuleSet,
    host: HostKind,
    text: &str,
    diagnostics: Vec<Diagnostic>,
    mode: FixMode,
    drop_ignored: &DropIgnored,
) -> FixOutcome {
    let lint = |text: &str| {
        let linted = hosts::lint_file(rules, host, text);
        let mut diagnostics = linted.diagnostics;
        drop_ignored(text, &mut diagnostics);
        (diagnostics, linted.documents)
    };
    // The original's errors, carried through every pass's edits: an error of the fixed
    // text is new only if none of these lands on its span.
    let mut original_errors = error_spans(&diagnostics);
    let mut current = text.to_string();
    let mut current_diagnostics = diagnostics;
    let mut current_documents = None;
    let mut fixed = 0;
    let mut settled = false;
    for _ in 0..MAX_PASSES {
        let chosen = non_overlapping_edits(&current_diagnostics, mode);
        if chosen.fixes == 0 {
            settled = true;
            break;
        }
        current = apply_edits(&current, &chosen.edits);
        let moved = OffsetMap::new(&chosen.edits);
        for (_, span) in &mut original_errors {
            *span = moved.span(*span);
        }
        fixed += chosen.fixes;
        let (diagnostics, documents) = lint(&current);
        current_diagnostics = diagnostics;
        current_documents = Some(documents);
    }
    if fixed == 0 {
        return FixOutcome {
            text: current,
            fixed,
            diagnostics: current_diagnostics,
            documents: None,
            refused: None,
        };
    }
    let passes = Passes {
        settled,
        original_errors,
    };
    match refusal(host, &current, &current_diagnostics, mode, passes) {
        Some(reason) => {
            let (diagnostics, documents) = lint(text);
            FixOutcome {
                text: text.to_string(),
                fixed: 0,
                diagnostics,
                documents: Some(documents),
                refused: Some(Refusal {
                    reason,
                    safe_fixes_applied: false,
                }),
            }
        }
        None => FixOutcome {
            text: current,
            fixed,
            diagnostics: current_diagnostics,
            documents: current_documents,
            refused: None,
        },
    }
}

/// How the passes of fixes ended: whether they settled, and where the original's errors
/// are in the fixed text.
struct Passes {
    settled: bool,
    original_errors: Vec<(Arc<RuleId>, Span)>,
}

/// Why the fixed text `current` (with its diagnostics) must not be written, if it must
/// not: it does not parse, its fixes did not settle, or it has an error the original
/// did not.
fn refusal(
    host: HostKind,
    current: &str,
    diagnostics: &[Diagnostic],
    mode: FixMode,
    passes: Passes,
) -> Option<String> {
    // Parsed here, not read off the diagnostics: `--select` may have left out json-syntax.
    if let Err(error) = hosts::check_syntax(host, current) {
        Some(format!(
            "the fixed text would not parse ({})",
            error.message
        ))
    } else if !passes.settled && !non_overlapping_edits(diagnostics, mode).edits.is_empty() {
        Some(format!(
            "the fixes did not settle after {MAX_PASSES} passes"
        ))
    } else {
        introduced_error(passes.original_errors, diagnostics)
    }
}

struct ChosenEdits {
    fixes: usize,
    edits: Vec<Edit>,
}

/// Every allowed fix whose edits touch none of an already chosen fix's, in text order.
/// Two insertions at one offset, or an insertion at the boundary of a replaced range,
/// would make the order of the result ambiguous, so those conflict too.
fn non_overlapping_edits(diagnostics: &[Diagnostic], mode: FixMode) -> ChosenEdits {
    let mut candidates: Vec<&[Edit]> = diagnostics
        .iter()
        .filter_map(|d| d.fix.as_ref())
        .filter(|fix| mode.allows(fix.applicability) && !fix.edits.is_empty())
        .map(|fix| fix.edits.as_slice())
        .collect();
    candidates.sort_by_key(|edits| edits.iter().map(|e| e.span).min());
    let mut taken = TakenEdits::default();
    let mut fixes = 0;
    for edits in candidates {
        // Two diagnostics can carry the very same fix (one problem seen by two checks).
        if edits.iter().all(|e| taken.contains(e)) {
            continue;
        }
        if edits.iter().any(|e| taken.conflicts_with(e)) {
            continue;
        }
        for edit in edits {
            taken.insert(edit);
        }
        fixes += 1;
    }
    ChosenEdits {
        fixes,
        edits: taken.into_edits(),
    }
}

/// Chosen edits by position. They never conflict with each other, so ordered by start
/// they are ordered by end too, and a new edit only needs comparing with its neighbours:
/// thousands of fixes in one file stay fast.
#[derive(Default)]
struct TakenEdits {
    by_span: BTreeMap<(usize, usize), String>,
}

impl TakenEdits {
    fn contains(&self, edit: &Edit) -> bool {
        self.by_span.get(&(edit.span.start, edit.span.end)) == Some(&edit.replacement)
    }

    fn conflicts_with(&self, edit: &Edit) -> bool {
        self.by_span
            .range(..=(edit.span.end, usize::MAX))
            .rev()
            .take_while(|((_, end), _)| *end >= edit.span.start)
            .any(|(&(start, end), _)| conflicts(edit.span, Span::new(start, end)))
    }

    fn insert(&mut self, edit: &Edit) {
        self.by_span
            .insert((edit.span.start, edit.span.end), edit.replacement.clone());
    }

    fn into_edits(self) -> Vec<Edit> {
        self.by_span
            .into_iter()
            .map(|((start, end), replacement)| Edit {
                span: Span::new(start, end),
                replacement,
            })
            .collect()
    }
}

fn conflicts(a: Span, b: Span) -> bool {
    if a.is_empty() || b.is_empty() {
        // An insertion conflicts with an edit it touches (inside or at either end).
        a.start <= b.end && b.start <= a.end
    } else {
        a.start < b.end && b.start < a.end
    }
}

/// Each error's rule and span. Not its message: a message may hold a count a fix changes
/// (`policy-too-large` gives the length).
fn error_spans(diagnostics: &[Diagnostic]) -> Vec<(Arc<RuleId>, Span)> {
    diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| (d.rule.clone(), d.span))
        .collect()
}

/// The first error of `after` that none of `before` (carried to the fixed text) stands
/// for: the same rule at the same place is the same finding, whatever its message says.
fn introduced_error(before: Vec<(Arc<RuleId>, Span)>, after: &[Diagnostic]) -> Option<String> {
    let mut unmatched: HashMap<(&str, Span), usize> = HashMap::new();
    for (rule, span) in &before {
        *unmatched.entry((rule.code.as_str(), *span)).or_default() += 1;
    }
    let new = after
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .find(
            |d| match unmatched.get_mut(&(d.rule.code.as_str(), d.span)) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    false
                }
                _ => true,
            },
        )?;
    Some(format!(
        "the fixed text would have a new error ({} {})",
        new.rule.code, new.message
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Fix;
    use crate::engine::lint_text;

    fn edit(start: usize, end: usize) -> Span {
        Span::new(start, end)
    }

    #[test]
    fn touching_deletions_do_not_conflict_but_insertions_at_their_ends_do() {
        assert!(!conflicts(edit(0, 5), edit(5, 9)));
        assert!(conflicts(edit(0, 5), edit(4, 9)));
        assert!(conflicts(edit(5, 5), edit(0, 5)));
        assert!(conflicts(edit(5, 5), edit(5, 5)));
        assert!(!conflicts(edit(6, 6), edit(0, 5)));
    }

    fn with_fix(rules: &RuleSet, text: &str, fix: Fix) -> Vec<Diagnostic> {
        let mut diagnostics = lint_text(rules, text).diagnostics;
        diagnostics[0].fix = Some(fix);
        diagnostics
    }

    #[test]
    fn a_fix_that_breaks_the_json_or_adds_an_error_is_refused() {
        let rules = RuleSet::builtin().unwrap();
        let text = "{\"Version\": \"1\", \"Statement\": [{\"Effect\": \"Allow\", \"Action\": [\"ecs:A\", \"ecs:A\"], \"Resource\": \"*\"}]}";
        let closing_brace = text.len() - 1;
        let breaks_json = Fix::new(
            Applicability::Safe,
            "bad",
            vec![Edit::delete(Span::new(closing_brace, text.len()))],
        );
        let outcome = fix_text(
            &rules,
            text,
            with_fix(&rules, text, breaks_json),
            FixMode::Safe,
        );
        assert_eq!(outcome.text, text);
        assert_eq!(outcome.fixed, 0);
        assert!(outcome.refused.unwrap().reason.contains("would not parse"));

        let effect = text.find("Allow").unwrap();
        let bad_effect = Fix::new(
            Applicability::Safe,
            "bad",
            vec![Edit::replace(Span::new(effect, effect + 5), "Permit")],
        );
        let outcome = fix_text(
            &rules,
            text,
            with_fix(&rules, text, bad_effect),
            FixMode::Safe,
        );
        assert_eq!(outcome.text, text);
        assert!(outcome.refused.unwrap().reason.contains("new error (PL008"));
    }

    #[test]
    fn unsafe_fixes_wait_for_unsafe_mode() {
        let rules = RuleSet::builtin().unwrap();
        let text = "{\"Version\": \"1\", \"Statement\": [{\"Effect\": \"Allow\", \"Action\": [\"ecs:A\", \"ecs:A\"], \"Resource\": \"*\"}]}";
        let fix = Fix::new(
            Applicability::Unsafe,
            "drop",
            vec![Edit::delete(Span::new(
                text.find(", \"ecs:A\"").unwrap(),
                text.find("]").unwrap(),
            ))],
        );
        let safe = fix_text(
            &rules,
            text,
            with_fix(&rules, text, fix.clone()),
            FixMode::Safe,
        );
        assert_eq!(safe.fixed, 0);
        let unsafe_ = fix_text(&rules, text, with_fix(&rules, text, fix), FixMode::Unsafe);
        assert_eq!(unsafe_.fixed, 1);
        assert!(unsafe_.text.contains("[\"ecs:A\"]"));
    }

    #[test]
    fn repeated_duplicates_are_all_removed_and_the_result_is_stable() {
        let rules = RuleSet::builtin().unwrap();
        let text = "{\n  \"Version\": \"1\",\n  \"Statement\": [\n    {\n      \"Effect\": \"Allow\",\n      \"Action\": [\n        \"oss:GetObject\",\n        \"oss:GetObject\",\n        \"oss:GetObject\",\n        \"oss:PutObject\"\n      ],\n      \"Resource\": \"acs:oss:*:*:b/*\"\n    }\n  ]\n}\n";
        let diagnostics = lint_text(&rules, text).diagnostics;
        let outcome = fix_text(&rules, text, diagnostics, FixMode::Safe);
        assert_eq!(outcome.refused, None);
        assert_eq!(outcome.fixed, 2);
        assert_eq!(
            outcome.text,
            text.replace(
                "        \"oss:GetObject\",\n        \"oss:GetObject\",\n",
                ""
            )
        );
        let again = fix_text(&rules, &outcome.text, outcome.diagnostics, FixMode::Safe);
        assert_eq!((again.fixed, again.text), (0, outcome.text));
    }
}
