#!/usr/bin/env bash
# Sourced by run.sh and test.sh: make (once) and fill the project's virtual environment .venv with the
# packages of the requirements file given as $1, and set PY to its python. A virtual environment
# because Debian's system Python refuses `pip install` (externally-managed-environment).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if [ ! -x "$VENV/bin/python" ]; then
  if ! python3 -m venv "$VENV" 2>/dev/null; then      # Debian ships venv separately (python3-venv)
    rm -rf "$VENV"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq python3-venv >/dev/null
    python3 -m venv "$VENV"
  fi
fi
PY="$VENV/bin/python"
"$PY" -m pip install --quiet --disable-pip-version-check -r "$ROOT/$1"
# the interface's translations: locales/*/LC_MESSAGES/messages.po compiled to .mo (never committed)
(cd "$ROOT" && "$PY" -c "from rnn_core.i18n import compile_catalogs; compile_catalogs()")
