"""The torch backend: parity with the numpy model, gated cells against finite differences and
against a brute-force truncated BPTT built from torch.nn.LSTMCell / GRUCell, input validation."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from rnn_core import ModelConfig, build_model, torch_rnn  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
B, T, IN, HID, OUT = 3, 7, 2, 5, 4


def make_data(cfg: ModelConfig, targets: str, rng: np.random.Generator, b: int = B, t: int = T):
    """x (b, t, in) and targets for the head; classification targets include padding (-1)."""
    x = rng.standard_normal((b, t, cfg.input_size))
    lead = (b,) if targets == "last" else (b, t)
    if cfg.head == "regression":
        return x, rng.standard_normal((*lead, cfg.output_size))
    y = rng.integers(0, cfg.output_size, lead)
    y.flat[:: 3] = -1                                                   # some padding positions
    return x, y


def rel_err(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b), initial=0.0) / max(np.max(np.abs(a), initial=0.0), 1e-300))


def assert_same_result(a, b, tol: float = 1e-9) -> None:
    assert abs(a.loss - b.loss) <= tol * max(abs(a.loss), 1e-300)
    for name in ("hidden", "h_last", "step_grad_norms", "outputs"):
        assert getattr(a, name).shape == getattr(b, name).shape, name
        assert rel_err(getattr(a, name), getattr(b, name)) <= tol, name
    assert set(a.grads) == set(b.grads)
    for name in a.grads:
        assert a.grads[name].shape == b.grads[name].shape, name
        assert rel_err(a.grads[name], b.grads[name]) <= tol, name


# ----------------------------------------------------------------------------- rnn cell: numpy parity

@pytest.mark.parametrize("use_h0", [False, True])
@pytest.mark.parametrize("k", [1, 3, None])
@pytest.mark.parametrize("targets", ["last", "all"])
@pytest.mark.parametrize("head", ["regression", "classification"])
@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
def test_rnn_parity_with_numpy(activation, head, targets, k, use_h0):
    kw = dict(input_size=IN, hidden_size=HID, output_size=OUT, activation=activation, head=head,
              dtype="float64")
    m_np = build_model(ModelConfig(**kw), seed=3)
    m_t = build_model(ModelConfig(**kw, backend="torch"), seed=4)
    m_t.set_params(m_np.get_params())
    rng = np.random.default_rng(5)
    x, y = make_data(m_np.cfg, targets, rng)
    h0 = rng.standard_normal((B, HID)) if use_h0 else None
    a = m_np.loss_and_grads(x, y, h0=h0, bptt_truncate=k, targets=targets)
    b = m_t.loss_and_grads(x, y, h0=h0, bptt_truncate=k, targets=targets)
    assert_same_result(a, b)
    fa, fb = m_np.forward(x, h0), m_t.forward(x, h0)
    for name in ("outputs", "hidden", "h_last"):
        assert rel_err(getattr(fa, name), getattr(fb, name)) <= 1e-9


@pytest.mark.parametrize("init", ["default", "uniform01", "normal"])
def test_rnn_same_seed_same_weights_as_numpy(init):
    kw = dict(input_size=3, hidden_size=6, output_size=2, init=init, dtype="float64")
    p_np = build_model(ModelConfig(**kw), seed=11).get_params()
    p_t = build_model(ModelConfig(**kw, backend="torch"), seed=11).get_params()
    assert list(p_t) == ["W_xh", "W_hh", "b_h", "W_hy", "b_y"]
    for name, v in p_np.items():
        np.testing.assert_array_equal(v, p_t[name])


def test_all_padding_gives_zero_loss_and_grads():
    cfg = ModelConfig(IN, HID, OUT, head="classification", backend="torch", dtype="float64")
    res = build_model(cfg).loss_and_grads(np.ones((B, T, IN)), -np.ones((B, T), dtype=int), targets="all")
    assert res.loss == 0.0
    assert all(not np.any(g) for g in res.grads.values())


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_window_chunks_change_nothing(cell, monkeypatch):
    cfg = ModelConfig(IN, HID, OUT, cell=cell, backend="torch", dtype="float64")
    m = build_model(cfg, seed=1)
    x, y = make_data(cfg, "all", np.random.default_rng(0), t=9)
    one_pass = m.loss_and_grads(x, y, bptt_truncate=3, targets="all")
    monkeypatch.setattr(torch_rnn, "WINDOW_BUDGET", 1)                  # one window per pass
    assert_same_result(one_pass, m.loss_and_grads(x, y, bptt_truncate=3, targets="all"), 1e-12)


# ----------------------------------------------------------------------------- gated cells

def gated(cell: str, head: str = "regression", dtype: str = "float64", seed: int = 0):
    cfg = ModelConfig(IN, 3, 2, cell=cell, head=head, backend="torch", dtype=dtype)
    return build_model(cfg, seed=seed)


def loss_from_forward(model, x, y, h0, targets: str) -> float:
    """The contract's loss computed in numpy from forward() alone (no autograd involved)."""
    out = model.forward(x, h0).outputs                                  # (batch, time, out)
    out = out[:, -1] if targets == "last" else out
    if model.cfg.head == "regression":
        return float(np.mean((out - y) ** 2))
    z = out - out.max(axis=-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    mask = y >= 0
    picked = np.take_along_axis(logp, np.maximum(y, 0)[..., None], axis=-1)[..., 0]
    return float(-picked[mask].sum() / max(mask.sum(), 1))


@pytest.mark.parametrize("targets", ["last", "all"])
@pytest.mark.parametrize("head", ["regression", "classification"])
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_gated_grads_match_finite_differences(cell, head, targets):
    m = gated(cell, head)
    rng = np.random.default_rng(7)
    x, y = make_data(m.cfg, targets, rng, b=2, t=5)
    h0 = 0.5 * rng.standard_normal((2, m.state_size))
    res = m.loss_and_grads(x, y, h0=h0, targets=targets)
    assert res.loss == pytest.approx(loss_from_forward(m, x, y, h0, targets), rel=1e-12)
    params, eps = m.get_params(), 1e-6
    for name, p in params.items():
        num = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            for sign in (1, -1):
                q = {n: v.copy() for n, v in params.items()}
                q[name][idx] += sign * eps
                m.set_params(q)
                num[idx] += sign * loss_from_forward(m, x, y, h0, targets) / (2 * eps)
        np.testing.assert_allclose(res.grads[name], num, rtol=1e-6, atol=1e-9, err_msg=name)
    m.set_params(params)


def torch_cell(model):
    """torch.nn.LSTMCell / GRUCell holding the model's weights (torch's layout: transposed, and a
    second bias, zero here), plus the head's W_hy and b_y as leaves."""
    cfg, p = model.cfg, {n: torch.tensor(v) for n, v in model.get_params().items()}
    cell = (torch.nn.LSTMCell if cfg.cell == "lstm" else torch.nn.GRUCell)(cfg.input_size, cfg.hidden_size)
    cell = cell.double()
    with torch.no_grad():
        cell.weight_ih.copy_(p["W_xh"].T), cell.weight_hh.copy_(p["W_hh"].T)
        cell.bias_ih.copy_(p["b_h"]), cell.bias_hh.zero_()
    return cell, p["W_hy"].requires_grad_(), p["b_y"].requires_grad_()


def reference_bptt(model, x, y, h0, k, targets):
    """Brute force: each loss term t re-runs its own window x_{t-k+1..t} from the detached state
    before it and backprops alone; parameter gradients and every dL_t/dh_s add up."""
    cfg, H, (b, t_len, _) = model.cfg, model.cfg.hidden_size, x.shape
    cell, w_hy, b_y = torch_cell(model)
    xt, h0t, yt = torch.tensor(x), torch.tensor(h0), torch.tensor(y)

    def step(u, s):
        return cell(xt[:, u], s) if cfg.cell == "lstm" else (cell(xt[:, u], s[0]),)

    init = tuple(h0t.split(H, dim=1)) if cfg.cell == "lstm" else (h0t,)
    with torch.no_grad():
        states = list(itertools.accumulate(range(t_len), lambda s, u: step(u, s), initial=init))
    n = yt.numel() if cfg.head == "regression" else max(int((yt >= 0).sum()), 1)
    k = t_len if k is None else k
    delta, loss = torch.zeros(t_len, b, H, dtype=torch.float64), 0.0
    for t in [t_len - 1] if targets == "last" else range(t_len):
        start = max(0, t - k + 1)
        s, hs = tuple(v.detach() for v in states[start]), []
        for u in range(start, t + 1):
            s = step(u, s)
            s[0].retain_grad()
            hs.append(s[0])
        term = term_loss(cfg.head, hs[-1] @ w_hy + b_y, yt if targets == "last" else yt[:, t], n)
        term.backward()
        loss += float(term.detach())
        for u, h in zip(range(start, t + 1), hs, strict=True):
            delta[u] += h.grad
    grads = {"W_xh": cell.weight_ih.grad.T, "W_hh": cell.weight_hh.grad.T, "b_h": cell.bias_ih.grad,
             "W_hy": w_hy.grad, "b_y": b_y.grad}
    hidden = torch.stack([s[0] for s in states[1:]], dim=1)
    return (loss, {n_: g.numpy() for n_, g in grads.items()}, hidden.numpy(),
            torch.cat(states[-1], dim=1).numpy(), delta.square().sum(dim=(1, 2)).sqrt().numpy())


def term_loss(head: str, out, y, n: int):
    """One step's share of the mean loss: squared error or -log softmax, divided by the global count."""
    if head == "regression":
        return ((out - y) ** 2).sum() / n
    logp = torch.log_softmax(out, dim=1).gather(1, y.clamp(min=0)[:, None])[:, 0]
    return -torch.where(y >= 0, logp, 0.0).sum() / n


@pytest.mark.parametrize("k", [1, 3, None])
@pytest.mark.parametrize("targets", ["last", "all"])
@pytest.mark.parametrize("head", ["regression", "classification"])
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_gated_truncated_bptt_matches_brute_force(cell, head, targets, k):
    m = gated(cell, head, seed=2)
    rng = np.random.default_rng(8)
    x, y = make_data(m.cfg, targets, rng)
    h0 = 0.5 * rng.standard_normal((B, m.state_size))
    res = m.loss_and_grads(x, y, h0=h0, bptt_truncate=k, targets=targets)
    loss, grads, hidden, h_last, norms = reference_bptt(m, x, y, h0, k, targets)
    assert res.loss == pytest.approx(loss, rel=1e-10)
    for name, g in grads.items():
        assert rel_err(g, res.grads[name]) <= 1e-9, name
    assert rel_err(hidden, res.hidden) <= 1e-10
    assert rel_err(h_last, res.h_last) <= 1e-10
    assert rel_err(norms, res.step_grad_norms) <= 1e-9


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_state_size_and_carry(cell):
    m = build_model(ModelConfig(IN, HID, OUT, cell=cell, backend="torch", dtype="float64"), seed=0)
    assert m.state_size == (2 * HID if cell == "lstm" else HID)
    x = np.random.default_rng(1).standard_normal((B, T, IN))
    whole = m.forward(x)
    assert whole.hidden.shape == (B, T, HID) and whole.h_last.shape == (B, m.state_size)
    np.testing.assert_array_equal(whole.h_last[:, :HID], whole.hidden[:, -1])
    first = m.forward(x[:, :3])
    second = m.forward(x[:, 3:], h0=first.h_last)                       # carry [h, c] across batches
    np.testing.assert_allclose(np.concatenate([first.hidden, second.hidden], axis=1), whole.hidden,
                               rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(second.h_last, whole.h_last, rtol=1e-12, atol=1e-14)
    res = m.loss_and_grads(x, np.zeros((B, OUT)), h0=np.zeros((B, m.state_size)), bptt_truncate=2)
    np.testing.assert_allclose(res.h_last, whole.h_last, rtol=1e-12, atol=1e-14)


def test_gated_init_and_params():
    lstm, gru = gated("lstm"), gated("gru")
    p = lstm.get_params()
    assert {n: v.shape for n, v in p.items()} == {"W_xh": (IN, 12), "W_hh": (3, 12), "b_h": (12,),
                                                  "W_hy": (3, 2), "b_y": (2,)}
    np.testing.assert_array_equal(p["b_h"], [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])   # forget gate = 1
    for blk in np.split(p["W_hh"], 4, axis=1):
        np.testing.assert_allclose(blk.T @ blk, np.eye(3), atol=1e-12)
    assert gru.get_params()["W_hh"].shape == (3, 9) and not np.any(gru.get_params()["b_h"])
    for n, v in gated("gru", seed=5).get_params().items():
        np.testing.assert_array_equal(v, gated("gru", seed=5).get_params()[n])
    p["W_hh"][0, 0] = 42.0
    lstm.set_params(p)
    assert lstm.get_params()["W_hh"][0, 0] == 42.0
    with pytest.raises(ValueError):
        lstm.set_params({**p, "W_hh": np.zeros((3, 3))})


def test_float32_dtype():
    m = gated("lstm", dtype="float32")
    x, y = make_data(m.cfg, "all", np.random.default_rng(0))
    res = m.loss_and_grads(x, y, bptt_truncate=2, targets="all")
    assert res.hidden.dtype == np.float32 and res.h_last.dtype == np.float32
    assert all(g.dtype == np.float32 for g in res.grads.values())
    assert np.all(np.isfinite(res.step_grad_norms)) and isinstance(res.loss, float)


# ----------------------------------------------------------------------------- bad input

@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_bad_inputs_raise_value_error(cell):
    cls = build_model(ModelConfig(IN, HID, OUT, cell=cell, head="classification", backend="torch"))
    reg = build_model(ModelConfig(IN, HID, OUT, cell=cell, backend="torch"))
    x = np.zeros((B, T, IN))
    bad_calls = [
        lambda: reg.loss_and_grads(np.zeros((B, T)), np.zeros((B, OUT))),            # x not 3-d
        lambda: reg.loss_and_grads(np.zeros((B, T, IN + 1)), np.zeros((B, OUT))),    # wrong input size
        lambda: reg.forward(np.zeros((B, T, IN + 1))),
        lambda: reg.loss_and_grads(x, np.zeros((B, OUT)), h0=np.zeros((B, HID + 1))),  # wrong h0
        lambda: reg.forward(x, h0=np.zeros((B + 1, reg.state_size))),
        lambda: cls.loss_and_grads(x, np.zeros(B)),                                   # float class ids
        lambda: cls.loss_and_grads(x, np.full(B, OUT)),                               # id out of range
        lambda: reg.loss_and_grads(x, np.zeros((B, OUT)), bptt_truncate=0),
        lambda: reg.loss_and_grads(x, np.zeros((B, OUT)), targets="first"),
    ]
    for call in bad_calls:
        with pytest.raises(ValueError):
            call()


def test_import_rnn_core_leaves_torch_out():
    code = ("import sys, rnn_core; from rnn_core import ModelConfig, build_model; "
            "build_model(ModelConfig()).forward([[[0.0]]]); "
            "assert 'torch' not in sys.modules, 'torch imported'")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_param_views_share_memory_with_the_tensors(cell):
    m = build_model(ModelConfig(input_size=2, hidden_size=3, output_size=1, cell=cell, backend="torch",
                                dtype="float64"), seed=0)
    x = np.ones((1, 4, 2))
    before = m.forward(x).outputs
    m.param_views()["W_hy"][...] = 0.0                    # a write through the view ...
    np.testing.assert_array_equal(m.forward(x).outputs, 0.0 * before)   # ... reaches the model
    assert np.all(m.get_params()["W_hy"] == 0.0)
