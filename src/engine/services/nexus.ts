/** NexusRpc. */
import { invalidArgument } from '../../core/errors.js';
import type { RebuildHistoryRecord as DomainRecord } from '../../nexus/index.js';
import type { IoEngine } from '../engine.js';
import type { NexusEntry } from '../nexuses.js';
import type { AsyncService, ServiceDefinitions } from '../../api/proto.js';
import type { Nexus } from '../../api/generated/mayastor/v1/Nexus.js';
import type { RebuildHistoryRecord } from '../../api/generated/mayastor/v1/RebuildHistoryRecord.js';
import type { RebuildHistoryResponse } from '../../api/generated/mayastor/v1/RebuildHistoryResponse.js';
import type { Timestamp } from '../../api/generated/google/protobuf/Timestamp.js';
import { fromTimestamp, toTimestamp } from './convert.js';
import { requireSize, requireString, requireUuid, shareProtocol } from './validate.js';

const NEXUS_STATE = {
  Online: 'NEXUS_ONLINE',
  Degraded: 'NEXUS_DEGRADED',
  Faulted: 'NEXUS_FAULTED',
  ShuttingDown: 'NEXUS_SHUTTING_DOWN',
  Shutdown: 'NEXUS_SHUTDOWN',
} as const;

export function nexusToProto(engine: IoEngine, e: NexusEntry): Nexus {
  const r = e.nexus.report();
  return {
    name: e.name,
    uuid: e.uuid,
    size: r.size,
    state: NEXUS_STATE[r.status],
    children: r.children.map((c) => ({
      uri: c.uri,
      uuid: c.uuid,
      state: `CHILD_${c.wireState}` as const,
      state_reason: c.wireReason,
      rebuild_progress: c.rebuildProgress ?? -1,
      ...(c.faultedAt ? { fault_timestamp: toTimestamp(c.faultedAt) } : {}),
      device_name: c.uri,
      has_io_log: c.hasIoLog,
      dirty_segments: c.dirtySegments ?? 0,
    })),
    device_uri: e.published?.uri ?? '',
    rebuilds: r.rebuilds,
    allowed_hosts: e.published?.allowedHosts ?? [],
    share: e.published ? (e.published.protocol === 'nvmf' ? 'NVMF' : 'NBD') : 'NONE',
    block_size: r.blockSize,
    nexus_info_key: e.infoKey,
  };
}

const JOB_STATE = {
  Init: 'Init',
  Rebuilding: 'Rebuilding',
  Stopped: 'Stopped',
  Paused: 'Paused',
  Failed: 'Failed',
  Completed: 'Completed',
} as const;

function recordToProto(h: DomainRecord): RebuildHistoryRecord {
  return {
    child_uri: h.childUri,
    src_uri: h.srcUri,
    state: JOB_STATE[h.state],
    blocks_total: h.blocksTotal,
    blocks_recovered: h.blocksRecovered,
    blocks_transferred: h.blocksTransferred,
    blocks_remaining: h.blocksRemaining,
    blocks_per_task: h.blocksPerTask,
    block_size: h.blockSize,
    is_partial: h.isPartial,
    start_time: toTimestamp(h.startTime),
    end_time: toTimestamp(h.endTime),
    error: h.error ?? '',
  };
}

