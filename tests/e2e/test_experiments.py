"""Every experiment page in a real browser: Train advances the run and the loss chart, Pause stops it, a
knob moved mid-run reaches the running model; plus URL settings, Reset, and sessions kept apart."""

from __future__ import annotations

import re
from typing import Any

import pytest

from rnn_core.experiments import Experiment, experiments

from .appdom import (
    TRAIN_TIMEOUT_MS,
    assert_app_layout,
    assert_no_exception,
    button,
    chart,
    download_text,
    expect,
    open_app,
    press_slider,
    slider_value,
    step,
    step_stays,
    total_steps,
    trace_points,
    wait_for_app,
    wait_step,
    wait_trace_points,
)

pytestmark = pytest.mark.e2e
SINE = next(p for p in experiments() if p.url_path == "sine_wave")
STILL_SECONDS = 1.5              # three timer periods (RUN_EVERY = 0.5 s) with no step after Pause


def loss_key(info: Experiment) -> str:
    return f"{info.id}-loss"


def train(page: Any) -> None:
    """Press Train and wait for the server to confirm (the button turns into Pause)."""
    button(page, "train_toggle").click()
    expect(button(page, "train_toggle")).to_contain_text("Pause", timeout=TRAIN_TIMEOUT_MS)


def pause(page: Any) -> None:
    """Press Pause and wait for the full rerun that stops the timer."""
    button(page, "train_toggle").click()
    expect(button(page, "train_toggle")).to_contain_text("Train", timeout=TRAIN_TIMEOUT_MS)
    wait_for_app(page)


def lengthen_run(page: Any) -> int:
    """Epochs to the slider's maximum (End key), so the run outlasts the test; returns the new total."""
    before = total_steps(page)
    press_slider(page, "epochs", "End")
    return wait_step(page, ">", before, of_total=True)


@pytest.mark.parametrize("info", experiments(), ids=[p.url_path for p in experiments()])
def test_train_pause_and_live_knob(app_server: Any, page: Any, shoot: Any, info: Experiment) -> None:
    open_app(page, f"{app_server.url}/{info.url_path}")
    assert_no_exception(page)
    assert_app_layout(page, info.title)
    assert step(page) == 0, "a fresh page starts at step 0"
    total = lengthen_run(page)

    train(page)                                                     # the counter and the loss chart move
    s1 = wait_step(page, ">", 0)
    n1 = trace_points(page, loss_key(info), "train")
    wait_step(page, ">", s1)
    wait_trace_points(page, loss_key(info), "train", n1)

    pause(page)                                                     # and stop on Pause
    first, last = step_stays(page, STILL_SECONDS)
    assert first == last, f"the step counter moved after Pause: {first} → {last}"
    assert 0 < last < total, f"the run should be paused mid-way, not finished: step {last} / {total}"
    rows = download_text(page, "dl_metrics").splitlines()           # the model's own record of its step
    assert rows[0].startswith("step,") and int(rows[-1].split(",")[0]) == last, (
        f"after Pause the page shows step {last} but the run's metrics end at {rows[-1][:40]!r}")

    lr = press_slider(page, "lr", "ArrowLeft")                      # a live knob, applied to the run
    applied = re.compile(rf"Learning rate .*→ {re.escape(lr)}: applied")
    expect(page.get_by_test_id("stToast").filter(has_text=applied)).to_be_visible()
    assert f"lr={lr}" in page.url, f"the learning rate is not in the URL: {page.url}"
    button(page, "step").click()
    after = wait_step(page, ">", last)
    assert after == last + 1, (f"Step after Pause went from {last} to {after}: the run trained after the "
                               "paused page was drawn (its status showed a step the model had passed)")
    page.wait_for_function(
        "(key) => [...document.querySelectorAll(`.st-key-${key} .js-plotly-plot`)].some(el =>"
        " (el.data || []).some(t => t.name === 'knob change'"
        " && String(t.hovertext).includes('Learning rate ')))",
        arg=loss_key(info), timeout=TRAIN_TIMEOUT_MS)
    assert_no_exception(page)
    shoot()


def test_url_sets_hidden_size(app_server: Any, page: Any) -> None:
    open_app(page, f"{app_server.url}/{SINE.url_path}?hidden_size=37")
    assert_app_layout(page, SINE.title)
    assert slider_value(page, "hidden_size") == "37"
    hidden = chart(page, f"{SINE.id}-hidden") or []
    assert hidden and hidden[0]["rows"] == 37, f"the hidden-state heatmap should show 37 units: {hidden}"
    assert_no_exception(page)


def test_reset_returns_to_step_zero(app_server: Any, page: Any) -> None:
    open_app(page, f"{app_server.url}/{SINE.url_path}")
    train(page)
    wait_step(page, ">", 0)
    button(page, "reset").click()
    wait_step(page, "==", 0)
    expect(button(page, "train_toggle")).to_contain_text("Train")
    wait_for_app(page)
    first, last = step_stays(page, STILL_SECONDS)
    assert first == last == 0, f"after Reset the run should wait at step 0: {first} → {last}"
    assert trace_points(page, loss_key(SINE), "train") <= 1, "the loss chart still shows the old run"
    assert_no_exception(page)


def test_sessions_do_not_share_runs(app_server: Any, new_page: Any) -> None:
    url = f"{app_server.url}/{SINE.url_path}"
    a, b = new_page(), new_page()
    open_app(a, url)
    open_app(b, url)
    train(a)
    s = wait_step(a, ">", 0)
    wait_step(a, ">", s)
    first, last = step_stays(b, STILL_SECONDS)                      # b's page does not follow a's run
    assert first == last == 0, f"the other session's counter moved: {first} → {last}"
    button(b, "step").click()                                       # and b's run is its own
    assert wait_step(b, "==", 1) == 1
    assert step(a) > 1, "the first session's run was reset by the other session"
    for p in (a, b):
        assert_no_exception(p)


def test_a_comparison_link_trains_two_runs_side_by_side(app_server: Any, page: Any, shoot: Any) -> None:
    open_app(page, f"{app_server.url}/{SINE.url_path}?compare=bptt_truncate:1,full")
    assert_no_exception(page)
    train(page)
    key = loss_key(SINE)
    for name in ("BPTT truncation = 1", "BPTT truncation = full"):
        n = wait_trace_points(page, key, name, 1)
        wait_trace_points(page, key, name, n)                          # and it keeps growing
    assert "compare=bptt_truncate%3A1%2Cfull" in page.url or "compare=bptt_truncate:1,full" in page.url
    assert_no_exception(page)
    shoot()


def test_memory_page_trains_and_its_gradient_plots_redraw(app_server: Any, page: Any, shoot: Any) -> None:
    open_app(page, f"{app_server.url}/memory")
    assert_no_exception(page)
    train(page)
    first = page.evaluate("() => document.querySelector('.st-key-memory-lag .js-plotly-plot').data.length")
    page.wait_for_function("(n) => document.querySelector('.st-key-memory-lag .js-plotly-plot')"
                           ".data.length > n", arg=first, timeout=TRAIN_TIMEOUT_MS)   # more curves, fading
    page.wait_for_function("() => (document.querySelector('.st-key-memory-spectrum .js-plotly-plot')"
                           ".data || []).some(t => t.name === 'mean step Jacobian')")
    assert_no_exception(page)
    shoot()
