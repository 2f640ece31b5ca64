//! Wildcard matching of policy patterns (`*` any run, `?` one character), written once for
//! every rule that compares actions or resources.

mod containment;
pub(crate) mod run_index;

pub use containment::{CoverIndex, Pattern};

/// Whether `pattern` matches all of `text`. Linear in practice: the classic two-pointer
/// algorithm that backtracks only to the last `*`.
pub fn wildcard_match(pattern: &str, text: &str, ignore_case: bool) -> bool {
    // Nearly every policy string is ASCII: match bytes then, without allocating.
    if pattern.is_ascii() && text.is_ascii() {
        return match_units(
            pattern.as_bytes(),
            text.as_bytes(),
            |p, t| p == b'?' || p == t || (ignore_case && p.eq_ignore_ascii_case(&t)),
            b'*',
        );
    }
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    match_units(
        &pattern,
        &text,
        |p, t| p == '?' || p == t || (ignore_case && p.to_lowercase().eq(t.to_lowercase())),
        '*',
    )
}

/// Whether `pattern` (`star_unit` any run, `?` handled by `same`) matches all of `text`.
/// The literal text before the first star and after the last is compared first, at its
/// fixed place, as the stars are looked for: most pairs rules try differ there
/// (`ecs:StartInstance` against `kms:Decrypt`, `acs:kms:*:*:key/a` against
/// `acs:kms:::key/b`), and walking the stars first made each such test retry every
/// position. Only the stars' part goes to the backtracking pass.
fn match_units<T: Copy + PartialEq>(
    pattern: &[T],
    text: &[T],
    same: impl Fn(T, T) -> bool,
    star_unit: T,
) -> bool {
    // The start, up to the first star.
    let mut start = 0;
    while start < pattern.len() && pattern[start] != star_unit {
        if start == text.len() || !same(pattern[start], text[start]) {
            return false;
        }
        start += 1;
    }
    if start == pattern.len() {
        return start == text.len();
    }
    // The end, back to the last star (which the first is, at the latest).
    let mut end = 0;
    while pattern[pattern.len() - 1 - end] != star_unit {
        if start + end == text.len()
            || !same(pattern[pattern.len() - 1 - end], text[text.len() - 1 - end])
        {
            return false;
        }
        end += 1;
    }
    backtracking_match(
        &pattern[start..pattern.len() - end],
        &text[start..text.len() - end],
        same,
        star_unit,
    )
}

/// Greedy matching with one remembered star: each star retries from one text position
/// later when what follows it fails (a later star takes over: it can absorb whatever an
/// earlier one would have).
fn backtracking_match<T: Copy + PartialEq>(
    pattern: &[T],
    text: &[T],
    same: impl Fn(T, T) -> bool,
    star_unit: T,
) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == star_unit {
            star = Some((p, t));
            p += 1;
        } else if p < pattern.len() && same(pattern[p], text[t]) {
            p += 1;
            t += 1;
        } else if let Some((star_p, star_t)) = star {
            p = star_p + 1;
            t = star_t + 1;
            star = Some((star_p, star_t + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == star_unit)
}

/// `str::trim`, without the Unicode whitespace tables when both ends are visible ASCII,
/// as in nearly every policy string: rules trim every action and resource they compare,
/// and the tables made that a noticeable part of linting.
pub fn trim(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(first), Some(last)) if first.is_ascii_graphic() && last.is_ascii_graphic() => s,
        _ => s.trim(),
    }
}

/// Whether `text` holds `${`, where a policy variable or template expression may start:
/// `str::contains` builds a substring searcher on every call, and rules ask this of
/// nearly every action and resource.
pub fn holds_dollar_brace(text: &str) -> bool {
    let bytes = text.as_bytes();
    memchr::memchr_iter(b'$', bytes).any(|i| bytes.get(i + 1) == Some(&b'{'))
}

/// Whether an AWS resource pattern holds a `*` confined to its ARN segment: one followed
/// by anything but `:` or the end (see `access::pattern`; `**` counts, as if confined).
/// `wildcard_match` reads such a `*` as any run, so it may match more than the engine.
pub fn has_segment_star(pattern: &str) -> bool {
    let bytes = pattern.as_bytes();
    memchr::memchr_iter(b'*', bytes).any(|i| !matches!(bytes.get(i + 1), None | Some(b':')))
}

