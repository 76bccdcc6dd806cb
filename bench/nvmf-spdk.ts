/**
 * Our NVMe-oF/TCP target against SPDK's, with SPDK's own client: `spdk_nvme_perf` on one core
 * drives 4 KiB random reads and writes at queue depth 32 against (a) SPDK's `nvmf_tgt` and (b)
 * `mayastor-ts export malloc://... --nvmf`, each target pinned to the other core, over loopback
 * with a RAM namespace of the same size and block size. Also reports each target's CPU use while
 * idle (SPDK polls; we should not).
 *
 * SPDK is not part of this project and not packaged by Debian: build it locally and point this at
 * the build with --spdk-dir or SPDK_DIR (the directory holding build/bin/nvmf_tgt and
 * build/bin/spdk_nvme_perf). Needs root for hugepages.
 *
 *   npm run bench -- nvmf-spdk [--spdk-dir DIR] [--seconds 10] [--qd 32] [--size-mb 256]
 *                              [--target-core 0] [--client-core 1]
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuSeconds, freePort, parseArgs, progress, result, table } from './_lib.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const NQN_SPDK = 'nqn.2016-06.io.spdk:bench';
const NQN_OURS = 'nqn.2019-05.io.openebs:bench';

function waitPort(port: number, ms: number): Promise<void> {
  const until = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const c = net.connect(port, '127.0.0.1');
      c.once('connect', () => {
        c.destroy();
        resolve();
      });
      c.once('error', () => {
        c.destroy();
        if (Date.now() > until) reject(new Error(`nothing listens on port ${port} after ${ms} ms`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

async function idleCpuPct(pid: number, seconds: number): Promise<number> {
  const a = cpuSeconds(pid);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  return ((cpuSeconds(pid) - a) / seconds) * 100;
}

interface PerfResult {
  iops: number;
  avgLatUs: number;
}

function perf(
  spdk: string,
  env: NodeJS.ProcessEnv,
  core: number,
  port: number,
  nqn: string,
  workload: string,
  o: { qd: number; seconds: number },
): PerfResult {
  const args = [
    '-c',
    `0x${(1 << core).toString(16)}`,
    '-s',
    '256',
    '-q',
    String(o.qd),
    '-o',
    '4096',
    '-w',
    workload,
    '-t',
    String(o.seconds),
    '-r',
    `trtype:TCP adrfam:IPv4 traddr:127.0.0.1 trsvcid:${port} subnqn:${nqn}`,
  ];
  const r = spawnSync(path.join(spdk, 'build/bin/spdk_nvme_perf'), args, {
    env,
    encoding: 'utf8',
    timeout: (o.seconds + 60) * 1000,
  });
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('Total'));
  if (r.status !== 0 || !line)
    throw new Error(`spdk_nvme_perf failed (${r.status}): ${r.stderr || r.stdout}`);
  const nums = line.split(':')[1]!.trim().split(/\s+/).map(Number);
  return { iops: nums[0]!, avgLatUs: nums[2]! };
}

function ensureHugepages(pages: number): void {
  const nr = Number(fs.readFileSync('/proc/sys/vm/nr_hugepages', 'utf8'));
  if (nr < pages) fs.writeFileSync('/proc/sys/vm/nr_hugepages', String(pages));
  if (!fs.readFileSync('/proc/mounts', 'utf8').includes('hugetlbfs')) {
    fs.mkdirSync('/dev/hugepages', { recursive: true });
    spawnSync('mount', ['-t', 'hugetlbfs', 'nodev', '/dev/hugepages']);
  }
}

async function stop(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise((r) => p.once('exit', r));
  p.kill('SIGTERM');
  const t = setTimeout(() => p.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(t);
}

export async function run(argv: string[]): Promise<void> {
  const a = parseArgs(argv, {
    'spdk-dir': process.env.SPDK_DIR ?? '',
    seconds: 10,
    qd: 32,
    'size-mb': 256,
    'target-core': 0,
    'client-core': 1,
  });
  const spdk = a['spdk-dir']!;
  const o = { qd: Number(a.qd), seconds: Number(a.seconds) };
  const sizeMb = Number(a['size-mb']);
  const tcore = Number(a['target-core']);
  const ccore = Number(a['client-core']);
  if (
    !spdk ||
    !fs.existsSync(path.join(spdk, 'build/bin/spdk_nvme_perf')) ||
    !fs.existsSync(path.join(spdk, 'build/bin/nvmf_tgt'))
  ) {
    console.log(
      'SPDK is not available: build it locally (it is not part of this project) and pass --spdk-dir DIR or SPDK_DIR.',
    );
    console.log(result('nvmf-spdk', { spdk: 'unavailable' }));
    return;
  }
  const env = {
    ...process.env,
    LD_LIBRARY_PATH: [
      path.join(spdk, 'build/lib'),
      path.join(spdk, 'dpdk/build/lib'),
      path.join(spdk, 'isa-l/.libs'),
      process.env.LD_LIBRARY_PATH ?? '',
    ]
      .filter(Boolean)
      .join(':'),
    PATH: `/usr/bin:/usr/sbin:${process.env.PATH ?? ''}`,
  };
  ensureHugepages(1024);
  const rows: Array<Array<string | number>> = [];
  const out: Record<string, number> = {};

  // (a) SPDK's target.
  {
    const port = await freePort();
    const sock = `/tmp/mayastor-bench-spdk-${process.pid}.sock`;
    progress(`SPDK nvmf_tgt on core ${tcore}, port ${port}`);
    const tgt = spawn(
      'taskset',
      ['-c', String(tcore), path.join(spdk, 'build/bin/nvmf_tgt'), '-m', '0x1', '-s', '512', '-r', sock],
      {
        env,
        stdio: 'ignore',
      },
    );
    try {
      const rpc = (...args: string[]) => {
        const r = spawnSync('python3', [path.join(spdk, 'scripts/rpc.py'), '-s', sock, '-t', '30', ...args], {
          env,
          encoding: 'utf8',
        });
        if (r.status !== 0) throw new Error(`rpc ${args[0]} failed: ${r.stderr}`);
      };
      for (let i = 0; i < 100 && !fs.existsSync(sock); i++) await new Promise((r) => setTimeout(r, 100));
      rpc('nvmf_create_transport', '-t', 'TCP');
      rpc('bdev_malloc_create', '-b', 'Malloc0', String(sizeMb), '4096');
      rpc('nvmf_create_subsystem', NQN_SPDK, '-a', '-s', 'SPDK0001');
      rpc('nvmf_subsystem_add_ns', NQN_SPDK, 'Malloc0');
      rpc('nvmf_subsystem_add_listener', NQN_SPDK, '-t', 'tcp', '-a', '127.0.0.1', '-s', String(port));
      await waitPort(port, 10_000);
      out.spdk_idle_cpu_pct = await idleCpuPct(tgt.pid!, 5);
      for (const w of ['randread', 'randwrite']) {
        progress(`spdk_nvme_perf ${w} against SPDK (${o.seconds}s, qd ${o.qd}, core ${ccore})`);
        const r = perf(spdk, env, ccore, port, NQN_SPDK, w, o);
        out[`spdk_${w}_iops`] = Math.round(r.iops);
        out[`spdk_${w}_lat_us`] = r.avgLatUs;
      }
    } finally {
      await stop(tgt);
      fs.rmSync(sock, { force: true });
    }
  }

  // (b) Ours.
  {
    const port = await freePort();
    progress(`mayastor-ts export on core ${tcore}, port ${port}`);
    const tgt = spawn(
      'taskset',
      [
        '-c',
        String(tcore),
        process.execPath,
        path.join(ROOT, 'bin/mayastor-ts.cjs'),
        'export',
        `malloc:///bench?size_mb=${sizeMb}&blk_size=4096`,
        '--nvmf',
        `127.0.0.1:${port}`,
        '--nqn',
        NQN_OURS,
        '--log-level',
        'warn',
      ],
      { stdio: 'ignore' },
    );
    try {
      await waitPort(port, 20_000);
      out.ours_idle_cpu_pct = await idleCpuPct(tgt.pid!, 5);
      for (const w of ['randread', 'randwrite']) {
        progress(`spdk_nvme_perf ${w} against ours (${o.seconds}s, qd ${o.qd}, core ${ccore})`);
        const r = perf(spdk, env, ccore, port, NQN_OURS, w, o);
        out[`ours_${w}_iops`] = Math.round(r.iops);
        out[`ours_${w}_lat_us`] = r.avgLatUs;
      }
    } finally {
      await stop(tgt);
    }
  }

  for (const w of ['randread', 'randwrite']) {
    const ratio = out[`ours_${w}_iops`]! / out[`spdk_${w}_iops`]!;
    out[`${w}_ratio`] = ratio;
    rows.push([
      w,
      out[`spdk_${w}_iops`]!,
      out[`ours_${w}_iops`]!,
      ratio,
      out[`spdk_${w}_lat_us`]!,
      out[`ours_${w}_lat_us`]!,
    ]);
  }
  console.log(
    `\nNVMe-oF/TCP targets driven by spdk_nvme_perf (4 KiB, qd ${o.qd}, ${o.seconds}s; target on core ${tcore}, client on core ${ccore}; ${sizeMb} MiB RAM namespace)\n`,
  );
  console.log(
    table(
      ['workload', 'SPDK nvmf_tgt IOPS', 'mayastor-ts IOPS', 'ours/SPDK', 'SPDK lat us', 'ours lat us'],
      rows,
    ),
  );
  console.log(
    `\nidle target CPU (5 s, no I/O, client connected: none): SPDK ${out.spdk_idle_cpu_pct!.toFixed(1)}% of a core, ours ${out.ours_idle_cpu_pct!.toFixed(1)}%\n`,
  );
  console.log(result('nvmf-spdk', out));
}
