/**
 * NVMe/TCP PDU framing, shared by the target and the initiator.
 *
 * Every PDU is: common header (8 bytes: type, flags, HLEN, PDO, PLEN) + the type-specific rest
 * of the header (HLEN in all), an optional header digest, padding up to PDO, data, an optional
 * data digest. `PduReader` turns a TCP byte stream into whole PDUs and checks the framing
 * (lengths, offsets, digests); `framePdu` does the reverse. What a PDU *means* is for the target
 * and initiator to decide.
 */
import { crc32c } from '../core/crc32c.js';
import {
  COMMON_HEADER_LEN,
  DIGEST_LEN,
  Fes,
  PduFlags,
  PduHlen,
  PduType,
  SQE_SIZE,
  CQE_SIZE,
} from './spec.js';

/** A protocol violation that ends the connection (sent as a TermReq with FES/FEI). */
export class PduError extends Error {
  constructor(
    readonly fes: number,
    /** Fatal error information: for header-field errors, the byte offset of the field. */
    readonly fei: number,
    message: string,
    /** The offending PDU header, echoed in the TermReq. */
    readonly header?: Buffer,
  ) {
    super(message);
    this.name = 'PduError';
  }
}

export interface Pdu {
  type: number;
  flags: number;
  hlen: number;
  pdo: number;
  plen: number;
  /** The HLEN header bytes, common header included. */
  header: Buffer;
  /** Data section without padding and digest, or undefined when the PDU has none. */
  data: Buffer | undefined;
  /** False when a data digest was present and did not match (the header was fine). */
  dataDigestOk: boolean;
}

export interface Digests {
  header: boolean;
  data: boolean;
}

const HLEN_BY_TYPE = new Map<number, number>([
  [PduType.ICReq, PduHlen.ICReq],
  [PduType.ICResp, PduHlen.ICResp],
  [PduType.H2CTermReq, PduHlen.TermReq],
  [PduType.C2HTermReq, PduHlen.TermReq],
  [PduType.CapsuleCmd, PduHlen.CapsuleCmd],
  [PduType.CapsuleResp, PduHlen.CapsuleResp],
  [PduType.H2CData, PduHlen.Data],
  [PduType.C2HData, PduHlen.Data],
  [PduType.R2T, PduHlen.R2T],
]);

/** Which PDU types may carry a data section behind PDO. */
const CARRIES_DATA = new Set<number>([PduType.CapsuleCmd, PduType.H2CData, PduType.C2HData]);
/** Types that never carry digests (connection setup and teardown). */
const NO_DIGEST = new Set<number>([PduType.ICReq, PduType.ICResp, PduType.H2CTermReq, PduType.C2HTermReq]);

export interface PduReaderOptions {
  /** PDU types this side may receive; anything else is a fatal InvalidPduHeaderField. */
  accept: readonly number[];
  /** Largest PLEN accepted (the in-capsule data limit or MAXH2CDATA, plus headers). */
  maxPlen: number;
}

/**
 * Incremental PDU parser. Feed it socket chunks with `push`; it calls `onPdu` for each complete
 * PDU in order and throws PduError on a framing violation (the caller then terminates the
 * connection). Data sections are views into the received chunks whenever a PDU lies within one
 * chunk, so large transfers are not copied.
 */
export class PduReader {
  digests: Digests = { header: false, data: false };
  maxPlen: number;
  private readonly accept: Set<number>;
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(
    private readonly onPdu: (pdu: Pdu) => void,
    options: PduReaderOptions,
  ) {
    this.accept = new Set(options.accept);
    this.maxPlen = options.maxPlen;
  }

  get bufferedBytes(): number {
    return this.buffered;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    while (this.buffered >= COMMON_HEADER_LEN) {
      const plen = this.peekPlen();
      const first = this.chunks[0]!;
      const hdr = first.length >= COMMON_HEADER_LEN ? first : this.contiguous(COMMON_HEADER_LEN);
      this.checkCommonHeader(hdr, plen);
      if (this.buffered < plen) return;
      const bytes = this.take(plen);
      this.onPdu(this.parse(bytes));
    }
  }

  private peekPlen(): number {
    const first = this.chunks[0]!;
    if (first.length >= COMMON_HEADER_LEN) return first.readUInt32LE(4);
    return this.contiguous(COMMON_HEADER_LEN).readUInt32LE(4);
  }

