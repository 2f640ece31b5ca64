//! Facts about cloud services that rules share, loaded from the data files in `rules/data/`
//! (embedded, parsed once on first use).

use crate::matching::action_matches;
use serde::Deserialize;
use std::sync::OnceLock;

/// The kind of resource an OSS action acts on, which decides the resource form it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OssLevel {
    /// `oss:ListBuckets`: needs `"*"` or `acs:oss:*:*:*`.
    Service,
    /// Needs `acs:oss:*:*:<bucket>`.
    Bucket,
    /// Needs `acs:oss:*:*:<bucket>/<object>`.
    Object,
}

#[derive(Deserialize)]
struct OssActionsFile {
    levels: OssLevels,
}

#[derive(Deserialize)]
struct OssLevels {
    service: Vec<String>,
    bucket: Vec<String>,
    object: Vec<String>,
}

pub struct OssCatalogue {
    /// (full action such as `oss:GetObject`, level)
    pub actions: Vec<(String, OssLevel)>,
}

static OSS: OnceLock<OssCatalogue> = OnceLock::new();

pub fn oss() -> &'static OssCatalogue {
    OSS.get_or_init(|| {
        let file: OssActionsFile =
            serde_json::from_str(include_str!("../rules/data/oss-actions.json"))
                .expect("rules/data/oss-actions.json is valid (checked by tests)");
        let mut actions = Vec::new();
        for (names, level) in [
            (file.levels.service, OssLevel::Service),
            (file.levels.bucket, OssLevel::Bucket),
            (file.levels.object, OssLevel::Object),
        ] {
            actions.extend(names.into_iter().map(|n| (format!("oss:{n}"), level)));
        }
        OssCatalogue { actions }
    })
}

impl OssCatalogue {
    /// The level of a known OSS action (case-insensitive), `None` if it is not listed.
    pub fn level(&self, action: &str) -> Option<OssLevel> {
        let action = action.trim();
        self.actions
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(action))
            .map(|&(_, level)| level)
    }

    /// The levels of the known OSS actions that an action pattern (`oss:Get*`) grants.
    pub fn levels_granted_by(&self, pattern: &str) -> impl Iterator<Item = OssLevel> + '_ {
        let pattern = pattern.trim().to_string();
        self.actions
            .iter()
            .filter(move |(name, _)| action_matches(&pattern, name))
            .map(|&(_, level)| level)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oss_levels() {
        let oss = oss();
        assert_eq!(oss.level("oss:ListBuckets"), Some(OssLevel::Service));
        assert_eq!(oss.level("OSS:getobject"), Some(OssLevel::Object));
        assert_eq!(oss.level("oss:GetBucketCors"), Some(OssLevel::Bucket));
        assert!(
            oss.levels_granted_by("oss:Get*")
                .any(|l| l == OssLevel::Bucket)
        );
    }
}
