"""Checkpoints in the app: a lesson's question asked before the run, answered by the student's own run
(what a checkpoint is, the course and the progress code: rnn_core/checkpoints).

A checkpoint is open on its page while the URL says ``?checkpoint=<id>``, beside its setup's settings,
so the link is the checkpoint. Opening one (a link from Home, Previous / Next, a shared link) builds the
page's runs from its setup; the card above the buttons asks the question; Train and Step wait for a
prediction or "Skip — just show me"; when the runs reach the checkpoint's ``until`` (their end, a step,
a run that stopped) the card reveals the answer measured from these runs, whether the prediction was
right, and the explanation with the run's numbers ("this run came out otherwise" where it did).

In front of a class (``?present=1``) the question is large and the choices numbered; Train needs no
prediction (the class predicts by hand, or on the class board) and the lecturer shows the answer with
Reveal once the runs got there.

State (docs/architecture.md, "Where state lives"): ``Session.attempt`` (the checkpoint open, the
prediction, the outcome) and ``Session.progress`` (the course's marks, also in the URL as
``?progress=<code>``); this module and its card (ui/checkcard.py) are their only writers. The runs are
ui/live.py's: this module asks it to build them afresh (``live.discard``), the card to pause them where
the answer is revealed (``live.watch``: ``PageRuns.until``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import streamlit as st

from rnn_core import i18n, schema
from rnn_core.checkpoints import COURSE, Checkpoint, Progress, get_checkpoint
from rnn_core.checkpoints.course import MISSED, RIGHT
from rnn_core.checkpoints.setup import parse_setup
from rnn_core.experiments import Experiment, get_experiment
from rnn_core.i18n import _

from . import live
from .limits import Limits, refusal, to_widget
from .nav import page_of
from .state import WIDGETS, Attempt, session

PARAM, PROGRESS = "checkpoint", "progress"
CARRIED = ("lang", "present", "class")               # what a checkpoint's link keeps of the URL it leaves
NONE = "none"                                 # compare mode's "one run" (ui/compare.py)
ICONS = {RIGHT: ":material/check_circle:", MISSED: ":material/cancel:"}
OPEN_ICON = ":material/radio_button_unchecked:"


# ----------------------------------------------------------------------------- progress

def progress() -> Progress:
    """The session's progress through the course (blank at first)."""
    s = session()
    if s.progress is None or len(s.progress.marks) != len(COURSE.checkpoints):
        s.progress = COURSE.blank()
    return s.progress


def code() -> str | None:
    """The progress code of the session, None while nothing is answered."""
    p = progress()
    return COURSE.encode(p) if p.answered else None


def read_progress() -> None:
    """A link's ``?progress=``: its marks join the session's (where the session has none yet); a code that
    is not one of this course is dropped with a notice. Then the URL carries the session's code."""
    raw = st.query_params.get(PROGRESS)
    if raw is not None and raw != code():
        try:
            linked = COURSE.decode(raw)
        except ValueError as e:
            session().notices.append(_("Ignored progress={text} from the link: {why}").format(
                text=schema.short(raw), why=e))
        else:
            mine = progress().marks
            session().progress = Progress(tuple(m or other for m, other in zip(mine, linked.marks,
                                                                             strict=True)))
    keep_progress()


def keep_progress() -> None:
    now = code()
    if now is None:
        if PROGRESS in st.query_params:
            del st.query_params[PROGRESS]
    elif st.query_params.get(PROGRESS) != now:
        st.query_params[PROGRESS] = now


def link_params(cp: Checkpoint) -> dict[str, str]:
    """The query of a checkpoint's link: its setup, its id, the progress, and the language and presenter
    mode of the page it is left from."""
    params = dict(parse_qsl(cp.setup))
    params[PARAM] = cp.id
    params |= {k: str(st.query_params[k]) for k in CARRIED if k in st.query_params}
    if (now := code()) is not None:
        params[PROGRESS] = now
    return params


def link(cp: Checkpoint, label: str, icon: str | None = None, here: str | None = None,
         where: str = "") -> None:
    """What opens ``cp``: a link to its page with its setup, or, on its own page (``here``), a button
    that opens it in place (a link to the page it is on would leave the knobs the URL binds behind)."""
    if cp.page != here:
        st.page_link(page_of(get_experiment(cp.page)), label=label, icon=icon, query_params=link_params(cp))
    else:
        st.button(label, key=f"cp_go_{where}_{cp.id}", icon=icon, type="tertiary", on_click=_go,
                  args=(cp.id,))


def first_open() -> Checkpoint:
    """The first checkpoint of the course not answered yet (the first if every one is)."""
    marks = progress().marks
    return next((c for c, m in zip(COURSE.checkpoints, marks, strict=True) if not m), COURSE.checkpoints[0])


# ----------------------------------------------------------------------------- opening one

def _go(cp_id: str) -> None:
    """A checkpoint's button on its own page: open it at the next run (see ``arrive``)."""
    session().go = cp_id


