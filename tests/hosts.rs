//! Policies where they live: real host files (`fixtures/hosts/<kind>/`, see their
//! `SOURCES.md`) linted at exact host positions, the documents found in each, fixes that
//! edit the host byte for byte, and the command line, config and standard input choosing
//! hosts by file name.

mod common;

use assert_cmd::Command;
use common::root;
use policylint::fix::{FixMode, fix_host_text_keeping};
use policylint::hosts::HostKind;
use policylint::report;
use policylint::rules::RuleSet;
use policylint::runner::{FileReport, lint_bytes};
use serde_json::{Value, json};
use std::fs;

fn rules() -> RuleSet {
    RuleSet::builtin().expect("built-in rules load")
}

/// Lints `text` as the file `name` (whose name picks the host).
fn lint(name: &str, text: &str) -> FileReport {
    lint_bytes(&rules(), name.to_string(), text.as_bytes().to_vec()).0
}

fn json_report(report: FileReport) -> Value {
    serde_json::from_str(&report::json::render(&[report])).unwrap()
}

/// The 1-based line and character column of a byte offset, counted here independently of
/// the linter.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (
        before.matches('\n').count() + 1,
        before[line_start..].chars().count() + 1,
    )
}

/// The diagnostic of `code` in a JSON report, with its start and end as (line, column,
/// offset).
fn located(output: &Value, code: &str) -> ((u64, u64, u64), (u64, u64, u64)) {
    let d = output["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == code)
        .unwrap_or_else(|| panic!("no {code} in {output:#}"));
    let at = |p: &Value| {
        (
            p["line"].as_u64().unwrap(),
            p["column"].as_u64().unwrap(),
            p["offset"].as_u64().unwrap(),
        )
    };
    (at(&d["start"]), at(&d["end"]))
}

/// What `located` should say for the host range `[start, end)`.
fn expected(text: &str, start: usize, end: usize) -> ((u64, u64, u64), (u64, u64, u64)) {
    let at = |offset: usize| {
        let (line, column) = line_column(text, offset);
        (line as u64, column as u64, offset as u64)
    };
    (at(start), at(end))
}

fn host_files(kind: &str) -> Vec<String> {
    let mut files: Vec<String> = fs::read_dir(root().join("fixtures/hosts").join(kind))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|name| name != "SOURCES.md")
        .map(|name| format!("fixtures/hosts/{kind}/{name}"))
        .collect();
    files.sort();
    files
}

#[test]
fn real_json_hosts_are_linted_at_host_positions() {
    assert_host_snapshots("json", 8);
}

/// Snapshots of the diagnostics of every file of `fixtures/hosts/<kind>/` (at least
/// `least` of them), pretty and JSON.
fn assert_host_snapshots(kind: &str, least: usize) {
    let files = host_files(kind);
    assert!(files.len() >= least);
    for path in files {
        let report = common::lint_repo_file(&path);
        let name = path.trim_start_matches("fixtures/").replace('/', "__");
        let reports = [report];
        insta::with_settings!({ snapshot_path => "snapshots/hosts", prepend_module_to_snapshot => false, info => &path }, {
            insta::assert_snapshot!(format!("{name}.pretty"), report::pretty::render(&reports, false));
            insta::assert_snapshot!(format!("{name}.json"), report::json::render(&reports));
        });
    }
}

/// A document as these tests list it: its first and last line in the host, its dialect
/// and its kind.
type DocumentLines = (u64, u64, Value, Value);

/// Every file of `fixtures/hosts/json/` and the documents found in it.
#[test]
fn the_documents_found_in_each_real_json_host() {
    let expected: &[(&str, &[DocumentLines])] = &[
        (
            "cfn-lambda-role.json",
            &[(23, 38, json!("aws"), json!("trust"))],
        ),
        (
            "cfn-s3-lambda-trigger.json",
            &[
                (56, 71, json!("aws"), json!("trust")),
                (76, 89, json!("aws"), json!("identity")),
            ],
        ),
        // Not JSON (a comma is missing): reported whole, as a policy file that does not parse.
        (
            "cli-iam-get-policy-version.json",
            &[(1, 17, json!(null), json!(null))],
        ),
        (
            "cli-s3-get-bucket-policy.json",
            &[(2, 2, json!("aws"), json!("resource"))],
        ),
        (
            "cli-sns-get-topic-attributes.json",
            &[(8, 8, json!("aws"), json!("resource"))],
        ),
        (
            "ros-ram-managed-policy.json",
            &[(22, 35, json!("ram"), json!("identity"))],
        ),
        (
            "ros-ram-role.json",
            &[(17, 30, json!("ram"), json!("trust"))],
        ),
        (
            "ros-ram-user-group.json",
            &[(35, 48, json!("ram"), json!("identity"))],
        ),
    ];
    assert_documents_found("json", expected);
}

/// Every file of `fixtures/hosts/<kind>/` has an entry in `expected`, and the documents
/// found in it, read by the host `kind`, are those.
fn assert_documents_found(kind: &str, expected: &[(&str, &[DocumentLines])]) {
    assert_eq!(
        host_files(kind).len(),
        expected.len(),
        "a fixture without an entry here"
    );
    for (name, documents) in expected {
        let path = format!("fixtures/hosts/{kind}/{name}");
        let output = json_report(common::lint_repo_file(&path));
        let found: Vec<DocumentLines> = output["documents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                assert_eq!(d["path"], path.as_str());
                assert_eq!(d["host"], kind, "{path}");
                (
                    d["start"]["line"].as_u64().unwrap(),
                    d["end"]["line"].as_u64().unwrap(),
                    d["dialect"].clone(),
                    d["kind"].clone(),
                )
            })
            .collect();
        assert_eq!(&found, documents, "{path}");
    }
}

#[test]
fn a_document_starts_and_ends_at_its_braces_in_the_host() {
    let path = "fixtures/hosts/json/ros-ram-role.json";
    let text = fs::read_to_string(root().join(path)).unwrap();
    let output = json_report(common::lint_repo_file(path));
    let document = &output["documents"][0];
    let start = text.find("{\n          \"Statement\"").unwrap();
    let end =
        text.find("\"Version\": \"1\"\n        }").unwrap() + "\"Version\": \"1\"\n        }".len();
    assert_eq!(document["start"]["offset"], start);
    assert_eq!(document["end"]["offset"], end);
    assert_eq!(
        (
            document["start"]["line"].as_u64(),
            document["start"]["column"].as_u64()
        ),
        (Some(17), Some(37))
    );
}

