/** PoolRpc. */
import { invalidArgument } from '../../core/errors.js';
import type { IoEngine } from '../engine.js';
import type { AsyncService, ServiceDefinitions } from '../../api/proto.js';
import { checkPoolName } from '../pools.js';
import { poolToProto } from './convert.js';
import { checkPoolType, oneDisk, optionalUuid } from './validate.js';

export function poolService(engine: IoEngine): AsyncService<ServiceDefinitions['PoolRpc']> {
  const pools = engine.pools;
  return {
    async CreatePool(req) {
      const name = checkPoolName(req.name);
      checkPoolType(req.pooltype);
      const disk = oneDisk(req.disks);
      const uuid = optionalUuid(req.uuid, 'uuid');
      if (req.cluster_size !== undefined && req.cluster_size !== 0) {
        const cs = req.cluster_size;
        if ((cs & (cs - 1)) !== 0 || cs < 64 * 1024 || cs > 1 << 30)
          throw invalidArgument(
            `cluster_size ${cs} must be a power of two from 64 KiB to 1 GiB (default 4 MiB)`,
          );
      }
      const e = await pools.createPool({
        name,
        disk,
        ...(uuid ? { uuid } : {}),
        ...(req.cluster_size ? { clusterSize: req.cluster_size } : {}),
        ...(req.overwrite ? { overwrite: true } : {}),
      });
      return poolToProto(e);
    },
    async DestroyPool(req) {
      await pools.destroyPool(checkPoolName(req.name), optionalUuid(req.uuid, 'uuid'));
      return {};
    },
    async ExportPool(req) {
      await pools.exportPool(checkPoolName(req.name), optionalUuid(req.uuid, 'uuid'));
      return {};
    },
    async ImportPool(req) {
      const name = checkPoolName(req.name);
      checkPoolType(req.pooltype);
      const disk = oneDisk(req.disks);
      const uuid = optionalUuid(req.uuid, 'uuid');
      return poolToProto(await pools.importPool({ name, disk, ...(uuid ? { uuid } : {}) }));
    },
    ListPools(req) {
      let list = [...pools.pools.values()];
      if (req.name) list = list.filter((e) => e.pool.name === req.name);
      if (req.uuid) list = list.filter((e) => e.pool.uuid === req.uuid!.toLowerCase());
      if (req.pooltype === 'LVM') list = [];
      return Promise.resolve({ pools: list.map(poolToProto) });
    },
  };
}
