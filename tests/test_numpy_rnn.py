"""The numpy RNN against the public model contract (docs/architecture.md, "Contracts").

Gradients are checked by central finite differences in float64 of a reference loss written here as a
plain loop that shares no code with ``rnn_core``. For ``bptt_truncate=k`` the reference is the surrogate
whose exact gradient truncated BPTT is: each loss term t restarts from the fixed, unperturbed state
h_{t-k} (or from h0 when its window reaches the start) and recomputes only the steps t-k+1 … t.
The reference takes P stacked parameter sets at once, so one call evaluates every perturbation.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from rnn_core import ModelConfig, build_model

NAMES = ("W_xh", "W_hh", "b_h", "W_hy", "b_y")
ACTS = {
    "tanh": np.tanh,
    "sigmoid": lambda a: 1.0 / (1.0 + np.exp(-a)),
    "relu": lambda a: np.maximum(a, 0.0),
}
B, T, N_IN, H, N_OUT = 2, 6, 3, 5, 4   # batch, time, input, hidden, output
EPS = 1e-6


# ----------------------------------------------------------------------------- reference model

def ref_forward(p, x, h0, act):
    """Plain loop, unstacked params: pre-activations and states, each (batch, time, hidden)."""
    h, pre, hid = h0, [], []
    for t in range(x.shape[1]):
        a = x[:, t] @ p["W_xh"] + h @ p["W_hh"] + p["b_h"]
        h = ACTS[act](a)
        pre.append(a)
        hid.append(h)
    return np.stack(pre, 1), np.stack(hid, 1)


def term_loss(out, yt, head):
    """Summed (not averaged) loss of one time step for P parameter sets: out (P, B, N_OUT) -> (P,)."""
    if head == "regression":
        return ((out - yt) ** 2).sum(axis=(1, 2))
    m = out.max(axis=-1, keepdims=True)
    lse = m[..., 0] + np.log(np.exp(out - m).sum(axis=-1))          # log Σ exp(logits), (P, B)
    valid = yt >= 0
    picked = out[:, np.arange(yt.shape[0]), np.where(valid, yt, 0)]  # logit of the target, (P, B)
    return ((lse - picked) * valid).sum(axis=1)


def ref_loss(ps, base, x, y, h0, act, head, targets, k, dh=None):
    """Truncated-BPTT surrogate loss for stacked params ps[name] (P, *shape) -> (P,).

    base: unperturbed params, which give the fixed window-start states h_{t-k};
    dh: optional (P, time, batch, hidden) added to h_s right after act, inside every window."""
    n_b, n_t, _ = x.shape
    _, fixed = ref_forward(base, x, h0, act)
    k = n_t if k is None else k
    terms = [n_t - 1] if targets == "last" else list(range(n_t))
    total = 0.0
    for t in terms:
        start = max(0, t - k + 1)
        h = h0 if start == 0 else fixed[:, start - 1]                # held fixed: no gradient through it
        for s in range(start, t + 1):
            h = ACTS[act](x[:, s] @ ps["W_xh"] + h @ ps["W_hh"] + ps["b_h"][:, None])
            if dh is not None:
                h = h + dh[:, s]
        out = h @ ps["W_hy"] + ps["b_y"][:, None]                    # (P, B, N_OUT)
        total = total + term_loss(out, y if targets == "last" else y[:, t], head)
    if head == "regression":                                          # mean over every target element
        return total / (len(terms) * n_b * ps["W_hy"].shape[-1])
    return total / max(int((y >= 0).sum()), 1)                        # mean over non-padding positions


def fd_param_grads(loss_fn, p, names=NAMES, eps=EPS):
    """Central differences of loss_fn(stacked params) -> (P,) w.r.t. every entry of p[names]."""
    theta = np.concatenate([p[n].ravel() for n in names])
    n = theta.size
    thetas = np.concatenate([theta + eps * np.eye(n), theta - eps * np.eye(n)])   # (2n, n)
    ps, off = {k: np.repeat(p[k][None], 2 * n, axis=0) for k in NAMES}, 0
    for name in names:
        size = p[name].size
        ps[name] = thetas[:, off:off + size].reshape(2 * n, *p[name].shape)
        off += size
    losses = loss_fn(ps)
    g = (losses[:n] - losses[n:]) / (2 * eps)
    out, off = {}, 0
    for name in names:
        out[name] = g[off:off + p[name].size].reshape(p[name].shape)
        off += p[name].size
    return out


def fd_step_grad_norms(p, x, y, h0, act, head, targets, k, eps=EPS):
    """||dL/dh_t|| by central differences w.r.t. an additive perturbation of every h_t entry."""
    n_b, n_t, _ = x.shape
    n_h = p["W_hh"].shape[0]
    n = n_t * n_b * n_h
    dh = np.concatenate([eps * np.eye(n), -eps * np.eye(n)]).reshape(2 * n, n_t, n_b, n_h)
    ps = {k_: v[None] for k_, v in p.items()}
    losses = ref_loss(ps, p, x, y, h0, act, head, targets, k, dh=dh)
    g = ((losses[:n] - losses[n:]) / (2 * eps)).reshape(n_t, n_b, n_h)
    return np.sqrt((g ** 2).sum(axis=(1, 2)))


# ----------------------------------------------------------------------------- cases

def random_params(rng, n_in, n_h, n_out):
    return {"W_xh": rng.normal(0, 0.6, (n_in, n_h)), "W_hh": rng.normal(0, 0.4, (n_h, n_h)),
            "b_h": rng.normal(0, 0.3, n_h), "W_hy": rng.normal(0, 0.5, (n_h, n_out)),
            "b_y": rng.normal(0, 0.3, n_out)}


def make_case(act, head, targets, with_h0, seed=0, dims=(B, T, N_IN, H, N_OUT), dtype="float64"):
    """A float64 model with random (not init) weights, inputs, targets (with padding) and h0.

    For relu the draw is repeated until every pre-activation is at least 1e-3 away from the kink,
    far beyond what a perturbation of 1e-6 can move it."""
    n_b, n_t, n_in, n_h, n_out = dims
    rng = np.random.default_rng(seed)
    while True:
        p = random_params(rng, n_in, n_h, n_out)
        x = rng.normal(0, 1, (n_b, n_t, n_in))
        h0 = rng.normal(0, 0.5, (n_b, n_h)) if with_h0 else None
        pre, _ = ref_forward(p, x, np.zeros((n_b, n_h)) if h0 is None else h0, act)
        if act != "relu" or np.abs(pre).min() > 1e-3:
            break
    lead = (n_b,) if targets == "last" else (n_b, n_t)
    if head == "regression":
        y = rng.normal(0, 1, (*lead, n_out))
    else:
        y = rng.integers(0, n_out, lead)
        y.flat[:: 3] = -1                                             # padding, including position 0
    model = build_model(ModelConfig(input_size=n_in, hidden_size=n_h, output_size=n_out, activation=act,
                                    head=head, dtype=dtype), seed=0)
    model.set_params(p)
    return model, p, x, y, h0


def zeros_if_none(h0, n_b, n_h):
    return np.zeros((n_b, n_h)) if h0 is None else h0


def small_cfg(**kw):
    base = {"input_size": N_IN, "hidden_size": H, "output_size": N_OUT, "dtype": "float64"}
    return ModelConfig(**{**base, **kw})


# ----------------------------------------------------------------------------- 1. gradients

@pytest.mark.parametrize("with_h0", [False, True], ids=["h0=None", "h0=given"])
@pytest.mark.parametrize("k", [1, 3, None], ids=["k=1", "k=3", "k=None"])
@pytest.mark.parametrize("targets", ["last", "all"])
@pytest.mark.parametrize("head", ["regression", "classification"])
@pytest.mark.parametrize("act", ["tanh", "sigmoid", "relu"])
def test_gradients_match_finite_differences_of_truncated_surrogate(act, head, targets, k, with_h0):
    model, p, x, y, h0 = make_case(act, head, targets, with_h0)
    res = model.loss_and_grads(x, y, h0=h0, bptt_truncate=k, targets=targets)
    h0z = zeros_if_none(h0, B, H)
    base_loss = ref_loss({n: v[None] for n, v in p.items()}, p, x, y, h0z, act, head, targets, k)[0]
    assert isinstance(res.loss, float)
    assert res.loss == pytest.approx(base_loss, rel=1e-12, abs=1e-14)
    fd = fd_param_grads(lambda ps: ref_loss(ps, p, x, y, h0z, act, head, targets, k), p)
    assert set(res.grads) == set(NAMES)
    for name in NAMES:
        np.testing.assert_allclose(res.grads[name], fd[name], rtol=1e-6, atol=1e-8, err_msg=name)
    assert any(np.abs(g).max() > 1e-3 for g in res.grads.values())   # not a vacuous check


def test_fd_of_the_models_own_loss_matches_full_bptt():
    """Full BPTT: differentiate the model's own loss (not the reference) by central differences."""
    for act, head, targets in [("tanh", "regression", "all"), ("sigmoid", "classification", "last")]:
        model, p, x, y, h0 = make_case(act, head, targets, True, seed=3)
        res = model.loss_and_grads(x, y, h0=h0, targets=targets)
        for name in ("W_hh", "W_xh", "b_h"):
            for idx in np.ndindex(p[name].shape):
                vals = []
                for sign in (1, -1):
                    q = {n: v.copy() for n, v in p.items()}
                    q[name][idx] += sign * EPS
                    model.set_params(q)
                    vals.append(model.loss_and_grads(x, y, h0=h0, targets=targets).loss)
                fd = (vals[0] - vals[1]) / (2 * EPS)
                assert res.grads[name][idx] == pytest.approx(fd, rel=1e-6, abs=1e-8), (name, idx)
        model.set_params(p)


