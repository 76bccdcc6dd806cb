/**
 * Our initiator against our target.
 *
 * In process (for control over the namespace and the target's limits): the data-path matrix —
 * in-capsule vs R2T-only writes (the target's in-capsule limit at its default and at 0), digests
 * off/header/data/both, one and several I/O queues — each with a verifying workload and counters
 * proving which path was taken; transfers split at a small MDTS; a command that hangs in the
 * namespace (FaultInjectingDevice 'hang') timing out, the reset it causes, and the late
 * completion of the hung I/O after the thaw; errors mapped from real NVMe statuses; keep-alive
 * expiry; a subsystem removed and re-added; discovery; access control; clean shutdown.
 *
 * As separate processes (`mayastor-ts export ... --nvmf`): the target killed with SIGKILL while
 * writes are in flight and restarted on the same file and port — the initiator reconnects, I/O
 * resumes, and every acknowledged write is still there.
 */
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { NvmfTarget, type TargetLimits } from '../../src/nvmf/target/index.js';
import {
  discover,
  DiscoverySubtype,
  NvmfBlockDevice,
  NvmfErrors,
  type NvmfInitiatorOptions,
} from '../../src/nvmf/initiator/index.js';
import { Dir } from '../../src/nvmf/initiator/queue.js';
import {
  BaseBlockDevice,
  BdevErrors,
  FaultInjectingDevice,
  MallocDevice,
  type BlockDevice,
} from '../../src/bdev/index.js';
import { IoOpc } from '../../src/nvmf/spec.js';
import { isMayastorError, type MayastorError } from '../../src/core/errors.js';
import { createLogger } from '../../src/core/log.js';
import { newUuid } from '../../src/core/uuid.js';
import { freePort, startCli, type RunningProcess } from '../helpers/proc.js';
import { patternBuffer, sparseFile, tmpDir } from '../helpers/tmp.js';
import { isZero, verifiedWorkload } from './initiator-workload.js';

const MiB = 1 << 20;
const log = process.env.NVMF_TEST_LOG
  ? createLogger({ name: 'initiator-target', level: 'debug' })
  : undefined;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, cond: () => boolean, limitMs = 30_000): Promise<void> {
  for (let i = 0; i < limitMs / 20; i++) {
    if (cond()) return;
    await sleep(20);
  }
  throw new Error(`timed out waiting for ${what}`);
}

const code = (e: unknown): string => (e as MayastorError).code ?? String(e);

interface Served {
  target: NvmfTarget;
  port: number;
  nqn: string;
  uuid: string;
  dev: FaultInjectingDevice;
  connect(o?: Partial<NvmfInitiatorOptions>): Promise<NvmfBlockDevice>;
  close(): Promise<void>;
}

/** An in-process target serving one malloc namespace behind a fault injector. */
async function serve(
  opts: {
    limits?: Partial<TargetLimits>;
    sizeMb?: number;
    blockSize?: number;
    allowedHosts?: string[];
  } = {},
): Promise<Served> {
  const target = new NvmfTarget({ log, limits: opts.limits });
  const uuid = newUuid();
  const nqn = `nqn.2019-05.io.openebs:${uuid}`;
  const bs = opts.blockSize ?? 512;
  const dev = new FaultInjectingDevice(
    new MallocDevice({ name: 'm0', blockSize: bs, numBlocks: ((opts.sizeMb ?? 64) * MiB) / bs, uuid }),
  );
  target.createSubsystem({ nqn, allowedHosts: opts.allowedHosts ?? [] }).addNamespace(dev, { uuid });
  const { port } = await target.listen('127.0.0.1', 0);
  const opened: NvmfBlockDevice[] = [];
  return {
    target,
    port,
    nqn,
    uuid,
    dev,
    async connect(o = {}) {
      const d = await NvmfBlockDevice.connect({ host: '127.0.0.1', port, subnqn: nqn, log, ...o });
      opened.push(d);
      return d;
    },
    async close() {
      await Promise.allSettled(opened.map((d) => d.close()));
      await target.stop();
      await dev.close();
    },
  };
}

