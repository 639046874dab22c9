"""The live runs of an experiment page: kept in ``st.session_state`` per page and slot (a page holds 1–3
runs side by side), advanced together by a fragment timer in small time budgets, changed by the knobs
and the Train / Step / Reset / Defaults buttons.

Callbacks only set flags (``PageRuns.flags``); the page run acts on them before drawing. Training never
calls ``st.*``: a tick trains, then draws. ``PageRuns.lock`` makes every change to a page's runs (a
tick, the knobs, the buttons) wait for the one in progress, so a page never draws a run that another
script thread is still training (``runner.fastReruns = false`` in .streamlit/config.toml avoids that
second thread in the first place).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import streamlit as st

from rnn_core.config import RunConfig
from rnn_core.experiments import TaskView, get_experiment
from rnn_core.snapshot import Snapshot, Stop
from rnn_core.trainer import Trainer

from . import words
from .gate import FairGate, Load
from .knobs import model_summary, needs_rebuild, request_defaults
from .uploads import UserData

LOG = logging.getLogger(__name__)
TICK_SECONDS = 0.15              # training budget of one tick, shared by the page's runs
RUN_EVERY = 0.5                  # seconds between ticks while training (2 Hz)
MIN_TICKS = 40                   # a short run is spread over at least this many ticks (~20 s) to be seen
TIMINGS = 200                    # ticks whose timings are kept (bench/ui.py reads them)
RESTARTED = "_click_heard"       # a button's callback ran this run (a click without it: a new session)
OVERRUN = 1.5                    # a tick may overrun its budget this much (evaluation, noise) before it owes
TRAIN_SHARE = 0.3                # of one core: all sessions' training together, at most (ui/gate.py)
TICK_GATE = FairGate()           # the ticks of this process take turns, in arrival order
LOAD = Load(TRAIN_SHARE, 1 / RUN_EVERY)
FLUSH_PAUSE = 0.03               # s after a redraw before the run ends (see live_fragment)


@dataclass
class RunState:
    """One run of a page (one slot)."""

    exp_id: str
    slot: int
    trainer: Trainer
    snap: Snapshot
    data: UserData | None = None                            # the person's upload, None = built-in data
    cache: dict[str, Any] = field(default_factory=dict)     # per-snapshot results the page reuses

    @property
    def run(self) -> RunConfig:
        return self.trainer.run_cfg

    @property
    def view(self) -> TaskView:
        return self.trainer.view

    @property
    def data_id(self) -> str | None:
        return None if self.data is None else self.data.file_id


@dataclass
class PageRuns:
    """The runs of one experiment page in this session, trained in lockstep."""

    exp_id: str
    preset: str
    runs: list[RunState]
    playing: bool = False
    flags: set[str] = field(default_factory=set)           # "toggle", "step", "reset" from callbacks
    notice: str | None = None                               # said once above the status line
    tag: str | None = None                                  # the comparison the runs make, None: one run
    debt: float = 0.0                                       # seconds of training past the budget, to repay
    busy: bool = False                                      # a panel works in the ticks (a sweep)
    timings: deque[tuple[float, float, float]] = field(         # seconds: train, draw, draw CPU
        default_factory=lambda: deque(maxlen=TIMINGS))
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)  # one mutator at a time

    @property
    def first(self) -> RunState:
        return self.runs[0]

    @property
    def done(self) -> bool:
        return all(r.snap.done for r in self.runs)


def state_key(exp_id: str) -> str:
    return f"runs:{exp_id}"


def get_page(exp_id: str) -> PageRuns | None:
    """This session's runs of the experiment's page, None before the page first built them."""
    return st.session_state.get(state_key(exp_id))


def build(exp_id: str, run: RunConfig, data: UserData | None = None, slot: int = 0) -> RunState:
    """A fresh run at step 0 (ValueError if the experiment refuses the config)."""
    exp = get_experiment(exp_id)
    trainer = Trainer(exp.make_task(run, None if data is None else data.data), run)
    return RunState(exp_id=exp_id, slot=slot, trainer=trainer, snap=trainer.snapshot(), data=data)


def start(exp_id: str, runs: list[RunConfig], preset: str, data: UserData | None = None,
          tag: str | None = None) -> PageRuns:
    """The page's runs, built fresh, stored in session state (``tag``: the comparison they make)."""
    page = PageRuns(exp_id, preset, [build(exp_id, r, data, i) for i, r in enumerate(runs)], tag=tag)
    st.session_state[state_key(exp_id)] = page
    return page


