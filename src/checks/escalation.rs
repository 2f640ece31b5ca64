//! Privilege escalation in both clouds: actions that let whoever holds them grant
//! themselves more, from the table of paths in `rules/data/escalation.toml`.

use super::CheckContext;
use super::access::{covers_all_resources, is_every_action};
use crate::diagnostic::Finding;
use crate::matching::{action_matches, split_once_byte, trim, wildcard_covers, wildcard_match};
use crate::model::{Dialect, Entry, Statement};
use crate::parse::Node;
use std::sync::LazyLock;

const DATA: &str = include_str!("../../rules/data/escalation.toml");

/// One path of `rules/data/escalation.toml`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Escalation {
    dialect: Dialect,
    action: String,
    /// `<service>:<relative pattern>`: the resources it escalates through when all are
    /// allowed (`iam:user/*`).
    target: String,
    consequence: String,
    /// Actions that complete the path when the policy allows them too.
    #[serde(default)]
    with: Vec<String>,
}

impl Escalation {
    fn target_service(&self) -> &str {
        self.target
            .split_once(':')
            .map_or("", |(service, _)| service)
    }

    fn target_pattern(&self) -> &str {
        self.target
            .split_once(':')
            .map_or("", |(_, pattern)| pattern)
    }

    /// How findings name the target: `RAM user`, `IAM role`, `Lambda function`.
    fn target_name(&self) -> String {
        let kind = self
            .target_pattern()
            .split(['/', ':'])
            .next()
            .unwrap_or_default();
        let service = match self.target_service() {
            "ram" => "RAM".to_string(),
            "iam" => "IAM".to_string(),
            "lambda" => "Lambda".to_string(),
            "glue" => "Glue".to_string(),
            other => other.to_string(),
        };
        format!("{service} {kind}")
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    path: Vec<Escalation>,
}

static ESCALATIONS: LazyLock<Vec<Escalation>> = LazyLock::new(|| {
    toml::from_str::<Table>(DATA)
        .unwrap_or_else(|e| panic!("rules/data/escalation.toml is broken: {e}"))
        .path
});

fn escalations(dialect: Dialect) -> impl Iterator<Item = &'static Escalation> {
    ESCALATIONS.iter().filter(move |e| e.dialect == dialect)
}

/// The distinct service codes of each dialect's path actions (RAM first), lower-cased:
/// every action of every policy is asked whether it may name one.
static PATH_SERVICES: LazyLock<[Vec<String>; 2]> = LazyLock::new(|| {
    [Dialect::Ram, Dialect::Aws].map(|dialect| {
        let mut codes: Vec<String> = escalations(dialect)
            .filter_map(|e| e.action.split_once(':'))
            .map(|(code, _)| code.to_ascii_lowercase())
            .collect();
        codes.sort_unstable();
        codes.dedup();
        codes
    })
});

fn path_services(dialect: Dialect) -> &'static [String] {
    &PATH_SERVICES[usize::from(dialect == Dialect::Aws)]
}

