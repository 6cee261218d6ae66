#!/usr/bin/env python3
"""The official SDKs through `coze-mock proxy`, in front of an upstream fake that plays the real API.

Usage: compat/.venv/bin/python compat/proxy_check.py --coze-mock PATH --drift PATH [--keep DIR]

--coze-mock is the built `coze-mock` binary, --drift contract-tests' `drift` binary; `.ci/proxy` builds
both and installs the SDKs first (compat/run.sh --install-only). Every server binds 127.0.0.1 port 0; each
is stopped (its process group) when its part ends, also on failure or Ctrl-C. Nothing leaves the machine.

Two byte taps (TCP relays that keep what passes) surround the proxy: client -> tap -> proxy -> tap ->
upstream. What the SDKs received is judged from the client tap, what the upstream sent from the upstream
tap and its journal, never from what the proxy says about itself.

  spend-all   the upstream (compat/proxy-upstream.toml) answers a clone with the whole voice and every
              error with HTTP 200, the shadow as documented and without --config (the default: the upstream
              decides authentication, so the SDKs' bad token is a refusal both agree on but for the status);
              `--spend all --record DIR`. Both SDKs' checks pass (compat/run.sh --clone-answer voice); every answer the client received is the
              upstream's byte for byte (status, headers but hop-by-hop ones, body; the request arrived
              unchanged but Host), its x-tt-logid one the upstream's journal logged for that path, and
              every logid the SDKs printed is one of them; @coze/api's streaming speech session (ws://)
              carried every data frame, each way, byte for byte, its logid the upstream's; the drift
              report (GET /__admin/drift, its JUnit form, `coze-mock drift`) names each disagreement by
              its ledger row, clone.answer for exactly the accepted clones and errors.status for exactly
              the refusals, with totals; no file of DIR holds a token; `drift replay DIR`
              agrees with a fresh fake of the upstream's settings and differs from a documented one.
  https       `--spend all --tls --config compat/proxy-shadow.toml` (a tokens file of one's own): cozepy's checks (its WebSocket client needs https) pass through the
              proxy over HTTPS, each logid cozepy printed one the upstream sent and journaled, its
              streaming session (wss://) the one the upstream served, and the report contradicts the same
              two rows.
  spend-none  the default guard: the checks pass (the shadow answers clones and speech, the upstream
              only the list: compat/run.sh --clones-unlisted), the clone and speech answers carry the
              not-forwarded header, the upstream's journal and tap show only the list, and the report
              marks every clone and speech exchange not forwarded.
  failures    a delay fault on the upstream longer than --upstream-timeout and a drop fault: the client's
              connection closes without an answer, the report counts two upstream failures (timeout,
              dropped) and no divergence, and `coze-mock drift --fail-on diverged` exits 0.

Prints `ok`/`FAIL` per assertion and ends with `proxy check: N passed, N failed` (exit 1 on a failure).
"""

import argparse
import contextlib
import json
import os
import re
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

import httpx

from byte_tap import Tap

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
UPSTREAM_CONFIG = HERE / "proxy-upstream.toml"
CLONE_ANSWER_VOICE = HERE / "clone-answer-voice.toml"
SHADOW_CONFIG = HERE / "proxy-shadow.toml"
CONTRACT_CONFIG = ROOT / "contract-tests" / "fixtures" / "contract.toml"
# The tokens the SDK checks send (compat/run.sh's default and their bad one): never in a recording.
TOKENS = ("pat_mock", "pat_invalid_compat_check")
NOT_FORWARDED_HEADER = "x-coze-mock-proxy"
LISTENING = re.compile(r"coze-mock listening on (https?://\S+)")
START_TIMEOUT = 60
RESULTS = {"passed": 0, "failed": 0}


def check(cond, what, detail=""):
    """One assertion: counted and printed, never raised, so one run shows every failure."""
    if cond:
        RESULTS["passed"] += 1
        print("ok   %s" % what, flush=True)
    else:
        RESULTS["failed"] += 1
        print("FAIL %s%s" % (what, ": " + detail if detail else ""), flush=True)
    return cond


