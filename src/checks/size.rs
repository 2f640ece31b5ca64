//! Limits on the document as a whole.

use super::{CheckContext, opening};
use crate::diagnostic::Finding;
use crate::hosts::hints;
use crate::model::{Dialect, Policy, PolicyKind};
use crate::parse::{Node, NodeKind};
use crate::source::Span;

/// Characters of the document without the whitespace between tokens: the compact form
/// the service stores. A document longer than the limit in this form is too long however
/// the service counts. Works on bytes: the text parsed as strict JSON, so the only
/// whitespace between tokens is ASCII, and a character is a byte that does not continue a
/// UTF-8 sequence. Characters and whitespace are counted over the whole text in passes the
/// compiler vectorises; the whitespace inside strings, which counts, is added back from
/// the strings' spans in the tree.
pub fn compact_length(text: &str, root: &Node) -> usize {
    let bytes = text.as_bytes();
    let bom = text.len() - text.trim_start_matches('\u{feff}').len();
    let characters = count_where(&bytes[bom..], |b| b & 0xC0 != 0x80);
    characters - whitespace(bytes) + whitespace_in_strings(root, bytes)
}

/// Like `compact_length`, in UTF-8 bytes: what a service that counts bytes receives at
/// the least.
pub fn compact_bytes(text: &str, root: &Node) -> usize {
    let bytes = text.as_bytes();
    let bom = text.len() - text.trim_start_matches('\u{feff}').len();
    bytes.len() - bom - whitespace(bytes) + whitespace_in_strings(root, bytes)
}

fn whitespace(bytes: &[u8]) -> usize {
    // `|`, not `||` or `matches!`: no branch, so the count is vectorised.
    count_where(bytes, |b| {
        (b == b' ') | (b == b'\n') | (b == b'\r') | (b == b'\t')
    })
}

/// How many bytes satisfy `pick`, counted in byte-sized sums of up to 255 bytes, which the
/// compiler turns into wide vector additions (a `usize` sum takes eight times the lanes).
fn count_where(bytes: &[u8], pick: impl Fn(u8) -> bool) -> usize {
    bytes
        .chunks(255)
        .map(|chunk| usize::from(chunk.iter().fold(0u8, |n, &b| n + u8::from(pick(b)))))
        .sum()
}

/// Strict JSON escapes every control character in a string, so the only whitespace a
/// string can hold as it is written is the space.
fn whitespace_in_strings(node: &Node, text: &[u8]) -> usize {
    let spaces = |span: Span| memchr::memchr_iter(b' ', &text[span.start..span.end]).count();
    match &node.kind {
        NodeKind::String(_) => spaces(node.span),
        NodeKind::Array(items) => items
            .iter()
            .map(|item| whitespace_in_strings(item, text))
            .sum(),
        NodeKind::Object(members) => members
            .iter()
            .map(|m| spaces(m.key_span) + whitespace_in_strings(&m.value, text))
            .sum(),
        _ => 0,
    }
}

fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The limit a document is held to, and how the message names it.
struct Limit {
    /// "an IAM role trust policy"
    what: String,
    most: usize,
    bytes: bool,
}

/// The limit of this document: the rule's `max-characters` option when a rule file sets
/// it, else what its host holds it in says, else what its shape says (the kind of policy
/// and, for a resource policy, the service of its resources).
fn limit_of(ctx: &CheckContext, option: Option<usize>) -> Option<Limit> {
    if let Some(most) = option {
        return Some(Limit {
            what: "this policy (the rule's `max-characters` option)".to_string(),
            most,
            bytes: false,
        });
    }
    let policy = ctx.policy?;
    let limit = policy.size_limit.or_else(|| {
        hints::shape_size_limit(policy.dialect, policy.kind, resource_service(policy))
    })?;
    let (most, bytes) = limit.most();
    Some(Limit {
        what: limit.what.clone(),
        most,
        bytes,
    })
}

/// The service of the first resource that names one (`s3` in `arn:aws:s3:::b/*`, `oss`
/// in `acs:oss:*:*:b/*`): what a resource policy's shape says it is attached to.
fn resource_service<'p>(policy: &'p Policy) -> Option<&'p str> {
    policy
        .statements
        .iter()
        .flat_map(|s| s.resources())
        .find_map(|resource| {
            let resource = resource.trim();
            let rest = resource.strip_prefix("acs:").or_else(|| {
                resource
                    .strip_prefix("arn:")
                    .and_then(|r| r.split_once(':').map(|(_, r)| r))
            })?;
            let service = rest.split(':').next()?;
            (!service.is_empty() && !service.contains('*')).then_some(service)
        })
}

