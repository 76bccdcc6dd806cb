/**
 * A controller: one host's association with a subsystem (dynamic controller model). It owns the
 * admin queue and the I/O queues, the controller properties (CAP, VS, CC, CSTS) with their
 * enable / reset / shutdown state machine, the features, Asynchronous Event Requests, the
 * error log, and the keep-alive timer that tears the association down when the host goes
 * silent.
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from '../../core/log.js';
import { describeError } from '../../core/errors.js';
import { AdminOpc, Feature, LogPage, NVME_VERSION_1_4, Prop } from '../spec.js';
import { St } from './status.js';
import type { Subsystem, SubsystemListener } from './subsystem.js';
import { MAX_NAMESPACES } from './subsystem.js';
import type { Cmd, TcpQueue } from './queue.js';
import type { TargetContext } from './context.js';
import {
  AERL,
  ELPE,
  IDENTIFY_SIZE,
  Oaes,
  activeNamespaceList,
  identifyController,
  identifyNamespace,
  namespaceDescriptors,
} from './identify.js';
import {
  changedNamespaceLog,
  effectsLog,
  errorLog,
  firmwareSlotLog,
  smartLog,
  type ErrorEntry,
} from './logpages.js';

// CC / CSTS fields
const CC_EN = 1 << 0;
const CC_SHN_MASK = 0x3 << 14;
const CSTS_RDY = 1 << 0;
const CSTS_CFS = 1 << 1;
const CSTS_SHST_MASK = 0x3 << 2;
const CSTS_SHST_OCCURRING = 0x1 << 2;
const CSTS_SHST_COMPLETE = 0x2 << 2;

/** CAP.TO: worst-case time to become ready, in 500 ms units (informational; we are instant). */
const CAP_TO = 15;

/** Asynchronous event: type Notice (2), info, and the log page that clears it. */
const AEN_NOTICE = 2;
const AEN_INFO_NS_CHANGED = 0x00;
const AEN_INFO_DISCOVERY_CHANGED = 0xf0;

/** Keep-alive slack on top of KATO: the host sends keep-alives every KATO/2, plus round trips. */
export function keepAliveDeadlineMs(katoMs: number): number {
  return katoMs + Math.max(1000, katoMs / 2);
}

const TEMP_DEFAULT_OVER = 0x0157; // 343 K (70 °C), as most devices report

export class Controller implements SubsystemListener {
  readonly log: Logger;
  cc = 0;
  csts = 0;
  /** Keep Alive Timeout in ms (0: disabled). */
  katoMs: number;
  /** I/O queues the host may connect (Set Features Number of Queues). */
  ioQueuesAllowed: number;
  volatileWriteCache = true;
  private aec = 0;
  private readonly ioQueues = new Map<number, TcpQueue>();
  /** Monotonic time (ms) of the host's last command: a wall-clock step must not expire a host. */
  private lastSeen = performance.now();
  private kaTimer: NodeJS.Timeout | undefined;
  private readonly aerWaiting: Cmd[] = [];
  private readonly events: number[] = [];
  /** Log pages with an event reported and not yet read (no further events of that kind). */
  private readonly masked = new Set<number>();
  private readonly changedNs = new Set<number>();
  private changedOverflow = false;
  private readonly errors: ErrorEntry[] = [];
  private errorCount = 0n;
  private readonly simpleFeatures = new Map<number, number>();
  private readonly tempThresholds = new Map<number, number>();
  private destroyed = false;

  constructor(
    readonly cntlid: number,
    readonly subsystem: Subsystem,
    readonly hostNqn: string,
    readonly hostId: Buffer,
    katoMs: number,
    readonly admin: TcpQueue,
    private readonly t: TargetContext,
  ) {
    this.log = t.log.child({ subnqn: subsystem.nqn, cntlid, hostnqn: hostNqn });
    this.ioQueuesAllowed = t.limits.maxIoQueues;
    this.katoMs = this.normaliseKato(katoMs);
    this.armKeepAlive();
  }

  get isDiscovery(): boolean {
    return this.subsystem.isDiscovery;
  }

  /** I/O commands are accepted: enabled, ready, not shut down. */
  get ioReady(): boolean {
    return (this.csts & (CSTS_RDY | CSTS_CFS | CSTS_SHST_MASK)) === CSTS_RDY;
  }

