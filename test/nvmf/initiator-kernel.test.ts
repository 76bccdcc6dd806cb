/**
 * Our initiator against a strict real peer: the Linux kernel's NVMe/TCP target (nvmet-tcp)
 * inside the test VM, reached from the host through QEMU host forwards.
 *
 * The guest exports, on port 4420 (default 16 KiB in-capsule data):
 *   A  64 MiB loop device, 512-byte blocks, known UUID
 *   B  32 MiB file on tmpfs (nvmet's file backend, buffered; 4 KiB blocks), at most 2 I/O queues
 *   C  16 MiB, only one allowed host NQN
 *   R  32 MiB, known UUID: the one the restart and namespace-change tests take away and bring back
 *   G  16 MiB file on tmpfs, which a test grows while connected
 * and subsystem A again on port 4421 with only 1 KiB of in-capsule data (IOCCSZ).
 * Tests change the target through the guest agent (unlink a subsystem from its port, which makes
 * nvmet tear down its controllers and drop the connections, the way a restarting target does).
 * The frozen-target test stops the QEMU process itself.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startVm, vmSkipReason } from '../helpers/vm.js';
import { freePort, type RunningProcess } from '../helpers/proc.js';
import { patternBuffer } from '../helpers/tmp.js';
import { GUEST_AGENT_LOOP, GuestAgent, qemuPid, stopVm } from './initiator-vm.js';
import { isZero, verifiedWorkload } from './initiator-workload.js';
import {
  discover,
  DiscoverySubtype,
  NvmfBlockDevice,
  NvmfErrors,
  registerNvmfScheme,
  type NvmfInitiatorOptions,
  type ControllerState,
} from '../../src/nvmf/initiator/index.js';
import { BdevErrors, BdevRegistry } from '../../src/bdev/index.js';
import { isMayastorError, type MayastorError } from '../../src/core/errors.js';
import { createLogger } from '../../src/core/log.js';
import { newUuid } from '../../src/core/uuid.js';

const NQN_A = 'nqn.2024-01.io.mayastor-ts.test:kernel-a';
const NQN_B = 'nqn.2024-01.io.mayastor-ts.test:kernel-b';
const NQN_C = 'nqn.2024-01.io.mayastor-ts.test:kernel-c';
const NQN_R = 'nqn.2024-01.io.mayastor-ts.test:kernel-r';
const NQN_G = 'nqn.2024-01.io.mayastor-ts.test:kernel-g';
const UUID_A = '0c1f9a3e-7a61-4d2b-9a55-3b0c2f6e4d11';
const UUID_B = '5d2e8b4f-1c3a-4e6d-8f70-a1b2c3d4e5f6';
const UUID_R = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
const ALLOWED_HOST = 'nqn.2024-01.io.mayastor-ts.test:allowed-host';
const MiB = 1 << 20;

const GUEST = String.raw`
set -uo pipefail
modprobe -a nvmet-tcp loop || exit 1
grep -q " /sys/kernel/config " /proc/mounts || mount -t configfs configfs /sys/kernel/config
C=/sys/kernel/config/nvmet
sub() { echo $C/subsystems/$1; }
mksub() { mkdir $(sub $1) && echo $2 > $(sub $1)/attr_allow_any_host; }
mkns() { local n=$(sub $1)/namespaces/1; mkdir $n && echo -n $2 > $n/device_path && { [ -z "$3" ] || echo -n $3 > $n/device_uuid; } && { [ -z "\${4:-}" ] || echo 1 > $n/buffered_io; } && echo 1 > $n/enable; }
mkport() { mkdir $C/ports/$1 && echo ipv4 > $C/ports/$1/addr_adrfam && echo tcp > $C/ports/$1/addr_trtype && echo 0.0.0.0 > $C/ports/$1/addr_traddr && echo $2 > $C/ports/$1/addr_trsvcid && { [ -z "$3" ] || echo $3 > $C/ports/$1/param_inline_data_size; }; }
link_sub() { ln -s $(sub $1) $C/ports/\${2:-1}/subsystems/$1; }
unlink_sub() { rm $C/ports/\${2:-1}/subsystems/$1; }
set_uuid() { local n=$(sub $1)/namespaces/1; echo 0 > $n/enable && echo -n $2 > $n/device_uuid && echo 1 > $n/enable; }
truncate -s 64M /run/a.img && LA=$(losetup -f --show /run/a.img) || exit 1
truncate -s 32M /run/b.img
truncate -s 16M /run/c.img && LC=$(losetup -f --show /run/c.img) || exit 1
truncate -s 32M /run/r.img && LR=$(losetup -f --show /run/r.img) || exit 1
truncate -s 16M /run/g.img
mksub ${NQN_A} 1 && mkns ${NQN_A} $LA ${UUID_A} || exit 1
mksub ${NQN_B} 1 && echo 2 > $(sub ${NQN_B})/attr_qid_max && mkns ${NQN_B} /run/b.img ${UUID_B} buffered || exit 1
mksub ${NQN_C} 0 && mkdir $C/hosts/${ALLOWED_HOST} && ln -s $C/hosts/${ALLOWED_HOST} $(sub ${NQN_C})/allowed_hosts/ && mkns ${NQN_C} $LC "" || exit 1
mksub ${NQN_R} 1 && mkns ${NQN_R} $LR ${UUID_R} || exit 1
mksub ${NQN_G} 1 && mkns ${NQN_G} /run/g.img "" buffered || exit 1
mkport 1 4420 "" && mkport 2 4421 1024 || exit 1
for s in ${NQN_A} ${NQN_B} ${NQN_C} ${NQN_R} ${NQN_G}; do link_sub $s 1 || exit 1; done
link_sub ${NQN_A} 2 || exit 1
echo "@@TARGET_UP@@"
${GUEST_AGENT_LOOP}
dmesg | grep -E "nvmet|nvme" | tail -40
`.replace(/\\\$/g, '$');

const log = process.env.NVMF_TEST_LOG ? createLogger({ name: 'initiator-test', level: 'debug' }) : undefined;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll (bounded) until `cond` holds. */
async function until(what: string, cond: () => boolean, limitMs = 30_000): Promise<void> {
  for (let i = 0; i < limitMs / 50; i++) {
    if (cond()) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function code(e: unknown): string {
  return (e as MayastorError).code ?? String(e);
}

describe(
  'NVMe-oF initiator against the Linux kernel target (nvmet-tcp in a VM)',
  { skip: vmSkipReason() },
  () => {
    let vm: RunningProcess | undefined;
    let agent: GuestAgent | undefined;
    let port1 = 0;
    let port2 = 0;
    const open: NvmfBlockDevice[] = [];

    async function connect(o: Partial<NvmfInitiatorOptions> & { subnqn: string }): Promise<NvmfBlockDevice> {
      const d = await NvmfBlockDevice.connect({ host: '127.0.0.1', port: port1, log, ...o });
      open.push(d);
      return d;
    }
    const guest = (cmd: string) => agent!.run(cmd);

    before(async () => {
      agent = await GuestAgent.start();
      port1 = await freePort();
      port2 = await freePort();
      vm = startVm(GUEST, {
        env: { CTL_PORT: String(agent.port) },
        hostfwd: [`tcp:127.0.0.1:${port1}-:4420`, `tcp:127.0.0.1:${port2}-:4421`],
        timeoutSec: 1500,
      });
      await vm.waitFor(/@@TARGET_UP@@/, 300_000);
    });

    after(async () => {
      await Promise.allSettled(open.map((d) => d.close()));
      if (vm) await stopVm(vm, agent);
    });

    test('connects, identifies the namespace, and shuts the controller down cleanly', async () => {
      const d = await connect({ subnqn: NQN_A, uuid: UUID_A });
      assert.equal(d.driver, 'nvmf');
      assert.equal(d.uuid, UUID_A);
      assert.equal(d.blockSize, 512);
      assert.equal(d.size, 64 * MiB);
      assert.equal(d.state, 'live');
      assert.equal(d.controller.identity.model, 'Linux');
      assert.equal(d.controller.identity.subnqn, NQN_A);
      assert.equal(d.controller.ioQueueCount, 2);
      const w = patternBuffer(4096, 1);
      await d.write(8192, w);
      const r = Buffer.alloc(4096);
      await d.read(8192, r);
      assert.ok(r.equals(w));
      await d.close();
      assert.equal(d.state, 'closed');
      assert.equal(d.controller.shutdownOutcome, 'clean');
      await assert.rejects(d.read(0, r), (e: unknown) => isMayastorError(e, BdevErrors.CLOSED));
    });

    for (const [hd, dd] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      for (const queues of [1, 4]) {
        test(`verified I/O with hdgst=${hd} ddgst=${dd} over ${queues} I/O queue(s): in-capsule, R2T and split transfers`, async () => {
          const d = await connect({ subnqn: NQN_A, headerDigest: hd, dataDigest: dd, ioQueues: queues });
          assert.equal(d.controller.ioQueueCount, queues);
          assert.equal(d.controller.inCapsuleDataSize, 16384, 'nvmet-tcp default in-capsule size');
          const before = d.controllerStats.io;
          await verifiedWorkload(d, {
            seed: (hd ? 2 : 0) + (dd ? 1 : 0) + queues * 10,
            workers: 8,
            ops: 20,
            // in-capsule (<= 16 KiB), R2T (> 16 KiB), and one that splits at the 1 MiB transfer limit
            sizes: [512, 4096, 16384, 16896, 131072, MiB + 4096],
            length: 24 * MiB,
          });
          const s = d.controllerStats.io;
          assert.ok(s.inCapsuleWrites > before.inCapsuleWrites, 'some writes went in-capsule');
          assert.ok(s.r2tWrites > before.r2tWrites && s.r2ts > 0 && s.h2cPdus > 0, 'some writes went by R2T');
          assert.ok(s.c2hPdus > 0);
          assert.equal(s.dataDigestErrors, 0);
          assert.equal(d.controllerStats.resets, 0);
          for (const q of d.controller.queueStats()) assert.ok(q.commands > 1, 'every queue carried I/O');
          await d.close();
          assert.equal(d.controller.shutdownOutcome, 'clean');
        });
      }
    }

    test("the target's in-capsule limit (IOCCSZ) is honoured: larger writes go by R2T", async () => {
      const d = await connect({ subnqn: NQN_A, port: port2, ioQueues: 1 });
      assert.equal(d.controller.inCapsuleDataSize, 1024);
      const before = d.controllerStats.io;
      const res = await verifiedWorkload(d, {
        seed: 77,
        workers: 4,
        ops: 40,
        sizes: [512, 1024, 1536, 4096, 65536],
        offset: 32 * MiB,
        length: 4 * MiB,
      });
      const s = d.controllerStats.io;
      let small = 0;
      let large = 0;
      for (const [size, n] of res.writeSizes) {
        if (size <= 1024) small += n;
        else large += n;
      }
      assert.ok(small > 0 && large > 0);
      assert.equal(s.inCapsuleWrites - before.inCapsuleWrites, small);
      assert.equal(s.r2tWrites - before.r2tWrites, large);
      await d.close();
    });

    test('4 KiB-block namespace; the target grants fewer I/O queues than asked', async () => {
      const d = await connect({ subnqn: NQN_B, ioQueues: 4 });
      assert.equal(d.blockSize, 4096);
      assert.equal(d.numBlocks, (32 * MiB) / 4096);
      assert.equal(d.uuid, UUID_B);
      assert.equal(d.controller.ioQueueCount, 2, 'attr_qid_max=2');
      await verifiedWorkload(d, {
        seed: 9,
        workers: 6,
        ops: 20,
        sizes: [4096, 8192, 65536, MiB],
        length: 24 * MiB,
      });
      const commands = d.controllerStats.io.commands;
      await assert.rejects(d.write(512, Buffer.alloc(512)), (e: unknown) =>
        isMayastorError(e, BdevErrors.MISALIGNED),
      );
      await assert.rejects(d.read(d.size, Buffer.alloc(4096)), (e: unknown) =>
        isMayastorError(e, BdevErrors.OUT_OF_RANGE),
      );
      assert.equal(d.controllerStats.io.commands, commands, 'invalid I/O never reaches the wire');
      // zeroing on the file backend
      await d.write(0, patternBuffer(3 * 65536, 4));
      await d.writeZeroes(65536, 65536);
      await d.unmap(2 * 65536, 65536);
      const r = Buffer.alloc(3 * 65536);
      await d.read(0, r);
      assert.ok(r.subarray(0, 65536).equals(patternBuffer(3 * 65536, 4).subarray(0, 65536)));
      assert.ok(isZero(r.subarray(65536)));
      await d.close();
    });

    test('transfers above the per-command limit are split, and the pieces reassemble', async () => {
      const d = await connect({ subnqn: NQN_A, maxTransferBytes: 16384 });
      assert.equal(d.controller.maxTransferBytes, 16384);
      const data = patternBuffer(MiB + 16384, 21);
      const c0 = d.controllerStats.io.commands;
      await d.write(48 * MiB, data);
      assert.equal(d.controllerStats.io.commands - c0, 65);
      const back = Buffer.alloc(data.length);
      await d.read(48 * MiB, back);
      assert.equal(d.controllerStats.io.commands - c0, 130);
      assert.ok(back.equals(data));
      await d.close();
    });

    test('queue depth is bounded by the queue size; I/O beyond it waits and completes', async () => {
      const d = await connect({ subnqn: NQN_A, queueSize: 4, ioQueues: 2 });
      assert.equal(d.controller.ioQueueSize, 4);
      const n = 64;
      const bufs = Array.from({ length: n }, (_, i) => patternBuffer(4096, 100 + i));
      await Promise.all(bufs.map((b, i) => d.write(56 * MiB + i * 4096, b)));
      const back = Array.from({ length: n }, () => Buffer.alloc(4096));
      await Promise.all(back.map((b, i) => d.read(56 * MiB + i * 4096, b)));
      back.forEach((b, i) => assert.ok(b.equals(bufs[i]!), `block ${i}`));
      const qs = d.controller.queueStats();
      assert.ok(
        qs.every((q) => q.maxOutstanding <= 3),
        'never more than SQSIZE commands outstanding per queue',
      );
      assert.ok(
        qs.some((q) => q.maxOutstanding === 3),
        'the bound was reached',
      );
      await d.close();
    });

    test('flush, write zeroes and unmap; unmapped blocks read back as zeros', async () => {
      const d = await connect({ subnqn: NQN_A });
      const data = patternBuffer(MiB, 31);
      const at = 60 * MiB;
      await d.write(at, data);
      await d.flush();
      await d.writeZeroes(at + 4096, 8192);
      await d.unmap(at + 65536, 131072);
      const c0 = d.controllerStats.io.commands;
      await d.write(at + 512 * 1024, data.subarray(0, 4096), { fua: true });
      assert.equal(d.controllerStats.io.commands - c0, 2, 'a FUA write is a write and a flush');
      const r = Buffer.alloc(MiB);
      await d.read(at, r);
      const want = Buffer.from(data);
      want.fill(0, 4096, 4096 + 8192);
      want.fill(0, 65536, 65536 + 131072);
      data.copy(want, 512 * 1024, 0, 4096);
      assert.ok(r.equals(want));
      await d.close();
    });

    test('refusals: a host not allowed, a subsystem that does not exist, a namespace with another UUID', async () => {
      await assert.rejects(connect({ subnqn: NQN_C }), (e: unknown) =>
        isMayastorError(e, NvmfErrors.ACCESS_DENIED),
      );
      const ok = await connect({ subnqn: NQN_C, hostNqn: ALLOWED_HOST, ioQueues: 1 });
      await ok.write(0, patternBuffer(512, 3));
      await ok.close();
      await assert.rejects(
        connect({ subnqn: 'nqn.2024-01.io.mayastor-ts.test:no-such-subsystem' }),
        (e: unknown) => isMayastorError(e, NvmfErrors.NOT_FOUND),
      );
      await assert.rejects(
        connect({ subnqn: NQN_A, uuid: newUuid() }),
        (e: unknown) => isMayastorError(e, NvmfErrors.NAMESPACE_MISMATCH) && e.message.includes(UUID_A),
      );
    });

    test('discovery lists the subsystems this host may use, on the port asked', async () => {
      const any = await discover({ host: '127.0.0.1', port: port1, log });
      const nvm = any.filter((e) => e.subtype === DiscoverySubtype.Nvm);
      assert.deepEqual(
        nvm.map((e) => e.subnqn).sort(),
        [NQN_A, NQN_B, NQN_R, NQN_G].sort(),
        'C only for its allowed host',
      );
      for (const e of nvm) {
        assert.equal(e.trtype, 3); // TCP
        assert.equal(e.trsvcid, '4420');
      }
      const allowed = await discover({ host: '127.0.0.1', port: port1, hostNqn: ALLOWED_HOST, log });
      assert.ok(allowed.some((e) => e.subnqn === NQN_C));
      const two = await discover({ host: '127.0.0.1', port: port2, log });
      assert.deepEqual(
        two.filter((e) => e.subtype === DiscoverySubtype.Nvm).map((e) => [e.subnqn, e.trsvcid]),
        [[NQN_A, '4421']],
      );
    });

    test('registry: nvmf:// and nvmf+tcp:// name the same device', async () => {
      const reg = new BdevRegistry({ log });
      registerNvmfScheme(reg, { hostNqn: ALLOWED_HOST });
      const uri = `nvmf://127.0.0.1:${port1}/${NQN_C}?nr_io_queues=1&io_timeout_ms=3000`;
      const d = await reg.create(uri);
      try {
        assert.equal(reg.get(d.name), d);
        assert.equal(d.driver, 'nvmf');
        await assert.rejects(reg.create(`nvmf+tcp://127.0.0.1:${port1}/${NQN_C}`), (e: unknown) =>
          isMayastorError(e, BdevErrors.EXISTS),
        );
      } finally {
        await reg.closeAll();
      }
      assert.equal((d as NvmfBlockDevice).state, 'closed');
    });

    test('a namespace that grows is picked up while connected (Namespace Attribute Notice)', async () => {
      const d = await connect({ subnqn: NQN_G, ioQueues: 1 });
      assert.equal(d.size, 16 * MiB);
      await guest(`truncate -s 24M /run/g.img && echo 1 > $(sub ${NQN_G})/namespaces/1/revalidate_size`);
      await until('the new size', () => d.size === 24 * MiB);
      assert.ok(d.controllerStats.asyncEvents >= 1);
      const tail = patternBuffer(65536, 81);
      await d.write(d.size - 65536, tail);
      const back = Buffer.alloc(65536);
      await d.read(d.size - 65536, back);
      assert.ok(back.equals(tail));
      assert.equal(d.controllerStats.resets, 0);
      await d.close();
    });

    test('keep-alive keeps an idle controller alive past its KATO', async () => {
      const d = await connect({ subnqn: NQN_A, keepAliveTimeoutMs: 2000, ioQueues: 1 });
      await sleep(6000); // idle for three keep-alive timeouts
      assert.equal(d.state, 'live');
      assert.equal(d.controllerStats.resets, 0);
      assert.ok(d.controllerStats.keepAlives > 0);
      await d.write(0, Buffer.alloc(512));
      await d.close();
      assert.equal(d.controller.shutdownOutcome, 'clean');
    });

    test('without keep-alives the target expires the controller; we notice and reconnect', async () => {
      const d = await connect({
        subnqn: NQN_A,
        keepAliveTimeoutMs: 2000,
        keepAliveIntervalMs: 3_600_000, // never, in this test
        reconnectDelayMs: 100,
        ioQueues: 1,
      });
      const states: ControllerState[] = [];
      d.controller.on('state', (s) => states.push(s));
      await until('the target to drop the idle controller', () => d.controllerStats.resets > 0, 60_000);
      await until('the reconnect', () => d.state === 'live', 30_000);
      assert.deepEqual(states.slice(0, 2), ['resetting', 'live']);
      await d.write(0, patternBuffer(512, 8));
      await d.close();
    });

    test('target restart: in-flight I/O fails, new I/O fails fast, then it reconnects with data intact', async () => {
      const d = await connect({
        subnqn: NQN_R,
        uuid: UUID_R,
        reconnectDelayMs: 100,
        maxReconnectDelayMs: 400,
      });
      const data = patternBuffer(MiB, 41);
      await d.write(0, data);
      await d.flush();
      // Continuous reads while the target goes away.
      let stop = false;
      const errors: string[] = [];
      let reads = 0;
      const readers = Array.from({ length: 8 }, async () => {
        const b = Buffer.alloc(4096);
        for (let i = 0; i < 100_000 && !stop; i++) {
          try {
            await d.read((i % 256) * 4096, b);
            reads++;
          } catch (e) {
            errors.push(code(e));
            await sleep(20);
          }
        }
      });
      await until('some reads', () => reads > 50);
      await guest(`unlink_sub ${NQN_R}`);
      await until('the controller to go down', () => d.state === 'resetting');
      await assert.rejects(d.read(0, Buffer.alloc(512)), (e: unknown) =>
        isMayastorError(e, BdevErrors.IO_ERROR),
      );
      await sleep(500); // a few failed reconnect attempts: the subsystem is gone
      assert.equal(d.state, 'resetting');
      await guest(`link_sub ${NQN_R}`);
      await until('the reconnect', () => d.state === 'live');
      stop = true;
      await Promise.all(readers);
      assert.ok(errors.length > 0);
      assert.deepEqual([...new Set(errors)], [BdevErrors.IO_ERROR]);
      const s = d.controllerStats;
      assert.equal(s.resets, 1);
      assert.equal(s.reconnects, 1);
      assert.ok(s.reconnectAttempts > 1, 'attempts failed while the subsystem was away');
      const back = Buffer.alloc(MiB);
      await d.read(0, back);
      assert.ok(back.equals(data));
      await d.close();
    });

    test('with fast_io_fail_tmo, I/O waits through a short outage instead of failing', async () => {
      const d = await connect({
        subnqn: NQN_R,
        uuid: UUID_R,
        reconnectDelayMs: 100,
        maxReconnectDelayMs: 400,
        fastIoFailTimeoutMs: 120_000,
      });
      await guest(`unlink_sub ${NQN_R}`);
      await until('the controller to go down', () => d.state === 'resetting');
      const data = patternBuffer(65536, 51);
      let settled = false;
      const w = d.write(MiB, data).finally(() => (settled = true));
      await sleep(500);
      assert.equal(settled, false, 'the write waits for the controller');
      await guest(`link_sub ${NQN_R}`);
      await w;
      const back = Buffer.alloc(65536);
      await d.read(MiB, back);
      assert.ok(back.equals(data));
      await d.close();
    });

    test('ctrl-loss timeout: the device gives up, stays failed, and reconnect() revives it', async () => {
      const d = await connect({
        subnqn: NQN_R,
        uuid: UUID_R,
        reconnectDelayMs: 100,
        maxReconnectDelayMs: 200,
        ctrlLossTimeoutMs: 1500,
      });
      await guest(`unlink_sub ${NQN_R}`);
      await until('the controller to give up', () => d.state === 'failed');
      await guest(`link_sub ${NQN_R}`);
      await sleep(500);
      assert.equal(d.state, 'failed', 'no reconnect after giving up');
      await assert.rejects(
        d.read(0, Buffer.alloc(512)),
        (e: unknown) => isMayastorError(e, BdevErrors.IO_ERROR) && /reconnect\(\)/.test(e.message),
      );
      await d.reconnect();
      assert.equal(d.state, 'live');
      await d.read(0, Buffer.alloc(512));
      await d.close();
    });

    test('a reconnect that finds a different namespace is refused until the right one is back', async () => {
      const d = await connect({ subnqn: NQN_R, reconnectDelayMs: 100, maxReconnectDelayMs: 200 });
      assert.equal(d.uuid, UUID_R);
      const data = patternBuffer(8192, 61);
      await d.write(2 * MiB, data);
      const other = newUuid();
      await guest(`unlink_sub ${NQN_R} && set_uuid ${NQN_R} ${other} && link_sub ${NQN_R}`);
      await until('the controller to refuse the new namespace', () => d.state === 'failed');
      const err = d.controller.lastError!;
      assert.equal(err.code, NvmfErrors.NAMESPACE_MISMATCH);
      assert.ok(err.message.includes(other));
      await assert.rejects(d.read(0, Buffer.alloc(512)), (e: unknown) =>
        isMayastorError(e, BdevErrors.IO_ERROR),
      );
      await guest(`unlink_sub ${NQN_R} && set_uuid ${NQN_R} ${UUID_R} && link_sub ${NQN_R}`);
      await d.reconnect();
      const back = Buffer.alloc(8192);
      await d.read(2 * MiB, back);
      assert.ok(back.equals(data));
      await d.close();
    });

    test('closing a device whose target is away does not hang', async () => {
      const d = await connect({ subnqn: NQN_R, reconnectDelayMs: 100, fastIoFailTimeoutMs: 60_000 });
      await guest(`unlink_sub ${NQN_R}`);
      await until('the controller to go down', () => d.state === 'resetting');
      const waiting = d.read(0, Buffer.alloc(512));
      await d.close();
      await assert.rejects(waiting, (e: unknown) => isMayastorError(e, BdevErrors.CLOSED));
      assert.equal(d.state, 'closed');
      assert.equal(d.controller.shutdownOutcome, 'forced');
      await guest(`link_sub ${NQN_R}`);
    });

    test('frozen target: the command times out (BDEV_TIMEOUT), the controller resets and comes back after the thaw', async () => {
      const d = await connect({
        subnqn: NQN_A,
        ioTimeoutMs: 1000,
        adminTimeoutMs: 1000,
        reconnectDelayMs: 100,
        maxReconnectDelayMs: 500,
      });
      const data = patternBuffer(65536, 71);
      await d.write(0, data);
      const pid = qemuPid(vm!);
      assert.ok(pid, 'found the QEMU process');
      process.kill(pid, 'SIGSTOP');
      try {
        const results = await Promise.allSettled([
          d.write(65536, patternBuffer(4096, 72)),
          ...Array.from({ length: 4 }, () => d.read(0, Buffer.alloc(4096))),
        ]);
        const codes = results.map((r) => (r.status === 'rejected' ? code(r.reason) : 'ok'));
        assert.ok(codes.includes(BdevErrors.TIMEOUT), `one command timed out: ${codes.join(',')}`);
        assert.ok(
          codes.every((c) => c === BdevErrors.TIMEOUT || c === BdevErrors.IO_ERROR),
          codes.join(','),
        );
        assert.equal(d.state, 'resetting');
        await assert.rejects(d.read(0, Buffer.alloc(512)), (e: unknown) =>
          isMayastorError(e, BdevErrors.IO_ERROR),
        );
        await sleep(1500); // reconnect attempts time out against the frozen target
        assert.equal(d.state, 'resetting');
      } finally {
        process.kill(pid, 'SIGCONT');
      }
      await until('the reconnect after the thaw', () => d.state === 'live', 60_000);
      const back = Buffer.alloc(65536);
      await d.read(0, back);
      assert.ok(back.equals(data));
      assert.ok(d.controllerStats.reconnectAttempts > 1);
      await d.close();
    });
  },
);
