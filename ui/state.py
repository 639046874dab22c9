"""Where this session's state lives, and who owns it (docs/architecture.md, "Where state lives").

Streamlit's ``st.session_state`` holds two kinds of things:
  * the widgets' values, under the widgets' keys: every knob under its setting's name (``lr``,
    ``hidden_size``; URL-bound), and the few keys of ``WIDGETS`` below; a widget owns its key;
  * one ``Session`` object under ``STATE_KEY``: everything else, typed. Each experiment page has a
    ``PageState`` in it: its runs (``PageRuns``: 1–3 ``RunState``), its sweep, its upload, the weights
    file last loaded, the knob ranges of its data.

Only ``ui/live.py`` replaces or trains a page's runs; panels read a ``RunState`` and may keep their
own per-snapshot results in its typed fields. Nothing else writes ``st.session_state`` by a string.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import streamlit as st

from rnn_core.config import RunConfig
from rnn_core.contract import Model
from rnn_core.experiments import TaskView
from rnn_core.snapshot import Snapshot
from rnn_core.sweep import Sweep
from rnn_core.trainer import Trainer

STATE_KEY = "rnnx"                 # the Session object in st.session_state
TIMINGS = 200                      # ticks whose timings are kept (bench/ui.py reads them)
WIDGETS = {                        # widget keys besides the knobs' own names
    "preset": "preset", "compare_knob": "compare_knob", "compare_values": "compare_values",
    "share_present": "share_present", "share_show": "share_show", "upload": "upload",
    "weights_file": "weights_file", "series_column": "series_column", "lang": "lang_choice", "speed": "speed",
    "board_page": "board_page", "class_names": "class_names", "class_delete_sure": "class_delete_sure",
    "class_code_typed": "class_code_typed",       # + "class_nick_<where>", "board_knob_<page>" (ui/board.py)
}


@dataclass
class Samples:
    """Names sampled from a snapshot's model (the dinosaur page), and what they were sampled with."""

    sig: tuple[Any, ...] = ()      # (step, temperature, greedy, draws)
    names: list[str] = field(default_factory=list)
    draws: int = 0                 # "Sample again" presses


@dataclass
class RunState:
    """One run of a page (one slot): its trainer, the snapshot drawn, and what panels derived from it."""

    exp_id: str
    slot: int
    trainer: Trainer
    snap: Snapshot
    data: Any = None                                         # ui.uploads.UserData, None = built-in data
    figures: tuple[Snapshot, list[Any]] | None = None        # prediction figures of ``snap``
    model: tuple[Snapshot, Model] | None = None              # a model holding ``snap``'s weights
    lag_curves: list[tuple[int, np.ndarray]] = field(default_factory=list)   # memory: newest last
    samples: Samples = field(default_factory=Samples)        # dinosaur names
    box: tuple[Snapshot, int, Any] | None = None             # (snap, t, StepTerms): inside one step
    box_before: tuple[int, int, dict[str, Any]] | None = None  # (step, t, strips) of the step drawn before
    projection: Any = None                                    # rnn_core.trajectory.Projection in use
    class_run: str | None = None                              # its id on the class board (ui/classlink.py)

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
    evaluating: float = 0.0                                 # s: the last tick's evaluating (timer.solo_tick)
    speed: str = "normal"                                   # how fast a short run is shown (ui/live.SPEEDS)
    until: Any = None                                       # rnn_core.checkpoints.Until: pause the runs there
    pace: deque[tuple[float, int]] = field(                 # (time, step) after each tick: the rate shown
        default_factory=lambda: deque(maxlen=64))
    timings: deque[tuple[float, float, float]] = field(     # seconds: train, draw, draw CPU
        default_factory=lambda: deque(maxlen=TIMINGS))

    @property
    def first(self) -> RunState:
        return self.runs[0]

    @property
    def done(self) -> bool:
        return all(r.snap.done for r in self.runs)


