"""Compare mode: two or three runs of a page that differ in one setting, trained in lockstep and drawn
side by side. The sidebar's "Compare runs" picks the setting and its values; the URL carries them as
``compare=<knob>:<v1>,<v2>[,<v3>]`` so that a comparison is a link (rnn_core.compare reads it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import streamlit as st

from rnn_core import i18n
from rnn_core.compare import NOT_COMPARED, Spec, parse_spec
from rnn_core.config import RunConfig
from rnn_core.experiments import Experiment
from rnn_core.i18n import _
from rnn_core.schema import FIXED, KNOBS, format_value

from . import figures, live, stepview, words
from .charts import chart, guarded, key
from .comparefigs import loss_overlay, metric_overlay, titled
from .dynfigs import spectrum_extent, spectrum_figure
from .limits import Limits, describe, refusal
from .state import WIDGETS, PageRuns, session

NONE = "none"
EXTRA_OK = {k.name for k in KNOBS if k.applies != FIXED}     # what a label may say goes with a value
MARKS = (":blue[■]", ":orange[■]", ":violet[■]")          # the runs' colours (ui/comparefigs.py)


def suggestions(exp: Experiment, name: str, lim: Limits) -> list[str]:
    """Values offered for a compared setting (more can be typed): its declared suggestions (or every
    choice, or its grid) that this page's widget could hold."""
    knob = exp.knob(name)
    if knob.kind == "choice":
        return list(knob.choices)
    if knob.widget_kind == "grid":
        return [f"{v:g}" for v in lim.grids[name]]
    return [knob.format(v) for v in knob.suggest if not refusal(knob, v, lim, on_grid=False)]


def page_check(exp: Experiment, lim: Limits):  # noqa: ANN201 -- rnn_core.compare.Check
    """The check a compared value passes: what this page's widget could hold (the sidebar's range; a
    log knob anywhere inside its grid's range). The same words as a link's refused value."""
    def check(name: str, value: object) -> None:
        why = refusal(exp.knob(name), value, lim, on_grid=False)
        if why:
            raise ValueError(_("compare: {name} = {value}: {why}").format(
                name=name, value=exp.knob(name).format(value)[:40], why=why))
    return check


def _seed_from_url(exp: Experiment, lim: Limits) -> str | None:
    """On arrival, the URL's spec into the two widgets; a bad spec: its message (and one run)."""
    text = st.query_params.get("compare")
    if not text:
        return None
    try:
        spec = parse_spec(text, exp, page_check(exp, lim))
    except ValueError as e:
        del st.query_params["compare"]
        return _("{why}. Showing one run.").format(why=e)
    st.session_state[WIDGETS["compare_knob"]] = spec.knob
    st.session_state[WIDGETS["compare_values"]] = [exp.knob(spec.knob).format(v) for v in spec.values]
    return None


def spec_widget(exp: Experiment, lim: Limits, fresh: bool) -> Spec | None:
    """The sidebar's "Compare runs": a setting and 2–3 values, kept in the URL. None: one run."""
    ss, knob_key = st.session_state, WIDGETS["compare_knob"]
    if fresh:
        session().compare_error = _seed_from_url(exp, lim)
    names = [NONE, *(k for k in exp.knobs if k not in NOT_COMPARED)]
    if ss.get(knob_key) not in names:
        ss[knob_key] = NONE
    with st.expander(_("Compare runs"), expanded=ss[knob_key] != NONE, icon=":material/compare_arrows:"):
        name = st.selectbox(_("Setting to compare"), names, key=knob_key,
                            format_func=words.bound(
                                lambda k: _("— one run —") if k == NONE else words.label(k)),
                            help=_("Two or three runs that differ only in this setting, trained in lockstep "
                                   "from the same seed (same data order, same first weights where the shapes "
                                   "allow)."))
        spec, error = None, session().compare_error
        if name != NONE:
            spec, error = _values_widget(exp, name, lim, error)
        if error:
            st.error(error)
    _keep_in_url(spec)
    return spec


