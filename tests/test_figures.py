"""Figures: real snapshots from tiny runs → plotly figures; content, fixed ranges, markers, robustness."""

import dataclasses
import json
import types

import numpy as np
import pytest

from rnn_core import ModelConfig, TrainConfig
from rnn_core.experiments import experiment_ids, get_experiment
from rnn_core.experiments.base import Batch, Evaluation, RunConfig, Task
from rnn_core.trainer import Trainer
from ui import figures as F
from ui import plotstyle as S
from ui.panels import abcde as abcde_panels
from ui.panels import prediction_figures

T_LEN = 6


class MeanTask(Task):
    """Regress the mean of a short random sequence (targets "last"), or every running mean ("all")."""

    def __init__(self, targets: str = "last", with_val: bool = True) -> None:
        rng = np.random.default_rng(0)
        self.targets, self.with_val = targets, with_val
        self.x = rng.uniform(-1, 1, (32, T_LEN, 1))
        run_mean = np.cumsum(self.x, axis=1) / np.arange(1, T_LEN + 1)[None, :, None]
        self.y = run_mean if targets == "all" else run_mean[:, -1]

    @property
    def probe_x(self) -> np.ndarray:
        return self.x[:1]

    def epoch_batches(self, rng, batch_size):
        idx = rng.permutation(len(self.x))
        return [Batch(self.x[idx[i:i + batch_size]], self.y[idx[i:i + batch_size]])
                for i in range(0, len(idx), batch_size)]

    def evaluate(self, model, rng):
        out = model.forward(self.x).outputs
        out = out if self.targets == "all" else out[:, -1]
        mse = float(np.mean((out - self.y) ** 2))
        return Evaluation(val_loss=mse if self.with_val else None, metrics={"mse": mse})


def trainer(targets="last", with_val=True, activation="tanh", **train) -> Trainer:
    cfg = dict(lr=0.02, epochs=500, batch_size=8, clip_mode="norm", clip=1.0) | train
    run = RunConfig(ModelConfig(input_size=1, hidden_size=5, output_size=1, activation=activation,
                                dtype="float64"), TrainConfig(**cfg))
    return Trainer(MeanTask(targets, with_val), run)


def common_figures(snap, targets="last"):
    return [F.loss_figure(snap, x_max=100), F.hidden_figure(snap, "tanh"),
            F.grad_heatmap_figure(snap, targets, x_max=100), F.grad_norm_figure(snap, x_max=100)]


def hint_texts(fig):
    return [a.text for a in fig.layout.annotations]


def check_house_style(fig):
    """Fixed height, uirevision, readable fonts, a title, and it serialises."""
    assert fig.layout.height == S.HEIGHT
    assert fig.layout.uirevision
    assert fig.layout.font.size >= 12 and fig.layout.title.text
    json.loads(fig.to_json())


@pytest.fixture(scope="module")
def live():
    """A run with two snapshots, then lr changed mid-run, then two more."""
    tr = trainer()
    tr.snapshot()
    for _ in range(2):
        tr.run(steps=4)
    tr.apply(dataclasses.replace(tr.cfg, lr=0.05))
    tr.run(steps=4)
    return tr, tr.run(steps=4)


def test_loss_figure_has_log_axis_fixed_ranges_and_change_marker(live):
    _, snap = live
    fig = F.loss_figure(snap, x_max=100)
    check_house_style(fig)
    names = [t.name for t in fig.data]
    assert names[:2] == ["train", "validation"] and "knob change" in names
    assert fig.layout.yaxis.type == "log" and len(fig.layout.yaxis.range) == 2
    assert list(fig.layout.xaxis.range) == [0, 100]
    marker = next(t for t in fig.data if t.name == "knob change")
    assert marker.hovertext == ("Learning rate 0.02 → 0.05",) and marker.x == (8,)   # changed after step 8
    assert [s.x0 for s in fig.layout.shapes if s.line.dash == "dot"] == [8]
    lo, hi = fig.layout.yaxis.range
    losses = np.concatenate([t.y for t in fig.data[:2]])
    assert 10 ** lo <= np.nanmin(losses) and np.nanmax(losses) <= 10 ** hi


