/**
 * A raw NVMe/TCP host for the target's tests: speaks the wire protocol directly (ICReq,
 * capsules, R2T/H2CData, C2HData, digests) so tests can build exact, also deliberately wrong,
 * commands. It is not the initiator (src/nvmf/initiator); it trusts nothing and exposes every
 * field of every completion.
 */
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import {
  PduReader,
  PduError,
  framePdu,
  capsuleCmdHeader,
  encodeSqe,
  encodeICReq,
  decodeICResp,
  decodeCqe,
  decodeDataHeader,
  decodeR2T,
  decodeTermReq,
  dataHeader,
  putString,
  type Cqe,
  type ICResp,
  type Pdu,
  type SqeFields,
  type Digests,
  type R2THeader,
} from '../../../src/nvmf/pdu.js';
import {
  PduType,
  PduFlags,
  SglId,
  AdminOpc,
  FabricsType,
  Prop,
  Feature,
  CONNECT_DATA_SIZE,
  DYNAMIC_CNTLID,
  statusSct,
  statusSc,
} from '../../../src/nvmf/spec.js';

export interface Completion {
  cqe: Cqe;
  status: number;
  data: Buffer | undefined;
  /** The read data arrived as C2HData with the SUCCESS flag, without a CapsuleResp. */
  viaSuccessFlag: boolean;
}

export interface CommandOptions {
  /** Host-to-controller data. */
  dataOut?: Buffer;
  /** Send dataOut in the capsule (default: when it fits the queue's in-capsule limit). */
  inCapsule?: boolean;
  /** Controller-to-host data length (the SGL length). */
  dataIn?: number;
  /** Override the SGL descriptor entirely. */
  sgl?: { address: bigint; length: number; id: number };
  /** Split H2CData into PDUs of at most this many bytes (default: MAXH2CDATA). */
  h2cChunk?: number;
  timeoutMs?: number;
}

interface Pending {
  resolve(c: Completion): void;
  reject(e: Error): void;
  dataOut: Buffer | undefined;
  dataIn: Buffer | undefined;
  received: number;
  h2cChunk: number | undefined;
  timer: NodeJS.Timeout;
}

export interface HostOptions {
  hdgst?: boolean;
  ddgst?: boolean;
  hpda?: number;
  host?: string;
}

export class StatusError extends Error {
  constructor(
    readonly status: number,
    readonly completion: Completion,
  ) {
    super(
      `NVMe status sct ${statusSct(status)} sc 0x${statusSc(status).toString(16)} (0x${status.toString(16)})`,
    );
  }
}

/** A status with SCT/SC only, for comparisons ignoring DNR/More. */
export function sc(status: number): number {
  return status & 0x7ff;
}

export class RawHost {
  icresp!: ICResp;
  digests: Digests = { header: false, data: false };
  /** In-capsule data this queue may send (admin: 8 KiB; I/O: from IOCCSZ). */
  inCapsuleLimit = 8192;
  termReq: { fes: number; fei: number } | undefined;
  readonly closed: Promise<void>;
  private readonly reader: PduReader;
  private readonly pending = new Map<number, Pending>();
  private nextCid = 1;
  private icrespWaiter: ((r: ICResp) => void) | undefined;
  private isClosed = false;
  /** Unsolicited PDUs worth asserting on (R2T for unknown commands etc.). */
  readonly oddities: string[] = [];
  /** R2Ts for commands sent with write() rather than command(), for tests that answer them by hand. */
  readonly unsolicitedR2T: R2THeader[] = [];

