"""Schemathesis hooks for the run in .ci/openapi (loaded through SCHEMATHESIS_HOOKS).

A clone is judged by the bytes of its audio, which a JSON Schema cannot describe: bytes that schemathesis
generates for the `file` part are (rightly) refused as not audio. So every *positive* clone case gets a real
WAV (no transcript, so any `text` passes), declared as `wav`, and its `voice_name` and `text` cut to their
limits in bytes of UTF-8 (the schema's `maxLength` counts characters; `x-max-bytes` is the rule). The WAV
is 8-bit PCM built of ASCII bytes only, given as text: Schemathesis checks a case again after this hook
changes it, and counts any body holding bytes as invalid, which would turn a valid clone into a "negative"
one. Negative cases are sent as generated, so "invalid data is rejected" still tests the fake.

JSON Schema counts 35.0 as an integer; the fake, like the Go service behind Coze's API (encoding/json
refuses 35.0 for an int field), reads `sample_rate` and `loudness_rate` as integers and refuses 35.0. So
positive speech cases send integral numbers of integer fields as JSON integers.

A seed's entries refer to each other (a workspace names its account, a token its account and workspaces,
a voice its workspace) and must not repeat an id already seeded; JSON Schema can say neither. So every
positive seed case keeps the entries and fields generated, with fresh ids and references that resolve: to
the seed's own accounts and workspaces, or to the configured account of .ci/schemathesis/fake.toml.

An accepted `POST /__admin/faults` changes how the next matching requests are answered (an injected 5xx,
a dropped connection, a long delay), by design; so after each one the run clears the faults
(`DELETE /__admin/faults`), and the other operations are judged on the fake's own answers.
"""

import itertools
import math
import struct
import urllib.parse
import urllib.request

import schemathesis



def _ascii_wav():
    """3.6 s of a 440 Hz tone, 8 kHz 8-bit mono PCM, every byte of it (header included) below 0x80."""
    rate, count = 8000, 0x7000
    samples = bytes(64 + round(40 * math.sin(2 * math.pi * 440 * i / rate)) for i in range(count))
    header = (
        b"RIFF" + struct.pack("<I", 36 + count) + b"WAVE"
        + b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate, 1, 8)
        + b"data" + struct.pack("<I", count)
    )
    wav = header + samples
    assert max(wav) < 0x80
    return wav.decode("ascii")


SAMPLE = _ascii_wav()
CLONE_PATH = "/v1/audio/voices/clone"
SPEECH_PATH = "/v1/audio/speech"
SEED_PATH = "/__admin/seed"
FAULTS_PATH = "/__admin/faults"
# The configured account and its personal workspace (fake.toml), with room for every seeded voice.
ACCOUNT = "schemathesis"
WORKSPACE = "7361638276870530000"
_seeds = itertools.count(1)


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


def _consistent_seed(body):
    """The generated seed with fresh ids and references that resolve."""
    n = next(_seeds)
    accounts = body.get("accounts", [])
    for i, account in enumerate(accounts):
        account["id"] = f"st-{n}-{i}"
    workspaces = body.get("workspaces", [])
    owners = [a["id"] for a in accounts] or [ACCOUNT]
    for i, workspace in enumerate(workspaces):
        workspace["id"] = f"8{n:09d}{i:09d}"
        workspace["account"] = owners[i % len(owners)]
    for i, token in enumerate(body.get("tokens", [])):
        token["value"] = f"pat_st_{n}_{i}"
        own = workspaces[i % len(workspaces)] if workspaces else None
        token["account"] = own["account"] if own else ACCOUNT
        token["personal_workspace"] = own["id"] if own else WORKSPACE
        token["workspaces"] = []
    for i, voice in enumerate(body.get("voices", [])):
        voice["voice_id"] = f"9{n:09d}{i:09d}"
        voice["space_id"] = WORKSPACE
    return body


def _positive(case):
    """Whether every part of the case was generated to be valid."""
    meta = case.meta
    return (
        meta is not None
        and meta.generation.mode.is_positive
        and not any(component.mode.is_negative for component in meta.components.values())
    )


@schemathesis.hook
def after_call(context, case, response):
    if case.operation.path != FAULTS_PATH or case.method.upper() != "POST" or response.status_code != 200:
        return
    url = urllib.parse.urlsplit(response.request.url)
    clear = urllib.request.Request(f"{url.scheme}://{url.netloc}{FAULTS_PATH}", method="DELETE")
    with urllib.request.urlopen(clear, timeout=10) as answer:
        assert answer.status == 200, answer.status


@schemathesis.hook
def before_call(context, case, kwargs):
    if not _positive(case) or not isinstance(case.body, dict):
        return
    if case.operation.path == SEED_PATH:
        case.body = _consistent_seed(case.body)
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
    body["file"] = SAMPLE
    body["audio_format"] = "wav"
    for field in ("voice_name", "text"):
        if isinstance(body.get(field), str):
            body[field] = _cut_to_bytes(body[field], properties[field]["x-max-bytes"])
    case.body = body
