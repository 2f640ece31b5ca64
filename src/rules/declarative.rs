//! The fixed set of functions a declarative rule can apply to what its JSONPath `given`
//! selects (as in Spectral rulesets). Functions that test strings (`pattern`,
//! `enumeration`) also test each string of an array, because every multi-value policy
//! element takes a string or an array of strings.

mod compile;
mod template;

pub use template::{check as check_template, cut};

use crate::diagnostic::{Edit, Finding, Fix};
use crate::memo::{self, Memory};
use crate::model::TemplateValues;
use crate::parse::{Member, Node, NodeKind};
use crate::source::Span;
use regex::Regex;
use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};

pub struct Declarative {
    /// Index into `RuleSet::queries`.
    pub query: usize,
    pub field: Option<String>,
    /// Searches a text for `field` between quotes, made once: see `finds_nothing_in`.
    /// (Boxed: a searcher is large, and most checks have none.)
    quoted_field: Option<Box<memchr::memmem::Finder<'static>>>,
    pub function: Function,
    pub message: String,
    pub help: Option<String>,
}

pub enum Function {
    /// `field` must be present in each selected object.
    Defined,
    /// `field` (or, without `field`, the selected value itself) must be absent.
    Undefined,
    Pattern {
        must_match: Option<RememberedRegex>,
        must_not_match: Option<Regex>,
        /// Matches of `must_not_match` that are wholly matched by this are accepted.
        allow: Option<Regex>,
        /// Offer a safe fix that trims surrounding whitespace when that makes the value pass.
        trim_fix: bool,
        /// Whether a file whose text `must_not_match` does not match anywhere can be
        /// passed over: true when the pattern has no `^`/`$` anchors (see
        /// `finds_nothing_in`).
        scan_whole_text: bool,
    },
    Enumeration {
        values: Vec<String>,
        /// Offer a safe fix when the value differs from an allowed one only in case or
        /// surrounding whitespace.
        case_fix: bool,
    },
    Type {
        types: Vec<String>,
    },
    /// No two equal strings in the selected array.
    Unique,
}

pub const FUNCTIONS: [&str; 6] = [
    "defined",
    "undefined",
    "pattern",
    "enumeration",
    "type",
    "unique",
];
const TYPES: [&str; 6] = ["string", "number", "boolean", "null", "array", "object"];

impl Declarative {
    pub fn new(
        query: usize,
        field: Option<String>,
        function: Function,
        message: String,
        help: Option<String>,
    ) -> Self {
        let quoted_field = field.as_ref().map(|field| {
            Box::new(memchr::memmem::Finder::new(&format!("\"{field}\"")).into_owned())
        });
        Declarative {
            query,
            field,
            quoted_field,
            function,
            message,
            help,
        }
    }

    /// Whether this check can find nothing anywhere in the document, so its query need not
    /// run (queries cost far more than a walk of the tree): a `not-match` pattern that no
    /// string of the document matches, or a field no object of the document has.
    pub fn finds_nothing_in(&self, document: &Document) -> bool {
        let Document {
            text,
            root,
            has_backslash,
            ..
        } = *document;
        match (&self.function, self.field.as_deref()) {
            (
                Function::Pattern {
                    must_match: None,
                    must_not_match: Some(forbidden),
                    scan_whole_text,
                    ..
                },
                None,
            ) => {
                // Without escapes, every string's value is a piece of the text, bounded by
                // quotes, which no word boundary tells from the ends of the value: a
                // pattern without anchors that matches no part of the text matches no
                // string. One search of the text costs less than one per string.
                if *scan_whole_text && !has_backslash {
                    return !forbidden.is_match(text);
                }
                !some_string_matches(root, forbidden)
            }
            (Function::Undefined, Some(field)) => {
                // Without escapes, a key is its text between quotes: a file that does not
                // hold `"field"` anywhere has no such key.
                let quoted = self.quoted_field.as_ref().expect("made with the field");
                if !has_backslash && quoted.find(text.as_bytes()).is_none() {
                    return true;
                }
                !any_node(root, &mut |node| {
                    node.as_object()
                        .is_some_and(|members| members.iter().any(|m| m.key == field))
                })
            }
            _ => false,
        }
    }
}

/// A parsed text, with what `finds_nothing_in` asks of every check worked out once.
#[derive(Clone, Copy)]
pub struct Document<'d> {
    pub text: &'d str,
    pub root: &'d Node<'d>,
    /// Whether the text holds a `\`: without one, no string or key has an escape, so each
    /// is its own text between quotes.
    pub has_backslash: bool,
    /// Values a template fills in, which no function judges.
    pub templates: TemplateValues<'d>,
}

impl<'d> Document<'d> {
    pub fn new(text: &'d str, root: &'d Node<'d>, templates: TemplateValues<'d>) -> Self {
        Document {
            text,
            root,
            has_backslash: memchr::memchr(b'\\', text.as_bytes()).is_some(),
            templates,
        }
    }
}

