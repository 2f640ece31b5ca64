//! Writes a deterministic corpus of realistic RAM policies for the benchmarks:
//!
//!     cargo run --release --example generate -- DIR COUNT [SEED]
//!
//! Sizes run from one statement to the 6,144-character limit (most policies are small, a
//! few are large); about two thirds are clean and the rest each carry one or two of the
//! problems the rules look for. Files go 1,000 to a folder. The same seed always writes the
//! same bytes.

use std::fmt::Write as _;
use std::path::PathBuf;

#[path = "../tests/common/rng.rs"]
#[allow(dead_code)]
mod rng;
use rng::Rng;

const SERVICES: &[(&str, &[&str], &str)] = &[
    (
        "oss",
        &[
            "GetObject",
            "PutObject",
            "DeleteObject",
            "AbortMultipartUpload",
            "ListParts",
        ],
        "acs:oss:*:*:{name}/*",
    ),
    (
        "ecs",
        &[
            "DescribeInstances",
            "StartInstance",
            "StopInstance",
            "RebootInstance",
            "DescribeDisks",
        ],
        "acs:ecs:*:*:instance/{name}",
    ),
    (
        "rds",
        &["DescribeDBInstances", "CreateBackup", "DescribeBackups"],
        "acs:rds:*:*:dbinstance/{name}",
    ),
    (
        "log",
        &[
            "GetLogStore",
            "ListLogStores",
            "PostLogStoreLogs",
            "GetLogs",
        ],
        "acs:log:*:*:project/{name}/*",
    ),
    (
        "kms",
        &["Decrypt", "Encrypt", "DescribeKey", "ListAliases"],
        "acs:kms:*:*:key/{name}",
    ),
    (
        "vpc",
        &["DescribeVpcs", "DescribeVSwitches"],
        "acs:vpc:*:*:vpc/{name}",
    ),
];

const NAMES: &[&str] = &[
    "reports",
    "app-uploads",
    "billing",
    "ml-datasets",
    "web-assets",
    "audit-logs",
    "backups",
    "i-bp1a2b3c4d",
];

fn clean_statement(rng: &mut Rng, out: &mut String) {
    let (service, actions, resource) = SERVICES[rng.below(SERVICES.len())];
    let count = 1 + rng.below(actions.len());
    let start = rng.below(actions.len());
    let chosen: Vec<String> = (0..count)
        .map(|i| format!("\"{service}:{}\"", actions[(start + i) % actions.len()]))
        .collect();
    let resource = resource.replace("{name}", rng.pick(NAMES));
    let _ = write!(
        out,
        "    {{\n      \"Effect\": \"{}\",\n      \"Action\": [\n        {}\n      ],\n      \"Resource\": \"{resource}\"",
        if rng.below(10) == 0 { "Deny" } else { "Allow" },
        chosen.join(",\n        ")
    );
    if rng.below(6) == 0 {
        out.push_str(",\n      \"Condition\": {\n        \"IpAddress\": {\"acs:SourceIp\": [\"10.0.0.0/8\", \"192.168.0.0/16\"]},\n        \"Bool\": {\"acs:SecureTransport\": \"true\"}\n      }");
    }
    out.push_str("\n    }");
}

