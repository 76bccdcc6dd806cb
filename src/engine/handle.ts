/**
 * A handle on a block device that someone else owns: I/O goes through to the device (whose
 * statistics count it), but closing the handle leaves the device open. A local nexus child
 * (bdev:///<replica>) is such a handle, because the replica belongs to its pool, not to the
 * nexus that happens to mirror onto it.
 */
import { BaseBlockDevice } from '../bdev/base.js';
import type { BlockDevice } from '../bdev/types.js';

export class DeviceHandle extends BaseBlockDevice {
  readonly driver: string;

  constructor(
    readonly inner: BlockDevice,
    name: string,
    private readonly onClose?: () => void,
  ) {
    super(name, inner.uuid, inner.blockSize, inner.numBlocks);
    this.driver = inner.driver;
  }

  override get numBlocks(): number {
    return this.inner.numBlocks;
  }

  override get size(): number {
    return this.inner.size;
  }

  protected doRead(offset: number, buf: Buffer): Promise<void> {
    return this.inner.read(offset, buf);
  }

  protected doWrite(offset: number, buf: Buffer): Promise<void> {
    return this.inner.write(offset, buf);
  }

  protected doFlush(): Promise<void> {
    return this.inner.flush();
  }

  protected doUnmap(offset: number, length: number): Promise<void> {
    return this.inner.unmap(offset, length);
  }

  protected doWriteZeroes(offset: number, length: number): Promise<void> {
    return this.inner.writeZeroes(offset, length);
  }

  protected doClose(): Promise<void> {
    this.onClose?.();
    return Promise.resolve();
  }
}
