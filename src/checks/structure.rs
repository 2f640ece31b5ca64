//! The grammar of a policy document: keys, types, required and known elements.

use super::{CheckContext, for_each_repeat, opening};
use crate::diagnostic::{Edit, Finding, Fix};
use crate::fix::{insert_first_member, remove_array_element, remove_member};
use crate::matching::trim;
use crate::model::{
    AWS_VERSIONS, Dialect, PolicyKind, STATEMENT, Statement, TemplateValues, template_function,
};
use crate::parse::{Member, Node, NodeKind};

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

const RAM_POLICY_KEYS: &[&str] = &["Version", STATEMENT];
const AWS_POLICY_KEYS: &[&str] = &["Version", "Id", STATEMENT];
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

/// The known key `key` was most likely meant to be, if any is close.
fn closest_key<'k>(key: &str, known: &[&'k str]) -> Option<&'k str> {
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
