#!/usr/bin/env bash
# Builds the coze-mock image from a statically linked binary and clones a voice in a container of it,
# with a private Docker daemon that needs no network setup and leaves nothing behind.
#
#   packaging/docker/run.sh BINARY [TAG]     BINARY: a statically linked coze-mock (see Dockerfile)
#
# Installs Debian's docker.io if dockerd is missing (needs root and apt). Starts
#   dockerd --iptables=false --ip6tables=false --bridge=none --storage-driver=vfs
# with its data root, exec root and socket under a temporary folder, builds with
# `docker build --network host` (FROM scratch: nothing is pulled), runs the image with
# `docker run --rm --network host` on a free 127.0.0.1 port (COZE_MOCK_ADDR) with an admin token, clones
# fixtures/audio/speech-id3.mp3 over curl, reads the journal through the admin API, waits for the
# image's HEALTHCHECK (its own timings, no --health-* flag) to say `healthy`; runs a container with
# COZE_MOCK_TLS=1, copies its CA out (docker cp), clones over https with curl --cacert, checks plain
# http and a client without the CA are refused and the health check turns healthy over https; then
# keeps state on a volume (COZE_MOCK_IN_MEMORY=false, as compose.yaml does) across two containers; then
# stops the containers and the daemon (by its PID), unmounts <exec-root>/netns/default and removes the
# folder.
# Exit status: 0 if every check passed, 1 if one failed, 2 on usage or set-up errors.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BINARY="${1:-}"
TAG="${2:-coze-mock:local}"
[ -n "$BINARY" ] && [ -x "$BINARY" ] || { echo "usage: packaging/docker/run.sh BINARY [TAG]" >&2; exit 2; }
if ldd "$BINARY" 2>&1 | grep -q "=>"; then # shared libraries listed
  echo "docker: $BINARY is dynamically linked; an image FROM scratch needs a static one" >&2
  exit 2
fi

say() { echo "docker: $*"; }
fail() { echo "docker: FAIL $*"; exit 1; }

if ! command -v dockerd >/dev/null; then
  say "installing docker.io (Debian)"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io; } >/dev/null \
    || { echo "docker: apt-get install docker.io failed" >&2; exit 2; }
fi

WORK="$(mktemp -d /tmp/coze-mock-docker.XXXXXX)"
DOCKERD_PID=""
CONTAINER=""
cleanup() {
  set +e
  if [ -n "$CONTAINER" ]; then docker rm -f "$CONTAINER" >/dev/null 2>&1; fi
  if [ -n "$DOCKERD_PID" ] && kill -0 "$DOCKERD_PID" 2>/dev/null; then
    kill -TERM "$DOCKERD_PID"
    for _ in $(seq 100); do kill -0 "$DOCKERD_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$DOCKERD_PID" 2>/dev/null
    wait "$DOCKERD_PID" 2>/dev/null
  fi
  if mountpoint -q "$WORK/exec/netns/default" 2>/dev/null; then umount "$WORK/exec/netns/default"; fi
  # Anything else the daemon left mounted under the folder (none expected) goes before the removal.
  grep -o " $WORK/[^ ]*" /proc/self/mounts | sort -r | while read -r m; do umount -l "$m"; done
  rm -rf "$WORK"
}
trap cleanup EXIT

export DOCKER_HOST="unix://$WORK/docker.sock"
dockerd --iptables=false --ip6tables=false --bridge=none --storage-driver=vfs \
  --data-root "$WORK/data" --exec-root "$WORK/exec" --pidfile "$WORK/dockerd.pid" \
  --host "$DOCKER_HOST" >"$WORK/dockerd.log" 2>&1 &
DOCKERD_PID=$!
for _ in $(seq 300); do
  docker version >/dev/null 2>&1 && break
  kill -0 "$DOCKERD_PID" 2>/dev/null || { cat "$WORK/dockerd.log" >&2; echo "docker: dockerd exited" >&2; exit 2; }
  sleep 0.2
done
docker version >/dev/null 2>&1 || { tail -20 "$WORK/dockerd.log" >&2; echo "docker: dockerd not answering" >&2; exit 2; }
say "dockerd $(docker version --format '{{.Server.Version}}') (pid $DOCKERD_PID) on $DOCKER_HOST"

