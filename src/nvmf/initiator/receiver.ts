/**
 * The host side of NVMe/TCP receive framing, streaming.
 *
 * The shared `PduReader` (../pdu.ts) hands out whole PDUs, which for a C2HData PDU that spans
 * socket reads means assembling it in a new buffer and copying it again into the caller's. The
 * initiator's receive path is the read hot path, so this receiver is a small state machine
 * instead: headers (at most 152 bytes) are gathered into one fixed buffer, and a C2HData data
 * section is copied straight from the socket's read buffer into the destination the owner names
 * for it, at DATAO. One copy, no allocation per PDU, and the socket's read buffer can be reused
 * (the queue reads with `onread` into a fixed buffer).
 *
 * It checks framing as strictly as the shared reader does (type, HLEN, PLEN, PDO, digest flags
 * against what was negotiated, header digests), and throws PduError on a violation; the owner
 * then sends an H2CTermReq and drops the connection. A data digest mismatch is not fatal: it is
 * reported with the PDU so that only the command fails.
 */
import { crc32c, crc32cFinish, crc32cUpdate, CRC32C_INIT } from '../../core/crc32c.js';
import { PduError } from '../pdu.js';
import { COMMON_HEADER_LEN, DIGEST_LEN, Fes, MAX_TERMREQ_PLEN, PduFlags, PduHlen, PduType } from '../spec.js';

export interface ReceiverHandler {
  /**
   * A complete PDU without a data section to stream: ICResp, CapsuleResp, R2T or C2HTermReq.
   * `pdu` holds its `plen` bytes from offset 0 and is only valid during the call.
   */
  onPdu(type: number, pdu: Buffer, plen: number): void;
  /**
   * A C2HData header: return the buffer its data lands in (written at offset `datao`), or
   * undefined to discard the data (a command that is no longer waiting for it). Throw PduError
   * to reject the PDU.
   */
  onDataStart(cccid: number, datao: number, datal: number, flags: number): Buffer | undefined;
  /** The data section (and its digest, when negotiated) of that C2HData PDU has arrived. */
  onDataEnd(cccid: number, datal: number, flags: number, digestOk: boolean): void;
}

const enum Phase {
  Header,
  Pad,
  Data,
  Digest,
}

/** Large enough for the longest non-streamed PDU: a C2HTermReq (24 + 128 bytes). */
const HDR_MAX = 160;

const HLEN: Record<number, number> = {
  [PduType.ICResp]: PduHlen.ICResp,
  [PduType.C2HTermReq]: PduHlen.TermReq,
  [PduType.CapsuleResp]: PduHlen.CapsuleResp,
  [PduType.C2HData]: PduHlen.Data,
  [PduType.R2T]: PduHlen.R2T,
};

export class PduReceiver {
  /** Negotiated digests; set once ICResp has been accepted. */
  hdgst = false;
  ddgst = false;
  /** Bit mask of the PDU types accepted now (1 << type). */
  acceptMask: number;

  private readonly hdr = Buffer.alloc(HDR_MAX);
  private readonly dg = Buffer.alloc(DIGEST_LEN);
  private phase = Phase.Header;
  private have = 0;
  private need = COMMON_HEADER_LEN;
  private plen = 0;
  private skip = 0;
  private left = 0;
  private dst: Buffer | undefined;
  private dstPos = 0;
  private crc = 0;
  private dgHave = 0;
  private cccid = 0;
  private datal = 0;
  private dflags = 0;
  /** Set by `stop()`: the owner has dropped the connection; ignore the rest. */
  private stopped = false;

  constructor(
    private readonly handler: ReceiverHandler,
    accept: readonly number[],
  ) {
    this.acceptMask = maskOf(accept);
  }

  setAccept(accept: readonly number[]): void {
    this.acceptMask = maskOf(accept);
  }

  stop(): void {
    this.stopped = true;
    this.dst = undefined;
  }

  /** True between PDUs (nothing partial buffered). */
  get idle(): boolean {
    return this.phase === Phase.Header && this.have === 0;
  }

  /**
   * Where the next socket read may land directly: the rest of the current C2H data section in
   * its destination buffer, when at least `min` bytes of it are still to come. Reading there
   * saves copying the data out of the socket buffer; bounding the view by the bytes left keeps
   * the next PDU's bytes out of the caller's buffer.
   */
  directTarget(min: number): Buffer | undefined {
    if (this.phase !== Phase.Data || this.dst === undefined || this.left < min || this.stopped)
      return undefined;
    return this.dst.subarray(this.dstPos, this.dstPos + this.left);
  }

  /** `n` bytes were read straight into the view `directTarget` returned. */
  pushDirect(view: Buffer, n: number): void {
    if (this.stopped) return;
    if (this.dflags & PduFlags.DDGSTF) this.crc = crc32cUpdate(this.crc, view, 0, n);
    this.dstPos += n;
    this.left -= n;
    if (this.left === 0) {
      if (this.dflags & PduFlags.DDGSTF) {
        this.phase = Phase.Digest;
        this.dgHave = 0;
      } else this.dataDone(true);
    }
  }

