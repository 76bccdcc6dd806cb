/**
 * The NBD server: one TCP listener, any number of named exports, each serving a BlockDevice.
 *
 *   const server = new NbdServer({ log, allow: ['10.0.0.0/8'] });
 *   server.addExport('vol1', device, { description: 'volume 1' });
 *   await server.listen({ host: '0.0.0.0', port: 10809 });
 *   ...
 *   await server.removeExport('vol1');   // its clients finish in-flight I/O and are disconnected
 *   await server.close();                // same for everyone, then the listener goes away
 *
 * The server never opens or closes devices: whoever owns them (the CLI, the io-engine) does, after
 * `removeExport`/`close` resolved, at which point no request of ours is running on them.
 */
import net from 'node:net';
import tls from 'node:tls';
import { silentLogger, type Logger } from '../core/log.js';
import { invalidArgument } from '../core/errors.js';
import type { BlockDevice } from '../bdev/types.js';
import { AllowList } from './allowlist.js';
import {
  NbdConnection,
  type ConnectionContext,
  type ConnectionLimits,
  type NbdExport,
  type ServerCounters,
  type ServerTls,
} from './connection.js';
import { nbdError, NbdErrors } from './errors.js';
import { DEFAULT_MAX_PAYLOAD, MAX_STRING_LEN } from './protocol.js';

export interface ExportOptions {
  /** Shown by NBD_OPT_LIST and NBD_INFO_DESCRIPTION (e.g. `nbdinfo --list`). */
  description?: string;
  /** Refuse writes, trims and write-zeroes with EPERM and advertise NBD_FLAG_READ_ONLY. */
  readOnly?: boolean;
  /** Also serve this export to clients asking for the default export (empty name). */
  default?: boolean;
  /**
   * Whether write-zeroes (without NO_HOLE) is much cheaper than writing zeros on this device,
   * which is what NBD_CMD_FLAG_FAST_ZERO asks. Default: true for RAM disks (they drop whole
   * chunks), false otherwise (files get zeros written, so fast-zero requests fail fast with
   * ENOTSUP and clients fall back, as the spec intends).
   */
  fastZero?: boolean;
}

export interface NbdServerOptions {
  log?: Logger;
  /** Client addresses / CIDR subnets allowed to connect; absent = everyone. */
  allow?: readonly string[];
  /** Largest read/write payload, advertised as the maximum block size. Default 32 MiB. */
  maxPayload?: number;
  /** Requests executing at once per connection. Default 256. */
  maxInflight?: number;
  /** Connections at once; more are refused at accept. Default 1024. */
  maxConnections?: number;
  /** Time allowed for negotiation. Default 30 s. */
  handshakeTimeoutMs?: number;
  /** Options allowed per negotiation. Default 4096. */
  maxOptions?: number;
  /**
   * Require TLS (NBD_OPT_STARTTLS) of every client: PEM certificate chain and key of the server;
   * with `ca`, clients must also present a certificate signed by it.
   */
  tls?: { cert: string | Buffer; key: string | Buffer; ca?: string | Buffer };
}

export interface ListenOptions {
  host?: string;
  /** 0 picks a free port; see `address` afterwards. */
  port: number;
}

export interface ExportInfo {
  name: string;
  device: string;
  size: number;
  blockSize: number;
  readOnly: boolean;
  default: boolean;
  connections: number;
}

interface ExportEntry extends NbdExport {
  readonly connections: Set<NbdConnection>;
}

export class NbdServer {
  readonly log: Logger;
  private readonly exports = new Map<string, ExportEntry>();
  private defaultName: string | undefined;
  private readonly connections = new Set<NbdConnection>();
  private readonly allow: AllowList | undefined;
  private readonly limits: ConnectionLimits;
  private readonly maxConnections: number;
  private server: net.Server | undefined;
  private stopping = false;
  readonly counters: ServerCounters = {
    connectionsAccepted: 0,
    connectionsRefused: 0,
    optionsReceived: 0,
    requestsReceived: 0,
    requestErrors: 0,
    protocolViolations: 0,
  };
  private readonly ctx: ConnectionContext;
  private readonly tls: ServerTls | undefined;

