use super::{PLAIN_ANSWERS, PLAIN_NOT_COVERS, SHORTCUTS_OFF};
use crate::diagnostic::Diagnostic;
use crate::engine::lint_text;
use crate::rules::RuleSet;
use crate::testing::Rng;

const ACTIONS: [&str; 9] = [
    "oss:GetObject",
    "oss:PutObject",
    "OSS:getobject",
    "oss:Get*",
    "oss:*",
    "*",
    "oss:?etObject",
    "ecs:DescribeInstances",
    "s3:GetObject",
];

/// Resources of both dialects, written so that many statements meet and cover each
/// other: nested folders, `*` and `?` at either end, a variable, the AWS segment `*`.
fn resource(rng: &mut Rng) -> String {
    let n = rng.below(12);
    match rng.below(14) {
        0 => "*".to_string(),
        1 => "acs:oss:*:*:bucket/*".to_string(),
        2 => format!("acs:oss:*:*:bucket/{n}/*"),
        3 => format!("acs:oss:*:*:bucket/{n}/logs/*"),
        4 => format!("acs:oss:*:*:bucket/{n}*"),
        5 => format!("acs:oss:*:*:bucket/?{n}/*"),
        6 => "acs:oss:*:*:${ram:UserName}/*".to_string(),
        7 => format!("arn:aws:s3:::bucket/{n}/*"),
        8 => format!("arn:aws:s3:::*/{n}/*"),
        9 => "arn:aws:s3:*:*:bucket/*".to_string(),
        10 => format!("acs:ecs:*:*:instance/i-{n}"),
        11 => format!("*{n}/*"),
        // An AWS `*` within its segment, and what it does not match there.
        12 => format!("arn:aws:s3:::bucket/*{n}"),
        _ => format!("arn:aws:s3:::bucket/x:{n}"),
    }
}

/// A random action, mostly one of many names a long list can hold.
fn action(rng: &mut Rng) -> String {
    let n = rng.below(60);
    match rng.below(4) {
        0 => rng.pick(&ACTIONS).to_string(),
        1 => format!("oss:Get{n}*"),
        _ => format!("oss:Get{n}"),
    }
}

/// A list of one or two items, or (`long`) of a few dozen.
fn list(rng: &mut Rng, long: bool, item: impl Fn(&mut Rng) -> String) -> String {
    let count = if long {
        40 + rng.below(30)
    } else {
        1 + rng.below(2)
    };
    let picked: Vec<String> = (0..count)
        .map(|_| serde_json::to_string(&item(rng)).unwrap())
        .collect();
    format!("[{}]", picked.join(", "))
}

