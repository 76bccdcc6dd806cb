/**
 * `npm run bench -- nbd [options]`: our NBD server against nbdkit and qemu-nbd on the same work.
 *
 * Each server serves the same RAM disk (ours: malloc://, nbdkit: the memory plugin, qemu-nbd: a
 * file in /dev/shm) and the same file (ours: uring:// or aio://, nbdkit: the file plugin, qemu-nbd: raw file),
 * all on 127.0.0.1, one at a time. fio's nbd engine (libnbd) drives each with 4 KiB random reads
 * and random writes at queue depth 32 for a fixed time, after the device was filled once. Rounds
 * interleave the servers so that background load on a shared machine hits them alike; the table
 * shows the median IOPS per cell, the ratios, and the server's CPU time per I/O (from
 * /proc/PID/stat), which says how efficient a server is even when the client is the bottleneck.
 *
 * Options: --runtime=SECONDS (10)  --rounds=N (1)  --size=MiB (256)  --iodepth=N (32)
 *          --bs=BYTES (4096)  --dir=PATH (os.tmpdir(); where the file backend lives)
 *          --servers=ours,nbdkit,qemu-nbd  --backends=memory,file  --workloads=randread,randwrite
 *          --nice=N (run servers and fio under nice -n N; 0)
 *          --threadpool=N (UV_THREADPOOL_SIZE of our server; default: the CLI's, 16)
 *          --engine=uring|aio (our file backend's I/O engine; uring)
 * The last line is machine-readable: RESULT nbd key=value ...
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, cpuSeconds } from './_lib.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = path.join(REPO, 'bin', 'mayastor-ts.cjs');

type Server = 'ours' | 'nbdkit' | 'qemu-nbd';
type Backend = 'memory' | 'file';
type Workload = 'randread' | 'randwrite';

interface Options {
  runtime: number;
  rounds: number;
  sizeMiB: number;
  iodepth: number;
  bs: number;
  dir: string;
  servers: Server[];
  backends: Backend[];
  workloads: Workload[];
  nice: number;
  /** UV_THREADPOOL_SIZE for our server; undefined keeps the CLI's default. */
  threadpool: number | undefined;
  /** Our file backend's engine: uring:// (native io_uring reads) or aio:// (libuv thread pool). */
  engine: 'uring' | 'aio';
}

function parseArgs(args: string[]): Options {
  const o: Options = {
    runtime: 10,
    rounds: 1,
    sizeMiB: 256,
    iodepth: 32,
    bs: 4096,
    dir: os.tmpdir(),
    servers: ['ours', 'nbdkit', 'qemu-nbd'],
    backends: ['memory', 'file'],
    workloads: ['randread', 'randwrite'],
    nice: 0,
    threadpool: undefined,
    engine: 'uring',
  };
  for (const a of args) {
    const m = /^--([a-z-]+)=(.*)$/.exec(a);
    if (!m) throw new Error(`unknown argument '${a}' (options look like --runtime=10)`);
    const [, k, v] = m as unknown as [string, string, string];
    const num = () => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw new Error(`--${k} wants a non-negative integer`);
      return n;
    };
    const list = <T extends string>(allowed: readonly T[]): T[] => {
      const items = v.split(',').filter(Boolean) as T[];
      for (const i of items)
        if (!allowed.includes(i)) throw new Error(`--${k}: '${i}' is not one of ${allowed.join(', ')}`);
      return items;
    };
    if (k === 'runtime') o.runtime = Math.max(1, num());
    else if (k === 'rounds') o.rounds = Math.max(1, num());
    else if (k === 'size') o.sizeMiB = Math.max(16, num());
    else if (k === 'iodepth') o.iodepth = Math.max(1, num());
    else if (k === 'bs') o.bs = Math.max(512, num());
    else if (k === 'dir') o.dir = v;
    else if (k === 'nice') o.nice = num();
    else if (k === 'threadpool') o.threadpool = Math.max(1, num());
    else if (k === 'engine') o.engine = list(['uring', 'aio'] as const)[0] ?? 'uring';
    else if (k === 'servers') o.servers = list(['ours', 'nbdkit', 'qemu-nbd'] as const);
    else if (k === 'backends') o.backends = list(['memory', 'file'] as const);
    else if (k === 'workloads') o.workloads = list(['randread', 'randwrite'] as const);
    else throw new Error(`unknown option --${k}`);
  }
  return o;
}

