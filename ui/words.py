"""What a person reads: the core's facts (settings, changes, stops, metrics) put into words.

Labels come from the knob schema (rnn_core.schema) and from each experiment's metric table; this module
only composes them, so one name is worded the same everywhere: widgets, toasts, status, charts.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from rnn_core import dynamics, i18n
from rnn_core.experiments import Experiment, find_knob
from rnn_core.i18n import N_, _, ngettext
from rnn_core.snapshot import Change, Stop

DIVERGED_HINT = N_("Lower the learning rate or turn on gradient clipping, then press Continue to go on from "
                   "the last point drawn before it, or Reset for new weights.")


def label(name: str) -> str:
    """The knob's label ("Learning rate"), in the session's language; an unknown name as it is."""
    knob = find_knob(name)
    return name if knob is None else _(knob.label)


def value(name: str, v: Any) -> str:
    """A knob's value as a person reads it: "full" truncation, "global norm" clipping, 0.003."""
    knob = find_knob(name)
    if knob is not None and knob.kind == "choice" and v in knob.choice_help:
        return _(knob.choice_help[v])
    if knob is not None and v is None and knob.none is not None:
        return none_word(knob.none)
    return str(v) if knob is None else knob.format(v)


def none_word(word: str) -> str:
    """How a knob's "none" value reads ("full" BPTT, the "same" σ)."""
    return {"full": _("full"), "same": _("same")}.get(word, word)


def bound(fn: Callable[[Any], str]) -> Callable[[Any], str]:
    """``fn`` as a widget's format_func: it speaks the language of the run that made the widget, whichever
    thread later calls it (Streamlit's test client formats options outside the script's thread)."""
    lang = i18n.current()

    def shown(v: Any) -> str:
        with i18n.language(lang):
            return fn(v)
    return shown


def choice(name: str) -> Callable[[Any], str]:
    """A widget's format_func: each choice of ``name`` as a person reads it."""
    return bound(lambda v: value(name, v))


PRESETS = {"default": N_("default"), "article": N_("article"), "short": N_("short")}


def preset(name: str) -> str:
    """A preset's name as a person reads it."""
    return _(PRESETS.get(name, name))


def implied(exp: Experiment, chosen: dict[str, Any], moved: dict[str, Any]) -> str:
    """"Cell gru brings: backend torch, learning rate 0.02." (what ``Experiment.implied`` set)."""
    causes = [_("{knob} {value}").format(knob=label(k), value=exp.knob(k).format(v))
              for k, v in chosen.items() if exp.implied({k: v})]
    what = ", ".join(_("{knob} {value}").format(knob=label(k).lower(), value=exp.knob(k).format(v))
                     for k, v in moved.items())
    return _("{causes} brings: {what}.").format(causes=and_list(causes) or _("This setting"), what=what)


def ignored(name: str, text: str, why: str) -> str:
    """Why a link's value was dropped."""
    shown = text if len(text) <= 40 else text[:30] + _("… ({n} characters)").format(n=len(text))
    return _("Ignored {name}={text} from the link: {why}.").format(name=name, text=repr(shown), why=why)


def change(c: Change) -> str:
    """"Learning rate 0.02 → 0.005"."""
    return f"{label(c.name)} {value(c.name, c.old)} → {value(c.name, c.new)}"


def changes(cs: Iterable[Change]) -> str:
    return "; ".join(change(c) for c in cs)


def and_list(items: Sequence[str]) -> str:
    """"a, b and c" in the session's language ("" for none)."""
    items = list(items)
    if len(items) < 2:
        return "".join(items)
    return _("{first} and {last}").format(first=_(", ").join(items[:-1]), last=items[-1])


def names(ns: Sequence[str]) -> str:
    """"hidden size, activation and seed"."""
    return and_list([label(n).lower() for n in ns])


def stop(s: Stop) -> str:
    """Why the run stopped, and what to do about it."""
    if s.kind in ("diverged", "overflow"):
        return _("Training diverged: {why}. The plots show the last good step. {hint}").format(
            why=s, hint=_(DIVERGED_HINT))
    return _("Training stopped: {why}. The plots show the last good step. Lower the learning rate or turn "
             "on gradient clipping, then press Continue to go on, or Reset.").format(why=s)


def steps(n: int) -> str:
    """"1 step", "1,280 steps" (Russian: 1 шаг, 2 шага, 5 шагов)."""
    return ngettext("{n} step", "{n} steps", n).format(n=i18n.integer(n))


