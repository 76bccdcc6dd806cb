/**
 * The randomized fault test. A 3-way nexus over file-backed children (aio, real files) runs the
 * verifying workload without pause while a deterministic PRNG picks one fault per iteration:
 * write, read or flush errors on one or two children, hung I/O (per-I/O timeout), slow I/O, the
 * loss of every child, a crash of the nexus (re-created from NexusInfo and the persistent logs),
 * a clean restart, or the replacement of a child. Then it recovers (children brought back with
 * partial rebuilds, or replaced with full ones) while the workload goes on, and checks:
 *
 *  - the application saw an I/O error only in iterations where no healthy child was left;
 *  - no verifying read ever returned anything but the last acknowledged data;
 *  - every block of the nexus and of every child holds its last acknowledged write (or a later
 *    one that was in flight), and the children are byte-identical.
 *
 * CI runs a bounded variant. A longer soak: NEXUS_FAULT_ITERATIONS=1000 NEXUS_FAULT_SECONDS=3600,
 * another sequence: NEXUS_FAULT_SEED=<n>.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { FileDevice, type BlockDevice, type FaultOp } from '../../src/bdev/index.js';
import {
  FileIoLogStore,
  FileNexusInfoStore,
  Nexus,
  type RebuildHistoryRecord,
} from '../../src/nexus/index.js';
import { MemoryJournal, VerifyWorkload, Prng } from '../../src/verify/index.js';
import { sparseFile, tmpDir } from '../helpers/tmp.js';
import { createLogger, silentLogger } from '../../src/core/log.js';
import { BS, RUN_ID, assertConsistent, testUuid } from './helpers.js';
import { RemoteReplica } from './remote.js';

const ITERATIONS = Number(process.env.NEXUS_FAULT_ITERATIONS ?? 36);
const MAX_SECONDS = Number(process.env.NEXUS_FAULT_SECONDS ?? 300);
const SEED = Number(process.env.NEXUS_FAULT_SEED ?? 20250101);
// Large enough, with small segments, that a phase dirties only part of the device: a partial
// rebuild that missed a segment would then leave a difference for the check to find.
const CHILD_SIZE = 32 << 20;
const SEGMENT = 16 << 10;
// Short enough that hung I/O is retired quickly, long enough that a shared, busy disk (an
// fdatasync can stall for hundreds of milliseconds) rarely times out by itself. When it does,
// that is one more fault the nexus must survive, and the test copes (see recover()).
const TIMEOUT_MS = 1000;
const PHASE_OPS = 400;

const KINDS = [
  'write-error',
  'read-error',
  'flush-error',
  'timeout',
  'slow',
  'double-fault',
  'total-failure',
  'nexus-crash',
  'clean-restart',
  'replace',
  'remote-kill',
] as const;
type Kind = (typeof KINDS)[number];
/** One child is a remote replica (another process, NVMe-oF) unless NEXUS_FAULT_REMOTE=0. */
const REMOTE = process.env.NEXUS_FAULT_REMOTE !== '0';
const ACTIVE_KINDS: readonly Kind[] = REMOTE ? KINDS : KINDS.filter((k) => k !== 'remote-kill');

interface ChildFile {
  path: string;
  uuid: string;
  /** Served by another process over NVMe-oF, reached through the initiator. */
  remote?: RemoteReplica;
}

class Harness {
  nexus!: Nexus;
  workload!: VerifyWorkload;
  readonly journal: MemoryJournal;
  files: ChildFile[] = [];
  private nextFile = 0;
  readonly nexusUuid = testUuid();
  counts = { recreations: 0, retired: 0 };
  iteration = '';
  readonly log = process.env.NEXUS_FAULT_LOG
    ? createLogger({ name: 'fault-test', level: 'info' })
    : silentLogger();
  /** Rebuild history of every nexus incarnation. */
  readonly history: RebuildHistoryRecord[] = [];

  constructor(
    readonly dir: string,
    readonly infoStore: FileNexusInfoStore,
    readonly ioLogStore: FileIoLogStore,
    readonly prng: Prng,
    journal: MemoryJournal,
  ) {
    this.journal = journal;
  }

  newFile(): ChildFile {
    const f = { path: sparseFile(this.dir, `child-${this.nextFile++}.img`, CHILD_SIZE), uuid: testUuid() };
    return f;
  }

