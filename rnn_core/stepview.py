"""Inside one step: time step t of one sequence, forward and backward, as training computes it.

``step_terms(model, x, y, t, bptt_truncate, targets)`` takes the model's own parameters
(``get_params``) and returns a ``StepTerms``: what goes into step t, what comes out, and how the
gradient at h_t splits into what the output at t asks for and what the future sends back.

Truncation k (rnn_core/contract.py): the loss term L_s sends gradient only to h_s … h_{s-k+1}. So
h_t hears from the terms s with t ≤ s ≤ t+k-1 (the ``window``), and

    dL_dh       = ∂L/∂h_t               = Σ_{s in window} ∂L_s/∂h_t
    from_output = ∂L_t/∂h_t             = (∂L/∂ŷ_t) W_hyᵀ          (0 where t has no loss term)
    from_next   = dL_dh − from_output   = Σ_{t < s ≤ t+k-1} ∂L_s/∂h_t

from_next is what BPTT carries back from h_{t+1}, restricted to the terms whose window still reaches
h_t: under full BPTT it is δ_{t+1} W_hhᵀ (δ = ∂L/∂a), under truncation it leaves out the term
s = t+k, which reaches h_{t+1} but not h_t. Both parts are computed separately and honestly (per loss
term), never one as the other's remainder: tests check that they add up to dL_dh.

    dL_da   = δ_t = dL_dh ⊙ act'(a_t)                                    (plain RNN)
    to_prev = Σ_{t ≤ s ≤ t+k-2} ∂L_s/∂a_t W_hhᵀ: what step t sends on to h_{t-1}, the from_next of step
              t-1 (for t = 0: what the initial state would get; training does not use it)

The plain RNN (either backend) is computed by rnn_core/reference.py; LSTM and GRU by torch autograd
with the states as leaves (rnn_core/torch_stepview.py), which also gives the gate values and, for the
LSTM, the gradient through the cell state. All in float64 from the model's parameters; ``loss`` and
``grad_norm`` are the model's own ``loss_and_grads`` numbers (its dtype), for comparison.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from types import MappingProxyType
from typing import Any

import numpy as np

from . import reference
from .contract import Model, validate_call
from .i18n import _

Arrays = Mapping[str, np.ndarray]


@dataclass(frozen=True)
class StepTerms:
    """Step t of one sequence, forward and backward (float64 arrays, read-only). G·hid is hid for the
    plain RNN, 4·hid for the LSTM ([i f g o]) and 3·hid for the GRU ([r z n])."""

    cell: str                   # "rnn" | "lstm" | "gru"
    activation: str | None      # the RNN's "tanh" | "sigmoid" | "relu"; None for LSTM / GRU (fixed gates)
    t: int                      # the step, 0 … T-1
    T: int                      # steps in the sequence
    bptt_truncate: int | None   # the truncation asked for (None: full BPTT)
    window: tuple[int, int]     # (t, min(T-1, t+k-1)): the steps whose loss terms reach h_t
    terms: tuple[int, ...]      # the steps of the window that have a loss term (targets="last": T-1 only)
    x_t: np.ndarray             # (in,)
    h_prev: np.ndarray          # (hid,): h_{t-1} (the initial state for t = 0)
    xW: np.ndarray              # (G·hid,): x_t W_xh
    hW: np.ndarray              # (G·hid,): h_{t-1} W_hh
    b_h: np.ndarray             # (G·hid,)
    a: np.ndarray               # (G·hid,): pre-activations, xW + hW + b_h (GRU: n's is xn + b + r ⊙ hn)
    h: np.ndarray               # (hid,): h_t
    y_hat: np.ndarray           # (out,): ŷ_t (logits for classification)
    probs: np.ndarray | None    # (out,): softmax(ŷ_t) for classification, else None
    dL_dh: np.ndarray           # (hid,): ∂L/∂h_t, truncation in force
    from_output: np.ndarray     # (hid,): ∂L_t/∂h_t
    from_next: np.ndarray       # (hid,): what comes back from h_{t+1} (see the module docstring)
    to_prev: np.ndarray         # (hid,): what goes on to h_{t-1}
    dL_da: np.ndarray | None    # (hid,): ∂L/∂a_t for the plain RNN, else None
    gates: Arrays               # LSTM: i f g o (values), c_prev, c; GRU: r z n; RNN: empty
    cell_grads: Arrays          # LSTM: dL_dc = dc_from_h + dc_from_next, dc_to_prev; else empty
    loss: float                 # the model's loss on the sequence (loss_and_grads, its dtype)
    grad_norm: float            # the model's step_grad_norms[t]: ‖∂L/∂h_t‖ as training measures it

    def as_dict(self) -> dict[str, Any]:
        """Plain Python values (lists, floats, None), for JSON."""
        def plain(v: Any) -> Any:
            if isinstance(v, np.ndarray):
                return v.tolist()
            if isinstance(v, Mapping):
                return {k: plain(x) for k, x in v.items()}
            return list(v) if isinstance(v, tuple) else v
        return {f.name: plain(getattr(self, f.name)) for f in fields(self)}


def _frozen(a: Any) -> np.ndarray:
    out = np.array(a, dtype=np.float64, copy=True)
    out.setflags(write=False)
    return out


def _step_index(t: Any, T: int) -> int:
    """t in 0 … T-1, or -T … -1 counted from the end (-1: the last step)."""
    if isinstance(t, bool) or not isinstance(t, (int, np.integer)) or not -T <= t < T:
        raise ValueError(_("t: got {t}, expected a step from 0 to {last} (or -1 for the last)").format(
            t=repr(t), last=T - 1))
    return int(t) % T


def _rnn_parts(model: Model, x: np.ndarray, y: np.ndarray, t: int, k: int | None, targets: str,
               h0: np.ndarray | None) -> dict[str, Any]:
    """The plain RNN's step t from the reference loop (rnn_core/reference.py)."""
    p = {n: v.astype(np.float64) for n, v in model.get_params().items()}
    cfg = model.cfg
    tr = reference.run(p, x[0], y[0], None if h0 is None else h0[0], cfg.activation, cfg.head,
                       targets, k)
    h_prev = tr.h0 if t == 0 else tr.h[t - 1]
    from_next = tr.to_prev[t + 1] if t + 1 < len(tr.h) else np.zeros_like(tr.h0)
    return {"x_t": x[0, t], "h_prev": h_prev, "xW": x[0, t] @ p["W_xh"], "hW": h_prev @ p["W_hh"],
            "b_h": p["b_h"], "a": tr.a[t], "h": tr.h[t], "y_hat": tr.y_hat[t], "dL_dh": tr.dL_dh[t],
            "from_output": tr.from_output[t], "from_next": from_next, "to_prev": tr.to_prev[t],
            "dL_da": tr.dL_dh[t] * reference.act_grad(cfg.activation, tr.h[t]), "gates": {}}


