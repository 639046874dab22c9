"""The torch backend: the same contract as the numpy model, for the rnn, LSTM and GRU cells.

Row-vector equations, x_t (batch, in), h_{-1} = h0 (or 0); b_h is folded into the input part:
    rnn:  h_t = act(x_t W_xh + h_{t-1} W_hh + b_h)
    lstm: [i f g o] = x_t W_xh + h_{t-1} W_hh + b_h               (4 gate blocks of width hid)
          c_t = σ(f) ⊙ c_{t-1} + σ(i) ⊙ tanh(g),   h_t = σ(o) ⊙ tanh(c_t)
    gru:  [xr xz xn] = x_t W_xh + b_h,   [hr hz hn] = h_{t-1} W_hh   (3 gate blocks)
          r = σ(xr + hr),  z = σ(xz + hz),  n = tanh(xn + r ⊙ hn),  h_t = (1 - z) ⊙ n + z ⊙ h_{t-1}
          (torch.nn.GRU's formulation with its recurrent bias b_hn = 0, so one bias b_h suffices)
    head: ŷ_t = h_t W_hy + b_y
The LSTM state is [h, c] along the last axis (state_size = 2·hid); rnn and gru carry h alone.

Gradients come from autograd in three parts, mirroring the numpy backward: the head gives
g_t = ∂L/∂h_t directly; the recurrence is then back-propagated from the surrogate Σ_t <h_t, g_t>
(same gradients, g held constant); ∂L/∂(x_t W_xh + b_h) is folded into W_xh and b_h at the end.
Truncation k runs each loss term's window of k steps from the detached state before it.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch

from .config import ModelConfig
from .contract import Forward, LossAndGrads, validate_call, validate_params, validate_x
from .init import init_params

WINDOW_BUDGET = 1 << 21          # elements of window input per batched pass (bounds memory)

State = tuple[torch.Tensor, ...]  # (h,) or (h, c), each (batch, hidden)


class Head(NamedTuple):
    """What the head gives: the loss, its parameter gradients and g = ∂L/∂h straight from it."""

    loss: float
    d_why: torch.Tensor          # (hid, out)
    d_by: torch.Tensor           # (out,)
    g: torch.Tensor              # (B, H) for targets="last", (T, B, H) for "all"
    out: torch.Tensor            # ŷ or logits, shaped like g with out in place of H


class Bptt(NamedTuple):
    """Gradients of one loss_and_grads call, time-major."""

    head: Head
    d_whh: torch.Tensor          # (hid, G·hid)
    d_xw: torch.Tensor           # (T, B, G·hid): ∂L/∂(x_t W_xh + b_h)
    delta: torch.Tensor          # (T, B, hid): ∂L/∂h_t, every loss term, truncation in force
    hidden: torch.Tensor         # (T, B, hid)
    last: State                  # state after the last step


class TorchRNN:
    """The torch backend of the model contract (cell = "rnn" | "lstm" | "gru")."""

    def __init__(self, cfg: ModelConfig, rng: np.random.Generator) -> None:
        self.cfg = cfg
        self.state_size = 2 * cfg.hidden_size if cfg.cell == "lstm" else cfg.hidden_size
        self._set({k: v.astype(cfg.dtype) for k, v in init_params(cfg, rng).items()})

    # ------------------------------------------------------------------ parameters
    def _set(self, params: dict[str, np.ndarray]) -> None:
        self.params = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in params.items()}

    def get_params(self) -> dict[str, np.ndarray]:
        return {k: v.numpy().copy() for k, v in self.params.items()}

    def param_views(self) -> dict[str, np.ndarray]:
        """The live parameters as numpy arrays sharing the tensors' memory: writes change the model."""
        return {k: v.numpy() for k, v in self.params.items()}

    def set_params(self, params: dict[str, np.ndarray]) -> None:
        self._set(validate_params(self.get_params(), params, self.cfg.dtype))

    # ------------------------------------------------------------------ recurrence
    def _split(self, s: torch.Tensor) -> State:
        """(batch, state) → (h,) or (h, c)."""
        return tuple(s.split(self.cfg.hidden_size, dim=-1)) if self.cfg.cell == "lstm" else (s,)

    def _step(self, xw: torch.Tensor, s: State, w_hh: torch.Tensor) -> State:
        """One step from s = state_{t-1}; xw = x_t W_xh + b_h, (batch, G·hid)."""
        cell, h = self.cfg.cell, s[0]
        if cell == "rnn":
            a = torch.addmm(xw, h, w_hh)                                # a_t, (batch, hid)
            act = self.cfg.activation
            return (torch.tanh(a) if act == "tanh" else torch.sigmoid(a) if act == "sigmoid"
                    else torch.relu(a),)
        if cell == "lstm":
            i, f, g, o = torch.addmm(xw, h, w_hh).chunk(4, dim=-1)      # gate pre-activations
            c = torch.sigmoid(f) * s[1] + torch.sigmoid(i) * torch.tanh(g)   # c_t
            return torch.sigmoid(o) * torch.tanh(c), c                  # h_t, c_t
        xr, xz, xn = xw.chunk(3, dim=-1)
        hr, hz, hn = (h @ w_hh).chunk(3, dim=-1)
        r, z = torch.sigmoid(xr + hr), torch.sigmoid(xz + hz)           # reset, update gates
        n = torch.tanh(xn + r * hn)                                     # candidate
        return (torch.lerp(n, h, z),)                                   # (1 - z) n + z h_{t-1}

    def _run(self, xw: torch.Tensor, s: State, w_hh: torch.Tensor) -> list[State]:
        """States after every step of xw (time, batch, G·hid), starting from s."""
        states = []
        for xw_t in xw.unbind(0):                                       # unbind: one backward node, not T
            s = self._step(xw_t, s, w_hh)
            states.append(s)
        return states

    def _prepare(self, x: np.ndarray, h0: np.ndarray) -> tuple[torch.Tensor, torch.Tensor, State]:
        """x time-major (T, B, in), xw = x W_xh + b_h (T, B, G·hid), and the initial state."""
        x = x if x.flags.writeable else x.copy()                         # torch wants writable memory
        xt = torch.from_numpy(x).transpose(0, 1)                        # (T, B, in)
        xw = torch.matmul(xt, self.params["W_xh"]) + self.params["b_h"]
        return xt, xw, self._split(torch.from_numpy(h0))

    def forward(self, x: np.ndarray, h0: np.ndarray | None = None) -> Forward:
        xa, h_init = validate_x(self.cfg, x, self.state_size, h0)
        with torch.no_grad():
            _, xw, s0 = self._prepare(xa, h_init)
            states = self._run(xw, s0, self.params["W_hh"])
            hs = torch.stack([s[0] for s in states], dim=1)             # (B, T, H)
            out = hs @ self.params["W_hy"] + self.params["b_y"]         # (B, T, O)
        return Forward(outputs=out.numpy().copy(), hidden=hs.numpy().copy(),
                       h_last=torch.cat(states[-1], dim=-1).numpy().copy())


    def state_jacobians(self, x: np.ndarray, steps: np.ndarray | None = None) -> np.ndarray:
        """J_t = ∂s_t/∂s_{t-1} along one sequence x (1, T, in), float64 (T, state, state), column
        convention; s = [h, c] for the LSTM; only at ``steps`` (indices) if given. torch.func: jacrev of
        one step, vmapped over the steps."""
        from torch.func import jacrev, vmap

        xa, h0 = validate_x(self.cfg, x, self.state_size, None)
        w_hh = self.params["W_hh"]
        with torch.no_grad():
            _, xw, s0 = self._prepare(xa, h0)                               # xw (T, 1, G·hid)
            states = self._run(xw, s0, w_hh)
            before = torch.cat([torch.cat(s, dim=-1) for s in [s0, *states[:-1]]])   # (T, state): s_{t-1}

        def step(s_prev: torch.Tensor, xw_t: torch.Tensor) -> torch.Tensor:
            return torch.cat(self._step(xw_t[None], self._split(s_prev[None]), w_hh), dim=-1)[0]

        idx = slice(None) if steps is None else torch.as_tensor(np.asarray(steps, dtype=np.int64))
        return vmap(jacrev(step))(before[idx], xw[idx, 0]).double().numpy()

    # ------------------------------------------------------------------ head
    def _head(self, hid: torch.Tensor, y: torch.Tensor) -> Head:
        """Loss and its gradients for hidden states hid (..., H): ŷ = h W_hy + b_y."""
        hid = hid.detach().requires_grad_()
        w_hy = self.params["W_hy"].detach().requires_grad_()
        b_y = self.params["b_y"].detach().requires_grad_()
        out = hid @ w_hy + b_y                                          # ŷ or logits, (..., O)
        if self.cfg.head == "regression":
            loss = ((out - y) ** 2).mean()                              # mean of (ŷ - y)²
        else:
            logp = torch.log_softmax(out, dim=-1)
            mask = y >= 0                                               # -1 marks padding
            picked = logp.gather(-1, y.clamp(min=0).unsqueeze(-1)).squeeze(-1)
            loss = -torch.where(mask, picked, 0.0).sum() / max(int(mask.sum()), 1)
        d_w, d_b, g = torch.autograd.grad(loss, (w_hy, b_y, hid))
        return Head(float(loss.detach()), d_w, d_b, g, out.detach())

    # ------------------------------------------------------------------ autograd pieces
    def _build(self, xw: torch.Tensor, s0: State) -> tuple[torch.Tensor, torch.Tensor, list[State]]:
        """Run xw (L, N, G·hid) from the detached state s0 with autograd on; return the leaves."""
        xw = xw.detach().requires_grad_()
        w_hh = self.params["W_hh"].detach().requires_grad_()
        return xw, w_hh, self._run(xw, tuple(t.detach() for t in s0), w_hh)

    @staticmethod
    def _backprop(xw: torch.Tensor, w_hh: torch.Tensor, hs: list[torch.Tensor], g: torch.Tensor,
                  last_only: bool) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Backprop the surrogate Σ_t <h_t, g_t> (g held constant): dW_hh, ∂L/∂xw, ∂L/∂h_t (L, N, H).

        g is (L, N, H), or (N, H) when only the last step has a loss term.
        """
        sur = (hs[-1] * g).sum() if last_only else (torch.stack(hs) * g).sum()
        d_w, d_xw, *d_h = torch.autograd.grad(sur, (w_hh, xw, *hs))
        return d_w, d_xw, torch.stack(d_h)

    # ------------------------------------------------------------------ loss and gradients
    def loss_and_grads(self, x: np.ndarray, y: np.ndarray, h0: np.ndarray | None = None,
                       bptt_truncate: int | None = None, targets: str = "last") -> LossAndGrads:
        xa, ya, h_init, k = validate_call(self.cfg, self.state_size, x, y, h0, bptt_truncate, targets)
        B, T, _ = xa.shape
        k = T if k is None else min(k, T)
        yt = torch.from_numpy(ya if targets == "last" else np.ascontiguousarray(ya.swapaxes(0, 1)))
        xt, xw, s0 = self._prepare(xa, h_init)
        if k == T:
            r = self._bptt_full(xw, s0, yt, targets == "last")
        elif targets == "last":
            r = self._bptt_last(xw, s0, yt, k)
        else:
            r = self._bptt_windows(xw, s0, yt, k)
        n_in, GH = xt.shape[2], xw.shape[2]
        grads = {"W_xh": xt.reshape(T * B, n_in).T @ r.d_xw.reshape(T * B, GH),  # Σ_t x_tᵀ ∂L/∂xw_t
                 "W_hh": r.d_whh, "b_h": r.d_xw.sum(dim=(0, 1)),
                 "W_hy": r.head.d_why, "b_y": r.head.d_by}
        norms = r.delta.double().square().sum(dim=(1, 2)).sqrt()        # ||∂L/∂h_t||, (T,)
        out = r.head.out if targets == "last" else r.head.out.transpose(0, 1)
        return LossAndGrads(loss=r.head.loss, grads={n: v.numpy().copy() for n, v in grads.items()},
                            hidden=r.hidden.transpose(0, 1).numpy().copy(),
                            h_last=torch.cat(r.last, dim=-1).numpy().copy(),
                            step_grad_norms=norms.numpy().copy(), outputs=out.numpy().copy())

    def _bptt_full(self, xw: torch.Tensor, s0: State, y: torch.Tensor, last_only: bool) -> Bptt:
        """Full BPTT: one graph over every step, the head on its states."""
        xw_l, w_hh, states = self._build(xw, s0)
        hs = [s[0] for s in states]
        hid = torch.stack(hs).detach()                                  # (T, B, H)
        head = self._head(hid[-1] if last_only else hid, y)
        d_w, d_xw, delta = self._backprop(xw_l, w_hh, hs, head.g, last_only)
        return Bptt(head, d_w, d_xw, delta, hid, tuple(t.detach() for t in states[-1]))

    def _bptt_last(self, xw: torch.Tensor, s0: State, y: torch.Tensor, k: int) -> Bptt:
        """One loss term at T-1, truncated: a graph over the last k steps from the detached state."""
        T = xw.shape[0]
        with torch.no_grad():
            pre = self._run(xw[:T - k], s0, self.params["W_hh"])       # states 0 … T-k-1
        xw_l, w_hh, states = self._build(xw[T - k:], pre[-1])
        hs = [s[0] for s in states]
        hid = torch.cat([torch.stack([s[0] for s in pre]), torch.stack(hs).detach()])  # (T, B, H)
        head = self._head(hid[-1], y)
        d_w, d_xw_k, delta_k = self._backprop(xw_l, w_hh, hs, head.g, True)
        d_xw, delta = torch.zeros_like(xw), torch.zeros_like(hid)
        d_xw[T - k:], delta[T - k:] = d_xw_k, delta_k                   # earlier steps get nothing
        return Bptt(head, d_w, d_xw, delta, hid, tuple(t.detach() for t in states[-1]))

    def _bptt_windows(self, xw: torch.Tensor, s0: State, y: torch.Tensor, k: int) -> Bptt:
        """A loss term at every step, truncated to k < T steps.

        Terms 0 … k-1 reach back to h0 anyway: one ordinary graph over steps 0 … k-1. Term t ≥ k runs
        its window, steps t-k+1 … t, from the detached state after step t-k; the windows travel
        together as one batch (in chunks that bound memory), and their gradients add up per step.
        """
        T, B, GH = xw.shape
        with torch.no_grad():
            states = self._run(xw, s0, self.params["W_hh"])
        hid = torch.stack([s[0] for s in states])                       # (T, B, H)
        head = self._head(hid, y)
        xw_l, w_hh, pre = self._build(xw[:k], s0)
        d_w, d_xw_k, delta_k = self._backprop(xw_l, w_hh, [s[0] for s in pre], head.g[:k], False)
        d_xw, delta = torch.zeros_like(xw), torch.zeros_like(hid)
        d_xw[:k], delta[:k] = d_xw_k, delta_k
        starts = [torch.stack(part) for part in zip(*states, strict=True)]  # state after each step
        wins = xw.unfold(0, k, 1)[1:]                   # window w: steps w+1 … w+k, (T-k, B, GH, k)
        chunk = max(1, WINDOW_BUDGET // (k * B * GH))
        for a in range(0, T - k, chunk):
            b = min(a + chunk, T - k)                                   # windows a … b-1, terms k+a … k+b-1
            n = (b - a) * B
            win = wins[a:b].permute(3, 0, 1, 2).reshape(k, n, GH)       # (k, windows·B, GH)
            s_w = tuple(s[a:b].reshape(n, -1) for s in starts)          # state after step w
            xw_l, w_hh, st = self._build(win, s_w)
            g = head.g[k + a:k + b].reshape(n, -1)                      # ∂L_t/∂h_t of each term
            d_w_c, d_win, d_h = self._backprop(xw_l, w_hh, [s[0] for s in st], g, True)
            d_w += d_w_c
            d_win, d_h = d_win.view(k, b - a, B, GH), d_h.view(k, b - a, B, -1)
            for j in range(k):                                          # window step j is step w+1+j
                d_xw[a + 1 + j:b + 1 + j] += d_win[j]
                delta[a + 1 + j:b + 1 + j] += d_h[j]
        return Bptt(head, d_w, d_xw, delta, hid, states[-1])