  openDevice(f: ChildFile): Promise<BlockDevice> {
    if (f.remote) return f.remote.open();
    return FileDevice.open({
      path: f.path,
      blockSize: BS,
      engine: 'aio',
      uuid: f.uuid,
      name: path.basename(f.path),
    });
  }

  /** Create (or re-create, as a restarted process would) the nexus over the current files. */
  async open(): Promise<void> {
    if (this.nexus) this.history.push(...this.nexus.rebuildHistory());
    const devices = await Promise.all(this.files.map((f) => this.openDevice(f)));
    this.nexus = await Nexus.create({
      name: 'fault-nexus',
      uuid: this.nexusUuid,
      children: devices.map((device) => ({ device })),
      infoStore: this.infoStore,
      ioLogStore: this.ioLogStore,
      childIoTimeoutMs: TIMEOUT_MS,
      segmentSize: SEGMENT,
      rebuild: { tasks: 2, copySegments: 8 },
      log: this.log,
    });
    // One workload across every incarnation of the nexus: its journal and expectations go on.
    if (this.workload) this.workload.device = this.nexus;
    else
      this.workload = new VerifyWorkload({
        device: this.nexus,
        journal: this.journal,
        queueDepth: 16,
        flushEvery: 50,
        seed: SEED,
        onMismatch: (m) =>
          this.log.error({ mismatch: m, iteration: this.iteration }, 'verifying read saw wrong data'),
      });
  }

  pick(n: number, count: number): number[] {
    const all = Array.from({ length: n }, (_, i) => i);
    const out: number[] = [];
    while (out.length < count && all.length > 0) out.push(all.splice(this.prng.below(all.length), 1)[0]!);
    return out;
  }

  inject(childIdx: number, ops: FaultOp[], action: 'error' | 'hang', skip: number, count?: number): void {
    const c = this.nexus.children[childIdx]!;
    c.faults.inject({ ops, action: { type: action }, skip, count });
  }

  /**
   * Bring every child back: online (partial rebuild) or replace (full), with the workload
   * running, until the nexus is Online. A child can be retired again meanwhile (an I/O slower
   * than the short timeout on a loaded machine is a timeout like any other), hence the rounds.
   */
  async recover(): Promise<void> {
    for (const c of this.nexus.children) c.faults.clear();
    const ac = new AbortController();
    const running = this.workload.run({ signal: ac.signal });
    try {
      for (let round = 0; round < 10 && this.nexus.status !== 'Online'; round++) {
        if (this.nexus.status === 'Faulted') {
          // Every child is out: only a re-creation from NexusInfo brings the volume back.
          await this.nexus.close();
          await this.open();
          this.counts.recreations++;
          this.workload.device = this.nexus;
        }
        for (const c of [...this.nexus.children]) {
          if (c.state !== 'Faulted') continue;
          const f = this.files.find((x) => x.uuid === c.uuid)!;
          if (f.remote) {
            // A fresh connection (the old one may have lost its target); the old one is closed.
            await this.nexus.onlineChild(c.uuid, { drainTimeoutMs: 10_000, device: await f.remote.open() });
          } else if (this.prng.below(4) === 0 && this.nexus.status !== 'Faulted') {
            await this.replace(c.uuid);
          } else {
            await this.nexus.onlineChild(c.uuid, { drainTimeoutMs: 10_000 });
          }
        }
        for (const c of this.nexus.children) {
          if (c.state === 'Open' && c.sync === 'OutOfSync' && !c.rebuild?.isActive)
            this.nexus.startRebuild(c.uuid);
          if (c.rebuild?.isActive) await this.nexus.waitRebuild(c.uuid);
        }
      }
    } finally {
      ac.abort();
      await running;
    }
  }

  async replace(uuid: string): Promise<void> {
    const old = this.files.find((f) => f.uuid === uuid)!;
    await this.nexus.removeChild(uuid);
    this.files = this.files.filter((f) => f !== old);
    fs.rmSync(old.path, { force: true });
    const f = this.newFile();
    this.files.push(f);
    await this.nexus.addChild({ device: await this.openDevice(f) });
  }
}

