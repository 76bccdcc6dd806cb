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
import type { EngineConfig } from './config.js';
import type { NvmfShareBackend } from './shares.js';

export class Frontends {
  constructor(
    readonly config: EngineConfig,
    readonly log: Logger,
  ) {}

  /** Start the replica target; undefined when this build has no NVMe-oF target. */
  startReplicaTarget(): Promise<NvmfShareBackend | undefined> {
    return Promise.resolve(undefined);
  }

  startNexusFrontends(): Promise<void> {
    return Promise.resolve();
  }

  get nexusNvmfPort(): number {
    return 0;
  }

  get nbdPort(): number {
    return 0;
  }

  get nbdAvailable(): boolean {
    return false;
  }

  stopNexusFrontends(): Promise<void> {
    return Promise.resolve();
  }
}
