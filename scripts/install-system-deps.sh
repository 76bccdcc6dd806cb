#!/usr/bin/env bash
# Installs the Debian packages the tests and benchmarks use, and builds the initiator VM image
# (a real Linux kernel with nvme-tcp, nbd and iscsi initiators, see ../shared/vm). Idempotent:
# when everything is present it only checks and returns.
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(
  fio            # real I/O generator; its nbd engine drives our NBD server
  libnbd-bin     # nbdinfo, nbdcopy: NBD clients nobody here wrote
  nbdkit         # peer NBD server for benchmarks
  qemu-utils     # qemu-img (compare), qemu-nbd (peer NBD server)
  iproute2       # network namespaces and veth pairs for multi-node tests
  etcd-server    # the control plane's production store
  qemu-system-x86 cpio kmod xz-utils  # the initiator VM
)

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-system-deps: installing ${missing[*]}" >&2
  $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The kernel-initiator VM. Tests find it through MAYASTOR_VM_CACHE (default below).
VM_CACHE=${MAYASTOR_VM_CACHE:-/var/cache/mayastor-ts/initiator-vm}
VM_SCRIPTS=${MAYASTOR_VM_SCRIPTS:-$(cd .. && pwd)/shared/vm}
if [ "${SKIP_VM:-0}" != 1 ] && [ ! -f "$VM_CACHE/initramfs.cpio" ]; then
  if [ -x "$VM_SCRIPTS/make-initiator-vm.sh" ]; then
    echo "install-system-deps: building the initiator VM in $VM_CACHE (about 30 s)" >&2
    $SUDO "$VM_SCRIPTS/make-initiator-vm.sh" "$VM_CACHE" >/tmp/mayastor-ts-vm-build.log 2>&1 ||
      { echo "install-system-deps: VM build failed, see /tmp/mayastor-ts-vm-build.log" >&2; exit 1; }
  else
    echo "install-system-deps: $VM_SCRIPTS/make-initiator-vm.sh not found; kernel-initiator tests will fail in CI" >&2
  fi
fi
