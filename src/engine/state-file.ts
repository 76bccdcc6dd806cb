/**
 * What the io-engine remembers across restarts, in `<stateDir>/node-state.json`: the pools it
 * holds (to import them again at start) and how replicas are shared (to share them again with
 * the same allowed hosts). Written atomically: a temporary file, fsync, rename, fsync of the
 * directory, so a crash leaves either the old or the new state, never a torn one.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { engineError, EngineErrors } from './errors.js';

export interface PoolRecord {
  name: string;
  uuid: string;
  disk: string;
}

export interface ShareRecord {
  protocol: 'nvmf';
  allowedHosts: string[];
}

export interface NodeState {
  version: 1;
  pools: PoolRecord[];
  /** Replica shares by replica uuid. */
  replicaShares: Record<string, ShareRecord>;
}

export function emptyState(): NodeState {
  return { version: 1, pools: [], replicaShares: {} };
}

export async function writeFileAtomic(file: string, text: string): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.tmp`);
  const fh = await fs.open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(text);
    await fh.datasync();
  } finally {
    await fh.close();
  }
  await fs.rename(tmp, file);
  const d = await fs.open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

export class NodeStateFile {
  readonly file: string;

  constructor(readonly dir: string) {
    this.file = path.join(dir, 'node-state.json');
  }

  async load(): Promise<NodeState> {
    await fs.mkdir(this.dir, { recursive: true });
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return emptyState();
      throw engineError(EngineErrors.STATE_FILE, `cannot read ${this.file}: ${(e as Error).message}`, {
        cause: e,
      });
    }
    try {
      const v = JSON.parse(text) as Partial<NodeState>;
      if (v.version !== 1 || !Array.isArray(v.pools) || typeof v.replicaShares !== 'object')
        throw new Error('unexpected shape');
      return { version: 1, pools: v.pools, replicaShares: v.replicaShares ?? {} };
    } catch (e) {
      throw engineError(
        EngineErrors.STATE_FILE,
        `${this.file} is not a valid io-engine state file (${(e as Error).message}); move it away to start without restoring pools and shares`,
        { cause: e },
      );
    }
  }

  async save(state: NodeState): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true });
    await writeFileAtomic(this.file, JSON.stringify(state, null, 2) + '\n');
  }
}
