/**
 * `mayastor-ts verify run|check`: the verifying workload as a command, for any block device
 * URI (so it can run against a local disk, a nexus, or later a device reached over NVMe-oF or
 * NBD, and be checked after a crash of the writer or of the target).
 *
 *   verify run <bdev-uri> --journal FILE [--seconds S | --ops N] [...]
 *   verify check <bdev-uri> --journal FILE [--flushed-only]
 *
 * `run` exits 1 if a verifying read saw wrong data; `check` exits 1 if any acknowledged write
 * is missing, misplaced or corrupt.
 */
import type { Command } from 'commander';
import { BdevRegistry } from '../../bdev/index.js';
import { registerNvmfScheme } from '../../nvmf/initiator/index.js';
import { createLogger } from '../../core/log.js';
import { invalidArgument } from '../../core/errors.js';
import { newUuid, assertUuid } from '../../core/uuid.js';
import { FileJournal, VerifyWorkload, checkDevice, readJournal } from '../../verify/index.js';
import { parseOutputFormat, printResources } from '../output.js';

function int(name: string, min = 0): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < min)
      throw invalidArgument(`--${name} must be an integer >= ${min}, got '${v}'`);
    return n;
  };
}

interface RunOpts {
  journal: string;
  seconds?: number;
  ops?: number;
  offsetBlocks: number;
  blocks?: number;
  qd: number;
  maxBlocks: number;
  readPct: number;
  zeroPct: number;
  flushEvery: number;
  seed: number;
  runId?: string;
  output: string;
  logLevel: string;
}

