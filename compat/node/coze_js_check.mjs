#!/usr/bin/env node
// Compatibility check of a coze-mock server against the official Node SDK (@coze/api).
//
// Usage: node coze_js_check.mjs BASE_URL [--token pat_mock] [--audio PATH] [--audio-format wav]
//                                [--clones-unlisted]
//
// Same steps as ../cozepy_check.py: clone (19-digit voice_id), retrain (id kept), list
// (filter_system_voice=true, clone present), speech (mp3 bytes), bad token -> code 4100,
// 129-byte voice_name -> code 4000. Prints the logid of every step; exit 1 on the first failure.
// --clones-unlisted: the list never shows the clones (coze-mock proxy --spend none, where the shadow
// fake answers clones and the upstream the list): the list step expects the clone absent.
//
// @coze/api returns only `data` on success, so the success logid is read from the x-tt-logid
// response header through an interceptor on the default axios instance that the SDK itself uses
// (it does not change what is sent). Errors expose `err.logid` (body detail.logid, else header).
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';
import axios from 'axios';
import { CozeAPI, APIError } from '@coze/api';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SDK_VERSION = JSON.parse(
  fs.readFileSync(path.join(HERE, 'node_modules', '@coze', 'api', 'package.json'), 'utf8'),
).version;

function parseArgs(argv) {
  const out = {
    baseURL: null,
    token: process.env.COZE_MOCK_TOKEN || 'pat_mock',
    audio: process.env.COMPAT_AUDIO || path.join(HERE, '..', 'voice.wav'),
    audioFormat: null,
    clonesUnlisted: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--token') out.token = argv[++i];
    else if (a === '--audio') out.audio = argv[++i];
    else if (a === '--audio-format') out.audioFormat = argv[++i];
    else if (a === '--clones-unlisted') out.clonesUnlisted = true;
    else if (!out.baseURL) out.baseURL = a;
  }
  if (!out.baseURL) {
    console.error('usage: node coze_js_check.mjs BASE_URL [--token T] [--audio PATH] [--audio-format F]');
    process.exit(2);
  }
  out.baseURL = out.baseURL.replace(/\/+$/, '');
  out.audioFormat = out.audioFormat || path.extname(out.audio).slice(1).toLowerCase();
  return out;
}

const args = parseArgs(process.argv.slice(2));
let lastLogid = null;
axios.interceptors.response.use(
  (resp) => {
    lastLogid = resp.headers?.['x-tt-logid'] ?? null;
    return resp;
  },
  (err) => {
    lastLogid = err?.response?.headers?.['x-tt-logid'] ?? null;
    return Promise.reject(err);
  },
);

class CheckFailed extends Error {}
const results = { passed: 0, failed: 0 };
function check(cond, msg) {
  if (!cond) throw new CheckFailed(msg);
}
async function step(name, fn) {
  const t0 = Date.now();
  lastLogid = null;
  try {
    const out = await fn();
    results.passed++;
    console.log(`ok   [coze-js] ${name} (${Date.now() - t0} ms)`);
    return out;
  } catch (e) {
    results.failed++;
    if (e instanceof CheckFailed) console.log(`FAIL [coze-js] ${name}: ${e.message}`);
    else console.log(`FAIL [coze-js] ${name}: unexpected ${e?.name}: ${e?.message} (code=${e?.code}, status=${e?.status})`);
    throw new CheckFailed(e.message);
  }
}
const isMp3 = (b) => (b[0] === 0x49 && b[1] === 0x44 && b[2] === 0x33) || (b[0] === 0xff && (b[1] & 0xe0) === 0xe0);

