/**
 * Byte-range lock between application writes (shared among themselves) and rebuild segment
 * copies (exclusive). Mayastor's `lock_lba_range`: while the rebuild copies a segment, writes
 * to that segment wait, and the copy waits for writes already in flight there, so a copy can
 * never put old data over a newer write on the rebuilding child. Writes elsewhere and reads do
 * not wait at all.
 *
 * Requests are granted whole (no hold-and-wait, so no deadlock) and in FIFO order among
 * requests that conflict, so a stream of writes cannot starve a copy and vice versa.
 */
export type RangeRelease = () => void;

interface Holder {
  start: number;
  end: number;
  exclusive: boolean;
}

interface Waiter extends Holder {
  grant: (release: RangeRelease) => void;
}

function overlaps(a: Holder, b: Holder): boolean {
  return a.start < b.end && b.start < a.end;
}

function conflicts(a: Holder, b: Holder): boolean {
  return (a.exclusive || b.exclusive) && overlaps(a, b);
}

export class RangeLock {
  private readonly held = new Set<Holder>();
  private readonly waiting: Waiter[] = [];

  /** Number of granted locks (for tests and stats). */
  get heldCount(): number {
    return this.held.size;
  }

  get waitingCount(): number {
    return this.waiting.length;
  }

  /** Lock [offset, offset+length) shared (application writes). */
  acquireShared(offset: number, length: number): Promise<RangeRelease> | RangeRelease {
    return this.acquire({ start: offset, end: offset + length, exclusive: false });
  }

  /** Lock [offset, offset+length) exclusively (rebuild copies). */
  acquireExclusive(offset: number, length: number): Promise<RangeRelease> | RangeRelease {
    return this.acquire({ start: offset, end: offset + length, exclusive: true });
  }

  /** Returns the release function directly when granted at once (the common case), else a promise. */
  private acquire(req: Holder): Promise<RangeRelease> | RangeRelease {
    if (this.grantable(req, this.waiting.length)) return this.grant(req);
    return new Promise<RangeRelease>((grant) => this.waiting.push({ ...req, grant }));
  }

  /** Grantable if it conflicts with no holder and no earlier waiter (index < before). */
  private grantable(req: Holder, before: number): boolean {
    for (const h of this.held) if (conflicts(h, req)) return false;
    for (let i = 0; i < before; i++) if (conflicts(this.waiting[i]!, req)) return false;
    return true;
  }

  private grant(req: Holder): RangeRelease {
    const h: Holder = { start: req.start, end: req.end, exclusive: req.exclusive };
    this.held.add(h);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.held.delete(h);
      this.wake();
    };
  }

  private wake(): void {
    for (let i = 0; i < this.waiting.length;) {
      const w = this.waiting[i]!;
      if (this.grantable(w, i)) {
        this.waiting.splice(i, 1);
        w.grant(this.grant(w));
      } else {
        i++;
      }
    }
  }
}
