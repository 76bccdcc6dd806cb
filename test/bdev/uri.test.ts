import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseUri, BdevRegistry, BdevErrors } from '../../src/bdev/index.js';
import { isMayastorError } from '../../src/core/errors.js';

function rejectsWith(code: string) {
  return (e: unknown) => {
    assert.ok(isMayastorError(e, code), `expected ${code}, got ${String(e)}`);
    return true;
  };
}

test('parses the URI forms Mayastor users write', () => {
  const m = parseUri('malloc:///malloc0?size_mb=64&blk_size=4096');
  assert.equal(m.scheme, 'malloc');
  assert.equal(m.path, '/malloc0');
  assert.equal(m.params.get('size_mb'), '64');
  const a = parseUri('aio:///var/tmp/disk%201.img?blk_size=512');
  assert.equal(a.scheme, 'aio');
  assert.equal(a.path, '/var/tmp/disk 1.img');
  const bare = parseUri('/dev/sdb');
  assert.equal(bare.scheme, 'aio');
  assert.equal(bare.path, '/dev/sdb');
  const n = parseUri('nvmf://10.1.0.5:8420/nqn.2019-05.io.openebs:abc?uuid=1');
  assert.equal(n.host, '10.1.0.5:8420');
  assert.equal(n.path, '/nqn.2019-05.io.openebs:abc');
});

test('malformed URIs get typed errors', async () => {
  const reg = new BdevRegistry();
  const cases: Array<[string, string]> = [
    ['', BdevErrors.URI_INVALID],
    ['disk.img', BdevErrors.URI_INVALID],
    ['malloc://', BdevErrors.URI_INVALID],
    ['malloc:///m0', BdevErrors.SIZE_INVALID],
    ['malloc:///m0?size_mb=1&num_blocks=2048', BdevErrors.SIZE_INVALID],
    ['malloc:///m0?size_mb=0', BdevErrors.URI_INVALID],
    ['malloc:///m0?size_mb=-1', BdevErrors.URI_INVALID],
    ['malloc:///m0?size_mb=abc', BdevErrors.URI_INVALID],
    ['malloc:///m0?size_mb=1&blk_size=1024', BdevErrors.BLOCK_SIZE_INVALID],
    ['malloc:///m0?size_mb=1&bogus=1', BdevErrors.URI_INVALID],
    ['malloc:///m0?size_mb=1&size_mb=2', BdevErrors.URI_INVALID],
    ['malloc:///m0?size_mb=2000000', BdevErrors.SIZE_INVALID],
    ['malloc:///m0?size_mb=1&uuid=not-a-uuid', 'INVALID_UUID'],
    ['ftp:///x', BdevErrors.UNSUPPORTED_SCHEME],
    ['aio://host/path', BdevErrors.URI_INVALID],
    ['aio:///nonexistent/file.img', BdevErrors.NOT_FOUND],
  ];
  for (const [uri, code] of cases) {
    await assert.rejects(reg.create(uri), rejectsWith(code), `URI '${uri}'`);
  }
});

test('duplicate names are refused and devices can be listed and destroyed', async () => {
  const reg = new BdevRegistry();
  const d = await reg.create('malloc:///m0?num_blocks=128&blk_size=512');
  assert.equal(d.size, 128 * 512);
  await assert.rejects(reg.create('malloc:///m0?size_mb=1'), rejectsWith(BdevErrors.EXISTS));
  assert.deepEqual(
    reg.list().map((x) => x.name),
    ['m0'],
  );
  await reg.destroy('m0');
  assert.equal(reg.list().length, 0);
  await assert.rejects(reg.destroy('m0'), rejectsWith(BdevErrors.NOT_FOUND));
  await assert.rejects(d.read(0, Buffer.alloc(512)), rejectsWith(BdevErrors.CLOSED));
});

test('a uuid parameter sets the device uuid', async () => {
  const reg = new BdevRegistry();
  const d = await reg.create('malloc:///m1?size_mb=1&uuid=0B5E5C2C-7F6B-4B8E-9A2B-0E1D2C3B4A59');
  assert.equal(d.uuid, '0b5e5c2c-7f6b-4b8e-9a2b-0e1d2c3b4a59');
});