describe('initiator against our target: the data path matrix', () => {
  for (const inCapsule of [8192, 0]) {
    for (const [hd, dd] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      for (const queues of [1, 3]) {
        const mode = inCapsule ? 'in-capsule + R2T' : 'R2T only';
        test(`${mode}, hdgst=${hd} ddgst=${dd}, ${queues} I/O queue(s): verified random I/O`, async () => {
          const s = await serve({ limits: { inCapsuleDataSize: inCapsule } });
          try {
            const d = await s.connect({ headerDigest: hd, dataDigest: dd, ioQueues: queues });
            assert.equal(d.controller.ioQueueCount, queues);
            assert.equal(d.controller.inCapsuleDataSize, inCapsule);
            assert.equal(d.uuid, s.uuid);
            const before = d.controllerStats.io;
            const res = await verifiedWorkload(d, {
              seed: inCapsule + (hd ? 2 : 0) + (dd ? 1 : 0) + queues * 10,
              workers: 12,
              ops: 60,
              // in-capsule (<= 8 KiB), R2T, and transfers split at the target's 128 KiB MDTS
              sizes: [512, 4096, 8192, 12288, 65536, 131072, 393216],
              length: 48 * MiB,
            });
            const st = d.controllerStats.io;
            const small = [...res.writeSizes]
              .filter(([size]) => size <= inCapsule)
              .reduce((n, [, c]) => n + c, 0);
            if (inCapsule) {
              assert.equal(
                st.inCapsuleWrites - before.inCapsuleWrites,
                small,
                'every write that fits went in-capsule',
              );
            } else {
              assert.equal(st.inCapsuleWrites, before.inCapsuleWrites, 'nothing in-capsule');
            }
            assert.ok(st.r2tWrites > before.r2tWrites && st.h2cPdus >= st.r2ts);
            assert.ok(st.c2hPdus > 0);
            assert.ok(st.directReadBytes > 0, 'large reads landed straight in the caller buffers');
            assert.equal(st.dataDigestErrors, 0);
            assert.equal(d.controllerStats.resets, 0);
            for (const q of d.controller.queueStats()) assert.ok(q.commands > 1, 'every queue carried I/O');
            assert.equal(s.target.stats.protocolErrors, 0);
            assert.equal(s.target.stats.dataDigestErrors, 0);
            await d.close();
            assert.equal(d.controller.shutdownOutcome, 'clean');
          } finally {
            await s.close();
          }
        });
      }
    }
  }

  test('a small MDTS splits transfers; 4 KiB blocks; zeroing reads back zeros', async () => {
    // 8 KiB is the smallest limit MDTS can express (MDTS 0 means "no limit").
    const s = await serve({ limits: { maxIoSize: 8192 }, blockSize: 4096 });
    try {
      const d = await s.connect();
      assert.equal(d.blockSize, 4096);
      assert.equal(d.controller.maxTransferBytes, 8192);
      const data = patternBuffer(MiB, 3);
      const c0 = d.controllerStats.io.commands;
      await d.write(4 * MiB, data);
      assert.equal(d.controllerStats.io.commands - c0, 128);
      const back = Buffer.alloc(MiB);
      await d.read(4 * MiB, back);
      assert.ok(back.equals(data));
      await d.writeZeroes(4 * MiB, 65536);
      await d.unmap(4 * MiB + 65536, 65536);
      await d.flush();
      await d.read(4 * MiB, back);
      assert.ok(isZero(back.subarray(0, 131072)));
      assert.ok(back.subarray(131072).equals(data.subarray(131072)));
      const local = Buffer.alloc(MiB);
      await s.dev.read(4 * MiB, local);
      assert.ok(local.equals(back), 'the namespace holds what the initiator reads');
    } finally {
      await s.close();
    }
  });
});

