"""The live loop's budget (ui/live.py), without a page: lockstep steps, and heavy settings that pay back
the time they take past their budget."""

from __future__ import annotations

import time

from rnn_core.experiments import get_experiment
from ui import live


def page_of(*runs) -> live.PageRuns:
    page = live.PageRuns("sine", "default", [live.build("sine", r, slot=i) for i, r in enumerate(runs)])
    page.playing = True
    return page


def test_a_step_longer_than_the_budget_is_paid_back_by_ticks_that_only_redraw():
    page = page_of(get_experiment("sine").preset("default").replace(epochs=100))
    state = page.first
    model = state.trainer.model
    real = model.loss_and_grads

    def slow(*args, **kwargs):                        # 0.5 s an update: far over a 0.1 s budget
        time.sleep(0.5)
        return real(*args, **kwargs)

    model.loss_and_grads = slow
    live.tick(page, seconds=0.1)
    assert state.snap.step == 1 and 0.3 < page.debt < 0.45          # 0.5 s spent, 0.15 s allowed
    steps = []
    for _ in range(5):
        live.tick(page, seconds=0.1)
        steps.append(state.snap.step)
    assert steps[:3] == [1, 1, 1] and steps[-1] == 2                 # three ticks only redraw, then train
    assert live.slow_step(page, 0.1) is not None and live.slow_step(page, 10.0) is None


def test_runs_of_a_page_advance_by_the_same_steps():
    base = get_experiment("sine").preset("default").replace(epochs=100)
    page = page_of(base, base.replace(bptt_truncate=1), base.replace(hidden_size=64))
    for _ in range(3):
        live.tick(page, seconds=0.05)
        assert len({r.snap.step for r in page.runs}) == 1
    assert page.first.snap.step >= 3
