/**
 * `mayastor-ts export --nvmf` as a process: serving a file, the default NQN and namespace
 * identity across restarts, clean shutdown with a flush, argument errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startCli, freePort } from '../../helpers/proc.js';
import { tmpDir, sparseFile, patternBuffer } from '../../helpers/tmp.js';
import { stableUuid } from '../../../src/nvmf/target/index.js';
import { Cns, DISCOVERY_NQN, LogPage } from '../../../src/nvmf/spec.js';
import { openController, RawHost } from './host.js';
import { identify, getLogPage, readCmd, writeCmd } from './helpers.js';

const T = { timeout: 60_000 };

/** The subsystem NQNs the discovery service lists. */
async function discover(port: number): Promise<string[]> {
  const d = await openController(port, { subnqn: DISCOVERY_NQN });
  try {
    const head = (await getLogPage(d.admin, LogPage.Discovery, 1024)).data!;
    const n = Number(head.readBigUInt64LE(8));
    const all = (await getLogPage(d.admin, LogPage.Discovery, 1024 * (n + 1))).data!;
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      const e = all.subarray(1024 * (i + 1));
      out.push(e.toString('latin1', 256, 512).replace(/\0+$/, ''));
    }
    return out;
  } finally {
    d.close();
  }
}

test('export --nvmf serves a file; SIGTERM stops cleanly after flushing', T, async (t) => {
  const dir = tmpDir(t);
  const file = sparseFile(dir, 'disk.img', 16 << 20);
  const port = await freePort();
  const uuid = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
  const p = startCli(['export', `aio://${file}?uuid=${uuid}`, '--nvmf', `127.0.0.1:${port}`]);
  t.after(() => p.stop('SIGKILL'));
  const ready = await p.waitFor(/export ready/);
  const nqn = `nqn.2019-05.io.openebs:${uuid}`;
  assert.ok(ready.includes(nqn), ready);
  assert.deepEqual(await discover(port), [nqn]);
  const c = await openController(port, { subnqn: nqn, ioQueues: 1 });
  const data = patternBuffer(64 * 1024, 42);
  assert.equal((await writeCmd(c.io[0]!, 8, data)).status, 0);
  const ns = (await identify(c.admin, Cns.NamespaceIdDescriptors, 1)).data!;
  assert.equal(ns.toString('hex', 4, 20), uuid.replace(/-/g, ''), 'NGUID from the uuid= parameter');
  // Stop while the host is still connected: the host's connections are closed, the device flushed.
  const r = await p.stop('SIGTERM');
  assert.equal(r.code, 0);
  assert.match(p.output(), /export stopped; device flushed/);
  await c.admin.closed;
  const back = Buffer.alloc(data.length);
  const fd = fs.openSync(file, 'r');
  fs.readSync(fd, back, 0, back.length, 8 * 512);
  fs.closeSync(fd);
  assert.ok(back.equals(data));
});

test('without uuid=, the NQN, serial number and namespace UUID survive a restart', T, async (t) => {
  const dir = tmpDir(t);
  const file = sparseFile(dir, 'disk.img', 16 << 20);
  const port = await freePort();
  const identity = async () => {
    const p = startCli(['export', file, '--nvmf', `127.0.0.1:${port}`]);
    try {
      await p.waitFor(/export ready/);
      const [nqn] = await discover(port);
      const c = await openController(port, { subnqn: nqn! });
      const ctrl = (await identify(c.admin, Cns.Controller)).data!;
      const ns = (await identify(c.admin, Cns.Namespace, 1)).data!;
      c.close();
      return { nqn, serial: ctrl.toString('latin1', 4, 24), nguid: ns.toString('hex', 104, 120) };
    } finally {
      assert.equal((await p.stop('SIGTERM')).code, 0);
    }
  };
  const a = await identity();
  const b = await identity();
  assert.deepEqual(a, b);
  assert.equal(a.nqn, `nqn.2019-05.io.openebs:${stableUuid(file)}`);
});

test('export --allow-host and --nqn: only the listed hosts connect', T, async (t) => {
  const port = await freePort();
  const nqn = 'nqn.2024-01.io.example:vol1';
  const host = 'nqn.2014-08.org.example:host-a';
  const p = startCli([
    'export',
    'malloc:///m0?size_mb=8',
    '--nvmf',
    `127.0.0.1:${port}`,
    '--nqn',
    nqn,
    '--allow-host',
    host,
    '--allow-host',
    'nqn.2014-08.org.example:host-b',
    '--serial',
    'SN-0001',
  ]);
  t.after(() => p.stop('SIGKILL'));
  await p.waitFor(/export ready/);
  await assert.rejects(
    openController(port, { subnqn: nqn, hostnqn: 'nqn.2014-08.org.example:host-c' }),
    /sc 0x84/,
  );
  const c = await openController(port, { subnqn: nqn, hostnqn: host, ioQueues: 1 });
  t.after(() => c.close());
  assert.equal((await identify(c.admin, Cns.Controller)).data!.toString('latin1', 4, 11), 'SN-0001');
  assert.equal((await readCmd(c.io[0]!, 0, 8)).status, 0);
  assert.match(p.output(), /Connect refused: host is not on the allow list/);
});

test('export argument errors exit with status 2 and say what is wrong', T, async () => {
  const cases: Array<[string[], RegExp, number]> = [
    [['--nvmf', 'localhost:notaport'], /expected HOST:PORT/, 2],
    [['--nvmf', '127.0.0.1:4420', '--nqn', 'not-an-nqn'], /not a valid NQN/, 2],
    [['--nvmf', '127.0.0.1:4420', '--allow-host', 'bad host'], /not a valid NQN/, 2],
    [['--allow-host', 'nqn.2014-08.org.example:a'], /--allow-host needs --nvmf/, 2],
    [['--nvmf', '127.0.0.1:4420', '--serial', 'x'.repeat(21)], /serial number/, 2],
  ];
  for (const [args, re, code] of cases) {
    const p = startCli(['export', 'malloc:///m0?size_mb=8', ...args]);
    const r = await p.exited;
    assert.equal(r.code, code, `${args.join(' ')}: ${p.output()}`);
    assert.match(p.output(), re);
  }
});

test('export fails cleanly when the port is taken', T, async (t) => {
  const port = await freePort();
  const first = startCli(['export', 'malloc:///m0?size_mb=8', '--nvmf', `127.0.0.1:${port}`]);
  t.after(() => first.stop('SIGKILL'));
  await first.waitFor(/export ready/);
  const second = startCli(['export', 'malloc:///m1?size_mb=8', '--nvmf', `127.0.0.1:${port}`]);
  const r = await second.exited;
  assert.equal(r.code, 1);
  assert.match(second.output(), /NVMF_LISTEN_FAILED: cannot listen on 127\.0\.0\.1:\d+/);
  // The first one is unaffected.
  const h = await RawHost.open(port);
  h.close();
});
