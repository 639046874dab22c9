"""Trainer: steps and time budgets, snapshots, live knob changes, divergence, reproducibility; the
recorder it keeps its history with; what an update costs."""

import dataclasses
import subprocess
import sys

import numpy as np
import pytest

from rnn_core import ModelConfig, TrainConfig, trainer
from rnn_core.experiments import get_experiment
from rnn_core.experiments.base import Batch, Evaluation, RunConfig, Task
from rnn_core.model import build_model
from rnn_core.recorder import HISTORY_MAX, Progress, Recorder
from rnn_core.snapshot import Change
from rnn_core.trainer import Trainer


class SumTask(Task):
    """Regress the mean of a short random sequence: learnable in a few hundred steps."""

    targets = "last"

    def __init__(self, n: int = 64, time: int = 6, carry: bool = False) -> None:
        rng = np.random.default_rng(123)
        self.x = rng.uniform(-1, 1, (n, time, 1))
        self.y = self.x.mean(axis=1)
        self.carry_state = carry
        self.resets: list[bool] = []

    @property
    def probe_x(self) -> np.ndarray:
        return self.x[:1]

    def epoch_batches(self, rng, batch_size):
        idx = rng.permutation(len(self.x))
        out = []
        for i in range(0, len(idx), batch_size):
            j = idx[i:i + batch_size]
            out.append(Batch(self.x[j], self.y[j], reset=(i == 0) or not self.carry_state))
        return out

    def evaluate(self, model, rng):
        out = model.forward(self.x).outputs[:, -1]
        with np.errstate(over="ignore", invalid="ignore"):
            mse = float(np.mean((out - self.y) ** 2))
        return Evaluation(val_loss=mse, metrics={"rmse": mse ** 0.5}, predictions={"y": out[:, 0]})


def config(lr=0.02, epochs=40, **train):
    return RunConfig(ModelConfig(input_size=1, hidden_size=8, output_size=1, dtype="float64"),
                     TrainConfig(lr=lr, epochs=epochs, batch_size=16, **train))


def make(lr=0.02, epochs=40, **train):
    return Trainer(SumTask(), config(lr, epochs, **train))


def test_run_by_steps_learns_and_snapshot_is_complete():
    tr = make(epochs=200)
    first = tr.run(steps=1)
    snap = tr.run(steps=399)
    assert snap.step == 400 and snap.epoch == 100 and not snap.done
    assert snap.val_loss < first.val_loss / 5
    assert snap.metrics["rmse"] < 0.15
    assert snap.probe_hidden.shape == (6, 8)
    assert snap.record.step_grad_norms.shape == (6,)
    assert set(snap.param_grad_norms) == {"W_xh", "W_hh", "b_h", "W_hy", "b_y"}
    assert snap.spectral_radius is not None and snap.spectral_radius > 0
    assert len(snap.history) == 2 and snap.history[-1] is snap.record
    assert snap.grad_norm_before >= snap.grad_norm_after
    with pytest.raises(ValueError):                       # a page cannot write into what it draws
        snap.probe_hidden[0, 0] = 1.0


def test_runs_to_the_end_and_stops():
    tr = make(epochs=3)
    snap = tr.run()
    assert snap.done and tr.done and snap.step == tr.total_steps == 12
    assert snap.epoch == 3
    again = tr.run(steps=5)
    assert again.step == 12


def test_a_time_budget_makes_at_least_one_step_and_steps_cap_it():
    tr = make()
    snap = tr.run(seconds=0.0)                           # no time at all: still one step
    assert snap.step == 1 and snap.steps_per_sec > 0
    snap = tr.run(steps=7, seconds=3600.0)               # an hour's budget: the 7 steps end first
    assert snap.step == 8


def test_same_seed_same_numbers_different_seed_different():
    a, b, c = make(seed=3), make(seed=3), make(seed=4)
    sa, sb, sc = a.run(steps=50), b.run(steps=50), c.run(steps=50)
    assert sa.train_loss == sb.train_loss and sa.val_loss == sb.val_loss
    np.testing.assert_array_equal(sa.probe_hidden, sb.probe_hidden)
    assert sa.val_loss != sc.val_loss


