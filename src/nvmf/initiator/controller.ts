/**
 * An NVMe over Fabrics controller as the host sees it: one admin queue and N I/O queues over
 * TCP, brought up and torn down by the Fabrics sequence, kept alive, and re-established after a
 * failure.
 *
 * Bring-up (`establish`): ICReq on each connection; Fabrics Connect on the admin queue (QID 0,
 * CNTLID 0xFFFF for a dynamic controller, our host NQN and host ID, KATO); Property Get CAP;
 * Property Set CC.EN=1 and wait for CSTS.RDY; Identify Controller (MDTS, IOCCSZ, SGL support,
 * KAS, ONCS, MAXCMD); Set Features Number of Queues; Identify of the namespace (size, LBA
 * format, identifiers); then one TCP connection per I/O queue with Fabrics Connect carrying the
 * CNTLID the admin Connect returned.
 *
 * Failure handling. Any I/O or admin command that misses its deadline fails with BDEV_TIMEOUT,
 * and any transport failure (connection closed, protocol violation, keep-alive failure) fails
 * every command in flight with BDEV_IO_ERROR. Either way the whole controller is then reset:
 * all connections are dropped and re-established with exponential backoff. Resetting after a
 * timeout (as Linux does) rather than leaving the command "lost" matters for data: a timed-out
 * write that the target still holds could otherwise land after a later write to the same
 * blocks; closing the connection makes the target drop or finish it before we go on. If the
 * controller does not come back within `ctrlLossTimeoutMs` the controller is `failed`: every I/O
 * fails until `reconnect()` is called. A reconnect that finds a different namespace (other
 * UUID/NGUID/EUI-64, other block size, smaller) is refused the same way, permanently, so that a
 * restarted target with a fresh empty device is never mistaken for the old one.
 */
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { MayastorError, isMayastorError } from '../../core/errors.js';
import { bdevError, BdevErrors } from '../../bdev/errors.js';
import { uuidFromBytes } from '../../core/uuid.js';
import type { Logger } from '../../core/log.js';
import { AdminOpc, Cns, DYNAMIC_CNTLID, Feature } from '../spec.js';
import { Dir, NvmeTcpQueue, newQueueStats, type CommandResult, type QueueStats } from './queue.js';
import {
  adminCommand,
  enableController,
  fabricsConnect,
  getLogPage,
  identify,
  shutdownController,
} from './admin.js';
import {
  decodeIdentifyController,
  decodeIdentifyNamespace,
  decodeNsDescriptorUuid,
  activeNsids,
  Oncs,
  type Capabilities,
  type ControllerIdentity,
  type NamespaceIdentity,
} from './identify.js';
import { nvmfError, NvmfErrors } from './errors.js';
import { resolveOptions, type NvmfInitiatorOptions, type ResolvedOptions } from './options.js';

export type ControllerState = 'connecting' | 'live' | 'resetting' | 'failed' | 'closing' | 'closed';

/** NVMe/TCP admin queue: 32 entries as Linux uses, and up to 8 KiB of in-capsule data. */
const ADMIN_QUEUE_SIZE = 32;
const ADMIN_IN_CAPSULE = 8192;
/** Largest NLB of one Read/Write/Write Zeroes (16-bit, 0-based). */
export const MAX_NLB = 65536;
/** OAES bit 8 / Asynchronous Event Configuration bit 8: Namespace Attribute Notices. */
const OAES_NAMESPACE_ATTRIBUTE = 1 << 8;
const AEN_TYPE_NOTICE = 2;
const AEN_NOTICE_NAMESPACE_ATTRIBUTE = 0;
/** Bytes to read of the log pages asynchronous events name. */
const EVENT_LOG_SIZE: Record<number, number> = { 0x01: 64, 0x02: 512, 0x03: 512, 0x04: 4096 };

interface Session {
  admin: NvmeTcpQueue;
  /** Namespace Attribute Notices are enabled (set before the session goes live). */
  asyncEvents: boolean;
  io: NvmeTcpQueue[];
  cap: Capabilities;
  identity: ControllerIdentity;
  namespace: NamespaceIdentity;
  ioQueueSize: number;
}

/** An I/O that found every queue full (or the controller reconnecting) and waits for a slot. */
interface Waiter {
  opc: number;
  cdw10: number;
  cdw11: number;
  cdw12: number;
  cdw13: number;
  dir: Dir;
  buf: Buffer | undefined;
  resolve: (v: undefined) => void;
  reject: (e: unknown) => void;
}

