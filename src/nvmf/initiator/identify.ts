/**
 * Decoding the Identify data structures and controller properties the initiator needs.
 * Byte offsets are those of the NVMe Base Specification 2.0 (Identify Controller, Identify
 * Namespace, Namespace Identification Descriptor list) and the NVMe over Fabrics I/O controller
 * attributes (IOCCSZ and friends, bytes 1792+).
 */
import { getString } from '../pdu.js';
import { Nidt } from '../spec.js';
import { uuidFromBytes } from '../../core/uuid.js';

export const IDENTIFY_SIZE = 4096;

/** Controller Capabilities (CAP), the fields we use. */
export interface Capabilities {
  /** Maximum Queue Entries Supported, as a count (CAP.MQES + 1). */
  maxQueueEntries: number;
  /** Worst-case time for CSTS.RDY to follow CC.EN, in milliseconds (CAP.TO * 500). */
  readyTimeoutMs: number;
  /** Command sets supported (CAP.CSS): bit 0 NVM, bit 6 I/O command sets, bit 7 admin only. */
  css: number;
  /** Smallest memory page size, in bytes (4096 << CAP.MPSMIN). */
  minPageSize: number;
}

export function decodeCap(cap: bigint): Capabilities {
  const lo = Number(cap & 0xffffffffn);
  const hi = Number(cap >> 32n);
  return {
    maxQueueEntries: (lo & 0xffff) + 1,
    readyTimeoutMs: ((lo >>> 24) & 0xff) * 500,
    css: (hi >>> 5) & 0xff,
    minPageSize: 4096 * 2 ** ((hi >>> 16) & 0xf),
  };
}

/** Controller Configuration (CC) and Controller Status (CSTS) bits. */
export const Cc = {
  EN: 1 << 0,
  /** CSS=000b NVM command set, MPS=0 (4 KiB), AMS round robin. */
  IOSQES_64: 6 << 16,
  IOCQES_16: 4 << 20,
  SHN_MASK: 3 << 14,
  SHN_NORMAL: 1 << 14,
} as const;

export const Csts = {
  RDY: 1 << 0,
  CFS: 1 << 1,
  SHST_MASK: 3 << 2,
  SHST_COMPLETE: 2 << 2,
} as const;

export interface ControllerIdentity {
  vid: number;
  serial: string;
  model: string;
  firmware: string;
  /** Maximum data transfer size as a power of two of the minimum page size; 0 means no limit. */
  mdts: number;
  cntlid: number;
  version: number;
  /** RTD3 entry latency (microseconds): how long a shutdown may take; 0 when not reported. */
  rtd3eUs: number;
  /** Optional asynchronous events supported (bit 8: Namespace Attribute Notices). */
  oaes: number;
  /** Asynchronous Event Request limit (0-based). */
  aerl: number;
  /** Keep-alive granularity in milliseconds; 0 when keep-alive is not supported. */
  kasMs: number;
  /** Maximum outstanding commands per queue (Fabrics); 0 when not reported. */
  maxcmd: number;
  /** Number of namespaces (highest NSID). */
  nn: number;
  /** Optional NVM command support. */
  oncs: number;
  /** Volatile write cache present. */
  vwc: boolean;
  /** SGL support word. */
  sgls: number;
  subnqn: string;
  /** I/O queue command capsule size in bytes (IOCCSZ * 16), SQE included. */
  ioccszBytes: number;
  /** I/O queue response capsule size in bytes (IORCSZ * 16). */
  iorcszBytes: number;
  /** In-capsule data offset, in 16-byte units (must be 0 for NVMe/TCP). */
  icdoff: number;
}

/** ONCS bits. */
export const Oncs = {
  COMPARE: 1 << 0,
  WRITE_UNCORRECTABLE: 1 << 1,
  DSM: 1 << 2,
  WRITE_ZEROES: 1 << 3,
  RESERVATIONS: 1 << 5,
} as const;

