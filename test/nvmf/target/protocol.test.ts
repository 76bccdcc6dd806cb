/**
 * The target against a raw NVMe/TCP host: connection set-up, properties, Identify, features,
 * log pages, I/O in every data-transfer mode, status codes, AENs, keep-alive, shutdown.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AdminOpc,
  Cns,
  CommandSpecificSc,
  Feature,
  FabricsType,
  GenericSc,
  IoOpc,
  LogPage,
  MediaSc,
  Prop,
  Sct,
  SglId,
  DISCOVERY_NQN,
  status,
  statusDnr,
  statusSc,
  statusSct,
  PduType,
  Fes,
} from '../../../src/nvmf/spec.js';
import { framePdu, capsuleCmdHeader, encodeSqe, dataHeader, encodeICReq } from '../../../src/nvmf/pdu.js';
import { uuidToBytes } from '../../../src/core/uuid.js';
import { FaultInjectingDevice } from '../../../src/bdev/fault.js';
import { BdevErrors } from '../../../src/bdev/errors.js';
import { serialFromNqn, NvmfTarget } from '../../../src/nvmf/target/index.js';
import { patternBuffer } from '../../helpers/tmp.js';
import { MallocDevice } from '../../../src/bdev/malloc.js';
import type { WriteOptions } from '../../../src/bdev/types.js';

/** A RAM disk that counts FUA writes (a FUA write flushes without going through flush()). */
class RecordingDevice extends MallocDevice {
  fuaWrites = 0;
  override write(offset: number, buf: Buffer, options?: WriteOptions): Promise<void> {
    if (options?.fua) this.fuaWrites++;
    return super.write(offset, buf, options);
  }
}
import { RawHost, openController, fabricsSqe, connectData, DEFAULT_HOSTNQN } from './host.js';
import {
  NQN,
  DEV_UUID,
  startTarget,
  mallocDev,
  readCmd,
  writeCmd,
  identify,
  getLogPage,
  waitUntil,
  testLogger,
} from './helpers.js';

/** Every test is bounded. */
const T = { timeout: 60_000 };

const G = (code: number, dnr = true) => status(Sct.Generic, code, dnr);
const CS = (code: number) => status(Sct.CommandSpecific, code, true);

test('ICReq: digests are granted as asked, MAXH2CDATA and CPDA as the Linux host requires', T, async (t) => {
  const { port } = await startTarget(t);
  for (const [hdgst, ddgst] of [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ] as const) {
    const h = await RawHost.open(port, { hdgst, ddgst });
    assert.equal(h.icresp.pfv, 0);
    assert.equal(h.icresp.cpda, 0);
    assert.equal(h.icresp.hdgst, hdgst);
    assert.equal(h.icresp.ddgst, ddgst);
    assert.equal(h.icresp.maxh2cdata, 128 * 1024);
    h.close();
  }
});

test('admin Connect, properties and the CC enable handshake', T, async (t) => {
  const { port } = await startTarget(t);
  const h = await RawHost.open(port);
  // Anything but Connect on a fresh queue is a sequence error.
  const early = await h.command({ opc: AdminOpc.Identify, cdw: { 10: 1 } }, { dataIn: 4096 });
  assert.equal(early.status, G(GenericSc.CommandSequenceError));
  const c = await h.connectCommand({ subnqn: NQN, hostnqn: DEFAULT_HOSTNQN, qid: 0, sqsize: 31, kato: 5000 });
  assert.equal(c.status, 0);
  const cntlid = c.cqe.dw0 & 0xffff;
  assert.ok(cntlid >= 1 && cntlid <= 0xffef);
  assert.equal(c.cqe.sqid, 0);
  // Without an allow list an empty host NQN is admitted, as SPDK's and Linux's targets do.
  const anon = await RawHost.open(port);
  const a = await anon.connectCommand({ subnqn: NQN, hostnqn: '', qid: 0, sqsize: 31 });
  assert.equal(a.status, 0);
  anon.close();

  const cap = await h.propertyGet(Prop.CAP, true);
  assert.equal(cap.status, 0);
  assert.equal(cap.cqe.dw0 & 0xffff, 127, 'MQES');
  assert.ok(cap.cqe.dw0 & (1 << 16), 'CQR');
  assert.ok(cap.cqe.dw1 & (1 << 5), 'CSS: NVM command set');
  assert.equal((cap.cqe.dw1 >> 16) & 0xf, 0, 'MPSMIN 4 KiB');
  assert.equal((await h.propertyGet(Prop.VS)).cqe.dw0, 0x00010400);
  assert.equal((await h.propertyGet(Prop.CC)).cqe.dw0, 0);
  assert.equal((await h.propertyGet(Prop.CSTS)).cqe.dw0, 0);
  assert.equal((await h.propertyGet(Prop.CAP)).status, G(GenericSc.InvalidField), 'CAP is 8 bytes');
  assert.equal((await h.propertyGet(0x40)).status, G(GenericSc.InvalidField));
  assert.equal((await h.propertySet(Prop.VS, 1)).status, G(GenericSc.InvalidField));
  // Admin commands wait for CC.EN.
  const notReady = await h.command({ opc: AdminOpc.Identify, cdw: { 10: 1 } }, { dataIn: 4096 });
  assert.equal(notReady.status, G(GenericSc.CommandSequenceError));
  assert.equal((await h.propertySet(Prop.CC, 0x460001)).status, 0);
  assert.equal((await h.propertyGet(Prop.CSTS)).cqe.dw0 & 0x3, 1, 'RDY, no CFS');
  assert.equal((await h.propertyGet(Prop.CC)).cqe.dw0, 0x460001);
  const id = await identify(h, Cns.Controller);
  assert.equal(id.status, 0);
  assert.equal(id.data!.readUInt16LE(78), cntlid, 'Identify CNTLID equals the Connect CNTLID');
  // A second Connect on a connected queue is a sequence error.
  const again = await h.connectCommand({ subnqn: NQN, hostnqn: DEFAULT_HOSTNQN, qid: 0, sqsize: 31 });
  assert.equal(again.status, G(GenericSc.CommandSequenceError));
  h.close();
});

test('enabling with unsupported CC settings sets CSTS.CFS', T, async (t) => {
  const { port } = await startTarget(t);
  const h = await RawHost.open(port);
  await h.connectCommand({ subnqn: NQN, hostnqn: DEFAULT_HOSTNQN, qid: 0, sqsize: 31 });
  await h.propertySet(Prop.CC, 0x460001 | (1 << 7)); // MPS 8 KiB
  assert.equal((await h.propertyGet(Prop.CSTS)).cqe.dw0 & 0x3, 0x2);
  h.close();
});