  get ioQueueCount(): number {
    return this.ioQueues.size;
  }

  describe(): string {
    return `${this.subsystem.nqn} cntlid ${this.cntlid}`;
  }

  hasIoQueue(qid: number): boolean {
    return this.ioQueues.has(qid);
  }

  addIoQueue(qid: number, q: TcpQueue): void {
    this.ioQueues.set(qid, q);
  }

  /** Any command from the host counts as a sign of life. */
  touch(): void {
    this.lastSeen = performance.now();
  }

  // ---------------------------------------------------------------- keep-alive

  private normaliseKato(ms: number): number {
    // Discovery controllers without a KATO still get one, so an abandoned one goes away.
    if (ms === 0) return this.isDiscovery ? this.t.limits.discoveryKatoMs : 0;
    return Math.ceil(ms / 1000) * 1000; // KAS granularity: whole seconds
  }

  private armKeepAlive(): void {
    if (this.kaTimer) clearTimeout(this.kaTimer);
    this.kaTimer = undefined;
    if (this.katoMs === 0 || this.destroyed) return;
    const deadline = keepAliveDeadlineMs(this.katoMs);
    // One timer per controller, re-armed lazily from the last command's time: no per-command
    // timer work, and an idle target wakes only once per KATO.
    const check = () => {
      this.kaTimer = undefined;
      if (this.destroyed) return;
      const idle = performance.now() - this.lastSeen;
      if (idle >= deadline) {
        this.t.stats.keepAliveTimeouts++;
        this.csts |= CSTS_CFS;
        this.log.warn(
          { katoMs: this.katoMs, idleMs: idle },
          'keep-alive timeout: host went silent, removing controller',
        );
        this.destroy('keep-alive timeout');
        return;
      }
      this.kaTimer = setTimeout(check, deadline - idle);
      this.kaTimer.unref();
    };
    this.kaTimer = setTimeout(check, deadline);
    this.kaTimer.unref();
  }

  // ---------------------------------------------------------------- teardown

  /** A queue's connection closed. The admin queue's loss ends the association. */
  queueClosed(q: TcpQueue, reason: string): void {
    if (q === this.admin) {
      this.destroy(`admin queue closed (${reason})`);
    } else if (this.ioQueues.get(q.qid) === q) {
      this.ioQueues.delete(q.qid);
      this.log.debug({ qid: q.qid, reason }, 'I/O queue closed');
    }
  }

  revoke(reason: string): void {
    this.log.warn({ reason }, 'removing controller');
    this.destroy(reason);
  }

  namespaceChanged(nsid: number): void {
    if (this.isDiscovery || this.destroyed) return;
    if (this.changedNs.size >= IDENTIFY_SIZE / 4) this.changedOverflow = true;
    else this.changedNs.add(nsid);
    if (this.aec & Oaes.NamespaceAttribute) {
      this.raiseEvent(AEN_NOTICE | (AEN_INFO_NS_CHANGED << 8) | (LogPage.ChangedNamespaceList << 16));
    }
  }

  discoveryChanged(): void {
    if (!this.isDiscovery || this.destroyed) return;
    if (this.aec & Oaes.DiscoveryLogChange) {
      this.raiseEvent(AEN_NOTICE | (AEN_INFO_DISCOVERY_CHANGED << 8) | (LogPage.Discovery << 16));
    }
  }

  /** The host reused the ID of an outstanding AER: it has abandoned it. True if `cmd` was one. */
  forgetAer(cmd: Cmd): boolean {
    const i = this.aerWaiting.indexOf(cmd);
    if (i < 0) return false;
    this.aerWaiting.splice(i, 1);
    this.log.debug(
      { cid: cmd.cid },
      'host reused the ID of an outstanding Asynchronous Event Request; it is abandoned',
    );
    return true;
  }

  destroy(reason: string): void {
    if (this.destroyed) return;
    this.destroyed = true;
    if (this.kaTimer) clearTimeout(this.kaTimer);
    this.kaTimer = undefined;
    this.aerWaiting.length = 0;
    this.subsystem.detach(this);
    this.t.controllerGone(this);
    for (const q of [...this.ioQueues.values()]) q.close(`controller removed: ${reason}`, undefined);
    this.ioQueues.clear();
    this.admin.close(`controller removed: ${reason}`, undefined);
    this.log.info({ reason }, this.isDiscovery ? 'discovery controller removed' : 'controller removed');
  }

