#!/usr/bin/env bash
# The access engine's benchmark (issue #25), in one run on one machine (compare ratios
# and growth, not absolute times):
#
#   benches/access.sh [FILES] [STATEMENTS] [RUNS]   (defaults: 10000 files, 5000 statements, best of 3)
#
#   (a) `policylint can` over FILES generated policies (benches/generate.rs), and over a
#       tenth of them;
#   (b) `policylint diff` of two policies of STATEMENTS statements: realistic ones
#       (`generate --pair`: reordered, split, ten statements widened) and one bucket per
#       statement (every resource pattern overlaps every other), one widened;
#   (c) `policylint check --base HEAD` in a git repository of FILES policies where ten
#       files changed, against `policylint check` of the same files;
#   (d) pathological patterns: two policies of 200 statements whose action and resource
#       patterns interleave many `*` (`x:*a*b*c*d*...` against `x:*b*c*d*...`), and the
#       pair `a*b*c*d*` against `*a*b*`.
#
# PL_BIN=... GENERATE=... use binaries built before instead of building.
# Set POLICYLINT_FAST_BUILD=1 to build without whole-program LTO (what the figures in
# the README were taken with on a shared machine; the release profile's LTO makes the
# binary a little faster).
set -euo pipefail
cd "$(dirname "$0")/.."
files=${1:-10000}
statements=${2:-5000}
runs=${3:-3}

if [ -n "${POLICYLINT_FAST_BUILD:-}" ]; then
    export CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16
fi
# PL_BIN and GENERATE take binaries built before (copied out of target/release, say),
# and skip the build.
if [ -z "${PL_BIN:-}" ] || [ -z "${GENERATE:-}" ]; then
    cargo build --release --quiet --bin policylint --example generate
fi
bin=${PL_BIN:-$PWD/target/release/policylint}
generate=${GENERATE:-$PWD/target/release/examples/generate}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Best wall time (s) of $runs runs of a command, and the exit code of the last.
best() {
    local best="" wall code=0
    for _ in $(seq "$runs"); do
        code=0
        /usr/bin/time -f '%e' -o "$work/time" "$@" >/dev/null 2>&1 || code=$?
        wall=$(cat "$work/time" | tail -1)
        if [ -z "$best" ] || awk -v a="$wall" -v b="$best" 'BEGIN { exit !(a < b) }'; then
            best=$wall
        fi
    done
    echo "$best $code"
}

# (a) can
"$generate" "$work/corpus" "$files" 42 >/dev/null
"$generate" "$work/small" $((files / 10)) 42 >/dev/null
read -r can_all can_code < <(best "$bin" can oss:GetObject acs:oss:*:*:reports/2026.csv "$work/corpus" --no-config)
read -r can_small _ < <(best "$bin" can oss:GetObject acs:oss:*:*:reports/2026.csv "$work/small" --no-config)

# (b) diff of two large policies
"$generate" --pair "$statements" "$work/old.json" "$work/new.json" 42
read -r diff_real diff_real_code < <(best "$bin" diff "$work/old.json" "$work/new.json" --no-config)
added_real=$("$bin" diff "$work/old.json" "$work/new.json" --no-config --output-format json | grep -c '"action"' || true)
buckets() {
    awk -v n="$statements" -v widen="$2" 'BEGIN {
        printf "{\"Version\": \"1\", \"Statement\": [\n";
        for (s = 0; s < n; s++) {
            k = (widen ? n - 1 - s : s);
            resource = "acs:oss:*:*:bucket-" k "/*";
            if (widen && k == 17) resource = "acs:oss:*:*:bucket-17*";
            printf "  {\"Effect\": \"Allow\", \"Action\": [\"oss:GetObject\", \"oss:PutObject\"], \"Resource\": \"%s\"}%s\n", resource, (s < n - 1 ? "," : "");
        }
        printf "]}\n";
    }' > "$1"
}
buckets "$work/buckets-old.json" 0
buckets "$work/buckets-new.json" 1
read -r diff_buckets diff_buckets_code < <(best "$bin" diff "$work/buckets-old.json" "$work/buckets-new.json" --no-config)
added_buckets=$("$bin" diff "$work/buckets-old.json" "$work/buckets-new.json" --no-config --output-format json | grep -c '"action"' || true)

