"""The sidebar knobs: one widget per setting of the schema (rnn_core.schema) that the experiment lets a
person change, keyed by its config name and bound to the URL.

``…/sine_wave?hidden_size=37&lr=0.01`` opens with those values: a widget's default is the value of the
preset in force, so the URL carries the preset and only the knobs that differ from it. Switching preset
(or pressing Defaults) only sets a flag; the next run writes that preset's values into session state
before any knob widget is created. Ranges are the schema's, narrowed by the task (sequence length,
sequences per epoch): an impossible value cannot be picked. URL values are checked by the schema before
any widget reads them (ui/urls.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import streamlit as st

from rnn_core import schema
from rnn_core.config import RunConfig
from rnn_core.experiments import Experiment, get_experiment

from .plotstyle import nice_ceil

PRESET_FLAG = "_preset_changed"
FULL = schema.KNOB["bptt_truncate"].none                       # "full": bptt_truncate None in the widgets
LR_GRID = tuple(round(m * 10.0**e, 12) for e in range(-5, 0) for m in (1, 2, 3, 5)) + (1.0,)
SECTIONS = (("Model", ("hidden_size", "backend", "cell", "activation", "init")),
            ("Training", ("lr", "optimizer", "epochs", "batch_size", "bptt_truncate", "clip_mode", "clip")),
            ("Task", ("lag",)),
            ("More settings", ("momentum", "w_hh_scale", "dtype", "seed")))
RADIOS = ("backend", "clip_mode")                              # few choices: all visible at once


@dataclass(frozen=True)
class Limits:
    """Ranges of the knobs that depend on the experiment's task."""

    seq_len: int                  # longest sequence: the largest useful truncation
    items: int                    # sequences per epoch: the largest useful batch
    epochs_max: int
    lr_options: tuple[float, ...]

    def hi(self, name: str) -> float | None:
        """The largest value the widget of ``name`` offers."""
        task = {"batch_size": self.items, "epochs": self.epochs_max, "bptt_truncate": self.seq_len}
        top = schema.KNOB[name].widget_hi
        return min(task[name], top) if name in task and top is not None else task.get(name, top)


def compute_limits(exp: Experiment, data: Any = None) -> Limits:
    """Knob ranges from the experiment's task on ``data`` (None: its own data) and its presets; counts
    batches without building them."""
    runs = [exp.fit_run(exp.preset(p), data) for p in exp.presets]
    task = exp.make_task(runs[0], data)
    lrs = sorted({*LR_GRID, *(r.train.lr for r in runs)})
    return Limits(seq_len=int(task.max_len), items=max(1, task.count_batches(1)),
                  epochs_max=int(nice_ceil(10 * max(r.train.epochs for r in runs))), lr_options=tuple(lrs))


@st.cache_data(show_spinner=False)
def limits(exp_id: str) -> Limits:
    """Knob ranges of an experiment on its own data (cached: the data never changes)."""
    return compute_limits(get_experiment(exp_id))


def limits_for(exp_id: str, data_id: str | None, data: Any) -> Limits:
    """Knob ranges for the data in force (a user's upload: computed once per file, per session)."""
    if data_id is None:
        return limits(exp_id)
    key = f"_limits:{exp_id}:{data_id}"
    if key not in st.session_state:
        st.session_state[key] = compute_limits(get_experiment(exp_id), data)
    return st.session_state[key]


def knob_values(exp: Experiment, run: RunConfig) -> dict[str, Any]:
    """Widget values of a run config for the knobs the experiment shows (truncation None → "full")."""
    d = run.as_dict()
    return {k: FULL if k == "bptt_truncate" and d[k] is None else d[k] for k in exp.knobs}


def run_from_values(exp: Experiment, preset: str, values: dict[str, Any], data: Any = None) -> RunConfig:
    """The run config of the widget values for ``data`` (ValueError with a plain message if they do
    not fit)."""
    changes = {k: None if k == "bptt_truncate" and v == FULL else v for k, v in values.items()}
    if changes.get("backend") == "numpy":
        changes["cell"] = "rnn"                                  # lstm / gru exist only in torch
    return exp.fit_run(exp.preset(preset).replace(**changes), data)


