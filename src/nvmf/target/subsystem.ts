/**
 * NVM subsystems: an NQN, its namespaces (each a BlockDevice), the hosts allowed to connect, and
 * the identity a host sees (serial and model numbers). Controllers are created per host
 * association by the target and register here, so that namespace changes reach them as
 * Asynchronous Event Notifications.
 */
import { createHash } from 'node:crypto';
import type { BlockDevice } from '../../bdev/types.js';
import { assertUuid, uuidToBytes } from '../../core/uuid.js';
import { DISCOVERY_NQN, NQN_FIELD_SIZE } from '../spec.js';
import { nvmfTargetError, NvmfTargetErrors } from './errors.js';

/** Highest namespace ID a subsystem accepts (the active-namespace list fits in one 4 KiB page). */
export const MAX_NAMESPACES = 1024;
export const DEFAULT_MODEL = 'Mayastor-TS NVMe controller';
const MIN_CNTLID = 1;
const MAX_CNTLID = 0xffef;

/** NQN syntax (NVMe Base "NVMe Qualified Names"): nqn.yyyy-mm.reverse-domain:anything, or the UUID form. */
const NQN_RE = /^nqn\.\d{4}-\d{2}\.[A-Za-z0-9][A-Za-z0-9.-]*(:.+)?$/;
export function isValidNqn(nqn: string): boolean {
  return (
    nqn.length > 0 &&
    Buffer.byteLength(nqn, 'utf8') < NQN_FIELD_SIZE &&
    /^[\x20-\x7e]+$/.test(nqn) &&
    NQN_RE.test(nqn)
  );
}

export function assertNqn(nqn: string, what = 'NQN'): string {
  if (!isValidNqn(nqn)) {
    throw nvmfTargetError(
      NvmfTargetErrors.INVALID_NQN,
      `${what} '${nqn}' is not a valid NQN (expected e.g. nqn.2019-05.io.openebs:<uuid>, at most 223 ASCII characters)`,
    );
  }
  return nqn;
}

/**
 * A serial number that stays the same across restarts: derived from the NQN, so a host (and
 * udev's /dev/disk/by-id names) sees the same controller identity every time the target starts.
 */
export function serialFromNqn(nqn: string): string {
  return createHash('sha256').update(nqn).digest('hex').slice(0, 20);
}

/**
 * A UUID (RFC 4122 version 5 layout) derived from a name: for devices that have no UUID of their
 * own that survives a restart, so the namespace's NGUID/UUID do not change under a connected host.
 */
