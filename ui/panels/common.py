"""Helpers of the experiments' prediction figures: reading ``snapshot.predictions`` safely, ranges
from the task's data (never from the predictions, so frames do not jump), and marks for predictions
that leave the plot."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from rnn_core.i18n import _

from ..plotstyle import COLORS

MAX_LINE_POINTS = 2000          # a long user series is thinned to this many points for its grey line


def preds(snap: Any) -> dict[str, Any]:
    """The snapshot's predictions ({} for no snapshot)."""
    return dict(getattr(snap, "predictions", None) or {}) if snap is not None else {}


def arr(p: dict[str, Any], key: str) -> np.ndarray:
    """A 1-D float array (non-finite values become NaN: a gap), empty if the key is missing."""
    try:
        a = np.asarray(p.get(key, ()), dtype=float).ravel()
    except (TypeError, ValueError):
        return np.zeros(0)
    return np.where(np.isfinite(a), a, np.nan)


def lo(a: np.ndarray, default: float) -> float:
    """Smallest finite value, ``default`` if there is none."""
    v = a[np.isfinite(a)]
    return float(v.min()) if v.size else default


def hi(a: np.ndarray, default: float) -> float:
    """Largest finite value, ``default`` if there is none."""
    v = a[np.isfinite(a)]
    return float(v.max()) if v.size else default


def padded(values: np.ndarray, pad: float = 0.2, fallback: Sequence[float] = (-1.2, 1.2)) -> list[float]:
    """[lo, hi] around the finite values, widened by ``pad`` of the half-range on each side."""
    v = values[np.isfinite(values)]
    if not v.size:
        return list(fallback)
    mid, half = (v.max() + v.min()) / 2, (v.max() - v.min()) / 2 or 1.0
    return [float(mid - (1 + pad) * half), float(mid + (1 + pad) * half)]


def lines(xs: np.ndarray, ys: np.ndarray, name: str, color: str, **line: Any) -> go.Scatter:
    """A line trace; ``name`` (legend, hover) translated by the caller."""
    return go.Scatter(x=xs, y=ys, name=name, mode="lines", line={"color": color, "width": 2.5, **line},
                      hovertemplate="%{x:.3g}: %{y:.3f}<extra>" + name + "</extra>")


def dots(xs: np.ndarray, ys: np.ndarray, name: str, color: str, size: int = 8) -> go.Scatter:
    """A marker trace; ``name`` (legend, hover) translated by the caller."""
    return go.Scatter(x=xs, y=ys, name=name, mode="markers", marker={"color": color, "size": size},
                      hovertemplate="%{x:.3g}: %{y:.3f}<extra>" + name + "</extra>")


def off_chart(xs: np.ndarray, ys: np.ndarray, y_range: Sequence[float]) -> list[go.Scatter]:
    """Predictions outside ``y_range`` (or not finite: a blow-up), as triangles on the edge they left by,
    pointing the way they went; [] when every prediction is on the chart."""
    xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    with np.errstate(invalid="ignore"):
        up, down = ys > y_range[1], ys < y_range[0]
    if not (up.any() or down.any()):
        return []
    pad = 0.02 * (y_range[1] - y_range[0])
    x = np.concatenate([xs[up], xs[down]])
    y = np.concatenate([np.full(up.sum(), y_range[1] - pad), np.full(down.sum(), y_range[0] + pad)])
    sym = ["triangle-up"] * int(up.sum()) + ["triangle-down"] * int(down.sum())
    real = np.concatenate([ys[up], ys[down]])
    return [go.Scatter(x=x, y=y, mode="markers", name=_("prediction off the chart"), customdata=real,
                       marker={"symbol": sym, "size": 11, "color": COLORS["pred"],
                               "line": {"color": "white", "width": 1}}, cliponaxis=False,
                       hovertemplate=_("%{x:.3g}: %{customdata:.3g} (off the chart)<extra></extra>"))]


def show_char(c: str) -> str:
    """A character as a label: newline "⏎", space "␣", tab "⇥"."""
    return {"\n": "⏎", " ": "␣", "\t": "⇥"}.get(c, c)