/// A policy of `statements` random Allows and Denies, some with `Not` elements or a
/// condition, one of them (at a random place) on everything; with `long` lists, whose
/// statements list dozens of actions and resources.
fn random_policy(rng: &mut Rng, statements: usize, long: bool) -> String {
    let covering = rng.below(statements);
    let out: Vec<String> = (0..statements)
        .map(|i| {
            if i == covering {
                return r#"{"Effect": "Allow", "Action": "oss:*", "Resource": "*"}"#.to_string();
            }
            let effect = if rng.below(6) == 0 { "Deny" } else { "Allow" };
            let (long_actions, long_resources) = (rng.below(2) == 0, rng.below(2) == 0);
            let actions = match long {
                true => list(rng, long_actions, action),
                false => list(rng, false, |rng| rng.pick(&ACTIONS).to_string()),
            };
            let action = match rng.below(10) {
                0 => format!(r#""NotAction": {actions}"#),
                _ => format!(r#""Action": {actions}"#),
            };
            let resources = list(rng, long && long_resources, resource);
            let resource = match rng.below(10) {
                0 => format!(r#""NotResource": {resources}"#),
                1 => String::new(),
                _ => format!(r#", "Resource": {resources}"#),
            };
            let resource = match resource.strip_prefix("\"NotResource") {
                Some(_) => format!(", {resource}"),
                None => resource,
            };
            let condition = match rng.below(8) {
                0 => r#", "Condition": {"Bool": {"acs:SecureTransport": "true"}}"#,
                _ => "",
            };
            format!(r#"{{"Effect": "{effect}", {action}{resource}{condition}}}"#)
        })
        .collect();
    let version = if rng.below(2) == 0 { "1" } else { "2012-10-17" };
    format!(
        r#"{{"Version": "{version}", "Statement": [{}]}}"#,
        out.join(",\n")
    )
}

/// The built-in rules, but for PL503 and PL504 only.
fn statement_rules() -> RuleSet {
    let mut rules = RuleSet::builtin().unwrap();
    rules
        .retain_selected(&["PL503".to_string(), "PL504".to_string()], &[])
        .unwrap();
    rules
}

fn findings(rules: &RuleSet, text: &str, shortcuts_off: bool) -> Vec<Diagnostic> {
    SHORTCUTS_OFF.set(shortcuts_off);
    let diagnostics = lint_text(rules, text).diagnostics;
    SHORTCUTS_OFF.set(false);
    diagnostics
}

/// The pre-tests and indexes that spare the engine work change no finding, label or fix
/// of `shadowed-statement` and `redundant-statement`: on random policies short and long
/// (past the member index's threshold), and of statements with long lists (past the list
/// indexes'), the findings are those of asking the engine about every Allow and every
/// other statement, pattern by pattern (`PlainStatements` answering nothing).
#[test]
fn shortcuts_change_no_finding() {
    let rules = statement_rules();
    let mut rng = Rng(0x5407_c075);
    let mut found = 0;
    for round in 0..160 {
        let (statements, long) = match round % 4 {
            0 => (
                crate::matching::run_index::INDEXED_FROM + rng.below(40),
                false,
            ),
            1 => (2 + rng.below(5), true),
            _ => (2 + rng.below(12), false),
        };
        let text = random_policy(&mut rng, statements, long);
        let with = findings(&rules, &text, false);
        let without = findings(&rules, &text, true);
        assert_eq!(with, without, "{text}");
        found += with.len();
    }
    assert!(found > 300, "{found}");
    // The plain answers (`plain.rs`) are among those compared.
    assert!(PLAIN_ANSWERS.get() > 300, "{}", PLAIN_ANSWERS.get());
}

/// `Not` statements of the shapes real policies hold (`NotAction` on `*` beside the
/// statements it makes redundant, a `NotResource` carving out a folder), both dialects.
const NOT_STATEMENTS: [&str; 9] = [
    r#"{"Effect": "Allow", "NotAction": "ram:*", "Resource": "*"}"#,
    r#"{"Effect": "Allow", "NotAction": ["oss:Put*", "ecs:*"], "Resource": "*"}"#,
    r#"{"Effect": "Allow", "NotAction": "oss:GetObject", "Resource": "acs:oss:*:*:bucket/*"}"#,
    r#"{"Effect": "Deny", "NotAction": "oss:*", "Resource": "*"}"#,
    r#"{"Effect": "Allow", "Action": "oss:*", "NotResource": "acs:oss:*:*:bucket/1/*"}"#,
    r#"{"Effect": "Allow", "Action": "*", "NotResource": "arn:aws:s3:::bucket/*1"}"#,
    r#"{"Effect": "Allow", "Action": "s3:*", "NotResource": ["arn:aws:s3:::*/2/*", "*x"]}"#,
    r#"{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*", "Condition": {"Bool": {"acs:SecureTransport": "true"}}}"#,
    r#"{"Effect": "Deny", "Action": "*", "NotResource": ["acs:oss:*:*:bucket/*", "arn:aws:s3:::bucket/*"]}"#,
];

/// Statements covered through a `Not` element, which `plain` answers when that element's
/// statement alone meets the unit, are found with the shortcuts as without them: on
/// random policies of a few statements, one or two of them `Not` statements.
#[test]
fn not_elements_answered_plainly_change_no_finding() {
    let rules = statement_rules();
    let mut rng = Rng(0x0bad_5eed);
    let mut found = 0;
    let not_covers = PLAIN_NOT_COVERS.get();
    for _ in 0..400 {
        let count = 2 + rng.below(6);
        let statements: Vec<String> = (0..count)
            .map(|_| match rng.below(3) {
                0 => rng.pick(&NOT_STATEMENTS).to_string(),
                _ => {
                    let effect = if rng.below(8) == 0 { "Deny" } else { "Allow" };
                    let actions = list(&mut rng, false, |rng| rng.pick(&ACTIONS).to_string());
                    let resources = list(&mut rng, false, resource);
                    format!(
                        r#"{{"Effect": "{effect}", "Action": {actions}, "Resource": {resources}}}"#
                    )
                }
            })
            .collect();
        let version = if rng.below(2) == 0 { "1" } else { "2012-10-17" };
        let text = format!(
            r#"{{"Version": "{version}", "Statement": [{}]}}"#,
            statements.join(",\n")
        );
        let with = findings(&rules, &text, false);
        assert_eq!(with, findings(&rules, &text, true), "{text}");
        found += with.len();
    }
    assert!(found > 150, "{found}");
    let answered = PLAIN_NOT_COVERS.get() - not_covers;
    assert!(answered > 100, "{answered}");
}

#[test]
fn a_sample_drops_stars_and_fills_question_marks() {
    use super::sample_of;
    use std::borrow::Cow;
    assert!(matches!(
        sample_of("oss:GetObject"),
        Cow::Borrowed("oss:GetObject")
    ));
    for (pattern, sample) in [
        ("acs:oss:*:*:b?/*", "acs:oss:::bx/"),
        ("**", ""),
        ("?", "x"),
        ("*?*", "x"),
        ("données/*é", "données/é"),
        ("oss:Get*", "oss:Get"),
    ] {
        assert_eq!(sample_of(pattern), sample, "{pattern}");
    }
}

/// The pre-test reads patterns as the engine does where a wrong "no" would hide a finding:
/// an AWS `*` within its ARN segment matches no `:` (so a `NotResource` of one lets
/// `b/x:y` through), and actions are lower-cased as whole strings (`Σ` ending a word is
/// `ς`). Each policy here has one redundant statement, found with the shortcuts as
/// without them.
#[test]
fn the_pre_test_reads_patterns_as_the_engine_does() {
    let rules = statement_rules();
    let policies = [
        r#"{"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/x:y"},
            {"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::b/*y"}]}"#,
        r#"{"Version": "1", "Statement": [
            {"Effect": "Allow", "Action": "OSS:GETAΣ", "Resource": "acs:oss:*:*:b/*"},
            {"Effect": "Allow", "Action": "oss:getaς", "Resource": "*"}]}"#,
    ];
    for text in policies {
        let with = findings(&rules, text, false);
        assert_eq!(with, findings(&rules, text, true), "{text}");
        assert_eq!(with.len(), 1, "{text}");
    }
}

/// A template value (here a CloudFormation `Ref`) stands for one value the policy does not
/// show: only the same template text or a `*` covers it, and it covers only the same text
/// (`s3:*` on the bucket `Bucket` names does not grant `b/x`). With the shortcuts as
/// without them.
#[test]
fn a_template_value_covers_only_itself() {
    let rules = statement_rules();
    let asked = r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": ["arn:aws:s3:::b/x", {"Ref": "Bucket"}]}"#;
    let by_template = r#"{"Effect": "Allow", "Action": "s3:*", "Resource": [{"Ref": "Bucket"}]}"#;
    let denied_by_template =
        r#"{"Effect": "Deny", "Action": "s3:*", "Resource": [{"Ref": "Bucket"}]}"#;
    // Matches `b/x` for the pre-test, but is not in the pool of an unconditional Allow;
    // `asked` covers it.
    let under_condition = r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/x", "Condition": {"Bool": {"aws:SecureTransport": "true"}}}"#;
    let same_template =
        r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": {"Ref": "Bucket"}}"#;
    let all_of_b = r#"{"Effect": "Allow", "Action": "s3:Get*", "Resource": ["arn:aws:s3:::b/*", {"Ref": "Other"}]}"#;
    let other_template =
        r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": {"Ref": "Other"}}"#;
    // The statements, and which of them PL504 reports.
    let cases: [(&[&str], &[usize]); 6] = [
        (&[asked, by_template], &[]),
        (&[asked, by_template, under_condition], &[2]),
        (&[asked, denied_by_template, under_condition], &[2]),
        (&[by_template, same_template], &[1]),
        // Through its plain entries, a statement with a template value covers others.
        (&[all_of_b, asked, other_template], &[2]),
        (&[other_template, by_template], &[]),
    ];
    for (statements, reported) in cases {
        let text = format!(
            r#"{{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {{"Policy": {{
                "Type": "AWS::IAM::ManagedPolicy",
                "Properties": {{"PolicyDocument": {{"Version": "2012-10-17", "Statement": [{}]}}}}}}}}}}"#,
            statements.join(",\n")
        );
        let run = |shortcuts_off: bool| {
            SHORTCUTS_OFF.set(shortcuts_off);
            let lint = crate::hosts::lint_file(&rules, crate::hosts::HostKind::Json, &text);
            SHORTCUTS_OFF.set(false);
            lint.diagnostics
        };
        let found = run(false);
        assert_eq!(found, run(true), "{text}");
        // Statements are one a line, from the third.
        let lines: Vec<usize> = found
            .iter()
            .map(|d| text[..d.span.start].matches('\n').count() - 2)
            .collect();
        assert_eq!(lines, reported, "{text}");
        assert!(found.iter().all(|d| d.rule.code == "PL504"), "{text}");
    }
}