def test_loss_normalisation_from_forward_outputs():
    """Regression: mean of (ŷ-y)² over all elements; classification: mean -log p over non-padding."""
    model, p, x, y, h0 = make_case("tanh", "regression", "all", False)
    out = model.forward(x).outputs
    assert model.loss_and_grads(x, y, targets="all").loss == pytest.approx(np.mean((out - y) ** 2))
    assert model.loss_and_grads(x, y[:, -1], targets="last").loss == pytest.approx(
        np.mean((out[:, -1] - y[:, -1]) ** 2))
    model, p, x, y, h0 = make_case("tanh", "classification", "all", False)
    z = model.forward(x).outputs
    logp = z - np.log(np.exp(z).sum(-1, keepdims=True))
    mask = y >= 0
    assert 0 < mask.sum() < mask.size
    want = -np.mean([logp[b, t, y[b, t]] for b, t in zip(*np.nonzero(mask), strict=True)])
    assert model.loss_and_grads(x, y, targets="all").loss == pytest.approx(want, rel=1e-12)


def test_all_padding_gives_zero_loss_and_zero_gradients():
    model, p, x, y, h0 = make_case("tanh", "classification", "all", False)
    res = model.loss_and_grads(x, np.full((B, T), -1), targets="all")
    assert res.loss == 0.0
    assert all(np.all(g == 0) for g in res.grads.values())


