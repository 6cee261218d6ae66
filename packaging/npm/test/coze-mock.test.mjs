// The installed coze-mock package with the official SDK (@coze/api): clone, list, speech, an error, the
// journal, a fault, and state reset between tests. Run by .ci/packaging in a project that installed the
// packed tarballs; COZE_MOCK_AUDIO names a real mp3.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, test } from 'node:test';
import { APIError, CozeAPI } from '@coze/api';
import { startCozeMock } from 'coze-mock';

const AUDIO = process.env.COZE_MOCK_AUDIO;
let mock;
let coze;

before(async () => {
  mock = await startCozeMock();
  coze = new CozeAPI({ token: mock.token, baseURL: mock.baseURL });
});
after(() => mock.stop());
beforeEach(() => mock.reset());

const clone = (name) =>
  coze.audio.voices.clone({ voice_name: name, file: fs.createReadStream(AUDIO), audio_format: 'mp3' });
const clonedVoices = async (client = coze) =>
  (await client.audio.voices.list({ filter_system_voice: true })).voice_list;
const isMp3 = (b) => (b[0] === 0x49 && b[1] === 0x44 && b[2] === 0x33) || (b[0] === 0xff && (b[1] & 0xe0) === 0xe0);

test('a cloned voice is listed and speaks into a file', async () => {
  const { voice_id } = await clone('narrator');
  assert.match(voice_id, /^\d{19}$/);
  assert.deepEqual(
    (await clonedVoices()).map((v) => [v.voice_id, v.name]),
    [[voice_id, 'narrator']],
  );
  const audio = await coze.audio.speech.create({ input: '你好，世界', voice_id, response_format: 'mp3' });
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'speech-')), 'hello.mp3');
  fs.writeFileSync(file, Buffer.from(audio));
  assert.ok(isMp3(fs.readFileSync(file)));
});

test('an unknown token is refused with 4100', async () => {
  const stranger = new CozeAPI({ token: 'pat_nobody', baseURL: mock.baseURL });
  await assert.rejects(clonedVoices(stranger), (e) => e instanceof APIError && e.code === 4100);
});

test('the journal records each request with its code', async () => {
  await clonedVoices();
  await assert.rejects(clonedVoices(new CozeAPI({ token: 'pat_nobody', baseURL: mock.baseURL })));
  const records = await mock.journal();
  assert.deepEqual(
    records.map((r) => [r.method, r.path, r.code]),
    [
      ['GET', '/v1/audio/voices', 0],
      ['GET', '/v1/audio/voices', 4100],
    ],
  );
  assert.deepEqual(await mock.journal({ after: records[0].id }), records.slice(1));
});

test('a fault answers once, then the fake answers again', async () => {
  await mock.fault({ kind: 'envelope', code: 4009, msg: 'rate limited', status: 429 }, { path: '/v1/audio/voices', method: 'GET' });
  await assert.rejects(clonedVoices(), (e) => e instanceof APIError && e.code === 4009);
  assert.deepEqual(await clonedVoices(), []);
});

test('a seeded token lists its seeded voice', async () => {
  const seeded = await mock.seed({
    accounts: [{ id: 'acme', plan: 'team', bought_voice_slots: 2 }],
    workspaces: [{ id: '7300000000000000001', account: 'acme' }],
    tokens: [{ value: 'pat_acme', account: 'acme', personal_workspace: '7300000000000000001', permissions: ['createVoice', 'listVoice'] }],
    voices: [{ space_id: '7300000000000000001', name: 'seeded' }],
  });
  assert.deepEqual(seeded.map((v) => v.name), ['seeded']);
  const acme = new CozeAPI({ token: 'pat_acme', baseURL: mock.baseURL });
  assert.deepEqual((await clonedVoices(acme)).map((v) => v.name), ['seeded']);
});

for (const run of [1, 2]) {
  // Both runs see an empty fake: the second would see the first's voice and journal otherwise.
  test(`each test starts from the configured state (run ${run})`, async () => {
    assert.deepEqual(await mock.journal(), []);
    assert.deepEqual(await clonedVoices(), []);
    await clone(`run-${run}`);
  });
}

test('a refusal provoked on purpose inside mock.expect() is covered, not a mistake, in the report', async () => {
  await mock.clearReport();
  await clonedVoices();
  const code = await mock.expect(4000, async () => {
    await clonedVoices(); // a success inside the window passes unjudged
    const refused = await clone('名'.repeat(43)).catch((e) => e);
    return refused.code;
  });
  assert.equal(code, 4000);
  const report = await mock.report();
  assert.equal(report.totals.error, 0);
  const findings = report.clients.flatMap((c) => c.findings.map((f) => [f.id, f.severity, f.expected === true]));
  assert.deepEqual(findings, [['limit.bytes_not_characters', 'info', true]]);
  await mock.reset();
  assert.equal((await mock.report()).requests, 3, 'a reset leaves the report');

  await clone('名'.repeat(43)).catch(() => {});
  assert.equal((await mock.report()).totals.error, 1, 'the same refusal undeclared is the client\'s error');
  await assert.rejects(mock.expect(4101, () => clonedVoices()), /expected 4101, but no request was answered so/);
});
