import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32c, crc32cUpdate, crc32cFinish, CRC32C_INIT } from '../src/core/crc32c.js';
import { parseSize, formatBytes } from '../src/core/units.js';
import { uuidToBytes, uuidFromBytes, newUuid } from '../src/core/uuid.js';
import { Mutex, Semaphore, withTimeout, deferred } from '../src/core/async.js';

test('crc32c matches the published check values', () => {
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
  assert.equal(crc32c(Buffer.alloc(32, 0)), 0x8a9136aa); // RFC 3720 B.4
  assert.equal(crc32c(Buffer.alloc(32, 0xff)), 0x62a8ab43);
  const inc = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
  assert.equal(crc32c(inc), 0x46dd794e);
  const big = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7) & 0xff));
  const split = crc32cFinish(
    crc32cUpdate(crc32cUpdate(CRC32C_INIT, big.subarray(0, 333)), big.subarray(333)),
  );
  assert.equal(split, crc32c(big));
});

test('sizes parse and print', () => {
  assert.equal(parseSize('4096'), 4096);
  assert.equal(parseSize('64MiB'), 64 << 20);
  assert.equal(parseSize('1G'), 1 << 30);
  assert.equal(parseSize('1GB'), 1e9);
  assert.throws(() => parseSize('12 parsecs'));
  assert.throws(() => parseSize('-1'));
  assert.equal(formatBytes(64 << 20), '64MiB');
});

test('uuids round-trip through 16 bytes', () => {
  const u = newUuid();
  assert.equal(uuidFromBytes(uuidToBytes(u)), u);
});

test('mutex, semaphore and timeout behave', async () => {
  const m = new Mutex();
  const order: number[] = [];
  await Promise.all([1, 2, 3].map((i) => m.run(async () => order.push(i))));
  assert.deepEqual(order, [1, 2, 3]);
  const s = new Semaphore(2);
  const r1 = await s.acquire();
  await s.acquire();
  let third = false;
  const p = s.acquire().then(() => (third = true));
  await new Promise((r) => setImmediate(r));
  assert.equal(third, false);
  r1();
  await p;
  const keepAlive = setTimeout(() => {}, 1000);
  await assert.rejects(withTimeout(deferred().promise, 10), /timed out/);
  clearTimeout(keepAlive);
});
