//! What a host's structure says about a policy in it (dialect, kind), from the data in
//! `rules/data/hosts.toml`: which template formats and resource types are which cloud's,
//! and which properties or attributes hold trust or resource policies. Read the first time
//! a host asks (a plain policy file never does).

use crate::model::{Dialect, PolicyKind};
use serde::Deserialize;
use std::sync::LazyLock;

const DATA: &str = include_str!("../../rules/data/hosts.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HostData {
    template: Vec<Template>,
    holder: Vec<Holder>,
    limit: Vec<SizeLimit>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Template {
    #[allow(dead_code, reason = "names the entry for readers of the data file")]
    name: String,
    dialect: Dialect,
    #[serde(default)]
    format_keys: Vec<String>,
    #[serde(default)]
    type_prefixes: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Holder {
    #[serde(default)]
    types: Vec<String>,
    names: Vec<String>,
    kind: PolicyKind,
}

/// The most a policy of one kind may hold, as the cloud counts it (`[[limit]]` in the data).
#[derive(Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SizeLimit {
    /// A stable name for readers and tests (`iam-role-trust`).
    pub name: String,
    /// The kind, as a message names it: "an IAM role trust policy".
    pub what: String,
    pub dialect: Dialect,
    /// The kind of policy this is the limit of when no host says: `identity` or `trust`.
    shape: Option<PolicyKind>,
    /// For a resource policy found outside a host: the service of its resources.
    service: Option<String>,
    types: Vec<String>,
    names: Vec<String>,
    characters: Option<usize>,
    bytes: Option<usize>,
}

impl SizeLimit {
    /// The limit, and whether it counts bytes (else characters).
    pub fn most(&self) -> (usize, bool) {
        match (self.characters, self.bytes) {
            (Some(characters), _) => (characters, false),
            (None, Some(bytes)) => (bytes, true),
            (None, None) => (usize::MAX, false),
        }
    }
}

static HOST_DATA: LazyLock<HostData> = LazyLock::new(|| {
    toml::from_str(DATA).unwrap_or_else(|e| panic!("rules/data/hosts.toml is broken: {e}"))
});

/// The dialect of a template whose top level has the key `key`
/// (`AWSTemplateFormatVersion`, `ROSTemplateFormatVersion`).
pub fn format_dialect(key: &str) -> Option<Dialect> {
    HOST_DATA
        .template
        .iter()
        .find(|t| t.format_keys.iter().any(|k| k == key))
        .map(|t| t.dialect)
}

/// The dialect of a resource type (`AWS::IAM::Role`, `ALIYUN::RAM::Role`, `aws_iam_role`).
pub fn type_dialect(resource_type: &str) -> Option<Dialect> {
    HOST_DATA
        .template
        .iter()
        .find(|t| t.type_prefixes.iter().any(|p| resource_type.starts_with(p)))
        .map(|t| t.dialect)
}

/// The kind of policy the property or attribute `name` holds, under a resource of type
/// `resource_type` when there is one.
pub fn holder_kind(resource_type: Option<&str>, name: &str) -> Option<PolicyKind> {
    HOST_DATA
        .holder
        .iter()
        .find(|h| {
            h.names.iter().any(|n| n == name)
                && (h.types.is_empty()
                    || resource_type.is_some_and(|t| h.types.iter().any(|ht| ht == t)))
        })
        .map(|h| h.kind)
}

/// The size limit of the policy the property or attribute `name` holds, under a resource
/// of type `resource_type`.
pub fn size_limit(resource_type: Option<&str>, name: &str) -> Option<&'static SizeLimit> {
    let resource_type = resource_type?;
    HOST_DATA
        .limit
        .iter()
        .find(|l| l.names.iter().any(|n| n == name) && l.types.iter().any(|t| t == resource_type))
}