  /** Consume bytes `start..end` of `chunk`. Throws PduError on a framing violation. */
  push(chunk: Buffer, start = 0, end = chunk.length): void {
    let off = start;
    while (off < end && !this.stopped) {
      switch (this.phase) {
        case Phase.Header: {
          const k = Math.min(this.need - this.have, end - off);
          chunk.copy(this.hdr, this.have, off, off + k);
          this.have += k;
          off += k;
          if (this.have < this.need) return;
          if (this.need === COMMON_HEADER_LEN) {
            this.commonHeader();
            if (this.have < this.need) continue;
          }
          this.headerDone();
          break;
        }
        case Phase.Pad: {
          const k = Math.min(this.skip, end - off);
          this.skip -= k;
          off += k;
          if (this.skip === 0) this.phase = Phase.Data;
          break;
        }
        case Phase.Data: {
          const k = Math.min(this.left, end - off);
          if (this.dst !== undefined) chunk.copy(this.dst, this.dstPos, off, off + k);
          if (this.dflags & PduFlags.DDGSTF) this.crc = crc32cUpdate(this.crc, chunk, off, off + k);
          this.dstPos += k;
          this.left -= k;
          off += k;
          if (this.left === 0) {
            if (this.dflags & PduFlags.DDGSTF) {
              this.phase = Phase.Digest;
              this.dgHave = 0;
            } else this.dataDone(true);
          }
          break;
        }
        case Phase.Digest: {
          const k = Math.min(DIGEST_LEN - this.dgHave, end - off);
          chunk.copy(this.dg, this.dgHave, off, off + k);
          this.dgHave += k;
          off += k;
          if (this.dgHave === DIGEST_LEN) this.dataDone(crc32cFinish(this.crc) === this.dg.readUInt32LE(0));
          break;
        }
      }
    }
  }

  private fail(fes: number, fei: number, message: string): never {
    throw new PduError(fes, fei, message, Buffer.from(this.hdr.subarray(0, Math.min(this.have, 128))));
  }

  /** The 8-byte common header is in: check it and work out how much header to gather. */
  private commonHeader(): void {
    const h = this.hdr;
    const type = h[0]!;
    const flags = h[1]!;
    const hlen = h[2]!;
    const plen = h.readUInt32LE(4);
    const expected = HLEN[type];
    if (expected === undefined || type >= 32 || (this.acceptMask & (1 << type)) === 0) {
      this.fail(Fes.InvalidPduHeaderField, 0, `unexpected PDU type 0x${type.toString(16)}`);
    }
    if (hlen !== expected) {
      this.fail(Fes.InvalidPduHeaderField, 2, `PDU type 0x${type.toString(16)} with HLEN ${hlen}`);
    }
    const setup = type === PduType.ICResp || type === PduType.C2HTermReq;
    const hd = flags & PduFlags.HDGSTF ? DIGEST_LEN : 0;
    if (setup) {
      if (flags & (PduFlags.HDGSTF | PduFlags.DDGSTF)) {
        this.fail(Fes.InvalidPduHeaderField, 1, `digest flags on PDU type 0x${type.toString(16)}`);
      }
    } else if ((hd !== 0) !== this.hdgst) {
      this.fail(Fes.InvalidPduHeaderField, 1, 'HDGSTF does not match the negotiated header digest');
    }
    let need: number;
    if (type === PduType.C2HData) {
      if (((flags & PduFlags.DDGSTF) !== 0) !== this.ddgst) {
        this.fail(Fes.InvalidPduHeaderField, 1, 'DDGSTF does not match the negotiated data digest');
      }
      need = hlen + hd;
      if (plen <= need) this.fail(Fes.InvalidPduHeaderField, 4, `C2HData PLEN ${plen} carries no data`);
    } else {
      if (flags & PduFlags.DDGSTF && !setup) {
        this.fail(Fes.InvalidPduHeaderField, 1, `DDGSTF on PDU type 0x${type.toString(16)} without data`);
      }
      const max = type === PduType.C2HTermReq ? MAX_TERMREQ_PLEN : hlen + hd;
      const min = hlen + hd;
      if (plen < min || plen > max) {
        this.fail(Fes.InvalidPduHeaderField, 4, `PDU type 0x${type.toString(16)} with PLEN ${plen}`);
      }
      need = plen;
    }
    this.plen = plen;
    this.need = need;
  }

  /** The whole header (or whole PDU, for types without streamed data) is in. */
  private headerDone(): void {
    const h = this.hdr;
    const type = h[0]!;
    const flags = h[1]!;
    const hlen = h[2]!;
    if (flags & PduFlags.HDGSTF && crc32c(h, 0, hlen) !== h.readUInt32LE(hlen)) {
      this.fail(Fes.HeaderDigestError, 0, 'header digest mismatch');
    }
    if (type !== PduType.C2HData) {
      const plen = this.plen;
      this.have = 0;
      this.need = COMMON_HEADER_LEN;
      this.handler.onPdu(type, h, plen);
      return;
    }
    const pdo = h[3]!;
    const hEnd = this.need;
    const dd = flags & PduFlags.DDGSTF ? DIGEST_LEN : 0;
    const datal = h.readUInt32LE(16);
    if (pdo < hEnd || pdo + datal + dd !== this.plen || datal === 0) {
      this.fail(
        Fes.InvalidPduHeaderField,
        3,
        `C2HData PDO ${pdo} DATAL ${datal} do not fit PLEN ${this.plen}`,
      );
    }
    this.cccid = h.readUInt16LE(8);
    this.datal = datal;
    this.dflags = flags;
    const datao = h.readUInt32LE(12);
    this.dst = this.handler.onDataStart(this.cccid, datao, datal, flags);
    this.dstPos = datao;
    this.left = datal;
    this.crc = CRC32C_INIT;
    this.skip = pdo - hEnd;
    this.have = 0;
    this.need = COMMON_HEADER_LEN;
    this.phase = this.skip > 0 ? Phase.Pad : Phase.Data;
  }

  private dataDone(digestOk: boolean): void {
    this.phase = Phase.Header;
    this.dst = undefined;
    this.handler.onDataEnd(this.cccid, this.datal, this.dflags, digestOk);
  }
}

function maskOf(types: readonly number[]): number {
  let m = 0;
  for (const t of types) m |= 1 << t;
  return m;
}
