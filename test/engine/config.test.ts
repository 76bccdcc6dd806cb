/**
 * Configuration (defaults, YAML/JSON files, flags), the error-to-status mapping, and the
 * generated proto types staying in step with proto/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import * as grpc from '@grpc/grpc-js';
import {
  DEFAULT_GRPC_PORT,
  DEFAULT_NEXUS_PORT,
  DEFAULT_REPLICA_PORT,
  parsePoolFlag,
  readConfigFile,
  resolveConfig,
} from '../../src/engine/config.js';
import { flagsToConfig } from '../../src/cli/commands/io-engine.js';
import { fromServiceError, toServiceError, ERROR_CODE_KEY } from '../../src/api/status.js';
import { MayastorError, isMayastorError, type ErrorKind } from '../../src/core/errors.js';
import { poolError, PoolErrors } from '../../src/pool/errors.js';
import { serviceDefinitions } from '../../src/api/proto.js';
import { normalizeEndpoint } from '../../src/api/engine-client.js';
import { tmpDir } from '../helpers/tmp.js';
import { REPO_ROOT } from '../helpers/proc.js';

function configError(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isMayastorError(e, 'ENGINE_CONFIG_INVALID'), String(e));
    assert.match((e as Error).message, re);
    return true;
  });
}

test('defaults are Mayastor-shaped', () => {
  const c = resolveConfig({ nodeName: 'node-a' });
  assert.equal(c.grpcAddress, `0.0.0.0:${DEFAULT_GRPC_PORT}`);
  assert.equal(c.nvmf.replicaPort, DEFAULT_REPLICA_PORT);
  assert.equal(c.nvmf.nexusPort, DEFAULT_NEXUS_PORT);
  assert.equal(c.hostNqn, 'nqn.2019-05.io.openebs:node-name:node-a');
  assert.equal(c.registration.endpoint, undefined);
  assert.equal(c.registration.intervalSec, 5);
  assert.equal(c.faultInjection, false);
  assert.equal(c.nexus.childIoTimeoutMs, 5000);
  assert.equal(c.http.address, '0.0.0.0:9052');
  assert.equal(c.nexusAdvertiseAddress, c.advertiseAddress);
});

test('a YAML file, then flags on top; specific NVMe-oF addresses become the advertised one', (t) => {
  const dir = tmpDir(t);
  const file = path.join(dir, 'engine.yaml');
  fs.writeFileSync(
    file,
    [
      'nodeName: node-b',
      'grpcAddress: 10.1.0.2:10124',
      'nvmf:',
      '  addresses: [10.1.0.2]',
      '  replicaPort: 18420',
      'registration:',
      '  endpoint: 10.1.0.1:50051',
      '  intervalSec: 2',
      'pools:',
      '  - name: pool-b',
      '    disk: /dev/sdb',
      'logLevel: debug',
    ].join('\n'),
  );
  const fileCfg = readConfigFile(file);
  const c = resolveConfig(
    fileCfg,
    flagsToConfig({
      nodeName: 'node-b2',
      nvmfNexusPort: '14421',
      pool: ['pool-c=aio:///x.img,uuid=0f6ea06e-2b4a-4a3c-a1d5-1e0d6f5d7c11'],
    }),
  );
  assert.equal(c.nodeName, 'node-b2');
  assert.equal(c.grpcAddress, '10.1.0.2:10124');
  assert.equal(c.advertiseAddress, '10.1.0.2');
  assert.deepEqual(c.nvmf, { addresses: ['10.1.0.2'], replicaPort: 18420, nexusPort: 14421 });
  assert.deepEqual(c.registration, { endpoint: '10.1.0.1:50051', intervalSec: 2 });
  assert.deepEqual(c.pools, [
    { name: 'pool-c', disk: 'aio:///x.img', uuid: '0f6ea06e-2b4a-4a3c-a1d5-1e0d6f5d7c11' },
  ]);
  assert.equal(c.logLevel, 'debug');
  assert.equal(c.hostNqn, 'nqn.2019-05.io.openebs:node-name:node-b2');

  const json = path.join(dir, 'engine.json');
  fs.writeFileSync(json, JSON.stringify({ nodeName: 'node-j', stateDir: null, http: { address: 'none' } }));
  const j = resolveConfig(readConfigFile(json));
  assert.equal(j.nodeName, 'node-j');
  assert.equal(j.stateDir, undefined);
  assert.equal(j.http.address, undefined);
});

test('mistakes are refused with the setting named', (t) => {
  const dir = tmpDir(t);
  const file = path.join(dir, 'bad.yaml');
  fs.writeFileSync(file, 'nodeName: a\nnvmf:\n  replicaPrt: 1\n');
  configError(() => readConfigFile(file), /nvmf\.replicaPrt/);
  fs.writeFileSync(file, 'grpcAdress: 1.2.3.4:5\n');
  configError(() => readConfigFile(file), /unknown setting 'grpcAdress'/);
  fs.writeFileSync(file, 'a: [\n');
  configError(() => readConfigFile(file), /not valid YAML/);
  configError(() => readConfigFile(path.join(dir, 'missing.yaml')), /cannot read/);
  configError(() => resolveConfig({ nodeName: 'bad name' }), /node name/);
  configError(() => resolveConfig({ nodeName: 'a', grpcAddress: 'localhost' }), /HOST:PORT/);
  configError(() => resolveConfig({ nodeName: 'a', nvmf: { replicaPort: 70000 } }), /replicaPort/);
  configError(
    () => resolveConfig({ nodeName: 'a', nvmf: { replicaPort: 4421, nexusPort: 4421 } }),
    /must differ/,
  );
  configError(() => resolveConfig({ nodeName: 'a', logLevel: 'loud' }), /log level/);
  configError(() => resolveConfig({ nodeName: 'a', registration: { intervalSec: 0 } }), /intervalSec/);
  configError(() => resolveConfig({ nodeName: 'a', hostNqn: 'host-1' }), /NQN/);
  configError(
    () =>
      resolveConfig({
        nodeName: 'a',
        pools: [
          { name: 'p', disk: '/dev/a' },
          { name: 'p', disk: '/dev/b' },
        ],
      }),
    /listed twice/,
  );
  configError(() => parsePoolFlag('/dev/sdb'), /NAME=DISK_URI/);
});

test('every error kind maps to its gRPC status, with the stable code in the metadata, and back', () => {
  const cases: Array<[ErrorKind, grpc.status]> = [
    ['InvalidArgument', grpc.status.INVALID_ARGUMENT],
    ['NotFound', grpc.status.NOT_FOUND],
    ['AlreadyExists', grpc.status.ALREADY_EXISTS],
    ['FailedPrecondition', grpc.status.FAILED_PRECONDITION],
    ['ResourceExhausted', grpc.status.RESOURCE_EXHAUSTED],
    ['OutOfRange', grpc.status.OUT_OF_RANGE],
    ['PermissionDenied', grpc.status.PERMISSION_DENIED],
    ['Unavailable', grpc.status.UNAVAILABLE],
    ['DeadlineExceeded', grpc.status.DEADLINE_EXCEEDED],
    ['Aborted', grpc.status.ABORTED],
    ['Unimplemented', grpc.status.UNIMPLEMENTED],
    ['DataLoss', grpc.status.DATA_LOSS],
    ['Internal', grpc.status.INTERNAL],
  ];
  for (const [kind, status] of cases) {
    const se = toServiceError(
      new MayastorError(`SOME_${kind.toUpperCase()}`, kind, 'what happened', { details: { a: 1 } }),
    );
    assert.equal(se.code, status, kind);
    assert.equal(se.details, 'what happened');
    assert.deepEqual(se.metadata?.get(ERROR_CODE_KEY), [`SOME_${kind.toUpperCase()}`]);
    const back = fromServiceError(se);
    assert.equal(back.code, `SOME_${kind.toUpperCase()}`);
    assert.equal(back.kind, kind);
    assert.equal(back.details?.a, 1);
    assert.equal(back.details?.grpcStatus, grpc.status[status]);
  }
  const pe = toServiceError(poolError(PoolErrors.NO_SPACE, 'pool full'));
  assert.equal(pe.code, grpc.status.RESOURCE_EXHAUSTED);
  const internal = toServiceError(new TypeError('x is undefined'));
  assert.equal(internal.code, grpc.status.INTERNAL);
  assert.match(internal.details!, /internal error: x is undefined/);
  // A connection failure carries no metadata: the status alone decides.
  const unreachable = fromServiceError({
    code: grpc.status.UNAVAILABLE,
    details: 'No connection established',
  });
  assert.equal(unreachable.kind, 'Unavailable');
  assert.equal(unreachable.code, 'GRPC_UNAVAILABLE');
});

test('client endpoints accept Mayastor io-engine-client forms', () => {
  assert.equal(normalizeEndpoint('http://10.0.0.5:10124'), '10.0.0.5:10124');
  assert.equal(normalizeEndpoint('10.0.0.5'), '10.0.0.5:10124');
  assert.equal(normalizeEndpoint('node-a:1234'), 'node-a:1234');
  assert.equal(normalizeEndpoint('[::1]:99'), '[::1]:99');
});

test('proto/ loads, and the generated TypeScript types are up to date with it', (t) => {
  const defs = serviceDefinitions();
  assert.ok(defs.PoolRpc.CreatePool.path === '/mayastor.v1.PoolRpc/CreatePool');
  assert.ok(defs.Registration.Register.path === '/mayastor.v1.Registration/Register');
  assert.equal(Object.keys(defs.NexusRpc).length, 18);
  const out = path.join(tmpDir(t), 'generated');
  execFileSync('bash', [path.join(REPO_ROOT, 'scripts', 'gen-proto.sh'), out], { cwd: REPO_ROOT });
  const committed = path.join(REPO_ROOT, 'src', 'api', 'generated');
  const list = (d: string): string[] =>
    fs
      .readdirSync(d, { recursive: true, withFileTypes: false })
      .map(String)
      .filter((f) => f.endsWith('.ts'))
      .sort();
  assert.deepEqual(
    list(out),
    list(committed),
    'run scripts/gen-proto.sh: the set of generated files differs',
  );
  for (const f of list(out)) {
    assert.equal(
      fs.readFileSync(path.join(out, f), 'utf8'),
      fs.readFileSync(path.join(committed, f), 'utf8'),
      `src/api/generated/${f} is stale: run scripts/gen-proto.sh`,
    );
  }
});
