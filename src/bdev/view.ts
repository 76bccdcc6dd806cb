/**
 * A view of a block device that someone else owns: I/O goes through to the device (whose
 * statistics count it), but closing the view leaves the device open. A local nexus child
 * (bdev:///<replica>) is such a view, because the replica belongs to its pool, not to the
 * nexus that happens to mirror onto it; tests use one to "close" a pool and open the same
 * medium again.
 */
import { BaseBlockDevice } from './base.js';
import type { BlockDevice } from './types.js';

export class DeviceView extends BaseBlockDevice {
  readonly driver: string;

  constructor(
    readonly inner: BlockDevice,
    name: string = inner.name,
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
