/**
 * A deliberately low-level NBD client for protocol tests: it sends exactly the bytes a test asks
 * for (valid or not) and decodes what comes back, so tests can check every field. The
 * real-client tests use nbdinfo, nbdcopy, qemu-img, fio and the kernel instead.
 */
import net from 'node:net';
import tls from 'node:tls';
import {
  Cmd,
  ClientFlags,
  Info,
  NBD_REP_MAGIC,
  NBD_SIMPLE_REPLY_MAGIC,
  NBD_STRUCTURED_REPLY_MAGIC,
  Opt,
  Rep,
  ReplyType,
  encodeInfoRequest,
  encodeOption,
  encodeRequest,
  isRepError,
} from '../../src/nbd/protocol.js';

export interface OptionReply {
  option: number;
  type: number;
  data: Buffer;
}

export interface Reply {
  handle: bigint;
  /** 0 on success. */
  error: number;
  /** Read data (simple replies: the bytes requested; structured: the OFFSET_DATA payload). */
  data?: Buffer;
  /** Structured replies: offset of the data chunk, the error message, the chunk types seen. */
  offset?: number;
  message?: string;
  chunkTypes?: number[];
}

export interface Negotiated {
  size: number;
  flags: number;
  blockSizes?: { min: number; preferred: number; max: number };
  name?: string;
  description?: string;
}

export class RawClient {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private waiter: (() => void) | undefined;
  private ended = false;
  readonly closed: Promise<void>;
  structured = false;
  private nextHandle = 1n;

  private readonly onData = (d: Buffer): void => {
    this.chunks.push(d);
    this.buffered += d.length;
    this.waiter?.();
  };

