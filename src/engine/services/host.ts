/** HostRpc. */
import type { IoEngine } from '../engine.js';
import type { AsyncService, ServiceDefinitions } from '../../api/proto.js';
import { API_VERSIONS } from '../../api/proto.js';
import { listBlockDevices, resourceUsage } from '../hostinfo.js';

export function hostService(engine: IoEngine): AsyncService<ServiceDefinitions['HostRpc']> {
  return {
    GetMayastorInfo() {
      const ep = engine.endpoints;
      return Promise.resolve({
        version: engine.version,
        supportedFeatures: engine.features(),
        node_name: engine.config.nodeName,
        grpc_endpoint: engine.grpcEndpoint,
        hostnqn: engine.config.hostNqn,
        instance_uuid: engine.instanceUuid,
        uptime_seconds: Math.floor((Date.now() - engine.startedAtMs) / 1000),
        registration: engine.registrar.state,
        api_versions: [...API_VERSIONS],
        nvmf_replica_port: ep.nvmfReplicaPort,
        nvmf_nexus_port: ep.nvmfNexusPort,
        nbd_port: ep.nbdPort,
        http_port: ep.httpPort,
      });
    },
    async ListBlockDevices(req) {
      const byDevice = new Map<string, string>();
      for (const e of engine.pools.pools.values()) byDevice.set(e.deviceName, e.pool.name);
      const devices = await listBlockDevices(req.all, (p) => byDevice.get(p));
      return { devices };
    },
    GetMayastorResourceUsage() {
      return Promise.resolve({ usage: resourceUsage() });
    },
    ListNvmeControllers() {
      return Promise.resolve({ controllers: engine.nexuses.nvmeControllers() });
    },
  };
}
