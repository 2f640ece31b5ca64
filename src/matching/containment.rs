//! Whether one wildcard pattern covers another, for lists of any length: each pattern is
//! prepared once (wildcard runs normalised, case folded), a test between two prepared
//! patterns allocates nothing and answers early on the literal ends, and an index over a
//! list's wildcards hands each entry only the wildcards that could cover it.

use aho_corasick::{AhoCorasick, AhoCorasickKind};
use std::collections::HashMap;

/// A pattern ready for containment tests: every run of wildcards holding a `*` rewritten
/// as its `?`s followed by one `*` (`*?*` -> `?*`: the same strings, one spelling), and,
/// when case is ignored, every character folded to the first character of its lower case.
#[derive(Debug, Clone)]
pub struct Pattern {
    /// The prepared text. Its literal runs are what `CoverIndex` searches for.
    text: Box<str>,
    /// The prepared text's characters, when it is not ASCII (bytes stand for characters
    /// otherwise).
    chars: Option<Box<[char]>>,
}

impl Pattern {
    pub fn new(pattern: &str, ignore_case: bool) -> Self {
        // Nearly every pattern is ASCII with no `?` and no run of wildcards (`s3:Get*`):
        // its prepared text is itself, folded; going character by character was most of
        // the cost of preparing a long list.
        let bytes = pattern.as_bytes();
        let text = if pattern.is_ascii()
            && memchr::memchr(b'?', bytes).is_none()
            && memchr::memmem::find(bytes, b"**").is_none()
        {
            match ignore_case {
                true => pattern.to_ascii_lowercase(),
                false => pattern.to_owned(),
            }
        } else {
            prepared_by_chars(pattern, ignore_case)
        };
        let chars = (!text.is_ascii()).then(|| text.chars().collect());
        Pattern {
            text: text.into_boxed_str(),
            chars,
        }
    }

    /// Whether this pattern matches every string that `specific` matches (`*` any run,
    /// `?` one character, in both). Each `*` of `specific` must be absorbed by a `*` of
    /// this one; a `?` or a literal of `specific` by a `*`, a `?` or the same literal.
    /// Sound: a `?` here never stands for part of a `*` of `specific`, so a few contrived
    /// pairs that hold are missed.
    pub fn covers(&self, specific: &Pattern) -> bool {
        match (&self.chars, &specific.chars) {
            (None, None) => covers_units(self.text.as_bytes(), specific.text.as_bytes()),
            (Some(general), Some(specific)) => covers_units(&general[..], &specific[..]),
            (None, Some(specific)) => covers_units(self.text.as_bytes(), &specific[..]),
            (Some(general), None) => covers_units(&general[..], specific.text.as_bytes()),
        }
    }

    /// The runs of literals, each of which any pattern this one covers holds too.
    fn runs(&self) -> impl Iterator<Item = &str> {
        self.text.split(['*', '?']).filter(|run| !run.is_empty())
    }
}

/// One character of a prepared pattern: a byte of an ASCII one, or a `char`.
trait Unit: Copy {
    fn char(self) -> char;
}

impl Unit for u8 {
    fn char(self) -> char {
        char::from(self)
    }
}

impl Unit for char {
    fn char(self) -> char {
        self
    }
}

fn is_wildcard(c: char) -> bool {
    c == '*' || c == '?'
}

/// The prepared text of any pattern, character by character (see [`Pattern`]).
fn prepared_by_chars(pattern: &str, ignore_case: bool) -> String {
    let fold = |c: char| {
        if !ignore_case {
            c
        } else if c.is_ascii() {
            // The same as below for ASCII, without the Unicode tables.
            c.to_ascii_lowercase()
        } else {
            c.to_lowercase().next().unwrap_or(c)
        }
    };
    let mut text = String::with_capacity(pattern.len());
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '*' && c != '?' {
            text.push(fold(c));
            continue;
        }
        let (mut singles, mut star) = (usize::from(c == '?'), c == '*');
        while let Some(&next) = chars.peek() {
            match next {
                '?' => singles += 1,
                '*' => star = true,
                _ => break,
            }
            chars.next();
        }
        text.extend(std::iter::repeat_n('?', singles));
        if star {
            text.push('*');
        }
    }
    text
}

/// `Pattern::covers` on prepared units. The literal prefix and suffix of `general` must
/// meet the same literals at the ends of `specific`: checked first, as they settle most
/// pairs of a list. The middle is wildcard matching of `general` against `specific` read
/// as text, where a `*` of `specific` is one unit that only a `*` absorbs; the
/// two-pointer algorithm, backtracking only to the last `*`, is exact for that.
fn covers_units<G: Unit, S: Unit>(general: &[G], specific: &[S]) -> bool {
    let mut start = 0;
    while let Some(&g) = general.get(start) {
        let g = g.char();
        if is_wildcard(g) {
            break;
        }
        if specific.get(start).map(|s| s.char()) != Some(g) {
            return false;
        }
        start += 1;
    }
    if start == general.len() {
        return specific.len() == start;
    }
    let (mut general_end, mut specific_end) = (general.len(), specific.len());
    while !is_wildcard(general[general_end - 1].char()) {
        if specific_end == start
            || specific[specific_end - 1].char() != general[general_end - 1].char()
        {
            return false;
        }
        general_end -= 1;
        specific_end -= 1;
    }
    match_middle(&general[start..general_end], &specific[start..specific_end])
}

