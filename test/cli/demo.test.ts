/**
 * `mayastor-ts demo`, the README's one command: an io-engine serving a 2-way mirrored volume
 * over NBD. Real clients (libnbd's nbdinfo and nbdcopy) use it; a clean stop and a second run on
 * the same directory bring the same data back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startCli } from '../helpers/proc.js';
import { tmpDir } from '../helpers/tmp.js';
import { randomFile, runOk, sha256File } from '../nbd/util.js';

const MiB = 1024 * 1024;

function startDemo(dir: string) {
  return startCli([
    'demo',
    '--dir',
    dir,
    '--size',
    '32MiB',
    '--grpc-port',
    '0',
    '--nbd-port',
    '0',
    '--nvmf-port',
    '0',
  ]);
}

test('demo: a mirrored volume over NBD that nbdcopy fills and reads back, across a restart', async (t) => {
  const dir = tmpDir(t);
  const demoDir = path.join(dir, 'demo');
  let p = startDemo(demoDir);
  t.after(() => p.stop('SIGKILL'));
  await p.waitFor(/^DEMO READY$/, 60_000);
  const uri = /^published at (nbd:\/\/\S+)$/m.exec(p.output())![1]!;
  assert.match(p.output(), /2-way mirror, NEXUS_ONLINE/);
  assert.equal((p.output().match(/^ {2}child .* CHILD_ONLINE$/gm) ?? []).length, 2, p.output());

  const info = JSON.parse((await runOk('nbdinfo', ['--json', uri])).stdout) as {
    exports: Array<{ 'export-size': number }>;
  };
  assert.equal(info.exports[0]!['export-size'], 32 * MiB);

  const src = path.join(dir, 'src.bin');
  randomFile(src, 32 * MiB);
  await runOk('nbdcopy', [src, uri]);
  const back = path.join(dir, 'back.bin');
  await runOk('nbdcopy', [uri, back]);
  assert.equal(sha256File(back), sha256File(src));

  // A second demo on the same directory would write the same pool files: it is refused.
  const twin = startDemo(demoDir);
  const twinExit = await twin.exited;
  assert.notEqual(twinExit.code, 0, twin.output());
  assert.match(twin.output(), /ENGINE_STATE_DIR_IN_USE/);
  assert.doesNotMatch(twin.output(), /DEMO READY/);

  // Ctrl-C stops it cleanly.
  const stopped = await p.stop('SIGINT', 30_000);
  assert.equal(stopped.code, 0, p.output());
  assert.match(p.output(), /demo stopped cleanly/);

  // The same command again: the same volume, with its data.
  p = startDemo(demoDir);
  await p.waitFor(/^DEMO READY$/, 60_000);
  const uri2 = /^published at (nbd:\/\/\S+)$/m.exec(p.output())![1]!;
  assert.match(p.output(), /2-way mirror, NEXUS_ONLINE/);
  const again = path.join(dir, 'again.bin');
  await runOk('nbdcopy', [uri2, again]);
  assert.equal(sha256File(again), sha256File(src));
  assert.equal((await p.stop('SIGTERM', 30_000)).code, 0, p.output());
});