fn some_string_matches(root: &Node, re: &Regex) -> bool {
    any_node(root, &mut |node| {
        node.as_str().is_some_and(|s| re.is_match(s))
    })
}

/// Whether some node of the tree satisfies `test` (iterative: trees can be deep).
fn any_node(root: &Node, test: &mut dyn FnMut(&Node) -> bool) -> bool {
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if test(node) {
            return true;
        }
        match &node.kind {
            NodeKind::Array(items) => stack.extend(items.iter()),
            NodeKind::Object(members) => stack.extend(members.iter().map(|m| &m.value)),
            _ => {}
        }
    }
    false
}

impl Declarative {
    /// Applies the function to one node the query selected in `document`.
    pub fn run(
        &self,
        document: &Document,
        hit: &Node,
        hit_member: Option<&Member>,
        out: &mut Vec<Finding>,
    ) {
        let field_member = self.field.as_deref().and_then(|field| hit.get(field));
        match &self.function {
            Function::Defined => {
                if let (Some(field), Some(_)) = (self.field.as_deref(), hit.as_object())
                    && field_member.is_none()
                {
                    let at = Span::new(hit.span.start, hit.span.start + 1);
                    out.push(self.finding(at, &[("field", field)]));
                }
            }
            Function::Undefined => {
                let present = match self.field.as_deref() {
                    Some(_) => field_member,
                    None => hit_member,
                };
                if let Some(member) = present {
                    out.push(self.finding(member.key_span, &[("field", member.key)]));
                } else if self.field.is_none() {
                    out.push(self.finding(hit.span, &[]));
                }
            }
            _ => {
                let subject = match self.field {
                    Some(_) => match field_member {
                        Some(m) => &m.value,
                        None => return,
                    },
                    None => hit,
                };
                self.run_on_value(document, subject, out);
            }
        }
    }

    fn run_on_value(&self, document: &Document, subject: &Node, out: &mut Vec<Finding>) {
        let text = document.text;
        // A value a template fills in, even in part, is not known as text: `pattern` and
        // `enumeration` skip it.
        let known = |node: &Node| !document.templates.holds_template_expression(node);
        match &self.function {
            Function::Type { types } => {
                let found = json_type(subject);
                if !types.iter().any(|t| t == found) {
                    out.push(self.finding(subject.span, &[("type", subject.type_name())]));
                }
            }
            Function::Unique => {
                let Some(items) = subject.as_array() else {
                    return;
                };
                // The first item of each value, found in one pass (a million items must not
                // take a million squared comparisons).
                let mut first_of: foldhash::HashMap<&str, &Node> = foldhash::HashMap::default();
                for item in items.iter() {
                    let Some(value) = item.as_str() else { continue };
                    match first_of.entry(value) {
                        std::collections::hash_map::Entry::Vacant(entry) => {
                            entry.insert(item);
                        }
                        std::collections::hash_map::Entry::Occupied(first) => out.push(
                            self.finding(item.span, &[("value", value)])
                                .label(first.get().span, "first listed here"),
                        ),
                    }
                }
            }
            Function::Pattern { .. } | Function::Enumeration { .. } => match &subject.kind {
                _ if !known(subject) => {}
                NodeKind::String(value) => self.test_string(text, subject, value, out),
                NodeKind::Array(items) => {
                    for item in items.iter().filter(|item| known(item)) {
                        if let Some(value) = item.as_str() {
                            self.test_string(text, item, value, out);
                        }
                    }
                }
                _ => {}
            },
            Function::Defined | Function::Undefined => {}
        }
    }

    fn test_string(&self, text: &str, node: &Node, value: &str, out: &mut Vec<Finding>) {
        match &self.function {
            Function::Pattern {
                must_match,
                must_not_match,
                allow,
                trim_fix,
                ..
            } => {
                if let Some(re) = must_match
                    && !re.is_match(value)
                {
                    let trimmed = value.trim();
                    let fix = (*trim_fix && trimmed != value && re.is_match(trimmed)).then(|| {
                        replace_string(node, trimmed, "remove the surrounding whitespace")
                    });
                    out.push(self.finding(node.span, &[("value", value)]).fix(fix));
                }
                if let Some(re) = must_not_match {
                    let value_start = start_in_text(text, node, value);
                    for found in re.find_iter(value) {
                        let allowed = allow.as_ref().is_some_and(|a| {
                            a.find(found.as_str())
                                .is_some_and(|m| m.len() == found.len())
                        });
                        if !allowed {
                            let at = value_start.map_or(node.span, |start| {
                                Span::new(start + found.start(), start + found.end())
                            });
                            out.push(
                                self.finding(at, &[("value", value), ("match", found.as_str())]),
                            );
                        }
                    }
                }
            }
            Function::Enumeration { values, case_fix } if !values.iter().any(|v| v == value) => {
                let close = values.iter().find(|v| v.eq_ignore_ascii_case(value.trim()));
                let fix = close
                    .filter(|_| *case_fix)
                    .map(|v| replace_string(node, v, format!("replace with `{v}`")));
                let mut finding = self.finding(node.span, &[("value", value)]).fix(fix);
                if let (Some(v), None) = (close, &self.help) {
                    finding = finding.help(format!("write `{v}`"));
                }
                out.push(finding);
            }
            _ => {}
        }
    }

