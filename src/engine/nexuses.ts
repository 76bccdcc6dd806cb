/**
 * Nexuses of one io-engine, by uuid: creation over child URIs (local replicas through
 * bdev:///, remote ones through nvmf://), publishing over NVMe-oF or NBD, child operations and
 * rebuilds, and the NexusInfo / I/O-log stores that make freshness decidable after a crash.
 *
 * NexusInfo is file-backed here (`<stateDir>/nexus-info`, one JSON file per key, replaced
 * atomically) until the control plane's store takes over through the same NexusInfoStore
 * interface. Dirty-segment logs are file-backed too (`<stateDir>/io-logs`), so even a restart
 * of this io-engine keeps a returning child's rebuild partial.
 *
 * Operations on one nexus are serialised; different nexuses proceed independently.
 */
import path from 'node:path';
import { Mutex } from '../core/async.js';
import { describeError, invalidArgument } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { assertUuid, isUuid } from '../core/uuid.js';
import type { BlockDevice, IoStats } from '../bdev/types.js';
import type { FaultRule } from '../bdev/fault.js';
import {
  bdevError,
  BdevErrors,
  checkParams,
  DeviceView,
  parseUri,
  type BdevRegistry,
  type ParsedUri,
} from '../bdev/index.js';
import {
  FileIoLogStore,
  FileNexusInfoStore,
  MemoryNexusInfoStore,
  Nexus,
  type ChildStatus,
  type FaultReason,
  type IoLogStore,
  type NexusInfoStore,
  type NexusStatus,
} from '../nexus/index.js';
import { NvmfBlockDevice, registerNvmfScheme } from '../nvmf/initiator/index.js';
import type { EngineConfig } from './config.js';
import type { Frontends } from './frontends.js';
import type { VolumeSample } from './metrics.js';
import { engineError, EngineErrors } from './errors.js';
import { NQN_PREFIX } from './shares.js';
import type { NvmeController } from '../api/generated/mayastor/v1/NvmeController.js';
import type { FaultTarget } from '../api/generated/mayastor/v1/FaultTarget.js';
import type { FaultPoint } from './services/test.js';

export interface NexusManagerOptions {
  log: Logger;
  config: EngineConfig;
  registry: BdevRegistry;
  frontends: Frontends;
  /** Directory of the node state; NexusInfo and I/O logs live under it (memory when undefined). */
  stateDir: string | undefined;
  /** A local device for bdev:///<name>: a replica (by uuid or name) or a registry device. */
  findLocal: (key: string) => BlockDevice | undefined;
}

export interface Publication {
  protocol: 'nvmf' | 'nbd';
  uri: string;
  allowedHosts: string[];
  nqn: string | undefined;
}

export interface NexusEntry {
  nexus: Nexus;
  name: string;
  uuid: string;
  /** The size asked for (0: the smallest child). */
  requestedSize: number;
  /** Child URIs as given at creation (for the idempotency check). */
  createdWith: string[];
  infoKey: string;
  cntlid: { min?: number; max?: number };
  published: Publication | undefined;
  lock: Mutex;
  /** Logs rebuild progress while a rebuild runs (and only then: no timer when idle). */
  progressTimer: NodeJS.Timeout | undefined;
}

/** How often a running rebuild's progress is logged. */
const PROGRESS_LOG_MS = 5000;

export interface CreateNexusArgs {
  name: string;
  uuid: string;
  size: number;
  children: string[];
  infoKey?: string;
  minCntlId?: number;
  maxCntlId?: number;
}

export type ChildAction = 'Offline' | 'Online' | 'FaultIOError' | 'OfflinePermanent';

const STATUS_VALUE: Record<NexusStatus, number> = {
  Online: 1,
  Degraded: 2,
  Faulted: 3,
  ShuttingDown: 4,
  Shutdown: 5,
};

/** The uuid a child URI names (?uuid=...), if any. */
function uuidOfUri(uri: string): string | undefined {
  try {
    const v = parseUri(uri).params.get('uuid');
    return v !== undefined && isUuid(v) ? v.toLowerCase() : undefined;
  } catch {
    return undefined;
  }
}

