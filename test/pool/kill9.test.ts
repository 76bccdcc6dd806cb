/**
 * SIGKILL a real process that is writing through replicas, and show that after re-import every
 * flushed write is intact, every block holds a value it was given (never another block's, never
 * torn), thin space never written reads zeros, and every acknowledged control operation stuck.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { FileDevice } from '../../src/bdev/index.js';
import { Pool } from '../../src/pool/index.js';
import { startProcess, REPO_ROOT } from '../helpers/proc.js';
import { tmpDir, sparseFile } from '../helpers/tmp.js';
import { blockOf, readStamp, WRITER_REPLICAS } from '../fixtures/pool-writer-model.js';

const WRITER = path.join(REPO_ROOT, 'dist', 'test', 'fixtures', 'pool-writer.js');
const BLOCKS = 8192; // 32 MiB per replica
const BATCH = 64;
const ITERATIONS = 6;

test('kill -9 during writes, flushes and replica creation loses nothing acknowledged', async (t) => {
  const file = sparseFile(tmpDir(t), 'pool.img', 128 << 20);
  /** Per replica and block: the last value known durable, and values that may have landed since. */
  const durable = WRITER_REPLICAS.map(() => new Map<number, number>());
  const maybe = WRITER_REPLICAS.map(() => new Map<number, Set<number>>());
  const scratch = new Set<string>();
  let inFlightScratch: string | undefined;
  let rng = 12345;
  const rand = (n: number) => {
    rng = (rng * 1103515245 + 12345) >>> 0;
    return rng % n;
  };
  let totalFlushed = 0;

  for (let it = 0; it < ITERATIONS; it++) {
    const seqStart = 1 + it * 1_000_000;
    const p = startProcess(process.execPath, [WRITER, file, String(seqStart), String(BATCH), String(BLOCKS)]);
    await p.waitFor(/^READY/, 30_000);
    const target = 4 + rand(12);
    await p.waitFor(new RegExp(`^FLUSHED ${seqStart + target * BATCH - 1}$`), 60_000);
    // Let it run a little into the next batch, then kill it mid-flight.
    await new Promise((r) => setTimeout(r, rand(20)));
    await p.stop('SIGKILL');
    const out = p.output().split('\n');

    let flushedUpto = seqStart - 1;
    for (const line of out) {
      const m = /^FLUSHED (\d+)$/.exec(line);
      if (m) flushedUpto = Number(m[1]);
      const c = /^CREATED (\S+)$/.exec(line);
      if (c) scratch.add(c[1]!);
      const d = /^DESTROYED (\S+)$/.exec(line);
      if (d) scratch.delete(d[1]!);
    }
    // The batch after the last FLUSHED may have been partly or wholly written.
    for (let s = seqStart; s <= flushedUpto + BATCH; s++) {
      const { replica, lba } = blockOf(s, BLOCKS);
      if (s <= flushedUpto) {
        durable[replica]!.set(lba, s);
        maybe[replica]!.delete(lba);
      } else {
        let set = maybe[replica]!.get(lba);
        if (!set) maybe[replica]!.set(lba, (set = new Set()));
        set.add(s);
      }
    }
    totalFlushed += flushedUpto - seqStart + 1;
    // A create may have been in flight after the last CREATED line.
    const lastBatchStart = flushedUpto + 1 - BATCH;
    inFlightScratch =
      ((lastBatchStart - seqStart) / BATCH) % 5 === 4 ? `scratch-${lastBatchStart}` : undefined;

    // Re-import in this process and check everything.
    const dev = await FileDevice.open({ path: file, blockSize: 512, engine: 'aio' });
    const pool = await Pool.import(dev);
    const names = new Set(pool.replicas().map((r) => r.name));
    for (const s of scratch) assert.ok(names.has(s), `iteration ${it}: acknowledged replica ${s} is missing`);
    for (const n of names) {
      if (n === 'thin' || n === 'thick') continue;
      assert.ok(scratch.has(n) || n === inFlightScratch, `iteration ${it}: unexpected replica ${n}`);
      scratch.add(n); // an in-flight create that stuck is as real as an acknowledged one
    }
    const buf = Buffer.alloc(BLOCKS * 4096);
    for (let r = 0; r < WRITER_REPLICAS.length; r++) {
      const replica = pool.replica(WRITER_REPLICAS[r]!.uuid)!;
      await replica.read(0, buf);
      for (let lba = 0; lba < BLOCKS; lba++) {
        const got = readStamp(buf.subarray(lba * 4096, (lba + 1) * 4096), lba);
        const d = durable[r]!.get(lba);
        const allowed = new Set<number>(maybe[r]!.get(lba) ?? []);
        if (d !== undefined) allowed.add(d);
        else allowed.add(0);
        assert.ok(
          allowed.has(got),
          `iteration ${it}: ${WRITER_REPLICAS[r]!.name} block ${lba} holds seq ${got}, allowed ${[...allowed].join(',')}`,
        );
        // What we saw is what the disk now holds: it is the known value from here on.
        if (got !== 0) durable[r]!.set(lba, got);
        maybe[r]!.delete(lba);
      }
    }
    // Accounting adds up after every crash.
    const st = pool.status();
    const used = pool.replicas().reduce((n, r) => n + r.allocatedBytes, 0);
    assert.equal(st.used, used);
    await pool.export();
  }
  t.diagnostic(
    `${ITERATIONS} kills; ${totalFlushed} flushed writes verified; ${scratch.size} scratch replicas alive`,
  );
});
