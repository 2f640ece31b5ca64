#!/usr/bin/env bash
# Lints single policies of many statements in release mode and prints the wall time of
# each: the statement-level rules (duplicate-statement, duplicate-sid) must stay near-linear.
# Five shapes of 5,000 statements (or STATEMENTS): all distinct; from the 1,000th on,
# every fifth one a re-spelt repeat of one of the first 1,000, Sid included; all identical;
# one statement on a whole bucket covering all the others, each on a folder of it, first
# (one-covers-all) or last (covered-by-last): redundant-statement analyses every covered
# statement against the others, which stays quadratic in small steps (each analysis
# gathers the statements it may be compared with).
#
#   benches/large-policy.sh [STATEMENTS] [RUNS]     (defaults: 5000 statements, best of 3)
set -euo pipefail
cd "$(dirname "$0")/.."
statements=${1:-5000}
runs=${2:-3}

cargo build --release --quiet
bin=target/release/policylint
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for shape in distinct some-repeats identical one-covers-all covered-by-last; do
    awk -v n="$statements" -v shape="$shape" 'BEGIN {
        printf "{\n  \"Version\": \"1\",\n  \"Statement\": [\n";
        for (i = 0; i < n; i++) {
            k = i; sid = i;
            if (shape == "identical") { k = 0; sid = 0 }
            if (shape == "some-repeats" && i >= 1000 && i % 5 == 0) { k = i % 1000; sid = k }
            if (shape == "one-covers-all" || shape == "covered-by-last") {
                whole = (shape == "one-covers-all" ? i == 0 : i == n - 1);
                printf "    {\"Sid\": \"S%d\", \"Effect\": \"Allow\", \"Action\": [\"oss:GetObject\", \"oss:PutObject\"], \"Resource\": \"acs:oss:*:*:bucket/%s*\"}", i, (whole ? "" : i "/");
            }
            else if (shape == "some-repeats" && k != i)
                printf "    {\"Sid\": \"S%d\", \"Resource\": [\"acs:oss:*:*:bucket-%d/*\"], \"Action\": [\"oss:putobject\", \"oss:GetObject\"], \"Effect\": \"Allow\"}", sid, k;
            else
                printf "    {\"Sid\": \"S%d\", \"Effect\": \"Allow\", \"Action\": [\"oss:GetObject\", \"oss:PutObject\"], \"Resource\": \"acs:oss:*:*:bucket-%d/*\"}", sid, k;
            printf "%s\n", (i < n - 1 ? "," : "");
        }
        printf "  ]\n}\n";
    }' > "$work/$shape.json"
    best=$(for _ in $(seq "$runs"); do
        { /usr/bin/env TIMEFORMAT='%R' bash -c "time $bin check $work/$shape.json --output-format concise --exit-zero --quiet >/dev/null" ; } 2>&1 | tail -1
    done | sort -n | head -1)
    findings=$($bin check "$work/$shape.json" --output-format concise --exit-zero --select PL205,PL206 | grep -c ' PL20[56] \[' || true)
    printf "%-15s %6d statements: %6.3f s wall, %5d duplicate-statement/duplicate-sid findings\n" "$shape" "$statements" "$best" "$findings"
done
