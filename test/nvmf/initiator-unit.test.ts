/**
 * Initiator pieces that need no target: the streaming receiver against PDUs framed by the shared
 * codec (every chunking, digests, padding, corruption), URI parsing, NVMe status mapping, and
 * connection failures against real sockets (nothing listening, a silent peer, a peer that breaks
 * the protocol).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { PduReceiver } from '../../src/nvmf/initiator/receiver.js';
import {
  capsuleResp,
  dataHeader,
  decodeDataHeader,
  decodeTermReq,
  encodeICResp,
  framePdu,
  PduError,
  PduReader,
  r2tHeader,
  sqe,
  sqeOf,
} from '../../src/nvmf/pdu.js';
import { Dir, NvmeTcpQueue } from '../../src/nvmf/initiator/queue.js';
import { silentLogger } from '../../src/core/log.js';
import { Fes, GenericSc, IoOpc, PduFlags, PduType, Sct, status } from '../../src/nvmf/spec.js';
import {
  NvmfBlockDevice,
  NvmfErrors,
  hostIdFromNqn,
  nvmfOptionsFromUri,
  registerNvmfScheme,
} from '../../src/nvmf/initiator/index.js';
import { ioStatusError } from '../../src/nvmf/initiator/errors.js';
import { decodeCap, decodeNsDescriptorUuid } from '../../src/nvmf/initiator/identify.js';
import { BdevRegistry, parseUri, BdevErrors, bdevError } from '../../src/bdev/index.js';
import { isMayastorError } from '../../src/core/errors.js';
import { isUuid } from '../../src/core/uuid.js';
import { patternBuffer } from '../helpers/tmp.js';
import { freePort } from '../helpers/proc.js';

type Ev =
  | { t: 'pdu'; type: number; bytes: Buffer }
  | { t: 'start'; cccid: number; datao: number; datal: number }
  | { t: 'end'; cccid: number; datal: number; flags: number; ok: boolean };

function receiver(target: Buffer | undefined, digests: { header: boolean; data: boolean }) {
  const events: Ev[] = [];
  const r = new PduReceiver(
    {
      onPdu: (type, pdu, plen) => events.push({ t: 'pdu', type, bytes: Buffer.from(pdu.subarray(0, plen)) }),
      onDataStart: (cccid, datao, datal) => {
        events.push({ t: 'start', cccid, datao, datal });
        return target;
      },
      onDataEnd: (cccid, datal, flags, ok) => events.push({ t: 'end', cccid, datal, flags, ok }),
    },
    [PduType.CapsuleResp, PduType.C2HData, PduType.R2T, PduType.C2HTermReq],
  );
  r.hdgst = digests.header;
  r.ddgst = digests.data;
  return { r, events };
}

const DIGESTS = [
  { header: false, data: false },
  { header: true, data: false },
  { header: false, data: true },
  { header: true, data: true },
];

for (const digests of DIGESTS) {
  for (const align of [0, 16]) {
    test(`receiver: C2HData lands at DATAO in the caller's buffer, digests ${JSON.stringify(digests)}, PDA ${align}`, () => {
      const data = patternBuffer(8192, 11);
      const resp = capsuleResp({ dw0: 7, dw1: 0, sqhd: 0, sqid: 1, cid: 0x1403, status: 0 }, digests);
      const wire = Buffer.concat([
        ...framePdu(
          PduType.C2HData,
          dataHeader({ cccid: 0x1403, ttag: 0, datao: 0, datal: 3000 }),
          data.subarray(0, 3000),
          digests,
          0,
          align,
        ),
        ...framePdu(
          PduType.C2HData,
          dataHeader({ cccid: 0x1403, ttag: 0, datao: 3000, datal: 5192 }),
          data.subarray(3000),
          digests,
          PduFlags.LAST_PDU,
          align,
        ),
        ...resp,
        ...framePdu(PduType.R2T, r2tHeader({ cccid: 9, ttag: 4, r2to: 0, r2tl: 65536 }), undefined, digests),
      ]);
      for (const step of [1, 3, 7, 29, 1000, wire.length]) {
        const target = Buffer.alloc(8192);
        const { r, events } = receiver(target, digests);
        for (let i = 0; i < wire.length; i += step) {
          // Hand over each piece as part of a larger, reused buffer, as the socket does.
          const piece = wire.subarray(i, i + step);
          const big = Buffer.alloc(piece.length + 10, 0xee);
          piece.copy(big, 5);
          r.push(big, 5, 5 + piece.length);
        }
        assert.ok(target.equals(data), `data intact with ${step}-byte chunks`);
        assert.ok(r.idle);
        assert.deepEqual(
          events.map((e) => e.t),
          ['start', 'end', 'start', 'end', 'pdu', 'pdu'],
        );
        assert.deepEqual(events[0], { t: 'start', cccid: 0x1403, datao: 0, datal: 3000 });
        assert.equal((events[3] as { flags: number }).flags & PduFlags.LAST_PDU, PduFlags.LAST_PDU);
        assert.ok(events.every((e) => e.t !== 'end' || e.ok));
        const [respEv, r2tEv] = [events[4], events[5]] as [
          { type: number; bytes: Buffer },
          { type: number; bytes: Buffer },
        ];
        assert.equal(respEv.type, PduType.CapsuleResp);
        assert.equal(respEv.bytes.readUInt16LE(8 + 12), 0x1403);
        assert.equal(r2tEv.type, PduType.R2T);
        assert.equal(r2tEv.bytes.readUInt32LE(16), 65536);
      }
    });
  }
}

for (const digests of DIGESTS) {
  test(`receiver: large C2H data can be read straight into the destination, digests ${JSON.stringify(digests)}`, () => {
    const data = patternBuffer(200_000, 17);
    const wire = Buffer.concat([
      ...framePdu(
        PduType.C2HData,
        dataHeader({ cccid: 2, ttag: 0, datao: 0, datal: data.length }),
        data,
        digests,
        PduFlags.LAST_PDU,
      ),
      ...capsuleResp({ dw0: 0, dw1: 0, sqhd: 0, sqid: 1, cid: 2, status: 0 }, digests),
    ]);
    const target = Buffer.alloc(data.length);
    const { r, events } = receiver(target, digests);
    assert.equal(r.directTarget(1), undefined, 'nothing to read directly before a data header');
    // The socket's first read: the header and a little data.
    let pos = 1000;
    r.push(wire, 0, pos);
    let direct = 0;
    for (let i = 0; i < 100; i++) {
      const view = r.directTarget(32 * 1024);
      if (!view) break;
      // The socket reads up to 50 000 bytes straight into the view.
      const n = Math.min(view.length, 50_000);
      wire.copy(view, 0, pos, pos + n);
      r.pushDirect(view, n);
      pos += n;
      direct += n;
    }
    assert.ok(direct > 100_000, 'most of the data went direct');
    r.push(wire, pos); // the tail of the data, its digest and the response
    assert.ok(target.equals(data));
    assert.deepEqual(
      events.map((e) => (e.t === 'end' ? `end:${e.ok}` : e.t)),
      ['start', 'end:true', 'pdu'],
    );
  });
}

test('receiver: a corrupted data digest fails only that PDU; the stream goes on', () => {
  const digests = { header: true, data: true };
  const data = patternBuffer(4096, 3);
  const c2h = Buffer.concat(
    framePdu(
      PduType.C2HData,
      dataHeader({ cccid: 1, ttag: 0, datao: 0, datal: 4096 }),
      data,
      digests,
      PduFlags.LAST_PDU,
    ),
  );
  c2h[c2h.length - 100]! ^= 0x10; // a bit in the data section
  const wire = Buffer.concat([
    c2h,
    ...capsuleResp({ dw0: 0, dw1: 0, sqhd: 0, sqid: 1, cid: 1, status: 0 }, digests),
  ]);
  const { r, events } = receiver(Buffer.alloc(4096), digests);
  r.push(wire);
  assert.deepEqual(
    events.map((e) => (e.t === 'end' ? `end:${e.ok}` : e.t)),
    ['start', 'end:false', 'pdu'],
  );
});

test('receiver: discarded data (a command no longer waiting) is skipped without touching memory', () => {
  const digests = { header: false, data: false };
  const wire = Buffer.concat([
    ...framePdu(
      PduType.C2HData,
      dataHeader({ cccid: 5, ttag: 0, datao: 0, datal: 512 }),
      patternBuffer(512, 1),
      digests,
      4,
    ),
    ...capsuleResp({ dw0: 0, dw1: 0, sqhd: 0, sqid: 1, cid: 6, status: 0 }, digests),
  ]);
  const { r, events } = receiver(undefined, digests);
  r.push(wire);
  assert.deepEqual(
    events.map((e) => e.t),
    ['start', 'end', 'pdu'],
  );
});

test('receiver: framing violations are fatal PduErrors with the right FES', () => {
  const good = { header: true, data: false };
  const resp = Buffer.concat(capsuleResp({ dw0: 0, dw1: 0, sqhd: 0, sqid: 1, cid: 1, status: 0 }, good));
  const cases: Array<[string, Buffer, { header: boolean; data: boolean }, number]> = [];
  const badHd = Buffer.from(resp);
  badHd[10]! ^= 1;
  cases.push(['header digest mismatch', badHd, good, Fes.HeaderDigestError]);
  cases.push(['HDGSTF not negotiated', resp, { header: false, data: false }, Fes.InvalidPduHeaderField]);
  const wrongType = Buffer.from(resp);
  wrongType[0] = PduType.CapsuleCmd;
  cases.push(['a PDU type hosts never receive', wrongType, good, Fes.InvalidPduHeaderField]);
  const wrongHlen = Buffer.from(resp);
  wrongHlen[2] = 32;
  cases.push(['wrong HLEN', wrongHlen, good, Fes.InvalidPduHeaderField]);
  const none = { header: false, data: false };
  const c2h = Buffer.concat(
    framePdu(
      PduType.C2HData,
      dataHeader({ cccid: 1, ttag: 0, datao: 0, datal: 512 }),
      patternBuffer(512, 2),
      none,
    ),
  );
  c2h.writeUInt32LE(600, 16); // DATAL no longer matches PLEN
  cases.push(['DATAL/PLEN mismatch', c2h, none, Fes.InvalidPduHeaderField]);
  for (const [what, wire, digests, fes] of cases) {
    const { r } = receiver(Buffer.alloc(1024), digests);
    assert.throws(
      () => r.push(wire),
      (e: unknown) => e instanceof PduError && e.fes === fes,
      what,
    );
  }
});

test('nvmf URIs: Mayastor child form with parameters, defaults, IPv6, and errors', () => {
  const uuid = '8f1c9a3e-7a61-4d2b-9a55-3b0c2f6e4d11';
  const o = nvmfOptionsFromUri(
    parseUri(
      `nvmf://10.1.0.5:8420/nqn.2019-05.io.openebs:${uuid}?uuid=${uuid}&nr_io_queues=4&queue_size=64&hdgst=true&ddgst=1&io_timeout_ms=1500&kato_ms=0&fast_io_fail_tmo_ms=2000&max_transfer_bytes=65536`,
    ),
    { hostNqn: 'nqn.2019-05.io.openebs:node-name:n1' },
  );
  assert.equal(o.host, '10.1.0.5');
  assert.equal(o.port, 8420);
  assert.equal(o.subnqn, `nqn.2019-05.io.openebs:${uuid}`);
  assert.equal(o.uuid, uuid);
  assert.equal(o.ioQueues, 4);
  assert.equal(o.queueSize, 64);
  assert.equal(o.headerDigest, true);
  assert.equal(o.dataDigest, true);
  assert.equal(o.ioTimeoutMs, 1500);
  assert.equal(o.keepAliveTimeoutMs, 0);
  assert.equal(o.fastIoFailTimeoutMs, 2000);
  assert.equal(o.maxTransferBytes, 65536);
  assert.equal(o.hostNqn, 'nqn.2019-05.io.openebs:node-name:n1');

  const d = nvmfOptionsFromUri(parseUri('nvmf+tcp://[fd00::5]/nqn.2024-01.io.example:disk'));
  assert.equal(d.host, 'fd00::5');
  assert.equal(d.port, 4420);
  assert.equal(d.name, 'nvmf://[fd00::5]:4420/nqn.2024-01.io.example:disk');

  const reg = new BdevRegistry();
  registerNvmfScheme(reg);
  assert.equal(
    reg.nameOf('nvmf://127.0.0.1:4420/nqn.2024-01.io.example:disk'),
    reg.nameOf('nvmf+tcp://127.0.0.1:4420/nqn.2024-01.io.example:disk?hdgst=true'),
  );

  for (const bad of [
    'nvmf://10.0.0.1:4420/nqn.2024-01.io.example:d?hdgest=true', // typo: unknown parameter
    'nvmf://10.0.0.1:4420/nqn.2024-01.io.example:d?hdgst=yes',
    'nvmf://10.0.0.1:4420/nqn.2024-01.io.example:d?uuid=not-a-uuid',
    'nvmf://10.0.0.1:4420/nqn.2024-01.io.example:d?nr_io_queues=0',
    'nvmf://10.0.0.1:4420/nqn.2024-01.io.example:d?queue_size=100000',
    'nvmf://10.0.0.1:4420/nqn.2024-01.io.example:d?nsid=0',
    'nvmf://10.0.0.1:4420/nqn.2024-01.io.example:d?in_capsule_data_size=0', // not settable by URI
    'nvmf://10.0.0.1:99999/nqn.2024-01.io.example:d',
    'nvmf://10.0.0.1:4420/',
    'nvmf://10.0.0.1:4420/not-an-nqn',
    'nvmf:///nqn.2024-01.io.example:d',
  ]) {
    assert.throws(
      () => reg.nameOf(bad),
      (e: unknown) => isMayastorError(e, BdevErrors.URI_INVALID),
      bad,
    );
  }
});

test('host ID: derived from the host NQN, stable, a valid UUID', () => {
  const a = hostIdFromNqn('nqn.2019-05.io.openebs:node-name:n1');
  assert.ok(isUuid(a));
  assert.equal(a, hostIdFromNqn('nqn.2019-05.io.openebs:node-name:n1'));
  assert.notEqual(a, hostIdFromNqn('nqn.2019-05.io.openebs:node-name:n2'));
});

test('NVMe status mapping: block-device codes with the NVMe status in details', () => {
  const e = ioStatusError(status(Sct.Generic, GenericSc.LbaOutOfRange, true), 'read');
  assert.equal(e.code, BdevErrors.OUT_OF_RANGE);
  assert.deepEqual(e.details?.nvme, { sct: 0, sc: 0x80, dnr: true, name: 'LBA Out of Range' });
  assert.equal(ioStatusError(status(Sct.Generic, GenericSc.CapacityExceeded), 'w').code, BdevErrors.NO_SPACE);
  const rc = ioStatusError(status(Sct.Generic, GenericSc.ReservationConflict), 'w');
  assert.equal(rc.code, BdevErrors.PERMISSION_DENIED);
  assert.equal((rc.details?.nvme as { name: string }).name, 'Reservation Conflict');
  assert.equal(ioStatusError(status(Sct.MediaError, 0x81), 'r').code, BdevErrors.IO_ERROR);
});

test('identify decoding: CAP fields and the namespace UUID descriptor', () => {
  // MQES 1023, TO 15 (7.5 s), CSS NVM, MPSMIN 0
  const cap = decodeCap((1n << 37n) | (15n << 24n) | 1023n);
  assert.deepEqual(cap, { maxQueueEntries: 1024, readyTimeoutMs: 7500, css: 1, minPageSize: 4096 });
  const desc = Buffer.alloc(4096);
  desc[0] = 2; // NGUID first, to be skipped
  desc[1] = 16;
  desc.fill(0xaa, 4, 20);
  desc[20] = 3; // UUID
  desc[21] = 16;
  Buffer.from('0c1f9a3e7a614d2b9a553b0c2f6e4d11', 'hex').copy(desc, 24);
  assert.equal(decodeNsDescriptorUuid(desc), '0c1f9a3e-7a61-4d2b-9a55-3b0c2f6e4d11');
  assert.equal(decodeNsDescriptorUuid(Buffer.alloc(4096)), undefined);
});

// ---- connection failures against real sockets ----

async function serve(onConn: (s: net.Socket) => void): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    onConn(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

const SUBNQN = 'nqn.2024-01.io.mayastor-ts:unit';

test('connect: nothing listening fails with NVMF_CONNECT_FAILED', async () => {
  const port = await freePort();
  await assert.rejects(
    NvmfBlockDevice.connect({ host: '127.0.0.1', port, subnqn: SUBNQN }),
    (e: unknown) => isMayastorError(e, NvmfErrors.CONNECT_FAILED) && /ECONNREFUSED/.test(e.message),
  );
});

test('connect: a peer that never answers ICReq fails within the admin timeout', async () => {
  let got = 0;
  const srv = await serve((s) => s.on('data', (d) => (got += d.length)));
  try {
    await assert.rejects(
      NvmfBlockDevice.connect({ host: '127.0.0.1', port: srv.port, subnqn: SUBNQN, adminTimeoutMs: 300 }),
      (e: unknown) => isMayastorError(e, NvmfErrors.CONNECT_FAILED) && /no ICResp/.test(e.message),
    );
    assert.equal(got, 128, 'the peer received exactly one ICReq');
  } finally {
    await srv.close();
  }
});

test('connect: a peer that answers ICReq with a wrong PDU gets an H2CTermReq and we fail with NVMF_PROTOCOL_ERROR', async () => {
  const received: Buffer[] = [];
  const srv = await serve((s) => {
    s.on('data', (d) => {
      received.push(d);
      if (Buffer.concat(received).length === 128) {
        // A CapsuleResp before ICResp: a sequence the host must refuse.
        s.write(
          Buffer.concat(
            capsuleResp(
              { dw0: 0, dw1: 0, sqhd: 0, sqid: 0, cid: 0, status: 0 },
              { header: false, data: false },
            ),
          ),
        );
      }
    });
  });
  try {
    await assert.rejects(
      NvmfBlockDevice.connect({ host: '127.0.0.1', port: srv.port, subnqn: SUBNQN, adminTimeoutMs: 2000 }),
      (e: unknown) => isMayastorError(e, NvmfErrors.PROTOCOL_ERROR),
    );
    // Bounded wait for the TermReq to arrive behind the ICReq.
    for (let i = 0; i < 100 && Buffer.concat(received).length <= 128; i++)
      await new Promise((r) => setTimeout(r, 10));
    const all = Buffer.concat(received);
    const term = all.subarray(128);
    assert.equal(term[0], PduType.H2CTermReq);
    assert.equal(decodeTermReq(term).fes, Fes.InvalidPduHeaderField);
  } finally {
    await srv.close();
  }
});

test('connect: ICResp refusing the requested digests fails the connect', async () => {
  const srv = await serve((s) => {
    s.once('data', () => {
      const h = Buffer.alloc(128);
      h[0] = PduType.ICResp;
      h[2] = 128;
      h.writeUInt32LE(128, 4);
      h.writeUInt32LE(131072, 12); // MAXH2CDATA; digest byte left 0 although the host asked for both
      s.write(h);
    });
  });
  try {
    await assert.rejects(
      NvmfBlockDevice.connect({
        host: '127.0.0.1',
        port: srv.port,
        subnqn: SUBNQN,
        headerDigest: true,
        dataDigest: true,
      }),
      (e: unknown) => isMayastorError(e, NvmfErrors.CONNECT_FAILED) && /digests requested/.test(e.message),
    );
  } finally {
    await srv.close();
  }
});

for (const digests of [
  { header: false, data: false },
  { header: true, data: true },
]) {
  test(`queue: R2Ts larger than MAXH2CDATA get several H2CData PDUs, aligned to CPDA; in-capsule data too (digests ${JSON.stringify(digests)})`, async () => {
    const MAXH2C = 4096;
    const CPDA = 3; // data at multiples of 16 bytes
    const big = patternBuffer(16384, 41);
    const small = patternBuffer(1024, 42);
    const h2c: Array<{
      ttag: number;
      datao: number;
      datal: number;
      last: boolean;
      pdo: number;
      data: Buffer;
    }> = [];
    let inCapsule: { pdo: number; data: Buffer } | undefined;
    const srv = await serve((s) => {
      const send = (bufs: Buffer[]) => s.write(Buffer.concat(bufs));
      let bigCid = -1;
      const reader = new PduReader(
        (p) => {
          if (p.type === PduType.ICReq) {
            send([
              encodeICResp({
                pfv: 0,
                cpda: CPDA,
                hdgst: digests.header,
                ddgst: digests.data,
                maxh2cdata: MAXH2C,
              }),
            ]);
            reader.digests = digests;
          } else if (p.type === PduType.CapsuleCmd) {
            const q = sqeOf(p.header);
            if (p.data) {
              inCapsule = { pdo: p.pdo, data: Buffer.from(p.data) };
              send(capsuleResp({ dw0: 0, dw1: 0, sqhd: 0, sqid: 1, cid: sqe.cid(q), status: 0 }, digests));
            } else {
              // Ask for the write's data in two R2Ts, each bigger than MAXH2CDATA.
              bigCid = sqe.cid(q);
              send(
                framePdu(
                  PduType.R2T,
                  r2tHeader({ cccid: bigCid, ttag: 7, r2to: 0, r2tl: 10240 }),
                  undefined,
                  digests,
                ),
              );
            }
          } else if (p.type === PduType.H2CData) {
            assert.ok(p.dataDigestOk);
            const d = decodeDataHeader(p.header);
            const last = (p.flags & PduFlags.LAST_PDU) !== 0;
            h2c.push({
              ttag: d.ttag,
              datao: d.datao,
              datal: d.datal,
              last,
              pdo: p.pdo,
              data: Buffer.from(p.data!),
            });
            if (last && d.datao + d.datal === 10240) {
              send(
                framePdu(
                  PduType.R2T,
                  r2tHeader({ cccid: bigCid, ttag: 8, r2to: 10240, r2tl: 6144 }),
                  undefined,
                  digests,
                ),
              );
            } else if (last) {
              send(capsuleResp({ dw0: 0, dw1: 0, sqhd: 0, sqid: 1, cid: bigCid, status: 0 }, digests));
            }
          }
        },
        {
          accept: [PduType.ICReq, PduType.CapsuleCmd, PduType.H2CData, PduType.H2CTermReq],
          maxPlen: 1 << 20,
        },
      );
      s.on('data', (b: Buffer) => reader.push(b));
    });
    const q = await NvmeTcpQueue.open({
      host: '127.0.0.1',
      port: srv.port,
      qid: 1,
      depth: 4,
      headerDigest: digests.header,
      dataDigest: digests.data,
      connectTimeoutMs: 2000,
      inCapsuleMax: 8192,
      log: silentLogger(),
      onFatal: () => {},
      onTimeout: () => {},
      onSlotFree: () => {},
    });
    try {
      assert.equal(q.maxH2CData, MAXH2C);
      const submit = (buf: Buffer) =>
        new Promise<void>((resolve, reject) =>
          q.submit(
            false,
            IoOpc.Write,
            1,
            0,
            0,
            buf.length / 512 - 1,
            0,
            0,
            0,
            Dir.H2C,
            buf,
            5000,
            undefined,
            resolve,
            reject,
          ),
        );
      await submit(small);
      assert.ok(inCapsule!.data.equals(small));
      assert.equal(inCapsule!.pdo % 16, 0, 'in-capsule data at the CPDA alignment');
      await submit(big);
      assert.deepEqual(
        h2c.map((x) => [x.ttag, x.datao, x.datal, x.last]),
        [
          [7, 0, 4096, false],
          [7, 4096, 4096, false],
          [7, 8192, 2048, true],
          [8, 10240, 4096, false],
          [8, 14336, 2048, true],
        ],
      );
      assert.ok(
        h2c.every((x) => x.pdo % 16 === 0),
        'H2CData at the CPDA alignment',
      );
      assert.ok(Buffer.concat(h2c.map((x) => x.data)).equals(big));
      assert.equal(q.stats.r2ts, 2);
      assert.equal(q.stats.h2cPdus, 5);
    } finally {
      await q.close(bdevError(BdevErrors.CLOSED, 'test done'));
      await srv.close();
    }
  });
}
