use super::*;

/// The walk as it was before it visited only the positions a row holds: every
/// position of every row (the reference the faster walk must agree with).
fn units_may_match_by_table_reference(template: &str, resource: &str) -> bool {
    let (mut t, mut r) = ([ANY; MAX_UNITS], [ANY; MAX_UNITS]);
    let (Some(t_len), Some(r_len)) = (
        template_units(template, &mut t),
        resource_units(resource, &mut r),
    ) else {
        return true;
    };
    let (t, r) = (&t[..t_len], &r[..r_len]);
    let mut row = Positions::default();
    row.add(0);
    for i in 0..=t.len() {
        // Moves within the row (the resource advances, the template stays at unit i).
        for (j, &resource_unit) in r.iter().enumerate() {
            if !row.has(j) {
                continue;
            }
            let advance = match (t.get(i), resource_unit) {
                // The resource's wildcard matches nothing more.
                (_, Unit::Any { .. }) => true,
                // The template's placeholder takes the resource's character.
                (Some(&unit @ Unit::Any { .. }), Unit::Byte(byte)) => allows(unit, byte),
                (Some(Unit::Any { .. }), Unit::One) => true,
                _ => false,
            };
            if advance {
                row.add(j + 1);
            }
        }
        let Some(&unit) = t.get(i) else { break };
        // Moves to the next row (the template advances past unit i).
        let mut next = Positions::default();
        for j in 0..=r.len() {
            if !row.has(j) {
                continue;
            }
            match (unit, r.get(j)) {
                // The placeholder ends.
                (Unit::Any { .. }, _) => next.add(j),
                // The resource's wildcard takes the template's character, and stays.
                (_, Some(Unit::Any { excluded })) if excluded == &[0, 0] => next.add(j),
                (Unit::Byte(a), Some(Unit::Byte(b))) if a.eq_ignore_ascii_case(b) => {
                    next.add(j + 1)
                }
                (Unit::Byte(_) | Unit::One, Some(Unit::One)) | (Unit::One, Some(Unit::Byte(_))) => {
                    next.add(j + 1)
                }
                _ => {}
            }
        }
        if next.is_empty() {
            return false;
        }
        row = next;
    }
    row.has(r.len())
}

/// `template_may_match` as it was before it split each name once.
fn template_may_match_reference(template: &str, resource: &str) -> bool {
    if resource == "*" || !resource.is_ascii() {
        return true;
    }
    let fields = if template.starts_with("arn:") { 6 } else { 5 };
    if resource.split(':').take(fields).count() < fields
        || template.split(':').take(fields).count() < fields
    {
        return true;
    }
    template
        .splitn(fields, ':')
        .zip(resource.splitn(fields, ':'))
        .all(|(t, r)| {
            let plain =
                |text: &str, special: &[char]| !text.contains(special) && text.len() <= MAX_UNITS;
            if plain(t, &['$', '{', '*', '?']) && plain(r, &['$', '*', '?']) {
                t.eq_ignore_ascii_case(r)
            } else {
                units_may_match_by_table_reference(t, r)
            }
        })
}

#[test]
fn resources_against_templates() {
    let object = "arn:${Partition}:s3:::${BucketName}/${ObjectName}";
    let bucket = "arn:${Partition}:s3:::${BucketName}";
    for (template, resource, expected) in [
        (object, "arn:aws:s3:::logs/*", true),
        (object, "arn:aws:s3:::logs/2024/a.txt", true),
        (object, "arn:aws:s3:::logs", false),
        (object, "arn:aws:s3:::logs*", true),
        (object, "arn:aws:s3:::*", true),
        (object, "arn:aws:s3:::${aws:username}", true),
        (object, "arn:aws-cn:s3:::logs/a", true),
        (object, "arn:aws:ec2:*:*:instance/*", false),
        (object, "arn:aws:*", true),
        (object, "ARN:AWS:S3:::logs/a", true),
        (bucket, "arn:aws:s3:::logs", true),
        (bucket, "arn:aws:s3:::logs/*", false),
        (bucket, "arn:aws:s3:::log?", true),
        (bucket, "arn:aws:s3:::*", true),
        (bucket, "arn:aws:s3:::logs/a", false),
        (
            "arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}:log-stream:${LogStreamName}",
            "arn:aws:logs:*:*:log-group:/aws/lambda/*",
            true,
        ),
        (
            "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}",
            "arn:aws:iam::123456789012:role/service-role/x",
            true,
        ),
        (
            "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}",
            "arn:aws:iam::123456789012:user/x",
            false,
        ),
        (
            "acs:ecs:{RegionId}:{AccountId}:instance/{InstanceId}",
            "acs:ecs:*:*:instance/i-123",
            true,
        ),
        (
            "acs:ecs:{RegionId}:{AccountId}:instance/{InstanceId}",
            "acs:ecs:*:*:*",
            true,
        ),
        ("acs:slb:*:{AccountId}:*", "acs:log:*:*:project/p", false),
        (
            "acs:oss:{RegionId}:{AccountId}:{BucketName}",
            "acs:oss:*:*:logs/*",
            false,
        ),
        (
            "acs:oss:{RegionId}:{AccountId}:{BucketName}/{ObjectName}",
            "acs:oss:*:*:logs",
            false,
        ),
        (
            "acs:oss:{RegionId}:{AccountId}:{BucketName}/{ObjectName}",
            "acs:oss:*:*:logs*",
            true,
        ),
        (object, "*", true),
        (object, "arn:aws:s3:::é", true),
    ] {
        assert_eq!(
            template_may_match(template, resource),
            expected,
            "{template} vs {resource}"
        );
    }
    let long = format!("arn:aws:s3:::{}", "a".repeat(300));
    assert!(
        template_may_match(bucket, &long),
        "too long: assumed to match"
    );
}

