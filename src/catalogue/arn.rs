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
/// The table size for fields no longer than this many bytes.
const SHORT_UNITS: usize = 32;

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
fn template_units(template: &str, out: &mut [Unit]) -> Option<usize> {
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
fn resource_units(resource: &str, out: &mut [Unit]) -> Option<usize> {
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
    /// The smallest position at least `from` in the set.
    fn first_from(&self, from: usize) -> Option<usize> {
        let mut word = from / 64;
        let mut bits = *self.0.get(word)? & (u64::MAX << (from % 64));
        loop {
            if bits != 0 {
                return Some(word * 64 + bits.trailing_zeros() as usize);
            }
            word += 1;
            bits = *self.0.get(word)?;
        }
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
    let count = if template.starts_with("arn:") { 6 } else { 5 };
    let (Some(template_fields), Some(resource_fields)) =
        (fields(template, count), fields(resource, count))
    else {
        return true;
    };
    // The service (a plain word on both sides) first: it tells most pairs apart.
    let service = count - 4;
    units_may_match(template_fields[service], resource_fields[service])
        && (0..count)
            .filter(|&i| i != service)
            .all(|i| units_may_match(template_fields[i], resource_fields[i]))
}

/// The first `count` (at most 6) colon-separated fields of `text`, the last holding the
/// rest; `None` when it has fewer.
fn fields(text: &str, count: usize) -> Option<[&str; 6]> {
    let mut out = [""; 6];
    let mut rest = text;
    for field in out.iter_mut().take(count - 1) {
        let (head, tail) = crate::matching::split_once_byte(rest, b':')?;
        *field = head;
        rest = tail;
    }
    out[count - 1] = rest;
    Some(out)
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
    // By bytes: every special character is ASCII.
    let plain = |text: &str, special: &[u8]| {
        text.len() <= MAX_UNITS && !text.bytes().any(|b| special.contains(&b))
    };
    if plain(template, b"${*?") && plain(resource, b"$*?") {
        return template.eq_ignore_ascii_case(resource);
    }
    if let Some(answer) = literal_then_placeholder(template, resource) {
        return answer;
    }
    units_may_match_by_table(template, resource)
}

/// The table's answer for the commonest fields it would be asked about, without it: a
/// template field of literal text ending in one placeholder (`${Partition}`,
/// `{AccountId}`, `instance/{InstanceId}`) against a resource field of literal text,
/// perhaps ending in `*`s (`aws`, `123456789012`, `instance/web-*`). `None` for any other
/// shape.
fn literal_then_placeholder(template: &str, resource: &str) -> Option<bool> {
    let bytes = template.as_bytes();
    let brace = memchr::memchr(b'{', bytes)?;
    let (literal, start) = match brace.checked_sub(1) {
        Some(dollar) if bytes[dollar] == b'$' => (&bytes[..dollar], brace + 1),
        _ => (&bytes[..brace], brace + 1),
    };
    let close = memchr::memchr(b'}', &bytes[start..])?;
    if start + close + 1 != bytes.len()
        || literal.len() >= MAX_UNITS
        || memchr::memchr2(b'*', b'?', literal).is_some()
    {
        return None;
    }
    let unit = placeholder(&template[start..start + close]);
    let resource = resource.as_bytes();
    let stem = resource.len() - resource.iter().rev().take_while(|&&b| b == b'*').count();
    let (stem, starred) = (&resource[..stem], stem < resource.len());
    if resource.len() > MAX_UNITS || memchr::memchr3(b'$', b'*', b'?', stem).is_some() {
        return None;
    }
    if stem.len() < literal.len() {
        // A trailing `*` takes the rest of the literal and the placeholder nothing.
        return Some(starred && literal[..stem.len()].eq_ignore_ascii_case(stem));
    }
    let (head, tail) = stem.split_at(literal.len());
    Some(head.eq_ignore_ascii_case(literal) && tail.iter().all(|&byte| allows(unit, byte)))
}

fn units_may_match_by_table(template: &str, resource: &str) -> bool {
    // A pattern has at most as many units as bytes, and most fields are short: filling
    // tables of the longest size was most of the cost of a short walk.
    if template.len().max(resource.len()) <= SHORT_UNITS {
        walk::<SHORT_UNITS>(template, resource)
    } else {
        walk::<MAX_UNITS>(template, resource)
    }
}

/// The walk, with tables of `N` units (patterns longer than `MAX_UNITS` are assumed to
/// match).
fn walk<const N: usize>(template: &str, resource: &str) -> bool {
    let (mut t, mut r) = ([ANY; N], [ANY; N]);
    let (Some(t_len), Some(r_len)) = (
        template_units(template, &mut t),
        resource_units(resource, &mut r),
    ) else {
        return true;
    };
    let (t, r) = (&t[..t_len], &r[..r_len]);
    // Only the positions a row holds are visited (few: literals pin them), so a long
    // literal costs its length, not its length times the other's.
    let mut row = Positions::default();
    row.add(0);
    for i in 0..=t.len() {
        // Moves within the row (the resource advances, the template stays at unit i); a
        // position added here is visited in turn.
        let mut at = row.first_from(0);
        while let Some(j) = at.filter(|&j| j < r.len()) {
            let advance = match (t.get(i), r[j]) {
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
            at = row.first_from(j + 1);
        }
        let Some(&unit) = t.get(i) else { break };
        // Moves to the next row (the template advances past unit i).
        let mut next = Positions::default();
        let mut at = row.first_from(0);
        while let Some(j) = at {
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
            at = row.first_from(j + 1);
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
    let (scheme, rest) = crate::matching::split_once_byte(resource, b':')?;
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
mod tests;
