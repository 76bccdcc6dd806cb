/**
 * Pools and replicas of one io-engine: pools by name, replicas by uuid (unique across the
 * node's pools), their NVMe-oF shares, and the node state file that brings pools and shares back
 * after a restart.
 *
 * Every mutating operation runs under one lock: they are short (one metadata commit), and a
 * single order of events makes create/destroy races (two CreatePool calls for the same name, a
 * destroy racing a share) impossible rather than unlikely. Operations are idempotent in
 * Mayastor's way: creating what exists with the same spec returns it; destroying, exporting or
 * unsharing what is not there succeeds.
 */
import { Mutex } from '../core/async.js';
import { invalidArgument, isMayastorError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { assertUuid } from '../core/uuid.js';
import { newIoStats, type BlockDevice, type IoStats } from '../bdev/types.js';
import { BdevErrors, type BdevRegistry } from '../bdev/index.js';
import { Pool, PoolErrors, type Replica } from '../pool/index.js';
import { engineError, EngineErrors } from './errors.js';
import { NvmfShares, replicaNqn, type ShareInfo } from './shares.js';
import type { NodeState, NodeStateFile, PoolRecord } from './state-file.js';
import type { PoolConfig } from './config.js';

export interface PoolEntry {
  pool: Pool;
  /** The disk URI as given. */
  disk: string;
  /** The device's name in the registry. */
  deviceName: string;
  /** I/O statistics of destroyed replicas, so that pool counters never go backwards. */
  retired: IoStats;
}

export interface CreatePoolArgs {
  name: string;
  uuid?: string;
  disk: string;
  clusterSize?: number;
  overwrite?: boolean;
}

export interface CreateReplicaArgs {
  uuid: string;
  name?: string;
  /** Pool name or uuid. */
  pool: string;
  size: number;
  thin: boolean;
  entityId?: string;
  share: 'none' | 'nvmf';
  allowedHosts: string[];
}

export interface ReplicaView {
  replica: Replica;
  entry: PoolEntry;
  share: ShareInfo | undefined;
  claimedBy: string | undefined;
}

export interface PoolManagerOptions {
  log: Logger;
  registry: BdevRegistry;
  shares: NvmfShares;
  stateFile: NodeStateFile | undefined;
  /** Who uses a replica as a nexus child, if anyone (the nexus manager knows). */
  claimOf: (replicaUuid: string) => string | undefined;
}

export function addStats(into: IoStats, s: IoStats): void {
  into.numReadOps += s.numReadOps;
  into.bytesRead += s.bytesRead;
  into.numWriteOps += s.numWriteOps;
  into.bytesWritten += s.bytesWritten;
  into.numUnmapOps += s.numUnmapOps;
  into.bytesUnmapped += s.bytesUnmapped;
  into.numFlushOps += s.numFlushOps;
  into.readLatencyUs += s.readLatencyUs;
  into.writeLatencyUs += s.writeLatencyUs;
  into.unmapLatencyUs += s.unmapLatencyUs;
  into.maxReadLatencyUs = Math.max(into.maxReadLatencyUs, s.maxReadLatencyUs);
  into.maxWriteLatencyUs = Math.max(into.maxWriteLatencyUs, s.maxWriteLatencyUs);
  into.maxUnmapLatencyUs = Math.max(into.maxUnmapLatencyUs, s.maxUnmapLatencyUs);
  const min = (a: number, b: number) => (a === 0 ? b : b === 0 ? a : Math.min(a, b));
  into.minReadLatencyUs = min(into.minReadLatencyUs, s.minReadLatencyUs);
  into.minWriteLatencyUs = min(into.minWriteLatencyUs, s.minWriteLatencyUs);
  into.minUnmapLatencyUs = min(into.minUnmapLatencyUs, s.minUnmapLatencyUs);
  into.numReadErrors += s.numReadErrors;
  into.numWriteErrors += s.numWriteErrors;
}

export class PoolManager {
  readonly pools = new Map<string, PoolEntry>();
  private readonly lock = new Mutex();
  private readonly log: Logger;
  private readonly registry: BdevRegistry;
  readonly shares: NvmfShares;
  private readonly stateFile: NodeStateFile | undefined;
  private readonly claimOf: (uuid: string) => string | undefined;
  /** Replica shares as recorded in the state file (restored after imports). */
  private state: NodeState | undefined;

  constructor(o: PoolManagerOptions) {
    this.log = o.log;
    this.registry = o.registry;
    this.shares = o.shares;
    this.stateFile = o.stateFile;
    this.claimOf = o.claimOf;
  }

  // ---------------------------------------------------------------- lookups

  /** A pool by name or uuid. */
  find(nameOrUuid: string): PoolEntry | undefined {
    const byName = this.pools.get(nameOrUuid);
    if (byName) return byName;
    const id = nameOrUuid.toLowerCase();
    for (const e of this.pools.values()) if (e.pool.uuid === id) return e;
    return undefined;
  }

  get(nameOrUuid: string): PoolEntry {
    const e = this.find(nameOrUuid);
    if (!e) {
      throw engineError(
        EngineErrors.POOL_NOT_FOUND,
        `no pool '${nameOrUuid}' on this node (pools: ${[...this.pools.keys()].join(', ') || 'none'})`,
      );
    }
    return e;
  }

  /** The replica of that uuid in any pool. */
  findReplica(uuid: string): { replica: Replica; entry: PoolEntry } | undefined {
    const id = uuid.toLowerCase();
    for (const entry of this.pools.values()) {
      const replica = entry.pool.replica(id);
      if (replica) return { replica, entry };
    }
    return undefined;
  }

  /** A replica by uuid or name (for bdev:/// child URIs). */
  findReplicaByNameOrUuid(key: string): Replica | undefined {
    const r = this.findReplica(key)?.replica;
    if (r) return r;
    for (const entry of this.pools.values()) {
      const byName = entry.pool.replicaByName(key);
      if (byName) return byName;
    }
    return undefined;
  }

  getReplica(uuid: string): ReplicaView {
    const found = this.findReplica(assertUuid(uuid, 'replica uuid'));
    if (!found) throw engineError(EngineErrors.REPLICA_NOT_FOUND, `no replica ${uuid} on this node`);
    return this.view(found.replica, found.entry);
  }

  view(replica: Replica, entry: PoolEntry): ReplicaView {
    return {
      replica,
      entry,
      share: this.shares.get(replica.uuid),
      claimedBy: this.claimOf(replica.uuid),
    };
  }

  listReplicas(): ReplicaView[] {
    const out: ReplicaView[] = [];
    for (const entry of this.pools.values())
      for (const r of entry.pool.replicas()) out.push(this.view(r, entry));
    return out;
  }

  /** Which pool uses a device of this registry name. */
  poolOfDevice(deviceName: string): PoolEntry | undefined {
    for (const e of this.pools.values()) if (e.deviceName === deviceName) return e;
    return undefined;
  }

  /** I/O statistics of a pool: its live replicas plus the ones destroyed. */
  poolStats(entry: PoolEntry): IoStats {
    const s = newIoStats();
    addStats(s, entry.retired);
    for (const r of entry.pool.replicas()) addStats(s, r.stats);
    return s;
  }

  // ---------------------------------------------------------------- pools

  private openDisk(disk: string): Promise<{ dev: BlockDevice; name: string; opened: boolean }> {
    const name = this.registry.nameOf(disk);
    const user = this.poolOfDevice(name);
    if (user) {
      throw engineError(EngineErrors.DISK_IN_USE, `disk ${name} is used by pool '${user.pool.name}'`);
    }
    const existing = this.registry.get(name);
    if (existing) {
      // A device created through BdevRpc.Create (e.g. a malloc disk) may host a pool.
      if (this.shares.get(`bdev:${name}`)) {
        throw engineError(EngineErrors.DISK_IN_USE, `disk ${name} is shared over NVMe-oF; unshare it first`);
      }
      return Promise.resolve({ dev: existing, name, opened: false });
    }
    return this.registry.create(disk).then((dev) => ({ dev, name, opened: true }));
  }

  private async closeDisk(name: string): Promise<void> {
    await this.registry.destroy(name).catch((e: unknown) => {
      if (!isMayastorError(e, BdevErrors.NOT_FOUND)) throw e;
    });
  }

  /** CreatePool: create, or import what the disk holds if it is this pool. */
  createPool(args: CreatePoolArgs): Promise<PoolEntry> {
    return this.lock.run(async () => {
      const existing = this.pools.get(args.name);
      if (existing) return this.sameSpec(existing, args);
      return this.bringUp(args, 'create');
    });
  }

  /** ImportPool: import the pool the disk holds (an already imported one is returned). */
  importPool(args: { name: string; uuid?: string; disk: string }): Promise<PoolEntry> {
    return this.lock.run(async () => {
      const existing = this.pools.get(args.name);
      if (existing) {
        this.sameSpec(existing, args);
        if (!existing.pool.isFaulted) return existing;
        // A faulted pool refuses everything until it is imported again: do that now.
        this.log.warn(
          { pool: args.name, reason: existing.pool.status().reason },
          're-importing faulted pool',
        );
        await this.dropPool(existing, 'export');
      }
      return this.bringUp(args, 'import');
    });
  }

  private sameSpec(existing: PoolEntry, args: { name: string; uuid?: string; disk: string }): PoolEntry {
    const devName = this.registry.nameOf(args.disk);
    if (
      devName !== existing.deviceName ||
      (args.uuid !== undefined && args.uuid.toLowerCase() !== existing.pool.uuid)
    ) {
      throw engineError(
        EngineErrors.POOL_EXISTS,
        `pool '${args.name}' already exists on disk ${existing.deviceName} with uuid ${existing.pool.uuid}; destroy or export it first, or choose another name`,
        { details: { disk: existing.disk, uuid: existing.pool.uuid } },
      );
    }
    return existing;
  }

  private async bringUp(args: CreatePoolArgs, how: 'create' | 'import'): Promise<PoolEntry> {
    const { dev, name, opened } = await this.openDisk(args.disk);
    let pool: Pool;
    try {
      pool =
        how === 'create'
          ? await Pool.create(dev, {
              name: args.name,
              ...(args.uuid !== undefined ? { uuid: args.uuid } : {}),
              ...(args.clusterSize !== undefined ? { clusterSize: args.clusterSize } : {}),
              ...(args.overwrite ? { overwrite: true } : {}),
              log: this.log,
            })
          : await Pool.import(dev, {
              name: args.name,
              ...(args.uuid !== undefined ? { uuid: args.uuid } : {}),
              log: this.log,
            });
    } catch (e) {
      if (opened) await this.closeDisk(name).catch(() => undefined);
      throw e;
    }
    for (const other of this.pools.values()) {
      if (other.pool.uuid === pool.uuid) {
        await pool.export().catch(() => undefined);
        if (opened) await this.closeDisk(name).catch(() => undefined);
        throw engineError(
          EngineErrors.POOL_EXISTS,
          `disk ${name} holds pool ${pool.uuid}, which is already imported as '${other.pool.name}' from ${other.deviceName}`,
        );
      }
    }
    const entry: PoolEntry = { pool, disk: args.disk, deviceName: name, retired: newIoStats() };
    this.pools.set(pool.name, entry);
    this.restoreShares(entry);
    this.remember(entry, pool.name);
    await this.persist();
    return entry;
  }

  exportPool(name: string, uuid?: string): Promise<boolean> {
    return this.lock.run(async () => {
      const e = this.pools.get(name);
      if (!e) return false;
      if (uuid !== undefined && uuid.toLowerCase() !== e.pool.uuid)
        throw engineError(EngineErrors.POOL_NOT_FOUND, `pool '${name}' has uuid ${e.pool.uuid}, not ${uuid}`);
      await this.dropPool(e, 'export');
      this.remember(undefined, name);
      await this.persist();
      return true;
    });
  }

  destroyPool(name: string, uuid?: string): Promise<boolean> {
    return this.lock.run(async () => {
      const e = this.pools.get(name);
      if (!e) return false;
      if (uuid !== undefined && uuid.toLowerCase() !== e.pool.uuid)
        throw engineError(EngineErrors.POOL_NOT_FOUND, `pool '${name}' has uuid ${e.pool.uuid}, not ${uuid}`);
      const uuids = e.pool.replicas().map((r) => r.uuid);
      await this.dropPool(e, 'destroy');
      for (const u of uuids) delete this.state?.replicaShares[u];
      this.remember(undefined, name);
      await this.persist();
      return true;
    });
  }

  private async dropPool(e: PoolEntry, how: 'export' | 'destroy'): Promise<void> {
    for (const r of e.pool.replicas()) {
      const by = this.claimOf(r.uuid);
      if (by) {
        throw engineError(
          EngineErrors.REPLICA_IN_USE,
          `cannot ${how} pool '${e.pool.name}': its replica ${r.uuid} is a child of ${by}`,
        );
      }
    }
    // Hosts are disconnected before the replicas close under them.
    for (const r of e.pool.replicas()) this.shares.unshare(r.uuid);
    if (how === 'export' || e.pool.isFaulted) await e.pool.export();
    else await e.pool.destroy();
    if (how === 'destroy' && e.pool.isFaulted) {
      this.log.warn({ pool: e.pool.name }, 'pool was faulted: released without erasing its metadata');
    }
    this.pools.delete(e.pool.name);
    await this.closeDisk(e.deviceName);
    this.log.info(
      { pool: e.pool.name, disk: e.deviceName },
      how === 'export' ? 'pool exported' : 'pool destroyed',
    );
  }

  // ---------------------------------------------------------------- replicas

  createReplica(a: CreateReplicaArgs): Promise<ReplicaView> {
    return this.lock.run(async () => {
      const uuid = assertUuid(a.uuid, 'replica uuid');
      const entry = this.get(a.pool);
      const elsewhere = this.findReplica(uuid);
      if (elsewhere && elsewhere.entry !== entry) {
        throw engineError(
          EngineErrors.REPLICA_EXISTS,
          `replica ${uuid} already exists in pool '${elsewhere.entry.pool.name}'`,
        );
      }
      const replica = await entry.pool.createReplica({
        uuid,
        ...(a.name ? { name: a.name } : {}),
        size: a.size,
        thin: a.thin,
        ...(a.entityId !== undefined ? { entityId: a.entityId } : {}),
      });
      // Creating an existing replica with a share request applies it; without one it is left as is.
      if (a.share === 'nvmf') await this.doShare(replica, a.allowedHosts);
      return this.view(replica, entry);
    });
  }

  destroyReplica(uuid: string, pool?: string): Promise<boolean> {
    return this.lock.run(async () => {
      const id = assertUuid(uuid, 'replica uuid');
      const found = this.findReplica(id);
      if (!found) return false;
      if (pool !== undefined) {
        const p = found.entry.pool;
        if (pool !== p.name && pool.toLowerCase() !== p.uuid) {
          throw engineError(
            EngineErrors.REPLICA_NOT_FOUND,
            `replica ${id} is in pool '${p.name}', not '${pool}'`,
          );
        }
      }
      const by = this.claimOf(id);
      if (by) {
        throw engineError(
          EngineErrors.REPLICA_IN_USE,
          `replica ${id} is a child of ${by}; remove it from the nexus first`,
        );
      }
      this.shares.unshare(id);
      const stats = { ...found.replica.stats };
      await found.entry.pool.destroyReplica(id);
      addStats(found.entry.retired, stats);
      if (this.state?.replicaShares[id]) {
        delete this.state.replicaShares[id];
        await this.persist();
      }
      return true;
    });
  }

  shareReplica(uuid: string, allowedHosts: string[]): Promise<ReplicaView> {
    return this.lock.run(async () => {
      const v = this.getReplica(uuid);
      await this.doShare(v.replica, allowedHosts);
      return this.view(v.replica, v.entry);
    });
  }

  private async doShare(replica: Replica, allowedHosts: string[]): Promise<void> {
    const before = this.shares.get(replica.uuid);
    const changed =
      !before ||
      before.allowedHosts.length !== allowedHosts.length ||
      before.allowedHosts.some((h) => !allowedHosts.includes(h));
    const s = this.shares.share(replica.uuid, replicaNqn(replica.uuid), replica, allowedHosts);
    if (changed) {
      this.log.info({ replica: replica.uuid, uri: s.uri, allowedHosts: s.allowedHosts }, 'replica shared');
      if (this.state) {
        this.state.replicaShares[replica.uuid] = { protocol: 'nvmf', allowedHosts: s.allowedHosts };
        await this.persist();
      }
    }
  }

  unshareReplica(uuid: string): Promise<ReplicaView> {
    return this.lock.run(async () => {
      const v = this.getReplica(uuid);
      if (this.shares.unshare(v.replica.uuid)) {
        this.log.info({ replica: v.replica.uuid }, 'replica unshared');
        if (this.state) {
          delete this.state.replicaShares[v.replica.uuid];
          await this.persist();
        }
      }
      return this.view(v.replica, v.entry);
    });
  }

  resizeReplica(uuid: string, size: number): Promise<ReplicaView> {
    return this.lock.run(async () => {
      const v = this.getReplica(uuid);
      const before = v.replica.size;
      await v.entry.pool.resizeReplica(v.replica.uuid, size);
      if (v.replica.size !== before) this.shares.notifyResize(v.replica.uuid);
      return this.view(v.replica, v.entry);
    });
  }

  // ---------------------------------------------------------------- start and stop

  /** Import the pools of the state file and the configuration; failures are logged, not fatal. */
  async restore(configPools: PoolConfig[]): Promise<{ imported: string[]; failed: string[] }> {
    this.state = this.stateFile ? await this.stateFile.load() : undefined;
    const wanted = new Map<string, PoolRecord | PoolConfig>();
    for (const p of this.state?.pools ?? []) wanted.set(p.name, p);
    for (const p of configPools) wanted.set(p.name, p);
    const imported: string[] = [];
    const failed: string[] = [];
    for (const p of wanted.values()) {
      const t0 = Date.now();
      try {
        // Configured pools are created on an empty disk (Mayastor's -P); remembered ones were
        // created before, so a disk that lost its pool is an error, not a reason to format it.
        const fromConfig = configPools.some((c) => c.name === p.name);
        if (fromConfig)
          await this.createPool({ name: p.name, disk: p.disk, ...(p.uuid ? { uuid: p.uuid } : {}) });
        else await this.importPool({ name: p.name, disk: p.disk, ...(p.uuid ? { uuid: p.uuid } : {}) });
        imported.push(p.name);
        this.log.info({ pool: p.name, disk: p.disk, ms: Date.now() - t0 }, 'pool ready');
      } catch (e) {
        failed.push(p.name);
        this.log.error(
          { pool: p.name, disk: p.disk, err: (e as Error).message },
          'cannot bring up pool at start',
        );
      }
    }
    return { imported, failed };
  }

  /** Share again the replicas of a newly imported pool that were shared before. */
  private restoreShares(entry: PoolEntry): void {
    if (!this.state || !this.shares.available) return;
    for (const r of entry.pool.replicas()) {
      const rec = this.state.replicaShares[r.uuid];
      if (!rec || this.shares.get(r.uuid)) continue;
      try {
        const s = this.shares.share(r.uuid, replicaNqn(r.uuid), r, rec.allowedHosts);
        this.log.info({ replica: r.uuid, uri: s.uri }, 'replica shared again after import');
      } catch (e) {
        this.log.error({ replica: r.uuid, err: (e as Error).message }, 'cannot share replica again');
      }
    }
  }

  /**
   * Remember or forget a pool in the state file. A pool that fails to come up at start stays
   * remembered (its disk may be back next time); only ExportPool and DestroyPool forget one.
   */
  private remember(entry: PoolEntry | undefined, name: string): void {
    if (!this.state) return;
    this.state.pools = this.state.pools.filter((p) => p.name !== name);
    if (entry) this.state.pools.push({ name, uuid: entry.pool.uuid, disk: entry.disk });
  }

  private async persist(): Promise<void> {
    if (!this.stateFile || !this.state) return;
    await this.stateFile.save(this.state);
  }

  /** Export every pool (a final checkpoint each); shares must already be stopped. */
  async shutdown(): Promise<void> {
    await this.lock.run(async () => {
      for (const e of [...this.pools.values()]) {
        try {
          await e.pool.export();
        } catch (err) {
          this.log.error(
            { pool: e.pool.name, err: (err as Error).message },
            'pool export failed at shutdown',
          );
        }
        await this.closeDisk(e.deviceName).catch(() => undefined);
      }
      // The state file keeps listing them: they are to be imported at the next start.
      this.pools.clear();
    });
  }
}

/** Map the proto pool name rules onto the pool layer's error for an empty name. */
export function checkPoolName(name: string): string {
  if (typeof name !== 'string' || name === '') throw invalidArgument('pool name is required');
  if (Buffer.byteLength(name) > 255 || name.includes('\0'))
    throw invalidArgument(`pool name '${name}' must be 1-255 bytes without NUL`);
  return name;
}

export { PoolErrors };
