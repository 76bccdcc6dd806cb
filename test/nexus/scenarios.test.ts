/**
 * The seed documentation's replica scenarios, as far as they concern one nexus: its children
 * are replicas in pools on separate files ("nodes"), faults are real I/O errors of a pool's disk
 * or a node that stops answering, and the verifying workload runs throughout.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FaultInjectingDevice, FileDevice } from '../../src/bdev/index.js';
import { Pool, type Replica } from '../../src/pool/index.js';
import { MemoryNexusInfoStore, Nexus } from '../../src/nexus/index.js';
import { sparseFile, tmpDir } from '../helpers/tmp.js';
import { assertConsistent, journalFor, testUuid, workloadDuring } from './helpers.js';

const REPLICA_SIZE = 16 << 20;

interface Node {
  name: string;
  disk: FaultInjectingDevice;
  pool: Pool;
}

async function nodes(dir: string, n: number): Promise<Node[]> {
  const out: Node[] = [];
  for (let i = 1; i <= n; i++) {
    const file = sparseFile(dir, `node-${i}.img`, 24 << 20);
    const disk = new FaultInjectingDevice(
      await FileDevice.open({ path: file, blockSize: 4096, engine: 'aio' }),
    );
    const pool = await Pool.create(disk, { name: `pool-${i}`, clusterSize: 1 << 20 });
    out.push({ name: `node-${i}`, disk, pool });
  }
  return out;
}

function replica(node: Node): Promise<Replica> {
  return node.pool.createReplica({ uuid: testUuid(), size: REPLICA_SIZE, thin: false });
}

async function volume(replicas: Replica[]): Promise<Nexus> {
  return Nexus.create({
    name: 'volume-1',
    uuid: testUuid(),
    children: replicas.map((device) => ({ device, uri: `bdev:///${device.pool.name}/${device.name}` })),
    infoStore: new MemoryNexusInfoStore(),
    childIoTimeoutMs: 300,
  });
}

async function teardown(nexus: Nexus, ns: Node[]): Promise<void> {
  await nexus.close();
  for (const n of ns) {
    n.disk.clear();
    await n.pool.export().catch(() => undefined);
  }
}

test('scenario one: 2 replicas, the disk under one fails; the volume stays available, the replica is replaced and rebuilt', async (t) => {
  const ns = await nodes(tmpDir(t), 2);
  const [r1, r2] = [await replica(ns[0]!), await replica(ns[1]!)];
  const nexus = await volume([r1, r2]);
  const journal = journalFor(nexus);
  const { stats } = await workloadDuring(
    nexus,
    journal,
    async () => {
      // Pool-2-A's disk goes offline: every I/O to it fails.
      ns[1]!.disk.inject({
        ops: ['read', 'write', 'flush', 'unmap', 'writeZeroes'],
        action: { type: 'error' },
      });
      for (let i = 0; i < 10_000 && nexus.status === 'Online'; i++)
        await new Promise((r) => setTimeout(r, 1));
    },
    { minOps: 2000 },
  );
  assert.equal(stats.writeErrors + stats.readErrors, 0, 'the application saw no error');
  assert.equal(stats.readMismatches, 0);
  assert.equal(nexus.status, 'Degraded');
  const st = nexus.childStatus(nexus.child(r2.uuid));
  assert.deepEqual([st.state, st.wireState, st.wireReason], ['Faulted', 'FAULTED', 'IO_FAILURE']);
  // The faulty replica is removed: the remaining child is healthy, so the nexus is Online.
  await nexus.removeChild(r2.uuid);
  assert.equal(nexus.status, 'Online');
  assert.equal(nexus.children.length, 1);
  // A new replica on the other pool of Node-2 (here: a new pool) is added and rebuilt.
  ns[1]!.disk.clear();
  const ns2 = await nodes(tmpDir(t), 1);
  const r3 = await replica(ns2[0]!);
  await workloadDuring(nexus, journal, async () => {
    await nexus.addChild({ device: r3 });
    assert.equal(nexus.status, 'Degraded');
    assert.equal(await nexus.waitRebuild(r3.uuid), 'Completed');
  });
  assert.equal(nexus.status, 'Online');
  await assertConsistent(nexus, journal, 'scenario one');
  await teardown(nexus, [...ns, ...ns2]);
});

test('scenarios four to six: 3 replicas, a node goes down; degraded, scaled down to 2, then back to 3', async (t) => {
  const ns = await nodes(tmpDir(t), 3);
  const rs = [await replica(ns[0]!), await replica(ns[1]!), await replica(ns[2]!)];
  const nexus = await volume(rs);
  const journal = journalFor(nexus);
  // Node-3 goes down: its replica stops answering (I/O hangs until the per-I/O timeout).
  const { stats } = await workloadDuring(
    nexus,
    journal,
    async () => {
      ns[2]!.disk.inject({
        ops: ['read', 'write', 'flush', 'unmap', 'writeZeroes'],
        action: { type: 'hang' },
      });
      for (let i = 0; i < 10_000 && nexus.status === 'Online'; i++)
        await new Promise((r) => setTimeout(r, 1));
    },
    { minOps: 2000 },
  );
  assert.equal(stats.writeErrors + stats.readErrors + stats.readMismatches, 0);
  assert.equal(nexus.status, 'Degraded');
  const down = nexus.childStatus(nexus.child(rs[2]!.uuid));
  assert.deepEqual([down.state, down.reason, down.wireReason], ['Faulted', 'TimedOut', 'TIMED_OUT']);
  await assertConsistent(nexus, journal, 'degraded');
  // Scenario five: scale down to 2. The faulted child goes first (rule 3), and the nexus is Online.
  await nexus.removeChild(rs[2]!.uuid);
  assert.equal(nexus.status, 'Online');
  // Scenario six: Node-3 is back (its disowned replica is garbage-collected); a new replica
  // there, scale up to 3.
  ns[2]!.disk.clear();
  await ns[2]!.pool.destroyReplica(rs[2]!.uuid);
  const r4 = await replica(ns[2]!);
  await workloadDuring(nexus, journal, async () => {
    await nexus.addChild({ device: r4 });
    assert.equal(nexus.status, 'Degraded');
    assert.equal(await nexus.waitRebuild(r4.uuid), 'Completed');
  });
  assert.equal(nexus.status, 'Online');
  assert.equal(nexus.children.length, 3);
  await assertConsistent(nexus, journal, 'scaled up');
  await teardown(nexus, ns);
});

test('a child returns: a 3-way volume loses a replica for a while and gets it back with a partial rebuild', async (t) => {
  const ns = await nodes(tmpDir(t), 3);
  const rs = [await replica(ns[0]!), await replica(ns[1]!), await replica(ns[2]!)];
  const nexus = await volume(rs);
  const journal = journalFor(nexus, 1024); // 4 MiB of the 16 MiB volume
  await workloadDuring(nexus, journal, () => Promise.resolve(), { minOps: 1000 });
  // A transient failure of node-2's disk (a handful of writes fail).
  ns[1]!.disk.inject({ ops: ['write'], action: { type: 'error' }, count: 3 });
  await workloadDuring(
    nexus,
    journal,
    async () => {
      for (let i = 0; i < 10_000 && nexus.status === 'Online'; i++)
        await new Promise((r) => setTimeout(r, 1));
    },
    { minOps: 1000 },
  );
  assert.equal(nexus.status, 'Degraded');
  const st = nexus.childStatus(nexus.child(rs[1]!.uuid));
  assert.equal(st.hasIoLog, true);
  assert.ok(st.dirtySegments! > 0 && st.dirtySegments! <= 64);
  await workloadDuring(nexus, journal, async () => {
    await nexus.onlineChild(rs[1]!.uuid);
    assert.equal(await nexus.waitRebuild(rs[1]!.uuid), 'Completed');
  });
  const h = nexus.rebuildHistory().at(-1)!;
  assert.equal(h.isPartial, true);
  assert.ok(h.blocksTransferred <= 1024, 'only segments the workload touched were copied');
  assert.equal(nexus.status, 'Online');
  await assertConsistent(nexus, journal, 'child returned');
  await teardown(nexus, ns);
});