def clamp(values: dict[str, Any], lim: Limits) -> dict[str, Any]:
    """Values moved into the widgets' ranges (a preset may exceed them; the widget cannot)."""
    v = dict(values)
    for name, x in values.items():
        knob = schema.KNOB[name]
        if name == "lr":
            v[name] = min(lim.lr_options, key=lambda o: abs(math.log10(o) - math.log10(x)))
        elif name == "bptt_truncate":
            v[name] = FULL if x is None or x == FULL or x > lim.seq_len else int(x)  # None = full
        elif knob.kind in ("int", "float") and knob.lo is not None:
            top = lim.hi(name)
            x = max(x, knob.lo) if top is None else min(max(x, knob.lo), top)
            v[name] = int(x) if knob.kind == "int" else float(x)
    return v


def fit_state(lim: Limits, names: tuple[str, ...]) -> None:
    """Move knob values already in session state into the ranges of ``lim``: other data (an upload)
    can shrink them, and a widget whose value lies outside its range raises."""
    ss = st.session_state
    now = {k: ss[k] for k in names if k in ss and schema.KNOB[k].kind != "choice"}
    for k, v in clamp(now, lim).items():
        if v != now[k]:
            ss[k] = v


def request_defaults() -> None:
    """Callback of the preset radio and of Defaults: the next run writes the preset's values."""
    st.session_state[PRESET_FLAG] = True


def preset_widget(exp: Experiment, restore: str | None) -> str:
    """The preset radio (first in the sidebar); ``restore`` sets it when re-entering a page."""
    if restore is not None:
        st.session_state["preset"] = restore
    if st.session_state.get("preset") not in exp.presets:
        st.session_state.pop("preset", None)                      # another page's preset name
    return st.radio("Preset", exp.presets, key="preset", bind="query-params", horizontal=True,
                    on_change=request_defaults, help=exp.preset_help)


def seed_state(values: dict[str, Any]) -> None:
    """Write knob values into session state (only before the knob widgets of this run exist)."""
    for k, v in values.items():
        st.session_state[k] = float(v) if k == "seed" else v       # the seed's widget holds a float


def preset_changed() -> bool:
    """True once after the preset radio changed or Defaults was pressed."""
    return bool(st.session_state.pop(PRESET_FLAG, False))


def render_knobs(exp: Experiment, preset: str, lim: Limits, compared: str | None = None,
                 shown: tuple[str, ...] | None = None) -> dict[str, Any]:
    """Every knob widget of the sidebar, by section; returns the values by config name. The
    ``compared`` knob's widget is disabled: the comparison sets it. With ``shown`` (a lecturer's
    ``?show=``), only those knobs have widgets; the others keep the link's or the preset's value."""
    d = clamp(knob_values(exp, exp.preset(preset)), lim)         # widget defaults: the preset's values
    v: dict[str, Any] = {}
    if shown is not None:
        v = {n: _typed(n, st.session_state.get(n, d[n])) for n in exp.knobs if n not in shown}
    for title, names in SECTIONS:
        shown_here = [n for n in names if n in exp.knobs and (shown is None or n in shown)]
        if not shown_here:
            continue
        box = st.expander(title) if title == "More settings" else st.container()
        with box:
            if title != "More settings":
                st.subheader(title, anchor=False)
            for name in shown_here:
                v[name] = _widget(name, d[name], lim, v, compared == name)
    return v


def _typed(name: str, value: Any) -> Any:
    """A knob's value in its schema kind (the seed's widget state is a float)."""
    return int(value) if schema.KNOB[name].kind == "int" and value != FULL else value


def _help(name: str) -> str:
    knob = schema.KNOB[name]
    how = {"live": "Applied to the running model.", "rebuild": "Changing it builds a new model."}
    top = schema.format_value(name, knob.widget_hi)
    why = f" The app stops at {top}: {knob.ui_why}." if knob.ui_why else ""
    return f"{knob.help} {how.get(knob.applies, '')}{why}"


def _disabled(name: str, v: dict[str, Any], lim: Limits) -> bool:
    return {"cell": v.get("backend") != "torch", "activation": v.get("cell", "rnn") != "rnn",
            "momentum": v.get("optimizer") != "momentum", "clip": v.get("clip_mode") == "off",
            "batch_size": lim.hi("batch_size") == 1}.get(name, False)


