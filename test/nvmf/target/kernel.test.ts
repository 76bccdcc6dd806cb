/**
 * `mayastor-ts export --nvmf` against the Linux kernel's NVMe/TCP host (nvme-cli, nvme-tcp) in
 * the initiator VM: discovery, the host allow list, ext4 round trip, fio with verification,
 * header and data digests, and a target killed and restarted under a connected host.
 *
 * The guest reaches the host's 127.0.0.1:PORT at 10.0.2.2:PORT; the target advertises 10.0.2.2.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCli, freePort, type RunningProcess } from '../../helpers/proc.js';
import { startVm, vmSkipReason, VM_HOST_IP } from '../../helpers/vm.js';
import { tmpDir, sparseFile } from '../../helpers/tmp.js';

const skip = vmSkipReason();
const UUID = '5d9c0a6e-7f1b-4c2d-9e3f-a1b2c3d4e5f6';
const NQN = `nqn.2019-05.io.openebs:${UUID}`;
const HOSTNQN = 'nqn.2014-08.org.nvmexpress:uuid:7e1d7a30-0000-4000-8000-00000000aaaa';
const OTHER_HOSTNQN = 'nqn.2014-08.org.nvmexpress:uuid:7e1d7a30-0000-4000-8000-00000000bbbb';

/** Guest prelude: strict mode, step markers, a helper that waits for the namespace to appear. */
const PRELUDE = `
set -euo pipefail
step() { echo "--- $* (t=$(cut -d' ' -f1 /proc/uptime)s)"; }
wait_dev() { for _ in $(seq 100); do [ -b "$1" ] && return 0; sleep 0.1; done; echo "no $1"; return 1; }
# The namespace's block device, found by its UUID (instance numbers depend on what else connected).
# (nvmeXcYnZ are the hidden per-path devices of native multipath, not block devices in /dev.)
find_ns() {
  for _ in $(seq 100); do
    for w in /sys/block/nvme*n*/wwid; do
      d=\${w%/wwid}; d=\${d##*/}
      case $d in *c*) continue ;; esac
      grep -q "$1" "$w" 2>/dev/null && [ -b "/dev/$d" ] && { echo "/dev/$d"; return 0; }
    done
    sleep 0.1
  done
  echo "no namespace with $1" >&2; return 1
}
wait_gone() { for _ in $(seq 100); do [ -b "$1" ] || return 0; sleep 0.1; done; echo "$1 still there"; return 1; }
`;

function startExport(file: string, port: number, extra: string[] = []): RunningProcess {
  return startCli(
    [
      'export',
      `aio://${file}?uuid=${UUID}`,
      '--nvmf',
      `127.0.0.1:${port}`,
      '--advertise',
      VM_HOST_IP,
      '--allow-host',
      HOSTNQN,
      ...extra,
    ],
    { env: { MAYASTOR_LOG_LEVEL: 'info' } },
  );
}

/** Lines the target logged at warn level or above (there should be none in a clean run). */
function targetWarnings(p: RunningProcess): string[] {
  return p
    .output()
    .split('\n')
    .filter((l) => /"level":(40|50|60)/.test(l));
}

