/**
 * The NVMe-oF/TCP target: TCP listeners, the registry of NVM subsystems plus the discovery
 * subsystem, and the controllers hosts create. Everything is per instance (several targets can
 * live in one process, e.g. one per worker thread or several io-engines in a test).
 *
 *   const t = new NvmfTarget({ log, advertise: '10.0.2.2' });
 *   await t.listen('0.0.0.0', 4420);
 *   t.createSubsystem({ nqn: 'nqn.2019-05.io.openebs:<uuid>' }).addNamespace(dev);
 *   ...
 *   await t.stop();
 */
import { formatHostPort } from '../../core/hostport.js';
import net from 'node:net';
import { silentLogger, type Logger } from '../../core/log.js';
import { DISCOVERY_NQN } from '../spec.js';
import { BufferPool } from './bufpool.js';
import { Controller } from './controller.js';
import type { TargetContext, TargetStats } from './context.js';
import { nvmfTargetError, NvmfTargetErrors } from './errors.js';
import { AdrFam, discoveryLog, SubType, type DiscoveryEntry } from './logpages.js';
import { resolveLimits, type TargetLimits } from './options.js';
import { TcpQueue } from './queue.js';
import { Subsystem, type SubsystemOptions } from './subsystem.js';

export interface NvmfTargetOptions {
  log?: Logger;
  /**
   * Address written into discovery log pages instead of the listener's own (e.g. the address
   * hosts reach us at through NAT; a VM guest reaches the host's loopback as 10.0.2.2). When
   * absent, a listener on a wildcard address advertises the address the host connected to.
   */
  advertise?: string;
  /** Firmware revision in Identify Controller (8 characters at most). */
  firmwareRevision?: string;
  limits?: Partial<TargetLimits>;
}

export interface ListenerInfo {
  host: string;
  port: number;
  portid: number;
}

interface Listener extends ListenerInfo {
  server: net.Server;
}

export interface ControllerInfo {
  subnqn: string;
  cntlid: number;
  hostNqn: string;
  ioQueues: number;
  katoMs: number;
  ready: boolean;
}

const DEFAULT_FIRMWARE = '0.1.0';

export class NvmfTarget {
  readonly log: Logger;
  readonly limits: TargetLimits;
  readonly stats: TargetStats = {
    connectionsAccepted: 0,
    connectionsRefused: 0,
    protocolErrors: 0,
    dataDigestErrors: 0,
    keepAliveTimeouts: 0,
    hostsRefused: 0,
    controllersCreated: 0,
  };
  readonly discovery: Subsystem;
  private readonly advertise: string | undefined;
  private readonly firmwareRevision: string;
  private readonly pool: BufferPool;
  private readonly listeners: Listener[] = [];
  private readonly subsystemsByNqn = new Map<string, Subsystem>();
  private readonly conns = new Set<TcpQueue>();
  private readonly ctrls = new Set<Controller>();
  private nextPortId = 1;
  private genctr = 0n;
  private inflight = 0;
  private drained: (() => void) | undefined;
  private stopped = false;
  private readonly started = Date.now();
  private readonly ctx: TargetContext;

  constructor(opts: NvmfTargetOptions = {}) {
    this.log = (opts.log ?? silentLogger()).child({ component: 'nvmf-target' });
    this.limits = resolveLimits(opts.limits);
    this.advertise = opts.advertise;
    if (
      this.advertise !== undefined &&
      net.isIP(this.advertise) === 0 &&
      !/^[A-Za-z0-9.-]+$/.test(this.advertise)
    ) {
      throw nvmfTargetError(
        NvmfTargetErrors.INVALID_ADDRESS,
        `advertised address '${this.advertise}' is not valid`,
      );
    }
    this.firmwareRevision = opts.firmwareRevision ?? DEFAULT_FIRMWARE;
    if (this.firmwareRevision.length > 8 || !/^[\x20-\x7e]+$/.test(this.firmwareRevision)) {
      throw nvmfTargetError(
        NvmfTargetErrors.INVALID_OPTION,
        'firmware revision must be 1-8 ASCII characters',
      );
    }
    // Enough free buffers for a few full queues; beyond that buffers are simply collected.
    this.pool = new BufferPool(this.limits.maxIoSize, 32 * this.limits.maxIoSize);
    this.discovery = new Subsystem({ nqn: DISCOVERY_NQN }, true);
    this.ctx = this.makeContext();
  }

