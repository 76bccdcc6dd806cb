/**
 * io-engine configuration: defaults, a YAML or JSON file, and command-line flags, merged in that
 * order (flags win). Everything is validated up front so that a typo stops the daemon at start
 * with a message naming the setting, instead of surfacing later as a strange failure.
 */
import { DEFAULT_GRPC_PORT } from '../api/ports.js';
import fs from 'node:fs';
import os from 'node:os';
import net from 'node:net';
import { parse as parseYaml } from 'yaml';
import type { LevelWithSilent } from 'pino';
import { engineError, EngineErrors } from './errors.js';
import { isUuid } from '../core/uuid.js';
import { parseHostPort as coreParseHostPort } from '../core/hostport.js';

export interface PoolConfig {
  name: string;
  /** Disk URI: /dev/sdb, aio:///path, uring:///dev/nvme0n1, ... */
  disk: string;
  uuid?: string;
}

export interface EngineConfig {
  /** Node name: the io-engine's id at registration, part of its host NQN. */
  nodeName: string;
  /** gRPC listen address, host:port (port 0 picks one). */
  grpcAddress: string;
  /** host:port the control plane should dial; default advertiseAddress and the bound gRPC port. */
  grpcEndpoint?: string;
  /** Address other nodes reach this one at: written into replica share URIs. */
  advertiseAddress: string;
  /** Address hosts reach published nexuses at (device_uri, NVMe discovery); default advertiseAddress. */
  nexusAdvertiseAddress: string;
  nvmf: {
    /** Listen addresses of the NVMe-oF/TCP targets. */
    addresses: string[];
    /** Port of the replica target (Mayastor: 8420). */
    replicaPort: number;
    /** Port of the nexus target (Mayastor: 4421). */
    nexusPort: number;
  };
  nbd: {
    enabled: boolean;
    addresses: string[];
    port: number;
  };
  http: {
    /** host:port of the health and Prometheus endpoint, or undefined when disabled. */
    address: string | undefined;
  };
  registration: {
    /** host:port of the control plane's Registration service; undefined runs standalone. */
    endpoint: string | undefined;
    intervalSec: number;
  };
  /** Node state (pools and shares to restore at start, NexusInfo files); undefined keeps nothing. */
  stateDir: string | undefined;
  /** Pools to import at start (created if the disk is empty and `create` is set). */
  pools: PoolConfig[];
  /** NVMe host NQN used when connecting to remote replicas. */
  hostNqn: string;
  logLevel: LevelWithSilent;
  /** Accept TestRpc fault injection (tests only). */
  faultInjection: boolean;
  nexus: {
    /** Per-I/O timeout of nexus children, ms (Mayastor: 5 s). */
    childIoTimeoutMs: number;
  };
}

export { DEFAULT_GRPC_PORT };
export const DEFAULT_REPLICA_PORT = 8420;
export const DEFAULT_NEXUS_PORT = 4421;
export const DEFAULT_NBD_PORT = 10809;
export const DEFAULT_HTTP_PORT = 9052;
export const DEFAULT_STATE_DIR = '/var/lib/mayastor-ts/io-engine';
const LOG_LEVELS: LevelWithSilent[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Mayastor's host NQN form. */
export function hostNqnFor(nodeName: string): string {
  return `nqn.2019-05.io.openebs:node-name:${nodeName}`;
}

/** Settings as they come from a file or flags: everything optional. */
export interface PartialConfig {
  nodeName?: string;
  grpcAddress?: string;
  grpcEndpoint?: string;
  advertiseAddress?: string;
  nexusAdvertiseAddress?: string;
  nvmf?: { addresses?: string[]; replicaPort?: number; nexusPort?: number };
  nbd?: { enabled?: boolean; addresses?: string[]; port?: number };
  http?: { address?: string | null };
  registration?: { endpoint?: string | null; intervalSec?: number };
  stateDir?: string | null;
  pools?: PoolConfig[];
  hostNqn?: string;
  logLevel?: string;
  faultInjection?: boolean;
  nexus?: { childIoTimeoutMs?: number };
}

function bad(msg: string): never {
  throw engineError(EngineErrors.CONFIG_INVALID, msg);
}

/** Read a YAML or JSON config file (YAML is a superset of JSON, so one parser reads both). */
export function readConfigFile(file: string): PartialConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    bad(`cannot read config file ${file}: ${(e as Error).message}`);
  }
  let v: unknown;
  try {
    v = parseYaml(text);
  } catch (e) {
    bad(`config file ${file} is not valid YAML or JSON: ${(e as Error).message}`);
  }
  if (v === null || v === undefined) return {};
  if (typeof v !== 'object' || Array.isArray(v)) bad(`config file ${file}: expected a mapping at the top`);
  return checkKeys(v as Record<string, unknown>, file);
}

