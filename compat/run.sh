#!/usr/bin/env bash
# Compatibility check of a running coze-mock server against the official Coze SDKs.
#
#   compat/run.sh BASE_URL                 run both checks against an already running server
#   compat/run.sh --spawn 'CMD' [BASE_URL]  start CMD first ({PORT} in CMD is replaced by a free
#                                          127.0.0.1 port and BASE_URL defaults to that), wait until
#                                          it listens, run the checks, stop CMD (its process group)
#   compat/run.sh --install-only           only install the pinned SDKs
#   options: --only py|js   run one SDK only;  --token TOKEN (default pat_mock)
#            --ca FILE      the server speaks HTTPS with the certificate authority in FILE (serve --tls
#                           --tls-ca-out FILE): the SDKs trust it through SSL_CERT_FILE (cozepy's httpx)
#                           and NODE_EXTRA_CA_CERTS (@coze/api), and BASE_URL defaults to https://
#            --clone-answer documented|voice   the server's [fidelity] clone_answer (default documented):
#                                          cozepy's clone() raises on the documented answer, parses "voice"
#            --clones-unlisted  the list never shows the clones (coze-mock proxy --spend none: the shadow
#                           answers clones, the upstream the list): the list checks expect the clone absent
#
# Installs, quietly and idempotently (a stamp file per lock file skips the work next time):
#   compat/.venv        python3 -m venv + pip install -r compat/requirements.txt (cozepy 0.20.0 pinned)
#   compat/node/node_modules   npm ci from compat/node/package-lock.json (@coze/api 1.3.9 pinned)
# Needs python3 (>= 3.8, with venv), node (>= 18) and npm; the package registries for the first
# install only. Never talks to the real Coze API: every request goes to BASE_URL.
# Streaming speech (WebSocket): @coze/api on any BASE_URL (its baseWsURL takes ws:// or wss://); cozepy
# only on an https:// BASE_URL (its WebSocket client refuses anything else). Audio: compat/out/*.wav.
# Exit status: 0 if every check passed, 1 if a check failed, 2 on usage or install errors.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PYTHON="${PYTHON:-python3}"
VENV="$HERE/.venv"
NODE_DIR="$HERE/node"
ONLY=""
SPAWN=""
INSTALL_ONLY=0
BASE_URL=""
TOKEN="${COZE_MOCK_TOKEN:-pat_mock}"
CLONE_ANSWER="documented"
CA_FILE=""
CLONES_UNLISTED=0
SPAWN_TIMEOUT="${SPAWN_TIMEOUT:-300}"

die() { echo "compat/run.sh: $*" >&2; exit 2; }

while [ $# -gt 0 ]; do
  case "$1" in
    --spawn) [ $# -ge 2 ] || die "--spawn needs a command"; SPAWN="$2"; shift 2 ;;
    --only) [ $# -ge 2 ] || die "--only needs py or js"; ONLY="$2"; shift 2 ;;
    --token) [ $# -ge 2 ] || die "--token needs a value"; TOKEN="$2"; shift 2 ;;
    --clone-answer) [ $# -ge 2 ] || die "--clone-answer needs documented or voice"; CLONE_ANSWER="$2"; shift 2 ;;
    --ca) [ $# -ge 2 ] || die "--ca needs a file"; CA_FILE="$2"; shift 2 ;;
    --clones-unlisted) CLONES_UNLISTED=1; shift ;;
    --install-only) INSTALL_ONLY=1; shift ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    -*) die "unknown option $1" ;;
    *) [ -z "$BASE_URL" ] || die "more than one BASE_URL"; BASE_URL="$1"; shift ;;
  esac
done
case "$ONLY" in ""|py|js) ;; *) die "--only takes py or js" ;; esac
case "$CLONE_ANSWER" in documented|voice) ;; *) die "--clone-answer takes documented or voice" ;; esac
# cozepy finds a clone through the list when it cannot parse the documented answer.
if [ "$CLONES_UNLISTED" = 1 ] && [ "$CLONE_ANSWER" = documented ] && [ "$ONLY" != js ]; then
  die "--clones-unlisted needs --clone-answer voice for cozepy (on the documented answer it finds clones through the list)"
fi
UNLISTED=()
[ "$CLONES_UNLISTED" = 1 ] && UNLISTED=(--clones-unlisted)
if [ "$INSTALL_ONLY" = 0 ] && [ -z "$BASE_URL" ] && [ -z "$SPAWN" ]; then
  die "usage: compat/run.sh BASE_URL | --spawn 'CMD with {PORT}' [BASE_URL] | --install-only"
fi

sha() { sha256sum "$1" | cut -d' ' -f1; }

install_py() {
  local req="$HERE/requirements.txt" stamp="$VENV/.stamp-requirements"
  if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV" || die "could not create $VENV with $PYTHON -m venv"
  fi
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$(sha "$req")" ]; then
    echo "compat: installing cozepy into compat/.venv (pinned in compat/requirements.txt)"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$req" \
      || die "pip install failed"
    sha "$req" > "$stamp"
  fi
}