export interface ControllerStats {
  /** Controller resets (connection lost, command timed out, keep-alive failed). */
  resets: number;
  /** Successful re-establishments after a reset. */
  reconnects: number;
  reconnectAttempts: number;
  /** Keep Alive commands completed. */
  keepAlives: number;
  /** Asynchronous events the controller reported. */
  asyncEvents: number;
  /** Per-queue counters summed over the live I/O queues (reset with each reconnect). */
  io: QueueStats;
}

export interface ControllerEvents {
  state: [state: ControllerState, reason: MayastorError | undefined];
  /** The namespace changed size (an asynchronous event, or seen at a reconnect). */
  resize: [numBlocks: number];
}

export class NvmeTcpController extends EventEmitter<ControllerEvents> {
  readonly options: ResolvedOptions;
  readonly log: Logger;
  private st: ControllerState = 'connecting';
  private session: Session | undefined;
  /** Identity from the first connect; reconnects must find the same namespace. */
  private ns!: NamespaceIdentity;
  private ctrlId!: ControllerIdentity;
  private waiters: Waiter[] = [];
  private waitHead = 0;
  private rr = 0;
  private lostAt = 0;
  private lastErr: MayastorError | undefined;
  private reconnectDelay = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private fastFailTimer: NodeJS.Timeout | undefined;
  private kaTimer: NodeJS.Timeout | undefined;
  private kaInFlight = false;
  private closeRequested = false;
  private readonly counters = {
    resets: 0,
    reconnects: 0,
    reconnectAttempts: 0,
    keepAlives: 0,
    asyncEvents: 0,
  };
  private shutdownResult: 'clean' | 'forced' | undefined;
  /** Per-command limits derived from the controller and namespace. */
  maxTransferBytes = 0;

  private constructor(options: NvmfInitiatorOptions) {
    super();
    this.options = resolveOptions(options);
    this.log = this.options.log.child({ nvmf: this.options.name });
  }

  /** Connect to the target and bring the controller up, or reject with an NVMF_* error. */
  static async connect(options: NvmfInitiatorOptions): Promise<NvmeTcpController> {
    const c = new NvmeTcpController(options);
    const s = await c.establish(undefined);
    c.adopt(s);
    c.log.info(
      {
        cntlid: s.identity.cntlid,
        model: s.identity.model,
        nsid: s.namespace.nsid,
        blockSize: s.namespace.blockSize,
        numBlocks: s.namespace.nsze,
        ioQueues: s.io.length,
        queueSize: s.ioQueueSize,
        inCapsule: s.io[0]!.inCapsuleMax,
        maxTransfer: c.maxTransferBytes,
      },
      'NVMe-oF controller connected',
    );
    return c;
  }

  get state(): ControllerState {
    return this.st;
  }

  /** Why the controller last went down, if it has. */
  get lastError(): MayastorError | undefined {
    return this.lastErr;
  }

  /**
   * After close: 'clean' when the controller acknowledged a normal shutdown (CSTS.SHST
   * complete), 'forced' when the connections were just dropped (controller unreachable).
   */
  get shutdownOutcome(): 'clean' | 'forced' | undefined {
    return this.shutdownResult;
  }

  get namespace(): NamespaceIdentity {
    return this.ns;
  }

  get identity(): ControllerIdentity {
    return this.ctrlId;
  }

  /** Number of I/O queues of the live session (0 while down). */
  get ioQueueCount(): number {
    return this.session?.io.length ?? 0;
  }

  /** Entries per I/O queue negotiated for the live session. */
  get ioQueueSize(): number {
    return this.session?.ioQueueSize ?? 0;
  }

  /** Largest write sent as in-capsule data in the live session. */
  get inCapsuleDataSize(): number {
    return this.session?.io[0]?.inCapsuleMax ?? 0;
  }

  get stats(): ControllerStats {
    const io = newQueueStats();
    for (const q of this.session?.io ?? []) {
      for (const k of Object.keys(io) as (keyof QueueStats)[]) {
        io[k] = k === 'maxOutstanding' ? Math.max(io[k], q.stats[k]) : io[k] + q.stats[k];
      }
    }
    return { ...this.counters, io };
  }

  /** Counters of each live I/O queue, in QID order. */
  queueStats(): QueueStats[] {
    return (this.session?.io ?? []).map((q) => ({ ...q.stats }));
  }

