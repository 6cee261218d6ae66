#!/usr/bin/env python3
"""Compatibility check of a coze-mock server against the official Python SDK (cozepy).

Usage: python cozepy_check.py BASE_URL [--token pat_mock] [--audio PATH] [--audio-format wav]
                              [--clone-answer documented|voice] [--clones-unlisted]

--clone-answer says which clone answer the server gives (its `[fidelity] clone_answer`):
  documented (the default): `data` is {"voice_id"} only, as Coze documents it. cozepy 0.20.0 parses a
    clone's `data` into its 12-field Voice, so clone() raises a pydantic ValidationError although the
    voice was created. The check expects that error, then finds the voice through list(), the way the
    README tells cozepy users to.
  voice: `data` is the whole voice, and clone() returns a Voice.
--clones-unlisted: the list never shows the clones (coze-mock proxy --spend none, where the shadow fake
  answers clones and the upstream the list): step 3 expects the clone absent. Needs --clone-answer voice.

Runs, through cozepy only (no hand-made HTTP):
  1. clone a new voice      -> Voice with a 19-digit voice_id, non-empty logid
                               (documented: ValidationError, then the voice found by name in list())
  2. retrain it (voice_id)  -> same voice_id (documented: ValidationError, then 8 trainings left)
  3. list voices (filter_system_voice=True) -> the clone is listed (--clones-unlisted: it is not)
  4. speech with the clone  -> non-empty audio bytes (mp3 frame sync or ID3 tag)
  5. errors: bad token -> CozeAPIError code 4100; 129-byte voice_name -> CozeAPIError code 4000
Prints the logid of every step; exits 1 on the first failure with a clear message.
"""
import argparse
import os
import re
import sys
import tempfile
import time
import uuid
from pathlib import Path

try:
    import cozepy
    from cozepy import Coze, CozeAPIError, TokenAuth
except ImportError as e:  # pragma: no cover
    print("FAIL cozepy is not installed: %s" % e)
    sys.exit(2)

HERE = Path(__file__).resolve().parent
RESULTS = {"passed": 0, "failed": 0}


