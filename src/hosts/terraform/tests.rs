use super::*;

fn documents(text: &str) -> Vec<Document<'static>> {
    extract(text).unwrap()
}

/// Every verbatim piece of `document` is the same bytes in `host`; every escape stands
/// for host bytes that decode to its text.
fn assert_map_is_exact(host: &str, document: &Document) {
    for piece in document.map.pieces() {
        let doc = &document.text[piece.doc.start..piece.doc.end];
        let raw = &host[piece.host.start..piece.host.end];
        if piece.kind == crate::hosts::span_map::PieceKind::Verbatim {
            assert_eq!(doc, raw);
        }
    }
}

#[test]
fn an_indented_heredoc_is_read_without_its_indentation_and_mapped_back() {
    let host = "x = <<-EOF\n    {\n      \"Statement\": \"$${a}\",\n\n      \"B\": \"${var.c}\"\n    }\n  EOF\n";
    let found = documents(host);
    assert_eq!(found.len(), 1);
    let document = &found[0];
    assert_eq!(
        document.text,
        "{\n  \"Statement\": \"${a}\",\n\n  \"B\": \"${var.c}\"\n}\n"
    );
    assert_map_is_exact(host, document);
    // `${a}` came from `$${a}`: one escape standing for three bytes.
    let at = document.text.find("${a}").unwrap();
    let span = document.map.map_span(Span::new(at, at + 4));
    assert_eq!(&host[span.start..span.end], "$${a}");
    let at = document.text.find("\"B\"").unwrap();
    let span = document.map.map_span(Span::new(at, at + 3));
    assert_eq!(&host[span.start..span.end], "\"B\"");
}

#[test]
fn a_quoted_string_is_read_through_every_escape() {
    let host =
        "x = \"{\\\"Statement\\\": \\\"caf\\u00e9 \\U0001F600 \\\\ \\t $${v} %%{w} $x\\\"}\"\n";
    let found = documents(host);
    assert_eq!(found.len(), 1);
    let document = &found[0];
    assert_eq!(
        document.text,
        "{\"Statement\": \"caf\u{e9} \u{1F600} \\ \t ${v} %{w} $x\"}"
    );
    assert_map_is_exact(host, document);
    let at = document.text.find('\u{e9}').unwrap();
    let span = document.map.map_span(Span::new(at, at + 2));
    assert_eq!(&host[span.start..span.end], "\\u00e9");
}

#[test]
fn replacements_are_encoded_for_the_string_that_holds_them() {
    assert_eq!(
        template::encode(Style::Quoted, "\n", "\"a\\b\"\n${x}"),
        Some("\\\"a\\\\b\\\"\\n$${x}".to_string())
    );
    assert_eq!(
        template::encode(Style::Heredoc { indent: 4 }, "\r\n", "a,\n\"%{b}\""),
        Some("a,\r\n    \"%%{b}\"".to_string())
    );
    assert_eq!(
        template::encode(Style::Heredoc { indent: 0 }, "\n", "\u{1}"),
        None
    );
}

#[test]
fn objects_and_data_sources_are_written_as_compact_json() {
    let host = "p = jsonencode({\n  Version = \"1\" # c\n  \"Statement\" : [{ Effect = \"Allow\", Action = local.a, Resource = [\"*\",] }]\n})\n";
    let found = documents(host);
    assert_eq!(
        found[0].text,
        "{\"Version\":\"1\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"${local.a}\",\"Resource\":[\"*\"]}]}"
    );
    assert_eq!(found[0].masked.len(), 1);
    let host = "data \"aws_iam_policy_document\" \"d\" {\n  statement {\n    actions = [\"s3:GetObject\"]\n    resources = [\"*\"]\n    condition {\n      test = \"StringEquals\"\n      variable = \"aws:a\"\n      values = [\"1\"]\n    }\n    condition {\n      test = \"StringEquals\"\n      variable = \"aws:b\"\n      values = [\"2\"]\n    }\n  }\n}\n";
    let found = documents(host);
    assert_eq!(
        found[0].text,
        "{\"Statement\":[{\"Action\":[\"s3:GetObject\"],\"Resource\":[\"*\"],\"Condition\":{\"StringEquals\":{\"aws:a\":[\"1\"],\"aws:b\":[\"2\"]}},\"Effect\":\"Allow\"}],\"Version\":\"2012-10-17\"}"
    );
    assert_eq!(found[0].map.host_span(), Span::new(0, host.len() - 1));
    // No statement: nothing to lint.
    assert!(
        documents("data \"aws_iam_policy_document\" \"d\" {\n  source_policy_documents = [x]\n}\n")
            .is_empty()
    );
}

#[test]
fn text_that_is_not_a_policy_is_no_document() {
    for host in [
        "a = \"statement\"\n",
        "a = <<EOF\nnot { json Statement\nEOF\n",
        "resource \"x\" \"y\" {\n  statement {\n    a = 1\n  }\n}\n",
    ] {
        assert!(documents(host).is_empty(), "{host}");
    }
}
