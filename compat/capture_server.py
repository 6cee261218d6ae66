#!/usr/bin/env python3
"""Tiny raw-socket HTTP/1.1 listener used to capture what real Coze clients put on the wire.

It is NOT the fake (that is the Rust `coze-mock`); it only exists so that the request vectors in
fixtures/requests/ can be recorded byte-for-byte, and so that compat/cozepy_check.py and
compat/node/coze_js_check.mjs can be exercised before the Rust server is ready.

* Listens on 127.0.0.1 (port 0 = random unless --port). Prints `LISTENING <port>` on stdout.
* Records every request exactly as read from the socket (request line + headers + body, CRLFs kept)
  into --out DIR as NNN_<METHOD>_<path>.http. A `100 Continue` interim answer is sent when the client
  asks for it; it is not part of the recording.
* Answers like a minimal Coze: envelope {code,msg,data,detail:{logid}}, header x-tt-logid equal to
  detail.logid, full cozepy `Voice` objects, audio/mpeg bytes for speech. Only token `pat_mock` is
  accepted (others: code 4100). voice_name over 128 bytes: code 4000.
  --error-status sets the HTTP status used for error envelopes (default 200).
"""
import argparse
import datetime
import json
import os
import random
import re
import socket
import sys
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
VOICES = {}
LOCK = threading.Lock()
SEQ = [0]


def logid():
    # 14-digit Beijing-time timestamp + 20 upper-case hex = 34 chars, like real Coze logids.
    now = datetime.datetime.utcnow() + datetime.timedelta(hours=8)
    return now.strftime("%Y%m%d%H%M%S") + "".join(random.choice("0123456789ABCDEF") for _ in range(20))


def read_request(conn, buf):
    """Return (raw_bytes, head_dict, method, target, body, buf_rest) or None on EOF."""
    while b"\r\n\r\n" not in buf:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        buf += chunk
    head_end = buf.index(b"\r\n\r\n") + 4
    head = buf[:head_end]
    rest = buf[head_end:]
    lines = head[:-4].split(b"\r\n")
    method, target, _ = lines[0].decode("latin-1").split(" ", 2)
    headers = {}
    for line in lines[1:]:
        k, _, v = line.decode("latin-1").partition(":")
        headers[k.strip().lower()] = v.strip()
    if headers.get("expect", "").lower() == "100-continue":
        conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
    body = b""
    raw_body = b""
    if "chunked" in headers.get("transfer-encoding", "").lower():
        # keep the chunked framing in the recording, decode for our own use
        while True:
            while b"\r\n" not in rest:
                rest += conn.recv(65536)
            line_end = rest.index(b"\r\n") + 2
            size = int(rest[: line_end - 2].split(b";")[0], 16)
            need = line_end + size + 2
            while len(rest) < need:
                rest += conn.recv(65536)
            raw_body += rest[:need]
            body += rest[line_end : line_end + size]
            rest = rest[need:]
            if size == 0:
                break
    else:
        n = int(headers.get("content-length", "0") or 0)
        while len(rest) < n:
            chunk = conn.recv(65536)
            if not chunk:
                break
            rest += chunk
        body = rest[:n]
        raw_body = body
        rest = rest[n:]
    return head + raw_body, headers, method, target, body, rest


def parse_multipart(content_type, body):
    m = re.search(r'boundary="?([^";]+)"?', content_type)
    fields, files = {}, {}
    if not m:
        return fields, files
    boundary = b"--" + m.group(1).encode("latin-1")
    for part in body.split(boundary)[1:]:
        if part.startswith(b"--"):
            break
        part = part[2:] if part.startswith(b"\r\n") else part
        if b"\r\n\r\n" not in part:
            continue
        phead, pbody = part.split(b"\r\n\r\n", 1)
        if pbody.endswith(b"\r\n"):
            pbody = pbody[:-2]
        phead_s = phead.decode("utf-8", "replace")
        nm = re.search(r'name="([^"]*)"', phead_s)
        if not nm:
            continue
        fn = re.search(r'filename="([^"]*)"', phead_s)
        if fn is not None or nm.group(1) == "file":
            files[nm.group(1)] = (fn.group(1) if fn else None, pbody)
        else:
            fields[nm.group(1)] = pbody.decode("utf-8", "replace")
    return fields, files


def voice_obj(v):
    return dict(v)


