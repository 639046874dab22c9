"""The sidebar knobs: one widget per setting the experiment lets a person change, made from its
declaration (rnn_core.schema.Knob: section, widget kind, grid, when it is in effect, which task limit
narrows it), keyed by the setting's name and bound to the URL.

``…/sine_wave?hidden_size=37&lr=0.01`` opens with those values: a widget's default is the value of the
preset in force, so the URL carries the preset and only the knobs that differ from it. Switching preset
(or pressing Defaults) only sets a flag; the next run writes that preset's values into session state
before any knob widget is created. A knob the person changes sets a flag too (``mark_changed``); the
next run writes what goes with the new value (``Experiment.implied``: LSTM brings the torch backend)
into the other knobs, before any widget exists, and says so. Ranges: ui/limits.py.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from rnn_core.config import RunConfig
from rnn_core.experiments import Experiment
from rnn_core.i18n import N_, _, ngettext
from rnn_core.schema import LIVE_KNOBS

from . import urls, words
from .limits import Limits, clamp, from_widget, to_widget
from .state import WIDGETS, session

TITLES = {"model": N_("Model"), "training": N_("Training"), "task": N_("Task"), "more": N_("More settings")}
FOLDED = ("more",)                                 # sections in an expander
BY_NAME = ("radio", "select", "grid", "steps")
# ^ widgets that show a value by a name or in the language's number style: kept in the URL here, not by
#   Streamlit (a bound widget writes what it shows into the URL: "全局范数", "0,001"; see ui/urls.py)


def knob_values(exp: Experiment, run: RunConfig) -> dict[str, Any]:
    """Widget values of a run config for the knobs the experiment shows (None → the "none" word)."""
    d = run.as_dict()
    return {k: to_widget(exp.knob(k), d[k]) for k in exp.knobs}


def clamped(exp: Experiment, values: dict[str, Any], lim: Limits) -> dict[str, Any]:
    """Widget values moved into the widgets' ranges."""
    return {k: clamp(exp.knob(k), v, lim) for k, v in values.items()}


def settings_of(exp: Experiment, values: dict[str, Any]) -> dict[str, Any]:
    """Widget values as settings (the "none" word → None)."""
    return {k: from_widget(exp.knob(k), v) for k, v in values.items()}


def run_from_values(exp: Experiment, preset: str, values: dict[str, Any], data: Any = None) -> RunConfig:
    """The run config of the widget values for ``data`` (ValueError with a plain message if they do
    not fit)."""
    return exp.fit_run(exp.preset(preset).replace(**settings_of(exp, values)), data)


def fit_state(exp: Experiment, lim: Limits) -> None:
    """Move knob values already in session state into the ranges of ``lim``: other data (an upload)
    can shrink them, and a widget whose value lies outside its range raises."""
    ss = st.session_state
    now = {k: ss[k] for k in exp.knobs if k in ss}
    for k, v in clamped(exp, now, lim).items():
        if v != now[k]:
            ss[k] = v


def request_defaults() -> None:
    """Callback of the preset radio and of Defaults: the next run writes the preset's values."""
    session().preset_changed = True


def mark_changed(name: str) -> None:
    """Callback of every knob widget: the next run applies what goes with its new value."""
    session().changed.append(name)


def preset_widget(exp: Experiment, restore: str | None, fresh: bool) -> str:
    """The preset radio (first in the sidebar), kept in the URL by name (``?preset=article``);
    ``restore`` sets it when re-entering a page, a link's preset when arriving."""
    key, ss = WIDGETS["preset"], st.session_state
    link = st.query_params.get("preset") if fresh and restore is None else None
    if restore is not None or link in exp.presets:
        ss[key] = restore if restore is not None else link
    elif link is not None:
        del st.query_params["preset"]
        session().notices.append(words.ignored("preset", link, _("expected one of {names}").format(
            names=", ".join(exp.presets))))
    if ss.get(key) not in exp.presets:
        ss.pop(key, None)                                          # another page's preset name
    chosen = st.radio(_("Preset"), exp.presets, key=key, horizontal=True,
                      format_func=words.bound(words.preset),
                      on_change=request_defaults, help=_(exp.preset_help))
    st.button(_("Defaults"), key="defaults", icon=":material/settings_backup_restore:",
              on_click=request_defaults, help=_("Every knob back to the preset's value."))
    urls.keep({"preset": chosen}, {"preset": exp.presets[0]})
    return chosen


SPEEDS = {"slow": N_("slow"), "normal": N_("normal"), "fast": N_("fast"), "max": N_("fastest")}


def speed_widget(fresh: bool) -> str:
    """How fast a run is shown (kept in the URL as ``?speed=``): a short run is spread over enough ticks
    to be watched, or trained as fast as the machine allows."""
    key = WIDGETS["speed"]
    link = st.query_params.get("speed") if fresh else None
    if link in SPEEDS:
        st.session_state[key] = link
    elif link is not None:
        del st.query_params["speed"]
        session().notices.append(words.ignored("speed", link, _("expected one of {names}").format(
            names=", ".join(SPEEDS))))
    st.session_state.setdefault(key, "normal")
    speed = st.select_slider(
        _("Speed"), list(SPEEDS), key=key, format_func=words.bound(lambda s: _(SPEEDS[s])),
        help=_("How fast a run is shown: slow, normal (a short run takes about 10 s), fast, or as fast as "
               "the machine allows.")) or "normal"
    urls.keep({"speed": speed}, {"speed": "normal"})
    return speed