export function stableUuid(name: string): string {
  const h = createHash('sha1').update('mayastor-ts:').update(name).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.toString('hex', 0, 16);
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

export interface NamespaceOptions {
  /** Namespace ID; the lowest free one when absent. */
  nsid?: number;
  /** UUID reported as the namespace's UUID and NGUID; the device's UUID when absent. */
  uuid?: string;
}

/** Per-namespace command counters, for the SMART / Health log page. */
export interface NamespaceCounters {
  readCommands: number;
  writeCommands: number;
  bytesRead: number;
  bytesWritten: number;
  mediaErrors: number;
}

export class Namespace {
  readonly uuid: string;
  /** 16-byte NGUID (the UUID's bytes), written into Identify Namespace and the descriptor list. */
  readonly nguid: Buffer;
  readonly counters: NamespaceCounters = {
    readCommands: 0,
    writeCommands: 0,
    bytesRead: 0,
    bytesWritten: 0,
    mediaErrors: 0,
  };

  constructor(
    readonly nsid: number,
    readonly dev: BlockDevice,
    uuid: string,
  ) {
    this.uuid = assertUuid(uuid, 'namespace uuid');
    this.nguid = uuidToBytes(this.uuid);
  }
}

/** What a subsystem tells the controllers attached to it (implemented by Controller). */
export interface SubsystemListener {
  namespaceChanged(nsid: number): void;
  /** The host lost access (removed from the allow list) or the subsystem is going away. */
  revoke(reason: string): void;
  readonly hostNqn: string;
  readonly cntlid: number;
}

export interface SubsystemOptions {
  nqn: string;
  /** 20 ASCII characters at most; derived from the NQN when absent. */
  serialNumber?: string;
  /** 40 ASCII characters at most. */
  modelNumber?: string;
  /** Host NQNs allowed to connect; empty or absent means any host. */
  allowedHosts?: readonly string[];
  /**
   * Controller ID range (Mayastor gives each republished nexus a new range, so a host's
   * multipath layer can tell the paths apart).
   */
  minCntlId?: number;
  maxCntlId?: number;
}

export class Subsystem {
  readonly nqn: string;
  readonly serialNumber: string;
  readonly modelNumber: string;
  readonly isDiscovery: boolean;
  readonly minCntlId: number;
  readonly maxCntlId: number;
  private readonly hosts = new Set<string>();
  private readonly nss = new Map<number, Namespace>();
  private readonly ctrls = new Map<number, SubsystemListener>();
  private nextCntlId: number;

  /** @internal Called by the target when the allow list or namespaces change (discovery log). */
  onChange: (() => void) | undefined;

  constructor(opts: SubsystemOptions, isDiscovery = false) {
    this.nqn = isDiscovery ? opts.nqn : assertNqn(opts.nqn, 'subsystem NQN');
    this.isDiscovery = isDiscovery;
    if (!isDiscovery && opts.nqn === DISCOVERY_NQN) {
      throw nvmfTargetError(
        NvmfTargetErrors.INVALID_NQN,
        `'${DISCOVERY_NQN}' is the discovery subsystem's NQN`,
      );
    }
    this.serialNumber = opts.serialNumber ?? serialFromNqn(opts.nqn);
    this.modelNumber = opts.modelNumber ?? DEFAULT_MODEL;
    checkAscii(this.serialNumber, 20, 'serial number');
    checkAscii(this.modelNumber, 40, 'model number');
    this.minCntlId = opts.minCntlId ?? MIN_CNTLID;
    this.maxCntlId = opts.maxCntlId ?? MAX_CNTLID;
    if (
      !Number.isInteger(this.minCntlId) ||
      !Number.isInteger(this.maxCntlId) ||
      this.minCntlId < MIN_CNTLID ||
      this.maxCntlId > MAX_CNTLID ||
      this.minCntlId > this.maxCntlId
    ) {
      throw nvmfTargetError(
        NvmfTargetErrors.INVALID_OPTION,
        `controller ID range ${this.minCntlId}-${this.maxCntlId} is invalid (must lie within ${MIN_CNTLID}-${MAX_CNTLID})`,
      );
    }
    this.nextCntlId = this.minCntlId;
    for (const h of opts.allowedHosts ?? []) this.hosts.add(assertNqn(h, 'host NQN'));
  }

  // ---- hosts ----

  get allowedHosts(): string[] {
    return [...this.hosts];
  }

  /** True when any host may connect (the allow list is empty). */
  get allowsAnyHost(): boolean {
    return this.hosts.size === 0;
  }

  isHostAllowed(hostNqn: string): boolean {
    return this.isDiscovery || this.hosts.size === 0 || this.hosts.has(hostNqn);
  }

  allowHost(hostNqn: string): void {
    this.hosts.add(assertNqn(hostNqn, 'host NQN'));
    this.onChange?.();
  }

  /** Remove a host from the allow list and drop its controllers (if the list is still non-empty). */
  disallowHost(hostNqn: string): void {
    if (!this.hosts.delete(hostNqn)) return;
    for (const c of [...this.ctrls.values()]) {
      if (!this.isHostAllowed(c.hostNqn)) c.revoke(`host ${c.hostNqn} removed from the allow list`);
    }
    this.onChange?.();
  }

  // ---- namespaces ----

  get namespaces(): ReadonlyMap<number, Namespace> {
    return this.nss;
  }

  namespace(nsid: number): Namespace | undefined {
    return this.nss.get(nsid);
  }

  addNamespace(dev: BlockDevice, opts: NamespaceOptions = {}): Namespace {
    if (this.isDiscovery) {
      throw nvmfTargetError(NvmfTargetErrors.INVALID_OPTION, 'the discovery subsystem has no namespaces');
    }
    let nsid = opts.nsid;
    if (nsid === undefined) {
      nsid = 1;
      while (this.nss.has(nsid)) nsid++;
    }
    if (!Number.isInteger(nsid) || nsid < 1 || nsid > MAX_NAMESPACES) {
      throw nvmfTargetError(
        NvmfTargetErrors.INVALID_OPTION,
        `namespace ID ${nsid} is out of range 1-${MAX_NAMESPACES}`,
      );
    }
    if (this.nss.has(nsid)) {
      throw nvmfTargetError(NvmfTargetErrors.NAMESPACE_EXISTS, `${this.nqn} already has namespace ${nsid}`);
    }
    const ns = new Namespace(nsid, dev, opts.uuid ?? dev.uuid);
    for (const other of this.nss.values()) {
      if (other.uuid === ns.uuid) {
        throw nvmfTargetError(
          NvmfTargetErrors.NAMESPACE_EXISTS,
          `${this.nqn}: namespace ${other.nsid} already has uuid ${ns.uuid}`,
        );
      }
    }
    this.nss.set(nsid, ns);
    for (const c of this.ctrls.values()) c.namespaceChanged(nsid);
    this.onChange?.();
    return ns;
  }

  /** Detach a namespace; commands already running complete, new ones get Invalid Namespace. */
  removeNamespace(nsid: number): Namespace {
    const ns = this.nss.get(nsid);
    if (!ns) {
      throw nvmfTargetError(NvmfTargetErrors.NAMESPACE_NOT_FOUND, `${this.nqn} has no namespace ${nsid}`);
    }
    this.nss.delete(nsid);
    for (const c of this.ctrls.values()) c.namespaceChanged(nsid);
    this.onChange?.();
    return ns;
  }

  /** Tell connected hosts that a namespace's attributes (e.g. its size) changed. */
  notifyNamespaceChanged(nsid: number): void {
    for (const c of this.ctrls.values()) c.namespaceChanged(nsid);
  }

  // ---- controllers ----

  get controllerCount(): number {
    return this.ctrls.size;
  }

  /** @internal Allocate a controller ID; undefined when the range is exhausted. */
  allocCntlId(): number | undefined {
    const span = this.maxCntlId - this.minCntlId + 1;
    for (let i = 0; i < span; i++) {
      const id = this.nextCntlId;
      this.nextCntlId = id >= this.maxCntlId ? this.minCntlId : id + 1;
      if (!this.ctrls.has(id)) return id;
    }
    return undefined;
  }

  /** @internal */
  attach(c: SubsystemListener): void {
    this.ctrls.set(c.cntlid, c);
  }

  /** @internal */
  detach(c: SubsystemListener): void {
    if (this.ctrls.get(c.cntlid) === c) this.ctrls.delete(c.cntlid);
  }

  /** @internal */
  controller(cntlid: number): SubsystemListener | undefined {
    return this.ctrls.get(cntlid);
  }

  /** @internal Drop every controller (subsystem removal, target stop). */
  revokeAll(reason: string): void {
    for (const c of [...this.ctrls.values()]) c.revoke(reason);
  }
}

function checkAscii(s: string, max: number, what: string): void {
  if (s.length === 0 || s.length > max || !/^[\x20-\x7e]+$/.test(s)) {
    throw nvmfTargetError(
      NvmfTargetErrors.INVALID_OPTION,
      `${what} '${s}' must be 1-${max} printable ASCII characters`,
    );
  }
}
