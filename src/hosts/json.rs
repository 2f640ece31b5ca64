//! The JSON host: a policy file, or JSON that holds policies somewhere inside. A policy is
//! found by its shape at any depth (an object with a `Statement` key, spelled as
//! `model::is_statement_key` accepts it): ROS and CloudFormation templates
//! (`Resources.X.Properties.PolicyDocument`, `AssumeRolePolicyDocument`,
//! `Policies[].PolicyDocument`), API and CLI output (`{"Policy": {...}}`), and strings that
//! hold a JSON-encoded policy (`"PolicyDocument": "{\"Version\":\"1\",...}"`, also as a
//! `Fn::Sub` template), decoded with a span map through every escape.
//!
//! Terraform writes `${...}` where JSON takes a value (`"Resource": ${jsonencode(...)}`, in
//! `.json.tpl` templates and in policies copied out of them). Before parsing, each such
//! expression is masked by a JSON string of exactly its byte length, so every span stays
//! exact and the model reads the string as a template value.

use super::span_map::SpanMap;
use super::{Document, Embedding, hints};
use crate::model::{HostHints, STATEMENT, is_statement_key, template_function};
use crate::parse::{self, Arena, Member, Node, NodeKind, SyntaxError};
use crate::source::Span;
use memchr::memmem::Finder;
use std::borrow::Cow;
use std::sync::LazyLock;

/// Nesting of Terraform strings and interpolations inside one masked expression past which
/// it is left as it is (and reported as a syntax error): real ones nest two or three deep.
const MAX_EXPRESSION_NESTING: usize = 64;

/// Whether `text` can hold a policy at all: it says `statement` somewhere, in any case
/// (and so in any quoting, escaped quotes included). One search, before any parse.
pub fn mentions_statement(text: &str) -> bool {
    static COMMON: LazyLock<Finder> = LazyLock::new(|| Finder::new(b"tatement"));
    let bytes = text.as_bytes();
    if COMMON.find(bytes).is_some() {
        return true;
    }
    // Other spellings (`STATEMENT`, `StAtEmEnT`) are rare: a slower scan is fine.
    let word = b"statement";
    memchr::memchr2_iter(b's', b'S', bytes).any(|at| {
        bytes.len() - at >= word.len() && bytes[at..at + word.len()].eq_ignore_ascii_case(word)
    })
}

/// A text with its Terraform expressions masked; `spans` (sorted) are where they were.
pub struct Masked<'h> {
    pub text: Cow<'h, str>,
    pub spans: Vec<Span>,
}

/// Masks the Terraform expressions of a JSON text so that it parses, keeping every byte
/// offset: each `${...}` written where a JSON value goes becomes a JSON string of the same
/// length, `"$` + the expression's text + `"`; in a template (`templated`: a `.json.tpl`
/// file, a Terraform string), where every `${` is the template's, one inside a JSON string
/// keeps its place and only the bytes a JSON string cannot hold change. Inside a masked
/// expression, `"` becomes `'`, `\` becomes `/` and a control character `?`. A `${` whose
/// expression does not close is left alone (the parse then reports it).
pub fn mask_expressions(text: &str, templated: bool) -> Masked<'_> {
    static OPEN: LazyLock<Finder> = LazyLock::new(|| Finder::new(b"${"));
    let bytes = text.as_bytes();
    let unmasked = || Masked {
        text: Cow::Borrowed(text),
        spans: Vec::new(),
    };
    if OPEN.find(bytes).is_none() {
        return unmasked();
    }
    let expressions = template_expressions(bytes, templated);
    if expressions.is_empty() {
        return unmasked();
    }
    let mut masked = bytes.to_vec();
    let mut spans = Vec::with_capacity(expressions.len());
    for (span, in_string) in expressions {
        let token = &mut masked[span.start..span.end];
        let last = token.len() - 1;
        let mut changed = !in_string;
        if !in_string {
            token[0] = b'"';
            token[1] = b'$';
            token[last] = b'"';
        }
        for byte in &mut token[2..last] {
            let safe = match *byte {
                b'"' => b'\'',
                b'\\' => b'/',
                0..0x20 => b'?',
                other => other,
            };
            changed |= safe != *byte;
            *byte = safe;
        }
        // An expression a JSON string holds as it is needs no stand-in.
        if changed {
            spans.push(span);
        }
    }
    if spans.is_empty() {
        return unmasked();
    }
    Masked {
        text: Cow::Owned(String::from_utf8(masked).expect("only ASCII bytes were swapped")),
        spans,
    }
}

