/**
 * Replica overhead: 4 KiB random reads and writes at queue depth 32 through a thick replica and
 * through the raw device underneath it (the same file, the same I/O engine), in alternating
 * rounds; plus the thin replica's first-write path (every write allocates and fills a cluster)
 * and its steady state once allocated.
 *
 *   npm run bench -- replica [--seconds 5] [--rounds 3] [--size-mb 1024] [--dir /var/tmp] [--cluster-mb 4]
 */
import fs from 'node:fs';
import path from 'node:path';
import { FileDevice, MallocDevice } from '../src/bdev/index.js';
import { Pool } from '../src/pool/index.js';
import { newUuid } from '../src/core/uuid.js';
import { MiB } from '../src/core/units.js';
import { runLoad, median, parseArgs, table, result, progress, type LoadResult } from './_lib.js';

export async function run(argv: string[]): Promise<void> {
  const a = parseArgs(argv, {
    seconds: 5,
    rounds: 3,
    'size-mb': 1024,
    dir: '/var/tmp',
    'cluster-mb': 4,
    qd: 32,
    disk: 'file',
  });
  const seconds = Number(a.seconds);
  const rounds = Number(a.rounds);
  const qd = Number(a.qd);
  const size = Number(a['size-mb']) * MiB;
  const clusterSize = Number(a['cluster-mb']) * MiB;
  const dir = fs.mkdtempSync(path.join(a.dir!, 'mayastor-bench-'));
  const file = path.join(dir, 'disk.img');
  try {
    progress(
      `preparing ${size / MiB} MiB file ${file} (UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? '4'})`,
    );
    fs.writeFileSync(file, Buffer.alloc(0));
    fs.truncateSync(file, size);
    const raw =
      a.disk === 'malloc'
        ? new MallocDevice({ name: 'bench', blockSize: 512, numBlocks: size / 512 })
        : await FileDevice.open({ path: file, blockSize: 512, engine: a.disk === 'uring' ? 'uring' : 'aio' });
    const engine = raw instanceof FileDevice ? `${raw.driver}, ${raw.ioEngine}` : 'malloc (memory)';
    // Fill the file once so neither side reads holes.
    const chunk = Buffer.alloc(4 * MiB, 0x11);
    for (let off = 0; off < size; off += chunk.length) await raw.write(off, chunk);
    await raw.flush();

    const pool = await Pool.create(raw, { name: 'bench', clusterSize, overwrite: true });
    const thickSize = pool.capacity - 8 * clusterSize;
    const thick = await pool.createReplica({ uuid: newUuid(), size: thickSize, thin: false });
    // Same address range for both: the replica's clusters are the data region of the file.
    const region = { offset: pool.clusterOffset(0), length: thickSize };

    const rawR: LoadResult[] = [];
    const repR: LoadResult[] = [];
    const rawW: LoadResult[] = [];
    const repW: LoadResult[] = [];
    for (let r = 0; r < rounds; r++) {
      progress(
        `round ${r + 1}/${rounds}: randread raw, replica; randwrite raw, replica (${seconds}s each, qd ${qd})`,
      );
      rawR.push(await runLoad(raw, { op: 'randread', blockSize: 4096, queueDepth: qd, seconds, ...region }));
      repR.push(await runLoad(thick, { op: 'randread', blockSize: 4096, queueDepth: qd, seconds }));
      rawW.push(await runLoad(raw, { op: 'randwrite', blockSize: 4096, queueDepth: qd, seconds, ...region }));
      repW.push(await runLoad(thick, { op: 'randwrite', blockSize: 4096, queueDepth: qd, seconds }));
    }
    await pool.destroyReplica(thick.uuid);

    // Thin: the first write into each cluster allocates it and writes the whole cluster.
    const thinSize = Math.min(pool.capacity - clusterSize, 256 * clusterSize);
    const thin = await pool.createReplica({ uuid: newUuid(), size: thinSize, thin: true });
    const clusters = thinSize / clusterSize;
    progress(`thin first writes: one 4 KiB write into each of ${clusters} clusters, qd ${qd}`);
    const order = Array.from({ length: clusters }, (_, i) => i).sort(
      (x, y) => ((x * 7919) % clusters) - ((y * 7919) % clusters),
    );
    let next = 0;
    const buf = Buffer.alloc(4096, 0x77);
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: qd }, async () => {
        while (next < order.length) {
          const c = order[next++]!;
          await thin.write(c * clusterSize + 4096 * (c % 16), buf);
        }
      }),
    );
    await thin.flush();
    const firstSecs = (performance.now() - t0) / 1000;
    const firstIops = clusters / firstSecs;
    progress(`thin steady state: randwrite over the allocated replica`);
    const thinSteady = await runLoad(thin, { op: 'randwrite', blockSize: 4096, queueDepth: qd, seconds });
    await pool.destroyReplica(thin.uuid);
    await pool.destroy();

    const m = (xs: LoadResult[]) => median(xs.map((x) => x.iops));
    const lat = (xs: LoadResult[]) => median(xs.map((x) => x.meanLatencyUs));
    const readRatio = m(repR) / m(rawR);
    const writeRatio = m(repW) / m(rawW);
    console.log(
      `\nReplica vs raw device: 4 KiB random I/O, queue depth ${qd}, ${rounds} alternating rounds of ${seconds}s (median)`,
    );
    console.log(
      `device ${size / MiB} MiB (${engine}${raw instanceof FileDevice ? ` on ${a.dir}` : ''}), cluster ${clusterSize / MiB} MiB\n`,
    );
    console.log(
      table(
        ['workload', 'raw IOPS', 'replica IOPS', 'ratio', 'raw lat us', 'replica lat us'],
        [
          ['randread', m(rawR), m(repR), readRatio, lat(rawR), lat(repR)],
          ['randwrite', m(rawW), m(repW), writeRatio, lat(rawW), lat(repW)],
        ],
      ),
    );
    console.log(
      `\nthin replica, first write into each of ${clusters} clusters (${clusterSize / MiB} MiB written per 4 KiB write): ` +
        `${firstIops.toFixed(0)} writes/s, ${((clusters * clusterSize) / firstSecs / 1e6).toFixed(0)} MB/s of cluster fill`,
    );
    console.log(
      `thin replica once allocated, randwrite: ${thinSteady.iops.toFixed(0)} IOPS (${(thinSteady.iops / m(rawW)).toFixed(3)} of raw)\n`,
    );
    console.log(
      result('replica', {
        raw_randread_iops: Math.round(m(rawR)),
        replica_randread_iops: Math.round(m(repR)),
        read_ratio: readRatio,
        raw_randwrite_iops: Math.round(m(rawW)),
        replica_randwrite_iops: Math.round(m(repW)),
        write_ratio: writeRatio,
        thin_first_write_iops: Math.round(firstIops),
        thin_steady_randwrite_iops: Math.round(thinSteady.iops),
        cluster_mb: clusterSize / MiB,
      }),
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
