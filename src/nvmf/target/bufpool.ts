/**
 * Reusable data buffers for the I/O path: power-of-two size classes from 4 KiB to the largest
 * transfer, kept on free lists up to a byte budget. A read's data buffer goes back to the pool
 * only after the socket has written it, a write's after the device has completed.
 */
const MIN_CLASS = 4096;

export class BufferPool {
  private readonly free = new Map<number, ArrayBuffer[]>();
  /** Only memory this pool allocated may come back to it (never Node's shared slab). */
  private readonly ours = new WeakSet<ArrayBuffer>();
  private held = 0;

  constructor(
    private readonly maxClass: number,
    /** Bytes the free lists may hold in all. */
    private readonly budget: number,
  ) {}

  /** A buffer of exactly `n` bytes (uninitialised; the caller fills all of it). */
  get(n: number): Buffer {
    if (n > this.maxClass) return Buffer.allocUnsafeSlow(n);
    const cls = sizeClass(n);
    const list = this.free.get(cls);
    const ab = list?.pop();
    if (ab) {
      this.held -= cls;
      return Buffer.from(ab, 0, n);
    }
    const fresh = new ArrayBuffer(cls);
    this.ours.add(fresh);
    return Buffer.from(fresh, 0, n);
  }

  /** Give back a buffer that `get` returned (views of it must no longer be in use). */
  put(b: Buffer): void {
    const ab = b.buffer as ArrayBuffer;
    if (b.byteOffset !== 0 || !this.ours.has(ab)) return;
    const cls = ab.byteLength;
    if (this.held + cls > this.budget) return;
    let list = this.free.get(cls);
    if (!list) this.free.set(cls, (list = []));
    list.push(ab);
    this.held += cls;
  }

  get heldBytes(): number {
    return this.held;
  }
}

function sizeClass(n: number): number {
  if (n <= MIN_CLASS) return MIN_CLASS;
  return 2 ** Math.ceil(Math.log2(n));
}
