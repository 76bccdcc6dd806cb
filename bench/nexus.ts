/**
 * Nexus overhead and rebuild speed, in one run:
 *
 *  1. 4 KiB random writes at queue depth 32 on a bare replica (a thick replica in a pool on a
 *     file, aio), on a 1-child nexus over it, and on 2-way and 3-way mirrors (one replica per
 *     pool, one pool per file, as on separate nodes), and N bare replicas written at once for
 *     reference, in alternating rounds. Goals: the 1-child
 *     nexus at most 6% slower than the bare replica (Mayastor's claim), 2-way at least 0.8 of
 *     1 child (what SPDK's raid1 keeps on this machine).
 *  2. Rebuild throughput of a new child as a fraction of a plain sequential copy of the same
 *     replica (same copy size and parallelism), without and with application writes going on
 *     (and what those writes keep of their speed).
 *
 *   npm run bench -- nexus [--seconds 2] [--rounds 5] [--size-mb 256] [--dir /var/tmp] [--qd 32]
 *                          [--disk aio|uring|malloc]
 *
 * `--disk malloc` puts every pool on a RAM device: no disk, so what is left is the nexus's own
 * CPU cost per child (on this 2-core machine the file-backed mirrors are bound by the kernel's
 * ext4 write path, which N children multiply).
 *
 * Ratios are medians of the per-round ratios (each round runs every system once, back to back),
 * which resists the drift of a shared machine better than a ratio of medians.
 */
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { FileDevice, MallocDevice, type BlockDevice } from '../src/bdev/index.js';
import { Pool, type Replica } from '../src/pool/index.js';
import {
  MemoryNexusInfoStore,
  Nexus,
  DEFAULT_REBUILD_OPTIONS,
  DEFAULT_SEGMENT_SIZE,
} from '../src/nexus/index.js';
import { newUuid } from '../src/core/uuid.js';
import { MiB } from '../src/core/units.js';
import { runLoad, median, parseArgs, table, result, progress, type LoadResult } from './_lib.js';
import { Prng } from '../src/core/prng.js';

function nexusOver(children: BlockDevice[]): Promise<Nexus> {
  return Nexus.create({
    name: `bench-${children.length}`,
    uuid: newUuid(),
    children: children.map((device) => ({ device })),
    infoStore: new MemoryNexusInfoStore(),
    closeChildren: false,
  });
}

/** A plain copy of `src` to `dst` with the rebuild's copy size and parallelism: the yardstick. */
async function plainCopy(
  src: BlockDevice,
  dst: BlockDevice,
  chunk: number,
  parallel: number,
): Promise<number> {
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      const buf = Buffer.allocUnsafe(chunk);
      while (next < src.size) {
        const at = next;
        next += chunk;
        const n = Math.min(chunk, src.size - at);
        await src.read(at, buf.subarray(0, n));
        await dst.write(at, buf.subarray(0, n));
      }
    }),
  );
  await dst.flush();
  return src.size / ((performance.now() - t0) / 1000);
}

/** Random 4 KiB writes on `dev` until `done` resolves; returns IOPS. */
async function writesUntil(dev: BlockDevice, done: Promise<unknown>, qd: number): Promise<number> {
  let stop = false;
  void done.then(() => (stop = true));
  let ops = 0;
  const prng = new Prng(0x1234567);
  const blocks = Math.floor(dev.size / 4096);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: qd }, async () => {
      const buf = Buffer.alloc(4096, 0x33);
      while (!stop) {
        await dev.write((prng.next() % blocks) * 4096, buf);
        ops++;
      }
    }),
  );
  return ops / ((performance.now() - t0) / 1000);
}

async function rebuildOnce(
  src: Replica,
  dst: Replica,
  withLoad: number,
): Promise<{ bps: number; iops: number }> {
  const nexus = await nexusOver([src]);
  const t0 = performance.now();
  await nexus.addChild({ device: dst });
  const done = nexus.waitRebuild(dst.uuid);
  const iops = withLoad > 0 ? await writesUntil(nexus, done, withLoad) : 0;
  const state = await done;
  const secs = (performance.now() - t0) / 1000;
  if (state !== 'Completed') throw new Error(`rebuild ended ${state}`);
  const h = nexus.rebuildHistory()[0]!;
  await nexus.close();
  return { bps: (h.blocksTransferred * h.blockSize) / secs, iops };
}

