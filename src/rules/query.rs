//! Evaluates a rule's `given` JSONPath query on a parsed file, returning the spanned nodes
//! it selects.
//!
//! jsonpath-rust parses every query, and can evaluate any of them on a `serde_json::Value`
//! copy of the document, whose normalized paths are then looked up in the spanned tree.
//! The queries rules are written with, though, are child steps of names, indexes and
//! wildcards (`$.Statement[*]['Action','NotAction']`), descendant steps (`$.Statement..*`)
//! and filters that test members of the current node (`[?@.Effect == 'Allow' &&
//! !@.Action]`). Those are walked directly on the spanned tree, which skips the `Value`
//! copy, a path string per visited node and the lookup back: on a corpus of policies that
//! was a fifth of the linting time, and a general evaluation costs some forty times a
//! walk. Anything else (slices, functions, `$` inside filters, comparisons of numbers)
//! goes to jsonpath-rust. The tests check that both ways select the same nodes.

use crate::model::STATEMENT;
use crate::parse::{Member, Node, NodeKind, Resolved};
use jsonpath_rust::parser::model::{
    Comparable, Comparison, Filter, FilterAtom, JpQuery, Literal, Segment, Selector, SingularQuery,
    SingularQuerySegment, Test,
};
use jsonpath_rust::query::js_path_process;
use std::cell::OnceCell;

/// A parsed file as queries see it. The `serde_json::Value` copy that general queries need
/// is built on first use, at most once per file.
pub struct QueryTarget<'n> {
    root: &'n Node<'n>,
    value: OnceCell<serde_json::Value>,
    /// The buffer a walk takes turns with the caller's, kept for the file's next query.
    spare: std::cell::RefCell<Vec<Resolved<'n>>>,
}

impl<'n> QueryTarget<'n> {
    pub fn new(root: &'n Node<'n>) -> Self {
        QueryTarget {
            root,
            value: OnceCell::new(),
            spare: Default::default(),
        }
    }

    /// The nodes `query` selects, each once, in no particular order.
    pub fn select(&self, query: &Query) -> Vec<Resolved<'n>> {
        let mut hits = Vec::new();
        self.select_into(query, &mut hits);
        hits
    }

    /// `select`, into `hits` (cleared first): a file's queries can share one buffer.
    pub fn select_into(&self, query: &Query, hits: &mut Vec<Resolved<'n>>) {
        hits.clear();
        if query.walkable && !(query.extended && self.lone_statement().is_some()) {
            self.walk(&query.parsed, hits);
        } else {
            hits.extend(self.evaluate_generally(&query.parsed));
        }
        if query.may_repeat {
            keep_first_of_each(hits);
        }
    }

    /// The member `"Statement": {...}`, when the statement is a lone object.
    fn lone_statement(&self) -> Option<&'n Member<'n>> {
        self.root
            .get(STATEMENT)
            .filter(|statement| statement.value.as_object().is_some())
    }

    fn evaluate_generally(&self, query: &JpQuery) -> Vec<Resolved<'n>> {
        let value = self.value.get_or_init(|| {
            let mut value = self.root.to_value();
            wrap_lone_statement(&mut value);
            value
        });
        let Ok(hits) = js_path_process(query, value) else {
            return Vec::new();
        };
        hits.into_iter()
            .filter_map(|hit| self.root.resolve(&hit.path))
            .collect()
    }

    fn walk(&self, query: &JpQuery, hits: &mut Vec<Resolved<'n>>) {
        hits.push(Resolved {
            node: self.root,
            member: None,
        });
        let mut spare = self.spare.take();
        walk_segments(hits, &mut spare, &query.segments, self.lone_statement());
        self.spare.replace(spare);
    }
}

/// Applies `segments` to `current` in turn, leaving the result in `current`; `next` is
/// scratch. `lone_statement`, when given, is seen as the one element of an array, as
/// `evaluate_generally` sees it (only child steps of names, indexes and wildcards are
/// walked then).
fn walk_segments<'n>(
    current: &mut Vec<Resolved<'n>>,
    next: &mut Vec<Resolved<'n>>,
    segments: &[Segment],
    lone_statement: Option<&'n Member<'n>>,
) {
    // Each step fills `next` from `current`, then the two swap: two buffers for the whole
    // walk instead of one per step.
    for segment in segments {
        if let Segment::Descendant(inner) = segment {
            next.clear();
            for &at in current.iter() {
                push_self_and_descendants(at, next);
            }
            std::mem::swap(current, next);
            walk_segments(current, next, std::slice::from_ref(&**inner), None);
            continue;
        }
        next.clear();
        for at in current.iter() {
            let at_lone_statement = lone_statement
                .is_some_and(|lone| at.member.is_some_and(|member| std::ptr::eq(member, lone)));
            for selector in child_selectors(segment) {
                if at_lone_statement {
                    if matches!(selector, Selector::Wildcard | Selector::Index(0 | -1)) {
                        next.push(Resolved {
                            node: at.node,
                            member: None,
                        });
                    }
                    continue;
                }
                select_children(at.node, selector, next);
            }
        }
        std::mem::swap(current, next);
    }
}

