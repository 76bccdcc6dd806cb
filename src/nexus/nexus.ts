/**
 * The nexus: a BlockDevice that mirrors synchronously over N child BlockDevices (Mayastor's
 * volume controller). See docs/nexus.md for the design; the invariants in short:
 *
 *  1. A write (also write-zeroes, unmap, flush) goes to every writer (every Open child, in sync
 *     or being rebuilt) and is acknowledged only when every writer has completed it or has
 *     been retired, and at least one child that is healthy (Open and Synced) has completed it.
 *  2. A child that fails or times out an I/O is retired: first its dirty-segment log starts
 *     (with every write in flight marked), then it becomes Faulted, so no later write can
 *     skip it unrecorded. Nothing that depended on the child being out (any I/O completing
 *     after the retire) is acknowledged before NexusInfo records the change durably; if that
 *     record cannot be written, the nexus shuts down rather than acknowledge.
 *  3. NexusInfo never marks the last healthy child unhealthy (Mayastor's UpdateCond), so after
 *     a crash the store always names a child that holds every acknowledged write.
 *  4. While a child is out of sync, the bits of every write's segments are set in its log before
 *     the write is issued; with an IoLogStore they are durable before the write is issued.
 *  5. Reads come only from healthy children; a failed read retires that child and is retried on
 *     another one.
 */
import { BaseBlockDevice, type BlockDevice, type FaultRule, type FaultStatus } from '../bdev/index.js';
import { Mutex, Semaphore } from '../core/async.js';
import { describeError, isMayastorError, type MayastorError } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/log.js';
import { isPowerOfTwo } from '../core/units.js';
import { newUuid } from '../core/uuid.js';
import { BdevErrors } from '../bdev/errors.js';
import {
  IoKind,
  NexusChild,
  faultReasonOf,
  type ChildSpec,
  type CoarseClock,
  type IoWaiter,
} from './child.js';
import { nexusError, NexusErrors } from './errors.js';
import type { IoLogStore } from './io-log.js';
import type { ChildInfo, NexusInfo, NexusInfoStore } from './persistence.js';
import { RangeLock } from './range-lock.js';
import { DEFAULT_REBUILD_OPTIONS, RebuildJob, type RebuildHost, type RebuildOptions } from './rebuild.js';
import { SegmentMap } from './segment-map.js';
import {
  isRecoverable,
  wireChildState,
  type ChildState,
  type ChildSyncState,
  type FaultReason,
  type NexusStatus,
  type RebuildHistoryRecord,
  type RebuildState,
  type RebuildStats,
  type WireChildState,
  type WireChildStateReason,
} from './types.js';

export const DEFAULT_CHILD_IO_TIMEOUT_MS = 5000;
export const DEFAULT_SEGMENT_SIZE = 64 * 1024;

export interface NexusOptions {
  name: string;
  uuid?: string;
  /** Bytes; defaults to the smallest child (rounded down to a block). */
  size?: number;
  children: ChildSpec[];
  /** Where NexusInfo lives (etcd through the control plane later; a file store now). */
  infoStore: NexusInfoStore;
  /** NexusInfo key; defaults to `nexus/<uuid>`. */
  infoKey?: string;
  /** Persistent dirty-segment logs; without one the logs live in memory only (Mayastor's behaviour). */
  ioLogStore?: IoLogStore;
  /** Per-I/O timeout of every child; 0 disables it. Mayastor uses 5 s. */
  childIoTimeoutMs?: number;
  /** Granularity of the dirty-segment log and of rebuild locking; a power of two. */
  segmentSize?: number;
  rebuild?: Partial<RebuildOptions>;
  /** Start rebuilds by itself when a child comes back or is added (default true). */
  autoRebuild?: boolean;
  /** Close the child devices when the nexus closes (default true). */
  closeChildren?: boolean;
  /** Rebuild history records kept (default 64). */
  historyLimit?: number;
  log?: Logger;
}

export interface ChildStatus {
  uri: string;
  uuid: string;
  local: boolean;
  state: ChildState;
  syncState: ChildSyncState;
  reason: FaultReason | undefined;
  /** The state and reason the v1 gRPC API reports. */
  wireState: WireChildState;
  wireReason: WireChildStateReason;
  faultedAt: Date | undefined;
  hasIoLog: boolean;
  /** Segments that may differ from the healthy children (undefined when in sync). */
  dirtySegments: number | undefined;
  rebuildProgress: number | undefined;
}

export interface NexusStatusReport {
  name: string;
  uuid: string;
  size: number;
  blockSize: number;
  status: NexusStatus;
  children: ChildStatus[];
  rebuilds: number;
}

/** What re-creation decided for one child. */
export type ChildPlan =
  | { uuid: string; action: 'healthy' }
  | { uuid: string; action: 'partial'; logId: string }
  | { uuid: string; action: 'full'; why: string };

/**
 * Decide, from the stored NexusInfo, which children may be trusted on (re)creation.
 *  - No record: a new nexus; every child starts healthy.
 *  - Clean shutdown: every child recorded healthy is healthy.
 *  - Unclean shutdown: writes in flight at the crash may have reached some healthy children and
 *    not others, so only one child recorded healthy is trusted (local first, then in the order
 *    given) and the other recorded-healthy children are fully rebuilt from it.
 *  - A child recorded unhealthy with an io_log gets a partial rebuild if that log is found.
 *  - Anything else (unhealthy without a log, unknown child) gets a full rebuild.
 *  - If no child recorded healthy is present, refuse: an operator must decide.
 */
export function planRecovery(
  info: NexusInfo | undefined,
  children: ReadonlyArray<{ uuid: string; local: boolean }>,
): ChildPlan[] {
  if (!info) return children.map((c) => ({ uuid: c.uuid, action: 'healthy' }));
  const rec = new Map<string, ChildInfo>(info.children.map((c) => [c.uuid, c]));
  const healthy = children.filter((c) => rec.get(c.uuid)?.healthy === true);
  if (healthy.length === 0) {
    throw nexusError(
      NexusErrors.NO_HEALTHY_CHILD,
      `none of the given children is recorded healthy in NexusInfo (healthy: ${
        info.children
          .filter((c) => c.healthy)
          .map((c) => c.uuid)
          .join(', ') || 'none'
      }); manual intervention required`,
      { details: { recorded: info.children, given: children.map((c) => c.uuid) } },
    );
  }
  const source = info.clean_shutdown ? undefined : (healthy.find((c) => c.local) ?? healthy[0]!);
  return children.map((c): ChildPlan => {
    const r = rec.get(c.uuid);
    if (r?.healthy) {
      if (!source || source.uuid === c.uuid) return { uuid: c.uuid, action: 'healthy' };
      return { uuid: c.uuid, action: 'full', why: 'unclean shutdown: only one healthy child is trusted' };
    }
    if (r && r.io_log) return { uuid: c.uuid, action: 'partial', logId: r.io_log };
    return { uuid: c.uuid, action: 'full', why: r ? 'out of sync without an I/O log' : 'new child' };
  });
}

