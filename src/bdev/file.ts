/**
 * A file or a raw block device, reached through libuv's asynchronous file I/O.
 *
 * `aio` devices go through libuv's asynchronous file I/O (its thread pool, or libuv's own
 * io_uring when the process starts with UV_USE_IO_URING=1). `uring` devices read and flush
 * through our native io_uring engine (native/uring.c): requests are queued without a system
 * call and submitted once per event-loop turn, with no thread hand-off; page-cache reads
 * complete inline in the kernel. Where that engine is unavailable (not built,
 * or io_uring disabled by the kernel) a `uring` device falls back to the thread pool and says so
 * in its `ioEngine` and in a warning at open. `flush` is fdatasync.
 *
 * Raw block devices are opened with O_EXCL, so a disk that is mounted or held by another process
 * is refused (BDEV_BUSY) rather than silently shared.
 */
import fs from 'node:fs';
import { BaseBlockDevice } from './base.js';
import { bdevError, BdevErrors, fromErrno } from './errors.js';
import { newUuid } from '../core/uuid.js';
import type { Logger } from '../core/log.js';
import { lockExclusive } from './native.js';
import { loadUringEngine, type UringEngine } from './uring-engine.js';

let warnedNoLock = false;

/** A read-only buffer of zeros used to implement writeZeroes/unmap on files. */
const ZEROES = Buffer.alloc(1 << 20);
const ZERO_WRITES_IN_FLIGHT = 4;

export type FileEngine = 'aio' | 'uring';

export interface FileDeviceOptions {
  path: string;
  blockSize: number;
  engine: FileEngine;
  name?: string;
  uuid?: string;
  log?: Logger;
}

export function libuvUsesIoUring(): boolean {
  return process.env.UV_USE_IO_URING === '1';
}

interface BlockDeviceInfo {
  size: number;
  logicalBlockSize: number;
}

function devNumbers(rdev: number): { major: number; minor: number } {
  const hi = Math.floor(rdev / 2 ** 32);
  const lo = rdev >>> 0;
  const major = ((lo >>> 8) & 0xfff) | ((hi & 0xfffff000) >>> 0);
  const minor = (lo & 0xff) | ((lo >>> 12) & 0xfff00);
  return { major, minor };
}

async function blockDeviceInfo(path: string, rdev: number): Promise<BlockDeviceInfo> {
  const { major, minor } = devNumbers(rdev);
  const sys = `/sys/dev/block/${major}:${minor}`;
  try {
    const sectors = Number((await fs.promises.readFile(`${sys}/size`, 'utf8')).trim());
    let lbs = 512;
    for (const q of [`${sys}/queue/logical_block_size`, `${sys}/../queue/logical_block_size`]) {
      try {
        lbs = Number((await fs.promises.readFile(q, 'utf8')).trim());
        break;
      } catch {
        // a partition has no queue/ of its own; its parent's applies
      }
    }
    return { size: sectors * 512, logicalBlockSize: lbs };
  } catch (e) {
    throw bdevError(BdevErrors.IO_ERROR, `${path}: cannot read the device size from ${sys}`, { cause: e });
  }
}

export class FileDevice extends BaseBlockDevice {
  readonly driver: FileEngine;
  /** How libuv carries this device's I/O. */
  readonly ioEngine: string;
  readonly path: string;
  readonly isBlockDevice: boolean;
  private readonly uring: UringEngine | undefined;

  private constructor(
    opts: FileDeviceOptions,
    private readonly fd: number,
    numBlocks: number,
    isBlockDevice: boolean,
    uring: { engine?: UringEngine; reason?: string },
  ) {
    super(opts.name ?? opts.path, opts.uuid ?? newUuid(), opts.blockSize, numBlocks);
    this.driver = opts.engine;
    this.path = opts.path;
    this.isBlockDevice = isBlockDevice;
    this.uring = uring.engine;
    const libuv = libuvUsesIoUring() ? 'io_uring (libuv)' : 'thread pool (libuv)';
    this.ioEngine = this.uring
      ? 'io_uring (native)'
      : opts.engine === 'uring'
        ? `${libuv}: ${uring.reason}`
        : libuv;
  }

