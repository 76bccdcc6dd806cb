/**
 * Replicas shared over NVMe-oF and nexuses, through the gRPC API of two real io-engine
 * processes: node B shares a replica, node A mirrors it with a local replica in a nexus,
 * publishes the nexus over NVMe-oF (our initiator connects as the host) and NBD (libnbd's
 * nbdinfo), faults and onlines children with partial rebuilds, drives rebuilds by hand
 * (start, pause, resume, stop) with fault injection slowing them down, and shuts down cleanly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { MayastorError } from '../../src/core/errors.js';
import { NvmfBlockDevice } from '../../src/nvmf/initiator/index.js';
import type { Nexus__Output } from '../../src/api/generated/mayastor/v1/Nexus.js';
import type { RebuildHistoryRecord__Output } from '../../src/api/generated/mayastor/v1/RebuildHistoryRecord.js';
import type { EngineClient } from '../../src/api/engine-client.js';
import { startEngine, testEngineArgs } from '../helpers/engine.js';
import { patternBuffer, sparseFile, tmpDir } from '../helpers/tmp.js';

const MiB = 1 << 20;
const RA = 'aaaaaaaa-1111-4111-8111-000000000001';
const RB = 'bbbbbbbb-2222-4222-8222-000000000002';
const NX = 'cccccccc-3333-4333-8333-000000000003';
const HOST = 'nqn.2019-05.io.openebs:node-name:test-host';
const NODE_A_NQN = 'nqn.2019-05.io.openebs:node-name:node-a';

async function rejects(
  p: Promise<unknown>,
  grpcStatus: string,
  code: string,
  message?: RegExp,
): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof MayastorError, String(e));
    assert.equal(e.details?.grpcStatus, grpcStatus, `${e.code}: ${e.message}`);
    assert.equal(e.code, code, e.message);
    if (message) assert.match(e.message, message);
    return true;
  });
}

async function nexusOf(c: EngineClient, uuid: string): Promise<Nexus__Output> {
  const n = (await c.nexus.ListNexus({ uuid })).nexus_list[0];
  assert.ok(n, `nexus ${uuid} is listed`);
  return n;
}

/** Poll (bounded) until the nexus satisfies `ok`; every call is a real gRPC round trip. */
async function waitNexus(
  c: EngineClient,
  uuid: string,
  ok: (n: Nexus__Output) => boolean,
  what: string,
): Promise<Nexus__Output> {
  for (let i = 0; i < 600; i++) {
    const n = await nexusOf(c, uuid);
    if (ok(n)) return n;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nexus never became ${what}: ${JSON.stringify(await nexusOf(c, uuid))}`);
}

/** Poll until the rebuild history has `count` records (a job records itself just after the child is promoted). */
async function waitHistory(
  c: EngineClient,
  uuid: string,
  count: number,
): Promise<RebuildHistoryRecord__Output[]> {
  for (let i = 0; i < 600; i++) {
    const records = (await c.nexus.GetRebuildHistory({ uuid })).records;
    if (records.length >= count) return records;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`rebuild history of ${uuid} never reached ${count} records`);
}

function parseNvmfUri(uri: string): { host: string; port: number; nqn: string } {
  const m = /^nvmf:\/\/([^:/]+):(\d+)\/([^?]+)/.exec(uri);
  assert.ok(m, uri);
  return { host: m[1]!, port: Number(m[2]), nqn: m[3]! };
}

test('replica shares, nexus create/publish/fault/online/rebuild over two io-engines', async (t) => {
  const dir = tmpDir(t);
  const b = await startEngine(
    testEngineArgs('node-b', path.join(dir, 'b'), [
      '--enable-fault-injection',
      '-P',
      `pool-b=${sparseFile(dir, 'b.img', 96 * MiB)}`,
    ]),
  );
  t.after(() => b.stop('SIGKILL'));
  const a = await startEngine(
    testEngineArgs('node-a', path.join(dir, 'a'), [
      '--enable-fault-injection',
      '-P',
      `pool-a=${sparseFile(dir, 'a.img', 96 * MiB)}`,
    ]),
  );
  t.after(() => a.stop('SIGKILL'));

  // ---- replicas: B's is shared with A only; A's is local.
  const rb = await b.client.replica.CreateReplica({
    uuid: RB,
    pooluuid: 'pool-b',
    size: 32 * MiB,
    thin: true,
    share: 'NVMF',
    allowed_hosts: [NODE_A_NQN],
  });
  assert.equal(rb.share, 'NVMF');
  assert.equal(rb.uri, `nvmf://127.0.0.1:${b.ready.nvmfReplicaPort}/nqn.2019-05.io.openebs:${RB}?uuid=${RB}`);
  assert.deepEqual(rb.allowed_hosts, [NODE_A_NQN]);
  // Sharing again: same URI; the host list is replaced.
  const again = await b.client.replica.ShareReplica({
    uuid: RB,
    share: 'NVMF',
    allowed_hosts: [NODE_A_NQN, HOST],
  });
  assert.equal(again.uri, rb.uri);
  assert.deepEqual(again.allowed_hosts.sort(), [NODE_A_NQN, HOST].sort());
  await rejects(
    b.client.replica.ShareReplica({ uuid: RB, share: 'NVMF', allowed_hosts: ['not an nqn'] }),
    'INVALID_ARGUMENT',
    'INVALID_ARGUMENT',
    /host NQN/,
  );
  const { host, port, nqn } = parseNvmfUri(rb.uri);
  // A host that is not allowed cannot connect.
  await assert.rejects(
    NvmfBlockDevice.connect({
      host,
      port,
      subnqn: nqn,
      hostNqn: 'nqn.2019-05.io.openebs:node-name:intruder',
      ctrlLossTimeoutMs: 0,
    }),
  );
  await b.client.replica.ShareReplica({ uuid: RB, share: 'NVMF', allowed_hosts: [NODE_A_NQN] });
  await a.client.replica.CreateReplica({ uuid: RA, pooluuid: 'pool-a', size: 32 * MiB, thin: false });

  // ---- nexus on A over both.
  const children = [`bdev:///${RA}?uuid=${RA}`, rb.uri];
  await rejects(
    a.client.nexus.CreateNexus({
      uuid: NX,
      name: 'vol-1',
      size: 32 * MiB,
      children: [children[0]!, 'nvmf://127.0.0.1:1/nqn.2019-05.io.openebs:x?uuid=' + RB],
    }),
    'UNAVAILABLE',
    'ENGINE_CHILD_OPEN_FAILED',
    /cannot open child/,
  );
  await rejects(
    a.client.nexus.CreateNexus({ uuid: NX, name: 'vol-1', size: 32 * MiB, children: [] }),
    'INVALID_ARGUMENT',
    'INVALID_ARGUMENT',
  );
  await rejects(
    a.client.nexus.CreateNexus({ uuid: NX, name: 'vol-1', size: 64 * MiB, children }),
    'INVALID_ARGUMENT',
    'NEXUS_CHILD_GEOMETRY',
    /smaller than the nexus/,
  );
  const created = (await a.client.nexus.CreateNexus({ uuid: NX, name: 'vol-1', size: 32 * MiB, children }))
    .nexus!;
  assert.equal(created.state, 'NEXUS_ONLINE');
  assert.equal(created.size, 32 * MiB);
  assert.deepEqual(
    created.children.map((c) => [c.uri, c.state]),
    children.map((u) => [u, 'CHILD_ONLINE']),
  );
  assert.equal(created.device_uri, '');
  // Idempotent create; a different spec is refused.
  assert.equal(
    (await a.client.nexus.CreateNexus({ uuid: NX, name: 'vol-1', size: 32 * MiB, children })).nexus!.uuid,
    NX,
  );
  await rejects(
    a.client.nexus.CreateNexus({ uuid: NX, name: 'vol-1', size: 32 * MiB, children: [children[0]!] }),
    'ALREADY_EXISTS',
    'ENGINE_NEXUS_EXISTS',
  );
  // The local replica is claimed.
  await rejects(
    a.client.replica.DestroyReplica({ uuid: RA }),
    'FAILED_PRECONDITION',
    'ENGINE_REPLICA_IN_USE',
    /vol-1/,
  );
  assert.equal((await a.client.replica.ListReplicas({ uuid: RA })).replicas[0]!.claimed, true);

  // ---- publish over NVMe-oF; our initiator is the host.
  const pub = (await a.client.nexus.PublishNexus({ uuid: NX, share: 'NVMF', allowed_hosts: [HOST] })).nexus!;
  assert.equal(pub.device_uri, `nvmf://127.0.0.1:${a.ready.nvmfNexusPort}/nqn.2019-05.io.openebs:vol-1`);
  assert.equal(pub.share, 'NVMF');
  assert.equal(
    (await a.client.nexus.PublishNexus({ uuid: NX, share: 'NVMF', allowed_hosts: [HOST] })).nexus!.device_uri,
    pub.device_uri,
  );
  await rejects(
    a.client.nexus.PublishNexus({ uuid: NX, share: 'NBD' }),
    'FAILED_PRECONDITION',
    'ENGINE_SHARE_CONFLICT',
    /unpublish it first/,
  );
  const target = parseNvmfUri(pub.device_uri);
  const vol = await NvmfBlockDevice.connect({
    host: target.host,
    port: target.port,
    subnqn: target.nqn,
    hostNqn: HOST,
  });
  t.after(() => vol.close());
  assert.equal(vol.size, 32 * MiB);
  const data = patternBuffer(8 * MiB, 7);
  await vol.write(0, data);
  await vol.flush();

  // ---- fault B's child, write while degraded, online it: a partial rebuild.
  const faulted = (await a.client.nexus.FaultNexusChild({ uuid: NX, uri: rb.uri })).nexus!;
  assert.equal(faulted.state, 'NEXUS_DEGRADED');
  const fc = faulted.children.find((c) => c.uri === rb.uri)!;
  assert.equal(fc.state, 'CHILD_FAULTED');
  assert.equal(fc.has_io_log, true);
  assert.ok(fc.fault_timestamp);
  await rejects(
    a.client.nexus.FaultNexusChild({ uuid: NX, uri: children[0]! }),
    'FAILED_PRECONDITION',
    'NEXUS_LAST_HEALTHY_CHILD',
  );
  const data2 = patternBuffer(2 * MiB, 8);
  await vol.write(16 * MiB, data2);
  await vol.flush();
  await a.client.nexus.ChildOperation({ nexus_uuid: NX, uri: RB, action: 'Online' }); // by uuid
  await waitNexus(a.client, NX, (n) => n.state === 'NEXUS_ONLINE', 'online after the partial rebuild');
  const hist = await waitHistory(a.client, NX, 1);
  assert.equal(hist.length, 1);
  assert.equal(hist[0]!.is_partial, true);
  assert.equal(hist[0]!.state, 'Completed');
  assert.equal(hist[0]!.child_uri, rb.uri);
  assert.equal(hist[0]!.src_uri, children[0]);
  assert.ok(
    hist[0]!.blocks_transferred * hist[0]!.block_size < 32 * MiB,
    'only the dirty segments were copied',
  );
  assert.ok(hist[0]!.blocks_transferred * hist[0]!.block_size >= 2 * MiB, 'every dirty segment was copied');

  // B's replica, read directly, holds both writes.
  const direct = await NvmfBlockDevice.connect({ host, port, subnqn: nqn, hostNqn: NODE_A_NQN });
  const got = Buffer.alloc(8 * MiB);
  await direct.read(0, got);
  assert.ok(got.equals(data), 'the first write reached B before the fault');
  const got2 = Buffer.alloc(2 * MiB);
  await direct.read(16 * MiB, got2);
  assert.ok(got2.equals(data2), 'the write made while B was out reached it through the partial rebuild');
  await direct.close();

  // ---- rebuild control by hand: slow B down with an injected delay, then pause, resume, stop, start.
  await a.client.nexus.ChildOperation({ nexus_uuid: NX, uri: rb.uri, action: 'Offline' });
  await vol.write(0, patternBuffer(8 * MiB, 9));
  const fault = await a.client.test.AddFaultInjection({
    target: { nexus_child: { nexus_uuid: NX, child_uri: rb.uri } },
    spec: { ops: ['FAULT_WRITE'], action: 'FAULT_DELAY', delay_ms: 200 },
  });
  const listed = (await a.client.test.ListFaultInjection({})).injections;
  assert.deepEqual(
    listed.map((f) => [f.id, f.target?.nexus_child?.child_uri, f.spec?.action]),
    [[fault.id, rb.uri, 'FAULT_DELAY']],
  );
  await a.client.nexus.ChildOperation({ nexus_uuid: NX, uri: rb.uri, action: 'Online' });
  const req = { nexus_uuid: NX, uri: rb.uri };
  assert.equal((await a.client.nexus.GetRebuildState(req)).state, 'rebuilding');
  const stats = await a.client.nexus.GetRebuildStats(req);
  assert.equal(stats.is_partial, true);
  assert.ok(stats.blocks_total > 0);
  await a.client.nexus.PauseRebuild(req);
  assert.equal((await a.client.nexus.GetRebuildState(req)).state, 'paused');
  await a.client.nexus.ResumeRebuild(req);
  assert.equal((await a.client.nexus.GetRebuildState(req)).state, 'rebuilding');
  await a.client.nexus.StopRebuild(req);
  assert.equal((await a.client.nexus.GetRebuildState(req)).state, 'stopped');
  assert.equal((await nexusOf(a.client, NX)).state, 'NEXUS_DEGRADED');
  await a.client.test.RemoveFaultInjection({
    target: { nexus_child: { nexus_uuid: NX, child_uri: rb.uri } },
    id: fault.id,
  });
  await a.client.nexus.StartRebuild(req);
  await waitNexus(a.client, NX, (n) => n.state === 'NEXUS_ONLINE', 'online after the restarted rebuild');
  const states = (await waitHistory(a.client, NX, 3)).map((r) => r.state);
  assert.deepEqual(states, ['Completed', 'Stopped', 'Completed']);
  const all = await a.client.nexus.ListRebuildHistory({ count: 2 });
  assert.deepEqual(Object.keys(all.histories), [NX]);
  assert.equal(all.histories[NX]!.records.length, 2);
  const since = await a.client.nexus.ListRebuildHistory({ since_end_time: all.end_time! });
  assert.deepEqual(since.histories, {});

  // ---- statistics and metrics: the nexus and both replicas saw the I/O.
  const ns = (await a.client.stats.GetNexusIoStats({ name: 'vol-1' })).stats[0]!;
  assert.ok(ns.num_write_ops > 0 && ns.bytes_written >= 18 * MiB);
  const bs = (await b.client.stats.GetReplicaIoStats({})).stats[0]!;
  assert.ok(bs.stats!.bytes_written >= 18 * MiB, 'B got every write, first hand or rebuilt');
  const metrics = await (await fetch(`http://127.0.0.1:${a.ready.httpPort}/metrics`)).text();
  assert.match(metrics, /^volume_num_write_ops\{node="node-a",pv_name="vol-1"\} [1-9]\d*$/m);
  assert.match(metrics, /^volume_status\{node="node-a",pv_name="vol-1"\} 1$/m);
  assert.match(metrics, /^volume_child_count\{node="node-a",pv_name="vol-1",state="online"\} 2$/m);
  const ctrls = (await a.client.host.ListNvmeControllers({})).controllers;
  assert.deepEqual(
    ctrls.map((c) => [c.uuid, c.state]),
    [[RB, 'live']],
  );

  // ---- NBD: unpublish NVMe-oF (the host is disconnected), publish over NBD, libnbd reads it.
  await vol.close();
  await a.client.nexus.UnpublishNexus({ uuid: NX });
  await a.client.nexus.UnpublishNexus({ uuid: NX });
  const nbd = (await a.client.nexus.PublishNexus({ uuid: NX, share: 'NBD' })).nexus!;
  assert.equal(nbd.device_uri, `nbd://127.0.0.1:${a.ready.nbdPort}/vol-1`);
  await rejects(
    a.client.nexus.PublishNexus({ uuid: NX, share: 'NBD', allowed_hosts: ['10.0.0.1'] }),
    'INVALID_ARGUMENT',
    'INVALID_ARGUMENT',
    /NBD/,
  );
  assert.equal(
    execFileSync('nbdinfo', ['--size', nbd.device_uri], { encoding: 'utf8' }).trim(),
    String(32 * MiB),
  );
  const img = path.join(dir, 'copy.img');
  execFileSync('nbdcopy', [nbd.device_uri, img]);
  const copy = fs.readFileSync(img);
  assert.ok(copy.subarray(16 * MiB, 18 * MiB).equals(data2));

  // ---- remove and add children; destroy; graceful stop records a clean shutdown.
  await a.client.nexus.RemoveChildNexus({ uuid: NX, uri: 'bdev:///nope' }); // not a child: nothing to do
  const removed = (await a.client.nexus.RemoveChildNexus({ uuid: NX, uri: rb.uri })).nexus!;
  assert.deepEqual(
    removed.children.map((c) => c.uri),
    [children[0]],
  );
  const readded = (await a.client.nexus.AddChildNexus({ uuid: NX, uri: rb.uri, norebuild: false })).nexus!;
  assert.equal(readded.children.length, 2);
  await waitNexus(
    a.client,
    NX,
    (n) => n.state === 'NEXUS_ONLINE',
    'online after the full rebuild of the re-added child',
  );
  const last = (await waitHistory(a.client, NX, 4)).at(-1)!;
  assert.equal(last.is_partial, false);

  const shut = (await a.client.nexus.ShutdownNexus({ uuid: NX })).nexus!;
  assert.equal(shut.state, 'NEXUS_SHUTDOWN');
  assert.equal(shut.device_uri, '');
  await rejects(
    a.client.nexus.PublishNexus({ uuid: NX, share: 'NVMF' }),
    'FAILED_PRECONDITION',
    'ENGINE_SHARE_CONFLICT',
    /shut down/,
  );
  const info = JSON.parse(
    fs.readFileSync(path.join(dir, 'a', 'nexus-info', `${encodeURIComponent(`nexus/${NX}`)}.json`), 'utf8'),
  ) as {
    clean_shutdown: boolean;
    children: Array<{ uuid: string; healthy: boolean }>;
  };
  assert.equal(info.clean_shutdown, true);
  assert.deepEqual(info.children.map((c) => [c.uuid, c.healthy]).sort(), [
    [RA, true],
    [RB, true],
  ]);
  await a.client.nexus.DestroyNexus({ uuid: NX });
  await a.client.nexus.DestroyNexus({ uuid: NX });
  await a.client.replica.DestroyReplica({ uuid: RA }); // no longer claimed
  assert.equal((await a.stop('SIGTERM')).code, 0);
  assert.equal((await b.stop('SIGTERM')).code, 0);
});

