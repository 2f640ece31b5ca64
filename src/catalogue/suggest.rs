//! Suggestions for names a catalogue lacks, in the order `unknown-action` and
//! `unknown-service` offer them: the alias table (an API name written as an action), the
//! one other service that has the very action, the service-code alias, then a close
//! spelling. A close spelling is one edit away (insertion, deletion, substitution or swap
//! of neighbours) and never one that changes the meaning: not a digit (`Ipv4`/`Ipv6`), not
//! one verb for another (`Get`/`Set`), and not a plural unless the service's list is a
//! full table (API versions of the OpenAPI index differ in exactly that).
//!
//! Searches scan lists, and the names asked about recur across the files of a run: their
//! answers are remembered per thread (`memo.rs`).

use super::{Action, ActionList, Catalogue, Service};
use crate::memo::{self, Memory};
use crate::model::Dialect;
use std::cell::RefCell;

/// Names this short are too easily one edit away from an unrelated real action.
pub(super) const MIN_SUGGESTION_LENGTH: usize = 6;

/// Why a replacement is suggested.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// The alias table: an API or SDK name, authorized as this action.
    Alias(&'static str),
    /// The one other service that has an action of this name.
    OtherService,
    /// A service-code alias (`dns` is `alidns`).
    ServiceAlias(&'static str),
    /// A close spelling of a service that has this action.
    ServiceTypo,
    /// A close spelling of one of the service's actions.
    Typo,
}

/// A replacement for a name the catalogue lacks: the service code, and the action name or
/// `None` to keep the name as written (a service-code suggestion for a pattern).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Suggestion {
    pub service: &'static str,
    pub action: Option<&'static str>,
    pub reason: Reason,
}

impl Suggestion {
    /// The whole replacement, the service as `written_service` if the suggestion keeps it.
    pub fn replacement(&self, written_service: &str, written_name: &str) -> String {
        let service = match self.reason {
            Reason::Typo => written_service,
            _ => self.service,
        };
        format!("{service}:{}", self.action.unwrap_or(written_name))
    }

    /// Why, for the help line; `None` for a plain misspelling. `written` is the name as
    /// written (an API name, for an alias).
    pub fn why(&self, catalogue: Catalogue, written: &str) -> Option<String> {
        let cloud = match catalogue.dialect() {
            Dialect::Ram => "RAM",
            Dialect::Aws => "IAM",
        };
        match self.reason {
            Reason::Alias(_) => Some(format!(
                "`{written}` is an API name, which {cloud} authorizes as `{}:{}`",
                self.service,
                self.action.unwrap_or("")
            )),
            Reason::OtherService => Some(format!(
                "`{}` is the one service with that action",
                self.service
            )),
            Reason::ServiceAlias(_) => {
                Some(format!("the service's {cloud} code is `{}`", self.service))
            }
            Reason::ServiceTypo | Reason::Typo => None,
        }
    }
}

impl Catalogue {
    /// A replacement for `service:name`, where `service` lacks `name` (a plain name, no
    /// wildcard).
    pub fn suggestion(self, service: Service, name: &str) -> Option<Suggestion> {
        if let Some(found) = self.alias_for(service.code(), name) {
            return Some(found);
        }
        remembered(Search::Action, self.dialect, service.code(), name, || {
            self.other_service_with(service, name)
                .or_else(|| typo_in(service, name))
        })
    }

    /// A replacement for `code:name` where the catalogue lacks the service `code`
    /// (lower-case): its alias, a close code that has the action, or the one service
    /// that has it. `name` may be a pattern; then only the alias is tried.
    pub fn service_suggestion(self, code: &str, name: &str) -> Option<Suggestion> {
        if let Some((target, source)) = self.service_alias(code) {
            let service = self.service(target)?;
            return Some(Suggestion {
                service: service.code(),
                action: service.action(name).map(Action::name),
                reason: Reason::ServiceAlias(source),
            });
        }
        if name.contains(['*', '?']) || code.len() < 2 {
            return None;
        }
        remembered(Search::Service, self.dialect, code, name, || {
            self.closest_service_with(code, name).or_else(|| {
                self.only_service_with(name).map(|action| Suggestion {
                    service: action.service().code(),
                    action: Some(action.name()),
                    reason: Reason::OtherService,
                })
            })
        })
    }

