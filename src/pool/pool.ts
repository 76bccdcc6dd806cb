/**
 * A pool: one block device formatted with our on-disk format (format.ts), holding replicas.
 *
 * Durability rules (docs/on-disk-format.md has the long form):
 * - Control operations (create, destroy and resize a replica) are durable when they return:
 *   their record is written to the journal (or a new checkpoint) and the device flushed.
 * - A thin replica allocates a cluster on the first write to it. The new cluster is written in
 *   full (zeros around the data), so it can never show an earlier replica's bytes. Its allocation
 *   record is committed at the next flush, after a device flush has made the cluster's contents
 *   durable, so a committed allocation never points at unwritten data. Until then a crash simply
 *   forgets the allocation, which is allowed because the write was not flushed.
 * - Clusters freed by a destroy return to the allocator only after the destroy is durable, so no
 *   cluster can ever belong to two replicas, not even across a crash.
 * - All metadata commits are serialized; a failed metadata write faults the pool: it then refuses
 *   every change and every I/O until it is imported again, rather than acknowledge what it
 *   cannot persist.
 */
import { Mutex } from '../core/async.js';
import { silentLogger, type Logger } from '../core/log.js';
import { assertUuid, newUuid } from '../core/uuid.js';
import type { BlockDevice } from '../bdev/types.js';
import { BaseBlockDevice } from '../bdev/base.js';
import { poolError, PoolErrors } from './errors.js';
import {
  batchChecksumOk,
  batchSize,
  checkLayout,
  CKPT_HEADER_SIZE,
  computeLayout,
  decodeBatchHeader,
  decodeCheckpointHeader,
  decodeSuperblock,
  encodeBatch,
  encodeCheckpointHeader,
  encodeSuperblock,
  FORMAT_VERSION,
  JOURNAL_BATCH_HEADER,
  MAX_NAME_BYTES,
  META_BLOCK,
  newIncarnation,
  PROBE_SIZE,
  SB_A_OFFSET,
  SB_B_OFFSET,
  SB_REGION,
  SbState,
  type Superblock,
  type SuperblockProbe,
} from './format.js';
import { clustersFor, decodeRecords, encodeRecords, MetaState, NO_CLUSTER, type MetaRecord } from './meta.js';
import { crc32c } from '../core/crc32c.js';
import { Replica } from './replica.js';

export interface PoolCreateOptions {
  name: string;
  uuid?: string;
  /** Bytes, power of two, 64 KiB .. 1 GiB; default 4 MiB (Mayastor's). */
  clusterSize?: number;
  /** Replicas the metadata area is sized for; default 1024. */
  maxReplicas?: number;
  /** Journal bytes; by default it scales with the pool. Small values force frequent checkpoints (tests). */
  journalSize?: number;
  /** Format even if the device holds other data or another pool. */
  overwrite?: boolean;
  log?: Logger;
}

export interface PoolImportOptions {
  /** If given, the pool on the device must have this name / uuid. */
  name?: string;
  uuid?: string;
  log?: Logger;
}

export interface CreateReplicaOptions {
  uuid: string;
  /** Defaults to the uuid (as Mayastor's control plane names replicas). */
  name?: string;
  /** Bytes; a multiple of the device block size, at most the pool's capacity. */
  size: number;
  thin: boolean;
  entityId?: string;
}

export type PoolState = 'Online' | 'Faulted' | 'Exported';

export interface PoolStatus {
  name: string;
  uuid: string;
  disk: string;
  state: PoolState;
  /** Why the pool is Faulted. */
  reason?: string;
  /** Bytes available to replicas (clusters × cluster size). */
  capacity: number;
  /** Bytes of allocated clusters. */
  used: number;
  /** Sum of replica sizes (rounded up to clusters), thin ones included. */
  committed: number;
  /** Size of the underlying device. */
  diskCapacity: number;
  clusterSize: number;
  blockSize: number;
  replicaCount: number;
}

/** What a device holds, without importing anything. */
export type DeviceContents =
  | { kind: 'empty' }
  | { kind: 'pool'; name: string; uuid: string; state: 'Ready' | 'Formatting' | 'Destroyed' }
  | { kind: 'foreign'; detail: string };

