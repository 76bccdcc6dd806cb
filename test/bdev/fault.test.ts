import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FaultInjectingDevice, MallocDevice, BdevErrors } from '../../src/bdev/index.js';
import { isMayastorError } from '../../src/core/errors.js';

function dev() {
  return new FaultInjectingDevice(new MallocDevice({ name: 'm', blockSize: 512, numBlocks: 2048 }));
}

test('errors hit only the chosen op and range, count times, after skip', async () => {
  const d = dev();
  const id = d.inject({
    ops: ['write'],
    offset: 4096,
    length: 4096,
    action: { type: 'error' },
    skip: 1,
    count: 2,
  });
  await d.write(4096, Buffer.alloc(512)); // skipped
  await assert.rejects(d.write(4096 + 512, Buffer.alloc(512)), (e) =>
    isMayastorError(e, BdevErrors.IO_ERROR),
  );
  await d.write(0, Buffer.alloc(512)); // outside the range
  await d.read(4096, Buffer.alloc(512)); // other op
  await assert.rejects(d.write(8192 - 512, Buffer.alloc(1024)), (e) =>
    isMayastorError(e, BdevErrors.IO_ERROR),
  );
  await d.write(4096, Buffer.alloc(512)); // count exhausted
  assert.deepEqual(
    d.list().map((f) => [f.id, f.hits, f.active]),
    [[id, 2, false]],
  );
  assert.equal(d.stats.numWriteErrors, 2);
});

test('a failed write does not reach the device', async () => {
  const d = dev();
  d.inject({ ops: ['write'], action: { type: 'error', code: BdevErrors.NO_SPACE }, count: 1 });
  await assert.rejects(d.write(0, Buffer.alloc(512, 7)), (e) => isMayastorError(e, BdevErrors.NO_SPACE));
  const b = Buffer.alloc(512, 1);
  await d.read(0, b);
  assert.ok(b.every((x) => x === 0));
});

test('delay postpones and then performs the I/O', async () => {
  const d = dev();
  d.inject({ ops: ['flush', 'read'], action: { type: 'delay', ms: 30 } });
  const t0 = Date.now();
  await d.flush();
  assert.ok(Date.now() - t0 >= 25);
});

test('hang holds I/O until the rule is removed, and fails it on close', async () => {
  const d = dev();
  const id = d.inject({ ops: ['write'], action: { type: 'hang' } });
  let done = false;
  const p = d.write(0, Buffer.alloc(512, 5)).then(() => (done = true));
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(done, false);
  d.remove(id);
  await p;
  const b = Buffer.alloc(512);
  await d.read(0, b);
  assert.equal(b[0], 5);

  d.inject({ ops: ['read'], action: { type: 'hang' } });
  const hung = d.read(0, Buffer.alloc(512));
  await d.close();
  await assert.rejects(hung, (e) => isMayastorError(e, BdevErrors.CLOSED));
});

test('corrupt flips a bit in what a read returns, not on the medium', async () => {
  const d = dev();
  await d.write(0, Buffer.alloc(512, 0));
  d.inject({ ops: ['read'], action: { type: 'corrupt' }, count: 1 });
  const a = Buffer.alloc(512);
  await d.read(0, a);
  assert.equal(
    a.reduce((n, x) => n + x, 0),
    1,
  );
  const b = Buffer.alloc(512);
  await d.read(0, b);
  assert.ok(b.every((x) => x === 0));
});
