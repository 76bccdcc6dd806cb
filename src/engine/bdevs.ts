/**
 * BdevRpc: block devices opened by hand (Create with a URI), and the listing of every block
 * device the io-engine holds: pool disks, replicas, nexuses and hand-made ones.
 */
import { Mutex } from '../core/async.js';
import { isMayastorError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { BlockDevice } from '../bdev/types.js';
import { BdevErrors, type BdevRegistry } from '../bdev/index.js';
import { engineError, EngineErrors } from './errors.js';
import { NQN_PREFIX, type NvmfShares } from './shares.js';
import type { PoolManager } from './pools.js';

export interface BdevView {
  name: string;
  uuid: string;
  numBlocks: number;
  blockSize: number;
  driver: string;
  uri: string;
  shareUri: string;
  claimedBy: string;
}

export function bdevShareKey(name: string): string {
  return `bdev:${name}`;
}

export class BdevManager {
  /** Devices created through BdevRpc.Create (only these can be destroyed or shared here). */
  private readonly created = new Set<string>();
  private readonly lock = new Mutex();

  constructor(
    private readonly log: Logger,
    private readonly registry: BdevRegistry,
    private readonly pools: PoolManager,
    private readonly shares: NvmfShares,
    /** Other block devices to list (nexuses), with who claims them. */
    private readonly extra: () => Array<{
      dev: BlockDevice;
      uri: string;
      shareUri: string;
      claimedBy: string;
    }>,
  ) {}

  private resolve(nameOrUri: string): string {
    if (this.registry.get(nameOrUri)) return nameOrUri;
    try {
      return this.registry.nameOf(nameOrUri);
    } catch {
      return nameOrUri;
    }
  }

  private claimOf(name: string): string {
    const p = this.pools.poolOfDevice(name);
    if (p) return `pool:${p.pool.name}`;
    if (this.shares.get(bdevShareKey(name))) return 'share';
    return '';
  }

  list(): BdevView[] {
    const out: BdevView[] = [];
    for (const dev of this.registry.list()) {
      const share = this.shares.get(bdevShareKey(dev.name));
      out.push({
        name: dev.name,
        uuid: dev.uuid,
        numBlocks: dev.numBlocks,
        blockSize: dev.blockSize,
        driver: dev.driver,
        uri: this.registry.uriOf(dev.name) ?? dev.name,
        shareUri: share?.uri ?? this.registry.uriOf(dev.name) ?? '',
        claimedBy: this.claimOf(dev.name),
      });
    }
    for (const v of this.pools.listReplicas()) {
      const r = v.replica;
      out.push({
        name: r.name,
        uuid: r.uuid,
        numBlocks: r.numBlocks,
        blockSize: r.blockSize,
        driver: r.driver,
        uri: `bdev:///${r.name}?uuid=${r.uuid}`,
        shareUri: v.share?.uri ?? `bdev:///${r.name}?uuid=${r.uuid}`,
        claimedBy: v.claimedBy ? `nexus:${v.claimedBy}` : '',
      });
    }
    for (const x of this.extra()) {
      out.push({
        name: x.dev.name,
        uuid: x.dev.uuid,
        numBlocks: x.dev.numBlocks,
        blockSize: x.dev.blockSize,
        driver: x.dev.driver,
        uri: x.uri,
        shareUri: x.shareUri,
        claimedBy: x.claimedBy,
      });
    }
    return out;
  }

  get(nameOrUri: string): BdevView {
    const name = this.resolve(nameOrUri);
    const v = this.list().find((b) => b.name === name);
    if (!v) throw engineError(EngineErrors.BDEV_NOT_FOUND, `no block device '${nameOrUri}'`);
    return v;
  }

  create(uri: string): Promise<BdevView> {
    return this.lock.run(async () => {
      const name = this.registry.nameOf(uri);
      const existing = this.registry.get(name);
      if (existing) {
        const prev = this.registry.uriOf(name);
        if (prev === uri.trim()) return this.get(name);
        throw engineError(
          EngineErrors.BDEV_IN_USE,
          `a block device named '${name}' already exists (created from ${prev ?? 'a pool'})`,
        );
      }
      await this.registry.create(uri);
      this.created.add(name);
      this.log.info({ bdev: name, uri }, 'block device created');
      return this.get(name);
    });
  }

  destroy(nameOrUri: string): Promise<boolean> {
    return this.lock.run(async () => {
      const name = this.resolve(nameOrUri);
      if (!this.registry.get(name)) return false;
      const claim = this.pools.poolOfDevice(name);
      if (claim) {
        throw engineError(
          EngineErrors.BDEV_IN_USE,
          `block device '${name}' is the disk of pool '${claim.pool.name}'`,
        );
      }
      if (!this.created.has(name)) {
        throw engineError(
          EngineErrors.BDEV_IN_USE,
          `block device '${name}' was not created with BdevRpc.Create`,
        );
      }
      this.shares.unshare(bdevShareKey(name));
      try {
        await this.registry.destroy(name);
      } catch (e) {
        if (!isMayastorError(e, BdevErrors.NOT_FOUND)) throw e;
      }
      this.created.delete(name);
      this.log.info({ bdev: name }, 'block device destroyed');
      return true;
    });
  }

  share(nameOrUri: string, allowedHosts: string[]): Promise<BdevView> {
    return this.lock.run(async () => {
      const name = this.resolve(nameOrUri);
      const dev = this.registry.get(name);
      if (!dev || !this.created.has(name)) {
        throw engineError(
          EngineErrors.BDEV_NOT_FOUND,
          `no block device '${nameOrUri}' created with BdevRpc.Create (replicas are shared with ShareReplica)`,
        );
      }
      const p = this.pools.poolOfDevice(name);
      if (p)
        throw engineError(
          EngineErrors.BDEV_IN_USE,
          `block device '${name}' is the disk of pool '${p.pool.name}'`,
        );
      // NQNs allow a limited alphabet: a name that does not fit (a file path) is shared by uuid.
      const id = /^[A-Za-z0-9._-]{1,64}$/.test(name) ? name : dev.uuid;
      const s = this.shares.share(bdevShareKey(name), `${NQN_PREFIX}:${id}`, dev, allowedHosts);
      this.log.info({ bdev: name, uri: s.uri }, 'block device shared');
      return this.get(name);
    });
  }

  unshare(nameOrUri: string): Promise<void> {
    return this.lock.run(() => {
      const name = this.resolve(nameOrUri);
      if (this.shares.unshare(bdevShareKey(name))) this.log.info({ bdev: name }, 'block device unshared');
      return Promise.resolve();
    });
  }

  /** Close everything created here (at shutdown; shares are already stopped). */
  async shutdown(): Promise<void> {
    for (const name of [...this.created]) {
      await this.registry.destroy(name).catch(() => undefined);
      this.created.delete(name);
    }
  }
}
