"""The figures every experiment page shows: plain functions ``snapshot → plotly Figure``.

No streamlit here, so they are tested without a browser. Every figure has a fixed height, fixed axis
and colour ranges (from the task, the activation, or the whole history so far, rounded outward so they
only widen in steps), a ``uirevision`` so a zoom survives redraws, compact margins and fonts ≥ 12 px.
An empty history, NaN values or a missing validation loss never raise: the figure then shows empty
axes with a short "press Train" hint. The page passes the chart config (mode bar and so on).

Step-based figures take ``x_max`` (e.g. the run's total steps) to fix the x range for the whole run.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from rnn_core.i18n import N_, _, integer, number

from .plotstyle import (
    COLORS,
    FONT_SIZE,
    MAX_COLUMNS,
    MAX_DECADES,
    _any,
    activation_scale,
    empty_figure,
    event_markers,
    fill,
    hint,
    history,
    log_axis,
    log_range,
    make_figure,
    nice_ceil,
    num,
    positive,
    scale_histories,
    step_range,
)
from .plotwire import LEVELS_META


def loss_figure(snap: Any, val_name: str = N_("validation"), x_max: int | None = None) -> go.Figure:
    """Train and validation loss against step (log y), dotted lines where a knob changed, and a
    "diverged" mark where a run stopped. ``val_name`` says what the task's held-out loss measures
    (e.g. "extrapolation"; given in English, translated here). The y range covers at most MAX_DECADES
    decades below the largest loss, so a blow-up does not flatten the curve into the bottom edge."""
    hist = history(snap)
    title, xt, yt = _("Loss"), _("training step"), _("loss (log scale)")
    x_max = _x_max(snap, x_max)
    if not hist:
        return empty_figure(title, xt, yt, uirevision="loss", y_log=True, y_range=(-3, 1))
    steps = np.array([r.step for r in hist])
    train, val = positive(r.train_loss for r in hist), positive(r.val_loss for r in hist)
    lines = ((_("train"), train, COLORS["train"], True), (_(val_name), val, COLORS["val"], _any(val)))
    traces = [go.Scatter(x=steps, y=ys, name=name, mode="lines", line={"color": c, "width": 2.5},
                         hovertemplate=fill(_("step %{x}<br>{name} loss %{y:.4g}<extra></extra>"), name=name))
              for name, ys, c, shown in lines if shown]
    yr = log_range(train, val)
    yr[0] = max(yr[0], yr[1] - MAX_DECADES)
    shapes, markers = event_markers(hist, 10 ** yr[1])
    traces += markers + stop_marker(snap, steps, 10 ** yr[1])
    empty = not (_any(train) or _any(val))
    return make_figure(traces, title, xt, yt, uirevision="loss", y=log_axis(yr),
                       x={"range": step_range(steps, x_max)}, shapes=shapes,
                       annotations=[hint(_("no finite loss yet"))] if empty else [])


def _x_max(snap: Any, x_max: int | None) -> int | None:
    """The x range's end: as given, else the run's total steps (the snapshot knows them)."""
    return x_max if x_max is not None else getattr(snap, "total_steps", None)


def stop_marker(snap: Any, steps: np.ndarray, y_top: float) -> list[go.Scatter]:
    """A red ✕ at the top edge where the run stopped (diverged), its reason on hover; [] otherwise."""
    stop = getattr(snap, "stop", None)
    if stop is None or not len(steps):
        return []
    return [go.Scatter(x=[steps[-1]], y=[y_top], mode="markers+text", name=_("diverged"),
                       text=[_("diverged")], textposition="middle left", cliponaxis=False,
                       textfont={"color": COLORS["before"], "size": FONT_SIZE},
                       marker={"symbol": "x-thin", "size": 16, "color": COLORS["before"],
                               "line": {"width": 3, "color": COLORS["before"]}},
                       hovertext=[str(stop)], hovertemplate=_("%{hovertext}<extra>stopped</extra>"))]


# ----------------------------------------------------------------------------- hidden states

def hidden_activation(model: Any) -> str:
    """The activation whose range a model's h_t lies in: its own for the plain RNN, tanh's [-1, 1] for
    LSTM and GRU."""
    return model.activation if model.cell == "rnn" else "tanh"


def hidden_figure(snap: Any, activation: str, zmax: float | None = None) -> go.Figure:
    """Heatmap of the probe sequence's hidden states h_t: unit (y) × time step (x).

    ``activation`` fixes the colour range ("tanh" | "sigmoid" | "relu"; pass "tanh" for lstm / gru,
    whose h_t lies in [-1, 1]); ``zmax`` is an optional running max for relu."""
    title, xt, yt = _("Hidden states h_t of the probe sequence"), _("time step t"), _("hidden unit")
    h = np.asarray(getattr(snap, "probe_hidden", None) if snap is not None else None, dtype=float)
    if h.ndim != 2 or h.size == 0:
        return empty_figure(title, xt, yt, uirevision="hidden")
    z = np.where(np.isfinite(h), h, np.nan).T                   # (hidden, time)
    n_units, n_steps = z.shape
    scale = activation_scale(activation, z, zmax)
    heat = go.Heatmap(z=z, x=np.arange(n_steps), y=np.arange(n_units), **scale, hoverongaps=False,
                      meta=LEVELS_META,
                      colorbar={"title": {"text": "h_t", "side": "right"}, "thickness": 14},
                      hovertemplate=_("t = %{x}<br>unit %{y}<br>h = %{z:.2f}<extra></extra>"))
    return make_figure(
        [heat], title, xt, yt, uirevision="hidden",
        subtitle=_("{activation}: colour range {low} … {high}").format(
            activation=activation, low=number(scale["zmin"], 6), high=number(scale["zmax"], 6)),
        x={"range": [-0.5, n_steps - 0.5], "showgrid": False, "dtick": max(1, nice_ceil(n_steps / 8))},
        y={"range": [-0.5, n_units - 0.5], "showgrid": False, "dtick": max(1, nice_ceil(n_units / 8))})


# ----------------------------------------------------------------------------- gradients through time

def _grad_matrix(hist: Sequence[Any]) -> np.ndarray:
    """log10 ‖∂L/∂h_t‖ as (records, max_len); NaN where there is no (positive, finite) value."""
    rows = [np.asarray(r.step_grad_norms, dtype=float).ravel() for r in hist]
    width = max((len(r) for r in rows), default=0)
    g = np.full((len(rows), width), np.nan)
    for i, r in enumerate(rows):
        g[i, :len(r)] = r
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.isfinite(g) & (g > 0), np.log10(g), np.nan)


def _truncation_overlay(hist: Sequence[Any], width: int, targets: str) -> tuple[list[go.Scatter], str]:
    """The BPTT window of every record, as traces to draw on the heatmap, and the subtitle explaining it."""
    steps, ks = np.array([r.step for r in hist]), [r.bptt_truncate for r in hist]
    cut = np.array([k if k is not None and k < width else np.nan for k in ks], dtype=float)   # NaN: full
    if not _any(cut):
        return [], _("full BPTT: every loss term sends gradient back to h_0")
    line = {"color": COLORS["window"], "width": 3, "dash": "dash", "shape": "vh"}
    k_text = np.array([str(k) if k else "full" for k in ks])     # the knob's value ("full": a name)
    if targets == "last":
        edge = go.Scatter(x=steps, y=width - cut - 0.5, mode="lines", line=line,
                          name=_("window edge t = T−k"), customdata=k_text,
                          hovertemplate=_("k = %{customdata}: the loss at t = T−1 reaches h_t only for "
                                          "t ≥ T−k<extra>truncation</extra>"))
        return [edge], _("loss at the last step only; truncation k keeps gradient in t ≥ T−k (T = {width})"
                         ).format(width=integer(width))
    base = go.Scatter(x=steps, y=np.where(np.isnan(cut), np.nan, -0.5), mode="lines",
                      line={"width": 0, "shape": "vh"}, showlegend=False, hoverinfo="skip")
    band = go.Scatter(x=steps, y=cut - 0.5, mode="lines", line=line, fill="tonexty",
                      fillcolor="rgba(255,23,68,0.12)", name=_("reach of one loss term (k steps)"),
                      customdata=k_text, hovertemplate=_("k = %{customdata}: each loss term ℓ_t reaches "
                                                         "h_t … h_(t−k+1)<extra>truncation</extra>"))
    return [base, band], _("a loss term at every step; each sends gradient back k steps (band = k)")


def grad_log_range(snaps: Sequence[Any]) -> tuple[int, int] | None:
    """The log10 colour range of the gradient heatmaps of several runs (shared, so that they compare
    by eye), None before any of them has a gradient. Only records that may set a shared scale count
    (plotstyle.scale_histories): a run that blew up must not turn the others' heatmaps one colour."""
    return _z_range([_grad_matrix(h) for h in scale_histories(snaps) if h])


