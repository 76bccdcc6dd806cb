/**
 * NVMe-oF/TCP overhead: 4 KiB random reads and writes at queue depth 32 through our target (a
 * separate process serving a malloc device on loopback) and our initiator (in this process),
 * beside the same kind of device used locally in this process, in alternating rounds; with the
 * CPU time both processes spend, and what both cost when idle with the host connected.
 *
 *   npm run bench -- nvmf [--seconds 4] [--rounds 2] [--size-mb 256] [--qd 32] [--queues 2]
 *                         [--target-cli bin/mayastor-ts.cjs]
 *
 * The target is `mayastor-ts export 'malloc:///m0?size_mb=N' --nvmf 127.0.0.1:PORT`; the bench
 * finds its subsystem through the discovery service, so it does not depend on how the target
 * names it. `--target-cli` runs another build's CLI as the target (to compare two versions).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MallocDevice } from '../src/bdev/index.js';
import { MiB } from '../src/core/units.js';
import { discover, DiscoverySubtype, NvmfBlockDevice } from '../src/nvmf/initiator/index.js';
import {
  cpuSeconds,
  freePort,
  type LoadResult,
  median,
  parseArgs,
  progress,
  result,
  runLoad,
  table,
} from './_lib.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function ownCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

interface Phase {
  load: LoadResult;
  targetCpu: number;
  initiatorCpu: number;
}

export async function run(argv: string[]): Promise<void> {
  const a = parseArgs(argv, {
    seconds: 4,
    rounds: 2,
    'size-mb': 256,
    qd: 32,
    queues: 2,
    'target-cli': path.join(REPO, 'bin', 'mayastor-ts.cjs'),
  });
  const seconds = Number(a.seconds);
  const rounds = Number(a.rounds);
  const qd = Number(a.qd);
  const queues = Number(a.queues);
  const sizeMb = Number(a['size-mb']);
  const size = sizeMb * MiB;
  const port = await freePort();

  const uri = `malloc:///m0?size_mb=${sizeMb}`;
  progress(
    `starting the target: ${path.relative(process.cwd(), a['target-cli']!)} export '${uri}' --nvmf 127.0.0.1:${port}`,
  );
  const target = spawn(
    process.execPath,
    [a['target-cli']!, 'export', uri, '--nvmf', `127.0.0.1:${port}`, '--log-level', 'warn'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let targetOut = '';
  target.stdout.on('data', (d: Buffer) => (targetOut += d.toString()));
  target.stderr.on('data', (d: Buffer) => (targetOut += d.toString()));
  const exited = new Promise<number | null>((r) => target.once('exit', (code) => r(code)));
  let dev: NvmfBlockDevice | undefined;
  try {
    // Ready when its discovery service answers; that also tells us the subsystem NQN.
    let subnqn: string | undefined;
    for (let i = 0; i < 300 && subnqn === undefined; i++) {
      if (target.exitCode !== null) throw new Error(`the target exited (${target.exitCode}):\n${targetOut}`);
      try {
        subnqn = (await discover({ host: '127.0.0.1', port, adminTimeoutMs: 2000 })).find(
          (e) => e.subtype === DiscoverySubtype.Nvm,
        )?.subnqn;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    if (subnqn === undefined) throw new Error(`the target did not come up:\n${targetOut}`);
    dev = await NvmfBlockDevice.connect({ host: '127.0.0.1', port, subnqn, ioQueues: queues });
    const ctrl = dev.controller;
    const local = new MallocDevice({
      name: 'local',
      blockSize: dev.blockSize,
      numBlocks: size / dev.blockSize,
    });
    progress(
      `connected to ${subnqn}: ${ctrl.ioQueueCount} I/O queues of ${ctrl.ioQueueSize}, in-capsule ${ctrl.inCapsuleDataSize} B, max transfer ${ctrl.maxTransferBytes} B`,
    );

    // Write every block on both sides first, so neither serves reads from never-written memory.
    progress(`filling both devices (${sizeMb} MiB each)`);
    const chunk = Buffer.alloc(Math.min(MiB, ctrl.maxTransferBytes * 8), 0x11);
    for (let off = 0; off < size; off += chunk.length) await local.write(off, chunk);
    for (let off = 0; off < size; off += chunk.length * 8) {
      const batch: Promise<void>[] = [];
      for (let o = off; o < Math.min(size, off + chunk.length * 8); o += chunk.length)
        batch.push(dev.write(o, chunk));
      await Promise.all(batch);
    }

    const measure = async (
      d: typeof local | NvmfBlockDevice,
      op: 'randread' | 'randwrite',
    ): Promise<Phase> => {
      const t0 = cpuSeconds(target.pid!);
      const i0 = ownCpuSeconds();
      const load = await runLoad(d, { op, blockSize: 4096, queueDepth: qd, seconds });
      // The warm-up is inside the CPU window too; it is short against `seconds`.
      const wall = load.seconds + Math.min(0.5, seconds * 0.1);
      return {
        load,
        targetCpu: (cpuSeconds(target.pid!) - t0) / wall,
        initiatorCpu: (ownCpuSeconds() - i0) / wall,
      };
    };
    const res = { localR: [] as Phase[], nvmfR: [] as Phase[], localW: [] as Phase[], nvmfW: [] as Phase[] };
    for (let r = 0; r < rounds; r++) {
      progress(
        `round ${r + 1}/${rounds}: randread local, nvmf; randwrite local, nvmf (${seconds}s each, qd ${qd})`,
      );
      res.localR.push(await measure(local, 'randread'));
      res.nvmfR.push(await measure(dev, 'randread'));
      res.localW.push(await measure(local, 'randwrite'));
      res.nvmfW.push(await measure(dev, 'randwrite'));
    }
    progress('idle: CPU of both with the host connected and no I/O (3 s)');
    const idle0 = cpuSeconds(target.pid!);
    const own0 = ownCpuSeconds();
    await new Promise((r) => setTimeout(r, 3000));
    const idleCpu = (cpuSeconds(target.pid!) - idle0) / 3;
    const ownIdleCpu = (ownCpuSeconds() - own0) / 3;
    const stats = dev.controllerStats;
    if (stats.resets > 0 || stats.io.timeouts > 0)
      throw new Error(`the controller reset during the benchmark: ${JSON.stringify(stats)}`);
    await local.close();

    const iops = (xs: Phase[]) => median(xs.map((x) => x.load.iops));
    const lat = (xs: Phase[]) => median(xs.map((x) => x.load.meanLatencyUs));
    const tcpu = (xs: Phase[]) => median(xs.map((x) => x.targetCpu)) * 100;
    const icpu = (xs: Phase[]) => median(xs.map((x) => x.initiatorCpu)) * 100;
    const readRatio = iops(res.nvmfR) / iops(res.localR);
    const writeRatio = iops(res.nvmfW) / iops(res.localW);
    console.log(
      `\nNVMe-oF/TCP (our target in a separate process, our initiator here, loopback) vs the same device locally`,
    );
    console.log(
      `4 KiB random I/O, queue depth ${qd}, ${ctrl.ioQueueCount} I/O queues, malloc ${sizeMb} MiB; median of ${rounds} alternating rounds of ${seconds}s\n`,
    );
    console.log(
      table(
        [
          'workload',
          'local IOPS',
          'nvmf IOPS',
          'ratio',
          'local lat us',
          'nvmf lat us',
          'target CPU %',
          'initiator CPU %',
        ],
        [
          [
            'randread',
            iops(res.localR),
            iops(res.nvmfR),
            readRatio,
            lat(res.localR),
            lat(res.nvmfR),
            tcpu(res.nvmfR),
            icpu(res.nvmfR),
          ],
          [
            'randwrite',
            iops(res.localW),
            iops(res.nvmfW),
            writeRatio,
            lat(res.localW),
            lat(res.nvmfW),
            tcpu(res.nvmfW),
            icpu(res.nvmfW),
          ],
        ],
      ),
    );
    console.log(
      `\nidle, host connected (keep-alive only): target ${(idleCpu * 100).toFixed(2)}%, initiator ${(ownIdleCpu * 100).toFixed(2)}% of a core\n`,
    );
    console.log(
      result('nvmf', {
        local_randread_iops: Math.round(iops(res.localR)),
        nvmf_randread_iops: Math.round(iops(res.nvmfR)),
        read_ratio: readRatio,
        local_randwrite_iops: Math.round(iops(res.localW)),
        nvmf_randwrite_iops: Math.round(iops(res.nvmfW)),
        write_ratio: writeRatio,
        nvmf_read_lat_us: Math.round(lat(res.nvmfR)),
        nvmf_write_lat_us: Math.round(lat(res.nvmfW)),
        target_cpu_pct_read: Math.round(tcpu(res.nvmfR)),
        target_cpu_pct_write: Math.round(tcpu(res.nvmfW)),
        initiator_cpu_pct_read: Math.round(icpu(res.nvmfR)),
        initiator_cpu_pct_write: Math.round(icpu(res.nvmfW)),
        target_idle_cpu_pct: Number((idleCpu * 100).toFixed(2)),
        initiator_idle_cpu_pct: Number((ownIdleCpu * 100).toFixed(2)),
        qd,
        bs: 4096,
        io_queues: ctrl.ioQueueCount,
      }),
    );
  } finally {
    await dev?.close().catch(() => {});
    if (target.exitCode === null) target.kill('SIGTERM');
    const timer = setTimeout(() => target.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}
