"""The one layout every experiment page uses: knobs in the sidebar; title, the lesson (collapsed),
controls and downloads on top; then, live, the status line and a grid of plots (loss | predictions,
hidden states | ‖∂L/∂h_t‖, global gradient norm | extra) and the page's own panels below.

A page is a few lines: ``experiment_page("sine")``, plus page-specific panels passed as callables
``panel(state) -> None``, drawn inside the live fragment so they follow the training.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import streamlit as st

from rnn_core.experiments import experiment_ids, get_experiment

from . import knobs, live
from .catalog import page_info
from .live import RunState
from .mpa import through_app
from .transfer import downloads
from .uploads import DataSpec, data_picker

LOG = logging.getLogger(__name__)
CONTENT = Path(__file__).resolve().parents[1] / "content"
CHART_CONFIG = {"displayModeBar": False, "displaylogo": False, "scrollZoom": False}
CHART_HEIGHT = 340                       # px; ui/figures.py draws every figure at this height
PAGE_KEY = "_page"                       # the page this session showed last
Panel = Callable[[RunState], None]


def experiment_page(exp_id: str, *, predictions: Panel | None = None, extra: Panel | None = None,
                    hidden: Panel | None = None, below: Sequence[Panel] = (),
                    data: DataSpec | None = None) -> None:
    """Draw an experiment page. ``predictions`` replaces the default predictions plot (top right),
    ``hidden`` the probe's hidden-state heatmap, ``extra`` fills the cell next to the gradient norm,
    ``below`` are full-width panels under the grid; ``data`` offers an upload of the person's own data."""
    through_app()
    info = page_info(exp_id)
    st.title(info.title, anchor=False)
    st.caption(info.blurb)
    if exp_id not in experiment_ids():
        st.info("This experiment is not available yet.")
        return
    lesson(exp_id)
    state = settings(exp_id, data)
    if state is None:
        return
    top = st.columns([1, 1], vertical_alignment="center")
    with top[0]:
        live.controls(state)
    with top[1]:
        downloads(state)
    live.live_fragment(exp_id, _drawer(predictions or _default_predictions, extra or _default_extra,
                                       hidden or _default_hidden, below))


def settings(exp_id: str, spec: DataSpec | None = None) -> RunState | None:
    """Sidebar data and knobs → run config → this session's run (built, changed live, or rebuilt);
    then the buttons pressed since the last run. None only if no run could be built."""
    exp = get_experiment(exp_id)
    fresh = st.session_state.get(PAGE_KEY) != exp_id
    st.session_state[PAGE_KEY] = exp_id
    state = live.get_state(exp_id)
    with st.sidebar:
        user = data_picker(exp_id, spec, fresh) if spec is not None else None
        raw = None if user is None else user.data
        try:
            lim = knobs.limits_for(exp_id, None if user is None else user.file_id, raw)
        except ValueError as e:
            st.error(f"This data does not fit the experiment: {e}")
            user, raw, lim = None, None, knobs.limits(exp_id)
        preset = knobs.preset_widget(state.preset if fresh and state is not None else None)
        if fresh and state is not None:                       # back on this page: its run, paused
            knobs.seed_state(knobs.clamp(knobs.knob_values(state.run), lim))
            state.playing = False
        elif fresh or knobs.preset_changed():                 # a page's own preset, not another page's
            knobs.seed_state(knobs.clamp(knobs.knob_values(exp.preset(preset)), lim))
        knobs.fit_state(lim)
        values = knobs.render_knobs(exp, preset, lim)
    try:
        run = knobs.run_from_values(exp, preset, values, raw)
        if state is None:
            return live.handle_flags(live.build(exp_id, run, preset, user))
        with state.lock:
            state, message = live.sync(state, run, preset, user)
    except ValueError as e:
        st.error(f"These settings do not work together: {e}")
        if state is None:
            return None
        message = None
    if message:
        st.toast(message, icon=":material/tune:")
    with state.lock:
        return live.handle_flags(state)


def _default_hidden(state: RunState) -> None:
    m = state.run.model
    act = m.activation if m.cell == "rnn" else "tanh"              # lstm / gru: h_t in [-1, 1]
    chart(lambda: figures().hidden_figure(state.snap, act), f"{state.exp_id}-hidden")


def _drawer(predictions: Panel, extra: Panel, hidden: Panel, below: Sequence[Panel]) -> Panel:
    def draw(state: RunState) -> None:
        status(state)
        snap, t, key = state.snap, state.trainer, state.exp_id
        cells = [c for _ in range(3) for c in st.columns(2)]
        with cells[0]:
            chart(lambda: figures().loss_figure(snap, x_max=t.total_steps), f"{key}-loss")
        with cells[1]:
            guarded(predictions, state)
        with cells[2]:
            guarded(hidden, state)
        with cells[3]:
            chart(lambda: figures().grad_heatmap_figure(snap, t.task.targets, x_max=t.total_steps),
                  f"{key}-grad-heatmap")
        with cells[4]:
            chart(lambda: figures().grad_norm_figure(snap, x_max=t.total_steps), f"{key}-grad-norm")
        with cells[5]:
            guarded(extra, state)
        for panel in below:
            guarded(panel, state)
    return draw