def test_ranges_only_widen_as_training_goes_on():
    tr = trainer()
    ranges = []
    for _ in range(4):
        tr.run(steps=5)
        ranges.append(F.loss_figure(tr.last).layout.yaxis.range)
    for (lo0, hi0), (lo1, hi1) in zip(ranges, ranges[1:], strict=False):
        assert lo1 <= lo0 and hi1 >= hi0


def test_empty_and_nan_snapshots_do_not_raise():
    for fig in common_figures(None):
        check_house_style(fig)
        assert S.EMPTY_HINT in hint_texts(fig)
    first = trainer().snapshot()                      # step 0: no gradients yet
    assert S.EMPTY_HINT in hint_texts(F.grad_heatmap_figure(first, "last"))
    tr = trainer()
    snap = tr.run(steps=3)
    nan_rec = dataclasses.replace(snap.record, train_loss=np.nan, val_loss=None, grad_norm_before=np.inf,
                                  grad_norm_after=np.nan, step_grad_norms=np.full(T_LEN, np.nan))
    bad = dataclasses.replace(snap, record=nan_rec, history=(nan_rec,),
                              probe_hidden=np.full((T_LEN, 5), np.nan), spectrum=None)
    for fig in common_figures(bad):
        check_house_style(fig)
    assert "no finite loss yet" in hint_texts(F.loss_figure(bad))
    assert "no finite gradient yet" not in hint_texts(F.grad_norm_figure(bad))   # one record: press Train


def test_missing_validation_loss_draws_train_only():
    snap = trainer(with_val=False).run(steps=6)
    fig = F.loss_figure(snap)
    assert [t.name for t in fig.data] == ["train"]


@pytest.mark.parametrize(("activation", "zmin", "zmax"),
                         [("tanh", -1, 1), ("sigmoid", 0, 1), ("relu", 0, None)])
def test_hidden_heatmap_colour_range_follows_activation(activation, zmin, zmax):
    snap = trainer(activation=activation).run(steps=3)
    fig = F.hidden_figure(snap, activation)
    check_house_style(fig)
    (hm,) = fig.data
    assert hm.type == "heatmap" and np.asarray(hm.z).shape == (5, T_LEN)    # unit × time step
    assert hm.zmin == zmin
    assert hm.zmax == zmax if zmax is not None else hm.zmax >= np.nanmax(snap.probe_hidden)
    assert F.hidden_figure(snap, "relu", zmax=37.0).data[0].zmax == 50     # running max, rounded up


def test_grad_heatmap_draws_truncation_window_per_record():
    tr = trainer(bptt_truncate=2)
    tr.run(steps=4)
    tr.apply(dataclasses.replace(tr.cfg, bptt_truncate=None))
    snap = tr.run(steps=4)
    fig = F.grad_heatmap_figure(snap, "last")
    check_house_style(fig)
    hm = fig.data[0]
    z = np.asarray(hm.z)
    assert hm.type == "heatmap" and z.shape == (T_LEN, len(snap.history))   # time step × training step
    assert float(hm.zmin).is_integer() and float(hm.zmax).is_integer()      # log10 colour, whole decades
    assert np.all(np.isnan(z[:T_LEN - 2, 0])) and np.all(np.isfinite(z[T_LEN - 2:, 0]))  # cut: blank
    edge = next(t for t in fig.data if t.name.startswith("window edge"))
    np.testing.assert_equal(edge.y, [T_LEN - 2 - 0.5, np.nan])               # t = T − k, then full BPTT
    full = F.grad_heatmap_figure(trainer().run(steps=3), "last")
    assert len(full.data) == 1 and "full BPTT" in full.layout.title.subtitle.text


def test_grad_heatmap_band_for_all_targets():
    snap = trainer(targets="all", bptt_truncate=3).run(steps=4)
    fig = F.grad_heatmap_figure(snap, "all")
    band = next(t for t in fig.data if t.name and t.name.startswith("reach"))
    assert list(band.y) == [2.5] and band.fill == "tonexty"


