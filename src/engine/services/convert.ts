/** Domain objects to protobuf messages. */
import type { IoStats as DevStats } from '../../bdev/types.js';
import type { PoolEntry, ReplicaView } from '../pools.js';
import type { Pool } from '../../api/generated/mayastor/v1/Pool.js';
import type { Replica } from '../../api/generated/mayastor/v1/Replica.js';
import type { IoStats } from '../../api/generated/mayastor/v1/IoStats.js';
import type { Timestamp } from '../../api/generated/google/protobuf/Timestamp.js';
import type { BdevView } from '../bdevs.js';
import type { Bdev } from '../../api/generated/mayastor/v1/Bdev.js';

const POOL_STATE = { Online: 'POOL_ONLINE', Faulted: 'POOL_FAULTED', Exported: 'POOL_UNKNOWN' } as const;

export function poolToProto(e: PoolEntry): Pool {
  const s = e.pool.status();
  return {
    uuid: s.uuid,
    name: s.name,
    disks: [e.disk],
    state: POOL_STATE[s.state],
    capacity: s.capacity,
    used: s.used,
    pooltype: 'LVS',
    committed: s.committed,
    cluster_size: s.clusterSize,
    page_size: s.blockSize,
    disk_capacity: s.diskCapacity,
    replica_count: s.replicaCount,
    fault_reason: s.reason ?? '',
  };
}

export function localReplicaUri(name: string, uuid: string): string {
  return `bdev:///${name}?uuid=${uuid}`;
}

export function replicaToProto(v: ReplicaView): Replica {
  const r = v.replica;
  const cs = v.entry.pool.clusterSize;
  const allocated = r.allocatedBytes;
  return {
    name: r.name,
    uuid: r.uuid,
    pooluuid: v.entry.pool.uuid,
    size: r.size,
    thin: r.thin,
    share: v.share ? 'NVMF' : 'NONE',
    uri: v.share ? v.share.uri : localReplicaUri(r.name, r.uuid),
    allowed_hosts: v.share?.allowedHosts ?? [],
    poolname: v.entry.pool.name,
    usage: {
      capacity_bytes: r.size,
      allocated_bytes: allocated,
      cluster_size: cs,
      num_clusters: Math.ceil(r.size / cs),
      num_allocated_clusters: allocated / cs,
    },
    entity_id: r.entityId,
    claimed: v.claimedBy !== undefined,
  };
}

export function statsToProto(name: string, uuid: string, s: DevStats): IoStats {
  const r = Math.round;
  return {
    name,
    uuid,
    num_read_ops: s.numReadOps,
    bytes_read: s.bytesRead,
    num_write_ops: s.numWriteOps,
    bytes_written: s.bytesWritten,
    num_unmap_ops: s.numUnmapOps,
    bytes_unmapped: s.bytesUnmapped,
    read_latency_us: r(s.readLatencyUs),
    write_latency_us: r(s.writeLatencyUs),
    unmap_latency_us: r(s.unmapLatencyUs),
    max_read_latency_us: r(s.maxReadLatencyUs),
    min_read_latency_us: r(s.minReadLatencyUs),
    max_write_latency_us: r(s.maxWriteLatencyUs),
    min_write_latency_us: r(s.minWriteLatencyUs),
    max_unmap_latency_us: r(s.maxUnmapLatencyUs),
    min_unmap_latency_us: r(s.minUnmapLatencyUs),
    tick_rate: 1_000_000,
    num_flush_ops: s.numFlushOps,
    num_read_errors: s.numReadErrors,
    num_write_errors: s.numWriteErrors,
  };
}

export function bdevToProto(b: BdevView): Bdev {
  return {
    name: b.name,
    uuid: b.uuid,
    num_blocks: b.numBlocks,
    blk_size: b.blockSize,
    share_uri: b.shareUri,
    product_name: b.driver,
    claimed: b.claimedBy !== '',
    claimed_by: b.claimedBy,
    uri: b.uri,
  };
}

export function toTimestamp(d: Date): Timestamp {
  const ms = d.getTime();
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 };
}

export function fromTimestamp(
  t: { seconds?: number | string; nanos?: number } | null | undefined,
): Date | undefined {
  if (!t) return undefined;
  return new Date(Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1_000_000));
}