/// PL303: Allow, on every user, role, group, policy or function of its kind, of an action
/// that lets the holder grant itself more. Statements that are administrator access already
/// (`*` on `*`, PL301) are left alone, and so is a path whose statement has a Condition on
/// a key of the target's service (`ram:TrustedPrincipalTypes`, `iam:PassedToService`) or on
/// a resource tag, which narrow what is reached.
pub fn privilege_escalation(ctx: &CheckContext, out: &mut Vec<Finding>) {
    let Some(policy) = ctx.policy else { return };
    let dialect = policy.dialect;
    let allowed = || policy.statements.iter().filter(|s| s.is_allow());
    for statement in allowed() {
        if is_administrator(statement) {
            continue;
        }
        let reachable = |e: &Escalation| !condition_narrows(statement, e);
        // The statement's resources are searched once, when an action first needs them:
        // a long list of actions would otherwise search them again for each.
        let mut unscoped = None;
        let mut unscoped = || {
            unscoped
                .get_or_insert_with(|| Unscoped::of(statement, dialect))
                .clone()
        };
        if let Some(actions) = &statement.action {
            for action in actions
                .entries
                .iter()
                .filter(|a| may_name_path_action(a.text, dialect))
            {
                let granted =
                    |e: &Escalation| reachable(e) && action_matches(action.text, &e.action);
                if let Some((escalation, resource)) = unscoped().first(dialect, granted) {
                    let companion = companion(escalation, allowed());
                    out.push(finding(action, escalation, resource, companion));
                }
            }
        } else if let Some(not_actions) = &statement.not_action {
            let granted = |e: &Escalation| {
                reachable(e) && !not_actions.texts().any(|na| action_matches(na, &e.action))
            };
            if let Some((escalation, resource)) = unscoped().first(dialect, granted) {
                let target = escalation.target_name();
                out.push(
                    Finding::new(
                        not_actions.member.key_span,
                        format!(
                            "`NotAction` leaves `{}` allowed on every {target}, which lets the holder {}",
                            escalation.action, escalation.consequence
                        ),
                    )
                    .label(resource.span, format!("every {target}"))
                    .help(format!(
                        "add `{}` (or `{}:*`) to `NotAction`, or better, list the actions to allow under `Action`",
                        escalation.action,
                        escalation.action.split_once(':').map_or("", |(s, _)| s)
                    )),
                );
            }
        }
    }
}

/// The first action of `with` that an Allow statement of the policy grants, with the
/// statement's entry that grants it.
fn companion<'n>(
    escalation: &'static Escalation,
    mut allowed: impl Iterator<Item = &'n Statement<'n>>,
) -> Option<(&'static str, Entry<'n>)> {
    if escalation.with.is_empty() {
        return None;
    }
    allowed.find_map(|statement| {
        let entries = &statement.action.as_ref()?.entries;
        escalation.with.iter().find_map(|companion| {
            entries
                .iter()
                .find(|a| action_matches(a.text, companion))
                .map(|a| (companion.as_str(), *a))
        })
    })
}

/// Whether `action` can match an action of a path of `dialect` at all, decided once instead
/// of against every path: most actions of a policy belong to other services. Without a `*`
/// or `?` before the first colon, the part before it matches exactly the service code.
fn may_name_path_action(action: &str, dialect: Dialect) -> bool {
    match split_once_byte(trim(action), b':') {
        Some((service, _)) if !service.contains(['*', '?']) => path_services(dialect)
            .iter()
            .any(|code| code.eq_ignore_ascii_case(service)),
        Some((service, _)) => path_services(dialect)
            .iter()
            .any(|code| wildcard_match(service, code, true)),
        None => true,
    }
}

/// `*` on `*`: reported by PL301 as administrator access, which includes all of this.
fn is_administrator(statement: &Statement) -> bool {
    statement.actions().any(is_every_action)
        && statement.resources().any(|r| covers_all_resources(r, None))
}

/// Whether the statement's Condition tests a key that narrows which targets of the path
/// are reached: a key of the target's service (`ram:`, `iam:`), or a resource tag.
fn condition_narrows(statement: &Statement, escalation: &Escalation) -> bool {
    let Some(blocks) = statement.condition.and_then(|c| c.value.as_object()) else {
        return false;
    };
    let service = escalation.target_service().as_bytes();
    blocks
        .iter()
        .filter_map(|block| block.value.as_object())
        .flatten()
        .any(|test| {
            let key = trim(test.key).as_bytes();
            let is_service_key = key.len() > service.len()
                && key[..service.len()].eq_ignore_ascii_case(service)
                && key[service.len()] == b':';
            let lower = trim(test.key).to_ascii_lowercase();
            is_service_key || lower.contains(":resourcetag/")
        })
}

