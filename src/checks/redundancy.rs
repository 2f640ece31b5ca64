//! Entries that add nothing: the same action or resource twice, an entry a wildcard in the
//! same list already matches, a statement that repeats an earlier one, a Sid used twice.
//! Every check here is linear in the size of the policy (short lists are compared pairwise,
//! long ones hashed by a canonical form) or, for statements, O(n log n); the wildcard ones
//! compare each entry with the wildcards of its own list that could cover it (all of them
//! in a short list, those an index of literal runs finds in a long one).

use super::{CheckContext, for_each_repeat};
use crate::diagnostic::{Finding, Fix};
use crate::fix::remove_array_element;
use crate::matching::{CoverIndex, Pattern, trim};
use crate::model::{Entry, Statement, Values};
use crate::parse::Node;
use std::borrow::Cow;
use std::collections::HashSet;

mod repeated_statements;

pub use repeated_statements::{duplicate_statement, repeated_statements};

/// Verbs of one action family: when a statement grants two of them for a noun and lists one
/// twice, the missing one is the likely intent (`Get`, `Get`, `Delete` -> `Put`).
const FAMILY: [&str; 3] = ["Get", "Put", "Delete"];

/// PL201: the same action twice in one statement (actions compare case-insensitively).
pub fn duplicate_action(ctx: &CheckContext, out: &mut Vec<Finding>) {
    let Some(policy) = ctx.policy else { return };
    for statement in policy.statements {
        for values in [&statement.action, &statement.not_action]
            .into_iter()
            .flatten()
        {
            report_repeats(values, out);
        }
    }
}

fn report_repeats(values: &Values, out: &mut Vec<Finding>) {
    let Some(items) = values.array_items() else {
        return;
    };
    let folded = |text: &str| trim(text).to_ascii_lowercase();
    // Built on the first repeat only: most statements have none.
    let mut listed: Option<HashSet<String>> = None;
    let entries = &values.entries;
    for_each_repeat(
        entries,
        |a, b| trim(a.text).eq_ignore_ascii_case(trim(b.text)),
        |e| folded(e.text),
        |i, first| {
            let entry = &entries[i];
            let listed = listed.get_or_insert_with(|| values.texts().map(folded).collect());
            let mut help = "remove the repeated entry".to_string();
            if let Some(intended) = likely_intended(entry.text.trim(), listed) {
                help.push_str(&format!("; did you mean `{intended}`?"));
            }
            out.push(
                repeat(
                    entry,
                    entries[first].node,
                    items,
                    "remove the repeated action",
                )
                .help(help),
            );
        },
    );
}

/// A list entry repeating an earlier one: labelled at the first, fixed by removing the
/// repeat (when that leaves the list clean and non-empty).
fn repeat(entry: &Entry, first: &Node, items: &[Node], fix_title: &str) -> Finding {
    let fix = entry
        .index
        .and_then(|i| remove_array_element(items, i))
        .map(|edit| Fix::safe(fix_title, vec![edit]));
    Finding::new(
        entry.node.span,
        format!(
            "`{}` is already listed in this statement",
            entry.text.trim()
        ),
    )
    .label(first.span, "first listed here")
    .fix(fix)
}

/// PL203: the same resource twice in one statement (resources compare case-sensitively,
/// surrounding whitespace ignored).
pub fn duplicate_resource(ctx: &CheckContext, out: &mut Vec<Finding>) {
    let Some(policy) = ctx.policy else { return };
    for values in policy.statements.iter().flat_map(resource_lists) {
        let Some(items) = values.array_items() else {
            continue;
        };
        let entries = &values.entries;
        for_each_repeat(
            entries,
            |a, b| trim(a.text) == trim(b.text),
            |e| trim(e.text),
            |i, first| {
                out.push(
                    repeat(
                        &entries[i],
                        entries[first].node,
                        items,
                        "remove the repeated resource",
                    )
                    .help("remove the repeated entry"),
                );
            },
        );
    }
}

