//! How a fix's new value is written in YAML so that it reads back as that value: plain
//! only when that is safe in YAML 1.2 and in the YAML 1.1 readers many tools still use,
//! quoted otherwise; JSON values in flow style, as YAML or, where the collection is
//! written as JSON, as JSON.

use super::scalar::{Resolved, resolve_plain};
use saphyr_parser::ScalarStyle;

/// Whether `value` can be written as a plain scalar that reads back as the same string,
/// in YAML 1.2 and in the YAML 1.1 readers many tools still use: no indicator first, no
/// `: ` or ` #` inside, nothing that reads as a number, boolean, null or date.
pub fn plain_is_safe(value: &str, flow: bool) -> bool {
    let Some(first) = value.chars().next() else {
        return false;
    };
    let indicator = "-?:,[]{}#&*!|>'\"%@`";
    let yaml11_words = [
        "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~", "<<", "=",
    ];
    !indicator.contains(first)
        && !first.is_ascii_digit()
        && !matches!(first, '+' | '.' | ' ' | '\t')
        && !value.ends_with([' ', '\t', ':'])
        && !value.contains(": ")
        && !value.contains(" #")
        && !value.chars().any(|c| c.is_control() || c == '\u{feff}')
        && !(flow && value.contains([',', '[', ']', '{', '}']))
        && !yaml11_words.contains(&value.to_ascii_lowercase().as_str())
        && resolve_plain(value) == Resolved::String
}

/// `value` as a YAML scalar: in the style of the scalar it replaces when that style can
/// hold it, else plain when that is safe, else single-quoted, else double-quoted.
pub fn write_scalar(value: &str, style: ScalarStyle, flow: bool) -> String {
    let single_ok = !value.chars().any(|c| c.is_control() || c == '\u{feff}');
    match style {
        ScalarStyle::DoubleQuoted => double_quoted(value),
        ScalarStyle::SingleQuoted if single_ok => single_quoted(value),
        _ if plain_is_safe(value, flow) => value.to_string(),
        _ if single_ok => single_quoted(value),
        _ => double_quoted(value),
    }
}

fn single_quoted(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

fn double_quoted(value: &str) -> String {
    // JSON's escapes are all YAML double-quoted escapes.
    serde_json::to_string(value).expect("a string serializes")
}

/// A JSON value as YAML in flow style (one line), its strings as `write_scalar` writes
/// them.
pub fn write_flow(value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::String(s) => write_scalar(s, ScalarStyle::Plain, true),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(write_flow).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(members) => {
            let members: Vec<String> = members
                .iter()
                .map(|(k, v)| {
                    format!(
                        "{}: {}",
                        write_scalar(k, ScalarStyle::Plain, true),
                        write_flow(v)
                    )
                })
                .collect();
            format!("{{{}}}", members.join(", "))
        }
        other => other.to_string(),
    }
}

/// A JSON value as JSON on one line, `, ` and `: ` between its parts: what a flow
/// collection written as JSON (JSON is YAML) gets.
pub fn write_json(value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(write_json).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(members) => {
            let members: Vec<String> = members
                .iter()
                .map(|(k, v)| format!("{}: {}", Value::String(k.clone()), write_json(v)))
                .collect();
            format!("{{{}}}", members.join(", "))
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replacements_are_plain_only_when_they_read_back_the_same() {
        for (value, flow, written) in [
            ("Allow", false, "Allow"),
            ("oss:GetObject", false, "oss:GetObject"),
            ("a,b", false, "a,b"),
            ("a,b", true, "'a,b'"),
            ("*", false, "'*'"),
            ("1", false, "'1'"),
            ("2012-10-17", false, "'2012-10-17'"),
            ("yes", false, "'yes'"),
            ("null", false, "'null'"),
            ("a: b", false, "'a: b'"),
            ("it's", false, "it's"),
            ("'q", false, "'''q'"),
            ("a\nb", false, "\"a\\nb\""),
            ("", false, "''"),
        ] {
            assert_eq!(
                write_scalar(value, ScalarStyle::Plain, flow),
                written,
                "{value}"
            );
        }
        assert_eq!(
            write_scalar("Allow", ScalarStyle::DoubleQuoted, false),
            "\"Allow\""
        );
        assert_eq!(
            write_scalar("Allow", ScalarStyle::SingleQuoted, false),
            "'Allow'"
        );
        let value: serde_json::Value = serde_json::from_str(
            r#"{"Effect": "Allow", "Action": ["oss:ListBuckets"], "Resource": "*"}"#,
        )
        .unwrap();
        assert_eq!(
            write_flow(&value),
            "{Effect: Allow, Action: [oss:ListBuckets], Resource: '*'}"
        );
    }
}
