#!/usr/bin/env node
'use strict';
// Builds the optional native io_uring engine (native/uring.c) during `npm ci`. It is optional
// on purpose: without a C compiler, Node headers or Linux, uring:// devices fall back to libuv's
// thread pool and say so. A failed build never fails the install.
const { spawnSync } = require('node:child_process');
const path = require('node:path');
if (process.platform !== 'linux' || process.env.MAYASTOR_SKIP_NATIVE === '1') process.exit(0);
const gyp = process.env.npm_config_node_gyp;
const cmd = gyp ? [process.execPath, gyp] : ['node-gyp'];
const r = spawnSync(cmd[0], [...cmd.slice(1), 'rebuild', '--release'], {
  cwd: path.join(__dirname, '..'),
  stdio: ['ignore', 'ignore', 'pipe'],
  encoding: 'utf8',
});
if (r.status !== 0) {
  process.stderr.write(
    `mayastor-ts: the native io_uring engine did not build; uring:// devices will use libuv's thread pool.\n` +
      `(${(r.stderr || String(r.error || '')).trim().split('\n').slice(-3).join(' | ')})\n`,
  );
}
