/**
 * One NBD client connection: fixed newstyle negotiation, then the transmission phase.
 *
 * Input is parsed from the socket's byte stream as it arrives (messages may be split across or
 * packed into TCP segments arbitrarily). Requests are executed as soon as they are parsed, many
 * at a time, and complete in whatever order the device completes them; each reply carries its
 * request's handle. Replies are gathered and written once per event-loop turn, so a burst of
 * completions costs one system call.
 *
 * Errors are isolated: a request the protocol lets us refuse (out of range, misaligned, bad flags,
 * unknown command, device error) gets an NBD error and the connection carries on; a client that
 * breaks the protocol in a way that leaves the stream undecodable (bad magic, absurd lengths)
 * loses its connection, with the reason logged, and nobody else notices.
 *
 * Memory is bounded: requests in flight and their bytes are capped per connection (reading from
 * the socket pauses at the cap), as is the reply backlog waiting for a slow client.
 */
import type { Socket } from 'node:net';
import tls from 'node:tls';
import type { Logger } from '../core/log.js';
import { describeError, MayastorError } from '../core/errors.js';
import { BdevErrors } from '../bdev/errors.js';
import type { BlockDevice } from '../bdev/types.js';
import { ByteQueue, coalesce, SlabAllocator } from './buffers.js';
import { NbdErrors } from './errors.js';
import {
  ClientFlags,
  Cmd,
  CMD_NAMES,
  CmdFlags,
  ERRNO_NAMES,
  HandshakeFlags,
  Info,
  MAX_STRING_LEN,
  NbdErrno,
  NBD_REQUEST_MAGIC,
  NBD_SIMPLE_REPLY_MAGIC,
  NBD_STRUCTURED_REPLY_MAGIC,
  Opt,
  OPT_NAMES,
  OPTION_HEADER_LEN,
  readU64,
  ReplyFlags,
  ReplyType,
  Rep,
  REQUEST_HEADER_LEN,
  SIMPLE_REPLY_LEN,
  STRUCTURED_HEADER_LEN,
  TransmissionFlags,
  encodeOptionReply,
  encodeServerGreeting,
} from './protocol.js';

/** An export as a connection sees it. */
export interface NbdExport {
  readonly name: string;
  readonly device: BlockDevice;
  readonly description: string;
  readonly readOnly: boolean;
  /** Whether write-zeroes without NO_HOLE is cheaper than writing zeros (NBD_CMD_FLAG_FAST_ZERO). */
  readonly fastZero: boolean;
}

export interface ConnectionLimits {
  /** Largest read or write payload accepted (advertised as the maximum block size). */
  maxPayload: number;
  /** Requests executing at once per connection; reading pauses at this depth. */
  maxInflight: number;
  /** Bytes of read/write payload in flight per connection before reading pauses. */
  maxInflightBytes: number;
  /** Reply bytes queued on the socket before request parsing pauses. */
  maxQueuedReplyBytes: number;
  /** Options allowed in one negotiation (a client that haggles forever is dropped). */
  maxOptions: number;
  /** The negotiation must reach the transmission phase within this time. */
  handshakeTimeoutMs: number;
}

export interface ServerCounters {
  connectionsAccepted: number;
  connectionsRefused: number;
  optionsReceived: number;
  requestsReceived: number;
  requestErrors: number;
  protocolViolations: number;
}

/** What a connection needs from the server that accepted it. */
/** TLS for the whole server ("FORCEDTLS": nothing but STARTTLS and ABORT before TLS). */
export interface ServerTls {
  secureContext: tls.SecureContext;
  /** Require a client certificate signed by the configured CA. */
  requestCert: boolean;
}

export interface ConnectionContext {
  readonly log: Logger;
  readonly tls: ServerTls | undefined;
  readonly limits: ConnectionLimits;
  readonly counters: ServerCounters;
  readonly shuttingDown: boolean;
  /** The export for a name ('' is the default export), or undefined. */
  lookup(name: string): NbdExport | undefined;
  list(): NbdExport[];
  /** The connection entered transmission on `exp`. */
  attached(conn: NbdConnection, exp: NbdExport): void;
  closed(conn: NbdConnection): void;
}

/** Largest option payload accepted: NBD_OPT_GO with a 4096-byte name and many info requests fits. */
const MAX_OPTION_DATA = 64 * 1024;
/** Write payloads up to this multiple of maxPayload are read and dropped (EINVAL); larger ones end the connection. */
const DISCARD_FACTOR = 2;
/** Zeros for NBD_CMD_WRITE_ZEROES with NO_HOLE: written as data, never modified. */
const ZERO_BUF = Buffer.alloc(1 << 20);
const MAX_ERROR_MESSAGE = 1024;

const enum Phase {
  ClientFlags,
  OptionHeader,
  OptionData,
  Transmission,
  Closed,
}

const enum Rx {
  Header,
  Payload,
  Discard,
}

/** One request in flight. A class so that every request has the same shape (V8 likes that). */
class Request {
  constructor(
    readonly type: number,
    readonly flags: number,
    readonly handleHi: number,
    readonly handleLo: number,
    readonly offset: number,
    readonly length: number,
  ) {}
  /** Reply buffer for reads: header room, then the data. */
  reply: Buffer | undefined = undefined;
  /** Payload of a write. */
  data: Buffer | undefined = undefined;
}

