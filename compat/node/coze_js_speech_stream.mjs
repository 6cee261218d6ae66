#!/usr/bin/env node
// Streaming speech (WebSocket) check of a coze-mock server against the official Node SDK (@coze/api):
// clone a voice on the fake, open `coze.websockets.audio.speech`, speech.update to that voice (pcm,
// 24 kHz), append text in two pieces, complete, and write the streamed audio to a playable WAV.
//
// Usage: node coze_js_speech_stream.mjs BASE_URL [--token pat_mock] [--out PATH]
//
// The WebSocket base is BASE_URL with http(s) turned into ws(s): @coze/api takes it as `baseWsURL`, so
// plain ws works (no TLS needed). Checks the event order the recorded session has, that every event
// carries the session's 53-character logid, and that the audio is the length the text asks for.
// Exit 1 on the first failure.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CozeAPI, WebsocketsEventType } from '@coze/api';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const args = { baseURL: null, token: process.env.COZE_MOCK_TOKEN || 'pat_mock', out: null };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (a === '--token') args.token = process.argv[++i];
  else if (a === '--out') args.out = process.argv[++i];
  else if (!args.baseURL) args.baseURL = a.replace(/\/+$/, '');
}
if (!args.baseURL) {
  console.error('usage: node coze_js_speech_stream.mjs BASE_URL [--token T] [--out PATH]');
  process.exit(2);
}
args.out = args.out || path.join(HERE, '..', 'out', 'coze_js_speech_stream.wav');

function fail(step, detail) {
  console.log(`@coze/api speech stream: FAIL ${step}: ${detail}`);
  process.exit(1);
}

function wav(pcm, rate) {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + pcm.length, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(pcm.length, 40);
  return Buffer.concat([header, pcm]);
}

const baseWsURL = args.baseURL.replace(/^http/, 'ws');
const coze = new CozeAPI({ token: args.token, baseURL: args.baseURL, baseWsURL });

const { voice_id } = await coze.audio.voices.clone({
  voice_name: 'streaming',
  file: fs.createReadStream(path.join(HERE, '..', 'voice.wav')),
  audio_format: 'wav',
});
if (!/^\d{19}$/.test(voice_id)) fail('clone', `voice_id ${voice_id}`);

const ws = await coze.websockets.audio.speech.create();
const types = [];
const chunks = [];
const logids = new Set();
const done = new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error(`no speech.audio.completed after 20 s: ${types}`)), 20000);
  ws.onmessage = (event) => {
    types.push(event.event_type);
    logids.add(event.detail?.logid);
    if (event.event_type === WebsocketsEventType.ERROR) {
      clearTimeout(timer);
      reject(new Error(`error event ${JSON.stringify(event.data)}`));
    } else if (event.event_type === WebsocketsEventType.SPEECH_AUDIO_UPDATE) {
      chunks.push(Buffer.from(event.data.delta, 'base64'));
    } else if (event.event_type === WebsocketsEventType.SPEECH_AUDIO_COMPLETED) {
      clearTimeout(timer);
      resolve();
    }
  };
  ws.onerror = (error) => {
    clearTimeout(timer);
    reject(new Error(`socket error ${error?.message ?? error}`));
  };
});
ws.onopen = () => {
  ws.send({
    event_type: WebsocketsEventType.SPEECH_UPDATE,
    data: { output_audio: { codec: 'pcm', pcm_config: { sample_rate: 24000 }, speech_rate: 0, voice_id } },
  });
  ws.send({ event_type: WebsocketsEventType.INPUT_TEXT_BUFFER_APPEND, data: { delta: '今天天气不错，' } });
  ws.send({ event_type: WebsocketsEventType.INPUT_TEXT_BUFFER_APPEND, data: { delta: '我们去公园吧。' } });
  ws.send({ event_type: WebsocketsEventType.INPUT_TEXT_BUFFER_COMPLETE });
};
try {
  await done;
} catch (e) {
  ws.close();
  fail('session', e.message);
}
ws.close();

const squeezed = types.filter((t, i) => !(t === 'speech.audio.update' && types[i - 1] === t));
const expected = [
  'speech.created',
  'speech.updated',
  'input_text_buffer.completed',
  'conversation.audio.sentence_start',
  'speech.audio.update',
  'speech.audio.completed',
];
if (JSON.stringify(squeezed) !== JSON.stringify(expected)) fail('events', squeezed.join(', '));
const [logid] = [...logids];
if (logids.size !== 1 || logid?.length !== 53) fail('logid', [...logids].join(', '));
const pcm = Buffer.concat(chunks);
// 「今天天气不错，我们去公园吧。」: 14 characters of 0.1 s after a 0.2 s lead-in, 24 kHz 16-bit.
const expectedBytes = 2 * (4800 + 14 * 2400);
if (pcm.length !== expectedBytes) fail('audio', `${pcm.length} bytes, not ${expectedBytes}`);
fs.mkdirSync(path.dirname(args.out), { recursive: true });
fs.writeFileSync(args.out, wav(pcm, 24000));
console.log(
  `@coze/api speech stream: OK voice ${voice_id}, ${chunks.length} chunks, ${(pcm.length / 48000).toFixed(2)} s ` +
    `of 24 kHz pcm -> ${path.relative(process.cwd(), args.out)} (logid ${logid})`,
);
