/**
 * `mayastor-ts export <bdev-uri> [--nvmf HOST:PORT] [--nbd HOST:PORT] ...`: serve one block
 * device over one or more protocols until SIGINT/SIGTERM, then stop the servers, flush the
 * device and exit 0 (what qemu-nbd is for NBD).
 *
 * Each protocol is an ExportFrontend in its own module; it adds its options to the command and
 * starts when the user asked for it.
 */
import type { Command } from 'commander';
import { BdevRegistry, type BlockDevice } from '../../bdev/index.js';
import { createLogger, type Logger } from '../../core/log.js';
import { invalidArgument } from '../../core/errors.js';
import { nbdFrontend } from './export-nbd.js';
import { nvmfFrontend } from './export-nvmf.js';

export interface RunningExport {
  /** What is being served where, for the ready line. */
  describe: string;
  stop(): Promise<void>;
}

/** What a frontend may want to know besides the opened device. */
export interface ExportContext {
  /** The disk URI as given (e.g. to find its `uuid=` parameter). */
  uri: string;
}

export interface ExportFrontend {
  register(cmd: Command): void;
  /** Start serving if the options ask for this protocol; otherwise return undefined. */
  start(
    dev: BlockDevice,
    opts: Record<string, unknown>,
    log: Logger,
    ctx?: ExportContext,
  ): Promise<RunningExport | undefined>;
}

/** The protocols `export` can serve; each protocol module adds itself here. */
const FRONTENDS: ExportFrontend[] = [nvmfFrontend, nbdFrontend];

export function registerExportCommand(program: Command): void {
  const cmd = program
    .command('export')
    .description('serve a block device over NVMe-oF/TCP and/or NBD until interrupted')
    .argument('<bdev-uri>', 'disk URI, e.g. malloc:///m0?size_mb=256, aio:///var/tmp/disk.img, /dev/sdb')
    .option('--log-level <level>', 'fatal, error, warn, info, debug or trace', 'info');
  for (const f of FRONTENDS) f.register(cmd);
  cmd.action(async (uri: string, opts: Record<string, unknown>) => {
    const log = createLogger({ name: 'export', level: opts.logLevel as 'info' });
    const registry = new BdevRegistry({ log });
    const dev = await registry.create(uri);
    const running: RunningExport[] = [];
    try {
      for (const f of FRONTENDS) {
        const r = await f.start(dev, opts, log, { uri });
        if (r) running.push(r);
      }
      if (running.length === 0)
        throw invalidArgument('nothing to serve: give --nvmf HOST:PORT and/or --nbd HOST:PORT');
    } catch (e) {
      await Promise.allSettled(running.map((r) => r.stop()));
      await registry.closeAll();
      throw e;
    }
    log.info(
      { device: dev.name, size: dev.size, blockSize: dev.blockSize, serving: running.map((r) => r.describe) },
      'export ready',
    );
    await new Promise<void>((resolve) => {
      const onSignal = (sig: NodeJS.Signals) => {
        log.info({ signal: sig }, 'shutting down');
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        resolve();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    });
    await Promise.allSettled(running.map((r) => r.stop()));
    await dev.flush();
    await registry.closeAll();
    log.info('export stopped; device flushed');
  });
}
