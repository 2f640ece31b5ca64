//! A typed view of a policy over the spanned tree: statements with their elements,
//! string-or-array values normalised to lists, dialect and policy kind detected.
//! It is lenient by design: anything of the wrong shape is simply absent here and
//! reported by the structure checks.
//!
//! Values a template fills in (ROS and CloudFormation functions such as `{"Ref": ...}`,
//! Terraform's `${...}`) are *template values*: the linter cannot know them, so the model
//! leaves them out of its lists (as it leaves out values of the wrong type) and
//! [`TemplateValues`] tells the checks that read the tree which nodes they are.

mod template;

pub use template::{TemplateValues, holds_template_expression, template_function};

use crate::parse::{Arena, Member, Node, NodeKind};
use bumpalo::collections::Vec as ArenaVec;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    /// Alibaba Cloud RAM: Version "1", `acs:` resources.
    Ram,
    /// AWS IAM: Version "2012-10-17", `arn:` resources.
    Aws,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PolicyKind {
    /// Attached to users, groups or roles: no Principal, Resource required.
    Identity,
    /// A role's trust policy: Principal and `sts:AssumeRole`, no Resource.
    Trust,
    /// A resource policy such as an OSS bucket policy: Principal and Resource.
    Resource,
}

pub const STATEMENT: &str = "Statement";

/// What a document's host says about it, where the host tells (a CloudFormation template is
/// AWS, an `AssumeRolePolicyDocument` is a trust policy). Each beats detection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HostHints {
    pub dialect: Option<Dialect>,
    pub kind: Option<PolicyKind>,
    /// Every `${...}` in the document's strings is the host's own interpolation (a
    /// Terraform string or `templatefile`, a `Fn::Sub`), not a placeholder left in by hand.
    pub interpolated: bool,
    /// The most the holder of the document accepts (an `aws_iam_role`'s
    /// `assume_role_policy`: an IAM role trust policy's 2,048 characters).
    pub size_limit: Option<&'static crate::hosts::hints::SizeLimit>,
}

#[derive(Debug)]
pub struct Policy<'n> {
    pub root: &'n Node<'n>,
    pub version: Option<&'n Member<'n>>,
    /// The `Statement` member, or failing that a key that is `Statement` but for case and
    /// surrounding spaces, so that a typo there does not hide every other finding.
    pub statement_member: Option<&'n Member<'n>>,
    pub statements: &'n [Statement<'n>],
    pub dialect: Dialect,
    pub kind: PolicyKind,
    /// The values a template fills in: no check judges them.
    pub templates: TemplateValues<'n>,
    /// The size limit its host gives it, if any.
    pub size_limit: Option<&'static crate::hosts::hints::SizeLimit>,
}

#[derive(Debug)]
pub struct Statement<'n> {
    pub index: usize,
    pub node: &'n Node<'n>,
    pub sid: Option<&'n Member<'n>>,
    pub effect: Option<&'n Member<'n>>,
    pub action: Option<Values<'n>>,
    pub not_action: Option<Values<'n>>,
    pub resource: Option<Values<'n>>,
    pub not_resource: Option<Values<'n>>,
    pub principal: Option<&'n Member<'n>>,
    /// AWS's `NotPrincipal`: like `Principal`, it makes the policy a trust or resource one.
    pub not_principal: Option<&'n Member<'n>>,
    pub condition: Option<&'n Member<'n>>,
}

/// A multi-value element (string or array of strings) as a list.
#[derive(Debug)]
pub struct Values<'n> {
    pub member: &'n Member<'n>,
    /// Its strings, template values left out.
    pub entries: Entries<'n>,
    /// Whether the element is or holds a template value: its full list is unknown, so a
    /// check that reasons about every entry (no resource matches, ...) must not conclude.
    pub has_template_value: bool,
}

/// The strings of a multi-value element. Most elements are one string, held inline.
#[derive(Debug)]
pub enum Entries<'n> {
    One([Entry<'n>; 1]),
    Many(&'n [Entry<'n>]),
}

