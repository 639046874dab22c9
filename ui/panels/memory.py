"""Memory and gradients: the gradient against lag, live (earlier curves fading), and a sweep of
accuracy against lag for the three cells, run in the page's own ticks."""

from __future__ import annotations

import csv
import io
from typing import Any

import plotly.graph_objects as go
import streamlit as st

from rnn_core.experiments import get_experiment
from rnn_core.i18n import N_, _, integer, ngettext, number
from rnn_core.sweep import Sweep

from .. import words
from ..charts import chart, key
from ..comparefigs import run_color
from ..dynfigs import lag_figure
from ..plotstyle import empty_figure, fill, make_figure
from ..state import RunState, page_state
from . import Panels

CURVES = 8                        # gradient curves drawn: the newest and the ones before it, fading
SWEEP_LAGS = (5, 10, 20, 50)
SWEEP_CELLS = ("rnn", "lstm", "gru")
SWEEP_EPOCHS = 100                # shorter than the preset's 160 (the sweep fits ~1 minute); at 60 the GRU
                                  # misses lag 50 (0.26, seed 0), at 100 both gated cells reach 1.00
SWEEP_LINES = {"rnn": {"width": 2.5}, "lstm": {"width": 7}, "gru": {"width": 2.5, "dash": "dash"}}
                                  # LSTM and GRU often both reach 1.00: a wide line under a dashed one


def curves(state: RunState) -> list:
    """The gradient-against-lag curves of the last CURVES snapshots of this run, oldest first."""
    kept = state.lag_curves
    curve = state.snap.predictions.get("grad_curve")
    if curve is not None and state.snap.step > 0 and (not kept or kept[-1][0] != state.snap.step):
        kept.append((state.snap.step, curve))
        del kept[:-CURVES]
    if curve is not None and not kept:
        return [(state.snap.step, curve)]
    return list(kept)


def memory_figures(snap: Any, **opts: Any) -> list[go.Figure]:
    """The snapshot's gradient against lag (compare mode draws one per run)."""
    curve = (getattr(snap, "predictions", None) or {}).get("grad_curve") if snap is not None else None
    if curve is None:
        return [lag_figure([], 50, None, "")]
    lag = int(snap.predictions.get("lag", len(curve) - 1))
    return [lag_figure([(snap.step, curve)], lag, snap.config.train.bptt_truncate, words.reach(curve, lag))]


def gradient_against_lag(state: RunState) -> None:
    lag = int(state.snap.predictions.get("lag", state.run.task.lag))
    shown = curves(state)
    readout = words.reach(shown[-1][1], lag) if shown else ""
    chart(lambda: lag_figure(shown, lag, state.run.train.bptt_truncate, readout), key(state, "lag"))


def sweep_figure(rows: list[dict[str, Any]], chance: float | None, metric: str = "accuracy",
                 label: str = N_("accuracy")) -> go.Figure:
    """The metric ``metric`` (median over seeds) against lag, one line per cell, chance dashed; ``label``
    is how a person reads the metric, in English (translated here)."""
    yt = _(label)
    title = _("{metric} against lag").format(metric=yt[:1].upper() + yt[1:])
    xt = _("lag (steps between the symbol and the question)")
    if not rows:
        return empty_figure(title, xt, yt, uirevision="sweep", x_range=(0, max(SWEEP_LAGS) + 5),
                            text=_("Press Sweep accuracy against lag"))
    traces = []
    for i, cell in enumerate(SWEEP_CELLS):
        mine = sorted((r["lag"], r[f"{metric}_median"]) for r in rows if r["cell"] == cell)
        if mine:
            traces.append(go.Scatter(x=[m[0] for m in mine], y=[m[1] for m in mine], name=cell.upper(),
                                     mode="lines+markers", line={"color": run_color(i), **SWEEP_LINES[cell]},
                                     marker={"size": 11 if cell == "lstm" else 7},
                                     hovertemplate=fill(_("lag %{x}: %{y:.2f}<extra>{cell}</extra>"),
                                                        cell=cell)))
    if chance is not None:
        traces.append(go.Scatter(x=[0, max(SWEEP_LAGS) + 5], y=[chance, chance], mode="lines",
                                 name=_("chance"), line={"color": "#555", "dash": "dash", "width": 1.5},
                                 hoverinfo="skip"))
    return make_figure(traces, title, xt, yt, uirevision="sweep", y={"range": [0, 1.05]},
                       x={"range": [0, max(SWEEP_LAGS) + 5]},
                       subtitle=ngettext("{n} epoch a run, seed 0; the GRU at lr {lr}",
                                         "{n} epochs a run, seed 0; the GRU at lr {lr}", SWEEP_EPOCHS
                                         ).format(n=integer(SWEEP_EPOCHS), lr=number(0.02)))


