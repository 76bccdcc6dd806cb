/** ReplicaRpc. */
import type { IoEngine } from '../engine.js';
import type { AsyncService, ServiceDefinitions } from '../../api/proto.js';
import { replicaToProto } from './convert.js';
import { requireSize, requireString, requireUuid, shareProtocol } from './validate.js';
import { invalidArgument } from '../../core/errors.js';

export function replicaService(engine: IoEngine): AsyncService<ServiceDefinitions['ReplicaRpc']> {
  const pools = engine.pools;
  return {
    async CreateReplica(req) {
      const uuid = requireUuid(req.uuid, 'uuid');
      const pool = requireString(req.pooluuid, 'pooluuid', 'the pool name or uuid');
      const size = requireSize(req.size, 'size');
      const share = shareProtocol(req.share, ['none', 'nvmf'], 'CreateReplica');
      if (share === 'none' && req.allowed_hosts.length > 0)
        throw invalidArgument('allowed_hosts needs share NVMF');
      const v = await pools.createReplica({
        uuid,
        ...(req.name ? { name: req.name } : {}),
        pool,
        size,
        thin: req.thin,
        ...(req.entity_id !== undefined ? { entityId: req.entity_id } : {}),
        share: share === 'nvmf' ? 'nvmf' : 'none',
        allowedHosts: req.allowed_hosts,
      });
      return replicaToProto(v);
    },
    async DestroyReplica(req) {
      const uuid = requireUuid(req.uuid, 'uuid');
      const pool =
        req.pool === 'pool_name' ? req.pool_name : req.pool === 'pool_uuid' ? req.pool_uuid : undefined;
      await pools.destroyReplica(uuid, pool || undefined);
      return {};
    },
    ListReplicas(req) {
      let list = pools.listReplicas();
      if (req.name) list = list.filter((v) => v.replica.name === req.name);
      if (req.uuid) list = list.filter((v) => v.replica.uuid === req.uuid!.toLowerCase());
      if (req.poolname) list = list.filter((v) => v.entry.pool.name === req.poolname);
      if (req.pooluuid) list = list.filter((v) => v.entry.pool.uuid === req.pooluuid!.toLowerCase());
      return Promise.resolve({ replicas: list.map(replicaToProto) });
    },
    async ShareReplica(req) {
      const uuid = requireUuid(req.uuid, 'uuid');
      const share = shareProtocol(req.share, ['none', 'nvmf'], 'ShareReplica');
      if (share === 'none') return replicaToProto(await pools.unshareReplica(uuid));
      return replicaToProto(await pools.shareReplica(uuid, req.allowed_hosts));
    },
    async UnshareReplica(req) {
      return replicaToProto(await pools.unshareReplica(requireUuid(req.uuid, 'uuid')));
    },
    async ResizeReplica(req) {
      const uuid = requireUuid(req.uuid, 'uuid');
      return replicaToProto(
        await pools.resizeReplica(uuid, requireSize(req.requested_size, 'requested_size')),
      );
    },
  };
}
