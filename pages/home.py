"""Home: what the app is, and one card per experiment, each one click from a model training."""

from pathlib import Path

import streamlit as st

from ui.catalog import PAGES
from ui.mpa import through_app

INTRO = Path(__file__).resolve().parents[1] / "content" / "home.md"

through_app()
st.session_state["_page"] = "home"
st.title("RNN Explorer")
st.markdown(INTRO.read_text(encoding="utf-8"))

for row in range(0, len(PAGES), 3):
    for col, p in zip(st.columns(3), PAGES[row:row + 3], strict=False):
        with col.container(border=True, height="stretch"):
            st.subheader(p.title, anchor=False)
            st.markdown(p.blurb)
            st.page_link(p.file, label=f"**Open {p.title}**", icon=":material/arrow_forward:")
