"""Each experiment's prediction plots: plain functions ``snapshot → plotly Figure`` (no streamlit).

They read ``snapshot.predictions`` with the keys each experiment documents (rnn_core/experiments/*.py)
and keep the house rules of ``ui.figures``: fixed height and ranges (from the task's data, never from
the predictions, so frames do not jump), ``uirevision``, and an empty "press Train" figure when there
is nothing to draw yet. ``prediction_figures(exp_id, snap, **opts)`` is what a page calls.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from types import SimpleNamespace
from typing import Any

import numpy as np
import plotly.graph_objects as go

from .figures import hidden_figure
from .plotstyle import COLORS, FONT_SIZE, activation_scale, empty_figure, make_figure, vline

MAX_LINE_POINTS = 2000          # a long user series is thinned to this many points for its grey line


def _preds(snap: Any) -> dict[str, Any]:
    return dict(getattr(snap, "predictions", None) or {}) if snap is not None else {}


def _arr(p: dict[str, Any], key: str) -> np.ndarray:
    """A 1-D float array (non-finite values become NaN: a gap), empty if the key is missing."""
    try:
        a = np.asarray(p.get(key, ()), dtype=float).ravel()
    except (TypeError, ValueError):
        return np.zeros(0)
    return np.where(np.isfinite(a), a, np.nan)


def _lo(a: np.ndarray, default: float) -> float:
    """Smallest finite value, ``default`` if there is none."""
    v = a[np.isfinite(a)]
    return float(v.min()) if v.size else default


def _hi(a: np.ndarray, default: float) -> float:
    """Largest finite value, ``default`` if there is none."""
    v = a[np.isfinite(a)]
    return float(v.max()) if v.size else default


def _padded(values: np.ndarray, pad: float = 0.2, fallback: Sequence[float] = (-1.2, 1.2)) -> list[float]:
    """[lo, hi] around the finite values, widened by ``pad`` of the half-range on each side."""
    v = values[np.isfinite(values)]
    if not v.size:
        return list(fallback)
    mid, half = (v.max() + v.min()) / 2, (v.max() - v.min()) / 2 or 1.0
    return [float(mid - (1 + pad) * half), float(mid + (1 + pad) * half)]


def _lines(xs: np.ndarray, ys: np.ndarray, name: str, color: str, **line: Any) -> go.Scatter:
    return go.Scatter(x=xs, y=ys, name=name, mode="lines", line={"color": color, "width": 2.5, **line},
                      hovertemplate="%{x:.3g}: %{y:.3f}<extra>" + name + "</extra>")


def _dots(xs: np.ndarray, ys: np.ndarray, name: str, color: str, size: int = 8) -> go.Scatter:
    return go.Scatter(x=xs, y=ys, name=name, mode="markers", marker={"color": color, "size": size},
                      hovertemplate="%{x:.3g}: %{y:.3f}<extra>" + name + "</extra>")


# ----------------------------------------------------------------------------- regression

def sine_figure(snap: Any) -> go.Figure:
    """Validation targets (true curve) and the predicted next values (points) over time, with the
    window of context before the first one; y range from the series ([-1.2, 1.2] for the sine)."""
    p = _preds(snap)
    t, y_true, y_pred, series = _arr(p, "t"), _arr(p, "y_true"), _arr(p, "y_pred"), _arr(p, "series")
    title, xt, yt = "Next value: prediction vs truth", "time index t", "value"
    yr = _padded(series)
    if not np.any(np.isfinite(t)) or len(t) != len(y_pred):
        return empty_figure(title, xt, yt, uirevision="sine", y_range=yr)
    seq_len, t0 = int(p.get("seq_len") or 0), _lo(t, 0.0)
    x0 = max(0.0, t0 - seq_len)
    idx = np.arange(series.size)
    keep = idx >= x0
    stride = max(1, int(keep.sum()) // MAX_LINE_POINTS)
    traces = [_lines(idx[keep][::stride], series[keep][::stride], "series", "#bbbbbb", width=1.5),
              _lines(t, y_true, "truth", COLORS["true"]),
              _dots(t, y_pred, "prediction", COLORS["pred"], size=7)]
    shape, note = vline(t0 - 0.5, "#999", "dot", "validation →")
    return make_figure(traces, title, xt, yt, uirevision="sine", shapes=[shape], annotations=[note],
                       subtitle=f"each point: the guess of the next value from the {seq_len} before it",
                       x={"range": [x0 - 0.5, max(series.size, _hi(t, t0) + 1) - 0.5]},
                       y={"range": yr})


def elman_figure(snap: Any) -> go.Figure:
    """Article 001's plot: the actual sine points at their times and the predicted next points."""
    p = _preds(snap)
    t_in, x, t, y_pred = _arr(p, "t_in"), _arr(p, "x"), _arr(p, "t"), _arr(p, "y_pred")
    title, xt, yt = "Actual points and predicted next points", "t", "sin(t)"
    xr = [_lo(t_in, 2.0) - 0.4, _hi(t, 10.0) + 0.4]
    yr = _padded(np.concatenate([x, _arr(p, "y_true")]), pad=0.3)
    if not t.size or len(t) != len(y_pred):
        return empty_figure(title, xt, yt, uirevision="elman", x_range=xr, y_range=yr)
    traces = [_dots(t_in, x, "actual", COLORS["true"], size=14),
              _dots(t, y_pred, "predicted", COLORS["pred"], size=9)]
    return make_figure(traces, title, xt, yt, uirevision="elman", x={"range": xr}, y={"range": yr},
                       subtitle="the context units carry the past; each prediction is the next point")


