/**
 * Running the io-engine as a daemon: logging, signals, exit codes.
 *
 * SIGTERM or SIGINT starts a graceful shutdown (nexuses shut down cleanly, pools exported,
 * deregistration) and the process exits 0 when it is done. A second signal while shutting down
 * exits at once with status 1: the operator insisted, and what a crash leaves behind is safe by
 * design (NexusInfo, the pool journal), only slower to recover.
 */
import { createLogger } from '../core/log.js';
import { describeError } from '../core/errors.js';
import type { EngineConfig } from './config.js';
import { IoEngine } from './engine.js';

export async function runDaemon(config: EngineConfig): Promise<void> {
  const log = createLogger({ name: 'io-engine', level: config.logLevel }).child({ node: config.nodeName });
  const engine = new IoEngine(config, log);
  let signals = 0;
  const done = new Promise<void>((resolve) => {
    const onSignal = (sig: NodeJS.Signals) => {
      signals++;
      if (signals > 1) {
        log.warn({ signal: sig }, 'second signal during shutdown: exiting now');
        process.exit(1);
      }
      log.info({ signal: sig }, 'signal received: shutting down gracefully');
      engine.stop().then(resolve, (e: unknown) => {
        log.error({ err: describeError(e) }, 'shutdown failed');
        process.exitCode = 1;
        resolve();
      });
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  process.on('uncaughtException', (e) => {
    log.fatal({ err: describeError(e), stack: e.stack }, 'uncaught exception: exiting');
    process.exit(70);
  });
  await engine.start();
  await done;
}