/// One statement with a problem some rule reports.
const TRIGGERS: &[&str] = &[
    r#"{"Effect": "Allow", "Action": ["oss:GetBucketCors", "oss:GetBucketCors", "oss:DeleteBucketCors"], "Resource": "acs:oss:*:*:reports"}"#,
    r#"{"Effect": "Allow", "Action": "oss:GetObject", "Resource": "*"}"#,
    r#"{"Effect": "Allow", "Action": "oss:*", "Resource": "*"}"#,
    r#"{"Effect": "Allow", "Action": "*", "Resource": "*"}"#,
    r#"{"Effect": "Allow", "Action": "oss:GetObject", "Resource": "acs:oss:*:*:<yourBucketName>/*"}"#,
    r#"{"Effect": "allow", "Action": "ecs:DescribeInstances", "Resource": "*"}"#,
    r#"{"Effect": "Allow", "Actions": ["ecs:StartInstance"], "Resource": "acs:ecs:*:*:instance/*"}"#,
    r#"{"Effect": "Allow", "Action": ["oss:*", "oss:GetObject"], "Resource": "acs:oss:*:*:reports/*"}"#,
    r#"{"Effect": "Allow", "Action": "oss:GetObject", "Resource": ["acs:oss:*:*:reports/*", "acs:oss:*:*:reports/*"]}"#,
    r#"{"Effect": "Allow", "Action": "oss:GetObject", "Resource": ["acs:oss:*:*:reports/*", "acs:oss:*:*:reports/a.txt"]}"#,
    r#"{"Effect": "Allow", "Action": "ecs:StartInstance", "Resource": "*", "Condition": {"IpAdress": {"acs:SourceIp": "10.0.0.0/8"}}}"#,
    r#"{"Effect": "Allow", "Action": "ecs:StartInstance", "Resource": "*", "Condition": {"Bool": {"acs:SecureTransport": "yes"}}}"#,
    r#"{"Effect": "Allow", "Action": "ecs:StartInstance", "Resource": "*", "Condition": {"StringEquals": {"acs:SoruceVpc": "vpc-1"}}}"#,
    r#"{"Effect": "Allow", "NotAction": "ram:*", "Resource": "*"}"#,
    r#"{"Effect": "Allow", "Action": "oss:GetObject", "NotResource": "acs:oss:*:*:audit/*"}"#,
    r#"{"Effect": "Allow", "Action": "ram:AttachPolicyToUser", "Resource": "*"}"#,
    r#"{"Effect": "Allow", "Action": ["kms:ListeAliases"], "Resource": "*"}"#,
    r#"{"Effect": "Allow", "Action": ["os:GetObject"], "Resource": "acs:oss:*:*:reports/*"}"#,
    r#"{"Effect": "Allow", "Action": ["oss:ListBuckets"], "Resource": "acs:oss:*:*:reports"}"#,
    r#"{"Effect": "Allow", "Action": ["ecs: StartInstance"], "Resource": "acs:ecs:instance/*"}"#,
    r#"{"Effect": "Allow", "Action": [], "Resource": "*"}"#,
    r#"{"Sid": "Read", "Effect": "Allow", "Action": "oss:GetObject", "Resource": "acs:oss:*:*:reports/*"}"#,
];

fn policy(rng: &mut Rng) -> String {
    // Mostly small: 1-4 statements; one in twenty fills up to the size limit.
    let large = rng.below(20) == 0;
    let target_len = if large { 5_000 + rng.below(1_400) } else { 0 };
    let statements = if large { usize::MAX } else { 1 + rng.below(4) };
    let triggers = match rng.below(3) {
        0 => 1 + rng.below(2),
        _ => 0,
    };
    let mut body = String::new();
    let mut written = 0;
    while written < statements && (target_len == 0 || body.len() < target_len) {
        if written > 0 {
            body.push_str(",\n");
        }
        clean_statement(rng, &mut body);
        written += 1;
    }
    for _ in 0..triggers {
        let trigger = TRIGGERS[rng.below(TRIGGERS.len())];
        let _ = write!(body, ",\n    {trigger}");
    }
    // A few whole-policy problems: no Version, the AWS date, a repeated Sid.
    let version = match rng.below(40) {
        0 => String::new(),
        1 => "  \"Version\": \"2012-10-17\",\n".to_string(),
        _ => "  \"Version\": \"1\",\n".to_string(),
    };
    if rng.below(60) == 0 {
        body.push_str(",\n    ");
        body.push_str(TRIGGERS[TRIGGERS.len() - 1]);
    }
    format!("{{\n{version}  \"Statement\": [\n{body}\n  ]\n}}\n")
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(count)) = (args.next(), args.next()) else {
        eprintln!("usage: generate DIR COUNT [SEED]");
        std::process::exit(2);
    };
    let dir = PathBuf::from(dir);
    let count: usize = count.parse().expect("COUNT is a number");
    let seed: u64 = args
        .next()
        .map_or(42, |s| s.parse().expect("SEED is a number"));
    let mut rng = Rng(seed.max(1));
    for i in 0..count {
        let folder = dir.join(format!("team-{:03}", i / 1000));
        if i % 1000 == 0 {
            std::fs::create_dir_all(&folder).expect("create the corpus folder");
        }
        std::fs::write(folder.join(format!("policy-{i:06}.json")), policy(&mut rng))
            .expect("write a policy");
    }
}