class Stop(Exception):
    """A part cannot go on (a server did not start): its later assertions would mean nothing."""


# ---------------------------------------------------------------------------------------------- servers

class Server:
    """A coze-mock process in its own process group, its output in a log file; stopped by `stop`."""

    def __init__(self, name, argv, logdir):
        self.name = name
        self.log = Path(logdir) / ("%s.log" % name)
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
        print("     started %s (pid %d): %s" % (name, self.proc.pid, " ".join(map(str, argv[1:]))), flush=True)
        self.url = self._wait_listening()

    def _wait_listening(self):
        deadline = time.time() + START_TIMEOUT
        while time.time() < deadline:
            found = LISTENING.search(self.log.read_text(errors="replace"))
            if found:
                return found.group(1)
            if self.proc.poll() is not None:
                raise Stop("%s exited (%s) before listening:\n%s" % (self.name, self.proc.returncode,
                                                                     self.log.read_text(errors="replace")))
            time.sleep(0.05)
        raise Stop("%s not listening after %ds" % (self.name, START_TIMEOUT))

    def output(self):
        return self.log.read_text(errors="replace")

    def stop(self):
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def start(stack, name, argv, logdir):
    server = Server(name, argv, logdir)
    stack.callback(server.stop)
    return server


def fetch(url, method="GET", body=None, ca=None):
    """The bytes `url` answers (an https URL trusted through the certificate authority in `ca`)."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers={"content-type": "application/json"})
    context = ssl.create_default_context(cafile=str(ca)) if ca else None
    with urllib.request.urlopen(req, timeout=30, context=context) as resp:
        return resp.read()


def admin(base, path, method="GET", body=None, ca=None):
    """An admin call (loopback: no token); the envelope's `data`."""
    return json.loads(fetch(base + path, method, body, ca))["data"]


def journal(base):
    """Every record of a server's journal."""
    records, after = [], 0
    while True:
        page = admin(base, "/__admin/journal?after=%d" % after)["records"]
        if not page:
            return records
        records += page
        after = page[-1]["id"]


def run(argv, **kw):
    """Runs a command, its output echoed indented; returns (exit status, output)."""
    done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT, **kw)
    for line in done.stdout.splitlines():
        print("     | " + line, flush=True)
    return done.returncode, done.stdout


# ------------------------------------------------------------------------------------------------- taps

def start_tap(stack, base_url):
    host, port = base_url.split("://", 1)[1].rsplit(":", 1)
    tap = Tap((host, int(port)))
    stack.callback(tap.stop)
    return tap


# ------------------------------------------------------------------------------------------------ parts

def upstream_argv(coze_mock, config=None):
    argv = [coze_mock, "serve", "--addr", "127.0.0.1:0", "--in-memory"]
    return argv + (["--config", str(config)] if config else [])


def proxy_argv(coze_mock, upstream, *flags):
    return [coze_mock, "proxy", "--upstream", upstream, "--addr", "127.0.0.1:0", *flags]


def drift_report(proxy, exchanges, ca=None):
    """The proxy's drift report once it holds `exchanges` exchanges (each is added when its answer has
    ended, just after the client saw that end), or as it stands after 10 s."""
    deadline = time.time() + 10
    while True:
        report = admin(proxy.url, "/__admin/drift", ca=ca)
        if report["totals"]["exchanges"] >= exchanges or time.time() > deadline:
            return report
        time.sleep(0.05)


def sdk_checks(base_url, *flags):
    rc, out = run(["bash", str(HERE / "run.sh"), *flags, base_url])
    return rc, out


def forwarded_pairs(client_tap):
    """The client tap's exchanges with a whole HTTP answer (not a WebSocket upgrade)."""
    return [(q, a) for q, a in client_tap.exchanges() if a is not None and a.status != 101]


def websocket_sessions(tap):
    """The exchanges a tap saw answered with 101 Switching Protocols, each with its WebSocket's frames."""
    return [(q, a) for q, a in tap.exchanges() if a is not None and a.status == 101]


# The handshake's headers one connection negotiates: a relay makes its own.
PER_CONNECTION = ("sec-websocket-key", "sec-websocket-accept", "sec-websocket-extensions")


