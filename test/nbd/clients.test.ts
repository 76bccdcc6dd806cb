/**
 * Interoperability with NBD clients nobody here wrote: libnbd's nbdinfo and nbdcopy, qemu-img,
 * and fio's nbd engine, all against the real `mayastor-ts export` process.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { MallocDevice } from '../../src/bdev/index.js';
import { NbdServer } from '../../src/nbd/server.js';
import { patternBuffer } from '../helpers/tmp.js';
import { makeTlsFiles, randomFile, run, runOk, sha256File, startExport, type ExportProcess } from './util.js';

const MiB = 1024 * 1024;

interface NbdinfoExport {
  'export-name': string;
  description?: string;
  'export-size': number;
  is_read_only: boolean;
  can_flush: boolean;
  can_fua: boolean;
  can_trim: boolean;
  can_zero: boolean;
  can_fast_zero: boolean;
  can_multi_conn: boolean;
  can_df: boolean;
  block_size_minimum: number;
  block_size_preferred: number;
  block_size_maximum: number;
}

async function nbdinfo(args: string[]): Promise<{ structured: boolean; exports: NbdinfoExport[] }> {
  const r = await runOk('nbdinfo', ['--json', ...args]);
  return JSON.parse(r.stdout) as { structured: boolean; exports: NbdinfoExport[] };
}

function fioJson(file: string): { error: number; write: { io_bytes: number }; read: { io_bytes: number } } {
  const d = JSON.parse(fs.readFileSync(file, 'utf8')) as {
    jobs: Array<{ error: number; write: { io_bytes: number }; read: { io_bytes: number } }>;
  };
  return d.jobs[0]!;
}

describe('RAM disk with 4 KiB blocks, served by `mayastor-ts export`', () => {
  let ex: ExportProcess;
  let dir: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nbd-clients-'));
    ex = await startExport(
      'malloc:///vol0?size_mb=64&blk_size=4096',
      ['--nbd-description', 'test volume'],
      'vol',
    );
  });
  after(async () => {
    const r = await ex.proc.stop('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
    assert.equal(r.code, 0, ex.proc.output());
  });

  test('nbdinfo sees the size, block sizes and capabilities we advertise', async () => {
    const info = await nbdinfo([ex.uri]);
    assert.equal(info.structured, true);
    const e = info.exports[0]!;
    assert.equal(e['export-name'], 'vol');
    assert.equal(e.description, 'test volume');
    assert.equal(e['export-size'], 64 * MiB);
    assert.equal(e.block_size_minimum, 4096);
    assert.equal(e.block_size_preferred, 4096);
    assert.equal(e.block_size_maximum, 32 * MiB);
    assert.equal(e.is_read_only, false);
    for (const cap of [
      'can_flush',
      'can_fua',
      'can_trim',
      'can_zero',
      'can_fast_zero',
      'can_multi_conn',
      'can_df',
    ] as const) {
      assert.equal(e[cap], true, cap);
    }
    // The empty name reaches the same (default) export.
    const d = await nbdinfo([`nbd://127.0.0.1:${ex.port}/`]);
    assert.equal(d.exports[0]!['export-size'], 64 * MiB);
  });

  test('nbdcopy round trip of random data, checked with sha256 and qemu-img compare', async () => {
    const src = path.join(dir, 'src.img');
    const out = path.join(dir, 'out.img');
    randomFile(src, 64 * MiB);
    await runOk('nbdcopy', ['--flush', src, ex.uri]);
    await runOk('nbdcopy', [ex.uri, out]);
    assert.equal(sha256File(out), sha256File(src));
    const same = await run('qemu-img', ['compare', '-f', 'raw', '-F', 'raw', src, ex.uri]);
    assert.equal(same.code, 0, same.stdout + same.stderr);
    assert.match(same.stdout, /identical/);
    // The comparison really reads the export: a one-byte difference is found.
    const at = 40 * MiB + 7;
    const fd = fs.openSync(src, 'r+');
    const one = Buffer.alloc(1);
    fs.readSync(fd, one, 0, 1, at);
    one[0] = one[0]! ^ 0xff;
    fs.writeSync(fd, one, 0, 1, at);
    fs.closeSync(fd);
    const diff = await run('qemu-img', ['compare', '-f', 'raw', '-F', 'raw', src, ex.uri]);
    assert.equal(diff.code, 1, diff.stdout + diff.stderr);
    assert.match(diff.stdout, /Content mismatch at offset/);
  });

  test("fio's nbd engine writes with verify=crc32c, and verification catches tampering", async () => {
    const json = path.join(dir, 'fio.json');
    const job = [
      '--name=verify',
      '--ioengine=nbd',
      `--uri=${ex.uri}`,
      '--rw=randwrite',
      '--bsrange=4k-256k',
      '--iodepth=32',
      '--size=32M',
      '--offset=16M',
      '--verify=crc32c',
      '--verify_fatal=1',
      '--randrepeat=1',
      '--verify_state_save=0',
      '--output-format=json',
    ];
    await runOk('fio', [...job, '--do_verify=1', `--output=${json}`]);
    const j = fioJson(json);
    assert.equal(j.error, 0);
    assert.ok(j.write.io_bytes >= 32 * MiB, `wrote ${j.write.io_bytes}`);
    assert.ok(j.read.io_bytes > 0, 'verification read the data back');
    // A second pass that only verifies reads everything back again and agrees...
    await runOk('fio', [...job, '--verify_only', `--output=${json}`]);
    // ...and once the data is overwritten through NBD, the same verification fails.
    await runOk('nbdcopy', ['--', '[', 'nbdkit', 'pattern', '64M', ']', ex.uri]);
    const txt = path.join(dir, 'fio.txt');
    const bad = await run('fio', [
      ...job.filter((a) => !a.startsWith('--output-format')),
      '--verify_only',
      `--output=${txt}`,
    ]);
    assert.notEqual(bad.code, 0, 'fio verification must fail on tampered data');
    assert.match(fs.readFileSync(txt, 'utf8') + bad.stderr, /verify: bad magic header/);
  });
});

describe('several exports on one port (library), and read-only exports (CLI)', () => {
  test('nbdinfo --list and nbdcopy address each export by name', async (t) => {
    const server = new NbdServer();
    const devs = ['alpha', 'beta', 'gamma'].map(
      (n, i) => new MallocDevice({ name: n, blockSize: 512, numBlocks: ((i + 1) * 4 * MiB) / 512 }),
    );
    devs.forEach((d, i) => server.addExport(d.name, d, { description: `disk ${i}`, default: i === 1 }));
    const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
    t.after(() => server.close());
    const list = await nbdinfo(['--list', `nbd://127.0.0.1:${port}`]);
    assert.deepEqual(
      list.exports.map((e) => [e['export-name'], e.description, e['export-size']]),
      [
        ['alpha', 'disk 0', 4 * MiB],
        ['beta', 'disk 1', 8 * MiB],
        ['gamma', 'disk 2', 12 * MiB],
      ],
    );
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nbd-multi-'));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const src = path.join(dir, 'b.img');
    fs.writeFileSync(src, patternBuffer(8 * MiB, 5));
    await runOk('nbdcopy', [src, `nbd://127.0.0.1:${port}/beta`]);
    const b = Buffer.alloc(8 * MiB);
    await devs[1]!.read(0, b);
    assert.deepEqual(b, patternBuffer(8 * MiB, 5));
    assert.equal(devs[0]!.allocatedBytes + devs[2]!.allocatedBytes, 0, 'other exports untouched');
  });

  test('a read-only export refuses nbdcopy writes but serves reads', async () => {
    const ex = await startExport('malloc:///ro?size_mb=8', ['--nbd-read-only'], 'ro');
    try {
      const info = await nbdinfo([ex.uri]);
      assert.equal(info.exports[0]!.is_read_only, true);
      const w = await run('nbdcopy', ['--', '[', 'nbdkit', 'pattern', '8M', ']', ex.uri]);
      assert.notEqual(w.code, 0);
      assert.match(w.stderr, /read-only/);
      const r = await run('nbdcopy', [ex.uri, 'null:']);
      assert.equal(r.code, 0, r.stderr);
    } finally {
      assert.equal((await ex.proc.stop()).code, 0);
    }
  });
});

describe('TLS (`--nbd-tls-cert/--nbd-tls-key [--nbd-tls-ca]`) with libnbd clients', () => {
  test('nbdinfo and an nbdcopy round trip over nbds://; plain clients are refused', async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nbd-tls-'));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const f = makeTlsFiles(dir);
    const ex = await startExport(
      'malloc:///sec?size_mb=16',
      ['--nbd-tls-cert', f.serverCert, '--nbd-tls-key', f.serverKey],
      'sec',
    );
    try {
      const uri = `nbds://127.0.0.1:${ex.port}/sec?tls-certificates=${f.libnbdDir}`;
      const info = await runOk('nbdinfo', [uri]);
      assert.match(info.stdout, /with TLS/);
      const src = path.join(dir, 'src.img');
      const out = path.join(dir, 'out.img');
      randomFile(src, 16 * MiB);
      await runOk('nbdcopy', [src, uri]);
      await runOk('nbdcopy', [uri, out]);
      assert.equal(sha256File(out), sha256File(src));
      const plain = await run('nbdinfo', [ex.uri]);
      assert.notEqual(plain.code, 0, 'a client without TLS gets nothing');
    } finally {
      assert.equal((await ex.proc.stop()).code, 0, ex.proc.output());
    }
  });

  test('with --nbd-tls-ca only clients holding a certificate signed by it get in', async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nbd-tls-'));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const f = makeTlsFiles(dir);
    const ex = await startExport(
      'malloc:///sec?size_mb=16',
      ['--nbd-tls-cert', f.serverCert, '--nbd-tls-key', f.serverKey, '--nbd-tls-ca', f.clientCert],
      'sec',
    );
    try {
      const anon = await run('nbdinfo', [`nbds://127.0.0.1:${ex.port}/sec?tls-certificates=${f.libnbdDir}`]);
      assert.notEqual(anon.code, 0);
      await ex.proc.waitFor(/TLS failed; closing connection/);
      await runOk('nbdinfo', [`nbds://127.0.0.1:${ex.port}/sec?tls-certificates=${f.libnbdClientDir}`]);
    } finally {
      assert.equal((await ex.proc.stop()).code, 0, ex.proc.output());
    }
  });
});
