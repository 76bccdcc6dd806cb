/**
 * PoolRpc, ReplicaRpc, BdevRpc and HostRpc against a real io-engine process over real gRPC, with
 * file-backed pools: idempotency as Mayastor has it, validation, error codes and statuses, and
 * pools coming back after a restart.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import fs from 'node:fs';
import { MayastorError } from '../../src/core/errors.js';
import { startEngine, testEngineArgs, type RunningEngine } from '../helpers/engine.js';
import { startCli } from '../helpers/proc.js';
import { sparseFile, tmpDir } from '../helpers/tmp.js';

const MiB = 1 << 20;
const R1 = '11111111-1111-4111-8111-111111111111';
const R2 = '22222222-2222-4222-8222-222222222222';
const R3 = '33333333-3333-4333-8333-333333333333';

let dir: string;
let disk1: string;
let disk2: string;
let engine: RunningEngine;
const cleanup: Array<() => void> = [];

/** The call must fail with this gRPC status and stable code. */
async function rejects(
  p: Promise<unknown>,
  grpcStatus: string,
  code: string,
  message?: RegExp,
): Promise<MayastorError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof MayastorError, `expected a MayastorError, got ${String(e)}`);
    assert.equal(e.details?.grpcStatus, grpcStatus, `status of ${e.code}: ${e.message}`);
    assert.equal(e.code, code, e.message);
    if (message) assert.match(e.message, message);
    return e;
  }
  assert.fail(`expected ${grpcStatus}/${code}, but the call succeeded`);
}

before(async () => {
  dir = tmpDir({ after: (fn: () => void) => cleanup.push(fn) });
  disk1 = sparseFile(dir, 'disk1.img', 64 * MiB);
  disk2 = sparseFile(dir, 'disk2.img', 64 * MiB);
  engine = await startEngine(testEngineArgs('node-1', path.join(dir, 'state')));
});

after(async () => {
  await engine?.stop('SIGKILL');
  for (const fn of cleanup) fn();
});

test('CreatePool creates, then returns the same pool for the same spec', async () => {
  const p = await engine.client.pool.CreatePool({ name: 'pool-1', disks: [`aio://${disk1}`] });
  assert.equal(p.name, 'pool-1');
  assert.equal(p.state, 'POOL_ONLINE');
  assert.equal(p.cluster_size, 4 * MiB);
  assert.ok(p.capacity > 0 && p.capacity <= 64 * MiB);
  assert.equal(p.used, 0);
  assert.deepEqual(p.disks, [`aio://${disk1}`]);
  const again = await engine.client.pool.CreatePool({
    name: 'pool-1',
    disks: [`aio://${disk1}`],
    uuid: p.uuid,
  });
  assert.equal(again.uuid, p.uuid);
  const list = await engine.client.pool.ListPools({});
  assert.deepEqual(
    list.pools.map((x) => x.name),
    ['pool-1'],
  );
});