def xsinx_figure(snap: Any) -> go.Figure:
    """Fit of y = x·sin(x) on the training range and the extrapolation beyond it, against the truth."""
    p = _preds(snap)
    x_data, y_data = _arr(p, "x_data"), _arr(p, "y_data")
    x_fit, y_fit = _arr(p, "x_fit"), _arr(p, "y_fit_pred")
    x_ext, y_ext_true, y_ext = _arr(p, "x_ext"), _arr(p, "y_ext_true"), _arr(p, "y_ext_pred")
    title, xt, yt = "Fit and extrapolation of x·sin(x)", "x", "y"
    xs = np.concatenate([x_data, x_ext])
    xr = [0.0, _hi(xs, 7.2) + 0.1]
    yr = _padded(np.concatenate([y_data, y_ext_true]), pad=0.15, fallback=(-6.0, 7.0))
    if not x_fit.size or len(x_fit) != len(y_fit):
        return empty_figure(title, xt, yt, uirevision="xsinx", x_range=xr, y_range=yr)
    traces = [_lines(x_data, y_data, "truth (training data)", "#bbbbbb", width=4),
              _lines(x_ext, y_ext_true, "truth (beyond)", "#bbbbbb", width=4, dash="dot"),
              _lines(x_fit, y_fit, "fit", COLORS["train"]),
              _lines(x_ext, y_ext, "extrapolation", COLORS["val"])]
    end = _hi(x_data, 6.0)
    shape, note = vline(end, "#666", "dash", f"training data ends (x = {end:g})", left=True)
    return make_figure(traces, title, xt, yt, uirevision="xsinx", x={"range": xr}, y={"range": yr},
                       shapes=[shape], annotations=[note])


# ----------------------------------------------------------------------------- text: dinosaur names

def show_char(c: str) -> str:
    """A character as a label: newline "⏎", space "␣", tab "⇥"."""
    return {"\n": "⏎", " ": "␣", "\t": "⇥"}.get(c, c)


def dinos_probs_figure(chars: Sequence[str], probs: np.ndarray | None, prefix: str) -> go.Figure:
    """Bar chart of the probability of each next character after ``prefix`` (y fixed to [0, 1]);
    the most likely character is highlighted."""
    labels = [show_char(c) for c in chars]
    title = f"Next character after “{prefix}”" if prefix else "First character of a name"
    pr = np.asarray(probs if probs is not None else (), dtype=float).ravel()
    if not labels or pr.size != len(labels) or not np.all(np.isfinite(pr)):
        return empty_figure(title, "next character", "probability", uirevision="dinos-probs")
    colors = [COLORS["pred"] if i == int(np.argmax(pr)) else COLORS["train"] for i in range(len(pr))]
    bars = go.Bar(x=labels, y=pr, marker_color=colors, name="probability",
                  hovertemplate="P(%{x}) = %{y:.3f}<extra></extra>")
    return make_figure([bars], title, "next character (⏎ = end of name)", "probability",
                       uirevision="dinos-probs", y={"range": [0, 1]}, showlegend=False, bargap=0.15,
                       x={"type": "category", "categoryorder": "array", "categoryarray": labels,
                          "tickangle": 0})


