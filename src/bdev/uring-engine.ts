/**
 * The native io_uring engine (native/uring.c) as promises. One ring per JavaScript thread,
 * created on first use. Each request takes a slot (its callback lives there until the kernel
 * completes it); when all slots are busy or the ring is full, requests wait in a FIFO and go
 * out as completions free room.
 *
 * `loadUringEngine()` says why the engine is unavailable (no native build, io_uring disabled by
 * the kernel, ...) so devices can report what they fall back to.
 */
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface NativeUring {
  create(entries: number, onComplete: (n: number) => void): [unknown, Int32Array, number];
  rw(
    ring: unknown,
    op: number,
    slot: number,
    fd: number,
    buf: Buffer,
    off: number,
    len: number,
    pos: number,
  ): number;
  fsync(ring: unknown, slot: number, fd: number, datasync: boolean): number;
  close(ring: unknown): void;
  flock(fd: number): number;
}

const OP_READ = 0;
const OP_WRITE = 1;
const EBUSY = 16;
const RING_ENTRIES = 256;

/** An errno-style error, as Node's fs raises them, for fromErrno(). */
export function errnoError(negErrno: number, syscall: string): NodeJS.ErrnoException {
  const errno = -negErrno;
  const name = Object.entries(os.constants.errno).find(([, v]) => v === errno)?.[0] ?? `E${errno}`;
  const e = new Error(`${name}: ${syscall} failed (errno ${errno})`) as NodeJS.ErrnoException;
  e.code = name;
  e.errno = -errno;
  e.syscall = syscall;
  return e;
}

export class UringEngine {
  private readonly ring: unknown;
  private readonly completions: Int32Array;
  private readonly slots: Array<((res: number) => void) | undefined>;
  private readonly freeSlots: number[];
  private readonly waiting: Array<(slot: number) => boolean> = [];

  constructor(private readonly native: NativeUring) {
    const [ring, completions, capacity] = native.create(RING_ENTRIES, (n) => this.onComplete(n));
    this.ring = ring;
    this.completions = completions;
    this.slots = new Array<((res: number) => void) | undefined>(capacity);
    this.freeSlots = Array.from({ length: capacity }, (_, i) => capacity - 1 - i);
  }

  read(fd: number, buf: Buffer, off: number, len: number, pos: number): Promise<number> {
    return this.submit((slot) => this.native.rw(this.ring, OP_READ, slot, fd, buf, off, len, pos), 'read');
  }

  write(fd: number, buf: Buffer, off: number, len: number, pos: number): Promise<number> {
    return this.submit((slot) => this.native.rw(this.ring, OP_WRITE, slot, fd, buf, off, len, pos), 'write');
  }

  fdatasync(fd: number): Promise<number> {
    return this.submit((slot) => this.native.fsync(this.ring, slot, fd, true), 'fdatasync');
  }

  private submit(issue: (slot: number) => number, syscall: string): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const done = (res: number) => (res < 0 ? reject(errnoError(res, syscall)) : resolve(res));
      const attempt = (slot: number): boolean => {
        this.slots[slot] = done;
        const rc = issue(slot);
        if (rc === 0) return true;
        this.slots[slot] = undefined;
        if (rc === -EBUSY) return false;
        done(rc);
        return true;
      };
      if (this.waiting.length === 0) {
        const slot = this.freeSlots.pop();
        if (slot !== undefined) {
          if (attempt(slot)) return;
          this.freeSlots.push(slot);
        }
      }
      this.waiting.push(attempt);
    });
  }

  private onComplete(n: number): void {
    const c = this.completions;
    for (let i = 0; i < n; i++) {
      const slot = c[2 * i]!;
      const cb = this.slots[slot];
      this.slots[slot] = undefined;
      this.freeSlots.push(slot);
      cb?.(c[2 * i + 1]!);
    }
    while (this.waiting.length > 0) {
      const slot = this.freeSlots.pop();
      if (slot === undefined) break;
      if (!this.waiting[0]!(slot)) {
        this.freeSlots.push(slot);
        break;
      }
      this.waiting.shift();
    }
  }
}

let engine: UringEngine | undefined;
let unavailable: string | undefined;
let addon: { native?: NativeUring; reason?: string } | undefined;

/** The native addon (io_uring and flock), or why it is not there. */
function loadAddon(): { native?: NativeUring; reason?: string } {
  if (addon) return addon;
  const file = path.resolve(
    path.dirname(fileURLToPath(import.meta.url)),
    '..',
    '..',
    '..',
    'build',
    'Release',
    'mayastor_uring.node',
  );
  try {
    addon = { native: createRequire(import.meta.url)(file) as NativeUring };
  } catch {
    addon = {
      reason: `the native engine is not built (${file}; needs a C compiler and Node headers at npm ci)`,
    };
  }
  return addon;
}

/**
 * Take an exclusive, non-blocking flock on `fd`. Returns 'locked', 'busy' (another open file
 * description holds it: another process, or another open in this one), or 'unavailable' with
 * the reason when the addon is not built.
 */
export function lockExclusive(fd: number): { result: 'locked' | 'busy' | 'unavailable'; reason?: string } {
  const a = loadAddon();
  if (!a.native) return { result: 'unavailable', reason: a.reason };
  const rc = a.native.flock(fd);
  if (rc === 0) return { result: 'locked' };
  if (rc === -os.constants.errno.EWOULDBLOCK) return { result: 'busy' };
  return { result: 'unavailable', reason: `flock failed: ${errnoError(rc, 'flock').message}` };
}

/** The thread's io_uring engine, or the reason there is none. */
export function loadUringEngine(): { engine?: UringEngine; reason?: string } {
  if (engine) return { engine };
  if (unavailable) return { reason: unavailable };
  if (process.env.MAYASTOR_DISABLE_URING === '1')
    return { reason: (unavailable = 'disabled by MAYASTOR_DISABLE_URING=1') };
  const a = loadAddon();
  if (!a.native) return { reason: (unavailable = a.reason!) };
  const native = a.native;
  try {
    engine = new UringEngine(native);
    return { engine };
  } catch (e) {
    return { reason: (unavailable = `io_uring is not usable here: ${(e as Error).message}`) };
  }
}
