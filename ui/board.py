"""The Class page (issue "The class"; docs/architecture.md "The class in the app"): start a class, join
one, and its board.

* Nobody's class yet: "Start a class" (a new code and lecturer key) or "Join a class" (code, nickname).
* The lecturer (``?class=CODE&key=KEY``, the private link): the code large, a QR code of the join link,
  the links, the board with nicknames; show names to students, close, export as CSV, delete.
* A student (``?class=CODE``): join with a nickname, then the board without the other students' names
  (unless the lecturer shows them) and their own runs, each of which they may withdraw.

The board redraws every second (a fragment; the charts update in place) from one read of the class
shared by every session of this server process for a second (``classadmin.read``), so sixty students with the
board open read the database once a second, not sixty times.
"""

from __future__ import annotations

import streamlit as st

from classroom import Board, ClassError
from rnn_core import i18n
from rnn_core.checkpoints import COURSE
from rnn_core.experiments import Experiment, experiments, get_experiment
from rnn_core.i18n import _

from . import boardfigs, classadmin, classlink, lang, present, urls, words
from .charts import chart
from .classlink import DOWN, KEY, PARAM
from .mpa import through_app
from .state import session

REFRESH = 1.0                     # seconds between two redraws of the board
EXAMPLE_CODE = "K7Q-M2X-9HD"      # the code box's placeholder (a code's shape, not words)
STYLE = """<style>
.class-code { font-size: 3.2rem; font-weight: 700; letter-spacing: 0.12em; font-family: monospace;
              line-height: 1.1; white-space: nowrap; }
.class-code.projected { font-size: 2.6rem; }
</style>"""


# ----------------------------------------------------------------------------- the page


def class_page() -> None:
    through_app()
    lang.current()
    s = session()
    s.page = "class"
    s.page_run += 1
    classlink.read_link()
    key = _lecturer_key()
    st.html(STYLE)
    present.style()
    with st.sidebar:
        lang.selector()
        classlink.status_box()
    classadmin.act(key)
    urls.say_notices()
    code = _code_shown(key)
    if key is None or code is None or not present.presenting():     # (projected: the code heads it)
        st.title(_("Class"), anchor=False)
    if code is None:
        _start_or_join()
        return
    if key is not None:
        classadmin.lecturer_header(code, key)
    else:
        classlink.join_box("page")
        m = classlink.member()
        if m is None or m.code != code:
            st.caption(_("The board of class {code}: every student's runs and predictions, without names.")
                       .format(code=code))
    _board(code, key)
    if key is not None and not present.presenting():
        classadmin.manage(code, key)


def _code_shown(key: str | None) -> str | None:
    """The class this page shows: the link's, else the one joined."""
    s = session()
    raw = st.query_params.get(PARAM)
    if raw is not None:
        return s.invited or (s.member.code if s.member else None) or str(raw)
    return s.member.code if s.member is not None else None


def _lecturer_key() -> str | None:
    """``?key=`` of the lecturer's link, checked against the class (a wrong key leaves the URL with a
    notice); the key is kept in the session for this class."""
    s = session()
    code = st.query_params.get(PARAM)
    raw = st.query_params.get(KEY)
    if code is None:
        if raw is not None:
            del st.query_params[KEY]
        return None
    shown = s.invited or (s.member.code if s.member else None) or str(code)
    if raw is None:
        key = s.lecturer.get(shown)
        if key is not None:
            st.query_params[KEY] = key
        return key
    if s.lecturer.get(shown) == raw:
        return raw
    try:
        classlink.store().check_key(shown, str(raw))
    except ClassError:
        del st.query_params[KEY]
        s.notices.append(_("Ignored key from the link: it is not the lecturer key of class {code}.")
                         .format(code=shown))
        return None
    except DOWN as e:
        s.notices.append(classlink.down_message(e))
        return None
    s.lecturer[shown] = str(raw)
    s.invited = None if s.member is None or s.member.code != shown else s.invited
    return str(raw)


# ----------------------------------------------------------------------------- no class yet


def _start_or_join() -> None:
    st.markdown(_("Turn the room into one experiment: every student trains on their own device, and the "
                  "class's runs and predictions come together on one board, live."))
    left, right = st.columns(2)
    with left.container(border=True):
        st.subheader(_("Start a class"), anchor=False)
        st.markdown(_("You get a short code for the students and a private link for yourself. Nothing to "
                      "install, no accounts; the class is deleted after 14 days."))
        st.button(_("Start a class"), type="primary", icon=":material/school:", on_click=classadmin.flag,
                  args=("create",), key="class_create")
    with right.container(border=True):
        st.subheader(_("Join a class"), anchor=False)
        st.text_input(_("The class code"), key="class_code_typed", placeholder=EXAMPLE_CODE, max_chars=20)
        st.button(_("Go to the class"), icon=":material/login:", on_click=classadmin.flag, args=("typed",),
                  key="class_typed")


# ----------------------------------------------------------------------------- the board


def _pages() -> list[Experiment]:
    return list(experiments())


