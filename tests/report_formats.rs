//! The CI formats: SARIF (checked against the official OASIS schema), GitHub workflow
//! commands, JUnit XML, GitLab Code Quality, and `--statistics`.

mod common;

use assert_cmd::Command;
use common::{lint_repo_file, root};
use policylint::report;
use policylint::rules::RuleSet;
use quick_xml::events::Event;
use std::fs;
use std::path::Path;

const SEED_OSS: &str = "fixtures/seeds/pai-designer-oss.json";

/// One line, an emoji (two UTF-16 code units, one character) before a repeated action.
const EMOJI_POLICY: &str = r#"{"Version": "1", "Statement": [{"Sid": "😀", "Effect": "Allow", "Action": ["oss:GetObject", "oss:GetObject"], "Resource": "acs:oss:*:*:b/*"}, {"Effect": "Allow", "Action": "oss:ListBuckets", "Resource": "*"}]}"#;

fn policylint_in(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("policylint").unwrap();
    cmd.current_dir(dir).env_remove("NO_COLOR");
    cmd
}

fn policylint() -> Command {
    policylint_in(&root())
}

fn stdout(cmd: &mut Command) -> String {
    let output = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    String::from_utf8(output.stdout).unwrap()
}

fn sarif(cmd: &mut Command) -> serde_json::Value {
    let text = stdout(cmd.args(["--output-format", "sarif"]));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

fn json(cmd: &mut Command) -> serde_json::Value {
    serde_json::from_str(&stdout(cmd.args(["--output-format", "json"]))).unwrap()
}

/// The `language` pattern of the 2.1.0 schema (in `run` and `toolComponent`) has a stray
/// `]`, so it is not a valid ECMA-262 regex and draft-07 meta-validation rejects the whole
/// schema; SARIF 2.1.0 Errata 01 corrected it to this. policylint emits no `language`.
const BROKEN_LANGUAGE_PATTERN: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";
const ERRATA_LANGUAGE_PATTERN: &str = "^[a-zA-Z]{2}(-[a-zA-Z]{2})?$";

fn sarif_validator() -> jsonschema::Validator {
    let text = fs::read_to_string(root().join("tests/sarif-schema-2.1.0.json")).unwrap();
    let broken = serde_json::to_string(BROKEN_LANGUAGE_PATTERN).unwrap();
    assert_eq!(
        text.matches(&broken).count(),
        2,
        "the schema changed: is the errata patch below still needed?"
    );
    let errata = serde_json::to_string(ERRATA_LANGUAGE_PATTERN).unwrap();
    let schema: serde_json::Value = serde_json::from_str(&text.replace(&broken, &errata)).unwrap();
    // The official schema is draft-07; say so, and make `format` (uri, uri-reference) an
    // assertion rather than an annotation.
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

fn schema_errors(validator: &jsonschema::Validator, sarif: &serde_json::Value) -> Vec<String> {
    validator
        .iter_errors(sarif)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

/// Files that exercise the odd corners: not UTF-8, an emoji, a path with spaces, commas,
/// colons and `%`, and a path that does not exist.
fn odd_files(dir: &Path) -> Vec<String> {
    let odd = dir.join("a dir,with:odd%chars");
    fs::create_dir_all(&odd).unwrap();
    fs::write(odd.join("emoji policy.json"), EMOJI_POLICY).unwrap();
    fs::write(
        dir.join("latin1.json"),
        b"{\"Version\": \"1\", \"Statement\": [\xe9]}",
    )
    .unwrap();
    fs::write(dir.join("bom.json"), format!("\u{feff}{EMOJI_POLICY}")).unwrap();
    vec![
        odd.join("emoji policy.json").display().to_string(),
        dir.join("latin1.json").display().to_string(),
        dir.join("bom.json").display().to_string(),
        dir.join("missing.json").display().to_string(),
    ]
}

#[test]
fn sarif_output_of_the_fixtures_follows_the_official_schema() {
    let validator = sarif_validator();
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec![
        "fixtures/seeds".to_string(),
        "fixtures/rules".to_string(),
        "fixtures/no-such-file.json".to_string(),
    ];
    args.extend(odd_files(dir.path()));
    let output = sarif(policylint().args(&args));
    let errors = schema_errors(&validator, &output);
    assert!(errors.is_empty(), "{errors:#?}");

    // Every diagnostic is there: results for rules, notifications for PL000.
    let contract = json(policylint().args(&args));
    let diagnostics = contract["diagnostics"].as_array().unwrap();
    let run = &output["runs"][0];
    let results = run["results"].as_array().unwrap();
    let notifications = run["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    let (io, linted): (Vec<_>, Vec<_>) = diagnostics.iter().partition(|d| d["code"] == "PL000");
    assert_eq!(results.len(), linted.len());
    assert!(results.len() > 100);
    assert_eq!(notifications.len(), io.len());
    assert_eq!(notifications.len(), 2, "{notifications:#?}");
    assert!(results.iter().any(|r| r["fixes"].is_array()));
    assert!(results.iter().any(|r| r["relatedLocations"].is_array()));
    // The catalogues the rules consulted, with their version and date.
    let extensions = run["tool"]["extensions"].as_array().unwrap();
    let aws = policylint::catalogue::aws();
    assert!(extensions.iter().any(|e| e["name"] == "aws-catalogue"
        && e["version"] == aws.version()
        && e["releaseDateUtc"] == aws.date()));
    assert!(extensions.iter().any(|e| e["name"] == "ram-catalogue"));
    // Same order as the JSON contract: by path, then position.
    for (result, d) in results.iter().zip(&linted) {
        assert_eq!(result["ruleId"], d["code"]);
        assert_eq!(
            result["locations"][0]["physicalLocation"]["region"]["startLine"],
            d["start"]["line"]
        );
    }
}

/// What a breakage is called, and how it breaks a SARIF log.
type Breakage = (&'static str, fn(&mut serde_json::Value));

#[test]
fn the_schema_check_catches_broken_sarif() {
    let validator = sarif_validator();
    let good = sarif(policylint().arg(SEED_OSS));
    assert!(schema_errors(&validator, &good).is_empty());
    let breakages: [Breakage; 5] = [
        ("column 0", |s| {
            s["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startColumn"] =
                0.into()
        }),
        ("unknown level", |s| {
            s["runs"][0]["results"][0]["level"] = "info".into()
        }),
        ("unknown property", |s| {
            s["runs"][0]["results"][0]["severity"] = "warning".into()
        }),
        ("no message", |s| {
            s["runs"][0]["results"][0]
                .as_object_mut()
                .unwrap()
                .remove("message");
        }),
        ("not a URI reference", |s| {
            s["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] =
                "a b:c/%zz".into()
        }),
    ];
    for (what, breakage) in breakages {
        let mut broken = good.clone();
        breakage(&mut broken);
        assert!(
            !schema_errors(&validator, &broken).is_empty(),
            "the schema check misses: {what}"
        );
    }
}

#[test]
fn sarif_describes_every_rule_of_the_rule_set() {
    let output = sarif(policylint().arg(SEED_OSS));
    let driver = &output["runs"][0]["tool"]["driver"];
    assert_eq!(driver["name"], "policylint");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    let repository = env!("CARGO_PKG_REPOSITORY");
    if !repository.is_empty() {
        assert_eq!(driver["informationUri"], repository);
    }
    let rules = RuleSet::builtin().unwrap();
    let described = driver["rules"].as_array().unwrap();
    assert_eq!(described.len(), rules.rules.len());
    for (sarif_rule, rule) in described.iter().zip(&rules.rules) {
        assert_eq!(sarif_rule["id"], rule.id.code);
        assert_eq!(sarif_rule["name"], rule.id.name);
        assert_eq!(
            sarif_rule["shortDescription"]["text"],
            rule.doc.summary.trim()
        );
        assert_eq!(
            sarif_rule["fullDescription"]["text"],
            rule.doc.explanation.trim()
        );
        for format in ["text", "markdown"] {
            let help = sarif_rule["help"][format].as_str().unwrap();
            for example in [&rule.doc.bad, &rule.doc.good] {
                let first_line = example.trim().lines().next().unwrap();
                assert!(help.contains(first_line), "{}: {help}", rule.id.code);
            }
        }
        let level = match rule.severity {
            policylint::diagnostic::Severity::Error => "error",
            policylint::diagnostic::Severity::Warning => "warning",
            policylint::diagnostic::Severity::Info => "note",
        };
        assert_eq!(sarif_rule["defaultConfiguration"]["level"], level);
        assert_eq!(sarif_rule["properties"]["category"], rule.id.category);
        // GitHub's security score: a number from 0.0 to 10.0 in a string, high for the
        // security errors.
        let score: f64 = sarif_rule["properties"]["security-severity"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((0.1..=10.0).contains(&score), "{}: {score}", rule.id.code);
        let expected = match (rule.id.category.as_str(), level) {
            ("security", "error") => 7.0..9.0,
            ("security", "warning") => 4.0..7.0,
            (_, "error") => 0.1..7.0,
            _ => 0.1..4.0,
        };
        assert!(expected.contains(&score), "{}: {score}", rule.id.code);
        // The rule's documentation: its file in the repository, which exists.
        assert_eq!(
            sarif_rule["helpUri"],
            format!("{repository}/blob/main/{}", rule.file)
        );
        assert!(root().join(&rule.file).is_file(), "{}", rule.file);
    }
    assert!(!repository.is_empty(), "Cargo.toml names the repository");
    // A team rule has no page in policylint's repository.
    let team = sarif(policylint().args([
        "--rules",
        "fixtures/custom-rules/team-rules",
        "fixtures/custom-rules/delete-bucket.json",
    ]));
    let team_rule = team["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "ACME001")
        .unwrap();
    assert!(team_rule.get("helpUri").is_none(), "{team_rule}");
    assert_eq!(team_rule["properties"]["security-severity"], "2.0");
    // Results point at their rule.
    for result in output["runs"][0]["results"].as_array().unwrap() {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(described[index]["id"], result["ruleId"]);
    }
}

#[test]
fn sarif_columns_count_utf16_code_units_and_paths_are_uris() {
    let dir = tempfile::tempdir().unwrap();
    let files = odd_files(dir.path());
    // Relative paths, from inside the folder.
    let output = sarif(policylint_in(dir.path()).args([
        "a dir,with:odd%chars/emoji policy.json",
        "bom.json",
        "missing.json",
    ]));
    assert!(schema_errors(&sarif_validator(), &output).is_empty());
    let results = output["runs"][0]["results"].as_array().unwrap();
    assert_eq!(output["runs"][0]["columnKind"], "utf16CodeUnits");
    let duplicate = |uri: &str| {
        results
            .iter()
            .find(|r| {
                r["ruleId"] == "PL201"
                    && r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == uri
            })
            .unwrap_or_else(|| panic!("no PL201 for {uri} in {results:#?}"))
    };
    let result = duplicate("a%20dir%2Cwith%3Aodd%25chars/emoji%20policy.json");
    let location = &result["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    // The second `"oss:GetObject"`: columns before it in UTF-16 code units, plus one.
    let start = EMOJI_POLICY.rfind("\"oss:GetObject\"").unwrap();
    let end = start + "\"oss:GetObject\"".len();
    let utf16 = |offset: usize| EMOJI_POLICY[..offset].encode_utf16().count() + 1;
    assert_eq!(
        location["region"],
        serde_json::json!({"startLine": 1, "startColumn": utf16(start), "endLine": 1, "endColumn": utf16(end)})
    );
    // The JSON contract counts characters: one fewer after the emoji.
    let contract = json(policylint_in(dir.path()).arg("a dir,with:odd%chars/emoji policy.json"));
    let d = &contract["diagnostics"].as_array().unwrap()[0];
    assert_eq!(d["code"], "PL201");
    assert_eq!(
        d["start"]["column"].as_u64().unwrap() as usize,
        utf16(start) - 1
    );
    // A byte order mark is not a column.
    let bom = duplicate("bom.json");
    assert_eq!(
        bom["locations"][0]["physicalLocation"]["region"],
        location["region"]
    );
    // The fix deletes a region in the same units.
    let replacement = &result["fixes"][0]["artifactChanges"][0]["replacements"][0];
    let deleted = EMOJI_POLICY.find("\"oss:GetObject\"").unwrap() + "\"oss:GetObject\"".len();
    assert_eq!(
        replacement["deletedRegion"],
        serde_json::json!({"startLine": 1, "startColumn": utf16(deleted), "endLine": 1, "endColumn": utf16(end)})
    );
    assert!(replacement.get("insertedContent").is_none());
    assert_eq!(result["fixes"][0]["properties"]["applicability"], "safe");
    // A file that cannot be read: a notification with the file, no result.
    let notification = &output["runs"][0]["invocations"][0]["toolExecutionNotifications"][0];
    assert_eq!(notification["level"], "error");
    assert_eq!(notification["descriptor"]["id"], "PL000");
    assert_eq!(
        notification["locations"][0]["physicalLocation"],
        serde_json::json!({"artifactLocation": {"uri": "missing.json", "uriBaseId": "%SRCROOT%"}})
    );
    assert_eq!(
        output["runs"][0]["invocations"][0]["executionSuccessful"],
        true
    );
    // Absolute paths are `file://` URIs with no base.
    let absolute = sarif(policylint().arg(&files[0]));
    let location = &absolute["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    let uri = location["artifactLocation"]["uri"].as_str().unwrap();
    assert!(
        uri.starts_with("file:///")
            && uri.ends_with("/a%20dir%2Cwith%3Aodd%25chars/emoji%20policy.json"),
        "{uri}"
    );
    assert!(location["artifactLocation"].get("uriBaseId").is_none());
}

#[test]
fn every_format_is_deterministic() {
    let args = ["fixtures/seeds", "fixtures/rules", "fixtures/corpus"];
    for format in ["sarif", "github", "junit", "json", "concise", "gitlab"] {
        let run = |threads: &str| {
            stdout(
                policylint()
                    .args(args)
                    .args(["--output-format", format])
                    .env("RAYON_NUM_THREADS", threads),
            )
        };
        let one = run("1");
        assert!(!one.is_empty());
        assert_eq!(one, run("2"), "{format} output depends on the thread count");
        assert_eq!(one, run("2"), "{format} output changes between runs");
    }
}

#[test]
fn github_annotations_escape_messages_and_properties() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("team,a:b%c");
    fs::create_dir_all(&folder).unwrap();
    // An action with a line break and a `%` in it: the message quotes it.
    let policy = r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": ["oss:Get\nObject%1", "oss:ListBuckets", "oss:ListBuckets"], "Resource": "*"}]}"#;
    fs::write(folder.join("p.json"), policy).unwrap();
    // ASCII only: a column is the byte offset plus one.
    let span = |needle: &str, last: bool| {
        let at = if last {
            policy.rfind(needle)
        } else {
            policy.find(needle)
        }
        .unwrap();
        (at + 1, at + needle.len() + 1)
    };
    let invalid = span(r#""oss:Get\nObject%1""#, false);
    let repeated = span(r#""oss:ListBuckets""#, true);
    let output = policylint_in(dir.path())
        .args([
            "team,a:b%c/p.json",
            "gone.json",
            "--output-format",
            "github",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert_eq!(
        lines[0],
        "::error file=gone.json,title=PL000 io-error::cannot read: No such file or directory (os error 2)"
    );
    let expected = format!(
        "::error file=team%2Ca%3Ab%25c/p.json,line=1,col={},endLine=1,endColumn={},title=PL101 invalid-action::`oss:Get%0AObject%251` is not an action",
        invalid.0, invalid.1
    );
    assert!(lines[1].starts_with(&expected), "{}\n{expected}", lines[1]);
    assert!(lines[1].contains("%0Ahelp: "), "{}", lines[1]);
    let expected = format!(
        "::warning file=team%2Ca%3Ab%25c/p.json,line=1,col={},endLine=1,endColumn={},title=PL201 duplicate-action::",
        repeated.0, repeated.1
    );
    assert!(lines[2].starts_with(&expected), "{}\n{expected}", lines[2]);
    for line in &lines {
        // One command per line, and nothing unescaped in the properties.
        let (properties, _) = line[2..].split_once("::").unwrap();
        let (_, properties) = properties.split_once(' ').unwrap();
        for property in properties.split(',') {
            let (key, value) = property.split_once('=').unwrap();
            assert!(!key.is_empty() && !value.contains(':'), "{property}");
        }
    }
    // Info findings are notices.
    fs::write(
        dir.path().join("info.json"),
        r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "oss:GetObject", "Resource": "acs:oss:*:*:b/*"}]}"#,
    )
    .unwrap();
    let info = stdout(policylint_in(dir.path()).args(["info.json", "--output-format", "github"]));
    assert!(
        info.starts_with("::notice file=info.json,line=1,"),
        "{info}"
    );
}

type Attributes = Vec<(String, String)>;

/// A parsed `<testcase>`: its attributes and its `<failure>`, `<error>` or `<system-out>`,
/// if any.
#[derive(Debug, Default)]
struct Case {
    attributes: Attributes,
    /// Element name, attributes, text.
    outcome: Option<(String, Attributes, String)>,
}

fn attributes(start: &quick_xml::events::BytesStart) -> Attributes {
    start
        .attributes()
        .map(|a| {
            let a = a.unwrap();
            let value = a
                .normalized_value(quick_xml::XmlVersion::Explicit1_0)
                .unwrap();
            (a.key.0.to_string(), value.into_owned())
        })
        .collect()
}

/// Parses the whole document (end tags checked), returning the test cases and the
/// `<testsuites>` attributes.
fn parse_junit(xml: &str) -> (Attributes, Vec<Case>) {
    for c in xml.chars() {
        let allowed = matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..);
        assert!(allowed, "{c:?} cannot appear in XML 1.0");
    }
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut root = Vec::new();
    let mut cases = Vec::new();
    let mut depth = 0;
    let mut text: Option<String> = None;
    loop {
        match reader.read_event().unwrap() {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) if e.name().0 == "testsuites" => {
                root = attributes(&e);
                depth += 1;
            }
            Event::Empty(e) if e.name().0 == "testcase" => cases.push(Case {
                attributes: attributes(&e),
                outcome: None,
            }),
            Event::Start(e) => {
                depth += 1;
                match e.name().0 {
                    "testcase" => cases.push(Case {
                        attributes: attributes(&e),
                        outcome: None,
                    }),
                    "failure" | "error" | "system-out" => {
                        let name = e.name().0.to_string();
                        cases.last_mut().unwrap().outcome =
                            Some((name, attributes(&e), String::new()));
                        text = Some(String::new());
                    }
                    _ => {}
                }
            }
            Event::Text(t) => {
                if let Some(text) = &mut text {
                    text.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                let text = text.as_mut().expect("references only in failure text");
                match r.resolve_char_ref().unwrap() {
                    Some(c) => text.push(c),
                    None => text.push_str(
                        quick_xml::escape::resolve_predefined_entity(&r.xml10_content()).unwrap(),
                    ),
                }
            }
            Event::End(e) => {
                depth -= 1;
                if matches!(e.name().0, "failure" | "error" | "system-out") {
                    let case = cases.last_mut().unwrap();
                    case.outcome.as_mut().unwrap().2 = text.take().unwrap();
                }
            }
            _ => {}
        }
    }
    assert_eq!(depth, 0);
    (root, cases)
}

fn get<'a>(attributes: &'a Attributes, key: &str) -> &'a str {
    &attributes
        .iter()
        .find(|(k, _)| k == key)
        .unwrap_or_else(|| panic!("no {key} in {attributes:?}"))
        .1
}

#[test]
fn junit_is_well_formed_and_escaped() {
    let dir = tempfile::tempdir().unwrap();
    // A message that quotes markup, quotes, a line break, a tab, a CR and a control
    // character (U+0001, which XML 1.0 cannot carry even as a reference).
    let action = "oss:Get<&\"'>\n\t\r\u{1}";
    let policy = serde_json::json!({"Version": "1", "Statement": [
        {"Effect": "Allow", "Action": [action, "oss:ListBuckets"], "Resource": "*"}
    ]});
    fs::write(dir.path().join("markup.json"), policy.to_string()).unwrap();
    fs::write(
        dir.path().join("clean.json"),
        r#"{"Version": "1", "Statement": [{"Effect": "Deny", "Action": "oss:DeleteBucket", "Resource": "*"}]}"#,
    )
    .unwrap();
    let xml = stdout(policylint_in(dir.path()).args([
        "markup.json",
        "clean.json",
        "gone & lost.json",
        "--output-format",
        "junit",
    ]));
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"));
    let (root, cases) = parse_junit(&xml);
    assert_eq!(get(&root, "tests"), cases.len().to_string());
    assert_eq!(get(&root, "errors"), "1");
    // By path: clean.json, gone & lost.json, markup.json.
    assert_eq!(get(&cases[0].attributes, "classname"), "clean.json");
    assert!(cases[0].outcome.is_none());
    let (kind, attrs, text) = cases[1].outcome.as_ref().unwrap();
    assert_eq!(kind, "error");
    assert_eq!(get(&cases[1].attributes, "classname"), "gone & lost.json");
    assert_eq!(get(attrs, "type"), "PL000");
    assert!(
        text.starts_with("gone & lost.json: PL000 [io-error] cannot read"),
        "{text}"
    );
    let (kind, attrs, text) = cases[2].outcome.as_ref().unwrap();
    assert_eq!(kind, "failure");
    assert_eq!(get(attrs, "type"), "PL101");
    // Everything survives the round trip except the control character.
    let survives = action.replace('\u{1}', "\u{fffd}");
    assert!(get(attrs, "message").contains(&survives), "{attrs:?}");
    assert!(text.contains(&survives), "{text:?}");
    assert!(text.starts_with("markup.json:1:"), "{text}");
    assert!(text.contains(" error PL101 [invalid-action] "), "{text}");
    assert!(text.contains("\nhelp: "), "{text}");
    assert_eq!(get(&cases[2].attributes, "line"), "1");
}

/// Only findings at or above `--fail-on` fail their test; the others pass, with their text
/// in `<system-out>`.
#[test]
fn junit_fails_only_what_fails_the_run() {
    let dir = tempfile::tempdir().unwrap();
    // PL201 (warning) and PL401 (info).
    let policy = r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": ["oss:GetObject", "oss:GetObject"], "Resource": "acs:oss:*:*:b/*"}]}"#;
    fs::write(dir.path().join("p.json"), policy).unwrap();
    let run = |fail_on: &str| {
        let output = policylint_in(dir.path())
            .args(["p.json", "--output-format", "junit", "--fail-on", fail_on])
            .output()
            .unwrap();
        let (root, cases) = parse_junit(&String::from_utf8(output.stdout).unwrap());
        let kinds: Vec<(String, String)> = cases
            .iter()
            .map(|case| {
                let (kind, _, text) = case.outcome.as_ref().unwrap();
                let code = text.split_whitespace().nth(2).unwrap().to_string();
                (code, kind.clone())
            })
            .collect();
        (
            output.status.code(),
            get(&root, "failures").to_string(),
            get(&root, "tests").to_string(),
            kinds,
        )
    };
    let pair = |code: &str, kind: &str| (code.to_string(), kind.to_string());
    assert_eq!(
        run("warning"),
        (
            Some(1),
            "1".into(),
            "2".into(),
            vec![pair("PL401", "system-out"), pair("PL201", "failure")]
        )
    );
    assert_eq!(
        run("info"),
        (
            Some(1),
            "2".into(),
            "2".into(),
            vec![pair("PL401", "failure"), pair("PL201", "failure")]
        )
    );
    assert_eq!(
        run("error"),
        (
            Some(0),
            "0".into(),
            "2".into(),
            vec![pair("PL401", "system-out"), pair("PL201", "system-out")]
        )
    );
    // A config's fail-on counts the same.
    fs::write(dir.path().join("policylint.toml"), "fail-on = \"error\"\n").unwrap();
    let xml = stdout(policylint_in(dir.path()).args(["p.json", "--output-format", "junit"]));
    assert_eq!(get(&parse_junit(&xml).0, "failures"), "0");
}

#[test]
fn statistics_count_per_rule_most_frequent_first() {
    let dir = tempfile::tempdir().unwrap();
    let policy = r#"{"Version": "1", "Statement": [{"Effect": "allow", "Action": ["oss:GetObject", "oss:GetObject", "ecs:DescribeInstances", "ecs:DescribeInstances"], "Resource": ["acs:oss:*:*:<bucket>/*", "acs:oss:*:*:<bucket>/a"]}, {"Effect": "Allow", "Action": "oss:ListBuckets", "Resource": "*"}]}"#;
    fs::write(dir.path().join("a.json"), policy).unwrap();
    fs::write(dir.path().join("b.json"), policy).unwrap();
    fs::write(
        dir.path().join("c.json"),
        r#"{"Version": "1", "Statement": [{"sid": "S", "Effect": "Allow", "Actions": "oss:ListBuckets", "Resource": "*"}]}"#,
    )
    .unwrap();
    let files = ["a.json", "b.json", "c.json"];
    let concise = stdout(
        policylint_in(dir.path())
            .args(files)
            .args(["--output-format", "concise"]),
    );
    let output = policylint_in(dir.path())
        .args(files)
        .arg("--statistics")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8(output.stdout).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let summary = lines.pop().unwrap();
    assert!(concise.ends_with(&format!("{summary}\n")), "{text}");
    // The counts are those of the diagnostics, most frequent first, then by code.
    let mut expected: Vec<(usize, String)> = Vec::new();
    for line in concise.lines().filter(|l| l.contains(": PL")) {
        let code = line.split(": ").nth(1).unwrap().split(' ').next().unwrap();
        match expected.iter_mut().find(|(_, c)| c == code) {
            Some((n, _)) => *n += 1,
            None => expected.push((1, code.to_string())),
        }
    }
    expected.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let got: Vec<(usize, String)> = lines
        .iter()
        .map(|l| {
            let mut fields = l.split_whitespace();
            let count = fields.next().unwrap().parse().unwrap();
            (count, fields.next().unwrap().to_string())
        })
        .collect();
    assert_eq!(got, expected, "{text}");
    // Fixable by `--fix`: every one `[*]`, some `[-]`, none nothing.
    let line = |code: &str| *lines.iter().find(|l| l.contains(code)).unwrap();
    assert!(
        line("PL201").starts_with("4  PL201  duplicate-action "),
        "{text}"
    );
    assert!(line("PL201").ends_with("  [*]"), "{text}");
    // Correcting `allow` turns the statement on: `--fix --unsafe-fixes` only.
    assert!(line("PL008").ends_with("invalid-effect"), "{text}");
    // `sid` → `Sid` is safe, `Actions` → `Action` is not.
    assert!(line("PL005").ends_with("  [-]"), "{text}");
    assert!(line("PL109").ends_with("unreplaced-placeholder"), "{text}");
    // Aligned columns.
    let code_at: Vec<usize> = lines.iter().map(|l| l.find("PL").unwrap()).collect();
    assert!(code_at.windows(2).all(|w| w[0] == w[1]), "{text}");
    // --quiet: the table alone.
    let quiet = stdout(
        policylint_in(dir.path())
            .args(files)
            .args(["--statistics", "-q"]),
    );
    assert_eq!(
        quiet,
        lines.iter().map(|l| format!("{l}\n")).collect::<String>()
    );
    // Machine formats keep their document on stdout; the table goes to stderr.
    let output = policylint_in(dir.path())
        .args(files)
        .args(["--statistics", "--output-format", "sarif"])
        .output()
        .unwrap();
    serde_json::from_slice::<serde_json::Value>(&output.stdout).unwrap();
    assert_eq!(String::from_utf8(output.stderr).unwrap(), quiet);
}

#[test]
fn seed_snapshots() {
    let reports = [lint_repo_file(SEED_OSS)];
    let rules = RuleSet::builtin().unwrap();
    let mut sarif: serde_json::Value = serde_json::from_str(&report::sarif::render(
        &reports,
        &rules.rules.iter().collect::<Vec<_>>(),
    ))
    .unwrap();
    // The rule list and the version change with every rule and release; they are
    // checked above, not pinned here.
    let driver = &mut sarif["runs"][0]["tool"]["driver"];
    driver["rules"] = "[every rule]".into();
    driver["version"] = "[version]".into();
    driver["semanticVersion"] = "[version]".into();
    insta::with_settings!({ snapshot_path => "snapshots/report_formats", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("seed.sarif", serde_json::to_string_pretty(&sarif).unwrap());
        insta::assert_snapshot!("seed.github", report::github::render(&reports));
        insta::assert_snapshot!("seed.junit", report::junit::render(&reports));
        insta::assert_snapshot!("seed.statistics", report::statistics::render(&reports));
    });
}

#[test]
fn concise_prints_one_line_per_diagnostic_whatever_the_message_quotes() {
    let dir = tempfile::tempdir().unwrap();
    // The invalid action quotes a line break and a carriage return; the repeated one none.
    let policy = r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": ["oss:Get\r\nObject", "oss:ListBuckets", "oss:ListBuckets"], "Resource": "*"}]}"#;
    fs::write(dir.path().join("p.json"), policy).unwrap();
    let output = stdout(
        policylint_in(dir.path())
            .args(["p.json", "--output-format", "concise"])
            .args(["--select", "invalid-action,duplicate-action"]),
    );
    let lines: Vec<&str> = output
        .lines()
        .filter(|l| l.starts_with("p.json:"))
        .collect();
    assert_eq!(lines.len(), 2, "{output}");
    assert!(lines[0].contains(r"oss:Get\r\nObject"), "{output}");
    assert!(
        lines[1].contains("`oss:ListBuckets` is already listed"),
        "{output}"
    );
}

/// GitLab Code Quality, as https://docs.gitlab.com/ci/testing/code_quality/ lists the
/// fields GitLab reads: each required, of its type; `severity` one of five; the path
/// relative, without `./`.
fn gitlab_validator() -> jsonschema::Validator {
    let schema = serde_json::json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "array",
        "items": {
            "type": "object",
            "required": ["description", "check_name", "fingerprint", "severity", "location"],
            "additionalProperties": false,
            "properties": {
                "description": {"type": "string", "minLength": 1},
                "check_name": {"type": "string", "pattern": "^[A-Z]+[0-9]+$"},
                "fingerprint": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
                "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
                "location": {
                    "type": "object",
                    "required": ["path", "lines"],
                    "additionalProperties": false,
                    "properties": {
                        "path": {"type": "string", "pattern": "^(?!\\./)(?!/)[^\\\\]+$"},
                        "lines": {
                            "type": "object",
                            "required": ["begin"],
                            "properties": {
                                "begin": {"type": "integer", "minimum": 1},
                                "end": {"type": "integer", "minimum": 1}
                            }
                        }
                    }
                }
            }
        }
    });
    jsonschema::validator_for(&schema).unwrap()
}

fn gitlab(cmd: &mut Command) -> serde_json::Value {
    let text = stdout(cmd.args(["--output-format", "gitlab"]));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

#[test]
fn gitlab_code_quality_follows_the_documented_fields() {
    let validator = gitlab_validator();
    let issues = gitlab(policylint().args(["fixtures/seeds", "fixtures/rules", "fixtures/corpus"]));
    let errors: Vec<String> = validator
        .iter_errors(&issues)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .take(10)
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let issues = issues.as_array().unwrap();
    let findings = json(policylint().args(["fixtures/seeds", "fixtures/rules", "fixtures/corpus"]));
    assert_eq!(
        issues.len(),
        findings["diagnostics"].as_array().unwrap().len()
    );
    let mut fingerprints: Vec<&str> = issues
        .iter()
        .map(|i| i["fingerprint"].as_str().unwrap())
        .collect();
    fingerprints.sort();
    fingerprints.dedup();
    assert_eq!(fingerprints.len(), issues.len(), "fingerprints are unique");
    // The schema refuses what it should.
    let broken = serde_json::json!([{"description": "x", "check_name": "PL201", "fingerprint": "f", "severity": "high", "location": {"path": "./a.json", "lines": {"begin": 0}}}]);
    assert_eq!(validator.iter_errors(&broken).count(), 4);

    let seed = issues
        .iter()
        .find(|i| i["check_name"] == "PL201" && i["location"]["path"] == SEED_OSS)
        .unwrap();
    assert_eq!(seed["severity"], "minor");
    assert_eq!(seed["location"]["lines"]["begin"], 13);
    assert!(
        seed["description"]
            .as_str()
            .unwrap()
            .starts_with("PL201 duplicate-action: `oss:GetBucketCors` is already listed")
    );
    let severities: std::collections::BTreeSet<&str> = issues
        .iter()
        .map(|i| i["severity"].as_str().unwrap())
        .collect();
    assert!(
        ["info", "minor", "major", "critical"]
            .iter()
            .all(|s| severities.contains(s)),
        "{severities:?}"
    );
}

#[test]
fn gitlab_fingerprints_survive_unrelated_edits() {
    let dir = tempfile::tempdir().unwrap();
    // Two findings alike in path, rule, message and line text.
    let policy = r#"{
  "Version": "1",
  "Statement": [
    {"Effect": "Allow", "Resource": "acs:oss:*:*:a/*", "Action": [
      "oss:GetObject",
      "oss:GetObject"]},
    {"Effect": "Allow", "Resource": "acs:oss:*:*:b/*", "Action": [
      "oss:GetObject",
      "oss:GetObject"]}
  ]
}"#;
    fs::write(dir.path().join("p.json"), policy).unwrap();
    let run = || gitlab(policylint_in(dir.path()).args(["./p.json", "gone.json"]));
    let repeats = |issues: &serde_json::Value| -> Vec<(String, u64)> {
        issues
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["check_name"] == "PL201")
            .map(|i| {
                assert_eq!(i["location"]["path"], "p.json");
                let fingerprint = i["fingerprint"].as_str().unwrap().to_string();
                (
                    fingerprint,
                    i["location"]["lines"]["begin"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    let before = run();
    assert_eq!(before[0]["location"]["path"], "gone.json");
    assert_eq!(before[0]["severity"], "blocker");
    assert_eq!(before[0]["location"]["lines"]["begin"], 1);
    let alike = repeats(&before);
    assert_eq!(alike.len(), 2);
    assert_ne!(alike[0].0, alike[1].0, "told apart by their order");
    // Lines added above: the findings move, their fingerprints do not.
    fs::write(
        dir.path().join("p.json"),
        policy.replacen("\"Version\": \"1\",", "\"Version\": \"1\",\n\n\n", 1),
    )
    .unwrap();
    let moved = repeats(&run());
    assert_eq!(moved[0].0, alike[0].0);
    assert_eq!(moved[1].0, alike[1].0);
    assert_eq!(moved[0].1, alike[0].1 + 3);
    // Another message on the line: another fingerprint.
    fs::write(
        dir.path().join("p.json"),
        policy.replace("GetObject", "PutObject"),
    )
    .unwrap();
    let other = repeats(&run());
    assert!(
        other
            .iter()
            .all(|(f, _)| !alike.iter().any(|(g, _)| f == g))
    );
}

/// A fix that was not applied (here: the file has a second hard link) is a note about the
/// run, not a file left unchecked: info in GitLab, a passing test in JUnit, a SARIF
/// notification of level `note`.
#[cfg(unix)]
#[test]
fn a_fix_not_applied_is_a_note_in_the_ci_formats() {
    let dir = tempfile::tempdir().unwrap();
    let policy = r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": ["oss:ListBuckets", "oss:ListBuckets"], "Resource": "*"}]}"#;
    fs::write(dir.path().join("p.json"), policy).unwrap();
    fs::hard_link(dir.path().join("p.json"), dir.path().join("q.json")).unwrap();
    let fix = || {
        let mut cmd = policylint_in(dir.path());
        cmd.args(["p.json", "--fix"]);
        cmd
    };
    let issues = gitlab(&mut fix());
    let note = issues
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["check_name"] == "PL000")
        .unwrap_or_else(|| panic!("{issues:#}"));
    assert_eq!(note["severity"], "info");
    let xml = stdout(fix().args(["--output-format", "junit"]));
    let (root, cases) = parse_junit(&xml);
    assert_eq!(get(&root, "errors"), "0", "{xml}");
    let (kind, _, text) = cases
        .iter()
        .filter_map(|case| case.outcome.as_ref())
        .find(|(_, _, text)| text.contains("PL000"))
        .unwrap();
    assert_eq!(kind, "system-out", "{text}");
    let log = sarif(&mut fix());
    let notification = &log["runs"][0]["invocations"][0]["toolExecutionNotifications"][0];
    assert_eq!(notification["level"], "note", "{notification:#}");
    assert_eq!(notification["properties"]["name"], "fix-not-applied");
    assert_eq!(
        fs::read_to_string(dir.path().join("p.json")).unwrap(),
        policy
    );
}
