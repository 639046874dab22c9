"""Typed, frozen configuration objects: the model, the training, the task settings, and a run (all three).

Each field carries a trailing comment; ``__post_init__`` validates so that a bad value fails early with a
``ValueError`` that names the argument, what was given and what was expected. The ranges of the knobs a
person can set come from ``rnn_core.schema``, so the configs, the CLI and the app agree.
"""

from __future__ import annotations

import dataclasses
import numbers
from dataclasses import dataclass, field
from typing import Any

from . import schema
from .i18n import _

CELLS = schema.KNOB["cell"].choices
ACTIVATIONS = schema.KNOB["activation"].choices
BACKENDS = schema.KNOB["backend"].choices
DTYPES = schema.KNOB["dtype"].choices
INITS = schema.KNOB["init"].choices
OPTIMIZERS = schema.KNOB["optimizer"].choices
CLIP_MODES = schema.KNOB["clip_mode"].choices
HEADS = schema.KNOB["head"].choices
TARGETS = ("last", "all")


def check_choice(name: str, value: Any, choices: tuple[str, ...]) -> None:
    """Raise ValueError unless ``value`` is one of ``choices``."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(schema.refusal(name, repr(value), schema.one_of(choices)))


def check_int(name: str, value: Any, lo: int, hi: int | None = None) -> None:
    """Raise ValueError unless ``value`` is an int in [lo, hi]."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(schema.refusal(name, repr(value), schema.number_words("int", None, None)))
    if value < lo or (hi is not None and value > hi):
        expected = schema.number_words("int", str(lo), None if hi is None else str(hi))
        raise ValueError(schema.refusal(name, str(value), expected))