export function registerVerifyCommands(program: Command): void {
  const verify = program
    .command('verify')
    .description('write blocks stamped with address, sequence and checksum; later prove none was lost');

  verify
    .command('run')
    .description('run the verifying workload against a device, journaling every acknowledged write')
    .argument('<bdev-uri>', 'disk URI, e.g. aio:///var/tmp/disk.img, malloc:///m0?size_mb=64')
    .requiredOption('--journal <file>', 'journal of intents and acknowledgements (created or truncated)')
    .option('--seconds <n>', 'run for this long', int('seconds', 1))
    .option('--ops <n>', 'run this many operations', int('ops', 1))
    .option('--offset-blocks <n>', 'first block of the region to use', int('offset-blocks'), 0)
    .option('--blocks <n>', 'blocks in the region (default: to the end of the device)', int('blocks', 1))
    .option('--qd <n>', 'operations in flight', int('qd', 1), 32)
    .option('--max-blocks <n>', 'largest I/O in blocks', int('max-blocks', 1), 8)
    .option('--read-pct <n>', 'percent of verifying reads', int('read-pct'), 20)
    .option('--zero-pct <n>', 'percent of write-zeroes/unmaps', int('zero-pct'), 5)
    .option('--flush-every <n>', 'issue a flush every n operations (0: never)', int('flush-every'), 64)
    .option('--seed <n>', 'random seed', int('seed'), 1)
    .option('--run-id <uuid>', 'run id stamped into every block (default: random)')
    .option('-o, --output <format>', 'table, json or yaml', 'table')
    .option('--log-level <level>', 'fatal, error, warn, info, debug or trace', 'info')
    .action(async (uri: string, opts: RunOpts) => {
      const format = parseOutputFormat(opts.output);
      if (opts.seconds === undefined && opts.ops === undefined) {
        throw invalidArgument('give --seconds or --ops (or both)');
      }
      const log = createLogger({ name: 'verify', level: opts.logLevel as 'info' });
      const registry = new BdevRegistry({ log });
      registerNvmfScheme(registry);
      const dev = await registry.open(uri);
      let stats;
      try {
        const blocks = opts.blocks ?? dev.numBlocks - opts.offsetBlocks;
        if (opts.offsetBlocks + blocks > dev.numBlocks || blocks <= 0) {
          throw invalidArgument(
            `region ${opts.offsetBlocks}+${blocks} does not fit ${dev.name} (${dev.numBlocks} blocks)`,
          );
        }
        const runId = opts.runId ? assertUuid(opts.runId, '--run-id') : newUuid();
        const journal = await FileJournal.create(opts.journal, {
          runId,
          blockSize: dev.blockSize,
          startBlock: opts.offsetBlocks,
          numBlocks: blocks,
          createdAt: Date.now(),
        });
        const workload = new VerifyWorkload({
          device: dev,
          journal,
          ops: opts.ops,
          seconds: opts.seconds,
          queueDepth: opts.qd,
          maxBlocks: opts.maxBlocks,
          readPct: opts.readPct,
          zeroPct: opts.zeroPct,
          flushEvery: opts.flushEvery,
          seed: opts.seed,
        });
        const onSignal = (sig: NodeJS.Signals) => {
          log.info({ signal: sig }, 'stopping after the I/O in flight');
          workload.stop();
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
        const progress = setInterval(() => {
          const p = workload.progress;
          log.info(
            { ops: p.ops, writesAcked: p.writesAcked, readMismatches: p.readMismatches },
            'verify progress',
          );
        }, 1000);
        progress.unref();
        log.info({ device: dev.name, runId, startBlock: opts.offsetBlocks, blocks }, 'verify running');
        try {
          stats = await workload.runToEnd();
        } finally {
          clearInterval(progress);
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          await journal.close();
        }
        await dev.flush();
      } finally {
        await dev.close();
      }
      const { mismatches, ...summary } = stats;
      printResources({ device: dev.name, ...summary, mismatches }, format, [
        { header: 'device', get: (r) => r.device },
        { header: 'ops', get: (r) => r.ops },
        { header: 'writes acked', get: (r) => r.writesAcked + r.zeroesAcked },
        { header: 'write errors', get: (r) => r.writeErrors },
        { header: 'blocks verified', get: (r) => r.blocksVerified },
        { header: 'read mismatches', get: (r) => r.readMismatches },
        { header: 'seconds', get: (r) => (r.elapsedMs / 1000).toFixed(1) },
      ]);
      if (stats.readMismatches > 0) process.exitCode = 1;
    });

  verify
    .command('check')
    .description('check that a device holds every write its journal claims as acknowledged')
    .argument('<bdev-uri>', 'disk URI of the device (or of any in-sync replica)')
    .requiredOption('--journal <file>', 'journal written by verify run')
    .option('--flushed-only', 'claim only writes a later completed flush covers (after a power loss)')
    .option('-o, --output <format>', 'table, json or yaml', 'table')
    .action(async (uri: string, opts: { journal: string; flushedOnly?: boolean; output: string }) => {
      const format = parseOutputFormat(opts.output);
      const journal = await readJournal(opts.journal);
      const registry = new BdevRegistry();
      registerNvmfScheme(registry);
      const dev = await registry.open(uri);
      let rep;
      try {
        rep = await checkDevice(dev, journal, { flushedOnly: opts.flushedOnly === true });
      } finally {
        await dev.close();
      }
      printResources(rep, format, [
        { header: 'device', get: (r) => r.device },
        { header: 'blocks', get: (r) => r.blocks },
        { header: 'acked writes', get: (r) => r.ackedWrites },
        { header: 'current', get: (r) => r.current },
        { header: 'newer', get: (r) => r.newerInFlight + r.newerUnrecorded },
        { header: 'lost', get: (r) => r.lost },
        { header: 'corrupt', get: (r) => r.corrupt + r.misplaced + r.unexpected },
        { header: 'result', get: (r) => (r.passed ? 'PASS' : 'FAIL') },
      ]);
      if (format === 'table' && rep.problems.length > 0) {
        for (const p of rep.problems) {
          process.stdout.write(`  ${p.kind} at lba ${p.lba}: expected ${p.expected}, found ${p.found}\n`);
        }
      }
      if (!rep.passed) process.exitCode = 1;
    });
}
