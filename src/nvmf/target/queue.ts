/**
 * One NVMe/TCP connection = one queue (admin or I/O) of one controller.
 *
 * Receive path: socket chunks -> PduReader (framing, digests) -> ICReq / CapsuleCmd / H2CData.
 * A capsule becomes a `Cmd` (pooled per queue, one per outstanding command up to the queue
 * size); data for writes arrives in the capsule or is solicited with one R2T and collected from
 * H2CData PDUs; the command then runs against the namespace's BlockDevice (I/O queues) or the
 * controller (admin queue). Send path: responses are queued and written in one corked batch per
 * event-loop turn (one writev), read data goes out as C2HData straight from the device buffer.
 *
 * Anything that breaks the framing or the data-transfer rules is fatal for this connection only:
 * it is logged with its reason, answered with a C2HTermReq and the socket is closed.
 */
import type { Socket } from 'node:net';
import { crc32c } from '../../core/crc32c.js';
import { describeError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { WriteOptions } from '../../bdev/types.js';
import {
  PduReader,
  PduError,
  decodeICReq,
  encodeICResp,
  encodeTermReq,
  getString,
  sqe as S,
  type Pdu,
} from '../pdu.js';
import {
  Fes,
  FabricsType,
  IoOpc,
  PduFlags,
  PduHlen,
  PduType,
  SglId,
  DISCOVERY_NQN,
  CONNECT_DATA_SIZE,
  DYNAMIC_CNTLID,
} from '../spec.js';
import { St, statusForError, connectInvalidParamDw0, type IoKind } from './status.js';
import type { Namespace } from './subsystem.js';
import { isValidNqn } from './subsystem.js';
import { ADMIN_IN_CAPSULE_SIZE } from './options.js';
import type { Controller } from './controller.js';
import type { TargetContext } from './context.js';

const ST_ICREQ = 0;
const ST_CONNECT = 1;
const ST_LIVE = 2;
const ST_CLOSED = 3;

const CMD_FREE = 0;
const CMD_ACTIVE = 1;
const CMD_AWAIT_DATA = 2;

/** Commands a queue accepts before Connect tells us its size. */
const PRE_CONNECT_DEPTH = 4;
/** Stop reading from a host that does not read its responses once this much is unsent. */
const SEND_BACKLOG_PAUSE = 8 * 1024 * 1024;
/** How long a closing socket may take to flush its last PDU before it is destroyed. */
const CLOSE_LINGER_MS = 2000;

const FUA: WriteOptions = { fua: true };
const EMPTY = Buffer.alloc(0);
/** Thrown out of the PDU callback to stop parsing once the connection is closed. */
const CLOSED = Symbol('closed');

/** Data direction of an opcode: bits 1:0 (01 host-to-controller, 10 controller-to-host). */
function direction(opc: number, fctype: number): number {
  return (opc === 0x7f ? fctype : opc) & 0x3;
}
const DIR_H2C = 1;
const DIR_C2H = 2;

/** One outstanding command; reused for the next command once it completes. */
export class Cmd {
  state = CMD_FREE;
  cid = 0;
  sqe: Buffer = EMPTY;
  opc = 0;
  /** Expected host-to-controller data (bytes), and how much has arrived. */
  h2cLen = 0;
  received = 0;
  /** Room the host gave for controller-to-host data (the SGL length). */
  c2hMax = 0;
  data: Buffer | undefined = undefined;
  /** A pool buffer to return when the command is done with it. */
  pooled: Buffer | undefined = undefined;
  digestError = false;
  ns: Namespace | undefined = undefined;
  kind: IoKind = 'read';
  byteOffset = 0;
  byteLength = 0;
  slba = 0;
  // Continuations bound once per Cmd, so an I/O allocates no closures.
  readonly ioOk: () => void;
  readonly readOk: () => void;
  readonly ioErr: (e: unknown) => void;

  constructor(
    readonly q: TcpQueue,
    /** Index in the queue's command table; also the R2T transfer tag. */
    readonly slot: number,
  ) {
    // A throw in here would surface as an unhandled rejection and take the process down:
    // contain it to this connection.
    this.ioOk = () => q.guard(() => q.ioDone(this));
    this.readOk = () => q.guard(() => q.readDone(this));
    this.ioErr = (e: unknown) => q.guard(() => q.ioFailed(this, e));
  }
}

export class TcpQueue {
  state = ST_ICREQ;
  qid = -1;
  ctrl: Controller | undefined = undefined;
  readonly remote: string;
  readonly localAddress: string;
  private readonly log: Logger;
  private readonly reader: PduReader;
  private hdgst = false;
  private ddgst = false;
  /** C2H data alignment the host asked for ((HPDA+1)*4 bytes). */
  private dataAlign = 4;
  private sqflowDisabled = false;
  private sqhd = 0;
  private depth = PRE_CONNECT_DEPTH;
  private inlineMax = Math.max(ADMIN_IN_CAPSULE_SIZE, 0);
  private readonly slots: Cmd[] = [];
  private readonly freeSlots: number[] = [];
  private readonly byCid = new Map<number, Cmd>();
  private readonly outq: Buffer[] = [];
  private outRelease: Buffer[] = [];
  private flushScheduled = false;
  private paused = false;
  private connectTimer: NodeJS.Timeout | undefined;
  private readonly flushFn = () => this.flush();
  private closeListeners: Array<() => void> = [];

  constructor(
    readonly socket: Socket,
    private readonly t: TargetContext,
  ) {
    this.remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    this.localAddress = socket.localAddress ?? '';
    this.log = t.log.child({ peer: this.remote });
    this.inlineMax = Math.max(ADMIN_IN_CAPSULE_SIZE, t.limits.inCapsuleDataSize);
    this.reader = new PduReader((p) => this.onPdu(p), {
      accept: [PduType.ICReq, PduType.H2CTermReq, PduType.CapsuleCmd, PduType.H2CData],
      maxPlen: PduHlen.ICReq,
    });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 10_000);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.close('host closed the connection', 'debug'));
    socket.on('close', () => this.close('connection closed', 'debug'));
    socket.on('error', (e) => this.close(`socket error: ${e.message}`, 'debug'));
    socket.on('drain', () => {
      if (this.paused && this.state !== ST_CLOSED) {
        this.paused = false;
        socket.resume();
      }
    });
    this.connectTimer = setTimeout(() => {
      this.connectTimer = undefined;
      if (this.state === ST_ICREQ || this.state === ST_CONNECT)
        this.close(`no ICReq and Connect within ${t.limits.connectTimeoutMs} ms`, 'info');
    }, t.limits.connectTimeoutMs);
    this.connectTimer.unref();
  }

  get closed(): boolean {
    return this.state === ST_CLOSED;
  }

  /** Commands received and not yet completed (AERs included). */
  get outstanding(): number {
    return this.byCid.size;
  }

  onClose(fn: () => void): void {
    this.closeListeners.push(fn);
  }

  describe(): string {
    return this.ctrl ? `${this.ctrl.describe()} qid ${this.qid}` : `unconnected queue from ${this.remote}`;
  }

  /** Run a completion; an unexpected exception closes this connection instead of the process. */
  guard(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.log.error({ queue: this.describe(), err: describeError(e) }, 'internal error in a completion');
      this.close('internal error', 'error');
    }
  }

  // ---------------------------------------------------------------- receive

  private onData(chunk: Buffer): void {
    if (this.state === ST_CLOSED) return;
    // Responses completed since the last chunk go out before this one is worked on, rather than
    // at the end of the event-loop turn: libuv hands over back-to-back chunks within one turn,
    // and holding every response until all of them are processed leaves the host with nothing
    // to submit meanwhile (a whole queue depth of writes fits in two 64 KiB reads). Read data
    // still waits for the end of the turn: those batches are large already, and splitting them
    // costs more in system calls than it gains (measured with spdk_nvme_perf, docs/nvmf.md).
    if (this.outq.length > 0 && this.outRelease.length === 0) this.flush();
    try {
      this.reader.push(chunk);
    } catch (e) {
      if (e === CLOSED) return;
      if (e instanceof PduError) this.fatal(e);
      else {
        this.log.error(
          { err: describeError(e) },
          'internal error while handling a PDU; closing the connection',
        );
        this.close('internal error', 'error');
      }
    }
  }

  private onPdu(p: Pdu): void {
    if (this.state === ST_CLOSED) throw CLOSED;
    switch (p.type) {
      case PduType.CapsuleCmd:
        if (this.state === ST_ICREQ)
          throw new PduError(Fes.PduSequenceError, 0, 'CapsuleCmd before ICReq', p.header);
        this.onCapsule(p);
        break;
      case PduType.H2CData:
        if (this.state === ST_ICREQ)
          throw new PduError(Fes.PduSequenceError, 0, 'H2CData before ICReq', p.header);
        this.onH2CData(p);
        break;
      case PduType.ICReq:
        this.onICReq(p);
        break;
      case PduType.H2CTermReq: {
        const fes = p.header.readUInt16LE(8);
        this.close(`host terminated the connection (H2CTermReq FES ${fes})`, 'warn');
        throw CLOSED;
      }
    }
    if (this.state === ST_CLOSED) throw CLOSED;
  }

  private onICReq(p: Pdu): void {
    if (this.state !== ST_ICREQ) throw new PduError(Fes.PduSequenceError, 0, 'second ICReq', p.header);
    const r = decodeICReq(p.header);
    if (r.pfv !== 0) {
      throw new PduError(Fes.UnsupportedParameter, 8, `unsupported PDU format version ${r.pfv}`, p.header);
    }
    if (r.hpda > 31)
      throw new PduError(Fes.InvalidPduHeaderField, 10, `HPDA ${r.hpda} out of range`, p.header);
    this.hdgst = r.hdgst;
    this.ddgst = r.ddgst;
    this.dataAlign = (r.hpda + 1) * 4;
    const lim = this.t.limits;
    this.send(encodeICResp({ pfv: 0, cpda: 0, hdgst: r.hdgst, ddgst: r.ddgst, maxh2cdata: lim.maxIoSize }));
    this.reader.digests = { header: r.hdgst, data: r.ddgst };
    // A capsule may carry up to the in-capsule limit; an H2CData up to MAXH2CDATA. Both may be
    // padded by the host's CPDA (we say 0) and carry two digests.
    this.reader.maxPlen = Math.max(PduHlen.CapsuleCmd + this.inlineMax, PduHlen.Data + lim.maxIoSize) + 8;
    this.state = ST_CONNECT;
  }

  private allocCmd(cid: number, header: Buffer): Cmd {
    const inUse = this.byCid.get(cid);
    if (inUse) {
      // SPDK's host aborts its own outstanding Asynchronous Event Requests when it detaches,
      // without telling the target, and reuses their IDs; SPDK's and Linux's targets accept
      // that. An AER has no data in flight, so its ID can be released safely. Anything else
      // with a duplicate ID would make completions ambiguous: that stays fatal.
      if (this.ctrl && this.qid === 0 && this.ctrl.forgetAer(inUse)) this.abandon(inUse);
      else throw new PduError(Fes.InvalidPduHeaderField, 10, `command ID ${cid} is already in use`, header);
    }
    let c: Cmd | undefined;
    const slot = this.freeSlots.pop();
    if (slot !== undefined) c = this.slots[slot]!;
    else if (this.slots.length < this.depth) {
      c = new Cmd(this, this.slots.length);
      this.slots.push(c);
    } else {
      throw new PduError(
        Fes.InvalidPduHeaderField,
        0,
        `host exceeded the queue size (${this.depth} commands outstanding)`,
        header,
      );
    }
    c.state = CMD_ACTIVE;
    c.cid = cid;
    c.data = undefined;
    c.pooled = undefined;
    c.digestError = false;
    c.ns = undefined;
    c.h2cLen = 0;
    c.received = 0;
    c.c2hMax = 0;
    c.slba = 0;
    this.byCid.set(cid, c);
    return c;
  }

  private freeCmd(c: Cmd): void {
    if (c.state === CMD_FREE) return;
    c.state = CMD_FREE;
    this.byCid.delete(c.cid);
    c.data = undefined;
    c.sqe = EMPTY;
    this.freeSlots.push(c.slot);
  }

  private onCapsule(p: Pdu): void {
    const sqe = p.header.subarray(8, 72);
    const cid = sqe.readUInt16LE(2);
    const cmd = this.allocCmd(cid, p.header);
    cmd.sqe = sqe;
    cmd.opc = sqe[0]!;
    this.sqhd = this.sqhd + 1 >= this.depth ? 0 : this.sqhd + 1;
    this.ctrl?.touch();

    const fctype = sqe[4]!;
    const dir = direction(cmd.opc, fctype);
    const flags = sqe[1]!;
    const sglLen = sqe.readUInt32LE(32);
    const sglId = sqe[39]!;
    const data = p.data;
    if ((flags & 0x3) !== 0) return this.complete(cmd, St.INVALID_FIELD); // fused commands
    if (data !== undefined) {
      // In-capsule data: an SGL Data Block descriptor with an offset (ICDOFF is 0) and the
      // exact length of the data that came with the capsule.
      if (sglId !== SglId.InCapsule) return this.complete(cmd, St.SGL_DESC_TYPE_INVALID);
      if (dir !== DIR_H2C) return this.complete(cmd, St.INVALID_FIELD);
      if (sqe.readUInt32LE(24) !== 0 || sqe.readUInt32LE(28) !== 0)
        return this.complete(cmd, St.SGL_OFFSET_INVALID);
      if (sglLen !== data.length) return this.complete(cmd, St.SGL_LENGTH_INVALID);
      if (data.length > this.inlineMax) return this.complete(cmd, St.SGL_LENGTH_INVALID);
      if (!p.dataDigestOk) return this.digestFailed(cmd);
      cmd.h2cLen = cmd.received = data.length;
      cmd.data = data;
      return this.execute(cmd);
    }
    if (sglLen > 0) {
      if (((flags >> 6) & 0x3) !== 1) return this.complete(cmd, St.INVALID_FIELD); // PSDT must say SGL
      if (sglId === SglId.InCapsule) return this.complete(cmd, St.SGL_LENGTH_INVALID); // promised, not sent
      if (sglId !== SglId.Transport) return this.complete(cmd, St.SGL_DESC_TYPE_INVALID);
      if (dir === DIR_H2C) {
        const st = this.preflight(cmd, sglLen);
        if (st !== St.SUCCESS) return this.complete(cmd, st);
        cmd.h2cLen = sglLen;
        cmd.state = CMD_AWAIT_DATA;
        this.sendR2T(cmd);
        return;
      }
      if (dir === DIR_C2H) cmd.c2hMax = sglLen;
    }
    this.execute(cmd);
  }

  private onH2CData(p: Pdu): void {
    const h = p.header;
    const cccid = h.readUInt16LE(8);
    const ttag = h.readUInt16LE(10);
    const datao = h.readUInt32LE(12);
    const datal = h.readUInt32LE(16);
    const cmd = this.slots[ttag];
    if (!cmd || cmd.state !== CMD_AWAIT_DATA) {
      throw new PduError(Fes.InvalidPduHeaderField, 10, `H2CData for unknown transfer tag ${ttag}`, h);
    }
    if (cmd.cid !== cccid) {
      throw new PduError(
        Fes.InvalidPduHeaderField,
        8,
        `H2CData CCCID ${cccid} does not match tag ${ttag}`,
        h,
      );
    }
    const data = p.data;
    if (!data || data.length !== datal) {
      throw new PduError(Fes.InvalidPduHeaderField, 16, `H2CData DATAL ${datal} does not match its PDU`, h);
    }
    if (datal > this.t.limits.maxIoSize) {
      throw new PduError(
        Fes.DataTransferLimitExceeded,
        16,
        `H2CData of ${datal} bytes exceeds MAXH2CDATA`,
        h,
      );
    }
    if (datao !== cmd.received || datao + datal > cmd.h2cLen) {
      throw new PduError(
        Fes.DataTransferOutOfRange,
        12,
        `H2CData offset ${datao} length ${datal} outside the expected ${cmd.received}..${cmd.h2cLen}`,
        h,
      );
    }
    const last = (p.flags & PduFlags.LAST_PDU) !== 0;
    if (!p.dataDigestOk) cmd.digestError = true;
    if (datao === 0 && datal === cmd.h2cLen) {
      cmd.data = data; // the whole transfer in one PDU: no copy
    } else {
      if (!cmd.data) cmd.data = cmd.pooled = this.t.pool.get(cmd.h2cLen);
      data.copy(cmd.data, datao);
    }
    cmd.received += datal;
    if (cmd.received < cmd.h2cLen) {
      if (last)
        throw new PduError(Fes.PduSequenceError, 1, 'H2CData LAST_PDU before the end of the transfer', h);
      return;
    }
    if (!last)
      throw new PduError(Fes.PduSequenceError, 1, 'H2CData completed the transfer without LAST_PDU', h);
    cmd.state = CMD_ACTIVE;
    if (cmd.digestError) return this.digestFailed(cmd);
    this.execute(cmd);
  }

  /**
   * A data digest mismatch damages only the data, not the framing: the command fails with
   * Transient Transport Error (retryable) and the connection lives on.
   */
  private digestFailed(cmd: Cmd): void {
    this.log.warn({ queue: this.describe(), cid: cmd.cid }, 'data digest error: failing the command');
    this.t.stats.dataDigestErrors++;
    this.releaseData(cmd);
    this.complete(cmd, St.TRANSIENT_TRANSPORT);
  }

  // ---------------------------------------------------------------- dispatch

  /** Validate a command that wants host data before asking for it (R2T). */
  private preflight(cmd: Cmd, len: number): number {
    if (cmd.opc === 0x7f) {
      if (this.ctrl === undefined && cmd.sqe[4] === FabricsType.Connect)
        return len === CONNECT_DATA_SIZE ? St.SUCCESS : St.SGL_LENGTH_INVALID;
      return St.INVALID_FIELD;
    }
    if (this.qid !== 0 && this.ctrl) {
      if (cmd.opc === IoOpc.Write) return this.rwCheck(cmd, len, true);
      if (cmd.opc === IoOpc.DatasetManagement) return this.dsmCheck(cmd, len);
    }
    // No admin command takes data from the host here (features with data are not supported).
    return this.ctrl === undefined ? St.CMD_SEQ_ERROR : St.INVALID_FIELD;
  }

  private execute(cmd: Cmd): void {
    if (cmd.opc === 0x7f) return this.fabrics(cmd);
    const ctrl = this.ctrl;
    if (ctrl === undefined) return this.complete(cmd, St.CMD_SEQ_ERROR);
    if (this.qid === 0) return ctrl.adminCommand(this, cmd);
    if (!ctrl.ioReady) return this.complete(cmd, St.CMD_SEQ_ERROR);
    switch (cmd.opc) {
      case IoOpc.Read:
        return this.read(cmd);
      case IoOpc.Write:
        return this.write(cmd);
      case IoOpc.Flush:
        return this.flushCmd(cmd);
      case IoOpc.WriteZeroes:
        return this.writeZeroes(cmd);
      case IoOpc.DatasetManagement:
        return this.dsm(cmd);
      default:
        return this.complete(cmd, St.INVALID_OPCODE);
    }
  }

  private fabrics(cmd: Cmd): void {
    const fctype = cmd.sqe[4]!;
    if (fctype === FabricsType.Connect) {
      if (this.ctrl !== undefined) return this.complete(cmd, St.CMD_SEQ_ERROR);
      return this.connect(cmd);
    }
    const ctrl = this.ctrl;
    if (ctrl === undefined) return this.complete(cmd, St.CMD_SEQ_ERROR);
    switch (fctype) {
      case FabricsType.PropertyGet:
      case FabricsType.PropertySet:
        if (this.qid !== 0) return this.complete(cmd, St.INVALID_FIELD);
        return ctrl.propertyCommand(this, cmd, fctype);
      case FabricsType.Disconnect:
        if (this.qid === 0) return this.complete(cmd, St.INVALID_FIELD);
        this.complete(cmd, St.SUCCESS);
        this.flush();
        this.close('host disconnected the I/O queue', 'debug');
        return;
      default:
        return this.complete(cmd, St.INVALID_OPCODE);
    }
  }

  // ---------------------------------------------------------------- Connect

  private connect(cmd: Cmd): void {
    const s = cmd.sqe;
    const d = cmd.data;
    if (!d || d.length !== CONNECT_DATA_SIZE) return this.complete(cmd, St.SGL_LENGTH_INVALID);
    const recfmt = s.readUInt16LE(40);
    const qid = s.readUInt16LE(42);
    const sqsize = s.readUInt16LE(44);
    const cattr = s[46]!;
    const kato = s.readUInt32LE(48);
    const cntlid = d.readUInt16LE(16);
    const subnqn = getString(d, 256, 256);
    const hostnqn = getString(d, 512, 256);
    const lim = this.t.limits;
    const invalid = (inData: boolean, off: number, why: string) => {
      this.log.info({ subnqn, hostnqn, qid, reason: why }, 'Connect refused: invalid parameter');
      this.complete(cmd, St.CONNECT_INVALID_PARAMETERS, connectInvalidParamDw0(inData, off));
    };
    if (recfmt !== 0) return this.complete(cmd, St.CONNECT_INCOMPATIBLE_FORMAT);
    const subsys = this.t.findSubsystem(subnqn);
    if (!subsys) return invalid(true, 256, `no subsystem ${subnqn}`);
    // An empty host NQN is what some hosts send (SPDK's perf tool, for one); SPDK's and Linux's
    // targets admit it where any host may connect, so do we. It can never match an allow list.
    if (hostnqn !== '' && !isValidNqn(hostnqn)) return invalid(true, 512, 'invalid host NQN');
    if (sqsize < 1 || sqsize > lim.maxQueueDepth - 1)
      return invalid(false, 44, `SQSIZE ${sqsize} out of range`);
    if (!subsys.isHostAllowed(hostnqn)) {
      this.log.warn({ subnqn, hostnqn }, 'Connect refused: host is not on the allow list');
      this.t.stats.hostsRefused++;
      return this.complete(cmd, St.CONNECT_INVALID_HOST);
    }
    if (qid === 0) {
      if (cntlid !== DYNAMIC_CNTLID && cntlid !== 0xfffe)
        return invalid(true, 16, `CNTLID ${cntlid} is not dynamic`);
      const ctrl = this.t.createController(subsys, hostnqn, Buffer.from(d.subarray(0, 16)), kato, this);
      if (!ctrl) {
        this.log.warn({ subnqn }, 'Connect refused: no controller ID left in the subsystem range');
        return this.complete(cmd, St.CONNECT_CONTROLLER_BUSY);
      }
      this.bind(ctrl, 0, sqsize, cattr);
      this.log.info(
        {
          subnqn,
          hostnqn,
          cntlid: ctrl.cntlid,
          kato: ctrl.katoMs,
          digests: { header: this.hdgst, data: this.ddgst },
          sqFlowControl: !this.sqflowDisabled,
        },
        subsys.isDiscovery ? 'discovery controller created' : 'controller created',
      );
      return this.complete(cmd, St.SUCCESS, ctrl.cntlid);
    }
    if (subnqn === DISCOVERY_NQN) return invalid(false, 42, 'the discovery subsystem has no I/O queues');
    const ctrl = this.t.controllerOf(subsys, cntlid);
    if (!ctrl) return invalid(true, 16, `no controller ${cntlid} in ${subnqn}`);
    if (ctrl.hostNqn !== hostnqn) return invalid(true, 512, 'host NQN differs from the admin queue');
    if (!ctrl.hostId.equals(d.subarray(0, 16)))
      return invalid(true, 0, 'host ID differs from the admin queue');
    if (!ctrl.ioReady) return this.complete(cmd, St.CMD_SEQ_ERROR);
    if (qid > ctrl.ioQueuesAllowed)
      return invalid(false, 42, `QID ${qid} above the ${ctrl.ioQueuesAllowed} allocated`);
    if (ctrl.hasIoQueue(qid)) return invalid(false, 42, `QID ${qid} is already connected`);
    this.bind(ctrl, qid, sqsize, cattr);
    ctrl.addIoQueue(qid, this);
    this.log.debug({ ctrl: ctrl.describe(), qid, sqsize }, 'I/O queue connected');
    this.complete(cmd, St.SUCCESS);
  }

  private bind(ctrl: Controller, qid: number, sqsize: number, cattr: number): void {
    this.ctrl = ctrl;
    this.qid = qid;
    this.depth = sqsize + 1;
    this.sqflowDisabled = (cattr & 0x04) !== 0;
    this.inlineMax = qid === 0 ? ADMIN_IN_CAPSULE_SIZE : this.t.limits.inCapsuleDataSize;
    this.sqhd = 1 % this.depth;
    this.state = ST_LIVE;
    if (this.connectTimer) {
      clearTimeout(this.connectTimer);
      this.connectTimer = undefined;
    }
  }

  // ---------------------------------------------------------------- I/O commands

  private nsFor(cmd: Cmd): Namespace | undefined {
    const nsid = cmd.sqe.readUInt32LE(4);
    return this.ctrl!.subsystem.namespace(nsid);
  }

  /** Read/Write checks in NVMe's order: namespace, transfer size, SGL length, LBA range. */
  private rwCheck(cmd: Cmd, sglLen: number, isWrite: boolean): number {
    const ns = this.nsFor(cmd);
    if (!ns) return St.INVALID_NS;
    const dev = ns.dev;
    const nlb = cmd.sqe.readUInt16LE(48) + 1;
    const bytes = nlb * dev.blockSize;
    if (bytes > this.t.limits.maxIoSize) return St.INVALID_FIELD;
    if (sglLen !== bytes) return St.SGL_LENGTH_INVALID;
    const slba = S.slba(cmd.sqe);
    if (slba > dev.numBlocks - nlb) return St.LBA_OUT_OF_RANGE;
    cmd.ns = ns;
    cmd.slba = slba;
    cmd.byteOffset = slba * dev.blockSize;
    cmd.byteLength = bytes;
    cmd.kind = isWrite ? 'write' : 'read';
    return St.SUCCESS;
  }

  private read(cmd: Cmd): void {
    const st = this.rwCheck(cmd, cmd.c2hMax, false);
    if (st !== St.SUCCESS) return this.complete(cmd, st);
    const buf = this.t.pool.get(cmd.byteLength);
    cmd.data = cmd.pooled = buf;
    this.t.ioStart();
    cmd.ns!.dev.read(cmd.byteOffset, buf).then(cmd.readOk, cmd.ioErr);
  }

  private write(cmd: Cmd): void {
    const st = this.rwCheck(cmd, cmd.h2cLen, true);
    if (st !== St.SUCCESS) {
      this.releaseData(cmd);
      return this.complete(cmd, st);
    }
    const fua = (cmd.sqe.readUInt32LE(48) & (1 << 30)) !== 0 || !this.ctrl!.volatileWriteCache;
    this.t.ioStart();
    cmd.ns!.dev.write(cmd.byteOffset, cmd.data!, fua ? FUA : undefined).then(cmd.ioOk, cmd.ioErr);
  }

  private flushCmd(cmd: Cmd): void {
    const nsid = cmd.sqe.readUInt32LE(4);
    cmd.kind = 'flush';
    if (nsid === 0xffffffff) {
      const all = [...this.ctrl!.subsystem.namespaces.values()];
      this.t.ioStart();
      Promise.all(all.map((ns) => ns.dev.flush())).then(cmd.ioOk, cmd.ioErr);
      return;
    }
    const ns = this.nsFor(cmd);
    if (!ns) return this.complete(cmd, St.INVALID_NS);
    cmd.ns = ns;
    this.t.ioStart();
    ns.dev.flush().then(cmd.ioOk, cmd.ioErr);
  }

  private writeZeroes(cmd: Cmd): void {
    const ns = this.nsFor(cmd);
    if (!ns) return this.complete(cmd, St.INVALID_NS);
    const dev = ns.dev;
    const cdw12 = cmd.sqe.readUInt32LE(48);
    const nlb = (cdw12 & 0xffff) + 1;
    const slba = S.slba(cmd.sqe);
    if (slba > dev.numBlocks - nlb) return this.complete(cmd, St.LBA_OUT_OF_RANGE);
    cmd.ns = ns;
    cmd.slba = slba;
    cmd.byteOffset = slba * dev.blockSize;
    cmd.byteLength = nlb * dev.blockSize;
    const deallocate = (cdw12 & (1 << 25)) !== 0;
    const fua = (cdw12 & (1 << 30)) !== 0 || !this.ctrl!.volatileWriteCache;
    cmd.kind = deallocate ? 'unmap' : 'writeZeroes';
    this.t.ioStart();
    // Both leave zeros (the BlockDevice contract); DEAC lets the device free the space.
    let p = deallocate
      ? dev.unmap(cmd.byteOffset, cmd.byteLength)
      : dev.writeZeroes(cmd.byteOffset, cmd.byteLength);
    if (fua) p = p.then(() => dev.flush());
    p.then(cmd.ioOk, cmd.ioErr);
  }

  private dsmCheck(cmd: Cmd, len: number): number {
    const ns = this.nsFor(cmd);
    if (!ns) return St.INVALID_NS;
    const nr = (cmd.sqe.readUInt32LE(40) & 0xff) + 1;
    // The Linux host always transfers a buffer sized for 256 ranges (some devices read that
    // much whatever NR says), so the data may be longer than the ranges, never shorter.
    if (len < nr * 16 || len > this.t.limits.maxIoSize) return St.SGL_LENGTH_INVALID;
    cmd.ns = ns;
    return St.SUCCESS;
  }

  private dsm(cmd: Cmd): void {
    const st = this.dsmCheck(cmd, cmd.h2cLen);
    if (st !== St.SUCCESS) {
      this.releaseData(cmd);
      return this.complete(cmd, st);
    }
    const ad = (cmd.sqe.readUInt32LE(44) & (1 << 2)) !== 0;
    if (!ad) {
      // Integral read/write hints only: nothing to do.
      this.releaseData(cmd);
      return this.complete(cmd, St.SUCCESS);
    }
    const ns = cmd.ns!;
    const dev = ns.dev;
    const ranges: Array<[number, number]> = [];
    const d = cmd.data!;
    const end = ((cmd.sqe.readUInt32LE(40) & 0xff) + 1) * 16;
    for (let off = 0; off < end; off += 16) {
      const nlb = d.readUInt32LE(off + 4);
      const slba = d.readUInt32LE(off + 8) + d.readUInt32LE(off + 12) * 2 ** 32;
      if (nlb === 0) continue;
      if (slba > dev.numBlocks - nlb) {
        this.releaseData(cmd);
        cmd.slba = slba;
        return this.complete(cmd, St.LBA_OUT_OF_RANGE);
      }
      ranges.push([slba * dev.blockSize, nlb * dev.blockSize]);
    }
    this.releaseData(cmd);
    cmd.kind = 'unmap';
    this.t.ioStart();
    Promise.all(ranges.map(([o, l]) => dev.unmap(o, l))).then(cmd.ioOk, cmd.ioErr);
  }

  /** @internal Completion of a device call without read data. */
  ioDone(cmd: Cmd): void {
    this.t.ioEnd();
    const ns = cmd.ns;
    if (ns && cmd.kind === 'write') {
      ns.counters.writeCommands++;
      ns.counters.bytesWritten += cmd.byteLength;
    }
    this.releaseData(cmd);
    if (this.state === ST_CLOSED) return;
    this.complete(cmd, St.SUCCESS);
  }

  /** @internal Completion of a device read: the data goes out as C2HData. */
  readDone(cmd: Cmd): void {
    this.t.ioEnd();
    const ns = cmd.ns!;
    ns.counters.readCommands++;
    ns.counters.bytesRead += cmd.byteLength;
    const buf = cmd.data!;
    cmd.pooled = undefined;
    if (this.state === ST_CLOSED) {
      this.t.pool.put(buf);
      return;
    }
    this.completeWithData(cmd, buf, true);
  }

  /** @internal */
  ioFailed(cmd: Cmd, e: unknown): void {
    this.t.ioEnd();
    this.releaseData(cmd);
    const st = statusForError(e, cmd.kind);
    if (cmd.ns && (st === St.WRITE_FAULT || st === St.UNRECOVERED_READ)) cmd.ns.counters.mediaErrors++;
    this.log.warn(
      { queue: this.describe(), cid: cmd.cid, op: cmd.kind, offset: cmd.byteOffset, err: describeError(e) },
      'I/O failed',
    );
    if (this.state === ST_CLOSED) return;
    this.complete(cmd, st);
  }

  private releaseData(cmd: Cmd): void {
    if (cmd.pooled) {
      this.t.pool.put(cmd.pooled);
      cmd.pooled = undefined;
    }
    cmd.data = undefined;
  }

  // ---------------------------------------------------------------- send

  /**
   * Forget a command without answering it: a controller reset aborts outstanding commands (the
   * host frees their IDs and reuses them), so their IDs must be free here too.
   */
  abandon(cmd: Cmd): void {
    this.releaseData(cmd);
    this.freeCmd(cmd);
  }

  /** Complete a command with a CapsuleResp. */
  complete(cmd: Cmd, status: number, dw0 = 0, dw1 = 0): void {
    if (cmd.state === CMD_FREE) return;
    const cid = cmd.cid;
    if (status !== St.SUCCESS && this.ctrl) this.ctrl.recordError(this.qid, cmd, status);
    this.freeCmd(cmd);
    if (this.state === ST_CLOSED) return;
    this.sendResp(cid, status, dw0, dw1);
  }

  /**
   * Complete a command that returns data: C2HData (at most the host's SGL length), then the
   * CapsuleResp, or only the C2HData with SUCCESS when the host disabled SQ flow control.
   */
  completeWithData(cmd: Cmd, data: Buffer, pooled: boolean, dw0 = 0): void {
    if (cmd.state === CMD_FREE) return;
    const n = Math.min(data.length, cmd.c2hMax);
    if (n === 0) {
      if (pooled) this.t.pool.put(data);
      return this.complete(cmd, St.SGL_LENGTH_INVALID);
    }
    const cid = cmd.cid;
    this.freeCmd(cmd);
    if (this.state === ST_CLOSED) {
      if (pooled) this.t.pool.put(data);
      return;
    }
    const success = this.sqflowDisabled && dw0 === 0;
    this.sendC2HData(cid, n === data.length ? data : data.subarray(0, n), success);
    if (pooled) this.outRelease.push(data);
    if (!success) this.sendResp(cid, St.SUCCESS, dw0, 0);
  }

  private sendResp(cid: number, status: number, dw0: number, dw1: number): void {
    const hd = this.hdgst ? 4 : 0;
    const b = Buffer.allocUnsafe(PduHlen.CapsuleResp + hd);
    b[0] = PduType.CapsuleResp;
    b[1] = hd ? PduFlags.HDGSTF : 0;
    b[2] = PduHlen.CapsuleResp;
    b[3] = 0;
    b.writeUInt32LE(PduHlen.CapsuleResp + hd, 4);
    b.writeUInt32LE(dw0 >>> 0, 8);
    b.writeUInt32LE(dw1 >>> 0, 12);
    b.writeUInt16LE(this.sqflowDisabled ? 0xffff : this.sqhd, 16);
    b.writeUInt16LE(this.qid < 0 ? 0 : this.qid, 18);
    b.writeUInt16LE(cid, 20);
    b.writeUInt16LE((status << 1) & 0xfffe, 22);
    if (hd) b.writeUInt32LE(crc32c(b, 0, PduHlen.CapsuleResp), PduHlen.CapsuleResp);
    this.send(b);
  }

  private sendC2HData(cid: number, data: Buffer, success: boolean): void {
    const hd = this.hdgst ? 4 : 0;
    const dd = this.ddgst ? 4 : 0;
    const hEnd = PduHlen.Data + hd;
    const pad = (this.dataAlign - (hEnd % this.dataAlign)) % this.dataAlign;
    const pdo = hEnd + pad;
    const h = Buffer.allocUnsafe(pdo);
    h[0] = PduType.C2HData;
    h[1] =
      PduFlags.LAST_PDU |
      (success ? PduFlags.SUCCESS : 0) |
      (hd ? PduFlags.HDGSTF : 0) |
      (dd ? PduFlags.DDGSTF : 0);
    h[2] = PduHlen.Data;
    h[3] = pdo;
    h.writeUInt32LE(pdo + data.length + dd, 4);
    h.writeUInt16LE(cid, 8);
    h.writeUInt16LE(0, 10);
    h.writeUInt32LE(0, 12); // DATAO
    h.writeUInt32LE(data.length, 16); // DATAL
    h.writeUInt32LE(0, 20);
    if (hd) h.writeUInt32LE(crc32c(h, 0, PduHlen.Data), PduHlen.Data);
    if (pad) h.fill(0, hEnd);
    this.send(h);
    this.send(data);
    if (dd) {
      const d = Buffer.allocUnsafe(4);
      d.writeUInt32LE(crc32c(data), 0);
      this.send(d);
    }
  }

  private sendR2T(cmd: Cmd): void {
    const hd = this.hdgst ? 4 : 0;
    const b = Buffer.allocUnsafe(PduHlen.R2T + hd);
    b[0] = PduType.R2T;
    b[1] = hd ? PduFlags.HDGSTF : 0;
    b[2] = PduHlen.R2T;
    b[3] = 0;
    b.writeUInt32LE(PduHlen.R2T + hd, 4);
    b.writeUInt16LE(cmd.cid, 8);
    b.writeUInt16LE(cmd.slot, 10); // TTAG
    b.writeUInt32LE(0, 12); // R2TO
    b.writeUInt32LE(cmd.h2cLen, 16); // R2TL: the whole transfer (MDTS-bounded) at once
    b.writeUInt32LE(0, 20);
    if (hd) b.writeUInt32LE(crc32c(b, 0, PduHlen.R2T), PduHlen.R2T);
    this.send(b);
  }

  private send(b: Buffer): void {
    this.outq.push(b);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushFn);
    }
  }

  /** Write everything queued this event-loop turn as one corked batch (a single writev). */
  private flush(): void {
    this.flushScheduled = false;
    const q = this.outq;
    if (q.length === 0) return;
    // Buffers to return to the pool once written; a new list only for batches that have some.
    let rel: Buffer[] | undefined;
    if (this.outRelease.length > 0) {
      rel = this.outRelease;
      this.outRelease = [];
    }
    const s = this.socket;
    if (s.destroyed || !s.writable) {
      q.length = 0;
      if (rel) for (const b of rel) this.t.pool.put(b);
      return;
    }
    s.cork();
    const last = q.length - 1;
    for (let i = 0; i < last; i++) s.write(q[i]!);
    if (rel) {
      const pool = this.t.pool;
      const done = rel;
      s.write(q[last]!, () => {
        for (const b of done) pool.put(b);
      });
    } else s.write(q[last]!);
    s.uncork();
    q.length = 0; // the socket holds its own references now
    if (!this.paused && s.writableLength > SEND_BACKLOG_PAUSE && this.state !== ST_CLOSED) {
      this.paused = true;
      s.pause();
    }
  }

  // ---------------------------------------------------------------- teardown

  private fatal(e: PduError): void {
    if (this.state === ST_CLOSED) return;
    this.t.stats.protocolErrors++;
    this.log.warn(
      { queue: this.describe(), fes: e.fes, fei: e.fei, reason: e.message },
      'closing NVMe/TCP connection: protocol error',
    );
    // Tell the host why (NVMe/TCP "Connection Termination"), then close.
    this.send(encodeTermReq(PduType.C2HTermReq, e.fes, e.fei, e.header));
    this.flush();
    this.close(`protocol error: ${e.message}`, undefined);
  }

  /**
   * Close the connection: whatever is queued is flushed, the socket is ended and destroyed
   * shortly after. An admin queue takes its controller (and so every I/O queue) with it.
   */
  close(reason: string, level: 'debug' | 'info' | 'warn' | 'error' | undefined): void {
    if (this.state === ST_CLOSED) return;
    const wasLive = this.state === ST_LIVE;
    this.state = ST_CLOSED;
    if (level) this.log[level]({ queue: this.describe(), reason }, 'NVMe/TCP connection closed');
    if (this.connectTimer) {
      clearTimeout(this.connectTimer);
      this.connectTimer = undefined;
    }
    if (this.flushScheduled) this.flush();
    const s = this.socket;
    if (!s.destroyed) {
      s.end();
      const t = setTimeout(() => s.destroy(), CLOSE_LINGER_MS);
      t.unref();
      s.once('close', () => clearTimeout(t));
    }
    // Commands still waiting for data will never get it; running device I/O completes and is
    // dropped (its buffers come back to the pool then).
    for (const c of this.slots) if (c.state === CMD_AWAIT_DATA) this.releaseData(c);
    if (wasLive && this.ctrl) this.ctrl.queueClosed(this, reason);
    for (const fn of this.closeListeners.splice(0)) fn();
  }
}
