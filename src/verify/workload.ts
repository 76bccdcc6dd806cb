/**
 * The verifying workload: random writes, write-zeroes and verifying reads over a region of a
 * block device, every write stamped (stamp.ts) and journaled (journal.ts), never two writes in
 * flight on the same block. Reads check, while the workload runs, that every block not in
 * flight holds exactly its last acknowledged content: a read served from a stale mirror shows
 * up here, not only in the final check.
 */
import type { BlockDevice } from '../bdev/index.js';
import { describeError } from '../core/errors.js';
import { parseBlock, runIdBytes, stampBlock } from './stamp.js';
import type { JournalWriter } from './journal.js';
import { Prng } from '../core/prng.js';

export { Prng };

export interface RunBounds {
  /** Stop after this many operations (of this run) ... */
  ops?: number;
  /** ... or after this many seconds ... */
  seconds?: number;
  /** ... or when aborted. */
  signal?: AbortSignal;
}

export interface WorkloadOptions {
  /** The device written; may be replaced between runs (`workload.device = ...`), e.g. a re-created nexus. */
  device: BlockDevice;
  journal: JournalWriter;
  /** Writes in flight (and reads) at once. */
  queueDepth?: number;
  /** Largest write in blocks (each I/O is 1..maxBlocks blocks). */
  maxBlocks?: number;
  /** Percent of operations that are verifying reads. */
  readPct?: number;
  /** Percent of operations that are write-zeroes or unmap (alternating). */
  zeroPct?: number;
  /** Issue a flush every this many operations (0: never). */
  flushEvery?: number;
  /** Bounds for runToEnd(). */
  ops?: number;
  seconds?: number;
  signal?: AbortSignal;
  /** PRNG seed, for reproducible runs. */
  seed?: number;
  /** Stop at the first I/O error (default false: count it and go on). */
  stopOnError?: boolean;
  /** Told about every verifying read that saw wrong data, as it happens. */
  onMismatch?: (m: ReadMismatch) => void;
}

export interface ReadMismatch {
  lba: number;
  expected: string;
  found: string;
}

export interface WorkloadStats {
  ops: number;
  writesIssued: number;
  writesAcked: number;
  zeroesAcked: number;
  writeErrors: number;
  readsVerified: number;
  blocksVerified: number;
  readErrors: number;
  flushes: number;
  flushErrors: number;
  readMismatches: number;
  mismatches: ReadMismatch[];
  firstError: string | undefined;
  elapsedMs: number;
}

const F_ACKED = 1;
const F_ZERO = 2;
const F_UNCERTAIN = 4;

export class VerifyWorkload {
  device: BlockDevice;
  private readonly j: JournalWriter;
  private readonly runId: Buffer;
  private readonly bs: number;
  private readonly start: number;
  private readonly blocks: number;
  private readonly prng: Prng;
  private seq = 0;
  /** Per block of the region: last acknowledged seq and flags. */
  private readonly lastAck: Float64Array;
  private readonly flags: Uint8Array;
  private readonly busy: Uint8Array;
  private waiters: Array<() => void> = [];
  private stopping = false;
  private readonly stats: WorkloadStats = {
    ops: 0,
    writesIssued: 0,
    writesAcked: 0,
    zeroesAcked: 0,
    writeErrors: 0,
    readsVerified: 0,
    blocksVerified: 0,
    readErrors: 0,
    flushes: 0,
    flushErrors: 0,
    readMismatches: 0,
    mismatches: [],
    firstError: undefined,
    elapsedMs: 0,
  };

  constructor(private readonly opts: WorkloadOptions) {
    this.device = opts.device;
    this.j = opts.journal;
    const h = opts.journal.header;
    if (h.blockSize !== this.device.blockSize) {
      throw new Error(`journal block size ${h.blockSize} differs from the device's ${this.device.blockSize}`);
    }
    if ((h.startBlock + h.numBlocks) * h.blockSize > this.device.size) {
      throw new Error(`the journal's region ends past the end of ${this.device.name}`);
    }
    this.runId = runIdBytes(h.runId);
    this.bs = h.blockSize;
    this.start = h.startBlock;
    this.blocks = h.numBlocks;
    this.prng = new Prng(opts.seed ?? 1);
    this.lastAck = new Float64Array(this.blocks);
    this.flags = new Uint8Array(this.blocks);
    this.busy = new Uint8Array(this.blocks);
  }

  /** Ask the workload to stop after the I/O in flight. */
  stop(): void {
    this.stopping = true;
  }

  /** Statistics so far (the object is live). */
  get progress(): Readonly<WorkloadStats> {
    return this.stats;
  }

  /** Run with the bounds given at construction. */
  runToEnd(): Promise<WorkloadStats> {
    return this.run({ ops: this.opts.ops, seconds: this.opts.seconds, signal: this.opts.signal });
  }

