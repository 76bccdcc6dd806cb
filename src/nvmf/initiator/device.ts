/**
 * A remote NVMe-oF namespace as a BlockDevice.
 *
 * Reads and writes larger than what one command may carry (the controller's MDTS, 65536 blocks,
 * and `maxTransferBytes`) are split; the pieces run concurrently across the I/O queues and the
 * I/O settles when all of them have (so a read never gets data written into its buffer after it
 * failed). `unmap` uses Dataset Management deallocate only when the namespace promises that
 * deallocated blocks read as zeros (DLFEAT), because the BlockDevice contract says they must;
 * otherwise it is Write Zeroes with the deallocate hint, and without Write Zeroes support both
 * fall back to writing zeros.
 */
import { BaseBlockDevice } from '../../bdev/base.js';
import { BdevErrors } from '../../bdev/errors.js';
import type { MayastorError } from '../../core/errors.js';
import { newUuid } from '../../core/uuid.js';
import { IoOpc } from '../spec.js';
import {
  MAX_NLB,
  NvmeTcpController,
  namespaceUuid,
  type ControllerState,
  type ControllerStats,
} from './controller.js';
import { Dir } from './queue.js';
import { isUnsupportedCommand } from './errors.js';
import type { NvmfInitiatorOptions } from './options.js';

/** Write Zeroes CDW12 bit 25: deallocate the blocks if the controller can (reads still return zeros). */
const WZ_DEAC = 1 << 25;
/** Dataset Management CDW11 bit 2: attribute deallocate. */
const DSM_AD = 1 << 2;
const DSM_MAX_RANGES = 256;
/** Blocks per DSM range; well under the 32-bit field so that targets need no special cases. */
const DSM_RANGE_BLOCKS = 1 << 30;
/** Commands of one large unmap/write-zeroes kept in flight at once. */
const ZEROING_CONCURRENCY = 32;

const ZEROES = Buffer.alloc(1 << 20);

export class NvmfBlockDevice extends BaseBlockDevice {
  readonly driver = 'nvmf';
  private readonly shift: number;
  /** Set when the controller refused a command it advertised; we fall back for good. */
  private noWriteZeroes = false;
  private noDeallocate = false;

  private constructor(
    readonly controller: NvmeTcpController,
    name: string,
    uuid: string,
  ) {
    const ns = controller.namespace;
    super(name, uuid, ns.blockSize, ns.nsze);
    this.shift = Math.log2(ns.blockSize);
    controller.on('resize', (blocks) => {
      this.blocks = blocks;
    });
  }

  /** Connect to the target and open its namespace. Rejects with an NVMF_* error. */
  static async connect(options: NvmfInitiatorOptions): Promise<NvmfBlockDevice> {
    const ctrl = await NvmeTcpController.connect(options);
    const o = ctrl.options;
    return new NvmfBlockDevice(ctrl, o.name, o.uuid ?? namespaceUuid(ctrl.namespace) ?? newUuid());
  }

  /** live, resetting (reconnecting), failed (gave up; see `reconnect()`), closing, closed. */
  get state(): ControllerState {
    return this.controller.state;
  }

  get controllerStats(): ControllerStats {
    return this.controller.stats;
  }

  /** Try to reconnect a controller that gave up (ctrl-loss timeout or a changed namespace). */
  reconnect(): Promise<void> {
    return this.controller.reconnect();
  }

  protected doRead(offset: number, buf: Buffer): Promise<void> {
    return this.transfer(IoOpc.Read, Dir.C2H, offset, buf);
  }

  protected doWrite(offset: number, buf: Buffer): Promise<void> {
    return this.transfer(IoOpc.Write, Dir.H2C, offset, buf);
  }

  private transfer(opc: number, dir: Dir, offset: number, buf: Buffer): Promise<void> {
    const max = this.controller.maxTransferBytes;
    const shift = this.shift;
    const len = buf.length;
    if (len <= max) {
      const slba = offset / 2 ** shift;
      return this.controller.io(opc, slba >>> 0, Math.floor(slba / 2 ** 32), (len >> shift) - 1, 0, dir, buf);
    }
    const parts: Promise<void>[] = [];
    for (let off = 0; off < len; off += max) {
      const n = Math.min(max, len - off);
      const slba = (offset + off) / 2 ** shift;
      parts.push(
        this.controller.io(
          opc,
          slba >>> 0,
          Math.floor(slba / 2 ** 32),
          (n >> shift) - 1,
          0,
          dir,
          buf.subarray(off, off + n),
        ),
      );
    }
    return settleAll(parts);
  }

  protected doFlush(): Promise<void> {
    return this.controller.io(IoOpc.Flush, 0, 0, 0, 0, Dir.None, undefined);
  }

