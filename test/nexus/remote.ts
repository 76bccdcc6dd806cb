/**
 * A remote replica for nexus tests: a file served by another process, `mayastor-ts export
 * aio://<file>?uuid=<uuid> --nvmf 127.0.0.1:<port>` (an io-engine-like process), reached through
 * the NVMe-oF initiator as `nvmf://127.0.0.1:<port>/nqn.2019-05.io.openebs:<uuid>?uuid=<uuid>`.
 * It can be killed with SIGKILL and restarted on the same port.
 */
import { BdevRegistry, type BlockDevice } from '../../src/bdev/index.js';
import { registerNvmfScheme } from '../../src/nvmf/initiator/index.js';
import { freePort, startCli, type RunningProcess } from '../helpers/proc.js';

export class RemoteReplica {
  private proc: RunningProcess | undefined;
  private readonly registry = new BdevRegistry();
  port = 0;

  constructor(
    readonly file: string,
    readonly uuid: string,
    /** Initiator per-command timeout; the nexus's own timeout usually fires first. */
    private readonly ioTimeoutMs = 5000,
  ) {
    registerNvmfScheme(this.registry);
  }

  get uri(): string {
    return (
      `nvmf://127.0.0.1:${this.port}/nqn.2019-05.io.openebs:${this.uuid}?uuid=${this.uuid}` +
      `&io_timeout_ms=${this.ioTimeoutMs}&reconnect_delay_ms=50&nr_io_queues=2`
    );
  }

  get running(): boolean {
    return this.proc !== undefined;
  }

  async start(): Promise<void> {
    if (this.port === 0) this.port = await freePort();
    const p = startCli([
      'export',
      `aio://${this.file}?uuid=${this.uuid}&blk_size=4096`,
      '--nvmf',
      `127.0.0.1:${this.port}`,
      '--log-level',
      'warn',
    ]);
    this.proc = p;
    // The ready line is logged at info level; at warn, wait until the port accepts a connection.
    await waitListening(this.port, p);
  }

  /** A new initiator device for the replica. */
  open(): Promise<BlockDevice> {
    return this.registry.open(this.uri);
  }

  /** SIGKILL: the process dies with whatever it had in flight. */
  async kill(): Promise<void> {
    const p = this.proc;
    this.proc = undefined;
    if (p) await p.stop('SIGKILL');
  }

  async stop(): Promise<void> {
    const p = this.proc;
    this.proc = undefined;
    if (p) await p.stop('SIGTERM');
  }
}

async function waitListening(port: number, p: RunningProcess): Promise<void> {
  const net = await import('node:net');
  // Bounded: 200 attempts, 25 ms apart (5 s).
  for (let i = 0; i < 200; i++) {
    if (p.proc.exitCode !== null || p.proc.signalCode !== null) {
      throw new Error(`export exited early:\n${p.output()}`);
    }
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`export did not listen on ${port}:\n${p.output()}`);
}
