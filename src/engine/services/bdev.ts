/** BdevRpc. */
import type { IoEngine } from '../engine.js';
import type { AsyncService, ServiceDefinitions } from '../../api/proto.js';
import { bdevToProto } from './convert.js';
import { requireString, shareProtocol } from './validate.js';

export function bdevService(engine: IoEngine): AsyncService<ServiceDefinitions['BdevRpc']> {
  const bdevs = engine.bdevs;
  return {
    ListBdevs(req) {
      let list = bdevs.list();
      if (req.name) list = list.filter((b) => b.name === req.name || b.uuid === req.name);
      return Promise.resolve({ bdevs: list.map(bdevToProto) });
    },
    async Create(req) {
      const uri = requireString(req.uri, 'uri', 'malloc:///malloc0?size_mb=64');
      return { bdev: bdevToProto(await bdevs.create(uri)) };
    },
    async Destroy(req) {
      await bdevs.destroy(requireString(req.name, 'name'));
      return {};
    },
    async Share(req) {
      const name = requireString(req.name, 'name');
      const p = shareProtocol(req.protocol, ['nvmf', 'none'], 'Share');
      if (p === 'none') {
        await bdevs.unshare(name);
        return { bdev: bdevToProto(bdevs.get(name)) };
      }
      return { bdev: bdevToProto(await bdevs.share(name, req.allowed_hosts)) };
    },
    async Unshare(req) {
      await bdevs.unshare(requireString(req.name, 'name'));
      return {};
    },
  };
}
