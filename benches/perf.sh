#!/usr/bin/env bash
# The shapes issue #26 named, in one run, each beside its floor (compare ratios, not
# absolute times: machines and their load differ):
#   (a) the AWS managed policies (fixtures/corpus/aws/managed): the whole corpus against
#       the read-and-parse floor and, when installed, parliament; ReadOnlyAccess.json alone,
#       whole process (median of 31 runs);
#   (b) one-list shapes at 500 to 50,000 entries: resources `acs:oss:*:*:bucket-i/*`
#       (redundant-resource), actions `svcI:Get*` (redundant-action), escalation actions
#       against scoped RAM resources (privilege-escalation); and two statements of n
#       entries, the second listing the first's backwards and one more, actions
#       `svc:GetI` or resources `acs:oss:*:*:bI/*` (redundant-statement);
#   (c) json, sarif and junit against concise over FILES and 3xFILES generated files: time and
#       peak memory (/usr/bin/time -v's maximum resident set);
#   (d) `--fix` over FIX_FILES generated files against `check` over the same files, both
#       writing `concise`;
#   (e) `pretty` against `concise` on one file of 50,000 findings (25,000 identical
#       statements, each a duplicate-statement and a duplicate-sid).
#
#   benches/perf.sh [FILES] [FIX_FILES] [RUNS]    (defaults: 100000 10000 3)
#
# Environment: ONLY, the sections to run (`ONLY=cd`: the formats and --fix; default all);
# PL_BIN, GENERATE and FLOOR, binaries to use instead of building them
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
        # GNU time puts a line about a non-zero exit status first: the figures are the last.
        read -r wall kb user system < <(tail -n 1 "$work/time")
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

want() { [[ -z "${ONLY:-}" || "$ONLY" == *"$1"* ]]; }

check() { "$1" check --exit-zero --quiet --output-format "${2:-concise}" "${@:3}"; }

echo "machine: $(nproc) cores; best of $runs runs unless said; binaries: ${bins[*]}"

if want a; then
echo "== (a) AWS managed policies ($(ls fixtures/corpus/aws/managed | wc -l) files)"
aws=fixtures/corpus/aws/managed
# Tens of milliseconds: timed as medians of 31 runs with bash's clock (GNU time's 10 ms
# resolution would round them to nothing).
floor_ms=$(median_ms "$floor" "$aws")
printf "  floor (walk + read + serde_json): %s ms (median of 31)\n" "$floor_ms"
for bin in "${bins[@]}"; do
    corpus_ms=$(median_ms check "$bin" concise "$aws")
    one=$(median_ms check "$bin" concise "$aws/ReadOnlyAccess.json")
    printf "  %s: corpus %s ms (%.1fx floor); ReadOnlyAccess.json %s ms (medians of 31)\n" \
        "$(basename "$bin")" "$corpus_ms" "$(awk -v a="$corpus_ms" -v b="$floor_ms" 'BEGIN { print a / b }')" "$one"
done
if [ -n "$parliament" ]; then
    corpus_ms=$(median_ms check "$PL_BIN" concise "$aws")
    read -r p _ p_cpu < <(measure "$parliament" --directory "$aws")
    printf "  parliament --directory: %.2f s wall, %.2f s CPU; policylint is %.0fx faster (wall)\n" \
        "$p" "$p_cpu" "$(awk -v a="$p" -v b="$corpus_ms" 'BEGIN { print a * 1000 / b }')"
fi
fi

