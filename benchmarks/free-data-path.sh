#!/usr/bin/env bash
# How fast could many volumes converge if the data path cost nothing? (issue 11)
#
# For each N, boots the same host (benchmarks/many-volumes.sh: connection=shared, fuse
# backend, busy loops beside it) in rounds, interleaved:
#   shipped  the install tree as built from this tree;
#   free     the same tree with rbd-fuse replaced by benchmarks/free-data-path-stub.c, a
#            stand-in with no Ceph client that serves a pre-made local ext4 file as the
#            image, and one change to the holder: it does not wait for the data path's
#            watch on the image header (HoldOptions.SettleTime 0; the stand-in has no
#            client, so no watch ever appears and the holder would poll 3 s for it).
# Everything else is as shipped: the container's systemd, the acquire and hold processes,
# the daemon's lock and image open, losetup, the namespace launcher, the mount. So `free`
# is a lower bound for any data path rbdfence could bring itself (a FUSE server in the
# daemon would still pass every read of the mount through librbd to the OSDs), and
# shipped/free shows how much of a boot is rbd-fuse's. The stand-in is never a product:
# what the `free` boots write stays in local files.
#
#   benchmarks/free-data-path.sh [--install DIR] [--busy N] [--rounds R] [N ...]
#
#   --install DIR   the shipped install tree (scripts/install --destdir DIR), instead of
#                   building one; the variant is always built from this tree
#   --busy N        busy loops beside each boot (default 2, as the boot test)
#   --rounds R      boots per tree and N (default 2)
#   N               volume counts (default 50)
#
# Prints many-volumes.sh's line for every boot, labelled with its tree, then per N the
# median "from start" (the container's systemd starting to the last mount active) of
# each tree and free/shipped. Needs what many-volumes.sh needs, and gcc and git.
set -euo pipefail

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
shipped=''
busy=2
rounds=2
counts=()
while (($#)); do
  case $1 in
    -h | --help) sed -n '2,/^set -euo pipefail/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    --install) [[ $# -ge 2 && -x $2/usr/bin/rbdfence ]] || { echo "free-data-path: --install needs an install tree" >&2; exit 2; }
      shipped=$(cd "$2" && pwd); shift 2 ;;
    --busy) [[ $# -ge 2 && $2 =~ ^[0-9]$ ]] || { echo "free-data-path: --busy is 0 to 9 loops" >&2; exit 2; }
      busy=$2; shift 2 ;;
    --rounds) [[ $# -ge 2 && $2 =~ ^[1-9]$ ]] || { echo "free-data-path: --rounds is 1 to 9" >&2; exit 2; }
      rounds=$2; shift 2 ;;
    *) [[ $1 =~ ^[1-9][0-9]{0,2}$ ]] || { echo "free-data-path: a count is 1 to 999, got '$1'" >&2; exit 2; }
      counts+=("$1"); shift ;;
  esac
done
((${#counts[@]})) || counts=(50)
[[ $(id -u) -eq 0 ]] || { echo "free-data-path: needs root (as many-volumes.sh)" >&2; exit 1; }
need_tools gcc git tar mkfs.ext4
max=0
for n in "${counts[@]}"; do ((n > max)) && max=$n; done

work=$(mktemp -d /tmp/rbdfence-free.XXXXXX)
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

if [[ -z $shipped ]]; then
  echo "building the shipped install tree (NativeAOT)..." >&2
  "$repo/scripts/install" --destdir "$work/shipped" >&2
  shipped=$work/shipped
fi

echo "building the variant: this tree, the holder without its wait for a data-path watch..." >&2
mkdir "$work/src"
git -C "$repo" ls-files -z | tar -C "$repo" --null -T - -cf - | tar -C "$work/src" -xf -
options=$work/src/src/Rbdfence.Holding/HoldOptions.cs
settle='SettleTime { get; init; } = TimeSpan.FromSeconds(3);'
grep -qF "$settle" "$options" || { echo "free-data-path: $options no longer reads '$settle': update this script" >&2; exit 1; }
sed -i 's/SettleTime { get; init; } = TimeSpan.FromSeconds(3);/SettleTime { get; init; } = TimeSpan.Zero;/' "$options"
"$work/src/scripts/install" --destdir "$work/free" >&2
rm -rf "$work/src"
gcc -O2 -Wall -DIMAGES="\"$work/images\"" -o "$work/free/usr/bin/rbd-fuse" "$repo/benchmarks/free-data-path-stub.c"

# many-volumes.sh names its images rbd/many001...; the stand-in serves a file of each name.
mkdir "$work/images"
truncate -s 32M "$work/images/template"
mkfs.ext4 -q -F "$work/images/template"
for ((i = 1; i <= max; i++)); do cp --sparse=always "$work/images/template" "$work/images/$(printf 'many%03d' "$i")"; done
rm "$work/images/template"

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
printf '%-8s %s\n' tree "(benchmarks/many-volumes.sh --connection shared --busy $busy N)"
for n in "${counts[@]}"; do
  declare -A starts=([shipped]='' [free]='')
  for ((r = 1; r <= rounds; r++)); do
    for tree in shipped free; do
      [[ $tree == shipped ]] && dir=$shipped || dir=$work/free
      if ! line=$("$repo/benchmarks/many-volumes.sh" --install "$dir" --connection shared --busy "$busy" \
        --bind "$work/images" "$n" 2>"$work/many-volumes.err" | tail -n 1); then
        cat "$work/many-volumes.err" >&2
        echo "free-data-path: the $tree boot of $n volumes failed" >&2
        exit 1
      fi
      printf '%-8s %s\n' "$tree" "$line"
      starts[$tree]+="$(awk '{ sub(/s$/, "", $3); print $3 }' <<<"$line") "
    done
  done
  s=$(tr ' ' '\n' <<<"${starts[shipped]}" | grep . | median)
  f=$(tr ' ' '\n' <<<"${starts[free]}" | grep . | median)
  awk -v n="$n" -v s="$s" -v f="$f" -v r="$rounds" \
    'BEGIN { printf "%d volumes, median of %d from start: shipped %.2f s, free data path %.2f s, free/shipped %.2f\n", n, r, s, f, f / s }'
done
