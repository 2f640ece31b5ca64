use super::*;
use crate::access::pattern::{Item, Language, Variables, compile, fold_action, matches};
use crate::model::Policy;
use crate::parse::{Arena, parse};
use crate::testing::Rng;

/// Whether the engine's pattern `pattern` matches `text` (`None`: it holds a policy
/// variable, whose value the engine weighs). The reference the judges are held to.
fn engine_matches(pattern: &str, text: &str, language: Language) -> Option<bool> {
    let mut variables = Variables::default();
    let items = compile(pattern, language, &mut variables);
    if items.iter().any(|item| matches!(item, Item::Var(_))) {
        return None;
    }
    let text = match language {
        Language::Action => fold_action(text),
        Language::Resource(_) => text.trim().to_string(),
    };
    Some(matches(&items, &text))
}

/// Whether a judge must accept `sample` for a statement's element: the engine's
/// statement may match it (with its resources, it matches a request, conditions aside,
/// when both do). A pattern with a variable may match anything; a statement the check
/// cannot read matches nothing.
fn may_accept(
    values: (Option<&Values>, Option<&Values>),
    sample: &str,
    language: Language,
) -> bool {
    let matching = |values: &Values, variable: bool| {
        values
            .texts()
            .any(|p| engine_matches(p, sample, language).unwrap_or(variable))
    };
    match values {
        (Some(values), None) => matching(values, true),
        (None, Some(values)) => !matching(values, false),
        (None, None) => matches!(language, Language::Resource(_)),
        _ => false,
    }
}

fn accepts_action(statement: &Statement, action: &str) -> bool {
    let element = (statement.action.as_ref(), statement.not_action.as_ref());
    may_accept(element, action, Language::Action)
}

fn accepts_resource(statement: &Statement, resource: &str, dialect: Dialect) -> bool {
    let element = (statement.resource.as_ref(), statement.not_resource.as_ref());
    may_accept(element, resource, Language::Resource(dialect))
}

const ACTIONS: [&str; 16] = [
    "oss:GetObject",
    "OSS:getobject",
    "oss:Get*",
    "oss:*Object",
    "oss:?etObject",
    "*",
    "ecs:*",
    "ecs:Describe*Instances",
    "ram:AttachPolicyToUser",
    "ram:*Policy*",
    " oss:PutObject ",
    "s3:Get*Tag?ing",
    "oss:Kelvin\u{212a}",
    "oss:GetÉtat",
    // Lower-cased as a whole, `Σ` ends a word as `ς`.
    "oss:GetAΣ",
    "oss:geta?",
];
const RESOURCES: [&str; 16] = [
    "*",
    "acs:oss:*:*:bucket-1/*",
    "acs:oss:*:*:bucket-12/*",
    "acs:oss:*:*:bucket-1",
    "acs:oss:*:*:*",
    "acs:oss:*:*:bucket-?/logs/*",
    "acs:ecs:*:*:instance/i-*",
    "acs:oss:*:*:${ram:UserName}/*",
    "arn:aws:s3:::Bucket/*",
    "arn:aws:s3:::bucket/*",
    "acs:oss:*:*:bucket-1/*.log",
    " acs:oss:*:*:bucket-2/* ",
    "acs:oss:*:*:données/*",
    "**",
    // In AWS, a `*` within its segment: no `:` in what it matches.
    "arn:aws:s3:::bucket/*log",
    "arn:aws:s3:::bucket/*:log",
];
const SAMPLES: [&str; 15] = [
    "oss:GetObject",
    "OSS:GETOBJECT",
    "ecs:DescribeInstances",
    "ram:AttachPolicyToUser",
    "oss:KelvinK",
    "oss:getétat",
    "acs:oss:::bucket-1/",
    "acs:oss:::bucket-12/x",
    "acs:oss:::bucket-1/a.log",
    "arn:aws:s3:::bucket/key",
    "acs:oss:::données/",
    "acs:ecs:::instance/i-",
    "oss:getaς",
    "arn:aws:s3:::bucket/x:log",
    "arn:aws:s3:::bucket/xlog",
];

/// A list of one to three of `items`, or (`long`) of a few dozen, most of them
/// numbered.
fn list(rng: &mut Rng, items: &[&str], long: bool) -> String {
    let n = if long {
        40 + rng.below(30)
    } else {
        1 + rng.below(3)
    };
    let picked: Vec<String> = (0..n)
        .map(|_| {
            let item = rng.pick(items);
            let item = match long && rng.below(4) > 0 {
                true => format!("{item}{}", rng.below(50)),
                false => item.to_string(),
            };
            serde_json::to_string(&item).unwrap()
        })
        .collect();
    format!("[{}]", picked.join(", "))
}

