"""The live runs of an experiment page: built, changed by the knobs and the Train / Step / Reset /
Defaults buttons, and advanced together by a fragment timer in small time budgets. Their state lives in
``ui/state.py`` (``PageState.runs``); this module is the only one that replaces or trains them.

Callbacks only set flags (``PageRuns.flags``); the page run acts on them before drawing. Training never
calls ``st.*``: a timer's tick redraws what the last tick trained, then trains; a run of the whole page
(a click) trains, then draws (ui/timer.py). All trainer work of the process — ticks, Step,
building and rebuilding runs, loading weights, a sweep's slices — goes through ``TICK_GATE``
(ui/gate.py), one at a time in arrival order, so a page never draws a run that another thread is
training and the ticks' share of the CPU holds for all of it.
"""

from __future__ import annotations

import time
from typing import Any

import streamlit as st

from rnn_core import i18n
from rnn_core.compare import lockstep
from rnn_core.config import RunConfig
from rnn_core.cost import estimate
from rnn_core.experiments import Task, get_experiment
from rnn_core.i18n import _
from rnn_core.trainer import Trainer

from . import words
from .gate import FairGate, Load
from .knobs import model_summary, needs_rebuild
from .state import PageRuns, PageState, RunState, page_state, session

TICK_SECONDS = 0.15              # training budget of a tick that a click started, shared by the page's runs
SOLO_TICK = 0.45                 # … of a timer's tick at most: a page alone trains this long a tick (2 Hz);
#                                  LOAD shrinks it as others tick
RUN_EVERY = 0.5                  # seconds between ticks while training (2 Hz)
SPEEDS = {"slow": 120, "normal": 20, "fast": 8, "max": 1}   # a short run: at least so many ticks (~10 s)
RATE_WINDOW = 4.0                # s over which the status line's steps/s is measured
OVERRUN = 1.5                    # a tick may overrun its budget this much (evaluation, noise) before it owes
TRAIN_SHARE = 0.3                # of one core: all sessions' training together, at most (ui/gate.py)
SOLO_SHARE = 0.9                 # … or this much for a session ticking alone (the whole machine for one)
SWEEP_SECONDS = 0.3              # training per tick while a sweep runs (the page's own runs wait)
LIVE_UNIT = 0.5                  # s: the longest piece of work (an update, an evaluation) a page may do
TICK_GATE = FairGate()           # the trainer work of this process takes turns, in arrival order
LOAD = Load(TRAIN_SHARE, 1 / RUN_EVERY, solo=SOLO_SHARE)


def discard(exp_id: str) -> None:
    """Forget the page's runs: the page's next run builds them afresh from its settings (a checkpoint
    opened, ui/checkpoints.py). The page's sweep, upload and weights file stay."""
    with TICK_GATE:
        page_state(exp_id).runs = None


def watch(page: PageRuns, until: Any) -> None:
    """Pause the runs where ``until`` (rnn_core.checkpoints.Until) is reached; None: never early."""
    page.until = until


def get_page(exp_id: str) -> PageRuns | None:
    """This session's runs of the experiment's page, None before the page first built them."""
    return page_state(exp_id).runs


class TooHeavy(ValueError):
    """Settings whose work a live page cannot afford (the message says what it costs and what helps)."""


def afford(runs: list[RunConfig], tasks: list[Task]) -> None:
    """Refuse runs whose update (all of a page's runs together: they train in lockstep) or evaluation
    would hold the process longer than LIVE_UNIT (rnn_core/cost.py: from the shapes, before anything
    is built or trained)."""
    costs = [estimate(r, t.max_len, t.eval_sequences) for r, t in zip(runs, tasks, strict=True)]
    update, evaluate = sum(c.update for c in costs), max(c.evaluate for c in costs)
    if max(update, evaluate) > LIVE_UNIT:
        raise TooHeavy(words.too_heavy(update, evaluate, len(runs), LIVE_UNIT))


