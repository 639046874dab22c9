"""The plain RNN of the lessons for ONE sequence, written to be read beside its equations:

    a_t = x_t W_xh + h_{t-1} W_hh + b_h        h_t = act(a_t)        ŷ_t = h_t W_hy + b_y

one equation a line, one time step a call, the way min-char-rnn reads. ``forward_step`` and its
mirror ``backward_step`` are what the app shows beside the "Inside one step" panel
(``inspect.getsource``); ``run`` drives them over a sequence. Truncated BPTT is written as its
definition (rnn_core/contract.py): every loss term L_s walks back through its own window
h_s, h_{s-1}, …, h_{s-k+1} and stops there. That costs T·k steps where rnn_core/numpy_rnn.py needs T,
and gives the same numbers (tests/test_inspect.py holds the two equal to 1e-9 in float64).
Everything here is float64 numpy; rows are vectors, as in the lessons.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

Params = dict[str, np.ndarray]      # W_xh (in, hid), W_hh (hid, hid), b_h (hid,), W_hy (hid, out), b_y (out,)


def act(name: str, a: np.ndarray) -> np.ndarray:
    """h = act(a) for "tanh", "sigmoid" or "relu"."""
    if name == "tanh":
        return np.tanh(a)
    if name == "sigmoid":
        return (1 + np.tanh(a / 2)) / 2          # σ(a) = 1 / (1 + e^-a), written so it never overflows
    return np.maximum(a, 0)


def act_grad(name: str, h: np.ndarray) -> np.ndarray:
    """act'(a), written through h = act(a)."""
    if name == "tanh":
        return 1 - h * h                         # tanh' = 1 - tanh²
    if name == "sigmoid":
        return h * (1 - h)                       # σ' = σ (1 - σ)
    return (h > 0).astype(h.dtype)               # relu' = 1 where a > 0


# ----------------------------------------------------------------------------- one time step

