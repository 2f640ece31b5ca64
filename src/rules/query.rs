//! Evaluates a rule's `given` JSONPath query on a parsed file, returning the spanned nodes
//! it selects.
//!
//! jsonpath-rust parses every query, and evaluates the general ones (filters, descendant
//! segments, slices) on a `serde_json::Value` copy of the document, whose normalized paths
//! are then looked up in the spanned tree. Most rules, though, select with plain child steps
//! (`$.Statement[*]['Action','NotAction']`). Those are walked directly on the spanned tree,
//! which skips the `Value` copy, a path string per visited node and the lookup back: on a
//! corpus of policies that was a fifth of the linting time. The tests check that both ways
//! select the same nodes.

use crate::model::STATEMENT;
use crate::parse::{Node, NodeKind, Resolved};
use jsonpath_rust::parser::model::{JpQuery, Segment, Selector};
use jsonpath_rust::query::js_path_process;
use std::cell::OnceCell;

/// A parsed file as queries see it. The `serde_json::Value` copy that general queries need
/// is built on first use, at most once per file.
pub struct QueryTarget<'n> {
    root: &'n Node<'n>,
    value: OnceCell<serde_json::Value>,
}

impl<'n> QueryTarget<'n> {
    pub fn new(root: &'n Node<'n>) -> Self {
        QueryTarget {
            root,
            value: OnceCell::new(),
        }
    }

    /// The nodes `query` selects, each once, in no particular order.
    pub fn select(&self, query: &Query) -> Vec<Resolved<'n>> {
        let mut hits = if query.walkable {
            self.walk(&query.parsed)
        } else {
            self.evaluate_generally(&query.parsed)
        };
        if query.may_repeat {
            keep_first_of_each(&mut hits);
        }
        hits
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

    fn walk(&self, query: &JpQuery) -> Vec<Resolved<'n>> {
        let lone_statement = self
            .root
            .get(STATEMENT)
            .filter(|statement| statement.value.as_object().is_some());
        let root = Resolved {
            node: self.root,
            member: None,
        };
        let mut current = vec![root];
        for selectors in query.segments.iter().map(child_selectors) {
            let mut next = Vec::new();
            for at in &current {
                let at_lone_statement = lone_statement
                    .is_some_and(|lone| at.member.is_some_and(|member| std::ptr::eq(member, lone)));
                for selector in selectors {
                    if at_lone_statement {
                        // Selected as the one element of an array, as `evaluate_generally`
                        // sees it.
                        if matches!(selector, Selector::Wildcard | Selector::Index(0 | -1)) {
                            next.push(Resolved {
                                node: at.node,
                                member: None,
                            });
                        }
                        continue;
                    }
                    select_children(at.node, selector, &mut next);
                }
            }
            current = next;
        }
        current
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
    /// Every segment is a child step of names, indexes and wildcards: walked on the tree.
    walkable: bool,
    /// The query can reach one node twice: descendant segments (`..*`) and overlapping
    /// selectors such as `[*,0]` do.
    may_repeat: bool,
}

impl Query {
    pub fn parse(given: &str) -> Result<Self, String> {
        let parsed = jsonpath_rust::parser::parse_json_path(given)
            .map_err(|e| format!("`given` is not a valid JSONPath ({given}): {e}"))?;
        let walkable = parsed.segments.iter().all(|segment| {
            !matches!(segment, Segment::Descendant(_))
                && child_selectors(segment).iter().all(|s| {
                    matches!(
                        s,
                        Selector::Name(_) | Selector::Index(_) | Selector::Wildcard
                    )
                })
        });
        let may_repeat = !walkable
            || !parsed
                .segments
                .iter()
                .all(|segment| selects_distinct_children(child_selectors(segment)));
        Ok(Query {
            parsed,
            walkable,
            may_repeat,
        })
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
            let position = if *index >= 0 {
                usize::try_from(*index).ok()
            } else {
                items.len().checked_sub(index.unsigned_abs() as usize)
            };
            if let Some(item) = position.and_then(|i| items.get(i)) {
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
            // With duplicate keys a JSON consumer sees only the last one.
            out.extend(
                members
                    .iter()
                    .enumerate()
                    .filter(|(i, m)| !members[i + 1..].iter().any(|later| later.key == m.key))
                    .map(|(_, member)| Resolved {
                        node: &member.value,
                        member: Some(member),
                    }),
            );
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse;

    fn spans(hits: &[Resolved]) -> Vec<(crate::source::Span, Option<crate::source::Span>)> {
        let mut spans: Vec<_> = hits
            .iter()
            .map(|hit| (hit.node.span, hit.member.map(|m| m.key_span)))
            .collect();
        spans.sort_by_key(|(node, member)| (node.start, node.end, member.map(|m| m.start)));
        spans
    }

    /// Every child-step query, walked on the tree, selects exactly what jsonpath-rust selects
    /// on the `Value` copy, on every fixture (corpus included).
    #[test]
    fn walking_child_steps_agrees_with_jsonpath_rust() {
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
            ]
            .map(String::from),
        );
        let queries: Vec<Query> = queries
            .iter()
            .map(|q| Query::parse(q).expect("query parses"))
            .filter(|q| q.walkable)
            .collect();
        assert!(
            queries.len() > 14,
            "the embedded rules use child-step queries"
        );
        let mut compared = 0;
        for (path, text) in crate::testing::fixture_texts() {
            let Ok(parsed) = parse(&text) else { continue };
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
        let parsed = parse(text).unwrap();
        let target = QueryTarget::new(&parsed.root);
        let query = Query::parse("$.Statement[*].Action").unwrap();
        let hits = target.select(&query);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].node.as_str(), Some("s3:*"));
        assert_eq!(hits[0].member.unwrap().key, "Action");
    }
}
