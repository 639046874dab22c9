"""The navigation entries of the experiments, shared by app.py (st.navigation) and the Home cards
(st.page_link). Each experiment of the registry has a page script ``pages/<url_path>.py`` that draws
``experiment_page(<id>)``: a file rather than a page function, because Streamlit serves the first
visitor of a cold server from the ``pages/`` folder by file name (see ui/mpa.py)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from rnn_core.experiments import Experiment
from rnn_core.i18n import _

PAGES = Path(__file__).resolve().parents[1] / "pages"


def page_file(exp: Experiment) -> Path:
    """pages/<url_path>.py of an experiment."""
    return PAGES / f"{exp.url_path}.py"


def page_of(exp: Experiment) -> st.Page:
    """The navigation page of an experiment."""
    return st.Page(page_file(exp), title=_(exp.title), icon=exp.icon, url_path=exp.url_path)