def _z_range(logs: Sequence[np.ndarray]) -> tuple[int, int] | None:
    """Whole decades around the finite values of ``logs`` (at most 2·MAX_DECADES), None if none is."""
    vals = np.concatenate([g[np.isfinite(g)] for g in logs]) if logs else np.zeros(0)
    if not vals.size:
        return None
    hi = math.ceil(vals.max())
    return max(math.floor(vals.min()), hi - 2 * MAX_DECADES), max(hi, math.floor(vals.min()) + 1)


def grad_heatmap_figure(snap: Any, targets: str, x_max: int | None = None,
                        z_range: tuple[int, int] | None = None) -> go.Figure:
    """‖∂L/∂h_t‖ per time step (y) over training (x), log10 colour, the truncation window drawn on it.

    ``targets`` is the task's "last" (many-to-one) or "all" (many-to-many); ``z_range`` fixes the
    log10 colour range (runs compared side by side share one)."""
    hist = history(snap)
    x_max = _x_max(snap, x_max)
    title, xt, yt = _("Gradient reaching h_t, ‖∂L/∂h_t‖"), _("training step"), _("time step t")
    logs = _grad_matrix(hist) if hist else np.zeros((0, 0))
    width = logs.shape[1] if logs.ndim == 2 else 0
    if not hist or not np.any(np.isfinite(logs)):
        return empty_figure(title, xt, yt, uirevision="grad_heatmap", x_range=step_range([], x_max),
                            y_range=(-0.5, max(width, 1) - 0.5))
    steps = [r.step for r in hist]
    lo, hi = z_range or _z_range([logs])                                  # whole history: only widens
    ticks = list(range(lo, hi + 1, max(1, math.ceil((hi - lo) / 6))))
    cols = np.unique(np.linspace(0, len(hist) - 1, min(len(hist), MAX_COLUMNS)).round().astype(int))
    z = logs[cols].T.astype(np.float32)                                   # (time, columns): light to send
    heat = go.Heatmap(
        x=np.asarray(steps)[cols], y=np.arange(width), z=z, zmin=lo, zmax=hi, colorscale="Viridis",
        hoverongaps=False, customdata=10.0 ** z, name="‖∂L/∂h_t‖", meta=LEVELS_META,
        colorbar={"title": {"text": "‖∂L/∂h_t‖", "side": "right"}, "thickness": 14, "tickvals": ticks,
                  "ticktext": [f"10<sup>{k}</sup>" for k in ticks]},
        hovertemplate=_("step %{x}<br>t = %{y}<br>‖∂L/∂h_t‖ = %{customdata:.3g}<extra></extra>"))
    window, sub = _truncation_overlay(hist, width, targets)
    return make_figure([heat, *window], title, xt, yt, uirevision="grad_heatmap", subtitle=sub,
                       x={"range": step_range(steps, x_max), "showgrid": False},
                       y={"range": [-0.5, width - 0.5], "showgrid": False,
                          "dtick": max(1, nice_ceil(width / 8))},
                       showlegend=True, plot_bgcolor=COLORS["gap"])