test('SIGTERM shuts published nexuses down cleanly and unpublishes them first', async (t) => {
  const dir = tmpDir(t);
  const a = await startEngine(
    testEngineArgs('node-s', path.join(dir, 'a'), ['-P', `pool-s=${sparseFile(dir, 's.img', 64 * MiB)}`]),
  );
  t.after(() => a.stop('SIGKILL'));
  await a.client.replica.CreateReplica({ uuid: RA, pooluuid: 'pool-s', size: 16 * MiB, thin: true });
  const uuid = 'dddddddd-4444-4444-8444-000000000004';
  await a.client.nexus.CreateNexus({
    uuid,
    name: 'vol-s',
    size: 16 * MiB,
    children: [`bdev:///${RA}?uuid=${RA}`],
    nexusInfoKey: 'volumes/vol-s/info',
  });
  const pub = (await a.client.nexus.PublishNexus({ uuid, share: 'NVMF' })).nexus!;
  const tgt = parseNvmfUri(pub.device_uri);
  const vol = await NvmfBlockDevice.connect({
    host: tgt.host,
    port: tgt.port,
    subnqn: tgt.nqn,
    hostNqn: HOST,
    ctrlLossTimeoutMs: 0,
  });
  t.after(() => vol.close());
  await vol.write(0, patternBuffer(MiB, 3));
  await vol.flush();
  assert.equal((await a.stop('SIGTERM')).code, 0);
  const msgs = a.logs().map((l) => l.msg);
  assert.ok(
    msgs.indexOf('nexus unpublished') >= 0 &&
      msgs.indexOf('nexus unpublished') < msgs.indexOf('pool exported'),
  );
  const info = JSON.parse(
    fs.readFileSync(
      path.join(dir, 'a', 'nexus-info', `${encodeURIComponent('volumes/vol-s/info')}.json`),
      'utf8',
    ),
  ) as {
    clean_shutdown: boolean;
  };
  assert.equal(info.clean_shutdown, true);
});

