"""Open the box (a panel on every experiment page, folded until asked): one time step's actual numbers
forward and backward, live as the run trains (rnn_core/stepview.py through the model contract: the
numbers training uses), the code that computes them, the hidden state's path over the probe, and —
where a task can generate — free-running against one step ahead.

Everything is computed from a model holding the snapshot shown (``state.snapshot_model``), never the
model being trained, once per snapshot and step t (``RunState.box``).
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
import streamlit as st

from rnn_core import reference, trajectory
from rnn_core.i18n import _, number
from rnn_core.stepview import StepTerms, step_terms

from . import stepfigs
from .charts import chart, key
from .panels.common import show_char
from .state import PageRuns, RunState, snapshot_model

FREE_STEPS = (10, 200)          # the range of the free run's length N
MIN_PATH = 3                    # probe steps a path needs to be one


def terms_of(state: RunState, t: int) -> StepTerms:
    """Step t of the probe under the run's truncation, for the snapshot shown (built once per snapshot)."""
    if state.box is None or state.box[0] is not state.snap or state.box[1] != t:
        view = state.view
        terms = step_terms(snapshot_model(state), view.probe_x, view.probe_y, t,
                           state.snap.config.train.bptt_truncate, view.targets)
        if state.box is not None and state.box[0] is not state.snap and state.box[1] == t:
            old = state.box[2]
            rows = stepfigs.forward_rows(old) + stepfigs.backward_rows(old)
            state.box_before = (state.box[0].step, t, dict(rows))
        state.box = (state.snap, t, terms)
    return state.box[2]


def panel(page: PageRuns, labels: list[str] | None = None) -> None:
    """The panel, folded behind a toggle (its numbers are computed only while it is open); in compare
    mode one column per run at the same t."""
    state = page.first
    T = int(state.view.probe_x.shape[1]) if state.view.probe_x is not None else 0
    if T == 0 or not st.toggle(_("Open the box: one time step, forward and backward, with its numbers"),
                               key="box_open", bind="query-params",
                               help=_("Step t of the probe sequence, as training computes it now: the "
                                      "terms, the gradient and where it goes.")):
        return
    t = st.slider(_("Time step t of the probe"), 0, T - 1, T - 1, key="box_t",
                  help=_("The step to look inside; the last step by default.")) if T > 1 else 0
    terms = [terms_of(r, t) for r in page.runs]
    chart(lambda: stepfigs.unrolled_figure(T, t, terms[0].window, terms[0].terms, terms[0].bptt_truncate),
          f"{state.exp_id}-unrolled", height=stepfigs.UNROLLED)
    cols = st.columns(len(page.runs)) if len(page.runs) > 1 else [st.container()]
    for i, (col, run, tm) in enumerate(zip(cols, page.runs, terms, strict=True)):
        with col:
            if labels:
                st.markdown(f"**{labels[i]}**")
            _strips(run, tm)
    _code()
    below = st.columns(2)
    with below[0]:
        _path(state, t)
    with below[1]:
        _free(state)


def _strips(state: RunState, terms: StepTerms) -> None:
    """Forward and backward strips side by side (stacked in compare mode's narrow columns), the output."""
    before = state.box_before[2] if state.box_before and state.box_before[1] == terms.t else None
    since = (_("hover: the change since step {step}").format(step=state.box_before[0])
             if before is not None else "")
    fwd_title = (_("Forward at t: the terms of a_t, then h_t") if terms.cell == "rnn"
                 else _("Forward at t: gates"))
    left, right = st.columns(2)
    with left:
        chart(lambda: stepfigs.strips_figure(stepfigs.forward_rows(terms), fwd_title, before, since),
              key(state, "box-forward"), height=stepfigs.strips_height(len(stepfigs.forward_rows(terms))))
    with right:
        sub = _("‖∂L/∂h_t‖ {norm}, zero outside the truncation window").format(
            norm=number(float(np.linalg.norm(terms.dL_dh)), 3))
        rows = stepfigs.backward_rows(terms)
        chart(lambda: stepfigs.strips_figure(rows, _("Backward at t: ∂L/∂h_t and its parts"), before, sub),
              key(state, "box-backward"), height=stepfigs.strips_height(len(rows)))
    vocab = state.view.vocab
    names = None if vocab is None else [show_char(c) for c in vocab.chars]
    chart(lambda: stepfigs.output_figure(terms, names), key(state, "box-output"), height=stepfigs.UNROLLED)


def _code() -> None:
    """The numpy step functions the panel's numbers come from, as they are in the source now."""
    with st.expander(_("Show the code: one step forward and one step backward (numpy)"),
                     icon=":material/code:"):
        st.caption(_("From rnn_core/reference.py, read at run time; tests hold it equal to the vectorised "
                     "model that trains (rnn_core/numpy_rnn.py)."))
        code = inspect.getsource(reference.forward_step) + "\n\n" + inspect.getsource(reference.backward_step)
        st.code(code, language="python")


def _path(state: RunState, t: int) -> None:
    """The hidden state's path in the plane of its two main directions; the axes follow the run without
    jumping (aligned to the last ones) until refitted."""
    hidden = np.asarray(state.snap.probe_hidden, dtype=np.float64)
    if hidden.ndim != 2 or len(hidden) < MIN_PATH or not np.isfinite(hidden).all():
        return                                  # (the next-letter page draws its three units in 3-D)
    refit = st.button(_("Refit the axes"), key=key(state, "box-refit"), icon=":material/center_focus_strong:",
                      help=_("The axes are fitted once and then only follow the states; refit them to the "
                             "states now."))
    new = trajectory.fit(hidden)
    proj = new if refit or state.projection is None else trajectory.align(new, state.projection)
    state.projection = proj
    points = trajectory.project(proj, hidden)
    chart(lambda: stepfigs.trajectory_figure(points, proj.explained, min(t, len(points) - 1)),
          key(state, "box-path"))


def _free(state: RunState) -> None:
    """Free-running against one step ahead, where the task can generate (sine, Elman, x·sin(x))."""
    free_run = state.view.free_run
    if free_run is None:
        return
    n = st.slider(_("Steps to generate, N"), *FREE_STEPS, 50, key="free_n",
                  help=_("After the known window the model's own predictions are fed back for N steps "
                         "instead of the true values."))
    run: Any = free_run(snapshot_model(state), n)
    chart(lambda: stepfigs.freerun_figure(run), key(state, "box-free"))