test(
  'kernel host: discovery, allow list, ext4 round trip, fio randrw verify, digests, disconnect',
  { skip, timeout: 600_000 },
  async (t) => {
    const dir = tmpDir(t);
    const file = sparseFile(dir, 'disk.img', 512 * 1024 * 1024);
    const port = await freePort();
    const exp = startExport(file, port);
    t.after(() => exp.stop());
    await exp.waitFor(/export ready/);
    const script = `${PRELUDE}
A="-t tcp -a $VM_HOST_IP -s ${port}"
step "discovery as a host that is not allowed: no records"
nvme discover $A --hostnqn ${OTHER_HOSTNQN} | tee /tmp/disc0
grep -q "Number of Records 0" /tmp/disc0
step "connect as a host that is not allowed: refused"
if nvme connect $A -n ${NQN} --hostnqn ${OTHER_HOSTNQN} 2>/tmp/err; then echo "UNEXPECTED: connect succeeded"; exit 1; fi
cat /tmp/err; dmesg | grep -i "not allowed" | tail -1
dmesg -c >/dev/null   # from here on the kernel must report no errors at all
step "discovery as the allowed host"
nvme discover $A --hostnqn ${HOSTNQN} | tee /tmp/disc
grep -q "subnqn:  ${NQN}" /tmp/disc
grep -q "traddr:  $VM_HOST_IP" /tmp/disc
grep -q "trsvcid: ${port}" /tmp/disc
step "connect"
nvme connect $A -n ${NQN} --hostnqn ${HOSTNQN}
wait_dev /dev/nvme0n1
nvme list
dmesg | grep -E "nvme nvme0: (creating|mapped|new ctrl)"
echo "serial=$(cat /sys/class/nvme/nvme0/serial) wwid=$(cat /sys/block/nvme0n1/wwid)"
grep -q "${UUID.replace(/-/g, '')}" /sys/block/nvme0n1/wwid || grep -qi "${UUID}" /sys/block/nvme0n1/wwid
step "mkfs.ext4, mount, write 32 MiB, unmount, remount, compare"
mkfs.ext4 -q -F /dev/nvme0n1
mkdir -p /mnt/t && mount /dev/nvme0n1 /mnt/t
dd if=/dev/urandom of=/mnt/t/data bs=1M count=32 status=none
sum_w=$(sha256sum /mnt/t/data | cut -d' ' -f1); sync
umount /mnt/t; echo 3 > /proc/sys/vm/drop_caches; mount /dev/nvme0n1 /mnt/t
sum_r=$(sha256sum /mnt/t/data | cut -d' ' -f1)
echo "written sha256: $sum_w"; echo "read    sha256: $sum_r"
[ "$sum_w" = "$sum_r" ] || { echo "CHECKSUM MISMATCH"; exit 1; }
umount /mnt/t
step "discard (DSM deallocate) reads back zeros"
blkdiscard -f -o 400M -l 16M /dev/nvme0n1
[ "$(dd if=/dev/nvme0n1 bs=1M skip=400 count=16 iflag=direct status=none | tr -d '\\0' | wc -c)" = 0 ]
step "fio randrw 20 s with crc32c verification"
fio --name=verify --filename=/dev/nvme0n1 --rw=randrw --rwmixread=50 --bs=4k --ioengine=libaio \\
    --direct=1 --iodepth=16 --runtime=20 --time_based --offset=256M --size=128M \\
    --verify=crc32c --verify_backlog=512 --verify_fatal=1 --group_reporting --eta=never --output=/tmp/fio.txt || { cat /tmp/fio.txt; exit 1; }
cat /tmp/fio.txt | grep -E "IOPS|err=|verify" || true
grep -q "err= 0" /tmp/fio.txt
! grep -qi "verify: bad" /tmp/fio.txt
step "disconnect"
nvme disconnect -n ${NQN}
wait_gone /dev/nvme0n1
step "connect with header and data digests, large and small I/O, verify"
nvme connect $A -n ${NQN} --hostnqn ${HOSTNQN} --hdr-digest --data-digest
wait_dev /dev/nvme0n1
fio --name=digests --filename=/dev/nvme0n1 --rw=randwrite --bsrange=4k-256k --ioengine=libaio --direct=1 \\
    --iodepth=8 --size=32M --offset=128M --verify=crc32c --verify_fatal=1 --do_verify=1 --eta=never --output=/tmp/fio2.txt || { cat /tmp/fio2.txt; exit 1; }
grep -E "IOPS|err=" /tmp/fio2.txt
grep -q "err= 0" /tmp/fio2.txt
nvme disconnect -n ${NQN}
wait_gone /dev/nvme0n1
step "connect-all from the discovery log (TREQ lets the host disable SQ flow control)"
nvme connect-all $A --hostnqn ${HOSTNQN}
DEV=$(find_ns ${UUID})
echo "connect-all brought up $DEV"
fio --name=sqflow --filename=$DEV --rw=randrw --bs=4k --ioengine=libaio --direct=1 --iodepth=16 \
    --size=16M --offset=192M --verify=crc32c --verify_fatal=1 --do_verify=1 --eta=never --output=/tmp/fio3.txt || { cat /tmp/fio3.txt; exit 1; }
grep -q "err= 0" /tmp/fio3.txt
nvme disconnect -n ${NQN}
wait_gone $DEV
if dmesg | grep -iE "error|timeout|fail|reset|reconnect|warn|call trace"; then echo "KERNEL REPORTED ERRORS"; exit 1; fi
echo "KERNEL E2E OK"
`;
    const vm = startVm(script, { timeoutSec: 540 });
    t.after(() => vm.stop('SIGTERM'));
    const r = await vm.exited;
    const out = vm.output();
    if (r.code !== 0) {
      assert.fail(`guest failed (exit ${r.code}):\n${out}\n--- target log:\n${exp.output().slice(-8000)}`);
    }
    assert.match(out, /KERNEL E2E OK/);
    for (const l of out.split('\n').filter((x) => /^---|IOPS|err=|sha256|not allowed/.test(x)))
      t.diagnostic(l.trim());
    assert.match(out, /Number of Records 0/);
    const stop = await exp.stop('SIGTERM');
    assert.equal(stop.code, 0, 'clean shutdown on SIGTERM');
    assert.match(exp.output(), /export stopped; device flushed/);
    // The one expected warning is the refused host; nothing else went wrong on the target side.
    const warnings = targetWarnings(exp).filter((l) => !l.includes('not on the allow list'));
    assert.deepEqual(warnings, []);
    assert.ok(targetWarnings(exp).some((l) => l.includes('not on the allow list')));
    // connect-all followed the discovery log's TREQ and disabled SQ flow control: reads came
    // back as C2HData with SUCCESS, without a CapsuleResp.
    assert.match(
      exp.output(),
      /"msg":"controller created"[^\n]*|"sqFlowControl":false[^\n]*"msg":"controller created"/,
    );
    assert.ok(
      exp
        .output()
        .split('\n')
        .some((l) => l.includes('"msg":"controller created"') && l.includes('"sqFlowControl":false')),
      'a controller without SQ flow control',
    );
  },
);

