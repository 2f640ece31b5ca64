//! `can`: one request evaluated against a set of policies, with the dialects' logic.
//!
//! "Deny by default: ... Unless a policy explicitly allows a request, it is implicitly
//! denied. Explicit deny overrides allow: If any applicable policy contains an explicit
//! Deny statement for the request, the request is immediately denied, regardless of any
//! Allow statements in other policies" (RAM, How RAM evaluates policies); IAM says the same
//! ("If policies that apply to a request include an Allow statement and a Deny statement,
//! the Deny statement trumps the Allow statement"). Every policy given is taken to apply
//! to the request (as if all were attached to the one principal making it).
//!
//! Each statement applies to the request when its action, resource, condition and, if
//! asked, principal all match; that is three-valued (see `condition.rs`), so the decision
//! is `conditional` when whether the request is allowed turns on something the context
//! does not give. `implicit-deny` means no Allow can apply; a Deny whose applying is
//! undecided does not change that answer (the request is not allowed either way).

use super::condition::{self, Context, Truth};
use super::pattern::{self, Item, Language, Variables};
use super::policy::{AccessPolicy, AccessStatement, Condition, Effect, Element, Principal};
use crate::model::Dialect;
use std::collections::BTreeSet;

/// A request: an action on a resource, with what is known of its context.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub action: String,
    pub resource: String,
    pub context: Context,
    /// The principal making the request, to match against the `Principal` of resource and
    /// trust policies. `None`: principals are not looked at.
    pub principal: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Decision {
    Allow,
    ExplicitDeny,
    ImplicitDeny,
    Conditional,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allow => "allow",
            Decision::ExplicitDeny => "explicit-deny",
            Decision::ImplicitDeny => "implicit-deny",
            Decision::Conditional => "conditional",
        }
    }
}

/// A statement of one of the policies evaluated: (policy index, statement index in its
/// `statements`).
pub type StatementRef = (usize, usize);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub decision: Decision,
    /// The statements the decision rests on: the Allows that allow, the Denies that deny,
    /// or, for `conditional`, the statements whose applying is undecided.
    pub statements: Vec<StatementRef>,
    /// Context keys the decision depends on (for `conditional`).
    pub depends_on: Vec<String>,
}

/// The decision on `request` under all of `policies` together.
pub fn evaluate(policies: &[&AccessPolicy], request: &Request) -> Verdict {
    let action = pattern::fold_action(&request.action);
    let mut allows = (Vec::new(), Vec::new());
    let mut denies = (Vec::new(), Vec::new());
    let mut depends = BTreeSet::new();
    for (p, policy) in policies.iter().enumerate() {
        for (s, statement) in policy.statements.iter().enumerate() {
            let applies = applies(statement, policy.dialect, &action, request);
            let (sure, maybe) = match statement.effect {
                Effect::Allow => (&mut allows.0, &mut allows.1),
                Effect::Deny => (&mut denies.0, &mut denies.1),
            };
            match applies {
                Truth::True => sure.push((p, s)),
                Truth::False => {}
                Truth::Depends(keys) => {
                    maybe.push(((p, s), keys));
                }
            }
        }
    }
    let verdict = |decision, statements| Verdict {
        decision,
        statements,
        depends_on: Vec::new(),
    };
    if !denies.0.is_empty() {
        return verdict(Decision::ExplicitDeny, denies.0);
    }
    let (undecided, allowed) = if !allows.0.is_empty() {
        if denies.1.is_empty() {
            return verdict(Decision::Allow, allows.0);
        }
        (denies.1, true)
    } else if !allows.1.is_empty() {
        let mut undecided = allows.1;
        undecided.extend(denies.1);
        (undecided, false)
    } else {
        return verdict(Decision::ImplicitDeny, Vec::new());
    };
    let mut statements: Vec<StatementRef> = if allowed { allows.0 } else { Vec::new() };
    for (statement, keys) in undecided {
        statements.push(statement);
        depends.extend(keys);
    }
    statements.sort_unstable();
    Verdict {
        decision: Decision::Conditional,
        statements,
        depends_on: depends.into_iter().collect(),
    }
}

/// Whether `statement` applies to the request (`action` already folded).
pub fn applies(
    statement: &AccessStatement,
    dialect: Dialect,
    action: &str,
    request: &Request,
) -> Truth {
    let action_matches = element_matches(&statement.actions, |text| {
        let items = pattern::compile(text, Language::Action, &mut Variables::default());
        Truth::from_bool(pattern::matches(&items, action))
    });
    if action_matches == Truth::False {
        return Truth::False;
    }
    let resource_matches = element_matches(&statement.resources, |text| {
        resource_matches(text, dialect, &request.resource, &request.context)
    });
    let condition = match &statement.condition {
        Condition::Atoms(atoms) => atoms.iter().fold(Truth::True, |truth, atom| {
            truth.and(condition::evaluate(atom, &request.context, dialect))
        }),
        Condition::Unreadable(_) => Truth::depends("Condition (unreadable)"),
    };
    let principal = match (&request.principal, &statement.principal) {
        (None, _) | (_, Principal::Anyone) => Truth::True,
        (Some(principal), Principal::Named { negated, values }) => {
            let named = values.iter().any(|(_, value)| {
                value == "*" || pattern::matches(&star_pattern(value), principal)
            });
            Truth::from_bool(named != *negated)
        }
    };
    action_matches
        .and(resource_matches)
        .and(condition)
        .and(principal)
}

/// Whether an element matches: any entry (`Action`, `Resource`), or none (`Not` forms).
/// An entry holding a template value matches as far as its value is known: not at all
/// when its known text rules the request out, else depending on the value.
fn element_matches(element: &Element, entry_matches: impl Fn(&str) -> Truth) -> Truth {
    let any = element.entries.iter().fold(Truth::False, |truth, entry| {
        let matches = match entry_matches(&entry.widened()) {
            Truth::False => Truth::False,
            _ if entry.template => Truth::depends(&format!("template value `{}`", entry.text)),
            known => known,
        };
        truth.or(matches)
    });
    if element.negated { any.negate() } else { any }
}

/// A resource pattern against the request's resource, policy variables filled in from the
/// context (a variable's value is literal text, wildcards included).
pub fn resource_matches(text: &str, dialect: Dialect, resource: &str, context: &Context) -> Truth {
    let mut variables = Variables::default();
    let items = pattern::compile(text, Language::Resource(dialect), &mut variables);
    let mut filled = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Item::Var(id) => {
                let variable = variables.get(id);
                match context.variable(&variable.key, variable.default.as_deref()) {
                    Ok(value) => filled.extend(value.chars().map(Item::Lit)),
                    Err(truth) => return truth,
                }
            }
            item => filled.push(item),
        }
    }
    Truth::from_bool(pattern::matches(&filled, resource))
}

/// `*` and `?` wildcards, case-sensitive, no variables.
fn star_pattern(text: &str) -> Vec<Item> {
    text.chars()
        .map(|c| match c {
            '*' => Item::Star,
            '?' => Item::One,
            c => Item::Lit(c),
        })
        .collect()
}
