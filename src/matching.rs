//! Wildcard matching of policy patterns (`*` any run, `?` one character), written once for
//! every rule that compares actions or resources.

/// Whether `pattern` matches all of `text`. Linear in practice: the classic two-pointer
/// algorithm that backtracks only to the last `*`.
pub fn wildcard_match(pattern: &str, text: &str, ignore_case: bool) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    let same = |p: char, t: char| {
        p == '?' || p == t || (ignore_case && p.to_lowercase().eq(t.to_lowercase()))
    };
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == '*' {
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
    pattern[p..].iter().all(|&c| c == '*')
}

/// Actions match case-insensitively (RAM and IAM both say so).
pub fn action_matches(pattern: &str, action: &str) -> bool {
    wildcard_match(pattern.trim(), action.trim(), true)
}

/// Resources match case-sensitively.
pub fn resource_matches(pattern: &str, resource: &str) -> bool {
    wildcard_match(pattern.trim(), resource.trim(), false)
}

/// The service part of an action (`oss` in `oss:GetObject`), lower-cased.
pub fn action_service(action: &str) -> Option<String> {
    let (service, _) = action.trim().split_once(':')?;
    Some(service.trim().to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

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