  /** Make the first `n` buffered bytes one chunk and return it (n <= buffered). */
  private contiguous(n: number): Buffer {
    const first = this.chunks[0]!;
    if (first.length >= n) return first;
    const all = Buffer.concat(this.chunks, this.buffered);
    this.chunks = [all];
    return all;
  }

  /** Remove and return the next `n` bytes, as a view when they lie in one chunk. */
  private take(n: number): Buffer {
    const first = this.chunks[0]!;
    let out: Buffer;
    if (first.length === n) {
      this.chunks.shift();
      out = first;
    } else if (first.length > n) {
      out = first.subarray(0, n);
      this.chunks[0] = first.subarray(n);
    } else {
      out = Buffer.allocUnsafe(n);
      let off = 0;
      while (off < n) {
        const c = this.chunks[0]!;
        const k = Math.min(c.length, n - off);
        c.copy(out, off, 0, k);
        off += k;
        if (k === c.length) this.chunks.shift();
        else this.chunks[0] = c.subarray(k);
      }
    }
    this.buffered -= n;
    return out;
  }

  private checkCommonHeader(h: Buffer, plen: number): void {
    const type = h[0]!;
    const hlen = HLEN_BY_TYPE.get(type);
    if (hlen === undefined || !this.accept.has(type)) {
      throw new PduError(
        Fes.InvalidPduHeaderField,
        0,
        `unexpected PDU type 0x${type.toString(16)}`,
        h.subarray(0, 8),
      );
    }
    if (h[2] !== hlen) {
      throw new PduError(
        Fes.InvalidPduHeaderField,
        2,
        `PDU type 0x${type.toString(16)} with HLEN ${h[2]} (expected ${hlen})`,
        h.subarray(0, 8),
      );
    }
    const flags = h[1]!;
    if (NO_DIGEST.has(type) && (flags & (PduFlags.HDGSTF | PduFlags.DDGSTF)) !== 0) {
      throw new PduError(
        Fes.InvalidPduHeaderField,
        1,
        `digest flags set on PDU type 0x${type.toString(16)}`,
        h.subarray(0, 8),
      );
    }
    const hd = flags & PduFlags.HDGSTF ? DIGEST_LEN : 0;
    if (plen < hlen + hd || plen > this.maxPlen) {
      throw new PduError(
        Fes.InvalidPduHeaderField,
        4,
        `PDU length ${plen} outside [${hlen + hd}, ${this.maxPlen}]`,
        h.subarray(0, 8),
      );
    }
  }

  private parse(b: Buffer): Pdu {
    const type = b[0]!;
    const flags = b[1]!;
    const hlen = b[2]!;
    const pdo = b[3]!;
    const plen = b.length;
    const header = b.subarray(0, hlen);
    const noDigest = NO_DIGEST.has(type);
    const hasHd = (flags & PduFlags.HDGSTF) !== 0;
    const hasDd = (flags & PduFlags.DDGSTF) !== 0;
    if (noDigest ? hasHd || hasDd : hasHd !== this.digests.header) {
      throw new PduError(
        Fes.InvalidPduHeaderField,
        1,
        `HDGSTF flag does not match the negotiated header digest`,
        header,
      );
    }
    if (!noDigest && hasDd && !this.digests.data) {
      throw new PduError(
        Fes.InvalidPduHeaderField,
        1,
        `DDGSTF set but data digest was not negotiated`,
        header,
      );
    }
    if (hasHd && crc32c(b, 0, hlen) !== b.readUInt32LE(hlen)) {
      throw new PduError(Fes.HeaderDigestError, 0, 'header digest mismatch', header);
    }
    const hEnd = hlen + (hasHd ? DIGEST_LEN : 0);
    let data: Buffer | undefined;
    let dataDigestOk = true;
    if (type === PduType.H2CTermReq || type === PduType.C2HTermReq) {
      if (pdo !== 0) throw new PduError(Fes.InvalidPduHeaderField, 3, 'TermReq with non-zero PDO', header);
      data = plen > hlen ? b.subarray(hlen) : undefined;
    } else if (plen > hEnd) {
      if (!CARRIES_DATA.has(type)) {
        throw new PduError(
          Fes.InvalidPduHeaderField,
          4,
          `PDU type 0x${type.toString(16)} cannot carry data`,
          header,
        );
      }
      const dd = hasDd ? DIGEST_LEN : 0;
      if (pdo < hEnd || pdo + dd > plen) {
        throw new PduError(
          Fes.InvalidPduHeaderField,
          3,
          `PDO ${pdo} outside [${hEnd}, ${plen - dd}]`,
          header,
        );
      }
      const dEnd = plen - dd;
      if (dEnd === pdo) throw new PduError(Fes.InvalidPduHeaderField, 4, 'empty data section', header);
      data = b.subarray(pdo, dEnd);
      if (hasDd) dataDigestOk = crc32c(b, pdo, dEnd) === b.readUInt32LE(dEnd);
    } else if (pdo !== 0 && pdo !== hEnd && CARRIES_DATA.has(type)) {
      throw new PduError(Fes.InvalidPduHeaderField, 3, `PDO ${pdo} on a PDU without data`, header);
    }
    return { type, flags, hlen, pdo, plen, header, data, dataDigestOk };
  }
}