  /** Whether the namespace's deallocated blocks read as zeros and DSM is supported. */
  get supportsDeallocate(): boolean {
    return (this.ctrlId.oncs & Oncs.DSM) !== 0 && this.ns.deallocReadsZeroes;
  }

  get supportsWriteZeroes(): boolean {
    return (this.ctrlId.oncs & Oncs.WRITE_ZEROES) !== 0;
  }

  // ---- bring-up ----

  private async establish(previous: NamespaceIdentity | undefined): Promise<Session> {
    const o = this.options;
    const queues: NvmeTcpQueue[] = [];
    const where = `${o.host}:${o.port}`;
    try {
      const admin = await this.openQueue(0, ADMIN_QUEUE_SIZE - 1, ADMIN_IN_CAPSULE);
      queues.push(admin);
      const cntlid = await fabricsConnect(
        admin,
        o,
        0,
        ADMIN_QUEUE_SIZE,
        DYNAMIC_CNTLID,
        o.keepAliveTimeoutMs,
      );
      const cap = await enableController(admin, o);
      if ((cap.css & 0x1) === 0 && (cap.css & 0x40) === 0) {
        throw nvmfError(
          NvmfErrors.UNSUPPORTED,
          `${where}: the controller does not support the NVM command set`,
        );
      }
      const identity = decodeIdentifyController(await this.identify(admin, Cns.Controller, 0));
      if ((identity.sgls & 0x3) === 0) {
        throw nvmfError(
          NvmfErrors.UNSUPPORTED,
          `${where}: the controller does not support SGLs (required for NVMe/TCP)`,
        );
      }
      if (identity.icdoff !== 0) {
        throw nvmfError(
          NvmfErrors.UNSUPPORTED,
          `${where}: in-capsule data offset ${identity.icdoff} (NVMe/TCP requires 0)`,
        );
      }
      const namespace = await this.identifyNamespace(admin, previous);
      const asyncEvents = await this.enableAsyncEvents(admin, identity);
      const granted = await this.setQueueCount(admin, o.ioQueues);
      const nq = Math.min(o.ioQueues, granted);
      let ioQueueSize = Math.min(o.queueSize, cap.maxQueueEntries);
      if (identity.maxcmd > 0) ioQueueSize = Math.min(ioQueueSize, identity.maxcmd + 1);
      // What the controller accepts in-capsule (IOCCSZ less the SQE), and what we use for writes.
      const ctrlInCapsule = Math.max(0, identity.ioccszBytes - 64);
      const inCapsule = Math.min(ctrlInCapsule, o.inCapsuleDataSize ?? Number.MAX_SAFE_INTEGER);
      // All settle before we go on, so that on a failure every connection opened is in `queues`
      // for the cleanup below (none still opening to leak afterwards).
      const opened = await Promise.allSettled(
        Array.from({ length: nq }, async (_, i) => {
          // Connect data goes in-capsule only if IOCCSZ allows it (else by R2T, as Linux does).
          const q = await this.openQueue(i + 1, ioQueueSize - 1, ctrlInCapsule);
          queues.push(q);
          await fabricsConnect(q, o, i + 1, ioQueueSize, cntlid, 0);
          q.inCapsuleMax = inCapsule;
          return q;
        }),
      );
      const io: NvmeTcpQueue[] = [];
      for (const r of opened) {
        if (r.status === 'rejected') throw r.reason;
        io.push(r.value);
      }
      const dead = queues.find((q) => q.isDead);
      if (dead)
        throw nvmfError(NvmfErrors.CONNECT_FAILED, `${where}: queue ${dead.qid} dropped during connect`);
      return { admin, asyncEvents, io, cap, identity, namespace, ioQueueSize };
    } catch (e) {
      const err = isMayastorError(e)
        ? e
        : nvmfError(NvmfErrors.CONNECT_FAILED, `${where}: ${e instanceof Error ? e.message : String(e)}`, {
            cause: e,
          });
      for (const q of queues) q.kill(bdevError(BdevErrors.IO_ERROR, `connect failed: ${err.message}`), false);
      throw err.code.startsWith('NVMF_')
        ? err
        : nvmfError(NvmfErrors.CONNECT_FAILED, `${where}/${o.subnqn}: ${err.message}`, { cause: err });
    }
  }

