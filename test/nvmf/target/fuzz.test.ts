/**
 * Fuzzing the target: at least 100,000 mutated PDUs, from a deterministic seed, thrown at a
 * live target process in every connection phase (before ICReq, before Connect, on a connected
 * admin queue, on an I/O queue, and in the middle of R2T data transfers), while a well-behaved
 * host keeps writing and verifying data on its own subsystem through the same target.
 *
 * Passing means: the target process is alive; every one of the good host's reads returned what
 * it wrote; afterwards the target holds no connection, controller or I/O beyond the good host's;
 * and the connections it closed were closed with a logged reason.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startProcess, type RunningProcess } from '../../helpers/proc.js';
import { tmpDir } from '../../helpers/tmp.js';
import {
  capsuleCmdHeader,
  dataHeader,
  encodeICReq,
  encodeSqe,
  encodeTermReq,
  framePdu,
  type SqeFields,
} from '../../../src/nvmf/pdu.js';
import {
  AdminOpc,
  FabricsType,
  Feature,
  IoOpc,
  PduFlags,
  PduType,
  Prop,
  SglId,
  DISCOVERY_NQN,
  DYNAMIC_CNTLID,
} from '../../../src/nvmf/spec.js';
import { RawHost, openController, connectData, fabricsSqe, type ControllerHandle } from './host.js';
import { Prng } from '../../../src/core/prng.js';

const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed2024);
const TARGET_PDUS = Number(process.env.FUZZ_PDUS ?? 100_000);
const WORKERS = 6;
const GOOD_NQN = 'nqn.2019-05.io.openebs:00000000-0000-4000-8000-00000000600d';
const GOOD_HOST = 'nqn.2014-08.org.nvmexpress:uuid:00000000-0000-4000-8000-0000000060de';
const FUZZ_NQN = 'nqn.2019-05.io.openebs:00000000-0000-4000-8000-00000000f022';
const BS = 512;

interface Counters {
  mutated: number;
  sessions: number;
  closedByTarget: number;
  byPhase: number[];
  byKind: Record<string, number>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const BOUNDARY32 = [
  0, 1, 0x7f, 0x80, 0xff, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff, 4096, 131072, 131073,
];

/** Change 1-3 fields of an SQE to random or boundary values (then it is framed properly). */
function mutateSqe(sqe: Buffer, rng: Prng): void {
  for (let k = 1 + rng.below(3); k > 0; k--) {
    switch (rng.below(9)) {
      case 0:
        sqe[rng.below(64)] = rng.next() & 0xff;
        break;
      case 1:
        sqe[0] = rng.next() & 0xff; // opcode
        break;
      case 2:
        sqe.writeUInt32LE(rng.pick([0, 1, 2, 7, 1024, 1025, 0xfffffffe, 0xffffffff, rng.next()]), 4);
        break;
      case 3:
        sqe.writeUInt32LE(rng.pick(BOUNDARY32) >>> 0, 40 + 4 * rng.below(6)); // CDW10-15
        break;
      case 4:
        sqe.writeUInt32LE(rng.pick(BOUNDARY32) >>> 0, 32); // SGL length
        break;
      case 5:
        sqe[39] = rng.pick([0, 0x01, 0x02, 0x5a, 0x5b, 0x0a, 0xff, rng.next() & 0xff]); // SGL id
        break;
      case 6:
        sqe.writeUInt16LE(rng.pick([0, 1, 0xffff, rng.next() & 0xffff]), 2); // CID
        break;
      case 7:
        sqe[1] = rng.next() & 0xff; // FUSE / PSDT
        break;
      case 8:
        sqe[4] = rng.next() & 0xff; // FCTYPE for fabrics commands
        break;
    }
  }
}

