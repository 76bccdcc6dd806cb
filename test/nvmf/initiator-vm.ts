/**
 * Driving a kernel NVMe-oF target inside the test VM from host-side tests.
 *
 * The guest cannot be reached from the host except through QEMU host forwards, but it can reach
 * the host's loopback (10.0.2.2). So control runs backwards: the host listens (GuestAgent), the
 * guest's agent loop dials in and waits for one command line, runs it, answers
 * `rc=<status> <base64 output>`, hangs up and dials again. `GUEST_AGENT_LOOP` is that loop in
 * bash; it ends on the command `exit`, which lets the guest script finish and the VM power off.
 */
import fs from 'node:fs';
import net from 'node:net';
import type { RunningProcess } from '../helpers/proc.js';

/** The guest side: paste at the end of a guest script; needs CTL_PORT in the environment. */
export const GUEST_AGENT_LOOP = String.raw`
agent_loop() {
  local i cmd out rc
  for i in $(seq 100000); do
    { exec 3<>/dev/tcp/10.0.2.2/$CTL_PORT; } 2>/dev/null || { sleep 0.2; continue; }
    cmd=""
    if read -r cmd <&3; then
      if [ "$cmd" = exit ]; then echo "rc=0 " >&3; exec 3>&-; return 0; fi
      out=$( (eval "$cmd") 2>&1 ); rc=$?
      echo "rc=$rc $(printf '%s' "$out" | base64 | tr -d '\n')" >&3
    fi
    exec 3>&-
  done
}
agent_loop
`;

export class GuestAgent {
  private idle: net.Socket[] = [];
  private waiting: Array<(s: net.Socket) => void> = [];

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {
    server.on('connection', (s) => {
      s.on('error', () => {});
      const w = this.waiting.shift();
      if (w) w(s);
      else {
        this.idle.push(s);
        s.once('close', () => {
          this.idle = this.idle.filter((x) => x !== s);
        });
      }
    });
  }

  static async start(): Promise<GuestAgent> {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return new GuestAgent(server, (server.address() as net.AddressInfo).port);
  }

  private take(timeoutMs: number): Promise<net.Socket> {
    const s = this.idle.shift();
    if (s) return Promise.resolve(s);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiting = this.waiting.filter((w) => w !== give);
        reject(new Error(`the guest agent did not call in within ${timeoutMs} ms`));
      }, timeoutMs);
      const give = (sock: net.Socket) => {
        clearTimeout(t);
        resolve(sock);
      };
      this.waiting.push(give);
    });
  }

  /** Run one bash command line in the guest; resolves with its output, rejects on non-zero status. */
  async run(cmd: string, timeoutMs = 60_000): Promise<string> {
    if (cmd.includes('\n')) throw new Error('guest commands are single lines');
    const s = await this.take(timeoutMs);
    return new Promise<string>((resolve, reject) => {
      let data = '';
      const t = setTimeout(() => {
        s.destroy();
        reject(new Error(`guest command timed out after ${timeoutMs} ms: ${cmd}`));
      }, timeoutMs);
      s.setEncoding('utf8');
      s.on('data', (d: string) => (data += d));
      s.once('close', () => {
        clearTimeout(t);
        const m = /^rc=(\d+) ?(\S*)/.exec(data.trim());
        if (!m) return reject(new Error(`no answer from the guest for: ${cmd}`));
        const out = Buffer.from(m[2]!, 'base64').toString();
        if (m[1] !== '0') reject(new Error(`guest command failed (rc=${m[1]}): ${cmd}\n${out}`));
        else resolve(out);
      });
      s.write(cmd + '\n');
    });
  }

  /** Tell the guest to finish (best effort) and stop listening. */
  async close(): Promise<void> {
    try {
      await this.run('exit', 15_000);
    } catch {
      // The VM may already be gone.
    }
    for (const s of this.idle) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

/** Processes below `pid`, from /proc (children first-level and deeper). */
export function descendants(pid: number): Array<{ pid: number; comm: string }> {
  const byParent = new Map<number, Array<{ pid: number; comm: string }>>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue;
    }
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const ppid = Number(stat.slice(close + 2).split(' ')[1]);
    const list = byParent.get(ppid) ?? [];
    list.push({ pid: Number(name), comm });
    byParent.set(ppid, list);
  }
  const out: Array<{ pid: number; comm: string }> = [];
  const stack = [pid];
  for (let i = 0; i < 10_000 && stack.length > 0; i++) {
    for (const c of byParent.get(stack.pop()!) ?? []) {
      out.push(c);
      stack.push(c.pid);
    }
  }
  return out;
}

/** The QEMU process of a VM started with startVm. */
export function qemuPid(vm: RunningProcess): number | undefined {
  return descendants(vm.proc.pid!).find((p) => p.comm.startsWith('qemu-system'))?.pid;
}

/**
 * End a VM: ask the guest to finish, wait (bounded) for it to power off, and kill whatever is
 * left. run-in-vm.sh cannot forward signals to QEMU while it waits on it, so QEMU is killed
 * directly rather than left behind.
 */
export async function stopVm(
  vm: RunningProcess,
  agent: GuestAgent | undefined,
  waitMs = 60_000,
): Promise<void> {
  const q = qemuPid(vm);
  if (q !== undefined) {
    try {
      process.kill(q, 'SIGCONT'); // in case a test froze it and failed before thawing
    } catch {
      // gone already
    }
  }
  await agent?.close();
  let timer: NodeJS.Timeout | undefined;
  const exited = await Promise.race([
    vm.exited.then(() => true),
    new Promise<boolean>((r) => (timer = setTimeout(() => r(false), waitMs))),
  ]);
  clearTimeout(timer);
  if (exited) return;
  for (const d of descendants(vm.proc.pid!)) {
    try {
      process.kill(d.pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  vm.proc.kill('SIGKILL');
  await vm.exited;
}