interface InflightWrite {
  offset: number;
  length: number;
}

/** Collects the outcome of one I/O fanned out to several children. */
/** Collects the outcome of one I/O fanned out to several children. */
abstract class FanOutBase implements IoWaiter {
  remaining = 0;
  children: NexusChild[] = [];
  failed: Array<{ child: NexusChild; err: unknown }> | undefined;
  childDone(child: NexusChild, err: unknown): void {
    if (err !== undefined) (this.failed ??= []).push({ child, err });
    if (--this.remaining === 0) this.done();
  }
  succeeded(c: NexusChild): boolean {
    if (!this.failed) return true;
    for (const f of this.failed) if (f.child === c) return false;
    return true;
  }
  protected abstract done(): void;
}

/** A fan-out that resolves a promise when every child has answered (flushes, shutdown). */
class FanOut extends FanOutBase {
  constructor(private readonly resolve: (fo: FanOut) => void) {
    super();
  }
  protected done(): void {
    this.resolve(this);
  }
}

/**
 * One application write (or write-zeroes, unmap) in flight: its fan-out, its entry in the set
 * of writes in flight (which a retire marks in the child's log), and its caller's promise. One
 * object per write keeps the hot path to a handful of allocations.
 */
class WriteOp extends FanOutBase implements InflightWrite {
  resolve!: () => void;
  reject!: (e: unknown) => void;
  release: (() => void) | undefined;
  constructor(
    readonly offset: number,
    readonly length: number,
    private readonly onDone: (op: WriteOp) => void,
  ) {
    super();
  }
  protected done(): void {
    this.onDone(this);
  }
}

interface PersistWaiter {
  target: number;
  resolve: () => void;
  reject: (e: unknown) => void;
}

type Lifecycle = 'Running' | 'ShuttingDown' | 'Shutdown';

export class Nexus extends BaseBlockDevice implements RebuildHost {
  readonly driver = 'nexus';
  readonly segmentSize: number;
  readonly numSegments: number;
  readonly rangeLock = new RangeLock();
  readonly slots: Semaphore;
  readonly log: Logger;
  readonly infoKey: string;
  readonly childIoTimeoutMs: number;

  private readonly infoStore: NexusInfoStore;
  private readonly ioLogStore: IoLogStore | undefined;
  private readonly rebuildOpts: RebuildOptions;
  private readonly autoRebuild: boolean;
  private readonly closeChildren: boolean;
  private readonly historyLimit: number;

  private readonly childList: NexusChild[] = [];
  /** Role snapshots, replaced (never mutated) on every state change so fan-outs can keep them. */
  private writers: NexusChild[] = [];
  private readers: NexusChild[] = [];
  /** Children whose dirty-segment map or log a write must mark. */
  private tracked: NexusChild[] = [];
  /** The range lock is consulted only while some child is being (or waits to be) rebuilt. */
  private lockActive = false;
  private rr = 0;

  /** Generation of the in-memory child health; NexusInfo is durable up to persistedGen. */
  private gen = 0;
  private persistedGen = 0;
  private persisting = false;
  private persistLoop: Promise<void> = Promise.resolve();
  private persistWaiters: PersistWaiter[] = [];
  private lastStored: NexusInfo | undefined;
  /**
   * The child whose retirement left the nexus without a healthy child. Every healthy child holds
   * every acknowledged write (a child that fails a write is retired before the write is
   * acknowledged), and once none is healthy nothing more is acknowledged: so this child, and
   * not the ones retired before it, is the one NexusInfo must keep naming healthy.
   */
  private lastHealthy: string | undefined;
  private cleanShutdown = false;

  private lifecycle: Lifecycle = 'Running';
  private shutdownError: MayastorError | undefined;

  /** Application I/O past the gate; pause() waits for it to drain. */
  private inflightIo = 0;
  private pauseCount = 0;
  private resumeWaiters: Array<() => void> = [];
  private drainWaiters: Array<() => void> = [];
  private quietWaiters: Array<() => void> = [];
  private readonly inflightWrites = new Set<InflightWrite>();

  private readonly admin = new Mutex();
  private timer: NodeJS.Timeout | undefined;
  /** Advanced by the timeout sweep; children stamp I/O deadlines from it. */
  private readonly clock: CoarseClock = { now: Date.now(), period: 0 };
  /** Children with I/O waiting for a timeout; while any, the timer keeps the process alive. */
  private busyChildren = 0;
  /** Set once the nexus is released: the timeout sweep never starts again. */
  private timerRetired = false;
  private readonly history: RebuildHistoryRecord[] = [];

  private constructor(opts: NexusOptions, blockSize: number, size: number) {
    super(opts.name, opts.uuid ?? newUuid(), blockSize, size / blockSize);
    this.log = (opts.log ?? silentLogger()).child({ nexus: opts.name });
    this.infoStore = opts.infoStore;
    this.infoKey = opts.infoKey ?? `nexus/${this.uuid}`;
    this.ioLogStore = opts.ioLogStore;
    this.childIoTimeoutMs = opts.childIoTimeoutMs ?? DEFAULT_CHILD_IO_TIMEOUT_MS;
    this.segmentSize = opts.segmentSize ?? DEFAULT_SEGMENT_SIZE;
    this.numSegments = Math.ceil(size / this.segmentSize);
    this.rebuildOpts = { ...DEFAULT_REBUILD_OPTIONS, ...opts.rebuild };
    this.slots = new Semaphore(Math.max(1, this.rebuildOpts.maxTasksPerNexus));
    this.autoRebuild = opts.autoRebuild ?? true;
    this.closeChildren = opts.closeChildren ?? true;
    this.historyLimit = opts.historyLimit ?? 64;
  }

