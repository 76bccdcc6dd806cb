/** Tunables of an NVMe-oF/TCP target, with the defaults and the limits they must respect. */
import { nvmfTargetError, NvmfTargetErrors } from './errors.js';

export interface TargetLimits {
  /** Largest data transfer of one command (MDTS), bytes: a power of two, 4 KiB to 1 MiB. */
  maxIoSize: number;
  /** In-capsule data an I/O queue accepts (IOCCSZ - 64), bytes, a multiple of 16, up to 64 KiB. */
  inCapsuleDataSize: number;
  /** Entries per queue (CAP.MQES + 1), 2 to 1024. */
  maxQueueDepth: number;
  /** I/O queues per controller, 1 to 128. */
  maxIoQueues: number;
  /** Keep-alive timeout given to discovery controllers whose host asks for none (ms), as nvmet does. */
  discoveryKatoMs: number;
  /** Time a new connection has to complete ICReq and Connect (ms). */
  connectTimeoutMs: number;
  /** Open connections the target accepts; more are refused at once. */
  maxConnections: number;
}

export const DEFAULT_LIMITS: TargetLimits = {
  maxIoSize: 128 * 1024,
  inCapsuleDataSize: 8192,
  maxQueueDepth: 128,
  maxIoQueues: 32,
  discoveryKatoMs: 120_000,
  connectTimeoutMs: 10_000,
  maxConnections: 4096,
};

/** The Linux host puts up to 8 KiB of data into admin capsules (NVME_TCP_ADMIN_CCSZ). */
export const ADMIN_IN_CAPSULE_SIZE = 8192;

export function resolveLimits(l: Partial<TargetLimits> = {}): TargetLimits {
  const r = { ...DEFAULT_LIMITS, ...stripUndefined(l) };
  const bad = (what: string): never => {
    throw nvmfTargetError(NvmfTargetErrors.INVALID_OPTION, what);
  };
  // MDTS is log2(maxIoSize / 4 KiB) and 0 means "no limit", so 8 KiB is the smallest expressible limit.
  if (!isPow2(r.maxIoSize) || r.maxIoSize < 8192 || r.maxIoSize > 1 << 20)
    bad(`maxIoSize ${r.maxIoSize} must be a power of two between 8 KiB and 1 MiB`);
  if (!Number.isInteger(r.inCapsuleDataSize) || r.inCapsuleDataSize < 0 || r.inCapsuleDataSize > 65536)
    bad(`inCapsuleDataSize ${r.inCapsuleDataSize} must be 0-65536`);
  if (r.inCapsuleDataSize % 16 !== 0)
    bad(`inCapsuleDataSize ${r.inCapsuleDataSize} must be a multiple of 16`);
  if (!Number.isInteger(r.maxQueueDepth) || r.maxQueueDepth < 2 || r.maxQueueDepth > 1024)
    bad(`maxQueueDepth ${r.maxQueueDepth} must be 2-1024`);
  if (!Number.isInteger(r.maxIoQueues) || r.maxIoQueues < 1 || r.maxIoQueues > 128)
    bad(`maxIoQueues ${r.maxIoQueues} must be 1-128`);
  if (!(r.discoveryKatoMs >= 1000)) bad(`discoveryKatoMs must be at least 1000`);
  if (!(r.connectTimeoutMs >= 100)) bad(`connectTimeoutMs must be at least 100`);
  if (!Number.isInteger(r.maxConnections) || r.maxConnections < 1) bad(`maxConnections must be positive`);
  return r;
}

function isPow2(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
