//! Evaluates a rule's `given` JSONPath query (RFC 9535) on a parsed file, returning the
//! spanned nodes it selects.
//!
//! jsonpath-rust parses each query once; the evaluation walks the spanned tree directly,
//! which skips a `serde_json::Value` copy, a path string per visited node and the lookup
//! back (on a corpus of policies that was a fifth of the linting time). The tests check
//! that the walk selects what jsonpath-rust selects on the `Value` copy.
//!
//! A team's rule file is as hostile as any policy (a pull request can change it), so the
//! cost of a query is bounded: each step keeps every node once (a descendant step from
//! nodes under one another walks the shared subtrees once), and every node a query visits,
//! in filters too, counts against a bound that grows with the size of the document
//! ([`QueryTarget::bound`]). A query that reaches it stops with [`QueryBound`], and the
//! engine reports the file as not checked by the rule (PL000 `rule-error`). Without that,
//! `$..*..*..*..*` on a 509-deep document of 1 KB asked for 15 GB.

mod filter;
#[cfg(test)]
mod tests;

use crate::model::STATEMENT;
use crate::parse::{Member, Node, Resolved};
use jsonpath_rust::parser::model::{JpQuery, Segment, Selector};
use std::cell::RefCell;

/// Every query may visit this many nodes of a document...
const BOUND_FIXED: u64 = 10_000;
/// ...plus this many per byte of the document. A query visits each node of a step once,
/// and a node takes at least two bytes of text (`1,`), so a query of a few dozen steps
/// stays far below; nested descendant searches inside filters (`$..[?@..[?@..*]]`) do
/// not, on a deep document.
const BOUND_PER_BYTE: u64 = 64;

/// A query that stopped at the bound of its document: what it visited, and the bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryBound {
    pub visited: u64,
    pub bound: u64,
}

/// A parsed file as queries see it.
pub struct QueryTarget<'n> {
    root: &'n Node<'n>,
    /// The member `"Statement": {...}` when the statement is a lone object: AWS allows it,
    /// and rules select statements with `$.Statement[*]`, so queries see it as the one item
    /// of an array.
    lone_statement: Option<&'n Member<'n>>,
    bound: u64,
    /// The buffer a walk takes turns with the caller's, kept for the file's next query.
    spare: RefCell<Vec<Resolved<'n>>>,
}

impl<'n> QueryTarget<'n> {
    pub fn new(root: &'n Node<'n>) -> Self {
        let bytes = root.span.end.saturating_sub(root.span.start) as u64;
        QueryTarget {
            root,
            lone_statement: root
                .get(STATEMENT)
                .filter(|statement| statement.value.as_object().is_some()),
            bound: BOUND_FIXED.saturating_add(BOUND_PER_BYTE.saturating_mul(bytes)),
            spare: Default::default(),
        }
    }

    /// The most nodes one query may visit in this document.
    pub fn bound(&self) -> u64 {
        self.bound
    }

    /// The nodes `query` selects, each once, in no particular order.
    pub fn select(&self, query: &Query) -> Result<Vec<Resolved<'n>>, QueryBound> {
        let mut hits = Vec::new();
        self.select_into(query, &mut hits)?;
        Ok(hits)
    }

    /// `select`, into `hits` (cleared first): a file's queries can share one buffer. When
    /// the query reaches the document's bound, `hits` is left empty.
    pub fn select_into(
        &self,
        query: &Query,
        hits: &mut Vec<Resolved<'n>>,
    ) -> Result<(), QueryBound> {
        hits.clear();
        hits.push(Resolved {
            node: self.root,
            member: None,
        });
        let mut walk = self.walk(query);
        let mut spare = self.spare.take();
        let walked = walk.segments(hits, &mut spare, &query.parsed.segments);
        self.spare.replace(spare);
        walked.map_err(|Exceeded| {
            hits.clear();
            QueryBound {
                visited: walk.visited,
                bound: self.bound,
            }
        })
    }

    fn walk<'w>(&'w self, query: &'w Query) -> Walk<'w, 'n> {
        Walk {
            root: self.root,
            lone_statement: self.lone_statement,
            query,
            visited: 0,
            bound: self.bound,
        }
    }
}

/// A walk stopped at its bound.
#[derive(Debug)]
struct Exceeded;

/// One evaluation of a query: the document, and the nodes visited so far.
struct Walk<'w, 'n> {
    root: &'n Node<'n>,
    lone_statement: Option<&'n Member<'n>>,
    query: &'w Query,
    visited: u64,
    bound: u64,
}

