//! policylint's diagnostics and fixes as LSP values, and `file:` URIs as paths.

use super::position::{Encoding, LineMap};
use crate::diagnostic::{Applicability, Diagnostic, Edit, Severity};
use lsp_types::{
    CodeActionKind, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString,
    TextEdit, Uri,
};
use serde_json::json;
use std::borrow::Cow;
use std::path::{Path, PathBuf};

/// The kind of the action that applies every safe fix.
pub const FIX_ALL_KIND: &str = "source.fixAll.policylint";

/// A text and what it takes to turn byte offsets in it into positions.
pub struct Located<'a> {
    pub text: &'a str,
    pub map: &'a LineMap,
    pub encoding: Encoding,
}

impl Located<'_> {
    pub fn range(&self, start: usize, end: usize) -> lsp_types::Range {
        self.map.range(self.text, start, end, self.encoding)
    }

    pub fn text_edit(&self, edit: &Edit) -> TextEdit {
        TextEdit::new(
            self.range(edit.span.start, edit.span.end),
            edit.replacement.clone(),
        )
    }

    /// The LSP form of a diagnostic of this text: the help follows the message on its own
    /// line, labels become related information in the same document, and `data` names the
    /// rule, the command that explains it and the fix on offer.
    pub fn diagnostic(&self, uri: &Uri, d: &Diagnostic) -> lsp_types::Diagnostic {
        // Each part on its own: the line break between message and help is policylint's,
        // any inside them came from the policy.
        let message = match &d.help {
            Some(help) if !help.trim().is_empty() => {
                format!("{}\n{}", escape_controls(&d.message), escape_controls(help))
            }
            _ => escape_controls(&d.message).into_owned(),
        };
        let related: Vec<DiagnosticRelatedInformation> = d
            .labels
            .iter()
            .map(|label| DiagnosticRelatedInformation {
                location: Location::new(uri.clone(), self.range(label.span.start, label.span.end)),
                message: escape_controls(&label.message).into_owned(),
            })
            .collect();
        // PL000 (io-error, internal-error) is not a rule `policylint rule` can explain.
        let explain = (d.rule.code != "PL000").then(|| format!("policylint rule {}", d.rule.name));
        let fix = d
            .fix
            .as_ref()
            .map(|fix| json!({"title": fix.title, "applicability": fix.applicability.as_str()}));
        lsp_types::Diagnostic {
            range: self.range(d.span.start, d.span.end),
            severity: Some(severity(d.severity)),
            code: Some(NumberOrString::String(d.rule.code.clone())),
            // No page documents the rules at a stable address; `data.explain` says how to
            // read the rule's documentation instead.
            code_description: None,
            source: Some("policylint".to_string()),
            message,
            related_information: (!related.is_empty()).then_some(related),
            tags: None,
            data: Some(json!({
                "rule": d.rule.name,
                "category": d.rule.category,
                "explain": explain,
                "fix": fix,
            })),
        }
    }
}

pub fn severity(severity: Severity) -> DiagnosticSeverity {
    match severity {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Info => DiagnosticSeverity::INFORMATION,
    }
}

/// The title of a diagnostic's quick fix: unsafe fixes say so.
pub fn fix_title(title: &str, applicability: Applicability) -> String {
    let title = escape_controls(title);
    match applicability {
        Applicability::Safe => title.into_owned(),
        Applicability::Unsafe => format!("{title} (unsafe)"),
    }
}

/// Whether a character must not reach a client's display as it is: C0 and C1 controls
/// but tab, DEL, and the bidirectional marks and overrides that make text read other than
/// it is stored (CVE-2021-42574).
fn is_hidden_control(c: char) -> bool {
    (c.is_control() && c != '\t')
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
        || matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Text from a policy (or a config or rule file) as a client may show it: each hidden
/// control character written as `\u{..}`, as the human output formats write it.
// When merging: the human formats' escaping lives in `src/report/` (another branch);
// point this at that shared function rather than keeping a second one.
pub(super) fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_hidden_control) {
        return Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_hidden_control(c) {
            escaped.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            escaped.push(c);
        }
    }
    Cow::Owned(escaped)
}

