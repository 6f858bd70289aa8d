#!/usr/bin/env bash
# What one rbd-fuse start costs (issue 11: the fuse backend starts one per volume): the CPU
# time of the process, in a cgroup of its own, from its exec until its image file answers
# a stat (it mounts, connects with cephx, opens the image), on a throwaway cluster on
# loopback. Each variant runs ROUNDS times, interleaved with the others, and prints every
# figure (ms) and the median:
#   daemonized    what the backend starts (rbd-fuse forks into the background once mounted)
#   foreground    the same with -f: no fork
#   quiet         daemonized with Ceph's client extras off (no admin socket, no central
#                 config from the mon, no log file)
#
#   benchmarks/rbd-fuse-start.sh [ROUNDS]      (default 7)
# Needs root (cgroups, FUSE), rbd-fuse, the Ceph packages scripts/ceph-cluster installs.
set -euo pipefail

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
rounds=${1:-7}
[[ $rounds =~ ^[1-9][0-9]?$ ]] || { echo "rbd-fuse-start: ROUNDS is 1 to 99, got '$rounds'" >&2; exit 2; }
[[ $(id -u) -eq 0 ]] || { echo "rbd-fuse-start: needs root (cgroups, FUSE mounts)" >&2; exit 1; }
need_tools rbd rbd-fuse fusermount
# cgroup v2 (cpu.stat, usec) or the v1 cpuacct hierarchy (cpuacct.usage, ns).
if [[ -f /sys/fs/cgroup/cgroup.controllers ]]; then
  cgroot=/sys/fs/cgroup
elif [[ -d /sys/fs/cgroup/cpuacct ]]; then
  cgroot=/sys/fs/cgroup/cpuacct
else
  echo "rbd-fuse-start: no cgroup with CPU accounting (/sys/fs/cgroup)" >&2; exit 1
fi

bench_dirs rbd-fuse-start
cgroups=()
cleanup_all() {
  local m g
  for m in "$work"/mnt-*; do [[ -d $m ]] && { fusermount -u "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true; }; done
  for g in "${cgroups[@]}"; do rmdir "$g" 2>/dev/null || true; done
  bench_cleanup
}
trap cleanup_all EXIT

eval "$("$repo/scripts/ceph-cluster" up --dir "$cluster")"
rbd create --size 64M --image-feature layering rbd/start

cpu_ms() {
  if [[ -f $1/cpu.stat ]]; then
    awk '/^usage_usec/ { printf "%d\n", $2 / 1000 }' "$1/cpu.stat"
  else
    echo $(($(cat "$1/cpuacct.usage") / 1000000))
  fi
}

# One start: prints its CPU ms; the process is unmounted and waited for before the next.
one() {
  local variant=$1 mnt="$work/mnt-$1" group="$cgroot/rbdfence-fuse-start-$$-$1-$2" extra=() i
  mkdir -p "$mnt" "$group"
  cgroups+=("$group")
  case $variant in
    foreground) extra=(-f) ;;
    quiet) extra=(--admin_socket= --no-mon-config --log_file=) ;;
  esac
  # The shell moves itself into the cgroup, then becomes rbd-fuse.
  bash -c 'echo $$ > "$1/cgroup.procs"; shift; exec "$@"' start "$group" \
    rbd-fuse "$mnt" -c "$CEPH_CONF" -p rbd -r start --id admin "${extra[@]}" >/dev/null 2>&1 &
  local launcher=$!
  for ((i = 0; i < 1000; i++)); do [[ -e $mnt/start ]] && break; sleep 0.01; done
  stat "$mnt/start" >/dev/null || { echo "rbd-fuse-start: $variant: no image file after 10 s" >&2; exit 1; }
  cpu_ms "$group"
  fusermount -u "$mnt"
  wait "$launcher" 2>/dev/null || true
  # A daemonized rbd-fuse exits on its own after the unmount (it closes the image first).
  for ((i = 0; i < 400; i++)); do [[ -n $(<"$group/cgroup.procs") ]] || break; sleep 0.05; done
  rmdir "$group"
}

declare -A figures=()
variants=(daemonized foreground quiet)
one daemonized warmup >/dev/null
for ((r = 1; r <= rounds; r++)); do
  for v in "${variants[@]}"; do
    figure=$(one "$v" "$r")
    [[ $figure =~ ^[0-9]+$ ]] || { echo "rbd-fuse-start: $v: no figure" >&2; exit 1; }
    figures[$v]+="$figure "
  done
done

printf '%-11s %s\n' variant "CPU ms per start (median, then each run)"
for v in "${variants[@]}"; do
  read -ra all <<<"${figures[$v]}"
  median=$(printf '%s\n' "${all[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
  printf '%-11s %s  (%s)\n' "$v" "$median" "${all[*]}"
done
