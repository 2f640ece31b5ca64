//! Entries that add nothing: the same action twice.

use super::CheckContext;
use crate::diagnostic::{Finding, Fix};
use crate::fix::remove_array_element;
use crate::model::Values;
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
