/**
 * The rebuild engine: copy the segments a child is missing from a healthy source while
 * application I/O continues (Mayastor's `rebuild/`).
 *
 * - Work list: the child's `pending` segment map: every segment for a full rebuild, the dirty
 *   segments for a partial one. The destination already takes every application write (it is
 *   a writer), so the list never grows while the job runs and one pass suffices.
 * - Each copy locks its byte range exclusively on the nexus's RangeLock, reads the source,
 *   writes the destination, clears the bits, unlocks. Application writes to that range wait
 *   for the copy; a copy waits for application writes already in flight there.
 * - Consecutive pending segments are copied together, up to `copySegments` at a time.
 * - Bounds on rebuild work: `tasks` copies in flight per job, a semaphore shared by every job
 *   of the nexus, and an optional bandwidth cap, so application I/O keeps most of its speed.
 * - A failing source is retired and the copy retried from another healthy child; a failing
 *   destination fails the job (the child is retired with RebuildFailed).
 */
import type { Logger } from '../core/log.js';
import { sleep, type Semaphore } from '../core/async.js';
import { describeError } from '../core/errors.js';
import type { RangeLock } from './range-lock.js';
import { IoKind, faultReasonOf, type NexusChild } from './child.js';
import type { FaultReason, RebuildHistoryRecord, RebuildState, RebuildStats } from './types.js';
import { nexusError, NexusErrors } from './errors.js';

export interface RebuildOptions {
  /** Concurrent segment copies per job (Mayastor: 16). */
  tasks: number;
  /** Most consecutive segments copied by one read/write pair. */
  copySegments: number;
  /** Concurrent copies across all jobs of one nexus. */
  maxTasksPerNexus: number;
  /** Bytes per second per job; 0 for no cap. */
  bandwidthLimit: number;
  /**
   * Copies in flight while application I/O is in flight: the rest of the tasks wait for a quiet
   * moment, so the rebuild runs at full speed on an idle volume and yields to a busy one.
   */
  busyTasks: number;
}

export const DEFAULT_REBUILD_OPTIONS: RebuildOptions = {
  tasks: 4,
  copySegments: 4,
  maxTasksPerNexus: 8,
  bandwidthLimit: 0,
  busyTasks: 1,
};

/** What the job needs from its nexus. */
export interface RebuildHost {
  readonly size: number;
  readonly blockSize: number;
  readonly segmentSize: number;
  readonly rangeLock: RangeLock;
  readonly slots: Semaphore;
  readonly log: Logger;
  /** A healthy source other than `dest`, local first; undefined if none is left. */
  pickSource(dest: NexusChild): NexusChild | undefined;
  /** A child failed an I/O of the rebuild: retire it with this reason. */
  retireChild(child: NexusChild, reason: FaultReason): void;
  /** Undefined when no application I/O is in flight, else a promise of the next such moment. */
  appQuiet(): Promise<void> | undefined;
  /** The destination is fully copied: make it a healthy child (persist first). */
  promote(child: NexusChild): Promise<void>;
  /** The job ended (any state): record it. */
  finished(job: RebuildJob): void;
}

export class RebuildJob {
  state: RebuildState = 'Init';
  readonly isPartial: boolean;
  readonly startTime = new Date();
  endTime: Date | undefined;
  error: string | undefined;
  private source: NexusChild | undefined;
  private srcUri = '';
  private readonly totalSegments: number;
  private readonly totalBlocks: number;
  private copiedSegments = 0;
  private copiedBytes = 0;
  private tasksActive = 0;
  private cursor = 0;
  private readonly claimed = new Set<number>();
  private stopRequested = false;
  private failure: Error | undefined;
  private pauseGate: Promise<void> | undefined;
  private releasePause: (() => void) | undefined;
  private activeMs = 0;
  private runningSince = 0;
  private readonly done: Promise<void>;
  private resolveDone!: () => void;
  private bucketTime = 0;
  private idleWaiters: Array<() => void> = [];
  /** A worker found nothing left to claim. */
  private exhausted = false;
  /** Resolved (and replaced) on stop, abort and pause, to wake workers waiting for quiet. */
  private kick!: () => void;
  private kicked!: Promise<void>;

