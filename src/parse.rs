//! One span-preserving, strict JSON parse per file.
//!
//! `jsonc-parser` does the parsing (byte ranges for every key and value, duplicate keys
//! kept); its strict options reject comments, trailing commas and the other JSON5
//! leniencies. It still accepts Unicode whitespace between tokens and raw control
//! characters inside strings, so a cheap byte scan reports those. The result is a spanned
//! tree whose strings borrow from the text (only those with escapes are copies); for the
//! JSONPath queries that need one, it makes a `serde_json::Value` copy (`to_value`) and
//! resolves RFC 9535 normalized paths (what jsonpath-rust returns) back to spans.
//!
//! A valid file, the common case, takes a shorter road: [`tree`] builds the same tree
//! with `jiter`, a JSON iterator that reports where it stands and checks strict JSON
//! several times faster than jsonc-parser lexes it. Only when that fails does the full
//! parse below run, to say what is wrong.

mod errors;
mod tree;

use crate::source::Span;
use errors::{describe_parse_error, leniency_error, nesting_error};
use jsonc_parser::ast;
use std::borrow::Cow;

pub const UTF8_BOM: &str = "\u{feff}";
/// Deeper nesting than this is rejected before it can exhaust the stack; real policies
/// nest about six levels.
pub const MAX_NESTING_DEPTH: usize = 512;

/// Where a file's tree lives while it is linted: one block for all its arrays, objects and
/// decoded strings, freed at once. A tree of separately allocated vectors cost two
/// allocator calls per container and a walk over the whole tree to free it.
pub type Arena = bumpalo::Bump;

/// A JSON value and where it is. Strings borrow from the parsed text unless they hold
/// escapes (nearly all do not); those are decoded into the arena.
#[derive(Debug, Clone, PartialEq)]
pub struct Node<'t> {
    pub span: Span,
    pub kind: NodeKind<'t>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind<'t> {
    Null,
    Bool(bool),
    /// The number exactly as written.
    Number(&'t str),
    String(&'t str),
    Array(&'t [Node<'t>]),
    Object(&'t [Member<'t>]),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Member<'t> {
    pub key: &'t str,
    pub key_span: Span,
    pub value: Node<'t>,
}

impl Member<'_> {
    /// From the start of the key to the end of the value.
    pub fn span(&self) -> Span {
        Span::new(self.key_span.start, self.value.span.end)
    }
}

impl<'t> Node<'t> {
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Node<'t>]> {
        match &self.kind {
            NodeKind::Array(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&[Member<'t>]> {
        match &self.kind {
            NodeKind::Object(members) => Some(members),
            _ => None,
        }
    }

    /// The member a JSON consumer sees for `key`: with duplicate keys the last one wins, as
    /// in `serde_json` and most parsers.
    pub fn get(&self, key: &str) -> Option<&Member<'t>> {
        self.as_object()?.iter().rev().find(|m| m.key == key)
    }

    /// A short name of the JSON type, for messages.
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            NodeKind::Null => "null",
            NodeKind::Bool(_) => "a boolean",
            NodeKind::Number(_) => "a number",
            NodeKind::String(_) => "a string",
            NodeKind::Array(_) => "an array",
            NodeKind::Object(_) => "an object",
        }
    }

    pub fn to_value(&self) -> serde_json::Value {
        use serde_json::Value;
        match &self.kind {
            NodeKind::Null => Value::Null,
            NodeKind::Bool(b) => Value::Bool(*b),
            NodeKind::Number(raw) => raw
                .parse::<serde_json::Number>()
                .map(Value::Number)
                .unwrap_or(Value::Null),
            NodeKind::String(s) => Value::String(s.to_string()),
            NodeKind::Array(items) => Value::Array(items.iter().map(Node::to_value).collect()),
            NodeKind::Object(members) => {
                let mut map = serde_json::Map::with_capacity(members.len());
                for member in members.iter() {
                    map.insert(member.key.to_string(), member.value.to_value());
                }
                Value::Object(map)
            }
        }
    }

    /// Resolves a normalized path such as `$['Statement'][0]['Action'][2]`. Returns the node
    /// and, when the last step was an object key, the member it came from.
    pub fn resolve<'n>(&'n self, path: &str) -> Option<Resolved<'n>> {
        let mut node = self;
        let mut member = None;
        for step in parse_normalized_path(path)? {
            match step {
                PathStep::Key(key) => {
                    let m = node.get(&key)?;
                    member = Some(m);
                    node = &m.value;
                }
                // The engine queries a lone statement object as a one-element array
                // (see `engine::as_statement_array`); index 0 of an object is the object.
                PathStep::Index(0) if node.as_object().is_some() => member = None,
                PathStep::Index(index) => {
                    node = node.as_array()?.get(index)?;
                    member = None;
                }
            }
        }
        Some(Resolved { node, member })
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Resolved<'n> {
    pub node: &'n Node<'n>,
    pub member: Option<&'n Member<'n>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathStep {
    Key(String),
    Index(usize),
}

