//! Action names against the catalogue of the policy's dialect: actions and services it
//! lacks (PL103, PL104). How sure a finding is follows the service's list
//! ([`ActionList`]): where the list is complete (every AWS service) every name it lacks is
//! reported, with a suggestion when one is known; where it is partial (RAM, whose names
//! come from the OpenAPI index and tables of various dates) only names with a confident
//! suggestion are, as before the catalogue knew AWS.

use super::CheckContext;
use crate::catalogue::{self, ActionList, Catalogue, Suggestion};
use crate::diagnostic::{Edit, Finding, Fix};
use crate::matching::split_once_byte;
use crate::model::{Entry, Statement};
use std::borrow::Cow;

/// Whether a service code or action name has nothing odd in it (wildcards, spaces and
/// malformed names are PL101's business, or cannot be looked up).
pub(super) fn is_plain(part: &str) -> bool {
    !part.is_empty() && part.bytes().all(|b| PLAIN_BYTES[usize::from(b)])
}

/// An action name that is plain but for `*` and `?` wildcards (at least one).
fn is_pattern(part: &str) -> bool {
    part.bytes().any(|b| b == b'*' || b == b'?')
        && part
            .bytes()
            .all(|b| b == b'*' || b == b'?' || PLAIN_BYTES[usize::from(b)])
}

/// The bytes of a plain service code or action name: ASCII letters and digits, `-`, `_`.
/// A table, because every action of every file is checked byte by byte.
const PLAIN_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        let b = byte as u8;
        table[byte] = b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
        byte += 1;
    }
    table
};

pub(super) fn action_entries<'s, 'n>(
    statement: &'s Statement<'n>,
) -> impl Iterator<Item = &'s Entry<'n>> {
    statement
        .action
        .iter()
        .chain(&statement.not_action)
        .flat_map(|values| &values.entries)
}

fn replace_with(entry: &Entry, replacement: &str, title: String) -> Fix {
    let literal = serde_json::to_string(replacement).expect("a string serializes");
    Fix::unsafe_(title, vec![Edit::replace(entry.node.span, literal)])
}

/// Declared real in config: the action itself, or its whole service with `service:*`.
fn declared(ctx: &CheckContext, code: &str, name: &str) -> bool {
    let extra = ctx.extra_actions;
    !extra.is_empty()
        && (extra.contains(&format!("{code}:{}", name.to_ascii_lowercase()))
            || extra.contains(&format!("{code}:*")))
}

/// How much costly catalogue work (typo searches, pattern expansions, resource
/// comparisons; counted in actions or templates looked at) one check may do on one file:
/// far more than any real policy needs, and a bound on a hostile one (a million unknown
/// actions), past which the check stops looking rather than running for minutes.
pub(super) struct Budget(usize);

impl Budget {
    pub(super) fn new() -> Self {
        Budget(2_000_000)
    }

    /// Takes `units` from the budget; false (and nothing taken) when it cannot.
    pub(super) fn spend(&mut self, units: usize) -> bool {
        match self.0.checked_sub(units) {
            Some(left) => {
                self.0 = left;
                true
            }
            None => false,
        }
    }
}

/// What a suggestion search for a name of `service` may cost: a scan of its actions, and a
/// lookup in every service.
fn search_cost(catalogue: Catalogue, service_actions: usize) -> usize {
    service_actions + catalogue.services().len()
}

/// The catalogue of the policy's dialect.
pub(super) fn catalogue_for(ctx: &CheckContext) -> Option<Catalogue> {
    ctx.policy.map(|p| catalogue::for_dialect(p.dialect))
}

/// Service codes are nearly always written in lower case already.
pub(super) fn lower_code(service: &str) -> Cow<'_, str> {
    if service.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(service.to_ascii_lowercase())
    } else {
        Cow::Borrowed(service)
    }
}

/// A finding about `entry`, with the suggestion (if any) as help and as an unsafe fix.
fn report(
    catalogue: Catalogue,
    entry: &Entry,
    message: String,
    suggestion: Option<(Suggestion, String)>,
    fallback_help: String,
) -> Finding {
    let Some((suggestion, replacement)) = suggestion else {
        return Finding::new(entry.node.span, message).help(fallback_help);
    };
    let written = crate::matching::trim(entry.text);
    let help = match suggestion.why(catalogue, written) {
        Some(why) => format!("did you mean `{replacement}`? {why}"),
        None => format!("did you mean `{replacement}`?"),
    };
    let title = format!("replace with `{replacement}`");
    Finding::new(entry.node.span, message)
        .help(help)
        .fix(Some(replace_with(entry, &replacement, title)))
}

