"""Compare mode: two or three runs of a page that differ in one setting, trained in lockstep and drawn
side by side. The sidebar's "Compare runs" picks the setting and its values; the URL carries them as
``compare=<knob>:<v1>,<v2>[,<v3>]`` so that a comparison is a link (rnn_core.compare reads it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from rnn_core.compare import NOT_COMPARED, Spec, parse_spec
from rnn_core.experiments import Experiment

from . import figures, words
from .charts import chart, key
from .comparefigs import loss_overlay, metric_overlay, titled
from .limits import Limits, describe, refusal
from .state import WIDGETS, PageRuns, session

NONE = "none"
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
            raise ValueError(f"compare: {name} = {exp.knob(name).format(value)[:40]}: {why}")
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
        return f"{e}. Showing one run."
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
    with st.expander("Compare runs", expanded=ss[knob_key] != NONE, icon=":material/compare_arrows:"):
        name = st.selectbox("Setting to compare", names, key=knob_key,
                            format_func=lambda k: "— one run —" if k == NONE else words.label(k),
                            help="Two or three runs that differ only in this setting, trained in lockstep "
                                 "from the same seed (same data order, same first weights where the shapes "
                                 "allow).")
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
    values = st.multiselect("Values (2 or 3)", options, key=values_key, max_selections=3,
                            accept_new_options=True,
                            help=f"Pick from the list or type a value: {describe(exp.knob(name), lim)}.")
    if len(values) < 2:
        st.caption("Pick two or three values.")
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
        st.markdown(f"**{_first_title(cached_figures(page.first))}**, run by run")
        for i, (col, state) in enumerate(zip(st.columns(len(page.runs)), page.runs, strict=True)):
            figs = cached_figures(state)
            if figs:
                with col:
                    chart(lambda f=figs[0], i=i: titled(f, labels[i], i), key(state, "pred"))
        st.markdown("**Gradient reaching h_t, ‖∂L/∂h_t‖**, run by run, on one colour scale")
        z = figures.grad_log_range(snaps)
        for i, (col, state) in enumerate(zip(st.columns(len(page.runs)), page.runs, strict=True)):
            with col:
                chart(lambda s=state, i=i: titled(figures.grad_heatmap_figure(s.snap, s.view.targets,
                                                                              z_range=z), labels[i], i),
                      key(state, "grad-heatmap"))
        if not page.playing and any(s.step for s in snaps):
            table(exp, page, labels, metric)
    return draw


def _first_title(figs: list) -> str:
    return figs[0].layout.title.text if figs and figs[0].layout.title.text else "Predictions"


def status(exp: Experiment, page: PageRuns, labels: list[str]) -> None:
    """One progress bar (the furthest run) and a line per run; a stopped run says why, alone."""
    box = st.container(key="status")
    snaps = [r.snap for r in page.runs]
    for i, s in enumerate(snaps):
        if s.stop is not None:
            box.error(f"{labels[i]}: {words.stop(s.stop)}", icon=":material/error:")
    if page.done and all(s.stop is None for s in snaps):
        box.success(f"Every run is complete. Press Continue for another {snaps[0].config.train.epochs:,} "
                    "epochs, or Reset for new weights.", icon=":material/check_circle:")
    elif page.notice and page.playing:
        box.info(page.notice, icon=":material/play_arrow:")
    lead = max(snaps, key=lambda s: s.step)
    lines = [f"{MARKS[i % 3]} **{labels[i]}** · step {s.step:,} / {s.total_steps:,} · loss "
             f"{words.number(s.train_loss)}" + (f" · {exp.val_label} {words.number(s.val_loss)}"
                                                 if s.val_loss is not None else "")
             + (" · stopped" if s.stop else f" · {s.steps_per_sec:,.0f} steps/s" if page.playing else "")
             for i, s in enumerate(snaps)]
    box.progress(min(1.0, lead.step / lead.total_steps) if lead.total_steps else 0.0,
                 text=f"step **{lead.step:,}** / {lead.total_steps:,} · " + ("training in lockstep"
                                                                           if page.playing else "paused"))
    box.markdown("  \n".join(lines))


def table(exp: Experiment, page: PageRuns, labels: list[str], metric: Any) -> None:
    """Run, value, final loss, the task metric, steps and seconds of each run."""
    rows = []
    for i, state in enumerate(page.runs):
        s = state.snap
        row = {"run": i + 1, "value": labels[i].split(" = ", 1)[-1],
               "final loss": words.table_number(s.train_loss)}
        if metric is not None:
            row[metric.label] = words.table_number(s.metrics.get(metric.name))
        row |= {"steps": s.step, "seconds": round(s.wall_time, 2),
                "status": "stopped" if s.stop else "complete" if s.done else "paused"}
        rows.append(row)
    st.dataframe(rows, hide_index=True, key="compare_table")
