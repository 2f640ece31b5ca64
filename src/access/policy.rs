//! A policy as the access engine reads it: each statement's effect, its actions and
//! resources (or their `Not` forms) as pattern lists, its condition as atoms, and whom it
//! names as principal. Owned, so that policies outlive the parse they come from.
//!
//! What the vendor would reject grants nothing here, statement by statement: a statement
//! with no `Effect` of exactly `Allow` or `Deny`, with no `Action`/`NotAction` (or with
//! both), or with both `Resource` and `NotResource`. A statement with no resource element
//! (a trust policy's) covers every resource (`"*"`).

use super::condition::Atom;
use crate::model::{Dialect, Policy, PolicyKind, Statement, TemplateValues, Values};
use crate::parse::{Node, NodeKind};
use crate::source::Span;
use std::borrow::Cow;
use std::hash::{Hash, Hasher};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Effect {
    Allow,
    Deny,
}

impl Effect {
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        }
    }
}

#[derive(Debug, Clone)]
pub struct AccessPolicy {
    pub dialect: Dialect,
    pub kind: PolicyKind,
    pub statements: Vec<AccessStatement>,
}

#[derive(Debug, Clone)]
pub struct AccessStatement {
    /// Position in the `Statement` array.
    pub index: usize,
    /// The statement object's opening brace.
    pub span: Span,
    /// The whole statement object.
    pub extent: Span,
    pub sid: Option<String>,
    pub effect: Effect,
    pub actions: Element,
    pub resources: Element,
    pub condition: Condition,
    pub principal: Principal,
}

/// A multi-value element: its entries, and whether it is the `Not` form.
#[derive(Debug, Clone)]
pub struct Element {
    pub negated: bool,
    pub entries: Vec<Entry>,
}

#[derive(Debug, Clone)]
pub struct Entry {
    pub text: String,
    pub span: Span,
    /// The entry is, or holds, a value a template fills in (a Terraform `${...}` the host
    /// masked, a `Ref`, a `Fn::Sub` string): its text is not the value, which is unknown.
    pub template: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// The clauses, all of which must hold (none: always).
    Atoms(Vec<Atom>),
    /// A Condition of a shape that holds no clauses the engine can read (an operator
    /// block that is not an object, a value that is an object): kept as its JSON text.
    Unreadable(String),
}

/// Whom a statement applies to, for resource and trust policies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// No Principal element (identity policies), or `"*"`.
    Anyone,
    /// `Principal` (or, `negated`, `NotPrincipal`) naming these (type, value) pairs; the
    /// type is empty for a plain list (`"Principal": ["123"]` in OSS bucket policies).
    Named {
        negated: bool,
        values: Vec<(String, String)>,
    },
}

impl Principal {
    /// A canonical text: statements naming the same principals give the same text.
    pub fn canonical(&self) -> Option<String> {
        match self {
            Principal::Anyone => None,
            Principal::Named { negated, values } => {
                let mut values = values.clone();
                values.sort();
                values.dedup();
                let listed: Vec<String> = values
                    .iter()
                    .map(|(kind, value)| {
                        if kind.is_empty() {
                            value.clone()
                        } else {
                            format!("{kind}:{value}")
                        }
                    })
                    .collect();
                let element = if *negated {
                    "NotPrincipal"
                } else {
                    "Principal"
                };
                Some(format!("{element} {}", listed.join(", ")))
            }
        }
    }
}

impl AccessPolicy {
    /// The engine's view of a parsed policy.
    pub fn from_model(policy: &Policy) -> Self {
        AccessPolicy {
            dialect: policy.dialect,
            kind: policy.kind,
            statements: policy
                .statements
                .iter()
                .filter(|statement| Self::reads(statement))
                .filter_map(|statement| AccessStatement::from_model(statement, &policy.templates))
                .collect(),
        }
    }

    /// Whether a statement's Condition holds a clause the engine weighs (one it cannot read
    /// counts): a statement under one is in a question's pool only where the clause holds.
    /// Read without building the engine's condition (its atoms, and for one it cannot read
    /// its JSON text): what `condition` reads is no clause only for an object of objects
    /// with no key; anything else is a clause or unreadable.
    pub fn has_clauses(condition: &Node) -> bool {
        let Some(blocks) = condition.as_object() else {
            return true;
        };
        blocks
            .iter()
            .any(|block| block.value.as_object().is_none_or(|keys| !keys.is_empty()))
    }