/** Damage a framed PDU: bits, bytes, length, header fields, type. */
function mutateRaw(b: Buffer, rng: Prng): Buffer {
  const out = Buffer.from(b);
  switch (rng.below(9)) {
    case 0:
      for (let k = 1 + rng.below(4); k > 0; k--) out[rng.below(out.length)]! ^= 1 << rng.below(8);
      return out;
    case 1:
      for (let k = 1 + rng.below(3); k > 0; k--) out[rng.below(out.length)] = rng.next() & 0xff;
      return out;
    case 2:
      return out.subarray(0, rng.below(out.length)); // truncated: the next PDU lands in its tail
    case 3:
      return Buffer.concat([out, rng.bytes(1 + rng.below(64))]);
    case 4:
      out.writeUInt32LE(
        rng.pick([
          0,
          7,
          8,
          out[2]! - 1,
          out.length - 1,
          out.length + 1,
          out.length + 4096,
          0xffffffff,
          rng.next(),
        ]) >>> 0,
        4,
      );
      return out;
    case 5:
      out[2] = rng.next() & 0xff; // HLEN
      return out;
    case 6:
      out[3] = rng.next() & 0xff; // PDO
      return out;
    case 7:
      out[0] = rng.below(16); // type
      return out;
    default:
      out[1] = rng.next() & 0xff; // flags, digest bits included
      return out;
  }
}

function capsule(h: RawHost, f: SqeFields, data?: Buffer): Buffer {
  return Buffer.concat(framePdu(PduType.CapsuleCmd, capsuleCmdHeader(encodeSqe(f)), data, h.digests));
}

/** Valid-looking capsules for each phase, before mutation. */
function template(phase: number, rng: Prng, h: RawHost, cntlid: number): { f: SqeFields; data?: Buffer } {
  const cid = 0x100 + rng.below(0x1000);
  const hostnqn = `nqn.2014-08.org.example:fuzz-${rng.below(4)}`;
  if (phase === 1) {
    const qid = rng.chance(0.6) ? 0 : 1 + rng.below(3);
    const subnqn = rng.pick([FUZZ_NQN, FUZZ_NQN, DISCOVERY_NQN, GOOD_NQN + 'x']);
    return {
      f: {
        ...fabricsSqe(FabricsType.Connect),
        cid,
        sgl: { address: 0n, length: 1024, id: SglId.InCapsule },
        cdw: { 10: qid << 16, 11: rng.pick([1, 31, 127, 128]), 12: rng.pick([0, 1000, 15000]) },
      },
      data: connectData(subnqn, hostnqn, qid === 0 ? DYNAMIC_CNTLID : cntlid, Buffer.alloc(16, rng.below(3))),
    };
  }
  const t = (opc: number, cdw: SqeFields['cdw'], dataIn = 0, nsid = 1): { f: SqeFields } => ({
    f: { opc, cid, nsid, cdw, sgl: { address: 0n, length: dataIn, id: SglId.Transport } },
  });
  if (phase === 2) {
    switch (rng.below(10)) {
      case 0:
        return t(AdminOpc.Identify, { 10: rng.pick([0, 1, 2, 3, 5, 6, 0x10]) }, 4096, rng.pick([0, 1, 2]));
      case 1:
        return t(AdminOpc.GetLogPage, { 10: rng.pick([1, 2, 3, 4, 5, 0x70, 0x80]) | (127 << 16) }, 512);
      case 2:
        return t(AdminOpc.SetFeatures, {
          10: rng.pick([1, 2, 4, 5, 6, 7, 8, 0x0a, 0x0b, 0x0f, 0x81]),
          11: rng.next(),
        });
      case 3:
        return t(
          AdminOpc.GetFeatures,
          { 10: rng.pick([4, 6, 7, 0x0b, 0x0f, 0x81]) | (rng.below(4) << 8), 11: 1 },
          16,
        );
      case 4:
        return t(AdminOpc.AsyncEventRequest, {}, 0, 0);
      case 5:
        return t(AdminOpc.KeepAlive, {}, 0, 0);
      case 6:
        return {
          f: {
            ...fabricsSqe(FabricsType.PropertyGet),
            cid,
            cdw: { 10: rng.below(2), 11: rng.pick([0, 8, 0x14, 0x1c, 0x20]) },
          },
        };
      case 7:
        return {
          f: {
            ...fabricsSqe(FabricsType.PropertySet),
            cid,
            cdw: { 10: 0, 11: Prop.CC, 12: rng.pick([0x460001, 0x464001, 0x468001, 0, 0x460081]) },
          },
        };
      case 8:
        return { f: { opc: AdminOpc.Abort, cid, cdw: { 10: rng.next() } } };
      default:
        return {
          f: { opc: AdminOpc.SetFeatures, cid, cdw: { 10: Feature.NumberOfQueues, 11: rng.next() } },
          data: rng.bytes(16),
        };
    }
  }
  // phase 3: I/O
  const nlb = rng.below(64);
  const slba = rng.chance(0.9) ? rng.below(32768 - 64) : rng.pick([32767, 32768, 2 ** 32, rng.next()]);
  switch (rng.below(7)) {
    case 0:
      return t(IoOpc.Read, { 10: slba >>> 0, 11: Math.floor(slba / 2 ** 32), 12: nlb }, (nlb + 1) * BS);
    case 1: {
      const d = rng.bytes(((nlb % 16) + 1) * BS);
      return {
        f: {
          opc: IoOpc.Write,
          cid,
          nsid: 1,
          sgl: { address: 0n, length: d.length, id: SglId.InCapsule },
          cdw: { 10: slba >>> 0, 12: nlb % 16 },
        },
        data: d,
      };
    }
    case 2:
      return t(IoOpc.Write, { 10: slba >>> 0, 12: nlb }, (nlb + 1) * BS);
    case 3:
      return t(IoOpc.Flush, {}, 0, rng.pick([1, 0xffffffff, 2]));
    case 4:
      return t(IoOpc.WriteZeroes, { 10: slba >>> 0, 12: nlb | (rng.below(2) << 25) | (rng.below(2) << 30) });
    case 5: {
      const nr = rng.below(4);
      const d = Buffer.alloc((nr + 1) * 16);
      for (let i = 0; i <= nr; i++) {
        d.writeUInt32LE(rng.below(64), i * 16 + 4);
        d.writeUInt32LE(rng.below(40000), i * 16 + 8);
      }
      return {
        f: {
          opc: IoOpc.DatasetManagement,
          cid,
          nsid: 1,
          sgl: { address: 0n, length: d.length, id: SglId.InCapsule },
          cdw: { 10: nr, 11: 4 },
        },
        data: d,
      };
    }
    default:
      return t(rng.next() & 0xff, { 10: rng.next(), 12: rng.next() }, rng.pick([0, 512, 4096]));
  }
}