  /**
   * Create (or re-create) a nexus. Reads NexusInfo, decides which children are trusted
   * (planRecovery), records the result durably, and only then accepts I/O. Out-of-sync
   * children are rebuilt (automatically unless autoRebuild is false).
   */
  static async create(opts: NexusOptions): Promise<Nexus> {
    if (opts.children.length === 0) {
      throw nexusError(NexusErrors.INVALID_ARGUMENT, `nexus ${opts.name}: at least one child is required`);
    }
    const bs = opts.children[0]!.device.blockSize;
    const uuids = new Set<string>();
    for (const c of opts.children) {
      if (c.device.blockSize !== bs) {
        throw nexusError(
          NexusErrors.CHILD_GEOMETRY,
          `nexus ${opts.name}: child ${c.device.name} has block size ${c.device.blockSize}, others ${bs}`,
        );
      }
      if (uuids.has(c.device.uuid)) {
        throw nexusError(
          NexusErrors.CHILD_EXISTS,
          `nexus ${opts.name}: child uuid ${c.device.uuid} given twice`,
        );
      }
      uuids.add(c.device.uuid);
    }
    const smallest = Math.min(...opts.children.map((c) => c.device.size));
    const size = opts.size ?? Math.floor(smallest / bs) * bs;
    if (!Number.isSafeInteger(size) || size <= 0 || size % bs !== 0) {
      throw nexusError(
        NexusErrors.INVALID_ARGUMENT,
        `nexus ${opts.name}: size ${size} is not a positive multiple of ${bs}`,
      );
    }
    for (const c of opts.children) {
      if (c.device.size < size) {
        throw nexusError(
          NexusErrors.CHILD_GEOMETRY,
          `nexus ${opts.name}: child ${c.device.name} (${c.device.size} bytes) is smaller than the nexus (${size} bytes)`,
        );
      }
    }
    const seg = opts.segmentSize ?? DEFAULT_SEGMENT_SIZE;
    if (!isPowerOfTwo(seg) || seg < bs) {
      throw nexusError(
        NexusErrors.INVALID_ARGUMENT,
        `nexus ${opts.name}: segment size ${seg} must be a power of two of at least one block (${bs})`,
      );
    }
    const nexus = new Nexus(opts, bs, size);
    await nexus.init(opts.children);
    return nexus;
  }

  private async init(specs: ChildSpec[]): Promise<void> {
    const info = await this.infoStore.get(this.infoKey);
    const children = specs.map((s) => new NexusChild(s, this.childIoTimeoutMs, this.childBusy, this.clock));
    const plan = planRecovery(
      info,
      children.map((c) => ({ uuid: c.uuid, local: c.local })),
    );
    for (let i = 0; i < children.length; i++) {
      const c = children[i]!;
      const p = plan[i]!;
      c.state = 'Open';
      if (p.action === 'healthy') {
        c.sync = 'Synced';
        continue;
      }
      c.sync = 'OutOfSync';
      if (p.action === 'partial' && this.ioLogStore) {
        const log = await this.ioLogStore.load(this.logMeta(c, p.logId));
        if (log) {
          c.log = log;
          c.logDurable = true;
          c.pending = log.map.clone();
          c.fullRebuild = false;
          this.log.info({ child: c.uri, dirtySegments: c.pending.size }, 'child needs a partial rebuild');
          continue;
        }
      }
      c.pending = new SegmentMap(this.numSegments);
      c.pending.setAll();
      c.fullRebuild = true;
      const why = p.action === 'full' ? p.why : 'its I/O log was not found';
      this.log.info({ child: c.uri, why }, 'child needs a full rebuild');
    }
    this.childList.push(...children);
    this.refreshRoles();
    // No I/O has been admitted yet, so the lock can start active without a pause.
    this.lockActive = children.some((c) => c.sync === 'OutOfSync');
    this.lastStored = info;
    this.gen++;
    await this.requestPersist();
    await this.collectLogs();
    this.startTimer();
    this.log.info(
      { status: this.status, children: this.childList.map((c) => `${c.uri}:${c.sync}`) },
      'nexus created',
    );
    if (this.autoRebuild) {
      for (const c of this.childList) if (c.state === 'Open' && c.sync === 'OutOfSync') this.startJob(c);
    }
  }

  // ---------------------------------------------------------------- status

  get status(): NexusStatus {
    if (this.lifecycle === 'Shutdown') return 'Shutdown';
    if (this.lifecycle === 'ShuttingDown') return 'ShuttingDown';
    const healthy = this.readers.length;
    if (healthy === this.childList.length) return 'Online';
    return healthy > 0 ? 'Degraded' : 'Faulted';
  }

  child(uuid: string): NexusChild {
    const c = this.childList.find((x) => x.uuid === uuid || x.uri === uuid);
    if (!c) throw nexusError(NexusErrors.CHILD_NOT_FOUND, `nexus ${this.name} has no child ${uuid}`);
    return c;
  }

  get children(): readonly NexusChild[] {
    return this.childList;
  }

  childStatus(c: NexusChild): ChildStatus {
    const wire = wireChildState(c.state, c.sync, c.reason);
    return {
      uri: c.uri,
      uuid: c.uuid,
      local: c.local,
      state: c.state,
      syncState: c.sync,
      reason: c.reason,
      wireState: wire.state,
      wireReason: wire.reason,
      faultedAt: c.faultedAt,
      hasIoLog: c.hasIoLog,
      dirtySegments: c.pending?.size,
      rebuildProgress: c.rebuild?.isActive ? c.rebuild.stats().progress : undefined,
    };
  }

  report(): NexusStatusReport {
    return {
      name: this.name,
      uuid: this.uuid,
      size: this.size,
      blockSize: this.blockSize,
      status: this.status,
      children: this.childList.map((c) => this.childStatus(c)),
      rebuilds: this.childList.filter((c) => c.rebuild?.isActive).length,
    };
  }

  /** The NexusInfo last written to the store. */
  get storedInfo(): NexusInfo | undefined {
    return this.lastStored;
  }

  // ---------------------------------------------------------------- fault injection

  injectFault(child: string, rule: FaultRule): string {
    return this.child(child).faults.inject(rule);
  }

  removeFault(child: string, id: string): boolean {
    return this.child(child).faults.remove(id);
  }

  listFaults(child: string): FaultStatus[] {
    return this.child(child).faults.list();
  }

  clearFaults(child?: string): void {
    for (const c of child ? [this.child(child)] : this.childList) c.faults.clear();
  }

