/**
 * A nexus with a remote child: a replica served by another process over NVMe-oF/TCP, reached
 * through the initiator. The remote process is killed with SIGKILL under load; the volume stays
 * available on the local child; the process restarts and the child comes back with a partial
 * rebuild; every acknowledged write is on both.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FileDevice } from '../../src/bdev/index.js';
import { MemoryNexusInfoStore, Nexus } from '../../src/nexus/index.js';
import { sparseFile, tmpDir } from '../helpers/tmp.js';
import { BS, assertConsistent, journalFor, testUuid, workloadDuring } from './helpers.js';
import { RemoteReplica } from './remote.js';

test(
  'remote child over NVMe-oF: its process is killed under load and restarted; partial rebuild',
  { timeout: 120_000 },
  async (t) => {
    const dir = tmpDir(t);
    const size = 16 << 20;
    const local = await FileDevice.open({
      path: sparseFile(dir, 'local.img', size),
      blockSize: BS,
      engine: 'aio',
      uuid: testUuid(),
    });
    const remote = new RemoteReplica(sparseFile(dir, 'remote.img', size), testUuid());
    t.after(() => remote.kill());
    await remote.start();
    const rdev = await remote.open();
    assert.equal(rdev.driver, 'nvmf');
    const nexus = await Nexus.create({
      name: 'remote-nexus',
      uuid: testUuid(),
      children: [{ device: local }, { device: rdev }],
      infoStore: new MemoryNexusInfoStore(),
      childIoTimeoutMs: 2000,
    });
    try {
      assert.equal(nexus.child(remote.uuid).local, false);
      const journal = journalFor(nexus, 2048);
      await workloadDuring(nexus, journal, () => Promise.resolve(), { minOps: 1000 });
      // Kill the remote replica's process mid-write.
      const { stats } = await workloadDuring(
        nexus,
        journal,
        async () => {
          await remote.kill();
          for (let i = 0; i < 10_000 && nexus.status === 'Online'; i++)
            await new Promise((r) => setTimeout(r, 1));
        },
        { minOps: 500 },
      );
      assert.equal(
        stats.writeErrors + stats.readErrors + stats.readMismatches,
        0,
        'the application saw nothing',
      );
      assert.equal(nexus.status, 'Degraded');
      const st = nexus.childStatus(nexus.child(remote.uuid));
      assert.equal(st.state, 'Faulted');
      assert.equal(st.hasIoLog, true);
      // The process comes back; the child is onlined with a fresh connection and rebuilt.
      await remote.start();
      await workloadDuring(nexus, journal, async () => {
        await nexus.onlineChild(remote.uuid, { device: await remote.open() });
        assert.equal(await nexus.waitRebuild(remote.uuid), 'Completed');
      });
      const h = nexus.rebuildHistory().at(-1)!;
      assert.equal(h.isPartial, true);
      assert.equal(nexus.status, 'Online');
      await assertConsistent(nexus, journal, 'remote');
    } finally {
      await nexus.close();
    }
  },
);