/** Generate one mutated PDU for a queue in `phase`. */
function mutatedPdu(phase: number, rng: Prng, h: RawHost, cntlid: number, c: Counters): Buffer {
  const r = rng.below(100);
  let kind: string;
  let out: Buffer;
  if (r < 8) {
    kind = 'garbage';
    out = rng.bytes(8 + rng.below(300));
    if (rng.chance(0.5)) out[0] = rng.below(10);
  } else if (r < 12) {
    kind = 'icreq';
    out = mutateRaw(
      encodeICReq({
        pfv: rng.below(2),
        hpda: rng.below(40),
        hdgst: rng.chance(0.5),
        ddgst: rng.chance(0.5),
        maxr2t: rng.next(),
      }),
      rng,
    );
  } else if (r < 16) {
    kind = 'h2c-data-unsolicited';
    const d = rng.bytes(BS * (1 + rng.below(8)));
    out = Buffer.concat(
      framePdu(
        PduType.H2CData,
        dataHeader({
          cccid: rng.below(0x2000),
          ttag: rng.below(256),
          datao: rng.pick([0, 512, rng.next()]),
          datal: d.length,
        }),
        d,
        h.digests,
        rng.chance(0.5) ? PduFlags.LAST_PDU : 0,
      ),
    );
    if (rng.chance(0.5)) out = mutateRaw(out, rng);
  } else if (r < 18) {
    kind = 'h2c-termreq';
    out = encodeTermReq(PduType.H2CTermReq, rng.below(8), rng.next(), rng.bytes(rng.below(200)));
    if (rng.chance(0.5)) out = mutateRaw(out, rng);
  } else {
    const { f, data } = template(phase, rng, h, cntlid);
    const sqe = encodeSqe(f);
    if (r < 60) {
      kind = 'capsule-fields';
      mutateSqe(sqe, rng);
      out = Buffer.concat(
        framePdu(
          PduType.CapsuleCmd,
          capsuleCmdHeader(sqe),
          data && rng.chance(0.8) ? data : rng.bytes(rng.below(9000)),
          h.digests,
        ),
      );
    } else {
      kind = 'capsule-raw';
      out = mutateRaw(
        Buffer.concat(framePdu(PduType.CapsuleCmd, capsuleCmdHeader(sqe), data, h.digests)),
        rng,
      );
    }
  }
  c.byKind[kind] = (c.byKind[kind] ?? 0) + 1;
  return out;
}