test(
  'Identify Controller carries the fabrics fields the Linux host checks, stable across restarts',
  T,
  async (t) => {
    const { port } = await startTarget(t);
    const c = await openController(port, { subnqn: NQN });
    t.after(() => c.close());
    const d = (await identify(c.admin, Cns.Controller)).data!;
    const str = (o: number, n: number) => d.toString('latin1', o, o + n);
    assert.equal(str(4, 20), serialFromNqn(NQN));
    assert.equal(str(24, 40).trimEnd(), 'Mayastor-TS NVMe controller');
    assert.equal(d[76], 0x03, 'CMIC: multi-controller, multi-port');
    assert.equal(d[77], 5, 'MDTS: 128 KiB');
    assert.equal(d.readUInt32LE(80), 0x00010400);
    assert.equal(d.readUInt32LE(92) & (1 << 8), 1 << 8, 'OAES: namespace attribute notices');
    assert.equal(d[111], 1, 'CNTRLTYPE: I/O controller');
    assert.equal(d[259], 3, 'AERL');
    assert.ok(d.readUInt16LE(320) > 0, 'KAS must be non-zero for fabrics');
    assert.equal(d[512], 0x66);
    assert.equal(d[513], 0x44);
    assert.equal(d.readUInt16LE(514), 128, 'MAXCMD');
    assert.equal(d.readUInt16LE(520), (1 << 2) | (1 << 3), 'ONCS: DSM and Write Zeroes');
    assert.equal(d[525], 0x07, 'VWC present, flush broadcast supported');
    assert.equal(d.readUInt32LE(536), (1 << 0) | (1 << 20), 'SGLS');
    assert.equal(d.toString('latin1', 768, 768 + NQN.length), NQN);
    assert.equal(d[768 + NQN.length], 0);
    assert.equal(d.readUInt32LE(1792), (64 + 8192) / 16, 'IOCCSZ');
    assert.equal(d.readUInt32LE(1796), 1, 'IORCSZ');
    assert.equal(d.readUInt16LE(1800), 0, 'ICDOFF');
    // The same NQN in another target (a restart) reports the same serial number.
    const t2 = new NvmfTarget({ log: testLogger() });
    t.after(() => t2.stop());
    t2.createSubsystem({ nqn: NQN }).addNamespace(mallocDev());
    const p2 = (await t2.listen('127.0.0.1', 0)).port;
    const c2 = await openController(p2, { subnqn: NQN });
    t.after(() => c2.close());
    const d2 = (await identify(c2.admin, Cns.Controller)).data!;
    assert.equal(d2.toString('latin1', 4, 24), str(4, 20));
  },
);

test(
  'Identify Namespace, active namespace list and descriptors (NGUID/UUID from the device UUID)',
  T,
  async (t) => {
    const { port, dev } = await startTarget(t);
    const c = await openController(port, { subnqn: NQN });
    t.after(() => c.close());
    const ns = (await identify(c.admin, Cns.Namespace, 1)).data!;
    assert.equal(ns.readBigUInt64LE(0), BigInt(dev.numBlocks), 'NSZE');
    assert.equal(ns.readBigUInt64LE(8), BigInt(dev.numBlocks), 'NCAP');
    assert.equal(ns[30], 1, 'NMIC shared');
    assert.equal(ns[33], 0x09, 'DLFEAT');
    assert.equal(ns[130], 9, 'LBADS 512');
    const uuid = uuidToBytes(DEV_UUID);
    assert.ok(ns.subarray(104, 120).equals(uuid), 'NGUID');
    const list = (await identify(c.admin, Cns.ActiveNamespaceList, 0)).data!;
    assert.equal(list.readUInt32LE(0), 1);
    assert.equal(list.readUInt32LE(4), 0);
    assert.equal((await identify(c.admin, Cns.ActiveNamespaceList, 1)).data!.readUInt32LE(0), 0);
    const desc = (await identify(c.admin, Cns.NamespaceIdDescriptors, 1)).data!;
    assert.deepEqual([desc[0], desc[1]], [2, 16]);
    assert.ok(desc.subarray(4, 20).equals(uuid));
    assert.deepEqual([desc[20], desc[21]], [3, 16]);
    assert.ok(desc.subarray(24, 40).equals(uuid));
    assert.deepEqual([desc[40], desc[41], desc[44]], [4, 1, 0], 'CSI: NVM');
    // Inactive but valid NSID: zeros. Invalid NSIDs and unknown CNS values: errors.
    const inactive = await identify(c.admin, Cns.Namespace, 2);
    assert.equal(inactive.status, 0);
    assert.ok(inactive.data!.every((b) => b === 0));
    assert.equal(
      (await identify(c.admin, Cns.Namespace, 0xffffffff)).status,
      G(GenericSc.InvalidNamespaceOrFormat),
    );
    assert.equal(
      (await identify(c.admin, Cns.NamespaceIdDescriptors, 2)).status,
      G(GenericSc.InvalidNamespaceOrFormat),
    );
    assert.equal((await identify(c.admin, 0x10)).status, G(GenericSc.InvalidField));
    // I/O command set specific controller structure (the Linux host asks for it): all zeros.
    const csc = await identify(c.admin, 0x06, 0, 0);
    assert.equal(csc.status, 0);
  },
);

for (const digests of [
  { hdgst: false, ddgst: false },
  { hdgst: true, ddgst: true },
]) {
  test(`I/O over two queues: in-capsule and R2T writes, reads (digests ${JSON.stringify(digests)})`, async (t) => {
    const { port, dev } = await startTarget(t);
    const c = await openController(port, { subnqn: NQN, ioQueues: 2, ...digests });
    t.after(() => c.close());
    const [q1, q2] = c.io as [RawHost, RawHost];
    const small = patternBuffer(4096, 1);
    const big = patternBuffer(128 * 1024, 2);
    const odd = patternBuffer(24 * 1024, 3);
    assert.equal((await writeCmd(q1, 0, small)).status, 0); // in-capsule (<= 8 KiB)
    assert.equal((await writeCmd(q1, 100, big)).status, 0); // R2T, one H2CData
    assert.equal((await writeCmd(q2, 600, odd, { inCapsule: false, h2cChunk: 5120 })).status, 0); // R2T, 5 H2CData
    const r1 = await readCmd(q2, 0, 8);
    assert.equal(r1.status, 0);
    assert.ok(r1.data!.equals(small));
    const r2 = await readCmd(q1, 100, 256);
    assert.ok(r2.data!.equals(big));
    const r3 = await readCmd(q2, 600, 48);
    assert.ok(r3.data!.equals(odd));
    const direct = Buffer.alloc(big.length);
    await dev.read(100 * 512, direct);
    assert.ok(direct.equals(big), 'the data reached the device');
    // Many commands in flight on one queue.
    const writes = [];
    for (let i = 0; i < 64; i++) writes.push(writeCmd(q1, 2000 + i * 8, patternBuffer(4096, 100 + i)));
    assert.ok((await Promise.all(writes)).every((r) => r.status === 0));
    const reads = [];
    for (let i = 0; i < 64; i++) reads.push(readCmd(q2, 2000 + i * 8, 8));
    (await Promise.all(reads)).forEach((r, i) => assert.ok(r.data!.equals(patternBuffer(4096, 100 + i))));
    assert.deepEqual(q1.oddities, []);
    assert.deepEqual(q2.oddities, []);
  });
}

