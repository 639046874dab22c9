"""Inside one step (rnn_core/stepview.py), the plain reference RNN (rnn_core/reference.py), the hidden-state
trajectory (rnn_core/trajectory.py), free-running against one-step-ahead prediction (Task.free_run) and the
CLI's ``inspect``. Every number is checked against an independent computation: NumpyRNN's vectorised
BPTT, torch autograd on graphs written here (with detach at the truncation), or a value stated literally."""

from __future__ import annotations

import inspect
import json

import numpy as np
import pytest

from rnn_core import ModelConfig, build_model, cli, reference
from rnn_core.experiments import experiment_ids, get_experiment
from rnn_core.trainer import Trainer

torch = pytest.importorskip("torch")

T, IN, HID, OUT = 7, 3, 5, 4


def make_data(cfg: ModelConfig, targets: str, rng: np.random.Generator, t: int = T):
    """One sequence x (1, t, in) and its targets as the contract shapes them (a padded class id in "all")."""
    x = rng.standard_normal((1, t, cfg.input_size))
    lead = (1,) if targets == "last" else (1, t)
    if cfg.head == "regression":
        return x, rng.standard_normal((*lead, cfg.output_size))
    y = rng.integers(0, cfg.output_size, lead)
    if targets == "all":
        y[0, 2] = -1                                                 # padding: no loss term at step 2
    return x, y


def close(a, b, tol: float) -> None:
    np.testing.assert_allclose(np.asarray(a, np.float64), np.asarray(b, np.float64), rtol=tol,
                               atol=tol * 1e-3)


# ----------------------------------------------------------------------------- the reference RNN

@pytest.mark.parametrize("k", [None, 1, 3, T, 20])
@pytest.mark.parametrize("targets", ["last", "all"])
@pytest.mark.parametrize("head", ["regression", "classification"])
@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
def test_reference_equals_numpy_rnn(activation, head, targets, k):
    cfg = ModelConfig(input_size=IN, hidden_size=HID, output_size=OUT, activation=activation, head=head,
                      dtype="float64")
    model = build_model(cfg, seed=1)
    rng = np.random.default_rng(2)
    x, y = make_data(cfg, targets, rng)
    h0 = rng.standard_normal((1, HID))
    want = model.loss_and_grads(x, y, h0=h0, bptt_truncate=k, targets=targets)
    got = reference.run(model.get_params(), x[0], y[0], h0[0], activation, head, targets, k)
    close(got.loss, want.loss, 1e-9)
    for name, g in want.grads.items():
        close(got.grads[name], g, 1e-9)
    close(got.step_grad_norms, want.step_grad_norms, 1e-9)
    close(got.h, want.hidden[0], 1e-9)


def test_reference_step_functions_read_as_the_lesson():
    """The app shows these two functions: one equation a line, the backward the forward's mirror."""
    fwd, bwd = inspect.getsource(reference.forward_step), inspect.getsource(reference.backward_step)
    assert "x_t @ p[\"W_xh\"] + h_prev @ p[\"W_hh\"] + p[\"b_h\"]" in fwd and "act(activation, a)" in fwd
    assert "act_grad(activation, h)" in bwd and "da @ p[\"W_hh\"].T" in bwd
    assert len(fwd.splitlines()) <= 10 and len(bwd.splitlines()) <= 12


# ----------------------------------------------------------------------------- inside one step

def hand_step(cell: str, activation: str, p: dict, x_t, s: tuple) -> tuple:
    """One step of each cell written out from the equations of rnn_core/torch_rnn.py's docstring."""
    h = s[0]
    if cell == "rnn":
        a = x_t @ p["W_xh"] + h @ p["W_hh"] + p["b_h"]
        return ({"tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": torch.relu}[activation](a),)
    if cell == "lstm":
        i, f, g, o = (x_t @ p["W_xh"] + h @ p["W_hh"] + p["b_h"]).chunk(4)
        c = torch.sigmoid(f) * s[1] + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c), c
    xr, xz, xn = (x_t @ p["W_xh"] + p["b_h"]).chunk(3)
    hr, hz, hn = (h @ p["W_hh"]).chunk(3)
    r, z = torch.sigmoid(xr + hr), torch.sigmoid(xz + hz)
    n = torch.tanh(xn + r * hn)
    return ((1 - z) * n + z * h,)


