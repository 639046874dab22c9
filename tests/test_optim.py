"""Clipping bounds and reported norms; each numpy optimizer against torch.optim (1e-6)."""

import numpy as np
import pytest

from rnn_core.optim import Adam, Momentum, clip_grads, global_norm, make_optimizer


def _grads(scale: float = 1.0, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {"W": rng.standard_normal((4, 3)) * scale, "b": rng.standard_normal(3) * scale}


def test_global_norm_is_norm_of_concatenation():
    g = _grads()
    flat = np.concatenate([v.ravel() for v in g.values()])
    assert global_norm(g) == pytest.approx(np.linalg.norm(flat))


@pytest.mark.parametrize("clip", [0.1, 0.5, 100.0])
def test_clip_by_value_bounds_every_element(clip):
    g = _grads(3.0)
    out, res = clip_grads(g, "value", clip)
    assert all(np.all(np.abs(v) <= clip) for v in out.values())
    assert res.norm_before == pytest.approx(global_norm(g))
    assert res.norm_after == pytest.approx(global_norm(out))
    assert res.clipped == (clip < max(np.abs(v).max() for v in g.values()))
    for k in g:   # elements inside the box are untouched
        inside = np.abs(g[k]) <= clip
        np.testing.assert_array_equal(out[k][inside], g[k][inside])


@pytest.mark.parametrize("clip", [0.1, 0.5, 2.0, 100.0])
def test_clip_by_norm_scales_to_threshold_and_keeps_direction(clip):
    g = _grads(3.0)
    before = global_norm(g)
    out, res = clip_grads(g, "norm", clip)
    assert res.norm_before == pytest.approx(before)
    assert res.norm_after == pytest.approx(min(before, clip))
    assert res.clipped == (before > clip)
    for k in g:
        np.testing.assert_allclose(out[k], g[k] * min(1.0, clip / before))


@pytest.mark.parametrize("clip", [0.0, 0.05, 1e6])
def test_a_threshold_outside_the_knobs_range_is_refused_as_everywhere_else(clip):
    with pytest.raises(ValueError, match=f"^clip: got {clip!r}, expected a finite number >= 0.1 and <= 100$"):
        clip_grads(_grads(), "norm", clip)


def test_clip_off_and_inputs_not_mutated():
    g = _grads(3.0)
    copy = {k: v.copy() for k, v in g.items()}
    out, res = clip_grads(g, "off", 0.1)
    assert not res.clipped and res.norm_after == res.norm_before
    clip_grads(g, "value", 0.1)
    clip_grads(g, "norm", 0.1)
    for k in g:
        np.testing.assert_array_equal(g[k], copy[k])


@pytest.mark.parametrize("mode,clip", [("nope", 1.0), ("norm", -1.0), ("value", float("nan"))])
def test_clip_rejects_bad_settings(mode, clip):
    with pytest.raises(ValueError, match="clip"):
        clip_grads(_grads(), mode, clip)


def _torch_trajectory(name: str, lr: float, grads_seq, p0):
    torch = pytest.importorskip("torch")
    params = {k: torch.tensor(v.copy(), dtype=torch.float64, requires_grad=True) for k, v in p0.items()}
    opt = {"sgd": lambda ps: torch.optim.SGD(ps, lr=lr),
           "momentum": lambda ps: torch.optim.SGD(ps, lr=lr, momentum=0.9),
           "adam": lambda ps: torch.optim.Adam(ps, lr=lr)}[name](list(params.values()))
    for g in grads_seq:
        for k, p in params.items():
            p.grad = torch.tensor(g[k], dtype=torch.float64)
        opt.step()
    return {k: p.detach().numpy() for k, p in params.items()}


@pytest.mark.parametrize("name", ["sgd", "momentum", "adam"])
def test_optimizers_match_torch_optim(name):
    p0 = _grads(1.0, seed=1)
    grads_seq = [_grads(1.0, seed=10 + i) for i in range(25)]
    ours = {k: v.copy() for k, v in p0.items()}
    opt = make_optimizer(name, 0.05, momentum=0.9)
    for g in grads_seq:
        opt.step(ours, g)
    ref = _torch_trajectory(name, 0.05, grads_seq, p0)
    for k in ours:
        np.testing.assert_allclose(ours[k], ref[k], rtol=1e-6, atol=1e-6)


def test_lr_can_change_mid_run_and_state_is_per_parameter():
    opt = make_optimizer("adam", 0.1)
    assert isinstance(opt, Adam)
    p = {"W": np.zeros(2), "b": np.zeros(1)}
    opt.step(p, {"W": np.ones(2), "b": -np.ones(1)})
    np.testing.assert_allclose(p["W"], -0.1)      # Adam's first step has size lr
    np.testing.assert_allclose(p["b"], 0.1)
    opt.lr = 0.01
    opt.step(p, {"W": np.ones(2), "b": -np.ones(1)})
    np.testing.assert_allclose(p["W"], -0.11)
    m = make_optimizer("momentum", 1.0, momentum=0.5)
    assert isinstance(m, Momentum)
    q = {"w": np.zeros(1)}
    m.step(q, {"w": np.ones(1)})                  # v = 1
    m.step(q, {"w": np.ones(1)})                  # v = 0.5 + 1
    np.testing.assert_allclose(q["w"], -2.5)


@pytest.mark.parametrize("name,lr", [("rmsprop", 0.1), ("sgd", 0.0), ("adam", -1.0)])
def test_make_optimizer_rejects_bad_settings(name, lr):
    with pytest.raises(ValueError, match="optimizer|lr"):
        make_optimizer(name, lr)


def test_float32_params_stay_float32():
    p = {"w": np.ones(3, dtype=np.float32)}
    for name in ("sgd", "momentum", "adam"):
        make_optimizer(name, 0.1).step(p, {"w": np.ones(3, dtype=np.float32)})
        assert p["w"].dtype == np.float32