  // ---------------------------------------------------------------- errors and events

  recordError(sqid: number, cmd: Cmd, status: number): void {
    this.errorCount++;
    this.errors.push({
      count: this.errorCount,
      sqid,
      cid: cmd.cid,
      status,
      paramLoc: 0xffff,
      lba: BigInt(cmd.slba),
      nsid: cmd.sqe.length >= 8 ? cmd.sqe.readUInt32LE(4) : 0,
    });
    if (this.errors.length > ELPE + 1) this.errors.shift();
  }

  private raiseEvent(dw0: number): void {
    const logPage = (dw0 >>> 16) & 0xff;
    if (this.masked.has(logPage)) return;
    this.masked.add(logPage);
    this.events.push(dw0);
    this.deliverEvents();
  }

  private deliverEvents(): void {
    while (this.events.length > 0 && this.aerWaiting.length > 0) {
      const cmd = this.aerWaiting.shift()!;
      const ev = this.events.shift()!;
      cmd.q.complete(cmd, St.SUCCESS, ev);
    }
  }

  // ---------------------------------------------------------------- properties

  private capLo(): number {
    // MQES (0-based), CQR (contiguous queues required), TO.
    return ((this.t.limits.maxQueueDepth - 1) | (1 << 16) | (CAP_TO << 24)) >>> 0;
  }

  private capHi(): number {
    // CSS bit 0 (NVM command set) is CAP bit 37; MPSMIN = MPSMAX = 0 (4 KiB).
    return 1 << (37 - 32);
  }

  propertyCommand(q: TcpQueue, cmd: Cmd, fctype: number): void {
    const s = cmd.sqe;
    const size8 = (s[40]! & 0x7) === 1;
    const ofst = s.readUInt32LE(44);
    if (fctype === 0x04) {
      // Property Get
      if (ofst === Prop.CAP && size8) return q.complete(cmd, St.SUCCESS, this.capLo(), this.capHi());
      if (size8) return q.complete(cmd, St.INVALID_FIELD);
      switch (ofst) {
        case Prop.VS:
          return q.complete(cmd, St.SUCCESS, NVME_VERSION_1_4);
        case Prop.CC:
          return q.complete(cmd, St.SUCCESS, this.cc);
        case Prop.CSTS:
          return q.complete(cmd, St.SUCCESS, this.csts);
        default:
          return q.complete(cmd, St.INVALID_FIELD);
      }
    }
    // Property Set: only CC is writable.
    if (ofst !== Prop.CC || size8) return q.complete(cmd, St.INVALID_FIELD);
    this.writeCC(s.readUInt32LE(48));
    q.complete(cmd, St.SUCCESS);
  }

  private writeCC(v: number): void {
    const old = this.cc;
    this.cc = v >>> 0;
    const wasEn = (old & CC_EN) !== 0;
    const en = (v & CC_EN) !== 0;
    if (!wasEn && en) {
      // Enable: 4 KiB pages (MPS 0), NVM command set (CSS 0), round robin (AMS 0), 64-byte SQ
      // and 16-byte CQ entries; anything else is a fatal controller status.
      const mps = (v >> 7) & 0xf;
      const css = (v >> 4) & 0x7;
      const ams = (v >> 11) & 0x7;
      const iosqes = (v >> 16) & 0xf;
      const iocqes = (v >> 20) & 0xf;
      if (mps !== 0 || css !== 0 || ams !== 0 || iosqes !== 6 || iocqes !== 4) {
        this.log.warn({ cc: v.toString(16) }, 'CC enable with unsupported settings: controller fatal status');
        this.csts = CSTS_CFS;
        return;
      }
      this.csts = CSTS_RDY;
      this.log.debug('controller enabled');
    } else if (wasEn && !en) {
      this.reset();
      return;
    }
    const shn = v & CC_SHN_MASK;
    if (en && shn !== 0 && (this.csts & CSTS_SHST_MASK) === 0) this.shutdown();
  }

