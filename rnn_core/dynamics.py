"""How far a gradient reaches back through time, and the linear algebra that decides it.

Row-vector convention, as everywhere in rnn_core: h_t = f(a_t), a_t = x_t W_xh + h_{t-1} W_hh + b_h. A small
change of the previous state moves the next one by dh_t = dh_{t-1} · W_hh · diag(f'(a_t)), so

    ∂L/∂h_{t-1} = ∂L/∂h_t · (W_hh diag(f'(a_t)))ᵀ  … one factor per step: T steps back, a product of T.

``step_jacobians`` returns the Jacobian in the usual column convention, J_t[i, j] = ∂s_t[i] / ∂s_{t-1}[j];
for the rnn cell J_t = diag(f'(a_t)) · W_hhᵀ, the transpose of the row-convention factor W_hh diag(f'(a_t))
(same eigenvalues, same singular values; and diag(f') W_hh has the same eigenvalues too). Where the
eigenvalues of the mean J lie inside the unit circle the gradient shrinks step after step (vanishes);
outside it grows (explodes). For gated cells the gate values enter J as well, so we show the singular
values of the mean J against 1 instead: the LSTM's J is taken over its whole state s = [h, c] (2·hid),
since the additive cell path c_t = σ(f) ⊙ c_{t-1} + … is what lets its gradient survive.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .model import Model


@dataclass(frozen=True)
class Spectrum:
    """The recurrence linearised along a probe sequence (empty arrays if weights are not finite)."""

    cell: str                  # "rnn" | "lstm" | "gru"
    state: str                 # what J maps: "h" (rnn, gru) or "h,c" (lstm, the whole state)
    w_hh_eigvals: np.ndarray   # (hid,) complex: eigenvalues of W_hh (rnn cell; (0,) for lstm/gru)
    jac_eigvals: np.ndarray    # (state,) complex: eigenvalues of the mean step Jacobian over the probe
    jac_singvals: np.ndarray   # (state,) descending: singular values of that mean Jacobian
    finite: bool               # False: the weights or states were not finite, arrays are empty
    steps: int = 0             # probe steps the mean Jacobian is taken over (evenly spread)
    of_steps: int = 0          # steps of the probe


# ----------------------------------------------------------------------------- gradient against lag

def grad_against_lag(model: Model, x: np.ndarray, y: np.ndarray, bptt_truncate: int | None = None,
                     targets: str = "last") -> np.ndarray:
    """‖∂L/∂h_{T-1-k}‖ for k = 0 … T-1 (float64, (T,)): the model's ``step_grad_norms`` read backwards,
    so index k is the gradient k steps before the last step (Frobenius norm over the batch)."""
    return lag_curve(model.loss_and_grads(x, y, bptt_truncate=bptt_truncate, targets=targets).step_grad_norms)


def lag_curve(step_grad_norms: np.ndarray) -> np.ndarray:
    """A result's ``step_grad_norms`` (‖∂L/∂h_t‖ for t = 0 … T-1) as gradient against lag: index k is
    the gradient k steps before the last step, float64."""
    return np.asarray(step_grad_norms, dtype=np.float64)[::-1].copy()


def orders_lost(curve: np.ndarray, lag: int | None = None) -> float:
    """log10(curve[0] / curve[lag]): orders of magnitude the gradient loses over ``lag`` steps (default:
    the whole curve). Negative when it grows; inf if it underflows to 0; NaN if not finite or 0 at k = 0."""
    c = np.asarray(curve, dtype=np.float64)
    if c.ndim != 1 or c.size < 1:
        raise ValueError(f"curve: got shape {c.shape}, expected (T,) with T >= 1")
    lag = c.size - 1 if lag is None else lag
    if not 0 <= lag < c.size:
        raise ValueError(f"lag: got {lag}, expected 0 <= lag <= {c.size - 1}")
    first, last = c[0], c[lag]
    if not (np.isfinite(first) and np.isfinite(last)) or first <= 0:
        return float("nan")
    return float("inf") if last <= 0 else float(np.log10(first / last))


def grad_reach(curve: np.ndarray) -> float:
    """log10(‖∂L/∂h_first‖ / ‖∂L/∂h_last‖) of a gradient-against-lag curve (k = 0 is the last step):
    0 = the first step gets as much gradient as the last, -6 = a millionth; -inf if it underflows."""
    return -orders_lost(curve)


# ----------------------------------------------------------------------------- step Jacobians

def step_jacobians(model: Model, x: np.ndarray, steps: np.ndarray | None = None) -> np.ndarray:
    """J_t = ∂s_t / ∂s_{t-1} along one sequence x (1, T, input) from s = 0: (T, state, state) float64,
    J_t[i, j] = ∂s_t[i] / ∂s_{t-1}[j]. rnn: diag(f'(a_t)) W_hhᵀ (either backend); lstm / gru (torch
    backend): torch.func.jacrev through the backend's own step, s = [h, c] for the LSTM. Each backend
    computes them (``Model.state_jacobians``); only at ``steps`` (indices into the sequence) if given."""
    x = np.asarray(x)
    if x.ndim != 3 or x.shape[0] != 1:
        raise ValueError(f"x: got shape {x.shape}, expected (1, time, input): one sequence")
    return model.state_jacobians(x, steps)


def spread(n: int, most: int | None) -> np.ndarray | None:
    """At most ``most`` of the indices 0 … n-1, evenly spread with both ends (None: all of them)."""
    if most is None or most >= n:
        return None
    return np.unique(np.linspace(0, n - 1, max(1, most)).round().astype(np.int64))


def recurrent_spectrum(model: Model, probe_x: np.ndarray, most_steps: int | None = None) -> Spectrum:
    """Eigenvalues of W_hh (rnn) and eigenvalues and singular values of the mean step Jacobian
    (1/T) Σ_t J_t over the probe sequence (see ``step_jacobians``), or over ``most_steps`` of its steps
    evenly spread (the Jacobians of a big gated cell are costly: rnn_core/cost.py). Never raises on
    non-finite weights: returns empty arrays with ``finite=False``."""
    cell = model.cfg.cell
    state = "h,c" if cell == "lstm" else "h"
    empty = Spectrum(cell, state, np.zeros(0, complex), np.zeros(0, complex), np.zeros(0), False)
    w = model.get_params()["W_hh"].astype(np.float64)
    if not np.all(np.isfinite(w)):
        return empty
    total = int(np.asarray(probe_x).shape[1])
    steps = spread(total, most_steps)
    with np.errstate(all="ignore"):
        jac = step_jacobians(model, probe_x, steps).mean(axis=0)       # (state, state)
    if not np.all(np.isfinite(jac)):
        return empty
    w_eig = np.linalg.eigvals(w).astype(complex) if cell == "rnn" else np.zeros(0, complex)
    return Spectrum(cell, state, w_eig, np.linalg.eigvals(jac).astype(complex),
                    np.linalg.svd(jac, compute_uv=False), True,
                    steps=total if steps is None else len(steps), of_steps=total)