fn resource_lists<'s, 'n>(statement: &'s Statement<'n>) -> impl Iterator<Item = &'s Values<'n>> {
    [&statement.resource, &statement.not_resource]
        .into_iter()
        .flatten()
}

/// How one kind of list compares its entries.
struct ListKind {
    /// Entries with the same key are repeats (PL201, PL203), not redundancies.
    key: fn(&str) -> Cow<'_, str>,
    /// Actions match in any case, resources exactly.
    ignore_case: bool,
    noun: &'static str,
}

const ACTIONS: ListKind = ListKind {
    key: |text| Cow::Owned(trim(text).to_ascii_lowercase()),
    ignore_case: true,
    noun: "action",
};

const RESOURCES: ListKind = ListKind {
    key: |text| Cow::Borrowed(trim(text)),
    ignore_case: false,
    noun: "resource",
};

/// PL202: an action that a wildcard action of the same list already matches.
pub fn redundant_action(ctx: &CheckContext, out: &mut Vec<Finding>) {
    let Some(policy) = ctx.policy else { return };
    for statement in policy.statements {
        for values in [&statement.action, &statement.not_action]
            .into_iter()
            .flatten()
        {
            report_covered(values, &ACTIONS, out);
        }
    }
}

/// PL204: a resource that a wildcard resource of the same list already matches.
pub fn redundant_resource(ctx: &CheckContext, out: &mut Vec<Finding>) {
    let Some(policy) = ctx.policy else { return };
    for values in policy.statements.iter().flat_map(resource_lists) {
        report_covered(values, &RESOURCES, out);
    }
}

/// A pattern that can stand for more than itself. AWS policy variables `${*}` and `${?}`
/// stand for a literal `*` and `?`, so a pattern holding one is not trusted to cover others.
fn is_wildcard(text: &str) -> bool {
    // On bytes: every entry of every list is asked, and `str` searches decode characters
    // or set up a substring searcher first.
    let bytes = text.as_bytes();
    memchr::memchr2(b'*', b'?', bytes).is_some()
        && !bytes.windows(4).any(|w| w == b"${*}" || w == b"${?}")
}

/// Reports every entry that another entry of the list covers. Coverage is a preorder
/// (equivalent spellings such as `a*` and `a**` cover each other), so an entry is reported
/// when something covers it strictly, or covers it equally and comes first: that way the
/// entries that are kept always cover the ones removed, and one pass of `--fix` may remove
/// them all. Exact repeats are left to the duplicate rules.
fn report_covered(values: &Values, kind: &ListKind, out: &mut Vec<Finding>) {
    let Some(items) = values.array_items() else {
        return;
    };
    let entries = &values.entries;
    // Most lists hold no wildcard, and then nothing here can be redundant.
    if !entries.iter().any(|e| is_wildcard(e.text)) {
        return;
    }
    // Repeats of an earlier entry are the duplicate rules' findings, and only first
    // occurrences cover anything here.
    let keys: Vec<Cow<str>> = entries.iter().map(|e| (kind.key)(e.text)).collect();
    let mut seen = HashSet::with_capacity(keys.len());
    let is_repeat: Vec<bool> = keys.iter().map(|key| !seen.insert(key)).collect();
    let wildcards: Vec<usize> = (0..entries.len())
        .filter(|&i| !is_repeat[i] && is_wildcard(entries[i].text))
        .collect();
    let patterns: Vec<Pattern> = entries
        .iter()
        .map(|e| Pattern::new(trim(e.text), kind.ignore_case))
        .collect();
    let dominates = |by: usize, i: usize| {
        keys[by] != keys[i]
            && patterns[by].covers(&patterns[i])
            && (by < i || !patterns[i].covers(&patterns[by]))
    };
    // Short lists compare every entry with every wildcard; long ones ask an index which
    // wildcards could cover each entry, so that the work grows with the list, not its square.
    let index = (wildcards.len() * entries.len() > INDEX_FROM)
        .then(|| CoverIndex::new(&patterns, &wildcards));
    let mut buffer = Vec::new();
    let dominated: Vec<bool> = (0..entries.len())
        .map(|i| {
            !is_repeat[i]
                && candidates(index.as_ref(), &wildcards, &patterns[i], &mut buffer)
                    .iter()
                    .any(|&w| dominates(w, i))
        })
        .collect();
    for (i, entry) in entries.iter().enumerate().filter(|(i, _)| dominated[*i]) {
        // Name an entry that stays: dominance is a strict partial order, so one exists.
        let Some(&by) = candidates(index.as_ref(), &wildcards, &patterns[i], &mut buffer)
            .iter()
            .find(|&&w| !dominated[w] && dominates(w, i))
        else {
            continue;
        };
        out.push(covered_finding(items, entry, &entries[by], kind));
    }
}