test('CreatePool refuses a different spec, a used disk and bad requests with actionable errors', async () => {
  await rejects(
    engine.client.pool.CreatePool({ name: 'pool-1', disks: [`aio://${disk2}`] }),
    'ALREADY_EXISTS',
    'ENGINE_POOL_EXISTS',
    /already exists on disk/,
  );
  await rejects(
    engine.client.pool.CreatePool({ name: 'pool-x', disks: [disk1] }),
    'FAILED_PRECONDITION',
    'ENGINE_DISK_IN_USE',
    /used by pool 'pool-1'/,
  );
  await rejects(
    engine.client.pool.CreatePool({ name: '', disks: [disk2] }),
    'INVALID_ARGUMENT',
    'INVALID_ARGUMENT',
    /name/,
  );
  await rejects(
    engine.client.pool.CreatePool({ name: 'p', disks: [] }),
    'INVALID_ARGUMENT',
    'INVALID_ARGUMENT',
    /one disk/,
  );
  await rejects(
    engine.client.pool.CreatePool({ name: 'p', disks: [disk2, disk1] }),
    'INVALID_ARGUMENT',
    'INVALID_ARGUMENT',
    /exactly one disk/,
  );
  await rejects(
    engine.client.pool.CreatePool({ name: 'p', disks: [disk2], uuid: 'nope' }),
    'INVALID_ARGUMENT',
    'INVALID_ARGUMENT',
    /UUID/,
  );
  await rejects(
    engine.client.pool.CreatePool({ name: 'p', disks: [disk2], cluster_size: 3000 }),
    'INVALID_ARGUMENT',
    'INVALID_ARGUMENT',
    /power of two/,
  );
  await rejects(
    engine.client.pool.CreatePool({ name: 'p', disks: [disk2], pooltype: 'LVM' }),
    'UNIMPLEMENTED',
    'ENGINE_PROTOCOL_UNSUPPORTED',
  );
  await rejects(
    engine.client.pool.CreatePool({ name: 'p', disks: ['ftp://x/y'] }),
    'INVALID_ARGUMENT',
    'BDEV_UNSUPPORTED_SCHEME',
  );
  await rejects(
    engine.client.pool.CreatePool({ name: 'p', disks: [path.join(dir, 'missing.img')] }),
    'NOT_FOUND',
    'BDEV_NOT_FOUND',
  );
  // A disk holding someone else's data is refused, not formatted.
  const foreign = sparseFile(dir, 'foreign.img', 16 * MiB);
  fs.writeFileSync(foreign, Buffer.from('important data'), { flag: 'r+' });
  await rejects(
    engine.client.pool.CreatePool({ name: 'p', disks: [foreign] }),
    'FAILED_PRECONDITION',
    'POOL_DEVICE_NOT_EMPTY',
    /not empty/,
  );
  // Nothing was left half-open by the failures: the disk can be used now.
  const ok = await engine.client.pool.CreatePool({ name: 'p', disks: [foreign], overwrite: true });
  assert.equal(ok.state, 'POOL_ONLINE');
  await engine.client.pool.DestroyPool({ name: 'p' });
});

test('a second io-engine can take neither the state directory nor a disk the first one holds', async () => {
  // Same state directory: refused at start, before it touches anything.
  const twin = startCli(['io-engine', ...testEngineArgs('node-1', path.join(dir, 'state'))]);
  const exit = await twin.exited;
  assert.notEqual(exit.code, 0, twin.output());
  assert.match(twin.output(), /ENGINE_STATE_DIR_IN_USE/);
  // Its own state directory, the first engine's disk: the pool's image file is locked.
  const other = await startEngine(testEngineArgs('node-2', path.join(dir, 'state-2')));
  try {
    await rejects(
      other.client.pool.CreatePool({ name: 'pool-1', disks: [`aio://${disk1}`] }),
      'FAILED_PRECONDITION',
      'BDEV_BUSY',
      /in use by another io-engine/,
    );
  } finally {
    assert.equal((await other.stop()).code, 0);
  }
  // The first engine's pool is untouched.
  assert.equal((await engine.client.pool.ListPools({})).pools[0]!.state, 'POOL_ONLINE');
});