    fn alias_for(self, code: &str, name: &str) -> Option<Suggestion> {
        let key = format!("{code}:{name}");
        let (target, source) = self.action_alias(&key)?;
        let action = self.action(target)?;
        Some(Suggestion {
            service: action.service().code(),
            action: Some(action.name()),
            reason: Reason::Alias(source),
        })
    }

    /// The action `name` of the one service other than `service` that has it. Where
    /// `service`'s list is partial, the name may well be one of its actions the list lacks
    /// (`ram:DeleteServiceLinkedRole` is real, though only Resource Manager's API list has
    /// the name): then only a service people mix it up with counts (`ram` and `sts`).
    fn other_service_with(self, service: Service, name: &str) -> Option<Suggestion> {
        if name.chars().count() < MIN_SUGGESTION_LENGTH {
            return None;
        }
        let action = if service.action_list() >= ActionList::Table {
            self.only_service_with(name)?
        } else {
            // Only the services it is mixed up with: a few lookups, not one per service.
            let mut found = self
                .confusable_with(service.code())
                .filter_map(|code| self.service(code)?.action(name));
            let first = found.next()?;
            found.next().is_none().then_some(first)?
        };
        let other = action.service();
        (other != service).then(|| Suggestion {
            service: other.code(),
            action: Some(action.name()),
            reason: Reason::OtherService,
        })
    }

    /// The action `name` when exactly one service has one of that name.
    fn only_service_with(self, name: &str) -> Option<Action> {
        let mut found = self.actions_named(name);
        let first = found.next()?;
        found.next().is_none().then_some(first)
    }

    /// A known service at most two edits from `code` (and fewer than its length) that has
    /// the action `name`: the action backs the suggestion.
    fn closest_service_with(self, code: &str, name: &str) -> Option<Suggestion> {
        let code_length = code.chars().count();
        let mut candidates: Vec<(usize, Action)> = self
            .services()
            .filter(|known| {
                known.code().len().abs_diff(code_length) <= 2
                    && may_be_within_edits(known.code(), code, 2)
            })
            .map(|known| (strsim::osa_distance(known.code(), code), known))
            .filter(|&(distance, known)| distance <= 2 && distance < known.code().len())
            .filter_map(|(distance, known)| Some((distance, known.action(name)?)))
            .collect();
        candidates.sort_by_key(|&(distance, action)| (distance, action.service().code()));
        candidates.first().map(|&(_, action)| Suggestion {
            service: action.service().code(),
            action: Some(action.name()),
            reason: Reason::ServiceTypo,
        })
    }
}

/// The action of `service` that `name` is very probably a typo of.
fn typo_in(service: Service, name: &str) -> Option<Suggestion> {
    if name.chars().count() < MIN_SUGGESTION_LENGTH || service.action(name).is_some() {
        return None;
    }
    let plurals = service.action_list() >= ActionList::Table;
    let written = name.as_bytes();
    service
        .actions()
        .filter(|known| known.name().len().abs_diff(written.len()) <= 1)
        .filter(|known| one_edit_apart(known.name().as_bytes(), written))
        .filter(|known| plurals || !is_plural_pair(known.name(), name))
        .filter(|known| !changes_meaning(known.name(), name))
        .map(|known| known.name())
        .min()
        .map(|action| Suggestion {
            service: service.code(),
            action: Some(action),
            reason: Reason::Typo,
        })
}

/// Verbs actions start with that one edit can turn into one another (`Get`/`Set`,
/// `Count`/`Mount`, `Start`/`Stat`): such an edit is another action, not a typo.
const VERBS: &[&str] = &[
    "add", "bind", "cancel", "check", "copy", "count", "create", "delete", "describe", "detach",
    "attach", "disable", "enable", "find", "get", "head", "join", "list", "lock", "mount", "move",
    "open", "post", "put", "read", "reset", "run", "save", "send", "set", "start", "stat", "stop",
    "tag", "test", "update", "view",
];

