"""AppTest helpers shared by the page tests: open an experiment page (one session), switch pages in the
same session, and read what a page shows (charts by key, the runs of a page).

An experiment page is a page function of the navigation (ui/nav.py), not a file, so a test runs the same
page function from a small script: ``experiment_page(<id>)`` for the id in session state, which a test
changes to move to another page in the same session, as the navigation does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from streamlit.testing.v1 import AppTest

from ui import plotwire

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
TIMEOUT = 60
PAGE_SCRIPT = """
import streamlit as st
from ui.layout import experiment_page
experiment_page(st.session_state["_test_page"])
"""


def open_page(exp_id: str, **query: str) -> AppTest:
    """A new session on the experiment's page, with ``query`` in its URL, after its first run."""
    at = AppTest.from_string(PAGE_SCRIPT, default_timeout=TIMEOUT)
    at.session_state["_test_page"] = exp_id
    for k, v in query.items():
        at.query_params[k] = v
    return at.run()


def switch(at: AppTest, exp_id: str) -> AppTest:
    """Go to another experiment page in the same session (the browser drops the query string)."""
    at.query_params.clear()
    at.session_state["_test_page"] = exp_id
    return at.run()


def page_state(at: AppTest, exp_id: str) -> Any:
    """The page's state in the session (ui.state.PageState)."""
    return at.session_state["rnnx"].pages[exp_id]


def page_runs(at: AppTest, exp_id: str) -> Any:
    """The page's runs (ui.state.PageRuns)."""
    return page_state(at, exp_id).runs


def run_of(at: AppTest, exp_id: str) -> Any:
    """The page's first run (ui.live.RunState)."""
    return page_runs(at, exp_id).first


def charts(at: AppTest) -> dict[str, dict[str, Any]]:
    """Every chart on the page: its key → the figure the browser holds (plotly JSON: data, layout,
    config; arrays as lists, read with the app's own wire format, ui/plotwire.py)."""
    out = {}
    for el in at.get("bidi_component"):
        if el.proto.component_name == "rnn_explorer.liveplot":
            chart_key = el.proto.id.split("-", 2)[-1]                  # "$$ID-<hash>-<key>"
            out[chart_key] = plotwire.decode(el.proto.bytes)
    return out


def uploader(at: AppTest, key: str) -> Any:
    return next(u for u in at.get("file_uploader") if u.proto.id.endswith(key) or key in u.proto.id)


def knob_value(at: AppTest, key: str) -> Any:
    for kind in ("slider", "select_slider", "selectbox", "radio", "number_input"):
        for w in getattr(at, kind):
            if w.key == key:
                return w.value
    raise KeyError(key)
