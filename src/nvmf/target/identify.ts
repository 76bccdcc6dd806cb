/**
 * Identify data structures (NVMe Base 1.4 figures "Identify Controller Data Structure",
 * "Identify Namespace Data Structure", "Namespace Identification Descriptor"), with the
 * NVMe over Fabrics fields the Linux host checks: CNTLID equal to the one Connect returned,
 * KAS non-zero, SGL support, IOCCSZ/IORCSZ, ICDOFF 0.
 */
import { NVME_VERSION_1_4, Nidt } from '../spec.js';
import { putString } from '../pdu.js';
import type { Namespace, Subsystem } from './subsystem.js';
import { MAX_NAMESPACES } from './subsystem.js';
import type { TargetLimits } from './options.js';

export const IDENTIFY_SIZE = 4096;

/** Keep Alive Support granularity, in 100 ms units: we time keep-alive in whole seconds. */
export const KAS_100MS = 10;
export const ELPE = 63; // 64 error-log entries
export const AERL = 3; // 4 outstanding AERs
export const ACL = 3;

/** Optional Asynchronous Events Supported (OAES) bits. */
export const Oaes = { NamespaceAttribute: 1 << 8, DiscoveryLogChange: 1 << 31 } as const;

export interface ControllerIdentity {
  cntlid: number;
  subsystem: Subsystem;
  limits: TargetLimits;
  firmwareRevision: string;
}

export function identifyController(c: ControllerIdentity): Buffer {
  const b = Buffer.alloc(IDENTIFY_SIZE);
  const s = c.subsystem;
  const disc = s.isDiscovery;
  putString(b, 4, 20, s.serialNumber);
  putString(b, 24, 40, s.modelNumber);
  putString(b, 64, 8, c.firmwareRevision);
  b[72] = 6; // RAB: recommended arbitration burst (informational)
  // CMIC: the subsystem may have several controllers (several hosts, several paths) and ports.
  b[76] = disc ? 0 : 0x03;
  b[77] = Math.log2(c.limits.maxIoSize / 4096); // MDTS in units of CAP.MPSMIN (4 KiB)
  b.writeUInt16LE(c.cntlid, 78);
  b.writeUInt32LE(NVME_VERSION_1_4, 80);
  b.writeUInt32LE(disc ? Oaes.DiscoveryLogChange >>> 0 : Oaes.NamespaceAttribute, 92);
  b.writeUInt32LE(1 << 0, 96); // CTRATT: 128-bit host identifier
  b[111] = disc ? 2 : 1; // CNTRLTYPE: discovery / I/O controller
  // 256.. admin command set attributes
  b.writeUInt16LE(0, 256); // OACS: no optional admin commands
  b[258] = ACL;
  b[259] = AERL;
  b[260] = 0x03; // FRMW: one firmware slot, read-only
  // LPA: SMART per namespace, Commands Supported and Effects log, extended Get Log Page data.
  b[261] = disc ? 0x04 : 0x07;
  b[262] = ELPE;
  b[263] = 0; // NPSS: one power state
  b.writeUInt16LE(KAS_100MS, 320);
  b[512] = 0x66; // SQES: 64-byte entries
  b[513] = 0x44; // CQES: 16-byte entries
  b.writeUInt16LE(c.limits.maxQueueDepth, 514); // MAXCMD
  b.writeUInt32LE(disc ? 0 : MAX_NAMESPACES, 516); // NN
  // ONCS: Dataset Management (deallocate) and Write Zeroes.
  b.writeUInt16LE(disc ? 0 : (1 << 2) | (1 << 3), 520);
  // VWC: a volatile write cache is present (devices need flush for durability), and Flush with
  // NSID FFFFFFFFh flushes every namespace.
  b[525] = disc ? 0 : 0x07;
  // SGLS: SGLs supported; bit 20: the SGL address may be an offset (in-capsule data).
  b.writeUInt32LE((1 << 0) | (c.limits.inCapsuleDataSize > 0 ? 1 << 20 : 0), 536);
  b.writeUInt32LE(disc ? 0 : MAX_NAMESPACES, 540); // MNAN
  putString(b, 768, 256, s.nqn, '\0');
  // Fabrics: capsule sizes in 16-byte units, no in-capsule data offset, dynamic controller model.
  b.writeUInt32LE((64 + c.limits.inCapsuleDataSize) / 16, 1792); // IOCCSZ
  b.writeUInt32LE(1, 1796); // IORCSZ
  b.writeUInt16LE(0, 1800); // ICDOFF
  b[1802] = 0; // FCATT: dynamic controller model
  b[1803] = 1; // MSDBD
  b.writeUInt16LE(1 << 0, 1804); // OFCS: Disconnect command supported
  return b;
}

export function identifyNamespace(ns: Namespace): Buffer {
  const b = Buffer.alloc(IDENTIFY_SIZE);
  const dev = ns.dev;
  const blocks = BigInt(dev.numBlocks);
  b.writeBigUInt64LE(blocks, 0); // NSZE
  b.writeBigUInt64LE(blocks, 8); // NCAP
  b.writeBigUInt64LE(blocks, 16); // NUSE
  b[24] = 0; // NSFEAT
  b[25] = 0; // NLBAF: one format
  b[26] = 0; // FLBAS: format 0, no metadata
  b[30] = 1; // NMIC: may be attached to several controllers (multipath, HA switch-over)
  // DLFEAT: deallocated blocks read as zeros; Write Zeroes may deallocate (DEAC).
  b[33] = 0x01 | 0x08;
  const bytes = BigInt(dev.size);
  b.writeBigUInt64LE(bytes & 0xffffffffffffffffn, 48); // NVMCAP (low 64 bits of 128)
  ns.nguid.copy(b, 104); // NGUID
  b[130] = Math.log2(dev.blockSize); // LBAF0.LBADS
  return b;
}

/** Active namespace IDs greater than `after`, ascending, at most 1024. */
export function activeNamespaceList(s: Subsystem, after: number): Buffer {
  const b = Buffer.alloc(IDENTIFY_SIZE);
  const ids = [...s.namespaces.keys()].filter((n) => n > after).sort((x, y) => x - y);
  let off = 0;
  for (const id of ids.slice(0, IDENTIFY_SIZE / 4)) {
    b.writeUInt32LE(id, off);
    off += 4;
  }
  return b;
}

/** Namespace Identification Descriptor list: NGUID, UUID and the command set (NVM). */
export function namespaceDescriptors(ns: Namespace): Buffer {
  const b = Buffer.alloc(IDENTIFY_SIZE);
  let off = 0;
  const put = (nidt: number, nid: Buffer) => {
    b[off] = nidt;
    b[off + 1] = nid.length;
    nid.copy(b, off + 4);
    off += 4 + nid.length;
  };
  put(Nidt.Nguid, ns.nguid);
  put(Nidt.Uuid, ns.nguid);
  put(Nidt.Csi, Buffer.from([0]));
  return b;
}
