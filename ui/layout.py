"""The one layout every experiment page uses: knobs in the sidebar; a compact header (title, the lesson
folded into one line, controls, downloads, status); then, live, a grid of plots (loss | predictions,
hidden states | ‖∂L/∂h_t‖, global gradient norm | extra) and the experiment's own panels below.

Sized for a projector: at 1280×720 the loss and the prediction chart are on screen without scrolling.
A page is one call, ``experiment_page(exp_id)``; what differs between experiments comes from the
registry (rnn_core.experiments) and the experiment's panels (ui/panels/<id>.py).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

import streamlit as st

from rnn_core import i18n
from rnn_core.compare import Spec, runs_of
from rnn_core.experiments import Experiment, get_experiment
from rnn_core.i18n import _

from . import (
    checkcard,
    checkpoints,
    classlink,
    compare,
    figures,
    knobs,
    lang,
    live,
    present,
    stepview,
    timer,
    urls,
    words,
)
from .charts import CHART_HEIGHT, chart, guarded, key
from .dynfigs import spectrum_figure
from .lesson import lesson
from .limits import Limits, limits, limits_for
from .mpa import through_app
from .panels import Panels, panels_for, prediction_figures
from .plotstyle import text_width
from .state import PageRuns, RunState, session
from .transfer import downloads
from .uploads import UserData, data_picker

LONG_LABEL = 18                          # characters of a metric's label that fit a third of a half width
# Streamlit's roomy defaults push the charts below a 720 px screen: less padding above the title and
# between the header rows (the sidebar and the charts keep theirs).
COMPACT_CSS = """<style>
[data-testid="stMainBlockContainer"] { padding-top: 3.4rem; padding-bottom: 2rem; }
[data-testid="stMainBlockContainer"] h1 { font-size: 2rem; padding: 0 0 0.15rem 0; }
.st-key-page_header { gap: 0.5rem; }
.st-key-page_header [data-testid="stCaptionContainer"] { margin-top: -0.4rem; }
</style>"""


def experiment_page(exp_id: str) -> None:
    """Draw an experiment page."""
    through_app()
    lang.current()                          # this run speaks the session's language from its first line
    session().page_run += 1                 # a full run: every chart is sent whole again (ui/liveplot.py)
    exp = get_experiment(exp_id)
    st.html(COMPACT_CSS)
    present.style()
    with st.container(key="page_header"):
        st.title(_(exp.title), anchor=False)
        st.caption(_(exp.blurb))
        lesson(exp)
        page, names = settings(exp)
        if page is None:
            return
        wait = checkcard.card(exp, page)                    # a checkpoint open: its question first
        row = st.container(horizontal=True, vertical_alignment="center", gap="xsmall")   # one row at 1280 px
        live.controls(page, row, wait)
        row.space("stretch")
        downloads(page.first, row, extra=lambda: present.share(exp))
    draw = _drawer(exp, panels_for(exp_id)) if names is None else compare.drawer(exp, names, cached_figures)
    timer.live_fragment(exp_id, draw)


@dataclass
class Sidebar:
    """What the sidebar says: the data, the knob ranges, the preset, the knob values, the comparison."""

    user: UserData | None
    lim: Limits
    preset: str
    values: dict[str, Any]
    spec: Spec | None
    speed: str


def sidebar(exp: Experiment, page: PageRuns | None, fresh: bool) -> Sidebar:
    """The data picker, the comparison, the preset and every knob, in the sidebar."""
    with st.sidebar:
        lang.selector()
        classlink.join_box("side")                          # ?class= of a link: join with a nickname
        classlink.status_box()
        user, lim = _data(exp, fresh)
        if fresh and urls.drop_refused(exp, lim):          # a link's values the page cannot take
            st.rerun()                                       # (see ui/urls.py: the widgets must not see them)
        if fresh and (odd := present.unknown_shown(exp)) is not None:
            session().notices.append(odd)
        spec = compare.spec_widget(exp, lim, fresh)
        preset = knobs.preset_widget(exp, page.preset if fresh and page is not None else None, fresh)
        speed = knobs.speed_widget(fresh)
        if fresh and page is not None:                       # back on this page: its run, paused
            knobs.seed_state(knobs.clamped(exp, knobs.knob_values(exp, page.first.run), lim))
            page.playing = False
        elif (opened := checkpoints.setup_values(exp, lim)) is not None:   # a checkpoint's setup
            knobs.seed_state(knobs.clamped(exp, knobs.knob_values(exp, exp.preset(preset)), lim) | opened)
        elif fresh or knobs.preset_changed():                # a page's own preset, not another page's
            values = knobs.clamped(exp, knobs.knob_values(exp, exp.preset(preset)), lim)
            knobs.seed_state(values | (urls.link_values(exp, lim) if fresh else {}))   # a link's wins
        elif (notice := knobs.apply_implied(exp, lim)) is not None:
            st.toast(notice, icon=":material/tune:")
        knobs.fit_state(exp, lim)
        urls.say_notices()
        values = knobs.render_knobs(exp, preset, lim, compared=None if spec is None else spec.knob,
                                    shown=present.shown(exp))
    return Sidebar(user, lim, preset, values, spec, speed)


def _data(exp: Experiment, fresh: bool) -> tuple[UserData | None, Limits]:
    """The person's data in force (None: the experiment's own) and the knob ranges it gives."""
    user = data_picker(exp.id, exp.upload, fresh) if exp.upload else None
    try:
        with st.spinner(_("Preparing your data …")) if user is not None else nullcontext():
            return user, limits_for(exp.id, None if user is None else user.file_id,
                                    None if user is None else user.data)
    except ValueError as e:
        st.error(_("This data does not fit the experiment: {why}").format(why=e))
        return None, limits(exp.id)


def settings(exp: Experiment) -> tuple[PageRuns | None, list[str] | None]:
    """Sidebar → run configs (one, or one per compared value) → this session's runs (built, changed
    live, or rebuilt); then the buttons pressed since the last run. Returns the runs in force (None only
    if none could be built) and, in compare mode, the runs' names."""
    checkpoints.arrive(exp)                             # a checkpoint's link opens its setup (a rerun)
    classlink.read_link()                               # ?class=: the class to join, or the one joined
    fresh = session().page != exp.id
    session().page = exp.id
    page = live.get_page(exp.id)
    side = sidebar(exp, page, fresh)
    raw = None if side.user is None else side.user.data
    tag = None if side.spec is None else side.spec.text
    try:
        base = knobs.run_from_values(exp, side.preset, side.values, raw)
        pinned = base.diff(exp.fit_run(exp.preset(side.preset), raw))     # what the person set
        runs = [base] if side.spec is None else runs_of(base, side.spec, exp, raw, pinned)
        with live.TICK_GATE:
            if page is None:
                page, message = live.start(exp.id, runs, side.preset, side.user, tag), None
            else:
                page, message = live.sync(page, runs, side.preset, side.user, tag)
    except ValueError as e:
        heavy = isinstance(e, live.TooHeavy)
        st.error(str(e) if heavy else _("These settings do not work together: {why}").format(why=e),
                 icon=":material/speed:" if heavy else None)
        if page is None:
            return None, None
        page.playing = page.playing and not heavy              # the run shown is not the one asked for
        message = None
    if message:
        st.toast(message, icon=":material/tune:")
    page.speed = side.speed
    with live.TICK_GATE:
        page = live.handle_flags(page)
    if side.spec is None or page.tag != tag:
        return page, None
    return page, compare.run_labels(side.spec, base, [r.run for r in page.runs])