def sync(page: PageRuns, runs: list[RunConfig], preset: str, data: UserData | None = None,
         tag: str | None = None) -> tuple[PageRuns, str | None]:
    """Bring the runs in line with the knobs and the data: live knobs go to ``trainer.apply`` (a marker
    on the loss curve), other knobs, new data or another number of runs rebuild them. Returns the page
    in force and a message for a toast."""
    page.preset = preset
    new_data = (None if data is None else data.file_id) != page.first.data_id
    changed = sorted({k for old, new in zip(page.runs, runs, strict=False)
                      for k in needs_rebuild(old.run, new)})
    if changed or new_data or tag != page.tag:
        fresh = start(page.exp_id, runs, preset, data, tag)
        fresh.playing, fresh.flags = page.playing, page.flags   # buttons pressed with the change count
        if tag != page.tag:
            return fresh, (f"Comparing {len(runs)} runs: {tag}, step 0." if tag else "One run again, step 0.")
        what = f"{words.names(changed)} changed" if changed else (
            f"training on {data.name}" if data else "the built-in data")
        return fresh, f"New model ({what}): {model_summary(runs[0])}, step 0."
    applied, was_done = [], page.done
    for state, run in zip(page.runs, runs, strict=True):
        if run.train != state.run.train:
            applied = state.trainer.apply(run.train) or applied
            state.snap = state.trainer.snapshot()           # totals and the end of the run may have moved
    if not applied:
        return page, None
    when = "press Train to continue with it" if was_done else "applied to the running model"
    return page, f"{words.changes(applied)}: {when}."


def request(exp_id: str, flag: str) -> None:
    """Button callback: only records what was asked (and that a click was heard, see controls)."""
    page = get_page(exp_id)
    st.session_state[RESTARTED] = True               # (controls() reads it: this click was heard)
    if page is not None:
        page.flags.add(flag)


def handle_flags(page: PageRuns) -> PageRuns:
    """Act on the buttons pressed since the last run: toggle (a finished or stopped run continues),
    step, reset."""
    flags, page.flags = page.flags, set()
    if "reset" in flags:
        return start(page.exp_id, [r.run for r in page.runs], page.preset, page.first.data, page.tag)
    if "toggle" in flags:
        if page.playing:
            page.playing = False
        else:
            page.notice = _continue(page)
            page.playing = True
    if "step" in flags:
        page.playing = False
        page.notice = _continue(page)
        for state in page.runs:
            train(state, steps=1)
    return page


def _continue(page: PageRuns) -> str | None:
    """Runs that finished get another block of epochs, runs that stopped resume; what to tell."""
    ended = [r for r in page.runs if r.snap.done]
    for state in ended:
        was = state.snap.stop
        state.trainer.extend()
        state.snap = state.trainer.snapshot()
        if was is not None:
            return f"Resuming from the last good step ({state.snap.step:,}) with the settings now in force."
    if ended:
        return f"Continuing for another {ended[0].trainer.cfg.epochs:,} epochs."
    return None


def controls(page: PageRuns, row: Any) -> None:
    """Train / Pause, Step, Reset and Defaults, into ``row`` (a horizontal container)."""
    ended = page.done and not page.playing
    label = "Pause" if page.playing else "Continue" if ended else "Train"
    pressed = row.button(label, key="train_toggle", type="primary",
               icon=":material/pause:" if page.playing else ":material/play_arrow:",
               on_click=request, args=(page.exp_id, "toggle"),
               help="Train live; press again to pause." if not ended else
               "Go on training: another block of epochs, or from the last good step after a stop.")
    pressed |= row.button("Step", key="step", icon=":material/skip_next:", on_click=request,
                          args=(page.exp_id, "step"), help="One optimizer update.")
    pressed |= row.button("Reset", key="reset", icon=":material/restart_alt:", on_click=request,
                          args=(page.exp_id, "reset"), help="New weights, step 0, the same settings.")
    row.button("Defaults", key="defaults", icon=":material/settings_backup_restore:",
               on_click=request_defaults, help="Every knob back to the preset's value.")
    if pressed and not st.session_state.pop(RESTARTED, False):
        # a click whose callback never ran: it reached a new session (the server restarted and the
        # tab reconnected); the run is new, built from the link's settings
        st.info("The server restarted, so this is a new run with the settings in this page's link. "
                "Press the button again.", icon=":material/restart_alt:")