let nextConnectionId = 1;

export class NbdConnection {
  readonly id = nextConnectionId++;
  readonly remote: string;
  readonly log: Logger;
  private phase = Phase.ClientFlags;
  private rx = Rx.Header;
  private readonly q = new ByteQueue();
  private readonly slab = new SlabAllocator();
  private need = 4;
  private optCode = 0;
  private optCount = 0;
  private noZeroes = false;
  private structured = false;
  private tlsActive = false;
  private blockSizeAgreed = false;
  private misalignWarned = false;
  private exp: NbdExport | undefined;
  private dev: BlockDevice | undefined;
  private size = 0;
  private blockSize = 512;
  /** A write whose payload is being received (Rx.Payload) or dropped (Rx.Discard). */
  private pending: Request | undefined;
  private pendingErr = 0;
  private pendingMsg = '';
  private inflight = 0;
  private inflightBytes = 0;
  private out: Buffer[] = [];
  private flushScheduled = false;
  private outBlocked = false;
  private paused = false;
  private processing = false;
  /** NBD_CMD_DISC received: parse nothing more, finish what is in flight, then close. */
  private discReceived = false;
  /** The client closed its sending side: answer everything it sent, then close. */
  private inputEnded = false;
  private shutdown = false;
  private ioErrorsLogged = 0;
  private handshakeTimer: NodeJS.Timeout | undefined;
  private idleWaiters: Array<() => void> = [];
  private closeWaiters: Array<() => void> = [];
  readonly stats = { requests: 0, bytesRead: 0, bytesWritten: 0, errors: 0 };

  constructor(
    private socket: Socket,
    private readonly ctx: ConnectionContext,
  ) {
    this.remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    this.log = ctx.log.child({ conn: this.id, client: this.remote });
  }

  get exportName(): string | undefined {
    return this.exp?.name;
  }

  get inTransmission(): boolean {
    return this.phase === Phase.Transmission;
  }

  get isClosed(): boolean {
    return this.phase === Phase.Closed;
  }

  get requestsInFlight(): number {
    return this.inflight;
  }

