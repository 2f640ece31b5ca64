//! The other statements of a policy of a dozen statements or more, by what their patterns
//! start with: a sample meets only those that may accept it. Every string a pattern
//! matches starts with the pattern's text up to its first wildcard, so a pattern whose
//! text up to the service (`oss:` for an action, `acs:oss:` or `arn:aws:` for a resource)
//! holds no wildcard matches only samples that start so. Most statements of a long policy
//! name another service than the sample's; each one scanned cost a pattern match.

use super::{Judge, Side};

/// From this many other statements a side is indexed by prefix; from `INDEXED_FROM`, by
/// literal runs (`RunIndex`), which the bit sets here (one word) do not reach.
pub(super) const PREFIXED_FROM: usize = 12;

pub(super) struct Prefixes<'p> {
    /// Each distinct prefix, with the statements (bits) one of whose patterns has it.
    keys: Vec<(&'p str, u64)>,
    /// The statements that may accept a sample whatever it starts with.
    always: u64,
    side: Side,
}

impl<'p> Prefixes<'p> {
    /// `None` past 64 judges, or when every one may accept anything.
    pub(super) fn of(judges: &[Judge<'p>], side: Side) -> Option<Self> {
        if judges.len() > 64 {
            return None;
        }
        let mut keys: Vec<(&'p str, u64)> = Vec::new();
        let mut always = 0u64;
        for (i, judge) in judges.iter().enumerate() {
            let bit = 1u64 << i;
            let patterns = match judge {
                Judge::Never => continue,
                // A `Not` element may accept a sample none of its patterns matches.
                Judge::Always | Judge::Patterns { negated: true, .. } => {
                    always |= bit;
                    continue;
                }
                Judge::Patterns { patterns, .. } => patterns,
            };
            for pattern in patterns {
                // A pattern with a policy variable accepts anything.
                let key = (!pattern.variable)
                    .then(|| pattern_prefix(pattern.text, side))
                    .flatten();
                let Some(key) = key else {
                    always |= bit;
                    break;
                };
                match keys.iter_mut().find(|(known, _)| same(known, key, side)) {
                    Some((_, bits)) => *bits |= bit,
                    None => keys.push((key, bit)),
                }
            }
        }
        (!keys.is_empty()).then_some(Prefixes { keys, always, side })
    }

    /// The statements that may accept `sample` (trimmed), as a bit set; `None` for an
    /// action not in ASCII, whose case folding is Unicode's.
    pub(super) fn may_accept(&self, sample: &str) -> Option<u64> {
        if self.side == Side::Action && !sample.is_ascii() {
            return None;
        }
        let Some(key) = up_to_service(sample, self.side) else {
            return Some(self.always);
        };
        let keyed = self
            .keys
            .iter()
            .filter(|(known, _)| same(known, key, self.side));
        Some(keyed.fold(self.always, |bits, (_, more)| bits | more))
    }
}

/// A text up to and including the colon that ends its service: the first for an action
/// (`oss:`), the second for a resource (`acs:oss:`, `arn:aws:`).
fn up_to_service(text: &str, side: Side) -> Option<&str> {
    let colons = match side {
        Side::Action => 1,
        Side::Resource => 2,
    };
    let end = memchr::memchr_iter(b':', text.as_bytes()).nth(colons - 1)?;
    Some(&text[..=end])
}

/// A pattern's text up to its service, when no wildcard (nor `$`, nor for an action text
/// not in ASCII) comes before.
fn pattern_prefix(pattern: &str, side: Side) -> Option<&str> {
    let prefix = up_to_service(pattern, side)?;
    let plain = prefix
        .bytes()
        .all(|b| !matches!(b, b'*' | b'?' | b'$') && (side == Side::Resource || b.is_ascii()));
    plain.then_some(prefix)
}

/// Actions compare in any case (ASCII here), resources exactly.
fn same(a: &str, b: &str, side: Side) -> bool {
    match side {
        Side::Action => a.eq_ignore_ascii_case(b),
        Side::Resource => a == b,
    }
}
