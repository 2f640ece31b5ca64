#!/usr/bin/env bash
# The YAML host's benchmark: `policylint check` over a seeded corpus of YAML files (most
# of them CI workflows, Kubernetes manifests and compose files that hold no policy, one in
# seven a ROS template with a policy: benches/generate.rs --yaml) against the floor that
# walks, reads and parses the same files with the same YAML parser (benches/floor.rs
# --yaml). Files that hold no policy are ruled out by a byte search before any parse, so
# policylint may well run under the floor.
#
#   benches/yaml-hosts.sh [FILES] [RUNS]     (defaults: 20000 files, best of 3 runs)
set -euo pipefail
cd "$(dirname "$0")/.."
files=${1:-20000}
runs=${2:-3}

cargo build --release --quiet --bin policylint --example generate --example floor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
target/release/examples/generate "$work/hosts" "$files" 42 --yaml
templates=$(find "$work/hosts" -name 'stack-*.yaml' | wc -l)

# Best wall time over $runs runs of the command, the two commands taking turns.
best() {
    local best="" wall
    for _ in $(seq "$runs"); do
        /usr/bin/time -f '%e' -o "$work/time" "$@" >/dev/null 2>&1 || true
        wall=$(cat "$work/time")
        if [ -z "$best" ] || awk -v a="$wall" -v b="$best" 'BEGIN { exit !(a < b) }'; then
            best=$wall
        fi
    done
    echo "$best"
}
lint=(target/release/policylint check --output-format concise --exit-zero --quiet "$work/hosts")
floor=(target/release/examples/floor "$work/hosts" --yaml)
lint_s="" floor_s=""
for _ in $(seq "$runs"); do
    l=$(runs=1 best "${lint[@]}")
    f=$(runs=1 best "${floor[@]}")
    if [ -z "$lint_s" ] || awk -v a="$l" -v b="$lint_s" 'BEGIN { exit !(a < b) }'; then lint_s=$l; fi
    if [ -z "$floor_s" ] || awk -v a="$f" -v b="$floor_s" 'BEGIN { exit !(a < b) }'; then floor_s=$f; fi
done
# The templates alone: what linting the policies costs against parsing them.
mkdir "$work/templates"
find "$work/hosts" -name 'stack-*.yaml' -exec cp {} "$work/templates/" \;
tl=$(best target/release/policylint check --output-format concise --exit-zero --quiet "$work/templates")
tf=$(best target/release/examples/floor "$work/templates" --yaml)
awk -v f="$files" -v t="$templates" -v l="$lint_s" -v fl="$floor_s" -v tl="$tl" -v tf="$tf" -v cores="$(nproc)" 'BEGIN {
    printf "machine: %d cores; best of runs; %d YAML files, %d of them templates with a policy\n", cores, f, t;
    printf "policylint: %.2f s; floor (walk + read + parse with saphyr-parser): %.2f s; ratio %.2f\n", l, fl, l / fl;
    printf "the %d templates alone: policylint %.2f s, floor %.2f s, ratio %.2f\n", t, tl, tf, tl / tf;
}'