test('a corrupted data digest fails only that command, with Transient Transport Error', T, async (t) => {
  const { port, dev } = await startTarget(t);
  const c = await openController(port, { subnqn: NQN, ioQueues: 1, hdgst: true, ddgst: true });
  t.after(() => c.close());
  const q = c.io[0]!;
  const data = patternBuffer(4096, 9);
  const sqeB = encodeSqe({
    opc: IoOpc.Write,
    cid: 77,
    nsid: 1,
    sgl: { address: 0n, length: 4096, id: SglId.InCapsule },
    cdw: { 10: 10, 12: 7 },
  });
  const wire = Buffer.concat(framePdu(PduType.CapsuleCmd, capsuleCmdHeader(sqeB), data, q.digests));
  wire[wire.length - 1]! ^= 0xff; // the data digest
  const done = new Promise<number>((resolve) => {
    q.socket.on('data', (b: Buffer) => {
      // CapsuleResp with header digest: status at byte 22 of the PDU.
      if (b[0] === PduType.CapsuleResp && b.readUInt16LE(20) === 77) resolve(b.readUInt16LE(22) >> 1);
    });
  });
  q.write(wire);
  assert.equal(await done, G(GenericSc.TransientTransportError, false));
  const back = Buffer.alloc(4096);
  await dev.read(10 * 512, back);
  assert.ok(
    back.every((b) => b === 0),
    'corrupted data was not written',
  );
  assert.equal((await writeCmd(q, 10, data)).status, 0, 'the connection still works');
});

test('status codes for bad I/O commands', T, async (t) => {
  const { port, dev } = await startTarget(t);
  const c = await openController(port, { subnqn: NQN, ioQueues: 1 });
  t.after(() => c.close());
  const q = c.io[0]!;
  const last = dev.numBlocks;
  const oor = await readCmd(q, last - 4, 8);
  assert.equal(oor.status, G(GenericSc.LbaOutOfRange));
  assert.ok(statusDnr(oor.status));
  assert.equal((await writeCmd(q, last, patternBuffer(512, 1))).status, G(GenericSc.LbaOutOfRange));
  assert.equal((await readCmd(q, 2 ** 40, 1)).status, G(GenericSc.LbaOutOfRange));
  assert.equal((await readCmd(q, 0, 512)).status, G(GenericSc.InvalidField), 'beyond MDTS');
  assert.equal((await readCmd(q, 0, 8, 512, 1, 2048)).status, G(GenericSc.DataSglLengthInvalid));
  assert.equal((await readCmd(q, 0, 1, 512, 2)).status, G(GenericSc.InvalidNamespaceOrFormat));
  assert.equal((await readCmd(q, 0, 1, 512, 0xffffffff)).status, G(GenericSc.InvalidNamespaceOrFormat));
  assert.equal(
    (await writeCmd(q, 0, patternBuffer(4096, 1), { nlb: 4 })).status,
    G(GenericSc.DataSglLengthInvalid),
  );
  assert.equal((await q.command({ opc: 0x7e, nsid: 1 })).status, G(GenericSc.InvalidOpcode));
  assert.equal((await q.command({ opc: IoOpc.Compare, nsid: 1 })).status, G(GenericSc.InvalidOpcode));
  assert.equal((await q.command({ opc: IoOpc.Flush, nsid: 1, fuse: 1 })).status, G(GenericSc.InvalidField));
  assert.equal(
    (await q.command({ opc: IoOpc.Flush, nsid: 3 })).status,
    G(GenericSc.InvalidNamespaceOrFormat),
  );
  const wz = await q.command({ opc: IoOpc.WriteZeroes, nsid: 1, cdw: { 10: last - 1, 12: 1 } });
  assert.equal(wz.status, G(GenericSc.LbaOutOfRange));
  const ranges = Buffer.alloc(32);
  ranges.writeUInt32LE(8, 4);
  ranges.writeUInt32LE(0, 8);
  ranges.writeUInt32LE(8, 16 + 4);
  ranges.writeUInt32LE(last - 1, 16 + 8);
  const dsm = await q.command(
    { opc: IoOpc.DatasetManagement, nsid: 1, cdw: { 10: 1, 11: 4 } },
    { dataOut: ranges },
  );
  assert.equal(dsm.status, G(GenericSc.LbaOutOfRange));
  // An SGL descriptor type we do not take, and in-capsule data promised but not sent.
  const badSgl = await q.command(
    { opc: IoOpc.Read, nsid: 1, cdw: { 12: 0 } },
    { sgl: { address: 0n, length: 512, id: 0x02 } },
  );
  assert.equal(badSgl.status, G(GenericSc.SglDescriptorTypeInvalid));
  const noData = await q.command(
    { opc: IoOpc.Write, nsid: 1, cdw: { 12: 0 } },
    { sgl: { address: 0n, length: 512, id: SglId.InCapsule } },
  );
  assert.equal(noData.status, G(GenericSc.DataSglLengthInvalid));
  // Admin: unknown opcode, Create I/O SQ (not on fabrics).
  assert.equal((await c.admin.command({ opc: 0xc0 })).status, G(GenericSc.InvalidOpcode));
  assert.equal((await c.admin.command({ opc: AdminOpc.CreateIoSq })).status, G(GenericSc.InvalidOpcode));
  // The error log records the most recent failure first.
  const log = await getLogPage(c.admin, LogPage.ErrorInformation, 64);
  assert.equal(log.status, 0);
  assert.ok(log.data!.readBigUInt64LE(0) >= 15n, 'error count');
  assert.equal(log.data!.readUInt16LE(12) >> 1, G(GenericSc.InvalidOpcode), 'status of the latest error');
  assert.equal(log.data!.readUInt16LE(8), 0, 'on the admin queue');
});

test('flush, FUA, write zeroes (with and without deallocate), dataset management', T, async (t) => {
  const dev = new RecordingDevice({ name: 'rec', blockSize: 512, numBlocks: 16384, uuid: DEV_UUID });
  const { port } = await startTarget(t, { dev });
  const c = await openController(port, { subnqn: NQN, ioQueues: 1 });
  t.after(() => c.close());
  const q = c.io[0]!;
  const flushes = () => dev.stats.numFlushOps + dev.fuaWrites;
  const f0 = flushes();
  assert.equal((await q.command({ opc: IoOpc.Flush, nsid: 1 })).status, 0);
  assert.equal((await q.command({ opc: IoOpc.Flush, nsid: 0xffffffff })).status, 0);
  assert.equal(flushes(), f0 + 2);
  assert.equal((await writeCmd(q, 0, patternBuffer(8192, 5), { fua: true })).status, 0);
  assert.equal(flushes(), f0 + 3, 'FUA write flushed');
  assert.equal((await writeCmd(q, 16, patternBuffer(8192, 6))).status, 0);
  assert.equal(flushes(), f0 + 3, 'plain write did not flush');
  // Write Zeroes
  assert.equal((await writeCmd(q, 100, patternBuffer(65536, 7))).status, 0);
  assert.equal((await q.command({ opc: IoOpc.WriteZeroes, nsid: 1, cdw: { 10: 100, 12: 15 } })).status, 0);
  assert.equal(
    (await q.command({ opc: IoOpc.WriteZeroes, nsid: 1, cdw: { 10: 116, 12: 15 | (1 << 25) } })).status,
    0,
  );
  const z = await readCmd(q, 100, 128);
  assert.ok(z.data!.subarray(0, 32 * 512).every((b) => b === 0));
  assert.ok(z.data!.subarray(32 * 512).equals(patternBuffer(65536, 7).subarray(32 * 512)));
  // DSM deallocate two ranges; without AD it is only a hint.
  const ranges = Buffer.alloc(32);
  ranges.writeUInt32LE(8, 4);
  ranges.writeUInt32LE(0, 8);
  ranges.writeUInt32LE(8, 16 + 4);
  ranges.writeUInt32LE(16, 16 + 8);
  assert.equal(
    (await q.command({ opc: IoOpc.DatasetManagement, nsid: 1, cdw: { 10: 1, 11: 0 } }, { dataOut: ranges }))
      .status,
    0,
  );
  assert.ok(!(await readCmd(q, 0, 8)).data!.every((b) => b === 0), 'no AD: data stays');
  // As the Linux host sends it: room for 256 ranges, NR says how many are valid.
  const linuxStyle = Buffer.alloc(4096, 0xff);
  ranges.copy(linuxStyle);
  const dsm = (nr: number, data: Buffer) =>
    q.command({ opc: IoOpc.DatasetManagement, nsid: 1, cdw: { 10: nr - 1, 11: 4 } }, { dataOut: data });
  assert.equal((await dsm(2, linuxStyle)).status, 0);
  assert.equal((await dsm(3, ranges)).status, G(GenericSc.DataSglLengthInvalid), 'fewer bytes than ranges');
  assert.ok(
    (await readCmd(q, 0, 8)).data!.every((b) => b === 0),
    'deallocated ranges read zeros',
  );
  assert.ok(
    (await readCmd(q, 16, 8)).data!.every((b) => b === 0),
    'deallocated ranges read zeros',
  );
  assert.ok(
    (await readCmd(q, 8, 8)).data!.equals(patternBuffer(8192, 5).subarray(4096)),
    'between the ranges',
  );
  // Volatile write cache off: every write is durable when it completes.
  const vwc = await c.admin.command({ opc: AdminOpc.GetFeatures, cdw: { 10: Feature.VolatileWriteCache } });
  assert.equal(vwc.cqe.dw0, 1);
  assert.equal(
    (await c.admin.command({ opc: AdminOpc.SetFeatures, cdw: { 10: Feature.VolatileWriteCache, 11: 0 } }))
      .status,
    0,
  );
  const f1 = flushes();
  await writeCmd(q, 200, patternBuffer(4096, 8));
  assert.equal(flushes(), f1 + 1);
});

