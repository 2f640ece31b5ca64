//! Writing an `[[ignore]]` entry for a finding: what `check --add-ignores` appends to a
//! config, and what the language server's "ignore this finding" offers.

use super::ignore::{contains, pointer_text, statements};
use crate::diagnostic::Diagnostic;
use crate::hosts::{self, HostKind};
use crate::parse::{Arena, Node, NodeKind, parse};
use crate::source::Span;
use std::path::{Component, Path};

/// Where a finding is in its policy document, as an `[[ignore]]` entry names it: the
/// pointer of the innermost statement element holding it, else the statement's `Sid` (or
/// its pointer, when it has none), else nothing (a finding about a whole policy). `text`
/// is the host file (read by `host`) whose coordinates `span` is in.
fn place_of(host: HostKind, text: &str, span: Span) -> Option<(&'static str, String)> {
    let documents = hosts::policy_documents(host, text);
    documents.iter().find_map(|document| {
        let arena = Arena::new();
        let root = parse(&document.text, &arena).ok()?.root;
        let in_host = |s: Span| document.map.map_span(s);
        place_in(&root, span, &in_host)
    })
}

/// [`place_of`] in one parsed document, whose spans `in_host` takes to the host's.
fn place_in(
    root: &Node<'_>,
    span: Span,
    in_host: &dyn Fn(Span) -> Span,
) -> Option<(&'static str, String)> {
    let holds = |s: Span| contains(in_host(s), span);
    let (index, statement) = statements(root).find(|(_, s)| holds(s.span))?;
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
                .find(|m| holds(m.span()))
                .map(|m| (m.key.to_string(), &m.value)),
            NodeKind::Array(items) => items
                .iter()
                .enumerate()
                .find(|(_, item)| holds(item.span))
                .map(|(i, item)| (i.to_string(), item)),
            _ => None,
        };
        let Some((token, child)) = next else { break };
        tokens.push(token);
        inside_an_element = true;
        node = child;
    }
    if !inside_an_element && let Some(sid) = statement.get("Sid").and_then(|m| m.value.as_str()) {
        let same_sid = statements(root)
            .filter(|(_, s)| s.get("Sid").and_then(|m| m.value.as_str()) == Some(sid))
            .count();
        if same_sid == 1 {
            return Some(("sid", sid.to_string()));
        }
    }
    Some(("pointer", pointer_text(&tokens)))
}

/// A glob matching exactly `relative` (a path below a config's folder) as the config
/// reads globs: `/` between components, pattern characters escaped. `None` for a path
/// that leaves the folder or is not UTF-8.
pub fn exact_glob(relative: &Path) -> Option<String> {
    let mut glob = String::new();
    for component in relative.components() {
        let Component::Normal(name) = component else {
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

/// The reason `--add-ignores` writes, for a person to replace.
pub const ADDED_REASON: &str =
    "added by `policylint check --add-ignores`; review and replace with the real reason";

/// The TOML text of an `[[ignore]]` entry for `diagnostic`, found in the file that `glob`
/// names (see [`exact_glob`]), read by `host` as `text`: its rule, the glob, a `pointer`
/// or `sid` when the finding is inside a statement, and `reason`. Ends with a line break;
/// separate it from the text before with a blank line. `--add-ignores` writes these, and
/// the language server's "ignore this finding" offers one.
pub fn ignore_entry_for(
    diagnostic: &Diagnostic,
    glob: &str,
    (host, text): (HostKind, &str),
    reason: &str,
) -> String {
    let quote = |s: &str| toml::Value::String(s.to_string()).to_string();
    let mut entry = format!(
        "[[ignore]]\nrule = {}\npaths = [{}]\n",
        quote(&diagnostic.rule.name),
        quote(glob)
    );
    if let Some((key, value)) = place_of(host, text, diagnostic.span) {
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
    use std::path::PathBuf;

    #[test]
    fn a_finding_is_placed_at_its_element_or_statement() {
        let text = r#"{"Version": "1", "Statement": [{"Sid": "A", "Effect": "Allow", "Action": ["x:a", "x:b"], "Resource": "*"}, {"Effect": "Allow", "Action": "y:c", "Resource": "*"}]}"#;
        let at = |needle: &str| {
            let start = text.find(needle).unwrap();
            place_of(HostKind::Json, text, Span::new(start, start + needle.len()))
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
        let glob = exact_glob(Path::new(relative)).unwrap();
        let entry = ignore_entry_for(repeat, &glob, (HostKind::Json, text), ADDED_REASON);
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

    #[test]
    fn a_finding_in_a_template_is_placed_in_its_policy_document() {
        let template = r#"{"Resources": {"P": {"Type": "ALIYUN::RAM::ManagedPolicy", "Properties": {"PolicyDocument": {"Version": "1", "Statement": [{"Sid": "S", "Effect": "Allow", "Action": ["x:a", "x:b"], "Resource": "*"}]}}}}}"#;
        let yaml = "Resources:\n  P:\n    Type: ALIYUN::RAM::ManagedPolicy\n    Properties:\n      PolicyDocument:\n        Version: '1'\n        Statement:\n          - Effect: Allow\n            Action:\n              - x:a\n              - x:b\n            Resource: '*'\n";
        for (host, text, needle) in [
            (HostKind::Json, template, "\"x:b\""),
            (HostKind::Yaml, yaml, "x:b"),
        ] {
            let start = text.find(needle).unwrap();
            assert_eq!(
                place_of(host, text, Span::new(start, start + needle.len())),
                Some(("pointer", "/Statement/0/Action/1".into())),
                "{host:?}"
            );
        }
        let start = template.find("{\"Sid\"").unwrap();
        assert_eq!(
            place_of(HostKind::Json, template, Span::new(start, start + 6)),
            Some(("sid", "S".into()))
        );
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
}
