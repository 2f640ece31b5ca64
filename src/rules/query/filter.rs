//! Filter selectors (`[?...]`) as RFC 9535 defines them: `&&`, `||` and `!` over existence
//! tests, comparisons, and the functions `length`, `count`, `value`, `match` and `search`.
//! Every node a filter looks at counts against the walk's bound, as in the steps.
//!
//! A query is checked when its rule file is loaded: an unknown function, a function whose
//! result cannot be used where it is written (`[?length(@)]`, `match(...) == true`) or a
//! regular expression that does not compile is an error naming the rule file, rather than
//! a filter that silently selects nothing on every file.

use super::{Exceeded, Walk, child_selectors, item_at, last_of_each_key};
use crate::parse::{Member, Node, NodeKind, Resolved};
use jsonpath_rust::parser::model::{
    Comparable, Comparison, Filter, FilterAtom, FnArg, Literal, Segment, Selector, SingularQuery,
    SingularQuerySegment, Test, TestFunction,
};
use regex::Regex;

/// What a comparison or a function works with.
#[derive(Clone, Copy)]
enum Operand<'a> {
    /// A query that selected nothing (RFC 9535 `Nothing`).
    Nothing,
    Node(Resolved<'a>),
    Literal(&'a Literal),
    Number(f64),
    Logical(bool),
}

/// A JSON value, wherever it comes from.
#[derive(Clone, Copy)]
enum Value<'a> {
    Null,
    Bool(bool),
    Number(f64),
    String(&'a str),
    Array(&'a [Node<'a>]),
    Object(&'a [Member<'a>]),
}

impl<'a> Value<'a> {
    fn of_node(node: &'a Node<'a>) -> Self {
        match &node.kind {
            NodeKind::Null => Value::Null,
            NodeKind::Bool(b) => Value::Bool(*b),
            NodeKind::Number(raw) => Value::Number(raw.parse().unwrap_or(f64::NAN)),
            NodeKind::String(s) => Value::String(s),
            NodeKind::Array(items) => Value::Array(items),
            NodeKind::Object(members) => Value::Object(members),
        }
    }
}

/// Most bytes of a regular expression compiled from a document's text (`match(@.a, @.b)`).
const DOCUMENT_PATTERN_SIZE_LIMIT: usize = 1 << 20;

