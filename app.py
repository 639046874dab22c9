"""RNN Explorer: train recurrent networks live in the browser. ``streamlit run app.py``

This file only builds the navigation: Home, the Class (ui/board.py), then one page per experiment of the
registry (rnn_core.experiments), each drawn by ui.layout.experiment_page.
"""

import streamlit as st

from rnn_core.experiments import experiments
from rnn_core.i18n import _, compile_catalogs
from rnn_core.threads import pin_single_thread
from ui import lang
from ui.liveplot import ensure_plotly_js
from ui.mpa import through_app
from ui.nav import page_of
from ui.present import presenting

through_app()                # a shared link opened first on a cold server: rerun in navigation mode
ensure_plotly_js()           # the charts' plotly.js, served from static/ (ui/liveplot.py)
pin_single_thread()          # small matrices, shared cores: one math thread per server process

st.set_page_config(page_title="RNN Explorer", page_icon="🔁", layout="wide",
                   initial_sidebar_state="collapsed" if presenting() else "auto")


compile_catalogs()           # the translations' .mo files, if the .po files are newer (rnn_core/i18n.py)
lang.current()               # the session's language (?lang=, the browser's, or English), for the titles
home = st.Page("pages/home.py", title=_("Home"), icon=":material/home:", default=True)
klass = st.Page("pages/class.py", title=_("Class"), icon=":material/groups:", url_path="class")
st.navigation({"": [home, klass], _("Experiments"): [page_of(e) for e in experiments()]}).run()