test('block-device errors map to NVMe statuses', T, async (t) => {
  const dev = new FaultInjectingDevice(mallocDev());
  const { port } = await startTarget(t, { dev });
  const c = await openController(port, { subnqn: NQN, ioQueues: 1 });
  t.after(() => c.close());
  const q = c.io[0]!;
  dev.inject({ ops: ['write'], offset: 0, length: 4096, action: { type: 'error' } });
  dev.inject({ ops: ['read'], offset: 0, length: 4096, action: { type: 'error' } });
  dev.inject({
    ops: ['write'],
    offset: 8192,
    length: 4096,
    action: { type: 'error', code: BdevErrors.NO_SPACE },
  });
  dev.inject({ ops: ['flush'], action: { type: 'error' }, count: 1 });
  const w = await writeCmd(q, 0, patternBuffer(512, 1));
  assert.equal(statusSct(w.status), Sct.MediaError);
  assert.equal(statusSc(w.status), MediaSc.WriteFault);
  assert.ok(!statusDnr(w.status), 'an I/O error may be transient: retry allowed');
  const r = await readCmd(q, 0, 1);
  assert.equal(r.status, status(Sct.MediaError, MediaSc.UnrecoveredReadError));
  assert.equal((await writeCmd(q, 16, patternBuffer(512, 1))).status, G(GenericSc.CapacityExceeded));
  assert.equal(
    (await q.command({ opc: IoOpc.Flush, nsid: 1 })).status,
    status(Sct.MediaError, MediaSc.WriteFault),
  );
  assert.equal((await readCmd(q, 64, 1)).status, 0, 'other blocks are fine');
  const smart = await getLogPage(c.admin, LogPage.SmartHealth, 512);
  assert.equal(smart.data!.readBigUInt64LE(160), 3n, 'media errors');
});

test('features: number of queues, keep-alive timer, async event configuration, saveable', T, async (t) => {
  const { port } = await startTarget(t);
  const hostId = Buffer.alloc(16, 3);
  const c = await openController(port, { subnqn: NQN, hostId });
  t.after(() => c.close());
  const a = c.admin;
  const nq = await a.command({
    opc: AdminOpc.SetFeatures,
    cdw: { 10: Feature.NumberOfQueues, 11: 63 | (63 << 16) },
  });
  assert.equal(nq.status, 0);
  assert.equal(nq.cqe.dw0, 31 | (31 << 16), 'capped at 32 I/O queues');
  const small = await a.command({
    opc: AdminOpc.SetFeatures,
    cdw: { 10: Feature.NumberOfQueues, 11: 1 | (1 << 16) },
  });
  assert.equal(small.cqe.dw0, 1 | (1 << 16));
  assert.equal(
    (await a.command({ opc: AdminOpc.GetFeatures, cdw: { 10: Feature.NumberOfQueues } })).cqe.dw0,
    1 | (1 << 16),
  );
  assert.equal(
    (await a.command({ opc: AdminOpc.SetFeatures, cdw: { 10: Feature.NumberOfQueues, 11: 0xffff } })).status,
    G(GenericSc.InvalidField),
  );
  // I/O queue 3 was not allocated.
  const q3 = await RawHost.open(port);
  t.after(() => q3.close());
  const r = await q3.command(
    { ...fabricsSqe(FabricsType.Connect), cdw: { 10: 3 << 16, 11: 127 } },
    { dataOut: connectData(NQN, c.hostnqn, c.cntlid, hostId) },
  );
  assert.equal(r.status, CS(CommandSpecificSc.ConnectInvalidParameters));
  assert.equal(r.cqe.dw0, 42, 'IATTR=command, IPO=QID');
  assert.equal(
    (await a.command({ opc: AdminOpc.SetFeatures, cdw: { 10: Feature.KeepAliveTimer, 11: 2500 } })).status,
    0,
  );
  assert.equal(
    (await a.command({ opc: AdminOpc.GetFeatures, cdw: { 10: Feature.KeepAliveTimer } })).cqe.dw0,
    3000,
    'rounded up to KAS',
  );
  assert.equal(
    (
      await a.command({
        opc: AdminOpc.SetFeatures,
        cdw: { 10: Feature.AsyncEventConfiguration, 11: 0xffffffff },
      })
    ).status,
    0,
  );
  assert.equal(
    (await a.command({ opc: AdminOpc.GetFeatures, cdw: { 10: Feature.AsyncEventConfiguration } })).cqe.dw0,
    1 << 8,
  );
  assert.equal(
    (
      await a.command({
        opc: AdminOpc.SetFeatures,
        cdw: { 10: Feature.VolatileWriteCache | (1 << 31), 11: 1 },
      })
    ).status,
    CS(CommandSpecificSc.FeatureIdNotSaveable),
  );
  assert.equal(
    (await a.command({ opc: AdminOpc.GetFeatures, cdw: { 10: 0x7d } })).status,
    G(GenericSc.InvalidField),
  );
  const caps = await a.command({
    opc: AdminOpc.GetFeatures,
    cdw: { 10: Feature.VolatileWriteCache | (3 << 8) },
  });
  assert.equal(caps.cqe.dw0, 1 << 2, 'VWC: changeable, not saveable');
  const temp = await a.command({ opc: AdminOpc.GetFeatures, cdw: { 10: Feature.TemperatureThreshold } });
  assert.equal(temp.cqe.dw0, 0x157);
});

