"""Plot style shared by every figure: sizes, colours, axes, empty states and small numeric helpers."""

from __future__ import annotations

import math
import operator
import re
import unicodedata
from collections.abc import Iterable, Sequence
from itertools import accumulate
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.basedatatypes import BasePlotlyType

from rnn_core.i18n import N_, _

from .words import changes

HEIGHT = 340                       # px, every figure
FONT_SIZE = 14                     # px, readable on a projector
EMPTY_HINT = N_("Press Train to start")   # translated where shown
GRID = "#e3e7ee"                   # grid and zero lines (a plain layout: templates cost ~30 ms a figure)
MAX_COLUMNS = 300                  # the gradient heatmap shows at most this many records (evenly thinned)
MAX_DECADES = 8                    # a log axis spans at most this many decades (a blow-up stays readable)
BLOWUP_DECADES = 3                 # a loss 1000× the best run's largest one is a blow-up (shared scales)
MAX_TICKS = 7                      # labels on a log axis
# plotly checks every property as a figure is built: ~2.5 ms of a figure's 3 ms, a fifth of a tick's CPU
# when a classroom shares a core. The live app skips the check, for the figure and (``_unchecked``) for
# each trace (the sine page's five main charts: 9.8 → 6.6 ms); the tests turn it on (tests/conftest.py),
# so a misspelt property still fails there.
VALIDATE = False
COLORS = {"train": "#1f77b4", "val": "#ff7f0e", "before": "#d62728", "after": "#2ca02c",
          "threshold": "#222222", "event": "#8c564b", "true": "#7f7f7f", "pred": "#d62728",
          "window": "#ff1744", "gap": "#e6e6e6"}


_checked_set = BasePlotlyType._set_property


def _unchecked(self: BasePlotlyType, name: str, arg: Any, provided: Any) -> None:
    """plotly's property setter, without the property's check unless VALIDATE (every trace constructor
    checks each of its ~70 properties; ``go.Scatter(..., _validate=False)`` would have to be written at
    every call)."""
    if not VALIDATE:
        self._validate = False
    _checked_set(self, name, arg, provided)


BasePlotlyType._set_property = _unchecked       # plotly==7.1.0, pinned (requirements.txt)


# ----------------------------------------------------------------------------- shared helpers

def _axis(title: str, width: int) -> dict[str, Any]:
    """An axis in the house style; its title wrapped to ``width`` (automargin makes room for the lines)."""
    return {"title": {"text": wrap(title, width), "standoff": 6}, "gridcolor": GRID, "zerolinecolor": GRID,
            "linecolor": GRID, "automargin": True}


def make_figure(data: Sequence[Any], title: str, x_title: str, y_title: str, *, uirevision: str,
                subtitle: str | None = None, x: dict[str, Any] | None = None, y: dict[str, Any] | None = None,
                shapes: Sequence[dict[str, Any]] = (), annotations: Sequence[dict[str, Any]] = (),
                **layout: Any) -> go.Figure:
    """A figure in the house style, built in one go: fixed height, title (+ subtitle), legend below the
    plot, compact margins. ``x`` / ``y`` add axis properties, ``layout`` other layout properties (a dict
    value is merged into the house one). One constructor call: a plotly Figure built from dicts costs
    ~1 ms, the same through update_layout / update_xaxes ~15 ms, and a template ~30 ms."""
    title, subtitle = wrap(title, TITLE_WIDTH), wrap(subtitle or "", SUBTITLE_WIDTH)
    extra = 18 * (title.count("<br>") + subtitle.count("<br>"))              # px per wrapped line
    lay: dict[str, Any] = {
        "height": HEIGHT, "template": "none", "uirevision": uirevision, "paper_bgcolor": "white",
        "plot_bgcolor": "white", "font": {"size": FONT_SIZE, "color": "#2a3f5f"},
        "title": {"text": title, "x": 0.01, "xanchor": "left", "y": 0.98, "yanchor": "top",
                  "font": {"size": FONT_SIZE + 2},
                  "subtitle": {"text": subtitle or "", "font": {"size": FONT_SIZE, "color": "#555"}}},
        "margin": {"l": 66, "r": 16, "t": (78 if subtitle else 56) + extra, "b": 80},
        "legend": {"orientation": "h", "x": 0.0, "xanchor": "left", "y": 0.0, "yanchor": "bottom",
                   "yref": "container", "bgcolor": "rgba(255,255,255,0)", "font": {"size": FONT_SIZE}},
        "hoverlabel": {"font": {"size": FONT_SIZE}},
        "xaxis": {**_axis(x_title, X_TITLE_WIDTH), **(x or {})},
        "yaxis": {**_axis(y_title, Y_TITLE_WIDTH), **(y or {})},
        "shapes": list(shapes), "annotations": list(annotations)}
    for k, v in layout.items():
        lay[k] = {**lay[k], **v} if isinstance(v, dict) and isinstance(lay.get(k), dict) else v
    return go.Figure(data=list(data), layout=lay, _validate=VALIDATE)


