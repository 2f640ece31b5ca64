//! The JSON types the grammar needs (PL003): a policy is an object, `Statement` an array
//! of objects, `Action` and `Resource` strings or arrays of strings, `Principal` and
//! `Condition` objects of the shapes the dialect takes.

use crate::checks::{CheckContext, opening};
use crate::diagnostic::Finding;
use crate::model::{Dialect, Statement, TemplateValues, template_function};
use crate::parse::{Node, NodeKind};

/// A key name in backticks, as messages name it: formatted only if a message is written.
struct Quoted<'a>(&'a str);

impl std::fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`{}`", self.0)
    }
}

/// The finding for a value of the wrong type; none for a template value (`{"Ref": ...}`, a
/// masked `${...}`), which stands for a value the template fills in.
fn wrong_type(
    templates: &TemplateValues,
    node: &Node,
    what: &dyn std::fmt::Display,
    expected: &str,
) -> Option<Finding> {
    if templates.is_template_value(node) {
        return None;
    }
    Some(Finding::new(
        node.span,
        format!("{what} must be {expected}, not {}", node.type_name()),
    ))
}

/// PL003: a JSON type where the grammar needs another.
pub fn invalid_structure(ctx: &CheckContext, out: &mut Vec<Finding>) {
    let Some(policy) = ctx.policy else {
        out.push(
            Finding::new(
                opening(ctx.root),
                format!(
                    "a policy is a JSON object, but this file holds {}",
                    ctx.root.type_name()
                ),
            )
            .help("write the policy as `{\"Version\": \"1\", \"Statement\": [ ... ]}`"),
        );
        return;
    };
    let Some(statements) = policy.statement_member else {
        return;
    };
    let templates = &policy.templates;
    let items = match &statements.value.kind {
        NodeKind::Array(items) => items,
        // AWS takes a lone statement object; RAM only takes an array. Either way the model
        // reads it as one statement, so its own elements are still checked.
        NodeKind::Object(_) => {
            if policy.dialect == Dialect::Ram && template_function(&statements.value).is_none() {
                out.push(
                    Finding::new(
                        statements.value.span,
                        "`Statement` must be an array of statements, not a single object",
                    )
                    .help("wrap the statement in square brackets: `\"Statement\": [ { ... } ]`"),
                );
            }
            &[][..]
        }
        _ => {
            out.extend(wrong_type(
                templates,
                &statements.value,
                &"`Statement`",
                "an array of statements",
            ));
            return;
        }
    };
    for item in items {
        if item.as_object().is_none() {
            out.extend(wrong_type(templates, item, &"this statement", "an object"));
        }
    }
    for statement in policy.statements {
        check_statement_types(templates, policy.dialect, statement, out);
    }
}

fn check_statement_types(
    templates: &TemplateValues,
    dialect: Dialect,
    statement: &Statement,
    out: &mut Vec<Finding>,
) {
    for member in statement.node.as_object().unwrap_or_default() {
        let what = Quoted(member.key);
        let value = &member.value;
        match member.key {
            "Sid" | "Effect" if value.as_str().is_none() => {
                out.extend(wrong_type(templates, value, &what, "a string"))
            }
            "Action" | "NotAction" | "Resource" | "NotResource" => {
                check_string_or_strings(templates, value, &what, out)
            }
            "Principal" | "NotPrincipal" => match &value.kind {
                NodeKind::String(_) => {}
                NodeKind::Object(members) if template_function(value).is_none() => {
                    for m in members.iter() {
                        check_string_or_strings(
                            templates,
                            &m.value,
                            &format!("`Principal.{}`", m.key),
                            out,
                        );
                    }
                }
                // A list of account IDs, as OSS bucket policies write it.
                NodeKind::Array(_) => check_string_or_strings(templates, value, &what, out),
                _ => out.extend(wrong_type(
                    templates,
                    value,
                    &what,
                    match dialect {
                        Dialect::Ram => "a string or an object such as `{\"RAM\": [...]}`",
                        Dialect::Aws => "a string or an object such as `{\"AWS\": [...]}`",
                    },
                )),
            },
            "Condition" => match &value.kind {
                _ if template_function(value).is_some() => {}
                NodeKind::Object(operators) => {
                    for operator in operators.iter() {
                        match &operator.value.kind {
                            _ if template_function(&operator.value).is_some() => {}
                            NodeKind::Object(keys) => {
                                for key in keys.iter() {
                                    check_condition_values(templates, &key.value, key.key, out);
                                }
                            }
                            _ => out.extend(wrong_type(
                                templates,
                                &operator.value,
                                &format!("the `{}` condition block", operator.key),
                                "an object of condition keys and values",
                            )),
                        }
                    }
                }
                _ => out.extend(wrong_type(
                    templates,
                    value,
                    &what,
                    match dialect {
                        Dialect::Ram => {
                            "an object such as `{\"StringEquals\": {\"acs:SourceVpc\": \"vpc-1\"}}`"
                        }
                        Dialect::Aws => {
                            "an object such as `{\"StringEquals\": {\"aws:SourceVpc\": \"vpc-1\"}}`"
                        }
                    },
                )),
            },
            _ => {}
        }
    }
}

fn check_string_or_strings(
    templates: &TemplateValues,
    value: &Node,
    what: &dyn std::fmt::Display,
    out: &mut Vec<Finding>,
) {
    match &value.kind {
        NodeKind::String(_) => {}
        NodeKind::Array(items) => {
            for item in items.iter() {
                if item.as_str().is_none() {
                    out.extend(wrong_type(
                        templates,
                        item,
                        &format!("this entry of {what}"),
                        "a string",
                    ));
                }
            }
        }
        _ => out.extend(wrong_type(
            templates,
            value,
            what,
            "a string or an array of strings",
        )),
    }
}

fn check_condition_values(
    templates: &TemplateValues,
    value: &Node,
    key: &str,
    out: &mut Vec<Finding>,
) {
    let scalar = |n: &Node| {
        matches!(
            n.kind,
            NodeKind::String(_) | NodeKind::Number(_) | NodeKind::Bool(_)
        )
    };
    match &value.kind {
        NodeKind::Array(items) => {
            // Point at the offending entry, not the whole list.
            for item in items.iter().filter(|item| !scalar(item)) {
                out.extend(wrong_type(
                    templates,
                    item,
                    &format!("this value of condition key `{key}`"),
                    "a string",
                ));
            }
        }
        _ if !scalar(value) => {
            out.extend(wrong_type(
                templates,
                value,
                &format!("the value of condition key `{key}`"),
                "a string or an array of strings",
            ));
        }
        _ => {}
    }
}
