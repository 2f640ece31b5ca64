//! Action semantics against the catalogue: typos of real actions and services, and OSS
//! actions that no resource of their statement can ever match.

use super::CheckContext;
use crate::catalogue::{self, OssLevel};
use crate::diagnostic::{Edit, Finding, Fix};
use crate::matching::trim;
use crate::model::{Entry, Statement};

/// Whether a service code or action name has nothing odd in it (wildcards, spaces and
/// malformed names are PL101's business, or cannot be looked up).
fn is_plain(part: &str) -> bool {
    !part.is_empty() && part.bytes().all(|b| PLAIN_BYTES[usize::from(b)])
}

/// The bytes of a plain service code or action name: ASCII letters and digits, `-`, `_`.
/// A table, because every action of every file is checked byte by byte.
const PLAIN_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        let b = byte as u8;
        table[byte] = b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
        byte += 1;
    }
    table
};

fn action_entries<'s, 'n>(statement: &'s Statement<'n>) -> impl Iterator<Item = &'s Entry<'n>> {
    statement
        .action
        .iter()
        .chain(&statement.not_action)
        .flat_map(|values| &values.entries)
}

fn replace_with(entry: &Entry, replacement: &str, title: String) -> Fix {
    let literal = serde_json::to_string(replacement).expect("a string serializes");
    Fix::unsafe_(title, vec![Edit::replace(entry.node.span, literal)])
}

/// Declared real in config: the action itself, or its whole service with `service:*`.
fn declared(ctx: &CheckContext, code: &str, name: &str) -> bool {
    let extra = ctx.extra_actions;
    !extra.is_empty()
        && (extra.contains(&format!("{code}:{}", name.to_ascii_lowercase()))
            || extra.contains(&format!("{code}:*")))
}

/// A typo the catalogue is confident about: the replacement for the whole action, and the
/// message saying what is wrong.
struct Typo {
    replacement: String,
    message: String,
}