def per_term_grads(model, x, y, k, targets) -> tuple[dict, int]:
    """Each loss term L_s alone, as truncated BPTT defines it: a torch graph over its window h_{s-k+1} …
    h_s from the detached state before the window. Returns {s: {j: (∂L_s/∂h_j, ∂L_s/∂c_j)}} for j from
    the state before the window (j = start - 1, -1 being the initial state) to s, and k in force."""
    cfg = model.cfg
    p = {n: torch.tensor(v, dtype=torch.float64) for n, v in model.get_params().items()}
    xs, steps = torch.tensor(x[0], dtype=torch.float64), x.shape[1]
    k = steps if k is None else min(k, steps)
    states = {-1: tuple(torch.zeros(cfg.hidden_size, dtype=torch.float64)
                        for _ in range(2 if cfg.cell == "lstm" else 1))}
    with torch.no_grad():
        for t in range(steps):
            states[t] = hand_step(cfg.cell, cfg.activation, p, xs[t], states[t - 1])
    ys = {steps - 1: y[0]} if targets == "last" else {s: y[0, s] for s in range(steps)}
    if cfg.head == "classification":
        ys = {s: int(v) for s, v in ys.items() if v >= 0}
    n = len(ys) * cfg.output_size if cfg.head == "regression" else max(len(ys), 1)
    per = {}
    for s, y_s in ys.items():
        start = max(s - k + 1, 0)
        nodes = {start - 1: tuple(v.detach().clone().requires_grad_() for v in states[start - 1])}
        for j in range(start, s + 1):
            nodes[j] = hand_step(cfg.cell, cfg.activation, p, xs[j], nodes[j - 1])
            for v in nodes[j]:
                v.retain_grad()
        out = nodes[s][0] @ p["W_hy"] + p["b_y"]
        if cfg.head == "regression":
            loss = ((out - torch.tensor(y_s)) ** 2).sum() / n
        else:
            loss = -torch.log_softmax(out, dim=0)[y_s] / n
        loss.backward()
        per[s] = {j: tuple(v.grad.numpy().copy() for v in node) for j, node in nodes.items()}
    return per, k


def split_by_hand(per: dict, k: int, t: int) -> dict[str, np.ndarray]:
    """The parts of the gradient at h_t (and c_t) summed from the single terms' graphs."""
    parts = {name: np.zeros(HID) for name in ("dL_dh", "from_output", "from_next", "to_prev", "dL_dc")}
    for s, grads in per.items():
        if min(grads) < t <= s:                                      # h_t is in L_s's window
            parts["dL_dh"] += grads[t][0]
            parts["from_output" if s == t else "from_next"] += grads[t][0]
            if len(grads[t]) == 2:
                parts["dL_dc"] += grads[t][1]
        if s >= t and s - k + 1 <= t - 1:                            # h_{t-1} is in L_s's window
            parts["to_prev"] += grads[t - 1][0]
    return parts


CELLS = [("rnn", "numpy"), ("rnn", "torch"), ("lstm", "torch"), ("gru", "torch")]