/// Past this many (wildcard, entry) pairs, a list's wildcards are indexed.
const INDEX_FROM: usize = 1024;

/// The wildcards that may cover `pattern`, in list order: all of them, or those the
/// index finds.
fn candidates<'a>(
    index: Option<&CoverIndex>,
    wildcards: &'a [usize],
    pattern: &Pattern,
    buffer: &'a mut Vec<usize>,
) -> &'a [usize] {
    match index {
        Some(index) => {
            index.candidates(pattern, buffer);
            buffer
        }
        None => wildcards,
    }
}

fn covered_finding(items: &[Node], entry: &Entry, by: &Entry, kind: &ListKind) -> Finding {
    let (text, wildcard) = (entry.text.trim(), by.text.trim());
    let fix = entry
        .index
        .and_then(|i| remove_array_element(items, i))
        .map(|edit| Fix::safe(format!("remove the redundant {}", kind.noun), vec![edit]));
    Finding::new(
        entry.node.span,
        format!("`{text}` is redundant: `{wildcard}` in the same list already matches it"),
    )
    .label(by.node.span, format!("`{wildcard}` matches `{text}`"))
    .help(format!(
        "remove `{text}`; the statement means the same without it (if `{wildcard}` is broader than intended, narrow it instead)"
    ))
    .fix(fix)
}

/// PL206: two statements with the same Sid (compared exactly; empty Sids name nothing and
/// are left alone).
pub fn duplicate_sid(ctx: &CheckContext, out: &mut Vec<Finding>) {
    let Some(policy) = ctx.policy else { return };
    let sids: Vec<(&str, &Node)> = policy
        .statements
        .iter()
        .filter_map(|statement| {
            let sid = &statement.sid?.value;
            Some((sid.as_str().filter(|s| !s.trim().is_empty())?, sid))
        })
        .collect();
    for_each_repeat(
        &sids,
        |a, b| a.0 == b.0,
        |&(text, _)| text,
        |i, first| {
            let (text, sid) = sids[i];
            out.push(
                Finding::new(
                    sid.span,
                    format!("Sid `{text}` is already used by an earlier statement"),
                )
                .label(sids[first].1.span, "first used here")
                .help("give each statement its own Sid, or drop the Sid of one of them: a Sid is meant to identify one statement (AWS IAM requires Sids to be unique within a policy)"),
            );
        },
    );
}