# ----------------------------------------------------------------------------- global gradient norm

def _clip_note(rec: Any) -> str:
    mode, clip = getattr(rec, "clip_mode", "off"), num(getattr(rec, "clip", math.nan))
    if mode == "norm":
        return _("global-norm clipping: ‖g‖ is scaled down to at most {clip}").format(clip=number(clip, 6))
    if mode == "value":
        return _("element-wise clipping: each element |g_i| ≤ {clip}, no single threshold on ‖g‖").format(
            clip=number(clip, 6))
    return _("clipping off")


def grad_norm_range(snaps: Sequence[Any]) -> list[float]:
    """One log y range (log10 units) for the gradient-norm charts of several runs (compare mode)."""
    hists = [history(s) for s in snaps]
    values = [positive(getattr(r, f) for r in h) for h in hists
              for f in ("grad_norm_before", "grad_norm_after")]
    yr = log_range(*values) if values else [-3.0, 1.0]
    return [max(yr[0], yr[1] - MAX_DECADES), yr[1]]


def grad_norm_figure(snap: Any, x_max: int | None = None,
                     y_range: Sequence[float] | None = None) -> go.Figure:
    """Global gradient norm ‖g‖ before and after clipping against step (log y), the clip threshold
    as a line wherever clip_mode was "norm" (per record, since it can change mid-run); ``y_range`` (log10
    units) fixes the y axis, as compare mode does for its runs."""
    hist = history(snap)
    x_max = _x_max(snap, x_max)
    title, xt, yt = _("Global gradient norm ‖g‖"), _("training step"), _("‖g‖ (log scale)")
    if not hist:
        return empty_figure(title, xt, yt, uirevision="grad_norm", y_log=True, y_range=(-3, 1))
    steps = np.array([r.step for r in hist])
    before, after = positive(r.grad_norm_before for r in hist), positive(r.grad_norm_after for r in hist)
    thr = positive(r.clip if r.clip_mode == "norm" else None for r in hist)
    frac = np.array([num(r.clip_fraction) for r in hist])
    traces = [go.Scatter(
        x=steps, y=ys, name=name, mode="lines", line={"color": color, "width": 2.5, "dash": dash},
        customdata=frac, hovertemplate=fill(_("step %{x}<br>‖g‖ = %{y:.3g}<br>clipped in %{customdata:.0%} "
                                              "of steps<extra>{name}</extra>"), name=name))
        for name, ys, color, dash in ((_("before clipping"), before, COLORS["before"], "solid"),
                                      (_("after clipping"), after, COLORS["after"], "dash"))]
    if _any(thr):
        traces.append(go.Scatter(
            x=steps, y=thr, name=_("clip threshold"), mode="lines",
            line={"color": COLORS["threshold"], "width": 2, "dash": "dot", "shape": "vh"},
            hovertemplate=_("clip threshold ‖g‖ ≤ %{y:g}<extra></extra>")))
    yr = log_range(before, after, thr)
    yr[0] = max(yr[0], yr[1] - MAX_DECADES)
    yr = list(y_range) if y_range is not None else yr
    shapes, markers = event_markers(hist, 10 ** yr[1])
    markers += stop_marker(snap, steps, 10 ** yr[1])
    empty = not (_any(before) or _any(after))
    return make_figure(traces + markers, title, xt, yt, uirevision="grad_norm", subtitle=_clip_note(hist[-1]),
                       x={"range": step_range(steps, x_max)}, y=log_axis(yr), shapes=shapes,
                       annotations=[hint(None if len(hist) == 1 else _("no finite gradient yet"))]
                       if empty else [])
