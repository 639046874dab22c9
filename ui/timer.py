"""The timer of a page's live runs (docs/architecture.md "Taking turns"): a fragment that, while the page
is active (training or sweeping), redraws and ticks every RUN_EVERY seconds (ui/live.py trains).

A timer's tick first redraws what the last tick trained, then trains: Streamlit dims a rerunning
fragment's elements that are not sent again within 0.5 s of the run's start, and these are sent at its
start, so they never dim however long the tick trains. A run of the whole page (a click, a knob) trains
first, then draws: the click's answer at once. A crowded process trains each session every few ticks
(``charts.trains_now``) and ticks less often (``Load.interval``); a lone page whose evaluating and
drawing are heavy trains longer ticks (``solo_tick``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import streamlit as st

from rnn_core import i18n

from . import charts, classlink
from .live import LOAD, RUN_EVERY, SOLO_TICK, TICK_GATE, TICK_SECONDS, tick
from .state import PageRuns, PageState, Session, page_state, session

LONGEST_TICK = 0.7               # s: a lone page whose evaluating and drawing are heavy trains up to this…
WORK_SHARE = 0.85                # … so that training is this share of its tick (solo_tick)
FLUSH_PAUSE = 0.03               # s after a redraw before the run ends, unless alone (live_fragment)
CROWD = int(os.environ.get("RNNX_CROWD", "12"))   # each CROWD sessions ticking: charts take a turn more
SLOW_FROM, CROWDED_EVERY = 24, 0.9   # from so many sessions ticking, a tick every 0.9 s (``Load.interval``)


def solo_tick(page: PageRuns) -> float:
    """The most a page's timer tick trains (a lone page gets all of it, ``Load.budget``): SOLO_TICK, or
    longer, up to LONGEST_TICK, when the rest of its tick — evaluating the runs after training, drawing —
    would be more than 1 - WORK_SHARE of it. A lone three-cell memory comparison spends ~80 ms evaluating
    (validation, spectra) and ~45 ms drawing a tick: at 0.45 s of training 77 % of its time trained, at
    0.7 s 84 % (78-81 % of its steps/s headless, bench/live.py --speed), still 1.4 updates a second."""
    if not page.timings:
        return SOLO_TICK
    drawing = [page.timings[-i][1] for i in range(1, min(3, len(page.timings)) + 1)]   # (turns: uneven)
    rest = page.evaluating + sum(drawing) / len(drawing)
    return min(LONGEST_TICK, max(SOLO_TICK, rest * WORK_SHARE / (1 - WORK_SHARE)))


def pace() -> float:
    """Seconds between a session's ticks now (0.5, or 0.9 s in a crowded process)."""
    return LOAD.interval(RUN_EVERY, CROWDED_EVERY, SLOW_FROM)


def live_fragment(exp_id: str, draw: Callable[[PageRuns], None]) -> None:
    """The timer: while the page is active (training or sweeping), a redraw and a tick of work."""
    timer = page_state(exp_id).active
    every = pace() if timer else None

    @st.fragment(run_every=every)
    def _live() -> None:
        s = session()
        i18n.set_language(s.lang or i18n.DEFAULT)         # this tick's thread speaks the page's language
        ps = page_state(exp_id)
        if ps.runs is None:
            return
        whole, s.tick_run = s.tick_run != s.page_run, s.page_run     # part of a run of the whole page?
        with TICK_GATE:                                  # one tick at a time in this process
            _tick_and_draw(s, ps, draw, timer, whole)
        classlink.post_runs(ps.runs)                     # to the class joined, if any (queued, not sent here)
        if timer and (whole or LOAD.ticking() > 1):
            # Under load Streamlit drops a fragment's unsent messages when its next run starts: let the
            # event loop send this redraw first (30 tabs, one process: 0.43 → 1.03-1.17 upd/s at worst).
            # (Alone, a timer's tick drew first: its redraw went out while it trained.)
            time.sleep(FLUSH_PAUSE)
        if timer != ps.active or (timer and pace() != every):
            st.rerun()                   # the timer starts, stops or changes its pace: a full run

    _live()


def _tick_and_draw(s: Session, ps: PageState, draw: Callable[[PageRuns], None], timer: bool,
                   whole: bool) -> None:
    """One tick's work and redraw, in the order the module's docstring gives; their timings kept."""
    p = ps.runs
    budget = LOAD.budget(p, solo_tick(p)) if timer else TICK_SECONDS
    crowd = min(charts.MOST_TURNS, 1 + LOAD.ticking() // CROWD) if timer else 1
    trains = charts.trains_now(crowd)                    # crowded: every crowd-th tick, crowd ticks' worth

    def work() -> float:
        t0 = time.perf_counter()
        if trains:
            tick(ps, budget * crowd)
            s.undrawn = True
        return time.perf_counter() - t0

    def show() -> tuple[float, float]:
        t0, c0 = time.perf_counter(), time.thread_time()
        if timer:
            charts.tick_drawn(s.undrawn, p.timings)
        s.undrawn = False
        draw(p)
        return time.perf_counter() - t0, time.thread_time() - c0

    if whole:
        trained, (drawn, cpu) = work(), show()
    else:
        (drawn, cpu), trained = show(), work()
    p.timings.append((trained, drawn, cpu))