install_js() {
  local lock="$NODE_DIR/package-lock.json" stamp="$NODE_DIR/node_modules/.stamp-package-lock"
  command -v npm >/dev/null || die "npm not found"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$(sha "$lock")" ]; then
    echo "compat: installing @coze/api into compat/node/node_modules (pinned in package-lock.json)"
    (cd "$NODE_DIR" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) || die "npm ci failed"
    sha "$lock" > "$stamp"
  fi
}

T0=$(date +%s)
[ "$ONLY" = js ] || install_py
[ "$ONLY" = py ] || install_js
echo "compat: install step took $(( $(date +%s) - T0 ))s"
[ "$INSTALL_ONLY" = 1 ] && exit 0

SPAWN_PID=""
cleanup() {
  if [ -n "$SPAWN_PID" ] && kill -0 "$SPAWN_PID" 2>/dev/null; then
    kill -TERM -- "-$SPAWN_PID" 2>/dev/null || kill -TERM "$SPAWN_PID" 2>/dev/null || true
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$SPAWN_PID" 2>/dev/null || break; sleep 0.3; done
    kill -KILL -- "-$SPAWN_PID" 2>/dev/null || true
  fi
}
trap cleanup EXIT

if [ -n "$SPAWN" ]; then
  PORT="$("$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null \
          || "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  CMD="${SPAWN//\{PORT\}/$PORT}"
  if [ -n "$CA_FILE" ]; then SCHEME=https; else SCHEME=http; fi
  [ -n "$BASE_URL" ] || BASE_URL="$SCHEME://127.0.0.1:$PORT"
  echo "compat: spawning: $CMD"
  setsid bash -c "exec $CMD" &
  SPAWN_PID=$!
  HOSTPORT="${BASE_URL#*://}"; HOSTPORT="${HOSTPORT%%/*}"
  H="${HOSTPORT%:*}"; P="${HOSTPORT##*:}"
  deadline=$(( $(date +%s) + SPAWN_TIMEOUT ))
  until (exec 3<>"/dev/tcp/$H/$P") 2>/dev/null; do
    kill -0 "$SPAWN_PID" 2>/dev/null || { echo "compat: FAIL spawned server exited before listening"; exit 1; }
    [ "$(date +%s)" -lt "$deadline" ] || { echo "compat: FAIL spawned server not listening on $H:$P after ${SPAWN_TIMEOUT}s"; exit 1; }
    sleep 0.2
  done
fi
if [ -n "$CA_FILE" ]; then
  # The server writes its CA as it starts listening: wait for the file, then trust it.
  deadline=$(( $(date +%s) + 10 ))
  until [ -s "$CA_FILE" ]; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "compat: FAIL no certificate authority at $CA_FILE"; exit 1; }
    sleep 0.1
  done
  export SSL_CERT_FILE="$CA_FILE" NODE_EXTRA_CA_CERTS="$CA_FILE"
  echo "compat: trusting $CA_FILE (SSL_CERT_FILE, NODE_EXTRA_CA_CERTS)"
fi

echo "compat: checking $BASE_URL with token $TOKEN (clone answer: $CLONE_ANSWER)"
T1=$(date +%s)
RC=0
if [ "$ONLY" != js ]; then
  "$VENV/bin/python" -W ignore "$HERE/cozepy_check.py" "$BASE_URL" --token "$TOKEN" --clone-answer "$CLONE_ANSWER" \
    "${UNLISTED[@]}" || RC=1
fi
if [ "$ONLY" != py ]; then
  (cd "$NODE_DIR" && node coze_js_check.mjs "$BASE_URL" --token "$TOKEN" "${UNLISTED[@]}") || RC=1
  # Streaming speech over the WebSocket (ws:// or wss://), the audio written to compat/out/*.wav.
  (cd "$NODE_DIR" && node coze_js_speech_stream.mjs "$BASE_URL" --token "$TOKEN") || RC=1
fi
if [ "$ONLY" != js ]; then
  case "$BASE_URL" in
    # Bounded: cozepy's wait() has no timeout of its own, so a session that never completes fails here.
    https://*) timeout 120 "$VENV/bin/python" -W ignore "$HERE/cozepy_speech_stream.py" "$BASE_URL" --token "$TOKEN" || RC=1 ;;
    *) echo "compat: cozepy speech stream: not run on $BASE_URL (cozepy's WebSocket client needs https: serve --tls)" ;;
  esac
fi
echo "compat: checks took $(( $(date +%s) - T1 ))s"
if [ "$RC" = 0 ]; then echo "compat: all SDK checks passed"; else echo "compat: FAILED (see FAIL lines above)"; fi
exit "$RC"