mkdir -p "$WORK/context/tmp"
chmod 1777 "$WORK/context/tmp"
cp "$BINARY" "$WORK/context/coze-mock"
docker build --quiet --network host -t "$TAG" -f "$REPO/packaging/docker/Dockerfile" "$WORK/context" >/dev/null
say "built $TAG: $(docker image inspect "$TAG" --format '{{.Size}}') bytes"
ENV_LINES="$(docker image inspect "$TAG" --format '{{range .Config.Env}}{{println .}}{{end}}')"
grep -qx 'COZE_MOCK_ADDR=0.0.0.0:8080' <<<"$ENV_LINES" || fail "the image does not listen on 0.0.0.0:8080 by default"
grep -qx 'COZE_MOCK_IN_MEMORY=true' <<<"$ENV_LINES" || fail "the image does not keep its state in memory by default"

PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
BASE="http://127.0.0.1:$PORT"
ADMIN_TOKEN="admin-$RANDOM$RANDOM"
CONTAINER="$(docker run --rm -d --network host -e "COZE_MOCK_ADDR=127.0.0.1:$PORT" \
  -e "COZE_MOCK_ADMIN_TOKEN=$ADMIN_TOKEN" "$TAG")"
"$BINARY" wait --url "$BASE" --timeout 30s >/dev/null \
  || { docker logs "$CONTAINER" >&2; fail "the container did not answer on $BASE"; }
say "container ${CONTAINER:0:12} answers on $BASE"

CLONE="$(curl -sS -X POST "$BASE/v1/audio/voices/clone" -H 'Authorization: Bearer pat_mock' \
  -F voice_name=container -F audio_format=mp3 -F "file=@$REPO/fixtures/audio/speech-id3.mp3")"
grep -Eq '"code":0[,}]' <<<"$CLONE" && grep -Eq '"voice_id":"[0-9]{19}"' <<<"$CLONE" \
  || fail "clone answered $CLONE"
say "clone: $(grep -Eo '"voice_id":"[0-9]{19}"' <<<"$CLONE")"

REFUSED="$(curl -sS "$BASE/__admin/journal")"
grep -q '"code":4100' <<<"$REFUSED" || fail "the admin API answered without its token: $REFUSED"
JOURNAL="$(curl -sS "$BASE/__admin/journal" -H "Authorization: Bearer $ADMIN_TOKEN")"
grep -q '"path":"/v1/audio/voices/clone"' <<<"$JOURNAL" || fail "the journal lacks the clone: $JOURNAL"
say "admin API: refused without the token, journal with it"

HEALTHCHECK_TEST="$(docker image inspect "$TAG" --format '{{json .Config.Healthcheck.Test}}')"
[ "$HEALTHCHECK_TEST" = '["CMD","/coze-mock","wait","--timeout","3s"]' ] \
  || fail "the health check is not coze-mock wait in exec form: $HEALTHCHECK_TEST"
# Waits (up to 60 s) for the image's own health check to call $CONTAINER healthy.
await_healthy() {
  local health="" from=$SECONDS
  for _ in $(seq 120); do
    health="$(docker inspect "$CONTAINER" --format '{{.State.Health.Status}}')"
    [ "$health" = healthy ] && break
    sleep 0.5
  done
  [ "$health" = healthy ] || fail "the container is $health, not healthy, after 60 s: $(docker inspect "$CONTAINER" --format '{{json .State.Health}}')"
  say "health check$1: healthy after $((SECONDS - from)) s of waiting"
}
await_healthy ""

docker stop --time 5 "$CONTAINER" >/dev/null
CONTAINER=""

# TLS: COZE_MOCK_TLS=1 serves https with a certificate made at start-up for 127.0.0.1, ::1 and
# localhost; with state in memory its CA goes to /tmp/coze-mock-ca-PORT.pem, which `docker cp` copies
# out. The health check (`wait`, no --url) follows COZE_MOCK_TLS to https:// and to that CA.
CONTAINER="$(docker run --rm -d --network host -e "COZE_MOCK_ADDR=127.0.0.1:$PORT" -e COZE_MOCK_TLS=1 "$TAG")"
TLS_BASE="https://127.0.0.1:$PORT"
CA_IN_CONTAINER="/tmp/coze-mock-ca-$PORT.pem"
for _ in $(seq 150); do
  docker cp "$CONTAINER:$CA_IN_CONTAINER" "$WORK/ca.pem" >/dev/null 2>&1 \
    && grep -q 'END CERTIFICATE' "$WORK/ca.pem" && break
  sleep 0.2