def _drawer(exp: Experiment, panels: Panels) -> Callable[[PageRuns], None]:
    def draw(page: PageRuns) -> None:
        status(exp, page)
        state = page.first
        cells = [c for _row in range(4) for c in st.columns(2)]
        with cells[0]:
            chart(lambda: figures.loss_figure(state.snap, val_name=exp.val_label), key(state, "loss"))
        with cells[1]:
            guarded(panels.predictions or _default_predictions, state)
        with cells[2]:
            guarded(panels.hidden or _default_hidden, state)
        with cells[3]:
            chart(lambda: figures.grad_heatmap_figure(state.snap, state.view.targets),
                  key(state, "grad-heatmap"))
        with cells[4]:
            chart(lambda: figures.grad_norm_figure(state.snap), key(state, "grad-norm"))
        with cells[5]:
            chart(lambda: spectrum_figure(state.snap), key(state, "spectrum"))
        with cells[6]:
            guarded(panels.extra or _default_extra, state)
        with cells[7]:
            metrics_panel(state)
        for panel in panels.below:
            guarded(panel, state)
        guarded(lambda _s: stepview.panel(page), state)
    return draw


def status(exp: Experiment, page: PageRuns) -> None:
    """What just happened (a continued, finished or stopped run), then the progress bar with the status
    line: one keyed container, so the charts below keep their places when a message appears."""
    s = page.first.snap
    box = st.container(key="status")
    if s.stop is not None:
        box.error(words.stop(s.stop), icon=":material/error:")
    elif s.done:
        box.success(words.complete(s.step, s.epochs, s.wall_time, s.config.train.epochs),
                    icon=":material/check_circle:")
    elif page.notice and page.playing:
        box.info(page.notice, icon=":material/play_arrow:")
    if (cost := live.slow_step(page)) is not None and page.playing:
        box.info(words.slow(cost, live.TICK_SECONDS), icon=":material/speed:")
    box.progress(min(1.0, s.step / s.total_steps) if s.total_steps else 0.0,
                 text=status_line(exp, page))


