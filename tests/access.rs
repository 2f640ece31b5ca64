//! The access engine (issue #25): `can` against the vendors' evaluation rules and a
//! brute-force reference, `diff` on rewrites, widenings and narrowings and against the
//! same reference, `check --base` in a git repository, the guardrails' config, and
//! pattern questions that must not blow up.

mod common;

use common::rng::Rng;
use policylint::access::condition::{Atom, Context};
use policylint::access::diff::{AccessDiff, diff};
use policylint::access::eval::{Decision, Request, evaluate};
use policylint::access::{Document, documents_in_text};
use std::collections::BTreeSet;
use std::path::Path;

fn documents(path: &str, json: &str) -> Vec<Document> {
    documents_in_text(path, json, None, &Default::default(), true).expect("test policy parses")
}

/// One row of a `can` table: the vendor rule it checks (where it is written, and the
/// sentence), the policies, the request, and the decision the rule calls for.
struct Case {
    url: &'static str,
    rule: &'static str,
    policies: &'static [&'static str],
    action: &'static str,
    resource: &'static str,
    context: &'static [(&'static str, &'static str)],
    /// Keys the context does not give are absent (`--complete-context`).
    complete: bool,
    principal: Option<&'static str>,
    decision: Decision,
    depends_on: &'static [&'static str],
}

const fn case(
    url: &'static str,
    rule: &'static str,
    policies: &'static [&'static str],
    action: &'static str,
    resource: &'static str,
    decision: Decision,
) -> Case {
    Case {
        url,
        rule,
        policies,
        action,
        resource,
        context: &[],
        complete: false,
        principal: None,
        decision,
        depends_on: &[],
    }
}

fn check_table(cases: &[Case]) {
    for (i, case) in cases.iter().enumerate() {
        let documents: Vec<Document> = case
            .policies
            .iter()
            .enumerate()
            .flat_map(|(p, json)| documents(&format!("p{p}.json"), json))
            .collect();
        let mut context = Context {
            complete: case.complete,
            ..Context::default()
        };
        for (key, value) in case.context {
            context.add(key, value);
        }
        let request = Request {
            action: case.action.into(),
            resource: case.resource.into(),
            context,
            principal: case.principal.map(str::to_string),
        };
        let policies: Vec<_> = documents.iter().map(|d| &d.policy).collect();
        let verdict = evaluate(&policies, &request);
        assert_eq!(
            (verdict.decision, verdict.depends_on.as_slice()),
            (
                case.decision,
                &case
                    .depends_on
                    .iter()
                    .map(|k| k.to_string())
                    .collect::<Vec<_>>()[..]
            ),
            "case {i}: {} ({}) — `{}` on `{}`",
            case.rule,
            case.url,
            case.action,
            case.resource
        );
        assert!(case.url.starts_with("https://") && !case.rule.is_empty());
    }
}

const RAM_EVALUATION: &str = "https://www.alibabacloud.com/help/en/ram/policy-evaluation-process";
const RAM_ELEMENTS: &str = "https://www.alibabacloud.com/help/en/doc-detail/93738.html";
const RAM_ELEMENTS_2025: &str =
    "https://www.alibabacloud.com/help/en/resource-access-management/latest/policy-elements";
const RAM_OPERATORS: &str = "https://www.alibabacloud.com/help/en/ram/conditional-operator";
const RAM_TIME: &str = "https://alibabacloud.com/help/en/ram/user-guide/access-alibaba-cloud-in-a-specified-period-of-time";

const READ_REPORTS: &str = r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "oss:GetObject", "Resource": "acs:oss:*:*:reports/*"}]}"#;
const ALL_OSS: &str =
    r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "oss:*", "Resource": "*"}]}"#;
const DENY_DELETE: &str = r#"{"Version": "1", "Statement": [{"Effect": "Deny", "Action": "oss:DeleteObject", "Resource": "*"}]}"#;
const ALLOW_AND_DENY: &str = r#"{"Version": "1", "Statement": [
  {"Effect": "Allow", "Action": "ecs:*", "Resource": "*"},
  {"Effect": "Deny", "Action": "ecs:Delete*", "Resource": "*"}]}"#;
const LOWER_CASE_ACTION: &str = r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "OSS:getobject", "Resource": "*"}]}"#;
const NOT_RAM: &str = r#"{"Version": "1", "Statement": [{"Effect": "Allow", "NotAction": "ram:*", "Resource": "*"}]}"#;
const ANY_REGION: &str = r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:StartInstance", "Resource": "acs:ecs:*:1234:instance/i-1"}]}"#;
const PREFIX_LIKE: &str = r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "oss:ListObjects", "Resource": "acs:oss:*:*:myphotos",
  "Condition": {"StringLike": {"oss:Prefix": "hangzhou/2015/*"}}}]}"#;
const TAG_EQUALS: &str = r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:*", "Resource": "*",
  "Condition": {"StringEquals": {"acs:ResourceTag/team": ["dev"]}}}]}"#;
const TAG_IGNORE_CASE: &str = r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:*", "Resource": "*",
  "Condition": {"StringEqualsIgnoreCase": {"acs:ResourceTag/team": "dev"}}}]}"#;
const BEFORE_FIVE: &str = r#"{"Statement": [{"Action": "ecs:*", "Effect": "Allow", "Resource": "*",
  "Condition": {"DateLessThan": {"acs:CurrentTime": "2019-08-12T17:00:00+08:00"}}}], "Version": "1"}"#;
const OFFICE_HTTPS: &str = r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "oss:*", "Resource": "*",
  "Condition": {"IpAddress": {"acs:SourceIp": ["10.0.0.0/8", "192.168.0.0/16"]}, "Bool": {"acs:SecureTransport": "true"}, "NumericLessThanEquals": {"oss:max-keys": "100"}}}]}"#;
const TRUST: &str = r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
  "Principal": {"RAM": ["acs:ram::123456789012:root"]}}]}"#;

#[test]
fn can_follows_the_ram_evaluation_rules() {
    use Decision::*;
    check_table(&[
        case(
            RAM_EVALUATION,
            "Deny by default: By default, a RAM principal has no permissions. Unless a policy explicitly allows a request, it is implicitly denied.",
            &[READ_REPORTS],
            "oss:PutObject",
            "acs:oss:*:*:reports/2026.csv",
            ImplicitDeny,
        ),
        case(
            RAM_EVALUATION,
            "Deny by default: By default, a RAM principal has no permissions. Unless a policy explicitly allows a request, it is implicitly denied.",
            &[READ_REPORTS],
            "oss:GetObject",
            "acs:oss:*:*:reports/2026.csv",
            Allow,
        ),
        case(
            RAM_EVALUATION,
            "Explicit deny overrides allow: If any applicable policy contains an explicit Deny statement for the request, the request is immediately denied, regardless of any Allow statements in other policies.",
            &[ALL_OSS, DENY_DELETE],
            "oss:DeleteObject",
            "acs:oss:*:*:reports/2026.csv",
            ExplicitDeny,
        ),
        case(
            RAM_ELEMENTS,
            "If a RAM policy includes an Allow statement and a Deny statement at the same time, the Deny statement takes precedence over the Allow statement.",
            &[ALLOW_AND_DENY],
            "ecs:DeleteInstance",
            "acs:ecs:*:*:instance/i-1",
            ExplicitDeny,
        ),
        case(
            RAM_ELEMENTS,
            "In most cases, the value of the Action element is not case-sensitive.",
            &[LOWER_CASE_ACTION],
            "oss:GetObject",
            "acs:oss:*:*:b/k",
            Allow,
        ),
        case(
            RAM_ELEMENTS_2025,
            "NotAction: the specified operations that are excluded when the operations are allowed or denied. This means that except for the operations specified by NotAction, all other operations are allowed or denied.",
            &[NOT_RAM],
            "ecs:DescribeInstances",
            "*",
            Allow,
        ),
        case(
            RAM_ELEMENTS_2025,
            "NotAction: the specified operations that are excluded when the operations are allowed or denied. This means that except for the operations specified by NotAction, all other operations are allowed or denied.",
            &[NOT_RAM],
            "ram:CreateUser",
            "*",
            ImplicitDeny,
        ),
        case(
            RAM_ELEMENTS,
            "region: the region information. You can use an asterisk (*) wildcard character to specify all the regions.",
            &[ANY_REGION],
            "ecs:StartInstance",
            "acs:ecs:cn-hangzhou:1234:instance/i-1",
            Allow,
        ),
        case(
            RAM_ELEMENTS,
            "account-id: the Alibaba Cloud account ID, for example, 123456789012****. If no ID is required or available, use an asterisk (*).",
            &[ANY_REGION],
            "ecs:StartInstance",
            "acs:ecs:cn-hangzhou:5678:instance/i-1",
            ImplicitDeny,
        ),
        Case {
            context: &[("oss:Prefix", "hangzhou/2015/photo.jpg")],
            ..case(
                RAM_OPERATORS,
                "StringLike: Matches a string pattern (case-sensitive, supports asterisks [*] and question marks [?] as wildcard characters).",
                &[PREFIX_LIKE],
                "oss:ListObjects",
                "acs:oss:*:*:myphotos",
                Allow,
            )
        },
        Case {
            context: &[("oss:Prefix", "Hangzhou/2015/photo.jpg")],
            ..case(
                RAM_OPERATORS,
                "StringLike: Matches a string pattern (case-sensitive, supports asterisks [*] and question marks [?] as wildcard characters).",
                &[PREFIX_LIKE],
                "oss:ListObjects",
                "acs:oss:*:*:myphotos",
                ImplicitDeny,
            )
        },
        Case {
            context: &[("acs:ResourceTag/team", "Dev")],
            ..case(
                RAM_OPERATORS,
                "StringEquals: Matches an exact string (case-sensitive).",
                &[TAG_EQUALS],
                "ecs:StopInstance",
                "acs:ecs:*:*:instance/i-1",
                ImplicitDeny,
            )
        },
        Case {
            context: &[("acs:ResourceTag/team", "Dev")],
            ..case(
                RAM_OPERATORS,
                "StringEqualsIgnoreCase: Matches an exact string (case-insensitive).",
                &[TAG_IGNORE_CASE],
                "ecs:StopInstance",
                "acs:ecs:*:*:instance/i-1",
                Allow,
            )
        },
        Case {
            context: &[("acs:CurrentTime", "2019-08-12T08:59:59Z")],
            ..case(
                RAM_TIME,
                "The following policy indicates that the authorized RAM user can only access Alibaba Cloud ECS before 17:00 on August 12, 2019 (UTC+8).",
                &[BEFORE_FIVE],
                "ecs:DescribeInstances",
                "*",
                Allow,
            )
        },
        Case {
            context: &[("acs:CurrentTime", "2019-08-12T17:00:01+08:00")],
            ..case(
                RAM_TIME,
                "The following policy indicates that the authorized RAM user can only access Alibaba Cloud ECS before 17:00 on August 12, 2019 (UTC+8).",
                &[BEFORE_FIVE],
                "ecs:DescribeInstances",
                "*",
                ImplicitDeny,
            )
        },
        Case {
            context: &[
                ("acs:SourceIp", "192.168.3.4"),
                ("acs:SecureTransport", "true"),
                ("oss:max-keys", "100"),
            ],
            ..case(
                RAM_OPERATORS,
                "Operators are categorized into five types: string, number, date and time, Boolean, and IP address.",
                &[OFFICE_HTTPS],
                "oss:ListObjects",
                "acs:oss:*:*:b",
                Allow,
            )
        },
        Case {
            context: &[
                ("acs:SourceIp", "172.16.0.1"),
                ("acs:SecureTransport", "true"),
                ("oss:max-keys", "100"),
            ],
            ..case(
                RAM_OPERATORS,
                "Operators are categorized into five types: string, number, date and time, Boolean, and IP address.",
                &[OFFICE_HTTPS],
                "oss:ListObjects",
                "acs:oss:*:*:b",
                ImplicitDeny,
            )
        },
        Case {
            context: &[("acs:SourceIp", "10.1.1.1")],
            depends_on: &["acs:SecureTransport", "oss:max-keys"],
            ..case(
                RAM_ELEMENTS,
                "Condition | Specifies the conditions that are required for a policy to take effect.",
                &[OFFICE_HTTPS],
                "oss:ListObjects",
                "acs:oss:*:*:b",
                Conditional,
            )
        },
        Case {
            principal: Some("acs:ram::123456789012:root"),
            ..case(
                RAM_ELEMENTS,
                "Principal | Specifies the principal that is allowed or denied access to a resource. This element is available only for resource-based policies, such as a trust policy that specifies a trusted entity to assume a RAM role.",
                &[TRUST],
                "sts:AssumeRole",
                "acs:ram::123456789012:role/admin",
                Allow,
            )
        },
        Case {
            principal: Some("acs:ram::999999999999:root"),
            ..case(
                RAM_ELEMENTS,
                "Principal | Specifies the principal that is allowed or denied access to a resource. This element is available only for resource-based policies, such as a trust policy that specifies a trusted entity to assume a RAM role.",
                &[TRUST],
                "sts:AssumeRole",
                "acs:ram::123456789012:role/admin",
                ImplicitDeny,
            )
        },
    ]);
}

