"""RNN Explorer: train recurrent networks live in the browser. ``streamlit run app.py``

This file only builds the navigation: Home, then one page per experiment (see ui/catalog.py).
"""

import streamlit as st

from rnn_core.threads import pin_single_thread
from ui.catalog import PAGES

pin_single_thread()          # small matrices, shared cores: one math thread per server process

st.set_page_config(page_title="RNN Explorer", page_icon="🔁", layout="wide")

home = st.Page("pages/home.py", title="Home", icon=":material/home:", default=True)
experiments = [st.Page(p.file, title=p.title, icon=p.icon, url_path=p.url_path) for p in PAGES]
st.navigation({"": [home], "Experiments": experiments}).run()
