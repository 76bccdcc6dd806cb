/**
 * Log pages (NVMe Base 1.4 "Get Log Page"; NVMe over Fabrics "Discovery Log Page").
 * Each builder returns the whole page; Get Log Page slices it by offset and length.
 */
import { AdminOpc, IoOpc } from '../spec.js';
import { putString } from '../pdu.js';
import type { Namespace } from './subsystem.js';

export const ERROR_ENTRY_SIZE = 64;
export const SMART_SIZE = 512;
export const CHANGED_NS_SIZE = 4096;
export const EFFECTS_SIZE = 4096;
export const FW_SLOT_SIZE = 512;
export const DISCOVERY_HEADER_SIZE = 1024;
export const DISCOVERY_ENTRY_SIZE = 1024;

export interface ErrorEntry {
  count: bigint;
  sqid: number;
  cid: number;
  /** 15-bit status (without the phase tag). */
  status: number;
  /** Byte/bit of the command field in error, 0xffff when not known. */
  paramLoc: number;
  lba: bigint;
  nsid: number;
}

/** Error Information log: entries newest first, then zeros (error count 0 = empty entry). */
export function errorLog(entries: readonly ErrorEntry[], maxEntries: number): Buffer {
  const b = Buffer.alloc(maxEntries * ERROR_ENTRY_SIZE);
  let off = 0;
  for (let i = entries.length - 1; i >= 0 && off < b.length; i--) {
    const e = entries[i]!;
    b.writeBigUInt64LE(e.count, off);
    b.writeUInt16LE(e.sqid, off + 8);
    b.writeUInt16LE(e.cid, off + 10);
    b.writeUInt16LE((e.status << 1) & 0xfffe, off + 12);
    b.writeUInt16LE(e.paramLoc, off + 14);
    b.writeBigUInt64LE(e.lba, off + 16);
    b.writeUInt32LE(e.nsid, off + 24);
    b[off + 29] = 3; // transport type: TCP
    off += ERROR_ENTRY_SIZE;
  }
  return b;
}

export interface SmartInput {
  namespaces: readonly Namespace[];
  errorCount: bigint;
  powerOnHours: number;
}

function put128(b: Buffer, off: number, v: bigint): void {
  b.writeBigUInt64LE(v & 0xffffffffffffffffn, off);
  b.writeBigUInt64LE(v >> 64n, off + 8);
}

/**
 * SMART / Health Information. Counters come from the namespaces' command counters. A software
 * target has no temperature sensor and no wear: those fields read 0, the spare reads 100 %.
 */
export function smartLog(s: SmartInput): Buffer {
  const b = Buffer.alloc(SMART_SIZE);
  let rd = 0,
    wr = 0,
    rdCmds = 0,
    wrCmds = 0,
    media = 0;
  for (const ns of s.namespaces) {
    rd += ns.counters.bytesRead;
    wr += ns.counters.bytesWritten;
    rdCmds += ns.counters.readCommands;
    wrCmds += ns.counters.writeCommands;
    media += ns.counters.mediaErrors;
  }
  // Data units are thousands of 512-byte units, rounded up.
  const units = (bytes: number) => BigInt(Math.ceil(bytes / 512 / 1000));
  b[0] = 0; // critical warning
  b[3] = 100; // available spare %
  b[4] = 10; // available spare threshold %
  b[5] = 0; // percentage used
  put128(b, 32, units(rd));
  put128(b, 48, units(wr));
  put128(b, 64, BigInt(rdCmds));
  put128(b, 80, BigInt(wrCmds));
  put128(b, 112, 1n); // power cycles
  put128(b, 128, BigInt(s.powerOnHours));
  put128(b, 160, BigInt(media));
  put128(b, 176, s.errorCount);
  return b;
}

/** Changed Namespace List: up to 1024 NSIDs, or FFFFFFFFh first when more changed. */
export function changedNamespaceLog(nsids: readonly number[], overflow: boolean): Buffer {
  const b = Buffer.alloc(CHANGED_NS_SIZE);
  if (overflow) {
    b.writeUInt32LE(0xffffffff, 0);
    return b;
  }
  const sorted = [...nsids].sort((x, y) => x - y);
  sorted.slice(0, CHANGED_NS_SIZE / 4).forEach((n, i) => b.writeUInt32LE(n, i * 4));
  return b;
}

/** Commands Supported and Effects: CSUPP, plus LBCC for commands that change data. */
export function effectsLog(): Buffer {
  const b = Buffer.alloc(EFFECTS_SIZE);
  const CSUPP = 1 << 0;
  const LBCC = 1 << 1;
  for (const opc of [
    AdminOpc.GetLogPage,
    AdminOpc.Identify,
    AdminOpc.Abort,
    AdminOpc.SetFeatures,
    AdminOpc.GetFeatures,
    AdminOpc.AsyncEventRequest,
    AdminOpc.KeepAlive,
  ]) {
    b.writeUInt32LE(CSUPP, opc * 4);
  }
  for (const opc of [IoOpc.Flush, IoOpc.Read]) b.writeUInt32LE(CSUPP, 1024 + opc * 4);
  for (const opc of [IoOpc.Write, IoOpc.WriteZeroes, IoOpc.DatasetManagement]) {
    b.writeUInt32LE(CSUPP | LBCC, 1024 + opc * 4);
  }
  return b;
}

export function firmwareSlotLog(firmwareRevision: string): Buffer {
  const b = Buffer.alloc(FW_SLOT_SIZE);
  b[0] = 1; // active firmware: slot 1
  putString(b, 8, 8, firmwareRevision);
  return b;
}

// ---- Discovery ----

export const TrType = { TCP: 3 } as const;
export const AdrFam = { IPv4: 1, IPv6: 2 } as const;
export const SubType = { Referral: 1, Nvme: 2, CurrentDiscovery: 3 } as const;
/**
 * TREQ: secure channel not specified, SQ flow control may be disabled (libnvme then connects
 * with disable_sqflow, and reads complete with C2HData SUCCESS, one PDU fewer per read).
 */
export const TREQ_DISABLE_SQFLOW = 0x04;
/** The admin queue size hosts should use (NVME_AQ_DEPTH). */
export const ASQSZ = 32;

export interface DiscoveryEntry {
  adrfam: number;
  subtype: number;
  portid: number;
  trsvcid: string;
  subnqn: string;
  traddr: string;
}

export function discoveryLog(genctr: bigint, entries: readonly DiscoveryEntry[]): Buffer {
  const b = Buffer.alloc(DISCOVERY_HEADER_SIZE + entries.length * DISCOVERY_ENTRY_SIZE);
  b.writeBigUInt64LE(genctr, 0);
  b.writeBigUInt64LE(BigInt(entries.length), 8);
  b.writeUInt16LE(0, 16); // RECFMT
  entries.forEach((e, i) => {
    const o = DISCOVERY_HEADER_SIZE + i * DISCOVERY_ENTRY_SIZE;
    b[o] = TrType.TCP;
    b[o + 1] = e.adrfam;
    b[o + 2] = e.subtype;
    b[o + 3] = TREQ_DISABLE_SQFLOW; // secure channel not specified, as nvmet does
    b.writeUInt16LE(e.portid, o + 4);
    b.writeUInt16LE(0xffff, o + 6); // CNTLID: dynamic controller model
    b.writeUInt16LE(ASQSZ, o + 8);
    putString(b, o + 32, 32, e.trsvcid, '\0');
    putString(b, o + 256, 256, e.subnqn, '\0');
    putString(b, o + 512, 256, e.traddr, '\0');
    b[o + 768] = 0; // TSAS (TCP): SECTYPE none
  });
  return b;
}
