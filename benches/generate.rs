//! Writes a deterministic corpus of realistic RAM policies for the benchmarks:
//!
//!     cargo run --release --example generate -- DIR COUNT [SEED] [--yaml]
//!     cargo run --release --example generate -- --pair STATEMENTS OLD NEW [SEED]
//!
//! With `--terraform`, a corpus of Terraform files (`benches/terraform-hosts.sh`): one in
//! seven holds a policy (a heredoc, `jsonencode`, a policy-document data source), the
//! others networks, instances and variables.
//! With `--yaml`, a corpus of YAML hosts instead (`benches/yaml-hosts.sh`): most files are
//! YAML that holds no policy (CI workflows, Kubernetes manifests, compose files), one in
//! seven a ROS template holding the same policies, as YAML mappings, as JSON in a
//! `!Sub |` block, or as JSON in flow style.
//!
//! With `--markdown`, a corpus of Markdown documentation (`benches/markdown-hosts.sh`): most
//! files hold no policy (READMEs with shell and code blocks, changelogs, SQL notes that
//! speak of statements in prose), one in seven a guide with policies in a `json` fence
//! inside a list item, in a shell command's `--policy-document '...'`, or in a YAML ROS
//! template block.
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

/// A statement as drawn, before it is written out.
struct Parts {
    effect: &'static str,
    actions: Vec<String>,
    resource: String,
    condition: bool,
}

fn clean_parts(rng: &mut Rng) -> Parts {
    let (service, actions, resource) = SERVICES[rng.below(SERVICES.len())];
    let count = 1 + rng.below(actions.len());
    let start = rng.below(actions.len());
    let chosen: Vec<String> = (0..count)
        .map(|i| format!("{service}:{}", actions[(start + i) % actions.len()]))
        .collect();
    let resource = resource.replace("{name}", rng.pick(NAMES));
    let effect = if rng.below(10) == 0 { "Deny" } else { "Allow" };
    Parts {
        effect,
        actions: chosen,
        resource,
        condition: rng.below(6) == 0,
    }
}

fn render(parts: &Parts, out: &mut String) {
    let quoted: Vec<String> = parts.actions.iter().map(|a| format!("\"{a}\"")).collect();
    let _ = write!(
        out,
        "    {{\n      \"Effect\": \"{}\",\n      \"Action\": [\n        {}\n      ],\n      \"Resource\": \"{}\"",
        parts.effect,
        quoted.join(",\n        "),
        parts.resource
    );
    if parts.condition {
        out.push_str(",\n      \"Condition\": {\n        \"IpAddress\": {\"acs:SourceIp\": [\"10.0.0.0/8\", \"192.168.0.0/16\"]},\n        \"Bool\": {\"acs:SecureTransport\": \"true\"}\n      }");
    }
    out.push_str("\n    }");
}

fn clean_statement(rng: &mut Rng, out: &mut String) {
    render(&clean_parts(rng), out);
}

