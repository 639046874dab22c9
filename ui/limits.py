"""What a knob's widget can hold on a page: its range (the schema's, narrowed by the app's ``ui_hi`` and
by the task: sequence length, sequences per epoch, the presets' epochs), the grid of a log knob, and
the widget's own form of a value (the "none" word, e.g. "full" for ``bptt_truncate=None``).

Everything here is read off the knob declarations (rnn_core.schema.Knob: ``limit``, ``grid``,
``none``, ``widget_kind``): no knob is named in this module. The sidebar, the URL check and compare mode
use the same functions, so a value is offered, accepted or refused the same way by all three.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import streamlit as st

from rnn_core.experiments import Experiment, get_experiment
from rnn_core.i18n import _
from rnn_core.schema import Knob

from .plotstyle import nice_ceil
from .state import page_state


@dataclass(frozen=True)
class Limits:
    """Ranges of the knobs that depend on the experiment's task and presets."""

    seq_len: int                  # longest sequence: the largest useful truncation
    items: int                    # sequences per epoch: the largest useful batch
    epochs: int                   # the largest block of epochs offered (10 × the presets')
    grids: dict[str, tuple[float, ...]]   # a log knob's values: its grid and the presets' values

    def hi(self, knob: Knob) -> float | None:
        """The largest value the widget of ``knob`` offers."""
        top = knob.widget_hi
        task = getattr(self, knob.limit) if knob.limit else None
        if task is None:
            return top
        return task if top is None else min(task, top)

    def options(self, knob: Knob) -> tuple[Any, ...]:
        """The values a grid or steps widget offers (in the widget's form)."""
        if knob.widget_kind == "grid":
            return self.grids[knob.name]
        top = int(self.hi(knob) or knob.lo or 1)
        return (*range(int(knob.lo or 1), top + 1), knob.none)


def compute_limits(exp: Experiment, data: Any = None) -> Limits:
    """Knob ranges from the experiment's task on ``data`` (None: its own data) and its presets; counts
    batches without building them."""
    runs = [exp.fit_run(exp.preset(p), data) for p in exp.presets]
    task = exp.make_task(runs[0], data)
    grids = {k.name: tuple(sorted({*k.grid, *(r.as_dict()[k.name] for r in runs)}))
             for k in map(exp.knob, exp.knobs) if k.widget_kind == "grid"}
    epochs = int(nice_ceil(10 * max(r.train.epochs for r in runs)))
    return Limits(seq_len=int(task.max_len), items=max(1, task.count_batches(1)), epochs=epochs,
                  grids=grids)


@st.cache_data(show_spinner=False)
def limits(exp_id: str) -> Limits:
    """Knob ranges of an experiment on its own data (cached: the data never changes)."""
    return compute_limits(get_experiment(exp_id))


def limits_for(exp_id: str, data_id: str | None, data: Any) -> Limits:
    """Knob ranges for the data in force (a person's upload: computed once per file and kept with the
    page, only for the data in force)."""
    if data_id is None:
        return limits(exp_id)
    ps = page_state(exp_id)
    if ps.limits is None or ps.limits[0] != data_id:
        ps.limits = (data_id, compute_limits(get_experiment(exp_id), data))
    return ps.limits[1]


def to_widget(knob: Knob, value: Any) -> Any:
    """A value in the widget's form: None → the knob's "none" word."""
    return knob.none if value is None and knob.none is not None else value


def from_widget(knob: Knob, value: Any) -> Any:
    """A widget's value as the setting: the "none" word → None, an int knob's number → int."""
    if knob.none is not None and value == knob.none:
        return None
    return int(value) if knob.kind == "int" and value is not None else value


def clamp(knob: Knob, value: Any, lim: Limits) -> Any:
    """A value (widget form) moved into the widget's range: the nearest grid value, "none" past the
    steps a task has, the slider's ends. A preset may exceed what a widget offers; a widget cannot."""
    kind = knob.widget_kind
    if kind in ("radio", "select"):
        return value
    if kind == "grid":
        grid = lim.grids[knob.name]
        return min(grid, key=lambda o: abs(math.log10(o) - math.log10(value)))
    if kind == "steps":
        return knob.none if value is None or value == knob.none or value > (lim.hi(knob) or math.inf) \
            else int(value)
    top = lim.hi(knob)
    x = max(value, knob.lo) if top is None else min(max(value, knob.lo), top)
    return int(x) if knob.kind == "int" else float(x)


def refusal(knob: Knob, value: Any, lim: Limits, on_grid: bool = True) -> str:
    """Why this page's widget cannot hold ``value`` (a parsed setting), "" if it can. ``on_grid``: a log
    knob's value must be one of its grid's (the sidebar), else only inside its range (a comparison)."""
    w = to_widget(knob, value)
    if knob.widget_kind == "grid":
        grid = lim.grids[knob.name]
        ok = w in grid if on_grid else grid[0] <= w <= grid[-1]
    else:
        ok = clamp(knob, w, lim) == w
    return "" if ok else _("this page offers {range}").format(range=describe(knob, lim))


def describe(knob: Knob, lim: Limits) -> str:
    """The range a page offers, in words: "1 … 256", "1e-05 … 1 on its grid", "off, value, norm"."""
    if knob.widget_kind == "grid":
        grid = lim.grids[knob.name]
        return _("{lo} … {hi} on its grid").format(lo=f"{grid[0]:g}", hi=f"{grid[-1]:g}")
    if knob.kind == "choice":
        return ", ".join(knob.choices)
    text = f"{knob.format(knob.lo)} … {knob.format(lim.hi(knob))}"
    return _("{range} or {none}").format(range=text, none=knob.none) if knob.none else text