impl<'n> std::ops::Deref for Entries<'n> {
    type Target = [Entry<'n>];

    fn deref(&self) -> &[Entry<'n>] {
        match self {
            Entries::One(one) => one,
            Entries::Many(many) => many,
        }
    }
}

impl<'a, 'n> IntoIterator for &'a Entries<'n> {
    type Item = &'a Entry<'n>;
    type IntoIter = std::slice::Iter<'a, Entry<'n>>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Entry<'n> {
    pub text: &'n str,
    pub node: &'n Node<'n>,
    /// Position in the array, or `None` when the element is a single string.
    pub index: Option<usize>,
}

impl<'n> Values<'n> {
    fn from_member(member: &'n Member<'n>, arena: &'n Arena, templates: &TemplateValues) -> Self {
        let mut has_template_value = false;
        let entries = match &member.value.kind {
            _ if templates.is_template_value(&member.value) => {
                match template::render_function(&member.value, arena) {
                    Some(text) => Entries::One([Entry {
                        text,
                        node: &member.value,
                        index: None,
                    }]),
                    None => {
                        has_template_value = true;
                        Entries::Many(&[])
                    }
                }
            }
            NodeKind::String(s) => Entries::One([Entry {
                text: s,
                node: &member.value,
                index: None,
            }]),
            NodeKind::Array(items) => {
                // Sized for every item, so that it is never grown (and copied) in the arena.
                let mut entries = ArenaVec::with_capacity_in(items.len(), arena);
                entries.extend(items.iter().enumerate().filter_map(|(i, node)| {
                    let text = if templates.is_template_value(node) {
                        let rendered = template::render_function(node, arena);
                        has_template_value |= rendered.is_none();
                        rendered
                    } else {
                        node.as_str()
                    };
                    text.map(|text| Entry {
                        text,
                        node,
                        index: Some(i),
                    })
                }));
                Entries::Many(entries.into_bump_slice())
            }
            _ => Entries::Many(&[]),
        };
        Values {
            member,
            entries,
            has_template_value,
        }
    }

    pub fn texts(&self) -> impl Iterator<Item = &'n str> + '_ {
        self.entries.iter().map(|e| e.text)
    }

    /// The array items when the element is written as an array.
    pub fn array_items(&self) -> Option<&'n [Node<'n>]> {
        self.member.value.as_array()
    }
}

impl<'n> Statement<'n> {
    /// One pass over the members; as with `Node::get`, the last of a repeated key counts.
    fn from_node(
        index: usize,
        node: &'n Node<'n>,
        arena: &'n Arena,
        templates: &TemplateValues,
    ) -> Self {
        let mut element: [Option<&'n Member<'n>>; 9] = [None; 9];
        for member in node.as_object().unwrap_or_default() {
            let slot = match member.key {
                "Sid" => 0,
                "Effect" => 1,
                "Action" => 2,
                "NotAction" => 3,
                "Resource" => 4,
                "NotResource" => 5,
                "Principal" => 6,
                "Condition" => 7,
                "NotPrincipal" => 8,
                _ => continue,
            };
            element[slot] = Some(member);
        }
        let [
            sid,
            effect,
            action,
            not_action,
            resource,
            not_resource,
            principal,
            condition,
            not_principal,
        ] = element;
        let values = |member: Option<&'n Member<'n>>| {
            member.map(|m| Values::from_member(m, arena, templates))
        };
        Statement {
            index,
            node,
            sid,
            effect,
            action: values(action),
            not_action: values(not_action),
            resource: values(resource),
            not_resource: values(not_resource),
            principal,
            not_principal,
            condition,
        }
    }

    pub fn is_allow(&self) -> bool {
        self.effect_text() == Some("Allow")
    }

    pub fn effect_text(&self) -> Option<&'n str> {
        self.effect.and_then(|m| m.value.as_str())
    }

    pub fn actions(&self) -> impl Iterator<Item = &'n str> + '_ {
        self.action.iter().flat_map(|v| v.texts())
    }

    pub fn resources(&self) -> impl Iterator<Item = &'n str> + '_ {
        self.resource.iter().flat_map(|v| v.texts())
    }
}