test('I/O queue Connect checks: controller, host, QID, size, enable state', T, async (t) => {
  const { port, subsys } = await startTarget(t);
  const c = await openController(port, { subnqn: NQN, ioQueues: 1, hostId: Buffer.alloc(16, 7) });
  t.after(() => c.close());
  const hid = Buffer.alloc(16, 7);
  const cases: Array<[string, Buffer, number, number, boolean, number]> = [
    ['unknown controller', connectData(NQN, c.hostnqn, 999, hid), 1, 127, true, 16],
    ['another host', connectData(NQN, 'nqn.2014-08.org.example:other', c.cntlid, hid), 1, 127, true, 512],
    ['another host ID', connectData(NQN, c.hostnqn, c.cntlid, Buffer.alloc(16, 8)), 1, 127, true, 0],
    ['QID in use', connectData(NQN, c.hostnqn, c.cntlid, hid), 1, 127, false, 42],
    ['QID not allocated', connectData(NQN, c.hostnqn, c.cntlid, hid), 2, 127, false, 42],
    ['SQSIZE too big', connectData(NQN, c.hostnqn, c.cntlid, hid), 1, 1024, false, 44],
  ];
  for (const [what, data, qid, sqsize, inData, ipo] of cases) {
    const q = await RawHost.open(port);
    const r = await q.command(
      { ...fabricsSqe(FabricsType.Connect), cdw: { 10: qid << 16, 11: sqsize } },
      { dataOut: data },
    );
    q.close();
    assert.equal(r.status, CS(CommandSpecificSc.ConnectInvalidParameters), what);
    assert.equal((r.cqe.dw0 >>> 16) & 1, inData ? 1 : 0, `${what}: IATTR`);
    assert.equal(r.cqe.dw0 & 0xffff, ipo, `${what}: IPO`);
  }
  // A controller that is not enabled takes no I/O queues.
  const a2 = await RawHost.open(port);
  t.after(() => a2.close());
  const conn = await a2.connectCommand({ subnqn: NQN, hostnqn: c.hostnqn, qid: 0, sqsize: 31, hostId: hid });
  const q = await RawHost.open(port);
  t.after(() => q.close());
  const early = await q.command(
    { ...fabricsSqe(FabricsType.Connect), cdw: { 10: 1 << 16, 11: 127 } },
    { dataOut: connectData(NQN, c.hostnqn, conn.cqe.dw0 & 0xffff, hid) },
  );
  assert.equal(early.status, G(GenericSc.CommandSequenceError));
  assert.equal(subsys.controllerCount, 2);
});

test(
  'admin Connect refusals: unknown subsystem, host not allowed, bad format, bad queue size',
  T,
  async (t) => {
    const allowed = 'nqn.2014-08.org.example:allowed';
    const { port, target } = await startTarget(t, { allowedHosts: [allowed] });
    const h = await RawHost.open(port);
    t.after(() => h.close());
    const unknown = await h.connectCommand({ subnqn: NQN + 'x', hostnqn: allowed, qid: 0, sqsize: 31 });
    assert.equal(unknown.status, CS(CommandSpecificSc.ConnectInvalidParameters));
    assert.equal(unknown.cqe.dw0, (1 << 16) | 256, 'IATTR=data, IPO=SUBNQN');
    const denied = await h.connectCommand({ subnqn: NQN, hostnqn: DEFAULT_HOSTNQN, qid: 0, sqsize: 31 });
    assert.equal(denied.status, CS(CommandSpecificSc.ConnectInvalidHost));
    assert.equal(target.stats.hostsRefused, 1);
    const fmt = await h.connectCommand({ subnqn: NQN, hostnqn: allowed, qid: 0, sqsize: 31, recfmt: 1 });
    assert.equal(fmt.status, CS(CommandSpecificSc.ConnectIncompatibleFormat));
    const size = await h.connectCommand({ subnqn: NQN, hostnqn: allowed, qid: 0, sqsize: 0 });
    assert.equal(size.status, CS(CommandSpecificSc.ConnectInvalidParameters));
    assert.equal(size.cqe.dw0, 44);
    const cnt = await h.connectCommand({ subnqn: NQN, hostnqn: allowed, qid: 0, sqsize: 31, cntlid: 5 });
    assert.equal(cnt.cqe.dw0, (1 << 16) | 16);
    const badHost = await h.connectCommand({ subnqn: NQN, hostnqn: 'not an nqn', qid: 0, sqsize: 31 });
    assert.equal(badHost.cqe.dw0, (1 << 16) | 512);
    // An empty host NQN (SPDK's perf sends one) can never be on an allow list.
    const empty = await h.connectCommand({ subnqn: NQN, hostnqn: '', qid: 0, sqsize: 31 });
    assert.equal(empty.status, CS(CommandSpecificSc.ConnectInvalidHost));
    // The Connect data may also come on R2T (a host that puts no data in capsules).
    const ok = await h.connectCommand({
      subnqn: NQN,
      hostnqn: allowed,
      qid: 0,
      sqsize: 31,
      inCapsule: false,
    });
    assert.equal(ok.status, 0);
    // Taking the host off the allow list drops its controller.
    const gone = h.closed;
    target.subsystem(NQN)!.allowHost('nqn.2014-08.org.example:second');
    target.subsystem(NQN)!.disallowHost(allowed);
    await gone;
    assert.equal(target.controllers().length, 0);
  },
);

test('namespace hot add/remove raises a Namespace Attribute Changed AEN', T, async (t) => {
  const { port, subsys } = await startTarget(t);
  const c = await openController(port, { subnqn: NQN });
  t.after(() => c.close());
  const a = c.admin;
  await a.ok({ opc: AdminOpc.SetFeatures, cdw: { 10: Feature.AsyncEventConfiguration, 11: 1 << 8 } });
  const aer = a.command({ opc: AdminOpc.AsyncEventRequest }, { timeoutMs: 20_000 });
  const dev2 = mallocDev('m1', 2048, 4096, '11111111-2222-4333-8444-555555555555');
  subsys.addNamespace(dev2, { nsid: 7 });
  const ev = await aer;
  assert.equal(ev.status, 0);
  assert.equal(
    ev.cqe.dw0,
    0x02 | (0x00 << 8) | (0x04 << 16),
    'notice, namespace attribute changed, log page 04h',
  );
  // Until the log page is read, further changes do not raise another event.
  const aer2 = a.command({ opc: AdminOpc.AsyncEventRequest }, { timeoutMs: 20_000 });
  const changed = await getLogPage(a, LogPage.ChangedNamespaceList, 4096);
  assert.equal(changed.data!.readUInt32LE(0), 7);
  assert.equal(changed.data!.readUInt32LE(4), 0);
  assert.equal((await identify(a, Cns.ActiveNamespaceList)).data!.readUInt32LE(4), 7);
  const ns7 = (await identify(a, Cns.Namespace, 7)).data!;
  assert.equal(ns7[130], 12, '4 KiB blocks');
  subsys.removeNamespace(7);
  const ev2 = await aer2;
  assert.equal(ev2.cqe.dw0 >>> 16, 0x04);
  assert.equal((await getLogPage(a, LogPage.ChangedNamespaceList, 4096)).data!.readUInt32LE(0), 7);
  assert.equal(
    (await getLogPage(a, LogPage.ChangedNamespaceList, 4096)).data!.readUInt32LE(0),
    0,
    'cleared by reading',
  );
  // AER limit: AERL+1 = 4 outstanding.
  const held = [0, 1, 2, 3].map(() =>
    a.command({ opc: AdminOpc.AsyncEventRequest }, { timeoutMs: 60_000 }).catch(() => undefined),
  );
  const over = await a.command({ opc: AdminOpc.AsyncEventRequest });
  assert.equal(over.status, CS(CommandSpecificSc.AsyncEventRequestLimitExceeded));
  c.close();
  await Promise.all(held);
});