  start(): void {
    const s = this.socket;
    s.setNoDelay(true);
    s.setKeepAlive(true, 30_000);
    // Errors of the TCP socket are reported here even after TLS is layered on top of it.
    s.on('error', (e) => this.log.debug({ err: describeError(e) }, 'socket error'));
    this.bind(s);
    this.handshakeTimer = setTimeout(() => {
      if (this.phase !== Phase.Transmission && this.phase !== Phase.Closed) {
        this.violation(`negotiation not finished within ${this.ctx.limits.handshakeTimeoutMs} ms`);
      }
    }, this.ctx.limits.handshakeTimeoutMs);
    this.handshakeTimer.unref();
    s.write(encodeServerGreeting(HandshakeFlags.FIXED_NEWSTYLE | HandshakeFlags.NO_ZEROES));
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.phase === Phase.Closed || this.discReceived) return;
    this.q.push(chunk);
    this.process();
  };
  private readonly onEndCb = (): void => this.onEnd();
  private readonly onCloseCb = (): void => this.onClose();
  private readonly onDrain = (): void => {
    if (this.outBlocked) {
      this.outBlocked = false;
      this.process();
    }
  };

  /** Read from and track `s`: the TCP socket, or the TLS socket after STARTTLS. */
  private bind(s: Socket): void {
    s.on('data', this.onData);
    s.on('end', this.onEndCb);
    s.on('close', this.onCloseCb);
    s.on('drain', this.onDrain);
  }

  private unbind(s: Socket): void {
    s.off('data', this.onData);
    s.off('end', this.onEndCb);
    s.off('close', this.onCloseCb);
    s.off('drain', this.onDrain);
  }

  /**
   * Stop serving (server shutdown or export removal): requests in flight complete and are
   * answered, later ones get ESHUTDOWN (options: NBD_REP_ERR_SHUTDOWN), then the connection
   * closes. Resolves once it is closed.
   */
  stop(): Promise<void> {
    if (this.phase === Phase.Closed) return Promise.resolve();
    const p = new Promise<void>((r) => this.closeWaiters.push(r));
    if (!this.shutdown) {
      this.shutdown = true;
      if (this.phase === Phase.Transmission) {
        this.process();
        this.maybeFinish();
      } else {
        // Still negotiating: further options get NBD_REP_ERR_SHUTDOWN; a client that sends
        // none (or does not take the hint) is cut off shortly.
        setTimeout(() => this.close(), 1000).unref();
      }
    }
    return p;
  }

  /** Close at once, without waiting for anything (I/O in flight still completes on the device). */
  destroy(): void {
    this.socket.destroy();
  }

  /** Resolves when no request of this connection is executing on the device. */
  idle(): Promise<void> {
    if (this.inflight === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  // ---- input -------------------------------------------------------------------------------

  private process(): void {
    if (this.processing) return;
    this.processing = true;
    try {
      while (this.phase !== Phase.Closed) {
        const progressed =
          this.phase === Phase.Transmission ? this.stepTransmission() : this.stepNegotiation();
        if (!progressed) break;
      }
    } finally {
      this.processing = false;
    }
    this.updateReading();
    if (this.phase === Phase.Transmission) this.maybeFinish();
  }

  private blocked(): boolean {
    return (
      this.discReceived ||
      this.outBlocked ||
      this.inflight >= this.ctx.limits.maxInflight ||
      this.inflightBytes >= this.ctx.limits.maxInflightBytes
    );
  }

  /** Stop reading from the socket while we cannot take more requests; resume when we can. */
  private updateReading(): void {
    if (this.phase === Phase.Closed) return;
    const stop = this.phase === Phase.Transmission && this.rx === Rx.Header && this.blocked();
    if (stop && !this.paused) {
      this.paused = true;
      this.socket.pause();
    } else if (!stop && this.paused) {
      this.paused = false;
      this.socket.resume();
    }
  }

  private onEnd(): void {
    if (this.phase === Phase.Transmission) {
      // The client closed its side: answer what it already sent, then close ours.
      this.inputEnded = true;
      this.process();
    } else {
      this.close();
    }
  }

  private closedDone = false;

  private onClose(): void {
    if (this.closedDone) return;
    this.closedDone = true;
    this.phase = Phase.Closed;
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
    this.q.clear();
    this.out = [];
    this.ctx.closed(this);
    const w = this.closeWaiters;
    this.closeWaiters = [];
    for (const r of w) r();
  }

  private close(): void {
    if (this.phase === Phase.Closed) return;
    this.phase = Phase.Closed;
    this.socket.destroy();
  }

  /** A protocol violation that makes the stream undecodable: log why and hard-disconnect. */
  private violation(reason: string, details: Record<string, unknown> = {}): void {
    if (this.phase === Phase.Closed) return;
    this.ctx.counters.protocolViolations++;
    this.log.warn(
      { code: NbdErrors.PROTOCOL_VIOLATION, reason, ...details },
      'closing connection: protocol violation',
    );
    this.close();
  }

  // ---- negotiation -------------------------------------------------------------------------

  private stepNegotiation(): boolean {
    const q = this.q;
    if (q.length < this.need) return false;
    switch (this.phase) {
      case Phase.ClientFlags: {
        const b = q.take(4);
        const flags = b.readUInt32BE(0);
        const known = ClientFlags.C_FIXED_NEWSTYLE | ClientFlags.C_NO_ZEROES;
        if ((flags & ~known) !== 0) {
          this.violation(`unknown client flags 0x${flags.toString(16)}`);
          return false;
        }
        this.noZeroes = (flags & ClientFlags.C_NO_ZEROES) !== 0;
        this.phase = Phase.OptionHeader;
        this.need = OPTION_HEADER_LEN;
        return true;
      }
      case Phase.OptionHeader: {
        const b = q.take(OPTION_HEADER_LEN);
        // 'IHAVEOPT'
        if (b.readUInt32BE(0) !== 0x49484156 || b.readUInt32BE(4) !== 0x454f5054) {
          this.violation('bad option magic', { got: b.subarray(0, 8).toString('hex') });
          return false;
        }
        this.optCode = b.readUInt32BE(8);
        const len = b.readUInt32BE(12);
        if (len > MAX_OPTION_DATA) {
          this.violation(`option data of ${len} bytes is larger than ${MAX_OPTION_DATA}`, {
            option: this.optCode,
          });
          return false;
        }
        this.phase = Phase.OptionData;
        this.need = len;
        return true;
      }
      case Phase.OptionData: {
        const data = q.take(this.need);
        this.phase = Phase.OptionHeader;
        this.need = OPTION_HEADER_LEN;
        this.ctx.counters.optionsReceived++;
        if (++this.optCount > this.ctx.limits.maxOptions) {
          this.violation(`more than ${this.ctx.limits.maxOptions} options in one negotiation`);
          return false;
        }
        this.handleOption(this.optCode, data);
        return true;
      }
      default:
        return false;
    }
  }

  private sendOption(option: number, type: number, data?: Buffer): void {
    if (this.phase === Phase.Closed) return;
    this.socket.write(encodeOptionReply(option, type, data));
  }

  private sendOptionError(option: number, type: number, message: string): void {
    this.log.debug({ option: OPT_NAMES[option] ?? option, reply: type >>> 0, message }, 'option refused');
    this.sendOption(option, type, Buffer.from(message, 'utf8'));
  }

  private handleOption(opt: number, data: Buffer): void {
    const name = OPT_NAMES[opt] ?? `unknown(${opt})`;
    this.log.trace({ option: name, length: data.length }, 'option');
    if (opt === Opt.EXPORT_NAME) return this.optExportName(data);
    if (opt === Opt.ABORT) {
      // Any data is ignored, as the spec asks. Reply, then let the client close (or close after).
      this.sendOption(opt, Rep.ACK);
      this.phase = Phase.Closed;
      this.socket.end();
      setTimeout(() => this.socket.destroy(), 1000).unref();
      return;
    }
    if (this.shutdown || this.ctx.shuttingDown) {
      return this.sendOptionError(opt, Rep.ERR_SHUTDOWN, 'server is shutting down');
    }
    if (opt === Opt.STARTTLS) return this.optStartTls(data);
    if (this.ctx.tls && !this.tlsActive) {
      return this.sendOptionError(
        opt,
        Rep.ERR_TLS_REQD,
        'this server requires TLS: send NBD_OPT_STARTTLS first',
      );
    }
    switch (opt) {
      case Opt.LIST: {
        if (data.length !== 0)
          return this.sendOptionError(opt, Rep.ERR_INVALID, 'NBD_OPT_LIST takes no data');
        for (const e of this.ctx.list()) {
          const n = Buffer.from(e.name, 'utf8');
          const d = Buffer.from(e.description, 'utf8');
          const b = Buffer.allocUnsafe(4 + n.length + d.length);
          b.writeUInt32BE(n.length, 0);
          n.copy(b, 4);
          d.copy(b, 4 + n.length);
          this.sendOption(opt, Rep.SERVER, b);
        }
        return this.sendOption(opt, Rep.ACK);
      }
      case Opt.STRUCTURED_REPLY:
        if (data.length !== 0) {
          return this.sendOptionError(opt, Rep.ERR_INVALID, 'NBD_OPT_STRUCTURED_REPLY takes no data');
        }
        this.structured = true;
        return this.sendOption(opt, Rep.ACK);
      case Opt.INFO:
      case Opt.GO:
        return this.optInfoGo(opt, data);
      default:
        // Includes the metadata-context options: no NBD_CMD_BLOCK_STATUS here (docs/nbd.md).
        return this.sendOptionError(opt, Rep.ERR_UNSUP, `option ${name} is not supported`);
    }
  }

  private optStartTls(data: Buffer): void {
    const opt = Opt.STARTTLS;
    const conf = this.ctx.tls;
    if (!conf) return this.sendOptionError(opt, Rep.ERR_UNSUP, 'TLS is not configured on this server');
    if (this.tlsActive) return this.sendOptionError(opt, Rep.ERR_INVALID, 'TLS is already active');
    if (data.length !== 0)
      return this.sendOptionError(opt, Rep.ERR_INVALID, 'NBD_OPT_STARTTLS takes no data');
    if (this.q.length > 0) {
      // The client must wait for our reply before its TLS handshake: anything here is neither.
      this.violation('data sent after NBD_OPT_STARTTLS before the reply');
      return;
    }
    this.sendOption(opt, Rep.ACK);
    const raw = this.socket;
    this.unbind(raw);
    const ts = new tls.TLSSocket(raw, {
      isServer: true,
      secureContext: conf.secureContext,
      requestCert: conf.requestCert,
      rejectUnauthorized: conf.requestCert,
    });
    ts.on('error', (e) => {
      this.log.warn({ err: describeError(e) }, 'TLS failed; closing connection');
      this.close();
    });
    ts.once('secure', () => {
      const peer = ts.getPeerCertificate();
      this.log.debug(
        { protocol: ts.getProtocol(), cipher: ts.getCipher().name, clientCert: peer?.subject?.CN },
        'TLS established',
      );
    });
    this.socket = ts;
    this.tlsActive = true;
    // The spec: nothing negotiated before STARTTLS survives it.
    this.structured = false;
    this.bind(ts);
  }

  private optExportName(data: Buffer): void {
    if (this.ctx.tls && !this.tlsActive) {
      // NBD_OPT_EXPORT_NAME cannot carry an error: the spec says to terminate the session.
      this.violation('NBD_OPT_EXPORT_NAME before TLS on a server that requires TLS');
      return;
    }
    const name = data.toString('utf8');
    const exp = this.shutdown || this.ctx.shuttingDown ? undefined : this.ctx.lookup(name);
    if (!exp) {
      // NBD_OPT_EXPORT_NAME cannot carry an error: the spec says to terminate the session.
      this.violation(`NBD_OPT_EXPORT_NAME: no export named '${name.slice(0, 256)}'`);
      return;
    }
    const flags = this.transmissionFlags(exp);
    const b = Buffer.alloc(10 + (this.noZeroes ? 0 : 124));
    b.writeUInt32BE(Math.floor(exp.device.size / 0x100000000), 0);
    b.writeUInt32BE(exp.device.size >>> 0, 4);
    b.writeUInt16BE(flags, 8);
    this.socket.write(b);
    this.enterTransmission(exp, flags);
  }

  private optInfoGo(opt: number, data: Buffer): void {
    const what = opt === Opt.GO ? 'NBD_OPT_GO' : 'NBD_OPT_INFO';
    if (data.length < 6) return this.sendOptionError(opt, Rep.ERR_INVALID, `${what}: data too short`);
    const nameLen = data.readUInt32BE(0);
    if (nameLen > data.length - 6) {
      return this.sendOptionError(opt, Rep.ERR_INVALID, `${what}: name length exceeds the option data`);
    }
    const nInfo = data.readUInt16BE(4 + nameLen);
    if (data.length !== 6 + nameLen + 2 * nInfo) {
      return this.sendOptionError(opt, Rep.ERR_INVALID, `${what}: option length does not match its contents`);
    }
    if (nameLen > MAX_STRING_LEN) {
      return this.sendOptionError(opt, Rep.ERR_INVALID, `${what}: export name longer than ${MAX_STRING_LEN}`);
    }
    const name = data.toString('utf8', 4, 4 + nameLen);
    const requested = new Set<number>();
    for (let i = 0; i < nInfo; i++) requested.add(data.readUInt16BE(6 + nameLen + 2 * i));
    const exp = this.ctx.lookup(name);
    if (!exp) {
      return this.sendOptionError(opt, Rep.ERR_UNKNOWN, `no export named '${name.slice(0, 256)}'`);
    }
    const flags = this.transmissionFlags(exp);
    const size = exp.device.size;
    const ie = Buffer.allocUnsafe(12);
    ie.writeUInt16BE(Info.EXPORT, 0);
    ie.writeUInt32BE(Math.floor(size / 0x100000000), 2);
    ie.writeUInt32BE(size >>> 0, 6);
    ie.writeUInt16BE(flags, 10);
    this.sendOption(opt, Rep.INFO, ie);
    if (requested.has(Info.NAME)) {
      const n = Buffer.from(exp.name, 'utf8');
      const b = Buffer.allocUnsafe(2 + n.length);
      b.writeUInt16BE(Info.NAME, 0);
      n.copy(b, 2);
      this.sendOption(opt, Rep.INFO, b);
    }
    if (requested.has(Info.DESCRIPTION) && exp.description !== '') {
      const d = Buffer.from(exp.description, 'utf8');
      const b = Buffer.allocUnsafe(2 + d.length);
      b.writeUInt16BE(Info.DESCRIPTION, 0);
      d.copy(b, 2);
      this.sendOption(opt, Rep.INFO, b);
    }
    // Block sizes go out whether asked for or not: the spec wants non-default constraints
    // advertised. Minimum = the device's logical block size (smaller I/O would need
    // read-modify-write); preferred = at least 4 KiB; maximum = the payload cap.
    const bs = exp.device.blockSize;
    const b = Buffer.allocUnsafe(14);
    b.writeUInt16BE(Info.BLOCK_SIZE, 0);
    b.writeUInt32BE(bs, 2);
    b.writeUInt32BE(Math.max(bs, 4096), 6);
    b.writeUInt32BE(this.maxBlockSize(bs), 10);
    this.sendOption(opt, Rep.INFO, b);
    this.sendOption(opt, Rep.ACK);
    if (opt === Opt.GO) {
      // Whether the client promised to honour the block sizes (the kernel's nbd-client does
      // not ask, and must be told the block size with -b): worth knowing when I/O fails.
      this.blockSizeAgreed = requested.has(Info.BLOCK_SIZE);
      this.enterTransmission(exp, flags);
    }
  }

  /** The advertised maximum block size: the payload cap rounded down to a block multiple. */
  private maxBlockSize(bs: number): number {
    return Math.floor(this.ctx.limits.maxPayload / bs) * bs;
  }

  private transmissionFlags(exp: NbdExport): number {
    // NBD_FLAG_CAN_MULTI_CONN is safe: no connection has a cache of its own; every write goes
    // straight to the one shared BlockDevice, and a flush there is device-wide (fdatasync of the
    // file or disk; the nexus fans a flush out to all children). So a flush or FUA acknowledged
    // on one connection covers writes completed on any other connection, as the flag promises.
    let f =
      TransmissionFlags.HAS_FLAGS |
      TransmissionFlags.SEND_FLUSH |
      TransmissionFlags.SEND_FUA |
      TransmissionFlags.CAN_MULTI_CONN;
    if (exp.readOnly) f |= TransmissionFlags.READ_ONLY;
    else {
      f |=
        TransmissionFlags.SEND_TRIM | TransmissionFlags.SEND_WRITE_ZEROES | TransmissionFlags.SEND_FAST_ZERO;
    }
    // Every read is answered with a single data chunk, so "don't fragment" is always honoured.
    if (this.structured) f |= TransmissionFlags.SEND_DF;
    return f;
  }

  private enterTransmission(exp: NbdExport, flags: number): void {
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
    this.handshakeTimer = undefined;
    this.exp = exp;
    this.dev = exp.device;
    this.size = exp.device.size;
    this.blockSize = exp.device.blockSize;
    this.phase = Phase.Transmission;
    this.rx = Rx.Header;
    this.need = REQUEST_HEADER_LEN;
    this.ctx.attached(this, exp);
    this.log.info(
      {
        export: exp.name,
        size: this.size,
        structuredReplies: this.structured,
        blockSizeAgreed: this.blockSizeAgreed,
        minBlockSize: this.blockSize,
        flags: `0x${flags.toString(16)}`,
      },
      'client entered transmission',
    );
  }

  // ---- transmission ------------------------------------------------------------------------

  private stepTransmission(): boolean {
    const q = this.q;
    if (this.rx === Rx.Payload) {
      const req = this.pending!;
      if (q.length < req.length) return false;
      req.data = q.take(req.length);
      this.pending = undefined;
      this.rx = Rx.Header;
      this.execute(req);
      return true;
    }
    if (this.rx === Rx.Discard) {
      this.need -= q.skip(this.need);
      if (this.need > 0) return false;
      const req = this.pending!;
      this.pending = undefined;
      this.rx = Rx.Header;
      this.replyError(req, this.pendingErr, this.pendingMsg);
      return true;
    }
    if (q.length < REQUEST_HEADER_LEN || this.blocked()) return false;

    let b: Buffer;
    let p: number;
    const contiguous = q.contiguous(REQUEST_HEADER_LEN);
    if (contiguous) {
      b = q.head;
      p = q.headPos;
    } else {
      b = q.take(REQUEST_HEADER_LEN);
      p = 0;
    }
    const magic = b.readUInt32BE(p);
    if (magic !== NBD_REQUEST_MAGIC) {
      this.violation('bad request magic', { got: `0x${magic.toString(16)}` });
      return false;
    }
    const req = new Request(
      b.readUInt16BE(p + 6),
      b.readUInt16BE(p + 4),
      b.readUInt32BE(p + 8),
      b.readUInt32BE(p + 12),
      readU64(b, p + 16),
      b.readUInt32BE(p + 24),
    );
    if (contiguous) q.advance(REQUEST_HEADER_LEN);
    this.ctx.counters.requestsReceived++;
    this.stats.requests++;

    if (req.type === Cmd.DISC) {
      this.log.debug('client sent NBD_CMD_DISC');
      this.discReceived = true;
      this.maybeFinish();
      return false;
    }
    let err = 0;
    let msg = '';
    if (this.shutdown) {
      err = NbdErrno.ESHUTDOWN;
      msg = 'server is shutting down';
    } else {
      msg = this.validate(req);
      if (msg !== '') err = this.validationErrno;
    }
    if (req.type === Cmd.WRITE) {
      if (err !== 0 || req.length > this.ctx.limits.maxPayload) {
        if (req.length > this.ctx.limits.maxPayload * DISCARD_FACTOR) {
          this.violation(
            `write payload of ${req.length} bytes is absurd (maximum ${this.ctx.limits.maxPayload})`,
          );
          return false;
        }
        // The payload is on its way: read past it without keeping it, then refuse.
        if (err === 0) {
          err = NbdErrno.EINVAL;
          msg = `write of ${req.length} bytes exceeds the maximum block size ${this.ctx.limits.maxPayload}`;
        }
        this.pending = req;
        this.pendingErr = err;
        this.pendingMsg = msg;
        this.need = req.length;
        this.rx = Rx.Discard;
        return true;
      }
      this.pending = req;
      this.rx = Rx.Payload;
      return true;
    }
    if (err !== 0) this.replyError(req, err, msg);
    else this.execute(req);
    return true;
  }

  private validationErrno = 0;

  /** '' when the request may run; otherwise a message, with the errno in validationErrno. */
  private validate(r: Request): string {
    const t = r.type;
    const f = r.flags;
    let allowed = CmdFlags.FUA;
    switch (t) {
      case Cmd.READ:
        if (this.structured) allowed |= CmdFlags.DF;
        break;
      case Cmd.WRITE:
      case Cmd.FLUSH:
      case Cmd.TRIM:
      case Cmd.CACHE:
        break;
      case Cmd.WRITE_ZEROES:
        allowed |= CmdFlags.NO_HOLE | CmdFlags.FAST_ZERO;
        break;
      case Cmd.BLOCK_STATUS:
        return this.invalid(NbdErrno.EINVAL, 'NBD_CMD_BLOCK_STATUS without a negotiated metadata context');
      default:
        return this.invalid(NbdErrno.EINVAL, `unknown command ${t}`);
    }
    if ((f & ~allowed) !== 0) {
      return this.invalid(
        NbdErrno.EINVAL,
        `command flags 0x${f.toString(16)} not valid for ${CMD_NAMES[t] ?? t}`,
      );
    }
    if (this.exp!.readOnly && (t === Cmd.WRITE || t === Cmd.TRIM || t === Cmd.WRITE_ZEROES)) {
      return this.invalid(NbdErrno.EPERM, `export '${this.exp!.name}' is read-only`);
    }
    if (t === Cmd.FLUSH) {
      if (r.offset !== 0 || r.length !== 0) {
        return this.invalid(NbdErrno.EINVAL, 'flush with a nonzero offset or length');
      }
      return '';
    }
    const end = r.offset + r.length;
    if (end > this.size) {
      // The spec: ENOSPC for writes past the end, EINVAL for reads and trims.
      const errno = t === Cmd.WRITE || t === Cmd.WRITE_ZEROES ? NbdErrno.ENOSPC : NbdErrno.EINVAL;
      return this.invalid(
        errno,
        `${CMD_NAMES[t]} of ${r.length} bytes at offset ${r.offset} goes past the end of the export (${this.size} bytes)`,
      );
    }
    if (t === Cmd.TRIM || t === Cmd.CACHE) return ''; // hints: trim rounds inward, cache is a no-op
    const bs = this.blockSize;
    if (r.offset % bs !== 0 || r.length % bs !== 0) {
      if (!this.misalignWarned) {
        this.misalignWarned = true;
        this.log.warn(
          {
            op: CMD_NAMES[t],
            offset: r.offset,
            length: r.length,
            minBlockSize: bs,
            agreed: this.blockSizeAgreed,
          },
          `misaligned request refused with EINVAL (once per connection); a Linux nbd-client needs -b ${bs} for this export`,
        );
      }
      return this.invalid(
        NbdErrno.EINVAL,
        `${CMD_NAMES[t]} at offset ${r.offset} length ${r.length} is not aligned to the minimum block size ${bs}`,
      );
    }
    if ((t === Cmd.READ || t === Cmd.WRITE) && r.length > this.ctx.limits.maxPayload) {
      return this.invalid(
        NbdErrno.EINVAL,
        `${CMD_NAMES[t]} of ${r.length} bytes exceeds the maximum block size ${this.ctx.limits.maxPayload}`,
      );
    }
    if (t === Cmd.WRITE_ZEROES && (f & CmdFlags.FAST_ZERO) !== 0) {
      if ((f & CmdFlags.NO_HOLE) !== 0 || !this.exp!.fastZero) {
        // Fail fast, touching nothing: zeroing here would cost as much as writing.
        return this.invalid(NbdErrno.ENOTSUP, 'fast zeroing is not available for this request');
      }
    }
    return '';
  }

  private invalid(errno: number, msg: string): string {
    this.validationErrno = errno;
    return msg;
  }

  private execute(req: Request): void {
    const dev = this.dev!;
    const fua = (req.flags & CmdFlags.FUA) !== 0;
    let p: Promise<void>;
    switch (req.type) {
      case Cmd.READ: {
        const hdr = this.structured ? STRUCTURED_HEADER_LEN + 8 : SIMPLE_REPLY_LEN;
        const reply = this.slab.alloc(hdr + req.length);
        req.reply = reply;
        this.inflightBytes += req.length;
        p = dev.read(req.offset, reply.subarray(hdr));
        break;
      }
      case Cmd.WRITE:
        this.inflightBytes += req.length;
        p = dev.write(req.offset, req.data!, fua ? { fua: true } : undefined);
        break;
      case Cmd.FLUSH:
        p = dev.flush();
        break;
      case Cmd.TRIM: {
        // A hint: discard only the whole blocks inside the range.
        const bs = this.blockSize;
        const start = Math.ceil(req.offset / bs) * bs;
        const end = Math.floor((req.offset + req.length) / bs) * bs;
        p = end > start ? dev.unmap(start, end - start) : Promise.resolve();
        if (fua) p = p.then(() => dev.flush());
        break;
      }
      case Cmd.WRITE_ZEROES:
        // Without NO_HOLE the device may deallocate (unmap and writeZeroes both read back as
        // zeros); with NO_HOLE the range must stay provisioned, so zeros are written as data.
        p =
          (req.flags & CmdFlags.NO_HOLE) !== 0
            ? writeZeroData(dev, req.offset, req.length)
            : dev.writeZeroes(req.offset, req.length);
        if (fua) p = p.then(() => dev.flush());
        break;
      case Cmd.CACHE:
      default:
        p = Promise.resolve();
        break;
    }
    this.inflight++;
    p.then(
      () => this.complete(req, 0, ''),
      (e: unknown) => this.complete(req, errnoFor(e, req.type), describeError(e)),
    );
  }

  private complete(req: Request, err: number, msg: string): void {
    this.inflight--;
    if (req.type === Cmd.READ || req.type === Cmd.WRITE) this.inflightBytes -= req.length;
    if (this.phase !== Phase.Closed) {
      if (err !== 0) {
        if (err === NbdErrno.EIO && this.ioErrorsLogged < 10) {
          this.ioErrorsLogged++;
          this.log.warn(
            { op: CMD_NAMES[req.type], offset: req.offset, length: req.length, err: msg },
            'I/O error returned to client',
          );
        }
        this.replyError(req, err, msg);
      } else if (req.type === Cmd.READ) {
        this.stats.bytesRead += req.length;
        this.replyRead(req);
      } else {
        if (req.type === Cmd.WRITE) this.stats.bytesWritten += req.length;
        this.replySimple(req, 0);
      }
    }
    if (this.inflight === 0 && this.idleWaiters.length > 0) {
      const w = this.idleWaiters;
      this.idleWaiters = [];
      for (const r of w) r();
    }
    if (this.phase !== Phase.Closed) {
      if (this.paused || this.q.length > 0) this.process();
      else this.maybeFinish();
    }
  }

  // ---- replies -----------------------------------------------------------------------------

  private replySimple(req: Request, err: number): void {
    const b = this.slab.alloc(SIMPLE_REPLY_LEN);
    b.writeUInt32BE(NBD_SIMPLE_REPLY_MAGIC, 0);
    b.writeUInt32BE(err, 4);
    b.writeUInt32BE(req.handleHi, 8);
    b.writeUInt32BE(req.handleLo, 12);
    this.queue(b);
  }

  private replyRead(req: Request): void {
    const b = req.reply!;
    req.reply = undefined;
    if (this.structured) {
      b.writeUInt32BE(NBD_STRUCTURED_REPLY_MAGIC, 0);
      if (req.length === 0) {
        // OFFSET_DATA needs at least one byte; an empty read is answered with NONE.
        b.writeUInt16BE(ReplyFlags.DONE, 4);
        b.writeUInt16BE(ReplyType.NONE, 6);
        b.writeUInt32BE(req.handleHi, 8);
        b.writeUInt32BE(req.handleLo, 12);
        b.writeUInt32BE(0, 16);
        this.queue(b.subarray(0, STRUCTURED_HEADER_LEN));
        return;
      }
      b.writeUInt16BE(ReplyFlags.DONE, 4);
      b.writeUInt16BE(ReplyType.OFFSET_DATA, 6);
      b.writeUInt32BE(req.handleHi, 8);
      b.writeUInt32BE(req.handleLo, 12);
      b.writeUInt32BE(8 + req.length, 16);
      b.writeUInt32BE(Math.floor(req.offset / 0x100000000), 20);
      b.writeUInt32BE(req.offset >>> 0, 24);
    } else {
      b.writeUInt32BE(NBD_SIMPLE_REPLY_MAGIC, 0);
      b.writeUInt32BE(0, 4);
      b.writeUInt32BE(req.handleHi, 8);
      b.writeUInt32BE(req.handleLo, 12);
    }
    this.queue(b);
  }

  private replyError(req: Request, err: number, msg: string): void {
    this.ctx.counters.requestErrors++;
    this.stats.errors++;
    this.log.debug(
      {
        op: CMD_NAMES[req.type] ?? req.type,
        offset: req.offset,
        length: req.length,
        error: ERRNO_NAMES[err],
        msg,
      },
      'request failed',
    );
    if (!this.structured) return this.replySimple(req, err);
    // Structured: an error chunk with a human-readable message (the spec prefers these).
    let m = Buffer.from(msg, 'utf8');
    if (m.length > MAX_ERROR_MESSAGE) m = m.subarray(0, MAX_ERROR_MESSAGE);
    const b = this.slab.alloc(STRUCTURED_HEADER_LEN + 6 + m.length);
    b.writeUInt32BE(NBD_STRUCTURED_REPLY_MAGIC, 0);
    b.writeUInt16BE(ReplyFlags.DONE, 4);
    b.writeUInt16BE(ReplyType.ERROR, 6);
    b.writeUInt32BE(req.handleHi, 8);
    b.writeUInt32BE(req.handleLo, 12);
    b.writeUInt32BE(6 + m.length, 16);
    b.writeUInt32BE(err, 20);
    b.writeUInt16BE(m.length, 24);
    m.copy(b, 26);
    this.queue(b);
  }

  private queue(b: Buffer): void {
    this.out.push(b);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushCb);
    }
  }

  private readonly flushCb = (): void => this.flush();

  /** Write every queued reply: adjacent slab slices merge, the rest go out in one writev. */
  private flush(): void {
    this.flushScheduled = false;
    const bufs = this.out;
    if (bufs.length === 0) return;
    this.out = [];
    const s = this.socket;
    if (this.phase === Phase.Closed || s.destroyed || s.writableEnded) return;
    const merged = coalesce(bufs);
    if (merged.length === 1) {
      s.write(merged[0]!);
    } else {
      s.cork();
      for (const b of merged) s.write(b);
      s.uncork();
    }
    if (s.writableLength > this.ctx.limits.maxQueuedReplyBytes) this.outBlocked = true;
  }

  /** Whether the input queue still holds a complete message (or payload) to work on. */
  private moreToParse(): boolean {
    if (this.rx === Rx.Header) return this.q.length >= REQUEST_HEADER_LEN;
    if (this.rx === Rx.Payload) return this.q.length >= this.pending!.length;
    return this.q.length > 0 || this.need === 0;
  }

  /**
   * Close once there is nothing left to answer: after NBD_CMD_DISC, after a server shutdown
   * (requests not yet received are not waited for), or after the client ended its stream and
   * every complete request it sent has been answered.
   */
  private maybeFinish(): void {
    if (this.phase !== Phase.Transmission || this.inflight > 0) return;
    if (!this.discReceived && !this.shutdown) {
      if (!this.inputEnded || this.moreToParse()) return;
    }
    this.flush();
    this.phase = Phase.Closed;
    const s = this.socket;
    s.end();
    // Keep reading (and dropping) whatever the client still sends, so that it is not stuck
    // writing to us and sees our end of stream; do not wait forever for it to close its side.
    if (this.paused) s.resume();
    setTimeout(() => s.destroy(), 2000).unref();
  }
}

