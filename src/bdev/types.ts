/**
 * The one abstraction of the data path: a block device.
 *
 * Everything that holds blocks implements it: RAM disks, files and raw devices, replicas carved
 * out of a pool, remote namespaces reached through the NVMe-oF initiator, and the nexus. Targets
 * (NVMe-oF, NBD) export any BlockDevice; the nexus mirrors over any BlockDevices.
 *
 * Offsets and lengths are in bytes and must be multiples of `blockSize`; an I/O must lie within
 * `[0, size)`. Implementations reject violations with BDEV_MISALIGNED / BDEV_OUT_OF_RANGE and
 * never truncate silently.
 *
 * Durability contract: a write that has completed may sit in a volatile cache; once a later
 * `flush()` has completed, every write that completed before the flush was issued survives a
 * crash. A write with `fua` is durable when it completes. `unmap` and `writeZeroes` both leave
 * the range reading as zeros on every implementation, so that mirrors stay byte-identical.
 */
export interface WriteOptions {
  /** Force unit access: the write is durable when it completes. */
  fua?: boolean;
}

export interface BlockDevice {
  /** Name unique within the owning registry, e.g. "malloc0" or "/var/tmp/disk1.img". */
  readonly name: string;
  readonly uuid: string;
  /** Logical block size in bytes (512 or 4096 for devices made from URIs). */
  readonly blockSize: number;
  /** Number of logical blocks. May grow while the device is open (replica grow). */
  readonly numBlocks: number;
  /** blockSize * numBlocks. */
  readonly size: number;
  /** The driver behind it, for status output: "malloc", "aio", "uring", "replica", "nvmf", "nexus", ... */
  readonly driver: string;
  readonly stats: IoStats;

  /** Fill `buf` with `buf.length` bytes starting at byte `offset`. */
  read(offset: number, buf: Buffer): Promise<void>;
  write(offset: number, buf: Buffer, options?: WriteOptions): Promise<void>;
  flush(): Promise<void>;
  /** Deallocate a range; afterwards it reads as zeros. */
  unmap(offset: number, length: number): Promise<void>;
  writeZeroes(offset: number, length: number): Promise<void>;
  /** Release the device. Outstanding I/O completes first; later I/O fails with BDEV_CLOSED. */
  close(): Promise<void>;
}

/** Cumulative I/O statistics, in Mayastor's shape (latency sums in microseconds). */
export interface IoStats {
  numReadOps: number;
  bytesRead: number;
  numWriteOps: number;
  bytesWritten: number;
  numUnmapOps: number;
  bytesUnmapped: number;
  numFlushOps: number;
  readLatencyUs: number;
  writeLatencyUs: number;
  unmapLatencyUs: number;
  maxReadLatencyUs: number;
  maxWriteLatencyUs: number;
  maxUnmapLatencyUs: number;
  minReadLatencyUs: number;
  minWriteLatencyUs: number;
  minUnmapLatencyUs: number;
  numReadErrors: number;
  numWriteErrors: number;
}

export function newIoStats(): IoStats {
  return {
    numReadOps: 0,
    bytesRead: 0,
    numWriteOps: 0,
    bytesWritten: 0,
    numUnmapOps: 0,
    bytesUnmapped: 0,
    numFlushOps: 0,
    readLatencyUs: 0,
    writeLatencyUs: 0,
    unmapLatencyUs: 0,
    maxReadLatencyUs: 0,
    maxWriteLatencyUs: 0,
    maxUnmapLatencyUs: 0,
    minReadLatencyUs: 0,
    minWriteLatencyUs: 0,
    minUnmapLatencyUs: 0,
    numReadErrors: 0,
    numWriteErrors: 0,
  };
}

export function resetIoStats(s: IoStats): void {
  Object.assign(s, newIoStats());
}