def same_session(client_side, upstream_side):
    """Why the WebSocket session the client had is not the upstream's, or None when every data frame each
    way is the other side's byte for byte (control frames and the handshake's own keys are the
    connection's)."""
    (c_req, c_ans), (u_req, u_ans) = client_side, upstream_side
    if c_ans.end_to_end_headers(*PER_CONNECTION) != u_ans.end_to_end_headers(*PER_CONNECTION):
        return "101 headers %s, the upstream's %s" % (c_ans.end_to_end_headers(*PER_CONNECTION),
                                                       u_ans.end_to_end_headers(*PER_CONNECTION))
    if c_req.target != u_req.target:
        return "the upgrade request reached the upstream as %s" % u_req.target
    if c_req.end_to_end_headers("host", *PER_CONNECTION) != u_req.end_to_end_headers("host", *PER_CONNECTION):
        return "upgrade request headers %s reached the upstream as %s" % (
            c_req.end_to_end_headers("host", *PER_CONNECTION), u_req.end_to_end_headers("host", *PER_CONNECTION))
    if not c_ans.frames or c_ans.frames != u_ans.frames:
        return "%d server frames, the upstream sent %d (or they differ)" % (len(c_ans.frames), len(u_ans.frames))
    if c_req.frames != u_req.frames:
        return "%d client frames, %d reached the upstream (or they differ)" % (len(c_req.frames), len(u_req.frames))
    return None


def same_answer(client_side, upstream_side):
    """Why the answer the client got is not the upstream's, or None when it is, byte for byte."""
    (c_req, c_ans), (u_req, u_ans) = client_side, upstream_side
    if not (c_ans.complete and u_ans.complete):
        return "an answer is incomplete"
    if c_ans.status != u_ans.status:
        return "status %d, the upstream's %d" % (c_ans.status, u_ans.status)
    if c_ans.end_to_end_headers() != u_ans.end_to_end_headers():
        return "headers %s, the upstream's %s" % (c_ans.end_to_end_headers(), u_ans.end_to_end_headers())
    if c_ans.body != u_ans.body:
        return "body of %d bytes, the upstream's of %d" % (len(c_ans.body), len(u_ans.body))
    if c_req.target != u_req.target or c_req.body != u_req.body:
        return "the request reached the upstream changed: %s (%d bytes) -> %s (%d bytes)" % (
            c_req.target, len(c_req.body), u_req.target, len(u_req.body))
    if c_req.end_to_end_headers("host") != u_req.end_to_end_headers("host"):
        return "request headers %s reached the upstream as %s" % (
            c_req.end_to_end_headers("host"), u_req.end_to_end_headers("host"))
    return None


def code(answer):
    """The envelope's `code` of an answer, None when it is no JSON envelope (audio)."""
    try:
        return json.loads(answer.body).get("code")
    except (ValueError, AttributeError):
        return None