export class NexusManager {
  readonly nexuses = new Map<string, NexusEntry>();
  private readonly createLock = new Mutex();
  private infoStore: NexusInfoStore | undefined;
  private ioLogStore: IoLogStore | undefined;
  private stopped = false;

  constructor(private readonly o: NexusManagerOptions) {}

  get available(): boolean {
    return true;
  }

  private get log(): Logger {
    return this.o.log;
  }

  /**
   * bdev:///<name>?uuid=<uuid> (and Mayastor's alias loopback:///): a handle on a local replica
   * or block device. Closing the handle (the nexus closing its child) leaves the device open.
   * nvmf:// and nvmf+tcp://: a remote replica through the NVMe-oF initiator, as this node's
   * host NQN.
   */
  registerSchemes(): void {
    const nameOf = (u: ParsedUri): string => {
      const name = u.path.replace(/^\/+/, '');
      if (u.host !== '' || name === '') {
        throw bdevError(
          BdevErrors.URI_INVALID,
          `'${u.uri}': expected bdev:///<replica uuid or name>?uuid=<uuid>`,
        );
      }
      return name;
    };
    const handler = {
      nameOf: (u: ParsedUri) => `bdev:///${nameOf(u)}`,
      create: (u: ParsedUri) => {
        checkParams(u, ['uuid']);
        const key = nameOf(u);
        const dev = this.o.findLocal(key);
        if (!dev)
          throw bdevError(BdevErrors.NOT_FOUND, `'${u.uri}': no local replica or block device '${key}'`);
        const want = u.params.get('uuid');
        if (want !== undefined && assertUuid(want, `'${u.uri}': uuid`) !== dev.uuid) {
          throw bdevError(BdevErrors.NOT_FOUND, `'${u.uri}': '${key}' has uuid ${dev.uuid}, not ${want}`);
        }
        return Promise.resolve<BlockDevice>(new DeviceView(dev, u.uri));
      },
    };
    this.o.registry.registerScheme('bdev', handler);
    this.o.registry.registerScheme('loopback', handler);
    registerNvmfScheme(this.o.registry, {
      hostNqn: this.o.config.hostNqn,
      ioTimeoutMs: Math.max(1000, this.o.config.nexus.childIoTimeoutMs || 5000),
      log: this.log.child({ component: 'nvmf-initiator' }),
    });
  }

  private async stores(): Promise<{ info: NexusInfoStore; ioLog: IoLogStore | undefined }> {
    if (!this.infoStore) {
      const dir = this.o.stateDir;
      if (dir) {
        this.infoStore = await FileNexusInfoStore.open(path.join(dir, 'nexus-info'));
        this.ioLogStore = await FileIoLogStore.open(path.join(dir, 'io-logs'));
      } else {
        this.log.warn('no state directory: NexusInfo is kept in memory and lost with the process');
        this.infoStore = new MemoryNexusInfoStore();
      }
    }
    return { info: this.infoStore, ioLog: this.ioLogStore };
  }

  // ---------------------------------------------------------------- lookups

  find(uuid: string): NexusEntry | undefined {
    return this.nexuses.get(uuid.toLowerCase());
  }

  get(uuid: string): NexusEntry {
    const e = this.find(assertUuid(uuid, 'nexus uuid'));
    if (!e) throw engineError(EngineErrors.NEXUS_NOT_FOUND, `no nexus ${uuid} on this node`);
    return e;
  }

  list(): NexusEntry[] {
    return [...this.nexuses.values()];
  }

  /** The child of a nexus a URI (or uuid) names: exact URI first, then the uuid it carries. */
  childKey(e: NexusEntry, uri: string): string | undefined {
    const children = e.nexus.children;
    const exact = children.find((c) => c.uri === uri || c.uuid === uri.toLowerCase());
    if (exact) return exact.uuid;
    const u = uuidOfUri(uri);
    return u && children.some((c) => c.uuid === u) ? u : undefined;
  }

  private requireChild(e: NexusEntry, uri: string): string {
    const k = this.childKey(e, uri);
    if (!k) {
      throw engineError(
        EngineErrors.NEXUS_NOT_FOUND,
        `nexus ${e.name} has no child ${uri} (children: ${e.nexus.children.map((c) => c.uri).join(', ')})`,
      );
    }
    return k;
  }