interface PendingAlloc {
  uuid: string;
  logical: number;
  physical: number;
}

export class Pool {
  readonly log: Logger;
  private sb: Superblock;
  /** State as on disk: what an import would rebuild. */
  private durable: MetaState;
  /** Physical clusters in use at run time (durable + reserved + allocated-not-yet-committed). */
  private readonly liveUsed: Uint8Array;
  private liveUsedCount: number;
  private cursor = 0;
  private readonly replicaMap = new Map<string, Replica>();
  private readonly meta = new Mutex();
  private pending: PendingAlloc[] = [];
  private seq: number;
  private journalPos: number;
  /** Checkpoint slot (0 or 1) holding the current checkpoint. */
  private activeSlot: number;
  private state: PoolState = 'Online';
  private faultReason: string | undefined;
  /**
   * Replica data I/O to the device. Replicas validate and account their own I/O, so when the
   * device is one of ours they skip its bookkeeping (BaseBlockDevice.submit*). Metadata I/O goes
   * through the device's public API.
   */
  readonly dataRead: (offset: number, buf: Buffer) => Promise<void>;
  readonly dataWrite: (offset: number, buf: Buffer) => Promise<void>;
  readonly dataWriteZeroes: (offset: number, length: number) => Promise<void>;

  private constructor(
    readonly device: BlockDevice,
    sb: Superblock,
    durable: MetaState,
    seq: number,
    journalPos: number,
    activeSlot: number,
    log: Logger,
  ) {
    this.sb = sb;
    this.durable = durable;
    this.seq = seq;
    this.journalPos = journalPos;
    this.activeSlot = activeSlot;
    this.log = log.child({ pool: sb.name });
    if (device instanceof BaseBlockDevice) {
      this.dataRead = (o, b) => device.submitRead(o, b);
      this.dataWrite = (o, b) => device.submitWrite(o, b);
      this.dataWriteZeroes = (o, n) => device.submitWriteZeroes(o, n);
    } else {
      this.dataRead = (o, b) => device.read(o, b);
      this.dataWrite = (o, b) => device.write(o, b);
      this.dataWriteZeroes = (o, n) => device.writeZeroes(o, n);
    }
    this.liveUsed = Uint8Array.from(durable.used);
    this.liveUsedCount = durable.usedCount;
    for (const m of durable.replicas.values()) {
      this.replicaMap.set(
        m.uuid,
        new Replica(this, m.uuid, m.name, m.entityId, m.size, m.thin, Uint32Array.from(m.clusters)),
      );
    }
  }

  // ---------------------------------------------------------------- probing

  /** Read what a device holds (our pool, nothing, or someone else's data). */
  static async probe(device: BlockDevice): Promise<DeviceContents> {
    const probeLen = Math.min(PROBE_SIZE, device.size - (device.size % device.blockSize));
    const head = Buffer.alloc(probeLen);
    await device.read(0, head);
    const a = decodeSuperblock(head.subarray(SB_A_OFFSET, SB_A_OFFSET + SB_REGION));
    const b =
      probeLen >= 2 * SB_REGION
        ? decodeSuperblock(head.subarray(SB_B_OFFSET, SB_B_OFFSET + SB_REGION))
        : ({ kind: 'empty' } as const);
    const sb = pickSuperblock(a, b);
    if (sb) {
      const state =
        sb.state === SbState.Ready ? 'Ready' : sb.state === SbState.Formatting ? 'Formatting' : 'Destroyed';
      return { kind: 'pool', name: sb.name, uuid: sb.uuid, state };
    }
    for (const p of [a, b]) {
      if (p.kind === 'damaged') return { kind: 'foreign', detail: `a damaged pool superblock (${p.reason})` };
    }
    const nz = head.findIndex((x) => x !== 0);
    if (nz >= 0) return { kind: 'foreign', detail: `unrecognised data at byte ${nz}` };
    return { kind: 'empty' };
  }

