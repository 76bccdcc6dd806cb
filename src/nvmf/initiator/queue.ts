/**
 * One NVMe/TCP queue pair as the host sees it: a TCP connection, the ICReq/ICResp exchange, a
 * fixed set of command slots, and the data movement of each command (in-capsule data, R2T and
 * H2CData, C2HData straight into the caller's buffer).
 *
 * Hot-path rules, because every I/O passes through here:
 * - Command slots are allocated once per queue with their capsule header buffers; building a
 *   command writes fields in place. The CID carries a generation in its top bits so that a
 *   completion for an older use of the slot is recognised and dropped.
 * - Sends are batched: PDUs queued in one turn of the event loop leave in one corked write, small
 *   ones copied together, large data buffers passed by reference.
 * - Receives land in one reusable buffer per queue (`onread`) and are parsed by PduReceiver,
 *   which copies C2H data once, into the destination buffer.
 * - Timeouts are a deadline per command checked by one coarse interval timer per queue that
 *   runs only while commands are outstanding (no timer per command).
 *
 * The queue reports what it cannot handle itself to its owner (the controller): a dead
 * transport (`onFatal`) and a timed-out command (`onTimeout`); the controller then resets.
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { crc32c } from '../../core/crc32c.js';
import type { Logger } from '../../core/log.js';
import { MayastorError } from '../../core/errors.js';
import { bdevError, BdevErrors } from '../../bdev/errors.js';
import { decodeICResp, decodeTermReq, encodeICReq, encodeTermReq, PduError } from '../pdu.js';
import {
  COMMON_HEADER_LEN,
  DIGEST_LEN,
  Fes,
  AdminOpc,
  IoOpc,
  MIN_MAXH2CDATA,
  PduFlags,
  PduHlen,
  PduType,
  SglId,
  STATUS_SUCCESS,
} from '../spec.js';
import { PduReceiver, type ReceiverHandler } from './receiver.js';
import { adminStatusError, ioStatusError, nvmfError, NvmfErrors } from './errors.js';

/** Data direction of a command. */
export const enum Dir {
  None = 0,
  /** Host to controller: write data (in-capsule or by R2T). */
  H2C = 1,
  /** Controller to host: read data (C2HData). */
  C2H = 2,
}

/** The most slots a queue can have: CIDs are slot | generation << SLOT_BITS. */
const SLOT_BITS = 10;
export const MAX_QUEUE_DEPTH = 1 << SLOT_BITS;
const SLOT_MASK = MAX_QUEUE_DEPTH - 1;
const GEN_MASK = 0xffff >> SLOT_BITS;

/**
 * Sends smaller than this are copied together into one buffer per batch; larger ones go by
 * reference (one writev). Copying 4 KiB data blocks cost more than it saved: 4 KiB writes at
 * QD32 took 2.0-2.5 us of initiator CPU each with a 4 KiB limit, 2.7-4.9 us with 16 KiB.
 */
const COALESCE_LIMIT = 4096;
const RECV_BUFFER_SIZE = 256 * 1024;
/** C2H data still to come from which the next read goes straight into the caller's buffer. */
const DIRECT_READ_MIN = 32 * 1024;

/** What a command asks the controller for, by its result dwords. */
export interface CommandResult {
  dw0: number;
  dw1: number;
}

type Resolve = (v: undefined) => void;
type Reject = (e: unknown) => void;

class Cmd {
  gen = 0;
  cid = 0;
  active = false;
  /** Timed out: the slot stays out of use until the controller answers for it or the queue dies. */
  tombstone = false;
  admin = false;
  opc = 0;
  dir = Dir.None;
  inCapsule = false;
  buf: Buffer | undefined;
  len = 0;
  /** Bytes moved so far (C2H received, or H2C requested by R2T). */
  xfer = 0;
  dataError = false;
  deadline = 0;
  timeoutMs = 0;
  /** Has a deadline (an Asynchronous Event Request has none). */
  timed = false;
  slba = 0;
  result: CommandResult | undefined;
  resolve: Resolve | undefined;
  reject: Reject | undefined;
  /** Capsule header without data / with data (including PDA padding); both views of one buffer. */
  readonly hdrBare: Buffer;
  readonly hdrData: Buffer;
  readonly ddgst = Buffer.alloc(DIGEST_LEN);

