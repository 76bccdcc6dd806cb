/**
 * NBD wire format: the constants of the NetworkBlockDevice protocol (doc/proto.md of the
 * NetworkBlockDevice project) and the small encoders/decoders both the server and the tests use.
 *
 * Everything on the wire is big-endian. Only the fixed newstyle handshake is spoken (oldstyle is
 * obsolete and cannot carry export names). See docs/nbd.md for what is supported.
 */

/** 'NBDMAGIC', the first 8 bytes the server sends. */
export const NBD_MAGIC = 0x4e42444d41474943n;
/** 'IHAVEOPT': second server magic, and the magic that starts every client option. */
export const NBD_OPTS_MAGIC = 0x49484156454f5054n;
/** Magic of every fixed-newstyle option reply. */
export const NBD_REP_MAGIC = 0x0003e889045565a9n;
export const NBD_REQUEST_MAGIC = 0x25609513;
export const NBD_SIMPLE_REPLY_MAGIC = 0x67446698;
export const NBD_STRUCTURED_REPLY_MAGIC = 0x668e33ef;

/** Handshake flags (server, 16 bits). */
export const HandshakeFlags = {
  FIXED_NEWSTYLE: 1 << 0,
  NO_ZEROES: 1 << 1,
} as const;

/** Client flags (32 bits). Any other bit set makes the server drop the connection. */
export const ClientFlags = {
  C_FIXED_NEWSTYLE: 1 << 0,
  C_NO_ZEROES: 1 << 1,
} as const;

/** Transmission flags (16 bits), sent with the export size. */
export const TransmissionFlags = {
  HAS_FLAGS: 1 << 0,
  READ_ONLY: 1 << 1,
  SEND_FLUSH: 1 << 2,
  SEND_FUA: 1 << 3,
  ROTATIONAL: 1 << 4,
  SEND_TRIM: 1 << 5,
  SEND_WRITE_ZEROES: 1 << 6,
  SEND_DF: 1 << 7,
  CAN_MULTI_CONN: 1 << 8,
  SEND_RESIZE: 1 << 9,
  SEND_CACHE: 1 << 10,
  SEND_FAST_ZERO: 1 << 11,
} as const;

export const Opt = {
  EXPORT_NAME: 1,
  ABORT: 2,
  LIST: 3,
  PEEK_EXPORT: 4,
  STARTTLS: 5,
  INFO: 6,
  GO: 7,
  STRUCTURED_REPLY: 8,
  LIST_META_CONTEXT: 9,
  SET_META_CONTEXT: 10,
  EXTENDED_HEADERS: 11,
} as const;

const REP_ERR = 0x80000000;
export const Rep = {
  ACK: 1,
  SERVER: 2,
  INFO: 3,
  META_CONTEXT: 4,
  ERR_UNSUP: REP_ERR + 1,
  ERR_POLICY: REP_ERR + 2,
  ERR_INVALID: REP_ERR + 3,
  ERR_PLATFORM: REP_ERR + 4,
  ERR_TLS_REQD: REP_ERR + 5,
  ERR_UNKNOWN: REP_ERR + 6,
  ERR_SHUTDOWN: REP_ERR + 7,
  ERR_BLOCK_SIZE_REQD: REP_ERR + 8,
  ERR_TOO_BIG: REP_ERR + 9,
} as const;

export function isRepError(type: number): boolean {
  return type >= REP_ERR;
}

/** Information types of NBD_REP_INFO (replies to NBD_OPT_INFO / NBD_OPT_GO). */
export const Info = {
  EXPORT: 0,
  NAME: 1,
  DESCRIPTION: 2,
  BLOCK_SIZE: 3,
} as const;

export const Cmd = {
  READ: 0,
  WRITE: 1,
  DISC: 2,
  FLUSH: 3,
  TRIM: 4,
  CACHE: 5,
  WRITE_ZEROES: 6,
  BLOCK_STATUS: 7,
  RESIZE: 8,
} as const;

export const CMD_NAMES: Record<number, string> = {
  0: 'read',
  1: 'write',
  2: 'disc',
  3: 'flush',
  4: 'trim',
  5: 'cache',
  6: 'write-zeroes',
  7: 'block-status',
  8: 'resize',
};

export const OPT_NAMES: Record<number, string> = {
  1: 'EXPORT_NAME',
  2: 'ABORT',
  3: 'LIST',
  4: 'PEEK_EXPORT',
  5: 'STARTTLS',
  6: 'INFO',
  7: 'GO',
  8: 'STRUCTURED_REPLY',
  9: 'LIST_META_CONTEXT',
  10: 'SET_META_CONTEXT',
  11: 'EXTENDED_HEADERS',
};

/** Command flags (16 bits in every request). */
export const CmdFlags = {
  FUA: 1 << 0,
  NO_HOLE: 1 << 1,
  DF: 1 << 2,
  REQ_ONE: 1 << 3,
  FAST_ZERO: 1 << 4,
} as const;

export const ReplyFlags = {
  DONE: 1 << 0,
} as const;

export const ReplyType = {
  NONE: 0,
  OFFSET_DATA: 1,
  OFFSET_HOLE: 2,
  BLOCK_STATUS: 5,
  ERROR: (1 << 15) + 1,
  ERROR_OFFSET: (1 << 15) + 2,
} as const;

