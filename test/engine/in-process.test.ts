/**
 * Two io-engines in one process: no process-wide state (registries, metrics, targets, logs are
 * per engine), so each sees only its own pools, and stopping one leaves the other serving.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { silentLogger } from '../../src/core/log.js';
import { resolveConfig } from '../../src/engine/config.js';
import { IoEngine } from '../../src/engine/engine.js';
import { EngineClient } from '../../src/api/engine-client.js';
import { sparseFile, tmpDir } from '../helpers/tmp.js';

function engine(name: string, dir: string): IoEngine {
  const config = resolveConfig({
    nodeName: name,
    grpcAddress: '127.0.0.1:0',
    nvmf: { addresses: ['127.0.0.1'], replicaPort: 0, nexusPort: 0 },
    nbd: { port: 0 },
    http: { address: '127.0.0.1:0' },
    stateDir: path.join(dir, name),
    pools: [{ name: `pool-${name}`, disk: sparseFile(dir, `${name}.img`, 32 << 20) }],
  });
  return new IoEngine(config, silentLogger());
}

test('two engines in one process keep apart', async (t) => {
  const dir = tmpDir(t);
  const a = engine('one', dir);
  const b = engine('two', dir);
  t.after(async () => {
    await a.stop();
    await b.stop();
  });
  await a.start();
  await b.start();
  assert.notEqual(a.endpoints.grpcPort, b.endpoints.grpcPort);
  assert.notEqual(a.endpoints.nvmfReplicaPort, b.endpoints.nvmfReplicaPort);
  const ca = new EngineClient(`127.0.0.1:${a.endpoints.grpcPort}`);
  const cb = new EngineClient(`127.0.0.1:${b.endpoints.grpcPort}`);
  t.after(() => {
    ca.close();
    cb.close();
  });
  assert.deepEqual(
    (await ca.pool.ListPools({})).pools.map((p) => p.name),
    ['pool-one'],
  );
  assert.deepEqual(
    (await cb.pool.ListPools({})).pools.map((p) => p.name),
    ['pool-two'],
  );
  const ma = await (await fetch(`http://127.0.0.1:${a.endpoints.httpPort}/metrics`)).text();
  assert.match(ma, /diskpool_status\{node="one",name="pool-one"\} 1/);
  assert.doesNotMatch(ma, /pool-two/);

  await a.stop();
  assert.equal(a.state, 'stopped');
  assert.equal((await cb.host.GetMayastorInfo({})).node_name, 'two');
  assert.equal(b.state, 'running');
});