  private constructor(public socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', this.onData);
    this.closed = new Promise((resolve) => {
      socket.on('close', () => {
        this.ended = true;
        this.waiter?.();
        resolve();
      });
    });
    socket.on('error', () => {});
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host });
      s.once('connect', () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  /** Connect, read the greeting, send client flags. */
  static async handshake(
    port: number,
    clientFlags = ClientFlags.C_FIXED_NEWSTYLE | ClientFlags.C_NO_ZEROES,
  ): Promise<RawClient> {
    const c = await RawClient.connect(port);
    await c.readGreeting();
    c.send(u32(clientFlags));
    return c;
  }

  /** Handshake, optional structured replies, NBD_OPT_GO on `name`. */
  static async open(
    port: number,
    name: string,
    opts: { structured?: boolean } = {},
  ): Promise<{ client: RawClient; info: Negotiated }> {
    const c = await RawClient.handshake(port);
    if (opts.structured) {
      const r = await c.option(Opt.STRUCTURED_REPLY);
      if (r[0]!.type !== Rep.ACK) throw new Error('structured replies refused');
      c.structured = true;
    }
    const info = await c.go(name);
    return { client: c, info };
  }

  /** After the server acknowledged NBD_OPT_STARTTLS: run the TLS handshake on this connection. */
  async startTls(options: tls.ConnectionOptions): Promise<tls.TLSSocket> {
    const raw = this.socket;
    raw.off('data', this.onData);
    const ts = tls.connect({ ...options, socket: raw });
    ts.on('error', () => {});
    await new Promise<void>((resolve, reject) => {
      ts.once('secureConnect', () => resolve());
      ts.once('error', reject);
      ts.once('close', () => reject(new Error('closed during the TLS handshake')));
    });
    ts.on('data', this.onData);
    this.socket = ts;
    return ts;
  }

  get isClosed(): boolean {
    return this.ended;
  }

  send(b: Buffer): void {
    this.socket.write(b);
  }

  /** Resolves with exactly `n` bytes; rejects if the server closes first. */
  async read(n: number, timeoutMs = 10_000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    while (this.buffered < n) {
      if (this.ended)
        throw new Error(`connection closed while waiting for ${n} bytes (have ${this.buffered})`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${n} bytes (have ${this.buffered})`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.waiter = undefined;
    }
    const all = Buffer.concat(this.chunks);
    this.chunks = all.length > n ? [all.subarray(n)] : [];
    this.buffered -= n;
    return all.subarray(0, n);
  }

  /** Bytes received and not consumed. */
  get pending(): number {
    return this.buffered;
  }

  async readGreeting(): Promise<number> {
    const g = await this.read(18);
    if (g.toString('latin1', 0, 8) !== 'NBDMAGIC' || g.toString('latin1', 8, 16) !== 'IHAVEOPT') {
      throw new Error(`bad greeting ${g.toString('hex')}`);
    }
    return g.readUInt16BE(16);
  }

  async readOptionReply(): Promise<OptionReply> {
    const h = await this.read(20);
    if (h.readBigUInt64BE(0) !== NBD_REP_MAGIC)
      throw new Error(`bad option reply magic ${h.toString('hex')}`);
    const len = h.readUInt32BE(16);
    return { option: h.readUInt32BE(8), type: h.readUInt32BE(12), data: await this.read(len) };
  }

  /** Send an option and collect replies up to the final one (ACK or an error). */
  async option(opt: number, data?: Buffer): Promise<OptionReply[]> {
    this.send(encodeOption(opt, data));
    const out: OptionReply[] = [];
    for (let i = 0; i < 10_000; i++) {
      const r = await this.readOptionReply();
      out.push(r);
      if (r.type === Rep.ACK || isRepError(r.type)) return out;
    }
    throw new Error('too many option replies');
  }

  /** NBD_OPT_INFO or NBD_OPT_GO; throws on an error reply (with its type in the message). */
  async info(
    name: string,
    opt: number = Opt.INFO,
    infos: number[] = [Info.NAME, Info.DESCRIPTION, Info.BLOCK_SIZE],
  ): Promise<Negotiated> {
    const replies = await this.option(opt, encodeInfoRequest(name, infos));
    const last = replies[replies.length - 1]!;
    if (last.type !== Rep.ACK) {
      throw Object.assign(new Error(`option refused: 0x${last.type.toString(16)} ${last.data.toString()}`), {
        reply: last.type,
      });
    }
    const n: Negotiated = { size: -1, flags: -1 };
    for (const r of replies.slice(0, -1)) {
      if (r.type !== Rep.INFO) throw new Error(`unexpected reply type ${r.type}`);
      const t = r.data.readUInt16BE(0);
      if (t === Info.EXPORT) {
        n.size = Number(r.data.readBigUInt64BE(2));
        n.flags = r.data.readUInt16BE(10);
      } else if (t === Info.NAME) n.name = r.data.toString('utf8', 2);
      else if (t === Info.DESCRIPTION) n.description = r.data.toString('utf8', 2);
      else if (t === Info.BLOCK_SIZE) {
        n.blockSizes = {
          min: r.data.readUInt32BE(2),
          preferred: r.data.readUInt32BE(6),
          max: r.data.readUInt32BE(10),
        };
      }
    }
    return n;
  }

  go(name: string): Promise<Negotiated> {
    return this.info(name, Opt.GO);
  }

  /** Send a request; returns its handle. */
  request(
    type: number,
    offset: number,
    length: number,
    opts: { flags?: number; payload?: Buffer; handle?: bigint } = {},
  ): bigint {
    const handle = opts.handle ?? this.nextHandle++;
    this.send(encodeRequest({ type, flags: opts.flags, handle, offset, length }, opts.payload));
    return handle;
  }

  /**
   * Read one complete reply. `readLengths` maps handles of outstanding reads to their length
   * (simple replies carry no length, so the client must know).
   */
  async readReply(readLengths: Map<bigint, number> = new Map()): Promise<Reply> {
    const magic = (await this.read(4)).readUInt32BE(0);
    if (magic === NBD_SIMPLE_REPLY_MAGIC) {
      const h = await this.read(12);
      const error = h.readUInt32BE(0);
      const handle = h.readBigUInt64BE(4);
      const len = readLengths.get(handle);
      const r: Reply = { handle, error };
      if (len !== undefined && error === 0) r.data = await this.read(len);
      readLengths.delete(handle);
      return r;
    }
    if (magic !== NBD_STRUCTURED_REPLY_MAGIC) throw new Error(`bad reply magic 0x${magic.toString(16)}`);
    const r: Reply = { handle: 0n, error: 0, chunkTypes: [] };
    for (let i = 0; i < 1000; i++) {
      const h = i === 0 ? await this.read(16) : (await this.read(20)).subarray(4);
      const flags = h.readUInt16BE(0);
      const type = h.readUInt16BE(2);
      r.handle = h.readBigUInt64BE(4);
      const payload = await this.read(h.readUInt32BE(12));
      r.chunkTypes!.push(type);
      if (type === ReplyType.OFFSET_DATA) {
        r.offset = Number(payload.readBigUInt64BE(0));
        r.data = payload.subarray(8);
      } else if (type === ReplyType.ERROR || type === ReplyType.ERROR_OFFSET) {
        r.error = payload.readUInt32BE(0);
        r.message = payload.toString('utf8', 6, 6 + payload.readUInt16BE(4));
      }
      if (flags & 1) {
        readLengths.delete(r.handle);
        return r;
      }
    }
    throw new Error('too many chunks');
  }

  /** Send one request and wait for its reply (nothing else may be outstanding). */
  async call(
    type: number,
    offset: number,
    length: number,
    opts: { flags?: number; payload?: Buffer } = {},
  ): Promise<Reply> {
    const h = this.request(type, offset, length, opts);
    const r = await this.readReply(new Map(type === Cmd.READ ? [[h, length]] : []));
    if (r.handle !== h) throw new Error(`reply for handle ${r.handle}, expected ${h}`);
    return r;
  }

  async write(offset: number, data: Buffer, flags = 0): Promise<void> {
    const r = await this.call(Cmd.WRITE, offset, data.length, { payload: data, flags });
    if (r.error !== 0) throw new Error(`write failed: ${r.error} ${r.message ?? ''}`);
  }

  async readData(offset: number, length: number): Promise<Buffer> {
    const r = await this.call(Cmd.READ, offset, length);
    if (r.error !== 0) throw new Error(`read failed: ${r.error} ${r.message ?? ''}`);
    return r.data ?? Buffer.alloc(0);
  }

  disconnect(): void {
    this.send(encodeRequest({ type: Cmd.DISC, handle: 0n, offset: 0, length: 0 }));
  }

  destroy(): void {
    this.socket.destroy();
  }
}

export function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0, 0);
  return b;
}
