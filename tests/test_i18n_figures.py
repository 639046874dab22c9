"""Every text the figures and panels show goes through gettext: with a fake translation installed (every
message comes back as ⟪message⟫), every title, subtitle, axis title, legend name, annotation, colour bar
title and hover template of every figure, built from real small runs, must be wrapped in ⟪…⟫ except for
symbols (h_t, W_hh, x, sin(t), RNN …). A title added without ``_`` fails here. The panels' ``st.*`` texts
are checked in their source (a literal string or f-string as a label, help, placeholder or text fails)."""

from __future__ import annotations

import ast
import dataclasses
import gettext
import re
import types
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest

from rnn_core import i18n
from rnn_core.experiments import experiment_ids, get_experiment
from rnn_core.snapshot import Stop
from rnn_core.trainer import Trainer
from ui import comparefigs as C
from ui import dynfigs as D
from ui import figures as F
from ui import plotstyle as S
from ui.panels import abcde, dinos, memory, prediction_figures

ROOT = Path(__file__).resolve().parents[1]
WRAPPED = re.compile(r"⟪[^⟪⟫]*⟫")
PLOTLY = re.compile(r"<[^>]*>|%\{[^}]*\}")               # html tags and plotly's own %{…}: not words
WORD = re.compile(r"[A-Za-z0-9_]+")
SYMBOLS = {"h_t", "W_hh", "sin", "RNN", "LSTM", "GRU", "rnn", "lstm", "gru"}   # and single letters: x, t, P
TEXT_KEYS = {"text", "name", "hovertemplate"}            # titles, annotations, trace text, legend, hover


class Marked(gettext.NullTranslations):
    def gettext(self, message):
        return f"⟪{message}⟫"

    def ngettext(self, singular, plural, n):
        return f"⟪{singular if n == 1 else plural}⟫"


@pytest.fixture
def marked(monkeypatch):
    monkeypatch.setattr(i18n, "_catalog", lambda lang: Marked())


def unmarked(text: str) -> list[str]:
    """The words of ``text`` that did not go through ``_`` (symbols and single letters aside)."""
    while WRAPPED.search(text):
        text = WRAPPED.sub(" ", text)
    words = WORD.findall(PLOTLY.sub(" ", text))
    return [w for w in words if re.search("[A-Za-z]", w) and len(w) > 1 and w not in SYMBOLS]


