"""The sidebar knobs: every setting of a run as a widget whose key is its config name, bound to the URL.

``…/sine_wave?hidden_size=37&lr=0.01`` opens with those values: a widget's default is the value of
the preset in force, so the URL carries the preset and only the knobs that differ from it. Switching
preset only sets a flag (callback); the next run writes that preset's values into session state
before any knob widget is created. Ranges come from the task (sequence length, items per epoch), so
an impossible value cannot be picked; a URL value out of range is ignored by Streamlit.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import streamlit as st

from rnn_core.config import ACTIVATIONS, CELLS, CLIP_MODES, DTYPES, INITS, OPTIMIZERS, ModelConfig
from rnn_core.experiments import PRESETS, Experiment, RunConfig, get_experiment

from .plotstyle import nice_ceil

PRESET_FLAG = "_preset_changed"
FULL = "full"                                                  # bptt_truncate = None in the widgets
MODEL_KNOBS = ("hidden_size", "activation", "init", "backend", "cell", "dtype")
TRAIN_KNOBS = ("lr", "optimizer", "momentum", "batch_size", "epochs", "bptt_truncate", "clip_mode", "clip")
KNOBS = (*MODEL_KNOBS, *TRAIN_KNOBS, "seed")
HIDDEN_MAX = 256
CLIP_MAX = 100.0
SEED_MAX = 2**31 - 1
LR_GRID = tuple(round(m * 10.0**e, 12) for e in range(-5, 0) for m in (1, 2, 3, 5)) + (1.0,)
HELP = {
    "preset": "default: tuned to learn fast. article: the article's own settings.",
    "hidden_size": "Units of the recurrent state h_t. Changing it builds a new model.",
    "activation": "h_t = act(x_t W_xh + h_{t-1} W_hh + b_h). LSTM and GRU have their own gates.",
    "init": "default: Xavier inputs, orthogonal W_hh. uniform01: U(0, 1), the sine article's. "
            "normal: N(0, σ) with the preset's σ.",
    "backend": "numpy: the from-scratch model. torch: the same equations, plus LSTM and GRU cells.",
    "cell": "LSTM and GRU need the torch backend.",
    "dtype": "Floating-point precision of the weights and the arithmetic.",
    "lr": "Step size of each update (log scale). Applied to the running model.",
    "optimizer": "sgd, momentum (SGD with momentum) or adam. Applied to the running model "
                 "(a new optimizer starts with empty moments).",
    "momentum": "Momentum coefficient (optimizer 'momentum').",
    "batch_size": "Sequences per update; takes effect at the next epoch.",
    "epochs": "Passes over the training data that the run makes.",
    "bptt_truncate": "How many steps back each loss term sends gradient; 'full' = all the way.",
    "clip_mode": "value: clip each gradient element to ±clip. norm: scale ‖g‖ down to ≤ clip.",
    "clip": "Clipping threshold.",
    "seed": "Seeds the weights, the shuffling and the sampling. Changing it builds a new run.",
}


@dataclass(frozen=True)
class Limits:
    """Ranges of the knobs that depend on the experiment."""

    seq_len: int                  # longest sequence: the largest useful truncation
    items: int                    # sequences per epoch: the largest useful batch
    epochs_max: int
    lr_options: tuple[float, ...]


def fit_run(exp: Experiment, run: RunConfig, data: Any = None) -> RunConfig:
    """``run`` with the sizes the data decides (e.g. the vocabulary of a user's text)."""
    fit = getattr(exp, "run_for_data", None)
    return fit(run, data) if fit is not None else run


def compute_limits(exp: Experiment, data: Any = None) -> Limits:
    """Knob ranges from the experiment's task on ``data`` (None: its own data) and both presets."""
    runs = [fit_run(exp, exp.preset(p), data) for p in PRESETS]
    task = exp.make_task(runs[0], data)
    items = len(task.epoch_batches(np.random.default_rng(0), 1))
    lrs = sorted({*LR_GRID, *(r.train.lr for r in runs)})
    return Limits(seq_len=int(task.max_len), items=max(1, min(items, HIDDEN_MAX)),
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


def knob_values(run: RunConfig) -> dict[str, Any]:
    """Widget values of a run config, by knob name (bptt_truncate None shows as "full")."""
    d = run.as_dict()
    v = {k: d[k] for k in KNOBS}
    v["bptt_truncate"] = FULL if d["bptt_truncate"] is None else int(d["bptt_truncate"])
    return v


def run_from_values(exp: Experiment, preset: str, values: dict[str, Any], data: Any = None) -> RunConfig:
    """The run config of the widget values for ``data`` (ValueError with a plain message if they do
    not fit)."""
    changes = {k: v for k, v in values.items() if k not in exp.fixed}
    changes["bptt_truncate"] = None if changes.get("bptt_truncate", FULL) == FULL else int(
        changes["bptt_truncate"])
    if changes.get("backend") == "numpy":
        changes["cell"] = "rnn"                                  # lstm / gru exist only in torch
    return fit_run(exp, exp.preset(preset).replace(**changes), data)


def clamp(values: dict[str, Any], lim: Limits) -> dict[str, Any]:
    """Values moved into the widgets' ranges (a preset may exceed them; the widget cannot)."""
    v = dict(values)
    v["hidden_size"] = min(max(int(v["hidden_size"]), 1), HIDDEN_MAX)
    v["batch_size"] = min(max(int(v["batch_size"]), 1), lim.items)
    v["epochs"] = min(max(int(v["epochs"]), 1), lim.epochs_max)
    v["clip"] = min(max(float(v["clip"]), 0.0), CLIP_MAX)
    if v["bptt_truncate"] != FULL and v["bptt_truncate"] > lim.seq_len:
        v["bptt_truncate"] = FULL
    if v["lr"] not in lim.lr_options:
        v["lr"] = min(lim.lr_options, key=lambda o: abs(math.log10(o) - math.log10(v["lr"])))
    return v


def fit_state(lim: Limits) -> None:
    """Move knob values already in session state into the ranges of ``lim``: other data (an upload)
    can shrink them, and a widget whose value lies outside its range raises."""
    ss, keys = st.session_state, ("hidden_size", "batch_size", "epochs", "clip", "bptt_truncate", "lr")
    if all(k in ss for k in keys):
        now = {k: ss[k] for k in keys}
        for k, v in clamp(now, lim).items():
            if v != now[k]:
                ss[k] = v


def _on_preset() -> None:
    st.session_state[PRESET_FLAG] = True


def preset_widget(restore: str | None) -> str:
    """The preset radio (first in the sidebar); ``restore`` sets it when re-entering a page."""
    if restore is not None:
        st.session_state["preset"] = restore
    return st.radio("Preset", PRESETS, key="preset", bind="query-params", horizontal=True,
                    on_change=_on_preset, help=HELP["preset"])


def seed_state(values: dict[str, Any]) -> None:
    """Write knob values into session state (only before the knob widgets of this run exist)."""
    for k, v in values.items():
        st.session_state[k] = v


def preset_changed() -> bool:
    """True once after the preset radio changed (its callback set the flag)."""
    return bool(st.session_state.pop(PRESET_FLAG, False))


def render_knobs(exp: Experiment, preset: str, lim: Limits) -> dict[str, Any]:
    """Every knob widget of the sidebar; returns the values by config name."""
    d = clamp(knob_values(exp.preset(preset)), lim)         # widget defaults: the preset's values
    fixed = set(exp.fixed)
    v: dict[str, Any] = {}
    st.subheader("Model")
    v["hidden_size"] = _slider("Hidden size", 1, HIDDEN_MAX, d, "hidden_size")
    v["backend"] = _radio("Backend", ("numpy", "torch"), d, "backend")
    cells = CELLS if v["backend"] == "torch" else ("rnn",)
    v["cell"] = st.selectbox("Cell", cells, index=_index(cells, d["cell"]), key="cell", bind="query-params",
                             help=HELP["cell"], disabled=len(cells) == 1)
    v["activation"] = _select("Activation", ACTIVATIONS, d, "activation", disabled=v["cell"] != "rnn")
    v["init"] = _select("Init", INITS, d, "init")
    st.subheader("Training")
    v["lr"] = st.select_slider("Learning rate", lim.lr_options, value=d["lr"], key="lr",
                               bind="query-params", format_func=lambda x: f"{x:g}", help=HELP["lr"])
    v["optimizer"] = _select("Optimizer", OPTIMIZERS, d, "optimizer")
    v["epochs"] = _slider("Epochs", 1, lim.epochs_max, d, "epochs")
    v["batch_size"] = _slider("Batch size", 1, lim.items, d, "batch_size", disabled=lim.items == 1)
    v["bptt_truncate"] = st.select_slider(
        "BPTT truncation", (*range(1, lim.seq_len + 1), FULL), value=d["bptt_truncate"],
        key="bptt_truncate", bind="query-params", help=HELP["bptt_truncate"])
    v["clip_mode"] = _radio("Gradient clipping", CLIP_MODES, d, "clip_mode")
    v["clip"] = st.slider("Clip value", 0.0, CLIP_MAX, value=float(d["clip"]), step=0.1, key="clip",
                          bind="query-params", help=HELP["clip"], disabled=v["clip_mode"] == "off")
    with st.expander("More settings"):
        v["momentum"] = st.slider("Momentum", 0.0, 0.99, value=float(d["momentum"]), step=0.01,
                                  key="momentum", bind="query-params", help=HELP["momentum"],
                                  disabled=v["optimizer"] != "momentum")
        v["dtype"] = _select("Precision", DTYPES, d, "dtype")
        v["seed"] = st.number_input("Seed", 0, SEED_MAX, value=int(d["seed"]), step=1, key="seed",
                                    bind="query-params", help=HELP["seed"])
    return {k: x for k, x in v.items() if k not in fixed}


def _index(options: tuple[str, ...], value: str) -> int:
    return options.index(value) if value in options else 0


def _slider(label: str, lo: int, hi: int, d: dict[str, Any], key: str, disabled: bool = False) -> int:
    return st.slider(label, lo, max(hi, lo + 1), value=int(d[key]), step=1, key=key, bind="query-params",
                     help=HELP[key], disabled=disabled)


def _select(label: str, options: tuple[str, ...], d: dict[str, Any], key: str, disabled: bool = False) -> str:
    return st.selectbox(label, options, index=_index(options, d[key]), key=key, bind="query-params",
                        help=HELP[key], disabled=disabled)


def _radio(label: str, options: tuple[str, ...], d: dict[str, Any], key: str) -> str:
    return st.radio(label, options, index=_index(options, d[key]), key=key, bind="query-params",
                    horizontal=True, help=HELP[key])


def needs_rebuild(old: RunConfig, new: RunConfig) -> list[str]:
    """Knobs that differ and change the model or the data (a new run is needed)."""
    a, b = dataclasses.asdict(old.model), dataclasses.asdict(new.model)
    diff = [k for k in a if a[k] != b[k]]
    if old.train.seed != new.train.seed:
        diff.append("seed")
    return diff


def model_summary(m: ModelConfig) -> str:
    """A short description of a model config, e.g. "RNN (tanh), 32 hidden units, numpy"."""
    cell = m.cell.upper() + (f" ({m.activation})" if m.cell == "rnn" else "")
    return f"{cell}, {m.hidden_size} hidden units, {m.backend}"
