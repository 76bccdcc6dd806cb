/** Freshness: NexusInfo, re-creation after clean and unclean stops, and the persistent dirty-segment log. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { FileDevice } from '../../src/bdev/index.js';
import { isMayastorError } from '../../src/core/errors.js';
import {
  FileIoLogStore,
  FileNexusInfoStore,
  MemoryNexusInfoStore,
  Nexus,
  NexusErrors,
  planRecovery,
  SegmentMap,
  type IoLogStore,
  type NexusOptions,
} from '../../src/nexus/index.js';
import { sparseFile, tmpDir } from '../helpers/tmp.js';
import type { MemoryJournal } from '../../src/verify/index.js';
import {
  BS,
  SEG,
  assertConsistent,
  journalFor,
  malloc,
  makeNexus,
  pattern,
  readAll,
  testUuid,
  workloadDuring,
} from './helpers.js';

test('the file NexusInfo store is crash-safe and fails closed on a damaged record', async (t) => {
  const dir = tmpDir(t);
  const store = await FileNexusInfoStore.open(dir);
  const key = '/openebs.io/mayastor/apis/v0/clusters/c1/namespaces/ns/volume/v1/nexus/n1/info';
  assert.equal(await store.get(key), undefined);
  const info = {
    clean_shutdown: false,
    children: [
      { uuid: 'a', healthy: true },
      { uuid: 'b', healthy: false, io_log: 'x' },
    ],
  };
  await store.put(key, info);
  assert.deepEqual(await store.get(key), info);
  assert.deepEqual(
    fs.readdirSync(dir),
    [path.basename(store.fileOf(key))],
    'no temporary file is left behind',
  );
  // Mayastor's shape on disk.
  assert.deepEqual(JSON.parse(fs.readFileSync(store.fileOf(key), 'utf8')), info);
  fs.writeFileSync(store.fileOf(key), '{"clean_shutdown": tr');
  await assert.rejects(store.get(key), (e) => isMayastorError(e, NexusErrors.INFO_CORRUPT));
  fs.writeFileSync(store.fileOf(key), '{"clean_shutdown": true, "children": [{"uuid": 1}]}');
  await assert.rejects(store.get(key), (e) => isMayastorError(e, NexusErrors.INFO_CORRUPT));
  // A nexus cannot be created over a record it cannot read.
  await assert.rejects(
    Nexus.create({ name: 'n', children: [{ device: malloc('a') }], infoStore: store, infoKey: key }),
    (e) => isMayastorError(e, NexusErrors.INFO_CORRUPT),
  );
});

test('planRecovery: who is trusted after a clean or an unclean stop', () => {
  const kids = [
    { uuid: 'r1', local: false },
    { uuid: 'r2', local: true },
    { uuid: 'r3', local: true },
    { uuid: 'new', local: true },
  ];
  assert.deepEqual(
    planRecovery(undefined, kids).map((p) => p.action),
    ['healthy', 'healthy', 'healthy', 'healthy'],
  );
  const children = [
    { uuid: 'r1', healthy: true },
    { uuid: 'r2', healthy: true },
    { uuid: 'r3', healthy: false, io_log: 'L3' },
  ];
  assert.deepEqual(planRecovery({ clean_shutdown: true, children }, kids), [
    { uuid: 'r1', action: 'healthy' },
    { uuid: 'r2', action: 'healthy' },
    { uuid: 'r3', action: 'partial', logId: 'L3' },
    { uuid: 'new', action: 'full', why: 'new child' },
  ]);
  // Unclean: one healthy child only, the local one.
  assert.deepEqual(
    planRecovery({ clean_shutdown: false, children }, kids).map((p) => p.action),
    ['full', 'healthy', 'partial', 'full'],
  );
  assert.throws(
    () => planRecovery({ clean_shutdown: false, children }, [{ uuid: 'r3', local: true }]),
    (e) => isMayastorError(e, NexusErrors.NO_HEALTHY_CHILD),
  );
});

test('after a clean shutdown every healthy child is trusted, with no rebuild', async () => {
  const a = malloc('a');
  const b = malloc('b');
  const store = new MemoryNexusInfoStore();
  const uuid = testUuid();
  const { nexus } = await makeNexus([a, b], { infoStore: store, uuid, closeChildren: false });
  await nexus.write(0, pattern(8 * BS, 1));
  await nexus.close();
  assert.equal((await store.get(nexus.infoKey))?.clean_shutdown, true);
  const { nexus: again } = await makeNexus([a, b], { infoStore: store, uuid });
  assert.equal(again.status, 'Online');
  assert.deepEqual(again.rebuildHistory(), []);
  assert.equal((await store.get(again.infoKey))?.clean_shutdown, false, 'running again: not clean any more');
  await again.close();
});

test('after an unclean stop only one healthy child is the source; the other is rebuilt from it', async () => {
  const a = malloc('a');
  const b = malloc('b');
  const store = new MemoryNexusInfoStore();
  const uuid = testUuid();
  const { nexus } = await makeNexus([a, b], { infoStore: store, uuid, closeChildren: false });
  const data = pattern(64 * BS, 2);
  await nexus.write(0, data);
  await nexus.abandon(); // a crash: no clean_shutdown record
  // A write in flight at the crash reached b only.
  await b.write(5 * BS, pattern(BS, 3));
  // b is given first but is remote; a is local, so a is the source.
  const again = await Nexus.create({
    name: 'n',
    uuid,
    children: [
      { device: b, local: false },
      { device: a, local: true },
    ],
    infoStore: store,
  });
  assert.equal(again.child(a.uuid).sync, 'Synced');
  assert.equal(again.child(b.uuid).sync, 'OutOfSync');
  assert.deepEqual((await store.get(again.infoKey))?.children, [
    { uuid: b.uuid, healthy: false },
    { uuid: a.uuid, healthy: true },
  ]);
  assert.equal(await again.waitRebuild(b.uuid), 'Completed');
  const h = again.rebuildHistory()[0]!;
  assert.deepEqual([h.isPartial, h.srcUri, h.blocksTransferred], [false, 'a', a.numBlocks]);
  assert.ok((await readAll(a)).equals(await readAll(b)), 'the mirrors agree again');
  const got = Buffer.alloc(64 * BS);
  await again.read(0, got);
  assert.deepEqual(got, data);
  await again.close();
});

/** Open the same files again, as a restarted process would. */
async function openFiles(paths: string[], uuids: string[]): Promise<FileDevice[]> {
  return Promise.all(
    paths.map((p, i) =>
      FileDevice.open({ path: p, blockSize: BS, engine: 'aio', uuid: uuids[i]!, name: `child${i}` }),
    ),
  );
}

