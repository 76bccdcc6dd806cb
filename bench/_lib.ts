/**
 * Shared benchmark machinery: a closed-loop load generator over any BlockDevice, rounds that
 * alternate the systems under test (so drift on a shared machine hits all of them alike), and
 * the output conventions (a table, ratios, one final `RESULT <name> key=value ...` line).
 */
import fs from 'node:fs';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { Prng } from '../src/core/prng.js';
import type { BlockDevice } from '../src/bdev/types.js';

export interface LoadSpec {
  op: 'randread' | 'randwrite';
  blockSize: number;
  queueDepth: number;
  seconds: number;
  /** Byte range to address (default: the whole device). */
  offset?: number;
  length?: number;
}

export interface LoadResult {
  ops: number;
  seconds: number;
  iops: number;
  mbps: number;
  meanLatencyUs: number;
}

/** Run `queueDepth` workers issuing random aligned I/O for `seconds`; a tiny warm-up is excluded. */
export async function runLoad(dev: BlockDevice, spec: LoadSpec): Promise<LoadResult> {
  const base = spec.offset ?? 0;
  const span = Math.floor((spec.length ?? dev.size - base) / spec.blockSize);
  const prng = new Prng(0x2545f491);
  const nextBlock = () => prng.next() % span;
  const warmupMs = Math.min(500, spec.seconds * 100);
  const t0 = performance.now();
  const tEnd = t0 + warmupMs + spec.seconds * 1000;
  let measuring = false;
  let tStart = 0;
  let ops = 0;
  let latency = 0;
  const worker = async (): Promise<void> => {
    const buf = Buffer.alloc(spec.blockSize, 0x5a);
    for (;;) {
      const now = performance.now();
      if (now >= tEnd) return;
      if (!measuring && now - t0 >= warmupMs) {
        measuring = true;
        tStart = now;
      }
      const at = base + nextBlock() * spec.blockSize;
      const s = performance.now();
      if (spec.op === 'randread') await dev.read(at, buf);
      else await dev.write(at, buf);
      if (measuring) {
        ops++;
        latency += performance.now() - s;
      }
    }
  };
  await Promise.all(Array.from({ length: spec.queueDepth }, worker));
  const seconds = (performance.now() - tStart) / 1000;
  return {
    ops,
    seconds,
    iops: ops / seconds,
    mbps: (ops * spec.blockSize) / seconds / 1e6,
    meanLatencyUs: ops ? (latency / ops) * 1000 : 0,
  };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function parseArgs(args: string[], defaults: Record<string, number | string>): Record<string, string> {
  const out: Record<string, string> = Object.fromEntries(
    Object.entries(defaults).map(([k, v]) => [k, String(v)]),
  );
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('--')) throw new Error(`unexpected argument '${a}'`);
    const [k, v] = a.includes('=') ? a.slice(2).split('=', 2) : [a.slice(2), args[++i]];
    if (!(k! in out)) throw new Error(`unknown option --${k} (known: ${Object.keys(out).join(', ')})`);
    out[k!] = v ?? '';
  }
  return out;
}

export function table(headers: string[], rows: Array<Array<string | number>>): string {
  const cells = rows.map((r) => r.map((c) => (typeof c === 'number' ? fmt(c) : c)));
  const w = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ');
  return [line(headers), line(w.map((n) => '-'.repeat(n))), ...cells.map(line)].join('\n');
}

export function fmt(n: number): string {
  if (Math.abs(n) >= 100) return Math.round(n).toString();
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toFixed(3);
}

export function result(name: string, kv: Record<string, number | string>): string {
  return `RESULT ${name} ${Object.entries(kv)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? (Number.isInteger(v) ? v : v.toFixed(3)) : v}`)
    .join(' ')}`;
}

/** Progress on stderr, so stdout stays the report. */
export function progress(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Clock ticks per second of /proc's CPU times (USER_HZ: 100 on Linux). */
export const CLK_TCK = 100;

/** CPU time (user + system, all threads) a process has used so far, in clock ticks. */
export function cpuTicks(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces): utime and stime are 14 and 15.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

/** The same in seconds. */
export function cpuSeconds(pid: number): number {
  return cpuTicks(pid) / CLK_TCK;
}