def test_live_change_applies_and_leaves_a_marker():
    tr = make()
    tr.run(steps=5)
    changes = tr.apply(dataclasses.replace(tr.cfg, lr=0.005, clip_mode="value", clip=0.5, bptt_truncate=2))
    assert [(c.name, c.old, c.new) for c in changes] == [
        ("lr", 0.02, 0.005), ("bptt_truncate", None, 2), ("clip_mode", "norm", "value"), ("clip", 5.0, 0.5)]
    assert tr.opt.lr == 0.005
    snap = tr.run(steps=5)
    assert snap.record.event == ("lr 0.02 → 0.005; bptt_truncate full → 2; clip_mode norm → value; "
                                 "clip 5 → 0.5")
    assert snap.record.clip_mode == "value" and snap.record.bptt_truncate == 2
    assert np.isnan(snap.record.step_grad_norms[:4]).sum() == 0
    assert snap.record.step_grad_norms[:4].max() == 0.0  # truncation 2: nothing reaches h_0..h_3
    assert tr.run(steps=1).record.event is None


def test_changing_optimizer_resets_its_state():
    tr = make(optimizer="adam")
    tr.run(steps=3)
    tr.apply(dataclasses.replace(tr.cfg, optimizer="momentum", momentum=0.5))
    assert tr.opt.name == "momentum" and tr.opt.momentum == 0.5 and tr.opt.t == 0


def test_divergence_stops_with_a_reason_and_keeps_last_good_weights():
    tr = make(lr=10.0, optimizer="sgd", clip_mode="off")
    tr.model.set_params({**tr.model.get_params(), "W_hy": np.full((8, 1), 1e300)})
    snap = tr.run(steps=50)
    assert tr.done and snap.done and snap.stop is not None
    assert (snap.stop.kind, snap.stop.step) == ("diverged", 1)
    assert snap.stop_reason == "the loss became ∞ at step 1"
    assert snap.step == 0 and snap.total_steps == 160, "the failed batch is not counted as a step"
    assert all(np.all(np.isfinite(p)) for p in tr.model.get_params().values())
    assert tr.run(steps=5).step == snap.step


def test_carried_state_follows_batch_reset_flags():
    task = SumTask(carry=True)
    run = RunConfig(ModelConfig(hidden_size=4, dtype="float64"), TrainConfig(batch_size=16, epochs=2))
    tr = Trainer(task, run)
    seen = []
    orig = tr.model.loss_and_grads

    def spy(x, y, h0=None, **kw):
        seen.append(h0 is not None)
        return orig(x, y, h0=h0, **kw)

    tr.model.loss_and_grads = spy
    tr.run(steps=8)
    assert seen == [False, True, True, True, False, True, True, True]


def test_history_is_thinned_but_keeps_markers():
    tr = make(epochs=10_000)
    for i in range(HISTORY_MAX + 100):
        if i == 10:
            tr.apply(dataclasses.replace(tr.cfg, lr=0.01))
        tr.run(steps=1)
    assert len(tr.history) <= HISTORY_MAX
    assert any(r.event for r in tr.history)
    steps = [r.step for r in tr.history]
    assert steps == sorted(steps) and steps[-1] == HISTORY_MAX + 100


