/**
 * Registration against a real gRPC Registration server run by the test (a test peer playing the
 * control plane, serving proto/'s Registration service): what the io-engine announces, the
 * heartbeat, riding out a control plane that is down at first, and deregistration on SIGTERM.
 * Also the health and Prometheus endpoints and the graceful-shutdown contract.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { serviceDefinitions } from '../../src/api/proto.js';
import type { RegisterRequest__Output } from '../../src/api/generated/mayastor/v1/RegisterRequest.js';
import type { DeregisterRequest__Output } from '../../src/api/generated/mayastor/v1/DeregisterRequest.js';
import { startEngine, testEngineArgs } from '../helpers/engine.js';
import { freePort } from '../helpers/proc.js';
import { sparseFile, tmpDir } from '../helpers/tmp.js';

/** A minimal control plane: records every Register and Deregister call. */
class RegistrationPeer {
  readonly registers: RegisterRequest__Output[] = [];
  readonly deregisters: DeregisterRequest__Output[] = [];
  private server = new grpc.Server();
  private waiters: Array<() => void> = [];

  constructor() {
    const def = serviceDefinitions().Registration;
    this.server.addService(def, {
      Register: (
        call: grpc.ServerUnaryCall<RegisterRequest__Output, object>,
        cb: grpc.sendUnaryData<object>,
      ) => {
        this.registers.push(call.request);
        this.wake();
        cb(null, {});
      },
      Deregister: (
        call: grpc.ServerUnaryCall<DeregisterRequest__Output, object>,
        cb: grpc.sendUnaryData<object>,
      ) => {
        this.deregisters.push(call.request);
        this.wake();
        cb(null, {});
      },
    });
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  listen(port: number): Promise<number> {
    return new Promise((resolve, reject) =>
      this.server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (e, p) =>
        e ? reject(e) : resolve(p),
      ),
    );
  }