  /** Which nexus uses the replica of this uuid as a local child, if any. */
  claimOf(replicaUuid: string): string | undefined {
    const id = replicaUuid.toLowerCase();
    for (const e of this.nexuses.values()) {
      for (const c of e.nexus.children) {
        if (c.uuid === id && c.device instanceof DeviceView && c.state !== 'Closed') return `nexus ${e.name}`;
      }
    }
    return undefined;
  }

  // ---------------------------------------------------------------- create / destroy

  private async openChild(uri: string): Promise<BlockDevice> {
    try {
      return await this.o.registry.open(uri);
    } catch (e) {
      const err = e as Error & { kind?: string };
      // A bad URI is the caller's mistake; anything else is the child being unreachable.
      if (err.kind === 'InvalidArgument') throw e;
      throw engineError(EngineErrors.CHILD_OPEN_FAILED, `cannot open child ${uri}: ${describeError(e)}`, {
        cause: e,
      });
    }
  }

  private async openChildren(uris: string[]): Promise<BlockDevice[]> {
    const results = await Promise.allSettled(uris.map((u) => this.openChild(u)));
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) {
      await Promise.allSettled(results.map((r) => (r.status === 'fulfilled' ? r.value.close() : undefined)));
      throw failed.reason;
    }
    return results.map((r) => (r as PromiseFulfilledResult<BlockDevice>).value);
  }

  create(a: CreateNexusArgs): Promise<NexusEntry> {
    return this.createLock.run(async () => {
      if (this.stopped) throw engineError(EngineErrors.SHUTTING_DOWN, 'the io-engine is shutting down');
      const uuid = assertUuid(a.uuid, 'nexus uuid');
      if (a.children.length === 0) throw invalidArgument('children: a nexus needs at least one child URI');
      if (new Set(a.children).size !== a.children.length)
        throw invalidArgument('children: a URI is listed twice');
      for (const c of a.children) this.o.registry.nameOf(c); // validates scheme and syntax before opening anything
      const existing = this.nexuses.get(uuid);
      if (existing) {
        const same =
          existing.name === a.name &&
          (a.size === 0 || a.size === existing.nexus.size) &&
          a.children.length === existing.createdWith.length &&
          a.children.every((c) => existing.createdWith.includes(c));
        if (same) return existing;
        throw engineError(
          EngineErrors.NEXUS_EXISTS,
          `nexus ${uuid} already exists as '${existing.name}' (${existing.nexus.size} bytes, children ${existing.createdWith.join(', ')}); destroy it first`,
        );
      }
      for (const e of this.nexuses.values()) {
        if (e.name === a.name) {
          throw engineError(
            EngineErrors.NEXUS_EXISTS,
            `a nexus named '${a.name}' already exists with uuid ${e.uuid}`,
          );
        }
      }
      const t0 = performance.now();
      const devices = await this.openChildren(a.children);
      const { info, ioLog } = await this.stores();
      const infoKey = a.infoKey || `nexus/${uuid}`;
      let nexus: Nexus;
      try {
        nexus = await Nexus.create({
          name: a.name,
          uuid,
          ...(a.size > 0 ? { size: a.size } : {}),
          children: devices.map((device, i) => ({ device, uri: a.children[i]! })),
          infoStore: info,
          infoKey,
          ...(ioLog ? { ioLogStore: ioLog } : {}),
          childIoTimeoutMs: this.o.config.nexus.childIoTimeoutMs,
          log: this.log,
        });
      } catch (e) {
        await Promise.allSettled(devices.map((d) => d.close()));
        throw e;
      }
      const entry: NexusEntry = {
        nexus,
        name: a.name,
        uuid,
        requestedSize: a.size,
        createdWith: [...a.children],
        infoKey,
        cntlid: {
          ...(a.minCntlId ? { min: a.minCntlId } : {}),
          ...(a.maxCntlId ? { max: a.maxCntlId } : {}),
        },
        published: undefined,
        lock: new Mutex(),
        progressTimer: undefined,
      };
      this.nexuses.set(uuid, entry);
      this.watchRebuilds(entry);
      this.log.info(
        {
          nexus: a.name,
          uuid,
          size: nexus.size,
          children: a.children,
          status: nexus.status,
          ms: Math.round(performance.now() - t0),
        },
        'nexus created',
      );
      return entry;
    });
  }

  /** Unpublish, shut down cleanly and forget. Idempotent. */
  async destroy(uuid: string): Promise<boolean> {
    const e = this.find(assertUuid(uuid, 'nexus uuid'));
    if (!e) return false;
    await e.lock.run(async () => {
      await this.unpublishLocked(e);
      await e.nexus.close();
      clearTimeout(e.progressTimer);
      this.nexuses.delete(e.uuid);
    });
    this.log.info({ nexus: e.name, uuid: e.uuid }, 'nexus destroyed');
    return true;
  }

  /** Unpublish and shut down cleanly, keeping the nexus listed. Idempotent. */
  shutdownNexus(uuid: string): Promise<NexusEntry> {
    const e = this.get(uuid);
    return e.lock.run(async () => {
      await this.unpublishLocked(e);
      await e.nexus.close();
      this.log.info({ nexus: e.name }, 'nexus shut down');
      return e;
    });
  }

  // ---------------------------------------------------------------- publish

  publish(uuid: string, protocol: 'nvmf' | 'nbd', allowedHosts: string[]): Promise<NexusEntry> {
    const e = this.get(uuid);
    return e.lock.run(async () => {
      const st = e.nexus.status;
      if (st === 'Shutdown' || st === 'ShuttingDown') {
        throw engineError(
          EngineErrors.SHARE_CONFLICT,
          `nexus ${e.name} is shut down; destroy and create it again`,
        );
      }
      const p = e.published;
      if (p) {
        if (p.protocol !== protocol) {
          throw engineError(
            EngineErrors.SHARE_CONFLICT,
            `nexus ${e.name} is published over ${p.protocol.toUpperCase()} at ${p.uri}; unpublish it first`,
          );
        }
        if (protocol === 'nvmf') this.o.frontends.setNexusAllowedHosts(p.nqn!, allowedHosts);
        else if (allowedHosts.length > 0) this.o.frontends.publishNbd('', e.nexus, allowedHosts); // refuses, with why
        p.allowedHosts = [...allowedHosts];
        return e;
      }
      if (protocol === 'nvmf') {
        const nqn = `${NQN_PREFIX}:${e.name}`;
        const r = this.o.frontends.publishNvmf(nqn, e.nexus, allowedHosts, e.cntlid);
        e.published = { protocol, uri: r.uri, allowedHosts: [...allowedHosts], nqn };
      } else {
        const uri = this.o.frontends.publishNbd(e.name, e.nexus, allowedHosts);
        e.published = { protocol, uri, allowedHosts: [], nqn: undefined };
      }
      this.log.info({ nexus: e.name, uri: e.published.uri, allowedHosts }, 'nexus published');
      return e;
    });
  }

  unpublish(uuid: string): Promise<NexusEntry> {
    const e = this.get(uuid);
    return e.lock.run(async () => {
      await this.unpublishLocked(e);
      return e;
    });
  }

  private async unpublishLocked(e: NexusEntry): Promise<void> {
    const p = e.published;
    if (!p) return;
    e.published = undefined;
    if (p.protocol === 'nvmf') this.o.frontends.unpublishNvmf(p.nqn!);
    else await this.o.frontends.unpublishNbd(e.name);
    this.log.info({ nexus: e.name, uri: p.uri }, 'nexus unpublished');
  }

  // ---------------------------------------------------------------- children

  addChild(uuid: string, uri: string, rebuild: boolean): Promise<NexusEntry> {
    const e = this.get(uuid);
    return e.lock.run(async () => {
      if (this.childKey(e, uri)) return e;
      this.o.registry.nameOf(uri);
      const device = await this.openChild(uri);
      try {
        await e.nexus.addChild({ device, uri }, { rebuild });
      } catch (err) {
        await device.close().catch(() => undefined);
        throw err;
      }
      this.watchRebuilds(e);
      return e;
    });
  }

  removeChild(uuid: string, uri: string): Promise<NexusEntry> {
    const e = this.get(uuid);
    return e.lock.run(async () => {
      const key = this.childKey(e, uri);
      if (key) await e.nexus.removeChild(key);
      return e;
    });
  }

  faultChild(uuid: string, uri: string, reason: FaultReason = 'IoError'): Promise<NexusEntry> {
    const e = this.get(uuid);
    return e.lock.run(async () => {
      await e.nexus.faultChild(this.requireChild(e, uri), reason);
      return e;
    });
  }

  childOperation(uuid: string, uri: string, action: ChildAction): Promise<NexusEntry> {
    const e = this.get(uuid);
    return e.lock.run(async () => {
      const key = this.requireChild(e, uri);
      switch (action) {
        case 'Offline':
          await e.nexus.offlineChild(key);
          break;
        case 'FaultIOError':
          await e.nexus.faultChild(key, 'IoError');
          break;
        case 'OfflinePermanent':
          await e.nexus.faultChild(key, 'OfflinePermanent');
          break;
        case 'Online':
          await this.online(e, key);
          this.watchRebuilds(e);
          break;
      }
      return e;
    });
  }

  /** Whether a child's current device can carry I/O again (so onlining needs no new one). */
  private deviceUsable(dev: BlockDevice, uri: string): boolean {
    if (dev instanceof NvmfBlockDevice) return dev.state === 'live';
    if (dev instanceof DeviceView) {
      // A local replica whose pool was imported again is a new object: the old one is closed.
      try {
        const key = parseUri(uri).path.replace(/^\/+/, '');
        return this.o.findLocal(key) === dev.inner && !dev.isClosed;
      } catch {
        return false;
      }
    }
    return true;
  }

  /**
   * Online: the child comes back on its current device when that still works (a child taken
   * offline by request, a remote controller that reconnected by itself), otherwise through a
   * fresh device opened from its URI (a remote replica whose io-engine restarted, a local
   * replica whose pool was imported again). The nexus swaps a fresh device in once the I/O
   * issued to the old one has drained.
   */
  private async online(e: NexusEntry, key: string): Promise<void> {
    const child = e.nexus.child(key);
    if (child.state === 'Open') return;
    const old = child.device;
    if (this.deviceUsable(old, child.uri)) {
      await e.nexus.onlineChild(key);
      return;
    }
    this.log.info({ nexus: e.name, child: child.uri }, 'reopening child device to bring it online');
    const fresh = await this.openChild(child.uri);
    try {
      await e.nexus.onlineChild(key, { device: fresh });
    } catch (err) {
      await fresh.close().catch(() => undefined);
      throw err;
    }
    if (child.device === fresh && old !== fresh) {
      await old
        .close()
        .catch((err: unknown) =>
          this.log.debug(
            { child: child.uri, err: describeError(err) },
            'closing the old child device failed',
          ),
        );
    } else if (child.device !== fresh) {
      await fresh.close().catch(() => undefined);
    }
  }

  // ---------------------------------------------------------------- rebuild

  rebuild(uuid: string, uri: string, op: 'start' | 'stop' | 'pause' | 'resume'): Promise<NexusEntry> {
    const e = this.get(uuid);
    const key = this.requireChild(e, uri);
    const run = async () => {
      switch (op) {
        case 'start':
          e.nexus.startRebuild(key);
          break;
        case 'stop':
          await e.nexus.stopRebuild(key);
          break;
        case 'pause':
          await e.nexus.pauseRebuild(key);
          break;
        case 'resume':
          await e.nexus.resumeRebuild(key);
          break;
      }
      this.log.info({ nexus: e.name, child: uri, op }, 'rebuild control');
      if (op === 'start' || op === 'resume') this.watchRebuilds(e);
      return e;
    };
    // Pause and stop must not queue behind a long operation on the same nexus.
    return op === 'start' ? e.lock.run(run) : run();
  }

  childKeyOf(uuid: string, uri: string): { e: NexusEntry; key: string } {
    const e = this.get(uuid);
    return { e, key: this.requireChild(e, uri) };
  }

  /**
   * Log the progress of the nexus's running rebuilds every few seconds, for as long as any runs.
   * The timer exists only while a rebuild is active, so an idle io-engine has none.
   */
  private watchRebuilds(e: NexusEntry): void {
    if (e.progressTimer) return;
    const tick = () => {
      e.progressTimer = undefined;
      if (!this.nexuses.has(e.uuid)) return;
      const active = e.nexus.children.filter((c) => c.rebuild?.isActive);
      if (active.length === 0) return;
      for (const c of active) {
        const st = c.rebuild!.stats();
        this.log.info(
          {
            nexus: e.name,
            child: c.uri,
            state: st.state,
            partial: st.isPartial,
            progress: st.progress,
            blocksRecovered: st.blocksRecovered,
            blocksTotal: st.blocksTotal,
            mibPerSec: Math.round((st.throughputBytesPerSec / (1 << 20)) * 10) / 10,
          },
          'rebuild progress',
        );
      }
      e.progressTimer = setTimeout(tick, PROGRESS_LOG_MS);
      e.progressTimer.unref();
    };
    e.progressTimer = setTimeout(tick, PROGRESS_LOG_MS);
    e.progressTimer.unref();
  }

  // ---------------------------------------------------------------- status for other services

  childStatuses(e: NexusEntry): ChildStatus[] {
    return e.nexus.report().children;
  }

  bdevs(): Array<{ dev: BlockDevice; uri: string; shareUri: string; claimedBy: string }> {
    return this.list().map((e) => ({
      dev: e.nexus,
      uri: `bdev:///${e.name}?uuid=${e.uuid}`,
      shareUri: e.published?.uri ?? '',
      claimedBy: e.published ? `${e.published.protocol}-target` : '',
    }));
  }

  volumeSamples(): VolumeSample[] {
    return this.list().map((e) => {
      const r = e.nexus.report();
      const children = { online: 0, degraded: 0, faulted: 0 };
      for (const c of r.children) {
        if (c.wireState === 'ONLINE') children.online++;
        else if (c.wireState === 'FAULTED') children.faulted++;
        else children.degraded++;
      }
      return {
        pvName: e.name,
        status: STATUS_VALUE[r.status] ?? 0,
        children,
        rebuilds: r.rebuilds,
        stats: e.nexus.stats,
      };
    });
  }

  statsList(): Array<{ name: string; uuid: string; stats: IoStats }> {
    return this.list().map((e) => ({ name: e.name, uuid: e.uuid, stats: e.nexus.stats }));
  }

  nvmeControllers(): NvmeController[] {
    const out: NvmeController[] = [];
    for (const e of this.list()) {
      for (const c of e.nexus.children) {
        const d = c.device;
        if (d instanceof NvmfBlockDevice) {
          out.push({ name: d.name, state: d.state, size: d.size, blk_size: d.blockSize, uuid: d.uuid });
        }
      }
    }
    return out;
  }

  faultPoint(nexusUuid: string, childUri: string): FaultPoint {
    const e = this.get(nexusUuid);
    const key = this.requireChild(e, childUri);
    return {
      inject: (rule: FaultRule) => e.nexus.injectFault(key, rule),
      remove: (id: string) => e.nexus.removeFault(key, id),
      list: () => e.nexus.listFaults(key),
    };
  }

  faultTargets(): FaultTarget[] {
    const out: FaultTarget[] = [];
    for (const e of this.list()) {
      for (const c of e.nexus.children) {
        if (c.faults.list().length > 0)
          out.push({ target: 'nexus_child', nexus_child: { nexus_uuid: e.uuid, child_uri: c.uri } });
      }
    }
    return out;
  }

  /** At io-engine shutdown: unpublish everything, shut every nexus down cleanly. */
  async shutdown(): Promise<void> {
    this.stopped = true;
    await this.createLock.run(async () => {
      await Promise.all(
        this.list().map(async (e) => {
          clearTimeout(e.progressTimer);
          try {
            await this.unpublishLocked(e);
            await e.nexus.close();
            this.log.info({ nexus: e.name, status: e.nexus.status }, 'nexus shut down cleanly');
          } catch (err) {
            this.log.error({ nexus: e.name, err: describeError(err) }, 'nexus shutdown failed');
          }
        }),
      );
      this.nexuses.clear();
    });
  }
}
