/**
 * Nexuses of one io-engine, by uuid, and the bdev:/// scheme their local children use.
 */
import type { Logger } from '../core/log.js';
import type { BlockDevice } from '../bdev/types.js';
import { bdevError, BdevErrors, checkParams, type BdevRegistry, type ParsedUri } from '../bdev/index.js';
import { assertUuid } from '../core/uuid.js';
import type { EngineConfig } from './config.js';
import type { Frontends } from './frontends.js';
import type { VolumeSample } from './metrics.js';
import { DeviceHandle } from './handle.js';
import type { IoStats } from '../bdev/types.js';
import type { NvmeController } from './generated/mayastor/v1/NvmeController.js';
import type { FaultTarget } from './generated/mayastor/v1/FaultTarget.js';
import type { FaultPoint } from './services/test.js';
import { engineError, EngineErrors } from './errors.js';

export interface NexusManagerOptions {
  log: Logger;
  config: EngineConfig;
  registry: BdevRegistry;
  frontends: Frontends;
  /** Directory of the file-backed NexusInfo store; undefined keeps NexusInfo in memory. */
  infoDir: string | undefined;
  /** A local device for bdev:///<name>: a replica (by uuid or name) or a registry device. */
  findLocal: (key: string) => BlockDevice | undefined;
}

export class NexusManager {
  constructor(private readonly o: NexusManagerOptions) {}

  get available(): boolean {
    return false;
  }

  /**
   * bdev:///<name>?uuid=<uuid> (and Mayastor's alias loopback:///): a handle on a local replica
   * or block device. Closing the handle (the nexus closing its child) leaves the device open.
   */
  registerSchemes(): void {
    const nameOf = (u: ParsedUri): string => {
      const name = decodeURIComponent(u.path.replace(/^\/+/, ''));
      if (u.host !== '' || name === '') {
        throw bdevError(
          BdevErrors.URI_INVALID,
          `'${u.uri}': expected bdev:///<replica uuid or name>?uuid=<uuid>`,
        );
      }
      return name;
    };
    const handler = {
      nameOf: (u: ParsedUri) => `bdev:///${nameOf(u)}`,
      create: (u: ParsedUri) => {
        checkParams(u, ['uuid']);
        const key = nameOf(u);
        const dev = this.o.findLocal(key);
        if (!dev)
          throw bdevError(BdevErrors.NOT_FOUND, `'${u.uri}': no local replica or block device '${key}'`);
        const want = u.params.get('uuid');
        if (want !== undefined && assertUuid(want, `'${u.uri}': uuid`) !== dev.uuid) {
          throw bdevError(BdevErrors.NOT_FOUND, `'${u.uri}': '${key}' has uuid ${dev.uuid}, not ${want}`);
        }
        return Promise.resolve<BlockDevice>(new DeviceHandle(dev, u.uri));
      },
    };
    this.o.registry.registerScheme('bdev', handler);
    this.o.registry.registerScheme('loopback', handler);
  }

  /** Which nexus uses the replica of this uuid as a child, if any. */
  claimOf(_replicaUuid: string): string | undefined {
    return undefined;
  }

  bdevs(): Array<{ dev: BlockDevice; uri: string; shareUri: string; claimedBy: string }> {
    return [];
  }

  volumeSamples(): VolumeSample[] {
    return [];
  }

  statsList(): Array<{ name: string; uuid: string; stats: IoStats }> {
    return [];
  }

  nvmeControllers(): NvmeController[] {
    return [];
  }

  faultPoint(nexusUuid: string, _childUri: string): FaultPoint {
    throw engineError(EngineErrors.NEXUS_NOT_FOUND, `no nexus ${nexusUuid} on this node`);
  }

  faultTargets(): FaultTarget[] {
    return [];
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