  // ---------------------------------------------------------------- create / import

  /**
   * Create a pool, or import it if the device already holds a pool of this name (and uuid, when
   * given), as Mayastor does. A device holding anything else is refused unless `overwrite`.
   */
  static async create(device: BlockDevice, opts: PoolCreateOptions): Promise<Pool> {
    const log = opts.log ?? silentLogger();
    validatePoolName(opts.name);
    const uuid = opts.uuid ? assertUuid(opts.uuid, 'pool uuid') : undefined;
    const contents = await Pool.probe(device);
    if (!opts.overwrite) {
      if (contents.kind === 'pool' && contents.state === 'Ready') {
        if (contents.name === opts.name && (uuid === undefined || uuid === contents.uuid)) {
          log.info({ pool: opts.name, disk: device.name }, 'pool exists on the device; importing it');
          return Pool.import(device, { name: opts.name, uuid, log });
        }
        throw poolError(
          PoolErrors.DEVICE_HOLDS_OTHER_POOL,
          `${device.name} holds pool '${contents.name}' (${contents.uuid}); import or destroy it, or create with overwrite to erase it`,
          { details: { existingName: contents.name, existingUuid: contents.uuid } },
        );
      }
      if (contents.kind === 'foreign') {
        throw poolError(
          PoolErrors.DEVICE_NOT_EMPTY,
          `${device.name} is not empty (${contents.detail}); it may hold a file system or another program's data. Wipe it first, or create with overwrite`,
        );
      }
      // 'empty', or our own interrupted create / completed destroy: safe to format.
    }
    return Pool.format(device, { ...opts, uuid: uuid ?? newUuid() }, log);
  }

  private static async format(
    device: BlockDevice,
    opts: PoolCreateOptions & { uuid: string },
    log: Logger,
  ): Promise<Pool> {
    const layout = computeLayout({
      blockSize: device.blockSize,
      deviceSize: device.size,
      clusterSize: opts.clusterSize,
      maxReplicas: opts.maxReplicas,
      journalSize: opts.journalSize,
    });
    const sb: Superblock = {
      ...layout,
      version: FORMAT_VERSION,
      state: SbState.Formatting,
      generation: 1,
      incarnation: newIncarnation(),
      uuid: opts.uuid,
      name: opts.name,
      createdAt: Date.now(),
    };
    log.info(
      {
        pool: sb.name,
        uuid: sb.uuid,
        disk: device.name,
        clusters: sb.clusterCount,
        clusterSize: sb.clusterSize,
      },
      'formatting pool',
    );
    // 1. Claim the device: a crash from here on leaves a superblock that says "formatting",
    //    which create() recognises as ours and import() refuses.
    await device.write(SB_A_OFFSET, encodeSuperblock(sb));
    await device.write(SB_B_OFFSET, Buffer.alloc(SB_REGION));
    await device.flush();
    // 2. An empty checkpoint in slot 0, slot 1 invalidated.
    const state = new MetaState(sb.clusterCount, sb.clusterSize);
    await device.write(sb.ckptOffset, checkpointImage(sb, state, 0));
    await device.write(sb.ckptOffset + sb.ckptSlotSize, Buffer.alloc(CKPT_HEADER_SIZE));
    await device.write(sb.journalOffset, Buffer.alloc(META_BLOCK));
    await device.flush();
    // 3. The pool exists once a Ready superblock is durable.
    const ready: Superblock = { ...sb, state: SbState.Ready, generation: 2 };
    await device.write(SB_A_OFFSET, encodeSuperblock(ready));
    await device.write(SB_B_OFFSET, encodeSuperblock(ready));
    await device.flush();
    return new Pool(device, ready, state, 0, 0, 0, log);
  }