  // ---------------------------------------------------------------- listeners

  /** Listen on host:port (port 0 picks one); resolves with the bound address. */
  async listen(host: string, port: number): Promise<ListenerInfo> {
    if (this.stopped) throw nvmfTargetError(NvmfTargetErrors.TARGET_STOPPED, 'the target is stopped');
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw nvmfTargetError(NvmfTargetErrors.INVALID_ADDRESS, `port ${port} is not a valid TCP port`);
    }
    const server = net.createServer({ noDelay: true, pauseOnConnect: false }, (s) => this.accept(s));
    await new Promise<void>((resolve, reject) => {
      const onError = (e: Error) => {
        reject(
          nvmfTargetError(
            NvmfTargetErrors.LISTEN_FAILED,
            `cannot listen on ${formatHostPort(host, port)}: ${e.message}`,
            {
              cause: e,
            },
          ),
        );
      };
      server.once('error', onError);
      server.listen({ host, port, exclusive: true }, () => {
        server.off('error', onError);
        resolve();
      });
    });
    server.on('error', (e) => this.log.error({ err: e.message }, 'listener error'));
    const addr = server.address() as net.AddressInfo;
    const l: Listener = { host, port: addr.port, portid: this.nextPortId++, server };
    this.listeners.push(l);
    this.bumpGeneration();
    this.log.info({ host, port: l.port, portid: l.portid }, 'NVMe/TCP listener started');
    return { host, port: l.port, portid: l.portid };
  }

  get listenersInfo(): ListenerInfo[] {
    return this.listeners.map(({ host, port, portid }) => ({ host, port, portid }));
  }

  private accept(s: net.Socket): void {
    if (this.stopped || this.conns.size >= this.limits.maxConnections) {
      this.stats.connectionsRefused++;
      this.log.warn(
        { peer: `${s.remoteAddress}:${s.remotePort}`, open: this.conns.size },
        'connection refused: too many connections',
      );
      s.destroy();
      return;
    }
    this.stats.connectionsAccepted++;
    const q = new TcpQueue(s, this.ctx);
    this.conns.add(q);
    q.onClose(() => this.conns.delete(q));
    this.log.debug({ peer: q.remote }, 'connection accepted');
  }

  // ---------------------------------------------------------------- subsystems

  createSubsystem(opts: SubsystemOptions): Subsystem {
    if (this.stopped) throw nvmfTargetError(NvmfTargetErrors.TARGET_STOPPED, 'the target is stopped');
    if (this.subsystemsByNqn.has(opts.nqn)) {
      throw nvmfTargetError(NvmfTargetErrors.SUBSYSTEM_EXISTS, `subsystem ${opts.nqn} already exists`);
    }
    const s = new Subsystem(opts);
    s.onChange = () => this.bumpGeneration();
    this.subsystemsByNqn.set(s.nqn, s);
    this.bumpGeneration();
    this.log.info({ nqn: s.nqn, serial: s.serialNumber, allowedHosts: s.allowedHosts }, 'subsystem created');
    return s;
  }

  /** Remove a subsystem: its controllers are dropped (hosts see their connections close). */
  removeSubsystem(nqn: string): void {
    const s = this.subsystemsByNqn.get(nqn);
    if (!s) throw nvmfTargetError(NvmfTargetErrors.SUBSYSTEM_NOT_FOUND, `no subsystem ${nqn}`);
    this.subsystemsByNqn.delete(nqn);
    s.onChange = undefined;
    s.revokeAll('subsystem removed');
    this.bumpGeneration();
    this.log.info({ nqn }, 'subsystem removed');
  }

  subsystem(nqn: string): Subsystem | undefined {
    return this.subsystemsByNqn.get(nqn);
  }

  get subsystems(): Subsystem[] {
    return [...this.subsystemsByNqn.values()];
  }

  controllers(): ControllerInfo[] {
    return [...this.ctrls].map((c) => ({
      subnqn: c.subsystem.nqn,
      cntlid: c.cntlid,
      hostNqn: c.hostNqn,
      ioQueues: c.ioQueueCount,
      katoMs: c.katoMs,
      ready: c.ioReady,
    }));
  }

  /** Open TCP connections (queues), connected or not. */
  get connectionCount(): number {
    return this.conns.size;
  }

  /** Device I/O started by hosts and not yet completed. */
  get inflightIo(): number {
    return this.inflight;
  }

  // ---------------------------------------------------------------- discovery

  private bumpGeneration(): void {
    this.genctr++;
    for (const c of this.ctrls) c.discoveryChanged();
  }

  /** Discovery log page entries for one host: every subsystem it may use, on every listener. */
  discoveryEntries(hostNqn: string, localAddress: string): DiscoveryEntry[] {
    const out: DiscoveryEntry[] = [];
    for (const s of this.subsystemsByNqn.values()) {
      if (!s.isHostAllowed(hostNqn)) continue;
      for (const l of this.listeners) {
        const traddr = this.advertise ?? (isWildcard(l.host) ? stripV4Mapped(localAddress) : l.host);
        out.push({
          adrfam: net.isIPv6(traddr) ? AdrFam.IPv6 : AdrFam.IPv4,
          subtype: SubType.Nvme,
          portid: l.portid,
          trsvcid: String(l.port),
          subnqn: s.nqn,
          traddr,
        });
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Stop listening, drop every connection and controller, and wait for device I/O that hosts
   * started to finish (so a flush after stop() covers every acknowledged write).
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const closing = this.listeners.map((l) => new Promise<void>((r) => l.server.close(() => r())));
    for (const c of [...this.ctrls]) c.destroy('target stopping');
    for (const q of [...this.conns]) q.close('target stopping', undefined);
    for (const q of [...this.conns]) q.socket.destroy();
    await Promise.all(closing);
    if (this.inflight > 0) await new Promise<void>((r) => (this.drained = r));
    this.log.info('NVMe/TCP target stopped');
  }

  private makeContext(): TargetContext {
    return {
      log: this.log,
      limits: this.limits,
      pool: this.pool,
      stats: this.stats,
      firmwareRevision: this.firmwareRevision,
      uptimeMs: () => Date.now() - this.started,
      findSubsystem: (nqn) => (nqn === DISCOVERY_NQN ? this.discovery : this.subsystemsByNqn.get(nqn)),
      createController: (subsys, hostNqn, hostId, katoMs, admin) => {
        if (this.stopped) return undefined;
        const cntlid = subsys.allocCntlId();
        if (cntlid === undefined) return undefined;
        const c = new Controller(cntlid, subsys, hostNqn, hostId, katoMs, admin, this.ctx);
        subsys.attach(c);
        this.ctrls.add(c);
        this.stats.controllersCreated++;
        return c;
      },
      controllerOf: (subsys, cntlid) => {
        const c = subsys.controller(cntlid);
        return c instanceof Controller ? c : undefined;
      },
      controllerGone: (c) => {
        this.ctrls.delete(c);
      },
      discoveryLogPage: (hostNqn, localAddress) =>
        discoveryLog(this.genctr, this.discoveryEntries(hostNqn, localAddress)),
      ioStart: () => {
        this.inflight++;
      },
      ioEnd: () => {
        if (--this.inflight === 0 && this.drained) {
          const d = this.drained;
          this.drained = undefined;
          d();
        }
      },
    };
  }
}

function isWildcard(host: string): boolean {
  return host === '' || host === '0.0.0.0' || host === '::' || host === '[::]';
}

function stripV4Mapped(a: string): string {
  return a.startsWith('::ffff:') && net.isIPv4(a.slice(7)) ? a.slice(7) : a;
}