  constructor(
    private readonly host: RebuildHost,
    readonly dest: NexusChild,
    private readonly opts: RebuildOptions,
  ) {
    if (!dest.pending) throw nexusError(NexusErrors.REBUILD_STATE, `${dest.uri} has nothing to rebuild`);
    this.isPartial = !dest.fullRebuild;
    this.totalSegments = dest.pending.size;
    this.totalBlocks = this.blocksOf(dest.pending.size, dest.pending.test(dest.pending.numSegments - 1));
    this.done = new Promise<void>((r) => (this.resolveDone = r));
    this.rearm();
  }

  private rearm(): void {
    this.kicked = new Promise<void>((r) => (this.kick = r));
  }

  private wakeWorkers(): void {
    this.kick();
    this.rearm();
  }

  /** Blocks in `n` segments, accounting for a short last segment. */
  private blocksOf(n: number, includesLast: boolean): number {
    const segBlocks = this.host.segmentSize / this.host.blockSize;
    if (!includesLast || n === 0) return n * segBlocks;
    const lastBytes = this.host.size - (this.dest.pending!.numSegments - 1) * this.host.segmentSize;
    return (n - 1) * segBlocks + lastBytes / this.host.blockSize;
  }

  /** Resolves when the job has ended, whatever the outcome. */
  get finished(): Promise<void> {
    return this.done;
  }

  get isActive(): boolean {
    return this.state === 'Init' || this.state === 'Rebuilding' || this.state === 'Paused';
  }

  /** Start copying; returns at once (use `finished` to wait). */
  start(): void {
    if (this.state !== 'Init') throw nexusError(NexusErrors.REBUILD_STATE, `rebuild already started`);
    this.source = this.host.pickSource(this.dest);
    this.srcUri = this.source?.uri ?? '';
    this.state = 'Rebuilding';
    this.runningSince = Date.now();
    this.host.log.info(
      {
        child: this.dest.uri,
        source: this.srcUri,
        partial: this.isPartial,
        segments: this.totalSegments,
      },
      'rebuild started',
    );
    void this.run();
  }

  /** Pause; resolves once the copies in flight have finished (nothing is copied after that). */
  async pause(): Promise<void> {
    if (this.state !== 'Rebuilding') {
      throw nexusError(NexusErrors.REBUILD_STATE, `cannot pause a rebuild that is ${this.state}`);
    }
    this.state = 'Paused';
    this.activeMs += Date.now() - this.runningSince;
    this.pauseGate = new Promise<void>((r) => (this.releasePause = r));
    this.wakeWorkers();
    if (this.tasksActive > 0) await new Promise<void>((r) => this.idleWaiters.push(r));
  }

  resume(): void {
    if (this.state !== 'Paused') {
      throw nexusError(NexusErrors.REBUILD_STATE, `cannot resume a rebuild that is ${this.state}`);
    }
    this.state = 'Rebuilding';
    this.runningSince = Date.now();
    const r = this.releasePause;
    this.pauseGate = undefined;
    this.releasePause = undefined;
    r?.();
  }

  /** Stop after the copies in flight; the child stays out of sync (a new rebuild continues it). */
  async stop(): Promise<void> {
    if (!this.isActive) return;
    this.stopRequested = true;
    this.wakeWorkers();
    if (this.state === 'Paused') this.resume();
    await this.done;
  }

  /** The destination was retired (or removed) under the job: end it as Failed. */
  abort(why: string): void {
    if (!this.failure) this.failure = nexusError(NexusErrors.REBUILD_FAILED, why);
    this.wakeWorkers();
    if (this.state === 'Paused') this.resume();
  }

