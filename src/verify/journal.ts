/**
 * The journal of the verifying workload: what was issued and what was acknowledged.
 *
 * Records, in the order the events happened:
 *   intent  (seq, lba, blocks, zero?)  before a write or write-zeroes is issued;
 *   ack     (seq, lba, blocks, zero?)  after the device acknowledged it;
 *   flushed (acks)                     a flush completed that was issued after `acks` acks.
 * Per block the workload never has two writes in flight, so for each block the records form
 * a sequence issue, ack, issue, ack, ...; the checker relies on it.
 *
 * Durability, honestly: the file journal appends in order and commits (write + fdatasync) in
 * groups, every few milliseconds and at the end. An acknowledgement counts only once its record
 * is durable: if the writer is killed, the acks still in memory are simply not claimed (their
 * writes are checked like writes in flight). The intent of a data write need not be durable
 * before the write is issued: a block holding a stamp newer than anything in the journal can
 * only come from a write issued after the journal's durable end, and the checker accepts it as
 * in flight. Zeros carry no stamp, so the intent of a write-zeroes or unmap is committed before
 * it is issued (the workload does that).
 *
 * File layout: a 64-byte header, then 32-byte records, each with a CRC32C; reading stops at the
 * first invalid record (a torn tail).
 */
import fs from 'node:fs';
import { crc32c } from '../core/crc32c.js';

export interface JournalHeader {
  runId: string;
  blockSize: number;
  /** First block of the region the workload uses. */
  startBlock: number;
  /** Blocks in the region. */
  numBlocks: number;
  createdAt: number;
}

export type JournalRecord =
  | { type: 'intent' | 'ack'; seq: number; lba: number; blocks: number; zero: boolean }
  | { type: 'flushed'; acks: number };

export interface JournalWriter {
  readonly header: JournalHeader;
  intent(seq: number, lba: number, blocks: number, zero: boolean): void;
  ack(seq: number, lba: number, blocks: number, zero: boolean): void;
  flushed(acksAtIssue: number): void;
  /** Ack records appended so far. */
  readonly acks: number;
  /** Make everything appended so far durable. */
  commit(): Promise<void>;
  close(): Promise<void>;
}

export interface JournalContent {
  header: JournalHeader;
  records: JournalRecord[];
}

/** For in-process use (tests): every record is "durable" as soon as it is appended. */
export class MemoryJournal implements JournalWriter {
  readonly records: JournalRecord[] = [];
  acks = 0;
  constructor(readonly header: JournalHeader) {}
  intent(seq: number, lba: number, blocks: number, zero: boolean): void {
    this.records.push({ type: 'intent', seq, lba, blocks, zero });
  }
  ack(seq: number, lba: number, blocks: number, zero: boolean): void {
    this.records.push({ type: 'ack', seq, lba, blocks, zero });
    this.acks++;
  }
  flushed(acksAtIssue: number): void {
    this.records.push({ type: 'flushed', acks: acksAtIssue });
  }
  commit(): Promise<void> {
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
  content(): JournalContent {
    return { header: this.header, records: this.records };
  }
}

const MAGIC = 'MTSVJRN1';
const HEADER = 64;
const REC = 32;
const T_INTENT = 1;
const T_ACK = 2;
const T_FLUSHED = 3;

function u64(b: Buffer, at: number, v: number): void {
  b.writeUInt32LE(v % 0x100000000, at);
  b.writeUInt32LE(Math.floor(v / 0x100000000), at + 4);
}

function r64(b: Buffer, at: number): number {
  return b.readUInt32LE(at) + b.readUInt32LE(at + 4) * 0x100000000;
}

function encodeHeader(h: JournalHeader): Buffer {
  const b = Buffer.alloc(HEADER);
  b.write(MAGIC, 0, 'latin1');
  Buffer.from(h.runId.replace(/-/g, ''), 'hex').copy(b, 8);
  b.writeUInt32LE(h.blockSize, 24);
  u64(b, 28, h.startBlock);
  u64(b, 36, h.numBlocks);
  b.writeDoubleLE(h.createdAt, 44);
  b.writeUInt32LE(crc32c(b.subarray(0, 60)), 60);
  return b;
}

function decodeHeader(b: Buffer): JournalHeader | undefined {
  if (b.length < HEADER || b.toString('latin1', 0, 8) !== MAGIC) return undefined;
  if (crc32c(b.subarray(0, 60)) !== b.readUInt32LE(60)) return undefined;
  const hex = b.toString('hex', 8, 24);
  const runId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return {
    runId,
    blockSize: b.readUInt32LE(24),
    startBlock: r64(b, 28),
    numBlocks: r64(b, 36),
    createdAt: b.readDoubleLE(44),
  };
}

function encodeRecord(type: number, seq: number, lba: number, blocks: number, flags: number): Buffer {
  const b = Buffer.alloc(REC);
  b.writeUInt8(type, 0);
  b.writeUInt8(flags, 1);
  b.writeUInt32LE(blocks, 4);
  u64(b, 8, lba);
  u64(b, 16, seq);
  b.writeUInt32LE(crc32c(b.subarray(0, 28)), 28);
  return b;
}

/** Append-only file journal with group commit. */
export class FileJournal implements JournalWriter {
  acks = 0;
  private buffered: Buffer[] = [];
  private position = HEADER;
  private tail: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private error: unknown;