/// The `${...}` expressions of a text, and whether each is inside a JSON string: outside
/// strings only, unless `templated`.
fn template_expressions(bytes: &[u8], templated: bool) -> Vec<(Span, bool)> {
    let mut found = Vec::new();
    // An expression that never closes is read to the end of the text; so are the ones
    // after it: the bytes read inside expressions are bounded, so that a text of many
    // unclosed `${` costs a few passes over it, not one per `${`. Once spent, the rest of
    // the text is left as it is (and fails to parse, as it would have).
    let mut budget = bytes.len().saturating_mul(2).saturating_add(4096);
    let mut in_string = false;
    let mut i = 0;
    loop {
        let next = if in_string {
            memchr::memchr3(b'"', b'\\', b'$', &bytes[i..])
        } else {
            memchr::memchr2(b'"', b'$', &bytes[i..])
        };
        let Some(next) = next else { break };
        let at = i + next;
        match bytes[at] {
            b'"' => {
                in_string = !in_string;
                i = at + 1;
            }
            b'\\' => i = at + 2,
            // `$${` is a template's literal `${`.
            b'$' if templated && bytes.get(at + 1) == Some(&b'$') => i = at + 2,
            b'$' if bytes.get(at + 1) == Some(&b'{') && (templated || !in_string) => {
                match expression_end(bytes, at + 2, &mut budget) {
                    Some(end) => {
                        found.push((Span::new(at, end), in_string));
                        i = end;
                    }
                    None if budget == 0 => break,
                    None => i = at + 1,
                }
            }
            _ => i = at + 1,
        }
        if i >= bytes.len() {
            break;
        }
    }
    found
}

/// Past the `}` that closes the Terraform expression starting at `from` (just after its
/// `${`): braces nest, and quoted strings hold their own `${...}` and `%{...}`.
fn expression_end(bytes: &[u8], from: usize, budget: &mut usize) -> Option<usize> {
    enum Frame {
        Expression { braces: usize },
        Quoted,
    }
    let mut stack = vec![Frame::Expression { braces: 0 }];
    let mut i = from;
    while i < bytes.len() {
        if *budget == 0 {
            return None;
        }
        *budget -= 1;
        let byte = bytes[i];
        match stack.last_mut()? {
            Frame::Expression { braces } => match byte {
                b'{' => *braces += 1,
                b'}' if *braces > 0 => *braces -= 1,
                b'}' => {
                    stack.pop();
                    if stack.is_empty() {
                        return Some(i + 1);
                    }
                }
                b'"' => stack.push(Frame::Quoted),
                _ => {}
            },
            Frame::Quoted => match byte {
                b'\\' => i += 1,
                b'"' => {
                    stack.pop();
                }
                // `$${` and `%%{` are a literal `${` and `%{`.
                b'$' | b'%' if bytes.get(i + 1) == Some(&byte) => i += 1,
                b'$' | b'%' if bytes.get(i + 1) == Some(&b'{') => {
                    stack.push(Frame::Expression { braces: 0 });
                    i += 1;
                }
                b'\n' => return None,
                _ => {}
            },
        }
        if stack.len() > MAX_EXPRESSION_NESTING {
            return None;
        }
        i += 1;
    }
    None
}

/// The map of the host range `host` read through the masked text: verbatim, except each
/// masked expression inside it, which stands for its host bytes as a whole.
pub fn masked_map(host: Span, masks: &[Span]) -> SpanMap {
    let mut map = SpanMap::default();
    let mut at = host.start;
    for mask in masks_inside(host, masks) {
        map.push_verbatim(mask.start - at, at);
        map.push_opaque(mask.len(), *mask);
        at = mask.end;
    }
    map.push_verbatim(host.end - at, at);
    map
}

fn masks_inside(host: Span, masks: &[Span]) -> &[Span] {
    let from = masks.partition_point(|m| m.start < host.start);
    let to = masks.partition_point(|m| m.start < host.end);
    &masks[from..to]
}