impl<'n> Walk<'_, 'n> {
    /// Counts `nodes` more visited nodes against the bound.
    fn visit(&mut self, nodes: usize) -> Result<(), Exceeded> {
        self.visited = self.visited.saturating_add(nodes as u64);
        if self.visited > self.bound {
            Err(Exceeded)
        } else {
            Ok(())
        }
    }

    fn is_lone_statement(&self, at: Resolved) -> bool {
        self.lone_statement.is_some_and(|lone| {
            at.member
                .is_some_and(|member| std::ptr::addr_eq(std::ptr::from_ref(member), lone))
        })
    }

    /// The items of `at`, when queries see an array there.
    fn items<'a>(&self, at: Resolved<'a>) -> Option<&'a [Node<'a>]> {
        if self.is_lone_statement(at) {
            return Some(std::slice::from_ref(at.node));
        }
        at.node.as_array()
    }

    /// The members of `at`, when queries see an object there.
    fn members<'a>(&self, at: Resolved<'a>) -> Option<&'a [Member<'a>]> {
        if self.is_lone_statement(at) {
            return None;
        }
        at.node.as_object()
    }

    /// Applies `segments` to `current` in turn, leaving the result in `current`, each node
    /// once; `next` is scratch. Each step fills `next` from `current`, then the two swap:
    /// two buffers for the whole walk instead of one per step.
    fn segments(
        &mut self,
        current: &mut Vec<Resolved<'n>>,
        next: &mut Vec<Resolved<'n>>,
        segments: &[Segment],
    ) -> Result<(), Exceeded> {
        for segment in segments {
            next.clear();
            if let Segment::Descendant(inner) = segment {
                self.self_and_descendants(current, next)?;
                std::mem::swap(current, next);
                self.segments(current, next, std::slice::from_ref(&**inner))?;
                continue;
            }
            let selectors = child_selectors(segment);
            for &at in current.iter() {
                for selector in selectors {
                    self.select_children(at, selector, next)?;
                }
            }
            // A node has one parent, so from distinct nodes only selectors that overlap
            // (`[*,0]`) can pick one twice.
            if !selects_distinct_children(selectors) {
                keep_first_of_each(next);
            }
            std::mem::swap(current, next);
        }
        Ok(())
    }

    /// Pushes each node of `from` and every node under it, each once, as a JSON consumer
    /// sees them (the last of duplicate keys). A subtree met a second time (from a node
    /// under another of `from`) is not walked again.
    fn self_and_descendants(
        &mut self,
        from: &[Resolved<'n>],
        found: &mut Vec<Resolved<'n>>,
    ) -> Result<(), Exceeded> {
        let mut seen = (from.len() > 1).then(foldhash::HashSet::default);
        for &start in from {
            if seen
                .as_mut()
                .is_some_and(|seen| !seen.insert(identity(start)))
            {
                continue;
            }
            let mut unvisited = found.len();
            found.push(start);
            self.visit(1)?;
            while let Some(&at) = found.get(unvisited) {
                unvisited += 1;
                let first_child = found.len();
                self.select_children(at, &Selector::Wildcard, found)?;
                if let Some(seen) = seen.as_mut() {
                    let mut kept = first_child;
                    for i in first_child..found.len() {
                        if seen.insert(identity(found[i])) {
                            found[kept] = found[i];
                            kept += 1;
                        }
                    }
                    found.truncate(kept);
                }
            }
        }
        Ok(())
    }

    fn select_children(
        &mut self,
        at: Resolved<'n>,
        selector: &Selector,
        out: &mut Vec<Resolved<'n>>,
    ) -> Result<(), Exceeded> {
        let before = out.len();
        let item = |node| Resolved { node, member: None };
        let member = |member: &'n Member<'n>| Resolved {
            node: &member.value,
            member: Some(member),
        };
        match selector {
            Selector::Name(key) => {
                if let Some(found) = self.members(at).and_then(|_| at.node.get(key)) {
                    out.push(member(found));
                }
            }
            Selector::Index(index) => {
                if let Some(found) = self.items(at).and_then(|items| item_at(items, *index)) {
                    out.push(item(found));
                }
            }
            Selector::Slice(start, end, step) => {
                if let Some(items) = self.items(at) {
                    for index in slice_indexes(items.len(), *start, *end, *step) {
                        out.push(item(&items[index]));
                        self.visit(1)?;
                    }
                }
            }
            Selector::Wildcard => {
                if let Some(items) = self.items(at) {
                    out.extend(items.iter().map(item));
                } else if let Some(members) = self.members(at) {
                    self.visit(members.len())?;
                    out.extend(last_of_each_key(members).map(member));
                }
            }
            Selector::Filter(filter) => {
                if let Some(items) = self.items(at) {
                    for node in items {
                        if self.holds(item(node), filter)? {
                            out.push(item(node));
                        }
                    }
                } else if let Some(members) = self.members(at) {
                    self.visit(members.len())?;
                    for found in last_of_each_key(members) {
                        if self.holds(member(found), filter)? {
                            out.push(member(found));
                        }
                    }
                }
            }
        }
        self.visit(out.len() - before + 1)
    }

    /// The nodes `segments` select from `at`.
    fn nodes_from(
        &mut self,
        at: Resolved<'n>,
        segments: &[Segment],
    ) -> Result<Vec<Resolved<'n>>, Exceeded> {
        let (mut current, mut next) = (vec![at], Vec::new());
        self.segments(&mut current, &mut next, segments)?;
        Ok(current)
    }

    fn root(&self) -> Resolved<'n> {
        Resolved {
            node: self.root,
            member: None,
        }
    }
}

