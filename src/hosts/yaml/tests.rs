//! The YAML host's reading and writing, document by document: what JSON a YAML policy is,
//! where its parts are in the YAML, and how an edit of the JSON is written as YAML.

use super::*;
use crate::diagnostic::Edit;
use crate::fix::apply_edits;
use crate::model::{Dialect, PolicyKind};
use serde_json::{Value, json};

fn documents(text: &str) -> Vec<Document<'static>> {
    extract(text).unwrap()
}

fn value(document: &Document) -> Value {
    serde_json::from_str(&document.text).unwrap_or_else(|e| panic!("{e}: {}", document.text))
}

/// The host text a document range stands for.
fn host_of<'t>(text: &'t str, document: &Document, needle: &str) -> &'t str {
    let at = document
        .text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} in {}", document.text));
    let span = document.map.map_span(Span::new(at, at + needle.len()));
    &text[span.start..span.end]
}

#[test]
fn policies_are_found_at_any_depth_of_every_document_of_a_stream() {
    let text = "\
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement: [{Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: sts:AssumeRole}]
      Policies:
        - PolicyName: p
          PolicyDocument: !Sub |
            {\"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"s3:GetObject\", \"Resource\": \"arn:aws:s3:::${Bucket}/*\"}]}
---
# a plain YAML policy file
Version: '1'
Statement:
  - Effect: Allow
    Action: oss:GetObject
    Resource: acs:oss:*:*:b/*
---
ci: {steps: [a, b]}
";
    let found = documents(text);
    assert_eq!(found.len(), 3);
    assert_eq!(found[0].hints.dialect, Some(Dialect::Aws));
    assert_eq!(found[0].hints.kind, Some(PolicyKind::Trust));
    assert_eq!(found[1].hints.dialect, Some(Dialect::Aws));
    assert!(found[1].hints.interpolated, "inside a !Sub");
    assert_eq!(
        value(&found[1])["Statement"][0]["Resource"],
        "arn:aws:s3:::${Bucket}/*"
    );
    assert_eq!(found[2].hints, HostHints::default());
    assert_eq!(
        value(&found[2]),
        json!({"Version": "1", "Statement": [{"Effect": "Allow", "Action": "oss:GetObject", "Resource": "acs:oss:*:*:b/*"}]})
    );
    assert!(!may_hold_policy("ci: {steps: [a, b]}\n"));
}

#[test]
fn short_tags_are_the_functions_they_abbreviate() {
    let text = "\
Statement:
  - Resource: !Sub arn:aws:s3:::${B}/*
    Principal: {AWS: !Ref Account}
    NotResource: !GetAtt Bucket.Arn
    Action: !If [IsProd, !Split [',', !ImportValue Actions], !Join ['', ['s3:', !FindInMap [M, !Ref 'AWS::Region', a]]]]
    Condition: !Condition C
    Sid: !Base64 x
    Effect: !Select [0, !GetAZs '']
";
    let document = &documents(text)[0];
    assert_eq!(
        value(document)["Statement"][0],
        json!({
            "Resource": {"Fn::Sub": "arn:aws:s3:::${B}/*"},
            "Principal": {"AWS": {"Ref": "Account"}},
            "NotResource": {"Fn::GetAtt": ["Bucket", "Arn"]},
            "Action": {"Fn::If": ["IsProd", {"Fn::Split": [",", {"Fn::ImportValue": "Actions"}]},
                {"Fn::Join": ["", ["s3:", {"Fn::FindInMap": ["M", {"Ref": "AWS::Region"}, "a"]}]]}]},
            "Condition": {"Condition": "C"},
            "Sid": {"Fn::Base64": "x"},
            "Effect": {"Fn::Select": [0, {"Fn::GetAZs": ""}]},
        })
    );
    // The function's name stands for the tag; its argument for itself.
    assert_eq!(host_of(text, document, "{\"Fn::GetAtt\": "), "!GetAtt ");
    assert_eq!(
        host_of(text, document, "\"arn:aws:s3:::${B}/*\""),
        "arn:aws:s3:::${B}/*"
    );
}

#[test]
fn scalars_mean_what_the_core_schema_says() {
    let text = "\
Version: 1
Statement:
  - Effect: Allow
    Sid: 2012-10-17
    Action: ['1', \"2\", yes, ~, null, true, FALSE, 0x1F, 1.5, .5, .inf, !!str 3, !!int 4]
    Condition: {Bool: {aws:SecureTransport: false}}
    Resource:
";
    let document = &documents(text)[0];
    assert_eq!(
        value(document),
        json!({"Version": 1, "Statement": [{
            "Effect": "Allow", "Sid": "2012-10-17",
            "Action": ["1", "2", "yes", null, null, true, false, 31, 1.5, 0.5, ".inf", "3", 4],
            "Condition": {"Bool": {"aws:SecureTransport": false}},
            "Resource": null}]})
    );
    // A number written as JSON writes it maps byte for byte; one written otherwise whole.
    assert_eq!(host_of(text, document, "\"Version\": 1"), "Version: 1");
    assert_eq!(host_of(text, document, "31"), "0x1F");
}

#[test]
fn the_map_puts_values_and_separators_where_the_yaml_has_them() {
    let text = "Statement:\n  - Action:\n      - a   # first\n      - 'b'\n      - \"c\"\n    Effect: Allow\n";
    let document = &documents(text)[0];
    assert_eq!(
        document.text,
        r#"{"Statement": [{"Action": ["a", "b", "c"], "Effect": "Allow"}]}"#
    );
    // Deleting `, "b"` deletes from the end of `a` to the end of `'b'`; deleting `"a", `
    // from `a` to the start of the next value.
    assert_eq!(
        host_of(text, document, ", \"b\""),
        "   # first\n      - 'b'"
    );
    assert_eq!(host_of(text, document, "\"a\", "), "a   # first\n      - ");
    assert_eq!(host_of(text, document, "\"c\""), "\"c\"");
    // The opening bracket stands for what comes before the first value: `- `.
    assert_eq!(host_of(text, document, "[\"a\""), "- a");
    assert_eq!(
        host_of(text, document, "\"Effect\": \"Allow\""),
        "Effect: Allow"
    );
    // Flow collections: brackets are brackets.
    let text = "P: {Statement: [ {Action: [a, b]} ]}\n";
    let document = &documents(text)[0];
    assert_eq!(host_of(text, document, "{\"Statement\""), "{Statement");
    assert_eq!(host_of(text, document, "]}]}"), "]} ]}");
    assert_eq!(host_of(text, document, ", \"b\""), ", b");
}

#[test]
fn positions_are_bytes_through_multibyte_text_crlf_and_a_bom() {
    let text = "\u{feff}Description: caf\u{e9} \u{1F600} \u{4e2d}\u{6587}\r\nP:\r\n  Statement:\r\n    - Sid: \u{e9}t\u{e9}\r\n      Effect: allow\r\n";
    let document = &documents(text)[0];
    assert_eq!(host_of(text, document, "\"allow\""), "allow");
    assert_eq!(
        host_of(text, document, "\"\u{e9}t\u{e9}\""),
        "\u{e9}t\u{e9}"
    );
}

#[test]
fn aliases_expand_within_a_budget_and_merges_bring_members() {
    let text = "\
Common: &common {Effect: Allow, Resource: '*'}
Actions: &actions [oss:GetObject, oss:PutObject]
Policy:
  Statement:
    - <<: *common
      Action: *actions
    - <<: [*common]
      Effect: Deny
      Action: oss:DeleteObject
";
    let document = &documents(text)[0];
    assert_eq!(
        value(document)["Statement"],
        json!([
            {"Effect": "Allow", "Resource": "*", "Action": ["oss:GetObject", "oss:PutObject"]},
            {"Resource": "*", "Effect": "Deny", "Action": "oss:DeleteObject"},
        ])
    );
    // An alias stands for its whole expansion.
    assert_eq!(host_of(text, document, "\"oss:PutObject\""), "*actions");
    // A bomb of aliases is refused at the alias that would grow past the budget, fast.
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for level in 1..12 {
        let previous = (b'a' + level - 1) as char;
        let name = (b'a' + level) as char;
        bomb.push_str(&format!(
            "{name}: &{name} [{}]\n",
            vec![format!("*{previous}"); 10].join(", ")
        ));
    }
    bomb.push_str("Policy: {Statement: *l}\n");
    let started = std::time::Instant::now();
    let error = extract(&bomb).unwrap_err();
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    assert!(
        error.message.contains("alias expands past"),
        "{}",
        error.message
    );
    assert_eq!(&bomb[error.span.start..error.span.end], "*l");
    // A recursive alias too.
    assert!(extract("Policy: &p {Statement: [*p]}\n").is_err());
}

#[test]
fn json_in_strings_is_decoded_with_its_place_in_each_style() {
    let text = "\
Literal:
  PolicyDocument: !Sub |
    {
      \"Statement\": [{\"Effect\": \"allow\", \"Resource\": \"arn:aws:s3:::${B}\"}]
    }
Folded:
  PolicyDocument: >
    {\"Statement\":
    [{\"Effect\": \"deny\"}]}
Single:
  policyDocument: '{\"Statement\": [{\"Effect\": \"it''s\"}]}'
Double:
  policyDocument: \"{\\\"Statement\\\": [{\\\"Effect\\\": \\\"caf\\u00e9\\\"}]}\"
";
    let found = documents(text);
    assert_eq!(found.len(), 4);
    assert!(found[0].hints.interpolated && !found[1].hints.interpolated);
    assert_eq!(host_of(text, &found[0], "\"allow\""), "\"allow\"");
    assert_eq!(host_of(text, &found[1], "\"deny\""), "\"deny\"");
    assert_eq!(value(&found[2])["Statement"][0]["Effect"], "it's");
    assert_eq!(host_of(text, &found[2], "\"it's\""), "\"it''s\"");
    assert_eq!(
        host_of(text, &found[3], "\"caf\u{e9}\""),
        "\\\"caf\\u00e9\\\""
    );
}

/// `text` with the first document's edit written as YAML.
fn edited(text: &str, edit: Edit) -> Option<String> {
    let document = &documents(text)[0];
    let host = host_edit(text, document, &edit)?;
    Some(apply_edits(text, &[host]))
}

/// The edit replacing (or deleting, for "") the first `needle` of the first document.
fn edit_at(text: &str, needle: &str, replacement: &str) -> Edit {
    let document = &documents(text)[0];
    let at = document
        .text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle}"));
    Edit::replace(Span::new(at, at + needle.len()), replacement)
}

#[test]
fn replacements_are_written_as_yaml_scalars() {
    let text =
        "Statement:\n  - effect: allow  # keep\n    Action: ['x', \"y\"]\n    Resource: ['*']\n";
    assert_eq!(
        edited(text, edit_at(text, "\"allow\"", "\"Allow\"")).unwrap(),
        text.replace("allow  #", "Allow  #")
    );
    assert_eq!(
        edited(text, edit_at(text, "\"effect\"", "\"Effect\"")).unwrap(),
        text.replace("effect:", "Effect:")
    );
    // Quoted scalars keep their quotes; a plain one that would not read back is quoted.
    assert_eq!(
        edited(text, edit_at(text, "\"x\"", "\"a: b\"")).unwrap(),
        text.replace("'x'", "'a: b'")
    );
    assert_eq!(
        edited(text, edit_at(text, "\"y\"", "\"z\"")).unwrap(),
        text.replace("\"y\"", "\"z\"")
    );
    assert_eq!(
        edited(text, edit_at(text, "\"allow\"", "\"*\"")).unwrap(),
        text.replace("allow", "'*'")
    );
    // A key cannot become a number; a range that is not one scalar is not written.
    assert_eq!(edited(text, edit_at(text, "\"effect\"", "1")), None);
    assert_eq!(
        edited(text, edit_at(text, "\"allow\", \"Action\"", "\"x\"")),
        None
    );
}

#[test]
fn deletions_take_whole_lines_in_block_style_and_the_separator_in_flow_style() {
    let text = "\
Statement:
  - Action:
      - a   # first
      # about b
      - b   # second
      - c
    Resource: [x, y, z]
    Effect: Allow
";
    let delete = |needle: &str| edited(text, edit_at(text, needle, "")).unwrap();
    assert_eq!(
        delete(", \"b\""),
        text.replace("      - b   # second\n", "")
    );
    assert_eq!(
        delete("\"a\", "),
        text.replace(
            "      - a   # first\n      # about b\n      - b",
            "      - b"
        )
    );
    assert_eq!(delete(", \"c\""), text.replace("      - c\n", ""));
    assert_eq!(delete(", \"y\""), text.replace("[x, y, z]", "[x, z]"));
    assert_eq!(delete("\"x\", "), text.replace("[x, y, z]", "[y, z]"));
    assert_eq!(
        delete(", \"Effect\": \"Allow\""),
        text.replace("    Effect: Allow\n", "")
    );
    // Not an entry and its separator: not written.
    assert_eq!(edited(text, edit_at(text, "\"a\"", "")), None);
}

#[test]
fn insertions_follow_the_collection_s_style() {
    let text = "P:\n  - Statement:\n      - Effect: Allow\n        Action: [oss:GetObject]\n";
    let document = &documents(text)[0];
    let first_key = document.text.find("\"Statement\"").unwrap();
    let version = Edit::insert(first_key, "\"Version\": \"1\", ");
    assert_eq!(
        edited(text, version.clone()).unwrap(),
        "P:\n  - Version: '1'\n    Statement:\n      - Effect: Allow\n        Action: [oss:GetObject]\n"
    );
    let flow = "P: {Statement: [{Effect: Allow}]}\n";
    let first_key = documents(flow)[0].text.find("\"Statement\"").unwrap();
    assert_eq!(
        edited(flow, Edit::insert(first_key, "\"Version\": \"1\",\n  ")).unwrap(),
        "P: {Version: '1', Statement: [{Effect: Allow}]}\n"
    );
    // A flow collection written as JSON gets JSON.
    let json = "P: {\"Statement\": [{\"Effect\": \"Allow\"}]}\n";
    let first_key = documents(json)[0].text.find("\"Statement\"").unwrap();
    assert_eq!(
        edited(json, Edit::insert(first_key, "\"Version\": \"1\", ")).unwrap(),
        "P: {\"Version\": \"1\", \"Statement\": [{\"Effect\": \"Allow\"}]}\n"
    );
    let last_end = documents(json)[0].text.rfind("]}").unwrap();
    assert_eq!(
        edited(json, Edit::insert(last_end, ",\n{\"Effect\": \"Deny\"}")).unwrap(),
        "P: {\"Statement\": [{\"Effect\": \"Allow\"}, {\"Effect\": \"Deny\"}]}\n"
    );
    let statements_end = document.text.rfind("]}").unwrap();
    let append = Edit::insert(
        statements_end,
        ",\n  {\"Effect\": \"Allow\", \"Action\": \"oss:ListBuckets\", \"Resource\": \"*\"}",
    );
    assert_eq!(
        edited(text, append).unwrap(),
        "P:\n  - Statement:\n      - Effect: Allow\n        Action: [oss:GetObject]\n      - {Effect: Allow, Action: oss:ListBuckets, Resource: '*'}\n"
    );
}

#[test]
fn edits_on_aliases_merges_and_functions_are_refused() {
    let text = "\
A: &a [oss:GetObject, oss:GetObject]
Statement:
  - Action: *a
    Resource: !Sub acs:oss:*:*:${B}
  - <<: {Effect: allow}
  - NotAction: &n [x, x]
B: *n
";
    assert_eq!(edited(text, edit_at(text, ", \"oss:GetObject\"", "")), None);
    assert_eq!(
        edited(text, edit_at(text, "\"acs:oss:*:*:${B}\"", "\"x\"")),
        None
    );
    assert_eq!(edited(text, edit_at(text, ", \"x\"", "")), None);
}

#[test]
fn a_region_reads_back_as_extract_read_it() {
    let text = "Top:\n  - Statement:\n      - Effect: allow\n        Action: [a, b]\n";
    let document = &documents(text)[0];
    let span = document.map.host_span();
    assert_eq!(
        reextract(document, &text[span.start..span.end]).as_deref(),
        Some(document.text.as_ref())
    );
    let text = "P: |\n  {\"Statement\": [\n    {\"Effect\": \"allow\"}]}\n";
    let document = &documents(text)[0];
    let span = document.map.host_span();
    let region = text[span.start..span.end].replace("allow", "Allow");
    assert_eq!(
        reextract(document, &region).as_deref(),
        Some("{\"Statement\": [\n  {\"Effect\": \"Allow\"}]}")
    );
}