/// The body of a JSON string (the text between its quotes, which starts at `host_start`
/// in the host) decoded, with the map of the decoded text back to the body. `None` when
/// an escape is not valid JSON.
pub fn decode_string(body: &str, host_start: usize) -> Option<(String, SpanMap)> {
    let bytes = body.as_bytes();
    let mut decoded = String::with_capacity(body.len());
    let mut map = SpanMap::default();
    let mut i = 0;
    while i < bytes.len() {
        let run_end = memchr::memchr(b'\\', &bytes[i..]).map_or(bytes.len(), |k| i + k);
        if run_end > i {
            decoded.push_str(&body[i..run_end]);
            map.push_verbatim(run_end - i, host_start + i);
            i = run_end;
            continue;
        }
        let (c, len) = match bytes.get(i + 1)? {
            b'"' => ('"', 2),
            b'\\' => ('\\', 2),
            b'/' => ('/', 2),
            b'b' => ('\u{8}', 2),
            b'f' => ('\u{c}', 2),
            b'n' => ('\n', 2),
            b'r' => ('\r', 2),
            b't' => ('\t', 2),
            b'u' => {
                let unit = hex4(bytes, i + 2)?;
                if (0xD800..0xDC00).contains(&unit) {
                    if bytes.get(i + 6..i + 8) != Some(b"\\u") {
                        return None;
                    }
                    let low = hex4(bytes, i + 8)?;
                    if !(0xDC00..0xE000).contains(&low) {
                        return None;
                    }
                    let code = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                    (char::from_u32(code)?, 12)
                } else {
                    (char::from_u32(unit)?, 6)
                }
            }
            _ => return None,
        };
        let before = decoded.len();
        decoded.push(c);
        map.push_opaque(
            decoded.len() - before,
            Span::new(host_start + i, host_start + i + len),
        );
        i += len;
    }
    Some((decoded, map))
}

fn hex4(bytes: &[u8], at: usize) -> Option<u32> {
    let digits = std::str::from_utf8(bytes.get(at..at + 4)?).ok()?;
    u32::from_str_radix(digits, 16).ok()
}

/// A replacement as the body of a JSON string writes it.
pub fn escape_for_string(text: &str) -> String {
    let quoted = serde_json::to_string(text).expect("a string serializes");
    quoted[1..quoted.len() - 1].to_string()
}

/// The policy documents inside `host`, whose masked text is `masked`, in host order. The
/// top level itself is not one (the caller has linted it whole first). `None` when the
/// masked text is not JSON.
pub fn nested_documents<'h>(
    host: &'h str,
    masked: &Masked<'h>,
    interpolated: bool,
) -> Option<Vec<Document<'h>>> {
    let arena = Arena::new();
    let tree = parse::parse(&masked.text, &arena).ok()?;
    let root = &tree.root;
    let template_dialect = root
        .as_object()
        .and_then(|members| members.iter().find_map(|m| hints::format_dialect(m.key)));
    let mut found = Vec::new();
    // (node, the key above it, the resource type it is under, whether it is in a Fn::Sub)
    let mut stack: Vec<(&Node, Option<&str>, Option<&str>, bool)> = vec![(root, None, None, false)];
    while let Some((node, holder, resource_type, in_sub)) = stack.pop() {
        let hints = |interpolated: bool| HostHints {
            dialect: template_dialect.or(resource_type.and_then(hints::type_dialect)),
            kind: holder.and_then(|h| hints::holder_kind(resource_type, h)),
            interpolated,
            size_limit: holder.and_then(|h| hints::size_limit(resource_type, h)),
        };
        match &node.kind {
            NodeKind::Object(members) => {
                if !std::ptr::eq(node, root) && members.iter().any(holds_statements) {
                    found.push(object_document(
                        host,
                        masked,
                        node.span,
                        hints(interpolated),
                    ));
                    continue;
                }
                let resource_type = members
                    .iter()
                    .find(|m| m.key == "Type")
                    .and_then(|m| m.value.as_str())
                    .filter(|t| t.contains("::"))
                    .or(resource_type);
                let function = template_function(node);
                let in_sub = in_sub || function == Some("Fn::Sub");
                for member in members.iter().rev() {
                    // A function passes its value on: the holder of `{"Fn::Sub": "..."}`
                    // is the key above the function.
                    let holder = if function.is_some() {
                        holder
                    } else {
                        Some(member.key)
                    };
                    stack.push((&member.value, holder, resource_type, in_sub));
                }
            }
            NodeKind::Array(items) => {
                stack.extend(
                    items
                        .iter()
                        .rev()
                        .map(|item| (item, holder, resource_type, in_sub)),
                );
            }
            NodeKind::String(value) if looks_encoded(value) => {
                found.extend(string_document(
                    host,
                    node.span,
                    hints(interpolated || in_sub),
                ));
            }
            _ => {}
        }
    }
    Some(found)
}