/// For each path of a dialect, in table order, the first resource of a statement that names
/// every resource of the path's target.
#[derive(Clone)]
struct Unscoped<'n>(std::rc::Rc<[Option<&'n Node<'n>>]>);

impl<'n> Unscoped<'n> {
    fn of(statement: &Statement<'n>, dialect: Dialect) -> Self {
        let resources = statement.resource.iter().flat_map(|r| &r.entries);
        let mut first: Vec<Option<&'n Node<'n>>> = escalations(dialect).map(|_| None).collect();
        for resource in resources {
            // Read once for every path: a statement's resources meet dozens of them.
            let Some(name) = ResourceName::of(resource.text) else {
                continue;
            };
            for (slot, e) in first.iter_mut().zip(escalations(dialect)) {
                if slot.is_none() && name.covers_every(e.target_service(), e.target_pattern()) {
                    *slot = Some(resource.node);
                }
            }
            if first.iter().all(Option::is_some) {
                break;
            }
        }
        Unscoped(first.into())
    }

    /// The first path that `granted` says the statement grants, with the resource that
    /// names every resource of its target.
    fn first(
        &self,
        dialect: Dialect,
        granted: impl Fn(&Escalation) -> bool,
    ) -> Option<(&'static Escalation, &'n Node<'n>)> {
        // Paths without an unscoped resource are passed over before `granted` is asked.
        escalations(dialect)
            .zip(self.0.iter())
            .find_map(|(e, resource)| resource.filter(|_| granted(e)).map(|r| (e, r)))
    }
}

/// A resource entry, read once for every escalation path.
enum ResourceName<'r> {
    /// `*`.
    Everything,
    /// A name's service and relative name (`user/*` of `acs:ram:*:*:user/*`).
    Of { service: &'r str, relative: &'r str },
}

impl<'r> ResourceName<'r> {
    /// `None` for text that is neither `*` nor an `acs:` or `arn:` name.
    fn of(resource: &'r str) -> Option<Self> {
        let resource = trim(resource);
        if resource == "*" {
            return Some(ResourceName::Everything);
        }
        let (_scheme, service, relative) = crate::catalogue::arn::parts(resource)?;
        Some(ResourceName::Of { service, relative })
    }

    /// Whether this resource names every resource of `service` whose relative name `pattern`
    /// describes (`user/*`): `*`, `acs:ram:*:*:*`, `acs:ram::<account>:user/*`,
    /// `arn:aws:iam::*:role/*`, `arn:aws:lambda:*:*:function:*` and the like. A specific
    /// account still counts: it is the account the holder works in.
    fn covers_every(&self, service: &str, pattern: &str) -> bool {
        match self {
            ResourceName::Everything => true,
            ResourceName::Of {
                service: own,
                relative,
            } => wildcard_covers(own, service, true) && wildcard_covers(relative, pattern, false),
        }
    }
}