/// Two versions of one policy of `count` statements, for `policylint diff`: NEW is OLD
/// with its statements in reverse order, every tenth split into one statement per action
/// (neither changes what it grants), and a few changes a review should see: five
/// resources widened to every resource of their service, five action lists widened to
/// the whole service.
fn policy_pair(rng: &mut Rng, count: usize) -> (String, String) {
    let old: Vec<Parts> = (0..count).map(|_| clean_parts(rng)).collect();
    let mut new: Vec<Parts> = Vec::new();
    for (i, parts) in old.iter().enumerate().rev() {
        let service = parts.actions[0]
            .split(':')
            .next()
            .unwrap_or("oss")
            .to_string();
        let mut changed = Parts {
            effect: parts.effect,
            actions: parts.actions.clone(),
            resource: parts.resource.clone(),
            condition: parts.condition,
        };
        if parts.effect == "Allow" && i % 1000 == 7 {
            changed.resource = format!("acs:{service}:*:*:*");
        }
        if parts.effect == "Allow" && i % 1000 == 500 {
            changed.actions = vec![format!("{service}:*")];
        }
        if i % 10 == 3 {
            for action in &changed.actions {
                new.push(Parts {
                    actions: vec![action.clone()],
                    resource: changed.resource.clone(),
                    ..changed
                });
            }
        } else {
            new.push(changed);
        }
    }
    let write_policy = |statements: &[Parts]| {
        let mut body = String::new();
        for (i, parts) in statements.iter().enumerate() {
            if i > 0 {
                body.push_str(",\n");
            }
            render(parts, &mut body);
        }
        format!("{{\n  \"Version\": \"1\",\n  \"Statement\": [\n{body}\n  ]\n}}\n")
    };
    (write_policy(&old), write_policy(&new))
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

/// The lines of `text`, each indented by `indent` spaces.
fn indented(text: &str, indent: usize) -> String {
    let prefix = " ".repeat(indent);
    text.lines()
        .map(|line| format!("{prefix}{line}\n"))
        .collect()
}

/// A policy written as a YAML mapping (block style), a few of its problems kept.
fn yaml_policy(rng: &mut Rng) -> String {
    let mut out = String::from("Version: '1'\nStatement:\n");
    for _ in 0..1 + rng.below(4) {
        let (service, actions, resource) = SERVICES[rng.below(SERVICES.len())];
        let _ = writeln!(
            out,
            "  - Effect: {}",
            if rng.below(12) == 0 { "allow" } else { "Allow" }
        );
        out.push_str("    Action:\n");
        for _ in 0..1 + rng.below(5) {
            let _ = writeln!(out, "      - {service}:{}", rng.pick(actions));
        }
        let resource = resource.replace("{name}", rng.pick(NAMES));
        let _ = writeln!(out, "    Resource: '{resource}'");
    }
    out
}

/// A ROS template holding a policy in one of three ways.
fn template(rng: &mut Rng, i: usize) -> String {
    let document = match rng.below(3) {
        0 => format!("      PolicyDocument:\n{}", indented(&yaml_policy(rng), 8)),
        1 => format!(
            "      PolicyDocument: !Sub |\n{}",
            indented(&policy(rng), 8)
        ),
        _ => format!("      PolicyDocument:\n{}", indented(&policy(rng), 8)),
    };
    format!(
        "ROSTemplateFormatVersion: '2015-09-01'\nDescription: policy {i}\nParameters:\n  Bucket:\n    Type: String\nResources:\n  Policy:\n    Type: ALIYUN::RAM::ManagedPolicy\n    Properties:\n      PolicyName: !Sub policy-${{ALIYUN::StackId}}\n{document}Outputs:\n  Name:\n    Value: !GetAtt [Policy, PolicyName]\n"
    )
}

/// YAML that holds no policy, as most YAML in a repository: a CI workflow, a Kubernetes
/// manifest or a compose file.
fn other_yaml(rng: &mut Rng, i: usize) -> String {
    match rng.below(3) {
        0 => format!(
            "name: build-{i}\non:\n  push:\n    branches: [main]\n  pull_request:\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - name: Test\n        run: |\n          cargo test --all-targets\n          cargo clippy -- -D warnings\n      - name: Upload\n        if: ${{{{ github.event_name == 'push' }}}}\n        run: ./upload.sh {i}\n"
        ),
        1 => format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: service-{i}\n  labels: {{app: service-{i}}}\nspec:\n  replicas: {}\n  selector:\n    matchLabels: {{app: service-{i}}}\n  template:\n    metadata:\n      labels: {{app: service-{i}}}\n    spec:\n      containers:\n        - name: app\n          image: registry.example.com/app:{}\n          ports: [{{containerPort: 8080}}]\n          env:\n            - {{name: MODE, value: production}}\n---\napiVersion: v1\nkind: Service\nmetadata: {{name: service-{i}}}\nspec:\n  ports: [{{port: 80, targetPort: 8080}}]\n",
            1 + rng.below(5),
            rng.below(100)
        ),
        _ => format!(
            "services:\n  web:\n    image: nginx:1.{}\n    ports: ['80:80']\n    depends_on: [db]\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: example-{i}\n    volumes:\n      - db-data:/var/lib/postgresql/data\nvolumes:\n  db-data: {{}}\n",
            rng.below(30)
        ),
    }
}

