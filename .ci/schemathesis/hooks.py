"""Schemathesis hooks for the run in .ci/openapi (loaded through SCHEMATHESIS_HOOKS).

A clone is judged by the bytes of its audio, which a JSON Schema cannot describe: bytes that schemathesis
generates for the `file` part are (rightly) refused as not audio. So every *positive* clone case gets a real
WAV from fixtures/audio (no transcript, so any `text` passes), declared as `wav`, and its `voice_name` and
`text` cut to their limits in bytes of UTF-8 (the schema's `maxLength` counts characters; `x-max-bytes` is
the rule). Negative cases are sent as generated, so "invalid data is rejected" still tests the fake.

JSON Schema counts 35.0 as an integer; the fake, like the Go service behind Coze's API (encoding/json
refuses 35.0 for an int field), reads `sample_rate` and `loudness_rate` as integers and refuses 35.0. So
positive speech cases send integral numbers of integer fields as JSON integers.
"""

import pathlib

import schemathesis

SAMPLE = pathlib.Path(__file__).resolve().parents[2] / "fixtures" / "audio" / "streaming-size.wav"
CLONE_PATH = "/v1/audio/voices/clone"
SPEECH_PATH = "/v1/audio/speech"


def _cut_to_bytes(value, limit):
    """The longest prefix of `value` that fits `limit` bytes of UTF-8, never empty for a non-empty value."""
    data = value.encode("utf-8")[:limit]
    cut = data.decode("utf-8", errors="ignore")
    return cut or "v"


def _integer_fields(case, media_type):
    schema = case.operation.definition.raw["requestBody"]["content"][media_type]["schema"]
    return {
        name
        for name, prop in schema["properties"].items()
        if "integer" in (prop.get("type") if isinstance(prop.get("type"), list) else [prop.get("type")])
    }


@schemathesis.hook
def before_call(context, case, kwargs):
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or not isinstance(case.body, dict):
        return
    if case.operation.path == SPEECH_PATH:
        integers = _integer_fields(case, "application/json")
        case.body = {
            key: int(value) if key in integers and isinstance(value, float) and value.is_integer() else value
            for key, value in case.body.items()
        }
        return
    if case.operation.path != CLONE_PATH:
        return
    properties = case.operation.definition.raw["requestBody"]["content"]["multipart/form-data"]["schema"][
        "properties"
    ]
    body = dict(case.body)
    body["file"] = SAMPLE.read_bytes()
    body["audio_format"] = "wav"
    for field in ("voice_name", "text"):
        if isinstance(body.get(field), str):
            body[field] = _cut_to_bytes(body[field], properties[field]["x-max-bytes"])
    case.body = body