def replay_config(tmp):
    """contract.toml (the tokens `drift replay` sends) with the upstream's [fidelity] and [rules]."""
    upstream = tomllib.loads(UPSTREAM_CONFIG.read_text())
    lines = [CONTRACT_CONFIG.read_text(), ""]
    for table in ("fidelity", "rules"):
        if table in upstream:
            lines.append("[%s]" % table)
            lines += ["%s = %s" % (k, json.dumps(v)) for k, v in upstream[table].items()]
    path = Path(tmp) / "replay.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def spend_all(args, tmp):
    print("== spend all: the SDKs through the proxy to an upstream that answers clones otherwise", flush=True)
    record = Path(tmp) / "recorded"
    with contextlib.ExitStack() as stack:
        upstream = start(stack, "upstream-all", upstream_argv(args.coze_mock, UPSTREAM_CONFIG), tmp)
        upstream_tap = start_tap(stack, upstream.url)
        # No --config: the shadow's own default holds pat_mock (the upstream's token too); the SDKs' bad
        # token is the upstream's to refuse.
        proxy = start(stack, "proxy-all", proxy_argv(
            args.coze_mock, upstream_tap.url, "--spend", "all", "--record", str(record)), tmp)
        client_tap = start_tap(stack, proxy.url)
        rc, out = sdk_checks(client_tap.url, "--clone-answer", "voice")
        check(rc == 0, "spend all: both SDKs' checks pass through the proxy", "compat/run.sh exit %d" % rc)
        check("warning: --spend all" in proxy.output(), "spend all: the proxy warns what it costs at start-up")

        client = forwarded_pairs(client_tap)
        sessions = websocket_sessions(client_tap)
        by_logid = {a.header("x-tt-logid"): (q, a) for q, a in upstream_tap.exchanges()
                    if a is not None and a.status != 101}
        upstream_journal = {r["logid"]: r for r in journal(upstream.url)}
        mismatches = []
        for q, a in client:
            logid = a.header("x-tt-logid")
            if a.header(NOT_FORWARDED_HEADER) is not None:
                mismatches.append("%s answered by the shadow (%s)" % (q.target, a.header(NOT_FORWARDED_HEADER)))
            elif logid not in by_logid:
                mismatches.append("%s: logid %s never came from the upstream" % (q.target, logid))
            elif logid not in upstream_journal or upstream_journal[logid]["path"] != q.target.split(" ")[1].split("?")[0]:
                mismatches.append("%s: logid %s is not in the upstream's journal for that path" % (q.target, logid))
            else:
                why = same_answer((q, a), by_logid[logid])
                if why:
                    mismatches.append("%s logid %s: %s" % (q.target, logid, why))
        check(len(client) >= 12 and not mismatches,
              "spend all: each of the %d answers the SDKs received is the upstream's byte for byte, its "
              "logid in the upstream's journal" % len(client), "; ".join(mismatches) or "too few exchanges")
        check(len(by_logid) == len(client),
              "spend all: the upstream answered exactly the %d requests the SDKs sent (never retried)" % len(client),
              "the upstream tap saw %d" % len(by_logid))
        upstream_sessions = {a.header("x-tt-logid"): (q, a) for q, a in websocket_sessions(upstream_tap)}
        differing = []
        for q, a in sessions:
            logid = a.header("x-tt-logid")
            if logid not in upstream_sessions:
                differing.append("session logid %s never came from the upstream" % logid)
            elif logid not in upstream_journal or upstream_journal[logid]["endpoint"] != "speech_stream":
                differing.append("session logid %s is not a streaming speech in the upstream's journal" % logid)
            else:
                why = same_session((q, a), upstream_sessions[logid])
                if why:
                    differing.append("session logid %s: %s" % (logid, why))
        streamed = set(re.findall(r"\(logid ([0-9a-f]{53})\)", out))
        differing += ["the SDK's session logid %s is not the relayed one" % x
                      for x in streamed - {a.header("x-tt-logid") for _, a in sessions}]
        check(len(sessions) == len(streamed) == len(upstream_sessions) == 1 and not differing,
              "spend all: the streaming speech session was relayed: each data frame, each way, the other "
              "side's byte for byte (%d from the upstream), its logid the upstream's"
              % sum(len(a.frames) for _, a in sessions), "; ".join(differing) or "%d sessions" % len(sessions))
        client_logids = {a.header("x-tt-logid") for _, a in client}
        printed = set(re.findall(r"logid=([0-9A-F]{34})", out))
        check(printed and printed <= client_logids,
              "spend all: every logid the SDKs printed (%d) is one the client tap saw from the upstream" % len(printed),
              "not seen: %s" % sorted(printed - client_logids))

        report = drift_report(proxy, len(client) + len(sessions))
        # The two deliberate disagreements, each by the exchanges that show it (read from the client tap).
        expected = {
            "clone.answer": {a.header("x-tt-logid") for q, a in client
                             if q.target.startswith("POST /v1/audio/voices/clone") and code(a) == 0},
            "errors.status": {a.header("x-tt-logid") for q, a in client if code(a) not in (0, None)},
        }
        diverged = set().union(*expected.values())
        rows = {e["row"]: e for e in report["contradicted"]}
        check(set(rows) == set(expected),
              "spend all: the report contradicts exactly the ledger rows of the two deliberate disagreements, "
              "clone.answer and errors.status", "rows %s" % sorted(rows))
        for row, logids in expected.items():
            seen = rows.get(row, {"logids": [], "exchanges": 0})
            check(set(seen["logids"]) == logids and seen["exchanges"] == len(logids) >= 4,
                  "spend all: %s is contradicted by exactly the %d exchanges that show it, by logid"
                  % (row, len(logids)), "%s vs %s" % (sorted(seen["logids"]), sorted(logids)))
        totals = report["totals"]
        exchanges = len(client) + len(sessions)
        want = {"exchanges": exchanges, "forwarded": exchanges, "diverged": len(diverged),
                "agreed": exchanges - len(diverged), "not_forwarded": 0, "not_judged": 0,
                "upstream_failures": 0, "severe": 0}
        check(totals == want, "spend all: totals %s" % json.dumps(want), "got %s" % json.dumps(totals))
        junit = ET.fromstring(fetch(proxy.url + "/__admin/drift?format=junit"))
        failures = [case for case in junit.iter("testcase") if case.find("failure") is not None]
        named = [any(row in ET.tostring(f, encoding="unicode") for row in expected) for f in failures]
        check(len(failures) == len(diverged) and all(named),
              "spend all: the JUnit report fails exactly the %d diverged exchanges, each naming its row"
              % len(diverged), "%d failures" % len(failures))
        rc, text = run([args.coze_mock, "drift", "--url", proxy.url, "--fail-on", "diverged"])
        totals_line = "%d exchange(s): %d forwarded, %d agreed, %d diverged" % (
            want["exchanges"], want["forwarded"], want["agreed"], want["diverged"])
        check(rc == 1 and "[clone.answer]" in text and "[errors.status]" in text and totals_line in text,
              "spend all: `coze-mock drift --fail-on diverged` names [clone.answer] and [errors.status], "
              "prints the totals, exits 1",
              "exit %d" % rc)

    files = sorted(p for p in record.rglob("*") if p.is_file())
    leaks = [(str(p.relative_to(record)), t) for p in files for t in TOKENS if t.encode() in p.read_bytes()]
    check(len(files) == exchanges and not leaks,
          "spend all: the recording (%d files, one per exchange) holds no token (%s)" % (len(files), ", ".join(TOKENS)),
          "leaks %s" % leaks if leaks else "%d files for %d exchanges" % (len(files), exchanges))
    # The HTTP exchanges replay; a streaming session is kept as a summary beside them.
    replayable = [p for p in files if p.suffix == ".json"]

    with contextlib.ExitStack() as stack:
        fresh = start(stack, "replay-fake", upstream_argv(args.coze_mock, replay_config(tmp)), tmp)
        rc, text = run([args.drift, "replay", str(record), "--base-url", fresh.url])
        check(rc == 0 and len(replayable) == len(client) and "%d agree, 0 differ" % len(client) in text,
              "spend all: `drift replay` of the recording agrees with a fresh fake of the upstream's settings",
              "exit %d" % rc)
    rc, text = run([args.drift, "replay", str(record)])
    check(rc == 1 and "body.data.name: real" in text,
          "spend all: and differs from a fake with the documented clone answer (the replay can fail)",
          "exit %d" % rc)