const AWS_INTERPLAY: &str = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_AccessPolicyLanguage_Interplay.html";
const AWS_ACTION: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html";
const AWS_RESOURCE: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html";
const AWS_CONDITION: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html";
const AWS_OPERATORS: &str = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html";
const AWS_MULTIPLE: &str = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html";
const AWS_MULTIVALUED: &str = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition_examples-multi-valued-context-keys.html";
const AWS_SET_OPERATORS: &str = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_multi-value-conditions.html";
const AWS_VARIABLES: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html";

const GET_LIST_DENY_REPORTS: &str = r#"{"Version": "2012-10-17", "Statement": [
  {"Sid": "AllowGetList", "Effect": "Allow", "Action": ["iam:Get*", "iam:List*"], "Resource": "*"},
  {"Sid": "DenyReports", "Effect": "Deny", "Action": "iam:*Report", "Resource": "*"}]}"#;
const MIXED_CASE_ACTION: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "IAM:listaccesskeys", "Resource": "*"}]}"#;
const BOB: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:GetUser", "Resource": "arn:aws:iam::123456789012:user/Bob"}]}"#;
const IAM_ANYTHING: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:GetUser", "Resource": "arn:aws:iam::*"}]}"#;
const INSIDE_SEGMENT: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::data*2026"}]}"#;
const JOHN: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*",
  "Condition": {"StringEquals": {"aws:username": "john"}}}]}"#;
const SOURCE_IP: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*",
  "Condition": {"IpAddress": {"aws:SourceIP": ["203.0.113.0/24", "198.51.100.0/24"]}}}]}"#;
const NOT_TEAMS: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*",
  "Condition": {"StringNotEquals": {"aws:PrincipalTag/team": ["red", "blue"]}}}]}"#;
const TWO_OPERATORS: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*",
  "Condition": {"StringEquals": {"aws:PrincipalTag/team": "red"}, "Bool": {"aws:SecureTransport": "true"}}}]}"#;
const IF_EXISTS: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ec2:RunInstances", "Resource": "*",
  "Condition": {"StringLikeIfExists": {"ec2:InstanceType": "t3.*"}}}]}"#;
const NULL_CHECK: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*",
  "Condition": {"Null": {"aws:TokenIssueTime": "true"}}}, {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}"#;
const ALL_TAG_KEYS: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ec2:CreateTags", "Resource": "*",
  "Condition": {"ForAllValues:StringLike": {"aws:TagKeys": ["env", "team-*"]}}}]}"#;
const ANY_TAG_KEY: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ec2:CreateTags", "Resource": "*",
  "Condition": {"ForAnyValue:StringEquals": {"aws:TagKeys": ["env"]}}}]}"#;
