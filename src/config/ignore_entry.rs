//! Writing an `[[ignore]]` entry for a finding: what `check --add-ignores` appends to a
//! config, and what the language server's "ignore this finding" offers.

use super::ignore::{contains, pointer_text, statements};
use crate::diagnostic::Diagnostic;
use crate::parse::{Arena, NodeKind, parse};
use crate::source::Span;

/// Where a finding is in its policy, as an `[[ignore]]` entry names it: the pointer of
/// the innermost statement element holding it, else the statement's `Sid` (or its
/// pointer, when it has none), else nothing (a finding about the whole policy).
fn place_of(text: &str, span: Span) -> Option<(&'static str, String)> {
    let arena = Arena::new();
    let root = parse(text, &arena).ok()?.root;
    let (index, statement) = statements(&root).find(|(_, s)| contains(s.span, span))?;
    let mut tokens = match root.get("Statement").map(|m| &m.value.kind) {
        Some(NodeKind::Array(_)) => vec!["Statement".to_string(), index.to_string()],
        _ => vec!["Statement".to_string()],
    };
    let mut node = statement;
    let mut inside_an_element = false;
    loop {
        let next = match &node.kind {
            NodeKind::Object(members) => members
                .iter()
                .find(|m| contains(m.span(), span))
                .map(|m| (m.key.to_string(), &m.value)),
            NodeKind::Array(items) => items
                .iter()
                .enumerate()
                .find(|(_, item)| contains(item.span, span))
                .map(|(i, item)| (i.to_string(), item)),
            _ => None,
        };
        let Some((token, child)) = next else { break };
        tokens.push(token);
        inside_an_element = true;
        node = child;
    }
    if !inside_an_element && let Some(sid) = statement.get("Sid").and_then(|m| m.value.as_str()) {
        let same_sid = statements(&root)
            .filter(|(_, s)| s.get("Sid").and_then(|m| m.value.as_str()) == Some(sid))
            .count();
        if same_sid == 1 {
            return Some(("sid", sid.to_string()));
        }
    }
    Some(("pointer", pointer_text(&tokens)))
}

/// The reason `--add-ignores` writes, for a person to replace.
pub const ADDED_REASON: &str =
    "added by `policylint check --add-ignores`; review and replace with the real reason";

/// The TOML text of an `[[ignore]]` entry for `diagnostic`, found in the file at
/// `relative_path` (relative to the config's folder, `/`-separated) whose text is
/// `document`: its rule, the file's path as a glob that matches only it, a `pointer` or
/// `sid` when the finding is inside a statement, and a reason to replace. Ends with a
/// line break; separate it from the text before with a blank line. `--add-ignores`
/// writes these, and the language server's "ignore this finding" offers one.
pub fn ignore_entry_for(diagnostic: &Diagnostic, relative_path: &str, document: &str) -> String {
    ignore_entry_with_reason(diagnostic, relative_path, document, ADDED_REASON)
}

/// [`ignore_entry_for`] with the reason to write.
pub fn ignore_entry_with_reason(
    diagnostic: &Diagnostic,
    relative_path: &str,
    document: &str,
    reason: &str,
) -> String {
    let quote = |s: &str| toml::Value::String(s.to_string()).to_string();
    let mut entry = format!(
        "[[ignore]]\nrule = {}\npaths = [{}]\n",
        quote(&diagnostic.rule.name),
        quote(&globset::escape(relative_path))
    );
    if let Some((key, value)) = place_of(document, diagnostic.span) {
        entry.push_str(&format!("{key} = {}\n", quote(&value)));
    }
    entry.push_str(&format!("reason = {}\n", quote(reason)));
    entry
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Overrides, load_text};
    use crate::engine::lint_text;
    use crate::rules::RuleSet;

    #[test]
    fn a_finding_is_placed_at_its_element_or_statement() {
        let text = r#"{"Version": "1", "Statement": [{"Sid": "A", "Effect": "Allow", "Action": ["x:a", "x:b"], "Resource": "*"}, {"Effect": "Allow", "Action": "y:c", "Resource": "*"}]}"#;
        let at = |needle: &str| {
            let start = text.find(needle).unwrap();
            place_of(text, Span::new(start, start + needle.len()))
        };
        assert_eq!(
            at("\"x:b\""),
            Some(("pointer", "/Statement/0/Action/1".into()))
        );
        assert_eq!(at("{\"Sid\""), Some(("sid", "A".into())));
        assert_eq!(
            at("{\"Effect\": \"Allow\", \"Action\": \"y"),
            Some(("pointer", "/Statement/1".into()))
        );
        assert_eq!(at("{\"Version\""), None);
    }

    #[test]
    fn an_entry_for_a_finding_silences_that_finding_only() {
        let text = "{\"Version\": \"1\", \"Statement\": [\n  {\"Sid\": \"Read\", \"Effect\": \"Allow\", \"Action\": [\"oss:GetObject\", \"oss:GetObject\"], \"Resource\": \"acs:oss:*:*:b/*\"},\n  {\"Effect\": \"Allow\", \"Action\": [\"oss:PutObject\", \"oss:PutObject\"], \"Resource\": \"acs:oss:*:*:b/*\"}\n]}\n";
        let rules = RuleSet::builtin().unwrap();
        let diagnostics = lint_text(&rules, text).diagnostics;
        let repeat = diagnostics
            .iter()
            .find(|d| d.rule.name == "duplicate-action")
            .unwrap();
        // A file name with glob characters is matched literally.
        let relative = "legacy/odd [1]*.json";
        let entry = ignore_entry_for(repeat, relative, text);
        assert_eq!(
            entry,
            format!(
                "[[ignore]]\nrule = \"duplicate-action\"\npaths = [\"legacy/odd [[]1[]][*].json\"]\npointer = \"/Statement/0/Action/1\"\nreason = \"{ADDED_REASON}\"\n"
            )
        );
        let folder = tempfile::tempdir().unwrap();
        let config = folder.path().join("policylint.toml");
        let settings = load_text(&config, &entry, &Overrides::default()).unwrap();
        let mut left = diagnostics.clone();
        let file = std::path::absolute(folder.path().join(relative)).unwrap();
        settings.apply_ignores(&file, Some(text), &mut left, true);
        assert_eq!(left.len(), diagnostics.len() - 1);
        assert!(!left.contains(repeat));
        // The same finding in another file, or the other statement's, stays.
        let mut elsewhere = diagnostics.clone();
        let other = std::path::absolute(folder.path().join("legacy/odd 1x.json")).unwrap();
        settings.apply_ignores(&other, Some(text), &mut elsewhere, true);
        assert_eq!(elsewhere, diagnostics);
        assert!(settings.ignores.unused(&[], &settings.rules).is_empty());
    }
}
