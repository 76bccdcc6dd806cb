#!/bin/bash
# Guest side of test/nbd/kernel.test.ts: the Linux kernel's NBD client against our server.
#   NBD_PORT/NBD_NAME    file-backed export with 4 KiB blocks: ext4, two connections, fstrim
#   NBD_PORT2/NBD_NAME2  RAM export with 512-byte blocks: raw direct I/O with fio verify, discard
#   NBD_PORT3/NBD_NAME3  RAM export requiring TLS (CA in /vm-test/files/ca-cert.pem)
set -euo pipefail
step() { echo "--- $* (t=$(cut -d' ' -f1 /proc/uptime)s)"; }

step "nbd-client $VM_HOST_IP:$NBD_PORT/$NBD_NAME, 4 KiB blocks, 2 connections"
nbd-client "$VM_HOST_IP" "$NBD_PORT" /dev/nbd0 -N "$NBD_NAME" -b 4096 -C 2
echo "nbd0: size=$(blockdev --getsize64 /dev/nbd0) logical-block=$(blockdev --getss /dev/nbd0)"

step "mkfs.ext4 (discards the device first) + mount"
mkfs.ext4 -q -F /dev/nbd0
mkdir -p /mnt/t && mount /dev/nbd0 /mnt/t

step "write 32 MiB of random data, sync, fstrim"
dd if=/dev/urandom of=/mnt/t/data bs=1M count=32 status=none
sum_w=$(sha256sum /mnt/t/data | cut -d' ' -f1)
sync
fstrim -v /mnt/t

step "unmount, drop caches, remount, read back"
umount /mnt/t
echo 3 > /proc/sys/vm/drop_caches
mount /dev/nbd0 /mnt/t
sum_r=$(sha256sum /mnt/t/data | cut -d' ' -f1)
echo "written sha256: $sum_w"
echo "read    sha256: $sum_r"
[ "$sum_w" = "$sum_r" ] || { echo "CHECKSUM MISMATCH"; exit 1; }
umount /mnt/t
e2fsck -fn /dev/nbd0 >/dev/null && echo "e2fsck: clean"
nbd-client -d /dev/nbd0
echo "DATA_SHA256=$sum_w"

step "nbd-client $VM_HOST_IP:$NBD_PORT2/$NBD_NAME2, default 512-byte blocks"
nbd-client "$VM_HOST_IP" "$NBD_PORT2" /dev/nbd1 -N "$NBD_NAME2"
echo "nbd1: size=$(blockdev --getsize64 /dev/nbd1) logical-block=$(blockdev --getss /dev/nbd1)"

step "fio: direct random writes of 512 B..64 KiB, verify=crc32c"
fio --name=verify --filename=/dev/nbd1 --rw=randwrite --bsrange=512-64k --ioengine=libaio \
    --direct=1 --iodepth=16 --size=24M --verify=crc32c --verify_fatal=1 --do_verify=1 \
    --output=/tmp/fio.txt || { cat /tmp/fio.txt; exit 1; }
grep -E 'err=|WRITE:|READ:' /tmp/fio.txt

step "blkdiscard 1 MiB, reads back as zeros"
blkdiscard -o 1048576 -l 1048576 /dev/nbd1
nonzero=$(dd if=/dev/nbd1 bs=1M skip=1 count=1 iflag=direct status=none | tr -d '\000' | wc -c)
[ "$nonzero" -eq 0 ] || { echo "discarded range is not zero ($nonzero bytes)"; exit 1; }
nbd-client -d /dev/nbd1

step "nbd-client over TLS to $NBD_NAME3: write and read back 8 MiB"
nbd-client "$VM_HOST_IP" "$NBD_PORT3" /dev/nbd2 -N "$NBD_NAME3" -x -A /vm-test/files/ca-cert.pem -H localhost
dd if=/dev/urandom of=/tmp/tls.in bs=1M count=8 status=none
dd if=/tmp/tls.in of=/dev/nbd2 bs=1M oflag=direct status=none
dd if=/dev/nbd2 of=/tmp/tls.out bs=1M count=8 iflag=direct status=none
cmp /tmp/tls.in /tmp/tls.out && echo "TLS data: identical"
nbd-client -d /dev/nbd2
echo "NBD KERNEL OK"
