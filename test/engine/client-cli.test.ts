/**
 * The operator's client, `mayastor-ts io-engine-client`, as a real process against a real
 * io-engine: tables, JSON and YAML, and errors that name the stable code.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { startCli } from '../helpers/proc.js';
import { startEngine, testEngineArgs } from '../helpers/engine.js';
import { sparseFile, tmpDir } from '../helpers/tmp.js';

async function cli(bind: string, ...args: string[]): Promise<{ code: number | null; out: string }> {
  const p = startCli(['io-engine-client', '-b', bind, ...args]);
  const r = await p.exited;
  return { code: r.code, out: p.output() };
}

test('io-engine-client: pools and replicas by hand, as a table, JSON and YAML', async (t) => {
  const dir = tmpDir(t);
  const engine = await startEngine(testEngineArgs('node-c', path.join(dir, 'state')));
  t.after(() => engine.stop('SIGKILL'));
  const b = `http://${engine.address}`;
  const disk = sparseFile(dir, 'disk.img', 64 << 20);

  let r = await cli(b, 'pool', 'create', 'pool-c', disk);
  assert.equal(r.code, 0, r.out);
  const lines = r.out.trim().split('\n');
  assert.match(lines[0]!, /^NAME\s+UUID\s+STATE\s+CAPACITY\s+USED\s+COMMITTED\s+REPLICAS\s+DISKS$/);
  assert.match(lines[1]!, /^pool-c\s+[0-9a-f-]{36}\s+online\s+60MiB\s+0B\s+0B\s+0\s+/);

  r = await cli(
    b,
    'replica',
    'create',
    '55555555-5555-4555-8555-555555555555',
    '--pool',
    'pool-c',
    '--size',
    '16MiB',
    '--thin',
  );
  assert.equal(r.code, 0, r.out);
  assert.match(
    r.out,
    /55555555-5555-4555-8555-555555555555\s+pool-c\s+16MiB\s+true\s+0B\s+none\s+bdev:\/\/\//,
  );

  r = await cli(b, '-o', 'json', 'replica', 'list');
  assert.equal(r.code, 0, r.out);
  const replicas = JSON.parse(r.out) as Array<{
    uuid: string;
    size: number;
    thin: boolean;
    poolname: string;
  }>;
  assert.deepEqual(
    replicas.map((x) => [x.uuid, x.size, x.thin, x.poolname]),
    [['55555555-5555-4555-8555-555555555555', 16 << 20, true, 'pool-c']],
  );

  r = await cli(b, '-o', 'yaml', 'pool', 'list');
  const pools = parseYaml(r.out) as Array<{ name: string; state: string }>;
  assert.deepEqual(
    pools.map((p) => [p.name, p.state]),
    [['pool-c', 'POOL_ONLINE']],
  );

  r = await cli(b, 'replica', 'resize', '55555555-5555-4555-8555-555555555555', '32MiB');
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /32MiB/);

  r = await cli(b, 'host', 'info');
  assert.match(r.out, /^node\s+node-c$/m);
  assert.match(r.out, /^registration\s+standalone$/m);

  r = await cli(b, 'stats', 'pool');
  assert.match(r.out, /^NAME\s+READS\s+READ\s+WRITES\s+WRITTEN/m);
  assert.match(r.out, /^pool-c\s+0\s+0B\s+0\s+0B/m);

  // Errors: non-zero exit, the stable code and an actionable message on stderr.
  r = await cli(
    b,
    'replica',
    'create',
    '55555555-5555-4555-8555-555555555555',
    '--pool',
    'pool-c',
    '--size',
    '8MiB',
  );
  assert.notEqual(r.code, 0);
  assert.match(r.out, /error: REPLICA_EXISTS: pool 'pool-c' already has replica/);
  r = await cli(b, 'pool', 'create', 'pool-d', disk);
  assert.match(r.out, /error: ENGINE_DISK_IN_USE: disk \S+ is used by pool 'pool-c'/);
  r = await cli(b, 'replica', 'create', 'not-a-uuid', '--pool', 'pool-c', '--size', '8MiB');
  assert.match(r.out, /error: INVALID_ARGUMENT: uuid 'not-a-uuid' is not a UUID/);

  // A nexus by hand over two local replicas: create, publish, children, offline/online, history.
  const r2 = '66666666-6666-4666-8666-666666666666';
  const nx = '77777777-7777-4777-8777-777777777777';
  r = await cli(b, 'replica', 'create', r2, '--pool', 'pool-c', '--size', '16MiB');
  assert.equal(r.code, 0, r.out);
  const c1 = 'bdev:///55555555-5555-4555-8555-555555555555?uuid=55555555-5555-4555-8555-555555555555';
  const c2 = `bdev:///${r2}?uuid=${r2}`;
  r = await cli(b, 'nexus', 'create', nx, '--size', '16MiB', '--name', 'vol-c', c1, c2);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /^UUID\s+NAME\s+SIZE\s+STATE\s+REBUILDS\s+CHILDREN\s+DEVICE URI$/m);
  assert.match(r.out, new RegExp(`^${nx}\\s+vol-c\\s+16MiB\\s+online\\s+0\\s+2\\s*$`, 'm'));
  r = await cli(b, 'nexus', 'publish', nx, '--protocol', 'nbd');
  assert.match(r.out, /nbd:\/\/127\.0\.0\.1:\d+\/vol-c/);
  r = await cli(b, 'nexus', 'offline', nx, r2);
  assert.equal(r.code, 0, r.out);
  r = await cli(b, 'nexus', 'children', nx);
  assert.match(r.out, new RegExp(`^${c2.replace(/[?]/g, '\\?')}\\s+degraded\\s+by_client\\s+true$`, 'm'));
  r = await cli(b, 'nexus', 'online', nx, r2);
  assert.equal(r.code, 0, r.out);
  // Wait (bounded, over gRPC) for the rebuild to be recorded, then read it through the CLI.
  for (
    let i = 0;
    i < 300 && (await engine.client.nexus.GetRebuildHistory({ uuid: nx })).records.length === 0;
    i++
  ) {
    await new Promise((res) => setTimeout(res, 50));
  }
  r = await cli(b, '-o', 'json', 'rebuild', 'history', nx);
  const hist = JSON.parse(r.out) as Array<{ child_uri: string; is_partial: boolean; state: string }>;
  assert.deepEqual(
    hist.map((h) => [h.child_uri, h.is_partial, h.state]),
    [[c2, true, 'Completed']],
  );
  r = await cli(b, 'rebuild', 'history', nx);
  assert.match(r.out, /^CHILD\s+SOURCE\s+STATE\s+PARTIAL\s+TRANSFERRED\s+TOTAL\s+ENDED$/m);
  r = await cli(b, 'replica', 'destroy', r2);
  assert.match(r.out, /error: ENGINE_REPLICA_IN_USE/);
  r = await cli(b, 'nexus', 'destroy', nx);
  assert.equal(r.code, 0, r.out);
  r = await cli(b, 'replica', 'destroy', r2);
  assert.equal(r.code, 0, r.out);

  r = await cli(b, 'replica', 'destroy', '55555555-5555-4555-8555-555555555555');
  assert.equal(r.code, 0, r.out);
  r = await cli(b, 'pool', 'destroy', 'pool-c');
  assert.equal(r.code, 0, r.out);
  r = await cli(b, '-o', 'json', 'pool', 'list');
  assert.deepEqual(JSON.parse(r.out), []);

  // An io-engine that is not there: UNAVAILABLE, said plainly, quickly.
  r = await cli('127.0.0.1:1', '--timeout', '3000', 'pool', 'list');
  assert.notEqual(r.code, 0);
  assert.match(r.out, /error: GRPC_UNAVAILABLE|error: GRPC_DEADLINE_EXCEEDED/);
});
