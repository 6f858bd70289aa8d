#!/usr/bin/env bash
# rbdfence-generator (NativeAOT) against Debian's systemd-fstab-generator on equivalent
# tables of 1, 100 and 1000 volumes, in the same run, with hyperfine. Prints mean times
# and the ratio rbdfence/fstab (target: <= 1, issue 5).
#
#   benchmarks/generator-vs-fstab-generator.sh [LINES...]      (default: 1 100 1000)
#
# RBDFENCE_GENERATOR=/path/to/rbdfence-generator skips the publish step.
# Needs: hyperfine (apt-get install hyperfine), python3, the .NET SDK and the NativeAOT
# toolchain (clang, zlib1g-dev) unless RBDFENCE_GENERATOR is given.
#
# "Equivalent": each line gives fstab-generator one _netdev ext4 mount (a .mount unit and a
# remote-fs.target.requires link); it gives rbdfence-generator one fenced volume (a .mount
# unit, the template instance's drop-in, a remote-fs.target.requires link, and one line of
# rbdfence.target's drop-in). Both write into fresh directories on a tmpfs on each run
# (hyperfine --prepare, not timed), log to the console (nothing is logged), and read no kernel command
# line (SYSTEMD_PROC_CMDLINE is empty).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
fstab_generator=/usr/lib/systemd/system-generators/systemd-fstab-generator
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1 100 1000)

for tool in hyperfine python3 "$fstab_generator"; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }
done

work=$(mktemp -d /tmp/rbdfence-generator-bench.XXXXXX)
# Generators write to /run/systemd/generator*, a tmpfs: so do the runs here, when possible.
outputs=$work
[ -d /dev/shm ] && outputs=$(mktemp -d /dev/shm/rbdfence-generator-bench.XXXXXX)
trap 'rm -rf "$work" "$outputs"' EXIT

generator=${RBDFENCE_GENERATOR:-}
if [ -z "$generator" ]; then
  echo "publishing rbdfence-generator (NativeAOT)..." >&2
  dotnet publish "$repo/src/Rbdfence.Generator" -c Release -r linux-x64 -o "$work/publish" -v quiet -nologo >&2
  generator=$work/publish/rbdfence-generator
fi

# hyperfine --shell=none runs --prepare without a shell too: a script empties the output.
cat >"$work/prepare" <<'SH'
#!/bin/sh
rm -rf "$1" && mkdir -p "$1/normal" "$1/early" "$1/late"
SH
chmod +x "$work/prepare"

export SYSTEMD_LOG_TARGET=console SYSTEMD_PROC_CMDLINE=
printf '%-6s %14s %14s %8s\n' lines rbdfence-ms fstab-ms ratio
for n in "${sizes[@]}"; do
  tab=$work/rbdfencetab.$n fstab=$work/fstab.$n
  : >"$tab"
  : >"$fstab"
  for ((i = 1; i <= n; i++)); do
    printf 'rbd/vol%d /mnt/vol%d ext4 noatime mode=advisory\n' "$i" "$i" >>"$tab"
    printf '/dev/rbd/rbd/vol%d /mnt/vol%d ext4 noatime,_netdev 0 0\n' "$i" "$i" >>"$fstab"
  done
  out=$outputs/out.$n
  export RBDFENCE_TAB=$tab SYSTEMD_FSTAB=$fstab
  prepare="$work/prepare $out"
  hyperfine --shell=none --warmup 5 --min-runs 30 --style none --export-json "$work/result.$n.json" \
    --prepare "$prepare" -n rbdfence "$generator $out/normal $out/early $out/late" \
    --prepare "$prepare" -n fstab "$fstab_generator $out/normal $out/early $out/late" >/dev/null
  python3 - "$work/result.$n.json" "$n" <<'PY'
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
r, f = results["rbdfence"], results["fstab"]
print(f"{sys.argv[2]:<6} {r['mean'] * 1e3:8.2f} ±{r['stddev'] * 1e3:4.2f} {f['mean'] * 1e3:8.2f} ±{f['stddev'] * 1e3:4.2f} {r['mean'] / f['mean']:8.2f}")
PY
done
