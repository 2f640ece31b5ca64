//! A typed view of a policy over the spanned tree: statements with their elements,
//! string-or-array values normalised to lists, dialect and policy kind detected.
//! It is lenient by design: anything of the wrong shape is simply absent here and
//! reported by the structure checks.
//!
//! Values a template fills in (ROS and CloudFormation functions such as `{"Ref": ...}`,
//! Terraform's `${...}`) are *template values*: the linter cannot know them, so the model
//! leaves them out of its lists (as it leaves out values of the wrong type) and
//! [`TemplateValues`] tells the checks that read the tree which nodes they are.

use crate::parse::{Arena, Member, Node, NodeKind};
use crate::source::Span;
use bumpalo::collections::Vec as ArenaVec;
use memchr::memmem::Finder;
use std::sync::LazyLock;

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
                match render_function(&member.value, arena) {
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
                        let rendered = render_function(node, arena);
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
        let mut element: [Option<&'n Member<'n>>; 8] = [None; 8];
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
        })
    }
}

/// The values of one document that a template fills in: the linter cannot know them, so
/// they are never mistakes, and a rule that needs a value skips them. They are
/// - template functions: an object whose one key is `Ref`, `Fn::...` (ROS and
///   CloudFormation, also YAML short tags such as `!Sub` once read), or `Condition` with a
///   condition's name; everything inside one is part of it;
/// - expressions the host masked (an unquoted Terraform `${...}` read as a string);
/// - strings that are one template expression `${...}` and nothing else.
///
/// A template expression is a `${...}` shaped like Terraform (`var.x`, `local.x`,
/// `aws_s3_bucket.b.arn`, a function call) or a template's pseudo parameter
/// (`${AWS::AccountId}`, `${ALIYUN::TenantId}`), or, where the host says its strings are
/// interpolated, any `${...}` that is not a policy variable (`${acs:CurrentTime}`,
/// `${aws:username}`). A string with text around one (`acs:oss:*:*:${var.bucket}/*`) is
/// known in part: the model keeps it, and the checks that test a value's exact text skip it
/// ([`TemplateValues::holds_template_expression`]). A bare `${bucket}` in a plain policy
/// file stays a placeholder (PL109).
#[derive(Debug, Clone, Copy, Default)]
pub struct TemplateValues<'n> {
    /// Sorted and disjoint: the spans of template functions and masked expressions.
    regions: &'n [Span],
    interpolated: bool,
}

impl<'n> TemplateValues<'n> {
    pub fn none() -> Self {
        TemplateValues::default()
    }

    /// The template values of the tree under `root`, whose text is `text`; `masked` are the
    /// spans the host masked (sorted). The tree is walked only when the text can hold a
    /// template function at all.
    pub fn find(
        text: &str,
        root: &'n Node<'n>,
        masked: &[Span],
        interpolated: bool,
        arena: &'n Arena,
    ) -> Self {
        static REF: LazyLock<Finder> = LazyLock::new(|| Finder::new(b"\"Ref\""));
        static FN: LazyLock<Finder> = LazyLock::new(|| Finder::new(b"\"Fn::"));
        let may_hold_functions =
            FN.find(text.as_bytes()).is_some() || REF.find(text.as_bytes()).is_some();
        if !may_hold_functions {
            return TemplateValues {
                regions: arena.alloc_slice_copy(masked),
                interpolated,
            };
        }
        let mut regions: Vec<Span> = masked.to_vec();
        let mut stack = vec![root];
        while let Some(node) = stack.pop() {
            if template_function(node).is_some() {
                regions.push(node.span);
                continue;
            }
            match &node.kind {
                NodeKind::Array(items) => stack.extend(items.iter()),
                NodeKind::Object(members) => stack.extend(members.iter().map(|m| &m.value)),
                _ => {}
            }
        }
        regions.sort_unstable();
        // Masked expressions never overlap functions (one is a string, the other an
        // object); only nested functions need dropping.
        regions.dedup_by(|later, earlier| later.start < earlier.end);
        TemplateValues {
            regions: arena.alloc_slice_copy(&regions),
            interpolated,
        }
    }

    /// Whether `node` is, or lies inside, a template value.
    pub fn is_template_value(&self, node: &Node) -> bool {
        self.in_region(node.span)
            || node.as_str().is_some_and(|s| {
                is_one_expression(s) && holds_template_expression(s, self.interpolated)
            })
    }

    /// Whether `node` is, or lies inside, a template value, or is a string with a template
    /// expression in it: a value whose exact text is not known.
    pub fn holds_template_expression(&self, node: &Node) -> bool {
        self.in_region(node.span)
            || node
                .as_str()
                .is_some_and(|s| holds_template_expression(s, self.interpolated))
    }

    fn in_region(&self, span: Span) -> bool {
        if self.regions.is_empty() {
            return false;
        }
        let after = self.regions.partition_point(|r| r.start <= span.start);
        after > 0 && span.end <= self.regions[after - 1].end
    }
}

