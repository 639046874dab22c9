"""Home: what the app is, and one card per experiment, each one click from a model training."""

import streamlit as st

from ui.catalog import PAGES
from ui.mpa import through_app

through_app()
st.session_state["_page"] = "home"
st.title("RNN Explorer")
st.markdown(
    "Train a recurrent neural network **live** and watch it learn: the loss falls, the predictions "
    "bend towards the truth, the hidden states settle and the gradients flow (or vanish) through time. "
    "Every knob — hidden size, learning rate, BPTT truncation, gradient clipping — works while the "
    "model trains, and every setting lands in the URL, so a setup is a link you can share."
)
st.markdown("Pick an experiment, press **Train**, then move a slider.")

for row in range(0, len(PAGES), 3):
    for col, p in zip(st.columns(3), PAGES[row:row + 3], strict=False):
        with col.container(border=True, height="stretch"):
            st.subheader(p.title, anchor=False)
            st.markdown(p.blurb)
            st.page_link(p.file, label=f"**Open {p.title}**", icon=":material/arrow_forward:")