/**
 * A valid write that asks for R2T, then the data phase done wrong: wrong tag or CID, offsets
 * that skip or overlap, too much data, LAST_PDU missing or early, corrupted data digests.
 */
async function r2tSequence(h: RawHost, rng: Prng, c: Counters): Promise<void> {
  const cid = 0x3000 + rng.below(0x1000);
  const nlb = 1 + rng.below(63);
  const len = nlb * BS;
  h.write(
    capsule(h, {
      opc: IoOpc.Write,
      cid,
      nsid: 1,
      sgl: { address: 0n, length: len, id: SglId.Transport },
      cdw: { 10: rng.below(30000), 12: nlb - 1 },
    }),
  );
  for (let i = 0; i < 50 && h.isOpen && !h.unsolicitedR2T.some((r) => r.cccid === cid); i++) await sleep(1);
  const r2t = h.unsolicitedR2T.find((r) => r.cccid === cid);
  if (!r2t || !h.isOpen) return;
  const data = rng.bytes(len);
  let off = 0;
  for (let k = 0; k < 4 && off < len && h.isOpen; k++) {
    let datao = off;
    let datal = Math.min(len - off, BS * (1 + rng.below(16)));
    let ttag = r2t.ttag;
    let cccid = cid;
    let flags = off + datal >= len ? PduFlags.LAST_PDU : 0;
    switch (rng.below(7)) {
      case 0:
        ttag = rng.below(256);
        break;
      case 1:
        cccid = rng.below(0x10000);
        break;
      case 2:
        datao = rng.pick([off + BS, Math.max(0, off - BS), len, rng.next()]);
        break;
      case 3:
        datal = len - off + BS * (1 + rng.below(4));
        break;
      case 4:
        flags ^= PduFlags.LAST_PDU;
        break;
      case 5:
        flags |= rng.pick([PduFlags.SUCCESS, 0x10, 0x20, 0x80]);
        break;
    }
    const payload =
      datal <= data.length - Math.min(datao, data.length)
        ? data.subarray(datao, datao + datal)
        : rng.bytes(datal);
    let pdu: Buffer = Buffer.concat(
      framePdu(
        PduType.H2CData,
        dataHeader({ cccid, ttag, datao, datal: payload.length }),
        payload,
        h.digests,
        flags,
      ),
    );
    if (h.digests.data && rng.chance(0.3)) pdu[pdu.length - 1]! ^= 0x40; // data digest
    if (rng.chance(0.2)) pdu = mutateRaw(pdu, rng);
    h.write(pdu);
    c.mutated++;
    c.byKind['r2t-sequence'] = (c.byKind['r2t-sequence'] ?? 0) + 1;
    off += datal;
  }
}

const FUZZ_HOST = (rng: Prng) => `nqn.2014-08.org.example:fuzzer-${rng.below(8)}`;