test(
  'randomized faults: zero lost acknowledged writes, byte-identical children after rebuild',
  { timeout: (MAX_SECONDS + 300) * 1000 },
  async (t) => {
    const dir = tmpDir(t);
    const prng = new Prng(SEED);
    const infoStore = await FileNexusInfoStore.open(path.join(dir, 'info'));
    const ioLogStore = await FileIoLogStore.open(path.join(dir, 'iolog'));
    const journal = new MemoryJournal({
      runId: RUN_ID,
      blockSize: BS,
      startBlock: 0,
      numBlocks: CHILD_SIZE / BS,
      createdAt: Date.now(),
    });
    const h = new Harness(dir, infoStore, ioLogStore, prng, journal);
    const remote = REMOTE
      ? new RemoteReplica(sparseFile(dir, 'remote.img', CHILD_SIZE), testUuid())
      : undefined;
    t.after(() => remote?.kill());
    if (remote) await remote.start();
    h.files = [
      h.newFile(),
      h.newFile(),
      remote ? { path: remote.file, uuid: remote.uuid, remote } : h.newFile(),
    ];
    await h.open();
    try {
      const order = [...ACTIVE_KINDS];
      for (let i = order.length - 1; i > 0; i--) {
        const j = prng.below(i + 1);
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      const survived = Object.fromEntries(ACTIVE_KINDS.map((k) => [k, 0])) as Record<Kind, number>;
      const t0 = Date.now();
      let iterations = 0;
      await h.workload.run({ ops: 2 * PHASE_OPS });

      for (let iter = 0; iter < ITERATIONS && Date.now() - t0 < MAX_SECONDS * 1000; iter++) {
        // Every kind once (in a shuffled order) first, then at random.
        const kind = iter < order.length ? order[iter]! : ACTIVE_KINDS[prng.below(ACTIVE_KINDS.length)]!;
        h.iteration = `${iter} (${kind})`;
        h.log.info({ iteration: h.iteration }, 'fault test iteration');
        const n = h.nexus.children.length;
        const errorsBefore = h.workload.progress.writeErrors + h.workload.progress.readErrors;
        const [x, y] = h.pick(n, 2) as [number, number];
        let healthyThroughout = true;
        switch (kind) {
          case 'write-error':
            h.inject(x, ['write', 'writeZeroes', 'unmap'], 'error', prng.below(300), 1 + prng.below(4));
            await h.workload.run({ ops: PHASE_OPS });
            break;
          case 'read-error':
            h.inject(x, ['read'], 'error', prng.below(20));
            await h.workload.run({ ops: PHASE_OPS });
            break;
          case 'flush-error':
            h.inject(x, ['flush'], 'error', prng.below(6), 1);
            await h.workload.run({ ops: PHASE_OPS });
            break;
          case 'timeout':
            h.inject(x, prng.below(2) ? ['write'] : ['read', 'write', 'flush'], 'hang', prng.below(300));
            await h.workload.run({ ops: PHASE_OPS });
            break;
          case 'slow':
            h.nexus.children[x]!.faults.inject({
              ops: ['read', 'write'],
              action: { type: 'delay', ms: 2 + prng.below(15) },
            });
            await h.workload.run({ ops: PHASE_OPS / 2 });
            break;
          case 'double-fault':
            h.inject(x, ['write'], 'error', prng.below(200));
            h.inject(y, ['read', 'write', 'flush'], prng.below(2) ? 'error' : 'hang', prng.below(300));
            await h.workload.run({ ops: PHASE_OPS });
            break;
          case 'total-failure': {
            // Every child fails, one after another: the application sees errors once none is left.
            healthyThroughout = false;
            for (let i = 0; i < n; i++) h.inject(i, ['write', 'flush'], 'error', 50 * i + prng.below(50));
            await h.workload.run({ ops: PHASE_OPS });
            assert.equal(h.nexus.status, 'Faulted');
            const info = await infoStore.get(h.nexus.infoKey);
            assert.ok(
              info!.children.some((c) => c.healthy),
              'NexusInfo still names a healthy child',
            );
            await h.nexus.close(); // unclean: no healthy child to vouch for
            assert.equal((await infoStore.get(h.nexus.infoKey))!.clean_shutdown, false);
            await h.open();
            h.counts.recreations++;
            break;
          }
          case 'nexus-crash': {
            healthyThroughout = false;
            const ac = new AbortController();
            const running = h.workload.run({ ops: PHASE_OPS, signal: ac.signal });
            const until = h.workload.progress.ops + 50 + prng.below(PHASE_OPS - 100);
            for (let i = 0; i < 100_000 && h.workload.progress.ops < until; i++) {
              await new Promise((r) => setImmediate(r));
            }
            // The process dies with I/O in flight: nothing new is issued, nothing more is recorded.
            ac.abort();
            await h.nexus.abandon();
            await running;
            await h.open();
            h.counts.recreations++;
            break;
          }
          case 'clean-restart':
            await h.nexus.close();
            await h.open();
            h.counts.recreations++;
            assert.equal(h.nexus.status, 'Online', 'a clean restart trusts every healthy child');
            await h.workload.run({ ops: PHASE_OPS / 2 });
            break;
          case 'remote-kill': {
            // The remote replica's process dies mid-write (SIGKILL); it is restarted afterwards.
            const ac = new AbortController();
            const running = h.workload.run({ ops: PHASE_OPS, signal: ac.signal });
            const until = h.workload.progress.ops + 50 + prng.below(PHASE_OPS - 100);
            for (let i = 0; i < 100_000 && h.workload.progress.ops < until; i++) {
              await new Promise((r) => setImmediate(r));
            }
            await remote!.kill();
            await running;
            await remote!.start();
            break;
          }
          case 'replace': {
            const ac = new AbortController();
            const running = h.workload.run({ signal: ac.signal });
            try {
              // A local child (the remote one stays: it is its own process and port).
              const locals = h.nexus.children.filter((c) => !h.files.find((f) => f.uuid === c.uuid)?.remote);
              await h.replace(locals[prng.below(locals.length)]!.uuid);
            } finally {
              ac.abort();
              await running;
            }
            break;
          }
        }
        const errors = h.workload.progress.writeErrors + h.workload.progress.readErrors - errorsBefore;
        // A Faulted nexus stays Faulted, so this tells whether a healthy child was left throughout.
        if (h.nexus.status === 'Faulted') healthyThroughout = false;
        if (healthyThroughout) {
          assert.equal(errors, 0, `iteration ${iter} (${kind}): the application saw ${errors} I/O errors`);
        }
        h.counts.retired += h.nexus.children.filter((c) => c.state === 'Faulted').length;
        await h.recover();
        assert.equal(h.nexus.status, 'Online', `iteration ${iter} (${kind})`);
        assert.equal(
          h.workload.progress.readMismatches,
          0,
          `iteration ${iter} (${kind}): ${JSON.stringify(h.workload.progress.mismatches)}`,
        );
        await assertConsistent(h.nexus, journal, `iteration ${iter} (${kind})`);
        survived[kind]++;
        iterations++;
      }
      h.history.push(...h.nexus.rebuildHistory());
      const p = h.workload.progress;
      const summary = {
        seed: SEED,
        iterations,
        faultsSurvived: Object.values(survived).reduce((a, b) => a + b, 0),
        byKind: survived,
        childrenRetired: h.counts.retired,
        nexusRecreations: h.counts.recreations,
        partialRebuilds: h.history.filter((r) => r.isPartial && r.state === 'Completed').length,
        fullRebuilds: h.history.filter((r) => !r.isPartial && r.state === 'Completed').length,
        ackedWrites: p.writesAcked + p.zeroesAcked,
        failedWrites: p.writeErrors,
        blocksVerifiedByReads: p.blocksVerified,
        lostAckedWrites: 0,
        seconds: Math.round((Date.now() - t0) / 1000),
      };
      t.diagnostic(`fault test: ${JSON.stringify(summary)}`);
      process.stdout.write(`FAULT-TEST ${JSON.stringify(summary)}\n`);
      assert.ok(iterations >= Math.min(ITERATIONS, 10), `only ${iterations} iterations ran`);
      // Every kind of fault was exercised at least once in the CI variant.
      if (ITERATIONS >= ACTIVE_KINDS.length)
        for (const k of ACTIVE_KINDS) assert.ok(survived[k] > 0, `no ${k} iteration ran`);
    } finally {
      // Before the temporary directory goes (t.after): the clean shutdown is recorded there.
      await h.nexus.close().catch(() => undefined);
    }
  },
);
