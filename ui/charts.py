"""Drawing a chart or a panel on a page: fixed keys and heights, charts updated in place (ui/liveplot.py),
and a failure shown as a short note instead of a traceback."""

from __future__ import annotations

import logging
import math
import zlib
from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

from rnn_core.i18n import _

from . import liveplot, present
from .plotstyle import HEIGHT
from .state import session

LOG = logging.getLogger(__name__)
CHART_CONFIG = {"displayModeBar": False, "displaylogo": False, "scrollZoom": False, "responsive": True}
CHART_HEIGHT = HEIGHT                    # px; every figure is drawn at this height
EVERY_TICK = ("-loss",)                  # charts drawn every tick however crowded (by the end of their key)
MOST_TURNS = 3                           # each chart at least every third tick
DRAW_BUDGET = 0.06                       # s of drawing a tick before the charts take turns


def key(state: Any, name: str) -> str:
    """The widget key of a chart of a run: "<exp_id>-<name>", plus "-<slot>" beyond the first run."""
    return f"{state.exp_id}-{name}" + (f"-{state.slot}" if state.slot else "")


def trains_now(crowd: int) -> bool:
    """Whether this timer tick trains. Alone or in a small process, every tick; in a crowded one
    (``crowd``: 1 + sessions ticking // ui/timer.py ``CROWD``, at most MOST_TURNS) every ``crowd``-th tick,
    with ``crowd`` ticks' worth of training at once: one evaluation for all of it (at a few ms of training
    a tick, the evaluation after it was most of a tick's training time: 60 tabs, sine 0.6 steps/s), and
    the ticks between only redraw the status line, their charts unchanged (``tick_drawn``)."""
    return crowd <= 1 or (session().ticks + 1) % crowd == 0


def tick_drawn(trained: bool, timings: Sequence[tuple[float, float, float]]) -> None:
    """A timer's tick draws now. Nothing trained: every chart says "nothing changed". Else the charts
    take turns (1: all every tick, 2: each every other tick, up to MOST_TURNS) when drawing them all would
    take over DRAW_BUDGET (from the last drawing tick, ``timings``: a three-run comparison draws 17
    charts, and a person alone should get the machine for training)."""
    s = session()
    if timings and not s.still:
        s.turns = min(MOST_TURNS, max(1, math.ceil(timings[-1][2] * s.turns / DRAW_BUDGET)))
    s.ticks += 1
    s.still = not trained
    s.resting_tick = s.ticks if s.still or s.turns > 1 else -1


def resting(chart_key: str) -> bool:
    """Whether chart ``chart_key`` skips this tick (a timer's only): every chart when nothing trained;
    else, when drawing is heavy, every chart but the loss takes turns, a share of them each tick, so that
    each is rebuilt every ``turns``-th tick (the figures are the largest part of a tick but training)."""
    s = session()
    if s.resting_tick != s.ticks:
        return False
    if s.still:
        return True
    return not chart_key.endswith(EVERY_TICK) and (zlib.crc32(chart_key.encode()) + s.ticks) % s.turns != 0


def chart(make: Callable[[], Any], chart_key: str, height: int = CHART_HEIGHT) -> None:
    """A plotly chart with a fixed key, height and config; a failure shows a short note, not a traceback.
    In a crowded process a chart other than the loss rests every other tick (``resting``)."""
    if resting(chart_key) and liveplot.keep(chart_key, None if present.presenting() else height):
        return
    try:
        fig = make()
    except Exception as e:  # noqa: BLE001 -- a broken plot must not take the page down
        LOG.exception("figure %s failed", chart_key)
        st.warning(_("This plot could not be drawn: {error}").format(error=e))
        return
    if present.presenting():
        fig = present.scale_figure(fig if isinstance(fig, dict) else fig.to_plotly_json())
        height = int(fig["layout"].get("height", height))
    liveplot.plot(fig, key=chart_key, height=height, config=CHART_CONFIG)


def guarded(panel: Callable[[Any], None], state: Any) -> None:
    """A page panel; a failure shows a short note, not a traceback."""
    try:
        panel(state)
    except Exception as e:  # noqa: BLE001
        LOG.exception("panel %s failed", getattr(panel, "__name__", panel))
        st.warning(_("This panel could not be drawn: {error}").format(error=e))
