//! "Ignore this finding": the `[[ignore]]` config entry that silences one finding, by
//! rule, the file's exact path and the JSON Pointer of the innermost element holding it.
//!
//! ```toml
//! [[ignore]]
//! rule = "wildcard-resource"
//! paths = ["legacy/a.json"]
//! pointer = "/Statement/2/Resource"
//! reason = "ignored from the editor; replace with the real reason"
//! ```

use crate::parse::{Node, NodeKind};
use crate::source::Span;
use std::path::Path;

/// The reason an entry made in the editor carries until someone writes the real one.
pub const REASON: &str = "ignored from the editor; replace with the real reason";

fn contains(outer: Span, inner: Span) -> bool {
    outer.start <= inner.start && inner.end <= outer.end
}

/// RFC 6901: `~` and `/` in a key are written `~0` and `~1`.
fn push_token(pointer: &mut String, token: &str) {
    pointer.push('/');
    for c in token.chars() {
        match c {
            '~' => pointer.push_str("~0"),
            '/' => pointer.push_str("~1"),
            c => pointer.push(c),
        }
    }
}

/// The JSON Pointer of the innermost value whose span holds `span` (`""` for the whole
/// document). A finding on a key is inside the object, not the key's value. A value
/// shadowed by a later duplicate key is one no pointer names, so the pointer stops at its
/// object.
pub fn pointer_to(root: &Node<'_>, span: Span) -> String {
    let mut pointer = String::new();
    let mut node = root;
    loop {
        let inner = match &node.kind {
            NodeKind::Array(items) => items
                .iter()
                .enumerate()
                .find(|(_, item)| contains(item.span, span))
                .map(|(index, item)| (index.to_string(), item)),
            NodeKind::Object(members) => members
                .iter()
                .find(|m| contains(m.value.span, span))
                .filter(|m| node.get(m.key).is_some_and(|seen| std::ptr::eq(seen, *m)))
                .map(|m| (m.key.to_string(), &m.value)),
            _ => None,
        };
        let Some((token, inner)) = inner else {
            return pointer;
        };
        push_token(&mut pointer, &token);
        node = inner;
    }
}

/// A glob matching exactly `relative` (a path below the config's folder) as the config
/// reads globs: `/` between components, pattern characters escaped.
pub fn exact_glob(relative: &Path) -> Option<String> {
    let mut glob = String::new();
    for component in relative.components() {
        let std::path::Component::Normal(name) = component else {
            return None;
        };
        if !glob.is_empty() {
            glob.push('/');
        }
        let name = name.to_str()?;
        // A backslash escapes the next character in a glob everywhere but Windows.
        let name = if cfg!(windows) {
            name.to_string()
        } else {
            name.replace('\\', "\\\\")
        };
        glob.push_str(&globset::escape(&name));
    }
    (!glob.is_empty()).then_some(glob)
}

fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

/// The entry, ending with a line break.
pub fn entry(rule: &str, glob: &str, pointer: &str) -> String {
    let mut entry = format!(
        "[[ignore]]\nrule = {}\npaths = [{}]\n",
        toml_string(rule),
        toml_string(glob)
    );
    if !pointer.is_empty() {
        entry.push_str(&format!("pointer = {}\n", toml_string(pointer)));
    }
    entry.push_str(&format!("reason = {}\n", toml_string(REASON)));
    entry
}