/**
 * Frame a PDU for sending. `header` holds HLEN bytes with the type-specific fields filled in;
 * this fills the common header (type, flags incl. digest flags, HLEN, PDO, PLEN), appends the
 * digests and pads the data to `dataAlign` bytes (the peer's PDA, (PDA+1)*4 when non-zero).
 * Returns the buffers to write, in order (write them corked so they leave as one segment).
 */
export function framePdu(
  type: number,
  header: Buffer,
  data: Buffer | undefined,
  digests: Digests,
  extraFlags = 0,
  dataAlign = 0,
): Buffer[] {
  const hlen = header.length;
  const noDigest = NO_DIGEST.has(type);
  const hd = !noDigest && digests.header;
  const dd = !noDigest && digests.data && data !== undefined && data.length > 0;
  let pdo = 0;
  let plen = hlen + (hd ? DIGEST_LEN : 0);
  let pad = 0;
  if (data && data.length > 0) {
    pdo = plen;
    if (dataAlign > 0 && pdo % dataAlign !== 0) {
      pad = dataAlign - (pdo % dataAlign);
      pdo += pad;
    }
    plen = pdo + data.length + (dd ? DIGEST_LEN : 0);
  }
  header[0] = type;
  header[1] = extraFlags | (hd ? PduFlags.HDGSTF : 0) | (dd ? PduFlags.DDGSTF : 0);
  header[2] = hlen;
  header[3] = pdo;
  header.writeUInt32LE(plen, 4);
  const out: Buffer[] = [];
  if (hd || pad) {
    const h = Buffer.allocUnsafe(hlen + (hd ? DIGEST_LEN : 0) + pad);
    header.copy(h, 0);
    if (hd) h.writeUInt32LE(crc32c(header), hlen);
    if (pad) h.fill(0, h.length - pad);
    out.push(h);
  } else {
    out.push(header);
  }
  if (data && data.length > 0) {
    out.push(data);
    if (dd) {
      const d = Buffer.allocUnsafe(DIGEST_LEN);
      d.writeUInt32LE(crc32c(data), 0);
      out.push(d);
    }
  }
  return out;
}

// ---- Type-specific headers ----

export interface ICReq {
  pfv: number;
  /** Host PDU data alignment (0-31): C2H data starts at a multiple of (hpda+1)*4. */
  hpda: number;
  hdgst: boolean;
  ddgst: boolean;
  /** Maximum outstanding R2Ts per command, 0-based. */
  maxr2t: number;
}

export function encodeICReq(r: ICReq): Buffer {
  const h = Buffer.alloc(PduHlen.ICReq);
  h.writeUInt16LE(r.pfv, 8);
  h[10] = r.hpda;
  h[11] = (r.hdgst ? 1 : 0) | (r.ddgst ? 2 : 0);
  h.writeUInt32LE(r.maxr2t, 12);
  return framePdu(PduType.ICReq, h, undefined, { header: false, data: false })[0]!;
}

export function decodeICReq(h: Buffer): ICReq {
  return {
    pfv: h.readUInt16LE(8),
    hpda: h[10]!,
    hdgst: (h[11]! & 1) !== 0,
    ddgst: (h[11]! & 2) !== 0,
    maxr2t: h.readUInt32LE(12),
  };
}

export interface ICResp {
  pfv: number;
  /** Controller PDU data alignment (0-31) for H2C PDUs that carry data. */
  cpda: number;
  hdgst: boolean;
  ddgst: boolean;
  /** Largest data section the host may put in one H2CData PDU. */
  maxh2cdata: number;
}

