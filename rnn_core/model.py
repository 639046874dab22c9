"""The public model contract shared by the numpy and torch backends.

``build_model(cfg, seed)`` returns an object with ``get_params``, ``set_params``, ``forward`` and
``loss_and_grads``; both backends validate their inputs here, so a bad call fails the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from .config import TARGETS, ModelConfig, check_choice, check_int


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
    def set_params(self, params: dict[str, np.ndarray]) -> None: ...
    def forward(self, x: np.ndarray, h0: np.ndarray | None = None) -> Forward: ...
    def loss_and_grads(self, x: np.ndarray, y: np.ndarray, h0: np.ndarray | None = None,
                       bptt_truncate: int | None = None,
                       targets: str = "last") -> LossAndGrads: ...


def build_model(cfg: ModelConfig, seed: int | np.random.Generator = 0) -> Model:
    """Build a model of ``cfg`` with weights drawn from ``seed`` (same seed, same weights)."""
    if not isinstance(cfg, ModelConfig):
        raise ValueError(f"cfg: got {type(cfg).__name__}, expected a ModelConfig")
    rng = seed if isinstance(seed, np.random.Generator) else _rng_from_seed(seed)
    if cfg.backend == "numpy":
        from .numpy_rnn import NumpyRNN
        return NumpyRNN(cfg, rng)
    from .torch_rnn import TorchRNN  # torch is imported only here
    return TorchRNN(cfg, rng)


def _rng_from_seed(seed: Any) -> np.random.Generator:
    check_int("seed", seed, 0, 2**63 - 1)
    return np.random.default_rng(seed)


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
    check_int("bptt_truncate", bptt_truncate, 1)
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


# ----------------------------------------------------------------------------- initialisation

def xavier(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
    """Glorot-uniform (fan_in, fan_out)."""
    lim = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-lim, lim, size=(fan_in, fan_out))


def orthogonal(rng: np.random.Generator, n: int) -> np.ndarray:
    """A random (n, n) orthogonal matrix: spectral radius 1, gradients neither vanish nor explode at first."""
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))


def init_rnn_params(cfg: ModelConfig, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Initial W_xh (in, hid), W_hh (hid, hid), b_h (hid,), W_hy (hid, out), b_y (out,) as float64."""
    i, h, o = cfg.input_size, cfg.hidden_size, cfg.output_size
    if cfg.init == "uniform01":          # article 000: every weight ~ U(0, 1)
        w_xh, w_hh, w_hy = rng.uniform(0, 1, (i, h)), rng.uniform(0, 1, (h, h)), rng.uniform(0, 1, (h, o))
    elif cfg.init == "normal":           # article 001: N(0, sigma)
        s_out = cfg.init_std if cfg.init_std_out is None else cfg.init_std_out
        w_xh = rng.normal(0, cfg.init_std, (i, h))
        w_hh = rng.normal(0, cfg.init_std, (h, h))
        w_hy = rng.normal(0, s_out, (h, o))
    else:                                # Xavier for the input / output maps, orthogonal recurrence
        w_xh, w_hh, w_hy = xavier(rng, i, h), orthogonal(rng, h), xavier(rng, h, o)
    return {"W_xh": w_xh, "W_hh": w_hh, "b_h": np.zeros(h), "W_hy": w_hy, "b_y": np.zeros(o)}