/// A guide holding policies in the three ways documentation holds them.
fn guide(rng: &mut Rng, i: usize) -> String {
    let policy_block = match rng.below(3) {
        0 => format!("   ```json\n{}   ```\n", indented(&policy(rng), 3)),
        1 => format!(
            "   ```bash\n   aliyun ram CreatePolicy --PolicyName p{i} --PolicyDocument '{}'\n   ```\n",
            policy(rng).replace('\n', " ")
        ),
        _ => format!("   ```yaml\n{}   ```\n", indented(&template(rng, i), 3)),
    };
    format!(
        "# Grant access {i}\n\nThis guide creates a RAM policy and attaches it to a user.\n\n1. Install the CLI:\n\n   ```bash\n   curl -sSL https://aliyuncli.example.com/install.sh | bash\n   aliyun configure\n   ```\n\n2. Create the policy:\n\n{policy_block}\n3. Attach it with `aliyun ram AttachPolicyToUser`.\n\n> **Note** Grant only what the user needs.\n"
    )
}

/// Documentation that holds no policy, as most Markdown in a repository.
fn other_markdown(rng: &mut Rng, i: usize) -> String {
    match rng.below(3) {
        0 => format!(
            "# project-{i}\n\n[![build](https://ci.example.com/{i}.svg)](https://ci.example.com)\n\nA small library for parsing things.\n\n## Install\n\n```sh\ncargo add project-{i}\n```\n\n## Use\n\n```rust\nfn main() {{\n    let parsed = project::parse(\"a = {}\");\n    println!(\"{{parsed:?}}\");\n}}\n```\n\n- fast\n- small\n- *tested*\n\n| option | default |\n|---|---|\n| `strict` | `false` |\n",
            rng.below(100)
        ),
        1 => format!(
            "# Changelog\n\n## {}.{}.0\n\n- Fixed a crash on empty input ([#{i}](https://example.com/{i})).\n- Faster start-up.\n\n## 1.0.0\n\n- First release.\n",
            1 + rng.below(3),
            rng.below(20)
        ),
        _ => format!(
            "# Queries {i}\n\nEach SQL statement below runs in one transaction; a failed statement rolls it back.\n\n```sql\nSELECT id, name FROM users WHERE id = {};\nUPDATE users SET seen = now() WHERE id = {i};\n```\n\nInline: `BEGIN; COMMIT;`.\n",
            rng.below(1000)
        ),
    }
}

/// A Terraform file holding a policy in one of three ways: a heredoc, `jsonencode`, a
/// policy-document data source.
fn terraform(rng: &mut Rng, i: usize) -> String {
    let document = match rng.below(3) {
        0 => format!("<<-EOF\n{}  EOF", indented(&policy(rng), 4)),
        1 => {
            let (service, actions, resource) = SERVICES[rng.below(SERVICES.len())];
            let resource = resource.replace("{name}", rng.pick(NAMES));
            format!(
                "jsonencode({{\n    Version = \"1\"\n    Statement = [{{\n      Effect   = \"Allow\"\n      Action   = [\"{service}:{}\", \"{service}:{}\"]\n      Resource = \"{resource}\"\n    }}]\n  }})",
                rng.pick(actions),
                rng.pick(actions)
            )
        }
        _ => {
            let (service, actions, resource) = SERVICES[rng.below(SERVICES.len())];
            let resource = resource.replace("{name}", rng.pick(NAMES));
            return format!(
                "data \"alicloud_ram_policy_document\" \"p{i}\" {{\n  statement {{\n    effect   = \"Allow\"\n    action   = [\"{service}:{}\"]\n    resource = [\"{resource}\"]\n  }}\n}}\n",
                rng.pick(actions)
            );
        }
    };
    format!(
        "resource \"alicloud_ram_policy\" \"p{i}\" {{\n  policy_name     = \"policy-${{var.env}}-{i}\"\n  policy_document = {document}\n}}\n"
    )
}

