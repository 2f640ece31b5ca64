#!/usr/bin/env bash
# policylint's benchmark, in one run on one machine (compare ratios, not absolute times:
# machines and their load differ).
#
#   benches/bench.sh [FILES] [RUNS]     (defaults: 100000 files, best of 3 runs)
#
# On a seeded corpus of realistic RAM policies (benches/generate.rs) it measures:
#   (a) `policylint check` over FILES files, and over FILES/10 to show linear growth;
#   (b) the floor: walk, read and parse every file with serde_json in parallel
#       (benches/floor.rs), the least any linter must do; the ratio a/b is the target
#       (issue #26: <= 1.2; an earlier issue asked for 1.5);
#   (c) the whole-process time to lint one small file (the pre-commit case; target < 10 ms);
#   (d) peak memory at FILES/10 and FILES (it must not grow with the number of files);
#   (e) one thread against all cores;
#   (f) one policy of 5,000 statements against one of 500 (linear, not quadratic).
set -euo pipefail
cd "$(dirname "$0")/.."
files=${1:-100000}
runs=${2:-3}
small_files=$((files / 10))

cargo build --release --quiet --bin policylint --example generate --example floor
bin=target/release/policylint
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

target/release/examples/generate "$work/large" "$files" 42
target/release/examples/generate "$work/small" "$small_files" 42
printf '{"Version": "1", "Statement": [{"Effect": "Allow", "Action": ["oss:GetObject", "oss:PutObject"], "Resource": "acs:oss:*:*:reports/*"}, {"Effect": "Allow", "Action": "oss:ListBuckets", "Resource": "*"}]}\n' > "$work/one.json"

# Whether $1 seconds beat the best time so far, $2 (empty before the first run).
faster() {
    [ -z "$2" ] || awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'
}

# One timed run: wall time (s) and peak resident memory (KB).
run_once() {
    /usr/bin/time -f '%e %M' -o "$work/time" "$@" >/dev/null 2>&1 || true
    cat "$work/time"
}

# Best wall time (s), and the peak resident memory (KB) of that run, over $runs runs.
measure() {
    local best="" best_kb="" wall kb
    for _ in $(seq "$runs"); do
        read -r wall kb < <(run_once "$@")
        if faster "$wall" "$best"; then
            best=$wall best_kb=$kb
        fi
    done
    echo "$best $best_kb"
}

# `measure` for policylint and the floor on one folder, their runs taking turns, so that
# the load of a shared machine, which drifts over minutes, weighs on both alike.
# Prints: lint seconds, lint KB, floor seconds, floor KB.
measure_pair() {
    local folder=$1 lint_best="" lint_kb="" floor_best="" floor_kb="" wall kb
    for _ in $(seq "$runs"); do
        read -r wall kb < <(run_once "${lint[@]}" "$folder")
        if faster "$wall" "$lint_best"; then
            lint_best=$wall lint_kb=$kb
        fi
        read -r wall kb < <(run_once target/release/examples/floor "$folder")
        if faster "$wall" "$floor_best"; then
            floor_best=$wall floor_kb=$kb
        fi
    done
    echo "$lint_best $lint_kb $floor_best $floor_kb"
}
lint=("$bin" check --output-format concise --exit-zero --quiet)

read -r lint_large lint_large_kb floor_large floor_large_kb < <(measure_pair "$work/large")
read -r lint_small lint_small_kb floor_small _ < <(measure_pair "$work/small")
read -r one_thread _ < <(measure env RAYON_NUM_THREADS=1 "${lint[@]}" "$work/small")

# One small file: the median of 31 whole-process runs, in microseconds. The clock is
# bash's own ($EPOCHREALTIME, bash 5): calling `date` around each run would add two
# process start-ups to it. Starting a process that does nothing is timed the same way,
# for scale.
median_run_us() {
    for _ in $(seq 31); do
        start=${EPOCHREALTIME/[.,]/}
        "$@" >/dev/null
        end=${EPOCHREALTIME/[.,]/}
        echo $((end - start))
    done | sort -n | sed -n 16p
}
[ -n "${EPOCHREALTIME:-}" ] || { echo "bench.sh needs bash 5 or later" >&2; exit 2; }
one_file_us=$(median_run_us "$bin" check "$work/one.json")
no_op_us=$(median_run_us "$(type -P true)")

# One big policy.
big_policy() {
    awk -v n="$1" 'BEGIN {
        printf "{\"Version\": \"1\", \"Statement\": [\n";
        for (s = 0; s < n; s++)
            printf "  {\"Sid\": \"s%d\", \"Effect\": \"Allow\", \"Action\": [\"oss:GetObject\", \"oss:PutObject\"], \"Resource\": \"acs:oss:*:*:bucket-%d/*\"}%s\n", s, s, (s < n - 1 ? "," : "");
        printf "]}\n";
    }' > "$work/big-$1.json"
}
big_policy 500
big_policy 5000
read -r big_500 _ < <(measure "${lint[@]}" "$work/big-500.json")
read -r big_5000 _ < <(measure "${lint[@]}" "$work/big-5000.json")

cores=$(nproc)
awk -v f="$files" -v sf="$small_files" -v cores="$cores" \
    -v ll="$lint_large" -v llk="$lint_large_kb" -v fl="$floor_large" -v flk="$floor_large_kb" \
    -v ls="$lint_small" -v lsk="$lint_small_kb" -v fs="$floor_small" -v ot="$one_thread" \
    -v one="$one_file_us" -v noop="$no_op_us" -v b5="$big_500" -v b50="$big_5000" 'BEGIN {
    printf "machine: %d cores; best of runs; seeded corpus of realistic RAM policies\n", cores;
    printf "(a) policylint, %d files: %.2f s (%.0f files/s); %d files: %.2f s (%.1fx for 10x the files)\n", f, ll, f / ll, sf, ls, ll / ls;
    printf "(b) floor (walk + read + serde_json, parallel), %d files: %.2f s; a/b = %.2f (target <= 1.2); at %d files a/b = %.2f\n", f, fl, ll / fl, sf, ls / fs;
    printf "(c) one small file, whole process: %.1f ms (median of 31; target < 10 ms); starting `true` takes %.1f ms here\n", one / 1000, noop / 1000;
    printf "(d) peak memory: %d files %.1f MB, %d files %.1f MB (floor: %.1f MB)\n", sf, lsk / 1024, f, llk / 1024, flk / 1024;
    printf "(e) %d files with 1 thread: %.2f s; with %d: %.2f s (%.2fx)\n", sf, ot, cores, ls, ot / ls;
    printf "(f) one policy of 500 statements: %.3f s; of 5,000: %.3f s\n", b5, b50;
}'
