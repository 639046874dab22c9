"""Typed, frozen configuration objects shared by every backend.

Each field carries a trailing comment; ``__post_init__`` validates so that a bad value fails
early with a ``ValueError`` that names the argument, what was given and what was expected.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any

CELLS = ("rnn", "lstm", "gru")
ACTIVATIONS = ("tanh", "sigmoid", "relu")
HEADS = ("regression", "classification")
BACKENDS = ("numpy", "torch")
DTYPES = ("float32", "float64")
INITS = ("default", "uniform01", "normal")
OPTIMIZERS = ("sgd", "momentum", "adam")
CLIP_MODES = ("off", "value", "norm")
TARGETS = ("last", "all")


def check_choice(name: str, value: Any, choices: tuple[str, ...]) -> None:
    """Raise ValueError unless ``value`` is one of ``choices``."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name}: got {value!r}, expected one of {', '.join(map(repr, choices))}")


def check_int(name: str, value: Any, lo: int, hi: int | None = None) -> None:
    """Raise ValueError unless ``value`` is an int in [lo, hi]."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name}: got {value!r}, expected an integer")
    if value < lo or (hi is not None and value > hi):
        upper = "" if hi is None else f" and <= {hi}"
        raise ValueError(f"{name}: got {value}, expected an integer >= {lo}{upper}")


def check_float(name: str, value: Any, lo: float, hi: float | None = None,
                lo_open: bool = False) -> None:
    """Raise ValueError unless ``value`` is a finite real number in the given range."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name}: got {value!r}, expected a number")
    v = float(value)
    bad_lo = v <= lo if lo_open else v < lo
    if not (v == v) or v in (float("inf"), float("-inf")) or bad_lo or (hi is not None and v > hi):
        rng = f"{'>' if lo_open else '>='} {lo}" + ("" if hi is None else f" and <= {hi}")
        raise ValueError(f"{name}: got {value!r}, expected a finite number {rng}")


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

    def __post_init__(self) -> None:
        check_int("input_size", self.input_size, 1, 4096)
        check_int("hidden_size", self.hidden_size, 1, 4096)
        check_int("output_size", self.output_size, 1, 4096)
        check_choice("cell", self.cell, CELLS)
        check_choice("activation", self.activation, ACTIVATIONS)
        check_choice("head", self.head, HEADS)
        check_choice("backend", self.backend, BACKENDS)
        check_choice("dtype", self.dtype, DTYPES)
        check_choice("init", self.init, INITS)
        check_float("init_std", self.init_std, 0.0, lo_open=True)
        if self.init_std_out is not None:
            check_float("init_std_out", self.init_std_out, 0.0, lo_open=True)
        if self.cell != "rnn" and self.backend != "torch":
            raise ValueError(f"cell: got {self.cell!r} with backend {self.backend!r}, "
                             "expected backend='torch' for lstm/gru")


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
    epochs: int = 50               # passes over the training set a full run makes
    seed: int = 0                  # seeds init, shuffling and sampling

    def __post_init__(self) -> None:
        check_float("lr", self.lr, 0.0, 10.0, lo_open=True)
        check_choice("optimizer", self.optimizer, OPTIMIZERS)
        check_float("momentum", self.momentum, 0.0, 0.999)
        check_choice("clip_mode", self.clip_mode, CLIP_MODES)
        check_float("clip", self.clip, 0.0)
        if self.bptt_truncate is not None:
            check_int("bptt_truncate", self.bptt_truncate, 1)
        check_int("batch_size", self.batch_size, 1, 4096)
        check_int("epochs", self.epochs, 1, 1_000_000)
        check_int("seed", self.seed, 0, 2**32 - 1)
