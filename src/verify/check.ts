/**
 * The check: after the workload (and any crash, fault or rebuild), every block of the region
 * must hold its last acknowledged content, or the content of a write to it that was issued
 * later and never acknowledged (in flight at the end, or failed). Anything else is a lost
 * acknowledged write (stale data), a misdirected write, or corruption.
 */
import type { BlockDevice } from '../bdev/index.js';
import { parseBlock, runIdBytes } from './stamp.js';
import type { JournalContent } from './journal.js';

export interface CheckOptions {
  /**
   * Claim only acknowledgements covered by a later completed flush (what must survive a power
   * loss); acknowledgements after the last flush are treated like writes in flight.
   */
  flushedOnly?: boolean;
  /** Most problems listed in detail (all are counted). */
  maxProblems?: number;
}

export type ProblemKind = 'lost' | 'unexpected' | 'misplaced' | 'corrupt';

export interface CheckProblem {
  kind: ProblemKind;
  lba: number;
  expected: string;
  found: string;
}

export interface CheckReport {
  device: string;
  blocks: number;
  /** Acknowledged writes the journal claims (after flushedOnly filtering). */
  ackedWrites: number;
  /** Blocks holding their last acknowledged content. */
  current: number;
  /** Blocks holding the content of a later, unacknowledged write (in flight or failed). */
  newerInFlight: number;
  /** Blocks holding a stamp newer than anything the journal recorded (its tail was lost). */
  newerUnrecorded: number;
  /** Blocks never acknowledged (any content is acceptable). */
  neverWritten: number;
  /** Unreadable stamps on blocks with a write in flight (a torn in-flight write). */
  tornInFlight: number;
  lost: number;
  unexpected: number;
  misplaced: number;
  corrupt: number;
  problems: CheckProblem[];
  passed: boolean;
}

interface Later {
  seqs: number[];
  zero: boolean;
}

/** Replay the journal into per-block expectations. */
export function expectations(
  journal: JournalContent,
  flushedOnly = false,
): { lastAck: Float64Array; ackZero: Uint8Array; later: Map<number, Later>; maxSeq: number; acked: number } {
  const { header, records } = journal;
  const n = header.numBlocks;
  const lastAck = new Float64Array(n);
  const ackZero = new Uint8Array(n);
  const later = new Map<number, Later>();
  let durableAcks = Infinity;
  if (flushedOnly) {
    durableAcks = 0;
    for (const r of records) if (r.type === 'flushed') durableAcks = Math.max(durableAcks, r.acks);
  }
  let maxSeq = 0;
  let ackIndex = 0;
  let acked = 0;
  for (const r of records) {
    if (r.type === 'flushed') continue;
    const b0 = r.lba - header.startBlock;
    if (r.type === 'intent') {
      maxSeq = Math.max(maxSeq, r.seq);
      for (let i = 0; i < r.blocks; i++) {
        const b = b0 + i;
        if (b < 0 || b >= n) continue;
        const l = later.get(b);
        if (l) {
          l.seqs.push(r.seq);
          l.zero ||= r.zero;
        } else {
          later.set(b, { seqs: [r.seq], zero: r.zero });
        }
      }
      continue;
    }
    // An ack: claimed only if it is covered by a flush when flushedOnly.
    if (ackIndex++ >= durableAcks) continue;
    acked++;
    for (let i = 0; i < r.blocks; i++) {
      const b = b0 + i;
      if (b < 0 || b >= n) continue;
      lastAck[b] = r.seq;
      ackZero[b] = r.zero ? 1 : 0;
      // Writes to a block are serialised, so intents up to this one are settled; a failed
      // write before it stays possible only until an acknowledged write replaces it.
      const l = later.get(b);
      if (l) {
        l.seqs = l.seqs.filter((s) => s > r.seq);
        if (l.seqs.length === 0) later.delete(b);
      }
    }
  }
  // `zero` means "one of the remaining later writes zeroed the block" (they all remain until
  // an acknowledged write settles them).
  return { lastAck, ackZero, later, maxSeq, acked };
}

/** Check a device (the nexus, or any in-sync child) against a journal. */
export async function checkDevice(
  device: BlockDevice,
  journal: JournalContent,
  options: CheckOptions = {},
): Promise<CheckReport> {
  const { header } = journal;
  if (header.blockSize !== device.blockSize) {
    throw new Error(
      `journal block size ${header.blockSize} differs from ${device.name}'s ${device.blockSize}`,
    );
  }
  if ((header.startBlock + header.numBlocks) * header.blockSize > device.size) {
    throw new Error(`the journal's region ends past the end of ${device.name}`);
  }
  const run = runIdBytes(header.runId);
  const exp = expectations(journal, options.flushedOnly);
  const max = options.maxProblems ?? 50;
  const rep: CheckReport = {
    device: device.name,
    blocks: header.numBlocks,
    ackedWrites: exp.acked,
    current: 0,
    newerInFlight: 0,
    newerUnrecorded: 0,
    neverWritten: 0,
    tornInFlight: 0,
    lost: 0,
    unexpected: 0,
    misplaced: 0,
    corrupt: 0,
    problems: [],
    passed: false,
  };
  const problem = (kind: ProblemKind, lba: number, expected: string, found: string) => {
    rep[kind]++;
    if (rep.problems.length < max) rep.problems.push({ kind, lba, expected, found });
  };
  const bs = header.blockSize;
  const chunkBlocks = Math.max(1, Math.floor((1 << 20) / bs));
  const buf = Buffer.alloc(chunkBlocks * bs);
  for (let b0 = 0; b0 < header.numBlocks; b0 += chunkBlocks) {
    const nb = Math.min(chunkBlocks, header.numBlocks - b0);
    const view = buf.subarray(0, nb * bs);
    await device.read((header.startBlock + b0) * bs, view);
    for (let i = 0; i < nb; i++) {
      const b = b0 + i;
      const lba = header.startBlock + b;
      const got = parseBlock(view.subarray(i * bs, (i + 1) * bs), run, lba);
      const acked = exp.lastAck[b]!;
      const zeroAck = exp.ackZero[b] === 1;
      const later = exp.later.get(b);
      const expected = acked === 0 ? 'never acknowledged' : zeroAck ? `zeros (seq ${acked})` : `seq ${acked}`;
      switch (got.kind) {
        case 'stamp':
          if (acked !== 0 && !zeroAck && got.seq === acked) rep.current++;
          else if (later?.seqs.includes(got.seq)) rep.newerInFlight++;
          else if (got.seq > exp.maxSeq) rep.newerUnrecorded++;
          else if (got.seq < acked) problem('lost', lba, expected, `seq ${got.seq} (older)`);
          // A seq this block was never written with (the journal knows every seq up to maxSeq).
          else problem('unexpected', lba, expected, `seq ${got.seq}`);
          break;
        case 'zero':
          if (acked === 0) rep.neverWritten++;
          else if (zeroAck) rep.current++;
          else if (later?.zero) rep.newerInFlight++;
          else problem('lost', lba, expected, 'zeros');
          break;
        case 'misplaced':
          problem('misplaced', lba, expected, `block for lba ${got.lba} (seq ${got.seq})`);
          break;
        case 'foreign':
        case 'garbage':
          if (acked === 0) rep.neverWritten++;
          else if (later) rep.tornInFlight++;
          else
            problem('corrupt', lba, expected, got.kind === 'foreign' ? 'a block of another run' : 'garbage');
          break;
      }
    }
  }
  rep.passed = rep.lost + rep.unexpected + rep.misplaced + rep.corrupt === 0;
  return rep;
}
