/**
 * Structured logging (pino). Every component takes a logger from its owner rather than from a
 * global, so tests and multi-instance processes (several io-engines in one test) keep their logs
 * apart. Logs go to stderr: stdout belongs to command output (tables, JSON).
 */
import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

export interface LoggerOptions {
  level?: LevelWithSilent;
  name?: string;
  /** Write to this file descriptor instead of stderr. */
  fd?: number;
}

function levelFromEnv(): LevelWithSilent | undefined {
  const v = process.env.MAYASTOR_LOG_LEVEL ?? process.env.LOG_LEVEL;
  if (!v) return undefined;
  const levels: LevelWithSilent[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
  return levels.includes(v as LevelWithSilent) ? (v as LevelWithSilent) : undefined;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? levelFromEnv() ?? 'info';
  return pino(
    { level, name: options.name, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime },
    pino.destination({ fd: options.fd ?? 2, sync: true }),
  );
}

/** A logger that discards everything, for library users and tests that do not care. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
