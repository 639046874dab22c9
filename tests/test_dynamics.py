"""rnn_core.dynamics: the gradient against lag (against the model and against hand-written autograd),
step Jacobians against finite differences, eigenvalues of a known recurrence, the readout."""

from __future__ import annotations

import numpy as np
import pytest

from rnn_core import ModelConfig, build_model
from rnn_core.dynamics import (
    grad_against_lag,
    grad_reach,
    orders_lost,
    recurrent_spectrum,
    step_jacobians,
)
from ui import words

torch = pytest.importorskip("torch")


def tiny(cell: str, backend: str = "torch", hidden: int = 3, seed: int = 0):
    cfg = ModelConfig(input_size=2, hidden_size=hidden, output_size=4, cell=cell, backend=backend,
                      head="classification", dtype="float64")
    return build_model(cfg, seed)


def data(b: int = 4, t: int = 7, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((b, t, 2)), rng.integers(0, 4, b)


# ----------------------------------------------------------------------------- gradient against lag

def test_grad_against_lag_is_step_grad_norms_backwards() -> None:
    model = tiny("rnn", "numpy", hidden=5)
    x, y = data()
    curve = grad_against_lag(model, x, y)
    norms = model.loss_and_grads(x, y).step_grad_norms
    assert curve.shape == (7,) and curve.dtype == np.float64
    assert np.array_equal(curve, norms[::-1])
    cut = grad_against_lag(model, x, y, bptt_truncate=3)
    assert np.all(cut[3:] == 0) and np.all(cut[:3] > 0)              # truncation: nothing before k = 3


def hand_written_norms(model, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """‖∂L/∂h_t‖ from torch autograd over a loop written here from the equations (retain_grad)."""
    p = {k: torch.tensor(v, requires_grad=True) for k, v in model.get_params().items()}
    hid, cell = model.cfg.hidden_size, model.cfg.cell
    h = c = torch.zeros(len(x), hid, dtype=torch.float64)
    hs = []
    for t in range(x.shape[1]):
        xt = torch.tensor(x[:, t])
        if cell == "lstm":
            i, f, g, o = (xt @ p["W_xh"] + p["b_h"] + h @ p["W_hh"]).split(hid, dim=1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
        else:
            xr, xz, xn = (xt @ p["W_xh"] + p["b_h"]).split(hid, dim=1)
            hr, hz, hn = (h @ p["W_hh"]).split(hid, dim=1)
            r, z = torch.sigmoid(xr + hr), torch.sigmoid(xz + hz)
            h = (1 - z) * torch.tanh(xn + r * hn) + z * h
        h.retain_grad()
        hs.append(h)
    loss = torch.nn.functional.cross_entropy(h @ p["W_hy"] + p["b_y"], torch.tensor(y))
    loss.backward()
    return np.array([float(v.grad.norm()) for v in hs])


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_grad_against_lag_matches_hand_written_autograd(cell: str) -> None:
    model = tiny(cell, hidden=5)
    x, y = data(t=9)
    curve = grad_against_lag(model, x, y)
    want = hand_written_norms(model, x, y)[::-1]
    assert np.allclose(curve, want, rtol=1e-10, atol=0)
    assert grad_reach(curve) == pytest.approx(np.log10(want[-1] / want[0]), rel=1e-9)


def test_reach_orders_lost_and_readout() -> None:
    curve = np.array([2.0, 0.2, 0.02, 0.002])
    assert grad_reach(curve) == pytest.approx(-3.0)
    assert orders_lost(curve) == pytest.approx(3.0) and orders_lost(curve, 1) == pytest.approx(1.0)
    assert words.reach(curve) == "the gradient loses 3.0 orders of magnitude over 3 steps"
    assert words.reach(curve[::-1]) == "the gradient grows by 3.0 orders of magnitude over 3 steps"
    assert grad_reach(np.array([1.0, 0.0])) == -np.inf
    assert words.reach(np.array([1.0, 0.5, 0.0])) == "the gradient underflows to 0 within 2 steps"
    assert np.isnan(grad_reach(np.array([1.0, np.nan])))
    assert words.reach(np.array([np.inf, 1.0])) == "the gradient is not finite"
    with pytest.raises(ValueError, match="^lag: got 4, expected 0 <= lag <= 3"):
        orders_lost(curve, 4)
    with pytest.raises(ValueError, match=r"^curve: got shape \(0,\)"):
        orders_lost(np.zeros(0))


# ----------------------------------------------------------------------------- step Jacobians

def state_after(model, x: np.ndarray, t: int) -> np.ndarray:
    """s_{t-1}: the state (h, or [h, c]) before step t, from s = 0."""
    return np.zeros(model.state_size) if t == 0 else model.forward(x[:, :t]).h_last[0]


def fd_jacobian(model, x: np.ndarray, t: int, eps: float = 1e-6) -> np.ndarray:
    """Central differences of s_t with respect to s_{t-1}, through the public forward with h0."""
    s = state_after(model, x, t)
    cols = []
    for j in range(len(s)):
        d = np.zeros_like(s)
        d[j] = eps
        up = model.forward(x[:, t:t + 1], h0=(s + d)[None]).h_last[0]
        down = model.forward(x[:, t:t + 1], h0=(s - d)[None]).h_last[0]
        cols.append((up - down) / (2 * eps))
    return np.stack(cols, axis=1)                                   # J[i, j] = ∂s_t[i] / ∂s_{t-1}[j]


@pytest.mark.parametrize(("cell", "backend", "state"), [("rnn", "numpy", 3), ("rnn", "torch", 3),
                                                        ("lstm", "torch", 6), ("gru", "torch", 3)])
def test_step_jacobians_match_finite_differences(cell: str, backend: str, state: int) -> None:
    model = tiny(cell, backend)
    x = np.random.default_rng(2).standard_normal((1, 5, 2))
    jac = step_jacobians(model, x)
    assert jac.shape == (5, state, state) and jac.dtype == np.float64
    for t in range(5):
        assert np.max(np.abs(jac[t] - fd_jacobian(model, x, t))) < 1e-8, t


def test_step_jacobians_want_one_sequence() -> None:
    with pytest.raises(ValueError, match=r"^x: got shape \(2, 5, 2\), expected \(1, time, input\)"):
        step_jacobians(tiny("rnn", "numpy"), np.zeros((2, 5, 2)))


# ----------------------------------------------------------------------------- spectra

def rotation(theta: float) -> np.ndarray:
    return np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])


def test_eigenvalues_of_a_half_rotation() -> None:
    """W_hh = 0.5 × rotations, zero bias, zero input: h stays 0, f' = 1, J = W_hhᵀ, |λ| = 0.5."""
    model = tiny("rnn", "numpy", hidden=4)
    w = np.zeros((4, 4))
    w[:2, :2], w[2:, 2:] = 0.5 * rotation(0.3), 0.5 * rotation(1.1)
    model.set_params({**model.get_params(), "W_hh": w})
    sp = recurrent_spectrum(model, np.zeros((1, 6, 2)))
    assert sp.finite and sp.cell == "rnn" and sp.state == "h"
    assert np.allclose(np.abs(sp.w_hh_eigvals), 0.5) and np.allclose(np.abs(sp.jac_eigvals), 0.5)
    assert np.allclose(np.sort(np.abs(np.angle(sp.w_hh_eigvals))), [0.3, 0.3, 1.1, 1.1])
    assert np.allclose(sp.jac_singvals, 0.5)


def test_gated_spectra_are_singular_values_of_the_whole_state() -> None:
    x = np.random.default_rng(3).standard_normal((1, 4, 2))
    lstm = recurrent_spectrum(tiny("lstm"), x)
    assert lstm.state == "h,c" and lstm.jac_singvals.shape == (6,) and lstm.w_hh_eigvals.size == 0
    assert np.all(np.diff(lstm.jac_singvals) <= 0)                   # descending
    mean_j = step_jacobians(tiny("lstm"), x).mean(axis=0)
    assert np.allclose(lstm.jac_singvals, np.linalg.svd(mean_j, compute_uv=False))
    gru = recurrent_spectrum(tiny("gru"), x)
    assert gru.state == "h" and gru.jac_singvals.shape == (3,) and gru.jac_eigvals.shape == (3,)


@pytest.mark.parametrize(("cell", "backend"), [("rnn", "numpy"), ("lstm", "torch")])
def test_spectrum_of_non_finite_weights_is_empty_not_an_error(cell: str, backend: str) -> None:
    model = tiny(cell, backend)
    model.set_params({**model.get_params(), "W_hh": np.full_like(model.get_params()["W_hh"], np.inf)})
    sp = recurrent_spectrum(model, np.zeros((1, 3, 2)))
    assert not sp.finite and sp.jac_eigvals.size == 0 and sp.jac_singvals.size == 0