impl<'n> Policy<'n> {
    /// `None` when the root is not an object. The model's lists go in `arena`.
    pub fn from_root(root: &'n Node<'n>, arena: &'n Arena) -> Option<Self> {
        Policy::from_host(root, arena, HostHints::default(), TemplateValues::none())
    }

    /// Like `from_root`, for a document whose host gave `hints` and whose template values
    /// are `templates`: the host's dialect and kind beat detection.
    pub fn from_host(
        root: &'n Node<'n>,
        arena: &'n Arena,
        hints: HostHints,
        templates: TemplateValues<'n>,
    ) -> Option<Self> {
        root.as_object()?;
        let version = root.get("Version");
        let statement_member = root
            .get(STATEMENT)
            .or_else(|| root.as_object()?.iter().find(|m| is_statement_key(m.key)));
        // A lone statement object (valid in AWS, reported by PL003 in RAM) is read as a
        // one-statement array so the rest of the statement is still linted.
        let statement_nodes = match statement_member.map(|m| &m.value) {
            Some(value) if templates.is_template_value(value) => &[],
            Some(
                lone @ Node {
                    kind: NodeKind::Object(_),
                    ..
                },
            ) => std::slice::from_ref(lone),
            Some(value) => value.as_array().unwrap_or_default(),
            None => &[],
        };
        let mut statements = ArenaVec::with_capacity_in(statement_nodes.len(), arena);
        statements.extend(
            statement_nodes
                .iter()
                .enumerate()
                .filter(|(_, node)| {
                    node.as_object().is_some() && !templates.is_template_value(node)
                })
                .map(|(index, node)| Statement::from_node(index, node, arena, &templates)),
        );
        let statements = statements.into_bump_slice();
        let dialect = hints
            .dialect
            .unwrap_or_else(|| detect_dialect(version, statements));
        let kind = hints.kind.unwrap_or_else(|| detect_kind(statements));
        Some(Policy {
            root,
            version,
            statement_member,
            statements,
            dialect,
            kind,
            templates,
            size_limit: hints.size_limit,
        })
    }
}

/// `Statement` but for case, surrounding whitespace and one slip of the keyboard (a letter
/// left out, added, changed or two swapped: `Statements`, `Statment`): how discovery and
/// the model recognise a policy, so that a typo there neither hides the file from a walk
/// nor every finding in its statements (PL005 reports the key itself).
pub fn is_statement_key(key: &str) -> bool {
    let key = key.trim();
    key.eq_ignore_ascii_case(STATEMENT)
        || ((STATEMENT.len() - 1..=STATEMENT.len() + 1).contains(&key.len())
            && strsim::osa_distance(&key.to_ascii_lowercase(), "statement") <= 1)
}

pub const AWS_VERSIONS: [&str; 2] = ["2012-10-17", "2008-10-17"];

fn detect_dialect(version: Option<&Member>, statements: &[Statement]) -> Dialect {
    // Resource names are stronger evidence than the version: a RAM policy pasted with an
    // AWS version date is exactly the mistake PL004 must catch.
    let resource_names = || {
        statements.iter().flat_map(|s| {
            s.resources()
                .chain(s.not_resource.iter().flat_map(|v| v.texts()))
        })
    };
    if resource_names().any(|r| r.starts_with("acs:")) {
        return Dialect::Ram;
    }
    if resource_names().any(|r| r.starts_with("arn:"))
        || statements
            .iter()
            .any(|s| s.principal.is_some_and(|p| p.value.get("AWS").is_some()))
    {
        return Dialect::Aws;
    }
    let version_text = version.and_then(|m| m.value.as_str());
    if version_text.is_some_and(|v| AWS_VERSIONS.contains(&v)) {
        Dialect::Aws
    } else {
        Dialect::Ram
    }
}

