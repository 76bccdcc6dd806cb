/** Shared helpers for nexus tests: children, stores, comparisons. */
import { MallocDevice, type BlockDevice } from '../../src/bdev/index.js';
import { Nexus, MemoryNexusInfoStore, type NexusOptions } from '../../src/nexus/index.js';
import { patternBuffer } from '../helpers/tmp.js';

export const BS = 4096;
export const SEG = 64 * 1024;

let uuidCounter = 0;
/** Deterministic, valid-looking uuids so failures read the same on every run. */
export function testUuid(): string {
  uuidCounter++;
  return `00000000-0000-4000-8000-${uuidCounter.toString(16).padStart(12, '0')}`;
}

export function malloc(name: string, blocks = 1024, uuid = testUuid()): MallocDevice {
  return new MallocDevice({ name, blockSize: BS, numBlocks: blocks, uuid });
}

export async function makeNexus(
  children: BlockDevice[],
  extra: Partial<NexusOptions> = {},
): Promise<{ nexus: Nexus; store: MemoryNexusInfoStore }> {
  const store = (extra.infoStore as MemoryNexusInfoStore | undefined) ?? new MemoryNexusInfoStore();
  const nexus = await Nexus.create({
    name: 'nexus0',
    uuid: extra.uuid ?? testUuid(),
    children: children.map((device) => ({ device })),
    infoStore: store,
    childIoTimeoutMs: 200,
    ...extra,
  });
  return { nexus, store };
}

export async function readAll(dev: BlockDevice, size = dev.size): Promise<Buffer> {
  const buf = Buffer.alloc(size);
  const chunk = 1 << 20;
  for (let off = 0; off < size; off += chunk)
    await dev.read(off, buf.subarray(off, Math.min(size, off + chunk)));
  return buf;
}

export function pattern(size: number, seed: number): Buffer {
  return patternBuffer(size, seed);
}

/** Resolve after the event loop has turned a few times (lets queued callbacks run). */
export function ticks(n = 5): Promise<void> {
  let p = Promise.resolve();
  for (let i = 0; i < n; i++) p = p.then(() => new Promise<void>((r) => setImmediate(r)));
  return p;
}
