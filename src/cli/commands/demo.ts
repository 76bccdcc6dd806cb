/**
 * `mayastor-ts demo`: the quickest way to see the product work on one machine.
 *
 * Runs an io-engine in this process with two file-backed pools (one sparse image file each, in
 * --dir), creates a replica in each, a 2-way nexus over them and publishes it over NBD (or
 * NVMe-oF), then serves until interrupted. Everything goes through the io-engine's own gRPC API,
 * exactly as an operator's `io-engine-client` or the control plane would, and every step is
 * idempotent: running the demo again on the same directory brings back the same volume with its
 * data (the pools are imported, the nexus is re-created from NexusInfo).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { invalidArgument } from '../../core/errors.js';
import { createLogger } from '../../core/log.js';
import { formatBytes, parseSize } from '../../core/units.js';
import { resolveConfig } from '../../engine/config.js';
import { IoEngine } from '../../engine/engine.js';
import { EngineClient } from '../../api/engine-client.js';

/** Fixed identities, so that a second run finds what the first one made. */
const VOLUME = '0d3e0000-0000-4000-8000-00000000d3e0';
const REPLICAS = ['0d3e0000-0000-4000-8000-0000000000a1', '0d3e0000-0000-4000-8000-0000000000b2'];

interface DemoFlags {
  dir: string;
  size: string;
  protocol: string;
  address: string;
  grpcPort: string;
  nbdPort: string;
  nvmfPort: string;
  logLevel: string;
}

function portOf(v: string, what: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n > 65535) throw invalidArgument(`${what} '${v}' is not a TCP port`);
  return n;
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'run an io-engine serving a demo volume: a 2-way mirror over two file-backed pools, published over NBD or NVMe-oF, until interrupted',
    )
    .option('--dir <path>', 'where the pool image files and node state live', '.mayastor-demo')
    .option('--size <size>', 'volume size', '256MiB')
    .option('--protocol <nbd|nvmf>', 'how the volume is published', 'nbd')
    .option('--address <ip>', 'listen and advertised address', '127.0.0.1')
    .option('--grpc-port <port>', 'gRPC port of the io-engine (0 picks one)', '10124')
    .option('--nbd-port <port>', 'NBD port (0 picks one)', '10809')
    .option('--nvmf-port <port>', 'NVMe-oF port of published volumes (0 picks one)', '4421')
    .option('--log-level <level>', 'log level', 'warn')
    .action(async (f: DemoFlags) => {
      await runDemo(f);
    });
}

async function runDemo(f: DemoFlags): Promise<void> {
  const size = parseSize(f.size);
  if (size < 16 * 2 ** 20) throw invalidArgument(`--size ${f.size}: the demo volume needs at least 16MiB`);
  if (f.protocol !== 'nbd' && f.protocol !== 'nvmf')
    throw invalidArgument(`--protocol ${f.protocol}: nbd or nvmf`);
  const dir = path.resolve(f.dir);
  fs.mkdirSync(dir, { recursive: true });
  // Room for the pool's metadata and a cluster of slack beyond the replica.
  const imageSize = size + 64 * 2 ** 20;
  const images = ['pool-a.img', 'pool-b.img'].map((n) => path.join(dir, n));
  for (const img of images) {
    const fd = fs.openSync(img, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
    try {
      if (fs.fstatSync(fd).size < imageSize) fs.ftruncateSync(fd, imageSize); // sparse
    } finally {
      fs.closeSync(fd);
    }
  }

  const config = resolveConfig({
    nodeName: 'demo',
    grpcAddress: `${f.address}:${portOf(f.grpcPort, '--grpc-port')}`,
    advertiseAddress: f.address,
    nvmf: { addresses: [f.address], replicaPort: 0, nexusPort: portOf(f.nvmfPort, '--nvmf-port') },
    nbd: { enabled: true, addresses: [f.address], port: portOf(f.nbdPort, '--nbd-port') },
    http: { address: null },
    stateDir: path.join(dir, 'state'),
    logLevel: f.logLevel,
  });
  const log = createLogger({ name: 'demo', level: config.logLevel });
  const engine = new IoEngine(config, log);
  await engine.start();
  const say = (s: string) => process.stdout.write(`${s}\n`);
  let client: EngineClient | undefined;
  try {
    client = new EngineClient(engine.endpoints.grpc.replace(/^0\.0\.0\.0:/, '127.0.0.1:'));
    const uris: string[] = [];
    for (const [i, img] of images.entries()) {
      const pool = `demo-pool-${'ab'[i]}`;
      await client.pool.CreatePool({ name: pool, disks: [`aio://${img}`] });
      const r = await client.replica.CreateReplica({
        uuid: REPLICAS[i]!,
        name: REPLICAS[i]!,
        pooluuid: pool,
        size,
        thin: true,
        share: 'NONE',
        allowed_hosts: [],
      });
      uris.push(r.uri);
    }
    await client.nexus.CreateNexus({ uuid: VOLUME, name: 'demo', size, children: uris });
    const published = await client.nexus.PublishNexus({
      uuid: VOLUME,
      share: f.protocol === 'nbd' ? 'NBD' : 'NVMF',
      allowed_hosts: [],
    });
    const n = published.nexus!;
    const grpc = engine.endpoints.grpc;
    say(`demo volume ${VOLUME}: ${formatBytes(size)}, 2-way mirror, ${n.state}`);
    for (const c of n.children) say(`  child ${c.uri}  ${c.state}`);
    say(`published at ${n.device_uri}`);
    if (f.protocol === 'nbd') {
      say(`  try: nbdinfo ${n.device_uri}`);
      say(`       qemu-img info ${n.device_uri}`);
    } else {
      const m = /^nvmf:\/\/([^:/]+):(\d+)\/(.+)$/.exec(n.device_uri);
      if (m) say(`  try: nvme connect -t tcp -a ${m[1]} -s ${m[2]} -n ${m[3]}`);
    }
    say(`drive it: npx mayastor-ts io-engine-client -b ${grpc} nexus list`);
    say('Ctrl-C stops it (cleanly); running the demo again brings the same volume back.');
    say('DEMO READY');
  } catch (e) {
    client?.close();
    await engine.stop();
    throw e;
  }
  await new Promise<void>((resolve) => {
    const stop = (sig: NodeJS.Signals) => {
      log.info({ signal: sig }, 'stopping the demo');
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  client.close();
  await engine.stop();
  say('demo stopped cleanly');
}
