/** Sizes: parsing user input ("64MiB", "1G", "4096") and printing byte counts. */
import { invalidArgument } from './errors.js';

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;
export const TiB = 1024 * GiB;

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: KiB,
  kb: 1000,
  kib: KiB,
  m: MiB,
  mb: 1000 ** 2,
  mib: MiB,
  g: GiB,
  gb: 1000 ** 3,
  gib: GiB,
  t: TiB,
  tb: 1000 ** 4,
  tib: TiB,
};

/** Parse "4096", "64MiB", "1.5G", "10GB" into bytes. Single-letter suffixes are binary. */
export function parseSize(input: string | number): number {
  if (typeof input === 'number') {
    if (!Number.isSafeInteger(input) || input < 0) throw invalidArgument(`invalid size ${input}`);
    return input;
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(input);
  if (!m)
    throw invalidArgument(`invalid size '${input}': expected a number with an optional unit such as 64MiB`);
  const unit = UNITS[m[2]!.toLowerCase()];
  if (unit === undefined)
    throw invalidArgument(`invalid size unit in '${input}': use B, KiB, MiB, GiB or TiB`);
  const bytes = Math.round(Number(m[1]) * unit);
  if (!Number.isSafeInteger(bytes)) throw invalidArgument(`size '${input}' is too large`);
  return bytes;
}

export function formatBytes(n: number): string {
  const abs = Math.abs(n);
  if (abs >= TiB) return `${(n / TiB).toFixed(abs % TiB === 0 ? 0 : 2)}TiB`;
  if (abs >= GiB) return `${(n / GiB).toFixed(abs % GiB === 0 ? 0 : 2)}GiB`;
  if (abs >= MiB) return `${(n / MiB).toFixed(abs % MiB === 0 ? 0 : 2)}MiB`;
  if (abs >= KiB) return `${(n / KiB).toFixed(abs % KiB === 0 ? 0 : 2)}KiB`;
  return `${n}B`;
}

export function isPowerOfTwo(n: number): boolean {
  return Number.isSafeInteger(n) && n > 0 && (n & (n - 1)) === 0;
}

export function alignUp(n: number, align: number): number {
  return Math.ceil(n / align) * align;
}

export function alignDown(n: number, align: number): number {
  return Math.floor(n / align) * align;
}