async function crashWithChildOut(
  dir: string,
  ioLogStore: IoLogStore | undefined,
): Promise<{
  paths: string[];
  uuids: string[];
  opts: Omit<NexusOptions, 'children'>;
  journals: MemoryJournal[];
  dirty: number;
}> {
  const paths = [sparseFile(dir, 'a.img', 16 << 20), sparseFile(dir, 'b.img', 16 << 20)];
  const uuids = [testUuid(), testUuid()];
  const infoStore = await FileNexusInfoStore.open(path.join(dir, 'info'));
  const opts = { name: 'n', uuid: testUuid(), infoStore, ioLogStore, childIoTimeoutMs: 2000 };
  const [a, b] = await openFiles(paths, uuids);
  const nexus = await Nexus.create({ ...opts, children: [{ device: a! }, { device: b! }] });
  // Both children in sync: the workload over the first half of the device.
  const before = journalFor(nexus, 2048, 0);
  await workloadDuring(nexus, before, () => Promise.resolve(), { minOps: 2000, seed: 5 });
  await nexus.offlineChild(uuids[1]!);
  // b is out: the workload goes on over 20 segments (320 blocks) of the second half.
  const during = journalFor(nexus, (20 * SEG) / BS, 2048 + 16);
  await workloadDuring(nexus, during, () => Promise.resolve(), { minOps: 1000, seed: 6 });
  const dirty = nexus.childStatus(nexus.child(uuids[1]!)).dirtySegments!;
  assert.ok(dirty >= 20 && dirty <= 21, `dirty ${dirty}`);
  await nexus.abandon(); // the process dies here
  return { paths, uuids, opts, journals: [before, during], dirty };
}

