/**
 * The `mayastor-ts` command. Each subcommand lives in its own module under ./commands and
 * registers itself on the program; this file only assembles them and maps errors to exit codes.
 */
import { Command } from 'commander';
import { describeError, MayastorError } from '../core/errors.js';
import { registerBdevCommands } from './commands/bdev.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerExportCommand } from './commands/export.js';
import { registerIoEngineCommand } from './commands/io-engine.js';
import { registerIoEngineClientCommand } from './commands/io-engine-client.js';
import { registerVerifyCommands } from './commands/verify.js';

export function buildProgram(): Command {
  const program = new Command('mayastor-ts')
    .description('Replicated, container-attached block storage (io-engine, tools and control plane)')
    .version('0.1.0')
    .showHelpAfterError();
  registerBdevCommands(program);
  registerExportCommand(program);
  registerIoEngineCommand(program);
  registerIoEngineClientCommand(program);
  registerVerifyCommands(program);
  registerDemoCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (e) {
    process.stderr.write(`error: ${describeError(e)}\n`);
    process.exitCode = e instanceof MayastorError && e.kind === 'InvalidArgument' ? 2 : 1;
  }
}