  // ---------------------------------------------------------------- I/O gate

  private blockedError(): MayastorError | undefined {
    if (this.lifecycle === 'Running') return undefined;
    return this.shutdownError ?? nexusError(NexusErrors.SHUTDOWN, `nexus ${this.name} is shut down`);
  }

  /** Admit one application I/O (waits while paused). */
  private enter(): Promise<void> | undefined {
    if (this.pauseCount > 0) {
      return new Promise<void>((r) => this.resumeWaiters.push(r)).then(() => this.enter());
    }
    const err = this.blockedError();
    if (err) return Promise.reject(err);
    this.inflightIo++;
    return undefined;
  }

  private exit(): void {
    if (--this.inflightIo === 0) {
      if (this.drainWaiters.length > 0) {
        const w = this.drainWaiters;
        this.drainWaiters = [];
        for (const f of w) f();
      }
      if (this.quietWaiters.length > 0) {
        const w = this.quietWaiters;
        this.quietWaiters = [];
        for (const f of w) f();
      }
    }
  }

  appQuiet(): Promise<void> | undefined {
    if (this.inflightIo === 0) return undefined;
    return new Promise<void>((r) => this.quietWaiters.push(r));
  }

  /** Hold new application I/O and wait until none is in flight (Mayastor's pause). */
  private async pause(): Promise<void> {
    this.pauseCount++;
    if (this.inflightIo > 0) await new Promise<void>((r) => this.drainWaiters.push(r));
  }

  private resume(): void {
    if (--this.pauseCount > 0) return;
    const w = this.resumeWaiters;
    this.resumeWaiters = [];
    for (const f of w) f();
  }

  private noHealthyChild(lastErr: unknown): MayastorError {
    const blocked = this.blockedError();
    if (blocked) return blocked;
    // Keep "no space" visible to the frontend (NVMe CAPACITY_EXCEEDED).
    if (isMayastorError(lastErr, BdevErrors.NO_SPACE)) return lastErr;
    return nexusError(NexusErrors.FAULTED, `nexus ${this.name}: no healthy child left to serve the I/O`, {
      cause: lastErr,
      details: lastErr ? { lastChildError: describeError(lastErr) } : undefined,
    });
  }

  // ---------------------------------------------------------------- data path

  protected async doRead(offset: number, buf: Buffer): Promise<void> {
    const g = this.enter();
    if (g) await g;
    try {
      let lastErr: unknown;
      // Bounded: every failed attempt retires one child.
      for (let attempt = 0; attempt <= this.childList.length; attempt++) {
        const c = this.pickReader();
        if (!c) break;
        // Read into a private buffer: if this child times out, its late completion must not
        // scribble over the caller's buffer after another child has filled it.
        const tmp = Buffer.allocUnsafe(buf.length);
        try {
          await c.submit(IoKind.Read, offset, tmp);
          if (this.lifecycle === 'Shutdown') throw this.blockedError()!;
          tmp.copy(buf);
          return;
        } catch (e) {
          if (this.lifecycle === 'Shutdown') throw this.blockedError()!;
          lastErr = e;
          this.log.warn(
            { child: c.uri, offset, length: buf.length, error: describeError(e) },
            'child read failed',
          );
          this.retire(c, faultReasonOf(e));
        }
      }
      throw this.noHealthyChild(lastErr);
    } finally {
      this.exit();
    }
  }

  /** Least outstanding I/O among healthy children, round robin among equals. */
  private pickReader(): NexusChild | undefined {
    const rs = this.readers;
    const n = rs.length;
    if (n <= 1) return rs[0];
    const start = this.rr++ % n;
    let best = rs[start]!;
    for (let i = 1; i < n; i++) {
      const c = rs[(start + i) % n]!;
      if (c.active < best.active) best = c;
    }
    return best;
  }

  protected doWrite(offset: number, buf: Buffer): Promise<void> {
    return this.fanOutWrite(IoKind.Write, offset, buf.length, buf);
  }

  protected doUnmap(offset: number, length: number): Promise<void> {
    return this.fanOutWrite(IoKind.Unmap, offset, length, undefined);
  }

  protected doWriteZeroes(offset: number, length: number): Promise<void> {
    return this.fanOutWrite(IoKind.WriteZeroes, offset, length, undefined);
  }

  /** Issue one I/O to every child in `ws`; resolves (never rejects) when all have answered. */
  private dispatch(
    ws: NexusChild[],
    kind: IoKind,
    offset: number,
    length: number,
    buf: Buffer | undefined,
  ): Promise<FanOut> {
    return new Promise<FanOut>((resolve) => {
      const fo = new FanOut(resolve);
      this.issue(fo, ws, kind, offset, length, buf);
    });
  }

  private issue(
    fo: FanOutBase,
    ws: NexusChild[],
    kind: IoKind,
    offset: number,
    length: number,
    buf: Buffer | undefined,
  ): void {
    fo.children = ws;
    fo.remaining = ws.length;
    if (ws.length === 0) {
      fo.remaining = 1;
      fo.childDone(undefined as unknown as NexusChild, undefined);
      return;
    }
    for (const c of ws) c.io(kind, offset, buf, length, fo);
  }

  /**
   * A write, write-zeroes or unmap. The fast path (no pause, no rebuild lock, no child out of
   * sync) goes straight to the children with no await in between; otherwise the slow path
   * waits for the gate, takes the range lock and makes the dirty-segment logs durable first.
   */
  private fanOutWrite(kind: IoKind, offset: number, length: number, buf: Buffer | undefined): Promise<void> {
    if (
      this.pauseCount === 0 &&
      this.lifecycle === 'Running' &&
      !this.lockActive &&
      this.tracked.length === 0 &&
      this.readers.length > 0
    ) {
      this.inflightIo++;
      const op = new WriteOp(offset, length, this.writeDone);
      this.inflightWrites.add(op);
      return new Promise<void>((resolve, reject) => {
        op.resolve = resolve;
        op.reject = reject;
        this.issue(op, this.writers, kind, offset, length, buf);
      });
    }
    return this.fanOutWriteSlow(kind, offset, length, buf);
  }

