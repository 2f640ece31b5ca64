//! Message and help templates of declarative rules: `{value}`, `{match}`, `{field}` and
//! `{type}` filled from a finding, with bounds, since a team's rule file is as hostile as a
//! policy.

/// The names a message or help template can hold between braces.
const PLACEHOLDERS: [&str; 4] = ["value", "match", "field", "type"];

/// Most placeholders one template may hold (checked when the rule file is loaded).
const MAX_PLACEHOLDERS: usize = 8;

/// Most characters of a template (checked when the rule file is loaded).
const MAX_TEMPLATE_CHARS: usize = 1_000;

/// Most characters of a value written into a message: longer ones are cut, ending in `…`.
/// With the two bounds above, a message holds at most a few thousand characters whatever
/// the policy (a 20,000-fold `{value}` once turned one finding into 2.3 GB of output).
const MAX_VALUE_CHARS: usize = 200;

/// A message or help template of bounded size: its findings are printed once per place.
pub fn check(key: &str, template: &str) -> Result<(), String> {
    let chars = template.chars().count();
    if chars > MAX_TEMPLATE_CHARS {
        return Err(format!(
            "`{key}` is {chars} characters long; a message holds at most {}",
            MAX_TEMPLATE_CHARS
        ));
    }
    let placeholders = placeholder_count(template);
    if placeholders > MAX_PLACEHOLDERS {
        return Err(format!(
            "`{key}` holds {placeholders} placeholders such as `{{value}}`; a message holds at most {}",
            MAX_PLACEHOLDERS
        ));
    }
    Ok(())
}

/// How many placeholders `template` holds.
fn placeholder_count(template: &str) -> usize {
    PLACEHOLDERS
        .iter()
        .map(|name| template.matches(&format!("{{{name}}}")).count())
        .sum()
}

/// `template` with each `{name}` that `value_of` knows replaced by its value (cut to
/// `MAX_VALUE_CHARS`), in one pass: a value that itself holds `{name}` (policy text may) is
/// written as it is. Braces around anything else stay.
pub fn fill<'v>(template: &str, value_of: impl Fn(&str) -> Option<&'v str>) -> String {
    let mut filled = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        filled.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after
            .find('}')
            .and_then(|close| Some((close, value_of(&after[..close])?)));
        match value {
            Some((close, value)) => {
                push_cut(&mut filled, value, MAX_VALUE_CHARS);
                rest = &after[close + 1..];
            }
            None => {
                filled.push('{');
                rest = after;
            }
        }
    }
    filled.push_str(rest);
    filled
}

/// `text`, or its first `max_chars - 1` characters and `…` when it is longer: for a rule's
/// own text (a query) quoted in a message.
pub fn cut(text: &str, max_chars: usize) -> String {
    let mut out = String::new();
    push_cut(&mut out, text, max_chars);
    out
}

/// Pushes `value`, or its first `max_chars - 1` characters and `…` when it is longer.
fn push_cut(out: &mut String, value: &str, max_chars: usize) {
    match value.char_indices().nth(max_chars) {
        None => out.push_str(value),
        Some(_) => {
            let (end, _) = value
                .char_indices()
                .nth(max_chars - 1)
                .expect("longer than max_chars");
            out.push_str(&value[..end]);
            out.push('…');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_are_filled_in_one_pass() {
        let value_of = |name: &str| match name {
            "value" => Some("a{match}b"),
            "match" => Some("{value}"),
            "field" => Some("Action"),
            _ => None,
        };
        assert_eq!(
            fill("`{value}` in {field}: {match} {other} {un{closed", value_of),
            "`a{match}b` in Action: {value} {other} {un{closed"
        );
        assert_eq!(fill("{field}{field}", value_of), "ActionAction");
        assert_eq!(fill("", value_of), "");
    }

    #[test]
    fn long_values_are_cut_in_messages() {
        let long = "é".repeat(MAX_VALUE_CHARS + 1);
        let exact = "x".repeat(MAX_VALUE_CHARS);
        let value_of = |name: &str| match name {
            "value" => Some(long.as_str()),
            "match" => Some(exact.as_str()),
            _ => None,
        };
        let filled = fill("{value}|{match}", value_of);
        let (cut, whole) = filled.split_once('|').unwrap();
        assert_eq!(cut.chars().count(), MAX_VALUE_CHARS);
        assert!(cut.ends_with("é…"));
        assert_eq!(whole, exact);
        assert_eq!(
            placeholder_count("{value}{value} {match} {other} {field}{type}"),
            5
        );
    }
}
