/** Crash-safe small-file helpers for the nexus's local persistence. */
import fs from 'node:fs/promises';
import path from 'node:path';

/** fsync a directory so that a rename or unlink in it is durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const h = await fs.open(dir, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

/**
 * Replace `file` with `data` atomically and durably: write a temporary file in the same
 * directory, fsync it, rename it over the target, fsync the directory. A crash at any point
 * leaves either the old or the new content, never a mix.
 */
export async function writeFileAtomic(file: string, data: Uint8Array | string): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  const h = await fs.open(tmp, 'w', 0o600);
  try {
    await h.writeFile(data);
    await h.sync();
  } catch (e) {
    await h.close().catch(() => undefined);
    await fs.rm(tmp, { force: true });
    throw e;
  }
  await h.close();
  try {
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
  await fsyncDir(dir);
}
