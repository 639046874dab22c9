#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh Debian machine (the Python packages into .venv,
# Debian's chromium for the browser tests, nginx for the deployment test, fonts-noto-cjk so the browser
# draws Chinese, postgresql for the class store's tests), then runs all of it:
# lint, unit tests, AppTests, browser tests. Usage: bash scripts/test.sh [pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh requirements-dev.txt

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)      # browser tests drive Debian's chromium, never a download
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing+=(fonts-noto-cjk)    # the browser tests draw Chinese
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)  # the class store's tests
if [ ${#missing[@]} -gt 0 ]; then
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
fi

"$PY" -m ruff check .
if [ $# -gt 0 ]; then
  exec "$PY" -m pytest "$@"
fi
# The unit tests and AppTests on two workers (pytest-xdist: 145 s → 95 s here); the browser tests one at
# a time, as a person sees the app (they time redraws and fades: two at once on two cores disturb each
# other). Both run; the exit status says whether both passed.
status=0
"$PY" -m pytest -m "not e2e" -n 2 || status=$?
"$PY" -m pytest -m e2e || status=$?
exit $status