def handle(method, target, headers, body, args):
    """Return (status, content_type, body_bytes)."""
    lid = logid()
    url = urllib.parse.urlsplit(target)

    def env(code, msg, data=None, status=None):
        d = {"code": code, "msg": msg, "detail": {"logid": lid}}
        if data is not None:
            d["data"] = data
        st = 200 if code == 0 else (status or args.error_status)
        return st, "application/json; charset=utf-8", json.dumps(d, ensure_ascii=False).encode(), lid

    auth = headers.get("authorization", "")
    if auth != "Bearer pat_mock":
        return env(4100, "authentication is invalid", status=401 if args.error_status != 200 else 200)

    if method == "POST" and url.path == "/v1/audio/voices/clone":
        fields, files = parse_multipart(headers.get("content-type", ""), body)
        name = fields.get("voice_name", "")
        if not name:
            return env(4000, "voice_name is required")
        if len(name.encode("utf-8")) > 128:
            return env(4000, "voice_name length exceeds the limit of 128 bytes")
        if "file" not in files or not files["file"][1]:
            return env(4300, "file is empty")
        now = int(time.time())
        with LOCK:
            vid = fields.get("voice_id")
            if vid:
                if vid not in VOICES:
                    return env(4200, "Requested resource voice_id=%s does not exist." % vid)
                v = VOICES[vid]
                if v["available_training_times"] <= 0:
                    return env(4000, "voice training times exhausted")
                v["available_training_times"] -= 1
                v["name"] = name
                v["update_time"] = now
            else:
                # CAPTURE_FIRST_VOICE_ID: fixed id for the first clone (used by capture_vectors.py)
                vid = os.environ.get("CAPTURE_FIRST_VOICE_ID") if not VOICES else None
                vid = vid or str(random.randint(7_300_000_000_000_000_000, 7_599_999_999_999_999_999))
                lang = fields.get("language") or "zh"
                v = {
                    "voice_id": vid, "name": name, "is_system_voice": False,
                    "language_code": lang, "language_name": {"zh": "中文", "en": "英语"}.get(lang, lang),
                    "preview_text": fields.get("preview_text") or "你好，我是你的专属AI克隆声音，希望未来可以一起好好相处哦",
                    "preview_audio": "http://127.0.0.1/preview/%s.mp3" % vid,
                    "available_training_times": 9, "create_time": now, "update_time": now,
                    "model_type": "big", "state": "cloned",
                }
                VOICES[vid] = v
        return env(0, "", voice_obj(v))

    if method == "GET" and url.path == "/v1/audio/voices":
        q = urllib.parse.parse_qs(url.query)
        with LOCK:
            lst = [voice_obj(v) for v in VOICES.values()]
        if q.get("filter_system_voice", ["false"])[0] != "true":
            sysv = {"voice_id": "7426720361733046281", "name": "系统音色", "is_system_voice": True,
                    "language_code": "zh", "language_name": "中文", "preview_text": "你好", "preview_audio": "",
                    "available_training_times": 0, "create_time": 1729686510, "update_time": 1729686510,
                    "model_type": "big", "state": "cloned"}
            lst = [sysv] + lst
        page_num = int(q.get("page_num", ["1"])[0])
        page_size = int(q.get("page_size", ["100"])[0])
        page = lst[(page_num - 1) * page_size : page_num * page_size]
        return env(0, "", {"voice_list": page, "has_more": page_num * page_size < len(lst)})

    if method == "POST" and url.path == "/v1/audio/speech":
        try:
            req = json.loads(body or b"{}")
        except ValueError:
            return env(4000, "The field http body provided is not a valid json. Please check your input.")
        if not req.get("input") or not req.get("voice_id"):
            return env(4000, "input and voice_id are required")
        with open(os.path.join(HERE, "voice.mp3"), "rb") as f:
            audio = f.read()
        return 200, "audio/mpeg", audio, lid

    return env(4200, "Requested resource %s does not exist." % url.path, status=404)


def serve_conn(conn, args):
    buf = b""
    try:
        while True:
            r = read_request(conn, buf)
            if r is None:
                return
            raw, headers, method, target, body, buf = r
            with LOCK:
                SEQ[0] += 1
                n = SEQ[0]
            if args.out:
                safe = re.sub(r"[^A-Za-z0-9]+", "_", urllib.parse.urlsplit(target).path).strip("_")
                with open(os.path.join(args.out, "%03d_%s_%s.http" % (n, method, safe)), "wb") as f:
                    f.write(raw)
            status, ctype, payload, lid = handle(method, target, headers, body, args)
            reason = {200: "OK", 401: "Unauthorized", 400: "Bad Request", 404: "Not Found"}.get(status, "Error")
            resp = (
                "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\nX-Tt-Logid: %s\r\n"
                "Connection: keep-alive\r\n\r\n" % (status, reason, ctype, len(payload), lid)
            ).encode("latin-1") + payload
            conn.sendall(resp)
    except (ConnectionError, OSError):
        pass
    finally:
        conn.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--out", default=None, help="directory to write raw requests into")
    ap.add_argument("--error-status", type=int, default=200, help="HTTP status of error envelopes")
    ap.add_argument("--max-seconds", type=int, default=600, help="exit after this long (safety)")
    args = ap.parse_args()
    if args.out:
        os.makedirs(args.out, exist_ok=True)
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", args.port))
    s.listen(16)
    print("LISTENING %d" % s.getsockname()[1], flush=True)
    deadline = time.time() + args.max_seconds
    s.settimeout(1.0)
    while time.time() < deadline:
        try:
            conn, _ = s.accept()
        except socket.timeout:
            continue
        threading.Thread(target=serve_conn, args=(conn, args), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
