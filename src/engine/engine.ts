/**
 * The io-engine: one per storage node. It wires the layers together (block devices, pools and
 * replicas, NVMe-oF and NBD targets, the NVMe-oF initiator, nexuses) and drives them from the
 * gRPC API. All state is explicit and owned by this object (pools by name, replicas by uuid,
 * nexuses by uuid, shares): there are no process-wide singletons, so several engines can run in
 * one process.
 *
 * Lifecycle: start() brings up the targets, restores pools and shares, then opens the gRPC and
 * HTTP endpoints and registers with the control plane; stop() reverses it, shutting nexuses down
 * cleanly (NexusInfo records clean_shutdown) and exporting pools with a final checkpoint.
 */
import * as grpc from '@grpc/grpc-js';
import fs from 'node:fs';
import path from 'node:path';
import { lockExclusive } from '../bdev/index.js';
import { describeError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { newUuid } from '../core/uuid.js';
import { BdevRegistry } from '../bdev/index.js';
import type { EngineConfig } from './config.js';
import { parseHostPort } from './config.js';
import { engineError, EngineErrors } from './errors.js';
import { NodeStateFile } from './state-file.js';
import { PoolManager } from './pools.js';
import { NvmfShares } from './shares.js';
import { BdevManager } from './bdevs.js';
import { createMetricsRegistry, type PoolSample } from './metrics.js';
import { HttpEndpoint, type HealthReport } from './http.js';
import { Registrar } from './registration.js';
import { API_VERSIONS } from '../api/proto.js';
import { ENGINE_VERSION } from './version.js';
import { buildGrpcServer } from './services/index.js';
import { Frontends } from './frontends.js';
import { NexusManager } from './nexuses.js';
import type { MayastorFeatures } from '../api/generated/mayastor/v1/MayastorFeatures.js';
import type { RegisterRequest } from '../api/generated/mayastor/v1/RegisterRequest.js';

export type EngineState = 'new' | 'starting' | 'running' | 'stopping' | 'stopped';

export interface EngineEndpoints {
  grpc: string;
  grpcPort: number;
  httpPort: number;
  nvmfReplicaPort: number;
  nvmfNexusPort: number;
  nbdPort: number;
}

const POOL_STATUS_VALUE: Record<string, number> = { Online: 1, Faulted: 3 };

export class IoEngine {
  readonly config: EngineConfig;
  readonly log: Logger;
  readonly instanceUuid = newUuid();
  readonly version = ENGINE_VERSION;
  readonly registry: BdevRegistry;
  readonly frontends: Frontends;
  readonly shares: NvmfShares;
  readonly pools: PoolManager;
  readonly bdevs: BdevManager;
  readonly nexuses: NexusManager;
  readonly registrar: Registrar;
  startedAtMs = Date.now();
  private _state: EngineState = 'new';
  private server: grpc.Server | undefined;
  private http: HttpEndpoint | undefined;
  private grpcPort = 0;
  private startupIssues: string[] = [];
  private stopping: Promise<void> | undefined;
  private starting: Promise<void> | undefined;
  private stateDirLockFd: number | undefined;

  constructor(config: EngineConfig, log: Logger) {
    this.config = config;
    this.log = log;
    this.registry = new BdevRegistry({ log });
    this.frontends = new Frontends(config, log);
    this.shares = new NvmfShares(config.advertiseAddress, config.faultInjection);
    const stateFile = config.stateDir ? new NodeStateFile(config.stateDir) : undefined;
    this.nexuses = new NexusManager({
      log,
      config,
      registry: this.registry,
      frontends: this.frontends,
      stateDir: config.stateDir,
      findLocal: (key) => this.pools.findReplicaByNameOrUuid(key) ?? this.registry.get(key),
    });
    this.pools = new PoolManager({
      log,
      registry: this.registry,
      shares: this.shares,
      stateFile,
      claimOf: (uuid) => this.nexuses.claimOf(uuid),
    });
    this.bdevs = new BdevManager(log, this.registry, this.pools, this.shares, () => this.nexuses.bdevs());
    this.nexuses.registerSchemes();
    this.registrar = new Registrar({
      endpoint: config.registration.endpoint,
      intervalSec: config.registration.intervalSec,
      log,
      request: () => this.registerRequest(),
    });
  }

  get state(): EngineState {
    return this._state;
  }

  get endpoints(): EngineEndpoints {
    const { host } = parseHostPort(this.config.grpcAddress);
    return {
      grpc: `${host.includes(':') ? `[${host}]` : host}:${this.grpcPort}`,
      grpcPort: this.grpcPort,
      httpPort: this.http?.port ?? 0,
      nvmfReplicaPort: this.shares.port,
      nvmfNexusPort: this.frontends.nexusNvmfPort,
      nbdPort: this.frontends.nbdPort,
    };
  }

  /** host:port the control plane dials: configured, or the advertised address and gRPC port. */
  get grpcEndpoint(): string {
    if (this.config.grpcEndpoint) return this.config.grpcEndpoint;
    const a = this.config.advertiseAddress;
    return `${a.includes(':') ? `[${a}]` : a}:${this.grpcPort}`;
  }

  features(): Required<
    Pick<
      MayastorFeatures,
      | 'asymmetricNamespaceAccess'
      | 'logicalVolumeManager'
      | 'snapshotRebuild'
      | 'rdmaCapableIoEngine'
      | 'partialRebuild'
      | 'nbdFrontend'
      | 'faultInjection'
    >
  > {
    return {
      asymmetricNamespaceAccess: false,
      logicalVolumeManager: false,
      snapshotRebuild: false,
      rdmaCapableIoEngine: false,
      partialRebuild: this.nexuses.available,
      nbdFrontend: this.frontends.nbdAvailable,
      faultInjection: this.config.faultInjection,
    };
  }

  registerRequest(): RegisterRequest {
    return {
      id: this.config.nodeName,
      grpc_endpoint: this.grpcEndpoint,
      instance_uuid: this.instanceUuid,
      api_version: [...API_VERSIONS],
      hostnqn: this.config.hostNqn,
      features: this.features(),
      bugfixes: { nexus_reservation_fix: true },
      version: this.version,
      heartbeat_interval_sec: this.config.registration.intervalSec,
    };
  }

  /** Refuse work once shutdown has begun. */
  assertRunning(): void {
    if (this._state === 'stopping' || this._state === 'stopped') {
      throw engineError(EngineErrors.SHUTTING_DOWN, `io-engine ${this.config.nodeName} is shutting down`);
    }
  }

  // ---------------------------------------------------------------- start

  start(): Promise<void> {
    if (this._state !== 'new') return Promise.reject(new Error(`io-engine already ${this._state}`));
    this.starting = this.doStart();
    return this.starting;
  }

  private async doStart(): Promise<void> {
    this._state = 'starting';
    this.startedAtMs = Date.now();
    const t0 = performance.now();
    try {
      this.lockStateDir();
      this.shares.attach(await this.frontends.startReplicaTarget());
      await this.frontends.startNexusFrontends();
      const restored = await this.pools.restore(this.config.pools);
      for (const f of restored.failed) this.startupIssues.push(`pool ${f} could not be brought up`);
      await this.startGrpc();
      await this.startHttp();
    } catch (e) {
      this.log.error({ err: describeError(e) }, 'io-engine failed to start');
      await this.teardown(false);
      this._state = 'stopped';
      throw e;
    }
    this._state = 'running';
    this.registrar.start();
    this.log.info(
      {
        version: this.version,
        ...this.endpoints,
        grpcEndpoint: this.grpcEndpoint,
        hostNqn: this.config.hostNqn,
        pools: [...this.pools.pools.keys()],
        startupMs: Math.round(performance.now() - t0),
      },
      'io-engine ready',
    );
  }

  /**
   * Two io-engines on one state directory would restore the same pools and overwrite each
   * other's node state and NexusInfo: the directory is held with a lock for the process's life
   * (released by the kernel when it exits, however it exits).
   */
  private lockStateDir(): void {
    const dir = this.config.stateDir;
    if (!dir) return;
    fs.mkdirSync(dir, { recursive: true });
    const fd = fs.openSync(
      path.join(dir, 'io-engine.lock'),
      fs.constants.O_RDWR | fs.constants.O_CREAT,
      0o600,
    );
    const lock = lockExclusive(fd);
    if (lock.result === 'busy') {
      fs.closeSync(fd);
      throw engineError(
        EngineErrors.STATE_DIR_IN_USE,
        `the state directory ${dir} is in use by another io-engine; stop it, or give this one its own --state-dir`,
      );
    }
    if (lock.result === 'unavailable') {
      this.log.warn({ reason: lock.reason }, 'the state directory is not locked');
    }
    this.stateDirLockFd = fd;
  }

  private async startGrpc(): Promise<void> {
    const server = buildGrpcServer(this);
    const { host, port } = parseHostPort(this.config.grpcAddress, 'gRPC address');
    const addr = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    this.grpcPort = await new Promise<number>((resolve, reject) => {
      server.bindAsync(addr, grpc.ServerCredentials.createInsecure(), (err, p) =>
        err
          ? reject(
              engineError(EngineErrors.CONFIG_INVALID, `cannot listen for gRPC on ${addr}: ${err.message}`, {
                cause: err,
              }),
            )
          : resolve(p),
      );
    });
    this.server = server;
  }

  private async startHttp(): Promise<void> {
    if (!this.config.http.address) return;
    const { host, port } = parseHostPort(this.config.http.address, 'HTTP address');
    this.http = new HttpEndpoint({
      host,
      port,
      log: this.log,
      metrics: createMetricsRegistry({
        nodeName: this.config.nodeName,
        version: this.version,
        startedAtMs: this.startedAtMs,
        pools: () => this.poolSamples(),
        replicas: () =>
          this.pools
            .listReplicas()
            .map((v) => ({ name: v.replica.name, pvName: v.replica.entityId, stats: v.replica.stats })),
        volumes: () => this.nexuses.volumeSamples(),
      }),
      health: () => this.health(),
    });
    try {
      await this.http.start();
    } catch (e) {
      throw engineError(
        EngineErrors.CONFIG_INVALID,
        `cannot listen for HTTP on ${this.config.http.address}: ${(e as Error).message}`,
        { cause: e },
      );
    }
  }

  poolSamples(): PoolSample[] {
    return [...this.pools.pools.values()].map((e) => {
      const s = e.pool.status();
      return {
        name: s.name,
        status: POOL_STATUS_VALUE[s.state] ?? 0,
        capacity: s.capacity,
        used: s.used,
        committed: s.committed,
        stats: this.pools.poolStats(e),
      };
    });
  }

  health(): HealthReport {
    const faulted = [...this.pools.pools.values()].filter((e) => e.pool.isFaulted).map((e) => e.pool.name);
    return {
      ready: this._state === 'running',
      state: this._state,
      node: this.config.nodeName,
      registration: this.registrar.state,
      ...(faulted.length ? { faultedPools: faulted } : {}),
      ...(this.startupIssues.length ? { issues: this.startupIssues } : {}),
    };
  }

  // ---------------------------------------------------------------- stop

  /**
   * Graceful shutdown (SIGTERM): stop taking calls, deregister, unpublish and shut nexuses down
   * cleanly, stop sharing, export pools. Idempotent; concurrent calls share one shutdown.
   */
  stop(): Promise<void> {
    if (!this.stopping) this.stopping = this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    // A signal during start-up: let the start finish (or fail), then stop what it brought up.
    await this.starting?.catch(() => undefined);
    if (this._state === 'stopped' || this._state === 'new') {
      this._state = 'stopped';
      return;
    }
    const t0 = performance.now();
    this._state = 'stopping';
    this.log.info('io-engine shutting down');
    await this.teardown(true);
    this._state = 'stopped';
    this.log.info({ ms: Math.round(performance.now() - t0) }, 'io-engine stopped');
  }

  private async teardown(deregister: boolean): Promise<void> {
    const step = async (what: string, fn: () => Promise<unknown>) => {
      try {
        await fn();
      } catch (e) {
        this.log.error({ step: what, err: describeError(e) }, 'shutdown step failed');
      }
    };
    await step('registration', () => this.registrar.stop(deregister));
    await step('grpc', () => this.stopGrpc());
    await step('nexuses', () => this.nexuses.shutdown());
    await step('frontends', () => this.frontends.stopNexusFrontends());
    await step('shares', () => this.shares.stop());
    await step('pools', () => this.pools.shutdown());
    await step('bdevs', () => this.bdevs.shutdown());
    await step('registry', () => this.registry.closeAll());
    await step('http', async () => this.http?.stop());
    if (this.stateDirLockFd !== undefined) {
      fs.closeSync(this.stateDirLockFd); // releases the lock
      this.stateDirLockFd = undefined;
    }
  }

  private async stopGrpc(): Promise<void> {
    const s = this.server;
    if (!s) return;
    this.server = undefined;
    // Let calls in flight finish (bounded), then cut the rest.
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        s.forceShutdown();
        resolve();
      }, 5000);
      s.tryShutdown(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}