/** NBD error for a failed device operation. */
function errnoFor(e: unknown, type: number): number {
  const code = e instanceof MayastorError ? e.code : undefined;
  switch (code) {
    case BdevErrors.OUT_OF_RANGE:
      return type === Cmd.WRITE || type === Cmd.WRITE_ZEROES ? NbdErrno.ENOSPC : NbdErrno.EINVAL;
    case BdevErrors.MISALIGNED:
      return NbdErrno.EINVAL;
    case BdevErrors.NO_SPACE:
      return NbdErrno.ENOSPC;
    case BdevErrors.READ_ONLY:
    case BdevErrors.PERMISSION_DENIED:
      return NbdErrno.EPERM;
    case BdevErrors.CLOSED:
      return NbdErrno.ESHUTDOWN;
    default:
      return NbdErrno.EIO;
  }
}

/** Zero a range by writing zeros as data, so that it ends up provisioned (NBD_CMD_FLAG_NO_HOLE). */
async function writeZeroData(dev: BlockDevice, offset: number, length: number): Promise<void> {
  const end = offset + length;
  let next = offset;
  const worker = async (): Promise<void> => {
    while (next < end) {
      const at = next;
      const n = Math.min(ZERO_BUF.length, end - at);
      next += n;
      await dev.write(at, n === ZERO_BUF.length ? ZERO_BUF : ZERO_BUF.subarray(0, n));
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
}
