#!/usr/bin/env bash
# The Markdown host's benchmark: `policylint check` over a seeded corpus of Markdown files
# (most of them READMEs, changelogs and SQL notes that hold no policy, some of which speak
# of statements in prose; one in seven a guide with a policy in a `json` fence inside a list
# item, a shell command's `--policy-document '...'` or a YAML template block:
# benches/generate.rs --markdown) against the floor that walks, reads and parses the same
# files with the same Markdown parser (benches/floor.rs --markdown). Files that never say
# `statement` are ruled out by a byte search before any parse, so policylint may well run
# under the floor.
#
#   benches/markdown-hosts.sh [FILES] [RUNS]     (defaults: 20000 files, best of 3 runs)
set -euo pipefail
cd "$(dirname "$0")/.."
files=${1:-20000}
runs=${2:-3}

cargo build --release --quiet --bin policylint --example generate --example floor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
target/release/examples/generate "$work/hosts" "$files" 42 --markdown
guides=$(find "$work/hosts" -name 'guide-*.md' | wc -l)

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
lint=(target/release/policylint check --output-format concise --exit-zero --quiet)
floor=(target/release/examples/floor --markdown)
# Everything, then the guides alone, then the documentation without a policy alone.
mkdir "$work/guides" "$work/others"
find "$work/hosts" -name 'guide-*.md' -exec cp {} "$work/guides/" \;
find "$work/hosts" -name 'README-*.md' -exec cp {} "$work/others/" \;
hosts_lint=$(best "${lint[@]}" "$work/hosts")
hosts_floor=$(best "${floor[@]}" "$work/hosts")
guides_lint=$(best "${lint[@]}" "$work/guides")
guides_floor=$(best "${floor[@]}" "$work/guides")
others_lint=$(best "${lint[@]}" "$work/others")
others_floor=$(best "${floor[@]}" "$work/others")
awk -v f="$files" -v g="$guides" -v hl="$hosts_lint" -v hf="$hosts_floor" \
    -v gl="$guides_lint" -v gf="$guides_floor" -v ol="$others_lint" -v of="$others_floor" \
    -v cores="$(nproc)" 'BEGIN {
    printf "machine: %d cores; best of runs; %d Markdown files, %d of them guides with a policy\n", cores, f, g;
    printf "policylint: %.2f s; floor (walk + read + parse with pulldown-cmark): %.2f s; ratio %.2f\n", hl, hf, hl / hf;
    printf "the %d guides alone: policylint %.2f s, floor %.2f s, ratio %.2f\n", g, gl, gf, gl / gf;
    printf "the %d files without a policy alone: policylint %.2f s, floor %.2f s, ratio %.2f\n", f - g, ol, of, ol / of;
}'
