/** Rebuild: full and partial, under application I/O, range locking, control and history. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NexusErrors } from '../../src/nexus/index.js';
import { isMayastorError } from '../../src/core/errors.js';
import {
  BS,
  SEG,
  assertConsistent,
  journalFor,
  makeNexus,
  malloc,
  pattern,
  readAll,
  ticks,
  workloadDuring,
} from './helpers.js';

test('an added child is rebuilt in full while the workload runs, and never serves reads until in sync', async () => {
  const a = malloc('a', 2048);
  const b = malloc('b', 2048);
  const { nexus, store } = await makeNexus([a], { rebuild: { tasks: 2, copySegments: 1 } });
  const journal = journalFor(nexus);
  // Some data before the new child arrives.
  await workloadDuring(nexus, journal, () => Promise.resolve(), { minOps: 500, seed: 1 });
  const { stats } = await workloadDuring(
    nexus,
    journal,
    async () => {
      await nexus.addChild({ device: b });
      assert.equal(nexus.status, 'Degraded');
      assert.deepEqual((await store.get(nexus.infoKey))?.children[1], { uuid: b.uuid, healthy: false });
      const state = await nexus.waitRebuild(b.uuid);
      // While rebuilding, the child only took writes.
      assert.equal(nexus.child(b.uuid).device.stats.numReadOps, 0);
      return state;
    },
    { minOps: 300, seed: 2 },
  ).then((r) => {
    assert.equal(r.result, 'Completed');
    return r;
  });
  assert.equal(stats.readMismatches, 0);
  assert.equal(stats.writeErrors, 0);
  assert.equal(nexus.status, 'Online');
  assert.deepEqual((await store.get(nexus.infoKey))?.children[1], { uuid: b.uuid, healthy: true });
  const [h] = nexus.rebuildHistory();
  assert.equal(h?.state, 'Completed');
  assert.equal(h?.isPartial, false);
  assert.equal(h?.blocksTotal, 2048);
  assert.equal(h?.blocksTransferred, 2048);
  assert.equal(h?.srcUri, 'a');
  assert.ok(h!.endTime >= h!.startTime);
  await assertConsistent(nexus, journal);
  await nexus.close();
});

test('a returning child gets a partial rebuild of exactly the dirty segments', async () => {
  const a = malloc('a', 4096);
  const b = malloc('b', 4096);
  const { nexus } = await makeNexus([a, b]);
  // The workload uses the first 1024 blocks (segments 0..63); the test writes above them.
  const journal = journalFor(nexus, 1024);
  await workloadDuring(nexus, journal, () => Promise.resolve(), { minOps: 300 });
  await nexus.offlineChild(b.uuid);
  assert.equal(nexus.childStatus(nexus.child(b.uuid)).wireState, 'DEGRADED');
  // Touch 5 known segments while b is out (several writes in one of them).
  const segs = [70, 77, 78, 100, 255];
  for (const s of segs) await nexus.write(s * SEG + BS, pattern(BS, s));
  await nexus.write(77 * SEG + 5 * BS, pattern(2 * BS, 99));
  assert.equal(nexus.childStatus(nexus.child(b.uuid)).dirtySegments, 5);
  await nexus.onlineChild(b.uuid);
  assert.equal(await nexus.waitRebuild(b.uuid), 'Completed');
  const h = nexus.rebuildHistory().at(-1)!;
  assert.equal(h.isPartial, true);
  assert.equal(h.blocksTransferred, (5 * SEG) / BS);
  assert.equal(h.blocksTotal, (5 * SEG) / BS);
  assert.ok((await readAll(a)).equals(await readAll(b)));
  await assertConsistent(nexus, journal);
  await nexus.close();
});

test('an application write to a segment being copied waits for the copy (no stale overwrite)', async () => {
  const a = malloc('a', 256);
  const b = malloc('b', 256);
  const { nexus } = await makeNexus([a], { rebuild: { tasks: 1, copySegments: 1 } });
  const old = pattern(SEG, 1);
  await nexus.write(3 * SEG, old);
  // The rebuild's read of segment 3 on the source hangs, holding the segment's range lock.
  const hang = nexus.injectFault(a.uuid, {
    ops: ['read'],
    offset: 3 * SEG,
    length: SEG,
    action: { type: 'hang' },
  });
  await nexus.addChild({ device: b });
  for (let i = 0; i < 1000 && nexus.listFaults(a.uuid)[0]!.hits === 0; i++) await ticks(1);
  assert.equal(nexus.listFaults(a.uuid)[0]!.hits, 1, 'the copy of segment 3 is under way');
  const fresh = pattern(BS, 2);
  let written = false;
  const w = nexus.write(3 * SEG + 4 * BS, fresh).then(() => (written = true));
  // A write elsewhere is not held.
  await nexus.write(10 * SEG, pattern(BS, 3));
  await ticks(20);
  assert.equal(written, false, 'the overlapping write waits for the copy');
  nexus.removeFault(a.uuid, hang);
  await w;
  assert.equal(await nexus.waitRebuild(b.uuid), 'Completed');
  const got = Buffer.alloc(BS);
  await b.read(3 * SEG + 4 * BS, got);
  assert.deepEqual(got, fresh, 'the rebuilt child holds the newer write');
  assert.ok((await readAll(a)).equals(await readAll(b)));
  await nexus.close();
});

test('pause, resume, stop and restart a rebuild; progress and stats are reported', async () => {
  const a = malloc('a', 4096);
  const b = malloc('b', 4096);
  const { nexus } = await makeNexus([a], { rebuild: { tasks: 2, copySegments: 1 } });
  await nexus.write(0, pattern(64 * BS, 5));
  // Slow the copies down so the job is observable.
  nexus.injectFault(a.uuid, { ops: ['read'], action: { type: 'delay', ms: 2 } });
  await nexus.addChild({ device: b });
  for (let i = 0; i < 1000 && nexus.rebuildStats(b.uuid).blocksRecovered === 0; i++) await ticks(1);
  await nexus.pauseRebuild(b.uuid);
  assert.equal(nexus.rebuildState(b.uuid), 'Paused');
  const at = nexus.rebuildStats(b.uuid);
  assert.ok(at.progress >= 0 && at.progress < 100);
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(
    nexus.rebuildStats(b.uuid).blocksRecovered,
    at.blocksRecovered,
    'nothing is copied while paused',
  );
  await assert.rejects(nexus.pauseRebuild(b.uuid), (e) => isMayastorError(e, NexusErrors.REBUILD_STATE));
  nexus.resumeRebuild(b.uuid);
  assert.equal(nexus.rebuildState(b.uuid), 'Rebuilding');
  for (let i = 0; i < 1000 && nexus.rebuildStats(b.uuid).blocksRecovered === at.blocksRecovered; i++)
    await ticks(1);
  await nexus.stopRebuild(b.uuid);
  assert.equal(nexus.rebuildState(b.uuid), 'Stopped');
  const c = nexus.child(b.uuid);
  assert.equal(c.state, 'Open');
  assert.equal(c.sync, 'OutOfSync');
  const remaining = c.pending!.size;
  assert.ok(remaining > 0 && remaining < nexus.numSegments);
  nexus.clearFaults(a.uuid);
  const st = nexus.startRebuild(b.uuid);
  assert.equal(st.blocksTotal, (remaining * SEG) / BS, 'the restarted rebuild copies only what is left');
  assert.equal(await nexus.waitRebuild(b.uuid), 'Completed');
  const hist = nexus.rebuildHistory();
  assert.deepEqual(
    hist.map((h) => h.state),
    ['Stopped', 'Completed'],
  );
  assert.ok(hist[1]!.throughputBytesPerSec > 0);
  assert.ok((await readAll(a)).equals(await readAll(b)));
  await nexus.close();
});

test('a failing source is retired and the rebuild goes on from another; local sources first', async () => {
  const a = malloc('a', 1024);
  const b = malloc('b', 1024);
  const c = malloc('c', 1024);
  const { nexus } = await makeNexus([a, b], { rebuild: { tasks: 1 } });
  // Rebuild c: make 'a' fail its reads part-way.
  await nexus.write(0, pattern(256 * BS, 9));
  nexus.injectFault(a.uuid, { ops: ['read'], action: { type: 'error' }, skip: 3 });
  nexus.injectFault(b.uuid, { ops: ['read'], action: { type: 'error' }, skip: 3 });
  // Exactly one of a and b (the first picked) fails; clear the other's rule once one has hit.
  await nexus.addChild({ device: c }, { rebuild: false });
  const job = nexus.startRebuild(c.uuid);
  const first = job.srcUri;
  nexus.clearFaults(first === 'a' ? b.uuid : a.uuid);
  assert.equal(await nexus.waitRebuild(c.uuid), 'Completed');
  const h = nexus.rebuildHistory().at(-1)!;
  assert.notEqual(h.srcUri, first, 'the rebuild switched source');
  assert.equal(nexus.child(first === 'a' ? a.uuid : b.uuid).state, 'Faulted');
  assert.ok((await readAll(c)).equals(await readAll(first === 'a' ? b : a)));
  await nexus.close();
});

test('a rebuild source is local when one is', async () => {
  const remote = malloc('remote', 256);
  const local = malloc('local', 256);
  const c = malloc('c', 256);
  const { nexus } = await makeNexus([], {
    children: [
      { device: remote, local: false },
      { device: local, local: true },
    ],
  });
  await nexus.addChild({ device: c });
  assert.equal(await nexus.waitRebuild(c.uuid), 'Completed');
  assert.equal(nexus.rebuildHistory()[0]!.srcUri, 'local');
  await nexus.close();
});

test('a destination that fails during its rebuild is faulted RebuildFailed and can be onlined again', async () => {
  const a = malloc('a', 1024);
  const b = malloc('b', 1024);
  const { nexus } = await makeNexus([a], { rebuild: { tasks: 1 } });
  await nexus.write(0, pattern(512 * BS, 4));
  await nexus.addChild({ device: b }, { rebuild: false });
  nexus.injectFault(b.uuid, { ops: ['write'], action: { type: 'error' }, skip: 2, count: 1 });
  nexus.startRebuild(b.uuid);
  assert.equal(await nexus.waitRebuild(b.uuid), 'Failed');
  const st = nexus.childStatus(nexus.child(b.uuid));
  assert.deepEqual(
    [st.state, st.reason, st.wireState, st.wireReason],
    ['Faulted', 'RebuildFailed', 'DEGRADED', 'REBUILD_FAILED'],
  );
  assert.equal(nexus.rebuildHistory().at(-1)!.state, 'Failed');
  await nexus.onlineChild(b.uuid);
  assert.equal(await nexus.waitRebuild(b.uuid), 'Completed');
  assert.ok((await readAll(a)).equals(await readAll(b)));
  assert.equal(nexus.status, 'Online');
  await nexus.close();
});

test('rebuild work is bounded: never more copies in flight than the nexus allows', async () => {
  const a = malloc('a', 4096);
  const b = malloc('b', 4096);
  const c = malloc('c', 4096);
  const { nexus } = await makeNexus([a], { rebuild: { tasks: 4, maxTasksPerNexus: 3, copySegments: 1 } });
  nexus.injectFault(a.uuid, { ops: ['read'], action: { type: 'delay', ms: 1 } });
  let maxActive = 0;
  const sample = setInterval(() => {
    let n = 0;
    for (const ch of nexus.children) if (ch.rebuild?.isActive) n += ch.rebuild.stats().tasksActive;
    maxActive = Math.max(maxActive, n);
  }, 1);
  await nexus.addChild({ device: b });
  await nexus.addChild({ device: c });
  await Promise.all([nexus.waitRebuild(b.uuid), nexus.waitRebuild(c.uuid)]);
  clearInterval(sample);
  assert.ok(maxActive >= 1 && maxActive <= 3, `max ${maxActive}`);
  assert.equal(nexus.status, 'Online');
  await nexus.close();
});