impl<'n> Walk<'_, 'n> {
    /// Whether `filter` holds for `at`.
    pub(super) fn holds(&mut self, at: Resolved<'n>, filter: &Filter) -> Result<bool, Exceeded> {
        self.visit(1)?;
        Ok(match filter {
            Filter::Or(alternatives) => {
                for alternative in alternatives {
                    if self.holds(at, alternative)? {
                        return Ok(true);
                    }
                }
                false
            }
            Filter::And(conditions) => {
                for condition in conditions {
                    if !self.holds(at, condition)? {
                        return Ok(false);
                    }
                }
                true
            }
            Filter::Atom(FilterAtom::Filter { expr, not }) => self.holds(at, expr)? != *not,
            Filter::Atom(FilterAtom::Test { expr, not }) => self.test(at, expr)? != *not,
            Filter::Atom(FilterAtom::Comparison(comparison)) => self.compare(at, comparison)?,
        })
    }

    fn test(&mut self, at: Resolved<'n>, test: &Test) -> Result<bool, Exceeded> {
        match test {
            Test::RelQuery(segments) => self.selects_anything(at, segments),
            Test::AbsQuery(query) => self.selects_anything(self.root(), &query.segments),
            Test::Function(function) => Ok(matches!(
                self.function(at, function)?,
                Operand::Logical(true)
            )),
        }
    }

    /// Whether `segments`, walked from `at`, select anything. A path of names, as filters
    /// such as `[?@.Action]` test, is followed without a buffer.
    fn selects_anything(
        &mut self,
        at: Resolved<'n>,
        segments: &[Segment],
    ) -> Result<bool, Exceeded> {
        let mut at = at;
        for (i, segment) in segments.iter().enumerate() {
            let Segment::Selector(Selector::Name(name)) = segment else {
                return Ok(!self.nodes_from(at, &segments[i..])?.is_empty());
            };
            match self.member(at, name)? {
                Some(member) => at = member,
                None => return Ok(false),
            }
        }
        Ok(true)
    }

    /// The member `name` of `at`, when `at` is an object that has it.
    fn member(&mut self, at: Resolved<'n>, name: &str) -> Result<Option<Resolved<'n>>, Exceeded> {
        let Some(members) = self.members(at) else {
            return Ok(None);
        };
        self.visit(members.len())?;
        Ok(at.node.get(name).map(|member| Resolved {
            node: &member.value,
            member: Some(member),
        }))
    }

    fn compare<'a>(
        &mut self,
        at: Resolved<'n>,
        comparison: &'a Comparison,
    ) -> Result<bool, Exceeded>
    where
        'n: 'a,
    {
        let (left, right) = comparison.vals();
        let left = self.operand(at, left)?;
        let left = self.value(left);
        let right = self.operand(at, right)?;
        let right = self.value(right);
        Ok(match comparison {
            Comparison::Eq(..) => self.equal(left, right)?,
            Comparison::Ne(..) => !self.equal(left, right)?,
            Comparison::Lt(..) => less(left, right),
            Comparison::Gt(..) => less(right, left),
            Comparison::Lte(..) => less(left, right) || self.equal(left, right)?,
            Comparison::Gte(..) => less(right, left) || self.equal(left, right)?,
        })
    }

    fn operand<'a>(
        &mut self,
        at: Resolved<'n>,
        comparable: &'a Comparable,
    ) -> Result<Operand<'a>, Exceeded>
    where
        'n: 'a,
    {
        match comparable {
            Comparable::Literal(literal) => Ok(Operand::Literal(literal)),
            Comparable::SingularQuery(SingularQuery::Current(path)) => self.singular(at, path),
            Comparable::SingularQuery(SingularQuery::Root(path)) => {
                self.singular(self.root(), path)
            }
            Comparable::Function(function) => self.function(at, function),
        }
    }

    fn singular<'a>(
        &mut self,
        mut at: Resolved<'n>,
        path: &[SingularQuerySegment],
    ) -> Result<Operand<'a>, Exceeded>
    where
        'n: 'a,
    {
        for step in path {
            self.visit(1)?;
            let next = match step {
                SingularQuerySegment::Name(name) => self.member(at, name)?,
                SingularQuerySegment::Index(index) => self
                    .items(at)
                    .and_then(|items| item_at(items, *index))
                    .map(|node| Resolved { node, member: None }),
            };
            match next {
                Some(next) => at = next,
                None => return Ok(Operand::Nothing),
            }
        }
        Ok(Operand::Node(at))
    }

    /// The value of an operand; `None` for `Nothing`.
    fn value<'a>(&self, operand: Operand<'a>) -> Option<Value<'a>>
    where
        'n: 'a,
    {
        Some(match operand {
            Operand::Nothing => return None,
            Operand::Node(at) => match self.items(at) {
                // The lone statement, seen as an array.
                Some(items) if at.node.as_array().is_none() => Value::Array(items),
                _ => Value::of_node(at.node),
            },
            Operand::Literal(literal) => match literal {
                Literal::Int(i) => Value::Number(*i as f64),
                Literal::Float(f) => Value::Number(*f),
                Literal::String(s) => Value::String(s),
                Literal::Bool(b) => Value::Bool(*b),
                Literal::Null => Value::Null,
            },
            Operand::Number(n) => Value::Number(n),
            Operand::Logical(b) => Value::Bool(b),
        })
    }

    /// RFC 9535 equality: `Nothing` equals only `Nothing`; numbers by value; arrays item by
    /// item; objects by their members, whatever their order.
    fn equal(&mut self, left: Option<Value>, right: Option<Value>) -> Result<bool, Exceeded> {
        self.visit(1)?;
        let (left, right) = match (left, right) {
            (None, None) => return Ok(true),
            (Some(left), Some(right)) => (left, right),
            _ => return Ok(false),
        };
        Ok(match (left, right) {
            (Value::Null, Value::Null) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Number(a), Value::Number(b)) => a == b,
            (Value::String(a), Value::String(b)) => a == b,
            (Value::Array(a), Value::Array(b)) => {
                if a.len() != b.len() {
                    return Ok(false);
                }
                for (a, b) in a.iter().zip(b) {
                    if !self.equal(Some(Value::of_node(a)), Some(Value::of_node(b)))? {
                        return Ok(false);
                    }
                }
                true
            }
            (Value::Object(a), Value::Object(b)) => {
                if last_of_each_key(a).count() != last_of_each_key(b).count() {
                    return Ok(false);
                }
                for member in last_of_each_key(a) {
                    self.visit(b.len())?;
                    let Some(other) = b.iter().rev().find(|other| other.key == member.key) else {
                        return Ok(false);
                    };
                    let (a, b) = (Value::of_node(&member.value), Value::of_node(&other.value));
                    if !self.equal(Some(a), Some(b))? {
                        return Ok(false);
                    }
                }
                true
            }
            _ => false,
        })
    }

    fn function<'a>(
        &mut self,
        at: Resolved<'n>,
        function: &'a TestFunction,
    ) -> Result<Operand<'a>, Exceeded>
    where
        'n: 'a,
    {
        Ok(match function {
            TestFunction::Length(argument) => {
                let argument = self.value_argument(at, argument)?;
                match self.value(argument) {
                    Some(Value::String(s)) => {
                        self.visit(s.len() / 64)?;
                        Operand::Number(s.chars().count() as f64)
                    }
                    Some(Value::Array(items)) => Operand::Number(items.len() as f64),
                    Some(Value::Object(members)) => {
                        self.visit(members.len())?;
                        Operand::Number(last_of_each_key(members).count() as f64)
                    }
                    _ => Operand::Nothing,
                }
            }
            TestFunction::Count(argument) => {
                Operand::Number(self.nodes_argument(at, argument)?.len() as f64)
            }
            TestFunction::Value(argument) => match self.nodes_argument(at, argument)?[..] {
                [node] => Operand::Node(node),
                _ => Operand::Nothing,
            },
            TestFunction::Match(text, pattern) => {
                Operand::Logical(self.regex_matches(at, text, pattern, false)?)
            }
            TestFunction::Search(text, pattern) => {
                Operand::Logical(self.regex_matches(at, text, pattern, true)?)
            }
            // Refused when the rule file is loaded.
            TestFunction::Custom(..) => Operand::Nothing,
        })
    }

    /// A function's argument of RFC 9535 `ValueType`: a literal, a singular query or a
    /// function giving a value.
    fn value_argument<'a>(
        &mut self,
        at: Resolved<'n>,
        argument: &'a FnArg,
    ) -> Result<Operand<'a>, Exceeded>
    where
        'n: 'a,
    {
        let FnArg::Test(test) = argument else {
            return Ok(match argument {
                FnArg::Literal(literal) => Operand::Literal(literal),
                _ => Operand::Nothing,
            });
        };
        let nodes = match &**test {
            Test::Function(function) => return self.function(at, function),
            Test::RelQuery(segments) => self.nodes_from(at, segments)?,
            Test::AbsQuery(query) => self.nodes_from(self.root(), &query.segments)?,
        };
        Ok(match nodes[..] {
            [node] => Operand::Node(node),
            _ => Operand::Nothing,
        })
    }

    /// A function's argument of RFC 9535 `NodesType`: a query.
    fn nodes_argument(
        &mut self,
        at: Resolved<'n>,
        argument: &FnArg,
    ) -> Result<Vec<Resolved<'n>>, Exceeded> {
        match argument {
            FnArg::Test(test) => match &**test {
                Test::RelQuery(segments) => self.nodes_from(at, segments),
                Test::AbsQuery(query) => self.nodes_from(self.root(), &query.segments),
                Test::Function(_) => Ok(Vec::new()),
            },
            _ => Ok(Vec::new()),
        }
    }

    /// `match()` (the whole string) or `search()` (a part of it): false unless both
    /// arguments are strings and the pattern compiles.
    fn regex_matches(
        &mut self,
        at: Resolved<'n>,
        text: &FnArg,
        pattern: &FnArg,
        substring: bool,
    ) -> Result<bool, Exceeded> {
        let text = self.value_argument(at, text)?;
        let pattern = self.value_argument(at, pattern)?;
        let (Some(Value::String(text)), Some(Value::String(pattern))) =
            (self.value(text), self.value(pattern))
        else {
            return Ok(false);
        };
        self.visit(text.len() / 64 + 1)?;
        if let Some(regex) = self.query.patterns.get(pattern, substring) {
            return Ok(regex.is_match(text));
        }
        // A pattern from the document is compiled for each use: count its size as work.
        self.visit(pattern.len().saturating_mul(64))?;
        Ok(compile(pattern, substring).is_ok_and(|regex| regex.is_match(text)))
    }
}

