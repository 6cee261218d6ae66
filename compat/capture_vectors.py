#!/usr/bin/env python3
"""Re-record the request vectors in fixtures/requests/ (see fixtures/requests/README.md).

Run from the repository root after `compat/run.sh --install-only`:
    compat/.venv/bin/python compat/capture_vectors.py
Needs curl on PATH. Starts compat/capture_server.py on a random 127.0.0.1 port, makes each call
once with the real client, and stores the raw bytes the listener read as <name>.http.
Every vector uses the token pat_mock, except the *_bad_token ones (pat_invalid_compat_check).
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
OUT = os.path.join(ROOT, "fixtures", "requests")
PY = os.path.join(HERE, ".venv", "bin", "python")
NODE_DIR = os.path.join(HERE, "node")
# The voice id every retrain/speech vector refers to: the capture listener hands out this id for
# the first clone (see FIXED_VOICE_ID below). 19 digits, so a test may byte-replace it with the id
# its own fake assigned without changing Content-Length.
FIXED_VOICE_ID = "7468518753626652713"


def main():
    work = tempfile.mkdtemp(prefix="coze-capture-")
    cap = os.path.join(work, "cap")
    audio = os.path.join(work, "audio")
    os.makedirs(audio)
    shutil.copy(os.path.join(HERE, "voice.mp3"), os.path.join(audio, "voice.mp3"))
    shutil.copy(os.path.join(HERE, "voice.wav"), os.path.join(audio, "voice.wav"))
    shutil.copy(os.path.join(HERE, "voice.mp3"), os.path.join(audio, "jay.MP3"))
    env = dict(os.environ, CAPTURE_FIRST_VOICE_ID=FIXED_VOICE_ID)
    srv = subprocess.Popen([sys.executable, os.path.join(HERE, "capture_server.py"), "--out", cap,
                            "--max-seconds", "300"], stdout=subprocess.PIPE, text=True, env=env)
    port = int(srv.stdout.readline().split()[1])
    base = "http://127.0.0.1:%d" % port
    made = []

    def grab(name, argv, cwd=None, expect=1):
        before = set(os.listdir(cap)) if os.path.isdir(cap) else set()
        r = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=60)
        time.sleep(0.2)
        new = sorted(set(os.listdir(cap)) - before)
        if len(new) != expect:
            sys.exit("capture %s: expected %d request(s), got %d\nstdout: %s\nstderr: %s"
                     % (name, expect, len(new), r.stdout, r.stderr))
        shutil.move(os.path.join(cap, new[0]), os.path.join(OUT, name + ".http"))
        made.append((name, r.stdout.strip()[:200]))

    def py(code, token="pat_mock"):
        prelude = (
            "import warnings; warnings.filterwarnings('ignore')\n"
            "from pathlib import Path\nfrom cozepy import Coze, TokenAuth, CozeAPIError\n"
            "coze = Coze(auth=TokenAuth(token=%r), base_url=%r)\nA = Path(%r)\n" % (token, base, audio)
        )
        return [PY, "-c", prelude + "try:\n" + "".join("    " + l + "\n" for l in code.splitlines())
                + "except CozeAPIError as e:\n    print('CozeAPIError', e.code, e.msg)\n"]

    def js(code, token="pat_mock"):
        src = (
            "import fs from 'node:fs';\nimport { CozeAPI } from '@coze/api';\n"
            "const coze = new CozeAPI({ token: %s, baseURL: %s });\nconst A = %s;\n"
            "try {\n%s\n} catch (e) { console.log(e.name, e.code, e.msg); }\n"
            % (json.dumps(token), json.dumps(base), json.dumps(audio), code)
        )
        path = os.path.join(NODE_DIR, ".capture_tmp.mjs")
        with open(path, "w") as f:
            f.write(src)
        return ["node", path]

    zh_preview = "你好，我是你的专属AI克隆声音"
    # --- cozepy -------------------------------------------------------------------------------
    grab("cozepy_clone", py(
        "v = coze.audio.voices.clone(voice_name='compat-voice', file=A / 'voice.mp3', audio_format='mp3',"
        " language='zh', preview_text=%r, text='你好呀，欢迎')\nprint(v.voice_id)" % zh_preview))
    grab("cozepy_clone_wav", py(
        "v = coze.audio.voices.clone(voice_name='compat-voice-wav', file=A / 'voice.wav', audio_format='wav')"
        "\nprint(v.voice_id)"))
    grab("cozepy_clone_all_fields", py(
        "v = coze.audio.voices.clone(voice_name='开朗大男孩', file=A / 'voice.mp3', audio_format='mp3',"
        " language='zh', preview_text=%r, text='你好呀', space_id='7361638276870530000',"
        " description='compat vector with every optional field')\nprint(v.voice_id)" % zh_preview))
    grab("cozepy_retrain", py(
        "v = coze.audio.voices.clone(voice_name='compat-voice', file=A / 'voice.mp3', audio_format='mp3',"
        " language='zh', voice_id=%r, preview_text=%r, text='你好呀，欢迎')\nprint(v.voice_id)"
        % (FIXED_VOICE_ID, zh_preview)))
    grab("cozepy_list", py(
        "p = coze.audio.voices.list(filter_system_voice=True)\nprint(len(p.items))"))
    grab("cozepy_list_default", py("p = coze.audio.voices.list()\nprint(len(p.items))"))
    grab("cozepy_speech", py(
        "r = coze.audio.speech.create(input='你好，世界', voice_id=%r)\nprint(r.response.logid)" % FIXED_VOICE_ID))
    grab("cozepy_clone_bad_token", py(
        "coze.audio.voices.clone(voice_name='compat-voice', file=A / 'voice.mp3', audio_format='mp3')",
        token="pat_invalid_compat_check"))
    grab("cozepy_clone_long_name", py(
        "coze.audio.voices.clone(voice_name='a' * 129, file=A / 'voice.mp3', audio_format='mp3', language='zh')"))
    # --- @coze/api ----------------------------------------------------------------------------
    grab("coze_js_clone", js(
        "const v = await coze.audio.voices.clone({ voice_name: 'compat-voice', file: fs.createReadStream(A + '/voice.mp3'),"
        " audio_format: 'mp3', language: 'zh', preview_text: %s, text: '你好呀，欢迎' }); console.log(v.voice_id);"
        % json.dumps(zh_preview, ensure_ascii=False)), cwd=NODE_DIR)
    grab("coze_js_clone_buffer", js(
        "const v = await coze.audio.voices.clone({ voice_name: 'compat-voice-buf', file: fs.readFileSync(A + '/voice.mp3'),"
        " audio_format: 'mp3' }); console.log(v.voice_id);"), cwd=NODE_DIR)
    grab("coze_js_retrain", js(
        "const v = await coze.audio.voices.clone({ voice_name: 'compat-voice', file: fs.createReadStream(A + '/voice.mp3'),"
        " audio_format: 'mp3', language: 'zh', voice_id: %s, preview_text: %s, text: '你好呀，欢迎' }); console.log(v.voice_id);"
        % (json.dumps(FIXED_VOICE_ID), json.dumps(zh_preview, ensure_ascii=False))), cwd=NODE_DIR)
    grab("coze_js_list", js(
        "const d = await coze.audio.voices.list({ filter_system_voice: true }); console.log(d.voice_list.length);"),
        cwd=NODE_DIR)
    grab("coze_js_speech", js(
        "const b = await coze.audio.speech.create({ input: '你好，世界', voice_id: %s, response_format: 'mp3' });"
        " console.log(b.byteLength);" % json.dumps(FIXED_VOICE_ID)), cwd=NODE_DIR)
    grab("coze_js_clone_bad_token", js(
        "await coze.audio.voices.clone({ voice_name: 'compat-voice', file: fs.createReadStream(A + '/voice.mp3'),"
        " audio_format: 'mp3' });", token="pat_invalid_compat_check"), cwd=NODE_DIR)
    grab("coze_js_clone_long_name", js(
        "await coze.audio.voices.clone({ voice_name: 'a'.repeat(129), file: fs.createReadStream(A + '/voice.mp3'),"
        " audio_format: 'mp3', language: 'zh' });"), cwd=NODE_DIR)
    # --- curl: the documentation page's example, verbatim except URL, token and file path ------
    grab("curl_doc_example_clone", [
        "curl", "-sS", "--location", "--request", "POST", base + "/v1/audio/voices/clone",
        "--header", "Authorization: Bearer pat_mock",
        "--header", "Content-Type: application/json",
        "--form", 'voice_name="jay"',
        "--form", 'preview_text="你好，欢迎来到AI世界，我是你的专属AI克隆声音，希望未来可以一起好好相处。"',
        "--form", 'audio_format="mp3"',
        "--form", 'file=@"%s/jay.MP3"' % audio,
    ])
    # the same without the page's wrong Content-Type header (what curl does by itself)
    grab("curl_form_clone", [
        "curl", "-sS", "--location", "--request", "POST", base + "/v1/audio/voices/clone",
        "--header", "Authorization: Bearer pat_mock",
        "--form", 'voice_name="jay"',
        "--form", 'audio_format="mp3"',
        "--form", 'file=@"%s/jay.MP3"' % audio,
    ])
    srv.terminate()
    srv.wait(5)
    try:
        os.remove(os.path.join(NODE_DIR, ".capture_tmp.mjs"))
    except OSError:
        pass
    shutil.rmtree(work, ignore_errors=True)
    for name, out in made:
        size = os.path.getsize(os.path.join(OUT, name + ".http"))
        print("%-28s %6d bytes  client said: %s" % (name + ".http", size, out.replace("\n", " | ")))


if __name__ == "__main__":
    main()
