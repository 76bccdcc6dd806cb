/**
 * The multi-node harness itself, with real io-engines: node A in the root namespace, B and C in
 * their own network namespaces. Each node registers with a control-plane peer listening only on
 * the test network; each is reachable at its own address and nowhere else; and everything is
 * gone afterwards.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import * as grpc from '@grpc/grpc-js';
import { serviceDefinitions } from '../../src/api/proto.js';
import type { RegisterRequest__Output } from '../../src/api/generated/mayastor/v1/RegisterRequest.js';
import { EngineClient } from '../../src/api/engine-client.js';
import { NetnsCluster, netnsSkipReason, NETNS_PREFIX } from '../helpers/netns.js';
import { startEngine, type RunningEngine } from '../helpers/engine.js';
import { tmpDir } from '../helpers/tmp.js';

const skip = netnsSkipReason();

function nodeArgs(name: string, address: string, stateDir: string, registration: string): string[] {
  return [
    '-N',
    name,
    '-g',
    `${address}:10124`,
    '--nvmf-address',
    address,
    '--http-address',
    'none',
    '--state-dir',
    stateDir,
    '--registration-endpoint',
    registration,
    '--registration-interval',
    '1',
  ];
}

test('three io-engines on a veth network register from their own addresses', { skip }, async (t) => {
  const net = NetnsCluster.create(['b', 'c']);
  const engines: RunningEngine[] = [];
  const server = new grpc.Server();
  t.after(async () => {
    for (const e of engines) await e.stop('SIGKILL');
    server.forceShutdown();
    net.destroy();
  });
  const dir = tmpDir(t);

  // The control-plane peer listens on the root namespace's test address only.
  const seen = new Map<string, RegisterRequest__Output>();
  server.addService(serviceDefinitions().Registration, {
    Register: (
      call: grpc.ServerUnaryCall<RegisterRequest__Output, object>,
      cb: grpc.sendUnaryData<object>,
    ) => {
      seen.set(call.request.id, call.request);
      cb(null, {});
    },
    Deregister: (_call: unknown, cb: grpc.sendUnaryData<object>) => cb(null, {}),
  });
  const regPort = await new Promise<number>((res, rej) =>
    server.bindAsync(`${net.root.address}:0`, grpc.ServerCredentials.createInsecure(), (e, p) =>
      e ? rej(e) : res(p),
    ),
  );
  const registration = `${net.root.address}:${regPort}`;

  for (const name of ['b', 'c']) {
    const n = net.node(name);
    engines.push(
      await startEngine(nodeArgs(`node-${name}`, n.address, path.join(dir, name), registration), {
        prefix: n.prefix,
        dialHost: n.address,
      }),
    );
  }
  // Node A: root namespace, loopback (for the VM and the test) and its test-network address.
  engines.push(
    await startEngine(
      [
        ...nodeArgs('node-a', net.root.address, path.join(dir, 'a'), registration),
        '-g',
        '127.0.0.1:0',
        '--grpc-endpoint',
        `${net.root.address}:10124`,
        '--nvmf-address',
        '127.0.0.1',
      ],
      {},
    ),
  );

  const deadline = Date.now() + 30_000;
  while (seen.size < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual([...seen.keys()].sort(), ['node-a', 'node-b', 'node-c']);
  assert.equal(seen.get('node-b')!.grpc_endpoint, `${net.node('b').address}:10124`);
  assert.equal(seen.get('node-c')!.grpc_endpoint, `${net.node('c').address}:10124`);
  assert.equal(seen.get('node-a')!.grpc_endpoint, `${net.root.address}:10124`);

  // B answers at its address from the root namespace...
  const info = await engines[0]!.client.host.GetMayastorInfo({});
  assert.equal(info.node_name, 'node-b');
  // ...and is not on the root namespace's loopback (it has its own).
  const wrong = new EngineClient('127.0.0.1:10124', { deadlineMs: 2000 });
  t.after(() => wrong.close());
  await assert.rejects(wrong.host.GetMayastorInfo({}), (e: Error & { code?: string }) =>
    /UNAVAILABLE|DEADLINE/.test(String(e.code)),
  );

  // A partition: C's link goes down, its heartbeats stop reaching the peer; back up, they resume.
  net.setLink('c', false);
  await new Promise((r) => setTimeout(r, 2500));
  seen.clear();
  await new Promise((r) => setTimeout(r, 2500));
  assert.ok(!seen.has('node-c'), 'no heartbeat crosses a downed link');
  assert.ok(seen.has('node-b'));
  net.setLink('c', true);
  const deadline2 = Date.now() + 30_000;
  while (!seen.has('node-c') && Date.now() < deadline2) await new Promise((r) => setTimeout(r, 100));
  assert.ok(seen.has('node-c'), 'heartbeats resume after the partition heals');

  for (const e of engines.splice(0)) assert.equal((await e.stop('SIGTERM')).code, 0);
  net.destroy();
  const left = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  assert.ok(!left.includes(`${NETNS_PREFIX}-${net.id}`), `namespaces left behind:\n${left}`);
});
