/**
 * The on-disk pool format (docs/on-disk-format.md explains it in prose).
 *
 *   0        superblock A   (512 bytes used of a 4 KiB region)
 *   4 KiB    superblock B   (a second copy)
 *   8 KiB    checkpoint slot 0   \  two slots, written alternately; the valid one with the
 *   ...      checkpoint slot 1   /  highest sequence number is current
 *   ...      journal             append-only batches of metadata records since the checkpoint
 *   data     clusters            aligned to the cluster size
 *
 * A superblock fits in one 512-byte sector so that its write is atomic on any disk. Every
 * checkpoint and journal batch carries the pool's random incarnation id and a checksum, so stale
 * metadata of an earlier pool on the same disk is never mistaken for current.
 */
import { randomBytes } from 'node:crypto';
import { crc32c } from '../core/crc32c.js';
import { alignUp, isPowerOfTwo, KiB, MiB } from '../core/units.js';
import { poolError, PoolErrors } from './errors.js';
import { Reader, Writer } from './codec.js';

export const FORMAT_VERSION = 1;
export const SB_MAGIC = Buffer.from('MSTSPOOL', 'latin1');
export const CKPT_MAGIC = Buffer.from('MSTSCKPT', 'latin1');
export const JRNL_MAGIC = Buffer.from('MSTSJRNL', 'latin1');

/** Each superblock copy owns a 4 KiB region; the encoded superblock is one sector. */
export const SB_REGION = 4 * KiB;
export const SB_SIZE = 512;
export const SB_A_OFFSET = 0;
export const SB_B_OFFSET = SB_REGION;
/** Metadata I/O unit: a multiple of both supported block sizes. */
export const META_BLOCK = 4 * KiB;
export const CKPT_OFFSET = 2 * SB_REGION;
export const CKPT_HEADER_SIZE = META_BLOCK;
export const JOURNAL_BATCH_HEADER = 64;
/** The bytes `create` inspects to decide whether a device is empty. */
export const PROBE_SIZE = 64 * KiB;

export const MAX_NAME_BYTES = 255;
/** Upper bound of one replica's fixed fields in a checkpoint (uuid, name, entity id, size, flags, counts). */
export const REPLICA_CKPT_MAX = 16 + 2 + MAX_NAME_BYTES + 2 + MAX_NAME_BYTES + 8 + 1 + 4;

export const DEFAULT_CLUSTER_SIZE = 4 * MiB;
export const MIN_CLUSTER_SIZE = 64 * KiB;
export const MAX_CLUSTER_SIZE = 1024 * MiB;
export const DEFAULT_MAX_REPLICAS = 1024;

export const SbState = { Formatting: 1, Ready: 2, Destroyed: 3 } as const;
export type SbStateValue = (typeof SbState)[keyof typeof SbState];

export interface Layout {
  blockSize: number;
  clusterSize: number;
  deviceSize: number;
  maxReplicas: number;
  ckptOffset: number;
  ckptSlotSize: number;
  journalOffset: number;
  journalSize: number;
  dataOffset: number;
  clusterCount: number;
}

export interface Superblock extends Layout {
  version: number;
  state: SbStateValue;
  generation: number;
  /** Random per formatting; distinguishes this pool's metadata from any earlier pool's. */
  incarnation: Buffer;
  uuid: string;
  name: string;
  createdAt: number;
}

export interface LayoutOptions {
  blockSize: number;
  deviceSize: number;
  clusterSize?: number;
  maxReplicas?: number;
  /** Journal size in bytes (rounded to 4 KiB); default scales with the checkpoint size. */
  journalSize?: number;
}