  /** CC.EN 1 -> 0: the host resets the controller; I/O queues go, features return to defaults. */
  private reset(): void {
    this.log.info('controller reset by the host');
    for (const q of [...this.ioQueues.values()]) q.close('controller reset', undefined);
    this.ioQueues.clear();
    this.csts = 0;
    // The reset aborts the outstanding Asynchronous Event Requests: the host reuses their IDs.
    for (const cmd of this.aerWaiting.splice(0)) this.admin.abandon(cmd);
    this.events.length = 0;
    this.masked.clear();
    this.aec = 0;
    this.volatileWriteCache = true;
    this.ioQueuesAllowed = this.t.limits.maxIoQueues;
  }

  /** CC.SHN: flush every namespace, then report shutdown complete (the host polls CSTS.SHST). */
  private shutdown(): void {
    this.csts = (this.csts & ~CSTS_SHST_MASK) | CSTS_SHST_OCCURRING;
    const nss = [...this.subsystem.namespaces.values()];
    this.log.info({ namespaces: nss.length }, 'shutdown requested by the host: flushing');
    this.t.ioStart();
    void Promise.allSettled(nss.map((ns) => ns.dev.flush())).then((rs) => {
      this.t.ioEnd();
      for (const r of rs) {
        if (r.status === 'rejected')
          this.log.error({ err: describeError(r.reason) }, 'flush at shutdown failed');
      }
      this.csts = (this.csts & ~CSTS_SHST_MASK) | CSTS_SHST_COMPLETE;
    });
  }

  // ---------------------------------------------------------------- admin commands

  adminCommand(q: TcpQueue, cmd: Cmd): void {
    if (!(this.csts & CSTS_RDY)) return q.complete(cmd, St.CMD_SEQ_ERROR);
    switch (cmd.opc) {
      case AdminOpc.Identify:
        return this.identify(q, cmd);
      case AdminOpc.GetLogPage:
        return this.getLogPage(q, cmd);
      case AdminOpc.SetFeatures:
        return this.setFeatures(q, cmd);
      case AdminOpc.GetFeatures:
        return this.getFeatures(q, cmd);
      case AdminOpc.AsyncEventRequest:
        if (this.aerWaiting.length > AERL) return q.complete(cmd, St.AER_LIMIT);
        this.aerWaiting.push(cmd);
        this.deliverEvents();
        return;
      case AdminOpc.KeepAlive:
        return q.complete(cmd, St.SUCCESS);
      case AdminOpc.Abort:
        // Block-device I/O cannot be recalled once issued: report "not aborted" (DW0 bit 0).
        return q.complete(cmd, St.SUCCESS, 1);
      default:
        return q.complete(cmd, St.INVALID_OPCODE);
    }
  }

  private identify(q: TcpQueue, cmd: Cmd): void {
    const s = cmd.sqe;
    const cns = s[40]!;
    const nsid = s.readUInt32LE(4);
    const csi = s[47]!;
    const subsys = this.subsystem;
    let data: Buffer;
    if (cns === 0x01) {
      data = identifyController({
        cntlid: this.cntlid,
        subsystem: subsys,
        limits: this.t.limits,
        firmwareRevision: this.t.firmwareRevision,
      });
    } else if (this.isDiscovery) {
      return q.complete(cmd, St.INVALID_FIELD);
    } else if (cns === 0x00) {
      if (nsid === 0 || nsid > MAX_NAMESPACES) return q.complete(cmd, St.INVALID_NS);
      const ns = subsys.namespace(nsid);
      data = ns ? identifyNamespace(ns) : Buffer.alloc(IDENTIFY_SIZE); // inactive: zeros
    } else if (cns === 0x02) {
      if (nsid >= 0xfffffffe) return q.complete(cmd, St.INVALID_NS);
      data = activeNamespaceList(subsys, nsid);
    } else if (cns === 0x03) {
      const ns = subsys.namespace(nsid);
      if (!ns) return q.complete(cmd, St.INVALID_NS);
      data = namespaceDescriptors(ns);
    } else if ((cns === 0x05 || cns === 0x06) && csi === 0) {
      // I/O Command Set specific structures for the NVM command set: no extra limits to report.
      if (cns === 0x05 && !subsys.namespace(nsid)) return q.complete(cmd, St.INVALID_NS);
      data = Buffer.alloc(IDENTIFY_SIZE);
    } else {
      return q.complete(cmd, St.INVALID_FIELD);
    }
    q.completeWithData(cmd, data, false);
  }