  protected async doWriteZeroes(offset: number, length: number): Promise<void> {
    if (this.controller.supportsWriteZeroes && !this.noWriteZeroes) {
      try {
        return await this.writeZeroesCmds(offset, length, 0);
      } catch (e) {
        if (!isUnsupportedCommand(e)) throw e;
        this.noWriteZeroes = true;
        this.controller.log.warn(
          { err: (e as Error).message },
          'Write Zeroes advertised but refused; writing zeros instead',
        );
      }
    }
    return this.writeZeroBuffers(offset, length);
  }

  protected async doUnmap(offset: number, length: number): Promise<void> {
    if (this.controller.supportsDeallocate && !this.noDeallocate) {
      try {
        return await this.deallocate(offset, length);
      } catch (e) {
        if (!isUnsupportedCommand(e)) throw e;
        this.noDeallocate = true;
        this.controller.log.warn(
          { err: (e as Error).message },
          'Dataset Management advertised but refused; zeroing instead',
        );
      }
    }
    if (this.controller.supportsWriteZeroes && !this.noWriteZeroes) {
      try {
        return await this.writeZeroesCmds(offset, length, WZ_DEAC);
      } catch (e) {
        if (!isUnsupportedCommand(e)) throw e;
        this.noWriteZeroes = true;
        this.controller.log.warn(
          { err: (e as Error).message },
          'Write Zeroes advertised but refused; writing zeros instead',
        );
      }
    }
    return this.writeZeroBuffers(offset, length);
  }

  private async writeZeroesCmds(offset: number, length: number, flags: number): Promise<void> {
    const shift = this.shift;
    let slba = offset / 2 ** shift;
    const end = slba + length / 2 ** shift;
    while (slba < end) {
      const batch: Promise<void>[] = [];
      for (let i = 0; i < ZEROING_CONCURRENCY && slba < end; i++) {
        const n = Math.min(MAX_NLB, end - slba);
        batch.push(
          this.controller.io(
            IoOpc.WriteZeroes,
            slba >>> 0,
            Math.floor(slba / 2 ** 32),
            (n - 1) | flags,
            0,
            Dir.None,
            undefined,
          ),
        );
        slba += n;
      }
      await settleAll(batch);
    }
  }

  private async deallocate(offset: number, length: number): Promise<void> {
    const shift = this.shift;
    let slba = offset / 2 ** shift;
    const end = slba + length / 2 ** shift;
    while (slba < end) {
      const ranges = Math.min(DSM_MAX_RANGES, Math.ceil((end - slba) / DSM_RANGE_BLOCKS));
      const data = Buffer.alloc(ranges * 16);
      for (let r = 0; r < ranges; r++) {
        const n = Math.min(DSM_RANGE_BLOCKS, end - slba);
        // Range: context attributes (4), length in blocks (4, not 0-based), starting LBA (8).
        data.writeUInt32LE(n, r * 16 + 4);
        data.writeUInt32LE(slba >>> 0, r * 16 + 8);
        data.writeUInt32LE(Math.floor(slba / 2 ** 32), r * 16 + 12);
        slba += n;
      }
      await this.controller.io(IoOpc.DatasetManagement, ranges - 1, DSM_AD, 0, 0, Dir.H2C, data);
    }
  }

  private async writeZeroBuffers(offset: number, length: number): Promise<void> {
    const chunk = Math.min(ZEROES.length, this.controller.maxTransferBytes);
    for (let off = 0; off < length;) {
      const batch: Promise<void>[] = [];
      for (let i = 0; i < ZEROING_CONCURRENCY && off < length; i++) {
        const n = Math.min(chunk, length - off);
        batch.push(this.transfer(IoOpc.Write, Dir.H2C, offset + off, ZEROES.subarray(0, n)));
        off += n;
      }
      await settleAll(batch);
    }
  }

  override close(): Promise<void> {
    // Stop reconnecting and fail I/O that waits for a connection; in-flight I/O then drains.
    this.controller.beginClose();
    return super.close();
  }

  protected doClose(): Promise<void> {
    return this.controller.shutdown();
  }
}

/**
 * Wait for every piece, then fail with the most telling error: a timeout over the transport
 * errors that the reset after it caused, so the nexus sees why the child really failed.
 */
function settleAll(parts: Promise<void>[]): Promise<void> {
  return Promise.allSettled(parts).then((rs) => {
    let first: unknown;
    for (const r of rs) {
      if (r.status !== 'rejected') continue;
      if ((r.reason as MayastorError | undefined)?.code === BdevErrors.TIMEOUT) throw r.reason;
      first ??= r.reason;
    }
    if (first !== undefined) throw first;
  });
}
