"""Next letter in the cycle a→b→c→d→e→a (the next-letter article).

As in the article's Keras code, every sample is a single letter (a sequence of one time step, the
one-hot of the letter) and the target is the next letter's id: five samples in all, trained as
one batch of five per epoch (Keras batch_size=32 > 5), many-to-one with a softmax head.
There is no held-out data (the task is a table of five facts), so ``val_loss`` is None.

Metric: accuracy (share of the five letters whose most likely next letter is right).
Predictions: {"letters": ["a", …, "e"], "probs": (5, 5) array, row = input letter, column =
probability of each next letter; "hidden": (5, hidden) hidden state after each input letter (from
h = 0), for a 3-D trajectory plot}.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..config import ModelConfig, RunConfig, TrainConfig
from ..contract import Model
from ..i18n import N_
from ..text import log_softmax
from .base import Batch, Evaluation, Experiment, Metric, Task

LETTERS = "abcde"
N = len(LETTERS)


class CycleTask(Task):
    """Five one-step sequences: one-hot letter i → class (i + 1) mod 5."""

    targets = "last"
    carry_state = False

    def __init__(self) -> None:
        self.x = np.eye(N, dtype=np.float32)[:, None, :]           # (5, 1, 5): letter i at its only step
        self.y = (np.arange(N) + 1) % N                            # (5,): the next letter's id

    @property
    def probe_x(self) -> np.ndarray:
        return self.x[:1]                                          # (1, 1, 5): the letter "a"

    @property
    def probe_y(self) -> np.ndarray:
        return self.y[:1]                                          # (1,): "b"

    @property
    def max_len(self) -> int:
        return 1

    def epoch_batches(self, rng: np.random.Generator, batch_size: int) -> list[Batch]:
        order = rng.permutation(N)                                 # Keras shuffles every epoch
        return [Batch(self.x[order[k:k + batch_size]], self.y[order[k:k + batch_size]])
                for k in range(0, N, batch_size)]

    def evaluate(self, model: Model, rng: np.random.Generator) -> Evaluation:
        f = model.forward(self.x)
        probs = np.exp(log_softmax(f.outputs[:, -1].astype(np.float64)))   # (5, 5)
        accuracy = float(np.mean(probs.argmax(axis=1) == self.y))
        return Evaluation(val_loss=None, metrics={"accuracy": accuracy},
                          predictions={"letters": list(LETTERS), "probs": probs,
                                       "hidden": np.array(f.hidden[:, -1], dtype=np.float64)})


class Abcde(Experiment):
    """Learn the cycle a→b→c→d→e→a from five one-letter samples; see the module docstring."""

    id = "abcde"
    order = 3
    title = N_("Next letter")
    icon = ":material/abc:"
    url_path = "next_letter"
    blurb = N_("A tiny RNN learns the cycle a→b→c→d→e→a; see the five probabilities and its hidden state "
               "move in 3-D.")
    article = "神经网络搭建笔记(三)之循环神经网络"
    metrics = (Metric("accuracy", N_("accuracy"), better="higher"),)

    def preset(self, name: str = "default") -> RunConfig:
        self.check_preset(name)
        if name == "article":
            # SimpleRNN(3) + Dense(5, softmax), Glorot / orthogonal init (our "default"), Adam(0.01),
            # no clipping, batch_size=32 (one batch of all five), 100 epochs.
            return RunConfig(
                ModelConfig(input_size=N, hidden_size=3, output_size=N, activation="tanh",
                            head="classification"),
                TrainConfig(lr=0.01, optimizer="adam", clip_mode="off", batch_size=32, epochs=100))
        return RunConfig(
            ModelConfig(input_size=N, hidden_size=8, output_size=N, activation="tanh", head="classification"),
            TrainConfig(lr=0.05, optimizer="adam", clip_mode="norm", clip=5.0, batch_size=5, epochs=60))

    def build_task(self, run: RunConfig, data: Any = None) -> CycleTask:
        m = run.model
        if m.input_size != N or m.output_size != N or m.head != "classification":
            raise ValueError(f"model: got input_size={m.input_size}, output_size={m.output_size}, "
                             f"head={m.head!r}; expected {N}, {N}, 'classification' for the five letters")
        if data is not None:
            raise ValueError("data: the abcde experiment has no user data, expected None")
        return CycleTask()


EXPERIMENT = Abcde()
