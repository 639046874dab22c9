"""The card of the checkpoint open on a page (ui/checkpoints.py: links, the course, the progress): the
question, the prediction locked in or skipped, the runs paused where the answer is revealed, and the
reveal: the answer measured from these runs, whether the prediction was right, the explanation with the
runs' numbers. In presenter mode: the question large, the choices numbered, Reveal for the lecturer.
"""

from __future__ import annotations

from html import escape

import streamlit as st

from rnn_core import i18n
from rnn_core.checkpoints import COURSE, Checkpoint, get_checkpoint
from rnn_core.experiments import Experiment
from rnn_core.i18n import _

from . import classlink, live, present
from .checkpoints import PARAM, keep_progress, link, progress
from .state import Attempt, PageRuns, session

PRESENT_CSS = """<style>
.st-key-checkpoint .cp-question { font-size: 1.6rem; line-height: 1.35; }
.st-key-checkpoint .cp-choices { font-size: 1.35rem; }
</style>"""


def _lock(cp_id: str) -> None:
    """Lock in: the prediction chosen on the card becomes the attempt's."""
    a, ss = session().attempt, st.session_state
    if a is None or a.id != cp_id:
        return
    cp = get_checkpoint(cp_id)
    guess = ss.get("cp_number") if cp.numeric else ss.get("cp_choice")
    if guess is not None:
        a.guess = float(guess) if cp.numeric else str(guess)


def _skip(cp_id: str) -> None:
    a = session().attempt
    if a is not None and a.id == cp_id:
        a.skipped = True


def _reveal(cp_id: str) -> None:
    a = session().attempt
    if a is not None and a.id == cp_id:
        a.shown = True


def _again(cp_id: str, exp_id: str) -> None:
    """Ask again: the prediction and the answer forgotten, new weights (the same setup and seed)."""
    s = session()
    if s.attempt is not None and s.attempt.id == cp_id:
        s.attempt = Attempt(cp_id)
        live.request(exp_id, "reset")


def open_here(exp: Experiment) -> Checkpoint | None:
    """The checkpoint open on this page (the URL names it and it is the session's attempt), or None."""
    a = session().attempt
    if a is None or st.query_params.get(PARAM) != a.id:
        return None
    cp = get_checkpoint(a.id)
    return cp if cp.page == exp.id else None


def card(exp: Experiment, page: PageRuns) -> str | None:
    """The open checkpoint's card (nothing if none is open); returns why Train and Step wait (None: they
    do not)."""
    cp = open_here(exp)
    if cp is None:
        live.watch(page, None)
        return None
    a = session().attempt
    assert a is not None
    presenting = present.presenting()
    waiting = not presenting and a.guess is None and not a.skipped
    reached = cp.until.reached([r.snap for r in page.runs])
    trouble = None
    if a.outcome is None and reached and not waiting and (a.shown or not presenting):
        try:
            a.outcome = cp.answer(page.runs)
        except (ValueError, KeyError, IndexError):
            trouble = _("These runs are not the checkpoint's setup any more (it compares {n}): press "
                        "“Ask again” to train its setup.").format(n=i18n.integer(cp.n_runs))
        else:
            if a.guess is not None and not presenting:
                session().progress = progress().mark(COURSE.index(cp.id), cp.judge(a.guess, a.outcome))
                keep_progress()
    classlink.post_answer(a)                    # to the class joined, if any: the guess, then the outcome
    live.watch(page, cp.until if a.outcome is None else None)
    if presenting:
        st.html(PRESENT_CSS)
    with st.container(border=True, key="checkpoint"):
        _header(cp)
        st.markdown(f'<div class="cp-question">{escape(_(cp.question))}</div>', unsafe_allow_html=True)
        if trouble:
            st.warning(trouble, icon=":material/warning:")
        if a.outcome is not None:
            _revealed(cp, a, exp)
        elif presenting:
            _present(cp, reached)
        elif waiting:
            _predict(cp)
        else:
            _waiting(cp, a)
    return _("Make your prediction first (or skip) in the checkpoint above.") if waiting else None