    /// Whether the engine reads a statement (its others it leaves out): an Allow or a
    /// Deny, with one of Action and NotAction, and not both Resource and NotResource.
    pub fn reads(statement: &Statement) -> bool {
        matches!(statement.effect_text(), Some("Allow" | "Deny"))
            && statement.action.is_some() != statement.not_action.is_some()
            && !(statement.resource.is_some() && statement.not_resource.is_some())
    }

    /// Moves every span through `map` (from a document's text into its host's).
    pub fn map_spans(&mut self, map: impl Fn(Span) -> Span) {
        for statement in &mut self.statements {
            statement.span = map(statement.span);
            statement.extent = map(statement.extent);
            for entry in statement
                .actions
                .entries
                .iter_mut()
                .chain(&mut statement.resources.entries)
            {
                entry.span = map(entry.span);
            }
        }
    }
}

impl AccessStatement {
    fn from_model(statement: &Statement, templates: &TemplateValues) -> Option<Self> {
        let effect = match statement.effect_text()? {
            "Allow" => Effect::Allow,
            "Deny" => Effect::Deny,
            _ => return None,
        };
        let actions = match (&statement.action, &statement.not_action) {
            (Some(values), None) => element(values, false, templates),
            (None, Some(values)) => element(values, true, templates),
            _ => return None,
        };
        let resources = match (&statement.resource, &statement.not_resource) {
            (Some(values), None) => element(values, false, templates),
            (None, Some(values)) => element(values, true, templates),
            (None, None) => Element {
                negated: false,
                entries: vec![Entry {
                    text: "*".to_string(),
                    span: crate::checks::opening(statement.node),
                    template: false,
                }],
            },
            (Some(_), Some(_)) => return None,
        };
        Some(AccessStatement {
            index: statement.index,
            span: crate::checks::opening(statement.node),
            extent: statement.node.span,
            sid: statement
                .sid
                .and_then(|m| m.value.as_str())
                .map(str::to_string),
            effect,
            actions,
            resources,
            condition: condition(statement.condition.map(|m| &m.value)),
            principal: principal(statement.node),
        })
    }

    pub fn is_allow(&self) -> bool {
        self.effect == Effect::Allow
    }

    /// What the statement grants (or takes back) in one line, for the editor's hover.
    pub fn summary(&self) -> String {
        let list = |element: &Element, every: &str| {
            let entries: Vec<String> = element
                .entries
                .iter()
                .map(|entry| format!("`{}`", entry.text))
                .collect();
            if element.negated {
                format!("{every} except {}", entries.join(", "))
            } else {
                entries.join(", ")
            }
        };
        let verb = match self.effect {
            Effect::Allow => "Allows",
            Effect::Deny => "Denies",
        };
        let mut line = format!(
            "{verb} {} on {}",
            list(&self.actions, "every action"),
            list(&self.resources, "every resource")
        );
        match &self.condition {
            Condition::Atoms(atoms) if !atoms.is_empty() => {
                let clauses: Vec<String> = atoms.iter().map(Atom::to_string).collect();
                line.push_str(&format!(" when {}", clauses.join(" and ")));
            }
            Condition::Atoms(_) => {}
            Condition::Unreadable(_) => line.push_str(" under a condition that cannot be read"),
        }
        if let Some(principal) = self.principal.canonical() {
            line.push_str(&format!(" (to {principal})"));
        }
        line
    }

    /// The clauses of the condition, or `None` when it cannot be read.
    pub fn atoms(&self) -> Option<&[Atom]> {
        match &self.condition {
            Condition::Atoms(atoms) => Some(atoms),
            Condition::Unreadable(_) => None,
        }
    }
}

/// An element's entries. A template value that stands for a whole entry (a masked
/// Terraform expression, a `Ref`) is kept as an entry of unknown value, written as the
/// model reads it.
impl Entry {
    /// The pattern the entry reads as when every value a template fills in may be
    /// anything: each template expression `*`, and a whole template value `*`.
    pub fn widened(&self) -> Cow<'_, str> {
        self.with_template_values_as(|_| "*".into())
    }

    /// The pattern the entry reads as when each value a template fills in is one value,
    /// unknown: a run of characters no policy writes, the same for the same template text
    /// (a `Ref` or an expression names the same value wherever it is written). Only a `*`
    /// or the same value matches one.
    pub fn sealed(&self) -> Cow<'_, str> {
        self.with_template_values_as(|expression| {
            let mut hasher = std::hash::DefaultHasher::new();
            expression.hash(&mut hasher);
            let hash = hasher.finish();
            let mut sealed = String::from(SEAL);
            sealed.extend((0..16).map(|nibble| {
                let digit = ((hash >> (4 * nibble)) & 0xf) as u32;
                char::from_u32(0xe000 + digit).unwrap_or(SEAL)
            }));
            sealed.push(SEAL);
            sealed.into()
        })
    }

    fn with_template_values_as(&self, value: impl Fn(&str) -> Cow<'static, str>) -> Cow<'_, str> {
        if !self.template {
            return self.text.as_str().into();
        }
        if !self.text.contains("${") {
            return value(&self.text);
        }
        let mut out = String::new();
        let mut rest = self.text.as_str();
        while let Some(open) = rest.find("${") {
            let Some(close) = rest[open..].find('}').map(|c| open + c) else {
                break;
            };
            let expression = &rest[open..=close];
            out.push_str(&rest[..open]);
            if crate::model::holds_template_expression(expression, true) {
                out.push_str(&value(expression));
            } else {
                out.push_str(expression);
            }
            rest = &rest[close + 1..];
        }
        out.push_str(rest);
        out.into()
    }
}