@pytest.mark.parametrize("k", [None, 1, 3])
@pytest.mark.parametrize("targets", ["last", "all"])
@pytest.mark.parametrize("head", ["regression", "classification"])
@pytest.mark.parametrize("cell,backend", CELLS)
def test_step_terms_match_autograd_with_detach_at_the_truncation(cell, backend, head, targets, k):
    from rnn_core.stepview import step_terms

    cfg = ModelConfig(input_size=IN, hidden_size=HID, output_size=OUT, cell=cell, backend=backend, head=head,
                      activation="tanh", dtype="float64")
    model = build_model(cfg, seed=3)
    x, y = make_data(cfg, targets, np.random.default_rng(4))
    per, kk = per_term_grads(model, x, y, k, targets)
    norms = model.loss_and_grads(x, y, bptt_truncate=k, targets=targets).step_grad_norms
    for t in range(T):
        st = step_terms(model, x, y, t, k, targets)
        want = split_by_hand(per, kk, t)
        for name in ("dL_dh", "from_output", "from_next", "to_prev"):
            np.testing.assert_allclose(getattr(st, name), want[name], rtol=1e-9, atol=1e-12, err_msg=name)
        np.testing.assert_allclose(st.from_output + st.from_next, st.dL_dh, atol=1e-6)
        assert np.linalg.norm(st.dL_dh) == pytest.approx(norms[t], rel=1e-9, abs=1e-15)
        assert st.grad_norm == pytest.approx(norms[t], rel=1e-12, abs=1e-15)
        assert st.window == (t, min(T - 1, t + kk - 1))
        if cell == "lstm":
            np.testing.assert_allclose(st.cell_grads["dL_dc"], want["dL_dc"], rtol=1e-9, atol=1e-12)
            np.testing.assert_allclose(st.cell_grads["dc_from_h"] + st.cell_grads["dc_from_next"],
                                       st.cell_grads["dL_dc"], atol=1e-12)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
def test_rnn_step_forward_is_the_equation(activation):
    from rnn_core.stepview import step_terms

    cfg = ModelConfig(input_size=IN, hidden_size=HID, output_size=OUT, activation=activation,
                      head="classification")                          # float32, as the presets train
    model = build_model(cfg, seed=5)
    x, y = make_data(cfg, "all", np.random.default_rng(6))
    p = {n: v.astype(np.float64) for n, v in model.get_params().items()}
    h_prev = np.zeros(HID)
    for t in range(T):
        st = step_terms(model, x, y, t, None, "all")
        f = {"tanh": np.tanh, "sigmoid": lambda a: 1 / (1 + np.exp(-a)), "relu": lambda a: np.maximum(a, 0)}
        x_t = x[0, t].astype(np.float32).astype(np.float64)          # the input as the float32 model reads it
        np.testing.assert_array_equal(st.x_t, x_t)
        a = x_t @ p["W_xh"] + h_prev @ p["W_hh"] + p["b_h"]
        np.testing.assert_allclose(st.h_prev, h_prev, atol=1e-12)
        np.testing.assert_allclose(st.xW + st.hW + st.b_h, a, atol=1e-12)
        np.testing.assert_allclose(st.h, f[activation](a), atol=1e-12)
        np.testing.assert_allclose(st.y_hat, st.h @ p["W_hy"] + p["b_y"], atol=1e-12)
        assert st.probs.sum() == pytest.approx(1.0) and st.activation == activation and st.gates == {}
        assert st.grad_norm == pytest.approx(np.linalg.norm(st.dL_dh), rel=1e-4)   # the model's float32
        h_prev = st.h


def test_gates_of_the_lstm_and_the_gru():
    from rnn_core.stepview import step_terms

    for cell in ("lstm", "gru"):
        cfg = ModelConfig(input_size=IN, hidden_size=HID, output_size=OUT, cell=cell, backend="torch")
        model = build_model(cfg, seed=7)
        x, y = make_data(cfg, "last", np.random.default_rng(8))
        st = step_terms(model, x, y, 4, 2, "last")
        g = st.gates
        if cell == "lstm":
            assert all(np.all((g[n] > 0) & (g[n] < 1)) for n in "ifo") and np.all(np.abs(g["g"]) < 1)
            np.testing.assert_allclose(g["c"], g["f"] * g["c_prev"] + g["i"] * g["g"], atol=1e-12)
            np.testing.assert_allclose(st.h, g["o"] * np.tanh(g["c"]), atol=1e-12)
        else:
            assert all(np.all((g[n] > 0) & (g[n] < 1)) for n in "rz") and np.all(np.abs(g["n"]) < 1)
            np.testing.assert_allclose(st.h, (1 - g["z"]) * g["n"] + g["z"] * st.h_prev, atol=1e-12)
        assert st.activation is None and st.dL_da is None
        assert st.a.shape == st.xW.shape == ((4 if cell == "lstm" else 3) * HID,)
        # k = 2, the only loss term at 6: step 4 is out of its window, nothing reaches it
        assert st.window == (4, 5) and st.terms == () and not st.dL_dh.any()


