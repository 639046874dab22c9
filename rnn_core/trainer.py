"""The trainer: advances a run by a number of steps or a time budget and returns immutable snapshots.

It knows nothing of any experiment or of the UI: a ``Task`` hands it batches and evaluations, the
caller decides what to draw from the ``Snapshot`` it gets back. What is kept between snapshots (the
history, the last good weights, when the spectrum is due) is the ``Recorder``'s (rnn_core.recorder).
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import numpy as np

from .config import RunConfig, TrainConfig
from .contract import Model
from .experiments.base import Task, TaskView
from .model import build_model
from .optim import clip_grads, global_norm, make_optimizer
from .recorder import Progress, Recorder
from .schema import LIVE_KNOBS
from .snapshot import Change, Record, Snapshot, Stop
from .threads import single_thread

STEP_COST_WEIGHT = 0.5    # weight of the latest run() call in the mean cost of an update


class Trainer:
    """A training run of one model on one task, advanced in small pieces.

    A run trains for a block of ``cfg.epochs`` epochs; ``extend()`` adds another block (and resumes a
    run that stopped, from its last good weights with a fresh optimizer)."""

    def __init__(self, task: Task, run: RunConfig, model: Model | None = None) -> None:
        self.task, self.run_cfg = task, run
        self.cfg: TrainConfig = run.train
        self.model = model if model is not None else build_model(run.model, run.train.seed)
        self.opt = make_optimizer(self.cfg.optimizer, self.cfg.lr, self.cfg.momentum)
        self._rng = np.random.default_rng([run.train.seed, 1])      # shuffling
        self.step = 0
        self.epoch = 0
        self.end_epoch = self.cfg.epochs           # the current block of training ends here
        self._queue: list[Any] = []
        self._batches_per_epoch = 0
        self._epoch_len = 0
        self._h: np.ndarray | None = None
        self.recorder = Recorder(task)             # history, snapshots, the last good weights
        self.wall = 0.0
        self.stop: Stop | None = None
        self._step_seconds: float | None = None

    # ------------------------------------------------------------------ state
    @property
    def done(self) -> bool:
        return self.stop is not None or self.epoch >= self.end_epoch

    @property
    def history(self) -> list[Record]:
        """The run's records so far, thinned (rnn_core.recorder.HISTORY_MAX)."""
        return self.recorder.history

    @property
    def last(self) -> Snapshot | None:
        """The latest snapshot (None before the first)."""
        return self.recorder.last

    @property
    def step_seconds(self) -> float | None:
        """Training seconds an update takes: a running mean over ``run()`` calls, None before any step
        (what a lockstep round divides its budget by)."""
        return self._step_seconds

    @property
    def view(self) -> TaskView:
        """What a page may know of the task (read-only)."""
        return self.task.view()

    @property
    def batches_per_epoch(self) -> int:
        if not self._batches_per_epoch:
            self._batches_per_epoch = self.task.count_batches(self.cfg.batch_size)
        return self._batches_per_epoch

    @property
    def total_steps(self) -> int:
        """Steps the run takes to the end of its block: those made, the rest of this epoch, the remaining
        epochs (their batch size may have changed mid-run)."""
        if self.epoch >= self.end_epoch:
            return self.step
        rest = max(0, self.end_epoch - self.epoch - (1 if self._queue else 0))
        return self.step + len(self._queue) + rest * self.batches_per_epoch

    @property
    def fractional_epoch(self) -> float:
        n = self._epoch_len                      # batches of the epoch under way
        return self.epoch + ((n - len(self._queue)) / n if n and self._queue else 0.0)

    # ------------------------------------------------------------------ live changes
    def apply(self, train: TrainConfig) -> list[Change]:
        """Apply the settings that can change mid-run (schema.LIVE_KNOBS); returns what changed."""
        changes = [Change(k, getattr(self.cfg, k), getattr(train, k)) for k in LIVE_KNOBS
                   if getattr(self.cfg, k) != getattr(train, k)]
        if train.optimizer != self.cfg.optimizer:
            self.opt = make_optimizer(train.optimizer, train.lr, train.momentum)
        self.opt.lr = train.lr
        if hasattr(self.opt, "momentum"):
            self.opt.momentum = train.momentum
        if train.batch_size != self.cfg.batch_size:
            self._batches_per_epoch = 0          # the new size takes effect at the next epoch
        self.end_epoch = max(1, self.end_epoch + train.epochs - self.cfg.epochs)   # the block's new end
        self.cfg = train
        self.run_cfg = replace(self.run_cfg, train=train)
        self.recorder.changes += [c for c in changes if c.name != "epochs"]
        return changes

    def extend(self) -> int | None:
        """Another block of ``cfg.epochs`` epochs after a finished run. A run that stopped resumes with
        the weights of its last snapshot taken before the stop (the weights of the last step before a
        divergence are usually already beyond saving) and a fresh optimizer (its moments may hold the
        blow-up); returns that snapshot's step, None if nothing was restored."""
        restored = None
        if self.stop is not None:
            self.stop = None
            self.opt = make_optimizer(self.cfg.optimizer, self.cfg.lr, self.cfg.momentum)
            self._h = None
            if self.recorder.resume is not None:
                restored, params = self.recorder.resume
                self.model.set_params(dict(params))
        if self.epoch >= self.end_epoch:
            self.end_epoch = self.epoch + self.cfg.epochs
        return restored

    # ------------------------------------------------------------------ training
    def _next_batch(self) -> Any:
        if not self._queue:
            batches = self.task.epoch_batches(self._rng, self.cfg.batch_size)
            self._batches_per_epoch = self._epoch_len = len(batches)
            self._queue = batches[::-1]
        return self._queue.pop()

    def train_step(self) -> bool:
        """One optimizer update; False if the run is done or has just stopped (the batch that failed
        goes back to the queue, so the step count and the total stay consistent)."""
        if self.done:
            return False
        b = self._next_batch()
        h0 = self._h if (not b.reset and self._h is not None and len(self._h) == len(b.x)) else None
        res = self.model.loss_and_grads(b.x, b.y, h0=h0, bptt_truncate=self.cfg.bptt_truncate,
                                        targets=self.task.targets)
        grads, cr = clip_grads(res.grads, self.cfg.clip_mode, self.cfg.clip)
        if not (np.isfinite(res.loss) and np.isfinite(cr.norm_before)):   # NaN/inf anywhere in g
            self._queue.append(b)
            return self._stop(Stop("diverged", self.step + 1, float(res.loss)))
        if not self._update(grads):
            self._queue.append(b)
            return self._stop(Stop("overflow", self.step + 1))
        self._h = res.h_last if self.task.carry_state else None
        self.step += 1
        if not self._queue:
            self.epoch += 1
        self.recorder.count(res, cr)
        return True

    def _update(self, grads: dict[str, np.ndarray]) -> bool:
        """One optimizer step on the live weights; False (weights unchanged) if it would make them
        non-finite."""
        live = self.model.param_views()
        backup = {k: v.copy() for k, v in live.items()}
        self.opt.step(live, grads)
        if np.isfinite(global_norm(live)):
            return True
        for k, v in backup.items():
            live[k][...] = v
        return False

    def halt(self, stop: Stop) -> None:
        """Stop the run for a reason found outside the training step; the last snapshot says so (no new
        evaluation: the model may be what failed)."""
        self.stop = stop
        if self.recorder.last is not None:
            self.recorder.refreshed(self._progress())

    def _stop(self, stop: Stop) -> bool:
        self.stop = stop
        return False

    def run(self, steps: int | None = None, seconds: float | None = None) -> Snapshot:
        """Train for ``steps`` updates or ``seconds`` of wall time (whichever ends first; neither:
        to the end of the block), then evaluate and return a snapshot."""
        with single_thread():
            t0, n = time.perf_counter(), 0
            while not self.done and (steps is None or n < steps):
                if seconds is not None and n > 0 and time.perf_counter() - t0 >= seconds:
                    break
                if self.train_step():
                    n += 1
            elapsed = time.perf_counter() - t0
            self.wall += elapsed
            if n:
                self._count_cost(elapsed / n)
            return self.snapshot(steps_per_sec=n / elapsed if elapsed > 0 and n else 0.0)

    def _count_cost(self, seconds: float) -> None:
        """Into the mean cost of an update: it follows a live change (batch size, truncation) within a
        few calls, and one call slowed by a busy machine does not throw it off."""
        old = self._step_seconds
        self._step_seconds = seconds if old is None else old + STEP_COST_WEIGHT * (seconds - old)

    def load_params(self, params: dict[str, np.ndarray]) -> bool:
        """Put ``params`` into the model and evaluate them; if that fails, or the loss or the hidden
        states are not finite, the old weights and snapshot stay and False is returned."""
        old, mark = self.model.get_params(), self.recorder.mark()
        self.model.set_params(params)
        try:
            with single_thread():
                snap = self.recorder.evaluated(self.model, self._progress(), 0.0, new_weights=True)
            ok = bool(np.all(np.isfinite(snap.probe_hidden))) and (
                snap.val_loss is None or bool(np.isfinite(snap.val_loss)))
        except (ValueError, ArithmeticError):
            ok = False
        if not ok:
            self.model.set_params(old)
            self.recorder.rollback(mark)
        return ok

    def final_metrics(self) -> dict[str, Any]:
        """What a finished run reports (CLI, sweep): metrics on all the held-out data, or the last
        snapshot's if the run stopped."""
        snap = self.last if self.last is not None else self.snapshot()
        if snap.stop is not None:
            return dict(snap.metrics)
        with single_thread():
            rng = np.random.default_rng([self.run_cfg.train.seed, 2, snap.step])
            return dict(self.task.evaluate_full(self.model, rng).metrics)

    # ------------------------------------------------------------------ snapshots
    def snapshot(self, steps_per_sec: float = 0.0) -> Snapshot:
        """Evaluate the model now and record a point of history (interval means since the last one)."""
        if self.recorder.current(self.step):
            return self.recorder.refreshed(self._progress())
        try:
            return self.recorder.evaluated(self.model, self._progress(), steps_per_sec)
        except (ValueError, ArithmeticError) as e:       # e.g. hidden states overflow on long samples
            if self.stop is None:
                self.stop = Stop("evaluation", self.step, detail=str(e))
            if self.recorder.last is not None:
                self.model.set_params(self.recorder.good_params)   # the last good snapshot's weights
                return self.recorder.refreshed(self._progress())
            raise

    def _progress(self) -> Progress:
        return Progress(step=self.step, epoch=self.fractional_epoch, wall=self.wall, done=self.done,
                        stop=self.stop, total_steps=self.total_steps, end_epoch=self.end_epoch,
                        config=self.run_cfg)