fn less(left: Option<Value>, right: Option<Value>) -> bool {
    match (left, right) {
        (Some(Value::Number(a)), Some(Value::Number(b))) => a < b,
        (Some(Value::String(a)), Some(Value::String(b))) => a < b,
        _ => false,
    }
}

/// An I-Regexp (RFC 9485) in the syntax of the `regex` crate: `.` matches any character
/// but line ends, and `match()` matches the whole string.
fn compile(pattern: &str, substring: bool) -> Result<Regex, regex::Error> {
    let mut translated = String::with_capacity(pattern.len() + 8);
    let mut chars = pattern.chars();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                translated.push(c);
                translated.extend(chars.next());
            }
            '[' if !in_class => {
                in_class = true;
                translated.push(c);
            }
            ']' if in_class => {
                in_class = false;
                translated.push(c);
            }
            '.' if !in_class => translated.push_str(r"[^\n\r]"),
            _ => translated.push(c),
        }
    }
    if !substring {
        translated = format!("^(?:{translated})$");
    }
    regex::RegexBuilder::new(&translated)
        .size_limit(DOCUMENT_PATTERN_SIZE_LIMIT)
        .build()
}

/// The regular expressions written in a query, compiled when it is loaded.
#[derive(Default)]
pub(super) struct Patterns {
    /// (pattern as written, for `search()` rather than `match()`, compiled)
    compiled: Vec<(String, bool, Regex)>,
}

