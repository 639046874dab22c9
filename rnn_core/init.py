"""Initial weights of every cell (float64; the backends cast them to the model's dtype).

W_hh is scaled by the config's ``w_hh_scale`` γ after it is drawn: γ × orthogonal for the default
initialisation, so that γ < 1 makes the gradient shrink back through time from the first step and
γ > 1 makes it grow (the memory page's lesson).
"""

from __future__ import annotations

import numpy as np

from .config import ModelConfig

GATES = {"rnn": 1, "lstm": 4, "gru": 3}      # gate blocks stacked along the last axis of W_xh, W_hh, b_h


def xavier(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
    """Glorot-uniform (fan_in, fan_out)."""
    lim = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-lim, lim, size=(fan_in, fan_out))


def orthogonal(rng: np.random.Generator, n: int) -> np.ndarray:
    """A random (n, n) orthogonal matrix: spectral radius 1, gradients neither vanish nor explode at first."""
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))


def init_rnn_params(cfg: ModelConfig, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Initial W_xh (in, hid), W_hh (hid, hid), b_h (hid,), W_hy (hid, out), b_y (out,) as float64."""
    i, h, o = cfg.input_size, cfg.hidden_size, cfg.output_size
    if cfg.init == "uniform01":          # the sine article: every weight ~ U(0, 1)
        w_xh, w_hh, w_hy = rng.uniform(0, 1, (i, h)), rng.uniform(0, 1, (h, h)), rng.uniform(0, 1, (h, o))
    elif cfg.init == "normal":           # the Elman article: N(0, sigma)
        s_out = cfg.init_std if cfg.init_std_out is None else cfg.init_std_out
        w_xh = rng.normal(0, cfg.init_std, (i, h))
        w_hh = rng.normal(0, cfg.init_std, (h, h))
        w_hy = rng.normal(0, s_out, (h, o))
    else:                                # Xavier for the input / output maps, orthogonal recurrence
        w_xh, w_hh, w_hy = xavier(rng, i, h), orthogonal(rng, h), xavier(rng, h, o)
    return {"W_xh": w_xh, "W_hh": w_hh, "b_h": np.zeros(h), "W_hy": w_hy, "b_y": np.zeros(o)}


def init_gated_params(cfg: ModelConfig, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Initial LSTM / GRU weights, gates stacked on the last axis, as float64.

    default: Xavier per gate block for W_xh and for W_hy, orthogonal per gate block for W_hh,
    zero biases except the LSTM forget gate (b_f = 1, so the cell remembers at first);
    "uniform01" / "normal": every weight drawn as in ``init_rnn_params``, zero biases.
    """
    i, h, o, G = cfg.input_size, cfg.hidden_size, cfg.output_size, GATES[cfg.cell]
    b_h = np.zeros(G * h)
    if cfg.init == "uniform01":
        w_xh, w_hh = rng.uniform(0, 1, (i, G * h)), rng.uniform(0, 1, (h, G * h))
        w_hy = rng.uniform(0, 1, (h, o))
    elif cfg.init == "normal":
        s_out = cfg.init_std if cfg.init_std_out is None else cfg.init_std_out
        w_xh = rng.normal(0, cfg.init_std, (i, G * h))
        w_hh = rng.normal(0, cfg.init_std, (h, G * h))
        w_hy = rng.normal(0, s_out, (h, o))
    else:
        w_xh = np.concatenate([xavier(rng, i, h) for _ in range(G)], axis=1)
        w_hh = np.concatenate([orthogonal(rng, h) for _ in range(G)], axis=1)
        w_hy = xavier(rng, h, o)
        if cfg.cell == "lstm":
            b_h[h:2 * h] = 1.0                                      # forget gate block
    return {"W_xh": w_xh, "W_hh": w_hh, "b_h": b_h, "W_hy": w_hy, "b_y": np.zeros(o)}


def init_params(cfg: ModelConfig, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Initial parameters of ``cfg``'s cell, W_hh scaled by ``cfg.w_hh_scale``."""
    p = init_rnn_params(cfg, rng) if cfg.cell == "rnn" else init_gated_params(cfg, rng)
    p["W_hh"] = p["W_hh"] * cfg.w_hh_scale
    return p
