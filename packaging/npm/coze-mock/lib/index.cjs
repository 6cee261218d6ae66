'use strict';
// startCozeMock(): one coze-mock process on a free loopback port, in memory, steered through its admin
// API. Written once in CommonJS; index.mjs re-exports it for ES modules.

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const https = require('node:https');
const os = require('node:os');
const path = require('node:path');
const tls = require('node:tls');

const DEFAULT_TOKEN = 'pat_mock';
const LISTENING = /listening on (https?:\/\/\S+)/;

/** The per-platform package holding the binary for this platform and CPU (esbuild's pattern). */
const PLATFORM_PACKAGES = {
  'linux-x64': '@coze-mock/linux-x64',
  'linux-arm64': '@coze-mock/linux-arm64',
  'darwin-x64': '@coze-mock/darwin-x64',
  'darwin-arm64': '@coze-mock/darwin-arm64',
  'win32-x64': '@coze-mock/win32-x64',
};

/** The coze-mock executable: $COZE_MOCK_BIN, else the one of this platform's optional dependency. */
function findBinary() {
  if (process.env.COZE_MOCK_BIN) return process.env.COZE_MOCK_BIN;
  const key = `${process.platform}-${process.arch}`;
  const pkg = PLATFORM_PACKAGES[key];
  if (!pkg) {
    throw new Error(`coze-mock has no binary for ${key}; set COZE_MOCK_BIN to a coze-mock executable`);
  }
  const exe = process.platform === 'win32' ? 'coze-mock.exe' : 'coze-mock';
  try {
    return require.resolve(`${pkg}/bin/${exe}`);
  } catch {
    throw new Error(
      `coze-mock: the optional dependency ${pkg} is not installed (installed with --no-optional or ` +
        `--omit=optional?); reinstall coze-mock, or set COZE_MOCK_BIN to a coze-mock executable`,
    );
  }
}

/**
 * The first `[[tokens]]` value of a config file, found by a line scan (pass `token` otherwise);
 * `pat_mock` if the file declares no account, workspace or token (the fake keeps its default ones).
 */
function firstToken(configPath) {
  const lines = fs.readFileSync(configPath, 'utf8').split(/\r?\n/);
  const declares = /^\s*(\[\[\s*(accounts|workspaces|tokens)\s*\]\]|(accounts|workspaces|tokens)\s*=)/;
  if (!lines.some((line) => declares.test(line))) return DEFAULT_TOKEN;
  let inTokens = false;
  for (const line of lines) {
    const header = line.match(/^\s*\[\[?\s*([\w.]+)\s*\]\]?/);
    if (header) inTokens = header[1] === 'tokens' && line.includes('[[');
    const value = inTokens && line.match(/^\s*value\s*=\s*["']([^"']*)["']/);
    if (value) return value[1];
  }
  throw new Error(`${configPath} declares no [[tokens]] value; pass { token } to startCozeMock`);
}

/**
 * The `--addr` flags for `options`: `port` (127.0.0.1:PORT), else none when `args` or the environment
 * already say where to listen (`--addr`, `COZE_MOCK_ADDR`), else a free loopback port.
 */
function addrArgs(options, env) {
  const args = options.args ?? [];
  const inArgs = args.some((a) => a === '--addr' || a.startsWith('--addr='));
  if (options.port !== undefined) {
    if (inArgs) throw new Error('startCozeMock: give either { port } or --addr in { args }, not both');
    if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
      throw new Error(`startCozeMock: port must be an integer from 0 to 65535, not ${options.port}`);
    }
    return ['--addr', `127.0.0.1:${options.port}`];
  }
  return inArgs || env.COZE_MOCK_ADDR ? [] : ['--addr', '127.0.0.1:0'];
}