fn likely_intended(action: &str, listed: &HashSet<String>) -> Option<String> {
    let (service, name) = action.split_once(':')?;
    let (verb, noun) = FAMILY
        .iter()
        .find_map(|verb| name.strip_prefix(verb).map(|noun| (*verb, noun)))?;
    let granted = |v: &str| listed.contains(&format!("{service}:{v}{noun}").to_ascii_lowercase());
    let others_present = FAMILY.iter().any(|v| *v != verb && granted(v));
    let missing: Vec<&str> = FAMILY.iter().copied().filter(|v| !granted(v)).collect();
    match (others_present, missing.as_slice()) {
        (true, [only]) => Some(format!("{service}:{only}{noun}")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::lint_text;
    use crate::rules::RuleSet;

    fn findings(text: &str, code: &str) -> Vec<(usize, String)> {
        let mut rules = RuleSet::builtin().unwrap();
        rules.retain_selected(&[code.to_string()], &[]).unwrap();
        lint_text(&rules, text)
            .diagnostics
            .into_iter()
            .map(|d| (d.span.start, d.message))
            .collect()
    }

    /// `${*}` and `${?}` are AWS variables for a literal `*` and `?`: an entry holding one
    /// covers nothing else, whatever its other characters.
    #[test]
    fn entries_with_literal_wildcard_variables_cover_nothing() {
        assert!(is_wildcard("oss:Get*") && is_wildcard("b/?") && !is_wildcard("oss:GetObject"));
        assert!(!is_wildcard("b/${*}x*") && !is_wildcard("b/${?}") && is_wildcard("b/${x}*"));
        let policy = |resources: &str| {
            format!(
                r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": "s3:GetObject", "Resource": [{resources}]}}]}}"#
            )
        };
        assert!(
            findings(
                &policy(r#""arn:aws:s3:::b/${*}", "arn:aws:s3:::b/${*}x}""#),
                "PL204"
            )
            .is_empty()
        );
        assert_eq!(
            findings(
                &policy(r#""arn:aws:s3:::b/*", "arn:aws:s3:::b/${*}x}""#),
                "PL204"
            )
            .len(),
            1
        );
    }

    /// 5,000 statements: statement `i` repeats statement `i - 2500` (spelt differently)
    /// when `i >= 2500` and `i % 5 == 0`, and reuses the Sid of statement `i - 1000` when
    /// `i >= 1000` and `i % 7 == 0`. Checks which statements are reported, not how fast.
    #[test]
    fn large_policies_get_exactly_their_duplicates() {
        let count = 5000;
        let mut statements = Vec::with_capacity(count);
        let mut starts = Vec::with_capacity(count);
        let mut text = String::from("{\"Version\": \"1\", \"Statement\": [\n");
        for i in 0..count {
            let original = if i >= 2500 && i % 5 == 0 { i - 2500 } else { i };
            let sid = if i >= 1000 && i % 7 == 0 { i - 1000 } else { i };
            let body = if original == i {
                format!(
                    "\"Effect\": \"Allow\", \"Action\": [\"oss:GetObject\", \"oss:PutObject\"], \"Resource\": \"acs:oss:*:*:bucket-{i}/*\""
                )
            } else {
                format!(
                    "\"Resource\": [\"acs:oss:*:*:bucket-{original}/*\"], \"Action\": [\"oss:putobject\", \"oss:GetObject\"], \"Effect\": \"Allow\""
                )
            };
            if i > 0 {
                text.push_str(",\n");
            }
            starts.push(text.len());
            text.push_str(&format!("{{\"Sid\": \"S{sid}\", {body}}}"));
            statements.push((original, sid));
        }
        text.push_str("\n]}\n");

        let duplicates = findings(&text, "PL205");
        let expected: Vec<usize> = (0..count).filter(|&i| statements[i].0 != i).collect();
        assert_eq!(expected.len(), 500);
        assert_eq!(
            duplicates.iter().map(|(at, _)| *at).collect::<Vec<_>>(),
            expected.iter().map(|&i| starts[i]).collect::<Vec<_>>()
        );

        let sids = findings(&text, "PL206");
        let expected: Vec<usize> = (0..count).filter(|&i| statements[i].1 != i).collect();
        assert_eq!(sids.len(), expected.len());
        for ((at, message), i) in sids.iter().zip(expected) {
            let sid = format!("S{}", statements[i].1);
            assert_eq!(&text[*at..*at + sid.len() + 2], format!("\"{sid}\""));
            assert!(message.contains(&format!("`{sid}`")), "{message}");
        }
    }

    #[test]
    fn suggests_the_missing_verb() {
        let listed: HashSet<String> = ["oss:getbucketcors", "oss:deletebucketcors"]
            .map(String::from)
            .into();
        assert_eq!(
            likely_intended("oss:GetBucketCors", &listed).as_deref(),
            Some("oss:PutBucketCors")
        );
        let only_get: HashSet<String> = ["oss:getbucketcors"].map(String::from).into();
        assert_eq!(likely_intended("oss:GetBucketCors", &only_get), None);
    }
}