test('the dirty-segment log survives a restart of the nexus: partial rebuild of exactly the dirty segments', async (t) => {
  const dir = tmpDir(t);
  const logs = await FileIoLogStore.open(path.join(dir, 'iolog'));
  const { paths, uuids, opts, journals, dirty } = await crashWithChildOut(dir, logs);
  const [a, b] = await openFiles(paths, uuids);
  const nexus = await Nexus.create({
    ...opts,
    children: [{ device: a! }, { device: b! }],
    autoRebuild: false,
  });
  const st = nexus.childStatus(nexus.child(uuids[1]!));
  assert.deepEqual([st.syncState, st.hasIoLog, st.dirtySegments], ['OutOfSync', true, dirty]);
  nexus.startRebuild(uuids[1]!);
  assert.equal(await nexus.waitRebuild(uuids[1]!), 'Completed');
  const h = nexus.rebuildHistory()[0]!;
  assert.equal(h.isPartial, true);
  assert.equal(h.blocksTransferred, (dirty * SEG) / BS, 'only the dirty segments were copied');
  assert.ok(h.blocksTransferred < a!.numBlocks / 10);
  await assertConsistent(nexus, journals, 'persistent log');
  assert.ok((await readAll(a!)).equals(await readAll(b!)));
  // Back in sync, the log is gone.
  assert.deepEqual(await logs.list(nexus.uuid), []);
  await nexus.close();
});

test('with a memory-only log (Mayastor) the same restart needs a full rebuild', async (t) => {
  const dir = tmpDir(t);
  const { paths, uuids, opts, journals } = await crashWithChildOut(dir, undefined);
  const [a, b] = await openFiles(paths, uuids);
  const nexus = await Nexus.create({ ...opts, children: [{ device: a! }, { device: b! }] });
  assert.equal(nexus.childStatus(nexus.child(uuids[1]!)).hasIoLog, false);
  assert.equal(await nexus.waitRebuild(uuids[1]!), 'Completed');
  const h = nexus.rebuildHistory()[0]!;
  assert.equal(h.isPartial, false);
  assert.equal(h.blocksTransferred, a!.numBlocks, 'every block was copied');
  await assertConsistent(nexus, journals, 'memory log');
  await nexus.close();
});

test('a log that NexusInfo does not name (stale, or from another incarnation) is never used', async (t) => {
  const dir = tmpDir(t);
  const logs = await FileIoLogStore.open(path.join(dir, 'iolog'));
  const { paths, uuids, opts } = await crashWithChildOut(dir, logs);
  const store = opts.infoStore as FileNexusInfoStore;
  const key = `nexus/${opts.uuid}`;
  const info = (await store.get(key))!;
  assert.ok(info.children[1]!.io_log);
  info.children[1]!.io_log = '11111111-2222-4333-8444-555555555555';
  await store.put(key, info);
  const [a, b] = await openFiles(paths, uuids);
  const nexus = await Nexus.create({ ...opts, children: [{ device: a! }, { device: b! }] });
  assert.equal(nexus.childStatus(nexus.child(uuids[1]!)).hasIoLog, false);
  assert.equal(await nexus.waitRebuild(uuids[1]!), 'Completed');
  assert.equal(nexus.rebuildHistory()[0]!.isPartial, false);
  // The stale file was collected.
  assert.equal((await logs.list(nexus.uuid)).length, 0);
  await nexus.close();
});

