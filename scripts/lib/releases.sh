# shellcheck shell=bash
# The Ceph releases the bindings have metadata for (bindings/metadata/ceph-<release>.json).

# rbdfence_metadata_releases ROOT: each release, oldest first, one a line.
rbdfence_metadata_releases() {
  local file
  for file in "$1"/bindings/metadata/ceph-*.json; do
    [[ -f $file ]] || continue
    file=${file##*/ceph-}
    echo "${file%.json}"
  done | sort -V
}

# rbdfence_require_release SCRIPT ROOT RELEASE: exits 2 with one line naming SCRIPT unless
# RELEASE looks like a Ceph release and has metadata.
rbdfence_require_release() {
  local script=$1 root=$2 release=$3
  [[ $release =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "$script: '$release' is not a Ceph release like 20.2.4" >&2; exit 2; }
  [[ -f $root/bindings/metadata/ceph-$release.json ]] ||
    { echo "$script: no bindings/metadata/ceph-$release.json (have: $(rbdfence_metadata_releases "$root" | xargs)); scripts/regenerate-bindings makes them" >&2; exit 2; }
}
