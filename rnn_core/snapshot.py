"""What the trainer reports: immutable records of the history and snapshots of a run.

The core states facts (a knob changed from a to b; the loss became inf at step 27); how they are put
to a person is the app's business, so nothing here words a UI action.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .config import RunConfig
from .contract import Model
from .dynamics import Spectrum
from .i18n import _, number
from .model import build_model
from .schema import format_value


def frozen(a: np.ndarray) -> np.ndarray:
    """A read-only copy of ``a``."""
    a = np.array(a, copy=True)
    a.setflags(write=False)
    return a


@dataclass(frozen=True)
class Change:
    """A setting changed on a running model."""

    name: str                          # schema name, e.g. "lr"
    old: Any
    new: Any

    def __str__(self) -> str:          # "lr 0.02 → 0.005": the CLI's and the CSV's plain form
        return f"{self.name} {format_value(self.name, self.old)} → {format_value(self.name, self.new)}"


@dataclass(frozen=True)
class Stop:
    """Why a run stopped before its end."""

    kind: str                          # "diverged" (loss or gradient not finite) | "overflow" (an
    #                                    update would make the weights non-finite) | "evaluation"
    #                                    (evaluating the model failed) | "error" (anything else)
    step: int                          # the update that failed (1-based), or the step evaluated
    value: float | None = None         # the loss that was not finite, if that was the cause
    detail: str = ""                   # the error's own text, for "evaluation" and "error"

    def __str__(self) -> str:          # in the current language
        if self.kind == "diverged":
            return _("the loss became {value} at step {step}").format(value=number(self.value, 3),
                                                                       step=self.step)
        if self.kind == "overflow":
            return _("the weights overflowed at step {step}").format(step=self.step)
        if self.kind == "evaluation":
            return _("evaluating the model failed at step {step} ({detail})").format(step=self.step,
                                                                                      detail=self.detail)
        return _("training failed at step {step} ({detail})").format(step=self.step, detail=self.detail)


@dataclass(frozen=True)
class Record:
    """One point of the training history (cheap: kept for the whole run)."""

    step: int                          # optimizer updates so far
    epoch: float                       # passes over the training set, fractional
    train_loss: float                  # mean training loss over the steps since the previous record
    val_loss: float | None             # loss on held-out data (None if the task has none)
    grad_norm_before: float            # mean global ||g|| before clipping, same steps
    grad_norm_after: float             # mean global ||g|| after clipping
    clip_fraction: float               # share of those steps in which clipping changed the gradient
    step_grad_norms: np.ndarray        # (max_len,): mean ||dL/dh_t|| per time step, NaN past a sequence
    wall_time: float                   # training seconds so far (evaluation excluded)
    lr: float                          # settings in force at this record
    clip_mode: str
    clip: float
    bptt_truncate: int | None
    changes: tuple[Change, ...] = ()   # settings changed on the running model since the previous record
    metrics: dict[str, float] = field(default_factory=dict)   # the task's numeric metrics at this point

    @property
    def event(self) -> str | None:
        """The changes in plain text ("lr 0.02 → 0.005; clip 5 → 1"), None if there were none."""
        return "; ".join(map(str, self.changes)) or None


@dataclass(frozen=True)
class Snapshot:
    """Everything a page draws after a tick; immutable."""

    record: Record
    metrics: dict[str, Any]
    param_grad_norms: dict[str, float]  # ||dL/dθ|| per parameter, last step, before clipping
    probe_hidden: np.ndarray            # (time, hidden): h_t of the task's probe sequence
    predictions: dict[str, Any]
    spectrum: Spectrum | None           # the recurrence linearised along the probe (rnn_core.dynamics)
    steps_per_sec: float
    done: bool                          # the block of epochs is complete, or the run stopped
    stop: Stop | None                   # why the run stopped early, else None
    total_steps: int                    # steps the run makes to the end of its block of epochs
    epochs: int                         # epoch at which the block ends
    config: RunConfig                   # the settings in force
    params: dict[str, np.ndarray] = field(repr=False, default_factory=dict)  # read-only weights
    history: tuple[Record, ...] = field(repr=False, default=())

    @property
    def spectral_radius(self) -> float | None:
        """max |eigenvalue| of W_hh (rnn cell); None for lstm / gru or weights that are not finite."""
        eig = None if self.spectrum is None else self.spectrum.w_hh_eigvals
        return float(np.max(np.abs(eig))) if eig is not None and eig.size else None

    def __getattr__(self, name: str) -> Any:   # snapshot.step, .train_loss, … read through to record
        if name != "record" and name in Record.__dataclass_fields__:
            return getattr(self.record, name)
        raise AttributeError(name)

    def model(self) -> Model:
        """A model holding this snapshot's weights, to query (forward, sampling): the running model is
        not touched, and what it answers matches the step shown."""
        m = build_model(self.config.model, 0)
        m.set_params(dict(self.params))
        return m

    @property
    def stop_reason(self) -> str | None:
        """The stop in plain text, None if the run did not stop early."""
        return None if self.stop is None else str(self.stop)