impl Element {
    /// What the element matches for sure, whatever its template values are: in an element,
    /// each one sealed (`Entry::sealed`: only a `*` or the same template text matches it);
    /// a `Not` element keeps them, read as `*` (`Entry::widened`), which leaves nothing.
    /// The engine's own reading (`*`) is what a statement may match.
    pub fn surely(&self) -> Cow<'_, Element> {
        if self.negated || !self.entries.iter().any(|entry| entry.template) {
            return Cow::Borrowed(self);
        }
        Cow::Owned(self.sealed())
    }

    /// Every template value sealed, none left a template.
    pub fn sealed(&self) -> Element {
        Element {
            negated: self.negated,
            entries: self
                .entries
                .iter()
                .map(|entry| Entry {
                    text: entry.sealed().into_owned(),
                    span: entry.span,
                    template: false,
                })
                .collect(),
        }
    }
}

impl AccessStatement {
    /// The statement as it matches for sure (see `Element::surely`): what a Deny takes back
    /// whatever its template values are. Its sealed values need no condition of their own.
    pub fn surely(&self) -> Cow<'_, AccessStatement> {
        let (actions, resources) = (self.actions.surely(), self.resources.surely());
        if matches!((&actions, &resources), (Cow::Borrowed(_), Cow::Borrowed(_))) {
            return Cow::Borrowed(self);
        }
        let (actions, resources) = (actions.into_owned(), resources.into_owned());
        Cow::Owned(AccessStatement {
            actions,
            resources,
            ..self.clone()
        })
    }
}

/// A private-use character: what a sealed template value starts and ends with.
const SEAL: char = '\u{f8ff}';

fn element(values: &Values, negated: bool, templates: &TemplateValues) -> Element {
    let mut entries: Vec<Entry> = values
        .entries
        .iter()
        .map(|entry| Entry {
            text: entry.text.trim().to_string(),
            span: entry.node.span,
            template: templates.holds_template_expression(entry.node),
        })
        .collect();
    if values.has_template_value {
        let value = &values.member.value;
        let nodes = match value.as_array() {
            Some(items) if !templates.is_template_value(value) => items,
            _ => std::slice::from_ref(value),
        };
        for node in nodes {
            let known = values.entries.iter().any(|e| e.node.span == node.span);
            if !known && templates.is_template_value(node) {
                entries.push(Entry {
                    text: node
                        .as_str()
                        .map_or_else(|| node.to_value().to_string(), str::to_string),
                    span: node.span,
                    template: true,
                });
            }
        }
        entries.sort_by_key(|entry| entry.span.start);
    }
    Element { negated, entries }
}