def test_step_index_window_and_read_only_results():
    from rnn_core.stepview import step_terms

    cfg = ModelConfig(input_size=IN, hidden_size=HID, output_size=OUT)
    model = build_model(cfg, seed=9)
    x, y = make_data(cfg, "last", np.random.default_rng(10))
    last = step_terms(model, x, y, -1, 3, "last")
    assert (last.t, last.T, last.bptt_truncate) == (T - 1, T, 3)
    assert (last.window, last.terms) == ((T - 1, T - 1), (T - 1,))
    assert not last.from_next.any() and np.array_equal(last.from_output, last.dL_dh)
    early = step_terms(model, x, y, 2, 3, "last")                    # 6 - 2 ≥ 3: out of the window
    assert early.terms == () and not early.dL_dh.any() and not early.to_prev.any()
    for bad in (T, -T - 1, 1.0, True):
        with pytest.raises(ValueError, match="t: got"):
            step_terms(model, x, y, bad, 3, "last")
    with pytest.raises(ValueError):
        last.h[0] = 1.0
    assert last.as_dict()["window"] == [T - 1, T - 1] and json.dumps(last.as_dict(), allow_nan=False)


def test_under_truncation_from_next_leaves_out_the_term_that_stops_at_the_next_step():
    """k = 3, a loss term at every step: δ_{t+1} W_hhᵀ carries every term that reaches h_{t+1}, among them
    L_{t+3}, whose window h_{t+1} … h_{t+3} stops short of h_t. from_next is that minus L_{t+3}'s part."""
    from rnn_core.stepview import step_terms

    cfg = ModelConfig(input_size=IN, hidden_size=HID, output_size=OUT, dtype="float64")
    model = build_model(cfg, seed=12)
    x, y = make_data(cfg, "all", np.random.default_rng(13))
    w_hh = model.get_params()["W_hh"]
    per, _ = per_term_grads(model, x, y, 3, "all")
    t = 2
    here, nxt = step_terms(model, x, y, t, 3, "all"), step_terms(model, x, y, t + 1, 3, "all")
    naive = nxt.dL_da @ w_hh.T                                        # δ_{t+1} W_hhᵀ
    cut = (per[t + 3][t + 1][0] * (1 - nxt.h ** 2)) @ w_hh.T          # L_{t+3}'s share of it
    np.testing.assert_allclose(here.from_next, naive - cut, rtol=1e-9, atol=1e-12)
    assert np.abs(cut).max() > 1e-3 * np.abs(naive).max()            # a real difference here
    full, full_next = step_terms(model, x, y, t, None, "all"), step_terms(model, x, y, t + 1, None, "all")
    np.testing.assert_allclose(full.from_next, full_next.dL_da @ w_hh.T, rtol=1e-9, atol=1e-12)


# ----------------------------------------------------------------------------- the hidden-state trajectory

def test_trajectory_path_has_the_probe_length():
    from rnn_core import trajectory

    for exp_id in ("sine", "dinos"):
        run = cli.configure(exp_id, "default", seed=0)
        task = get_experiment(exp_id).make_task(run)
        hidden = build_model(run.model, 0).forward(task.probe_x).hidden[0]
        proj = trajectory.fit(hidden)
        assert trajectory.project(proj, hidden).shape == (task.probe_x.shape[1], 2)
        assert proj.axes.shape == (2, run.model.hidden_size) and 0 < proj.explained.sum() <= 1 + 1e-12
        np.testing.assert_allclose(proj.axes @ proj.axes.T, np.eye(2), atol=1e-12)