  constructor(options: NbdServerOptions = {}) {
    this.log = options.log ?? silentLogger();
    this.allow = options.allow ? new AllowList(options.allow) : undefined;
    const maxPayload = options.maxPayload ?? DEFAULT_MAX_PAYLOAD;
    if (!Number.isSafeInteger(maxPayload) || maxPayload < 4096 || maxPayload > 0x7fffffff) {
      throw invalidArgument(`NBD maxPayload ${maxPayload} must be between 4 KiB and 2 GiB`);
    }
    if (options.maxInflight !== undefined && !(options.maxInflight >= 1)) {
      throw invalidArgument(`NBD maxInflight ${options.maxInflight} must be at least 1`);
    }
    this.limits = {
      maxPayload,
      maxInflight: options.maxInflight ?? 256,
      maxInflightBytes: Math.max(64 * 1024 * 1024, maxPayload),
      maxQueuedReplyBytes: 16 * 1024 * 1024,
      maxOptions: options.maxOptions ?? 4096,
      handshakeTimeoutMs: options.handshakeTimeoutMs ?? 30_000,
    };
    this.maxConnections = options.maxConnections ?? 1024;
    if (options.tls) {
      try {
        this.tls = {
          secureContext: tls.createSecureContext({
            cert: options.tls.cert,
            key: options.tls.key,
            ca: options.tls.ca,
            minVersion: 'TLSv1.2',
          }),
          requestCert: options.tls.ca !== undefined,
        };
      } catch (e) {
        throw invalidArgument(`NBD TLS: cannot use the certificate or key: ${(e as Error).message}`);
      }
    }
    // The context hands connections exactly what they need, without exposing the server.
    const isStopping = (): boolean => this.stopping;
    this.ctx = {
      log: this.log,
      tls: this.tls,
      limits: this.limits,
      counters: this.counters,
      get shuttingDown() {
        return isStopping();
      },
      lookup: (name) => this.lookup(name),
      list: () => [...this.exports.values()],
      attached: (conn, exp) => {
        const e = this.exports.get(exp.name);
        if (e === exp) e.connections.add(conn);
      },
      closed: (conn) => {
        this.connections.delete(conn);
        for (const e of this.exports.values()) e.connections.delete(conn);
        // Connections that carried I/O are worth a line at info; probes and refusals are not.
        const level = conn.exportName === undefined ? 'debug' : 'info';
        this.log[level](
          { conn: conn.id, client: conn.remote, export: conn.exportName, ...conn.stats },
          'connection closed',
        );
      },
    };
  }

  /** Serve `device` as `name`. Names are UTF-8 strings up to 4096 bytes without NUL. */
  addExport(name: string, device: BlockDevice, options: ExportOptions = {}): void {
    if (this.stopping) throw nbdError(NbdErrors.SERVER_STOPPED, 'the NBD server is shutting down');
    if (Buffer.byteLength(name, 'utf8') > MAX_STRING_LEN || name.includes('\0')) {
      throw nbdError(
        NbdErrors.EXPORT_NAME_INVALID,
        `export name must be at most ${MAX_STRING_LEN} bytes of UTF-8 without NUL`,
      );
    }
    if (this.exports.has(name)) {
      throw nbdError(NbdErrors.EXPORT_EXISTS, `an NBD export named '${name}' already exists`, {
        details: { name },
      });
    }
    const entry: ExportEntry = {
      name,
      device,
      description: options.description ?? '',
      readOnly: options.readOnly ?? false,
      fastZero: options.fastZero ?? device.driver === 'malloc',
      connections: new Set(),
    };
    this.exports.set(name, entry);
    if (options.default) this.defaultName = name;
    this.log.info(
      { export: name, device: device.name, size: device.size, readOnly: entry.readOnly },
      'NBD export added',
    );
  }

