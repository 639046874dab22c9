"""The experiments' own panels: ``ui/panels/<experiment id>.py`` defines ``PANELS`` (a ``Panels``) with
its prediction figures (pure functions of a snapshot) and, where the page shows more than the default
grid, its own panels. An experiment without a module here gets the default: its metrics.

Found by experiment id, like the experiments themselves: adding one is adding its module.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go

from rnn_core.experiments import experiment_ids
from rnn_core.i18n import _

from ..state import RunState

Panel = Callable[[RunState], None]            # panel(state) -> None, draws with st.*


@dataclass(frozen=True)
class Panels:
    """What an experiment page shows besides the shared plots."""

    figures: Callable[..., list[go.Figure]] | None = None   # snapshot (+ options) → prediction figures
    predictions: Panel | None = None          # top right, next to the loss (default: the first figure)
    hidden: Panel | None = None               # replaces the hidden-state heatmap
    extra: Panel | None = None                # next to the gradient norm (default: 2nd figure or metrics)
    below: Sequence[Panel] = ()               # full-width panels under the grid


def panels_for(exp_id: str) -> Panels:
    """The experiment's panels (an empty Panels when it has no module here)."""
    try:
        module = importlib.import_module(f"{__name__}.{exp_id}")
    except ModuleNotFoundError as e:
        if e.name != f"{__name__}.{exp_id}":
            raise
        return Panels()
    return module.PANELS


def prediction_figures(exp_id: str, snap: Any, **opts: Any) -> list[go.Figure]:
    """The experiment's prediction figures for a snapshot (None: the empty figures), most important first."""
    if exp_id not in experiment_ids():
        raise ValueError(_("{name}: got {value}, expected one of {choices}").format(
            name="exp_id", value=repr(exp_id), choices=", ".join(experiment_ids())))
    make = panels_for(exp_id).figures
    return [] if make is None else list(make(snap, **opts))