  constructor(
    readonly slot: number,
    hdrLen: number,
    pad: number,
  ) {
    const b = Buffer.alloc(hdrLen + pad);
    this.hdrBare = b.subarray(0, hdrLen);
    this.hdrData = b;
  }
}

export interface QueueStats {
  commands: number;
  inCapsuleWrites: number;
  r2tWrites: number;
  r2ts: number;
  h2cPdus: number;
  c2hPdus: number;
  /** Read commands completed by a C2HData PDU with the SUCCESS flag (no response capsule). */
  c2hSuccess: number;
  timeouts: number;
  dataDigestErrors: number;
  /** Completions or data for a command that had already timed out (dropped). */
  staleDropped: number;
  /** Socket writes issued (each carrying a batch of PDUs). */
  socketWrites: number;
  /** Most commands outstanding at once. */
  maxOutstanding: number;
  /** C2H data bytes the socket read straight into callers' buffers (no copy). */
  directReadBytes: number;
}

export interface QueueOptions {
  host: string;
  port: number;
  qid: number;
  /** Command slots: the most commands outstanding at once (at most SQSIZE). */
  depth: number;
  headerDigest: boolean;
  dataDigest: boolean;
  /** Bound for TCP connect plus ICReq/ICResp. */
  connectTimeoutMs: number;
  /** Largest write sent in-capsule (capped by the controller's IOCCSZ by the caller). */
  inCapsuleMax: number;
  log: Logger;
  /** The transport is gone (socket error/close, protocol violation). Called once. */
  onFatal(queue: NvmeTcpQueue, err: MayastorError): void;
  /** A command missed its deadline; it has been failed with BDEV_TIMEOUT already. */
  onTimeout(queue: NvmeTcpQueue, err: MayastorError): void;
  /** A slot became free (to dispatch waiting I/O). */
  onSlotFree(queue: NvmeTcpQueue): void;
}

export function newQueueStats(): QueueStats {
  return {
    commands: 0,
    inCapsuleWrites: 0,
    r2tWrites: 0,
    r2ts: 0,
    h2cPdus: 0,
    c2hPdus: 0,
    c2hSuccess: 0,
    timeouts: 0,
    dataDigestErrors: 0,
    staleDropped: 0,
    socketWrites: 0,
    maxOutstanding: 0,
    directReadBytes: 0,
  };
}

export class NvmeTcpQueue implements ReceiverHandler {
  readonly qid: number;
  readonly stats: QueueStats = newQueueStats();
  /** Negotiated in ICResp. */
  maxH2CData = 0;
  cpda = 0;
  inCapsuleMax: number;
  outstanding = 0;
  /** Outstanding commands with a deadline: the timeout timer runs only while there are some. */
  private timed = 0;

  private readonly log: Logger;
  private readonly sock: net.Socket;
  private readonly receiver: PduReceiver;
  private slots: Cmd[] = [];
  private free: number[] = [];
  private readonly out: Buffer[] = [];
  private outCount = 0;
  private flushScheduled = false;
  private readonly flushBound = () => this.flush();
  private timer: NodeJS.Timeout | undefined;
  private dead = false;
  private readonly hd: number;
  private readonly dd: boolean;
  private icDone: ((err?: MayastorError) => void) | undefined;
  /** The caller-buffer view the next socket read lands in, if any (see nextReadBuffer). */
  private direct: Buffer | undefined;

