//! Privilege escalation: RAM actions that let whoever holds them grant themselves more.

use super::CheckContext;
use super::access::{covers_all_resources, is_every_action};
use crate::diagnostic::Finding;
use crate::matching::{action_matches, trim, wildcard_covers, wildcard_match};
use crate::model::{Entry, Statement};
use crate::parse::Node;

/// A RAM action that lets its holder raise its own privileges, the kind of RAM resource it
/// acts on, and what the holder can do with it on every resource of that kind.
struct Escalation {
    action: &'static str,
    target: &'static str,
    consequence: &'static str,
}

/// In the order findings name them when a pattern grants several.
const ESCALATIONS: [Escalation; 10] = [
    Escalation {
        action: "ram:AttachPolicyToUser",
        target: "user",
        consequence: "attach AdministratorAccess to itself",
    },
    Escalation {
        action: "ram:AttachPolicyToRole",
        target: "role",
        consequence: "attach AdministratorAccess to any role, including one it can assume",
    },
    Escalation {
        action: "ram:AttachPolicyToGroup",
        target: "group",
        consequence: "attach AdministratorAccess to a group it belongs to",
    },
    Escalation {
        action: "ram:CreatePolicyVersion",
        target: "policy",
        consequence: "rewrite a custom policy attached to it so that it allows everything",
    },
    Escalation {
        action: "ram:SetDefaultPolicyVersion",
        target: "policy",
        consequence: "switch a custom policy attached to it to a version that allows more",
    },
    Escalation {
        action: "ram:UpdateRole",
        target: "role",
        consequence: "rewrite any role's trust policy so that it can assume that role",
    },
    Escalation {
        action: "ram:CreateAccessKey",
        target: "user",
        consequence: "create an AccessKey for any user, administrators included, and act as that user",
    },
    Escalation {
        action: "ram:CreateLoginProfile",
        target: "user",
        consequence: "give any user without a console password one, and sign in as that user",
    },
    Escalation {
        action: "ram:UpdateLoginProfile",
        target: "user",
        consequence: "change any user's console password and sign in as that user",
    },
    Escalation {
        action: "ram:AddUserToGroup",
        target: "group",
        consequence: "add itself to any group, administrators' groups included",
    },
];

/// PL303: Allow, on every RAM user, role, group or policy, of an action that lets the holder
/// grant itself more. Statements that are administrator access already (`*` on `*`,
/// PL301) and statements whose Condition tests a `ram:` key or a resource tag (which
/// narrows the users, roles or policies reached, as `ram:TrustedPrincipalTypes` does) are
/// left alone.
pub fn privilege_escalation(ctx: &CheckContext, out: &mut Vec<Finding>) {
    let Some(policy) = ctx.policy else { return };
    for statement in policy.statements.iter().filter(|s| s.is_allow()) {
        if is_administrator(statement) || condition_scopes_targets(statement) {
            continue;
        }
        // The statement's resources are searched once, when an action first needs them.
        let mut unscoped = None;
        let mut unscoped = || *unscoped.get_or_insert_with(|| Unscoped::of(statement));
        if let Some(actions) = &statement.action {
            for action in actions
                .entries
                .iter()
                .filter(|a| may_name_ram_action(a.text))
            {
                let granted = |e: &Escalation| action_matches(action.text, e.action);
                if let Some((escalation, resource)) = unscoped().first(granted) {
                    out.push(finding(action, escalation, resource));
                }
            }
        } else if let Some(not_actions) = &statement.not_action {
            let granted =
                |e: &Escalation| !not_actions.texts().any(|na| action_matches(na, e.action));
            if let Some((escalation, resource)) = unscoped().first(granted) {
                out.push(
                    Finding::new(
                        not_actions.member.key_span,
                        format!(
                            "`NotAction` leaves `{}` allowed on every RAM {}, which lets the holder {}",
                            escalation.action, escalation.target, escalation.consequence
                        ),
                    )
                    .label(resource.span, format!("every RAM {}", escalation.target))
                    .help(format!(
                        "add `{}` (or `ram:*`) to `NotAction`, or better, list the actions to allow under `Action`",
                        escalation.action
                    )),
                );
            }
        }
    }
}

/// Whether `action` can match a RAM action at all, decided once instead of against every
/// escalation: most actions of a policy belong to other services. Without a `*` before the
/// first colon, the part before it matches exactly the service code.
fn may_name_ram_action(action: &str) -> bool {
    match trim(action).split_once(':') {
        Some((service, _)) if !service.contains('*') => wildcard_match(service, "ram", true),
        _ => true,
    }
}

/// `*` on `*`: reported by PL301 as administrator access, which includes all of this.
fn is_administrator(statement: &Statement) -> bool {
    statement.actions().any(is_every_action)
        && statement.resources().any(|r| covers_all_resources(r, None))
}

/// Whether the Condition tests a key that narrows which RAM identities or policies are
/// reached: any `ram:` key, or a resource tag.
fn condition_scopes_targets(statement: &Statement) -> bool {
    let Some(blocks) = statement.condition.and_then(|c| c.value.as_object()) else {
        return false;
    };
    blocks
        .iter()
        .filter_map(|block| block.value.as_object())
        .flatten()
        .any(|test| {
            let key = trim(test.key).as_bytes();
            let starts_with = |prefix: &[u8]| {
                key.get(..prefix.len())
                    .is_some_and(|start| start.eq_ignore_ascii_case(prefix))
            };
            starts_with(b"ram:") || starts_with(b"acs:resourcetag/")
        })
}

