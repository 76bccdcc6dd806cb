/**
 * The kernel-initiator VM (../shared/vm): a real Debian kernel with nvme-tcp, nbd and
 * iscsi_tcp, booted under QEMU to test our targets with clients nobody here wrote. Inside the
 * guest, the host's loopback is $VM_HOST_IP (10.0.2.2).
 *
 * Outside CI a missing VM image skips these tests (with the reason); with CI=true it fails them,
 * because scripts/install-system-deps.sh builds the image there.
 */
import fs from 'node:fs';
import path from 'node:path';
import { startProcess, REPO_ROOT, type RunningProcess } from './proc.js';

export const VM_CACHE = process.env.MAYASTOR_VM_CACHE ?? '/var/cache/mayastor-ts/initiator-vm';
/** The address the guest uses to reach a server on the host's 127.0.0.1. */
export const VM_HOST_IP = '10.0.2.2';

export function vmScriptsDir(): string {
  return process.env.MAYASTOR_VM_SCRIPTS ?? path.resolve(REPO_ROOT, '..', 'shared', 'vm');
}

/** Why VM tests cannot run here, or undefined when they can (always undefined under CI). */
export function vmSkipReason(): string | undefined {
  if (process.env.CI === 'true') return undefined;
  if (!fs.existsSync(path.join(VM_CACHE, 'initramfs.cpio')))
    return `no initiator VM image in ${VM_CACHE} (run scripts/install-system-deps.sh)`;
  if (!fs.existsSync(path.join(vmScriptsDir(), 'run-in-vm.sh')))
    return `run-in-vm.sh not found in ${vmScriptsDir()}`;
  return undefined;
}

export interface VmRunOptions {
  env?: Record<string, string>;
  /** Hard limit for the whole VM run, seconds. */
  timeoutSec?: number;
  files?: string[];
  memMb?: number;
  /** QEMU user-net host forwards, e.g. 'tcp:127.0.0.1:14420-:4420' (host -> guest servers). */
  hostfwd?: string[];
}

export interface VmResult {
  code: number | null;
  output: string;
}

/** Boot the VM, run `script` (bash) as root inside it, return its exit status and console output. */
export async function runInVm(script: string, options: VmRunOptions = {}): Promise<VmResult> {
  const p = startVm(script, options);
  const r = await p.exited;
  return { code: r.code, output: p.output() };
}

/**
 * Boot the VM in the background and return at once; use `waitFor` on markers the guest script
 * prints (e.g. a line saying its kernel target is up), `exited` for its end, `stop` to kill it.
 */
export function startVm(script: string, options: VmRunOptions = {}): RunningProcess {
  const dir = fs.mkdtempSync('/tmp/mayastor-vm-script-');
  const file = path.join(dir, 'guest.sh');
  fs.writeFileSync(file, script);
  const args = ['--timeout', String(options.timeoutSec ?? 600), '--mem', String(options.memMb ?? 1024)];
  for (const [k, v] of Object.entries(options.env ?? {})) args.push('--env', `${k}=${v}`);
  for (const f of options.files ?? []) args.push('--file', f);
  for (const h of options.hostfwd ?? []) args.push('--hostfwd', h);
  args.push(VM_CACHE, file);
  const p = startProcess(path.join(vmScriptsDir(), 'run-in-vm.sh'), args);
  void p.exited.then(() => fs.rmSync(dir, { recursive: true, force: true }));
  return p;
}
