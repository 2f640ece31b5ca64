//! PL205 `duplicate-statement`: statements that mean the same, found by a canonical form
//! of each statement (sorted lists, case-folded actions, one value or a one-element
//! array alike), compared only among statements whose fingerprint, a hash of that form
//! computed without building it, another statement shares.

use super::super::{CheckContext, opening};
use crate::diagnostic::{Finding, Fix};
use crate::fix::remove_array_element;
use crate::model::Policy;
use crate::parse::{Node, NodeKind};
use std::borrow::Cow;
use std::hash::{BuildHasher, Hasher};

/// PL205: a statement that means the same as an earlier one. Statements are compared by a
/// canonical form (see `canonical_statement`), sorted so that equal ones sit together: a
/// policy of thousands of statements is checked in O(n log n) cheap comparisons, which
/// usually stop at the first differing byte. Building those forms is most of the cost, so
/// only statements whose fingerprint (a hash of the canonical form, computed without
/// building it) another statement shares are built and compared.
pub fn duplicate_statement(ctx: &CheckContext, out: &mut Vec<Finding>) {
    let Some(policy) = ctx.policy else { return };
    let items = policy
        .statement_member
        .and_then(|member| member.value.as_array());
    for &(repeat, first) in ctx.repeated_statements() {
        let statement = &policy.statements[repeat];
        let first = policy.statements[first].node;
        let fix = items
            .and_then(|items| remove_array_element(items, statement.index))
            .map(|edit| Fix::safe("remove the repeated statement", vec![edit]));
        out.push(
            Finding::new(
                opening(statement.node),
                "this statement means the same as an earlier one",
            )
            .label(opening(first), "first written here")
            .help("remove the repeated statement; the order of list entries, the `Sid` and writing one value as a string or a one-element array do not change what a statement means")
            .fix(fix),
        );
    }
}

/// The statements (indices into `policy.statements`) that mean the same as an earlier
/// one, each with the earliest it repeats: what PL205 reports, and what the rules that
/// compare what statements grant leave to it.
pub fn repeated_statements(policy: &Policy) -> Vec<(usize, usize)> {
    if policy.statements.len() < 2 {
        return Vec::new();
    }
    let mut fingerprints: Vec<(u64, usize)> = policy
        .statements
        .iter()
        .enumerate()
        .map(|(i, statement)| (statement_fingerprint(statement.node), i))
        .collect();
    fingerprints.sort_unstable();
    let mut canonical: Vec<(Canon, usize)> = fingerprints
        .chunk_by(|a, b| a.0 == b.0)
        .filter(|same| same.len() > 1)
        .flatten()
        .filter_map(|&(_, i)| Some((canonical_statement(policy.statements[i].node)?, i)))
        .collect();
    canonical.sort_unstable();
    let mut repeats = Vec::new();
    for same in canonical.chunk_by(|a, b| a.0 == b.0) {
        repeats.extend(same[1..].iter().map(|&(_, repeat)| (repeat, same[0].1)));
    }
    repeats
}

