"""What a person reads: the core's facts (settings, changes, stops, metrics) put into words.

Labels come from the knob schema (rnn_core.schema) and from each experiment's metric table; this module
only composes them, so one name is worded the same everywhere: widgets, toasts, status, charts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from rnn_core import dynamics, schema
from rnn_core.experiments import Experiment
from rnn_core.snapshot import Change, Stop

DIVERGED_HINT = ("Lower the learning rate or turn on gradient clipping, then press Train to go on from "
                 "the last good step, or Reset for new weights.")


def label(name: str) -> str:
    """The knob's label ("Learning rate"); an unknown name as it is."""
    return schema.KNOB[name].label if name in schema.KNOB else name


def value(name: str, v: Any) -> str:
    """A knob's value as a person reads it: "full" truncation, "global norm" clipping, 0.003."""
    knob = schema.KNOB.get(name)
    if knob is not None and knob.kind == "choice" and v in knob.choice_help:
        return knob.choice_help[v]
    return schema.format_value(name, v)


def change(c: Change) -> str:
    """"Learning rate 0.02 → 0.005"."""
    return f"{label(c.name)} {value(c.name, c.old)} → {value(c.name, c.new)}"


def changes(cs: Iterable[Change]) -> str:
    return "; ".join(change(c) for c in cs)


def names(ns: Sequence[str]) -> str:
    """"hidden size, activation and seed"."""
    words = [label(n).lower() if n in schema.KNOB else n for n in ns]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def stop(s: Stop) -> str:
    """Why the run stopped, and what to do about it."""
    if s.kind in ("diverged", "overflow"):
        return f"Training diverged: {s}. The plots show the last good step. {DIVERGED_HINT}"
    return (f"Training stopped: {s}. The plots show the last good step. Lower the learning rate or turn on "
            "gradient clipping, then press Train to go on, or Reset.")


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


def number(v: Any, digits: int = 4) -> str:
    """A float with ``digits`` significant digits; "–" for None and NaN."""
    try:
        x = float(v)
    except (TypeError, ValueError):
        return "–"
    return "–" if math.isnan(x) else f"{x:.{digits}g}"
