#!/usr/bin/env bash
# Installs what the app needs into .venv (first time: a few minutes, torch is ~190 MB) and runs it:
# http://localhost:8501 . Usage: bash scripts/run.sh [streamlit options, e.g. --server.port 8502]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh requirements.txt
exec "$PY" -m streamlit run app.py "$@"