describe('initiator against our target: failures', () => {
  test('a command that hangs in the namespace times out; the controller resets and reconnects; the late completion harms nothing', async () => {
    const s = await serve();
    try {
      const d = await s.connect({ ioTimeoutMs: 400, reconnectDelayMs: 50 });
      const old = patternBuffer(4096, 1);
      await d.write(0, old);
      const fault = s.dev.inject({
        ops: ['write'],
        offset: 0,
        length: 4096,
        action: { type: 'hang' },
        count: 1,
      });
      const results = await Promise.allSettled([
        d.write(0, patternBuffer(4096, 2)),
        ...Array.from({ length: 8 }, (_, i) => d.read(MiB + i * 4096, Buffer.alloc(4096))),
      ]);
      const codes = results.map((r) => (r.status === 'rejected' ? code(r.reason) : 'ok'));
      assert.equal(codes[0], BdevErrors.TIMEOUT, 'the hung write times out');
      assert.ok(
        codes.slice(1).every((c) => c === 'ok' || c === BdevErrors.IO_ERROR),
        codes.join(','),
      );
      await until('the reconnect', () => d.state === 'live');
      assert.equal(d.controllerStats.resets, 1);
      // I/O works while the old write still hangs in the namespace.
      const other = patternBuffer(8192, 3);
      await d.write(2 * MiB, other);
      // Release it: the target completes it on a connection that is long gone.
      s.dev.remove(fault);
      await until('the hung write to finish in the target', () => s.target.inflightIo === 0);
      await d.write(0, patternBuffer(4096, 4));
      const back = Buffer.alloc(8192);
      await d.read(2 * MiB, back);
      assert.ok(back.equals(other));
      await d.read(0, back.subarray(0, 4096));
      assert.ok(back.subarray(0, 4096).equals(patternBuffer(4096, 4)));
      const st = d.controllerStats;
      assert.equal(st.io.staleDropped, 0, 'nothing of the old connection reached the new one');
      assert.equal(st.resets, 1);
      assert.equal(s.target.stats.protocolErrors, 0);
    } finally {
      await s.close();
    }
  });

  test('NVMe errors from the namespace map to block-device codes with the NVMe status attached', async () => {
    const s = await serve();
    try {
      const d = await s.connect();
      s.dev.inject({ ops: ['read'], action: { type: 'error' }, count: 1 });
      await assert.rejects(d.read(0, Buffer.alloc(4096)), (e: unknown) => {
        const nvme = (e as MayastorError).details?.nvme as { sct: number; sc: number } | undefined;
        return isMayastorError(e, BdevErrors.IO_ERROR) && nvme?.sct === 2 && nvme.sc === 0x81; // Unrecovered Read Error
      });
      s.dev.inject({ ops: ['write'], action: { type: 'error', code: BdevErrors.NO_SPACE }, count: 1 });
      await assert.rejects(d.write(0, Buffer.alloc(4096)), (e: unknown) =>
        isMayastorError(e, BdevErrors.NO_SPACE),
      );
      // Past the end, bypassing the device's own range check: the target must refuse it.
      const end = d.numBlocks;
      await assert.rejects(
        d.controller.io(IoOpc.Read, end, 0, 7, 0, Dir.C2H, Buffer.alloc(4096)),
        (e: unknown) =>
          isMayastorError(e, BdevErrors.OUT_OF_RANGE) &&
          (e.details?.nvme as { name: string }).name === 'LBA Out of Range',
      );
      assert.equal(d.controllerStats.resets, 0, 'command errors do not reset the controller');
      await d.read(0, Buffer.alloc(4096));
    } finally {
      await s.close();
    }
  });

  test('without keep-alives the target expires the controller; the initiator reconnects', async () => {
    const s = await serve();
    try {
      const d = await s.connect({
        keepAliveTimeoutMs: 1000,
        keepAliveIntervalMs: 3_600_000,
        reconnectDelayMs: 50,
      });
      await until('the target to expire the controller', () => d.controllerStats.resets > 0, 20_000);
      assert.ok(s.target.stats.keepAliveTimeouts >= 1);
      await until('the reconnect', () => d.state === 'live');
      await d.write(0, Buffer.alloc(512));
    } finally {
      await s.close();
    }
  });

  test('keep-alives hold an idle controller past its KATO', async () => {
    const s = await serve();
    try {
      const d = await s.connect({ keepAliveTimeoutMs: 1000 });
      await sleep(3500);
      assert.equal(d.controllerStats.resets, 0);
      assert.ok(d.controllerStats.keepAlives > 0);
      assert.equal(s.target.stats.keepAliveTimeouts, 0);
    } finally {
      await s.close();
    }
  });

  test('a subsystem removed under the host and added back: fail fast, then reconnect to the same namespace', async () => {
    const s = await serve();
    try {
      const d = await s.connect({ reconnectDelayMs: 50, maxReconnectDelayMs: 200 });
      const data = patternBuffer(65536, 9);
      await d.write(0, data);
      s.target.removeSubsystem(s.nqn);
      await until('the controller to go down', () => d.state === 'resetting');
      await assert.rejects(d.read(0, Buffer.alloc(512)), (e: unknown) =>
        isMayastorError(e, BdevErrors.IO_ERROR),
      );
      await sleep(300);
      assert.equal(d.state, 'resetting');
      s.target.createSubsystem({ nqn: s.nqn }).addNamespace(s.dev, { uuid: s.uuid });
      await until('the reconnect', () => d.state === 'live');
      const back = Buffer.alloc(65536);
      await d.read(0, back);
      assert.ok(back.equals(data));
    } finally {
      await s.close();
    }
  });

  test('a namespace with another UUID after a reconnect is refused', async () => {
    const s = await serve();
    try {
      const d = await s.connect({ reconnectDelayMs: 50 });
      s.target.removeSubsystem(s.nqn);
      const other: BlockDevice = new MallocDevice({
        name: 'm1',
        blockSize: 512,
        numBlocks: (64 * MiB) / 512,
      });
      s.target.createSubsystem({ nqn: s.nqn }).addNamespace(other, { uuid: newUuid() });
      await until('the controller to refuse the new namespace', () => d.state === 'failed');
      assert.equal(d.controller.lastError?.code, NvmfErrors.NAMESPACE_MISMATCH);
      await other.close();
    } finally {
      await s.close();
    }
  });

  test('refusals: a host not on the allow list, an unknown subsystem, a wrong uuid', async () => {
    const allowed = 'nqn.2024-01.io.mayastor-ts.test:allowed-host';
    const s = await serve({ allowedHosts: [allowed] });
    try {
      await assert.rejects(s.connect(), (e: unknown) => isMayastorError(e, NvmfErrors.ACCESS_DENIED));
      const ok = await s.connect({ hostNqn: allowed });
      await ok.read(0, Buffer.alloc(512));
      await assert.rejects(
        s.connect({ hostNqn: allowed, subnqn: 'nqn.2019-05.io.openebs:no-such-subsystem' }),
        (e: unknown) => isMayastorError(e, NvmfErrors.NOT_FOUND),
      );
      await assert.rejects(s.connect({ hostNqn: allowed, uuid: newUuid() }), (e: unknown) =>
        isMayastorError(e, NvmfErrors.NAMESPACE_MISMATCH),
      );
    } finally {
      await s.close();
    }
  });

  test('discovery lists the subsystem; close shuts the controller down cleanly and leaves nothing behind', async () => {
    const s = await serve();
    try {
      const entries = await discover({ host: '127.0.0.1', port: s.port, log });
      const nvm = entries.filter((e) => e.subtype === DiscoverySubtype.Nvm);
      assert.deepEqual(
        nvm.map((e) => [e.subnqn, e.trsvcid]),
        [[s.nqn, String(s.port)]],
      );
      const d = await s.connect({ ioQueues: 2 });
      assert.equal(s.target.controllers().length, 1);
      await d.write(0, patternBuffer(4096, 5));
      await d.close();
      assert.equal(d.controller.shutdownOutcome, 'clean');
      await until('the target to drop the controller', () => s.target.controllers().length === 0);
      await until('the connections to close', () => s.target.connectionCount === 0);
    } finally {
      await s.close();
    }
  });
});

