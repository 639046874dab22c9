"""Experiment ``xsinx`` (the x·sin(x) article): fit y = x·sin(x) on [0, 6], then run it past x = 6.

Data (the article's): x = 0.01, 0.02, …, 6.00 (600 points), y = x·sin(x) + U(−0.01, 0.01) noise,
cut into 100 groups of 6 consecutive points. The network reads *x* groups (input 6) and outputs *y*
groups (output 6): window k holds the x groups k … k+4 (5 time steps) and its target is the y group
of its last step, k+4; the windows slide by one group, so there are 96 of them (targets for groups
4 … 99). The article never resets the hidden state: each window starts from the state the previous
window ended in, across epochs too. To extrapolate it continues that state past x = 6, feeding the
x groups 6.01–6.06, 6.07–6.12, …, 7.15–7.20 one time step each and reading the output of every step.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from ..config import ModelConfig, RunConfig, TrainConfig
from ..contract import Model
from ..i18n import N_
from .base import (
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

GROUP = 6               # points per group = input and output size
N_FIT = 100             # groups on [0.01, 6.00]
N_EXT = 20              # groups on [6.01, 7.20]
WINDOW = 5              # groups (time steps) per window
N_WIN = N_FIT - WINDOW + 1   # 96 windows


@functools.lru_cache(maxsize=8)
def make_data(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x groups (120, 6) on 0.01 … 7.20, the noisy y groups of the fit range (100, 6) and the clean
    y groups of the whole range (120, 6). The noise comes from ``seed`` (the run's seed)."""
    x = (np.arange(1, (N_FIT + N_EXT) * GROUP + 1) / 100.0).reshape(-1, GROUP)   # (120, 6)
    clean = x * np.sin(x)                                                       # (120, 6)
    noise = np.random.default_rng([seed, 4]).uniform(-0.01, 0.01, (N_FIT, GROUP))
    for a in (x, clean, noise):
        a.setflags(write=False)
    return x, clean[:N_FIT] + noise, clean


class XSinXTask(Task):
    """Many-to-one regression over sliding windows, the state carried from window to window.

    ``batch_size`` B cuts the 96 windows into B streams of ceil(96 / B) consecutive windows (the
    streams overlap a little when B does not divide 96); batch i holds window i of every
    stream, and each stream carries its state from one batch to the next and on into the next epoch
    (Batch.reset False throughout; the trainer starts from a zero state). B = 1 is the article's
    single stream.
    """

    targets = "last"
    carry_state = True

    def __init__(self, seed: int) -> None:
        self.xg, self.yg, self.clean = make_data(seed)                # (120, 6), (100, 6), (120, 6)
        idx = np.arange(N_WIN)[:, None] + np.arange(WINDOW)           # (96, 5): groups of window k
        self.x_win = self.xg[idx]                                     # (96, 5, 6)
        self.y_win = self.yg[WINDOW - 1:]                             # (96, 6): y group k+4
        self.eval_x = np.concatenate([self.x_win.reshape(-1, GROUP), self.xg[N_FIT:]])[None]  # (1, 500, 6)

    @property
    def probe_x(self) -> np.ndarray:
        return self.xg[None]                                          # (1, 120, 6): the whole x stream

    @property
    def probe_y(self) -> np.ndarray:
        return self.clean[-1:]                                        # (1, 6): y of x = 7.15 … 7.20, clean

    def free_run(self, model: Model, n: int | None = None) -> FreeRun:
        """The n groups past x = 6 (default and most: the 20 up to 7.2, against the clean curve) after
        the known pass, the 96 windows one after the other from a zero state (as ``evaluate`` runs them).
        The network reads x and outputs y: x is never its own output, so there is nothing of its own to
        feed back. The free run reads the same x groups as the one-step run and agrees with it exactly
        (both are the extrapolation of ``extrap_rmse_all``): what goes wrong past 6 is not errors fed
        back but a state that has never seen the curve there."""
        n = free_steps(n, N_EXT, N_EXT)
        out = model.forward(self.eval_x).outputs[0, N_WIN * WINDOW:N_WIN * WINDOW + n]   # (n, 6)
        return free_result(self.xg[N_FIT:N_FIT + n], self.clean[N_FIT:N_FIT + n], out, out)

    @property
    def max_len(self) -> int:
        return WINDOW

    def epoch_batches(self, rng: np.random.Generator, batch_size: int) -> list[Batch]:
        b = min(batch_size, N_WIN)
        length = math.ceil(N_WIN / b)                                  # windows per stream
        starts = np.linspace(0, N_WIN - length, b).round().astype(int)  # (b,) first window of each stream
        return [Batch(self.x_win[starts + i], self.y_win[starts + i], reset=False) for i in range(length)]

    @property
    def eval_sequences(self) -> float:
        return self.eval_x.shape[1] / self.max_len / 3      # one long sequence, forward only

    def evaluate(self, model: Model, rng: np.random.Generator) -> Evaluation:
        # the article's pass, as one sequence from a zero state: the 96 windows one after the other
        # (state carried), then 20 steps past x = 6; outputs read at each window's last step
        out = model.forward(self.eval_x).outputs[0].astype(np.float64)    # (500, 6)
        fit = out[WINDOW - 1:N_WIN * WINDOW:WINDOW]                       # (96, 6)
        ext = out[N_WIN * WINDOW:]                                        # (20, 6)
        true_ext = self.clean[N_FIT:]                                     # (20, 6), no noise
        return Evaluation(
            val_loss=rmse(ext, true_ext) ** 2,                            # MSE on the held-out range (6, 7.2]
            metrics={"fit_rmse": rmse(fit, self.y_win), "extrap_rmse_first": rmse(ext[0], true_ext[0]),
                     "extrap_rmse_all": rmse(ext, true_ext)},
            predictions={"x_fit": self.xg[WINDOW - 1:N_FIT].ravel(), "y_fit_true": self.y_win.ravel(),
                         "y_fit_pred": fit.ravel(), "x_ext": self.xg[N_FIT:].ravel(),
                         "y_ext_true": true_ext.ravel(), "y_ext_pred": ext.ravel(),
                         "x_data": self.xg[:N_FIT].ravel(), "y_data": self.yg.ravel()})