def _values_widget(exp: Experiment, name: str, lim: Limits,
                   error: str | None) -> tuple[Spec | None, str | None]:
    """The values of the compared setting (2 or 3), and the spec they make or why they make none."""
    values_key = WIDGETS["compare_values"]
    chosen = [v for v in st.session_state.get(values_key, []) if isinstance(v, str)]
    st.session_state[values_key] = chosen[:3]
    options = list(dict.fromkeys([*suggestions(exp, name, lim), *chosen]))
    values = st.multiselect(_("Values (2 or 3)"), options, key=values_key, max_selections=3,
                            accept_new_options=True,
                            help=_("Pick from the list or type a value: {range}.").format(
                                range=describe(exp.knob(name), lim)))
    if len(values) < 2:
        st.caption(_("Pick two or three values."))
        return None, error
    try:
        return parse_spec(f"{name}:{','.join(values)}", exp, page_check(exp, lim)), None
    except ValueError as e:
        return None, str(e)


def _keep_in_url(spec: Spec | None) -> None:
    if spec is None:
        if "compare" in st.query_params and not session().compare_error:
            del st.query_params["compare"]
    elif st.query_params.get("compare") != spec.text:
        st.query_params["compare"] = spec.text


# ----------------------------------------------------------------------------- drawing

def drawer(exp: Experiment, labels: list[str],
           cached_figures: Callable[[Any], list]) -> Callable[[PageRuns], None]:
    """The live part of a page in compare mode; ``labels``: each run's name (rnn_core.compare.labels)."""
    metric = next((m for m in exp.metrics if m.better), None)

    def draw(page: PageRuns) -> None:
        status(exp, page, labels)
        snaps = [r.snap for r in page.runs]
        top = st.columns(2)
        with top[0]:
            chart(lambda: loss_overlay(snaps, labels, exp.val_label), f"{exp.id}-loss")
        if metric is not None:
            with top[1]:
                chart(lambda: metric_overlay(snaps, labels, metric.name, metric.label,
                                             log=metric.better == "lower"), f"{exp.id}-metric")
        st.markdown(_("**{title}**, run by run").format(title=_first_title(cached_figures(page.first))))
        for i, (col, state) in enumerate(zip(st.columns(len(page.runs)), page.runs, strict=True)):
            figs = cached_figures(state)
            if figs:
                with col:
                    chart(lambda f=figs[0], i=i: titled(f, labels[i], i), key(state, "pred"))
        st.markdown(_("**Gradient reaching h_t, ‖∂L/∂h_t‖**, run by run, on one colour scale"))
        z = figures.grad_log_range(snaps)
        for i, (col, state) in enumerate(zip(st.columns(len(page.runs)), page.runs, strict=True)):
            with col:
                chart(lambda s=state, i=i: titled(figures.grad_heatmap_figure(s.snap, s.view.targets,
                                                                              z_range=z), labels[i], i),
                      key(state, "grad-heatmap"))
        rows(page, labels)
        if not page.playing and any(s.step for s in snaps):
            table(exp, page, labels, metric)
        guarded(lambda _s: stepview.panel(page, labels), page.first)
    return draw


def hidden_scale(snaps: list[Any]) -> tuple[str, float | None]:
    """One colour scale for the hidden states of several runs: their activation's when they share one
    (LSTM and GRU: tanh's), tanh's [−1, 1] for sigmoid beside tanh, else ± the largest |h| of them all."""
    acts = {figures.hidden_activation(s.config.model) for s in snaps}
    if len(acts) == 1:
        act = acts.pop()
    else:
        act = "tanh" if acts <= {"tanh", "sigmoid"} else "mixed"
    hs = [np.asarray(getattr(s, "probe_hidden", None), dtype=float) for s in snaps]
    tops = [float(np.nanmax(np.abs(h))) for h in hs if h.size and np.any(np.isfinite(h))]
    return act, max(tops) if tops else None


def rows(page: PageRuns, labels: list[str]) -> None:
    """What the single-run page draws for its run, run by run on shared scales: the hidden states, the
    global gradient norm before and after clipping, and the recurrence's eigenvalues (or the gated
    cells' singular values) against the unit circle."""
    snaps = [r.snap for r in page.runs]
    act, zmax = hidden_scale(snaps)
    norms, extent = figures.grad_norm_range(snaps), spectrum_extent(snaps)
    sections = (
        (_("**Hidden states h_t**, run by run, on one colour scale"), "hidden",
         lambda s: figures.hidden_figure(s, act, zmax)),
        (_("**Global gradient norm ‖g‖**, before and after clipping, run by run, on one scale"), "grad-norm",
         lambda s: figures.grad_norm_figure(s, y_range=norms)),
        (_("**Eigenvalues against the unit circle**, run by run, on the same axes"), "spectrum",
         lambda s: spectrum_figure(s, extent)))
    for title, name, make in sections:
        st.markdown(title)
        for i, (col, state) in enumerate(zip(st.columns(len(page.runs)), page.runs, strict=True)):
            with col:
                chart(lambda s=state.snap, i=i, make=make: titled(make(s), labels[i], i), key(state, name))


