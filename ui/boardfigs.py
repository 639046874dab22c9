"""The class board's figures (ui/board.py draws them): every student's loss curve coloured by a knob, the
final metric against that knob, parallel coordinates when several knobs vary, and each checkpoint's
predictions beside what the students' runs measured. Pure functions of the board's records
(``classroom.RunView``, ``AnswerView``); what a student typed is escaped before plotly sees it.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.colors import qualitative, sample_colorscale

from rnn_core import i18n
from rnn_core.checkpoints import Checkpoint
from rnn_core.experiments import Experiment, find_knob
from rnn_core.experiments.records import Metric
from rnn_core.i18n import _

from . import words
from .plotstyle import FONT_SIZE, hint, log_axis, log_range, make_figure, num, positive, wrap

SCALE = "Viridis"
PALETTE = qualitative.D3                   # a choice knob's values (cell, optimizer, …): plotly's ten
PREDICTED, MEASURED = "#4c78a8", "#f58518"
CHOICE_WIDTH = 26                  # characters of a choice's line beside its bars


def who(run: Any) -> str:
    """A student as the board names them: the nickname (escaped) with the lecturer key or when the
    lecturer shows names, else "Student 3"."""
    if getattr(run, "nickname", None):
        return html.escape(run.nickname)
    return _("Student {n}").format(n=i18n.integer(run.student))


# ----------------------------------------------------------------------------- runs and their metric


def varying(runs: Sequence[Any], exp: Experiment) -> list[str]:
    """The page's knobs whose value differs between the runs (the seed last), in the page's order."""
    out = []
    for k in exp.knobs:
        if k != "seed" and any(k not in r.settings for r in runs):
            continue                                   # a run that does not say its value: not comparable
        if len({repr(_setting(r, k)) for r in runs}) > 1:
            out.append(k)
    return out


def _setting(run: Any, name: str) -> Any:
    return run.seed if name == "seed" else run.settings.get(name)


def metric_of(run: Any, metric: Metric) -> float:
    """The run's last value of ``metric`` (NaN if it has none)."""
    return num(run.metrics.get(metric.name))


@dataclass(frozen=True)
class Ranking:
    """The best and the median run by the page's metric (None without a finite value)."""

    best: Any
    median: Any
    values: list[float]