export function decodeIdentifyController(b: Buffer): ControllerIdentity {
  return {
    vid: b.readUInt16LE(0),
    serial: getString(b, 4, 20),
    model: getString(b, 24, 40),
    firmware: getString(b, 64, 8),
    mdts: b[77]!,
    cntlid: b.readUInt16LE(78),
    version: b.readUInt32LE(80),
    rtd3eUs: b.readUInt32LE(88),
    oaes: b.readUInt32LE(92),
    aerl: b[259]!,
    kasMs: b.readUInt16LE(320) * 100,
    maxcmd: b.readUInt16LE(514),
    nn: b.readUInt32LE(516),
    oncs: b.readUInt16LE(520),
    vwc: (b[525]! & 1) !== 0,
    sgls: b.readUInt32LE(536),
    subnqn: getString(b, 768, 256),
    ioccszBytes: b.readUInt32LE(1792) * 16,
    iorcszBytes: b.readUInt32LE(1796) * 16,
    icdoff: b.readUInt16LE(1800),
  };
}

export interface NamespaceIdentity {
  nsid: number;
  /** Namespace size in logical blocks. */
  nsze: number;
  blockSize: number;
  /** Metadata bytes per block in the active LBA format (we only support 0). */
  metadataSize: number;
  /** Deallocated blocks read as zeros (DLFEAT read behaviour 001b). */
  deallocReadsZeroes: boolean;
  /** Hex strings; undefined when the controller reports all zeros. */
  nguid: string | undefined;
  eui64: string | undefined;
  /** From the Namespace Identification Descriptor list, when the controller has one. */
  uuid: string | undefined;
}

function nonZeroHex(b: Buffer, offset: number, len: number): string | undefined {
  for (let i = 0; i < len; i++) if (b[offset + i] !== 0) return b.toString('hex', offset, offset + len);
  return undefined;
}

export function decodeIdentifyNamespace(
  nsid: number,
  b: Buffer,
): Omit<NamespaceIdentity, 'uuid'> & { lbads: number } {
  const nsze = Number(b.readBigUInt64LE(0));
  const flbas = b[26]!;
  // FLBAS bits 3:0 index the format; bits 6:5 extend it past 16 formats (NVMe 2.0).
  const fmt = (flbas & 0xf) | (((flbas >> 5) & 0x3) << 4);
  const lbaf = b.readUInt32LE(128 + fmt * 4);
  const lbads = (lbaf >>> 16) & 0xff;
  return {
    nsid,
    nsze,
    lbads,
    blockSize: lbads >= 9 && lbads <= 24 ? 2 ** lbads : 0,
    metadataSize: lbaf & 0xffff,
    deallocReadsZeroes: (b[33]! & 0x7) === 1,
    nguid: nonZeroHex(b, 104, 16),
    eui64: nonZeroHex(b, 120, 8),
  };
}

/** The namespace UUID from a Namespace Identification Descriptor list (CNS 03h), if present. */
export function decodeNsDescriptorUuid(b: Buffer): string | undefined {
  let off = 0;
  // Each descriptor: NIDT (1), NIDL (1), reserved (2), NID (NIDL bytes). A zero NIDT ends the list.
  for (let i = 0; i < 64 && off + 4 <= b.length; i++) {
    const nidt = b[off]!;
    const nidl = b[off + 1]!;
    if (nidt === 0 || nidl === 0 || off + 4 + nidl > b.length) break;
    if (nidt === Nidt.Uuid && nidl === 16) {
      const u = nonZeroHex(b, off + 4, 16);
      return u === undefined ? undefined : uuidFromBytes(b, off + 4);
    }
    off += 4 + nidl;
  }
  return undefined;
}

/** All NSIDs of an Active Namespace ID list. */
export function activeNsids(b: Buffer): number[] {
  const out: number[] = [];
  for (let off = 0; off + 4 <= b.length; off += 4) {
    const n = b.readUInt32LE(off);
    if (n === 0) break;
    out.push(n);
  }
  return out;
}
