#!/usr/bin/env node
'use strict';
// `npx coze-mock …`: runs this platform's coze-mock binary with the same arguments and exit status.
// SIGINT, SIGTERM and SIGHUP sent to this shim are passed on to the binary. `npx coze-mock serve & …
// kill $!` signals `npm exec`, which passes the signal to the `sh -c` it runs this shim in, and that
// shell dies without passing it on: so the shim also stops the binary (SIGTERM, a graceful stop) when
// its parent process changes. Either way the shim then exits as the binary did.
const { spawn } = require('node:child_process');
const { findBinary } = require('../lib/index.cjs');

let binary;
try {
  binary = findBinary();
} catch (e) {
  console.error(e.message);
  process.exit(1);
}
const child = spawn(binary, process.argv.slice(2), { stdio: 'inherit' });
const forwarded = ['SIGINT', 'SIGTERM', 'SIGHUP'];
for (const signal of forwarded) process.on(signal, () => child.kill(signal));
const parent = process.ppid;
const orphaned = setInterval(() => {
  if (process.ppid !== parent) {
    clearInterval(orphaned);
    child.kill('SIGTERM');
  }
}, 200);
child.on('error', (e) => {
  console.error(`coze-mock: ${e.message}`);
  process.exit(1);
});
child.on('exit', (code, signal) => {
  if (signal) {
    for (const s of forwarded) process.removeAllListeners(s);
    process.kill(process.pid, signal);
  }
  process.exit(code ?? 1);
});
