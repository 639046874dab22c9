"""Dinosaur names: how the model reads a probe name, the next character after a prefix the person types,
and names sampled live from the model (with a temperature and a greedy switch)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from rnn_core.i18n import _, integer
from rnn_core.text import next_char_probs, sample_names

from ..charts import chart, key
from ..plotstyle import COLORS, FONT_SIZE, empty_figure, make_figure
from ..plotwire import LEVELS_META
from ..state import RunState, snapshot_model
from . import Panels
from .common import preds, show_char

N_NAMES = 12


def dinos_probs_figure(chars: Sequence[str], probs: np.ndarray | None, prefix: str) -> go.Figure:
    """Bar chart of the probability of each next character after ``prefix`` (y fixed to [0, 1]);
    the most likely character is highlighted."""
    labels = [show_char(c) for c in chars]
    title = _("Next character after “{prefix}”").format(prefix=prefix) if prefix else \
        _("First character of a name")
    pr = np.asarray(probs if probs is not None else (), dtype=float).ravel()
    if not labels or pr.size != len(labels) or not np.all(np.isfinite(pr)):
        return empty_figure(title, _("next character"), _("probability"), uirevision="dinos-probs")
    colors = [COLORS["pred"] if i == int(np.argmax(pr)) else COLORS["train"] for i in range(len(pr))]
    bars = go.Bar(x=labels, y=pr, marker_color=colors, name=_("probability"),
                  hovertemplate="P(%{x}) = %{y:.3f}<extra></extra>")
    return make_figure([bars], title, _("next character (⏎ = end of name)"), _("probability"),
                       uirevision="dinos-probs", y={"range": [0, 1]}, showlegend=False, bargap=0.15,
                       x={"type": "category", "categoryorder": "array", "categoryarray": labels,
                          "tickangle": 0})


def dinos_probe_figure(snap: Any) -> go.Figure:
    """Heatmap of P(next character) (x, colour [0, 1]) after each prefix of the probe name (y, read
    downwards), with the character that actually comes next circled."""
    p = preds(snap)
    chars, text = list(p.get("vocab") or []), str(p.get("probe_text") or "")
    probs = np.asarray(p.get("probe_probs", np.zeros((0, 0))), dtype=float)
    title = _("Next-character probabilities along “{name}”").format(name=text) if text else \
        _("Next-character probabilities")
    xt, yt = _("next character (⏎ = end of name)"), _("after reading … (▶ = start)")
    if probs.ndim != 2 or not probs.size or probs.shape[1] != len(chars):
        return empty_figure(title, xt, yt, uirevision="dinos-probe")
    n_steps, n_chars = probs.shape
    index = {c: i for i, c in enumerate(chars)}
    targets = [index.get(c) for c in (text + "\n")[:n_steps]]
    prefixes = [text[:t] for t in range(n_steps)]
    heat = go.Heatmap(
        z=np.where(np.isfinite(probs), probs, np.nan), x=np.arange(n_chars), y=np.arange(n_steps),
        zmin=0, zmax=1, colorscale="Blues", meta=LEVELS_META,
        customdata=np.array([[pre] * n_chars for pre in prefixes]),
        colorbar={"title": {"text": "P", "side": "right"}, "thickness": 14},
        text=np.array([[show_char(c) for c in chars]] * n_steps),
        hovertemplate=_("after “%{customdata}”: P(%{text}) = %{z:.2f}<extra></extra>"))
    circles = go.Scatter(
        x=[-1 if i is None else i for i in targets], y=np.arange(n_steps), mode="markers",
        name=_("the actual next character"), hoverinfo="skip",
        marker={"symbol": "circle-open", "size": 11, "color": COLORS["pred"], "line": {"width": 2.5}})
    step, rows = max(1, math.ceil(n_chars / 30)), max(1, math.ceil(n_steps / 20))
    return make_figure(
        [heat, circles], title, xt, yt, uirevision="dinos-probe", showlegend=True,
        x={"tickvals": list(range(0, n_chars, step)), "ticktext": [show_char(c) for c in chars[::step]],
           "range": [-0.5, n_chars - 0.5], "showgrid": False, "tickfont": {"size": FONT_SIZE},
           "tickangle": 0},
        y={"tickvals": list(range(0, n_steps, rows)), "range": [n_steps - 0.5, -0.5], "showgrid": False,
           "ticktext": [show_char(c) for c in (["▶", *text] + [""] * n_steps)[:n_steps:rows]],
           "tickfont": {"size": FONT_SIZE}})


def dinos_figures(snap: Any, **opts: Any) -> list[go.Figure]:
    """The probe heatmap, then next-character bars for ``opts`` chars / probs / prefix (without them,
    the first-letter distribution from the probe)."""
    if opts.get("probs") is not None:
        bars = dinos_probs_figure(opts.get("chars") or preds(snap).get("vocab") or [], opts["probs"],
                                  str(opts.get("prefix", "")))
    else:
        probs = np.asarray(preds(snap).get("probe_probs", np.zeros((0, 0))), dtype=float)
        first = probs[0] if probs.ndim == 2 and len(probs) else None
        bars = dinos_probs_figure(list(preds(snap).get("vocab") or []), first, "")
    return [dinos_probe_figure(snap), bars]


def probe(state: RunState) -> None:
    """How the model reads the probe name: P(next character) after each prefix."""
    chart(lambda: dinos_probe_figure(state.snap), key(state, "probe"))


def prefix_probs(state: RunState) -> None:
    """Type the start of a name; see what the model thinks comes next."""
    prefix = st.text_input(_("Start of a name"), key="prefix", max_chars=30, bind="query-params",
                           placeholder=_("e.g. tyranno"),
                           help=_("Letters a–z; left empty, it shows what the model expects as a "
                                  "name's first letter."))
    vocab = state.view.vocab
    clean = "".join(c for c in prefix.lower() if c in vocab.chars and c != "\n")
    if clean != prefix.lower():
        st.caption(_("Only characters of the training text count: using “{prefix}”.").format(prefix=clean))
    probs = next_char_probs(snapshot_model(state), clean, vocab)
    chart(lambda: dinos_probs_figure(vocab.chars, probs, clean), key(state, "prefix"))


def names(state: RunState) -> None:
    """New names from the model as it is now, one character at a time."""
    c1, c2, c3 = st.columns([3, 1, 1], vertical_alignment="bottom")
    temperature = c1.slider(_("Temperature"), 0.1, 2.0, 1.0, 0.05, key="temperature", bind="query-params",
                            help=_("Below 1: safer, more typical names. Above 1: wilder ones."))
    greedy = c2.checkbox(_("Greedy"), key="greedy", bind="query-params",
                         help=_("Always take the most likely next character (the same name every time)."))
    again = c3.button(_("Sample again"), key="resample", icon=":material/casino:")
    kept = state.samples
    kept.draws += int(again)
    sig = (state.snap.step, temperature, greedy, kept.draws)
    if kept.sig != sig:
        rng = np.random.default_rng([state.run.train.seed, state.snap.step, kept.draws])
        kept.names = sample_names(snapshot_model(state), rng, n=N_NAMES, temperature=temperature,
                                  greedy=greedy, vocab=state.view.vocab)
        kept.sig = sig
    shown = [n.strip().capitalize() or "∅" for n in kept.names]
    st.markdown(_("**Sampled at step {step}:** {names}").format(
        step=integer(state.snap.step), names=" · ".join(f"*{n}*" for n in shown)))


PANELS = Panels(figures=dinos_figures, predictions=probe, extra=prefix_probs, below=(names,))
