"""rnn_core: the computation behind RNN Explorer. Pure numpy (torch only in its backend), no UI."""

from .config import ModelConfig, TrainConfig
from .model import Forward, LossAndGrads, build_model

__all__ = ["ModelConfig", "TrainConfig", "Forward", "LossAndGrads", "build_model"]
