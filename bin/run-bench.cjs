#!/usr/bin/env node
'use strict';
// `npm run bench -- <name> [args]`: runs dist/bench/<name>.js with the I/O thread pool sized
// before first use (see mayastor-ts.cjs for why this is a CommonJS shim).
if (!process.env.UV_THREADPOOL_SIZE) process.env.UV_THREADPOOL_SIZE = '16';
const fs = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const name = process.argv[2];
const dir = path.join(__dirname, '..', 'dist', 'bench');
const available = fs.existsSync(dir)
  ? fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.js') && !f.startsWith('_'))
      .map((f) => f.slice(0, -3))
  : [];
if (!name || !available.includes(name)) {
  process.stderr.write(
    `usage: npm run bench -- <name> [options]\navailable: ${available.join(', ') || '(none; run npm run build)'}\n`,
  );
  process.exit(2);
}
import(pathToFileURL(path.join(dir, `${name}.js`)).href)
  .then((m) => m.run(process.argv.slice(3)))
  .catch((e) => {
    process.stderr.write(`bench ${name} failed: ${e && e.stack ? e.stack : e}\n`);
    process.exitCode = 1;
  });
