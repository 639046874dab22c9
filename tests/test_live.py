"""The live loop's budget (ui/live.py), without a page: lockstep steps, and heavy settings that pay back
the time they take past their budget (on a scripted clock: nothing here depends on the machine's speed)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from rnn_core import cost
from rnn_core.experiments import get_experiment
from ui import charts, live, liveplot, timer
from ui.state import Held, PageRuns, PageState, Session


def page_of(*runs) -> PageState:
    page = PageRuns("sine", "default", [live.build("sine", r, slot=i) for i, r in enumerate(runs)])
    page.playing = True
    return PageState(runs=page)


class Clock:
    """perf_counter for ui.live and the trainer: it moves only when a model computes (``cost`` a call)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    c = Clock()
    monkeypatch.setattr("ui.live.time.perf_counter", c)
    monkeypatch.setattr("rnn_core.trainer.time.perf_counter", c)
    return c


def slowed(ps: PageState, clock: Clock, cost: float) -> None:
    """Every update of the page's runs takes ``cost`` seconds on the clock."""
    for state in ps.runs.runs:
        model, real = state.trainer.model, state.trainer.model.loss_and_grads

        def slow(*args, _real=real, **kwargs):
            clock.now += cost
            return _real(*args, **kwargs)

        model.loss_and_grads = slow


def test_a_step_longer_than_the_budget_is_paid_back_by_ticks_that_only_redraw(clock):
    ps = page_of(get_experiment("sine").preset("default").replace(epochs=100))
    slowed(ps, clock, 0.5)                                # 0.5 s an update: far over a 0.1 s budget
    state = ps.runs.first
    live.tick(ps, seconds=0.1)
    assert state.snap.step == 1 and ps.runs.debt == pytest.approx(0.35)   # 0.5 s spent, 0.15 s allowed
    steps = []
    for _ in range(5):
        live.tick(ps, seconds=0.1)
        steps.append(state.snap.step)
    assert steps == [1, 1, 1, 1, 2]                 # four ticks repay 0.35 s (0.1 s each), then one trains
    assert live.slow_step(ps.runs, 0.1) == pytest.approx(0.5) and live.slow_step(ps.runs, 10.0) is None


def test_runs_of_a_page_advance_by_the_same_steps_within_the_budget(clock):
    base = get_experiment("sine").preset("default").replace(epochs=100)
    ps = page_of(base, base.replace(bptt_truncate=1), base.replace(hidden_size=64))
    slowed(ps, clock, 0.01)                               # 3 runs × 0.01 s an update
    live.tick(ps, seconds=0.3)                            # the first tick measures: one step each
    assert [r.snap.step for r in ps.runs.runs] == [1, 1, 1]
    live.tick(ps, seconds=0.3)                            # then 0.3 s pays for 10 steps of all three
    assert [r.snap.step for r in ps.runs.runs] == [11, 11, 11]


def test_a_lone_page_whose_evaluating_and_drawing_are_heavy_trains_longer_ticks(clock):
    base = get_experiment("sine").preset("default").replace(epochs=100)
    ps = page_of(base, base, base)
    slowed(ps, clock, 0.01)
    for state in ps.runs.runs:                            # each evaluation after training: 30 ms
        task, real = state.trainer.task, state.trainer.task.evaluate

        def slow_eval(*args, _real=real, **kwargs):
            clock.now += 0.03
            return _real(*args, **kwargs)

        task.evaluate = slow_eval
    assert timer.solo_tick(ps.runs) == live.SOLO_TICK == 0.45       # nothing measured yet
    live.tick(ps, seconds=0.3)
    assert ps.runs.evaluating == pytest.approx(0.09)      # three evaluations; the training not counted
    ps.runs.timings.append((0.3, 0.05, 0.05))             # 90 + 50 ms drawing: 85 / 15 × that
    assert timer.solo_tick(ps.runs) == timer.LONGEST_TICK == 0.7     # … is 0.79 s, at most 0.7
    ps.runs.evaluating = 0.04                             # 40 + 50 ms: 0.51 s trained, 85 % of 0.6
    assert timer.solo_tick(ps.runs) == pytest.approx(0.51)
    ps.runs.evaluating = 0.005                            # a light page: 2 Hz
    ps.runs.timings.append((0.3, 0.02, 0.02))
    assert timer.solo_tick(ps.runs) == 0.45


@pytest.mark.parametrize("speed", ["slow", "normal", "fast", "max"])
def test_the_speed_spreads_a_short_run_over_its_ticks(clock, speed):
    ps = page_of(get_experiment("sine").preset("default").replace(epochs=24))    # 240 updates
    slowed(ps, clock, 1e-5)                               # cheap: the budget would allow them all at once
    ps.runs.speed = speed
    done = 0
    while not ps.runs.done and done < 500:
        live.tick(ps, seconds=0.3)
        done += 1
    # the first tick measures an update (one step), then each takes 240 / ticks steps (max: all the rest)
    assert ps.runs.first.snap.step == 240 and done == {"slow": 121, "normal": 21, "fast": 9, "max": 2}[speed]


def test_the_status_line_rate_counts_steps_between_ticks_not_inside_them(monkeypatch):
    page = PageRuns("sine", "default", [live.build("sine", get_experiment("sine").preset(), slot=0)])
    for t, step in [(0.0, 0), (0.5, 10), (1.0, 20), (5.0, 100), (5.5, 110)]:
        page.pace.append((t, step))
    assert live.advance_rate(page) == pytest.approx(90 / 4.5)    # the window keeps its last 4 s: 1.0 … 5.5