/// [`escape_controls`] for text of several lines: its line breaks stay.
pub(super) fn escape_controls_keeping_lines(text: &str) -> String {
    text.split('\n')
        .map(escape_controls)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether a client's `context.only` asks for actions of `kind`. Kinds are hierarchical:
/// `source` asks for `source.fixAll.policylint`; no `only` asks for everything.
pub fn kind_wanted(only: Option<&[CodeActionKind]>, kind: &str) -> bool {
    let Some(only) = only else {
        return true;
    };
    only.iter().any(|wanted| {
        let wanted = wanted.as_str();
        wanted.is_empty()
            || kind == wanted
            || kind
                .strip_prefix(wanted)
                .is_some_and(|rest| rest.starts_with('.'))
    })
}

/// The one edit that turns `before` into `after`: the whole lines between their common
/// prefix and common suffix, so an editor keeps everything around the change (cursor,
/// folds, marks) where it was. `None` when they are equal.
pub fn changed_lines_edit(before: &str, after: &str) -> Option<Edit> {
    if before == after {
        return None;
    }
    let prefix = before
        .bytes()
        .zip(after.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    let room = before.len().min(after.len()) - prefix;
    let suffix = before
        .bytes()
        .rev()
        .zip(after.bytes().rev())
        .take(room)
        .take_while(|(a, b)| a == b)
        .count();
    // Back to the start of the first changed line, on to the end of the last one; the
    // line breaks found are common to both texts, so both stay aligned.
    // (Bytes, not `str` slices: the common prefix may end inside a character.)
    let bytes = before.as_bytes();
    let start = bytes[..prefix]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let mut end = before.len() - suffix;
    if end > 0 && bytes[end - 1] != b'\n' {
        end = bytes[end..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(before.len(), |i| end + i + 1);
    }
    let suffix = before.len() - end;
    Some(Edit::replace(
        crate::source::Span::new(start, end),
        &after[start..after.len() - suffix],
    ))
}

/// The path of a `file:` URI (percent-decoded); `None` for other schemes, remote hosts
/// and malformed escapes.
pub fn file_path(uri: &Uri) -> Option<PathBuf> {
    let text = uri.as_str();
    let scheme_end = text.find(':')?;
    if !text[..scheme_end].eq_ignore_ascii_case("file") {
        return None;
    }
    let rest = text[scheme_end + 1..].strip_prefix("//")?;
    let slash = rest.find('/')?;
    let authority = &rest[..slash];
    if !(authority.is_empty() || authority.eq_ignore_ascii_case("localhost")) {
        return None;
    }
    let path = rest[slash..].split(['?', '#']).next().unwrap_or_default();
    let bytes = percent_decode(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        Some(PathBuf::from(std::ffi::OsString::from_vec(bytes)))
    }
    #[cfg(not(unix))]
    {
        let path = String::from_utf8(bytes).ok()?;
        // `file:///C:/x` names `C:/x`.
        let path = match path.strip_prefix('/') {
            Some(rest) if rest.as_bytes().get(1) == Some(&b':') => rest.to_string(),
            _ => path,
        };
        Some(PathBuf::from(path))
    }
}

/// The `file:` URI of an absolute path, percent-encoding all but unreserved characters
/// and `/`, as editors write them.
pub fn path_uri(path: &Path) -> Option<Uri> {
    let text = path.to_str()?;
    let mut uri = String::from("file://");
    #[cfg(not(unix))]
    let text = {
        uri.push('/');
        text.replace('\\', "/")
    };
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                uri.push(char::from(byte));
            }
            _ => uri.push_str(&format!("%{byte:02X}")),
        }
    }
    uri.parse().ok()
}

fn percent_decode(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::apply_edits;

    fn uri(text: &str) -> Uri {
        text.parse().unwrap()
    }

    #[test]
    fn file_uris_become_paths() {
        assert_eq!(
            file_path(&uri("file:///home/a%20b/p%C3%A9.json")),
            Some(PathBuf::from("/home/a b/pé.json"))
        );
        assert_eq!(
            file_path(&uri("file://localhost/x.json")),
            Some(PathBuf::from("/x.json"))
        );
        assert_eq!(file_path(&uri("untitled:Untitled-1")), None);
        assert_eq!(file_path(&uri("file://server/share/x.json")), None);
        assert_eq!(file_path(&uri("https://example.com/x.json")), None);
    }

    #[test]
    fn only_filters_by_kind_hierarchy() {
        let kinds = |k: &[&'static str]| k.iter().map(|&k| CodeActionKind::from(k)).collect();
        let only: Vec<CodeActionKind> = kinds(&["source"]);
        assert!(kind_wanted(Some(&only), FIX_ALL_KIND));
        assert!(!kind_wanted(Some(&only), "quickfix"));
        let only: Vec<CodeActionKind> = kinds(&["source.fixAll"]);
        assert!(kind_wanted(Some(&only), FIX_ALL_KIND));
        let only: Vec<CodeActionKind> = kinds(&["source.fix"]);
        assert!(!kind_wanted(Some(&only), FIX_ALL_KIND));
        let only: Vec<CodeActionKind> = kinds(&["quickfix"]);
        assert!(kind_wanted(Some(&only), "quickfix"));
        assert!(!kind_wanted(Some(&only), FIX_ALL_KIND));
        assert!(kind_wanted(None, "quickfix"));
    }

    #[test]
    fn the_edit_covers_exactly_the_changed_lines() {
        let before = "{\n  \"a\": [\n    \"x\",\n    \"x\",\n    \"y\"\n  ]\n}\n";
        let after = "{\n  \"a\": [\n    \"x\",\n    \"y\"\n  ]\n}\n";
        let edit = changed_lines_edit(before, after).unwrap();
        assert_eq!(apply_edits(before, std::slice::from_ref(&edit)), after);
        let changed = &before[edit.span.start..edit.span.end];
        assert!(edit.span.start == 0 || before.as_bytes()[edit.span.start - 1] == b'\n');
        assert!(changed.ends_with('\n'), "{changed:?}");
        assert!(changed.lines().count() <= 2, "{changed:?}");
        for (before, after) in [
            ("[\"a\", \"b\", \"b\"]", "[\"a\", \"b\"]"),
            ("中文é", "中文è"),
            ("😀x😀", "😀😀"),
            ("abc\n", "abcabc\n"),
            ("a\nb\nc", "a\nc"),
            ("", "x"),
            ("x", ""),
            ("l1\r\nl2\r\n", "l1\r\nL2\r\n"),
        ] {
            let edit = changed_lines_edit(before, after).unwrap();
            assert_eq!(apply_edits(before, &[edit]), after, "{before:?}");
        }
        assert_eq!(changed_lines_edit("same", "same"), None);
        // Every pair of a few awkward texts: multi-byte characters on both sides of the
        // change, line breaks of both kinds, empty texts.
        let texts = [
            "",
            "\n",
            "é",
            "éa\n",
            "aé\n",
            "中\r\n文",
            "😀\n😀",
            "a\nb\nc\n",
            "a\nB\nc\n",
            "é\né",
        ];
        for before in texts {
            for after in texts {
                if let Some(edit) = changed_lines_edit(before, after) {
                    assert_eq!(
                        apply_edits(before, &[edit]),
                        after,
                        "{before:?} → {after:?}"
                    );
                }
            }
        }
    }
}