/// The size limit a policy found outside any holder takes from its shape: its kind, and
/// for a resource policy the service its resources belong to.
pub fn shape_size_limit(
    dialect: Dialect,
    kind: PolicyKind,
    resource_service: Option<&str>,
) -> Option<&'static SizeLimit> {
    let of_dialect = || HOST_DATA.limit.iter().filter(move |l| l.dialect == dialect);
    let by_shape = |shape| of_dialect().find(|l| l.shape == Some(shape));
    match kind {
        PolicyKind::Resource => {
            let service = resource_service?;
            of_dialect().find(|l| {
                l.service
                    .as_deref()
                    .is_some_and(|s| s.eq_ignore_ascii_case(service))
            })
        }
        PolicyKind::Trust => by_shape(PolicyKind::Trust).or_else(|| by_shape(PolicyKind::Identity)),
        PolicyKind::Identity => by_shape(PolicyKind::Identity),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_data_file_loads_and_answers() {
        assert!(!HOST_DATA.template.is_empty() && !HOST_DATA.holder.is_empty());
        assert_eq!(
            format_dialect("AWSTemplateFormatVersion"),
            Some(Dialect::Aws)
        );
        assert_eq!(
            format_dialect("ROSTemplateFormatVersion"),
            Some(Dialect::Ram)
        );
        assert_eq!(format_dialect("Resources"), None);
        assert_eq!(type_dialect("AWS::IAM::Role"), Some(Dialect::Aws));
        assert_eq!(type_dialect("ALIYUN::RAM::Role"), Some(Dialect::Ram));
        assert_eq!(type_dialect("alicloud_ram_policy"), Some(Dialect::Ram));
        assert_eq!(type_dialect("aws_iam_policy"), Some(Dialect::Aws));
        assert_eq!(type_dialect("Custom::Thing"), None);
        assert_eq!(
            holder_kind(Some("ALIYUN::RAM::Role"), "AssumeRolePolicyDocument"),
            Some(PolicyKind::Trust)
        );
        assert_eq!(
            holder_kind(None, "AssumeRolePolicyDocument"),
            Some(PolicyKind::Trust)
        );
        assert_eq!(
            holder_kind(Some("AWS::S3::BucketPolicy"), "PolicyDocument"),
            Some(PolicyKind::Resource)
        );
        assert_eq!(
            holder_kind(Some("AWS::IAM::Policy"), "PolicyDocument"),
            None
        );
        assert_eq!(holder_kind(None, "PolicyDocument"), None);
        assert_eq!(
            holder_kind(None, "assumeRolePolicyDocument"),
            Some(PolicyKind::Trust)
        );
        assert_eq!(
            holder_kind(Some("alicloud_ram_role"), "document"),
            Some(PolicyKind::Trust)
        );
        assert_eq!(
            holder_kind(Some("ALIYUN::OSS::Bucket"), "Policy"),
            Some(PolicyKind::Resource)
        );
    }

    #[test]
    fn size_limits_by_holder_and_by_shape() {
        let name = |limit: Option<&'static SizeLimit>| limit.map(|l| l.name.as_str());
        for (resource_type, holder, expected) in [
            ("aws_iam_policy", "policy", "iam-managed"),
            ("AWS::IAM::ManagedPolicy", "PolicyDocument", "iam-managed"),
            ("aws_iam_role", "assume_role_policy", "iam-role-trust"),
            (
                "AWS::IAM::Role",
                "AssumeRolePolicyDocument",
                "iam-role-trust",
            ),
            ("AWS::IAM::Role", "PolicyDocument", "iam-role-inline"),
            ("aws_iam_role_policy", "policy", "iam-role-inline"),
            ("aws_iam_user_policy", "policy", "iam-user-inline"),
            ("AWS::IAM::Group", "PolicyDocument", "iam-group-inline"),
            ("AWS::Organizations::Policy", "Content", "organizations-scp"),
            ("aws_s3_bucket_policy", "policy", "s3-bucket"),
            ("AWS::KMS::Key", "KeyPolicy", "kms-key"),
            ("alicloud_ram_policy", "document", "ram-custom"),
            ("ALIYUN::OSS::Bucket", "Policy", "oss-bucket"),
        ] {
            assert_eq!(
                name(size_limit(Some(resource_type), holder)),
                Some(expected),
                "{resource_type} {holder}"
            );
        }
        assert_eq!(size_limit(None, "policy"), None);
        assert_eq!(size_limit(Some("aws_iam_role"), "name"), None);
        let shape = |d, k, s| name(shape_size_limit(d, k, s));
        assert_eq!(
            shape(Dialect::Aws, PolicyKind::Identity, None),
            Some("iam-managed")
        );
        assert_eq!(
            shape(Dialect::Aws, PolicyKind::Trust, None),
            Some("iam-role-trust")
        );
        assert_eq!(
            shape(Dialect::Aws, PolicyKind::Resource, Some("sqs")),
            Some("sqs-queue")
        );
        assert_eq!(
            shape(Dialect::Aws, PolicyKind::Resource, Some("lambda")),
            None
        );
        assert_eq!(shape(Dialect::Aws, PolicyKind::Resource, None), None);
        assert_eq!(
            shape(Dialect::Ram, PolicyKind::Trust, None),
            Some("ram-custom")
        );
        assert_eq!(
            shape(Dialect::Ram, PolicyKind::Resource, Some("oss")),
            Some("oss-bucket")
        );
        assert_eq!(shape(Dialect::Ram, PolicyKind::Resource, Some("s3")), None);
        for limit in &HOST_DATA.limit {
            assert!(
                limit.characters.is_some() != limit.bytes.is_some(),
                "{}: give `characters` or `bytes`",
                limit.name
            );
            assert!(
                limit.most().0 >= crate::checks::size::SMALLEST_LIMIT,
                "{}: below the size check's shortcut",
                limit.name
            );
        }
    }
}
