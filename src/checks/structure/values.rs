//! Values the grammar does not take: an `Effect` other than `Allow` or `Deny` (PL008), an
//! empty string, array or object where a value is expected (PL009).

use crate::checks::CheckContext;
use crate::diagnostic::{Edit, Finding, Fix};
use crate::fix::{remove_array_element, remove_member};
use crate::matching::trim;
use crate::model::STATEMENT;
use crate::parse::{Member, Node, NodeKind};

/// PL008: an `Effect` that is not exactly `Allow` or `Deny`. A value that is one of them
/// but for case or spaces is corrected only with `--unsafe-fixes`: the service takes no
/// other value, so the statement granted (or denied) nothing, and fixing it turns it on.
pub fn invalid_effect(ctx: &CheckContext, out: &mut Vec<Finding>) {
    let Some(policy) = ctx.policy else { return };
    // Statements under a misspelt `Statement` key are that key's finding (PL005).
    if policy.statement_member.is_none_or(|m| m.key != STATEMENT) {
        return;
    }
    for statement in policy.statements {
        let Some(effect) = statement.effect else {
            continue;
        };
        let values = match &effect.value.kind {
            NodeKind::Array(items) => items,
            _ => std::slice::from_ref(&effect.value),
        };
        for node in values {
            let Some(value) = node.as_str() else { continue };
            // A value the template fills in (`${var.effect}`) is not known here.
            if value == "Allow"
                || value == "Deny"
                || policy.templates.holds_template_expression(node)
            {
                continue;
            }
            let mut finding = Finding::new(
                node.span,
                format!("`Effect` is `{value}`, but it must be exactly `Allow` or `Deny`"),
            );
            if let Some(right) = ["Allow", "Deny"]
                .into_iter()
                .find(|v| v.eq_ignore_ascii_case(value.trim()))
            {
                let literal = serde_json::to_string(right).expect("a string serializes");
                finding = finding
                    .help(format!("write `{right}`"))
                    .fix(Some(Fix::unsafe_(
                        format!("replace with `{right}`"),
                        vec![Edit::replace(node.span, literal)],
                    )));
            }
            out.push(finding);
        }
    }
}

const MULTI_VALUE: &[&str] = &[
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Principal",
    "Condition",
];

/// PL009: an empty string, array or object where a value is expected.
pub fn empty_value(ctx: &CheckContext, out: &mut Vec<Finding>) {
    let Some(policy) = ctx.policy else { return };
    if let Some(statements) = policy.statement_member
        && statements.value.as_array().is_some_and(<[Node]>::is_empty)
    {
        out.push(
            Finding::new(
                statements.value.span,
                "`Statement` is empty: this policy grants and denies nothing",
            )
            .help("add the statements the policy is meant to hold, or delete the policy"),
        );
    }
    for statement in policy.statements {
        let members = statement.node.as_object().unwrap_or_default();
        for (index, member) in members.iter().enumerate() {
            if !MULTI_VALUE.contains(&member.key) {
                continue;
            }
            empty_in(members, index, &member.value, &[member.key], out);
            match &member.value.kind {
                NodeKind::Object(inner)
                    if member.key == "Principal" || member.key == "Condition" =>
                {
                    for (i, m) in inner.iter().enumerate() {
                        empty_in(inner, i, &m.value, &[member.key, m.key], out);
                    }
                }
                _ => {}
            }
        }
    }
}

/// `path` names the value (`["Condition", "StringEquals"]`); it is joined only for a finding.
fn empty_in(
    siblings: &[Member],
    index: usize,
    value: &Node,
    path: &[&str],
    out: &mut Vec<Finding>,
) {
    let what = || path.join(".");
    match &value.kind {
        NodeKind::String(s) if trim(s).is_empty() => {
            out.push(
                Finding::new(value.span, format!("`{}` is an empty string", what()))
                    .help("write the value it is meant to hold"),
            );
        }
        NodeKind::Array([]) => {
            out.push(
                Finding::new(value.span, format!("`{}` is an empty array", what()))
                    .help("list at least one value"),
            );
        }
        NodeKind::Object([]) => {
            // An empty Condition object restricts nothing: removing it keeps the meaning.
            let fix = (path == ["Condition"])
                .then(|| remove_member(siblings, index))
                .flatten()
                .map(|edit| Fix::safe("remove the empty `Condition`", vec![edit]));
            out.push(
                Finding::new(value.span, format!("`{}` is an empty object", what()))
                    .help("fill it in or remove it")
                    .fix(fix),
            );
        }
        NodeKind::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                if item.as_str().is_some_and(|s| trim(s).is_empty()) {
                    // An empty entry matches nothing, so dropping it keeps the meaning.
                    let fix = remove_array_element(items, i)
                        .map(|edit| Fix::safe("remove the empty entry", vec![edit]));
                    out.push(
                        Finding::new(
                            item.span,
                            format!("an entry of `{}` is an empty string", what()),
                        )
                        .help("remove it, or write the value it is meant to hold")
                        .fix(fix),
                    );
                }
            }
        }
        _ => {}
    }
}