/// Terraform that holds no policy, as most of a Terraform repository: networks, instances,
/// variables.
fn other_terraform(rng: &mut Rng, i: usize) -> String {
    match rng.below(2) {
        0 => format!(
            "variable \"name_{i}\" {{\n  type    = string\n  default = \"svc-{i}\"\n}}\n\nresource \"alicloud_vpc\" \"v{i}\" {{\n  vpc_name   = var.name_{i}\n  cidr_block = \"10.{}.0.0/16\"\n}}\n\nresource \"alicloud_vswitch\" \"s{i}\" {{\n  vpc_id     = alicloud_vpc.v{i}.id\n  cidr_block = cidrsubnet(alicloud_vpc.v{i}.cidr_block, 8, 1)\n  zone_id    = data.alicloud_zones.default.zones[0].id\n  tags = {{\n    Name = \"${{var.name_{i}}}-vswitch\"\n  }}\n}}\n",
            rng.below(250)
        ),
        _ => format!(
            "resource \"alicloud_instance\" \"i{i}\" {{\n  instance_type   = \"ecs.g7.large\"\n  image_id        = \"ubuntu_22_04_x64_20G_alibase_{}.vhd\"\n  security_groups = [alicloud_security_group.default.id]\n  user_data = <<-EOT\n    #!/bin/sh\n    echo service {i} > /etc/motd\n  EOT\n}}\n\noutput \"ip_{i}\" {{\n  value = alicloud_instance.i{i}.public_ip\n}}\n",
            rng.below(100)
        ),
    }
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--pair") {
        let (Some(count), Some(old), Some(new)) = (args.get(1), args.get(2), args.get(3)) else {
            eprintln!("usage: generate --pair STATEMENTS OLD NEW [SEED]");
            std::process::exit(2);
        };
        let count: usize = count.parse().expect("STATEMENTS is a number");
        let seed: u64 = args
            .get(4)
            .map_or(42, |s| s.parse().expect("SEED is a number"));
        let (old_text, new_text) = policy_pair(&mut Rng(seed.max(1)), count);
        std::fs::write(old, old_text).expect("write OLD");
        std::fs::write(new, new_text).expect("write NEW");
        return;
    }
    let yaml = args.iter().any(|a| a == "--yaml");
    let markdown = args.iter().any(|a| a == "--markdown");
    let tf = args.iter().any(|a| a == "--terraform");
    args.retain(|a| a != "--yaml" && a != "--markdown" && a != "--terraform");
    let mut args = args.into_iter();
    let (Some(dir), Some(count)) = (args.next(), args.next()) else {
        eprintln!(
            "usage: generate DIR COUNT [SEED] [--yaml | --markdown | --terraform] | generate --pair STATEMENTS OLD NEW [SEED]"
        );
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
        // The JSON corpus draws nothing more than it always did: same seed, same bytes.
        if markdown {
            let (name, text) = match rng.below(7) {
                0 => (format!("guide-{i:06}.md"), guide(&mut rng, i)),
                _ => (format!("README-{i:06}.md"), other_markdown(&mut rng, i)),
            };
            std::fs::write(folder.join(name), text).expect("write a file");
            continue;
        }
        if tf {
            let (name, text) = match rng.below(7) {
                0 => (format!("policy-{i:06}.tf"), terraform(&mut rng, i)),
                _ => (format!("main-{i:06}.tf"), other_terraform(&mut rng, i)),
            };
            std::fs::write(folder.join(name), text).expect("write a file");
            continue;
        }
        let (name, text) = match yaml.then(|| rng.below(7)) {
            None => (format!("policy-{i:06}.json"), policy(&mut rng)),
            Some(0) => (format!("stack-{i:06}.yaml"), template(&mut rng, i)),
            Some(_) => (format!("config-{i:06}.yml"), other_yaml(&mut rng, i)),
        };
        std::fs::write(folder.join(name), text).expect("write a file");
    }
}
