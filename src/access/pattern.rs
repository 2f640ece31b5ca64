//! The pattern languages of policies, compiled to items that both matching a request and
//! the automata of `automaton.rs` read.
//!
//! - Actions: `*` any run of characters, `?` one character, compared in any case (RAM:
//!   "the value of the Action element is not case-sensitive"; IAM: "The prefix and the
//!   action name are case insensitive"). Both sides are lower-cased with
//!   `str::to_lowercase` before they are compared.
//! - Resources: `*` and `?`, case-sensitive, and policy variables (`${aws:username}`,
//!   `${acs:...}`; `${*}`, `${?}` and `${$}` stand for the literal characters). In AWS,
//!   "if the `*` wildcard is the last character of a resource ARN segment, it can expand to
//!   match beyond the colon boundaries" (IAM JSON policy elements: Resource): a `*` that is
//!   not the last character of its segment matches within the segment only, that is no `:`.
//!   RAM documents no such limit, so a RAM `*` matches any run.

use crate::model::Dialect;
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Item {
    Lit(char),
    /// `?`: any one character.
    One,
    /// `*`: any run of characters.
    Star,
    /// An AWS resource `*` that is not the last character of its ARN segment: any run of
    /// characters without a `:`.
    SegmentStar,
    /// A policy variable, by index in a [`Variables`] table.
    Var(u32),
}

/// Which pattern language a text is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    Action,
    Resource(Dialect),
}

/// A policy variable: its key as written (`aws:username`) and its default value
/// (`${aws:username, 'nobody'}`), if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variable {
    pub key: String,
    pub default: Option<String>,
}

/// The variables of the patterns compiled so far, each once (keys compare in any case, as
/// condition keys do).
#[derive(Debug, Default, Clone)]
pub struct Variables {
    list: Vec<Variable>,
    ids: HashMap<(String, Option<String>), u32>,
}

impl Variables {
    pub fn get(&self, id: u32) -> &Variable {
        &self.list[id as usize]
    }

    fn intern(&mut self, variable: Variable) -> u32 {
        let key = (variable.key.to_lowercase(), variable.default.clone());
        let next = self.list.len() as u32;
        *self.ids.entry(key).or_insert_with(|| {
            self.list.push(variable);
            next
        })
    }
}

/// The items of a pattern written in `language`. Runs of `*` read as one `*`.
pub fn compile(text: &str, language: Language, variables: &mut Variables) -> Vec<Item> {
    let text = crate::matching::trim(text);
    let mut items = Vec::with_capacity(text.len());
    match language {
        Language::Action => {
            for c in text.to_lowercase().chars() {
                push_char(&mut items, c);
            }
        }
        Language::Resource(dialect) => {
            let mut rest = text;
            while let Some(c) = rest.chars().next() {
                if let Some((item, after)) = variable_at(rest, variables) {
                    items.push(item);
                    rest = after;
                    continue;
                }
                push_char(&mut items, c);
                rest = &rest[c.len_utf8()..];
            }
            if dialect == Dialect::Aws {
                confine_stars_to_segments(&mut items);
            }
        }
    }
    items
}

fn push_char(items: &mut Vec<Item>, c: char) {
    match c {
        '*' if items.last() == Some(&Item::Star) => {}
        '*' => items.push(Item::Star),
        '?' => items.push(Item::One),
        c => items.push(Item::Lit(c)),
    }
}

/// A `${...}` at the start of `text`: the item it stands for and the text after it.
fn variable_at<'t>(text: &'t str, variables: &mut Variables) -> Option<(Item, &'t str)> {
    let inner_and_rest = text.strip_prefix("${")?;
    let end = inner_and_rest.find('}')?;
    let inner = inner_and_rest[..end].trim();
    let rest = &inner_and_rest[end + 1..];
    let item = match inner {
        "*" => Item::Lit('*'),
        "?" => Item::Lit('?'),
        "$" => Item::Lit('$'),
        "" => return None,
        _ => {
            let (key, default) = match inner.split_once(',') {
                Some((key, default)) => {
                    let default = default.trim();
                    let unquoted = default
                        .strip_prefix('\'')
                        .and_then(|d| d.strip_suffix('\''))
                        .unwrap_or(default);
                    (key.trim(), Some(unquoted.to_string()))
                }
                None => (inner, None),
            };
            Item::Var(variables.intern(Variable {
                key: key.to_string(),
                default,
            }))
        }
    };
    Some((item, rest))
}