/// Pushes `at` and every node under it, as a JSON consumer sees them (the last of
/// duplicate keys).
fn push_self_and_descendants<'n>(at: Resolved<'n>, found: &mut Vec<Resolved<'n>>) {
    let mut unvisited = found.len();
    found.push(at);
    while let Some(next) = found.get(unvisited) {
        let node = next.node;
        unvisited += 1;
        select_children(node, &Selector::Wildcard, found);
    }
}

/// Whether `segments`, walked from `node`, select anything. A path of single names, as
/// filters such as `[?@.Action]` test, is followed without a buffer.
fn selects_anything(node: &Node, segments: &[Segment]) -> bool {
    let mut at = node;
    for segment in segments {
        match segment {
            Segment::Selector(Selector::Name(name)) => match at.get(name) {
                Some(member) => at = &member.value,
                None => return false,
            },
            _ => {
                let (mut current, mut next) = (vec![Resolved { node, member: None }], Vec::new());
                walk_segments(&mut current, &mut next, segments, None);
                return !current.is_empty();
            }
        }
    }
    true
}

/// Whether `filter` holds for `node`, in the subset `walkable_filter` admits.
fn filter_holds(node: &Node, filter: &Filter) -> bool {
    match filter {
        Filter::Or(alternatives) => alternatives.iter().any(|f| filter_holds(node, f)),
        Filter::And(conditions) => conditions.iter().all(|f| filter_holds(node, f)),
        Filter::Atom(FilterAtom::Filter { expr, not }) => filter_holds(node, expr) != *not,
        Filter::Atom(FilterAtom::Test { expr, not }) => {
            let Test::RelQuery(segments) = &**expr else {
                unreachable!("walkable_filter admits relative queries only")
            };
            selects_anything(node, segments) != *not
        }
        Filter::Atom(FilterAtom::Comparison(comparison)) => match &**comparison {
            Comparison::Eq(a, b) => equal(node, a, b),
            Comparison::Ne(a, b) => !equal(node, a, b),
            _ => unreachable!("walkable_filter admits == and != only"),
        },
    }
}

/// `a == b`, one side a query of the current node and the other a string, boolean or
/// null literal. A query that selects nothing equals no literal.
fn equal(node: &Node, a: &Comparable, b: &Comparable) -> bool {
    let ((Comparable::SingularQuery(SingularQuery::Current(path)), Comparable::Literal(literal))
    | (Comparable::Literal(literal), Comparable::SingularQuery(SingularQuery::Current(path)))) =
        (a, b)
    else {
        unreachable!("walkable_filter admits a query against a literal only")
    };
    let mut at = Some(node);
    for step in path {
        at = at.and_then(|node| match step {
            SingularQuerySegment::Name(name) => node.get(name).map(|member| &member.value),
            SingularQuerySegment::Index(index) => item_at(node.as_array()?, *index),
        });
    }
    match (at.map(|node| &node.kind), literal) {
        (Some(NodeKind::String(value)), Literal::String(expected)) => value == expected,
        (Some(NodeKind::Bool(value)), Literal::Bool(expected)) => value == expected,
        (Some(NodeKind::Null), Literal::Null) => true,
        _ => false,
    }
}

fn keep_first_of_each(hits: &mut Vec<Resolved>) {
    let mut seen = std::collections::HashSet::new();
    hits.retain(|hit| {
        seen.insert((
            std::ptr::from_ref(hit.node),
            hit.member.map(std::ptr::from_ref),
        ))
    });
}

/// AWS allows `"Statement": { ... }` for a single statement; rules select statements with
/// `$.Statement[*]`, which on an object would select its members instead. So queries see the
/// lone statement wrapped in an array.
fn wrap_lone_statement(root: &mut serde_json::Value) {
    if let Some(statement) = root.get_mut(STATEMENT).filter(|s| s.is_object()) {
        let lone = statement.take();
        *statement = serde_json::Value::Array(vec![lone]);
    }
}

/// A rule's `given`, parsed once, with how it is evaluated decided once.
pub struct Query {
    parsed: JpQuery,
    /// Every segment is one `walk_segments` evaluates on the tree.
    walkable: bool,
    /// It has a descendant segment or a filter: walked unless the statement is a lone
    /// object (which jsonpath-rust sees wrapped in an array).
    extended: bool,
    /// The query can reach one node twice: descendant segments (`..*`) and overlapping
    /// selectors such as `[*,0]` do.
    may_repeat: bool,
}

