"""x·sin(x): the fit on the training range and the extrapolation beyond it."""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go

from rnn_core.i18n import _, number

from ..plotstyle import COLORS, empty_figure, make_figure, vline
from . import Panels
from .common import arr, hi, lines, off_chart, padded, preds


def xsinx_figure(snap: Any) -> go.Figure:
    """Fit of y = x·sin(x) on the training range and the extrapolation beyond it, against the truth."""
    p = preds(snap)
    x_data, y_data = arr(p, "x_data"), arr(p, "y_data")
    x_fit, y_fit = arr(p, "x_fit"), arr(p, "y_fit_pred")
    x_ext, y_ext_true, y_ext = arr(p, "x_ext"), arr(p, "y_ext_true"), arr(p, "y_ext_pred")
    title, xt, yt = _("Fit and extrapolation of x·sin(x)"), "x", "y"                # symbols stay
    xs = np.concatenate([x_data, x_ext])
    xr = [0.0, hi(xs, 7.2) + 0.1]
    yr = padded(np.concatenate([y_data, y_ext_true]), pad=0.15, fallback=(-6.0, 7.0))
    if not x_fit.size or len(x_fit) != len(y_fit):
        return empty_figure(title, xt, yt, uirevision="xsinx", x_range=xr, y_range=yr)
    raw = np.concatenate([np.asarray(p.get(k, ()), dtype=float).ravel()
                          for k in ("y_fit_pred", "y_ext_pred")])
    traces = [lines(x_data, y_data, _("truth (training data)"), "#bbbbbb", width=4),
              lines(x_ext, y_ext_true, _("truth (beyond)"), "#bbbbbb", width=4, dash="dot"),
              lines(x_fit, y_fit, _("fit"), COLORS["train"]),
              lines(x_ext, y_ext, _("extrapolation"), COLORS["val"]),
              *off_chart(np.concatenate([x_fit, x_ext]), raw, yr)]
    end = hi(x_data, 6.0)
    shape, note = vline(end, "#666", "dash", _("training data ends (x = {x})").format(x=number(end, 6)),
                        left=True)
    return make_figure(traces, title, xt, yt, uirevision="xsinx", x={"range": xr}, y={"range": yr},
                       shapes=[shape], annotations=[note])


PANELS = Panels(figures=lambda snap, **opts: [xsinx_figure(snap)])
