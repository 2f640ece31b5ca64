//! Building text edits that look hand-made. Applying them is the fix engine's job; these
//! helpers only compute byte ranges on the original text, so everything outside an edit
//! (indentation, key order, line endings) stays as it was.

use crate::diagnostic::Edit;
use crate::parse::{Member, Node};
use crate::source::Span;

/// Removes `items[index]` together with one separating comma and the whitespace that led
/// up to it, so that no blank line and no dangling comma is left. `None` when the array
/// would become empty: emptying an array changes what a policy means.
pub fn remove_array_element(items: &[Node], index: usize) -> Option<Edit> {
    remove_list_item(items.len(), index, |i| items[i].span)
}

/// Removes `members[index]` (key and value) the same way; `None` for the only member.
pub fn remove_member(members: &[Member], index: usize) -> Option<Edit> {
    remove_list_item(members.len(), index, |i| members[i].span())
}

/// Strict JSON has only whitespace and one comma between two list items, so these ranges
/// take exactly one separator with the item.
/// Only the item and its neighbour are looked at, so removing many items stays linear.
fn remove_list_item(len: usize, index: usize, span_of: impl Fn(usize) -> Span) -> Option<Edit> {
    if len < 2 || index >= len {
        return None;
    }
    let span = if index == 0 {
        // `[ a, b` -> `[ b`: from the item to the start of the next one.
        Span::new(span_of(0).start, span_of(1).start)
    } else {
        // `a, b, c` -> `a, c`: from the end of the previous item to the end of this one,
        // which takes the comma and line break before it.
        Span::new(span_of(index - 1).end, span_of(index).end)
    };
    Some(Edit::delete(span))
}

/// The line ending a text uses: CRLF if its first line break is one.
pub fn line_ending(text: &str) -> &'static str {
    match text.find('\n') {
        Some(i) if i > 0 && text.as_bytes()[i - 1] == b'\r' => "\r\n",
        _ => "\n",
    }
}

/// The whitespace at the start of the line holding `offset`.
pub fn indentation_at(text: &str, offset: usize) -> &str {
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = &text[line_start..];
    let width = line.len() - line.trim_start_matches([' ', '\t']).len();
    &line[..width]
}

/// True when the node starts a line (only indentation before it).
fn starts_line(text: &str, offset: usize) -> bool {
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    text[line_start..offset]
        .chars()
        .all(|c| c == ' ' || c == '\t')
}

/// Inserts `"key": value` as the first member of `object`, in the style of its existing
/// members (one per line, or all on one line).
pub fn insert_first_member(text: &str, object: &Node, members: &[Member], key_value: &str) -> Edit {
    match members.first() {
        Some(first) if starts_line(text, first.key_span.start) => {
            let indent = indentation_at(text, first.key_span.start);
            Edit::insert(
                first.key_span.start,
                format!("{key_value},{}{indent}", line_ending(text)),
            )
        }
        Some(first) => Edit::insert(first.key_span.start, format!("{key_value}, ")),
        None => Edit::insert(object.span.start + 1, key_value.to_string()),
    }
}

/// Appends an object with `members` (already-serialised `"key": value` pairs) to the end of
/// `array`, laid out like the array's last element.
pub fn append_object(text: &str, items: &[Node], members: &[&str]) -> Option<Edit> {
    let last = items.last()?;
    let eol = line_ending(text);
    let indentation = indentation_at(text, last.span.start);
    // Written into one string: PL401 offers this fix in many files of a run.
    let mut inserted = String::with_capacity(128);
    if starts_line(text, last.span.start) {
        inserted.extend([",", eol, indentation]);
    } else {
        inserted.push_str(", ");
    }
    match last.as_object().and_then(|m| m.first()) {
        Some(first) if starts_line(text, first.key_span.start) => {
            let inner = indentation_at(text, first.key_span.start);
            inserted.push('{');
            for (i, member) in members.iter().enumerate() {
                inserted.extend([if i == 0 { "" } else { "," }, eol, inner, member]);
            }
            inserted.extend([eol, indentation, "}"]);
        }
        _ => {
            inserted.push('{');
            for (i, member) in members.iter().enumerate() {
                inserted.extend([if i == 0 { "" } else { ", " }, member]);
            }
            inserted.push('}');
        }
    }
    Some(Edit::insert(last.span.end, inserted))
}

