#!/usr/bin/env bash
# The translation catalogs (gettext, managed with Babel): extract the marked strings of the code into
# locales/messages.pot, merge them into every locales/<lang>/LC_MESSAGES/messages.po (new strings come
# in untranslated, changed ones fuzzy: tests/test_i18n.py fails until a translator has seen them),
# then compile the .mo files the app reads. Usage: bash scripts/i18n.sh [extract|update|compile|all]
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-.venv/bin/python}"
what="${1:-all}"
if [[ $what == extract || $what == all || $what == update ]]; then
  "$PY" -m babel.messages.frontend extract -F babel.cfg -k _ -k N_ -k ngettext:1,2 --no-location \
    --sort-output --project "RNN Explorer" -o locales/messages.pot . >/dev/null
fi
if [[ $what == update || $what == all ]]; then
  for lang in zh ru; do
    po="locales/$lang/LC_MESSAGES/messages.po"
    if [[ -f $po ]]; then
      "$PY" -m babel.messages.frontend update -i locales/messages.pot -d locales -l "$lang" --no-wrap >/dev/null
    else
      "$PY" -m babel.messages.frontend init -i locales/messages.pot -d locales -l "$lang" --no-wrap >/dev/null
    fi
  done
fi
if [[ $what == compile || $what == all ]]; then
  "$PY" -c "from rnn_core.i18n import compile_catalogs; compile_catalogs(force=True)"
fi
