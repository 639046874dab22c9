"""Elman context network: the actual sine points and the predicted next points, as the article plots."""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go

from rnn_core.i18n import _

from ..plotstyle import COLORS, empty_figure, make_figure
from . import Panels
from .common import arr, dots, hi, lo, off_chart, padded, preds


def elman_figure(snap: Any) -> go.Figure:
    """The actual sine points at their times and the predicted next points."""
    p = preds(snap)
    t_in, x, t, y_pred = arr(p, "t_in"), arr(p, "x"), arr(p, "t"), arr(p, "y_pred")
    title, xt, yt = _("Actual points and predicted next points"), "t", "sin(t)"      # symbols stay
    xr = [lo(t_in, 2.0) - 0.4, hi(t, 10.0) + 0.4]
    yr = padded(np.concatenate([x, arr(p, "y_true")]), pad=0.3)
    if not t.size or len(t) != len(y_pred):
        return empty_figure(title, xt, yt, uirevision="elman", x_range=xr, y_range=yr)
    raw = np.asarray(p.get("y_pred", ()), dtype=float).ravel()
    traces = [dots(t_in, x, _("actual"), COLORS["true"], size=14),
              dots(t, y_pred, _("predicted"), COLORS["pred"], size=9), *off_chart(t, raw, yr)]
    return make_figure(traces, title, xt, yt, uirevision="elman", x={"range": xr}, y={"range": yr},
                       subtitle=_("the context units carry the past; each prediction is the next point"))


PANELS = Panels(figures=lambda snap, **opts: [elman_figure(snap)])