test('an I/O error injected at the replica node (TestRpc) faults that child on the nexus node', async (t) => {
  const dir = tmpDir(t);
  const b = await startEngine(
    testEngineArgs('node-b', path.join(dir, 'b'), [
      '--enable-fault-injection',
      '-P',
      `pool-f=${sparseFile(dir, 'f.img', 64 * MiB)}`,
    ]),
  );
  t.after(() => b.stop('SIGKILL'));
  const a = await startEngine(
    testEngineArgs('node-a', path.join(dir, 'a'), ['-P', `pool-g=${sparseFile(dir, 'g.img', 64 * MiB)}`]),
  );
  t.after(() => a.stop('SIGKILL'));
  // Without --enable-fault-injection the test API refuses.
  await rejects(
    a.client.test.AddFaultInjection({ target: { replica_uuid: RA }, spec: { ops: ['FAULT_WRITE'] } }),
    'FAILED_PRECONDITION',
    'ENGINE_FAULT_INJECTION_DISABLED',
    /--enable-fault-injection/,
  );
  assert.equal((await a.client.test.GetFeatures({})).fault_injection, false);
  const rb = await b.client.replica.CreateReplica({
    uuid: RB,
    pooluuid: 'pool-f',
    size: 16 * MiB,
    thin: false,
    share: 'NVMF',
  });
  await a.client.replica.CreateReplica({ uuid: RA, pooluuid: 'pool-g', size: 16 * MiB, thin: false });
  const uuid = 'eeeeeeee-5555-4555-8555-000000000005';
  await a.client.nexus.CreateNexus({
    uuid,
    name: 'vol-f',
    size: 16 * MiB,
    children: [`bdev:///${RA}?uuid=${RA}`, rb.uri],
  });
  const pub = (await a.client.nexus.PublishNexus({ uuid, share: 'NVMF' })).nexus!;
  const tgt = parseNvmfUri(pub.device_uri);
  const vol = await NvmfBlockDevice.connect({
    host: tgt.host,
    port: tgt.port,
    subnqn: tgt.nqn,
    hostNqn: HOST,
  });
  t.after(() => vol.close());

  const f = await b.client.test.AddFaultInjection({
    target: { replica_uuid: RB },
    spec: { ops: ['FAULT_WRITE'], action: 'FAULT_ERROR', offset: 4 * MiB, length: MiB, count: 1 },
  });
  // A write elsewhere is untouched; one into the range fails on B only: the host sees success,
  // B's child is retired with an I/O failure, and the write is in its dirty log.
  await vol.write(0, patternBuffer(64 * 1024, 1));
  await vol.write(4 * MiB, patternBuffer(64 * 1024, 2));
  const n = await waitNexus(a.client, uuid, (x) => x.state === 'NEXUS_DEGRADED', 'degraded');
  const child = n.children.find((c) => c.uri === rb.uri)!;
  assert.equal(child.state, 'CHILD_FAULTED');
  assert.equal(child.state_reason, 'IO_FAILURE');
  assert.ok(child.dirty_segments >= 1);
  const listed = (await b.client.test.ListFaultInjection({ target: { replica_uuid: RB } })).injections;
  assert.deepEqual(
    listed.map((x) => [x.id, x.hits, x.active]),
    [[f.id, 1, false]],
  );
  await b.client.test.RemoveFaultInjection({ target: { replica_uuid: RB }, id: f.id });
  await rejects(
    b.client.test.RemoveFaultInjection({ target: { replica_uuid: RB }, id: f.id }),
    'NOT_FOUND',
    'ENGINE_FAULT_NOT_FOUND',
  );
  await a.client.nexus.ChildOperation({ nexus_uuid: uuid, uri: rb.uri, action: 'Online' });
  await waitNexus(a.client, uuid, (x) => x.state === 'NEXUS_ONLINE', 'online');
  // A's pool cannot be exported while its replica is a child of the nexus.
  await rejects(
    a.client.pool.ExportPool({ name: 'pool-g' }),
    'FAILED_PRECONDITION',
    'ENGINE_REPLICA_IN_USE',
    /vol-f/,
  );
});