/** One request through `agent` (HTTPS); resolves to the status and the body's text. */
function httpsText(url, { method, headers, body, agent }) {
  return new Promise((resolve, reject) => {
    const request = https.request(url, { method, headers, agent }, (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode, text }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

/**
 * The admin API of the fake at `baseURL`: reset, journal, seed, fault, report and expect; over HTTPS
 * through `agent`, which trusts the fake's certificate authority.
 */
function adminClient(baseURL, adminToken, agent) {
  const admin = async (method, route, body) => {
    const headers = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (adminToken) headers.authorization = `Bearer ${adminToken}`;
    const request = { method, headers, body: body === undefined ? undefined : JSON.stringify(body) };
    const url = `${baseURL}/__admin${route}`;
    const response = agent
      ? await httpsText(url, { ...request, agent })
      : await fetch(url, request).then(async (r) => ({ status: r.status, text: await r.text() }));
    const text = response.text;
    let envelope;
    try {
      envelope = JSON.parse(text);
    } catch {
      throw new Error(`${method} ${baseURL}/__admin${route}: HTTP ${response.status}, not an envelope: ${text.slice(0, 200)}`);
    }
    if (envelope.code !== 0) {
      const error = new Error(`${method} /__admin${route}: ${envelope.code} ${envelope.msg}`);
      error.code = envelope.code;
      throw error;
    }
    return envelope.data;
  };
  return {
    admin,
    reset: async () => {
      await admin('POST', '/reset');
    },
    journal: async ({ after = 0, limit = 1000 } = {}) =>
      (await admin('GET', `/journal?after=${Number(after)}&limit=${Number(limit)}`)).records,
    seed: async ({ accounts = [], workspaces = [], tokens = [], voices = [] } = {}) =>
      (await admin('POST', '/seed', { accounts, workspaces, tokens, voices })).voices,
    fault: async (action, { path: faultPath, method, times, forMs } = {}) => {
      const spec = { action };
      if (faultPath !== undefined) spec.path = faultPath;
      if (method !== undefined) spec.method = method;
      if (times !== undefined) spec.times = times;
      if (forMs !== undefined) spec.for_ms = forMs;
      return admin('POST', '/faults', spec);
    },
    report: async () => admin('GET', '/report'),
    clearReport: async () => admin('DELETE', '/report'),
    // Runs `fn` while the refusals it provokes on purpose are expected: each refusal must be one of
    // `outcomes` (codes, 'refusal', rule names); throws if none came. Resolves to what `fn` resolved to.
    expect: async (outcomes, fn, { path: expectPath, method } = {}) => {
      const list = Array.isArray(outcomes) ? outcomes : [outcomes];
      const spec = { expect: list };
      if (expectPath !== undefined) spec.path = expectPath;
      if (method !== undefined) spec.method = method;
      await admin('POST', '/expect', spec);
      let result;
      let seen;
      try {
        result = await fn();
      } finally {
        seen = (await admin('DELETE', '/expect')).expectations;
      }
      if (!seen.some((e) => e.met > 0)) {
        throw new Error(`coze-mock: expected ${list.join(' or ')}, but no request was answered so`);
      }
      return result;
    },
  };
}

/** Starts coze-mock and resolves once `GET /__admin/health` says ready. */
async function startCozeMock(options = {}) {
  const config = options.config ? path.resolve(options.config) : undefined;
  const token = options.token ?? (config ? firstToken(config) : DEFAULT_TOKEN);
  const binary = options.binary ?? findBinary();
  const env = { ...process.env };
  for (const inherited of ['COZE_MOCK_DB', 'COZE_MOCK_ADMIN_TOKEN']) delete env[inherited];
  Object.assign(env, options.env ?? {});
  const adminToken = env.COZE_MOCK_ADMIN_TOKEN;
  // --stop-on-stdin-close: the fake ends when this process does, even by SIGKILL (the pipe closes).
  const args = ['serve', ...addrArgs(options, env), '--in-memory', '--stop-on-stdin-close'];
  if (config) args.push('--config', config);
  delete env.COZE_MOCK_TLS;
  const caDir = options.tls ? fs.mkdtempSync(path.join(os.tmpdir(), 'coze-mock-')) : undefined;
  const caFile = caDir && path.join(caDir, 'ca.pem');
  if (caFile) args.push('--tls', '--tls-ca-out', caFile);
  args.push(...(options.args ?? []));

  const child = spawn(binary, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
  const output = [];
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  exited.then(() => process.removeListener('exit', killOnExit));

  const baseURL = await new Promise((resolve, reject) => {
    let pending = '';
    const onData = (chunk) => {
      pending += chunk;
      let nl;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl).trimEnd();
        pending = pending.slice(nl + 1);
        output.push(line);
        if (output.length > 200) output.shift();
        const m = line.match(LISTENING);
        if (m) resolve(m[1].replace(/\/+$/, ''));
      }
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', onData);
    child.once('error', reject);
    exited.then(({ code, signal }) =>
      reject(new Error(`coze-mock exited (${code ?? signal}) before listening:\n${output.join('\n')}`)),
    );
  });

  // Over HTTPS, the generated CA joins the roots of https.globalAgent, which @coze/api's client (axios)
  // uses: `new CozeAPI({ baseURL })` trusts the fake unchanged. stop() takes it out again.
  const caPem = caFile && fs.readFileSync(caFile, 'utf8');
  const agentOptions = https.globalAgent.options;
  const previousCa = agentOptions.ca;
  if (caPem) agentOptions.ca = [...(previousCa === undefined ? tls.rootCertificates : [].concat(previousCa)), caPem];
  const httpsAgent = caPem ? new https.Agent({ ca: caPem }) : undefined;

  const client = adminClient(baseURL, adminToken, httpsAgent);
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    if (caPem && agentOptions.ca !== previousCa) {
      if (previousCa === undefined) delete agentOptions.ca;
      else agentOptions.ca = previousCa;
      httpsAgent.destroy();
    }
    if (caDir) fs.rmSync(caDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (options.startTimeoutMs ?? 30000);
  for (;;) {
    if (child.exitCode !== null) break;
    try {
      const health = await client.admin('GET', '/health');
      if (health && health.ready === true) break;
    } catch {
      // not answering yet, or not ready: poll again
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`coze-mock not ready after ${options.startTimeoutMs ?? 30000} ms:\n${output.join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  if (child.exitCode !== null) throw new Error(`coze-mock exited (${child.exitCode}):\n${output.join('\n')}`);
  // A forgotten stop() must not keep the test process alive: the 'exit' hook above kills the child.
  child.unref();
  child.stdin.unref();
  child.stdout.unref();
  child.stderr.unref();

  const { admin, ...calls } = client;
  return { baseURL, token, caFile, caPem, httpsAgent, pid: child.pid, output: () => output.join('\n'), ...calls, stop };
}

/**
 * The admin API of a fake already running (a container in CI, `npx coze-mock serve`): resolves once
 * `GET /__admin/health` at `baseURL` answers ready.
 */
async function connectCozeMock({ baseURL, adminToken, token = DEFAULT_TOKEN } = {}) {
  if (!baseURL) throw new Error('connectCozeMock: baseURL is required, like http://127.0.0.1:8080');
  const base = String(baseURL).replace(/\/+$/, '');
  const { admin, ...calls } = adminClient(base, adminToken);
  let health;
  try {
    health = await admin('GET', '/health');
  } catch (e) {
    throw new Error(`connectCozeMock: no coze-mock answers at ${base}: ${e.cause?.message ?? e.message}`);
  }
  if (!health || health.ready !== true) throw new Error(`connectCozeMock: the fake at ${base} is not ready`);
  return { baseURL: base, token, ...calls };
}

module.exports = { startCozeMock, connectCozeMock, findBinary, DEFAULT_TOKEN, PLATFORM_PACKAGES };
