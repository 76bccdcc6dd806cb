import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MallocDevice, BdevErrors, FileDevice, type BlockDevice } from '../../src/bdev/index.js';
import { Pool, PoolErrors } from '../../src/pool/index.js';
import { isMayastorError } from '../../src/core/errors.js';
import { newUuid } from '../../src/core/uuid.js';
import { MiB, KiB } from '../../src/core/units.js';
import { patternBuffer, tmpDir, sparseFile } from '../helpers/tmp.js';
import { DeviceView } from '../helpers/devices.js';

const CS = 1 * MiB;

function mem(sizeMb = 64, blockSize = 512): MallocDevice {
  return new MallocDevice({ name: 'm', blockSize, numBlocks: (sizeMb * MiB) / blockSize });
}

/** Opens views of one medium, so a pool can be exported (closing its device) and imported again. */
function reopenable(dev: MallocDevice): () => BlockDevice {
  return () => new DeviceView(dev);
}

function code(c: string) {
  return (e: unknown) => {
    assert.ok(isMayastorError(e, c), `expected ${c}, got ${String(e)}`);
    return true;
  };
}

test('create, replicas, export, import: everything comes back', async () => {
  const backing = mem();
  const open = reopenable(backing);
  const pool = await Pool.create(open(), { name: 'p1', clusterSize: CS });
  const st = pool.status();
  assert.equal(st.state, 'Online');
  assert.equal(st.used, 0);
  assert.equal(st.capacity % CS, 0);
  assert.ok(st.capacity > 50 * MiB && st.capacity < 64 * MiB, `capacity ${st.capacity}`);

  const thickId = newUuid();
  const thinId = newUuid();
  const thick = await pool.createReplica({ uuid: thickId, size: 5 * MiB + 512, thin: false });
  const thin = await pool.createReplica({
    uuid: thinId,
    name: 'thin-one',
    size: 20 * MiB,
    thin: true,
    entityId: 'vol-1',
  });
  assert.equal(thick.size, 5 * MiB + 512);
  assert.equal(pool.status().used, 6 * CS);
  assert.equal(pool.status().committed, 6 * CS + 20 * CS);

  const a = patternBuffer(64 * KiB, 1);
  await thick.write(CS - 32 * KiB, a); // spans two clusters
  const b = patternBuffer(8 * KiB, 2);
  await thin.write(7 * CS + 4096, b);
  assert.equal(pool.status().used, 7 * CS);
  await thin.flush();

  const back = Buffer.alloc(a.length);
  await thick.read(CS - 32 * KiB, back);
  assert.ok(back.equals(a));
  const z = Buffer.alloc(CS, 0xff);
  await thin.read(7 * CS, z);
  assert.ok(
    z.subarray(0, 4096).every((x) => x === 0),
    'zeros before the data in a fresh thin cluster',
  );
  assert.ok(z.subarray(4096, 4096 + b.length).equals(b));
  assert.ok(
    z.subarray(4096 + b.length).every((x) => x === 0),
    'zeros after the data',
  );
  const unwritten = Buffer.alloc(CS, 0xff);
  await thin.read(3 * CS, unwritten);
  assert.ok(
    unwritten.every((x) => x === 0),
    'unwritten thin space reads zeros',
  );

  await pool.export();
  await assert.rejects(thick.read(0, Buffer.alloc(512)), code(BdevErrors.CLOSED));

  const again = await Pool.import(open());
  assert.equal(again.name, 'p1');
  assert.equal(again.uuid, pool.uuid);
  assert.equal(again.replicas().length, 2);
  const t2 = again.replica(thinId)!;
  assert.equal(t2.name, 'thin-one');
  assert.equal(t2.entityId, 'vol-1');
  assert.equal(t2.thin, true);
  assert.equal(t2.allocatedBytes, CS);
  const back2 = Buffer.alloc(b.length);
  await t2.read(7 * CS + 4096, back2);
  assert.ok(back2.equals(b));
  const back3 = Buffer.alloc(a.length);
  await again.replica(thickId)!.read(CS - 32 * KiB, back3);
  assert.ok(back3.equals(a));
  assert.deepEqual(
    { used: again.status().used, committed: again.status().committed },
    { used: 7 * CS, committed: 26 * CS },
  );
  await again.export();
});

