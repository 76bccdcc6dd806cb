/**
 * A child of the nexus: one BlockDevice plus the nexus's view of it (state, sync state, fault
 * reason, the dirty-segment log while it is out of sync) and the per-I/O timeout.
 *
 * Every I/O to the child goes through a FaultInjectingDevice layer (`faults`), so tests, and
 * later the io-engine's test API, can fail or delay reads, writes and flushes of one child.
 */
import { BdevErrors, bdevError, FaultInjectingDevice, type BlockDevice } from '../bdev/index.js';
import { isMayastorError } from '../core/errors.js';
import type { SegmentMap } from './segment-map.js';
import type { IoLog } from './io-log.js';
import type { ChildState, ChildSyncState, FaultReason } from './types.js';
import type { RebuildJob } from './rebuild.js';

export interface ChildSpec {
  device: BlockDevice;
  /** How the child is named in status output and rebuild history; defaults to the device name. */
  uri?: string;
  /** Local children are preferred as rebuild sources; defaults to `driver !== 'nvmf'`. */
  local?: boolean;
}

/** The kinds of child I/O (numbers, so dispatch is a switch, not a closure per I/O). */
export const IoKind = { Read: 0, Write: 1, Flush: 2, Unmap: 3, WriteZeroes: 4 } as const;
export type IoKind = (typeof IoKind)[keyof typeof IoKind];

/** Receives the outcome of child I/Os: exactly once per I/O, `err` undefined on success. */
export interface IoWaiter {
  childDone(child: NexusChild, err: unknown): void;
}

/**
 * One I/O issued to a child, kept in the child's list of I/Os waiting for their deadline.
 * Recycled through the child's free list once the device has answered, with its completion
 * callbacks bound once: a child I/O then allocates nothing of its own.
 */
class PendingIo {
  settled = false;
  prev: PendingIo | undefined;
  next: PendingIo | undefined;
  waiter: IoWaiter | undefined;
  deadline = Infinity;
  readonly ok: () => void;
  readonly fail: (err: unknown) => void;
  constructor(child: NexusChild) {
    this.ok = () => child.finish(this, undefined);
    this.fail = (err: unknown) => child.finish(this, err ?? new Error('child I/O failed'));
  }
}

/** A clock the nexus advances on every timeout sweep: cheaper than reading the time per I/O. */
export interface CoarseClock {
  now: number;
  /** Sweep period in ms; deadlines get one period of slack so a lagging clock never fires early. */
  period: number;
}

/** Map a child I/O error to the reason the child is retired with. */
export function faultReasonOf(e: unknown): FaultReason {
  if (isMayastorError(e, BdevErrors.TIMEOUT)) return 'TimedOut';
  if (isMayastorError(e, BdevErrors.NO_SPACE)) return 'NoSpace';
  return 'IoError';
}

export class NexusChild {
  readonly uuid: string;
  readonly uri: string;
  readonly local: boolean;
  device: BlockDevice;
  faults: FaultInjectingDevice;

  state: ChildState = 'Init';
  sync: ChildSyncState = 'OutOfSync';
  reason: FaultReason | undefined;
  faultedAt: Date | undefined;
  /** Segments still to be copied to this child; undefined while Synced. */
  pending: SegmentMap | undefined;
  /** True when `pending` started as "everything": no history, so the next rebuild is full. */
  fullRebuild = false;
  /** The persistent write-intent log, when the nexus has an IoLogStore. */
  log: IoLog | undefined;
  /** The log has been made durable at least once (so NexusInfo may name it). */
  logDurable = false;
  /** Rebuild finished; NexusInfo is being updated to record the child healthy. */
  promoting = false;
  rebuild: RebuildJob | undefined;

  /** I/Os issued to the device and not settled yet, including ones the nexus gave up on. */
  outstanding = 0;
  /** I/Os the nexus still waits for (used for least-outstanding read balancing). */
  active = 0;
  /** I/Os waiting for their deadline, oldest first (an intrusive list: O(1) insert and removal). */
  private head: PendingIo | undefined;
  private tail: PendingIo | undefined;
  private timed = 0;
  private readonly freeIos: PendingIo[] = [];
  private idleWaiters: Array<() => void> = [];

  constructor(
    spec: ChildSpec,
    private readonly timeoutMs: number,
    /** Told when the child goes from no timed I/O to some (true) and back (false). */
    private readonly onBusy: (busy: boolean) => void = () => undefined,
    private readonly clock: CoarseClock = { now: Date.now(), period: 0 },
  ) {
    this.device = spec.device;
    this.faults = new FaultInjectingDevice(spec.device);
    this.uuid = spec.device.uuid;
    this.uri = spec.uri ?? spec.device.name;
    this.local = spec.local ?? spec.device.driver !== 'nvmf';
  }

  /** Open and Synced: serves reads and takes writes. */
  get isHealthy(): boolean {
    return this.state === 'Open' && this.sync === 'Synced';
  }