def spend_all_tls(args, tmp):
    print("== spend all over HTTPS (proxy --tls): cozepy, whose WebSocket client needs https", flush=True)
    ca = Path(tmp) / "proxy-ca.pem"
    with contextlib.ExitStack() as stack:
        upstream = start(stack, "upstream-tls", upstream_argv(args.coze_mock, UPSTREAM_CONFIG), tmp)
        upstream_tap = start_tap(stack, upstream.url)
        proxy = start(stack, "proxy-tls", proxy_argv(
            args.coze_mock, upstream_tap.url, "--spend", "all", "--config", str(SHADOW_CONFIG),
            "--tls", "--tls-ca-out", str(ca)), tmp)
        check(proxy.url.startswith("https://"), "https: the proxy listens on %s" % proxy.url)
        rc, out = sdk_checks(proxy.url, "--only", "py", "--ca", str(ca), "--clone-answer", "voice")
        check(rc == 0, "https: cozepy's checks pass through the proxy over HTTPS", "compat/run.sh exit %d" % rc)
        sent = {a.header("x-tt-logid") for _, a in upstream_tap.exchanges() if a is not None}
        upstream_journal = {r["logid"] for r in journal(upstream.url)}
        printed = set(re.findall(r"logid=([0-9A-F]{34})", out))
        check(len(printed) == 6 and printed <= sent & upstream_journal,
              "https: each of the %d logids cozepy printed was sent by the upstream and is in its journal"
              % len(printed), "not the upstream's: %s" % sorted(printed - (sent & upstream_journal)))
        relayed = [a.header("x-tt-logid") for _, a in websocket_sessions(upstream_tap)]
        streamed = re.findall(r"\(logid ([0-9a-f]{53})\)", out)
        check(len(relayed) == 1 and streamed == relayed and relayed[0] in upstream_journal,
              "https: cozepy's streaming session (wss) reached the upstream, its logid the upstream's",
              "relayed %s, cozepy saw %s" % (relayed, streamed))
        # Each forwarded: one exchange per answer the upstream gave (a session's 101 included).
        report = drift_report(proxy, sum(1 for _, a in upstream_tap.exchanges() if a is not None), ca)
        rows = sorted(e["row"] for e in report["contradicted"])
        totals = report["totals"]
        check(rows == ["clone.answer", "errors.status"] and totals["forwarded"] == totals["exchanges"] >= 6
              and totals["upstream_failures"] == 0,
              "https: every exchange forwarded, clone.answer and errors.status the contradicted rows",
              "rows %s, totals %s" % (rows, json.dumps(totals)))


