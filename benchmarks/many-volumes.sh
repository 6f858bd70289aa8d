#!/usr/bin/env bash
# Many volumes on one booted host (issue 11): for each N (default 1 10 50 100) and each
# connection mode (own: a holder process with its own cluster connection per volume;
# shared: connection=shared, every volume held through the host's rbdfence daemon), a
# container (scripts/nspawn-host) boots with N advisory-mode fuse volumes in its
# rbdfencetab and the script prints
#   - all mounted: seconds from the container's systemd starting (its own clock,
#     UserspaceTimestampMonotonic) to the last mount unit becoming active, and, as before,
#     from `nspawn-host boot` returning (once the boot transaction is queued, later on a
#     busy machine) to every mount active;
#   - CPU per volume: CPU time of the volumes' units (holder, acquire, rbd-fuse, losetup:
#     the unit's cgroup) plus the daemon's, divided by N, once all are mounted;
#   - the same N volumes mapped and mounted the rbdmap way, in the same run: serially, one
#     process a line (rbd-fuse + losetup + mount; rbdmap runs `rbd map` a line, and krbd
#     is not in this kernel), from the same network namespace, no lock taken;
#   - per held volume, with all N held and settled (25 s: the runtime retires idle pool
#     threads after 20 s): what rbdfence adds, Pss (MiB) and threads summed over the
#     volumes' unit processes and, shared, the daemon, divided by N; rbd-fuse's the same,
#     counted apart (the map backend's);
#   - stop target: with all N held and another host (a second network namespace) waiting
#     on every one of them (`rbdfence acquire --wait`), seconds from `systemctl stop
#     rbdfence.target` in the container until every volume unit has stopped (unmounted,
#     unmapped, released: ExecStopPost is part of the stop), and until the last waiter on
#     the other host held its volume ("waiters hold", which needs every release); and, to
#     stderr, where the stop went per volume (unmount, holder to its release, after it);
#   - power-off: seconds for the container to stop after that (nothing held any more).
# Then checks that nothing is left (no lock on any image once the waiters let go).
# Everything runs in the project's own network namespaces (cluster, two hosts); nothing
# touches the root namespace's network.
#
#   benchmarks/many-volumes.sh [--install DIR] [--connection own|shared] [--busy N] [--bind DIR] [N ...]
#
#   --install DIR     an install tree (scripts/install --destdir DIR) instead of building one
#   --connection C    only that mode (default: both, own first)
#   --busy N          N busy loops beside each boot, until every volume is mounted (a loaded
#                     machine, as the boot test has two); the baseline runs beside them too
#   --bind DIR        bind DIR read-write into the booted host at the same place (the image
#                     files of benchmarks/free-data-path.sh's stand-in for rbd-fuse)
# Needs root, systemd-nspawn, rbd-fuse, losetup, the .NET SDK (without --install).
set -euo pipefail

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
install_dir=''
counts=()
connections=(own shared)
busy=0
binds=()
while (($#)); do
  case $1 in
    -h | --help) sed -n '2,/^set -euo pipefail/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    --install) [[ $# -ge 2 && -d $2 ]] || { echo "many-volumes: --install needs an install tree" >&2; exit 2; }
      install_dir=$(cd "$2" && pwd); shift 2 ;;
    --connection) [[ $# -ge 2 && $2 =~ ^(own|shared)$ ]] || { echo "many-volumes: --connection is own or shared" >&2; exit 2; }
      connections=("$2"); shift 2 ;;
    --busy) [[ $# -ge 2 && $2 =~ ^[0-9]$ ]] || { echo "many-volumes: --busy is 0 to 9 loops" >&2; exit 2; }
      busy=$2; shift 2 ;;
    --bind) [[ $# -ge 2 && $2 == /* && -d $2 ]] || { echo "many-volumes: --bind needs an existing absolute directory" >&2; exit 2; }
      binds+=(--bind "$2"); shift 2 ;;
    *) [[ $1 =~ ^[1-9][0-9]{0,2}$ ]] || { echo "many-volumes: a count is 1 to 999, got '$1'" >&2; exit 2; }
      counts+=("$1"); shift ;;
  esac
done
((${#counts[@]})) || counts=(1 10 50 100)
[[ $(id -u) -eq 0 ]] || { echo "many-volumes: needs root (namespaces, containers, loop devices)" >&2; exit 1; }
need_tools systemd-nspawn rbd rbd-fuse losetup mkfs.ext4
max=0
for n in "${counts[@]}"; do ((n > max)) && max=$n; done

work=$(mktemp -d /tmp/rbdfence-many.XXXXXX)
cluster=$work/cluster
prefix=rfm$(printf '%04x' $((RANDOM)))
subnet=10.77.249
host=$prefix-host
baseline_mounts=$work/baseline
busy_pids=()
start_busy() { local b; for ((b = 0; b < busy; b++)); do (while :; do :; done) & busy_pids+=($!); done; }
stop_busy() { ((${#busy_pids[@]} == 0)) || kill "${busy_pids[@]}" 2>/dev/null || true; busy_pids=(); }
cleanup() {
  local status=$?
  trap - EXIT
  stop_busy
  "$repo/scripts/nspawn-host" stop "$host" --timeout 60 >/dev/null 2>&1 || true
  unmount_baseline || true
  "$repo/scripts/ceph-cluster" down --dir "$cluster" >/dev/null 2>&1 || true
  "$repo/scripts/ceph-cluster" netns-down --prefix "$prefix" >/dev/null 2>&1 || true
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# Nanoseconds of the wall clock, without a process (a waiter's stamp is taken while 50 of
# them wake at once).
now() { local t=${EPOCHREALTIME/./}; echo "${t}000"; }
secs() { awk -v ns="$1" 'BEGIN { printf "%.2f", ns / 1e9 }'; }
in_host_ns() { ip netns exec "$prefix-h1" "$@"; }
# The waiting host: the installed CLI in the second namespace, its leases in a directory of its own.
on_waiter() { RBDFENCE_STATE_DIR=$work/waiter-state timeout 300 ip netns exec "$prefix-h2" "$install_dir/usr/bin/rbdfence" "$@"; }

if [[ -z $install_dir ]]; then
  echo "building the install tree (NativeAOT)..." >&2
  "$repo/scripts/install" --destdir "$work/install" >&2
  install_dir=$work/install
fi

"$repo/scripts/ceph-cluster" netns-up --prefix "$prefix" --hosts 2 --subnet "$subnet" >&2
mkdir -p "$cluster"
eval "$("$repo/scripts/ceph-cluster" up --dir "$cluster" --netns "$prefix-cluster" --addr "$subnet.1" --watch-pid $$)"
export CEPH_CONF

echo "creating $max images (32 MiB, ext4, layering only)..." >&2
truncate -s 32M "$work/fs.img"
mkfs.ext4 -q -F "$work/fs.img"
for i in $(seq 1 "$max"); do
  in_host_ns rbd import --no-progress --image-feature layering "$work/fs.img" "rbd/many$(printf %03d "$i")"
done
rm -f "$work/fs.img"
volume() { printf 'rbd/many%03d' "$1"; }

# The rbdmap way: serially, a line at a time, map and mount; then all unmounted again.
baseline() {
  local n=$1 i dir loop
  mkdir -p "$baseline_mounts"
  for ((i = 1; i <= n; i++)); do
    dir=$baseline_mounts/fuse$i
    mkdir -p "$dir" "$baseline_mounts/mnt$i"
    # The host's network namespace only: `ip netns exec` would also give rbd-fuse a mount
    # namespace of its own, and its FUSE mount would be invisible here.
    nsenter --net="/run/netns/$prefix-h1" rbd-fuse "$dir" -c "$CEPH_CONF" -p rbd -r "$(basename "$(volume "$i")")" --rbd_cache=false
    until [[ -e $dir/$(basename "$(volume "$i")") ]]; do sleep 0.01; done
    loop=$(losetup --find --show "$dir/$(basename "$(volume "$i")")")
    mount "$loop" "$baseline_mounts/mnt$i"
  done
}
unmount_baseline() {
  local dir loop
  [[ -d $baseline_mounts ]] || return 0
  for dir in "$baseline_mounts"/mnt*; do mountpoint -q "$dir" && umount "$dir"; done
  losetup -l -n -O NAME,BACK-FILE | awk -v root="$baseline_mounts/" 'index($2, root) == 1 { print $1 }' |
    while read -r loop; do losetup -d "$loop"; done
  for dir in "$baseline_mounts"/fuse*; do mountpoint -q "$dir" && fusermount -u "$dir"; done
  sleep 0.5
  rm -rf "$baseline_mounts"
}

on() { "$repo/scripts/nspawn-host" run "$host" "$@"; }
# Where a stop of the target went, from the container's own clock, per volume (median and
# max over the N): the unmount (its mount unit stopping), the holder up to its release (from
# its SIGTERM to the journal's "unmapped; lock released": unmap, unlock, wake), after it
# (the holder's exit, ExecStopPost, PID 1); and the last unit's end from the first unmount's
# start. To stderr, a line per row.
stop_phases() {
  local n=$1 i units=() rows
  for ((i = 1; i <= n; i++)); do units+=("$(printf 'srv-v%03d.mount' "$i")" "$(printf 'rbdfence@rbd-many%03d.service' "$i")"); done
  # A row per volume: unmount, until released, after it, end (seconds).
  rows=$( {
    on systemctl show -p Id,ActiveExitTimestampMonotonic,InactiveEnterTimestampMonotonic "${units[@]}"
    on journalctl -q -o short-monotonic --no-pager -g 'unmapped; lock released' | sed -n 's/^\[ *\([0-9.]*\)\].*rbd\/many\([0-9]*\): unmapped; lock released.*/released=\2 \1/p'
  } | tr -d '\r' | awk -F= '
      $1 == "Id" { id = $2; next }
      $1 == "ActiveExitTimestampMonotonic" { left[id] = $2 / 1e6 }
      $1 == "InactiveEnterTimestampMonotonic" { down[id] = $2 / 1e6 }
      $1 == "released" { split($2, r, " "); released[r[1]] = r[2] } # the last one: a unit that restarted released more than once
      END {
        for (u in left) if (u ~ /[.]mount$/ && (first == "" || left[u] < first)) first = left[u]
        for (u in left) {
          if (u !~ /[.]mount$/) continue
          v = u; sub(/^srv-v/, "", v); sub(/[.]mount$/, "", v); s = "rbdfence@rbd-many" v ".service"
          printf "%.3f %.3f %.3f %.3f\n", down[u] - left[u], released[v] - left[s], down[s] - released[v], down[s] - first
        }
      }')
  # Median and max of column $1.
  column_stats() { sort -n -k "$1,$1" <<<"$rows" | awk -v c="$1" '{ v[NR] = $c } END { printf "%.2f/%.2f s", v[int((NR + 1) / 2)], v[NR] }'; }
  echo "many-volumes: stop of $n volumes, median/max per volume: unmount $(column_stats 1), holder to its release $(column_stats 2)," \
    "after the release $(column_stats 3); the last unit down $(sort -n -k 4,4 <<<"$rows" | tail -n 1 | awk '{ printf "%.2f", $4 }') s after the first unmount began" >&2
}
# Sum of Pss (kB) and threads of the processes named $1 in the container whose cgroup
# matches $2 (seen from here: the processes of its systemd's tree, found by their cgroup
# under the container's), and their count.
usage_of() {
  local pid pss=0 threads=0 n=0 p t
  for pid in $(pgrep -x "$1"); do
    grep -q "$2" "/proc/$pid/cgroup" 2>/dev/null || continue
    p=$(awk '/^Pss:/ { print $2 }' "/proc/$pid/smaps_rollup" 2>/dev/null) || continue
    t=$(awk '/^Threads:/ { print $2 }' "/proc/$pid/status" 2>/dev/null) || continue
    pss=$((pss + p)); threads=$((threads + t)); n=$((n + 1))
  done
  echo "$pss $threads $n"
}

printf '%5s %10s %12s %12s %16s %7s %10s %18s %18s %18s %12s %14s %10s\n' N connection "from start" "all mounted" "rbdmap serial" ratio "CPU/vol" "holder Pss/vol" "holder thr/vol" "rbd-fuse Pss/vol" "stop target" "waiters hold" "power-off"
for n in "${counts[@]}"; do
for connection in "${connections[@]}"; do
  start_busy
  start=$(now)
  baseline "$n"
  serial=$(($(now) - start))
  unmount_baseline

  mkdir -p "$work/etc-ceph"
  : >"$work/etc-ceph/rbdfencetab"
  for ((i = 1; i <= n; i++)); do
    printf '%s /srv/v%03d ext4 defaults backend=fuse,conf=%s,connection=%s\n' "$(volume "$i")" "$i" "$CEPH_CONF" "$connection" >>"$work/etc-ceph/rbdfencetab"
  done
  "$repo/scripts/nspawn-host" boot "$host" --netns "$prefix-h1" --install "$install_dir" --etc-ceph "$work/etc-ceph" \
    --bind-ro "$cluster" "${binds[@]}" --watch-pid $$ --loop-devices $((n + 16)) >/dev/null
  start=$(now)
  deadline=$((SECONDS + 300))
  until (($(on systemctl list-units --type=mount --state=active --no-legend --plain 'srv-v*.mount' | wc -l) >= n)); do
    ((SECONDS < deadline)) || { echo "many-volumes: $n volumes not all mounted within 300 s" >&2; on systemctl list-units 'rbdfence@*' >&2; exit 1; }
    sleep 0.5 # each look is a systemctl call into the booting container's busy PID 1: few
  done
  converged=$(($(now) - start))
  stop_busy
  # The container's own clock: its systemd's start to the last mount active (one kernel, so one CLOCK_MONOTONIC).
  booted=$(on systemctl show -P UserspaceTimestampMonotonic | tr -d '\r')
  last_mount=$(on systemctl show -P ActiveEnterTimestampMonotonic $(for ((i = 1; i <= n; i++)); do printf 'srv-v%03d.mount ' "$i"; done) | sort -n | tail -n 1 | tr -d '\r')
  from_start=$(((last_mount - booted) * 1000))
  # CPU of the volumes' units and the daemon, read from the container's cgroups here (the
  # acquire and map processes are gone; their time stays in the unit's cgroup).
  cgroup_root=$(findmnt -n -t cgroup2 -o TARGET | head -n 1)
  leader=$(pgrep -P "$(cat "/run/rbdfence-nspawn/$host/pid")" | head -n 1)
  container_cgroup=$cgroup_root$(awk -F: '$1 == "0" { print $3 }' "/proc/$leader/cgroup")
  container_cgroup=${container_cgroup%/init.scope}
  # (No daemon with connection=own: a missing file is no usage.)
  cpu_usec=$({ cat "$container_cgroup"/system.slice/system-rbdfence.slice/*/cpu.stat "$container_cgroup"/system.slice/rbdfenced.service/cpu.stat 2>/dev/null || true; } |
    awk '$1 == "usage_usec" { s += $2 } END { print s + 0 }')
  sleep 25 # guard checks, and idle pool threads retired: steady state
  read -r hpss hthreads hn < <(usage_of rbdfence 'rbdfence@')
  read -r dpss dthreads dn < <(usage_of rbdfence 'rbdfenced')
  read -r fpss _ fn < <(usage_of rbd-fuse 'rbdfence@')
  ((hn == n)) || echo "many-volumes: expected $n holders, found $hn" >&2
  [[ $connection == own ]] || ((dn == 1)) || echo "many-volumes: expected one rbdfence daemon, found $dn" >&2
  hpss=$((hpss + dpss)) hthreads=$((hthreads + dthreads))

  # Another host waits on every volume; each waiter stamps the moment it holds its volume.
  rm -rf "$work/woke" && mkdir -p "$work/woke" "$work/waiter-state"
  waiters=()
  for ((i = 1; i <= n; i++)); do
    (on_waiter acquire "$(volume "$i")" --wait --conf "$CEPH_CONF" >/dev/null 2>"$work/woke/$i.err" && now >"$work/woke/$i") &
    waiters+=($!)
  done
  sleep 10 # every waiter connected and watching
  for ((i = 1; i <= n; i++)); do
    [[ ! -e $work/woke/$i ]] || { echo "many-volumes: the other host took $(volume "$i") from a live holder" >&2; exit 1; }
  done
  start=$(now)
  # Stopping the target stops its volumes (PartOf=), but systemctl waits only for the jobs
  # of the units it names: naming the volume units too makes it return when every one has
  # stopped (unmounted, unmapped, released, ExecStopPost done), with no polling into the
  # busy container while it stops (a systemctl call into it every 50 ms took CPU and PID 1
  # time from the stop being measured).
  on systemctl stop rbdfence.target 'rbdfence@*.service'
  target_stopped=$(($(now) - start))
  [[ -z $(on systemctl list-units 'rbdfence@*' --all --no-legend --plain --state=active,activating,deactivating,reloading) ]] ||
    { echo "many-volumes: volume units still running after the stop" >&2; exit 1; }
  stop_phases "$n"
  for pid in "${waiters[@]}"; do
    wait "$pid" || { echo "many-volumes: a waiter failed: $(cat "$work"/woke/*.err)" >&2; exit 1; }
  done
  last_woke=$(sort -n "$work"/woke/[0-9]* | tail -n 1)
  woken=$((last_woke - start))
  start=$(now)
  "$repo/scripts/nspawn-host" stop "$host" --timeout 60 >&2
  stopped=$(($(now) - start))
  for ((i = 1; i <= n; i++)); do
    on_waiter release "$(volume "$i")" --conf "$CEPH_CONF" >/dev/null
    [[ $(in_host_ns rbd lock ls --format json "$(volume "$i")") == "[]" ]] || { echo "many-volumes: $(volume "$i") still locked at the end" >&2; exit 1; }
  done
  printf '%5d %10s %11ss %11ss %15ss %6sx %7.0f ms %14.1f MiB %18.1f %14.1f MiB %11ss %13ss %9ss\n' "$n" "$connection" "$(secs "$from_start")" "$(secs "$converged")" "$(secs "$serial")" \
    "$(awk -v a="$from_start" -v b="$serial" 'BEGIN { printf "%.2f", a / b }')" "$(awk -v u="$cpu_usec" -v n="$n" 'BEGIN { print u / 1000 / n }')" \
    "$(awk -v p="$hpss" -v n="$n" 'BEGIN { print p / 1024 / n }')" "$(awk -v t="$hthreads" -v n="$n" 'BEGIN { print t / n }')" \
    "$(awk -v p="$fpss" -v n="$((fn > 0 ? fn : 1))" 'BEGIN { print p / 1024 / n }')" "$(secs "$target_stopped")" "$(secs "$woken")" "$(secs "$stopped")"
done
done
