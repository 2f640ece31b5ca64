//! Built-in checks: the logic a JSONPath selector cannot express, one file per family.
//! A rule file names one with `builtin = "<name>"`.

pub mod access;
pub mod actions;
pub mod condition_keys;
pub mod conditions;
pub mod escalation;
pub mod oss;
pub mod principals;
pub mod redundancy;
pub mod resolved;
pub mod resource_names;
pub mod resources;
pub mod sids;
pub mod size;
pub mod statements;
pub mod structure;

use crate::diagnostic::Finding;
use crate::model::Policy;
use crate::parse::Node;
use crate::source::Span;

/// What a built-in check sees of one file.
pub struct CheckContext<'a> {
    pub text: &'a str,
    pub root: &'a Node<'a>,
    /// `None` when the top level is not an object.
    pub policy: Option<&'a Policy<'a>>,
    /// The `options` table of the rule's check.
    pub options: &'a toml::Table,
    /// Lower-cased `service:action` names the team declared real (config `extra-actions`).
    pub extra_actions: &'a std::collections::HashSet<String>,
    /// The config's guardrails (`[[forbid]]`, `[[require]]`).
    pub access: &'a crate::access::guardrails::AccessConfig,
    /// The document's action entries resolved in the catalogue, once for all checks
    /// (filled by the first that asks: see [`CheckContext::resolved_actions`]).
    pub resolved: &'a std::cell::OnceCell<resolved::ResolvedActions>,
    /// The statements that repeat an earlier one, once for all checks (see
    /// [`CheckContext::repeated_statements`]).
    pub repeats: &'a std::cell::OnceCell<Vec<(usize, usize)>>,
    /// The Allows PL503 and PL504 look at, once for both (see
    /// [`CheckContext::statement_candidates`]).
    pub statement_candidates: &'a std::cell::OnceCell<statements::Candidates>,
}

impl CheckContext<'_> {
    /// The statements (indices into `Policy::statements`) that mean the same as an earlier
    /// one, each with the earliest it repeats (see `redundancy::repeated_statements`):
    /// PL205 reports them, PL504 leaves them out of what covers. Empty without a policy.
    pub fn repeated_statements(&self) -> &[(usize, usize)] {
        match self.policy {
            Some(policy) => self
                .repeats
                .get_or_init(|| redundancy::repeated_statements(policy)),
            None => &[],
        }
    }

    /// The Allows that other statements (PL504) or Denys (PL503) may cover, found by one
    /// pre-test for both rules (see `statements::candidates`). None without a policy.
    pub fn statement_candidates(&self) -> &statements::Candidates {
        self.statement_candidates.get_or_init(|| match self.policy {
            Some(policy) => statements::candidates(policy),
            None => statements::Candidates::default(),
        })
    }

    /// What the policy's action entries name in its dialect's catalogue; `None` when the
    /// top level is not an object.
    pub fn resolved_actions(&self) -> Option<&resolved::ResolvedActions> {
        let policy = self.policy?;
        Some(
            self.resolved
                .get_or_init(|| resolved::ResolvedActions::of(policy)),
        )
    }
}

pub type BuiltinCheck = fn(&CheckContext, &mut Vec<Finding>);