done
grep -q 'END CERTIFICATE' "$WORK/ca.pem" 2>/dev/null \
  || { docker logs "$CONTAINER" >&2 || true; fail "no CA to copy out at $CA_IN_CONTAINER"; }
docker logs "$CONTAINER" 2>&1 | grep -qF "trust it: SSL_CERT_FILE=$CA_IN_CONTAINER " \
  || fail "the start-up lines do not name $CA_IN_CONTAINER: $(docker logs "$CONTAINER" 2>&1)"
"$BINARY" wait --url "$TLS_BASE" --ca "$WORK/ca.pem" --timeout 30s >/dev/null \
  || { docker logs "$CONTAINER" >&2; fail "the TLS container did not answer on $TLS_BASE"; }
SECURE="$(curl -sS --cacert "$WORK/ca.pem" -X POST "$TLS_BASE/v1/audio/voices/clone" \
  -H 'Authorization: Bearer pat_mock' -F voice_name=over-tls -F audio_format=mp3 \
  -F "file=@$REPO/fixtures/audio/speech-id3.mp3")"
grep -Eq '"code":0[,}]' <<<"$SECURE" && grep -Eq '"voice_id":"[0-9]{19}"' <<<"$SECURE" \
  || fail "clone over https answered $SECURE"
say "TLS: CA copied out of the container, clone over https with curl --cacert"
PLAIN="$(curl -s -o /dev/null -w '%{http_code}' "$BASE/__admin/health" || true)"
[ "$PLAIN" != 200 ] || fail "the TLS container answered plain http"
if curl -sS -o /dev/null "$TLS_BASE/__admin/health" 2>/dev/null; then
  fail "a client without the CA was served"
fi
say "TLS: plain http and a client without the CA refused"
await_healthy " over https"
docker stop --time 5 "$CONTAINER" >/dev/null
CONTAINER=""

# State on a volume, as compose.yaml keeps it: a clone survives the container.
docker volume create coze-mock-state >/dev/null
on_volume() {
  docker run --rm -d --network host -e "COZE_MOCK_ADDR=127.0.0.1:$PORT" -e COZE_MOCK_IN_MEMORY=false \
    -v coze-mock-state:/data "$TAG"
}
CONTAINER="$(on_volume)"
"$BINARY" wait --url "$BASE" --timeout 30s >/dev/null || { docker logs "$CONTAINER" >&2; fail "no answer with COZE_MOCK_IN_MEMORY=false"; }
docker logs "$CONTAINER" 2>&1 | grep -qx 'state: coze-mock.db' || fail "state is not in /data: $(docker logs "$CONTAINER" 2>&1)"
KEPT="$(curl -sS -X POST "$BASE/v1/audio/voices/clone" -H 'Authorization: Bearer pat_mock' \
  -F voice_name=kept -F audio_format=mp3 -F "file=@$REPO/fixtures/audio/speech-id3.mp3")"
grep -Eq '"code":0[,}]' <<<"$KEPT" || fail "clone on the volume answered $KEPT"
docker stop --time 5 "$CONTAINER" >/dev/null
CONTAINER="$(on_volume)"
"$BINARY" wait --url "$BASE" --timeout 30s >/dev/null || { docker logs "$CONTAINER" >&2; fail "no answer on restart"; }
LISTED="$(curl -sS "$BASE/v1/audio/voices?filter_system_voice=true" -H 'Authorization: Bearer pat_mock')"
grep -q '"name":"kept"' <<<"$LISTED" || fail "the voice did not survive the container: $LISTED"
docker stop --time 5 "$CONTAINER" >/dev/null
CONTAINER=""
say "COZE_MOCK_IN_MEMORY=false: a clone kept on a volume across two containers"
say "all container checks passed"
