/** Block devices for tests. */
import { BaseBlockDevice, type BlockDevice } from '../../src/bdev/index.js';

/**
 * A view of another device whose close() leaves the underlying device open: lets a test
 * "close" a pool (export, destroy, a simulated crash) and open the same medium again.
 */
export class DeviceView extends BaseBlockDevice {
  readonly driver: string;
  constructor(readonly inner: BlockDevice) {
    super(inner.name, inner.uuid, inner.blockSize, inner.numBlocks);
    this.driver = inner.driver;
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
    return Promise.resolve();
  }
}