export function encodeICResp(r: ICResp): Buffer {
  const h = Buffer.alloc(PduHlen.ICResp);
  h.writeUInt16LE(r.pfv, 8);
  h[10] = r.cpda;
  h[11] = (r.hdgst ? 1 : 0) | (r.ddgst ? 2 : 0);
  h.writeUInt32LE(r.maxh2cdata, 12);
  return framePdu(PduType.ICResp, h, undefined, { header: false, data: false })[0]!;
}

export function decodeICResp(h: Buffer): ICResp {
  return {
    pfv: h.readUInt16LE(8),
    cpda: h[10]!,
    hdgst: (h[11]! & 1) !== 0,
    ddgst: (h[11]! & 2) !== 0,
    maxh2cdata: h.readUInt32LE(12),
  };
}

/** H2CTermReq / C2HTermReq: FES, FEI, and up to 128 bytes of the offending header. */
export function encodeTermReq(type: number, fes: number, fei: number, offending?: Buffer): Buffer {
  const h = Buffer.alloc(PduHlen.TermReq);
  h.writeUInt16LE(fes, 8);
  h.writeUInt32LE(fei >>> 0, 10);
  const data = offending ? offending.subarray(0, 128) : undefined;
  const pdu = Buffer.concat(framePdu(type, h, data, { header: false, data: false }));
  pdu[3] = 0; // PDO is reserved in TermReq PDUs: the error data follows the header directly
  return pdu;
}

export function decodeTermReq(h: Buffer): { fes: number; fei: number } {
  return { fes: h.readUInt16LE(8), fei: h.readUInt32LE(10) };
}

/** CapsuleCmd header: the 64-byte SQE sits at bytes 8..72. */
export function capsuleCmdHeader(sqe: Buffer): Buffer {
  const h = Buffer.allocUnsafe(PduHlen.CapsuleCmd);
  h.fill(0, 0, 8);
  sqe.copy(h, 8, 0, SQE_SIZE);
  return h;
}

/** The SQE inside a received CapsuleCmd header (a view, not a copy). */
export function sqeOf(header: Buffer): Buffer {
  return header.subarray(8, 8 + SQE_SIZE);
}

/** The CQE inside a received CapsuleResp header (a view). */
export function cqeOf(header: Buffer): Buffer {
  return header.subarray(8, 8 + CQE_SIZE);
}

/** H2CData and C2HData share one header layout (TTAG is reserved in C2HData). */
export interface DataHeader {
  cccid: number;
  ttag: number;
  datao: number;
  datal: number;
}

export function dataHeader(d: DataHeader): Buffer {
  const h = Buffer.allocUnsafe(PduHlen.Data);
  h.fill(0, 0, 8);
  h.writeUInt16LE(d.cccid, 8);
  h.writeUInt16LE(d.ttag, 10);
  h.writeUInt32LE(d.datao, 12);
  h.writeUInt32LE(d.datal, 16);
  h.writeUInt32LE(0, 20);
  return h;
}

export function decodeDataHeader(h: Buffer): DataHeader {
  return {
    cccid: h.readUInt16LE(8),
    ttag: h.readUInt16LE(10),
    datao: h.readUInt32LE(12),
    datal: h.readUInt32LE(16),
  };
}

export interface R2THeader {
  cccid: number;
  ttag: number;
  r2to: number;
  r2tl: number;
}

export function r2tHeader(r: R2THeader): Buffer {
  const h = Buffer.allocUnsafe(PduHlen.R2T);
  h.fill(0, 0, 8);
  h.writeUInt16LE(r.cccid, 8);
  h.writeUInt16LE(r.ttag, 10);
  h.writeUInt32LE(r.r2to, 12);
  h.writeUInt32LE(r.r2tl, 16);
  h.writeUInt32LE(0, 20);
  return h;
}

export function decodeR2T(h: Buffer): R2THeader {
  return {
    cccid: h.readUInt16LE(8),
    ttag: h.readUInt16LE(10),
    r2to: h.readUInt32LE(12),
    r2tl: h.readUInt32LE(16),
  };
}

// ---- SQE / CQE field access ----

