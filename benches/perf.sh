#!/usr/bin/env bash
# The shapes issue #26 named, in one run, each beside its floor (compare ratios, not
# absolute times: machines and their load differ):
#   (a) the AWS managed policies (fixtures/corpus/aws/managed): the whole corpus against
#       the read-and-parse floor and, when installed, parliament; ReadOnlyAccess.json alone,
#       whole process (median of 31 runs);
#   (b) one-list shapes at 500 to 50,000 entries: resources `acs:oss:*:*:bucket-i/*`
#       (redundant-resource), actions `svcI:Get*` (redundant-action), escalation actions
#       against scoped RAM resources (privilege-escalation);
#   (c) json, sarif and junit against concise over FILES and 3xFILES generated files: time and
#       peak memory (/usr/bin/time -v's maximum resident set);
#   (d) `--fix` over FIX_FILES generated files against `check` over the same files.
#
#   benches/perf.sh [FILES] [FIX_FILES] [RUNS]    (defaults: 100000 10000 3)
#
# Environment: PL_BIN, GENERATE and FLOOR, binaries to use instead of building them
# (policylint and the two examples); BASE_BIN, a
# second binary measured beside it (the one before a change); PARLIAMENT, parliament's
# command (default: `parliament` on the PATH, skipped if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
files=${1:-100000}
fix_files=${2:-10000}
runs=${3:-3}

if [ -z "${PL_BIN:-}" ] || [ -z "${GENERATE:-}" ] || [ -z "${FLOOR:-}" ]; then
    cargo build --release --quiet --bin policylint --example generate --example floor
    target_dir=$(cargo metadata --format-version 1 --no-deps | sed 's/.*"target_directory":"\([^"]*\)".*/\1/')
