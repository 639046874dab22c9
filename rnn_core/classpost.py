"""What a run posts to a class (issue "The class"; the store is ``classroom/``): the page, the settings
a person can change there, the seed, the training-loss curve and the final metrics, as plain JSON
values. The app (ui/classlink.py) and the CLI (``train --class``) post the same thing for the same run.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from .experiments import Experiment
from .snapshot import Record, Snapshot

CURVE_POINTS = 200          # the store keeps at most this many points of a curve


def _number(v: Any) -> float | int | None:
    """A JSON number, None for what JSON cannot carry (NaN, ±inf) or what is not a number."""
    if isinstance(v, bool) or v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(f):
        return None
    return int(v) if isinstance(v, int) else f


def curve(history: Sequence[Record], points: int = CURVE_POINTS) -> list[list[float | int | None]]:
    """``[[step, training loss], …]`` of the run's history, at most ``points`` of them evenly spread over
    the records (the first and the last kept)."""
    n = len(history)
    if n <= points:
        picked = range(n)
    else:
        picked = sorted({round(i * (n - 1) / (points - 1)) for i in range(points)})
    return [[int(history[i].step), _number(history[i].train_loss)] for i in picked]


def settings(exp: Experiment, snap: Snapshot) -> dict[str, Any]:
    """The settings of the run that the page lets a person change, by name (the seed apart)."""
    d = snap.config.as_dict()
    return {k: d[k] for k in exp.knobs if k != "seed" and k in d}


def metrics(exp: Experiment, snap: Snapshot) -> dict[str, Any]:
    """The run's numbers at ``snap``: the step, the training and validation loss, the task's metrics,
    and why it stopped if it did."""
    out: dict[str, Any] = {"step": int(snap.step), "train_loss": _number(snap.train_loss),
                           "val_loss": _number(snap.val_loss)}
    for m in exp.metrics:
        out[m.name] = _number(snap.metrics.get(m.name))
    if snap.stop is not None:
        out["stopped"] = str(snap.stop)[:200]
    return out


def payload(exp: Experiment, snap: Snapshot, history: Sequence[Record]) -> dict[str, Any]:
    """Everything a post of the run at ``snap`` carries but its id: ``page``, ``settings``, ``seed``,
    ``curve`` (of ``history``, the trainer's records), ``metrics``, ``final`` (the run is done: it ended
    or stopped)."""
    return {"page": exp.id, "settings": settings(exp, snap), "seed": int(snap.config.train.seed),
            "curve": curve(history), "metrics": metrics(exp, snap), "final": bool(snap.done)}
