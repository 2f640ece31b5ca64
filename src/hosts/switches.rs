//! Which host reads which file: the file names a folder walk takes ([`WALKED`]), and the
//! config's `[hosts]` switches ([`HostSwitches`]) that turn hosts off.

use super::HostKind;
use serde::Deserialize;

/// How a file name ends, and which host reads it, in a folder walk.
#[derive(Debug, Clone, Copy)]
enum Walked {
    Json,
    JsonTemplate,
    /// JSON when the text starts with `{` (a CloudFormation or ROS template), else YAML.
    JsonIfObject,
    Yaml,
    Markdown,
    Terraform,
}

/// The file names a folder walk takes when the config sets no `include`: one list for
/// every host (ASCII case ignored). Longest first: `.json.tpl` before `.json`.
const WALKED: &[(&str, Walked)] = &[
    (".json.tpl", Walked::JsonTemplate),
    (".template", Walked::JsonIfObject),
    (".policy", Walked::Json),
    (".json", Walked::Json),
    (".yaml", Walked::Yaml),
    (".yml", Walked::Yaml),
    (".markdown", Walked::Markdown),
    (".md", Walked::Markdown),
    (".tf", Walked::Terraform),
];

/// Which hosts are on: the config's `[hosts]` table. Every host is on by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HostSwitches {
    /// Policies inside JSON (templates, API output, encoded strings). Off, a JSON file is
    /// linted only as a policy by itself.
    pub json: bool,
    /// YAML files (`.yaml`, `.yml`, YAML `.template`s). Off, a walk skips them.
    pub yaml: bool,
    /// Markdown files (`.md`, `.markdown`): policies in their code blocks. Off, a walk
    /// skips them.
    pub markdown: bool,
    /// Terraform files (`.tf`). Off, a walk skips them.
    pub terraform: bool,
}

impl Default for HostSwitches {
    fn default() -> Self {
        HostSwitches {
            json: true,
            yaml: true,
            markdown: true,
            terraform: true,
        }
    }
}

impl HostSwitches {
    /// Whether a folder walk takes a file of this name (when no `include` is set).
    pub fn walks(&self, file_name: &str) -> bool {
        match walked(file_name) {
            Some(Walked::Yaml) => self.yaml,
            Some(Walked::Markdown) => self.markdown,
            Some(Walked::Terraform) => self.terraform,
            found => found.is_some(),
        }
    }

    /// The host that reads a file of this name whose text is `text`. A name no host
    /// claims reads as JSON (an explicitly named file, an `include` pattern); `None` for a
    /// file whose text is for a host that is switched off (YAML with `yaml = false`).
    pub fn host_for(&self, file_name: &str, text: &str) -> Option<HostKind> {
        let kind = match walked(file_name) {
            None | Some(Walked::Json) => HostKind::Json,
            Some(Walked::JsonTemplate) => HostKind::JsonTemplate,
            Some(Walked::JsonIfObject) => {
                let body = text.trim_start_matches(crate::parse::UTF8_BOM).trim_start();
                if body.starts_with('{') {
                    HostKind::Json
                } else {
                    HostKind::Yaml
                }
            }
            Some(Walked::Yaml) => HostKind::Yaml,
            Some(Walked::Markdown) => HostKind::Markdown,
            Some(Walked::Terraform) if !self.terraform => return None,
            Some(Walked::Terraform) => HostKind::Terraform,
        };
        if (kind == HostKind::Yaml && !self.yaml) || (kind == HostKind::Markdown && !self.markdown)
        {
            return None;
        }
        Some(match kind {
            HostKind::Json | HostKind::JsonTemplate if !self.json => HostKind::PlainJson,
            kind => kind,
        })
    }
}

fn walked(file_name: &str) -> Option<Walked> {
    let name = file_name.as_bytes();
    WALKED.iter().find_map(|&(suffix, walked)| {
        let suffix = suffix.as_bytes();
        (name.len() > suffix.len()
            && name[name.len() - suffix.len()..].eq_ignore_ascii_case(suffix))
        .then_some(walked)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_pick_the_host() {
        let on = HostSwitches::default();
        let off = HostSwitches {
            json: false,
            ..HostSwitches::default()
        };
        let no_yaml = HostSwitches {
            yaml: false,
            ..HostSwitches::default()
        };
        for name in [
            "a.json",
            "A.JSON",
            "x/b.policy",
            "c.json.tpl",
            "d.template",
            "e.yaml",
            "f.YML",
        ] {
            assert!(on.walks(name), "{name}");
        }
        for name in [
            "b.txt", "json", ".json", "c.tpl", "d.jsonx", ".yaml", "e.yamlx",
        ] {
            assert!(!on.walks(name), "{name}");
        }
        assert!(!no_yaml.walks("e.yaml") && no_yaml.walks("d.template"));
        assert_eq!(on.host_for("a.json", "{}"), Some(HostKind::Json));
        assert_eq!(on.host_for("a.txt", "x"), Some(HostKind::Json));
        assert_eq!(
            on.host_for("a.json.tpl", "{}"),
            Some(HostKind::JsonTemplate)
        );
        assert_eq!(
            on.host_for("t.template", "\u{feff}\n {\"Resources\": {}}"),
            Some(HostKind::Json)
        );
        assert_eq!(
            on.host_for("t.template", "Resources:\n"),
            Some(HostKind::Yaml)
        );
        assert_eq!(on.host_for("t.yml", "{}"), Some(HostKind::Yaml));
        assert_eq!(no_yaml.host_for("t.template", "Resources:\n"), None);
        assert_eq!(no_yaml.host_for("t.yaml", "a: 1\n"), None);
        assert_eq!(off.host_for("a.json", "{}"), Some(HostKind::PlainJson));
        assert_eq!(off.host_for("a.json.tpl", "{}"), Some(HostKind::PlainJson));
        assert_eq!(HostKind::JsonTemplate.name(), "json");
        assert_eq!(HostKind::Yaml.name(), "yaml");
    }
}
