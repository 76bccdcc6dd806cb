/**
 * A verifying workload for block devices: concurrent workers, each owning a disjoint slice of a
 * region (so no two in-flight I/Os overlap and the expected content is always defined), doing
 * random-size, random-offset writes and reads, with every read and a final full read-back
 * checked against a shadow copy. Deterministic for a seed.
 */
import type { BlockDevice } from '../../src/bdev/types.js';
import { patternBuffer } from '../helpers/tmp.js';
import { Prng } from '../../src/core/prng.js';

export interface WorkloadOptions {
  seed: number;
  /** Concurrent workers (the queue depth the device sees). */
  workers: number;
  /** Random operations per worker (besides the initial fill and the final read-back). */
  ops: number;
  /** I/O sizes to choose from, in bytes (multiples of the block size). */
  sizes: readonly number[];
  offset?: number;
  length: number;
}

export interface WorkloadResult {
  writes: number;
  reads: number;
  /** Writes (fill included) by size in bytes. */
  writeSizes: Map<number, number>;
}

function firstDiff(a: Buffer, b: Buffer): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

export async function verifiedWorkload(dev: BlockDevice, o: WorkloadOptions): Promise<WorkloadResult> {
  const bs = dev.blockSize;
  const base0 = o.offset ?? 0;
  const slice = Math.floor(o.length / o.workers / bs) * bs;
  if (slice === 0) throw new Error('region too small for the workers');
  const sizes = o.sizes.filter((s) => s <= slice);
  if (sizes.length === 0 || sizes.some((s) => s % bs !== 0))
    throw new Error(`bad sizes for block size ${bs}`);
  const res: WorkloadResult = { writes: 0, reads: 0, writeSizes: new Map() };
  const countWrite = (n: number) => {
    res.writes++;
    res.writeSizes.set(n, (res.writeSizes.get(n) ?? 0) + 1);
  };
  await Promise.all(
    Array.from({ length: o.workers }, async (_, w) => {
      const base = base0 + w * slice;
      const prng = new Prng(o.seed * 7919 + w * 104729 + 1);
      const next = () => prng.next();
      const shadow = patternBuffer(slice, next());
      await dev.write(base, shadow);
      countWrite(slice);
      for (let i = 0; i < o.ops; i++) {
        const size = sizes[next() % sizes.length]!;
        const off = (next() % ((slice - size) / bs + 1)) * bs;
        if (next() & 1) {
          const data = patternBuffer(size, next());
          await dev.write(base + off, data);
          data.copy(shadow, off);
          countWrite(size);
        } else {
          const b = Buffer.alloc(size);
          await dev.read(base + off, b);
          res.reads++;
          const want = shadow.subarray(off, off + size);
          if (!b.equals(want)) {
            const d = firstDiff(b, want);
            throw new Error(`worker ${w}: read of ${size} bytes at ${base + off} differs at byte ${d}`);
          }
        }
      }
      const all = Buffer.alloc(slice);
      await dev.read(base, all);
      res.reads++;
      if (!all.equals(shadow)) {
        throw new Error(
          `worker ${w}: final read-back of [${base}, ${base + slice}) differs at byte ${firstDiff(all, shadow)}`,
        );
      }
    }),
  );
  return res;
}

export function isZero(b: Buffer): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}