  private async fanOutWriteSlow(
    kind: IoKind,
    offset: number,
    length: number,
    buf: Buffer | undefined,
  ): Promise<void> {
    const g = this.enter();
    if (g) await g;
    const op = new WriteOp(offset, length, this.writeDone);
    this.inflightWrites.add(op);
    try {
      if (this.lockActive) {
        const r = this.rangeLock.acquireShared(offset, length);
        op.release = typeof r === 'function' ? r : await r;
      }
      if (this.tracked.length > 0) {
        const m = this.markDirty(offset, length);
        if (m) await m;
      }
      if (this.readers.length === 0) throw this.noHealthyChild(undefined);
    } catch (e) {
      this.finishWrite(op);
      throw e;
    }
    return new Promise<void>((resolve, reject) => {
      op.resolve = resolve;
      op.reject = reject;
      this.issue(op, this.writers, kind, offset, length, buf);
    });
  }

  /** Every writer has answered a write: settle it (see settle()) and answer the caller. */
  private readonly writeDone = (op: WriteOp): void => {
    let p: Promise<void> | undefined;
    try {
      p = this.settle(op);
    } catch (e) {
      this.finishWrite(op);
      op.reject(e);
      return;
    }
    if (!p) {
      this.finishWrite(op);
      op.resolve();
      return;
    }
    p.then(
      () => {
        this.finishWrite(op);
        op.resolve();
      },
      (e: unknown) => {
        this.finishWrite(op);
        op.reject(e);
      },
    );
  };

  private finishWrite(op: WriteOp): void {
    op.release?.();
    this.inflightWrites.delete(op);
    this.exit();
  }

  protected async doFlush(): Promise<void> {
    const g = this.enter();
    if (g) await g;
    try {
      if (this.readers.length === 0) throw this.noHealthyChild(undefined);
      const fo = await this.dispatch(this.writers, IoKind.Flush, 0, 0, undefined);
      const p = this.settle(fo);
      if (p) await p;
    } finally {
      this.exit();
    }
  }

  /**
   * Complete a fanned-out I/O: retire every child that failed it, then succeed only if a child
   * that is healthy now completed it, and only once NexusInfo reflects every retire so far.
   * Returns undefined when that is settled synchronously (the common case), else a promise.
   *
   * No re-drive is needed: the writer set of an I/O is every Open child at issue time, and it
   * can only grow under pause(), which waits for in-flight I/O; so every child still in the
   * set afterwards has already completed this I/O.
   */
  private settle(fo: FanOutBase): Promise<void> | undefined {
    let lastErr: unknown;
    if (fo.failed) {
      for (const f of fo.failed) {
        lastErr = f.err;
        this.log.warn({ child: f.child.uri, error: describeError(f.err) }, 'child I/O failed');
        this.retire(f.child, faultReasonOf(f.err));
      }
    }
    let ok = false;
    for (const c of fo.children) {
      if (c.isHealthy && fo.succeeded(c)) {
        ok = true;
        break;
      }
    }
    const finish = () => {
      // Shut down (abandoned, or persistence failed) while the I/O was in flight: a dead
      // process acknowledges nothing.
      if (this.lifecycle === 'Shutdown') throw this.blockedError()!;
      if (!ok) throw this.noHealthyChild(lastErr);
    };
    if (this.persistedGen < this.gen) return this.requestPersist().then(finish);
    finish();
    return undefined;
  }

  /** Set the write's segments in every tracked child's map and log; resolves once the logs are durable. */
  private markDirty(offset: number, length: number): Promise<void> | undefined {
    const first = Math.floor(offset / this.segmentSize);
    const last = Math.floor((offset + length - 1) / this.segmentSize);
    let waits: Promise<void>[] | undefined;
    for (const c of this.tracked) {
      if (c.state !== 'Open' && c.pending && !c.pending.isFull()) c.pending.setRange(first, last);
      if (c.log && c.log.mark(first, last)) (waits ??= []).push(this.syncLog(c));
    }
    return waits ? Promise.all(waits).then(() => undefined) : undefined;
  }

  /** Make a child's log durable; if it cannot be, stop naming it in NexusInfo before going on. */
  private async syncLog(c: NexusChild): Promise<void> {
    const log = c.log!;
    try {
      await log.sync();
      return;
    } catch (e) {
      if (c.log === log) this.dropLog(c, e);
    }
    await this.requestPersist();
  }

  private dropLog(c: NexusChild, why: unknown): void {
    const log = c.log;
    if (!log) return;
    this.log.warn(
      { child: c.uri, error: describeError(why) },
      'I/O log cannot be made durable; the child will need a full rebuild after a restart',
    );
    c.log = undefined;
    c.logDurable = false;
    this.refreshRoles();
    this.gen++;
    void log.close();
    void this.ioLogStore?.remove(log.meta).catch(() => undefined);
  }

  private refreshRoles(): void {
    this.writers = this.childList.filter((c) => c.isWriter);
    this.readers = this.childList.filter((c) => c.isHealthy);
    this.tracked = this.childList.filter(
      (c) => !c.isHealthy && (c.pending !== undefined || c.log !== undefined),
    );
  }

  private logMeta(c: NexusChild, id: string) {
    return {
      nexusUuid: this.uuid,
      childUuid: c.uuid,
      id,
      segmentSize: this.segmentSize,
      numSegments: this.numSegments,
    };
  }

  // ---------------------------------------------------------------- retire

  /**
   * Take a child out of the I/O path (Mayastor's retire_child_device), in this order:
   *  1. start its dirty-segment log, with every write now in flight marked (they may or may not
   *     have reached it), so no write can skip the child unrecorded;
   *  2. Open -> Faulted(reason), stamped; later fan-outs no longer include it;
   *  3. end its rebuild, if any;
   *  4. bump the health generation and persist NexusInfo (log file first, then NexusInfo).
   * Every I/O that completes after step 2 waits for step 4 before it is acknowledged.
   * Synchronous up to step 4, so no I/O can interleave.
   */
  retire(c: NexusChild, reason: FaultReason): void {
    if (c.state !== 'Open') return;
    const wasHealthy = c.isHealthy || c.promoting;
    if (c.sync === 'Synced') {
      c.pending = new SegmentMap(this.numSegments);
      c.fullRebuild = false;
      if (this.ioLogStore && reason !== 'OfflinePermanent') {
        c.log = this.ioLogStore.create(this.logMeta(c, newUuid()));
        c.logDurable = false;
      }
    }
    const seg = this.segmentSize;
    for (const w of this.inflightWrites) {
      const first = Math.floor(w.offset / seg);
      const last = Math.floor((w.offset + w.length - 1) / seg);
      c.pending?.setRange(first, last);
      c.log?.mark(first, last);
    }
    c.state = 'Faulted';
    c.reason = reason;
    c.faultedAt = new Date();
    c.sync = 'OutOfSync';
    c.promoting = false;
    this.refreshRoles();
    if (wasHealthy && !this.childList.some((x) => x.isHealthy || (x.promoting && x.state === 'Open'))) {
      this.lastHealthy = c.uuid;
    }
    c.rebuild?.abort(`${c.uri} was retired (${reason})`);
    this.gen++;
    this.log.warn(
      { child: c.uri, reason, status: this.status, inflightWrites: this.inflightWrites.size },
      'child retired',
    );
    // Errors surface to the I/O waiting on the generation; nothing to do here.
    this.requestPersist().catch(() => undefined);
  }

