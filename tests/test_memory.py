"""The memory experiment: the task's data, its presets, γ (w_hh_scale) and what it does to the gradient."""

from __future__ import annotations

import numpy as np
import pytest

from rnn_core import build_model
from rnn_core.experiments.memory import MEMORY, MemoryTask, make_sequences
from rnn_core.trainer import Trainer


def test_sequences_show_the_symbol_first_then_other_symbols() -> None:
    x, y = make_sequences(np.random.default_rng(0), 6, 7)
    assert x.shape == (6, 8, 8) and x.dtype == np.float32
    assert y.shape == (6,) and y.dtype == np.int64
    assert np.array_equal(x.sum(axis=2), np.ones((6, 8)))           # one symbol per step
    assert np.array_equal(x[:, 0].argmax(axis=1), y)                # the target is the first symbol
    assert np.all(x[:, 0, 4:] == 0) and np.all(x[:, 1:, :4] == 0)   # distractors: the other 4 channels
    assert set(np.unique(y)) <= {0, 1, 2, 3}


@pytest.mark.parametrize("bad", [{"n": 0}, {"lag": 0}, {"lag": 201}, {"k": 1}])
def test_sequences_refuse_bad_sizes(bad: dict[str, int]) -> None:
    args = {"n": 4, "lag": 5, "k": 4, **bad}
    name = next(iter(bad))
    with pytest.raises(ValueError, match=f"^{name}: got {bad[name]}"):
        make_sequences(np.random.default_rng(0), args["n"], args["lag"], args["k"])


def test_task_sizes_and_chance() -> None:
    task = MEMORY.make_task(MEMORY.preset("default"))
    assert task.lag == 50 and task.chance == 0.25
    assert task.probe_x.shape == (1, 51, 8) and task.max_len == 51
    batches = task.epoch_batches(np.random.default_rng(0), 64)
    assert len(batches) == 8 == task.count_batches(64)
    assert batches[0].x.shape == (64, 51, 8) and batches[0].y.shape == (64,)
    assert task.targets == "last" and not task.carry_state


def test_same_seed_same_batches_different_seed_different() -> None:
    task = MemoryTask(lag=9)
    a = task.epoch_batches(np.random.default_rng(3), 16)
    b = task.epoch_batches(np.random.default_rng(3), 16)
    c = task.epoch_batches(np.random.default_rng(4), 16)
    assert all(np.array_equal(p.x, q.x) and np.array_equal(p.y, q.y) for p, q in zip(a, b, strict=True))
    assert not np.array_equal(a[0].x, c[0].x)


def test_held_out_batch_is_the_same_for_every_run_seed() -> None:
    t0 = MEMORY.make_task(MEMORY.preset().replace(seed=0))
    t5 = MEMORY.make_task(MEMORY.preset().replace(seed=5))
    assert np.array_equal(t0.x_val, t5.x_val) and np.array_equal(t0.y_val, t5.y_val)
    assert np.array_equal(t0.probe_x, t0.x_val[:1])


def test_presets_and_lags() -> None:
    assert MEMORY.presets == ("default", "short")
    assert MEMORY.preset("default").task.lag == 50 == MEMORY.preset_lag("default")
    assert MEMORY.preset("short").task.lag == 5 == MEMORY.preset_lag("short")
    assert MEMORY.make_task(MEMORY.preset().replace(lag=12)).lag == 12
    assert MEMORY.make_task(MEMORY.preset().replace(lag=7)).lag == 7
    with pytest.raises(ValueError, match="^preset: got 'article'"):
        MEMORY.preset("article")
    with pytest.raises(ValueError, match="^input_size: got 3, expected 8"):
        MEMORY.make_task(MEMORY.preset().replace(input_size=3))
    with pytest.raises(ValueError, match="^data: "):
        MEMORY.make_task(MEMORY.preset(), data=[1, 2])


