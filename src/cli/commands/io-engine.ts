/**
 * `mayastor-ts io-engine`: run the io-engine daemon of a storage node.
 *
 * Settings come from defaults, then `--config FILE` (YAML or JSON), then flags. See
 * docs/io-engine.md for every setting.
 */
import type { Command } from 'commander';
import { invalidArgument } from '../../core/errors.js';
import {
  parsePoolFlag,
  readConfigFile,
  resolveConfig,
  type PartialConfig,
  type PoolConfig,
} from '../../engine/config.js';
import { runDaemon } from '../../engine/daemon.js';

const collect = (v: string, prev: string[] = []) => [...prev, v];

function port(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n > 65535) throw invalidArgument(`'${v}' is not a TCP port`);
  return n;
}

interface Flags {
  config?: string;
  nodeName?: string;
  grpcAddress?: string;
  grpcEndpoint?: string;
  advertiseAddress?: string;
  nexusAdvertiseAddress?: string;
  nvmfAddress?: string[];
  nvmfReplicaPort?: string;
  nvmfNexusPort?: string;
  nbd?: boolean;
  nbdAddress?: string[];
  nbdPort?: string;
  httpAddress?: string;
  registrationEndpoint?: string;
  registrationInterval?: string;
  stateDir?: string;
  pool?: string[];
  hostNqn?: string;
  logLevel?: string;
  enableFaultInjection?: boolean;
  childIoTimeoutMs?: string;
}

/** Flags as a config layer (only what was given). */
export function flagsToConfig(f: Flags): PartialConfig {
  const c: PartialConfig = {};
  if (f.nodeName !== undefined) c.nodeName = f.nodeName;
  if (f.grpcAddress !== undefined) c.grpcAddress = f.grpcAddress;
  if (f.grpcEndpoint !== undefined) c.grpcEndpoint = f.grpcEndpoint;
  if (f.advertiseAddress !== undefined) c.advertiseAddress = f.advertiseAddress;
  if (f.nexusAdvertiseAddress !== undefined) c.nexusAdvertiseAddress = f.nexusAdvertiseAddress;
  if (f.nvmfAddress || f.nvmfReplicaPort || f.nvmfNexusPort) {
    c.nvmf = {
      ...(f.nvmfAddress ? { addresses: f.nvmfAddress } : {}),
      ...(f.nvmfReplicaPort !== undefined ? { replicaPort: port(f.nvmfReplicaPort) } : {}),
      ...(f.nvmfNexusPort !== undefined ? { nexusPort: port(f.nvmfNexusPort) } : {}),
    };
  }
  if (f.nbd === false || f.nbdAddress || f.nbdPort !== undefined) {
    c.nbd = {
      ...(f.nbd === false ? { enabled: false } : {}),
      ...(f.nbdAddress ? { addresses: f.nbdAddress } : {}),
      ...(f.nbdPort !== undefined ? { port: port(f.nbdPort) } : {}),
    };
  }
  if (f.httpAddress !== undefined) c.http = { address: f.httpAddress };
  if (f.registrationEndpoint !== undefined || f.registrationInterval !== undefined) {
    c.registration = {
      ...(f.registrationEndpoint !== undefined ? { endpoint: f.registrationEndpoint } : {}),
      ...(f.registrationInterval !== undefined ? { intervalSec: Number(f.registrationInterval) } : {}),
    };
  }
  if (f.stateDir !== undefined) c.stateDir = f.stateDir;
  if (f.pool) c.pools = f.pool.map(parsePoolFlag) as PoolConfig[];
  if (f.hostNqn !== undefined) c.hostNqn = f.hostNqn;
  if (f.logLevel !== undefined) c.logLevel = f.logLevel;
  if (f.enableFaultInjection) c.faultInjection = true;
  if (f.childIoTimeoutMs !== undefined) c.nexus = { childIoTimeoutMs: Number(f.childIoTimeoutMs) };
  return c;
}

export function registerIoEngineCommand(program: Command): void {
  program
    .command('io-engine')
    .description('run the io-engine daemon of a storage node (gRPC API, NVMe-oF and NBD targets)')
    .option('-c, --config <file>', 'YAML or JSON config file (flags override it)')
    .option('-N, --node-name <name>', 'node name (default: the host name)')
    .option('-g, --grpc-address <host:port>', 'gRPC listen address (default 0.0.0.0:10124)')
    .option('--grpc-endpoint <host:port>', 'gRPC endpoint announced to the control plane')
    .option('--advertise-address <ip>', 'address other nodes reach replicas at')
    .option('--nexus-advertise-address <ip>', 'address hosts reach published nexuses at')
    .option('--nvmf-address <ip>', 'NVMe-oF listen address (repeatable; default 0.0.0.0)', collect)
    .option('--nvmf-replica-port <port>', 'NVMe-oF port for replicas (default 8420)')
    .option('--nvmf-nexus-port <port>', 'NVMe-oF port for published nexuses (default 4421)')
    .option('--no-nbd', 'do not serve NBD')
    .option('--nbd-address <ip>', 'NBD listen address (repeatable; default: the NVMe-oF addresses)', collect)
    .option('--nbd-port <port>', 'NBD port (default 10809)')
    .option(
      '--http-address <host:port>',
      "health and metrics endpoint (default 0.0.0.0:9052; 'none' disables)",
    )
    .option(
      '-R, --registration-endpoint <host:port>',
      'control-plane registration endpoint (default: standalone)',
    )
    .option('--registration-interval <seconds>', 'heartbeat interval (default 5)')
    .option(
      '--state-dir <dir>',
      "node state: pools, shares, NexusInfo (default /var/lib/mayastor-ts/io-engine; 'none')",
    )
    .option(
      '-P, --pool <name=disk>',
      'pool to create or import at start, e.g. pool-1=/dev/sdb (repeatable)',
      collect,
    )
    .option('--host-nqn <nqn>', 'NVMe host NQN (default nqn.2019-05.io.openebs:node-name:<node>)')
    .option('--log-level <level>', 'fatal, error, warn, info, debug or trace (default info)')
    .option('--enable-fault-injection', 'accept TestRpc fault injection (tests only)')
    .option('--child-io-timeout-ms <ms>', 'per-I/O timeout of nexus children (default 5000; 0 disables)')
    .action(async (f: Flags) => {
      const fileCfg = f.config ? readConfigFile(f.config) : {};
      const config = resolveConfig(fileCfg, flagsToConfig(f));
      await runDaemon(config);
    });
}
