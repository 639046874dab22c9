"""What a person reads: the core's facts (settings, changes, stops, metrics) put into words.

Labels come from the knob schema (rnn_core.schema) and from each experiment's metric table; this module
only composes them, so one name is worded the same everywhere: widgets, toasts, status, charts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from rnn_core import dynamics
from rnn_core.experiments import Experiment, find_knob
from rnn_core.snapshot import Change, Stop

DIVERGED_HINT = ("Lower the learning rate or turn on gradient clipping, then press Train to go on from "
                 "the last point drawn before it, or Reset for new weights.")


def label(name: str) -> str:
    """The knob's label ("Learning rate"); an unknown name as it is."""
    knob = find_knob(name)
    return name if knob is None else knob.label


def value(name: str, v: Any) -> str:
    """A knob's value as a person reads it: "full" truncation, "global norm" clipping, 0.003."""
    knob = find_knob(name)
    if knob is not None and knob.kind == "choice" and v in knob.choice_help:
        return knob.choice_help[v]
    return str(v) if knob is None else knob.format(v)


def implied(exp: Experiment, chosen: dict[str, Any], moved: dict[str, Any]) -> str:
    """"Cell gru brings: backend torch, learning rate 0.02." (what ``Experiment.implied`` set)."""
    causes = [f"{label(k)} {exp.knob(k).format(v)}" for k, v in chosen.items() if exp.implied({k: v})]
    what = ", ".join(f"{label(k).lower()} {exp.knob(k).format(v)}" for k, v in moved.items())
    return f"{' and '.join(causes) or 'This setting'} brings: {what}."


def ignored(name: str, text: str, why: str) -> str:
    """Why a link's value was dropped."""
    shown = text if len(text) <= 40 else text[:30] + f"… ({len(text)} characters)"
    return f"Ignored {name}={shown!r} from the link: {why}."


def change(c: Change) -> str:
    """"Learning rate 0.02 → 0.005"."""
    return f"{label(c.name)} {value(c.name, c.old)} → {value(c.name, c.new)}"


def changes(cs: Iterable[Change]) -> str:
    return "; ".join(change(c) for c in cs)


def names(ns: Sequence[str]) -> str:
    """"hidden size, activation and seed"."""
    words = [label(n).lower() for n in ns]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def stop(s: Stop) -> str:
    """Why the run stopped, and what to do about it."""
    if s.kind in ("diverged", "overflow"):
        return f"Training diverged: {s}. The plots show the last good step. {DIVERGED_HINT}"
    return (f"Training stopped: {s}. The plots show the last good step. Lower the learning rate or turn on "
            "gradient clipping, then press Train to go on, or Reset.")


def too_heavy(update: float, evaluate: float, runs: int, limit: float) -> str:
    """Why a page will not train these settings live."""
    what = (f"one update of these {runs} runs takes about {update:.1f} s" if runs > 1 and update >= evaluate
            else f"one update takes about {update:.1f} s" if update >= evaluate
            else f"one evaluation of the model takes about {evaluate:.1f} s")
    return (f"These settings are too heavy to train live: {what}, and a live page may take at most "
            f"{limit:g} s at a time, so that everyone else's page keeps moving. A smaller hidden size, "
            "batch size or sequence, float32"
            + (", or fewer runs to compare," if runs > 1 else "")
            + " trains live; the command line (python -m rnn_core train) trains any size.")


def slow(step_seconds: float, budget: float) -> str:
    """Why a page with heavy settings trains on fewer ticks."""
    return (f"One update takes {1000 * step_seconds:.0f} ms, longer than a live tick "
            f"({1000 * budget:.0f} ms): this page trains on fewer ticks so that it does not slow anyone "
            "else down. A smaller hidden size, batch or BPTT truncation makes it live again.")


def reach(curve: np.ndarray, lag: int | None = None) -> str:
    """One line for the page, e.g. "the gradient loses 6.2 orders of magnitude over 50 steps"."""
    lag = len(curve) - 1 if lag is None else lag
    lost = dynamics.orders_lost(curve, lag)
    if np.isnan(lost):
        return "the gradient is not finite"
    if np.isinf(lost):
        return f"the gradient underflows to 0 within {lag} steps"
    if lost >= 0:
        return f"the gradient loses {lost:.1f} orders of magnitude over {lag} steps"
    return f"the gradient grows by {-lost:.1f} orders of magnitude over {lag} steps"


def metric(exp: Experiment, name: str) -> str:
    """The experiment's label of a metric ("validation RMSE")."""
    return next((m.label for m in exp.metrics if m.name == name), name.replace("_", " "))


HUGE = 1e6          # from here on a value is a blow-up's: its order of magnitude is the news, two digits


def _float(v: Any) -> float:
    """``v`` as a float; NaN for None, text, or an integer too large for a float."""
    try:
        return float(v)
    except (TypeError, ValueError, OverflowError):
        return math.nan


def _short_exponent(text: str) -> str:
    """"1.7e+19" → "1.7e19", "1.235e-05" → "1.235e-5": the exponent as a person writes it."""
    mantissa, e, exponent = text.partition("e")
    return f"{mantissa}e{int(exponent)}" if e else text


def number(v: Any, digits: int = 4) -> str:
    """A float with ``digits`` significant digits ("0.003688"), a huge one (a blow-up) with two ("5.1e36",
    not "5.071e+36"), "∞" / "−∞" for an overflow, "–" for None and NaN."""
    x = _float(v)
    if math.isnan(x):
        return "–"
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    return _short_exponent(f"{x:.{min(digits, 2) if abs(x) >= HUGE else digits}g}")


def table_number(v: Any) -> str:
    """A loss or a task metric in a table cell: 4 significant digits ("0.06435"), a whole number below a
    million ("123457": no exponent in a column of plain numbers), a blow-up's order of magnitude
    ("1.7e19" rather than 16962880363081646000), "–" for None and NaN, and "diverged" for an infinite
    value: a loss or a metric is infinite only when the run blew up."""
    x = _float(v)
    if math.isinf(x):
        return "diverged"
    if 1e4 <= abs(x) < HUGE:
        return f"{x:.0f}"
    return number(x)