/// Splits an RFC 9535 normalized path into steps. Returns `None` for anything that is not a
/// normalized path.
pub fn parse_normalized_path(path: &str) -> Option<Vec<PathStep>> {
    let mut rest = path.strip_prefix('$')?;
    let mut steps = Vec::new();
    while !rest.is_empty() {
        rest = rest.strip_prefix('[')?;
        if let Some(after_quote) = rest.strip_prefix('\'') {
            let mut key = String::new();
            let mut chars = after_quote.char_indices();
            let end = loop {
                let (i, c) = chars.next()?;
                match c {
                    '\'' => break i,
                    '\\' => {
                        let (_, escaped) = chars.next()?;
                        key.push(match escaped {
                            'b' => '\u{8}',
                            'f' => '\u{c}',
                            'n' => '\n',
                            'r' => '\r',
                            't' => '\t',
                            'u' => {
                                let hex: String = (0..4)
                                    .filter_map(|_| chars.next().map(|(_, h)| h))
                                    .collect();
                                char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?
                            }
                            other => other,
                        });
                    }
                    c => key.push(c),
                }
            };
            rest = after_quote[end + 1..].strip_prefix(']')?;
            steps.push(PathStep::Key(key));
        } else {
            let close = rest.find(']')?;
            steps.push(PathStep::Index(rest[..close].parse().ok()?));
            rest = &rest[close + 1..];
        }
    }
    Some(steps)
}

/// Builds the normalized path of a key step, escaping as RFC 9535 (and jsonpath-rust) do.
pub fn push_key(path: &mut String, key: &str) {
    path.push_str("['");
    for c in key.chars() {
        match c {
            '\'' => path.push_str("\\'"),
            '\\' => path.push_str("\\\\"),
            c => path.push(c),
        }
    }
    path.push_str("']");
}

#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    pub span: Span,
    pub message: String,
    pub help: String,
}

#[derive(Debug)]
pub struct ParsedFile<'t> {
    pub root: Node<'t>,
}

/// Parses `text` strictly, building its tree in `arena`. Offsets in the result are byte
/// offsets into `text` itself, BOM included.
pub fn parse<'t>(text: &'t str, arena: &'t Arena) -> Result<ParsedFile<'t>, SyntaxError> {
    let bom_len = bom_len(text);
    match tree::build(&text[bom_len..], bom_len, arena) {
        Some(root) => Ok(ParsedFile { root }),
        None => parse_with_explanations(text, arena),
    }
}

/// Whether `text` is strict JSON, and if not, what is wrong first (no tree is kept).
pub fn check_syntax(text: &str) -> Result<(), SyntaxError> {
    parse(text, &Arena::new()).map(|_| ())
}

fn bom_len(text: &str) -> usize {
    if text.starts_with(UTF8_BOM) {
        UTF8_BOM.len()
    } else {
        0
    }
}

/// The full parse, with the checks that name what is wrong with an invalid file.
fn parse_with_explanations<'t>(
    text: &'t str,
    arena: &'t Arena,
) -> Result<ParsedFile<'t>, SyntaxError> {
    let bom_len = bom_len(text);
    let body = &text[bom_len..];
    if body.trim().is_empty() {
        return Err(SyntaxError {
            span: Span::new(0, 0),
            message: "the file is empty: a policy is a JSON object".into(),
            help: "write a policy such as `{\"Version\": \"1\", \"Statement\": []}`, or delete the file".into(),
        });
    }
    let depth_error = nesting_error(body, bom_len);
    let lenient_error = leniency_error(body, bom_len);
    let parsed = if depth_error.is_some() {
        Err(None)
    } else {
        jsonc_parser::parse_to_ast(body, &Default::default(), &strict_options()).map_err(Some)
    };
    let parse_error = match &parsed {
        Err(Some(e)) => Some(describe_parse_error(body, bom_len, e)),
        _ => None,
    };
    // Report whichever problem comes first in the text.
    if let Some(error) = [depth_error, lenient_error, parse_error]
        .into_iter()
        .flatten()
        .min_by_key(|e| e.span.start)
    {
        return Err(error);
    }
    let ast_root = parsed
        .ok()
        .and_then(|r| r.value)
        .ok_or_else(|| SyntaxError {
            span: Span::new(bom_len, bom_len),
            message: "the file holds no JSON value".into(),
            help: "a policy is a JSON object".into(),
        })?;
    Ok(ParsedFile {
        root: convert(&ast_root, bom_len, arena),
    })
}