pub static BUILTINS: &[(&str, BuiltinCheck)] = &[
    ("json-syntax", reported_by_the_parser),
    ("duplicate-key", structure::duplicate_key),
    ("invalid-structure", structure::invalid_structure),
    ("invalid-version", structure::invalid_version),
    ("unknown-element", structure::unknown_element),
    ("invalid-effect", structure::invalid_effect),
    ("missing-element", structure::missing_element),
    ("empty-value", structure::empty_value),
    ("duplicate-action", redundancy::duplicate_action),
    ("redundant-action", redundancy::redundant_action),
    ("duplicate-resource", redundancy::duplicate_resource),
    ("redundant-resource", redundancy::redundant_resource),
    ("duplicate-statement", redundancy::duplicate_statement),
    ("duplicate-sid", redundancy::duplicate_sid),
    ("full-access", access::full_access),
    ("wildcard-resource", access::wildcard_resource),
    ("privilege-escalation", escalation::privilege_escalation),
    ("wildcard-principal", access::wildcard_principal),
    ("missing-list-buckets", oss::missing_list_buckets),
    ("unknown-action", actions::unknown_action),
    ("unknown-service", actions::unknown_service),
    (
        "action-resource-mismatch",
        resources::action_resource_mismatch,
    ),
    ("invalid-condition", conditions::invalid_condition),
    ("unknown-condition-key", conditions::unknown_condition_key),
    ("policy-too-large", size::policy_too_large),
    ("shadowed-statement", statements::shadowed_statement),
    ("redundant-statement", statements::redundant_statement),
    (
        "forbidden-access",
        crate::access::guardrails::forbidden_access,
    ),
    (
        "missing-required-condition",
        crate::access::guardrails::missing_required_condition,
    ),
    ("new-access", reported_by_the_access_diff),
    ("unused-ignore", reported_about_the_run),
    ("invalid-resource", resource_names::invalid_resource),
    ("invalid-principal", principals::invalid_principal),
    ("invalid-sid", sids::invalid_sid),
    (
        "unsupported-condition-key",
        condition_keys::unsupported_condition_key,
    ),
    (
        "condition-type-mismatch",
        condition_keys::condition_type_mismatch,
    ),
    (
        "wildcard-without-like",
        condition_keys::wildcard_without_like,
    ),
];

pub fn builtin(name: &str) -> Option<BuiltinCheck> {
    BUILTINS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|&(_, check)| check)
}

/// Syntax errors come from the parse itself (the engine reports them under the
/// `json-syntax` rule); a file that parsed has none.
fn reported_by_the_parser(_: &CheckContext, _: &mut Vec<Finding>) {}

/// New access is found by comparing a policy with its earlier version (`policylint diff`,
/// `check --base`), never by linting one file.
fn reported_by_the_access_diff(_: &CheckContext, _: &mut Vec<Finding>) {}
/// Unused `[[ignore]]` entries are found at the end of a run (`runner::unused_ignore_reports`),
/// in config files; a policy has none.
fn reported_about_the_run(_: &CheckContext, _: &mut Vec<Finding>) {}

/// The first character of a node: where a finding about a whole object points, so the
/// report shows the opening brace rather than the whole object.
pub fn opening(node: &Node) -> Span {
    Span::new(node.span.start, node.span.start + 1)
}

/// Calls `found(i, first)` for every item that repeats an earlier one, `first` being the
/// index of the earliest equal item. `same(a, b)` must hold exactly when `key(a) ==
/// key(b)`. Lists in policies hold a handful of items: those are compared pairwise, which
/// costs less than hashing; only long lists are hashed.
pub fn for_each_repeat<'a, T, K: std::hash::Hash + Eq>(
    items: &'a [T],
    same: impl Fn(&T, &T) -> bool,
    key: impl Fn(&'a T) -> K,
    mut found: impl FnMut(usize, usize),
) {
    const PAIRWISE_UP_TO: usize = 16;
    if items.len() <= PAIRWISE_UP_TO {
        for (i, item) in items.iter().enumerate() {
            if let Some(first) = items[..i].iter().position(|earlier| same(earlier, item)) {
                found(i, first);
            }
        }
        return;
    }
    let mut first_seen = std::collections::HashMap::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        match first_seen.entry(key(item)) {
            std::collections::hash_map::Entry::Occupied(first) => found(i, *first.get()),
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(i);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::for_each_repeat;

    #[test]
    fn repeats_are_the_same_whether_compared_pairwise_or_hashed() {
        for len in [0, 1, 5, 16, 17, 40] {
            let items: Vec<String> = (0..len).map(|i| format!("A{}", i % 7)).collect();
            let mut pairwise = Vec::new();
            for_each_repeat(
                &items,
                |a, b| a.eq_ignore_ascii_case(b),
                |a| a.to_ascii_lowercase(),
                |i, first| pairwise.push((i, first)),
            );
            let expected: Vec<(usize, usize)> = (7..len).map(|i| (i, i % 7)).collect();
            assert_eq!(pairwise, expected, "{len} items");
        }
    }
}