def test_evaluate_reports_accuracy_chance_and_grad_reach() -> None:
    run = MEMORY.preset().replace(lag=20)
    task, model = MEMORY.make_task(run), build_model(run.model, run.train.seed)
    ev = task.evaluate(model, np.random.default_rng(0))
    assert set(ev.metrics) == {"accuracy", "chance", "grad_reach"}
    assert ev.metrics["chance"] == 0.25
    assert ev.metrics["accuracy"] == pytest.approx(44 / 128, abs=1 / 128)      # the untrained model, seed 0
    p = ev.predictions
    assert p["grad_curve"].shape == (21,) and p["lag"] == 20 and p["k"] == 4
    # ‖∂L/∂h_T‖ = 0.1068 at the answer, 0.01601 back at the symbol: log10(0.01601 / 0.1068) = -0.824
    assert p["grad_curve"][0] == pytest.approx(0.1068, rel=1e-3)
    assert p["grad_curve"][-1] == pytest.approx(0.01601, rel=1e-3)
    assert ev.metrics["grad_reach"] == pytest.approx(-0.824, abs=2e-3)
    assert p["confusion"].shape == (4, 4) and p["confusion"].sum() == 128     # the first 128 held out
    assert p["per_class_accuracy"].shape == (4,)
    full = task.evaluate_full(model, np.random.default_rng(0))
    assert full.predictions["confusion"].sum() == 1024


def test_evaluate_with_overflowing_weights_does_not_raise() -> None:
    run = MEMORY.preset().replace(lag=5)
    model = build_model(run.model, run.train.seed)
    model.set_params({**model.get_params(), "W_hy": np.full((64, 4), np.inf, dtype=np.float32)})
    ev = MEMORY.make_task(run).evaluate(model, np.random.default_rng(0))
    assert ev.metrics["accuracy"] == 0.0 and np.isnan(ev.metrics["grad_reach"])


def test_short_preset_plain_rnn_learns() -> None:
    run = MEMORY.preset("short").replace(seed=0)
    trainer = Trainer(MEMORY.make_task(run), run)
    snap = trainer.run()
    assert snap.done and snap.step == 320
    assert trainer.task.evaluate_full(trainer.model, np.random.default_rng(0)).metrics["accuracy"] >= 0.95


# ----------------------------------------------------------------------------- γ: W_hh = γ × orthogonal

@pytest.mark.parametrize(("cell", "gates"), [("rnn", 1), ("lstm", 4), ("gru", 3)])
def test_w_hh_scale_makes_every_block_gamma_times_orthogonal(cell: str, gates: int) -> None:
    run = MEMORY.preset().replace(cell=cell, backend="numpy" if cell == "rnn" else "torch", hidden_size=5,
                                  w_hh_scale=0.7, dtype="float64")
    w = build_model(run.model, 0).get_params()["W_hh"]
    assert w.shape == (5, 5 * gates)
    for g in range(gates):
        assert np.allclose(np.linalg.svd(w[:, 5 * g:5 * g + 5], compute_uv=False), 0.7, atol=1e-12)


def test_gamma_decides_whether_the_gradient_vanishes_or_grows_before_training() -> None:
    """Plain numpy RNN, 64 units, lag 30, seed 0 (measured: γ 0.7 → -5.23, 1.0 → -1.28, 1.3 → +0.39)."""
    reach = {}
    for gamma in (0.7, 1.0, 1.3):
        run = MEMORY.preset().replace(lag=30, seed=0, w_hh_scale=gamma)
        ev = MEMORY.make_task(run).evaluate(build_model(run.model, 0), np.random.default_rng(0))
        reach[gamma] = ev.metrics["grad_reach"]
    assert reach[0.7] <= -5.0                        # ‖∂L/∂h_0‖ at least 10⁵ times below ‖∂L/∂h_30‖
    assert -2.0 <= reach[1.0] <= -1.0
    assert reach[1.3] >= 0.2                         # larger at the first step than at the last