impl Patterns {
    fn get(&self, pattern: &str, substring: bool) -> Option<&Regex> {
        self.compiled
            .iter()
            .find(|(written, search, _)| written == pattern && *search == substring)
            .map(|(_, _, regex)| regex)
    }

    /// Checks that every filter of `segments` can be evaluated, and compiles the patterns
    /// written in them.
    pub(super) fn of(segments: &[Segment]) -> Result<Self, String> {
        let mut patterns = Patterns::default();
        patterns.check_segments(segments)?;
        Ok(patterns)
    }

    fn check_segments(&mut self, segments: &[Segment]) -> Result<(), String> {
        for segment in segments {
            if let Segment::Descendant(inner) = segment {
                self.check_segments(std::slice::from_ref(&**inner))?;
            }
            for selector in child_selectors(segment) {
                if let Selector::Filter(filter) = selector {
                    self.check_filter(filter)?;
                }
            }
        }
        Ok(())
    }

    fn check_filter(&mut self, filter: &Filter) -> Result<(), String> {
        match filter {
            Filter::Or(parts) | Filter::And(parts) => {
                parts.iter().try_for_each(|part| self.check_filter(part))
            }
            Filter::Atom(FilterAtom::Filter { expr, .. }) => self.check_filter(expr),
            Filter::Atom(FilterAtom::Test { expr, .. }) => match &**expr {
                Test::RelQuery(segments) => self.check_segments(segments),
                Test::AbsQuery(query) => self.check_segments(&query.segments),
                Test::Function(function) => match &**function {
                    TestFunction::Match(..) | TestFunction::Search(..) => {
                        self.check_function(function)
                    }
                    _ => Err(format!(
                        "`{}` gives a value, not true or false: compare it, as in `length(@.Action) > 10`",
                        name(function)
                    )),
                },
            },
            Filter::Atom(FilterAtom::Comparison(comparison)) => {
                let (left, right) = comparison.vals();
                self.check_comparable(left)?;
                self.check_comparable(right)
            }
        }
    }

