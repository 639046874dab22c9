"""Home: what the app is, and one card per experiment, each one click from a model training."""

from pathlib import Path

import streamlit as st

from rnn_core.experiments import experiments
from ui.mpa import through_app
from ui.nav import page_of
from ui.state import session

INTRO = Path(__file__).resolve().parents[1] / "content" / "home.md"

through_app()
session().page = "home"                  # (ui/state.py: back on an experiment page, its run)
st.title("RNN Explorer")
st.markdown(INTRO.read_text(encoding="utf-8"))

exps = experiments()
for row in range(0, len(exps), 3):
    for col, e in zip(st.columns(3), exps[row:row + 3], strict=False):
        with col.container(border=True, height="stretch"):
            st.subheader(e.title, anchor=False)
            st.markdown(e.blurb)
            st.page_link(page_of(e), label=f"**Open {e.title}**", icon=":material/arrow_forward:")