def build(exp_id: str, run: RunConfig, data: Any = None, slot: int = 0, task: Task | None = None) -> RunState:
    """A fresh run at step 0 (ValueError if the experiment refuses the config)."""
    exp = get_experiment(exp_id)
    with TICK_GATE:
        task = task if task is not None else exp.make_task(run, None if data is None else data.data)
        trainer = Trainer(task, run)
        return RunState(exp_id=exp_id, slot=slot, trainer=trainer, snap=trainer.snapshot(), data=data)


def start(exp_id: str, runs: list[RunConfig], preset: str, data: Any = None,
          tag: str | None = None) -> PageRuns:
    """The page's runs, built fresh, in force (``tag``: the comparison they make); TooHeavy if a live
    page cannot afford them. The page's sweep, upload and weights file are the page's, not the
    runs': they stay."""
    exp = get_experiment(exp_id)
    tasks = [exp.make_task(r, None if data is None else data.data) for r in runs]
    afford(runs, tasks)
    page = PageRuns(exp_id, preset, [build(exp_id, r, data, i, t) for i, (r, t) in
                                     enumerate(zip(runs, tasks, strict=True))], tag=tag)
    page_state(exp_id).runs = page
    return page


def sync(page: PageRuns, runs: list[RunConfig], preset: str, data: Any = None,
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
            return fresh, (_("Comparing {n} runs: {spec}, step 0.").format(n=len(runs), spec=tag) if tag
                           else _("One run again, step 0."))
        what = _("{names} changed").format(names=words.names(changed)) if changed else (
            _("training on {file}").format(file=data.name) if data else _("the built-in data"))
        return fresh, _("New model ({what}): {model}, step 0.").format(what=what,
                                                                       model=model_summary(runs[0]))
    applied, was_done = [], page.done
    afford(runs, [state.trainer.task for state in page.runs])    # a bigger batch costs more
    with TICK_GATE:
        for state, run in zip(page.runs, runs, strict=True):
            if run.train != state.run.train:
                applied = state.trainer.apply(run.train) or applied
                state.snap = state.trainer.snapshot()       # totals and the end of the run may have moved
    if not applied:
        return page, None
    when = _("press Continue to go on with it") if was_done else _("applied to the running model")
    return page, f"{words.changes(applied)}: {when}."


def request(exp_id: str, flag: str) -> None:
    """Button callback: only records what was asked (and that a click was heard, see controls)."""
    page = get_page(exp_id)
    session().click_heard = True                     # (controls() reads it: this click was heard)
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
            page.pace.clear()                                # the rate shown counts from now
    if "step" in flags:
        page.playing = False
        page.notice = _continue(page)
        advance(page, seconds=0.0, cap=1)
    return page


def _continue(page: PageRuns) -> str | None:
    """Runs that finished get another block of epochs, runs that stopped resume; what to tell."""
    ended = [r for r in page.runs if r.snap.done]
    said = None
    with TICK_GATE:
        for state in ended:
            was = state.snap.stop
            restored = state.trainer.extend()
            state.snap = state.trainer.snapshot()
            if was is not None and said is None:
                said = (_("Resuming with the weights of step {step}, the last point drawn before the "
                          "stop, and the settings now in force.").format(step=i18n.integer(restored))
                        if restored is not None else _("Resuming with the settings now in force."))
    if said is not None:
        return said
    if ended:
        return _("Continuing for another {epochs}.").format(epochs=words.epochs(ended[0].trainer.cfg.epochs))
    return None


def controls(page: PageRuns, row: Any, wait: str | None = None) -> None:
    """Train / Pause, Step and Reset, into ``row`` (a horizontal container; Defaults sits by the preset in
    the sidebar, so the row fits 1280 px in every language). ``wait``: why Train and Step wait (a
    checkpoint's question not answered yet), None: they do not."""
    ended = page.done and not page.playing
    label = _("Pause") if page.playing else _("Continue") if ended else _("Train")
    pressed = row.button(label, key="train_toggle", type="primary",
               icon=":material/pause:" if page.playing else ":material/play_arrow:",
               on_click=request, args=(page.exp_id, "toggle"), disabled=wait is not None,
               help=wait or (_("Train live; press again to pause.") if not ended else
               _("Go on training: another block of epochs, or from the last point drawn before a stop.")))
    pressed |= row.button(_("Step"), key="step", icon=":material/skip_next:", on_click=request,
                          args=(page.exp_id, "step"), disabled=wait is not None,
                          help=wait or _("One optimizer update."))
    pressed |= row.button(_("Reset"), key="reset", icon=":material/restart_alt:", on_click=request,
                          args=(page.exp_id, "reset"), help=_("New weights, step 0, the same settings."))
    heard, session().click_heard = session().click_heard, False
    if pressed and not heard:
        # a click whose callback never ran: it reached a new session (the server restarted and the
        # tab reconnected); the run is new, built from the link's settings
        st.info(_("The server restarted, so this is a new run with the settings in this page's link. "
                  "Press the button again."), icon=":material/restart_alt:")


def advance(page: PageRuns, seconds: float, cap: int | None = None) -> None:
    """Every run of the page that is not done makes the same updates (``rnn_core.compare.lockstep``:
    as many as ``seconds`` pays for all of them, at most ``cap``); no st.* inside."""
    going = [r for r in page.runs if not r.snap.done]      # a run that stopped waits; the others go on
    if not going:
        return
    with TICK_GATE:
        lockstep([r.trainer for r in going], seconds, cap)
        for state in going:
            state.snap = state.trainer.last


def tick(ps: PageState, seconds: float = TICK_SECONDS) -> None:
    """One tick of the page's work (no st.* inside): a running sweep takes it, else the runs train if
    playing, and stop when every run is done. A run short enough to end in a few ticks gets at most
    total_steps / MIN_TICKS steps a tick, so it can be watched. Settings whose single update costs
    more than the budget do not take more than their share: the time spent past the budget is paid
    back by ticks that only redraw (``PageRuns.debt``), so other sessions keep their pace."""
    if ps.sweeping:
        with TICK_GATE:
            ps.sweep.advance(SWEEP_SECONDS / max(1, LOAD.ticking()))
        return
    page = ps.runs
    if page is None or not page.playing:
        return
    if page.debt > 0:
        page.debt = max(0.0, page.debt - seconds)
        return
    t0, trained = time.perf_counter(), sum(r.trainer.wall for r in page.runs)
    ticks = SPEEDS.get(page.speed, SPEEDS["normal"])
    cap = max(1, -(-max(r.trainer.total_steps for r in page.runs) // ticks))
    until = page.until if page.until is not None and not page.until.reached([r.snap for r in page.runs]) \
        else None                                                  # a checkpoint's moment still ahead
    if until is not None and until.kind == "step":                 # stop on its step
        cap = max(1, min(cap, until.step - min(r.snap.step for r in page.runs)))
    advance(page, seconds, cap)
    page.pace.append((time.monotonic(), page.first.snap.step))
    spent = time.perf_counter() - t0
    page.evaluating = max(0.0, spent - (sum(r.trainer.wall for r in page.runs) - trained))
    page.debt = max(0.0, spent - OVERRUN * seconds)
    if page.done or (until is not None and until.reached([r.snap for r in page.runs])):
        page.playing = False                                       # (there the page reveals the answer)


def advance_rate(page: PageRuns) -> float:
    """Steps per second the page's runs actually advance (over the last RATE_WINDOW s of ticks), not the
    rate inside a tick's training."""
    while len(page.pace) > 2 and page.pace[-1][0] - page.pace[1][0] >= RATE_WINDOW:
        page.pace.popleft()
    if len(page.pace) < 2:
        return 0.0
    (t0, s0), (t1, s1) = page.pace[0], page.pace[-1]
    return (s1 - s0) / (t1 - t0) if t1 > t0 else 0.0


def slow_step(page: PageRuns, seconds: float = TICK_SECONDS) -> float | None:
    """Seconds of one update of the page's runs when that is more than a tick's budget, else None."""
    cost = sum(r.trainer.step_seconds or 0.0 for r in page.runs if not r.snap.done)
    return cost if cost > seconds else None
