#!/usr/bin/env bash
# Cold start (issue 3, acceptance): process start to exit of the NativeAOT `rbdfence status`
# on an image whose lock is held by a peer (`rbd lock add`), against Ceph's own
# `rbd lock ls` on the same image, in the same hyperfine run; the JIT build of rbdfence
# (framework-dependent apphost, no ReadyToRun) is measured too, for context, and so is the
# floor every librados process pays: `rados stat` of the header object (connect, cephx,
# maps, one op, shutdown). Starts its own
# throwaway cluster, publishes both builds, prints the ratios, tears everything down.
#
#   benchmarks/cold-start.sh [RUNS]          (default: 40 runs per command, 5 warmup runs)
#
# RBDFENCE_CLI=/path/to/rbdfence skips the NativeAOT publish (the JIT build is still made).
# RBDFENCE_COLDSTART_JSON=FILE keeps hyperfine's JSON export.
# Needs: hyperfine (apt-get install hyperfine), python3, the .NET SDK, and for NativeAOT a C
# toolchain: clang, or gcc as ILCompiler's fallback when no `clang` is on PATH, plus objcopy
# (binutils). zlib is linked from the ILCompiler package (libz.a), no zlib1g-dev needed.
set -euo pipefail

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
runs=${1:-40}
need_tools hyperfine python3 dotnet rbd
bench_dirs coldstart

aot=${RBDFENCE_CLI:-}
[ -n "$aot" ] || aot=$(publish_aot_cli)
echo "publishing rbdfence (JIT, framework-dependent)..." >&2
dotnet publish "$repo/src/Rbdfence.Cli" -c Release -r linux-x64 --self-contained false \
  -p:PublishAot=false -o "$work/jit" -nologo -v quiet >&2
jit=$work/jit/rbdfence
file -L "$aot" "$jit" 2>/dev/null | sed 's/, BuildID[^,]*//' >&2 || true

echo "starting a throwaway cluster in $cluster..." >&2
eval "$("$repo/scripts/ceph-cluster" up --dir "$cluster" --watch-pid $$)"
image=rbd/coldstart
rbd create --size 16 --image-feature layering "$image"
# The peer: a lock taken by Ceph's own CLI, as the Kubernetes plugin left them.
rbd lock add "$image" peer-host-cookie
header=rbd_header.$(rbd info --format json "$image" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')

# Both commands must work (and show the peer's lock) before they are timed.
"$aot" status "$image" >&2
rbd lock ls "$image" >&2

json=${RBDFENCE_COLDSTART_JSON:-$work/hyperfine.json}
hyperfine -N --warmup 5 --runs "$runs" --export-json "$json" \
  -n "rbdfence status (NativeAOT)" "$aot status $image" \
  -n "rbd lock ls" "rbd lock ls $image" \
  -n "rbdfence status (JIT)" "$jit status $image" \
  -n "rados stat (connect floor)" "rados -p ${image%%/*} stat $header"

python3 - "$json" <<'PY'
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
aot, cli, jit = (results[n] for n in ("rbdfence status (NativeAOT)", "rbd lock ls", "rbdfence status (JIT)"))
print()
print(f"{'command':<30}{'mean ms':>10}{'± ms':>8}{'median ms':>11}{'min ms':>9}")
for name, r in results.items():
    print(f"{name:<30}{r['mean']*1e3:>10.1f}{r['stddev']*1e3:>8.1f}{r['median']*1e3:>11.1f}{r['min']*1e3:>9.1f}")
print()
print(f"rbd lock ls / rbdfence status (NativeAOT): {cli['mean']/aot['mean']:.2f}x (mean), {cli['median']/aot['median']:.2f}x (median)")
print(f"rbdfence JIT / NativeAOT:                   {jit['mean']/aot['mean']:.2f}x (mean), {jit['median']/aot['median']:.2f}x (median)")
PY