  retireChild(c: NexusChild, reason: FaultReason): void {
    this.retire(c, reason);
  }

  // ---------------------------------------------------------------- NexusInfo persistence

  /** Resolves when NexusInfo reflects every health change made before the call. */
  private requestPersist(): Promise<void> {
    const target = this.gen;
    if (this.persistedGen >= target) return Promise.resolve();
    if (this.shutdownError) return Promise.reject(this.shutdownError);
    return new Promise<void>((resolve, reject) => {
      this.persistWaiters.push({ target, resolve, reject });
      this.kickPersist();
    });
  }

  private kickPersist(): void {
    if (this.persisting) return;
    this.persisting = true;
    this.persistLoop = (async () => {
      // Bounded by the number of health changes made meanwhile; each round covers all of them.
      while (this.persistedGen < this.gen && !this.shutdownError) {
        try {
          await this.persistRound();
        } catch (e) {
          this.failPersistence(e);
        }
        const ready = this.persistWaiters.filter((w) => w.target <= this.persistedGen);
        this.persistWaiters = this.persistWaiters.filter((w) => w.target > this.persistedGen);
        for (const w of ready) w.resolve();
      }
      this.persisting = false;
      if (this.shutdownError) {
        const err = this.shutdownError;
        const waiters = this.persistWaiters;
        this.persistWaiters = [];
        for (const w of waiters) w.reject(err);
      }
    })();
  }

  private async persistRound(): Promise<void> {
    const target = this.gen;
    // A log must be durable before NexusInfo names it.
    for (const c of this.childList) {
      const log = c.log;
      if (!log || c.logDurable) continue;
      try {
        await log.sync();
        if (c.log === log) c.logDurable = true;
      } catch (e) {
        if (c.log === log) this.dropLog(c, e);
      }
    }
    const info = this.computeInfo();
    await this.infoStore.put(this.infoKey, info);
    this.lastStored = info;
    if (target > this.persistedGen) this.persistedGen = target;
  }

  private computeInfo(): NexusInfo {
    const children: ChildInfo[] = this.childList.map((c) => {
      const healthy = c.isHealthy || (c.promoting && c.state === 'Open');
      const ci: ChildInfo = { uuid: c.uuid, healthy };
      if (!healthy && c.log && c.logDurable) ci.io_log = c.log.meta.id;
      return ci;
    });
    if (!children.some((c) => c.healthy)) {
      // UpdateCond: never record the last healthy child unhealthy, so the store keeps naming a
      // child that holds every acknowledged write. Not "whatever the store said before": a
      // child retired earlier, whose unhealthy record had not been written yet when the last
      // one failed, misses the writes acknowledged in between.
      const last = children.find((c) => c.uuid === this.lastHealthy);
      if (last) {
        last.healthy = true;
        delete last.io_log;
      } else {
        // Not reached (the nexus starts with a healthy child and remembers the last one); if
        // it were, keep the previous record's healthy flags rather than name none.
        const was = new Set((this.lastStored?.children ?? []).filter((c) => c.healthy).map((c) => c.uuid));
        for (const c of children) {
          if (was.has(c.uuid)) {
            c.healthy = true;
            delete c.io_log;
          }
        }
      }
    }
    return { clean_shutdown: this.cleanShutdown, children };
  }

  /** NexusInfo cannot be written: stop serving rather than acknowledge without it. */
  private failPersistence(e: unknown): void {
    if (this.shutdownError) return;
    this.shutdownError = nexusError(
      NexusErrors.PERSIST_FAILED,
      `nexus ${this.name}: NexusInfo could not be persisted (${describeError(e)}); the nexus shut itself down`,
      { cause: e },
    );
    this.lifecycle = 'Shutdown';
    this.log.error({ error: describeError(e) }, 'NexusInfo persistence failed; nexus shut down');
    for (const c of this.childList) c.rebuild?.abort('nexus shut down');
  }

  /** Delete stored logs that NexusInfo no longer names. */
  private async collectLogs(): Promise<void> {
    if (!this.ioLogStore) return;
    const keep = new Set(this.childList.map((c) => c.log?.meta.id).filter((x) => x !== undefined));
    try {
      for (const ref of await this.ioLogStore.list(this.uuid)) {
        if (!keep.has(ref.id)) await this.ioLogStore.remove(ref);
      }
    } catch (e) {
      this.log.warn({ error: describeError(e) }, 'could not collect stale I/O logs');
    }
  }

  // ---------------------------------------------------------------- timeouts

