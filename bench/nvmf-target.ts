/**
 * The NVMe-oF target's own costs, measured on a `mayastor-ts export` process:
 *
 *   npm run bench -- nvmf-target idle [--seconds 30]
 *       CPU the target uses over N seconds with no host, then with a host connected (two I/O
 *       queues, KATO 5 s, a keep-alive every 2.5 s as the Linux host sends them).
 *   npm run bench -- nvmf-target load [--seconds 5] [--queues 2] [--qd 32] [--cpu-prof DIR]
 *       4 KiB random reads/writes and 128 KiB sequential reads/writes through the target from a
 *       raw NVMe/TCP load generator in this process; IOPS, MB/s and the target's CPU seconds per
 *       operation (the generator shares the machine, so the per-operation cost is the number to
 *       compare between versions). --cpu-prof runs the target under `node --cpu-prof`.
 *
 * (bench/nvmf.ts compares the whole NVMe-oF path, initiator included, against a local device.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AdminOpc, IoOpc } from '../src/nvmf/spec.js';
import { openController, type RawHost } from '../test/nvmf/target/host.js';
import { Prng } from '../src/core/prng.js';
import { freePort, cpuTicks, CLK_TCK } from './_lib.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = path.join(REPO, 'bin', 'mayastor-ts.cjs');
const NQN = 'nqn.2019-05.io.openebs:0b7c2d1e-3f4a-4b5c-8d6e-7f8091a2b3c4';

function arg(args: string[], name: string, dflt: number): number {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function startTarget(nodeArgs: string[] = []): Promise<{ proc: ChildProcess; port: number }> {
  const port = await freePort();
  const proc = spawn(
    process.execPath,
    [
      ...nodeArgs,
      CLI,
      'export',
      `malloc:///bench?size_mb=256&uuid=0b7c2d1e-3f4a-4b5c-8d6e-7f8091a2b3c4`,
      '--nvmf',
      `127.0.0.1:${port}`,
      '--log-level',
      'warn',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, MAYASTOR_LOG_LEVEL: 'warn' } },
  );
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((r) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        r(true);
      });
      s.on('error', () => r(false));
    });
    if (ok) return { proc, port };
    await sleep(100);
  }
  proc.kill('SIGKILL');
  throw new Error('target did not start');
}

async function stopTarget(proc: ChildProcess): Promise<void> {
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  await exited;
}

async function idle(args: string[]): Promise<void> {
  const seconds = arg(args, 'seconds', 30);
  const { proc, port } = await startTarget();
  const pid = proc.pid!;
  await sleep(3000); // start-up work (module loading, JIT) is not idle time
  const measure = async (what: string) => {
    const t0 = cpuTicks(pid);
    const w0 = Date.now();
    await sleep(seconds * 1000);
    const ticks = cpuTicks(pid) - t0;
    const wall = (Date.now() - w0) / 1000;
    const pct = (ticks / CLK_TCK / wall) * 100;
    console.log(
      `${what}: ${ticks} ticks (${(ticks / CLK_TCK).toFixed(2)} CPU s) in ${wall.toFixed(1)} s = ${pct.toFixed(3)} % of one core`,
    );
    return { ticks, pct };
  };
  const none = await measure('idle, no host connected');
  const c = await openController(port, { subnqn: NQN, ioQueues: 2, kato: 5000 });
  let on = true;
  const ka = (async () => {
    while (on) {
      await c.admin.ok({ opc: AdminOpc.KeepAlive });
      await sleep(2500);
    }
  })();
  await sleep(1000);
  const connected = await measure('idle, host connected (2 I/O queues, keep-alive every 2.5 s)');
  on = false;
  await ka;
  c.close();
  await stopTarget(proc);
  console.log(
    `RESULT nvmf-target-idle seconds=${seconds} no_host_ticks=${none.ticks} no_host_pct=${none.pct.toFixed(3)} host_ticks=${connected.ticks} host_pct=${connected.pct.toFixed(3)}`,
  );
}

interface Spec {
  name: string;
  op: 'read' | 'write';
  bs: number;
  random: boolean;
}

async function load(args: string[]): Promise<void> {
  const seconds = arg(args, 'seconds', 5);
  const queues = arg(args, 'queues', 2);
  const qd = arg(args, 'qd', 32);
  const profDir = args.includes('--cpu-prof') ? args[args.indexOf('--cpu-prof') + 1]! : undefined;
  const { proc, port } = await startTarget(profDir ? ['--cpu-prof', '--cpu-prof-dir', profDir] : []);
  const pid = proc.pid!;
  const c = await openController(port, { subnqn: NQN, ioQueues: queues, kato: 30000 });
  const blocks = (256 << 20) / 512;
  const specs: Spec[] = [
    { name: '4k-randwrite', op: 'write', bs: 4096, random: true },
    { name: '4k-randread', op: 'read', bs: 4096, random: true },
    { name: '128k-seqwrite', op: 'write', bs: 131072, random: false },
    { name: '128k-seqread', op: 'read', bs: 131072, random: false },
  ];
  const rows: string[] = [];
  for (const s of specs) {
    const nlb = s.bs / 512;
    const prng = new Prng(0x2545f491);
    let seq = 0;
    const next = () => {
      if (!s.random) {
        const at = seq;
        seq = (seq + nlb) % blocks;
        return at;
      }
      return (prng.next() % (blocks / nlb)) * nlb;
    };
    const data = Buffer.alloc(s.bs, 0x5a);
    let ops = 0;
    let stop = false;
    const worker = async (q: RawHost) => {
      while (!stop) {
        const slba = next();
        const r =
          s.op === 'read'
            ? await q.command({ opc: IoOpc.Read, nsid: 1, cdw: { 10: slba, 12: nlb - 1 } }, { dataIn: s.bs })
            : await q.command(
                { opc: IoOpc.Write, nsid: 1, cdw: { 10: slba, 12: nlb - 1 } },
                { dataOut: data },
              );
        if (r.status !== 0) throw new Error(`${s.name}: status 0x${r.status.toString(16)}`);
        ops++;
      }
    };
    const t0 = cpuTicks(pid);
    const w0 = Date.now();
    const workers = c.io.flatMap((q) => Array.from({ length: qd }, () => worker(q)));
    await sleep(seconds * 1000);
    stop = true;
    await Promise.all(workers);
    const wall = (Date.now() - w0) / 1000;
    const cpu = (cpuTicks(pid) - t0) / CLK_TCK;
    const iops = ops / wall;
    const mbps = (iops * s.bs) / 1e6;
    const usPerOp = (cpu / ops) * 1e6;
    rows.push(
      `${s.name.padEnd(14)} ${iops.toFixed(0).padStart(8)} IOPS ${mbps.toFixed(1).padStart(8)} MB/s   target CPU ${cpu.toFixed(2)} s = ${usPerOp.toFixed(1)} µs/op`,
    );
    console.log(rows[rows.length - 1]);
    console.log(
      `RESULT nvmf-target-load name=${s.name} queues=${queues} qd=${qd} iops=${iops.toFixed(0)} mbps=${mbps.toFixed(1)} target_us_per_op=${usPerOp.toFixed(1)}`,
    );
  }
  c.close();
  await stopTarget(proc);
  if (profDir) console.log(`CPU profile of the target written to ${profDir}`);
}

export async function run(args: string[]): Promise<void> {
  const mode = args[0] ?? 'idle';
  if (mode === 'idle') await idle(args.slice(1));
  else if (mode === 'load') await load(args.slice(1));
  else throw new Error(`unknown mode '${mode}': idle or load`);
}
