/** `mayastor-ts bdev ...`: inspect block devices from their URIs (no daemon needed). */
import type { Command } from 'commander';
import { openBdev } from '../../bdev/index.js';
import { printResources, parseOutputFormat } from '../output.js';
import { formatBytes } from '../../core/units.js';

export function registerBdevCommands(program: Command): void {
  const bdev = program.command('bdev').description('block devices');
  bdev
    .command('info')
    .description('open a block device from its URI and print its geometry')
    .argument('<uri>', 'disk URI, e.g. malloc:///malloc0?size_mb=64, aio:///var/tmp/disk.img, /dev/sdb')
    .option('-o, --output <format>', 'table, json or yaml', 'table')
    .action(async (uri: string, opts: { output: string }) => {
      const format = parseOutputFormat(opts.output);
      const dev = await openBdev(uri);
      try {
        const info = {
          name: dev.name,
          driver: dev.driver,
          uuid: dev.uuid,
          blockSize: dev.blockSize,
          numBlocks: dev.numBlocks,
          size: dev.size,
        };
        printResources(info, format, [
          { header: 'name', get: (r) => r.name },
          { header: 'driver', get: (r) => r.driver },
          { header: 'block size', get: (r) => r.blockSize },
          { header: 'blocks', get: (r) => r.numBlocks },
          { header: 'size', get: (r) => formatBytes(r.size) },
          { header: 'uuid', get: (r) => r.uuid },
        ]);
      } finally {
        await dev.close();
      }
    });
}
