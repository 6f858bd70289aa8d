#!/usr/bin/env bash
# Holder memory (issue 4, acceptance): the resident size of one `rbdfence hold` process and
# of N (default 20) held volumes on one host, rbd-fuse + loop backend, advisory mode. Each
# volume is acquired (the unit's ExecStartPre) and held with its own NOTIFY_SOCKET listener;
# the next holder starts once the previous one sent READY=1. With all of them held, after
# a settle time of a few guard checks, it reads for every holder and every rbd-fuse (each
# FUSE mapping has its own, daemonized, not a child of the holder): VmRSS and VmHWM from
# /proc/PID/status, Pss and Private (clean + dirty) from /proc/PID/smaps_rollup. Pss shares
# each shared page among the processes mapping it, so its sum is the fair total for N.
# Then SIGTERM to every holder, and checks that nothing is left: no holder, no rbd-fuse
# of this cluster, no loop device on a FUSE image, no mount or directory under the FUSE
# root, no device link, no lock on any image. Tears the cluster down.
#
#   benchmarks/holder-memory.sh [N] [SETTLE_SECONDS]     (default: 20 volumes, 15 s)
#
# RBDFENCE_CLI=/path/to/rbdfence uses that binary; otherwise NativeAOT is published, and
# if that fails the Release JIT build is used (the output says which).
# Needs: root, rbd-fuse, losetup, python3, the .NET SDK.
set -euo pipefail

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
count=${1:-20}
settle=${2:-15}
need_tools python3 dotnet rbd rbd-fuse losetup
# (The driver stops its holders by pid on any way out; the cluster's `down` removes any
# FUSE mount and loop device left on it and kills processes naming its directory.)
bench_dirs holder-memory

cli=${RBDFENCE_CLI:-}
if [ -z "$cli" ] && ! cli=$(publish_aot_cli); then
  echo "NativeAOT publish failed: using the Release JIT build" >&2
  cli=$(build_jit_cli)
fi
if [ -f "$(dirname "$cli")/rbdfence.dll" ]; then kind="JIT (framework-dependent)"; else kind="NativeAOT"; fi
echo "holder binary: $cli ($kind)" >&2

echo "starting a throwaway cluster in $cluster..." >&2
eval "$("$repo/scripts/ceph-cluster" up --dir "$cluster" --watch-pid $$)"
for i in $(seq -w 1 "$count"); do
  rbd create --size 64M --image-feature layering "rbd/mem$i"
done

timeout --foreground -k 10 $((count * 60 + settle + 180)) \
python3 - "$work" "$cli" "$kind" "$count" "$settle" <<'PY'
import atexit, glob, json, os, selectors, signal, socket, subprocess, sys, threading, time

work, cli, kind, count, settle = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
conf = os.environ["CEPH_CONF"]
width = len(str(count))
images = [f"rbd/mem{i:0{width}d}" for i in range(1, count + 1)]
fuse_root = "/run/rbdfence/fuse"
holders = []

