/**
 * Several storage nodes on one machine: network namespaces joined by veth pairs (needs root).
 *
 *                       netns <prefix>-sw  (a bridge, nothing else)
 *                        ┌──── br ────┬──────────┬──────────┐
 *   root namespace ── veth      veth        veth
 *   (node A, 10.x.y.1)           │           │
 *                        netns <prefix>-b  netns <prefix>-c
 *                        (10.x.y.2)        (10.x.y.3)
 *
 * The bridge lives in its own namespace, so the root namespace gains one interface and one /24
 * address, nothing else; and cleanup is deleting our namespaces: every veth has an end in one
 * of them, and deleting one end deletes the pair. Cleanup runs after the test, on process exit,
 * and for leftovers of earlier runs whose process is gone (names carry the creator's pid).
 *
 * Addresses come from 10.200.0.0/13, picked at random and checked against the addresses already
 * in use in the root namespace, and are configured only on interfaces this harness creates.
 */
import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';

export const NETNS_PREFIX = 'msts-eng';

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
}

function tryIp(...args: string[]): void {
  try {
    ip(...args);
  } catch {
    // already gone
  }
}

function listNetns(): string[] {
  return ip('netns', 'list')
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((n) => n !== '');
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Delete namespaces left behind by earlier runs whose process no longer exists. */
export function sweepStaleNamespaces(): string[] {
  const removed: string[] = [];
  for (const ns of listNetns()) {
    const m = new RegExp(`^${NETNS_PREFIX}-(\\d+)-`).exec(ns);
    if (m && !pidAlive(Number(m[1]))) {
      tryIp('netns', 'del', ns);
      removed.push(ns);
    }
  }
  return removed;
}

/** Why netns tests cannot run here, or undefined when they can. */
export function netnsSkipReason(): string | undefined {
  if (process.env.CI === 'true') return undefined;
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  try {
    ip('netns', 'list');
  } catch (e) {
    return `ip netns does not work here: ${(e as Error).message}`;
  }
  return undefined;
}

export interface NetNode {
  name: string;
  /** Namespace name; undefined for the root-namespace node. */
  netns: string | undefined;
  address: string;
  /** Command prefix that runs a program in this node's namespace. */
  prefix: string[];
}

function usedSubnets(): Set<string> {
  const out = new Set<string>();
  for (const line of ip('-4', '-o', 'addr', 'show').split('\n')) {
    const m = /inet (\d+)\.(\d+)\.(\d+)\.\d+\//.exec(line);
    if (m) out.add(`${m[1]}.${m[2]}.${m[3]}`);
  }
  for (const line of ip('-4', 'route', 'show').split('\n')) {
    const m = /^(\d+)\.(\d+)\.(\d+)\.\d+/.exec(line);
    if (m) out.add(`${m[1]}.${m[2]}.${m[3]}`);
  }
  return out;
}

export class NetnsCluster {
  readonly id: string;
  readonly subnet: string;
  readonly root: NetNode;
  private readonly nodes = new Map<string, NetNode>();
  private readonly namespaces: string[] = [];
  private readonly rootVeth: string;
  private destroyed = false;
  private readonly onExit = () => this.destroy();

  private constructor(id: string, subnet: string) {
    this.id = id;
    this.subnet = subnet;
    this.rootVeth = `mse${id.slice(-6)}`;
    this.root = { name: 'root', netns: undefined, address: `${subnet}.1`, prefix: [] };
  }

  /**
   * Create the switch and one namespace per name in `nodes`; the root namespace is node `root`
   * at .1, the others .2, .3, ... Always pair with destroy() (tests: `t.after`).
   */
  static create(nodes: string[]): NetnsCluster {
    sweepStaleNamespaces();
    const used = usedSubnets();
    let subnet = '';
    for (let i = 0; i < 64 && subnet === ''; i++) {
      const s = `10.${200 + randomInt(8)}.${randomInt(256)}`;
      if (!used.has(s)) subnet = s;
    }
    if (subnet === '') throw new Error('no free /24 in 10.200.0.0/13 for the test network');
    const id = `${process.pid}-${randomInt(1 << 24).toString(16)}`;
    const c = new NetnsCluster(id, subnet);
    process.once('exit', c.onExit);
    try {
      c.build(nodes);
    } catch (e) {
      c.destroy();
      throw e;
    }
    return c;
  }

  private addNetns(suffix: string): string {
    const ns = `${NETNS_PREFIX}-${this.id}-${suffix}`;
    ip('netns', 'add', ns);
    this.namespaces.push(ns);
    ip('-n', ns, 'link', 'set', 'lo', 'up');
    return ns;
  }

  private build(names: string[]): void {
    const sw = this.addNetns('sw');
    ip('-n', sw, 'link', 'add', 'br0', 'type', 'bridge');
    ip('-n', sw, 'link', 'set', 'br0', 'up');
    // Root namespace end first: its name must be unique in the root namespace.
    ip('link', 'add', this.rootVeth, 'type', 'veth', 'peer', 'name', 'p0', 'netns', sw);
    ip('-n', sw, 'link', 'set', 'p0', 'master', 'br0', 'up');
    ip('addr', 'add', `${this.root.address}/24`, 'dev', this.rootVeth);
    ip('link', 'set', this.rootVeth, 'up');
    names.forEach((name, i) => {
      if (!/^[a-z0-9]{1,8}$/.test(name))
        throw new Error(`node name '${name}': 1-8 lower-case letters or digits`);
      const ns = this.addNetns(name);
      const port = `p${i + 1}`;
      ip('-n', sw, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
      ip('-n', sw, 'link', 'set', port, 'master', 'br0', 'up');
      const address = `${this.subnet}.${i + 2}`;
      ip('-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0');
      ip('-n', ns, 'link', 'set', 'eth0', 'up');
      this.nodes.set(name, { name, netns: ns, address, prefix: ['ip', 'netns', 'exec', ns] });
    });
  }

  node(name: string): NetNode {
    if (name === 'root') return this.root;
    const n = this.nodes.get(name);
    if (!n) throw new Error(`no node '${name}' in this test network`);
    return n;
  }

  /** Take a node's link down or up (a network partition without killing anything). */
  setLink(name: string, up: boolean): void {
    const n = this.node(name);
    if (n.netns) ip('-n', n.netns, 'link', 'set', 'eth0', up ? 'up' : 'down');
    else ip('link', 'set', this.rootVeth, up ? 'up' : 'down');
  }

  /** Delete everything (idempotent; also runs at process exit). */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    process.off('exit', this.onExit);
    for (const ns of [...this.namespaces].reverse()) tryIp('netns', 'del', ns);
    tryIp('link', 'del', this.rootVeth);
  }
}