export function computeLayout(o: LayoutOptions): Layout {
  const clusterSize = o.clusterSize ?? DEFAULT_CLUSTER_SIZE;
  if (!isPowerOfTwo(clusterSize) || clusterSize < MIN_CLUSTER_SIZE || clusterSize > MAX_CLUSTER_SIZE) {
    throw poolError(
      PoolErrors.INVALID_ARGUMENT,
      `cluster size ${clusterSize} must be a power of two between ${MIN_CLUSTER_SIZE} and ${MAX_CLUSTER_SIZE} bytes`,
    );
  }
  const maxReplicas = o.maxReplicas ?? DEFAULT_MAX_REPLICAS;
  if (!Number.isSafeInteger(maxReplicas) || maxReplicas < 1 || maxReplicas > 65536) {
    throw poolError(PoolErrors.INVALID_ARGUMENT, `max replicas ${maxReplicas} must be between 1 and 65536`);
  }
  // Upper bound on clusters, to size the checkpoint before the data offset is known.
  const maxClusters = Math.floor(o.deviceSize / clusterSize);
  const ckptSlotSize = alignUp(
    CKPT_HEADER_SIZE + 8 + maxReplicas * REPLICA_CKPT_MAX + maxClusters * 8,
    META_BLOCK,
  );
  const journalSize =
    o.journalSize !== undefined
      ? alignUp(Math.max(o.journalSize, 2 * META_BLOCK), META_BLOCK)
      : alignUp(Math.min(64 * MiB, Math.max(1 * MiB, 2 * ckptSlotSize)), META_BLOCK);
  const ckptOffset = CKPT_OFFSET;
  const journalOffset = ckptOffset + 2 * ckptSlotSize;
  const dataOffset = alignUp(journalOffset + journalSize, clusterSize);
  const clusterCount = dataOffset >= o.deviceSize ? 0 : Math.floor((o.deviceSize - dataOffset) / clusterSize);
  if (clusterCount < 1) {
    throw poolError(
      PoolErrors.DEVICE_TOO_SMALL,
      `device of ${o.deviceSize} bytes is too small for a pool with ${clusterSize}-byte clusters (metadata needs ${dataOffset} bytes)`,
    );
  }
  return {
    blockSize: o.blockSize,
    clusterSize,
    deviceSize: o.deviceSize,
    maxReplicas,
    ckptOffset,
    ckptSlotSize,
    journalOffset,
    journalSize,
    dataOffset,
    clusterCount,
  };
}

export function newIncarnation(): Buffer {
  return randomBytes(8);
}

export function encodeSuperblock(sb: Superblock): Buffer {
  const w = new Writer(SB_SIZE);
  w.bytes(SB_MAGIC).u32(sb.version).u32(sb.state).u64(sb.generation).bytes(sb.incarnation).uuid(sb.uuid);
  w.u32(sb.blockSize).u32(sb.clusterSize).u64(sb.deviceSize).u32(sb.maxReplicas);
  w.u64(sb.ckptOffset).u64(sb.ckptSlotSize).u64(sb.journalOffset).u64(sb.journalSize).u64(sb.dataOffset);
  w.u32(sb.clusterCount).u64(sb.createdAt).str(sb.name);
  const body = w.finish();
  if (body.length > SB_SIZE - 4)
    throw poolError(PoolErrors.INVALID_ARGUMENT, 'pool name too long for the superblock');
  const out = Buffer.alloc(SB_REGION);
  body.copy(out);
  out.writeUInt32LE(crc32c(out, 0, SB_SIZE - 4), SB_SIZE - 4);
  return out;
}

export type SuperblockProbe =
  | { kind: 'valid'; sb: Superblock }
  | { kind: 'empty' }
  /** Our magic but a bad checksum or unknown version. */
  | { kind: 'damaged'; reason: string }
  | { kind: 'foreign' };

export function decodeSuperblock(region: Buffer): SuperblockProbe {
  const b = region.subarray(0, SB_SIZE);
  if (b.every((x) => x === 0)) return { kind: 'empty' };
  if (!b.subarray(0, 8).equals(SB_MAGIC)) return { kind: 'foreign' };
  if (crc32c(b, 0, SB_SIZE - 4) !== b.readUInt32LE(SB_SIZE - 4))
    return { kind: 'damaged', reason: 'checksum mismatch' };
  try {
    const r = new Reader(b, 8, SB_SIZE - 4, 'superblock');
    const version = r.u32();
    if (version !== FORMAT_VERSION)
      return { kind: 'damaged', reason: `unsupported format version ${version}` };
    const state = r.u32() as SbStateValue;
    const sb: Superblock = {
      version,
      state,
      generation: r.u64(),
      incarnation: Buffer.from(r.bytes(8)),
      uuid: r.uuid(),
      blockSize: r.u32(),
      clusterSize: r.u32(),
      deviceSize: r.u64(),
      maxReplicas: r.u32(),
      ckptOffset: r.u64(),
      ckptSlotSize: r.u64(),
      journalOffset: r.u64(),
      journalSize: r.u64(),
      dataOffset: r.u64(),
      clusterCount: r.u32(),
      createdAt: r.u64(),
      name: r.str(),
    };
    if (state !== SbState.Formatting && state !== SbState.Ready && state !== SbState.Destroyed) {
      return { kind: 'damaged', reason: `unknown state ${state}` };
    }
    return { kind: 'valid', sb };
  } catch (e) {
    return { kind: 'damaged', reason: (e as Error).message };
  }
}

