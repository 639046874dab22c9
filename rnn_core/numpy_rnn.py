"""A vanilla RNN written from scratch in numpy: forward over a batch, exact (truncated) BPTT.

Row-vector equations, h_{-1} = h0 (or 0):
    a_t = x_t W_xh + h_{t-1} W_hh + b_h        (pre-activation)
    h_t = act(a_t)
    ŷ_t = h_t W_hy + b_y
Internally arrays are time-major, (time, batch, ·), so that every step reads a contiguous block.
The backward pass below is the mirror of the forward pass, equation by equation.
"""

from __future__ import annotations

import numpy as np

from .config import ModelConfig
from .contract import Forward, LossAndGrads, validate_call, validate_params, validate_x
from .init import init_params


def _act(name: str, a: np.ndarray, out: np.ndarray) -> None:
    """out = act(a), in place."""
    if name == "tanh":
        np.tanh(a, out=out)
    elif name == "sigmoid":              # σ(a) = (1 + tanh(a/2)) / 2: no overflow for large |a|
        np.multiply(a, 0.5, out=out)
        np.tanh(out, out=out)
        out += 1
        out *= 0.5
    else:
        np.maximum(a, 0, out=out)


def _act_grad(name: str, h: np.ndarray) -> np.ndarray:
    """act'(a) written through h = act(a): tanh' = 1 - h², σ' = h(1 - h), relu' = [h > 0].
    One new array and no temporary: a fresh large array costs a pass of page faults."""
    if name == "tanh":
        d = np.multiply(h, h)
        return np.subtract(1, d, out=d)
    if name == "sigmoid":
        d = np.subtract(1, h)
        d *= h
        return d
    return (h > 0).astype(h.dtype)