/// Whether a member inside a host makes its object a policy: `Statement` as the walk spells
/// it (`model::is_statement_key`). Spelled otherwise (`statement`, ` Statement`), its value
/// must also be a list or an object of statements: inside other JSON, a lower-case
/// `"statement": "..."` is far more often prose than a policy.
pub(super) fn holds_statements(member: &Member) -> bool {
    member.key == STATEMENT
        || (is_statement_key(member.key)
            && matches!(member.value.kind, NodeKind::Array(_) | NodeKind::Object(_)))
}

/// A string that decodes to what looks like a policy.
fn looks_encoded(value: &str) -> bool {
    value.trim_start().starts_with('{') && mentions_statement(value)
}

/// The object at `span` (host coordinates), read from the masked text.
fn object_document<'h>(
    host: &'h str,
    masked: &Masked<'h>,
    span: Span,
    hints: HostHints,
) -> Document<'h> {
    let masks = masks_inside(span, &masked.spans);
    let text = if masks.is_empty() {
        Cow::Borrowed(&host[span.start..span.end])
    } else {
        Cow::Owned(masked.text[span.start..span.end].to_string())
    };
    Document {
        text,
        map: masked_map(span, &masked.spans),
        hints,
        masked: masks
            .iter()
            .map(|m| Span::new(m.start - span.start, m.end - span.start))
            .collect(),
        embedding: Embedding::Verbatim,
    }
}

/// The policy encoded in the JSON string at `span` (quotes included), decoded.
pub(super) fn string_document(
    host: &str,
    span: Span,
    hints: HostHints,
) -> Option<Document<'static>> {
    let body = Span::new(span.start + 1, span.end - 1);
    let (decoded, map) = decode_string(&host[body.start..body.end], body.start)?;
    let masked = mask_expressions(&decoded, hints.interpolated);
    let spans = masked.spans;
    let text = match masked.text {
        Cow::Owned(text) => text,
        Cow::Borrowed(_) => decoded,
    };
    Some(Document {
        text: Cow::Owned(text),
        map,
        hints,
        masked: spans,
        embedding: Embedding::JsonString,
    })
}

/// The document text a host range holds after an edit: the verbatim text (masked), or the
/// decoded body of a string.
pub fn reextract(document: &Document, region: &str) -> Option<String> {
    let text = match document.embedding {
        Embedding::Verbatim => region.to_string(),
        Embedding::JsonString => decode_string(region, 0)?.0,
        Embedding::Yaml(_) | Embedding::Markdown(_) | Embedding::Terraform(_) => return None,
    };
    Some(
        mask_expressions(&text, document.hints.interpolated)
            .text
            .into_owned(),
    )
}

