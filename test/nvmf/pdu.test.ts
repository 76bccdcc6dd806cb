import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  PduReader,
  PduError,
  framePdu,
  capsuleCmdHeader,
  encodeSqe,
  sqeOf,
  sqe,
  dataHeader,
  decodeDataHeader,
  capsuleResp,
  cqeOf,
  decodeCqe,
  encodeICReq,
  decodeICReq,
  type Pdu,
} from '../../src/nvmf/pdu.js';
import { PduType, Fes, SglId, IoOpc, status, Sct, GenericSc } from '../../src/nvmf/spec.js';
import { patternBuffer } from '../helpers/tmp.js';

const TARGET_ACCEPTS = [PduType.ICReq, PduType.H2CTermReq, PduType.CapsuleCmd, PduType.H2CData];

function collect(accept: number[] = TARGET_ACCEPTS) {
  const out: Pdu[] = [];
  const r = new PduReader((p) => out.push(p), { accept, maxPlen: 1 << 20 });
  return { r, out };
}

for (const digests of [
  { header: false, data: false },
  { header: true, data: false },
  { header: true, data: true },
  { header: false, data: true },
]) {
  test(`capsule with in-capsule data round-trips, digests ${JSON.stringify(digests)}, any chunking`, () => {
    const data = patternBuffer(8192, 5);
    const s = encodeSqe({
      opc: IoOpc.Write,
      cid: 0x1234,
      nsid: 1,
      sgl: { address: 0n, length: data.length, id: SglId.InCapsule },
      cdw: { 10: 0x89abcdef, 11: 0x1, 12: 15 },
    });
    const wire = Buffer.concat([
      ...framePdu(PduType.CapsuleCmd, capsuleCmdHeader(s), data, digests, 0, 16),
      ...framePdu(
        PduType.H2CData,
        dataHeader({ cccid: 7, ttag: 3, datao: 4096, datal: 4096 }),
        data.subarray(0, 4096),
        digests,
      ),
    ]);
    for (const step of [1, 7, 64, wire.length]) {
      const { r, out } = collect();
      r.digests = digests;
      for (let i = 0; i < wire.length; i += step) r.push(wire.subarray(i, i + step));
      assert.equal(out.length, 2);
      const [cmd, h2c] = out as [Pdu, Pdu];
      const q = sqeOf(cmd.header);
      assert.equal(sqe.opc(q), IoOpc.Write);
      assert.equal(sqe.cid(q), 0x1234);
      assert.equal(sqe.slba(q), 0x1_89abcdef);
      assert.equal(sqe.nlb(q), 15);
      assert.equal(sqe.sglId(q), SglId.InCapsule);
      assert.ok(cmd.data!.equals(data));
      assert.ok(cmd.dataDigestOk);
      assert.deepEqual(decodeDataHeader(h2c.header), { cccid: 7, ttag: 3, datao: 4096, datal: 4096 });
      assert.ok(h2c.data!.equals(data.subarray(0, 4096)));
      assert.equal(r.bufferedBytes, 0);
    }
  });
}

test('a flipped data bit is reported, a flipped header bit is fatal', () => {
  const digests = { header: true, data: true };
  const data = patternBuffer(512, 1);
  const wire = Buffer.concat(
    framePdu(PduType.CapsuleCmd, capsuleCmdHeader(encodeSqe({ opc: 1, cid: 1 })), data, digests),
  );
  const badData = Buffer.from(wire);
  badData[wire.length - 10]! ^= 1;
  const a = collect();
  a.r.digests = digests;
  a.r.push(badData);
  assert.equal(a.out[0]!.dataDigestOk, false);
  const badHdr = Buffer.from(wire);
  badHdr[20]! ^= 1;
  const b = collect();
  b.r.digests = digests;
  assert.throws(
    () => b.r.push(badHdr),
    (e) => e instanceof PduError && e.fes === Fes.HeaderDigestError,
  );
});

test('framing violations raise PduError with the right FES and field offset', () => {
  const icreq = encodeICReq({ pfv: 0, hpda: 0, hdgst: true, ddgst: false, maxr2t: 0 });
  const { r, out } = collect();
  r.push(icreq);
  assert.deepEqual(decodeICReq(out[0]!.header), { pfv: 0, hpda: 0, hdgst: true, ddgst: false, maxr2t: 0 });
  const cases: Array<[string, (b: Buffer) => void, number, number]> = [
    ['unknown type', (b) => (b[0] = 0x0f), Fes.InvalidPduHeaderField, 0],
    ['type not accepted on this side', (b) => (b[0] = PduType.CapsuleResp), Fes.InvalidPduHeaderField, 0],
    ['wrong hlen', (b) => (b[2] = 100), Fes.InvalidPduHeaderField, 2],
    ['plen below hlen', (b) => b.writeUInt32LE(10, 4), Fes.InvalidPduHeaderField, 4],
    ['plen above maximum', (b) => b.writeUInt32LE(1 << 30, 4), Fes.InvalidPduHeaderField, 4],
    ['digest flag on ICReq', (b) => (b[1] = 1), Fes.InvalidPduHeaderField, 1],
  ];
  for (const [what, mutate, fes, fei] of cases) {
    const b = Buffer.from(icreq);
    mutate(b);
    const c = collect();
    assert.throws(
      () => c.r.push(b),
      (e) => e instanceof PduError && e.fes === fes && e.fei === fei,
      what,
    );
  }
});

test('CapsuleResp carries the CQE and status', () => {
  const st = status(Sct.Generic, GenericSc.LbaOutOfRange, true);
  const wire = Buffer.concat(
    capsuleResp({ dw0: 5, dw1: 0, sqhd: 9, sqid: 1, cid: 77, status: st }, { header: true, data: false }),
  );
  const { r, out } = collect([PduType.CapsuleResp]);
  r.digests = { header: true, data: false };
  r.push(wire);
  assert.deepEqual(decodeCqe(cqeOf(out[0]!.header)), {
    dw0: 5,
    dw1: 0,
    sqhd: 9,
    sqid: 1,
    cid: 77,
    status: st,
  });
});