/// A statement reduced to what it means, for comparing statements. Objects are
/// sorted by key; a multi-value element (Action, Resource and their `Not` forms, Principal
/// and Condition values) becomes a sorted set, so entry order, repeats and the choice of a
/// string or a one-element array disappear; actions are lower-cased (they match
/// case-insensitively). Everything else compares exactly.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Canon<'n> {
    Null,
    Bool(bool),
    Number(&'n str),
    String(&'n str),
    /// An action, compared in any case.
    Folded(Folded<'n>),
    List(Vec<Canon<'n>>),
    Set(Vec<Canon<'n>>),
    Object(Vec<(&'n str, Canon<'n>)>),
}

/// A hash of `canonical_statement(node)`, computed without building it: statements with
/// equal canonical forms have equal fingerprints (the members of a set are hashed in
/// order of their own hashes, once each; those of an object summed), and unequal ones
/// nearly never do.
fn statement_fingerprint(node: &Node) -> u64 {
    let Some(members) = node.as_object() else {
        return 0;
    };
    members
        .iter()
        .filter(|m| m.key != "Sid")
        .fold(0, |sum: u64, member| {
            let value = fingerprint(&member.value, statement_member_style(member.key));
            sum.wrapping_add(mix(text_hash(member.key.as_bytes()), value))
        })
}

fn statement_member_style(key: &str) -> Style {
    match key {
        "Action" | "NotAction" => Style::Set { lowercase: true },
        "Resource" | "NotResource" | "Principal" | "Condition" => Style::Set { lowercase: false },
        _ => Style::Exact,
    }
}

/// What a fingerprint starts from for each kind of `Canon` value, so kinds differ.
mod tag {
    pub const NULL: u64 = 1;
    pub const TRUE: u64 = 2;
    pub const FALSE: u64 = 3;
    pub const NUMBER: u64 = 4;
    pub const STRING: u64 = 5;
    pub const LIST: u64 = 6;
    pub const SET: u64 = 7;
    pub const OBJECT: u64 = 8;
    pub const FOLDED: u64 = 9;
}

/// `canonical`'s shape, hashed.
fn fingerprint(node: &Node, style: Style) -> u64 {
    match (&node.kind, style) {
        (NodeKind::String(_), Style::Set { .. }) => {
            mix(tag::SET, set_member_fingerprint(node, style))
        }
        (NodeKind::Array(items), Style::Set { .. }) => mix(tag::SET, set_fingerprint(items, style)),
        (NodeKind::Array(items), Style::Exact) => items
            .iter()
            .fold(tag::LIST, |list, item| mix(list, fingerprint(item, style))),
        (NodeKind::Object(members), _) => mix(
            tag::OBJECT,
            members.iter().fold(0, |sum: u64, m| {
                sum.wrapping_add(mix(
                    text_hash(m.key.as_bytes()),
                    fingerprint(&m.value, style),
                ))
            }),
        ),
        (NodeKind::String(s), Style::Exact) => mix(tag::STRING, text_hash(s.as_bytes())),
        (NodeKind::Number(raw), _) => mix(tag::NUMBER, text_hash(raw.as_bytes())),
        (NodeKind::Bool(true), _) => tag::TRUE,
        (NodeKind::Bool(false), _) => tag::FALSE,
        (NodeKind::Null, _) => tag::NULL,
    }
}

/// The sum of the distinct members' fingerprints: the same whatever their order and
/// repeats. Policies' lists are short, and a short list's repeats are found by comparing
/// fingerprints pairwise, which needs no buffer; only long ones are sorted.
fn set_fingerprint(items: &[Node], style: Style) -> u64 {
    const PAIRWISE_UP_TO: usize = 16;
    if items.len() <= PAIRWISE_UP_TO {
        let mut seen = [0u64; PAIRWISE_UP_TO];
        let mut sum = 0u64;
        for (i, item) in items.iter().enumerate() {
            let member = set_member_fingerprint(item, style);
            if !seen[..i].contains(&member) {
                sum = sum.wrapping_add(member);
            }
            seen[i] = member;
        }
        return sum;
    }
    let mut members: Vec<u64> = items
        .iter()
        .map(|item| set_member_fingerprint(item, style))
        .collect();
    members.sort_unstable();
    members.dedup();
    members.into_iter().fold(0, u64::wrapping_add)
}

/// `set_member`'s shape, hashed: actions by their lower-case form, as `Folded` compares.
fn set_member_fingerprint(node: &Node, style: Style) -> u64 {
    match (&node.kind, style) {
        (NodeKind::String(s), Style::Set { lowercase: true }) => {
            mix(tag::FOLDED, Folded::new(s).hash())
        }
        (NodeKind::String(s), _) => mix(tag::STRING, text_hash(s.as_bytes())),
        _ => fingerprint(node, style),
    }
}

/// foldhash with a fixed seed: the fingerprints only sort the statements of one file.
fn text_hash(bytes: &[u8]) -> u64 {
    foldhash::fast::FixedState::default().hash_one(bytes)
}

fn mix(a: u64, b: u64) -> u64 {
    (a.rotate_left(23) ^ b).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// `None` when the statement is not an object or holds a duplicate key anywhere: which of
/// the two values counts depends on the reader, so such a statement is never called a
/// duplicate (PL002 reports the key).
fn canonical_statement<'n>(node: &'n Node<'n>) -> Option<Canon<'n>> {
    let members = node.as_object()?;
    let mut out = Vec::with_capacity(members.len());
    for member in members.iter().filter(|m| m.key != "Sid") {
        let value = canonical(&member.value, statement_member_style(member.key))?;
        out.push((member.key, value));
    }
    sorted_object(out)
}

#[derive(Clone, Copy)]
enum Style {
    Exact,
    /// Strings and arrays are sets of values, at every depth.
    Set {
        lowercase: bool,
    },
}

fn canonical<'n>(node: &'n Node<'n>, style: Style) -> Option<Canon<'n>> {
    Some(match (&node.kind, style) {
        (NodeKind::String(_), Style::Set { .. }) => Canon::Set(vec![set_member(node, style)?]),
        (NodeKind::Array(items), Style::Set { .. }) => {
            let mut set = items
                .iter()
                .map(|item| set_member(item, style))
                .collect::<Option<Vec<_>>>()?;
            set.sort_unstable();
            set.dedup();
            Canon::Set(set)
        }
        (NodeKind::Array(items), Style::Exact) => Canon::List(
            items
                .iter()
                .map(|item| canonical(item, style))
                .collect::<Option<_>>()?,
        ),
        (NodeKind::Object(members), _) => sorted_object(
            members
                .iter()
                .map(|m| Some((m.key, canonical(&m.value, style)?)))
                .collect::<Option<_>>()?,
        )?,
        (NodeKind::String(s), Style::Exact) => Canon::String(s),
        (NodeKind::Number(raw), _) => Canon::Number(raw),
        (NodeKind::Bool(b), _) => Canon::Bool(*b),
        (NodeKind::Null, _) => Canon::Null,
    })
}

/// One value of a set: a string as itself (lower-cased for actions), anything else as usual.
fn set_member<'n>(node: &'n Node<'n>, style: Style) -> Option<Canon<'n>> {
    match (&node.kind, style) {
        (NodeKind::String(s), Style::Set { lowercase: true }) => {
            Some(Canon::Folded(Folded::new(s)))
        }
        (NodeKind::String(s), _) => Some(Canon::String(s)),
        _ => canonical(node, style),
    }
}

/// A string that compares as its lower-case form. Actions are nearly always ASCII, and
/// then the comparison folds case as it goes instead of allocating a lower-case copy.
#[derive(Debug, Clone)]
struct Folded<'n>(
    /// The string itself if ASCII, else `str::to_lowercase` of it: either way, folding
    /// ASCII letters while comparing gives the lower-case form.
    Cow<'n, str>,
);

impl<'n> Folded<'n> {
    fn new(s: &'n str) -> Self {
        Folded(if s.is_ascii() {
            Cow::Borrowed(s)
        } else {
            Cow::Owned(s.to_lowercase())
        })
    }

    /// A hash of the lower-case form, lower-cased a piece at a time on the stack. Equal
    /// forms are equally long, so they are cut into the same pieces and hash alike.
    fn hash(&self) -> u64 {
        let mut hasher = foldhash::fast::FixedState::default().build_hasher();
        let mut piece = [0u8; 64];
        for chunk in self.0.as_bytes().chunks(piece.len()) {
            let piece = &mut piece[..chunk.len()];
            piece.copy_from_slice(chunk);
            piece.make_ascii_lowercase();
            hasher.write(piece);
        }
        hasher.finish()
    }

    fn folded_bytes(&self) -> impl Iterator<Item = u8> + '_ {
        self.0.bytes().map(|b| b.to_ascii_lowercase())
    }
}

impl PartialEq for Folded<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.0.eq_ignore_ascii_case(&other.0)
    }
}

impl Eq for Folded<'_> {}

impl PartialOrd for Folded<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Folded<'_> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.folded_bytes().cmp(other.folded_bytes())
    }
}