def test_grad_norm_threshold_line_follows_clip_mode():
    tr = trainer(clip_mode="norm", clip=0.5)
    tr.run(steps=4)
    tr.apply(dataclasses.replace(tr.cfg, clip_mode="value"))
    snap = tr.run(steps=4)
    fig = F.grad_norm_figure(snap, x_max=100)
    check_house_style(fig)
    assert fig.layout.yaxis.type == "log"
    thr = next(t for t in fig.data if t.name == "clip threshold")
    np.testing.assert_equal(thr.y, [0.5, np.nan])
    assert "each element" in fig.layout.title.subtitle.text
    assert "knob change" in [t.name for t in fig.data]
    off = F.grad_norm_figure(trainer(clip_mode="off").run(steps=3))
    assert "clip threshold" not in [t.name for t in off.data]
    after = next(t for t in fig.data if t.name == "after clipping")
    assert after.y[0] <= 0.5 + 1e-9                  # the norm-mode record stays under its threshold


# ----------------------------------------------------------------------------- task figures

def tiny_snapshot(exp_id):
    exp = get_experiment(exp_id)
    run = exp.preset("default").replace(epochs=1)
    data = None
    if exp_id == "dinos":                                # a small corpus keeps evaluation quick
        data = "\n".join(["tyrannosaurus", "stegosaurus", "allosaurus", "diplodocus", "iguanodon",
                          "triceratops", "velociraptor", "brachiosaurus", "ankylosaurus", "spinosaurus"] * 2)
        run = exp.fit_run(run, data)
    tr = Trainer(exp.make_task(run, data), run)
    return tr, tr.run(steps=2)


@pytest.mark.parametrize("exp_id", experiment_ids())
def test_prediction_figures_of_every_experiment(exp_id):
    tr, snap = tiny_snapshot(exp_id)
    figs = prediction_figures(exp_id, snap)
    assert figs and all(len(f.data) >= 1 for f in figs)
    for fig in figs:
        check_house_style(fig)
        assert S.EMPTY_HINT not in hint_texts(fig)
    for fig in prediction_figures(exp_id, None):
        check_house_style(fig)
    first = figs[0]
    if exp_id == "sine":
        assert list(first.layout.yaxis.range) == pytest.approx([-1.2, 1.2], abs=1e-3)
        assert [t.name for t in first.data] == ["series", "truth", "prediction"]
    if exp_id == "elman":
        assert [t.name for t in first.data] == ["actual", "predicted"]
    if exp_id == "xsinx":
        assert [s.x0 for s in first.layout.shapes] == pytest.approx([6.0])
        assert "extrapolation" in [t.name for t in first.data]
    if exp_id == "dinos":
        from rnn_core.text import next_char_probs
        p = next_char_probs(tr.model, "tyr", vocab=tr.task.vocab)
        bars = prediction_figures("dinos", snap, chars=snap.predictions["vocab"], probs=p, prefix="tyr")[1]
        assert bars.data[0].type == "bar" and list(bars.layout.yaxis.range) == [0, 1]
        assert bars.data[0].x[0] == "⏎" and "tyr" in bars.layout.title.text
        assert np.sum(bars.data[0].y) == pytest.approx(1.0)


@pytest.mark.parametrize("exp_id", experiment_ids())
def test_prediction_figures_survive_nan_predictions(exp_id):
    _, snap = tiny_snapshot(exp_id)
    nan = {k: np.full(np.shape(v), np.nan) if isinstance(v, np.ndarray) and v.dtype.kind == "f" else v
           for k, v in snap.predictions.items()}
    for fig in prediction_figures(exp_id, dataclasses.replace(snap, predictions=nan)):
        check_house_style(fig)
    for fig in prediction_figures(exp_id, dataclasses.replace(snap, predictions={})):
        assert S.EMPTY_HINT in hint_texts(fig)


