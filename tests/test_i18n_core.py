"""The core's words reach the catalog: every declaration a page draws (a knob's label, help, ui_why and
choice words; an experiment's title, blurb, preset help, loss name and metric labels) is marked where it
is written, so ``pybabel extract -k _ -k N_ -k ngettext:1,2`` finds it; and the messages made at run
time go through the current language's catalog with their named fields filled in afterwards."""

from __future__ import annotations

import gettext
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from babel.messages.extract import extract_from_dir

from rnn_core import i18n, schema
from rnn_core.compare import parse_spec
from rnn_core.experiments import get_experiment
from rnn_core.export import load_weights
from rnn_core.snapshot import Stop
from rnn_core.userseries import read_series

CORE = Path(__file__).resolve().parents[1] / "rnn_core"
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
# the experiments whose modules are marked here; dinos and the defaults of experiments/base.py
# (preset_help, val_label) are marked with their own modules
MARKED = ("sine", "elman", "abcde", "xsinx", "memory")


@cache
def msgids() -> frozenset[str]:
    """Every msgid (singular and plural) the extractor finds in rnn_core, as the catalog's script runs it."""
    found: set[str] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(CORE), method_map=[("**.py", "python")], keywords=KEYWORDS):
        found.update(message if isinstance(message, tuple) else (message,))
    return frozenset(found)


def knob_words(knob: schema.Knob) -> list[str]:
    return [w for w in (knob.label, knob.help, knob.ui_why, *knob.choice_help.values()) if w]


@pytest.mark.parametrize("knob", schema.KNOBS, ids=lambda k: k.name)
def test_every_knob_of_the_schema_is_in_the_catalog(knob: schema.Knob) -> None:
    assert [w for w in knob_words(knob) if w not in msgids()] == []


@pytest.mark.parametrize("exp_id", MARKED)
def test_every_declaration_of_an_experiment_is_in_the_catalog(exp_id: str) -> None:
    exp = get_experiment(exp_id)
    own = vars(type(exp))                                    # what the experiment's module declares
    words = [exp.title, exp.blurb, *(m.label for m in exp.metrics)]
    words += [w for k in exp.task_knobs for w in knob_words(k)]
    words += [getattr(exp, a) for a in ("preset_help", "val_label") if a in own]
    assert all(words)
    assert [w for w in words if w not in msgids()] == []


def test_names_and_values_are_not_in_the_catalog() -> None:
    """Knob names, choice values and "none" words are URL and CLI values; article titles are names."""
    values = {k.name for k in schema.KNOBS} | {c for k in schema.KNOBS for c in k.choices if c != "off"}
    values |= {k.none for k in schema.KNOBS if k.none}
    values |= {get_experiment(e).article for e in MARKED}
    assert sorted(values & msgids()) == []


class Marked(gettext.NullTranslations):
    """A catalog that translates every message into «message» (placeholders kept)."""

    def gettext(self, message: str) -> str:
        return f"«{message}»"

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return f"«{singular if n == 1 else plural}»"


@pytest.fixture
def marked(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(i18n, "_catalog", lambda lang: Marked() if lang != i18n.DEFAULT else
                        gettext.NullTranslations())
    with i18n.language("ru"):
        yield


def _refusal(call, *args) -> str:
    with pytest.raises(ValueError) as e:
        call(*args)
    return str(e.value)


def test_run_time_messages_are_translated_whole_with_their_fields_filled(marked: None) -> None:
    sine = get_experiment("sine")
    assert _refusal(schema.parse, "hidden_size", "0") == (
        "«hidden_size: got 0, expected «an integer >= 1 and <= 4096»»")
    assert _refusal(schema.parse, "bptt_truncate", "0") == (
        "«bptt_truncate: got 0, expected ««an integer >= 1 and <= 100000», or 'full'»»")
    assert _refusal(schema.parse, "hidden_size", "9" * 400).startswith(
        f"«hidden_size: got «{'9' * 28}… (400 characters)», expected")
    assert _refusal(parse_spec, "lr:0.1", sine) == "«compare: got 1 value of lr, expected 2 or 3»"
    assert _refusal(load_weights, b"", {}) == (
        "«weights file: got an empty file, expected a .npz saved by this app»")
    assert _refusal(read_series, b"x\n" + b"1\n" * 5) == (
        "««Column 'x'» has only 5 values; at least 20 are needed.»")
    assert str(Stop("overflow", 27)) == "«the weights overflowed at step 27»"


def test_english_stays_the_default(marked: None) -> None:
    with i18n.language("en"):
        assert _refusal(schema.parse, "lr", "0") == "lr: got 0.0, expected a finite number > 0 and <= 10"
        assert str(Stop("diverged", 3, float("inf"))) == "the loss became ∞ at step 3"
    weights = {"W": np.zeros((2, 2))}
    with i18n.language("en"):
        assert _refusal(load_weights, b"PK", weights).startswith("weights file: not a .npz archive")