test(
  'kernel host: the target is killed and restarted under load; the host reconnects and I/O resumes',
  { skip, timeout: 600_000 },
  async (t) => {
    const dir = tmpDir(t);
    const file = sparseFile(dir, 'disk.img', 256 * 1024 * 1024);
    const port = await freePort();
    let exp = startExport(file, port);
    t.after(() => exp.stop('SIGKILL'));
    await exp.waitFor(/export ready/);
    const script = `${PRELUDE}
step "connect with a short reconnect delay"
nvme connect -t tcp -a $VM_HOST_IP -s ${port} -n ${NQN} --hostnqn ${HOSTNQN} \\
     --reconnect-delay=1 --ctrl-loss-tmo=120 --keep-alive-tmo=5
wait_dev /dev/nvme0n1
step "write a reference region"
dd if=/dev/urandom of=/tmp/ref bs=1M count=16 status=none
dd if=/tmp/ref of=/dev/nvme0n1 bs=1M oflag=direct status=none
sync
step "fio randrw with verification across the restart"
fio --name=restart --filename=/dev/nvme0n1 --rw=randrw --bs=4k --ioengine=libaio --direct=1 \\
    --iodepth=8 --runtime=30 --time_based --offset=64M --size=64M \\
    --verify=crc32c --verify_backlog=256 --verify_fatal=1 --eta=never --output=/tmp/fio.txt &
FIO=$!
sleep 4
echo "@@FIO_RUNNING@@"
wait $FIO || { echo "fio failed"; cat /tmp/fio.txt; dmesg | tail -30; exit 1; }
grep -E "IOPS|err=" /tmp/fio.txt
grep -q "err= 0" /tmp/fio.txt
step "the reference region is intact"
dd if=/dev/nvme0n1 of=/tmp/back bs=1M count=16 iflag=direct status=none
cmp /tmp/ref /tmp/back
dmesg | grep -E "nvme nvme0" | tail -20
dmesg | grep -q "Successfully reconnected"
nvme disconnect -n ${NQN}
echo "RESTART E2E OK"
`;
    const vm = startVm(script, { timeoutSec: 540 });
    t.after(() => vm.stop('SIGTERM'));
    await vm.waitFor(/@@FIO_RUNNING@@/, 300_000);
    // Kill the target hard (no shutdown, no flush) while fio runs, and bring it back on the
    // same port and file.
    const killed = await exp.stop('SIGKILL');
    assert.equal(killed.signal, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 2000));
    exp = startExport(file, port);
    await exp.waitFor(/export ready/);
    // The kernel's reconnect shows up as a new controller on the restarted target.
    await exp.waitFor(/"msg":"controller created"/, 120_000);
    const r = await vm.exited;
    const out = vm.output();
    if (r.code !== 0) {
      assert.fail(`guest failed (exit ${r.code}):\n${out}\n--- target log:\n${exp.output().slice(-8000)}`);
    }
    assert.match(out, /Successfully reconnected/);
    for (const l of out.split('\n').filter((x) => /^---|IOPS|err=|nvme nvme0/.test(x)))
      t.diagnostic(l.trim());
    assert.match(out, /RESTART E2E OK/);
    assert.equal((await exp.stop('SIGTERM')).code, 0);
  },
);