def _first_title(figs: list) -> str:
    return figs[0].layout.title.text if figs and figs[0].layout.title.text else _("Predictions")


def exp_format(name: str, value: Any) -> str:
    """A setting's value as the URL writes it ("torch", "0.02"): what goes with a compared value."""
    return words.value(name, value) if value is None else format_value(name, value)


def run_labels(spec: Spec, base: RunConfig, runs: list[RunConfig]) -> list[str]:
    """Each run's name on the page, in the session's language: "Cell = GRU (backend torch, learning
    rate 0.02)" (the compared setting and what goes with its value: rnn_core.compare.labels)."""
    out = []
    for value, run in zip(spec.values, runs, strict=True):
        text = _("{knob} = {value}").format(knob=words.label(spec.knob), value=words.value(spec.knob, value))
        extra = [k for k in run.diff(base) if k != spec.knob and k in base.as_dict() and k in EXTRA_OK]
        if extra:
            new = run.as_dict()
            said = [_("{knob} {value}").format(knob=words.label(k).lower(), value=exp_format(k, new[k]))
                    for k in extra]
            text += " (" + ", ".join(said) + ")"
        out.append(text)
    return out


def status(exp: Experiment, page: PageRuns, labels: list[str]) -> None:
    """One progress bar (the furthest run) and a line per run; a stopped run says why, alone."""
    box = st.container(key="status")
    snaps = [r.snap for r in page.runs]
    for i, s in enumerate(snaps):
        if s.stop is not None:
            box.error(f"{labels[i]}: {words.stop(s.stop)}", icon=":material/error:")
    if page.done and all(s.stop is None for s in snaps):
        box.success(_("Every run is complete. Press Continue for another {block}, or Reset for new "
                      "weights.").format(block=words.epochs(snaps[0].config.train.epochs)),
                    icon=":material/check_circle:")
    elif page.notice and page.playing:
        box.info(page.notice, icon=":material/play_arrow:")
    lead = max(snaps, key=lambda s: s.step)
    rate = live.advance_rate(page)                     # lockstep: every run advances at the same rate
    lines = [f"{MARKS[i % 3]} **{labels[i]}** · " + _run_line(exp, s, page.playing, rate)
             for i, s in enumerate(snaps)]
    box.progress(min(1.0, lead.step / lead.total_steps) if lead.total_steps else 0.0,
                 text=_("step **{step}** / {total}").format(step=i18n.integer(lead.step),
                                                            total=i18n.integer(lead.total_steps))
                 + " · " + (_("training in lockstep") if page.playing else _("paused")))
    box.markdown("  \n".join(lines))


def _run_line(exp: Experiment, s: Any, playing: bool, steps_per_sec: float) -> str:
    """"step 120 / 400 · loss 0.01 · validation 0.02 · 900 steps/s" of one run."""
    text = _("step {step} / {total}").format(step=i18n.integer(s.step), total=i18n.integer(s.total_steps))
    text += " · " + _("loss {loss}").format(loss=words.number(s.train_loss))
    if s.val_loss is not None:
        text += f" · {_(exp.val_label)} {words.number(s.val_loss)}"
    if s.stop:
        return text + " · " + _("stopped")
    rate = _("{rate} steps/s").format(rate=i18n.integer(round(steps_per_sec)))
    return text + (" · " + rate if playing else "")


def table(exp: Experiment, page: PageRuns, labels: list[str], metric: Any) -> None:
    """Run, value, final loss, the task metric, steps and seconds of each run (headers in the session's
    language)."""
    rows = []
    for i, state in enumerate(page.runs):
        s = state.snap
        row = {_("run"): labels[i], _("final loss"): words.table_number(s.train_loss)}
        if metric is not None:
            row[_(metric.label)] = words.table_number(s.metrics.get(metric.name))
        row |= {_("steps"): s.step, _("seconds"): round(s.wall_time, 2),
                _("status"): _("stopped") if s.stop else _("complete") if s.done else _("paused")}
        rows.append(row)
    st.dataframe(rows, hide_index=True, key="compare_table")