  private constructor(readonly socket: net.Socket) {
    this.reader = new PduReader((p) => this.onPdu(p), {
      accept: [PduType.ICResp, PduType.CapsuleResp, PduType.C2HData, PduType.R2T, PduType.C2HTermReq],
      maxPlen: 64 << 20,
    });
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => {
      try {
        this.reader.push(d);
      } catch (e) {
        this.oddities.push(`framing: ${(e as Error).message}`);
        socket.destroy();
      }
    });
    this.closed = new Promise<void>((resolve) =>
      socket.once('close', () => {
        this.isClosed = true;
        for (const [, p] of this.pending) {
          clearTimeout(p.timer);
          p.reject(
            new Error('connection closed' + (this.termReq ? ` (TermReq FES ${this.termReq.fes})` : '')),
          );
        }
        this.pending.clear();
        resolve();
      }),
    );
    socket.on('error', () => undefined);
  }

  get isOpen(): boolean {
    return !this.isClosed;
  }

  static async open(port: number, opts: HostOptions = {}): Promise<RawHost> {
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect({ host: opts.host ?? '127.0.0.1', port }, () => {
        s.off('error', reject);
        resolve(s);
      });
      s.once('error', reject);
    });
    const h = new RawHost(socket);
    const resp = new Promise<ICResp>((resolve, reject) => {
      h.icrespWaiter = resolve;
      void h.closed.then(() => reject(new Error('closed before ICResp')));
    });
    socket.write(
      encodeICReq({ pfv: 0, hpda: opts.hpda ?? 0, hdgst: !!opts.hdgst, ddgst: !!opts.ddgst, maxr2t: 0 }),
    );
    h.icresp = await resp;
    h.digests = { header: h.icresp.hdgst, data: h.icresp.ddgst };
    h.reader.digests = h.digests;
    return h;
  }

  private onPdu(p: Pdu): void {
    switch (p.type) {
      case PduType.ICResp:
        this.icrespWaiter?.(decodeICResp(p.header));
        this.icrespWaiter = undefined;
        return;
      case PduType.C2HTermReq:
        this.termReq = decodeTermReq(p.header);
        return;
      case PduType.CapsuleResp: {
        const cqe = decodeCqe(p.header, 8);
        const pend = this.pending.get(cqe.cid);
        if (!pend) return void this.oddities.push(`CapsuleResp for unknown cid ${cqe.cid}`);
        this.pending.delete(cqe.cid);
        clearTimeout(pend.timer);
        pend.resolve({
          cqe,
          status: cqe.status,
          data: pend.dataIn?.subarray(0, pend.received),
          viaSuccessFlag: false,
        });
        return;
      }
      case PduType.C2HData: {
        const h = decodeDataHeader(p.header);
        const pend = this.pending.get(h.cccid);
        if (!pend || !pend.dataIn) return void this.oddities.push(`C2HData for unknown cid ${h.cccid}`);
        if (!p.dataDigestOk) this.oddities.push(`C2HData data digest mismatch (cid ${h.cccid})`);
        if (h.datao + h.datal > pend.dataIn.length)
          return void this.oddities.push('C2HData beyond the buffer');
        p.data?.copy(pend.dataIn, h.datao);
        pend.received = Math.max(pend.received, h.datao + h.datal);
        if (p.flags & PduFlags.SUCCESS) {
          this.pending.delete(h.cccid);
          clearTimeout(pend.timer);
          const cqe: Cqe = { dw0: 0, dw1: 0, sqhd: 0, sqid: 0, cid: h.cccid, status: 0 };
          pend.resolve({
            cqe,
            status: 0,
            data: pend.dataIn.subarray(0, pend.received),
            viaSuccessFlag: true,
          });
        }
        return;
      }
      case PduType.R2T: {
        const r = decodeR2T(p.header);
        const pend = this.pending.get(r.cccid);
        if (!pend || !pend.dataOut) {
          this.unsolicitedR2T.push(r);
          return void this.oddities.push(`R2T for unknown cid ${r.cccid}`);
        }
        const chunk = Math.min(pend.h2cChunk ?? this.icresp.maxh2cdata, this.icresp.maxh2cdata);
        for (let off = r.r2to; off < r.r2to + r.r2tl; off += chunk) {
          const n = Math.min(chunk, r.r2to + r.r2tl - off);
          const last = off + n >= r.r2to + r.r2tl;
          this.write(
            framePdu(
              PduType.H2CData,
              dataHeader({ cccid: r.cccid, ttag: r.ttag, datao: off, datal: n }),
              pend.dataOut.subarray(off, off + n),
              this.digests,
              last ? PduFlags.LAST_PDU : 0,
            ),
          );
        }
        return;
      }
    }
  }

  write(bufs: Buffer[] | Buffer): void {
    if (this.socket.destroyed) return;
    if (Buffer.isBuffer(bufs)) this.socket.write(bufs);
    else {
      this.socket.cork();
      for (const b of bufs) this.socket.write(b);
      this.socket.uncork();
    }
  }

  allocCid(): number {
    for (let i = 0; i < 0x10000; i++) {
      const cid = this.nextCid;
      this.nextCid = (this.nextCid + 1) & 0xffff;
      if (!this.pending.has(cid)) return cid;
    }
    throw new Error('no free command ID');
  }

  /** Send a command capsule; resolves with the completion whatever its status. */
  command(f: Omit<SqeFields, 'cid'> & { cid?: number }, o: CommandOptions = {}): Promise<Completion> {
    if (this.isClosed) return Promise.reject(new Error('connection closed'));
    const cid = f.cid ?? this.allocCid();
    const out = o.dataOut;
    const inCapsule = out !== undefined && (o.inCapsule ?? out.length <= this.inCapsuleLimit);
    let sgl = o.sgl;
    if (!sgl) {
      if (out) sgl = { address: 0n, length: out.length, id: inCapsule ? SglId.InCapsule : SglId.Transport };
      else sgl = { address: 0n, length: o.dataIn ?? 0, id: SglId.Transport };
    }
    const sqe = encodeSqe({ ...f, cid, sgl });
    return new Promise<Completion>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(cid);
        reject(new Error(`command cid ${cid} opc 0x${f.opc.toString(16)} timed out`));
      }, o.timeoutMs ?? 10_000);
      this.pending.set(cid, {
        resolve,
        reject,
        dataOut: out,
        dataIn: o.dataIn ? Buffer.alloc(o.dataIn) : undefined,
        received: 0,
        h2cChunk: o.h2cChunk,
        timer,
      });
      this.write(
        framePdu(PduType.CapsuleCmd, capsuleCmdHeader(sqe), inCapsule ? out : undefined, this.digests),
      );
    });
  }

  /** Like command(), but rejects with StatusError on a non-zero status. */
  async ok(f: Omit<SqeFields, 'cid'>, o: CommandOptions = {}): Promise<Completion> {
    const c = await this.command(f, o);
    if (c.status !== 0) throw new StatusError(c.status, c);
    return c;
  }

  // ---- fabrics ----

  connectCommand(a: {
    subnqn: string;
    hostnqn: string;
    qid: number;
    sqsize: number;
    cntlid?: number;
    kato?: number;
    hostId?: Buffer;
    cattr?: number;
    recfmt?: number;
    data?: Buffer;
    /** Send the 1 KiB of Connect data in the capsule (default) or on the target's R2T. */
    inCapsule?: boolean;
  }): Promise<Completion> {
    const d =
      a.data ??
      connectData(a.subnqn, a.hostnqn, a.cntlid ?? DYNAMIC_CNTLID, a.hostId ?? Buffer.alloc(16, 0x11));
    return this.command(
      {
        ...fabricsSqe(FabricsType.Connect),
        cdw: { 10: (a.recfmt ?? 0) | (a.qid << 16), 11: a.sqsize | ((a.cattr ?? 0) << 16), 12: a.kato ?? 0 },
      },
      { dataOut: d, inCapsule: a.inCapsule ?? true },
    );
  }

  propertyGet(ofst: number, size8 = false): Promise<Completion> {
    return this.command({ ...fabricsSqe(FabricsType.PropertyGet), cdw: { 10: size8 ? 1 : 0, 11: ofst } });
  }

  propertySet(ofst: number, value: number): Promise<Completion> {
    return this.command({ ...fabricsSqe(FabricsType.PropertySet), cdw: { 10: 0, 11: ofst, 12: value } });
  }

  close(): void {
    this.socket.destroy();
  }
}