impl Query {
    pub fn parse(given: &str) -> Result<Self, String> {
        let parsed = jsonpath_rust::parser::parse_json_path(given)
            .map_err(|e| format!("`given` is not a valid JSONPath ({given}): {e}"))?;
        let walkable = parsed.segments.iter().all(walkable_segment);
        let extended = parsed.segments.iter().any(|segment| {
            matches!(segment, Segment::Descendant(_))
                || child_selectors(segment)
                    .iter()
                    .any(|s| matches!(s, Selector::Filter(_)))
        });
        let may_repeat = !walkable
            || !parsed.segments.iter().all(|segment| {
                !matches!(segment, Segment::Descendant(_))
                    && selects_distinct_children(child_selectors(segment))
            });
        Ok(Query {
            parsed,
            walkable,
            extended,
            may_repeat,
        })
    }
}

/// Whether `walk_segments` evaluates `segment`: child steps of names, indexes, wildcards and
/// the filters `walkable_filter` admits, also as descendant steps.
fn walkable_segment(segment: &Segment) -> bool {
    match segment {
        Segment::Descendant(inner) => {
            !matches!(**inner, Segment::Descendant(_)) && walkable_segment(inner)
        }
        _ => child_selectors(segment)
            .iter()
            .all(|selector| match selector {
                Selector::Name(_) | Selector::Index(_) | Selector::Wildcard => true,
                Selector::Filter(filter) => walkable_filter(filter),
                Selector::Slice(..) => false,
            }),
    }
}

/// Filters of `&&`, `||` and `!` over tests of relative queries that are walkable
/// themselves, and `==`/`!=` between a member of the current node and a string, boolean
/// or null literal.
fn walkable_filter(filter: &Filter) -> bool {
    match filter {
        Filter::Or(parts) | Filter::And(parts) => parts.iter().all(walkable_filter),
        Filter::Atom(FilterAtom::Filter { expr, .. }) => walkable_filter(expr),
        Filter::Atom(FilterAtom::Test { expr, .. }) => {
            matches!(&**expr, Test::RelQuery(segments) if segments.iter().all(walkable_segment))
        }
        Filter::Atom(FilterAtom::Comparison(comparison)) => match &**comparison {
            Comparison::Eq(a, b) | Comparison::Ne(a, b) => {
                let literal = |c: &Comparable| {
                    matches!(
                        c,
                        Comparable::Literal(Literal::String(_) | Literal::Bool(_) | Literal::Null)
                    )
                };
                let current = |c: &Comparable| {
                    matches!(c, Comparable::SingularQuery(SingularQuery::Current(_)))
                };
                (current(a) && literal(b)) || (literal(a) && current(b))
            }
            _ => false,
        },
    }
}

/// The selectors of a child segment (none for a descendant segment).
fn child_selectors(segment: &Segment) -> &[Selector] {
    match segment {
        Segment::Selector(selector) => std::slice::from_ref(selector),
        Segment::Selectors(selectors) => selectors,
        Segment::Descendant(_) => &[],
    }
}

/// Whether one segment's selectors can never pick the same child twice: one selector, or
/// different names.
fn selects_distinct_children(selectors: &[Selector]) -> bool {
    selectors.len() < 2
        || selectors.iter().enumerate().all(|(i, selector)| {
            matches!(selector, Selector::Name(_)) && !selectors[..i].contains(selector)
        })
}

fn select_children<'n>(node: &'n Node<'n>, selector: &Selector, out: &mut Vec<Resolved<'n>>) {
    match (selector, &node.kind) {
        (Selector::Name(key), NodeKind::Object(_)) => {
            if let Some(member) = node.get(key) {
                out.push(Resolved {
                    node: &member.value,
                    member: Some(member),
                });
            }
        }
        (Selector::Index(index), NodeKind::Array(items)) => {
            if let Some(item) = item_at(items, *index) {
                out.push(Resolved {
                    node: item,
                    member: None,
                });
            }
        }
        (Selector::Wildcard, NodeKind::Array(items)) => {
            out.extend(items.iter().map(|item| Resolved {
                node: item,
                member: None,
            }));
        }
        (Selector::Wildcard, NodeKind::Object(members)) => {
            out.extend(last_of_each_key(members).map(|member| Resolved {
                node: &member.value,
                member: Some(member),
            }));
        }
        (Selector::Filter(filter), NodeKind::Array(items)) => {
            out.extend(
                items
                    .iter()
                    .filter(|item| filter_holds(item, filter))
                    .map(|item| Resolved {
                        node: item,
                        member: None,
                    }),
            );
        }
        (Selector::Filter(filter), NodeKind::Object(members)) => {
            out.extend(
                last_of_each_key(members)
                    .filter(|member| filter_holds(&member.value, filter))
                    .map(|member| Resolved {
                        node: &member.value,
                        member: Some(member),
                    }),
            );
        }
        _ => {}
    }
}

