/**
 * NexusInfo: what the nexus records about its children so that freshness is decided, never
 * guessed (Mayastor's `nexus_persistence.rs`). The control plane will keep it in etcd; here
 * is the interface, an in-memory store for tests and a crash-safe file store.
 *
 * The JSON shape is Mayastor's, `{"clean_shutdown":bool,"children":[{"uuid":…,"healthy":bool}]}`,
 * plus one optional field per child, `io_log`: the id of the persistent dirty-segment log that
 * covers every write the child has missed since it went out of sync (see io-log.ts). Readers
 * that do not know the field ignore it, and a missing field only means "full rebuild".
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { nexusError, NexusErrors } from './errors.js';
import { writeFileAtomic } from './fsutil.js';

export interface ChildInfo {
  uuid: string;
  healthy: boolean;
  /** Id of the persistent I/O log of an unhealthy child (our extension). */
  io_log?: string;
}

export interface NexusInfo {
  clean_shutdown: boolean;
  children: ChildInfo[];
}

export interface NexusInfoStore {
  /** The stored info, or undefined if the key has never been written. */
  get(key: string): Promise<NexusInfo | undefined>;
  /** Store durably; resolves only once the value would survive a crash of this process and host. */
  put(key: string, info: NexusInfo): Promise<void>;
  /** Forget a key (nexus destroyed for good). */
  delete(key: string): Promise<void>;
}

/** Validate a parsed value; throws NEXUS_INFO_CORRUPT if it is not a NexusInfo. */
export function parseNexusInfo(value: unknown, where: string): NexusInfo {
  const bad = (why: string) =>
    nexusError(NexusErrors.INFO_CORRUPT, `${where}: stored NexusInfo is invalid (${why})`);
  if (typeof value !== 'object' || value === null) throw bad('not an object');
  const v = value as Record<string, unknown>;
  if (typeof v.clean_shutdown !== 'boolean') throw bad('clean_shutdown is not a boolean');
  if (!Array.isArray(v.children)) throw bad('children is not an array');
  const children: ChildInfo[] = v.children.map((c: unknown, i: number) => {
    if (typeof c !== 'object' || c === null) throw bad(`children[${i}] is not an object`);
    const o = c as Record<string, unknown>;
    if (typeof o.uuid !== 'string' || o.uuid === '') throw bad(`children[${i}].uuid is not a string`);
    if (typeof o.healthy !== 'boolean') throw bad(`children[${i}].healthy is not a boolean`);
    if (o.io_log !== undefined && typeof o.io_log !== 'string')
      throw bad(`children[${i}].io_log is not a string`);
    const ci: ChildInfo = { uuid: o.uuid, healthy: o.healthy };
    if (typeof o.io_log === 'string') ci.io_log = o.io_log;
    return ci;
  });
  return { clean_shutdown: v.clean_shutdown, children };
}

function cloneInfo(i: NexusInfo): NexusInfo {
  return { clean_shutdown: i.clean_shutdown, children: i.children.map((c) => ({ ...c })) };
}

/** In-memory store: for tests, and to show what a memory-only record loses. */
export class MemoryNexusInfoStore implements NexusInfoStore {
  private readonly map = new Map<string, NexusInfo>();
  /** Number of puts that succeeded (tests use it to see what was persisted when). */
  puts = 0;
  /** When set, the next put calls it first; a throw fails the put (tests inject store failures). */
  beforePut: ((key: string, info: NexusInfo) => Promise<void> | void) | undefined;

  get(key: string): Promise<NexusInfo | undefined> {
    const v = this.map.get(key);
    return Promise.resolve(v ? cloneInfo(v) : undefined);
  }

  async put(key: string, info: NexusInfo): Promise<void> {
    if (this.beforePut) await this.beforePut(key, info);
    this.map.set(key, cloneInfo(info));
    this.puts++;
  }

  delete(key: string): Promise<void> {
    this.map.delete(key);
    return Promise.resolve();
  }
}

/**
 * One JSON file per key in a directory, replaced atomically (temp file, fsync, rename, fsync
 * the directory). Keys may contain slashes (etcd keys do); they are percent-encoded into one
 * file name.
 */
export class FileNexusInfoStore implements NexusInfoStore {
  constructor(readonly dir: string) {}

  static async open(dir: string): Promise<FileNexusInfoStore> {
    await fs.mkdir(dir, { recursive: true });
    return new FileNexusInfoStore(dir);
  }

  fileOf(key: string): string {
    return path.join(this.dir, `${encodeURIComponent(key)}.json`);
  }

  async get(key: string): Promise<NexusInfo | undefined> {
    let text: string;
    try {
      text = await fs.readFile(this.fileOf(key), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw nexusError(NexusErrors.INFO_CORRUPT, `${this.fileOf(key)}: stored NexusInfo is not JSON`, {
        cause: e,
      });
    }
    return parseNexusInfo(parsed, this.fileOf(key));
  }

  async put(key: string, info: NexusInfo): Promise<void> {
    await writeFileAtomic(this.fileOf(key), JSON.stringify(info) + '\n');
  }

  async delete(key: string): Promise<void> {
    await fs.rm(this.fileOf(key), { force: true });
  }
}
