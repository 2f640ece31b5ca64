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
}
