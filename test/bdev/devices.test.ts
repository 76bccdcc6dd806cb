/**
 * Behaviour every block-device driver must share: bounds and alignment checks, round trips,
 * zeroing, flush durability, close. Run against malloc, aio and uring on a real file.
 */
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { BdevRegistry, BdevErrors, type BlockDevice } from '../../src/bdev/index.js';
import { isMayastorError } from '../../src/core/errors.js';
import { tmpDir, sparseFile, patternBuffer } from '../helpers/tmp.js';

const SIZE = 8 << 20;

function code(c: string) {
  return (e: unknown) => isMayastorError(e, c);
}

for (const kind of ['malloc', 'aio', 'uring'] as const) {
  for (const bs of [512, 4096]) {
    describe(`${kind} device, ${bs}-byte blocks`, () => {
      let dev: BlockDevice;
      let file = '';
      const dir = tmpDir({ after });
      test('opens', async () => {
        const reg = new BdevRegistry();
        if (kind === 'malloc') {
          dev = await reg.create(`malloc:///m-${bs}?size_mb=${SIZE >> 20}&blk_size=${bs}`);
        } else {
          file = sparseFile(dir, 'disk.img', SIZE);
          dev = await reg.create(`${kind}://${file}?blk_size=${bs}`);
        }
        assert.equal(dev.blockSize, bs);
        assert.equal(dev.numBlocks, SIZE / bs);
        assert.equal(dev.size, SIZE);
        assert.equal(dev.driver, kind);
      });

      test('reads zeros before anything is written', async () => {
        const b = Buffer.alloc(bs * 4, 0xaa);
        await dev.read(SIZE - b.length, b);
        assert.ok(b.every((x) => x === 0));
      });

      test('round-trips data, including I/O across 1 MiB boundaries', async () => {
        const data = patternBuffer(bs * 64, 7);
        const at = (1 << 20) - bs * 3;
        await dev.write(at, data);
        const back = Buffer.alloc(data.length);
        await dev.read(at, back);
        assert.ok(back.equals(data));
      });

      test('rejects misaligned and out-of-range I/O without touching data', async () => {
        const before = Buffer.alloc(bs);
        await dev.read(0, before);
        await assert.rejects(dev.write(1, Buffer.alloc(bs)), code(BdevErrors.MISALIGNED));
        await assert.rejects(dev.write(0, Buffer.alloc(bs + 1)), code(BdevErrors.MISALIGNED));
        await assert.rejects(dev.read(SIZE, Buffer.alloc(bs)), code(BdevErrors.OUT_OF_RANGE));
        await assert.rejects(dev.write(SIZE - bs, Buffer.alloc(bs * 2)), code(BdevErrors.OUT_OF_RANGE));
        await assert.rejects(dev.unmap(SIZE - bs, bs * 2), code(BdevErrors.OUT_OF_RANGE));
        await assert.rejects(dev.writeZeroes(-bs, bs), code(BdevErrors.OUT_OF_RANGE));
        await assert.rejects(dev.read(0.5, Buffer.alloc(bs)), code(BdevErrors.OUT_OF_RANGE));
        const after = Buffer.alloc(bs);
        await dev.read(0, after);
        assert.ok(before.equals(after));
      });

      test('unmap and write-zeroes leave zeros and nothing else', async () => {
        const data = patternBuffer(bs * 8, 3);
        await dev.write(0, data);
        await dev.unmap(bs * 2, bs * 2);
        await dev.writeZeroes(bs * 5, bs);
        const back = Buffer.alloc(data.length);
        await dev.read(0, back);
        const expect = Buffer.from(data);
        expect.fill(0, bs * 2, bs * 4);
        expect.fill(0, bs * 5, bs * 6);
        assert.ok(back.equals(expect));
      });

      test('large write-zeroes spanning many chunks', async () => {
        await dev.write(0, patternBuffer(SIZE, 11));
        await dev.writeZeroes(bs, SIZE - 2 * bs);
        const back = Buffer.alloc(SIZE);
        await dev.read(0, back);
        assert.ok(back.subarray(bs, SIZE - bs).every((x) => x === 0));
        assert.ok(back.subarray(0, bs).some((x) => x !== 0));
      });

      test('counts I/O in its statistics', () => {
        assert.ok(dev.stats.numWriteOps >= 3);
        assert.ok(dev.stats.numReadOps >= 3);
        assert.ok(dev.stats.bytesWritten > 0);
        assert.ok(dev.stats.readLatencyUs >= 0);
      });

      test('a flushed write is on the medium (read back through the file)', async () => {
        const data = patternBuffer(bs, 99);
        await dev.write(bs * 10, data, { fua: true });
        await dev.flush();
        if (file) {
          const fd = fs.openSync(file, 'r');
          const b = Buffer.alloc(bs);
          fs.readSync(fd, b, 0, bs, bs * 10);
          fs.closeSync(fd);
          assert.ok(b.equals(data));
        }
      });

      test('closes after outstanding I/O, then refuses I/O', async () => {
        const pending = dev.write(0, Buffer.alloc(bs, 1));
        await dev.close();
        await pending;
        await assert.rejects(dev.read(0, Buffer.alloc(bs)), code(BdevErrors.CLOSED));
        await assert.rejects(dev.flush(), code(BdevErrors.CLOSED));
      });
    });
  }
}

test('files whose size does not fit the block size are refused, not truncated', async (t) => {
  const dir = tmpDir(t);
  const reg = new BdevRegistry();
  const odd = sparseFile(dir, 'odd.img', 4096 * 10 + 512);
  await assert.rejects(reg.create(`aio://${odd}?blk_size=4096`), code(BdevErrors.SIZE_INVALID));
  const ok = await reg.create(`aio://${odd}?blk_size=512`);
  assert.equal(ok.numBlocks, 81);
  const empty = sparseFile(dir, 'empty.img', 0);
  await assert.rejects(reg.open(`aio://${empty}`), code(BdevErrors.SIZE_INVALID));
  await assert.rejects(reg.open(dir), code(BdevErrors.URI_INVALID));
  await reg.closeAll();
});

test('an image file is held exclusively: a second open is BDEV_BUSY until the first closes', async (t) => {
  const p = sparseFile(tmpDir(t), 'held.img', 1 << 20);
  const first = new BdevRegistry();
  const second = new BdevRegistry();
  const d = await first.open(`aio://${p}`);
  await assert.rejects(second.open(`uring://${p}`), code(BdevErrors.BUSY));
  await assert.rejects(second.open(p), code(BdevErrors.BUSY));
  await d.close();
  const again = await second.open(p);
  await again.close();
});

test('a bare absolute path opens as aio', async (t) => {
  const p = sparseFile(tmpDir(t), 'bare.img', 1 << 20);
  const reg = new BdevRegistry();
  const d = await reg.create(p);
  assert.equal(d.driver, 'aio');
  assert.equal(d.name, p);
  await reg.closeAll();
});

test('malloc memory is allocated lazily and returned on unmap', async () => {
  const reg = new BdevRegistry();
  const d = (await reg.create('malloc:///lazy?size_mb=1024')) as BlockDevice & { allocatedBytes: number };
  assert.equal(d.allocatedBytes, 0);
  await d.write(512 << 20, Buffer.alloc(4096, 1));
  assert.equal(d.allocatedBytes, 1 << 20);
  await d.unmap(512 << 20, 1 << 20);
  assert.equal(d.allocatedBytes, 0);
  await reg.closeAll();
});
