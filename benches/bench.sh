#!/usr/bin/env bash
# Lints a folder of generated policies in release mode with one worker thread, then with
# every core, and prints wall time, CPU time and the speedup. Compare the ratio within one
# run: absolute times depend on the machine and its load.
#
#   benches/bench.sh [FILES] [RUNS]     (defaults: 10000 files, best of 3 runs)
#
# A second measurement lints one policy of 5,000 statements (rules that compare statements
# must stay near-linear) next to one of 500: ten times the statements should cost about ten
# times the time, not a hundred.
set -euo pipefail
cd "$(dirname "$0")/.."
files=${1:-10000}
runs=${2:-3}

cargo build --release --quiet
bin=target/release/policylint
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Deterministic, realistic policies: a mix of clean ones and ones with findings, 100 per
# folder, some 2-10 statements long.
awk -v n="$files" -v root="$work" 'BEGIN {
    split("oss:GetObject oss:PutObject oss:DeleteObject oss:ListObjects oss:GetBucketInfo ecs:DescribeInstances ecs:StartInstance rds:DescribeDBInstances vpc:DescribeVpcs log:GetLogStore", actions, " ");
    for (i = 0; i < n; i++) {
        dir = sprintf("%s/team-%03d", root, int(i / 100));
        if (i % 100 == 0) system("mkdir -p " dir);
        file = sprintf("%s/policy-%05d.json", dir, i);
        statements = 2 + i % 9;
        printf "{\n  \"Version\": \"1\",\n  \"Statement\": [\n" > file;
        for (s = 0; s < statements; s++) {
            a1 = actions[1 + (i + s) % 10]; a2 = actions[1 + (i * 7 + s * 3) % 10];
            resource = (i + s) % 13 == 0 ? "*" : sprintf("acs:oss:*:*:bucket-%d/*", (i + s) % 97);
            printf "    {\n      \"Effect\": \"Allow\",\n      \"Action\": [\"%s\", \"%s\"],\n      \"Resource\": \"%s\"\n    }%s\n", a1, a2, resource, (s < statements - 1 ? "," : "") >> file;
        }
        printf "  ]\n}\n" >> file;
        close(file);
    }
}'

measure() { # threads -> "wall cpu" of the fastest run
    local threads=$1 line
    for _ in $(seq "$runs"); do
        line=$( { /usr/bin/env TIMEFORMAT='%R %U %S' bash -c "time RAYON_NUM_THREADS=$threads $bin check $work --output-format concise --exit-zero --quiet >/dev/null" ; } 2>&1 | tail -1)
        echo "$line" | awk '{ printf "%.3f %.3f\n", $1, $2 + $3 }'
    done | sort -n | head -1
}

cores=$(nproc)
read -r wall1 cpu1 < <(measure 1)
read -r walln cpun < <(measure "$cores")
awk -v f="$files" -v r="$runs" -v c="$cores" -v w1="$wall1" -v c1="$cpu1" -v wn="$walln" -v cn="$cpun" 'BEGIN {
    printf "%d policies, best of %d runs\n", f, r;
    printf "  1 thread : %6.3f s wall, %6.3f s CPU (%3.0f%% of a core)\n", w1, c1, 100 * c1 / w1;
    printf "  %d threads: %6.3f s wall, %6.3f s CPU (%3.0f%% of a core)\n", c, wn, cn, 100 * cn / wn;
    printf "  speedup  : %.2fx on %d cores (%.0f files/s)\n", w1 / wn, c, f / wn;
}'

# One big policy: statements compared with each other (duplicates, Sids) must scale linearly.
big_policy() { # statements -> file
    awk -v n="$1" 'BEGIN {
        printf "{\"Version\": \"1\", \"Statement\": [\n";
        for (s = 0; s < n; s++) {
            printf "  {\"Sid\": \"s%d\", \"Effect\": \"Allow\", \"Action\": [\"oss:GetObject\", \"oss:PutObject\"], \"Resource\": \"acs:oss:*:*:bucket-%d/*\"}%s\n", s % (n - 7), s % (n - 3), (s < n - 1 ? "," : "");
        }
        printf "]}\n";
    }' > "$work/big-$1.json"
}
time_one() { # file -> best wall seconds
    for _ in $(seq "$runs"); do
        { TIMEFORMAT='%R'; time "$bin" check "$1" --output-format concise --exit-zero --quiet >/dev/null; } 2>&1 | tail -1
    done | sort -n | head -1
}
big_policy 500
big_policy 5000
small=$(time_one "$work/big-500.json")
large=$(time_one "$work/big-5000.json")
awk -v s="$small" -v l="$large" 'BEGIN {
    printf "one policy, 500 statements: %.3f s; 5,000 statements: %.3f s (%.1fx for 10x the statements)\n", s, l, (s > 0 ? l / s : 0);
}'
