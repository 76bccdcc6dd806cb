/**
 * The NBD server against a byte-exact test client: negotiation, every command, every error the
 * spec defines, pipelining and out-of-order completion, lifecycle. The interoperability tests
 * with real clients are in clients.test.ts and kernel.test.ts.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { FaultInjectingDevice, MallocDevice, FileDevice, type BlockDevice } from '../../src/bdev/index.js';
import { NbdServer, type NbdServerOptions } from '../../src/nbd/server.js';
import { AllowList } from '../../src/nbd/allowlist.js';
import { parseHostPort } from '../../src/core/hostport.js';
import { ByteQueue, SlabAllocator, coalesce } from '../../src/nbd/buffers.js';
import {
  ClientFlags,
  Cmd,
  CmdFlags,
  Info,
  NbdErrno,
  Opt,
  Rep,
  ReplyType,
  TransmissionFlags as TF,
  encodeInfoRequest,
  encodeOption,
  encodeRequest,
} from '../../src/nbd/protocol.js';
import { isMayastorError } from '../../src/core/errors.js';
import { patternBuffer, tmpDir, sparseFile } from '../helpers/tmp.js';
import { RawClient, u32 } from './raw-client.js';
import { makeTlsFiles } from './util.js';

type Ctx = { after: (fn: () => unknown) => void };

async function startServer(
  t: Ctx,
  exports: Array<{
    name: string;
    dev: BlockDevice;
    readOnly?: boolean;
    default?: boolean;
    description?: string;
  }>,
  options: NbdServerOptions = {},
): Promise<{ server: NbdServer; port: number }> {
  const server = new NbdServer(options);
  for (const e of exports) server.addExport(e.name, e.dev, e);
  const addr = await server.listen({ host: '127.0.0.1', port: 0 });
  t.after(() => server.close({ graceMs: 500 }));
  return { server, port: addr.port };
}

function malloc(name = 'm0', blockSize = 512, mb = 8): MallocDevice {
  return new MallocDevice({ name, blockSize, numBlocks: (mb * 1024 * 1024) / blockSize });
}

describe('negotiation', () => {
  test('greeting, LIST with descriptions, INFO with every info type, then GO', async (t) => {
    const { port } = await startServer(t, [
      { name: 'alpha', dev: malloc('a', 512, 4), description: 'first disk' },
      { name: 'beta', dev: malloc('b', 4096, 8) },
    ]);
    const c = await RawClient.connect(port);
    const hflags = await c.readGreeting();
    assert.equal(hflags, 3, 'FIXED_NEWSTYLE | NO_ZEROES');
    c.send(u32(ClientFlags.C_FIXED_NEWSTYLE | ClientFlags.C_NO_ZEROES));

    const list = await c.option(Opt.LIST);
    assert.equal(list.length, 3);
    const servers = list.slice(0, 2).map((r) => {
      assert.equal(r.type, Rep.SERVER);
      const n = r.data.readUInt32BE(0);
      return [r.data.toString('utf8', 4, 4 + n), r.data.toString('utf8', 4 + n)];
    });
    assert.deepEqual(servers, [
      ['alpha', 'first disk'],
      ['beta', ''],
    ]);
    assert.equal(list[2]!.type, Rep.ACK);

    const a = await c.info('alpha');
    assert.equal(a.size, 4 * 1024 * 1024);
    assert.equal(a.name, 'alpha');
    assert.equal(a.description, 'first disk');
    assert.deepEqual(a.blockSizes, { min: 512, preferred: 4096, max: 32 * 1024 * 1024 });
    const want = TF.HAS_FLAGS | TF.SEND_FLUSH | TF.SEND_FUA | TF.SEND_TRIM | TF.SEND_WRITE_ZEROES;
    assert.equal(a.flags & want, want);
    assert.ok(a.flags & TF.CAN_MULTI_CONN);
    assert.ok(a.flags & TF.SEND_FAST_ZERO);
    assert.equal(a.flags & TF.SEND_DF, 0, 'DF only with structured replies');
    assert.equal(a.flags & TF.READ_ONLY, 0);

    const b = await c.go('beta');
    assert.deepEqual(b.blockSizes, { min: 4096, preferred: 4096, max: 32 * 1024 * 1024 });
    await c.write(0, patternBuffer(8192, 1));
    assert.deepEqual(await c.readData(0, 8192), patternBuffer(8192, 1));
    c.destroy();
  });

  test('refusals keep the negotiation going: unknown option, bad data, unknown export, TLS, meta contexts', async (t) => {
    const { port } = await startServer(t, [{ name: 'x', dev: malloc() }]);
    const c = await RawClient.handshake(port);
    const one = async (opt: number, data?: Buffer) => {
      const r = await c.option(opt, data);
      assert.equal(r.length, 1);
      assert.equal(r[0]!.option, opt);
      return r[0]!.type;
    };
    assert.equal(await one(12345), Rep.ERR_UNSUP);
    assert.equal(await one(Opt.STARTTLS), Rep.ERR_UNSUP);
    assert.equal(await one(Opt.SET_META_CONTEXT, Buffer.alloc(8)), Rep.ERR_UNSUP);
    assert.equal(await one(Opt.LIST_META_CONTEXT, Buffer.alloc(8)), Rep.ERR_UNSUP);
    assert.equal(await one(Opt.LIST, Buffer.from('junk')), Rep.ERR_INVALID);
    assert.equal(await one(Opt.STRUCTURED_REPLY, Buffer.from('x')), Rep.ERR_INVALID);
    assert.equal(await one(Opt.INFO, encodeInfoRequest('nope', [])), Rep.ERR_UNKNOWN);
    assert.equal(await one(Opt.GO, encodeInfoRequest('nope', [])), Rep.ERR_UNKNOWN);
    // Inconsistent lengths inside NBD_OPT_GO.
    const bad = encodeInfoRequest('x', [Info.BLOCK_SIZE]);
    assert.equal(await one(Opt.GO, bad.subarray(0, bad.length - 1)), Rep.ERR_INVALID);
    const huge = Buffer.from(bad);
    huge.writeUInt32BE(1000, 0);
    assert.equal(await one(Opt.GO, huge), Rep.ERR_INVALID);
    assert.equal(await one(Opt.INFO, Buffer.alloc(3)), Rep.ERR_INVALID);
    // Still usable.
    const info = await c.go('x');
    assert.equal(info.size, 8 * 1024 * 1024);
    c.destroy();
  });

  test('NBD_OPT_EXPORT_NAME: size, flags and 124 zeros unless NO_ZEROES; unknown name closes', async (t) => {
    const { server, port } = await startServer(t, [{ name: 'e', dev: malloc() }]);
    for (const noZeroes of [false, true]) {
      const c = await RawClient.handshake(
        port,
        ClientFlags.C_FIXED_NEWSTYLE | (noZeroes ? ClientFlags.C_NO_ZEROES : 0),
      );
      c.send(encodeOption(Opt.EXPORT_NAME, Buffer.from('e')));
      const b = await c.read(10 + (noZeroes ? 0 : 124));
      assert.equal(Number(b.readBigUInt64BE(0)), 8 * 1024 * 1024);
      assert.ok(b.readUInt16BE(8) & TF.HAS_FLAGS);
      assert.ok(b.subarray(10).every((x) => x === 0));
      await c.write(512, Buffer.alloc(512, 9));
      assert.equal(c.pending, 0, 'nothing beyond the zeros');
      c.destroy();
    }
    const before = server.counters.protocolViolations;
    const c = await RawClient.handshake(port);
    c.send(encodeOption(Opt.EXPORT_NAME, Buffer.from('missing')));
    await c.closed;
    assert.equal(server.counters.protocolViolations, before + 1);
  });

  test('the default export answers the empty name; ABORT is acknowledged and closes', async (t) => {
    const { port } = await startServer(t, [
      { name: 'one', dev: malloc('one', 512, 1) },
      { name: 'two', dev: malloc('two', 512, 2), default: true },
    ]);
    const c = await RawClient.handshake(port);
    const info = await c.info('');
    assert.equal(info.size, 2 * 1024 * 1024);
    assert.equal(info.name, 'two', 'canonical name of the default export');
    const r = await c.option(Opt.ABORT);
    assert.equal(r[0]!.type, Rep.ACK);
    await c.closed;
  });

  test('malformed negotiation or requests close only that connection, with the reason logged', async (t) => {
    const logged: Array<{ code?: string; reason?: string }> = [];
    const log = pino(
      { level: 'warn' },
      new Writable({
        write(chunk: Buffer, _enc, cb) {
          logged.push(JSON.parse(chunk.toString()) as { code?: string; reason?: string });
          cb();
        },
      }),
    );
    const { server, port } = await startServer(t, [{ name: 'x', dev: malloc() }], { log });
    const good = await RawClient.open(port, 'x');
    const cases: Array<[RegExp, (c: RawClient) => void]> = [
      [/unknown client flags/, (c) => c.send(u32(0x80))],
      [
        /bad option magic/,
        (c) => (c.send(u32(1)), c.send(Buffer.from('IHAVEOPX\0\0\0\x03\0\0\0\0', 'latin1'))),
      ],
      [
        /option data of 4294967280 bytes is larger/,
        (c) => {
          c.send(u32(1));
          const h = encodeOption(Opt.LIST);
          h.writeUInt32BE(0xfffffff0, 12);
          c.send(h);
        },
      ],
      [
        /bad request magic/,
        (c) => {
          c.send(u32(1));
          c.send(encodeOption(Opt.GO, encodeInfoRequest('x', [])));
          c.send(Buffer.alloc(28, 0x42));
        },
      ],
    ];
    for (const [what, act] of cases) {
      const before = server.counters.protocolViolations;
      const c = await RawClient.connect(port);
      await c.readGreeting();
      act(c);
      await c.closed;
      assert.equal(server.counters.protocolViolations, before + 1, String(what));
      const last = logged[logged.length - 1];
      assert.equal(last?.code, 'NBD_PROTOCOL_VIOLATION');
      assert.match(last?.reason ?? '', what);
    }
    await good.client.write(0, Buffer.alloc(512, 1));
    assert.deepEqual(await good.client.readData(0, 512), Buffer.alloc(512, 1));
    good.client.destroy();
  });

  test('a client that never finishes negotiating is dropped', async (t) => {
    const { port } = await startServer(t, [{ name: 'x', dev: malloc() }], { handshakeTimeoutMs: 200 });
    const c = await RawClient.connect(port);
    await c.readGreeting();
    await c.closed;
  });

  test('too many options end the negotiation', async (t) => {
    const { port } = await startServer(t, [{ name: 'x', dev: malloc() }], { maxOptions: 5 });
    const c = await RawClient.handshake(port);
    for (let i = 0; i < 5; i++) assert.equal((await c.option(999))[0]!.type, Rep.ERR_UNSUP);
    c.send(encodeOption(999));
    await c.closed;
  });
});

describe('transmission', () => {
  for (const structured of [false, true]) {
    test(`read, write, FUA, flush, trim, write-zeroes (${structured ? 'structured' : 'simple'} replies)`, async (t) => {
      const dev = malloc('m', 512, 4);
      const { port } = await startServer(t, [{ name: 'd', dev }]);
      const { client: c, info } = await RawClient.open(port, 'd', { structured });
      assert.equal((info.flags & TF.SEND_DF) !== 0, structured);
      const data = patternBuffer(64 * 1024, 7);
      await c.write(4096, data);
      await c.write(0, data.subarray(0, 4096), CmdFlags.FUA);
      const r = await c.call(Cmd.READ, 4096, data.length, { flags: structured ? CmdFlags.DF : 0 });
      assert.equal(r.error, 0);
      assert.deepEqual(r.data, data);
      if (structured) {
        assert.deepEqual(r.chunkTypes, [ReplyType.OFFSET_DATA]);
        assert.equal(r.offset, 4096);
      }
      assert.equal((await c.call(Cmd.FLUSH, 0, 0)).error, 0);
      assert.equal((await c.call(Cmd.TRIM, 4096, 8192, { flags: CmdFlags.FUA })).error, 0);
      assert.ok((await c.readData(4096, 8192)).every((x) => x === 0));
      assert.equal((await c.call(Cmd.WRITE_ZEROES, 16384, 4096)).error, 0);
      assert.equal((await c.call(Cmd.WRITE_ZEROES, 20480, 4096, { flags: CmdFlags.NO_HOLE })).error, 0);
      const after = await c.readData(12288, 16384);
      assert.deepEqual(after.subarray(0, 4096), data.subarray(8192, 12288));
      assert.ok(after.subarray(4096, 12288).every((x) => x === 0));
      assert.deepEqual(after.subarray(12288), data.subarray(20480, 24576));
      // Zero-length requests are answered and harmless.
      const z = await c.call(Cmd.READ, 0, 0);
      assert.equal(z.error, 0);
      if (structured) assert.deepEqual(z.chunkTypes, [ReplyType.NONE]);
      assert.equal((await c.call(Cmd.WRITE, 0, 0, { payload: Buffer.alloc(0) })).error, 0);
      assert.equal(dev.stats.numFlushOps >= 2, true, 'FUA write and flush reached the device');
      c.disconnect();
      await c.closed;
    });
  }

  test('trim rounds inward to whole blocks', async (t) => {
    const dev = malloc('m', 4096, 1);
    const { port } = await startServer(t, [{ name: 'd', dev }]);
    const { client: c } = await RawClient.open(port, 'd');
    await c.write(0, Buffer.alloc(16384, 0xaa));
    assert.equal((await c.call(Cmd.TRIM, 2048, 8192)).error, 0); // only block 4096..8192 goes
    const b = await c.readData(0, 16384);
    assert.ok(b.subarray(0, 4096).every((x) => x === 0xaa));
    assert.ok(b.subarray(4096, 8192).every((x) => x === 0));
    assert.ok(b.subarray(8192).every((x) => x === 0xaa));
    c.destroy();
  });

  for (const structured of [false, true]) {
    test(`errors the spec defines leave the connection usable (${structured ? 'structured' : 'simple'})`, async (t) => {
      const size = 1024 * 1024;
      const dev = new MallocDevice({ name: 'm', blockSize: 4096, numBlocks: size / 4096 });
      const { server, port } = await startServer(t, [{ name: 'd', dev }], { maxPayload: 64 * 1024 });
      const { client: c } = await RawClient.open(port, 'd', { structured });
      const cases: Array<[string, number, number, number, { flags?: number; payload?: Buffer }, number]> = [
        ['read past the end', Cmd.READ, size - 4096, 8192, {}, NbdErrno.EINVAL],
        ['read at a 2^63 offset', Cmd.READ, 2 ** 62, 4096, {}, NbdErrno.EINVAL],
        ['write past the end', Cmd.WRITE, size, 4096, { payload: Buffer.alloc(4096) }, NbdErrno.ENOSPC],
        ['write-zeroes past the end', Cmd.WRITE_ZEROES, size - 4096, 8192, {}, NbdErrno.ENOSPC],
        ['trim past the end', Cmd.TRIM, size, 4096, {}, NbdErrno.EINVAL],
        ['misaligned read', Cmd.READ, 512, 4096, {}, NbdErrno.EINVAL],
        ['misaligned write', Cmd.WRITE, 0, 1000, { payload: Buffer.alloc(1000) }, NbdErrno.EINVAL],
        ['misaligned write-zeroes', Cmd.WRITE_ZEROES, 100, 4096, {}, NbdErrno.EINVAL],
        ['read larger than the maximum', Cmd.READ, 0, 128 * 1024, {}, NbdErrno.EINVAL],
        [
          'write larger than the maximum',
          Cmd.WRITE,
          0,
          96 * 1024,
          { payload: Buffer.alloc(96 * 1024, 5) },
          NbdErrno.EINVAL,
        ],
        ['unknown command', 42, 0, 4096, {}, NbdErrno.EINVAL],
        ['block status without a context', Cmd.BLOCK_STATUS, 0, 4096, {}, NbdErrno.EINVAL],
        ['unknown flag', Cmd.READ, 0, 4096, { flags: 1 << 9 }, NbdErrno.EINVAL],
        ['NO_HOLE on a read', Cmd.READ, 0, 4096, { flags: CmdFlags.NO_HOLE }, NbdErrno.EINVAL],
        ['flush with an offset', Cmd.FLUSH, 4096, 0, {}, NbdErrno.EINVAL],
      ];
      if (!structured)
        cases.push([
          'DF without structured replies',
          Cmd.READ,
          0,
          4096,
          { flags: CmdFlags.DF },
          NbdErrno.EINVAL,
        ]);
      for (const [what, type, offset, length, opts, errno] of cases) {
        const r = await c.call(type, offset, length, opts);
        assert.equal(r.error, errno, what);
        assert.equal(r.data, undefined, `${what}: no data with an error`);
        if (structured) {
          assert.deepEqual(r.chunkTypes, [ReplyType.ERROR], what);
          assert.ok(r.message && r.message.length > 0, `${what}: error message`);
        }
        // The stream is still in step: a normal request right after works.
        await c.write(8192, Buffer.alloc(4096, 3));
      }
      assert.equal(server.counters.protocolViolations, 0);
      assert.ok(!c.isClosed);
      // A write whose payload would be absurd cannot be skipped sensibly: that closes.
      c.request(Cmd.WRITE, 0, 0x7fffffff);
      await c.closed;
      assert.equal(server.counters.protocolViolations, 1);
    });
  }

  test('read-only exports refuse writes with EPERM and say so in their flags', async (t) => {
    const dev = malloc();
    await dev.write(0, Buffer.alloc(512, 4));
    const { port } = await startServer(t, [{ name: 'ro', dev, readOnly: true }]);
    const { client: c, info } = await RawClient.open(port, 'ro');
    assert.ok(info.flags & TF.READ_ONLY);
    assert.equal(info.flags & (TF.SEND_TRIM | TF.SEND_WRITE_ZEROES), 0);
    assert.equal((await c.call(Cmd.WRITE, 0, 512, { payload: Buffer.alloc(512) })).error, NbdErrno.EPERM);
    assert.equal((await c.call(Cmd.TRIM, 0, 512)).error, NbdErrno.EPERM);
    assert.equal((await c.call(Cmd.WRITE_ZEROES, 0, 512)).error, NbdErrno.EPERM);
    assert.deepEqual(await c.readData(0, 512), Buffer.alloc(512, 4));
    c.destroy();
  });

  test('WRITE_ZEROES: without NO_HOLE memory is released, with NO_HOLE it stays provisioned', async (t) => {
    const dev = new MallocDevice({ name: 'm', blockSize: 4096, numBlocks: 1024 }); // 4 MiB, 1 MiB chunks
    const { port } = await startServer(t, [{ name: 'd', dev }]);
    const { client: c } = await RawClient.open(port, 'd');
    const MiB = 1024 * 1024;
    await c.write(0, Buffer.alloc(MiB, 1));
    await c.write(MiB, Buffer.alloc(MiB, 2));
    assert.equal(dev.allocatedBytes, 2 * MiB);
    assert.equal((await c.call(Cmd.WRITE_ZEROES, 0, MiB)).error, 0);
    assert.equal(dev.allocatedBytes, MiB, 'plain write-zeroes may punch a hole');
    assert.equal((await c.call(Cmd.WRITE_ZEROES, MiB, MiB, { flags: CmdFlags.NO_HOLE })).error, 0);
    assert.equal(dev.allocatedBytes, MiB, 'NO_HOLE keeps the range allocated');
    assert.equal((await c.call(Cmd.WRITE_ZEROES, 2 * MiB, MiB, { flags: CmdFlags.NO_HOLE })).error, 0);
    assert.equal(dev.allocatedBytes, 2 * MiB, 'NO_HOLE provisions a range that was a hole');
    assert.ok((await c.readData(0, 3 * MiB)).every((x) => x === 0));
    c.destroy();
  });

  test('FAST_ZERO: fast on RAM, fails fast with ENOTSUP on files and with NO_HOLE, touching nothing', async (t) => {
    const dir = tmpDir(t);
    const file = await FileDevice.open({
      path: sparseFile(dir, 'f.img', 1 << 20),
      blockSize: 512,
      engine: 'aio',
    });
    t.after(() => file.close());
    const ram = malloc();
    const { port } = await startServer(t, [
      { name: 'file', dev: file },
      { name: 'ram', dev: ram },
    ]);
    for (const [name, fast] of [
      ['file', false],
      ['ram', true],
    ] as const) {
      const { client: c, info } = await RawClient.open(port, name);
      assert.ok(info.flags & TF.SEND_FAST_ZERO);
      await c.write(0, Buffer.alloc(4096, 0x5a));
      const r = await c.call(Cmd.WRITE_ZEROES, 0, 4096, { flags: CmdFlags.FAST_ZERO });
      assert.equal(r.error, fast ? 0 : NbdErrno.ENOTSUP, name);
      const r2 = await c.call(Cmd.WRITE_ZEROES, 0, 4096, { flags: CmdFlags.FAST_ZERO | CmdFlags.NO_HOLE });
      if (!fast) {
        assert.equal(r2.error, NbdErrno.ENOTSUP);
        assert.deepEqual(await c.readData(0, 4096), Buffer.alloc(4096, 0x5a), 'unchanged after ENOTSUP');
      }
      assert.equal((await c.call(Cmd.WRITE_ZEROES, 0, 4096)).error, 0, 'plain write-zeroes always works');
      assert.ok((await c.readData(0, 4096)).every((x) => x === 0));
      c.destroy();
    }
  });

  test('device errors become EIO with a message, and the connection carries on', async (t) => {
    const dev = new FaultInjectingDevice(malloc());
    dev.inject({ ops: ['read'], offset: 0, length: 4096, action: { type: 'error' } });
    dev.inject({ ops: ['flush'], action: { type: 'error' }, count: 1 });
    const { port } = await startServer(t, [{ name: 'd', dev }]);
    const { client: c } = await RawClient.open(port, 'd', { structured: true });
    const r = await c.call(Cmd.READ, 0, 4096);
    assert.equal(r.error, NbdErrno.EIO);
    assert.match(r.message!, /BDEV_IO_ERROR/);
    assert.equal((await c.call(Cmd.FLUSH, 0, 0)).error, NbdErrno.EIO);
    assert.equal((await c.call(Cmd.FLUSH, 0, 0)).error, 0);
    await c.write(8192, Buffer.alloc(512, 1));
    c.destroy();
  });

  test('pipelined requests complete out of order, each reply carrying its own handle', async (t) => {
    const dev = new FaultInjectingDevice(malloc('m', 512, 4));
    // Reads of the first 64 KiB are slow; everything else is immediate.
    dev.inject({ ops: ['read'], offset: 0, length: 65536, action: { type: 'delay', ms: 150 } });
    const { port } = await startServer(t, [{ name: 'd', dev }]);
    const { client: c } = await RawClient.open(port, 'd', { structured: true });
    const blocks = 64;
    for (let i = 0; i < blocks; i++) await c.write(i * 4096, patternBuffer(4096, i + 1));
    const lengths = new Map<bigint, number>();
    const expect = new Map<bigint, number>();
    const order: number[] = [];
    // One TCP write carrying all requests, slow ones first.
    const msgs: Buffer[] = [];
    for (let i = 0; i < blocks; i++) {
      const handle = BigInt(1000 + i) * 0x100000001n; // both halves of the handle matter
      msgs.push(encodeRequest({ type: Cmd.READ, handle, offset: i * 4096, length: 4096 }));
      lengths.set(handle, 4096);
      expect.set(handle, i);
    }
    c.send(Buffer.concat(msgs));
    for (let n = 0; n < blocks; n++) {
      const r = await c.readReply(lengths);
      const i = expect.get(r.handle);
      assert.notEqual(i, undefined, `unknown handle ${r.handle}`);
      assert.equal(r.error, 0);
      assert.deepEqual(r.data, patternBuffer(4096, i! + 1), `data of block ${i}`);
      order.push(i!);
      expect.delete(r.handle);
    }
    assert.equal(expect.size, 0);
    assert.ok(
      order.indexOf(0) > order.indexOf(16),
      `the slow read finished after fast ones: ${order.join(',')}`,
    );
    c.destroy();
  });

  test('writes split into single bytes across TCP segments, and many packed in one segment', async (t) => {
    const dev = malloc();
    const { port } = await startServer(t, [{ name: 'd', dev }]);
    const { client: c } = await RawClient.open(port, 'd');
    const data = patternBuffer(1024, 3);
    const msg = encodeRequest({ type: Cmd.WRITE, handle: 77n, offset: 1024, length: 1024 }, data);
    for (let i = 0; i < msg.length; i++) {
      c.send(msg.subarray(i, i + 1));
      if (i % 64 === 0) await new Promise((r) => setImmediate(r));
    }
    const r = await c.readReply();
    assert.equal(r.handle, 77n);
    assert.equal(r.error, 0);
    assert.deepEqual(await c.readData(1024, 1024), data);

    // 300 writes in one send, then read everything back.
    const parts: Buffer[] = [];
    for (let i = 0; i < 300; i++) {
      parts.push(
        encodeRequest(
          { type: Cmd.WRITE, handle: BigInt(i), offset: i * 512, length: 512 },
          patternBuffer(512, 100 + i),
        ),
      );
    }
    c.send(Buffer.concat(parts));
    const seen = new Set<bigint>();
    for (let i = 0; i < 300; i++) {
      const rr = await c.readReply();
      assert.equal(rr.error, 0);
      seen.add(rr.handle);
    }
    assert.equal(seen.size, 300);
    const all = await c.readData(0, 300 * 512);
    for (let i = 0; i < 300; i++)
      assert.deepEqual(all.subarray(i * 512, (i + 1) * 512), patternBuffer(512, 100 + i));
    c.destroy();
  });

  test('backpressure: more requests than the in-flight cap all complete', async (t) => {
    const dev = new FaultInjectingDevice(malloc());
    dev.inject({ ops: ['write'], action: { type: 'delay', ms: 5 } });
    const { port } = await startServer(t, [{ name: 'd', dev }], { maxInflight: 4 });
    const { client: c } = await RawClient.open(port, 'd');
    const parts: Buffer[] = [];
    for (let i = 0; i < 100; i++) {
      parts.push(
        encodeRequest(
          { type: Cmd.WRITE, handle: BigInt(i), offset: i * 512, length: 512 },
          Buffer.alloc(512, i),
        ),
      );
    }
    c.send(Buffer.concat(parts));
    for (let i = 0; i < 100; i++) assert.equal((await c.readReply()).error, 0);
    c.destroy();
  });

  test('a client that half-closes still gets every reply, even beyond the in-flight cap', async (t) => {
    const dev = new FaultInjectingDevice(malloc());
    dev.inject({ ops: ['read'], action: { type: 'delay', ms: 2 } });
    const { port } = await startServer(t, [{ name: 'd', dev }], { maxInflight: 3 });
    const { client: c } = await RawClient.open(port, 'd');
    const lengths = new Map<bigint, number>();
    const parts: Buffer[] = [];
    for (let i = 0; i < 60; i++) {
      parts.push(encodeRequest({ type: Cmd.READ, handle: BigInt(i), offset: i * 512, length: 512 }));
      lengths.set(BigInt(i), 512);
    }
    c.send(Buffer.concat(parts));
    c.socket.end();
    const seen = new Set<bigint>();
    for (let i = 0; i < 60; i++) {
      const r = await c.readReply(lengths);
      assert.equal(r.error, 0);
      seen.add(r.handle);
    }
    assert.equal(seen.size, 60);
    await c.closed;
  });

  test('NBD_CMD_DISC answers what is in flight, then closes', async (t) => {
    const dev = new FaultInjectingDevice(malloc());
    dev.inject({ ops: ['write'], action: { type: 'delay', ms: 100 } });
    const { port } = await startServer(t, [{ name: 'd', dev }]);
    const { client: c } = await RawClient.open(port, 'd');
    const h = c.request(Cmd.WRITE, 0, 512, { payload: Buffer.alloc(512, 8) });
    c.disconnect();
    const r = await c.readReply();
    assert.equal(r.handle, h);
    assert.equal(r.error, 0);
    await c.closed;
    const b = Buffer.alloc(512);
    await dev.read(0, b);
    assert.deepEqual(b, Buffer.alloc(512, 8));
  });

  test('multi-conn: a flush on one connection covers writes acknowledged on another', async (t) => {
    const dir = tmpDir(t);
    const file = await FileDevice.open({
      path: sparseFile(dir, 'f.img', 1 << 20),
      blockSize: 512,
      engine: 'aio',
    });
    t.after(() => file.close());
    const { port } = await startServer(t, [{ name: 'd', dev: file }]);
    const a = (await RawClient.open(port, 'd')).client;
    const b = (await RawClient.open(port, 'd')).client;
    await a.write(4096, patternBuffer(4096, 11));
    const flushesBefore = file.stats.numFlushOps;
    assert.equal((await b.call(Cmd.FLUSH, 0, 0)).error, 0);
    assert.equal(file.stats.numFlushOps, flushesBefore + 1);
    assert.deepEqual(await b.readData(4096, 4096), patternBuffer(4096, 11));
    assert.deepEqual(fs.readFileSync(path.join(dir, 'f.img')).subarray(4096, 8192), patternBuffer(4096, 11));
    a.destroy();
    b.destroy();
  });
});

describe('server lifecycle and access', () => {
  test('allow-list: refused addresses are dropped before the greeting', async (t) => {
    const { server, port } = await startServer(t, [{ name: 'd', dev: malloc() }], {
      allow: ['10.0.0.0/8', 'fd00::/8'],
    });
    const c = await RawClient.connect(port);
    await c.closed;
    assert.equal(c.pending, 0, 'not even the greeting');
    assert.equal(server.counters.connectionsRefused, 1);
    const { port: port2 } = await startServer(t, [{ name: 'd', dev: malloc() }], {
      allow: ['192.168.0.1', '127.0.0.0/8'],
    });
    const ok = await RawClient.open(port2, 'd');
    ok.client.destroy();
  });

  test('TLS required: only STARTTLS and ABORT before it, then a full session inside TLS', async (t) => {
    const files = makeTlsFiles(tmpDir(t));
    const ca = fs.readFileSync(files.serverCert);
    const { server, port } = await startServer(t, [{ name: 'd', dev: malloc() }], {
      tls: { cert: ca, key: fs.readFileSync(files.serverKey) },
    });
    const c = await RawClient.handshake(port);
    for (const opt of [Opt.LIST, Opt.STRUCTURED_REPLY, Opt.INFO, 999]) {
      const data = opt === Opt.INFO ? encodeInfoRequest('d', []) : undefined;
      assert.equal((await c.option(opt, data))[0]!.type, Rep.ERR_TLS_REQD, `option ${opt}`);
    }
    await assert.rejects(c.go('d'), (e: Error & { reply?: number }) => e.reply === Rep.ERR_TLS_REQD);
    assert.equal((await c.option(Opt.STARTTLS, Buffer.from('x')))[0]!.type, Rep.ERR_INVALID);
    assert.equal((await c.option(Opt.STARTTLS))[0]!.type, Rep.ACK);
    const ts = await c.startTls({ ca, servername: 'localhost' });
    assert.equal(ts.authorized, true);
    assert.equal((await c.option(Opt.STARTTLS))[0]!.type, Rep.ERR_INVALID, 'TLS is already on');
    assert.equal((await c.option(Opt.STRUCTURED_REPLY))[0]!.type, Rep.ACK);
    c.structured = true;
    const info = await c.go('d');
    assert.ok(info.flags & TF.SEND_DF);
    await c.write(4096, patternBuffer(65536, 9));
    assert.deepEqual(await c.readData(4096, 65536), patternBuffer(65536, 9));
    c.disconnect();
    await c.closed;

    // NBD_OPT_EXPORT_NAME cannot be refused politely: without TLS it ends the session.
    const before = server.counters.protocolViolations;
    const p = await RawClient.handshake(port);
    p.send(encodeOption(Opt.EXPORT_NAME, Buffer.from('d')));
    await p.closed;
    assert.equal(server.counters.protocolViolations, before + 1);
  });

  test('TLS with client certificates: a client without a trusted one fails the handshake', async (t) => {
    const files = makeTlsFiles(tmpDir(t));
    const ca = fs.readFileSync(files.serverCert);
    const { port } = await startServer(t, [{ name: 'd', dev: malloc() }], {
      tls: { cert: ca, key: fs.readFileSync(files.serverKey), ca: fs.readFileSync(files.clientCert) },
    });
    const anon = await RawClient.handshake(port);
    assert.equal((await anon.option(Opt.STARTTLS))[0]!.type, Rep.ACK);
    // TLS 1.3 reports the refused client certificate after the client's side of the handshake.
    await assert.rejects(async () => {
      await anon.startTls({ ca, servername: 'localhost' });
      await anon.option(Opt.LIST);
    });
    await anon.closed;
    const c = await RawClient.handshake(port);
    assert.equal((await c.option(Opt.STARTTLS))[0]!.type, Rep.ACK);
    await c.startTls({
      ca,
      servername: 'localhost',
      cert: fs.readFileSync(files.clientCert),
      key: fs.readFileSync(files.clientKey),
    });
    await c.go('d');
    await c.write(0, Buffer.alloc(512, 3));
    c.destroy();
  });

  test('AllowList matches IPv4, IPv6 and IPv4-mapped addresses, and rejects nonsense', () => {
    const a = new AllowList(['10.1.0.0/16', '192.168.7.7', 'fd00::/8']);
    assert.equal(a.allows('10.1.2.3'), true);
    assert.equal(a.allows('10.2.0.1'), false);
    assert.equal(a.allows('192.168.7.7'), true);
    assert.equal(a.allows('192.168.7.8'), false);
    assert.equal(a.allows('::ffff:10.1.9.9'), true);
    assert.equal(a.allows('fd12::1'), true);
    assert.equal(a.allows('fe80::1'), false);
    assert.equal(a.allows(undefined), false);
    assert.equal(new AllowList([]).allows('127.0.0.1'), false);
    for (const bad of ['10.0.0.0/33', 'host.example', '10.0.0.0/x', '::/129']) {
      assert.throws(
        () => new AllowList([bad]),
        (e) => isMayastorError(e, 'NBD_ADDRESS_INVALID'),
        bad,
      );
    }
  });

  test('removeExport lets in-flight I/O finish, then disconnects its clients only', async (t) => {
    const slow = new FaultInjectingDevice(malloc('slow'));
    slow.inject({ ops: ['write'], action: { type: 'delay', ms: 150 } });
    const { server, port } = await startServer(t, [
      { name: 'gone', dev: slow },
      { name: 'stays', dev: malloc('stays') },
    ]);
    const g = (await RawClient.open(port, 'gone')).client;
    const s = (await RawClient.open(port, 'stays')).client;
    const h = g.request(Cmd.WRITE, 0, 512, { payload: Buffer.alloc(512, 1) });
    await new Promise((r) => setTimeout(r, 20));
    await server.removeExport('gone');
    const r = await g.readReply();
    assert.equal(r.handle, h);
    assert.equal(r.error, 0);
    await g.closed;
    await s.write(0, Buffer.alloc(512, 2));
    const c = await RawClient.handshake(port);
    await assert.rejects(c.go('gone'), (e: Error & { reply?: number }) => e.reply === Rep.ERR_UNKNOWN);
    assert.deepEqual(
      server.listExports().map((e) => e.name),
      ['stays'],
    );
    c.destroy();
    s.destroy();
    await assert.rejects(server.removeExport('gone'), (e) => isMayastorError(e, 'NBD_EXPORT_NOT_FOUND'));
    assert.throws(
      () => server.addExport('stays', malloc()),
      (e) => isMayastorError(e, 'NBD_EXPORT_EXISTS'),
    );
  });

  test('close waits for in-flight I/O, answers later requests with ESHUTDOWN, errors options', async () => {
    const dev = new FaultInjectingDevice(malloc());
    const hang = dev.inject({ ops: ['write'], action: { type: 'hang' } });
    const server = new NbdServer();
    server.addExport('d', dev);
    const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
    const { client: c } = await RawClient.open(port, 'd');
    const negotiating = await RawClient.handshake(port);
    const h1 = c.request(Cmd.WRITE, 0, 512, { payload: Buffer.alloc(512, 6) });
    await new Promise((r) => setTimeout(r, 20));
    let closed = false;
    const closing = server.close({ graceMs: 10_000 }).then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 20));
    const h2 = c.request(Cmd.READ, 0, 512);
    const r2 = await c.readReply();
    assert.equal(r2.handle, h2);
    assert.equal(r2.error, NbdErrno.ESHUTDOWN);
    const o = await negotiating.option(Opt.LIST);
    assert.equal(o[0]!.type, Rep.ERR_SHUTDOWN);
    assert.equal(closed, false, 'close waits for the hung write');
    dev.remove(hang);
    const r1 = await c.readReply();
    assert.equal(r1.handle, h1);
    assert.equal(r1.error, 0);
    await c.closed;
    await closing;
    await negotiating.closed;
    const b = Buffer.alloc(512);
    await dev.read(0, b);
    assert.deepEqual(b, Buffer.alloc(512, 6));
    await assert.rejects(
      new Promise((resolve, reject) =>
        net.connect(port, '127.0.0.1').on('connect', resolve).on('error', reject),
      ),
    );
  });
});

describe('building blocks', () => {
  test('parseHostPort', () => {
    assert.deepEqual(parseHostPort('127.0.0.1:10809'), { host: '127.0.0.1', port: 10809 });
    assert.deepEqual(parseHostPort('[::1]:0'), { host: '::1', port: 0 });
    assert.deepEqual(parseHostPort(':10809'), { host: '::', port: 10809 });
    assert.deepEqual(parseHostPort('localhost:1'), { host: 'localhost', port: 1 });
    for (const bad of ['127.0.0.1', '1.2.3.4:70000', '::1:10809', 'a:b', '']) {
      assert.throws(
        () => parseHostPort(bad),
        (e) => isMayastorError(e, 'ADDRESS_INVALID'),
        bad,
      );
    }
  });

  test('ByteQueue hands out views when contiguous and copies across chunks', () => {
    const q = new ByteQueue();
    const a = Buffer.from([1, 2, 3, 4]);
    q.push(a);
    q.push(Buffer.from([5, 6]));
    q.push(Buffer.alloc(0));
    assert.equal(q.length, 6);
    const v = q.take(2);
    assert.equal(v.buffer, a.buffer, 'a view of the received chunk');
    assert.deepEqual([...q.take(3)], [3, 4, 5]);
    assert.equal(q.skip(10), 1);
    assert.equal(q.length, 0);
    assert.equal(q.contiguous(1), false);
  });

  test('SlabAllocator and coalesce merge adjacent replies into one buffer', () => {
    const s = new SlabAllocator(1024, 256);
    const a = s.alloc(16);
    const b = s.alloc(100);
    const big = s.alloc(300);
    const c = s.alloc(16);
    a.fill(1);
    b.fill(2);
    c.fill(3);
    big.fill(4);
    const merged = coalesce([a, b, big, c]);
    assert.equal(merged.length, 3);
    assert.deepEqual(merged[0], Buffer.concat([a, b]));
    assert.deepEqual(coalesce([c, a]).length, 2, 'order matters');
    for (let i = 0; i < 100; i++) assert.equal(s.alloc(200).length, 200);
  });
});
