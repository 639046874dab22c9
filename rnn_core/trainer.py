"""The trainer: advances a run by a number of steps or a time budget and returns immutable snapshots.

It knows nothing of any experiment or of the UI: a ``Task`` hands it batches and evaluations, the
caller decides what to draw from the ``Snapshot`` it gets back.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from .config import TrainConfig
from .experiments.base import RunConfig, Task
from .model import Model, build_model
from .numpy_rnn import NumpyRNN
from .optim import clip_grads, global_norm, make_optimizer
from .threads import single_thread

HISTORY_MAX = 1500                # records kept; older ones are thinned, change markers always kept
LIVE_KNOBS = ("lr", "optimizer", "momentum", "clip_mode", "clip", "bptt_truncate", "batch_size", "epochs")


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.array(a, copy=True)
    a.setflags(write=False)
    return a


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
    event: str | None = None           # knob changes applied since the previous record


@dataclass(frozen=True)
class Snapshot:
    """Everything a page draws after a tick; immutable."""

    record: Record
    metrics: dict[str, Any]
    param_grad_norms: dict[str, float]  # ||dL/dθ|| per parameter, last step, before clipping
    probe_hidden: np.ndarray            # (time, hidden): h_t of the task's probe sequence
    predictions: dict[str, Any]
    spectral_radius: float | None       # max |eigenvalue| of W_hh (rnn cell)
    steps_per_sec: float
    done: bool                          # the configured epochs are complete, or the run stopped
    stop_reason: str | None             # why the run stopped early (divergence), else None
    history: tuple[Record, ...] = field(repr=False, default=())

    def __getattr__(self, name: str) -> Any:   # snapshot.step, .train_loss, … read through to record
        if name != "record" and name in Record.__dataclass_fields__:
            return getattr(self.record, name)
        raise AttributeError(name)


class _Interval:
    """Running sums over the steps since the last snapshot."""

    def __init__(self, width: int) -> None:
        self.n = 0
        self.loss = self.before = self.after = self.clipped = 0.0
        self.sgn_sum = np.zeros(width)
        self.sgn_count = np.zeros(width)

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
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.sgn_count > 0, self.sgn_sum / np.maximum(self.sgn_count, 1), np.nan)


class Trainer:
    """A training run of one model on one task, advanced in small pieces."""

    def __init__(self, task: Task, run: RunConfig, model: Model | None = None) -> None:
        self.task, self.run_cfg = task, run
        self.cfg: TrainConfig = run.train
        self.model = model if model is not None else build_model(run.model, run.train.seed)
        self.opt = make_optimizer(self.cfg.optimizer, self.cfg.lr, self.cfg.momentum)
        self._rng = np.random.default_rng([run.train.seed, 1])      # shuffling
        self.step = 0
        self.epoch = 0
        self._queue: list[Any] = []
        self._batches_per_epoch = 0
        self._epoch_len = 0
        self._h: np.ndarray | None = None
        self._interval = _Interval(task.max_len)
        self._last_grads: dict[str, np.ndarray] = {}
        self._event: list[str] = []
        self.history: list[Record] = []
        self.wall = 0.0
        self.stop_reason: str | None = None
        self.last: Snapshot | None = None
        self._good_params: dict[str, np.ndarray] = {}       # weights of the last good snapshot

    # ------------------------------------------------------------------ state
    @property
    def done(self) -> bool:
        return self.stop_reason is not None or self.epoch >= self.cfg.epochs

    @property
    def batches_per_epoch(self) -> int:
        if not self._batches_per_epoch:
            self._batches_per_epoch = len(self.task.epoch_batches(np.random.default_rng(0),
                                                                  self.cfg.batch_size))
        return self._batches_per_epoch

    @property
    def total_steps(self) -> int:
        """Steps the run takes: those made, the rest of this epoch, the remaining epochs (their batch
        size may have changed mid-run)."""
        if self.epoch >= self.cfg.epochs:
            return self.step
        rest = max(0, self.cfg.epochs - self.epoch - (1 if self._queue else 0))
        return self.step + len(self._queue) + rest * self.batches_per_epoch

    @property
    def fractional_epoch(self) -> float:
        n = self._epoch_len                      # batches of the epoch under way
        return self.epoch + ((n - len(self._queue)) / n if n and self._queue else 0.0)

    # ------------------------------------------------------------------ live changes
    def apply(self, train: TrainConfig) -> list[str]:
        """Apply knobs that can change mid-run (LIVE_KNOBS); returns what changed, e.g. "lr 0.01 → 0.1"."""
        changes = [f"{k} {getattr(self.cfg, k)} → {getattr(train, k)}" for k in LIVE_KNOBS
                   if getattr(self.cfg, k) != getattr(train, k)]
        if train.optimizer != self.cfg.optimizer:
            self.opt = make_optimizer(train.optimizer, train.lr, train.momentum)
        self.opt.lr = train.lr
        if hasattr(self.opt, "momentum"):
            self.opt.momentum = train.momentum
        if train.batch_size != self.cfg.batch_size:
            self._batches_per_epoch = 0          # the new size takes effect at the next epoch
        self.cfg = train
        self.run_cfg = replace(self.run_cfg, train=train)
        self._event += [c for c in changes if not c.startswith("epochs")]
        return changes

    # ------------------------------------------------------------------ training
    def _next_batch(self) -> Any:
        if not self._queue:
            batches = self.task.epoch_batches(self._rng, self.cfg.batch_size)
            self._batches_per_epoch = self._epoch_len = len(batches)
            self._queue = batches[::-1]
        return self._queue.pop()

    def train_step(self) -> bool:
        """One optimizer update; False if the run is done or has just stopped."""
        if self.done:
            return False
        b = self._next_batch()
        h0 = self._h if (not b.reset and self._h is not None and len(self._h) == len(b.x)) else None
        res = self.model.loss_and_grads(b.x, b.y, h0=h0, bptt_truncate=self.cfg.bptt_truncate,
                                        targets=self.task.targets)
        grads, cr = clip_grads(res.grads, self.cfg.clip_mode, self.cfg.clip)
        if not (np.isfinite(res.loss) and np.isfinite(cr.norm_before)):   # NaN/inf anywhere in g
            return self._stop(f"the loss became {res.loss:.3g} at step {self.step + 1}")
        if not self._update(grads):
            return self._stop(f"the weights overflowed at step {self.step + 1}")
        self._h = res.h_last if self.task.carry_state else None
        self.step += 1
        if not self._queue:
            self.epoch += 1
        self._interval.add(res.loss, cr.norm_before, cr.norm_after, cr.clipped, res.step_grad_norms)
        self._last_grads = res.grads
        return True

    def _update(self, grads: dict[str, np.ndarray]) -> bool:
        """One optimizer step; False (weights unchanged) if it would make them non-finite."""
        live = self.model.params if isinstance(self.model, NumpyRNN) else None  # numpy: in place
        params = live if live is not None else self.model.get_params()
        backup = {k: v.copy() for k, v in params.items()} if params is live else None
        self.opt.step(params, grads)
        if not np.isfinite(global_norm(params)):
            if backup is not None:
                params.update(backup)
            return False
        if params is not live:
            self.model.set_params(params)
        return True

    def halt(self, reason: str) -> None:
        """Stop the run for a reason found outside the training step (the caller's words)."""
        self.stop_reason = reason

    def _stop(self, what: str) -> bool:
        self.stop_reason = (f"Training diverged: {what}. The weights are kept from the last good step. "
                            "Try a smaller learning rate or turn gradient clipping on, then Reset.")
        return False

    def run(self, steps: int | None = None, seconds: float | None = None) -> Snapshot:
        """Train for ``steps`` updates or ``seconds`` of wall time (whichever ends first; neither:
        to the end of the run), then evaluate and return a snapshot."""
        with single_thread():
            t0, n = time.perf_counter(), 0
            while not self.done and (steps is None or n < steps):
                if seconds is not None and n > 0 and time.perf_counter() - t0 >= seconds:
                    break
                if self.train_step():
                    n += 1
            elapsed = time.perf_counter() - t0
            self.wall += elapsed
            return self.snapshot(steps_per_sec=n / elapsed if elapsed > 0 and n else 0.0)

    # ------------------------------------------------------------------ snapshots
    def snapshot(self, steps_per_sec: float = 0.0) -> Snapshot:
        """Evaluate the model now and record a point of history (interval means since the last one)."""
        if self._interval.n == 0 and self.last is not None and self.last.step == self.step:
            snap = replace(self.last, done=self.done, stop_reason=self.stop_reason, steps_per_sec=0.0)
            self.last = snap
            return snap
        try:
            rng = np.random.default_rng([self.run_cfg.train.seed, 2, self.step])
            ev = self.task.evaluate(self.model, rng)
        except (ValueError, ArithmeticError) as e:       # e.g. hidden states overflow on long samples
            if self.stop_reason is None:
                self._stop(f"evaluating the model failed ({e}) at step {self.step}")
            if self.last is not None:
                self.model.set_params(self._good_params)    # the weights of the last good snapshot
                self.last = replace(self.last, done=True, stop_reason=self.stop_reason, steps_per_sec=0.0)
                return self.last
            raise
        iv = self._interval
        rec = Record(
            step=self.step, epoch=self.fractional_epoch,
            train_loss=iv.loss / iv.n if iv.n else (ev.val_loss if ev.val_loss is not None else np.nan),
            val_loss=ev.val_loss, grad_norm_before=iv.before / iv.n if iv.n else np.nan,
            grad_norm_after=iv.after / iv.n if iv.n else np.nan,
            clip_fraction=iv.clipped / iv.n if iv.n else 0.0,
            step_grad_norms=_frozen(iv.step_grad_norms()), wall_time=self.wall, lr=self.cfg.lr,
            clip_mode=self.cfg.clip_mode, clip=self.cfg.clip, bptt_truncate=self.cfg.bptt_truncate,
            event="; ".join(self._event) or None)
        self._event, self._interval = [], _Interval(self.task.max_len)
        self._add_history(rec)
        norms = {k: float(np.linalg.norm(g)) for k, g in self._last_grads.items()}
        snap = Snapshot(record=rec, metrics=dict(ev.metrics), param_grad_norms=norms,
                        probe_hidden=_frozen(self.model.forward(self.task.probe_x).hidden[0]),
                        predictions=dict(ev.predictions), spectral_radius=self._spectral_radius(),
                        steps_per_sec=steps_per_sec, done=self.done, stop_reason=self.stop_reason,
                        history=tuple(self.history))
        self.last = snap
        self._good_params = self.model.get_params()
        return snap

    def _add_history(self, rec: Record) -> None:
        self.history.append(rec)
        if len(self.history) > HISTORY_MAX:      # thin the older two thirds, keep every marker
            cut = 2 * len(self.history) // 3
            old = [r for i, r in enumerate(self.history[:cut]) if i % 2 == 0 or r.event]
            self.history = old + self.history[cut:]

    def _spectral_radius(self) -> float | None:
        if self.run_cfg.model.cell != "rnn":
            return None
        w = self.model.get_params()["W_hh"].astype(np.float64)
        with np.errstate(all="ignore"):
            return float(np.max(np.abs(np.linalg.eigvals(w)))) if np.all(np.isfinite(w)) else None