  private getLogPage(q: TcpQueue, cmd: Cmd): void {
    const s = cmd.sqe;
    const cdw10 = s.readUInt32LE(40);
    const cdw11 = s.readUInt32LE(44);
    const lid = cdw10 & 0xff;
    const rae = (cdw10 & (1 << 15)) !== 0;
    const numd = (cdw10 >>> 16) + (cdw11 & 0xffff) * 65536 + 1;
    const len = numd * 4;
    const offset = s.readUInt32LE(48) + s.readUInt32LE(52) * 2 ** 32;
    if (len > this.t.limits.maxIoSize) return q.complete(cmd, St.INVALID_FIELD);
    if (len > cmd.c2hMax) return q.complete(cmd, St.SGL_LENGTH_INVALID);
    if (offset % 4 !== 0) return q.complete(cmd, St.INVALID_FIELD);
    const page = this.logPage(lid, s.readUInt32LE(4), q);
    if (page === undefined) return q.complete(cmd, St.INVALID_LOG_PAGE);
    if (typeof page === 'number') return q.complete(cmd, page);
    if (offset > page.length) return q.complete(cmd, St.INVALID_FIELD);
    const out = Buffer.alloc(len);
    page.copy(out, 0, offset, Math.min(page.length, offset + len));
    if (!rae) {
      // Reading the page clears the event it reported and lets the next one through.
      this.masked.delete(lid);
      if (lid === LogPage.ChangedNamespaceList) {
        this.changedNs.clear();
        this.changedOverflow = false;
      }
    }
    q.completeWithData(cmd, out, false);
  }

  /** The whole page, a status for a bad request, or undefined for an unsupported page. */
  private logPage(lid: number, nsid: number, q: TcpQueue): Buffer | number | undefined {
    if (this.isDiscovery) {
      if (lid === LogPage.Discovery) return this.t.discoveryLogPage(this.hostNqn, q.localAddress);
      if (lid === LogPage.ErrorInformation) return errorLog(this.errors, ELPE + 1);
      return undefined;
    }
    switch (lid) {
      case LogPage.ErrorInformation:
        return errorLog(this.errors, ELPE + 1);
      case LogPage.SmartHealth: {
        let nss = [...this.subsystem.namespaces.values()];
        if (nsid !== 0 && nsid !== 0xffffffff) {
          const ns = this.subsystem.namespace(nsid);
          if (!ns) return St.INVALID_NS;
          nss = [ns];
        }
        return smartLog({
          namespaces: nss,
          errorCount: this.errorCount,
          powerOnHours: Math.floor(this.t.uptimeMs() / 3_600_000),
        });
      }
      case LogPage.FirmwareSlot:
        return firmwareSlotLog(this.t.firmwareRevision);
      case LogPage.ChangedNamespaceList:
        return changedNamespaceLog([...this.changedNs], this.changedOverflow);
      case LogPage.CommandsSupported:
        return effectsLog();
      default:
        return undefined;
    }
  }

