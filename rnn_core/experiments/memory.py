"""Experiment ``memory``: remember a symbol across a lag — why plain RNNs forget.

A sequence has T = lag + 1 steps and 2K input channels (K = 4 by default):
    step 0:         one of K symbols, one-hot on channels 0 … K-1 (the class to remember)
    steps 1 … lag:  distractors, each one of K *other* symbols drawn uniformly at random, one-hot on
                    channels K … 2K-1 (independent of the target, so they carry no information)
    last step:      the model outputs the first symbol (classification, many-to-one, targets="last").
Chance is 1/K. Training sequences are drawn fresh every epoch from the trainer's rng (an endless supply);
the held-out batch is fixed (seeded by ``VAL_SEED``, not by the run's seed).

Where the settings come from:
  * ``lag`` (1 … 200) is this task's own setting, declared here (``LAG``, ``task_knobs``) and read as
    ``run.task.lag`` (the presets set it, see ``PRESET_LAGS``).
  * γ (``w_hh_scale``, 0.5 … 1.5): W_hh starts as γ × orthogonal (each gate block for lstm/gru);
    ``build_model`` applies ``run.model.w_hh_scale`` (rnn_core/init.py).

Metrics: ``accuracy`` (held-out batch: its first 128 sequences after every tick, all 1024 in
``evaluate_full``), ``chance`` (1/K), ``grad_reach`` = log10(‖∂L/∂h_0‖ / ‖∂L/∂h_{T-1}‖)
(full BPTT on the held-out batch, whatever the run's truncation; -inf if the gradient underflows to 0).
Predictions: ``grad_curve`` (T,) ‖∂L/∂h_{T-1-k}‖ for k = 0 … T-1 (gradient against lag), ``lag``, ``k``,
``per_class_accuracy`` (K,), ``confusion`` (K, K) counts (row = true symbol, column = predicted).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dynamics
from ..config import ModelConfig, RunConfig, TrainConfig, check_int
from ..contract import Model
from ..i18n import N_
from ..schema import REBUILD, Knob
from .base import IMPLIES as COMMON_IMPLIES
from .base import Batch, Evaluation, Experiment, Metric, Task, check_io

K = 4                   # symbols to remember (classes)
LAG = Knob("lag", N_("Lag"), "int", "task", REBUILD, lo=1, hi=200, step=1, section="task",
           suggest=(5, 10, 20, 50, 100, 200),
           help=N_("Steps between the symbol to remember and the moment it is asked for."))
LAG_MIN, LAG_MAX = int(LAG.lo), int(LAG.hi)
PRESET_LAGS = {"default": 50, "short": 5}
DEFAULT_LAG = PRESET_LAGS["default"]
EPOCH_SIZE = 512        # fresh training sequences per epoch (8 batches of 64)
VAL_SIZE = 1024         # held-out sequences: ``evaluate_full`` (the CLI's and the sweep's final numbers)
EVAL_SIZE = 128         # the first of them: ``evaluate`` after every tick (one loss_and_grads call)
VAL_SEED = 20_240_517   # the held-out batch is the same for every run
IMPLIES: dict[tuple[str, Any], dict[str, Any]] = {   # what goes with a cell here (wherever it is chosen):
    **COMMON_IMPLIES,                                  # lstm / gru need the torch backend, and the GRU
    ("cell", "rnn"): {"backend": "numpy", "lr": 0.005},   # learns this task at lr 0.02 but not 0.005 or
    ("cell", "lstm"): {"backend": "torch", "lr": 0.005},  # 0.01, where the LSTM and the RNN learn at
    ("cell", "gru"): {"backend": "torch", "lr": 0.02},    # 0.005 (bench/memory.py)
}


def make_sequences(rng: np.random.Generator, n: int, lag: int,
                   k: int = K) -> tuple[np.ndarray, np.ndarray]:
    """n sequences of the task: x (n, lag + 1, 2k) float32 one-hot, y (n,) int64 the first symbol."""
    check_int("n", n, 1)
    check_int("lag", lag, LAG_MIN, LAG_MAX)
    check_int("k", k, 2, 64)
    y = rng.integers(0, k, n)                                        # (n,): the symbol to remember
    distract = k + rng.integers(0, k, (n, lag))                      # (n, lag): ids of the other symbols
    ids = np.concatenate([y[:, None], distract], axis=1)             # (n, T)
    return np.eye(2 * k, dtype=np.float32)[ids], y.astype(np.int64)


class MemoryTask(Task):
    """Many-to-one classification: the symbol at step 0, asked for after ``lag`` distractors."""

    targets = "last"
    carry_state = False

    def __init__(self, lag: int = DEFAULT_LAG, k: int = K) -> None:
        check_int("lag", lag, LAG_MIN, LAG_MAX)
        check_int("k", k, 2, 64)
        self.lag, self.k = int(lag), int(k)
        self.x_val, self.y_val = make_sequences(np.random.default_rng(VAL_SEED), VAL_SIZE, lag, k)

    @property
    def chance(self) -> float:
        return 1.0 / self.k

    @property
    def probe_x(self) -> np.ndarray:
        return self.x_val[:1]                                        # (1, T, 2k)

    @property
    def probe_y(self) -> np.ndarray:
        return self.y_val[:1]                                        # (1,): the symbol at step 0

    @property
    def eval_sequences(self) -> float:
        return float(EVAL_SIZE)                          # forward and backward (the gradient's reach)

    def count_batches(self, batch_size: int) -> int:
        return max(1, EPOCH_SIZE // batch_size)

    def epoch_batches(self, rng: np.random.Generator, batch_size: int) -> list[Batch]:
        return [Batch(*make_sequences(rng, batch_size, self.lag, self.k))
                for _ in range(self.count_batches(batch_size))]

    def evaluate(self, model: Model, rng: np.random.Generator) -> Evaluation:
        """The first EVAL_SIZE held-out sequences (cheap enough for every tick)."""
        return self._evaluate(model, EVAL_SIZE)

    def evaluate_full(self, model: Model, rng: np.random.Generator) -> Evaluation:
        """All VAL_SIZE held-out sequences."""
        return self._evaluate(model, VAL_SIZE)

    def _evaluate(self, model: Model, n: int) -> Evaluation:
        x, y = self.x_val[:n], self.y_val[:n]
        res = model.loss_and_grads(x, y, targets="last")                 # full BPTT, whatever the run's
        logits = np.asarray(res.outputs, dtype=np.float64)              # (n, k)
        finite = np.all(np.isfinite(logits), axis=1)                     # (n,)
        pred = np.where(finite, np.nan_to_num(logits).argmax(axis=1), -1)   # -1: no prediction
        curve = dynamics.lag_curve(res.step_grad_norms)                # (T,): k = 0 … T-1
        confusion = np.zeros((self.k, self.k), dtype=np.int64)
        np.add.at(confusion, (y[finite], pred[finite]), 1)
        per_class = np.diag(confusion) / np.maximum(np.bincount(y, minlength=self.k), 1)
        metrics = {"accuracy": float(np.mean(pred == y)), "chance": self.chance,
                   "grad_reach": dynamics.grad_reach(curve)}
        return Evaluation(val_loss=float(res.loss), metrics=metrics,
                          predictions={"grad_curve": curve, "lag": self.lag, "k": self.k,
                                       "per_class_accuracy": per_class, "confusion": confusion})


class MemoryExperiment(Experiment):
    """Remember the first of lag + 1 symbols; see the module docstring."""

    id = "memory"
    order = 6
    title = N_("Memory and gradients")
    icon = ":material/memory:"
    url_path = "memory"
    blurb = N_("Remember a symbol across a lag: watch the plain RNN's gradient vanish step by step while "
               "LSTM and GRU keep it.")
    presets = ("default", "short")
    preset_help = N_("default: lag 50, where the plain RNN fails and LSTM / GRU learn. "
                     "short: lag 5, where the plain RNN learns too.")
    metrics = (Metric("accuracy", N_("accuracy"), better="higher"),
               Metric("chance", N_("chance (1/K)"), better=""),
               Metric("grad_reach", N_("gradient reach (log10)"), better=""))   # ‖∂L/∂h_first‖ / ‖∂L/∂h_last‖
    val_label = N_("held-out")
    task_knobs = (LAG,)
    chance = 1.0 / K
    implies = IMPLIES

    def preset_lag(self, name: str = "default") -> int:
        """The lag that goes with a preset (its ``run.task.lag``)."""
        self.check_preset(name)
        return PRESET_LAGS[name]

    def preset(self, name: str = "default") -> RunConfig:
        """Both presets: 64 tanh units on the numpy backend, Adam 0.005, norm clip 1, batches of 64;
        "default" trains 160 epochs of 8 batches at lag 50, "short" 40 epochs at lag 5."""
        self.check_preset(name)
        return RunConfig(
            ModelConfig(input_size=2 * K, hidden_size=64, output_size=K, cell="rnn", activation="tanh",
                        head="classification", backend="numpy"),
            TrainConfig(lr=0.005, optimizer="adam", clip_mode="norm", clip=1.0, batch_size=64,
                        epochs=160 if name == "default" else 40),
            self.task_config(lag=PRESET_LAGS[name]))

    def build_task(self, run: RunConfig, data: Any = None) -> MemoryTask:
        check_io(self.id, run.model, 2 * K, K, "classification")
        if data is not None:
            raise ValueError("data: the memory experiment has no user data, expected None")
        return MemoryTask(run.task.lag, K)


EXPERIMENT = MEMORY = MemoryExperiment()
