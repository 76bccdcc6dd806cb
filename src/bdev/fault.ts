/**
 * Fault injection: a transparent wrapper around any block device that fails, delays, hangs or
 * corrupts chosen I/O. Rules select by operation, byte range, and how many matching I/Os to let
 * through first (`skip`) and then hit (`count`, unlimited when absent). Used by tests now and by
 * the io-engine's test API later.
 */
import { BaseBlockDevice } from './base.js';
import { bdevError, BdevErrors, type BdevErrorCode } from './errors.js';
import type { BlockDevice } from './types.js';
import { sleep } from '../core/async.js';

export type FaultOp = 'read' | 'write' | 'flush' | 'unmap' | 'writeZeroes';
export const FAULT_OPS: readonly FaultOp[] = ['read', 'write', 'flush', 'unmap', 'writeZeroes'];

export type FaultAction =
  /** Fail the I/O without touching the device. */
  | { type: 'error'; code?: BdevErrorCode }
  /** Wait, then perform the I/O. */
  | { type: 'delay'; ms: number }
  /** Never complete until the rule is removed (then the I/O is performed) or the device is closed. */
  | { type: 'hang' }
  /** Reads only: perform the read, then flip one bit in the data returned. */
  | { type: 'corrupt' };

export interface FaultRule {
  ops: readonly FaultOp[];
  /** Byte range the rule applies to; absent means the whole device. Flushes match any range. */
  offset?: number;
  length?: number;
  action: FaultAction;
  /** Let this many matching I/Os through before the rule starts to hit. */
  skip?: number;
  /** Hit this many times, then stop; absent means until removed. */
  count?: number;
}

export interface FaultStatus {
  id: string;
  rule: FaultRule;
  hits: number;
  active: boolean;
}

interface ActiveFault {
  id: string;
  rule: FaultRule;
  seen: number;
  hits: number;
  hung: Array<{ release: (proceed: boolean) => void }>;
}

export class FaultInjectingDevice extends BaseBlockDevice {
  readonly driver: string;
  private readonly faults = new Map<string, ActiveFault>();
  private nextId = 1;

  constructor(readonly inner: BlockDevice) {
    super(inner.name, inner.uuid, inner.blockSize, inner.numBlocks);
    this.driver = inner.driver;
  }

  override get numBlocks(): number {
    return this.inner.numBlocks;
  }

  override get size(): number {
    return this.inner.size;
  }

  inject(rule: FaultRule): string {
    if (rule.ops.length === 0 || rule.ops.some((o) => !FAULT_OPS.includes(o))) {
      throw bdevError(
        BdevErrors.URI_INVALID,
        `fault rule ops must be a non-empty subset of ${FAULT_OPS.join(', ')}`,
      );
    }
    const id = `fault-${this.nextId++}`;
    this.faults.set(id, { id, rule, seen: 0, hits: 0, hung: [] });
    return id;
  }

  remove(id: string): boolean {
    const f = this.faults.get(id);
    if (!f) return false;
    this.faults.delete(id);
    for (const h of f.hung.splice(0)) h.release(true);
    return true;
  }

  clear(): void {
    for (const id of [...this.faults.keys()]) this.remove(id);
  }

  list(): FaultStatus[] {
    return [...this.faults.values()].map((f) => ({
      id: f.id,
      rule: f.rule,
      hits: f.hits,
      active: f.rule.count === undefined || f.hits < f.rule.count,
    }));
  }

  /** The fault that fires for this I/O, if any (and account for it). */
  private match(op: FaultOp, offset: number, length: number): ActiveFault | undefined {
    for (const f of this.faults.values()) {
      const r = f.rule;
      if (!r.ops.includes(op)) continue;
      if (op !== 'flush' && r.offset !== undefined) {
        const end = r.length === undefined ? Infinity : r.offset + r.length;
        if (offset + length <= r.offset || offset >= end) continue;
      }
      if (r.count !== undefined && f.hits >= r.count) continue;
      f.seen++;
      if (r.skip !== undefined && f.seen <= r.skip) continue;
      f.hits++;
      return f;
    }
    return undefined;
  }

  private async apply(
    op: FaultOp,
    offset: number,
    length: number,
    perform: () => Promise<void>,
    buf?: Buffer,
  ): Promise<void> {
    const f = this.faults.size === 0 ? undefined : this.match(op, offset, length);
    if (!f) return perform();
    const a = f.rule.action;
    switch (a.type) {
      case 'error':
        throw bdevError(
          a.code ?? BdevErrors.IO_ERROR,
          `${this.name}: injected ${op} fault (${f.id}) at offset ${offset}`,
          {
            details: { injected: true, fault: f.id },
          },
        );
      case 'delay':
        await sleep(a.ms);
        return perform();
      case 'hang': {
        const proceed = await new Promise<boolean>((release) => f.hung.push({ release }));
        if (!proceed)
          throw bdevError(BdevErrors.CLOSED, `${this.name}: device closed while ${op} was hung by ${f.id}`);
        return perform();
      }
      case 'corrupt':
        await perform();
        if (buf && buf.length > 0) buf[Math.floor(buf.length / 2)]! ^= 0x01;
        return;
    }
  }

  // With no rule installed (the common case in a nexus), go straight to the device: the async
  // apply() and its closure cost extra promise turns on every I/O.
  protected doRead(offset: number, buf: Buffer): Promise<void> {
    if (this.faults.size === 0) return this.inner.read(offset, buf);
    return this.apply('read', offset, buf.length, () => this.inner.read(offset, buf), buf);
  }

  protected doWrite(offset: number, buf: Buffer): Promise<void> {
    if (this.faults.size === 0) return this.inner.write(offset, buf);
    return this.apply('write', offset, buf.length, () => this.inner.write(offset, buf));
  }

  protected doFlush(): Promise<void> {
    return this.apply('flush', 0, 0, () => this.inner.flush());
  }

  protected doUnmap(offset: number, length: number): Promise<void> {
    return this.apply('unmap', offset, length, () => this.inner.unmap(offset, length));
  }

  protected doWriteZeroes(offset: number, length: number): Promise<void> {
    return this.apply('writeZeroes', offset, length, () => this.inner.writeZeroes(offset, length));
  }

  override async close(): Promise<void> {
    // Release hung I/O as failures first, or close() would wait for them forever.
    for (const f of this.faults.values()) for (const h of f.hung.splice(0)) h.release(false);
    return super.close();
  }

  protected doClose(): Promise<void> {
    return this.inner.close();
  }
}