/// The kinds of RAM resource escalations act on.
const TARGETS: [&str; 4] = ["user", "role", "group", "policy"];

/// For each of `TARGETS`, the first resource of a statement that names every RAM resource
/// of that kind.
#[derive(Clone, Copy)]
struct Unscoped<'n>([Option<&'n Node<'n>>; TARGETS.len()]);

impl<'n> Unscoped<'n> {
    fn of(statement: &Statement<'n>) -> Self {
        let mut first = [None; TARGETS.len()];
        let resources = statement.resource.iter().flat_map(|r| &r.entries);
        for resource in resources {
            for (slot, target) in first.iter_mut().zip(TARGETS) {
                if slot.is_none() && covers_every(resource.text, target) {
                    *slot = Some(resource.node);
                }
            }
            if first.iter().all(Option::is_some) {
                break;
            }
        }
        Unscoped(first)
    }

    /// The first escalation that `granted` says the statement grants, with the resource
    /// that names every RAM resource of its kind.
    fn first(
        self,
        granted: impl Fn(&Escalation) -> bool,
    ) -> Option<(&'static Escalation, &'n Node<'n>)> {
        ESCALATIONS.iter().filter(|e| granted(e)).find_map(|e| {
            let target = TARGETS.iter().position(|t| *t == e.target)?;
            self.0[target].map(|resource| (e, resource))
        })
    }
}

/// Whether `resource` names every RAM resource of kind `target` (`user`, `role`...):
/// `*`, `acs:ram:*:*:*`, `acs:ram:*:<account>:*`, `acs:ram:*:*:user/*` and the like.
/// A specific account still counts: it is the account the holder works in.
fn covers_every(resource: &str, target: &str) -> bool {
    let resource = trim(resource);
    if resource == "*" {
        return true;
    }
    let mut parts = resource.splitn(5, ':');
    let (Some("acs"), Some(service), Some(_region), Some(_account), Some(relative)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return false;
    };
    wildcard_covers(service, "ram", true)
        && wildcard_covers(relative, &format!("{target}/*"), false)
}

fn finding(action: &Entry, escalation: &Escalation, resource: &Node) -> Finding {
    let text = action.text.trim();
    let what = format!(
        "on every RAM {}, which lets the holder {}",
        escalation.target, escalation.consequence
    );
    let (message, remedy) = if text.eq_ignore_ascii_case(escalation.action) {
        (
            format!(
                "`{text}` on every RAM {} lets the holder {}",
                escalation.target, escalation.consequence
            ),
            format!("remove `{text}`"),
        )
    } else {
        (
            format!("`{text}` grants `{}` {what}", escalation.action),
            format!("replace `{text}` with the actions the principal needs"),
        )
    };
    Finding::new(action.node.span, message)
        .label(resource.span, format!("every RAM {}", escalation.target))
        .help(format!(
            "scope `Resource` to the {target}s this principal must manage, e.g. `acs:ram:*:<account-id>:{target}/<name>`, or {remedy}",
            target = escalation.target
        ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unscoped_ram_resources() {
        for unscoped in [
            "*",
            "acs:ram:*:*:*",
            "acs:ram:*:123456789012:*",
            "acs:ram::123456789012:*",
            "acs:ram:*:*:user/*",
            "acs:*:*:*:*",
            " acs:ram:*:*:user* ",
        ] {
            assert!(covers_every(unscoped, "user"), "{unscoped}");
        }
        for scoped in [
            "acs:ram:*:123456789012:user/alice",
            "acs:ram:*:*:user/dev-*",
            "acs:ram:*:*:role/*",
            "acs:ram:*:*:*/AliyunCDNLoggingRolePolicy",
            "acs:oss:*:*:*",
            "acs:ram:*:*",
            "arn:aws:iam::*:user/*",
        ] {
            assert!(!covers_every(scoped, "user"), "{scoped}");
        }
        assert!(covers_every("acs:ram:*:*:role/*", "role"));
        assert!(covers_every("acs:ram:*:*:policy/*", "policy"));
    }

    #[test]
    fn only_actions_that_cannot_match_ram_are_passed_over() {
        for may in [
            "ram:AttachPolicyToUser",
            "RAM:*",
            "r?m:Attach*",
            "*",
            "*:*",
            "ra*",
            "*Attach*",
            " ram:UpdateRole ",
        ] {
            assert!(may_name_ram_action(may), "{may}");
            assert!(
                ESCALATIONS.iter().any(|e| action_matches(may, e.action)),
                "{may}"
            );
        }
        for cannot in ["oss:GetObject", "ecs:*", "rm:*", "rams:*", "?:*"] {
            assert!(!may_name_ram_action(cannot), "{cannot}");
            assert!(
                !ESCALATIONS.iter().any(|e| action_matches(cannot, e.action)),
                "{cannot}"
            );
        }
    }

    #[test]
    fn escalation_actions_are_ram_actions_with_a_target() {
        for e in &ESCALATIONS {
            assert!(e.action.starts_with("ram:"));
            assert!(TARGETS.contains(&e.target));
        }
        assert!(
            ESCALATIONS
                .iter()
                .any(|e| action_matches("ram:Attach*", e.action))
        );
    }
}
