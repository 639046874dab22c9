"""Sine wave: the validation windows' next values, predicted against the truth."""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go

from rnn_core.i18n import _, integer, ngettext

from ..plotstyle import COLORS, empty_figure, make_figure, vline
from . import Panels
from .common import MAX_LINE_POINTS, arr, dots, hi, lines, lo, off_chart, padded, preds


def sine_figure(snap: Any) -> go.Figure:
    """Validation targets (true curve) and the predicted next values (points) over time, with the
    window of context before the first one; y range from the series ([-1.2, 1.2] for the sine)."""
    p = preds(snap)
    t, y_true, y_pred, series = arr(p, "t"), arr(p, "y_true"), arr(p, "y_pred"), arr(p, "series")
    title, xt, yt = _("Next value: prediction vs truth"), _("time index t"), _("value")
    yr = padded(series)
    if not np.any(np.isfinite(t)) or len(t) != len(y_pred):
        return empty_figure(title, xt, yt, uirevision="sine", y_range=yr)
    seq_len, t0 = int(p.get("seq_len") or 0), lo(t, 0.0)
    x0 = max(0.0, t0 - seq_len)
    idx = np.arange(series.size)
    keep = idx >= x0
    stride = max(1, int(keep.sum()) // MAX_LINE_POINTS)
    raw = np.asarray(p.get("y_pred", ()), dtype=float).ravel()
    traces = [lines(idx[keep][::stride], series[keep][::stride], _("series"), "#bbbbbb", width=1.5),
              lines(t, y_true, _("truth"), COLORS["true"]),
              dots(t, y_pred, _("prediction"), COLORS["pred"], size=7), *off_chart(t, raw, yr)]
    shape, note = vline(t0 - 0.5, "#999", "dot", _("validation →"))
    sub = ngettext("each point: the guess of the next value from the {n} before it",
                   "each point: the guess of the next value from the {n} before it", seq_len)
    return make_figure(traces, title, xt, yt, uirevision="sine", shapes=[shape], annotations=[note],
                       subtitle=sub.format(n=integer(seq_len)),
                       x={"range": [x0 - 0.5, max(series.size, hi(t, t0) + 1) - 0.5]},
                       y={"range": yr})


PANELS = Panels(figures=lambda snap, **opts: [sine_figure(snap)])
