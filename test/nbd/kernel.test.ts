/**
 * The Linux kernel's NBD client (nbd-client + nbd.ko in the initiator VM, ../shared/vm) against
 * `mayastor-ts export`: ext4 on a 4 KiB-block file export over two connections, then raw direct
 * I/O with fio verification and discard on a 512-byte RAM export, then I/O over TLS. Afterwards the backing file is
 * checked from the host: the filesystem is clean and the file the guest wrote is there.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { REPO_ROOT } from '../helpers/proc.js';
import { runInVm, vmSkipReason } from '../helpers/vm.js';
import { tmpDir, sparseFile } from '../helpers/tmp.js';
import { makeTlsFiles, runOk, startExport } from './util.js';

const MiB = 1024 * 1024;

/** The counters the server logs when it stops. */
function stopCounters(output: string): Record<string, number> {
  const line = output.split('\n').find((l) => l.includes('"NBD server stopped"'));
  assert.ok(line, `no 'NBD server stopped' line in:\n${output}`);
  return JSON.parse(line) as Record<string, number>;
}

test(
  'Linux kernel nbd-client: ext4 over two connections, direct I/O with verify, discard, TLS',
  { skip: vmSkipReason(), timeout: 900_000 },
  async (t) => {
    const dir = tmpDir(t);
    const img = sparseFile(dir, 'disk.img', 256 * MiB);
    const fileExport = await startExport(`aio://${img}?blk_size=4096`, [], 'vol4k');
    const ramExport = await startExport('malloc:///ram512?size_mb=64&blk_size=512', [], 'ram512');
    const tls = makeTlsFiles(dir);
    const tlsExport = await startExport(
      'malloc:///sec?size_mb=16',
      ['--nbd-tls-cert', tls.serverCert, '--nbd-tls-key', tls.serverKey],
      'sec',
    );
    const ca = path.join(dir, 'ca-cert.pem');
    fs.copyFileSync(tls.serverCert, ca);
    let output = '';
    let code: number | null = null;
    try {
      const script = fs.readFileSync(
        path.join(REPO_ROOT, 'test', 'nbd', 'vm', 'kernel-nbd.guest.sh'),
        'utf8',
      );
      const r = await runInVm(script, {
        timeoutSec: 600,
        files: [ca],
        env: {
          NBD_PORT: String(fileExport.port),
          NBD_NAME: 'vol4k',
          NBD_PORT2: String(ramExport.port),
          NBD_NAME2: 'ram512',
          NBD_PORT3: String(tlsExport.port),
          NBD_NAME3: 'sec',
        },
      });
      output = r.output;
      code = r.code;
    } finally {
      const s1 = await fileExport.proc.stop('SIGTERM');
      const s2 = await ramExport.proc.stop('SIGTERM');
      const s3 = await tlsExport.proc.stop('SIGTERM');
      assert.equal(s1.code, 0, fileExport.proc.output());
      assert.equal(s2.code, 0, ramExport.proc.output());
      assert.equal(s3.code, 0, tlsExport.proc.output());
    }
    for (const l of output.split('\n')) {
      if (/^(---|nbd\d:|\/mnt\/t:|e2fsck|\s+(WRITE|READ):|.*err=)/.test(l)) t.diagnostic(l.trim());
    }
    assert.equal(code, 0, output);
    assert.match(output, /NBD KERNEL OK/);
    assert.match(output, /nbd0: size=268435456 logical-block=4096/);
    assert.match(output, /nbd1: size=67108864 logical-block=512/);
    assert.match(output, /TLS data: identical/);

    // The kernel used two connections to the 4 KiB export; nothing was refused anywhere.
    const fileLog = fileExport.proc.output();
    const conns = fileLog.split('\n').filter((l) => l.includes('client entered transmission')).length;
    assert.equal(conns, 2, fileLog);
    for (const ex of [fileExport, ramExport, tlsExport]) {
      const c = stopCounters(ex.proc.output());
      assert.equal(c.protocolViolations, 0);
      assert.equal(c.requestErrors, 0, ex.proc.output());
      assert.ok(c.requestsReceived! > 100, `requests: ${c.requestsReceived}`);
    }

    // From the host: the flushed image holds a clean filesystem with the guest's file in it.
    const sha = /DATA_SHA256=([0-9a-f]{64})/.exec(output)?.[1];
    assert.ok(sha, 'guest printed the checksum');
    await runOk('e2fsck', ['-fn', img]);
    const out = path.join(dir, 'data');
    await runOk('debugfs', ['-R', `dump /data ${out}`, img]);
    assert.equal(crypto.createHash('sha256').update(fs.readFileSync(out)).digest('hex'), sha);
  },
);