const TOP_KEYS = [
  'nodeName',
  'grpcAddress',
  'grpcEndpoint',
  'advertiseAddress',
  'nexusAdvertiseAddress',
  'nvmf',
  'nbd',
  'http',
  'registration',
  'stateDir',
  'pools',
  'hostNqn',
  'logLevel',
  'faultInjection',
  'nexus',
];
const SUB_KEYS: Record<string, string[]> = {
  nvmf: ['addresses', 'replicaPort', 'nexusPort'],
  nbd: ['enabled', 'addresses', 'port'],
  http: ['address'],
  registration: ['endpoint', 'intervalSec'],
  nexus: ['childIoTimeoutMs'],
};

/** Unknown keys are errors: a misspelt setting must not silently become a default. */
function checkKeys(v: Record<string, unknown>, where: string): PartialConfig {
  for (const k of Object.keys(v)) {
    if (!TOP_KEYS.includes(k)) bad(`${where}: unknown setting '${k}' (known: ${TOP_KEYS.join(', ')})`);
    const sub = SUB_KEYS[k];
    if (sub && v[k] !== null && v[k] !== undefined) {
      if (typeof v[k] !== 'object' || Array.isArray(v[k])) bad(`${where}: '${k}' must be a mapping`);
      for (const s of Object.keys(v[k] as object)) {
        if (!sub.includes(s)) bad(`${where}: unknown setting '${k}.${s}' (known: ${sub.join(', ')})`);
      }
    }
  }
  if (v.pools !== undefined) {
    if (!Array.isArray(v.pools)) bad(`${where}: 'pools' must be a list of {name, disk}`);
    v.pools.forEach((p: unknown, i: number) => {
      if (typeof p !== 'object' || p === null) bad(`${where}: pools[${i}] must be a mapping {name, disk}`);
      for (const k of Object.keys(p)) {
        if (!['name', 'disk', 'uuid'].includes(k)) bad(`${where}: pools[${i}]: unknown setting '${k}'`);
      }
    });
  }
  return v as PartialConfig;
}

/** Parse `name=disk` or `name=disk,uuid=<uuid>` (the --pool flag). */
export function parsePoolFlag(s: string): PoolConfig {
  const eq = s.indexOf('=');
  if (eq <= 0) bad(`--pool '${s}': expected NAME=DISK_URI, e.g. pool-1=/dev/sdb`);
  const name = s.slice(0, eq);
  let disk = s.slice(eq + 1);
  let uuid: string | undefined;
  const m = /^(.*),uuid=([^,]+)$/.exec(disk);
  if (m) {
    disk = m[1]!;
    uuid = m[2]!;
  }
  return uuid ? { name, disk, uuid } : { name, disk };
}

function splitHostPort(s: string, what: string): { host: string; port: number } {
  try {
    return coreParseHostPort(s, { what });
  } catch (e) {
    bad((e as Error).message);
  }
}

export function parseHostPort(s: string, what = 'address'): { host: string; port: number } {
  return splitHostPort(s, what);
}

function checkPort(p: unknown, what: string): number {
  if (typeof p !== 'number' || !Number.isInteger(p) || p < 0 || p > 65535)
    bad(`${what} must be a TCP port number 0..65535 (0 picks a free one), not ${JSON.stringify(p)}`);
  return p;
}

function checkAddress(a: unknown, what: string): string {
  if (typeof a !== 'string' || (net.isIP(a) === 0 && !/^[A-Za-z0-9.-]+$/.test(a)))
    bad(`${what} '${String(a)}' is not an IP address or host name`);
  return a;
}

function isWildcard(a: string): boolean {
  return a === '0.0.0.0' || a === '::' || a === '';
}

