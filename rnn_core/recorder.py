"""The recorder: what a run keeps between snapshots, so the trainer only trains.

It sums the steps since the last snapshot, turns them into a ``Record`` of the history (thinned past
HISTORY_MAX, change markers always kept), evaluates the model into a ``Snapshot``, keeps the weights of
the last good one, and decides when the costly spectrum is due again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .config import RunConfig
from .contract import LossAndGrads, Model
from .cost import jacobian_seconds
from .dynamics import Spectrum, recurrent_spectrum
from .experiments.base import Task
from .optim import ClipResult
from .snapshot import Change, Record, Snapshot, Stop, frozen

HISTORY_MAX = 1500                # records kept; older ones are thinned, change markers always kept
SPECTRUM_SHARE = 0.1      # the spectrum may cost at most this share of the training time
SPECTRUM_SECONDS = 0.15   # and one spectrum about this long (fewer probe steps for a big gated cell)


@dataclass(frozen=True)
class Progress:
    """Where the run stands when a snapshot is taken: the trainer's counters, read once."""

    step: int
    epoch: float                       # fractional
    wall: float                        # training seconds so far
    done: bool
    stop: Stop | None
    total_steps: int
    end_epoch: int                     # where the current block of epochs ends
    config: RunConfig                  # the settings in force


