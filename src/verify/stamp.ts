/**
 * Block stamps of the verifying workload. Every block it writes carries its own address, the
 * sequence number of the write, the run id and a CRC32C over the whole block, followed by a
 * payload derived from all three, so a block that is stale, misplaced, torn or from another
 * run is recognised from its content alone.
 *
 * Layout (little endian): 0 magic "MTSVBLK1" · 8 run id (16 bytes) · 24 lba (u64) · 32 seq (u64)
 * · 40 crc32c of the block with this field zero · 44 payload to the end of the block.
 */
import { crc32c } from '../core/crc32c.js';

export const STAMP_MAGIC = 'MTSVBLK1';
const CRC_AT = 40;
const PAYLOAD_AT = 44;

export function runIdBytes(runId: string): Buffer {
  const hex = runId.replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new Error(`run id '${runId}' is not a uuid`);
  return Buffer.from(hex, 'hex');
}

function writeU64(b: Buffer, at: number, v: number): void {
  b.writeUInt32LE(v % 0x100000000, at);
  b.writeUInt32LE(Math.floor(v / 0x100000000), at + 4);
}

function readU64(b: Buffer, at: number): number {
  return b.readUInt32LE(at) + b.readUInt32LE(at + 4) * 0x100000000;
}

/** Fill `block` (one block) with the stamp of (run, lba, seq). */
export function stampBlock(block: Buffer, run: Buffer, lba: number, seq: number): void {
  block.write(STAMP_MAGIC, 0, 'latin1');
  run.copy(block, 8);
  writeU64(block, 24, lba);
  writeU64(block, 32, seq);
  block.writeUInt32LE(0, CRC_AT);
  // Payload: an arithmetic progression keyed by (lba, seq): cheap, and differs for every write.
  let x = (Math.imul(lba ^ 0x5bd1e995, 0x9e3779b1) ^ Math.imul(seq, 0x85ebca6b) ^ run.readUInt32LE(0)) >>> 0;
  for (let at = PAYLOAD_AT; at + 4 <= block.length; at += 4) {
    block.writeUInt32LE(x, at);
    x = (x + 0x9e3779b9) >>> 0;
  }
  block.writeUInt32LE(crc32c(block), CRC_AT);
}

export type BlockContent =
  | { kind: 'stamp'; seq: number }
  | { kind: 'zero' }
  /** A valid stamp of another run (initial content left by an earlier run). */
  | { kind: 'foreign' }
  /** A stamp of this run written for another address (a misdirected write). */
  | { kind: 'misplaced'; lba: number; seq: number }
  /** Anything else: torn, corrupt, or never written by a verifier. */
  | { kind: 'garbage' };

export function parseBlock(block: Buffer, run: Buffer, lba: number): BlockContent {
  if (block.toString('latin1', 0, 8) !== STAMP_MAGIC) {
    for (let i = 0; i < block.length; i++) if (block[i] !== 0) return { kind: 'garbage' };
    return { kind: 'zero' };
  }
  const crc = block.readUInt32LE(CRC_AT);
  block.writeUInt32LE(0, CRC_AT);
  const ok = crc32c(block) === crc;
  block.writeUInt32LE(crc, CRC_AT);
  if (!ok) return { kind: 'garbage' };
  if (!run.equals(block.subarray(8, 24))) return { kind: 'foreign' };
  const at = readU64(block, 24);
  const seq = readU64(block, 32);
  if (at !== lba) return { kind: 'misplaced', lba: at, seq };
  return { kind: 'stamp', seq };
}
