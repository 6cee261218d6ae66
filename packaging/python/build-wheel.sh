#!/usr/bin/env bash
# The wheel with the statically linked coze-mock: one command, from anywhere in a clone.
#
#   packaging/python/build-wheel.sh [OUT_DIR]      OUT_DIR: where the wheel lands (default: dist/)
#
# Runs the pinned maturin (pyproject.toml's `requires`; installed into target/maturin-venv from PyPI
# when `maturin` on the PATH is another version, or set MATURIN to an executable) with
#   RUSTFLAGS="-C target-feature=+crt-static" maturin build --target x86_64-unknown-linux-gnu
# which builds target/x86_64-unknown-linux-gnu/dist/coze-mock (profile `dist`, --locked) and wraps it.
# Checks the binary has no shared library, then prints the wheel's and the binary's paths.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="$(mkdir -p "${1:-$REPO/dist}" && cd "${1:-$REPO/dist}" && pwd)"
TRIPLE=x86_64-unknown-linux-gnu
TARGET_DIR="${CARGO_TARGET_DIR:-$REPO/target}"
PIN="$(sed -n 's/^requires = \["maturin==\([^"]*\)"\]/\1/p' "$REPO/packaging/python/pyproject.toml")"

maturin="${MATURIN:-}"
if [ -z "$maturin" ]; then
  if command -v maturin >/dev/null && [ "$(maturin --version)" = "maturin $PIN" ]; then
    maturin=maturin
  else
    venv="$TARGET_DIR/maturin-venv"
    if [ ! -x "$venv/bin/maturin" ] || [ "$("$venv/bin/maturin" --version)" != "maturin $PIN" ]; then
      echo "build-wheel: installing maturin $PIN into $venv" >&2
      python3 -m venv "$venv"
      "$venv/bin/pip" install --quiet --disable-pip-version-check --no-input "maturin==$PIN"
    fi
    maturin="$venv/bin/maturin"
  fi
fi

staging="$(mktemp -d)"
trap 'rm -rf "$staging"' EXIT
# maturin's own "Built wheel to" line names the temporary folder, not where the wheel lands: dropped.
if ! (cd "$REPO/packaging/python" && RUSTFLAGS="-C target-feature=+crt-static" \
  "$maturin" build --quiet --target "$TRIPLE" --out "$staging/wheel" >/dev/null 2>"$staging/maturin.log"); then
  cat "$staging/maturin.log" >&2
  exit 1
fi
grep -v 'Built wheel to' "$staging/maturin.log" >&2 || true
BIN="$TARGET_DIR/$TRIPLE/dist/coze-mock"
if ldd "$BIN" 2>&1 | grep -q "=>"; then echo "build-wheel: $BIN is not statically linked" >&2; exit 1; fi
WHEEL="$(ls "$staging"/wheel/*.whl)"
mv "$WHEEL" "$OUT/"
echo "wheel: $OUT/$(basename "$WHEEL")"
echo "binary: $BIN ($(stat -c %s "$BIN") bytes, static)"