test('create is create-or-import, and never clobbers what it does not own', async () => {
  const backing = mem();
  const open = reopenable(backing);
  const p = await Pool.create(open(), { name: 'p1', clusterSize: CS });
  const r = await p.createReplica({ uuid: newUuid(), size: CS, thin: false });
  await r.write(0, patternBuffer(4096, 9));
  await r.flush();
  // Same name: import, data intact.
  const same = await Pool.create(open(), { name: 'p1', clusterSize: CS });
  assert.equal(same.uuid, p.uuid);
  assert.equal(same.replicas().length, 1);
  // Same name, other uuid: refused.
  await assert.rejects(
    Pool.create(open(), { name: 'p1', uuid: newUuid() }),
    code(PoolErrors.DEVICE_HOLDS_OTHER_POOL),
  );
  // Other name: refused unless overwrite.
  await assert.rejects(Pool.create(open(), { name: 'p2' }), code(PoolErrors.DEVICE_HOLDS_OTHER_POOL));
  await assert.rejects(Pool.import(open(), { name: 'p2' }), code(PoolErrors.DEVICE_HOLDS_OTHER_POOL));
  const p2 = await Pool.create(open(), { name: 'p2', overwrite: true, clusterSize: CS });
  assert.notEqual(p2.uuid, p.uuid);
  assert.equal(p2.replicas().length, 0);
  const imported = await Pool.import(open());
  assert.equal(imported.name, 'p2');
  assert.equal(imported.replicas().length, 0, 'the old pool metadata is never mistaken for the new pool');

  // A device with a file system (or anything) on it is refused.
  const fs = mem(16);
  const sector = Buffer.alloc(512);
  sector.writeUInt16LE(0xef53, 0x38); // ext4: s_magic at byte 0x38 of the superblock at 1024
  await fs.write(1024, sector);
  await assert.rejects(Pool.create(fs, { name: 'x' }), code(PoolErrors.DEVICE_NOT_EMPTY));
  const before = Buffer.alloc(512);
  await fs.read(1024, before);
  assert.equal(before.readUInt16LE(0x38), 0xef53, 'refusal touched nothing');
  await assert.rejects(Pool.import(fs), code(PoolErrors.NOT_FOUND));
  await assert.rejects(Pool.import(mem(16)), code(PoolErrors.NOT_FOUND));
});

test('destroy leaves a device that is free again', async () => {
  const backing = mem();
  const open = reopenable(backing);
  const p = await Pool.create(open(), { name: 'p1', clusterSize: CS });
  await p.createReplica({ uuid: newUuid(), size: CS, thin: false });
  await p.destroy();
  assert.deepEqual(await Pool.probe(open()), { kind: 'empty' });
  await assert.rejects(Pool.import(open()), code(PoolErrors.NOT_FOUND));
  const p2 = await Pool.create(open(), { name: 'fresh', clusterSize: CS });
  assert.equal(p2.replicas().length, 0);
});

test('replica spec checks, idempotent create, grow, destroy, accounting', async () => {
  const p = await Pool.create(mem(), { name: 'p', clusterSize: CS });
  const id = newUuid();
  await assert.rejects(p.createReplica({ uuid: 'nope', size: CS, thin: false }), code('INVALID_UUID'));
  await assert.rejects(
    p.createReplica({ uuid: id, size: 1000, thin: false }),
    code(PoolErrors.INVALID_ARGUMENT),
  );
  await assert.rejects(
    p.createReplica({ uuid: id, size: 0, thin: false }),
    code(PoolErrors.INVALID_ARGUMENT),
  );
  await assert.rejects(
    p.createReplica({ uuid: id, size: p.capacity + CS, thin: true }),
    code(PoolErrors.NO_SPACE),
  );
  const r = await p.createReplica({ uuid: id, size: 2 * CS, thin: false });
  assert.equal(await p.createReplica({ uuid: id, size: 2 * CS, thin: false }), r, 'same spec: same replica');
  await assert.rejects(
    p.createReplica({ uuid: id, size: 3 * CS, thin: false }),
    code(PoolErrors.REPLICA_EXISTS),
  );
  await assert.rejects(
    p.createReplica({ uuid: newUuid(), name: id, size: CS, thin: false }),
    code(PoolErrors.REPLICA_EXISTS),
  );

  await r.write(2 * CS - 512, Buffer.alloc(512, 7));
  await assert.rejects(r.write(2 * CS, Buffer.alloc(512)), code(BdevErrors.OUT_OF_RANGE));
  await p.resizeReplica(id, 4 * CS);
  assert.equal(r.size, 4 * CS);
  await r.write(2 * CS, Buffer.alloc(512, 8));
  const b = Buffer.alloc(1024);
  await r.read(2 * CS - 512, b);
  assert.equal(b[0], 7);
  assert.equal(b[512], 8);
  await assert.rejects(p.resizeReplica(id, CS), code(PoolErrors.REPLICA_SHRINK));
  assert.equal(p.status().used, 4 * CS);

  // Thick allocation beyond free space fails cleanly and leaks nothing.
  const free = p.capacity - p.status().used;
  await assert.rejects(
    p
      .createReplica({ uuid: newUuid(), size: free + CS, thin: true })
      .then(() => p.createReplica({ uuid: newUuid(), size: free + CS, thin: false })),
    code(PoolErrors.NO_SPACE),
  );
  assert.equal(p.status().used, 4 * CS);

  await p.destroyReplica(id);
  await assert.rejects(r.read(0, Buffer.alloc(512)), code(BdevErrors.CLOSED));
  await assert.rejects(p.destroyReplica(id), code(PoolErrors.REPLICA_NOT_FOUND));
  assert.equal(p.status().used, 0);
});

