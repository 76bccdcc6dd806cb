/**
 * Initiator options, their defaults and their validation. Defaults follow Mayastor's nexus
 * settings for NVMe children (upstream `NvmeBdevOpts`): 5 s I/O and admin timeouts, a 10 s
 * keep-alive timeout, no retries; and fail I/O fast while the controller is away, so that a
 * nexus can retire the child and carry on with the others. A standalone user who prefers I/O to
 * wait through a short target restart sets `fastIoFailTimeoutMs`.
 */
import { createHash } from 'node:crypto';
import os from 'node:os';
import { invalidArgument } from '../../core/errors.js';
import { formatHostPort } from '../../core/hostport.js';
import { isUuid, uuidFromBytes } from '../../core/uuid.js';
import { silentLogger, type Logger } from '../../core/log.js';
import { MAYASTOR_NQN_PREFIX, NQN_FIELD_SIZE } from '../spec.js';
import { MAX_QUEUE_DEPTH } from './queue.js';

export interface NvmfInitiatorOptions {
  /** Target address and NVMe/TCP port. */
  host: string;
  port?: number;
  /** NQN of the subsystem to connect to. */
  subnqn: string;
  /** Our host NQN; default `nqn.2019-05.io.openebs:node-name:<hostname>` as Mayastor's io-engine uses. */
  hostNqn?: string;
  /** Our 16-byte host identifier as a UUID; default derived from the host NQN (stable across restarts). */
  hostId?: string;
  /** Namespace to use; default the first active namespace of the subsystem. */
  nsid?: number;
  /**
   * The namespace must have this UUID (Mayastor's `?uuid=` on child URIs): connecting to the
   * wrong replica is refused, and so is a reconnect that finds a different namespace.
   */
  uuid?: string;
  /** Number of I/O queues (TCP connections) to ask for; the controller may grant fewer. Default 2. */
  ioQueues?: number;
  /** Entries per I/O queue (SQSIZE + 1); at most queueSize - 1 commands are outstanding per queue. Default 128. */
  queueSize?: number;
  headerDigest?: boolean;
  dataDigest?: boolean;
  /** Per I/O command timeout; a command that misses it fails with BDEV_TIMEOUT. Default 5000. */
  ioTimeoutMs?: number;
  /** Per admin command timeout (connect, identify, keep-alive, shutdown). Default 5000. */
  adminTimeoutMs?: number;
  /** Keep-alive timeout sent in Connect (KATO); 0 disables keep-alive. Default 10000. */
  keepAliveTimeoutMs?: number;
  /** How often to send Keep Alive; default half the keep-alive timeout. */
  keepAliveIntervalMs?: number;
  /** First reconnect delay after the controller is lost; doubles up to `maxReconnectDelayMs`. Default 250. */
  reconnectDelayMs?: number;
  maxReconnectDelayMs?: number;
  /** Give up reconnecting after this long; the device then fails all I/O until `reconnect()`. Default 600000. */
  ctrlLossTimeoutMs?: number;
  /**
   * While reconnecting, hold new I/O for up to this long after the controller was lost (then
   * fail it with BDEV_IO_ERROR). Default 0: fail at once, as a nexus child must.
   */
  fastIoFailTimeoutMs?: number;
  /**
   * Largest write sent as in-capsule data; capped by the controller's IOCCSZ. Default (and the
   * only safe choice in production): the controller's limit. Lowering it exercises the R2T path
   * with small writes against targets that handle that, but the Linux kernel target (nvmet-tcp,
   * at least through 6.1) never requests the data of a write no larger than its own in-capsule
   * limit that arrives without it, and such writes hang there. For testing only.
   */
  inCapsuleDataSize?: number;
  /** Largest transfer per command; capped by the controller's MDTS. Default 1 MiB. */
  maxTransferBytes?: number;
  /** Ask the controller to disable SQ flow control (Connect CATTR bit 2), as Linux can. Default true. */
  disableSqFlowControl?: boolean;
  /** Device name; default `<host>:<port>/<subnqn>`. */
  name?: string;
  log?: Logger;
}

export type ResolvedOptions = Required<
  Omit<NvmfInitiatorOptions, 'nsid' | 'uuid' | 'inCapsuleDataSize' | 'name'>
> & {
  nsid: number | undefined;
  uuid: string | undefined;
  inCapsuleDataSize: number | undefined;
  name: string;
};

export const NVMF_DEFAULT_PORT = 4420;

export const DEFAULTS = {
  ioQueues: 2,
  queueSize: 128,
  ioTimeoutMs: 5000,
  adminTimeoutMs: 5000,
  keepAliveTimeoutMs: 10000,
  reconnectDelayMs: 250,
  maxReconnectDelayMs: 5000,
  ctrlLossTimeoutMs: 600_000,
  fastIoFailTimeoutMs: 0,
  maxTransferBytes: 1 << 20,
} as const;

export function defaultHostNqn(): string {
  return `${MAYASTOR_NQN_PREFIX}node-name:${os.hostname()}`;
}

