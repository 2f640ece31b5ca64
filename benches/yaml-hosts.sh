#!/usr/bin/env bash
# The yaml host's benchmark: see benches/hosts.sh.
#
#   benches/yaml-hosts.sh [FILES] [RUNS]     (defaults: 20000 files, best of 3 runs)
exec "$(dirname "$0")/hosts.sh" yaml "$@"
