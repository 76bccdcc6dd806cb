/**
 * A replica: a block device carved out of a pool (Mayastor's lvol). Its logical clusters map to
 * physical clusters of the pool's device; I/O within one cluster (the common case) is a single
 * device I/O at a translated offset. A thin replica reads zeros where nothing was written and
 * allocates a cluster on the first write to it (see pool.ts for the durability rules).
 */
import { BaseBlockDevice } from '../bdev/base.js';
import { bdevError, BdevErrors } from '../bdev/errors.js';
import { isMayastorError } from '../core/errors.js';
import { NO_CLUSTER } from './meta.js';
import { PoolErrors } from './errors.js';
import type { Pool } from './pool.js';

const noop = (): void => undefined;

export class Replica extends BaseBlockDevice {
  readonly driver = 'replica';
  private readonly cs: number;
  private map: Uint32Array;
  /** Thin clusters whose first write is in progress; I/O to them waits. */
  private readonly allocating = new Map<number, Promise<void>>();

  constructor(
    readonly pool: Pool,
    uuid: string,
    name: string,
    readonly entityId: string,
    size: number,
    readonly thin: boolean,
    map: Uint32Array,
  ) {
    super(name, uuid, pool.blockSize, size / pool.blockSize);
    this.cs = pool.clusterSize;
    this.map = map;
  }

  /** Bytes of pool space this replica holds. */
  get allocatedBytes(): number {
    let n = 0;
    for (const p of this.map) if (p !== NO_CLUSTER) n++;
    return n * this.cs;
  }

  /** The live logical → physical map (read-only use). */
  clusterMap(): Uint32Array {
    return this.map;
  }

  /**
   * Called by the pool once a resize is durable. The new map is built here, synchronously from
   * the live one, so a thin allocation completing during the resize is not lost.
   */
  grow(size: number, added: Uint32Array): void {
    const map = new Uint32Array(Math.ceil(size / this.cs)).fill(NO_CLUSTER);
    map.set(this.map);
    if (added.length > 0) map.set(added, this.map.length);
    this.map = map;
    this.blocks = size / this.blockSize;
  }

  // ---------------------------------------------------------------- I/O

  protected doRead(offset: number, buf: Buffer): Promise<void> {
    if (!this.pool.isOnline) return Promise.reject(this.asIoError(this.pool.unusableError()));
    const cs = this.cs;
    const ci = Math.floor(offset / cs);
    const within = offset - ci * cs;
    // The common case, one cluster: no closure, no array.
    if (within + buf.length <= cs) return this.readCluster(ci, within, buf);
    return this.split(offset, buf.length, (c, w, pos, n) =>
      this.readCluster(c, w, buf.subarray(pos, pos + n)),
    );
  }

  protected doWrite(offset: number, buf: Buffer): Promise<void> {
    if (!this.pool.isOnline) return Promise.reject(this.asIoError(this.pool.unusableError()));
    const cs = this.cs;
    const ci = Math.floor(offset / cs);
    const within = offset - ci * cs;
    if (within + buf.length <= cs) return this.writeCluster(ci, within, buf);
    return this.split(offset, buf.length, (c, w, pos, n) =>
      this.writeCluster(c, w, buf.subarray(pos, pos + n)),
    );
  }

  protected doFlush(): Promise<void> {
    return this.pool.sync().catch((e: unknown) => {
      throw this.asIoError(e);
    });
  }

  protected doUnmap(offset: number, length: number): Promise<void> {
    return this.doWriteZeroes(offset, length);
  }

  protected doWriteZeroes(offset: number, length: number): Promise<void> {
    if (!this.pool.isOnline) return Promise.reject(this.asIoError(this.pool.unusableError()));
    return this.split(offset, length, (ci, within, _pos, n) => this.zeroCluster(ci, within, n));
  }

  protected doClose(): Promise<void> {
    return Promise.resolve();
  }

