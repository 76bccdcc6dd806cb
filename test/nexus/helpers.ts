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

import { MemoryJournal, VerifyWorkload, checkDevice, type WorkloadStats } from '../../src/verify/index.js';
import assert from 'node:assert/strict';

export const RUN_ID = '3f1c2a4b-5d6e-4f70-8a9b-0c1d2e3f4a5b';

export function journalFor(dev: BlockDevice, blocks = dev.numBlocks, startBlock = 0): MemoryJournal {
  return new MemoryJournal({
    runId: RUN_ID,
    blockSize: dev.blockSize,
    startBlock,
    numBlocks: blocks,
    createdAt: 0,
  });
}

/** Run the verifying workload on `dev` until `during` resolves (and at least `minOps` operations). */
export async function workloadDuring<T>(
  dev: BlockDevice,
  journal: MemoryJournal,
  during: () => Promise<T>,
  opts: { seed?: number; minOps?: number; queueDepth?: number } = {},
): Promise<{ result: T; stats: WorkloadStats }> {
  const ac = new AbortController();
  const w = new VerifyWorkload({
    device: dev,
    journal,
    signal: ac.signal,
    seed: opts.seed ?? 11,
    queueDepth: opts.queueDepth ?? 8,
    flushEvery: 50,
  });
  const running = w.runToEnd();
  let result: T;
  try {
    result = await during();
    // Bounded: the workload keeps issuing until aborted; wait for enough operations.
    const min = opts.minOps ?? 0;
    for (let i = 0; i < 10_000 && w.progress.ops < min; i++) await new Promise((r) => setTimeout(r, 1));
  } finally {
    ac.abort();
  }
  const stats = await running;
  return { result, stats };
}

/** The verifier's check on the nexus and on every in-sync child, plus byte equality of the children. */
export async function assertConsistent(
  nexus: Nexus,
  journals: MemoryJournal | MemoryJournal[],
  label = '',
): Promise<void> {
  const contents = (Array.isArray(journals) ? journals : [journals]).map((j) => j.content());
  for (const content of contents) {
    const rep = await checkDevice(nexus, content);
    assert.equal(rep.passed, true, `${label} nexus check: ${JSON.stringify(rep.problems.slice(0, 5))}`);
  }
  let first: Buffer | undefined;
  for (const c of nexus.children) {
    if (!c.isHealthy) continue;
    for (const content of contents) {
      const r = await checkDevice(c.device, content);
      assert.equal(
        r.passed,
        true,
        `${label} child ${c.uri} check: ${JSON.stringify(r.problems.slice(0, 5))}`,
      );
    }
    const bytes = await readAll(c.device, nexus.size);
    if (!first) first = bytes;
    else assert.ok(first.equals(bytes), `${label} child ${c.uri} differs from the first healthy child`);
  }
}