def epochs(n: int) -> str:
    """"1 epoch", "160 epochs"."""
    return ngettext("{n} epoch", "{n} epochs", n).format(n=i18n.integer(n))


def complete(step: int, done_epochs: int, seconds: float, block: int) -> str:
    """What a finished run says."""
    return _("Run complete: {steps}, {epochs} in {seconds} s of training. Press Continue for another "
             "{block}, or Reset for new weights.").format(steps=steps(step), epochs=epochs(done_epochs),
                                                         seconds=i18n.fixed(seconds), block=epochs(block))


def too_heavy(update: float, evaluate: float, runs: int, limit: float) -> str:
    """Why a page will not train these settings live."""
    if runs > 1 and update >= evaluate:
        what = _("one update of these {runs} runs takes about {s} s").format(runs=runs, s=i18n.fixed(update))
    elif update >= evaluate:
        what = _("one update takes about {s} s").format(s=i18n.fixed(update))
    else:
        what = _("one evaluation of the model takes about {s} s").format(s=i18n.fixed(evaluate))
    helps = (_("A smaller hidden size, batch size or sequence, float32, or fewer runs to compare trains "
               "live") if runs > 1 else _("A smaller hidden size, batch size or sequence, or float32 "
                                          "trains live"))
    return _("These settings are too heavy to train live: {what}, and a live page may take at most "
             "{limit} s at a time, so that everyone else's page keeps moving. {helps}; the command line "
             "(python -m rnn_core train) trains any size.").format(what=what, limit=number(limit),
                                                                  helps=helps)


def slow(step_seconds: float, budget: float) -> str:
    """Why a page with heavy settings trains on fewer ticks."""
    return _("One update takes {ms} ms, longer than a live tick ({budget} ms): this page trains on fewer "
             "ticks so that it does not slow anyone else down. A smaller hidden size, batch or BPTT "
             "truncation makes it live again.").format(ms=i18n.integer(round(1000 * step_seconds)),
                                                        budget=i18n.integer(round(1000 * budget)))


def reach(curve: np.ndarray, lag: int | None = None) -> str:
    """One line for the page, e.g. "the gradient loses 6.2 orders of magnitude over 50 steps"."""
    lag = len(curve) - 1 if lag is None else lag
    lost = dynamics.orders_lost(curve, lag)
    if np.isnan(lost):
        return _("the gradient is not finite")
    if np.isinf(lost):
        return ngettext("the gradient underflows to 0 within {lag} step",
                        "the gradient underflows to 0 within {lag} steps", lag).format(lag=lag)
    if lost >= 0:
        return ngettext("the gradient loses {orders} orders of magnitude over {lag} step",
                        "the gradient loses {orders} orders of magnitude over {lag} steps", lag).format(
                            orders=i18n.fixed(lost), lag=lag)
    return ngettext("the gradient grows by {orders} orders of magnitude over {lag} step",
                    "the gradient grows by {orders} orders of magnitude over {lag} steps", lag).format(
                        orders=i18n.fixed(-lost), lag=lag)


def metric(exp: Experiment, name: str) -> str:
    """The experiment's label of a metric ("validation RMSE"), in the session's language."""
    return next((_(m.label) for m in exp.metrics if m.name == name), name.replace("_", " "))


HUGE = 1e6          # from here on a value is a blow-up's: its order of magnitude is the news, two digits


def _float(v: Any) -> float:
    """``v`` as a float; NaN for None, text, or an integer too large for a float."""
    try:
        return float(v)
    except (TypeError, ValueError, OverflowError):
        return math.nan


def number(v: Any, digits: int = 4) -> str:
    """A float with ``digits`` significant digits in the session's language ("0.003688", "0,003688"), a
    huge one (a blow-up) with two ("5.1e36", not "5.071e+36"), "∞" / "−∞" for an overflow, "–" for None
    and NaN (rnn_core.i18n.number)."""
    x = _float(v)
    return i18n.number(x, min(digits, 2) if math.isfinite(x) and abs(x) >= HUGE else digits)


def table_number(v: Any) -> str:
    """A loss or a task metric in a table cell: 4 significant digits ("0.06435"), a whole number below a
    million ("123,457": no exponent in a column of plain numbers), a blow-up's order of magnitude
    ("1.7e19" rather than 16962880363081646000), "–" for None and NaN, and "diverged" for an infinite
    value: a loss or a metric is infinite only when the run blew up."""
    x = _float(v)
    if math.isinf(x):
        return _("diverged")
    if 1e4 <= abs(x) < HUGE:
        return i18n.integer(round(x))
    return number(x)