    fn check_comparable(&mut self, comparable: &Comparable) -> Result<(), String> {
        match comparable {
            Comparable::Function(function) => match function {
                TestFunction::Length(_) | TestFunction::Count(_) | TestFunction::Value(_) => {
                    self.check_function(function)
                }
                _ => Err(format!(
                    "`{}` gives true or false: use it on its own, as in `[?match(@.Sid, 'Admin.*')]`, not in a comparison",
                    name(function)
                )),
            },
            Comparable::Literal(_) | Comparable::SingularQuery(_) => Ok(()),
        }
    }

    fn check_function(&mut self, function: &TestFunction) -> Result<(), String> {
        match function {
            TestFunction::Custom(name, _) => Err(format!(
                "unknown function `{name}()`; JSONPath has length(), count(), value(), match() and search()"
            )),
            TestFunction::Length(argument) => self.check_value_argument(function, argument),
            TestFunction::Count(argument) | TestFunction::Value(argument) => match argument {
                FnArg::Test(test) if matches!(**test, Test::RelQuery(_) | Test::AbsQuery(_)) => {
                    self.check_test_query(test)
                }
                _ => Err(format!(
                    "`{}` takes a query, such as `@.Action[*]`",
                    name(function)
                )),
            },
            TestFunction::Match(text, pattern) | TestFunction::Search(text, pattern) => {
                self.check_value_argument(function, text)?;
                self.check_value_argument(function, pattern)?;
                if let FnArg::Literal(Literal::String(pattern)) = pattern {
                    let substring = matches!(function, TestFunction::Search(..));
                    let regex = compile(pattern, substring).map_err(|e| {
                        format!(
                            "`{pattern}` in `{}` is not a valid regular expression: {e}",
                            name(function)
                        )
                    })?;
                    self.compiled.push((pattern.clone(), substring, regex));
                }
                Ok(())
            }
        }
    }

    fn check_test_query(&mut self, test: &Test) -> Result<(), String> {
        match test {
            Test::RelQuery(segments) => self.check_segments(segments),
            Test::AbsQuery(query) => self.check_segments(&query.segments),
            Test::Function(function) => self.check_function(function),
        }
    }

    /// An argument of RFC 9535 `ValueType`: a literal, a query of names and indexes only,
    /// or a function that gives a value.
    fn check_value_argument(
        &mut self,
        function: &TestFunction,
        argument: &FnArg,
    ) -> Result<(), String> {
        match argument {
            FnArg::Literal(_) => Ok(()),
            FnArg::Filter(_) => Err(format!(
                "`{}` takes a value, not a logical expression",
                name(function)
            )),
            FnArg::Test(test) => {
                let segments = match &**test {
                    Test::RelQuery(segments) => segments,
                    Test::AbsQuery(query) => &query.segments,
                    Test::Function(inner) => {
                        return match &**inner {
                            TestFunction::Length(_)
                            | TestFunction::Count(_)
                            | TestFunction::Value(_) => self.check_function(inner),
                            _ => Err(format!(
                                "`{}` takes a value, and `{}` gives true or false",
                                name(function),
                                name(inner)
                            )),
                        };
                    }
                };
                let singular = segments.iter().all(|segment| {
                    matches!(
                        segment,
                        Segment::Selector(Selector::Name(_) | Selector::Index(_))
                    )
                });
                if !singular {
                    return Err(format!(
                        "`{}` takes one value, and its argument may select several nodes: use names and indexes only (`@.Action[0]`)",
                        name(function)
                    ));
                }
                self.check_segments(segments)
            }
        }
    }
}

/// How a function is written, for messages (`length()`).
fn name(function: &TestFunction) -> String {
    let name = match function {
        TestFunction::Custom(name, _) => name,
        TestFunction::Length(_) => "length",
        TestFunction::Value(_) => "value",
        TestFunction::Count(_) => "count",
        TestFunction::Search(..) => "search",
        TestFunction::Match(..) => "match",
    };
    format!("{name}()")
}
