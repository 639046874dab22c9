"""Every page in 简体中文 and Русский (AppTest): no English word left in the sidebar's labels, the buttons
and the status line (symbols and names excepted), and the language follows the link, the browser's
preference and the selector."""

from __future__ import annotations

import re

import pytest
from apptest import open_page

from rnn_core.experiments import experiment_ids

NAMES = {"RNN", "LSTM", "GRU", "BPTT", "numpy", "torch", "PyTorch", "Adam", "SGD", "tanh", "sigmoid", "relu",
         "ReLU", "Xavier", "float32", "float64", "Elman", "W_hh", "W_xh", "h_t", "CSV", "npz", "txt", "MB"}
WORD = re.compile(r"[A-Za-z][A-Za-z_0-9]+")


def english_words(text: str) -> list[str]:
    """Latin words of two letters or more that are not symbols or names (1.5e-5 is a number)."""
    text = re.sub(r"\d[\d.,\s]*e[-+]?\d+", " ", text)
    return [w for w in WORD.findall(text) if w not in NAMES]


def shown_texts(at) -> dict[str, list[str]]:
    labels = [w.label for w in at.sidebar if getattr(w, "label", None)]
    buttons = [b.label for b in at.button]
    status = [p.proto.text for p in at.get("progress")]
    return {"sidebar": labels, "buttons": buttons, "status": status}


@pytest.mark.parametrize("lang", ["zh", "ru"])
@pytest.mark.parametrize("exp_id", experiment_ids())
def test_no_english_word_is_left_in_the_controls(exp_id: str, lang: str) -> None:
    at = open_page(exp_id, lang=lang)
    assert not at.exception, [e.value for e in at.exception]
    at.button(key="train_toggle").click().run()
    left = {where: [t for t in texts if english_words(t)] for where, texts in shown_texts(at).items()}
    assert left == {"sidebar": [], "buttons": [], "status": []}


def test_the_language_comes_from_the_link_then_stays_in_the_session() -> None:
    at = open_page("sine", lang="ru")
    assert at.button(key="train_toggle").label == "Обучить"
    assert at.title[0].value == "Синусоида"                  # from the first line of the first run
    at.query_params.clear()                                   # the session keeps it
    at.run()
    assert at.button(key="train_toggle").label == "Обучить"
    at.selectbox(key="lang_choice").set_value("zh").run()
    assert at.button(key="train_toggle").label == "训练" and at.query_params["lang"] == "zh"
    at.selectbox(key="lang_choice").set_value("en").run()
    assert at.button(key="train_toggle").label == "Train" and "lang" not in at.query_params


def test_a_bad_language_in_the_link_is_said_and_english_is_used() -> None:
    at = open_page("sine", lang="fr")
    assert at.button(key="train_toggle").label == "Train"
    assert "Ignored lang='fr' from the link: expected en, zh or ru." in [str(t.value) for t in at.toast]