if want b; then
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
        } else if (shape == "covered-act" || shape == "covered-res") {
            # Two statements: the second lists the entries of the first backwards, and
            # one more (redundant-statement compares every entry with the other list).
            for (s = 0; s < 2; s++) {
                if (s) printf "]}, {\"Effect\": \"Allow\", ";
                if (shape == "covered-act") printf "\"Resource\": \"*\", \"Action\": [";
                else printf "\"Action\": \"oss:GetObject\", \"Resource\": [";
                for (i = 0; i < n; i++) {
                    k = s ? n - 1 - i : i;
                    if (shape == "covered-act") printf "%s\"svc:Get%d\"", (i ? ", " : ""), k;
                    else printf "%s\"acs:oss:*:*:b%d/*\"", (i ? ", " : ""), k;
                }
                if (s) printf ", \"%s\"", (shape == "covered-act" ? "svc:Put" : "acs:oss:*:*:x");
            }
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
for shape in resources actions escalation covered-act covered-res; do
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
fi

if want c; then
echo "== (c) output formats: seconds / peak MB"
for count in "$files" $((files * 3)); do
    rm -rf "$work/corpus"
    "$generate" "$work/corpus" "$count" 42 >/dev/null
    for bin in "${bins[@]}"; do
        printf "  %7d files %-22s" "$count" "$(basename "$bin")"
        for format in concise json sarif junit; do
            read -r s kb _ < <(measure "$bin" check --exit-zero --quiet --output-format "$format" "$work/corpus")
            printf " %s %.2f s %.0f MB;" "$format" "$s" "$(awk -v k="$kb" 'BEGIN { print k / 1024 }')"
        done
        echo
    done
done
rm -rf "$work/corpus"
fi

if want d; then
echo "== (d) --fix over $fix_files files against check (both concise)"
"$generate" "$work/fix-source" "$fix_files" 7 >/dev/null
# Every copy to fix is made before the first timed run and none is deleted until the
# last: right after deleting thousands of files, ext4 without a journal (as on the
# machine these figures come from) skips each recently freed inode when allocating a new
# one, so every replaced file would pay for the bench's own clean-up.
for bin_index in "${!bins[@]}"; do
    for run in $(seq "$runs"); do cp -r "$work/fix-source" "$work/fix-$bin_index-$run"; done
done
sync
for bin_index in "${!bins[@]}"; do
    bin=${bins[$bin_index]}
    read -r check_s _ < <(measure "$bin" check --exit-zero --quiet --output-format concise "$work/fix-source")
    best=""
    for run in $(seq "$runs"); do
        /usr/bin/time -f '%e' -o "$work/time" "$bin" check --exit-zero --quiet --fix --output-format concise "$work/fix-$bin_index-$run" >/dev/null 2>&1 || true
        s=$(cat "$work/time")
        if [ -z "$best" ] || awk -v a="$s" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$s; fi
    done
    # diff exits 1 when the folders differ, as they do: not a failure here.
    fixed=$( (diff -rq "$work/fix-source" "$work/fix-$bin_index-1" || true) | wc -l)
    printf "  %s: check %.2f s, --fix %.2f s (%.1fx; %d files rewritten)\n" \
        "$(basename "$bin")" "$check_s" "$best" "$(awk -v a="$best" -v b="$check_s" 'BEGIN { print a / b }')" "$fixed"
done
fi

if want e; then
echo "== (e) pretty against concise, one file of 50,000 findings (seconds; CPU in brackets)"
awk -v n=25000 'BEGIN {
    printf "{\n  \"Version\": \"1\",\n  \"Statement\": [\n";
    for (i = 0; i < n; i++)
        printf "    {\"Sid\": \"S0\", \"Effect\": \"Allow\", \"Action\": [\"oss:GetObject\", \"oss:PutObject\"], \"Resource\": \"acs:oss:*:*:bucket-0/*\"}%s\n", (i < n - 1 ? "," : "");
    printf "  ]\n}\n";
}' >"$work/findings.json"
for bin in "${bins[@]}"; do
    read -r concise _ concise_cpu < <(measure "$bin" check --exit-zero --quiet --output-format concise "$work/findings.json")
    read -r pretty _ pretty_cpu < <(measure "$bin" check --exit-zero --quiet --output-format pretty "$work/findings.json")
    printf "  %s: concise %.2f (%.2f), pretty %.2f (%.2f): %.1fx\n" "$(basename "$bin")" \
        "$concise" "$concise_cpu" "$pretty" "$pretty_cpu" "$(awk -v a="$pretty" -v b="$concise" 'BEGIN { print a / b }')"
done
fi