  private adopt(s: Session): void {
    this.session = s;
    this.ns = s.namespace;
    this.ctrlId = s.identity;
    const bs = s.namespace.blockSize;
    let max = Math.min(this.options.maxTransferBytes, MAX_NLB * bs);
    if (s.identity.mdts > 0) max = Math.min(max, s.cap.minPageSize * 2 ** s.identity.mdts);
    this.maxTransferBytes = Math.max(bs, Math.floor(max / bs) * bs);
    this.st = 'live';
    this.startKeepAlive();
    this.startAsyncEvents(s);
  }

  private openQueue(qid: number, depth: number, inCapsuleMax: number): Promise<NvmeTcpQueue> {
    const o = this.options;
    return NvmeTcpQueue.open({
      host: o.host,
      port: o.port,
      qid,
      depth,
      headerDigest: o.headerDigest,
      dataDigest: o.dataDigest,
      connectTimeoutMs: o.adminTimeoutMs,
      inCapsuleMax,
      log: this.log,
      onFatal: (q, err) => this.onQueueFailure(q, err),
      onTimeout: (q, err) => this.onQueueFailure(q, err),
      onSlotFree: () => {
        if (this.waitHead < this.waiters.length) this.dispatchWaiters();
      },
    });
  }

  private identify(q: NvmeTcpQueue, cns: number, nsid: number): Promise<Buffer> {
    return identify(q, this.options.adminTimeoutMs, cns, nsid);
  }

  private async identifyNamespace(
    q: NvmeTcpQueue,
    previous: NamespaceIdentity | undefined,
  ): Promise<NamespaceIdentity> {
    const o = this.options;
    const where = `${o.host}:${o.port}/${o.subnqn}`;
    let nsid = o.nsid ?? previous?.nsid;
    if (nsid === undefined) {
      try {
        nsid = activeNsids(await this.identify(q, Cns.ActiveNamespaceList, 0))[0];
      } catch (e) {
        this.log.debug({ err: String(e) }, 'Identify active namespace list failed; trying NSID 1');
        nsid = 1;
      }
      if (nsid === undefined)
        throw nvmfError(NvmfErrors.NOT_FOUND, `${where}: the subsystem has no active namespace`);
    }
    let raw: ReturnType<typeof decodeIdentifyNamespace>;
    try {
      raw = decodeIdentifyNamespace(nsid, await this.identify(q, Cns.Namespace, nsid));
    } catch (e) {
      throw nvmfError(
        NvmfErrors.NOT_FOUND,
        `${where}: namespace ${nsid}: ${e instanceof Error ? e.message : String(e)}`,
        {
          cause: e,
        },
      );
    }
    if (raw.nsze === 0) throw nvmfError(NvmfErrors.NOT_FOUND, `${where}: namespace ${nsid} is not active`);
    if (raw.blockSize === 0 || raw.metadataSize !== 0) {
      throw nvmfError(
        NvmfErrors.UNSUPPORTED,
        `${where}: namespace ${nsid} uses LBA data size 2^${raw.lbads} with ${raw.metadataSize} metadata bytes (need 512..16M, no metadata)`,
      );
    }
    let uuid: string | undefined;
    try {
      uuid = decodeNsDescriptorUuid(await this.identify(q, Cns.NamespaceIdDescriptors, nsid));
    } catch {
      uuid = undefined; // optional before NVMe 1.3
    }
    const ns: NamespaceIdentity = {
      nsid,
      nsze: raw.nsze,
      blockSize: raw.blockSize,
      metadataSize: raw.metadataSize,
      deallocReadsZeroes: raw.deallocReadsZeroes,
      nguid: raw.nguid,
      eui64: raw.eui64,
      uuid,
    };
    if (o.uuid !== undefined && namespaceUuid(ns) !== o.uuid) {
      throw nvmfError(
        NvmfErrors.NAMESPACE_MISMATCH,
        `${where}: namespace ${nsid} has UUID ${namespaceUuid(ns) ?? '(none)'}, expected ${o.uuid}`,
        { details: { expected: o.uuid, found: namespaceUuid(ns) ?? null } },
      );
    }
    if (previous) {
      const why = namespaceChange(previous, ns);
      if (why) {
        throw nvmfError(
          NvmfErrors.NAMESPACE_MISMATCH,
          `${where}: after reconnecting, namespace ${nsid} ${why}`,
          {
            details: { before: previous, after: ns },
          },
        );
      }
    }
    return ns;
  }