def start_sweep(state: RunState) -> Sweep:
    """A sweep of the three cells over SWEEP_LAGS (the settings that go with each cell: the experiment's)."""
    exp = get_experiment(state.exp_id)
    return Sweep(exp, {"lag": list(SWEEP_LAGS), "cell": list(SWEEP_CELLS)}, seeds=(0,),
                 fixed={"epochs": SWEEP_EPOCHS}, metric=exp.score.name)


def sweep_panel(state: RunState) -> None:
    """Sweep button, progress and result. The sweep is the page's (``PageState.sweep``: Reset or a new
    model do not touch it) and advances in the page's ticks (ui/live.py), not here: this only draws."""
    ps = page_state(state.exp_id)
    sweep = ps.sweep
    row = st.container(horizontal=True, vertical_alignment="center")
    if row.button(_("Sweep accuracy against lag"), key="sweep_start", icon=":material/query_stats:",
                  disabled=ps.sweeping, help=_sweep_help()):
        sweep = ps.sweep = start_sweep(state)
        if ps.runs is not None:
            ps.runs.playing = False
    if ps.sweeping and row.button(_("Cancel"), key="sweep_cancel", icon=":material/close:"):
        sweep.cancel()
    if sweep is None:
        return
    st.progress(sweep.progress, text=_progress_text(sweep))
    exp = get_experiment(state.exp_id)
    label = next((m.label for m in exp.metrics if m.name == sweep.metric), sweep.metric)
    chart(lambda: sweep_figure(sweep.rows, exp.chance, sweep.metric, label), key(state, "sweep"))
    if sweep.rows:
        st.download_button(_("Sweep CSV"), _csv(sweep.rows), file_name="memory_sweep.csv", mime="text/csv",
                           key="dl_sweep", icon=":material/download:", on_click="ignore")


def _sweep_help() -> str:
    return ngettext("Lags {lags} × RNN, LSTM, GRU, {epochs} epoch each (about a minute; your run waits "
                    "meanwhile).",
                    "Lags {lags} × RNN, LSTM, GRU, {epochs} epochs each (about a minute; your run waits "
                    "meanwhile).", SWEEP_EPOCHS
                    ).format(lags=", ".join(map(integer, SWEEP_LAGS)), epochs=integer(SWEEP_EPOCHS))


def _progress_text(sweep: Sweep) -> str:
    """"Sweep running: 3 of 12 combinations" (cancelled, done), one whole sentence each."""
    n, total = len(sweep.rows), len(sweep.combos)
    if sweep.cancelled:
        text = ngettext("Sweep cancelled: {n} of {total} combination",
                        "Sweep cancelled: {n} of {total} combinations", total)
    elif sweep.done:
        text = ngettext("Sweep done: {n} of {total} combination", "Sweep done: {n} of {total} combinations",
                        total)
    else:
        text = ngettext("Sweep running: {n} of {total} combination",
                        "Sweep running: {n} of {total} combinations", total)
    return text.format(n=integer(n), total=integer(total))


def _csv(rows: list[dict[str, Any]]) -> str:
    cols = [k for k in rows[0] if k != "runs"]
    buf = io.StringIO()
    w = csv.DictWriter(buf, cols, extrasaction="ignore")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


PANELS = Panels(figures=memory_figures, predictions=gradient_against_lag, below=(sweep_panel,))