# (c) check --base in a repository where ten files changed
repo="$work/repo"
"$generate" "$repo/policies" "$files" 7 >/dev/null
(
    cd "$repo"
    git init -q
    git add -A
    git -c user.name=bench -c user.email=bench@example.com commit -qm base
    # Ten files widened: their first resource becomes every resource.
    for f in $(ls policies/team-000/*.json | head -10); do
        sed -i '0,/"Resource": "[^"]*"/s//"Resource": "*"/' "$f"
    done
)
read -r check_plain _ < <(cd "$repo" && best "$bin" check policies --no-config --output-format json --exit-zero)
read -r check_base _ < <(cd "$repo" && best "$bin" check policies --no-config --output-format json --exit-zero --base HEAD)
new_access=$(cd "$repo" && "$bin" check policies --no-config --output-format json --exit-zero --base HEAD 2>/dev/null | grep -c '"new-access"' || true)

# (d) pathological patterns
interleaved() {
    awk -v shift="$2" 'BEGIN {
        letters = "abcdefghijklmnop";
        printf "{\"Version\": \"1\", \"Statement\": [\n";
        for (s = 0; s < 200; s++) {
            action = "x:"; resource = "acs:oss:*:*:";
            for (i = 0; i < 8; i++) {
                action = action "*" substr(letters, (s + i + shift) % 16 + 1, 1);
                resource = resource "*" substr(letters, (s * 3 + i + shift) % 16 + 1, 1);
            }
            printf "  {\"Effect\": \"%s\", \"Action\": \"%s*\", \"Resource\": \"%s*\"}%s\n", (s % 5 == 0 ? "Deny" : "Allow"), action, resource, (s < 199 ? "," : "");
        }
        printf "]}\n";
    }' > "$1"
}
interleaved "$work/stars-old.json" 0
interleaved "$work/stars-new.json" 1
read -r diff_stars diff_stars_code < <(best "$bin" diff "$work/stars-old.json" "$work/stars-new.json" --no-config)
printf '{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "x:a*b*c*d*", "Resource": "*"}]}\n' > "$work/pair-old.json"
printf '{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "x:*a*b*", "Resource": "*"}]}\n' > "$work/pair-new.json"
read -r diff_pair _ < <(best "$bin" diff "$work/pair-old.json" "$work/pair-new.json" --no-config)

cores=$(nproc)
echo "machine: $cores cores; best of $runs runs; release build${POLICYLINT_FAST_BUILD:+ without LTO}"
printf "(a) can over %d policies: %.2f s (exit %d); over %d: %.2f s\n" "$files" "$can_all" "$can_code" $((files / 10)) "$can_small"
printf "(b) diff of two %d-statement policies, realistic (reordered, split, 10 widened): %.2f s, %d grants added (exit %d)\n" "$statements" "$diff_real" "$added_real" "$diff_real_code"
printf "    diff of two %d-statement policies, one bucket each, one widened: %.2f s, %d grants added (exit %d)\n" "$statements" "$diff_buckets" "$added_buckets" "$diff_buckets_code"
printf "(c) check of %d policies: %.2f s; with --base HEAD (ten changed): %.2f s, %d new-access findings\n" "$files" "$check_plain" "$check_base" "$new_access"
printf "(d) diff of two 200-statement policies of interleaved stars: %.2f s (exit %d: 0 answered, 2 refused as too complex); a*b*c*d* against *a*b*: %.2f s\n" "$diff_stars" "$diff_stars_code" "$diff_pair"