  static async import(device: BlockDevice, opts: PoolImportOptions = {}): Promise<Pool> {
    const log = opts.log ?? silentLogger();
    const head = Buffer.alloc(2 * SB_REGION);
    if (device.size < head.length)
      throw poolError(PoolErrors.NOT_FOUND, `${device.name} holds no pool (too small)`);
    await device.read(0, head);
    const a = decodeSuperblock(head.subarray(SB_A_OFFSET, SB_A_OFFSET + SB_REGION));
    const b = decodeSuperblock(head.subarray(SB_B_OFFSET, SB_B_OFFSET + SB_REGION));
    const sb = pickSuperblock(a, b);
    if (!sb || sb.state !== SbState.Ready) {
      const why =
        sb?.state === SbState.Formatting
          ? 'pool creation was interrupted; create the pool again'
          : sb?.state === SbState.Destroyed
            ? 'the pool was destroyed'
            : a.kind === 'damaged'
              ? `the superblock is damaged (${a.reason})`
              : 'no pool superblock';
      throw poolError(PoolErrors.NOT_FOUND, `${device.name} holds no pool: ${why}`);
    }
    if (opts.name !== undefined && opts.name !== sb.name) {
      throw poolError(
        PoolErrors.DEVICE_HOLDS_OTHER_POOL,
        `${device.name} holds pool '${sb.name}', not '${opts.name}'`,
      );
    }
    if (opts.uuid !== undefined && assertUuid(opts.uuid) !== sb.uuid) {
      throw poolError(
        PoolErrors.DEVICE_HOLDS_OTHER_POOL,
        `${device.name} holds pool ${sb.uuid}, not ${opts.uuid}`,
      );
    }
    checkLayout(sb, device);

    // Current checkpoint: the valid slot with the highest sequence number.
    let best: { slot: number; seq: number; state: MetaState } | undefined;
    for (const slot of [0, 1]) {
      const loaded = await loadCheckpoint(device, sb, slot);
      if (loaded && (!best || loaded.seq > best.seq)) best = { slot, ...loaded };
    }
    if (!best)
      throw poolError(
        PoolErrors.CORRUPT,
        `pool '${sb.name}': no valid metadata checkpoint; refusing to guess`,
      );

    // Replay the journal from the start until the first batch that is not the next one.
    const state = best.state;
    let seq = best.seq;
    let pos = 0;
    let batches = 0;
    const hdr = Buffer.alloc(META_BLOCK);
    while (pos + META_BLOCK <= sb.journalSize) {
      await device.read(sb.journalOffset + pos, hdr);
      const h = decodeBatchHeader(hdr, sb.incarnation, seq + 1);
      if (!h) break;
      const size = batchSize(h.payloadLen);
      if (pos + size > sb.journalSize) break;
      let batch = hdr;
      if (size > META_BLOCK) {
        batch = Buffer.alloc(size);
        await device.read(sb.journalOffset + pos, batch);
      }
      if (!batchChecksumOk(batch, h.payloadLen)) break; // torn: written but never acknowledged
      for (const r of decodeRecords(
        batch.subarray(JOURNAL_BATCH_HEADER, JOURNAL_BATCH_HEADER + h.payloadLen),
        h.nRecords,
      )) {
        state.apply(r);
      }
      seq = h.seq;
      pos += size;
      batches++;
    }
    log.info(
      {
        pool: sb.name,
        uuid: sb.uuid,
        disk: device.name,
        replicas: state.replicas.size,
        checkpointSeq: best.seq,
        journalBatches: batches,
      },
      'pool imported',
    );
    return new Pool(device, sb, state, seq, pos, best.slot, log);
  }

  // ---------------------------------------------------------------- accessors

  get name(): string {
    return this.sb.name;
  }

  get uuid(): string {
    return this.sb.uuid;
  }

  get clusterSize(): number {
    return this.sb.clusterSize;
  }

  get clusterCount(): number {
    return this.sb.clusterCount;
  }

  get blockSize(): number {
    return this.sb.blockSize;
  }

  get capacity(): number {
    return this.sb.clusterCount * this.sb.clusterSize;
  }

  /** Byte offset on the device of a physical cluster. */
  clusterOffset(physical: number): number {
    return this.sb.dataOffset + physical * this.sb.clusterSize;
  }

  get isFaulted(): boolean {
    return this.state === 'Faulted';
  }

  get isOnline(): boolean {
    return this.state === 'Online';
  }

