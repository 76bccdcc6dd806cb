/**
 * xorshift32: a small, fast, seedable generator. Workloads, fuzzers, crash simulation and
 * benchmarks use it so that a seed reproduces a run everywhere. Not for anything secret.
 */
export class Prng {
  private x: number;

  constructor(seed: number) {
    this.x = seed >>> 0 || 0x9e3779b9;
  }

  /** The next 32-bit unsigned value. */
  next(): number {
    let x = this.x;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.x = x >>> 0;
    return this.x;
  }

  /** A number in [0, 1). */
  fraction(): number {
    return this.next() / 0x100000000;
  }

  /** An integer in [0, n) (0 when n <= 1). */
  below(n: number): number {
    return Math.floor(this.fraction() * n);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.fraction() < p;
  }

  pick<T>(a: readonly T[]): T {
    return a[this.below(a.length)]!;
  }

  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = this.next() & 0xff;
    return b;
  }
}