def dinos_probe_figure(snap: Any) -> go.Figure:
    """Heatmap of P(next character) (x, colour [0, 1]) after each prefix of the probe name (y, read
    downwards), with the character that actually comes next circled."""
    p = _preds(snap)
    chars, text = list(p.get("vocab") or []), str(p.get("probe_text") or "")
    probs = np.asarray(p.get("probe_probs", np.zeros((0, 0))), dtype=float)
    title = f"Next-character probabilities along “{text}”" if text else "Next-character probabilities"
    xt, yt = "next character (⏎ = end of name)", "after reading … (▶ = start)"
    if probs.ndim != 2 or not probs.size or probs.shape[1] != len(chars):
        return empty_figure(title, xt, yt, uirevision="dinos-probe")
    n_steps, n_chars = probs.shape
    index = {c: i for i, c in enumerate(chars)}
    targets = [index.get(c) for c in (text + "\n")[:n_steps]]
    prefixes = [text[:t] for t in range(n_steps)]
    heat = go.Heatmap(
        z=np.where(np.isfinite(probs), probs, np.nan), x=np.arange(n_chars), y=np.arange(n_steps),
        zmin=0, zmax=1, colorscale="Blues", customdata=np.array([[pre] * n_chars for pre in prefixes]),
        colorbar={"title": {"text": "P", "side": "right"}, "thickness": 14},
        text=np.array([[show_char(c) for c in chars]] * n_steps),
        hovertemplate="after “%{customdata}”: P(%{text}) = %{z:.3f}<extra></extra>")
    circles = go.Scatter(
        x=[-1 if i is None else i for i in targets], y=np.arange(n_steps), mode="markers",
        name="the actual next character", hoverinfo="skip",
        marker={"symbol": "circle-open", "size": 11, "color": COLORS["pred"], "line": {"width": 2.5}})
    step, rows = max(1, math.ceil(n_chars / 30)), max(1, math.ceil(n_steps / 20))
    return make_figure(
        [heat, circles], title, xt, yt, uirevision="dinos-probe", showlegend=True,
        x={"tickvals": list(range(0, n_chars, step)), "ticktext": [show_char(c) for c in chars[::step]],
           "range": [-0.5, n_chars - 0.5], "showgrid": False, "tickfont": {"size": 12}, "tickangle": 0},
        y={"tickvals": list(range(0, n_steps, rows)), "range": [n_steps - 0.5, -0.5], "showgrid": False,
           "ticktext": [show_char(c) for c in (["▶", *text] + [""] * n_steps)[:n_steps:rows]],
           "tickfont": {"size": 12}})


def _dinos_bars(snap: Any, opts: dict[str, Any]) -> go.Figure:
    """The bar chart for the page's typed prefix (opts chars / probs / prefix), else for the empty
    prefix from the probe (the distribution of first letters)."""
    if opts.get("probs") is not None:
        return dinos_probs_figure(opts.get("chars") or _preds(snap).get("vocab") or [], opts["probs"],
                                  str(opts.get("prefix", "")))
    p = _preds(snap)
    probs = np.asarray(p.get("probe_probs", np.zeros((0, 0))), dtype=float)
    first = probs[0] if probs.ndim == 2 and len(probs) else None
    return dinos_probs_figure(list(p.get("vocab") or []), first, "")


# ----------------------------------------------------------------------------- abcde

LETTERS = tuple("abcde")


def abcde_probs_figure(snap: Any, letter: str) -> go.Figure:
    """The five next-letter probabilities after the input ``letter`` (bars, y fixed to [0, 1])."""
    p = _preds(snap)
    letters = [str(c) for c in (p.get("letters") or LETTERS)]
    probs = np.asarray(p.get("probs", np.zeros((0, 0))), dtype=float)
    title = f"After “{letter}”, the next letter is …"
    if letter not in letters or probs.ndim != 2 or probs.shape != (len(letters), len(letters)):
        return empty_figure(title, "next letter", "probability", uirevision="abcde-probs")
    row, want = probs[letters.index(letter)], letters[(letters.index(letter) + 1) % len(letters)]
    colors = [COLORS["after"] if c == want else COLORS["train"] for c in letters]
    bars = go.Bar(x=letters, y=np.where(np.isfinite(row), row, 0.0), marker_color=colors,
                  hovertemplate="P(%{x}) = %{y:.3f}<extra></extra>")
    return make_figure([bars], title, f"next letter (green: the right answer, “{want}”)", "probability",
                       uirevision="abcde-probs", y={"range": [0, 1]}, showlegend=False,
                       x={"type": "category", "categoryorder": "array", "categoryarray": letters})