test('NexusInfo decides after a restart of the nexus node: clean stop trusts every child, a crash only one', async (t) => {
  const dir = tmpDir(t);
  const b = await startEngine(
    testEngineArgs('node-b', path.join(dir, 'b'), ['-P', `pool-h=${sparseFile(dir, 'h.img', 64 * MiB)}`]),
  );
  t.after(() => b.stop('SIGKILL'));
  const aArgs = testEngineArgs('node-a', path.join(dir, 'a'), [
    '-P',
    `pool-i=${sparseFile(dir, 'i.img', 64 * MiB)}`,
  ]);
  let a = await startEngine(aArgs);
  t.after(() => a.stop('SIGKILL'));
  const rb = await b.client.replica.CreateReplica({
    uuid: RB,
    pooluuid: 'pool-h',
    size: 16 * MiB,
    thin: false,
    share: 'NVMF',
  });
  await a.client.replica.CreateReplica({ uuid: RA, pooluuid: 'pool-i', size: 16 * MiB, thin: false });
  const uuid = 'ffffffff-6666-4666-8666-000000000006';
  const spec = {
    uuid,
    name: 'vol-i',
    size: 16 * MiB,
    children: [`bdev:///${RA}?uuid=${RA}`, rb.uri],
    nexusInfoKey: 'vols/vol-i',
  };
  const infoFile = path.join(dir, 'a', 'nexus-info', `${encodeURIComponent('vols/vol-i')}.json`);
  const readInfo = () => JSON.parse(fs.readFileSync(infoFile, 'utf8')) as { clean_shutdown: boolean };

  await a.client.nexus.CreateNexus(spec);
  assert.equal(readInfo().clean_shutdown, false, 'a live nexus is not shut down');
  // Clean stop, then the nexus is created again: every child is trusted, nothing is rebuilt.
  assert.equal((await a.stop('SIGTERM')).code, 0);
  assert.equal(readInfo().clean_shutdown, true);
  a = await startEngine(aArgs);
  let n = (await a.client.nexus.CreateNexus(spec)).nexus!;
  assert.equal(n.state, 'NEXUS_ONLINE');

  // Crash while I/O goes on: only one child is trusted after the restart; the other is rebuilt in full.
  const pub = (await a.client.nexus.PublishNexus({ uuid, share: 'NVMF' })).nexus!;
  const tgt = parseNvmfUri(pub.device_uri);
  const vol = await NvmfBlockDevice.connect({
    host: tgt.host,
    port: tgt.port,
    subnqn: tgt.nqn,
    hostNqn: HOST,
    ctrlLossTimeoutMs: 0,
  });
  await vol.write(0, patternBuffer(2 * MiB, 11));
  await vol.flush();
  await a.stop('SIGKILL');
  await vol.close().catch(() => undefined);
  assert.equal(readInfo().clean_shutdown, false);
  a = await startEngine(aArgs);
  n = (await a.client.nexus.CreateNexus(spec)).nexus!;
  assert.equal(n.state, 'NEXUS_DEGRADED', 'one child is rebuilt from the other');
  const healthy = n.children.filter((c) => c.state === 'CHILD_ONLINE').map((c) => c.uri);
  assert.deepEqual(healthy, [spec.children[0]], 'the local child is the one trusted');
  await waitNexus(a.client, uuid, (x) => x.state === 'NEXUS_ONLINE', 'online after the rebuild');
  const rec = (await waitHistory(a.client, uuid, 1))[0]!;
  assert.equal(rec.is_partial, false);
  assert.equal(rec.child_uri, rb.uri);
  // The data is there, read through the nexus from either child.
  const back = Buffer.alloc(2 * MiB);
  const pub2 = (await a.client.nexus.PublishNexus({ uuid, share: 'NVMF' })).nexus!;
  const t2 = parseNvmfUri(pub2.device_uri);
  const vol2 = await NvmfBlockDevice.connect({ host: t2.host, port: t2.port, subnqn: t2.nqn, hostNqn: HOST });
  t.after(() => vol2.close());
  await vol2.read(0, back);
  assert.ok(back.equals(patternBuffer(2 * MiB, 11)));
});