def test_explained_shares_of_points_on_a_known_ellipse():
    """Points on the ellipse (3 cos θ, sin θ) with a third coordinate 2 cos 2θ, equally spaced θ, turned into
    6 dimensions and moved: the variances are 9/2, 1/2 and 2 (total 7), so the two axes are the first and the
    third direction with shares 4.5/7 = 9/14 and 2/7 = 4/14, and the path is (±3 cos θ, ±2 cos 2θ)."""
    from rnn_core import trajectory

    theta = 2 * np.pi * np.arange(40) / 40
    flat = np.stack([3 * np.cos(theta), np.sin(theta), 2 * np.cos(2 * theta)], axis=1)      # (40, 3)
    q, _ = np.linalg.qr(np.random.default_rng(11).standard_normal((6, 3)))      # (6, 3), orthonormal
    offset = np.arange(6.0)
    proj = trajectory.fit(flat @ q.T + offset)
    np.testing.assert_allclose(proj.explained, [9 / 14, 4 / 14], atol=1e-12)
    np.testing.assert_allclose(proj.mean, offset, atol=1e-12)
    np.testing.assert_allclose(np.abs(proj.axes @ q), [[1, 0, 0], [0, 0, 1]], atol=1e-12)
    path = trajectory.project(proj, flat @ q.T + offset)
    np.testing.assert_allclose(np.abs(path), np.abs(flat[:, [0, 2]]), atol=1e-12)


def test_aligned_axes_keep_their_direction_from_one_tick_to_the_next():
    from rnn_core import trajectory
    from rnn_core.trajectory import Projection

    run = cli.configure("sine", "default", seed=0)
    task = get_experiment("sine").make_task(run)
    trainer = Trainer(task, run)
    old_hidden = trainer.run(steps=30).probe_hidden
    new_hidden = trainer.run(steps=5).probe_hidden                    # one tick later
    old = trajectory.fit(old_hidden)
    new = trajectory.align(trajectory.fit(new_hidden), old)
    assert np.all(np.sum(new.axes * old.axes, axis=1) > 0)
    raw = trajectory.fit(new_hidden)
    turned = Projection(raw.mean, -raw.axes[::-1], raw.explained[::-1])   # flipped and swapped
    again = trajectory.align(turned, old)
    np.testing.assert_array_equal(again.axes, new.axes)
    np.testing.assert_array_equal(again.explained, new.explained)


def test_a_single_state_or_unit_leaves_zero_axes():
    from rnn_core import trajectory

    one = trajectory.fit(np.ones((1, 4)))
    assert not one.axes.any() and not one.explained.any()
    line = trajectory.fit(np.arange(5.0)[:, None])                    # hidden size 1
    np.testing.assert_allclose(line.axes, [[1.0], [0.0]])
    np.testing.assert_allclose(line.explained, [1.0, 0.0])
    assert trajectory.project(line, np.arange(5.0)[:, None]).shape == (5, 2)


# ----------------------------------------------------------------------------- free running, one step ahead

SERIES = ("sine", "elman", "xsinx")


def trained(exp_id: str, steps: int | None = None, preset: str = "default"):
    run = cli.configure(exp_id, preset, seed=0)
    task = get_experiment(exp_id).make_task(run)
    trainer = Trainer(task, run)
    snap = trainer.run(steps=steps)
    return task, trainer.model, snap


@pytest.mark.parametrize("exp_id", SERIES)
def test_free_run_of_one_step_is_the_one_step_prediction(exp_id):
    task, model, _ = trained(exp_id, steps=20)
    one = task.free_run(model, 1)
    assert one.steps == 1 and np.max(np.abs(one.free - one.one_step)) <= 1e-9
    full = task.free_run(model)
    out = {"sine": 1, "elman": 1, "xsinx": 6}[exp_id]
    assert full.steps == {"sine": 50, "elman": 20, "xsinx": 20}[exp_id]
    assert full.truth.shape == full.one_step.shape == full.free.shape == full.where.shape == (full.steps, out)
    with pytest.raises(ValueError):
        task.free_run(model, 0)


def test_free_running_drifts_from_one_step_on_a_trained_sine():
    """The sine default preset, seed 0, trained to its end as ``python -m rnn_core train sine`` does (400
    updates). Measured: one-step RMSE 0.00123 (the validation RMSE: the one-step windows are the 50
    validation windows), free-running RMSE 0.00309 over the same 50 values. (Elman default, 300 updates:
    0.0223 one step, 0.0493 free over 20 points past t = 10; xsinx: 3.73 both, see below.)"""
    task, model, snap = trained("sine")
    assert snap.step == 400
    run = task.free_run(model, 50)
    assert run.free_rmse >= run.one_step_rmse
    assert run.one_step_rmse == pytest.approx(snap.metrics["val_rmse"], rel=1e-9)
    np.testing.assert_allclose(run.truth[:, 0], np.sin(np.arange(150, 200)), atol=1e-12)
    np.testing.assert_array_equal(run.where[:, 0], np.arange(150, 200))