  /**
   * The child-timeout sweep runs only while some child has I/O waiting for its deadline: it
   * starts when the first one does and stops at the first tick that finds none, so an idle
   * nexus has no timer at all (no wake-ups), and a light load does not create one per I/O.
   */
  private startTimer(): void {
    if (this.childIoTimeoutMs <= 0 || this.timer || this.timerRetired) return;
    const period = Math.max(5, Math.min(1000, Math.floor(this.childIoTimeoutMs / 4)));
    this.clock.period = period;
    this.clock.now = Date.now();
    this.timer = setInterval(() => {
      const now = Date.now();
      this.clock.now = now;
      for (const c of this.childList) c.sweep(now);
      if (this.busyChildren === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    }, period);
    if (this.busyChildren === 0) this.timer.unref();
  }

  /** An I/O waiting for its timeout keeps the process alive; an idle nexus does not. */
  private childBusy = (busy: boolean): void => {
    this.busyChildren += busy ? 1 : -1;
    if (!this.timer) {
      if (busy) this.startTimer();
      return;
    }
    if (busy && this.busyChildren === 1) this.timer.ref();
    else if (!busy && this.busyChildren === 0) this.timer.unref();
  };

  // ---------------------------------------------------------------- child management

  private assertRunning(): void {
    const err = this.blockedError();
    if (err) throw err;
  }

  private assertNotLastHealthy(c: NexusChild, what: string): void {
    const last = c.isHealthy
      ? this.readers.length === 1
      : this.readers.length === 0 && c.uuid === this.lastHealthy;
    if (last) {
      throw nexusError(
        NexusErrors.LAST_HEALTHY_CHILD,
        `cannot ${what} ${c.uri}: it is the last healthy child of nexus ${this.name} (the only one known to hold every acknowledged write)`,
      );
    }
  }

  /** Add a new child; it is rebuilt in full (unless rebuild is false: start it later). */
  async addChild(spec: ChildSpec, opts: { rebuild?: boolean } = {}): Promise<ChildStatus> {
    return this.admin.run(async () => {
      this.assertRunning();
      if (this.childList.some((c) => c.uuid === spec.device.uuid)) {
        throw nexusError(
          NexusErrors.CHILD_EXISTS,
          `nexus ${this.name} already has child ${spec.device.uuid}`,
        );
      }
      if (spec.device.blockSize !== this.blockSize || spec.device.size < this.size) {
        throw nexusError(
          NexusErrors.CHILD_GEOMETRY,
          `child ${spec.device.name} (${spec.device.size} bytes, block ${spec.device.blockSize}) does not fit nexus ${this.name} (${this.size} bytes, block ${this.blockSize})`,
        );
      }
      const c = new NexusChild(spec, this.childIoTimeoutMs, this.childBusy, this.clock);
      c.pending = new SegmentMap(this.numSegments);
      c.pending.setAll();
      c.fullRebuild = true;
      c.state = 'Open';
      c.sync = 'OutOfSync';
      await this.pause();
      try {
        this.childList.push(c);
        this.refreshRoles();
        this.lockActive = true;
        this.gen++;
      } finally {
        this.resume();
      }
      await this.requestPersist();
      this.log.info({ child: c.uri }, 'child added');
      if (opts.rebuild ?? this.autoRebuild) this.startJob(c);
      return this.childStatus(c);
    });
  }

  /** Remove a child for good (its log is deleted). The last healthy child cannot be removed. */
  async removeChild(uuid: string): Promise<void> {
    return this.admin.run(async () => {
      const c = this.child(uuid);
      this.assertNotLastHealthy(c, 'remove');
      const job = c.rebuild;
      if (job?.isActive) {
        job.abort(`${c.uri} is being removed`);
        await job.finished;
      }
      if (c.state === 'Open') this.retire(c, 'OfflinePermanent');
      c.state = 'Closed';
      const idx = this.childList.indexOf(c);
      if (idx >= 0) this.childList.splice(idx, 1);
      const log = c.log;
      c.log = undefined;
      c.pending = undefined;
      this.refreshRoles();
      this.updateLockActive();
      this.gen++;
      await this.requestPersist();
      if (log) {
        await log.close();
        await this.ioLogStore?.remove(log.meta).catch(() => undefined);
      }
      if (this.closeChildren) await this.closeChild(c);
      this.log.info({ child: c.uri, status: this.status }, 'child removed');
    });
  }

  /** Take a child out by request, keeping its log for a partial rebuild (ChildOperation Offline). */
  async offlineChild(uuid: string): Promise<void> {
    return this.faultChild(uuid, 'Offline');
  }

  /** Retire a child by request (FaultNexusChild). The last healthy child cannot be faulted. */
  async faultChild(uuid: string, reason: FaultReason = 'IoError'): Promise<void> {
    return this.admin.run(async () => {
      this.assertRunning();
      const c = this.child(uuid);
      this.assertNotLastHealthy(c, 'fault');
      if (c.state !== 'Open') return;
      this.retire(c, reason);
      await this.requestPersist();
    });
  }

  /**
   * Bring a retired child back (ChildOperation Online): it becomes a writer at once and is
   * rebuilt from its log (partial) or in full. I/O issued to it before it was retired must
   * have finished first, or a late write could land on top of rebuilt data.
   */
  async onlineChild(
    uuid: string,
    opts: { device?: BlockDevice; drainTimeoutMs?: number; rebuild?: boolean } = {},
  ): Promise<ChildStatus> {
    return this.admin.run(async () => {
      this.assertRunning();
      const c = this.child(uuid);
      if (c.state === 'Open') return this.childStatus(c);
      if (c.state !== 'Faulted' || !c.reason || !isRecoverable(c.reason)) {
        throw nexusError(
          NexusErrors.CHILD_STATE,
          `child ${c.uri} is ${c.state}${c.reason ? ` (${c.reason})` : ''} and cannot be onlined; remove it and add a new one`,
        );
      }
      const drained = await c.waitIdle(opts.drainTimeoutMs ?? Math.max(1000, 2 * this.childIoTimeoutMs));
      if (!drained) {
        throw nexusError(
          NexusErrors.CHILD_BUSY,
          `child ${c.uri} still has ${c.outstanding} I/O in flight from before it was retired; try again later`,
        );
      }
      if (opts.device) {
        if (
          opts.device.uuid !== c.uuid ||
          opts.device.size < this.size ||
          opts.device.blockSize !== this.blockSize
        ) {
          throw nexusError(
            NexusErrors.CHILD_GEOMETRY,
            `device ${opts.device.name} does not match child ${c.uri}`,
          );
        }
        // The old handle (e.g. a controller that lost its target) has nothing outstanding any
        // more (waitIdle above); close it so it stops reconnecting on its own.
        const old = c.faults;
        c.replaceDevice(opts.device);
        if (this.closeChildren) await this.closeDevice(old, c.uri);
      }
      await this.pause();
      try {
        c.state = 'Open';
        c.sync = 'OutOfSync';
        c.reason = undefined;
        this.refreshRoles();
        this.lockActive = true;
      } finally {
        this.resume();
      }
      this.log.info(
        { child: c.uri, dirtySegments: c.pending?.size, partial: !c.fullRebuild },
        'child onlined',
      );
      if (opts.rebuild ?? this.autoRebuild) this.startJob(c);
      return this.childStatus(c);
    });
  }

  private updateLockActive(): void {
    // Turning the lock on needs pause() (so no untracked write is in flight); off is always safe.
    if (!this.childList.some((c) => c.state === 'Open' && c.sync === 'OutOfSync')) this.lockActive = false;
  }

  // ---------------------------------------------------------------- rebuild

  pickSource(dest: NexusChild): NexusChild | undefined {
    const candidates = this.readers.filter((c) => c !== dest);
    if (candidates.length === 0) return undefined;
    const local = candidates.filter((c) => c.local);
    const pool = local.length > 0 ? local : candidates;
    return pool.reduce((a, b) => (b.active < a.active ? b : a));
  }

  async promote(c: NexusChild): Promise<void> {
    if (this.lifecycle !== 'Running' || c.state !== 'Open' || !c.pending?.isEmpty()) return;
    // Record the child healthy before it serves reads.
    c.promoting = true;
    this.gen++;
    await this.requestPersist();
    if (!c.promoting || c.state !== 'Open' || !c.pending?.isEmpty()) return;
    c.promoting = false;
    c.sync = 'Synced';
    this.lastHealthy = undefined;
    c.pending = undefined;
    c.fullRebuild = false;
    const log = c.log;
    c.log = undefined;
    c.logDurable = false;
    this.refreshRoles();
    this.updateLockActive();
    this.log.info({ child: c.uri, status: this.status }, 'child in sync');
    if (log) {
      await log.close();
      await this.ioLogStore?.remove(log.meta).catch(() => undefined);
    }
  }

  finished(job: RebuildJob): void {
    this.history.push(job.historyRecord());
    if (this.history.length > this.historyLimit)
      this.history.splice(0, this.history.length - this.historyLimit);
  }

  private startJob(c: NexusChild): RebuildJob {
    const job = new RebuildJob(this, c, this.rebuildOpts);
    c.rebuild = job;
    job.start();
    return job;
  }

  /** Start a rebuild of an out-of-sync child (after norebuild, or after a stopped/failed one). */
  startRebuild(uuid: string): RebuildStats {
    this.assertRunning();
    const c = this.child(uuid);
    if (c.state !== 'Open' || c.sync !== 'OutOfSync') {
      throw nexusError(
        NexusErrors.REBUILD_STATE,
        `child ${c.uri} is ${c.state}/${c.sync}: nothing to rebuild`,
      );
    }
    if (c.rebuild?.isActive) return c.rebuild.stats();
    return this.startJob(c).stats();
  }

  private job(uuid: string): RebuildJob {
    const c = this.child(uuid);
    if (!c.rebuild) throw nexusError(NexusErrors.REBUILD_NOT_FOUND, `child ${c.uri} has no rebuild job`);
    return c.rebuild;
  }

  /** Pause a rebuild; resolves once its copies in flight have finished. */
  async pauseRebuild(uuid: string): Promise<void> {
    await this.job(uuid).pause();
  }

  resumeRebuild(uuid: string): void {
    this.job(uuid).resume();
  }

  async stopRebuild(uuid: string): Promise<void> {
    await this.job(uuid).stop();
  }

  rebuildState(uuid: string): RebuildState {
    return this.job(uuid).state;
  }

  rebuildStats(uuid: string): RebuildStats {
    return this.job(uuid).stats();
  }

  /** Resolves with the final state of the child's current rebuild. */
  async waitRebuild(uuid: string): Promise<RebuildState> {
    const job = this.job(uuid);
    await job.finished;
    return job.state;
  }

  rebuildHistory(): RebuildHistoryRecord[] {
    return [...this.history];
  }

  // ---------------------------------------------------------------- shutdown

  /**
   * Clean shutdown: stop rebuilds, flush every writer, record clean_shutdown=true, release.
   * (BaseBlockDevice.close has already waited for application I/O in flight.)
   */
  protected async doClose(): Promise<void> {
    if (this.lifecycle !== 'Running') {
      await this.release();
      return;
    }
    this.lifecycle = 'ShuttingDown';
    await Promise.all(this.childList.map((c) => (c.rebuild?.isActive ? c.rebuild.stop() : undefined)));
    const fo = await this.dispatch(this.writers, IoKind.Flush, 0, 0, undefined);
    for (const f of fo.failed ?? []) this.retire(f.child, faultReasonOf(f.err));
    // Clean means: every child recorded healthy holds the same data. With no healthy child left
    // that cannot be claimed (children that failed the same write may differ), so a faulted
    // nexus shuts down unclean and re-creation trusts one child only.
    this.cleanShutdown = this.readers.length > 0;
    this.gen++;
    try {
      await this.requestPersist();
    } catch (e) {
      this.log.error({ error: describeError(e) }, 'could not record the clean shutdown');
    }
    this.lifecycle = 'Shutdown';
    await this.release();
    this.log.info('nexus shut down cleanly');
  }

  /**
   * Stop at once without recording a clean shutdown: what a crash leaves behind. The io-engine
   * uses it when it must stop immediately; tests use it to simulate a crash of the process.
   */
  async abandon(): Promise<void> {
    this.closed = true;
    if (!this.shutdownError) {
      this.shutdownError = nexusError(NexusErrors.SHUTDOWN, `nexus ${this.name} was abandoned`);
    }
    this.lifecycle = 'Shutdown';
    for (const c of this.childList) c.rebuild?.abort('nexus abandoned');
    // A NexusInfo write already under way finishes (as it might in a real crash), but none
    // starts after this returns: a successor may be writing the same key.
    await this.persistLoop;
    await this.release();
  }

  private async release(): Promise<void> {
    // Rebuild copies finish first (while the timer still times out a hung child's I/O).
    await Promise.all(this.childList.map((c) => c.rebuild?.finished));
    this.timerRetired = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const c of this.childList) {
      const log = c.log;
      if (log) await log.close().catch(() => undefined);
    }
    if (this.closeChildren) await Promise.all(this.childList.map((c) => this.closeChild(c)));
  }

  /**
   * Close a child's device, waiting at most a little longer than an I/O timeout: a child whose
   * device never completes an I/O (a dead node) must not hold up the nexus forever.
   */
  private closeChild(c: NexusChild): Promise<void> {
    return this.closeDevice(c.faults, c.uri);
  }

  private async closeDevice(dev: BlockDevice, uri: string): Promise<void> {
    const closing = dev.close().catch((e: unknown) => {
      this.log.warn({ child: uri, error: describeError(e) }, 'closing the child failed');
    });
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>(
      (r) => (timer = setTimeout(r, Math.max(1000, 2 * this.childIoTimeoutMs))),
    );
    await Promise.race([closing, bound]);
    clearTimeout(timer);
  }
}