#[test]
fn plain_fields_compare_as_the_table_does() {
    let alphabet = ["", "a", "A", "b", "-"];
    let mut words = vec![String::new()];
    for _ in 0..3 {
        let longer: Vec<String> = words
            .iter()
            .flat_map(|w| alphabet.iter().map(move |c| format!("{w}{c}")))
            .collect();
        words.extend(longer);
    }
    words.sort_unstable();
    words.dedup();
    for template in &words {
        for resource in &words {
            assert_eq!(
                units_may_match(template, resource),
                units_may_match_by_table(template, resource),
                "{template:?} vs {resource:?}"
            );
        }
    }
    assert!(
        units_may_match(&"a".repeat(300), &"b".repeat(300)),
        "too long: assumed"
    );
}

/// A random pattern of `pieces`: sometimes longer than a 64-bit word of positions,
/// now and then longer than the walk takes.
fn random_pattern(rng: &mut crate::testing::Rng, pieces: &[&str]) -> String {
    let len = match rng.below(10) {
        0 => 60 + rng.below(220),
        1..=3 => rng.below(3),
        _ => rng.below(24),
    };
    (0..len).map(|_| rng.pick(pieces)).collect()
}

#[test]
fn the_walk_agrees_with_the_walk_over_every_position() {
    let template_pieces = [
        "a",
        "B",
        "b",
        "-",
        "/",
        ":",
        "*",
        "?",
        "{RegionId}",
        "${Partition}",
        "{BucketName}",
        "${ObjectName}",
        "{",
        "$",
        "}",
        "instance/",
        "x",
    ];
    let resource_pieces = [
        "a",
        "A",
        "b",
        "-",
        "/",
        ":",
        "*",
        "?",
        "**",
        "${aws:username}",
        "${",
        "$",
        "}",
        "instance/",
        "x",
        "\0",
    ];
    let mut rng = crate::testing::Rng(0x9e37_79b9_7f4a_7c15);
    let (mut matched, mut unmatched) = (0, 0);
    for _ in 0..200_000 {
        let template = random_pattern(&mut rng, &template_pieces);
        let resource = random_pattern(&mut rng, &resource_pieces);
        let expected = units_may_match_by_table_reference(&template, &resource);
        assert_eq!(
            units_may_match_by_table(&template, &resource),
            expected,
            "{template:?} vs {resource:?}"
        );
        if expected {
            matched += 1
        } else {
            unmatched += 1
        }
    }
    // Both answers are common, or the comparison would show little.
    assert!(
        matched > 20_000 && unmatched > 20_000,
        "{matched} {unmatched}"
    );
}