/// PL103: an action its (known) service lacks, or a pattern that matches none of its
/// actions.
pub fn unknown_action(ctx: &CheckContext, out: &mut Vec<Finding>) {
    let (Some(policy), Some(catalogue)) = (ctx.policy, catalogue_for(ctx)) else {
        return;
    };
    let Some(resolved) = ctx.resolved_actions() else {
        return;
    };
    let mut budget = Budget::new();
    for (position, statement) in policy.statements.iter().enumerate() {
        for (entry, resolved) in action_entries(statement).zip(resolved.statement(position)) {
            let Some((service_text, name)) = split_once_byte(entry.text, b':') else {
                continue;
            };
            if !is_plain(service_text) {
                continue;
            }
            // An unknown service is PL104's to report. (A plain code starts the entry, so
            // the resolved service is the one it names; so is the action of a plain name.)
            let Some(service) = resolved.service else {
                continue;
            };
            let code = lower_code(service_text);
            if is_plain(name) {
                if resolved.action.is_some()
                    || service.action_list() == ActionList::None
                    || declared(ctx, &code, name)
                    || !budget.spend(search_cost(catalogue, service.actions().len()))
                {
                    continue;
                }
                let suggestion = catalogue.suggestion(service, name);
                if suggestion.is_none() && !service.is_complete() {
                    continue;
                }
                out.push(report(
                    catalogue,
                    entry,
                    format!(
                        "`{service_text}:{name}` is not a known `{code}` action (catalogue: {})",
                        catalogue.label()
                    ),
                    suggestion.map(|s| (s, s.replacement(service_text, name))),
                    format!("list the service's actions with `policylint catalogue '{code}:*'`"),
                ));
            } else if is_pattern(name) {
                if !service.is_complete()
                    || declared(ctx, &code, name)
                    || !budget.spend(service.actions().len())
                    || resolved.matching(service, name).next().is_some()
                {
                    continue;
                }
                out.push(
                    Finding::new(
                        entry.node.span,
                        format!(
                            "`{service_text}:{name}` matches no `{code}` action (catalogue: {})",
                            catalogue.label()
                        ),
                    )
                    .help(format!(
                        "it grants nothing; list the service's actions with `policylint catalogue '{code}:*'`"
                    )),
                );
            }
        }
    }
}

/// PL104: a service code the catalogue lacks. In AWS every one is reported; in RAM, whose
/// catalogue lacks many real services, only one with a suggestion: its alias (`dns` is
/// `alidns`), a close code that has the very action, or the one service that has it.
pub fn unknown_service(ctx: &CheckContext, out: &mut Vec<Finding>) {
    let (Some(policy), Some(catalogue)) = (ctx.policy, catalogue_for(ctx)) else {
        return;
    };
    let Some(resolved) = ctx.resolved_actions() else {
        return;
    };
    let mut budget = Budget::new();
    for (position, statement) in policy.statements.iter().enumerate() {
        for (entry, resolved) in action_entries(statement).zip(resolved.statement(position)) {
            let Some((service_text, name)) = split_once_byte(entry.text, b':') else {
                continue;
            };
            if !is_plain(service_text) || !(is_plain(name) || is_pattern(name)) {
                continue;
            }
            if resolved.service.is_some() {
                continue;
            }
            let code = lower_code(service_text);
            if declared(ctx, &code, name) || !budget.spend(search_cost(catalogue, 0) * 4) {
                continue;
            }
            let suggestion = catalogue.service_suggestion(&code, name);
            if suggestion.is_none() && catalogue.dialect() == crate::model::Dialect::Ram {
                continue;
            }
            out.push(report(
                catalogue,
                entry,
                format!(
                    "`{service_text}` is not a known {} service code (catalogue: {})",
                    catalogue.cloud(),
                    catalogue.label()
                ),
                suggestion.map(|s| (s, s.replacement(service_text, name))),
                "the service may have been renamed or retired; check its current code in the cloud's authorization reference".to_string(),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_actions() {
        let plain = |action: &str| {
            action
                .split_once(':')
                .is_some_and(|(service, name)| is_plain(service) && is_plain(name))
        };
        assert!(plain("oss:GetObject"));
        assert!(plain("cs-2_x:Do-It_9"));
        for odd in [
            "oss:Get*", "oss:", ":Get", "oss", "oss:a:b", "oss :Get", "oss:Gét", "o.s:Get",
        ] {
            assert!(!plain(odd), "{odd}");
        }
        assert!(is_pattern("Get*"));
        assert!(is_pattern("List*Tags"));
        assert!(is_pattern("*"));
        assert!(!is_pattern("GetObject"));
        assert!(!is_pattern("Get *"));
    }
}