  /** The error every operation fails with while the pool is not usable, or undefined. */
  unusableError(): Error | undefined {
    if (this.state === 'Online') return undefined;
    if (this.state === 'Exported')
      return poolError(PoolErrors.EXPORTED, `pool '${this.name}' has been exported`);
    return poolError(
      PoolErrors.FAULTED,
      `pool '${this.name}' is faulted (${this.faultReason}); import it again`,
    );
  }

  status(): PoolStatus {
    let committed = 0;
    for (const r of this.replicaMap.values())
      committed += clustersFor(r.size, this.clusterSize) * this.clusterSize;
    return {
      name: this.name,
      uuid: this.uuid,
      disk: this.device.name,
      state: this.state,
      ...(this.faultReason ? { reason: this.faultReason } : {}),
      capacity: this.capacity,
      used: this.liveUsedCount * this.clusterSize,
      committed,
      diskCapacity: this.device.size,
      clusterSize: this.clusterSize,
      blockSize: this.blockSize,
      replicaCount: this.replicaMap.size,
    };
  }

  replicas(): Replica[] {
    return [...this.replicaMap.values()];
  }

  replica(uuid: string): Replica | undefined {
    return this.replicaMap.get(uuid.toLowerCase());
  }

  replicaByName(name: string): Replica | undefined {
    for (const r of this.replicaMap.values()) if (r.name === name) return r;
    return undefined;
  }

  /** Metadata state as an import would rebuild it right now (for checks and tests). */
  durableState(): MetaState {
    return this.durable.clone();
  }

  // ---------------------------------------------------------------- replica operations

  /**
   * Create a replica. Creating one that exists with the same spec returns it (idempotent, as in
   * Mayastor); the same uuid or name with a different spec is REPLICA_EXISTS.
   */
  async createReplica(opts: CreateReplicaOptions): Promise<Replica> {
    const uuid = assertUuid(opts.uuid, 'replica uuid');
    const name = opts.name ?? uuid;
    const entityId = opts.entityId ?? '';
    validateReplicaName(name, 'replica name');
    validateReplicaName(entityId, 'entity id', true);
    this.checkSize(opts.size);
    return this.meta.run(async () => {
      this.assertUsable();
      const existing = this.replicaMap.get(uuid) ?? this.replicaByName(name);
      if (existing) {
        if (
          existing.uuid === uuid &&
          existing.name === name &&
          existing.size === opts.size &&
          existing.thin === opts.thin
        ) {
          return existing;
        }
        throw poolError(
          PoolErrors.REPLICA_EXISTS,
          `pool '${this.name}' already has replica ${existing.uuid} named '${existing.name}' (${existing.size} bytes, ${existing.thin ? 'thin' : 'thick'})`,
        );
      }
      if (this.replicaMap.size >= this.sb.maxReplicas) {
        throw poolError(
          PoolErrors.METADATA_FULL,
          `pool '${this.name}' holds its maximum of ${this.sb.maxReplicas} replicas`,
        );
      }
      const n = clustersFor(opts.size, this.clusterSize);
      const clusters = opts.thin ? new Uint32Array(0) : this.reserve(n, `replica of ${opts.size} bytes`);
      try {
        await this.commit([
          { type: 'create', uuid, name, entityId, size: opts.size, thin: opts.thin, clusters },
        ]);
      } catch (e) {
        this.unreserve(clusters);
        throw e;
      }
      const map = opts.thin ? new Uint32Array(n).fill(NO_CLUSTER) : Uint32Array.from(clusters);
      const replica = new Replica(this, uuid, name, entityId, opts.size, opts.thin, map);
      this.replicaMap.set(uuid, replica);
      this.log.info({ replica: uuid, name, size: opts.size, thin: opts.thin }, 'replica created');
      return replica;
    });
  }

