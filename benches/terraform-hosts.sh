#!/usr/bin/env bash
# The terraform host's benchmark: see benches/hosts.sh.
#
#   benches/terraform-hosts.sh [FILES] [RUNS]     (defaults: 20000 files, best of 3 runs)
exec "$(dirname "$0")/hosts.sh" terraform "$@"