/// `document` as the value of `"Policy"` in a JSON host, encoded as JSON encoders write it,
/// its non-ASCII characters escaped as `\u` sequences (a surrogate pair past U+FFFF).
fn encoded_in_host(document: &str) -> String {
    let mut encoded = String::new();
    for c in serde_json::to_string(document).unwrap().chars() {
        if c.is_ascii() {
            encoded.push(c);
        } else {
            for unit in c.encode_utf16(&mut [0; 2]) {
                encoded.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    format!("{{\n  \"Note\": \"caf\u{e9}\",\n  \"Policy\": {encoded}\n}}\n")
}

#[test]
fn positions_are_exact_through_escapes_in_an_encoded_policy() {
    // Escapes of every kind before the findings: `\"`, `\\`, `\u00e9`, a surrogate pair.
    let document = "{\"Statement\": [{\"Sid\": \"caf\u{e9} \u{1F600} \\\\ \\\"q\\\"\", \"Effect\": \"allow\", \"Action\": [\"oss:GetObject\", \"oss:GetObject\"], \"Resource\": \"acs:oss:*:*:b/*\"}], \"Version\": \"1\"}";
    let text = &encoded_in_host(document);
    assert!(
        text.contains(r#"caf\u00e9 \ud83d\ude00 \\\\ \\\"q\\\"\""#),
        "{text}"
    );
    let output = json_report(lint("cli-output.json", text));
    let allow = text.find("\\\"allow\\\"").unwrap();
    assert_eq!(
        located(&output, "PL008"),
        expected(text, allow, allow + "\\\"allow\\\"".len())
    );
    let first = text.find("\\\"oss:GetObject\\\"").unwrap();
    let repeat = text.rfind("\\\"oss:GetObject\\\"").unwrap();
    assert_eq!(
        located(&output, "PL201"),
        expected(text, repeat, repeat + "\\\"oss:GetObject\\\"".len())
    );
    // The label points at the first one, in the host too.
    let report = lint("cli-output.json", text);
    let label = report
        .diagnostics
        .iter()
        .find(|d| d.rule.code == "PL201")
        .unwrap()
        .labels[0]
        .span;
    assert_eq!(
        (label.start, label.end),
        (first, first + "\\\"oss:GetObject\\\"".len())
    );
    assert_eq!(output["documents"][0]["dialect"], "ram");
}

#[test]
fn positions_are_exact_in_a_template_with_crlf_a_bom_and_multibyte_text() {
    let text = concat!(
        "\u{feff}{\r\n  \"Description\": \"caf\u{e9} \u{1F600} \u{4e2d}\u{6587}\",\r\n",
        "  \"Resources\": {\r\n    \"P\": {\r\n      \"Type\": \"ALIYUN::RAM::ManagedPolicy\",\r\n",
        "      \"Properties\": {\"Description\": \"\u{4e2d}\u{6587}\", \"PolicyDocument\": {\r\n",
        "        \"Statement\": [{\"Effect\": \"allow\", \"Action\": [\"oss:GetObject\", \"oss:GetObject\"],\r\n",
        "          \"Resource\": \"acs:oss:*:*:b/*\"}], \"Version\": \"1\"}}\r\n    }\r\n  }\r\n}\r\n"
    );
    let output = json_report(lint("template.json", text));
    let allow = text.find("\"allow\"").unwrap();
    assert_eq!(located(&output, "PL008"), expected(text, allow, allow + 7));
    let repeat = text.rfind("\"oss:GetObject\"").unwrap();
    assert_eq!(
        located(&output, "PL201"),
        expected(text, repeat, repeat + 15)
    );
    let document = &output["documents"][0];
    let start = text.find("{\r\n        \"Statement\"").unwrap();
    assert_eq!(document["start"]["offset"], start);
    assert_eq!(document["kind"], "identity");
    assert_eq!(document["dialect"], "ram");
    // Pretty output shows the host's own line.
    let pretty = report::pretty::render(&[lint("template.json", text)], false);
    assert!(
        pretty.contains("\"Statement\": [{\"Effect\": \"allow\""),
        "{pretty}"
    );
    assert!(pretty.contains("template.json:7:"), "{pretty}");
}

/// Fixes `text` (read as the file `name`) as `--fix --unsafe-fixes` does, but for the
/// statement `missing-list-buckets` would add: the case fixes these tests write through
/// hosts are unsafe (they turn a statement on), and an added statement is not what they
/// are about.
fn fixed(name: &str, text: &str) -> String {
    let report = lint(name, text);
    let outcome = fix_host_text_keeping(
        &rules(),
        report.host,
        text,
        report.diagnostics,
        FixMode::Unsafe,
        &|d| d.rule.name != "missing-list-buckets",
    );
    assert_eq!(outcome.refused, None, "{name}");
    outcome.text
}

/// A fixed host: what `fixed` gives is `expected`, fixing again changes nothing, and the
/// host still parses (as JSON, its Terraform expressions masked).
fn assert_fixes_to(name: &str, text: &str, expected: &str) {
    let once = fixed(name, text);
    assert_eq!(once, expected, "{name}");
    assert_eq!(fixed(name, &once), once, "{name}: a second fix changed it");
    assert!(
        policylint::hosts::check_syntax(HostKind::Json, &once).is_ok(),
        "{once}"
    );
}

#[test]
fn fixes_inside_a_template_edit_the_nested_object_byte_for_byte() {
    let text = concat!(
        "{\n  \"ROSTemplateFormatVersion\": \"2015-09-01\",\n  \"Resources\": {\n",
        "    \"Policy\": {\n      \"Type\": \"ALIYUN::RAM::ManagedPolicy\",\n",
        "      \"Properties\": {\n        \"PolicyDocument\": {\n",
        "          \"Statement\": [\n            {\n              \"Effect\": \"allow\",\n",
        "              \"Action\": [\n                \"oss:GetObject\",\n",
        "                \"oss:GetObject\",\n                \"oss:PutObject\"\n              ],\n",
        "              \"Resource\": \"acs:oss:*:*:b/*\"\n            }\n          ]\n",
        "        }\n      }\n    }\n  }\n}\n"
    );
    let expected = text
        .replace("\"allow\"", "\"Allow\"")
        .replacen("                \"oss:GetObject\",\n", "", 1)
        // PL004: the version goes first, indented as the members it joins.
        .replace(
            "          \"Statement\": [\n",
            "          \"Version\": \"1\",\n          \"Statement\": [\n",
        );
    assert_fixes_to("template.json", text, &expected);
}

#[test]
fn fixes_inside_an_encoded_policy_are_escaped_for_the_string() {
    // One line, as API output writes it.
    let text = "{\"Policy\": \"{\\\"Statement\\\":[{\\\"Effect\\\":\\\"allow\\\",\\\"Action\\\":[\\\"oss:GetObject\\\",\\\"oss:GetObject\\\"],\\\"Resource\\\":\\\"acs:oss:*:*:b/*\\\"}]}\", \"Other\": 1}\n";
    let expected = "{\"Policy\": \"{\\\"Version\\\": \\\"1\\\", \\\"Statement\\\":[{\\\"Effect\\\":\\\"Allow\\\",\\\"Action\\\":[\\\"oss:GetObject\\\"],\\\"Resource\\\":\\\"acs:oss:*:*:b/*\\\"}]}\", \"Other\": 1}\n";
    assert_fixes_to("output.json", text, expected);
    // Written on several lines with `\n` escapes, the inserted line break is escaped too.
    let text = "{\"Policy\": \"{\\n  \\\"Statement\\\": [{\\\"Effect\\\": \\\"allow\\\", \\\"Action\\\": \\\"oss:GetObject\\\", \\\"Resource\\\": \\\"*\\\"}]\\n}\"}";
    let expected = "{\"Policy\": \"{\\n  \\\"Version\\\": \\\"1\\\",\\n  \\\"Statement\\\": [{\\\"Effect\\\": \\\"Allow\\\", \\\"Action\\\": \\\"oss:GetObject\\\", \\\"Resource\\\": \\\"*\\\"}]\\n}\"}";
    assert_fixes_to("output.json", text, expected);
}

#[test]
fn fixes_leave_terraform_expressions_as_they_are() {
    let text = concat!(
        "{\n  \"Version\": \"1\",\n  \"Statement\": [\n    {\n      \"Effect\": \"Allow\",\n",
        "      \"Action\": [\"oss:GetObject\", \"oss:GetObject\"],\n",
        "      \"Resource\": ${jsonencode([for b in var.buckets : \"acs:oss:*:*:${b}/*\"])}\n",
        "    }\n  ]\n}\n"
    );
    let expected = text.replace("\"oss:GetObject\", \"oss:GetObject\"", "\"oss:GetObject\"");
    assert_fixes_to("policy.json", text, &expected);
    let report = lint("policy.json", text);
    let codes: Vec<&str> = report
        .diagnostics
        .iter()
        .map(|d| d.rule.code.as_str())
        .collect();
    // What is known is linted: the grant of objects without `oss:ListBuckets` (PL401) and
    // the repeat; the expression is neither a syntax error nor a placeholder.
    assert_eq!(codes, ["PL401", "PL201"]);
}

#[test]
fn a_cloudformation_policy_without_version_is_an_aws_policy() {
    let text = concat!(
        "{\"Resources\": {\"R\": {\"Type\": \"AWS::IAM::Role\", \"Properties\": {\n",
        "  \"AssumeRolePolicyDocument\": {\"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"sts:AssumeRole\", \"Principal\": {\"Service\": \"ec2.amazonaws.com\"}}]},\n",
        "  \"Policies\": [{\"PolicyName\": \"p\", \"PolicyDocument\": {\"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"s3:GetObject\", \"Resource\": {\"Fn::Sub\": \"arn:aws:s3:::${Bucket}/*\"}}]}}]\n",
        "}}}}\n"
    );
    let output = json_report(lint("stack.json", text));
    let documents: Vec<(&str, &str)> = output["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["dialect"].as_str().unwrap(), d["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(documents, [("aws", "trust"), ("aws", "identity")]);
    // Missing versions are reported as AWS reports them, never as RAM's `"1"`.
    for d in output["diagnostics"].as_array().unwrap() {
        assert_eq!(d["code"], "PL004", "{d:#}");
        assert!(d["message"].as_str().unwrap().contains("IAM"), "{d:#}");
    }
    assert_eq!(output["diagnostics"].as_array().unwrap().len(), 2);
}

fn policylint() -> Command {
    let mut cmd = Command::cargo_bin("policylint").unwrap();
    cmd.current_dir(root()).env_remove("NO_COLOR");
    cmd
}

#[test]
fn json_output_of_hosts_follows_the_contract() {
    let schema: Value = serde_json::from_str(
        &fs::read_to_string(root().join("tests/json-output.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let output = policylint()
        .args(["check", "fixtures/hosts", "--output-format", "json"])
        .output()
        .unwrap();
    let output: Value = serde_json::from_slice(&output.stdout).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&output)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(output["documents"].as_array().unwrap().len(), 44);
}

#[test]
fn verbose_lists_the_documents_of_each_file() {
    let output = policylint()
        .args([
            "check",
            "--verbose",
            "--exit-zero",
            "fixtures/hosts/json/cfn-s3-lambda-trigger.json",
        ])
        .output()
        .unwrap();
    let log = String::from_utf8(output.stderr).unwrap();
    assert!(
        log.contains(
            "policylint: fixtures/hosts/json/cfn-s3-lambda-trigger.json: 2 policy documents\n\
             policylint:   json 56:45-71:18 (AWS trust policy)\n\
             policylint:   json 76:43-89:26 (AWS identity policy)\n"
        ),
        "{log}"
    );
}

/// The JSON output of linting `input` from standard input under the name `name`.
fn lint_stdin(name: &str, input: impl Into<Vec<u8>>) -> Value {
    let output = policylint()
        .args([
            "check",
            "-",
            "--stdin-filename",
            name,
            "--output-format",
            "json",
        ])
        .write_stdin(input.into())
        .output()
        .unwrap();
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn standard_input_is_read_by_the_host_its_name_picks() {
    let template =
        fs::read(root().join("fixtures/hosts/json/ros-ram-managed-policy.json")).unwrap();
    let output = lint_stdin("stack.template", template);
    assert_eq!(output["documents"][0]["path"], "stack.template");
    assert_eq!(output["documents"][0]["start"]["line"], 22);
    assert_eq!(output["diagnostics"][0]["code"], "PL301");
    // A YAML template is read by the YAML host.
    let output = lint_stdin(
        "stack.template",
        "Resources:
  P:
    Type: ALIYUN::RAM::ManagedPolicy
    Properties:
      PolicyDocument: {Version: '1', Statement: []}
",
    );
    assert_eq!(output["documents"][0]["host"], "yaml");
    assert_eq!(output["documents"][0]["start"]["line"], 5);
}

#[test]
fn folder_walks_take_every_json_host_file_and_the_config_switches_the_json_host() {
    let dir = tempfile::tempdir().unwrap();
    let template =
        fs::read_to_string(root().join("fixtures/hosts/json/ros-ram-managed-policy.json")).unwrap();
    for name in ["a.json", "b.template", "c.policy", "d.json.tpl", "e.txt"] {
        fs::write(dir.path().join(name), &template).unwrap();
    }
    fs::write(
        dir.path().join("f.template"),
        "Resources: {}\nStatement: x\n",
    )
    .unwrap();
    let run = |config: Option<&str>| -> Value {
        if let Some(config) = config {
            fs::write(dir.path().join("policylint.toml"), config).unwrap();
        }
        let output = Command::cargo_bin("policylint")
            .unwrap()
            .current_dir(dir.path())
            .args(["check", ".", "--output-format", "json"])
            .output()
            .unwrap();
        serde_json::from_slice(&output.stdout).unwrap()
    };
    let paths = |output: &Value| -> Vec<String> {
        output["documents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["path"].as_str().unwrap().to_string())
            .collect()
    };
    let output = run(None);
    // `f.template` is YAML: the YAML host reads it.
    assert_eq!(
        paths(&output),
        [
            "a.json",
            "b.template",
            "c.policy",
            "d.json.tpl",
            "f.template"
        ]
    );
    assert_eq!(output["summary"]["files"], 5);
    // `exclude` applies to host files as to any file.
    let output = run(Some("exclude = [\"*.template\", \"*.tpl\"]\n"));
    assert_eq!(paths(&output), ["a.json", "c.policy"]);
    // With the JSON host off, a template is not a policy: the walk skips it.
    let output = run(Some("[hosts]\njson = false\n"));
    assert_eq!(paths(&output), ["f.template"]);
    let output = run(Some("[hosts]\njson = false\nyaml = false\n"));
    assert_eq!(paths(&output), Vec::<String>::new());
    assert_eq!(output["summary"]["files"], 0);
    // An unknown host is a config error naming the line.
    fs::write(dir.path().join("policylint.toml"), "[hosts]\njsn = true\n").unwrap();
    let output = Command::cargo_bin("policylint")
        .unwrap()
        .current_dir(dir.path())
        .args(["check", "."])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let message = String::from_utf8(output.stderr).unwrap();
    assert!(message.contains("policylint.toml:2:1"), "{message}");
}

#[test]
fn files_without_a_policy_are_skipped_in_a_walk_and_kept_when_named() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("package.json"),
        "{\"name\": \"x\", \"version\": \"1.0.0\"}",
    )
    .unwrap();
    fs::write(
        dir.path().join("data.json"),
        "{\"items\": [\"a statement, not a policy\"]}",
    )
    .unwrap();
    let output = Command::cargo_bin("policylint")
        .unwrap()
        .current_dir(dir.path())
        .args(["check", ".", "--output-format", "json"])
        .output()
        .unwrap();
    let output: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(output["summary"]["files"], 0, "{output:#}");
    let output = Command::cargo_bin("policylint")
        .unwrap()
        .current_dir(dir.path())
        .args(["check", "package.json", "--output-format", "json"])
        .output()
        .unwrap();
    let output: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(output["summary"]["files"], 1);
    assert_eq!(output["documents"].as_array().unwrap().len(), 1);
}

#[test]
fn a_fixed_template_is_written_whole_and_reported_after_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let text = concat!(
        "{\"Resources\": {\"P\": {\"Type\": \"ALIYUN::RAM::ManagedPolicy\", \"Properties\": {\"PolicyDocument\":\n",
        "  {\"Version\": \"1\", \"Statement\": [{\"Effect\": \"allow\", \"Action\": \"oss:ListBuckets\", \"Resource\": \"*\"}]}\n",
        "}}}}\n"
    );
    let path = dir.path().join("stack.template");
    fs::write(&path, text).unwrap();
    let output = Command::cargo_bin("policylint")
        .unwrap()
        .current_dir(dir.path())
        .args([
            "check",
            "--fix",
            "--unsafe-fixes",
            "stack.template",
            "--output-format",
            "json",
        ])
        .output()
        .unwrap();
    let output: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        text.replace("\"allow\"", "\"Allow\"")
    );
    assert_eq!(
        output["diagnostics"].as_array().unwrap().len(),
        0,
        "{output:#}"
    );
    assert_eq!(output["documents"][0]["start"]["line"], 2);
}

#[test]
fn a_policy_encoded_in_a_fn_sub_is_a_template_of_one() {
    let text = concat!(
        "{\"ROSTemplateFormatVersion\": \"2015-09-01\", \"Resources\": {\"P\": {\"Type\": \"ALIYUN::RAM::ManagedPolicy\",\n",
        " \"Properties\": {\"PolicyDocument\": {\"Fn::Sub\": [\"{\\\"Version\\\": \\\"1\\\", \\\"Statement\\\": [{\\\"Effect\\\": \\\"Allow\\\", ",
        "\\\"Action\\\": [\\\"oss:GetObject\\\", \\\"oss:GetObject\\\"], \\\"Resource\\\": \\\"acs:oss:*:*:${BucketName}/*\\\"}]}\", ",
        "{\"BucketName\": {\"Ref\": \"Bucket\"}}]}}}}}\n"
    );
    let output = json_report(lint("stack.json", text));
    assert_eq!(output["documents"].as_array().unwrap().len(), 1);
    assert_eq!(output["documents"][0]["dialect"], "ram");
    // `${BucketName}` is the template's, not a placeholder; the repeat is found.
    let codes: Vec<&str> = output["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["PL401", "PL201"], "{output:#}");
    let repeat = text.rfind("\\\"oss:GetObject\\\"").unwrap();
    assert_eq!(
        located(&output, "PL201"),
        expected(text, repeat, repeat + "\\\"oss:GetObject\\\"".len())
    );
}

#[test]
fn only_what_is_shaped_like_a_policy_is_one() {
    let not_policies = [
        // JSON-encoded, but no statement in it.
        "{\"Message\": \"{\\\"text\\\": \\\"a statement of account\\\"}\"}",
        // A lower-case `statement` holding prose, inside other JSON.
        "{\"items\": [{\"statement\": \"the balance is due\"}]}",
    ];
    for text in not_policies {
        let report = lint("data.json", text);
        let output = json_report(lint("data.json", text));
        // Named, the file is linted whole (as it always was); no policy is found inside.
        assert_eq!(output["documents"].as_array().unwrap().len(), 1, "{text}");
        assert_eq!(output["documents"][0]["start"]["offset"], 0, "{text}");
        let found = policylint::hosts::lint_files(
            &rules(),
            &[policylint::hosts::HostFile {
                kind: HostKind::Json,
                text,
                explicit: false,
            }],
        );
        assert!(!found[0].is_policy, "{text}: {:#?}", report.diagnostics);
    }
    // `Statement` as the walk spells it is a policy whatever its value, and is reported.
    let text = "{\"Resources\": {\"P\": {\"Properties\": {\"PolicyDocument\": {\"Version\": \"1\", \"Statement\": \"oss:GetObject\"}}}}}";
    let output = json_report(lint("stack.json", text));
    assert_eq!(
        output["documents"][0]["start"]["offset"],
        text.find("{\"Version\"").unwrap()
    );
    located(&output, "PL003");
}

// ---------------------------------------------------------------------------------------
// The YAML host: ROS and CloudFormation templates, YAML policy files and manifests
// (`fixtures/hosts/yaml/`, see its `SOURCES.md`).

#[test]
fn real_yaml_hosts_are_linted_at_host_positions() {
    assert_host_snapshots("yaml", 13);
}

/// Every file of `fixtures/hosts/yaml/` and the documents found in it.
#[test]
fn the_documents_found_in_each_real_yaml_host() {
    let expected: &[(&str, &[DocumentLines])] = &[
        (
            "ack-iam-policy.yaml",
            &[(8, 8, json!("aws"), json!("identity"))],
        ),
        ("ack-iam-role.yaml", &[(9, 9, json!("aws"), json!("trust"))]),
        (
            "cfn-bucket-policy-module.yaml",
            &[(10, 21, json!("aws"), json!("resource"))],
        ),
        // JSON in plain block scalars.
        (
            "cfn-ecs-cluster.yaml",
            &[
                (233, 241, json!("aws"), json!("trust")),
                (245, 299, json!("aws"), json!("identity")),
            ],
        ),
        // A trust policy as YAML, five `!Sub |` JSON policies, a queue policy as YAML.
        (
            "cfn-karpenter.yaml",
            &[
                (14, 21, json!("aws"), json!("trust")),
                (35, 168, json!("aws"), json!("identity")),
                (177, 253, json!("aws"), json!("identity")),
                (262, 272, json!("aws"), json!("identity")),
                (281, 295, json!("aws"), json!("identity")),
                (304, 353, json!("aws"), json!("identity")),
                (366, 382, json!("aws"), json!("resource")),
            ],
        ),
        (
            "cfn-lambda-sample.yaml",
            &[(24, 31, json!("aws"), json!("trust"))],
        ),
        (
            "ros-infraguard-admin-role.yaml",
            &[
                (11, 17, json!("ram"), json!("trust")),
                (21, 27, json!("ram"), json!("identity")),
            ],
        ),
        (
            "ros-infraguard-bucket-policy-version-number.yaml",
            &[(10, 16, json!("ram"), json!("resource"))],
        ),
        // Every value a parameter's: nothing to report.
        (
            "ros-managed-policy-from-parameters.yml",
            &[(65, 72, json!("ram"), json!("identity"))],
        ),
        (
            "ros-ram-managed-policy.yml",
            &[(15, 21, json!("ram"), json!("identity"))],
        ),
        (
            "ros-ram-role.yml",
            &[(11, 17, json!("ram"), json!("trust"))],
        ),
        (
            "ros-ram-user-group.yml",
            &[(29, 35, json!("ram"), json!("identity"))],
        ),
        (
            "ros-stack-group-administration-role.yml",
            &[
                (26, 32, json!("ram"), json!("trust")),
                (40, 46, json!("ram"), json!("identity")),
            ],
        ),
    ];
    assert_documents_found("yaml", expected);
}

/// A position as (line, column, offset).
type At = (u64, u64, u64);

/// Every diagnostic's code, start and end, and the host text it covers.
fn yaml_findings(name: &str, text: &str) -> Vec<(String, At, At, String)> {
    let output = json_report(lint(name, text));
    output["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let at = |p: &Value| {
                (
                    p["line"].as_u64().unwrap(),
                    p["column"].as_u64().unwrap(),
                    p["offset"].as_u64().unwrap(),
                )
            };
            let (start, end) = (at(&d["start"]), at(&d["end"]));
            let covered = text[start.2 as usize..end.2 as usize].replace('\r', "");
            (d["code"].as_str().unwrap().to_string(), start, end, covered)
        })
        .collect()
}

#[test]
fn yaml_positions_are_exact_through_crlf_a_bom_and_block_scalars() {
    for path in host_files("yaml") {
        let text = fs::read_to_string(root().join(&path)).unwrap();
        let name = path.rsplit('/').next().unwrap();
        let lf = yaml_findings(name, &text);
        // Each position is where the test finds it, counted here.
        for (code, start, end, covered) in &lf {
            let located = expected(&text, start.2 as usize, end.2 as usize);
            assert_eq!((*start, *end), located, "{path} {code}");
            assert!(!covered.is_empty() || code == "PL004", "{path} {code}");
        }
        // The same file with CRLF line breaks and a byte order mark: the same lines and
        // columns, offsets moved by the BOM and one byte per line break before them.
        let crlf = format!("\u{feff}{}", text.replace('\n', "\r\n"));
        let moved = |(line, column, offset): At| (line, column, offset + 3 + line - 1);
        let expected_crlf: Vec<_> = lf
            .iter()
            .map(|(code, start, end, covered)| {
                (code.clone(), moved(*start), moved(*end), covered.clone())
            })
            .collect();
        assert_eq!(yaml_findings(name, &crlf), expected_crlf, "{path}");
    }
    // Inside a plain block scalar: the repeated action, exactly.
    let path = "fixtures/hosts/yaml/cfn-ecs-cluster.yaml";
    let text = fs::read_to_string(root().join(path)).unwrap();
    let findings = yaml_findings("cfn-ecs-cluster.yaml", &text);
    let repeats: Vec<&str> = findings
        .iter()
        .filter(|f| f.0 == "PL201")
        .map(|f| f.3.as_str())
        .collect();
    assert_eq!(
        repeats,
        ["\"logs:CreateLogStream\"", "\"logs:PutLogEvents\""]
    );
    let second = text.rfind("\"logs:CreateLogStream\"").unwrap();
    let finding = findings.iter().find(|f| f.0 == "PL201").unwrap();
    assert_eq!(finding.1, expected(&text, second, second).0);
    // An unquoted `Version: 1` is the number 1, and said so where it is written.
    let path = "fixtures/hosts/yaml/ros-infraguard-bucket-policy-version-number.yaml";
    let output = json_report(common::lint_repo_file(path));
    let version = &output["diagnostics"][0];
    assert_eq!(version["code"], "PL004");
    assert!(
        version["message"].as_str().unwrap().contains("is 1, but"),
        "{version:#}"
    );
    assert_eq!(
        (
            version["start"]["line"].as_u64(),
            version["start"]["column"].as_u64()
        ),
        (Some(10), Some(18))
    );
    assert_eq!(version["fix"]["edits"][0]["replacement"], "'1'");
}

/// Fixes `text` (read as the file `name`) with every fix but the statement PL401 adds:
/// the repeats' removal is safe, the case of `Effect` and of keys is safe or unsafe
/// depending on the rule catalogue's judgement, and both are written the same in YAML.
fn fixed_yaml(name: &str, text: &str) -> String {
    let report = lint(name, text);
    let outcome = fix_host_text_keeping(
        &rules(),
        report.host,
        text,
        report.diagnostics,
        FixMode::Unsafe,
        &|d| d.rule.code != "PL401",
    );
    assert_eq!(outcome.refused, None, "{name}");
    outcome.text
}

/// A fixed YAML host: what `fixed_yaml` gives is `expected`, fixing again changes nothing,
/// and the host still parses as YAML.
fn assert_yaml_fixes_to(name: &str, text: &str, expected: &str) {
    let once = fixed_yaml(name, text);
    assert_eq!(once, expected, "{name}");
    assert_eq!(
        fixed_yaml(name, &once),
        once,
        "{name}: a second fix changed it"
    );
    assert!(
        policylint::hosts::check_syntax(HostKind::Yaml, &once).is_ok(),
        "{once}"
    );
}

#[test]
fn fixes_in_a_yaml_template_edit_the_yaml_byte_for_byte() {
    let text = concat!(
        "ROSTemplateFormatVersion: '2015-09-01'\n",
        "# The policy of the bucket.\n",
        "Resources:\n",
        "  Policy:\n",
        "    Type: ALIYUN::RAM::ManagedPolicy\n",
        "    Properties:\n",
        "      PolicyDocument:\n",
        "        Version: 1   # quoted by the fix\n",
        "\n",
        "        Statement:\n",
        "          - effect: allow\n",
        "            Action:\n",
        "              - oss:GetObject  # read\n",
        "              # the repeat below goes, this comment stays\n",
        "              - oss:GetObject  # again\n",
        "              - oss:PutObject\n",
        "            Resource: [acs:oss:*:*:b/*, 'acs:oss:*:*:b/*', acs:oss:*:*:c/*]\n",
        "Outputs: {}\n",
    );
    let expected = text
        .replace("Version: 1   #", "Version: '1'   #")
        .replace("- effect: allow", "- Effect: Allow")
        .replace("              - oss:GetObject  # again\n", "")
        .replace(
            "[acs:oss:*:*:b/*, 'acs:oss:*:*:b/*', acs:oss:*:*:c/*]",
            "[acs:oss:*:*:b/*, acs:oss:*:*:c/*]",
        );
    assert_yaml_fixes_to("stack.yaml", text, &expected);
}

#[test]
fn fixes_inside_a_json_policy_in_a_yaml_string_keep_the_block_s_indentation() {
    let text = concat!(
        "ROSTemplateFormatVersion: '2015-09-01'\n",
        "Resources:\n",
        "  Policy:\n",
        "    Type: ALIYUN::RAM::ManagedPolicy\n",
        "    Properties:\n",
        "      PolicyDocument: !Sub |\n",
        "        {\n",
        "          \"Statement\": [\n",
        "            {\n",
        "              \"Effect\": \"allow\",\n",
        "              \"Action\": [\"oss:GetObject\", \"oss:GetObject\"],\n",
        "              \"Resource\": \"acs:oss:*:*:${Bucket}/*\"\n",
        "            }\n",
        "          ]\n",
        "        }\n",
        "      PolicyName: p\n",
    );
    let expected = text
        .replace("\"allow\"", "\"Allow\"")
        .replace(
            "[\"oss:GetObject\", \"oss:GetObject\"]",
            "[\"oss:GetObject\"]",
        )
        // The version goes first, on a line of its own at the members' indentation.
        .replace(
            "          \"Statement\": [\n",
            "          \"Version\": \"1\",\n          \"Statement\": [\n",
        );
    assert_yaml_fixes_to("stack.yaml", text, &expected);
    // The same with CRLF line breaks: the inserted line break is the host's.
    let crlf = text.replace('\n', "\r\n");
    assert_yaml_fixes_to("stack.yaml", &crlf, &expected.replace('\n', "\r\n"));
    // A one-line policy in a single-quoted string (a Kubernetes manifest).
    let text = "kind: Policy\nspec:\n  policyDocument: '{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"allow\",\"Action\":[\"s3:GetObject\",\"s3:GetObject\"],\"Resource\":\"arn:aws:s3:::b/*\",\"Sid\":\"it''s\"}]}'\n";
    let expected = text
        .replace("\"allow\"", "\"Allow\"")
        .replace("[\"s3:GetObject\",\"s3:GetObject\"]", "[\"s3:GetObject\"]");
    assert_yaml_fixes_to("manifest.yaml", text, &expected);
}

#[test]
fn the_real_block_scalar_policy_is_fixed_line_by_line() {
    let path = "fixtures/hosts/yaml/cfn-ecs-cluster.yaml";
    let text = fs::read_to_string(root().join(path)).unwrap();
    let first = "                                \"logs:CreateLogStream\",\n";
    let second = "                                \"logs:PutLogEvents\",\n";
    let repeat = |text: &str, line: &str| {
        let at = text.rfind(line).unwrap();
        format!("{}{}", &text[..at], &text[at + line.len()..])
    };
    let expected = repeat(&repeat(&text, first), second);
    assert_yaml_fixes_to("cfn-ecs-cluster.yaml", &text, &expected);
}

#[test]
fn fixes_yaml_cannot_write_exactly_are_shown_as_help() {
    let text = concat!(
        "Actions: &actions [oss:GetObject, oss:GetObject]\n",
        "Policy:\n",
        "  Version: '1'\n",
        "  Statement:\n",
        "    - Effect: Allow\n",
        "      Action: *actions\n",
        "      Resource: acs:oss:*:*:b/*\n",
    );
    let report = lint("stack.yaml", text);
    let repeat = report
        .diagnostics
        .iter()
        .find(|d| d.rule.code == "PL201")
        .unwrap();
    assert!(repeat.fix.is_none());
    assert!(
        repeat
            .help
            .as_deref()
            .unwrap()
            .contains("fix not applied in this host"),
        "{repeat:?}"
    );
    // Positioned at the alias, which stands for the whole list.
    let alias = text.find("*actions").unwrap();
    assert_eq!(
        (repeat.span.start, repeat.span.end),
        (alias, alias + "*actions".len())
    );
    assert_eq!(fixed("stack.yaml", text), text);
}

#[test]
fn yaml_comments_suppress_findings_on_the_element_below_them() {
    let text = concat!(
        "Statement:\n",
        "  - Effect: Allow\n",
        "    Action:\n",
        "      - oss:GetObject\n",
        "      # policylint: ignore[PL201] kept for the audit trail\n",
        "      - oss:GetObject\n",
        "      # policylint: ignore[duplicate-action] nothing repeats here\n",
        "      - oss:PutObject\n",
        "    # policylint: ignore[wildcard-resource]\n",
        "    Resource: '*'\n",
        "  # policylint: ignore[PL302, full-access] the console needs it\n",
        "  - Effect: Allow\n",
        "    Action: oss:ListObjects\n",
        "    Resource: '*'\n",
    );
    let output = json_report(lint("policy.yaml", text));
    let found: Vec<(&str, &str, u64)> = output["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap(),
                d["rule"].as_str().unwrap(),
                d["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    // The repeat on line 6 and the second statement's wildcard resource are suppressed;
    // the comment that covers nothing, and the one without a reason, are reported; the
    // first statement's wildcard resource (the reasonless comment suppresses nothing) stays.
    assert!(
        !found.iter().any(|f| f.1 == "duplicate-action"),
        "{found:?}"
    );
    let unused: Vec<u64> = found
        .iter()
        .filter(|f| f.1 == "unused-ignore")
        .map(|f| f.2)
        .collect();
    assert_eq!(unused, [7, 9], "{found:?}");
    assert!(
        found.contains(&("PL302", "wildcard-resource", 10)),
        "{found:?}"
    );
    assert!(!found.iter().any(|f| f.2 >= 12), "{found:?}");
    let unused = output["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["rule"] == "unused-ignore")
        .unwrap();
    let comment = text.find("# policylint: ignore[duplicate-action]").unwrap();
    assert_eq!(unused["start"]["offset"], comment);
    // With the rule left out, a comment about it is not judged; one that cannot be read is.
    let output = policylint()
        .args([
            "check",
            "-",
            "--stdin-filename",
            "policy.yaml",
            "--output-format",
            "json",
        ])
        .args(["--select", "wildcard-resource,PL0"])
        .write_stdin(text)
        .output()
        .unwrap();
    let output: Value = serde_json::from_slice(&output.stdout).unwrap();
    let unused: Vec<&Value> = output["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == "unused-ignore")
        .map(|d| &d["start"]["line"])
        .collect();
    assert_eq!(unused, [&json!(9)], "{output:#}");
    // A comment above a `!Sub |` policy covers the whole string; `--select` leaving its
    // rule out does not make it unused.
    let text = concat!(
        "Resources:\n",
        "  P:\n",
        "    Properties:\n",
        "      # policylint: ignore[PL201] generated\n",
        "      PolicyDocument: !Sub |\n",
        "        {\"Version\": \"1\", \"Statement\": [{\"Effect\": \"Allow\",\n",
        "          \"Action\": [\"oss:GetObject\", \"oss:GetObject\"], \"Resource\": \"acs:oss:*:*:b/*\"}]}\n",
    );
    let report = lint("stack.yaml", text);
    assert!(
        !report
            .diagnostics
            .iter()
            .any(|d| d.rule.code == "PL201" || d.rule.name == "unused-ignore"),
        "{:?}",
        report.diagnostics
    );
}

#[test]
fn folder_walks_take_yaml_files_and_skip_yaml_that_holds_no_policy() {
    let dir = tempfile::tempdir().unwrap();
    let template = fs::read(root().join("fixtures/hosts/yaml/ros-ram-managed-policy.yml")).unwrap();
    for name in ["a.yaml", "b.yml", "c.template", "d.YAML"] {
        fs::write(dir.path().join(name), &template).unwrap();
    }
    // CI configuration, a manifest, a compose file: YAML that holds no policy.
    fs::create_dir(dir.path().join("ci")).unwrap();
    fs::write(
        dir.path().join("ci/build.yml"),
        "on: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: cargo test\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("deployment.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n",
    )
    .unwrap();
    // Broken YAML that says nothing of statements is not a policy either.
    fs::write(dir.path().join("chart.yaml"), "{{ .Values.x }}: [\n").unwrap();
    let output = Command::cargo_bin("policylint")
        .unwrap()
        .current_dir(dir.path())
        .args(["check", ".", "--output-format", "json"])
        .output()
        .unwrap();
    let output: Value = serde_json::from_slice(&output.stdout).unwrap();
    let paths: Vec<&str> = output["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["a.yaml", "b.yml", "c.template", "d.YAML"]);
    assert_eq!(output["summary"]["files"], 4);
    assert!(
        output["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["code"] == "PL301"),
        "{output:#}"
    );
}

/// JSON is YAML: every corpus policy read by the YAML host (as a `.yaml` file) gets the
/// diagnostics the JSON host gives it, at the same places, but for the text of the fixes
/// (YAML writes them in its own style). Files that are not YAML (Terraform templates,
/// comments, no-break spaces) are left out.
#[test]
fn the_corpus_read_as_yaml_lints_as_it_does_as_json() {
    let rules = rules();
    let mut compared = 0;
    for path in common::json_files("fixtures/corpus") {
        let bytes = fs::read(root().join(&path)).unwrap();
        let as_json = lint_bytes(&rules, path.clone(), bytes.clone()).0;
        let as_yaml = lint_bytes(&rules, path.replace(".json", ".yaml"), bytes).0;
        let syntax = |r: &FileReport| r.diagnostics.iter().any(|d| d.rule.code == "PL001");
        if syntax(&as_json) || syntax(&as_yaml) {
            continue;
        }
        let found = |r: &FileReport| -> Vec<_> {
            r.diagnostics
                .iter()
                .map(|d| {
                    (
                        d.rule.code.clone(),
                        d.span,
                        d.message.clone(),
                        d.fix.is_some(),
                    )
                })
                .collect()
        };
        assert_eq!(found(&as_yaml), found(&as_json), "{path}");
        compared += 1;
    }
    assert!(compared > 1200, "{compared}");
}

// Markdown host.

#[test]
fn real_markdown_hosts_are_linted_at_host_positions() {
    assert_host_snapshots("markdown", 4);
}

/// Every file of `fixtures/hosts/markdown/` and the documents found in it.
#[test]
fn the_documents_found_in_each_real_markdown_host() {
    let expected: &[(&str, &[DocumentLines])] = &[
        // A policy encoded in a Terraform string, in a block without a language, after a
        // front matter and Chinese text.
        (
            "alibabacloudstack-ascm-ram-policy-zh.md",
            &[(20, 20, json!("ram"), json!("identity"))],
        ),
        // In a numbered list item's block (indented by three), one line with a tab; the
        // CLI output block before it holds no policy.
        (
            "aws-freertos-iot-policy-in-list.md",
            &[(49, 73, json!("aws"), json!("identity"))],
        ),
        (
            "aws-s3-rw-bucket.md",
            &[(8, 24, json!("aws"), json!("identity"))],
        ),
        // Four `json` blocks with a policy; the configuration blocks with `//` comments
        // say nothing of statements and are skipped.
        (
            "guardian-alicloud-ram-readme.md",
            &[
                (18, 47, json!("ram"), json!("identity")),
                (53, 62, json!("ram"), json!("identity")),
                (68, 81, json!("ram"), json!("trust")),
                (86, 115, json!("ram"), json!("identity")),
            ],
        ),
    ];
    assert_documents_found("markdown", expected);
}

#[test]
fn markdown_positions_are_exact_in_list_items_strings_and_multibyte_text() {
    let path = "fixtures/hosts/markdown/aws-freertos-iot-policy-in-list.md";
    let text = fs::read_to_string(root().join(path)).unwrap();
    let output = json_report(common::lint_repo_file(path));
    let at = text.find("<aws-region>").unwrap();
    assert_eq!(
        located(&output, "PL109"),
        expected(&text, at, at + "<aws-region>".len())
    );
    // Through the escapes of a string and the Chinese text before it.
    let path = "fixtures/hosts/markdown/alibabacloudstack-ascm-ram-policy-zh.md";
    let text = fs::read_to_string(root().join(path)).unwrap();
    let output = json_report(common::lint_repo_file(path));
    let action = text.find("\\\"ecs:*\\\"").unwrap();
    assert_eq!(
        located(&output, "PL301"),
        expected(&text, action, action + "\\\"ecs:*\\\"".len())
    );
    // Inside a block quote, CRLF lines.
    let text = "> Note:\r\n>\r\n> ```json\r\n> {\"Version\": \"1\", \"Statement\": [{\"Effect\": \"allow\",\r\n>   \"Action\": \"oss:GetObject\", \"Resource\": \"acs:oss:*:*:b/*\"}]}\r\n> ```\r\n";
    let output = json_report(lint("quote.md", text));
    let at = text.find("\"allow\"").unwrap();
    assert_eq!(located(&output, "PL008"), expected(text, at, at + 7));
    assert_eq!(output["documents"][0]["host"], "markdown");
}

#[test]
fn fixes_in_markdown_blocks_are_byte_exact_and_idempotent() {
    let text = concat!(
        "# Guide\n\n",
        "Inline `{\"Statement\": [{\"Effect\": \"allow\"}]}` stays as it is.\n\n",
        "1. Create the policy:\n\n",
        "   ```json\n",
        "   {\n",
        "     \"Version\": \"1\",\n",
        "     \"Statement\": [\n",
        "       {\n",
        "         \"Effect\": \"allow\",\n",
        "         \"Action\": [\n",
        "           \"oss:GetObject\",\n",
        "           \"oss:GetObject\"\n",
        "         ],\n",
        "         \"Resource\": \"acs:oss:*:*:b/*\"\n",
        "       }\n",
        "     ]\n",
        "   }\n",
        "   ```\n\n",
        "> ```\n",
        "> aliyun ram CreatePolicy --PolicyDocument '{\"Version\": \"1\", \"Statement\": [{\"Effect\": \"deny\", \"Action\": \"oss:DeleteObject\", \"Resource\": \"*\"}]}'\n",
        "> ```\n",
    );
    let expected = text
        .replace("\"Effect\": \"allow\",\n", "\"Effect\": \"Allow\",\n")
        .replace(
            "\"oss:GetObject\",\n           \"oss:GetObject\"\n",
            "\"oss:GetObject\"\n",
        )
        .replace("\"Effect\": \"deny\"", "\"Effect\": \"Deny\"");
    // Every fix but PL401's, as for YAML: the file's name picks the Markdown host.
    let once = fixed_yaml("guide.md", text);
    assert_eq!(once, expected);
    assert_eq!(
        fixed_yaml("guide.md", &once),
        once,
        "a second fix changed it"
    );
    // The inline code is untouched, and nothing else in the file moved.
    assert!(once.contains("Inline `{\"Statement\": [{\"Effect\": \"allow\"}]}`"));
}

#[test]
fn html_comments_suppress_findings_in_the_markdown_block_below_them() {
    let text = concat!(
        "<!-- policylint: ignore[full-access] the administrator example -->\n",
        "```json\n",
        "{\"Version\": \"1\", \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\"}]}\n",
        "```\n\n",
        "<!-- policylint: ignore[PL201] nothing repeats below -->\n",
        "```json\n",
        "{\"Version\": \"1\", \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"ecs:*\", \"Resource\": \"*\"}]}\n",
        "```\n",
    );
    let output = json_report(lint("doc.md", text));
    let found: Vec<(&str, u64)> = output["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap(),
                d["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    // The first block's full-access is suppressed; the second comment is unused and the
    // second block's finding stays.
    assert_eq!(found, [("PL010", 6), ("PL301", 8)], "{output:#}");
}

#[test]
fn folder_walks_take_markdown_files_and_the_config_switches_them_off() {
    let dir = tempfile::tempdir().unwrap();
    let guide = fs::read(root().join("fixtures/hosts/markdown/aws-s3-rw-bucket.md")).unwrap();
    for name in ["a.md", "b.markdown", "c.MD"] {
        fs::write(dir.path().join(name), &guide).unwrap();
    }
    // Documentation without a policy, one that only speaks of statements, inline code.
    fs::write(
        dir.path().join("CHANGELOG.md"),
        "# 1.0\n\n- first release\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("notes.md"),
        "A statement in prose, and `{\"Statement\": []}` inline.\n\n```sh\necho statement\n```\n",
    )
    .unwrap();
    let documents = |args: &[&str]| -> Vec<String> {
        let output = Command::cargo_bin("policylint")
            .unwrap()
            .current_dir(dir.path())
            .args(["check", ".", "--output-format", "json", "--exit-zero"])
            .args(args)
            .output()
            .unwrap();
        let output: Value = serde_json::from_slice(&output.stdout).unwrap();
        output["documents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["path"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(documents(&[]), ["a.md", "b.markdown", "c.MD"]);
    fs::write(
        dir.path().join("policylint.toml"),
        "[hosts]\nmarkdown = false\n",
    )
    .unwrap();
    assert!(documents(&[]).is_empty());
}

// The Terraform host: real files from public projects (`fixtures/hosts/terraform/`, see its
// `SOURCES.md`), and hand-written ones for what they do not show.

#[test]
fn real_terraform_hosts_are_linted_at_host_positions() {
    assert_host_snapshots("terraform", 6);
}

/// Every file of `fixtures/hosts/terraform/` and the documents found in it.
#[test]
fn the_documents_found_in_each_real_terraform_host() {
    let expected: &[(&str, &[DocumentLines])] = &[
        (
            "alicloud-power-user-access.tf",
            &[(3, 59, json!("ram"), json!("identity"))],
        ),
        (
            "alicloud-ram-policy-heredoc.tf",
            &[(5, 20, json!("ram"), json!("identity"))],
        ),
        (
            "alicloud-ram-policy-locals.tf",
            &[(3, 21, json!("ram"), json!("identity"))],
        ),
        (
            "aws-policy-document-condition.tf",
            &[(1, 15, json!("aws"), json!("trust"))],
        ),
        (
            "aws-policy-document-dynamic.tf",
            &[(1, 14, json!("aws"), json!("resource"))],
        ),
        // The commented-out policies above and below it are not documents.
        (
            "aws-s3-bucket-policy-jsonencode.tf",
            &[(48, 75, json!("aws"), json!("resource"))],
        ),
    ];
    assert_documents_found("terraform", expected);
}

/// The diagnostics of a Terraform text as (code, start, end) host offsets (but
/// `missing-list-buckets`, about what is not there).
fn terraform_findings(text: &str) -> Vec<(String, usize, usize)> {
    let output = json_report(lint("main.tf", text));
    output["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] != "PL401")
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["start"]["offset"].as_u64().unwrap() as usize,
                d["end"]["offset"].as_u64().unwrap() as usize,
            )
        })
        .collect()
}

/// The host range of the `nth` (0-based) occurrence of `needle` in `text`.
fn nth_range(text: &str, needle: &str, nth: usize) -> (usize, usize) {
    let start = text
        .match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("no {needle} #{nth}"))
        .0;
    (start, start + needle.len())
}

#[test]
fn terraform_positions_are_exact_through_indented_heredocs_escapes_crlf_and_a_bom() {
    // An indented heredoc: `<<-` strips the least indentation; the repeated action is where
    // it is in the host, not in the stripped text.
    let heredoc = concat!(
        "\u{feff}# caf\u{e9} \u{1F600}\n",
        "resource \"alicloud_ram_policy\" \"p\" {\n",
        "  policy_document = <<-POLICY\n",
        "    {\n",
        "      \"Version\": \"1\",\n",
        "      \"Statement\": [{\n",
        "        \"Effect\": \"Allow\",\n",
        "        \"Action\": [\"oss:GetObject\", \"oss:GetObject\"],\n",
        "        \"Resource\": \"acs:oss:*:*:${var.bucket}/caf\u{e9}/*\"\n",
        "      }]\n",
        "    }\n",
        "    POLICY\n",
        "}\n",
    );
    let (start, end) = nth_range(heredoc, "\"oss:GetObject\"", 1);
    assert_eq!(
        terraform_findings(heredoc),
        [("PL201".to_string(), start, end)]
    );
    let crlf = heredoc.replace('\n', "\r\n");
    let (start, end) = nth_range(&crlf, "\"oss:GetObject\"", 1);
    assert_eq!(
        terraform_findings(&crlf),
        [("PL201".to_string(), start, end)]
    );
    // Lines and character columns too (the BOM counts on line 1 only; this is line 8).
    let report = json_report(lint("main.tf", &crlf));
    assert_eq!(located(&report, "PL201"), expected(&crlf, start, end));

    // A quoted string: `\"`, `\u00e9` and `\\` escapes stand for their host bytes whole.
    let quoted = concat!(
        "resource \"aws_iam_role\" \"r\" {\n",
        "  assume_role_policy = \"{\\\"Version\\\":\\\"2012-10-17\\\",\\\"Statement\\\":[{\\\"Sid\\\":\\\"caf\\u00e9 \\\\\\\\\\\",",
        "\\\"Effect\\\":\\\"Allow\\\",\\\"Action\\\":[\\\"sts:AssumeRole\\\",\\\"sts:AssumeRole\\\"],",
        "\\\"Principal\\\":{\\\"Service\\\":\\\"ec2.amazonaws.com\\\"}}]}\"\n",
        "}\n",
    );
    let (start, end) = nth_range(quoted, "\\\"sts:AssumeRole\\\"", 1);
    assert_eq!(
        terraform_findings(quoted),
        [("PL201".to_string(), start, end)]
    );

    // jsonencode: the finding points at the HCL string, whatever its quoting.
    let object = concat!(
        "resource \"aws_iam_policy\" \"p\" {\n",
        "  policy = jsonencode({\n",
        "    Version = \"2012-10-17\" # the only version\n",
        "    \"Statement\" : [{\n",
        "      Effect = \"Allow\", // one line\n",
        "      Action = [\"s3:GetObject\", \"s3:GetObject\", ],\n",
        "      /* scoped */ Resource = \"arn:aws:s3:::${var.bucket}/*\"\n",
        "    }]\n",
        "  })\n",
        "}\n",
    );
    let (start, end) = nth_range(object, "\"s3:GetObject\"", 1);
    assert_eq!(
        terraform_findings(object),
        [("PL201".to_string(), start, end)]
    );
}

#[test]
fn a_policy_document_data_source_is_linted_on_its_hcl_attributes() {
    let text = concat!(
        "data \"alicloud_ram_policy_document\" \"d\" {\n",
        "  statement {\n",
        "    action   = [\"oss:GetObject\", \"oss:GetObject\"]\n",
        "    resource = [\"acs:oss:*:*:b/*\"]\n",
        "  }\n",
        "  statement {\n",
        "    effect   = \"Allow\"\n",
        "    action   = [\"sts:AssumeRole\"]\n",
        "    principal {\n",
        "      entity      = \"RAM\"\n",
        "      identifiers = [\"*\"]\n",
        "    }\n",
        "    condition {\n",
        "      operator = \"IpAddres\"\n",
        "      variable = \"acs:SourceIp\"\n",
        "      values   = [\"10.0.0.0/8\"]\n",
        "    }\n",
        "  }\n",
        "}\n",
    );
    let output = json_report(lint("main.tf", text));
    let documents = output["documents"].as_array().unwrap();
    assert_eq!(documents.len(), 1);
    assert_eq!(documents[0]["dialect"], "ram");
    assert_eq!(documents[0]["start"]["offset"], 0);
    assert_eq!(documents[0]["end"]["offset"], text.len() as u64 - 1);
    let found = terraform_findings(text);
    // No Version is "1": the provider's default, not a mistake.
    assert!(found.iter().all(|(code, ..)| code != "PL004"), "{found:?}");
    let (start, end) = nth_range(text, "\"oss:GetObject\"", 1);
    assert!(
        found.contains(&("PL201".to_string(), start, end)),
        "{found:?}"
    );
    // The operator is a condition block's attribute value, merged into a JSON key: the
    // finding points at the start of the block it comes from.
    let block = text.find("condition {").unwrap();
    assert!(
        found.iter().any(|f| f.0 == "PL106" && f.1 == block),
        "{found:?}"
    );
    // Fixes cannot be written into HCL from JSON: shown as help, never applied.
    let duplicate = output["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "PL201")
        .unwrap();
    assert_eq!(duplicate["fix"], Value::Null);
    assert!(
        duplicate["help"]
            .as_str()
            .unwrap()
            .contains("fix not applied in this host")
    );
    assert_eq!(fixed("main.tf", text), text);
}

/// A fixed Terraform host: what `fixed` gives is `expected`, fixing again changes
/// nothing, and the host still parses as HCL.
fn assert_terraform_fixes_to(text: &str, expected: &str) {
    let once = fixed("main.tf", text);
    assert_eq!(once, expected);
    assert_eq!(fixed("main.tf", &once), once, "a second fix changed it");
    assert!(
        policylint::hosts::check_syntax(HostKind::Terraform, &once).is_ok(),
        "{once}"
    );
}

#[test]
fn fixes_in_heredocs_and_quoted_strings_edit_the_hcl_byte_for_byte() {
    // `<<-`: a fix that adds a line writes it at the heredoc's indentation.
    let indented = concat!(
        "resource \"alicloud_ram_policy\" \"p\" {\n",
        "  policy_document = <<-EOT\n",
        "    {\n",
        "      \"Statement\": [{\"Effect\": \"allow\", \"Action\": [\"oss:GetObject\", \"oss:GetObject\"], \"Resource\": \"acs:oss:*:*:${var.b}/*\"}]\n",
        "    }\n",
        "  EOT\n",
        "}\n",
    );
    let expected = concat!(
        "resource \"alicloud_ram_policy\" \"p\" {\n",
        "  policy_document = <<-EOT\n",
        "    {\n",
        "      \"Version\": \"1\",\n",
        "      \"Statement\": [{\"Effect\": \"Allow\", \"Action\": [\"oss:GetObject\"], \"Resource\": \"acs:oss:*:*:${var.b}/*\"}]\n",
        "    }\n",
        "  EOT\n",
        "}\n",
    );
    assert_terraform_fixes_to(indented, expected);
    // With CRLF line breaks the added `Version` line is not written yet (left to do); the
    // edits inside lines are.
    assert_terraform_fixes_to(
        &indented.replace('\n', "\r\n"),
        &expected
            .replace("      \"Version\": \"1\",\n", "")
            .replace('\n', "\r\n"),
    );
    // `<<`: the text is the heredoc's as it is.
    let plain = indented.replace("<<-EOT", "<<EOT");
    let fixed_plain = fixed("main.tf", &plain);
    assert!(
        fixed_plain.contains("\"Action\": [\"oss:GetObject\"]"),
        "{fixed_plain}"
    );
    assert!(
        fixed_plain.contains("\"Effect\": \"Allow\""),
        "{fixed_plain}"
    );
    assert_eq!(fixed("main.tf", &fixed_plain), fixed_plain);
    // A quoted string: the replacement is escaped for HCL.
    let quoted = concat!(
        "resource \"alicloud_ram_policy\" \"p\" {\n",
        "  policy_document = \"{\\\"Version\\\": \\\"1\\\", \\\"Statement\\\": [{\\\"Effect\\\": \\\"allow\\\", \\\"Action\\\": [\\\"oss:GetObject\\\", \\\"oss:GetObject\\\"], \\\"Resource\\\": \\\"acs:oss:*:*:${var.b}/*\\\"}]}\"\n",
        "}\n",
    );
    let expected = concat!(
        "resource \"alicloud_ram_policy\" \"p\" {\n",
        "  policy_document = \"{\\\"Version\\\": \\\"1\\\", \\\"Statement\\\": [{\\\"Effect\\\": \\\"Allow\\\", \\\"Action\\\": [\\\"oss:GetObject\\\"], \\\"Resource\\\": \\\"acs:oss:*:*:${var.b}/*\\\"}]}\"\n",
        "}\n",
    );
    assert_terraform_fixes_to(quoted, expected);
    // Safe fixes only (what `--fix` applies) are byte-exact too.
    let report = lint("main.tf", quoted);
    let outcome = fix_host_text_keeping(
        &rules(),
        report.host,
        quoted,
        report.diagnostics,
        FixMode::Safe,
        &|_| true,
    );
    assert_eq!(
        outcome.text,
        quoted.replace(
            "\\\"oss:GetObject\\\", \\\"oss:GetObject\\\"",
            "\\\"oss:GetObject\\\""
        )
    );
}

#[test]
fn interpolations_and_directives_are_template_values_never_mistakes() {
    let text = concat!(
        "locals {\n",
        "  policy = <<EOF\n",
        "{\n",
        "  \"Version\": \"2012-10-17\",\n",
        "  \"Statement\": [\n",
        "    %{ for b in var.buckets ~}\n",
        "    {\"Effect\": \"Allow\", \"Action\": \"s3:GetObject\", \"Resource\": \"arn:aws:s3:::${b}/*\"},\n",
        "    %{ endfor ~}\n",
        "    {\n",
        "      \"Effect\": \"${var.effect}\",\n",
        "      \"Action\": ${jsonencode(var.actions)},\n",
        "      \"Resource\": [%{ if var.all }\"*\"%{ else }\"${var.arn}\"%{ endif }],\n",
        "      \"Condition\": {\"StringEquals\": {\"aws:username\": \"$${aws:username}\"}}\n",
        "    }\n",
        "  ]\n",
        "}\n",
        "EOF\n",
        "  quoted = \"{\\\"Statement\\\": [{\\\"Effect\\\": \\\"Allow\\\", \\\"Action\\\": \\\"${var.action}\\\", \\\"Resource\\\": ${jsonencode(local.arns)}}]}\"\n",
        "}\n",
    );
    let output = json_report(lint("main.tf", text));
    assert_eq!(
        output["documents"].as_array().unwrap().len(),
        2,
        "{output:#}"
    );
    let codes: Vec<&str> = output["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    for never in ["PL001", "PL003", "PL008", "PL109"] {
        assert!(!codes.contains(&never), "{never} in {output:#}");
    }
}

#[test]
fn terraform_comments_suppress_findings_on_the_element_below_them() {
    let text = concat!(
        "resource \"aws_iam_policy\" \"p\" {\n",
        "  policy = jsonencode({\n",
        "    Version = \"2012-10-17\"\n",
        "    Statement = [{\n",
        "      Effect = \"Allow\"\n",
        "      # policylint: ignore[PL201] kept for the audit trail\n",
        "      Action = [\"s3:GetObject\", \"s3:GetObject\"]\n",
        "      // policylint: ignore[wildcard-resource] reads every bucket on purpose\n",
        "      Resource = \"*\"\n",
        "    }]\n",
        "  })\n",
        "}\n",
        "data \"aws_iam_policy_document\" \"d\" {\n",
        "  /* policylint: ignore[duplicate-action] nothing repeats here */\n",
        "  statement {\n",
        "    actions   = [\"s3:GetObject\"]\n",
        "    resources = [\"arn:aws:s3:::b/*\"]\n",
        "  }\n",
        "  # policylint: ignore[PL201]\n",
        "  statement {\n",
        "    actions   = [\"s3:PutObject\"]\n",
        "    resources = [\"arn:aws:s3:::b/*\"]\n",
        "  }\n",
        "}\n",
    );
    let output = json_report(lint("main.tf", text));
    let found: Vec<(&str, u64)> = output["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap(),
                d["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    // The two used comments suppress; the unused one and the one without a reason are
    // reported where they are.
    assert_eq!(found, [("PL010", 14), ("PL010", 19)], "{output:#}");
}

#[test]
fn folder_walks_take_terraform_files_and_the_config_switches_them_off() {
    let dir = tempfile::tempdir().unwrap();
    let heredoc =
        fs::read(root().join("fixtures/hosts/terraform/alicloud-ram-policy-heredoc.tf")).unwrap();
    fs::write(dir.path().join("main.tf"), &heredoc).unwrap();
    fs::write(dir.path().join("variables.tf"), "variable \"x\" {}\n").unwrap();
    fs::write(dir.path().join("notes.tfvars"), &heredoc).unwrap();
    let run = |config: Option<&str>| -> Value {
        if let Some(config) = config {
            fs::write(dir.path().join("policylint.toml"), config).unwrap();
        }
        let output = policylint()
            .current_dir(dir.path())
            .args(["check", ".", "--output-format", "json"])
            .output()
            .unwrap();
        serde_json::from_slice(&output.stdout).unwrap()
    };
    let output = run(None);
    assert_eq!(output["summary"]["files"], 1, "{output:#}");
    assert_eq!(output["documents"][0]["path"], "main.tf");
    assert_eq!(output["documents"][0]["host"], "terraform");
    let output = run(Some("[hosts]\nterraform = false\n"));
    assert_eq!(output["summary"]["files"], 0, "{output:#}");
    // A broken Terraform file that may hold a policy is a json-syntax error at its place.
    fs::remove_file(dir.path().join("policylint.toml")).unwrap();
    fs::write(
        dir.path().join("broken.tf"),
        "resource \"a\" \"b\" {\n  policy = <<EOF\n{\"Statement\": []}\n",
    )
    .unwrap();
    let output = run(None);
    let broken: Vec<&Value> = output["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["path"] == "broken.tf")
        .collect();
    assert_eq!(broken.len(), 1, "{output:#}");
    assert_eq!(broken[0]["code"], "PL001");
}

/// An AWS identity policy of `n` statements, each naming its own bucket (about 120
/// characters a statement).
fn s3_policy(n: usize) -> String {
    let statements: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"Sid": "Read{i:03}", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::team-reports-{i:03}/*"}}"#))
        .collect();
    format!(
        r#"{{"Version": "2012-10-17", "Statement": [{}]}}"#,
        statements.join(", ")
    )
}

/// A trust policy naming `n` roles (about 40 characters each).
fn trust_policy(n: usize) -> String {
    let roles: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#""arn:aws:iam::{:012}:role/deploy""#,
                100_000_000_000u64 + i as u64
            )
        })
        .collect();
    format!(
        r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Principal": {{"AWS": [{}]}}, "Action": "sts:AssumeRole"}}]}}"#,
        roles.join(", ")
    )
}

/// The PL108 messages of a report, in order.
fn size_findings(report: FileReport) -> Vec<String> {
    report
        .diagnostics
        .iter()
        .filter(|d| d.rule.name == "policy-too-large")
        .map(|d| d.message.clone())
        .collect()
}

/// Issue #24: the size limit is the one of the holder a template puts the policy in.
#[test]
fn size_limits_follow_the_holder_of_the_policy() {
    // 60 statements: about 6,900 characters, over a managed policy's 6,144 and under a
    // role's 10,240; 20 statements: over a user's 2,048; 60 roles: over a trust policy's.
    let terraform = format!(
        "resource \"aws_iam_role\" \"deploy\" {{\n  name = \"deploy\"\n  assume_role_policy = <<EOF\n{}\nEOF\n}}\n\n\
         resource \"aws_iam_role_policy\" \"reports\" {{\n  role = aws_iam_role.deploy.id\n  policy = <<EOF\n{}\nEOF\n}}\n\n\
         resource \"aws_iam_user_policy\" \"reports\" {{\n  user = \"analyst\"\n  policy = <<EOF\n{}\nEOF\n}}\n\n\
         resource \"aws_iam_policy\" \"reports\" {{\n  name = \"reports\"\n  policy = <<EOF\n{}\nEOF\n}}\n",
        trust_policy(60),
        s3_policy(60),
        s3_policy(20),
        s3_policy(60),
    );
    let found = size_findings(lint("main.tf", &terraform));
    assert_eq!(found.len(), 3, "{found:#?}");
    assert!(
        found[0].starts_with("an IAM role trust policy may hold 2,048 characters; this one has 2,"),
        "{found:#?}"
    );
    assert!(
        found[1].starts_with("the inline policies of an IAM user may hold 2,048 characters"),
        "{found:#?}"
    );
    assert!(
        found[2].starts_with("an IAM managed policy may hold 6,144 characters; this one has 6,"),
        "{found:#?}"
    );
    // CloudFormation: an inline policy of a role, a managed policy and a bucket policy.
    let template = format!(
        r#"{{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {{
  "Role": {{"Type": "AWS::IAM::Role", "Properties": {{"AssumeRolePolicyDocument": {}, "Policies": [{{"PolicyName": "reports", "PolicyDocument": {}}}]}}}},
  "Managed": {{"Type": "AWS::IAM::ManagedPolicy", "Properties": {{"PolicyDocument": {}}}}},
  "Bucket": {{"Type": "AWS::S3::BucketPolicy", "Properties": {{"Bucket": "team-reports", "PolicyDocument": {}}}}}
}}}}"#,
        trust_policy(10),
        s3_policy(60),
        s3_policy(60),
        s3_policy(60).replace(
            r#""Effect": "Allow","#,
            r#""Effect": "Allow", "Principal": {"AWS": "111122223333"},"#
        ),
    );
    let found = size_findings(lint("stack.json", &template));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].starts_with("an IAM managed policy may hold 6,144"),
        "{found:#?}"
    );
    // YAML: a role's inline policy is held to the role's 10,240, not a managed policy's
    // 6,144 (which its shape alone would give), and a user's to 2,048.
    let yaml = format!(
        "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Role:\n    Type: AWS::IAM::Role\n    Properties:\n      Policies:\n        - PolicyName: reports\n          PolicyDocument: {}\n  User:\n    Type: AWS::IAM::User\n    Properties:\n      Policies:\n        - PolicyName: reports\n          PolicyDocument: {}\n",
        s3_policy(60),
        s3_policy(20),
    );
    let found = size_findings(lint("stack.yaml", &yaml));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].starts_with("the inline policies of an IAM user may hold 2,048"),
        "{found:#?}"
    );
    // The same inline policy alone, in a plain file, is held to a managed policy's limit.
    let found = size_findings(lint("reports.json", &s3_policy(60)));
    assert!(
        found[0].starts_with("an IAM managed policy may hold 6,144"),
        "{found:#?}"
    );
}

/// A rule file that sets `max-characters` holds every document to it, whatever its kind.
#[test]
fn the_max_characters_option_overrides_every_kind() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("team-rules")).unwrap();
    fs::write(
        dir.path().join("team-rules/PLX01-short-policies.toml"),
        r#"code = "PLX01"
name = "short-policies"
severity = "warning"
category = "team"
summary = "Policies stay short."
explanation = "Our reviewers read policies whole."
bad = "{}"
good = "{}"

[[check]]
builtin = "policy-too-large"
options = { max-characters = 1000 }
"#,
    )
    .unwrap();
    fs::write(
        dir.path().join("policylint.toml"),
        "rules-dirs = [\"team-rules\"]\nselect = [\"PLX01\"]\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("bucket.json"),
        s3_policy(20).replace(
            r#""Effect": "Allow","#,
            r#""Effect": "Allow", "Principal": {"AWS": "111122223333"},"#,
        ),
    )
    .unwrap();
    let output = policylint()
        .current_dir(dir.path())
        .args(["check", "--output-format", "json", "."])
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    let messages: Vec<&str> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["message"].as_str().unwrap())
        .collect();
    assert_eq!(messages.len(), 1, "{json:#}");
    assert!(
        messages[0].starts_with(
            "this policy (the rule's `max-characters` option) may hold 1,000 characters"
        ),
        "{messages:?}"
    );
}