  private async run(): Promise<void> {
    try {
      const workers: Promise<void>[] = [];
      for (let i = 0; i < Math.max(1, this.opts.tasks); i++) workers.push(this.worker(i));
      await Promise.all(workers);
      if (this.failure) throw this.failure;
      if (this.stopRequested) {
        this.end('Stopped');
        return;
      }
      const pending = this.dest.pending;
      if (!pending || this.dest.state !== 'Open') {
        throw nexusError(NexusErrors.REBUILD_FAILED, `${this.dest.uri} left the nexus during its rebuild`);
      }
      if (!pending.isEmpty()) {
        // Cannot happen while the destination is a writer; refuse to promote if it did.
        throw nexusError(
          NexusErrors.REBUILD_FAILED,
          `${this.dest.uri}: ${pending.size} segments still dirty after a full pass`,
        );
      }
      await this.host.promote(this.dest);
      if (!this.dest.isHealthy) {
        throw nexusError(NexusErrors.REBUILD_FAILED, `${this.dest.uri} was faulted while being promoted`);
      }
      this.end('Completed');
    } catch (e) {
      this.error = describeError(e);
      this.end('Failed');
    }
  }

  private end(state: RebuildState): void {
    if (this.state === 'Rebuilding') this.activeMs += Date.now() - this.runningSince;
    this.state = state;
    this.endTime = new Date();
    const level = state === 'Failed' ? 'warn' : 'info';
    this.host.log[level](
      {
        child: this.dest.uri,
        source: this.srcUri,
        state,
        partial: this.isPartial,
        segmentsCopied: this.copiedSegments,
        bytesCopied: this.copiedBytes,
        error: this.error,
      },
      'rebuild ended',
    );
    this.host.finished(this);
    this.resolveDone();
  }

  private claim(): { first: number; last: number } | undefined {
    const pending = this.dest.pending;
    if (!pending) return undefined;
    let s = pending.nextSet(this.cursor);
    while (s >= 0 && this.claimed.has(s)) s = pending.nextSet(s + 1);
    if (s < 0) return undefined;
    let last = s;
    while (
      last + 1 < pending.numSegments &&
      last - s + 1 < this.opts.copySegments &&
      pending.test(last + 1) &&
      !this.claimed.has(last + 1)
    ) {
      last++;
    }
    for (let i = s; i <= last; i++) this.claimed.add(i);
    this.cursor = last + 1;
    return { first: s, last };
  }

  private async worker(index: number): Promise<void> {
    for (;;) {
      if (this.pauseGate) await this.pauseGate;
      if (this.stopRequested || this.failure) return;
      if (index >= Math.max(1, this.opts.busyTasks)) {
        const quiet = this.host.appQuiet();
        if (quiet) {
          if (this.exhausted) return;
          await Promise.race([quiet, this.kicked]);
          continue;
        }
      }
      const slot = await this.host.slots.acquire();
      // Paused or stopped while waiting for a slot: nothing may start now.
      if (this.pauseGate || this.stopRequested || this.failure) {
        slot();
        continue;
      }
      const run = this.claim();
      if (!run) {
        slot();
        // Nothing left to start: let workers waiting for a quiet moment finish too.
        this.exhausted = true;
        this.wakeWorkers();
        return;
      }
      this.tasksActive++;
      try {
        await this.throttle((run.last - run.first + 1) * this.host.segmentSize);
        await this.copy(run.first, run.last);
      } catch (e) {
        if (!this.failure) this.failure = e instanceof Error ? e : new Error(String(e));
      } finally {
        for (let i = run.first; i <= run.last; i++) this.claimed.delete(i);
        if (--this.tasksActive === 0 && this.idleWaiters.length > 0) {
          const w = this.idleWaiters;
          this.idleWaiters = [];
          for (const f of w) f();
        }
        slot();
      }
    }
  }

  /** Token bucket: do not start a copy before its bytes fit under the bandwidth cap. */
  private async throttle(bytes: number): Promise<void> {
    const limit = this.opts.bandwidthLimit;
    if (limit <= 0) return;
    const now = Date.now();
    const start = Math.max(this.bucketTime, now);
    this.bucketTime = start + (bytes / limit) * 1000;
    if (start > now) await sleep(start - now);
  }

