/**
 * A bitmap of fixed-size device segments: which segments of a child may differ from the healthy
 * children. Mayastor's `SegmentMap` (core/segment_map.rs), single-threaded here.
 *
 * Bits are stored little-endian within bytes (bit i is byte i>>3, mask 1<<(i&7)) so the byte
 * array can be written to disk as is (see io-log.ts).
 */
export class SegmentMap {
  readonly bits: Uint8Array;
  private count = 0;

  constructor(
    readonly numSegments: number,
    bits?: Uint8Array,
  ) {
    const bytes = Math.ceil(numSegments / 8);
    if (bits) {
      if (bits.length < bytes) throw new RangeError(`segment map needs ${bytes} bytes, got ${bits.length}`);
      this.bits = bits;
      // Ignore stray bits past the end (they would make the count lie).
      const tail = numSegments & 7;
      if (tail !== 0) this.bits[bytes - 1]! &= (1 << tail) - 1;
      for (let i = bytes; i < bits.length; i++) this.bits[i] = 0;
      for (let i = 0; i < bytes; i++) this.count += popcount8(this.bits[i]!);
    } else {
      this.bits = new Uint8Array(bytes);
    }
  }

  /** Number of segments set. */
  get size(): number {
    return this.count;
  }

  isEmpty(): boolean {
    return this.count === 0;
  }

  isFull(): boolean {
    return this.count === this.numSegments;
  }

  test(seg: number): boolean {
    return (this.bits[seg >>> 3]! & (1 << (seg & 7))) !== 0;
  }

  set(seg: number): boolean {
    const i = seg >>> 3;
    const m = 1 << (seg & 7);
    const b = this.bits[i]!;
    if (b & m) return false;
    this.bits[i] = b | m;
    this.count++;
    return true;
  }

  clear(seg: number): boolean {
    const i = seg >>> 3;
    const m = 1 << (seg & 7);
    const b = this.bits[i]!;
    if (!(b & m)) return false;
    this.bits[i] = b & ~m;
    this.count--;
    return true;
  }

  /** Set segments first..last inclusive; returns how many were newly set. */
  setRange(first: number, last: number): number {
    let n = 0;
    for (let s = first; s <= last; s++) if (this.set(s)) n++;
    return n;
  }

  clearRange(first: number, last: number): number {
    let n = 0;
    for (let s = first; s <= last; s++) if (this.clear(s)) n++;
    return n;
  }

  setAll(): void {
    for (let s = 0; s < this.numSegments; s++) this.set(s);
  }

  /** The first set segment at or after `from`, or -1. */
  nextSet(from: number): number {
    if (this.count === 0) return -1;
    let s = from;
    while (s < this.numSegments) {
      const byte = this.bits[s >>> 3]!;
      if (byte === 0) {
        s = (s | 7) + 1;
        continue;
      }
      if (byte & (1 << (s & 7))) return s;
      s++;
    }
    return -1;
  }

  /** Merge another map of the same geometry into this one. */
  union(other: SegmentMap): void {
    for (let s = other.nextSet(0); s >= 0; s = other.nextSet(s + 1)) this.set(s);
  }

  clone(): SegmentMap {
    return new SegmentMap(this.numSegments, this.bits.slice());
  }
}

function popcount8(b: number): number {
  b = b - ((b >>> 1) & 0x55);
  b = (b & 0x33) + ((b >>> 2) & 0x33);
  return (b + (b >>> 4)) & 0x0f;
}
