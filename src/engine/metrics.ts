/**
 * Prometheus metrics, with Mayastor's names and labels where they exist (its metrics exporter,
 * mayastor-extensions `metrics-exporter/src/bin/io_engine/collector/`):
 *
 *   diskpool_total_size_bytes, diskpool_used_size_bytes, diskpool_committed_size_bytes,
 *   diskpool_status (0 unknown, 1 online, 2 degraded, 3 faulted)          {node, name}
 *   diskpool_|replica_|volume_ num_read_ops, bytes_read, num_write_ops, bytes_written,
 *   read_latency_us, write_latency_us (cumulative)
 *       pools {node, name}, replicas {node, name, pv_name}, volumes (nexuses) {node, pv_name}
 *
 * plus a few of our own: volume_status, volume_child_count{state}, volume_rebuilds_active,
 * io_engine_info, io_engine_start_time_seconds, process CPU and memory.
 *
 * Values are read from the engine's state at scrape time: nothing runs between scrapes (no
 * timers, no polling), and each engine has its own registry, so several engines can live in one
 * process. Mayastor's exporter polls the io-engine every five minutes; here a scrape is always
 * current.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { IoStats } from '../bdev/types.js';

export interface PoolSample {
  name: string;
  /** 0 unknown, 1 online, 2 degraded, 3 faulted. */
  status: number;
  capacity: number;
  used: number;
  committed: number;
  stats: IoStats;
}

export interface ReplicaSample {
  name: string;
  /** The volume (entity id), '' when unknown. */
  pvName: string;
  stats: IoStats;
}

export interface VolumeSample {
  pvName: string;
  /** 0 unknown, 1 online, 2 degraded, 3 faulted, 4 shutting down, 5 shut down. */
  status: number;
  children: { online: number; degraded: number; faulted: number };
  rebuilds: number;
  stats: IoStats;
}

export interface MetricsSource {
  nodeName: string;
  version: string;
  startedAtMs: number;
  pools(): PoolSample[];
  replicas(): ReplicaSample[];
  volumes(): VolumeSample[];
}

type IoField =
  'numReadOps' | 'bytesRead' | 'numWriteOps' | 'bytesWritten' | 'readLatencyUs' | 'writeLatencyUs';
const IO_METRICS: Array<[string, IoField, string]> = [
  ['num_read_ops', 'numReadOps', 'read operations'],
  ['bytes_read', 'bytesRead', 'bytes read'],
  ['num_write_ops', 'numWriteOps', 'write operations'],
  ['bytes_written', 'bytesWritten', 'bytes written'],
  ['read_latency_us', 'readLatencyUs', 'sum of read latencies in microseconds'],
  ['write_latency_us', 'writeLatencyUs', 'sum of write latencies in microseconds'],
];

export function createMetricsRegistry(src: MetricsSource): Registry {
  const registry = new Registry();
  const node = src.nodeName;

  const poolGauge = (name: string, help: string, get: (p: PoolSample) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['node', 'name'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const p of src.pools()) this.set({ node, name: p.name }, get(p));
      },
    });
  poolGauge('diskpool_total_size_bytes', 'Total size of the pool in bytes', (p) => p.capacity);
  poolGauge('diskpool_used_size_bytes', 'Used size of the pool in bytes', (p) => p.used);
  poolGauge('diskpool_committed_size_bytes', 'Committed size of the pool in bytes', (p) => p.committed);
  poolGauge(
    'diskpool_status',
    'Status of the pool: 0 unknown, 1 online, 2 degraded, 3 faulted',
    (p) => p.status,
  );

  for (const [suffix, field, what] of IO_METRICS) {
    new Counter({
      name: `diskpool_${suffix}`,
      help: `Pool ${what}`,
      labelNames: ['node', 'name'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const p of src.pools()) this.inc({ node, name: p.name }, p.stats[field]);
      },
    });
    new Counter({
      name: `replica_${suffix}`,
      help: `Replica ${what}`,
      labelNames: ['node', 'name', 'pv_name'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const r of src.replicas()) this.inc({ node, name: r.name, pv_name: r.pvName }, r.stats[field]);
      },
    });
    new Counter({
      name: `volume_${suffix}`,
      help: `Volume (nexus) ${what}`,
      labelNames: ['node', 'pv_name'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const v of src.volumes()) this.inc({ node, pv_name: v.pvName }, v.stats[field]);
      },
    });
  }

  new Gauge({
    name: 'volume_status',
    help: 'Status of the volume target (nexus): 1 online, 2 degraded, 3 faulted, 4 shutting down, 5 shut down',
    labelNames: ['node', 'pv_name'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const v of src.volumes()) this.set({ node, pv_name: v.pvName }, v.status);
    },
  });
  new Gauge({
    name: 'volume_child_count',
    help: 'Children of the volume target (nexus) by state',
    labelNames: ['node', 'pv_name', 'state'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const v of src.volumes()) {
        for (const state of ['online', 'degraded', 'faulted'] as const)
          this.set({ node, pv_name: v.pvName, state }, v.children[state]);
      }
    },
  });
  new Gauge({
    name: 'volume_rebuilds_active',
    help: 'Rebuilds in progress on the volume target (nexus)',
    labelNames: ['node', 'pv_name'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const v of src.volumes()) this.set({ node, pv_name: v.pvName }, v.rebuilds);
    },
  });

  new Gauge({
    name: 'io_engine_info',
    help: 'io-engine version (always 1)',
    labelNames: ['node', 'version'] as const,
    registers: [registry],
    collect() {
      this.reset();
      this.set({ node, version: src.version }, 1);
    },
  });
  new Gauge({
    name: 'io_engine_start_time_seconds',
    help: 'Start time of the io-engine, seconds since the epoch',
    labelNames: ['node'] as const,
    registers: [registry],
    collect() {
      this.set({ node }, Math.floor(src.startedAtMs / 1000));
    },
  });
  new Counter({
    name: 'process_cpu_seconds_total',
    help: 'Total user and system CPU time spent in seconds',
    registers: [registry],
    collect() {
      const u = process.cpuUsage();
      this.reset();
      this.inc((u.user + u.system) / 1e6);
    },
  });
  new Gauge({
    name: 'process_resident_memory_bytes',
    help: 'Resident memory size in bytes',
    registers: [registry],
    collect() {
      this.set(process.memoryUsage.rss());
    },
  });
  return registry;
}