  /** Open: takes writes (Synced, or OutOfSync while being rebuilt). */
  get isWriter(): boolean {
    return this.state === 'Open';
  }

  /** A partial rebuild is possible: the nexus has tracked every write the child missed. */
  get hasIoLog(): boolean {
    return this.pending !== undefined && !this.fullRebuild;
  }

  /** Swap in a new device handle (e.g. a reconnected remote replica). */
  replaceDevice(device: BlockDevice): void {
    this.device = device;
    this.faults = new FaultInjectingDevice(device);
  }

  /**
   * Issue one I/O to the child with the per-I/O timeout; `waiter.childDone` is called exactly
   * once: on completion, or with BDEV_TIMEOUT when the deadline passes first. A completion that
   * arrives after a timeout is ignored (only `outstanding` notices it, so the child is not
   * brought back while old I/O may still land). The nexus has validated the request, so the
   * fault layer's own bookkeeping is skipped (submit*).
   */
  io(kind: IoKind, offset: number, buf: Buffer | undefined, length: number, waiter: IoWaiter): void {
    this.outstanding++;
    this.active++;
    const timed = this.timeoutMs > 0;
    const e = this.freeIos.pop() ?? new PendingIo(this);
    e.settled = false;
    e.waiter = waiter;
    e.deadline = Infinity;
    if (timed) {
      // Link first: the first busy child starts the nexus's sweep, which refreshes the clock
      // the deadline is read from.
      this.link(e);
      e.deadline = this.clock.now + this.clock.period + this.timeoutMs;
    }
    let p: Promise<void>;
    const f = this.faults;
    try {
      switch (kind) {
        case IoKind.Read:
          p = f.submitRead(offset, buf!);
          break;
        case IoKind.Write:
          p = f.submitWrite(offset, buf!);
          break;
        case IoKind.Flush:
          p = f.flush();
          break;
        case IoKind.Unmap:
          p = f.unmap(offset, length);
          break;
        default:
          p = f.submitWriteZeroes(offset, length);
      }
    } catch (err) {
      p = Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    p.then(e.ok, e.fail);
  }

  /** Promise form of io(), for paths that are not hot (rebuild copies, shutdown flushes). */
  submit(kind: IoKind, offset: number, buf: Buffer | undefined, length = buf?.length ?? 0): Promise<void> {
    return new Promise<void>((resolve, reject) =>
      this.io(kind, offset, buf, length, {
        childDone: (_c, err) => (err === undefined ? resolve() : reject(err)),
      }),
    );
  }

  /** @internal The device answered `e` (maybe after its deadline already failed it). */
  finish(e: PendingIo, err: unknown): void {
    this.outstanding--;
    const waiter = e.waiter!;
    e.waiter = undefined;
    const settled = e.settled;
    if (!settled) {
      e.settled = true;
      this.active--;
      if (e.deadline !== Infinity) this.unlink(e);
    }
    // Recycle before calling out: nothing refers to `e` any more (a timed-out entry was
    // unlinked by the sweep), and the waiter may issue the next I/O at once.
    this.freeIos.push(e);
    if (!settled) waiter.childDone(this, err);
    if (this.outstanding === 0 && this.idleWaiters.length > 0) {
      const w = this.idleWaiters;
      this.idleWaiters = [];
      for (const f of w) f();
    }
  }

  private link(e: PendingIo): void {
    e.prev = this.tail;
    if (this.tail) this.tail.next = e;
    else this.head = e;
    this.tail = e;
    if (++this.timed === 1) this.onBusy(true);
  }

  private unlink(e: PendingIo): void {
    if (e.prev) e.prev.next = e.next;
    else this.head = e.next;
    if (e.next) e.next.prev = e.prev;
    else this.tail = e.prev;
    e.prev = e.next = undefined;
    if (--this.timed === 0) this.onBusy(false);
  }

  /** Time out I/Os past their deadline. The list is in submission order, so deadlines ascend. */
  sweep(now: number): void {
    // Bounded by the number of I/Os outstanding: each step removes one.
    for (let e = this.head; e && e.deadline <= now; e = this.head) {
      this.unlink(e);
      e.settled = true;
      this.active--;
      e.waiter!.childDone(
        this,
        bdevError(BdevErrors.TIMEOUT, `${this.uri}: I/O timed out after ${this.timeoutMs} ms`, {
          details: { child: this.uuid },
        }),
      );
    }
  }

  /** Resolves true once no I/O is outstanding on the device, false after `ms`. */
  waitIdle(ms: number): Promise<boolean> {
    if (this.outstanding === 0) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const t = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((f) => f !== onIdle);
        resolve(false);
      }, ms);
      const onIdle = () => {
        clearTimeout(t);
        resolve(true);
      };
      this.idleWaiters.push(onIdle);
    });
  }
}
