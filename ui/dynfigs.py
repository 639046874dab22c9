"""Figures of how far the gradient reaches back: the recurrence's eigenvalues against the unit circle
(every page) and the gradient against lag (the memory page). Plain functions of snapshots."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from rnn_core.i18n import _, integer, ngettext, number

from .plotstyle import COLORS, empty_figure, fill, hint, log_axis, log_range, make_figure, positive

CIRCLE = np.exp(1j * np.linspace(0, 2 * np.pi, 181))
SHARED_RADIUS = 5.0               # runs share the complex plane up to |λ| this large; past it a
#                                   (diverged) run keeps axes of its own, so the others' stay readable


def spectrum_extent(snaps: Sequence[Any]) -> tuple[float, list[float]]:
    """Shared axes for the spectra of several runs (compare mode): the complex plane's half width that
    holds every rnn run's eigenvalues (up to SHARED_RADIUS), and the log range of every gated run's
    singular values."""
    radius, sing = 1.2, []
    for s in snaps:
        sp = getattr(s, "spectrum", None)
        if sp is None or not sp.finite:
            continue
        if sp.cell == "rnn":
            both = np.abs(np.concatenate([np.asarray(sp.w_hh_eigvals), np.asarray(sp.jac_eigvals)]))
            own = float(np.max(both)) * 1.05 if both.size else 1.2
            radius = max(radius, own if own <= SHARED_RADIUS else radius)   # a blown-up run keeps its own
        else:
            sing.append(positive(sp.jac_singvals))
    return radius, log_range(*sing, np.array([1.0]))


def spectrum_figure(snap: Any, extent: tuple[float, list[float]] | None = None) -> go.Figure:
    """rnn cell: eigenvalues of W_hh and of the mean step Jacobian diag(f′)·W_hh along the probe, in the
    complex plane with the unit circle. lstm / gru: the singular values of the mean step Jacobian
    ∂s_t/∂s_{t−1} against 1 (the LSTM's over its whole state [h, c]). ``extent`` (``spectrum_extent``)
    gives several runs the same axes."""
    sp = getattr(snap, "spectrum", None)
    if sp is None or not sp.finite:
        return empty_figure(_("Eigenvalues against the unit circle"), _("real part"), _("imaginary part"),
                            uirevision="spectrum", x_range=(-1.5, 1.5), y_range=(-1.5, 1.5),
                            text=_("no finite weights") if sp is not None else None)
    if sp.cell == "rnn":
        return _eigen_plane(sp, None if extent is None else extent[0])
    return _singular_values(sp, None if extent is None else extent[1])


def _eigen_plane(sp: Any, radius: float | None = None) -> go.Figure:
    w, j = np.asarray(sp.w_hh_eigvals), np.asarray(sp.jac_eigvals)
    r = max(1.2, float(np.max(np.abs(np.concatenate([w, j])))) * 1.05 if w.size else 1.2)
    r = radius if radius is not None and r <= radius else r
    circle = go.Scatter(x=CIRCLE.real, y=CIRCLE.imag, mode="lines", name="|λ| = 1",
                        line={"color": "#555", "width": 1.5, "dash": "dot"}, hoverinfo="skip")
    ew = go.Scatter(x=w.real, y=w.imag, mode="markers", name="W_hh",
                    marker={"color": "rgba(0,0,0,0)", "size": 8,
                            "line": {"color": COLORS["true"], "width": 1.5}},
                    hovertemplate="λ = %{x:.3f} %{y:+.3f}i<extra>W_hh</extra>")
    ej = go.Scatter(x=j.real, y=j.imag, mode="markers", name=_("mean step Jacobian"),
                    marker={"color": COLORS["pred"], "size": 7},
                    hovertemplate=_("λ = %{x:.3f} %{y:+.3f}i<extra>Jacobian</extra>"))
    top = float(np.max(np.abs(j))) if j.size else float("nan")
    sub = (_("Jacobian's largest |λ| {value}: inside, the gradient fades") if top < 1 else   # fits a
           _("Jacobian's largest |λ| {value}: outside, the gradient can grow"))
    sub = sub.format(value=number(round(top, 2), 6))                   # two decimals, as "0.89"
    return make_figure([circle, ew, ej], _("Eigenvalues against the unit circle"), _("real part"),
                       _("imaginary part"), uirevision="spectrum", subtitle=sub,
                       x={"range": [-r, r], "zeroline": True}, y={"range": [-r, r], "scaleanchor": "x",
                                                                  "zeroline": True})


def _singular_values(sp: Any, y_range: list[float] | None = None) -> go.Figure:
    s = np.asarray(sp.jac_singvals)
    what = "[h, c]" if sp.state == "h,c" else "h"
    bars = go.Scatter(x=np.arange(1, s.size + 1), y=np.where(s > 0, s, np.nan), mode="markers+lines",
                      name=_("singular values"), line={"color": COLORS["pred"], "width": 1.5},
                      marker={"size": 6, "color": COLORS["pred"]},
                      hovertemplate="σ%{x} = %{y:.3f}<extra></extra>")
    one = go.Scatter(x=[1, max(s.size, 2)], y=[1, 1], mode="lines", name="σ = 1",
                     line={"color": "#555", "width": 1.5, "dash": "dot"}, hoverinfo="skip")
    yr = y_range if y_range is not None else log_range(positive(s), np.array([1.0]))
    return make_figure([one, bars], _("Singular values of ∂{state}_t/∂{state}_(t−1)").format(state=what),
                       _("index (largest first)"), _("σ (log scale)"), uirevision="spectrum", y=log_axis(yr),
                       subtitle=_singular_note(sp))


def _singular_note(sp: Any) -> str:
    """What the singular values say, and over how many probe steps they were taken when not all."""
    if sp.steps >= sp.of_steps:
        return _("{cell}: near 1, a direction of the state keeps its gradient").format(cell=sp.cell.upper())
    return ngettext(
        "{cell}: near 1, a direction of the state keeps its gradient (over {steps} of {total} step)",
        "{cell}: near 1, a direction of the state keeps its gradient (over {steps} of {total} steps)",
        sp.of_steps).format(cell=sp.cell.upper(), steps=integer(sp.steps), total=integer(sp.of_steps))


def lag_figure(curves: Sequence[tuple[int, np.ndarray]], lag: int, truncate: int | None,
               readout: str) -> go.Figure:
    """‖∂L/∂h_{T−k}‖ against k (log y): the newest curve bold, earlier ones fading; the truncation
    window shaded, the lag marked; ``readout`` (how many orders the gradient loses) as the subtitle."""
    title, xt = _("Gradient against lag"), _("k: steps before the answer")
    yt = _("‖∂L/∂h_(T−k)‖ (log scale)")
    if not curves:
        return empty_figure(title, xt, yt, uirevision="lag", y_log=True, y_range=(-6, 0),
                            x_range=(0, lag + 1))
    ys = [positive(c) for _step, c in curves]
    traces = [go.Scatter(x=np.arange(len(y)), y=y, mode="lines",
                         name=_("step {step}").format(step=integer(step)),
                         showlegend=i == len(curves) - 1,
                         line={"color": COLORS["train"], "width": 3 if i == len(curves) - 1 else 1.5},
                         opacity=0.25 + 0.75 * (i + 1) / len(curves),
                         hovertemplate=fill(_("k = %{x}<br>%{y:.3g}<extra>step {step}</extra>"),
                                            step=integer(step)))
              for i, ((step, _c), y) in enumerate(zip(curves, ys, strict=True))]
    yr = log_range(*ys, default=(-6.0, 0.0))
    yr[0] = max(yr[0], yr[1] - 16)
    shapes = [{"type": "line", "x0": lag, "x1": lag, "y0": 0, "y1": 1, "yref": "paper",
               "line": {"color": COLORS["pred"], "width": 2, "dash": "dash"}}]
    notes = [{"text": _("the symbol") + " ", "x": lag, "y": 1, "yref": "paper", "yanchor": "bottom",
              "xanchor": "right", "showarrow": False, "font": {"color": COLORS["pred"]}}]
    if truncate is not None and truncate <= lag:
        shapes.append({"type": "rect", "x0": -0.5, "x1": truncate - 0.5, "y0": 0, "y1": 1, "yref": "paper",
                       "fillcolor": "rgba(255,23,68,0.10)", "line": {"width": 0}, "layer": "below"})
        cut = _("truncation: gradient only for k < {k}").format(k=integer(truncate))
        notes.append(hint(cut) | {"y": 0.08})
    if not any(np.any(np.isfinite(y)) for y in ys):
        notes.append(hint(_("the gradient is zero everywhere")))
    return make_figure(traces, title, xt, yt, uirevision="lag", subtitle=readout, shapes=shapes,
                       annotations=notes, x={"range": [-0.5, len(ys[-1]) - 0.5]}, y=log_axis(yr))
