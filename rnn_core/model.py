"""Build a model of the public contract (``rnn_core.contract``) for a ModelConfig and a seed.

``build_model(cfg, seed)`` returns an object with ``get_params``, ``set_params``, ``param_views``,
``forward`` and ``loss_and_grads``; torch is imported only when the torch backend is asked for.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import schema
from .config import ModelConfig
from .contract import Forward, LossAndGrads, Model

__all__ = ["Forward", "LossAndGrads", "Model", "build_model"]


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
    schema.check("seed", seed)                    # the same range as the app and the CLI
    return np.random.default_rng(seed)