  private async copy(first: number, last: number): Promise<void> {
    const seg = this.host.segmentSize;
    const offset = first * seg;
    const length = Math.min((last + 1) * seg, this.host.size) - offset;
    const r = this.host.rangeLock.acquireExclusive(offset, length);
    const release = typeof r === 'function' ? r : await r;
    try {
      if (this.dest.state !== 'Open' || this.failure || this.stopRequested) return;
      let data: Buffer | undefined;
      // Bounded: every failed attempt retires a source, and there are finitely many children.
      for (;;) {
        if (!this.source || !this.source.isHealthy) {
          this.source = this.host.pickSource(this.dest);
          if (this.source) this.srcUri = this.source.uri;
        }
        const src = this.source;
        if (!src)
          throw nexusError(NexusErrors.REBUILD_FAILED, `no healthy source left to rebuild ${this.dest.uri}`);
        // A fresh buffer per attempt: a timed-out read may still complete into the old one.
        const buf = Buffer.allocUnsafe(length);
        try {
          await src.submit(IoKind.Read, offset, buf);
          data = buf;
          break;
        } catch (e) {
          this.host.log.warn(
            { source: src.uri, offset, error: describeError(e) },
            'rebuild source read failed',
          );
          this.host.retireChild(src, faultReasonOf(e));
          this.source = undefined;
        }
      }
      if (this.dest.state !== 'Open' || this.failure) return;
      try {
        await this.dest.submit(IoKind.Write, offset, data);
      } catch (e) {
        this.host.retireChild(this.dest, 'RebuildFailed');
        throw nexusError(
          NexusErrors.REBUILD_FAILED,
          `${this.dest.uri}: write at ${offset} failed: ${describeError(e)}`,
          { cause: e },
        );
      }
      // Under the exclusive lock no application write can have touched the range: the
      // destination now holds exactly what the source holds there.
      this.dest.pending?.clearRange(first, last);
      this.copiedSegments += last - first + 1;
      this.copiedBytes += length;
    } finally {
      release();
    }
  }

  stats(): RebuildStats {
    const recovered = Math.min(this.totalBlocks, Math.round(this.copiedBytes / this.host.blockSize));
    const ms = this.activeMs + (this.state === 'Rebuilding' ? Date.now() - this.runningSince : 0);
    return {
      childUri: this.dest.uri,
      childUuid: this.dest.uuid,
      srcUri: this.srcUri,
      state: this.state,
      isPartial: this.isPartial,
      blockSize: this.host.blockSize,
      blocksTotal: this.totalBlocks,
      blocksRecovered: recovered,
      blocksTransferred: recovered,
      blocksRemaining: this.totalBlocks - recovered,
      progress: this.totalBlocks === 0 ? 100 : Math.floor((recovered * 100) / this.totalBlocks),
      blocksPerTask: (this.opts.copySegments * this.host.segmentSize) / this.host.blockSize,
      tasksTotal: this.opts.tasks,
      tasksActive: this.tasksActive,
      startTime: this.startTime,
      endTime: this.endTime,
      throughputBytesPerSec: ms > 0 ? Math.round((this.copiedBytes * 1000) / ms) : 0,
      error: this.error,
    };
  }

  historyRecord(): RebuildHistoryRecord {
    const s = this.stats();
    return {
      childUri: s.childUri,
      childUuid: s.childUuid,
      srcUri: s.srcUri,
      state: s.state,
      isPartial: s.isPartial,
      blockSize: s.blockSize,
      blocksTotal: s.blocksTotal,
      blocksRecovered: s.blocksRecovered,
      blocksTransferred: s.blocksTransferred,
      blocksRemaining: s.blocksRemaining,
      blocksPerTask: s.blocksPerTask,
      startTime: s.startTime,
      endTime: s.endTime ?? new Date(),
      throughputBytesPerSec: s.throughputBytesPerSec,
      error: s.error,
    };
  }

  /** Segments copied so far (tests compare it with the dirty count). */
  get segmentsCopied(): number {
    return this.copiedSegments;
  }
}
