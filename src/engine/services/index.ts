/**
 * The gRPC server: every service of proto/, each handler an async function. This is where calls
 * are logged and where every failure becomes a gRPC status (status.ts), so no handler can forget
 * either.
 */
import * as grpc from '@grpc/grpc-js';
import { performance } from 'node:perf_hooks';
import { describeError, MayastorError } from '../../core/errors.js';
import type { IoEngine } from '../engine.js';
import { serviceDefinitions, type AsyncService } from '../../api/proto.js';
import { toServiceError } from '../../api/status.js';
import { poolService } from './pool.js';
import { replicaService } from './replica.js';
import { nexusService } from './nexus.js';
import { bdevService } from './bdev.js';
import { hostService } from './host.js';
import { statsService } from './stats.js';
import { testService } from './test.js';

/** Calls that change nothing: logged at debug level and served even while shutting down. */
function isReadOnly(method: string): boolean {
  return /^(List|Get)/.test(method);
}

function implement<D extends object>(
  engine: IoEngine,
  service: string,
  def: D,
  impl: AsyncService<D>,
): grpc.UntypedServiceImplementation {
  const out: grpc.UntypedServiceImplementation = {};
  for (const method of Object.keys(def)) {
    const fn = (impl as Record<string, (req: unknown, call: unknown) => Promise<unknown>>)[method];
    if (!fn) throw new Error(`${service}.${method} has no implementation`);
    const readOnly = isReadOnly(method);
    const rpc = `${service}/${method}`;
    out[method] = ((call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      const t0 = performance.now();
      let p: Promise<unknown>;
      try {
        if (!readOnly) engine.assertRunning();
        p = fn(call.request, call);
      } catch (e) {
        p = Promise.reject(e);
      }
      p.then(
        (res) => {
          const ms = Math.round(performance.now() - t0);
          if (readOnly) engine.log.debug({ rpc, ms }, 'gRPC call');
          else engine.log.info({ rpc, ms, request: call.request }, 'gRPC call');
          callback(null, res);
        },
        (e: unknown) => {
          const ms = Math.round(performance.now() - t0);
          const internal = !(e instanceof MayastorError) || e.kind === 'Internal';
          const fields = {
            rpc,
            ms,
            request: call.request,
            err: describeError(e),
            ...(internal && e instanceof Error ? { stack: e.stack } : {}),
          };
          if (internal) engine.log.error(fields, 'gRPC call failed');
          else engine.log.warn(fields, 'gRPC call failed');
          callback(toServiceError(e) as grpc.ServiceError);
        },
      );
    }) as grpc.handleUnaryCall<unknown, unknown>;
  }
  return out;
}

export function buildGrpcServer(engine: IoEngine): grpc.Server {
  const defs = serviceDefinitions();
  const server = new grpc.Server({
    // Keep idle connections cheap: no server-initiated keepalive pings (no idle wakeups).
    'grpc.keepalive_time_ms': 2 ** 31 - 1,
    // A second io-engine on the same port must fail to start, not share the port silently.
    'grpc.so_reuseport': 0,
  });
  server.addService(defs.PoolRpc, implement(engine, 'PoolRpc', defs.PoolRpc, poolService(engine)));
  server.addService(
    defs.ReplicaRpc,
    implement(engine, 'ReplicaRpc', defs.ReplicaRpc, replicaService(engine)),
  );
  server.addService(defs.NexusRpc, implement(engine, 'NexusRpc', defs.NexusRpc, nexusService(engine)));
  server.addService(defs.BdevRpc, implement(engine, 'BdevRpc', defs.BdevRpc, bdevService(engine)));
  server.addService(defs.HostRpc, implement(engine, 'HostRpc', defs.HostRpc, hostService(engine)));
  server.addService(defs.StatsRpc, implement(engine, 'StatsRpc', defs.StatsRpc, statsService(engine)));
  server.addService(defs.TestRpc, implement(engine, 'TestRpc', defs.TestRpc, testService(engine)));
  return server;
}
