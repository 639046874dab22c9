"""Open the box on every page (AppTest): the panel's numbers are the model's (h_t recomputed from the
weights shown), Step marks what changed, compare mode has one strip per run, the path and the free run."""

from __future__ import annotations

import numpy as np
import pytest
from apptest import charts, open_page, page_runs, run_of

from rnn_core.experiments import experiment_ids

BOX = {"box-forward", "box-backward", "box-output"}


def opened(exp_id: str, **query: str):
    at = open_page(exp_id, box_open="true", **query)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.warning, [w.value for w in at.warning]
    return at


@pytest.mark.parametrize("exp_id", experiment_ids())
def test_the_box_opens_on_every_page_and_its_numbers_are_the_models(exp_id: str) -> None:
    at = opened(exp_id)
    shown = charts(at)
    assert {f"{exp_id}-{k}" for k in BOX} <= set(shown) and f"{exp_id}-unrolled" in shown
    state = run_of(at, exp_id)
    terms = state.box[2]
    p = {k: np.asarray(v, dtype=np.float64) for k, v in state.snap.params.items()}
    if terms.cell == "rnn":                                     # h_t = act(x_t W_xh + h_{t-1} W_hh + b_h)
        a = terms.x_t @ p["W_xh"] + terms.h_prev @ p["W_hh"] + p["b_h"]
        act = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0),
               "sigmoid": lambda z: 1 / (1 + np.exp(-z))}[terms.activation]
        np.testing.assert_allclose(terms.h, act(a), atol=1e-6)
        np.testing.assert_allclose(terms.y_hat, terms.h @ p["W_hy"] + p["b_y"], atol=1e-6)
    np.testing.assert_allclose(terms.from_output + terms.from_next, terms.dL_dh, atol=1e-9)
    forward = shown[f"{exp_id}-box-forward"]["data"][0]
    assert np.allclose(np.asarray(forward["z"], dtype=float)[-1][: len(terms.h)], terms.h, atol=1e-6)


def test_step_marks_what_changed_and_the_slider_picks_the_step() -> None:
    at = opened("sine")
    at.button(key="step").click().run()
    at.button(key="step").click().run()
    state = run_of(at, "sine")
    assert state.snap.step == 2 and state.box_before is not None and state.box_before[0] == 1
    fwd = charts(at)["sine-box-forward"]
    assert "hover: the change since step 1" in fwd["layout"]["title"]["subtitle"]["text"]
    delta = np.asarray(fwd["data"][0]["customdata"], dtype=float)
    assert np.isfinite(delta).all() and np.abs(delta).max() > 0      # the numbers moved by one update
    at.slider(key="box_t").set_value(10).run()
    assert run_of(at, "sine").box[2].t == 10
    assert charts(at)["sine-unrolled"]["layout"]["title"]["text"] == "The network unrolled around step t = 10"


def test_compare_mode_has_one_strip_per_run_at_the_same_step() -> None:
    at = opened("sine", compare="bptt_truncate:1,full")
    shown = charts(at)
    assert {"sine-box-forward", "sine-box-forward-1", "sine-box-backward",
            "sine-box-backward-1"} <= set(shown)
    runs = page_runs(at, "sine").runs
    assert [r.box[2].t for r in runs] == [49, 49] and [r.box[2].bptt_truncate for r in runs] == [1, None]


def test_the_path_and_the_free_run_are_drawn_where_a_task_has_them() -> None:
    at = opened("sine")
    shown = charts(at)
    path = shown["sine-box-path"]["data"][0]
    assert len(path["x"]) == 50                                   # one point a step of the probe
    assert "sine-box-free" in shown
    free = opened("memory")
    assert "memory-box-free" not in charts(free)                  # the memory task does not generate