class XSinXExperiment(Experiment):
    """Fit y = x·sin(x) + noise on [0, 6] from groups of 6 x values, then extrapolate to x = 7.2.

    Presets: "article" = hidden 20, tanh, linear output of 6, N(0, 1) init (np.random.randn), plain
    SGD, one window per update (batch_size 1) with the state carried, full BPTT over the 5 steps, no
    clipping, 300 epochs. The article's lr 0.023 is on the summed loss Σ(ŷ − y)² over the 6 outputs;
    our loss is the mean, whose gradient is 6 times smaller, so lr 0.138 makes the same steps. (The
    article's hidden-layer gradient keeps only the first step's term of the window, a bug; ours is
    the exact gradient.) "default" = hidden 32, N(0, 0.1) init (small recurrent weights forget the
    carried state quickly), Adam, 16 streams, global-norm clipping at 1, 500 epochs.

    Metrics: ``fit_rmse`` over the 96 fitted groups (x = 0.25 … 6.00, against the noisy data),
    ``extrap_rmse_first`` over the first extrapolated group (x = 6.01 … 6.06) and ``extrap_rmse_all``
    over all of x = 6.01 … 7.20 (against the clean curve); ``val_loss`` is the MSE over that range.
    The article's extrapolation grid, linspace(6.01 + 0.06 i, 6.07 + 0.06 i, 6), steps by 0.012 and
    repeats every group's last point; we use the grid it describes, step 0.01, like the training data.

    predictions: ``x_fit``, ``y_fit_true``, ``y_fit_pred`` (576,) the fitted range; ``x_ext``,
    ``y_ext_true``, ``y_ext_pred`` (120,) the extrapolated range; ``x_data``, ``y_data`` (600,) all
    the noisy training data (groups 0–3 are inputs only, never targets). The probe sequence whose
    hidden states the app draws is the 120 x groups, 0.01 … 7.20, read once from a zero state.
    """

    id = "xsinx"
    order = 4
    title = N_("x·sin(x) fit")
    icon = ":material/show_chart:"
    url_path = "xsinx"
    blurb = N_("Fit y = x·sin(x) on [0, 6], then watch the network guess what comes after x = 6.")
    article = "基于Numpy构建RNN模块并进行实例应用(附代码)"
    metrics = (Metric("fit_rmse", N_("RMSE of the fit on [0, 6]")),
               Metric("extrap_rmse_first", N_("RMSE of the first group past x = 6")),
               Metric("extrap_rmse_all", N_("RMSE of the extrapolation to x = 7.2")))
    val_label = N_("extrapolation")

    def preset(self, name: str = "default") -> RunConfig:
        self.check_preset(name)
        if name == "article":
            return RunConfig(
                ModelConfig(input_size=GROUP, hidden_size=20, output_size=GROUP, activation="tanh",
                            init="normal", init_std=1.0, init_std_out=1.0, dtype="float64"),
                TrainConfig(lr=0.138, optimizer="sgd", clip_mode="off", bptt_truncate=None,
                            batch_size=1, epochs=300))
        return RunConfig(
            ModelConfig(input_size=GROUP, hidden_size=32, output_size=GROUP, activation="tanh",
                        init="normal", init_std=0.1),
            TrainConfig(lr=0.01, optimizer="adam", clip_mode="norm", clip=1.0, bptt_truncate=None,
                        batch_size=16, epochs=500))

    def build_task(self, run: RunConfig, data: Any = None) -> Task:
        check_io(self.id, run.model, GROUP, GROUP)
        return XSinXTask(run.train.seed)


EXPERIMENT = XSinXExperiment()
