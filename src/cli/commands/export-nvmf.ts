/**
 * The NVMe-oF/TCP frontend of `mayastor-ts export`:
 *
 *   mayastor-ts export <bdev-uri> --nvmf HOST:PORT [--nqn NQN] [--allow-host NQN ...]
 *                                 [--advertise ADDR] [--serial SN]
 *
 * serves the device as namespace 1 of one subsystem, with the discovery subsystem on the same
 * port. The subsystem NQN defaults to Mayastor's form, nqn.2019-05.io.openebs:<uuid>, and the
 * namespace UUID/NGUID to the URI's `uuid=` (or one derived from the device name), so both stay
 * the same across restarts and a connected host's reconnect finds the same namespace.
 */
import type { Command } from 'commander';
import type { BlockDevice } from '../../bdev/index.js';
import { parseUri } from '../../bdev/uri.js';
import { invalidArgument } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { MAYASTOR_NQN_PREFIX } from '../../nvmf/spec.js';
import { NvmfTarget, stableUuid } from '../../nvmf/target/index.js';
import type { ExportContext, ExportFrontend, RunningExport } from './export.js';
import { parseHostPort, formatHostPort } from '../../core/hostport.js';

function collect(v: string, prev: string[] | undefined): string[] {
  return [...(prev ?? []), v];
}

export const nvmfFrontend: ExportFrontend = {
  register(cmd: Command): void {
    cmd
      .option('--nvmf <host:port>', 'serve over NVMe-oF/TCP on this address (e.g. 0.0.0.0:4420)')
      .option('--nqn <nqn>', `subsystem NQN (default ${MAYASTOR_NQN_PREFIX}<namespace uuid>)`)
      .option('--allow-host <nqn>', 'host NQN allowed to connect (repeatable; default: any host)', collect)
      .option(
        '--advertise <addr>',
        'address to advertise in the discovery log page (default: the listener address)',
      )
      .option('--serial <sn>', 'controller serial number (default: derived from the NQN)');
  },

  async start(
    dev: BlockDevice,
    opts: Record<string, unknown>,
    log: Logger,
    ctx?: ExportContext,
  ): Promise<RunningExport | undefined> {
    const where = opts.nvmf as string | undefined;
    if (where === undefined) {
      for (const o of ['nqn', 'allowHost', 'advertise', 'serial'])
        if (opts[o] !== undefined)
          throw invalidArgument(`--${o.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())} needs --nvmf`);
      return undefined;
    }
    const { host, port } = parseHostPort(where, { defaultPort: 4420, what: '--nvmf' });
    const uriUuid = ctx ? parseUri(ctx.uri).params.get('uuid') : undefined;
    const nsUuid = uriUuid ?? stableUuid(dev.name);
    const nqn = (opts.nqn as string | undefined) ?? `${MAYASTOR_NQN_PREFIX}${nsUuid}`;
    const target = new NvmfTarget({ log, advertise: opts.advertise as string | undefined });
    try {
      const subsys = target.createSubsystem({
        nqn,
        serialNumber: opts.serial as string | undefined,
        allowedHosts: (opts.allowHost as string[] | undefined) ?? [],
      });
      subsys.addNamespace(dev, { nsid: 1, uuid: nsUuid });
      const l = await target.listen(host, port);
      return {
        describe: `nvmf ${formatHostPort(host, l.port)} ${nqn}`,
        stop: () => target.stop(),
      };
    } catch (e) {
      await target.stop();
      throw e;
    }
  },
};