  /** Destroy a replica: it is closed (outstanding I/O completes, later I/O fails) and its clusters freed. */
  async destroyReplica(uuid: string): Promise<void> {
    const id = assertUuid(uuid, 'replica uuid');
    const replica = this.replicaMap.get(id);
    if (!replica) throw poolError(PoolErrors.REPLICA_NOT_FOUND, `pool '${this.name}' has no replica ${id}`);
    await replica.close();
    await this.meta.run(async () => {
      if (this.replicaMap.get(id) !== replica) return; // destroyed concurrently
      this.assertUsable();
      await this.commit([{ type: 'destroy', uuid: id }]);
      // Only now, with the destroy durable, may its clusters be handed out again.
      for (const p of replica.clusterMap()) if (p !== NO_CLUSTER) this.free(p);
      this.replicaMap.delete(id);
    });
    this.log.info({ replica: id }, 'replica destroyed');
  }

  /** Grow a replica to `size` bytes (shrinking is refused). */
  async resizeReplica(uuid: string, size: number): Promise<Replica> {
    const id = assertUuid(uuid, 'replica uuid');
    this.checkSize(size);
    return this.meta.run(async () => {
      this.assertUsable();
      const replica = this.replicaMap.get(id);
      if (!replica) throw poolError(PoolErrors.REPLICA_NOT_FOUND, `pool '${this.name}' has no replica ${id}`);
      if (size < replica.size) {
        throw poolError(
          PoolErrors.REPLICA_SHRINK,
          `replica ${id} is ${replica.size} bytes; shrinking to ${size} is not supported`,
        );
      }
      if (size === replica.size) return replica;
      const oldN = clustersFor(replica.size, this.clusterSize);
      const newN = clustersFor(size, this.clusterSize);
      const added = replica.thin ? new Uint32Array(0) : this.reserve(newN - oldN, `growing replica ${id}`);
      try {
        await this.commit([{ type: 'resize', uuid: id, size, added }]);
      } catch (e) {
        this.unreserve(added);
        throw e;
      }
      replica.grow(size, added);
      this.log.info({ replica: id, size }, 'replica resized');
      return replica;
    });
  }

  // ---------------------------------------------------------------- durability

  /**
   * Make every write that completed before this call durable, including thin allocations.
   * Replica flushes come here. With no allocation waiting and no commit running, it is one
   * device flush; otherwise it commits through the metadata lock.
   */
  sync(): Promise<void> {
    const err = this.unusableError();
    if (err) return Promise.reject(err);
    if (this.pending.length === 0 && !this.meta.isLocked) return this.device.flush();
    return this.meta.run(async () => {
      this.assertUsable();
      await this.commit([]);
    });
  }

  /** Write a fresh checkpoint, commit everything, close the replicas and the device. */
  async export(): Promise<void> {
    if (this.state === 'Exported') return;
    await Promise.allSettled(this.replicas().map((r) => r.close()));
    await this.meta.run(async () => {
      if (this.state === 'Online') await this.commit([], { checkpoint: true });
      this.state = 'Exported';
    });
    await this.device.close();
    this.log.info('pool exported');
  }

  /**
   * Destroy the pool: its replicas are closed and the device no longer holds a pool (replica data
   * is not erased). The device is closed.
   */
  async destroy(): Promise<void> {
    await Promise.allSettled(this.replicas().map((r) => r.close()));
    await this.meta.run(async () => {
      const dev = this.device;
      // 1. Mark destroyed: from here a crash leaves a device that create() may reuse without
      //    overwrite, and that import() refuses.
      const gone: Superblock = { ...this.sb, state: SbState.Destroyed, generation: this.sb.generation + 1 };
      await dev.write(SB_A_OFFSET, encodeSuperblock(gone));
      await dev.write(SB_B_OFFSET, encodeSuperblock(gone));
      await dev.flush();
      // 2. Clear the probe area and both checkpoint headers, then 3. the superblocks.
      await dev.writeZeroes(2 * SB_REGION, Math.min(PROBE_SIZE, this.sb.dataOffset) - 2 * SB_REGION);
      await dev.writeZeroes(this.sb.ckptOffset, CKPT_HEADER_SIZE);
      await dev.writeZeroes(this.sb.ckptOffset + this.sb.ckptSlotSize, CKPT_HEADER_SIZE);
      await dev.flush();
      await dev.writeZeroes(0, 2 * SB_REGION);
      await dev.flush();
      this.state = 'Exported';
      this.replicaMap.clear();
    });
    await this.device.close();
    this.log.info('pool destroyed');
  }