TITLE_WIDTH, SUBTITLE_WIDTH = 44, 52      # characters (a CJK one counts two) that fit a half-width chart
X_TITLE_WIDTH, Y_TITLE_WIDTH = 34, 22     # axis titles: a third-width chart (compare mode), its height


def text_width(text: str) -> int:
    """Display width: an East Asian wide character takes about two Latin ones."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _tokens(text: str, width: int) -> list[tuple[str, str]]:
    """(joiner, piece) pairs a line may break between: words at spaces; in text without spaces
    (Chinese) single characters; a bracketed group that fits a line, "(log scale)" or "（对数刻度）",
    stays whole."""
    spaced = " " in text
    group = r"\([^)]*\)|（[^）]*）"
    pieces = re.findall(group + (r"|\S+" if spaced else "|."), text)
    out: list[tuple[str, str]] = []
    for p in pieces:
        parts = [p] if text_width(p) <= width else p.split(" ") if spaced else list(p)
        out += [(" " if spaced and out else "", q) for q in parts]
    return out


def wrap(text: str, width: int) -> str:
    """``text`` broken into lines of at most ``width`` (CJK characters count two) with plotly's <br>,
    so a title never runs past a narrow chart in any language."""
    if text_width(text) <= width or "<" in text:
        return text
    lines, line = [], ""
    for joiner, piece in _tokens(text, width):
        if line and text_width(line + joiner + piece) > width:
            lines.append(line)
            line = piece
        else:
            line += joiner + piece if line else piece
    return "<br>".join([*lines, line])


def hint(text: str | None = None) -> dict[str, Any]:
    """A short grey message in the middle of the plot area (an annotation); ``text`` translated by the
    caller, None for "Press Train to start" in the current language."""
    return {"text": _(EMPTY_HINT) if text is None else text, "xref": "paper", "yref": "paper",
            "x": 0.5, "y": 0.5, "showarrow": False, "font": {"size": FONT_SIZE + 2, "color": "#888"}}


def fill(template: str, **fields: Any) -> str:
    """A translated hover template with its named fields ``{name}`` filled in; plotly's own ``%{x}``,
    ``%{y:.3g}`` … are left for plotly (``str.format`` would take them for fields)."""
    return re.sub(r"(?<!%)\{(\w+)\}", lambda m: str(fields[m.group(1)]), template)


def vline(x: float, color: str, dash: str, text: str = "", left: bool = False) -> list[dict[str, Any]]:
    """A vertical line over the whole plot height and its label at the top: [shape, annotation]."""
    shape = {"type": "line", "x0": x, "x1": x, "xref": "x", "y0": 0, "y1": 1, "yref": "paper",
             "layer": "below", "line": {"color": color, "width": 1.5, "dash": dash}}
    note = {"text": text, "x": x, "xref": "x", "y": 1, "yref": "paper", "yanchor": "bottom",
            "showarrow": False, "xanchor": "right" if left else "left",
            "font": {"size": FONT_SIZE, "color": "#555"}}
    return [shape, note]


def empty_figure(title: str, x_title: str, y_title: str, *, uirevision: str,
                 x_range: Sequence[float] = (0, 1), y_range: Sequence[float] = (0, 1),
                 y_log: bool = False, text: str | None = None) -> go.Figure:
    """Empty axes with fixed ranges and a hint (``y_range`` in log10 units when ``y_log``; ``text``
    translated by the caller, None for "Press Train to start")."""
    y = log_axis(y_range) if y_log else {"range": list(y_range)}
    return make_figure([], title, x_title, y_title, uirevision=uirevision, x={"range": list(x_range)}, y=y,
                       annotations=[hint(text)])


def num(v: Any) -> float:
    """A float, NaN for None or anything that is not a finite number."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return math.nan
    return f if math.isfinite(f) else math.nan


