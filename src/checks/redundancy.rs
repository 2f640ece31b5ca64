//! Entries that add nothing: the same action or resource twice, an entry a wildcard in the
//! same list already matches. The repeat checks are linear (hash maps); the wildcard ones
//! compare each entry with the wildcards of its own list only.

use super::CheckContext;
use crate::diagnostic::{Finding, Fix};
use crate::fix::remove_array_element;
use crate::matching::{action_covers, resource_covers};
use crate::model::{Entry, Statement, Values};
use crate::parse::Node;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

/// Verbs of one action family: when a statement grants two of them for a noun and lists one
/// twice, the missing one is the likely intent (`Get`, `Get`, `Delete` -> `Put`).
const FAMILY: [&str; 3] = ["Get", "Put", "Delete"];

/// PL201: the same action twice in one statement (actions compare case-insensitively).
pub fn duplicate_action(ctx: &CheckContext, out: &mut Vec<Finding>) {
    let Some(policy) = ctx.policy else { return };
    for statement in &policy.statements {
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
    let folded = |text: &str| text.trim().to_ascii_lowercase();
    let mut first_seen = HashMap::with_capacity(values.entries.len());
    // Built on the first repeat only: most statements have none.
    let mut listed: Option<HashSet<String>> = None;
    for entry in &values.entries {
        let Some(first) = first_seen.get(&folded(entry.text)) else {
            first_seen.insert(folded(entry.text), entry.node);
            continue;
        };
        let listed = listed.get_or_insert_with(|| values.texts().map(folded).collect());
        let mut help = "remove the repeated entry".to_string();
        if let Some(intended) = likely_intended(entry.text.trim(), listed) {
            help.push_str(&format!("; did you mean `{intended}`?"));
        }
        let fix = entry
            .index
            .and_then(|i| remove_array_element(items, i))
            .map(|edit| Fix::safe("remove the repeated action", vec![edit]));
        out.push(
            Finding::new(
                entry.node.span,
                format!(
                    "`{}` is already listed in this statement",
                    entry.text.trim()
                ),
            )
            .label(first.span, "first listed here")
            .help(help)
            .fix(fix),
        );
    }
}

/// PL203: the same resource twice in one statement (resources compare case-sensitively,
/// surrounding whitespace ignored).
pub fn duplicate_resource(ctx: &CheckContext, out: &mut Vec<Finding>) {
    let Some(policy) = ctx.policy else { return };
    for values in policy.statements.iter().flat_map(resource_lists) {
        let Some(items) = values.array_items() else {
            continue;
        };
        let mut first_seen: HashMap<&str, &Node> = HashMap::with_capacity(values.entries.len());
        for entry in &values.entries {
            let Some(first) = first_seen.get(entry.text.trim()) else {
                first_seen.insert(entry.text.trim(), entry.node);
                continue;
            };
            let fix = entry
                .index
                .and_then(|i| remove_array_element(items, i))
                .map(|edit| Fix::safe("remove the repeated resource", vec![edit]));
            out.push(
                Finding::new(
                    entry.node.span,
                    format!(
                        "`{}` is already listed in this statement",
                        entry.text.trim()
                    ),
                )
                .label(first.span, "first listed here")
                .help("remove the repeated entry")
                .fix(fix),
            );
        }
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
    covers: fn(&str, &str) -> bool,
    noun: &'static str,
}

const ACTIONS: ListKind = ListKind {
    key: |text| Cow::Owned(text.trim().to_ascii_lowercase()),
    covers: action_covers,
    noun: "action",
};

const RESOURCES: ListKind = ListKind {
    key: |text| Cow::Borrowed(text.trim()),
    covers: resource_covers,
    noun: "resource",
};

/// PL202: an action that a wildcard action of the same list already matches.
pub fn redundant_action(ctx: &CheckContext, out: &mut Vec<Finding>) {
    let Some(policy) = ctx.policy else { return };
    for statement in &policy.statements {
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
    text.contains(['*', '?']) && !text.contains("${*}") && !text.contains("${?}")
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
    let dominates = |by: usize, i: usize| {
        let (general, specific) = (entries[by].text, entries[i].text);
        keys[by] != keys[i]
            && (kind.covers)(general, specific)
            && (by < i || !(kind.covers)(specific, general))
    };
    let dominated: Vec<bool> = (0..entries.len())
        .map(|i| !is_repeat[i] && wildcards.iter().any(|&w| dominates(w, i)))
        .collect();
    for (i, entry) in entries.iter().enumerate().filter(|(i, _)| dominated[*i]) {
        // Name an entry that stays: dominance is a strict partial order, so one exists.
        let Some(&by) = wildcards
            .iter()
            .find(|&&w| !dominated[w] && dominates(w, i))
        else {
            continue;
        };
        out.push(covered_finding(items, entry, &entries[by], kind));
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
