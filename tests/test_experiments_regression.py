"""The regression experiments: sine (article 000), elman (001) and xsinx (004)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rnn_core import build_model, cli
from rnn_core.experiments import get_experiment
from rnn_core.experiments.elman import ElmanTask
from rnn_core.experiments.sine import article_windows, make_windows
from rnn_core.experiments.xsinx import N_WIN, XSinXTask, make_data
from rnn_core.trainer import Trainer

ROOT = Path(__file__).resolve().parents[1]
IDS = ("sine", "elman", "xsinx")
# default preset: (metric, bound, steps of the full default run)
TARGETS = {"sine": ("val_rmse", 0.05, 400), "elman": ("rmse", 0.10, 300), "xsinx": ("fit_rmse", 0.20, 3000)}
JSON_KEYS = {"experiment", "preset", "steps", "seconds", "config", "metrics"}


def _train(exp_id: str, run, data=None, steps=None):
    exp = get_experiment(exp_id)
    trainer = Trainer(exp.make_task(run, data), run)
    return trainer, trainer.run(steps=steps)


def _finite_metrics(snap, exp_id: str) -> None:
    assert set(snap.metrics) == set(get_experiment(exp_id).metric_names)
    assert all(np.isfinite(v) for v in snap.metrics.values()), snap.metrics


# ----------------------------------------------------------------------------- presets

@pytest.mark.parametrize("exp_id", IDS)
def test_default_preset_meets_its_target(exp_id):
    metric, bound, steps = TARGETS[exp_id]
    run = cli.configure(exp_id, "default", seed=0)
    trainer, snap = _train(exp_id, run, steps=steps)
    assert snap.step == steps == trainer.total_steps and snap.done and snap.stop_reason is None
    assert snap.metrics[metric] <= bound, snap.metrics


@pytest.mark.parametrize("exp_id", IDS)
def test_article_preset_runs_a_few_epochs(exp_id):
    run = cli.configure(exp_id, "article", ["epochs=2"], seed=1)
    trainer, snap = _train(exp_id, run)
    assert snap.done and snap.stop_reason is None and snap.step == trainer.total_steps
    _finite_metrics(snap, exp_id)


def test_article_presets_carry_the_articles_settings():
    sine, elman, xsinx = (get_experiment(i).preset("article") for i in IDS)
    assert (sine.model.hidden_size, sine.model.activation, sine.model.init) == (100, "sigmoid", "uniform01")
    assert (sine.train.bptt_truncate, sine.train.clip_mode, sine.train.clip) == (5, "value", 10.0)
    assert (sine.train.optimizer, sine.train.batch_size, sine.train.epochs) == ("sgd", 1, 25)
    assert (elman.model.hidden_size, elman.model.init_std, elman.model.init_std_out) == (6, 0.4, 0.3)
    assert (elman.train.bptt_truncate, elman.train.batch_size, elman.train.clip_mode) == (1, 1, "off")
    assert (xsinx.model.hidden_size, xsinx.model.output_size, xsinx.train.epochs) == (20, 6, 300)
    # lr converted for our mean loss: ½(ŷ−y)² (000, 001) and Σ over 6 outputs (004)
    assert (sine.train.lr, elman.train.lr, xsinx.train.lr) == (5e-5, 0.05, pytest.approx(0.023 * 6))


# ----------------------------------------------------------------------------- sine data

def test_sine_windows_are_the_articles():
    d = article_windows()
    assert d.x_train.shape == (100, 50, 1) and d.x_val.shape == (50, 50, 1)
    assert np.array_equal(d.t_val, np.arange(150, 200))
    back = d.y_val[:, 0] * d.scale + d.center
    np.testing.assert_allclose(back, np.sin(np.arange(150, 200)), atol=1e-12)
    np.testing.assert_allclose(d.x_train[7, :, 0] * d.scale + d.center, np.sin(np.arange(7, 57)), atol=1e-12)


def test_sine_learns_a_users_series_in_its_own_units():
    t = np.arange(150)
    series = 100 + 40 * np.sin(0.4 * t)                            # far from [-1, 1]
    run = cli.configure("sine", "default", seed=0)
    trainer, snap = _train("sine", run, data=series)
    d = trainer.task.data
    assert d.seq_len == 50 and d.n_train == 67 and len(d.y_val) == 33
    p = snap.predictions
    np.testing.assert_allclose(p["y_true"], series[p["t"]])        # truth in the series' own units
    assert snap.metrics["val_rmse"] <= 0.05 * 40                    # 5 % of the amplitude


@pytest.mark.parametrize("n", [20, 21, 31, 1000])
def test_sine_short_and_long_user_series_run(n):
    series = np.cos(0.3 * np.arange(n)) + 0.1 * np.random.default_rng(n).standard_normal(n)
    run = cli.configure("sine", "default", ["batch_size=4", "epochs=1"], seed=0)
    trainer, snap = _train("sine", run, data=series)
    d = trainer.task.data
    assert d.seq_len == min(50, n // 3) and d.n_train + len(d.y_val) == n - d.seq_len
    assert len(d.y_val) >= 1 and snap.done
    _finite_metrics(snap, "sine")


def test_sine_constant_series_and_bad_series():
    d = make_windows(np.full(30, 2.5))
    assert d.scale == 1.0 and np.all(d.x_train == 0)
    for bad in (np.arange(19.0), np.array([1.0] * 25 + [np.nan])):
        with pytest.raises(ValueError, match="at least 20"):
            make_windows(bad)


def test_sine_long_series_is_thinned():
    series = np.sin(0.05 * np.arange(40_000))
    task = get_experiment("sine").make_task(get_experiment("sine").preset(), series)
    batches = task.epoch_batches(np.random.default_rng(0), 64)
    assert sum(len(b.x) for b in batches) == 10_000
    model = build_model(get_experiment("sine").preset().model, 0)
    assert len(task.evaluate(model, np.random.default_rng(0)).predictions["t"]) == 1000


def test_sine_epoch_visits_every_training_window_once():
    task = get_experiment("sine").make_task(get_experiment("sine").preset())
    for bs in (1, 7, 100, 4096):
        batches = task.epoch_batches(np.random.default_rng(bs), bs)
        assert len(batches) == -(-100 // bs)
        firsts = np.concatenate([b.x[:, 0, 0] for b in batches])   # a window is known by its first value
        assert np.array_equal(np.sort(firsts), np.sort(task.data.x_train[:, 0, 0]))


# ----------------------------------------------------------------------------- elman

@pytest.mark.parametrize("bs, sizes", [(1, [1] * 20), (7, [7, 7, 6]), (20, [20]), (64, [20])])
def test_elman_chunks_the_one_sequence(bs, sizes):
    batches = ElmanTask().epoch_batches(np.random.default_rng(0), bs)
    assert [b.x.shape[1] for b in batches] == sizes
    assert [b.reset for b in batches] == [True] + [False] * (len(sizes) - 1)
    x = np.concatenate([b.x[0, :, 0] for b in batches])
    y = np.concatenate([b.y[0, :, 0] for b in batches])
    s = np.sin(np.linspace(2, 10, 21))
    np.testing.assert_allclose(x, s[:-1])
    np.testing.assert_allclose(y, s[1:])


def test_elman_article_carries_the_context_between_points():
    run = cli.configure("elman", "article", ["epochs=1"], seed=0)
    exp = get_experiment("elman")
    trainer = Trainer(exp.make_task(run), run)
    h0 = trainer.model.forward(trainer.task.x[:, :1]).h_last
    trainer.train_step()
    np.testing.assert_allclose(trainer._h, h0, rtol=1e-5)          # the state after point 0 is kept


# ----------------------------------------------------------------------------- xsinx

def test_xsinx_data_and_windows():
    x, y, clean = make_data(0)
    assert x.shape == (120, 6) and y.shape == (100, 6)
    np.testing.assert_allclose(x.ravel(), np.arange(1, 721) / 100)
    assert np.max(np.abs(y - clean[:100])) <= 0.01
    assert not np.allclose(y, make_data(1)[1]) and np.array_equal(y, make_data(0)[1])
    task = XSinXTask(0)
    assert task.x_win.shape == (96, 5, 6) and task.y_win.shape == (96, 6)
    np.testing.assert_array_equal(task.x_win[10], x[10:15])
    np.testing.assert_array_equal(task.y_win[10], y[14])           # target: y of the window's last group


@pytest.mark.parametrize("bs", [1, 7, 16, 96, 500])
def test_xsinx_streams_cover_every_window_in_order(bs):
    task = XSinXTask(0)
    batches = task.epoch_batches(np.random.default_rng(0), bs)
    b = min(bs, N_WIN)
    assert all(bt.x.shape == (b, 5, 6) and not bt.reset for bt in batches)
    first = np.stack([bt.x[:, 0, 0] for bt in batches])             # (length, b): first x of each window
    k = np.rint(first * 100 - 1).astype(int) // 6                   # window index
    assert set(k.ravel()) == set(range(N_WIN))
    assert np.all(np.diff(k, axis=0) == 1)                          # each stream walks on by one window


def test_xsinx_evaluation_is_the_chained_pass():
    run = cli.configure("xsinx", "default", seed=2)
    trainer, snap = _train("xsinx", run, steps=60)
    task, model = trainer.task, trainer.model
    h, fit = np.zeros((1, model.state_size)), []
    for k in range(N_WIN):                                          # window after window, state carried
        f = model.forward(task.x_win[k:k + 1], h)
        fit.append(f.outputs[0, -1])
        h = f.h_last
    ext = model.forward(task.xg[None, 100:], h).outputs[0]
    p = snap.predictions
    np.testing.assert_allclose(p["y_fit_pred"], np.ravel(fit), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(p["y_ext_pred"], ext.ravel(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(p["x_ext"], np.arange(601, 721) / 100)
    assert len(p["x_fit"]) == len(p["y_fit_true"]) == 576


# ----------------------------------------------------------------------------- every knob a user can set

@pytest.mark.parametrize("exp_id", IDS)
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_torch_cells(exp_id, cell):
    run = cli.configure(exp_id, "default", [f"cell={cell}", "backend=torch", "hidden_size=8", "batch_size=4"])
    trainer, snap = _train(exp_id, run, steps=3)
    assert snap.step == 3 and snap.probe_hidden.shape[1] == 8
    _finite_metrics(snap, exp_id)


@pytest.mark.parametrize("exp_id", IDS)
@pytest.mark.parametrize("sets", [
    ["batch_size=1", "bptt_truncate=1"], ["batch_size=3", "bptt_truncate=2"],
    ["batch_size=4096", "bptt_truncate=full", "activation=relu"],
    ["batch_size=2", "bptt_truncate=200", "activation=sigmoid", "hidden_size=1"]])
def test_numpy_knobs(exp_id, sets):
    run = cli.configure(exp_id, "default", sets, seed=4)
    trainer, snap = _train(exp_id, run, steps=5)
    assert snap.step == min(5, trainer.total_steps) and snap.stop_reason is None
    assert snap.record.step_grad_norms.shape == (trainer.task.max_len,)
    _finite_metrics(snap, exp_id)


def test_wrong_sizes_are_refused():
    for exp_id in IDS:
        run = get_experiment(exp_id).preset().replace(input_size=3)
        with pytest.raises(ValueError, match="input_size"):
            get_experiment(exp_id).make_task(run)