def test_the_free_run_feeds_its_own_predictions_back():
    task, model, _ = trained("sine", steps=50)
    run = task.free_run(model, 8)
    c, s = task.data.center, task.data.scale                           # the model reads z = (value - c) / s
    seen = np.concatenate([task.probe_x[0, :, 0], (np.sin(np.arange(150, 157)) - c) / s])
    fed = np.concatenate([task.probe_x[0, :, 0], (run.free[:-1, 0] - c) / s])   # the probe, then its own
    for j in range(8):
        true_win, own_win = seen[j:j + 50], fed[j:j + 50]
        one, own = (model.forward(w[None, :, None]).outputs[0, -1, 0] * s + c for w in (true_win, own_win))
        assert (one, own) == pytest.approx((run.one_step[j, 0], run.free[j, 0]), abs=1e-6)
    task, model, _ = trained("elman", steps=50)
    run = task.free_run(model, 6)
    t_next = 10 + 0.4 * np.arange(6)
    np.testing.assert_allclose(run.where[:, 0], t_next, atol=1e-12)
    np.testing.assert_allclose(run.truth[:, 0], np.sin(t_next), atol=1e-12)
    fed = np.concatenate([task.probe_x[0, :, 0], run.free[:-1, 0]])      # one sequence from a zero context
    outputs = model.forward(fed[None, :, None]).outputs[0, 19:, 0]
    np.testing.assert_allclose(outputs, run.free[:, 0], atol=1e-6)


def test_xsinx_has_nothing_of_its_own_to_feed_back():
    """Its inputs are x, never its output: the free run is the one-step run, the extrapolation past x = 6."""
    task, model, snap = trained("xsinx", steps=100)
    run = task.free_run(model)
    np.testing.assert_array_equal(run.free, run.one_step)
    assert run.free_rmse == pytest.approx(snap.metrics["extrap_rmse_all"], rel=1e-9)
    x = np.arange(601, 721).reshape(20, 6) / 100
    np.testing.assert_allclose(run.where, x, atol=1e-12)
    np.testing.assert_allclose(run.truth, x * np.sin(x), atol=1e-12)


@pytest.mark.parametrize("exp_id", experiment_ids())
def test_every_probe_has_its_targets(exp_id):
    run = cli.configure(exp_id, "default", seed=0)
    task = get_experiment(exp_id).make_task(run)
    res = build_model(run.model, 0).loss_and_grads(task.probe_x, task.probe_y, targets=task.targets)
    assert np.isfinite(res.loss) and res.step_grad_norms.shape == (task.probe_x.shape[1],)
    y = task.probe_y
    lo, hi = np.sin(np.arange(150)).min(), np.sin(np.arange(150)).max()      # sine's z: to about [-1, 1]
    z150 = (np.sin(150) - (hi + lo) / 2) / ((hi - lo) / 2)
    literal = {"sine": lambda: np.testing.assert_allclose(y, [[z150]]),
               "elman": lambda: np.testing.assert_allclose(y[0, :, 0], np.sin(np.linspace(2, 10, 21)[1:])),
               "xsinx": lambda: np.testing.assert_allclose(y, [np.arange(715, 721) / 100 *
                                                                np.sin(np.arange(715, 721) / 100)]),
               "abcde": lambda: np.testing.assert_array_equal(y, [1]),
               "memory": lambda: np.testing.assert_array_equal(y, task.probe_x[0, 0].argmax(keepdims=True)),
               "dinos": lambda: task.vocab.decode(y[0]) == "tyrannosaurus\n" or pytest.fail(str(y))}
    literal[exp_id]()
    assert (task.free_run(build_model(run.model, 0)) is None) == (exp_id not in SERIES)


