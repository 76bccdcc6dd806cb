/** NexusRpc. */
import type { IoEngine } from '../engine.js';
import { serviceDefinitions, type AsyncService, type ServiceDefinitions } from '../proto.js';
import { engineError, EngineErrors } from '../errors.js';

type NexusService = AsyncService<ServiceDefinitions['NexusRpc']>;

export function nexusService(engine: IoEngine): NexusService {
  const out: Record<string, () => Promise<never>> = {};
  for (const m of Object.keys(serviceDefinitions().NexusRpc)) {
    out[m] = () =>
      Promise.reject(
        engineError(
          EngineErrors.PROTOCOL_UNSUPPORTED,
          `NexusRpc/${m}: this io-engine (${engine.version}) has no nexus support`,
        ),
      );
  }
  return out as unknown as NexusService;
}
