/**
 * The NBD side of `mayastor-ts export`: `--nbd HOST:PORT [--name EXPORT]` and friends. It has
 * the shape of the CLI's ExportFrontend (./export.ts), which registers it.
 */
import fs from 'node:fs';
import type { Command } from 'commander';
import { invalidArgument } from '../../core/errors.js';
import { parseHostPort } from '../../core/hostport.js';
import type { Logger } from '../../core/log.js';
import type { BlockDevice } from '../../bdev/types.js';
import { NbdServer } from '../../nbd/server.js';

function readPem(file: unknown, what: string): Buffer {
  try {
    return fs.readFileSync(String(file));
  } catch (e) {
    throw invalidArgument(`${what} ${String(file)}: ${(e as Error).message}`);
  }
}

function readTls(opts: Record<string, unknown>): { cert: Buffer; key: Buffer; ca?: Buffer } | undefined {
  const { nbdTlsCert: cert, nbdTlsKey: key, nbdTlsCa: ca } = opts;
  if (cert === undefined && key === undefined && ca === undefined) return undefined;
  if (cert === undefined || key === undefined) {
    throw invalidArgument('TLS needs both --nbd-tls-cert and --nbd-tls-key');
  }
  return {
    cert: readPem(cert, '--nbd-tls-cert'),
    key: readPem(key, '--nbd-tls-key'),
    ...(ca === undefined ? {} : { ca: readPem(ca, '--nbd-tls-ca') }),
  };
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',')];
}

export const nbdFrontend = {
  register(cmd: Command): void {
    cmd
      .option('--nbd <host:port>', 'serve the device over NBD on this address (port 0 picks a free one)')
      .option('--name <export>', 'NBD export name (the device is also the default export)', '')
      .option('--nbd-description <text>', 'NBD export description shown to clients')
      .option('--nbd-read-only', 'NBD: refuse writes, trims and write-zeroes')
      .option(
        '--nbd-allow <cidr>',
        'NBD: only accept clients from these addresses/subnets (repeatable or comma-separated)',
        collect,
      )
      .option('--nbd-tls-cert <file>', 'NBD: require TLS, with this PEM certificate (chain) of the server')
      .option('--nbd-tls-key <file>', 'NBD: PEM private key for --nbd-tls-cert')
      .option('--nbd-tls-ca <file>', 'NBD: also require client certificates signed by this PEM CA');
  },

  async start(
    dev: BlockDevice,
    opts: Record<string, unknown>,
    log: Logger,
  ): Promise<{ describe: string; stop(): Promise<void> } | undefined> {
    if (opts.nbd === undefined) return undefined;
    const { host, port } = parseHostPort(String(opts.nbd), { what: '--nbd' });
    const name = String(opts.name ?? '');
    const server = new NbdServer({
      log: log.child({ component: 'nbd' }),
      allow: opts.nbdAllow as string[] | undefined,
      tls: readTls(opts),
    });
    server.addExport(name, dev, {
      description:
        opts.nbdDescription === undefined ? `${dev.driver} ${dev.name}` : String(opts.nbdDescription),
      readOnly: opts.nbdReadOnly === true,
      default: true,
    });
    const addr = await server.listen({ host, port });
    const shown = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    return {
      describe: `${opts.nbdTlsCert === undefined ? 'nbd' : 'nbds'}://${shown}:${addr.port}/${encodeURIComponent(name)}`,
      stop: () => server.close(),
    };
  },
};
