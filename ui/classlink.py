"""This session in a class (issue "The class"; the store is ``classroom/``, docs/architecture.md "The
class in the app"): ``?class=CODE`` on any page asks for a nickname and joins; from then on every run
the student trains is posted to the class (every few seconds while it trains and when it ends), every
checkpoint answer too, and the URL of every page carries ``?class=`` (so Share and the checkpoint links
keep it).

Owner: ``Session.member`` (the class joined: code, token, nickname, the posts' outbox) and
``Session.lecturer`` (the lecturer keys this session opened, by class) are written here only; a run's id
on the board is ``RunState.class_run``, given here at its first post. Posts never wait for the database:
they go through the member's outbox (``classroom.outbox``), which sends them in order from a thread of
its own and retries them while the database is down or locked; the sidebar says so, quietly.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from classroom import ClassError, Store
from classroom.codes import normalise_code
from classroom.outbox import Outbox, shared_store
from rnn_core import classpost, i18n, schema
from rnn_core.experiments import get_experiment
from rnn_core.i18n import _

from .state import Attempt, PageRuns, session

LOG = logging.getLogger(__name__)
PARAM, KEY, SEAT = "class", "key", "seat"
POST_EVERY = 2.0                 # seconds between two posts of a page's runs while they train
QUIET = 60.0                     # seconds without run posts after a refusal
DOWN = (SQLAlchemyError, OSError)


@dataclass
class Member:
    """The class this session joined."""

    code: str                                   # as shown: K7Q-M2X-9HD
    token: str
    nickname: str
    number: int                                 # the student's number on the board (joining order)
    outbox: Any                                 # classroom.outbox.Outbox
    last_post: dict[str, float] = field(default_factory=dict)   # run id → time of its last post
    finals: set[str] = field(default_factory=set)              # run ids posted as finished, at that step
    withdrawn: set[str] = field(default_factory=set)
    answers: dict[str, tuple[Any, Any]] = field(default_factory=dict)   # checkpoint → (guess, outcome) posted
    quiet_until: float = 0.0                    # after a refusal: no run posts until then (monotonic)


def store() -> Store:
    """The class store of this server process (RNNX_DATABASE_URL or the SQLite file)."""
    return shared_store()


def down_message(e: BaseException) -> str:
    """What a person reads when the class's database does not answer."""
    LOG.warning("class store: %s", e)
    return _("The class's database is not answering right now; try again in a moment.")


def member() -> Member | None:
    return session().member


# ----------------------------------------------------------------------------- the link


def read_link() -> None:
    """At the top of every page: ``?class=`` of the link (and ``?seat=``, the student's token, which this
    session's URL carries so that a reload or the browser's history finds the student again). A code of
    no class is dropped with a notice; the class this session joined is put (back) in the URL, so every
    link made from it keeps it (Share and the checkpoint links carry ``class`` only, never the seat)."""
    s = session()
    raw = st.query_params.get(PARAM)
    known = [c for c in (s.member.code if s.member else None, s.invited) if c]   # checked already
    if raw is not None and normalise_code(str(raw)) not in {normalise_code(c) for c in known}:
        try:
            shown = store().check(str(raw)) if normalise_code(str(raw)) else None
        except ClassError:
            shown = None
        except DOWN as e:
            s.notices.append(down_message(e))
            return
        if shown is None:
            for k in (PARAM, SEAT):
                if k in st.query_params:
                    del st.query_params[k]
            s.notices.append(_("Ignored class={text} from the link: no class has this code (mistyped, "
                               "expired or deleted).").format(text=schema.short(raw)))
        elif not _back(shown, str(st.query_params.get(SEAT, ""))):
            s.invited = shown
    if s.member is not None:
        for k, v in ((PARAM, s.member.code), (SEAT, s.member.token)):
            if st.query_params.get(k) != v:
                st.query_params[k] = v


def _back(code: str, token: str) -> bool:
    """A student back with their seat (a reload, a new tab from the history): their membership again."""
    if not token:
        return False
    try:
        number, name = store().student(code, token)
    except (ClassError, *DOWN):
        if SEAT in st.query_params:
            del st.query_params[SEAT]
        return False
    s = session()
    s.member, s.invited = Member(code, token, name, number, Outbox(store, code, token)), None
    return True


def _joined() -> None:
    """The Join button (a callback only sets what to do: the page run joins)."""
    session().join_asked = True