/// The item at a JSONPath index: from the end when negative.
fn item_at<'n>(items: &'n [Node<'n>], index: i64) -> Option<&'n Node<'n>> {
    let position = if index >= 0 {
        usize::try_from(index).ok()?
    } else {
        items.len().checked_sub(index.unsigned_abs() as usize)?
    };
    items.get(position)
}

/// With duplicate keys a JSON consumer sees only the last one.
fn last_of_each_key<'n>(members: &'n [Member<'n>]) -> impl Iterator<Item = &'n Member<'n>> {
    members
        .iter()
        .enumerate()
        .filter(|(i, m)| !members[i + 1..].iter().any(|later| later.key == m.key))
        .map(|(_, member)| member)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{Arena, parse};

    fn spans(hits: &[Resolved]) -> Vec<(crate::source::Span, Option<crate::source::Span>)> {
        let mut spans: Vec<_> = hits
            .iter()
            .map(|hit| (hit.node.span, hit.member.map(|m| m.key_span)))
            .collect();
        spans.sort_by_key(|(node, member)| (node.start, node.end, member.map(|m| m.start)));
        spans
    }

    /// Every walkable query, walked on the tree, selects exactly what jsonpath-rust selects
    /// on the `Value` copy, on every fixture (corpus included).
    #[test]
    fn walking_agrees_with_jsonpath_rust() {
        let mut queries: Vec<String> = crate::rules::RuleSet::builtin()
            .expect("embedded rules compile")
            .queries
            .iter()
            .map(|(text, _)| text.clone())
            .collect();
        queries.extend(
            [
                "$",
                "$.*",
                "$.*[*]",
                "$.Statement",
                "$.Statement[0]",
                "$.Statement[-1]",
                "$.Statement[5]",
                "$.Statement[-9]",
                "$['Statement'][*]['Condition'].*",
                "$.Statement[*].Condition.*.*",
                "$.Statement[*].*[*]",
                "$.Statement[*]['Action','Action',0]",
                "$.Statement[0,0,*].Effect",
                "$.Version",
                "$..*",
                "$..Action",
                "$.Statement..[0]",
                "$.Statement..['Resource','Effect']",
                "$.Statement[*]..*",
                "$.Statement[?@.Sid]",
                "$.Statement[?!@.Sid].Effect",
                "$.Statement[?@.Effect == 'Deny' || @.Effect != 'Allow']",
                "$.Statement[?@.Effect == \"Allow\" && (@.Action || !@.NotResource)]",
                "$.Statement[?'Allow' == @.Effect]",
                "$.Statement[?@.Action[0] == 'oss:GetObject']",
                "$.Statement[?@.Action[-1] != 'oss:*']",
                "$.Statement[?@.Condition.Bool]",
                "$.Statement[?@..StringEquals]",
                "$.Statement[?@.Effect == null || @.Effect == true]",
                "$.Statement[*].Condition[?@['acs:SecureTransport'] == 'true']",
                "$[?@.Effect]",
                "$.Statement[*].Action[?@ == 'oss:GetObject']",
            ]
            .map(String::from),
        );
        let queries: Vec<Query> = queries
            .iter()
            .map(|q| Query::parse(q).expect("query parses"))
            .collect();
        let not_walked: Vec<String> = queries
            .iter()
            .filter(|q| !q.walkable)
            .map(|q| q.parsed.to_string())
            .collect();
        assert!(not_walked.is_empty(), "not walked: {not_walked:?}");
        let mut compared = 0;
        for (path, text) in crate::testing::fixture_texts() {
            let arena = Arena::new();
            let Ok(parsed) = parse(&text, &arena) else {
                continue;
            };
            let target = QueryTarget::new(&parsed.root);
            for query in &queries {
                let walked = target.select(query);
                let mut general = target.evaluate_generally(&query.parsed);
                keep_first_of_each(&mut general);
                assert_eq!(
                    spans(&walked),
                    spans(&general),
                    "{} on {}",
                    query.parsed,
                    path.display()
                );
            }
            compared += 1;
        }
        assert!(compared > 700, "only {compared} fixtures compared");
    }

    #[test]
    fn a_lone_statement_is_selected_as_one_statement() {
        let text =
            r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*"}}"#;
        let arena = Arena::new();
        let parsed = parse(text, &arena).unwrap();
        let target = QueryTarget::new(&parsed.root);
        let query = Query::parse("$.Statement[*].Action").unwrap();
        let hits = target.select(&query);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].node.as_str(), Some("s3:*"));
        assert_eq!(hits[0].member.unwrap().key, "Action");
    }
}