  private async setQueueCount(q: NvmeTcpQueue, n: number): Promise<number> {
    const r: CommandResult = { dw0: 0, dw1: 0 };
    const v = ((n - 1) | ((n - 1) << 16)) >>> 0;
    await adminCommand(
      q,
      this.options.adminTimeoutMs,
      AdminOpc.SetFeatures,
      0,
      Feature.NumberOfQueues,
      v,
      0,
      0,
      Dir.None,
      undefined,
      r,
    );
    return Math.min(r.dw0 & 0xffff, r.dw0 >>> 16) + 1;
  }

  // ---- asynchronous events ----

  /**
   * With Namespace Attribute Notices enabled, keep one Asynchronous Event Request
   * outstanding, so that a namespace that grows (a replica resized under a nexus) is seen while
   * connected, not only at the next reconnect. The request has no deadline; a reset or close
   * fails it, and the next session asks again.
   */
  private startAsyncEvents(s: Session): void {
    if (s.asyncEvents) this.requestAsyncEvent(s);
  }

  /**
   * Enable Namespace Attribute Notices during bring-up, so that no change after `connect()`
   * resolves can be missed (a controller drops notices it has not been asked for).
   */
  private async enableAsyncEvents(q: NvmeTcpQueue, id: ControllerIdentity): Promise<boolean> {
    if ((id.oaes & OAES_NAMESPACE_ATTRIBUTE) === 0) return false;
    try {
      await adminCommand(
        q,
        this.options.adminTimeoutMs,
        AdminOpc.SetFeatures,
        0,
        Feature.AsyncEventConfiguration,
        OAES_NAMESPACE_ATTRIBUTE,
        0,
        0,
        Dir.None,
        undefined,
      );
      return true;
    } catch (e) {
      if (!isMayastorError(e) || e.details?.nvme === undefined) throw e; // transport trouble: connect fails
      this.log.info(
        { err: e.message },
        'asynchronous event configuration refused; namespace changes are seen at reconnect',
      );
      return false;
    }
  }

  private requestAsyncEvent(s: Session): void {
    if (this.session !== s || this.st !== 'live') return;
    const r: CommandResult = { dw0: 0, dw1: 0 };
    adminCommand(s.admin, Infinity, AdminOpc.AsyncEventRequest, 0, 0, 0, 0, 0, Dir.None, undefined, r).then(
      () => void this.onAsyncEvent(s, r.dw0),
      () => {}, // failed by a reset or close
    );
  }

  private async onAsyncEvent(s: Session, dw0: number): Promise<void> {
    const type = dw0 & 0x7;
    const info = (dw0 >>> 8) & 0xff;
    const lid = (dw0 >>> 16) & 0xff;
    this.counters.asyncEvents++;
    try {
      // Reading the log page the event names clears the event, so the controller reports more.
      if (lid !== 0) await getLogPage(s.admin, this.options.adminTimeoutMs, lid, EVENT_LOG_SIZE[lid] ?? 512);
      if (type === AEN_TYPE_NOTICE && info === AEN_NOTICE_NAMESPACE_ATTRIBUTE) await this.refreshNamespace(s);
      else this.log.info({ type, info, lid }, 'asynchronous event from the controller');
    } catch (e) {
      this.log.warn({ err: (e as Error).message }, 'handling an asynchronous event failed');
    }
    this.requestAsyncEvent(s);
  }

  /** Re-read the namespace after a Namespace Attribute Changed notice; apply a new size. */
  private async refreshNamespace(s: Session): Promise<void> {
    if (this.session !== s) return;
    const raw = decodeIdentifyNamespace(
      this.ns.nsid,
      await this.identify(s.admin, Cns.Namespace, this.ns.nsid),
    );
    if (this.session !== s || raw.nsze === this.ns.nsze) return;
    if (raw.nsze === 0 || raw.blockSize !== this.ns.blockSize) {
      this.log.error(
        { nsze: raw.nsze, blockSize: raw.blockSize },
        'namespace changed under us (removed or reformatted)',
      );
      return;
    }
    const before = this.ns.nsze;
    this.ns = { ...this.ns, nsze: raw.nsze };
    s.namespace = this.ns;
    if (raw.nsze < before) this.log.error({ before, after: raw.nsze }, 'namespace shrank');
    else this.log.info({ before, after: raw.nsze }, 'namespace grew');
    this.emit('resize', raw.nsze);
  }

