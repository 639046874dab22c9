"""Gradient clipping and the numpy optimizers (SGD, SGD with momentum, Adam).

Optimizers update a dict of parameter arrays in place and keep their state by parameter name;
their equations follow torch.optim so that the two can be compared number for number.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import schema
from .config import CLIP_MODES, OPTIMIZERS, check_choice

Params = dict[str, np.ndarray]


@dataclass(frozen=True)
class ClipResult:
    """What clipping did: the global L2 norm before and after, and whether anything changed."""

    norm_before: float
    norm_after: float
    clipped: bool


def global_norm(grads: Params) -> float:
    """||g|| over every parameter, as if all gradients were one long vector (inf if it overflows)."""
    with np.errstate(over="ignore", invalid="ignore"):
        return float(np.sqrt(sum(float(np.sum(np.square(g, dtype=np.float64))) for g in grads.values())))


def clip_grads(grads: Params, mode: str, clip: float) -> tuple[Params, ClipResult]:
    """Return clipped copies of ``grads``.

    mode "value": every element into [-clip, clip] (the articles' np.clip);
    mode "norm":  scale all gradients by clip / ||g|| when ||g|| > clip (direction kept);
    mode "off":   unchanged.
    The threshold is checked by the knob ``clip`` (rnn_core.schema): at least 0.1, since a threshold
    of 0 would erase every gradient (the same range as the app's and the CLI's).
    """
    check_choice("clip_mode", mode, CLIP_MODES)
    schema.check("clip", clip)
    before = global_norm(grads)
    if mode == "off":
        return dict(grads), ClipResult(before, before, False)
    if mode == "value":
        out = {k: np.clip(g, -clip, clip) for k, g in grads.items()}
        clipped = any(bool(np.any(np.abs(g) > clip)) for g in grads.values())
        return out, ClipResult(before, global_norm(out), clipped)
    if before <= clip or not np.isfinite(before):
        return dict(grads), ClipResult(before, before, False)
    scale = clip / before
    out = {k: (g * scale).astype(g.dtype) for k, g in grads.items()}
    return out, ClipResult(before, global_norm(out), True)


class Optimizer:
    """Base class: ``step(params, grads)`` updates params in place; ``lr`` may change mid-run."""

    name = "base"

    def __init__(self, lr: float) -> None:
        schema.check("lr", lr)
        self.lr = float(lr)
        self.t = 0                       # number of updates made

    def step(self, params: Params, grads: Params) -> None:
        self.t += 1
        for k, p in params.items():
            p -= self._delta(k, grads[k]).astype(p.dtype)

    def _delta(self, key: str, g: np.ndarray) -> np.ndarray:
        raise NotImplementedError


class SGD(Optimizer):
    """θ ← θ - lr·g."""

    name = "sgd"

    def _delta(self, key: str, g: np.ndarray) -> np.ndarray:
        return self.lr * g


class Momentum(Optimizer):
    """torch.optim.SGD(momentum=μ): v ← μ·v + g (v = g at the first step); θ ← θ - lr·v."""

    name = "momentum"

    def __init__(self, lr: float, momentum: float = 0.9) -> None:
        super().__init__(lr)
        schema.check("momentum", momentum)
        self.momentum = float(momentum)
        self.v: Params = {}

    def _delta(self, key: str, g: np.ndarray) -> np.ndarray:
        v = self.v.get(key)
        self.v[key] = g.copy() if v is None else self.momentum * v + g
        return self.lr * self.v[key]


class Adam(Optimizer):
    """torch.optim.Adam: m ← β1·m + (1-β1)·g, v ← β2·v + (1-β2)·g², θ ← θ - lr·m̂ / (√v̂ + ε)."""

    name = "adam"

    def __init__(self, lr: float, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> None:
        super().__init__(lr)
        self.b1, self.b2, self.eps = betas[0], betas[1], eps
        self.m: Params = {}
        self.v: Params = {}

    def _delta(self, key: str, g: np.ndarray) -> np.ndarray:
        m = self.m.get(key, np.zeros_like(g))
        v = self.v.get(key, np.zeros_like(g))
        self.m[key] = m = self.b1 * m + (1 - self.b1) * g
        self.v[key] = v = self.b2 * v + (1 - self.b2) * g * g
        m_hat = m / (1 - self.b1 ** self.t)                 # bias corrections
        v_hat = v / (1 - self.b2 ** self.t)
        return self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


def make_optimizer(name: str, lr: float, momentum: float = 0.9) -> Optimizer:
    """An optimizer by name: "sgd" | "momentum" | "adam"."""
    check_choice("optimizer", name, OPTIMIZERS)
    if name == "sgd":
        return SGD(lr)
    if name == "momentum":
        return Momentum(lr, momentum)
    return Adam(lr)
