//! Wildcard matching of policy patterns (`*` any run, `?` one character), written once for
//! every rule that compares actions or resources.

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

fn match_units<T: Copy + PartialEq>(
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

/// Actions match case-insensitively (RAM and IAM both say so).
pub fn action_matches(pattern: &str, action: &str) -> bool {
    wildcard_match(trim(pattern), trim(action), true)
}

/// Resources match case-sensitively.
pub fn resource_matches(pattern: &str, resource: &str) -> bool {
    wildcard_match(trim(pattern), trim(resource), false)
}

/// Whether `general` matches every string that `specific` matches (`*` any run, `?` one
/// character, in both). Sound: `true` is only returned when it holds; a few contrived
/// pairs that hold are missed (`*?` against `?*` is normalised and found, but a `?` in
/// `general` never stands for part of a `*` in `specific`). Each `*` of `specific` must be
/// absorbed by a `*` of `general`; a `?` or a literal of `specific` by a `*`, a `?` or the
/// same literal. Quadratic in the lengths (a table of `(i, j)` suffix pairs), no recursion.
pub fn wildcard_covers(general: &str, specific: &str, ignore_case: bool) -> bool {
    let fold = |c: char| {
        if ignore_case {
            c.to_lowercase().next().unwrap_or(c)
        } else {
            c
        }
    };
    let general: Vec<char> = normalise_wildcards(general).map(fold).collect();
    let specific: Vec<char> = normalise_wildcards(specific).map(fold).collect();
    let (n, m) = (general.len(), specific.len());
    // covers[i][j]: general[i..] covers specific[j..], filled from the ends backwards.
    let width = m + 1;
    let mut covers = vec![false; (n + 1) * width];
    let at = |i: usize, j: usize| i * width + j;
    covers[at(n, m)] = true;
    for i in (0..n).rev() {
        for j in (0..=m).rev() {
            covers[at(i, j)] = match general[i] {
                // Absorb nothing more (skip the star), or absorb specific[j] and stay.
                '*' => covers[at(i + 1, j)] || (j < m && covers[at(i, j + 1)]),
                '?' => j < m && specific[j] != '*' && covers[at(i + 1, j + 1)],
                c => j < m && specific[j] == c && covers[at(i + 1, j + 1)],
            };
        }
    }
    covers[at(0, 0)]
}

/// The pattern's characters with every run of wildcards holding a `*` rewritten as its
/// `?`s followed by one `*` (`*?*` -> `?*`): the same strings, one spelling.
fn normalise_wildcards(pattern: &str) -> impl Iterator<Item = char> + '_ {
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
    trim(action)
        .split_once(':')
        .is_some_and(|(own, _)| trim(own).eq_ignore_ascii_case(service))
}

#[cfg(test)]
mod tests {
    use super::*;

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