fn strict_options() -> jsonc_parser::ParseOptions {
    jsonc_parser::ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    }
}

fn convert<'t>(value: &ast::Value<'t>, shift: usize, arena: &'t Arena) -> Node<'t> {
    let string = |s: &Cow<'t, str>| -> &'t str {
        match s {
            Cow::Borrowed(s) => s,
            Cow::Owned(s) => arena.alloc_str(s),
        }
    };
    let span =
        |range: jsonc_parser::common::Range| Span::new(range.start + shift, range.end + shift);
    match value {
        ast::Value::StringLit(s) => Node {
            span: span(s.range),
            kind: NodeKind::String(string(&s.value)),
        },
        ast::Value::NumberLit(n) => Node {
            span: span(n.range),
            kind: NodeKind::Number(n.value),
        },
        ast::Value::BooleanLit(b) => Node {
            span: span(b.range),
            kind: NodeKind::Bool(b.value),
        },
        ast::Value::NullKeyword(n) => Node {
            span: span(n.range),
            kind: NodeKind::Null,
        },
        ast::Value::Array(a) => Node {
            span: span(a.range),
            kind: NodeKind::Array(
                arena.alloc_slice_fill_iter(a.elements.iter().map(|e| convert(e, shift, arena))),
            ),
        },
        ast::Value::Object(o) => Node {
            span: span(o.range),
            kind: NodeKind::Object(arena.alloc_slice_fill_iter(o.properties.iter().map(|p| {
                let (key, key_range) = match &p.name {
                    ast::ObjectPropName::String(s) => (string(&s.value), s.range),
                    ast::ObjectPropName::Word(w) => (w.value, w.range),
                };
                Member {
                    key,
                    key_span: span(key_range),
                    value: convert(&p.value, shift, arena),
                }
            }))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_resolve_to_spans() {
        let text = r#"{"Statement":[{"Action":["a","b"]}],"it's":{"x\\y":1}}"#;
        let arena = Arena::new();
        let parsed = parse(text, &arena).unwrap();
        let hit = parsed
            .root
            .resolve("$['Statement'][0]['Action'][1]")
            .unwrap();
        assert_eq!(&text[hit.node.span.start..hit.node.span.end], "\"b\"");
        let hit = parsed.root.resolve("$['it\\'s']['x\\\\y']").unwrap();
        assert_eq!(
            &text[hit.member.unwrap().key_span.start..hit.member.unwrap().key_span.end],
            "\"x\\\\y\""
        );
    }

    #[test]
    fn duplicate_keys_are_kept_and_the_last_wins() {
        let arena = Arena::new();
        let parsed = parse(r#"{"a":1,"a":2}"#, &arena).unwrap();
        assert_eq!(parsed.root.as_object().unwrap().len(), 2);
        assert_eq!(parsed.root.to_value()["a"], 2);
        assert_eq!(
            parsed.root.get("a").unwrap().value.kind,
            NodeKind::Number("2")
        );
    }

    #[test]
    fn strictness() {
        for bad in [
            "{\"a\":1,}",
            "{// c\n}",
            "{'a':1}",
            "{\"a\":\u{a0}1}",
            "{\"a\":\"x\ty\"}",
            "",
            "[[[[",
        ] {
            assert!(check_syntax(bad).is_err(), "{bad:?} should fail");
        }
        assert!(check_syntax("\u{feff}{\"a\":1}").is_ok());
        let deep = "[".repeat(200_000);
        let e = check_syntax(&deep).unwrap_err();
        assert!(e.message.contains("nested"));
    }
}