# ----------------------------------------------------------------------------- the CLI

def strict(text: str) -> dict:
    def refuse(name):
        raise AssertionError(f"{name} in the JSON output")
    return json.loads(text, parse_constant=refuse)


def test_inspect_json_recomputes_from_its_own_numbers(capsys):
    for preset, t, act in (("default", "3", np.tanh), ("article", "-1", lambda a: 1 / (1 + np.exp(-a)))):
        assert cli.main(["inspect", "sine", "--preset", preset, "--t", t, "--steps", "5", "--json"]) == 0
        lines = capsys.readouterr().out.strip().splitlines()
        assert len(lines) == 1
        out = strict(lines[0])
        assert (out["experiment"], out["preset"], out["step"], out["T"]) == ("sine", preset, 5, 50)
        assert out["t"] == (3 if t == "3" else 49) and out["bptt_truncate"] == (None if t == "3" else 5)
        names = ("x_t", "h_prev", "W_xh", "W_hh", "b_h", "h", "dL_dh", "from_output", "from_next", "to_prev")
        v = {k: np.array(out[k], dtype=np.float64) for k in names}
        a = v["x_t"] @ v["W_xh"] + v["h_prev"] @ v["W_hh"] + v["b_h"]
        np.testing.assert_allclose(v["h"], act(a), atol=1e-6)
        np.testing.assert_allclose(v["from_output"] + v["from_next"], v["dL_dh"], atol=1e-6)
        assert out["activation"] == ("tanh" if preset == "default" else "sigmoid") and "gates" not in out


def test_inspect_an_lstm(capsys):
    argv = ["inspect", "memory", "--preset", "short", "--set", "cell=lstm", "--t", "-1", "--steps", "3"]
    assert cli.main([*argv, "--json"]) == 0
    out = strict(capsys.readouterr().out)
    assert (out["cell"], out["activation"], out["step"], out["t"], out["T"]) == ("lstm", None, 3, 5, 6)
    g = {k: np.array(v) for k, v in out["gates"].items()}
    assert all(np.all((g[n] > 0) & (g[n] < 1)) for n in "ifo") and np.all(np.abs(g["g"]) < 1)
    assert "W_xh" not in out and "W_hh" not in out
    assert set(out["cell_grads"]) == {"dL_dc", "dc_from_h", "dc_from_next", "dc_to_prev"}
    np.testing.assert_allclose(np.add(out["from_output"], out["from_next"]), out["dL_dh"], atol=1e-6)


def test_inspect_refuses_a_step_outside_the_probe(capsys):
    for t in ("50", "-51", "1.5"):
        assert cli.main(["inspect", "sine", "--t", t, "--json"]) == 2
        out, err = capsys.readouterr()
        shown = t if t != "1.5" else repr(t)
        assert out == "" and err.splitlines() == [
            f"error: --t: got {shown}, expected a step of the probe sequence from 0 to 49 "
            "(or -1 for the last)"]
    assert cli.main(["inspect", "sine", "--t", "0", "--steps", "-1"]) == 2
    assert capsys.readouterr().err.startswith("error: --steps: got -1, expected an integer from 0 to")


def test_inspect_prints_lines_without_json(capsys):
    assert cli.main(["inspect", "abcde", "--t", "0"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "abcde (default) after 0 updates: step 0 of 1, rnn, truncation full"
    assert lines[1] == "  x_t: [1, 0, 0, 0, 0]" and lines[2] == "  h_prev: [0, 0, 0, 0, 0, 0, 0, 0]"


def test_train_json_reports_the_free_run(capsys):
    assert cli.main(["train", "elman", "--json"]) == 0
    m = strict(capsys.readouterr().out.strip().splitlines()[-1])["metrics"]
    assert m["free_steps"] == 20 and m["free_rmse"] == pytest.approx(0.0493, rel=0.05)   # measured 0.04933
    assert cli.main(["train", "abcde", "--json", "--set", "epochs=2"]) == 0
    assert "free_rmse" not in strict(capsys.readouterr().out.strip().splitlines()[-1])["metrics"]
