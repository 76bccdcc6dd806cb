/**
 * Fuzzing the NBD server with mutated protocol messages, in both phases, over real TCP.
 *
 * Several fuzzing clients open connection after connection. Each sends client flags and then
 * either a stream of options, or a clean negotiation followed by a stream of requests; about 60%
 * of the messages are mutated (bit flips, odd bytes, interesting 16/32-bit values in any field:
 * flags, types, handles, offsets, lengths, option codes, names, info lists) in ways that keep
 * the message framing, so the server parses every one of them and the count is exact. Each
 * connection then ends with one message that breaks or ends the stream (damaged magic,
 * truncation, inserted or spliced bytes, absurd write lengths, missing payload, DISC, GO,
 * EXPORT_NAME of unknown exports, ABORT), and the bytes go out in randomly sized TCP writes.
 *
 * Meanwhile a well-behaved client keeps writing, reading back and verifying data on its own
 * export. The server must parse every well-framed message (its own counters), must not crash,
 * must serve the good client correctly throughout, must not leak connections, and must accept
 * new clients afterwards. NBD_FUZZ_MESSAGES (default 100,000 mutated messages) sets the size,
 * NBD_FUZZ_SEED reproduces a run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { MallocDevice } from '../../src/bdev/index.js';
import { NbdServer } from '../../src/nbd/server.js';
import {
  ClientFlags,
  Cmd,
  CmdFlags,
  Info,
  NBD_REQUEST_MAGIC,
  Opt,
  encodeInfoRequest,
  encodeOption,
  encodeRequest,
} from '../../src/nbd/protocol.js';
import { RawClient, u32 } from './raw-client.js';
import { Prng } from '../../src/core/prng.js';

const TARGET = Number(process.env.NBD_FUZZ_MESSAGES ?? 100_000);
const SEED = Number(process.env.NBD_FUZZ_SEED ?? Date.now() % 0x7fffffff) | 0 || 1;
const WORKERS = 4;
const MiB = 1024 * 1024;
const FUZZ_SIZE = 16 * MiB;

const INTERESTING_32 = [
  0,
  1,
  2,
  511,
  512,
  513,
  4095,
  4096,
  65536,
  0x7fffffff,
  0x80000000,
  0xffffffff,
  0xfffffffe,
  FUZZ_SIZE - 512,
  FUZZ_SIZE,
  FUZZ_SIZE + 512,
  32 * MiB,
  32 * MiB + 1,
  64 * MiB + 1,
  4 * MiB,
];
const INTERESTING_16 = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0x10, 0x20, 0x8000, 0xffff, 0x7fff];

/** Damage fields of a copy of `msg` without changing its size; the first `keepHead` bytes stay. */
function mutateFields(r: Prng, msg: Buffer, keepHead: number): Buffer {
  const b = Buffer.from(msg);
  const span = b.length - keepHead;
  if (span <= 0) return b;
  for (let k = 0, rounds = 1 + r.below(3); k < rounds; k++) {
    switch (r.below(4)) {
      case 0: // bit flips
        for (let i = 0, n = 1 + r.below(4); i < n; i++) b[keepHead + r.below(span)]! ^= 1 << r.below(8);
        break;
      case 1: // a byte set to something odd
        b[keepHead + r.below(span)] = r.pick([0, 0xff, 0x7f, 0x80, r.below(256)]);
        break;
      case 2: {
        // an interesting 32-bit value somewhere (lengths, offsets, handles, option codes)
        const at = keepHead + r.below(span);
        if (at + 4 <= b.length) b.writeUInt32BE(r.pick(INTERESTING_32), at);
        break;
      }
      default: {
        // an interesting 16-bit value somewhere (flags, types, info requests)
        const at = keepHead + r.below(span);
        if (at + 2 <= b.length) b.writeUInt16BE(r.pick(INTERESTING_16), at);
        break;
      }
    }
  }
  return b;
}

/** Damage that desynchronises the stream: magic, truncation, inserted bytes, splicing. */
function mutateStructure(r: Prng, msg: Buffer, other: Buffer): Buffer {
  switch (r.below(4)) {
    case 0: {
      const b = Buffer.from(msg);
      b[r.below(Math.min(8, b.length))]! ^= 1 << r.below(8);
      return b;
    }
    case 1:
      return msg.subarray(0, r.below(msg.length));
    case 2: {
      const at = r.below(msg.length + 1);
      return Buffer.concat([msg.subarray(0, at), r.bytes(1 + r.below(16)), msg.subarray(at)]);
    }
    default: {
      const at = r.below(msg.length + 1);
      return Buffer.concat([msg.subarray(0, at), other.subarray(1 + r.below(Math.max(1, other.length - 1)))]);
    }
  }
}