def _header(cp: Checkpoint) -> None:
    i, n = COURSE.index(cp.id), len(COURSE.checkpoints)
    row = st.container(horizontal=True, vertical_alignment="center", gap="small")
    with row:
        st.markdown(_("**Checkpoint {i} of {n}** · {title}").format(
            i=i18n.integer(i + 1), n=i18n.integer(n), title=_(cp.title)))
        st.space("stretch")
        if i > 0:
            link(COURSE.checkpoints[i - 1], _("Previous"), ":material/arrow_back:", cp.page, "prev")
        if i + 1 < n:
            link(COURSE.checkpoints[i + 1], _("Next"), ":material/arrow_forward:", cp.page, "next")


def _number_widget(cp: Checkpoint) -> None:
    assert cp.guess_range is not None
    lo, hi, step = cp.guess_range
    st.slider(_("Your guess: {unit}").format(unit=_(cp.guess_unit)), min_value=float(lo), max_value=float(hi),
              value=float(lo), step=float(step), key="cp_number")


def _predict(cp: Checkpoint) -> None:
    """The prediction: a choice or a number, locked in; or skipped."""
    if cp.numeric:
        _number_widget(cp)
        ready = True
    else:
        texts = {c.key: _(c.text) for c in cp.choices}
        ready = st.radio(_("Your prediction"), list(texts), index=None, key="cp_choice",
                         format_func=texts.get) is not None
    row = st.container(horizontal=True, gap="small")
    row.button(_("Lock in my prediction"), key="cp_lock", type="primary", icon=":material/lock:",
               disabled=not ready, on_click=_lock, args=(cp.id,),
               help=None if ready else _("Pick an answer first."))
    row.button(_("Skip — just show me"), key="cp_skip", icon=":material/visibility:", on_click=_skip,
               args=(cp.id,))
    st.caption(_("Train starts once you have predicted: the run then answers the question."))


def _waiting(cp: Checkpoint, a: Attempt) -> None:
    if a.guess is not None:
        said = _("Your prediction: **{answer}**.").format(answer=cp.answer_text(a.guess))
    else:
        said = _("No prediction this time.")
    st.markdown(said + " " + _("Press Train and watch: the answer appears when the run gets there."))


def _present(cp: Checkpoint, reached: bool) -> None:
    """Presenter mode: the choices numbered and large; Reveal, once the runs got there."""
    if cp.numeric:
        assert cp.guess_range is not None
        lo, hi, _step = cp.guess_range
        text = _("A number from {lo} to {hi}: {unit}").format(lo=i18n.number(lo, 3), hi=i18n.number(hi, 3),
                                                              unit=_(cp.guess_unit))
        st.markdown(f'<div class="cp-choices">{escape(text)}</div>', unsafe_allow_html=True)
    else:
        items = "".join(f"<li>{escape(_(c.text))}</li>" for c in cp.choices)
        st.markdown(f'<ol class="cp-choices">{items}</ol>', unsafe_allow_html=True)
    st.button(_("Reveal"), key="cp_reveal", type="primary", icon=":material/visibility:",
              disabled=not reached, on_click=_reveal, args=(cp.id,),
              help=_("Show the answer this run gives.") if reached else
              _("The runs have not got there yet: press Train and wait."))


def _revealed(cp: Checkpoint, a: Attempt, exp: Experiment) -> None:
    """The answer the runs gave, whether the prediction was right, and why (with the runs' numbers)."""
    outcome = a.outcome
    answer = cp.answer_text(outcome.answer)
    if a.guess is None:
        st.info(_("The run says: **{answer}**.").format(answer=answer), icon=":material/visibility:")
    elif cp.judge(a.guess, outcome):
        st.success(_("Your prediction was right: **{answer}**.").format(answer=answer),
                   icon=":material/check_circle:")
    else:
        st.warning(_("The run says **{answer}**; you predicted {guess}.").format(
            answer=answer, guess=cp.answer_text(a.guess)), icon=":material/cancel:")
    st.markdown(cp.explain(outcome))
    if not outcome.as_expected:
        st.caption(_("The explanation expects {expected}: another seed or a changed setting can make a run "
                     "come out otherwise.").format(expected=cp.answer_text(cp.expected)))
    row = st.container(horizontal=True, gap="small")
    row.button(_("Ask again"), key="cp_again", icon=":material/replay:", on_click=_again,
               args=(cp.id, exp.id), help=_("Forget this prediction and train the setup again."))
    i = COURSE.index(cp.id)
    if i + 1 < len(COURSE.checkpoints):
        with row:
            link(COURSE.checkpoints[i + 1], _("Next checkpoint"), ":material/arrow_forward:", cp.page,
                 "after")
