/**
 * The io-engine's network frontends: the NVMe-oF/TCP target for replicas (port 8420), the one
 * for published nexuses (port 4421), and the NBD server for nexuses published over NBD.
 *
 * Two NVMe-oF targets rather than one with two ports, because they differ in more than the
 * port: replicas are advertised at the node's address for other io-engines, nexuses at the
 * address application hosts use (behind NAT, a VM's 10.0.2.2), and each target's discovery
 * service then lists only its own kind of subsystem.
 */
import type { Logger } from '../core/log.js';
import { invalidArgument } from '../core/errors.js';
import type { BlockDevice } from '../bdev/types.js';
import { NvmfTarget } from '../nvmf/target/index.js';
import { NbdServer } from '../nbd/index.js';
import type { EngineConfig } from './config.js';
import type { NvmfShareBackend } from './shares.js';
import { engineError, EngineErrors } from './errors.js';

function fmtHost(h: string): string {
  return h.includes(':') ? `[${h}]` : h;
}

/** Start a target listening on every address, all on one port (the first bind picks it when 0). */
async function startTarget(
  addresses: string[],
  port: number,
  advertise: string,
  log: Logger,
  what: string,
): Promise<{ target: NvmfTarget; port: number }> {
  const target = new NvmfTarget({ log: log.child({ target: what }), advertise });
  try {
    let bound = port;
    for (const a of addresses) bound = (await target.listen(a, bound)).port;
    return { target, port: bound };
  } catch (e) {
    await target.stop();
    throw engineError(
      EngineErrors.CONFIG_INVALID,
      `cannot start the ${what} NVMe-oF target on ${addresses.map(fmtHost).join(', ')} port ${port}: ${(e as Error).message}`,
      { cause: e },
    );
  }
}

/** The replica target as the share manager sees it. */
class TargetBackend implements NvmfShareBackend {
  constructor(
    readonly target: NvmfTarget,
    readonly port: number,
  ) {}

  addSubsystem(nqn: string, dev: BlockDevice, allowedHosts: readonly string[]): void {
    const s = this.target.createSubsystem({ nqn, allowedHosts });
    try {
      s.addNamespace(dev, { nsid: 1, uuid: dev.uuid });
    } catch (e) {
      this.target.removeSubsystem(nqn);
      throw e;
    }
  }

  setAllowedHosts(nqn: string, allowedHosts: readonly string[]): void {
    const s = this.target.subsystem(nqn);
    if (!s) return;
    // Add first, then remove: a host on both lists never loses access in between.
    for (const h of allowedHosts) if (!s.allowedHosts.includes(h)) s.allowHost(h);
    for (const h of s.allowedHosts) if (!allowedHosts.includes(h)) s.disallowHost(h);
  }

  removeSubsystem(nqn: string): void {
    if (this.target.subsystem(nqn)) this.target.removeSubsystem(nqn);
  }

  notifyResize(nqn: string): void {
    this.target.subsystem(nqn)?.notifyNamespaceChanged(1);
  }

  stop(): Promise<void> {
    return this.target.stop();
  }
}

export interface PublishedNvmf {
  nqn: string;
  uri: string;
}

export class Frontends {
  private nexusTarget: NvmfTarget | undefined;
  private nexusPort = 0;
  private nbd: NbdServer | undefined;
  private nbdBoundPort = 0;

  constructor(
    readonly config: EngineConfig,
    readonly log: Logger,
  ) {}

  /** Start the replica target (port 8420 by default) on the NVMe-oF addresses. */
  async startReplicaTarget(): Promise<NvmfShareBackend | undefined> {
    const c = this.config;
    const { target, port } = await startTarget(
      c.nvmf.addresses,
      c.nvmf.replicaPort,
      c.advertiseAddress,
      this.log,
      'replica',
    );
    return new TargetBackend(target, port);
  }

