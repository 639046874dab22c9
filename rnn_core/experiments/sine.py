"""Experiment ``sine`` (the sine article): predict the next value of a series from the 50 values before it.

The article samples sin(t) at t = 0, 1, …, 199 (one radian apart) and cuts it into windows of 50
values whose target is the 51st: windows 0–99 train, windows 100–149 validate. A user's own 1-D
series gets the same cut (see ``make_windows``). Because sin(t+1) = 2·cos(1)·sin(t) − sin(t−1), the
next value is a linear function of the last two: a small network can learn it almost exactly.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..config import ModelConfig, RunConfig, TrainConfig
from ..contract import Model
from ..i18n import N_, ngettext
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

N_POINTS = 200          # the article's series: sin(0), sin(1), …, sin(199)
SEQ_LEN = 50            # the article's window length
MIN_POINTS = 20         # shortest user series
MAX_EVAL = 1000         # evaluate on at most this many validation windows (keeps a tick cheap)
MAX_TRAIN = 10_000      # train on at most this many windows (bounds an epoch of a long user series)
FREE_STEPS = 50         # values of a free run past the probe (the article's 50 validation targets)


@dataclass(frozen=True)
class SeriesWindows:
    """A series cut into windows of ``seq_len`` inputs and the value that follows each one.

    Windows and targets are normalised, z = (s − center) / scale, so that the series lies in about
    [-1, 1] whatever its units; metrics are reported back in the series' own units.
    """

    series: np.ndarray      # (n,): the series in its own units
    seq_len: int            # inputs per window
    n_train: int            # windows 0 … n_train-1 train, the rest validate
    center: float           # normalisation z = (s - center) / scale
    scale: float
    x_train: np.ndarray     # (n_train, seq_len, 1), normalised
    y_train: np.ndarray     # (n_train, 1), normalised
    x_val: np.ndarray       # (n_val, seq_len, 1), normalised
    y_val: np.ndarray       # (n_val, 1), normalised
    t_val: np.ndarray       # (n_val,): index in the series of each validation target


def make_windows(series: np.ndarray) -> SeriesWindows:
    """Cut a series (n ≥ 20 values) the article's way: windows of L = min(50, n // 3) values, the
    first 2/3 of the n − L windows to train, the last 1/3 to validate (n = 200: 100 / 50)."""
    s = np.asarray(series, dtype=np.float64).ravel()                  # (n,)
    if s.size < MIN_POINTS or not np.all(np.isfinite(s)):
        raise ValueError(ngettext("data: got {n} value, expected at least {least} finite numbers",
                                  "data: got {n} values, expected at least {least} finite numbers",
                                  s.size).format(n=s.size, least=MIN_POINTS))
    n = s.size
    seq_len = min(SEQ_LEN, n // 3)
    n_win = n - seq_len
    n_train = int(round(n_win * 2 / 3))
    seen = s[: n_train + seq_len]                                     # values the training windows touch
    lo, hi = float(seen.min()), float(seen.max())
    center, scale = (hi + lo) / 2, (hi - lo) / 2 if hi > lo else 1.0
    z = (s - center) / scale                                          # (n,), about [-1, 1]
    win = np.lib.stride_tricks.sliding_window_view(z[:-1], seq_len)   # (n_win, seq_len): z[i : i+L]
    tgt = z[seq_len:]                                                 # (n_win,): z[i+L]
    x, y = win[..., None], tgt[:, None]                               # views: no copy of n_win windows
    return SeriesWindows(series=s, seq_len=seq_len, n_train=n_train, center=center, scale=scale,
                         x_train=x[:n_train], y_train=y[:n_train], x_val=x[n_train:], y_val=y[n_train:],
                         t_val=np.arange(n_train, n_win) + seq_len)


@functools.lru_cache(maxsize=1)
def article_windows() -> SeriesWindows:
    """The article's data: sin(t), t = 0 … 199."""
    return make_windows(np.sin(np.arange(N_POINTS, dtype=np.float64)))


def _spread(n: int, most: int) -> np.ndarray:
    """0 … n-1, or ``most`` indices spread evenly over that range if n is larger."""
    return np.arange(n) if n <= most else np.linspace(0, n - 1, most).round().astype(int)


