"""Live means smooth: while a page trains, no chart is ever blank, faded or re-created; and on a
projector (1280×720) the loss and the prediction charts are on screen without scrolling."""

from __future__ import annotations

from typing import Any

import pytest

from rnn_core.experiments import experiments

from .appdom import CHART_KEYS_JS, button, expect, open_app, press_slider, sample_charts, wait_step

pytestmark = pytest.mark.e2e
BAD_SHARE_MAX = 0.02             # at most 2 % of 100 ms samples may show a chart not fully drawn
SAMPLE_SECONDS = 6.0
PROJECTOR = {"width": 1280, "height": 720}


@pytest.mark.parametrize("url_path", ["sine_wave", "memory?compare=cell:rnn,lstm,gru&seed=2"],
                         ids=["sine_wave", "memory-3-cells"])
def test_charts_never_blank_or_fade_while_training(app_server: Any, page: Any, url_path: str) -> None:
    """(The three-cell comparison: 17 charts, and alone its ticks train longest, ui/timer.solo_tick.)"""
    open_app(page, f"{app_server.url}/{url_path}")
    press_slider(page, "epochs", "End")                                 # outlasts the sampling window
    keys = page.evaluate(CHART_KEYS_JS)
    assert len(keys) >= 5, f"charts on the page: {keys}"
    button(page, "train_toggle").click()
    expect(button(page, "train_toggle")).to_contain_text("Pause")
    first = wait_step(page, ">", 0)
    got = sample_charts(page, keys, SAMPLE_SECONDS)
    assert wait_step(page, ">", first) > first, "the run did not advance while sampled"
    assert got["bad"] <= BAD_SHARE_MAX, (
        f"{100 * got['bad']:.1f} % of {got['n']} samples had a chart missing / blank / faded "
        f"({100 * got['missing']:.1f} / {100 * got['blank']:.1f} / {100 * got['faded']:.1f} %)")
    assert got["plots"] == len(keys), f"{got['plots']} plot elements for {len(keys)} charts: re-created"
    assert got["gl"] == 0, f"{got['gl']} WebGL contexts created while training (one per 3-D chart, once)"


@pytest.mark.parametrize("exp", experiments(), ids=[e.url_path for e in experiments()])
def test_loss_and_predictions_fit_a_projector(app_server: Any, new_page: Any, exp: Any) -> None:
    page = new_page()
    page.set_viewport_size(PROJECTOR)
    open_app(page, f"{app_server.url}/{exp.url_path}")
    charts = page.evaluate(CHART_KEYS_JS)
    top = [k for k in charts if k == f"{exp.id}-loss"] + [k for k in charts if k != f"{exp.id}-loss"][:1]
    assert len(top) == 2, f"charts: {charts}"
    for key in top:                                      # the first two charts: loss, then predictions
        box = page.locator(f".st-key-{key} .js-plotly-plot").first.bounding_box()
        assert box is not None and box["height"] > 200, f"{key} not drawn: {box}"
        assert box["y"] >= 0 and box["y"] + box["height"] <= PROJECTOR["height"], (
            f"{key} spans y = {box['y']:.0f} … {box['y'] + box['height']:.0f}, beyond the "
            f"{PROJECTOR['height']} px screen")
        assert box["x"] + box["width"] <= PROJECTOR["width"]


def test_presenter_mode_on_a_projector(app_server: Any, new_page: Any) -> None:
    page = new_page()
    page.set_viewport_size(PROJECTOR)
    open_app(page, f"{app_server.url}/sine_wave?present=1&show=lr,clip")
    main = page.get_by_test_id("stMain").bounding_box()
    assert main["x"] < 50, f"the sidebar should be folded away: the main area starts at x = {main['x']}"
    for key in ("sine-loss", "sine-pred"):
        box = page.locator(f".st-key-{key} .js-plotly-plot").first.bounding_box()
        assert box is not None and 0 <= box["y"] and box["y"] + box["height"] <= PROJECTOR["height"], box
    size = page.evaluate("() => parseFloat(getComputedStyle(document.querySelector("
                         "'.st-key-sine-loss .xtick text')).fontSize)")
    assert size >= 18, f"tick labels of {size} px on a projector"


def test_the_step_slider_moves_inside_the_box_while_training(app_server: Any, page: Any) -> None:
    """Open the box on the sine page, train, drag the time step t: the panel shows the new step while the
    run goes on, and no chart of the page blanks or fades (the same 2 % rule)."""
    open_app(page, f"{app_server.url}/sine_wave?box_open=true")
    press_slider(page, "epochs", "End")
    keys = page.evaluate(CHART_KEYS_JS)
    assert {"sine-unrolled", "sine-box-forward", "sine-box-backward"} <= set(keys), keys
    title = "() => document.querySelector('.st-key-sine-unrolled .gtitle').textContent"
    assert page.evaluate(title).endswith("t = 49")
    button(page, "train_toggle").click()
    expect(button(page, "train_toggle")).to_contain_text("Pause")
    first = wait_step(page, ">", 0)
    for _ in range(5):
        press_slider(page, "box_t", "ArrowLeft")                       # t = 48, 47, … while it trains
    page.wait_for_function(f"() => ({title})().endsWith('t = 44')")
    got = sample_charts(page, keys, 3.0)
    assert wait_step(page, ">", first) > first, "the run did not advance"
    assert got["bad"] <= BAD_SHARE_MAX, f"{100 * got['bad']:.1f} % of {got['n']} samples: a chart not drawn"
