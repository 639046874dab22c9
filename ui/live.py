"""The live run of an experiment page: kept in ``st.session_state`` (one per page and session), advanced
by a fragment timer in small time budgets, changed by the knobs and the Train / Step / Reset buttons.

Callbacks only set flags (``RunState.flags``); the page run acts on them before drawing. Training never
calls ``st.*``: a tick trains, then draws. ``RunState.lock`` makes every change to a run (a tick, the
knobs, the buttons) wait for the one in progress, so a page never draws a run that another script
thread is still training (``runner.fastReruns = false`` in .streamlit/config.toml avoids that second
thread in the first place).
"""

from __future__ import annotations

import dataclasses
import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from rnn_core.experiments import RunConfig, get_experiment
from rnn_core.trainer import Snapshot, Trainer

from .knobs import model_summary, needs_rebuild
from .uploads import UserData

LOG = logging.getLogger(__name__)
TICK_SECONDS = 0.15              # training budget of one tick
RUN_EVERY = 0.5                  # seconds between ticks while training (2 Hz)
MIN_TICKS = 40                   # a short run is spread over at least this many ticks (~20 s) to be seen
HINT = "Try a smaller learning rate or turn gradient clipping on, then Reset."
TIMINGS = 200                    # ticks whose timings are kept (bench/ui.py reads them)


@dataclass
class RunState:
    """One experiment page's run in this session."""

    exp_id: str
    preset: str
    trainer: Trainer
    snap: Snapshot
    data: UserData | None = None                            # the person's upload, None = built-in data
    playing: bool = False
    flags: set[str] = field(default_factory=set)           # "toggle", "step", "reset" from callbacks
    timings: deque[tuple[float, float, float]] = field(         # seconds: train, draw, draw CPU
        default_factory=lambda: deque(maxlen=TIMINGS))
    cache: dict[str, Any] = field(default_factory=dict)     # per-snapshot results the page reuses
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)  # one mutator at a time

    @property
    def run(self) -> RunConfig:
        return self.trainer.run_cfg

    @property
    def data_id(self) -> str | None:
        return None if self.data is None else self.data.file_id


def state_key(exp_id: str) -> str:
    return f"run:{exp_id}"


def get_state(exp_id: str) -> RunState | None:
    """This session's run of the experiment, None before the page first built one."""
    return st.session_state.get(state_key(exp_id))


def build(exp_id: str, run: RunConfig, preset: str, data: UserData | None = None) -> RunState:
    """A fresh run at step 0 (ValueError if the experiment refuses the config)."""
    exp = get_experiment(exp_id)
    trainer = Trainer(exp.make_task(run, None if data is None else data.data), run)
    state = RunState(exp_id=exp_id, preset=preset, trainer=trainer, snap=trainer.snapshot(), data=data)
    st.session_state[state_key(exp_id)] = state
    return state


def sync(state: RunState, run: RunConfig, preset: str,
         data: UserData | None = None) -> tuple[RunState, str | None]:
    """Bring the run in line with the knobs and the data: live knobs go to ``trainer.apply`` (a marker
    on the loss curve), model knobs or new data rebuild it. Returns the state in force and a message
    for a toast."""
    state.preset = preset
    changed = needs_rebuild(state.run, run)
    new_data = (None if data is None else data.file_id) != state.data_id
    if changed or new_data:
        new = build(state.exp_id, run, preset, data)
        new.playing, new.flags = state.playing, state.flags       # buttons pressed with the change count
        what = f"{', '.join(changed)} changed" if changed else f"data: {data.name if data else 'built-in'}"
        return new, f"New model ({what}): {model_summary(run.model)}, step 0."
    if run.train != state.run.train:
        changes = state.trainer.apply(run.train)
        if state.trainer.done != state.snap.done:                  # epochs moved the end of the run
            state.snap = state.trainer.snapshot()
        return state, "Applied to the running model: " + "; ".join(changes) if changes else None
    return state, None


def request(exp_id: str, flag: str) -> None:
    """Button callback: only records what was asked."""
    s = get_state(exp_id)
    if s is not None:
        s.flags.add(flag)