# ----------------------------------------------------------------------------- 2. step_grad_norms

@pytest.mark.parametrize("k", [1, 2, 3, None], ids=["k=1", "k=2", "k=3", "k=None"])
@pytest.mark.parametrize("targets", ["last", "all"])
@pytest.mark.parametrize("head", ["regression", "classification"])
@pytest.mark.parametrize("act", ["tanh", "relu"])
def test_step_grad_norms_match_brute_force(act, head, targets, k):
    model, p, x, y, h0 = make_case(act, head, targets, True, seed=1)
    res = model.loss_and_grads(x, y, h0=h0, bptt_truncate=k, targets=targets)
    want = fd_step_grad_norms(p, x, y, h0, act, head, targets, k)
    assert res.step_grad_norms.shape == (T,)
    np.testing.assert_allclose(res.step_grad_norms, want, rtol=1e-6, atol=1e-8)
    if targets == "last":                       # nothing reaches h_t before the one window
        kk = T if k is None else k
        assert np.all(res.step_grad_norms[: T - kk] == 0)
        if act == "tanh":                       # relu may kill the path through a dead step
            assert np.all(res.step_grad_norms[T - kk:] > 0)


# ----------------------------------------------------------------------------- 3. properties

@pytest.mark.parametrize("head", ["regression", "classification"])
@pytest.mark.parametrize("targets", ["last", "all"])
def test_truncation_at_least_T_equals_full_bptt(head, targets):
    model, p, x, y, h0 = make_case("tanh", head, targets, True, seed=2)
    full = model.loss_and_grads(x, y, h0=h0, targets=targets)
    for k in (T, T + 1, 100):
        res = model.loss_and_grads(x, y, h0=h0, bptt_truncate=k, targets=targets)
        assert res.loss == full.loss
        np.testing.assert_allclose(res.step_grad_norms, full.step_grad_norms, rtol=1e-13)
        for name in NAMES:
            np.testing.assert_allclose(res.grads[name], full.grads[name], rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("targets", ["last", "all"])
def test_truncation_changes_only_the_recurrent_part(targets):
    """Head gradients do not depend on k; recurrent ones do for every k < T, even k = T-1.
    (With h0 = 0, W_hh alone may not see the cut at k = T-1: its step-0 term is h0ᵀ da_0 = 0.)"""
    model, p, x, y, h0 = make_case("tanh", "regression", targets, False, seed=4)
    full = model.loss_and_grads(x, y, targets=targets)
    for k in (1, 2, T - 1):
        res = model.loss_and_grads(x, y, bptt_truncate=k, targets=targets)
        np.testing.assert_allclose(res.grads["W_hy"], full.grads["W_hy"], rtol=1e-13)
        np.testing.assert_allclose(res.grads["b_y"], full.grads["b_y"], rtol=1e-13)
        assert np.abs(res.grads["W_xh"] - full.grads["W_xh"]).max() > 1e-8
        assert np.abs(res.step_grad_norms[0] - full.step_grad_norms[0]) > 1e-8


@pytest.mark.parametrize("head", ["regression", "classification"])
def test_k1_last_uses_only_the_last_step(head):
    model, p, x, y, h0 = make_case("tanh", head, "last", True, seed=5)
    if head == "classification":
        y = np.array([1, 3])
    res = model.loss_and_grads(x, y, h0=h0, bptt_truncate=1, targets="last")
    _, hid = ref_forward(p, x, h0, "tanh")
    out = hid[:, -1] @ p["W_hy"] + p["b_y"]                           # (B, N_OUT)
    if head == "regression":
        dout = 2 * (out - y) / y.size
    else:
        prob = np.exp(out - out.max(1, keepdims=True))
        prob /= prob.sum(1, keepdims=True)
        dout = (prob - np.eye(N_OUT)[y]) / B
    dh = dout @ p["W_hy"].T
    da = dh * (1 - hid[:, -1] ** 2)                                   # dL/da_{T-1}
    np.testing.assert_allclose(res.grads["W_xh"], x[:, -1].T @ da, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(res.grads["W_hh"], hid[:, -2].T @ da, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(res.grads["b_h"], da.sum(0), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(res.step_grad_norms[-1], np.linalg.norm(dh), rtol=1e-12)
    assert np.all(res.step_grad_norms[:-1] == 0)


def test_k1_last_with_single_step_uses_h0():
    model, p, x, y, h0 = make_case("sigmoid", "regression", "last", True, seed=6, dims=(B, 1, N_IN, H, N_OUT))
    res = model.loss_and_grads(x, y, h0=h0, bptt_truncate=1)
    fd = fd_param_grads(lambda ps: ref_loss(ps, p, x, y, h0, "sigmoid", "regression", "last", 1), p)
    np.testing.assert_allclose(res.grads["W_hh"], fd["W_hh"], rtol=1e-6, atol=1e-8)
    assert np.abs(res.grads["W_hh"]).max() > 1e-4                  # h0 ≠ 0 feeds W_hh at step 0


@pytest.mark.parametrize("targets", ["last", "all"])
@pytest.mark.parametrize("head", ["regression", "classification"])
def test_float32_close_to_float64(head, targets):
    m64, p, x, y, h0 = make_case("tanh", head, targets, True, seed=7)
    m32 = build_model(small_cfg(head=head, dtype="float32"))
    m32.set_params(p)
    r64 = m64.loss_and_grads(x, y, h0=h0, bptt_truncate=3, targets=targets)
    r32 = m32.loss_and_grads(x, y, h0=h0, bptt_truncate=3, targets=targets)
    assert r32.loss == pytest.approx(r64.loss, rel=1e-5)
    for name in NAMES:
        assert r32.grads[name].dtype == np.float32
        np.testing.assert_allclose(r32.grads[name], r64.grads[name], rtol=1e-4, atol=1e-6, err_msg=name)
    assert r32.hidden.dtype == np.float32 and r32.outputs.dtype == np.float32
    np.testing.assert_allclose(r32.hidden, r64.hidden, atol=1e-5)
    np.testing.assert_allclose(r32.step_grad_norms, r64.step_grad_norms, rtol=1e-4, atol=1e-7)
    f32 = m32.forward(x, h0=h0)
    assert f32.outputs.dtype == f32.hidden.dtype == f32.h_last.dtype == np.float32


@pytest.mark.parametrize("targets", ["last", "all"])
@pytest.mark.parametrize("head", ["regression", "classification"])
def test_shapes_and_forward_agrees_with_loss_and_grads(head, targets):
    model, p, x, y, h0 = make_case("tanh", head, targets, True, seed=8)
    fwd = model.forward(x, h0=h0)
    res = model.loss_and_grads(x, y, h0=h0, bptt_truncate=2, targets=targets)
    assert fwd.outputs.shape == (B, T, N_OUT)
    assert fwd.hidden.shape == res.hidden.shape == (B, T, H)
    assert fwd.h_last.shape == res.h_last.shape == (B, H)
    assert res.step_grad_norms.shape == (T,)
    assert res.outputs.shape == ((B, N_OUT) if targets == "last" else (B, T, N_OUT))
    assert {n: g.shape for n, g in res.grads.items()} == {n: v.shape for n, v in p.items()}
    np.testing.assert_array_equal(fwd.hidden, res.hidden)
    np.testing.assert_array_equal(fwd.h_last, res.h_last)
    np.testing.assert_array_equal(fwd.h_last, fwd.hidden[:, -1])
    np.testing.assert_allclose(res.outputs, fwd.outputs[:, -1] if targets == "last" else fwd.outputs,
                               rtol=1e-13, atol=1e-14)
    _, hid = ref_forward(p, x, h0, "tanh")
    np.testing.assert_allclose(fwd.hidden, hid, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(fwd.outputs, hid @ p["W_hy"] + p["b_y"], rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("act", ["tanh", "sigmoid", "relu"])
def test_forward_matches_reference_and_carries_state(act):
    model, p, x, y, h0 = make_case(act, "regression", "all", True, seed=9)
    x0, h00 = x.copy(), h0.copy()
    whole = model.forward(x, h0=h0)
    _, hid = ref_forward(p, x, h0, act)
    np.testing.assert_allclose(whole.hidden, hid, rtol=1e-13, atol=1e-14)
    first = model.forward(x[:, :2], h0=h0)                            # carry h_last into the next chunk
    second = model.forward(x[:, 2:], h0=first.h_last)
    np.testing.assert_allclose(np.concatenate([first.hidden, second.hidden], 1), whole.hidden, rtol=1e-13)
    model.loss_and_grads(x, y, h0=h0, targets="all")
    np.testing.assert_array_equal(x, x0)                              # inputs are not mutated
    np.testing.assert_array_equal(h0, h00)


def test_sigmoid_does_not_overflow():
    model, p, x, y, h0 = make_case("sigmoid", "regression", "last", False)
    res = model.loss_and_grads(x * 1e4, y)
    assert np.isfinite(res.loss) and all(np.all(np.isfinite(g)) for g in res.grads.values())
    assert np.all((res.hidden >= 0) & (res.hidden <= 1))


def test_same_seed_same_model_and_results_different_seed_differs():
    x = np.random.default_rng(0).normal(size=(B, T, N_IN))
    y = np.random.default_rng(1).normal(size=(B, N_OUT))
    a, b = build_model(small_cfg(), seed=11), build_model(small_cfg(), seed=11)
    c = build_model(small_cfg(), seed=12)
    for name in NAMES:
        np.testing.assert_array_equal(a.get_params()[name], b.get_params()[name])
    for name in ("W_xh", "W_hh", "W_hy"):
        assert not np.array_equal(a.get_params()[name], c.get_params()[name])
    ra, rb, rc = (m.loss_and_grads(x, y) for m in (a, b, c))
    assert ra.loss == rb.loss and ra.loss != rc.loss
    for name in NAMES:
        np.testing.assert_array_equal(ra.grads[name], rb.grads[name])
    g1 = build_model(small_cfg(), np.random.default_rng(5))
    g2 = build_model(small_cfg(), np.random.default_rng(5))
    np.testing.assert_array_equal(g1.get_params()["W_hh"], g2.get_params()["W_hh"])


@pytest.mark.parametrize("seed", [-1, 1.5, "0", True, None])
def test_bad_seed_raises(seed):
    with pytest.raises(ValueError, match=r"^seed: got .*expected"):
        build_model(small_cfg(), seed=seed)


def test_build_model_rejects_non_config():
    with pytest.raises(ValueError, match=r"^cfg: got dict, expected a ModelConfig"):
        build_model({"input_size": 1})


def test_get_params_returns_copies_and_set_params_copies_in():
    model = build_model(small_cfg(), seed=0)
    before = {n: v.copy() for n, v in model.get_params().items()}
    got = model.get_params()
    for v in got.values():
        v[...] = 123.0
    for name in NAMES:
        np.testing.assert_array_equal(model.get_params()[name], before[name])
    new = random_params(np.random.default_rng(1), N_IN, H, N_OUT)
    model.set_params(new)
    kept = {n: v.copy() for n, v in new.items()}
    for v in new.values():
        v[...] = -7.0
    for name in NAMES:
        np.testing.assert_array_equal(model.get_params()[name], kept[name])


def test_set_params_round_trip():
    x = np.random.default_rng(0).normal(size=(B, T, N_IN))
    y = np.random.default_rng(1).normal(size=(B, N_OUT))
    src, dst = build_model(small_cfg(), seed=1), build_model(small_cfg(), seed=2)
    dst.set_params(src.get_params())
    for name in NAMES:
        np.testing.assert_array_equal(dst.get_params()[name], src.get_params()[name])
    assert dst.loss_and_grads(x, y).loss == src.loss_and_grads(x, y).loss
    m32 = build_model(small_cfg(dtype="float32"))
    m32.set_params(src.get_params())                                  # float64 in, model dtype out
    assert all(v.dtype == np.float32 for v in m32.get_params().values())


def _bad_params(kind):
    p = random_params(np.random.default_rng(0), N_IN, H, N_OUT)
    if kind == "missing":
        del p["b_y"]
    elif kind == "extra":
        p["W_extra"] = np.zeros(2)
    elif kind == "shape":
        p["W_hh"] = np.zeros((H, H + 1))
    elif kind == "transposed":
        p["W_xh"] = p["W_xh"].T
    elif kind == "vector_for_bias":
        p["b_h"] = p["b_h"][None]
    elif kind == "strings":
        p["b_y"] = np.array(["a"] * N_OUT)
    return p


@pytest.mark.parametrize("kind, key, fragment", [
    ("missing", "b_y", "expected"), ("extra", "W_extra", "expected"),
    ("shape", "W_hh", f"got shape ({H}, {H + 1}), expected ({H}, {H})"),
    ("transposed", "W_xh", f"got shape ({H}, {N_IN}), expected ({N_IN}, {H})"),
    ("vector_for_bias", "b_h", f"got shape (1, {H}), expected ({H},)"),
    ("strings", "b_y", "expected a real numeric array"),
])
def test_set_params_rejects_wrong_names_and_shapes(kind, key, fragment):
    model = build_model(small_cfg(), seed=0)
    before = {n: v.copy() for n, v in model.get_params().items()}
    with pytest.raises(ValueError) as err:
        model.set_params(_bad_params(kind))
    assert key in str(err.value) and fragment in str(err.value)
    for name in NAMES:                                                # a failed set changes nothing
        np.testing.assert_array_equal(model.get_params()[name], before[name])


def test_set_params_rejects_non_dict():
    with pytest.raises(ValueError, match=r"^params: got list"):
        build_model(small_cfg()).set_params([1, 2])


def test_uniform01_init():
    cfg = small_cfg(input_size=20, hidden_size=40, output_size=10, init="uniform01")
    p = build_model(cfg, 3).get_params()
    for name in ("W_xh", "W_hh", "W_hy"):
        assert p[name].min() >= 0.0 and p[name].max() < 1.0
        assert abs(p[name].mean() - 0.5) < 0.05
    assert np.all(p["b_h"] == 0) and np.all(p["b_y"] == 0)


@pytest.mark.parametrize("std, std_out", [(0.3, None), (0.4, 0.1)])
def test_normal_init_std(std, std_out):
    cfg = small_cfg(input_size=60, hidden_size=80, output_size=50, init="normal", init_std=std,
                    init_std_out=std_out)
    p = build_model(cfg, 0).get_params()
    for name, want in (("W_xh", std), ("W_hh", std), ("W_hy", std if std_out is None else std_out)):
        assert p[name].std() == pytest.approx(want, rel=0.05), name
        assert abs(p[name].mean()) < 0.05 * want
    assert np.all(p["b_h"] == 0) and np.all(p["b_y"] == 0)


def test_default_init_orthogonal_recurrence_and_xavier_maps():
    cfg = small_cfg(input_size=7, hidden_size=16, output_size=3)
    p = build_model(cfg, 0).get_params()
    np.testing.assert_allclose(p["W_hh"] @ p["W_hh"].T, np.eye(16), atol=1e-12)
    assert np.abs(p["W_xh"]).max() <= np.sqrt(6 / (7 + 16))
    assert np.abs(p["W_hy"]).max() <= np.sqrt(6 / (16 + 3))
    assert np.all(p["b_h"] == 0) and np.all(p["b_y"] == 0)
    p32 = build_model(small_cfg(hidden_size=16, dtype="float32"), 0).get_params()
    assert p32["W_hh"].dtype == np.float32
    np.testing.assert_allclose(p32["W_hh"] @ p32["W_hh"].T, np.eye(16), atol=1e-5)


# ----------------------------------------------------------------------------- 4. bad input

X = np.zeros((B, T, N_IN))
Y_REG_LAST, Y_REG_ALL = np.zeros((B, N_OUT)), np.zeros((B, T, N_OUT))
Y_CLS_LAST, Y_CLS_ALL = np.zeros(B, dtype=int), np.zeros((B, T), dtype=int)
X_NAN = X.copy()
X_NAN[1, 2, 0] = np.nan
X_INF = X.copy()
X_INF[0, 0, 0] = np.inf

BAD_CALLS = [
    # id, head, output_size, kwargs of loss_and_grads, argument, given, expected
    ("x_2d", "regression", N_OUT, {"x": np.zeros((B, T))}, "x", "(2, 6)", "(?, ?, 3)"),
    ("x_4d", "regression", N_OUT, {"x": np.zeros((B, T, N_IN, 1))}, "x", "(2, 6, 3, 1)", "(?, ?, 3)"),
    ("x_input_size", "regression", N_OUT, {"x": np.zeros((B, T, N_IN + 1))}, "x", "(2, 6, 4)", "input_size"),
    ("x_no_steps", "regression", N_OUT, {"x": np.zeros((B, 0, N_IN))}, "x", "(2, 0, 3)", "one step"),
    ("x_nan", "regression", N_OUT, {"x": X_NAN}, "x", "NaN", "finite"),
    ("x_inf", "regression", N_OUT, {"x": X_INF}, "x", "inf", "finite"),
    ("x_strings", "regression", N_OUT, {"x": np.full((B, T, N_IN), "1")}, "x", "<U1", "real numeric"),
    ("x_complex", "regression", N_OUT, {"x": X + 0j}, "x", "complex128", "real numeric"),
    ("h0_hidden", "regression", N_OUT, {"h0": np.zeros((B, H - 1))}, "h0", "(2, 4)", "(2, 5)"),
    ("h0_batch", "regression", N_OUT, {"h0": np.zeros((B + 1, H))}, "h0", "(3, 5)", "(2, 5)"),
    ("h0_broadcast_batch", "regression", N_OUT, {"h0": np.zeros((1, H))}, "h0", "(1, 5)", "(2, 5)"),
    ("h0_1d", "regression", N_OUT, {"h0": np.zeros(H)}, "h0", "(5,)", "(2, 5)"),
    ("h0_strings", "regression", N_OUT, {"h0": np.full((B, H), "a")}, "h0", "<U1", "real numeric"),
    ("y_reg_last_got_all", "regression", N_OUT, {"y": Y_REG_ALL}, "y", "(2, 6, 4)", "(2, 4)"),
    ("y_reg_all_got_last", "regression", N_OUT, {"y": Y_REG_LAST, "targets": "all"}, "y", "(2, 4)",
     "(2, 6, 4)"),
    ("y_reg_out1_no_broadcast", "regression", 1, {"y": np.zeros(B)}, "y", "(2,)", "(2, 1)"),
    ("y_reg_out1_all_no_broadcast", "regression", 1, {"y": np.zeros((B, T)), "targets": "all"}, "y",
     "(2, 6)", "(2, 6, 1)"),
    ("y_reg_batch_broadcast", "regression", N_OUT, {"y": np.zeros((1, N_OUT))}, "y", "(1, 4)", "(2, 4)"),
    ("y_reg_transposed", "regression", N_OUT, {"y": np.zeros((T, B, N_OUT)), "targets": "all"}, "y",
     "(6, 2, 4)", "(2, 6, 4)"),
    ("y_reg_nan", "regression", N_OUT, {"y": np.full((B, N_OUT), np.nan)}, "y", "NaN", "finite"),
    ("y_reg_strings", "regression", N_OUT, {"y": np.full((B, N_OUT), "1")}, "y", "<U1", "real numeric"),
    ("y_cls_float_ids", "classification", N_OUT, {"y": np.array([1.0, 2.0])}, "y", "float64", "integer"),
    ("y_cls_bool_ids", "classification", N_OUT, {"y": np.array([True, False])}, "y", "bool", "integer"),
    ("y_cls_last_got_all", "classification", N_OUT, {"y": Y_CLS_ALL}, "y", "(2, 6)", "(2,)"),
    ("y_cls_all_got_last", "classification", N_OUT, {"y": Y_CLS_LAST, "targets": "all"}, "y", "(2,)",
     "(2, 6)"),
    ("y_cls_onehot", "classification", N_OUT, {"y": np.zeros((B, N_OUT), dtype=int)}, "y", "(2, 4)", "(2,)"),
    ("y_cls_too_big", "classification", N_OUT, {"y": np.array([0, N_OUT])}, "y", "[0, 4]", "[0, 3]"),
    ("y_cls_below_pad", "classification", N_OUT, {"y": np.array([-2, 1])}, "y", "[-2, 1]", "-1 for padding"),
    ("targets_unknown", "regression", N_OUT, {"targets": "first"}, "targets", "'first'", "'last', 'all'"),
    ("targets_none", "regression", N_OUT, {"targets": None}, "targets", "None", "'last', 'all'"),
    ("k_zero", "regression", N_OUT, {"bptt_truncate": 0}, "bptt_truncate", "got 0", ">= 1"),
    ("k_negative", "regression", N_OUT, {"bptt_truncate": -2}, "bptt_truncate", "got -2", ">= 1"),
    ("k_float", "regression", N_OUT, {"bptt_truncate": 2.0}, "bptt_truncate", "2.0", "integer"),
    ("k_string", "regression", N_OUT, {"bptt_truncate": "3"}, "bptt_truncate", "'3'", "integer"),
    ("k_bool", "regression", N_OUT, {"bptt_truncate": True}, "bptt_truncate", "True", "integer"),
]


@pytest.mark.parametrize("head, n_out, kwargs, arg, given, expected",
                         [c[1:] for c in BAD_CALLS], ids=[c[0] for c in BAD_CALLS])
def test_bad_input_raises_value_error_naming_argument(head, n_out, kwargs, arg, given, expected):
    model = build_model(small_cfg(output_size=n_out, head=head), seed=0)
    targets = kwargs.get("targets", "last")
    y_default = {("regression", "last"): np.zeros((B, n_out)), ("regression", "all"): np.zeros((B, T, n_out)),
                 ("classification", "last"): Y_CLS_LAST, ("classification", "all"): Y_CLS_ALL}
    call = {"x": X, "y": y_default.get((head, targets), Y_REG_LAST), **kwargs}
    with pytest.raises(ValueError) as err:
        model.loss_and_grads(**call)
    msg = str(err.value)
    assert msg.startswith(f"{arg}:"), msg
    assert given in msg, msg
    assert "expected" in msg and expected in msg.split("expected", 1)[1], msg


@pytest.mark.parametrize("kwargs, arg", [
    ({"x": np.zeros((B, T))}, "x"), ({"x": np.zeros((B, T, N_IN + 1))}, "x"), ({"x": X_NAN}, "x"),
    ({"x": X, "h0": np.zeros((B, H + 1))}, "h0"), ({"x": X, "h0": np.zeros(H)}, "h0"),
])
def test_forward_validates_too(kwargs, arg):
    with pytest.raises(ValueError, match=rf"^{arg}: got .*expected"):
        build_model(small_cfg()).forward(**kwargs)


def test_valid_edge_inputs_accepted():
    """Integer x and h0 are cast; padding (-1) and the largest class id are fine; lists work."""
    model = build_model(small_cfg(head="classification"), seed=0)
    x, h0 = np.ones((B, T, N_IN), dtype=int), np.zeros((B, H), dtype=int)
    res = model.loss_and_grads(x, [N_OUT - 1, -1], h0=h0)
    assert np.isfinite(res.loss) and res.hidden.dtype == np.float64


# ----------------------------------------------------------------------------- 6. hypothesis

@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n_b=st.integers(1, 3), n_t=st.integers(1, 5), n_in=st.integers(1, 3), n_h=st.integers(1, 4),
       n_out=st.integers(1, 3), act=st.sampled_from(sorted(ACTS)),
       head=st.sampled_from(["regression", "classification"]), targets=st.sampled_from(["last", "all"]),
       k=st.one_of(st.none(), st.integers(1, 6)), with_h0=st.booleans(), seed=st.integers(0, 2**16))
def test_property_head_and_recurrent_gradients_match_fd(n_b, n_t, n_in, n_h, n_out, act, head, targets,
                                                         k, with_h0, seed):
    model, p, x, y, h0 = make_case(act, head, targets, with_h0, seed=seed, dims=(n_b, n_t, n_in, n_h, n_out))
    assume(head == "regression" or np.any(y >= 0))
    res = model.loss_and_grads(x, y, h0=h0, bptt_truncate=k, targets=targets)
    h0z = zeros_if_none(h0, n_b, n_h)
    names = ("W_hy", "b_y", "W_hh")
    fd = fd_param_grads(lambda ps: ref_loss(ps, p, x, y, h0z, act, head, targets, k), p, names=names)
    for name in names:
        np.testing.assert_allclose(res.grads[name], fd[name], rtol=1e-6, atol=1e-8, err_msg=name)