def step_terms(model: Model, x: np.ndarray, y: Any, t: int, bptt_truncate: int | None = None,
               targets: str = "last", h0: np.ndarray | None = None) -> StepTerms:
    """Step t (0 … T-1; -1 the last) of ONE sequence x (1, T, in) with targets y shaped as the model
    contract asks (batch of one), under the truncation training uses; see the module docstring."""
    xa, ya, h_init, k = validate_call(model.cfg, model.state_size, x, y, h0, bptt_truncate, targets)
    if xa.shape[0] != 1:
        raise ValueError(_("x: got {n} sequences, expected one (shape (1, time, input))").format(
            n=xa.shape[0]))
    T = xa.shape[1]
    t = _step_index(t, T)
    kk = T if k is None else min(k, T)
    res = model.loss_and_grads(xa, ya, h0=h_init, bptt_truncate=k, targets=targets)
    x64, start = xa.astype(np.float64), None if h0 is None else h_init.astype(np.float64)
    if model.cfg.cell == "rnn":
        parts = _rnn_parts(model, x64, ya, t, k, targets, start)
    else:
        from .torch_stepview import autograd_terms  # torch only for a torch model
        parts = autograd_terms(model, x64, ya, t, kk, targets, start)
    window = (t, min(T - 1, t + kk - 1))
    ys, _n = reference.loss_terms(ya[0], T, targets, model.cfg.head)
    probs = None
    if model.cfg.head == "classification":
        z = parts["y_hat"] - parts["y_hat"].max()
        probs = np.exp(z) / np.exp(z).sum()
    arrays = {n: _frozen(parts[n]) for n in ("x_t", "h_prev", "xW", "hW", "b_h", "a", "h", "y_hat", "dL_dh",
                                             "from_output", "from_next", "to_prev")}
    return StepTerms(
        cell=model.cfg.cell, activation=model.cfg.activation if model.cfg.cell == "rnn" else None,
        t=t, T=T, bptt_truncate=k, window=window,
        terms=tuple(s for s in sorted(ys) if window[0] <= s <= window[1]), **arrays,
        probs=None if probs is None else _frozen(probs),
        dL_da=None if parts.get("dL_da") is None else _frozen(parts["dL_da"]),
        gates=MappingProxyType({n: _frozen(v) for n, v in parts["gates"].items()}),
        cell_grads=MappingProxyType({n: _frozen(v) for n, v in parts.get("cell_grads", {}).items()}),
        loss=float(res.loss), grad_norm=float(res.step_grad_norms[t]))