  private setFeatures(q: TcpQueue, cmd: Cmd): void {
    const s = cmd.sqe;
    const cdw10 = s.readUInt32LE(40);
    const cdw11 = s.readUInt32LE(44);
    const fid = cdw10 & 0xff;
    if (cdw10 & (1 << 31)) return q.complete(cmd, St.FEATURE_NOT_SAVEABLE);
    const disc = this.isDiscovery;
    switch (fid) {
      case Feature.NumberOfQueues: {
        if (disc) break;
        const nsqr = cdw11 & 0xffff;
        const ncqr = cdw11 >>> 16;
        if (nsqr === 0xffff || ncqr === 0xffff) return q.complete(cmd, St.INVALID_FIELD);
        if (this.ioQueues.size > 0) return q.complete(cmd, St.CMD_SEQ_ERROR);
        const n = Math.min(nsqr + 1, ncqr + 1, this.t.limits.maxIoQueues);
        this.ioQueuesAllowed = n;
        return q.complete(cmd, St.SUCCESS, (n - 1) | ((n - 1) << 16));
      }
      case Feature.KeepAliveTimer:
        this.katoMs = this.normaliseKato(cdw11);
        this.touch();
        this.armKeepAlive();
        return q.complete(cmd, St.SUCCESS);
      case Feature.AsyncEventConfiguration:
        this.aec = (cdw11 & (disc ? Oaes.DiscoveryLogChange : Oaes.NamespaceAttribute)) >>> 0;
        return q.complete(cmd, St.SUCCESS);
      case Feature.VolatileWriteCache:
        if (disc) break;
        this.volatileWriteCache = (cdw11 & 1) !== 0;
        this.log.info({ enabled: this.volatileWriteCache }, 'volatile write cache set by the host');
        return q.complete(cmd, St.SUCCESS);
      case Feature.TemperatureThreshold: {
        if (disc) break;
        const tmpsel = (cdw11 >> 16) & 0xf;
        const thsel = (cdw11 >> 20) & 0x3;
        if (tmpsel !== 0 || thsel > 1) return q.complete(cmd, St.INVALID_FIELD);
        this.tempThresholds.set(thsel, cdw11 & 0xffff);
        return q.complete(cmd, St.SUCCESS);
      }
      case Feature.PowerManagement:
        if (disc) break;
        if ((cdw11 & 0x1f) !== 0) return q.complete(cmd, St.INVALID_FIELD); // one power state
        this.simpleFeatures.set(fid, cdw11 & 0xff);
        return q.complete(cmd, St.SUCCESS);
      case Feature.Arbitration:
      case Feature.ErrorRecovery:
      case Feature.InterruptCoalescing:
      case Feature.WriteAtomicity:
        if (disc) break;
        this.simpleFeatures.set(fid, cdw11);
        return q.complete(cmd, St.SUCCESS);
      case Feature.HostIdentifier:
        // Over fabrics the host identifier is the one given in Connect.
        return q.complete(cmd, St.CMD_SEQ_ERROR);
    }
    q.complete(cmd, St.INVALID_FIELD);
  }

  private getFeatures(q: TcpQueue, cmd: Cmd): void {
    const s = cmd.sqe;
    const cdw10 = s.readUInt32LE(40);
    const cdw11 = s.readUInt32LE(44);
    const fid = cdw10 & 0xff;
    const sel = (cdw10 >> 8) & 0x7;
    const disc = this.isDiscovery;
    const dflt = sel === 1 || sel === 2; // no saved values: saved = default
    const CHANGEABLE = 1 << 2;
    if (sel > 3) return q.complete(cmd, St.INVALID_FIELD);
    const reply = (current: number, def: number, caps = CHANGEABLE) =>
      q.complete(cmd, St.SUCCESS, sel === 3 ? caps : dflt ? def : current);
    switch (fid) {
      case Feature.NumberOfQueues: {
        if (disc) break;
        const n = this.ioQueuesAllowed - 1;
        const d = this.t.limits.maxIoQueues - 1;
        return reply(n | (n << 16), d | (d << 16), 0);
      }
      case Feature.KeepAliveTimer:
        return reply(this.katoMs, disc ? this.t.limits.discoveryKatoMs : 0);
      case Feature.AsyncEventConfiguration:
        return reply(this.aec, 0);
      case Feature.VolatileWriteCache:
        if (disc) break;
        return reply(this.volatileWriteCache ? 1 : 0, 1);
      case Feature.TemperatureThreshold: {
        if (disc) break;
        const tmpsel = (cdw11 >> 16) & 0xf;
        const thsel = (cdw11 >> 20) & 0x3;
        if (tmpsel !== 0 || thsel > 1) return q.complete(cmd, St.INVALID_FIELD);
        const def = thsel === 0 ? TEMP_DEFAULT_OVER : 0;
        return reply(this.tempThresholds.get(thsel) ?? def, def);
      }
      case Feature.Arbitration:
      case Feature.PowerManagement:
      case Feature.ErrorRecovery:
      case Feature.InterruptCoalescing:
      case Feature.WriteAtomicity:
        if (disc) break;
        return reply(this.simpleFeatures.get(fid) ?? 0, 0);
      case Feature.HostIdentifier: {
        if (sel === 3) return q.complete(cmd, St.SUCCESS, 0);
        // EXHID (CDW11 bit 0): the 128-bit identifier; the 64-bit form does not exist over fabrics.
        if ((cdw11 & 1) === 0) return q.complete(cmd, St.INVALID_FIELD);
        return q.completeWithData(cmd, this.hostId, false);
      }
    }
    q.complete(cmd, St.INVALID_FIELD);
  }
}