fi
PL_BIN=${PL_BIN:-$target_dir/release/policylint}
generate=${GENERATE:-$target_dir/release/examples/generate}
floor=${FLOOR:-$target_dir/release/examples/floor}
parliament=${PARLIAMENT:-$(type -P parliament || true)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bins=("$PL_BIN")
[ -n "${BASE_BIN:-}" ] && bins+=("$BASE_BIN")

# Best wall time (s), and the peak resident memory (KB) and CPU time (user + system, s) of
# that run, over $runs runs. On a shared machine the CPU time is the steadier figure.
measure() {
    local best="" best_kb="" best_cpu="" wall kb user system
    for _ in $(seq "$runs"); do
        /usr/bin/time -f '%e %M %U %S' -o "$work/time" "$@" >/dev/null 2>&1 || true
        read -r wall kb user system <"$work/time"
        if [ -z "$best" ] || awk -v a="$wall" -v b="$best" 'BEGIN { exit !(a < b) }'; then
            best=$wall best_kb=$kb best_cpu=$(awk -v u="$user" -v s="$system" 'BEGIN { print u + s }')
        fi
    done
    echo "$best $best_kb $best_cpu"
}

# Median whole-process time of 31 runs, in milliseconds (bash 5's clock: no `date` forks).
median_ms() {
    for _ in $(seq 31); do
        start=${EPOCHREALTIME/[.,]/}
        "$@" >/dev/null 2>&1 || true
        end=${EPOCHREALTIME/[.,]/}
        echo $((end - start))
    done | sort -n | sed -n 16p | awk '{ printf "%.1f", $1 / 1000 }'
}

check() { "$1" check --exit-zero --quiet --output-format "${2:-concise}" "${@:3}"; }

echo "machine: $(nproc) cores; best of $runs runs unless said; binaries: ${bins[*]}"

echo "== (a) AWS managed policies ($(ls fixtures/corpus/aws/managed | wc -l) files)"
aws=fixtures/corpus/aws/managed
read -r floor_s _ floor_cpu < <(measure "$floor" "$aws")
printf "  floor (walk + read + serde_json): %.3f s wall, %.2f s CPU\n" "$floor_s" "$floor_cpu"
for bin in "${bins[@]}"; do
    read -r s _ cpu < <(measure check "$bin" concise "$aws")
    one=$(median_ms check "$bin" concise "$aws/ReadOnlyAccess.json")
    printf "  %s: corpus %.3f s wall (%.1fx floor), %.2f s CPU (%.1fx floor); ReadOnlyAccess.json %s ms (median of 31)\n" \
        "$(basename "$bin")" "$s" "$(awk -v a="$s" -v b="$floor_s" 'BEGIN { print a / b }')" \
        "$cpu" "$(awk -v a="$cpu" -v b="$floor_cpu" 'BEGIN { print a / (b > 0 ? b : 0.01) }')" "$one"
done
if [ -n "$parliament" ]; then
    read -r s _ cpu < <(measure check "$PL_BIN" concise "$aws")
    read -r p _ p_cpu < <(measure "$parliament" --directory "$aws")
    printf "  parliament --directory: %.2f s wall, %.2f s CPU; policylint is %.0fx faster (wall), %.0fx (CPU)\n" \
        "$p" "$p_cpu" "$(awk -v a="$p" -v b="$s" 'BEGIN { print a / b }')" \
        "$(awk -v a="$p_cpu" -v b="$cpu" 'BEGIN { print a / (b > 0 ? b : 0.01) }')"
fi

echo "== (b) one list of n entries (seconds, whole process)"
list_policy() { # shape n
    awk -v shape="$1" -v n="$2" 'BEGIN {
        printf "{\"Version\": \"1\", \"Statement\": [{\"Effect\": \"Allow\", ";
        if (shape == "resources") {
            printf "\"Action\": \"oss:GetObject\", \"Resource\": [";
            for (i = 0; i < n; i++) printf "%s\"acs:oss:*:*:bucket-%d/*\"", (i ? ", " : ""), i;
        } else if (shape == "actions") {
            printf "\"Resource\": \"*\", \"Action\": [";
            for (i = 0; i < n; i++) printf "%s\"svc%d:Get*\"", (i ? ", " : ""), i;
        } else {
            split("AttachPolicyToUser AttachPolicyToRole CreateAccessKey UpdateRole AddUserToGroup", verbs, " ");
            printf "\"Action\": [";
            for (i = 0; i < n; i++) printf "%s\"ram:%s%s\"", (i ? ", " : ""), verbs[i % 5 + 1], (i < 5 ? "" : "*");
            printf "], \"Resource\": [";
            for (i = 0; i < n; i++) printf "%s\"acs:ram:*:*:user/team-%d\"", (i ? ", " : ""), i;
        }
        printf "]}]}\n";
    }' >"$work/$1-$2.json"
}
printf "  %-12s" "entries"
for n in 500 1000 5000 50000; do printf " %10s" "$n"; done
echo
for shape in resources actions escalation; do
    for n in 500 1000 5000 50000; do list_policy "$shape" "$n"; done
    for bin in "${bins[@]}"; do
        printf "  %-12s" "$shape"
        for n in 500 1000 5000 50000; do
            if [ "$bin" != "$PL_BIN" ] && [ "$n" -gt 5000 ]; then
                printf " %10s" "-"   # the quadratic baseline takes minutes here
                continue
            fi
            read -r s _ < <(measure timeout 300 "$bin" check --exit-zero --quiet --output-format concise "$work/$shape-$n.json")
            printf " %10.3f" "$s"
        done
        echo "  $(basename "$bin")"
    done
done

echo "== (c) output formats: seconds / peak MB"
for count in "$files" $((files * 3)); do
    rm -rf "$work/corpus"
    "$generate" "$work/corpus" "$count" 42 >/dev/null
    for bin in "${bins[@]}"; do
        printf "  %7d files %-22s" "$count" "$(basename "$bin")"
        for format in concise json sarif junit; do
            read -r s kb _ < <(measure check "$bin" "$format" "$work/corpus")
            printf " %s %.2f s %.0f MB;" "$format" "$s" "$(awk -v k="$kb" 'BEGIN { print k / 1024 }')"
        done
        echo
    done
done
rm -rf "$work/corpus"

echo "== (d) --fix over $fix_files files against check"
"$generate" "$work/fix-source" "$fix_files" 7 >/dev/null
for bin in "${bins[@]}"; do
    read -r check_s _ < <(measure check "$bin" concise "$work/fix-source")
    best=""
    for _ in $(seq "$runs"); do
        rm -rf "$work/fix"
        cp -r "$work/fix-source" "$work/fix"
        sync
        /usr/bin/time -f '%e' -o "$work/time" "$bin" check --exit-zero --quiet --fix "$work/fix" >/dev/null 2>&1 || true
        s=$(cat "$work/time")
        if [ -z "$best" ] || awk -v a="$s" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$s; fi
    done
    fixed=$(diff -rq "$work/fix-source" "$work/fix" | wc -l)
    printf "  %s: check %.2f s, --fix %.2f s (%.1fx; %d files rewritten)\n" \
        "$(basename "$bin")" "$check_s" "$best" "$(awk -v a="$best" -v b="$check_s" 'BEGIN { print a / b }')" "$fixed"
done