/// What to insert at the end of a config's `text` to append `entry` after a blank line,
/// in the config's own line endings.
pub fn appended(text: &str, entry: &str) -> String {
    let crlf = text.contains("\r\n");
    let newline = if crlf { "\r\n" } else { "\n" };
    let separator = if text.is_empty() || text.ends_with(&format!("{newline}{newline}")) {
        ""
    } else if text.ends_with('\n') {
        newline
    } else {
        if crlf { "\r\n\r\n" } else { "\n\n" }
    };
    let entry = if crlf {
        entry.replace('\n', "\r\n")
    } else {
        entry.to_string()
    };
    format!("{separator}{entry}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{Arena, parse};
    use std::path::PathBuf;

    fn pointer_of(text: &str, needle: &str, occurrence: usize) -> String {
        let arena = Arena::new();
        let parsed = parse(text, &arena).unwrap();
        let start = text.match_indices(needle).nth(occurrence).unwrap().0;
        pointer_to(&parsed.root, Span::new(start, start + needle.len()))
    }

    #[test]
    fn pointers_name_the_innermost_value() {
        let text = r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": ["a:B", "a:B"], "Resource": "*"}, {"Effect": "Allow", "Action": "c:D", "Resource": {"x/~y": "*"}}]}"#;
        assert_eq!(pointer_of(text, "\"a:B\"", 1), "/Statement/0/Action/1");
        assert_eq!(pointer_of(text, "\"a:B\"", 0), "/Statement/0/Action/0");
        assert_eq!(pointer_of(text, "\"c:D\"", 0), "/Statement/1/Action");
        // A key is inside its object, not its value.
        assert_eq!(pointer_of(text, "\"Effect\"", 1), "/Statement/1");
        assert_eq!(pointer_of(text, "\"*\"", 1), "/Statement/1/Resource/x~1~0y");
        assert_eq!(pointer_of(text, "\"Version\"", 0), "");
        // The whole statement array.
        let arena = Arena::new();
        let parsed = parse(text, &arena).unwrap();
        let array = parsed.root.get("Statement").unwrap().value.span;
        assert_eq!(pointer_to(&parsed.root, array), "/Statement");
        // With duplicate keys the last wins; the first is named by its object only.
        let twice = r#"{"Statement": [{"Action": "x:Y", "Action": "z:W"}]}"#;
        assert_eq!(pointer_of(twice, "\"x:Y\"", 0), "/Statement/0");
        assert_eq!(pointer_of(twice, "\"z:W\"", 0), "/Statement/0/Action");
    }

    #[test]
    fn globs_match_exactly_the_file() {
        for name in [
            "legacy/a.json",
            "we*ird/[x]{y}?.json",
            "plain.json",
            "sp ace/é.json",
        ] {
            let glob = exact_glob(&PathBuf::from(name)).unwrap();
            let matcher = globset::GlobBuilder::new(&glob)
                .literal_separator(true)
                .build()
                .unwrap()
                .compile_matcher();
            assert!(matcher.is_match(name), "{glob} should match {name}");
            if name.contains('*') {
                assert!(!matcher.is_match("weXird/[x]{y}?.json"), "{glob}");
            }
        }
        assert_eq!(exact_glob(&PathBuf::from("../out.json")), None);
        assert_eq!(exact_glob(&PathBuf::from("")), None);
    }

    #[test]
    fn the_entry_is_valid_toml_after_a_blank_line() {
        let text = entry(
            "wildcard-resource",
            "legacy/a \"b\".json",
            "/Statement/2/Action/1",
        );
        let value: toml::Table = toml::from_str(&text).unwrap();
        let ignore = &value["ignore"][0];
        assert_eq!(ignore["rule"].as_str(), Some("wildcard-resource"));
        assert_eq!(ignore["paths"][0].as_str(), Some("legacy/a \"b\".json"));
        assert_eq!(ignore["pointer"].as_str(), Some("/Statement/2/Action/1"));
        assert_eq!(ignore["reason"].as_str(), Some(REASON));
        assert!(!entry("r", "p", "").contains("pointer"));
        for (config, separator) in [
            ("", ""),
            ("select = [\"PL\"]\n", "\n"),
            ("select = [\"PL\"]", "\n\n"),
            ("select = [\"PL\"]\n\n", ""),
        ] {
            let added = appended(config, &text);
            assert_eq!(added, format!("{separator}{text}"), "{config:?}");
            let whole = format!("{config}{added}");
            assert!(toml::from_str::<toml::Table>(&whole).is_ok(), "{whole}");
        }
        let crlf = appended("a = 1\r\n", "x = 2\n");
        assert_eq!(crlf, "\r\nx = 2\r\n");
    }
}