def check_float(name: str, value: Any, lo: float, hi: float | None = None,
                lo_open: bool = False) -> None:
    """Raise ValueError unless ``value`` is a finite real number in the given range."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(schema.refusal(name, repr(value), _("a number")))
    v = float(value)
    bad_lo = v <= lo if lo_open else v < lo
    if not (v == v) or v in (float("inf"), float("-inf")) or bad_lo or (hi is not None and v > hi):
        expected = schema.number_words("float", str(lo), None if hi is None else str(hi), lo_open)
        raise ValueError(schema.refusal(name, repr(value), expected))


def _check_knobs(cfg: Any) -> None:
    """Validate every field of ``cfg`` that is a knob of the schema."""
    for f in dataclasses.fields(cfg):
        if f.name in schema.KNOB:
            schema.check(f.name, getattr(cfg, f.name))


@dataclass(frozen=True)
class ModelConfig:
    """Shape and kind of a recurrent model: h_t = act(x_t W_xh + h_{t-1} W_hh + b_h), y_t = h_t W_hy + b_y."""

    input_size: int = 1            # features per time step (vocabulary size for one-hot text)
    hidden_size: int = 32          # units of the recurrent state h_t
    output_size: int = 1           # regression outputs, or number of classes
    cell: str = "rnn"              # "rnn" | "lstm" | "gru" (lstm/gru need backend="torch")
    activation: str = "tanh"       # "tanh" | "sigmoid" | "relu" (rnn cell only)
    head: str = "regression"       # "regression" (linear, MSE) | "classification" (softmax, CE)
    backend: str = "numpy"         # "numpy" | "torch"
    dtype: str = "float32"         # "float32" | "float64"
    init: str = "default"          # "default" (Xavier / orthogonal) | "uniform01" | "normal"
    init_std: float = 0.3          # standard deviation of the "normal" init (W_xh, W_hh)
    init_std_out: float | None = None  # std of W_hy under "normal" init (None = init_std)
    w_hh_scale: float = 1.0        # γ: W_hh starts as γ × its initialisation

    def __post_init__(self) -> None:
        _check_knobs(self)
        if self.cell != "rnn" and self.backend != "torch":
            raise ValueError(_("cell: got {cell} with backend {backend}, expected backend='torch' for "
                               "lstm/gru").format(cell=repr(self.cell), backend=repr(self.backend)))


@dataclass(frozen=True)
class TrainConfig:
    """How a run learns: optimizer, clipping, truncation, batching and length."""

    lr: float = 0.01               # learning rate
    optimizer: str = "adam"        # "sgd" | "momentum" | "adam"
    momentum: float = 0.9          # momentum coefficient (optimizer="momentum")
    clip_mode: str = "norm"        # "off" | "value" (element-wise) | "norm" (global L2 norm)
    clip: float = 5.0              # clip threshold: |g| <= clip element-wise, or ||g|| <= clip
    bptt_truncate: int | None = None  # None = full BPTT; k = gradient flows back k steps per loss term
    batch_size: int = 32           # sequences per update (1 = one sample at a time)
    epochs: int = 50               # passes over the training set in one block of training
    seed: int = 0                  # seeds init, shuffling and sampling

    def __post_init__(self) -> None:
        _check_knobs(self)


@dataclass(frozen=True)
class TaskConfig:
    """The task's own settings by name (memory's ``lag``), for the experiments that declare any
    (``Experiment.task_knobs``, which also checks them: ``Experiment.check_task``). Read as attributes:
    ``run.task.lag``. Most tasks have none."""

    items: tuple[tuple[str, Any], ...] = ()   # (name, value) pairs, in the experiment's order

    @classmethod
    def of(cls, **values: Any) -> TaskConfig:
        """``TaskConfig.of(lag=50)``."""
        return cls(tuple(values.items()))

    def __post_init__(self) -> None:
        names = [k for k, _value in self.items]
        if len(set(names)) != len(names) or not all(isinstance(k, str) for k in names):
            raise ValueError(f"task: got names {names}, expected distinct setting names")

    def __getattr__(self, name: str) -> Any:
        for k, v in object.__getattribute__(self, "items"):
            if k == name:
                return v
        raise AttributeError(f"task setting {name!r}: this task has {self.names or 'none'}")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(k for k, _value in self.items)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.items)

    def replace(self, **changes: Any) -> TaskConfig:
        """A copy with some of its settings changed (only names it has)."""
        return TaskConfig(tuple((k, changes.get(k, v)) for k, v in self.items))


GROUPS = {"model": ModelConfig, "train": TrainConfig}


@dataclass(frozen=True)
class RunConfig:
    """Everything a run needs: the model's shape, the training settings and the task settings."""

    model: ModelConfig
    train: TrainConfig
    task: TaskConfig = field(default_factory=TaskConfig)

    def names(self) -> dict[str, set[str]]:
        """The setting names of each part ("model", "train", "task")."""
        parts = {g: {f.name for f in dataclasses.fields(c)} for g, c in GROUPS.items()}
        return parts | {"task": set(self.task.names)}

    def replace(self, **changes: Any) -> RunConfig:
        """A copy with some settings changed, by their config names (e.g. hidden_size=37, lr=0.1, lag=5
        where the task has a lag)."""
        names = self.names()
        known = set().union(*names.values())
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ValueError(_("settings: got unknown names {names}, expected names from {known}").format(
                names=unknown, known=sorted(known)))
        pick = {g: {k: v for k, v in changes.items() if k in n} for g, n in names.items()}
        return RunConfig(dataclasses.replace(self.model, **pick["model"]),
                         dataclasses.replace(self.train, **pick["train"]), self.task.replace(**pick["task"]))

    def as_dict(self) -> dict[str, Any]:
        """Flat dict of every setting by config name."""
        return {**dataclasses.asdict(self.model), **dataclasses.asdict(self.train), **self.task.as_dict()}

    def diff(self, other: RunConfig) -> list[str]:
        """Names of the settings that differ between the two runs."""
        a, b = self.as_dict(), other.as_dict()
        return [k for k in dict.fromkeys([*a, *b]) if a.get(k) != b.get(k)]