def spend_none(args, tmp):
    print("== spend none (the default): the shadow answers clones and speech, the upstream the list", flush=True)
    with contextlib.ExitStack() as stack:
        upstream = start(stack, "upstream-none", upstream_argv(args.coze_mock), tmp)
        upstream_tap = start_tap(stack, upstream.url)
        proxy = start(stack, "proxy-none", proxy_argv(
            args.coze_mock, upstream_tap.url, "--config", str(CLONE_ANSWER_VOICE)), tmp)
        client_tap = start_tap(stack, proxy.url)
        rc, _ = sdk_checks(client_tap.url, "--clone-answer", "voice", "--clones-unlisted")
        check(rc == 0, "spend none: both SDKs' checks pass through the proxy", "compat/run.sh exit %d" % rc)

        client = forwarded_pairs(client_tap) + websocket_sessions(client_tap)
        billed = [(q, a) for q, a in client if not q.target.startswith("GET /v1/audio/voices")]
        unmarked = [q.target for q, a in billed
                    if a.header(NOT_FORWARDED_HEADER) != "not forwarded (--spend none)"]
        check(len(billed) >= 8 and not unmarked,
              "spend none: each of the %d clone and speech answers (the WebSocket's 101 too) carries %s: not "
              "forwarded (--spend none)" % (len(billed), NOT_FORWARDED_HEADER), "unmarked: %s" % unmarked)
        endpoints = sorted({r["endpoint"] for r in journal(upstream.url)})
        check(endpoints == ["list"], "spend none: the upstream's journal shows the list only: no clone, "
              "no speech (HTTP or WebSocket)", "endpoints %s" % endpoints)
        reached = sorted({q.target.split("?")[0] for q, _ in upstream_tap.exchanges()})
        check(reached == ["GET /v1/audio/voices"], "spend none: only GET /v1/audio/voices crossed the "
              "upstream tap", "%s" % reached)
        report = drift_report(proxy, len(client))
        exchanges = report["exchanges"]
        guarded = [e for e in exchanges if e["endpoint"] != "list"]
        check(len(guarded) == len(billed) and all(not e["forwarded"] and e["outcome"] == "not_forwarded"
                                                  for e in guarded),
              "spend none: the report marks the %d clone and speech exchanges not forwarded" % len(billed),
              json.dumps(guarded)[:400])
        totals = report["totals"]
        check(totals["not_forwarded"] == len(billed) and totals["forwarded"] == len(client) - len(billed)
              and totals["diverged"] == 0 and report["spend"] == "none",
              "spend none: totals count %d not forwarded, %d forwarded (the list), none diverged"
              % (len(billed), len(client) - len(billed)), json.dumps(totals))


