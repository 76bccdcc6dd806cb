/**
 * `mayastor-ts export ... --nbd` as a real process: argument errors, listener errors, the
 * allow-list, and a clean shutdown on SIGTERM that answers in-flight requests and flushes the
 * device before exiting 0.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { startCli, freePort } from '../helpers/proc.js';
import { tmpDir, sparseFile, patternBuffer } from '../helpers/tmp.js';
import { Cmd, NbdErrno, encodeRequest } from '../../src/nbd/protocol.js';
import { RawClient } from './raw-client.js';
import { randomFile, run, runOk, sha256File, startExport } from './util.js';

const MiB = 1024 * 1024;

test('a malformed --nbd address is a usage error (exit 2)', async () => {
  const p = startCli(['export', 'malloc:///m?size_mb=1', '--nbd', 'localhost']);
  const r = await p.exited;
  assert.equal(r.code, 2, p.output());
  assert.match(p.output(), /ADDRESS_INVALID/);
});

test('an address already in use fails with NBD_LISTEN_FAILED (exit 1)', async (t) => {
  const blocker = net.createServer();
  const port = await freePort();
  await new Promise<void>((r) => blocker.listen(port, '127.0.0.1', r));
  t.after(() => blocker.close());
  const p = startCli(['export', 'malloc:///m?size_mb=1', '--nbd', `127.0.0.1:${port}`]);
  const r = await p.exited;
  assert.equal(r.code, 1, p.output());
  assert.match(p.output(), /NBD_LISTEN_FAILED/);
});

test('clients outside --nbd-allow are refused and logged; allowed ones get in', async () => {
  const refused = await startExport('malloc:///m?size_mb=1', ['--nbd-allow', '10.0.0.0/8,192.168.0.0/16']);
  try {
    const r = await run('nbdinfo', [refused.uri]);
    assert.notEqual(r.code, 0);
    await refused.proc.waitFor(/refused NBD client: address not allowed/);
  } finally {
    assert.equal((await refused.proc.stop()).code, 0);
  }
  const allowed = await startExport('malloc:///m?size_mb=1', [
    '--nbd-allow',
    '10.0.0.0/8',
    '--nbd-allow',
    '127.0.0.1',
  ]);
  try {
    await runOk('nbdinfo', [allowed.uri]);
  } finally {
    assert.equal((await allowed.proc.stop()).code, 0);
  }
});

test('file export: nbdcopy over several connections, then SIGTERM flushes and exits 0', async (t) => {
  const dir = tmpDir(t);
  const img = sparseFile(dir, 'disk.img', 32 * MiB);
  const src = path.join(dir, 'src.img');
  randomFile(src, 32 * MiB);
  const ex = await startExport(`aio://${img}?blk_size=4096`, [], 'disk');
  await runOk('nbdcopy', ['--connections=4', src, ex.uri]);
  // CAN_MULTI_CONN let nbdcopy open several connections to the same export.
  const conns = ex.proc
    .output()
    .split('\n')
    .filter((l) => l.includes('client entered transmission')).length;
  assert.ok(conns >= 2, `nbdcopy used ${conns} connection(s)`);
  const r = await ex.proc.stop('SIGTERM');
  assert.equal(r.code, 0, ex.proc.output());
  assert.match(ex.proc.output(), /export stopped; device flushed/);
  assert.equal(sha256File(img), sha256File(src));
});

test('SIGTERM while requests are in flight: what the server took is answered (done or ESHUTDOWN) and kept', async (t) => {
  const dir = tmpDir(t);
  const img = sparseFile(dir, 'disk.img', 16 * MiB);
  const ex = await startExport(`aio://${img}`, [], 'd');
  const { client: c } = await RawClient.open(ex.port, 'd');
  const n = 2000;
  const parts: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    parts.push(
      encodeRequest(
        { type: Cmd.WRITE, handle: BigInt(i), offset: i * 4096, length: 4096 },
        patternBuffer(4096, i + 1),
      ),
    );
  }
  c.send(Buffer.concat(parts));
  // Stop as soon as the first replies show the server is busy with them.
  const first = await c.readReply();
  ex.proc.proc.kill('SIGTERM');
  const replies = [first];
  for (let i = 1; i < n; i++) {
    try {
      replies.push(await c.readReply());
    } catch {
      break; // closed: whatever was not answered was never started
    }
  }
  await c.closed;
  const r = await ex.proc.exited;
  assert.equal(r.code, 0, ex.proc.output());
  const done = replies.filter((x) => x.error === 0);
  const refused = replies.filter((x) => x.error === NbdErrno.ESHUTDOWN);
  assert.equal(done.length + refused.length, replies.length, 'only success or ESHUTDOWN');
  assert.ok(done.length >= 1);
  const disk = fs.readFileSync(img);
  for (const x of done) {
    const i = Number(x.handle);
    assert.deepEqual(
      disk.subarray(i * 4096, (i + 1) * 4096),
      patternBuffer(4096, i + 1),
      `acknowledged write ${i}`,
    );
  }
  assert.match(ex.proc.output(), /export stopped; device flushed/);
});
