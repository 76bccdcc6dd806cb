/**
 * Bounds-checked binary encoding for on-disk metadata. A reader never trusts a length it reads:
 * running past the end raises POOL_CORRUPT instead of crashing or reading garbage.
 */
import { poolError, PoolErrors } from './errors.js';
import { uuidFromBytes, uuidToBytes } from '../core/uuid.js';

const TWO32 = 2 ** 32;

export class Writer {
  private buf: Buffer;
  pos = 0;

  constructor(initial = 4096) {
    this.buf = Buffer.alloc(initial);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const b = Buffer.alloc(size);
    this.buf.copy(b, 0, 0, this.pos);
    this.buf = b;
  }

  u8(v: number): this {
    this.ensure(1);
    this.buf[this.pos++] = v;
    return this;
  }

  u16(v: number): this {
    this.ensure(2);
    this.buf.writeUInt16LE(v, this.pos);
    this.pos += 2;
    return this;
  }

  u32(v: number): this {
    this.ensure(4);
    this.buf.writeUInt32LE(v >>> 0, this.pos);
    this.pos += 4;
    return this;
  }

  /** A non-negative safe integer in 8 bytes. */
  u64(v: number): this {
    this.ensure(8);
    this.buf.writeUInt32LE(v % TWO32, this.pos);
    this.buf.writeUInt32LE(Math.floor(v / TWO32), this.pos + 4);
    this.pos += 8;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  uuid(u: string): this {
    this.ensure(16);
    uuidToBytes(u, this.buf, this.pos);
    this.pos += 16;
    return this;
  }

  /** UTF-8 string with a u16 byte length. */
  str(s: string): this {
    const b = Buffer.from(s, 'utf8');
    return this.u16(b.length).bytes(b);
  }

  u32array(a: ArrayLike<number>): this {
    this.ensure(a.length * 4);
    for (let i = 0; i < a.length; i++) {
      this.buf.writeUInt32LE(a[i]! >>> 0, this.pos);
      this.pos += 4;
    }
    return this;
  }

  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

export class Reader {
  pos: number;

  constructor(
    private readonly buf: Buffer,
    start = 0,
    private readonly end = buf.length,
    private readonly what = 'metadata',
  ) {
    this.pos = start;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number): void {
    if (n < 0 || this.pos + n > this.end) {
      throw poolError(
        PoolErrors.CORRUPT,
        `${this.what}: truncated record (need ${n} bytes at ${this.pos}, have ${this.end - this.pos})`,
      );
    }
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  u64(): number {
    this.need(8);
    const lo = this.buf.readUInt32LE(this.pos);
    const hi = this.buf.readUInt32LE(this.pos + 4);
    this.pos += 8;
    if (hi >= 2 ** 21) throw poolError(PoolErrors.CORRUPT, `${this.what}: 64-bit value out of range`);
    return hi * TWO32 + lo;
  }

  bytes(n: number): Buffer {
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  uuid(): string {
    return uuidFromBytes(this.bytes(16));
  }

  str(): string {
    const n = this.u16();
    return this.bytes(n).toString('utf8');
  }

  u32array(n: number): Uint32Array {
    this.need(n * 4);
    const out = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      out[i] = this.buf.readUInt32LE(this.pos);
      this.pos += 4;
    }
    return out;
  }
}
