//! Resource names against ARN templates: can a resource pattern of a policy
//! (`arn:aws:s3:::logs/*`, `acs:ecs:*:*:instance/*`, with `*`, `?` and policy variables)
//! name a resource of an action's template (`arn:${Partition}:s3:::${BucketName}/${ObjectName}`,
//! `acs:ecs:{RegionId}:{AccountId}:instance/{InstanceId}`)? Both sides are patterns, so the
//! question is whether some string matches both: a walk over pairs of positions, as for
//! two automata, in bit sets on the stack.
//!
//! The answer leans to "yes": placeholders take any text (only the partition, region and
//! account ones exclude `:`, and a bucket name excludes `/`), literals compare in any ASCII
//! case, policy variables (`${aws:username}`) and template wildcards take any text, and a
//! resource too long or not ASCII is given the benefit of the doubt.

/// One unit of a pattern: a byte, or text of any length that may not hold some bytes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Unit {
    Byte(u8),
    /// Any text (none of `excluded` when it is not 0).
    Any {
        excluded: [u8; 2],
    },
    /// Exactly one character.
    One,
}

const ANY: Unit = Unit::Any { excluded: [0, 0] };
/// Longest pattern (in units) the walk handles; longer ones are assumed to match.
const MAX_UNITS: usize = 255;

/// The placeholder `name` (`Partition`, `BucketName`) as a unit.
fn placeholder(name: &str) -> Unit {
    let lower = |s: &str| name.eq_ignore_ascii_case(s);
    if ["partition", "region", "account", "regionid", "accountid"]
        .iter()
        .any(|n| lower(n))
    {
        Unit::Any {
            excluded: [b':', 0],
        }
    } else if lower("bucketname") {
        Unit::Any {
            excluded: [b':', b'/'],
        }
    } else {
        ANY
    }
}

/// `*` any text, `?` one character, any other byte itself.
fn wildcard_or_byte(byte: u8) -> Unit {
    match byte {
        b'*' => ANY,
        b'?' => Unit::One,
        byte => Unit::Byte(byte),
    }
}

/// The units of an ARN template: `${Name}` and `{Name}` placeholders, `*` any text.
fn template_units(template: &str, out: &mut [Unit; MAX_UNITS]) -> Option<usize> {
    let bytes = template.as_bytes();
    let (mut i, mut n) = (0, 0);
    while i < bytes.len() {
        let open = match bytes[i] {
            b'$' if bytes.get(i + 1) == Some(&b'{') => Some(i + 2),
            b'{' => Some(i + 1),
            _ => None,
        };
        let unit = match open.and_then(|start| Some((start, template[start..].find('}')?))) {
            Some((start, len)) => {
                i = start + len + 1;
                placeholder(&template[start..start + len])
            }
            None => {
                i += 1;
                wildcard_or_byte(bytes[i - 1])
            }
        };
        *out.get_mut(n)? = unit;
        n += 1;
    }
    Some(n)
}

/// The units of a resource pattern: `*`, `?`, and policy variables (`${aws:username}`,
/// any text; `${*}`, `${?}`, `${$}` are literal characters, taken as any text too).
fn resource_units(resource: &str, out: &mut [Unit; MAX_UNITS]) -> Option<usize> {
    let bytes = resource.as_bytes();
    let (mut i, mut n) = (0, 0);
    while i < bytes.len() {
        let unit = if bytes[i] == b'$' && bytes.get(i + 1) == Some(&b'{') {
            match resource[i..].find('}') {
                Some(len) => {
                    i += len + 1;
                    ANY
                }
                None => {
                    i += 1;
                    Unit::Byte(b'$')
                }
            }
        } else {
            i += 1;
            wildcard_or_byte(bytes[i - 1])
        };
        *out.get_mut(n)? = unit;
        n += 1;
    }
    Some(n)
}

/// Positions 0..=255 of the resource, as a bit set.
#[derive(Clone, Copy, Default)]
struct Positions([u64; 4]);

impl Positions {
    fn has(&self, j: usize) -> bool {
        self.0[j / 64] & (1 << (j % 64)) != 0
    }
    fn add(&mut self, j: usize) {
        self.0[j / 64] |= 1 << (j % 64);
    }
    fn is_empty(&self) -> bool {
        self.0 == [0; 4]
    }
}

/// Whether text matching `unit` of the template can hold byte `byte`.
fn allows(unit: Unit, byte: u8) -> bool {
    match unit {
        Unit::Any { excluded } => byte == 0 || !excluded.contains(&byte),
        _ => false,
    }
}

/// Whether some resource name matches both the template and the resource pattern.
/// Wildcards stay within the colon-separated fields before the resource part (the IAM
/// reference lets a trailing `*` of a field run on, but the fields of a resource are its
/// partition, service, region and account, which no real name spreads across); a
/// resource with fewer fields (MaxCompute's 4-part form, a malformed name PL102 reports)
/// is given the benefit of the doubt.
pub fn template_may_match(template: &str, resource: &str) -> bool {
    if resource == "*" || !resource.is_ascii() {
        return true;
    }
    let fields = if template.starts_with("arn:") { 6 } else { 5 };
    let mut template_fields = template.splitn(fields, ':');
    let mut resource_fields = resource.splitn(fields, ':');
    if resource.split(':').take(fields).count() < fields
        || template.split(':').take(fields).count() < fields
    {
        return true;
    }
    template_fields
        .by_ref()
        .zip(resource_fields.by_ref())
        .all(|(t, r)| units_may_match(t, r))
}

/// Whether some text matches both the template's units and the resource's.
fn units_may_match(template: &str, resource: &str) -> bool {
    // Most fields are plain on both sides (`arn`, `s3`, a region, an account): no table.
    // (A field too long for the table is given the benefit of the doubt below.)
    // A resource field of wildcards only (`*` for the region or account) takes any text:
    // the table's answer, without it.
    if !resource.is_empty() && resource.bytes().all(|b| b == b'*') {
        return true;
    }
    let plain = |text: &str, special: &[char]| !text.contains(special) && text.len() <= MAX_UNITS;
    if plain(template, &['$', '{', '*', '?']) && plain(resource, &['$', '*', '?']) {
        return template.eq_ignore_ascii_case(resource);
    }
    units_may_match_by_table(template, resource)
}

fn units_may_match_by_table(template: &str, resource: &str) -> bool {
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

/// The parts of a resource name: (`arn` or `acs`, service, resource part). The resource
/// part is what follows the account (`logs/*` in `arn:aws:s3:::logs/*`).
pub fn parts(resource: &str) -> Option<(&str, &str, &str)> {
    let (scheme, rest) = resource.split_once(':')?;
    let mut fields = rest.splitn(if scheme == "arn" { 5 } else { 4 }, ':');
    match scheme {
        "arn" => {
            let (_partition, service) = (fields.next()?, fields.next()?);
            let (_region, _account) = (fields.next()?, fields.next()?);
            Some((scheme, service, fields.next()?))
        }
        "acs" => {
            let service = fields.next()?;
            let (_region, _account) = (fields.next()?, fields.next()?);
            Some((scheme, service, fields.next()?))
        }
        _ => None,
    }
}

/// Whether a resource pattern names every resource of its service: `*`, or an ARN whose
/// resource part is only wildcards (`arn:aws:s3:::*`, `acs:oss:*:*:*`).
pub fn names_every_resource(resource: &str) -> bool {
    resource == "*"
        || parts(resource)
            .is_some_and(|(_, _, part)| !part.is_empty() && part.bytes().all(|b| b == b'*'))
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
