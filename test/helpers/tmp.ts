/** Temporary directories and files for tests, removed when the test ends. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { Prng } from '../../src/core/prng.js';

export function tmpDir(
  t: TestContext | { after: (fn: () => void) => void },
  prefix = 'mayastor-ts-',
): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Create a sparse file of `size` bytes and return its path. */
export function sparseFile(dir: string, name: string, size: number): string {
  const p = path.join(dir, name);
  const fd = fs.openSync(p, 'w');
  fs.ftruncateSync(fd, size);
  fs.closeSync(fd);
  return p;
}

/** Deterministic pseudo-random bytes (xorshift32), so failures reproduce. */
export function patternBuffer(size: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  const p = new Prng(seed);
  for (let i = 0; i < size; i += 4) {
    const x = p.next();
    if (i + 4 <= size) b.writeUInt32LE(x, i);
    else for (let j = i; j < size; j++) b[j] = (x >>> ((j - i) * 8)) & 0xff;
  }
  return b;
}