async function session(port: number, rng: Prng, c: Counters): Promise<void> {
  const phase = rng.pick([0, 1, 1, 2, 2, 2, 3, 3, 3, 3]);
  c.sessions++;
  c.byPhase[phase]!++;
  const opts = { hdgst: rng.chance(0.3), ddgst: rng.chance(0.3) };
  if (phase === 0) {
    // Before ICReq: mutated ICReqs and garbage on a bare socket.
    const s = net.connect({ host: '127.0.0.1', port });
    s.on('error', () => undefined);
    await new Promise<void>((resolve) => {
      s.once('connect', () => resolve());
      s.once('close', () => resolve());
    });
    const closed = new Promise<void>((r) => s.once('close', () => r()));
    for (let i = 1 + rng.below(4); i > 0 && !s.destroyed; i--) {
      const icreq = encodeICReq({
        pfv: 0,
        hpda: rng.below(32),
        hdgst: opts.hdgst,
        ddgst: opts.ddgst,
        maxr2t: 0,
      });
      s.write(rng.chance(0.8) ? mutateRaw(icreq, rng) : rng.bytes(1 + rng.below(200)));
      c.mutated++;
      c.byKind['pre-icreq'] = (c.byKind['pre-icreq'] ?? 0) + 1;
    }
    if (await Promise.race([closed.then(() => true), sleep(5).then(() => false)])) c.closedByTarget++;
    s.destroy();
    return;
  }
  let ctrl: ControllerHandle | undefined;
  let h: RawHost | undefined;
  try {
    let cntlid = 1 + rng.below(8);
    if (phase === 1) {
      h = await RawHost.open(port, opts);
    } else {
      ctrl = await openController(port, {
        subnqn: rng.chance(0.9) || phase === 3 ? FUZZ_NQN : DISCOVERY_NQN,
        hostnqn: FUZZ_HOST(rng),
        ioQueues: phase === 3 ? 1 : 0,
        kato: rng.pick([0, 2000, 10000]),
        ...opts,
      });
      cntlid = ctrl.cntlid;
      h = phase === 3 ? ctrl.io[0]! : ctrl.admin;
    }
    const n = 1 + rng.below(40);
    for (let i = 0; i < n && h.isOpen; i++) {
      if (phase === 3 && rng.chance(0.15)) {
        await r2tSequence(h, rng, c);
        continue;
      }
      h.write(mutatedPdu(phase, rng, h, cntlid, c));
      c.mutated++;
      if (rng.chance(0.2)) await sleep(0);
    }
    if (await Promise.race([h.closed.then(() => true), sleep(3).then(() => false)])) c.closedByTarget++;
  } catch {
    // A prefix step refused or cut short by an earlier session's damage: fine, next session.
  } finally {
    ctrl?.close();
    h?.close();
  }
}

function parseLines(p: RunningProcess, key: string): Array<Record<string, number>> {
  return p
    .output()
    .split('\n')
    .filter((l) => l.startsWith(`{"${key}"`))
    .map((l) => (JSON.parse(l) as Record<string, Record<string, number>>)[key]!);
}

async function targetStats(p: RunningProcess): Promise<Record<string, number>> {
  const before = parseLines(p, 'stats').length;
  p.proc.kill('SIGUSR2');
  for (let i = 0; i < 200 && parseLines(p, 'stats').length === before; i++) await sleep(10);
  const all = parseLines(p, 'stats');
  assert.ok(all.length > before, 'the target answers SIGUSR2 with its stats');
  return all[all.length - 1]!;
}