/// Whether the one edit between a known action and a written name changes its meaning: it
/// adds, removes or changes a digit, or it turns the known action's verb into another.
fn changes_meaning(known: &str, written: &str) -> bool {
    let (a, b) = (known.as_bytes(), written.as_bytes());
    let prefix = a
        .iter()
        .zip(b)
        .take_while(|(x, y)| x.eq_ignore_ascii_case(y))
        .count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x.eq_ignore_ascii_case(y))
        .count();
    let differs = |s: &[u8]| s[prefix..s.len() - suffix].iter().any(u8::is_ascii_digit);
    if differs(a) || differs(b) {
        return true;
    }
    let verb_end = known
        .char_indices()
        .skip(1)
        .find(|(_, c)| !c.is_ascii_lowercase())
        .map_or(known.len(), |(i, _)| i);
    if prefix >= verb_end {
        return false;
    }
    let written_end = (verb_end + b.len()).saturating_sub(a.len()).min(b.len());
    let is_verb = |s: &[u8]| {
        VERBS
            .iter()
            .any(|verb| verb.as_bytes().eq_ignore_ascii_case(s))
    };
    is_verb(&a[..verb_end]) && is_verb(&b[..written_end])
}

/// The candidate fewest edits from `word` (optimal string alignment distance, ignoring
/// ASCII case), if that is at most `max_edits`; ties go to the first in sort order. Two
/// lengths that differ by more than `max_edits` characters rule a candidate out before
/// any distance is computed.
pub(super) fn closest_by_edits<'c>(
    word: &str,
    candidates: impl IntoIterator<Item = &'c str>,
    max_edits: usize,
) -> Option<&'c str> {
    let word = word.to_ascii_lowercase();
    let length = word.chars().count();
    candidates
        .into_iter()
        .filter(|candidate| {
            candidate.chars().count().abs_diff(length) <= max_edits
                && may_be_within_edits(candidate, &word, max_edits)
        })
        .map(|candidate| {
            let distance = strsim::osa_distance(&candidate.to_ascii_lowercase(), &word);
            (distance, candidate)
        })
        .filter(|(distance, _)| *distance <= max_edits)
        .min()
        .map(|(_, candidate)| candidate)
}

/// The searches whose answers are remembered: each asks its own questions.
#[derive(Clone, Copy)]
pub(super) enum Search {
    Action,
    Service,
    ConditionKey,
    ConditionOperator,
}

thread_local! {
    /// The searches' answers (`memo`).
    static SEARCHES: RefCell<Memory<Option<Suggestion>>> = RefCell::default();
    static WORDS: RefCell<Memory<Option<&'static str>>> = RefCell::default();
}

/// `search()`, or the answer it gave this thread for the same question before.
fn remembered(
    kind: Search,
    dialect: Dialect,
    code: &str,
    name: &str,
    search: impl FnOnce() -> Option<Suggestion>,
) -> Option<Suggestion> {
    // The code's length keeps every (code, name) pair's question its own.
    let question = format!("{}:{code}{name}", code.len());
    memo::recall(&SEARCHES, asker(kind, dialect), &question, search)
}

/// `search()` for a word, remembered like the suggestions.
pub(super) fn remembered_word(
    kind: Search,
    word: &str,
    search: impl FnOnce() -> Option<&'static str>,
) -> Option<&'static str> {
    remembered_dialect_word(kind, Dialect::Ram, word, search)
}

/// `remembered_word` for a word of one dialect's vocabulary.
pub(super) fn remembered_dialect_word(
    kind: Search,
    dialect: Dialect,
    word: &str,
    search: impl FnOnce() -> Option<&'static str>,
) -> Option<&'static str> {
    memo::recall(&WORDS, asker(kind, dialect), word, search)
}

fn asker(kind: Search, dialect: Dialect) -> u64 {
    kind as u64 * 2 + u64::from(dialect == Dialect::Aws)
}

/// False when `a` and `b` (ASCII letters compared in any case) are surely more than
/// `max_edits` edits apart: an edit adds at most one character that the other string
/// lacks and removes at most one, so a character present in one and absent from the
/// other costs half an edit at least. Far cheaper than measuring the distance, which
/// most candidates of a typo search need not have measured.
pub(super) fn may_be_within_edits(a: &str, b: &str, max_edits: usize) -> bool {
    fn present(s: &str) -> Option<u128> {
        s.bytes().try_fold(0u128, |set, byte| {
            byte.is_ascii()
                .then(|| set | 1 << byte.to_ascii_lowercase())
        })
    }
    match (present(a), present(b)) {
        (Some(a), Some(b)) => ((a ^ b).count_ones() as usize) <= 2 * max_edits,
        _ => true,
    }
}