  /**
   * Stop serving an export: new clients cannot select it; its connected clients get their
   * in-flight requests answered, ESHUTDOWN for anything later, and are disconnected.
   * Resolves when none of them is left.
   */
  async removeExport(name: string): Promise<void> {
    const e = this.exports.get(name);
    if (!e) throw nbdError(NbdErrors.EXPORT_NOT_FOUND, `no NBD export named '${name}'`);
    this.exports.delete(name);
    if (this.defaultName === name) this.defaultName = undefined;
    await Promise.all([...e.connections].map((c) => c.stop()));
    this.log.info({ export: name }, 'NBD export removed');
  }

  listExports(): ExportInfo[] {
    return [...this.exports.values()].map((e) => ({
      name: e.name,
      device: e.device.name,
      size: e.device.size,
      blockSize: e.device.blockSize,
      readOnly: e.readOnly,
      default: e.name === this.defaultName,
      connections: e.connections.size,
    }));
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  private lookup(name: string): NbdExport | undefined {
    const e = this.exports.get(name);
    if (e) return e;
    if (name === '' && this.defaultName !== undefined) return this.exports.get(this.defaultName);
    return undefined;
  }

  listen(options: ListenOptions): Promise<net.AddressInfo> {
    if (this.server) throw nbdError(NbdErrors.LISTEN_FAILED, 'the NBD server is already listening');
    if (this.stopping) throw nbdError(NbdErrors.SERVER_STOPPED, 'the NBD server is shutting down');
    // allowHalfOpen: a client that shuts down its sending side still gets its replies.
    const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (s) => this.accept(s));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', (e) => {
        this.server = undefined;
        reject(
          nbdError(
            NbdErrors.LISTEN_FAILED,
            `cannot listen on ${options.host ?? '*'}:${options.port}: ${(e as Error).message}`,
            { cause: e },
          ),
        );
      });
      server.listen({ host: options.host, port: options.port }, () => {
        server.removeAllListeners('error');
        server.on('error', (e) => this.log.error({ err: e.message }, 'NBD listener error'));
        const addr = server.address() as net.AddressInfo;
        this.log.info(
          {
            address: addr.address,
            port: addr.port,
            tls: this.tls ? (this.tls.requestCert ? 'client-cert' : 'required') : 'off',
          },
          'NBD server listening',
        );
        resolve(addr);
      });
    });
  }

  get address(): net.AddressInfo | undefined {
    return (this.server?.address() as net.AddressInfo | null) ?? undefined;
  }

  private accept(socket: net.Socket): void {
    const remote = socket.remoteAddress;
    if (this.stopping) {
      socket.destroy();
      return;
    }
    if (this.allow && !this.allow.allows(remote)) {
      this.counters.connectionsRefused++;
      this.log.warn({ client: remote, allow: this.allow.entries }, 'refused NBD client: address not allowed');
      socket.destroy();
      return;
    }
    if (this.connections.size >= this.maxConnections) {
      this.counters.connectionsRefused++;
      this.log.warn({ client: remote, max: this.maxConnections }, 'refused NBD client: too many connections');
      socket.destroy();
      return;
    }
    this.counters.connectionsAccepted++;
    const conn = new NbdConnection(socket, this.ctx);
    this.connections.add(conn);
    conn.log.debug('client connected');
    conn.start();
  }

  /**
   * Stop: no new connections; every client gets its in-flight requests answered (later ones
   * ESHUTDOWN) and is disconnected. Clients still negotiating get NBD_REP_ERR_SHUTDOWN. Whatever
   * is still connected after `graceMs` is cut off, but device I/O already started is always
   * waited for, so the caller may close the devices when this resolves.
   */
  async close(options: { graceMs?: number } = {}): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const server = this.server;
    const closed = server ? new Promise<void>((r) => server.close(() => r())) : Promise.resolve();
    const conns = [...this.connections];
    const all = Promise.all(conns.map((c) => c.stop()));
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((r) => (timer = setTimeout(r, options.graceMs ?? 5000)));
    await Promise.race([all, grace]);
    clearTimeout(timer);
    for (const c of this.connections) c.destroy();
    await Promise.all(conns.map((c) => c.idle()));
    await closed;
    this.server = undefined;
    this.log.info(this.counters, 'NBD server stopped');
  }
}