fn finding(
    action: &Entry,
    escalation: &Escalation,
    resource: &Node,
    companion: Option<(&str, Entry)>,
) -> Finding {
    let text = action.text.trim();
    let target = escalation.target_name();
    let message = if text.eq_ignore_ascii_case(&escalation.action) {
        format!(
            "`{text}` on every {target} lets the holder {}",
            escalation.consequence
        )
    } else {
        format!(
            "`{text}` grants `{}` on every {target}, which lets the holder {}",
            escalation.action, escalation.consequence
        )
    };
    let remedy = if text.eq_ignore_ascii_case(&escalation.action) {
        format!("remove `{text}`")
    } else {
        format!("replace `{text}` with the actions the principal needs")
    };
    let (kind, example) = match escalation.dialect {
        Dialect::Ram => (
            escalation.target_pattern().trim_end_matches(['/', '*']),
            format!(
                "acs:{}:*:<account-id>:{}",
                escalation.target_service(),
                escalation.target_pattern().replace('*', "<name>")
            ),
        ),
        Dialect::Aws => (
            escalation
                .target_pattern()
                .trim_end_matches(['/', '*', ':']),
            format!(
                "arn:aws:{}:{}:<account-id>:{}",
                escalation.target_service(),
                if escalation.target_service() == "iam" {
                    ""
                } else {
                    "<region>"
                },
                escalation.target_pattern().replace('*', "<name>")
            ),
        ),
    };
    let mut finding =
        Finding::new(action.node.span, message).label(resource.span, format!("every {target}"));
    let mut help = format!(
        "scope `Resource` to the {kind}s this principal must manage, e.g. `{example}`, or {remedy}"
    );
    if let Some((companion, entry)) = companion {
        finding = finding.label(entry.node.span, format!("`{companion}` completes the path"));
        help = format!(
            "with `{companion}`, also allowed by this policy, the holder can create a resource that runs as any role: {help}"
        );
    }
    finding.help(help)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn covers_every(resource: &str, service: &str, pattern: &str) -> bool {
        ResourceName::of(resource).is_some_and(|name| name.covers_every(service, pattern))
    }

    #[test]
    fn unscoped_resources() {
        for unscoped in [
            "*",
            "acs:ram:*:*:*",
            "acs:ram:*:123456789012:*",
            "acs:ram::123456789012:*",
            "acs:ram:*:*:user/*",
            "acs:*:*:*:*",
            " acs:ram:*:*:user* ",
        ] {
            assert!(covers_every(unscoped, "ram", "user/*"), "{unscoped}");
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
            assert!(!covers_every(scoped, "ram", "user/*"), "{scoped}");
        }
        assert!(covers_every("acs:ram:*:*:role/*", "ram", "role/*"));
        assert!(covers_every("arn:aws:iam::*:role/*", "iam", "role/*"));
        assert!(covers_every(
            "arn:aws-cn:iam::123456789012:*",
            "iam",
            "user/*"
        ));
        assert!(!covers_every(
            "arn:aws:iam::123456789012:role/service-role/*",
            "iam",
            "role/*"
        ));
        assert!(covers_every(
            "arn:aws:lambda:*:*:function:*",
            "lambda",
            "function:*"
        ));
        assert!(!covers_every(
            "arn:aws:lambda:*:*:function:build-*",
            "lambda",
            "function:*"
        ));
    }

    #[test]
    fn only_actions_that_cannot_match_a_path_are_passed_over() {
        for may in [
            "ram:AttachPolicyToUser",
            "RAM:*",
            "r?m:Attach*",
            "*",
            "*:*",
            "ra*",
            "*Attach*",
            " ram:UpdateRole ",
            "sts:AssumeRole",
        ] {
            assert!(may_name_path_action(may, Dialect::Ram), "{may}");
            assert!(
                escalations(Dialect::Ram).any(|e| action_matches(may, &e.action)),
                "{may}"
            );
        }
        for cannot in ["oss:GetObject", "ecs:*", "rm:*", "rams:*", "?:*", "iam:*"] {
            assert!(!may_name_path_action(cannot, Dialect::Ram), "{cannot}");
            assert!(
                !escalations(Dialect::Ram).any(|e| action_matches(cannot, &e.action)),
                "{cannot}"
            );
        }
        assert!(may_name_path_action("iam:Put*", Dialect::Aws));
        assert!(!may_name_path_action("s3:*", Dialect::Aws));
    }

    #[test]
    fn the_table_reads_and_every_path_has_a_target() {
        for dialect in [Dialect::Ram, Dialect::Aws] {
            assert!(escalations(dialect).count() >= 10);
        }
        for e in ESCALATIONS.iter() {
            assert!(!e.target_service().is_empty(), "{}", e.action);
            assert!(e.target_pattern().ends_with('*'), "{}", e.action);
            assert!(e.action.contains(':'), "{}", e.action);
        }
        assert!(
            escalations(Dialect::Aws).any(|e| e.action == "iam:PassRole"
                && e.with.iter().any(|w| w == "lambda:CreateFunction"))
        );
    }
}
