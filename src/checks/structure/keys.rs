//! The keys of a policy's objects: a key twice in one object (PL002), a key the grammar
//! does not know (PL005), and the keys the grammar knows, for the dialect.

use crate::checks::{CheckContext, for_each_repeat};
use crate::diagnostic::{Edit, Finding, Fix};
use crate::model::{Dialect, STATEMENT};
use crate::parse::{Member, NodeKind};

/// PL002: a key twice in one object.
pub fn duplicate_key(ctx: &CheckContext, out: &mut Vec<Finding>) {
    // Room for a policy's usual breadth, so the stack is seldom grown.
    let mut stack = Vec::with_capacity(64);
    stack.push(ctx.root);
    while let Some(node) = stack.pop() {
        match &node.kind {
            NodeKind::Object(members) => {
                for_each_repeat(
                    members,
                    |a, b| a.key == b.key,
                    |m| m.key,
                    |i, first| {
                        let (member, first) = (&members[i], &members[first]);
                        out.push(
                            Finding::new(
                                member.key_span,
                                format!("`{}` appears twice in this object; JSON parsers keep only the last one", member.key),
                            )
                            .label(first.key_span, "first defined here; this value is silently discarded")
                            .help(format!(
                                "merge the two `{}` entries into one{}",
                                member.key,
                                if matches!(member.key, "Action" | "NotAction" | "Resource" | "NotResource") {
                                    ", with one array holding both lists"
                                } else {
                                    ""
                                }
                            )),
                        );
                    },
                );
                stack.extend(members.iter().map(|m| &m.value));
            }
            NodeKind::Array(items) => stack.extend(items.iter()),
            _ => {}
        }
    }
}

pub(super) const RAM_POLICY_KEYS: &[&str] = &["Version", STATEMENT];
pub(super) const AWS_POLICY_KEYS: &[&str] = &["Version", "Id", STATEMENT];
const RAM_STATEMENT_KEYS: &[&str] = &[
    "Sid",
    "Effect",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
    "Principal",
];
const AWS_STATEMENT_KEYS: &[&str] = &[
    "Sid",
    "Effect",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
    "Principal",
    "NotPrincipal",
];

/// PL005: a key the grammar does not know, at policy or statement level.
pub fn unknown_element(ctx: &CheckContext, out: &mut Vec<Finding>) {
    let Some(policy) = ctx.policy else { return };
    let (policy_keys, statement_keys) = match policy.dialect {
        Dialect::Ram => (RAM_POLICY_KEYS, RAM_STATEMENT_KEYS),
        Dialect::Aws => (AWS_POLICY_KEYS, AWS_STATEMENT_KEYS),
    };
    let mut check_object = |members: &[Member], known: &[&str], level: &str| {
        // The known keys the object has, looked up once it has an unknown one: asked of
        // the whole object for each unknown key, 100,000 keys took half a minute.
        let mut present: Option<Vec<&str>> = None;
        for member in members {
            if known.contains(&member.key) {
                continue;
            }
            let suggestion = closest_key(member.key, known);
            let message = match suggestion {
                Some(s) => format!(
                    "`{}` is not a {level} element; did you mean `{s}`?",
                    member.key
                ),
                None => format!("`{}` is not a {level} element", member.key),
            };
            let mut finding = Finding::new(member.key_span, message).help(format!(
                "a {level} takes {}; element names are case-sensitive",
                known
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            if let Some(s) = suggestion {
                let present = present.get_or_insert_with(|| {
                    known
                        .iter()
                        .copied()
                        .filter(|k| members.iter().any(|m| m.key == *k))
                        .collect()
                });
                let already_there = present.contains(&s);
                if !already_there {
                    let edit = vec![Edit::replace(member.key_span, format!("\"{s}\""))];
                    let title = format!("rename to `{s}`");
                    let same_key = member.key.trim().eq_ignore_ascii_case(s);
                    finding = finding.fix(Some(
                        if same_key && rename_keeps_grants(s, policy.dialect, ctx.text) {
                            Fix::safe(title, edit)
                        } else {
                            Fix::unsafe_(title, edit)
                        },
                    ));
                }
            }
            out.push(finding);
        }
    };
    check_object(
        ctx.root.as_object().unwrap_or_default(),
        policy_keys,
        "policy",
    );
    for statement in policy.statements {
        check_object(
            statement.node.as_object().unwrap_or_default(),
            statement_keys,
            "statement",
        );
    }
}

/// Whether renaming a misspelt key to `key` keeps what the policy grants (DESIGN §2: what
/// a safe fix must do). The service does not read a misspelt element, so renaming it turns
/// the element on: `Statement` turns on every statement in it, `Effect`, `Action` or
/// `Resource` a statement that lacked it (and so granted or denied nothing), `Condition`
/// a restriction, `Principal` a grantee. Each changes what is granted, wider or narrower,
/// so only the keys that grant nothing are renamed by `--fix`: `Sid`, `Id`, and `Version`
/// where it does not turn on policy variables (in AWS, a policy without it reads
/// `${aws:username}` literally).
fn rename_keeps_grants(key: &str, dialect: Dialect, text: &str) -> bool {
    match key {
        "Sid" | "Id" => true,
        "Version" => dialect == Dialect::Ram || !text.contains("${"),
        _ => false,
    }
}

/// The known key `key` was most likely meant to be, if any is close.
pub(super) fn closest_key<'k>(key: &str, known: &[&'k str]) -> Option<&'k str> {
    let folded = key.trim().to_ascii_lowercase();
    if let Some(exact) = known.iter().find(|k| k.to_ascii_lowercase() == folded) {
        return Some(exact);
    }
    known
        .iter()
        .map(|k| {
            (
                k,
                strsim::normalized_damerau_levenshtein(&folded, &k.to_ascii_lowercase()),
            )
        })
        .filter(|&(_, score)| score >= 0.7)
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(k, _)| *k)
}
