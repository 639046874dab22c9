"""Figures of "Inside one step" (plain functions, no streamlit): the network unrolled around step t, the
actual numbers of step t forward and backward as labelled colour strips on one shared scale, the
hidden state's path in the plane of its two main directions, and free-running against one step ahead.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from rnn_core.experiments.records import FreeRun
from rnn_core.i18n import _, fixed, number
from rnn_core.stepview import StepTerms

from .plotstyle import COLORS, empty_figure, fill, make_figure

STRIP_ROW = 34                 # px per colour strip
UNROLLED = 300                 # px: the unrolled network and the output bars


def strips_height(rows: int) -> int:
    return 120 + STRIP_ROW * rows
DIVERGING = [[0.0, "#2166ac"], [0.5, "#f7f7f7"], [1.0, "#b2182b"]]   # negative blue, zero white, positive red
AROUND = 2                     # cells drawn on each side of step t


def unrolled_figure(T: int, t: int, window: tuple[int, int], terms: Sequence[int],
                    truncate: int | None) -> go.Figure:
    """Cells t−2 … t+2 of the recurrence: x_i → h_i → ŷ_i and h_{i−1} → h_i, step t filled, the steps
    whose loss terms reach h_t shaded (the truncation window), a loss mark where a step has a target."""
    lo, hi = max(0, t - AROUND), min(T - 1, t + AROUND)
    w0, w1 = max(lo, window[0]), min(hi, window[1])
    shapes = [{"type": "rect", "x0": w0 - 0.45, "x1": w1 + 0.45, "y0": -0.45, "y1": 2.95,
               "line": {"width": 0}, "fillcolor": "rgba(59,111,216,0.10)", "layer": "below"}]
    notes = []
    for i in range(lo, hi + 1):
        shapes += [_cell(i, 1, COLORS["train"], filled=i == t), _cell(i, 0, "#999"),
                   _cell(i, 2, COLORS["pred"])]
        notes += [_box(i, 1, f"h<sub>{i}</sub>", "white" if i == t else "#222"),
                  _box(i, 0, f"x<sub>{i}</sub>"), _box(i, 2, f"ŷ<sub>{i}</sub>"),
                  _arrow(i, 0.2, i, 0.8), _arrow(i, 1.2, i, 1.8)]
        if i > lo:
            notes.append(_arrow(i - 0.72, 1, i - 0.28, 1))
        if i in terms:
            notes.append(_box(i, 2.65, f"L<sub>{i}</sub>", COLORS["val"], size=13))
    if lo > 0:
        notes.append(_box(lo - 0.65, 1, "…"))
    if hi < T - 1:
        notes.append(_box(hi + 0.65, 1, "…"))
    k = _("full BPTT") if truncate is None else _("truncation {k}").format(k=truncate)
    sub = _("shaded: the steps whose loss reaches h_t ({k})").format(k=k)
    return make_figure([], _("The network unrolled around step t = {t}").format(t=t), "", "",
                       uirevision="unrolled", subtitle=sub, shapes=shapes, annotations=notes, height=UNROLLED,
                       showlegend=False, margin={"l": 10, "r": 10, "b": 10},
                       x={"range": [lo - 0.95, hi + 0.95], "visible": False},
                       y={"range": [-0.5, 3.0], "visible": False})


def _cell(x: float, y: float, color: str, filled: bool = False) -> dict:
    """The box of one value of the unrolled network."""
    return {"type": "rect", "x0": x - 0.24, "x1": x + 0.24, "y0": y - 0.2, "y1": y + 0.2,
            "line": {"color": color, "width": 2}, "fillcolor": color if filled else "white"}


def _box(x: float, y: float, text: str, color: str = "#222", size: int = 14) -> dict:
    return {"x": x, "y": y, "text": text, "showarrow": False, "font": {"size": size, "color": color}}


def _arrow(x0: float, y0: float, x1: float, y1: float) -> dict:
    return {"x": x1, "y": y1, "ax": x0, "ay": y0, "xref": "x", "yref": "y", "axref": "x", "ayref": "y",
            "text": "", "showarrow": True, "arrowhead": 2, "arrowwidth": 1.5, "arrowcolor": "#666"}


def forward_rows(terms: StepTerms) -> list[tuple[str, np.ndarray]]:
    """The strips of the forward pass at step t, in the order the equation reads."""
    if terms.cell == "rnn":
        return [("x_t W_xh", terms.xW), ("h_(t−1) W_hh", terms.hW), ("b_h", terms.b_h), ("a_t", terms.a),
                ("h_t = " + str(terms.activation) + "(a_t)", terms.h)]
    order = ("i", "f", "g", "o", "c_prev", "c") if terms.cell == "lstm" else ("r", "z", "n")
    names = {"c_prev": "c_(t−1)", "c": "c_t"}
    return [(names.get(g, g), terms.gates[g]) for g in order if g in terms.gates] + [("h_t", terms.h)]


def backward_rows(terms: StepTerms) -> list[tuple[str, np.ndarray]]:
    """The strips of the backward pass at step t: ∂L/∂h_t and the parts it is made of, what goes on."""
    rows = [("∂L/∂h_t", terms.dL_dh), (_("from ŷ_t"), terms.from_output),
            (_("from h_(t+1)"), terms.from_next), (_("to h_(t−1)"), terms.to_prev)]
    names = {"dL_dc": "∂L/∂c_t", "dc_from_h": _("c: from h_t"), "dc_from_next": _("c: from c_(t+1)"),
             "dc_to_prev": _("c: to c_(t−1)")}
    return rows + [(names.get(k, k), v) for k, v in terms.cell_grads.items()]


def strips_figure(rows: Sequence[tuple[str, np.ndarray]], title: str,
                  before: dict[str, np.ndarray] | None, subtitle: str = "") -> go.Figure:
    """Labelled colour strips (one row a term, one column a unit) on one scale symmetric around 0, so
    which term dominates and which units saturate shows by colour; hovering a unit gives its number and
    how much it changed since the step drawn ``before``."""
    if not rows:
        return empty_figure(title, _("unit"), "", uirevision=title)
    width = max(len(v) for _n, v in rows)
    z = np.full((len(rows), width), np.nan)
    delta = np.full_like(z, np.nan)
    for r, (name, v) in enumerate(rows):
        z[r, : len(v)] = v
        old = (before or {}).get(name)
        if old is not None and len(old) == len(v):
            delta[r, : len(v)] = v - old
    top = float(np.nanmax(np.abs(z))) if np.isfinite(z).any() else 1.0
    top = top if top > 0 else 1.0
    hover = fill(_("{row}, unit %{x}: %{z:.4g} (change %{customdata:+.3g})<extra></extra>"), row="%{y}")
    heat = go.Heatmap(z=z, y=[n for n, _v in rows], customdata=delta, zmin=-top, zmax=top,
                      colorscale=DIVERGING, hovertemplate=hover, colorbar={"thickness": 10, "len": 0.9})
    return make_figure([heat], title, _("unit"), "", uirevision=title, subtitle=subtitle,
                       y={"autorange": "reversed", "type": "category"}, height=strips_height(len(rows)))


def output_figure(terms: StepTerms, names: Sequence[str] | None = None) -> go.Figure:
    """ŷ_t (regression) or softmax(ŷ_t) (classification) as bars, one per output (``names``: the
    classes' names, e.g. a text's characters)."""
    values = terms.probs if terms.probs is not None else terms.y_hat
    what = _("probability") if terms.probs is not None else "ŷ_t"
    labels = (list(names) if names is not None and len(names) == len(values)
              else [str(i) for i in range(len(values))])
    bars = go.Bar(x=labels, y=values, marker={"color": COLORS["pred"]}, width=0.6 if len(values) > 2 else 0.3,
                  hovertemplate=fill(_("output %{x}: %{y:.4g}<extra>{what}</extra>"), what=what))
    title = _("Output at step t: softmax(ŷ_t)") if terms.probs is not None else _("Output at step t: ŷ_t")
    return make_figure([bars], title, _("output unit"), what, uirevision="step-output", height=UNROLLED,
                       showlegend=False, x={"type": "category"},
                       y={"range": [0, 1]} if terms.probs is not None else None)


def trajectory_figure(points: np.ndarray, explained: np.ndarray, t: int) -> go.Figure:
    """The probe's hidden states as a path in the plane of their two main directions (PCA), coloured by
    time, step t marked; the share of the variance each axis holds in the axis titles."""
    title = _("Hidden state along the probe, two main directions")
    if points.size == 0 or not np.isfinite(points).all():
        return empty_figure(title, "PC1", "PC2", uirevision="trajectory")
    steps = np.arange(len(points))
    path = go.Scatter(x=points[:, 0], y=points[:, 1], mode="lines+markers", name=_("h_t, t = 0 … T−1"),
                      line={"color": "#bbb", "width": 1.5},
                      marker={"color": steps, "colorscale": "Viridis", "size": 7, "showscale": True,
                              "colorbar": {"title": {"text": "t"}, "thickness": 10}},
                      hovertemplate=fill(_("t = %{text}<extra></extra>")), text=steps)
    here = go.Scatter(x=[points[t, 0]], y=[points[t, 1]], mode="markers", name=f"t = {t}",
                      marker={"size": 15, "color": "rgba(0,0,0,0)", "line": {"color": "#d62728", "width": 3}},
                      hoverinfo="skip")
    xt = _("PC1 ({share} % of the variance)").format(share=fixed(100 * explained[0]))
    yt = _("PC2 ({share} % of the variance)").format(share=fixed(100 * explained[1]))
    span = max(float(np.abs(points).max()), 1e-9) * 1.15
    return make_figure([path, here], title, xt, yt, uirevision="trajectory", x={"range": [-span, span]},
                       y={"range": [-span, span]})


def freerun_figure(run: FreeRun | None) -> go.Figure:
    """N steps past the known window: the truth, one step ahead (each from true values) and free-running
    (each from the model's own earlier predictions); both errors in the subtitle."""
    title = _("Free-running against one step ahead")
    if run is None or run.steps == 0:
        return empty_figure(title, "", "", uirevision="freerun")
    x = np.asarray(run.where, dtype=float).ravel()
    lines = [go.Scatter(x=x, y=np.ravel(v), mode="lines", name=name, line=style) for v, name, style in (
        (run.truth, _("truth"), {"color": "#888", "width": 4}),
        (run.one_step, _("one step ahead"), {"color": COLORS["train"], "width": 2.5}),
        (run.free, _("free-running"), {"color": COLORS["pred"], "width": 2.5, "dash": "dash"}))]
    sub = _("over {n} steps, RMSE: free-running {free}, one step ahead {one}").format(
        n=run.steps, free=number(run.free_rmse, 3), one=number(run.one_step_rmse, 3))
    finite = np.concatenate([np.ravel(v)[np.isfinite(np.ravel(v))] for v in (run.truth, run.one_step)])
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (-1.0, 1.0)
    pad = 0.25 * (hi - lo or 1.0)
    return make_figure(lines, title, "", "", uirevision="freerun", subtitle=sub,
                       y={"range": [lo - pad, hi + pad]})