test('log pages: SMART counters, commands supported, firmware slot, offsets, unknown pages', T, async (t) => {
  const { port } = await startTarget(t);
  const c = await openController(port, { subnqn: NQN, ioQueues: 1 });
  t.after(() => c.close());
  const q = c.io[0]!;
  for (let i = 0; i < 10; i++) await writeCmd(q, i * 8, patternBuffer(4096, i));
  for (let i = 0; i < 5; i++) await readCmd(q, i * 8, 8);
  const s = (await getLogPage(c.admin, LogPage.SmartHealth, 512)).data!;
  assert.equal(s[3], 100, 'available spare');
  assert.equal(s.readBigUInt64LE(32), 1n, 'data units read (20 KiB, rounded up)');
  assert.equal(s.readBigUInt64LE(48), 1n, 'data units written');
  assert.equal(s.readBigUInt64LE(64), 5n, 'host read commands');
  assert.equal(s.readBigUInt64LE(80), 10n, 'host write commands');
  const perNs = await getLogPage(c.admin, LogPage.SmartHealth, 512, { nsid: 1 });
  assert.equal(perNs.data!.readBigUInt64LE(80), 10n);
  assert.equal(
    (await getLogPage(c.admin, LogPage.SmartHealth, 512, { nsid: 9 })).status,
    G(GenericSc.InvalidNamespaceOrFormat),
  );
  const eff = (await getLogPage(c.admin, LogPage.CommandsSupported, 4096)).data!;
  assert.equal(eff.readUInt32LE(AdminOpc.Identify * 4) & 1, 1);
  assert.equal(eff.readUInt32LE(1024 + IoOpc.Write * 4), 3, 'Write: supported, changes LBA content');
  const fw = (await getLogPage(c.admin, LogPage.FirmwareSlot, 512)).data!;
  assert.equal(fw[0], 1);
  // Offsets: the second half of the SMART page.
  const half = await getLogPage(c.admin, LogPage.SmartHealth, 256, { offset: 256 });
  assert.equal(half.status, 0);
  assert.equal(
    (await getLogPage(c.admin, LogPage.SmartHealth, 4, { offset: 2 })).status,
    G(GenericSc.InvalidField),
  );
  assert.equal(
    (await getLogPage(c.admin, LogPage.SmartHealth, 4, { offset: 4096 })).status,
    G(GenericSc.InvalidField),
  );
  assert.equal((await getLogPage(c.admin, 0x7f, 512)).status, CS(CommandSpecificSc.InvalidLogPage));
  assert.equal(
    (await getLogPage(c.admin, LogPage.Discovery, 1024)).status,
    CS(CommandSpecificSc.InvalidLogPage),
  );
});

test('SQ flow control disabled: reads complete with C2HData SUCCESS; HPDA aligns C2H data', T, async (t) => {
  const { port } = await startTarget(t);
  const c = await openController(port, {
    subnqn: NQN,
    ioQueues: 1,
    disableSqflow: true,
    hpda: 3,
    hdgst: true,
  });
  t.after(() => c.close());
  const q = c.io[0]!;
  const pdos: number[] = [];
  q.socket.prependListener('data', (b: Buffer) => {
    if (b[0] === PduType.C2HData) pdos.push(b[3]!);
  });
  await writeCmd(q, 0, patternBuffer(4096, 3));
  const r = await readCmd(q, 0, 8);
  assert.equal(r.status, 0);
  assert.ok(r.viaSuccessFlag);
  assert.ok(r.data!.equals(patternBuffer(4096, 3)));
  assert.ok(pdos.length > 0 && pdos.every((p) => p % 16 === 0 && p >= 28), `PDO ${pdos} aligned to 16`);
});

