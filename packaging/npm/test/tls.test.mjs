// startCozeMock({ tls: true }) with the official SDK: HTTPS with a certificate made at start-up, trusted by
// @coze/api's client unchanged (the CA joins https.globalAgent's roots until stop()).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import https from 'node:https';
import { test } from 'node:test';
import { CozeAPI } from '@coze/api';
import { startCozeMock } from 'coze-mock';

test('with tls, @coze/api reaches the fake over https with nothing but its baseURL', async () => {
  const before = https.globalAgent.options.ca;
  const mock = await startCozeMock({ tls: true });
  try {
    assert.match(mock.baseURL, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.match(fs.readFileSync(mock.caFile, 'utf8'), /BEGIN CERTIFICATE/);
    const coze = new CozeAPI({ token: mock.token, baseURL: mock.baseURL });
    const { voice_list } = await coze.audio.voices.list({});
    assert.ok(voice_list.length > 0, 'the system voices');
    assert.deepEqual(
      (await mock.journal()).map((r) => [r.path, r.code]),
      [['/v1/audio/voices', 0]],
    );
  } finally {
    await mock.stop();
  }
  assert.equal(https.globalAgent.options.ca, before, 'stop() takes the CA out again');
  assert.equal(fs.existsSync(mock.caFile), false);
});
