"""The words a person reads, in English, 简体中文 or Русский: gettext catalogs managed with Babel.

Strings are marked where they are written: ``_("…")`` translates now (a message, a label drawn by the
app), ``N_("…")`` only marks (a declaration read later, e.g. a knob's label in rnn_core/schema.py;
the reader calls ``_`` on it), ``ngettext`` chooses a plural form (Russian has three: 1 шаг, 2 шага,
5 шагов). A message with values uses named fields, ``_("{name}: got {value}").format(...)``, so a
translation may put them in its own order.

The language is per thread of work (a ``ContextVar``): the app sets the session's language at the start
of every page run (ui/lang.py), the CLI keeps English unless ``LANG`` asks otherwise for its
human-readable lines; ``--json`` keys and CSV columns are never translated (they are data).

Catalogs: ``locales/<lang>/LC_MESSAGES/messages.po`` (committed; ``pybabel extract -F babel.cfg`` then
``pybabel update``); the compiled ``.mo`` files are made by ``compile_catalogs`` (the install script and
the app's start-up call it), never committed. Numbers are written with Babel's formatting of the
language (one style per language: 12,345.7 · 12,345.7 · 12 345,7).
"""

from __future__ import annotations

import contextvars
import gettext as _gettext
import math
import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

LANGUAGES = {"en": "English", "zh": "简体中文", "ru": "Русский"}   # each in its own script
DEFAULT = "en"
LOCALES = Path(__file__).resolve().parents[1] / "locales"
DOMAIN = "messages"
BABEL_LOCALE = {"en": "en", "zh": "zh_Hans_CN", "ru": "ru"}
_LANG: contextvars.ContextVar[str] = contextvars.ContextVar("rnnx_lang", default=DEFAULT)


def N_(message: str) -> str:
    """Mark ``message`` for the catalog without translating it (it is translated where it is shown)."""
    return message


@cache
def _catalog(lang: str) -> _gettext.NullTranslations:
    if lang == DEFAULT:
        return _gettext.NullTranslations()
    return _gettext.translation(DOMAIN, localedir=str(LOCALES), languages=[lang], fallback=True)


def current() -> str:
    """The language of this thread of work ("en", "zh" or "ru")."""
    return _LANG.get()


def set_language(lang: str) -> None:
    """Translate into ``lang`` from now on, in this thread of work (an unknown code: English)."""
    _LANG.set(lang if lang in LANGUAGES else DEFAULT)


@contextmanager
def language(lang: str) -> Iterator[None]:
    """``lang`` inside the block (tests, the CLI)."""
    token = _LANG.set(lang if lang in LANGUAGES else DEFAULT)
    try:
        yield
    finally:
        _LANG.reset(token)


def _(message: str) -> str:
    """``message`` in the current language (itself where the catalog has no translation)."""
    return _catalog(_LANG.get()).gettext(message) if message else message


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of ``singular`` / ``plural`` for ``n`` in the current language (its plural rules)."""
    return _catalog(_LANG.get()).ngettext(singular, plural, n)


def choose(accept: str | None) -> str:
    """The language of a browser's preference ("zh-CN", "ru-RU,ru;q=0.9", …), else English."""
    for part in (accept or "").replace("_", "-").split(","):
        code = part.split(";")[0].strip().split("-")[0].lower()
        if code in LANGUAGES:
            return code
    return DEFAULT


def number(value: float, digits: int = 4) -> str:
    """A number with ``digits`` significant digits in the current language's style (decimal mark,
    thousands separator); very large or small ones in scientific notation (1.7e19); "–" for none."""
    from babel.numbers import format_decimal, format_scientific

    try:
        x = float(value)
    except (TypeError, ValueError, OverflowError):
        return "–"
    if math.isnan(x):
        return "–"
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    loc = BABEL_LOCALE[_LANG.get()]
    if x != 0 and not 1e-4 <= abs(x) < 1e6:
        return format_scientific(x, "0." + "#" * (digits - 1) + "E0", locale=loc).replace("E", "e")
    mag = 0 if x == 0 else math.floor(math.log10(abs(x)))
    decimals = max(0, digits - 1 - mag)
    return format_decimal(round(x, decimals), format="#,##0." + "#" * decimals if decimals else "#,##0",
                          locale=loc)


def fixed(value: float, places: int = 1) -> str:
    """A number with exactly ``places`` decimals in the language's style (6.0 · 6,0)."""
    from babel.numbers import format_decimal

    return format_decimal(round(float(value), places), format="#,##0." + "0" * places if places else "#,##0",
                          locale=BABEL_LOCALE[_LANG.get()])


def integer(value: int) -> str:
    """A whole number with the language's thousands separator (1,280 · 1,280 · 1 280)."""
    from babel.numbers import format_decimal

    return format_decimal(int(value), locale=BABEL_LOCALE[_LANG.get()])


def compile_catalogs(force: bool = False) -> list[Path]:
    """Compile every ``messages.po`` into its ``messages.mo`` where the .mo is missing or older (what the
    install script and the app's start-up call); returns the files written. Safe when several server
    processes start together (each writes its own temporary file and renames it)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po in sorted(LOCALES.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        mo = po.with_suffix(".mo")
        if not force and mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as f:
            catalog = read_po(f, locale=po.parts[-3])
        tmp = mo.with_suffix(f".mo.{os.getpid()}")
        with tmp.open("wb") as f:
            write_mo(f, catalog, use_fuzzy=False)
        os.replace(tmp, mo)
        written.append(mo)
    _catalog.cache_clear()
    return written