export async function run(argv: string[]): Promise<void> {
  const a = parseArgs(argv, {
    seconds: 2,
    rounds: 5,
    'size-mb': 256,
    dir: '/var/tmp',
    qd: 32,
    disk: 'aio',
  });
  const diskKind = a.disk!;
  if (!['aio', 'uring', 'malloc'].includes(diskKind))
    throw new Error(`--disk ${diskKind}: aio, uring or malloc`);
  const seconds = Number(a.seconds);
  const rounds = Number(a.rounds);
  const qd = Number(a.qd);
  const size = Number(a['size-mb']) * MiB;
  const dir = fs.mkdtempSync(path.join(a.dir!, 'mayastor-bench-nexus-'));
  const pools: Pool[] = [];
  try {
    progress(
      `preparing 4 pools of ${size / MiB} MiB in ${dir} (UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? '4'})`,
    );
    const replicas: Replica[] = [];
    for (let i = 0; i < 4; i++) {
      let disk: BlockDevice;
      if (diskKind === 'malloc') {
        disk = new MallocDevice({ name: `bench${i}`, blockSize: 4096, numBlocks: (size + 64 * MiB) / 4096 });
      } else {
        const file = path.join(dir, `pool${i}.img`);
        fs.writeFileSync(file, Buffer.alloc(0));
        fs.truncateSync(file, size + 64 * MiB);
        disk = await FileDevice.open({ path: file, blockSize: 4096, engine: diskKind as 'aio' | 'uring' });
      }
      const pool = await Pool.create(disk, { name: `bench${i}`, clusterSize: 4 * MiB });
      pools.push(pool);
      const r = await pool.createReplica({ uuid: newUuid(), size, thin: false });
      // Fill it, so nothing reads or writes file holes.
      const chunk = Buffer.alloc(4 * MiB, 0x11 + i);
      for (let off = 0; off < size; off += chunk.length) await r.write(off, chunk);
      await r.flush();
      replicas.push(r);
    }
    const [r0, r1, r2, r3] = replicas as [Replica, Replica, Replica, Replica];
    const load = { op: 'randwrite' as const, blockSize: 4096, queueDepth: qd, seconds };
    const res: Record<'bare' | 'n1' | 'n2' | 'n3' | 'par2' | 'par3', LoadResult[]> = {
      bare: [],
      n1: [],
      n2: [],
      n3: [],
      par2: [],
      par3: [],
    };
    // A reference for an N-way mirror on this machine: N bare replicas loaded at the same time,
    // each at the same queue depth, per replica (the mean). Not a strict bound (N load loops
    // cost more than one), but it shows how much of the drop is the machine's, not the nexus's.
    // Write back what the previous run dirtied, so it does not slow the next one down (the
    // page cache's writeback otherwise lands on whichever system runs next).
    const settle = async () => {
      for (const r of replicas) await r.flush();
    };
    const measure = async (dev: BlockDevice): Promise<LoadResult> => {
      await settle();
      return runLoad(dev, load);
    };
    const parallel = async (devs: BlockDevice[]): Promise<LoadResult> => {
      await settle();
      const rs = await Promise.all(devs.map((d) => runLoad(d, load)));
      const mean = (f: (x: LoadResult) => number) => rs.reduce((a, x) => a + f(x), 0) / rs.length;
      return {
        ...rs[0]!,
        iops: mean((x) => x.iops),
        mbps: mean((x) => x.mbps),
        meanLatencyUs: mean((x) => x.meanLatencyUs),
      };
    };
    for (let round = 0; round < rounds; round++) {
      progress(
        `round ${round + 1}/${rounds}: 4 KiB randwrite qd ${qd}, ${seconds}s each: bare, 1-child, 2-way, 3-way`,
      );
      res.bare.push(await measure(r0));
      for (const [key, kids] of [
        ['n1', [r0]],
        ['n2', [r0, r1]],
        ['n3', [r0, r1, r2]],
      ] as const) {
        const nexus = await nexusOver([...kids]);
        res[key].push(await measure(nexus));
        await nexus.close();
      }
      res.par2.push(await parallel([r0, r1]));
      res.par3.push(await parallel([r0, r1, r2]));
    }
    const m = (xs: LoadResult[]) => median(xs.map((x) => x.iops));
    /** Median over rounds of x/y within the round. */
    const r = (xs: LoadResult[], ys: LoadResult[]) => median(xs.map((x, i) => x.iops / ys[i]!.iops));
    const lat = (xs: LoadResult[]) => median(xs.map((x) => x.meanLatencyUs));

    const chunk = DEFAULT_REBUILD_OPTIONS.copySegments * DEFAULT_SEGMENT_SIZE;
    const par = DEFAULT_REBUILD_OPTIONS.tasks;
    progress(`plain copy of the replica (${chunk / 1024} KiB x ${par} in flight)`);
    const copyBps = await plainCopy(r0, r3, chunk, par);
    progress('rebuild of a new child, no application I/O');
    const idle = await rebuildOnce(r0, r3, 0);
    progress(`rebuild of a new child under 4 KiB random writes at qd ${qd}`);
    const busy = await rebuildOnce(r0, r2, qd);
    // What the application writes keep: compared with the same nexus shape (a source and a
    // second writer) when no rebuild runs, i.e. the 2-way mirror.
    const appKept = busy.iops / m(res.n2);
    const n1Bare = r(res.n1, res.bare);
    const n2One = r(res.n2, res.n1);
    const n3One = r(res.n3, res.n1);
    const n2Ceil = r(res.n2, res.par2);
    const n3Ceil = r(res.n3, res.par3);

    console.log(
      `\nNexus: 4 KiB random writes, queue depth ${qd}, ${rounds} alternating rounds of ${seconds}s (median)`,
    );
    console.log(
      diskKind === 'malloc'
        ? `children: thick replicas (pool cluster 4 MiB) on ${size / MiB} MiB RAM devices, one pool per child\n`
        : `children: thick replicas (pool cluster 4 MiB) on ${size / MiB} MiB files in ${a.dir}, ${diskKind}, one pool per child\n`,
    );
    const base = m(res.bare);
    const one = m(res.n1);
    console.log(
      table(
        ['device', 'IOPS', 'lat us', 'vs bare', 'vs 1 child', 'vs N bare at once'],
        [
          ['bare replica', base, lat(res.bare), 1, 1 / n1Bare, '-'],
          ['nexus, 1 child', one, lat(res.n1), n1Bare, 1, n1Bare],
          ['nexus, 2-way', m(res.n2), lat(res.n2), r(res.n2, res.bare), n2One, n2Ceil],
          ['nexus, 3-way', m(res.n3), lat(res.n3), r(res.n3, res.bare), n3One, n3Ceil],
          ['2 bare replicas at once', m(res.par2), lat(res.par2), r(res.par2, res.bare), '-', 1],
          ['3 bare replicas at once', m(res.par3), lat(res.par3), r(res.par3, res.bare), '-', 1],
        ],
      ),
    );
    console.log(`\nRebuild of a ${size / MiB} MiB child (copy ${chunk / 1024} KiB x ${par} tasks)\n`);
    console.log(
      table(
        ['copy', 'MB/s', 'vs plain copy', 'app IOPS', 'app vs 2-way'],
        [
          ['plain sequential copy', copyBps / 1e6, 1, '-', '-'],
          ['rebuild, idle', idle.bps / 1e6, idle.bps / copyBps, '-', '-'],
          ['rebuild, app writes', busy.bps / 1e6, busy.bps / copyBps, busy.iops, appKept],
        ],
      ),
    );
    console.log('');
    console.log(
      result('nexus', {
        disk: diskKind,
        bare_iops: Math.round(base),
        n1_iops: Math.round(one),
        n2_iops: Math.round(m(res.n2)),
        n3_iops: Math.round(m(res.n3)),
        n1_vs_bare: n1Bare,
        n2_vs_n1: n2One,
        n3_vs_n1: n3One,
        par2_iops: Math.round(m(res.par2)),
        par3_iops: Math.round(m(res.par3)),
        n2_vs_par2: n2Ceil,
        n3_vs_par3: n3Ceil,
        copy_mbps: copyBps / 1e6,
        rebuild_idle_mbps: idle.bps / 1e6,
        rebuild_idle_vs_copy: idle.bps / copyBps,
        rebuild_busy_mbps: busy.bps / 1e6,
        rebuild_busy_vs_copy: busy.bps / copyBps,
        app_iops_during_rebuild: Math.round(busy.iops),
        app_during_rebuild_vs_n2: appKept,
      }),
    );
  } finally {
    for (const p of pools) await p.export().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