def seed_state(values: dict[str, Any]) -> None:
    """Write knob values into session state (only before the knob widgets of this run exist)."""
    for k, v in values.items():
        st.session_state[k] = v


def preset_changed() -> bool:
    """True once after the preset radio changed or Defaults was pressed."""
    changed, session().preset_changed = session().preset_changed, False
    return changed


def apply_implied(exp: Experiment, lim: Limits) -> str | None:
    """What goes with the knobs the person just changed, written into the other knobs (never over the
    changed ones); a notice of what moved, None if nothing did. Before any knob widget exists."""
    names, session().changed = list(dict.fromkeys(session().changed)), []
    ss = st.session_state
    chosen = {n: from_widget(exp.knob(n), ss[n]) for n in names if n in exp.knobs and n in ss}
    extra = {k: v for k, v in exp.implied(chosen, pinned=chosen).items() if k in exp.knobs}
    moved = {}
    for k, v in extra.items():
        w = clamp(exp.knob(k), to_widget(exp.knob(k), v), lim)
        if ss.get(k) != w:
            ss[k], moved[k] = w, v
    return words.implied(exp, chosen, moved) if moved else None


def render_knobs(exp: Experiment, preset: str, lim: Limits, compared: str | None = None,
                 shown: tuple[str, ...] | None = None) -> dict[str, Any]:
    """Every knob widget of the sidebar, by section; returns the widget values by setting name. The
    ``compared`` knob's widget is disabled: the comparison sets it. With ``shown`` (a lecturer's
    ``?show=``), only those knobs have widgets; the others keep the link's or the preset's value."""
    d = clamped(exp, knob_values(exp, exp.preset(preset)), lim)      # widget defaults: the preset's
    ss = st.session_state
    v: dict[str, Any] = {n: ss.get(n, d[n]) for n in exp.knobs if shown is not None and n not in shown}
    for section, title in TITLES.items():
        names = [n for n in exp.knobs if exp.knob(n).section == section and (shown is None or n in shown)]
        if not names:
            continue
        with st.expander(_(title)) if section in FOLDED else st.container():
            if section not in FOLDED:
                st.subheader(_(title), anchor=False)
            for name in names:
                v[name] = _widget(exp, name, d[name], lim, v, compared == name)
    by_name = [n for n in exp.knobs if exp.knob(n).widget_kind in BY_NAME]
    urls.keep({n: exp.knob(n).format(from_widget(exp.knob(n), v[n])) for n in by_name},
              {n: exp.knob(n).format(from_widget(exp.knob(n), d[n])) for n in by_name})
    return v


def _help(exp: Experiment, name: str) -> str:
    knob = exp.knob(name)
    how = {"live": _("Applied to the running model."), "rebuild": _("Changing it builds a new model.")}
    why = (" " + _("The widget goes up to {top}: {why}.").format(top=knob.format(knob.widget_hi),
                                                             why=_(knob.ui_why)) if knob.ui_why else "")
    return f"{_(knob.help)} {how.get(knob.applies, '')}{why}"


def _widget(exp: Experiment, name: str, default: Any, lim: Limits, v: dict[str, Any],
            compared: bool = False) -> Any:
    """The widget of one knob, its kind and range from its declaration and the task's limits; disabled
    while another knob makes it irrelevant (momentum without the momentum optimizer), when its range
    is a single value, or while a comparison sets it."""
    knob = exp.knob(name)
    lo, hi = knob.lo, lim.hi(knob)
    kind = knob.widget_kind
    single = len(lim.options(knob)) == 1 if kind in ("grid", "steps") else lo is not None and hi == lo
    off = compared or not knob.in_effect(settings_of(exp, v)) or single
    why = " " + _("Set by the comparison (Compare runs, above).") if compared else ""
    common = {"key": name, "help": _help(exp, name) + why, "disabled": off, "on_change": mark_changed,
              "args": (name,)}
    label = words.label(name)
    if kind in ("radio", "select"):
        index = knob.choices.index(default) if default in knob.choices else 0
        make = st.radio if kind == "radio" else st.selectbox
        extra = {"horizontal": True} if kind == "radio" else {}
        return make(label, knob.choices, index=index, format_func=words.choice(name), **extra, **common)
    if kind in ("grid", "steps"):
        fmt = words.number if kind == "grid" else (lambda x: words.value(name, from_widget(knob, x)))
        return st.select_slider(label, lim.options(knob), value=default, format_func=words.bound(fmt),
                                **common)
    common["bind"] = "query-params"
    if kind == "number":
        return st.number_input(label, int(lo), int(knob.hi), value=int(default), step=1, **common)
    if knob.kind == "int":
        return st.slider(label, int(lo), max(int(hi), int(lo) + 1), value=int(default), step=1, **common)
    return st.slider(label, float(lo), float(hi), value=float(default), step=knob.step, **common)


def needs_rebuild(old: RunConfig, new: RunConfig) -> list[str]:
    """Settings that differ and need a new model or task (everything but the live knobs)."""
    return [k for k in old.diff(new) if k not in LIVE_KNOBS]


def model_summary(run: RunConfig) -> str:
    """A short description of a run's model, e.g. "RNN (tanh), 32 hidden units, numpy"."""
    m = run.model
    cell = m.cell.upper() + (f" ({m.activation})" if m.cell == "rnn" else "")
    units = ngettext("{n} hidden unit", "{n} hidden units", m.hidden_size).format(n=m.hidden_size)
    return f"{cell}, {units}, {m.backend}"
