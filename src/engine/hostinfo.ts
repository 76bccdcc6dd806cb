/**
 * What the node has: its block devices (lsblk, plus the /dev/disk/by-* links that name them)
 * and the io-engine's resource usage. Used by HostRpc.ListBlockDevices, which is how an
 * operator (or the control plane) finds a disk for a pool.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { engineError, EngineErrors } from './errors.js';

export interface NodeBlockDevice {
  devname: string;
  devtype: string;
  devmajor: number;
  devminor: number;
  model: string;
  devpath: string;
  devlinks: string[];
  size: number;
  partition:
    | { parent: string; number: number; name: string; scheme: string; typeid: string; uuid: string }
    | undefined;
  filesystem: { fstype: string; label: string; uuid: string; mountpoint: string } | undefined;
  available: boolean;
  pool: string;
}

interface LsblkDevice {
  name: string;
  path?: string;
  type?: string;
  size?: number | string;
  fstype?: string | null;
  mountpoint?: string | null;
  model?: string | null;
  'maj:min'?: string;
  pkname?: string | null;
  uuid?: string | null;
  label?: string | null;
  partuuid?: string | null;
  parttype?: string | null;
  pttype?: string | null;
  partlabel?: string | null;
  children?: LsblkDevice[];
}

const COLUMNS =
  'NAME,PATH,TYPE,SIZE,FSTYPE,MOUNTPOINT,MODEL,MAJ:MIN,PKNAME,UUID,LABEL,PARTUUID,PARTTYPE,PTTYPE,PARTLABEL';

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 10_000, maxBuffer: 16 << 20 }, (err, stdout) =>
      err ? reject(err) : resolve(stdout),
    );
  });
}

/** Map every /dev/sdX (resolved) to the /dev/disk/by-* links that point at it. */
async function devLinks(): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  let kinds: string[] = [];
  try {
    kinds = await fs.readdir('/dev/disk');
  } catch {
    return out;
  }
  for (const kind of kinds) {
    const dir = path.join('/dev/disk', kind);
    let names: string[] = [];
    try {
      names = await fs.readdir(dir);
    } catch {
      continue;
    }
    for (const n of names) {
      const link = path.join(dir, n);
      try {
        const target = path.resolve(dir, await fs.readlink(link));
        const list = out.get(target) ?? [];
        list.push(link);
        out.set(target, list);
      } catch {
        // not a link, or gone meanwhile
      }
    }
  }
  for (const l of out.values()) l.sort();
  return out;
}

async function partitionNumber(name: string): Promise<number> {
  try {
    return Number((await fs.readFile(`/sys/class/block/${name}/partition`, 'utf8')).trim()) || 0;
  } catch {
    return 0;
  }
}

/**
 * The node's block devices. `poolOf` names the pool using a device path, if any. Without `all`,
 * only devices a pool could be created on are listed (Mayastor's default).
 */
export async function listBlockDevices(
  all: boolean,
  poolOf: (devpath: string) => string | undefined,
): Promise<NodeBlockDevice[]> {
  let json: string;
  try {
    json = await run('lsblk', ['-J', '-b', '-o', COLUMNS]);
  } catch (e) {
    throw engineError(
      EngineErrors.BDEV_NOT_FOUND,
      `cannot list block devices: lsblk failed (${(e as Error).message}); is util-linux installed?`,
      { cause: e },
    );
  }
  const tree = JSON.parse(json) as { blockdevices?: LsblkDevice[] };
  const links = await devLinks();
  const out: NodeBlockDevice[] = [];
  const walk = async (d: LsblkDevice, parent: LsblkDevice | undefined): Promise<void> => {
    const devpath = d.path ?? `/dev/${d.name}`;
    const [maj, min] = (d['maj:min'] ?? '0:0').split(':').map(Number);
    const isPart = d.type === 'part';
    const fs = d.fstype ?? '';
    const mount = d.mountpoint ?? '';
    const pool = poolOf(devpath) ?? '';
    const children = d.children ?? [];
    const dev: NodeBlockDevice = {
      devname: d.name,
      devtype: isPart ? 'partition' : (d.type ?? 'disk'),
      devmajor: maj ?? 0,
      devminor: min ?? 0,
      model: d.model?.trim() ?? '',
      devpath,
      devlinks: links.get(devpath) ?? [],
      size: Number(d.size ?? 0),
      partition: isPart
        ? {
            parent: parent?.name ?? d.pkname ?? '',
            number: await partitionNumber(d.name),
            name: d.partlabel ?? '',
            scheme: parent?.pttype ?? '',
            typeid: d.parttype ?? '',
            uuid: d.partuuid ?? '',
          }
        : undefined,
      filesystem:
        fs || mount ? { fstype: fs, label: d.label ?? '', uuid: d.uuid ?? '', mountpoint: mount } : undefined,
      available:
        fs === '' &&
        mount === '' &&
        children.length === 0 &&
        pool === '' &&
        Number(d.size ?? 0) > 0 &&
        !d.name.startsWith('zram') &&
        (d.type === 'disk' || d.type === 'part' || d.type === 'loop'),
      pool,
    };
    if (all || dev.available) out.push(dev);
    for (const c of children) await walk(c, d);
  };
  for (const d of tree.blockdevices ?? []) await walk(d, undefined);
  return out;
}

export interface ResourceUsageReport {
  soft_faults: number;
  hard_faults: number;
  swaps: number;
  in_block_ops: number;
  out_block_ops: number;
  ipc_msg_send: number;
  ipc_msg_rcv: number;
  signals: number;
  vol_csw: number;
  invol_csw: number;
  user_cpu_us: number;
  system_cpu_us: number;
  max_rss_bytes: number;
}

export function resourceUsage(): ResourceUsageReport {
  const u = process.resourceUsage();
  return {
    soft_faults: u.minorPageFault,
    hard_faults: u.majorPageFault,
    swaps: u.swappedOut,
    in_block_ops: u.fsRead,
    out_block_ops: u.fsWrite,
    ipc_msg_send: u.ipcSent,
    ipc_msg_rcv: u.ipcReceived,
    signals: u.signalsCount,
    vol_csw: u.voluntaryContextSwitches,
    invol_csw: u.involuntaryContextSwitches,
    user_cpu_us: u.userCPUTime,
    system_cpu_us: u.systemCPUTime,
    max_rss_bytes: u.maxRSS * 1024,
  };
}
