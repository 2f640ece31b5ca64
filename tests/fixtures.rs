//! Every fixture under `fixtures/rules/<rule>/` and `fixtures/seeds/` has a snapshot of its
//! pretty and JSON output; `trigger-*` fixtures must raise their folder's rule and
//! `clean-*` fixtures must not.

mod common;

use common::{json_files, lint_repo_file};
use policylint::report;

fn snapshot_name(path: &str) -> String {
    path.trim_start_matches("fixtures/").replace('/', "__")
}

fn check_snapshots(folder: &str) {
    let files = json_files(folder);
    assert!(!files.is_empty(), "no fixtures under {folder}");
    for path in files {
        let report = lint_repo_file(&path);
        let reports = [report];
        let name = snapshot_name(&path);
        insta::with_settings!({ snapshot_path => "snapshots/fixtures", prepend_module_to_snapshot => false, info => &path }, {
            insta::assert_snapshot!(format!("{name}.pretty"), report::pretty::render(&reports, false));
            insta::assert_snapshot!(format!("{name}.json"), report::json::render(&reports));
        });
    }
}

#[test]
fn seed_snapshots() {
    check_snapshots("fixtures/seeds");
}

#[test]
fn rule_fixture_snapshots() {
    check_snapshots("fixtures/rules");
}

#[test]
fn triggers_trigger_and_clean_fixtures_stay_clean() {
    let files = json_files("fixtures/rules");
    for path in &files {
        let mut parts = path.split('/').skip(2);
        let (rule, file) = (parts.next().unwrap(), parts.next().unwrap());
        let report = lint_repo_file(path);
        let fired = report.diagnostics.iter().any(|d| d.rule.name == rule);
        if file.starts_with("trigger") {
            assert!(
                fired,
                "{path} should raise {rule}, got {:#?}",
                report.diagnostics
            );
        } else if file.starts_with("clean") {
            assert!(
                !fired,
                "{path} must not raise {rule}, got {:#?}",
                report.diagnostics
            );
        } else {
            panic!("{path}: fixture names start with `trigger` or `clean`");
        }
    }
}

/// Rules whose findings are about a run rather than one policy (an `[[ignore]]` entry of a
/// config that silenced nothing): no policy file can trigger them, and `tests/config.rs`
/// shows them, with snapshots.
const RULES_ABOUT_THE_RUN: &[&str] = &["unused-ignore"];

/// Rules found by comparing two versions of a policy, never by linting one file: their
/// tests are the `diff` and `check --base` tests of `tests/access.rs`.
const RULES_ABOUT_TWO_VERSIONS: &[&str] = &["new-access"];

#[test]
fn every_rule_has_triggering_and_clean_fixtures() {
    let rules = policylint::rules::RuleSet::builtin().unwrap();
    let files = json_files("fixtures/rules");
    for rule in rules.rules.iter().filter(|r| {
        !RULES_ABOUT_THE_RUN.contains(&r.id.name.as_str())
            && !RULES_ABOUT_TWO_VERSIONS.contains(&r.id.name.as_str())
    }) {
        let prefix = format!("fixtures/rules/{}/", rule.id.name);
        let has = |kind: &str| {
            files
                .iter()
                .any(|f| f.starts_with(&prefix) && f[prefix.len()..].starts_with(kind))
        };
        assert!(has("trigger"), "{} has no trigger fixture", rule.id.name);
        assert!(has("clean"), "{} has no clean fixture", rule.id.name);
    }
}

/// Issue #24: every rule that covers AWS has an AWS policy that triggers it
/// (`trigger-aws-*`) and one that must not (`clean-aws-*`), and those fixtures are read as
/// AWS policies (a file that does not parse has no dialect to check).
#[test]
fn every_rule_for_aws_has_aws_fixtures_read_as_aws() {
    use policylint::model::Dialect;
    let rules = policylint::rules::RuleSet::builtin().unwrap();
    let files = json_files("fixtures/rules");
    for rule in rules.rules.iter().filter(|r| {
        r.doc.dialects.contains(&Dialect::Aws)
            && !RULES_ABOUT_THE_RUN.contains(&r.id.name.as_str())
            && !RULES_ABOUT_TWO_VERSIONS.contains(&r.id.name.as_str())
    }) {
        let prefix = format!("fixtures/rules/{}/", rule.id.name);
        for kind in ["trigger-aws-", "clean-aws-"] {
            assert!(
                files
                    .iter()
                    .any(|f| f.starts_with(&prefix) && f[prefix.len()..].starts_with(kind)),
                "{} has no {kind}* fixture",
                rule.id.name
            );
        }
    }
    for path in files
        .iter()
        .filter(|f| f.contains("/trigger-aws-") || f.contains("/clean-aws-"))
    {
        let report = lint_repo_file(path);
        for document in &report.documents {
            assert!(
                matches!(document.dialect, Some(Dialect::Aws) | None),
                "{path} is read as {:?}",
                document.dialect
            );
        }
    }
}

/// A rule for one dialect says so in its documentation and stays silent on the other's
/// policies, even on the very text that triggers it (read as the other dialect).
#[test]
fn rules_for_one_dialect_say_so_and_stay_silent_on_the_other() {
    use policylint::model::Dialect;
    let files = json_files("fixtures/rules");
    let mut checked = 0;
    for rule in policylint::rules::RuleSet::builtin().unwrap().rules.iter() {
        let (other, label) = match rule.doc.dialects.as_slice() {
            [Dialect::Ram] => (Dialect::Aws, "RAM-only"),
            [Dialect::Aws] => (Dialect::Ram, "AWS-only"),
            _ => continue,
        };
        assert!(
            rule.doc.explanation.contains(label),
            "{} must say `{label}` in its explanation",
            rule.id.name
        );
        let prefix = format!("fixtures/rules/{}/trigger", rule.id.name);
        for path in files.iter().filter(|f| f.starts_with(&prefix)) {
            let mut rules = policylint::rules::RuleSet::builtin().unwrap();
            rules.dialect = Some(other);
            let bytes = std::fs::read(common::root().join(path)).unwrap();
            let (report, _) = policylint::runner::lint_bytes(&rules, path.clone(), bytes);
            assert!(
                !report
                    .diagnostics
                    .iter()
                    .any(|d| d.rule.name == rule.id.name),
                "{path}, read as {other:?}, must not raise {}",
                rule.id.name
            );
            checked += 1;
        }
    }
    assert!(checked >= 5, "only {checked} fixtures checked");
}