test('a thin replica fails writes with BDEV_NO_SPACE when the pool is full, and keeps its data', async () => {
  const p = await Pool.create(mem(16), { name: 'p', clusterSize: CS });
  const n = p.clusterCount;
  const thin = await p.createReplica({ uuid: newUuid(), size: n * CS, thin: true });
  const hog = await p.createReplica({ uuid: newUuid(), size: (n - 1) * CS, thin: false });
  assert.ok(hog);
  await thin.write(0, Buffer.alloc(4096, 1));
  await assert.rejects(thin.write(CS, Buffer.alloc(4096, 2)), code(BdevErrors.NO_SPACE));
  const b = Buffer.alloc(4096);
  await thin.read(0, b);
  assert.equal(b[0], 1);
  await thin.read(CS, b);
  assert.equal(b[0], 0);
});

test('concurrent first writes to one thin cluster all land', async () => {
  const p = await Pool.create(mem(), { name: 'p', clusterSize: CS });
  const thin = await p.createReplica({ uuid: newUuid(), size: 8 * CS, thin: true });
  const writes = [];
  for (let i = 0; i < 64; i++) writes.push(thin.write(3 * CS + i * 4096, Buffer.alloc(4096, i + 1)));
  const reads = [thin.read(3 * CS, Buffer.alloc(4096))];
  await Promise.all([...writes, ...reads]);
  assert.equal(thin.allocatedBytes, CS);
  for (let i = 0; i < 64; i++) {
    const b = Buffer.alloc(4096);
    await thin.read(3 * CS + i * 4096, b);
    assert.ok(
      b.every((x) => x === i + 1),
      `block ${i}`,
    );
  }
});

test('metadata survives many checkpoint rollovers of a small journal', async () => {
  const backing = mem();
  const open = reopenable(backing);
  const p = await Pool.create(open(), { name: 'p', clusterSize: CS, journalSize: 8 * KiB, maxReplicas: 64 });
  const live = new Map<string, number>();
  for (let i = 0; i < 40; i++) {
    const id = newUuid();
    await p.createReplica({ uuid: id, size: (1 + (i % 3)) * CS, thin: i % 2 === 0 });
    live.set(id, (1 + (i % 3)) * CS);
    if (i % 4 === 3) {
      const victim = [...live.keys()][0]!;
      await p.destroyReplica(victim);
      live.delete(victim);
    }
  }
  const q = await Pool.import(open());
  assert.deepEqual(new Map(q.replicas().map((r) => [r.uuid, r.size])), live);
  assert.equal(q.durableState().fingerprint(), p.durableState().fingerprint());
});

test('geometry mismatches are refused with a clear error', async (t) => {
  const file = sparseFile(tmpDir(t), 'disk.img', 64 * MiB);
  const d512 = await FileDevice.open({ path: file, blockSize: 512, engine: 'aio' });
  const p = await Pool.create(d512, { name: 'p', clusterSize: CS });
  await p.export();
  const d4k = await FileDevice.open({ path: file, blockSize: 4096, engine: 'aio' });
  await assert.rejects(Pool.import(d4k), code(PoolErrors.GEOMETRY_MISMATCH));
  await d4k.close();
  const again = await FileDevice.open({ path: file, blockSize: 512, engine: 'aio' });
  const q = await Pool.import(again);
  assert.equal(q.name, 'p');
  await q.export();
});
