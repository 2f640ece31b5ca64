//! Resource names: the shape of each dialect's names (`acs:` in RAM, ARNs in AWS). Whether
//! a name can match an action's resources is `resources.rs`'s.

use super::CheckContext;
use super::principals::AWS_PARTITIONS;
use crate::diagnostic::{Edit, Finding, Fix};
use crate::model::{Dialect, STATEMENT};
use crate::parse::Node;
use regex::Regex;
use std::sync::LazyLock;

/// A RAM resource: `*`, `acs:<service>:<region>:<account>:<relative-id>` (a part may be a
/// wildcard that absorbs the rest), OSS object names with spaces, MaxCompute's 4-part form.
static RAM_RESOURCE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(\*|(acs|\*):[A-Za-z0-9*?_.-]+:[^:\s]*:[^:\s]*:\S+|(acs|\*):[A-Za-z0-9*?_.-]+:([^:\s/]*:)?\*|acs:oss:[^:\s]*:[^:\s]*:\S(.*\S)?|acs:(odps|maxcompute):[^:\s]*:(projects|regions)/\S*)$")
        .expect("the RAM resource pattern compiles")
});

/// PL102: a resource that is not a name of the policy's dialect.
pub fn invalid_resource(ctx: &CheckContext, out: &mut Vec<Finding>) {
    let Some(policy) = ctx.policy else { return };
    // Statements under a misspelt `Statement` key are that key's finding (PL005).
    if policy.statement_member.is_none_or(|m| m.key != STATEMENT) {
        return;
    }
    for statement in policy.statements {
        for values in [&statement.resource, &statement.not_resource]
            .into_iter()
            .flatten()
        {
            for entry in &values.entries {
                if policy.templates.holds_template_expression(entry.node) {
                    continue;
                }
                let problem = match policy.dialect {
                    Dialect::Ram => ram_problem(entry.text),
                    Dialect::Aws => aws_problem(entry.text),
                };
                if let Some((message, help)) = problem {
                    out.push(
                        Finding::new(entry.node.span, message)
                            .help(help)
                            .fix(trim_fix(entry.node, entry.text, policy.dialect)),
                    );
                }
            }
        }
    }
}

/// Removing surrounding whitespace, when that is all that is wrong: the service reads
/// the name with its spaces, so the statement matched nothing; safe, as the names agree.
fn trim_fix(node: &Node, value: &str, dialect: Dialect) -> Option<Fix> {
    let trimmed = value.trim();
    let valid = match dialect {
        Dialect::Ram => ram_problem(trimmed).is_none(),
        Dialect::Aws => aws_problem(trimmed).is_none(),
    };
    (trimmed != value && valid).then(|| {
        let literal = serde_json::to_string(trimmed).expect("a string serializes");
        Fix::safe(
            "remove the surrounding whitespace",
            vec![Edit::replace(node.span, literal)],
        )
    })
}

fn ram_problem(value: &str) -> Option<(String, String)> {
    (!RAM_RESOURCE.is_match(value)).then(|| {
        (
            format!("`{value}` is not a resource of the form `acs:<service>:<region>:<account>:<relative-id>`"),
            "write `*` or a full resource name such as `acs:oss:*:*:mybucket/*` (region and account may be `*` or empty), with no spaces".to_string(),
        )
    })
}

const ARN_HELP: &str = "write `*` or an ARN such as `arn:aws:s3:::my-bucket/*` or `arn:aws:iam::123456789012:role/deploy` (region and account may be empty or `*`), with no spaces";

/// What is wrong with an AWS resource, if anything: `*`, or
/// `arn:<partition>:<service>:<region>:<account>:<resource>` where a part may be a
/// wildcard and the resource may hold policy variables (`${aws:username}`) and colons.
fn aws_problem(value: &str) -> Option<(String, String)> {
    // A CloudFormation pseudo parameter (`${AWS::Partition}`) holds colons of its own.
    if value == "*" || value.contains("${AWS::") {
        return None;
    }
    let shape = || {
        Some((
            format!(
                "`{value}` is not an ARN of the form `arn:<partition>:<service>:<region>:<account>:<resource>`"
            ),
            ARN_HELP.to_string(),
        ))
    };
    if value.contains(char::is_whitespace) && !value.starts_with("arn:aws:s3:") {
        return shape();
    }
    if value.starts_with("acs:") {
        return Some((
            format!("`{value}` is an Alibaba Cloud resource name, which AWS never matches"),
            "write the AWS resource's ARN, or lint the policy as RAM (`dialect = \"ram\"`) if it is one".to_string(),
        ));
    }
    let parts: Vec<&str> = value.splitn(6, ':').collect();
    let [prefix, partition, service, _region, _account, resource] = parts.as_slice() else {
        // Fewer than six parts: AWS's own managed policies end such names with a wildcard
        // (`arn:aws:s3:*`), which matches any rest.
        let absorbs = parts[0] == "arn" && parts.len() >= 3 && value.ends_with('*');
        return if absorbs { None } else { shape() };
    };
    if *prefix != "arn" && *prefix != "*" {
        return shape();
    }
    let partition_known = AWS_PARTITIONS.contains(partition)
        || partition.contains(['*', '?'])
        || partition.starts_with("${");
    if !partition_known {
        return Some((
            format!("`{value}` names partition `{partition}`, which does not exist"),
            format!(
                "a partition is one of {}; most resources are in `aws`",
                AWS_PARTITIONS
                    .iter()
                    .map(|p| format!("`{p}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    if service.is_empty() || resource.is_empty() {
        return shape();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_resource_names() {
        for ok in [
            "*",
            "arn:aws:s3:::my-bucket/*",
            "arn:aws-cn:iam::123456789012:role/x",
            "arn:aws-us-gov:ec2:us-gov-west-1:*:instance/*",
            "arn:aws:s3:::home/${aws:username}/*",
            "arn:aws:logs:*:*:log-group:/aws/lambda/*:*",
            "arn:${AWS::Partition}:s3:::b",
            "arn:aws:s3:::my bucket/a file.txt",
            "arn:*:s3:::b",
            "arn:aws:*",
        ] {
            assert_eq!(aws_problem(ok), None, "{ok}");
        }
        for bad in [
            "arn:aws:s3:my-bucket",
            "arn:aws-xx:s3:::b",
            "acs:oss:*:*:b",
            "my-bucket",
            "arn:aws:iam:: 123456789012:role/x",
            "arn:aws::::x",
            "arn:aws:s3:::",
        ] {
            assert!(aws_problem(bad).is_some(), "{bad}");
        }
    }
}