def join_box(where: str) -> None:
    """The invitation of ``?class=`` while this session has not joined it: a nickname, Join."""
    s = session()
    code = s.invited
    if code is None or (s.member is not None and s.member.code == code):
        return
    if s.join_asked:
        s.join_asked = False
        _join(code, str(st.session_state.get(f"class_nick_{where}", "")))
        if s.member is not None and s.member.code == code:
            st.rerun()
    with st.container(border=True, key=f"class_join_{where}"):
        st.markdown(_("**Join class {code}**").format(code=code))
        if s.member is not None:
            st.caption(_("You are in class {code} as {name}; joining this one leaves it.").format(
                code=s.member.code, name=s.member.nickname))
        st.text_input(_("Your nickname"), key=f"class_nick_{where}", max_chars=32,
                      placeholder=_("a name the lecturer will know"),
                      help=_("No account, no e-mail: the lecturer sees this name, the other students do "
                             "not (unless the lecturer shows names)."))
        st.button(_("Join"), key=f"class_join_btn_{where}", type="primary", on_click=_joined,
                  icon=":material/group_add:")
        if s.join_error:
            st.error(s.join_error, icon=":material/error:")


def _join(code: str, nickname: str) -> None:
    s = session()
    s.join_error = None
    try:
        token = store().join(code, nickname)
        number, name = store().student(code, token)
    except ClassError as e:
        s.join_error = str(e)
        return
    except DOWN as e:
        s.join_error = down_message(e)
        return
    s.member = Member(code, token, name, number, Outbox(store, code, token))
    s.invited = None
    st.query_params[PARAM], st.query_params[SEAT] = code, token
    s.notices.append(_("You joined class {code} as {name}: your runs and predictions go to its board.")
                     .format(code=code, name=name))


def _leave() -> None:
    s = session()
    s.member, s.invited = None, None
    s.leave_asked = True


def status_box() -> None:
    """In the sidebar: the class joined, what is posted, a quiet notice while posts wait, a refusal
    once; Leave."""
    s = session()
    if s.leave_asked:
        s.leave_asked = False
        for k in (PARAM, SEAT):
            if k in st.query_params:
                del st.query_params[k]
    m = s.member
    if m is None:
        return
    stat = m.outbox.status()
    with st.container(border=True, key="class_status"):
        st.markdown(_("**Class {code}** · {name}").format(code=m.code, name=m.nickname))
        st.caption(_("Your runs and predictions go to the class's board.") + " " + i18n.ngettext(
            "{n} post sent.", "{n} posts sent.", stat.sent).format(n=i18n.integer(stat.sent)))
        if stat.failing:
            st.caption(i18n.ngettext("{n} post waits: the class's database is not answering; it is sent "
                                     "when it is back, and training goes on.",
                                     "{n} posts wait: the class's database is not answering; they are sent "
                                     "when it is back, and training goes on.", stat.pending).format(
                n=i18n.integer(stat.pending)))
        for message in m.outbox.take_refused():
            st.toast(message, icon=":material/block:")
            m.quiet_until = time.monotonic() + QUIET       # a closed class or a limit: not every 2 s again
        st.button(_("Leave the class"), key="class_leave", type="tertiary", on_click=_leave,
                  icon=":material/logout:")


# ----------------------------------------------------------------------------- posting


def post_runs(page: PageRuns) -> None:
    """After a tick: each run of the page that trained since its last post is posted, at most every
    POST_EVERY seconds × the page's runs while it trains (a comparison's runs share the pace: the store
    takes 60 posts a minute), and once more when it is done. Only queued here; the outbox sends it."""
    m = member()
    now = time.monotonic()
    if m is None or now < m.quiet_until:
        return
    exp = get_experiment(page.exp_id)
    every = POST_EVERY * len(page.runs)
    for state in page.runs:
        snap = state.snap
        if snap.step <= 0:
            continue
        if state.class_run is None:
            state.class_run = uuid.uuid4().hex[:12]
        rid = state.class_run
        if rid in m.withdrawn:
            continue
        done_key = f"{rid}@{snap.step}"
        if snap.done:
            if done_key in m.finals:
                continue
            m.finals.add(done_key)
        elif now - m.last_post.get(rid, -every) < every:
            continue
        m.last_post[rid] = now
        m.outbox.post_run(rid, **classpost.payload(exp, snap, state.trainer.history))


def post_answer(a: Attempt) -> None:
    """A checkpoint's prediction once locked in, and again with the outcome of the student's run."""
    m = member()
    if m is None or a.guess is None:
        return
    outcome = None if a.outcome is None else a.outcome.answer
    if m.answers.get(a.id) == (a.guess, outcome):
        return
    m.answers[a.id] = (a.guess, outcome)
    m.outbox.post_answer(a.id, a.guess, outcome)


def withdraw(run_id: str) -> None:
    """Take one of this student's runs off the board (and post it no more)."""
    m = member()
    if m is None:
        return
    m.withdrawn.add(run_id)
    m.outbox.withdraw_run(run_id)
