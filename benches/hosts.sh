#!/usr/bin/env bash
# A host's benchmark: `policylint check` over a seeded corpus of host files against the
# floor that walks, reads and parses the same files with the same parser
# (benches/floor.rs). Most generated files hold no policy (CI workflows and manifests;
# networks and instances; READMEs, changelogs and SQL notes), one in seven does (a ROS
# template; a heredoc, `jsonencode` or a policy-document data source; a guide with a
# policy in a list item's fence, a shell command or a YAML block): benches/generate.rs.
# Files that hold no policy are ruled out by a byte search before any parse, so policylint
# may well run under the floor; the files with a policy are then measured alone.
#
#   benches/hosts.sh yaml|terraform|markdown [FILES] [RUNS]   (defaults: 20000 files, best of 3)
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:?usage: benches/hosts.sh yaml|terraform|markdown [FILES] [RUNS]}
files=${2:-20000}
runs=${3:-3}
case "$kind" in
    yaml) with_policy='stack-*.yaml' name=YAML parser=saphyr-parser ;;
    terraform) with_policy='policy-*.tf' name=Terraform parser=hcl-edit ;;
    markdown) with_policy='guide-*.md' name=Markdown parser=pulldown-cmark ;;
    *) echo "unknown host kind: $kind" >&2; exit 2 ;;
esac

cargo build --release --quiet --bin policylint --example generate --example floor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
target/release/examples/generate "$work/hosts" "$files" 42 "--$kind"
policies=$(find "$work/hosts" -name "$with_policy" | wc -l)

# Best wall time over $runs runs of the command.
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
# The two commands take turns, so that a burst of load weighs on both.
lint=(target/release/policylint check --output-format concise --exit-zero --quiet "$work/hosts")
floor=(target/release/examples/floor "$work/hosts" "--$kind")
lint_s="" floor_s=""
for _ in $(seq "$runs"); do
    l=$(runs=1 best "${lint[@]}")
    f=$(runs=1 best "${floor[@]}")
    if [ -z "$lint_s" ] || awk -v a="$l" -v b="$lint_s" 'BEGIN { exit !(a < b) }'; then lint_s=$l; fi
    if [ -z "$floor_s" ] || awk -v a="$f" -v b="$floor_s" 'BEGIN { exit !(a < b) }'; then floor_s=$f; fi
done
# The files with a policy alone: what linting the policies costs against parsing them.
mkdir "$work/policies"
find "$work/hosts" -name "$with_policy" -exec cp {} "$work/policies/" \;
pl=$(best target/release/policylint check --output-format concise --exit-zero --quiet "$work/policies")
pf=$(best target/release/examples/floor "$work/policies" "--$kind")
awk -v f="$files" -v t="$policies" -v l="$lint_s" -v fl="$floor_s" -v pl="$pl" -v pf="$pf" \
    -v cores="$(nproc)" -v name="$name" -v parser="$parser" 'BEGIN {
    printf "machine: %d cores; best of runs; %d %s files, %d of them with a policy\n", cores, f, name, t;
    printf "policylint: %.2f s; floor (walk + read + parse with %s): %.2f s; ratio %.2f\n", l, parser, fl, l / fl;
    printf "the %d files with a policy alone: policylint %.2f s, floor %.2f s, ratio %.2f\n", t, pl, pf, pl / pf;
}'