/// Whether the host text is still JSON (its Terraform expressions masked).
pub fn check_syntax(text: &str, templated: bool) -> Result<(), SyntaxError> {
    parse::check_syntax(&mask_expressions(text, templated).text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cheap_search_finds_statement_in_any_case_and_quoting() {
        for text in [
            r#"{"Statement":[]}"#,
            r#"{"statement":[]}"#,
            r#"{"STATEMENT":[]}"#,
            r#"{"StAtEmEnT":[]}"#,
            r#"{"Policy":"{\"Statement\":[]}"}"#,
        ] {
            assert!(mentions_statement(text), "{text}");
        }
        for text in ["", "{}", r#"{"Statemen":1}"#, "s", "tatemen"] {
            assert!(!mentions_statement(text), "{text}");
        }
    }

    #[test]
    fn expressions_outside_strings_are_masked_to_the_same_length() {
        let text = r#"{"Resource": ${jsonencode([for c in var.x : "acs:cs:*:*:cluster/${c}"])}, "A": "${var.y}", "B": ${ "{" }}"#;
        let masked = mask_expressions(text, false);
        assert_eq!(masked.text.len(), text.len());
        assert_eq!(masked.spans.len(), 2);
        let first = masked.spans[0];
        assert_eq!(
            &text[first.start..first.end],
            r#"${jsonencode([for c in var.x : "acs:cs:*:*:cluster/${c}"])}"#
        );
        assert_eq!(
            &masked.text[first.start..first.end],
            r#""$jsonencode([for c in var.x : 'acs:cs:*:*:cluster/${c}'])""#
        );
        let second = masked.spans[1];
        assert_eq!(&text[second.start..second.end], r#"${ "{" }"#);
        // The expression inside a JSON string is left as it is.
        assert!(masked.text.contains(r#""A": "${var.y}""#));
        let parsed: serde_json::Value = serde_json::from_str(&masked.text).unwrap();
        assert!(
            parsed["Resource"]
                .as_str()
                .unwrap()
                .starts_with("$jsonencode")
        );
    }

    #[test]
    fn in_a_template_expressions_inside_strings_are_masked_too() {
        let text = r#"{"Resource": ["${join("\",\"", var.arns)}"], "A": "${var.y}", "B": "$${aws:username}"}"#;
        assert!(serde_json::from_str::<serde_json::Value>(text).is_err());
        // A plain JSON file reads `${` in a string as text: this one is not JSON.
        assert!(check_syntax(text, false).is_err());
        let masked = mask_expressions(text, true);
        assert_eq!(masked.text.len(), text.len());
        // Only the expression holding bytes a string cannot hold is changed.
        assert_eq!(masked.spans.len(), 1);
        let parsed: serde_json::Value = serde_json::from_str(&masked.text).unwrap();
        assert_eq!(parsed["Resource"][0], "${join('/',/'', var.arns)}");
        assert_eq!(parsed["A"], "${var.y}");
        assert_eq!(parsed["B"], "$${aws:username}");
    }

    #[test]
    fn unclosed_or_hostile_expressions_stay_unmasked() {
        for text in [
            "{\"a\": ${var.x",
            "{\"a\": ${\"unterminated\n}",
            "{\"a\": ${",
            "{\"a\": \"${\"}",
        ] {
            assert!(mask_expressions(text, false).spans.is_empty(), "{text}");
        }
        // Nesting past the bound, and a text of unclosed expressions, keep their length and
        // take a bounded number of passes.
        let deep = format!("{{\"a\": ${{{}}}", "\"${".repeat(100));
        assert_eq!(mask_expressions(&deep, false).text.len(), deep.len());
        let unclosed = "${ {".repeat(50_000);
        let started = std::time::Instant::now();
        assert!(mask_expressions(&unclosed, true).spans.is_empty());
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        // Multi-byte text inside an expression keeps its bytes.
        let text = "{\"a\": ${\"é\"}}";
        let masked = mask_expressions(text, false);
        assert_eq!(masked.text, "{\"a\": \"$'é'\"}");
    }

    #[test]
    fn strings_decode_with_a_map_through_every_escape() {
        let body = r#"a\"b\\c\n\u00e9\ud83d\ude00/\/z"#;
        let (decoded, map) = decode_string(body, 100).unwrap();
        assert_eq!(decoded, "a\"b\\c\né\u{1F600}//z");
        assert_eq!(map.host_span(), Span::new(100, 100 + body.len()));
        // Each decoded character maps to the escape that wrote it.
        let find = |s: &str| decoded.find(s).unwrap();
        let host = |s: &str| {
            let at = find(s);
            map.map_span(Span::new(at, at + s.len()))
        };
        let at = |s: &str| 100 + body.find(s).unwrap();
        assert_eq!(host("\""), Span::new(at("\\\""), at("\\\"") + 2));
        assert_eq!(host("é"), Span::new(at("\\u00e9"), at("\\u00e9") + 6));
        assert_eq!(
            host("\u{1F600}"),
            Span::new(at("\\ud83d"), at("\\ud83d") + 12)
        );
        assert_eq!(host("z"), Span::new(at("z"), at("z") + 1));
        for bad in [
            r#"\x"#,
            r#"\u12"#,
            r#"\ud83d"#,
            r#"\ud83dx"#,
            r#"\ud83d\u0041"#,
            "\\",
        ] {
            assert!(decode_string(bad, 0).is_none(), "{bad}");
        }
    }

    #[test]
    fn a_replacement_is_escaped_for_a_string() {
        assert_eq!(escape_for_string("\"Allow\""), "\\\"Allow\\\"");
        assert_eq!(escape_for_string("a\n\tb\\é"), "a\\n\\tb\\\\é");
    }
}
