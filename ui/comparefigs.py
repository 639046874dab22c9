"""Figures of a comparison (plain functions of snapshots, no streamlit): the runs' losses and their task
metric overlaid, one colour per run, the colour and the run's name the same on every chart of the page."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from rnn_core.i18n import N_, _

from .figures import stop_marker
from .plotstyle import (
    HEIGHT,
    MAX_DECADES,
    empty_figure,
    fill,
    history,
    log_axis,
    log_range,
    make_figure,
    num,
    positive,
    scale_histories,
    step_range,
    wrap,
)

NARROW_TITLE, NARROW_AXIS = 30, 24     # characters (CJK: two) that fit a third of the width: title, axis
RUN_COLORS = ("#1f77b4", "#e8710a", "#8e44ad")       # blue, orange, purple: run 1, 2, 3


def run_color(i: int) -> str:
    return RUN_COLORS[i % len(RUN_COLORS)]


def _x_max(snaps: Sequence[Any]) -> int | None:
    tops = [getattr(s, "total_steps", None) for s in snaps]
    return max((t for t in tops if t), default=None)


def loss_overlay(snaps: Sequence[Any], labels: Sequence[str], val_name: str = N_("validation")) -> go.Figure:
    """Every run's training loss (solid) and held-out loss (dotted), log y, a ✕ where a run stopped.
    The y range is set by the records before any blow-up (plotstyle.scale_histories). ``val_name`` is
    given in English and translated here."""
    title, xt, yt = _("Loss of each run"), _("training step"), _("loss (log scale)")
    val_name = _(val_name)
    hists = [history(s) for s in snaps]
    if not any(hists):
        return empty_figure(title, xt, yt, uirevision="cmp-loss", y_log=True, y_range=(-3, 1))
    traces = []
    for i, (hist, label) in enumerate(zip(hists, labels, strict=True)):
        steps = np.array([r.step for r in hist])
        train, val = positive(r.train_loss for r in hist), positive(r.val_loss for r in hist)
        traces.append(_line(steps, train, label, run_color(i), "solid", group=label))
        if np.any(np.isfinite(val)):
            traces.append(_line(steps, val, _("{run}: {loss}").format(run=label, loss=val_name), run_color(i),
                                "dot", group=label, legend=False))
    kept = scale_histories(snaps)                      # a blown-up run's line leaves the top, to its ✕
    yr = log_range(*(positive(v for r in h for v in (r.train_loss, r.val_loss)) for h in kept))
    yr[0] = max(yr[0], yr[1] - MAX_DECADES)
    for s, hist in zip(snaps, hists, strict=True):
        traces += stop_marker(s, np.array([r.step for r in hist]), 10 ** yr[1])
    steps_all = [r.step for h in hists for r in h]
    sub = _("solid: train · dotted: {loss}").format(loss=val_name) if any(t.line.dash == "dot" for t in traces
                                                        if isinstance(t, go.Scatter) and t.line) else None
    return make_figure(traces, title, xt, yt, uirevision="cmp-loss", y=log_axis(yr), subtitle=sub,
                       x={"range": step_range(steps_all, _x_max(snaps))})


def metric_overlay(snaps: Sequence[Any], labels: Sequence[str], metric: str, metric_label: str,
                   log: bool = True) -> go.Figure:
    """Every run's task metric over training (from the history's records), one line per run, a ✕ where
    a run stopped. A log y range is set by the records before any blow-up (plotstyle.scale_histories).
    ``metric_label`` is given in English (the experiment's declaration) and translated here."""
    label = _(metric_label)
    title = _("{metric} of each run").format(metric=label[:1].upper() + label[1:])
    xt = _("training step")
    hists = [history(s) for s in snaps]
    read = positive if log else (lambda vs: np.array([num(v) for v in vs], dtype=float))
    series = [(np.array([r.step for r in h]), read(r.metrics.get(metric) for r in h)) for h in hists]
    yt = _("{metric} (log scale)").format(metric=label) if log else label
    if not any(np.any(np.isfinite(v)) for _x, v in series):
        return empty_figure(title, xt, yt, uirevision="cmp-metric", y_log=log,
                            y_range=(-3, 1) if log else (0, 1))
    traces = [_line(x, v, label, run_color(i), "solid") for i, ((x, v), label)
              in enumerate(zip(series, labels, strict=True))]
    steps_all = [r.step for h in hists for r in h]
    if log:
        yr = log_range(*(read(r.metrics.get(metric) for r in h) for h in scale_histories(snaps)))
        y, top = log_axis([max(yr[0], yr[1] - MAX_DECADES), yr[1]]), 10 ** yr[1]
    else:
        y, top = {"range": [0, 1.05]}, 1.05
    for s, (x, _y) in zip(snaps, series, strict=True):
        traces += stop_marker(s, x, top)
    return make_figure(traces, title, xt, yt, uirevision="cmp-metric", y=y,
                       x={"range": step_range(steps_all, _x_max(snaps))})


def _line(x: np.ndarray, y: np.ndarray, name: str, color: str, dash: str, group: str | None = None,
          legend: bool = True) -> go.Scatter:
    return go.Scatter(x=x, y=y, name=name, mode="lines", line={"color": color, "width": 2.5, "dash": dash},
                      legendgroup=group, showlegend=legend,
                      hovertemplate=fill(_("step %{x}<br>%{y:.4g}<extra>{name}</extra>"), name=name))


def titled(fig: Any, label: str, i: int) -> dict[str, Any]:
    """A figure's dict titled with the run's name in the run's colour (small multiples: the row says
    what the charts show, each title which run)."""
    spec = fig.to_plotly_json()
    title = dict(spec["layout"].get("title") or {})
    lines = wrap("■ " + label, NARROW_TITLE).split("<br>")              # a third of the width
    title["text"] = "<br>".join(f"<span style='color:{run_color(i)}'>{line}</span>" for line in lines)
    title["subtitle"] = {"text": ""}
    layout = {**spec["layout"], "title": title}
    if len(lines) > 1:        # room for the second line above the plot; plotly grows a title upwards
        margin = dict(layout.get("margin") or {})
        layout["margin"] = {**margin, "t": margin.get("t", 56) + 18 * (len(lines) - 1)}
        title["y"] = 1 - 20 * (len(lines) - 1) / layout.get("height", HEIGHT) - 0.02
    for axis in ("xaxis", "yaxis"):
        ax = dict(layout.get(axis) or {})
        text = ((ax.get("title") or {}).get("text") or "").replace("<br>", " ")
        if text:
            ax["title"] = {**ax["title"], "text": wrap(text, NARROW_AXIS)}
            layout[axis] = ax
    spec["layout"] = layout
    return spec