def abcde_trajectory_figure(snap: Any, activation: str = "tanh") -> go.Figure:
    """The hidden state after each letter as a point in 3-D (the first three units), joined in order."""
    p = _preds(snap)
    letters = [str(c) for c in (p.get("letters") or LETTERS)]
    h = np.asarray(p.get("hidden", ()), dtype=float)
    title = "Hidden state after each letter"
    if h.ndim != 2 or not h.size:
        return empty_figure(title, "", "", uirevision="abcde-3d")
    n, units = h.shape
    if units != 3:
        title += f" (first 3 of {units} units)" if units > 3 else f" ({units} of 3 axes used)"
    h3 = np.zeros((n, 3))
    h3[:, :min(units, 3)] = np.where(np.isfinite(h[:, :3]), h[:, :3], 0.0)
    scale = activation_scale(activation, h3)
    lo, hi = scale["zmin"], scale["zmax"]
    labels = [letters[i % len(letters)] for i in range(n)]
    closed = np.vstack([h3, h3[:1]]) if n == len(letters) else h3        # a cycle: back to the start
    path = go.Scatter3d(
        x=closed[:, 0], y=closed[:, 1], z=closed[:, 2], mode="lines+markers+text",
        text=labels + [""] * (len(closed) - n), textfont={"size": FONT_SIZE + 4},
        marker={"size": 6, "color": COLORS["pred"]}, line={"color": COLORS["train"], "width": 5},
        hovertemplate="h = (%{x:.2f}, %{y:.2f}, %{z:.2f})<extra>%{text}</extra>")
    pad = 0.1 * (hi - lo)                                               # keep points off the back walls
    axis = {"range": [lo - pad, hi + pad], "autorange": False, "dtick": (hi - lo) / 2, "gridcolor": "#d5d9e0"}
    scene = {"xaxis": {**axis, "title": {"text": "h₁"}}, "yaxis": {**axis, "title": {"text": "h₂"}},
             "zaxis": {**axis, "title": {"text": "h₃"}}, "aspectmode": "cube", "uirevision": "abcde-3d",
             "camera": {"eye": {"x": 1.7, "y": 1.7, "z": 1.1}}, "domain": {"x": [0, 1], "y": [0, 1]}}
    return make_figure([path], title, "", "", uirevision="abcde-3d", scene=scene, showlegend=False,
                       subtitle="h after reading one letter (from h = 0), joined a→b→c→d→e→a",
                       margin={"l": 0, "r": 0, "b": 0, "t": 64})


def abcde_hidden_figure(snap: Any, activation: str = "tanh") -> go.Figure:
    """Hidden state after each input letter (unit × letter). Every sequence of this task is one letter
    long, so the generic probe heatmap would be a single column; this shows all five."""
    p = _preds(snap)
    h = np.asarray(p.get("hidden", ()), dtype=float)
    letters = [str(c) for c in (p.get("letters") or LETTERS)]
    fig = hidden_figure(SimpleNamespace(probe_hidden=h if h.ndim == 2 and h.size else None), activation)
    fig.update_layout(title={"text": "Hidden state after each letter"},
                      xaxis={"title": {"text": "input letter"}, "tickvals": list(range(len(letters))),
                             "ticktext": letters, "dtick": None})
    return fig


# ----------------------------------------------------------------------------- dispatcher

_SINGLE: dict[str, Callable[[Any], go.Figure]] = {"sine": sine_figure, "elman": elman_figure,
                                                  "xsinx": xsinx_figure}


def prediction_figures(exp_id: str, snap: Any, **opts: Any) -> list[go.Figure]:
    """The experiment's prediction figures, most important first (a page shows the first next to the
    loss and the second, if any, in the spare slot).

    sine / elman / xsinx: one figure. dinos: the probe heatmap, then next-character bars for
    ``opts`` chars / probs / prefix (the page computes probs with ``rnn_core.text.next_char_probs``;
    without them, the first-letter distribution from the probe). abcde: the next-letter bars for
    ``opts["letter"]`` (default "a") and the 3-D hidden trajectory (``opts["activation"]``, default
    "tanh", fixes its axis ranges). An unknown ``exp_id`` raises ValueError.
    """
    if exp_id in _SINGLE:
        return [_SINGLE[exp_id](snap)]
    if exp_id == "dinos":
        return [dinos_probe_figure(snap), _dinos_bars(snap, opts)]
    if exp_id == "abcde":
        return [abcde_probs_figure(snap, str(opts.get("letter", "a"))),
                abcde_trajectory_figure(snap, str(opts.get("activation", "tanh")))]
    raise ValueError(f"exp_id: got {exp_id!r}, expected one of sine, elman, dinos, abcde, xsinx")