@dataclass
class PageState:
    """One experiment page in this session. It outlives its runs: Reset or a rebuild replaces
    ``runs``, never the sweep, the upload or the weights file seen."""

    runs: PageRuns | None = None
    sweep: Sweep | None = None                              # the memory page's sweep, running or done
    data: Any = None                                        # ui.uploads.UserData in force, None: built-in
    refused: tuple[str, str] | None = None                  # (file id, why) of the upload last refused
    limits: tuple[str, Any] | None = None                   # (data id, ui.knobs.Limits) of the data in force
    weights_seen: tuple[str, str | None] | None = None      # (file id, error) of the weights file loaded

    @property
    def sweeping(self) -> bool:
        return self.sweep is not None and not self.sweep.done

    @property
    def active(self) -> bool:
        """Something advances in the ticks: the runs train, or a sweep runs."""
        return (self.runs is not None and self.runs.playing) or self.sweeping


@dataclass
class Held:
    """A live chart as this session's browser holds it (ui/liveplot.py sends what changed since)."""

    version: int                   # of the figure sent last
    spec: dict[str, Any]           # that figure (its dict)
    page_run: int                  # the full page run it was sent in (a full run resends the whole figure)
    since: int                     # patches sent since the last whole figure
    full: int                      # the version of that whole figure (patches apply on top of it)


@dataclass
class Attempt:
    """The checkpoint open (ui/checkpoints.py): the prediction locked in, and what the runs revealed."""

    id: str                                                 # the checkpoint's id
    guess: Any = None                                       # a choice's key or a number; None: not yet
    skipped: bool = False                                   # "Skip — just show me"
    shown: bool = False                                     # presenter mode: Reveal pressed
    outcome: Any = None                                     # rnn_core.checkpoints.Outcome, once revealed


@dataclass
class Session:
    """Everything of this session that is not a widget's value."""

    page: str | None = None                                 # the page shown last (an id, or "home")
    lang: str | None = None                                 # "en" | "zh" | "ru" (ui/lang.py)
    pages: dict[str, PageState] = field(default_factory=dict)
    had_upload: str | None = None                           # the uploader's file id at the last run
    preset_changed: bool = False                            # the preset radio or Defaults: write its values
    click_heard: bool = False                               # a button's callback ran this run
    changed: list[str] = field(default_factory=list)        # knobs the person changed, in order
    notices: list[str] = field(default_factory=list)        # said once at the next run (a toast)
    compare_error: str | None = None                        # why the link's comparison was refused
    charts: dict[str, Held] = field(default_factory=dict)   # the live charts as the browser holds them
    page_run: int = 0                                       # full page runs so far (ui/layout.py counts)
    ticks: int = 0                                          # timer ticks so far (ui/live.py counts)
    resting_tick: int = -1                                  # the tick whose charts take turns (crowded)
    turns: int = 1                                          # … each chart drawn every turns-th tick
    still: bool = False                                     # … nothing trained: every chart rests
    undrawn: bool = False                                   # a tick trained since the last redraw
    tick_run: int = -1                                      # the page run the live fragment last ran in
    attempt: Attempt | None = None                          # the checkpoint open (ui/checkpoints.py)
    go: str | None = None                                   # a checkpoint's button pressed: open it next run
    opening: str | None = None                              # the checkpoint being opened in this run
    progress: Any = None                                    # rnn_core.checkpoints.Progress of the course
    member: Any = None                                      # ui.classlink.Member: the class joined
    invited: str | None = None                              # a link's class, not joined yet
    join_asked: bool = False                                # Join pressed (ui/classlink.py)
    join_error: str | None = None                           # why the last Join was refused
    leave_asked: bool = False                               # Leave the class pressed
    lecturer: dict[str, str] = field(default_factory=dict)  # class code → its lecturer key, this session's
    class_flags: dict[str, Any] = field(default_factory=dict)   # the Class page's buttons (ui/board.py)

    def page_state(self, exp_id: str) -> PageState:
        return self.pages.setdefault(exp_id, PageState())


def snapshot_model(state: RunState) -> Model:
    """A model holding the weights of the snapshot shown (built once per snapshot): what panels query
    (sampling, one step inside), never the model being trained."""
    if state.model is None or state.model[0] is not state.snap:
        state.model = (state.snap, state.snap.model())
    return state.model[1]


def session() -> Session:
    """This session's state (made on first use)."""
    ss = st.session_state
    if STATE_KEY not in ss:
        ss[STATE_KEY] = Session()
    return ss[STATE_KEY]


def page_state(exp_id: str) -> PageState:
    return session().page_state(exp_id)