def status_line(exp: Experiment, page: PageRuns) -> str:
    """step · epoch · loss · validation · steps/s (or paused) · spectral radius, in one line."""
    s = page.first.snap
    integer = i18n.integer
    parts = [_("step **{step}** / {total}").format(step=integer(s.step), total=integer(s.total_steps)),
             _("epoch {epoch} / {epochs}").format(epoch=i18n.fixed(s.epoch, 2), epochs=integer(s.epochs)),
             _("loss {loss}").format(loss=words.number(s.train_loss))]
    if s.val_loss is not None:
        parts.append(f"{_(exp.val_label)} {words.number(s.val_loss)}")
    if s.stop is not None:
        parts.append(_("stopped"))
    elif page.playing:
        parts.append(_("{rate} steps/s").format(rate=i18n.integer(round(live.advance_rate(page)))))
    else:
        parts.append(_("finished") if s.done else _("paused") if s.step else _("ready"))
    if s.spectral_radius is not None:
        rho = s.spectral_radius
        parts.append("ρ(W_hh) " + (i18n.fixed(rho, 3) if rho < 1e3 else words.number(rho, 3)))  # blow-ups
    return " · ".join(parts)


def _default_hidden(state: RunState) -> None:
    act = figures.hidden_activation(state.snap.config.model)
    chart(lambda: figures.hidden_figure(state.snap, act), key(state, "hidden"))


def cached_figures(state: RunState) -> list:
    """The experiment's prediction figures for the current snapshot (built once per snapshot)."""
    if state.figures is None or state.figures[0] is not state.snap:
        state.figures = (state.snap, prediction_figures(state.exp_id, state.snap))
    return state.figures[1]


def _default_predictions(state: RunState) -> None:
    figs = cached_figures(state)
    if figs:
        chart(lambda: figs[0], key(state, "pred"))
    else:
        metrics_panel(state)


def _default_extra(state: RunState) -> None:
    figs = cached_figures(state)
    if len(figs) > 1:
        chart(lambda: figs[1], key(state, "pred2"))
    else:
        gradient_panel(state)


def gradient_panel(state: RunState) -> None:
    """The gradient of each parameter at the last step (when the experiment has no plot of its own here)."""
    s = state.snap
    with st.container(height=CHART_HEIGHT, border=True):
        lines = [_("**Gradient of each parameter** ‖∂L/∂θ‖, last step, before clipping")]
        lines += [f"`{k}` {words.number(v, 3)}" for k, v in s.param_grad_norms.items()]
        st.markdown("  \n".join(lines))                        # one element: fewer bytes a tick


def metrics_panel(state: RunState) -> None:
    """The experiment's metrics now."""
    s, exp = state.snap, get_experiment(state.exp_id)
    with st.container(height=CHART_HEIGHT, border=True):
        st.markdown(_("**Metrics now**"))
        numbers = {words.metric(exp, k): v for k, v in s.metrics.items() if isinstance(v, (int, float))}
        per_row = 1 if max(map(text_width, numbers), default=0) > LONG_LABEL else max(len(numbers), 1)
        items = list(numbers.items())                           # a long label (Russian) gets a row of its own
        for row in range(0, len(items), per_row):
            for col, (label, v) in zip(st.columns(per_row), items[row:row + per_row], strict=False):
                col.metric(label, words.number(v))