test('a log that cannot be made durable is dropped from NexusInfo before the write is acknowledged', async () => {
  const a = malloc('a');
  const b = malloc('b');
  let failSync = false;
  const inner = new FileIoLogStore('/nonexistent-dir-for-test');
  const failing: IoLogStore = {
    create(meta) {
      const log = inner.create(meta);
      return {
        meta: log.meta,
        map: log.map,
        mark: (f, l) => log.mark(f, l),
        sync: () => (failSync ? Promise.reject(new Error('disk full')) : Promise.resolve()),
        close: () => Promise.resolve(),
      };
    },
    load: () => Promise.resolve(undefined),
    remove: () => Promise.resolve(),
    list: () => Promise.resolve([]),
  };
  const { nexus, store } = await makeNexus([a, b], { ioLogStore: failing });
  await nexus.offlineChild(b.uuid);
  assert.ok((await store.get(nexus.infoKey))?.children[1]?.io_log, 'the log is named while it is durable');
  failSync = true;
  await nexus.write(0, pattern(BS, 1));
  const info = await store.get(nexus.infoKey);
  assert.deepEqual(info?.children[1], { uuid: b.uuid, healthy: false }, 'no longer named once it failed');
  // In memory the nexus still knows what b missed: onlining it is a partial rebuild.
  assert.equal(nexus.childStatus(nexus.child(b.uuid)).hasIoLog, true);
  await nexus.onlineChild(b.uuid);
  assert.equal(await nexus.waitRebuild(b.uuid), 'Completed');
  assert.equal(nexus.rebuildHistory()[0]!.isPartial, true);
  await nexus.close();
});

test('when the last children fail one after the other, NexusInfo names the last one healthy, not an earlier one', async () => {
  // B fails writes W1 and W2 (C takes them); B's retire is being recorded (its log is slow to
  // become durable) when C fails a flush and no child is healthy any more. W1 and W2 are then
  // acknowledged: they are on C only. The record must name C healthy and B not, or a
  // re-created nexus could take B as its source and lose W1 and W2.
  const [a, b, c] = [malloc('a'), malloc('b'), malloc('c')];
  let gate: (() => void) | undefined;
  const gated: IoLogStore = {
    create(meta) {
      let synced = false;
      const map = new SegmentMap(meta.numSegments);
      return {
        meta,
        map,
        mark: (f, l) => map.setRange(f, l) > 0,
        sync: async () => {
          if (meta.childUuid === b.uuid && !synced) await new Promise<void>((r) => (gate = r));
          synced = true;
        },
        close: () => Promise.resolve(),
      };
    },
    load: () => Promise.resolve(undefined),
    remove: () => Promise.resolve(),
    list: () => Promise.resolve([]),
  };
  const { nexus, store } = await makeNexus([a, b, c], { ioLogStore: gated, closeChildren: false });
  await nexus.offlineChild(a.uuid);
  nexus.injectFault(b.uuid, { ops: ['write'], action: { type: 'error' } });
  const w1 = nexus.write(0, pattern(BS, 1));
  const w2 = nexus.write(SEG, pattern(BS, 2));
  for (let i = 0; i < 1000 && !gate; i++) await new Promise((r) => setImmediate(r));
  assert.ok(gate, "B's retire is being recorded");
  nexus.injectFault(c.uuid, { ops: ['flush'], action: { type: 'error' } });
  const f = nexus.flush();
  for (let i = 0; i < 1000 && nexus.status !== 'Faulted'; i++) await new Promise((r) => setImmediate(r));
  assert.equal(nexus.status, 'Faulted');
  gate!();
  await assert.rejects(f, (e) => isMayastorError(e, NexusErrors.FAULTED));
  await w1;
  await w2;
  const info = (await store.get(nexus.infoKey))!;
  assert.deepEqual(
    info.children.map((x) => [x.uuid, x.healthy]),
    [
      [a.uuid, false],
      [b.uuid, false],
      [c.uuid, true],
    ],
  );
  await nexus.close();
  // Re-created, C is the source and W1, W2 are there; removing C first is refused meanwhile.
  const again = await Nexus.create({
    name: 'n',
    uuid: nexus.uuid,
    children: [a, b, c].map((device) => ({ device })),
    infoStore: store,
  });
  assert.equal(again.child(c.uuid).sync, 'Synced');
  for (const x of [a, b]) assert.equal(await again.waitRebuild(x.uuid), 'Completed');
  const got = Buffer.alloc(BS);
  await again.read(SEG, got);
  assert.deepEqual(got, pattern(BS, 2));
  assert.ok((await readAll(b)).equals(await readAll(c)));
  await again.close();
});