def positive(values: Iterable[Any]) -> np.ndarray:
    """Values for a log axis as an array: NaN (a gap in the line) where a value is missing, non-finite
    or ≤ 0. Arrays, not lists: plotly checks a 1500-point list ~10× slower."""
    a = np.fromiter(map(num, values), dtype=float)
    return np.where(a > 0, a, np.nan)


def log_range(*arrays: np.ndarray, default: Sequence[float] = (-3.0, 1.0)) -> list[float]:
    """[lo, hi] in log10 units covering the positive values, rounded outward to quarter decades."""
    a = np.concatenate([np.asarray(x, dtype=float).ravel() for x in arrays]) if arrays else np.zeros(0)
    a = a[np.isfinite(a) & (a > 0)]
    if not a.size:
        return list(default)
    lo, hi = math.log10(float(a.min())), math.log10(float(a.max()))
    return [math.floor(lo * 4 - 0.5) / 4, math.ceil(hi * 4 + 0.5) / 4]


def _any(a: np.ndarray) -> bool:
    return bool(np.any(np.isfinite(a)))


def log_axis(y_range: Sequence[float]) -> dict[str, Any]:
    """A log axis on a fixed range (log10 units) with full-size tick labels: decades, or 1-2-5 steps
    when the range spans less than two decades."""
    lo, hi = y_range
    mult = (1,) if hi - lo >= 2 else (1, 2, 5)
    stride = max(1, math.ceil((hi - lo) / MAX_TICKS))                  # every k-th decade on a long axis
    ticks = [(m, k) for k in range(math.floor(lo), math.ceil(hi) + 1) for m in mult
             if lo <= math.log10(m) + k <= hi and (k - math.floor(lo)) % stride == 0]
    return {"type": "log", "range": list(y_range), "tickvals": [m * 10.0 ** k for m, k in ticks],
            "ticktext": [f"10<sup>{k}</sup>" if m == 1 and abs(k) >= 3 else f"{m * 10.0 ** k:g}"
                         for m, k in ticks]}


def nice_ceil(v: float) -> float:
    """The smallest of 1, 2, 5 × 10^n that is ≥ v (so a growing range changes rarely)."""
    if not math.isfinite(v) or v <= 0:
        return 1.0
    p = 10.0 ** math.floor(math.log10(v))
    return next(m * p for m in (1, 2, 5, 10) if m * p >= v * (1 - 1e-12))


def history(snap: Any) -> tuple[Any, ...]:
    """The snapshot's records, () for no snapshot."""
    return tuple(getattr(snap, "history", ()) or ()) if snap is not None else ()


def _worst_loss(rec: Any) -> float:
    """The larger of a record's training and held-out loss: inf if either overflowed, NaN if neither
    is known (the step-0 record of a task without a held-out loss)."""
    vals = []
    for v in (getattr(rec, "train_loss", None), getattr(rec, "val_loss", None)):
        try:
            vals.append(float(v))
        except (TypeError, ValueError):
            continue
    return max((v for v in vals if not math.isnan(v)), default=math.nan)


