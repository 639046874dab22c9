"""Inside one step (rnn_core/stepview.py), the plain reference RNN (rnn_core/reference.py), the hidden-state
trajectory (rnn_core/trajectory.py), free-running against one-step-ahead prediction (Task.free_run) and the
CLI's ``inspect``. Every number is checked against an independent computation: NumpyRNN's vectorised
BPTT, torch autograd on graphs written here (with detach at the truncation), or a value stated literally."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from rnn_core import ModelConfig, build_model, reference

torch = pytest.importorskip("torch")

T, IN, HID, OUT = 7, 3, 5, 4


def make_data(cfg: ModelConfig, targets: str, rng: np.random.Generator, t: int = T):
    """One sequence x (1, t, in) and its targets as the contract shapes them (a padded class id in "all")."""
    x = rng.standard_normal((1, t, cfg.input_size))
    lead = (1,) if targets == "last" else (1, t)
    if cfg.head == "regression":
        return x, rng.standard_normal((*lead, cfg.output_size))
    y = rng.integers(0, cfg.output_size, lead)
    if targets == "all":
        y[0, 2] = -1                                                 # padding: no loss term at step 2
    return x, y


def close(a, b, tol: float) -> None:
    np.testing.assert_allclose(np.asarray(a, np.float64), np.asarray(b, np.float64), rtol=tol,
                               atol=tol * 1e-3)


# ----------------------------------------------------------------------------- the reference RNN

@pytest.mark.parametrize("k", [None, 1, 3, T, 20])
@pytest.mark.parametrize("targets", ["last", "all"])
@pytest.mark.parametrize("head", ["regression", "classification"])
@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
def test_reference_equals_numpy_rnn(activation, head, targets, k):
    cfg = ModelConfig(input_size=IN, hidden_size=HID, output_size=OUT, activation=activation, head=head,
                      dtype="float64")
    model = build_model(cfg, seed=1)
    rng = np.random.default_rng(2)
    x, y = make_data(cfg, targets, rng)
    h0 = rng.standard_normal((1, HID))
    want = model.loss_and_grads(x, y, h0=h0, bptt_truncate=k, targets=targets)
    got = reference.run(model.get_params(), x[0], y[0], h0[0], activation, head, targets, k)
    close(got.loss, want.loss, 1e-9)
    for name, g in want.grads.items():
        close(got.grads[name], g, 1e-9)
    close(got.step_grad_norms, want.step_grad_norms, 1e-9)
    close(got.h, want.hidden[0], 1e-9)


def test_reference_step_functions_read_as_the_lesson():
    """The app shows these two functions: one equation a line, the backward the forward's mirror."""
    fwd, bwd = inspect.getsource(reference.forward_step), inspect.getsource(reference.backward_step)
    assert "x_t @ p[\"W_xh\"] + h_prev @ p[\"W_hh\"] + p[\"b_h\"]" in fwd and "act(activation, a)" in fwd
    assert "act_grad(activation, h)" in bwd and "da @ p[\"W_hh\"].T" in bwd
    assert len(fwd.splitlines()) <= 10 and len(bwd.splitlines()) <= 12
