// The CommonJS entry, the bin, the type declarations, and a crashing test process leaving no server.
const assert = require('node:assert/strict');
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { test } = require('node:test');
const { startCozeMock, DEFAULT_TOKEN } = require('coze-mock');

test('require() starts the fake and stop() ends it', async () => {
  const mock = await startCozeMock();
  assert.equal(mock.token, DEFAULT_TOKEN);
  const answer = await (await fetch(`${mock.baseURL}/v1/audio/voices`, { headers: { authorization: `Bearer ${mock.token}` } })).json();
  assert.equal(answer.code, 0);
  await mock.stop();
  assert.ok(!alive(mock.pid));
});

test('a config file gives its first token', async () => {
  const dir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'cfg-'));
  const config = path.join(dir, 'fake.toml');
  fs.writeFileSync(
    config,
    '[[accounts]]\nid = "acme"\nplan = "team"\n\n[[workspaces]]\nid = "7300000000000000001"\naccount = "acme"\n\n' +
      '[[tokens]]\nvalue = "pat_from_config"\naccount = "acme"\npersonal_workspace = "7300000000000000001"\npermissions = [\"createVoice\", \"listVoice\"]\n',
  );
  const mock = await startCozeMock({ config });
  try {
    assert.equal(mock.token, 'pat_from_config');
    const answer = await (await fetch(`${mock.baseURL}/v1/audio/voices`, { headers: { authorization: 'Bearer pat_from_config' } })).json();
    assert.equal(answer.code, 0);
  } finally {
    await mock.stop();
  }
});

test('a config of settings alone keeps pat_mock', async () => {
  const dir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'cfg-'));
  const config = path.join(dir, 'fidelity.toml');
  fs.writeFileSync(config, '[fidelity]\nerror_status = "always_200"\n');
  const mock = await startCozeMock({ config });
  try {
    assert.equal(mock.token, DEFAULT_TOKEN);
    const answer = await (await fetch(`${mock.baseURL}/v1/audio/voices`, { headers: { authorization: `Bearer ${mock.token}` } })).json();
    assert.equal(answer.code, 0);
    assert.match(mock.output(), /accounts, workspaces and tokens: the defaults/);
  } finally {
    await mock.stop();
  }
});

test('the bin runs the binary', () => {
  const out = execFileSync(path.join('node_modules', '.bin', 'coze-mock'), ['--help'], { encoding: 'utf8' });
  assert.match(out, /serve/);
});

test('the package ships ES module and CommonJS type declarations', () => {
  const pkg = require('coze-mock/package.json');
  for (const condition of ['import', 'require']) {
    const types = path.join(path.dirname(require.resolve('coze-mock/package.json')), pkg.exports['.'][condition].types);
    assert.match(fs.readFileSync(types, 'utf8'), /export declare function startCozeMock/);
  }
});

function alive(pid) {
  try {
    const state = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1][0];
    return state !== 'Z';
  } catch {
    return false;
  }
}

for (const [name, ending] of [
  ['an uncaught exception', "throw new Error('test crashed')"],
  ['process.exit()', 'process.exit(3)'],
  ['a forgotten stop()', ''],
]) {
  test(`a test process ending with ${name} leaves no server`, async () => {
    const script =
      "const { startCozeMock } = require('coze-mock');" +
      `startCozeMock().then((m) => { console.log(m.pid); setTimeout(() => { ${ending} }, 10); });`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    await new Promise((resolve) => child.on('exit', resolve));
    const pid = Number(out.trim());
    assert.ok(pid > 0, `no pid printed: ${out}`);
    for (let i = 0; i < 500 && alive(pid); i++) await new Promise((r) => setTimeout(r, 20));
    const survived = alive(pid);
    if (survived) process.kill(pid, 'SIGKILL'); // a failing test leaves nothing behind either
    assert.ok(!survived, `coze-mock ${pid} outlived its parent`);
  });
}