def test_import_rnn_core_leaves_streamlit_and_torch_out():
    code = ("import sys, rnn_core, rnn_core.trainer, rnn_core.cli, rnn_core.experiments; "
            "import rnn_core.experiments as e; [e.get_experiment(i) for i in e.experiment_ids()]; "
            "print('streamlit' in sys.modules, 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_no_streamlit_import_anywhere_in_core():
    from pathlib import Path
    core = Path(__file__).resolve().parents[1] / "rnn_core"
    for f in core.rglob("*.py"):
        text = f.read_text()
        assert "import streamlit" not in text and "from streamlit" not in text, f


def test_batch_size_change_mid_epoch_keeps_epoch_and_total_consistent():
    tr = make(epochs=5)                                  # 64 samples, batch 16: 4 batches an epoch
    tr.run(steps=6)                                      # 1.5 epochs
    assert tr.fractional_epoch == 1.5 and tr.total_steps == 20
    tr.apply(dataclasses.replace(tr.cfg, batch_size=32))  # takes effect at the next epoch
    assert tr.fractional_epoch == 1.5
    assert tr.total_steps == 6 + 2 + 3 * 2
    snap = tr.run()
    assert snap.done and snap.step == 14 and snap.epoch == 5 and tr.total_steps == 14


def test_evaluation_failure_stops_the_run_with_a_reason():
    tr = make()
    good = tr.run(steps=3)
    good_params = tr.model.get_params()

    def broken(model, rng):
        raise ValueError("probabilities contain NaN")

    tr.task.evaluate = broken
    snap = tr.run(steps=2)
    assert snap.done and snap.stop.kind == "evaluation" and snap.stop.detail == "probabilities contain NaN"
    assert snap.stop_reason == "evaluating the model failed at step 5 (probabilities contain NaN)"
    assert snap.record is good.record                    # the last good snapshot's data is kept
    for k, v in tr.model.get_params().items():           # and its weights
        np.testing.assert_array_equal(v, good_params[k])


def test_train_on_a_finished_run_continues_for_another_block():
    tr = make(epochs=3)                                   # 4 batches an epoch: 12 steps a block
    assert tr.run().step == 12 and tr.done
    tr.extend()
    assert not tr.done and tr.total_steps == 24 and tr.end_epoch == 6
    snap = tr.run()
    assert snap.done and snap.step == 24 and snap.epochs == 6 and snap.total_steps == 24
    tr.apply(dataclasses.replace(tr.cfg, epochs=5))       # a longer block moves the end by 2 epochs
    assert tr.end_epoch == 8 and not tr.done and tr.total_steps == 32


def test_a_stopped_run_resumes_from_its_last_good_weights_with_a_fresh_optimizer():
    tr = make(lr=10.0, optimizer="sgd", clip_mode="off")
    tr.model.set_params({**tr.model.get_params(), "W_hy": np.full((8, 1), 1e300)})
    assert tr.run(steps=5).stop is not None
    tr.model.set_params({**tr.model.get_params(), "W_hy": np.zeros((8, 1))})   # a sane state again
    tr.apply(dataclasses.replace(tr.cfg, lr=0.01))
    old_opt = tr.opt
    tr.extend()
    snap = tr.run(steps=5)
    assert snap.stop is None and snap.step == 5 and tr.opt is not old_opt


def test_load_params_refuses_weights_that_make_the_model_non_finite():
    tr = make()
    before = tr.run(steps=3)
    good = tr.model.get_params()
    bad = {**good, "W_hy": np.full((8, 1), 1e300)}
    assert tr.load_params(bad) is False
    for k, v in tr.model.get_params().items():
        np.testing.assert_array_equal(v, good[k])
    assert tr.last is before and tr.history[-1] is before.record
    fine = {k: v * 0.5 for k, v in good.items()}
    assert tr.load_params(fine) is True
    np.testing.assert_array_equal(tr.last.params["W_hh"], fine["W_hh"])


def test_updates_write_through_the_live_parameter_views():
    tr = make()
    views = tr.model.param_views()
    before = views["W_hh"].copy()
    tr.run(steps=1)
    assert not np.array_equal(views["W_hh"], before)      # the same arrays, changed in place
    np.testing.assert_array_equal(views["W_hh"], tr.model.get_params()["W_hh"])


def test_the_spectrum_is_recomputed_as_often_as_its_cost_allows() -> None:
    tr = make()
    first = tr.run(steps=5).spectrum
    tr.recorder.spectrum_cost = 0.0                       # free: every snapshot
    second = tr.run(steps=5).spectrum
    assert first is not second
    assert second.w_hh_eigvals.shape == (8,)
    tr.recorder.spectrum_cost = 10.0                      # as if it took 10 s: wait for 100 s of training
    assert tr.run(steps=5).spectrum is second
    assert tr.load_params(dict(tr.model.get_params()))   # new weights: always a fresh one
    assert tr.last.spectrum is not second


def now(step: int, wall: float = 0.0) -> Progress:
    return Progress(step=step, epoch=0.0, wall=wall, done=False, stop=None, total_steps=10_000,
                    end_epoch=100, config=config())


def test_the_recorder_thins_its_history_but_keeps_every_change_marker():
    task, model = SumTask(), build_model(config().model, 0)
    rec = Recorder(task)
    marked = set(range(5, HISTORY_MAX + 400, 7))          # a change every 7 records, ~270 in all
    for step in range(1, HISTORY_MAX + 400):
        if step in marked:
            rec.changes.append(Change("lr", 0.02, 0.01))
        rec.evaluated(model, now(step), 0.0)
    steps = [r.step for r in rec.history]
    assert len(steps) <= HISTORY_MAX and steps == sorted(steps) and steps[-1] == HISTORY_MAX + 399
    assert {r.step for r in rec.history if r.changes} == marked
    assert rec.last.history[-1] is rec.last.record and len(rec.last.history) == len(steps)


def test_the_recorder_computes_a_new_spectrum_for_new_weights():
    task, model = SumTask(), build_model(config().model, 0)
    rec = Recorder(task)
    first = rec.evaluated(model, now(1), 0.0).spectrum
    rec.spectrum_cost = 10.0                              # as if it took 10 s: due after 100 s of training
    assert rec.evaluated(model, now(2, wall=50.0), 0.0).spectrum is first
    params = model.get_params()
    model.set_params({**params, "W_hh": 0.5 * params["W_hh"]})
    second = rec.evaluated(model, now(3, wall=50.0), 0.0, new_weights=True).spectrum
    assert second is not first                            # the eigenvalues of W_hh halve with it
    np.testing.assert_allclose(np.sort(np.abs(second.w_hh_eigvals)),
                               0.5 * np.sort(np.abs(first.w_hh_eigvals)))
    rec.spectrum_cost = 0.1                               # due again after 1 s of training
    assert rec.evaluated(model, now(4, wall=51.5), 0.0).spectrum is not second


class Clock:
    """time.perf_counter on a script: each call returns the next value."""

    def __init__(self, *values: float) -> None:
        self.values = list(values)

    def perf_counter(self) -> float:
        return self.values.pop(0) if len(self.values) > 1 else self.values[0]


def test_step_seconds_is_none_before_a_step_then_a_running_mean(monkeypatch):
    tr = make()
    assert tr.step_seconds is None
    tr.run(steps=0)
    assert tr.step_seconds is None                        # no update: nothing measured
    tr.run(steps=2)
    assert tr.step_seconds > 0                            # measured on the real clock
    tr = make()
    monkeypatch.setattr(trainer, "time", Clock(0.0, 0.5))  # 2 updates in 0.5 s
    tr.run(steps=2)
    assert tr.step_seconds == 0.25 and tr.wall == 0.5
    monkeypatch.setattr(trainer, "time", Clock(1.0, 1.75))  # 1 update in 0.75 s
    tr.run(steps=1)
    assert tr.step_seconds == 0.5                         # halfway between the old mean and the new cost


def test_a_diverged_run_resumes_from_the_last_snapshot_before_the_blow_up():
    sine = get_experiment("sine")
    run = sine.preset().replace(lr=1.0, optimizer="sgd", clip_mode="off", activation="relu", hidden_size=64)
    tr = Trainer(sine.make_task(run), run)
    first = tr.run(steps=1)                                   # the page's first tick: one step, drawn
    stopped = tr.run(steps=100)
    assert stopped.stop is not None and stopped.stop.kind == "diverged" and stopped.step == 2
    assert tr.extend() == 1                                   # the weights of step 1, the last drawn
    for k, v in tr.model.get_params().items():
        np.testing.assert_array_equal(v, first.params[k])
    tr.apply(dataclasses.replace(tr.cfg, lr=0.001))
    again = tr.run(steps=20)
    assert again.stop is None and again.step == 22 and np.isfinite(again.train_loss)
