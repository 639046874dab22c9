"""What a checkpoint reads off its runs: a metric now, where a run stopped, the record of its first
step, how far two runs' losses ever came apart, the share of steps clipping acted on, a free run. Each
reads only what the page shows (the snapshot's metrics and predictions, the loss and gradient-norm
history, the free-running chart)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..experiments.records import FreeRun
from ..snapshot import Record
from ..threads import single_thread
from .base import Run


def metric(runs: Sequence[Run], i: int, name: str) -> float:
    """Run ``i``'s metric ``name`` in its snapshot (what the page's metrics panel shows)."""
    return float(runs[i].snap.metrics[name])


def prediction(runs: Sequence[Run], i: int, name: str) -> np.ndarray:
    """Run ``i``'s prediction array ``name`` (what the page's prediction charts draw), float64."""
    return np.asarray(runs[i].snap.predictions[name], dtype=np.float64)


def stop_step(runs: Sequence[Run], i: int) -> float:
    """The update at which run ``i`` stopped (its ✕ on the loss chart), 0 if it did not."""
    stop = runs[i].snap.stop
    return 0.0 if stop is None else float(stop.step)


def steps(runs: Sequence[Run], i: int) -> float:
    """The updates run ``i`` has made."""
    return float(runs[i].snap.step)


def first_record(runs: Sequence[Run], i: int) -> Record:
    """Run ``i``'s record of step 0, before any training (the first point of its history)."""
    history = runs[i].snap.history
    if not history or history[0].step != 0:
        raise ValueError("history: got no record of step 0, expected the run's first snapshot")
    return history[0]


def orders_lost(reach: float) -> float:
    """Orders of magnitude the gradient loses from the last step to the first: −``grad_reach`` (inf
    where it underflows to 0)."""
    return -float(reach)


def loss_gap(runs: Sequence[Run], i: int, j: int) -> float:
    """The largest difference of the training losses of runs ``i`` and ``j`` at the steps both
    recorded (0: the two loss curves are one); inf where one is not finite and the other is."""
    a = {r.step: r.train_loss for r in runs[i].snap.history}
    b = {r.step: r.train_loss for r in runs[j].snap.history}
    gaps = [abs(a[s] - b[s]) if math.isfinite(a[s] - b[s]) else (0.0 if a[s] == b[s] else math.inf)
            for s in sorted(a.keys() & b.keys()) if not (math.isnan(a[s]) and math.isnan(b[s]))]
    return max(gaps, default=0.0)


def clipped_percent(runs: Sequence[Run], i: int) -> float:
    """The share of run ``i``'s updates in which clipping changed the gradient, in % (the gradient-norm
    chart: before against after clipping)."""
    history, done, clipped = runs[i].snap.history, 0, 0.0
    for r in history:
        clipped += r.clip_fraction * (r.step - done)
        done = r.step
    return 100.0 * clipped / done if done else 0.0


def val_low(runs: Sequence[Run], i: int) -> tuple[Record, Record]:
    """Run ``i``'s record of its lowest validation loss, and its last record (the loss chart)."""
    history = [r for r in runs[i].snap.history if r.val_loss is not None and math.isfinite(r.val_loss)]
    if not history:
        raise ValueError("history: got no finite validation loss, expected the run's records")
    return min(history, key=lambda r: r.val_loss), history[-1]


def free_run(runs: Sequence[Run], i: int) -> FreeRun:
    """Run ``i`` run free past its known window, as the page's free-running chart draws it (its default
    length), from the snapshot's weights."""
    free = runs[i].view.free_run
    if free is None:
        raise ValueError("free run: this task has none, expected a series task")
    with single_thread():
        result = free(runs[i].snap.model())
    if result is None:
        raise ValueError("free run: got none, expected one from a series task")
    return result
