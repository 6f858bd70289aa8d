#!/usr/bin/env bash
# The fencing hot path (issue 3, "Benchmarks"): starts a throwaway cluster, creates an
# advisory-mode image (no exclusive-lock feature), checks the hand-encoded cls_lock ops,
# runs the BenchmarkDotNet suite benchmarks/Rbdfence.Benchmarks (one class, ratios against
# the raw cls_lock floor, [MemoryDiagnoser]), prints the issue's two ratios, tears down.
# Before the suite: --sanity (the hand-encoded cls_lock ops take and drop the lock, as
# `rbd lock ls` sees it), --alloc-probe (0 B per acquire+release and per holder check) and
# --paired (raw floor and rbdfence interleaved in short blocks: the drift-proof ratio).
#
#   benchmarks/run-fencing-benchmarks.sh [BenchmarkDotNet args...]   (default: --filter '*')
#
# RBDFENCE_BENCH_RESULTS=DIR   where BenchmarkDotNet's reports go (default: a new /tmp dir, kept)
# RBDFENCE_BENCH_ITERATIONS=N  measured iterations per benchmark (default 30; ~4 min in all)
# Needs: the .NET SDK, python3, and what scripts/ceph-cluster needs (it installs Ceph).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
project=$repo/benchmarks/Rbdfence.Benchmarks
results=${RBDFENCE_BENCH_RESULTS:-$(mktemp -d /tmp/rbdfence-fencing-results.XXXXXX)}
cluster=$(mktemp -d /tmp/rbdfence-fencing-cluster.XXXXXX)
cleanup() {
  "$repo/scripts/ceph-cluster" down --dir "$cluster" >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

args=("$@")
[ ${#args[@]} -gt 0 ] || args=(--filter '*')

echo "building benchmarks (Release)..." >&2
dotnet build "$project" -c Release -nologo -v quiet >&2
dll=$project/bin/Release/net10.0/Rbdfence.Benchmarks.dll

echo "starting a throwaway cluster in $cluster..." >&2
# --watch-pid: the cluster goes down by itself even if this script is SIGKILLed.
eval "$("$repo/scripts/ceph-cluster" up --dir "$cluster" --watch-pid $$)"
export RBDFENCE_BENCH_IMAGE=rbd/rbdfence-bench
rbd create --size 16 --image-feature layering "$RBDFENCE_BENCH_IMAGE"

dotnet "$dll" --sanity
# Allocations counted on the calling thread and process-wide, after a warm-up: the
# definitive 0 B check (BenchmarkDotNet's in-process figure is process-wide and can catch a
# background thread's one-off allocation, e.g. tiered JIT, as a few B/op).
dotnet "$dll" --alloc-probe 5000
# The raw floor and rbdfence interleaved in one process: a ratio load drift cannot skew.
dotnet "$dll" --paired 40

RBDFENCE_BENCH_ARTIFACTS=$results dotnet "$dll" "${args[@]}"

csv=$results/results/Rbdfence.Benchmarks.FencingBenchmarks-report.csv
[ -f "$csv" ] || { echo "no report at $csv" >&2; exit 1; }
python3 - "$csv" <<'PY'
import csv, re, sys
unit = {"ns": 1e-6, "us": 1e-3, "μs": 1e-3, "ms": 1.0, "s": 1e3}
def ms(text):
    value, u = text.replace(",", "").split()
    return float(value) * unit[u]
rows = {r["Method"]: r for r in csv.DictReader(open(sys.argv[1], encoding="utf-8"))}
def get(name, column="Mean"):
    return ms(rows[name][column]) if name in rows else None
print()
print(f"{'benchmark':<26}{'mean ms':>12}{'median ms':>12}{'allocated':>12}")
for name, r in rows.items():
    print(f"{name:<26}{ms(r['Mean']):>12.4f}{ms(r['Median']):>12.4f}{r['Allocated']:>12}")
fence, raw, cli = get("RbdfenceAcquireRelease"), get("RawClsLockViaExec"), get("RbdCliLockAddRm")
fence_med, raw_med, cli_med = (get(n, "Median") for n in ("RbdfenceAcquireRelease", "RawClsLockViaExec", "RbdCliLockAddRm"))
print()
if fence and cli:
    print(f"CLI / rbdfence:  {cli / fence:8.1f}x (mean), {cli_med / fence_med:8.1f}x (median)   target >= 100x")
if fence and raw:
    print(f"rbdfence / raw:  {fence / raw:8.2f}x (mean), {fence_med / raw_med:8.2f}x (median)   target <= 1.2x")
for name in ("RbdfenceAcquireRelease", "HolderGuardCheck"):
    if name in rows:
        print(f"{name} allocated: {rows[name]['Allocated']}   target 0 B")
PY
echo "reports: $results/results" >&2