/** A mutated request the server will still frame exactly like the original (same size, still one message). */
function requestKeepsFraming(orig: Buffer, m: Buffer): boolean {
  if (m.length !== orig.length || m.readUInt32BE(0) !== NBD_REQUEST_MAGIC) return false;
  const ot = orig.readUInt16BE(6);
  const mt = m.readUInt16BE(6);
  if (mt === Cmd.DISC) return false;
  if ((ot === Cmd.WRITE) !== (mt === Cmd.WRITE)) return false;
  return mt !== Cmd.WRITE || m.readUInt32BE(24) === orig.readUInt32BE(24);
}

/** Likewise for options; options that end the negotiation (GO, EXPORT_NAME, ABORT) do not count. */
function optionKeepsFraming(orig: Buffer, m: Buffer): boolean {
  if (m.length !== orig.length || !m.subarray(0, 8).equals(orig.subarray(0, 8))) return false;
  if (m.readUInt32BE(12) !== m.length - 16) return false;
  const code = m.readUInt32BE(8);
  return code !== Opt.GO && code !== Opt.EXPORT_NAME && code !== Opt.ABORT;
}

function exportName(r: Prng): string {
  return r.pick(['fuzz', 'fuzzro', '', 'nope', 'x'.repeat(5000)]);
}

function infoList(r: Prng): number[] {
  return [Info.EXPORT, Info.NAME, Info.DESCRIPTION, Info.BLOCK_SIZE, 77].filter(() => r.chance(0.5));
}

/** Options that keep the negotiation going. */
function midOption(r: Prng): Buffer {
  switch (r.below(6)) {
    case 0:
      return encodeOption(Opt.LIST);
    case 1:
      return encodeOption(Opt.STRUCTURED_REPLY);
    case 2:
      return encodeOption(Opt.INFO, encodeInfoRequest(exportName(r), infoList(r)));
    case 3:
      return encodeOption(Opt.STARTTLS);
    case 4:
      return encodeOption(r.pick([Opt.SET_META_CONTEXT, Opt.LIST_META_CONTEXT]), r.bytes(r.below(40)));
    default:
      return encodeOption(12 + r.below(64), r.bytes(r.below(32)));
  }
}

/** Options that end the negotiation one way or another. */
function finalOption(r: Prng): Buffer {
  switch (r.below(3)) {
    case 0:
      return encodeOption(Opt.GO, encodeInfoRequest(exportName(r), infoList(r)));
    case 1:
      return encodeOption(Opt.EXPORT_NAME, Buffer.from(exportName(r)));
    default:
      return encodeOption(Opt.ABORT, r.chance(0.2) ? r.bytes(4) : undefined);
  }
}

function request(r: Prng, h: bigint): Buffer {
  const type = r.pick([
    Cmd.READ,
    Cmd.READ,
    Cmd.WRITE,
    Cmd.WRITE,
    Cmd.FLUSH,
    Cmd.TRIM,
    Cmd.WRITE_ZEROES,
    Cmd.CACHE,
    Cmd.BLOCK_STATUS,
    9,
    10 + r.below(65000),
  ]);
  const len = r.pick([0, 512, 4096, 8192, 65536, 512 * r.below(64)]);
  const offset = r.chance(0.1)
    ? r.pick([FUZZ_SIZE, FUZZ_SIZE - 512, 2 ** 40, 2 ** 53])
    : 512 * r.below(FUZZ_SIZE / 512 - 128);
  const flags = r.chance(0.7)
    ? 0
    : r.pick([
        CmdFlags.FUA,
        CmdFlags.NO_HOLE,
        CmdFlags.DF,
        CmdFlags.FAST_ZERO,
        CmdFlags.REQ_ONE,
        r.below(65536),
      ]);
  if (type === Cmd.FLUSH) return encodeRequest({ type, flags, handle: h, offset: 0, length: 0 });
  const payload = type === Cmd.WRITE ? Buffer.alloc(len, Number(h & 0xffn)) : undefined;
  return encodeRequest({ type, flags, handle: h, offset, length: len }, payload);
}

