// The fake's lifetime and address from Node: `npx coze-mock serve` stopped by `kill`, a Node parent
// killed by SIGKILL, `port`, `--addr` and COZE_MOCK_ADDR, and connectCozeMock to a fake already running.
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const { test } = require('node:test');
const { connectCozeMock, findBinary, startCozeMock } = require('coze-mock');

/** Whether `pid` runs (a zombie waiting for its reaper counts as ended). */
function alive(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1][0] !== 'Z';
  } catch {
    return false;
  }
}

/** Waits up to 10 s for `pid` to end; kills it if it does not, so a failing test leaves nothing. */
async function ended(pid) {
  for (let i = 0; i < 500 && alive(pid); i++) await new Promise((r) => setTimeout(r, 20));
  const survived = alive(pid);
  if (survived) process.kill(pid, 'SIGKILL');
  return !survived;
}

/** The pids of the processes below `pid`, from each process's parent in /proc. */
function descendants(pid) {
  const parents = new Map();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      parents.set(Number(entry), Number(fs.readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ')[1]));
    } catch {
      // ended meanwhile
    }
  }
  const found = [];
  for (let frontier = [pid]; frontier.length; ) {
    const next = [...parents].filter(([, ppid]) => frontier.includes(ppid)).map(([child]) => child);
    found.push(...next);
    frontier = next;
  }
  return found;
}

/** The first `listening on` URL a process prints. */
function listeningURL(child) {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`exited ${code} before listening: ${out}`)));
  });
}

function freePort() {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

test('kill of `npx coze-mock serve` stops the fake, not only npx', async () => {
  const npx = spawn('npx', ['--no-install', 'coze-mock', 'serve', '--addr', '127.0.0.1:0', '--in-memory'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await listeningURL(npx);
  const fake = descendants(npx.pid).find((pid) => fs.readlinkSync(`/proc/${pid}/exe`).endsWith('/coze-mock'));
  assert.ok(fake, 'no coze-mock process under npx');
  assert.equal((await (await fetch(`${url}/__admin/health`)).json()).data.ready, true);
  const npxExit = new Promise((resolve) => npx.once('exit', resolve));
  npx.kill('SIGTERM'); // what `kill $!` sends
  assert.ok(await ended(fake), `coze-mock ${fake} outlived the killed npx`);
  await npxExit;
});

test('a Node parent killed by SIGKILL takes the fake with it', async () => {
  const script = "require('coze-mock').startCozeMock().then((m) => { console.log(m.pid); setInterval(() => {}, 1000); });";
  const parent = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const pid = await new Promise((resolve) => parent.stdout.once('data', (d) => resolve(Number(String(d).trim()))));
  assert.ok(alive(pid), `no fake at ${pid}`);
  parent.kill('SIGKILL');
  assert.ok(await ended(pid), `coze-mock ${pid} outlived its SIGKILLed parent`);
});

test('port, --addr in args and COZE_MOCK_ADDR choose where the fake listens', async () => {
  for (const options of [
    (port) => ({ port }),
    (port) => ({ args: ['--addr', `127.0.0.1:${port}`] }),
    (port) => ({ env: { COZE_MOCK_ADDR: `127.0.0.1:${port}` } }),
  ]) {
    const port = await freePort();
    const mock = await startCozeMock(options(port));
    try {
      assert.equal(mock.baseURL, `http://127.0.0.1:${port}`, JSON.stringify(options(port)));
    } finally {
      await mock.stop();
    }
  }
  await assert.rejects(startCozeMock({ port: 1, args: ['--addr', '127.0.0.1:0'] }), /either \{ port \} or --addr/);
});

test('connectCozeMock drives a fake it did not start', async () => {
  const fake = spawn(findBinary(), ['serve', '--addr', '127.0.0.1:0', '--in-memory', '--admin-token', 'admin-secret'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const baseURL = await listeningURL(fake);
    const mock = await connectCozeMock({ baseURL, adminToken: 'admin-secret' });
    assert.equal(mock.token, 'pat_mock');
    await mock.fault({ kind: 'envelope', code: 4009, msg: 'rate limited' }, { path: '/v1/audio/voices' });
    const answer = await (await fetch(`${baseURL}/v1/audio/voices`, { headers: { authorization: 'Bearer pat_mock' } })).json();
    assert.equal(answer.code, 4009);
    assert.deepEqual((await mock.journal()).map((r) => r.code), [4009]);
    await mock.reset();
    assert.deepEqual(await mock.journal(), []);
    const withoutToken = await connectCozeMock({ baseURL });
    await assert.rejects(withoutToken.journal(), (e) => e.code === 4100);
  } finally {
    if (fake.exitCode === null && fake.signalCode === null) {
      const exited = new Promise((resolve) => fake.once('exit', resolve));
      fake.kill('SIGTERM');
      await exited;
    }
  }
  await assert.rejects(connectCozeMock({ baseURL: `http://127.0.0.1:${await freePort()}` }), /no coze-mock answers at/);
});
