/**
 * A RAM disk. Memory is allocated lazily in fixed chunks, so a large malloc device costs only
 * what has been written; never-written chunks read as zeros. Contents die with the process.
 */
import { BaseBlockDevice } from './base.js';
import { newUuid } from '../core/uuid.js';

const CHUNK = 1 << 20; // 1 MiB

export interface MallocOptions {
  name: string;
  blockSize: number;
  numBlocks: number;
  uuid?: string;
}

export class MallocDevice extends BaseBlockDevice {
  readonly driver = 'malloc';
  private readonly chunks: Array<Buffer | undefined>;

  constructor(opts: MallocOptions) {
    super(opts.name, opts.uuid ?? newUuid(), opts.blockSize, opts.numBlocks);
    this.chunks = new Array<Buffer | undefined>(Math.ceil((opts.blockSize * opts.numBlocks) / CHUNK));
  }

  /** Bytes of memory currently held. */
  get allocatedBytes(): number {
    let n = 0;
    for (const c of this.chunks) if (c) n += c.length;
    return n;
  }

  protected doRead(offset: number, buf: Buffer): Promise<void> {
    let pos = 0;
    while (pos < buf.length) {
      const abs = offset + pos;
      const ci = Math.floor(abs / CHUNK);
      const co = abs - ci * CHUNK;
      const n = Math.min(CHUNK - co, buf.length - pos);
      const chunk = this.chunks[ci];
      if (chunk) chunk.copy(buf, pos, co, co + n);
      else buf.fill(0, pos, pos + n);
      pos += n;
    }
    return Promise.resolve();
  }

  protected doWrite(offset: number, buf: Buffer): Promise<void> {
    let pos = 0;
    while (pos < buf.length) {
      const abs = offset + pos;
      const ci = Math.floor(abs / CHUNK);
      const co = abs - ci * CHUNK;
      const n = Math.min(CHUNK - co, buf.length - pos);
      let chunk = this.chunks[ci];
      if (!chunk) chunk = this.chunks[ci] = Buffer.alloc(CHUNK);
      buf.copy(chunk, co, pos, pos + n);
      pos += n;
    }
    return Promise.resolve();
  }

  protected doFlush(): Promise<void> {
    return Promise.resolve();
  }

  protected doUnmap(offset: number, length: number): Promise<void> {
    return this.zero(offset, length);
  }

  protected doWriteZeroes(offset: number, length: number): Promise<void> {
    return this.zero(offset, length);
  }

  private zero(offset: number, length: number): Promise<void> {
    let pos = 0;
    while (pos < length) {
      const abs = offset + pos;
      const ci = Math.floor(abs / CHUNK);
      const co = abs - ci * CHUNK;
      const n = Math.min(CHUNK - co, length - pos);
      const chunk = this.chunks[ci];
      if (chunk) {
        if (n === CHUNK) this.chunks[ci] = undefined;
        else chunk.fill(0, co, co + n);
      }
      pos += n;
    }
    return Promise.resolve();
  }

  protected doClose(): Promise<void> {
    this.chunks.fill(undefined);
    return Promise.resolve();
  }
}