/** The last request of a connection: something that ends or desynchronises the stream. */
function finalRequest(r: Prng, h: bigint): Buffer {
  const req = request(r, h);
  switch (r.below(5)) {
    case 0:
      return encodeRequest({ type: Cmd.DISC, handle: h, offset: 0, length: 0 });
    case 1: // a write whose payload would be absurd
      return encodeRequest({
        type: Cmd.WRITE,
        handle: h,
        offset: 0,
        length: r.pick([0x7fffffff, 0xffffffff, 65 * MiB]),
      });
    case 2: // a write announcing more payload than follows
      return encodeRequest(
        { type: Cmd.WRITE, handle: h, offset: 0, length: 1 << 20 },
        r.bytes(r.below(4096)),
      );
    default:
      return mutateStructure(r, req, request(r, h + 1n));
  }
}

/** Send `data` in randomly sized TCP writes, then end our side and wait until the server closes. */
async function sendAndClose(r: Prng, s: net.Socket, data: Buffer): Promise<void> {
  const closed = new Promise<void>((resolve) => s.once('close', () => resolve()));
  for (let pos = 0; pos < data.length && !s.destroyed;) {
    const n = r.chance(0.3) ? 1 + r.below(64) : 1 + r.below(64 * 1024);
    s.write(data.subarray(pos, pos + n));
    pos += n;
    if (r.chance(0.2)) await new Promise((res) => setImmediate(res));
  }
  s.end();
  await closed;
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.on('error', () => {}); // resets are part of the game
    s.on('data', () => {}); // replies are drained and ignored
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

interface ConnectionResult {
  /** Messages the server must parse: everything before the final, stream-ending message. */
  framed: number;
  /** How many of those were mutated. */
  mutated: number;
}

/**
 * One fuzzing connection: client flags, then either a stream of options or a clean negotiation
 * followed by a stream of requests. Mid-stream messages are mutated without breaking the
 * framing (so the server parses every one of them and the count is exact); each connection
 * ends with one message that ends or breaks the stream.
 */
async function fuzzConnection(r: Prng, port: number, handleBase: bigint): Promise<ConnectionResult> {
  const s = await connect(port);
  const parts: Buffer[] = [];
  const res: ConnectionResult = { framed: 0, mutated: 0 };
  if (r.chance(0.03)) {
    parts.push(r.bytes(4)); // nonsense client flags: the connection ends right there
    await sendAndClose(r, s, Buffer.concat(parts));
    return res;
  }
  parts.push(u32(ClientFlags.C_FIXED_NEWSTYLE | (r.chance(0.5) ? ClientFlags.C_NO_ZEROES : 0)));
  const add = (orig: Buffer, keepHead: number, keeps: (o: Buffer, m: Buffer) => boolean) => {
    res.framed++;
    if (r.chance(0.6)) {
      for (let tries = 0; tries < 8; tries++) {
        const m = mutateFields(r, orig, keepHead);
        if (keeps(orig, m) && !m.equals(orig)) {
          parts.push(m);
          res.mutated++;
          return;
        }
      }
    }
    parts.push(orig);
  };
  if (r.chance(0.25)) {
    for (let i = 0, n = 1 + r.below(60); i < n; i++) add(midOption(r), 8, optionKeepsFraming);
    const last = finalOption(r);
    parts.push(r.chance(0.5) ? last : mutateStructure(r, last, midOption(r)));
  } else {
    if (r.chance(0.5)) parts.push(encodeOption(Opt.STRUCTURED_REPLY));
    const name = r.pick(['fuzz', 'fuzz', 'fuzzro', '']);
    parts.push(
      r.chance(0.8)
        ? encodeOption(Opt.GO, encodeInfoRequest(name, [Info.BLOCK_SIZE]))
        : encodeOption(Opt.EXPORT_NAME, Buffer.from(name)),
    );
    res.framed += parts.length - 1;
    const n = 100 + r.below(400);
    for (let i = 0; i < n; i++) add(request(r, handleBase + BigInt(i)), 4, requestKeepsFraming);
    if (r.chance(0.8)) parts.push(finalRequest(r, handleBase + BigInt(n)));
  }
  await sendAndClose(r, s, Buffer.concat(parts));
  return res;
}

/** Writes, reads back and verifies on its own export until told to stop. */
async function goodClient(port: number, stop: { done: boolean }): Promise<{ ops: number }> {
  const { client } = await RawClient.open(port, 'good', { structured: true });
  const r = new Prng(SEED ^ 0x5a5a5a5a);
  const shadow = new Map<number, Buffer>();
  let ops = 0;
  for (let i = 0; !stop.done && i < 10_000_000; i++) {
    const blk = r.below(2048);
    const data = r.bytes(4096);
    await client.write(blk * 4096, data, r.chance(0.1) ? CmdFlags.FUA : 0);
    shadow.set(blk, data);
    const check = r.pick([...shadow.keys()]);
    assert.deepEqual(await client.readData(check * 4096, 4096), shadow.get(check), `block ${check}`);
    if (r.chance(0.05)) assert.equal((await client.call(Cmd.FLUSH, 0, 0)).error, 0);
    ops += 2;
  }
  client.disconnect();
  await client.closed;
  return { ops };
}

test(
  `fuzz: at least ${TARGET} mutated messages parsed, server keeps serving a good client`,
  { timeout: 600_000 },
  async (t) => {
    // Tally why connections were closed (the server logs each protocol violation with a reason).
    const reasons = new Map<string, number>();
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        const reason = (JSON.parse(chunk.toString()) as { reason?: string }).reason;
        if (reason) {
          const k = reason
            .replace(/(0x)?[0-9a-f]*\d[0-9a-f]*/g, 'N')
            .replace(/'.*'/, "'...'")
            .slice(0, 70);
          reasons.set(k, (reasons.get(k) ?? 0) + 1);
        }
        cb();
      },
    });
    const server = new NbdServer({ handshakeTimeoutMs: 10_000, log: pino({ level: 'warn' }, sink) });
    server.addExport('fuzz', new MallocDevice({ name: 'fuzz', blockSize: 512, numBlocks: FUZZ_SIZE / 512 }), {
      default: true,
    });
    server.addExport(
      'fuzzro',
      new MallocDevice({ name: 'fuzzro', blockSize: 4096, numBlocks: FUZZ_SIZE / 4096 }),
      { readOnly: true },
    );
    server.addExport('good', new MallocDevice({ name: 'good', blockSize: 4096, numBlocks: 2048 }));
    const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
    t.after(() => server.close({ graceMs: 1000 }));
    t.diagnostic(`seed ${SEED} (NBD_FUZZ_SEED=${SEED} reproduces)`);

    const stop = { done: false };
    const good = goodClient(port, stop);
    let framed = 0;
    let mutated = 0;
    let connections = 0;
    const parsed = () => server.counters.optionsReceived + server.counters.requestsReceived;
    const maxConnections = Math.ceil(TARGET / 10); // a bound on the loop, far above what is needed
    const workers = Array.from({ length: WORKERS }, async (_, w) => {
      const r = new Prng(SEED + w * 7919);
      while (mutated < TARGET && connections < maxConnections) {
        connections++;
        const n = await fuzzConnection(r, port, BigInt(connections) << 20n);
        framed += n.framed;
        mutated += n.mutated;
      }
    });
    await Promise.all(workers);
    stop.done = true;
    const { ops } = await good;

    const c = server.counters;
    t.diagnostic(
      `mutated messages ${mutated} within ${framed} well-framed messages, parsed by the server ${parsed()} (options ${c.optionsReceived}, requests ${c.requestsReceived}), ` +
        `connections ${c.connectionsAccepted}, protocol violations ${c.protocolViolations}, request errors ${c.requestErrors}, ` +
        `good client operations ${ops}`,
    );
    for (const [k, n] of [...reasons].sort((a, b) => b[1] - a[1])) t.diagnostic(`closed: ${n} x ${k}`);
    assert.ok(mutated >= TARGET, `only ${mutated} mutated messages`);
    // Every well-framed message was parsed (the final, stream-breaking ones may add a few).
    assert.ok(parsed() >= framed, `the server parsed ${parsed()} of ${framed} messages`);
    // The fuzzing reached all the interesting places: refusals, errors and hard disconnects.
    assert.ok(c.protocolViolations > 0 && c.requestErrors > 0);
    assert.ok(ops > 0, 'the good client made progress');

    // Afterwards: every fuzzing connection is gone, and a new client works.
    for (let i = 0; i < 200 && server.connectionCount > 0; i++)
      await new Promise((res) => setTimeout(res, 25));
    assert.equal(server.connectionCount, 0, 'no fuzzing connection left behind');
    const { client } = await RawClient.open(port, 'fuzz');
    await client.write(0, Buffer.alloc(512, 1));
    assert.deepEqual(await client.readData(0, 512), Buffer.alloc(512, 1));
    client.destroy();
  },
);
