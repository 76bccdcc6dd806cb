/**
 * Buffer plumbing for the NBD hot path.
 *
 * `ByteQueue` holds what the socket delivered and hands out messages without copying when a
 * message lies within one received chunk (the common case: Node gives every socket read a fresh
 * buffer that nobody reuses, so keeping a view of it is safe). Only a message that straddles two
 * reads is copied.
 *
 * `SlabAllocator` carves reply buffers out of larger slabs, so a batch of replies costs one
 * allocation instead of one per reply, and replies allocated one after the other are adjacent in
 * memory: `coalesce` then merges them into a single buffer and one write system call. Each
 * connection has its own, so a reply buffer is never shared between clients (defence in depth
 * should a device ever return a read without filling the whole buffer).
 */

export class ByteQueue {
  private chunks: Buffer[] = [];
  /** Read position inside chunks[0]. */
  private pos = 0;
  /** Bytes buffered and not yet consumed. */
  length = 0;

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /** True when the next `n` bytes are contiguous in the first chunk (then read them with `head`). */
  contiguous(n: number): boolean {
    const c = this.chunks[0];
    return c !== undefined && c.length - this.pos >= n;
  }

  /** The first chunk and the read position in it; valid only after `contiguous` returned true. */
  get head(): Buffer {
    return this.chunks[0]!;
  }

  get headPos(): number {
    return this.pos;
  }

  /** Consume `n` bytes (n <= length). */
  advance(n: number): void {
    this.length -= n;
    while (n > 0) {
      const c = this.chunks[0]!;
      const left = c.length - this.pos;
      if (n < left) {
        this.pos += n;
        return;
      }
      n -= left;
      this.chunks.shift();
      this.pos = 0;
    }
  }

  /** Consume and return the next `n` bytes (n <= length): a view when contiguous, else a copy. */
  take(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    if (this.contiguous(n)) {
      const c = this.chunks[0]!;
      const out = c.subarray(this.pos, this.pos + n);
      this.advance(n);
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let done = 0;
    while (done < n) {
      const c = this.chunks[0]!;
      const k = Math.min(c.length - this.pos, n - done);
      c.copy(out, done, this.pos, this.pos + k);
      done += k;
      this.advance(k);
    }
    return out;
  }

  /** Drop up to `n` bytes; returns how many were dropped. */
  skip(n: number): number {
    const k = Math.min(n, this.length);
    this.advance(k);
    return k;
  }

  clear(): void {
    this.chunks = [];
    this.pos = 0;
    this.length = 0;
  }
}

export class SlabAllocator {
  private slab: Buffer | undefined;
  private used = 0;

  constructor(
    private readonly slabSize = 256 * 1024,
    /** Larger requests get a buffer of their own. */
    private readonly maxPooled = 64 * 1024,
  ) {}

  /**
   * An uninitialised buffer of `n` bytes. Callers fill every byte they send: replies are
   * headers they write and data a device read filled completely (on error no data is sent).
   */
  alloc(n: number): Buffer {
    if (n > this.maxPooled) return Buffer.allocUnsafe(n);
    if (this.slab === undefined || this.used + n > this.slabSize) {
      // The old slab lives on as long as replies carved from it are queued on a socket.
      this.slab = Buffer.allocUnsafe(this.slabSize);
      this.used = 0;
    }
    const b = this.slab.subarray(this.used, this.used + n);
    this.used += n;
    return b;
  }
}

/** Merge buffers that are adjacent views of the same memory (in order); others stay as they are. */
export function coalesce(bufs: Buffer[]): Buffer[] {
  if (bufs.length < 2) return bufs;
  const out: Buffer[] = [];
  let cur = bufs[0]!;
  for (let i = 1; i < bufs.length; i++) {
    const b = bufs[i]!;
    if (b.buffer === cur.buffer && b.byteOffset === cur.byteOffset + cur.length) {
      cur = Buffer.from(cur.buffer, cur.byteOffset, cur.length + b.length);
    } else {
      out.push(cur);
      cur = b;
    }
  }
  out.push(cur);
  return out;
}
