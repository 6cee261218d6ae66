#!/usr/bin/env node
'use strict';
// `npx coze-mock …`: runs this platform's coze-mock binary with the same arguments and exit status.
const { spawnSync } = require('node:child_process');
const { findBinary } = require('../lib/index.cjs');

let binary;
try {
  binary = findBinary();
} catch (e) {
  console.error(e.message);
  process.exit(1);
}
const result = spawnSync(binary, process.argv.slice(2), { stdio: 'inherit' });
if (result.error) {
  console.error(`coze-mock: ${result.error.message}`);
  process.exit(1);
}
if (result.signal) process.kill(process.pid, result.signal);
process.exit(result.status ?? 1);