/// Actions match case-insensitively (RAM and IAM both say so).
pub fn action_matches(pattern: &str, action: &str) -> bool {
    wildcard_match(trim(pattern), trim(action), true)
}

/// Resources match case-sensitively.
pub fn resource_matches(pattern: &str, resource: &str) -> bool {
    wildcard_match(trim(pattern), trim(resource), false)
}

/// Whether `general` matches every string that `specific` matches (`*` any run, `?` one
/// character, in both): see `Pattern::covers`. For one pair; rules comparing many
/// entries prepare each once with `Pattern::new`.
pub fn wildcard_covers(general: &str, specific: &str, ignore_case: bool) -> bool {
    // The usual shapes without preparing either side: only stars covers everything; an
    // ASCII literal covers only itself (a wildcard of `specific` would have to meet one of
    // its own; non-ASCII text may fold to ASCII, so it takes the long way).
    if !general.is_empty() && general.bytes().all(|b| b == b'*') {
        return true;
    }
    if general.is_ascii() && specific.is_ascii() {
        if !general.contains(['*', '?']) {
            return if ignore_case {
                general.eq_ignore_ascii_case(specific)
            } else {
                general == specific
            };
        }
        // A pattern covers a plain text exactly when it matches it.
        if !specific.contains(['*', '?']) {
            return wildcard_match(general, specific, ignore_case);
        }
    }
    Pattern::new(general, ignore_case).covers(&Pattern::new(specific, ignore_case))
}

/// Whether action pattern `general` grants every action `specific` grants
/// (case-insensitive, surrounding whitespace ignored): `oss:*` covers `oss:Get*`.
pub fn action_covers(general: &str, specific: &str) -> bool {
    wildcard_covers(trim(general), trim(specific), true)
}

/// Whether resource pattern `general` names every resource `specific` names
/// (case-sensitive, surrounding whitespace ignored): `acs:oss:*:*:b/*` covers `acs:oss:*:*:b/a`.
pub fn resource_covers(general: &str, specific: &str) -> bool {
    wildcard_covers(trim(general), trim(specific), false)
}

/// Whether the service part of an action (`oss` in `oss:GetObject`) is `service`, in any
/// case. `service` is lower-case.
pub fn is_action_of(action: &str, service: &str) -> bool {
    split_once_byte(trim(action), b':')
        .is_some_and(|(own, _)| trim(own).eq_ignore_ascii_case(service))
}