  // ---- keep-alive ----

  private startKeepAlive(): void {
    const o = this.options;
    if (o.keepAliveTimeoutMs === 0 || this.ctrlId.kasMs === 0) return;
    this.kaTimer = setInterval(() => this.keepAlive(), o.keepAliveIntervalMs);
    this.kaTimer.unref();
  }

  private stopKeepAlive(): void {
    clearInterval(this.kaTimer);
    this.kaTimer = undefined;
  }

  private keepAlive(): void {
    const s = this.session;
    if (!s || this.st !== 'live' || this.kaInFlight) return;
    this.kaInFlight = true;
    adminCommand(
      s.admin,
      this.options.adminTimeoutMs,
      AdminOpc.KeepAlive,
      0,
      0,
      0,
      0,
      0,
      Dir.None,
      undefined,
    ).then(
      () => {
        this.kaInFlight = false;
        this.counters.keepAlives++;
      },
      (e: unknown) => {
        this.kaInFlight = false;
        // A timeout or dead queue has already started a reset; an error status has not.
        if (this.session === s && this.st === 'live') {
          this.startRecovery(
            bdevError(
              BdevErrors.IO_ERROR,
              `keep-alive failed: ${e instanceof Error ? e.message : String(e)}`,
              { cause: e },
            ),
          );
        }
      },
    );
  }

  // ---- I/O ----