/// AWS: a `*` followed by anything but `:` or the end of the pattern matches within its
/// ARN segment only.
fn confine_stars_to_segments(items: &mut [Item]) {
    for i in 0..items.len() {
        if items[i] == Item::Star && !matches!(items.get(i + 1), None | Some(Item::Lit(':'))) {
            items[i] = Item::SegmentStar;
        }
    }
}

/// What an automaton reads: a character, a policy variable (whose value is unknown), or
/// any character that no pattern of the question names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Symbol {
    Char(char),
    Var(u32),
    Other,
}

/// The positions a pattern can stand at, sorted, with what a `*` skips added: position
/// `i` is before `items[i]`, and `items.len()` is the end (a match). Positions before the
/// last `*` reached are dropped: whatever they could still match, that `*` matches too, so
/// a single pattern's state stays small.
pub fn close(items: &[Item], positions: &mut Vec<u32>) {
    positions.sort_unstable();
    positions.dedup();
    let mut i = 0;
    while i < positions.len() {
        let p = positions[i] as usize;
        if matches!(items.get(p), Some(Item::Star | Item::SegmentStar))
            && positions.binary_search(&(p as u32 + 1)).is_err()
        {
            let at = positions.partition_point(|&q| q <= p as u32);
            positions.insert(at, p as u32 + 1);
        }
        i += 1;
    }
    if let Some(last_star) = positions
        .iter()
        .rposition(|&p| items.get(p as usize) == Some(&Item::Star))
    {
        positions.drain(..last_star);
    }
}

/// The positions before anything is read.
pub fn start(items: &[Item]) -> Vec<u32> {
    let mut positions = vec![0];
    close(items, &mut positions);
    positions
}

/// The positions after reading `symbol` from `positions`.
pub fn step(items: &[Item], positions: &[u32], symbol: Symbol) -> Vec<u32> {
    let mut next = Vec::with_capacity(positions.len() + 1);
    for &p in positions {
        let Some(&item) = items.get(p as usize) else {
            continue;
        };
        let advances = match (item, symbol) {
            (Item::Lit(c), Symbol::Char(read)) => c == read,
            (Item::One, Symbol::Char(_) | Symbol::Other) => true,
            (Item::Var(v), Symbol::Var(read)) => v == read,
            (Item::Star, _) => {
                next.push(p);
                false
            }
            (Item::SegmentStar, read) => {
                if read != Symbol::Char(':') {
                    next.push(p);
                }
                false
            }
            _ => false,
        };
        if advances {
            next.push(p + 1);
        }
    }
    close(items, &mut next);
    next
}

/// The characters [`step`] treats differently from [`Symbol::Other`] at `positions`
/// (sorted, without repeats): a literal there, and `:` where a segment `*` stands. Any
/// other character steps exactly as `Other` does.
pub fn distinct_chars(items: &[Item], positions: &[u32]) -> Box<[char]> {
    let mut chars: Vec<char> = positions
        .iter()
        .filter_map(|&p| match items.get(p as usize) {
            Some(Item::Lit(c)) => Some(*c),
            Some(Item::SegmentStar) => Some(':'),
            _ => None,
        })
        .collect();
    chars.sort_unstable();
    chars.dedup();
    chars.into()
}

pub fn accepts(items: &[Item], positions: &[u32]) -> bool {
    positions.last() == Some(&(items.len() as u32))
}

/// Whether the pattern (without variables) matches all of `text`.
pub fn matches(items: &[Item], text: &str) -> bool {
    matches_plain(items, text).unwrap_or_else(|| matches_by_states(items, text))
}

fn matches_by_states(items: &[Item], text: &str) -> bool {
    let mut positions = start(items);
    for c in text.chars() {
        if positions.is_empty() {
            return false;
        }
        positions = step(items, &positions, Symbol::Char(c));
    }
    accepts(items, &positions)
}

/// [`matches`] for a pattern of literals, `?` and `*` only (what nearly every pattern
/// is), without building states: the classic scan that, on a mismatch, lets the last `*`
/// seen take one more character. Linear in practice, and it allocates nothing. `None`
/// for a pattern with a segment `*` or a variable.
fn matches_plain(items: &[Item], text: &str) -> Option<bool> {
    if items
        .iter()
        .any(|item| matches!(item, Item::SegmentStar | Item::Var(_)))
    {
        return None;
    }
    let (mut i, mut at) = (0, 0);
    // The last `*` seen, and where in the text it would stop.
    let mut retry: Option<(usize, usize)> = None;
    while at < text.len() {
        let c = text[at..].chars().next().unwrap_or_default();
        match items.get(i) {
            Some(Item::Star) => {
                retry = Some((i, at));
                i += 1;
                continue;
            }
            Some(Item::One) => {
                i += 1;
                at += c.len_utf8();
                continue;
            }
            Some(Item::Lit(l)) if *l == c => {
                i += 1;
                at += c.len_utf8();
                continue;
            }
            _ => {}
        }
        let Some((star, from)) = retry else {
            return Some(false);
        };
        let skipped = text[from..].chars().next().unwrap_or_default();
        retry = Some((star, from + skipped.len_utf8()));
        i = star + 1;
        at = from + skipped.len_utf8();
    }
    Some(items[i..].iter().all(|item| *item == Item::Star))
}

