#!/usr/bin/env bash
# Race parliament on its own ground (issue #24): the AWS managed policies of
# fixtures/corpus/aws and 10,000 generated AWS policies, timed and compared in one run.
#
#   benches/parliament-race.sh [POLICYLINT_BINARY] [GENERATED]   (default: build release; 10000)
#
# parliament (PyPI, pinned below) is installed into a venv under /tmp on first use. For each
# set it prints the wall time of `policylint check` (best of 5) and of `parliament
# --directory` (one run: it is the slow one), and the speed-up. Then it compares what each
# finds, file by file, for the kinds of finding both tools have (unknown action, unknown
# service prefix, resource mismatch, condition keys, condition types, ARNs, operators,
# privilege escalation): how many files both flag, only policylint flags, only parliament
# flags, and every finding policylint makes that parliament does not, so each can be
# explained. Findings of kinds parliament lacks (wildcard resources, full access...) are
# counted apart.
set -euo pipefail
cd "$(dirname "$0")/.."
parliament_version=1.6.4
venv=${PARLIAMENT_VENV:-/tmp/parliament-venv}
generated=${2:-10000}

if [ ! -x "$venv/bin/parliament" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "parliament==$parliament_version"
fi
if [ -n "${1:-}" ]; then
    bin=$1
else
    cargo build --release --quiet --bin policylint
    bin=target/release/policylint
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/managed"
cp fixtures/corpus/aws/managed/*.json "$work/managed/"

# 10,000 seeded AWS identity policies: real actions of the catalogue, a few patterns, typos,
# resources of every shape, some conditions.
python3 - "$work/generated" "$generated" <<'EOF'
import json, os, random, sys
out, count = sys.argv[1], int(sys.argv[2])
os.makedirs(out)
rng = random.Random(24)
catalogue = json.load(open("rules/data/aws/catalogue.json"))
services = sorted(catalogue["services"])
def action():
    service = rng.choice(services)
    names = sorted(catalogue["services"][service]["actions"])
    name = rng.choice(names)
    roll = rng.random()
    if roll < 0.05:
        name = name[: max(3, len(name) // 2)] + "*"
    elif roll < 0.08:
        i = rng.randrange(len(name))
        name = name[:i] + name[i + 1:]
    return f"{service}:{name}"
def resource():
    return rng.choice([
        "*",
        f"arn:aws:s3:::bucket-{rng.randrange(100)}/*",
        f"arn:aws:s3:::bucket-{rng.randrange(100)}",
        f"arn:aws:dynamodb:us-east-1:123456789012:table/t{rng.randrange(50)}",
        f"arn:aws:iam::123456789012:role/r{rng.randrange(50)}",
        f"arn:aws:lambda:*:123456789012:function:f{rng.randrange(50)}",
        f"arn:aws:sqs:eu-west-1:123456789012:q{rng.randrange(50)}",
    ])
def condition():
    return rng.choice([
        {"Bool": {"aws:SecureTransport": "true"}},
        {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
        {"StringEquals": {"aws:RequestedRegion": "us-east-1"}},
        {"StringLike": {"s3:prefix": "home/${aws:username}/*"}},
        {"DateLessThan": {"aws:CurrentTime": "2027-01-01T00:00:00Z"}},
    ])
for n in range(count):
    statements = []
    for s in range(rng.randint(1, 4)):
        statement = {
            "Sid": f"S{s}",
            "Effect": "Allow" if rng.random() < 0.9 else "Deny",
            "Action": sorted({action() for _ in range(rng.randint(1, 6))}),
            "Resource": sorted({resource() for _ in range(rng.randint(1, 3))}),
        }
        if rng.random() < 0.2:
            statement["Condition"] = condition()
        statements.append(statement)
    with open(os.path.join(out, f"{n:05}.json"), "w") as f:
        json.dump({"Version": "2012-10-17", "Statement": statements}, f, indent=2)
EOF

# Wall seconds of one run of "$@", output to $out, with bash 5's microsecond clock
# (GNU time's 10 ms steps are a third of policylint's time on the managed policies).
timed() {
    local out=$1 start end
    shift
    start=${EPOCHREALTIME/[.,]/}
    "$@" >"$out" 2>/dev/null || true
    end=${EPOCHREALTIME/[.,]/}
    awk -v us=$((end - start)) 'BEGIN { printf "%.4f", us / 1e6 }'
}

for set in managed generated; do
    files=$(ls "$work/$set" | wc -l)
    best=
    for _ in 1 2 3 4 5; do
        t=$(timed "$work/$set.policylint.json" "$bin" check --exit-zero --no-config --output-format json "$work/$set")
        if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$t; fi
    done
    p=$(timed "$work/$set.parliament.jsonl" "$venv/bin/parliament" --directory "$work/$set" --include_policy_extension .json --json)
    echo "== $set: $files AWS policies"
    awk -v a="$best" -v b="$p" 'BEGIN { printf "   policylint %.4f s (best of 5), parliament %.2f s: policylint is %.0fx faster\n", a, b, (a > 0 ? b / a : 0) }'
    python3 - "$work" "$set" <<'EOF'
import collections, json, os, sys
work, name = sys.argv[1], sys.argv[2]
# Kinds of finding both tools have: policylint rules -> parliament issues.
GROUPS = {
    "unknown action": ({"unknown-action"}, {"UNKNOWN_ACTION"}),
    "unknown service": ({"unknown-service"}, {"UNKNOWN_PREFIX"}),
    "resource mismatch": ({"action-resource-mismatch"}, {"RESOURCE_MISMATCH"}),
    "condition key": ({"unknown-condition-key", "unsupported-condition-key"}, {"UNKNOWN_CONDITION_FOR_ACTION"}),
    "condition type": ({"condition-type-mismatch", "invalid-condition"}, {"MISMATCHED_TYPE", "MISMATCHED_TYPE_BUT_USABLE", "UNKNOWN_OPERATOR", "MISMATCHED_TYPE_OPERATION_TO_NULL"}),
    "invalid ARN": ({"invalid-resource"}, {"INVALID_ARN"}),
    "privilege escalation": ({"privilege-escalation"}, {"PRIVILEGE_ESCALATION", "RESOURCE_POLICY_PRIVILEGE_ESCALATION"}),
}
def group_of(kind, side):
    return next((g for g, pair in GROUPS.items() if kind in pair[side]), None)
ours, theirs = collections.defaultdict(set), collections.defaultdict(set)
details, apart = collections.defaultdict(list), collections.Counter()
for d in json.load(open(os.path.join(work, f"{name}.policylint.json")))["diagnostics"]:
    path = os.path.basename(d["path"])
    group = group_of(d["rule"], 0)
    if group is None:
        apart[d["rule"]] += 1
        continue
    ours[group].add(path)
    details[(group, path)].append(f'{path}:{d["start"]["line"]} {d["rule"]}: {d["message"]}')
parliament_apart = collections.Counter()
for line in open(os.path.join(work, f"{name}.parliament.jsonl")):
    try:
        finding = json.loads(line)
    except ValueError:
        continue
    group = group_of(finding["issue"], 1)
    if group is None:
        parliament_apart[finding["issue"]] += 1
        continue
    theirs[group].add(os.path.basename(finding["location"]["filepath"]))
print(f"   {'kind of finding':22} {'files: both':>11} {'policylint only':>16} {'parliament only':>16}")
for group in GROUPS:
    both = ours[group] & theirs[group]
    print(f"   {group:22} {len(both):>11} {len(ours[group] - theirs[group]):>16} {len(theirs[group] - ours[group]):>16}")
print("   policylint only (each to explain):")
shown = 0
for group in GROUPS:
    for path in sorted(ours[group] - theirs[group]):
        for line in details[(group, path)]:
            if shown < 25:
                print("     " + line[:220])
            shown += 1
if shown > 25:
    print(f"     ... {shown - 25} more")
print("   kinds only policylint has: " + ", ".join(f"{k} {v}" for k, v in apart.most_common()))
print("   kinds only parliament has: " + ", ".join(f"{k} {v}" for k, v in parliament_apart.most_common()))
EOF
done
