"""A checkpoint's runs trained headless, as the app trains them: built from the setup (step 0 recorded,
as a page builds its runs), then advanced in lockstep rounds until the checkpoint's ``until``; then the
revealed answer. The CLI's ``checkpoint`` command and ``bench/checkpoints.py`` both come here.

Rounds are spread as the app spreads a short run (at least ``MIN_ROUNDS`` records of history, so a
curve's low point is seen), and last at most ``ROUND_SECONDS`` of training.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..compare import lockstep
from ..experiments import get_experiment
from ..trainer import Trainer
from . import setup
from .base import Checkpoint, Finished, Outcome
from .course import get_checkpoint

ROUND_SECONDS = 0.5             # training per lockstep round
MIN_ROUNDS = 40                 # a run is spread over at least this many rounds (the app: 20 ticks)


def reached(cp: Checkpoint, trainers: list[Trainer]) -> bool:
    """Whether the runs are where ``cp`` reveals its answer."""
    return cp.until.reached(trainers)


def train(cp: Checkpoint, seed: int | None = None) -> list[Finished]:
    """The checkpoint's runs (``seed`` in place of the setup's), trained to where it reveals."""
    exp = get_experiment(cp.page)
    trainers = [Trainer(exp.make_task(r), r) for r in setup.runs(exp, cp.setup, seed, cp.epochs)]
    for t in trainers:
        t.snapshot()                                        # step 0, as the page shows a new run
    cap = max(1, math.ceil(max(t.total_steps for t in trainers) / MIN_ROUNDS))
    with np.errstate(over="ignore", invalid="ignore"):      # a run may diverge: that is the lesson
        while not reached(cp, trainers):
            left = cp.until.step - min(t.step for t in trainers) if cp.until.kind == "step" else cap
            lockstep(trainers, ROUND_SECONDS, cap=max(1, min(cap, left)))
    return [Finished(t.last, t.view) for t in trainers]


def check(checkpoint_id: str, seed: int | None = None) -> dict[str, Any]:
    """``python -m rnn_core checkpoint ID --json``: the runs trained, the answer revealed and explained
    (in the current language; English in the CLI)."""
    cp = get_checkpoint(checkpoint_id)
    runs = train(cp, seed)
    outcome: Outcome = cp.answer(runs)
    return {"id": cp.id, "page": cp.url_path, "seed": runs[0].snap.config.train.seed,
            "answer": outcome.answer, "expected": cp.expected, "as_expected": outcome.as_expected,
            "measured": outcome.measured, "explanation": cp.explain(outcome),
            "steps": [r.snap.step for r in runs]}
