"""A link's settings: every knob of the URL checked by its declaration and by what this page's widget can
hold before any widget reads it, what goes with the link's values (``Experiment.implied``: ``?cell=lstm``
brings the torch backend, never over a value the link sets itself), and a notice for each value the page
cannot take.

Why a refused value leaves by a rerun: Streamlit seeds a URL-bound widget from the URL the session was
opened with, whatever the script does to ``st.query_params`` in that run; only a run started after the
value left the URL no longer sees it. So a run that finds values to refuse removes them, keeps the
notices (``Session.notices``) and starts again; the widgets are then made from what is left, and the
run trains with exactly what the notices say.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from rnn_core.experiments import Experiment

from . import words
from .limits import Limits, refusal, to_widget
from .state import session


def _value(exp: Experiment, name: str, lim: Limits) -> tuple[Any, str, str]:
    """(setting, text, why not): a knob's URL value as this page's widget can hold it, or why it cannot."""
    texts = st.query_params.get_all(name)
    text = texts[-1] if texts else ""
    knob = exp.knob(name)
    try:
        value = knob.parse(text)
    except ValueError as e:
        return None, text, "expected " + str(e).partition("expected ")[2]
    return value, text, refusal(knob, value, lim)


def drop_refused(exp: Experiment, lim: Limits) -> bool:
    """Remove every knob value of the URL that its widget cannot hold (not a value of the knob, or
    outside what this page offers), each with a notice kept for the next run. True if any was removed:
    the caller then reruns before any widget exists (see the module's docstring)."""
    dropped = False
    for name in [k for k in st.query_params if k in exp.knobs]:
        _, text, why = _value(exp, name, lim)
        if why:
            del st.query_params[name]
            session().notices.append(words.ignored(name, text, why))
            dropped = True
    return dropped


def link_values(exp: Experiment, lim: Limits) -> dict[str, Any]:
    """The knob values of the URL (widget form) and what goes with them, as the page's widgets will
    hold them; a notice for what the link's values brought, and for a value of the link that another
    one contradicts (``?backend=numpy&cell=lstm``: the later knob of the page wins, cell)."""
    found = {n: _value(exp, n, lim) for n in st.query_params if n in exp.knobs}
    chosen = {n: v for n, (v, _, why) in found.items() if not why}
    for name, value in _contradicted(exp, chosen).items():
        del chosen[name]
        session().notices.append(words.ignored(name, found[name][1], value))
    extra = {k: v for k, v in exp.implied(chosen, pinned=chosen).items()
             if k in exp.knobs and not refusal(exp.knob(k), v, lim)}
    if extra:
        session().notices.append(words.implied(exp, chosen, extra))
    return {k: to_widget(exp.knob(k), v) for k, v in {**chosen, **extra}.items()}


def _contradicted(exp: Experiment, chosen: dict[str, Any]) -> dict[str, str]:
    """Values of ``chosen`` that another chosen value needs otherwise, by name, with why: of two that
    need each other otherwise, the one earlier on the page gives way."""
    order = {n: i for i, n in enumerate(exp.knobs)}
    out: dict[str, str] = {}
    for name, value in chosen.items():
        for k, v in exp.implied({name: value}).items():
            if k in chosen and chosen[k] != v and order[k] < order[name] and k not in out:
                out[k] = f"{name} {exp.knob(name).format(value)} needs {k} {exp.knob(k).format(v)}"
    return out


def keep(values: dict[str, str], defaults: dict[str, str]) -> None:
    """Keep in the URL the knobs the app binds itself (``values``, as the URL writes them): a value that
    differs from its default is there, one that does not is not (as Streamlit does for bound widgets)."""
    for name, text in values.items():
        if text != defaults.get(name):
            if st.query_params.get(name) != text:
                st.query_params[name] = text
        elif name in st.query_params:
            del st.query_params[name]


def say_notices() -> None:
    """The notices kept for this run, as toasts, once."""
    notes, session().notices = session().notices, []
    for n in notes:
        st.toast(n, icon=":material/link_off:")