test(
  `fuzz: ${TARGET_PDUS} mutated PDUs against a live target, a good host verifying I/O throughout`,
  { timeout: 900_000 },
  async (t) => {
    const dir = tmpDir(t);
    const logFile = path.join(dir, 'target.log');
    const server = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fuzz-server.js');
    const proc = startProcess(process.execPath, [server, logFile, GOOD_NQN, GOOD_HOST, FUZZ_NQN]);
    t.after(() => proc.stop('SIGKILL'));
    const ready = JSON.parse(await proc.waitFor(/"ready"/)) as { ready: number };
    const port = ready.ready;

    // The well-behaved host: two I/O queues, each writing and verifying its own half of 32 MiB.
    const good = await openController(port, {
      subnqn: GOOD_NQN,
      hostnqn: GOOD_HOST,
      ioQueues: 2,
      kato: 10_000,
      hdgst: true,
      ddgst: true,
    });
    t.after(() => good.close());
    const REGION = 32 << 20;
    const model = Buffer.alloc(REGION);
    let stop = false;
    let abort = false;
    const goodStats = { writes: 0, verifiedReads: 0 };
    /** `base` and `blocks` in LBAs. */
    const goodLoop = async (q: RawHost, base: number, blocks: number, rng: Prng) => {
      while (!stop) {
        const nlb = 1 + rng.below(128);
        const slba = base + rng.below(blocks - nlb);
        const data = rng.bytes(nlb * BS);
        const w = await q.command(
          { opc: IoOpc.Write, nsid: 1, cdw: { 10: slba, 12: nlb - 1 } },
          { dataOut: data, h2cChunk: rng.pick([4096, 16384, 65536]) },
        );
        assert.equal(w.status, 0, 'good host write');
        data.copy(model, slba * BS);
        goodStats.writes++;
        const rn = 1 + rng.below(128);
        const rs = base + rng.below(blocks - rn);
        const r = await q.command(
          { opc: IoOpc.Read, nsid: 1, cdw: { 10: rs, 12: rn - 1 } },
          { dataIn: rn * BS },
        );
        assert.equal(r.status, 0, 'good host read');
        assert.ok(
          r.data!.equals(model.subarray(rs * BS, (rs + rn) * BS)),
          `good host read back what it wrote at LBA ${rs}`,
        );
        goodStats.verifiedReads++;
      }
    };
    const keepAlive = async () => {
      while (!stop) {
        await good.admin.ok({ opc: AdminOpc.KeepAlive });
        await sleep(2000);
      }
    };
    const half = REGION / BS / 2;
    const goodDone = Promise.all([
      goodLoop(good.io[0]!, 0, half, new Prng(SEED ^ 0x1111)),
      goodLoop(good.io[1]!, half, half, new Prng(SEED ^ 0x2222)),
      keepAlive(),
    ]);
    goodDone.catch(() => (abort = true));

    const c: Counters = { mutated: 0, sessions: 0, closedByTarget: 0, byPhase: [0, 0, 0, 0], byKind: {} };
    const t0 = Date.now();
    const workers = [];
    for (let w = 0; w < WORKERS; w++) {
      const rng = new Prng(SEED + w * 0x9e3779b9);
      workers.push(
        (async () => {
          // Bounded: far more sessions than 100,000 PDUs need, and out at once on any failure.
          for (let n = 0; c.mutated < TARGET_PDUS && n < TARGET_PDUS && !abort; n++) {
            await session(port, rng, c);
            if (proc.proc.exitCode !== null || proc.proc.signalCode !== null) {
              abort = true;
              throw new Error(`target died:\n${proc.output()}`);
            }
          }
        })(),
      );
    }
    // If the good host fails, stop everything and report it.
    try {
      await Promise.race([Promise.all(workers), goodDone.then(() => assert.fail('good host stopped early'))]);
    } finally {
      abort = true;
    }
    const fuzzSeconds = (Date.now() - t0) / 1000;

    assert.equal(proc.proc.exitCode, null, 'the target process is alive');
    // Nothing left behind but the good host's three connections and one controller.
    let s = await targetStats(proc);
    for (let i = 0; i < 100 && (s.connections !== 3 || s.controllers !== 1 || s.inflightIo !== 0); i++) {
      await sleep(100);
      s = await targetStats(proc);
    }
    assert.equal(s.connections, 3, 'connections left');
    assert.equal(s.controllers, 1, 'controllers left');
    assert.equal(s.inflightIo, 0);
    stop = true;
    await goodDone;
    // A last full verification of the good host's data.
    for (let off = 0; off < REGION; off += 65536) {
      const r = await good.io[0]!.command(
        { opc: IoOpc.Read, nsid: 1, cdw: { 10: off / BS, 12: 65536 / BS - 1 } },
        { dataIn: 65536 },
      );
      assert.ok(r.data!.equals(model.subarray(off, off + 65536)), `final verification at byte ${off}`);
    }
    good.close();
    const end = await proc.stop('SIGTERM');
    assert.equal(end.code, 0, 'clean exit');
    const log = fs.readFileSync(logFile, 'utf8').split('\n');
    const protocolCloses = log.filter((l) => l.includes('closing NVMe/TCP connection: protocol error'));
    assert.ok(protocolCloses.length > 0);
    assert.ok(
      protocolCloses.every((l) => /"reason":"[^"]+"/.test(l)),
      'every protocol-error close says why',
    );
    const internal = log.filter((l) => /"level":(50|60)/.test(l));
    assert.deepEqual(internal, [], 'no internal errors');
    const report = {
      seed: `0x${SEED.toString(16)}`,
      mutatedPdus: c.mutated,
      sessions: c.sessions,
      sessionsByPhase: {
        preICReq: c.byPhase[0],
        preConnect: c.byPhase[1],
        admin: c.byPhase[2],
        io: c.byPhase[3],
      },
      byKind: c.byKind,
      connectionsClosedByTarget: c.closedByTarget,
      protocolErrorCloses: protocolCloses.length,
      targetStats: s,
      good: goodStats,
      fuzzSeconds,
    };
    t.diagnostic(JSON.stringify(report));
    assert.ok(c.mutated >= TARGET_PDUS);
    assert.ok(goodStats.verifiedReads > 0);
  },
);
