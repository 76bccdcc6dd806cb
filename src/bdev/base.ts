/**
 * Shared behaviour of block-device drivers: argument validation, I/O statistics, close
 * semantics. Drivers implement the `do*` methods and may assume their arguments are valid,
 * block-aligned, non-empty and in range.
 */
import { performance } from 'node:perf_hooks';
import { bdevError, BdevErrors } from './errors.js';
import { newIoStats, type BlockDevice, type IoStats, type WriteOptions } from './types.js';
import type { MayastorError } from '../core/errors.js';

type Op = 'read' | 'write' | 'unmap' | 'writeZeroes';

export abstract class BaseBlockDevice implements BlockDevice {
  readonly stats: IoStats = newIoStats();
  abstract readonly driver: string;
  protected closed = false;
  private inflight = 0;
  private drained: (() => void) | undefined;

  protected constructor(
    readonly name: string,
    readonly uuid: string,
    readonly blockSize: number,
    protected blocks: number,
  ) {}

  get numBlocks(): number {
    return this.blocks;
  }

  get size(): number {
    return this.blocks * this.blockSize;
  }

  protected abstract doRead(offset: number, buf: Buffer): Promise<void>;
  protected abstract doWrite(offset: number, buf: Buffer): Promise<void>;
  protected abstract doFlush(): Promise<void>;
  protected abstract doUnmap(offset: number, length: number): Promise<void>;
  protected abstract doWriteZeroes(offset: number, length: number): Promise<void>;
  protected abstract doClose(): Promise<void>;

  /** Returns an error for an invalid request, or undefined. */
  protected check(op: Op, offset: number, length: number): MayastorError | undefined {
    if (this.closed) return bdevError(BdevErrors.CLOSED, `${this.name}: device is closed`);
    const bs = this.blockSize;
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
      return bdevError(
        BdevErrors.OUT_OF_RANGE,
        `${this.name}: ${op} at offset ${offset} length ${length} is invalid`,
      );
    }
    if (offset % bs !== 0 || length % bs !== 0) {
      return bdevError(
        BdevErrors.MISALIGNED,
        `${this.name}: ${op} at offset ${offset} length ${length} is not aligned to the ${bs}-byte block size`,
        { details: { offset, length, blockSize: bs } },
      );
    }
    if (offset + length > this.size) {
      return bdevError(
        BdevErrors.OUT_OF_RANGE,
        `${this.name}: ${op} of ${length} bytes at offset ${offset} goes past the end of the device (${this.size} bytes)`,
        { details: { offset, length, size: this.size } },
      );
    }
    return undefined;
  }

  read(offset: number, buf: Buffer): Promise<void> {
    const err = this.check('read', offset, buf.length);
    if (err) return Promise.reject(err);
    if (buf.length === 0) return Promise.resolve();
    const t0 = performance.now();
    this.inflight++;
    return this.doRead(offset, buf).then(
      () => {
        const us = (performance.now() - t0) * 1000;
        const s = this.stats;
        s.numReadOps++;
        s.bytesRead += buf.length;
        s.readLatencyUs += us;
        if (us > s.maxReadLatencyUs) s.maxReadLatencyUs = us;
        if (us < s.minReadLatencyUs || s.minReadLatencyUs === 0) s.minReadLatencyUs = us;
        this.done();
      },
      (e: unknown) => {
        this.stats.numReadErrors++;
        this.done();
        throw e;
      },
    );
  }

  write(offset: number, buf: Buffer, options?: WriteOptions): Promise<void> {
    const err = this.check('write', offset, buf.length);
    if (err) return Promise.reject(err);
    if (buf.length === 0) return options?.fua ? this.flush() : Promise.resolve();
    const t0 = performance.now();
    this.inflight++;
    let p = this.doWrite(offset, buf);
    if (options?.fua) p = p.then(() => this.doFlush());
    return p.then(
      () => {
        const us = (performance.now() - t0) * 1000;
        const s = this.stats;
        s.numWriteOps++;
        s.bytesWritten += buf.length;
        s.writeLatencyUs += us;
        if (us > s.maxWriteLatencyUs) s.maxWriteLatencyUs = us;
        if (us < s.minWriteLatencyUs || s.minWriteLatencyUs === 0) s.minWriteLatencyUs = us;
        this.done();
      },
      (e: unknown) => {
        this.stats.numWriteErrors++;
        this.done();
        throw e;
      },
    );
  }

  flush(): Promise<void> {
    if (this.closed) return Promise.reject(bdevError(BdevErrors.CLOSED, `${this.name}: device is closed`));
    this.inflight++;
    return this.doFlush().then(
      () => {
        this.stats.numFlushOps++;
        this.done();
      },
      (e: unknown) => {
        this.stats.numWriteErrors++;
        this.done();
        throw e;
      },
    );
  }

  unmap(offset: number, length: number): Promise<void> {
    return this.zeroingOp('unmap', offset, length);
  }

  writeZeroes(offset: number, length: number): Promise<void> {
    return this.zeroingOp('writeZeroes', offset, length);
  }

  private zeroingOp(op: 'unmap' | 'writeZeroes', offset: number, length: number): Promise<void> {
    const err = this.check(op, offset, length);
    if (err) return Promise.reject(err);
    if (length === 0) return Promise.resolve();
    const t0 = performance.now();
    this.inflight++;
    const p = op === 'unmap' ? this.doUnmap(offset, length) : this.doWriteZeroes(offset, length);
    return p.then(
      () => {
        const us = (performance.now() - t0) * 1000;
        const s = this.stats;
        if (op === 'unmap') {
          s.numUnmapOps++;
          s.bytesUnmapped += length;
          s.unmapLatencyUs += us;
          if (us > s.maxUnmapLatencyUs) s.maxUnmapLatencyUs = us;
          if (us < s.minUnmapLatencyUs || s.minUnmapLatencyUs === 0) s.minUnmapLatencyUs = us;
        } else {
          s.numWriteOps++;
          s.bytesWritten += length;
          s.writeLatencyUs += us;
        }
        this.done();
      },
      (e: unknown) => {
        this.stats.numWriteErrors++;
        this.done();
        throw e;
      },
    );
  }

  /**
   * Submission for stacked devices (a replica over its pool's device): no validation, no
   * statistics, no in-flight accounting. Only for callers whose own checks already guarantee an
   * aligned, in-range request on an open device, and who account the I/O themselves; it saves
   * the lower layer's bookkeeping on every I/O, which on Node's single thread is the cost that
   * matters.
   */
  submitRead(offset: number, buf: Buffer): Promise<void> {
    return this.doRead(offset, buf);
  }

  submitWrite(offset: number, buf: Buffer): Promise<void> {
    return this.doWrite(offset, buf);
  }

  submitWriteZeroes(offset: number, length: number): Promise<void> {
    return this.doWriteZeroes(offset, length);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.inflight > 0) await new Promise<void>((r) => (this.drained = r));
    await this.doClose();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private done(): void {
    if (--this.inflight === 0 && this.drained) {
      const d = this.drained;
      this.drained = undefined;
      d();
    }
  }
}
