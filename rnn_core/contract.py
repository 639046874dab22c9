"""The public model contract shared by the numpy and torch backends: what a forward pass and a
gradient computation return, what every backend offers (``Model``), and the validation of its
arguments, so that a bad call fails the same way whichever backend it reaches.

Both backends import from here (and their initialisation from ``rnn_core.init``); ``rnn_core.model``
builds them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from . import schema
from .config import TARGETS, ModelConfig, check_choice


@dataclass(frozen=True)
class Forward:
    """What a forward pass produced (no gradients)."""

    outputs: np.ndarray   # (batch, time, output): ŷ_t for regression, logits for classification
    hidden: np.ndarray    # (batch, time, hidden): h_t
    h_last: np.ndarray    # (batch, state): the state to carry into the next batch


@dataclass(frozen=True)
class LossAndGrads:
    """Loss, parameter gradients and the gradient that BPTT delivered to every h_t."""

    loss: float                       # mean loss over the target elements / positions
    grads: dict[str, np.ndarray]      # same keys and shapes as get_params()
    hidden: np.ndarray                # (batch, time, hidden)
    h_last: np.ndarray                # (batch, state)
    step_grad_norms: np.ndarray       # (time,): ||dL/dh_t||, Frobenius over the batch
    outputs: np.ndarray               # (batch, output) for targets="last", else (batch, time, output)


class Model(Protocol):
    """What every backend offers; pages and the trainer use nothing else."""

    cfg: ModelConfig
    state_size: int

    def get_params(self) -> dict[str, np.ndarray]: ...
    def param_views(self) -> dict[str, np.ndarray]: ...
    def set_params(self, params: dict[str, np.ndarray]) -> None: ...
    def forward(self, x: np.ndarray, h0: np.ndarray | None = None) -> Forward: ...
    def loss_and_grads(self, x: np.ndarray, y: np.ndarray, h0: np.ndarray | None = None,
                       bptt_truncate: int | None = None,
                       targets: str = "last") -> LossAndGrads: ...
    def state_jacobians(self, x: np.ndarray,                       # (T, state, state): ∂s_t/∂s_{t-1}
                        steps: np.ndarray | None = None) -> np.ndarray: ...


# ----------------------------------------------------------------------------- validation

def _as_real(name: str, a: Any) -> np.ndarray:
    arr = np.asarray(a)
    if arr.dtype.kind not in "fiu":
        raise ValueError(f"{name}: got dtype {arr.dtype}, expected a real numeric array")
    return arr


def _check_shape(name: str, arr: np.ndarray, expected: tuple[int | None, ...], what: str) -> None:
    ok = arr.ndim == len(expected) and all(e is None or e == s
                                           for e, s in zip(expected, arr.shape, strict=True))
    if not ok:
        dims = ", ".join("?" if e is None else str(e) for e in expected)
        want = f"({dims},)" if len(expected) == 1 else f"({dims})"
        raise ValueError(f"{name}: got shape {arr.shape}, expected {want} {what}")


def validate_x(cfg: ModelConfig, x: Any, state_size: int, h0: Any) -> tuple[np.ndarray, np.ndarray]:
    """Check x (batch, time, input) and h0 (batch, state); return both cast to the model dtype."""
    dt = np.dtype(cfg.dtype)
    xa = _as_real("x", x)
    _check_shape("x", xa, (None, None, cfg.input_size), "= (batch, time, input_size)")
    if xa.shape[0] < 1 or xa.shape[1] < 1:
        raise ValueError(f"x: got shape {xa.shape}, expected at least one sequence and one step")
    if not np.all(np.isfinite(xa)):
        raise ValueError("x: got NaN or inf values, expected finite numbers")
    batch = xa.shape[0]
    if h0 is None:
        h = np.zeros((batch, state_size), dtype=dt)
    else:
        h = _as_real("h0", h0)
        _check_shape("h0", h, (batch, state_size), "= (batch, state)")
        if not np.all(np.isfinite(h)):
            raise ValueError("h0: got NaN or inf values, expected finite numbers")
    return np.ascontiguousarray(xa, dtype=dt), np.ascontiguousarray(h, dtype=dt)


def validate_y(cfg: ModelConfig, y: Any, batch: int, time: int, targets: str) -> np.ndarray:
    """Check targets against the head: floats (batch[, time], output) or class ids (batch[, time])."""
    check_choice("targets", targets, TARGETS)
    lead: tuple[int, ...] = (batch,) if targets == "last" else (batch, time)
    if cfg.head == "regression":
        ya = _as_real("y", y)
        _check_shape("y", ya, (*lead, cfg.output_size),
                     f"for regression with targets={targets!r}")
        if not np.all(np.isfinite(ya)):
            raise ValueError("y: got NaN or inf values, expected finite numbers")
        return np.ascontiguousarray(ya, dtype=np.dtype(cfg.dtype))
    ya = np.asarray(y)
    if ya.dtype.kind not in "iu":
        raise ValueError(f"y: got dtype {ya.dtype}, expected integer class ids for classification")
    _check_shape("y", ya, lead, f"of class ids for classification with targets={targets!r}")
    if ya.size and (ya.min() < -1 or ya.max() >= cfg.output_size):
        raise ValueError(f"y: got class ids in [{ya.min()}, {ya.max()}], "
                         f"expected ids in [0, {cfg.output_size - 1}] or -1 for padding")
    return ya.astype(np.int64)


def validate_truncate(bptt_truncate: Any) -> int | None:
    if bptt_truncate is None:
        return None
    schema.check("bptt_truncate", bptt_truncate)  # k >= 1 (a k beyond the sequence is full BPTT)
    return int(bptt_truncate)


def validate_call(cfg: ModelConfig, state_size: int, x: Any, y: Any, h0: Any, bptt_truncate: Any,
                  targets: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, int | None]:
    """Every argument of ``loss_and_grads`` checked and cast: x, y, h0 and the truncation k."""
    xa, h = validate_x(cfg, x, state_size, h0)
    ya = validate_y(cfg, y, xa.shape[0], xa.shape[1], targets)
    return xa, ya, h, validate_truncate(bptt_truncate)


def validate_params(expected: dict[str, np.ndarray], params: Any, dtype: str) -> dict[str, np.ndarray]:
    """Check names and shapes against ``expected``; return float copies in ``dtype``."""
    if not isinstance(params, dict):
        raise ValueError(f"params: got {type(params).__name__}, expected a dict of arrays")
    if set(params) != set(expected):
        raise ValueError(f"params: got names {sorted(params)}, expected {sorted(expected)}")
    out = {}
    for k, ref in expected.items():
        arr = _as_real(f"params[{k!r}]", params[k])
        if arr.shape != ref.shape:
            raise ValueError(f"params[{k!r}]: got shape {arr.shape}, expected {ref.shape}")
        out[k] = np.array(arr, dtype=np.dtype(dtype), copy=True)
    return out