fn detect_kind(statements: &[Statement]) -> PolicyKind {
    if !statements
        .iter()
        .any(|s| s.principal.is_some() || s.not_principal.is_some())
    {
        return PolicyKind::Identity;
    }
    // An action a template fills in may be `sts:AssumeRole`.
    let assumes_role = statements.iter().any(|s| {
        s.action.as_ref().is_some_and(|a| a.has_template_value)
            || s.actions()
                .any(|a| a.trim().to_ascii_lowercase().starts_with("sts:assumerole"))
    });
    let has_resource = statements
        .iter()
        .any(|s| s.resource.is_some() || s.not_resource.is_some());
    if assumes_role && !has_resource {
        PolicyKind::Trust
    } else {
        PolicyKind::Resource
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{Arena, parse};

    #[test]
    fn kinds_and_dialects() {
        let arena = Arena::new();
        let identity = parse(r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:GetObject","Resource":["*"]}]}"#, &arena).unwrap();
        let policy = Policy::from_root(&identity.root, &arena).unwrap();
        assert_eq!(
            (policy.kind, policy.dialect),
            (PolicyKind::Identity, Dialect::Ram)
        );
        assert_eq!(
            policy.statements[0].actions().collect::<Vec<_>>(),
            ["oss:GetObject"]
        );
        let trust = parse(r#"{"Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Service":["ecs.aliyuncs.com"]}}],"Version":"1"}"#, &arena).unwrap();
        assert_eq!(
            Policy::from_root(&trust.root, &arena).unwrap().kind,
            PolicyKind::Trust
        );
        let bucket = parse(r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:GetObject","Principal":["123"],"Resource":"acs:oss:*:*:b/*"}]}"#, &arena).unwrap();
        assert_eq!(
            Policy::from_root(&bucket.root, &arena).unwrap().kind,
            PolicyKind::Resource
        );
        let aws = parse(r#"{"Version":"2012-10-17","Statement":[]}"#, &arena).unwrap();
        assert_eq!(
            Policy::from_root(&aws.root, &arena).unwrap().dialect,
            Dialect::Aws
        );
        let typo = parse(r#"{"Version":"1","Statement ":[{}]}"#, &arena).unwrap();
        assert_eq!(
            Policy::from_root(&typo.root, &arena)
                .unwrap()
                .statements
                .len(),
            1
        );
    }

    #[test]
    fn statements_are_read_under_a_key_one_slip_from_statement() {
        for key in [
            "Statements",
            "statement",
            " Statment ",
            "Stetement",
            "Sattement",
            "STATEMENTS",
        ] {
            assert!(is_statement_key(key), "{key:?}");
        }
        for key in [
            "Version",
            "Statemnets",
            "Stmt",
            "Statementss",
            "Id",
            "",
            "Stat ement x",
        ] {
            assert!(!is_statement_key(key), "{key:?}");
        }
        let arena = Arena::new();
        let parsed = parse(
            r#"{"Version":"1","Statements":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
            &arena,
        )
        .unwrap();
        let policy = Policy::from_root(&parsed.root, &arena).unwrap();
        assert_eq!(policy.statement_member.map(|m| m.key), Some("Statements"));
        assert!(policy.statements[0].is_allow());
        // The key spelt right wins over a near miss, wherever each is.
        let parsed = parse(r#"{"Statment":[],"Statement":[{"Effect":"Deny"}]}"#, &arena).unwrap();
        let policy = Policy::from_root(&parsed.root, &arena).unwrap();
        assert_eq!(policy.statement_member.map(|m| m.key), Some("Statement"));
    }

    /// JSON readers keep the last of repeated keys; so does the model (PL002 reports them).
    #[test]
    fn a_repeated_statement_key_reads_as_its_last_value() {
        let arena = Arena::new();
        let parsed = parse(r#"{"Statement":[{"Action":"a:First","Effect":"Deny","Action":["a:Last","b:Last"],"Effect":"Allow","Sid":"x"}]}"#, &arena).unwrap();
        let policy = Policy::from_root(&parsed.root, &arena).unwrap();
        let statement = &policy.statements[0];
        assert_eq!(
            statement.actions().collect::<Vec<_>>(),
            ["a:Last", "b:Last"]
        );
        assert!(statement.is_allow());
        assert_eq!(statement.sid.map(|m| m.key), Some("Sid"));
        assert!(statement.resource.is_none() && statement.condition.is_none());
    }
}