fn sorted_object<'n>(mut members: Vec<(&'n str, Canon<'n>)>) -> Option<Canon<'n>> {
    members.sort_unstable_by(|a, b| a.0.cmp(b.0));
    if members.windows(2).any(|pair| pair[0].0 == pair[1].0) {
        return None;
    }
    Some(Canon::Object(members))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{Arena, parse};

    /// Equal canonical forms must have equal fingerprints, or duplicates would be missed.
    #[test]
    fn equal_statements_have_equal_fingerprints() {
        let texts = crate::testing::with_fixture_texts(&[r#"{"Statement": [
                {"Sid": "A", "Effect": "Allow", "Action": ["oss:GetObject", "oss:PutObject"], "Resource": "r"},
                {"Resource": ["r", "r"], "Action": ["oss:putobject", "OSS:GetObject", "oss:getobject"], "Effect": "Allow"},
                {"Effect": "Allow", "Action": "a:\u212a", "Resource": "r", "Condition": {"StringEquals": {"k": ["v", "w"], "j": "x"}}},
                {"Effect": "Allow", "Action": ["A:k"], "Resource": ["r"], "Condition": {"StringEquals": {"j": ["x"], "k": ["w", "v", "v"]}}},
                {"Effect": "Allow", "Action": "a:b", "Resource": "r", "Principal": {"RAM": [["1"], {"x": [1, 2]}]}},
                {"Effect": "Allow", "Action": "a:b", "Resource": "r", "Principal": {"RAM": [{"x": [2, 1, 1]}, "1"]}},
                {"Effect": "Allow", "Action": ["a:C", "a:b"], "Resource": "long"},
                {"Effect": "Allow", "Action": ["a:b", "a:b", "a:b", "a:b", "a:b", "a:b", "a:b", "a:b", "a:b", "a:b", "a:b", "a:b", "a:b", "a:b", "a:b", "a:b", "a:c", "a:B"], "Resource": "long"}
            ]}"#]);
        let arena = Arena::new();
        let parsed: Vec<_> = texts.iter().filter_map(|t| parse(t, &arena).ok()).collect();
        let mut statements = Vec::new();
        for file in &parsed {
            let items = file
                .root
                .get("Statement")
                .and_then(|m| m.value.as_array())
                .unwrap_or_default();
            for item in items {
                if let Some(canon) = canonical_statement(item) {
                    statements.push((canon, statement_fingerprint(item)));
                }
            }
        }
        statements.sort_unstable();
        let mut equal_pairs = 0;
        for same in statements.chunk_by(|a, b| a.0 == b.0) {
            assert!(
                same.iter().all(|(_, fp)| *fp == same[0].1),
                "{:?}",
                same[0].0
            );
            equal_pairs += same.len() - 1;
        }
        assert!(equal_pairs >= 4, "{equal_pairs}");
        let distinct: std::collections::HashSet<u64> = statements.iter().map(|s| s.1).collect();
        let kinds = statements.chunk_by(|a, b| a.0 == b.0).count();
        assert!(
            distinct.len() * 100 >= kinds * 99,
            "{} fingerprints for {kinds} statements",
            distinct.len()
        );
    }

    #[test]
    fn canonical_statements_ignore_spelling_but_not_meaning() {
        let same = |a: &str, b: &str| {
            let arena = Arena::new();
            let (a, b) = (parse(a, &arena).unwrap(), parse(b, &arena).unwrap());
            let (a, b) = (canonical_statement(&a.root), canonical_statement(&b.root));
            assert!(a.is_some() && b.is_some());
            a == b
        };
        assert!(same(
            r#"{"Sid": "A", "Effect": "Allow", "Action": ["oss:GetObject", "oss:PutObject"], "Resource": "r"}"#,
            r#"{"Resource": ["r", "r"], "Action": ["oss:putobject", "OSS:GetObject"], "Effect": "Allow", "Sid": "B"}"#
        ));
        assert!(same(
            r#"{"Effect": "Allow", "Action": "a:b", "Resource": "r", "Principal": {"RAM": ["1", "2"]}, "Condition": {"StringEquals": {"k": "v", "j": ["w", "x"]}}}"#,
            r#"{"Effect": "Allow", "Action": "a:b", "Resource": "r", "Principal": {"RAM": ["2", "1"]}, "Condition": {"StringEquals": {"j": ["x", "w"], "k": ["v"]}}}"#
        ));
        // Non-ASCII actions fold case too, into ASCII letters where Unicode says so.
        for (a, b, expected) in [
            ("a:\u{212a}", "A:k", true),
            ("a:\u{00c9}x", "A:\u{00e9}X", true),
            ("a:\u{00e9}", "a:e", false),
            ("a:b", "a:bb", false),
        ] {
            assert_eq!(
                same(
                    &format!(r#"{{"Effect": "Allow", "Action": "{a}", "Resource": "r"}}"#),
                    &format!(r#"{{"Effect": "Allow", "Action": ["{b}"], "Resource": "r"}}"#)
                ),
                expected,
                "{a} and {b}"
            );
        }
        // Resources, condition values and the effect keep their case.
        assert!(!same(
            r#"{"Effect": "Allow", "Action": "a:b", "Resource": "r"}"#,
            r#"{"Effect": "Allow", "Action": "a:b", "Resource": "R"}"#
        ));
        assert!(!same(
            r#"{"Effect": "Allow", "Action": "a:b", "Resource": "r", "Condition": {"StringEquals": {"k": "v"}}}"#,
            r#"{"Effect": "Allow", "Action": "a:b", "Resource": "r", "Condition": {"StringEquals": {"k": "V"}}}"#
        ));
        assert!(!same(
            r#"{"Effect": "Allow", "Action": "a:b", "Resource": "r"}"#,
            r#"{"Effect": "allow", "Action": "a:b", "Resource": "r"}"#
        ));
        // Action and NotAction are not interchangeable, nor is a condition optional.
        assert!(!same(
            r#"{"Effect": "Allow", "Action": "a:b", "Resource": "r"}"#,
            r#"{"Effect": "Allow", "NotAction": "a:b", "Resource": "r"}"#
        ));
        assert!(!same(
            r#"{"Effect": "Allow", "Action": "a:b", "Resource": "r"}"#,
            r#"{"Effect": "Allow", "Action": "a:b", "Resource": "r", "Condition": {}}"#
        ));
        // A duplicate key anywhere makes the meaning depend on the reader.
        let arena = Arena::new();
        let doubled = parse(
            r#"{"Effect": "Allow", "Action": "a:b", "Action": "a:c", "Resource": "r"}"#,
            &arena,
        )
        .unwrap();
        assert_eq!(canonical_statement(&doubled.root), None);
    }
}