def tick(page: PageRuns, seconds: float = TICK_SECONDS) -> None:
    """Train for a time budget if playing (no st.* inside), every run the same number of steps, and
    stop when every run is done. A run short enough to end in a few ticks gets at most
    total_steps / MIN_TICKS steps a tick, so it can be watched. Settings whose single update costs
    more than the budget do not take more than their share: the time spent past the budget is paid
    back by ticks that only redraw (``PageRuns.debt``), so other sessions keep their pace."""
    if not page.playing:
        return
    with page.lock:
        if not page.playing:                    # paused while this tick waited for the lock
            return
        if page.debt > 0:
            page.debt = max(0.0, page.debt - seconds)
            return
        t0 = time.perf_counter()
        going = [r for r in page.runs if not r.snap.done]     # a run that stopped waits; the others go on
        cap = max(1, -(-going[0].trainer.total_steps // MIN_TICKS))
        if len(going) == 1:
            train(going[0], steps=cap, seconds=seconds)
        else:                           # the same steps for each, as many as the budget pays for all
            cost = sum(r.cache.get("step_seconds", 1e-3) for r in going)
            n = max(1, min(cap, int(seconds / cost)))
            for state in going:
                train(state, steps=n)
        page.debt = max(0.0, time.perf_counter() - t0 - OVERRUN * seconds)
        if page.done:
            page.playing = False


def slow_step(page: PageRuns, seconds: float = TICK_SECONDS) -> float | None:
    """Seconds of one update of the page's runs when that is more than a tick's budget, else None."""
    cost = sum(r.cache.get("step_seconds", 0.0) for r in page.runs if not r.snap.done)
    return cost if cost > seconds else None


def train(state: RunState, steps: int, seconds: float | None = None) -> None:
    """Advance a run (no st.* inside). Any error stops it with a plain message and keeps the last good
    snapshot: evaluating a model whose numbers overflowed can fail again, so it is not retried."""
    if state.snap.done:
        return
    wall, step = state.snap.wall_time, state.snap.step
    try:
        state.snap = state.trainer.run(steps=steps, seconds=seconds)
        if state.snap.step > step:                          # what one update costs, for the budget
            state.cache["step_seconds"] = (state.snap.wall_time - wall) / (state.snap.step - step)
    except Exception as e:  # noqa: BLE001 -- nothing a person does may show a traceback
        LOG.exception("training step failed")
        stop = Stop("error", state.trainer.step + 1, detail=str(e)[:200])
        state.trainer.halt(stop)
        state.snap = replace(state.snap, done=True, stop=stop, steps_per_sec=0.0)


def live_fragment(exp_id: str, draw: Callable[[PageRuns], None]) -> None:
    """The timer: while playing, every RUN_EVERY seconds train TICK_SECONDS, then redraw."""
    page = get_page(exp_id)
    timer = page is not None and (page.playing or page.busy)

    @st.fragment(run_every=RUN_EVERY if timer else None)
    def _live() -> None:
        p = get_page(exp_id)
        if p is None:
            return
        with TICK_GATE:                                  # one tick at a time in this process
            t0 = time.perf_counter()
            tick(p, LOAD.budget(p, TICK_SECONDS) if timer else TICK_SECONDS)
            t1, c1 = time.perf_counter(), time.thread_time()
            draw(p)
            p.timings.append((t1 - t0, time.perf_counter() - t1, time.thread_time() - c1))
        if timer:
            # Under load the next timer rerun is already waiting when this run ends, and Streamlit
            # drops a fragment's unsent messages when its next run starts: give the event loop a
            # moment to send this redraw first (outside the gate: the next session ticks meanwhile).
            # 30 tabs on one process, slowest tab: 0.43 upd/s without the pause, 1.03-1.17 with it.
            time.sleep(FLUSH_PAUSE)
        if timer and not (p.playing or p.busy):
            st.rerun()                                   # a full run with run_every=None stops the timer
        if not timer and (p.playing or p.busy):
            st.rerun()                                   # a panel started work: a full run starts the timer

    _live()