def forward_step(x_t: np.ndarray, h_prev: np.ndarray, p: Params,
                 activation: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Step t forward: the pre-activation a_t, the state h_t and the output ŷ_t."""
    a = x_t @ p["W_xh"] + h_prev @ p["W_hh"] + p["b_h"]     # a_t = x_t W_xh + h_{t-1} W_hh + b_h
    h = act(activation, a)                                  # h_t = act(a_t)
    y_hat = h @ p["W_hy"] + p["b_y"]                        # ŷ_t = h_t W_hy + b_y (logits: classification)
    return a, h, y_hat


def backward_step(dh: np.ndarray, x_t: np.ndarray, h_prev: np.ndarray, h: np.ndarray, p: Params,
                  activation: str, grads: Params) -> np.ndarray:
    """Step t backward, the mirror of ``forward_step`` read from the bottom up: given dh = ∂L/∂h_t,
    add this step's share to the weight gradients and return ∂L/∂h_{t-1}."""
    da = dh * act_grad(activation, h)                       # h_t = act(a_t)       → ∂L/∂a_t
    grads["W_xh"] += np.outer(x_t, da)                      # a_t = x_t W_xh …     → ∂L/∂W_xh
    grads["W_hh"] += np.outer(h_prev, da)                   #     + h_{t-1} W_hh … → ∂L/∂W_hh
    grads["b_h"] += da                                      #     + b_h            → ∂L/∂b_h
    return da @ p["W_hh"].T                                 #     and ∂L/∂h_{t-1} = ∂L/∂a_t W_hhᵀ


def head_step(y_hat: np.ndarray, y_t: Any, head: str, n: float) -> tuple[float, np.ndarray]:
    """The loss term L_t of one step and ∂L_t/∂ŷ_t; the loss is a mean over n elements (regression)
    or n positions (classification), as the model's is."""
    if head == "regression":
        diff = y_hat - y_t
        return float(diff @ diff) / n, 2 * diff / n         # L_t = Σ (ŷ_t - y_t)² / n
    z = y_hat - y_hat.max()
    log_p = z - np.log(np.exp(z).sum())                     # log softmax(ŷ_t)
    dy = np.exp(log_p)                                      # ∂L_t/∂ŷ_t = (softmax(ŷ_t) - onehot(y_t)) / n
    dy[y_t] -= 1
    return -float(log_p[y_t]) / n, dy / n                   # L_t = -log p(y_t) / n


# ----------------------------------------------------------------------------- a whole sequence

@dataclass(frozen=True)
class Trace:
    """One sequence forward and back: every step's quantities (float64)."""

    loss: float                     # the mean loss, as the model's loss_and_grads reports it
    grads: Params                   # same names and shapes as the parameters
    h0: np.ndarray                  # (hid,): the state before step 0
    a: np.ndarray                   # (T, hid): pre-activations a_t
    h: np.ndarray                   # (T, hid): states h_t
    y_hat: np.ndarray               # (T, out): outputs ŷ_t (logits for classification)
    dL_dh: np.ndarray               # (T, hid): ∂L/∂h_t, all loss terms, truncation in force
    from_output: np.ndarray         # (T, hid): ∂L_t/∂h_t, the loss term at t itself
    to_prev: np.ndarray             # (T, hid): what step t sends on to h_{t-1} (to h0 for t = 0)
    terms: tuple[int, ...]          # the steps that have a loss term
    k: int                          # the truncation in force (T: full BPTT)

    @property
    def step_grad_norms(self) -> np.ndarray:
        """(T,): ‖∂L/∂h_t‖, the model's ``step_grad_norms`` for a batch of one sequence."""
        return np.sqrt((self.dL_dh ** 2).sum(axis=1))


def loss_terms(y: Any, T: int, targets: str, head: str) -> tuple[dict[int, Any], float]:
    """The loss terms of one sequence: {step: its target} and n, the count the loss is a mean over.
    y is one sequence's targets as the model contract shapes them: targets="last": (out,) floats or
    a class id; "all": (T, out) or (T,) class ids; class id -1 is padding, no loss term."""
    y = np.asarray(y)
    ys = {T - 1: y} if targets == "last" else {s: y[s] for s in range(T)}
    if head == "regression":
        return ys, float(len(ys) * y.shape[-1])             # mean over every target element
    ys = {s: int(v) for s, v in ys.items() if v >= 0}
    return ys, float(max(len(ys), 1))                       # mean over the positions with a target


def forward(p: Params, x: np.ndarray, h0: np.ndarray,
            activation: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Steps 0 … T-1, each state feeding the next: a, h (T, hid) and ŷ (T, out)."""
    a, h, y_hat = [], [h0], []
    for t in range(len(x)):
        a_t, h_t, y_t = forward_step(x[t], h[-1], p, activation)
        a.append(a_t), h.append(h_t), y_hat.append(y_t)
    return np.array(a), np.array(h[1:]), np.array(y_hat)


def run(params: Params, x: np.ndarray, y: Any, h0: np.ndarray | None = None, activation: str = "tanh",
        head: str = "regression", targets: str = "last", bptt_truncate: int | None = None) -> Trace:
    """Loss, gradients and every step's ∂L/∂h_t for one sequence x (T, in) and its targets y."""
    p = {name: np.asarray(v, dtype=np.float64) for name, v in params.items()}
    x = np.asarray(x, dtype=np.float64)
    T, hid = len(x), p["W_hh"].shape[0]
    k = T if bptt_truncate is None else min(int(bptt_truncate), T)
    h0 = np.zeros(hid) if h0 is None else np.asarray(h0, dtype=np.float64)
    a, h, y_hat = forward(p, x, h0, activation)
    h_before = np.vstack([h0, h[:-1]])                      # (T, hid): h_{t-1} of every step
    ys, n = loss_terms(y, T, targets, head)
    grads = {name: np.zeros_like(v) for name, v in p.items()}
    dL_dh, from_output, to_prev = np.zeros((T, hid)), np.zeros((T, hid)), np.zeros((T, hid))
    loss = 0.0
    for s, y_s in ys.items():                               # every loss term L_s …
        loss_s, dy = head_step(y_hat[s], y_s, head, n)
        loss += loss_s
        grads["W_hy"] += np.outer(h[s], dy)                 # ŷ_s = h_s W_hy + b_y
        grads["b_y"] += dy
        dh = dy @ p["W_hy"].T                               # ∂L_s/∂h_s
        from_output[s] = dh
        for t in range(s, max(s - k, -1), -1):              # … walks back through h_s … h_{s-k+1}
            dL_dh[t] += dh
            dh = backward_step(dh, x[t], h_before[t], h[t], p, activation, grads)
            if t > s - k + 1:                               # h_{t-1} is still in L_s's window
                to_prev[t] += dh
    return Trace(loss=loss, grads=grads, h0=h0, a=a, h=h, y_hat=y_hat, dL_dh=dL_dh,
                 from_output=from_output, to_prev=to_prev, terms=tuple(sorted(ys)), k=k)