export const sqe = {
  opc: (s: Buffer): number => s[0]!,
  fuse: (s: Buffer): number => s[1]! & 0x3,
  psdt: (s: Buffer): number => (s[1]! >> 6) & 0x3,
  cid: (s: Buffer): number => s.readUInt16LE(2),
  nsid: (s: Buffer): number => s.readUInt32LE(4),
  /** Fabrics commands: FCTYPE sits where NSID would. */
  fctype: (s: Buffer): number => s[4]!,
  sglAddress: (s: Buffer): bigint => s.readBigUInt64LE(24),
  sglLength: (s: Buffer): number => s.readUInt32LE(32),
  sglId: (s: Buffer): number => s[39]!,
  cdw: (s: Buffer, n: number): number => s.readUInt32LE(n * 4),
  /** Starting LBA of Read/Write/WriteZeroes (CDW10-11). */
  slba: (s: Buffer): number => s.readUInt32LE(40) + s.readUInt32LE(44) * 2 ** 32,
  /** Number of logical blocks, 0-based, of Read/Write/WriteZeroes (CDW12 bits 15:0). */
  nlb: (s: Buffer): number => s.readUInt16LE(48),
};

export interface SqeFields {
  opc: number;
  cid: number;
  nsid?: number;
  fuse?: number;
  /** SGL1: in-capsule (offset, SglId.InCapsule) or transport (SglId.Transport). */
  sgl?: { address: bigint; length: number; id: number };
  /** CDW10..CDW15, by index 10..15. */
  cdw?: Partial<Record<10 | 11 | 12 | 13 | 14 | 15, number>>;
}

export function encodeSqe(f: SqeFields, out: Buffer = Buffer.alloc(SQE_SIZE)): Buffer {
  out.fill(0, 0, SQE_SIZE);
  out[0] = f.opc;
  out[1] = (f.fuse ?? 0) | (f.sgl ? 0x40 : 0); // PSDT=01: SGL for data transfer
  out.writeUInt16LE(f.cid, 2);
  out.writeUInt32LE(f.nsid ?? 0, 4);
  if (f.sgl) {
    out.writeBigUInt64LE(f.sgl.address, 24);
    out.writeUInt32LE(f.sgl.length, 32);
    out[39] = f.sgl.id;
  }
  if (f.cdw) for (const [k, v] of Object.entries(f.cdw)) out.writeUInt32LE(v! >>> 0, Number(k) * 4);
  return out;
}

export interface Cqe {
  dw0: number;
  dw1: number;
  sqhd: number;
  sqid: number;
  cid: number;
  /** 15-bit status (see spec.status()); phase tag excluded. */
  status: number;
}

export function encodeCqe(c: Cqe, out: Buffer, offset = 0): void {
  out.writeUInt32LE(c.dw0 >>> 0, offset);
  out.writeUInt32LE(c.dw1 >>> 0, offset + 4);
  out.writeUInt16LE(c.sqhd, offset + 8);
  out.writeUInt16LE(c.sqid, offset + 10);
  out.writeUInt16LE(c.cid, offset + 12);
  out.writeUInt16LE((c.status << 1) & 0xfffe, offset + 14);
}

export function decodeCqe(b: Buffer, offset = 0): Cqe {
  return {
    dw0: b.readUInt32LE(offset),
    dw1: b.readUInt32LE(offset + 4),
    sqhd: b.readUInt16LE(offset + 8),
    sqid: b.readUInt16LE(offset + 10),
    cid: b.readUInt16LE(offset + 12),
    status: b.readUInt16LE(offset + 14) >> 1,
  };
}

/** A complete CapsuleResp PDU for one CQE. */
export function capsuleResp(c: Cqe, digests: Digests): Buffer[] {
  const h = Buffer.allocUnsafe(PduHlen.CapsuleResp);
  h.fill(0, 0, 8);
  encodeCqe(c, h, 8);
  return framePdu(PduType.CapsuleResp, h, undefined, digests);
}

// ---- Strings in fixed-width fields ----

/** Write an ASCII string into a fixed field, space-padded (Identify strings) or NUL-padded (NQNs). */
export function putString(
  out: Buffer,
  offset: number,
  width: number,
  s: string,
  pad: ' ' | '\0' = ' ',
): void {
  out.fill(pad === ' ' ? 0x20 : 0, offset, offset + width);
  out.write(s.slice(0, width), offset, width, 'latin1');
}

/** Read a NUL-terminated (or full-width) ASCII field. */
export function getString(b: Buffer, offset: number, width: number): string {
  const end = b.indexOf(0, offset);
  return b.toString('latin1', offset, end < 0 || end > offset + width ? offset + width : end).trimEnd();
}
