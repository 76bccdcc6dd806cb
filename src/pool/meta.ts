/**
 * Pool metadata as a state machine: a set of replicas, each mapping its logical clusters to
 * physical ones. The state changes only by applying records; the same `apply` runs when a record
 * is committed and when the journal is replayed at import, so what is on disk and what import
 * rebuilds cannot drift apart. `apply` checks every invariant (no cluster owned twice, indices in
 * range, names and uuids unique) and raises POOL_CORRUPT rather than build a wrong picture.
 */
import { crc32c } from '../core/crc32c.js';
import { Reader, Writer } from './codec.js';
import { poolError, PoolErrors } from './errors.js';

export const NO_CLUSTER = 0xffffffff;

export interface ReplicaMeta {
  uuid: string;
  name: string;
  /** The volume (or other owner) this replica belongs to, as the control plane says; may be ''. */
  entityId: string;
  /** Size in bytes, as requested (a multiple of the block size). */
  size: number;
  thin: boolean;
  /** Logical cluster → physical cluster, or NO_CLUSTER (thin, not yet written). */
  clusters: Uint32Array;
}

export type MetaRecord =
  | {
      type: 'create';
      uuid: string;
      name: string;
      entityId: string;
      size: number;
      thin: boolean;
      clusters: Uint32Array;
    }
  | { type: 'destroy'; uuid: string }
  | { type: 'resize'; uuid: string; size: number; added: Uint32Array }
  | { type: 'alloc'; uuid: string; logical: number; physical: number };

const REC_CREATE = 1;
const REC_DESTROY = 2;
const REC_RESIZE = 3;
const REC_ALLOC = 4;

export function clustersFor(size: number, clusterSize: number): number {
  return Math.ceil(size / clusterSize);
}

export class MetaState {
  readonly replicas = new Map<string, ReplicaMeta>();
  /** 1 where a physical cluster belongs to some replica. */
  readonly used: Uint8Array;
  usedCount = 0;

  constructor(
    readonly clusterCount: number,
    readonly clusterSize: number,
  ) {
    this.used = new Uint8Array(clusterCount);
  }

  private corrupt(why: string): never {
    throw poolError(PoolErrors.CORRUPT, `pool metadata: ${why}`);
  }

  private claim(physical: number, owner: string): void {
    if (!Number.isInteger(physical) || physical < 0 || physical >= this.clusterCount) {
      this.corrupt(`replica ${owner} refers to cluster ${physical}, outside 0..${this.clusterCount - 1}`);
    }
    if (this.used[physical])
      this.corrupt(`cluster ${physical} would belong to two replicas (claimed again by ${owner})`);
    this.used[physical] = 1;
    this.usedCount++;
  }

  private release(physical: number): void {
    if (this.used[physical]) {
      this.used[physical] = 0;
      this.usedCount--;
    }
  }

  /** Logical clusters of a replica of `size` bytes; a replica never exceeds the pool's capacity. */
  private logicalClusters(uuid: string, size: number): number {
    const n = clustersFor(size, this.clusterSize);
    if (!Number.isSafeInteger(size) || size <= 0 || n > this.clusterCount) {
      this.corrupt(`replica ${uuid} has size ${size}, larger than the pool`);
    }
    return n;
  }

  apply(r: MetaRecord): void {
    switch (r.type) {
      case 'create': {
        if (this.replicas.has(r.uuid)) this.corrupt(`replica ${r.uuid} created twice`);
        for (const m of this.replicas.values())
          if (m.name === r.name) this.corrupt(`two replicas named '${r.name}'`);
        const n = this.logicalClusters(r.uuid, r.size);
        const map = new Uint32Array(n).fill(NO_CLUSTER);
        if (r.thin) {
          if (r.clusters.length !== 0) this.corrupt(`thin replica ${r.uuid} created with clusters`);
        } else {
          if (r.clusters.length !== n)
            this.corrupt(`thick replica ${r.uuid} has ${r.clusters.length} of ${n} clusters`);
          for (let i = 0; i < n; i++) {
            this.claim(r.clusters[i]!, r.uuid);
            map[i] = r.clusters[i]!;
          }
        }
        this.replicas.set(r.uuid, {
          uuid: r.uuid,
          name: r.name,
          entityId: r.entityId,
          size: r.size,
          thin: r.thin,
          clusters: map,
        });
        return;
      }
      case 'destroy': {
        const m = this.replicas.get(r.uuid);
        if (!m) this.corrupt(`destroy of unknown replica ${r.uuid}`);
        for (const p of m.clusters) if (p !== NO_CLUSTER) this.release(p);
        this.replicas.delete(r.uuid);
        return;
      }
      case 'resize': {
        const m = this.replicas.get(r.uuid);
        if (!m) this.corrupt(`resize of unknown replica ${r.uuid}`);
        if (r.size < m.size) this.corrupt(`replica ${r.uuid} shrinks from ${m.size} to ${r.size}`);
        const n = this.logicalClusters(r.uuid, r.size);
        const old = m.clusters.length;
        if (m.thin ? r.added.length !== 0 : r.added.length !== n - old) {
          this.corrupt(
            `resize of ${r.uuid} adds ${r.added.length} clusters, expected ${m.thin ? 0 : n - old}`,
          );
        }
        const map = new Uint32Array(n).fill(NO_CLUSTER);
        map.set(m.clusters);
        for (let i = 0; i < r.added.length; i++) {
          this.claim(r.added[i]!, r.uuid);
          map[old + i] = r.added[i]!;
        }
        m.clusters = map;
        m.size = r.size;
        return;
      }
      case 'alloc': {
        const m = this.replicas.get(r.uuid);
        if (!m) this.corrupt(`allocation for unknown replica ${r.uuid}`);
        if (!m.thin) this.corrupt(`allocation for thick replica ${r.uuid}`);
        if (r.logical >= m.clusters.length) this.corrupt(`allocation beyond the end of ${r.uuid}`);
        if (m.clusters[r.logical] !== NO_CLUSTER)
          this.corrupt(`logical cluster ${r.logical} of ${r.uuid} allocated twice`);
        this.claim(r.physical, r.uuid);
        m.clusters[r.logical] = r.physical;
        return;
      }
    }
  }

