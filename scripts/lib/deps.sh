# shellcheck shell=bash
# Installs the Debian packages rbdfence's build, tests and demo need, once.
# Sourced by scripts/test, scripts/demo, scripts/ceph-cluster and scripts/vm; safe to call
# again (it checks first).

RBDFENCE_APT_PACKAGES=(
  ceph-mon ceph-osd ceph-mgr ceph-common rbd-fuse   # the throwaway test cluster
  librbd-dev librados-dev                           # headers the bindings are scraped from
  gcc libc6-dev                                     # the layout tests' independent oracle
  e2fsprogs fuse util-linux iproute2 kmod procps   # mkfs, FUSE, loop devices, network namespaces, pgrep
  systemd systemd-container                         # systemd-analyze, systemd-escape; systemd-nspawn --boot
  clang zlib1g-dev                                  # the NativeAOT toolchain (rbdfence, rbdfence-generator)
  qemu-system-x86 qemu-utils mmdebstrap             # the VM tier: krbd/rbd-nbd in qemu guests (scripts/vm)
  podman                                            # a real container runtime as the hostPath consumer (boot tests)
  dpkg-dev pandoc lintian                           # scripts/package: the .deb, its man pages, its check
  bash-completion                                   # the completion's tests source it
  python3                                           # scripts/test's summary, scripts/vm, benchmarks
)

rbdfence_missing_packages() {
  local pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || echo "$pkg"
  done
}

# Installs those of the named packages that are missing: the one place that runs apt-get.
rbdfence_apt_install() {
  local missing waited=0
  mapfile -t missing < <(rbdfence_missing_packages "$@")
  ((${#missing[@]})) || return 0
  # Someone else (another script, a background install) may be installing right now: wait
  # for it rather than fighting over the dpkg lock, then look again.
  # One pgrep a name: pgrep refuses a pattern over 15 characters (a process name's limit),
  # and 'apt-get|apt|dpkg' was one, so this never waited.
  while pgrep -x apt-get >/dev/null || pgrep -x apt >/dev/null || pgrep -x dpkg >/dev/null; do
    ((waited % 10 == 0)) && echo "rbdfence: waiting for a running apt-get/dpkg to finish" >&2
    sleep 1
    waited=$((waited + 1))
    ((waited < 900)) || { echo "rbdfence: apt-get/dpkg still running after 15 min" >&2; return 1; }
  done
  mapfile -t missing < <(rbdfence_missing_packages "$@")
  ((${#missing[@]})) || return 0
  [[ $(id -u) -eq 0 ]] || { echo "rbdfence: packages missing (${missing[*]}) and not root to install them" >&2; return 1; }
  echo "rbdfence: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  local log
  log=$(mktemp /tmp/rbdfence-apt.XXXXXX)
  # apt's progress would bury the test output; it is shown only when something fails. The
  # package lists are refreshed only when the install cannot find something.
  if ! { apt-get install -y -qq --no-install-recommends "${missing[@]}" ||
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; }; } >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    echo "rbdfence: installing ${missing[*]} failed (log above)" >&2
    return 1
  fi
  rm -f "$log"
}

rbdfence_install_deps() {
  rbdfence_apt_install "${RBDFENCE_APT_PACKAGES[@]}" || return 1
  command -v dotnet >/dev/null || { echo "rbdfence: the .NET SDK (dotnet) is not on PATH" >&2; return 1; }
}

# The Debian mirror the system already uses (deb822 .sources or one-line sources.list).
rbdfence_debian_mirror() {
  local uri
  uri=$(grep -hsE '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v -- '-security' | head -n1 || true)
  [[ -n $uri ]] || uri=$(grep -hsE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list |
    awk '{for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) {print $i; exit}}' | grep -v -- '-security' | head -n1 || true)
  [[ -n $uri ]] || { echo "rbdfence: no Debian mirror found in /etc/apt/sources.list(.d)" >&2; return 1; }
  echo "$uri"
}