/// The function name when `node` is a ROS or CloudFormation function call: an object with
/// one key, `Ref`, `Fn::...`, or `Condition` naming a condition.
pub fn template_function<'n>(node: &'n Node<'n>) -> Option<&'n str> {
    match node.as_object()? {
        [only] if only.key == "Ref" || only.key.starts_with("Fn::") => Some(only.key),
        [only] if only.key == "Condition" && only.value.as_str().is_some() => Some(only.key),
        _ => None,
    }
}

/// The text a `Fn::Sub` or `Fn::Join` stands for, with what a template fills in written
/// `${...}` as `Fn::Sub` writes it (`${Bucket}`, `${Role.Arn}`): a value known in part, as
/// a Terraform string with `${var.bucket}` in it is. `None` for other functions, and for a
/// value with no known text at all.
fn render_function<'n>(node: &'n Node<'n>, arena: &'n Arena) -> Option<&'n str> {
    let [only] = node.as_object()? else {
        return None;
    };
    let text: &'n str = match (only.key, &only.value.kind) {
        ("Fn::Sub", NodeKind::String(template)) => template,
        ("Fn::Sub", NodeKind::Array([template, ..])) => template.as_str()?,
        ("Fn::Join", NodeKind::Array([delimiter, list])) => {
            let delimiter = delimiter.as_str()?;
            let mut text = String::new();
            for (i, part) in list.as_array()?.iter().enumerate() {
                if i > 0 {
                    text.push_str(delimiter);
                }
                match part.as_str() {
                    Some(known) => text.push_str(known),
                    None => {
                        text.push_str("${");
                        text.push_str(&reference_name(part));
                        text.push('}');
                    }
                }
            }
            arena.alloc_str(&text)
        }
        _ => return None,
    };
    (!is_one_expression(text)).then_some(text)
}

/// How `Fn::Sub` names what a function part of a `Fn::Join` stands for.
fn reference_name(node: &Node) -> String {
    let Some([only]) = node.as_object() else {
        return "?".to_string();
    };
    match (only.key, &only.value.kind) {
        ("Ref", NodeKind::String(name)) => name.to_string(),
        ("Fn::GetAtt", NodeKind::Array([resource, attribute])) => format!(
            "{}.{}",
            resource.as_str().unwrap_or("?"),
            attribute.as_str().unwrap_or("?")
        ),
        (function, _) => function.to_string(),
    }
}

/// A string that is one `${...}` and nothing else (surrounding spaces aside).
fn is_one_expression(text: &str) -> bool {
    let text = text.trim();
    text.starts_with("${") && text.ends_with('}') && text.matches("${").count() == 1
}

/// Whether a string holds a `${...}` that a template fills in (see [`TemplateValues`]).
pub fn holds_template_expression(text: &str, interpolated: bool) -> bool {
    let mut rest = text;
    while let Some(dollar) = memchr::memchr(b'$', rest.as_bytes()) {
        let Some(inner) = rest[dollar + 1..].strip_prefix('{') else {
            rest = &rest[dollar + 1..];
            continue;
        };
        let Some(close) = inner.find('}') else {
            return false;
        };
        let expression = inner[..close].trim_matches(|c: char| c == '~' || c.is_whitespace());
        if !is_policy_variable(expression) && (interpolated || is_template_shaped(expression)) {
            return true;
        }
        rest = &inner[close + 1..];
    }
    false
}

/// `acs:CurrentTime`, `aws:username`, `s3:prefix`, and the escapes `*`, `?`, `$`: what IAM
/// and RAM fill in at request time.
fn is_policy_variable(expression: &str) -> bool {
    matches!(expression, "*" | "?" | "$")
        || expression.split_once(':').is_some_and(|(service, _)| {
            !service.is_empty()
                && service
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        }) && !expression.contains("::")
}

/// Terraform references, function calls and expressions, and template pseudo parameters.
fn is_template_shaped(expression: &str) -> bool {
    const ROOTS: [&str; 9] = [
        "var.",
        "local.",
        "module.",
        "data.",
        "each.",
        "count.",
        "path.",
        "terraform.",
        "self.",
    ];
    if ROOTS.iter().any(|root| expression.starts_with(root))
        || expression.starts_with("AWS::")
        || expression.starts_with("ALIYUN::")
        || expression.starts_with("for ")
        || expression.contains(" ? ")
    {
        return true;
    }
    let name_end = expression
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(expression.len());
    let (name, after) = expression.split_at(name_end);
    let starts_as_name = name.starts_with(|c: char| c.is_ascii_lowercase());
    // `jsonencode(...)`, or a resource attribute such as `alicloud_oss_bucket.b.id`.
    starts_as_name && (after.starts_with('(') || (name.contains('_') && after.starts_with('.')))
}

/// `Statement` but for case and surrounding whitespace: how discovery and the model
/// recognise a policy.
pub fn is_statement_key(key: &str) -> bool {
    key.trim().eq_ignore_ascii_case(STATEMENT)
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
    if !statements.iter().any(|s| s.principal.is_some()) {
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
