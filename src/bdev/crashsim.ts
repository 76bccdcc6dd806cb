/**
 * A RAM-backed device that simulates losing power, for crash-consistency tests.
 *
 * It counts write-type operations (write, writeZeroes, unmap). With a plan, power is lost right
 * after the k-th one is issued: that write may be torn at 512-byte sector granularity (sectors
 * are the unit real disks write atomically), and every later write is silently dropped while
 * reads keep seeing what the program wrote, exactly as if the machine died at that instant and
 * the program's view lived on only in memory. `image()` is then the medium after power returns:
 *
 * - mode 'prefix': all writes up to the k-th reached the medium in order (the k-th perhaps torn).
 *   Disks are not that kind, so:
 * - mode 'reorder': only what a completed flush covered is certain; each write issued since the
 *   last flush independently reached the medium or not, whole or torn.
 */
import { BaseBlockDevice } from './base.js';
import { newUuid } from '../core/uuid.js';
import { Prng } from '../core/prng.js';

export const SECTOR = 512;

export interface CrashPlan {
  /** Power is lost right after the k-th write-type operation (1-based) is issued. */
  afterWrites: number;
  /** How the k-th write reaches the medium. */
  tear: 'none' | 'prefix' | 'random';
  mode: 'prefix' | 'reorder';
  seed: number;
}

interface PendingWrite {
  offset: number;
  data: Buffer;
}

function rng(seed: number): () => number {
  const p = new Prng(seed);
  return () => p.fraction();
}

export class CrashSimDevice extends BaseBlockDevice {
  readonly driver = 'crashsim';
  /** What reads see: every accepted write applied. */
  private readonly current: Buffer;
  /** The medium as of the last completed flush (reorder mode). */
  private readonly flushed: Buffer;
  private cache: PendingWrite[] = [];
  private crashImage: Buffer | undefined;
  private readonly random: () => number;
  writesIssued = 0;
  flushesCompleted = 0;

  constructor(
    medium: Buffer,
    blockSize: number,
    private readonly plan?: CrashPlan,
  ) {
    super('crashsim', newUuid(), blockSize, medium.length / blockSize);
    this.current = Buffer.from(medium);
    this.flushed = Buffer.from(medium);
    this.random = rng(plan?.seed ?? 1);
  }

  get crashed(): boolean {
    return this.crashImage !== undefined;
  }

  /** The medium after the crash, or (no crash yet) everything written so far. */
  image(): Buffer {
    return Buffer.from(this.crashImage ?? this.current);
  }

  private record(offset: number, data: Buffer): void {
    if (this.crashed) {
      data.copy(this.current, offset); // the program's view goes on; the medium does not
      return;
    }
    const n = ++this.writesIssued;
    const plan = this.plan;
    if (plan && n === plan.afterWrites) {
      this.crashImage = this.powerLoss(offset, data, plan);
      data.copy(this.current, offset);
      return;
    }
    data.copy(this.current, offset);
    if (plan?.mode === 'reorder') this.cache.push({ offset, data: Buffer.from(data) });
  }

  private tornSectors(data: Buffer, how: CrashPlan['tear'], into: Buffer, offset: number): void {
    const sectors = data.length / SECTOR;
    for (let s = 0; s < sectors; s++) {
      const keep =
        how === 'none' ? true : how === 'prefix' ? s < Math.floor(sectors / 2) : this.random() < 0.5;
      if (keep) data.copy(into, offset + s * SECTOR, s * SECTOR, (s + 1) * SECTOR);
    }
  }

  private powerLoss(offset: number, data: Buffer, plan: CrashPlan): Buffer {
    if (plan.mode === 'prefix') {
      const img = Buffer.from(this.current);
      this.tornSectors(data, plan.tear, img, offset);
      return img;
    }
    const img = Buffer.from(this.flushed);
    for (const w of this.cache) {
      const r = this.random();
      if (r < 0.5) continue; // never reached the medium
      this.tornSectors(w.data, r < 0.625 ? 'random' : 'none', img, w.offset);
    }
    this.tornSectors(data, plan.tear, img, offset);
    return img;
  }

  protected doRead(offset: number, buf: Buffer): Promise<void> {
    this.current.copy(buf, 0, offset, offset + buf.length);
    return Promise.resolve();
  }

  protected doWrite(offset: number, buf: Buffer): Promise<void> {
    this.record(offset, buf);
    return Promise.resolve();
  }

  protected doWriteZeroes(offset: number, length: number): Promise<void> {
    this.record(offset, Buffer.alloc(length));
    return Promise.resolve();
  }

  protected doUnmap(offset: number, length: number): Promise<void> {
    return this.doWriteZeroes(offset, length);
  }

  protected doFlush(): Promise<void> {
    if (!this.crashed) {
      for (const w of this.cache) w.data.copy(this.flushed, w.offset);
      this.cache = [];
      this.flushesCompleted++;
    }
    return Promise.resolve();
  }

  protected doClose(): Promise<void> {
    return Promise.resolve();
  }
}