/// What tells two selected nodes apart: the node, and the member it was reached through
/// (the lone statement is both the member `Statement` and the one item of its array).
fn identity(at: Resolved) -> (usize, usize) {
    (
        std::ptr::from_ref(at.node) as usize,
        at.member
            .map_or(0, |member| std::ptr::from_ref(member) as usize),
    )
}

fn keep_first_of_each(hits: &mut Vec<Resolved>) {
    let mut seen = foldhash::HashSet::default();
    hits.retain(|&hit| seen.insert(identity(hit)));
}

/// The indexes an RFC 9535 slice `[start:end:step]` selects from `length` items, in order.
fn slice_indexes(
    length: usize,
    start: Option<i64>,
    end: Option<i64>,
    step: Option<i64>,
) -> impl Iterator<Item = usize> {
    let length = i64::try_from(length).unwrap_or(i64::MAX);
    let step = step.unwrap_or(1);
    let normalize = |i: i64| if i >= 0 { i } else { length.saturating_add(i) };
    let (mut at, limit) = if step >= 0 {
        let lower = normalize(start.unwrap_or(0)).clamp(0, length);
        let upper = normalize(end.unwrap_or(length)).clamp(0, length);
        (lower, upper)
    } else {
        let upper = normalize(start.unwrap_or(length - 1)).clamp(-1, length - 1);
        let lower = end.map_or(-1, |end| normalize(end).clamp(-1, length - 1));
        (upper, lower)
    };
    std::iter::from_fn(move || {
        let inside = match step {
            0 => false,
            1.. => at < limit,
            _ => at > limit,
        };
        if !inside {
            return None;
        }
        let index = at;
        // Past the end either way: stop rather than wrap around.
        at = at.checked_add(step).unwrap_or(limit);
        usize::try_from(index).ok()
    })
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
    // A few members are compared with each other; many are counted once (an object of
    // 100,000 keys would otherwise take 5 billion comparisons).
    let last: Option<foldhash::HashMap<&str, usize>> = (members.len() > 16).then(|| {
        members
            .iter()
            .enumerate()
            .map(|(i, member)| (member.key, i))
            .collect()
    });
    members
        .iter()
        .enumerate()
        .filter(move |&(i, member)| match &last {
            Some(last) => last.get(member.key) == Some(&i),
            None => !members[i + 1..].iter().any(|later| later.key == member.key),
        })
        .map(|(_, member)| member)
}

/// A rule's `given`, parsed and checked once.
pub struct Query {
    parsed: JpQuery,
    /// The regular expressions of `match()` and `search()` written in the query.
    patterns: filter::Patterns,
}

impl Query {
    pub fn parse(given: &str) -> Result<Self, String> {
        // A rule file may hold a query of a megabyte: messages quote the start of it.
        let shown = super::declarative::cut(given, 200);
        let parsed = jsonpath_rust::parser::parse_json_path(given).map_err(|e| {
            format!(
                "`given` is not a valid JSONPath ({shown}): {}",
                parse_error_summary(e.to_string())
            )
        })?;
        let patterns = filter::Patterns::of(&parsed.segments)
            .map_err(|e| format!("`given` cannot be evaluated ({shown}): {e}"))?;
        Ok(Query { parsed, patterns })
    }
}

/// A parse error short enough to print: a long query's error would quote all of it, with
/// a line of spaces under it to point at the place; then only the place and what was
/// expected are kept.
fn parse_error_summary(error: String) -> String {
    if error.chars().count() <= 400 {
        return error;
    }
    let kept: Vec<&str> = error
        .lines()
        .map(str::trim)
        .filter(|line| {
            line.starts_with("Failed") || line.starts_with("-->") || line.starts_with("= ")
        })
        .collect();
    super::declarative::cut(&kept.join(" "), 400)
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