class _Interval:
    """Running sums over the steps since the last snapshot."""

    def __init__(self, width: int) -> None:
        self.n = 0
        self.loss = self.before = self.after = self.clipped = 0.0
        self.sgn_sum = np.zeros(width)                   # (width,)
        self.sgn_count = np.zeros(width)                 # (width,)

    def add(self, loss: float, before: float, after: float, clipped: bool, sgn: np.ndarray) -> None:
        self.n += 1
        self.loss += loss
        self.before += before
        self.after += after
        self.clipped += float(clipped)
        w = min(len(sgn), len(self.sgn_sum))
        self.sgn_sum[:w] += sgn[:w]
        self.sgn_count[:w] += 1

    def step_grad_norms(self) -> np.ndarray:
        """(width,): mean ||dL/dh_t|| per time step, NaN where no sequence reached."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.sgn_count > 0, self.sgn_sum / np.maximum(self.sgn_count, 1), np.nan)


def _finite(v: float | None) -> bool:
    return v is None or bool(np.isfinite(v))


class Recorder:
    """The history and the snapshots of one run on ``task``."""

    def __init__(self, task: Task) -> None:
        self.task = task
        self.interval = _Interval(task.max_len)
        self.changes: list[Change] = []                  # live changes since the last record
        self.history: list[Record] = []
        self.last: Snapshot | None = None
        self.good_params: dict[str, np.ndarray] = {}     # weights of the last good snapshot
        self.resume: tuple[int, dict[str, np.ndarray]] | None = None   # (step, weights) of the last
        #                                  snapshot before a stop with finite losses: where to resume
        self.last_grads: dict[str, np.ndarray] = {}      # of the last step, before clipping
        self.spectrum: Spectrum | None = None            # the last one, its cost, when (training wall)
        self.spectrum_cost = self.spectrum_wall = 0.0

    def count(self, res: LossAndGrads, cr: ClipResult) -> None:
        """A step was made: add it to the interval's sums."""
        self.interval.add(res.loss, cr.norm_before, cr.norm_after, cr.clipped, res.step_grad_norms)
        self.last_grads = res.grads

    def current(self, step: int) -> bool:
        """True if the last snapshot already shows ``step`` (no step since: nothing to evaluate)."""
        return self.interval.n == 0 and self.last is not None and self.last.step == step

    def mark(self) -> tuple[Snapshot | None, dict[str, np.ndarray], int]:
        """What ``rollback`` needs to undo the snapshots taken after now."""
        return self.last, self.good_params, len(self.history)

    def rollback(self, mark: tuple[Snapshot | None, dict[str, np.ndarray], int]) -> None:
        self.last, self.good_params, n = mark
        del self.history[n:]

    def refreshed(self, now: Progress) -> Snapshot:
        """The last snapshot with the run's state ``now`` (done, stop, totals), no new evaluation."""
        assert self.last is not None
        self.last = replace(self.last, done=now.done, stop=now.stop, steps_per_sec=0.0,
                            total_steps=now.total_steps, epochs=now.end_epoch, config=now.config)
        return self.last

    def evaluated(self, model: Model, now: Progress, steps_per_sec: float,
                  new_weights: bool = False) -> Snapshot:
        """Evaluate ``model`` and record a point of history; raises what the evaluation raises."""
        rng = np.random.default_rng([now.config.train.seed, 2, now.step])
        ev = self.task.evaluate(model, rng)
        probe = frozen(model.forward(self.task.probe_x).hidden[0])          # (time, hidden)
        rec = self._record(now, ev.val_loss, ev.metrics)
        norms = {k: float(np.linalg.norm(g)) for k, g in self.last_grads.items()}
        self.good_params = {k: frozen(v) for k, v in model.get_params().items()}
        if now.stop is None and _finite(rec.train_loss) and _finite(rec.val_loss):
            self.resume = (now.step, self.good_params)
        self.last = Snapshot(record=rec, metrics=dict(ev.metrics), param_grad_norms=norms,
                             probe_hidden=probe, predictions=dict(ev.predictions),
                             spectrum=self._spectrum(model, now, new_weights),
                             steps_per_sec=steps_per_sec, done=now.done, stop=now.stop,
                             total_steps=now.total_steps, epochs=now.end_epoch, config=now.config,
                             params=self.good_params, history=tuple(self.history))
        return self.last

    def _spectrum(self, model: Model, now: Progress, new_weights: bool) -> Spectrum:
        """The spectrum along the probe, new once the training since the last one took 1 / SPECTRUM_SHARE
        times its cost: every snapshot usually (0.5-12 ms), less often for a big gated cell, whose mean
        Jacobian is then taken over as many probe steps as SPECTRUM_SECONDS pay for (rnn_core/cost.py:
        a 256-unit LSTM along 201 steps would take seconds)."""
        if (new_weights or self.spectrum is None
                or now.wall - self.spectrum_wall >= self.spectrum_cost / SPECTRUM_SHARE):
            t0 = time.perf_counter()
            per_step = jacobian_seconds(now.config, 1)
            most = max(4, int(SPECTRUM_SECONDS / per_step)) if per_step > 0 else None
            self.spectrum = recurrent_spectrum(model, self.task.probe_x, most)
            self.spectrum_cost, self.spectrum_wall = time.perf_counter() - t0, now.wall
        return self.spectrum

    def _record(self, now: Progress, val_loss: float | None, metrics: dict[str, Any]) -> Record:
        """The interval's means as a new record of the history."""
        iv, cfg = self.interval, now.config.train
        rec = Record(
            step=now.step, epoch=now.epoch,
            train_loss=iv.loss / iv.n if iv.n else (val_loss if val_loss is not None else np.nan),
            val_loss=val_loss, grad_norm_before=iv.before / iv.n if iv.n else np.nan,
            grad_norm_after=iv.after / iv.n if iv.n else np.nan,
            clip_fraction=iv.clipped / iv.n if iv.n else 0.0,
            step_grad_norms=frozen(iv.step_grad_norms()), wall_time=now.wall, lr=cfg.lr,
            clip_mode=cfg.clip_mode, clip=cfg.clip, bptt_truncate=cfg.bptt_truncate,
            changes=tuple(self.changes),
            metrics={k: float(v) for k, v in metrics.items() if isinstance(v, (int, float, np.number))})
        self.changes, self.interval = [], _Interval(self.task.max_len)
        self._add(rec)
        return rec

    def _add(self, rec: Record) -> None:
        self.history.append(rec)
        if len(self.history) > HISTORY_MAX:      # thin the older two thirds, keep every marker
            cut = 2 * len(self.history) // 3
            old = [r for i, r in enumerate(self.history[:cut]) if i % 2 == 0 or r.changes]
            self.history = old + self.history[cut:]
