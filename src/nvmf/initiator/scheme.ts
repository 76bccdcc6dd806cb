/**
 * `nvmf://host:port/<subnqn>` and `nvmf+tcp://...` block-device URIs, Mayastor's form for remote
 * nexus children: `nvmf://10.1.0.5:8420/nqn.2019-05.io.openebs:<replica-uuid>?uuid=<replica-uuid>`.
 *
 * Parameters (unknown ones are an error, so a typo never silently becomes a default):
 *   uuid                 the namespace must have this UUID (also the device's uuid)
 *   nsid                 namespace ID (default: the first active one)
 *   nr_io_queues         I/O queues to ask for (default 2)
 *   queue_size           entries per I/O queue (default 128)
 *   hdgst, ddgst         header / data digests: true|false|1|0 (default false)
 *   io_timeout_ms        per-command I/O timeout (default 5000)
 *   admin_timeout_ms     per-command admin timeout (default 5000)
 *   kato_ms              keep-alive timeout, 0 = off (default 10000)
 *   ctrl_loss_tmo_ms     stop reconnecting after this long (default 600000)
 *   fast_io_fail_tmo_ms  hold I/O this long while reconnecting (default 0: fail at once)
 *   reconnect_delay_ms   first reconnect delay, doubling up to 5 s (default 250)
 *   max_transfer_bytes   largest transfer per command (default 1 MiB, capped by MDTS)
 */
import { bdevError, BdevErrors } from '../../bdev/errors.js';
import { checkParams, type ParsedUri } from '../../bdev/uri.js';
import type { BdevRegistry, SchemeHandler } from '../../bdev/registry.js';
import type { Logger } from '../../core/log.js';
import { NvmfBlockDevice } from './device.js';
import { checkNqn, NVMF_DEFAULT_PORT, resolveOptions, type NvmfInitiatorOptions } from './options.js';
import { isUuid } from '../../core/uuid.js';
import { formatHostPort } from '../../core/hostport.js';

export const NVMF_SCHEMES = ['nvmf', 'nvmf+tcp'] as const;

const PARAMS = [
  'uuid',
  'nsid',
  'nr_io_queues',
  'queue_size',
  'hdgst',
  'ddgst',
  'io_timeout_ms',
  'admin_timeout_ms',
  'kato_ms',
  'ctrl_loss_tmo_ms',
  'fast_io_fail_tmo_ms',
  'reconnect_delay_ms',
  'max_transfer_bytes',
] as const;

/** Options every device of a registry shares (our identity); URI parameters override the rest. */
export type NvmfSchemeOptions = Omit<NvmfInitiatorOptions, 'host' | 'port' | 'subnqn' | 'name' | 'log'> & {
  log?: Logger;
};

function invalid(u: ParsedUri, msg: string): never {
  throw bdevError(BdevErrors.URI_INVALID, `'${u.uri}': ${msg}`);
}

function uint(u: ParsedUri, key: string): number | undefined {
  const v = u.params.get(key);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v)))
    invalid(u, `${key}=${v} is not a non-negative integer`);
  return Number(v);
}

function bool(u: ParsedUri, key: string): boolean | undefined {
  const v = u.params.get(key);
  if (v === undefined) return undefined;
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  return invalid(u, `${key}=${v} must be true, false, 1 or 0`);
}

/**
 * Split the URI's `host[:port]` (IPv6 in brackets). Not core's parseHostPort: that one parses
 * listen addresses, where a bare port means "all addresses"; a target to connect to needs a host.
 */
function hostPort(u: ParsedUri): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+))(?::(\d+))?$/.exec(u.host);
  if (!m) invalid(u, `expected nvmf://host[:port]/<subsystem NQN>`);
  const port = m[3] === undefined ? NVMF_DEFAULT_PORT : Number(m[3]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) invalid(u, `port ${m[3]} is out of range`);
  return { host: m[1] ?? m[2]!, port };
}

/** Turn a parsed nvmf:// URI into initiator options (without connecting). */
export function nvmfOptionsFromUri(u: ParsedUri, base: NvmfSchemeOptions = {}): NvmfInitiatorOptions {
  if (!(NVMF_SCHEMES as readonly string[]).includes(u.scheme)) {
    invalid(u, `not an NVMe-oF/TCP URI (expected ${NVMF_SCHEMES.map((s) => s + '://').join(' or ')})`);
  }
  checkParams(u, PARAMS);
  const { host, port } = hostPort(u);
  const subnqn = u.path.replace(/^\/+/, '');
  if (subnqn === '' || subnqn.includes('/')) invalid(u, 'expected nvmf://host:port/<subsystem NQN>');
  try {
    checkNqn('subsystem NQN', subnqn);
  } catch (e) {
    invalid(u, (e as Error).message);
  }
  const uuid = u.params.get('uuid');
  if (uuid !== undefined && !isUuid(uuid)) invalid(u, `uuid=${uuid} is not a UUID`);
  const nsid = uint(u, 'nsid');
  if (nsid === 0) invalid(u, 'nsid=0 is not a namespace ID');
  const o: NvmfInitiatorOptions = {
    ...base,
    host,
    port,
    subnqn,
    name: nvmfDeviceName(host, port, subnqn),
  };
  const set = <K extends keyof NvmfInitiatorOptions>(k: K, v: NvmfInitiatorOptions[K] | undefined) => {
    if (v !== undefined) o[k] = v;
  };
  set('uuid', uuid?.toLowerCase());
  set('nsid', nsid);
  set('ioQueues', uint(u, 'nr_io_queues'));
  set('queueSize', uint(u, 'queue_size'));
  set('headerDigest', bool(u, 'hdgst'));
  set('dataDigest', bool(u, 'ddgst'));
  set('ioTimeoutMs', uint(u, 'io_timeout_ms'));
  set('adminTimeoutMs', uint(u, 'admin_timeout_ms'));
  set('keepAliveTimeoutMs', uint(u, 'kato_ms'));
  set('ctrlLossTimeoutMs', uint(u, 'ctrl_loss_tmo_ms'));
  set('fastIoFailTimeoutMs', uint(u, 'fast_io_fail_tmo_ms'));
  set('reconnectDelayMs', uint(u, 'reconnect_delay_ms'));
  set('maxTransferBytes', uint(u, 'max_transfer_bytes'));
  try {
    resolveOptions(o); // range checks, reported against the URI
  } catch (e) {
    invalid(u, (e as Error).message);
  }
  return o;
}

/** The registry name of a remote namespace: the same for nvmf:// and nvmf+tcp://. */
export function nvmfDeviceName(host: string, port: number, subnqn: string): string {
  return `nvmf://${formatHostPort(host, port)}/${subnqn}`;
}

/**
 * Teach a registry the nvmf:// and nvmf+tcp:// schemes. `options` carries what all its devices
 * share, above all our host NQN (Mayastor's io-engine uses `nqn.2019-05.io.openebs:node-name:<node>`).
 */
export function registerNvmfScheme(registry: BdevRegistry, options: NvmfSchemeOptions = {}): void {
  const handler: SchemeHandler = {
    nameOf(u) {
      const o = nvmfOptionsFromUri(u, options);
      return o.name!;
    },
    async create(u, ctx) {
      const o = nvmfOptionsFromUri(u, options);
      return NvmfBlockDevice.connect({ ...o, log: options.log ?? ctx.log });
    },
  };
  for (const s of NVMF_SCHEMES) registry.registerScheme(s, handler);
}
