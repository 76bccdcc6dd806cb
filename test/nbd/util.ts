/** Helpers for the NBD tests: running external clients and the `export` command. */
import { execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, startCli, type RunningProcess } from '../helpers/proc.js';

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run a command to completion (killed after `timeoutMs`); never throws for a nonzero exit. */
export function run(cmd: string, args: string[], timeoutMs = 120_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    // In the temp directory: some tools (fio's verify state) drop files into their cwd.
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: os.tmpdir() });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
    p.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Run and require exit 0, with the output in the failure message. */
export async function runOk(cmd: string, args: string[], timeoutMs?: number): Promise<RunResult> {
  const r = await run(cmd, args, timeoutMs);
  if (r.code !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  }
  return r;
}

export interface ExportProcess {
  proc: RunningProcess;
  port: number;
  uri: string;
}

/** Start `mayastor-ts export <uri> --nbd 127.0.0.1:PORT ...extra` and wait until it serves. */
export async function startExport(bdevUri: string, extra: string[] = [], name = ''): Promise<ExportProcess> {
  const port = await freePort();
  const args = ['export', bdevUri, '--nbd', `127.0.0.1:${port}`, ...extra];
  if (name !== '') args.push('--name', name);
  const proc = startCli(args);
  await proc.waitFor(/"export ready"/);
  return { proc, port, uri: `nbd://127.0.0.1:${port}/${name}` };
}

/** A file of `size` random bytes, written in 1 MiB pieces. */
export function randomFile(path: string, size: number): void {
  const fd = fs.openSync(path, 'w');
  try {
    for (let done = 0; done < size;) {
      const n = Math.min(1 << 20, size - done);
      fs.writeSync(fd, crypto.randomBytes(n));
      done += n;
    }
  } finally {
    fs.closeSync(fd);
  }
}

export function sha256File(path: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(path)).digest('hex');
}

export interface TlsFiles {
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** libnbd certificate directories (tls-certificates=DIR): the CA only, and CA + client cert. */
  libnbdDir: string;
  libnbdClientDir: string;
}

/** A self-signed server certificate for 127.0.0.1/localhost and a self-signed client certificate. */
export function makeTlsFiles(dir: string): TlsFiles {
  const gen = (key: string, cert: string, subject: string, extra: string[]) =>
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '2',
        '-keyout',
        key,
        '-out',
        cert,
        '-subj',
        subject,
        ...extra,
      ],
      { stdio: 'ignore' },
    );
  const f: TlsFiles = {
    serverCert: path.join(dir, 'server-cert.pem'),
    serverKey: path.join(dir, 'server-key.pem'),
    clientCert: path.join(dir, 'client-cert.pem'),
    clientKey: path.join(dir, 'client-key.pem'),
    libnbdDir: path.join(dir, 'libnbd'),
    libnbdClientDir: path.join(dir, 'libnbd-client'),
  };
  gen(f.serverKey, f.serverCert, '/CN=localhost', ['-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost']);
  gen(f.clientKey, f.clientCert, '/CN=nbd-test-client', []);
  for (const d of [f.libnbdDir, f.libnbdClientDir]) {
    fs.mkdirSync(d);
    fs.copyFileSync(f.serverCert, path.join(d, 'ca-cert.pem'));
  }
  fs.copyFileSync(f.clientCert, path.join(f.libnbdClientDir, 'client-cert.pem'));
  fs.copyFileSync(f.clientKey, path.join(f.libnbdClientDir, 'client-key.pem'));
  return f;
}
