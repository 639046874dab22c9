"""The interface in English, 简体中文 and Русский: every string of the code that a person reads is marked
for translation, every marked string is translated in each catalog (no fuzzy, no empty entry), plural
forms follow each language's rules, numbers its style."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from rnn_core import i18n
from rnn_core.i18n import LANGUAGES, language
from ui import words

ROOT = Path(__file__).resolve().parents[1]
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
SHOWN = {  # st.* calls (and containers' methods) whose first argument a person reads
    "title", "header", "subheader", "markdown", "caption", "write", "text", "button", "download_button",
    "radio", "selectbox", "slider", "select_slider", "number_input", "checkbox", "text_input",
    "multiselect", "file_uploader", "expander", "popover", "toast", "error", "warning", "info", "success",
    "metric", "page_link", "spinner", "tabs", "toggle", "text_area", "link_button", "segmented_control"}
SHOWN_KEYWORDS = {"label", "help", "placeholder", "text", "caption", "body", "title"}


def code_ids() -> set[str]:
    """Every msgid marked in the code (rnn_core, ui, pages, app.py), as ``pybabel extract`` finds it."""
    found = set()
    for sub in ("rnn_core", "ui", "pages", "classroom"):
        for _file, _line, message, _comments, _ctx in extract_from_dir(
                str(ROOT / sub), method_map=[("**.py", "python")], keywords=KEYWORDS):
            found.add(message[0] if isinstance(message, tuple) else message)
    return found


def catalog(lang: str):
    with (ROOT / "locales" / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=lang)


@pytest.mark.parametrize("lang", [code for code in LANGUAGES if code != i18n.DEFAULT])
def test_every_marked_string_is_translated_and_none_is_fuzzy(lang: str) -> None:
    cat = catalog(lang)
    ids = code_ids()
    missing = sorted(m for m in ids if m not in cat)
    assert missing == [], f"{len(missing)} strings of the code are not in the {lang} catalog: {missing[:5]}"
    untranslated, fuzzy = [], []
    for m in cat:
        if not m.id or m.id not in {*ids, *(i for i in ids)}:
            continue
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        if not all(s.strip() for s in strings):
            untranslated.append(m.id)
        if m.fuzzy:
            fuzzy.append(m.id)
    assert untranslated == [] and fuzzy == []


def _unmarked(path: Path) -> list[str]:
    """Literal strings (or f-strings) given to an st.* call as what a person reads, not wrapped in _()."""
    bad = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if isinstance(node.func.value, ast.Name) and node.func.value.id in ("LOG", "logging", "logger"):
            continue                                                  # the server's log, not the page
        args = []
        if node.func.attr in SHOWN and node.args:
            args.append(node.args[0])
        args += [k.value for k in node.keywords if k.arg in SHOWN_KEYWORDS]
        for a in args:
            if isinstance(a, ast.JoinedStr):                          # only its own words count
                words_ = "".join(v.value for v in a.values if isinstance(v, ast.Constant))
            elif isinstance(a, ast.Constant) and isinstance(a.value, str):
                words_ = a.value
            else:
                continue
            if any(c.isalpha() for c in words_) and not _exempt(a):
                bad.append(f"{path.relative_to(ROOT)}:{a.lineno}: {ast.unparse(a)[:60]}")
    return bad


def _exempt(node: ast.AST) -> bool:
    """Not words: the app's name, markdown made only of symbols and values, HTML/CSS (an f-string that
    wraps translated text in tags included)."""
    text = node.value if isinstance(node, ast.Constant) else ""
    if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
        text = str(node.values[0].value)
    return text in ("RNN Explorer",) or text.startswith("<") or text.startswith(":")


def test_strings_a_person_reads_are_marked() -> None:
    files = sorted([*(ROOT / "ui").rglob("*.py"), *(ROOT / "pages").glob("*.py"), ROOT / "app.py"])
    bad = [b for f in files for b in _unmarked(f)]
    assert bad == []


@pytest.mark.parametrize("n, ru, zh", [(1, "1 шаг", "1 步"), (2, "2 шага", "2 步"), (5, "5 шагов", "5 步"),
                                       (21, "21 шаг", "21 步"),
                                       (1280, "1\xa0280 шагов", "1,280 步")])        # a no-break space
def test_plurals_follow_each_languages_rules(n: int, ru: str, zh: str) -> None:
    with language("ru"):
        assert words.steps(n) == ru
    with language("zh"):
        assert words.steps(n) == zh
    with language("en"):
        assert words.steps(n) == (f"{n:,} step" + ("s" if n != 1 else ""))


@pytest.mark.parametrize("lang, text", [("en", "12,345.68"), ("zh", "12,345.68"), ("ru", "12 345,68")])
def test_numbers_are_written_in_each_languages_style(lang: str, text: str) -> None:
    with language(lang):
        assert i18n.number(12345.678, 7) == text.replace(" ", "\xa0")


def test_a_browsers_preference_picks_the_language() -> None:
    assert [i18n.choose(a) for a in ("zh-CN", "ru-RU,ru;q=0.9", "de-DE", None, "en-GB")] == [
        "zh", "ru", "en", "en", "en"]
