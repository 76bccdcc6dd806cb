/** The verifying workload and its check, on plain devices (no nexus): it must catch what it claims to. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import fs from 'node:fs';
import { MallocDevice } from '../../src/bdev/index.js';
import {
  MemoryJournal,
  FileJournal,
  VerifyWorkload,
  checkDevice,
  readJournal,
  stampBlock,
  runIdBytes,
  type JournalHeader,
} from '../../src/verify/index.js';
import { tmpDir } from '../helpers/tmp.js';

const RUN = '6c0b1d8e-2f4a-4b7e-9a51-0d3c5e7f9a11';

function header(blocks: number, startBlock = 0): JournalHeader {
  return { runId: RUN, blockSize: 4096, startBlock, numBlocks: blocks, createdAt: Date.now() };
}

test('a clean run checks out, and reads verify while it runs', async () => {
  const dev = new MallocDevice({ name: 'm', blockSize: 4096, numBlocks: 512 });
  const journal = new MemoryJournal(header(256, 64));
  const stats = await new VerifyWorkload({
    device: dev,
    journal,
    ops: 3000,
    seed: 7,
    flushEvery: 100,
  }).runToEnd();
  assert.equal(stats.writeErrors, 0);
  assert.ok(
    stats.writesAcked > 1000 && stats.zeroesAcked > 0 && stats.blocksVerified > 500,
    JSON.stringify(stats),
  );
  assert.equal(stats.readMismatches, 0);
  assert.ok(stats.flushes > 0);
  const rep = await checkDevice(dev, journal.content());
  assert.equal(rep.passed, true, JSON.stringify(rep.problems));
  assert.equal(rep.current + rep.neverWritten, 256);
});

test('the check catches a lost write, a misdirected write and corruption', async () => {
  const dev = new MallocDevice({ name: 'm', blockSize: 4096, numBlocks: 64 });
  const journal = new MemoryJournal(header(64));
  const run = runIdBytes(RUN);
  const b = Buffer.alloc(4096);
  // Simulate the workload by hand: block 3 gets seq 1 then seq 2, both acked.
  for (const seq of [1, 2]) {
    journal.intent(seq, 3, 1, false);
    stampBlock(b, run, 3, seq);
    await dev.write(3 * 4096, b);
    journal.ack(seq, 3, 1, false);
  }
  assert.equal((await checkDevice(dev, journal.content())).passed, true);
  // The device "loses" the second write: seq 1 is back.
  stampBlock(b, run, 3, 1);
  await dev.write(3 * 4096, b);
  let rep = await checkDevice(dev, journal.content());
  assert.deepEqual([rep.passed, rep.lost, rep.problems[0]?.lba], [false, 1, 3]);
  // A write for block 3 lands on block 5 instead.
  stampBlock(b, run, 3, 2);
  await dev.write(3 * 4096, b);
  await dev.write(5 * 4096, b);
  journal.intent(3, 5, 1, false);
  journal.ack(3, 5, 1, false);
  rep = await checkDevice(dev, journal.content());
  assert.equal(rep.misplaced, 1);
  // A bit flips in block 3.
  stampBlock(b, run, 5, 3);
  await dev.write(5 * 4096, b);
  stampBlock(b, run, 3, 2);
  b[1000]! ^= 4;
  await dev.write(3 * 4096, b);
  rep = await checkDevice(dev, journal.content());
  assert.deepEqual([rep.corrupt, rep.passed], [1, false]);
  // Zeros where data was acknowledged are a lost write too.
  await dev.writeZeroes(3 * 4096, 4096);
  rep = await checkDevice(dev, journal.content());
  assert.equal(rep.lost, 1);
});

test('writes in flight may be old or new; unacknowledged zeroing too', async () => {
  const dev = new MallocDevice({ name: 'm', blockSize: 4096, numBlocks: 8 });
  const journal = new MemoryJournal(header(8));
  const run = runIdBytes(RUN);
  const b = Buffer.alloc(4096);
  journal.intent(1, 0, 2, false);
  stampBlock(b, run, 0, 1);
  await dev.write(0, b);
  stampBlock(b, run, 1, 1);
  await dev.write(4096, b);
  journal.ack(1, 0, 2, false);
  // seq 2 in flight on block 0 (landed), seq 3 in flight on block 1 (did not land), seq 4 a
  // zeroing of block 2 in flight, seq 5 a zeroing of block 0 that failed before seq 2.
  journal.intent(2, 0, 1, false);
  stampBlock(b, run, 0, 2);
  await dev.write(0, b);
  journal.intent(3, 1, 1, false);
  journal.intent(4, 2, 1, true);
  const rep = await checkDevice(dev, journal.content());
  assert.equal(rep.passed, true, JSON.stringify(rep.problems));
  assert.deepEqual([rep.current, rep.newerInFlight, rep.neverWritten], [1, 1, 6]);
});

test('flushed-only mode claims only acknowledgements a later flush covers', async () => {
  const dev = new MallocDevice({ name: 'm', blockSize: 4096, numBlocks: 8 });
  const journal = new MemoryJournal(header(8));
  const run = runIdBytes(RUN);
  const b = Buffer.alloc(4096);
  for (const seq of [1, 2]) {
    journal.intent(seq, 0, 1, false);
    stampBlock(b, run, 0, seq);
    await dev.write(0, b);
    journal.ack(seq, 0, 1, false);
    if (seq === 1) journal.flushed(1);
  }
  // As if a power loss dropped the unflushed seq 2.
  stampBlock(b, run, 0, 1);
  await dev.write(0, b);
  assert.equal((await checkDevice(dev, journal.content())).lost, 1);
  assert.equal((await checkDevice(dev, journal.content(), { flushedOnly: true })).passed, true);
});

test('the file journal round-trips, and a torn tail only drops claims', async (t) => {
  const dir = tmpDir(t);
  const file = path.join(dir, 'j');
  const dev = new MallocDevice({ name: 'm', blockSize: 4096, numBlocks: 128 });
  const journal = await FileJournal.create(file, header(128));
  // No zeroing here: their intents are committed before they are issued, so a torn tail could
  // never lose one, and this test cuts the tail blindly.
  await new VerifyWorkload({ device: dev, journal, ops: 500, seed: 3, zeroPct: 0 }).runToEnd();
  await journal.close();
  const content = await readJournal(file);
  assert.equal(content.header.runId, RUN);
  assert.ok(content.records.length > 500);
  assert.equal((await checkDevice(dev, content)).passed, true);
  // Tear the file in the middle of a record: everything before still reads, and the check,
  // which now claims fewer acknowledgements, still passes.
  const size = fs.statSync(file).size;
  fs.truncateSync(file, size - 32 * 100 - 7);
  const torn = await readJournal(file);
  assert.equal(torn.records.length, content.records.length - 101);
  assert.equal((await checkDevice(dev, torn)).passed, true);
});