/** Consistency of a superblock's layout with itself and with the device it was read from. */
export function checkLayout(sb: Superblock, device: { blockSize: number; size: number }): void {
  const bad = (why: string) => poolError(PoolErrors.CORRUPT, `pool '${sb.name}' superblock: ${why}`);
  if (sb.blockSize !== device.blockSize) {
    throw poolError(
      PoolErrors.GEOMETRY_MISMATCH,
      `pool '${sb.name}' was created on a device with ${sb.blockSize}-byte blocks, but the device is opened with ${device.blockSize}-byte blocks; use blk_size=${sb.blockSize}`,
    );
  }
  if (sb.deviceSize > device.size) {
    throw poolError(
      PoolErrors.GEOMETRY_MISMATCH,
      `pool '${sb.name}' needs ${sb.deviceSize} bytes but the device has only ${device.size}; the device shrank`,
    );
  }
  if (!isPowerOfTwo(sb.clusterSize) || sb.clusterSize < MIN_CLUSTER_SIZE) throw bad('invalid cluster size');
  if (sb.ckptOffset !== CKPT_OFFSET || sb.ckptSlotSize % META_BLOCK !== 0)
    throw bad('invalid checkpoint area');
  if (sb.journalOffset !== sb.ckptOffset + 2 * sb.ckptSlotSize || sb.journalSize % META_BLOCK !== 0) {
    throw bad('invalid journal area');
  }
  if (sb.dataOffset < sb.journalOffset + sb.journalSize || sb.dataOffset % sb.clusterSize !== 0)
    throw bad('invalid data offset');
  if (sb.dataOffset + sb.clusterCount * sb.clusterSize > sb.deviceSize)
    throw bad('clusters extend past the device');
}

// ---- checkpoint header ----

export interface CheckpointHeader {
  incarnation: Buffer;
  seq: number;
  journalStart: number;
  payloadLen: number;
  payloadCrc: number;
}

export function encodeCheckpointHeader(h: CheckpointHeader): Buffer {
  const out = Buffer.alloc(CKPT_HEADER_SIZE);
  const w = new Writer(64);
  w.bytes(CKPT_MAGIC).u32(FORMAT_VERSION).u32(0).bytes(h.incarnation).u64(h.seq).u64(h.journalStart);
  w.u32(h.payloadLen).u32(h.payloadCrc);
  const body = w.finish();
  body.copy(out);
  out.writeUInt32LE(crc32c(out, 0, body.length), body.length);
  return out;
}

export function decodeCheckpointHeader(b: Buffer, incarnation: Buffer): CheckpointHeader | undefined {
  if (!b.subarray(0, 8).equals(CKPT_MAGIC)) return undefined;
  const headerLen = 48;
  if (crc32c(b, 0, headerLen) !== b.readUInt32LE(headerLen)) return undefined;
  const r = new Reader(b, 8, headerLen, 'checkpoint header');
  if (r.u32() !== FORMAT_VERSION) return undefined;
  r.u32();
  const inc = r.bytes(8);
  if (!inc.equals(incarnation)) return undefined;
  return {
    incarnation: Buffer.from(inc),
    seq: r.u64(),
    journalStart: r.u64(),
    payloadLen: r.u32(),
    payloadCrc: r.u32(),
  };
}

// ---- journal batch header ----

export interface BatchHeader {
  seq: number;
  payloadLen: number;
  nRecords: number;
}

/** A whole journal batch, padded to the metadata block size. */
export function encodeBatch(incarnation: Buffer, seq: number, nRecords: number, payload: Buffer): Buffer {
  const size = alignUp(JOURNAL_BATCH_HEADER + payload.length, META_BLOCK);
  const out = Buffer.alloc(size);
  const w = new Writer(JOURNAL_BATCH_HEADER);
  w.bytes(JRNL_MAGIC).bytes(incarnation).u64(seq).u32(payload.length).u32(nRecords);
  w.finish().copy(out);
  payload.copy(out, JOURNAL_BATCH_HEADER);
  const crc = crc32c(Buffer.concat([out.subarray(0, 32), payload]));
  out.writeUInt32LE(crc, 32);
  return out;
}

export function batchSize(payloadLen: number): number {
  return alignUp(JOURNAL_BATCH_HEADER + payloadLen, META_BLOCK);
}

/** Decode a batch header; returns undefined unless magic, incarnation and sequence match. */
export function decodeBatchHeader(
  b: Buffer,
  incarnation: Buffer,
  expectSeq: number,
): BatchHeader | undefined {
  if (b.length < JOURNAL_BATCH_HEADER || !b.subarray(0, 8).equals(JRNL_MAGIC)) return undefined;
  if (!b.subarray(8, 16).equals(incarnation)) return undefined;
  const r = new Reader(b, 16, 32, 'journal header');
  const seq = r.u64();
  if (seq !== expectSeq) return undefined;
  return { seq, payloadLen: r.u32(), nRecords: r.u32() };
}

export function batchChecksumOk(batch: Buffer, payloadLen: number): boolean {
  const crc = crc32c(
    Buffer.concat([
      batch.subarray(0, 32),
      batch.subarray(JOURNAL_BATCH_HEADER, JOURNAL_BATCH_HEADER + payloadLen),
    ]),
  );
  return crc === batch.readUInt32LE(32);
}
