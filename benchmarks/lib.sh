# shellcheck shell=bash
# What the benchmark scripts share: their tools check, their scratch and cluster
# directories (gone on any way out), and the rbdfence builds they time.

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

need_tools() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }
  done
}

# Sets $work and $cluster to new directories named after $1; on exit the cluster (if one
# was started there) goes down, which also removes its FUSE mounts and loop devices, and
# the scratch directory is removed.
bench_dirs() {
  work=$(mktemp -d "/tmp/rbdfence-$1.XXXXXX")
  cluster=$(mktemp -d "/tmp/rbdfence-$1-cluster.XXXXXX")
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
}

bench_cleanup() {
  "$repo/scripts/ceph-cluster" down --dir "$cluster" >/dev/null 2>&1 || true
  rm -rf "$work"
}

# Publishes the NativeAOT rbdfence into $work/aot and prints its path; fails (status 1)
# when the NativeAOT toolchain is missing, so a caller can fall back to the JIT build.
publish_aot_cli() {
  echo "publishing rbdfence (NativeAOT)..." >&2
  dotnet publish "$repo/src/Rbdfence.Cli" -c Release -r linux-x64 -o "$work/aot" -nologo -v quiet >&2 || return 1
  echo "$work/aot/rbdfence"
}

# Builds the Release JIT rbdfence (framework-dependent apphost) and prints its path.
build_jit_cli() {
  echo "building rbdfence (Release, JIT)..." >&2
  dotnet build "$repo/src/Rbdfence.Cli" -c Release -nologo -v quiet >&2
  echo "$repo/src/Rbdfence.Cli/bin/Release/net10.0/rbdfence"
}
