use super::*;
use crate::diagnostic::Edit;
use crate::fix::apply_edits;

fn host_text(text: &str, document: &Document) -> String {
    let span = document.map.host_span();
    text[span.start..span.end].to_string()
}

#[test]
fn documents_are_found_in_every_kind_of_block_and_not_in_prose() {
    let text = "# Policies\n\nInline `{\"Statement\": []}` is prose.\n\n```json\n{\"Statement\": [1]}\n```\n\n- Then:\n\n  ```bash\n  aws ram create-policy --policy-document '{\"Statement\": [2]}'\n  ```\n\n> ```yaml\n> Resources:\n>   P:\n>     Type: ALIYUN::RAM::ManagedPolicy\n>     Properties:\n>       PolicyDocument:\n>         Statement: [3]\n> ```\n\n    {\"Statement\": [4]}\n\n```text\nno policy here: statement\n```\n";
    let documents = extract(text);
    let texts: Vec<&str> = documents.iter().map(|d| d.text.as_ref()).collect();
    assert_eq!(texts.len(), 4, "{texts:?}");
    assert_eq!(texts[0], "{\"Statement\": [1]}");
    assert_eq!(texts[1], "{\"Statement\": [2]}");
    assert!(texts[2].contains("\"Statement\"") && texts[2].contains('3'));
    assert_eq!(texts[3], "{\"Statement\": [4]}");
    for document in [&documents[0], &documents[1], &documents[3]] {
        assert_eq!(host_text(text, document), document.text);
    }
    // The YAML document maps into the quoted lines.
    let three = documents[2].text.find('3').unwrap();
    let host = documents[2].map.map_span(Span::new(three, three + 1));
    assert_eq!(&text[host.start..host.end], "3");
    assert_eq!(
        text[..host.start].rsplit('\n').next(),
        Some(">         Statement: [")
    );
}

/// The document's host edit for `edit`, applied to `text`.
fn fixed(text: &str, document: &Document, edit: Edit) -> Option<String> {
    let host = host_edit(document, &edit)?;
    let span = document.map.host_span();
    let end = host.span.end.max(span.end);
    let region = apply_edits(
        &text[span.start..end],
        &[Edit::replace(
            Span::new(host.span.start - span.start, host.span.end - span.start),
            host.replacement.clone(),
        )],
    );
    let expected = apply_edits(&document.text, &[edit]);
    assert_eq!(
        reextract(document, &region).as_deref(),
        Some(expected.as_str())
    );
    Some(apply_edits(text, &[host]))
}

#[test]
fn edits_in_an_indented_block_keep_its_prefix_on_every_line() {
    let text = "> 1. x\n>\n>    ```json\n>    {\n>      \"Statement\": [],\n>      \"A\": 1\n>    }\n>    ```\n";
    let documents = extract(text);
    assert_eq!(documents.len(), 1);
    let document = &documents[0];
    assert_eq!(document.text, "{\n  \"Statement\": [],\n  \"A\": 1\n}");
    // Insert a line.
    let at = document.text.find("\"Statement\"").unwrap();
    let out = fixed(text, document, Edit::insert(at, "\"Version\": \"1\",\n  ")).unwrap();
    assert_eq!(
        out,
        "> 1. x\n>\n>    ```json\n>    {\n>      \"Version\": \"1\",\n>      \"Statement\": [],\n>      \"A\": 1\n>    }\n>    ```\n"
    );
    // Remove a member across a line break: the next line's prefix goes with it.
    let from = document.text.find(",\n  \"A\"").unwrap();
    let to = document.text.find("1\n}").unwrap() + 1;
    let out = fixed(text, document, Edit::replace(Span::new(from, to), "")).unwrap();
    assert_eq!(
        out,
        "> 1. x\n>\n>    ```json\n>    {\n>      \"Statement\": []\n>    }\n>    ```\n"
    );
    // A removal that takes a whole line with its break.
    let line = document.text.find("  \"A\"").unwrap();
    let out = fixed(text, document, Edit::replace(Span::new(line - 1, to), "")).unwrap();
    assert!(out.contains(">      \"Statement\": [],\n>    }\n"), "{out}");
}

#[test]
fn blocks_with_uneven_prefixes_take_no_line_breaks() {
    // The list item's indentation is taken off each line, the rest stays.
    let text = "- ```\n  {\"Statement\": [],\n   \"A\": 1}\n  ```\n";
    let documents = extract(text);
    assert_eq!(documents.len(), 1);
    let document = &documents[0];
    let at = document.text.find("\"A\"").unwrap();
    assert!(
        fixed(
            text,
            document,
            Edit::replace(Span::new(at, at + 3), "\"B\"")
        )
        .is_some()
    );
    assert!(host_edit(document, &Edit::insert(at, "\n")).is_some());
    // One line's `>` takes its space, the other's not.
    let uneven = "> ```\n>{\"Statement\": [],\n> \"A\": 1}\n> ```\n";
    let uneven_documents = extract(uneven);
    let document = &uneven_documents[0];
    assert!(host_edit(document, &Edit::insert(1, "\n")).is_none());
}

#[test]
fn composed_maps_go_through_escapes_and_carriage_returns() {
    let text = "```json\r\n{\"Policy\": \"{\\\"Statement\\\": [\\\"\\u00e9\\\"]}\"}\r\n```\r\n";
    let documents = extract(text);
    assert_eq!(documents.len(), 1);
    let document = &documents[0];
    assert_eq!(document.text, "{\"Statement\": [\"é\"]}");
    let at = document.text.find('é').unwrap();
    let host = document.map.map_span(Span::new(at, at + 'é'.len_utf8()));
    assert_eq!(&text[host.start..host.end], "\\u00e9");
    let out = fixed(
        text,
        document,
        Edit::replace(Span::new(at - 1, at + 3), "\"e\""),
    )
    .unwrap();
    assert_eq!(
        out,
        "```json\r\n{\"Policy\": \"{\\\"Statement\\\": [\\\"e\\\"]}\"}\r\n```\r\n"
    );
}

#[test]
fn markdown_file_names_pick_the_markdown_host_unless_it_is_off() {
    let on = crate::hosts::HostSwitches::default();
    let off = crate::hosts::HostSwitches {
        markdown: false,
        ..on
    };
    for name in ["README.md", "docs/guide.markdown", "NOTES.MD"] {
        assert!(on.walks(name) && !off.walks(name), "{name}");
        assert_eq!(on.host_for(name, "# x"), Some(HostKind::Markdown), "{name}");
        assert_eq!(off.host_for(name, "# x"), None, "{name}");
    }
    for name in [".md", "a.mdx", "a.markdownx"] {
        assert!(!on.walks(name), "{name}");
    }
    assert_eq!(HostKind::Markdown.name(), "markdown");
}