  /**
   * Run until one of the bounds is reached, then wait for the I/O in flight and commit the
   * journal. May be called again (statistics and expectations carry over, sequence numbers go on).
   */
  async run(bounds: RunBounds): Promise<WorkloadStats> {
    const t0 = Date.now();
    const deadline = bounds.seconds !== undefined ? t0 + bounds.seconds * 1000 : Infinity;
    const maxOps = bounds.ops !== undefined ? this.stats.ops + bounds.ops : Infinity;
    if (maxOps === Infinity && deadline === Infinity && !bounds.signal) {
      throw new Error('the workload needs a bound: ops, seconds or an abort signal');
    }
    this.stopping = false;
    const qd = Math.max(1, this.opts.queueDepth ?? 32);
    const worker = async () => {
      for (let n = 1; ; n++) {
        if (this.stopping || bounds.signal?.aborted) return;
        if (this.stats.ops >= maxOps || Date.now() >= deadline) return;
        this.stats.ops++;
        await this.oneOp();
        // A device that completes in microtasks (a RAM disk) would otherwise starve timers and
        // I/O callbacks, including the abort signal's.
        if ((n & 31) === 0) await new Promise<void>((r) => setImmediate(r));
      }
    };
    const workers: Promise<void>[] = [];
    for (let i = 0; i < qd; i++) workers.push(worker());
    await Promise.all(workers);
    await this.j.commit();
    this.stats.elapsedMs += Date.now() - t0;
    return this.stats;
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** A free range of 1..maxBlocks blocks, or undefined after a few tries. */
  private pickRange(maxBlocks: number): { b: number; n: number } | undefined {
    for (let attempt = 0; attempt < 16; attempt++) {
      const b = this.prng.below(this.blocks);
      let n = 1 + this.prng.below(maxBlocks);
      if (b + n > this.blocks) n = this.blocks - b;
      let free = true;
      for (let i = 0; i < n; i++) {
        if (this.busy[b + i]) {
          free = false;
          break;
        }
      }
      if (free) return { b, n };
    }
    return undefined;
  }

  private async oneOp(): Promise<void> {
    const flushEvery = this.opts.flushEvery ?? 0;
    if (flushEvery > 0 && this.stats.ops % flushEvery === 0) return this.flush();
    const r = this.prng.below(100);
    const readPct = this.opts.readPct ?? 20;
    const zeroPct = this.opts.zeroPct ?? 5;
    const range = this.pickRange(Math.max(1, this.opts.maxBlocks ?? 8));
    if (!range) {
      // Everything we tried is busy: wait for some I/O to finish.
      await new Promise<void>((res) => this.waiters.push(res));
      return;
    }
    for (let i = 0; i < range.n; i++) this.busy[range.b + i] = 1;
    try {
      if (r < readPct) await this.verifyingRead(range.b, range.n);
      else await this.write(range.b, range.n, r < readPct + zeroPct);
    } finally {
      for (let i = 0; i < range.n; i++) this.busy[range.b + i] = 0;
      this.wake();
    }
  }

  private noteError(e: unknown): void {
    this.stats.firstError ??= describeError(e);
    if (this.opts.stopOnError) this.stopping = true;
  }

  private async write(b: number, n: number, zero: boolean): Promise<void> {
    const seq = ++this.seq;
    const lba = this.start + b;
    this.stats.writesIssued++;
    this.j.intent(seq, lba, n, zero);
    try {
      // Zeros carry no sequence number: a zeroed block cannot prove which write zeroed it, so
      // the intent of a zeroing write must be durable before the write is issued.
      if (zero) await this.j.commit();
      if (zero) {
        // Alternate between the two zeroing operations; both must leave zeros on every mirror.
        if (seq & 1) await this.device.writeZeroes(lba * this.bs, n * this.bs);
        else await this.device.unmap(lba * this.bs, n * this.bs);
      } else {
        const buf = Buffer.allocUnsafe(n * this.bs);
        for (let i = 0; i < n; i++)
          stampBlock(buf.subarray(i * this.bs, (i + 1) * this.bs), this.runId, lba + i, seq);
        await this.device.write(lba * this.bs, buf);
      }
    } catch (e) {
      this.stats.writeErrors++;
      for (let i = 0; i < n; i++) this.flags[b + i]! |= F_UNCERTAIN;
      this.noteError(e);
      return;
    }
    this.j.ack(seq, lba, n, zero);
    if (zero) this.stats.zeroesAcked++;
    else this.stats.writesAcked++;
    for (let i = 0; i < n; i++) {
      this.lastAck[b + i] = seq;
      this.flags[b + i] = F_ACKED | (zero ? F_ZERO : 0);
    }
  }

  private async verifyingRead(b: number, n: number): Promise<void> {
    const lba = this.start + b;
    const buf = Buffer.alloc(n * this.bs);
    try {
      await this.device.read(lba * this.bs, buf);
    } catch (e) {
      this.stats.readErrors++;
      this.noteError(e);
      return;
    }
    this.stats.readsVerified++;
    for (let i = 0; i < n; i++) {
      const f = this.flags[b + i]!;
      // Only blocks whose content is certain: acknowledged, and no failed write since.
      if (!(f & F_ACKED) || f & F_UNCERTAIN) continue;
      this.stats.blocksVerified++;
      const got = parseBlock(buf.subarray(i * this.bs, (i + 1) * this.bs), this.runId, lba + i);
      const want = this.lastAck[b + i]!;
      const ok = f & F_ZERO ? got.kind === 'zero' : got.kind === 'stamp' && got.seq === want;
      if (!ok) {
        this.stats.readMismatches++;
        const m: ReadMismatch = {
          lba: lba + i,
          expected: f & F_ZERO ? `zeros (seq ${want})` : `seq ${want}`,
          found: got.kind === 'stamp' ? `seq ${got.seq}` : got.kind,
        };
        if (this.stats.mismatches.length < 20) this.stats.mismatches.push(m);
        this.opts.onMismatch?.(m);
      }
    }
  }

  private async flush(): Promise<void> {
    const acks = this.j.acks;
    try {
      await this.device.flush();
    } catch (e) {
      this.stats.flushErrors++;
      this.noteError(e);
      return;
    }
    this.stats.flushes++;
    this.j.flushed(acks);
  }
}