/** The first non-internal IPv4 address of this host, for the default advertised address. */
function firstExternalIpv4(): string | undefined {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

/** Merge file and flag settings over the defaults and validate the result. */
export function resolveConfig(...layers: PartialConfig[]): EngineConfig {
  const pick = <T>(get: (c: PartialConfig) => T | undefined, dflt: T): T => {
    let v = dflt;
    for (const l of layers) {
      const x = get(l);
      if (x !== undefined) v = x;
    }
    return v;
  };
  const nodeName = pick((c) => c.nodeName, os.hostname());
  if (typeof nodeName !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(nodeName))
    bad(`node name '${String(nodeName)}' must be 1-63 characters of letters, digits, '.', '_' and '-'`);
  const grpcAddress = pick((c) => c.grpcAddress, `0.0.0.0:${DEFAULT_GRPC_PORT}`);
  splitHostPort(grpcAddress, 'gRPC address');
  const grpcEndpoint = pick((c) => c.grpcEndpoint, undefined as string | undefined);
  if (grpcEndpoint !== undefined) splitHostPort(grpcEndpoint, 'gRPC endpoint');

  const nvmfAddresses = pick((c) => c.nvmf?.addresses, ['0.0.0.0']);
  if (!Array.isArray(nvmfAddresses) || nvmfAddresses.length === 0)
    bad('nvmf.addresses must list at least one address');
  nvmfAddresses.forEach((a, i) => checkAddress(a, `nvmf.addresses[${i}]`));
  const replicaPort = checkPort(
    pick((c) => c.nvmf?.replicaPort, DEFAULT_REPLICA_PORT),
    'nvmf.replicaPort',
  );
  const nexusPort = checkPort(
    pick((c) => c.nvmf?.nexusPort, DEFAULT_NEXUS_PORT),
    'nvmf.nexusPort',
  );
  if (replicaPort !== 0 && replicaPort === nexusPort)
    bad(`the replica and nexus NVMe-oF ports must differ (both are ${replicaPort})`);

  const nbdEnabled = pick((c) => c.nbd?.enabled, true);
  const nbdAddresses = pick((c) => c.nbd?.addresses, nvmfAddresses);
  nbdAddresses.forEach((a, i) => checkAddress(a, `nbd.addresses[${i}]`));
  const nbdPort = checkPort(
    pick((c) => c.nbd?.port, DEFAULT_NBD_PORT),
    'nbd.port',
  );

  const httpRaw = pick((c) => c.http?.address, `0.0.0.0:${DEFAULT_HTTP_PORT}` as string | null);
  const httpAddress = httpRaw === null || httpRaw === 'none' || httpRaw === '' ? undefined : httpRaw;
  if (httpAddress !== undefined) splitHostPort(httpAddress, 'HTTP address');

  const regRaw = pick((c) => c.registration?.endpoint, null as string | null);
  const regEndpoint = regRaw === null || regRaw === '' ? undefined : regRaw;
  if (regEndpoint !== undefined) splitHostPort(regEndpoint, 'registration endpoint');
  const intervalSec = pick((c) => c.registration?.intervalSec, 5);
  if (typeof intervalSec !== 'number' || !(intervalSec >= 1 && intervalSec <= 3600))
    bad(`registration.intervalSec must be 1..3600 seconds, not ${JSON.stringify(intervalSec)}`);

  const stateRaw = pick((c) => c.stateDir, DEFAULT_STATE_DIR as string | null);
  const stateDir = stateRaw === null || stateRaw === '' || stateRaw === 'none' ? undefined : stateRaw;

  const pools = pick((c) => c.pools, [] as PoolConfig[]);
  const names = new Set<string>();
  pools.forEach((p, i) => {
    if (typeof p.name !== 'string' || p.name === '') bad(`pools[${i}]: name is required`);
    if (typeof p.disk !== 'string' || p.disk === '') bad(`pools[${i}] (${p.name}): disk is required`);
    if (p.uuid !== undefined && !isUuid(p.uuid))
      bad(`pools[${i}] (${p.name}): uuid '${p.uuid}' is not a UUID`);
    if (names.has(p.name)) bad(`pools: '${p.name}' is listed twice`);
    names.add(p.name);
  });

  const hostNqn = pick((c) => c.hostNqn, hostNqnFor(nodeName));
  if (!/^nqn\.\d{4}-\d{2}\.[^:]+:.+$/.test(hostNqn) || hostNqn.length > 223)
    bad(`host NQN '${hostNqn}' is not a valid NQN (nqn.yyyy-mm.reverse-domain:name)`);
  const logLevel = pick((c) => c.logLevel, 'info') as LevelWithSilent;
  if (!LOG_LEVELS.includes(logLevel)) bad(`log level '${logLevel}' must be one of ${LOG_LEVELS.join(', ')}`);
  const faultInjection = pick((c) => c.faultInjection, false);
  const childIoTimeoutMs = pick((c) => c.nexus?.childIoTimeoutMs, 5000);
  if (!Number.isInteger(childIoTimeoutMs) || childIoTimeoutMs < 0)
    bad(`nexus.childIoTimeoutMs must be a non-negative integer (0 disables it)`);

  const specific = nvmfAddresses.find((a) => !isWildcard(a));
  const advertiseAddress = checkAddress(
    pick((c) => c.advertiseAddress, specific ?? firstExternalIpv4() ?? '127.0.0.1'),
    'advertise address',
  );
  const nexusAdvertiseAddress = checkAddress(
    pick((c) => c.nexusAdvertiseAddress, advertiseAddress),
    'nexus advertise address',
  );

  return {
    nodeName,
    grpcAddress,
    ...(grpcEndpoint !== undefined ? { grpcEndpoint } : {}),
    advertiseAddress,
    nexusAdvertiseAddress,
    nvmf: { addresses: nvmfAddresses, replicaPort, nexusPort },
    nbd: { enabled: nbdEnabled, addresses: nbdAddresses, port: nbdPort },
    http: { address: httpAddress },
    registration: { endpoint: regEndpoint, intervalSec },
    stateDir,
    pools,
    hostNqn,
    logLevel,
    faultInjection,
    nexus: { childIoTimeoutMs },
  };
}