/**
 * Fabrics commands put FCTYPE in byte 4 (where NSID sits): encodeSqe has no field for it, so
 * RawHost.command() callers pass `nsid: fctype` for fabrics commands. These wrappers do it.
 */
export function fabricsSqe(fctype: number): { opc: number; nsid: number } {
  return { opc: 0x7f, nsid: fctype };
}

export interface ControllerHandle {
  admin: RawHost;
  io: RawHost[];
  cntlid: number;
  hostnqn: string;
  subnqn: string;
  close(): void;
}

export interface OpenControllerOptions extends HostOptions {
  subnqn: string;
  hostnqn?: string;
  ioQueues?: number;
  kato?: number;
  sqsize?: number;
  /** Disable SQ flow control (CATTR bit 2). */
  disableSqflow?: boolean;
  hostId?: Buffer;
}

export const DEFAULT_HOSTNQN = 'nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555';

/** Connect, enable, set the queue count and connect I/O queues, as the Linux host does. */
export async function openController(port: number, o: OpenControllerOptions): Promise<ControllerHandle> {
  const hostnqn = o.hostnqn ?? DEFAULT_HOSTNQN;
  const hostId = o.hostId ?? randomBytes(16);
  const admin = await RawHost.open(port, o);
  const cattr = o.disableSqflow ? 0x04 : 0;
  const c = await admin.command(
    { ...fabricsSqe(FabricsType.Connect), cdw: { 10: 0, 11: 31 | (cattr << 16), 12: o.kato ?? 0 } },
    { dataOut: connectData(o.subnqn, hostnqn, DYNAMIC_CNTLID, hostId) },
  );
  if (c.status !== 0) {
    admin.close();
    throw new StatusError(c.status, c);
  }
  const cntlid = c.cqe.dw0 & 0xffff;
  await admin.ok({ ...fabricsSqe(FabricsType.PropertySet), cdw: { 10: 0, 11: Prop.CC, 12: 0x460001 } });
  for (let i = 0; i < 50; i++) {
    const csts = await admin.ok({ ...fabricsSqe(FabricsType.PropertyGet), cdw: { 10: 0, 11: Prop.CSTS } });
    if (csts.cqe.dw0 & 1) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  const io: RawHost[] = [];
  const n = o.ioQueues ?? 0;
  if (n > 0) {
    await admin.ok({
      opc: AdminOpc.SetFeatures,
      cdw: { 10: Feature.NumberOfQueues, 11: (n - 1) | ((n - 1) << 16) },
    });
    const idc = await admin.ok({ opc: AdminOpc.Identify, cdw: { 10: 1 } }, { dataIn: 4096 });
    const ioccsz = idc.data!.readUInt32LE(1792);
    for (let qid = 1; qid <= n; qid++) {
      const q = await RawHost.open(port, o);
      const r = await q.command(
        {
          ...fabricsSqe(FabricsType.Connect),
          cdw: { 10: qid << 16, 11: (o.sqsize ?? 127) | (cattr << 16), 12: 0 },
        },
        { dataOut: connectData(o.subnqn, hostnqn, cntlid, hostId) },
      );
      if (r.status !== 0) {
        q.close();
        admin.close();
        for (const x of io) x.close();
        throw new StatusError(r.status, r);
      }
      q.inCapsuleLimit = ioccsz * 16 - 64;
      io.push(q);
    }
  }
  return {
    admin,
    io,
    cntlid,
    hostnqn,
    subnqn: o.subnqn,
    close() {
      for (const q of io) q.close();
      admin.close();
    },
  };
}

export function connectData(subnqn: string, hostnqn: string, cntlid: number, hostId: Buffer): Buffer {
  const d = Buffer.alloc(CONNECT_DATA_SIZE);
  hostId.copy(d, 0);
  d.writeUInt16LE(cntlid, 16);
  putString(d, 256, 256, subnqn, '\0');
  putString(d, 512, 256, hostnqn, '\0');
  return d;
}

export { PduError };