class NumpyRNN:
    """The numpy backend of the model contract (cell="rnn" only)."""

    def __init__(self, cfg: ModelConfig, rng: np.random.Generator) -> None:
        if cfg.cell != "rnn":
            raise ValueError(f"cell: got {cfg.cell!r}, expected 'rnn' for the numpy backend")
        self.cfg = cfg
        self.state_size = cfg.hidden_size
        self.params = {k: v.astype(cfg.dtype) for k, v in init_params(cfg, rng).items()}

    # ------------------------------------------------------------------ parameters
    def get_params(self) -> dict[str, np.ndarray]:
        return {k: v.copy() for k, v in self.params.items()}

    def param_views(self) -> dict[str, np.ndarray]:
        """The live parameter arrays: writes change the model."""
        return self.params

    def set_params(self, params: dict[str, np.ndarray]) -> None:
        self.params = validate_params(self.params, params, self.cfg.dtype)

    # ------------------------------------------------------------------ forward
    def _run(self, x: np.ndarray, h0: np.ndarray) -> np.ndarray:
        """Hidden states, time-major (T, B, H), for x (B, T, in)."""
        p, act = self.params, self.cfg.activation
        B, T, _ = x.shape
        hs = np.empty((T, B, p["W_hh"].shape[0]), dtype=h0.dtype)      # (T, B, H)
        np.matmul(x.transpose(1, 0, 2), p["W_xh"], out=hs)              # x_t W_xh, all t at once
        hs += p["b_h"]                                                  # + b_h, in place
        h = h0                                                          # (B, H)
        buf = np.empty_like(h0)
        for t in range(T):
            np.matmul(h, p["W_hh"], out=buf)                            # h_{t-1} W_hh
            buf += hs[t]                                                # a_t
            _act(act, buf, hs[t])                                       # h_t = act(a_t), stored in place
            h = hs[t]
        return hs

    def forward(self, x: np.ndarray, h0: np.ndarray | None = None) -> Forward:
        xa, h = validate_x(self.cfg, x, self.state_size, h0)
        with np.errstate(over="ignore", invalid="ignore"):
            hs = self._run(xa, h)                                       # (T, B, H)
            T, B, H = hs.shape
            out = (hs.reshape(T * B, H) @ self.params["W_hy"] + self.params["b_y"]).reshape(T, B, -1)
        return Forward(outputs=out.transpose(1, 0, 2).copy(), hidden=hs.transpose(1, 0, 2).copy(),
                       h_last=hs[-1].copy())

    # ------------------------------------------------------------------ loss
    def state_jacobians(self, x: np.ndarray, steps: np.ndarray | None = None) -> np.ndarray:
        """J_t = ∂h_t/∂h_{t-1} = diag(f'(a_t)) W_hhᵀ along one sequence x (1, T, in) from h = 0:
        (T, hid, hid) float64, J_t[i, j] = ∂h_t[i] / ∂h_{t-1}[j]; only at ``steps`` (indices) if given."""
        h = self.forward(x).hidden[0].astype(np.float64)                  # (T, hid)
        h = h if steps is None else h[np.asarray(steps, dtype=np.int64)]
        w = self.params["W_hh"].astype(np.float64)                          # (hid, hid)
        return _act_grad(self.cfg.activation, h)[:, :, None] * w.T[None]

    def _head_loss(self, out: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        """Loss and dL/dout for the head; out is (N, O), y is (N, O) floats or (N,) class ids."""
        if self.cfg.head == "regression":
            diff = out - y                                              # ŷ - y
            return float(np.mean(diff * diff)), diff * (2.0 / diff.size)  # mean of (ŷ - y)²
        z = out - out.max(axis=1, keepdims=True)                        # stable softmax
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))         # log softmax
        mask = y >= 0                                                   # -1 marks padding
        n = max(int(mask.sum()), 1)
        idx = np.nonzero(mask)[0]
        loss = -float(logp[idx, y[idx]].sum()) / n                      # mean -log p(target)
        dout = np.exp(logp)                                             # softmax - onehot, per position
        dout[idx, y[idx]] -= 1
        dout *= (mask[:, None] / n).astype(out.dtype)
        return loss, dout

    # ------------------------------------------------------------------ loss and gradients
    def loss_and_grads(self, x: np.ndarray, y: np.ndarray, h0: np.ndarray | None = None,
                       bptt_truncate: int | None = None, targets: str = "last") -> LossAndGrads:
        xa, ya, h_init, k = validate_call(self.cfg, self.state_size, x, y, h0, bptt_truncate, targets)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return self._loss_and_grads(xa, ya, h_init, k, targets)

    def _loss_and_grads(self, x: np.ndarray, y: np.ndarray, h0: np.ndarray, k: int | None,
                        targets: str) -> LossAndGrads:
        p = self.params
        B, T, n_in = x.shape
        hs = self._run(x, h0)                                           # (T, B, H)
        H = hs.shape[2]
        k = T if k is None else min(k, T)
        # ---- head: ŷ = h W_hy + b_y, on the last step or on every step
        if targets == "last":
            out = hs[-1] @ p["W_hy"] + p["b_y"]                         # (B, O)
            loss, dout = self._head_loss(out, y)
            dW_hy, db_y = hs[-1].T @ dout, dout.sum(axis=0)
            g_last = dout @ p["W_hy"].T                                 # dL/dh_{T-1} from the head, (B, H)
            outputs = out
        else:
            out = hs.reshape(T * B, H) @ p["W_hy"] + p["b_y"]           # (T·B, O)
            yt = y.transpose(1, 0, *range(2, y.ndim)).reshape(T * B, *y.shape[2:])
            loss, dout = self._head_loss(out, yt)
            dW_hy, db_y = hs.reshape(T * B, H).T @ dout, dout.sum(axis=0)
            g = (dout @ p["W_hy"].T).reshape(T, B, H)                   # dL_t/dh_t from each head, (T, B, H)
            outputs = out.reshape(T, B, -1).transpose(1, 0, 2)
        # ---- BPTT: delta[t] = dL/dh_t (all loss terms, truncation in force); da = delta ⊙ act'(a)
        first = T - k if targets == "last" else 0                       # earlier steps get no gradient
        dact = _act_grad(self.cfg.activation, hs[first:])               # act'(a_t), (T', B, H)
        if targets == "last":
            delta = self._bptt_last(g_last, dact, T)
        elif k >= T:
            delta = self._bptt_full(g, dact)
        else:
            delta = self._bptt_windows(g, dact, k)
        da = dact                                                       # reuse the buffer:
        da *= delta[first:]                                             # dL/da_t = δ_t ⊙ act'(a_t)
        n = (T - first) * B
        daf = da.reshape(n, H)
        h_before = h0 if first == 0 else hs[first - 1]                  # h_{first-1}
        dW_hh = h_before.T @ da[0]                                      # Σ_t h_{t-1}ᵀ da_t, without
        if T - first > 1:                                               # copying every h_{t-1}
            dW_hh += hs[first:-1].reshape(-1, H).T @ daf[B:]
        grads = {
            "W_xh": x[:, first:].transpose(2, 1, 0).reshape(n_in, n) @ daf,  # Σ_t x_tᵀ da_t
            "W_hh": dW_hh,
            "b_h": daf.sum(axis=0),
            "W_hy": dW_hy,
            "b_y": db_y,
        }
        norms = np.sqrt(np.einsum("tbh,tbh->t", delta, delta).astype(np.float64))
        return LossAndGrads(loss=loss, grads=grads, hidden=hs.transpose(1, 0, 2).copy(),
                            h_last=hs[-1].copy(), step_grad_norms=norms, outputs=outputs)

    def _w_t(self) -> np.ndarray:
        """W_hhᵀ as a contiguous copy: BLAS on the transposed view is 1.4-2.3× slower here."""
        return np.ascontiguousarray(self.params["W_hh"].T)

    def _bptt_last(self, g_last: np.ndarray, dact: np.ndarray, T: int) -> np.ndarray:
        """One loss term at T-1: walk back k steps; the path from h_{T-k-1} is cut.
        dact covers the last k steps only; delta covers all T (zero before the window)."""
        k, w_t = dact.shape[0], self._w_t()
        delta = np.zeros((T, *g_last.shape), dtype=dact.dtype)
        delta[-1] = g_last
        for t in range(T - 1, T - k, -1):                               # δ_{t-1} = (δ_t ⊙ act'(a_t)) W_hhᵀ
            np.matmul(delta[t] * dact[t - T + k], w_t, out=delta[t - 1])
        return delta

    def _bptt_full(self, g: np.ndarray, dact: np.ndarray) -> np.ndarray:
        """Every step has a loss term; full BPTT: δ_t = g_t + (δ_{t+1} ⊙ act'(a_{t+1})) W_hhᵀ."""
        w_t = self._w_t()
        delta = g.copy()
        for t in range(g.shape[0] - 1, 0, -1):
            delta[t - 1] += (delta[t] * dact[t]) @ w_t
        return delta

    def _bptt_windows(self, g: np.ndarray, dact: np.ndarray, k: int) -> np.ndarray:
        """Every loss term t sends gradient to h_t … h_{t-k+1} only. All terms travel together:
        after j hops, wave[s] holds the gradient that term s + j delivers to h_s."""
        w_t = self._w_t()
        T = g.shape[0]
        delta, wave = g.copy(), g
        for j in range(1, k):
            wave = (wave[1:] * dact[1:T - j + 1]) @ w_t                 # term s+j at h_s, s = 0..T-1-j
            delta[: T - j] += wave
        return delta