    fn finding(&self, span: Span, vars: &[(&str, &str)]) -> Finding {
        // The rule's own `field` first, then the finding's values: a check with no `field`
        // (`undefined` on the member a query selected) names the member as `{field}`.
        let value_of = |name: &str| {
            let field = self.field.as_deref().filter(|_| name == "field");
            field.or_else(|| vars.iter().find(|(n, _)| *n == name).map(|&(_, v)| v))
        };
        let fill = |template: &str| template::fill(template, value_of);
        let mut finding = Finding::new(span, fill(&self.message));
        if let Some(help) = &self.help {
            finding = finding.help(fill(help));
        }
        finding
    }
}

/// A pattern every value must match, whose verdicts each thread remembers (`memo`): the
/// same actions and resources recur in file after file of a run.
pub struct RememberedRegex {
    regex: Regex,
    /// Unique for the life of the process, so that a verdict is never taken for another
    /// pattern's (rules are reloaded by the language server).
    id: u64,
}

thread_local! {
    static VERDICTS: RefCell<Memory<bool>> = RefCell::default();
}

impl RememberedRegex {
    fn new(regex: Regex) -> Self {
        static NEXT_ID: AtomicU64 = AtomicU64::new(0);
        RememberedRegex {
            regex,
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
        }
    }

    pub fn is_match(&self, value: &str) -> bool {
        memo::recall(&VERDICTS, self.id, value, || self.regex.is_match(value))
    }
}

fn json_type(node: &Node) -> &'static str {
    match node.kind {
        NodeKind::Null => "null",
        NodeKind::Bool(_) => "boolean",
        NodeKind::Number(_) => "number",
        NodeKind::String(_) => "string",
        NodeKind::Array(_) => "array",
        NodeKind::Object(_) => "object",
    }
}

/// A safe fix replacing a whole string literal.
fn replace_string(node: &Node, new_value: &str, title: impl Into<String>) -> Fix {
    let literal = serde_json::to_string(new_value).expect("a string serializes");
    Fix::safe(title, vec![Edit::replace(node.span, literal)])
}

