"""Step t of one sequence in the torch backend, by autograd with the states as leaves (torch only here
and in rnn_core/torch_rnn.py; rnn_core/stepview.py imports this module only for a torch model).

A truncated loss term L_s sends gradient to the states after steps s-k+1 … s: inside its window the
path from any of them to L_s is the ordinary one. So the gradient that a set S of loss terms sends to
the state s_j after step j is plain autograd: make s_j a leaf (a detached copy that requires grad),
run the steps after j from it, add up the terms of S and differentiate. Every part of the split is one
such call, with S the terms whose window reaches the state asked for:

    dL_dh, dc_from_next   state after t,    S = terms s with t ≤ s ≤ t+k-1
    from_output           state after t,    S = {t}
    from_next             state after t,    S = terms s with t < s ≤ t+k-1
    to_prev, dc_to_prev   state after t-1,  S = terms s with t ≤ s ≤ t+k-2     (t = 0: the initial state)

With h_t and c_t separate leaves, the gradient at the c_t leaf is the cell path alone (through
c_{t+1} = f ⊙ c_t + …); the total ∂L/∂c_t adds the path through h_t = o ⊙ tanh(c_t).
Everything runs in float64 from the model's own parameters and its own step (``TorchRNN._step``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from .reference import loss_terms

State = tuple[torch.Tensor, ...]     # (h,) or (h, c), each (1, hid)


def _term_loss(out: torch.Tensor, y_s: Any, head: str, n: float) -> torch.Tensor:
    """L_s of one step's output (1, out), normalised as the model's loss (rnn_core/reference.py)."""
    if head == "regression":
        return ((out[0] - torch.as_tensor(y_s, dtype=out.dtype)) ** 2).sum() / n
    return -torch.log_softmax(out[0], dim=-1)[int(y_s)] / n


class Steps:
    """One sequence of a torch model in float64: its states, and the gradients of chosen loss terms."""

    def __init__(self, model: Any, x: np.ndarray, y: Any, targets: str, h0: np.ndarray | None) -> None:
        self.model, self.cfg = model, model.cfg
        self.p = {k: torch.from_numpy(v.astype(np.float64)) for k, v in model.get_params().items()}
        self.x = torch.from_numpy(np.asarray(x, dtype=np.float64)[0])              # (T, in)
        self.xw = (self.x @ self.p["W_xh"] + self.p["b_h"])[:, None]              # (T, 1, G·hid)
        self.T = self.x.shape[0]
        self.ys, self.n = loss_terms(np.asarray(y)[0], self.T, targets, self.cfg.head)
        s0 = np.zeros((1, model.state_size)) if h0 is None else np.asarray(h0, dtype=np.float64)
        s: State = model._split(torch.from_numpy(s0))
        self.states = {-1: s}                                                      # state after step j
        with torch.no_grad():
            for t in range(self.T):
                s = model._step(self.xw[t], s, self.p["W_hh"])
                self.states[t] = s

    def out(self, h: torch.Tensor) -> torch.Tensor:
        return h @ self.p["W_hy"] + self.p["b_y"]                                  # ŷ, (1, out)

    def grads(self, after: int, lo: int, hi: int) -> list[np.ndarray]:
        """∂(Σ L_s over the terms s in [lo, hi]) / ∂(state after step ``after``): [dh] or [dh, dc]."""
        leaves = tuple(v.detach().clone().requires_grad_() for v in self.states[after])
        terms = [s for s in self.ys if lo <= s <= hi]
        if not terms:
            return [np.zeros(v.shape[1]) for v in leaves]
        s, total = leaves, torch.zeros((), dtype=torch.float64)
        for j in range(after, max(terms) + 1):
            if j > after:
                s = self.model._step(self.xw[j], s, self.p["W_hh"])
            if j in terms:
                total = total + _term_loss(self.out(s[0]), self.ys[j], self.cfg.head, self.n)
        got = torch.autograd.grad(total, leaves, allow_unused=True)
        return [np.zeros(v.shape[1]) if g is None else g[0].numpy() for g, v in zip(got, leaves, strict=True)]

    def forward_parts(self, t: int) -> dict[str, Any]:
        """x_t, h_{t-1}, x_t W_xh, h_{t-1} W_hh, b_h, the pre-activations a and the gate values at t."""
        p, h_prev = self.p, self.states[t - 1][0]
        xW, hW = self.x[t] @ p["W_xh"], (h_prev @ p["W_hh"])[0]                  # (G·hid,) each
        gates: dict[str, torch.Tensor] = {}
        if self.cfg.cell == "lstm":
            a = xW + hW + p["b_h"]                                                 # [i f g o] pre-activations
            i, f, g, o = a.chunk(4)
            gates = {"i": torch.sigmoid(i), "f": torch.sigmoid(f), "g": torch.tanh(g), "o": torch.sigmoid(o),
                     "c_prev": self.states[t - 1][1][0], "c": self.states[t][1][0]}
        elif self.cfg.cell == "gru":
            xr, xz, xn = (xW + p["b_h"]).chunk(3)
            hr, hz, hn = hW.chunk(3)
            r, z = torch.sigmoid(xr + hr), torch.sigmoid(xz + hz)
            a = torch.cat([xr + hr, xz + hz, xn + r * hn])                         # [r z n] pre-activations
            gates = {"r": r, "z": z, "n": torch.tanh(a[2 * len(r):])}
        else:
            a = xW + hW + p["b_h"]
        h = self.states[t][0]
        return {"x_t": self.x[t], "h_prev": h_prev[0], "xW": xW, "hW": hW, "b_h": p["b_h"], "a": a,
                "h": h[0], "y_hat": self.out(h)[0], "gates": {k: v.numpy() for k, v in gates.items()}}


def autograd_terms(model: Any, x: np.ndarray, y: Any, t: int, k: int, targets: str,
                   h0: np.ndarray | None = None) -> dict[str, Any]:
    """The fields of ``stepview.StepTerms`` for step t of a torch model (any cell), as numpy float64;
    k is the truncation in force (T for full BPTT)."""
    run = Steps(model, x, y, targets, h0)
    with torch.no_grad():
        fwd = {key: v if key == "gates" else v.numpy() for key, v in run.forward_parts(t).items()}
    total = run.grads(t, t, t + k - 1)
    out = {**fwd, "dL_dh": total[0], "from_output": run.grads(t, t, t)[0],
           "from_next": run.grads(t, t + 1, t + k - 1)[0]}
    prev = run.grads(t - 1, t, t + k - 2)
    out["to_prev"] = prev[0]
    if model.cfg.cell == "lstm":
        g = fwd["gates"]
        dc_from_h = total[0] * g["o"] * (1 - np.tanh(g["c"]) ** 2)        # through h_t = o ⊙ tanh(c_t)
        out["cell_grads"] = {"dL_dc": dc_from_h + total[1], "dc_from_h": dc_from_h,
                             "dc_from_next": total[1], "dc_to_prev": prev[1]}
    return out