const HOME_FOLDER: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::home/${aws:username}/*"}]}"#;
const NOT_RESOURCE: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::secret*"}]}"#;
const SOURCE_ARN: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sns:Publish", "Resource": "*",
  "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::*"}}}]}"#;

#[test]
fn can_follows_the_iam_evaluation_rules() {
    use Decision::*;
    check_table(&[
        case(
            AWS_INTERPLAY,
            "An implicit denial occurs when there is no applicable Deny statement but also no applicable Allow statement.",
            &[GET_LIST_DENY_REPORTS],
            "iam:CreatePolicy",
            "*",
            ImplicitDeny,
        ),
        case(
            AWS_INTERPLAY,
            "If policies that apply to a request include an Allow statement and a Deny statement, the Deny statement trumps the Allow statement.",
            &[GET_LIST_DENY_REPORTS],
            "iam:GetOrganizationsAccessReport",
            "*",
            ExplicitDeny,
        ),
        case(
            AWS_INTERPLAY,
            "The AllowGetList statement allows read-only access to IAM actions that begin with the prefixes Get and List.",
            &[GET_LIST_DENY_REPORTS],
            "iam:ListUsers",
            "*",
            Allow,
        ),
        case(
            AWS_ACTION,
            "The prefix and the action name are case insensitive. For example, iam:ListAccessKeys is the same as IAM:listaccesskeys.",
            &[MIXED_CASE_ACTION],
            "iam:ListAccessKeys",
            "*",
            Allow,
        ),
        case(
            AWS_RESOURCE,
            "In the Resource element, the IAM user name is case sensitive.",
            &[BOB],
            "iam:GetUser",
            "arn:aws:iam::123456789012:user/bob",
            ImplicitDeny,
        ),
        case(
            AWS_RESOURCE,
            "If the * wildcard is the last character of a resource ARN segment, it can expand to match beyond the colon boundaries.",
            &[IAM_ANYTHING],
            "iam:GetUser",
            "arn:aws:iam::123456789012:user/bob",
            Allow,
        ),
        case(
            AWS_RESOURCE,
            "You can use wildcard characters (* and ?) within the individual segments of an ARN (the parts separated by colons)",
            &[INSIDE_SEGMENT],
            "s3:GetObject",
            "arn:aws:s3:::data-2026",
            Allow,
        ),
        case(
            AWS_RESOURCE,
            "You can use wildcard characters (* and ?) within the individual segments of an ARN (the parts separated by colons)",
            &[INSIDE_SEGMENT],
            "s3:GetObject",
            "arn:aws:s3:::data:x:2026",
            ImplicitDeny,
        ),
        Case {
            context: &[("AWS:USERNAME", "john")],
            ..case(
                AWS_CONDITION,
                "Context key names are not case-sensitive. For example, including the aws:SourceIP context key is equivalent to testing for AWS:SourceIp.",
                &[JOHN],
                "s3:ListBucket",
                "arn:aws:s3:::b",
                Allow,
            )
        },
        Case {
            context: &[("aws:username", "John")],
            ..case(
                AWS_CONDITION,
                "the following condition includes the StringEquals operator to make sure that only requests made by john match. Users named John are denied access.",
                &[JOHN],
                "s3:ListBucket",
                "arn:aws:s3:::b",
                ImplicitDeny,
            )
        },
        Case {
            context: &[("aws:SourceIp", "198.51.100.7")],
            ..case(
                AWS_MULTIPLE,
                "If a single condition operator includes multiple values for a context key, those values are evaluated using a logical OR.",
                &[SOURCE_IP],
                "s3:GetObject",
                "arn:aws:s3:::b/k",
                Allow,
            )
        },
        Case {
            context: &[("aws:PrincipalTag/team", "blue")],
            ..case(
                AWS_MULTIPLE,
                "If a single negated matching condition operator includes multiple values for a context key, those values are evaluated using a logical NOR.",
                &[NOT_TEAMS],
                "s3:GetObject",
                "arn:aws:s3:::b/k",
                ImplicitDeny,
            )
        },
        Case {
            context: &[("aws:PrincipalTag/team", "green")],
            ..case(
                AWS_MULTIPLE,
                "If a single negated matching condition operator includes multiple values for a context key, those values are evaluated using a logical NOR.",
                &[NOT_TEAMS],
                "s3:GetObject",
                "arn:aws:s3:::b/k",
                Allow,
            )
        },
        Case {
            context: &[
                ("aws:PrincipalTag/team", "red"),
                ("aws:SecureTransport", "false"),
            ],
            ..case(
                AWS_MULTIPLE,
                "If your policy statement has multiple condition operators, the condition operators are evaluated using a logical AND.",
                &[TWO_OPERATORS],
                "s3:GetObject",
                "arn:aws:s3:::b/k",
                ImplicitDeny,
            )
        },
        Case {
            context: &[("aws:PrincipalTag/team", "red")],
            depends_on: &["aws:SecureTransport"],
            ..case(
                AWS_MULTIPLE,
                "All context keys in a condition element block must resolve to true to invoke the desired Allow or Deny effect.",
                &[TWO_OPERATORS],
                "s3:GetObject",
                "arn:aws:s3:::b/k",
                Conditional,
            )
        },
        Case {
            complete: true,
            ..case(
                AWS_OPERATORS,
                "If the key that you specify in a policy condition is not present in the request context, the values do not match and the condition is false.",
                &[JOHN],
                "s3:ListBucket",
                "arn:aws:s3:::b",
                ImplicitDeny,
            )
        },
        Case {
            complete: true,
            ..case(
                AWS_OPERATORS,
                "If the policy condition requires that the key is not matched, such as StringNotLike or ArnNotLike, and the right key is not present, the condition is true.",
                &[NOT_TEAMS],
                "s3:GetObject",
                "arn:aws:s3:::b/k",
                Allow,
            )
        },
        Case {
            complete: true,
            ..case(
                AWS_OPERATORS,
                "This logic applies to all condition operators except ...IfExists and Null check. These operators test whether the key is present (exists) in the request context.",
                &[IF_EXISTS],
                "ec2:RunInstances",
                "*",
                Allow,
            )
        },
        Case {
            context: &[("ec2:InstanceType", "m5.large")],
            ..case(
                AWS_OPERATORS,
                "This logic applies to all condition operators except ...IfExists and Null check. These operators test whether the key is present (exists) in the request context.",
                &[IF_EXISTS],
                "ec2:RunInstances",
                "*",
                ImplicitDeny,
            )
        },
        Case {
            complete: true,
            ..case(
                AWS_OPERATORS,
                "This logic applies to all condition operators except ...IfExists and Null check. These operators test whether the key is present (exists) in the request context.",
                &[NULL_CHECK],
                "s3:GetObject",
                "*",
                ExplicitDeny,
            )
        },
        Case {
            context: &[("aws:TokenIssueTime", "2026-01-01T00:00:00Z")],
            ..case(
                AWS_OPERATORS,
                "This logic applies to all condition operators except ...IfExists and Null check. These operators test whether the key is present (exists) in the request context.",
                &[NULL_CHECK],
                "s3:GetObject",
                "*",
                Allow,
            )
        },
        Case {
            context: &[("aws:TagKeys", "env"), ("aws:TagKeys", "team-red")],
            ..case(
                AWS_MULTIVALUED,
                "In order for context key aws:TagKeys to match, every value in the request context must match at least one value in the policy.",
                &[ALL_TAG_KEYS],
                "ec2:CreateTags",
                "*",
                Allow,
            )
        },
        Case {
            context: &[("aws:TagKeys", "env"), ("aws:TagKeys", "owner")],
            ..case(
                AWS_MULTIVALUED,
                "In order for context key aws:TagKeys to match, every value in the request context must match at least one value in the policy.",
                &[ALL_TAG_KEYS],
                "ec2:CreateTags",
                "*",
                ImplicitDeny,
            )
        },
        Case {
            complete: true,
            ..case(
                AWS_MULTIVALUED,
                "The ForAllValues set operator also returns true if there are no context keys in the request.",
                &[ALL_TAG_KEYS],
                "ec2:CreateTags",
                "*",
                Allow,
            )
        },
        Case {
            context: &[("aws:TagKeys", "owner"), ("aws:TagKeys", "env")],
            ..case(
                AWS_SET_OPERATORS,
                "These qualifiers add set-operation functionality to the condition operator so that you can test multiple request values against multiple condition values.",
                &[ANY_TAG_KEY],
                "ec2:CreateTags",
                "*",
                Allow,
            )
        },
        Case {
            complete: true,
            ..case(
                AWS_SET_OPERATORS,
                "These qualifiers add set-operation functionality to the condition operator so that you can test multiple request values against multiple condition values.",
                &[ANY_TAG_KEY],
                "ec2:CreateTags",
                "*",
                ImplicitDeny,
            )
        },
        Case {
            context: &[("aws:username", "alice")],
            ..case(
                AWS_VARIABLES,
                "Use AWS Identity and Access Management (IAM) policy variables as placeholders when you don't know the exact value of a resource or condition key when you write the policy.",
                &[HOME_FOLDER],
                "s3:GetObject",
                "arn:aws:s3:::home/alice/notes.txt",
                Allow,
            )
        },
        Case {
            context: &[("aws:username", "bob")],
            ..case(
                AWS_VARIABLES,
                "Use AWS Identity and Access Management (IAM) policy variables as placeholders when you don't know the exact value of a resource or condition key when you write the policy.",
                &[HOME_FOLDER],
                "s3:GetObject",
                "arn:aws:s3:::home/alice/notes.txt",
                ImplicitDeny,
            )
        },
        Case {
            depends_on: &["aws:username"],
            ..case(
                AWS_VARIABLES,
                "Use AWS Identity and Access Management (IAM) policy variables as placeholders when you don't know the exact value of a resource or condition key when you write the policy.",
                &[HOME_FOLDER],
                "s3:GetObject",
                "arn:aws:s3:::home/alice/notes.txt",
                Conditional,
            )
        },
        case(
            AWS_RESOURCE,
            "Statements must include either a Resource or a NotResource element.",
            &[NOT_RESOURCE],
            "s3:GetObject",
            "arn:aws:s3:::secrets/k",
            ImplicitDeny,
        ),
        case(
            AWS_RESOURCE,
            "Statements must include either a Resource or a NotResource element.",
            &[NOT_RESOURCE],
            "s3:GetObject",
            "arn:aws:s3:::public/k",
            Allow,
        ),
        Case {
            context: &[("aws:SourceArn", "arn:aws:s3:::uploads")],
            ..case(
                AWS_OPERATORS,
                "Use condition operators in the Condition element to match the condition key and value in the policy against values in the request context.",
                &[SOURCE_ARN],
                "sns:Publish",
                "arn:aws:sns:us-east-1:123456789012:topic",
                Allow,
            )
        },
        Case {
            context: &[("aws:SourceArn", "arn:aws:sqs:us-east-1:123456789012:queue")],
            ..case(
                AWS_OPERATORS,
                "Use condition operators in the Condition element to match the condition key and value in the policy against values in the request context.",
                &[SOURCE_ARN],
                "sns:Publish",
                "arn:aws:sns:us-east-1:123456789012:topic",
                ImplicitDeny,
            )
        },
    ]);
}

// ---------------------------------------------------------------------------------------
// A brute-force reference for `can`: the documented rules written as directly as possible,
// matching globs against the concrete request.

mod reference {
    use serde_json::Value;

    /// `*` any run, `?` one character; with `segments`, a `*` followed by anything but `:`
    /// or the end does not match `:` (AWS resources).
    pub fn glob(pattern: &str, text: &str, segments: bool) -> bool {
        let p: Vec<char> = pattern.chars().collect();
        let t: Vec<char> = text.chars().collect();
        let confined = |i: usize| {
            let mut j = i;
            while j < p.len() && p[j] == '*' {
                j += 1;
            }
            segments && j < p.len() && p[j] != ':'
        };
        // fits[i][j]: p[i..] matches t[j..]
        let mut fits = vec![vec![false; t.len() + 1]; p.len() + 1];
        fits[p.len()][t.len()] = true;
        for i in (0..p.len()).rev() {
            for j in (0..=t.len()).rev() {
                fits[i][j] = match p[i] {
                    '*' => {
                        fits[i + 1][j]
                            || (j < t.len() && !(confined(i) && t[j] == ':') && fits[i][j + 1])
                    }
                    '?' => j < t.len() && fits[i + 1][j + 1],
                    c => j < t.len() && t[j] == c && fits[i + 1][j + 1],
                };
            }
        }
        fits[0][0]
    }

    fn strings(value: Option<&Value>) -> Vec<String> {
        match value {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The context: each key with its values; keys not listed are absent.
    pub type Context = Vec<(String, Vec<String>)>;

    fn lookup<'c>(context: &'c Context, key: &str) -> Option<&'c Vec<String>> {
        context
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    }

    /// `${key}` replaced from the context; `None` when a key is absent.
    fn fill(text: &str, context: &Context) -> Option<String> {
        let mut out = String::new();
        let mut rest = text;
        while let Some(at) = rest.find("${") {
            out.push_str(&rest[..at]);
            let end = rest[at..].find('}')? + at;
            out.push_str(lookup(context, &rest[at + 2..end])?.first()?);
            rest = &rest[end + 1..];
        }
        out.push_str(rest);
        Some(out)
    }

    fn ip(text: &str) -> Option<u32> {
        let parts: Vec<u32> = text
            .split('.')
            .map(|p| p.parse().ok())
            .collect::<Option<_>>()?;
        (parts.len() == 4).then(|| parts.iter().fold(0, |a, p| a * 256 + p))
    }

    fn in_block(value: &str, block: &str) -> bool {
        let (network, bits) = block.split_once('/').unwrap_or((block, "32"));
        let bits: u32 = bits.parse().unwrap();
        let mask = if bits == 0 {
            0
        } else {
            u32::MAX << (32 - bits)
        };
        matches!((ip(value), ip(network)), (Some(a), Some(n)) if a & mask == n & mask)
    }

    fn compare(base: &str, value: &str, expected: &str) -> bool {
        match base {
            "StringEquals" => value == expected,
            "StringEqualsIgnoreCase" => value.to_lowercase() == expected.to_lowercase(),
            "StringLike" => glob(expected, value, false),
            "NumericLessThan" => value.parse::<f64>().unwrap() < expected.parse::<f64>().unwrap(),
            "Bool" => value.eq_ignore_ascii_case(expected),
            "IpAddress" => in_block(value, expected),
            other => panic!("reference has no operator {other}"),
        }
    }

    fn negated(base: &str) -> Option<&'static str> {
        match base {
            "StringNotEquals" => Some("StringEquals"),
            "StringNotLike" => Some("StringLike"),
            "NotIpAddress" => Some("IpAddress"),
            _ => None,
        }
    }

    fn clause(operator: &str, key: &str, values: &[String], context: &Context) -> bool {
        let (set, rest) = match operator.split_once(':') {
            Some((set, rest)) => (Some(set), rest),
            None => (None, operator),
        };
        let (base, if_exists) = match rest.strip_suffix("IfExists") {
            Some(base) => (base, true),
            None => (rest, false),
        };
        let present = lookup(context, key);
        if base == "Null" {
            return values.iter().any(|v| (v == "true") == present.is_none());
        }
        let Some(request) = present else {
            return match set {
                Some("ForAllValues") => true,
                Some(_) => false,
                None => if_exists || negated(base).is_some(),
            };
        };
        let positive = negated(base).unwrap_or(base);
        let matches = |value: &String| {
            values.iter().any(|expected| match fill(expected, context) {
                Some(expected) => compare(positive, value, &expected),
                None => false,
            })
        };
        let pass = |value: &String| matches(value) != negated(base).is_some();
        match set {
            Some("ForAllValues") => request.iter().all(pass),
            Some(_) => request.iter().any(pass),
            None if negated(base).is_some() => request.iter().all(pass),
            None => request.iter().any(pass),
        }
    }

    fn applies(
        statement: &Value,
        action: &str,
        resource: &str,
        context: &Context,
        aws: bool,
    ) -> bool {
        let action = action.to_lowercase();
        let action_ok = match (statement.get("Action"), statement.get("NotAction")) {
            (Some(a), None) => strings(Some(a))
                .iter()
                .any(|p| glob(&p.to_lowercase(), &action, false)),
            (None, Some(a)) => !strings(Some(a))
                .iter()
                .any(|p| glob(&p.to_lowercase(), &action, false)),
            _ => false,
        };
        let resource_matches = |p: &String| match fill(p, context) {
            Some(p) => glob(&p, resource, aws),
            None => false,
        };
        let resource_ok = match (statement.get("Resource"), statement.get("NotResource")) {
            (Some(r), None) => strings(Some(r)).iter().any(resource_matches),
            (None, Some(r)) => !strings(Some(r)).iter().any(resource_matches),
            (None, None) => true,
            _ => false,
        };
        let condition_ok = statement
            .get("Condition")
            .and_then(Value::as_object)
            .is_none_or(|blocks| {
                blocks.iter().all(|(operator, keys)| {
                    keys.as_object()
                        .unwrap()
                        .iter()
                        .all(|(key, values)| clause(operator, key, &strings(Some(values)), context))
                })
            });
        action_ok && resource_ok && condition_ok
    }

    /// "allow", "explicit-deny" or "implicit-deny".
    pub fn decide(
        policies: &[Value],
        action: &str,
        resource: &str,
        context: &Context,
    ) -> &'static str {
        let (mut allowed, mut denied) = (false, false);
        for policy in policies {
            let aws = policy["Version"] == "2012-10-17";
            for statement in policy["Statement"].as_array().unwrap() {
                if applies(statement, action, resource, context, aws) {
                    match statement["Effect"].as_str() {
                        Some("Allow") => allowed = true,
                        Some("Deny") => denied = true,
                        _ => {}
                    }
                }
            }
        }
        if denied {
            "explicit-deny"
        } else if allowed {
            "allow"
        } else {
            "implicit-deny"
        }
    }
}

/// Patterns, requests and condition clauses random policies are drawn from, per dialect.
struct Vocabulary {
    version: &'static str,
    actions: &'static [&'static str],
    resources: &'static [&'static str],
    requested_actions: &'static [&'static str],
    requested_resources: &'static [&'static str],
    variable: &'static str,
}

const RAM: Vocabulary = Vocabulary {
    version: "1",
    actions: &[
        "oss:GetObject",
        "oss:Get*",
        "oss:*",
        "oss:*Object",
        "oss:Put?bject",
        "OSS:getobject",
        "ecs:Describe*",
        "*",
        "oss:List*",
    ],
    resources: &[
        "*",
        "acs:oss:*:*:b/*",
        "acs:oss:*:*:b/a*",
        "acs:oss:*:*:c/*",
        "acs:oss:*:*:b/x.txt",
        "acs:oss:*:*:*",
        "acs:ecs:*:*:instance/i-?",
        "acs:oss:*:*:b/${acs:username}/*",
        "acs:oss:*:*:b*x",
    ],
    requested_actions: &[
        "oss:GetObject",
        "oss:getobject",
        "oss:PutObject",
        "oss:PutXbject",
        "oss:ListObjects",
        "ecs:DescribeInstances",
        "oss:DeleteObject",
    ],
    requested_resources: &[
        "acs:oss:cn-hangzhou:1:b/x.txt",
        "acs:oss:*:*:b/x.txt",
        "acs:oss:::b/a1",
        "acs:oss:::c/d",
        "acs:oss:::b/alice/k",
        "acs:ecs:*:*:instance/i-1",
        "acs:oss:::b:c/x",
        "*",
    ],
    variable: "acs:username",
};

const AWS: Vocabulary = Vocabulary {
    version: "2012-10-17",
    actions: &[
        "s3:GetObject",
        "s3:Get*",
        "s3:*",
        "s3:*Object",
        "s3:Put?bject",
        "S3:getobject",
        "ec2:Describe*",
        "*",
        "s3:List*",
    ],
    resources: &[
        "*",
        "arn:aws:s3:::b/*",
        "arn:aws:s3:::b*x",
        "arn:aws:s3:::b/a?c",
        "arn:aws:s3:::*",
        "arn:aws:ec2:*:*:instance/*",
        "arn:aws:s3:::b/${aws:username}/*",
        "arn:aws:s3:::b*:x",
    ],
    requested_actions: &[
        "s3:GetObject",
        "s3:getobject",
        "s3:PutObject",
        "s3:PutXbject",
        "s3:ListBucket",
        "ec2:DescribeInstances",
        "s3:DeleteObject",
    ],
    requested_resources: &[
        "arn:aws:s3:::b/x",
        "arn:aws:s3:::bzx",
        "arn:aws:s3:::b:zx",
        "arn:aws:s3:::b/abc",
        "arn:aws:s3:::b/alice/k",
        "arn:aws:ec2:us-east-1:1:instance/i-1",
        "arn:aws:s3:::b:x",
        "arn:aws:s3:::bq:x",
    ],
    variable: "aws:username",
};

/// (operator, key, values): the clauses random conditions are made of.
const CLAUSES: &[(&str, &str, &[&str])] = &[
    ("StringEquals", "t:k1", &["a", "b"]),
    ("StringNotEquals", "t:k1", &["a"]),
    ("StringEqualsIgnoreCase", "t:k1", &["A"]),
    ("StringLike", "t:k2", &["x*"]),
    ("StringNotLike", "t:k2", &["x?", "y*"]),
    ("NumericLessThan", "t:k3", &["10"]),
    ("Bool", "t:k4", &["true"]),
    ("IpAddress", "t:ip", &["10.0.0.0/8"]),
    ("NotIpAddress", "t:ip", &["10.1.0.0/16"]),
    ("StringEqualsIfExists", "t:k1", &["b"]),
    ("Null", "t:k2", &["true"]),
    ("ForAnyValue:StringEquals", "t:tags", &["a", "b"]),
    ("ForAllValues:StringLike", "t:tags", &["a*"]),
    ("StringLike", "t:k5", &["${VARIABLE}*"]),
];

/// (key, the values it may take; several at once for `t:tags`).
const CONTEXT_KEYS: &[(&str, &[&str])] = &[
    ("t:k1", &["a", "b", "A", "c"]),
    ("t:k2", &["x1", "xy", "y", "z"]),
    ("t:k3", &["5", "10", "15"]),
    ("t:k4", &["true", "false", "TRUE"]),
    ("t:ip", &["10.1.2.3", "10.2.3.4", "192.168.1.1"]),
    ("t:tags", &["a", "ab", "b", "c"]),
    ("t:k5", &["alice9", "bob", "al"]),
    ("VARIABLE", &["alice", "bob"]),
];

fn json_list(items: &[&str]) -> String {
    serde_json::to_string(items).unwrap()
}

/// A random policy of the vocabulary, as JSON text.
fn random_policy(rng: &mut Rng, vocabulary: &Vocabulary, clauses: &[usize]) -> String {
    let count = 1 + rng.below(4);
    let statements: Vec<String> = (0..count)
        .map(|_| {
            let effect = if rng.one_in(3) { "Deny" } else { "Allow" };
            let pick = |rng: &mut Rng, from: &[&'static str]| -> Vec<&'static str> {
                let n = 1 + rng.below(2);
                (0..n).map(|_| rng.pick(from)).collect()
            };
            let actions = pick(rng, vocabulary.actions);
            let resources = pick(rng, vocabulary.resources);
            let action_key = if rng.one_in(8) { "NotAction" } else { "Action" };
            let resource_key = if rng.one_in(8) {
                "NotResource"
            } else {
                "Resource"
            };
            let mut statement = format!(
                r#"{{"Effect": "{effect}", "{action_key}": {}, "{resource_key}": {}"#,
                json_list(&actions),
                json_list(&resources)
            );
            let mut chosen: Vec<usize> = Vec::new();
            for _ in 0..rng.below(3) {
                let c = clauses[rng.below(clauses.len())];
                // One operator once per statement: a repeated key would be a duplicate.
                if !chosen.iter().any(|&o| CLAUSES[o].0 == CLAUSES[c].0) {
                    chosen.push(c);
                }
            }
            if !chosen.is_empty() {
                let blocks: Vec<String> = chosen
                    .iter()
                    .map(|&c| {
                        let (operator, key, values) = CLAUSES[c];
                        let values: Vec<String> = values
                            .iter()
                            .map(|v| v.replace("VARIABLE", vocabulary.variable))
                            .collect();
                        format!(
                            r#""{operator}": {{"{key}": {}}}"#,
                            serde_json::to_string(&values).unwrap()
                        )
                    })
                    .collect();
                statement.push_str(&format!(r#", "Condition": {{{}}}"#, blocks.join(", ")));
            }
            statement.push('}');
            statement
        })
        .collect();
    format!(
        r#"{{"Version": "{}", "Statement": [{}]}}"#,
        vocabulary.version,
        statements.join(", ")
    )
}

/// A random complete context: each key absent or with random values.
fn random_context(rng: &mut Rng, vocabulary: &Vocabulary) -> reference::Context {
    let mut context = Vec::new();
    for &(key, values) in CONTEXT_KEYS {
        if rng.one_in(3) {
            continue;
        }
        let key = key.replace("VARIABLE", vocabulary.variable);
        let n = if key == "t:tags" { 1 + rng.below(3) } else { 1 };
        let chosen = (0..n).map(|_| rng.pick(values).to_string()).collect();
        context.push((key, chosen));
    }
    context
}

fn engine_context(context: &reference::Context, complete: bool) -> Context {
    let mut out = Context {
        complete,
        ..Context::default()
    };
    for (key, values) in context {
        for value in values {
            out.add(key, value);
        }
    }
    out
}

#[test]
fn can_agrees_with_a_brute_force_reference() {
    let mut rng = Rng(0xACCE55);
    let all: Vec<usize> = (0..CLAUSES.len()).collect();
    let mut decided = [0usize; 3];
    for round in 0..600 {
        let vocabulary = if round % 2 == 0 { &RAM } else { &AWS };
        let texts: Vec<String> = (0..1 + rng.below(2))
            .map(|_| random_policy(&mut rng, vocabulary, &all))
            .collect();
        let values: Vec<serde_json::Value> = texts
            .iter()
            .map(|t| serde_json::from_str(t).unwrap())
            .collect();
        let found: Vec<Document> = texts.iter().flat_map(|t| documents("p.json", t)).collect();
        let policies: Vec<_> = found.iter().map(|d| &d.policy).collect();
        for _ in 0..20 {
            let action = rng.pick(vocabulary.requested_actions);
            let resource = rng.pick(vocabulary.requested_resources);
            let context = random_context(&mut rng, vocabulary);
            let expected = reference::decide(&values, action, resource, &context);
            let request = Request {
                action: action.into(),
                resource: resource.into(),
                context: engine_context(&context, true),
                principal: None,
            };
            let verdict = evaluate(&policies, &request);
            assert_eq!(
                verdict.decision.as_str(),
                expected,
                "`{action}` on `{resource}` with {context:?} under {texts:#?}"
            );
            decided[["allow", "explicit-deny", "implicit-deny"]
                .iter()
                .position(|d| *d == expected)
                .unwrap()] += 1;
        }
    }
    // The random policies reach every decision often.
    assert!(decided.iter().all(|&n| n > 500), "{decided:?}");
}

/// With keys the context does not give, a definite answer holds whatever they are, and
/// an answer that does depend on them is `conditional`.
#[test]
fn undecided_keys_give_sound_answers() {
    let mut rng = Rng(0xD0E5);
    let all: Vec<usize> = (0..CLAUSES.len()).collect();
    let mut conditional = 0;
    for round in 0..300 {
        let vocabulary = if round % 2 == 0 { &RAM } else { &AWS };
        let text = random_policy(&mut rng, vocabulary, &all);
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        let found = documents("p.json", &text);
        let policies: Vec<_> = found.iter().map(|d| &d.policy).collect();
        for _ in 0..10 {
            let action = rng.pick(vocabulary.requested_actions);
            let resource = rng.pick(vocabulary.requested_resources);
            let known = random_context(&mut rng, vocabulary);
            // Up to two keys the context leaves unknown.
            let unknown: Vec<(String, &[&str])> = CONTEXT_KEYS
                .iter()
                .map(|&(k, v)| (k.replace("VARIABLE", vocabulary.variable), v))
                .filter(|(k, _)| !known.iter().any(|(known, _)| known == k))
                .take(2)
                .collect();
            let verdict = evaluate(
                &policies,
                &Request {
                    action: action.into(),
                    resource: resource.into(),
                    context: engine_context(&known, false),
                    principal: None,
                },
            );
            // Every completion: each unknown key absent or one of its values.
            let mut outcomes = BTreeSet::new();
            let choices: Vec<Vec<Option<&str>>> = unknown
                .iter()
                .map(|(_, values)| {
                    std::iter::once(None)
                        .chain(values.iter().map(|v| Some(*v)))
                        .collect()
                })
                .collect();
            let mut index = vec![0; choices.len()];
            loop {
                let mut context = known.clone();
                for (i, (key, _)) in unknown.iter().enumerate() {
                    if let Some(value) = choices[i][index[i]] {
                        context.push((key.clone(), vec![value.to_string()]));
                    }
                }
                outcomes.insert(reference::decide(
                    std::slice::from_ref(&value),
                    action,
                    resource,
                    &context,
                ));
                let Some(i) = (0..index.len()).find(|&i| index[i] + 1 < choices[i].len()) else {
                    break;
                };
                index[i] += 1;
                index[..i].iter_mut().for_each(|x| *x = 0);
            }
            // `implicit-deny` says no Allow can apply: a Deny may or may not apply too.
            let allowed: BTreeSet<bool> = outcomes.iter().map(|o| *o == "allow").collect();
            match verdict.decision {
                Decision::Conditional => {
                    conditional += 1;
                    assert!(!verdict.depends_on.is_empty());
                }
                Decision::ImplicitDeny => assert_eq!(
                    allowed.iter().copied().collect::<Vec<_>>(),
                    [false],
                    "`{action}` on `{resource}` with {known:?} under {text}"
                ),
                decided => assert_eq!(
                    outcomes.iter().copied().collect::<Vec<_>>(),
                    [decided.as_str()],
                    "`{action}` on `{resource}` with {known:?} under {text}"
                ),
            }
            if allowed.len() > 1 {
                assert_eq!(verdict.decision, Decision::Conditional, "{text}");
            }
        }
    }
    assert!(conditional > 100, "{conditional}");
}

// ---------------------------------------------------------------------------------------
// `can` on the command line.

fn policylint() -> assert_cmd::Command {
    let mut command = assert_cmd::Command::cargo_bin("policylint").unwrap();
    command.arg("--no-config").env_remove("NO_COLOR");
    command
}

fn run(args: &[&str], dir: &Path) -> (Option<i32>, String, String) {
    let output = assert_cmd::Command::cargo_bin("policylint")
        .unwrap()
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

/// `can --output-format json` in `dir`: the exit code and the answer.
fn can_json(
    dir: &Path,
    action: &str,
    resource: &str,
    path: &str,
) -> (Option<i32>, serde_json::Value) {
    let (code, stdout, stderr) = run(
        &[
            "can",
            action,
            resource,
            path,
            "--output-format",
            "json",
            "--no-config",
        ],
        dir,
    );
    let value = serde_json::from_str(&stdout).unwrap_or_else(|_| panic!("{stdout}{stderr}"));
    (code, value)
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn can_prints_the_decision_and_exits_by_it() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "policies/read.json",
        "{\n  \"Version\": \"1\",\n  \"Statement\": [\n    {\"Sid\": \"Read\", \"Effect\": \"Allow\", \"Action\": \"oss:Get*\", \"Resource\": \"acs:oss:*:*:reports/*\"},\n    {\"Effect\": \"Deny\", \"Action\": \"oss:GetObjectAcl\", \"Resource\": \"*\"}\n  ]\n}\n",
    );
    write(dir.path(), "policies/notes.txt", "not a policy");
    write(
        dir.path(),
        "policies/vpc.json",
        "{\"Version\": \"1\", \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"oss:PutObject\", \"Resource\": \"*\", \"Condition\": {\"StringEquals\": {\"acs:SourceVpc\": \"vpc-1\"}}}]}\n",
    );
    let json = |args: &[&str]| {
        let mut all = vec!["can"];
        all.extend(args);
        all.extend(["policies", "--output-format", "json", "--no-config"]);
        let (code, stdout, _) = run(&all, dir.path());
        (
            code,
            serde_json::from_str::<serde_json::Value>(&stdout).unwrap(),
        )
    };
    let (code, allowed) = json(&["oss:GetObject", "acs:oss:*:*:reports/a.csv"]);
    assert_eq!(code, Some(0));
    assert_eq!(
        allowed,
        serde_json::json!({"decision": "allow", "statements": [{"path": "policies/read.json", "line": 4, "sid": "Read", "effect": "Allow"}], "depends_on": []})
    );
    let (code, denied) = json(&["oss:GetObjectAcl", "acs:oss:*:*:reports/a.csv"]);
    assert_eq!(code, Some(1));
    assert_eq!(
        denied,
        serde_json::json!({"decision": "explicit-deny", "statements": [{"path": "policies/read.json", "line": 5, "sid": null, "effect": "Deny"}], "depends_on": []})
    );
    let (code, none) = json(&["oss:DeleteObject", "acs:oss:*:*:reports/a.csv"]);
    assert_eq!(code, Some(1));
    assert_eq!(none["decision"], "implicit-deny");
    assert_eq!(none["statements"], serde_json::json!([]));
    let (code, depends) = json(&["oss:PutObject", "acs:oss:*:*:reports/a.csv"]);
    assert_eq!(code, Some(1));
    assert_eq!(depends["decision"], "conditional");
    assert_eq!(depends["depends_on"], serde_json::json!(["acs:SourceVpc"]));
    let (code, given) = json(&[
        "oss:PutObject",
        "acs:oss:*:*:reports/a.csv",
        "--context",
        "acs:SourceVpc=vpc-1",
    ]);
    assert_eq!((code, given["decision"].as_str()), (Some(0), Some("allow")));
    // Text for people names the decisive statement.
    let (code, text, _) = run(
        &[
            "can",
            "oss:GetObject",
            "acs:oss:*:*:reports/a.csv",
            "policies",
        ],
        dir.path(),
    );
    assert_eq!(code, Some(0));
    assert!(
        text.starts_with("allowed: ")
            && text.contains("Allow at policies/read.json:4 (Sid `Read`)"),
        "{text}"
    );
    // Usage errors: a malformed context, no policy at all, a broken policy named.
    let (code, _, stderr) = run(
        &["can", "a:b", "*", "policies", "--context", "novalue"],
        dir.path(),
    );
    assert_eq!(code, Some(2));
    assert!(stderr.contains("KEY=VALUE"), "{stderr}");
    let (code, _, stderr) = run(&["can", "a:b", "*", "policies/notes.txt"], dir.path());
    assert_eq!(code, Some(2));
    assert!(stderr.contains("policies/notes.txt"), "{stderr}");
    write(
        dir.path(),
        "broken/p.json",
        "{\"Statement\": [\n  {\"Effect\": \"Allow\",}\n]}",
    );
    let (code, _, stderr) = run(&["can", "a:b", "*", "broken"], dir.path());
    assert_eq!(code, Some(2));
    assert!(stderr.contains("broken/p.json: 2:"), "{stderr}");
    let _ = policylint();
}

// ---------------------------------------------------------------------------------------
// `diff`.

fn diff_texts(old: &[&str], new: &[&str]) -> AccessDiff {
    let old: Vec<Document> = old.iter().flat_map(|t| documents("old.json", t)).collect();
    let new: Vec<Document> = new.iter().flat_map(|t| documents("new.json", t)).collect();
    diff(&old, &new, &[]).unwrap()
}

const BASE: &str = r#"{"Version": "2012-10-17", "Statement": [
  {"Sid": "Read", "Effect": "Allow", "Action": ["s3:Get*", "s3:GetObject", "s3:ListBucket"], "Resource": ["arn:aws:s3:::reports", "arn:aws:s3:::reports/*"]},
  {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::uploads/*", "Condition": {"Bool": {"aws:SecureTransport": "true"}}},
  {"Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::reports/secret/*"}
]}"#;

#[test]
fn rewrites_that_mean_the_same_report_nothing() {
    let rewrites = [
        // Statements reordered, lists reordered, strings as one-element arrays, other case.
        r#"{"Version": "2012-10-17", "Statement": [
          {"Effect": "Deny", "Action": ["s3:*"], "Resource": ["arn:aws:s3:::reports/secret/*"]},
          {"Effect": "Allow", "Action": ["S3:PUTOBJECT"], "Resource": ["arn:aws:s3:::uploads/*"], "Condition": {"Bool": {"aws:securetransport": ["TRUE"]}}},
          {"Effect": "Allow", "Action": ["s3:ListBucket", "s3:Get*"], "Resource": ["arn:aws:s3:::reports/*", "arn:aws:s3:::reports"]}
        ]}"#,
        // Split into one statement per action and resource, Sids changed.
        r#"{"Version": "2012-10-17", "Statement": [
          {"Sid": "A", "Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::reports"},
          {"Sid": "B", "Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::reports/*"},
          {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::reports"},
          {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::reports/*"},
          {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::uploads/*", "Condition": {"Bool": {"aws:SecureTransport": "true"}}},
          {"Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::reports/secret/*"}
        ]}"#,
        // Wildcards spelt differently: `s3:Get*` as `s3:Get**` plus a redundant `s3:Get?*`,
        // and a Deny split in two that together mean the same.
        r#"{"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": ["s3:Get**", "s3:Get?*", "s3:ListBucket"], "Resource": ["arn:aws:s3:::reports", "arn:aws:s3:::reports/*"]},
          {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::uploads/*", "Condition": {"Bool": {"aws:SecureTransport": "true"}}},
          {"Effect": "Deny", "Action": "s3:Get*", "Resource": "arn:aws:s3:::reports/secret/*"},
          {"Effect": "Deny", "NotAction": "s3:Get*", "Resource": "arn:aws:s3:::reports/secret/*"}
        ]}"#,
        // Merged back together where they share a resource; a new Deny of nothing granted.
        r#"{"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": ["s3:Get*", "s3:ListBucket"], "Resource": ["arn:aws:s3:::reports", "arn:aws:s3:::reports/*"]},
          {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::uploads/*", "Condition": {"Bool": {"aws:SecureTransport": "true"}}},
          {"Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::reports/secret/*"},
          {"Effect": "Deny", "Action": "iam:*", "Resource": "*"}
        ]}"#,
    ];
    for (i, rewrite) in rewrites.iter().enumerate() {
        assert_eq!(
            diff_texts(&[BASE], &[rewrite]),
            AccessDiff::default(),
            "rewrite {i}"
        );
        assert_eq!(
            diff_texts(&[rewrite], &[BASE]),
            AccessDiff::default(),
            "rewrite {i} back"
        );
    }
}

#[test]
fn widening_is_added_and_narrowing_removed() {
    let wider = BASE.replace(r#""s3:PutObject""#, r#""s3:Put*""#);
    let change = diff_texts(&[BASE], &[&wider]);
    assert!(change.removed.is_empty(), "{change:#?}");
    let [added] = change.added.as_slice() else {
        panic!("{change:#?}");
    };
    assert_eq!(
        (
            added.action.as_str(),
            added.resource.as_str(),
            added.conditional,
            added.line
        ),
        ("s3:Put*", "arn:aws:s3:::uploads/*", true, 3)
    );
    assert!(added.example.action.starts_with("s3:Put") && added.example.action != "s3:PutObject");
    assert_eq!(
        added.example.conditions,
        ["Bool aws:securetransport [\"true\"]"]
    );
    // The reverse change removes exactly that.
    let back = diff_texts(&[&wider], &[BASE]);
    assert!(back.added.is_empty());
    assert_eq!(back.removed.len(), 1);
    assert_eq!(back.removed[0].action, "s3:Put*");

    // Dropping the condition grants the same without it: new, and unconditionally.
    let unconditional = BASE.replace(
        r#", "Condition": {"Bool": {"aws:SecureTransport": "true"}}"#,
        "",
    );
    let change = diff_texts(&[BASE], &[&unconditional]);
    assert_eq!(change.added.len(), 1);
    assert!(!change.added[0].conditional);
    assert!(change.removed.is_empty());

    // Removing the Deny adds back what it took, under no condition.
    let no_deny = BASE.replace(
        r#",
  {"Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::reports/secret/*"}"#,
        "",
    );
    let change = diff_texts(&[BASE], &[&no_deny]);
    let added: Vec<(&str, &str)> = change
        .added
        .iter()
        .map(|g| (g.action.as_str(), g.resource.as_str()))
        .collect();
    assert_eq!(
        added,
        [
            ("s3:Get*", "arn:aws:s3:::reports/*"),
            ("s3:GetObject", "arn:aws:s3:::reports/*"),
            ("s3:ListBucket", "arn:aws:s3:::reports/*")
        ]
    );
    assert!(change.added.iter().all(|g| {
        g.example
            .resource
            .starts_with("arn:aws:s3:::reports/secret/")
    }));

    // A Deny made conditional takes back less: what it no longer takes back is new, under
    // the condition's absence.
    let conditional_deny = BASE.replace(
        r#""Resource": "arn:aws:s3:::reports/secret/*"}"#,
        r#""Resource": "arn:aws:s3:::reports/secret/*", "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}"#,
    );
    let change = diff_texts(&[BASE], &[&conditional_deny]);
    assert_eq!(change.added.len(), 3);
    assert!(change.added.iter().all(|g| !g.conditional));
    assert!(change.removed.is_empty());
}

#[test]
fn new_statements_and_folders_pair_by_file() {
    let dir = tempfile::tempdir().unwrap();
    let policy = |actions: &str| {
        format!(
            r#"{{"Version": "1", "Statement": [{{"Effect": "Allow", "Action": {actions}, "Resource": "acs:oss:*:*:b/*"}}]}}"#
        )
    };
    write(
        dir.path(),
        "old/team/a.json",
        &policy(r#"["oss:GetObject"]"#),
    );
    write(
        dir.path(),
        "old/team/gone.json",
        &policy(r#""oss:ListObjects""#),
    );
    write(
        dir.path(),
        "new/team/a.json",
        &policy(r#"["oss:GetObject", "oss:DeleteObject"]"#),
    );
    write(dir.path(), "new/team/added.json", &policy(r#""ecs:*""#));
    write(
        dir.path(),
        "policylint.toml",
        "fail-on-new-access = [\"oss:Delete*\"]\n",
    );
    let (code, stdout, stderr) = run(
        &["diff", "old", "new", "--output-format", "json"],
        dir.path(),
    );
    assert_eq!(code, Some(1), "{stderr}");
    let value: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        value,
        serde_json::json!({
            "added": [
                {"action": "oss:DeleteObject", "resource": "acs:oss:*:*:b/*", "conditional": false, "path": "new/team/a.json", "line": 1},
                {"action": "ecs:*", "resource": "acs:oss:*:*:b/*", "conditional": false, "path": "new/team/added.json", "line": 1}
            ],
            "removed": [
                {"action": "oss:ListObjects", "resource": "acs:oss:*:*:b/*", "conditional": false, "path": "old/team/gone.json", "line": 1}
            ]
        })
    );
    // Without the config, new access fails only with --fail-on-new-access.
    let (code, text, _) = run(&["diff", "old", "new", "--no-config"], dir.path());
    assert_eq!(code, Some(0));
    assert!(
        text.contains("Access added (2):")
            && text.contains("+ new/team/a.json:1: Allow `oss:DeleteObject`"),
        "{text}"
    );
    let (code, _, _) = run(
        &["diff", "old", "new", "--no-config", "--fail-on-new-access"],
        dir.path(),
    );
    assert_eq!(code, Some(1));
    // The same on new lines, for code scanning and annotations.
    let (_, sarif, _) = run(
        &[
            "diff",
            "old",
            "new",
            "--no-config",
            "--output-format",
            "sarif",
        ],
        dir.path(),
    );
    let sarif: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(results[0]["ruleId"], "PL505");
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "new/team/a.json"
    );
    let (_, github, _) = run(
        &["diff", "old", "new", "--output-format", "github"],
        dir.path(),
    );
    assert!(
        github.starts_with("::error file=new/team/a.json,line=1,"),
        "{github}"
    );
    assert!(
        github.contains("::notice file=new/team/added.json"),
        "{github}"
    );
    // Identical folders: nothing.
    let (code, text, _) = run(&["diff", "old", "old", "--no-config"], dir.path());
    assert_eq!((code, text.as_str()), (Some(0), "No change in access.\n"));
    // Usage errors.
    let (code, _, stderr) = run(&["diff", "old"], dir.path());
    assert_eq!(code, Some(2));
    assert!(stderr.contains("OLD and NEW"), "{stderr}");
    let (code, _, _) = run(&["diff", "old", "new/team/a.json"], dir.path());
    assert_eq!(code, Some(2));
}

/// Atoms with distinct keys imply nothing of each other: the reference below can decide a
/// world by membership alone.
const INDEPENDENT: &[(&str, &str, &[&str])] = &[
    ("Bool", "t:a", &["true"]),
    ("StringEquals", "t:b", &["x"]),
    ("IpAddress", "t:c", &["10.0.0.0/8"]),
    ("StringLike", "t:d", &["p*"]),
];

/// A random policy over the vocabulary (no policy variables), conditions from
/// `INDEPENDENT`; with each statement's condition as a set of atom indices.
fn random_structural(rng: &mut Rng, vocabulary: &Vocabulary) -> String {
    let count = 1 + rng.below(4);
    let statements: Vec<String> = (0..count)
        .map(|_| {
            let effect = if rng.one_in(3) { "Deny" } else { "Allow" };
            let pick = |rng: &mut Rng, from: &[&'static str]| -> Vec<&'static str> {
                let n = 1 + rng.below(2);
                (0..n)
                    .map(|_| {
                        loop {
                            let p = rng.pick(from);
                            if !p.contains("${") {
                                break p;
                            }
                        }
                    })
                    .collect()
            };
            let action_key = if rng.one_in(8) { "NotAction" } else { "Action" };
            let resource_key = if rng.one_in(8) {
                "NotResource"
            } else {
                "Resource"
            };
            let mut statement = format!(
                r#"{{"Effect": "{effect}", "{action_key}": {}, "{resource_key}": {}"#,
                json_list(&pick(rng, vocabulary.actions)),
                json_list(&pick(rng, vocabulary.resources))
            );
            let chosen: BTreeSet<usize> = (0..rng.below(3))
                .map(|_| rng.below(INDEPENDENT.len()))
                .collect();
            if !chosen.is_empty() {
                let blocks: Vec<String> = chosen
                    .iter()
                    .map(|&c| {
                        let (operator, key, values) = INDEPENDENT[c];
                        format!(r#""{operator}": {{"{key}": {}}}"#, json_list(values))
                    })
                    .collect();
                statement.push_str(&format!(r#", "Condition": {{{}}}"#, blocks.join(", ")));
            }
            statement.push('}');
            statement
        })
        .collect();
    format!(
        r#"{{"Version": "{}", "Statement": [{}]}}"#,
        vocabulary.version,
        statements.join(", ")
    )
}

/// Whether `policy` allows a request in a world (the atoms of `INDEPENDENT` that hold).
fn allowed_in_world(
    policy: &serde_json::Value,
    action: &str,
    resource: &str,
    world: &[usize],
) -> bool {
    let aws = policy["Version"] == "2012-10-17";
    let (mut allowed, mut denied) = (false, false);
    for statement in policy["Statement"].as_array().unwrap() {
        let strings = |key: &str| -> Option<Vec<String>> {
            statement.get(key).map(|v| match v {
                serde_json::Value::String(s) => vec![s.clone()],
                other => other
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s.as_str().unwrap().to_string())
                    .collect(),
            })
        };
        let actions_match = |list: Vec<String>| {
            list.iter()
                .any(|p| reference::glob(&p.to_lowercase(), &action.to_lowercase(), false))
        };
        let resources_match =
            |list: Vec<String>| list.iter().any(|p| reference::glob(p, resource, aws));
        let action_ok = match (strings("Action"), strings("NotAction")) {
            (Some(list), _) => actions_match(list),
            (_, Some(list)) => !actions_match(list),
            _ => false,
        };
        let resource_ok = match (strings("Resource"), strings("NotResource")) {
            (Some(list), _) => resources_match(list),
            (_, Some(list)) => !resources_match(list),
            _ => true,
        };
        let condition_ok = statement.get("Condition").is_none_or(|blocks| {
            blocks.as_object().unwrap().keys().all(|operator| {
                let atom = INDEPENDENT
                    .iter()
                    .position(|(o, _, _)| o == operator)
                    .unwrap();
                world.contains(&atom)
            })
        });
        if action_ok && resource_ok && condition_ok {
            match statement["Effect"].as_str().unwrap() {
                "Allow" => allowed = true,
                _ => denied = true,
            }
        }
    }
    allowed && !denied
}

/// Whether a reported grant's patterns (`* except a, b` for a `Not` element) match.
fn grant_matches(pattern: &str, text: &str, action: bool, aws: bool) -> bool {
    let one = |p: &str| {
        if action {
            reference::glob(&p.to_lowercase(), &text.to_lowercase(), false)
        } else {
            reference::glob(p, text, aws)
        }
    };
    match pattern.strip_prefix("* except ") {
        Some(list) => !list.split(", ").any(one),
        None => one(pattern),
    }
}

#[test]
fn diff_agrees_with_a_brute_force_reference() {
    let canonical: Vec<String> = INDEPENDENT
        .iter()
        .map(|(operator, key, values)| {
            Atom {
                operator: operator.to_string(),
                key: key.to_string(),
                values: values.iter().map(|v| v.to_string()).collect(),
            }
            .canonical()
            .to_string()
        })
        .collect();
    let worlds: Vec<Vec<usize>> = (0..1usize << INDEPENDENT.len())
        .map(|bits| {
            (0..INDEPENDENT.len())
                .filter(|i| bits & (1 << i) != 0)
                .collect()
        })
        .collect();
    let mut rng = Rng(0xD1FF);
    let (mut new_requests, mut grants) = (0, 0);
    for round in 0..400 {
        let vocabulary = if round % 2 == 0 { &RAM } else { &AWS };
        let aws = vocabulary.version == "2012-10-17";
        let old_text = random_structural(&mut rng, vocabulary);
        let new_text = if rng.one_in(4) {
            old_text.clone()
        } else {
            random_structural(&mut rng, vocabulary)
        };
        let old: serde_json::Value = serde_json::from_str(&old_text).unwrap();
        let new: serde_json::Value = serde_json::from_str(&new_text).unwrap();
        let change = diff_texts(&[&old_text], &[&new_text]);
        for (gained, kept, other, grants_of) in [
            (&new, &old, "added", &change.added),
            (&old, &new, "removed", &change.removed),
        ] {
            // Every request one side allows and the other does not lies in a reported grant.
            for action in vocabulary.requested_actions {
                for resource in vocabulary.requested_resources {
                    for world in &worlds {
                        if allowed_in_world(gained, action, resource, world)
                            && !allowed_in_world(kept, action, resource, world)
                        {
                            new_requests += 1;
                            assert!(
                                grants_of.iter().any(|g| grant_matches(
                                    &g.action, action, true, aws
                                ) && grant_matches(
                                    &g.resource,
                                    resource,
                                    false,
                                    aws
                                )),
                                "{other}: `{action}` on `{resource}` in {world:?} is in no grant of {grants_of:#?}\nold: {old_text}\nnew: {new_text}"
                            );
                        }
                    }
                }
            }
            // Every reported grant holds its example, which one side allows and the other
            // does not.
            for grant in grants_of.iter() {
                grants += 1;
                let world: Vec<usize> = grant
                    .example
                    .conditions
                    .iter()
                    .map(|c| canonical.iter().position(|k| k == c).unwrap())
                    .collect();
                let example = &grant.example;
                assert!(
                    grant_matches(&grant.action, &example.action, true, aws),
                    "{grant:#?}"
                );
                assert!(
                    grant_matches(&grant.resource, &example.resource, false, aws),
                    "{grant:#?}"
                );
                assert!(
                    allowed_in_world(gained, &example.action, &example.resource, &world)
                        && !allowed_in_world(kept, &example.action, &example.resource, &world),
                    "{other}: the example of {grant:#?} is not a change\nold: {old_text}\nnew: {new_text}"
                );
            }
        }
        if old_text == new_text {
            assert_eq!(change, AccessDiff::default());
        }
    }
    assert!(
        new_requests > 1000 && grants > 300,
        "{new_requests} {grants}"
    );
}

// ---------------------------------------------------------------------------------------
// `check --base` and `diff --base` in a git repository.

fn git(dir: &Path, args: &[&str]) {
    let status = std::process::Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&status.stderr)
    );
}

#[test]
fn check_base_reports_the_access_a_change_grants() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let allow = |actions: &str, resource: &str| {
        format!(
            "{{\n  \"Version\": \"1\",\n  \"Statement\": [\n    {{\"Effect\": \"Allow\", \"Action\": {actions}, \"Resource\": \"{resource}\"}}\n  ]\n}}\n"
        )
    };
    write(
        root,
        "policies/read.json",
        &allow(
            r#"["oss:GetObject", "oss:ListObjects"]"#,
            "acs:oss:*:*:reports/*",
        ),
    );
    write(root, "policies/old.json", &allow(r#""ecs:Describe*""#, "*"));
    write(
        root,
        "policies/same.json",
        &allow(r#""oss:GetObject""#, "acs:oss:*:*:web/*"),
    );
    write(
        root,
        "policies/moved.json",
        &allow(r#""kms:Decrypt""#, "acs:kms:*:*:key/k1"),
    );
    git(root, &["init", "-q"]);
    git(root, &["add", "."]);
    git(root, &["commit", "-qm", "base"]);
    // Reordered (no change), widened, deleted, renamed unchanged, and a new untracked file.
    write(
        root,
        "policies/read.json",
        &allow(
            r#"["oss:ListObjects", "oss:Get*"]"#,
            "acs:oss:*:*:reports/*",
        ),
    );
    std::fs::remove_file(root.join("policies/old.json")).unwrap();
    git(root, &["mv", "policies/moved.json", "policies/keys.json"]);
    write(root, "policies/admin.json", &allow(r#""ram:*""#, "*"));
    write(
        root,
        "policylint.toml",
        "fail-on-new-access = [\"ram:*\"]\n",
    );
    let (code, stdout, stderr) = run(
        &[
            "check",
            "policies",
            "--base",
            "HEAD",
            "--output-format",
            "json",
        ],
        root,
    );
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let new_access: Vec<(String, u64, String, String)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == "new-access")
        .map(|d| {
            (
                d["path"].as_str().unwrap().to_string(),
                d["start"]["line"].as_u64().unwrap(),
                d["severity"].as_str().unwrap().to_string(),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        new_access,
        [
            (
                "policies/admin.json".to_string(),
                4,
                "error".to_string(),
                "grants `ram:*` on `*`, which `HEAD` did not".to_string()
            ),
            (
                "policies/read.json".to_string(),
                4,
                "info".to_string(),
                "grants `oss:Get*` on `acs:oss:*:*:reports/*`, which `HEAD` did not".to_string()
            ),
        ],
        "{stdout}"
    );
    // The new `ram:*` is an error by the config: the run fails.
    assert_eq!(code, Some(1));
    // The access the deleted file granted is removed, said on standard error beside JSON.
    assert!(
        stderr.contains("Access removed (1):") && stderr.contains("HEAD:policies/old.json"),
        "{stderr}"
    );
    // In the human formats it follows the findings.
    let (_, text, _) = run(
        &[
            "check",
            "policies",
            "--base",
            "HEAD",
            "--output-format",
            "concise",
        ],
        root,
    );
    assert!(
        text.contains("PL505 [new-access]") && text.contains("Since `HEAD`:\nAccess removed (1):"),
        "{text}"
    );
    // `diff --base` gives the same as a diff.
    let (code, stdout, _) = run(
        &[
            "diff",
            "--base",
            "HEAD",
            "policies",
            "--output-format",
            "json",
        ],
        root,
    );
    assert_eq!(code, Some(1));
    let value: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(value["added"].as_array().unwrap().len(), 2, "{value}");
    assert_eq!(value["removed"][0]["path"], "HEAD:policies/old.json");
    // Without new access nothing is reported, and a bad ref is a usage error.
    git(root, &["add", "-A"]);
    git(root, &["commit", "-qm", "next"]);
    let (code, stdout, _) = run(
        &[
            "check",
            "policies",
            "--base",
            "HEAD",
            "--output-format",
            "json",
            "--no-config",
        ],
        root,
    );
    assert!(!stdout.contains("new-access"), "{stdout}");
    assert_ne!(code, Some(2));
    let (code, _, stderr) = run(&["check", "policies", "--base", "no-such-ref"], root);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("`no-such-ref` is not a commit"), "{stderr}");
}

// ---------------------------------------------------------------------------------------
// Guardrails in config, and the rules' fixes.

/// A Deny on a value a template fills in takes back that value, not everything: the
/// config's forbidden grant on `secret/*` stands beside a Deny of `s3:*` on
/// `[{"Ref": "Bucket"}]` (read as `*`, it hid the grant); and a Deny's plain entries take
/// access back whatever its template values are.
#[test]
fn a_deny_on_a_template_value_takes_back_that_value_only() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "policylint.toml",
        "[[forbid]]\nactions = [\"s3:GetObject\"]\nresources = [\"arn:aws:s3:::secret/*\"]\nreason = \"vault only\"\n",
    );
    let template = |statements: &str| {
        format!(
            r#"{{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {{"Policy": {{"Type": "AWS::IAM::ManagedPolicy",
  "Properties": {{"PolicyDocument": {{"Version": "2012-10-17", "Statement": [
{statements}]}}}}}}}}}}"#
        )
    };
    let allow_both = r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": ["arn:aws:s3:::secret/*", {"Ref": "Bucket"}]}"#;
    let allow_secret =
        r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::secret/*"}"#;
    let deny_bucket = r#"{"Effect": "Deny", "Action": "s3:*", "Resource": [{"Ref": "Bucket"}]}"#;
    let deny_both = r#"{"Effect": "Deny", "Action": "s3:*", "Resource": ["arn:aws:s3:::secret/*", {"Ref": "Bucket"}]}"#;
    for (name, statements, forbidden) in [
        (
            "granted.json",
            format!("{allow_both},\n{deny_bucket}"),
            true,
        ),
        (
            "denied.json",
            format!("{allow_secret},\n{deny_both}"),
            false,
        ),
    ] {
        write(dir.path(), name, &template(&statements));
        let (code, stdout, stderr) = run(
            &[
                "check",
                "--select",
                "PL501",
                "--output-format",
                "concise",
                name,
            ],
            dir.path(),
        );
        assert_eq!(
            stdout.contains("PL501"),
            forbidden,
            "{name}: {stdout}{stderr}"
        );
        assert_eq!(code, Some(i32::from(forbidden)), "{name}: {stdout}{stderr}");
    }
}

#[test]
fn guardrail_config_errors_name_the_line() {
    let cases = [
        (
            "[[forbid]]\nactions = [\"oss:DeleteBucket\"]\n",
            1,
            "missing field `reason`",
        ),
        (
            "[[forbid]]\nactions = [\"oss:DeleteBucket\"]\nresons = \"x\"\n",
            3,
            "unknown field `resons`",
        ),
        (
            "[[forbid]]\nactions = [\"oss DeleteBucket\"]\nreason = \"x\"\n",
            2,
            "not an action pattern",
        ),
        (
            "[[forbid]]\nactions = [\"oss:*\"]\nresources = [\"acs:oss:*:*: b\"]\nreason = \"x\"\n",
            3,
            "not a resource pattern",
        ),
        (
            "[[forbid]]\nactions = [\"oss:*\"]\nreason = \" \"\n",
            3,
            "non-empty `reason`",
        ),
        (
            "[[require]]\nactions = [\"oss:*\"]\ncondition = { operator = \"Boolean\", key = \"acs:SecureTransport\", values = [\"true\"] }\nreason = \"x\"\n",
            3,
            "`Boolean` is not a condition operator",
        ),
        (
            "[[require]]\nactions = [\"oss:*\"]\ncondition = { operator = \"Bool\", key = \"acs:SecureTransport\", values = [\"yes\"] }\nreason = \"x\"\n",
            3,
            "`yes` is not",
        ),
        (
            "[[require]]\nactions = [\"oss:*\"]\ncondition = { operator = \"Bool\", key = \"acs:SecureTransport\", value = [\"true\"] }\nreason = \"x\"\n",
            3,
            "unknown field `value`",
        ),
        (
            "fail-on-new-access = [\"ram\"]\n",
            1,
            "not an action pattern",
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (text, line, message) in cases {
        let path = dir.path().join("policylint.toml");
        std::fs::write(&path, text).unwrap();
        let error = policylint::config::load(&path, &Default::default())
            .err()
            .unwrap_or_else(|| panic!("{text:?} should be refused"));
        assert_eq!(error.line, line, "{text:?}: {error}");
        assert!(error.message.contains(message), "{text:?}: {error}");
    }
}

/// Removing every statement PL504 and PL205 report, as their fixes do, changes nothing
/// any fixture grants: checked with `diff`.
#[test]
fn removing_redundant_statements_keeps_every_grant() {
    use policylint::fix::{FixMode, fix_text};
    use policylint::rules::RuleSet;
    let mut rules = RuleSet::builtin().unwrap();
    rules
        .retain_selected(
            &["redundant-statement".into(), "duplicate-statement".into()],
            &[],
        )
        .unwrap();
    let mut fixed_some = 0;
    for path in common::json_files("fixtures") {
        let Ok(text) = std::fs::read_to_string(common::root().join(&path)) else {
            continue;
        };
        let Ok(before) = documents_in_text(&path, &text, None, &Default::default(), false) else {
            continue;
        };
        let diagnostics = policylint::engine::lint_text(&rules, &text).diagnostics;
        let outcome = fix_text(&rules, &text, diagnostics, FixMode::Unsafe);
        if outcome.text == text {
            continue;
        }
        fixed_some += 1;
        let after =
            documents_in_text(&path, &outcome.text, None, &Default::default(), false).unwrap();
        let changed = diff(&before, &after, &[]).unwrap();
        assert!(
            changed.added.is_empty() && changed.removed.is_empty(),
            "{path}: {changed:?}"
        );
    }
    assert!(fixed_some >= 5, "{fixed_some}");
}

/// The automata and classes a thread keeps from one policy to the next
/// (`access::warm`) change no answer: PL503 and PL504 report the same on every fixture and
/// on random policies whether each is linted after all the others, in one thread, or
/// alone in a fresh thread (a fresh space).
#[test]
fn a_warm_space_answers_as_a_fresh_one() {
    use policylint::rules::RuleSet;
    let mut rules = RuleSet::builtin().unwrap();
    rules
        .retain_selected(
            &["redundant-statement".into(), "shadowed-statement".into()],
            &[],
        )
        .unwrap();
    let mut texts: Vec<String> = common::json_files("fixtures")
        .iter()
        .filter_map(|path| std::fs::read_to_string(common::root().join(path)).ok())
        .collect();
    let mut rng = Rng(0x3A12);
    for round in 0..600 {
        let vocabulary = if round % 2 == 0 { &RAM } else { &AWS };
        texts.push(random_structural(&mut rng, vocabulary));
    }
    let report = |text: &str| format!("{:?}", policylint::engine::lint_text(&rules, text));
    // Twice over, so that the second round meets every pattern already warm.
    let warm: Vec<String> = texts.iter().chain(&texts).map(|t| report(t)).collect();
    let mut found = 0;
    for (i, text) in texts.iter().enumerate() {
        let fresh = std::thread::scope(|scope| scope.spawn(|| report(text)).join().unwrap());
        assert_eq!(warm[i], fresh, "{text}");
        assert_eq!(warm[i + texts.len()], fresh, "{text}");
        found += fresh.matches("redundant-statement").count();
        found += fresh.matches("shadowed-statement").count();
    }
    assert!(found > 100, "{found}");
}

// ---------------------------------------------------------------------------------------
// Pattern questions that could blow up.

fn globs_of(patterns: &[&str], globs: &mut policylint::access::automaton::Globs) -> u32 {
    use policylint::access::automaton::GlobSet;
    use policylint::access::pattern::{Language, Variables, compile};
    let mut variables = Variables::default();
    let ids = patterns
        .iter()
        .map(|p| {
            globs.intern(compile(
                p,
                Language::Resource(policylint::model::Dialect::Ram),
                &mut variables,
            ))
        })
        .collect();
    globs.intern_set(GlobSet {
        globs: ids,
        negated: false,
    })
}

#[test]
fn pathological_patterns_stay_small() {
    use policylint::access::automaton::{Globs, Limits};
    // Each question is answered within a small, fixed budget: nothing is exponential.
    let small = Limits {
        states: 2_000,
        work: 200_000,
    };
    let cases: &[(&[&str], &[&str], bool)] = &[
        (&["a*b*c*d*"], &["*a*b*"], false),
        (&["*a*b*"], &["a*b*c*d*"], true),
        (&["*a*a*a*a*a*a*a*a*a*a*"], &["*a*a*a*a*a*a*a*a*a*"], false),
        (&["*a*a*a*a*a*a*a*a*a*"], &["*a*a*a*a*a*a*a*a*a*a*"], true),
        (&["*?????????????????*"], &["*????????????????????*"], true),
        (&["*ab*ab*ab*ab*ab*ab*"], &["*aab*abab*aabb*ab*"], false),
    ];
    for &(general, specific, covered) in cases {
        let mut globs = Globs::new();
        globs.set_limits(small);
        let universe = globs_of(specific, &mut globs);
        let family = globs_of(general, &mut globs);
        let classes = globs
            .classes(universe, &[family])
            .expect("within the budget");
        assert_eq!(
            classes.iter().all(|c| c.members == [0]),
            covered,
            "{general:?} covers {specific:?}"
        );
    }
    // A union of many overlapping patterns: answered, or refused within the budget.
    let many: Vec<String> = (0..40)
        .map(|i| format!("*{}*x*{}*", (b'a' + i % 26) as char, i))
        .collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    let mut globs = Globs::new();
    globs.set_limits(small);
    let universe = globs_of(&["*"], &mut globs);
    let family: Vec<u32> = many.iter().map(|p| globs_of(&[p], &mut globs)).collect();
    let _ = globs.classes(universe, &family);
}

/// Random policies, rewritten without changing what they mean (statements shuffled and
/// split per action and per resource, lists reversed, strings wrapped in arrays, actions
/// in other case): `diff` reports nothing either way.
#[test]
fn random_rewrites_report_nothing() {
    let mut rng = Rng(0x5EED);
    for round in 0..300 {
        let vocabulary = if round % 2 == 0 { &RAM } else { &AWS };
        let text = random_structural(&mut rng, vocabulary);
        let policy: serde_json::Value = serde_json::from_str(&text).unwrap();
        let mut statements: Vec<serde_json::Value> = Vec::new();
        for statement in policy["Statement"].as_array().unwrap() {
            let as_list = |v: &serde_json::Value| match v {
                serde_json::Value::String(s) => vec![s.clone()],
                other => other
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s.as_str().unwrap().to_string())
                    .collect(),
            };
            let split = statement.get("Action").is_some() && statement.get("Resource").is_some();
            if split && rng.one_in(2) {
                for action in as_list(&statement["Action"]) {
                    for resource in as_list(&statement["Resource"]) {
                        let mut part = statement.clone();
                        part["Action"] = serde_json::json!([action.to_uppercase()]);
                        part["Resource"] = serde_json::json!(resource);
                        statements.push(part);
                    }
                }
            } else {
                let mut same = statement.clone();
                for key in ["Action", "NotAction", "Resource", "NotResource"] {
                    if let Some(value) = statement.get(key) {
                        let mut list = as_list(value);
                        list.reverse();
                        same[key] = serde_json::json!(list);
                    }
                }
                statements.push(same);
            }
        }
        for i in (1..statements.len()).rev() {
            statements.swap(i, rng.below(i + 1));
        }
        let rewritten =
            serde_json::json!({"Version": policy["Version"], "Statement": statements}).to_string();
        assert_eq!(
            diff_texts(&[&text], &[&rewritten]),
            AccessDiff::default(),
            "{text}\n{rewritten}"
        );
        assert_eq!(
            diff_texts(&[&rewritten], &[&text]),
            AccessDiff::default(),
            "{rewritten}\n{text}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Policies inside hosts: `can` and `diff` read files through the host layer, as `check`
// does, and point at the host's lines.

const ROS_TWO_POLICIES: &str = "ROSTemplateFormatVersion: '2015-09-01'
Resources:
  Readers:
    Type: ALIYUN::RAM::ManagedPolicy
    Properties:
      PolicyName: readers
      PolicyDocument:
        Version: '1'
        Statement:
          - Sid: Read
            Effect: Allow
            Action: oss:GetObject
            Resource: acs:oss:*:*:reports/*
  Writers:
    Type: ALIYUN::RAM::ManagedPolicy
    Properties:
      PolicyName: writers
      PolicyDocument:
        Version: '1'
        Statement:
          - Sid: Write
            Effect: Allow
            Action: oss:PutObject
            Resource: acs:oss:*:*:uploads/*
";

#[test]
fn can_and_diff_read_policies_inside_templates() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "stack.yaml", ROS_TWO_POLICIES);
    let cfn_json = r#"{
  "Resources": {
    "Role": {
      "Type": "AWS::IAM::ManagedPolicy",
      "Properties": {
        "PolicyDocument": {
          "Version": "2012-10-17",
          "Statement": [
            {"Sid": "Logs", "Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*"}
          ]
        }
      }
    }
  }
}
"#;
    write(dir.path(), "cfn.template", cfn_json);
    let can =
        |action: &str, resource: &str, path: &str| can_json(dir.path(), action, resource, path);
    // The second document of the YAML template decides, at its line in the YAML.
    let (code, allowed) = can("oss:PutObject", "acs:oss:*:*:uploads/a", "stack.yaml");
    assert_eq!(code, Some(0));
    assert_eq!(
        allowed["statements"],
        serde_json::json!([{"path": "stack.yaml", "line": 21, "sid": "Write", "effect": "Allow"}])
    );
    let (code, allowed) = can("oss:GetObject", "acs:oss:*:*:reports/a", ".");
    assert_eq!(
        (code, allowed["statements"][0]["line"].clone()),
        (Some(0), 10.into())
    );
    let (code, allowed) = can("logs:PutLogEvents", "arn:aws:logs:x", "cfn.template");
    assert_eq!(code, Some(0));
    assert_eq!(allowed["statements"][0]["line"], 9);
    assert_eq!(allowed["statements"][0]["path"], "cfn.template");
    // A YAML file that holds no policy is an error only when named.
    write(dir.path(), "ci/workflow.yml", "name: build\non: [push]\n");
    let (code, _, stderr) = run(
        &["can", "a:b", "*", "ci/workflow.yml", "--no-config"],
        dir.path(),
    );
    assert_eq!(code, Some(2));
    assert!(stderr.contains("ci/workflow.yml"), "{stderr}");
    // `diff` compares each document with the one at its place: widening the second
    // document's resource is added at its YAML line; the first document is unchanged.
    write(
        dir.path(),
        "new/stack.yaml",
        &ROS_TWO_POLICIES.replace("acs:oss:*:*:uploads/*", "acs:oss:*:*:*"),
    );
    write(dir.path(), "old/stack.yaml", ROS_TWO_POLICIES);
    let (code, stdout, stderr) = run(
        &[
            "diff",
            "old/stack.yaml",
            "new/stack.yaml",
            "--output-format",
            "json",
            "--no-config",
        ],
        dir.path(),
    );
    assert_eq!(code, Some(0), "{stderr}");
    let found: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        found,
        serde_json::json!({"added": [{"action": "oss:PutObject", "resource": "acs:oss:*:*:*", "conditional": false, "path": "new/stack.yaml", "line": 23}], "removed": []})
    );
    // Moving a grant from one document to the other is new access for the second and
    // lost access for the first, not nothing: they are attached to different roles.
    let swapped = ROS_TWO_POLICIES
        .replace("oss:GetObject", "oss:TEMP")
        .replace("oss:PutObject", "oss:GetObject")
        .replace("oss:TEMP", "oss:PutObject");
    write(dir.path(), "new/stack.yaml", &swapped);
    let (_, stdout, _) = run(
        &[
            "diff",
            "old/stack.yaml",
            "new/stack.yaml",
            "--output-format",
            "json",
            "--no-config",
        ],
        dir.path(),
    );
    let found: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(found["added"].as_array().unwrap().len(), 2, "{found}");
    assert_eq!(found["removed"].as_array().unwrap().len(), 2, "{found}");
}

/// A value a template fills in (`Fn::Sub`, `Ref`, a masked Terraform expression) is
/// unknown: `can` says the answer depends on it unless its known text rules the request
/// out, and `diff` never takes two such values for the same because they are written
/// alike (nor for different because they are written differently).
#[test]
fn template_values_are_unknown() {
    let dir = tempfile::tempdir().unwrap();
    let template = r#"{
  "Resources": {
    "Policy": {
      "Type": "AWS::IAM::ManagedPolicy",
      "Properties": {
        "PolicyDocument": {
          "Version": "2012-10-17",
          "Statement": [
            {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": {"Fn::Sub": "arn:aws:s3:::${Bucket}/*"}},
            {"Sid": "Write", "Effect": "Allow", "Action": "s3:PutObject", "Resource": [{"Ref": "UploadArn"}]},
            {"Sid": "Logs", "Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*"}
          ]
        }
      }
    }
  }
}
"#;
    write(dir.path(), "cfn.template", template);
    let can = |action: &str, resource: &str| can_json(dir.path(), action, resource, "cfn.template");
    let (code, read) = can("s3:GetObject", "arn:aws:s3:::mybucket/key");
    assert_eq!(code, Some(1));
    assert_eq!(read["decision"], "conditional");
    assert_eq!(
        read["depends_on"],
        serde_json::json!(["template value `arn:aws:s3:::${Bucket}/*`"])
    );
    // The known text of the value rules this one out.
    let (_, elsewhere) = can("s3:GetObject", "arn:aws:ec2:::x");
    assert_eq!(elsewhere["decision"], "implicit-deny");
    // A whole value the template fills in (it used to grant nothing).
    let (_, write_any) = can("s3:PutObject", "arn:aws:s3:::x/y");
    assert_eq!(write_any["decision"], "conditional");
    assert_eq!(write_any["statements"][0]["sid"], "Write");
    let (code, logs) = can("logs:PutLogEvents", "x");
    assert_eq!((code, logs["decision"].clone()), (Some(0), "allow".into()));

    // The same template in both versions: a value written alike is taken for the same
    // value (diff compares the policies' texts; what the template fills in is outside
    // them), so nothing is reported.
    write(dir.path(), "old/cfn.template", template);
    write(dir.path(), "new/cfn.template", template);
    let diff = || {
        let (code, stdout, stderr) = run(
            &[
                "diff",
                "old/cfn.template",
                "new/cfn.template",
                "--output-format",
                "json",
                "--no-config",
            ],
            dir.path(),
        );
        assert_eq!(code, Some(0), "{stderr}");
        serde_json::from_str::<serde_json::Value>(&stdout).unwrap()
    };
    let grants = |list: &serde_json::Value| -> Vec<(String, String, bool)> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|g| {
                (
                    g["action"].as_str().unwrap().to_string(),
                    g["resource"].as_str().unwrap().to_string(),
                    g["conditional"].as_bool().unwrap(),
                )
            })
            .collect()
    };
    let unchanged = diff();
    assert_eq!(grants(&unchanged["added"]), []);
    assert_eq!(grants(&unchanged["removed"]), []);
    let templated = |resource: &str| ("s3:GetObject".to_string(), resource.to_string(), true);
    // A value written differently may stand for other access: added and removed, as
    // conditional.
    write(
        dir.path(),
        "new/cfn.template",
        &template.replace("${Bucket}/*", "${OtherBucket}/*"),
    );
    let rewritten = diff();
    assert_eq!(
        grants(&rewritten["added"]),
        [templated("arn:aws:s3:::${OtherBucket}/*")]
    );
    assert_eq!(
        grants(&rewritten["removed"]),
        [templated("arn:aws:s3:::${Bucket}/*")]
    );
    // A known `*` in place of the value is unconditional new access, and covers all the
    // old value could grant.
    write(
        dir.path(),
        "new/cfn.template",
        &template.replace(r#"{"Ref": "UploadArn"}"#, r#""*""#),
    );
    let widened = diff();
    assert_eq!(
        grants(&widened["added"]),
        [("s3:PutObject".to_string(), "*".to_string(), false)]
    );
    assert_eq!(
        grants(&widened["removed"]),
        [],
        "`*` covers what the value could be"
    );
}