/// Where `value`, the string of the literal `node`, starts in `text`, when the literal has
/// no escapes (so value bytes and text bytes line up; then the value borrows the text, and
/// the check costs nothing however long it is: it was once made for each match, which
/// made a long value quadratic).
fn start_in_text(text: &str, node: &Node, value: &str) -> Option<usize> {
    let inner = Span::new(node.span.start + 1, node.span.end.saturating_sub(1));
    let literal = text.get(inner.start..inner.end)?;
    (literal.len() == value.len()
        && (std::ptr::eq(literal.as_ptr(), value.as_ptr()) || literal == value))
        .then_some(inner.start)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{Check, RuleSet};

    #[test]
    fn remembered_verdicts_are_each_patterns_own() {
        let action = RememberedRegex::new(Regex::new(r"^[a-z]+:[A-Za-z*]+$").unwrap());
        let resource = RememberedRegex::new(Regex::new(r"^acs:").unwrap());
        let values: Vec<String> = (0..3 * memo::CAPACITY)
            .map(|i| match i % 4 {
                0 => format!("oss:Get{}", "x".repeat(i % 7)),
                1 => format!("acs:oss:*:*:bucket-{}", i % 50),
                2 => format!("ecs :Start{i}"),
                3 if i % 8 == 3 => format!("oss:{}", "Get".repeat(i % 200)),
                _ => String::new(),
            })
            .collect();
        // Twice over, so that the second pass reads what the first remembered, and past
        // the limit, so that forgetting is exercised too.
        for _ in 0..2 {
            for value in &values {
                assert_eq!(
                    action.is_match(value),
                    action.regex.is_match(value),
                    "{value}"
                );
                assert_eq!(
                    resource.is_match(value),
                    resource.regex.is_match(value),
                    "{value}"
                );
            }
        }
        VERDICTS.with_borrow(|verdicts| {
            assert!(verdicts.questions().count() <= memo::CAPACITY);
            assert!(
                verdicts
                    .questions()
                    .all(|value| value.len() <= memo::LONGEST_QUESTION)
            );
        });
    }

    #[test]
    fn a_not_match_pattern_that_matches_nothing_at_all_is_refused() {
        for pattern in ["", "x*", "^", "\\b", "(?i)(a|)"] {
            let options: toml::Table = toml::from_str(&format!("not-match = '{pattern}'")).unwrap();
            let error = Function::compile("pattern", &options).err();
            assert!(
                error
                    .as_deref()
                    .is_some_and(|e| e.contains("matches the empty string")),
                "{pattern:?}: {error:?}"
            );
        }
        // A `match` pattern may accept the empty string: it reports what it does not match.
        let options: toml::Table = toml::from_str("match = '^.*$'\nnot-match = 'x+'").unwrap();
        assert!(Function::compile("pattern", &options).is_ok());
    }

    fn placeholder_check(rules: &RuleSet) -> &Declarative {
        rules
            .find("unreplaced-placeholder")
            .unwrap()
            .checks
            .iter()
            .find_map(|check| match check {
                Check::Declarative(d) => Some(d),
                _ => None,
            })
            .unwrap()
    }

    /// Searching the whole text passes over a file only when no string of it matches.
    #[test]
    fn scanning_the_text_never_passes_over_a_matching_string() {
        let rules = RuleSet::builtin().unwrap();
        let check = placeholder_check(&rules);
        assert!(matches!(
            check.function,
            Function::Pattern {
                scan_whole_text: true,
                ..
            }
        ));
        let texts = crate::testing::with_fixture_texts(&[
            r#"{"Statement": [{"Resource": "acs:oss:*:*:<bucket>/*"}]}"#,
            r#"{"Statement": [{"Resource": "acs:oss:*:*:\u003cbucket>/*"}]}"#,
            r#"{"Statement": [{"Resource": "YOUR_BUCKET"}]}"#,
            r#"{"Statement": [{"Resource": "x"}], "<key>": 1}"#,
            r#"{"Statement": [{"Resource": "${acs:CurrentUser}"}]}"#,
        ]);
        let mut passed_over = 0;
        for text in &texts {
            let arena = crate::parse::Arena::new();
            let Ok(parsed) = crate::parse::parse(text, &arena) else {
                continue;
            };
            let Function::Pattern {
                must_not_match: Some(forbidden),
                ..
            } = &check.function
            else {
                unreachable!()
            };
            if check.finds_nothing_in(&Document::new(text, &parsed.root, TemplateValues::none())) {
                passed_over += 1;
                assert!(!some_string_matches(&parsed.root, forbidden), "{text}");
            }
        }
        assert!(passed_over > 500, "{passed_over}");
    }

    /// Searching the text for a field's key passes over a file only when no object has it.
    #[test]
    fn searching_for_a_key_never_passes_over_an_object_that_has_it() {
        let rules = RuleSet::builtin().unwrap();
        let checks: Vec<(&Declarative, &str)> = rules
            .rules
            .iter()
            .flat_map(|rule| &rule.checks)
            .filter_map(|check| match check {
                Check::Declarative(d) if matches!(d.function, Function::Undefined) => {
                    Some((d, d.field.as_deref()?))
                }
                _ => None,
            })
            .collect();
        assert!(checks.iter().any(|(_, field)| *field == "NotAction"));
        let texts = crate::testing::with_fixture_texts(&[
            r#"{"Statement": [{"NotAction": "oss:*"}]}"#,
            r#"{"Statement": [{"Not\u0041ction": "oss:*"}]}"#,
            r#"{"Statement": [{"Sid": "NotAction", "Action": "oss:*"}]}"#,
            r#"{"Statement": [{"NotActions": "oss:*", "xNotAction": 1}]}"#,
        ]);
        let (mut passed_over, mut walked) = (0, 0);
        for text in &texts {
            let arena = crate::parse::Arena::new();
            let Ok(parsed) = crate::parse::parse(text, &arena) else {
                continue;
            };
            for (check, field) in &checks {
                let has_key = any_node(&parsed.root, &mut |node| {
                    node.as_object()
                        .is_some_and(|members| members.iter().any(|m| m.key == *field))
                });
                assert_eq!(
                    check.finds_nothing_in(&Document::new(
                        text,
                        &parsed.root,
                        TemplateValues::none()
                    )),
                    !has_key,
                    "{text}"
                );
                if has_key {
                    walked += 1;
                } else {
                    passed_over += 1;
                }
            }
        }
        assert!(passed_over > 1_000 && walked > 20, "{passed_over} {walked}");
    }

    #[test]
    fn anchored_patterns_are_searched_string_by_string() {
        let options: toml::Table = toml::from_str("not-match = '^<.*>$'").unwrap();
        let Function::Pattern {
            scan_whole_text, ..
        } = Function::compile("pattern", &options).unwrap()
        else {
            unreachable!()
        };
        assert!(!scan_whole_text);
    }
}