def failures(args, tmp):
    print("== upstream failures: a slow upstream and a dropped connection are not divergences", flush=True)
    with contextlib.ExitStack() as stack:
        upstream = start(stack, "upstream-faults", upstream_argv(args.coze_mock), tmp)
        proxy = start(stack, "proxy-faults", proxy_argv(
            args.coze_mock, upstream.url, "--upstream-timeout", "2s", "--config", str(SHADOW_CONFIG)), tmp)
        list_url = proxy.url + "/v1/audio/voices?filter_system_voice=true"
        auth = {"authorization": "Bearer pat_mock"}
        seen = {}
        for name, action in (("slow", {"kind": "latency", "ms": 5000}), ("drop", {"kind": "drop"})):
            admin(upstream.url, "/__admin/faults", "POST",
                  {"path": "/v1/audio/voices", "times": 1, "action": action})
            try:
                answer = httpx.get(list_url, headers=auth, timeout=30)
                seen[name] = "HTTP %d" % answer.status_code
            except httpx.HTTPError as e:
                seen[name] = type(e).__name__
            check(seen[name] == "RemoteProtocolError",
                  "failures: %s upstream: the client's connection closes without an answer" % name, seen[name])
        answer = httpx.get(list_url, headers=auth, timeout=30)
        check(answer.status_code == 200, "failures: the next list is answered (HTTP 200)", str(answer.status_code))
        # Journaled as each ends, so in any order.
        faults = sorted((r["fault"] or {"kind": "none"})["kind"] for r in journal(upstream.url))
        check(faults == ["drop", "latency", "none"],
              "failures: the upstream's journal holds the three requests, the slow and the dropped one with "
              "their faults", json.dumps(faults))
        report = drift_report(proxy, 3)
        outcomes = [(e["outcome"], e["failure"]) for e in report["exchanges"]]
        check(outcomes == [("upstream_failed", "timeout"), ("upstream_failed", "dropped"), ("agreed", None)],
              "failures: the report counts a timeout and a drop as upstream failures, the list as agreed",
              json.dumps(outcomes))
        totals = report["totals"]
        check(totals["upstream_failures"] == 2 and totals["diverged"] == 0 and report["contradicted"] == [],
              "failures: totals 2 upstream failures, 0 diverged, no contradicted ledger row", json.dumps(totals))
        rc, text = run([args.coze_mock, "drift", "--url", proxy.url, "--fail-on", "diverged"])
        check(rc == 0 and "2 upstream failure(s)" in text,
              "failures: `coze-mock drift --fail-on diverged` prints 2 upstream failures and exits 0", "exit %d" % rc)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--coze-mock", required=True, help="the coze-mock binary")
    ap.add_argument("--drift", required=True, help="contract-tests' drift binary")
    ap.add_argument("--keep", help="keep the logs and the recording in this folder")
    args = ap.parse_args()
    args.coze_mock = str(Path(args.coze_mock).resolve())
    args.drift = str(Path(args.drift).resolve())
    # SIGTERM unwinds like Ctrl-C, so every part's servers are stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    t0 = time.time()
    with contextlib.ExitStack() as stack:
        if args.keep:
            tmp = args.keep
            Path(tmp).mkdir(parents=True, exist_ok=True)
        else:
            tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="proxy-check-"))
        for part in (spend_all, spend_all_tls, spend_none, failures):
            t = time.time()
            try:
                part(args, tmp)
            except Stop as e:
                check(False, "%s could not run" % part.__name__, str(e))
            except Exception as e:  # noqa: BLE001 (one part's surprise must not hide the others' results)
                check(False, "%s stopped early" % part.__name__, "%s: %s" % (type(e).__name__, e))
            print("     (%s: %.1f s)" % (part.__name__, time.time() - t), flush=True)
    print("proxy check: %d passed, %d failed (%.1f s)" % (RESULTS["passed"], RESULTS["failed"], time.time() - t0),
          flush=True)
    return 1 if RESULTS["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
