/**
 * Real io-engine daemons for tests: `mayastor-ts io-engine` as a child process (optionally inside
 * a network namespace), its endpoints read from its "io-engine ready" log line, and a gRPC client.
 */
import { startCli, type RunningProcess, type StartOptions } from './proc.js';
import { EngineClient } from '../../src/api/engine-client.js';

export interface EngineEndpoints {
  grpc: string;
  grpcPort: number;
  httpPort: number;
  nvmfReplicaPort: number;
  nvmfNexusPort: number;
  nbdPort: number;
  grpcEndpoint: string;
  hostNqn: string;
  pools: string[];
  startupMs: number;
}

export interface RunningEngine {
  proc: RunningProcess;
  ready: EngineEndpoints;
  client: EngineClient;
  /** The gRPC address to dial from the test process. */
  address: string;
  /** SIGTERM (graceful) and wait; returns the exit status. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Parsed JSON log lines so far. */
  logs(): Array<Record<string, unknown>>;
}

export interface StartEngineOptions extends StartOptions {
  /** How the test process reaches the gRPC port (default 127.0.0.1). */
  dialHost?: string;
  timeoutMs?: number;
}

export function parseLogs(output: string): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      out.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // a partial line at the end of the buffer
    }
  }
  return out;
}

/** Start `mayastor-ts io-engine <args>`; resolves once it logged that it is ready. */
export async function startEngine(args: string[], options: StartEngineOptions = {}): Promise<RunningEngine> {
  const proc = startCli(['io-engine', ...args], options);
  let line: string;
  try {
    line = await proc.waitFor(/"msg":"io-engine ready"/, options.timeoutMs ?? 30_000);
  } catch (e) {
    await proc.stop('SIGKILL');
    throw e;
  }
  const ready = JSON.parse(line) as EngineEndpoints;
  const address = `${options.dialHost ?? '127.0.0.1'}:${ready.grpcPort}`;
  const client = new EngineClient(address, { deadlineMs: 30_000 });
  return {
    proc,
    ready,
    client,
    address,
    async stop(signal = 'SIGTERM') {
      client.close();
      return proc.stop(signal, 30_000);
    },
    logs: () => parseLogs(proc.output()),
  };
}

/** Common flags for a test engine: loopback only, free ports, a state directory. */
export function testEngineArgs(node: string, stateDir: string, extra: string[] = []): string[] {
  return [
    '-N',
    node,
    '-g',
    '127.0.0.1:0',
    '--http-address',
    '127.0.0.1:0',
    '--nvmf-address',
    '127.0.0.1',
    '--nvmf-replica-port',
    '0',
    '--nvmf-nexus-port',
    '0',
    '--nbd-port',
    '0',
    '--state-dir',
    stateDir,
    '--log-level',
    'debug',
    ...extra,
  ];
}