/** A device that can grow (as a replica does), over a larger malloc device. */
class GrowableDevice extends BaseBlockDevice {
  readonly driver = 'growable';
  constructor(
    private readonly inner: MallocDevice,
    blocks: number,
  ) {
    super('growable', inner.uuid, inner.blockSize, blocks);
  }
  grow(blocks: number): void {
    this.blocks = blocks;
  }
  protected doRead(o: number, b: Buffer) {
    return this.inner.read(o, b);
  }
  protected doWrite(o: number, b: Buffer) {
    return this.inner.write(o, b);
  }
  protected doFlush() {
    return this.inner.flush();
  }
  protected doUnmap(o: number, n: number) {
    return this.inner.unmap(o, n);
  }
  protected doWriteZeroes(o: number, n: number) {
    return this.inner.writeZeroes(o, n);
  }
  protected doClose() {
    return this.inner.close();
  }
}

describe('initiator against our target: namespace changes', () => {
  test('a namespace that grows is picked up while connected (Namespace Attribute Notice)', async () => {
    const target = new NvmfTarget({ log });
    const uuid = newUuid();
    const nqn = `nqn.2019-05.io.openebs:${uuid}`;
    const dev = new GrowableDevice(
      new MallocDevice({ name: 'g', blockSize: 512, numBlocks: (32 * MiB) / 512 }),
      (16 * MiB) / 512,
    );
    const sub = target.createSubsystem({ nqn });
    sub.addNamespace(dev, { uuid });
    const { port } = await target.listen('127.0.0.1', 0);
    const d = await NvmfBlockDevice.connect({ host: '127.0.0.1', port, subnqn: nqn, log });
    try {
      assert.equal(d.size, 16 * MiB);
      dev.grow((24 * MiB) / 512);
      sub.notifyNamespaceChanged(1);
      await until('the new size', () => d.size === 24 * MiB);
      assert.ok(d.controllerStats.asyncEvents >= 1);
      const tail = patternBuffer(65536, 81);
      await d.write(d.size - 65536, tail);
      const back = Buffer.alloc(65536);
      await d.read(d.size - 65536, back);
      assert.ok(back.equals(tail));
      // A second change is reported too (the request was re-armed).
      dev.grow((32 * MiB) / 512);
      sub.notifyNamespaceChanged(1);
      await until('the second size', () => d.size === 32 * MiB);
      assert.equal(d.controllerStats.resets, 0);
    } finally {
      await d.close();
      await target.stop();
      await dev.close();
    }
  });
});