/// `text.split_once(byte)` for an ASCII byte, by a plain scan: rules split every action
/// and resource at its first `:`, and `str::split_once`'s searcher cost several times a
/// scan of strings this short.
pub fn split_once_byte(text: &str, byte: u8) -> Option<(&str, &str)> {
    debug_assert!(byte.is_ascii());
    let at = text.bytes().position(|b| b == byte)?;
    // An ASCII byte is never inside a multi-byte character: both ends are boundaries.
    Some((&text[..at], &text[at + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::Rng;

    #[test]
    fn holds_dollar_brace_is_contains() {
        for text in [
            "",
            "$",
            "${",
            "a$b${c}",
            "$$",
            "$ {",
            "acs:oss:*:*:${ram:UserName}/*",
            "é${",
        ] {
            assert_eq!(holds_dollar_brace(text), text.contains("${"), "{text}");
        }
    }

    #[test]
    fn trim_is_str_trim() {
        for s in [
            "",
            " ",
            "a",
            " a",
            "a ",
            "\ta\n",
            "\u{a0}a",
            "a\u{3000}",
            "é",
            " é ",
            "oss:*",
            "\u{feff}a",
            "a\u{85}",
        ] {
            assert_eq!(trim(s), s.trim(), "{s:?}");
        }
    }

    /// Property: matching with the literal ends compared first answers as the
    /// backtracking pass alone (the matcher before the ends were split off) on random
    /// pairs, bytes and characters, in both case rules.
    #[test]
    fn literal_ends_first_agree_with_backtracking_alone() {
        let mut rng = Rng(0x51_7cc1_b727_220a);
        let mut held = [0usize; 2];
        for _ in 0..200_000 {
            let pattern = rng.pattern();
            // Texts from the same letters, and the pattern's own sample, so that many match.
            let text = match rng.below(2) {
                0 => rng.pattern().replace(['*', '?'], ""),
                _ => pattern.replace('*', "").replace('?', "a"),
            };
            for ignore_case in [false, true] {
                let chars = |s: &str| s.chars().collect::<Vec<char>>();
                let (p, t) = (chars(&pattern), chars(&text));
                let same = |p: char, t: char| {
                    p == '?' || p == t || (ignore_case && p.to_lowercase().eq(t.to_lowercase()))
                };
                let expected = backtracking_match(&p, &t, same, '*');
                assert_eq!(
                    match_units(&p, &t, same, '*'),
                    expected,
                    "`{pattern}` matches `{text}` (ignore case: {ignore_case})"
                );
                if pattern.is_ascii() && text.is_ascii() {
                    assert_eq!(wildcard_match(&pattern, &text, ignore_case), expected);
                }
                held[usize::from(expected)] += 1;
            }
        }
        assert!(held[0] > 20_000 && held[1] > 20_000, "{held:?}");
    }

    #[test]
    fn split_once_byte_is_split_once() {
        for text in [
            "",
            ":",
            "oss:GetObject",
            "a:b:c",
            "no-colon",
            "é:ü",
            ":x",
            "x:",
        ] {
            assert_eq!(
                split_once_byte(text, b':'),
                text.split_once(':'),
                "{text:?}"
            );
        }
    }

    #[test]
    fn actions() {
        assert!(action_matches("oss:Get*", "oss:GetObject"));
        assert!(action_matches("OSS:get*", "oss:GetObject"));
        assert!(action_matches("*", "ecs:DescribeInstances"));
        assert!(action_matches("oss:*", "oss:ListBuckets"));
        assert!(action_matches("oss:List?uckets", "oss:ListBuckets"));
        assert!(!action_matches("oss:Get*", "oss:PutObject"));
        assert!(!action_matches("oss:GetObject", "oss:GetObjectAcl"));
    }

    #[test]
    fn coverage_of_patterns() {
        // A literal covers only itself.
        assert!(wildcard_covers("abc", "abc", false));
        assert!(!wildcard_covers("abc", "abd", false));
        assert!(!wildcard_covers("abc", "ab", false));
        // Wildcards cover literals they match, and narrower patterns.
        assert!(action_covers("oss:*", "oss:GetObject"));
        assert!(action_covers("oss:Get*", "oss:GetObject"));
        assert!(action_covers("oss:*", "oss:Get*"));
        assert!(action_covers("*", "oss:Get*"));
        assert!(action_covers("*", "*"));
        assert!(action_covers("oss:Get*", "oss:Get*Acl"));
        assert!(action_covers("oss:*Object", "oss:Get*Object"));
        assert!(action_covers("oss:Get?bject", "oss:GetObject"));
        assert!(action_covers("oss:Get*", "oss:Get?bject"));
        assert!(action_covers("oss:???Object", "oss:GetObject"));
        assert!(action_covers("oss:???Obj?ct", "oss:GetObj?ct"));
        assert!(!action_covers("oss:???Object", "oss:Get?bject"));
        // ... and not broader or merely overlapping ones.
        assert!(!action_covers("oss:GetObject", "oss:Get*"));
        assert!(!action_covers("oss:Get*", "oss:*"));
        assert!(!action_covers("oss:Get*", "oss:PutObject"));
        assert!(!action_covers("oss:Get*", "oss:*Object"));
        assert!(!action_covers("oss:*Object", "oss:Get*"));
        assert!(!action_covers("oss:Get?bject", "oss:Get*bject"));
        assert!(!action_covers("oss:Get?", "oss:Get*"));
        assert!(!action_covers("oss:Get*", "ecs:GetObject"));
        assert!(!action_covers("a*", "*"));
        assert!(!wildcard_covers("", "*", false));
        assert!(wildcard_covers("*", "", false));
        assert!(wildcard_covers("", "", false));
        // Actions ignore case, resources do not; both ignore surrounding spaces.
        assert!(action_covers("OSS:get*", "oss:GetObject"));
        assert!(action_covers(" oss:* ", "oss:GetObject"));
        assert!(!resource_covers(
            "acs:oss:*:*:Bucket/*",
            "acs:oss:*:*:bucket/a"
        ));
        assert!(resource_covers("*", "acs:oss:*:*:bucket/a"));
        assert!(resource_covers(
            "acs:oss:*:*:bucket/*",
            "acs:oss:*:*:bucket/a.txt"
        ));
        assert!(resource_covers(
            "acs:oss:*:*:bucket/*",
            "acs:oss:*:*:bucket/dir/*"
        ));
        assert!(!resource_covers(
            "acs:oss:*:*:bucket/*",
            "acs:oss:*:*:bucket-2/a"
        ));
        assert!(!resource_covers(
            "acs:oss:*:*:bucket/*",
            "acs:oss:*:*:bucket"
        ));
        // Runs of wildcards are normalised, so equivalent spellings cover each other.
        assert!(wildcard_covers("*?", "?*", false) && wildcard_covers("?*", "*?", false));
        assert!(wildcard_covers("a**b", "a*b", false) && wildcard_covers("a*b", "a**b", false));
        assert!(wildcard_covers("*?*", "a*", false));
        assert!(!wildcard_covers("*?", "*", false));
        // Non-ASCII text compares character by character.
        assert!(resource_covers(
            "acs:oss:*:*:桶/*",
            "acs:oss:*:*:桶/报告.txt"
        ));
    }

    /// `wildcard_covers` agrees with matching: whatever `general` covers, it matches on
    /// every string obtained by filling in `specific`'s wildcards.
    #[test]
    fn coverage_is_sound_against_matching() {
        let patterns = [
            "", "*", "?", "a", "ab", "a*", "*a", "a?", "?a", "*a*", "a*b", "a?b", "ab*", "*ab",
            "a**", "?*", "*?", "??", "a*b*", "*b", "b*a", "a?*", "*a?",
        ];
        let fills = ["", "a", "b", "ab", "ba", "aab", "bab", "abba"];
        let instances = |pattern: &str| -> Vec<String> {
            // Every `*` and `?` replaced by each fill (a `?` only by one character).
            let mut out = vec![String::new()];
            for c in pattern.chars() {
                let options: Vec<&str> = match c {
                    '*' => fills.to_vec(),
                    '?' => vec!["a", "b"],
                    _ => vec![""],
                };
                out = out
                    .iter()
                    .flat_map(|prefix| {
                        options.iter().map(move |o| {
                            if c == '*' || c == '?' {
                                format!("{prefix}{o}")
                            } else {
                                format!("{prefix}{c}")
                            }
                        })
                    })
                    .collect();
            }
            out
        };
        for general in patterns {
            for specific in patterns {
                if wildcard_covers(general, specific, false) {
                    for instance in instances(specific) {
                        assert!(
                            wildcard_match(general, &instance, false),
                            "`{general}` said to cover `{specific}` but misses `{instance}`"
                        );
                    }
                }
            }
        }
    }

    /// The containment test as it was first written: a table of `(i, j)` suffix pairs
    /// over the normalised patterns, quadratic and allocating, but plainly right. The
    /// prepared patterns and the list index must agree with it.
    fn reference_covers(general: &str, specific: &str, ignore_case: bool) -> bool {
        let fold = |c: char| {
            if ignore_case {
                c.to_lowercase().next().unwrap_or(c)
            } else {
                c
            }
        };
        let general: Vec<char> = reference_normalise(general).map(fold).collect();
        let specific: Vec<char> = reference_normalise(specific).map(fold).collect();
        let (n, m) = (general.len(), specific.len());
        let width = m + 1;
        let mut covers = vec![false; (n + 1) * width];
        let at = |i: usize, j: usize| i * width + j;
        covers[at(n, m)] = true;
        for i in (0..n).rev() {
            for j in (0..=m).rev() {
                covers[at(i, j)] = match general[i] {
                    '*' => covers[at(i + 1, j)] || (j < m && covers[at(i, j + 1)]),
                    '?' => j < m && specific[j] != '*' && covers[at(i + 1, j + 1)],
                    c => j < m && specific[j] == c && covers[at(i + 1, j + 1)],
                };
            }
        }
        covers[at(0, 0)]
    }

    fn reference_normalise(pattern: &str) -> impl Iterator<Item = char> + '_ {
        let mut out = Vec::with_capacity(pattern.len());
        let mut chars = pattern.chars().peekable();
        while let Some(c) = chars.next() {
            if c != '*' && c != '?' {
                out.push(c);
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
            out.extend(std::iter::repeat_n('?', singles));
            if star {
                out.push('*');
            }
        }
        out.into_iter()
    }

    impl Rng {
        /// A pattern over few letters (so that pairs often relate), both cases, letters
        /// whose lower case is another script's (`K`, the Kelvin sign, folds to `k`), and
        /// runs of `*` and `?`.
        fn pattern(&mut self) -> String {
            const UNITS: [&str; 14] = [
                "a", "b", "A", "B", "k", "\u{212a}", "\u{e9}", "\u{c9}", ":", "*", "?", "**", "*?",
                "?*",
            ];
            let length = self.below(9);
            (0..length)
                .map(|_| UNITS[self.below(UNITS.len())])
                .collect()
        }
    }

    /// Property: on random pairs, the prepared containment test answers as the reference
    /// does, in both case rules, and so does `wildcard_covers`.
    #[test]
    fn containment_agrees_with_the_reference_on_random_pairs() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut held = [0usize; 2];
        for _ in 0..200_000 {
            let (general, specific) = (rng.pattern(), rng.pattern());
            for ignore_case in [false, true] {
                let expected = reference_covers(&general, &specific, ignore_case);
                let prepared = Pattern::new(&general, ignore_case)
                    .covers(&Pattern::new(&specific, ignore_case));
                assert_eq!(
                    prepared, expected,
                    "`{general}` covers `{specific}` (ignore case: {ignore_case})"
                );
                assert_eq!(wildcard_covers(&general, &specific, ignore_case), expected);
                held[usize::from(expected)] += 1;
            }
        }
        // Enough pairs of each answer for the agreement to mean something.
        assert!(held[1] > 20_000, "{held:?}");
        for (general, specific) in [
            ("a*b*c", "a?b*xc"),
            ("*?", "?*"),
            ("a*", "a**?"),
            ("?", "*"),
        ] {
            for ignore_case in [false, true] {
                assert_eq!(
                    wildcard_covers(general, specific, ignore_case),
                    reference_covers(general, specific, ignore_case),
                    "`{general}` covers `{specific}`"
                );
            }
        }
    }

    /// Property: the index of a list's wildcards offers every wildcard that covers an
    /// entry (it may offer more), in list order and once each.
    #[test]
    fn the_cover_index_misses_no_covering_wildcard() {
        let mut rng = Rng(42);
        for round in 0..400 {
            let ignore_case = round % 2 == 0;
            let texts: Vec<String> = (0..rng.below(40) + 1)
                .map(|_| {
                    // Longer entries with shared literal runs, as real lists have.
                    let parts = ["acs:oss:", "bucket-", "x", "/", "Get"];
                    let mut text: String = (0..rng.below(4))
                        .map(|_| parts[rng.below(parts.len())])
                        .collect();
                    text.push_str(&rng.pattern());
                    text
                })
                .collect();
            let patterns: Vec<Pattern> =
                texts.iter().map(|t| Pattern::new(t, ignore_case)).collect();
            let wildcards: Vec<usize> = (0..texts.len())
                .filter(|&i| texts[i].contains(['*', '?']))
                .collect();
            let index = CoverIndex::new(&patterns, &wildcards);
            let mut candidates = Vec::new();
            for (i, text) in texts.iter().enumerate() {
                index.candidates(&patterns[i], &mut candidates);
                assert!(candidates.windows(2).all(|pair| pair[0] < pair[1]));
                for &w in &wildcards {
                    if reference_covers(&texts[w], text, ignore_case) {
                        assert!(
                            candidates.contains(&w),
                            "`{}` covers `{text}` but is not offered",
                            texts[w]
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn resources() {
        assert!(resource_matches(
            "acs:oss:*:*:bucket/*",
            "acs:oss:*:*:bucket/a/b.txt"
        ));
        assert!(!resource_matches(
            "acs:oss:*:*:bucket/*",
            "acs:oss:*:*:bucket-2/a"
        ));
        assert!(resource_matches("*", "acs:oss:*:*:anything"));
        assert!(!resource_matches(
            "acs:oss:*:*:Bucket",
            "acs:oss:*:*:bucket"
        ));
        assert!(wildcard_match("a*b*c", "aXbYbZc", false));
        assert!(!wildcard_match("a*b*c", "aXbYbZ", false));
    }
}