/// The smallest limit of `rules/data/hosts.toml` (an IAM role trust policy, an IAM user's
/// inline policies): a shorter document is never judged without the option.
pub(crate) const SMALLEST_LIMIT: usize = 2_048;

/// PL108: a document longer than the service accepts for its kind of policy.
pub fn policy_too_large(ctx: &CheckContext, out: &mut Vec<Finding>) {
    let option = ctx
        .options
        .get("max-characters")
        .and_then(|v| v.as_integer())
        .and_then(|n| usize::try_from(n).ok());
    // Every character takes at least one byte.
    if ctx.text.len() <= option.unwrap_or(SMALLEST_LIMIT) {
        return;
    }
    let Some(limit) = limit_of(ctx, option) else {
        return;
    };
    if ctx.text.len() <= limit.most {
        return;
    }
    let length = if limit.bytes {
        compact_bytes(ctx.text, ctx.root)
    } else {
        compact_length(ctx.text, ctx.root)
    };
    if length <= limit.most {
        return;
    }
    let unit = if limit.bytes { "bytes" } else { "characters" };
    out.push(
        Finding::new(
            opening(ctx.root),
            format!(
                "{} may hold {} {unit}; this one has {} without the whitespace between tokens",
                limit.what,
                thousands(limit.most),
                thousands(length)
            ),
        )
        .help(shortening_help(ctx.policy)),
    );
}

fn shortening_help(policy: Option<&Policy>) -> &'static str {
    match policy.map(|p| (p.kind, p.dialect)) {
        Some((PolicyKind::Trust, _)) => {
            "shorten it: trust whole accounts rather than each of their roles, or one condition such as `aws:PrincipalOrgID` rather than a long list of principals"
        }
        Some((PolicyKind::Resource, _)) => {
            "shorten it: merge statements that share Effect, Principal and Resource, and use wildcards for long action lists; or move some grants into the principals' own identity policies"
        }
        Some((_, Dialect::Aws)) => {
            "split it into several policies by service or purpose, or shorten it: merge statements that share Effect and Resource, and use wildcards such as `ec2:Describe*` for long action lists"
        }
        _ => {
            "split it into several policies by service or purpose, or shorten it: merge statements that share Effect and Resource, and use wildcards such as `ecs:Describe*` for long action lists"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compact(text: &str) -> usize {
        compact_length(
            text,
            &crate::parse::parse(text, &crate::parse::Arena::new())
                .expect("test text parses")
                .root,
        )
    }

    #[test]
    fn counts_characters_outside_whitespace_but_keeps_spaces_in_strings() {
        assert_eq!(
            compact("{ \"a b\" :\n\t[1, 2] }"),
            "{\"a b\":[1,2]}".chars().count()
        );
        assert_eq!(
            compact("\u{feff}{\"\\\" x\": \"\u{e9}\"}"),
            "{\"\\\" x\":\"\u{e9}\"}".chars().count()
        );
        assert_eq!(compact("[\"a\\\\\" , \" b \" ]"), 13);
        assert_eq!(thousands(6144), "6,144");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(thousands(12), "12");
    }

    /// The byte-by-byte count the faster one must agree with.
    fn compact_length_byte_by_byte(text: &str) -> usize {
        let is_char_start = |b: u8| b & 0xC0 != 0x80;
        let mut count = 0;
        let (mut in_string, mut escaped) = (false, false);
        for &b in text.trim_start_matches('\u{feff}').as_bytes() {
            if in_string {
                count += usize::from(is_char_start(b));
                match (escaped, b) {
                    (true, _) => escaped = false,
                    (false, b'\\') => escaped = true,
                    (false, b'"') => in_string = false,
                    _ => {}
                }
            } else if !matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
                count += usize::from(is_char_start(b));
                in_string = b == b'"';
            }
        }
        count
    }

    #[test]
    fn counts_as_a_byte_by_byte_walk_does_on_every_fixture() {
        let mut compared = 0;
        for (path, text) in crate::testing::fixture_texts() {
            let arena = crate::parse::Arena::new();
            let Ok(parsed) = crate::parse::parse(&text, &arena) else {
                continue;
            };
            assert_eq!(
                compact_length(&text, &parsed.root),
                compact_length_byte_by_byte(&text),
                "{}",
                path.display()
            );
            compared += 1;
        }
        assert!(compared > 700, "only {compared} fixtures compared");
    }
}
