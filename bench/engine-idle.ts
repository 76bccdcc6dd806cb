/**
 * `npm run bench -- engine-idle [--volumes 10] [--idle 20] [--size 64MiB]`
 *
 * Start-up time and idle CPU of an io-engine holding published volumes. Node A (measured) has a
 * file-backed pool and serves N volumes: each a nexus over a local replica and a replica on
 * node B (reached over NVMe-oF), published over NVMe-oF, with a host (this process's
 * initiator) connected to each. Then nothing happens for --idle seconds, and the CPU time the
 * io-engine processes used is read from /proc/<pid>/stat, and their event-loop wake-ups (the
 * main thread's voluntary context switches) from /proc/<pid>/status.
 *
 *   startup_ms         spawn of A (importing a pool with 2N replicas) to its ready line
 *   engine_startup_ms  the part of that after Node.js loaded the code (the engine's own report)
 *   volumes_ready_ms   creating and publishing the N nexuses through gRPC, as a control plane would
 *   idle_cpu_pct       A's CPU over the idle window, percent of one core
 *   idle_wakeups_per_s A's main thread voluntary context switches per second (event-loop wake-ups)
 *   b_idle_cpu_pct     the same for node B (2N shared replicas, N nexus controllers connected)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseSize } from '../src/core/units.js';
import { NvmfBlockDevice } from '../src/nvmf/initiator/index.js';
import { startEngine, type RunningEngine } from '../test/helpers/engine.js';
import { CLK_TCK, cpuTicks, parseArgs, progress, result, table } from './_lib.js';

interface ProcSample {
  cpuTicks: number;
  switches: number;
  at: number;
}

function sample(pid: number): ProcSample {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const num = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
  // Voluntary switches of the main thread: each is the event loop going back to sleep, i.e. one
  // wake-up. (Involuntary ones are preemptions by other processes, noise on a shared machine.)
  return { cpuTicks: cpuTicks(pid), switches: num('voluntary_ctxt_switches'), at: performance.now() };
}

function engineArgs(node: string, dir: string, extra: string[]): string[] {
  return [
    '-N',
    node,
    '-g',
    '127.0.0.1:0',
    '--http-address',
    'none',
    '--nvmf-address',
    '127.0.0.1',
    '--nvmf-replica-port',
    '0',
    '--nvmf-nexus-port',
    '0',
    '--no-nbd',
    '--state-dir',
    path.join(dir, node),
    '--log-level',
    'info',
    ...extra,
  ];
}

const uuid = (kind: number, i: number) =>
  `${kind.toString(16).padStart(8, '0')}-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;

export async function run(argv: string[]): Promise<void> {
  const o = parseArgs(argv, { volumes: 10, idle: 20, size: '64MiB' });
  const n = Number(o.volumes);
  const idle = Number(o.idle);
  const size = parseSize(o.size!);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-engine-idle-'));
  const engines: RunningEngine[] = [];
  const hosts: NvmfBlockDevice[] = [];
  try {
    const poolFile = (name: string) => {
      const p = path.join(dir, `${name}.img`);
      fs.writeFileSync(p, '');
      fs.truncateSync(p, size * n + 256 * 1024 * 1024);
      return p;
    };
    const aDisk = poolFile('a');
    const bDisk = poolFile('b');
    const b = await startEngine(engineArgs('node-b', dir, ['-P', `pool-b=${bDisk}`]));
    engines.push(b);
    let a = await startEngine(engineArgs('node-a', dir, ['-P', `pool-a=${aDisk}`]));
    engines.push(a);
    progress(`creating ${2 * n} replicas`);
    const remote: string[] = [];
    for (let i = 0; i < n; i++) {
      await a.client.replica.CreateReplica({ uuid: uuid(0xa, i), pooluuid: 'pool-a', size, thin: true });
      const r = await b.client.replica.CreateReplica({
        uuid: uuid(0xb, i),
        pooluuid: 'pool-b',
        size,
        thin: true,
        share: 'NVMF',
        allowed_hosts: ['nqn.2019-05.io.openebs:node-name:node-a'],
      });
      remote.push(r.uri);
    }

    // Restart A: start-up includes importing its pool (the journal holds N replica creations).
    await a.stop('SIGTERM');
    engines.pop();
    const t0 = performance.now();
    a = await startEngine(engineArgs('node-a', dir, []));
    const startupMs = performance.now() - t0;
    engines.push(a);
    progress(`io-engine ready in ${startupMs.toFixed(0)} ms (self-reported ${a.ready.startupMs} ms)`);

    const t1 = performance.now();
    const uris: string[] = [];
    for (let i = 0; i < n; i++) {
      const local = uuid(0xa, i);
      await a.client.nexus.CreateNexus({
        uuid: uuid(0xc, i),
        name: `vol-${i}`,
        size,
        children: [`bdev:///${local}?uuid=${local}`, remote[i]!],
      });
      const p = await a.client.nexus.PublishNexus({ uuid: uuid(0xc, i), share: 'NVMF' });
      uris.push(p.nexus!.device_uri);
    }
    const volumesMs = performance.now() - t1;
    progress(`${n} volumes created and published in ${volumesMs.toFixed(0)} ms`);

    for (const u of uris) {
      const m = /^nvmf:\/\/([^:/]+):(\d+)\/(.+)$/.exec(u)!;
      const dev = await NvmfBlockDevice.connect({
        host: m[1]!,
        port: Number(m[2]),
        subnqn: m[3]!,
        hostNqn: 'nqn.2019-05.io.openebs:node-name:bench-host',
      });
      hosts.push(dev);
      await dev.write(0, Buffer.alloc(4096, 1));
    }

    progress(`settling, then measuring ${idle} s of idle`);
    await new Promise((r) => setTimeout(r, 3000));
    const pidA = a.proc.proc.pid!;
    const pidB = b.proc.proc.pid!;
    const [a0, b0] = [sample(pidA), sample(pidB)];
    await new Promise((r) => setTimeout(r, idle * 1000));
    const [a1, b1] = [sample(pidA), sample(pidB)];
    const pct = (s0: ProcSample, s1: ProcSample) =>
      ((s1.cpuTicks - s0.cpuTicks) / CLK_TCK / ((s1.at - s0.at) / 1000)) * 100;
    const wakeups = (s0: ProcSample, s1: ProcSample) =>
      (s1.switches - s0.switches) / ((s1.at - s0.at) / 1000);
    const rows = [
      [`node A (${n} nexuses published, hosts connected)`, pct(a0, a1), wakeups(a0, a1)],
      ['node B (replicas shared to A)', pct(b0, b1), wakeups(b0, b1)],
    ] as Array<[string, number, number]>;
    process.stdout.write(
      `\nio-engine with ${n} published volumes (CLK_TCK ${CLK_TCK}, idle window ${idle} s)\n` +
        `start-up ${startupMs.toFixed(0)} ms (spawn to ready, pool with ${2 * n} replicas imported; ${a.ready.startupMs} ms after the code loaded); volumes ready ${volumesMs.toFixed(0)} ms\n\n` +
        table(['process', 'CPU % of a core', 'wake-ups/s'], rows) +
        '\n',
    );
    process.stdout.write(
      result('engine-idle', {
        volumes: n,
        startup_ms: Math.round(startupMs),
        engine_startup_ms: a.ready.startupMs,
        volumes_ready_ms: Math.round(volumesMs),
        idle_cpu_pct: pct(a0, a1),
        idle_wakeups_per_s: wakeups(a0, a1),
        b_idle_cpu_pct: pct(b0, b1),
      }) + '\n',
    );
  } finally {
    for (const h of hosts) await h.close().catch(() => undefined);
    for (const e of engines.reverse()) await e.stop('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
