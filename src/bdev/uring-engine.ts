/**
 * The native io_uring engine (native/uring.c) as promises. One ring per JavaScript thread,
 * created on first use. Each request takes a slot (its callback lives there until the kernel
 * completes it); when all slots are busy or the ring is full, requests wait in a FIFO and go
 * out as completions free room.
 *
 * `loadUringEngine()` says why the engine is unavailable (no native build, io_uring disabled by
 * the kernel, ...) so devices can report what they fall back to.
 */
import { errnoError, loadAddon, type NativeUring } from './native.js';

const OP_READ = 0;
const OP_WRITE = 1;
const EBUSY = 16;
const RING_ENTRIES = 256;

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