test('keep-alive: a silent host is removed, a host that keeps talking is not', T, async (t) => {
  const { port, target } = await startTarget(t);
  const silent = await openController(port, { subnqn: NQN, ioQueues: 1, kato: 1000 });
  const talker = await openController(port, { subnqn: NQN, ioQueues: 1, kato: 3000 });
  t.after(() => talker.close());
  let talking = true;
  const loop = (async () => {
    while (talking) {
      await talker.admin.ok({ opc: AdminOpc.KeepAlive });
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  // The silent host's queues are closed by the target (bounded wait: KATO + slack + margin).
  await Promise.race([
    Promise.all([silent.admin.closed, silent.io[0]!.closed]),
    new Promise((_, rej) => setTimeout(() => rej(new Error('silent controller not removed')), 15_000)),
  ]);
  assert.equal(target.stats.keepAliveTimeouts, 1);
  // The talker outlives the silent host's deadline by more than its own.
  await new Promise((r) => setTimeout(r, 5000));
  talking = false;
  await loop;
  assert.ok(talker.admin.isOpen);
  assert.equal((await readCmd(talker.io[0]!, 0, 1)).status, 0);
  assert.deepEqual(
    target.controllers().map((c) => c.cntlid),
    [talker.cntlid],
  );
});

test(
  'a reused command ID abandons an outstanding AER (as SPDK hosts do); any other duplicate is fatal',
  T,
  async (t) => {
    const dev = new FaultInjectingDevice(mallocDev());
    const { port } = await startTarget(t, { dev });
    const c = await openController(port, { subnqn: NQN, ioQueues: 1 });
    t.after(() => c.close());
    void c.admin
      .command({ opc: AdminOpc.AsyncEventRequest, cid: 0x6000 }, { timeoutMs: 60_000 })
      .catch(() => undefined);
    const reused = await c.admin.command({
      ...fabricsSqe(FabricsType.PropertyGet),
      cid: 0x6000,
      cdw: { 10: 0, 11: Prop.VS },
    });
    assert.equal(reused.status, 0);
    assert.equal(reused.cqe.dw0, 0x00010400);
    // The connection still works, and a fresh AER is accepted.
    void c.admin
      .command({ opc: AdminOpc.AsyncEventRequest, cid: 0x6001 }, { timeoutMs: 60_000 })
      .catch(() => undefined);
    assert.equal((await c.admin.propertyGet(Prop.CSTS)).status, 0);
    // A duplicate ID of a command that is not an AER (a read held in flight) ends the connection.
    const io = c.io[0]!;
    const closed = io.closed.catch(() => undefined);
    const hang = dev.inject({ ops: ['read'], action: { type: 'hang' } });
    const held = io.command(
      { opc: IoOpc.Read, nsid: 1, cid: 0x10, cdw: { 10: 0, 11: 0, 12: 7 } },
      { dataIn: 8 * 512, timeoutMs: 5000 },
    );
    const dup = io.command(
      { opc: IoOpc.Read, nsid: 1, cid: 0x10, cdw: { 10: 0, 11: 0, 12: 0 } },
      { dataIn: 512, timeoutMs: 5000 },
    );
    const settled = Promise.allSettled([held, dup]);
    await new Promise((r) => setTimeout(r, 100));
    // The target closes the connection once the held read is done with its buffer.
    dev.remove(hang);
    await settled;
    await closed;
    assert.equal(io.termReq?.fes, Fes.InvalidPduHeaderField, 'C2HTermReq: invalid header field (CID)');
  },
);

test('shutdown (CC.SHN) flushes and reports completion; reset (CC.EN=0) drops I/O queues', T, async (t) => {
  const { port, dev } = await startTarget(t);
  const c = await openController(port, { subnqn: NQN, ioQueues: 1 });
  t.after(() => c.close());
  await writeCmd(c.io[0]!, 0, patternBuffer(4096, 1));
  const f0 = dev.stats.numFlushOps;
  await c.admin.ok({
    ...fabricsSqe(FabricsType.PropertySet),
    cdw: { 10: 0, 11: Prop.CC, 12: 0x460001 | (1 << 14) },
  });
  await waitUntil(() => dev.stats.numFlushOps > f0, 5000, 'flush');
  let shst = 0;
  for (let i = 0; i < 100 && shst !== 2; i++) {
    shst = ((await c.admin.propertyGet(Prop.CSTS)).cqe.dw0 >> 2) & 3;
    if (shst !== 2) await new Promise((r) => setTimeout(r, 10));
  }
  assert.equal(shst, 2, 'SHST: shutdown complete');
  assert.equal(
    (await readCmd(c.io[0]!, 0, 1)).status,
    G(GenericSc.CommandSequenceError),
    'no I/O after shutdown',
  );
  // An Asynchronous Event Request outstanding at the reset is aborted by it: the host frees its
  // command ID and may use it again at once (SPDK's host does).
  void c.admin
    .command({ opc: AdminOpc.AsyncEventRequest, cid: 0x7000 }, { timeoutMs: 60_000 })
    .catch(() => undefined);
  await c.admin.propertySet(Prop.CC, 0);
  await c.io[0]!.closed;
  assert.equal((await c.admin.propertyGet(Prop.CSTS)).cqe.dw0, 0);
  const reused = await c.admin.command({
    ...fabricsSqe(FabricsType.PropertyGet),
    cid: 0x7000,
    cdw: { 10: 0, 11: Prop.VS },
  });
  assert.equal(reused.status, 0, "the aborted request's command ID is free again");
});

test(
  'discovery: the log page lists the subsystems a host may use, at the advertised address',
  T,
  async (t) => {
    const { port, target } = await startTarget(t, { options: { advertise: '10.0.2.2' } });
    const other = 'nqn.2019-05.io.openebs:22222222-3333-4444-8555-666666666666';
    const hidden = 'nqn.2019-05.io.openebs:33333333-3333-4444-8555-666666666666';
    target
      .createSubsystem({ nqn: other })
      .addNamespace(mallocDev('m2', 2048, 512, '44444444-3333-4444-8555-666666666666'));
    target.createSubsystem({ nqn: hidden, allowedHosts: ['nqn.2014-08.org.example:someone-else'] });
    const c = await openController(port, { subnqn: DISCOVERY_NQN, kato: 0 });
    t.after(() => c.close());
    const id = (await identify(c.admin, Cns.Controller)).data!;
    assert.equal(id[111], 2, 'CNTRLTYPE: discovery');
    assert.equal(id.toString('latin1', 768, 768 + DISCOVERY_NQN.length), DISCOVERY_NQN);
    assert.equal((await identify(c.admin, Cns.Namespace, 1)).status, G(GenericSc.InvalidField));
    const kato = await c.admin.command({ opc: AdminOpc.GetFeatures, cdw: { 10: Feature.KeepAliveTimer } });
    assert.equal(kato.cqe.dw0, 120_000, 'a discovery controller without KATO still times out');
    const head = (await getLogPage(c.admin, LogPage.Discovery, 1024)).data!;
    const numrec = Number(head.readBigUInt64LE(8));
    assert.equal(numrec, 2);
    const genctr = head.readBigUInt64LE(0);
    const all = (await getLogPage(c.admin, LogPage.Discovery, 1024 * (1 + numrec))).data!;
    const entries = [0, 1].map((i) => {
      const e = all.subarray(1024 + i * 1024, 2048 + i * 1024);
      const s = (o: number, n: number) => e.toString('latin1', o, o + n).replace(/\0+$/, '');
      return {
        trtype: e[0],
        adrfam: e[1],
        subtype: e[2],
        treq: e[3],
        cntlid: e.readUInt16LE(6),
        asqsz: e.readUInt16LE(8),
        trsvcid: s(32, 32),
        subnqn: s(256, 256),
        traddr: s(512, 256),
        sectype: e[768],
      };
    });
    assert.deepEqual(entries.map((e) => e.subnqn).sort(), [NQN, other].sort());
    for (const e of entries) {
      assert.deepEqual(
        { ...e, subnqn: '' },
        {
          trtype: 3,
          adrfam: 1,
          subtype: 2,
          treq: 0x04,
          cntlid: 0xffff,
          asqsz: 32,
          trsvcid: String(port),
          subnqn: '',
          traddr: '10.0.2.2',
          sectype: 0,
        },
      );
    }
    // Entries read at an offset.
    const second = (await getLogPage(c.admin, LogPage.Discovery, 1024, { offset: 2048 })).data!;
    assert.ok(second.equals(all.subarray(2048, 3072)));
    // The generation counter moves when the set of subsystems changes, with an AEN if asked for.
    await c.admin.ok({
      opc: AdminOpc.SetFeatures,
      cdw: { 10: Feature.AsyncEventConfiguration, 11: 0x80000000 },
    });
    const aer = c.admin.command({ opc: AdminOpc.AsyncEventRequest }, { timeoutMs: 20_000 });
    target.removeSubsystem(other);
    const ev = await aer;
    assert.equal(ev.cqe.dw0, 0x02 | (0xf0 << 8) | (0x70 << 16));
    const head2 = (await getLogPage(c.admin, LogPage.Discovery, 1024)).data!;
    assert.ok(head2.readBigUInt64LE(0) > genctr);
    assert.equal(head2.readBigUInt64LE(8), 1n);
    // The discovery subsystem takes no I/O queues and no I/O-controller log pages.
    assert.equal(
      (await getLogPage(c.admin, LogPage.SmartHealth, 512)).status,
      CS(CommandSpecificSc.InvalidLogPage),
    );
  },
);

test('protocol violations close only the offending connection, with a C2HTermReq', T, async (t) => {
  const { port, target } = await startTarget(t);
  const good = await openController(port, { subnqn: NQN, ioQueues: 1 });
  t.after(() => good.close());
  const expectTerm = async (
    send: (h: RawHost) => void | Promise<void>,
    fes: number,
    fei: number | undefined,
    what: string,
    opts = {},
  ) => {
    const h = await RawHost.open(port, opts);
    await send(h);
    await Promise.race([
      h.closed,
      new Promise((_, rej) => setTimeout(() => rej(new Error(`${what}: not closed`)), 5000)),
    ]);
    assert.ok(h.termReq, `${what}: C2HTermReq`);
    assert.equal(h.termReq.fes, fes, `${what}: FES`);
    if (fei !== undefined) assert.equal(h.termReq.fei, fei, `${what}: FEI`);
  };
  const capsule = (h: RawHost, f: Parameters<typeof encodeSqe>[0], data?: Buffer) =>
    Buffer.concat(framePdu(PduType.CapsuleCmd, capsuleCmdHeader(encodeSqe(f)), data, h.digests));
  await expectTerm(
    (h) => {
      const b = capsule(h, { opc: 0, cid: 1 });
      b[2] = 70; // HLEN
      h.write(b);
    },
    Fes.InvalidPduHeaderField,
    2,
    'wrong HLEN',
  );
  await expectTerm(
    (h) => {
      const b = capsule(h, { opc: 0, cid: 1 });
      b[0] = PduType.R2T; // a controller-to-host type
      h.write(b);
    },
    Fes.InvalidPduHeaderField,
    0,
    'wrong direction',
  );
  await expectTerm(
    (h) => h.write(encodeICReq({ pfv: 0, hpda: 0, hdgst: false, ddgst: false, maxr2t: 0 })),
    Fes.PduSequenceError,
    undefined,
    'second ICReq',
  );
  await expectTerm(
    (h) =>
      h.write(
        framePdu(
          PduType.H2CData,
          dataHeader({ cccid: 1, ttag: 5, datao: 0, datal: 512 }),
          Buffer.alloc(512),
          h.digests,
          4,
        ),
      ),
    Fes.InvalidPduHeaderField,
    10,
    'H2CData without R2T',
  );
  await expectTerm(
    (h) => {
      const b = capsule(h, { opc: 0, cid: 1 });
      b.writeUInt32LE(1 << 30, 4); // PLEN far beyond the limit
      h.write(b);
    },
    Fes.InvalidPduHeaderField,
    4,
    'huge PLEN',
  );
  await expectTerm(
    (h) => {
      const b = capsule(h, { opc: 0, cid: 1 });
      b[30]! ^= 1; // header digest now wrong
      h.write(b);
    },
    Fes.HeaderDigestError,
    undefined,
    'header digest',
    { hdgst: true },
  );
  await expectTerm(
    async (h) => {
      const r = await h.connectCommand({ subnqn: NQN, hostnqn: DEFAULT_HOSTNQN, qid: 0, sqsize: 1 });
      assert.equal(r.status, 0);
      await h.propertySet(Prop.CC, 0x460001);
      // sqsize 1 = two entries; a third outstanding command breaks the host's promise.
      for (let cid = 10; cid < 13; cid++) h.write(capsule(h, { opc: AdminOpc.AsyncEventRequest, cid }));
    },
    Fes.InvalidPduHeaderField,
    undefined,
    'queue overrun',
  );
  // H2CData that runs past the R2T, or skips ahead: the host answers our R2T itself.
  for (const [what, datao, datal, fes, fei] of [
    ['H2CData past the R2T', 0, 1536, Fes.DataTransferOutOfRange, 12],
    ['H2CData out of order', 512, 512, Fes.DataTransferOutOfRange, 12],
    ['H2CData above MAXH2CDATA', 0, 256 * 1024, Fes.InvalidPduHeaderField, 4],
  ] as const) {
    const bad = await openController(port, { subnqn: NQN, ioQueues: 1 });
    const q = bad.io[0]!;
    q.write(
      capsule(q, {
        opc: IoOpc.Write,
        cid: 500,
        nsid: 1,
        sgl: { address: 0n, length: 1024, id: SglId.Transport },
        cdw: { 12: 1 },
      }),
    );
    await waitUntil(() => q.oddities.some((o) => o.startsWith('R2T for unknown cid 500')), 5000, 'R2T');
    q.write(
      framePdu(
        PduType.H2CData,
        dataHeader({ cccid: 500, ttag: 0, datao, datal }),
        Buffer.alloc(datal),
        q.digests,
        4,
      ),
    );
    await q.closed;
    assert.deepEqual(q.termReq, { fes, fei }, what);
    assert.ok(bad.admin.isOpen, 'only the offending connection is closed');
    bad.close();
  }
  assert.equal((await readCmd(good.io[0]!, 0, 1)).status, 0, 'the good host never noticed');
  assert.ok(target.stats.protocolErrors >= 8);
  await waitUntil(() => target.connectionCount === 2, 5000, 'only the good connections left');
});

test('two targets in one process are independent', T, async (t) => {
  const a = await startTarget(t);
  const b = await startTarget(t, { dev: mallocDev('m9', 1024) });
  const ca = await openController(a.port, { subnqn: NQN, ioQueues: 1 });
  const cb = await openController(b.port, { subnqn: NQN, ioQueues: 1 });
  t.after(() => {
    ca.close();
    cb.close();
  });
  await writeCmd(ca.io[0]!, 0, patternBuffer(512, 1));
  await writeCmd(cb.io[0]!, 0, patternBuffer(512, 2));
  assert.ok((await readCmd(ca.io[0]!, 0, 1)).data!.equals(patternBuffer(512, 1)));
  assert.ok((await readCmd(cb.io[0]!, 0, 1)).data!.equals(patternBuffer(512, 2)));
  await b.target.stop();
  await cb.admin.closed;
  assert.ok(ca.admin.isOpen);
  assert.equal((await readCmd(ca.io[0]!, 0, 1)).status, 0);
});

test('stop() waits for device I/O in flight', T, async (t) => {
  const dev = new FaultInjectingDevice(mallocDev());
  const { port, target } = await startTarget(t, { dev });
  const c = await openController(port, { subnqn: NQN, ioQueues: 1 });
  const id = dev.inject({ ops: ['write'], action: { type: 'hang' } });
  const w = writeCmd(c.io[0]!, 0, patternBuffer(512, 1)).catch(() => undefined);
  await waitUntil(() => target.inflightIo === 1, 5000, 'write in flight');
  let stopped = false;
  const s = target.stop().then(() => (stopped = true));
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(stopped, false);
  dev.remove(id);
  await s;
  await w;
  assert.equal(target.inflightIo, 0);
  const back = Buffer.alloc(512);
  await dev.read(0, back);
  assert.ok(back.equals(patternBuffer(512, 1)));
});

test(
  'discovery without --advertise: a wildcard listener advertises the address the host used',
  T,
  async (t) => {
    const target = new NvmfTarget({ log: testLogger() });
    t.after(() => target.stop());
    target.createSubsystem({ nqn: NQN }).addNamespace(mallocDev());
    const { port } = await target.listen('0.0.0.0', 0);
    let v6port: number | undefined;
    try {
      v6port = (await target.listen('::1', 0)).port;
    } catch {
      t.diagnostic('no IPv6 loopback here: IPv6 listener not checked');
    }
    const entries = async (host: string, p: number) => {
      const c = await openController(p, { subnqn: DISCOVERY_NQN, host });
      try {
        const head = (await getLogPage(c.admin, LogPage.Discovery, 1024)).data!;
        const n = Number(head.readBigUInt64LE(8));
        const all = (await getLogPage(c.admin, LogPage.Discovery, 1024 * (n + 1))).data!;
        return [...Array(n).keys()].map((i) => {
          const e = all.subarray(1024 * (i + 1));
          const s = (o: number, len: number) => e.toString('latin1', o, o + len).replace(/\0+$/, '');
          return { adrfam: e[1], portid: e.readUInt16LE(4), trsvcid: s(32, 32), traddr: s(512, 256) };
        });
      } finally {
        c.close();
      }
    };
    const seen = await entries('127.0.0.1', port);
    assert.deepEqual(seen[0], { adrfam: 1, portid: 1, trsvcid: String(port), traddr: '127.0.0.1' });
    if (v6port !== undefined) {
      assert.deepEqual(seen[1], { adrfam: 2, portid: 2, trsvcid: String(v6port), traddr: '::1' });
      assert.equal((await entries('::1', v6port)).length, 2);
    }
  },
);
