#!/usr/bin/env node
'use strict';
// Block I/O goes through libuv's thread pool, whose size is fixed the first time it is used.
// For an ES-module entry point that happens while Node reads the module itself, so this
// CommonJS shim (loaded synchronously) sizes the pool before anything else runs.
if (!process.env.UV_THREADPOOL_SIZE) process.env.UV_THREADPOOL_SIZE = '16';
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const entry = pathToFileURL(path.join(__dirname, '..', 'dist', 'src', 'cli', 'main.js')).href;
import(entry).then(
  (m) => m.main(process.argv),
  (e) => {
    process.stderr.write(
      `mayastor-ts: cannot load ${entry}: ${e.message}\nRun 'npm ci' (it builds the project) first.\n`,
    );
    process.exitCode = 1;
  },
);
