/**
 * The dirty-segment log ("I/O log") of a child that is out of sync: which segments may differ
 * from the healthy children, so that the child's return needs only a partial rebuild.
 *
 * The nexus always keeps the log in memory (the child's `pending` map). Mayastor stops there, so
 * a restart of the nexus's process (or a nexus moved elsewhere) forces a full rebuild. With an
 * IoLogStore the log is also persistent, DRBD-style write-intent:
 *
 *  - Bits only ever go from 0 to 1 while a log lives; the whole log is dropped when its child is
 *    back in sync. That makes in-place page updates safe against torn writes: any mix of an old
 *    and a new page is a superset of the old page.
 *  - The nexus sets the bits of a write *before* issuing that write to any child, and waits for
 *    them to be durable (`sync()`) first. Group commit: one fdatasync covers every write that
 *    dirtied a new segment meanwhile; writes to segments already dirty pay nothing.
 *  - The file is created atomically (temp, fsync, rename, fsync dir) with a checksummed header
 *    naming the nexus, the child and the log id. NexusInfo records the id, so a log left behind
 *    by an older incarnation of the nexus is never mistaken for the current one.
 *
 * File layout: a 4 KiB header, then the bitmap in 4 KiB pages (bit i = segment i, LSB first).
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { SegmentMap } from './segment-map.js';
import { crc32c } from '../core/crc32c.js';
import { fsyncDir } from './fsutil.js';

export interface IoLogMeta {
  nexusUuid: string;
  childUuid: string;
  /** Unique id of this log instance (a uuid); recorded in NexusInfo. */
  id: string;
  segmentSize: number;
  numSegments: number;
}

export interface IoLog {
  readonly meta: IoLogMeta;
  /** Segments that may differ; a superset of what the child is missing. */
  readonly map: SegmentMap;
  /** Set segments first..last; true if any bit was new (then call sync() before issuing the write). */
  mark(first: number, last: number): boolean;
  /** Resolves when every bit set before the call is durable. Rejects forever after a failure. */
  sync(): Promise<void>;
  /** Release resources (the stored log stays). */
  close(): Promise<void>;
}

export interface IoLogStore {
  /** A new, empty log; it becomes durable on its first sync(). */
  create(meta: IoLogMeta): IoLog;
  /** The stored log with exactly this identity and geometry, or undefined (missing, stale or corrupt). */
  load(meta: IoLogMeta): Promise<IoLog | undefined>;
  /** Delete a stored log (no error if it does not exist). */
  remove(ref: IoLogRef): Promise<void>;
  /** Every log stored for a nexus (to collect the ones NexusInfo no longer names). */
  list(nexusUuid: string): Promise<IoLogRef[]>;
}

export interface IoLogRef {
  nexusUuid: string;
  childUuid: string;
  id: string;
}

const MAGIC = 'MTSIOLOG';
const VERSION = 1;
const HEADER = 4096;
const PAGE = 4096;

function encodeHeader(meta: IoLogMeta): Buffer {
  const h = Buffer.alloc(HEADER);
  h.write(MAGIC, 0, 'latin1');
  h.writeUInt32LE(VERSION, 8);
  h.writeUInt32LE(meta.segmentSize, 16);
  h.writeUInt32LE(meta.numSegments, 20);
  h.writeDoubleLE(Date.now(), 24);
  h.write(meta.nexusUuid.padEnd(36, '\0'), 32, 36, 'latin1');
  h.write(meta.childUuid.padEnd(36, '\0'), 68, 36, 'latin1');
  h.write(meta.id.padEnd(36, '\0'), 104, 36, 'latin1');
  h.writeUInt32LE(crc32c(h), 12);
  return h;
}

function headerMatches(h: Buffer, meta: IoLogMeta): boolean {
  if (h.length < HEADER || h.toString('latin1', 0, 8) !== MAGIC) return false;
  if (h.readUInt32LE(8) !== VERSION) return false;
  const crc = h.readUInt32LE(12);
  const copy = Buffer.from(h.subarray(0, HEADER));
  copy.writeUInt32LE(0, 12);
  if (crc32c(copy) !== crc) return false;
  const str = (o: number) => h.toString('latin1', o, o + 36).replace(/\0+$/, '');
  return (
    h.readUInt32LE(16) === meta.segmentSize &&
    h.readUInt32LE(20) === meta.numSegments &&
    str(32) === meta.nexusUuid &&
    str(68) === meta.childUuid &&
    str(104) === meta.id
  );
}

function bitmapBytes(numSegments: number): number {
  return Math.ceil(Math.ceil(numSegments / 8) / PAGE) * PAGE;
}

class FileIoLog implements IoLog {
  private fd: number | undefined;
  private readonly dirty = new Set<number>();
  private running: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  private error: unknown;

  constructor(
    readonly meta: IoLogMeta,
    readonly map: SegmentMap,
    private readonly file: string,
    fd?: number,
  ) {
    this.fd = fd;
  }

