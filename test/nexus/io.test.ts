/** The nexus data path: fan-out, read balancing and retry, retire on error and timeout. */
import { test } from 'node:test';
import { createHook } from 'node:async_hooks';
import assert from 'node:assert/strict';
import { BdevErrors } from '../../src/bdev/index.js';
import { isMayastorError } from '../../src/core/errors.js';
import { NexusErrors } from '../../src/nexus/index.js';
import { BS, malloc, makeNexus, pattern, readAll, ticks } from './helpers.js';

test('writes reach every child, reads are spread over healthy children', async () => {
  const a = malloc('a');
  const b = malloc('b');
  const { nexus } = await makeNexus([a, b]);
  assert.equal(nexus.status, 'Online');
  const data = pattern(16 * BS, 1);
  await nexus.write(0, data);
  await nexus.flush();
  assert.deepEqual(await readAll(a, data.length), data);
  assert.deepEqual(await readAll(b, data.length), data);
  for (let i = 0; i < 16; i++) {
    const buf = Buffer.alloc(BS);
    await nexus.read(i * BS, buf);
    assert.deepEqual(buf, data.subarray(i * BS, (i + 1) * BS));
  }
  const [ca, cb] = nexus.children;
  assert.ok(ca!.device.stats.numReadOps > 0 && cb!.device.stats.numReadOps > 0, 'both children served reads');
  await nexus.unmap(0, BS);
  await nexus.writeZeroes(BS, BS);
  const z = Buffer.alloc(2 * BS, 1);
  await b.read(0, z);
  assert.ok(z.every((x) => x === 0));
  await nexus.close();
});

test('a child that fails a write is retired and NexusInfo says so before the write is acknowledged', async () => {
  const a = malloc('a');
  const b = malloc('b');
  const { nexus, store } = await makeNexus([a, b]);
  nexus.injectFault(b.uuid, { ops: ['write'], action: { type: 'error' }, count: 1 });
  let storedAtAck: unknown;
  const data = pattern(BS, 2);
  await nexus.write(8 * BS, data).then(async () => {
    storedAtAck = await store.get(nexus.infoKey);
  });
  assert.deepEqual(storedAtAck, {
    clean_shutdown: false,
    children: [
      { uuid: a.uuid, healthy: true },
      { uuid: b.uuid, healthy: false },
    ],
  });
  assert.equal(nexus.status, 'Degraded');
  const st = nexus.childStatus(nexus.child(b.uuid));
  assert.equal(st.state, 'Faulted');
  assert.equal(st.reason, 'IoError');
  assert.equal(st.wireState, 'FAULTED');
  assert.equal(st.wireReason, 'IO_FAILURE');
  assert.ok(st.faultedAt instanceof Date);
  assert.equal(st.hasIoLog, true);
  assert.equal(st.dirtySegments, 1, 'the failed write is in the dirty log');
  // Writes continue on the survivor and are logged for the faulted child.
  await nexus.write(100 * BS, data);
  assert.equal(nexus.childStatus(nexus.child(b.uuid)).dirtySegments, 2);
  const back = Buffer.alloc(BS);
  await nexus.read(100 * BS, back);
  assert.deepEqual(back, data);
  await nexus.close();
  assert.equal((await store.get(nexus.infoKey))?.clean_shutdown, true);
});

test('a failed read is retried on another child and the failing child is retired', async () => {
  const a = malloc('a');
  const b = malloc('b');
  const { nexus } = await makeNexus([a, b]);
  const data = pattern(4 * BS, 3);
  await nexus.write(0, data);
  nexus.injectFault(a.uuid, { ops: ['read'], action: { type: 'error' } });
  for (let i = 0; i < 4; i++) {
    const buf = Buffer.alloc(BS);
    await nexus.read(i * BS, buf);
    assert.deepEqual(buf, data.subarray(i * BS, (i + 1) * BS));
  }
  assert.equal(nexus.child(a.uuid).state, 'Faulted');
  assert.equal(nexus.child(a.uuid).reason, 'IoError');
  assert.equal(nexus.status, 'Degraded');
  await nexus.close();
});

test('a hung child times out, is retired TimedOut, and its late completion is ignored', async () => {
  const a = malloc('a');
  const b = malloc('b');
  const { nexus } = await makeNexus([a, b], { childIoTimeoutMs: 50 });
  const hang = nexus.injectFault(b.uuid, { ops: ['write'], action: { type: 'hang' } });
  const data = pattern(BS, 4);
  await nexus.write(0, data);
  const c = nexus.child(b.uuid);
  assert.equal(c.state, 'Faulted');
  assert.equal(c.reason, 'TimedOut');
  assert.equal(nexus.childStatus(c).wireReason, 'TIMED_OUT');
  assert.equal(c.outstanding, 1, 'the hung write is still outstanding on the device');
  // Onlining must wait until the old write has finished.
  await assert.rejects(nexus.onlineChild(b.uuid, { drainTimeoutMs: 20, rebuild: false }), (e) =>
    isMayastorError(e, NexusErrors.CHILD_BUSY),
  );
  nexus.removeFault(b.uuid, hang); // the late write now lands
  await ticks();
  assert.equal(c.outstanding, 0);
  await nexus.onlineChild(b.uuid);
  assert.equal(await nexus.waitRebuild(b.uuid), 'Completed');
  assert.equal(nexus.status, 'Online');
  assert.deepEqual(await readAll(a), await readAll(b));
  await nexus.close();
});