export function nexusService(engine: IoEngine): AsyncService<ServiceDefinitions['NexusRpc']> {
  const nx = engine.nexuses;
  const wrap = (e: NexusEntry) => ({ nexus: nexusToProto(engine, e) });
  const childReq = (req: { nexus_uuid: string; uri: string }) => ({
    uuid: requireUuid(req.nexus_uuid, 'nexus_uuid'),
    uri: requireString(req.uri, 'uri'),
  });
  return {
    async CreateNexus(req) {
      const uuid = requireUuid(req.uuid, 'uuid');
      const size = req.size === 0 ? 0 : requireSize(req.size, 'size');
      if (req.children.length === 0) throw invalidArgument('children: at least one child URI is required');
      req.children.forEach((c, i) => requireString(c, `children[${i}]`));
      if (req.minCntlId || req.maxCntlId) {
        const min = req.minCntlId || 1;
        const max = req.maxCntlId || 0xffef;
        if (min < 1 || max > 0xffef || min > max)
          throw invalidArgument(`controller ID range ${min}-${max} must lie within 1-65519 with min <= max`);
      }
      const e = await nx.create({
        name: req.name || uuid,
        uuid,
        size,
        children: req.children,
        ...(req.nexusInfoKey ? { infoKey: req.nexusInfoKey } : {}),
        ...(req.minCntlId ? { minCntlId: req.minCntlId } : {}),
        ...(req.maxCntlId ? { maxCntlId: req.maxCntlId } : {}),
      });
      return wrap(e);
    },
    async DestroyNexus(req) {
      await nx.destroy(requireUuid(req.uuid, 'uuid'));
      return {};
    },
    ListNexus(req) {
      let list = nx.list();
      if (req.name) list = list.filter((e) => e.name === req.name);
      if (req.uuid) list = list.filter((e) => e.uuid === req.uuid!.toLowerCase());
      return Promise.resolve({ nexus_list: list.map((e) => nexusToProto(engine, e)) });
    },
    async AddChildNexus(req) {
      return wrap(
        await nx.addChild(requireUuid(req.uuid, 'uuid'), requireString(req.uri, 'uri'), !req.norebuild),
      );
    },
    async RemoveChildNexus(req) {
      return wrap(await nx.removeChild(requireUuid(req.uuid, 'uuid'), requireString(req.uri, 'uri')));
    },
    async FaultNexusChild(req) {
      return wrap(await nx.faultChild(requireUuid(req.uuid, 'uuid'), requireString(req.uri, 'uri')));
    },
    async ShutdownNexus(req) {
      return wrap(await nx.shutdownNexus(requireUuid(req.uuid, 'uuid')));
    },
    async PublishNexus(req) {
      const uuid = requireUuid(req.uuid, 'uuid');
      if (req.key) throw invalidArgument('key: encrypted nexuses are not supported; leave it empty');
      const p = shareProtocol(req.share, ['nvmf', 'nbd'], 'PublishNexus');
      return wrap(await nx.publish(uuid, p as 'nvmf' | 'nbd', req.allowed_hosts));
    },
    async UnpublishNexus(req) {
      return wrap(await nx.unpublish(requireUuid(req.uuid, 'uuid')));
    },
    async ChildOperation(req) {
      const { uuid, uri } = childReq(req);
      return wrap(await nx.childOperation(uuid, uri, req.action));
    },
    async StartRebuild(req) {
      const { uuid, uri } = childReq(req);
      return wrap(await nx.rebuild(uuid, uri, 'start'));
    },
    async StopRebuild(req) {
      const { uuid, uri } = childReq(req);
      return wrap(await nx.rebuild(uuid, uri, 'stop'));
    },
    async PauseRebuild(req) {
      const { uuid, uri } = childReq(req);
      return wrap(await nx.rebuild(uuid, uri, 'pause'));
    },
    async ResumeRebuild(req) {
      const { uuid, uri } = childReq(req);
      return wrap(await nx.rebuild(uuid, uri, 'resume'));
    },
    GetRebuildState(req) {
      const { uuid, uri } = childReq(req);
      const { e, key } = nx.childKeyOf(uuid, uri);
      return Promise.resolve({ state: e.nexus.rebuildState(key).toLowerCase() });
    },
    GetRebuildStats(req) {
      const { uuid, uri } = childReq(req);
      const { e, key } = nx.childKeyOf(uuid, uri);
      const s = e.nexus.rebuildStats(key);
      return Promise.resolve({
        nexus_uuid: e.uuid,
        uri: s.childUri,
        blocks_total: s.blocksTotal,
        blocks_recovered: s.blocksRecovered,
        progress: s.progress,
        blocks_per_task: s.blocksPerTask,
        block_size: s.blockSize,
        tasks_total: s.tasksTotal,
        tasks_active: s.tasksActive,
        blocks_transferred: s.blocksTransferred,
        blocks_remaining: s.blocksRemaining,
        is_partial: s.isPartial,
        start_time: toTimestamp(s.startTime),
        state: s.state.toLowerCase(),
        src_uri: s.srcUri,
        throughput_bytes_per_sec: Math.round(s.throughputBytesPerSec),
      });
    },
    GetRebuildHistory(req) {
      const e = nx.get(requireUuid(req.uuid, 'uuid'));
      return Promise.resolve({
        name: e.name,
        uuid: e.uuid,
        records: e.nexus.rebuildHistory().map(recordToProto),
      });
    },
    ListRebuildHistory(req) {
      const since = fromTimestamp(req.since_end_time);
      const histories: Record<string, RebuildHistoryResponse> = {};
      let newest: Date | undefined;
      for (const e of nx.list()) {
        let recs = e.nexus.rebuildHistory();
        if (since) recs = recs.filter((h) => h.endTime > since);
        recs.sort((a, b) => b.endTime.getTime() - a.endTime.getTime());
        if (req.count) recs = recs.slice(0, req.count);
        if (recs.length === 0) continue;
        if (!newest || recs[0]!.endTime > newest) newest = recs[0]!.endTime;
        histories[e.uuid] = { name: e.name, uuid: e.uuid, records: recs.map(recordToProto) };
      }
      const end: Timestamp | undefined = newest ? toTimestamp(newest) : undefined;
      return Promise.resolve({ histories, ...(end ? { end_time: end } : {}) });
    },
  };
}