  mark(first: number, last: number): boolean {
    let fresh = false;
    for (let s = first; s <= last; s++) {
      if (this.map.set(s)) {
        fresh = true;
        this.dirty.add(s >>> 15); // 8 * 4096 segments per page
      }
    }
    return fresh;
  }

  sync(): Promise<void> {
    if (this.error !== undefined) return Promise.reject(this.error as Error);
    if (this.queued) return this.queued;
    const prev = this.running;
    const token: { p?: Promise<void> } = {};
    const p = (async () => {
      // Always yield once, so `token.p` is set before it is published as running.
      await (prev ? prev.catch(() => undefined) : undefined);
      if (this.queued === token.p) this.queued = undefined;
      this.running = token.p;
      try {
        if (this.error !== undefined) throw this.error;
        await this.round();
      } catch (e) {
        this.error ??= e;
        throw e;
      } finally {
        if (this.running === token.p) this.running = undefined;
      }
    })();
    token.p = p;
    this.queued = p;
    return p;
  }

  /** One group commit: everything set before it started becomes durable. */
  private async round(): Promise<void> {
    if (this.fd === undefined) {
      // First sync: create the file atomically with the whole bitmap.
      this.dirty.clear();
      const bytes = bitmapBytes(this.meta.numSegments);
      const body = Buffer.alloc(HEADER + bytes);
      encodeHeader(this.meta).copy(body, 0);
      Buffer.from(this.map.bits.buffer, this.map.bits.byteOffset, this.map.bits.length).copy(body, HEADER);
      const tmp = `${this.file}.tmp`;
      const h = await fsp.open(tmp, 'w', 0o600);
      try {
        await h.writeFile(body);
        await h.datasync();
      } finally {
        await h.close();
      }
      await fsp.rename(tmp, this.file);
      await fsyncDir(path.dirname(this.file));
      this.fd = await new Promise<number>((res, rej) =>
        fs.open(this.file, 'r+', (e, fd) => (e ? rej(e) : res(fd))),
      );
      return;
    }
    if (this.dirty.size === 0) return;
    const pages = [...this.dirty];
    this.dirty.clear();
    const fd = this.fd;
    const bits = this.map.bits;
    await Promise.all(
      pages.map((p) => {
        const start = p * PAGE;
        const page = Buffer.alloc(PAGE);
        Buffer.from(bits.buffer, bits.byteOffset + start, Math.min(PAGE, bits.length - start)).copy(page);
        return new Promise<void>((res, rej) =>
          fs.write(fd, page, 0, PAGE, HEADER + start, (e) => (e ? rej(e) : res())),
        );
      }),
    );
    await new Promise<void>((res, rej) => fs.fdatasync(fd, (e) => (e ? rej(e) : res())));
  }

  async close(): Promise<void> {
    const pending = this.running ?? this.queued;
    if (pending) await pending.catch(() => undefined);
    const fd = this.fd;
    this.fd = undefined;
    this.error ??= new Error('io log closed');
    if (fd !== undefined) await new Promise<void>((res) => fs.close(fd, () => res()));
  }
}

/**
 * Persistent logs in a directory on the nexus's node, one file per log instance:
 * `<nexus uuid>_<child uuid>_<log id>.iolog`. The id in the name keeps a new log of a child
 * from ever being confused with (or deleted along with) an older one.
 */
export class FileIoLogStore implements IoLogStore {
  constructor(readonly dir: string) {}

  static async open(dir: string): Promise<FileIoLogStore> {
    await fsp.mkdir(dir, { recursive: true });
    return new FileIoLogStore(dir);
  }

  fileOf(ref: IoLogRef): string {
    return path.join(this.dir, `${ref.nexusUuid}_${ref.childUuid}_${ref.id}.iolog`);
  }

  create(meta: IoLogMeta): IoLog {
    return new FileIoLog(meta, new SegmentMap(meta.numSegments), this.fileOf(meta));
  }

  async load(meta: IoLogMeta): Promise<IoLog | undefined> {
    const file = this.fileOf(meta);
    let data: Buffer;
    try {
      data = await fsp.readFile(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    const bytes = bitmapBytes(meta.numSegments);
    if (data.length < HEADER + bytes || !headerMatches(data, meta)) return undefined;
    const map = new SegmentMap(meta.numSegments, new Uint8Array(data.subarray(HEADER, HEADER + bytes)));
    const fd = await new Promise<number>((res, rej) =>
      fs.open(file, 'r+', (e, fd) => (e ? rej(e) : res(fd))),
    );
    return new FileIoLog(meta, map, file, fd);
  }

  async remove(ref: IoLogRef): Promise<void> {
    try {
      await fsp.unlink(this.fileOf(ref));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    await fsyncDir(this.dir);
  }

  async list(nexusUuid: string): Promise<IoLogRef[]> {
    const out: IoLogRef[] = [];
    for (const f of await fsp.readdir(this.dir)) {
      const m = /^([^_]+)_([^_]+)_([^_]+)\.iolog$/.exec(f);
      if (m && m[1] === nexusUuid) out.push({ nexusUuid: m[1], childUuid: m[2]!, id: m[3]! });
    }
    return out;
  }
}