def texts(node, key: str = ""):
    """Every string under a text key of a figure's JSON (titles are {"text": …}, trace text arrays)."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "title" and isinstance(v, str):
                yield v
            else:
                yield from texts(v, k)
    elif isinstance(node, list | tuple | np.ndarray):
        for v in np.asarray(node, dtype=object).ravel() if isinstance(node, np.ndarray) else node:
            yield from texts(v, key)
    elif isinstance(node, str) and key in TEXT_KEYS:
        yield node


def problems(fig) -> list[str]:
    spec = fig if isinstance(fig, dict) else fig.to_plotly_json()
    return [t for t in texts(spec) if unmarked(t)]


def trained(exp_id: str, steps: int = 5, **knobs):
    exp = get_experiment(exp_id)
    run = exp.preset("default").replace(epochs=1, **knobs)
    data = None
    if exp_id == "dinos":                                  # a small corpus keeps evaluation quick
        data = "\n".join(["tyrannosaurus", "stegosaurus", "allosaurus", "diplodocus", "iguanodon"] * 3)
        run = exp.fit_run(run, data)
    tr = Trainer(exp.make_task(run, data), run)
    tr.snapshot()
    return tr, tr.run(steps=steps)


@pytest.fixture(scope="module")
def sine():
    """A sine run with truncation and norm clipping, then a knob change (clipping by value), 5 + 5 steps."""
    tr, _snap = trained("sine", bptt_truncate=2, clip_mode="norm", clip=1.0)
    tr.apply(dataclasses.replace(tr.cfg, clip_mode="value"))
    return tr.run(steps=5)


def common_figures(snap):
    stopped = dataclasses.replace(snap, stop=Stop(kind="diverged", step=snap.step, value=float("inf")))
    nan_rec = dataclasses.replace(snap.record, train_loss=np.nan, val_loss=None, grad_norm_before=np.nan,
                                  grad_norm_after=np.nan)
    nan = dataclasses.replace(snap, record=nan_rec, history=(snap.history[0], nan_rec))
    norm = dataclasses.replace(snap, history=snap.history[:2])              # clipping by norm, last
    full = dataclasses.replace(snap, history=tuple(dataclasses.replace(r, bptt_truncate=None, clip_mode="off")
                                                   for r in snap.history))  # full BPTT, clipping off
    figs = [F.loss_figure(s) for s in (snap, stopped, nan, None)]
    figs += [F.loss_figure(snap, val_name="extrapolation"), F.hidden_figure(snap, "tanh"),
             F.hidden_figure(snap, "relu"), F.hidden_figure(None, "tanh")]
    figs += [F.grad_heatmap_figure(s, t) for s in (snap, full, None) for t in ("last", "all")]
    figs += [F.grad_norm_figure(s) for s in (snap, stopped, norm, full, nan, None)]
    return figs


def dynamics_figures(snap):
    lstm = types.SimpleNamespace(finite=True, cell="lstm", state="h,c", jac_singvals=np.array([1.2, 0.5]),
                                 steps=3, of_steps=10)
    gru = types.SimpleNamespace(**{**vars(lstm), "cell": "gru", "state": "h", "steps": 10})
    bad = types.SimpleNamespace(finite=False)
    figs = [D.spectrum_figure(s) for s in (snap, None, *(types.SimpleNamespace(spectrum=sp)
                                                            for sp in (lstm, gru, bad)))]
    curve = np.geomspace(1.0, 1e-3, 12)
    figs += [D.lag_figure([(5, curve), (1234, curve)], 10, 3, ""),
             D.lag_figure([(5, 0 * curve)], 10, None, ""), D.lag_figure([], 10, None, "")]
    return figs


def compare_figures(snap):
    other = dataclasses.replace(snap, stop=Stop(kind="diverged", step=snap.step, value=float("inf")))
    snaps, labels = [snap, other], ["⟪run 1⟫", "⟪run 2⟫"]          # run names: the caller's words
    figs = [C.loss_overlay(snaps, labels), C.loss_overlay([None, None], labels),
            C.metric_overlay(snaps, labels, "val_rmse", "validation RMSE"),
            C.metric_overlay(snaps, labels, "val_rmse", "validation RMSE", log=False),
            C.metric_overlay([None], labels[:1], "val_rmse", "validation RMSE")]
    return figs + [C.titled(F.hidden_figure(snap, "tanh"), labels[1], 1)]


def test_the_check_finds_an_unmarked_title_legend_or_hint():
    fig = S.make_figure([go.Scatter(x=[1], y=[1], name="train")], "Loss", "training step", "x",
                        uirevision="t", annotations=[S.hint("no finite loss yet")])
    assert set(problems(fig)) == {"Loss", "training step", "train", "no finite loss yet"}
    assert unmarked("⟪step %{x}<br>⟪train⟫ loss⟫<extra></extra>") == []
    assert unmarked("λ = %{x:.3f} %{y:+.3f}i<extra>W_hh</extra>") == []
    assert unmarked("step %{x}<extra>⟪train⟫</extra>") == ["step"]


def test_every_text_of_the_shared_figures_is_translated(marked, sine):
    figs = common_figures(sine) + dynamics_figures(sine) + compare_figures(sine)
    assert any(t.startswith("⟪Loss") for t in texts(figs[0].to_plotly_json()))   # the fake is in place
    assert {i: p for i, f in enumerate(figs) if (p := problems(f))} == {}


@pytest.mark.parametrize("exp_id", experiment_ids())
def test_every_text_of_the_prediction_figures_is_translated(marked, monkeypatch, exp_id):
    monkeypatch.setattr(memory.words, "reach", lambda curve, lag=None: "⟪readout⟫")   # ui/words.py's texts
    _tr, snap = trained(exp_id, steps=2)
    figs = prediction_figures(exp_id, snap) + prediction_figures(exp_id, None)
    assert {i: p for i, f in enumerate(figs) if (p := problems(f))} == {}


def test_every_text_of_the_panels_own_figures_is_translated(marked):
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.ones(5), size=5)
    figs = [abcde.abcde_probs_figure(types.SimpleNamespace(predictions={"probs": probs}), "c"),
            abcde.abcde_hidden_figure(types.SimpleNamespace(predictions={"hidden": rng.normal(size=(5, 4))}))]
    hiddens = [types.SimpleNamespace(predictions={"hidden": rng.normal(size=(5, u))}) for u in (2, 3, 8)]
    figs += [abcde.abcde_trajectory_figure(h) for h in hiddens]
    figs += [dinos.dinos_probs_figure(list("ab\n"), np.array([0.2, 0.5, 0.3]), p) for p in ("", "tyr")]
    rows = [{"cell": c, "lag": lag, "accuracy_median": 0.5} for c in memory.SWEEP_CELLS for lag in (5, 10)]
    figs += [memory.sweep_figure(rows, 0.25), memory.sweep_figure([], None)]
    from ui.panels.sine import sine_figure
    series = np.sin(np.arange(60.0))
    figs.append(sine_figure(types.SimpleNamespace(predictions={
        "t": np.arange(50, 55), "y_true": series[50:55], "y_pred": np.array([0.5, 9.0, -7.0, np.inf, 0.1]),
        "series": series, "seq_len": 20})))
    assert {i: p for i, f in enumerate(figs) if (p := problems(f))} == {}


# ----------------------------------------------------------------------------- st.* texts, in the source

ST_TEXT_CALLS = {"button", "checkbox", "slider", "text_input", "segmented_control", "caption", "markdown",
                 "warning", "error", "info", "success", "progress", "download_button", "write", "toggle",
                 "selectbox", "radio", "number_input", "select_slider", "expander", "subheader", "header",
                 "title", "metric", "pills", "text_area", "file_uploader", "popover", "toast"}
ST_TEXT_KWARGS = {"label", "help", "placeholder", "text", "body", "caption", "value_label"}
PANEL_FILES = sorted((ROOT / "ui" / "panels").glob("*.py")) + [ROOT / "ui" / "charts.py"]


def literal_texts(path: Path) -> list[str]:
    """Literal strings and f-strings with words given to a streamlit text call as its first argument
    or as a label / help / placeholder / text (what a person reads, not passed through ``_``)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in ST_TEXT_CALLS):
            continue
        args = node.args[:1] + [k.value for k in node.keywords if k.arg in ST_TEXT_KWARGS]
        for a in args:
            if isinstance(a, ast.JoinedStr | ast.Constant) and re.search("[A-Za-z]", ast.unparse(a)):
                found.append(f"{path.name}:{a.lineno}: {ast.unparse(a)}")
    return found


@pytest.mark.parametrize("path", PANEL_FILES, ids=lambda p: p.name)
def test_panel_texts_go_through_gettext(path):
    assert literal_texts(path) == []
