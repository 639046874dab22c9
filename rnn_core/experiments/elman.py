"""Experiment ``elman`` (the Elman article): an Elman (context) network learns a sine wave point by point.

Data: s_i = sin(t_i) at 21 points t = linspace(2, 10, 21); the input sequence is s_0 … s_19 and the
target of each step is the next point, s_1 … s_20. There is one sequence: the context (hidden state)
runs along it from zero, and the article updates the weights after every single point, carrying the
context on to the next point but cutting the gradient there (our bptt_truncate = 1).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from ..config import ModelConfig, RunConfig, TrainConfig
from ..contract import Model
from ..i18n import N_
from .base import (
    MAX_FREE_STEPS,
    Batch,
    Evaluation,
    Experiment,
    FreeRun,
    Metric,
    Task,
    check_io,
    free_result,
    free_steps,
    rmse,
)

N_STEPS = 20            # the article's seq_length: 20 inputs, 20 targets
FREE_STEPS = 20         # points of a free run past the sequence (sin t goes on: any number would do)


@functools.lru_cache(maxsize=1)
def sine_points() -> tuple[np.ndarray, np.ndarray]:
    """t (21,) and sin(t) (21,) on [2, 10], the article's data."""
    t = np.linspace(2.0, 10.0, N_STEPS + 1)
    return t, np.sin(t)


class ElmanTask(Task):
    """One sequence, trained in consecutive chunks with the context carried between them.

    A chunk holds ``min(batch_size, 20)`` consecutive points (the task has a single sequence, so
    "batch" here means points per update): batch_size 1 is the article's point-by-point update, 20
    one update per pass over the whole sequence. Every step has a target (targets "all"); the first
    chunk of each epoch starts from a zero context, the others continue the previous chunk's.
    """

    targets = "all"
    carry_state = True

    def __init__(self) -> None:
        t, s = sine_points()
        self.t_in, self.t_out = t[:-1], t[1:]                         # (20,), (20,)
        self.x = s[:-1][None, :, None]                                # (1, 20, 1): s_0 … s_19
        self.y = s[1:][None, :, None]                                 # (1, 20, 1): s_1 … s_20

    @property
    def probe_x(self) -> np.ndarray:
        return self.x                                                 # (1, 20, 1)

    @property
    def probe_y(self) -> np.ndarray:
        return self.y                                                 # (1, 20, 1): s_1 … s_20

    def free_run(self, model: Model, n: int | None = None) -> FreeRun:
        """After the probe (s_0 … s_19 from a zero context), the next n points s_20 … s_{19+n} of sin t on
        the same grid (default 20; the truth past t = 10 is sin t itself): one step ahead, the context
        carried along the true points, and free, carried along the model's own predictions."""
        n = free_steps(n, FREE_STEPS, MAX_FREE_STEPS)
        t0, dt = self.t_in[0], (self.t_out[-1] - self.t_in[0]) / N_STEPS
        t_next = t0 + dt * (N_STEPS + np.arange(n))                    # (n,): times of s_20 … s_{19+n}
        truth = np.sin(t_next)
        x_true = np.concatenate([self.x[0, :, 0], truth[:-1]])         # s_0 … s_{18+n}, all true
        one = model.forward(x_true[None, :, None]).outputs[0, N_STEPS - 1:, 0].astype(np.float64)
        f = model.forward(self.x)
        free = np.full(n, np.nan)
        free[0] = f.outputs[0, -1, 0]
        for j in range(1, n):                                          # its own prediction as the input
            if not np.isfinite(free[j - 1]):
                break
            f = model.forward(np.full((1, 1, 1), free[j - 1]), h0=f.h_last)
            free[j] = f.outputs[0, -1, 0]
        return free_result(t_next, truth, one, free)

    def epoch_batches(self, rng: np.random.Generator, batch_size: int) -> list[Batch]:
        n = min(batch_size, N_STEPS)
        return [Batch(self.x[:, i:i + n], self.y[:, i:i + n], reset=(i == 0))
                for i in range(0, N_STEPS, n)]

    def evaluate(self, model: Model, rng: np.random.Generator) -> Evaluation:
        # the article's final pass: zero context, the 20 points in order, context carried throughout
        pred = model.forward(self.x).outputs[0, :, 0].astype(np.float64)   # (20,)
        true = self.y[0, :, 0]
        return Evaluation(val_loss=None, metrics={"rmse": rmse(pred, true)},
                          predictions={"t": self.t_out, "t_in": self.t_in, "x": self.x[0, :, 0],
                                       "y_true": true, "y_pred": pred})


class ElmanExperiment(Experiment):
    """Elman network on 21 points of a sine wave: predict each next point from the context.

    Presets: "article" = 6 context units, tanh, N(0, 0.4) init of the input and context weights and
    N(0, 0.3) of the output weights, plain SGD, one point per update (batch_size 1), context carried
    but the gradient cut after one step (bptt_truncate 1), no clipping, 300 epochs. The article's lr
    is 0.1 on the loss ½(ŷ − y)²; our loss (ŷ − y)² has twice its gradient, so lr 0.05 makes the
    same steps. (Our cell also has biases b_h, b_y, starting at zero; the article's has none.)
    "default" = 16 units, Adam, the whole sequence per update (batch_size 20), full BPTT.

    There is no held-out data, so ``val_loss`` is None. ``rmse`` is measured like the article's
    final prediction pass: zero context, the 20 inputs in order, context carried.

    predictions: ``t`` (20,) times of the targets, ``t_in`` (20,) times of the inputs, ``x`` (20,)
    the inputs, ``y_true`` (20,) the next points, ``y_pred`` (20,) the network's predictions (the
    article's scatter draws (t_in, x) as "actual" and (t, y_pred) as "predicted").
    """

    id = "elman"
    order = 1
    title = N_("Elman context network")
    icon = ":material/replay:"
    url_path = "elman"
    blurb = N_("A context network learns a sine wave point by point, carrying its state from one point to "
               "the next.")
    article = "Рекуррентные нейронные сети (a PyTorch tutorial of an Elman network on a sine wave)"
    metrics = (Metric("rmse", N_("RMSE of the next point")),)

    def preset(self, name: str = "default") -> RunConfig:
        self.check_preset(name)
        if name == "article":
            return RunConfig(
                ModelConfig(input_size=1, hidden_size=6, output_size=1, activation="tanh",
                            init="normal", init_std=0.4, init_std_out=0.3),
                TrainConfig(lr=0.05, optimizer="sgd", clip_mode="off", bptt_truncate=1,
                            batch_size=1, epochs=300))
        return RunConfig(
            ModelConfig(input_size=1, hidden_size=16, output_size=1, activation="tanh"),
            TrainConfig(lr=0.01, optimizer="adam", clip_mode="norm", clip=5.0, bptt_truncate=None,
                        batch_size=N_STEPS, epochs=300))

    def build_task(self, run: RunConfig, data: Any = None) -> Task:
        check_io(self.id, run.model, 1, 1)
        return ElmanTask()


EXPERIMENT = ElmanExperiment()