  private constructor(
    private readonly opts: QueueOptions,
    private readonly recvBuf: Buffer,
  ) {
    this.qid = opts.qid;
    this.log = opts.log;
    this.hd = opts.headerDigest ? DIGEST_LEN : 0;
    this.dd = opts.dataDigest;
    this.inCapsuleMax = opts.inCapsuleMax;
    this.receiver = new PduReceiver(this, [PduType.ICResp, PduType.C2HTermReq]);
    this.sock = net.connect({
      host: opts.host,
      port: opts.port,
      noDelay: true,
      onread: {
        // Node asks for the next read's buffer after every read: usually the queue's own
        // buffer, but in the middle of a large C2H data section the caller's buffer itself.
        buffer: () => this.nextReadBuffer(),
        callback: (nread: number, buf: Uint8Array) => {
          this.onRead(nread, buf);
          return true;
        },
      },
    });
  }

  /** Connect the TCP socket and exchange ICReq/ICResp. Rejects with NVMF_CONNECT_FAILED. */
  static open(opts: QueueOptions): Promise<NvmeTcpQueue> {
    const q = new NvmeTcpQueue(opts, Buffer.allocUnsafe(RECV_BUFFER_SIZE));
    return q.handshake().then(() => q);
  }

  get isDead(): boolean {
    return this.dead;
  }

  get freeSlots(): number {
    return this.free.length;
  }

