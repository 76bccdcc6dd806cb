/** `mayastor-ts verify` as a command: a killed writer, then a check; a damaged device fails the check. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import fs from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CLI, startCli } from '../helpers/proc.js';
import { sparseFile, tmpDir } from '../helpers/tmp.js';
import { readJournal, expectations } from '../../src/verify/index.js';
import { RemoteReplica } from './remote.js';

const run = promisify(execFile);

async function check(uri: string, journal: string): Promise<{ code: number; out: Record<string, unknown> }> {
  try {
    const { stdout } = await run(process.execPath, [
      CLI,
      'verify',
      'check',
      uri,
      '--journal',
      journal,
      '-o',
      'json',
    ]);
    return { code: 0, out: JSON.parse(stdout) as Record<string, unknown> };
  } catch (e) {
    const err = e as { code: number; stdout: string };
    return { code: err.code, out: JSON.parse(err.stdout) as Record<string, unknown> };
  }
}

test('verify run killed with SIGKILL, then verify check passes on what the journal claims', async (t) => {
  const dir = tmpDir(t);
  const img = sparseFile(dir, 'disk.img', 8 << 20);
  const journal = path.join(dir, 'journal');
  const uri = `aio://${img}?blk_size=4096`;
  const p = startCli(['verify', 'run', uri, '--journal', journal, '--seconds', '60', '--qd', '16']);
  t.after(() => p.stop('SIGKILL'));
  // Wait until the writer has acknowledged a fair number of writes, then kill it mid-flight.
  await p.waitFor(/"writesAcked":[1-9]\d{3,}.*"msg":"verify progress"/, 30_000);
  const r = await p.stop('SIGKILL');
  assert.equal(r.signal, 'SIGKILL');
  const j = await readJournal(journal);
  assert.ok(expectations(j).acked > 1000, 'the journal claims the writes acknowledged before the kill');
  const res = await check(uri, journal);
  assert.equal(res.code, 0, JSON.stringify(res.out));
  assert.equal(res.out.passed, true);
});

test('verify check fails (exit 1) when an acknowledged block is lost', async (t) => {
  const dir = tmpDir(t);
  const img = sparseFile(dir, 'disk.img', 1 << 20);
  const journal = path.join(dir, 'journal');
  const uri = `aio://${img}?blk_size=4096`;
  await run(process.execPath, [
    CLI,
    'verify',
    'run',
    uri,
    '--journal',
    journal,
    '--ops',
    '3000',
    '--zero-pct',
    '0',
  ]);
  const j = await readJournal(journal);
  const exp = expectations(j);
  const victim = exp.lastAck.findIndex((s, b) => s > 0 && exp.ackZero[b] === 0);
  assert.ok(victim >= 0);
  // Damage the device behind the verifier's back: the acknowledged block reads as zeros.
  const fd = fs.openSync(img, 'r+');
  fs.writeSync(fd, Buffer.alloc(4096), 0, 4096, victim * 4096);
  fs.closeSync(fd);
  const res = await check(uri, journal);
  assert.equal(res.code, 1);
  assert.equal(res.out.lost, 1);
  assert.equal((res.out.problems as Array<{ lba: number }>)[0]!.lba, victim);
});

test('verify over NVMe-oF: the target is killed with SIGKILL mid-run and restarted; check passes', async (t) => {
  const dir = tmpDir(t);
  const img = sparseFile(dir, 'disk.img', 8 << 20);
  const journal = path.join(dir, 'journal');
  const uuid = 'b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e';
  const remote = new RemoteReplica(img, uuid);
  t.after(() => remote.kill());
  await remote.start();
  const writer = startCli([
    'verify',
    'run',
    remote.uri,
    '--journal',
    journal,
    '--seconds',
    '60',
    '--qd',
    '16',
  ]);
  t.after(() => writer.stop('SIGKILL'));
  await writer.waitFor(/"writesAcked":[1-9]\d{3,}.*"msg":"verify progress"/, 30_000);
  await remote.kill(); // the target dies with writes in flight
  await remote.start();
  // The initiator reconnects by itself; once writes are acknowledged again, stop the writer.
  const acked = (line: string) => Number(/"writesAcked":(\d+)/.exec(line)![1]);
  const before = acked(
    writer
      .output()
      .split('\n')
      .filter((l) => l.includes('verify progress'))
      .at(-1)!,
  );
  for (let i = 0; i < 60; i++) {
    const last = writer
      .output()
      .split('\n')
      .filter((l) => l.includes('verify progress'))
      .at(-1)!;
    if (acked(last) > before + 1000) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const r = await writer.stop('SIGTERM');
  assert.equal(r.code, 0, writer.output().slice(-2000));
  const res = await check(remote.uri, journal);
  assert.equal(res.code, 0, JSON.stringify(res.out));
  assert.equal(res.out.passed, true);
  assert.ok((res.out.ackedWrites as number) > 1000);
});
