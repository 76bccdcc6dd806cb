/**
 * The end-to-end test of issue 6: three io-engines on one machine, a kernel initiator, a node
 * killed mid-write.
 *
 *   node A  root namespace: nexus over B's and C's replicas, published over NVMe-oF on
 *           127.0.0.1 (the VM reaches it as 10.0.2.2) and on its test-network address
 *   node B  its own network namespace, file-backed pool, replica shared over NVMe-oF to A
 *   node C  the same
 *
 * The Linux kernel's NVMe/TCP initiator in the test VM makes an ext4 file system on the volume
 * and writes files with fio's verification headers. Mid-write, node C gets SIGKILL: its child
 * faults and the volume stays writable (the guest keeps writing). C restarts, re-imports its
 * pool and shares its replica again by itself (node state); the child is onlined and rebuilt
 * partially while the guest still writes. Then the file system and every file are checked with
 * both replicas, with only C serving reads, and with only B; and the two replicas are compared
 * byte for byte.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { NvmfBlockDevice } from '../../src/nvmf/initiator/index.js';
import type { EngineClient } from '../../src/api/engine-client.js';
import type { Nexus__Output } from '../../src/api/generated/mayastor/v1/Nexus.js';
import type { RebuildHistoryRecord__Output } from '../../src/api/generated/mayastor/v1/RebuildHistoryRecord.js';
import { NetnsCluster, netnsSkipReason } from '../helpers/netns.js';
import { startEngine, type RunningEngine } from '../helpers/engine.js';
import { startProcess, REPO_ROOT } from '../helpers/proc.js';
import { VM_CACHE, vmScriptsDir, vmSkipReason } from '../helpers/vm.js';
import { sparseFile, tmpDir } from '../helpers/tmp.js';

const MiB = 1 << 20;
const VOLUME = 'e2e0e2e0-0000-4000-8000-00000000e2e0';
const REPLICA = { b: 'b0b0b0b0-0000-4000-8000-0000000000b0', c: 'c0c0c0c0-0000-4000-8000-0000000000c0' };
const VM_NQN = 'nqn.2019-05.io.openebs:node-name:vm-initiator';
const A_NQN = 'nqn.2019-05.io.openebs:node-name:node-a';
const SIZE = 160 * MiB;

const skip = netnsSkipReason() ?? vmSkipReason();

async function waitNexus(
  c: EngineClient,
  ok: (n: Nexus__Output) => boolean,
  what: string,
  timeoutMs = 120_000,
): Promise<Nexus__Output> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const n = (await c.nexus.ListNexus({ uuid: VOLUME })).nexus_list[0]!;
    if (ok(n)) return n;
    if (Date.now() > deadline) throw new Error(`nexus never became ${what}: ${JSON.stringify(n)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Poll until the nexus's rebuild history has `count` records (a job records itself just after the child is promoted). */
async function waitHistory(c: EngineClient, count: number): Promise<RebuildHistoryRecord__Output[]> {
  for (let i = 0; i < 600; i++) {
    const records = (await c.nexus.GetRebuildHistory({ uuid: VOLUME })).records;
    if (records.length >= count) return records;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`rebuild history never reached ${count} records`);
}

async function replicaDigest(uri: string): Promise<string> {
  const m = /^nvmf:\/\/([^:/]+):(\d+)\/([^?]+)/.exec(uri)!;
  const dev = await NvmfBlockDevice.connect({
    host: m[1]!,
    port: Number(m[2]),
    subnqn: m[3]!,
    hostNqn: A_NQN,
    ctrlLossTimeoutMs: 0,
  });
  try {
    const h = createHash('sha256');
    const buf = Buffer.alloc(4 * MiB);
    for (let off = 0; off < SIZE; off += buf.length) {
      await dev.read(off, buf);
      h.update(buf);
    }
    return h.digest('hex');
  } finally {
    await dev.close();
  }
}