/// Whether one insertion, deletion, substitution or swap of neighbours turns `a` into `b`,
/// ASCII letters compared in any case (optimal string alignment distance exactly 1), in
/// one pass without allocating: the service's actions are scanned for every unlisted one.
pub(super) fn one_edit_apart(a: &[u8], b: &[u8]) -> bool {
    let same = |x: &u8, y: &u8| x.eq_ignore_ascii_case(y);
    if a.len().abs_diff(b.len()) > 1
        || (a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y)))
    {
        return false;
    }
    let prefix = a.iter().zip(b).take_while(|(x, y)| same(x, y)).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| same(x, y))
        .count();
    let (rest_a, rest_b) = (a.len() - prefix - suffix, b.len() - prefix - suffix);
    match (rest_a, rest_b) {
        // One character inserted, deleted or replaced.
        (0, 1) | (1, 0) | (1, 1) => true,
        // Two neighbours swapped.
        (2, 2) => same(&a[prefix], &b[prefix + 1]) && same(&a[prefix + 1], &b[prefix]),
        _ => false,
    }
}

fn is_plural_pair(a: &str, b: &str) -> bool {
    let plural_of = |long: &str, short: &str| {
        long.len() == short.len() + 1
            && long.as_bytes()[..short.len()].eq_ignore_ascii_case(short.as_bytes())
            && long.ends_with(['s', 'S'])
    };
    plural_of(a, b) || plural_of(b, a)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    #[test]
    fn one_edit_apart_agrees_with_the_edit_distance() {
        let words = [
            "getobject",
            "GetObjekt",
            "getobjcet",
            "getobjectx",
            "etobject",
            "gteobject",
            "getobj",
            "xgetobject",
            "getbucket",
            "GETOBJECT",
            "a",
            "ab",
            "ba",
            "abc",
            "acb",
            "bca",
            "",
        ];
        for a in words {
            for b in words {
                let expected =
                    strsim::osa_distance(&a.to_ascii_lowercase(), &b.to_ascii_lowercase()) == 1;
                assert_eq!(
                    one_edit_apart(a.as_bytes(), b.as_bytes()),
                    expected,
                    "{a} {b}"
                );
            }
        }
    }

    #[test]
    fn edits_that_change_the_meaning() {
        assert!(changes_meaning(
            "DescribeIpv6Gateways",
            "DescribeIpv4Gateways"
        ));
        assert!(changes_meaning(
            "DescribeIpv6Gateways",
            "DescribeIpvGateways"
        ));
        assert!(changes_meaning("SetBucketAcl", "GetBucketAcl"));
        assert!(changes_meaning("StartInstance", "StatInstance"));
        assert!(changes_meaning("MountTarget", "countTarget"));
        assert!(!changes_meaning("CreateDrdsDB", "CeateDrdsDB"));
        assert!(!changes_meaning("ListAliases", "ListeAliases"));
        assert!(!changes_meaning("GetObject", "GetObjects"));
        assert!(!changes_meaning("DescribeInstances", "DescribeInstancse"));
        assert!(!changes_meaning("GetObject", "GetObjet"));
    }

    #[test]
    fn may_be_within_edits_never_rules_out_a_close_pair() {
        let mut words: Vec<String> = super::super::ram()
            .services()
            .map(|s| s.code().to_string())
            .collect();
        words.extend(
            [
                "os",
                "ossx",
                "eccs",
                "ecs",
                "RAM",
                "rma",
                "sts",
                "kms",
                "lgo",
                "Ëcs",
                "o s",
                "",
                "a",
                "ab",
                "ba",
                "GetObject",
                "getobjekt",
                "GETOBJCET",
            ]
            .map(String::from),
        );
        let mut ruled_out = 0;
        for a in &words {
            for b in &words {
                let distance = strsim::osa_distance(&a.to_lowercase(), &b.to_lowercase());
                for max_edits in 0..4 {
                    let possible = may_be_within_edits(a, b, max_edits);
                    assert!(possible || distance > max_edits, "{a} {b} {max_edits}");
                    ruled_out += usize::from(!possible);
                }
            }
        }
        assert!(
            ruled_out > words.len() * words.len(),
            "the filter rules out most pairs"
        );
    }
}