class SineTask(Task):
    """Many-to-one regression: a window of values → the next value; windows shuffled each epoch."""

    targets = "last"
    carry_state = False

    def __init__(self, data: SeriesWindows) -> None:
        self.data = data
        self._train_idx = _spread(data.n_train, MAX_TRAIN)           # (≤ 10 000,) windows trained on
        self._eval_idx = _spread(len(data.y_val), MAX_EVAL)           # (≤ 1000,) windows evaluated

    @property
    def probe_x(self) -> np.ndarray:
        return self.data.x_val[:1]                                    # (1, seq_len, 1): first val window

    @property
    def probe_y(self) -> np.ndarray:
        return self.data.y_val[:1]                                    # (1, 1): the value after it

    def free_run(self, model: Model, n: int | None = None) -> FreeRun:
        """The n values after the probe (default 50, at most the validation targets; for sin t the
        targets 150 … 199): one step ahead, each from its true window (the validation windows 0 … n-1),
        and free, the window sliding on with the model's own predictions in place of the true values."""
        d = self.data
        n = free_steps(n, FREE_STEPS, len(d.y_val))
        one = model.forward(d.x_val[:n]).outputs[:, -1, 0].astype(np.float64)       # (n,)
        window = d.x_val[0, :, 0].astype(np.float64)                                # (seq_len,): the probe
        free = np.full(n, np.nan)
        for j in range(n):
            free[j] = model.forward(window[None, :, None]).outputs[0, -1, 0]
            if not np.isfinite(free[j]):                                            # blown up: no more
                break
            window = np.append(window[1:], free[j])                                 # own prediction in
        truth = d.y_val[:n, 0]
        return free_result(d.t_val[:n], *(z * d.scale + d.center for z in (truth, one, free)))   # own units

    def epoch_batches(self, rng: np.random.Generator, batch_size: int) -> list[Batch]:
        d = self.data
        order = rng.permutation(self._train_idx)
        return [Batch(d.x_train[idx], d.y_train[idx]) for idx in np.array_split(
            order, range(batch_size, len(order), batch_size))]

    @property
    def eval_sequences(self) -> float:
        return len(self._eval_idx) / 3                   # forward only

    def evaluate(self, model: Model, rng: np.random.Generator) -> Evaluation:
        d, idx = self.data, self._eval_idx
        z_pred = model.forward(d.x_val[idx]).outputs[:, -1, 0].astype(np.float64)   # (n_eval,)
        z_true = d.y_val[idx, 0]
        y_pred, y_true = z_pred * d.scale + d.center, z_true * d.scale + d.center   # own units
        val_loss = rmse(z_pred, z_true) ** 2                          # the training loss: MSE, normalised
        return Evaluation(val_loss=val_loss, metrics={"val_rmse": rmse(y_pred, y_true)},
                          predictions={"t": d.t_val[idx], "y_true": y_true, "y_pred": y_pred,
                                       "series": d.series, "seq_len": d.seq_len})


class SineExperiment(Experiment):
    """Next value of a sine wave (or of the user's series) from the 50 values before it.

    Presets: "article" = hidden 100, sigmoid, U(0, 1) init, SGD, one window per update, BPTT
    truncated to 5 steps, element-wise clip ±10, 25 epochs. The article's lr is 1e-4 on the loss
    ½(ŷ − y)²; our loss is (ŷ − y)², whose gradient is twice as large, so lr 5e-5 makes the same steps.
    "default" = hidden 32, tanh, Adam, batches of 10 windows, full BPTT.

    ``make_task(run, data)``: ``data`` is an optional 1-D float series (≥ 20 values) cut the same way
    (windows of min(50, n // 3), 2/3 train, 1/3 validate) and normalised to about [-1, 1] for training;
    ``val_rmse`` is in the series' own units (for sin(t) the two coincide up to 1e-5).

    predictions: ``t`` (n_val,) index of each validation target in the series, ``y_true`` and
    ``y_pred`` (n_val,) the target and the prediction in the series' units, ``series`` (n,) the whole
    series (to draw the context), ``seq_len`` the window length. A long series is thinned: at most
    10 000 evenly spaced windows train and 1000 evenly spaced validation windows are evaluated.
    """

    id = "sine"
    order = 0
    title = N_("Sine wave")
    icon = ":material/airwave:"
    url_path = "sine_wave"
    blurb = N_("Predict the next value of a sine wave from the 50 before it; watch BPTT truncation decide "
               "what the gradient can reach.")
    article = "RNN|代码详解:用Python构建RNN模拟人脑(二)"
    metrics = (Metric("val_rmse", N_("validation RMSE")),)
    upload = "series"

    def preset(self, name: str = "default") -> RunConfig:
        self.check_preset(name)
        if name == "article":
            return RunConfig(
                ModelConfig(input_size=1, hidden_size=100, output_size=1, activation="sigmoid",
                            init="uniform01", dtype="float64"),
                TrainConfig(lr=5e-5, optimizer="sgd", clip_mode="value", clip=10.0, bptt_truncate=5,
                            batch_size=1, epochs=25))
        return RunConfig(
            ModelConfig(input_size=1, hidden_size=32, output_size=1, activation="tanh"),
            TrainConfig(lr=0.003, optimizer="adam", clip_mode="norm", clip=5.0, bptt_truncate=None,
                        batch_size=10, epochs=40))

    def build_task(self, run: RunConfig, data: Any = None) -> Task:
        check_io(self.id, run.model, 1, 1)
        return SineTask(article_windows() if data is None else make_windows(data))


EXPERIMENT = SineExperiment()