test(
  'three nodes: kernel writes ext4, a replica node is SIGKILLed mid-write, comes back, partial rebuild, all replicas verify',
  { skip, timeout: 900_000 },
  async (t) => {
    const dir = tmpDir(t);
    const net = NetnsCluster.create(['b', 'c']);
    const engines = new Map<string, RunningEngine>();
    const share = fs.mkdtempSync(path.join(dir, 'share-'));
    const running: { vm?: ReturnType<typeof startProcess> } = {};
    t.after(async () => {
      await running.vm?.stop('SIGKILL');
      for (const e of engines.values()) await e.stop('SIGKILL');
      net.destroy();
    });

    const startNode = async (name: 'b' | 'c') => {
      const n = net.node(name);
      const e = await startEngine(
        [
          '-N',
          `node-${name}`,
          '-g',
          `${n.address}:10124`,
          '--nvmf-address',
          n.address,
          '--http-address',
          'none',
          '--no-nbd',
          '--state-dir',
          path.join(dir, name),
          '-P',
          `pool-${name}=aio://${path.join(dir, `${name}.img`)}`,
        ],
        { prefix: n.prefix, dialHost: n.address },
      );
      engines.set(name, e);
      return e;
    };
    sparseFile(dir, 'b.img', 256 * MiB);
    sparseFile(dir, 'c.img', 256 * MiB);
    const b = await startNode('b');
    let c = await startNode('c');
    const a = await startEngine(
      [
        '-N',
        'node-a',
        '-g',
        '127.0.0.1:0',
        '--http-address',
        '127.0.0.1:0',
        '--nvmf-address',
        '127.0.0.1',
        '--nvmf-address',
        net.root.address,
        '--nvmf-replica-port',
        '0',
        '--nvmf-nexus-port',
        '0',
        '--no-nbd',
        '--advertise-address',
        net.root.address,
        '--nexus-advertise-address',
        '10.0.2.2',
        '--state-dir',
        path.join(dir, 'a'),
      ],
      {},
    );
    engines.set('a', a);

    // Replicas on B and C (thick), shared with node A only.
    const uris: Record<'b' | 'c', string> = { b: '', c: '' };
    for (const [name, eng] of [
      ['b', b],
      ['c', c],
    ] as const) {
      const r = await eng.client.replica.CreateReplica({
        uuid: REPLICA[name],
        pooluuid: `pool-${name}`,
        size: SIZE,
        thin: false,
        share: 'NVMF',
        allowed_hosts: [A_NQN],
        entity_id: VOLUME,
      });
      assert.equal(
        r.uri,
        `nvmf://${net.node(name).address}:8420/nqn.2019-05.io.openebs:${REPLICA[name]}?uuid=${REPLICA[name]}`,
      );
      uris[name] = r.uri;
    }
    const created = (
      await a.client.nexus.CreateNexus({ uuid: VOLUME, name: VOLUME, size: SIZE, children: [uris.b, uris.c] })
    ).nexus!;
    assert.equal(created.state, 'NEXUS_ONLINE');
    const published = (
      await a.client.nexus.PublishNexus({ uuid: VOLUME, share: 'NVMF', allowed_hosts: [VM_NQN] })
    ).nexus!;
    const port = a.ready.nvmfNexusPort;
    assert.equal(published.device_uri, `nvmf://10.0.2.2:${port}/nqn.2019-05.io.openebs:${VOLUME}`);

    // The kernel initiator.
    const vm = startProcess(path.join(vmScriptsDir(), 'run-in-vm.sh'), [
      '--timeout',
      '840',
      '--share',
      share,
      '--env',
      `PORT=${port}`,
      '--env',
      `NQN=nqn.2019-05.io.openebs:${VOLUME}`,
      '--env',
      `HOSTNQN=${VM_NQN}`,
      '--env',
      'FILE_MB=4',
      VM_CACHE,
      path.join(REPO_ROOT, 'test', 'engine', 'vm', 'multinode.guest.sh'),
    ]);
    running.vm = vm;
    const vmOut = () => vm.output();
    await vm.waitFor(/^MOUNTED$/, 300_000);
    await vm.waitFor(/^WROTE 2$/, 300_000);

    // SIGKILL node C in the middle of the writes.
    const before = (await a.client.stats.GetNexusIoStats({ name: VOLUME })).stats[0]!.num_write_ops;
    assert.ok(before > 0);
    assert.ok(!/WRITES_DONE/.test(vmOut()), 'the guest is still writing');
    const killed = await c.stop('SIGKILL');
    assert.equal(killed.signal, 'SIGKILL');
    engines.delete('c');
    const wroteAtKill = Math.max(...[...vmOut().matchAll(/^WROTE (\d+)$/gm)].map((m) => Number(m[1])));
    t.diagnostic(`node C killed after ${wroteAtKill} files`);

    // The child faults; the volume stays writable: the guest finishes more files.
    const degraded = await waitNexus(
      a.client,
      (n) => n.children.some((ch) => ch.uri === uris.c && ch.state === 'CHILD_FAULTED'),
      'degraded',
    );
    assert.equal(degraded.state, 'NEXUS_DEGRADED');
    assert.equal(degraded.children.find((ch) => ch.uri === uris.c)!.has_io_log, true);
    await vm.waitFor(new RegExp(`^WROTE ${wroteAtKill + 2}$`), 300_000);

    // C comes back: its pool is imported from the node state and its replica shared again.
    c = await startNode('c');
    assert.deepEqual(c.ready.pools, ['pool-c']);
    const back = (await c.client.replica.ListReplicas({ uuid: REPLICA.c })).replicas[0]!;
    assert.equal(back.uri, uris.c);
    assert.deepEqual(back.allowed_hosts, [A_NQN]);

    // Online the child while the guest still writes: a partial rebuild.
    await a.client.nexus.ChildOperation({ nexus_uuid: VOLUME, uri: uris.c, action: 'Online' });
    await waitNexus(a.client, (n) => n.state === 'NEXUS_ONLINE', 'online after the rebuild of C');
    const history = await waitHistory(a.client, 1);
    assert.equal(history.length, 1);
    const rebuild = history[0]!;
    assert.equal(rebuild.state, 'Completed');
    assert.equal(rebuild.child_uri, uris.c);
    assert.equal(rebuild.is_partial, true);
    assert.ok(rebuild.blocks_transferred > 0);
    assert.ok(rebuild.blocks_transferred * rebuild.block_size < SIZE, 'only what C missed was copied');
    t.diagnostic(
      `partial rebuild copied ${(rebuild.blocks_transferred * rebuild.block_size) / MiB} MiB of ${SIZE / MiB} MiB`,
    );

    fs.writeFileSync(path.join(share, 'stop-writing'), '');
    await vm.waitFor(/^PHASE1_OK$/, 300_000);

    // Only C serves reads: the file system and every file must check clean from it alone.
    await a.client.nexus.ChildOperation({ nexus_uuid: VOLUME, uri: uris.b, action: 'Offline' });
    fs.writeFileSync(path.join(share, 'phase2'), '');
    await vm.waitFor(/^PHASE2_OK$/, 300_000);

    // Only B serves reads.
    await a.client.nexus.ChildOperation({ nexus_uuid: VOLUME, uri: uris.b, action: 'Online' });
    await waitNexus(a.client, (n) => n.state === 'NEXUS_ONLINE', 'online after B came back');
    await a.client.nexus.ChildOperation({ nexus_uuid: VOLUME, uri: uris.c, action: 'Offline' });
    fs.writeFileSync(path.join(share, 'phase3'), '');
    await vm.waitFor(/^PHASE3_OK$/, 300_000);
    const vmExit = await vm.exited;
    assert.equal(vmExit.code, 0, `guest failed:\n${vmOut()}`);
    await a.client.nexus.ChildOperation({ nexus_uuid: VOLUME, uri: uris.c, action: 'Online' });
    await waitNexus(a.client, (n) => n.state === 'NEXUS_ONLINE', 'online at the end');

    // The replicas are identical, byte for byte.
    const [db, dc] = [await replicaDigest(uris.b), await replicaDigest(uris.c)];
    assert.equal(db, dc, 'replicas B and C differ');

    // Every node stops cleanly.
    for (const [name, e] of [...engines]) {
      assert.equal((await e.stop('SIGTERM')).code, 0, `node ${name} exit`);
      engines.delete(name);
    }
    const info = JSON.parse(
      fs.readFileSync(
        path.join(dir, 'a', 'nexus-info', `${encodeURIComponent(`nexus/${VOLUME}`)}.json`),
        'utf8',
      ),
    ) as {
      clean_shutdown: boolean;
    };
    assert.equal(info.clean_shutdown, true);
  },
);