/** A UUID derived from the host NQN, so the host ID stays the same across restarts. */
export function hostIdFromNqn(hostNqn: string): string {
  const h = createHash('sha256').update(hostNqn).digest();
  h[6] = (h[6]! & 0x0f) | 0x80; // version 8 (custom)
  h[8] = (h[8]! & 0x3f) | 0x80; // RFC 4122 variant
  return uuidFromBytes(h);
}

function intIn(name: string, v: number | undefined, min: number, max: number, dflt: number): number {
  if (v === undefined) return dflt;
  if (!Number.isSafeInteger(v) || v < min || v > max) {
    throw invalidArgument(`nvmf: ${name}=${v} must be an integer in [${min}, ${max}]`);
  }
  return v;
}

const NQN_RE = /^nqn\.\d{4}-\d{2}\.[^\s:]+(:.+)?$/;

export function checkNqn(what: string, nqn: string): string {
  // NQNs are at most 223 bytes (NVMe Base 2.0, 4.5); the field holds 256 with a NUL.
  if (!NQN_RE.test(nqn) || Buffer.byteLength(nqn) > 223 || Buffer.byteLength(nqn) >= NQN_FIELD_SIZE) {
    throw invalidArgument(`nvmf: ${what} '${nqn}' is not a valid NQN (nqn.yyyy-mm.reverse.domain:name)`);
  }
  return nqn;
}

export function resolveOptions(o: NvmfInitiatorOptions): ResolvedOptions {
  if (!o.host) throw invalidArgument('nvmf: a target host is required');
  const port = intIn('port', o.port, 1, 65535, NVMF_DEFAULT_PORT);
  const subnqn = checkNqn('subsystem NQN', o.subnqn);
  const hostNqn = checkNqn('host NQN', o.hostNqn ?? defaultHostNqn());
  const hostId = o.hostId ?? hostIdFromNqn(hostNqn);
  if (!isUuid(hostId)) throw invalidArgument(`nvmf: host ID '${hostId}' is not a UUID`);
  if (o.uuid !== undefined && !isUuid(o.uuid)) throw invalidArgument(`nvmf: uuid '${o.uuid}' is not a UUID`);
  const keepAliveTimeoutMs = intIn(
    'keepAliveTimeoutMs',
    o.keepAliveTimeoutMs,
    0,
    3_600_000,
    DEFAULTS.keepAliveTimeoutMs,
  );
  const reconnectDelayMs = intIn(
    'reconnectDelayMs',
    o.reconnectDelayMs,
    1,
    600_000,
    DEFAULTS.reconnectDelayMs,
  );
  return {
    host: o.host,
    port,
    subnqn,
    hostNqn,
    hostId: hostId.toLowerCase(),
    nsid: o.nsid === undefined ? undefined : intIn('nsid', o.nsid, 1, 0xfffffffe, 1),
    uuid: o.uuid?.toLowerCase(),
    ioQueues: intIn('ioQueues', o.ioQueues, 1, 64, DEFAULTS.ioQueues),
    queueSize: intIn('queueSize', o.queueSize, 2, MAX_QUEUE_DEPTH, DEFAULTS.queueSize),
    headerDigest: o.headerDigest ?? false,
    dataDigest: o.dataDigest ?? false,
    ioTimeoutMs: intIn('ioTimeoutMs', o.ioTimeoutMs, 1, 3_600_000, DEFAULTS.ioTimeoutMs),
    adminTimeoutMs: intIn('adminTimeoutMs', o.adminTimeoutMs, 1, 3_600_000, DEFAULTS.adminTimeoutMs),
    keepAliveTimeoutMs,
    keepAliveIntervalMs: intIn(
      'keepAliveIntervalMs',
      o.keepAliveIntervalMs,
      1,
      3_600_000,
      Math.max(1, Math.floor(keepAliveTimeoutMs / 2)),
    ),
    reconnectDelayMs,
    maxReconnectDelayMs: intIn(
      'maxReconnectDelayMs',
      o.maxReconnectDelayMs,
      reconnectDelayMs,
      3_600_000,
      Math.max(reconnectDelayMs, DEFAULTS.maxReconnectDelayMs),
    ),
    ctrlLossTimeoutMs: intIn(
      'ctrlLossTimeoutMs',
      o.ctrlLossTimeoutMs,
      0,
      86_400_000,
      DEFAULTS.ctrlLossTimeoutMs,
    ),
    fastIoFailTimeoutMs: intIn(
      'fastIoFailTimeoutMs',
      o.fastIoFailTimeoutMs,
      0,
      86_400_000,
      DEFAULTS.fastIoFailTimeoutMs,
    ),
    inCapsuleDataSize:
      o.inCapsuleDataSize === undefined
        ? undefined
        : intIn('inCapsuleDataSize', o.inCapsuleDataSize, 0, 1 << 24, 0),
    maxTransferBytes: intIn('maxTransferBytes', o.maxTransferBytes, 512, 1 << 30, DEFAULTS.maxTransferBytes),
    disableSqFlowControl: o.disableSqFlowControl ?? true,
    name: o.name ?? `${formatHostPort(o.host, port)}/${subnqn}`,
    log: o.log ?? silentLogger(),
  };
}