/// A `Not` element is one unit; its sample request is a string none of its patterns
/// matches, so the pre-test settles an Allow of one that nothing else grants.
#[test]
fn the_pre_test_samples_a_not_element_outside_its_patterns() {
    use super::candidates;
    use crate::model::Policy;
    use crate::parse::{Arena, parse};
    let text = r#"{"Version": "1", "Statement": [
        {"Effect": "Allow", "NotAction": "ram:*", "Resource": "*"},
        {"Effect": "Allow", "Action": "oss:*", "Resource": "*"},
        {"Effect": "Allow", "Action": "oss:GetObject", "NotResource": "acs:oss:*:*:audit/*"},
        {"Effect": "Allow", "Action": "oss:Get*", "NotResource": "*"},
        {"Effect": "Allow", "Action": "ecs:*", "NotResource": "acs:ecs:*:*:${ram:UserName}"}]}"#;
    let arena = Arena::new();
    let parsed = parse(text, &arena).unwrap();
    let policy = Policy::from_root(&parsed.root, &arena).unwrap();
    // 0: no other statement grants `policylint-outside:sample`; 1 and 2: 0 may cover
    // them; 3: no string is outside `*`; 4: a policy variable may match anything.
    let found: Vec<usize> = candidates(&policy).by_any.into_iter().collect();
    assert_eq!(found, [1, 2, 3, 4]);
}