def _widget(name: str, default: Any, lim: Limits, v: dict[str, Any], compared: bool = False) -> Any:
    """The widget of one knob, its kind and range from the schema and the task's limits."""
    knob, off = schema.KNOB[name], _disabled(name, v, lim) or compared
    why = " Set by the comparison (Compare runs, above)." if compared else ""
    common = {"key": name, "bind": "query-params", "help": _help(name) + why, "disabled": off}
    if knob.kind == "choice":
        options = knob.choices if name != "cell" or v.get("backend") == "torch" else ("rnn",)
        index = options.index(default) if default in options else 0
        if name in RADIOS:
            return st.radio(knob.label, options, index=index, horizontal=True, **common)
        return st.selectbox(knob.label, options, index=index, **common)
    if name == "lr":
        return st.select_slider(knob.label, lim.lr_options, value=default, format_func=lambda x: f"{x:g}",
                                **common)
    if name == "bptt_truncate":
        return st.select_slider(knob.label, (*range(1, lim.seq_len + 1), FULL), value=default, **common)
    if name == "seed":    # a float input: Streamlit's int input raises on a URL value of inf (a whole
        #                   number is shown and used; check_url tells about anything else)
        return int(st.number_input(knob.label, float(knob.lo), float(knob.hi), value=float(default),
                                   step=1.0, format="%.0f", **common))
    hi = lim.hi(name)
    if knob.kind == "int":
        lo = int(knob.lo)
        return st.slider(knob.label, lo, max(int(hi), lo + 1), value=int(default), step=1, **common)
    return st.slider(knob.label, float(knob.lo), float(hi), value=float(default), step=knob.step, **common)


def needs_rebuild(old: RunConfig, new: RunConfig) -> list[str]:
    """Settings that differ and need a new model or task (everything but the live knobs)."""
    return [k for k in old.diff(new) if k not in schema.LIVE_KNOBS]


def model_summary(run: RunConfig) -> str:
    """A short description of a run's model, e.g. "RNN (tanh), 32 hidden units, numpy"."""
    m = run.model
    cell = m.cell.upper() + (f" ({m.activation})" if m.cell == "rnn" else "")
    return f"{cell}, {m.hidden_size} hidden units, {m.backend}"


def _from_url(name: str, lim: Limits) -> tuple[Any, str, str]:
    """(value, text, why not): a knob's URL value as this page's widget can hold it, or why it cannot."""
    texts = st.query_params.get_all(name)
    text = texts[-1] if texts else ""
    try:
        value = FULL if name == "bptt_truncate" and text.strip().lower() == FULL else schema.parse(name, text)
        if name == "bptt_truncate" and value is None:                 # "none": the schema's word for full
            value = FULL
    except ValueError as e:
        return None, text, "expected " + str(e).partition("expected ")[2] if "expected " in str(e) else str(e)
    ok = clamp({name: value}, lim)[name] == value and (name != "lr" or value in lim.lr_options)
    return value, text, "" if ok else f"this page offers {_range(name, lim)}"


def check_url(exp: Experiment, lim: Limits) -> list[str]:
    """Drop every knob value of the URL that its widget cannot hold (not a value of the schema, or
    outside what this page offers), before any widget reads it; returns a notice for each."""
    notices = []
    for name in [k for k in st.query_params if k in exp.knobs]:
        _, text, why = _from_url(name, lim)
        if why:
            try:
                del st.query_params[name]
            except st.errors.StreamlitAPIException:          # bound already: its widget corrects it
                pass
            notices.append(f"Ignored {name}={text[:40]!r} from the link: {why}.")
    return notices


def url_values(exp: Experiment, lim: Limits) -> dict[str, Any]:
    """The knob values of the URL that this page's widgets can hold."""
    found = {name: _from_url(name, lim) for name in st.query_params if name in exp.knobs}
    return {name: value for name, (value, _, why) in found.items() if not why}


def _range(name: str, lim: Limits) -> str:
    knob = schema.KNOB[name]
    if name == "lr":
        return f"{lim.lr_options[0]:g} … {lim.lr_options[-1]:g} on its grid"
    if knob.kind == "choice":
        return ", ".join(knob.choices)
    top = lim.hi(name)
    return f"{schema.format_value(name, knob.lo)} … {schema.format_value(name, top)}"
