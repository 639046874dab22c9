"""What an experiment is: a task (data, batches, evaluation) plus two presets of settings.

The trainer knows nothing of any experiment; it asks a ``Task`` for one epoch of ``Batch``es and
for an ``Evaluation`` of the model, and an ``Experiment`` builds that task from a ``RunConfig``.
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..config import ModelConfig, TrainConfig
from ..model import Model

PRESETS = ("default", "article")


@dataclass(frozen=True)
class Batch:
    """One update's worth of data."""

    x: np.ndarray                 # (batch, time, input)
    y: np.ndarray                 # targets, shaped as the model contract asks for the task's `targets`
    reset: bool = True            # True: start from h0 = 0; False: carry the state the last batch left


@dataclass(frozen=True)
class Evaluation:
    """How the model does right now, on data it is not trained on where the task has such data."""

    val_loss: float | None                          # same loss as training, on held-out data
    metrics: dict[str, Any]                         # the experiment's named metrics (DESIGN §2)
    predictions: dict[str, Any] = field(default_factory=dict)  # task-specific arrays for the plots


class Task(ABC):
    """A dataset and how to train and judge a model on it."""

    targets: str = "last"         # "last" (many-to-one) | "all" (many-to-many)
    carry_state: bool = False     # batches may continue the previous batch's hidden state

    @property
    @abstractmethod
    def probe_x(self) -> np.ndarray:
        """A fixed (1, time, input) sequence whose hidden states the app draws."""

    @property
    def max_len(self) -> int:
        """Longest sequence a batch can have (width of the gradient heatmap)."""
        return int(self.probe_x.shape[1])

    @abstractmethod
    def epoch_batches(self, rng: np.random.Generator, batch_size: int) -> list[Batch]:
        """The batches of one pass over the training data, in the order to train on them."""

    @abstractmethod
    def evaluate(self, model: Model, rng: np.random.Generator) -> Evaluation:
        """Validation loss, metrics and predictions (rng only for sampling); cheap, runs every tick."""

    def evaluate_full(self, model: Model, rng: np.random.Generator) -> Evaluation:
        """The honest final evaluation (all data); tasks that subsample in ``evaluate`` override it."""
        return self.evaluate(model, rng)


@dataclass(frozen=True)
class RunConfig:
    """Everything a run needs: the model's shape and the training settings."""

    model: ModelConfig
    train: TrainConfig

    def replace(self, **changes: Any) -> RunConfig:
        """A copy with some knobs changed, by their config names (e.g. hidden_size=37, lr=0.1)."""
        mfields = {f.name for f in dataclasses.fields(ModelConfig)}
        tfields = {f.name for f in dataclasses.fields(TrainConfig)}
        unknown = sorted(set(changes) - mfields - tfields)
        if unknown:
            raise ValueError(f"settings: got unknown names {unknown}, expected names from "
                             f"{sorted(mfields | tfields)}")
        m = {k: v for k, v in changes.items() if k in mfields}
        t = {k: v for k, v in changes.items() if k in tfields}
        return RunConfig(dataclasses.replace(self.model, **m), dataclasses.replace(self.train, **t))

    def as_dict(self) -> dict[str, Any]:
        """Flat dict of every knob by config name."""
        return {**dataclasses.asdict(self.model), **dataclasses.asdict(self.train)}


class Experiment(ABC):
    """One of the app's experiments (an article of ../shared/seeds)."""

    id: str = ""                  # e.g. "sine"
    title: str = ""               # e.g. "Sine wave"
    metric_names: tuple[str, ...] = ()
    fixed: tuple[str, ...] = ("input_size", "output_size", "head")  # knobs the task decides

    @abstractmethod
    def preset(self, name: str = "default") -> RunConfig:
        """The "default" (tuned to learn fast) or "article" (the article's own) settings."""

    @abstractmethod
    def make_task(self, run: RunConfig, data: Any = None) -> Task:
        """The task for these settings; ``data`` is the user's own data where the page accepts it."""

    def check_preset(self, name: str) -> None:
        if name not in PRESETS:
            raise ValueError(f"preset: got {name!r}, expected one of {PRESETS}")


def check_io(exp_id: str, model: ModelConfig, n_in: int, n_out: int, head: str = "regression") -> None:
    """The task decides input_size, output_size and head: refuse a run that disagrees."""
    want = {"input_size": n_in, "output_size": n_out, "head": head}
    for k, v in want.items():
        if getattr(model, k) != v:
            raise ValueError(f"{k}: got {getattr(model, k)!r}, expected {v!r} for the {exp_id} task")


def rmse(a: np.ndarray, b: np.ndarray) -> float:
    """Root of the mean squared difference (NaN-safe: inf if the model blew up)."""
    with np.errstate(over="ignore", invalid="ignore"):
        v = float(np.sqrt(np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2)))
    return v if np.isfinite(v) else float("inf")
