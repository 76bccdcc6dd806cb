/**
 * Sharing block devices (replicas, bdevs) over NVMe-oF/TCP from the replica target (port 8420).
 *
 * The NQN of a shared replica is `nqn.2019-05.io.openebs:<replica-uuid>` and its URI
 * `nvmf://<advertise>:<port>/<nqn>?uuid=<uuid>`, exactly what Mayastor's control plane hands a
 * nexus as a child URI. Sharing again replaces the allowed hosts; hosts taken off the list are
 * disconnected by the target.
 */
import type { BlockDevice } from '../bdev/types.js';
import { FaultInjectingDevice } from '../bdev/fault.js';
import { engineError, EngineErrors } from './errors.js';
import { invalidArgument } from '../core/errors.js';

export const NQN_PREFIX = 'nqn.2019-05.io.openebs';

export function replicaNqn(uuid: string): string {
  return `${NQN_PREFIX}:${uuid}`;
}

/** What the io-engine needs from an NVMe-oF target (implemented over src/nvmf/target). */
export interface NvmfShareBackend {
  /** The port the target listens on. */
  readonly port: number;
  addSubsystem(nqn: string, dev: BlockDevice, allowedHosts: readonly string[]): void;
  setAllowedHosts(nqn: string, allowedHosts: readonly string[]): void;
  removeSubsystem(nqn: string): void;
  /** Tell connected hosts that the namespace changed size. */
  notifyResize(nqn: string): void;
  stop(): Promise<void>;
}

export interface ShareInfo {
  nqn: string;
  uri: string;
  allowedHosts: string[];
  /** Present when fault injection is enabled: the layer I/O from hosts passes through. */
  faults: FaultInjectingDevice | undefined;
}

/** Validate host NQNs (as the target will) so a typo is INVALID_ARGUMENT, not a silent lockout. */
export function checkHostNqns(hosts: readonly string[]): string[] {
  const out: string[] = [];
  for (const h of hosts) {
    if (typeof h !== 'string' || !/^nqn\.\d{4}-\d{2}\.[^:\s]+:\S+$/.test(h) || Buffer.byteLength(h) > 223) {
      throw invalidArgument(
        `allowed host '${String(h)}' is not an NVMe host NQN (e.g. nqn.2019-05.io.openebs:node-name:node-a)`,
      );
    }
    if (!out.includes(h)) out.push(h);
  }
  return out;
}

export class NvmfShares {
  private readonly shares = new Map<string, ShareInfo>();
  private backend: NvmfShareBackend | undefined;

  constructor(
    private readonly advertise: string,
    private readonly faultInjection: boolean,
  ) {}

  /** Attach the target once it listens (the io-engine starts it before restoring shares). */
  attach(backend: NvmfShareBackend | undefined): void {
    this.backend = backend;
  }

  get available(): boolean {
    return this.backend !== undefined;
  }

  get port(): number {
    return this.backend?.port ?? 0;
  }

  private need(): NvmfShareBackend {
    if (!this.backend) {
      throw engineError(
        EngineErrors.PROTOCOL_UNSUPPORTED,
        'this io-engine has no NVMe-oF target (it is disabled or not built in); cannot share over NVMe-oF',
      );
    }
    return this.backend;
  }

  uriOf(nqn: string, uuid: string): string {
    const host = this.advertise.includes(':') ? `[${this.advertise}]` : this.advertise;
    return `nvmf://${host}:${this.port}/${nqn}?uuid=${uuid}`;
  }

  get(key: string): ShareInfo | undefined {
    return this.shares.get(key);
  }

  /** Share `dev` under `key` (a replica uuid or bdev name); idempotent, replaces the allowed hosts. */
  share(key: string, nqn: string, dev: BlockDevice, allowedHosts: readonly string[]): ShareInfo {
    const backend = this.need();
    const hosts = checkHostNqns(allowedHosts);
    const existing = this.shares.get(key);
    if (existing) {
      backend.setAllowedHosts(existing.nqn, hosts);
      existing.allowedHosts = hosts;
      return existing;
    }
    const faults = this.faultInjection ? new FaultInjectingDevice(dev) : undefined;
    backend.addSubsystem(nqn, faults ?? dev, hosts);
    const info: ShareInfo = { nqn, uri: this.uriOf(nqn, dev.uuid), allowedHosts: hosts, faults };
    this.shares.set(key, info);
    return info;
  }

  /** Stop sharing; idempotent. */
  unshare(key: string): boolean {
    const s = this.shares.get(key);
    if (!s) return false;
    this.shares.delete(key);
    s.faults?.clear();
    this.backend?.removeSubsystem(s.nqn);
    return true;
  }

  notifyResize(key: string): void {
    const s = this.shares.get(key);
    if (s) this.backend?.notifyResize(s.nqn);
  }

  keys(): string[] {
    return [...this.shares.keys()];
  }

  async stop(): Promise<void> {
    this.shares.clear();
    await this.backend?.stop();
  }
}