/// An action as a request names it, compared as patterns are: lower-cased, trimmed.
pub fn fold_action(action: &str) -> String {
    action.trim().to_lowercase()
}

/// `action` (lower-cased, as automata give examples) in the case of the one of
/// `patterns` (as written) that spells most of it: each character a literal of the pattern
/// matched is written as the pattern writes it. Unchanged if none matches.
pub fn respell(action: &str, patterns: &[&str]) -> String {
    let mut best: Option<(usize, String)> = None;
    for written in patterns {
        if let Some((literals, spelt)) = spell_as(action, written)
            && best.as_ref().is_none_or(|(most, _)| literals > *most)
        {
            best = Some((literals, spelt));
        }
    }
    best.map_or_else(|| action.to_string(), |(_, spelt)| spelt)
}

/// `action` spelt as `written` spells it, with the count of characters it spelt; `None`
/// when the pattern does not match.
fn spell_as(action: &str, written: &str) -> Option<(usize, String)> {
    let text: Vec<char> = action.chars().collect();
    let pattern: Vec<char> = written.trim().chars().collect();
    if pattern.len() != written.trim().to_lowercase().chars().count() {
        return None;
    }
    let same = |p: char, t: char| p.to_lowercase().eq(t.to_lowercase());
    let (n, m) = (pattern.len(), text.len());
    // fits[i][j]: pattern[i..] matches text[j..].
    let mut fits = vec![vec![false; m + 1]; n + 1];
    fits[n][m] = true;
    for i in (0..n).rev() {
        for j in (0..=m).rev() {
            fits[i][j] = match pattern[i] {
                '*' => fits[i + 1][j] || (j < m && fits[i][j + 1]),
                '?' => j < m && fits[i + 1][j + 1],
                c => j < m && same(c, text[j]) && fits[i + 1][j + 1],
            };
        }
    }
    if !fits[0][0] {
        return None;
    }
    let (mut i, mut j, mut out, mut literals) = (0, 0, String::new(), 0);
    while j < m {
        match pattern[i] {
            '*' if fits[i + 1][j] => i += 1,
            '*' => {
                out.push(text[j]);
                j += 1;
            }
            '?' => {
                out.push(text[j]);
                i += 1;
                j += 1;
            }
            c => {
                out.push(c);
                literals += 1;
                i += 1;
                j += 1;
            }
        }
    }
    Some((literals, out))
}

/// The literal characters the pattern starts with (before any wildcard or variable).
pub fn literal_prefix(items: &[Item]) -> String {
    items
        .iter()
        .map_while(|item| match item {
            Item::Lit(c) => Some(*c),
            _ => None,
        })
        .collect()
}

/// The runs of consecutive literal characters of a pattern, in order: every string it
/// matches holds each of them.
pub fn literal_runs(items: &[Item]) -> impl Iterator<Item = String> + '_ {
    items
        .split(|item| !matches!(item, Item::Lit(_)))
        .filter(|run| !run.is_empty())
        .map(literal_prefix)
}

/// Whether a pattern is literals only: it matches one string.
pub fn is_literal(items: &[Item]) -> bool {
    items.iter().all(|item| matches!(item, Item::Lit(_)))
}

/// The one string a pattern of literals only matches (`None` for any other pattern).
pub fn literal_text(items: &[Item]) -> Option<String> {
    is_literal(items).then(|| literal_prefix(items))
}