/// Applies non-overlapping edits (sorted or not) to `text`.
pub fn apply_edits(text: &str, edits: &[Edit]) -> String {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| e.span);
    let mut out = String::with_capacity(text.len());
    let mut cursor = 0;
    for edit in sorted {
        out.push_str(&text[cursor..edit.span.start]);
        out.push_str(&edit.replacement);
        cursor = edit.span.end;
    }
    out.push_str(&text[cursor..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{Arena, check_syntax, parse};

    fn remove(text: &str, index: usize) -> Option<String> {
        let arena = Arena::new();
        let parsed = parse(text, &arena).unwrap();
        let items = parsed.root.get("a").unwrap().value.as_array().unwrap();
        remove_array_element(items, index).map(|edit| apply_edits(text, &[edit]))
    }

    #[test]
    fn removing_elements_leaves_no_trace() {
        let multi = "{\"a\": [\n  \"x\",\n  \"y\",\n  \"z\"\n]}\n";
        assert_eq!(
            remove(multi, 0).unwrap(),
            "{\"a\": [\n  \"y\",\n  \"z\"\n]}\n"
        );
        assert_eq!(
            remove(multi, 1).unwrap(),
            "{\"a\": [\n  \"x\",\n  \"z\"\n]}\n"
        );
        assert_eq!(
            remove(multi, 2).unwrap(),
            "{\"a\": [\n  \"x\",\n  \"y\"\n]}\n"
        );
        let one_line = "{\"a\": [\"x\", \"y\", \"z\"]}";
        assert_eq!(remove(one_line, 0).unwrap(), "{\"a\": [\"y\", \"z\"]}");
        assert_eq!(remove(one_line, 1).unwrap(), "{\"a\": [\"x\", \"z\"]}");
        assert_eq!(remove(one_line, 2).unwrap(), "{\"a\": [\"x\", \"y\"]}");
        let crlf = "{\"a\": [\r\n  \"x\",\r\n  \"y\"\r\n]}";
        assert_eq!(remove(crlf, 1).unwrap(), "{\"a\": [\r\n  \"x\"\r\n]}");
        assert_eq!(remove("{\"a\": [\"x\"]}", 0), None);
    }

    #[test]
    fn inserted_members_follow_the_layout() {
        let text = "{\r\n\t\"Statement\": []\r\n}";
        let arena = Arena::new();
        let parsed = parse(text, &arena).unwrap();
        let members = parsed.root.as_object().unwrap();
        let edit = insert_first_member(text, &parsed.root, members, "\"Version\": \"1\"");
        assert_eq!(
            apply_edits(text, &[edit]),
            "{\r\n\t\"Version\": \"1\",\r\n\t\"Statement\": []\r\n}"
        );
    }

    #[test]
    fn appended_objects_follow_the_layout() {
        let text = "{\"a\": [\n  {\n    \"k\": 1\n  }\n]}";
        let arena = Arena::new();
        let parsed = parse(text, &arena).unwrap();
        let items = parsed.root.get("a").unwrap().value.as_array().unwrap();
        let edit = append_object(text, items, &["\"k\": 2", "\"j\": 3"]).unwrap();
        let fixed = apply_edits(text, &[edit]);
        assert_eq!(
            fixed,
            "{\"a\": [\n  {\n    \"k\": 1\n  },\n  {\n    \"k\": 2,\n    \"j\": 3\n  }\n]}"
        );
        assert!(check_syntax(&fixed).is_ok());
    }
}
