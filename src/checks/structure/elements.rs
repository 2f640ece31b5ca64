//! The elements a policy must have: `Version`, with the value the dialect takes (PL004),
//! and `Statement`, and in each statement `Effect`, `Action`, `Resource` and, outside
//! identity policies, `Principal` (PL006).

use super::keys::{AWS_POLICY_KEYS, RAM_POLICY_KEYS, closest_key};
use crate::checks::{CheckContext, opening};
use crate::diagnostic::{Edit, Finding, Fix};
use crate::fix::insert_first_member;
use crate::model::{AWS_VERSIONS, Dialect, PolicyKind};
use crate::parse::NodeKind;

/// PL004: Version missing or not what the dialect takes.
pub fn invalid_version(ctx: &CheckContext, out: &mut Vec<Finding>) {
    let Some(policy) = ctx.policy else { return };
    let Some(version) = policy.version else {
        let members = ctx.root.as_object().unwrap_or_default();
        // A misspelt `Version` key (`version`, `Verbion`) is PL005's to rename; inserting
        // another would clash with the renamed one.
        let policy_keys = match policy.dialect {
            Dialect::Ram => RAM_POLICY_KEYS,
            Dialect::Aws => AWS_POLICY_KEYS,
        };
        if members
            .iter()
            .any(|m| closest_key(m.key, policy_keys) == Some("Version"))
        {
            return;
        }
        out.push(match policy.dialect {
            Dialect::Ram => Finding::new(opening(ctx.root), "this policy has no `Version`; RAM requires `\"Version\": \"1\"`")
                .help("add `\"Version\": \"1\"` as the first element")
                .fix(Some(Fix::safe(
                    "insert `\"Version\": \"1\"`",
                    vec![insert_first_member(ctx.text, ctx.root, members, "\"Version\": \"1\"")],
                ))),
            Dialect::Aws => Finding::new(opening(ctx.root), "this policy has no `Version`; IAM then applies 2008-10-17, which has no policy variables")
                .help("add `\"Version\": \"2012-10-17\"`"),
        });
        return;
    };
    let value = &version.value;
    if policy.templates.is_template_value(value) {
        return;
    }
    let text = value.as_str();
    match policy.dialect {
        Dialect::Ram if text == Some("1") => {}
        Dialect::Aws if text.is_some_and(|t| AWS_VERSIONS.contains(&t)) => {}
        Dialect::Ram => {
            let written = &ctx.text[value.span.start..value.span.end];
            let same_meaning = text.is_some_and(|t| t.trim() == "1")
                || matches!(&value.kind, NodeKind::Number(n) if *n == "1");
            let fix = if same_meaning {
                Fix::safe("write `\"1\"`", vec![Edit::replace(value.span, "\"1\"")])
            } else {
                Fix::unsafe_(
                    "replace with `\"1\"`",
                    vec![Edit::replace(value.span, "\"1\"")],
                )
            };
            out.push(
                Finding::new(value.span, format!("`Version` is {written}, but RAM policies take only the string `\"1\"`"))
                    .help(if text.is_some_and(|t| t.starts_with("20")) {
                        "`2012-10-17`-style dates are AWS versions; a RAM policy says `\"Version\": \"1\"`"
                    } else {
                        "write `\"Version\": \"1\"` (a string, not a number)"
                    })
                    .fix(Some(fix)),
            );
        }
        Dialect::Aws => {
            let written = &ctx.text[value.span.start..value.span.end];
            out.push(
                Finding::new(
                    value.span,
                    format!(
                        "`Version` is {written}, but IAM takes `\"2012-10-17\"` or `\"2008-10-17\"`"
                    ),
                )
                .help("write `\"Version\": \"2012-10-17\"`"),
            );
        }
    }
}

/// PL006: a required element is missing.
pub fn missing_element(ctx: &CheckContext, out: &mut Vec<Finding>) {
    let Some(policy) = ctx.policy else { return };
    if policy.statement_member.is_none() {
        out.push(
            Finding::new(opening(ctx.root), "this policy has no `Statement`")
                .help("add `\"Statement\": [ ... ]` with at least one statement"),
        );
        return;
    }
    for statement in policy.statements {
        let mut missing = Vec::new();
        if statement.effect.is_none() {
            missing.push((
                "`Effect`",
                "add `\"Effect\": \"Allow\"` or `\"Effect\": \"Deny\"`",
            ));
        }
        if statement.action.is_none() && statement.not_action.is_none() {
            missing.push(("`Action`", match policy.dialect {
                Dialect::Ram => "add `\"Action\"` with the actions this statement is about, such as `\"oss:GetObject\"`",
                Dialect::Aws => "add `\"Action\"` with the actions this statement is about, such as `\"s3:GetObject\"`",
            }));
        }
        let needs_resource = policy.kind != PolicyKind::Trust;
        if needs_resource && statement.resource.is_none() && statement.not_resource.is_none() {
            missing.push(("`Resource`", match policy.dialect {
                Dialect::Ram => "add `\"Resource\"` naming what the actions apply to, such as `\"acs:oss:*:*:my-bucket/*\"`",
                Dialect::Aws => "add `\"Resource\"` naming what the actions apply to, such as `\"arn:aws:s3:::my-bucket/*\"`",
            }));
        }
        if policy.kind != PolicyKind::Identity
            && statement.principal.is_none()
            && statement.not_principal.is_none()
        {
            missing.push(("`Principal`", "in a trust or resource policy every statement names who it applies to with `\"Principal\"`"));
        }
        for (element, help) in missing {
            out.push(
                Finding::new(
                    opening(statement.node),
                    format!("this statement has no {element}"),
                )
                .help(help),
            );
        }
    }
}