/// The literal characters the pattern ends with, in order.
pub fn literal_suffix(items: &[Item]) -> String {
    let start = items
        .iter()
        .rposition(|item| !matches!(item, Item::Lit(_)))
        .map_or(0, |i| i + 1);
    items[start..]
        .iter()
        .filter_map(|item| match item {
            Item::Lit(c) => Some(*c),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resource(text: &str, dialect: Dialect) -> Vec<Item> {
        compile(text, Language::Resource(dialect), &mut Variables::default())
    }

    #[test]
    fn actions_match_in_any_case() {
        let items = compile("OSS:Get*", Language::Action, &mut Variables::default());
        assert!(matches(&items, &fold_action("oss:GetObject")));
        assert!(!matches(&items, &fold_action("oss:PutObject")));
        let one = compile(
            "oss:List?uckets",
            Language::Action,
            &mut Variables::default(),
        );
        assert!(matches(&one, "oss:listbuckets"));
        assert!(!matches(&one, "oss:listbbuckets"));
    }

    #[test]
    fn aws_stars_stay_in_their_segment_unless_last() {
        let inside = resource("arn:aws:s3:::a*b", Dialect::Aws);
        assert!(matches(&inside, "arn:aws:s3:::aXYb"));
        assert!(!matches(&inside, "arn:aws:s3:::aX:Yb"));
        let last = resource("arn:aws:iam::*", Dialect::Aws);
        assert!(matches(&last, "arn:aws:iam::123:user/x"));
        let before_colon = resource("arn:aws:logs:*:*:log-group:x", Dialect::Aws);
        assert!(matches(&before_colon, "arn:aws:logs:a:b:c:log-group:x"));
        // RAM has no such limit.
        let ram = resource("acs:oss:*:*:a*b", Dialect::Ram);
        assert!(matches(&ram, "acs:oss:*:*:aX:Yb"));
    }

    #[test]
    fn variables_and_escapes() {
        let mut variables = Variables::default();
        let items = compile(
            "arn:aws:s3:::b/${aws:username}/${*}",
            Language::Resource(Dialect::Aws),
            &mut variables,
        );
        assert_eq!(items[items.len() - 3], Item::Var(0));
        assert_eq!(items.last(), Some(&Item::Lit('*')));
        assert_eq!(variables.get(0).key, "aws:username");
        let with_default = compile(
            "${aws:username, 'nobody'}",
            Language::Resource(Dialect::Aws),
            &mut variables,
        );
        assert_eq!(with_default, [Item::Var(1)]);
        assert_eq!(variables.get(1).default.as_deref(), Some("nobody"));
        // The same variable in another case is the same variable.
        let again = compile(
            "${AWS:UserName}",
            Language::Resource(Dialect::Aws),
            &mut variables,
        );
        assert_eq!(again, [Item::Var(0)]);
        // An unclosed `${` is text.
        assert!(matches(&resource("a${b", Dialect::Ram), "a${b"));
    }

    /// The allocation-free scan answers as the automaton does, on every pattern of a
    /// small alphabet against every short string.
    #[test]
    fn the_plain_scan_agrees_with_the_states() {
        let mut patterns = vec![String::new()];
        for _ in 0..4 {
            let longer: Vec<String> = patterns
                .iter()
                .flat_map(|p| ["a", "b", "*", "?"].map(|c| format!("{p}{c}")))
                .collect();
            patterns.extend(longer);
        }
        patterns.sort();
        patterns.dedup();
        let mut texts = vec![String::new()];
        for _ in 0..5 {
            let longer: Vec<String> = texts
                .iter()
                .flat_map(|t| ["a", "b", "é"].map(|c| format!("{t}{c}")))
                .collect();
            texts.extend(longer);
        }
        texts.sort();
        texts.dedup();
        for pattern in &patterns {
            let items = resource(pattern, Dialect::Ram);
            for text in &texts {
                assert_eq!(
                    matches_plain(&items, text),
                    Some(matches_by_states(&items, text)),
                    "{pattern} against {text}"
                );
            }
        }
        assert_eq!(matches_plain(&resource("a*b", Dialect::Aws), "ab"), None);
    }

    #[test]
    fn states_of_a_pattern_stay_small() {
        let items = resource("a*b*c*d*", Dialect::Ram);
        let mut positions = start(&items);
        for c in "axbxcxdxaaabbbcccddd".chars() {
            positions = step(&items, &positions, Symbol::Char(c));
            assert!(positions.len() <= 2, "{positions:?}");
        }
        assert!(accepts(&items, &positions));
    }

    #[test]
    fn examples_are_spelt_as_written() {
        assert_eq!(respell("oss:object", &["oss:*Object"]), "oss:Object");
        assert_eq!(
            respell("ecs:deleteinstance", &["oss:*", "ECS:Delete*", "ecs:*"]),
            "ECS:Deleteinstance"
        );
        assert_eq!(respell("a:b", &["c:*"]), "a:b");
    }

    #[test]
    fn literal_ends() {
        let items = resource("acs:oss:*:*:b/*.txt", Dialect::Ram);
        assert_eq!(literal_prefix(&items), "acs:oss:");
        assert_eq!(literal_suffix(&items), ".txt");
        assert_eq!(literal_suffix(&resource("a*", Dialect::Ram)), "");
    }
}