  /**
   * Commit records (plus every thin allocation whose data write has completed) durably. Caller
   * holds the metadata lock.
   */
  private async commit(records: MetaRecord[], opts: { checkpoint?: boolean } = {}): Promise<void> {
    const allocs = this.pending;
    this.pending = [];
    const batch: MetaRecord[] = allocs.map((a) => ({
      type: 'alloc',
      uuid: a.uuid,
      logical: a.logical,
      physical: a.physical,
    }));
    batch.push(...records);
    try {
      // Allocation records may only reach the disk after the clusters' contents have.
      if (allocs.length > 0) await this.device.flush();
      if (batch.length === 0 && !opts.checkpoint) {
        await this.device.flush();
        return;
      }
      const next = this.durable.clone();
      for (const r of batch) next.apply(r);
      const payload = encodeRecords(batch);
      const size = batchSize(payload.length);
      if (!opts.checkpoint && this.journalPos + size <= this.sb.journalSize) {
        await this.device.write(
          this.sb.journalOffset + this.journalPos,
          encodeBatch(this.sb.incarnation, this.seq + 1, batch.length, payload),
        );
        await this.device.flush();
        this.journalPos += size;
        this.seq += 1;
      } else {
        // Journal full (or asked to): the new state goes into the other checkpoint slot. The old
        // checkpoint and its journal stay intact until the new one is durable.
        const slot = 1 - this.activeSlot;
        const image = checkpointImage(this.sb, next, this.seq + 1);
        if (image.length > this.sb.ckptSlotSize) {
          throw poolError(
            PoolErrors.METADATA_FULL,
            `pool '${this.name}': metadata does not fit its checkpoint area`,
          );
        }
        await this.device.write(this.sb.ckptOffset + slot * this.sb.ckptSlotSize, image);
        await this.device.flush();
        this.activeSlot = slot;
        this.journalPos = 0;
        this.seq += 1;
      }
      this.durable = next;
    } catch (e) {
      if ((e as { code?: string }).code === PoolErrors.METADATA_FULL) {
        this.pending = allocs.concat(this.pending);
        throw e;
      }
      this.fault(`metadata write failed: ${(e as Error).message}`);
      throw poolError(PoolErrors.FAULTED, `pool '${this.name}': metadata write failed; the pool is faulted`, {
        cause: e,
      });
    }
  }

  private fault(reason: string): void {
    if (this.state !== 'Online') return;
    this.state = 'Faulted';
    this.faultReason = reason;
    this.log.error({ reason }, 'pool faulted');
  }

  private assertUsable(): void {
    const err = this.unusableError();
    if (err) throw err;
  }

  private checkSize(size: number): void {
    if (!Number.isSafeInteger(size) || size <= 0 || size % this.blockSize !== 0) {
      throw poolError(
        PoolErrors.INVALID_ARGUMENT,
        `replica size ${size} must be a positive multiple of the ${this.blockSize}-byte block size`,
      );
    }
    if (size > this.capacity) {
      throw poolError(
        PoolErrors.NO_SPACE,
        `replica size ${size} exceeds the capacity of pool '${this.name}' (${this.capacity} bytes)`,
      );
    }
  }

  // ---------------------------------------------------------------- cluster allocation

  /** Reserve `n` free clusters for a thick replica (or throw POOL_NO_SPACE). */
  private reserve(n: number, what: string): Uint32Array {
    const free = this.clusterCount - this.liveUsedCount;
    if (n > free) {
      throw poolError(
        PoolErrors.NO_SPACE,
        `pool '${this.name}' has ${free * this.clusterSize} bytes free, ${what} needs ${n * this.clusterSize}`,
      );
    }
    const out = new Uint32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.allocateCluster();
    return out;
  }

  private unreserve(clusters: Uint32Array): void {
    for (const p of clusters) this.free(p);
  }