  /** Start the nexus target (4421) and, unless disabled, the NBD server. */
  async startNexusFrontends(): Promise<void> {
    const c = this.config;
    const t = await startTarget(
      c.nvmf.addresses,
      c.nvmf.nexusPort,
      c.nexusAdvertiseAddress,
      this.log,
      'nexus',
    );
    this.nexusTarget = t.target;
    this.nexusPort = t.port;
    if (c.nbd.enabled) {
      // One NbdServer listens on one address; several addresses would need several servers
      // sharing exports. The first address is served; the others are reported.
      const [first, ...rest] = c.nbd.addresses;
      if (rest.length > 0)
        this.log.warn({ served: first, ignored: rest }, 'NBD listens on its first address only');
      const server = new NbdServer({ log: this.log.child({ frontend: 'nbd' }) });
      try {
        this.nbdBoundPort = (await server.listen({ host: first!, port: c.nbd.port })).port;
      } catch (e) {
        await server.close().catch(() => undefined);
        throw engineError(
          EngineErrors.CONFIG_INVALID,
          `cannot start the NBD server: ${(e as Error).message}`,
          { cause: e },
        );
      }
      this.nbd = server;
    }
  }

  get nexusNvmfPort(): number {
    return this.nexusPort;
  }

  get nbdPort(): number {
    return this.nbdBoundPort;
  }

  get nbdAvailable(): boolean {
    return this.nbd !== undefined;
  }

  /** Controllers connected to the nexus target (for status output). */
  nexusControllers(nqn: string): number {
    return this.nexusTarget?.subsystem(nqn)?.controllerCount ?? 0;
  }

  publishNvmf(
    nqn: string,
    dev: BlockDevice,
    allowedHosts: readonly string[],
    cntlid: { min?: number; max?: number },
  ): PublishedNvmf {
    const t = this.nexusTarget;
    if (!t) throw engineError(EngineErrors.PROTOCOL_UNSUPPORTED, 'the nexus NVMe-oF target is not running');
    const s = t.createSubsystem({
      nqn,
      allowedHosts,
      ...(cntlid.min ? { minCntlId: cntlid.min } : {}),
      ...(cntlid.max ? { maxCntlId: cntlid.max } : {}),
    });
    try {
      s.addNamespace(dev, { nsid: 1, uuid: dev.uuid });
    } catch (e) {
      t.removeSubsystem(nqn);
      throw e;
    }
    return { nqn, uri: `nvmf://${fmtHost(this.config.nexusAdvertiseAddress)}:${this.nexusPort}/${nqn}` };
  }

  setNexusAllowedHosts(nqn: string, allowedHosts: readonly string[]): void {
    const s = this.nexusTarget?.subsystem(nqn);
    if (!s) return;
    for (const h of allowedHosts) if (!s.allowedHosts.includes(h)) s.allowHost(h);
    for (const h of s.allowedHosts) if (!allowedHosts.includes(h)) s.disallowHost(h);
  }

  unpublishNvmf(nqn: string): void {
    if (this.nexusTarget?.subsystem(nqn)) this.nexusTarget.removeSubsystem(nqn);
  }

  notifyNexusResize(nqn: string): void {
    this.nexusTarget?.subsystem(nqn)?.notifyNamespaceChanged(1);
  }

  publishNbd(name: string, dev: BlockDevice, allowedHosts: readonly string[]): string {
    if (!this.nbd) throw engineError(EngineErrors.PROTOCOL_UNSUPPORTED, 'NBD is disabled on this io-engine');
    if (allowedHosts.length > 0) {
      throw invalidArgument(
        'NBD exports cannot be restricted per volume (NBD has no host identity); publish over NVMe-oF with allowed host NQNs, or restrict the NBD listen address',
      );
    }
    this.nbd.addExport(name, dev, { description: `Mayastor-TS nexus ${name}` });
    const host = fmtHost(this.config.nexusAdvertiseAddress);
    return `nbd://${host}:${this.nbdBoundPort}/${encodeURIComponent(name)}`;
  }

  async unpublishNbd(name: string): Promise<void> {
    if (this.nbd?.listExports().some((e) => e.name === name)) await this.nbd.removeExport(name);
  }

  /** Stop the nexus target and NBD: hosts are disconnected, device I/O they started completes. */
  async stopNexusFrontends(): Promise<void> {
    await Promise.all([this.nexusTarget?.stop(), this.nbd?.close()]);
    this.nexusTarget = undefined;
    this.nbd = undefined;
  }
}