  /**
   * Submit one I/O command (the caller splits at `maxTransferBytes` and MAX_NLB). Resolves when
   * the controller completes it; rejects with a bdev error.
   */
  io(
    opc: number,
    cdw10: number,
    cdw11: number,
    cdw12: number,
    cdw13: number,
    dir: Dir,
    buf: Buffer | undefined,
  ): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.st === 'live') {
        const q = this.pickQueue();
        if (q !== undefined && this.waitHead === this.waiters.length) {
          q.submit(
            false,
            opc,
            this.ns.nsid,
            cdw10,
            cdw11,
            cdw12,
            cdw13,
            0,
            0,
            dir,
            buf,
            this.options.ioTimeoutMs,
            undefined,
            resolve,
            reject,
          );
          return;
        }
      } else {
        const err = this.notLiveError();
        if (err) {
          reject(err);
          return;
        }
      }
      this.waiters.push({ opc, cdw10, cdw11, cdw12, cdw13, dir, buf, resolve, reject });
    });
  }

  /** The queue with the most free slots (round robin among equals), or undefined when all are full. */
  private pickQueue(): NvmeTcpQueue | undefined {
    const io = this.session!.io;
    const n = io.length;
    if (n === 1) return io[0]!.freeSlots > 0 ? io[0] : undefined;
    let best: NvmeTcpQueue | undefined;
    let bestFree = 0;
    const start = this.rr++ % n;
    for (let i = 0; i < n; i++) {
      const q = io[(start + i) % n]!;
      const f = q.freeSlots;
      if (f > bestFree) {
        best = q;
        bestFree = f;
      }
    }
    return best;
  }

  private dispatchWaiters(): void {
    while (this.st === 'live' && this.waitHead < this.waiters.length) {
      const q = this.pickQueue();
      if (q === undefined) return;
      const w = this.waiters[this.waitHead]!;
      this.waiters[this.waitHead++] = undefined as unknown as Waiter;
      q.submit(
        false,
        w.opc,
        this.ns.nsid,
        w.cdw10,
        w.cdw11,
        w.cdw12,
        w.cdw13,
        0,
        0,
        w.dir,
        w.buf,
        this.options.ioTimeoutMs,
        undefined,
        w.resolve,
        w.reject,
      );
    }
    if (this.waitHead === this.waiters.length) {
      this.waiters.length = 0;
      this.waitHead = 0;
    }
  }

  private failWaiters(err: MayastorError): void {
    const ws = this.waiters;
    const from = this.waitHead;
    this.waiters = [];
    this.waitHead = 0;
    for (let i = from; i < ws.length; i++) ws[i]!.reject(err);
  }

  /** The error for I/O submitted now, or undefined if it may wait for a reconnect. */
  private notLiveError(): MayastorError | undefined {
    const name = this.options.name;
    switch (this.st) {
      case 'connecting':
      case 'resetting':
        if (performance.now() - this.lostAt < this.options.fastIoFailTimeoutMs) return undefined;
        return bdevError(
          BdevErrors.IO_ERROR,
          `${name}: controller is reconnecting (${this.lastErr?.message ?? 'connection lost'})`,
          {
            cause: this.lastErr,
          },
        );
      case 'failed':
        return bdevError(
          BdevErrors.IO_ERROR,
          `${name}: controller lost and not reconnected (${this.lastErr?.message ?? 'unknown'}); call reconnect() to try again`,
          { cause: this.lastErr },
        );
      default:
        return bdevError(BdevErrors.CLOSED, `${name}: device is closed`);
    }
  }

  // ---- failure and recovery ----

  private onQueueFailure(q: NvmeTcpQueue, err: MayastorError): void {
    const s = this.session;
    if (this.st !== 'live' || !s || (s.admin !== q && !s.io.includes(q))) return;
    this.startRecovery(err);
  }

  private startRecovery(err: MayastorError): void {
    const s = this.session!;
    this.session = undefined;
    this.st = 'resetting';
    this.lostAt = performance.now();
    this.lastErr = err;
    this.counters.resets++;
    this.stopKeepAlive();
    this.log.warn(
      { err: err.message, code: err.code },
      'NVMe-oF controller lost; failing outstanding I/O and reconnecting',
    );
    const ioErr = bdevError(BdevErrors.IO_ERROR, `${this.options.name}: controller reset: ${err.message}`, {
      cause: err,
    });
    for (const q of [...s.io, s.admin]) q.kill(ioErr, false);
    if (this.closeRequested) {
      this.st = 'closing';
      this.failWaiters(ioErr);
      return;
    }
    this.emit('state', 'resetting', err);
    if (this.options.fastIoFailTimeoutMs === 0) this.failWaiters(ioErr);
    else {
      this.fastFailTimer = setTimeout(() => {
        this.fastFailTimer = undefined;
        if (this.st !== 'live') this.failWaiters(ioErr);
      }, this.options.fastIoFailTimeoutMs);
      this.fastFailTimer.unref();
    }
    this.reconnectDelay = this.options.reconnectDelayMs;
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const elapsed = performance.now() - this.lostAt;
    const left = this.options.ctrlLossTimeoutMs - elapsed;
    if (left <= 0) {
      this.giveUp(
        bdevError(
          BdevErrors.IO_ERROR,
          `${this.options.name}: not reconnected within ${this.options.ctrlLossTimeoutMs} ms (${this.lastErr?.message ?? ''})`,
          {
            cause: this.lastErr,
          },
        ),
      );
      return;
    }
    const delay = Math.min(this.reconnectDelay, left);
    this.reconnectDelay = Math.min(this.reconnectDelay * 2, this.options.maxReconnectDelayMs);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.attemptReconnect();
    }, delay);
    // Deliberately not unref'd: an open device that is reconnecting is work in progress, and a
    // caller may be awaiting I/O held for the reconnect (fast_io_fail_tmo_ms).
  }

  private async attemptReconnect(): Promise<void> {
    if (this.st !== 'resetting') return;
    this.counters.reconnectAttempts++;
    let s: Session;
    try {
      s = await this.establish(this.ns);
    } catch (e) {
      if (this.st !== 'resetting') return;
      const err = e as MayastorError;
      if (err.code === NvmfErrors.NAMESPACE_MISMATCH) {
        this.giveUp(err);
        return;
      }
      this.log.info({ err: err.message, nextDelayMs: this.reconnectDelay }, 'reconnect attempt failed');
      this.lastErr = err;
      this.scheduleReconnect();
      return;
    }
    if (this.st !== 'resetting') {
      // Closed while connecting: drop the new session.
      for (const q of [...s.io, s.admin]) q.kill(bdevError(BdevErrors.CLOSED, 'device closed'), false);
      return;
    }
    const grew = s.namespace.nsze > this.ns.nsze;
    this.counters.reconnects++;
    clearTimeout(this.fastFailTimer);
    this.fastFailTimer = undefined;
    this.adopt(s);
    this.log.info(
      {
        cntlid: s.identity.cntlid,
        ioQueues: s.io.length,
        downMs: Math.round(performance.now() - this.lostAt),
      },
      'NVMe-oF controller reconnected',
    );
    this.emit('state', 'live', undefined);
    if (grew) this.emit('resize', s.namespace.nsze);
    this.dispatchWaiters();
  }

  private giveUp(err: MayastorError): void {
    this.st = 'failed';
    this.lastErr = err;
    clearTimeout(this.fastFailTimer);
    this.fastFailTimer = undefined;
    this.log.error(
      { err: err.message, code: err.code },
      'NVMe-oF controller failed; I/O fails until reconnect()',
    );
    this.failWaiters(bdevError(BdevErrors.IO_ERROR, err.message, { cause: err }));
    this.emit('state', 'failed', err);
  }

  /**
   * Try again after the controller failed (ctrl-loss timeout, or a different namespace found).
   * Resolves once live; rejects with the reason if it fails again.
   */
  reconnect(): Promise<void> {
    if (this.st === 'live') return Promise.resolve();
    if (this.closeRequested || this.st === 'closing' || this.st === 'closed') {
      return Promise.reject(bdevError(BdevErrors.CLOSED, `${this.options.name}: device is closed`));
    }
    const done = new Promise<void>((resolve, reject) => {
      const on = (state: ControllerState, reason: MayastorError | undefined) => {
        if (state === 'live') resolve();
        else if (state === 'failed' || state === 'closed')
          reject(reason ?? bdevError(BdevErrors.CLOSED, 'closed'));
        else return;
        this.off('state', on);
      };
      this.on('state', on);
    });
    if (this.st === 'failed') {
      this.st = 'resetting';
      this.lostAt = performance.now();
      this.reconnectDelay = this.options.reconnectDelayMs;
      this.emit('state', 'resetting', this.lastErr);
      void this.attemptReconnect();
    }
    return done;
  }

  // ---- shutdown ----

  /**
   * The device is closing: stop reconnecting and fail I/O that waits for a connection. I/O in
   * flight on a live controller is left to finish (the device waits for it before `shutdown`).
   */
  beginClose(): void {
    if (this.closeRequested) return;
    this.closeRequested = true;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    clearTimeout(this.fastFailTimer);
    this.fastFailTimer = undefined;
    if (this.st !== 'live') {
      this.st = 'closing';
      this.failWaiters(bdevError(BdevErrors.CLOSED, `${this.options.name}: device closed`));
    }
  }

  /**
   * Clean shutdown: CC.SHN = normal, wait for CSTS.SHST = complete (bounded), then close the I/O
   * queues and the admin queue. Safe to call in any state.
   */
  async shutdown(): Promise<void> {
    if (this.st === 'closed') return;
    this.beginClose();
    const s = this.session;
    this.st = 'closing';
    this.stopKeepAlive();
    this.failWaiters(bdevError(BdevErrors.CLOSED, `${this.options.name}: device closed`));
    if (s) {
      this.session = undefined;
      const closed = bdevError(BdevErrors.CLOSED, `${this.options.name}: device closed`);
      await Promise.all(s.io.map((q) => q.close(closed)));
      if (!s.admin.isDead) {
        try {
          await shutdownController(s.admin, this.options, s.identity.rtd3eUs);
          this.shutdownResult = 'clean';
          this.log.info('NVMe-oF controller shut down cleanly');
        } catch (e) {
          this.log.warn(
            { err: e instanceof Error ? e.message : String(e) },
            'clean controller shutdown failed; disconnecting anyway',
          );
        }
      }
      await s.admin.close(closed);
    }
    this.shutdownResult ??= 'forced';
    this.st = 'closed';
    this.emit('state', 'closed', undefined);
  }
}

/** The namespace's UUID: from the descriptor list, else its NGUID read as a UUID. */
export function namespaceUuid(ns: NamespaceIdentity): string | undefined {
  if (ns.uuid) return ns.uuid;
  if (ns.nguid) return uuidFromBytes(Buffer.from(ns.nguid, 'hex'));
  return undefined;
}

/** Why `after` is not the namespace `before` was, or undefined when it is. */
function namespaceChange(before: NamespaceIdentity, after: NamespaceIdentity): string | undefined {
  if (after.blockSize !== before.blockSize)
    return `changed block size from ${before.blockSize} to ${after.blockSize}`;
  for (const k of ['uuid', 'nguid', 'eui64'] as const) {
    if (before[k] !== undefined && before[k] !== after[k])
      return `changed ${k} from ${before[k]} to ${after[k] ?? '(none)'}`;
  }
  if (after.nsze < before.nsze) return `shrank from ${before.nsze} to ${after.nsze} blocks`;
  return undefined;
}