def status(state: RunState) -> None:
    """How the run ended, if it did; then the progress bar with the status line (one keyed container,
    so the charts below keep their places when a message appears)."""
    s = state.snap
    box = st.container(key="status")
    if s.stop_reason:
        box.error(s.stop_reason, icon=":material/error:")
    elif s.done:
        box.success(f"Run complete: {s.step:,} steps, {state.trainer.cfg.epochs} epochs in "
                   f"{s.wall_time:.1f} s of training. Raise epochs to continue, or Reset.",
                   icon=":material/check_circle:")
    box.progress(live.progress(state), text=live.status_line(state))


def figures() -> Any:
    """The figure module, imported on first use."""
    from . import figures as f
    return f


def chart(make: Callable[[], Any], key: str, height: int = CHART_HEIGHT) -> None:
    """A plotly chart with a fixed key, height and config; a failure shows a short note, not a traceback."""
    try:
        fig = make()
    except Exception as e:  # noqa: BLE001 -- a broken plot must not take the page down
        LOG.exception("figure %s failed", key)
        st.warning(f"This plot could not be drawn: {e}")
        return
    st.plotly_chart(fig, key=key, height=height, config=CHART_CONFIG, theme=None)


def guarded(panel: Panel, state: RunState) -> None:
    """A page panel; a failure shows a short note, not a traceback."""
    try:
        panel(state)
    except Exception as e:  # noqa: BLE001
        LOG.exception("panel %s failed", getattr(panel, "__name__", panel))
        st.warning(f"This panel could not be drawn: {e}")


def prediction_figures(state: RunState, **opts: Any) -> list[Any]:
    """The experiment's prediction figures for the current snapshot (built once per snapshot)."""
    sig = (id(state.snap), tuple(sorted(opts.items())))
    hit = state.cache.get("predictions")
    if hit is None or hit[0] != sig:
        from .task_figures import prediction_figures as make
        hit = (sig, list(make(state.exp_id, state.snap, **opts)))
        state.cache["predictions"] = hit
    return hit[1]


def _default_predictions(state: RunState) -> None:
    chart(lambda: prediction_figures(state)[0], f"{state.exp_id}-pred")


def _default_extra(state: RunState) -> None:
    figs = prediction_figures(state)
    if len(figs) > 1:
        chart(lambda: figs[1], f"{state.exp_id}-pred2")
    else:
        metrics_panel(state)


def metrics_panel(state: RunState) -> None:
    """The experiment's metrics now and the gradient of each parameter at the last step."""
    s = state.snap
    with st.container(height=CHART_HEIGHT, border=True):
        st.markdown("**Metrics now**")
        numbers = {k: v for k, v in s.metrics.items() if isinstance(v, (int, float))}
        for col, (k, v) in zip(st.columns(max(len(numbers), 1)), numbers.items(), strict=False):
            col.metric(k, f"{v:.4g}")
        if s.param_grad_norms:
            st.markdown("**Gradient of each parameter** ‖∂L/∂θ‖, last step, before clipping")
            st.markdown(" · ".join(f"`{k}` {v:.3g}" for k, v in s.param_grad_norms.items()))


@st.cache_data(show_spinner=False)
def lesson_blocks(exp_id: str) -> list[tuple[str, str]]:
    """content/<exp_id>.md cut into ("md", text) and ("latex", equation) blocks; a line that is only
    ``$$`` opens or closes an equation."""
    path = CONTENT / f"{exp_id}.md"
    if not path.is_file():
        return []
    blocks: list[tuple[str, str]] = []
    kind, lines = "md", []
    for line in path.read_text(encoding="utf-8").splitlines() + ["$$"]:
        if line.strip() != "$$":
            lines.append("##" + line if kind == "md" and line.startswith("## ") else line)  # h4 in a panel
            continue
        text = "\n".join(lines).strip()
        if text:
            blocks.append((kind, text))
        kind, lines = ("latex" if kind == "md" else "md"), []
    return blocks


def lesson(exp_id: str) -> None:
    """The experiment's lesson (content/<exp_id>.md): markdown, with display equations by st.latex."""
    blocks = lesson_blocks(exp_id)
    if blocks:
        with st.expander("What is going on here: the equations, the article, three things to try",
                         expanded=False, icon=":material/school:"):
            for kind, text in blocks:
                if kind == "latex":
                    st.latex(text)
                else:
                    st.markdown(text)