  static async open(opts: FileDeviceOptions): Promise<FileDevice> {
    const { path, blockSize } = opts;
    if (!path.startsWith('/')) {
      throw bdevError(BdevErrors.URI_INVALID, `'${path}' is not an absolute path`);
    }
    let st: fs.Stats;
    try {
      st = await fs.promises.stat(path);
    } catch (e) {
      const err = fromErrno(e, path);
      if (err.code === BdevErrors.NOT_FOUND) {
        throw bdevError(
          BdevErrors.NOT_FOUND,
          `${path} does not exist; create a backing file first (e.g. truncate -s 1G ${path}) or name an existing block device`,
          { cause: e },
        );
      }
      throw err;
    }
    let size: number;
    const isBlock = st.isBlockDevice();
    if (isBlock) {
      const info = await blockDeviceInfo(path, st.rdev);
      if (blockSize < info.logicalBlockSize) {
        throw bdevError(
          BdevErrors.BLOCK_SIZE_INVALID,
          `${path}: blk_size=${blockSize} is smaller than the device's logical block size ${info.logicalBlockSize}`,
        );
      }
      size = info.size;
    } else if (st.isFile()) {
      size = st.size;
    } else {
      throw bdevError(BdevErrors.URI_INVALID, `${path} is neither a regular file nor a block device`);
    }
    if (size === 0) throw bdevError(BdevErrors.SIZE_INVALID, `${path} is empty (0 bytes)`);
    if (size % blockSize !== 0) {
      throw bdevError(
        BdevErrors.SIZE_INVALID,
        `${path}: size ${size} is not a multiple of the ${blockSize}-byte block size; resize it (truncate -s) or use another blk_size`,
        { details: { size, blockSize } },
      );
    }
    const flags = fs.constants.O_RDWR | (isBlock ? fs.constants.O_EXCL : 0);
    let fd: number;
    try {
      fd = await new Promise<number>((resolve, reject) =>
        fs.open(path, flags, (err, fd) => (err ? reject(err) : resolve(fd))),
      );
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EBUSY') {
        throw bdevError(
          BdevErrors.BUSY,
          `${path} is in use (mounted, or held by another io-engine or export); stop that user first`,
          { cause: e },
        );
      }
      throw fromErrno(e, path);
    }
    if (!isBlock) {
      // Block devices are exclusive through O_EXCL; an image file through a lock, so that two
      // io-engines (or an io-engine and an export) never write one pool at the same time.
      const lock = lockExclusive(fd);
      if (lock.result === 'busy') {
        fs.closeSync(fd);
        throw bdevError(
          BdevErrors.BUSY,
          `${path} is in use by another io-engine or export (it holds the file's lock); stop that one first`,
        );
      }
      if (lock.result === 'unavailable' && !warnedNoLock) {
        warnedNoLock = true;
        opts.log?.warn({ reason: lock.reason }, 'image files are opened without an exclusive lock');
      }
    }
    const uring = opts.engine === 'uring' ? loadUringEngine() : {};
    const dev = new FileDevice(opts, fd, size / blockSize, isBlock, uring);
    if (opts.engine === 'uring' && !uring.engine) {
      opts.log?.warn(
        { device: dev.name, reason: uring.reason },
        `uring:// device falls back to ${dev.ioEngine}`,
      );
    }
    return dev;
  }

  protected doRead(offset: number, buf: Buffer): Promise<void> {
    if (this.uring) return this.uringRead(offset, buf, 0);
    return new Promise<void>((resolve, reject) => {
      const step = (done: number): void => {
        fs.read(this.fd, buf, done, buf.length - done, offset + done, (err, n) => {
          if (err) return reject(fromErrno(err, `${this.name}: read at ${offset + done}`));
          if (n === 0) {
            return reject(
              bdevError(BdevErrors.IO_ERROR, `${this.name}: short read at ${offset + done} (device shrank?)`),
            );
          }
          if (done + n < buf.length) step(done + n);
          else resolve();
        });
      };
      step(0);
    });
  }

  protected doWrite(offset: number, buf: Buffer): Promise<void> {
    // Writes stay on the thread pool even with io_uring: io_uring hands buffered writes to an
    // ext4 file to one kernel worker per inode, which measured slower than libuv's threads
    // (both are bound by the inode lock; see docs/bdev.md).
    return new Promise<void>((resolve, reject) => {
      const step = (done: number): void => {
        fs.write(this.fd, buf, done, buf.length - done, offset + done, (err, n) => {
          if (err) return reject(fromErrno(err, `${this.name}: write at ${offset + done}`));
          if (done + n < buf.length) step(done + n);
          else resolve();
        });
      };
      step(0);
    });
  }

  private uringRead(offset: number, buf: Buffer, done: number): Promise<void> {
    return this.uring!.read(this.fd, buf, done, buf.length - done, offset + done).then(
      (n) => {
        if (n === 0)
          throw bdevError(
            BdevErrors.IO_ERROR,
            `${this.name}: short read at ${offset + done} (device shrank?)`,
          );
        if (done + n < buf.length) return this.uringRead(offset, buf, done + n);
      },
      (e: unknown) => {
        throw fromErrno(e, `${this.name}: read at ${offset + done}`);
      },
    );
  }

  protected doFlush(): Promise<void> {
    if (this.uring) {
      return this.uring.fdatasync(this.fd).then(
        () => undefined,
        (e: unknown) => {
          throw fromErrno(e, `${this.name}: fdatasync`);
        },
      );
    }
    return new Promise<void>((resolve, reject) =>
      fs.fdatasync(this.fd, (err) => (err ? reject(fromErrno(err, `${this.name}: fdatasync`)) : resolve())),
    );
  }

  protected doUnmap(offset: number, length: number): Promise<void> {
    // Without fallocate(PUNCH_HOLE) in Node, deallocation is done by writing zeros: the
    // contract (an unmapped range reads as zeros) holds, the space is not returned to the host.
    return this.doWriteZeroes(offset, length);
  }

  protected async doWriteZeroes(offset: number, length: number): Promise<void> {
    const end = offset + length;
    let next = offset;
    const worker = async (): Promise<void> => {
      while (next < end) {
        const at = next;
        const n = Math.min(ZEROES.length, end - at);
        next += n;
        await this.doWrite(at, n === ZEROES.length ? ZEROES : ZEROES.subarray(0, n));
      }
    };
    const workers: Promise<void>[] = [];
    for (let i = 0; i < ZERO_WRITES_IN_FLIGHT; i++) workers.push(worker());
    await Promise.all(workers);
  }

  protected doClose(): Promise<void> {
    return new Promise<void>((resolve, reject) =>
      fs.close(this.fd, (err) => (err ? reject(fromErrno(err, `${this.name}: close`)) : resolve())),
    );
  }
}