def scale_histories(snaps: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Each run's records that may set a scale shared by several runs (compare mode's overlays and its
    gradient colours), so that a run that blew up cannot squeeze the others off the chart.

    The rule: a record counts if its training and held-out losses are at most 10^BLOWUP_DECADES times
    the best-behaved run's largest loss (the smallest of the runs' largest finite losses, in practice
    the untrained model's loss, which the runs share); a run that stopped counts only its records
    before its first one past that bound, since from there it was on its way to the stop. The records
    that do not count are still drawn: the line leaves the chart at the top, towards the stop's ✕.
    A run alone keeps every record up to any infinite loss (its largest finite loss is the reference)."""
    hists = [history(s) for s in snaps]
    worst = [[_worst_loss(r) for r in h] for h in hists]
    tops = [max((w for w in ws if math.isfinite(w)), default=math.nan) for ws in worst]
    ref = min((t for t in tops if t > 0), default=math.nan)             # NaN > … is False: keep all
    bound = ref * 10.0 ** BLOWUP_DECADES
    kept = []
    for s, h, ws in zip(snaps, hists, worst, strict=True):
        ok = [not w > bound for w in ws]
        if getattr(s, "stop", None) is not None:
            ok = list(accumulate(ok, operator.and_))          # False from the first miss on
        kept.append(tuple(r for r, k in zip(h, ok, strict=True) if k))
    return kept


def step_range(steps: Sequence[int], x_max: int | None) -> list[float]:
    """[0, the steps so far (+10 %) rounded up to 1, 2, 5 × 10^n, at least 100], capped at x_max (the
    run's total steps) when given: the axis widens a few times in a run instead of every frame, and a
    long run does not squeeze its first steps into the left edge."""
    last = max([*steps, 0])
    hi = nice_ceil(max(100.0, 1.1 * last))
    if x_max and x_max >= last:
        hi = min(hi, x_max)
    return [0, hi]


def event_markers(hist: Sequence[Any], y_top: float) -> tuple[list[dict[str, Any]], list[go.Scatter]]:
    """Where a knob changed mid-run: dotted vertical lines (shapes) and a marker on top of each whose
    hover says what changed (a trace)."""
    xs, texts = [], []
    for prev, rec in zip((None, *hist[:-1]), hist, strict=True):
        if getattr(rec, "changes", ()):
            xs.append(prev.step if prev is not None else rec.step)   # the change was made after prev
            texts.append(changes(rec.changes))
    shapes = [vline(x, COLORS["event"], "dot")[0] for x in xs]
    return shapes, [go.Scatter(
        x=xs, y=[y_top] * len(xs), mode="markers", name=_("knob change"), hovertext=texts,
        marker={"symbol": "triangle-down", "size": 13, "color": COLORS["event"]}, cliponaxis=False,
        hovertemplate=_("step %{x}: %{hovertext}<extra>knob change</extra>"))] if xs else []


# ----------------------------------------------------------------------------- loss


def activation_scale(activation: str, z: np.ndarray, zmax: float | None = None) -> dict[str, Any]:
    """Fixed colour range of h_t for the activation: tanh [-1, 1] diverging, sigmoid [0, 1],
    relu [0, max seen] (``zmax``: a running max the page keeps; rounded up to 1, 2, 5 × 10^n)."""
    if activation == "tanh":
        return {"zmin": -1.0, "zmax": 1.0, "colorscale": "RdBu_r"}
    if activation == "sigmoid":
        return {"zmin": 0.0, "zmax": 1.0, "colorscale": "Viridis"}
    seen = float(np.nanmax(np.abs(z))) if np.any(np.isfinite(z)) else 1.0
    top = nice_ceil(max(seen, num(zmax) if zmax is not None and math.isfinite(num(zmax)) else 0.0))
    if activation == "relu":
        return {"zmin": 0.0, "zmax": top, "colorscale": "Viridis"}
    return {"zmin": -top, "zmax": top, "colorscale": "RdBu_r"}
