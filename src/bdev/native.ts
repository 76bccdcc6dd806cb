/**
 * The optional native addon (native/uring.c, built at `npm ci` when a C compiler is there):
 * the io_uring engine (uring-engine.ts) and an exclusive file lock. Loaded once; when it is not
 * built, callers get the reason and fall back.
 */
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface NativeUring {
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

let addon: { native?: NativeUring; reason?: string } | undefined;

/** The native addon (io_uring and flock), or why it is not there. */
export function loadAddon(): { native?: NativeUring; reason?: string } {
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
