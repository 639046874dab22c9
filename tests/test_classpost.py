"""What a run posts to a class (rnn_core/classpost.py): the keys, the thinned curve, plain JSON numbers."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest

from rnn_core import classpost
from rnn_core.experiments import get_experiment
from rnn_core.trainer import Trainer


def records(losses: list[float]) -> list[SimpleNamespace]:
    """Stand-ins for history records: a step and a training loss each (all `curve` reads)."""
    return [SimpleNamespace(step=10 * i, train_loss=v) for i, v in enumerate(losses)]


@pytest.fixture(scope="module")
def finished() -> tuple:
    """A tiny sine run trained to the end in a few chunks (a record each)."""
    exp = get_experiment("sine")
    run = exp.fit_run(exp.settle(exp.preset(), {"epochs": 1, "seed": 4})[0])
    trainer = Trainer(exp.make_task(run), run)
    while trainer.last is None or not trainer.last.done:
        trainer.run(steps=3)
    return exp, trainer


@pytest.mark.parametrize("n", [1, 200, 201, 1000, 4321])
def test_the_curve_is_thinned_to_200_points_keeping_the_first_and_the_last(n):
    points = classpost.curve(records([1.0 / (i + 1) for i in range(n)]))
    assert len(points) == min(n, 200)
    assert points[0] == [0, 1.0] and points[-1] == [10 * (n - 1), 1.0 / n]
    steps = [p[0] for p in points]
    assert steps == sorted(set(steps))                 # in order, none twice


def test_numbers_json_cannot_carry_become_none():
    points = classpost.curve(records([float("nan"), float("inf"), -float("inf"), np.float32(0.5), 2]))
    assert points == [[0, None], [10, None], [20, None], [30, 0.5], [40, 2]]
    assert isinstance(points[3][1], float)
    assert [classpost._number(v) for v in (True, None, "x", np.nan, np.int64(3))] == [None, None, None,
                                                                                      None, 3.0]
    json.dumps(points, allow_nan=False)


def test_the_payload_has_its_keys_and_the_settings_leave_out_the_seed(finished):
    exp, trainer = finished
    post = classpost.payload(exp, trainer.last, trainer.history)
    assert set(post) == {"page", "settings", "seed", "curve", "metrics", "final"}
    assert (post["page"], post["seed"], post["final"]) == ("sine", 4, True)
    assert "seed" not in post["settings"] and post["settings"]["epochs"] == 1
    assert set(post["settings"]) <= set(exp.knobs)
    assert set(post["metrics"]) == {"step", "train_loss", "val_loss", "val_rmse"}
    assert post["metrics"]["step"] == trainer.step == post["curve"][-1][0]
    assert len(post["curve"]) == len(trainer.history) > 1
    assert all(math.isfinite(v) for v in post["metrics"].values())
    json.dumps(post, allow_nan=False)


def test_a_loss_that_is_not_finite_is_posted_as_none(finished):
    exp, trainer = finished
    snap = trainer.last
    broken = replace(snap, record=replace(snap.record, train_loss=float("nan"), val_loss=float("inf")))
    metrics = classpost.metrics(exp, broken)
    assert metrics["train_loss"] is None and metrics["val_loss"] is None
    assert "stopped" not in metrics