  private handshake(): Promise<void> {
    const { host, port, qid } = this.opts;
    const where = `${host}:${port} (queue ${qid})`;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          finish(
            nvmfError(
              NvmfErrors.CONNECT_FAILED,
              `${where}: no ICResp within ${this.opts.connectTimeoutMs} ms`,
            ),
          ),
        this.opts.connectTimeoutMs,
      );
      const finish = (err?: MayastorError) => {
        if (!this.icDone) return;
        this.icDone = undefined;
        clearTimeout(timer);
        if (err) {
          this.kill(err, false);
          reject(err);
        } else resolve();
      };
      this.icDone = finish;
      this.sock.once('connect', () => {
        this.sock.write(
          encodeICReq({
            pfv: 0,
            hpda: 0,
            hdgst: this.opts.headerDigest,
            ddgst: this.opts.dataDigest,
            maxr2t: 0,
          }),
        );
      });
      this.sock.on('error', (e: Error) => {
        const err = nvmfError(NvmfErrors.CONNECT_FAILED, `${where}: ${e.message}`, { cause: e });
        if (this.icDone) finish(err);
        else
          this.kill(bdevError(BdevErrors.IO_ERROR, `${where}: connection error: ${e.message}`, { cause: e }));
      });
      this.sock.on('close', () => {
        if (this.icDone)
          finish(nvmfError(NvmfErrors.CONNECT_FAILED, `${where}: connection closed during ICReq`));
        else this.kill(bdevError(BdevErrors.IO_ERROR, `${where}: connection closed by the target`));
      });
    });
  }

  private onIcResp(pdu: Buffer): void {
    const r = decodeICResp(pdu);
    const where = `${this.opts.host}:${this.opts.port} (queue ${this.qid})`;
    let problem: string | undefined;
    if (r.pfv !== 0) problem = `unsupported PDU format version ${r.pfv}`;
    else if (r.hdgst !== this.opts.headerDigest || r.ddgst !== this.opts.dataDigest) {
      problem = `digests requested hdgst=${this.opts.headerDigest} ddgst=${this.opts.dataDigest}, controller answered hdgst=${r.hdgst} ddgst=${r.ddgst}`;
    } else if (r.maxh2cdata < MIN_MAXH2CDATA || r.maxh2cdata % 4 !== 0)
      problem = `invalid MAXH2CDATA ${r.maxh2cdata}`;
    else if (r.cpda > 31) problem = `invalid CPDA ${r.cpda}`;
    if (problem) {
      this.icDone?.(nvmfError(NvmfErrors.CONNECT_FAILED, `${where}: ICResp: ${problem}`));
      return;
    }
    this.maxH2CData = r.maxh2cdata;
    this.cpda = r.cpda;
    this.receiver.hdgst = r.hdgst;
    this.receiver.ddgst = r.ddgst;
    this.receiver.setAccept([PduType.CapsuleResp, PduType.C2HData, PduType.R2T, PduType.C2HTermReq]);
    const hdrLen = PduHlen.CapsuleCmd + this.hd;
    const pad = this.padFor(hdrLen);
    const depth = Math.min(this.opts.depth, MAX_QUEUE_DEPTH);
    this.slots = Array.from({ length: depth }, (_, i) => new Cmd(i, hdrLen, pad));
    // Pop from the end: low slots first, which keeps CIDs small and readable in traces.
    this.free = Array.from({ length: depth }, (_, i) => depth - 1 - i);
    this.icDone?.();
  }

  /** Padding that puts data at the controller's PDU data alignment after `hdrLen` bytes. */
  private padFor(hdrLen: number): number {
    if (this.cpda === 0) return 0;
    const align = (this.cpda + 1) * 4;
    return hdrLen % align === 0 ? 0 : align - (hdrLen % align);
  }

  /**
   * Submit a command. The caller has checked `freeSlots > 0`. `nsid` holds FCTYPE for Fabrics
   * commands (it sits at the same byte). `buf` is the data buffer for H2C/C2H commands; the
   * caller must keep it untouched until the command settles.
   */
  submit(
    admin: boolean,
    opc: number,
    nsid: number,
    cdw10: number,
    cdw11: number,
    cdw12: number,
    cdw13: number,
    cdw14: number,
    cdw15: number,
    dir: Dir,
    buf: Buffer | undefined,
    timeoutMs: number,
    result: CommandResult | undefined,
    resolve: Resolve,
    reject: Reject,
  ): void {
    if (this.dead) {
      reject(
        bdevError(BdevErrors.IO_ERROR, `queue ${this.qid} to ${this.opts.host}:${this.opts.port} is down`),
      );
      return;
    }
    const slot = this.free.pop()!;
    const c = this.slots[slot]!;
    c.gen = (c.gen + 1) & GEN_MASK;
    c.cid = (c.gen << SLOT_BITS) | slot;
    c.active = true;
    c.admin = admin;
    c.opc = opc;
    c.dir = dir;
    c.buf = buf;
    const len = buf === undefined ? 0 : buf.length;
    c.len = len;
    c.xfer = 0;
    c.dataError = false;
    c.slba = cdw10 + cdw11 * 2 ** 32;
    c.result = result;
    c.resolve = resolve;
    c.reject = reject;
    c.timeoutMs = timeoutMs;
    c.timed = Number.isFinite(timeoutMs);
    c.deadline = c.timed ? performance.now() + timeoutMs : Infinity;
    if (c.timed) this.timed++;
    const inCapsule = dir === Dir.H2C && len <= this.inCapsuleMax;
    c.inCapsule = inCapsule;
    if (++this.outstanding > this.stats.maxOutstanding) this.stats.maxOutstanding = this.outstanding;
    this.stats.commands++;

    const h = c.hdrData;
    // SQE at bytes 8..71 of the capsule header. Every field written here is written on every
    // use of the slot; the rest (reserved, MPTR, SGL address) stays zero from allocation.
    h[8] = opc;
    h[9] = 0x40; // PSDT 01b: SGLs
    h.writeUInt16LE(c.cid, 10);
    h.writeUInt32LE(nsid >>> 0, 12);
    // SGL1 (SQE bytes 24..39): address 0; for in-capsule data an offset into the capsule.
    h.writeUInt32LE(len, 40);
    h[47] = inCapsule ? SglId.InCapsule : SglId.Transport;
    h.writeUInt32LE(cdw10 >>> 0, 48);
    h.writeUInt32LE(cdw11 >>> 0, 52);
    h.writeUInt32LE(cdw12 >>> 0, 56);
    h.writeUInt32LE(cdw13 >>> 0, 60);
    h.writeUInt32LE(cdw14 >>> 0, 64);
    h.writeUInt32LE(cdw15 >>> 0, 68);
    // Common header.
    h[0] = PduType.CapsuleCmd;
    h[2] = PduHlen.CapsuleCmd;
    const hd = this.hd;
    if (inCapsule && len > 0) {
      const pdo = c.hdrData.length;
      h[1] = (hd ? PduFlags.HDGSTF : 0) | (this.dd ? PduFlags.DDGSTF : 0);
      h[3] = pdo;
      h.writeUInt32LE(pdo + len + (this.dd ? DIGEST_LEN : 0), 4);
      if (hd) h.writeUInt32LE(crc32c(h, 0, PduHlen.CapsuleCmd), PduHlen.CapsuleCmd);
      this.send(c.hdrData);
      this.send(buf!);
      if (this.dd) {
        c.ddgst.writeUInt32LE(crc32c(buf!), 0);
        this.send(c.ddgst);
      }
      this.stats.inCapsuleWrites++;
    } else {
      h[1] = hd ? PduFlags.HDGSTF : 0;
      h[3] = 0;
      h.writeUInt32LE(PduHlen.CapsuleCmd + hd, 4);
      if (hd) h.writeUInt32LE(crc32c(h, 0, PduHlen.CapsuleCmd), PduHlen.CapsuleCmd);
      this.send(c.hdrBare);
      if (dir === Dir.H2C) this.stats.r2tWrites++;
    }
    if (c.timed && this.timer === undefined) this.startTimer(timeoutMs);
  }

  // ---- receive ----

  private nextReadBuffer(): Buffer {
    this.direct = this.dead ? undefined : this.receiver.directTarget(DIRECT_READ_MIN);
    return this.direct ?? this.recvBuf;
  }

  private onRead(nread: number, buf: Uint8Array): void {
    if (this.dead) return;
    try {
      if (this.direct !== undefined && buf === this.direct) {
        this.stats.directReadBytes += nread;
        this.receiver.pushDirect(this.direct, nread);
      } else this.receiver.push(this.recvBuf, 0, nread);
    } catch (e) {
      this.protocolFailure(e);
    }
  }

  private protocolFailure(e: unknown): void {
    if (this.dead) return;
    const where = `${this.opts.host}:${this.opts.port} (queue ${this.qid})`;
    if (e instanceof PduError) {
      this.log.error(
        { qid: this.qid, fes: e.fes, fei: e.fei, err: e.message },
        'NVMe/TCP protocol violation by the target',
      );
      // Tell the controller why before hanging up (best effort).
      this.sock.write(encodeTermReq(PduType.H2CTermReq, e.fes, e.fei, e.header));
      const err = nvmfError(NvmfErrors.PROTOCOL_ERROR, `${where}: ${e.message}`, { cause: e });
      this.icDone?.(err);
      this.kill(bdevError(BdevErrors.IO_ERROR, `${where}: protocol error: ${e.message}`, { cause: err }));
    } else {
      const msg = e instanceof Error ? e.message : String(e);
      this.log.error({ qid: this.qid, err: msg }, 'internal error in the NVMe/TCP receive path');
      this.icDone?.(nvmfError(NvmfErrors.PROTOCOL_ERROR, `${where}: ${msg}`, { cause: e }));
      this.kill(bdevError(BdevErrors.IO_ERROR, `${where}: ${msg}`, { cause: e }));
    }
  }

  onPdu(type: number, pdu: Buffer, plen: number): void {
    switch (type) {
      case PduType.CapsuleResp:
        return this.onResponse(pdu);
      case PduType.R2T:
        return this.onR2T(pdu);
      case PduType.ICResp:
        if (!this.icDone) throw new PduError(Fes.PduSequenceError, 0, 'unexpected ICResp');
        this.receiver.setAccept([PduType.C2HTermReq]);
        return this.onIcResp(pdu);
      case PduType.C2HTermReq: {
        const t = decodeTermReq(pdu);
        const where = `${this.opts.host}:${this.opts.port} (queue ${this.qid})`;
        const msg = `${where}: the target terminated the connection (C2HTermReq FES ${t.fes}, FEI ${t.fei})`;
        this.log.error({ qid: this.qid, fes: t.fes, fei: t.fei, plen }, 'target sent C2HTermReq');
        this.icDone?.(nvmfError(NvmfErrors.PROTOCOL_ERROR, msg));
        this.kill(bdevError(BdevErrors.IO_ERROR, msg));
        return;
      }
    }
  }

  /** The command a CID names, or undefined (with the stale case counted) when it is not live. */
  private lookup(cid: number, what: string, fei: number): Cmd | undefined {
    const c = this.slots[cid & SLOT_MASK];
    if (c !== undefined && c.cid === cid) {
      if (c.active) return c;
      if (c.tombstone) {
        this.stats.staleDropped++;
        return undefined;
      }
    }
    throw new PduError(Fes.InvalidPduHeaderField, fei, `${what} for CID ${cid}, which is not outstanding`);
  }

  private onResponse(pdu: Buffer): void {
    const cid = pdu.readUInt16LE(COMMON_HEADER_LEN + 12);
    const c = this.lookup(cid, 'CapsuleResp', COMMON_HEADER_LEN + 12);
    if (c === undefined) {
      this.releaseTombstone(cid);
      return;
    }
    const status = pdu.readUInt16LE(COMMON_HEADER_LEN + 14) >> 1;
    if (c.result) {
      c.result.dw0 = pdu.readUInt32LE(COMMON_HEADER_LEN);
      c.result.dw1 = pdu.readUInt32LE(COMMON_HEADER_LEN + 4);
    }
    if (status !== STATUS_SUCCESS) {
      this.complete(
        c,
        c.admin
          ? adminStatusError(status, this.describe(c), c.opc === AdminOpc.Fabrics ? 'fabrics' : 'admin')
          : ioStatusError(status, this.describe(c)),
      );
    } else if (c.dataError) {
      this.complete(c, this.digestError(c));
    } else if (c.dir === Dir.C2H && c.xfer !== c.len) {
      this.complete(
        c,
        bdevError(
          BdevErrors.IO_ERROR,
          `${this.describe(c)}: the target reported success after ${c.xfer} of ${c.len} bytes`,
        ),
      );
    } else this.complete(c, undefined);
  }

  private onR2T(pdu: Buffer): void {
    const cid = pdu.readUInt16LE(8);
    const ttag = pdu.readUInt16LE(10);
    const r2to = pdu.readUInt32LE(12);
    const r2tl = pdu.readUInt32LE(16);
    const c = this.lookup(cid, 'R2T', 8);
    if (c === undefined) {
      // A timed-out write whose buffer we gave back: we cannot send its data any more.
      throw new PduError(Fes.PduSequenceError, 8, `R2T for timed-out CID ${cid}`);
    }
    if (c.dir !== Dir.H2C || c.inCapsule) {
      throw new PduError(Fes.PduSequenceError, 8, `R2T for CID ${cid}, which has no data to request`);
    }
    if (r2tl === 0 || r2to + r2tl > c.len) {
      throw new PduError(
        Fes.DataTransferOutOfRange,
        12,
        `R2T for bytes ${r2to}..${r2to + r2tl} of a ${c.len}-byte write`,
      );
    }
    this.stats.r2ts++;
    c.xfer += r2tl;
    const buf = c.buf!;
    const hd = this.hd;
    const hdrLen = PduHlen.Data + hd;
    const pad = this.padFor(hdrLen);
    const max = this.maxH2CData;
    for (let off = r2to, end = r2to + r2tl; off < end;) {
      const n = Math.min(max, end - off);
      const last = off + n === end;
      const h = Buffer.alloc(hdrLen + pad);
      h[0] = PduType.H2CData;
      h[1] = (last ? PduFlags.LAST_PDU : 0) | (hd ? PduFlags.HDGSTF : 0) | (this.dd ? PduFlags.DDGSTF : 0);
      h[2] = PduHlen.Data;
      h[3] = hdrLen + pad;
      h.writeUInt32LE(hdrLen + pad + n + (this.dd ? DIGEST_LEN : 0), 4);
      h.writeUInt16LE(cid, 8);
      h.writeUInt16LE(ttag, 10);
      h.writeUInt32LE(off, 12);
      h.writeUInt32LE(n, 16);
      if (hd) h.writeUInt32LE(crc32c(h, 0, PduHlen.Data), PduHlen.Data);
      const data = buf.subarray(off, off + n);
      this.send(h);
      this.send(data);
      if (this.dd) {
        const d = Buffer.allocUnsafe(DIGEST_LEN);
        d.writeUInt32LE(crc32c(data), 0);
        this.send(d);
      }
      this.stats.h2cPdus++;
      off += n;
    }
  }

  onDataStart(cccid: number, datao: number, datal: number, _flags: number): Buffer | undefined {
    const c = this.lookup(cccid, 'C2HData', 8);
    if (c === undefined) return undefined;
    if (c.dir !== Dir.C2H)
      throw new PduError(Fes.PduSequenceError, 8, `C2HData for CID ${cccid}, which reads nothing`);
    if (datao !== c.xfer || datao + datal > c.len) {
      throw new PduError(
        Fes.DataTransferOutOfRange,
        12,
        `C2HData for bytes ${datao}..${datao + datal} of CID ${cccid} (expected offset ${c.xfer} of ${c.len})`,
      );
    }
    this.stats.c2hPdus++;
    return c.buf;
  }

  onDataEnd(cccid: number, datal: number, flags: number, digestOk: boolean): void {
    const c = this.slots[cccid & SLOT_MASK];
    if (c === undefined || c.cid !== cccid || !c.active) return; // dropped (timed out)
    c.xfer += datal;
    if (!digestOk) {
      c.dataError = true;
      this.stats.dataDigestErrors++;
      this.log.warn({ qid: this.qid, cid: cccid }, 'C2HData data digest mismatch');
    }
    if (flags & PduFlags.SUCCESS) {
      if (!(flags & PduFlags.LAST_PDU)) {
        throw new PduError(Fes.InvalidPduHeaderField, 1, 'C2HData with SUCCESS but not LAST_PDU');
      }
      if (c.xfer !== c.len) {
        throw new PduError(Fes.PduSequenceError, 1, `C2HData SUCCESS after ${c.xfer} of ${c.len} bytes`);
      }
      this.stats.c2hSuccess++;
      this.complete(c, c.dataError ? this.digestError(c) : undefined);
    }
  }

  private digestError(c: Cmd): MayastorError {
    return bdevError(
      BdevErrors.IO_ERROR,
      `${this.describe(c)}: data digest mismatch (data corrupted in transit)`,
      {
        details: { digest: 'data' },
      },
    );
  }

  /** For error messages only (never on the success path). */
  private describe(c: Cmd): string {
    const name = c.admin ? undefined : IO_NAMES[c.opc];
    const op = name ?? `${c.admin ? 'admin ' : ''}opcode 0x${c.opc.toString(16)}`;
    const at = c.admin || c.opc === IoOpc.Flush ? '' : ` at LBA ${c.slba}`;
    return `${this.opts.host}:${this.opts.port} queue ${this.qid}: ${op}${at}`;
  }

  private complete(c: Cmd, err: MayastorError | undefined): void {
    const resolve = c.resolve!;
    const reject = c.reject!;
    c.resolve = undefined;
    c.reject = undefined;
    c.buf = undefined;
    c.result = undefined;
    c.active = false;
    this.outstanding--;
    if (c.timed) this.timed--;
    this.free.push(c.slot);
    if (err) reject(err);
    else resolve(undefined);
    if (!this.dead) this.opts.onSlotFree(this);
  }

  /** A late answer for a timed-out command: the slot can be used again. */
  private releaseTombstone(cid: number): void {
    const c = this.slots[cid & SLOT_MASK]!;
    c.tombstone = false;
    this.free.push(c.slot);
    if (!this.dead) this.opts.onSlotFree(this);
  }

  // ---- timeouts ----

  private startTimer(timeoutMs: number): void {
    // Coarse: a command times out between its deadline and one period later.
    const period = Math.max(10, Math.min(1000, Math.floor(timeoutMs / 5)));
    this.timer = setInterval(() => this.tick(), period);
    this.timer.unref();
  }

  private tick(): void {
    if (this.dead || this.timed === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    const now = performance.now();
    for (const c of this.slots) {
      if (!c.active || now < c.deadline) continue;
      this.stats.timeouts++;
      const err = bdevError(
        BdevErrors.TIMEOUT,
        `${this.describe(c)}: no completion within the ${c.timeoutMs} ms command timeout`,
        { details: { qid: this.qid, cid: c.cid, timeoutMs: c.timeoutMs } },
      );
      // Keep the CID out of use: the controller may still answer for it.
      const reject = c.reject!;
      c.resolve = undefined;
      c.reject = undefined;
      c.buf = undefined;
      c.result = undefined;
      c.active = false;
      c.tombstone = true;
      this.outstanding--;
      this.timed--;
      reject(err);
      this.opts.onTimeout(this, err);
      if (this.dead) return;
    }
  }

  // ---- send ----

  private send(b: Buffer): void {
    this.out[this.outCount++] = b;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushBound);
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    const n = this.outCount;
    const out = this.out;
    this.outCount = 0;
    if (this.dead || n === 0) {
      out.length = 0;
      return;
    }
    const sock = this.sock;
    if (n === 1) {
      sock.write(out[0]!);
      this.stats.socketWrites++;
    } else {
      sock.cork();
      let runStart = 0;
      let runBytes = 0;
      for (let i = 0; i < n; i++) {
        const b = out[i]!;
        if (b.length >= COALESCE_LIMIT) {
          if (i > runStart) this.writeRun(runStart, i, runBytes);
          sock.write(b);
          this.stats.socketWrites++;
          runStart = i + 1;
          runBytes = 0;
        } else runBytes += b.length;
      }
      if (n > runStart) this.writeRun(runStart, n, runBytes);
      sock.uncork();
    }
    // Drop references so caller buffers are not kept alive by this array.
    for (let i = 0; i < n; i++) out[i] = EMPTY;
  }

  private writeRun(from: number, to: number, bytes: number): void {
    const out = this.out;
    if (to - from === 1) {
      this.sock.write(out[from]!);
    } else {
      const m = Buffer.allocUnsafe(bytes);
      let p = 0;
      for (let i = from; i < to; i++) p += out[i]!.copy(m, p);
      this.sock.write(m);
    }
    this.stats.socketWrites++;
  }

  // ---- teardown ----

  /**
   * Drop the connection and fail every outstanding command with `err`. `notify` tells the
   * controller (false when the controller itself is closing the queue).
   */
  kill(err: MayastorError, notify = true): void {
    if (this.dead) return;
    this.dead = true;
    this.receiver.stop();
    clearInterval(this.timer);
    this.timer = undefined;
    this.sock.destroy();
    this.failAll(err);
    if (notify) this.opts.onFatal(this, err);
  }

  /** Fail every outstanding command (the connection is gone or going). */
  private failAll(err: MayastorError): void {
    for (const c of this.slots) {
      if (!c.active) continue;
      const reject = c.reject!;
      c.resolve = undefined;
      c.reject = undefined;
      c.buf = undefined;
      c.result = undefined;
      c.active = false;
      reject(err);
    }
    this.outstanding = 0;
    this.timed = 0;
  }

  /** Close deliberately: end the TCP connection after what has been queued has been sent. */
  close(err: MayastorError): Promise<void> {
    if (this.dead) return Promise.resolve();
    this.flush();
    return new Promise<void>((resolve) => {
      const t = setTimeout(() => this.sock.destroy(), 1000);
      t.unref();
      this.sock.once('close', () => {
        clearTimeout(t);
        resolve();
      });
      this.sock.end();
      // Fail what is still outstanding and stop reading; 'close' still fires for the resolve.
      this.dead = true;
      this.receiver.stop();
      clearInterval(this.timer);
      this.timer = undefined;
      this.failAll(err);
    });
  }
}

const EMPTY = Buffer.alloc(0);

const IO_NAMES: Record<number, string> = {
  [IoOpc.Read]: 'read',
  [IoOpc.Write]: 'write',
  [IoOpc.Flush]: 'flush',
  [IoOpc.WriteZeroes]: 'write zeroes',
  [IoOpc.DatasetManagement]: 'deallocate',
};