#[test]
fn templates_of_the_catalogues_answer_as_before() {
    let templates: Vec<&str> = crate::catalogue::all()
        .into_iter()
        .flat_map(|catalogue| catalogue.services())
        .flat_map(|service| service.resource_types())
        .flat_map(|t| t.arn_templates())
        .collect();
    assert!(templates.len() > 1000, "{}", templates.len());
    let fills = [
        "*",
        "",
        "x",
        "logs/*",
        "a?c",
        "${aws:username}",
        "i-1",
        "p/logstore/*",
        "123456789012",
    ];
    let mut rng = crate::testing::Rng(7);
    let mut resources: Vec<String> = [
        "*",
        "arn:aws:s3:::logs/*",
        "arn:aws:s3:::logs",
        "acs:oss:*:*:*",
        "acs:ecs:*:*:instance/*",
        "acs:rds:*:*:dbinstance/i-bp1",
        "arn:aws:iam::*:role/x",
        "arn:aws:*",
        "acs:log:*:*:project/p/logstore/*",
        "arn:aws:lambda:*:1:function:f",
    ]
    .map(String::from)
    .to_vec();
    // Names made from templates: placeholders filled, some parts turned into wildcards.
    for _ in 0..3000 {
        let template = templates[rng.below(templates.len())];
        let mut name = String::new();
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            let close = rest[open..].find('}').map_or(rest.len(), |c| open + c + 1);
            let literal = rest[..open].trim_end_matches('$');
            name.push_str(if rng.below(8) == 0 { "*" } else { literal });
            name.push_str(rng.pick(&fills));
            rest = &rest[close..];
        }
        name.push_str(rest);
        if template.starts_with("arn:") && rng.below(2) == 0 {
            name = name.replacen("arn::", "arn:aws:", 1);
        }
        resources.push(name);
    }
    let mut matched = 0;
    for (i, resource) in resources.iter().enumerate() {
        // Every name against a sample of templates (all of them for the first few).
        let step = if i < 10 { 1 } else { 97 };
        for template in templates.iter().skip(i % step).step_by(step) {
            let expected = template_may_match_reference(template, resource);
            assert_eq!(
                template_may_match(template, resource),
                expected,
                "{template} vs {resource}"
            );
            matched += usize::from(expected);
        }
    }
    assert!(matched > 1000, "{matched}");
}

#[test]
fn resources_naming_every_resource() {
    for (resource, expected) in [
        ("*", true),
        ("arn:aws:s3:::*", true),
        ("acs:oss:*:*:*", true),
        ("acs:ecs:*:*:**", true),
        ("arn:aws:s3:::logs", false),
        ("acs:oss:*:*:logs/*", false),
        ("acs:oss:*:*:", false),
        ("acs:oss", false),
    ] {
        assert_eq!(names_every_resource(resource), expected, "{resource}");
    }
}

/// A field of wildcards only is answered without the table, as the table answers it.
#[test]
fn a_field_of_wildcards_takes_any_template_field() {
    let templates = [
        "arn:${Partition}:s3:::${BucketName}/${ObjectName}",
        "arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}:log-stream:${LogStreamName}",
        "acs:ecs:{RegionId}:{AccountId}:instance/{InstanceId}",
        "acs:ram:*:{#accountId}:role/{#RoleName}",
    ];
    for field in templates.iter().flat_map(|t| t.split(':')) {
        for wildcards in ["*", "**", "***"] {
            assert!(units_may_match(field, wildcards), "{field}");
            assert!(units_may_match_by_table(field, wildcards), "{field}");
        }
    }
}

/// The shortcut for a literal ending in one placeholder answers as the table does,
/// whenever it answers: on fields of that shape (against literal resources, some ending
/// in `*`s) and on random fields of any shape.
#[test]
fn a_literal_then_a_placeholder_answers_as_the_table_does() {
    let literal_pieces = ["a", "B", "b", "-", "/", "$", "instance/", "x", "}"];
    let placeholders = [
        "${Partition}",
        "{RegionId}",
        "{AccountId}",
        "${BucketName}",
        "{BucketName}",
        "${ObjectName}",
        "{}",
        "{a{b}",
    ];
    let resource_pieces = [
        "a",
        "A",
        "b",
        "-",
        "/",
        "instance/",
        "x",
        "\0",
        ":",
        "$",
        "{",
    ];
    let mut rng = crate::testing::Rng(0x0005_eed0_fa11);
    let (mut answered, mut matched) = (0, 0);
    for round in 0..100_000 {
        let (template, resource) = if round % 4 == 0 {
            let template = random_pattern(
                &mut rng,
                &[
                    "a",
                    "*",
                    "?",
                    "{RegionId}",
                    "${Partition}",
                    "{",
                    "$",
                    "}",
                    "/",
                ],
            );
            let resource = random_pattern(&mut rng, &["a", "A", "*", "?", "${", "$", "/", ":"]);
            (template, resource)
        } else {
            let literal: String = (0..rng.below(4))
                .map(|_| rng.pick(&literal_pieces))
                .collect();
            let template = format!("{literal}{}", rng.pick(&placeholders));
            let mut resource: String = (0..rng.below(6))
                .map(|_| rng.pick(&resource_pieces))
                .collect();
            resource.push_str(&"*".repeat(rng.below(3)));
            (template, resource)
        };
        let Some(answer) = literal_then_placeholder(&template, &resource) else {
            continue;
        };
        answered += 1;
        matched += usize::from(answer);
        assert_eq!(
            answer,
            units_may_match_by_table(&template, &resource),
            "{template:?} vs {resource:?}"
        );
    }
    assert!(
        answered > 50_000 && matched > 10_000 && answered - matched > 10_000,
        "{answered} {matched}"
    );
}
