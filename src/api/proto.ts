/**
 * The gRPC API, loaded at run time from proto/ (the single source of truth, shared with the
 * control plane), with the TypeScript types generated from the same files (scripts/gen-proto.sh).
 *
 * Loader options match the generator's: field names as written in the .proto files (snake_case,
 * as in Mayastor), 64-bit integers as JavaScript numbers (sizes stay far below 2^53), enums as
 * their names, defaults filled in, and proto3 `optional` fields left undefined when absent so
 * that presence can be told apart from a zero value.
 */
import path from 'node:path';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { MethodDefinition } from '@grpc/proto-loader';
import type { PoolRpcDefinition, PoolRpcHandlers } from './generated/mayastor/v1/PoolRpc.js';
import type { ReplicaRpcDefinition, ReplicaRpcHandlers } from './generated/mayastor/v1/ReplicaRpc.js';
import type { NexusRpcDefinition, NexusRpcHandlers } from './generated/mayastor/v1/NexusRpc.js';
import type { BdevRpcDefinition, BdevRpcHandlers } from './generated/mayastor/v1/BdevRpc.js';
import type { HostRpcDefinition, HostRpcHandlers } from './generated/mayastor/v1/HostRpc.js';
import type { StatsRpcDefinition, StatsRpcHandlers } from './generated/mayastor/v1/StatsRpc.js';
import type { TestRpcDefinition, TestRpcHandlers } from './generated/mayastor/v1/TestRpc.js';
import type { RegistrationDefinition, RegistrationHandlers } from './generated/mayastor/v1/Registration.js';

/** The repository's proto/ directory (this file is compiled to dist/src/engine/). */
export const PROTO_DIR = (() => {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const rel of ['../../../proto', '../../proto']) {
    const p = path.resolve(here, rel);
    if (fs.existsSync(path.join(p, 'mayastor', 'v1', 'pool.proto'))) return p;
  }
  return path.resolve(here, '../../../proto');
})();

export const PROTO_FILES = [
  'common',
  'pool',
  'replica',
  'nexus',
  'bdev',
  'host',
  'stats',
  'test',
  'registration',
].map((f) => `mayastor/v1/${f}.proto`);

/** API versions this io-engine serves (announced at registration). */
export const API_VERSIONS = ['V1'] as const;

export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_DIR],
};

export interface ServiceDefinitions {
  PoolRpc: PoolRpcDefinition;
  ReplicaRpc: ReplicaRpcDefinition;
  NexusRpc: NexusRpcDefinition;
  BdevRpc: BdevRpcDefinition;
  HostRpc: HostRpcDefinition;
  StatsRpc: StatsRpcDefinition;
  TestRpc: TestRpcDefinition;
  Registration: RegistrationDefinition;
}

export interface ServiceHandlers {
  PoolRpc: PoolRpcHandlers;
  ReplicaRpc: ReplicaRpcHandlers;
  NexusRpc: NexusRpcHandlers;
  BdevRpc: BdevRpcHandlers;
  HostRpc: HostRpcHandlers;
  StatsRpc: StatsRpcHandlers;
  TestRpc: TestRpcHandlers;
  Registration: RegistrationHandlers;
}

export type ServiceName = keyof ServiceDefinitions;

/** The services the io-engine serves (Registration is served by the control plane). */
export const ENGINE_SERVICES = [
  'PoolRpc',
  'ReplicaRpc',
  'NexusRpc',
  'BdevRpc',
  'HostRpc',
  'StatsRpc',
  'TestRpc',
] as const satisfies readonly ServiceName[];

let cached: ServiceDefinitions | undefined;

/** Parse the .proto files once per process (definitions are immutable, so sharing is safe). */
export function serviceDefinitions(): ServiceDefinitions {
  if (!cached) {
    const pkg = protoLoader.loadSync(PROTO_FILES, LOADER_OPTIONS);
    const get = <K extends ServiceName>(name: K): ServiceDefinitions[K] => {
      const def = pkg[`mayastor.v1.${name}`];
      if (!def) throw new Error(`proto/: service mayastor.v1.${name} not found`);
      return def as unknown as ServiceDefinitions[K];
    };
    cached = {
      PoolRpc: get('PoolRpc'),
      ReplicaRpc: get('ReplicaRpc'),
      NexusRpc: get('NexusRpc'),
      BdevRpc: get('BdevRpc'),
      HostRpc: get('HostRpc'),
      StatsRpc: get('StatsRpc'),
      TestRpc: get('TestRpc'),
      Registration: get('Registration'),
    };
  }
  return cached;
}

/** Request type (as received, defaults filled in) of each method of a service. */
export type RequestOf<D, K extends keyof D> =
  D[K] extends MethodDefinition<infer _RI, infer _SI, infer ReqOut, infer _SO> ? ReqOut : never;
/** Response type (as sent, all fields optional) of each method of a service. */
export type ResponseOf<D, K extends keyof D> =
  D[K] extends MethodDefinition<infer _RI, infer ResIn, infer _RO, infer _SO> ? ResIn : never;

/** A service implemented with async functions: resolve with the response, throw to fail. */
export type AsyncService<D> = {
  [K in keyof D as string extends K ? never : K]: (
    req: RequestOf<D, K>,
    call: grpc.ServerUnaryCall<RequestOf<D, K>, unknown>,
  ) => Promise<ResponseOf<D, K>>;
};

/** A client with one promise-returning method per RPC. */
export type AsyncClient<D> = {
  [K in keyof D as string extends K ? never : K]: D[K] extends MethodDefinition<
    infer ReqIn,
    infer _SI,
    infer _RO,
    infer ResOut
  >
    ? (req: ReqIn, options?: { deadlineMs?: number }) => Promise<ResOut>
    : never;
};

/** Wrap a generic grpc client in promise-returning methods (with a per-call deadline). */
export function asyncClient<D extends object>(
  client: grpc.Client,
  def: D,
  defaultDeadlineMs: number,
): AsyncClient<D> {
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(def)) {
    const m = (def as Record<string, MethodDefinition<unknown, unknown>>)[name]!;
    out[name] = (req: unknown, options: { deadlineMs?: number } = {}) =>
      new Promise((resolve, reject) => {
        const deadline = new Date(Date.now() + (options.deadlineMs ?? defaultDeadlineMs));
        client.makeUnaryRequest(
          m.path,
          m.requestSerialize,
          m.responseDeserialize,
          req,
          new grpc.Metadata(),
          { deadline },
          (err, res) => (err ? reject(err) : resolve(res)),
        );
      });
  }
  return out as AsyncClient<D>;
}
