/** What queues and controllers need from the target that owns them (no process-wide state). */
import type { Logger } from '../../core/log.js';
import type { BufferPool } from './bufpool.js';
import type { Controller } from './controller.js';
import type { TargetLimits } from './options.js';
import type { TcpQueue } from './queue.js';
import type { DiscoveryEntry } from './logpages.js';
import type { Subsystem } from './subsystem.js';

export interface TargetStats {
  connectionsAccepted: number;
  connectionsRefused: number;
  /** Connections closed because of a framing or data-transfer violation. */
  protocolErrors: number;
  dataDigestErrors: number;
  keepAliveTimeouts: number;
  hostsRefused: number;
  controllersCreated: number;
}

export interface TargetContext {
  readonly log: Logger;
  readonly limits: TargetLimits;
  readonly pool: BufferPool;
  readonly stats: TargetStats;
  readonly firmwareRevision: string;
  /** Milliseconds since the target started (SMART power-on hours). */
  uptimeMs(): number;
  findSubsystem(nqn: string): Subsystem | undefined;
  createController(
    subsys: Subsystem,
    hostNqn: string,
    hostId: Buffer,
    katoMs: number,
    admin: TcpQueue,
  ): Controller | undefined;
  controllerOf(subsys: Subsystem, cntlid: number): Controller | undefined;
  controllerGone(ctrl: Controller): void;
  discoveryLogPage(hostNqn: string, localAddress: string): Buffer;
  ioStart(): void;
  ioEnd(): void;
}

export type { DiscoveryEntry };
