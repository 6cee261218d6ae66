"""Streaming speech (WebSocket) check of a coze-mock server against the official Python SDK (cozepy).

Usage: python cozepy_speech_stream.py BASE_URL [--token pat_mock] [--out PATH]

Clones a voice on the fake, opens ``coze.websockets.audio.speech``, sends speech.update to that voice
(pcm, 24 kHz), appends text in two pieces, completes, waits for speech.audio.completed and writes the
streamed audio to a playable WAV. cozepy 0.20.0's WebSocket client takes only an ``https://`` base URL
(``http_base_url_to_ws``), so BASE_URL must be the fake started with ``--tls``, and the environment must
trust its certificate (``SSL_CERT_FILE=ca.pem``). Exit 1 on the first failure.
"""

import argparse
import os
import sys
import wave

from cozepy import (
    Coze,
    InputTextBufferAppendEvent,
    InputTextBufferCompletedEvent,
    OutputAudio,
    PCMConfig,
    SpeechAudioCompletedEvent,
    SpeechAudioUpdateEvent,
    SpeechCreatedEvent,
    SpeechUpdatedEvent,
    SpeechUpdateEvent,
    TokenAuth,
    WebsocketsAudioSpeechClient,
    WebsocketsAudioSpeechEventHandler,
)

HERE = os.path.dirname(os.path.abspath(__file__))


def fail(step, detail):
    print(f"cozepy speech stream: FAIL {step}: {detail}")
    sys.exit(1)


class Collector(WebsocketsAudioSpeechEventHandler):
    def __init__(self):
        self.types = []
        self.audio = bytearray()
        self.logids = set()
        self.errors = []

    def _seen(self, event):
        self.types.append(event.event_type.value)
        self.logids.add(event.detail.logid if event.detail else None)

    # cozepy routes events to these methods by their `event` annotation, so each needs one.
    def on_speech_created(self, cli: WebsocketsAudioSpeechClient, event: SpeechCreatedEvent):
        self._seen(event)

    def on_speech_updated(self, cli: WebsocketsAudioSpeechClient, event: SpeechUpdatedEvent):
        self._seen(event)

    def on_input_text_buffer_completed(self, cli: WebsocketsAudioSpeechClient, event: InputTextBufferCompletedEvent):
        self._seen(event)

    def on_speech_audio_update(self, cli: WebsocketsAudioSpeechClient, event: SpeechAudioUpdateEvent):
        self._seen(event)
        self.audio.extend(event.data.delta)

    def on_speech_audio_completed(self, cli: WebsocketsAudioSpeechClient, event: SpeechAudioCompletedEvent):
        self._seen(event)

    def on_error(self, cli, e):
        self.errors.append(repr(e))

    def on_client_error(self, cli, e):
        self.errors.append(repr(e))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("base_url")
    parser.add_argument("--token", default=os.environ.get("COZE_MOCK_TOKEN", "pat_mock"))
    parser.add_argument("--out", default=os.path.join(HERE, "out", "cozepy_speech_stream.wav"))
    args = parser.parse_args()
    base_url = args.base_url.rstrip("/")
    if not base_url.startswith("https://"):
        fail("base url", f"{base_url}: cozepy's WebSocket client needs https (start the fake with --tls)")

    coze = Coze(auth=TokenAuth(args.token), base_url=base_url)
    try:
        with open(os.path.join(HERE, "voice.wav"), "rb") as f:
            voice_id = coze.audio.voices.clone(voice_name="streaming", file=f, audio_format="wav").voice_id
    except Exception:  # cozepy 0.20.0 cannot parse the documented clone answer (README): list instead
        voices = [v for v in coze.audio.voices.list(filter_system_voice=True) if v.name == "streaming"]
        if not voices:
            fail("clone", "the cloned voice is not listed")
        voice_id = voices[0].voice_id

    collector = Collector()
    client: WebsocketsAudioSpeechClient = coze.websockets.audio.speech.create(on_event=collector)
    with client() as speech:
        speech.speech_update(
            SpeechUpdateEvent(
                data=SpeechUpdateEvent.Data(
                    output_audio=OutputAudio(
                        codec="pcm", pcm_config=PCMConfig(sample_rate=24000), speech_rate=0, voice_id=voice_id
                    )
                )
            )
        )
        speech.input_text_buffer_append(InputTextBufferAppendEvent.Data(delta="今天天气不错，"))
        speech.input_text_buffer_append(InputTextBufferAppendEvent.Data(delta="我们去公园吧。"))
        speech.input_text_buffer_complete()
        # cozepy 0.20.0's synchronous wait() with its default wait_all=True compares the set of every
        # event type seen with {speech.audio.completed}, which is never equal once other events arrived,
        # so it never returns (against the real service too); wait_all=False returns on
        # speech.audio.completed. The async client's wait() has no such problem.
        speech.wait(wait_all=False)

    if collector.errors:
        fail("session", "; ".join(collector.errors))
    squeezed = [t for i, t in enumerate(collector.types) if not (t == "speech.audio.update" and collector.types[i - 1] == t)]
    expected = [
        "speech.created",
        "speech.updated",
        "input_text_buffer.completed",
        "speech.audio.update",
        "speech.audio.completed",
    ]
    if squeezed != expected:
        fail("events", ", ".join(squeezed))
    if len(collector.logids) != 1 or len(next(iter(collector.logids)) or "") != 53:
        fail("logid", collector.logids)
    # 「今天天气不错，我们去公园吧。」: 14 characters of 0.1 s after a 0.2 s lead-in, 24 kHz 16-bit.
    expected_bytes = 2 * (4800 + 14 * 2400)
    if len(collector.audio) != expected_bytes:
        fail("audio", f"{len(collector.audio)} bytes, not {expected_bytes}")
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with wave.open(args.out, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(24000)
        out.writeframes(bytes(collector.audio))
    print(
        f"cozepy speech stream: OK voice {voice_id}, {len(collector.audio) / 48000:.2f} s of 24 kHz pcm "
        f"-> {os.path.relpath(args.out)} (logid {next(iter(collector.logids))})"
    )


if __name__ == "__main__":
    main()
