//! The [`Host`] of each [`HostKind`]: the JSON host's three readings and the YAML, Markdown
//! and Terraform hosts, each a thin adapter over its reading in `json.rs`, `yaml/`,
//! `markdown/` or `terraform/`.

use super::*;

impl HostKind {
    /// The host that reads this kind of file.
    pub(super) fn host(self) -> &'static dyn Host {
        match self {
            HostKind::Json => &json_host::JSON,
            HostKind::JsonTemplate => &json_host::JSON_TEMPLATE,
            HostKind::PlainJson => &json_host::PLAIN_JSON,
            HostKind::Yaml => &yaml_host::YAML,
            HostKind::Markdown => &markdown_host::MARKDOWN,
            HostKind::Terraform => &terraform_host::TERRAFORM,
        }
    }
}

/// The JSON host's three readings (see `json.rs` for the reading itself).
mod json_host {
    use super::*;

    pub struct JsonHost {
        /// Whether to look inside the text when it is not a policy itself.
        nested: bool,
        /// Whether every `${...}` in its strings is the host's interpolation.
        interpolated: bool,
    }

    pub static JSON: JsonHost = JsonHost {
        nested: true,
        interpolated: false,
    };
    pub static JSON_TEMPLATE: JsonHost = JsonHost {
        nested: true,
        interpolated: true,
    };
    pub static PLAIN_JSON: JsonHost = JsonHost {
        nested: false,
        interpolated: false,
    };

    impl Host for JsonHost {
        fn may_hold_policy(&self, text: &str) -> bool {
            // No silent pass: a near miss (`Statment`), a lone statement or a broken policy
            // may never say `statement`; the engine decides on the keys it finds.
            json::mentions_statement(text) || crate::engine::looks_like_a_policy(text)
        }

        fn whole_text<'h>(&self, text: &'h str) -> Option<Document<'h>> {
            let masked = json::mask_expressions(text, self.interpolated);
            Some(Document {
                map: json::masked_map(Span::new(0, text.len()), &masked.spans),
                text: masked.text,
                hints: HostHints {
                    interpolated: self.interpolated,
                    ..HostHints::default()
                },
                masked: masked.spans,
                embedding: Embedding::Verbatim,
            })
        }

        fn extract<'h>(&self, text: &'h str) -> Result<Vec<Document<'h>>, SyntaxError> {
            if !self.nested {
                return Ok(Vec::new());
            }
            let masked = json::mask_expressions(text, self.interpolated);
            Ok(json::nested_documents(text, &masked, self.interpolated).unwrap_or_default())
        }

        fn encode(&self, document: &Document, replacement: &str) -> Option<String> {
            Some(match document.embedding {
                Embedding::Verbatim => replacement.to_string(),
                Embedding::JsonString => json::escape_for_string(replacement),
                Embedding::Yaml(_) | Embedding::Markdown(_) | Embedding::Terraform(_) => {
                    return None;
                }
            })
        }

        fn reextract(&self, document: &Document, region: &str) -> Option<String> {
            json::reextract(document, region)
        }

        fn check_syntax(&self, text: &str) -> Result<(), SyntaxError> {
            json::check_syntax(text, self.interpolated)
        }
    }
}

/// The YAML host (see `yaml.rs` for the reading itself).
mod yaml_host {
    use super::*;

    pub struct YamlHost;

    pub static YAML: YamlHost = YamlHost;

    impl Host for YamlHost {
        fn may_hold_policy(&self, text: &str) -> bool {
            yaml::may_hold_policy(text)
        }

        fn extract<'h>(&self, text: &'h str) -> Result<Vec<Document<'h>>, SyntaxError> {
            yaml::extract(text)
        }

        fn encode(&self, document: &Document, replacement: &str) -> Option<String> {
            yaml::encode(document, replacement)
        }

        fn host_edit(&self, host_text: &str, document: &Document, edit: &Edit) -> Option<Edit> {
            yaml::host_edit(host_text, document, edit)
        }

        fn reextract(&self, document: &Document, region: &str) -> Option<String> {
            yaml::reextract(document, region)
        }

        fn check_syntax(&self, text: &str) -> Result<(), SyntaxError> {
            yaml::check_syntax(text)
        }

        fn suppressions(&self, text: &str) -> Vec<suppress::Suppression> {
            yaml::suppressions(text)
        }
    }
}

/// The Markdown host (see `markdown/` for the reading itself).
mod markdown_host {
    use super::*;

    pub struct MarkdownHost;

    pub static MARKDOWN: MarkdownHost = MarkdownHost;

    impl Host for MarkdownHost {
        fn may_hold_policy(&self, text: &str) -> bool {
            markdown::may_hold_policy(text)
        }

        fn extract<'h>(&self, text: &'h str) -> Result<Vec<Document<'h>>, SyntaxError> {
            Ok(markdown::extract(text))
        }

        fn encode(&self, _document: &Document, _replacement: &str) -> Option<String> {
            None
        }

        fn host_edit(&self, _host_text: &str, document: &Document, edit: &Edit) -> Option<Edit> {
            markdown::host_edit(document, edit)
        }

        fn reextract(&self, document: &Document, region: &str) -> Option<String> {
            markdown::reextract(document, region)
        }

        fn check_syntax(&self, _text: &str) -> Result<(), SyntaxError> {
            // Any text is Markdown; what a fix changes inside a block is verified by
            // reading the block back (`reextract`).
            Ok(())
        }

        fn suppressions(&self, text: &str) -> Vec<suppress::Suppression> {
            markdown::suppressions(text)
        }
    }
}

/// The Terraform host (see `terraform/` for the reading itself).
mod terraform_host {
    use super::*;

    pub struct TerraformHost;

    pub static TERRAFORM: TerraformHost = TerraformHost;

    impl Host for TerraformHost {
        fn may_hold_policy(&self, text: &str) -> bool {
            terraform::may_hold_policy(text)
        }

        fn extract<'h>(&self, text: &'h str) -> Result<Vec<Document<'h>>, SyntaxError> {
            terraform::extract(text)
        }

        fn encode(&self, document: &Document, replacement: &str) -> Option<String> {
            terraform::encode(document, replacement)
        }

        fn host_edit(&self, _host_text: &str, document: &Document, edit: &Edit) -> Option<Edit> {
            terraform::host_edit(document, edit)
        }

        fn reextract(&self, document: &Document, region: &str) -> Option<String> {
            terraform::reextract(document, region)
        }

        fn check_syntax(&self, text: &str) -> Result<(), SyntaxError> {
            terraform::check_syntax(text)
        }

        fn suppressions(&self, text: &str) -> Vec<suppress::Suppression> {
            terraform::suppressions(text)
        }
    }
}
