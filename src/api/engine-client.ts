/**
 * A gRPC client for one io-engine: every service as promise-returning methods, failures as
 * MayastorError (the server's stable code from the status metadata; `details.grpcStatus` holds
 * the gRPC status name). Used by the io-engine-client command and the tests.
 */
import * as grpc from '@grpc/grpc-js';
import { asyncClient, serviceDefinitions, type AsyncClient, type ServiceDefinitions } from './proto.js';
import { fromServiceError } from './status.js';
import { DEFAULT_GRPC_PORT } from './ports.js';

export interface EngineClientOptions {
  /** Per-call deadline, ms (default 30 s; pool creation on a slow disk can take a while). */
  deadlineMs?: number;
}

/** Accept host, host:port, [v6]:port and http://host:port (Mayastor's io-engine-client form). */
export function normalizeEndpoint(endpoint: string): string {
  let e = endpoint
    .trim()
    .replace(/^(https?|grpc):\/\//, '')
    .replace(/\/+$/, '');
  if (!/:\d+$/.test(e) || (e.includes('::') && !e.startsWith('['))) e = `${e}:${DEFAULT_GRPC_PORT}`;
  return e;
}

type Wrapped<D> = AsyncClient<D>;

function wrapErrors<D extends object>(c: AsyncClient<D>): AsyncClient<D> {
  const out: Record<string, unknown> = {};
  for (const [k, fn] of Object.entries(c as Record<string, (...a: unknown[]) => Promise<unknown>>)) {
    out[k] = (...args: unknown[]) =>
      fn(...args).catch((e: unknown) => {
        throw fromServiceError(e);
      });
  }
  return out as AsyncClient<D>;
}

export class EngineClient {
  readonly endpoint: string;
  private readonly channel: grpc.Client;
  readonly pool: Wrapped<ServiceDefinitions['PoolRpc']>;
  readonly replica: Wrapped<ServiceDefinitions['ReplicaRpc']>;
  readonly nexus: Wrapped<ServiceDefinitions['NexusRpc']>;
  readonly bdev: Wrapped<ServiceDefinitions['BdevRpc']>;
  readonly host: Wrapped<ServiceDefinitions['HostRpc']>;
  readonly stats: Wrapped<ServiceDefinitions['StatsRpc']>;
  readonly test: Wrapped<ServiceDefinitions['TestRpc']>;

  constructor(endpoint: string, options: EngineClientOptions = {}) {
    this.endpoint = normalizeEndpoint(endpoint);
    this.channel = new grpc.Client(this.endpoint, grpc.credentials.createInsecure());
    const d = options.deadlineMs ?? 30_000;
    const defs = serviceDefinitions();
    this.pool = wrapErrors(asyncClient(this.channel, defs.PoolRpc, d));
    this.replica = wrapErrors(asyncClient(this.channel, defs.ReplicaRpc, d));
    this.nexus = wrapErrors(asyncClient(this.channel, defs.NexusRpc, d));
    this.bdev = wrapErrors(asyncClient(this.channel, defs.BdevRpc, d));
    this.host = wrapErrors(asyncClient(this.channel, defs.HostRpc, d));
    this.stats = wrapErrors(asyncClient(this.channel, defs.StatsRpc, d));
    this.test = wrapErrors(asyncClient(this.channel, defs.TestRpc, d));
  }

  close(): void {
    this.channel.close();
  }
}