  /** Run `fn` for each cluster-sized piece of [offset, offset+length). */
  private split(
    offset: number,
    length: number,
    fn: (ci: number, within: number, pos: number, n: number) => Promise<void>,
  ): Promise<void> {
    const cs = this.cs;
    const ci = Math.floor(offset / cs);
    const within = offset - ci * cs;
    if (within + length <= cs) return fn(ci, within, 0, length);
    const parts: Promise<void>[] = [];
    let pos = 0;
    let c = ci;
    let w = within;
    while (pos < length) {
      const n = Math.min(cs - w, length - pos);
      parts.push(fn(c, w, pos, n));
      pos += n;
      c++;
      w = 0;
    }
    return Promise.all(parts).then(noop);
  }

  private readCluster(ci: number, within: number, buf: Buffer): Promise<void> {
    const p = this.map[ci]!;
    if (p !== NO_CLUSTER) return this.pool.dataRead(this.pool.clusterOffset(p) + within, buf);
    const inflight = this.allocating.get(ci);
    if (inflight) return inflight.then(() => this.readCluster(ci, within, buf));
    buf.fill(0);
    return Promise.resolve();
  }

  private writeCluster(ci: number, within: number, buf: Buffer): Promise<void> {
    const p = this.map[ci]!;
    if (p !== NO_CLUSTER) return this.pool.dataWrite(this.pool.clusterOffset(p) + within, buf);
    const inflight = this.allocating.get(ci);
    if (inflight) return inflight.then(() => this.writeCluster(ci, within, buf));
    return this.allocateAndWrite(ci, within, buf);
  }

  private zeroCluster(ci: number, within: number, n: number): Promise<void> {
    const p = this.map[ci]!;
    if (p !== NO_CLUSTER) return this.pool.dataWriteZeroes(this.pool.clusterOffset(p) + within, n);
    const inflight = this.allocating.get(ci);
    if (inflight) return inflight.then(() => this.zeroCluster(ci, within, n));
    return Promise.resolve(); // an unallocated thin cluster already reads as zeros
  }

  /**
   * First write to a thin cluster: take a free cluster, write all of it (zeros around the data)
   * so it can never show a previous owner's bytes, then publish it in the map and queue its
   * allocation record for the next flush.
   */
  private allocateAndWrite(ci: number, within: number, buf: Buffer): Promise<void> {
    let physical: number;
    try {
      physical = this.pool.allocateCluster();
    } catch (e) {
      return Promise.reject(
        isMayastorError(e, PoolErrors.NO_SPACE)
          ? bdevError(
              BdevErrors.NO_SPACE,
              `replica ${this.uuid}: pool '${this.pool.name}' has no free cluster`,
              { cause: e },
            )
          : e,
      );
    }
    const pool = this.pool;
    const base = pool.clusterOffset(physical);
    const end = within + buf.length;
    const writes: Promise<void>[] = [pool.dataWrite(base + within, buf)];
    if (within > 0) writes.push(pool.dataWriteZeroes(base, within));
    if (end < this.cs) writes.push(pool.dataWriteZeroes(base + end, this.cs - end));
    const done = Promise.all(writes).then(
      () => {
        this.map[ci] = physical;
        this.allocating.delete(ci);
        this.pool.allocationWritten(this.uuid, ci, physical);
      },
      (e: unknown) => {
        this.allocating.delete(ci);
        this.pool.free(physical);
        throw this.asIoError(e);
      },
    );
    this.allocating.set(ci, done);
    return done;
  }

  /** Errors from the pool's device or the pool itself, as this replica's I/O errors. */
  private asIoError(e: unknown): Error {
    if (isMayastorError(e) && e.code.startsWith('BDEV_')) return e;
    const msg = e instanceof Error ? e.message : String(e);
    return bdevError(BdevErrors.IO_ERROR, `replica ${this.uuid}: ${msg}`, { cause: e });
  }
}