/** The error values the protocol allows in replies (not the host's errno numbering). */
export const NbdErrno = {
  EPERM: 1,
  EIO: 5,
  ENOMEM: 12,
  EINVAL: 22,
  ENOSPC: 28,
  EOVERFLOW: 75,
  ENOTSUP: 95,
  ESHUTDOWN: 108,
} as const;

export const ERRNO_NAMES: Record<number, string> = {
  1: 'EPERM',
  5: 'EIO',
  12: 'ENOMEM',
  22: 'EINVAL',
  28: 'ENOSPC',
  75: 'EOVERFLOW',
  95: 'ENOTSUP',
  108: 'ESHUTDOWN',
};

/** Request header: magic, flags, type, handle, offset, length. */
export const REQUEST_HEADER_LEN = 28;
export const SIMPLE_REPLY_LEN = 16;
/** Structured reply chunk header: magic, flags, type, handle, length. */
export const STRUCTURED_HEADER_LEN = 20;
/** Option header sent by the client: magic, option, length. */
export const OPTION_HEADER_LEN = 16;
/** Option reply header: magic, option, type, length. */
export const OPTION_REPLY_HEADER_LEN = 20;
/** Strings (export names, descriptions, messages) MUST be no longer than this. */
export const MAX_STRING_LEN = 4096;
/** Reads and writes of up to this size must be accepted by any server (the spec's 2^25). */
export const DEFAULT_MAX_PAYLOAD = 32 * 1024 * 1024;

/** A decoded transmission-phase request header. */
export interface RequestHeader {
  flags: number;
  type: number;
  /** The opaque 64-bit handle as two 32-bit halves, echoed unchanged in the reply. */
  handleHi: number;
  handleLo: number;
  /** Byte offset; `Infinity` when the 64-bit value does not fit a safe integer. */
  offset: number;
  length: number;
}

/** 64-bit unsigned big-endian at `pos`, as a number (Infinity above 2^53 - 1). */
export function readU64(buf: Buffer, pos: number): number {
  const hi = buf.readUInt32BE(pos);
  const lo = buf.readUInt32BE(pos + 4);
  // 2^53 = 2^21 * 2^32: any hi at or above 2^21 is out of the safe-integer range.
  return hi >= 0x200000 ? Infinity : hi * 0x100000000 + lo;
}

export function writeU64(buf: Buffer, value: number, pos: number): void {
  buf.writeUInt32BE(Math.floor(value / 0x100000000), pos);
  buf.writeUInt32BE(value >>> 0, pos + 4);
}

/** Encode the 16 bytes the server sends on connect. */
export function encodeServerGreeting(handshakeFlags: number): Buffer {
  const b = Buffer.alloc(18);
  b.writeBigUInt64BE(NBD_MAGIC, 0);
  b.writeBigUInt64BE(NBD_OPTS_MAGIC, 8);
  b.writeUInt16BE(handshakeFlags, 16);
  return b;
}

/** Encode an option reply (fixed newstyle). */
export function encodeOptionReply(option: number, type: number, data?: Buffer): Buffer {
  const len = data?.length ?? 0;
  const b = Buffer.allocUnsafe(OPTION_REPLY_HEADER_LEN + len);
  b.writeBigUInt64BE(NBD_REP_MAGIC, 0);
  b.writeUInt32BE(option >>> 0, 8);
  b.writeUInt32BE(type >>> 0, 12);
  b.writeUInt32BE(len, 16);
  if (data) data.copy(b, OPTION_REPLY_HEADER_LEN);
  return b;
}

/** Encode a client option (used by tests and the fuzzer). */
export function encodeOption(option: number, data: Buffer = Buffer.alloc(0)): Buffer {
  const b = Buffer.allocUnsafe(OPTION_HEADER_LEN + data.length);
  b.writeBigUInt64BE(NBD_OPTS_MAGIC, 0);
  b.writeUInt32BE(option >>> 0, 8);
  b.writeUInt32BE(data.length, 12);
  data.copy(b, OPTION_HEADER_LEN);
  return b;
}

/** Data of NBD_OPT_INFO / NBD_OPT_GO: name and the information types requested. */
export function encodeInfoRequest(name: string, infos: readonly number[]): Buffer {
  const n = Buffer.from(name, 'utf8');
  const b = Buffer.allocUnsafe(4 + n.length + 2 + 2 * infos.length);
  b.writeUInt32BE(n.length, 0);
  n.copy(b, 4);
  b.writeUInt16BE(infos.length, 4 + n.length);
  infos.forEach((t, i) => b.writeUInt16BE(t, 6 + n.length + 2 * i));
  return b;
}

/** Encode a transmission request (used by tests and the fuzzer). */
export function encodeRequest(
  r: { flags?: number; type: number; handle: bigint; offset: number; length: number },
  payload?: Buffer,
): Buffer {
  const b = Buffer.allocUnsafe(REQUEST_HEADER_LEN + (payload?.length ?? 0));
  b.writeUInt32BE(NBD_REQUEST_MAGIC, 0);
  b.writeUInt16BE(r.flags ?? 0, 4);
  b.writeUInt16BE(r.type, 6);
  b.writeBigUInt64BE(r.handle, 8);
  writeU64(b, r.offset, 16);
  b.writeUInt32BE(r.length >>> 0, 24);
  if (payload) payload.copy(b, REQUEST_HEADER_LEN);
  return b;
}
