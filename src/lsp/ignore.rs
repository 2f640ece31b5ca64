//! "Ignore this finding": the `[[ignore]]` config entry that silences one finding, by
//! rule, the file's exact path and its place in the policy (written by
//! `config::ignore_entry_for`, as `check --add-ignores` writes them), appended to a config.
//!
//! ```toml
//! [[ignore]]
//! rule = "wildcard-resource"
//! paths = ["legacy/a.json"]
//! pointer = "/Statement/2/Resource"
//! reason = "ignored from the editor; replace with the real reason"
//! ```

/// The reason an entry made in the editor carries until someone writes the real one.
pub const REASON: &str = "ignored from the editor; replace with the real reason";

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

    #[test]
    fn the_entry_is_valid_toml_after_a_blank_line() {
        let text = format!(
            "[[ignore]]\nrule = \"wildcard-resource\"\npaths = [\"a.json\"]\nreason = \"{REASON}\"\n"
        );
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