def test_abcde_figures_from_predictions():
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.ones(5), size=5)
    snap = types.SimpleNamespace(predictions={"letters": list("abcde"), "probs": probs,
                                              "hidden": np.tanh(rng.normal(size=(5, 8)))})
    bars, traj = prediction_figures("abcde", snap, letter="c")
    assert list(bars.data[0].y) == pytest.approx(probs[2]) and list(bars.layout.yaxis.range) == [0, 1]
    (sc,) = traj.data
    assert sc.type == "scatter3d" and sc.mode == "lines+markers+text" and sc.text[:5] == tuple("abcde")
    assert traj.layout.scene.xaxis.range[0] < -1 and traj.layout.scene.zaxis.range[1] > 1
    assert "first 3 of 8" in traj.layout.title.text
    check_house_style(traj)
    json.loads(abcde_panels.abcde_trajectory_figure(None).to_json())


def test_unknown_experiment_raises():
    with pytest.raises(ValueError, match="exp_id"):
        prediction_figures("nope", None)


def test_a_diverged_run_draws_a_readable_axis_and_a_marked_stop():
    tr = trainer(lr=10.0, optimizer="sgd", clip_mode="off")
    tr.run(steps=2)
    tr.model.set_params({**tr.model.get_params(), "W_hy": np.full((5, 1), 1e30)})
    tr.run(steps=2)                                      # losses of ~1e60, then inf: the run stops
    for _ in range(40):
        snap = tr.run(steps=5)
        if snap.stop is not None:
            break
    assert snap.stop is not None and snap.stop.kind in ("diverged", "overflow")
    for fig in (F.loss_figure(snap), F.grad_norm_figure(snap)):
        lo, hi = fig.layout.yaxis.range
        assert hi - lo <= S.MAX_DECADES
        assert len(fig.layout.yaxis.tickvals) <= S.MAX_TICKS
        stop = next(t for t in fig.data if t.name == "diverged")
        assert stop.x == (snap.step,) and stop.hovertext == (snap.stop_reason,)
        assert stop.y[0] == pytest.approx(10 ** hi)


def test_loss_figure_names_the_held_out_loss_as_the_task_says():
    fig = F.loss_figure(trainer().run(steps=3), val_name="extrapolation")
    assert [t.name for t in fig.data][:2] == ["train", "extrapolation"]


def test_predictions_off_the_chart_are_marked_at_the_edge():
    from ui.panels.sine import sine_figure
    series = np.sin(np.arange(200.0))
    snap = types.SimpleNamespace(predictions={"t": np.arange(150, 155), "y_true": series[150:155],
                                              "y_pred": np.array([0.5, 9.0, -7.0, np.inf, 0.1]),
                                              "series": series, "seq_len": 50})
    fig = sine_figure(snap)
    (marks,) = [t for t in fig.data if t.name == "prediction off the chart"]
    lo, hi = fig.layout.yaxis.range
    assert list(marks.x) == [151, 153, 152]
    assert list(marks.marker.symbol) == ["triangle-up", "triangle-up", "triangle-down"]
    assert all(lo < y < hi for y in marks.y) and marks.y[0] > 0.9 * hi and marks.y[2] < 0.9 * lo


def test_compared_runs_share_the_complex_plane_but_a_blown_up_run_keeps_its_own() -> None:
    from types import SimpleNamespace as NS

    from ui.dynfigs import spectrum_extent, spectrum_figure

    def snap(radius: float) -> NS:
        return NS(spectrum=NS(cell="rnn", finite=True, w_hh_eigvals=np.array([radius + 0j, 0.5j]),
                              jac_eigvals=np.array([0.9 * radius + 0j])))
    calm, wide, blown = snap(1.0), snap(2.0), snap(1e15)
    extent = spectrum_extent([calm, wide, blown])
    assert extent[0] == 2.1                                      # 2.0 × 1.05: the widest readable run
    x_calm = spectrum_figure(calm, extent).layout.xaxis.range
    x_blown = spectrum_figure(blown, extent).layout.xaxis.range
    assert list(x_calm) == [-2.1, 2.1] and x_blown[1] == 1.05e15