  /** Take one free cluster (next fit). Throws POOL_NO_SPACE when none is left. */
  allocateCluster(): number {
    if (this.liveUsedCount >= this.clusterCount) {
      throw poolError(PoolErrors.NO_SPACE, `pool '${this.name}' is full`);
    }
    const n = this.clusterCount;
    for (let k = 0; k < n; k++) {
      const p = (this.cursor + k) % n;
      if (!this.liveUsed[p]) {
        this.liveUsed[p] = 1;
        this.liveUsedCount++;
        this.cursor = (p + 1) % n;
        return p;
      }
    }
    throw poolError(PoolErrors.NO_SPACE, `pool '${this.name}' is full`);
  }

  /** Return a cluster that was never committed (a failed thin allocation) or whose owner's destroy is durable. */
  free(physical: number): void {
    if (this.liveUsed[physical]) {
      this.liveUsed[physical] = 0;
      this.liveUsedCount--;
    }
  }

  /** A thin cluster was written in full; its allocation is committed at the next flush. */
  allocationWritten(uuid: string, logical: number, physical: number): void {
    this.pending.push({ uuid, logical, physical });
  }
}

// -------------------------------------------------------------------- helpers

function pickSuperblock(a: SuperblockProbe, b: SuperblockProbe): Superblock | undefined {
  const va = a.kind === 'valid' ? a.sb : undefined;
  const vb = b.kind === 'valid' ? b.sb : undefined;
  if (va && vb) return va.generation >= vb.generation ? va : vb;
  return va ?? vb;
}

function checkpointImage(sb: Superblock, state: MetaState, seq: number): Buffer {
  const payload = state.encode();
  const header = encodeCheckpointHeader({
    incarnation: sb.incarnation,
    seq,
    journalStart: 0,
    payloadLen: payload.length,
    payloadCrc: crc32c(payload),
  });
  const image = Buffer.alloc(Math.ceil((CKPT_HEADER_SIZE + payload.length) / META_BLOCK) * META_BLOCK);
  header.copy(image, 0);
  payload.copy(image, CKPT_HEADER_SIZE);
  return image;
}

async function loadCheckpoint(
  device: BlockDevice,
  sb: Superblock,
  slot: number,
): Promise<{ seq: number; state: MetaState } | undefined> {
  const base = sb.ckptOffset + slot * sb.ckptSlotSize;
  const hb = Buffer.alloc(CKPT_HEADER_SIZE);
  await device.read(base, hb);
  const h = decodeCheckpointHeader(hb, sb.incarnation);
  if (!h || CKPT_HEADER_SIZE + h.payloadLen > sb.ckptSlotSize) return undefined;
  const len = Math.ceil(h.payloadLen / META_BLOCK) * META_BLOCK;
  const payload = Buffer.alloc(len);
  if (len > 0) await device.read(base + CKPT_HEADER_SIZE, payload);
  const body = payload.subarray(0, h.payloadLen);
  if (crc32c(body) !== h.payloadCrc) return undefined; // torn: the other slot is current
  return { seq: h.seq, state: MetaState.decode(body, sb.clusterCount, sb.clusterSize) };
}

function validatePoolName(name: string): void {
  if (
    typeof name !== 'string' ||
    name.length === 0 ||
    Buffer.byteLength(name) > MAX_NAME_BYTES ||
    /[\0/]/.test(name)
  ) {
    throw poolError(
      PoolErrors.INVALID_ARGUMENT,
      `pool name '${name}' must be 1-${MAX_NAME_BYTES} bytes without '/' or NUL`,
    );
  }
}

function validateReplicaName(name: string, what: string, allowEmpty = false): void {
  if ((!allowEmpty && name.length === 0) || Buffer.byteLength(name) > MAX_NAME_BYTES || name.includes('\0')) {
    throw poolError(
      PoolErrors.INVALID_ARGUMENT,
      `${what} '${name}' must be ${allowEmpty ? '0' : '1'}-${MAX_NAME_BYTES} bytes without NUL`,
    );
  }
}
