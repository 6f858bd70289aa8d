# shellcheck shell=bash
# Messages and help for the scripts: each sets $prog before sourcing this.

say() { printf '%s: %s\n' "$prog" "$*" >&2; }
die() { say "$*"; exit 1; }
usage_error() { say "$* (see --help)"; exit 2; }
now_ms() { date +%s%3N; }

# The script's own header comment, from line 2 to `set -euo pipefail`, is its --help.
print_help() {
  sed -n '2,/^set -euo pipefail/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
}
