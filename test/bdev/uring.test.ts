import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { loadUringEngine } from '../../src/bdev/uring-engine.js';
import { FileDevice, BdevErrors } from '../../src/bdev/index.js';
import { isMayastorError } from '../../src/core/errors.js';
import { tmpDir, sparseFile, patternBuffer } from '../helpers/tmp.js';
import { REPO_ROOT } from '../helpers/proc.js';

const { engine, reason } = loadUringEngine();
const skip = engine ? false : `native io_uring engine unavailable: ${reason}`;

test(
  'thousands of concurrent requests, more than the ring holds, all complete correctly',
  { skip },
  async (t) => {
    const file = sparseFile(tmpDir(t), 'u.img', 16 << 20);
    const fd = fs.openSync(file, 'r+');
    try {
      const n = 4096;
      const writes = [];
      for (let i = 0; i < n; i++)
        writes.push(engine!.write(fd, patternBuffer(4096, i + 1), 0, 4096, i * 4096));
      assert.deepEqual(new Set(await Promise.all(writes)), new Set([4096]));
      assert.equal(await engine!.fdatasync(fd), 0);
      const bufs = Array.from({ length: n }, () => Buffer.alloc(4096));
      await Promise.all(bufs.map((b, i) => engine!.read(fd, b, 0, 4096, i * 4096)));
      for (let i = 0; i < n; i++) assert.ok(bufs[i]!.equals(patternBuffer(4096, i + 1)), `block ${i}`);
      // Reads past the end return 0 bytes; partial buffer offsets are honoured.
      const tail = Buffer.alloc(8192, 0xee);
      assert.equal(await engine!.read(fd, tail, 4096, 4096, 16 << 20), 0);
      assert.equal(await engine!.read(fd, tail, 4096, 4096, 0), 4096);
      assert.ok(tail.subarray(4096).equals(patternBuffer(4096, 1)));
      assert.ok(tail.subarray(0, 4096).every((x) => x === 0xee));
    } finally {
      fs.closeSync(fd);
    }
  },
);

test('kernel errors come back as errno errors', { skip }, async () => {
  await assert.rejects(
    engine!.read(987654, Buffer.alloc(512), 0, 512, 0),
    (e: NodeJS.ErrnoException) => e.code === 'EBADF',
  );
});

test('a uring device reports its engine, and a clear fallback when io_uring is off', async (t) => {
  const file = sparseFile(tmpDir(t), 'd.img', 1 << 20);
  const dev = await FileDevice.open({ path: file, blockSize: 512, engine: 'uring' });
  assert.equal(dev.ioEngine, engine ? 'io_uring (native)' : `thread pool (libuv): ${reason}`);
  await dev.close();
  const probe = `import('${path.join(REPO_ROOT, 'dist/src/bdev/index.js')}').then(async (b) => {
    const d = await b.FileDevice.open({ path: '${file}', blockSize: 512, engine: 'uring' });
    await d.write(0, Buffer.alloc(512, 3)); const r = Buffer.alloc(512); await d.read(0, r);
    console.log(JSON.stringify({ engine: d.ioEngine, ok: r[0] === 3 })); await d.close(); })`;
  const r = spawnSync(process.execPath, ['-e', probe], {
    env: { ...process.env, MAYASTOR_DISABLE_URING: '1' },
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), {
    engine: 'thread pool (libuv): disabled by MAYASTOR_DISABLE_URING=1',
    ok: true,
  });
});

test('I/O errors on a uring device are typed', { skip }, async (t) => {
  const file = sparseFile(tmpDir(t), 'e.img', 1 << 20);
  const dev = await FileDevice.open({ path: file, blockSize: 512, engine: 'uring' });
  // Truncate the file under the device: a read past the new end is a short read, reported as an I/O error.
  fs.truncateSync(file, 512);
  await assert.rejects(dev.read(4096, Buffer.alloc(512)), (e) => isMayastorError(e, BdevErrors.IO_ERROR));
  await dev.close();
});