  /** Wait until `cond` holds, re-checking on every call received (bounded). */
  async until(cond: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!cond()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  stop(): void {
    this.server.forceShutdown();
  }
}

test('registers with id, endpoint, host NQN, API versions and features; heartbeats; deregisters on SIGTERM', async (t) => {
  const dir = tmpDir(t);
  const peer = new RegistrationPeer();
  const port = await freePort();
  // The control plane is not up yet: the io-engine must start anyway and keep trying.
  const engine = await startEngine(
    testEngineArgs('node-r', path.join(dir, 'state'), [
      '--registration-endpoint',
      `127.0.0.1:${port}`,
      '--registration-interval',
      '1',
      '--enable-fault-injection',
      '-P',
      `pool-r=${sparseFile(dir, 'disk.img', 32 << 20)}`,
    ]),
  );
  t.after(async () => {
    await engine.stop('SIGKILL');
    peer.stop();
  });
  const info = await engine.client.host.GetMayastorInfo({});
  assert.equal(info.registration, 'unregistered');
  const health = (await (await fetch(`http://127.0.0.1:${engine.ready.httpPort}/readyz`)).json()) as Record<
    string,
    unknown
  >;
  assert.equal(health.ready, true);
  assert.equal(health.registration, 'unregistered');

  await peer.listen(port);
  await peer.until(() => peer.registers.length >= 3, 'three heartbeats');
  const r = peer.registers[0]!;
  assert.equal(r.id, 'node-r');
  assert.equal(r.grpc_endpoint, `127.0.0.1:${engine.ready.grpcPort}`);
  assert.equal(r.hostnqn, 'nqn.2019-05.io.openebs:node-name:node-r');
  assert.deepEqual(r.api_version, ['V1']);
  assert.equal(r.features?.faultInjection, true);
  assert.equal(r.heartbeat_interval_sec, 1);
  assert.ok(r.instance_uuid && r.instance_uuid === info.instance_uuid);
  assert.ok(peer.registers.every((x) => x.instance_uuid === r.instance_uuid));
  assert.equal((await engine.client.host.GetMayastorInfo({})).registration, 'registered');
  // One warning while the control plane was down, not one per attempt.
  const warnings = engine
    .logs()
    .filter((l) => l.msg === 'cannot register with the control plane; will keep trying');
  assert.equal(warnings.length, 1);

  const exit = await engine.stop('SIGTERM');
  assert.equal(exit.code, 0);
  assert.equal(peer.deregisters.length, 1);
  assert.equal(peer.deregisters[0]!.id, 'node-r');
  assert.equal(peer.deregisters[0]!.instance_uuid, r.instance_uuid);
});

test('health and Prometheus endpoints: Mayastor metric names, current values', async (t) => {
  const dir = tmpDir(t);
  const engine = await startEngine(
    testEngineArgs('node-m', path.join(dir, 'state'), [
      '-P',
      `pool-m=${sparseFile(dir, 'disk.img', 64 << 20)}`,
    ]),
  );
  t.after(() => engine.stop('SIGKILL'));
  const base = `http://127.0.0.1:${engine.ready.httpPort}`;
  assert.equal(await (await fetch(`${base}/healthz`)).text(), 'ok\n');
  assert.equal((await fetch(`${base}/nope`)).status, 404);
  await engine.client.replica.CreateReplica({
    uuid: '44444444-4444-4444-8444-444444444444',
    pooluuid: 'pool-m',
    size: 8 << 20,
    thin: false,
    entity_id: 'pv-1',
  });
  const text = await (await fetch(`${base}/metrics`)).text();
  const value = (re: RegExp) => {
    const m = re.exec(text);
    assert.ok(m, `${re} in\n${text}`);
    return Number(m[1]);
  };
  assert.equal(value(/^diskpool_status\{node="node-m",name="pool-m"\} (\d+)$/m), 1);
  const total = value(/^diskpool_total_size_bytes\{node="node-m",name="pool-m"\} (\d+)$/m);
  assert.ok(total > 0 && total <= 64 << 20);
  assert.equal(value(/^diskpool_used_size_bytes\{node="node-m",name="pool-m"\} (\d+)$/m), 8 << 20);
  assert.equal(value(/^diskpool_committed_size_bytes\{node="node-m",name="pool-m"\} (\d+)$/m), 8 << 20);
  for (const m of [
    'num_read_ops',
    'bytes_read',
    'num_write_ops',
    'bytes_written',
    'read_latency_us',
    'write_latency_us',
  ]) {
    assert.equal(value(new RegExp(`^diskpool_${m}\\{node="node-m",name="pool-m"\\} (\\d+)$`, 'm')), 0);
    assert.equal(
      value(
        new RegExp(
          `^replica_${m}\\{node="node-m",name="44444444-4444-4444-8444-444444444444",pv_name="pv-1"\\} (\\d+)$`,
          'm',
        ),
      ),
      0,
    );
  }
  assert.ok(value(/^process_cpu_seconds_total (\S+)$/m) > 0);
  assert.match(text, /^io_engine_info\{node="node-m",version="[^"]+"\} 1$/m);

  // SIGTERM: readiness goes away, the process exits 0 having exported its pool.
  const exit = await engine.stop('SIGTERM');
  assert.equal(exit.code, 0);
  const msgs = engine.logs().map((l) => l.msg);
  assert.ok(msgs.indexOf('signal received: shutting down gracefully') < msgs.indexOf('pool exported'));
  assert.ok(msgs.indexOf('pool exported') < msgs.indexOf('io-engine stopped'));
});

test('a daemon that cannot start says why and exits non-zero', async (t) => {
  const dir = tmpDir(t);
  const port = await freePort();
  const { startCli } = await import('../helpers/proc.js');
  // The gRPC port is taken by another listener.
  const blocker = new grpc.Server();
  await new Promise<void>((res, rej) =>
    blocker.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (e) =>
      e ? rej(e) : res(),
    ),
  );
  t.after(() => blocker.forceShutdown());
  const args = testEngineArgs('node-x', path.join(dir, 'state'));
  args[args.indexOf('127.0.0.1:0')] = `127.0.0.1:${port}`;
  const p = startCli(['io-engine', ...args]);
  const r = await p.exited;
  assert.notEqual(r.code, 0);
  assert.match(p.output(), /cannot listen for gRPC on 127\.0\.0\.1:\d+/);
  // A bad config value is reported before anything starts.
  const q = startCli(['io-engine', '-N', 'node-x', '--nvmf-replica-port', 'eighty']);
  assert.equal((await q.exited).code, 2);
  assert.match(q.output(), /'eighty' is not a TCP port/);
});