def handle_flags(state: RunState) -> RunState:
    """Act on the buttons pressed since the last run: toggle, step, reset."""
    flags, state.flags = state.flags, set()
    if "reset" in flags:
        return build(state.exp_id, state.run, state.preset, state.data)
    if "toggle" in flags:
        state.playing = not state.playing and not state.trainer.done
    if "step" in flags and not state.trainer.done:
        state.playing = False
        train(state, steps=1)
    return state


def controls(state: RunState) -> None:
    """Train / Pause, Step and Reset in one row."""
    row = st.container(horizontal=True, vertical_alignment="center")
    done = state.trainer.done
    row.button("Pause" if state.playing else "Train", key="train_toggle", type="primary",
               icon=":material/pause:" if state.playing else ":material/play_arrow:",
               on_click=request, args=(state.exp_id, "toggle"), disabled=done,
               help="Run complete: raise epochs or Reset." if done else "Train live; press again to pause.")
    row.button("Step", key="step", icon=":material/skip_next:", on_click=request, args=(state.exp_id, "step"),
               disabled=done, help="One optimizer update.")
    row.button("Reset", key="reset", icon=":material/restart_alt:", on_click=request,
               args=(state.exp_id, "reset"), help="New weights, step 0, same settings.")


def tick(state: RunState, seconds: float = TICK_SECONDS) -> None:
    """Train for a time budget if playing (no st.* inside), stop when the run is done. A run short
    enough to end in a few ticks gets at most total_steps / MIN_TICKS steps a tick, so it can be watched."""
    if not state.playing:
        return
    cap = max(1, -(-state.trainer.total_steps // MIN_TICKS))
    with state.lock:
        if not state.playing:                    # paused while this tick waited for the lock
            return
        train(state, steps=cap, seconds=seconds)
        if state.snap.done:
            state.playing = False


def train(state: RunState, steps: int, seconds: float | None = None) -> None:
    """Advance the run (no st.* inside). Any error stops it with a plain message and keeps the last good
    snapshot: evaluating a model whose numbers overflowed can fail again, so it is not retried."""
    try:
        state.snap = state.trainer.run(steps=steps, seconds=seconds)
    except Exception as e:  # noqa: BLE001 -- nothing a person does may show a traceback
        LOG.exception("training step failed")
        reason = (f"Training stopped at step {state.trainer.step:,}: {e}. The plots show the last good "
                  f"step. {HINT}")
        state.trainer.halt(reason)
        state.snap = dataclasses.replace(state.snap, done=True, stop_reason=reason, steps_per_sec=0.0)


def live_fragment(exp_id: str, draw: Callable[[RunState], None]) -> None:
    """The timer: while playing, every RUN_EVERY seconds train TICK_SECONDS, then redraw."""
    state = get_state(exp_id)
    timer = state is not None and state.playing

    @st.fragment(run_every=RUN_EVERY if timer else None)
    def _live() -> None:
        s = get_state(exp_id)
        if s is None:
            return
        t0 = time.perf_counter()
        tick(s)
        t1, c1 = time.perf_counter(), time.thread_time()
        draw(s)
        s.timings.append((t1 - t0, time.perf_counter() - t1, time.thread_time() - c1))
        if timer and not s.playing:
            st.rerun()                                   # a full run with run_every=None stops the timer

    _live()


def status_line(state: RunState) -> str:
    """step · epoch · loss · steps/s · spectral radius, in one line."""
    s, t = state.snap, state.trainer
    parts = [f"step **{s.step:,}** / {t.total_steps:,}", f"epoch {s.epoch:.2f} / {t.cfg.epochs}",
             f"loss {_fmt(s.train_loss)}"]
    if s.val_loss is not None:
        parts.append(f"val {_fmt(s.val_loss)}")
    parts.append(f"{s.steps_per_sec:,.0f} steps/s" if state.playing else "paused" if s.step else "ready")
    if s.spectral_radius is not None:
        rho = s.spectral_radius
        parts.append(f"ρ(W_hh) {rho:.3f}" if rho < 1e3 else f"ρ(W_hh) {rho:.3g}")   # huge after blow-ups
    return " · ".join(parts)


def progress(state: RunState) -> float:
    total = state.trainer.total_steps
    return min(1.0, state.snap.step / total) if total else 0.0


def _fmt(v: Any) -> str:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return "–"
    return "–" if math.isnan(x) else f"{x:.4g}"             # NaN: no loss yet (step 0, no held-out set)
