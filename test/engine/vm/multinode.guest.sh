#!/bin/bash
# Guest side of test/engine/e2e-multinode.test.ts, run by the Linux kernel's NVMe/TCP initiator
# in the test VM. It connects to the nexus published by io-engine A, makes an ext4 file system,
# and writes files with fio's verification headers until the host says stop (the host kills a
# replica's node meanwhile). Then it checks the file system and every file, and does so again
# each time the host leaves only one replica serving reads (phase2, phase3).
#
# Host -> guest signals are files in the 9p share (/mnt/host); guest -> host are the console
# lines below. Every wait is bounded.
#   env: PORT NQN HOSTNQN FILE_MB
set -u
FILE_MB=${FILE_MB:-4}
DEV=/dev/nvme0n1
trap 'rc=$?; if [ $rc -ne 0 ]; then dmesg | tail -40; fi' EXIT

wait_file() {
  local i
  for i in $(seq 1 1200); do
    [ -e "/mnt/host/$1" ] && return 0
    sleep 0.5
  done
  echo "TIMEOUT waiting for $1"
  return 1
}

job() { # name file rw [extra fio args...]
  local name=$1 file=$2 rw=$3
  shift 3
  fio --name="$name" --filename="$file" --rw="$rw" --bs=64k --size="${FILE_MB}M" --ioengine=psync \
    --verify=crc32c --verify_state_save=0 --randrepeat=1 "$@"
}

verify_all() { # phase
  local i
  for i in $(seq 1 "$n"); do
    # A read job with verify checks every block against the header fio wrote into it.
    if ! job "f$i" "/mnt/vol/f$i" read --readonly --direct=1 >"/tmp/verify.$i" 2>&1; then
      cat "/tmp/verify.$i"
      echo "VERIFY_FAILED $1 f$i"
      return 1
    fi
  done
  echo "VERIFIED $1 $n files"
}

check_phase() { # phase
  echo 3 >/proc/sys/vm/drop_caches
  if ! e2fsck -fn "$DEV"; then echo "FSCK_FAILED $1"; return 1; fi
  mount -o ro,noload "$DEV" /mnt/vol || { echo "MOUNT_FAILED $1"; return 1; }
  verify_all "$1" || return 1
  umount /mnt/vol
}

modprobe nvme-tcp 2>/dev/null
nvme connect -t tcp -a "$VM_HOST_IP" -s "$PORT" -n "$NQN" --hostnqn="$HOSTNQN" --ctrl-loss-tmo=600 || { echo "CONNECT_FAILED"; exit 10; }
for i in $(seq 1 100); do [ -b "$DEV" ] && break; sleep 0.1; done
[ -b "$DEV" ] || { echo "NO_NAMESPACE"; nvme list; exit 11; }
mkfs.ext4 -q -F "$DEV" || { echo "MKFS_FAILED"; exit 12; }
mkdir -p /mnt/vol
mount "$DEV" /mnt/vol || { echo "MOUNT_FAILED"; exit 13; }
echo "MOUNTED"

n=0
while [ "$n" -lt 200 ]; do
  n=$((n + 1))
  if ! job "f$n" "/mnt/vol/f$n" write --do_verify=0 --end_fsync=1 >"/tmp/write.$n" 2>&1; then
    cat "/tmp/write.$n"
    echo "WRITE_FAILED f$n"
    exit 14
  fi
  echo "WROTE $n"
  [ -e /mnt/host/stop-writing ] && break
done
echo "WRITES_DONE $n"
sync
verify_all phase1 || exit 15
umount /mnt/vol
e2fsck -fn "$DEV" || { echo "FSCK_FAILED phase1"; exit 16; }
echo "PHASE1_OK"

wait_file phase2 || exit 17
check_phase phase2 || exit 18
echo "PHASE2_OK"

wait_file phase3 || exit 19
check_phase phase3 || exit 20
echo "PHASE3_OK"

nvme disconnect -n "$NQN" >/dev/null
exit 0
