"""Home: what the app is, and one card per experiment, each one click from a model training."""

import streamlit as st

from rnn_core import i18n
from rnn_core.experiments import experiments
from rnn_core.i18n import _
from ui import checkpoints, classlink, lang, urls
from ui.lesson import lesson_path
from ui.mpa import through_app
from ui.nav import page_of
from ui.state import session

through_app()
session().page = "home"                  # (ui/state.py: back on an experiment page, its run)
with st.sidebar:
    lang.selector()
    classlink.join_box("side")
    classlink.status_box()
checkpoints.read_progress()              # a link's ?progress= joins this session's
classlink.read_link()                    # ?class=: the class to join, or the one joined
urls.say_notices()
st.title("RNN Explorer")
st.markdown(lesson_path("home", i18n.current()).read_text(encoding="utf-8"))
checkpoints.course_overview()
st.subheader(_("Every experiment"), anchor=False)

exps = experiments()
for row in range(0, len(exps), 3):
    for col, e in zip(st.columns(3), exps[row:row + 3], strict=False):
        with col.container(border=True, height="stretch"):
            st.subheader(_(e.title), anchor=False)
            st.markdown(_(e.blurb))
            st.page_link(page_of(e), label=_("**Open {title}**").format(title=_(e.title)),
                         icon=":material/arrow_forward:")