async function main() {
  console.log(`@coze/api ${SDK_VERSION} against ${args.baseURL} (audio ${args.audio}, ${args.audioFormat})`);
  const client = new CozeAPI({ token: args.token, baseURL: args.baseURL });
  const name = 'compat-js-' + crypto.randomBytes(4).toString('hex');
  const common = {
    audio_format: args.audioFormat,
    language: 'zh',
    preview_text: '你好，我是兼容性检查的克隆声音',
    text: '你好呀，欢迎',
  };

  const voice = await step('clone new voice', async () => {
    const v = await client.audio.voices.clone({
      voice_name: name,
      file: fs.createReadStream(args.audio),
      ...common,
    });
    check(v && typeof v === 'object', `clone returned ${JSON.stringify(v)} instead of the data object`);
    check(/^\d{19}$/.test(String(v.voice_id ?? '')), `voice_id ${JSON.stringify(v.voice_id)} is not 19 decimal digits`);
    check(lastLogid, 'clone: no x-tt-logid response header');
    console.log(`     clone voice_id=${v.voice_id} logid=${lastLogid} keys=${Object.keys(v).sort().join(',')}`);
    return v;
  });

  await step('retrain keeps voice_id', async () => {
    const v = await client.audio.voices.clone({
      voice_name: name,
      file: fs.createReadStream(args.audio),
      voice_id: voice.voice_id,
      ...common,
    });
    check(v?.voice_id === voice.voice_id, `retrain changed the id: ${voice.voice_id} -> ${v?.voice_id}`);
    check(lastLogid, 'retrain: no logid');
    console.log(`     retrain voice_id=${v.voice_id} logid=${lastLogid} available_training_times=${v.available_training_times}`);
  });

  await step(args.clonesUnlisted ? 'list voices leaves the clone out' : 'list voices finds the clone', async () => {
    let found = null;
    let n = 0;
    let logid = null;
    for (let page = 1; page <= 50; page++) {
      const data = await client.audio.voices.list({ filter_system_voice: true, page_num: page, page_size: 100 });
      logid = logid || lastLogid;
      check(data && Array.isArray(data.voice_list), `list returned ${JSON.stringify(data)?.slice(0, 200)}`);
      for (const v of data.voice_list) {
        n++;
        check(!v.is_system_voice, `filter_system_voice=true still listed system voice ${v.voice_id}`);
        if (v.voice_id === voice.voice_id) found = v;
      }
      if (found || !data.has_more) break;
    }
    check(logid, 'list: no logid');
    if (args.clonesUnlisted) {
      check(!found, `clone ${voice.voice_id} is in the list: the list was to be the upstream's, which never saw the clone`);
      console.log(`     list: ${n} voices, clone ${voice.voice_id} not among them, logid=${logid}`);
      return;
    }
    check(found, `clone ${voice.voice_id} not in the list of ${n} voices`);
    console.log(`     list: ${n} voices, found ${found.voice_id} (${found.name}) logid=${logid}`);
  });

  await step('speech with the clone returns mp3', async () => {
    const buf = await client.audio.speech.create({ input: '你好，世界', voice_id: voice.voice_id, response_format: 'mp3' });
    check(buf instanceof ArrayBuffer || ArrayBuffer.isView(buf), `speech returned ${typeof buf}, not an ArrayBuffer`);
    const b = buf instanceof ArrayBuffer ? new Uint8Array(buf) : new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    check(b.length > 0, 'speech returned no audio bytes');
    check(isMp3(b), `speech bytes start with ${Buffer.from(b.slice(0, 4)).toString('hex')}, not ID3 or an MPEG frame sync`);
    check(lastLogid, 'speech: no logid');
    console.log(`     speech: ${b.length} bytes, head ${Buffer.from(b.slice(0, 4)).toString('hex')}, logid=${lastLogid}`);
  });

  await step('bad token -> 4100', async () => {
    const bad = new CozeAPI({ token: 'pat_invalid_compat_check', baseURL: args.baseURL });
    try {
      await bad.audio.voices.clone({ voice_name: name, file: fs.createReadStream(args.audio), audio_format: args.audioFormat });
    } catch (e) {
      check(e instanceof APIError, `bad token threw ${e?.name}: ${e?.message}, not an APIError`);
      check(e.code === 4100, `bad token gave code ${e.code} (msg ${JSON.stringify(e.msg)}, HTTP ${e.status}), want 4100`);
      check(e.logid, 'bad token: err.logid is empty');
      console.log(`     bad token: ${e.name} code=${e.code} msg=${JSON.stringify(e.msg)} logid=${e.logid}`);
      return;
    }
    throw new CheckFailed('clone with a bad token did not throw');
  });

  await step('129-byte voice_name -> 4000', async () => {
    try {
      await client.audio.voices.clone({ voice_name: 'a'.repeat(129), file: fs.createReadStream(args.audio), ...common });
    } catch (e) {
      check(e instanceof APIError, `long name threw ${e?.name}: ${e?.message}, not an APIError`);
      check(e.code === 4000, `129-byte voice_name gave code ${e.code} (msg ${JSON.stringify(e.msg)}), want 4000`);
      check(e.logid, 'long name: err.logid is empty');
      console.log(`     long name: ${e.name} code=${e.code} msg=${JSON.stringify(e.msg)} logid=${e.logid}`);
      return;
    }
    throw new CheckFailed('clone with a 129-byte voice_name did not throw');
  });
}

let rc = 0;
try {
  await main();
} catch (e) {
  if (!(e instanceof CheckFailed)) console.log(`FAIL [coze-js] ${e?.stack || e}`);
  rc = 1;
}
console.log(`coze-js: ${results.passed} passed, ${results.failed} failed`);
process.exit(rc);