test('replicas: thick and thin, idempotent create, conflicts, resize, destroy', async () => {
  const thick = await engine.client.replica.CreateReplica({
    uuid: R1,
    pooluuid: 'pool-1',
    size: 8 * MiB,
    thin: false,
  });
  assert.equal(thick.thin, false);
  assert.equal(thick.uri, `bdev:///${R1}?uuid=${R1}`);
  assert.equal(thick.share, 'NONE');
  assert.equal(thick.usage?.allocated_bytes, 8 * MiB);
  const pool = (await engine.client.pool.ListPools({ name: 'pool-1' })).pools[0]!;
  const thin = await engine.client.replica.CreateReplica({
    uuid: R2,
    pooluuid: pool.uuid,
    size: 32 * MiB,
    thin: true,
    entity_id: 'volume-1',
    name: 'thin-one',
  });
  assert.equal(thin.usage?.allocated_bytes, 0);
  assert.equal(thin.entity_id, 'volume-1');
  assert.equal(thin.poolname, 'pool-1');

  // Same spec again: success, same replica.
  const again = await engine.client.replica.CreateReplica({
    uuid: R1,
    pooluuid: 'pool-1',
    size: 8 * MiB,
    thin: false,
  });
  assert.equal(again.uuid, R1);
  // Different spec: ALREADY_EXISTS.
  await rejects(
    engine.client.replica.CreateReplica({ uuid: R1, pooluuid: 'pool-1', size: 12 * MiB, thin: false }),
    'ALREADY_EXISTS',
    'REPLICA_EXISTS',
  );
  // Too big for the pool, unknown pool, bad size.
  await rejects(
    engine.client.replica.CreateReplica({ uuid: R3, pooluuid: 'pool-1', size: 512 * MiB, thin: false }),
    'RESOURCE_EXHAUSTED',
    'POOL_NO_SPACE',
    /exceeds the capacity/,
  );
  await rejects(
    engine.client.replica.CreateReplica({ uuid: R3, pooluuid: 'pool-1', size: 56 * MiB, thin: false }),
    'RESOURCE_EXHAUSTED',
    'POOL_NO_SPACE',
    /bytes free/,
  );
  await rejects(
    engine.client.replica.CreateReplica({ uuid: R3, pooluuid: 'nope', size: MiB, thin: false }),
    'NOT_FOUND',
    'ENGINE_POOL_NOT_FOUND',
    /pool-1/,
  );
  await rejects(
    engine.client.replica.CreateReplica({ uuid: R3, pooluuid: 'pool-1', size: 0, thin: true }),
    'INVALID_ARGUMENT',
    'INVALID_ARGUMENT',
    /size/,
  );
  await rejects(
    engine.client.replica.CreateReplica({ uuid: 'x', pooluuid: 'pool-1', size: MiB, thin: true }),
    'INVALID_ARGUMENT',
    'INVALID_ARGUMENT',
  );
  await rejects(
    engine.client.replica.CreateReplica({
      uuid: R3,
      pooluuid: 'pool-1',
      size: MiB,
      thin: true,
      share: 'ISCSI',
    }),
    'UNIMPLEMENTED',
    'ENGINE_PROTOCOL_UNSUPPORTED',
  );

  const grown = await engine.client.replica.ResizeReplica({ uuid: R1, requested_size: 12 * MiB });
  assert.equal(grown.size, 12 * MiB);
  await rejects(
    engine.client.replica.ResizeReplica({ uuid: R1, requested_size: 4 * MiB }),
    'INVALID_ARGUMENT',
    'REPLICA_SHRINK_NOT_SUPPORTED',
  );

  const listed = await engine.client.replica.ListReplicas({ poolname: 'pool-1' });
  assert.deepEqual(listed.replicas.map((r) => r.uuid).sort(), [R1, R2]);
  assert.equal((await engine.client.replica.ListReplicas({ uuid: R2 })).replicas[0]!.name, 'thin-one');
  const committed = (await engine.client.pool.ListPools({ name: 'pool-1' })).pools[0]!.committed;
  assert.equal(committed, 12 * MiB + 32 * MiB);

  await engine.client.replica.DestroyReplica({ uuid: R2 });
  await engine.client.replica.DestroyReplica({ uuid: R2 }); // idempotent
  await rejects(
    engine.client.replica.DestroyReplica({ uuid: R1, pool_name: 'other' }),
    'NOT_FOUND',
    'ENGINE_REPLICA_NOT_FOUND',
    /pool-1/,
  );
  assert.deepEqual(
    (await engine.client.replica.ListReplicas({})).replicas.map((r) => r.uuid),
    [R1],
  );
  await rejects(
    engine.client.replica.ShareReplica({ uuid: R3, share: 'NVMF' }),
    'NOT_FOUND',
    'ENGINE_REPLICA_NOT_FOUND',
  );
});

test('bdevs: create from a URI (idempotent), list with claims, destroy', async () => {
  const b = await engine.client.bdev.Create({ uri: 'malloc:///m1?size_mb=8&blk_size=4096' });
  assert.equal(b.bdev?.name, 'm1');
  assert.equal(b.bdev?.blk_size, 4096);
  assert.equal(b.bdev?.num_blocks, 2048);
  const again = await engine.client.bdev.Create({ uri: 'malloc:///m1?size_mb=8&blk_size=4096' });
  assert.equal(again.bdev?.uuid, b.bdev?.uuid);
  await rejects(
    engine.client.bdev.Create({ uri: 'malloc:///m1?size_mb=16' }),
    'FAILED_PRECONDITION',
    'ENGINE_BDEV_IN_USE',
  );
  const list = (await engine.client.bdev.ListBdevs({})).bdevs;
  const disk = list.find((x) => x.name === disk1)!;
  assert.equal(disk.claimed_by, 'pool:pool-1');
  assert.ok(list.some((x) => x.product_name === 'replica' && x.uuid === R1));
  await rejects(
    engine.client.bdev.Destroy({ name: disk1 }),
    'FAILED_PRECONDITION',
    'ENGINE_BDEV_IN_USE',
    /pool-1/,
  );
  await engine.client.bdev.Destroy({ name: 'm1' });
  await engine.client.bdev.Destroy({ name: 'm1' });
  assert.ok(!(await engine.client.bdev.ListBdevs({})).bdevs.some((x) => x.name === 'm1'));
});