/// A condition value as text: strings as written, numbers and booleans as JSON writes them.
fn scalar(node: &Node) -> Option<String> {
    match &node.kind {
        NodeKind::String(s) => Some(s.to_string()),
        NodeKind::Number(n) => Some(n.to_string()),
        NodeKind::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn condition(node: Option<&Node>) -> Condition {
    let Some(node) = node else {
        return Condition::Atoms(Vec::new());
    };
    let unreadable = || Condition::Unreadable(node.to_value().to_string());
    let Some(blocks) = node.as_object() else {
        return unreadable();
    };
    let mut atoms = Vec::new();
    for block in blocks.iter() {
        let Some(keys) = block.value.as_object() else {
            return unreadable();
        };
        for key in keys.iter() {
            let values = match &key.value.kind {
                NodeKind::Array(items) => items.iter().map(scalar).collect::<Option<Vec<_>>>(),
                _ => scalar(&key.value).map(|v| vec![v]),
            };
            let Some(values) = values else {
                return unreadable();
            };
            atoms.push(Atom {
                operator: block.key.to_string(),
                key: key.key.to_string(),
                values,
            });
        }
    }
    Condition::Atoms(atoms)
}

fn principal(statement: &Node) -> Principal {
    let (member, negated) = match (statement.get("Principal"), statement.get("NotPrincipal")) {
        (Some(member), _) => (member, false),
        (None, Some(member)) => (member, true),
        (None, None) => return Principal::Anyone,
    };
    let strings = |node: &Node| -> Vec<String> {
        match &node.kind {
            NodeKind::String(s) => vec![s.to_string()],
            NodeKind::Array(items) => items
                .iter()
                .filter_map(|item| item.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        }
    };
    let values: Vec<(String, String)> = match &member.value.kind {
        NodeKind::Object(kinds) => kinds
            .iter()
            .flat_map(|kind| {
                strings(&kind.value)
                    .into_iter()
                    .map(|value| (kind.key.to_string(), value))
            })
            .collect(),
        _ => strings(&member.value)
            .into_iter()
            .map(|value| (String::new(), value))
            .collect(),
    };
    if !negated && values.iter().all(|(_, value)| value == "*") && !values.is_empty() {
        return Principal::Anyone;
    }
    Principal::Named { negated, values }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{Arena, parse};

    /// `has_clauses` answers as the engine's reading of a Condition does.
    #[test]
    fn has_clauses_reads_conditions_as_the_engine_does() {
        let conditions = [
            "{}",
            r#"{"Bool": {}}"#,
            r#"{"Bool": {}, "IpAddress": {}}"#,
            r#"{"Bool": {"acs:SecureTransport": "true"}}"#,
            r#"{"Bool": {}, "IpAddress": {"acs:SourceIp": ["10.0.0.0/8"]}}"#,
            r#"{"Bool": {"acs:SecureTransport": {"nested": true}}}"#,
            r#"{"Bool": "true"}"#,
            r#"{"Bool": []}"#,
            r#"{"NumericLessThan": {"acs:MaxKeys": 5}}"#,
            r#""text""#,
            "[]",
            "null",
        ];
        for text in conditions {
            let arena = Arena::new();
            let node = parse(text, &arena).unwrap().root;
            let engine =
                !matches!(condition(Some(&node)), Condition::Atoms(atoms) if atoms.is_empty());
            assert_eq!(AccessPolicy::has_clauses(&node), engine, "{text}");
        }
    }

    /// `reads` is the engine's statement filter that PL503/PL504 index their questions by
    /// (`checks::statements::Questions`): the engine must keep every statement it accepts,
    /// or the two lists would fall out of step.
    #[test]
    fn the_engine_keeps_exactly_the_statements_it_reads() {
        let effects = [
            r#""Effect": "Allow""#,
            r#""Effect": "Deny""#,
            r#""Effect": "allow""#,
            "",
        ];
        let actions = [
            r#""Action": "oss:*""#,
            r#""NotAction": "oss:*""#,
            r#""Action": [], "NotAction": "ecs:*""#,
            "",
        ];
        let resources = [
            r#""Resource": "*""#,
            r#""NotResource": "acs:oss:*:*:b/*""#,
            r#""Resource": "*", "NotResource": "*""#,
            r#""Resource": ["${var.arn}"]"#,
            "",
        ];
        let mut statements = Vec::new();
        for effect in effects {
            for action in actions {
                for resource in resources {
                    let members: Vec<&str> = [effect, action, resource]
                        .into_iter()
                        .filter(|m| !m.is_empty())
                        .collect();
                    statements.push(format!("{{{}}}", members.join(", ")));
                }
            }
        }
        let text = format!(
            r#"{{"Version": "1", "Statement": [{}]}}"#,
            statements.join(", ")
        );
        let arena = Arena::new();
        let parsed = parse(&text, &arena).unwrap();
        let policy = Policy::from_root(&parsed.root, &arena).unwrap();
        let read: Vec<usize> = policy
            .statements
            .iter()
            .filter(|s| AccessPolicy::reads(s))
            .map(|s| s.index)
            .collect();
        let kept: Vec<usize> = AccessPolicy::from_model(&policy)
            .statements
            .iter()
            .map(|s| s.index)
            .collect();
        assert_eq!(kept, read);
        // Allow or Deny, with Action or NotAction, and not both Resource and NotResource.
        assert_eq!(read.len(), 2 * 2 * 4, "{read:?}");
    }
}