describe('initiator against our target in another process', () => {
  const procs: RunningProcess[] = [];
  after(async () => {
    await Promise.allSettled(procs.map((p) => p.stop('SIGKILL')));
  });

  test('target killed (SIGKILL) under writes and restarted: the initiator reconnects and every acknowledged write is there', async (t) => {
    const dir = tmpDir(t);
    const file = sparseFile(dir, 'disk.img', 64 * MiB);
    const uuid = newUuid();
    const port = await freePort();
    const uri = `aio://${path.resolve(file)}?uuid=${uuid}`;
    const start = () => {
      const p = startCli(['export', uri, '--nvmf', `127.0.0.1:${port}`]);
      procs.push(p);
      return p;
    };
    let p = start();
    await p.waitFor(/export ready/);
    const subnqn = `nqn.2019-05.io.openebs:${uuid}`;
    const d = await NvmfBlockDevice.connect({
      host: '127.0.0.1',
      port,
      subnqn,
      uuid,
      log,
      reconnectDelayMs: 100,
      maxReconnectDelayMs: 500,
    });
    t.after(() => d.close());
    // Each worker rewrites its own 4 KiB blocks with a generation stamp; we remember, per block,
    // the last acknowledged generation and the one in flight when the target died.
    const workers = 8;
    const blocks = 64;
    const acked = Array.from({ length: workers * blocks }, () => -1);
    // Generations whose write failed since the block's last acknowledged one: the target may
    // have written them before it died, so the block may hold one of them instead.
    const unacked = Array.from({ length: workers * blocks }, () => new Set<number>());
    const stamp = (blk: number, gen: number) => {
      const b = patternBuffer(4096, blk * 100_003 + gen);
      b.writeUInt32LE(gen, 0);
      return b;
    };
    let stop = false;
    let failures = 0;
    let acks = 0;
    const writers = Array.from({ length: workers }, async (_, w) => {
      for (let gen = 0; gen < 1_000_000 && !stop; gen++) {
        const blk = w * blocks + (gen % blocks);
        try {
          await d.write(blk * 4096, stamp(blk, gen));
          acked[blk] = gen;
          unacked[blk]!.clear();
          acks++;
        } catch (e) {
          assert.equal(code(e), BdevErrors.IO_ERROR);
          unacked[blk]!.add(gen);
          failures++;
          await sleep(20);
        }
      }
    });
    await until('writes to flow', () => acks > 2000);
    p.proc.kill('SIGKILL');
    await p.exited;
    await until('the initiator to notice', () => d.state === 'resetting');
    p = start();
    await p.waitFor(/export ready/);
    await until('the reconnect', () => d.state === 'live');
    const acksAfter = acks;
    await until('writes to flow again', () => acks > acksAfter + 500);
    stop = true;
    await Promise.all(writers);
    assert.ok(failures > 0, 'writes in flight at the kill failed');
    // Every block holds its last acknowledged generation, or one whose write failed after it.
    const b = Buffer.alloc(4096);
    for (let blk = 0; blk < workers * blocks; blk++) {
      await d.read(blk * 4096, b);
      const gen = b.readUInt32LE(0);
      const allowed = gen === acked[blk] || unacked[blk]!.has(gen);
      assert.ok(
        allowed && b.equals(stamp(blk, gen)),
        `block ${blk}: generation ${gen}, last acknowledged ${acked[blk]}`,
      );
    }
    assert.equal(d.controllerStats.resets, 1);
    assert.equal(d.controllerStats.reconnects, 1);
  });
});