def rank(runs: Sequence[Any], metric: Metric) -> Ranking:
    scored = [(v, r) for r in runs if math.isfinite(v := metric_of(r, metric))]
    if not scored:
        return Ranking(None, None, [])
    scored.sort(key=lambda p: p[0], reverse=metric.better == "higher")
    return Ranking(scored[0][1], scored[(len(scored) - 1) // 2][1], [v for v, _r in scored])


@dataclass(frozen=True)
class Colours:
    """The colour of each run by one knob: a continuous scale (log for a log knob) or a palette."""

    colours: list[str]
    numeric: bool
    log: bool
    lo: float = 0.0                      # scale ends (log10 units when log)
    hi: float = 1.0
    labels: list[str] | None = None      # a palette's value names, in the runs' order
    order: list[str] | None = None       # the palette's names, each once


def colours(runs: Sequence[Any], name: str) -> Colours:
    values = [_setting(r, name) for r in runs]
    knob = find_knob(name)
    numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                  for v in values)
    if numeric and values:
        log = knob is not None and knob.scale == "log" and all(v > 0 for v in values)
        xs = [math.log10(v) if log else float(v) for v in values]
        lo, hi = min(xs), max(xs)
        span = hi - lo or 1.0
        return Colours(sample_colorscale(SCALE, [(x - lo) / span for x in xs]) if xs else [], True, log,
                       lo, hi if hi > lo else lo + 1)
    labels = [words.value(name, v) for v in values]
    order = list(dict.fromkeys(labels))
    return Colours([PALETTE[order.index(t) % len(PALETTE)] for t in labels], False, False,
                   labels=labels, order=order)


def _colourbar(c: Colours, name: str) -> go.Scatter:
    """An invisible trace that carries the continuous scale's colour bar."""
    ticks = np.linspace(c.lo, c.hi, 5)
    text = [f"{10 ** t:.3g}" if c.log else f"{t:.3g}" for t in ticks]
    return go.Scatter(x=[None], y=[None], mode="markers", showlegend=False, hoverinfo="skip",
                      marker={"color": [c.lo], "cmin": c.lo, "cmax": c.hi, "colorscale": SCALE, "size": 0,
                              "showscale": True,
                              "colorbar": {"title": {"text": words.label(name), "side": "right"},
                                           "tickvals": list(ticks), "ticktext": text, "thickness": 12,
                                           "len": 0.8}})


def curves_figure(runs: Sequence[Any], name: str, exp: Experiment, metric: Metric) -> go.Figure:
    """Every run's training-loss curve (log axis), coloured by the knob ``name``; the best run drawn
    thick, the median one dashed."""
    title = _("Training loss of every run")
    rk = rank(runs, metric)
    drawn = [r for r in runs if r.curve]
    if not drawn:
        return make_figure([], title, _("step"), _("training loss (log scale)"), uirevision="board-curves",
                           annotations=[hint(_("No runs on this page yet"))], y=log_axis([-3, 1]))
    c = colours(drawn, name)
    traces: list[Any] = []
    seen: set[str] = set()
    ys_all = []
    for i, r in enumerate(drawn):
        steps = [p[0] for p in r.curve]
        ys = positive(p[1] for p in r.curve)
        ys_all.append(ys)
        value = c.labels[i] if c.labels else words.value(name, _setting(r, name))
        special = r is rk.best or r is rk.median
        width = 4 if r is rk.best else 2.5 if r is rk.median else 1.5
        group = c.labels[i] if c.labels else None
        traces.append(go.Scatter(
            x=steps, y=ys, mode="lines",
            line={"color": c.colours[i], "width": width,
                  "dash": "dash" if r is rk.median and r is not rk.best else "solid"},
            opacity=1.0 if special else 0.75, name=group or who(r), legendgroup=group,
            showlegend=bool(group) and group not in seen,
            hovertemplate=f"{who(r)}<br>{html.escape(words.label(name))} {html.escape(value)}"
                          "<br>step %{x}<br>loss %{y:.3g}<extra></extra>"))
        if group:
            seen.add(group)
    if c.numeric:
        traces.append(_colourbar(c, name))
    sub = _("colour: {knob}").format(knob=words.label(name))
    if rk.best is not None:
        sub = _("colour: {knob}; thick: the best run, {who}; dashed: the median").format(
            knob=words.label(name), who=who(rk.best))
    return make_figure(traces, title, _("step"), _("training loss (log scale)"), uirevision="board-curves",
                       subtitle=sub, y=log_axis(log_range(*ys_all)))


def metric_figure(runs: Sequence[Any], name: str, exp: Experiment, metric: Metric) -> go.Figure:
    """The runs' last value of the page's metric against the knob ``name`` (a log axis for a log knob),
    the best and the median run marked."""
    label = _(metric.label)
    title = _("{metric} against {knob}").format(metric=label, knob=words.label(name))
    scored = [r for r in runs if math.isfinite(metric_of(r, metric))]
    if not scored:
        return make_figure([], title, words.label(name), label, uirevision="board-metric",
                           annotations=[hint(_("No run has a {metric} yet").format(metric=label))])
    c = colours(scored, name)
    rk = rank(scored, metric)
    if c.numeric:
        xs: list[Any] = [_setting(r, name) for r in scored]
        x_axis: dict[str, Any] = {"type": "log"} if c.log else {}
    else:
        xs = list(c.labels or [])
        x_axis = {"type": "category", "categoryorder": "array", "categoryarray": c.order}
    ys = [metric_of(r, metric) for r in scored]
    done = [bool(r.final) for r in scored]
    sizes = [16 if r is rk.best else 13 if r is rk.median else 10 for r in scored]
    symbols = ["star" if r is rk.best else "diamond" if r is rk.median else
               "circle" if d else "circle-open" for r, d in zip(scored, done, strict=True)]
    texts = [f"{who(r)}<br>{'' if d else html.escape(_('still training'))}" for r, d in zip(scored, done,
                                                                                          strict=True)]
    lower = metric.better == "lower"
    y_log = lower and all(v > 0 for v in ys) and max(ys) / min(ys) > 30
    traces = [go.Scatter(x=xs, y=ys, mode="markers", text=texts, showlegend=False,
                         marker={"color": c.colours, "size": sizes, "symbol": symbols,
                                 "line": {"color": "#333", "width": 1}},
                         hovertemplate="%{text}<br>%{x}<br>" + html.escape(label)
                         + " %{y:.4g}<extra></extra>")]
    sub = None
    if rk.best is not None:
        sub = _("best: {who}, {value}; median {median}; open circles: still training").format(
            value=f"{metric_of(rk.best, metric):.4g}", who=who(rk.best),
            median=f"{metric_of(rk.median, metric):.4g}")
    return make_figure(traces, title, words.label(name), label, uirevision="board-metric", subtitle=sub,
                       x=x_axis, y={"type": "log"} if y_log else {})


def parallel_figure(runs: Sequence[Any], names: Sequence[str], metric: Metric) -> go.Figure | None:
    """Parallel coordinates of the knobs that vary and the metric, one line a run coloured by the metric;
    None with fewer than two varying knobs or two runs."""
    scored = [r for r in runs if math.isfinite(metric_of(r, metric))]
    if len(names) < 2 or len(scored) < 2:
        return None
    dims = []
    for name in names:
        c = colours(scored, name)
        vals = [_setting(r, name) for r in scored]
        if c.numeric and c.log:
            dims.append(_log_dim(words.label(name), vals))
        elif c.numeric:
            dims.append({"label": words.label(name), "values": [float(v) for v in vals]})
        else:
            order = c.order or []
            dims.append({"label": words.label(name), "values": [order.index(t) for t in c.labels or []],
                         "tickvals": list(range(len(order))), "ticktext": order})
    ys = [metric_of(r, metric) for r in scored]
    dims.append(_metric_axis(ys, metric))
    order = sorted(range(len(ys)), key=lambda i: ys[i], reverse=metric.better == "lower")
    ranks = [0.0] * len(ys)                            # colour by rank: one outlier does not grey the rest
    for pos, i in enumerate(order):
        ranks[i] = pos / max(1, len(ys) - 1)
    fig = go.Figure(data=[go.Parcoords(dimensions=dims, line={
        "color": ranks, "colorscale": SCALE, "cmin": 0, "cmax": 1, "showscale": False})],
        layout={"height": 340, "margin": {"l": 70, "r": 70, "t": 80, "b": 30}, "font": {"size": FONT_SIZE},
                "title": {"text": _("Which settings went with a good {metric}").format(
                    metric=_(metric.label)),
                          "x": 0.01, "font": {"size": FONT_SIZE + 2}},
                "uirevision": "board-parallel", "paper_bgcolor": "white"})
    return fig


def _log_dim(label: str, values: list[float]) -> dict[str, Any]:
    """A parallel-coordinates axis on a log scale: log10 of the values, ticked at the ends and the
    decades between with the values themselves."""
    logs = [math.log10(v) for v in values]
    lo, hi = min(logs), max(logs)
    ticks = sorted({round(t, 6) for t in [lo, *range(math.ceil(lo), math.floor(hi) + 1), hi]})
    return {"label": label, "values": logs, "tickvals": ticks, "ticktext": [f"{10 ** t:.2g}" for t in ticks]}


def _metric_axis(ys: list[float], metric: Metric) -> dict[str, Any]:
    """The metric's axis: log when it is positive and spans more than 30×, else linear."""
    if min(ys) > 0 and max(ys) / min(ys) > 30:
        return _log_dim(_(metric.label), ys)
    return {"label": _(metric.label), "values": ys}


# ----------------------------------------------------------------------------- predictions


def predictions_figure(cp: Checkpoint, number: int, answers: Sequence[Any]) -> go.Figure:
    """One checkpoint: how many students predicted each choice (or number) beside what their runs
    measured."""
    mine = [a for a in answers if a.checkpoint_id == cp.id]
    guesses = [a.answer for a in mine]
    outcomes = [o for a in mine if (o := getattr(a, "outcome", None)) is not None]
    title = f"{i18n.integer(number)}. {_(cp.title)}"
    sub = i18n.ngettext("{n} prediction; {m} runs answered", "{n} predictions; {m} runs answered",
                        len(guesses)).format(n=i18n.integer(len(guesses)), m=i18n.integer(len(outcomes)))
    if cp.numeric:
        assert cp.guess_range is not None
        lo, hi, step = cp.guess_range
        step = max(step, (hi - lo) / 20)                   # at most ~20 bars
        bins = {"start": lo - step / 2, "end": hi + step / 2, "size": step}
        traces = [go.Histogram(x=[num(g) for g in guesses], xbins=bins, name=_("predicted"),
                               marker={"color": PREDICTED}, opacity=0.85),
                  go.Histogram(x=[num(o) for o in outcomes], xbins=bins, name=_("the runs measured"),
                               marker={"color": MEASURED}, opacity=0.85)]
        return make_figure(traces, title, _(cp.guess_unit), _("students"), uirevision=f"board-cp-{cp.id}",
                           subtitle=sub, barmode="group", x={"range": [lo - step, hi + step]})
    keys = [c.key for c in cp.choices]
    names = [wrap(f"{k}) {_(c.text)}", CHOICE_WIDTH) for k, c in zip(keys, cp.choices, strict=True)]
    count = [sum(1 for g in guesses if g == k) for k in keys]
    said = [sum(1 for o in outcomes if o == k) for k in keys]
    bars = [go.Bar(y=names, x=n, orientation="h", name=label, marker={"color": colour},
                   hovertemplate="%{x}<extra></extra>")
            for n, label, colour in ((count, _("predicted"), PREDICTED),
                                     (said, _("the runs measured"), MEASURED))]
    top = max([*count, *said, 1])
    return make_figure(bars, title, _("students"), "", uirevision=f"board-cp-{cp.id}", subtitle=sub,
                       barmode="group", x={"range": [0, top * 1.15], "dtick": max(1, math.ceil(top / 5))},
                       y={"autorange": "reversed", "automargin": True})