def stop_all():
    for p in holders:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 90
    for p in holders:
        try:
            p.wait(timeout=max(1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
atexit.register(stop_all)

def argv(pid):
    try:
        return open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")
    except OSError:
        return []

def fuse_pids():
    """rbd-fuse processes of this cluster (started with -c CEPH_CONF)."""
    return [int(d) for d in os.listdir("/proc") if d.isdigit()
            and (a := argv(d)) and os.path.basename(a[0]) == b"rbd-fuse" and conf.encode() in a]

def memory(pid):
    kb = {}
    for line in open(f"/proc/{pid}/status"):
        k, _, v = line.partition(":")
        if k in ("VmRSS", "VmHWM", "RssAnon", "RssFile", "Threads"):
            kb[k] = int(v.split()[0])
    for line in open(f"/proc/{pid}/smaps_rollup"):
        k, _, v = line.partition(":")
        if k in ("Pss", "Private_Clean", "Private_Dirty"):
            kb[k] = int(v.split()[0])
    kb["Private"] = kb.pop("Private_Clean") + kb.pop("Private_Dirty")
    return kb

# One listener per holder, like systemd's, open (and drained) for the holder's whole life:
# the watchdog pings keep coming, and a full or closed socket would be the holder's problem.
sockets, ready = [], set()
def drain():
    while True:
        for key, _ in selector.select(timeout=0.5):
            if b"READY=1" in key.fileobj.recv(4096).split(b"\n"):
                ready.add(key.data)
selector = selectors.DefaultSelector()
threading.Thread(target=drain, daemon=True).start()

for n, image in enumerate(images):
    sock_path = os.path.join(work, f"notify-{n}.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(sock_path)
    sockets.append(sock)
    selector.register(sock, selectors.EVENT_READ, n)
    subprocess.run([cli, "acquire", image, "--conf", conf], check=True, stdout=subprocess.DEVNULL)
    log = open(os.path.join(work, f"hold-{n}.log"), "w")
    p = subprocess.Popen([cli, "hold", image, "--backend", "fuse", "--interval", "5",
                          "--device-link", os.path.join(work, "dev", image.replace("/", "-")), "--conf", conf],
                         env=dict(os.environ, NOTIFY_SOCKET=sock_path), stdout=log, stderr=subprocess.STDOUT)
    holders.append(p)
    deadline = time.monotonic() + 60
    while n not in ready:
        if time.monotonic() > deadline or p.poll() is not None:
            sys.exit(f"{image}: no READY=1 (exit {p.poll()}); log: {open(log.name).read()}")
        time.sleep(0.05)
    print(f"{image}: ready (holder pid {p.pid})", file=sys.stderr)

print(f"all {count} held; settling {settle} s (guard checks every 5 s)...", file=sys.stderr)
time.sleep(settle)
if any(p.poll() is not None for p in holders):
    sys.exit("a holder exited while held")
fuse = fuse_pids()
if len(fuse) != count:
    sys.exit(f"expected {count} rbd-fuse processes, found {len(fuse)}")
hm = [memory(p.pid) for p in holders]
fm = [memory(pid) for pid in fuse]

def mib(kb): return f"{kb / 1024:8.1f}"
cols = ["VmRSS", "Pss", "Private", "RssAnon", "RssFile", "VmHWM"]
print()
print(f"holder binary: {kind}; {count} volumes held (rbd-fuse + loop, advisory), after {settle} s; MiB")
print(f"{'':<34}" + "".join(f"{c:>9}" for c in cols) + f"{'Threads':>9}")
def row(label, values, agg):
    print(f"{label:<34}" + "".join(f" {mib(agg(v[c] for v in values))}" for c in cols) + f"{agg(v['Threads'] for v in values):>9.0f}")
import statistics
row("one holder (median)", hm, statistics.median)
row("one holder (max)", hm, max)
row(f"{count} holders (sum)", hm, sum)
row("one rbd-fuse (median)", fm, statistics.median)
row(f"{count} rbd-fuse (sum)", fm, sum)
both = hm + fm
row(f"{count} volumes: holders + rbd-fuse", both, sum)
print("(sums of VmRSS count shared pages once per process; the sum of Pss is the host's real share)")

print(file=sys.stderr)
print("stopping every holder (SIGTERM)...", file=sys.stderr)
t0 = time.monotonic()
stop_all()
codes = [p.returncode for p in holders]
print(f"all stopped in {time.monotonic() - t0:.1f} s; exit codes: {sorted(set(codes))}")
left = []
if any(c != 0 for c in codes):
    left.append(f"exit codes {codes}")
time.sleep(1)
if fuse_pids():
    left.append(f"rbd-fuse processes {fuse_pids()}")
loops = json.loads(subprocess.run(["losetup", "-J", "-l"], capture_output=True, text=True).stdout or '{"loopdevices": []}')
ours = [d for d in loops.get("loopdevices", []) if any(f"{fuse_root}/" in (d.get("back-file") or "") and i.split("/")[1] in d["back-file"] for i in images)]
if ours:
    left.append(f"loop devices {ours}")
mounts = [l for l in open("/proc/mounts") if any(i.replace("/", "") in l or i.split("/")[1] in l for i in images) and fuse_root in l]
if mounts:
    left.append(f"mounts {mounts}")
dirs = [d for d in glob.glob(f"{fuse_root}/*") if any(i.split("/")[1] in d for i in images)]
if dirs:
    left.append(f"directories {dirs}")
links = glob.glob(os.path.join(work, "dev", "*"))
if links:
    left.append(f"device links {links}")
for image in images:
    locks = subprocess.run(["rbd", "lock", "ls", "--format", "json", image], capture_output=True, text=True, check=True).stdout.strip()
    if locks not in ("[]", "{}", ""):
        left.append(f"lock on {image}: {locks}")
if left:
    sys.exit("left behind: " + "; ".join(left) + "\nfirst holder's log:\n" + open(os.path.join(work, "hold-0.log")).read())
print(f"nothing left behind: no holder, no rbd-fuse, no loop device, no FUSE mount or directory under {fuse_root}, no device link, no lock")
PY