/// Reports every plain, undeclared action for which `find` returns a typo, with the
/// suggestion as help and as an unsafe fix. `known(catalogue, code, name)` rules an
/// action out first, cheaply: most actions are known, and need no closer look.
fn report_typos(
    ctx: &CheckContext,
    out: &mut Vec<Finding>,
    known: impl Fn(&'static catalogue::Catalogue, &str, &str) -> bool,
    find: impl Fn(&'static catalogue::Catalogue, &str, &str, &str) -> Option<Typo>,
) {
    let Some(policy) = ctx.policy else { return };
    let catalogue = catalogue::catalogue();
    for statement in policy.statements {
        for entry in action_entries(statement) {
            let Some((service, name)) = entry.text.split_once(':') else {
                continue;
            };
            // Service codes are nearly always written in lower case already.
            let code = if service.bytes().any(|b| b.is_ascii_uppercase()) {
                std::borrow::Cow::Owned(service.to_ascii_lowercase())
            } else {
                std::borrow::Cow::Borrowed(service)
            };
            if known(catalogue, &code, name)
                || !(is_plain(service) && is_plain(name))
                || declared(ctx, &code, name)
            {
                continue;
            }
            let Some(typo) = find(catalogue, &code, service, name) else {
                continue;
            };
            let title = format!("replace with `{}`", typo.replacement);
            out.push(
                Finding::new(entry.node.span, typo.message)
                    .help(format!("did you mean `{}`?", typo.replacement))
                    .fix(Some(replace_with(entry, &typo.replacement, title))),
            );
        }
    }
}

/// PL103: a known service, and an action one edit away from one of its real actions.
pub fn unknown_action(ctx: &CheckContext, out: &mut Vec<Finding>) {
    // An unknown service is PL104's to report.
    let known = |catalogue: &catalogue::Catalogue, code: &str, name: &str| {
        catalogue
            .service(code)
            .is_none_or(|service| service.has_action(name))
    };
    report_typos(ctx, out, known, |catalogue, code, service, name| {
        let real = catalogue.typo_of(code, name)?;
        Some(Typo {
            replacement: format!("{service}:{real}"),
            message: format!("`{service}:{name}` is not a known `{code}` action"),
        })
    });
}

/// PL104: an unknown service code close to a known one that has the very same action.
pub fn unknown_service(ctx: &CheckContext, out: &mut Vec<Finding>) {
    let known =
        |catalogue: &catalogue::Catalogue, code: &str, _: &str| catalogue.knows_service(code);
    report_typos(ctx, out, known, |catalogue, code, service, name| {
        let real = catalogue.service_typo_of(code, name)?;
        Some(Typo {
            replacement: format!("{real}:{name}"),
            message: format!("`{service}` is not a known service code"),
        })
    });
}

/// The parts of an `acs:` resource name: (service, path after the fourth colon).
fn acs_parts(resource: &str) -> Option<(&str, &str)> {
    let rest = trim(resource).strip_prefix("acs:")?;
    let mut parts = rest.splitn(4, ':');
    let service = parts.next()?;
    let (_, _) = (parts.next()?, parts.next()?);
    Some((service, parts.next()?))
}

/// Whether some resource this pattern matches is of the kind an OSS action of `level`
/// acts on. Unknown forms (AWS ARNs, typos PL102 reports) are given the benefit of the
/// doubt.
fn can_hold(resource: &str, level: OssLevel) -> bool {
    let resource = trim(resource);
    if resource == "*" {
        return true;
    }
    let Some((service, path)) = acs_parts(resource) else {
        return true;
    };
    if !(service == "oss" || service.contains('*') || service.contains('?')) {
        return false;
    }
    match level {
        OssLevel::Service => path == "*",
        // A bucket name has no `/`; a wildcard can stand for anything but a literal `/`.
        OssLevel::Bucket => !path.contains('/'),
        OssLevel::Object => path.contains('/') || path.contains('*'),
    }
}

/// PL105: actions that no resource of their statement can ever match.
pub fn action_resource_mismatch(ctx: &CheckContext, out: &mut Vec<Finding>) {
    let Some(policy) = ctx.policy else { return };
    let oss = catalogue::oss();
    for statement in policy.statements {
        let (Some(actions), Some(resources)) = (&statement.action, &statement.resource) else {
            continue;
        };
        // A resource a template fills in may be the one that fits.
        if resources.entries.is_empty() || resources.has_template_value {
            continue;
        }
        for action in &actions.entries {
            let Some(level) = oss.level(action.text) else {
                continue;
            };
            if resources.texts().any(|r| can_hold(r, level)) {
                continue;
            }
            let (what, needs) = match level {
                OssLevel::Service => ("is a service-level action", "`\"*\"`"),
                OssLevel::Bucket => (
                    "acts on a bucket",
                    "a bucket, such as `acs:oss:*:*:<bucket>`",
                ),
                OssLevel::Object => (
                    "acts on objects",
                    "objects, such as `acs:oss:*:*:<bucket>/*`",
                ),
            };
            out.push(
                Finding::new(
                    action.node.span,
                    format!("`{}` {what}, but no resource of this statement names {needs}: it never applies", action.text.trim()),
                )
                .label(resources.member.value.span, "the statement's resources")
                .help(match level {
                    OssLevel::Service => "grant it in a statement of its own with `\"Resource\": \"*\"`".to_string(),
                    _ => format!("add a resource naming {needs}, or move the action to a statement that has one"),
                }),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_actions() {
        let plain = |action: &str| {
            action
                .split_once(':')
                .is_some_and(|(service, name)| is_plain(service) && is_plain(name))
        };
        assert!(plain("oss:GetObject"));
        assert!(plain("cs-2_x:Do-It_9"));
        for odd in [
            "oss:Get*", "oss:", ":Get", "oss", "oss:a:b", "oss :Get", "oss:Gét", "o.s:Get",
        ] {
            assert!(!plain(odd), "{odd}");
        }
    }

    #[test]
    fn oss_resource_forms() {
        assert!(can_hold("*", OssLevel::Service));
        assert!(can_hold("acs:oss:*:*:*", OssLevel::Service));
        assert!(!can_hold("acs:oss:*:*:logs", OssLevel::Service));
        assert!(can_hold("acs:oss:*:*:logs", OssLevel::Bucket));
        assert!(can_hold("acs:oss:*:*:logs*", OssLevel::Bucket));
        assert!(!can_hold("acs:oss:*:*:logs/*", OssLevel::Bucket));
        assert!(can_hold("acs:oss:*:*:logs/*", OssLevel::Object));
        assert!(
            can_hold("acs:oss:*:*:logs*", OssLevel::Object),
            "`*` can stand for `/`"
        );
        assert!(!can_hold("acs:oss:*:*:logs", OssLevel::Object));
        assert!(!can_hold("acs:ecs:*:*:instance/*", OssLevel::Object));
        assert!(
            can_hold("arn:aws:s3:::logs", OssLevel::Object),
            "not ours to judge"
        );
    }
}