/// The one pre-test answers PL503 from the Denys alone: an Allow some other Allow covers
/// is PL504's candidate only; one a Deny touches in every unit is both rules'.
#[test]
fn the_pre_test_answers_both_rules_apart() {
    use super::candidates;
    use crate::model::Policy;
    use crate::parse::{Arena, parse};
    let text = r#"{"Version": "1", "Statement": [
        {"Effect": "Allow", "Action": "oss:*", "Resource": "*"},
        {"Effect": "Allow", "Action": "oss:GetObject", "Resource": "acs:oss:*:*:b/*"},
        {"Effect": "Allow", "Action": "ecs:StopInstance", "Resource": "*"},
        {"Effect": "Allow", "Action": "rds:*", "Resource": "*"},
        {"Effect": "Deny", "Action": ["ecs:Stop*", "oss:List*"], "Resource": "*"}]}"#;
    let arena = Arena::new();
    let parsed = parse(text, &arena).unwrap();
    let policy = Policy::from_root(&parsed.root, &arena).unwrap();
    let found = candidates(&policy);
    // 0: no other statement matches `oss:`; 1: only the Allow 0 does; 2: only the Deny;
    // 3: no other statement matches `rds:`.
    assert_eq!(found.by_any.into_iter().collect::<Vec<_>>(), [1, 2]);
    assert_eq!(found.by_denies.into_iter().collect::<Vec<_>>(), [2]);
    let without_deny = text.replace("\"Deny\"", "\"Allow\"");
    let parsed = parse(&without_deny, &arena).unwrap();
    let policy = Policy::from_root(&parsed.root, &arena).unwrap();
    let found = candidates(&policy);
    // 4 (an Allow now): `ecs:Stop` is no other statement's.
    assert_eq!(found.by_any.into_iter().collect::<Vec<_>>(), [1, 2]);
    assert!(found.by_denies.is_empty());
}