  clone(): MetaState {
    const s = new MetaState(this.clusterCount, this.clusterSize);
    s.used.set(this.used);
    s.usedCount = this.usedCount;
    for (const [k, m] of this.replicas) s.replicas.set(k, { ...m, clusters: Uint32Array.from(m.clusters) });
    return s;
  }

  /** Checkpoint payload: every replica with its allocated (logical, physical) pairs. */
  encode(): Buffer {
    const w = new Writer(64 * 1024);
    w.u32(this.replicas.size);
    for (const m of this.replicas.values()) {
      w.uuid(m.uuid)
        .str(m.name)
        .str(m.entityId)
        .u64(m.size)
        .u8(m.thin ? 1 : 0);
      let n = 0;
      for (const p of m.clusters) if (p !== NO_CLUSTER) n++;
      w.u32(n);
      for (let i = 0; i < m.clusters.length; i++)
        if (m.clusters[i] !== NO_CLUSTER) w.u32(i).u32(m.clusters[i]!);
    }
    return w.finish();
  }

  static decode(payload: Buffer, clusterCount: number, clusterSize: number): MetaState {
    const s = new MetaState(clusterCount, clusterSize);
    const r = new Reader(payload, 0, payload.length, 'checkpoint');
    const count = r.u32();
    for (let k = 0; k < count; k++) {
      const uuid = r.uuid();
      const name = r.str();
      const entityId = r.str();
      const size = r.u64();
      const thin = r.u8() === 1;
      const n = r.u32();
      const nClusters = clustersFor(size, clusterSize);
      if (nClusters > clusterCount) s.corrupt(`replica ${uuid} is larger than the pool`);
      if (n > nClusters) s.corrupt(`replica ${uuid} lists ${n} clusters for ${nClusters} logical clusters`);
      const pairs = r.u32array(n * 2);
      if (thin) {
        s.apply({ type: 'create', uuid, name, entityId, size, thin, clusters: new Uint32Array(0) });
        for (let i = 0; i < n; i++)
          s.apply({ type: 'alloc', uuid, logical: pairs[2 * i]!, physical: pairs[2 * i + 1]! });
      } else {
        if (n !== nClusters) s.corrupt(`thick replica ${uuid} has ${n} of ${nClusters} clusters`);
        const map = new Uint32Array(nClusters).fill(NO_CLUSTER);
        for (let i = 0; i < n; i++) {
          const logical = pairs[2 * i]!;
          if (logical >= nClusters || map[logical] !== NO_CLUSTER)
            s.corrupt(`thick replica ${uuid} has a bad cluster list`);
          map[logical] = pairs[2 * i + 1]!;
        }
        s.apply({ type: 'create', uuid, name, entityId, size, thin, clusters: map });
      }
    }
    if (r.remaining !== 0) s.corrupt('trailing bytes after the last replica');
    return s;
  }

  /** A digest of the state, to compare two states in tests and checks. */
  fingerprint(): number {
    return crc32c(this.encode());
  }
}

export function encodeRecords(records: readonly MetaRecord[]): Buffer {
  const w = new Writer(256);
  for (const r of records) {
    switch (r.type) {
      case 'create':
        w.u8(REC_CREATE)
          .uuid(r.uuid)
          .str(r.name)
          .str(r.entityId)
          .u64(r.size)
          .u8(r.thin ? 1 : 0)
          .u32(r.clusters.length)
          .u32array(r.clusters);
        break;
      case 'destroy':
        w.u8(REC_DESTROY).uuid(r.uuid);
        break;
      case 'resize':
        w.u8(REC_RESIZE).uuid(r.uuid).u64(r.size).u32(r.added.length).u32array(r.added);
        break;
      case 'alloc':
        w.u8(REC_ALLOC).uuid(r.uuid).u32(r.logical).u32(r.physical);
        break;
    }
  }
  return w.finish();
}

export function decodeRecords(payload: Buffer, count: number): MetaRecord[] {
  const r = new Reader(payload, 0, payload.length, 'journal');
  const out: MetaRecord[] = [];
  for (let i = 0; i < count; i++) {
    const type = r.u8();
    switch (type) {
      case REC_CREATE: {
        const uuid = r.uuid();
        const name = r.str();
        const entityId = r.str();
        const size = r.u64();
        const thin = r.u8() === 1;
        const n = r.u32();
        out.push({ type: 'create', uuid, name, entityId, size, thin, clusters: r.u32array(n) });
        break;
      }
      case REC_DESTROY:
        out.push({ type: 'destroy', uuid: r.uuid() });
        break;
      case REC_RESIZE: {
        const uuid = r.uuid();
        const size = r.u64();
        const n = r.u32();
        out.push({ type: 'resize', uuid, size, added: r.u32array(n) });
        break;
      }
      case REC_ALLOC:
        out.push({ type: 'alloc', uuid: r.uuid(), logical: r.u32(), physical: r.u32() });
        break;
      default:
        throw poolError(PoolErrors.CORRUPT, `pool metadata: unknown journal record type ${type}`);
    }
  }
  if (r.remaining !== 0)
    throw poolError(PoolErrors.CORRUPT, 'pool metadata: trailing bytes in a journal batch');
  return out;
}