  private constructor(
    readonly header: JournalHeader,
    private readonly fd: number,
  ) {}

  /** Create (or truncate) the journal file and make its header durable. */
  static async create(path: string, header: JournalHeader, autoCommitMs = 20): Promise<FileJournal> {
    const fd = await new Promise<number>((res, rej) =>
      fs.open(path, 'w', 0o644, (e, fd) => (e ? rej(e) : res(fd))),
    );
    const h = encodeHeader(header);
    await new Promise<void>((res, rej) => fs.write(fd, h, 0, h.length, 0, (e) => (e ? rej(e) : res())));
    await new Promise<void>((res, rej) => fs.fsync(fd, (e) => (e ? rej(e) : res())));
    const j = new FileJournal(header, fd);
    if (autoCommitMs > 0) {
      j.timer = setInterval(() => {
        j.commit().catch(() => undefined);
      }, autoCommitMs);
      j.timer.unref();
    }
    return j;
  }

  intent(seq: number, lba: number, blocks: number, zero: boolean): void {
    this.buffered.push(encodeRecord(T_INTENT, seq, lba, blocks, zero ? 1 : 0));
  }

  ack(seq: number, lba: number, blocks: number, zero: boolean): void {
    this.buffered.push(encodeRecord(T_ACK, seq, lba, blocks, zero ? 1 : 0));
    this.acks++;
  }

  flushed(acksAtIssue: number): void {
    this.buffered.push(encodeRecord(T_FLUSHED, acksAtIssue, 0, 0, 0));
  }

  commit(): Promise<void> {
    if (this.error !== undefined) return Promise.reject(this.error as Error);
    // One commit at a time, in order: the file is always a prefix of the event sequence.
    const p = this.tail.then(() => this.commitOnce());
    this.tail = p.catch(() => undefined);
    return p;
  }

  private async commitOnce(): Promise<void> {
    if (this.buffered.length === 0) return;
    const data = Buffer.concat(this.buffered);
    this.buffered = [];
    const at = this.position;
    this.position += data.length;
    try {
      await new Promise<void>((res, rej) =>
        fs.write(this.fd, data, 0, data.length, at, (e) => (e ? rej(e) : res())),
      );
      await new Promise<void>((res, rej) => fs.fdatasync(this.fd, (e) => (e ? rej(e) : res())));
    } catch (e) {
      this.error = e;
      throw e;
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    try {
      await this.commit();
    } finally {
      await new Promise<void>((res) => fs.close(this.fd, () => res()));
    }
  }
}

/** Read a journal file: the header and every valid record up to the first invalid one. */
export async function readJournal(path: string): Promise<JournalContent> {
  const data = await fs.promises.readFile(path);
  const header = decodeHeader(data);
  if (!header) throw new Error(`${path} is not a verify journal (bad header)`);
  const records: JournalRecord[] = [];
  for (let at = HEADER; at + REC <= data.length; at += REC) {
    const r = data.subarray(at, at + REC);
    if (crc32c(r.subarray(0, 28)) !== r.readUInt32LE(28)) break;
    const type = r.readUInt8(0);
    if (type === T_INTENT || type === T_ACK) {
      records.push({
        type: type === T_INTENT ? 'intent' : 'ack',
        seq: r64(r, 16),
        lba: r64(r, 8),
        blocks: r.readUInt32LE(4),
        zero: (r.readUInt8(1) & 1) !== 0,
      });
    } else if (type === T_FLUSHED) {
      records.push({ type: 'flushed', acks: r64(r, 16) });
    } else {
      break;
    }
  }
  return { header, records };
}
