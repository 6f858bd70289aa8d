# shellcheck shell=bash
# Installs the Debian packages rbdfence's build, tests and demo need, once.
# Sourced by scripts/test and scripts/demo; safe to call again (it checks first).

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
)

rbdfence_install_deps() {
  local missing=() pkg
  for pkg in "${RBDFENCE_APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  if ((${#missing[@]})); then
    echo "rbdfence: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    local log
    log=$(mktemp /tmp/rbdfence-apt.XXXXXX)
    # apt's progress would bury the test output; it is shown only when something fails.
    if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
      cat "$log" >&2
      echo "rbdfence: installing packages failed (log above)" >&2
      return 1
    fi
    rm -f "$log"
  fi
  command -v dotnet >/dev/null || { echo "rbdfence: the .NET SDK (dotnet) is not on PATH" >&2; return 1; }
}
