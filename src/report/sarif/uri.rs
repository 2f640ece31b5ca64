//! Artifact locations: a path as policylint reports it, as a URI relative to `%SRCROOT%`
//! or, absolute, a `file://` URI, percent-encoded.

use super::SRCROOT;
use serde::Serialize;

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(super) struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

/// An artifact location for a path as policylint reports it.
pub(super) fn artifact_location(path: &str) -> ArtifactLocation {
    let path = if cfg!(windows) {
        path.replace('\\', "/")
    } else {
        path.to_string()
    };
    let bytes = path.as_bytes();
    let drive =
        bytes.len() >= 3 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' && bytes[2] == b'/';
    if drive {
        // `C:/x` → `file:///C:/x`: the drive's colon stays.
        return ArtifactLocation {
            uri: format!("file:///{}:{}", &path[..1], percent_encode(&path[2..])),
            uri_base_id: None,
        };
    }
    if path.starts_with('/') {
        // `/x` → `file:///x`, `//host/share` → `file://host/share`.
        return ArtifactLocation {
            uri: format!("file:{}", percent_encode_absolute(&path)),
            uri_base_id: None,
        };
    }
    ArtifactLocation {
        uri: percent_encode(&path),
        uri_base_id: Some(SRCROOT),
    }
}

fn percent_encode_absolute(path: &str) -> String {
    if path.starts_with("//") {
        percent_encode(path)
    } else {
        format!("//{}", percent_encode(path))
    }
}

/// Percent-encodes every byte but unreserved characters (RFC 3986) and `/`, so a path with
/// spaces, `%`, `#`, `?`, `:` or non-ASCII letters is still a valid URI reference.
pub fn percent_encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for &b in path.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(path: &str) -> (String, Option<&'static str>) {
        let location = artifact_location(path);
        (location.uri, location.uri_base_id)
    }

    #[test]
    fn relative_paths_stay_relative_to_the_source_root() {
        assert_eq!(
            uri("fixtures/seeds/a.json"),
            ("fixtures/seeds/a.json".into(), Some(SRCROOT))
        );
        assert_eq!(uri("../up.json"), ("../up.json".into(), Some(SRCROOT)));
        assert_eq!(uri("-"), ("-".into(), Some(SRCROOT)));
        assert_eq!(
            uri("a dir/x,y:z%#?é.json"),
            (
                "a%20dir/x%2Cy%3Az%25%23%3F%C3%A9.json".into(),
                Some(SRCROOT)
            )
        );
    }

    #[test]
    fn absolute_paths_become_file_uris() {
        assert_eq!(
            uri("/tmp/a b.json"),
            ("file:///tmp/a%20b.json".into(), None)
        );
        assert_eq!(
            uri("//host/share/p.json"),
            ("file://host/share/p.json".into(), None)
        );
        assert_eq!(
            uri("C:/policies/p.json"),
            ("file:///C:/policies/p.json".into(), None)
        );
    }
}
