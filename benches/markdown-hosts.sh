#!/usr/bin/env bash
# The markdown host's benchmark: see benches/hosts.sh.
#
#   benches/markdown-hosts.sh [FILES] [RUNS]     (defaults: 20000 files, best of 3 runs)
exec "$(dirname "$0")/hosts.sh" markdown "$@"