/// Random statements of every shape the index sorts (Action, NotAction, Resource,
/// NotResource, left out, both forms at once) with patterns of wildcards, `?`, case,
/// whitespace, policy variables and text not in ASCII.
/// Half of them AWS policies, without RAM resources (which would make them RAM's).
fn random_policy(rng: &mut Rng, statements: usize, long: bool) -> String {
    let aws = rng.below(2) == 0;
    let resources: Vec<&str> = RESOURCES
        .into_iter()
        .filter(|r| !(aws && r.trim().starts_with("acs:")))
        .collect();
    let mut out = Vec::new();
    let list = |rng: &mut Rng, items: &[&str]| {
        let long = long && rng.below(2) == 0;
        list(rng, items, long)
    };
    // An element of `items` in its plain form, its `Not` form, both, or left out.
    let element =
        |rng: &mut Rng, members: &mut Vec<String>, name: &str, items: &[&str]| match rng.below(8) {
            0 => members.push(format!(r#""Not{name}": {}"#, list(rng, items))),
            1 => {}
            2 => {
                members.push(format!(r#""{name}": {}"#, list(rng, items)));
                members.push(format!(r#""Not{name}": {}"#, list(rng, items)));
            }
            _ => members.push(format!(r#""{name}": {}"#, list(rng, items))),
        };
    for _ in 0..statements {
        let mut members = vec![r#""Effect": "Allow""#.to_string()];
        element(rng, &mut members, "Action", &ACTIONS);
        element(rng, &mut members, "Resource", &resources);
        out.push(format!("{{{}}}", members.join(", ")));
    }
    let version = if aws { "2012-10-17" } else { "1" };
    format!(
        r#"{{"Version": "{version}", "Statement": [{}]}}"#,
        out.join(",\n")
    )
}

/// The statements the index leaves a sample are the ones that accept it: the bit sets
/// equal those of testing every statement, on random long policies; and the judges
/// accept what the engine's statements may match, exactly so but for the AWS `*`
/// within a segment (read as any run in an element, which only accepts more).
#[test]
fn the_index_answers_as_testing_every_statement_does() {
    let mut rng = Rng(0xacce_97ed);
    let mut accepted = 0;
    let mut long_lists = 0;
    for round in 0..120 {
        // Many statements (the statements' index by literal run), a few dozen (by
        // prefix), or few with long lists (the lists').
        let long = round % 3 == 1;
        let prefixed = round % 3 == 2;
        let statements = match round % 3 {
            0 => INDEXED_FROM + rng.below(100),
            1 => 2 + rng.below(4),
            _ => PREFIXED_FROM + rng.below(INDEXED_FROM - PREFIXED_FROM),
        };
        let text = random_policy(&mut rng, statements, long);
        let arena = Arena::new();
        let parsed = parse(&text, &arena).unwrap();
        let policy = Policy::from_root(&parsed.root, &arena).unwrap();
        let others: Vec<&Statement> = policy.statements.iter().collect();
        let mut acceptance = Acceptance::new(&others, policy.dialect);
        assert!(acceptance.action_side.is_none());
        for sample in SAMPLES.iter().chain(&ACTIONS).chain(&RESOURCES) {
            let sample = Cow::Borrowed(*sample);
            let actions = acceptance.of_action(&sample);
            let resources = acceptance.of_resource(&sample);
            let every = |accepts: &dyn Fn(&Statement) -> bool| {
                accepting(others.len(), None, &sample, |i| accepts(others[i]))
            };
            let dialect = policy.dialect;
            let must_accept_resource = every(&|s| accepts_resource(s, &sample, dialect));
            assert_eq!(
                actions,
                every(&|s| accepts_action(s, &sample)),
                "{sample} in {text}"
            );
            let judges = acceptance.resource_side.as_ref().unwrap();
            let judged = every(&|s| {
                let i = others.iter().position(|o| o.index == s.index).unwrap();
                judges.judges[i].accepts(trim(&sample), sample.is_ascii(), Side::Resource)
            });
            assert_eq!(resources, judged, "{sample} in {text}");
            let segment_stars = text.contains("/*log");
            if dialect == Dialect::Ram || !segment_stars {
                assert_eq!(resources, must_accept_resource, "{sample} in {text}");
            }
            for (judged, must) in resources.words().iter().zip(must_accept_resource.words()) {
                assert_eq!(judged & must, *must, "{sample} in {text}");
            }
            accepted += actions
                .words()
                .iter()
                .chain(resources.words())
                .map(|b| b.count_ones())
                .sum::<u32>();
        }
        if long {
            long_lists += [&acceptance.action_side, &acceptance.resource_side]
                .into_iter()
                .flatten()
                .flat_map(|side| &side.judges)
                .filter(|judge| matches!(judge, Judge::Patterns { index, .. } if index.built.get().is_some_and(Option::is_some)))
                .count();
            continue;
        }
        for side in [&acceptance.action_side, &acceptance.resource_side] {
            let index = side.as_ref().and_then(|side| side.index.as_ref());
            match prefixed {
                true => assert!(matches!(index, Some(SideIndex::Prefixes(_)))),
                false => assert!(matches!(index, Some(SideIndex::Runs { .. }))),
            }
        }
    }
    assert!(accepted > 10_000, "{accepted}");
    assert!(long_lists > 40, "{long_lists}");
}
