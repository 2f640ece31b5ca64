//! Template values: what a ROS or CloudFormation function or a Terraform expression stands
//! for in a policy. The linter cannot know them, so no check judges them (see
//! [`TemplateValues`]); `Fn::Sub` and `Fn::Join` are read as strings known in part.

use crate::parse::{Arena, Node, NodeKind};
use crate::source::Span;
use memchr::memmem::Finder;
use std::sync::LazyLock;

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

    /// Whether `node` lies inside a template value (a template function's object): for a
    /// string without `$`, which cannot hold an expression, what
    /// [`TemplateValues::holds_template_expression`] asks.
    pub fn in_template_value(&self, node: &Node) -> bool {
        self.in_region(node.span)
    }

    /// Whether `node` is, or lies inside, a template value, or is a string with a template
    /// expression in it: a value whose exact text is not known.
    pub fn holds_template_expression(&self, node: &Node) -> bool {
        self.in_region(node.span)
            || node
                .as_str()
                .is_some_and(|s| holds_template_expression(s, self.interpolated))
    }

    /// Whether an object key (`key`, written at `span`) is, or holds, a template expression:
    /// a key whose text is not known, such as a Terraform `dynamic` block's
    /// `${principals.value.type}`.
    pub fn key_holds_template_expression(&self, key: &str, span: Span) -> bool {
        self.in_region(span) || holds_template_expression(key, self.interpolated)
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
pub(super) fn render_function<'n>(node: &'n Node<'n>, arena: &'n Arena) -> Option<&'n str> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse;

    #[test]
    fn which_expressions_a_template_fills_in() {
        for shaped in [
            "acs:oss:*:*:${var.bucket}/*",
            "${local.arn}",
            "${module.x.arn}",
            "${data.alicloud_account.current.id}",
            "acs:oss:*:*:${alicloud_oss_bucket.logs.id}",
            "${jsonencode(var.actions)}",
            "${ lower(local.name) }",
            "${var.on ? \"a\" : \"b\"}",
            "${AWS::AccountId}",
            "acs:ram::${ALIYUN::TenantId}:role/x",
            "${~ var.x ~}",
        ] {
            assert!(holds_template_expression(shaped, false), "{shaped}");
        }
        // Documentation placeholders and policy variables stay what they are...
        for not_shaped in [
            "acs:oss:*:*:${bucket}/*",
            "${BucketName}",
            "${Bucket.Name}",
            "${acs:CurrentTime}",
            "${aws:username}",
            "${*}",
            "plain",
            "$ {var.x}",
            "${unclosed",
        ] {
            assert!(
                !holds_template_expression(not_shaped, false),
                "{not_shaped}"
            );
        }
        // ... but where the host interpolates its strings, every `${...}` but a policy
        // variable is the template's.
        assert!(holds_template_expression("acs:oss:*:*:${bucket}/*", true));
        assert!(!holds_template_expression("${aws:username}", true));
    }

    #[test]
    fn functions_are_template_values_and_sub_and_join_are_known_in_part() {
        let arena = Arena::new();
        let text = r#"[{"Ref": "B"}, {"Fn::GetAtt": ["R", "Arn"]}, {"Condition": "IsProd"},
            {"Fn::Sub": "acs:oss:*:*:${B}/*"}, {"Fn::Sub": ["arn:aws:s3:::${B}", {"B": {"Ref": "X"}}]},
            {"Fn::Join": ["", ["acs:oss:*:*:", {"Ref": "B"}, "/", {"Fn::GetAtt": ["R", "Name"]}]]},
            {"Fn::Sub": "${Arn}"}, {"Condition": {"Bool": {}}}, {"Ref": "A", "Other": 1}, "${var.x}"]"#;
        let tree = parse(text, &arena).unwrap();
        let items = tree.root.as_array().unwrap();
        let templates = TemplateValues::find(text, &tree.root, &[], false, &arena);
        let functions: Vec<Option<&str>> = items.iter().map(template_function).collect();
        assert_eq!(
            functions,
            [
                Some("Ref"),
                Some("Fn::GetAtt"),
                Some("Condition"),
                Some("Fn::Sub"),
                Some("Fn::Sub"),
                Some("Fn::Join"),
                Some("Fn::Sub"),
                None,
                None,
                None
            ]
        );
        let values: Vec<bool> = items
            .iter()
            .map(|n| templates.is_template_value(n))
            .collect();
        assert_eq!(
            values,
            [true, true, true, true, true, true, true, false, false, true]
        );
        let rendered: Vec<Option<&str>> =
            items.iter().map(|n| render_function(n, &arena)).collect();
        assert_eq!(
            rendered,
            [
                None,
                None,
                None,
                Some("acs:oss:*:*:${B}/*"),
                Some("arn:aws:s3:::${B}"),
                Some("acs:oss:*:*:${B}/${R.Name}"),
                None,
                None,
                None,
                None
            ]
        );
        // What lies inside a function is part of it.
        let inner = &items[5].as_object().unwrap()[0].value.as_array().unwrap()[1];
        assert!(templates.is_template_value(inner));
    }

    #[test]
    fn masked_expressions_are_template_values_where_they_are() {
        let arena = Arena::new();
        let text = r#"{"A": "$var.x", "B": "$var.x"}"#;
        let tree = parse(text, &arena).unwrap();
        let members = tree.root.as_object().unwrap();
        let masked = [members[0].value.span];
        let templates = TemplateValues::find(text, &tree.root, &masked, false, &arena);
        assert!(templates.is_template_value(&members[0].value));
        assert!(!templates.is_template_value(&members[1].value));
    }
}