def arrive(exp: Experiment) -> None:
    """Before the sidebar: the link's progress; then a checkpoint to open — one asked for by a button on
    this page, or the link's ``?checkpoint=`` when it is not the one open — is opened in place."""
    read_progress()
    s = session()
    go, s.go = s.go, None
    if go is not None and get_checkpoint(go).page == exp.id:
        open_checkpoint(exp, get_checkpoint(go))
        return
    raw = st.query_params.get(PARAM)
    if raw is None:
        return
    try:
        cp = get_checkpoint(str(raw))
        if cp.page != exp.id:
            raise ValueError(_("it belongs to the page {title}").format(
                title=_(get_experiment(cp.page).title)))
    except ValueError as e:
        del st.query_params[PARAM]
        s.notices.append(_("Ignored checkpoint={text} from the link: {why}").format(
            text=schema.short(raw), why=e))
        return
    if s.attempt is None or s.attempt.id != cp.id:
        open_checkpoint(exp, cp)


def open_checkpoint(exp: Experiment, cp: Checkpoint) -> None:
    """Make ``cp`` the checkpoint open: the page's runs dropped, so that this run builds its setup's; the
    widgets the app keeps in the URL itself (preset, comparison) set to the setup, the knobs seeded by
    the sidebar from the setup (``opening``: they are bound to the URL by Streamlit, which then writes
    them there), the URL's other settings dropped (language, presenter mode, progress, knobs shown and
    speed stay)."""
    setup = parse_setup(exp, cp.setup)
    keep = {*CARRIED, PROGRESS, "show", "speed", "box_open", "seat"}
    for k in [k for k in st.query_params if k not in keep and k not in exp.knobs]:
        del st.query_params[k]                          # (the knobs are bound: their widgets write them)
    ss = st.session_state
    ss[WIDGETS["preset"]] = setup.preset
    if setup.spec is None:
        ss[WIDGETS["compare_knob"]] = NONE
        ss.pop(WIDGETS["compare_values"], None)
    else:
        ss[WIDGETS["compare_knob"]] = setup.spec.knob
        ss[WIDGETS["compare_values"]] = [exp.knob(setup.spec.knob).format(v) for v in setup.spec.values]
    st.query_params[PARAM] = cp.id
    live.discard(exp.id)
    s = session()
    s.compare_error, s.attempt, s.opening = None, Attempt(cp.id), cp.id


def setup_values(exp: Experiment, lim: Limits) -> dict[str, Any] | None:
    """The knob values of the checkpoint being opened in this run (as the widgets hold them, with what
    goes with them), None if none is: the sidebar seeds the knobs with them over the preset's."""
    s = session()
    opening, s.opening = s.opening, None
    if opening is None:
        return None
    chosen = parse_setup(exp, get_checkpoint(opening).setup).chosen
    extra = {k: v for k, v in exp.implied(chosen, pinned=chosen).items()
             if k in exp.knobs and not refusal(exp.knob(k), v, lim)}
    return {k: to_widget(exp.knob(k), v) for k, v in {**chosen, **extra}.items()}


def page_list(exp: Experiment) -> None:
    """The page's checkpoints, each a link that opens it (in the lesson), with the student's marks."""
    mine = [(i, c) for i, c in enumerate(COURSE.checkpoints) if c.page == exp.id]
    if not mine:
        return
    marks = progress().marks
    st.markdown(_("#### Predict, then see"))
    st.caption(_("Each checkpoint asks first, then your run answers."))
    for i, cp in mine:
        link(cp, f"{i18n.integer(i + 1)}. {_(cp.title)}", ICONS.get(marks[i], OPEN_ICON), exp.id, "lesson")


# ----------------------------------------------------------------------------- Home

def course_overview() -> None:
    """Home's course: each page's checkpoints in teaching order, answered / right so far, one click to
    each; the progress and the link that keeps it."""
    p, n = progress(), len(COURSE.checkpoints)
    st.subheader(_("The course: predict, then see"), anchor=False)
    st.markdown(_("Each checkpoint asks a question before a run: predict, then train and see what your own "
                  "run says. Students who predict first understand a demonstration better than those who "
                  "only watch it."))
    st.progress(p.answered / n, text=_("{answered} of {n} checkpoints answered, {right} right").format(
        answered=i18n.integer(p.answered), n=i18n.integer(n), right=i18n.integer(p.right)))
    start = first_open()
    label = _("Start the course") if not p.answered else _("Go on: {title}").format(title=_(start.title))
    link(start, f"**{label}**", ":material/play_arrow:")
    marks = dict(zip((c.id for c in COURSE.checkpoints), p.marks, strict=True))
    number = {c.id: i for i, c in enumerate(COURSE.checkpoints, 1)}
    for row in range(0, len(COURSE.pages), 3):
        for col, page_id in zip(st.columns(3), COURSE.pages[row:row + 3], strict=False):
            exp = get_experiment(page_id)
            with col.container(border=True, height="stretch"):
                st.markdown(f"**{_(exp.title)}**")
                for cp in (c for c in COURSE.checkpoints if c.page == page_id):
                    link(cp, f"{i18n.integer(number[cp.id])}. {_(cp.title)}",
                         ICONS.get(marks[cp.id], OPEN_ICON))
    if p.answered:
        st.caption(_("Your progress is in this page's link (progress={code}): keep it to come back to it.")
                   .format(code=code()))