def _board(code: str, key: str | None) -> None:
    exps = _pages()
    ids = [e.id for e in exps]
    if st.session_state.get("board_page") not in ids:
        st.session_state["board_page"] = _busiest(code, key) or ids[0]
    row = st.columns([2, 2, 3])
    page_id = row[0].selectbox(_("Experiment"), ids, key="board_page",
                               format_func=words.bound(lambda i: _(get_experiment(i).title)))
    exp = get_experiment(page_id)
    knob = row[1].selectbox(_("Colour by"), list(exp.knobs), key=f"board_knob_{page_id}",
                            index=list(exp.knobs).index("lr") if "lr" in exp.knobs else 0,
                            format_func=words.bound(words.label))

    @st.fragment(run_every=REFRESH)
    def live() -> None:
        i18n.set_language(session().lang or i18n.DEFAULT)
        classadmin.act(key)                          # a Withdraw pressed on the board (in this fragment)
        try:
            board = classadmin.read(code, key)
        except (ClassError, *DOWN) as e:
            if isinstance(e, ClassError):                # deleted, expired: refused, not unreachable
                st.error(str(e), icon=":material/block:")
            else:
                st.warning(classlink.down_message(e), icon=":material/cloud_off:")
            session().page_run += 1                      # the charts come back made anew: send them whole
            return
        _draw(board, exp, knob, key is not None)

    live()


def _busiest(code: str, key: str | None) -> str | None:
    """The page whose runs were posted last (the one the class is on)."""
    try:
        board = classadmin.read(code, key)
    except (ClassError, *DOWN):
        return None
    latest = max(board.runs, key=lambda r: r.updated, default=None)
    return None if latest is None else latest.page


def _draw(board: Board, exp: Experiment, knob: str, lecturer: bool) -> None:
    runs = [r for r in board.runs if r.page == exp.id]
    metric = exp.score
    rk = boardfigs.rank(runs, metric)
    done = [r for r in runs if r.final]            # the parallel coordinates change when a run ends only
    vary = [k for k in boardfigs.varying(done, exp) if k != "seed"]
    parallel = len(vary) >= 2 and len(done) >= 2
    cols = st.columns(4)
    cols[0].metric(_("Students"), i18n.integer(board.students))
    cols[1].metric(_("Runs on this page"), i18n.integer(len(runs)),
                   help=_("{n} finished").format(n=i18n.integer(sum(1 for r in runs if r.final))))
    best = _("Best {metric}").format(metric=_(metric.label))
    cols[2].metric(best, "–" if rk.best is None else f"{boardfigs.metric_of(rk.best, metric):.4g}",
                   help=None if rk.best is None else f"{best}: {boardfigs.who(rk.best)}")  # a long label
    cols[3].metric(_("Median {metric}").format(metric=_(metric.label)),
                   "–" if rk.median is None else f"{boardfigs.metric_of(rk.median, metric):.4g}")
    # The parts that come and go sit in containers that are always drawn, so the charts below keep their
    # places (a chart made anew would wait for a whole figure: ui/liveplot.py), as the status box does.
    note = st.container(key="board_note")
    if board.closed:
        note.info(_("The class is closed: it takes no more runs or predictions."), icon=":material/lock:")
    left, right = st.columns(2)
    with left:
        chart(lambda: boardfigs.curves_figure(runs, knob, exp, metric), "board-curves")
    with right:
        chart(lambda: boardfigs.metric_figure(runs, knob, exp, metric), "board-metric")
    with st.container(key="board_parallel"):
        if parallel:
            chart(lambda: boardfigs.parallel_figure(done, vary, metric), "board-parallel")
    cps = [(i, c) for i, c in enumerate(COURSE.checkpoints, 1) if c.page == exp.id]
    if cps:
        st.markdown(_("#### The class's predictions"))
        grid = st.columns(2)
        for j, (i, cp) in enumerate(cps):
            with grid[j % 2]:
                chart(lambda cp=cp, i=i: boardfigs.predictions_figure(cp, i, board.answers),
                      f"board-cp-{cp.id}")
    if not lecturer:
        _own_runs(board, exp)


def _own_runs(board: Board, exp: Experiment) -> None:
    """The student's own runs on the board, each with Withdraw."""
    m = classlink.member()
    if m is None or m.code != board.code:
        return
    mine = [r for r in board.runs if r.student == m.number and r.page == exp.id]
    if not mine:
        return
    with st.expander(i18n.ngettext("Your {n} run on this page", "Your {n} runs on this page", len(mine))
                     .format(n=i18n.integer(len(mine)))):
        for r in mine:
            row = st.columns([5, 1])
            shown = ", ".join(f"{words.label(k)} {words.value(k, v)}" for k, v in r.settings.items()
                              if k in exp.knobs)
            row[0].text(f"{r.run_id} · {shown}"[:160])         # plain text: nothing a post carries is markup
            row[1].button(_("Withdraw"), key=f"withdraw_{r.run_id}", on_click=classadmin.flag,
                          args=("withdraw", r.run_id), type="tertiary", icon=":material/remove_circle:")