test('the host sees an error only when no healthy child is left, and the store keeps the last one healthy', async () => {
  const a = malloc('a');
  const b = malloc('b');
  const { nexus, store } = await makeNexus([a, b]);
  nexus.injectFault(a.uuid, { ops: ['write'], action: { type: 'error' }, count: 1 });
  await nexus.write(0, pattern(BS, 5)); // a retired, b serves
  nexus.injectFault(b.uuid, { ops: ['write'], action: { type: 'error' } });
  await assert.rejects(nexus.write(BS, pattern(BS, 6)), (e) => isMayastorError(e, NexusErrors.FAULTED));
  assert.equal(nexus.status, 'Faulted');
  const info = await store.get(nexus.infoKey);
  // UpdateCond: b, the last healthy child, is never recorded unhealthy.
  assert.deepEqual(
    info?.children.map((c) => [c.uuid, c.healthy]),
    [
      [a.uuid, false],
      [b.uuid, true],
    ],
  );
  await assert.rejects(nexus.read(0, Buffer.alloc(BS)), (e) => isMayastorError(e, NexusErrors.FAULTED));
  await nexus.close();
});

test('no space on a child retires it with NoSpace (degraded, recoverable)', async () => {
  const a = malloc('a');
  const b = malloc('b');
  const { nexus } = await makeNexus([a, b]);
  nexus.injectFault(b.uuid, {
    ops: ['write'],
    action: { type: 'error', code: BdevErrors.NO_SPACE },
    count: 1,
  });
  await nexus.write(0, pattern(BS, 7));
  const st = nexus.childStatus(nexus.child(b.uuid));
  assert.deepEqual([st.reason, st.wireState, st.wireReason], ['NoSpace', 'DEGRADED', 'NO_SPACE']);
  await nexus.close();
});

test('a failed flush retires the child; flush succeeds on the survivor', async () => {
  const a = malloc('a');
  const b = malloc('b');
  const { nexus } = await makeNexus([a, b]);
  nexus.injectFault(a.uuid, { ops: ['flush'], action: { type: 'error' }, count: 1 });
  await nexus.flush();
  assert.equal(nexus.child(a.uuid).state, 'Faulted');
  await nexus.close();
});

test('if NexusInfo cannot be written, the nexus shuts down and does not acknowledge', async () => {
  const a = malloc('a');
  const b = malloc('b');
  const { nexus, store } = await makeNexus([a, b]);
  store.beforePut = () => {
    throw new Error('etcd unreachable');
  };
  nexus.injectFault(b.uuid, { ops: ['write'], action: { type: 'error' }, count: 1 });
  await assert.rejects(nexus.write(0, pattern(BS, 8)), (e) => isMayastorError(e, NexusErrors.PERSIST_FAILED));
  assert.equal(nexus.status, 'Shutdown');
  await assert.rejects(nexus.write(BS, pattern(BS, 9)), (e) =>
    isMayastorError(e, NexusErrors.PERSIST_FAILED),
  );
  await nexus.close();
});

test('a write that only an out-of-sync child completed is not acknowledged', async () => {
  const a = malloc('a');
  const { nexus } = await makeNexus([a]);
  const b = malloc('b');
  await nexus.addChild({ device: b }, { rebuild: false });
  assert.equal(nexus.child(b.uuid).sync, 'OutOfSync');
  nexus.injectFault(a.uuid, { ops: ['write'], action: { type: 'error' } });
  await assert.rejects(nexus.write(0, pattern(BS, 10)), (e) => isMayastorError(e, NexusErrors.FAULTED));
  assert.equal(nexus.status, 'Faulted');
  await nexus.close();
});

test('the last healthy child cannot be faulted, offlined or removed by request', async () => {
  const a = malloc('a');
  const b = malloc('b');
  const { nexus } = await makeNexus([a, b]);
  await nexus.offlineChild(a.uuid);
  assert.equal(nexus.childStatus(nexus.child(a.uuid)).wireReason, 'BY_CLIENT');
  for (const op of [
    () => nexus.offlineChild(b.uuid),
    () => nexus.faultChild(b.uuid),
    () => nexus.removeChild(b.uuid),
  ]) {
    await assert.rejects(op(), (e) => isMayastorError(e, NexusErrors.LAST_HEALTHY_CHILD));
  }
  await nexus.close();
});

test('an idle nexus keeps no timer, and a child that hangs after a long idle still times out', async () => {
  // Timers created (and not yet cleared) while the nexus lives, unref'd ones included.
  const live = new Set<number>();
  const hook = createHook({
    init(id, type) {
      if (type === 'Timeout') live.add(id);
    },
    destroy(id) {
      live.delete(id);
    },
  }).enable();
  try {
    const a = malloc('a');
    const b = malloc('b');
    const { nexus } = await makeNexus([a, b], { childIoTimeoutMs: 40 });
    await nexus.write(0, pattern(BS, 1));
    // Several sweep periods with nothing outstanding: the sweep has stopped itself.
    await new Promise((r) => setTimeout(r, 100));
    await ticks();
    assert.equal(live.size, 0, 'no timer left running by an idle nexus');
    nexus.injectFault(b.uuid, { ops: ['write'], action: { type: 'hang' } });
    const t0 = Date.now();
    await nexus.write(BS, pattern(BS, 2));
    const c = nexus.child(b.uuid);
    assert.deepEqual([c.state, c.reason], ['Faulted', 'TimedOut']);
    // Not at once: the deadline counts from a fresh clock, not the one the idle sweep left behind.
    assert.ok(Date.now() - t0 >= 35, `timed out after ${Date.now() - t0} ms, before its 40 ms deadline`);
    assert.equal(nexus.status, 'Degraded');
    await nexus.close();
  } finally {
    hook.disable();
  }
});
