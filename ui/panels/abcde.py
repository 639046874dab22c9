"""Next letter (a→b→c→d→e→a): the five next-letter probabilities after the letter the person picks, and
the hidden state after each letter, as a heatmap and as a 3-D trajectory."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from rnn_core.i18n import _, integer, ngettext

from ..charts import chart, key
from ..figures import hidden_activation, hidden_figure
from ..plotstyle import COLORS, FONT_SIZE, activation_scale, empty_figure, make_figure
from ..state import RunState
from . import Panels
from .common import preds

LETTERS = tuple("abcde")


def abcde_probs_figure(snap: Any, letter: str) -> go.Figure:
    """The five next-letter probabilities after the input ``letter`` (bars, y fixed to [0, 1])."""
    p = preds(snap)
    letters = [str(c) for c in (p.get("letters") or LETTERS)]
    probs = np.asarray(p.get("probs", np.zeros((0, 0))), dtype=float)
    title = _("After “{letter}”, the next letter is …").format(letter=letter)
    if letter not in letters or probs.ndim != 2 or probs.shape != (len(letters), len(letters)):
        return empty_figure(title, _("next letter"), _("probability"), uirevision="abcde-probs")
    row, want = probs[letters.index(letter)], letters[(letters.index(letter) + 1) % len(letters)]
    colors = [COLORS["after"] if c == want else COLORS["train"] for c in letters]
    bars = go.Bar(x=letters, y=np.where(np.isfinite(row), row, 0.0), marker_color=colors,
                  hovertemplate="P(%{x}) = %{y:.3f}<extra></extra>")
    xt = _("next letter (green: the right answer, “{answer}”)").format(answer=want)
    return make_figure([bars], title, xt, _("probability"),
                       uirevision="abcde-probs", y={"range": [0, 1]}, showlegend=False,
                       x={"type": "category", "categoryorder": "array", "categoryarray": letters})


def abcde_trajectory_figure(snap: Any, activation: str = "tanh") -> go.Figure:
    """The hidden state after each letter as a point in 3-D (the first three units), joined in order."""
    p = preds(snap)
    letters = [str(c) for c in (p.get("letters") or LETTERS)]
    h = np.asarray(p.get("hidden", ()), dtype=float)
    if h.ndim != 2 or not h.size:
        return empty_figure(_("Hidden state after each letter"), "", "", uirevision="abcde-3d")
    n, units = h.shape
    title = _trajectory_title(units)
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
                       subtitle=_("h after reading one letter (from h = 0), joined a→b→c→d→e→a"),
                       margin={"l": 0, "r": 0, "b": 0, "t": 64})


def _trajectory_title(units: int) -> str:
    """The 3-D chart's title, saying which units the axes are when the state is not 3 units."""
    if units > 3:
        return ngettext("Hidden state after each letter (first 3 of {units} unit)",
                        "Hidden state after each letter (first 3 of {units} units)", units
                        ).format(units=integer(units))
    if units < 3:
        return _("Hidden state after each letter ({units} of 3 axes used)").format(units=integer(units))
    return _("Hidden state after each letter")


def abcde_hidden_figure(snap: Any, activation: str = "tanh") -> go.Figure:
    """Hidden state after each input letter (unit × letter). Every sequence of this task is one letter
    long, so the generic probe heatmap would be a single column; this shows all five."""
    p = preds(snap)
    h = np.asarray(p.get("hidden", ()), dtype=float)
    letters = [str(c) for c in (p.get("letters") or LETTERS)]
    fig = hidden_figure(SimpleNamespace(probe_hidden=h if h.ndim == 2 and h.size else None), activation)
    fig.update_layout(title={"text": _("Hidden state after each letter")},
                      xaxis={"title": {"text": _("input letter")}, "tickvals": list(range(len(letters))),
                             "ticktext": letters, "dtick": None})
    return fig


def abcde_figures(snap: Any, **opts: Any) -> list[go.Figure]:
    """The next-letter bars for ``opts["letter"]`` (default "a") and the 3-D hidden trajectory
    (``opts["activation"]``, default "tanh", fixes its axis ranges)."""
    return [abcde_probs_figure(snap, str(opts.get("letter", "a"))),
            abcde_trajectory_figure(snap, str(opts.get("activation", "tanh")))]


def _activation(state: RunState) -> str:
    return hidden_activation(state.snap.config.model)


def letter_probs(state: RunState) -> None:
    """The five probabilities after the letter the person picks."""
    letter = st.segmented_control(_("Input letter"), LETTERS, default="a", required=True, key="letter",
                                  bind="query-params", help=_("The letter the network reads; the bars "
                                                              "are its probabilities for the letter that "
                                                              "comes next."))
    chart(lambda: abcde_probs_figure(state.snap, letter or "a"), key(state, "probs"))


def trajectory(state: RunState) -> None:
    """h after each letter, as a point in 3-D (the first three hidden units)."""
    chart(lambda: abcde_trajectory_figure(state.snap, _activation(state)), key(state, "trajectory"))


def hidden_per_letter(state: RunState) -> None:
    chart(lambda: abcde_hidden_figure(state.snap, _activation(state)), key(state, "hidden"))


PANELS = Panels(figures=abcde_figures, predictions=letter_probs, extra=trajectory, hidden=hidden_per_letter)
