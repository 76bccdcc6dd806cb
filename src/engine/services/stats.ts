/** StatsRpc. */
import { resetIoStats } from '../../bdev/types.js';
import type { IoEngine } from '../engine.js';
import type { AsyncService, ServiceDefinitions } from '../../api/proto.js';
import { statsToProto } from './convert.js';

export function statsService(engine: IoEngine): AsyncService<ServiceDefinitions['StatsRpc']> {
  return {
    GetPoolIoStats(req) {
      let list = [...engine.pools.pools.values()];
      if (req.name) list = list.filter((e) => e.pool.name === req.name);
      return Promise.resolve({
        stats: list.map((e) => statsToProto(e.pool.name, e.pool.uuid, engine.pools.poolStats(e))),
      });
    },
    GetReplicaIoStats(req) {
      let list = engine.pools.listReplicas();
      if (req.name) list = list.filter((v) => v.replica.name === req.name || v.replica.uuid === req.name);
      return Promise.resolve({
        stats: list.map((v) => ({
          entity_id: v.replica.entityId,
          poolname: v.entry.pool.name,
          stats: statsToProto(v.replica.name, v.replica.uuid, v.replica.stats),
        })),
      });
    },
    GetNexusIoStats(req) {
      let list = engine.nexuses.statsList();
      if (req.name) list = list.filter((n) => n.name === req.name || n.uuid === req.name);
      return Promise.resolve({ stats: list.map((n) => statsToProto(n.name, n.uuid, n.stats)) });
    },
    ResetIoStats() {
      for (const e of engine.pools.pools.values()) {
        resetIoStats(e.retired);
        for (const r of e.pool.replicas()) resetIoStats(r.stats);
      }
      for (const n of engine.nexuses.statsList()) resetIoStats(n.stats);
      engine.log.info('I/O statistics reset');
      return Promise.resolve({});
    },
  };
}