test('host info, resource usage and the block devices of the node', async () => {
  const info = await engine.client.host.GetMayastorInfo({});
  assert.equal(info.node_name, 'node-1');
  assert.match(info.version, /^\d+\.\d+\.\d+/);
  assert.equal(info.hostnqn, 'nqn.2019-05.io.openebs:node-name:node-1');
  assert.equal(info.registration, 'standalone');
  assert.deepEqual(info.api_versions, ['V1']);
  assert.equal(info.supportedFeatures?.faultInjection, false);
  const usage = await engine.client.host.GetMayastorResourceUsage({});
  assert.ok(Number(usage.usage?.max_rss_bytes) > 0);
  const all = await engine.client.host.ListBlockDevices({ all: true });
  assert.ok(all.devices.length > 0, 'lsblk lists at least the root disk');
  assert.ok(all.devices.every((d) => d.devpath.startsWith('/dev/')));
  const avail = await engine.client.host.ListBlockDevices({ all: false });
  assert.ok(avail.devices.every((d) => d.available));
  // The root file system's disk is never offered for a pool.
  assert.ok(!avail.devices.some((d) => d.filesystem?.mountpoint === '/'));
});

test('export and import keep replicas; a restart brings pools back from the state file', async () => {
  await engine.client.pool.ExportPool({ name: 'pool-1' });
  await engine.client.pool.ExportPool({ name: 'pool-1' }); // idempotent
  assert.equal((await engine.client.pool.ListPools({})).pools.length, 0);
  await rejects(
    engine.client.pool.ImportPool({ name: 'other-name', disks: [`aio://${disk1}`] }),
    'ALREADY_EXISTS',
    'POOL_DEVICE_HOLDS_OTHER_POOL',
  );
  const p = await engine.client.pool.ImportPool({ name: 'pool-1', disks: [`aio://${disk1}`] });
  assert.equal(p.state, 'POOL_ONLINE');
  const again = await engine.client.pool.ImportPool({ name: 'pool-1', disks: [`aio://${disk1}`] });
  assert.equal(again.uuid, p.uuid);
  assert.deepEqual(
    (await engine.client.replica.ListReplicas({})).replicas.map((r) => [r.uuid, r.size]),
    [[R1, 12 * MiB]],
  );

  // Graceful stop: exit 0, pools exported with a final checkpoint.
  const r = await engine.stop('SIGTERM');
  assert.equal(r.code, 0);
  const msgs = engine.logs().map((l) => l.msg);
  assert.ok(msgs.includes('pool exported'));
  assert.ok(msgs.includes('io-engine stopped'));

  engine = await startEngine(testEngineArgs('node-1', path.join(dir, 'state')));
  assert.deepEqual(engine.ready.pools, ['pool-1']);
  const back = (await engine.client.pool.ListPools({})).pools[0]!;
  assert.equal(back.uuid, p.uuid);
  assert.deepEqual(
    (await engine.client.replica.ListReplicas({})).replicas.map((x) => x.uuid),
    [R1],
  );

  // Destroy forgets the pool: the next start does not bring it back.
  await engine.client.pool.DestroyPool({ name: 'pool-1' });
  await engine.client.pool.DestroyPool({ name: 'pool-1' }); // idempotent
  assert.equal((await engine.stop()).code, 0);
  engine = await startEngine(testEngineArgs('node-1', path.join(dir, 'state')));
  assert.deepEqual(engine.ready.pools, []);
  // The disk no longer holds a pool.
  await rejects(
    engine.client.pool.ImportPool({ name: 'pool-1', disks: [disk1] }),
    'NOT_FOUND',
    'POOL_NOT_FOUND',
    /holds no pool/,
  );
});