class CheckFailed(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise CheckFailed(msg)


def step(name, fn):
    t0 = time.time()
    try:
        out = fn()
    except CheckFailed as e:
        RESULTS["failed"] += 1
        print("FAIL [cozepy] %s: %s" % (name, e), flush=True)
        raise
    except Exception as e:  # unexpected SDK exception = failure too
        RESULTS["failed"] += 1
        print("FAIL [cozepy] %s: unexpected %s: %s" % (name, type(e).__name__, e), flush=True)
        raise CheckFailed(str(e))
    RESULTS["passed"] += 1
    print("ok   [cozepy] %s (%.0f ms)" % (name, (time.time() - t0) * 1000), flush=True)
    return out


def is_mp3(b):
    return b[:3] == b"ID3" or (len(b) > 1 and b[0] == 0xFF and (b[1] & 0xE0) == 0xE0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("base_url")
    ap.add_argument("--token", default=os.environ.get("COZE_MOCK_TOKEN", "pat_mock"))
    ap.add_argument("--audio", default=os.environ.get("COMPAT_AUDIO", str(HERE / "voice.wav")))
    ap.add_argument("--audio-format", default=None, help="defaults to the audio file's extension")
    ap.add_argument("--clone-answer", choices=["documented", "voice"], default="documented")
    ap.add_argument("--clones-unlisted", action="store_true",
                    help="the list never shows the clones (a proxy under --spend none)")
    a = ap.parse_args()
    if a.clones_unlisted and a.clone_answer == "documented":
        ap.error("--clones-unlisted needs --clone-answer voice (on the documented answer the clone is "
                 "found through the list)")
    audio = Path(a.audio)
    fmt = a.audio_format or audio.suffix.lstrip(".").lower()
    base = a.base_url.rstrip("/")
    print("cozepy %s against %s (audio %s, %s, clone answer %s)"
          % (__import__("cozepy.version", fromlist=["VERSION"]).VERSION, base, audio, fmt, a.clone_answer),
          flush=True)
    documented = a.clone_answer == "documented"
    coze = Coze(auth=TokenAuth(token=a.token), base_url=base)
    name = "compat-py-" + uuid.uuid4().hex[:8]

    def listed(voice_name):
        """The cloned voice named voice_name, found through list() (the README's snippet)."""
        for v in coze.audio.voices.list(filter_system_voice=True):
            if v.name == voice_name:
                return v
        raise CheckFailed("no cloned voice named %r in the list" % voice_name)

    def raises_validation_error(call):
        """Runs a clone that must raise pydantic's ValidationError (cozepy cannot parse {voice_id})."""
        try:
            v = call()
        except CozeAPIError as e:
            raise CheckFailed("the server refused the clone: code %s msg %r" % (e.code, e.msg))
        except Exception as e:
            check(type(e).__name__ == "ValidationError",
                  "cozepy raised %s, not a ValidationError: %s" % (type(e).__name__, e))
            print("     cozepy raised %s on the documented answer (the voice was created)"
                  % type(e).__name__, flush=True)
            return
        raise CheckFailed("cozepy parsed the answer into %r: is the server answering the whole voice?"
                          % type(v).__name__)

    def clone():
        call = lambda: coze.audio.voices.clone(  # noqa: E731
            voice_name=name, file=audio, audio_format=fmt, language="zh",
            preview_text="你好，我是兼容性检查的克隆声音", text="你好呀，欢迎",
        )
        if documented:
            raises_validation_error(call)
            v = listed(name)
            check(re.fullmatch(r"\d{19}", v.voice_id or "") is not None,
                  "voice_id %r is not 19 decimal digits" % v.voice_id)
            check(v.available_training_times == 9, "a new voice has %r trainings left, want 9"
                  % v.available_training_times)
            print("     clone found through list: voice_id=%s" % v.voice_id, flush=True)
            return v
        v = call()
        check(isinstance(v, cozepy.Voice), "clone did not return a Voice but %r" % type(v))
        check(re.fullmatch(r"\d{19}", v.voice_id or "") is not None,
              "voice_id %r is not 19 decimal digits" % v.voice_id)
        check(v.name == name, "clone returned name %r, sent %r" % (v.name, name))
        check(v.is_system_voice is False, "a cloned voice must have is_system_voice=false")
        lid = v.response.logid
        check(bool(lid), "clone: no x-tt-logid header exposed by the SDK")
        print("     clone voice_id=%s logid=%s available_training_times=%s state=%s model_type=%s"
              % (v.voice_id, lid, v.available_training_times, v.state, v.model_type), flush=True)
        return v

    voice = step("clone new voice", clone)

    def retrain():
        call = lambda: coze.audio.voices.clone(  # noqa: E731
            voice_name=name, file=audio, audio_format=fmt, language="zh", voice_id=voice.voice_id,
            preview_text="你好，我是兼容性检查的克隆声音", text="你好呀，欢迎",
        )
        if documented:
            raises_validation_error(call)
            v = listed(name)
            check(v.voice_id == voice.voice_id, "retrain changed the id: %s -> %s"
                  % (voice.voice_id, v.voice_id))
            check(v.available_training_times == 8, "after a retrain %r trainings left, want 8"
                  % v.available_training_times)
            return v
        v = call()
        check(v.voice_id == voice.voice_id, "retrain changed the id: %s -> %s" % (voice.voice_id, v.voice_id))
        lid = v.response.logid
        check(bool(lid), "retrain: no logid")
        print("     retrain voice_id=%s logid=%s available_training_times=%s"
              % (v.voice_id, lid, v.available_training_times), flush=True)
        return v

    step("retrain keeps voice_id", retrain)

    def listing():
        paged = coze.audio.voices.list(filter_system_voice=True)
        lid = paged.response.logid
        check(bool(lid), "list: no logid")
        found = None
        n = 0
        for v in paged:  # iterates every page
            n += 1
            check(not v.is_system_voice, "filter_system_voice=true still listed system voice %s" % v.voice_id)
            if v.voice_id == voice.voice_id:
                found = v
        if a.clones_unlisted:
            check(found is None, "clone %s is in the list: the list was to be the upstream's, which never "
                  "saw the clone" % voice.voice_id)
            print("     list: %d voices, clone %s not among them, logid=%s" % (n, voice.voice_id, lid), flush=True)
            return
        check(found is not None, "clone %s not in the list of %d voices" % (voice.voice_id, n))
        print("     list: %d voices, found %s (%s) logid=%s" % (n, found.voice_id, found.name, lid), flush=True)

    step("list voices leaves the clone out" if a.clones_unlisted else "list voices finds the clone", listing)

    def speech():
        resp = coze.audio.speech.create(input="你好，世界", voice_id=voice.voice_id)
        check(isinstance(resp, cozepy.FileHTTPResponse) if hasattr(cozepy, "FileHTTPResponse") else True,
              "speech did not return a file response (content type must contain 'audio')")
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "out.mp3")
            resp.write_to_file(p)
            data = open(p, "rb").read()
        check(len(data) > 0, "speech returned no audio bytes")
        check(is_mp3(data), "speech (mp3) bytes start with %r, not ID3 or an MPEG frame sync" % data[:4])
        lid = resp.response.logid
        check(bool(lid), "speech: no logid")
        print("     speech: %d bytes, head %s, logid=%s" % (len(data), data[:4].hex(), lid), flush=True)

    step("speech with the clone returns mp3", speech)

    def bad_token():
        bad = Coze(auth=TokenAuth(token="pat_invalid_compat_check"), base_url=base)
        try:
            bad.audio.voices.clone(voice_name=name, file=audio, audio_format=fmt)
        except CozeAPIError as e:
            check(e.code == 4100, "bad token gave code %r (msg %r), want 4100" % (e.code, e.msg))
            check(bool(e.logid), "bad token: CozeAPIError.logid is empty")
            print("     bad token: code=%s msg=%r logid=%s" % (e.code, e.msg, e.logid), flush=True)
            return
        raise CheckFailed("clone with a bad token did not raise CozeAPIError")

    step("bad token -> 4100", bad_token)

    def long_name():
        long = "a" * 129
        try:
            coze.audio.voices.clone(voice_name=long, file=audio, audio_format=fmt, language="zh")
        except CozeAPIError as e:
            check(e.code == 4000, "129-byte voice_name gave code %r (msg %r), want 4000" % (e.code, e.msg))
            check(bool(e.logid), "long name: CozeAPIError.logid is empty")
            print("     long name: code=%s msg=%r logid=%s" % (e.code, e.msg, e.logid), flush=True)
            return
        raise CheckFailed("clone with a 129-byte voice_name did not raise CozeAPIError")

    step("129-byte voice_name -> 4000", long_name)


if __name__ == "__main__":
    rc = 0
    try:
        main()
    except CheckFailed:
        rc = 1
    print("cozepy: %d passed, %d failed" % (RESULTS["passed"], RESULTS["failed"]), flush=True)
    sys.exit(rc)