async function waitForPort(port: number, proc: ChildProcess, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (proc.exitCode !== null) throw new Error(`${what} exited with ${proc.exitCode} before listening`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not listen on 127.0.0.1:${port}`);
}

function niced(o: Options, cmd: string, args: string[]): [string, string[]] {
  return o.nice > 0 ? ['nice', ['-n', String(o.nice), cmd, ...args]] : [cmd, args];
}

interface Running {
  proc: ChildProcess;
  port: number;
  log: () => string;
}

async function startServer(
  o: Options,
  server: Server,
  backend: Backend,
  paths: Record<Backend, string>,
): Promise<Running> {
  const port = await freePort();
  const size = `${o.sizeMiB}M`;
  let cmd: string;
  let args: string[];
  if (server === 'ours') {
    const uri = backend === 'memory' ? `malloc:///bench?size_mb=${o.sizeMiB}` : `${o.engine}://${paths.file}`;
    cmd = process.execPath;
    args = [CLI, 'export', uri, '--nbd', `127.0.0.1:${port}`, '--log-level', 'warn'];
  } else if (server === 'nbdkit') {
    cmd = 'nbdkit';
    args = ['-f', '--exit-with-parent', '-i', '127.0.0.1', '-p', String(port)];
    args.push(...(backend === 'memory' ? ['memory', size] : ['file', paths.file]));
  } else {
    // qemu-nbd has no RAM disk: the memory case serves a file in /dev/shm (tmpfs).
    cmd = 'qemu-nbd';
    args = [
      '-f',
      'raw',
      '-b',
      '127.0.0.1',
      '-p',
      String(port),
      '-x',
      '',
      '-t',
      '-e',
      '8',
      '--cache=writeback',
    ];
    args.push(backend === 'memory' ? paths.memory : paths.file);
  }
  const [c, a] = niced(o, cmd, args);
  const env = { ...process.env };
  // Our file I/O goes through libuv's thread pool; the CLI sizes it (16) unless told otherwise.
  if (server === 'ours') {
    if (o.threadpool !== undefined) env.UV_THREADPOOL_SIZE = String(o.threadpool);
    else delete env.UV_THREADPOOL_SIZE;
  }
  const proc = spawn(c, a, { stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  await waitForPort(port, proc, server);
  return { proc, port, log: () => out };
}

async function stopServer(r: Running): Promise<void> {
  if (r.proc.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => r.proc.once('exit', () => resolve()));
  r.proc.kill('SIGTERM');
  const t = setTimeout(() => r.proc.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(t);
}

function runFio(o: Options, args: string[]): Promise<Record<string, unknown>> {
  const out = path.join(os.tmpdir(), `bench-nbd-fio-${process.pid}-${crypto.randomUUID()}.json`);
  const [c, a] = niced(o, 'fio', [...args, '--output-format=json', `--output=${out}`]);
  return new Promise((resolve, reject) => {
    const p = spawn(c, a, { stdio: ['ignore', 'pipe', 'pipe'], cwd: os.tmpdir() });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => {
      try {
        if (code !== 0) throw new Error(`fio exited ${code}: ${err}`);
        const json = JSON.parse(fs.readFileSync(out, 'utf8')) as { jobs: Array<Record<string, unknown>> };
        resolve(json.jobs[0]!);
      } catch (e) {
        reject(e as Error);
      } finally {
        fs.rmSync(out, { force: true });
      }
    });
  });
}

interface Sample {
  iops: number;
  cpuUsPerIo: number;
}

async function measure(o: Options, r: Running, workload: Workload): Promise<Sample> {
  const pid = r.proc.pid!;
  const cpu0 = cpuSeconds(pid);
  const job = await runFio(o, [
    `--name=${workload}`,
    '--ioengine=nbd',
    `--uri=nbd://127.0.0.1:${r.port}/`,
    `--rw=${workload}`,
    `--bs=${o.bs}`,
    `--iodepth=${o.iodepth}`,
    `--runtime=${o.runtime}`,
    '--time_based',
    '--ramp_time=1',
    '--norandommap',
    '--randrepeat=0',
  ]);
  const cpu1 = cpuSeconds(pid);
  const side = job[workload === 'randread' ? 'read' : 'write'] as { iops: number; total_ios: number };
  const ios = side.iops * o.runtime;
  return { iops: side.iops, cpuUsPerIo: ios > 0 ? ((cpu1 - cpu0) * 1e6) / ios : NaN };
}

async function prefill(o: Options, r: Running): Promise<void> {
  await runFio(o, [
    '--name=prefill',
    '--ioengine=nbd',
    `--uri=nbd://127.0.0.1:${r.port}/`,
    '--rw=write',
    '--bs=1M',
    '--iodepth=8',
    '--refill_buffers',
  ]);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function requireTools(o: Options): void {
  const need = ['fio', ...o.servers.filter((s) => s !== 'ours')];
  for (const t of need) {
    const found = (process.env.PATH ?? '').split(':').some((d) => fs.existsSync(path.join(d, t)));
    if (!found) throw new Error(`${t} is not installed (scripts/install-system-deps.sh installs it)`);
  }
  if (!fs.existsSync(path.join(REPO, 'dist', 'src', 'cli', 'main.js')))
    throw new Error('run npm run build first');
}

export async function run(args: string[]): Promise<void> {
  const o = parseArgs(args);
  requireTools(o);
  const work = fs.mkdtempSync(path.join(o.dir, 'bench-nbd-'));
  const shm = fs.existsSync('/dev/shm') ? fs.mkdtempSync('/dev/shm/bench-nbd-') : work;
  const paths: Record<Backend, string> = {
    memory: path.join(shm, 'memory.img'),
    file: path.join(work, 'file.img'),
  };
  const bytes = o.sizeMiB * 1024 * 1024;
  const running: Running[] = [];
  const cleanup = () => {
    for (const r of running) r.proc.kill('SIGKILL');
    fs.rmSync(work, { recursive: true, force: true });
    if (shm !== work) fs.rmSync(shm, { recursive: true, force: true });
  };
  process.once('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  const samples = new Map<string, Sample[]>();
  const key = (b: Backend, w: Workload, s: Server) => `${b}/${w}/${s}`;
  try {
    // The file backend is filled once with data; qemu-nbd's /dev/shm file starts empty like the
    // RAM disks and is filled through NBD, as they are.
    const fd = fs.openSync(paths.file, 'w');
    for (let off = 0; off < bytes; off += 1 << 20)
      fs.writeSync(fd, crypto.randomBytes(1 << 20), 0, 1 << 20, off);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    process.stdout.write(
      `nbd benchmark: ${o.bs}-byte random I/O at queue depth ${o.iodepth}, ${o.runtime} s per run, ` +
        `${o.rounds} round(s), ${o.sizeMiB} MiB devices, fio ${o.backends.length * o.servers.length * o.workloads.length * o.rounds} runs\n`,
    );
    for (let round = 1; round <= o.rounds; round++) {
      for (const backend of o.backends) {
        // Rotate the order each round so no server always runs first or last.
        const order = o.servers.map((_, i) => o.servers[(i + round - 1) % o.servers.length]!);
        for (const server of order) {
          if (backend === 'memory') fs.writeFileSync(paths.memory, Buffer.alloc(0));
          if (backend === 'memory') fs.truncateSync(paths.memory, bytes);
          const r = await startServer(o, server, backend, paths);
          running.push(r);
          try {
            if (backend === 'memory') await prefill(o, r);
            for (const w of o.workloads) {
              const s = await measure(o, r, w);
              const k = key(backend, w, server);
              samples.set(k, [...(samples.get(k) ?? []), s]);
              process.stdout.write(
                `  round ${round} ${backend.padEnd(6)} ${w.padEnd(9)} ${server.padEnd(8)} ` +
                  `${Math.round(s.iops).toString().padStart(8)} IOPS  ${s.cpuUsPerIo.toFixed(1).padStart(6)} µs CPU/IO\n`,
              );
            }
          } finally {
            await stopServer(r);
            running.splice(running.indexOf(r), 1);
          }
        }
      }
    }
  } finally {
    cleanup();
  }

  const med = (b: Backend, w: Workload, s: Server) => {
    const xs = samples.get(key(b, w, s));
    return xs ? { iops: median(xs.map((x) => x.iops)), cpu: median(xs.map((x) => x.cpuUsPerIo)) } : undefined;
  };
  const rows: string[][] = [];
  const result: string[] = [];
  const head = ['backend', 'workload', ...o.servers.map((s) => `${s} IOPS`)];
  const others = o.servers.filter((s) => s !== 'ours');
  if (o.servers.includes('ours')) head.push(...others.map((s) => `ours/${s}`));
  head.push(...o.servers.map((s) => `${s} µs CPU/IO`));
  const minRatio: Record<string, number> = {};
  for (const b of o.backends) {
    for (const w of o.workloads) {
      const row: string[] = [b, w];
      const m = Object.fromEntries(o.servers.map((s) => [s, med(b, w, s)!]));
      for (const s of o.servers) {
        row.push(String(Math.round(m[s]!.iops)));
        result.push(`${b}_${w}_${s.replace('-', '')}=${Math.round(m[s]!.iops)}`);
      }
      if (o.servers.includes('ours')) {
        for (const s of others) {
          const ratio = m.ours!.iops / m[s]!.iops;
          row.push(`${ratio.toFixed(2)}x`);
          result.push(`${b}_${w}_ratio_${s.replace('-', '')}=${ratio.toFixed(3)}`);
          minRatio[s] = Math.min(minRatio[s] ?? Infinity, ratio);
        }
      }
      for (const s of o.servers) row.push(m[s]!.cpu.toFixed(1));
      rows.push(row);
    }
  }
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  process.stdout.write(`\n${line(head)}\n${rows.map(line).join('\n')}\n\n`);
  for (const [s, r] of Object.entries(minRatio))
    result.push(`min_ratio_${s.replace('-', '')}=${r.toFixed(3)}`);
  process.stdout.write(`RESULT nbd ${result.join(' ')}\n`);
}
