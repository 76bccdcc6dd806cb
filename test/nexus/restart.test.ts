/**
 * Beyond Mayastor: the dirty-segment log survives a SIGKILL of the nexus's process. A real
 * process runs a nexus over two local pool replicas, takes one out and keeps writing; it is
 * killed mid-write. A new nexus built from the same NexusInfo and logs brings the replica back
 * with a partial rebuild of exactly the dirty segments, and every acknowledged write is found on
 * the nexus and on both replicas. With a memory-only log the same restart needs a full rebuild.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Nexus } from '../../src/nexus/index.js';
import { checkDevice, readJournal } from '../../src/verify/index.js';
import { startProcess } from '../helpers/proc.js';
import { sparseFile, tmpDir } from '../helpers/tmp.js';
import { BS, openReplicas, stores, type NexusWriterConfig } from './fixtures/nexus-writer.js';
import { SEG, readAll, testUuid } from './helpers.js';

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'nexus-writer.js');

async function killedWriter(dir: string, persistLog: boolean): Promise<NexusWriterConfig> {
  const replicaSize = 32 << 20;
  const cfg: NexusWriterConfig = {
    dir,
    poolFiles: [sparseFile(dir, 'pool0.img', 40 << 20), sparseFile(dir, 'pool1.img', 40 << 20)],
    replicaUuids: [testUuid(), testUuid()],
    replicaSize,
    nexusUuid: testUuid(),
    persistLog,
    runId: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
    journals: [path.join(dir, 'j1'), path.join(dir, 'j2')],
    // Region 1: the first 16 MiB. Region 2 (written while replica 1 is out): 24 segments higher up.
    regions: [
      { startBlock: 0, numBlocks: (16 << 20) / BS },
      { startBlock: (20 << 20) / BS, numBlocks: (24 * SEG) / BS },
    ],
    phase1Ops: 3000,
  };
  const cfgFile = path.join(dir, 'cfg.json');
  fs.writeFileSync(cfgFile, JSON.stringify(cfg));
  const p = startProcess(process.execPath, [FIXTURE, cfgFile]);
  try {
    await p.waitFor(/OFFLINE/, 60_000);
    // Kill it mid-write, once a good number of writes were acknowledged with the replica out.
    await p.waitFor(/PROGRESS acked=([1-9]\d{3,})/, 60_000);
  } finally {
    const r = await p.stop('SIGKILL');
    assert.equal(r.signal, 'SIGKILL', p.output());
  }
  return cfg;
}

async function restartAndCheck(
  cfg: NexusWriterConfig,
): Promise<{ partial: boolean; copied: number; dirty: number }> {
  const { pools, replicas } = await openReplicas(cfg, false);
  const nexus = await Nexus.create({
    name: 'nexus-writer',
    uuid: cfg.nexusUuid,
    children: replicas.map((device) => ({ device })),
    autoRebuild: false,
    ...(await stores(cfg)),
  });
  try {
    const out = nexus.child(cfg.replicaUuids[1]!);
    assert.equal(out.sync, 'OutOfSync');
    assert.equal(nexus.child(cfg.replicaUuids[0]!).sync, 'Synced');
    const dirty = out.pending!.size;
    nexus.startRebuild(out.uuid);
    assert.equal(await nexus.waitRebuild(out.uuid), 'Completed');
    const h = nexus.rebuildHistory()[0]!;
    const journals = await Promise.all(cfg.journals.map((j) => readJournal(j)));
    assert.ok(journals[1]!.records.length > 1000);
    for (const dev of [nexus, ...replicas]) {
      for (const j of journals) {
        const rep = await checkDevice(dev, j);
        assert.equal(rep.passed, true, `${dev.name}: ${JSON.stringify(rep.problems.slice(0, 5))}`);
        assert.ok(rep.ackedWrites > 0);
      }
    }
    assert.ok(
      (await readAll(replicas[0]!)).equals(await readAll(replicas[1]!)),
      'replicas are byte-identical',
    );
    return { partial: h.isPartial, copied: h.blocksTransferred, dirty };
  } finally {
    await nexus.close();
    for (const p of pools) await p.export();
  }
}

test('SIGKILL with a replica out: the persistent log gives a partial rebuild of only the dirty segments', async (t) => {
  const dir = tmpDir(t);
  const cfg = await killedWriter(dir, true);
  const r = await restartAndCheck(cfg);
  assert.equal(r.partial, true);
  // Region 2 spans 24 segments; nothing else was written while the replica was out.
  assert.ok(r.dirty >= 1 && r.dirty <= 24, `dirty ${r.dirty}`);
  assert.equal(r.copied, (r.dirty * SEG) / BS);
});

test('SIGKILL with a replica out and a memory-only log (Mayastor): the restart needs a full rebuild', async (t) => {
  const dir = tmpDir(t);
  const cfg = await killedWriter(dir, false);
  const r = await restartAndCheck(cfg);
  assert.equal(r.partial, false);
  assert.equal(r.copied, cfg.replicaSize / BS);
});
