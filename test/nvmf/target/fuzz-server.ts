/**
 * The fuzz test's target, in a process of its own (so "the target survived" means a process
 * that did not die): two subsystems, one for the well-behaved host and one for the fuzzers, on
 * separate RAM disks so no fuzzed write can touch the data the good host verifies.
 *
 *   node fuzz-server.js LOGFILE GOOD_NQN GOOD_HOSTNQN FUZZ_NQN
 *
 * Prints {"ready":PORT}; on SIGUSR2 a {"stats":...} line; on SIGTERM stops and prints the
 * final stats.
 */
import fs from 'node:fs';
import { createLogger } from '../../../src/core/log.js';
import { MallocDevice } from '../../../src/bdev/malloc.js';
import { NvmfTarget } from '../../../src/nvmf/target/index.js';

const [logFile, goodNqn, goodHost, fuzzNqn] = process.argv.slice(2) as [string, string, string, string];
const log = createLogger({ name: 'fuzz-target', level: 'info', fd: fs.openSync(logFile, 'w') });
const target = new NvmfTarget({ log, limits: { connectTimeoutMs: 3000, maxConnections: 1024 } });
const good = new MallocDevice({ name: 'good', blockSize: 512, numBlocks: (64 << 20) / 512 });
const fuzz = new MallocDevice({ name: 'fuzz', blockSize: 512, numBlocks: (16 << 20) / 512 });
target.createSubsystem({ nqn: goodNqn, allowedHosts: [goodHost] }).addNamespace(good);
target.createSubsystem({ nqn: fuzzNqn }).addNamespace(fuzz);

function stats(): Record<string, unknown> {
  const mem = process.memoryUsage();
  return {
    ...target.stats,
    connections: target.connectionCount,
    controllers: target.controllers().length,
    inflightIo: target.inflightIo,
    heapUsedMiB: Math.round(mem.heapUsed / 2 ** 20),
    rssMiB: Math.round(mem.rss / 2 ** 20),
  };
}

const l = await target.listen('127.0.0.1', 0);
process.stdout.write(JSON.stringify({ ready: l.port }) + '\n');
process.on('SIGUSR2', () => process.stdout.write(JSON.stringify({ stats: stats() }) + '\n'));
process.on('SIGTERM', () => {
  void target.stop().then(() => {
    process.stdout.write(JSON.stringify({ final: stats() }) + '\n');
    process.exit(0);
  });
});
