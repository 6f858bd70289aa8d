#!/usr/bin/env bash
# Holder start-up (issue 4, acceptance): time from `rbdfence hold` start to READY=1, split
# into the phases the holder itself reports in its STATUS= line ("ready in N ms: runtime,
# connect, open, host, lock, map"), on the rbd-fuse + loop backend (the one this kernel
# can run), advisory mode. Each run does what the systemd unit does: `rbdfence acquire`
# (ExecStartPre) then `rbdfence hold` with a NOTIFY_SOCKET listener (a unix datagram socket
# in this script) that timestamps READY=1; then SIGTERM and wait for the exit (unmap,
# release). One warm-up run is not counted. Both builds in the same cluster, interleaved:
# the JIT build (Release, framework-dependent apphost from `dotnet build`) and NativeAOT.
#
#   benchmarks/holder-startup.sh [RUNS]          (default: 10 runs per build)
#
# RBDFENCE_JIT=/path/to/bin/Release/net10.0/rbdfence skips the Release build;
# RBDFENCE_AOT=/path/to/rbdfence skips the NativeAOT publish; RBDFENCE_AOT=none leaves it out.
# Needs: root (FUSE mount, loop devices), rbd-fuse, losetup, python3, the .NET SDK (and for
# NativeAOT gcc or clang plus objcopy, see "Cold start").
set -euo pipefail

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
runs=${1:-10}
need_tools python3 dotnet rbd rbd-fuse losetup
# (A holder of a failed run was stopped by the driver, by its pid.)
bench_dirs holder-startup

jit=${RBDFENCE_JIT:-}
[ -n "$jit" ] || jit=$(build_jit_cli)
aot=${RBDFENCE_AOT:-}
if [ -z "$aot" ] && ! aot=$(publish_aot_cli); then
  echo "NativeAOT publish failed: JIT only" >&2
  aot=none
fi

echo "starting a throwaway cluster in $cluster..." >&2
eval "$("$repo/scripts/ceph-cluster" up --dir "$cluster" --watch-pid $$)"
image=rbd/holder-startup
rbd create --size 64M --image-feature layering "$image"

builds=("JIT=$jit")
[ "$aot" = none ] || builds+=("NativeAOT=$aot")
python3 - "$work" "$image" "$runs" "${builds[@]}" <<'PY'
import atexit, os, re, signal, socket, statistics, subprocess, sys, time

work, image, runs, builds = sys.argv[1], sys.argv[2], int(sys.argv[3]), [b.split("=", 1) for b in sys.argv[4:]]
conf = os.environ["CEPH_CONF"]
phases = ["runtime", "connect", "open", "host", "lock", "map"]
current = []  # the running holder, stopped on any way out (SIGTERM, then SIGKILL)

def stop_current():
    for p in current:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                p.kill()
atexit.register(stop_current)
pattern = re.compile(r"ready in (\d+) ms: " + ", ".join(rf"{p} (\d+)" for p in phases))

def one(name, cli, n):
    sock_path = os.path.join(work, f"notify-{name}-{n}.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(sock_path)
    link = os.path.join(work, "dev", "holder-startup")
    subprocess.run([cli, "acquire", image, "--conf", conf], check=True, stdout=subprocess.DEVNULL)
    log = open(os.path.join(work, f"hold-{name}-{n}.log"), "w")
    env = dict(os.environ, NOTIFY_SOCKET=sock_path)
    t0 = time.monotonic()
    p = subprocess.Popen([cli, "hold", image, "--backend", "fuse", "--interval", "5", "--device-link", link, "--conf", conf],
                         env=env, stdout=log, stderr=subprocess.STDOUT)
    current[:] = [p]
    status, ready = None, None
    sock.settimeout(1)
    deadline = t0 + 60
    while ready is None:
        if time.monotonic() > deadline or p.poll() is not None:
            sys.exit(f"{name} run {n}: no READY=1 (exit {p.poll()}); log: {open(log.name).read()}")
        try:
            msg = sock.recv(4096).decode()
        except socket.timeout:
            continue
        now = time.monotonic()
        for line in msg.split("\n"):
            if line.startswith("STATUS=") and "ready in" in line:
                status = line[7:]
            elif line == "READY=1":
                ready = now
    wall = (ready - t0) * 1000
    if not os.path.exists(os.path.realpath(link)):
        sys.exit(f"{name} run {n}: READY=1 but no device behind {link}")
    m = pattern.search(status or "")
    if not m:
        sys.exit(f"{name} run {n}: no timings in STATUS={status!r}")
    p.send_signal(signal.SIGTERM)
    t1 = time.monotonic()
    rc = p.wait(timeout=60)
    stop = (time.monotonic() - t1) * 1000
    sock.close(); os.unlink(sock_path)
    if rc != 0:
        sys.exit(f"{name} run {n}: exit {rc} after SIGTERM; log: {open(log.name).read()}")
    row = {"wall": wall, "ready": int(m.group(1)), **{p_: int(v) for p_, v in zip(phases, m.groups()[1:])}, "stop": stop}
    print(f"{name:<10} run {n:>2}: wall {wall:6.0f} ms  | {status.split('; ', 1)[1]}  | SIGTERM to exit {stop:5.0f} ms", file=sys.stderr)
    return row

results = {name: [] for name, _ in builds}
for name, cli in builds:
    one(name, cli, 0)  # warm-up: page cache, first FUSE mount
for n in range(1, runs + 1):
    for name, cli in builds:  # interleaved, so that load from elsewhere hits both alike
        results[name].append(one(name, cli, n))

cols = ["wall", "ready"] + phases + ["stop"]
print()
print(f"median of {runs} runs, ms (wall: hold spawned -> READY=1 received; ready: process start -> STATUS, as the holder measures it; stop: SIGTERM -> exit)")
print(f"{'build':<10}" + "".join(f"{c:>9}" for c in cols))
for name, rows in results.items():
    print(f"{name:<10}" + "".join(f"{statistics.median(r[c] for r in rows):>9.0f}" for c in cols))
    print(f"{'  min':<10}" + "".join(f"{min(r[c] for r in rows):>9.0f}" for c in cols))
    print(f"{'  max':<10}" + "".join(f"{max(r[c] for r in rows):>9.0f}" for c in cols))
PY