fn match_middle<G: Unit, S: Unit>(general: &[G], specific: &[S]) -> bool {
    let (mut g, mut s) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while s < specific.len() {
        let unit = specific[s].char();
        let wanted = general.get(g).map(|u| u.char());
        if wanted == Some('*') {
            star = Some((g, s));
            g += 1;
        } else if wanted.is_some_and(|w| w == unit || (w == '?' && unit != '*')) {
            g += 1;
            s += 1;
        } else if let Some((star_g, star_s)) = star {
            g = star_g + 1;
            s = star_s + 1;
            star = Some((star_g, star_s + 1));
        } else {
            return false;
        }
    }
    general[g..].iter().all(|u| u.char() == '*')
}

/// The wildcards of one list, each indexed by one of its literal runs: a wildcard covers
/// an entry only if that run occurs in the entry, so an entry meets only the wildcards
/// whose runs it holds (one pass of an Aho-Corasick automaton over it), plus those without
/// literals (`*`, `?*`), which may cover anything. The run is the one the fewest wildcards
/// of the list hold (the longest of those): in `acs:oss:*:*:b1/*`, `acs:oss:*:*:b2/*`...
/// the longest run, `acs:oss:`, is everyone's and would leave every wildcard to every
/// entry.
pub struct CoverIndex {
    automaton: Option<AhoCorasick>,
    /// For each pattern of the automaton, the wildcards (list positions) it is the run of.
    by_anchor: Vec<Vec<usize>>,
    anywhere: Vec<usize>,
}

impl CoverIndex {
    /// `wildcards` are positions in `patterns`, in list order.
    pub fn new(patterns: &[Pattern], wildcards: &[usize]) -> Self {
        let mut anchors: HashMap<&str, usize> = HashMap::new();
        let mut by_anchor: Vec<Vec<usize>> = Vec::new();
        let mut anywhere = Vec::new();
        // Prepared texts are folded already.
        let runs: Vec<Vec<&str>> = wildcards
            .iter()
            .map(|&w| patterns[w].runs().collect())
            .collect();
        let chosen = super::run_index::least_held_runs(&runs, false);
        for ((&w, runs), chosen) in wildcards.iter().zip(&runs).zip(chosen) {
            let Some(anchor) = chosen.map(|i| runs[i]) else {
                anywhere.push(w);
                continue;
            };
            let id = *anchors.entry(anchor).or_insert_with(|| {
                by_anchor.push(Vec::new());
                by_anchor.len() - 1
            });
            by_anchor[id].push(w);
        }
        let mut runs: Vec<(&str, usize)> = anchors.into_iter().collect();
        runs.sort_unstable_by_key(|&(_, id)| id);
        // One automaton per long list, searched once per entry: a contiguous NFA builds in
        // a fraction of a DFA's time (which `AhoCorasick::new` picks for few runs), and the
        // entries it searches are short.
        let automaton = (!runs.is_empty()).then(|| {
            AhoCorasick::builder()
                .kind(Some(AhoCorasickKind::ContiguousNFA))
                .build(runs.iter().map(|(run, _)| run))
                .expect("literal runs build")
        });
        CoverIndex {
            automaton,
            by_anchor,
            anywhere,
        }
    }

    /// The wildcards that may cover `specific`, in list order, each once, into `out`.
    pub fn candidates(&self, specific: &Pattern, out: &mut Vec<usize>) {
        out.clear();
        out.extend_from_slice(&self.anywhere);
        if let Some(automaton) = &self.automaton {
            for found in automaton.find_overlapping_iter(specific.text.as_bytes()) {
                out.extend_from_slice(&self.by_anchor[found.pattern().as_usize()]);
            }
        }
        out.sort_unstable();
        out.dedup();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shortcut for plain ASCII patterns prepares the text the general way does.
    #[test]
    fn ascii_patterns_are_prepared_as_character_by_character() {
        let mut rng = crate::testing::Rng(7);
        let pieces = ["a", "B", "s3:", "Get", "*", "?", "**", "/", "É", "K"];
        let mut shortcut = 0;
        for _ in 0..20_000 {
            let pattern: String = (0..rng.below(8)).map(|_| rng.pick(&pieces)).collect();
            for ignore_case in [false, true] {
                let prepared = Pattern::new(&pattern, ignore_case);
                assert_eq!(
                    &*prepared.text,
                    prepared_by_chars(&pattern, ignore_case),
                    "{pattern:?}"
                );
                let plain = pattern.is_ascii() && !pattern.contains('?') && !pattern.contains("**");
                shortcut += usize::from(plain);
            }
        }
        assert!(shortcut > 2_000, "{shortcut}");
    }
}
