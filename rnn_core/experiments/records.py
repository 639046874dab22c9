"""The plain records an experiment and the trainer pass each other: a batch, an evaluation, a
free-running generation, what a page may know of a task, a metric; and the helpers that fill them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..config import check_int
from ..text import Vocab


@dataclass(frozen=True)
class Batch:
    """One update's worth of data."""

    x: np.ndarray                 # (batch, time, input)
    y: np.ndarray                 # targets, shaped as the model contract asks for the task's `targets`
    reset: bool = True            # True: start from h0 = 0; False: carry the state the last batch left


class LazyBatch(Batch):
    """A Batch whose arrays are made when the trainer first reads them. An epoch of a large corpus is
    thousands of one-hot batches (up to 16 MB): made at once, they would be held from the epoch's
    start to its end, by a session and by a closed session that Streamlit keeps for a while; made one
    at a time, only the batch being trained on is."""

    def __init__(self, make: Callable[[], tuple[np.ndarray, np.ndarray]], reset: bool = True) -> None:
        object.__setattr__(self, "reset", reset)
        object.__setattr__(self, "_make", make)
        object.__setattr__(self, "_xy", None)

    def _arrays(self) -> tuple[np.ndarray, np.ndarray]:
        if self._xy is None:
            object.__setattr__(self, "_xy", self._make())
        return self._xy

    @property  # type: ignore[override]
    def x(self) -> np.ndarray:
        return self._arrays()[0]

    @property  # type: ignore[override]
    def y(self) -> np.ndarray:
        return self._arrays()[1]


@dataclass(frozen=True)
class Evaluation:
    """How the model does right now, on data it is not trained on where the task has such data."""

    val_loss: float | None                          # same loss as training, on held-out data
    metrics: dict[str, Any]                         # the experiment's named metrics (its ``metrics`` table)
    predictions: dict[str, Any] = field(default_factory=dict)  # task-specific arrays for the plots


@dataclass(frozen=True)
class FreeRun:
    """N steps past a known window, three ways: the truth, the model's one-step-ahead predictions (each
    made from true values) and its free run (each made from its own earlier predictions fed back in
    place of the true values). Arrays are float64 (N, output), in the task's own units."""

    steps: int                    # N
    where: np.ndarray             # (N, output): where each value sits (series index, time, x)
    truth: np.ndarray             # (N, output)
    one_step: np.ndarray          # (N, output)
    free: np.ndarray              # (N, output)
    one_step_rmse: float          # RMSE of one_step against truth (inf if the model blew up)
    free_rmse: float              # RMSE of free against truth


MAX_FREE_STEPS = 1000             # the longest free run a task is asked for


@dataclass(frozen=True)
class TaskView:
    """What a page may know of a task and ask of it: read-only facts and the probe, no training data, no
    model (a page asks with a model it built from a snapshot's weights)."""

    targets: str                  # "last" (many-to-one) | "all" (many-to-many)
    max_len: int                  # longest sequence (width of the gradient heatmap)
    carry_state: bool             # batches continue the previous batch's hidden state
    vocab: Vocab | None           # characters of a text task, else None
    probe_x: np.ndarray | None = None   # (1, T, input): the probe sequence the app draws (read-only)
    probe_y: Any = None           # its targets as the model contract wants them (None: the task has none)
    free_run: Callable[..., FreeRun | None] | None = None   # (model, n) → FreeRun: Task.free_run


@dataclass(frozen=True)
class Metric:
    """One of an experiment's metrics: its name in results, and how a person reads it."""

    name: str                     # key in Evaluation.metrics and in `train --json`
    label: str                    # e.g. "validation RMSE"
    better: str = "lower"         # "lower" | "higher" | "" (not a score, e.g. sampled names)


def free_steps(n: int | None, default: int, most: int) -> int:
    """The steps of a free run: n (default where None), checked, and at most ``most`` (the truth there is)."""
    n = default if n is None else n
    check_int("n", n, 1, MAX_FREE_STEPS)
    return min(int(n), most)


def free_result(where: np.ndarray, truth: np.ndarray, one_step: np.ndarray, free: np.ndarray) -> FreeRun:
    """A ``FreeRun`` of arrays shaped (N, output) (a 1-D array is one output), RMSEs included."""
    cols = [np.asarray(a, dtype=np.float64).reshape(len(truth), -1) for a in (where, truth, one_step, free)]
    for a in cols:
        a.setflags(write=False)
    return FreeRun(steps=len(truth), where=cols[0], truth=cols[1], one_step=cols[2], free=cols[3],
                   one_step_rmse=rmse(cols[2], cols[1]), free_rmse=rmse(cols[3], cols[1]))


def rmse(a: np.ndarray, b: np.ndarray) -> float:
    """Root of the mean squared difference (NaN-safe: inf if the model blew up)."""
    with np.errstate(over="ignore", invalid="ignore"):
        v = float(np.sqrt(np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2)))
    return v if np.isfinite(v) else float("inf")