# ----------------------------------------------------------------------------- what a live page affords

def test_the_cost_model_prices_an_update_from_the_shapes():
    run = get_experiment("memory").preset()            # 64 tanh units, 8 inputs, 4 outputs, batches of 64
    c = cost.estimate(run, steps=51, eval_sequences=128)
    # 6 · 64 · 51 · 64 · (64 + 8 + 4) operations at 40e9 a second, plus 51 steps at 20 µs
    assert c.update == pytest.approx(95_256_576 / 40e9 + 51 * 20e-6)
    assert c.evaluate == pytest.approx(2 * 95_256_576 / 40e9 + 51 * 20e-6)


def test_a_page_refuses_what_it_cannot_afford_and_says_why():
    memory = get_experiment("memory")
    heavy = memory.preset().replace(lag=200, hidden_size=256, batch_size=256, dtype="float64")
    with pytest.raises(live.TooHeavy) as err:
        live.start("memory", [heavy], "default")
    said = "These settings are too heavy to train live: one update takes about 0.9 s, and a live page may"
    assert str(err.value).startswith(said)                 # 6 · 256 · 201 · 256 · 268 ops at 25e9 a second
    light = memory.preset()
    page = live.start("memory", [light], "default")
    assert page.first.run == light


KEYS = ["sine-loss", "sine-predictions", "sine-hidden", "sine-grad-heatmap", "sine-grad-norm",
        "sine-spectrum"]


def test_when_drawing_is_heavy_the_charts_but_the_loss_take_turns(monkeypatch: pytest.MonkeyPatch) -> None:
    s = Session(ticks=7)
    monkeypatch.setattr(charts, "session", lambda: s)
    assert [k for k in KEYS if charts.resting(k)] == []                 # light: every chart every tick
    s.resting_tick, s.turns = 7, 2
    odd = {k for k in KEYS if charts.resting(k)}
    s.ticks = s.resting_tick = 8
    even = {k for k in KEYS if charts.resting(k)}
    assert odd and even and not odd & even                            # each rests every other tick
    assert odd | even == set(KEYS) - {"sine-loss"}                    # the loss never rests
    drawn = []
    for t in (9, 10, 11):                                            # heavier: every third tick
        s.ticks, s.resting_tick, s.turns = t, t, 3
        drawn += [k for k in KEYS if not charts.resting(k)]
    assert sorted(drawn) == sorted(KEYS[1:] + ["sine-loss"] * 3)       # each once in three; the loss each


def test_a_resting_chart_says_nothing_changed_without_building_its_figure(
        monkeypatch: pytest.MonkeyPatch) -> None:
    s = Session(page_run=3)
    sent: list[tuple[str, dict[str, Any], int]] = []
    monkeypatch.setattr(liveplot, "session", lambda: s)
    monkeypatch.setattr(liveplot, "_component", lambda key, data, height: sent.append(
        (key, json.loads(data), height)))
    assert not liveplot.keep("sine-hidden", 340)                     # the browser holds nothing yet
    s.charts["sine-hidden"] = Held(version=5, spec={"layout": {"height": 459}}, page_run=3, since=2, full=4)
    assert liveplot.keep("sine-hidden", None)
    assert sent == [("sine-hidden", {"kind": "same", "full": 4, "v": 6}, 459)]   # presenter's height kept
    assert (s.charts["sine-hidden"].version, s.charts["sine-hidden"].since) == (6, 3)
    s.charts["sine-hidden"] = Held(version=9, spec={}, page_run=2, since=0, full=9)
    assert not liveplot.keep("sine-hidden", 340)                     # a full page run since: drawn whole
    s.charts["sine-hidden"] = Held(version=9, spec={}, page_run=3, since=20, full=1)
    assert not liveplot.keep("sine-hidden", 340)                     # a whole figure is due (KEYFRAME)


def test_charts_take_turns_when_drawing_them_all_would_cost_too_much(monkeypatch: pytest.MonkeyPatch) -> None:
    s = Session()
    monkeypatch.setattr(charts, "session", lambda: s)
    charts.tick_drawn(True, [(0.45, 0.05, 0.04)])               # one run: 40 ms of drawing, all every tick
    assert s.turns == 1 and s.resting_tick == -1
    charts.tick_drawn(True, [(0.45, 0.30, 0.28)])               # a three-run comparison: 280 ms
    assert (s.turns, s.resting_tick) == (3, s.ticks)
    charts.tick_drawn(True, [(0.45, 0.11, 0.10)])               # a third of them drawn: still 300 ms whole
    assert s.turns == 3


def test_a_crowded_process_trains_every_few_ticks_and_between_them_every_chart_rests(
        monkeypatch: pytest.MonkeyPatch) -> None:
    s = Session()
    monkeypatch.setattr(charts, "session", lambda: s)
    trained = []
    for _ in range(6):
        trained.append(charts.trains_now(3))
        charts.tick_drawn(trained[-1], [(0.01, 0.02, 0.02)])
        if not trained[-1]:
            assert all(charts.resting(k) for k in KEYS)         # the loss too: nothing changed
    assert trained == [False, False, True, False, False, True]
    assert [charts.trains_now(1) for _ in range(3)] == [True, True, True]   # alone: every tick
